"""aiohttp from worker threads: the data facade's downloads (holdings, FRED) run on the event
loop that owns the session, while the answer that needs them runs in a worker thread.

The bot and the CLI both compute answers in worker threads (pandas, SQLite and matplotlib block);
one `HttpBridge` per process hands a download to the loop and waits for it. Calling it from the
loop's own thread would deadlock, so that raises instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import aiohttp

T = TypeVar("T")


class HttpBridge:
    """Run `factory(session)` on `loop` from any other thread and return its result."""

    def __init__(self, session: aiohttp.ClientSession, loop: asyncio.AbstractEventLoop) -> None:
        self.session = session
        self.loop = loop

    def run(
        self,
        factory: Callable[[aiohttp.ClientSession], Awaitable[T]],
        *,
        timeout: float | None = 120.0,
    ) -> T:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            raise RuntimeError("HttpBridge.run called on its own event loop: use await instead")
        future = asyncio.run_coroutine_threadsafe(_call(factory, self.session), self.loop)
        return future.result(timeout)


async def _call(factory: Callable[[aiohttp.ClientSession], Awaitable[T]], session) -> T:
    return await factory(session)
