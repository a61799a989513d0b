"""The daily post scheduler: an asyncio task that posts each subscription's digest once per
trading day, after the close.

Each tick, for every active subscription, works out whether its post for today's session is
due (schedule.due_trading_day: due time passed, still the same evening ET, not before the
subscription started) and not yet settled in the store. If any is due, the digest is composed
ONCE for the union of their sections, then each subscription is claimed, sent, and recorded
(store.py explains the claim / nonce scheme that keeps a restart from posting twice).

Delivery outcomes:
- sent: recorded with the message id; the failure count resets.
- DeliveryFailed (channel deleted, permissions lost): logged as a warning, recorded as a
  failed day, not retried until the next trading day; MAX_FAILED_DAYS in a row disable it.
- TransientDeliveryError (Discord or the network failing): the claim stays 'sending' and the
  next tick, RETRY_INTERVAL later, resends it with the same nonce (within RESEND_WINDOW).
- anything else is a bug: logged with its traceback, recorded as failed (not counted).

Between ticks it sleeps until the next due time (at most MAX_SLEEP, so a suspended machine or
a changed clock is noticed), or until `wake()` (a subscription was added or changed). The
clock `now()` and `sleep(seconds)` are injected, so tests run it through days at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from analytics.subscriptions.digest import Digest, parse_sections
from analytics.subscriptions.schedule import (
    due_trading_day,
    eastern_date,
    next_post,
    parse_post_time,
)
from analytics.subscriptions.store import (
    MAX_FAILED_DAYS,
    SENDING,
    Subscription,
    SubscriptionStore,
)

log = logging.getLogger(__name__)

MAX_SLEEP = 15 * 60.0
RETRY_INTERVAL = 60.0

T = TypeVar("T")
Compose = Callable[[tuple[str, ...], dt.date], Awaitable[Digest]]
"""compose(sections, trading_day) -> the digest holding those sections."""
Deliver = Callable[[Subscription, Digest, int], Awaitable[int]]
"""deliver(subscription, digest, nonce) -> the id of the message posted."""


class DeliveryFailed(Exception):
    """The channel cannot take the post today (deleted, missing permissions): not retried."""


class TransientDeliveryError(Exception):
    """Discord or the network failed; the post may or may not have landed: resend later."""


@dataclass(frozen=True)
class Outcome:
    """What one tick did for one subscription: status 'sent', 'failed' or 'retry'."""

    subscription_id: int
    channel_id: int
    trading_day: dt.date
    status: str
    message_id: int | None = None
    reason: str | None = None
    disabled: bool = False


class DigestScheduler:
    """Posts every due subscription's digest; run it with `start()` / `stop()` (or `run()`).

    open_store: builds a SubscriptionStore for the calling thread (called in worker threads);
    ready: awaited once before the first tick (e.g. `bot.wait_until_ready`).
    """

    def __init__(
        self,
        *,
        open_store: Callable[[], SubscriptionStore],
        compose: Compose,
        deliver: Deliver,
        now: Callable[[], dt.datetime],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        ready: Callable[[], Awaitable[object]] | None = None,
        max_sleep: float = MAX_SLEEP,
        retry_interval: float = RETRY_INTERVAL,
        max_failed_days: int = MAX_FAILED_DAYS,
    ) -> None:
        self._open_store = open_store
        self._compose = compose
        self._deliver = deliver
        self._now = now
        self._sleep = sleep
        self._ready = ready
        self.max_sleep = max_sleep
        self.retry_interval = retry_interval
        self.max_failed_days = max_failed_days
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._retry_soon = False
        self._task: asyncio.Task[None] | None = None
        self.idle = asyncio.Event()
        """Set while the loop sleeps between ticks (tests wait on it after a wake)."""

    # -- life ------------------------------------------------------------------------------------
    def start(self) -> asyncio.Task[None]:
        """Run the loop as a task (a first tick at once: catch up after a restart)."""
        if self._task is None or self._task.done():
            self.idle.clear()
            self._task = asyncio.create_task(self.run(), name="digest-scheduler")
        return self._task

    async def stop(self) -> None:
        """Cancel the loop and wait for it to end."""
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    def wake(self) -> None:
        """Tick now rather than at the next due time (subscriptions changed)."""
        self.idle.clear()
        self._wake.set()

    async def run(self, *, until: dt.datetime | None = None) -> None:
        """Tick, sleep until the next due time, repeat (until the clock passes `until`).

        Waits for `ready()` first (the bot's gateway), so the channel cache is filled.
        """
        if self._ready is not None:
            await self._ready()
        while until is None or self._now() < until:
            self.idle.clear()
            self._wake.clear()
            try:
                await self.tick()
                delay = await self._delay()
            except asyncio.CancelledError:
                raise
            except Exception:  # the loop must outlive any bug in one tick
                log.exception("digest scheduler tick failed")
                delay = self.retry_interval
            if not self._wake.is_set():  # woken mid-tick: not idle until the next tick ran
                self.idle.set()
            await self._pause(delay)

    async def _pause(self, delay: float) -> None:
        sleeper = asyncio.ensure_future(self._sleep(delay))
        waker = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for future in (sleeper, waker):
                future.cancel()
            await asyncio.gather(sleeper, waker, return_exceptions=True)

    async def _delay(self) -> float:
        """Seconds until the next due time of any active subscription (capped)."""
        now = self._now()
        wake_at = now + dt.timedelta(seconds=self.max_sleep)
        if self._retry_soon:
            wake_at = min(wake_at, now + dt.timedelta(seconds=self.retry_interval))

        def earliest(store: SubscriptionStore) -> dt.datetime:
            times = [next_post(now, parse_post_time(s.post_time)) for s in store.active()]
            return min([wake_at, *times])

        return max((await self._db(earliest) - now).total_seconds(), 0.0)

    # -- one tick --------------------------------------------------------------------------------
    async def tick(self) -> list[Outcome]:
        """Post every subscription due now and not yet posted; what happened to each."""
        async with self._lock:
            self._retry_soon = False
            now = self._now()
            for claim in await self._db(lambda store: store.settle_stale(now)):
                log.warning(
                    "post of %s to channel %s was interrupted and is counted as sent "
                    "(Discord's nonce window has passed; not resending)",
                    claim.trading_day,
                    claim.channel_id,
                )
            due = await self._due(now)
            if not due:
                return []
            day = due[0][1]
            wanted = parse_sections([name for sub, _ in due for name in sub.sections])
            try:
                digest = await self._compose(wanted, day)
            except Exception:
                log.exception("could not compose the digest for %s", day)
                self._retry_soon = True
                return []
            outcomes = []
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
                claim = claims.get(sub.id)
                if day is not None and (claim is None or claim.status == SENDING):
                    due.append((sub, day))
            return due

        # The calendar work runs in the worker thread too: it is pandas, not for the loop.
        return await self._db(read)

    async def _post(self, sub: Subscription, day: dt.date, digest: Digest) -> Outcome | None:
        now = self._now()
        claim = await self._db(lambda store: store.claim(sub.id, day, sub.channel_id, now))
        if claim is None:
            return None
        try:
            message_id = await self._deliver(sub, digest.only(sub.sections), claim.nonce)
        except DeliveryFailed as exc:
            reason = str(exc)
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
        except TransientDeliveryError as exc:
            log.warning("posting to channel %s failed, will resend: %s", sub.channel_id, exc)
            self._retry_soon = True
            return Outcome(sub.id, sub.channel_id, day, "retry", reason=str(exc))
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

    async def _db(self, work: Callable[[SubscriptionStore], T]) -> T:
        """Run `work` on a store built in the worker thread (one connection per thread)."""
        return await asyncio.to_thread(lambda: work(self._open_store()))
