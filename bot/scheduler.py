"""The daily post scheduler: a DailyLoop (bot/daily.py) that posts each subscription's digest
once per trading day, after the close.

Each tick, for every active subscription, works out whether its post for today's session is
due (schedule.due_trading_day: due time passed, still the same evening ET, not before the
subscription started) and not yet settled in the store, or is a 'sending' claim whose next
attempt is due. If any is due, the digest is composed ONCE for the union of their sections,
then each subscription is claimed, sent, and recorded (store.py explains the claims).

Delivery outcomes:
- sent: recorded with the message id; the failure count resets.
- DeliveryFailed (channel deleted, permissions lost): logged as a warning, recorded as a
  failed day, not retried until the next trading day; MAX_FAILED_DAYS in a row disable it.
- TransientDeliveryError (Discord or the network failing; the post may or may not have
  landed): the claim stays 'sending' and is tried again with back-off (store.retry_delay)
  until the day's cutoff, with the same nonce. Before any second attempt, `find` looks for
  the claim's marker in the channel's recent messages: a post that landed is recorded, never
  sent twice.
- at the cutoff (midnight ET) a claim still 'sending' (after one last look for its marker)
  and a day no process tried (the bot was down) are recorded as 'missed', with the reason.
- anything else is a bug: logged with its traceback, recorded as failed (not counted).

No post is ever made for a day before the last one some process tried, so a clock that jumps
back cannot post an old day, and a day already claimed is never claimed again.

Only the process holding the background lease ticks (`gate`, bot/lease.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from analytics import calendar
from analytics.calendar import eastern_date
from analytics.subscriptions.digest import Digest, parse_sections
from analytics.subscriptions.schedule import (
    due_trading_day,
    in_eastern,
    next_post,
    parse_post_time,
    post_deadline,
    post_due,
)
from analytics.subscriptions.store import (
    MAX_FAILED_DAYS,
    SENDING,
    Claim,
    Subscription,
    SubscriptionStore,
)
from bot.daily import MAX_SLEEP, DailyLoop, Gate

log = logging.getLogger(__name__)

COMPOSE_RETRY = dt.timedelta(seconds=60)
"""A digest that could not be composed is tried again this much later."""
MISSED_LOOKBACK = dt.timedelta(days=10)
"""How far back a day no process tried is recorded as missed (a bot down for a week)."""
NOT_RUNNING = (
    "not posted before the midnight ET cutoff: no bot process was running and connected "
    "that evening"
)

T = TypeVar("T")
Compose = Callable[[tuple[str, ...], dt.date], Awaitable[Digest]]
"""compose(sections, trading_day) -> the digest holding those sections."""
Deliver = Callable[[Subscription, Digest, Claim], Awaitable[int]]
"""deliver(subscription, digest, claim) -> the id of the message posted (with the claim's
nonce and marker)."""
Find = Callable[[Subscription, Claim], Awaitable[int | None]]
"""find(subscription, claim) -> the id of a message in the channel carrying the claim's
marker (an earlier attempt that landed), or None."""


class DeliveryFailed(Exception):
    """The channel cannot take the post today (deleted, missing permissions): not retried."""


class TransientDeliveryError(Exception):
    """Discord or the network failed; the post may or may not have landed: try again later."""


@dataclass(frozen=True)
class Outcome:
    """What one tick did for one subscription: status 'sent', 'failed', 'retry' or 'missed'.

    found: the post was an earlier attempt's, found in the channel by its marker (not resent).
    """

    subscription_id: int
    channel_id: int
    trading_day: dt.date
    status: str
    message_id: int | None = None
    reason: str | None = None
    disabled: bool = False
    found: bool = False


class DigestScheduler(DailyLoop):
    """Posts every due subscription's digest; run it with `start()` / `stop()` (or `run()`).

    store: the subscription store (its calls run in worker threads);
    ready: awaited once before the first tick (e.g. `bot.wait_until_ready`);
    gate: the background lease: a process that does not hold it posts nothing.
    """

    name = "digest-scheduler"

    def __init__(
        self,
        *,
        store: SubscriptionStore,
        compose: Compose,
        deliver: Deliver,
        find: Find,
        now: Callable[[], dt.datetime],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        ready: Callable[[], Awaitable[object]] | None = None,
        gate: Gate | None = None,
        max_sleep: dt.timedelta = MAX_SLEEP,
        retry_interval: dt.timedelta = COMPOSE_RETRY,
        max_failed_days: int = MAX_FAILED_DAYS,
    ) -> None:
        super().__init__(
            now=now,
            sleep=sleep,
            ready=ready,
            gate=gate,
            max_sleep=max_sleep,
            retry_interval=retry_interval,
        )
        self.store = store
        self._compose = compose
        self._deliver = deliver
        self._find = find
        self.max_failed_days = max_failed_days
        self._lock = asyncio.Lock()
        self._compose_retry_at: dt.datetime | None = None
        self._compose_errors: dict[dt.date, str] = {}

    async def step(self) -> dt.datetime:
        await self.tick()
        return await self._next_at()

    async def _next_at(self) -> dt.datetime:
        """The next moment anything may be due: a post time, a retry, a cutoff (capped by
        the loop at max_sleep). Only moments after now count, so nothing spins."""
        now = self._now()
        retry_compose = self._compose_retry_at

        def earliest(store: SubscriptionStore) -> dt.datetime:
            times = [next_post(now, parse_post_time(s.post_time)) for s in store.active()]
            for claim in store.pending():
                times.append(post_deadline(claim.trading_day))
                if claim.next_attempt_at is not None:
                    times.append(claim.next_attempt_at)
            if retry_compose is not None:
                times.append(retry_compose)
            later = [t for t in times if t > now]
            return min(later, default=now + self.max_sleep)

        return await self._db(earliest)

    # -- one tick --------------------------------------------------------------------------------
    async def tick(self) -> list[Outcome]:
        """Settle the days past their cutoff, then post every subscription due now; what
        happened to each. Does nothing in a process that does not hold the lease."""
        if not self.may_run:
            return []
        async with self._lock:
            now = self._now()
            outcomes = await self._close_past_days(now)
            due = await self._due(now)
            if not due:
                return outcomes
            day = due[0][1]
            wanted = parse_sections([name for sub, _ in due for name in sub.sections])
            try:
                digest = await self._compose(wanted, day)
            except Exception as exc:
                log.exception("could not compose the digest for %s", day)
                self._compose_errors[day] = f"{type(exc).__name__}: {exc}"[:200]
                self._compose_retry_at = now + self.retry_interval
                return outcomes
            self._compose_retry_at = None
            for sub, day in due:
                outcome = await self._post(sub, day, digest)
                if outcome is not None:
                    outcomes.append(outcome)
            return outcomes

    async def _due(self, now: dt.datetime) -> list[tuple[Subscription, dt.date]]:
        # Every due day is today's Eastern date, so one day's claims cover all subscriptions.
        today = eastern_date(now)

        def read(store: SubscriptionStore) -> list[tuple[Subscription, dt.date]]:
            claims = store.claims_on(today)
            due = []
            for sub in store.active():
                day = due_trading_day(now, parse_post_time(sub.post_time), since=sub.active_since)
                if day is None:
                    continue
                claim = claims.get(sub.id)
                if claim is None:
                    # A later day was already tried: the clock went back. Never post an old day.
                    if sub.last_attempted_day is None or sub.last_attempted_day < day:
                        due.append((sub, day))
                elif claim.status == SENDING and (
                    claim.next_attempt_at is None or claim.next_attempt_at <= now
                ):
                    due.append((sub, day))
            return due

        # The calendar work runs in the worker thread too: it is pandas, not for the loop.
        return await self._db(read)

    async def _post(self, sub: Subscription, day: dt.date, digest: Digest) -> Outcome | None:
        now = self._now()
        deadline = post_deadline(day)
        claim = await self._db(
            lambda store: store.claim(sub.id, day, sub.channel_id, now, deadline=deadline)
        )
        if claim is None:
            return None
        try:
            if claim.attempts > 1:  # an earlier attempt may have landed: look before resending
                found = await self._find(sub, claim)
                if found is not None:
                    return await self._found(sub, claim, found)
            message_id = await self._deliver(sub, digest.only(sub.sections), claim)
        except DeliveryFailed as exc:
            return await self._failed(sub, day, str(exc))
        except TransientDeliveryError as exc:
            reason = f"Discord did not take the post: {exc}"[:300]
            await self._db(lambda store: store.note_failure(sub.id, day, reason))
            after = claim.next_attempt_at
            log.warning(
                "posting to channel %s failed (attempt %d), %s: %s",
                sub.channel_id,
                claim.attempts,
                f"trying again at {in_eastern(after)}"
                if after is not None and after < deadline
                else "giving up at the cutoff",
                exc,
            )
            return Outcome(sub.id, sub.channel_id, day, "retry", reason=reason)
        except Exception:
            log.exception("posting the digest to channel %s failed", sub.channel_id)
            await self._db(
                lambda store: store.mark_failed(
                    sub.id, day, "internal error (logged)", self._now(), counts=False
                )
            )
            return Outcome(sub.id, sub.channel_id, day, "failed", reason="internal error")
        await self._db(lambda store: store.mark_sent(sub.id, day, message_id, self._now()))
        return Outcome(sub.id, sub.channel_id, day, "sent", message_id=message_id)

    async def _found(self, sub: Subscription, claim: Claim, message_id: int) -> Outcome:
        day = claim.trading_day
        log.info(
            "the post of %s to channel %s had landed (message %s, %s): not sending it again",
            day,
            sub.channel_id,
            message_id,
            claim.marker,
        )
        await self._db(lambda store: store.mark_sent(sub.id, day, message_id, self._now()))
        return Outcome(sub.id, sub.channel_id, day, "sent", message_id=message_id, found=True)

    async def _failed(self, sub: Subscription, day: dt.date, reason: str) -> Outcome:
        after = await self._db(
            lambda store: store.mark_failed(
                sub.id, day, reason, self._now(), max_failed_days=self.max_failed_days
            )
        )
        disabled = after is not None and not after.active
        log.warning(
            "could not post the digest to channel %s (guild %s): %s%s",
            sub.channel_id,
            sub.guild_id,
            reason,
            "; subscription disabled" if disabled else "; will try again next trading day",
        )
        return Outcome(sub.id, sub.channel_id, day, "failed", reason=reason, disabled=disabled)

    # -- the cutoff ------------------------------------------------------------------------------
    async def _close_past_days(self, now: dt.datetime) -> list[Outcome]:
        """Days whose cutoff has passed: a 'sending' claim is recorded as sent if its marker
        is in the channel, else missed; a due day no one claimed is missed."""
        today = eastern_date(now)

        def read(store: SubscriptionStore):
            subs = {s.id: s for s in store.active()}
            overdue = [
                (claim, subs.get(claim.subscription_id))
                for claim in store.pending()
                if post_deadline(claim.trading_day) <= now
            ]
            unclaimed = [
                (sub, day)
                for sub in subs.values()
                for day in _unclaimed_days(store, sub, today, now)
            ]
            return overdue, unclaimed

        overdue, unclaimed = await self._db(read)
        outcomes = []
        for claim, sub in overdue:
            found = None
            if sub is not None and claim.attempts >= 1:
                try:
                    found = await self._find(sub, claim)
                except (DeliveryFailed, TransientDeliveryError) as exc:
                    log.warning("could not look for the post of %s: %s", claim.trading_day, exc)
            if sub is not None and found is not None:
                outcomes.append(await self._found(sub, claim, found))
                continue
            why = claim.error or "the send was interrupted"
            tries = f"{claim.attempts} attempt{'s' if claim.attempts != 1 else ''}"
            reason = f"not posted before the midnight ET cutoff: {why} ({tries})"
            outcomes.append(await self._missed(claim.subscription_id, claim, reason))
        for sub, day in unclaimed:
            error = self._compose_errors.get(day)
            reason = (
                f"not posted before the midnight ET cutoff: the digest could not be composed "
                f"({error})"
                if error
                else NOT_RUNNING
            )
            outcomes.append(await self._missed(sub.id, (sub.channel_id, day), reason))
        for day in [d for d in self._compose_errors if d < today]:
            del self._compose_errors[day]
        return outcomes

    async def _missed(
        self, subscription_id: int, what: Claim | tuple[int, dt.date], reason: str
    ) -> Outcome:
        channel_id, day = (what.channel_id, what.trading_day) if isinstance(what, Claim) else what
        await self._db(
            lambda store: store.mark_missed(subscription_id, day, channel_id, reason, self._now())
        )
        log.warning("the post of %s to channel %s was missed: %s", day, channel_id, reason)
        return Outcome(subscription_id, channel_id, day, "missed", reason=reason)

    async def _db(self, work: Callable[[SubscriptionStore], T]) -> T:
        """Run `work` on the store in a worker thread (SQLite and the calendar block)."""
        return await asyncio.to_thread(work, self.store)


def _unclaimed_days(
    store: SubscriptionStore, sub: Subscription, today: dt.date, now: dt.datetime
) -> list[dt.date]:
    """Sessions before today (their cutoff has passed) that were due for `sub`, after the last
    day tried and within MISSED_LOOKBACK, with no claim at all: no process tried them."""
    start = max(eastern_date(sub.active_since), today - MISSED_LOOKBACK)
    if sub.last_attempted_day is not None:
        start = max(start, sub.last_attempted_day + dt.timedelta(days=1))
    sessions = [d.date() for d in calendar.sessions_between(start, today - dt.timedelta(days=1))]
    if not sessions:
        return []
    when = parse_post_time(sub.post_time)
    claimed = {c.trading_day for c in store.posts(sub.id)}
    return [
        day
        for day in sessions
        if day not in claimed and sub.active_since <= post_due(day, when) <= now
    ]
