"""`MarketData`: the one cache-first facade every command reads prices through.

It works out, per ticker, which dates are missing from the cache, asks the provider only for
those (grouped so tickers with the same gap share a batch), stores what comes back and answers
from the cache. When the provider fails it serves what the cache has, labelled with its date.
Blocking: call it from a worker thread (`asyncio.to_thread`), never on the event loop.

Two ways in:
- `bars()` for commands: fail fast. A warm call (nothing missing) takes no lock; a call that
  must fetch goes first, ahead of any background fill. A rate limit serves the cache with a
  warning and marks nothing as checked, so a later call retries.
- `fill()` for background work: patient. Small batches, each stored as it arrives (a crash or
  restart loses at most one batch, and the next fill asks only for what is still missing);
  after a rate limit it waits out the provider's back-off and sends the same tickers again.

Every `bars()` call records the tickers it answered (`recent_requests`), so the background
refresher knows which universes to keep warm.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import pandas as pd

from analytics import calendar
from analytics.data.cache import HISTORY_FLOOR, Coverage, PriceCache
from analytics.data.http import HttpBridge
from analytics.data.provider import FetchResult, PriceProvider
from analytics.data.rebase import EVENT_COLUMNS, factors_from_events

log = logging.getLogger(__name__)

INTRADAY_REFRESH = dt.timedelta(minutes=15)
"""A bar fetched during its session is refetched at most this often until the close."""

UNKNOWN_RECHECK = dt.timedelta(days=7)
"""A symbol the provider did not know is not asked about again for this long."""

FETCH_BATCH = 100
"""Tickers per provider call: progress moves, and a crash loses at most one batch."""

FILL_BATCH = 20
"""Tickers per provider call in a background fill: about 5-10 s at Yahoo's pace, so a command
that must fetch waits at most that long, and a crash loses at most that much."""

DEFAULT_BACKOFF = 60.0
"""Seconds a fill waits after a rate limit when the provider cannot say (doubles per retry)."""

MAX_BACKOFFS = 6
"""Rate limits in a row on one batch after which a fill gives up (a later fill resumes)."""

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

    @property
    def sources(self) -> tuple[str, ...]:
        """The distinct `source` values of the bars, sorted ("import:SPY.csv", "Yahoo
        Finance"); empty when the column was not read or there are no bars."""
        if "source" not in self.bars:
            return ()
        return tuple(sorted(str(s) for s in self.bars["source"].dropna().unique()))


@dataclass
class FillReport:
    """What a background fill did.

    needed: tickers that lacked something in the range (the rest were already cached).
    fetched / unknown / failed: outcome per ticker (failed: ticker -> last reason);
    filled_meanwhile: tickers a command fetched after the fill planned them (not asked again).
    requests: HTTP requests sent; backoffs: waits after a rate limit; waited_seconds: their total.
    stopped: `stop()` ended it early; gave_up: MAX_BACKOFFS rate limits in a row on one batch.
    """

    requested: int = 0
    needed: int = 0
    batches: int = 0
    fetched: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    requests: int = 0
    backoffs: int = 0
    waited_seconds: float = 0.0
    stopped: bool = False
    gave_up: bool = False
    left: int = 0  # needed tickers not reached (after stopped or gave_up)
    filled_meanwhile: list[str] = field(default_factory=list)  # by a command, since the plan

    @property
    def complete(self) -> bool:
        """Every needed ticker was fetched or found unknown."""
        return not (self.failed or self.stopped or self.gave_up)


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
        # Commands waiting for the fetch lock; a background fill lets them go first.
        self._waiting = 0
        self._waiting_changed = threading.Condition()
        self._recent_marked: dict[str, dt.date] = {}
        self.http: HttpBridge | None = None
        self.fred = None  # FRED, cache first: analytics.macro.source.FredSource (bot/services.py)

    @property
    def waiting_commands(self) -> int:
        """Commands waiting to fetch (a background fill lets them go before its next batch)."""
        with self._waiting_changed:
            return self._waiting

    @property
    def source_name(self) -> str:
        return "local cache" if self.provider is None else self.provider.name

    def today(self) -> dt.date:
        """Today's date in US Eastern time (the market's calendar day)."""
        return pd.Timestamp(self.now()).tz_convert(calendar.EASTERN).date()

    def cache_only(self) -> MarketData:
        """A view on the same cache that never fetches (an answer from what is cached now)."""
        view = copy.copy(self)
        view.offline = True
        view.http = None
        return view

    def attach_http(self, bridge: HttpBridge | None) -> None:
        """Downloads (holdings, FRED) go through `bridge`; None: none (offline or no session)."""
        self.http = bridge

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
        fetched_unknown: list[str] = []
        failed: dict[str, str] = {}
        fetched: list[str] = []
        requests = 0
        rate_limited = False
        if not self.offline and tickers:
            # Plan without the lock: a warm call (nothing missing) never waits for a fetch.
            known_unknown, batches = self._plan(tickers, start, end, FETCH_BATCH)
            if batches:
                with self._command_fetch_lock():
                    # Re-plan: another thread may have fetched some of it meanwhile.
                    known_unknown, batches = self._plan(tickers, start, end, FETCH_BATCH)
                    total = sum(len(b.tickers) for b in batches)
                    done = 0
                    if progress and total:
                        progress(0, total)
                    for batch in batches:
                        result = self._fetch_gap(batch)
                        fetched_unknown += result.unknown
                        failed.update(result.failed)
                        fetched += [t for t in batch.tickers if t in result.bars]
                        requests += result.requests
                        rate_limited |= result.rate_limited
                        done += len(batch.tickers)
                        if progress:
                            progress(done, total)
            unknown = [t for t in tickers if t in known_unknown] + fetched_unknown
        frame = self.cache.read_bars(tickers, start, end, columns)
        have = set(frame["ticker"].unique())
        self._remember_recent([t for t in tickers if t in have])
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
        known_unknown, batches = self._plan(tickers, start, end, batch_size)
        report.needed = sum(len(b.tickers) for b in batches)
        done = 0
        if progress:
            progress(0, report.needed)
        for batch in batches:
            pending = list(batch.tickers)
            strikes = 0
            while pending:
                if stop is not None and stop():
                    report.stopped = True
                    report.left = report.needed - done
                    return report
                with self._background_fetch_lock():
                    result, filled_meanwhile = self._fill_step(pending, start, end)
                report.batches += 1
                report.requests += result.requests
                report.fetched += [t for t in pending if t in result.bars]
                report.unknown += [t for t in result.unknown if t in pending]
                report.filled_meanwhile += filled_meanwhile
                settled = [t for t in pending if t not in result.failed]
                for ticker in settled:
                    report.failed.pop(ticker, None)
                done += len(settled)
                if progress and settled:
                    progress(done, report.needed)
                retry = [t for t in pending if t in result.failed]
                for ticker in retry:
                    report.failed[ticker] = result.failed[ticker]
                if not result.rate_limited:
                    # An outage or an odd answer: leave those unchecked for the next fill.
                    done += len(retry)
                    if progress and retry:
                        progress(done, report.needed)
                    break
                if settled:
                    strikes = 0  # progress was made before the limit hit
                strikes += 1
                if strikes > max_backoffs:
                    report.gave_up = True
                    report.left = report.needed - done
                    return report
                wait = self._backoff_seconds(strikes)
                report.backoffs += 1
                report.waited_seconds += wait
                log.info(
                    "%s rate limited; %d tickers wait %.0f s (back-off %d)",
                    self.source_name,
                    len(retry),
                    wait,
                    report.backoffs,
                )
                sleep(wait)
                pending = retry
        return report

    def _fill_step(
        self, tickers: list[str], start: dt.date | None, end: dt.date
    ) -> tuple[FetchResult, list[str]]:
        """Fetch what `tickers` still lack: a command may have fetched some since the plan.

        Returns one FetchResult for them all (those a rate limit kept from being asked are
        failed) and the tickers that no longer needed anything.
        """
        known_unknown, gaps = self._plan(tickers, start, end, len(tickers))
        combined = FetchResult(unknown=[t for t in tickers if t in known_unknown])
        needed = {t for gap in gaps for t in gap.tickers}
        meanwhile = [t for t in tickers if t not in needed and t not in known_unknown]
        for gap in gaps:
            if combined.rate_limited:
                for ticker in gap.tickers:
                    combined.failed[ticker] = "not asked: rate limited"
                continue
            result = self._fetch_gap(gap, patient=True)
            combined.bars.update(result.bars)
            combined.unknown += result.unknown
            combined.failed.update(result.failed)
            combined.requests += result.requests
            combined.rate_limited |= result.rate_limited
        return combined, meanwhile

    def _backoff_seconds(self, strikes: int) -> float:
        retry_after = getattr(self.provider, "retry_after", None)
        if callable(retry_after):
            return float(retry_after())  # the provider's own schedule (it backs off itself)
        return DEFAULT_BACKOFF * 2 ** (strikes - 1)

    def _plan(
        self, tickers: Sequence[str], start: dt.date | None, end: dt.date, batch_size: int
    ) -> tuple[set[str], list[_Gap]]:
        """Symbols known to be unknown, and the batches that would fill the rest."""
        known_unknown = self.cache.unknown_since(tickers, self.now() - UNKNOWN_RECHECK)
        asked = [t for t in tickers if t not in known_unknown]
        batches = [
            _Gap(gap.start, gap.end, gap.tickers[i : i + batch_size])
            for gap in self.missing_ranges(asked, start, end)
            for i in range(0, len(gap.tickers), batch_size)
        ]
        return known_unknown, batches

    @contextlib.contextmanager
    def _command_fetch_lock(self) -> Iterator[None]:
        with self._waiting_changed:
            self._waiting += 1
        try:
            self._fetch_lock.acquire()
        finally:
            with self._waiting_changed:
                self._waiting -= 1
                self._waiting_changed.notify_all()
        try:
            yield
        finally:
            self._fetch_lock.release()

    @contextlib.contextmanager
    def _background_fetch_lock(self) -> Iterator[None]:
        with self._waiting_changed:
            self._waiting_changed.wait_for(lambda: self._waiting == 0)
        with self._fetch_lock:
            yield

    def _remember_recent(self, tickers: Sequence[str]) -> None:
        """Record that these tickers were asked for today (once a day each: it is a write)."""
        today = self.today()
        new = [t for t in tickers if self._recent_marked.get(t) != today]
        if not new:
            return
        try:
            self.cache.touch_recent(new, self.now())
        except sqlite3.OperationalError as exc:  # a busy or read-only file: not worth failing for
            log.warning("could not record recent tickers: %s", exc)
            return
        for ticker in new:
            self._recent_marked[ticker] = today

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

    def _rebase_history(self, ticker: str, bars: pd.DataFrame) -> None:
        """Re-base cached rows older than `bars` for the splits and dividends inside `bars`.

        The provider sends new days on its current basis; without this, a split inside them
        would read as a -90% day against the cached history.
        """
        if bars.empty or not any(
            column in bars and (bars[column].fillna(0) > 0).any() for column in EVENT_COLUMNS
        ):
            return
        first = bars.index[0].date()
        earlier = self.cache.read_bars([ticker], None, first - dt.timedelta(days=1), ["close"])
        if earlier.empty:
            return
        factors = factors_from_events(bars, float(earlier["close"].iloc[-1]))
        if factors is not None:
            rows = self.cache.rescale(ticker, first, factors)
            log.info("re-based %d cached %s rows by %s", rows, ticker, factors)

    def _fetch_gap(self, gap: _Gap, *, patient: bool = False) -> FetchResult:
        assert self.provider is not None
        result = self.provider.fetch(gap.tickers, gap.start, gap.end)
        fetched_at = self.now()
        for ticker in gap.tickers:
            if ticker in result.failed or ticker in result.unknown:
                continue
            bars = result.bars.get(ticker)
            if bars is None:
                continue
            self._rebase_history(ticker, bars)
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
            # A patient fill waits a rate limit out and says so itself.
            level = logging.INFO if patient and result.rate_limited else logging.WARNING
            log.log(
                level,
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
