"""The background refresh: after each US close, fetch the new session for the tickers in use,
so the evening digest and the next day's commands answer from a warm cache.

Which tickers: those commands asked for in the last RECENT_WINDOW (`recent_requests`, written
by `MarketData.bars`), plus what the caller adds (the daily digest's tickers and fund
universes). When: REFRESH_DELAY after each NYSE close (holidays and early closes from
analytics.calendar); a bot started later that evening, or the next morning, catches up on the
session it missed. How: `MarketData.refresh` in a worker thread: the newest session of most
names from multi-symbol quotes, per-symbol checks for splits and dividends spread over the
week (analytics.data.nightly), and `MarketData.fill` for the rest (small batches at the
provider's polite pace, commands first, a rate limit waited out, nothing fetched twice). An
incomplete refresh (rate limit, outage) is retried every RETRY_INTERVAL until the next
session opens.
Only the process holding the background lease refreshes (bot/daily.py, bot/lease.py).

The first refresh waits `startup_delay` (real seconds) after the bot is ready, so a restart
answers commands before it fetches. The clock `now()` and `sleep(seconds)` are injected, so
a test drives the loop through a close without waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Awaitable, Callable, Sequence

from analytics import calendar
from analytics.data.cache import PriceCache
from analytics.data.market import FillReport, MarketData
from analytics.data.results import NightReport
from bot.daily import MAX_SLEEP, DailyLoop, Gate

log = logging.getLogger(__name__)

REFRESH_DELAY = dt.timedelta(minutes=20)
"""After the close: Yahoo's daily bar has settled by then (a bar fetched later counts as final)."""

RECENT_WINDOW = dt.timedelta(days=14)
"""Tickers asked for within this long are kept warm."""

REFRESH_LOOKBACK = dt.timedelta(days=400)
"""A ticker the cache lacks is filled this far back: a year and a bit, what ytd/1y windows read."""

RETRY_INTERVAL = dt.timedelta(minutes=30)
"""An incomplete fill (rate limit, outage) is tried again this much later."""

STARTUP_DELAY = 60.0
"""Real seconds between the bot being ready and the first refresh: commands come first."""


def refresh_due(session: dt.date) -> dt.datetime:
    """When the refresh for `session` is due: REFRESH_DELAY after its close (aware UTC)."""
    return calendar.session_close(session) + REFRESH_DELAY


def next_session(session: dt.date) -> dt.date:
    """The first NYSE session after `session`."""
    following = calendar.sessions_between(
        session + dt.timedelta(days=1), session + dt.timedelta(days=15)
    )
    return following[0].date()


def refresh_tickers(
    cache: PriceCache,
    since: dt.datetime,
    *,
    extra: Sequence[str] = (),
    universes: Sequence[Sequence[str]] = (),
) -> list[str]:
    """Recently requested tickers, then `extra`, then each universe's, without repeats.

    Blocking (SQLite): call from a worker thread.
    """
    tickers = [*cache.recent_tickers(since), *extra]
    for universe in universes:
        tickers += universe
    return list(dict.fromkeys(tickers))


