"""MarketData: cache-first reads, incremental fetches, stale-bar refresh, outages."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analytics.data.cache import HISTORY_FLOOR, PriceCache
from analytics.data.market import MarketData
from tests.fakes.prices import RecordingProvider, bars_for

D = dt.date


def at(day: str, hour: int, minute: int = 0) -> dt.datetime:
    """An instant given in US Eastern time, as aware UTC."""
    return (
        pd.Timestamp(f"{day} {hour:02d}:{minute:02d}", tz="America/New_York")
        .tz_convert("UTC")
        .to_pydatetime()
    )


class Clock:
    def __init__(self, now: dt.datetime):
        self.value = now

    def __call__(self) -> dt.datetime:
        return self.value


@pytest.fixture
def fresh_cache(tmp_path):
    with PriceCache(tmp_path / "cache.db") as cache:
        yield cache


@pytest.fixture
def provider():
    return RecordingProvider()


@pytest.fixture
def clock():
    return Clock(at("2024-07-01", 20))  # a Monday evening, after the close


@pytest.fixture
def market(fresh_cache, provider, clock):
    return MarketData(fresh_cache, provider, now=clock)


def test_first_request_fetches_the_range_and_returns_the_bars(market, provider):
    result = market.bars(["SPY"], D(2024, 1, 1), D(2024, 3, 31))
    assert provider.calls == [(("SPY",), D(2024, 1, 1), D(2024, 3, 31))]
    expected = bars_for("SPY", D(2024, 1, 1), D(2024, 3, 31))
    got = result.series("SPY")
    assert list(got.index) == list(expected.index)
    assert got["close"].tolist() == expected["close"].tolist()
    assert got["adj_close"].tolist() == pytest.approx(expected["adj_close"].tolist())
    assert result.as_of == D(2024, 3, 28)  # Good Friday 2024-03-29 is a holiday


def test_overlapping_request_fetches_only_the_missing_days(market, provider):
    market.bars(["SPY"], D(2024, 1, 1), D(2024, 3, 31))
    market.bars(["SPY"], D(2024, 2, 1), D(2024, 6, 28))
    assert provider.calls[1] == (("SPY",), D(2024, 4, 1), D(2024, 6, 28))
    market.bars(["SPY"], D(2023, 12, 1), D(2024, 6, 28))
    assert provider.calls[2] == (("SPY",), D(2023, 12, 1), D(2023, 12, 31))
    market.bars(["SPY"], D(2023, 12, 1), D(2024, 6, 28))
    assert len(provider.calls) == 3


def test_tickers_with_the_same_gap_share_one_batch(market, provider):
    market.bars(["SPY"], D(2024, 1, 1), D(2024, 3, 31))
    market.bars(["SPY", "IWM", "QQQ"], D(2024, 1, 1), D(2024, 3, 31))
    assert provider.calls[1] == (("IWM", "QQQ"), D(2024, 1, 1), D(2024, 3, 31))


def test_a_later_disjoint_request_fills_the_hole_to_keep_one_span(market, provider, fresh_cache):
    market.bars(["SPY"], D(2024, 1, 1), D(2024, 1, 31))
    market.bars(["SPY"], D(2024, 5, 1), D(2024, 5, 31))
    assert provider.calls[1] == (("SPY",), D(2024, 2, 1), D(2024, 5, 31))
    cov = fresh_cache.coverage(["SPY"])["SPY"]
    assert (cov.checked_from, cov.checked_to) == (D(2024, 1, 1), D(2024, 5, 31))


def test_full_history_is_fetched_once(market, provider):
    market.bars(["IWM"], None, D(2024, 6, 28))
    market.bars(["IWM"], None, D(2024, 6, 28))
    market.bars(["IWM"], D(2021, 1, 1), D(2024, 6, 28))
    assert provider.calls == [(("IWM",), None, D(2024, 6, 28))]


def test_history_extended_backwards_to_the_beginning(market, provider, fresh_cache):
    market.bars(["IWM"], D(2024, 1, 1), D(2024, 6, 28))
    market.bars(["IWM"], None, D(2024, 6, 28))
    assert provider.calls[1] == (("IWM",), None, D(2023, 12, 31))
    assert fresh_cache.coverage(["IWM"])["IWM"].checked_from == HISTORY_FLOOR


def test_end_defaults_to_today_and_weekends_fetch_nothing(fresh_cache, provider):
    clock = Clock(at("2024-06-28", 17))  # Friday after the close
    market = MarketData(fresh_cache, provider, now=clock)
    market.bars(["SPY"], D(2024, 6, 1))
    assert provider.calls[-1][2] == D(2024, 6, 28)
    clock.value = at("2024-06-30", 12)  # Sunday
    market.bars(["SPY"], D(2024, 6, 1))
    assert len(provider.calls) == 1


def test_a_bar_fetched_mid_session_is_refetched_after_the_close(fresh_cache, provider):
    clock = Clock(at("2024-07-01", 11))  # Monday, market open
    market = MarketData(fresh_cache, provider, now=clock)
    market.bars(["SPY"], D(2024, 6, 1))
    assert provider.calls[-1] == (("SPY",), D(2024, 6, 1), D(2024, 7, 1))
    clock.value = at("2024-07-01", 11, 10)  # ten minutes later: not yet
    market.bars(["SPY"], D(2024, 6, 1))
    assert len(provider.calls) == 1
    clock.value = at("2024-07-01", 11, 20)  # past the intraday refresh interval
    market.bars(["SPY"], D(2024, 6, 1))
    assert provider.calls[-1] == (("SPY",), D(2024, 7, 1), D(2024, 7, 1))
    clock.value = at("2024-07-01", 16, 30)  # after the close: the final bar
    market.bars(["SPY"], D(2024, 6, 1))
    assert provider.calls[-1] == (("SPY",), D(2024, 7, 1), D(2024, 7, 1))
    clock.value = at("2024-07-01", 19)  # the final bar is cached: nothing more
    market.bars(["SPY"], D(2024, 6, 1))
    assert len(provider.calls) == 3


def test_before_the_open_no_fetch_for_today(fresh_cache, provider):
    clock = Clock(at("2024-06-28", 18))
    market = MarketData(fresh_cache, provider, now=clock)
    market.bars(["SPY"], D(2024, 6, 1))
    clock.value = at("2024-07-01", 8)  # Monday before the open
    market.bars(["SPY"], D(2024, 6, 1))
    assert len(provider.calls) == 1


def test_offline_reads_the_cache_only(fresh_cache, provider, clock):
    MarketData(fresh_cache, provider, now=clock).bars(["SPY"], D(2024, 1, 1), D(2024, 1, 31))
    offline = MarketData(fresh_cache, provider, offline=True, now=clock)
    result = offline.bars(["SPY", "QQQ"], D(2024, 1, 1), D(2024, 2, 29))
    assert len(provider.calls) == 1
    assert result.missing == ("QQQ",)
    assert result.as_of == D(2024, 1, 31)


def test_outage_serves_the_cache_labelled_with_its_date(market, provider):
    market.bars(["SPY"], D(2024, 1, 1), D(2024, 3, 31))
    provider.fail_reason = "rate limited"
    provider.rate_limited = True
    result = market.bars(["SPY", "IWM"], D(2024, 1, 1), D(2024, 6, 28))
    assert result.stale
    assert result.warnings == ("Fake is rate limited; showing cached data as of 2024-03-28.",)
    assert result.missing == ("IWM",)
    # nothing was marked as checked, so the next call tries again
    provider.fail_reason = None
    market.bars(["SPY", "IWM"], D(2024, 1, 1), D(2024, 6, 28))
    assert sorted(c[0] for c in provider.calls[-2:]) == [("IWM",), ("SPY",)]


def test_outage_with_nothing_cached_says_so(market, provider):
    provider.fail_reason = "connection refused"
    result = market.bars(["SPY"], D(2024, 1, 1), D(2024, 3, 31))
    assert result.bars.empty
    assert result.warnings == ("Fake is not answering and nothing is cached for this request.",)


def test_unknown_symbols_are_reported(market, provider):
    provider.unknown = {"ZZZZ"}
    result = market.bars(["SPY", "ZZZZ"], D(2024, 1, 1), D(2024, 1, 31))
    assert result.unknown == ("ZZZZ",)
    assert result.missing == ()
    assert list(result.wide().columns) == ["SPY"]


def test_progress_reports_tickers_fetched(market):
    seen = []
    market.bars(
        ["SPY", "IWM"], D(2024, 1, 1), D(2024, 1, 31), progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(0, 2), (2, 2)]


def test_unknown_symbols_are_not_asked_again_for_a_week(fresh_cache, provider):
    clock = Clock(at("2024-07-01", 20))
    market = MarketData(fresh_cache, provider, now=clock)
    provider.unknown = {"ZZZZ"}
    market.bars(["SPY", "ZZZZ"], D(2024, 6, 3), D(2024, 6, 28))
    result = market.bars(["SPY", "ZZZZ"], D(2024, 6, 3), D(2024, 6, 28))
    assert len(provider.calls) == 1
    assert result.unknown == ("ZZZZ",)
    clock.value = at("2024-07-09", 20)  # a week later, and now it is listed
    provider.unknown = set()
    result = market.bars(["ZZZZ"], D(2024, 6, 3), D(2024, 6, 28))
    assert provider.calls[-1] == (("ZZZZ",), D(2024, 6, 3), D(2024, 6, 28))
    assert result.unknown == ()
    assert fresh_cache.unknown_since(["ZZZZ"], at("2024-01-01", 0)) == set()


def test_large_fetches_go_in_batches_with_progress(market, provider):
    tickers = [f"T{i:03d}" for i in range(250)]
    seen = []
    market.bars(tickers, D(2024, 6, 3), D(2024, 6, 7), progress=lambda d, t: seen.append((d, t)))
    assert [len(c[0]) for c in provider.calls] == [100, 100, 50]
    assert seen == [(0, 250), (100, 250), (200, 250), (250, 250)]


def test_bad_rows_from_the_provider_are_never_stored(tmp_path):
    class BadRows(RecordingProvider):
        def fetch(self, tickers, start, end):
            result = super().fetch(tickers, start, end)
            bars = result.bars["SPY"]
            bars.loc[pd.Timestamp("2024-06-12"), "close"] = 0.0  # a non-positive close
            bars.loc[pd.Timestamp("2024-06-15")] = bars.iloc[-1]  # a Saturday
            result.bars["SPY"] = bars.sort_index()
            return result

    now = dt.datetime(2024, 6, 21, 22, 0, tzinfo=dt.UTC)
    with PriceCache(tmp_path / "c.db") as cache:
        market = MarketData(cache, BadRows(), now=lambda: now)
        got = market.bars(["SPY"], dt.date(2024, 6, 3), dt.date(2024, 6, 21)).series("SPY")
    expected = bars_for("SPY", dt.date(2024, 6, 3), dt.date(2024, 6, 21)).drop(
        pd.Timestamp("2024-06-12")
    )
    assert list(got.index) == list(expected.index)
    assert (got["close"] > 0).all()
