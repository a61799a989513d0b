"""`MarketData`: the one cache-first facade every command reads prices through.

It works out, per ticker, which dates are missing from the cache, asks the provider only for
those (grouped so tickers with the same gap share a batch), stores what comes back and answers
from the cache. When the provider fails it serves what the cache has, labelled with its date.
Blocking: call it from a worker thread (`asyncio.to_thread`), never on the event loop.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from analytics import calendar
from analytics.data.cache import HISTORY_FLOOR, Coverage, PriceCache
from analytics.data.provider import FetchResult, PriceProvider

log = logging.getLogger(__name__)

INTRADAY_REFRESH = dt.timedelta(minutes=15)
"""A bar fetched during its session is refetched at most this often until the close."""

UNKNOWN_RECHECK = dt.timedelta(days=7)
"""A symbol the provider did not know is not asked about again for this long."""

FETCH_BATCH = 100
"""Tickers per provider call: progress moves, and a crash loses at most one batch."""

Progress = Callable[[int, int], None]
"""progress(done, total): tickers fetched so far out of those that needed fetching."""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class PriceResult:
    """Bars for the requested tickers, with what could not be had and why."""

    bars: pd.DataFrame
    requested: tuple[str, ...]
    unknown: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    fetched: tuple[str, ...] = ()
    requests: int = 0
    stale: bool = False
    offline: bool = False

    def wide(self, column: str = "adj_close") -> pd.DataFrame:
        """Index dates, one column per ticker (requested order, tickers with bars only)."""
        if self.bars.empty:
            return pd.DataFrame(index=pd.DatetimeIndex([], name="date"))
        wide = self.bars.pivot(index="date", columns="ticker", values=column)
        order = [t for t in self.requested if t in wide.columns]
        wide = wide[order]
        wide.columns.name = None
        return wide

    def series(self, ticker: str) -> pd.DataFrame:
        """One ticker's bars indexed by date."""
        rows = self.bars[self.bars["ticker"] == ticker]
        return rows.drop(columns=["ticker"]).set_index("date")

    @property
    def as_of(self) -> dt.date | None:
        """The latest date in the bars."""
        if self.bars.empty:
            return None
        return self.bars["date"].max().date()


@dataclass
class _Gap:
    start: dt.date | None  # None = from the beginning of the provider's history
    end: dt.date
    tickers: list[str] = field(default_factory=list)


