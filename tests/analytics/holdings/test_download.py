"""Downloading holdings from iShares (analytics/holdings/download.py) against a local fake."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import aiohttp
import pytest

from analytics.errors import BadInput, RateLimited, UpstreamError
from analytics.holdings import (
    fetch_holdings,
)
from tests.analytics.holdings.files import (
    IVV_2023,
    IWM_2025,
    IWM_2026,
    holdings_path,
    read_with_csv,
)
from tests.fakes.ishares import FakeIShares, closed_port_url, error_reply, file_reply, html_reply

# ---------------------------------------------------------------- download (local fake server)


async def test_download_from_ajax_url(shared_data: Path) -> None:
    path = holdings_path(shared_data, IWM_2026)
    async with FakeIShares(ajax=file_reply(path)) as fake, aiohttp.ClientSession() as session:
        holdings = await fetch_holdings(session, "IWM", base_url=fake.base_url)
    assert holdings.fund == "IWM"
    assert holdings.as_of == dt.date(2026, 5, 5)
    assert len(holdings.frame) == len(read_with_csv(path, "Quantity"))
    [seen] = fake.requests
    assert seen.path == "/us/products/239710/ishares-russell-2000-etf/1467271812596.ajax"
    assert seen.query == {"fileType": "csv", "fileName": "IWM_holdings", "dataType": "fund"}
    assert seen.user_agent.startswith("Mozilla/5.0")


async def test_download_falls_back_to_latest_holdings_after_a_web_page(shared_data: Path) -> None:
    path = holdings_path(shared_data, IVV_2023)
    async with (
        FakeIShares(ajax=html_reply(), latest=file_reply(path)) as fake,
        aiohttp.ClientSession() as session,
    ):
        holdings = await fetch_holdings(session, "ivv", base_url=fake.base_url)
    assert holdings.fund == "IVV"
    assert holdings.frame.loc["AAPL", "quantity"] == 132_089_986
    assert [r.path.rsplit("/", 1)[1] for r in fake.requests] == [
        "1467271812596.ajax",
        "latest-holdings.csv",
    ]
    assert fake.requests[1].user_agent.startswith("Mozilla/5.0")


async def test_download_falls_back_after_a_500(shared_data: Path) -> None:
    path = holdings_path(shared_data, IWM_2025)
    async with (
        FakeIShares(ajax=error_reply(500), latest=file_reply(path)) as fake,
        aiohttp.ClientSession() as session,
    ):
        holdings = await fetch_holdings(session, "IWM", base_url=fake.base_url)
    assert holdings.as_of == dt.date(2025, 11, 5)


async def test_download_of_web_pages_only_is_upstream_error() -> None:
    async with (
        FakeIShares(ajax=html_reply(), latest=html_reply()) as fake,
        aiohttp.ClientSession() as session,
    ):
        with pytest.raises(UpstreamError) as caught:
            await fetch_holdings(session, "IWM", base_url=fake.base_url)
    assert "a web page instead of the file" in caught.value.message
    assert "marketbot import holdings IWM FILE" in caught.value.message
    assert len(fake.requests) == 2


async def test_download_500s_are_upstream_error() -> None:
    async with (
        FakeIShares(ajax=error_reply(500), latest=error_reply(503)) as fake,
        aiohttp.ClientSession() as session,
    ):
        with pytest.raises(UpstreamError, match=r"HTTP 500, HTTP 503"):
            await fetch_holdings(session, "IWM", base_url=fake.base_url)


async def test_download_rate_limited() -> None:
    async with (
        FakeIShares(ajax=error_reply(429), latest=error_reply(429)) as fake,
        aiohttp.ClientSession() as session,
    ):
        with pytest.raises(RateLimited, match="too many requests"):
            await fetch_holdings(session, "IWM", base_url=fake.base_url)


async def test_download_unreachable_is_upstream_error() -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(UpstreamError, match="unreachable"):
            await fetch_holdings(session, "IWM", base_url=closed_port_url())


async def test_download_of_unknown_fund_is_bad_input_without_a_request() -> None:
    async with FakeIShares() as fake, aiohttp.ClientSession() as session:
        with pytest.raises(BadInput, match="Known funds"):
            await fetch_holdings(session, "QQQ", base_url=fake.base_url)
    assert fake.requests == []
