"""Which holdings snapshot weights a window, and when a new one is downloaded: the one rule
contributors and movers share (analytics.holdings.choice), reached through the data facade
(`data.holdings.near`, analytics.holdings.source)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pandas as pd
import pytest

from analytics.commands.contributors import CONTRIBUTORS
from analytics.commands.contributors._answer import contributors_report
from analytics.commands.movers import MOVERS
from analytics.commands.movers._answer import movers_report
from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.errors import NoData, UpstreamError
from analytics.holdings import HoldingsStore, choose_snapshot, parse_ishares_holdings
from analytics.holdings.choice import wants_download
from analytics.spec import ParseContext
from tests.fakes.ishares import FakeIShares, Reply, downloads_from, html_reply, ishares_csv
from tests.fakes.prices import RecordingProvider, bars_for

D = dt.date


def at(text: str) -> dt.datetime:
    return pd.Timestamp(text, tz="America/New_York").tz_convert("UTC").to_pydatetime()


@pytest.fixture
def make_market(tmp_path):
    caches: list[PriceCache] = []

    def make(when: str, provider=None) -> MarketData:
        caches.append(PriceCache(tmp_path / f"c{len(caches)}.db"))
        moment = at(when)
        return MarketData(caches[-1], provider, now=lambda: moment)

    yield make
    for cache in caches:
        cache.close()


IVV = [("AAPL", "APPLE INC", 0.07), ("MSFT", "MICROSOFT CORP", 0.06)]


def save(market: MarketData, as_of: dt.date, fetched: str, fund: str = "IWM", universe=None):
    name = "iShares Core S&P 500 ETF" if fund == "IVV" else "iShares Russell 2000 ETF"
    text = ishares_csv(as_of, universe or IVV, fund_name=name) if fund == "IVV" else None
    text = text or ishares_csv(as_of, **({"universe": universe} if universe else {}))
    HoldingsStore(market.cache.db).save(
        parse_ishares_holdings(text, fund=fund), fetched_at=at(fetched)
    )


# ---------------------------------------------------------------- the choice, pure


def test_the_nearest_snapshot_wins_before_or_after_the_start() -> None:
    dates = [D(2025, 11, 5), D(2026, 5, 5)]
    assert choose_snapshot(dates, D(2025, 9, 30)) == (D(2025, 11, 5), 36)  # after S
    assert choose_snapshot(dates, D(2025, 11, 28)) == (D(2025, 11, 5), 23)  # before S
    assert choose_snapshot(dates, D(2026, 2, 4)) == (D(2026, 5, 5), 90)  # 90 days beat 91
    assert choose_snapshot(dates, D(2025, 11, 5)) == (D(2025, 11, 5), 0)
    assert choose_snapshot([], D(2025, 11, 5)) is None


def test_at_equal_distance_the_snapshot_on_or_before_the_start_wins() -> None:
    assert choose_snapshot([D(2026, 1, 11), D(2026, 1, 1)], D(2026, 1, 6)) == (D(2026, 1, 1), 5)


def test_a_current_file_is_wanted_when_nearer_or_nothing_usable_is_stored() -> None:
    latest = D(2026, 11, 30)
    assert wants_download(None, D(2025, 1, 2), latest)
    assert wants_download((D(2023, 4, 6), 1220), D(2026, 8, 7), latest)  # more than a year
    assert wants_download((D(2026, 5, 5), 200), D(2026, 11, 20), latest)  # 10 days vs 200
    assert not wants_download((D(2025, 11, 5), 23), D(2025, 11, 28), latest)


# ---------------------------------------------------------------- the policy


async def near(market: MarketData, fund: str, start: dt.date):
    """`data.holdings.near` from a worker thread, as answers call it (downloads go through the
    facade's HTTP bridge on this loop)."""
    return await asyncio.to_thread(market.holdings.near, fund, start)


def test_offline_a_snapshot_more_than_a_year_away_is_refused(make_market) -> None:
    market = make_market("2026-08-24 20:00")
    save(market, D(2023, 4, 6), "2023-04-13 12:00", fund="IVV")
    with pytest.raises(NoData) as caught:
        market.holdings.near("IVV", D(2026, 8, 7))
    assert caught.value.message == (
        "The nearest IVV holdings are of 2023-04-06, 1,219 days from the window's start "
        "(2026-08-07): more than a year, too far to carry the weights. To answer, go online to "
        "download the current IVV file, or import one dated near 2026-08-07 (`marketbot import "
        "holdings IVV FILE`, the CSV from https://www.ishares.com/us/products/239726/"
        "ishares-core-sp-500-etf)."
    )


async def test_online_a_current_file_replaces_one_more_than_a_year_away(make_market) -> None:
    market = make_market("2026-08-24 20:00", RecordingProvider())
    save(market, D(2023, 4, 6), "2023-04-13 12:00", fund="IVV")
    body = ishares_csv(D(2026, 8, 21), IVV, fund_name="iShares Core S&P 500 ETF").encode()
    async with (
        FakeIShares(ajax=Reply(200, body, "text/csv")) as fake,
        downloads_from(market, fake),
    ):
        choice = await near(market, "IVV", D(2026, 8, 7))
        again = await near(market, "IVV", D(2026, 8, 7))
    assert len(fake.requests) == 1  # at most once a day
    assert (choice.as_of, choice.distance_days, choice.notes) == (D(2026, 8, 21), 14, ())
    assert again.as_of == D(2026, 8, 21)
    assert HoldingsStore(market.cache.db).as_of_dates("IVV") == [D(2023, 4, 6), D(2026, 8, 21)]


async def test_fetched_today_nothing_is_downloaded_even_when_far(make_market) -> None:
    market = make_market("2026-08-24 20:00", RecordingProvider())
    save(market, D(2023, 4, 6), "2026-08-24 09:00", fund="IVV")  # imported this morning
    async with FakeIShares(ajax=html_reply()) as fake, downloads_from(market, fake):
        with pytest.raises(NoData) as caught:
            await near(market, "IVV", D(2026, 8, 7))
    assert fake.requests == []
    assert "To answer, import IVV holdings dated near 2026-08-07" in caught.value.message


async def test_a_failed_download_with_only_a_far_snapshot_says_why(make_market) -> None:
    market = make_market("2026-08-24 20:00", RecordingProvider())
    save(market, D(2023, 4, 6), "2023-04-13 12:00", fund="IVV")
    async with (
        FakeIShares(ajax=html_reply(), latest=html_reply()) as fake,
        downloads_from(market, fake),
    ):
        with pytest.raises(UpstreamError, match="Could not download IVV holdings from iShares"):
            await near(market, "IVV", D(2026, 8, 7))


def test_a_snapshot_more_than_92_days_away_is_named_in_a_warning(make_market) -> None:
    market = make_market("2026-08-24 20:00")
    save(market, D(2026, 5, 5), "2026-05-06 12:00")
    close = market.holdings.near("IWM", D(2026, 8, 5))  # 92 days: fine
    assert (close.distance_days, close.warnings()) == (92, ())
    far = market.holdings.near("IWM", D(2026, 8, 7))
    assert far.warnings() == (
        "Holdings of 2026-05-05 are 94 days before the window's start (2026-08-07), more than 92 "
        "days: names that joined or left the fund in between are missed, so the weights are "
        "approximate.",
    )
    assert far.sentence() == (
        "Weights at 2026-08-07 from the 2026-05-05 holdings (94 days before the window's start)."
    )


# ---------------------------------------------------------------- movers and contributors agree

NAMES = [("AAA", "ALPHA", 0.5), ("BBB", "BRAVO", 0.3), ("CCC", "CHARLIE", 0.2)]


@pytest.fixture
def two_snapshots(make_market):
    """Offline; IWM snapshots of 2024-03-28 and 2024-06-28; the fake's bars imported to `last`."""

    def build(last: dt.date) -> MarketData:
        market = make_market("2024-07-01 20:00")
        for day in (D(2024, 3, 28), D(2024, 6, 28)):
            save(market, day, "2024-07-01 10:00", universe=NAMES)
        for ticker in ("IWM", "AAA", "BBB", "CCC"):
            market.import_bars(ticker, bars_for(ticker, D(2023, 6, 1), last), "test")
        return market

    return build


async def both(market: MarketData, window: str, as_of: dt.date | None):
    ctx = ParseContext(today=market.today())
    values = {"window": window, "as_of": as_of}
    contributors = contributors_report(
        market, CONTRIBUTORS.parse_values({"fund": "IWM", "top": 3, **values}, ctx)
    )
    movers = movers_report(market, MOVERS.parse_values({"universe": "IWM", **values}, ctx))
    return contributors.answer().to_json(), movers.answer().to_json()


async def test_movers_and_contributors_choose_the_same_snapshot_for_the_same_dates(
    two_snapshots,
) -> None:
    market = two_snapshots(D(2024, 7, 1))
    # 1m to 2024-05-20 starts 2024-04-19: 22 days after the March file, 70 before the June one.
    contributors, movers = await both(market, "1m", D(2024, 5, 20))
    for data in (contributors, movers):
        assert (data["holdings_as_of"], data["weights_at"], data["holdings_distance_days"]) == (
            "2024-03-28",
            "2024-04-19",
            22,
        )
    contributors, movers = await both(market, "1m", None)  # starts 2024-05-31: the June file
    assert contributors["holdings_as_of"] == movers["holdings_as_of"] == "2024-06-28"


async def test_when_the_data_ends_early_both_choose_by_the_start_they_actually_use(
    two_snapshots,
) -> None:
    # The cache ends 2024-04-30: 1m runs 2024-03-28 to 2024-04-30, not May-June as the
    # calendar alone would say, so the March file (0 days away) is the one, for both.
    market = two_snapshots(D(2024, 4, 30))
    contributors, movers = await both(market, "1m", None)
    for data in (contributors, movers):
        assert (data["start"], data["end"]) == ("2024-03-28", "2024-04-30")
        assert (data["holdings_as_of"], data["holdings_distance_days"]) == ("2024-03-28", 0)
        assert data["title"].endswith("(as of 2024-04-30)")
        assert (
            "The data ends 2024-04-30, before 2024-07-01, the session this answer should stand "
            "on: offline mode is on and the cache ends there." in data["warnings"]
        )
