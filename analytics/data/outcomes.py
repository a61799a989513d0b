"""Combining provider calls' outcomes, the fetch lock commands take first, and the warning a
command shows when a fetch failed (helpers of analytics.data.market)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd

from analytics.data.provider import FetchResult

READ_ONLY = "read-only"
"""FetchResult.store_error of a fetch that was not sent: the cache file cannot be written."""


class FetchLock:
    """One fetch at a time; a command waiting for it goes before the background's next batch."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting = 0
        self._changed = threading.Condition()

    @property
    def waiting(self) -> int:
        """Commands waiting to fetch."""
        with self._changed:
            return self._waiting

    @contextlib.contextmanager
    def command(self) -> Iterator[None]:
        with self._changed:
            self._waiting += 1
        try:
            self._lock.acquire()
        finally:
            with self._changed:
                self._waiting -= 1
                self._changed.notify_all()
        try:
            yield
        finally:
            self._lock.release()

    @contextlib.contextmanager
    def background(self) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: self._waiting == 0)
        with self._lock:
            yield


def read_only_outcome(tickers: Sequence[str]) -> FetchResult:
    """What a fetch into a read-only cache amounts to: every ticker failed, not asked."""
    reason = "not fetched: the cache file is read-only"
    return FetchResult(failed=dict.fromkeys(tickers, reason), store_error=READ_ONLY)


def merge(into: FetchResult, result: FetchResult) -> None:
    """Add one provider call's outcome to a running total."""
    into.bars.update(result.bars)
    into.unknown += result.unknown
    into.failed.update(result.failed)
    into.requests += result.requests
    into.rate_limited |= result.rate_limited
    into.malformed |= result.malformed
    into.store_error = into.store_error or result.store_error


def failure_warning(
    outcome: FetchResult,
    frame: pd.DataFrame,
    tickers: Sequence[str],
    cache_path: Path,
    provider_name: str | None,
) -> str:
    """Why some tickers could not be fetched, and what the answer stands on instead: dated
    by the latest bar those tickers have (a fresh neighbour must not make a stale ticker
    look current), else by the latest bar of the answer."""
    failed = [t for t in tickers if t in outcome.failed]
    theirs = frame.loc[frame["ticker"].isin(failed), "date"]
    dates = theirs if not theirs.empty else frame["date"]
    latest = dates.max().date().isoformat() if not dates.empty else None
    name = provider_name or "The provider"
    if outcome.store_error == READ_ONLY:
        what = f"The cache file {cache_path} is read-only, so nothing was fetched"
    elif outcome.store_error is not None:
        what = f"Could not save to the cache file {cache_path} ({outcome.store_error})"
    elif outcome.rate_limited:
        what = f"{name} is rate limited"
    elif outcome.malformed:
        what = f"{name} is sending malformed data"
    else:
        what = f"{name} is not answering"
    if latest:
        return f"{what}; showing cached data as of {latest}."
    return f"{what} and nothing is cached for this request."
