"""Fixtures of the contributors tests: a market at the planted clock, planted holdings and bars."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from tests.analytics.commands.contributors.planted import (
    NOW,
    PLANTED,
    TODAY,
    YEAR_END,
    planted_bars,
    save_holdings,
)
from tests.fakes.prices import RecordingProvider


@pytest.fixture
def provider() -> RecordingProvider:
    return RecordingProvider(unknown={"EEE"})


@pytest.fixture
def make_market(tmp_path):
    """MarketData over a fresh cache at the fixed clock, for a given provider (None = offline)."""
    caches: list[PriceCache] = []

    def make(provider: RecordingProvider | None) -> MarketData:
        caches.append(PriceCache(tmp_path / f"c{len(caches)}.db"))
        return MarketData(caches[-1], provider, now=lambda: NOW)

    yield make
    for cache in caches:
        cache.close()


@pytest.fixture
def market(make_market, provider) -> MarketData:
    return make_market(provider)


@pytest.fixture
def planted(market: MarketData) -> MarketData:
    """Holdings as of 2024-06-28 fetched 'today', and planted bars to today for all but EEE."""
    save_holdings(market)
    for ticker, (before, after) in PLANTED.items():
        market.import_bars(
            ticker, planted_bars(before, after, dt.date(2023, 12, 1), TODAY, YEAR_END), "test"
        )
    return market
