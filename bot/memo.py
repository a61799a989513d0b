"""A memo of finished answers, so the same question asked again is answered at once.

Keyed by the command, its parsed request (a frozen dataclass), the cache's generation (every
commit to the file, by any connection or process, changes it: `PriceCache.generation`), the
latest completed NYSE session (an answer "as of the latest" moves on at each close) and offline
mode. A memoised answer keeps its encoded chart, so a repeat neither recomputes nor redraws.
Never memoised: a partial answer, or one computed while a source was failing (served from the
cache with a warning): those must be asked again.

The same question asked again while its first asking is still being computed (a burst: many
users, few questions) waits for that computation instead of starting another (`running`,
`start`, `finish`): it gets the same answer, memoised or not.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

from analytics import calendar

if TYPE_CHECKING:
    from analytics.answer import Answer
    from analytics.data.market import MarketData
    from analytics.spec import CommandSpec

DEFAULT_SIZE = 256
"""Answers kept (a chart is ~100 KB: a full memo is tens of MB)."""


class AnswerMemo:
    """A thread-safe LRU of finished answers."""

    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self.size = size
        self._answers: OrderedDict[Hashable, Answer] = OrderedDict()
        self._lock = threading.Lock()
        self._running: dict[Hashable, asyncio.Future[Answer]] = {}
        self.hits = 0
        self.misses = 0
        self.joined = 0  # askings that waited for the same question's computation

    @staticmethod
    def key(spec: CommandSpec, market: MarketData, request: Any) -> Hashable | None:
        """The memo key of this question now, or None when the request cannot be a key.
        Reads the cache's generation: call it off the event loop."""
        try:
            hash(request)
        except TypeError:
            return None
        return (
            spec.name,
            request,
            market.cache.generation(),
            calendar.last_completed_session(market.now()),
            market.offline,
        )

    def get(self, key: Hashable | None) -> Answer | None:
        if key is None:
            return None
        with self._lock:
            answer = self._answers.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._answers.move_to_end(key)
            self.hits += 1
            return answer

    def put(self, key: Hashable | None, answer: Answer) -> bool:
        """Keep `answer` unless it is partial; True when kept."""
        if key is None or answer.data.get("partial"):
            return False
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)
        return True

    def running(self, key: Hashable | None) -> asyncio.Future[Answer] | None:
        """The computation of `key` under way on this event loop, if any."""
        if key is None:
            return None
        future = self._running.get(key)
        if future is None or future.done() or future.get_loop() is not asyncio.get_running_loop():
            return None
        self.joined += 1
        return future

    def start(self, key: Hashable | None) -> asyncio.Future[Answer] | None:
        """Register the computation of `key` (call `finish` with its outcome)."""
        if key is None:
            return None
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._running[key] = future
        return future

    def finish(
        self,
        key: Hashable | None,
        future: asyncio.Future[Answer] | None,
        answer: Answer | None = None,
        error: BaseException | None = None,
    ) -> None:
        """End the computation `start` registered: those waiting get `answer` or `error`
        (a cancelled computation cancels their wait: they compute it themselves)."""
        if future is None:
            return
        if self._running.get(key) is future:
            del self._running[key]
        if future.done():
            return
        if answer is not None:
            future.set_result(answer)
        elif error is not None and not isinstance(error, asyncio.CancelledError):
            future.set_exception(error)
            future.exception()  # retrieved: nobody waiting is not an error to log
        else:
            future.cancel()

    def clear(self) -> None:
        """Forget every memoised answer."""
        with self._lock:
            self._answers.clear()

    def __len__(self) -> int:
        return len(self._answers)