class Refresher(DailyLoop):
    """Runs `market.fill` for `tickers()` after every close; `start()` / `stop()` it.

    tickers: called in a worker thread, returns what to keep warm (see `refresh_tickers`).
    ready: awaited once before anything else (e.g. `bot.wait_until_ready`).
    gate: the background lease; only its holder refreshes (bot/daily.py).
    """

    name = "price-refresher"

    def __init__(
        self,
        *,
        market: MarketData,
        tickers: Callable[[], Sequence[str]],
        now: Callable[[], dt.datetime],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        ready: Callable[[], Awaitable[object]] | None = None,
        gate: Gate | None = None,
        startup_delay: float = STARTUP_DELAY,
        max_sleep: dt.timedelta = MAX_SLEEP,
        lookback: dt.timedelta = REFRESH_LOOKBACK,
    ) -> None:
        super().__init__(
            now=now,
            sleep=sleep,
            ready=ready,
            gate=gate,
            startup_delay=startup_delay,
            max_sleep=max_sleep,
            retry_interval=RETRY_INTERVAL,
        )
        self._market = market
        self._tickers = tickers
        self.lookback = lookback
        self.done_session: dt.date | None = None
        """The last session whose refresh finished (or was given up on)."""
        self.reports: list[tuple[dt.date, FillReport]] = []
        self.listeners: list[Callable[[dt.date], None]] = []
        """Called with the session once its refresh settles (done, or given up on): the
        alert evaluation, which stands on the data the refresh brought, waits for it."""
        self._retry_at: dt.datetime | None = None
        self._stop_fill = threading.Event()

    def start(self) -> asyncio.Task[None]:
        self._stop_fill.clear()
        return super().start()

    def _stopping(self) -> None:
        self._stop_fill.set()  # a fill in progress ends after its current batch

    async def step(self) -> dt.datetime:
        """Refresh the last completed session when due; when the next refresh is due."""
        now = self._now()
        session = calendar.last_completed_session(now)
        target = self._next_due(session)
        if now >= target:
            await self.refresh(session)
            return self._now()  # look again at once: the next target has moved on
        return target

    def _next_due(self, session: dt.date) -> dt.datetime:
        if session == self.done_session:
            return refresh_due(next_session(session))
        if self._retry_at is not None:
            return self._retry_at
        return refresh_due(session)

    # -- one refresh -----------------------------------------------------------------------------
    async def refresh(self, session: dt.date) -> FillReport | None:
        """Fill the tickers in use through `session`; records the outcome and when to retry."""
        try:
            tickers = list(await asyncio.to_thread(self._tickers))
            report = await self._fill(tickers, session) if tickers else None
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug: log it, and try again at the next close rather than spin
            log.exception("price refresh for %s failed", session)
            self._settle(session)
            return None
        if report is None:
            log.info("price refresh for %s: nothing to refresh", session)
            self._settle(session)
            return None
        self.reports.append((session, report))
        summary = (
            f"{len(report.fetched)} fetched, {len(report.unknown)} unknown, "
            f"{len(report.failed)} failed, {report.requests} requests, "
            f"{report.backoffs} back-offs"
        )
        if isinstance(report, NightReport):
            summary += (
                f"; {len(report.quoted)} from {report.quote_requests} quote requests, "
                f"{len(report.checks)} events checks ({len(report.postponed)} postponed), "
                f"{len(report.splits)} splits, {len(report.per_symbol)} asked per symbol"
            )
        if report.complete:
            log.info(
                "price refresh for %s: %d tickers, %d needed it: %s",
                session,
                report.requested,
                report.needed,
                summary,
            )
            self._settle(session)
            return report
        retry = self._now() + self.retry_interval
        if retry >= calendar.session_open(next_session(session)):
            log.warning("price refresh for %s incomplete, giving up: %s", session, summary)
            self._settle(session)
        else:
            log.warning(
                "price refresh for %s incomplete (%s); retrying at %s",
                session,
                summary,
                retry.astimezone(dt.UTC).strftime("%H:%M UTC"),
            )
            self._retry_at = retry
        return report

    def _settle(self, session: dt.date) -> None:
        self.done_session = session
        self._retry_at = None
        for listener in self.listeners:
            listener(session)

    async def _fill(self, tickers: list[str], session: dt.date) -> FillReport:
        start = session - self.lookback
        stopping = self._stop_fill
        last_logged = [-1]

        def progress(done: int, total: int) -> None:
            quarter = 4 * done // total if total else 4
            if quarter > last_logged[0]:
                last_logged[0] = quarter
                log.info("price refresh for %s: %d of %d tickers", session, done, total)

        def refresh() -> FillReport:
            report = self._market.refresh(
                tickers,
                start,
                session,
                progress=progress,
                sleep=stopping.wait,  # a back-off ends at once when the bot stops
                stop=stopping.is_set,
            )
            # The panels commands read before (a fund's names) are patched here, not by the
            # first command after the refresh.
            self._market.cache.refresh_memo()
            return report

        work = asyncio.ensure_future(asyncio.to_thread(refresh))
        try:
            return await asyncio.shield(work)
        except asyncio.CancelledError:
            # The thread cannot be cancelled: tell it to stop, and wait out its current batch
            # so the cache is not closed under it.
            stopping.set()
            with contextlib.suppress(Exception):
                await work
            raise