class MarketData:
    """Cache-first prices. `provider=None` or `offline=True` means cache only."""

    def __init__(
        self,
        cache: PriceCache,
        provider: PriceProvider | None = None,
        *,
        offline: bool = False,
        now: Callable[[], dt.datetime] = utc_now,
    ) -> None:
        self.cache = cache
        self.provider = provider
        self.offline = offline or provider is None
        self.now = now
        self._fetch_lock = threading.Lock()

    @property
    def source_name(self) -> str:
        return "cache" if self.provider is None else self.provider.name

    def today(self) -> dt.date:
        """Today's date in US Eastern time (the market's calendar day)."""
        return pd.Timestamp(self.now()).tz_convert(calendar.EASTERN).date()

    def bars(
        self,
        tickers: Sequence[str],
        start: dt.date | None = None,
        end: dt.date | None = None,
        *,
        progress: Progress | None = None,
        columns: Sequence[str] | None = None,
    ) -> PriceResult:
        """Daily bars of `tickers` from `start` (None = full history) to `end` (default today).

        `columns` limits what is read from the cache (default: every bar column and source).
        """
        tickers = list(dict.fromkeys(tickers))
        end = min(end or self.today(), self.today())
        unknown: list[str] = []
        failed: dict[str, str] = {}
        fetched: list[str] = []
        requests = 0
        rate_limited = False
        if not self.offline and tickers:
            with self._fetch_lock:
                known_unknown = self.cache.unknown_since(tickers, self.now() - UNKNOWN_RECHECK)
                unknown += [t for t in tickers if t in known_unknown]
                asked = [t for t in tickers if t not in known_unknown]
                batches = [
                    _Gap(gap.start, gap.end, gap.tickers[i : i + FETCH_BATCH])
                    for gap in self.missing_ranges(asked, start, end)
                    for i in range(0, len(gap.tickers), FETCH_BATCH)
                ]
                total = sum(len(b.tickers) for b in batches)
                done = 0
                if progress and total:
                    progress(0, total)
                for batch in batches:
                    result = self._fetch_gap(batch)
                    unknown += result.unknown
                    failed.update(result.failed)
                    fetched += [t for t in batch.tickers if t in result.bars]
                    requests += result.requests
                    rate_limited |= result.rate_limited
                    done += len(batch.tickers)
                    if progress:
                        progress(done, total)
        frame = self.cache.read_bars(tickers, start, end, columns)
        have = set(frame["ticker"].unique())
        unknown = [t for t in dict.fromkeys(unknown) if t not in have]
        missing = tuple(t for t in tickers if t not in have and t not in unknown)
        warnings: list[str] = []
        stale = bool(failed)
        if failed:
            latest = frame["date"].max().date().isoformat() if not frame.empty else None
            why = "rate limited" if rate_limited else "not answering"
            name = self.provider.name if self.provider else "The provider"
            if latest:
                warnings.append(f"{name} is {why}; showing cached data as of {latest}.")
            else:
                warnings.append(f"{name} is {why} and nothing is cached for this request.")
        return PriceResult(
            bars=frame,
            requested=tuple(tickers),
            unknown=tuple(unknown),
            missing=missing,
            warnings=tuple(warnings),
            fetched=tuple(fetched),
            requests=requests,
            stale=stale,
            offline=self.offline,
        )

    def missing_ranges(
        self, tickers: Sequence[str], start: dt.date | None, end: dt.date
    ) -> list[_Gap]:
        """Per ticker, the ranges the cache has never asked the provider for, grouped."""
        now = self.now()
        coverage = self.cache.coverage(tickers)
        groups: dict[tuple[dt.date | None, dt.date], _Gap] = {}
        for ticker in tickers:
            for gap_start, gap_end in self._gaps_for(coverage.get(ticker), start, end, now):
                key = (gap_start, gap_end)
                groups.setdefault(key, _Gap(gap_start, gap_end)).tickers.append(ticker)
        return list(groups.values())

    def _gaps_for(
        self, cov: Coverage | None, start: dt.date | None, end: dt.date, now: dt.datetime
    ) -> list[tuple[dt.date | None, dt.date]]:
        if cov is None:
            return [(start, end)] if _has_session(start or HISTORY_FLOOR, end, now) else []
        gaps: list[tuple[dt.date | None, dt.date]] = []
        wanted_from = start or HISTORY_FLOOR
        if wanted_from < cov.checked_from:
            back_end = cov.checked_from - dt.timedelta(days=1)
            if start is None or _has_session(wanted_from, back_end, now):
                gaps.append((start, back_end))
        fresh = _fresh_through(cov, now)
        if end > fresh:
            # Start right after what is known, so the covered range stays one contiguous span.
            forward_start = fresh + dt.timedelta(days=1)
            if _has_session(forward_start, end, now) and not _recently_refreshed(cov, now):
                gaps.append((forward_start, end))
        return gaps

    def _fetch_gap(self, gap: _Gap) -> FetchResult:
        assert self.provider is not None
        result = self.provider.fetch(gap.tickers, gap.start, gap.end)
        fetched_at = self.now()
        for ticker in gap.tickers:
            if ticker in result.failed or ticker in result.unknown:
                continue
            bars = result.bars.get(ticker)
            if bars is None:
                continue
            self.cache.store_bars(ticker, bars, self.provider.name)
            self.cache.mark_checked(
                ticker, gap.start or HISTORY_FLOOR, gap.end, fetched_at, self.provider.name
            )
        if result.unknown:
            self.cache.mark_unknown(result.unknown, fetched_at, self.provider.name)
        found = [t for t in gap.tickers if t in result.bars]
        if found:
            self.cache.forget_unknown(found)
        if result.failed:
            log.warning(
                "%s failed for %d tickers: %s",
                self.provider.name,
                len(result.failed),
                next(iter(result.failed.values())),
            )
        return result

    def import_bars(self, ticker: str, bars: pd.DataFrame, source: str) -> int:
        """Store bars from a file; the file's range counts as checked."""
        if bars.empty:
            return 0
        rows = self.cache.store_bars(ticker, bars, source)
        first = pd.Timestamp(bars.index.min()).date()
        last = pd.Timestamp(bars.index.max()).date()
        # An imported file is complete through its last row: mark it fetched after that close.
        closed = calendar.session_close(last) if calendar.is_session(last) else self.now()
        self.cache.mark_checked(ticker, first, last, max(closed, self.now()), source)
        return rows


def _fresh_through(cov: Coverage, now: dt.datetime) -> dt.date:
    """The last date whose bar was final when fetched (a bar fetched mid-session is not)."""
    day = cov.checked_to
    if calendar.is_session(day) and cov.fetched_at < calendar.session_close(day):
        return day - dt.timedelta(days=1)
    return day


def _recently_refreshed(cov: Coverage, now: dt.datetime) -> bool:
    """A partial bar refetched within INTRADAY_REFRESH, with the session still open."""
    day = cov.checked_to
    if not calendar.is_session(day):
        return False
    close = calendar.session_close(day)
    return cov.fetched_at < close and now < close and now - cov.fetched_at < INTRADAY_REFRESH


def _has_session(start: dt.date, end: dt.date, now: dt.datetime) -> bool:
    """True when [start, end] holds a session that has opened by `now`."""
    if start > end:
        return False
    sessions = calendar.sessions_between(max(start, dt.date(1990, 1, 2)), end)
    if len(sessions) == 0:
        return start < dt.date(1990, 1, 2)
    last = sessions[-1].date()
    if len(sessions) > 1:
        return True
    return now >= calendar.session_open(last)
