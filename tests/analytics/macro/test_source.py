"""FRED behind the data facade (analytics/macro/source.py): `data.fred` downloads only when its
facade is online with an HttpBridge, a cache-only view never downloads, a facade without a
source attached never reaches FRED by accident, and each download is named as a progress phase."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.errors import NoData
from analytics.macro.source import FRED_API_BASE_URL, FRED_BASE_URL, FredConfig, fred_of
from bot.services import open_services
from bot.settings import load_settings
from tests.analytics.commands.macro.asking import ask_async, online_facade
from tests.fakes.fred import API_KEY, FakeFred
from tests.fakes.prices import RecordingProvider

NOON = dt.datetime(2026, 1, 2, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def cache(tmp_path):
    with PriceCache(tmp_path / "c.db") as opened:
        yield opened


@pytest.fixture
def unrate_text(shared_data: Path) -> str:
    return (shared_data / "fred" / "codex_macro_monitor" / "UNRATE.csv").read_text()


class Phases:
    """A Progress that records its phases."""

    def __init__(self) -> None:
        self.labels: list[str] = []

    def __call__(self, done: int, total: int) -> None:
        return None

    def phase(self, label: str) -> None:
        self.labels.append(label)


async def test_an_online_facade_downloads_and_names_the_download(cache, unrate_text) -> None:
    import asyncio

    async with (
        FakeFred({"UNRATE": unrate_text}) as fake,
        online_facade(cache, fake, lambda: NOON) as data,
    ):
        assert data.fred.online
        phases = Phases()
        loaded = await asyncio.to_thread(data.fred.series, "UNRATE", phases)
    assert phases.labels == ["Fetching UNRATE from FRED"]
    assert loaded.record.source == "FRED" and fake.requests == [
        ("/graph/fredgraph.csv", {"id": "UNRATE"})
    ]
    lines = [line for line in unrate_text.splitlines()[1:] if line.split(",")[1].strip()]
    assert len(loaded.observations) == len(lines)


async def test_a_cache_only_view_never_downloads(cache, unrate_text) -> None:
    async with (
        FakeFred({"UNRATE": unrate_text}) as fake,
        online_facade(cache, fake, lambda: NOON) as data,
    ):
        view = data.cache_only()
        assert not fred_of(view).online and fred_of(data).online
        bound = fred_of(view)
        assert bound.market is view and bound.bound_to(view) is bound
        assert bound.config == data.fred.config
        with pytest.raises(NoData, match="Nothing is cached for UNRATE and offline mode is on"):
            await ask_async(view, "unrate")
    assert fake.requests == []


async def test_a_facade_without_a_fred_source_never_reaches_fred(cache, unrate_text) -> None:
    async with (
        FakeFred({"UNRATE": unrate_text}) as fake,
        online_facade(cache, fake, lambda: NOON) as data,
    ):
        data.fred = None  # a facade built by hand, as scripts and some tests do
        with pytest.raises(NoData, match="Nothing is cached for UNRATE and FRED is not connected"):
            await ask_async(data, "unrate")
    assert fake.requests == []


def test_a_facade_without_a_bridge_reads_the_store_only(cache) -> None:
    market = MarketData(cache, RecordingProvider(), now=lambda: NOON)
    market.fred = fred_of(market)
    assert not market.fred.online
    assert market.fred.why_not_online == "FRED is not connected here"


def test_open_services_attaches_fred_from_settings(tmp_path) -> None:
    settings = load_settings(
        {
            "MARKETBOT_DB": str(tmp_path / "s.db"),
            "MARKETBOT_FRED_URL": "http://127.0.0.1:9/fred/",
            "MARKETBOT_FRED_API_URL": "http://127.0.0.1:9/api",
            "FRED_API_KEY": API_KEY,
            "MARKETBOT_OFFLINE": "1",
        }
    )
    with open_services(settings) as services:
        source = services.market.fred
        assert source.market is services.market
        assert source.config == FredConfig(
            base_url="http://127.0.0.1:9/fred",
            api_base_url="http://127.0.0.1:9/api",
            api_key=API_KEY,
        )
        assert not source.online  # offline mode
    assert API_KEY not in repr(source) and "api_key=set" in repr(source)


def test_the_default_endpoints_are_freds() -> None:
    assert FredConfig() == FredConfig(FRED_BASE_URL, FRED_API_BASE_URL, None)
    assert (FRED_BASE_URL, FRED_API_BASE_URL) == (
        "https://fred.stlouisfed.org",
        "https://api.stlouisfed.org",
    )
