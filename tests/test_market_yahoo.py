"""MarketData over the real YahooProvider and yfinance, against the fake Yahoo chart API."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.data.yahoo import YahooProvider
from tests.fakes.yahoo import FakeYahoo, synthetic_bars

D = dt.date
AFTER_CLOSE = (
    pd.Timestamp("2024-07-01 20:00", tz="America/New_York").tz_convert("UTC").to_pydatetime()
)


@pytest.fixture
def fake():
    with FakeYahoo() as server:
        server.add_symbol("SPY", synthetic_bars(D(2023, 1, 3), D(2024, 7, 1), seed=1))
        server.add_symbol("IWM", synthetic_bars(D(2023, 1, 3), D(2024, 7, 1), seed=2))
        yield server


@pytest.fixture
def market(fake, tmp_path, yf_cache_dir):
    provider = YahooProvider(fake.session, cache_dir=yf_cache_dir, wall_clock=lambda: AFTER_CLOSE)
    with PriceCache(tmp_path / "c.db") as cache:
        yield MarketData(cache, provider, now=lambda: AFTER_CLOSE)
    provider.close()


def chart_calls(fake: FakeYahoo, symbol: str) -> list[dict]:
    """Chart requests for a date range (yfinance's range=1d timezone probes left out)."""
    return [q for q in fake.chart_requests(symbol) if "period1" in q]


def test_second_overlapping_request_asks_yahoo_only_for_the_new_days(fake, market):
    first = market.bars(["SPY"], D(2024, 1, 1), D(2024, 3, 31))
    want = synthetic_bars(D(2023, 1, 3), D(2024, 7, 1), seed=1).loc["2024-01-01":"2024-03-31"]
    got = first.series("SPY")
    assert list(got.index) == list(want.index)
    assert got["adj_close"].tolist() == pytest.approx(want["adj_close"].tolist())
    assert len(chart_calls(fake, "SPY")) == 1

    market.bars(["SPY"], D(2024, 2, 1), D(2024, 6, 28))
    calls = chart_calls(fake, "SPY")
    assert len(calls) == 2
    asked_from = dt.datetime.fromtimestamp(int(calls[1]["period1"]), dt.UTC).date()
    assert asked_from == D(2024, 4, 1)

    again = market.bars(["SPY"], D(2024, 1, 1), D(2024, 6, 28))
    assert len(chart_calls(fake, "SPY")) == 2
    assert len(again.series("SPY")) == len(want) + len(
        synthetic_bars(D(2023, 1, 3), D(2024, 7, 1), seed=1).loc["2024-04-01":"2024-06-28"]
    )


def test_unknown_symbol_leaves_nothing_in_the_cache(fake, market):
    result = market.bars(["SPY", "NOPE"], D(2024, 6, 3), D(2024, 6, 28))
    assert result.unknown == ("NOPE",)
    assert market.cache.coverage(["NOPE"]) == {}
    assert market.cache.read_bars(["NOPE"]).empty


def test_rate_limit_serves_the_cache_with_its_date(fake, market):
    market.bars(["SPY"], D(2024, 6, 3), D(2024, 6, 14))
    fake.rate_limit_after(0)
    result = market.bars(["SPY", "IWM"], D(2024, 6, 3), D(2024, 6, 28))
    assert result.stale
    assert result.warnings == (
        "Yahoo Finance is rate limited; showing cached data as of 2024-06-14.",
    )
    assert result.missing == ("IWM",)
    assert result.series("SPY").index[-1].date() == D(2024, 6, 14)
