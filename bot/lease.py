"""The background lease: of all the bot processes on one database, one runs the background
jobs (the price refresh, the daily post, later alert evaluation); the others still answer
commands, wait, and take over within a minute of the holder's death.

The lease is a row of table `leases` in the cache file: (name, owner, expires_at, beat); the
table is created by the file's migrations (analytics.data.schema LEASE_TABLE).
`Lease.acquire()` takes or renews it in one BEGIN IMMEDIATE transaction (PriceCache.bookkeeping:
a renewal every 20 s leaves the process's memos as they are), so two processes can never both
think they took it in the same instant. The holder renews
it every RENEW_EVERY (20 s), pushing `expires_at` TTL (60 s) ahead; another process takes it
when `expires_at` has passed, or when the row has not changed (same owner, same `beat`) for a
whole TTL of its own monotonic clock: a wall clock that jumps back cannot keep a dead holder's
lease alive. A clean stop deletes the row, so the other process takes over at its next check.

Exactly-once posting does not rest on the lease: if two processes ever overlap (a holder
stalled for longer than the TTL, a wall clock jumping forward), the post claims in the
subscription store still allow one post per subscription and day (analytics/subscriptions/
store.py). The lease keeps the jobs, and their Yahoo traffic, to one process.

`Lease` is blocking (SQLite): `LeaseKeeper` runs it from the event loop in a worker thread and
is the `Gate` the background loops wait on (bot/daily.py). Clocks are injected for tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import secrets
import socket
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from analytics.data.cache import PriceCache
from analytics.data.schema import LEASES

log = logging.getLogger(__name__)

BACKGROUND = "background"
"""The one lease the background jobs share."""
LEASE_TTL = dt.timedelta(seconds=60)
RENEW_EVERY = dt.timedelta(seconds=20)


def owner_id() -> str:
    """This process's name in the lease: host, pid and a random part (pids are reused)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def wall_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class LeaseState:
    """What one `acquire()` found and did.

    held: this process holds the lease now; owner / expires_at: the row after the call;
    previous: the other owner this call took the lease from (None when it was free or ours).
    """

    held: bool
    owner: str
    expires_at: dt.datetime
    previous: str | None = None


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


