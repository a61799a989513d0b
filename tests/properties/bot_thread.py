"""One running MarketBot on the fake Discord for a whole test module, driven from sync tests.

Hypothesis runs examples synchronously, and a bot must keep running between them (its gateway,
its background jobs). So the bot lives on an event loop in a thread of its own, inside the e2e
harness's `running_bot` (whose exit runs the leak checks: HTTP session closed, keep-alive thread
ended, no task left, nothing unexpected asked of the fake, no ERROR log), with the planted world
as its cache, prices from a RecordingProvider, FRED and iShares faked on 127.0.0.1.
`BotThread.invoke(name, options, user_id=...)` runs one slash command and returns the Reply.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from concurrent.futures import Future
from typing import Any

import aiohttp

from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from bot.services import Services, attach_fred, attach_holdings
from bot.settings import Settings
from tests.e2e.fake_discord import GUILD_ID
from tests.e2e.harness import BotHarness, Reply, running_bot
from tests.fakes.fred import FakeFred
from tests.fakes.ishares import FakeIShares
from tests.fakes.prices import RecordingProvider
from tests.properties.world import FRED_SERIES, World, planted_fred

START_TIMEOUT = 120.0  # a first start imports the cogs and the calendar on a loaded machine


def fred_csv(series_id: str, last: dt.date) -> str:
    """The planted series as FRED's fredgraph CSV, so a refresh finds what is cached."""
    readings = planted_fred(series_id, last)
    rows = [f"{d.date().isoformat()},{v}" for d, v in readings.items()]
    return "\n".join([f"observation_date,{series_id}", *rows]) + "\n"


class BotThread:
    """The bot, its fakes and their event loop; `start()` once, `stop()` once (which raises
    what the harness's exit checks found)."""

    def __init__(self, world: World, now: dt.datetime) -> None:
        self.world = world
        self.now = now
        self.provider = RecordingProvider()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="props-bot", daemon=True)
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._main: Future[None] | None = None
        self.harness: BotHarness | None = None
        self.services: Services | None = None

    def start(self) -> BotThread:
        self._thread.start()
        self._main = asyncio.run_coroutine_threadsafe(self._run(), self.loop)
        if not self._ready.wait(START_TIMEOUT):
            self._main.cancel()
            raise TimeoutError("the property-test bot did not start")
        if self._main.done():  # it failed while starting
            self._main.result()
        return self

    def invoke(self, name: str, options: dict[str, Any], **interaction: Any) -> Reply:
        assert self.harness is not None
        call = self.harness.invoke_with(name, options, **interaction)
        return asyncio.run_coroutine_threadsafe(call, self.loop).result(self.harness.timeout * 3)

    def autocomplete(self, name: str, option: str, typed: str, **interaction: Any) -> list:
        """The choices offered while `typed` is in `option` (every other option left empty)."""
        assert self.harness is not None
        fake = self.harness.fake

        async def ask() -> list:
            handle = await fake.send_interaction(
                name, {option: typed}, type=4, focused=option, **interaction
            )
            response = await handle.response(self.harness.timeout)
            assert response.type == 8, f"autocomplete answered with callback type {response.type}"
            return response.choices

        return asyncio.run_coroutine_threadsafe(ask(), self.loop).result(self.harness.timeout * 3)

    def error_count(self) -> int:
        return len(self.harness.log_records) if self.harness else 0

    def stop(self) -> None:
        try:
            if self._stop is not None:
                self.loop.call_soon_threadsafe(self._stop.set)
            if self._main is not None:
                self._main.result(START_TIMEOUT)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(30)
            self.loop.close()

    async def _run(self) -> None:
        self._stop = asyncio.Event()
        texts = {s: fred_csv(s, self.world.last) for s in FRED_SERIES}
        session = aiohttp.ClientSession()
        try:
            async with FakeFred(texts) as fred, FakeIShares() as ishares:
                settings = Settings(
                    db_path=self.world.db,
                    guild_id=GUILD_ID,
                    fred_url=fred.base_url,
                    fred_api_url=fred.base_url,
                    ishares_url=ishares.base_url,
                )
                cache = PriceCache(settings.db_path)
                try:
                    market = MarketData(cache, self.provider, now=lambda: self.now)
                    attach_fred(market, settings)
                    attach_holdings(market, settings)
                    self.services = Services(settings=settings, cache=cache, market=market)
                    await self._serve(session)
                finally:
                    cache.close()
        finally:
            self._ready.set()
            await session.close()

    async def _serve(self, session: aiohttp.ClientSession) -> None:
        from bot.app import MarketBot

        def build() -> MarketBot:
            return MarketBot(
                services=self.services,
                http_session=session,
                guild_id=GUILD_ID,
                guild_ready_timeout=0.01,
                chunk_guilds_at_startup=False,
            )

        async with running_bot(build) as harness:
            self.harness = harness
            self._ready.set()
            assert self._stop is not None
            await self._stop.wait()
