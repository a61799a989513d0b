"""A first answer over a cold universe: provisional closes at once, exact bars in the background.

A cold /movers over 2,000 names needs 2,000 per-symbol chart requests: about 8 minutes at the
polite pace. With `MarketData.enable_provisional()` on (the bot's refresh cog turns it on), a
read of closes only (columns within PROVISIONAL_COLUMNS) that lacks at least `min_names` names
is answered from the provider's multi-symbol closes instead (Yahoo's spark: 20 names a request,
2,000 names in about 25 s at 4 requests a second). Those are split-adjusted closes without
dividends: put in both close and adj_close they give a price return, and the answer's warning
says so ("Price return ... (closes from Yahoo's spark; total return follows)"); PriceResult
lists the names in `provisional`.

They are kept in memory only, never stored as bars: a later read must not take them for exact
ones. A background fill (`MarketData.fill`, in a thread owned here) fetches the exact bars of
those names, reaching back BACKGROUND_LOOKBACK so the nightly refresh finds them warm. Until a
name's exact bars are in, a read of it is answered from memory (without asking again); once
they are, from the cache: the next ask is exact and warm. Names the multi-symbol endpoint
cannot answer (a bad symbol, a changed shape: the provider falls back) go the ordinary way,
fetched per symbol by the command.
"""

from __future__ import annotations

import collections
import datetime as dt
import logging
import math
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analytics.data.gaps import Gap
from analytics.data.provider import MultiSymbolSource
from analytics.data.results import FillReport

if TYPE_CHECKING:
    from analytics.data.market import MarketData

log = logging.getLogger("analytics.data.market")

PROVISIONAL_MIN = 100
"""Names a read must lack before it is answered provisionally (fewer: about 25 s per symbol)."""

BACKGROUND_LOOKBACK = dt.timedelta(days=400)
"""The background fill reaches this far back (what the nightly refresh keeps: a year and more),
so a name filled for one answer costs the night nothing more."""

PROVISIONAL_COLUMNS = frozenset({"close", "adj_close", "source"})
"""Reads a provisional close can answer: prices from closes only."""

SOURCE = "Yahoo Finance (spark)"
"""The `source` of provisional rows."""


