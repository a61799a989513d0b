"""One background-loop mechanism for the jobs that run on the market's calendar (the price
refresh, the daily post; later alert evaluation).

A `DailyLoop` subclass implements `step()`: do whatever is due now and return when the next
step is due. The loop owns the rest, the same way for every job:

- `start()` runs it as a task, `stop()` cancels it and waits for it to end, `run(until=...)`
  drives it directly (tests run it through days on a fake clock);
- it awaits `ready()` once (the bot's gateway) and sleeps `startup_delay` before the first step;
- before each step it waits for `gate` (the background lease, bot/lease.py): only the process
  holding it runs background jobs; the others wait and take over when it dies;
- between steps it sleeps until the next due time, capped at `max_sleep` so a suspended
  machine or a changed clock is noticed, or until `wake()`;
- a step that raises is logged with its traceback and retried after `retry_interval`: the loop
  outlives any bug in one step.

The clock `now()` and `sleep(seconds)` are injected.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger(__name__)

MAX_SLEEP = dt.timedelta(minutes=15)


class Gate(Protocol):
    """Whether this process may run background jobs now (the lease keeper is one)."""

    @property
    def held(self) -> bool: ...

    async def wait(self) -> None:
        """Return once `held` (at once when it already is)."""


class DailyLoop:
    """The shared life of a background job; subclasses implement `step()`."""

    name = "daily-loop"

    def __init__(
        self,
        *,
        now: Callable[[], dt.datetime],
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        ready: Callable[[], Awaitable[object]] | None = None,
        gate: Gate | None = None,
        startup_delay: float = 0.0,
        max_sleep: dt.timedelta = MAX_SLEEP,
        retry_interval: dt.timedelta,
    ) -> None:
        self._now = now
        self._sleep = sleep
        self._ready = ready
        self._gate = gate
        self.startup_delay = startup_delay
        self.max_sleep = max_sleep
        self.retry_interval = retry_interval
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.idle = asyncio.Event()
        """Set while the loop sleeps between steps (tests wait on it after a wake)."""

    # -- what a job implements ----------------------------------------------------------------
    async def step(self) -> dt.datetime:
        """Do what is due at `self._now()`; return when the next step is due (aware)."""
        raise NotImplementedError

    def _stopping(self) -> None:
        """Called when `stop()` begins, before the task is cancelled (a job may tell its
        worker threads to finish)."""

    # -- life ----------------------------------------------------------------------------------
    @property
    def may_run(self) -> bool:
        """True when no gate is set or this process holds it."""
        return self._gate is None or self._gate.held

    def start(self) -> asyncio.Task[None]:
        """Run the loop as a task (its first step at once, once ready: catch up after a restart)."""
        if self._task is None or self._task.done():
            self.idle.clear()
            self._task = asyncio.create_task(self.run(), name=self.name)
        return self._task

    async def stop(self) -> None:
        """Cancel the loop and wait for it to end."""
        self._stopping()
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    def wake(self) -> None:
        """Step now rather than at the next due time (e.g. subscriptions changed)."""
        self.idle.clear()
        self._wake.set()

    async def run(self, *, until: dt.datetime | None = None) -> None:
        """Step, sleep until the next due time, repeat (until the clock passes `until`)."""
        if self._ready is not None:
            await self._ready()
        if self.startup_delay:
            await self._sleep(self.startup_delay)
        while until is None or self._now() < until:
            if self._gate is not None and not self._gate.held:
                self.idle.set()  # nothing to do here until the lease is ours
                await self._gate.wait()
            self.idle.clear()
            self._wake.clear()
            try:
                next_at = await self.step()
            except asyncio.CancelledError:
                raise
            except Exception:  # the loop must outlive any bug in one step
                log.exception("%s: step failed", self.name)
                next_at = self._now() + self.retry_interval
            now = self._now()
            delay = min(next_at - now, self.max_sleep).total_seconds()
            if delay <= 0:
                await asyncio.sleep(0)  # due again at once: let other tasks run first
                continue
            if not self._wake.is_set():  # woken mid-step: not idle until the next step ran
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
