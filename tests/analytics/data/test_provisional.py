"""A first answer over a cold universe from spark closes, labelled as a price return, then the
exact one once the background fill is done (analytics.data.provisional), on the fake Yahoo."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics import calendar
from analytics.commands.movers import MOVERS
from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.data.yahoo import RateLimiter, YahooProvider
from analytics.spec import NoProgress, ParseContext
from tests.fakes.yahoo import CHART_PREFIX, FakeYahoo
from tests.fakes.yahoo_days import DailyYahoo, make_listing
from tests.fakes.yahoo_multi import SPARK_V7, SPARK_V8, install_multi_symbol

D = dt.date
HISTORY, TODAY = D(2024, 1, 2), D(2024, 8, 30)
NOW = calendar.session_close(TODAY) + dt.timedelta(minutes=30)
START = D(2024, 8, 5)
LABEL = "closes from Yahoo's spark; total return follows"


def names(n: int) -> list[str]:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return [f"C{letters[i // 26]}{letters[i % 26]}" for i in range(n)]


UNIVERSE = names(30)


@pytest.fixture
def world(tmp_path, yf_cache_dir):
    """The fake serving 30 names (every other one paying dividends, one went ex in the window)."""
    listings = {
        n: make_listing(i, HISTORY, TODAY, dividends=i % 2 == 0) for i, n in enumerate(UNIVERSE)
    }
    listings[UNIVERSE[0]].dividends[D(2024, 8, 20)] = 0.6
    with FakeYahoo() as fake:
        multi = install_multi_symbol(fake)
        days = DailyYahoo(fake, listings)
        days.advance(TODAY)
        provider = YahooProvider(
            fake.session,
            cache_dir=yf_cache_dir,
            rate_limiter=RateLimiter(1000.0, sleep=lambda s: None),
            wall_clock=lambda: NOW,
        )
        with PriceCache(tmp_path / "c.db") as cache:
            market = MarketData(cache, provider, now=lambda: NOW)
            yield market, fake, multi, days
            market.stop_background(timeout=30)
        provider.close()


def closes_only(market: MarketData, **options):
    return market.bars(UNIVERSE, START, TODAY, columns=["adj_close"], **options)


def test_a_cold_read_of_closes_answers_from_spark_and_fills_in_the_background(world):
    market, fake, multi, days = world
    market.enable_provisional(min_names=20)
    market.provisional.stop()  # hold the background fill: what is cached meanwhile?

    first = closes_only(market)
    again = closes_only(market)

    assert first.provisional == tuple(UNIVERSE)
    assert any(LABEL in w for w in first.warnings)
    assert first.requests == 2  # 30 names: 20 + 10 a request
    for name in UNIVERSE:  # split-adjusted closes, no dividends: a price return
        want = days.view(name).loc[pd.Timestamp(START) :, "close"]
        assert first.series(name)["adj_close"].tolist() == want.tolist()
    # kept in memory only: nothing stored, and the second read asks nothing
    assert market.cache.read_bars(UNIVERSE, START, TODAY).empty
    assert again.provisional == tuple(UNIVERSE) and again.requests == 0
    assert [len(s) for s in multi.asked(SPARK_V7)] == [20, 10]


def test_the_first_movers_answer_is_a_labelled_price_return_then_the_exact_one(world):
    market, fake, multi, days = world
    market.enable_provisional(min_names=20)
    values = {"tickers": " ".join(UNIVERSE), "window": "2w"}
    request = MOVERS.parse_values(values, ParseContext(today=market.today()))

    def movers_answer(*_args, **_kwargs):
        return MOVERS.answer_function()(market, request, NoProgress())

    first = movers_answer(market, request)
    assert market.provisional.idle(timeout=60)
    charts = len([p for p, q in fake.requests if p.startswith(CHART_PREFIX) and "period1" in q])
    exact = movers_answer(market, request)
    asked = len(fake.requests)
    warm = movers_answer(market, request)

    assert any(LABEL in w for w in first.warnings)
    assert not any(LABEL in w for w in exact.warnings)
    assert charts == 30  # the background fill: one per-symbol request a name
    assert len(fake.requests) == asked  # the next ask is warm
    assert warm.data == exact.data
    start, end = pd.Timestamp(exact.data["start"]), pd.Timestamp(exact.data["end"])

    def returns(answer) -> dict[str, float]:
        rows = answer.data["gainers"] + answer.data["losers"]
        return {row["ticker"]: row["return"] for row in rows}

    for name, got in returns(first).items():  # price returns from the closes
        view = days.view(name)
        assert got == pytest.approx(
            view.loc[end, "close"] / view.loc[start, "close"] - 1, abs=1e-12
        )
    for name, got in returns(exact).items():  # total returns from Yahoo's adjusted closes
        view = days.view(name)
        assert got == pytest.approx(
            view.loc[end, "adj_close"] / view.loc[start, "adj_close"] - 1, abs=1e-9
        )
    dividend = UNIVERSE[0]  # went ex inside the window: the two answers differ by the dividend
    view = days.view(dividend)
    price = view.loc[end, "close"] / view.loc[start, "close"] - 1
    total = view.loc[end, "adj_close"] / view.loc[start, "adj_close"] - 1
    assert total - price > 0.005
    background = market.provisional.reports
    assert len(background) == 1 and background[0].complete and len(background[0].fetched) == 30
    cached = market.cache.coverage(UNIVERSE)
    assert all(c.checked_from <= TODAY - dt.timedelta(days=400) for c in cached.values())


def test_reads_that_need_more_than_closes_or_are_small_go_the_ordinary_way(world):
    market, fake, multi, days = world
    market.enable_provisional(min_names=20)

    few = market.bars(UNIVERSE[:5], START, TODAY, columns=["adj_close"])
    full = market.bars(UNIVERSE[5:], START, TODAY)  # every column: OHLC cannot be provisional
    refused = market.bars(
        UNIVERSE, D(2024, 6, 3), TODAY, columns=["adj_close"], provisional_ok=False
    )

    assert few.provisional == full.provisional == refused.provisional == ()
    assert multi.asked(SPARK_V7) == []
    for result in (few, full, refused):
        assert result.warnings == ()
        for name in result.requested[:3]:
            want = days.view(name).loc[pd.Timestamp(START) : pd.Timestamp(TODAY), "adj_close"]
            got = result.series(name)["adj_close"].loc[pd.Timestamp(START) :]
            assert np.allclose(got, want, rtol=1e-9)


def test_a_bad_symbol_is_left_to_the_chart_which_finds_it_unknown(world):
    market, fake, multi, days = world
    market.enable_provisional(min_names=20)
    market.provisional.stop()

    result = market.bars([*UNIVERSE, "NOPE"], START, TODAY, columns=["adj_close"])

    assert result.provisional == tuple(UNIVERSE)
    assert result.unknown == ("NOPE",)
    assert any(len(batch) == 1 and batch == ["NOPE"] for batch in multi.asked(SPARK_V7))


def test_spark_gone_falls_back_to_the_exact_per_symbol_fetch(world):
    market, fake, multi, days = world
    multi.endpoint_status[SPARK_V7] = 404
    multi.endpoint_status[SPARK_V8] = 404
    market.enable_provisional(min_names=20)

    result = closes_only(market)

    assert result.provisional == ()
    assert not any(LABEL in w for w in result.warnings)
    for name in UNIVERSE:
        want = days.view(name).loc[pd.Timestamp(START) :, "adj_close"]
        assert np.allclose(result.series(name)["adj_close"], want, rtol=1e-9)


def test_provisional_answers_need_a_provider_that_answers_many_symbols(tmp_path):
    from tests.fakes.prices import RecordingProvider

    with PriceCache(tmp_path / "c.db") as cache:
        market = MarketData(cache, RecordingProvider(), now=lambda: NOW)
        assert market.enable_provisional() is None
        assert market.provisional is None
