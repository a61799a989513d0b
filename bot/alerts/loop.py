"""The alert evaluation loop: a DailyLoop (bot/daily.py) that, once per NYSE session after the
evening refresh, evaluates every active alert and delivers those that fired.

When: the session's evaluation is due REFRESH_DELAY after its close (bot/refresher.py's
time), once the price refresh for that session has finished (`refreshed(session)`; the
refresher wakes this loop when it settles), or REFRESH_WAIT after it was found due if the
refresh never says so.
Sessions no process evaluated (the bot was down) are evaluated first, in order (at most
CATCH_UP), on the data the refresh brought for them. First
the FRED series the macro alerts read are refreshed through /macro's loading
(analytics/alerts/fred.py); then each alert is checked on the cache as the refresh left it
(`MarketData.cache_only`: evaluation never fetches) and the run is recorded (`alert_runs`),
so a restarted process does not evaluate the session again.

Delivery: a fire is claimed in the store before it is sent (exactly once per alert and
session, across restarts and processes; analytics/alerts/store.py), sent with the claim's
nonce, and finished:
- sent: recorded with the message id;
- DeliveryFailed (closed DMs, a deleted channel, missing permissions): recorded as failed and
  the alert paused with the reason, which /alert list shows;
- TransientDeliveryError (Discord or the network failing; it may have landed): the claim
  stays 'sending' and is tried again with back-off (1, 2, 4, 8, then every 15 minutes) until
  its cutoff, each retry after a look for the claim's marker, so a send that landed is
  recorded, not repeated; at the cutoff it is recorded as missed.

Only the process holding the background lease evaluates (`gate`, bot/lease.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from analytics import calendar
from analytics.alerts.evaluation import Fired, alert_series, check_alert, fired
from analytics.alerts.fred import refresh_series
from analytics.alerts.kinds import KINDS
from analytics.alerts.records import Alert, Fire
from analytics.alerts.store import AlertStore
from analytics.data.market import MarketData
from analytics.errors import MarketbotError
from analytics.subscriptions.schedule import post_deadline
from bot.daily import MAX_SLEEP, DailyLoop, Gate
from bot.refresher import next_session, refresh_due
from bot.scheduler import DeliveryFailed, TransientDeliveryError

log = logging.getLogger(__name__)

T = TypeVar("T")

REFRESH_WAIT = dt.timedelta(hours=2)
"""How long a due evaluation waits for the price refresh to say it finished (from when this
process found it due) before it goes ahead with what the cache holds."""
REFRESH_POLL = dt.timedelta(minutes=5)
"""While waiting for the refresh, look again this often (the refresher also wakes the loop)."""
RETRY_INTERVAL = dt.timedelta(minutes=5)
"""A step that raised is tried again this much later."""
CATCH_UP = 5
"""Sessions evaluated at most at once: the latest and those missed while no process ran
(their fires go out late, each for the session it became true on)."""
MIN_DELIVERY_WINDOW = dt.timedelta(hours=2)
"""A fire may be retried at least this long after it was claimed (midnight ET at the earliest)."""

Deliver = Callable[[Alert, Fire, Fired], Awaitable[int]]
"""deliver(alert, fire, fired) -> the id of the message sent (with the fire's nonce and marker)."""
Find = Callable[[Alert, Fire], Awaitable[int | None]]
"""find(alert, fire) -> the id of a message carrying the fire's marker (an earlier attempt that
landed), or None."""


def evaluation_due(session: dt.date) -> dt.datetime:
    """When the evaluation of `session` is due: when its price refresh is (aware UTC)."""
    return refresh_due(session)


def fire_deadline(fire: Fire) -> dt.datetime:
    """The last moment a fire may be sent: midnight ET after its session, and at least
    MIN_DELIVERY_WINDOW after it was claimed (an evaluation caught up late)."""
    return max(post_deadline(fire.session), fire.claimed_at + MIN_DELIVERY_WINDOW)


def catch_up(store: AlertStore, session: dt.date) -> list[dt.date]:
    """The sessions to evaluate now, oldest first: `session`, and before it those no process
    evaluated since the last run (the bot was down), at most CATCH_UP in all. Blocking."""
    last = store.last_run()
    if last is None or last >= session:
        return [session]
    days = calendar.sessions_between(last + dt.timedelta(days=1), session)
    return [d.date() for d in days[-CATCH_UP:]]


@dataclass(frozen=True)
class Outcome:
    """What the loop did with one fire: status 'sent', 'refused' (the alert was paused),
    'retry', 'missed' or 'settled' (claimed before: another process, or before a restart).

    found: the message was an earlier attempt's, found by its marker (not sent again)."""

    alert_id: int
    fired_on: dt.date
    status: str
    message_id: int | None = None
    reason: str | None = None
    found: bool = False


class AlertLoop(DailyLoop):
    """Evaluates alerts after each session and delivers the fires; `start()` / `stop()` it.

    market:    the data facade; evaluation reads `market.cache_only()`.
    refreshed: refreshed(session) -> whether the price refresh for it has finished.
    The macro alerts' series are refreshed through the facade's own FRED source (`market.fred`).
    """

    name = "alert-evaluator"

    def __init__(
        self,
        *,
        store: AlertStore,
        market: MarketData,
        deliver: Deliver,
        find: Find,
        now: Callable[[], dt.datetime],
        refreshed: Callable[[dt.date], bool] = lambda session: True,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        ready: Callable[[], Awaitable[object]] | None = None,
        gate: Gate | None = None,
        max_sleep: dt.timedelta = MAX_SLEEP,
    ) -> None:
        super().__init__(
            now=now,
            sleep=sleep,
            ready=ready,
            gate=gate,
            max_sleep=max_sleep,
            retry_interval=RETRY_INTERVAL,
        )
        self.store = store
        self.market = market
        self._deliver = deliver
        self._find = find
        self._refreshed = refreshed
        self._lock = asyncio.Lock()
        self.done_session: dt.date | None = None
        """The last session this process evaluated (or found evaluated)."""
        self._waiting: dict[dt.date, dt.datetime] = {}
        """When this process first found a session due while its refresh was not done."""

    async def step(self) -> dt.datetime:
        await self.tick()
        return await self._next_at()

    # -- when ------------------------------------------------------------------------------------

    async def _session_due(self, now: dt.datetime) -> dt.date | None:
        def when(now: dt.datetime) -> tuple[dt.date, dt.datetime]:
            session = calendar.last_completed_session(now)
            return session, evaluation_due(session)

        # The calendar is pandas (exchange_calendars): off the loop, like the scheduler's.
        session, due = await asyncio.to_thread(when, now)
        if session == self.done_session or now < due:
            return None
        if await self._db(lambda store: store.run_done(session)):
            self.done_session = session
            return None
        # Wait for the price refresh of the session, but not longer than REFRESH_WAIT from
        # when this process found it due (a process started the next morning waits for its
        # own catch-up refresh, not for a due time long past).
        if not self._refreshed(session):
            since = self._waiting.setdefault(session, now)
            if now < since + REFRESH_WAIT:
                return None
            log.warning("alerts for %s: the price refresh did not finish; checking anyway", session)
        return session

    async def _next_at(self) -> dt.datetime:
        """The next moment anything may be due: an evaluation, a retry, a cutoff (capped by
        the loop at max_sleep). Only moments after now count, so nothing spins."""
        now = self._now()
        done = self.done_session

        def earliest(store: AlertStore) -> dt.datetime:
            session = calendar.last_completed_session(now)
            if session == done:
                times = [evaluation_due(next_session(session))]
            elif now < evaluation_due(session):
                times = [evaluation_due(session)]
            else:
                times = [now + REFRESH_POLL]  # waiting for the refresh (it wakes us too)
            for fire in store.pending():
                times.append(fire_deadline(fire))
                if fire.next_attempt_at is not None:
                    times.append(fire.next_attempt_at)
            later = [t for t in times if t > now]
            return min(later, default=now + self.max_sleep)

        return await self._db(earliest)

    # -- one tick --------------------------------------------------------------------------------
    async def tick(self) -> list[Outcome]:
        """Settle the fires past their cutoff, retry those due, then evaluate the session if
        its evaluation is due; what happened to each fire. Nothing without the lease."""
        if not self.may_run:
            return []
        async with self._lock:
            now = self._now()
            outcomes = await self._pending(now)
            session = await self._session_due(now)
            if session is not None:
                for day in await self._db(lambda store: catch_up(store, session)):
                    outcomes += await self.evaluate(day)
            return outcomes

    async def evaluate(self, session: dt.date) -> list[Outcome]:
        """Check every active alert on `session`, deliver what fired, record the run."""
        alerts = await self._db(lambda store: store.active())
        if not alerts:  # nothing to check, and a bot without alerts never writes to the file
            self.done_session = session
            return []
        series = alert_series(alerts)
        if series:
            problems = await asyncio.to_thread(refresh_series, self.market, series)
            for series_id, why in problems.items():
                log.warning("alerts: could not refresh %s: %s", series_id, why)
        data = self.market.cache_only()
        outcomes: list[Outcome] = []
        for alert in alerts:
            check = await asyncio.to_thread(check_alert, data, alert, session)
            ev = check.evaluation
            await self._db(
                lambda store, c=check, e=ev: store.note_check(
                    c.alert.id,
                    e.on if e else None,
                    e.holds if e else None,
                    e.state if e else f"could not be checked: {c.error}",
                )
            )
            if check.fires and ev is not None:
                outcomes.append(await self._fire(alert, session, ev.on, ev.state))
        sent = sum(1 for o in outcomes if o.status == "sent")
        await self._db(lambda store: store.finish_run(session, self._now(), len(alerts), sent))
        self.done_session = session
        log.info("alerts for %s: %d checked, %d fired", session, len(alerts), len(outcomes))
        return outcomes

    # -- delivery --------------------------------------------------------------------------------
    async def _fire(self, alert: Alert, session: dt.date, fired_on: dt.date, state: str) -> Outcome:
        now = self._now()
        deadline = max(post_deadline(session), now + MIN_DELIVERY_WINDOW)
        fire = await self._db(
            lambda store: store.claim(
                alert.id, fired_on, session, now, deadline=deadline, state=state
            )
        )
        if fire is None:
            return Outcome(alert.id, fired_on, "settled")
        return await self._send(alert, fire)

    async def _send(self, alert: Alert, fire: Fire) -> Outcome:
        """One attempt at `fire`: after a look for an earlier attempt that landed, build what
        the alert shows and send it."""
        if fire.attempts > 1:
            try:
                found = await self._find(alert, fire)
            except (DeliveryFailed, TransientDeliveryError) as exc:
                log.warning("alert %s: could not look for an earlier send: %s", alert.id, exc)
                found = None
            if found is not None:
                await self._db(
                    lambda store: store.mark_sent(alert.id, fire.fired_on, found, self._now())
                )
                return Outcome(alert.id, fire.fired_on, "sent", found, found=True)
        try:
            shown = await asyncio.to_thread(self._shown, alert, fire)
        except MarketbotError as exc:
            return await self._missed(fire, f"could not build the alert: {exc.message}")
        try:
            message_id = await self._deliver(alert, fire, shown)
        except DeliveryFailed as exc:
            reason = f"{exc} ({self._now().date().isoformat()})"
            log.warning("alert %s refused: %s; paused", alert.id, reason)
            await self._db(
                lambda store: store.mark_refused(alert.id, fire.fired_on, reason, self._now())
            )
            return Outcome(alert.id, fire.fired_on, "refused", reason=reason)
        except TransientDeliveryError as exc:
            why = str(exc)
            log.warning("alert %s not delivered (%s); will retry", alert.id, why)
            await self._db(lambda store: store.note_failure(alert.id, fire.fired_on, why))
            return Outcome(alert.id, fire.fired_on, "retry", reason=why)
        except Exception as exc:  # a bug: record it, never retry it in a loop
            log.exception("alert %s could not be delivered", alert.id)
            return await self._missed(fire, f"not delivered: {type(exc).__name__}")
        await self._db(
            lambda store: store.mark_sent(alert.id, fire.fired_on, message_id, self._now())
        )
        return Outcome(alert.id, fire.fired_on, "sent", message_id)

    def _shown(self, alert: Alert, fire: Fire) -> Fired:
        """What the alert shows for `fire` (blocking): the condition on the session it fired
        on, re-read from the cache (the same data decides the same), the chart encoded here,
        off the event loop."""
        data = self.market.cache_only()
        evaluation = KINDS[alert.kind].evaluate(data, alert.params, fire.fired_on)
        shown = fired(data, alert, evaluation)
        _ = shown.answer.png  # matplotlib runs in this thread, not on the loop
        return shown

    async def _pending(self, now: dt.datetime) -> list[Outcome]:
        """Fires still 'sending': missed past their cutoff (after a last look for them),
        tried again when their next attempt is due."""
        outcomes = []
        for fire in await self._db(lambda store: store.pending()):
            alert = await self._db(lambda store, f=fire: store.get(f.alert_id))
            if alert is None:
                continue
            if now >= fire_deadline(fire):
                found = None
                try:
                    found = await self._find(alert, fire)
                except (DeliveryFailed, TransientDeliveryError) as exc:
                    log.warning("alert %s: could not look for its send: %s", alert.id, exc)
                if found is not None:
                    await self._db(
                        lambda store, f=fire, m=found: store.mark_sent(
                            f.alert_id, f.fired_on, m, now
                        )
                    )
                    outcomes.append(Outcome(alert.id, fire.fired_on, "sent", found, found=True))
                    continue
                why = fire.error or "the send was interrupted"
                outcomes.append(await self._missed(fire, f"not delivered before the cutoff: {why}"))
                continue
            if alert.paused:
                outcomes.append(await self._missed(fire, "the alert was paused"))
                continue
            if fire.next_attempt_at is not None and fire.next_attempt_at > now:
                continue
            claimed = await self._db(
                lambda store, f=fire: store.claim(
                    f.alert_id, f.fired_on, f.session, now, deadline=fire_deadline(f)
                )
            )
            if claimed is not None:
                outcomes.append(await self._send(alert, claimed))
        return outcomes

    async def _missed(self, fire: Fire, reason: str) -> Outcome:
        await self._db(
            lambda store: store.mark_missed(fire.alert_id, fire.fired_on, reason, self._now())
        )
        log.warning("alert %s (%s) missed: %s", fire.alert_id, fire.fired_on, reason)
        return Outcome(fire.alert_id, fire.fired_on, "missed", reason=reason)

    async def _db(self, work: Callable[[AlertStore], T]) -> T:
        """Run `work` on the store in a worker thread (SQLite blocks)."""
        return await asyncio.to_thread(work, self.store)
