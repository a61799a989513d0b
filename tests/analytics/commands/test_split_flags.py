"""A move between two consecutive rows that matches a common split ratio is flagged in the
answer as a likely unadjusted split (issue 12, bad rows): compare and movers alike, inside the
window only."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analytics.commands.movers import MOVERS
from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from tests.analytics.commands.streaks.ask import ask, compare
from tests.fakes.prices import bars_for

NOW = dt.datetime(2024, 6, 28, 22, 0, tzinfo=dt.UTC)
SPLIT_AFTER = pd.Timestamp("2024-06-14")  # HALF's rows from 06-17 on are at half the price


@pytest.fixture
def split_market(tmp_path):
    with PriceCache(tmp_path / "split.db") as cache:
        market = MarketData(cache, None, offline=True, now=lambda: NOW)
        for ticker in ("SPY", "IWM"):
            market.import_bars(
                ticker, bars_for(ticker, dt.date(2024, 1, 2), dt.date(2024, 6, 28)), "t"
            )
        half = bars_for("HALF", dt.date(2024, 1, 2), dt.date(2024, 6, 28))
        later = half.index > SPLIT_AFTER
        for column in ("open", "high", "low", "close", "adj_close"):
            half.loc[later, column] = half.loc[later, column] / 2
        market.import_bars("HALF", half, "t")
        yield market, half


def expected_line(half: pd.DataFrame) -> str:
    before, after = half.loc[SPLIT_AFTER, "adj_close"], half.loc["2024-06-17", "adj_close"]
    return (
        f"HALF 2024-06-14 -> 2024-06-17 {after / before - 1:+.1%} ({before:,.2f} -> {after:,.2f}) "
        "looks like an unadjusted 2:1 split"
    )


def test_compare_flags_the_move_inside_its_window(split_market):
    market, half = split_market
    answer = compare(market, "HALF SPY", "1m")
    assert expected_line(half) in answer.warnings
    assert not any(
        "unadjusted" in w for w in compare(market, "HALF SPY", "2024-05-01:2024-06-13").warnings
    )


def test_movers_flag_it_too(split_market):
    market, half = split_market
    answer = ask(MOVERS, market, tickers="HALF SPY IWM", window="2w")
    assert expected_line(half) in answer.warnings
