"""Holdings behind the data facade (analytics/holdings/source.py): a view downloads only when it
is online with an HTTP bridge, so a `cache_only()` view never does; a download that outlives the
bridge's wait is an outage with a plain message."""

from __future__ import annotations

import asyncio
import datetime as dt

import pandas as pd
import pytest

from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.errors import NoData, UpstreamError
from analytics.holdings import HoldingsStore, parse_ishares_holdings
from tests.fakes.ishares import FakeIShares, Reply, downloads_from, ishares_csv
from tests.fakes.prices import RecordingProvider

NOW = pd.Timestamp("2024-07-01 20:00", tz="America/New_York").tz_convert("UTC").to_pydatetime()


@pytest.fixture
def market(tmp_path):
    cache = PriceCache(tmp_path / "c.db")
    yield MarketData(cache, RecordingProvider(), now=lambda: NOW)
    cache.close()


async def test_only_an_online_view_with_a_bridge_downloads(market) -> None:
    body = ishares_csv(dt.date(2024, 6, 28)).encode()
    assert not market.holdings.can_download  # online, but no bridge attached
    async with FakeIShares(ajax=Reply(200, body, "text/csv")) as fake, downloads_from(market, fake):
        assert market.holdings.can_download
        view = market.cache_only()
        assert not view.holdings.can_download
        with pytest.raises(NoData, match="No IWM holdings are stored and offline mode is on"):
            await asyncio.to_thread(view.holdings.near, "IWM", dt.date(2024, 6, 28))
        assert fake.requests == []
        choice = await asyncio.to_thread(market.holdings.near, "IWM", dt.date(2024, 6, 28))
        assert len(fake.requests) == 1
    assert (choice.as_of, choice.distance_days) == (dt.date(2024, 6, 28), 0)
    assert market.holdings.latest("IWM").as_of == dt.date(2024, 6, 28)


class StuckBridge:
    """An HTTP bridge whose download never comes back in time."""

    def run(self, factory, *, timeout=None):
        raise TimeoutError


def test_a_download_that_times_out_is_an_outage_saying_what_to_do(market) -> None:
    market.attach_http(StuckBridge())
    with pytest.raises(UpstreamError) as caught:
        market.holdings.ensure("IJR")
    assert caught.value.message.startswith(
        "Could not download IJR holdings from iShares (timed out). Try again later, or download "
        "the CSV from https://www.ishares.com/us/products/239774/ishares-core-sp-smallcap-etf"
    )


def test_with_stored_holdings_a_timed_out_download_falls_back_with_a_warning(market) -> None:
    holdings = parse_ishares_holdings(ishares_csv(dt.date(2024, 6, 20)), fund="IWM")
    HoldingsStore(market.cache.db).save(holdings, fetched_at=NOW - dt.timedelta(days=1))
    market.attach_http(StuckBridge())
    choice = market.holdings.near("IWM", dt.date(2024, 6, 28))  # a current file would be nearer
    assert choice.as_of == dt.date(2024, 6, 20)
    assert choice.notes == (
        "Could not download IWM holdings from iShares (timed out); using the stored holdings of "
        "2024-06-20.",
    )
