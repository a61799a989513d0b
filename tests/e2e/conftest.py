"""Fixtures for end-to-end tests: the real MarketBot on a fake Discord.

`e2e_services`: Services over a fresh SQLite cache and a RecordingProvider at a fixed clock
(`e2e_now`, Monday 2024-07-01 20:00 ET unless a test overrides the fixture). Tests may load data
into `e2e_services.cache` / `.market` before invoking commands.
`market_bot`: a running MarketBot with every cog, yielding the BotHarness (`await h.invoke(...)`).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import pytest_asyncio

from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from bot.services import Services
from bot.settings import Settings
from tests.e2e.fake_discord import GUILD_ID
from tests.e2e.harness import MarketBotFactory, running_bot
from tests.fakes.prices import RecordingProvider


@pytest.fixture
def e2e_now() -> dt.datetime:
    return pd.Timestamp("2024-07-01 20:00", tz="America/New_York").tz_convert("UTC").to_pydatetime()


@pytest.fixture
def e2e_provider() -> RecordingProvider:
    return RecordingProvider()


@pytest.fixture
def e2e_services(tmp_path, e2e_now, e2e_provider):
    settings = Settings(db_path=tmp_path / "e2e.db", guild_id=GUILD_ID)
    cache = PriceCache(settings.db_path)
    market = MarketData(cache, e2e_provider, now=lambda: e2e_now)
    yield Services(settings=settings, cache=cache, market=market)
    cache.close()


@pytest.fixture
def bot_factory(e2e_services):
    """A zero-argument callable building MarketBot the way the entry point does, for the harness."""
    return MarketBotFactory(e2e_services)


@pytest_asyncio.fixture
async def market_bot(bot_factory):
    try:
        async with running_bot(bot_factory) as harness:
            yield harness
    finally:
        await bot_factory.close()
