"""Macro alerts on FRED's real GDPNow and real GDP growth files: the series refreshed through
/macro's loading from a fake FRED serving those files, an id FRED does not know refused with
FRED's message, and the conditions against independent pandas computations over the files."""

from __future__ import annotations

import asyncio
import datetime as dt

import aiohttp
import pandas as pd
import pytest

from analytics.alerts.commands import create_alert, parse_add
from analytics.alerts.evaluation import fired
from analytics.alerts.fred import refresh_series
from analytics.alerts.kinds import KINDS
from analytics.alerts.kinds.commands import command_answer
from analytics.alerts.records import Alert
from analytics.alerts.store import AlertStore
from analytics.data.cache import PriceCache
from analytics.data.http import HttpBridge
from analytics.data.market import MarketData
from analytics.errors import BadInput
from analytics.macro.series import PANDEMIC_SWINGS
from analytics.macro.source import FredConfig, FredSource
from analytics.macro.store import FredStore
from analytics.spec import ParseContext
from tests.fakes.fred import FakeFred
from tests.fakes.prices import RecordingProvider

NOW = dt.datetime(2025, 6, 2, 22, 0, tzinfo=dt.UTC)
USER = 1_100_000_000_000_000_003


def read(path) -> pd.Series:
    frame = pd.read_csv(path, parse_dates=["observation_date"]).set_index("observation_date")
    return frame.iloc[:, 0].dropna().astype(float)


@pytest.fixture
def fred_files(shared_data):
    folder = shared_data / "fred"
    return (
        {
            "GDPNOW": (folder / "GDPNOW.csv").read_text(),
            "A191RL1Q225SBEA": (folder / "A191RL1Q225SBEA.csv").read_text(),
        },
        read(folder / "GDPNOW.csv"),
        read(folder / "A191RL1Q225SBEA.csv"),
    )


@pytest.fixture
def market(tmp_path):
    """An online facade (a price provider that is never asked here) whose FRED is the fake's
    once a test points it there."""
    cache = PriceCache(tmp_path / "macro.db")
    yield MarketData(cache, RecordingProvider(), now=lambda: NOW)
    cache.close()


def request(**values):
    return parse_add(values, ParseContext(today=NOW.date(), offline=False))


async def test_a_macro_alert_refreshes_its_series_from_fred_and_stores_its_baseline(
    fred_files, market
):
    texts, gdpnow, gdp = fred_files
    async with FakeFred(texts) as fake, aiohttp.ClientSession() as session:
        market.attach_http(HttpBridge(session, asyncio.get_running_loop()))
        market.fred = FredSource(
            market, FredConfig(base_url=fake.base_url, api_base_url=fake.base_url)
        )
        store = AlertStore(market.cache)
        created = await asyncio.to_thread(
            create_alert,
            market,
            store,
            request(kind="macro", series="gdpnow", years=5),
            owner_id=USER,
            created_by=USER,
            guild_id=None,
            channel_id=None,
            now=NOW,
        )
        # The history GDPNow is compared with (real GDP growth) is fetched too.
        assert sorted(q["id"] for _, q in fake.requests) == ["A191RL1Q225SBEA", "GDPNOW"]
        with pytest.raises(BadInput) as refused:
            await asyncio.to_thread(
                create_alert,
                market,
                store,
                request(kind="macro", series="NOSUCHID", value=1),
                owner_id=USER,
                created_by=USER,
                guild_id=None,
                channel_id=None,
                now=NOW,
            )
        market.attach_http(None)
    assert refused.value.message.startswith("FRED has no series 'NOSUCHID'.")
    stored = FredStore(market.cache.db).observations("GDPNOW")
    assert stored.equals(gdpnow.rename_axis("date").rename("GDPNOW"))
    assert created.alert.baseline_on == gdpnow.index[-1].date()
    assert [a.id for a in store.all()] == [created.alert.id]  # the refused one is not stored


def test_offline_or_unconnected_nothing_is_fetched(market):
    market.fred = FredSource(market, FredConfig(base_url="http://127.0.0.1:9"))
    assert refresh_series(market, ["GDPNOW"]) == {}  # no connection open: the store only
    assert refresh_series(market.cache_only(), ["GDPNOW"]) == {}


def _store(market, gdpnow, gdp) -> None:
    fred = FredStore(market.cache.db, cache=market.cache)
    fred.upsert("GDPNOW", gdpnow, source="FRED", fetched_at=NOW)
    fred.upsert("A191RL1Q225SBEA", gdp, source="FRED", fetched_at=NOW)


def test_a_value_alert_crosses_on_the_readings_that_go_above(fred_files, market):
    _, gdpnow, gdp = fred_files
    _store(market, gdpnow, gdp)
    params = KINDS["macro"].parse({"series": "gdpnow", "value": 3.0})
    kind = KINDS["macro"]
    crossed = [
        day.date() for day in gdpnow.index[1:] if kind.evaluate(market, params, day.date()).crossed
    ]
    above = gdpnow > 3.0
    want = [d.date() for d in gdpnow.index[1:] if above[d] and not above.shift(1)[d]]
    assert len(want) >= 3
    assert crossed == want


@pytest.mark.parametrize("years", [2, 5, 10])
def test_a_years_alert_matches_the_last_time_gdp_grew_as_fast(fred_files, market, years):
    _, gdpnow, gdp = fred_files
    _store(market, gdpnow, gdp)
    params = KINDS["macro"].parse({"series": "gdpnow", "years": years})
    kind = KINDS["macro"]
    (start, end) = PANDEMIC_SWINGS[0]
    history = gdp[(gdp.index < pd.Timestamp(start)) | (gdp.index > pd.Timestamp(end))]

    def highest(day: pd.Timestamp, value: float) -> bool:
        earlier = history[history.index < day]
        horizon = day - pd.DateOffset(years=years)
        as_fast = earlier[earlier >= value]
        return earlier.index[0] <= horizon and (as_fast.empty or as_fast.index[-1] < horizon)

    holds = [highest(day, value) for day, value in gdpnow.items()]
    got = [kind.evaluate(market, params, day.date()).holds for day in gdpnow.index]
    assert got == holds
    assert any(holds) and not all(holds)


def test_a_fired_macro_alert_shows_the_macro_answer_on_its_reading(fred_files, market):
    _, gdpnow, gdp = fred_files
    _store(market, gdpnow, gdp)
    data = market.cache_only()
    alert = Alert(
        id=5,
        kind="macro",
        params=KINDS["macro"].parse({"series": "gdpnow", "years": 5}),
        owner_id=USER,
        created_by=USER,
        guild_id=None,
        channel_id=None,
        created_at=NOW,
        baseline_on=None,
        baseline_holds=None,
    )
    day = next(
        d.date()
        for d in gdpnow.index
        if KINDS["macro"].evaluate(data, alert.params, d.date()).crossed
    )
    shown = fired(data, alert, KINDS["macro"].evaluate(data, alert.params, day))
    expected = command_answer(
        "macro", {"series": "GDPNOW", "direction": "high", "as_of": str(day)}, data
    )
    assert (shown.answer.title, shown.answer.summary) == (expected.title, expected.summary)
    assert shown.answer.chart is not None and shown.answer.png.startswith(b"\x89PNG")
    assert shown.reproduce.cli == f"marketbot macro GDPNOW --as-of {day} --direction high"
    assert shown.reproduce.slash == f"/macro series:GDPNOW as_of:{day} direction:high"
