"""The fake Yahoo for the cold-path benchmarks: tests/fakes/yahoo.py's FakeYahoo with a random
delay per answer (100-300 ms by default, like Yahoo from a home connection) and every answer's
status logged, so a benchmark can prove nothing was lost or fetched twice."""

from __future__ import annotations

import random
import threading
from collections import Counter

from tests.fakes.yahoo import CHART_PREFIX, FakeYahoo


class BenchYahoo(FakeYahoo):
    """FakeYahoo answering after uniform(*delay) seconds; `answers` logs (symbol, status, ranged).

    ranged: the request asked for a date range (period1), i.e. a real price fetch rather than
    yfinance's range=1d timezone probe.
    """

    def __init__(self, delay: tuple[float, float] = (0.1, 0.3), seed: int = 0) -> None:
        self._delay = delay
        self._rng = random.Random(seed)
        self._rng_lock = threading.Lock()
        super().__init__()
        self.answers: list[tuple[str, int, bool]] = []

    # FakeYahoo sleeps `delay_seconds` after its rate check: make each read a fresh draw.
    @property
    def delay_seconds(self) -> float:  # type: ignore[override]
        with self._rng_lock:
            return self._rng.uniform(*self._delay)

    @delay_seconds.setter
    def delay_seconds(self, value: float) -> None:
        pass  # FakeYahoo.__init__ sets 0.0; the range given here wins

    def _log(self, handler, status: int) -> None:
        path, _, query = handler.path.partition("?")
        symbol = path[len(CHART_PREFIX) :] if path.startswith(CHART_PREFIX) else path
        with self._lock:
            self.answers.append((symbol, status, "period1=" in query))

    def _send_json(self, handler, status, body):  # type: ignore[override]
        self._log(handler, status)
        FakeYahoo._send_json(handler, status, body)

    def _send_text(self, handler, status, text, extra_headers=None):  # type: ignore[override]
        self._log(handler, status)
        FakeYahoo._send_text(handler, status, text, extra_headers)

    def price_answers(self, status: int = 200) -> Counter:
        """Ranged chart answers with `status`, per symbol."""
        with self._lock:
            answers = list(self.answers)
        return Counter(s for s, code, ranged in answers if ranged and code == status)

    def count(self, status: int | None = None) -> int:
        with self._lock:
            return sum(1 for _, code, _ in self.answers if status is None or code == status)
