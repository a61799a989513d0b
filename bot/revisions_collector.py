"""The nightly collection of analysts' estimate snapshots for /revisions.

Every night (weekends too: at most 250 requests a night spread over seven nights covers the
~1,500 names of the default universes weekly) at COLLECT_AT New York time, after the close and
the price refresh, `collect_night` asks Yahoo about the names due (analytics/revisions/budget.py)
in a worker thread. A run stopped by a rate limit or an outage is tried again every
RETRY_INTERVAL until the night ends, never beyond the night's request budget (counted in the
cache, so a restart does not spend it twice). Only the process holding the background lease
collects (bot/daily.py). The clock `now()` and `sleep(seconds)` are injected.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Awaitable, Callable

from analytics import calendar
from analytics.data.market import MarketData
from analytics.data.yahoo_estimates import YahooEstimates
from analytics.revisions.budget import NIGHTLY_REQUESTS
from analytics.revisions.collect import NightReport, collect_night, collection_night
from bot.daily import MAX_SLEEP, DailyLoop, Gate

log = logging.getLogger(__name__)

COLLECT_AT = dt.time(18, 45)
"""New York time of the nightly collection: after the close (16:00) and the price refresh."""

RETRY_INTERVAL = dt.timedelta(minutes=30)
"""An incomplete night (rate limit, outage) is tried again this much later, within the night."""

STARTUP_DELAY = 90.0
"""Real seconds between the bot being ready and the first step: commands come first."""


def collection_due(night: dt.date) -> dt.datetime:
    """When the collection of `night` is due (aware UTC)."""
    local = dt.datetime.combine(night, COLLECT_AT, tzinfo=calendar.EASTERN_TZ)
    return local.astimezone(dt.UTC)


def night_end(night: dt.date) -> dt.datetime:
    """Midnight New York time after `night` (aware UTC): the night's last retry is before it."""
    local = dt.datetime.combine(
        night + dt.timedelta(days=1), dt.time(0), tzinfo=calendar.EASTERN_TZ
    )
    return local.astimezone(dt.UTC)


def estimates_source(provider: object) -> YahooEstimates | None:
    """The estimates fetcher on the price provider, or None when it is not Yahoo's (offline,
    tests with another provider) or has no shared rate limiter."""
    from analytics.data.yahoo import YahooProvider

    if not isinstance(provider, YahooProvider) or provider.limiter is None:
        return None
    return YahooEstimates(provider)


class RevisionCollector(DailyLoop):
    """Runs `collect_night` once a night; `start()` / `stop()` it."""

    name = "revision-collector"

    def __init__(
        self,
        *,
        market: MarketData,
        estimates: YahooEstimates,
        now: Callable[[], dt.datetime],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        ready: Callable[[], Awaitable[object]] | None = None,
        gate: Gate | None = None,
        startup_delay: float = STARTUP_DELAY,
        max_sleep: dt.timedelta = MAX_SLEEP,
        budget: int = NIGHTLY_REQUESTS,
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
        self._estimates = estimates
        self.budget = budget
        self.done_night: dt.date | None = None
        self.reports: list[NightReport] = []
        self._retry_at: dt.datetime | None = None
        self._stop = threading.Event()

    def start(self) -> asyncio.Task[None]:
        self._stop.clear()
        return super().start()

    def _stopping(self) -> None:
        self._stop.set()  # a collection in progress ends after its current name

    async def step(self) -> dt.datetime:
        now = self._now()
        night = collection_night(now)
        if self.done_night == night:
            return collection_due(night + dt.timedelta(days=1))
        retry = self._retry_at if self._retry_at and self._retry_at < night_end(night) else None
        due = max(retry, collection_due(night)) if retry else collection_due(night)
        if now < due:
            return due
        await self.collect(night)
        return self._now()

    async def collect(self, night: dt.date) -> NightReport | None:
        """One run of `night`'s collection; records whether and when to try again."""
        work = asyncio.ensure_future(
            asyncio.to_thread(
                collect_night,
                self._market,
                self._estimates,
                night,
                budget=self.budget,
                stop=self._stop.is_set,
            )
        )
        try:
            report = await asyncio.shield(work)
        except asyncio.CancelledError:
            self._stop.set()
            with contextlib.suppress(Exception):
                await work
            raise
        except Exception:  # a bug: log it, and try the next night rather than spin
            log.exception("estimate collection for %s failed", night)
            self._settle(night)
            return None
        self.reports.append(report)
        retry = self._now() + self.retry_interval
        if report.complete or report.spent >= self.budget or retry >= night_end(night):
            level = logging.INFO if report.complete else logging.WARNING
            log.log(level, "estimate collection for %s: %s", night, report.summary())
            self._settle(night)
        else:
            log.warning(
                "estimate collection for %s incomplete (%s); retrying at %s",
                night,
                report.summary(),
                retry.astimezone(dt.UTC).strftime("%H:%M UTC"),
            )
            self._retry_at = retry
        return report

    def _settle(self, night: dt.date) -> None:
        self.done_night = night
        self._retry_at = None
