"""A 200 that is not a well-formed chart is an upstream error, never "no data in this range".

yfinance turns each of these bodies into an empty frame; taken as "no sessions", the range
was marked as checked and never asked again, and `streak GARB SPY` answered as of the day
before the hole without a warning. Each malformed body is served by the fake Yahoo, then
the fake heals and the next command must be complete.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.data.provider import BAR_COLUMNS
from analytics.data.yahoo import YahooProvider
from analytics.data.yahoo_chart import BARS, EMPTY, MALFORMED, chart_shape
from tests.analytics.commands.streaks.ask import streak
from tests.fakes.yahoo import (
    MALFORMED_KINDS,
    FakeYahoo,
    chart_body,
    load_recorded_chart,
    malformed_chart,
    slice_chart,
    synthetic_bars,
)

D = dt.date
FIXTURES = "yahoo_fixtures/gadicc_node-yahoo-finance2"
FULL = synthetic_bars(D(2024, 1, 2), D(2024, 6, 28), seed=11)


def evening(day: str) -> dt.datetime:
    return pd.Timestamp(f"{day} 20:00", tz="America/New_York").tz_convert("UTC").to_pydatetime()


# -- the shape check on its own -----------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["chart-AAPL-2020-08-31-to-2020-11-07.body.json", "chart-QQQ-2020-01-01-to-2020-01-03.json"],
)
def test_recorded_charts_with_bars_are_well_formed(shared_data, name):
    body = load_recorded_chart(shared_data / FIXTURES / name)
    shape = chart_shape(json.dumps(body))
    assert shape.kind == BARS
    assert shape.rows == len(body["chart"]["result"][0]["timestamp"])


def test_yahoos_recorded_no_data_answer_is_the_one_empty_shape(shared_data):
    name = "chart-AAPL-2025-02-01-to-2025-02-02-includePrePost-false-interval-1m.body.json"
    body = load_recorded_chart(shared_data / FIXTURES / name)
    assert "timestamp" not in body["chart"]["result"][0]  # a weekend: Yahoo sent no sessions
    assert chart_shape(json.dumps(body)) == chart_shape(json.dumps(body)).__class__(EMPTY)


def test_the_fakes_empty_range_is_the_same_empty_shape():
    sliced = slice_chart(chart_body("SPY", FULL), {"period1": "0", "period2": "1"})
    assert chart_shape(json.dumps(sliced)).kind == EMPTY


@pytest.mark.parametrize("kind", MALFORMED_KINDS)
def test_each_malformed_body_is_malformed_with_a_reason(kind):
    good = slice_chart(chart_body("SPY", FULL), {})
    shape = chart_shape(malformed_chart(kind, good).decode("utf-8", "replace"))
    assert shape.kind == MALFORMED
    assert shape.problem


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("null", "no chart object"),
        ('{"chart": {"result": [{}, {}], "error": null}}', "result holds 2 items, not one chart"),
        (
            '{"chart": {"result": [{"meta": {}, "timestamp": [2, 1], "indicators": {"quote": [{}]}}]}}',
            "timestamps out of order",
        ),
        (
            '{"chart": {"result": [{"meta": {}, "timestamp": ["a"], "indicators": {"quote": [{}]}}]}}',
            "timestamp is not a list of numbers",
        ),
    ],
)
def test_other_broken_shapes(body, problem):
    assert chart_shape(body) == chart_shape(body).__class__(MALFORMED, problem=problem)


# -- the provider and the cache against the fake Yahoo ------------------------------------------


@pytest.fixture
def fake():
    with FakeYahoo() as server:
        server.add_symbol("GARB", FULL)
        server.add_symbol("SPY", synthetic_bars(D(2024, 1, 2), D(2024, 6, 28), seed=12))
        yield server


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.value = now

    def __call__(self) -> dt.datetime:
        return self.value


@pytest.mark.parametrize("kind", MALFORMED_KINDS)
def test_a_malformed_chart_fails_the_symbol_and_marks_nothing(fake, tmp_path, yf_cache_dir, kind):
    clock = Clock(evening("2024-06-28"))
    provider = YahooProvider(fake.session, cache_dir=yf_cache_dir, wall_clock=clock)
    fake.serve_malformed(kind, ["GARB"])
    with PriceCache(tmp_path / "c.db") as cache:
        market = MarketData(cache, provider, now=clock)
        result = market.bars(["GARB", "SPY"], D(2024, 6, 3), D(2024, 6, 28))
        assert result.missing == ("GARB",)
        assert result.warnings == (
            "Yahoo Finance is sending malformed data; showing cached data as of 2024-06-28.",
        )
        assert sorted(cache.coverage(["GARB", "SPY"])) == ["SPY"]
        assert cache.unknown_since(["GARB"], clock.value - dt.timedelta(days=1)) == set()
    provider.close()


@pytest.mark.parametrize("kind", MALFORMED_KINDS)
def test_streak_warns_during_the_fault_and_is_complete_once_yahoo_heals(
    fake, tmp_path, yf_cache_dir, kind
):
    clock = Clock(evening("2024-06-14"))
    provider = YahooProvider(fake.session, cache_dir=yf_cache_dir, wall_clock=clock)
    with PriceCache(tmp_path / "c.db") as cache:
        market = MarketData(cache, provider, now=clock)
        first = streak(market, "GARB", "SPY")
        assert (first.as_of, first.warnings) == (D(2024, 6, 14), ())

        clock.value = evening("2024-06-21")
        fake.serve_malformed(kind, ["GARB"])
        during = streak(market, "GARB", "SPY")
        assert during.as_of == D(2024, 6, 14)  # GARB's cache ends there: the answer says why
        [warning] = during.warnings  # the command's "behind" note, with the data layer's why
        assert warning.startswith("The data ends 2024-06-14, before 2024-06-21")
        assert "Yahoo Finance is sending malformed data" in warning
        assert during.title.endswith("(as of 2024-06-14)")
        assert cache.coverage(["GARB"])["GARB"].checked_to == D(2024, 6, 14)

        fake.heal()
        after = streak(market, "GARB", "SPY")
        assert (after.as_of, after.warnings) == (D(2024, 6, 21), ())
        got = cache.read_bars(["GARB"]).set_index("date")
        want = FULL.loc[:"2024-06-21"]
        assert list(got.index) == list(want.index)
        for column in BAR_COLUMNS:
            assert got[column].tolist() == pytest.approx(want[column].tolist()), column
    provider.close()
