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


def flat_bars(start: dt.date, end: dt.date, close: float) -> pd.DataFrame:
    from analytics import calendar

    sessions = pd.DatetimeIndex(calendar.sessions_between(start, end), name="date")
    frame = pd.DataFrame(
        {c: close for c in ("open", "high", "low", "close", "adj_close")}, index=sessions
    )
    frame["volume"] = 1000.0
    return frame


def test_a_split_after_caching_re_bases_the_cached_history(fake, market):
    fake.add_symbol("ABC", flat_bars(D(2024, 6, 3), D(2024, 6, 14), 100.0))
    market.bars(["ABC"], D(2024, 6, 3), D(2024, 6, 14))
    # 10-for-1 on 2024-06-17: Yahoo now serves the whole history divided by ten
    rebased = pd.concat(
        [
            flat_bars(D(2024, 6, 3), D(2024, 6, 14), 10.0),
            flat_bars(D(2024, 6, 17), D(2024, 6, 28), 10.5),
        ]
    )
    rebased.loc[:"2024-06-14", "volume"] = 10000.0
    fake.add_symbol("ABC", rebased, splits={D(2024, 6, 17): (10, 1)})
    got = market.bars(["ABC"], D(2024, 6, 3), D(2024, 6, 28)).series("ABC")
    assert got["close"].tolist() == pytest.approx(rebased["close"].tolist())
    assert got["adj_close"].tolist() == pytest.approx(rebased["adj_close"].tolist())
    assert got["volume"].tolist() == pytest.approx(rebased["volume"].tolist())
    # the return across the split is +5%, not -89.5%
    assert got["adj_close"].iloc[-1] / got["adj_close"].iloc[0] - 1 == pytest.approx(0.05)


def test_a_dividend_after_caching_re_bases_the_cached_adjusted_closes(fake, market):
    fake.add_symbol("DIVY", flat_bars(D(2024, 6, 3), D(2024, 6, 14), 50.0))
    market.bars(["DIVY"], D(2024, 6, 3), D(2024, 6, 14))
    # $1 dividend going ex on 2024-06-17: earlier adjusted closes x (1 - 1/50), closes unchanged
    rebased = pd.concat(
        [
            flat_bars(D(2024, 6, 3), D(2024, 6, 14), 50.0),
            flat_bars(D(2024, 6, 17), D(2024, 6, 28), 49.0),
        ]
    )
    rebased.loc[:"2024-06-14", "adj_close"] = 50.0 * (1 - 1 / 50)
    fake.add_symbol("DIVY", rebased, dividends={D(2024, 6, 17): 1.0})
    got = market.bars(["DIVY"], D(2024, 6, 3), D(2024, 6, 28)).series("DIVY")
    assert got["close"].tolist() == pytest.approx(rebased["close"].tolist())
    assert got["adj_close"].tolist() == pytest.approx(rebased["adj_close"].tolist())
    # total return over the ex-date is flat: the $1 fall in price is the dividend paid
    assert got["adj_close"].iloc[-1] / got["adj_close"].iloc[0] - 1 == pytest.approx(0.0)
