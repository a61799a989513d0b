"""Asking /macro the way both front ends do: the spec's parse, then its answer on a data facade
whose FRED source Settings point at a fake (or offline)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp

from analytics.answer import Answer
from analytics.commands.macro import MACRO
from analytics.data.cache import PriceCache
from analytics.data.http import HttpBridge
from analytics.data.market import MarketData
from analytics.spec import NoProgress, ParseContext
from bot.services import attach_fred
from bot.settings import load_settings
from tests.fakes.fred import FakeFred, settings_env
from tests.fakes.prices import RecordingProvider

Clock = Callable[[], dt.datetime]


def offline_facade(cache: PriceCache, now: Clock) -> MarketData:
    """The facade as `marketbot --offline` builds it: the store only."""
    market = MarketData(cache, None, offline=True, now=now)
    return attach_fred(market, load_settings({"MARKETBOT_OFFLINE": "1"}))


@contextlib.asynccontextmanager
async def online_facade(
    cache: PriceCache, fake: FakeFred, now: Clock, *, api_key: str | None = None
) -> AsyncIterator[MarketData]:
    """A facade online against `fake` (Settings from the environment the fake gives), its
    downloads running on this test's event loop through an HttpBridge, as in the bot."""
    env = settings_env(fake) | ({"FRED_API_KEY": api_key} if api_key else {})
    market = attach_fred(MarketData(cache, RecordingProvider(), now=now), load_settings(env))
    async with aiohttp.ClientSession() as session:
        market.attach_http(HttpBridge(session, asyncio.get_running_loop()))
        yield market


def ask(data: MarketData, series: str, **options: Any) -> Answer:
    """`/macro series ...options`: parse (as of the facade's today), then the answer, blocking."""
    values = {"series": series, **options}
    request = MACRO.parse_values(values, ParseContext(today=data.today()))
    return MACRO.answer_function()(data, request, NoProgress())


async def ask_async(data: MarketData, series: str, **options: Any) -> Answer:
    """`ask` in a worker thread, so its downloads can run on this loop (as the front ends do)."""
    return await asyncio.to_thread(ask, data, series, **options)
