"""Building the shared services (cache, provider, MarketData and its sources) from Settings,
for the CLI and the bot."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from bot.settings import Settings


@dataclass
class Services:
    """What every command needs; created once in the entry point and passed in."""

    settings: Settings
    cache: PriceCache
    market: MarketData

    @asynccontextmanager
    async def http_session(self) -> AsyncIterator[object | None]:
        """An aiohttp session for this run's downloads (holdings, FRED), attached to the data
        facade for worker threads; none in offline mode. The bot attaches its own shared one."""
        if self.settings.offline or self.market.http is not None:
            yield None
            return
        import aiohttp

        from analytics.data.http import HttpBridge

        async with aiohttp.ClientSession() as session:
            self.market.attach_http(HttpBridge(session, asyncio.get_running_loop()))
            try:
                yield session
            finally:
                self.market.attach_http(None)


def make_provider(settings: Settings):
    """The Yahoo provider, or None in offline mode (imported lazily: yfinance is heavy)."""
    if settings.offline:
        return None
    from analytics.data.yahoo import YahooProvider

    return YahooProvider(cache_dir=Path(settings.db_path).parent / "yfinance")


def attach_fred(market: MarketData, settings: Settings) -> MarketData:
    """Give the facade its FRED source (`market.fred`), asking FRED where Settings say with
    Settings' key. It downloads only while the facade is online and has an HttpBridge."""
    from analytics.macro.source import FredConfig, FredSource

    config = FredConfig(
        base_url=settings.fred_url,
        api_base_url=settings.fred_api_url,
        api_key=settings.fred_api_key,
    )
    market.fred = FredSource(market, config)
    return market


@contextmanager
def open_services(settings: Settings, provider=None) -> Iterator[Services]:
    """Open the cache and the data facade with its sources; close the cache on exit."""
    cache = PriceCache(settings.db_path)
    try:
        market = MarketData(
            cache,
            provider if provider is not None else make_provider(settings),
            offline=settings.offline,
        )
        attach_fred(market, settings)
        yield Services(settings=settings, cache=cache, market=market)
    finally:
        cache.close()
