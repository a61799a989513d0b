"""The background lease on a fake clock (take, renew, expire, takeover within the TTL, a clock
jumping back, a clean release, a stalled holder), and a real holder killed with SIGKILL."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time

import pytest

from analytics.data.cache import PriceCache
from bot.lease import LEASE_TTL, RENEW_EVERY, Lease, LeaseKeeper
from tests.conftest import REPO_ROOT

T0 = dt.datetime(2024, 7, 2, 20, 0, tzinfo=dt.UTC)


class Clocks:
    """A wall clock and a monotonic clock that tests move; sleeping moves both."""

    def __init__(self) -> None:
        self.wall = T0
        self.mono = 1000.0

    def now(self) -> dt.datetime:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.wall += dt.timedelta(seconds=seconds)
        self.mono += seconds

    async def sleep(self, seconds: float) -> None:
        self.advance(seconds)
        await asyncio.sleep(0)


@pytest.fixture
def path(tmp_path):
    return tmp_path / "lease.db"


@pytest.fixture
def clocks():
    return Clocks()


def lease(path, clocks: Clocks, owner: str) -> Lease:
    """Each 'process' opens its own cache (own connections) on the one file."""
    return Lease(PriceCache(path), owner=owner, now=clocks.now, monotonic=clocks.monotonic)


def test_the_first_taker_holds_it_and_the_other_is_told_who(path, clocks):
    a, b = lease(path, clocks, "A"), lease(path, clocks, "B")
    first = a.acquire()
    second = b.acquire()
    assert (first.held, first.owner, first.expires_at, first.previous) == (
        True,
        "A",
        T0 + LEASE_TTL,
        None,
    )
    assert (second.held, second.owner, second.expires_at) == (False, "A", T0 + LEASE_TTL)
    assert b.holder() == ("A", T0 + LEASE_TTL)


def test_renewing_pushes_the_expiry_and_keeps_the_other_out(path, clocks):
    a, b = lease(path, clocks, "A"), lease(path, clocks, "B")
    a.acquire()
    for _ in range(5):  # 100 s of renewals every 20 s: longer than one TTL
        clocks.advance(RENEW_EVERY.total_seconds())
        assert a.acquire().held
        assert not b.acquire().held
    assert a.holder() == ("A", T0 + dt.timedelta(seconds=100) + LEASE_TTL)
    beat = a.cache.db.execute("SELECT beat FROM leases").fetchone()[0]
    assert beat == 6  # one take + five renewals


def test_an_expired_lease_is_taken_over_only_once_it_expired(path, clocks):
    a, b = lease(path, clocks, "A"), lease(path, clocks, "B")
    a.acquire()  # then A dies: no more renewals
    clocks.advance(LEASE_TTL.total_seconds() - 0.001)
    assert not b.acquire().held
    clocks.advance(0.001)
    took = b.acquire()
    assert (took.held, took.owner, took.previous) == (True, "B", "A")
    assert not a.acquire().held  # A, back from the dead, is told B holds it


def test_a_clean_release_lets_the_other_take_it_at_once(path, clocks):
    a, b = lease(path, clocks, "A"), lease(path, clocks, "B")
    a.acquire()
    assert a.release()
    assert not a.release()  # nothing left to release
    took = b.acquire()
    assert (took.held, took.previous) == (True, None)


def test_a_wall_clock_jumping_back_does_not_keep_a_dead_holder_alive(path, clocks):
    a, b = lease(path, clocks, "A"), lease(path, clocks, "B")
    a.acquire()
    assert not b.acquire().held  # B sees A's row (beat 1) at monotonic 1000
    clocks.wall -= dt.timedelta(hours=1)  # A's expiry is now an hour and a minute away
    clocks.mono += LEASE_TTL.total_seconds() - 1
    assert not b.acquire().held
    clocks.mono += 1  # a whole TTL with the row unchanged, by B's own clock
    took = b.acquire()
    assert (took.held, took.previous) == (True, "A")


def test_a_jump_back_while_the_holder_lives_changes_nothing(path, clocks):
    a, b = lease(path, clocks, "A"), lease(path, clocks, "B")
    a.acquire()
    b.acquire()
    clocks.wall -= dt.timedelta(hours=1)
    for _ in range(6):  # two TTLs of renewals: the beat changes, B never takes it
        clocks.advance(RENEW_EVERY.total_seconds())
        assert a.acquire().held
        assert not b.acquire().held


async def test_the_waiting_keeper_takes_over_within_the_ttl_of_the_holders_death(
    path, clocks, caplog
):
    caplog.set_level(logging.INFO, logger="bot.lease")
    holder = LeaseKeeper(lease(path, clocks, "A"), sleep=clocks.sleep)
    waiter = LeaseKeeper(lease(path, clocks, "B"), sleep=clocks.sleep)
    assert await holder.check()
    # A renews for a while, then dies 5 s after a renewal (the worst case is just after one).
    for _ in range(3):
        clocks.advance(RENEW_EVERY.total_seconds())
        await holder.check()
    clocks.advance(5)
    death = clocks.wall
    # B's own loop, on the fake clock: check, sleep as long as it says, check again...
    checks = []
    while not waiter.held:
        await waiter.check()
        checks.append(clocks.wall)
        if not waiter.held:
            await clocks.sleep(waiter.next_check_in())
    took_after = (clocks.wall - death).total_seconds()
    assert took_after <= LEASE_TTL.total_seconds()
    # It took over as soon as the lease expired, not a renewal period later.
    assert clocks.wall - (death - dt.timedelta(seconds=5)) - LEASE_TTL < dt.timedelta(seconds=0.1)
    assert all(b - a <= RENEW_EVERY for a, b in zip(checks, checks[1:], strict=False))
    assert waiter.takeovers == 1
    assert "took over the background jobs from A" in caplog.text


async def test_the_gate_opens_on_takeover_and_a_stalled_holder_steps_down(path, clocks, caplog):
    a = LeaseKeeper(lease(path, clocks, "A"), sleep=clocks.sleep)
    b = LeaseKeeper(lease(path, clocks, "B"), sleep=clocks.sleep)
    await a.check()
    await b.check()
    waiting = asyncio.create_task(b.wait())
    await asyncio.sleep(0)
    assert not waiting.done()
    clocks.advance(LEASE_TTL.total_seconds())  # A stalls (say, a suspended VM) past its TTL
    assert not a.held  # its own view lapses with its TTL, before it can even check
    await b.check()
    await asyncio.wait_for(waiting, 1)
    assert b.held
    assert not await a.check()  # A wakes up: B holds it now, and A says so
    assert "lost the background lease to B" in caplog.text


async def test_stop_releases_and_the_other_takes_over_at_its_next_check(path, clocks):
    a = LeaseKeeper(lease(path, clocks, "A"), sleep=clocks.sleep)
    b = LeaseKeeper(lease(path, clocks, "B"), sleep=clocks.sleep)
    a.start()
    await asyncio.wait_for(a.wait(), 30)  # its loop's first check took it
    assert a.held
    await a.stop()
    assert not a.held
    assert await b.check()
    assert b.takeovers == 0  # released, not taken over
    await b.stop(release=False)  # as if killed: the row stays until it expires
    assert a.lease.holder() == ("B", clocks.wall + LEASE_TTL)


class ReadOnlyCache(PriceCache):
    """A cache whose writes fail as SQLite's do on a read-only file (root ignores chmod)."""

    read_only = False

    def transaction(self):
        if self.read_only:
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return super().transaction()


