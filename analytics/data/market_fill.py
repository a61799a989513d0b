"""The background side of `MarketData` (a mixin of analytics.data.market.MarketData): the
plan of what is missing, the patient fill, the nightly refresh and one gap's fetch. See
analytics.data.market for the three ways in."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from analytics.data import memo_store
from analytics.data.gaps import Gap, coverage_index, indexed_missing_ranges, patched_index
from analytics.data.outcomes import (
    merge,
    read_only_outcome,
)
from analytics.data.patient import MAX_BACKOFFS, run_patiently
from analytics.data.provider import FetchResult, MultiSymbolSource
from analytics.data.read_memo import Reads
from analytics.data.results import FillReport
from analytics.data.store import fetch_and_store

if TYPE_CHECKING:
    pass

log = logging.getLogger("analytics.data.market")

UNKNOWN_RECHECK = dt.timedelta(days=7)
"""A symbol the provider did not know is not asked about again for this long."""

FETCH_BATCH = 100
"""Tickers per provider call: progress moves, and a crash loses at most one batch."""

FILL_BATCH = 20
"""Tickers per provider call in a background fill: about 5-10 s at Yahoo's pace, so a command
that must fetch waits at most that long, and a crash loses at most that much."""

DEFAULT_BACKOFF = 60.0
"""Seconds a fill waits after a rate limit when the provider cannot say (doubles per retry)."""

Progress = Callable[[int, int], None]
"""progress(done, total): tickers fetched so far out of those that needed fetching."""


class BackgroundFill:
    """Planning and filling for MarketData (it supplies `cache`, `provider`, `now`, the locks)."""

    def fill(
        self,
        tickers: Sequence[str],
        start: dt.date | None = None,
        end: dt.date | None = None,
        *,
        progress: Progress | None = None,
        batch_size: int = FILL_BATCH,
        sleep: Callable[[float], object] = time.sleep,
        stop: Callable[[], bool] | None = None,
        max_backoffs: int = MAX_BACKOFFS,
    ) -> FillReport:
        """Fetch whatever the cache lacks of `tickers` over [start, end], patiently.

        For background work (the refresher, a first load): batches of `batch_size`, each
        stored as it arrives, so an interrupted fill resumes where it stopped and nothing is
        fetched twice. After a rate limit it sleeps the provider's `retry_after()` (else
        DEFAULT_BACKOFF, doubling) and sends the same tickers again; after `max_backoffs` in a
        row on one batch it gives up. Commands that must fetch go ahead of it between batches.
        `stop()` is checked between batches and back-offs; pass a `sleep` that returns early
        (threading.Event.wait) to end a back-off at once. progress(done, total) counts tickers.
        """
        tickers = list(dict.fromkeys(tickers))
        report = FillReport(requested=len(tickers))
        if self.offline or not tickers:
            return report
        end = min(end or self.today(), self.today())
        known_unknown, batches = self.plan(tickers, start, end, batch_size)
        report.needed = sum(len(b.tickers) for b in batches)
        if self.cache.read_only:
            report.failed = read_only_outcome([t for b in batches for t in b.tickers]).failed
            return report

        def step(pending: list[str]) -> tuple[FetchResult, list[str]]:
            return self._fill_step(pending, start, end)

        run_patiently(
            self,
            [(b.tickers, step) for b in batches],
            report,
            progress=progress,
            sleep=sleep,
            stop=stop,
            max_backoffs=max_backoffs,
        )
        return report

    def refresh(
        self,
        tickers: Sequence[str],
        start: dt.date | None,
        session: dt.date,
        *,
        progress: Progress | None = None,
        sleep: Callable[[float], object] = time.sleep,
        stop: Callable[[], bool] | None = None,
        max_backoffs: int = MAX_BACKOFFS,
    ) -> FillReport:
        """The nightly refresh through `session`: the newest session of most names in few
        requests when the provider answers for many symbols at once (analytics.data.nightly;
        returns a NightReport), else `fill()`. Patient, like `fill`."""
        options = {"progress": progress, "sleep": sleep, "stop": stop, "max_backoffs": max_backoffs}
        if self.offline or self.cache.read_only or not isinstance(self.provider, MultiSymbolSource):
            return self.fill(tickers, start, session, **options)  # type: ignore[arg-type]
        from analytics.data.nightly import refresh_night

        return refresh_night(self, list(dict.fromkeys(tickers)), start, session, **options)  # type: ignore[arg-type]

    def _fill_step(
        self, tickers: list[str], start: dt.date | None, end: dt.date
    ) -> tuple[FetchResult, list[str]]:
        """Fetch what `tickers` still lack: a command may have fetched some since the plan.

        Returns one FetchResult for them all (those a rate limit kept from being asked are
        failed) and the tickers that no longer needed anything.
        """
        known_unknown, gaps = self.plan(tickers, start, end, len(tickers))
        combined = FetchResult(unknown=[t for t in tickers if t in known_unknown])
        needed = {t for gap in gaps for t in gap.tickers}
        meanwhile = [t for t in tickers if t not in needed and t not in known_unknown]
        for gap in gaps:
            if combined.rate_limited:
                for ticker in gap.tickers:
                    combined.failed[ticker] = "not asked: rate limited"
                continue
            merge(combined, self.fetch_gap(gap, patient=True))
        return combined, meanwhile

    def backoff_seconds(self, strikes: int) -> float:
        """Seconds a patient fill waits after its `strikes`-th rate limit in a row."""
        retry_after = getattr(self.provider, "retry_after", None)
        if callable(retry_after):
            return float(retry_after())  # the provider's own schedule (it backs off itself)
        return DEFAULT_BACKOFF * 2 ** (strikes - 1)

    def plan(
        self, tickers: Sequence[str], start: dt.date | None, end: dt.date, batch_size: int
    ) -> tuple[set[str], list[Gap]]:
        """Symbols known to be unknown, and the batches that would fill the rest."""
        known_unknown = self.cache.unknown_since(tickers, self.now() - UNKNOWN_RECHECK)
        asked = [t for t in tickers if t not in known_unknown] if known_unknown else tickers
        batches = [
            Gap(gap.start, gap.end, gap.tickers[i : i + batch_size], hole=gap.hole)
            for gap in self.missing_ranges(asked, start, end)
            for i in range(0, len(gap.tickers), batch_size)
        ]
        return known_unknown, batches

    def missing_ranges(
        self, tickers: Sequence[str], start: dt.date | None, end: dt.date
    ) -> list[Gap]:
        """Per ticker, the ranges the cache has never asked the provider for, grouped."""
        tickers = tuple(tickers)
        index = self.cache.memoised(
            ("coverage_index", tickers),
            lambda: coverage_index(
                self.cache.coverage(tickers), tickers, self.cache.pending_holes(tickers)
            ),
            lambda _: 16 * len(tickers),
            scope=Reads(frozenset({"coverage", "coverage_holes"}), frozenset(tickers)),
            keep=memo_store.INDEX,
            patch=lambda index, changed: patched_index(
                index,
                tickers,
                changed,
                self.cache.coverage(changed),
                self.cache.pending_holes(changed),
            ),
        )
        return indexed_missing_ranges(index, tickers, start, end, self.now())

    def fetch_gap(self, gap: Gap, *, patient: bool = False) -> FetchResult:
        """Ask the provider for one gap and store the answer in one transaction (blocking;
        the caller holds the fetch lock). A write that fails fails every ticker of the gap."""
        assert self.provider is not None
        return fetch_and_store(self.provider, self.cache, gap, self.now(), patient=patient)