class Lease:
    """One named lease row; blocking, call from a worker thread."""

    def __init__(
        self,
        cache: PriceCache,
        *,
        name: str = BACKGROUND,
        owner: str | None = None,
        ttl: dt.timedelta = LEASE_TTL,
        now: Callable[[], dt.datetime] = wall_clock,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cache = cache
        self.name = name
        self.owner = owner or owner_id()
        self.ttl = ttl
        self.now = now
        self.monotonic = monotonic
        # The other holder's row as last seen, and since when (monotonic) it has not changed.
        self._seen: tuple[str, int] | None = None
        self._seen_since = 0.0

    def acquire(self) -> LeaseState:
        """Take the lease if it is free, expired, stale or ours (renewing it); else report
        who holds it. One BEGIN IMMEDIATE transaction."""
        now, mono = self.now(), self.monotonic()
        expires = now + self.ttl
        with self.cache.bookkeeping() as conn:  # a renewal every 20 s keeps the memos
            row = conn.execute(
                f"SELECT owner, expires_at, beat FROM {LEASES} WHERE name = ?", [self.name]
            ).fetchone()
            if row is not None and row[0] != self.owner:
                other, other_expires, beat = row[0], dt.datetime.fromisoformat(row[1]), row[2]
                if (other, beat) != self._seen:
                    self._seen, self._seen_since = (other, beat), mono
                stale = mono - self._seen_since >= self.ttl.total_seconds()
                if now < other_expires and not stale:
                    return LeaseState(False, other, other_expires)
            conn.execute(
                f"INSERT INTO {LEASES} (name, owner, expires_at, beat, taken_at)"
                " VALUES (?, ?, ?, 1, ?) ON CONFLICT(name) DO UPDATE SET"
                " owner = excluded.owner, expires_at = excluded.expires_at, beat = beat + 1,"
                " taken_at = CASE WHEN owner = excluded.owner THEN taken_at"
                " ELSE excluded.taken_at END",
                [self.name, self.owner, _iso(expires), _iso(now)],
            )
        self._seen = None
        previous = row[0] if row is not None and row[0] != self.owner else None
        return LeaseState(True, self.owner, expires, previous)

    def release(self) -> bool:
        """Give the lease up if this process holds it (a clean stop); True when it did."""
        with self.cache.bookkeeping() as conn:
            cursor = conn.execute(
                f"DELETE FROM {LEASES} WHERE name = ? AND owner = ?", [self.name, self.owner]
            )
        return cursor.rowcount > 0

    def holder(self) -> tuple[str, dt.datetime] | None:
        """(owner, expires_at) of the row, or None when no one holds it."""
        row = self.cache.db.execute(
            f"SELECT owner, expires_at FROM {LEASES} WHERE name = ?", [self.name]
        ).fetchone()
        return (row[0], dt.datetime.fromisoformat(row[1])) if row else None


class LeaseKeeper:
    """Keeps the lease from the event loop: renews it every `renew_every` while held, checks
    again when the holder's lease should have expired while not; the `Gate` of the jobs.

    `held` also lapses on its own once a TTL has passed since the last successful renewal
    (a process that cannot reach its database must assume another took over).
    """

    def __init__(
        self,
        lease: Lease,
        *,
        renew_every: dt.timedelta = RENEW_EVERY,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.lease = lease
        self.renew_every = renew_every
        self._sleep = sleep
        self._held = False
        self._renewed_at = 0.0  # monotonic
        self._holder_expires: dt.datetime | None = None
        self._acquired = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._inflight: asyncio.Future[LeaseState] | None = None
        self._warned_error = False
        self._told_waiting = False
        self.takeovers = 0
        """How many times this process took the lease from another owner."""

    @property
    def held(self) -> bool:
        age = self.lease.monotonic() - self._renewed_at
        return self._held and age < self.lease.ttl.total_seconds()

    async def wait(self) -> None:
        """Return once this process holds the lease."""
        while not self.held:
            if self._acquired.is_set():  # lapsed without a check noticing yet
                self._acquired.clear()
            await self._acquired.wait()

    async def check(self) -> bool:
        """Take or renew the lease once (in a worker thread); whether it is held after."""
        self._inflight = asyncio.ensure_future(asyncio.to_thread(self.lease.acquire))
        try:
            state = await asyncio.shield(self._inflight)
        except (sqlite3.Error, OSError) as exc:
            if not self._warned_error:
                log.warning("could not take or renew the background lease: %s", exc)
                self._warned_error = True
            return self.held
        self._warned_error = False
        was_held = self._held
        self._held = state.held
        if state.held:
            self._renewed_at = self.lease.monotonic()
            self._holder_expires = None
            if state.previous is not None:
                self.takeovers += 1
                log.info(
                    "took over the background jobs from %s (its lease was not renewed); "
                    "this process (%s) now runs the refresh and the daily posts",
                    state.previous,
                    self.lease.owner,
                )
            elif not was_held:
                log.info("this process (%s) runs the background jobs", self.lease.owner)
            self._acquired.set()
        else:
            self._holder_expires = state.expires_at
            self._acquired.clear()
            if was_held:
                log.warning(
                    "lost the background lease to %s; background jobs pause in this process",
                    state.owner,
                )
            elif not self._told_waiting:
                self._told_waiting = True
                log.info(
                    "%s runs the background jobs; this process answers commands and waits",
                    state.owner,
                )
        return self.held

    def next_check_in(self) -> float:
        """Seconds to the next check: a renewal period while held; while not, the moment
        the holder's lease would expire, if sooner (a takeover within the TTL of its death)."""
        period = self.renew_every.total_seconds()
        if self._held or self._holder_expires is None:
            return period
        until = (self._holder_expires - self.lease.now()).total_seconds()
        return min(period, max(until, 0.0) + 0.05)

    def start(self) -> asyncio.Task[None]:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="background-lease")
        return self._task

    async def stop(self, *, release: bool = True) -> None:
        """Stop renewing; with `release`, give the lease up so another process takes over at
        once (release=False leaves the row to expire, as a killed process would)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._inflight is not None:  # a check still running in its thread: let it land
            with contextlib.suppress(Exception):
                await self._inflight
        was_held, self._held = self._held, False
        self._acquired.clear()
        if release and was_held:
            try:
                await asyncio.to_thread(self.lease.release)
            except (sqlite3.Error, OSError) as exc:
                log.warning("could not release the background lease: %s", exc)

    async def _run(self) -> None:
        while True:
            await self.check()
            await self._sleep(self.next_check_in())
