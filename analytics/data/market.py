"""`MarketData`: the one cache-first facade every command reads prices through.

It works out, per ticker, which dates are missing from the cache, asks the provider only for
those (grouped so tickers with the same gap share a batch), stores what comes back and answers
from the cache. When the provider fails it serves what the cache has, labelled with its date.
Blocking: call it from a worker thread (`asyncio.to_thread`), never on the event loop.

Three ways in:
- `bars()` for commands: fail fast. A warm call (nothing missing) takes no lock; a call that
  must fetch goes first, ahead of any background fill. A rate limit serves the cache with a
  warning and marks nothing as checked, so a later call retries.
- `fill()` for background work: patient. Small batches, each stored as it arrives (a crash or
  restart loses at most one batch, and the next fill asks only for what is still missing);
  after a rate limit it waits out the provider's back-off and sends the same tickers again.
- `refresh()` for the nightly refresh: the newest session of many names in few requests when
  the provider answers for many symbols at once (analytics.data.nightly), else `fill()`.

Two things every command gets from `bars()` without asking (PriceResult fields and warnings):
- "dividends pending" for names whose newest sessions came from a multi-symbol quote and
  paid dividends in the last year, until their weekly per-symbol check (analytics.data.events);
- a provisional first answer over a cold universe once `enable_provisional()` is on (the
  bot's refresh cog): closes from a multi-symbol endpoint, labelled as a price return, while
  a background fill fetches the exact bars (analytics.data.provisional).

Every `bars()` call records the tickers it answered (`recent_requests`), so the background
refresher knows which universes to keep warm.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from analytics import calendar
from analytics.data import events
from analytics.data.cache import PriceCache
from analytics.data.gaps import INTRADAY_REFRESH
from analytics.data.http import HttpBridge
from analytics.data.market_fill import (
    FETCH_BATCH,
    BackgroundFill,
    Progress,
)
from analytics.data.outcomes import (
    READ_ONLY,
    FetchLock,
    failure_warning,
    merge,
    read_only_outcome,
)
from analytics.data.panel import Panel
from analytics.data.provider import FetchResult, MultiSymbolSource, PriceProvider
from analytics.data.results import FillReport, PriceResult
from analytics.endpoints import ISHARES_BASE_URL

if TYPE_CHECKING:
    from analytics.holdings.source import FundHoldings
    from analytics.spec import Progress as PhasedProgress
    from analytics.universes import Universe, UniverseSpec

__all__ = [
    "INTRADAY_REFRESH",
    "READ_ONLY",
    "FillReport",
    "MarketData",
    "PriceResult",
    "Progress",
    "utc_now",
]

log = logging.getLogger(__name__)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class MarketData(BackgroundFill):
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
        self.fetch_lock = FetchLock()  # commands waiting for it go before a background fill's batch
        self.provisional = None  # analytics.data.provisional.Provisional, once enabled
        self._recent_marked: dict[str, dt.date] = {}
        self._recent_asked: tuple[dt.date, tuple[str, ...]] | None = None
        self.http: HttpBridge | None = None
        self._degraded = 0
        self.cache_only_why: str | None = None
        """Set on a `cache_only()` view: why it answers from the cache (for "(as of D)" notes)."""
        self._degraded_lock = threading.Lock()
        self.fred = None  # FRED, cache first: analytics.macro.source.FredSource (bot/services.py)
        # Where fund holdings are downloaded from (bot.services sets it from the settings).
        self.ishares_url = ISHARES_BASE_URL

    @property
    def waiting_commands(self) -> int:
        """Commands waiting to fetch (a background fill lets them go before its next batch)."""
        return self.fetch_lock.waiting

    @property
    def source_name(self) -> str:
        return "local cache" if self.provider is None else self.provider.name

    def today(self) -> dt.date:
        """Today's date in US Eastern time (the market's calendar day)."""
        return pd.Timestamp(self.now()).tz_convert(calendar.EASTERN).date()

    def note_degraded(self) -> None:
        """A source failed and an answer is being served from what was cached: answers computed
        meanwhile are not memoised (see `degraded`)."""
        with self._degraded_lock:
            self._degraded += 1

    @property
    def degraded(self) -> int:
        """How many times a source failed so far (compare before and after an answer)."""
        return self._degraded

    def cache_only(self) -> MarketData:
        """A view on the same cache that never fetches (an answer from what is cached now)."""
        view = copy.copy(self)
        view.offline = True
        view.http = None
        view.cache_only_why = "the prices are still being fetched"
        return view

    @property
    def holdings(self) -> FundHoldings:
        """Fund holdings, cache first, by one refresh policy (analytics.holdings.source).
        Bound to this view: a `cache_only()` view never downloads."""
        from analytics.holdings.source import FundHoldings

        return FundHoldings(self, self.ishares_url)

    def universe(
        self, spec: UniverseSpec, start: dt.date, *, progress: PhasedProgress | None = None
    ) -> Universe:
        """The tickers of a validated universe (analytics.universes): a fund's from its
        holdings nearest `start`, the window's first session. Blocking."""
        from analytics.universes import resolve_universe

        return resolve_universe(self, spec, start, progress=progress)

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
        provisional_ok: bool | None = None,
    ) -> PriceResult:
        """Daily bars of `tickers` from `start` (None = full history) to `end` (default today).

        `columns` limits what is read from the cache (default: every bar column and source).
        `provisional_ok`: None (default) lets a read of closes only (columns within close,
        adj_close, source) over a cold universe answer first from provisional closes once
        `enable_provisional()` is on; False never; True also below the size threshold.
        """
        tickers = list(dict.fromkeys(tickers))
        today = self.today()
        end = min(end or today, today)
        unknown: list[str] = []
        outcome = FetchResult()  # every provider call of this request, combined
        fetched: list[str] = []
        provisional: dict[str, pd.Series] = {}
        if not self.offline and tickers:
            # Plan without the lock: a warm call (nothing missing) never waits for a fetch.
            known_unknown, batches = self.plan(tickers, start, end, FETCH_BATCH)
            if self.provisional is not None:
                needy = {t for b in batches for t in b.tickers}
                self.provisional.forget([t for t in tickers if t not in needy])
            if batches and self.cache.read_only:
                # Nothing fetched could be kept: answer from the file, saying why it may be behind.
                outcome = read_only_outcome([t for b in batches for t in b.tickers])
            elif batches:
                if self.provisional is not None and provisional_ok is not False:
                    provisional, batches, outcome.requests = self.provisional.serve(
                        batches, start, end, columns, force=bool(provisional_ok)
                    )
                if batches:
                    asked = [t for t in tickers if t not in provisional]
                    self._fetch_for_command(asked, start, end, progress, outcome, fetched)
            unknown = [t for t in tickers if t in known_unknown] if known_unknown else []
            unknown += outcome.unknown
        exact = [t for t in tickers if t not in provisional] if provisional else tickers
        panel = self.cache.read_panel(exact, start, end, columns, unique=True)
        if provisional:
            frame = self.provisional.frame(panel.long(), provisional, columns)
            panel = Panel.from_long(frame, tickers)
        if len(panel.tickers) == len(tickers):  # the usual answer: every name has bars
            have, missing = frozenset(tickers), ()
            self._remember_recent(tickers)
            unknown = []
        else:
            have = frozenset(panel.tickers)
            self._remember_recent([t for t in tickers if t in have])
            unknown = [t for t in dict.fromkeys(unknown) if t not in have]
            missing = tuple(t for t in tickers if t not in have and t not in unknown)
        warnings = []
        if outcome.failed:
            self.note_degraded()
            name = self.provider.name if self.provider else None
            warnings.append(failure_warning(outcome, panel.long(), tickers, self.cache.path, name))
        if provisional:  # a price return standing in for the exact answer: never memoised
            self.note_degraded()
            warnings.append(self.provisional.warning(list(provisional), len(tickers)))
        pending = events.pending_dividends(
            self.cache,
            exact if len(have) == len(exact) else [t for t in exact if t in have],
            start,
            end,
        )
        if pending:
            warnings.append(events.pending_warning(pending))
        return PriceResult(
            panel=panel,
            requested=tuple(tickers),
            unknown=tuple(unknown),
            missing=missing,
            warnings=tuple(warnings),
            fetched=tuple(fetched),
            requests=outcome.requests,
            stale=bool(outcome.failed),
            offline=self.offline,
            provisional=tuple(t for t in tickers if t in provisional) if provisional else (),
            dividends_pending=tuple(t for t in tickers if t in pending) if pending else (),
        )

    def _fetch_for_command(
        self,
        tickers: list[str],
        start: dt.date | None,
        end: dt.date,
        progress: Progress | None,
        outcome: FetchResult,
        fetched: list[str],
    ) -> None:
        """Fetch what the cache lacks of `tickers`, ahead of any background fill."""
        with self.fetch_lock.command():
            # Re-plan: another thread may have fetched some of it meanwhile.
            _, batches = self.plan(tickers, start, end, FETCH_BATCH)
            total = sum(len(b.tickers) for b in batches)
            done = 0
            if progress and total:
                progress(0, total)
            for batch in batches:
                result = self.fetch_gap(batch)
                merge(outcome, result)
                fetched += [t for t in batch.tickers if t in result.bars]
                done += len(batch.tickers)
                if progress:
                    progress(done, total)

    def enable_provisional(self, **options: object) -> object:
        """Let cold reads of closes answer first from provisional closes while a background
        fill fetches the exact bars (analytics.data.provisional: options and behaviour).
        Returns the Provisional; a no-op offline or when the provider answers one symbol per
        request. Call `stop_background()` before closing the cache."""
        from analytics.data.provisional import Provisional

        if self.offline or not isinstance(self.provider, MultiSymbolSource):
            return None
        if self.provisional is None:
            self.provisional = Provisional(self, **options)  # type: ignore[arg-type]
        return self.provisional

    def stop_background(self, timeout: float | None = None) -> None:
        """End a background fill after its current batch (and wait up to `timeout` seconds)."""
        if self.provisional is not None:
            self.provisional.stop(timeout)

    def _remember_recent(self, tickers: Sequence[str]) -> None:
        """Record that these tickers were asked for today (once a day each: it is a write)."""
        today = self.today()
        asked = (today, tuple(tickers))
        if asked == self._recent_asked:  # the same list again today (a warm command)
            return
        new = [t for t in tickers if self._recent_marked.get(t) != today]
        if not new:
            self._recent_asked = asked
            return
        if self.cache.read_only:
            return
        try:
            self.cache.touch_recent(new, self.now())
        except sqlite3.OperationalError as exc:  # a busy or read-only file: not worth failing for
            log.warning("could not record recent tickers: %s", exc)
            return
        for ticker in new:
            self._recent_marked[ticker] = today
        self._recent_asked = asked

    def import_bars(self, ticker: str, bars: pd.DataFrame, source: str) -> int:
        """Store bars as given (tests, benchmarks) in one transaction; their range counts as checked.

        `marketbot import prices` goes through `analytics.data.price_import` instead, which
        validates the rows and applies the import policy against what is cached.
        """
        if bars.empty:
            return 0
        with self.cache.transaction():
            rows = self.cache.store_bars(ticker, bars, source)
            self.mark_imported(
                ticker,
                pd.Timestamp(bars.index.min()).date(),
                pd.Timestamp(bars.index.max()).date(),
                source,
            )
        return rows

    def mark_imported(self, ticker: str, first: dt.date, last: dt.date, source: str) -> None:
        """Record an imported file's range as checked (joins the caller's transaction)."""
        # An imported file is complete through its last row: mark it fetched after that close.
        closed = calendar.session_close(last) if calendar.is_session(last) else self.now()
        self.cache.mark_checked(ticker, first, last, max(closed, self.now()), source)