async def test_a_keeper_on_an_unwritable_database_never_holds_and_says_why_once(
    tmp_path, clocks, caplog
):
    cache = ReadOnlyCache(tmp_path / "ro.db")
    cache.read_only = True
    unwritable = Lease(cache, owner="A", now=clocks.now, monotonic=clocks.monotonic)
    keeper = LeaseKeeper(unwritable, sleep=clocks.sleep)
    assert not await keeper.check()
    clocks.advance(20)
    assert not await keeper.check()
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.lease"]
    assert warnings == [
        "could not take or renew the background lease: attempt to write a readonly database"
    ]


CHILD = textwrap.dedent(
    """
    import datetime as dt, sys, time
    from analytics.data.cache import PriceCache
    from bot.lease import Lease
    lease = Lease(PriceCache(sys.argv[1]), owner="child", ttl=dt.timedelta(seconds=float(sys.argv[2])))
    state = lease.acquire()
    print("held" if state.held else "not held", flush=True)
    while True:
        time.sleep(0.1)
        lease.acquire()
    """
)


def test_a_holder_killed_with_sigkill_is_taken_over_once_its_lease_expires(path):
    ttl = 1.0
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(ttl)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )
    try:
        assert child.stdout.readline().strip() == "held"
        parent = Lease(PriceCache(path), owner="parent", ttl=dt.timedelta(seconds=ttl))
        assert not parent.acquire().held  # the child renews every 0.1 s
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        killed = time.monotonic()
        while not (state := parent.acquire()).held:
            time.sleep(0.02)
        waited = time.monotonic() - killed
    finally:
        if child.poll() is None:
            child.kill()
    assert state.previous == "child"
    assert waited <= ttl + 0.5  # expired at most one TTL after its last renewal