class Provisional:
    """Provisional closes in memory and the background fill that replaces them (thread-safe).

    min_names: see PROVISIONAL_MIN. lookback: see BACKGROUND_LOOKBACK. rate: requests a
    second the provider sends, for the wait the warning announces (default: its limiter's).
    """

    def __init__(
        self,
        market: MarketData,
        *,
        min_names: int = PROVISIONAL_MIN,
        lookback: dt.timedelta = BACKGROUND_LOOKBACK,
        rate: float | None = None,
    ) -> None:
        self.market = market
        self.min_names = min_names
        self.lookback = lookback
        limiter = getattr(market.provider, "limiter", None)
        self.rate = rate or (limiter.rate if limiter is not None else 4.0)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._closes: dict[str, pd.Series] = {}
        self._spans: dict[str, tuple[dt.date, dt.date]] = {}
        self._jobs: collections.deque[tuple[list[str], dt.date, dt.date]] = collections.deque()
        self._queued: set[str] = set()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._closed = False
        self.reports: list[FillReport] = []
        """The background fills done so far (for logs, tests and benchmarks)."""

    # -- answering ---------------------------------------------------------------------------

    def serve(
        self,
        batches: list[Gap],
        start: dt.date | None,
        end: dt.date,
        columns: Sequence[str] | None,
        *,
        force: bool = False,
    ) -> tuple[dict[str, pd.Series], list[Gap], int]:
        """Provisional closes for the names `batches` lack, if this read qualifies: (closes by
        ticker, the batches left for the ordinary fetch, requests sent)."""
        if columns is None or not set(columns) <= PROVISIONAL_COLUMNS or start is None:
            return {}, batches, 0
        needy = list(dict.fromkeys(t for b in batches for t in b.tickers))
        with self._lock:
            queued = any(t in self._queued for t in needy)
            have = {
                t: _between(self._closes[t], start, end)
                for t in needy
                if t in self._spans and self._spans[t][0] <= start and self._spans[t][1] >= end
            }
        if len(needy) < self.min_names and not queued and not force:
            return {}, batches, 0
        ask = [t for t in needy if t not in have]
        requests = 0
        provider = self.market.provider
        if ask and isinstance(provider, MultiSymbolSource):
            with self.market.fetch_lock.command():
                got = provider.spark_closes(ask, start, end)
            requests = got.requests
            with self._lock:
                for ticker, closes in got.values.items():
                    self._closes[ticker] = closes
                    self._spans[ticker] = (start, end)
            have.update({t: s for t, s in got.values.items() if not s.empty})
        have = {t: s for t, s in have.items() if not s.empty}
        if have:
            self.submit(list(have), min(start, end - self.lookback), end)
        left = [
            Gap(b.start, b.end, [t for t in b.tickers if t not in have], hole=b.hole)
            for b in batches
        ]
        return have, [b for b in left if b.tickers], requests

    def forget(self, tickers: Sequence[str]) -> None:
        """Drop the provisional closes of `tickers` (their exact bars are cached now)."""
        with self._lock:
            if not self._closes and not self._spans:
                return  # the usual case: nothing provisional (a warm read asks on every call)
            for ticker in tickers:
                self._closes.pop(ticker, None)
                self._spans.pop(ticker, None)

    def frame(
        self, exact: pd.DataFrame, closes: dict[str, pd.Series], columns: Sequence[str] | None
    ) -> pd.DataFrame:
        """`exact` (read_bars' long frame) with the provisional rows added, ticker and date order."""
        wanted = list(columns or PROVISIONAL_COLUMNS)
        if not closes:
            return exact
        names = list(closes)
        lengths = [len(closes[t]) for t in names]
        values = np.concatenate([closes[t].to_numpy(dtype="float64") for t in names])
        rows = pd.DataFrame(
            {
                "ticker": np.repeat(np.array(names, dtype=object), lengths),
                "date": np.concatenate([closes[t].index.to_numpy() for t in names]),
            }
        )
        for column in wanted:
            rows[column] = SOURCE if column == "source" else values
        rows = rows[["ticker", "date", *wanted]]
        frame = pd.concat([exact, rows], ignore_index=True) if not exact.empty else rows
        frame["date"] = pd.to_datetime(frame["date"])
        return frame.sort_values(["ticker", "date"], kind="stable", ignore_index=True)

    def warning(self, names: Sequence[str], total: int) -> str:
        """What a provisional answer says it stands on."""
        with self._lock:
            waiting = len(self._queued)
        minutes = max(math.ceil(waiting / self.rate / 60), 1)
        share = (
            f"{len(names):,} of the {total:,} names"
            if len(names) < total
            else f"the {total:,} names"
        )
        return (
            f"Price return for {share} (closes from Yahoo's spark; total return follows): their "
            f"full bars, dividends included, are being fetched in the background (about "
            f"{minutes} min); the next answer after that is exact."
        )

    # -- the background fill -----------------------------------------------------------------

    def submit(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> None:
        """Queue a background fill of `tickers` (those not queued already)."""
        with self._lock:
            if self._closed:
                return
            new = [t for t in tickers if t not in self._queued]
            if not new:
                return
            self._queued.update(new)
            self._jobs.append((new, start, end))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="provisional-fill", daemon=True
                )
                self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._jobs or self._stop.is_set():
                    self._thread = None
                    self._changed.notify_all()
                    return
                names, start, end = self._jobs.popleft()
            try:
                report = self.market.fill(
                    names, start, end, stop=self._stop.is_set, sleep=self._stop.wait
                )
            except Exception:  # a bug or a closed cache: the next read asks again
                log.exception("background fill of %d names failed", len(names))
                report = FillReport(requested=len(names), failed=dict.fromkeys(names, "error"))
            done = [t for t in names if t not in report.failed] if not report.stopped else []
            log.info(
                "background fill: %d names, %d requests, %d failed",
                len(names),
                report.requests,
                len(report.failed),
            )
            with self._lock:
                self.reports.append(report)
                self._queued.difference_update(names)
                for ticker in done:
                    self._closes.pop(ticker, None)
                    self._spans.pop(ticker, None)

    def idle(self, timeout: float | None = None) -> bool:
        """Wait until no background fill is queued or running; False on timeout."""
        with self._lock:
            return self._changed.wait_for(lambda: self._thread is None, timeout)

    def stop(self, timeout: float | None = None) -> None:
        """End the background fill after its current batch and accept no more."""
        with self._lock:
            self._closed = True
            self._stop.set()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)


def _between(series: pd.Series, start: dt.date, end: dt.date) -> pd.Series:
    return series[(series.index >= pd.Timestamp(start)) & (series.index <= pd.Timestamp(end))]
