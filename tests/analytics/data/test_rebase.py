"""Re-basing factors for splits and dividends, as Yahoo applies them to its own history."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.data.rebase import factors_from_events


def fresh(closes, dividends=None, splits=None):
    index = pd.DatetimeIndex(pd.bdate_range("2024-06-17", periods=len(closes)), name="date")
    frame = pd.DataFrame({"close": closes, "dividend": 0.0, "split": 0.0}, index=index)
    for position, amount in (dividends or {}).items():
        frame.iloc[position, frame.columns.get_loc("dividend")] = amount
    for position, ratio in (splits or {}).items():
        frame.iloc[position, frame.columns.get_loc("split")] = ratio
    return frame


def test_no_action_means_no_rebase():
    assert factors_from_events(fresh([10.0, 11.0]), 100.0) is None


def test_a_ten_for_one_split_divides_earlier_prices_and_adjusted_closes_by_ten():
    factors = factors_from_events(fresh([10.0, 10.5], splits={0: 10.0}), 100.0)
    assert (factors.price, factors.adjusted) == (pytest.approx(0.1), pytest.approx(0.1))


def test_a_dividend_on_the_first_new_day_uses_the_last_cached_close():
    factors = factors_from_events(fresh([49.0, 49.5], dividends={0: 1.0}), 50.0)
    assert factors.price == 1.0
    assert factors.adjusted == pytest.approx(1 - 1 / 50)


def test_a_dividend_later_in_the_fetch_uses_the_fetched_previous_close():
    factors = factors_from_events(fresh([40.0, 39.5, 39.0], dividends={2: 0.8}), 50.0)
    assert factors.adjusted == pytest.approx(1 - 0.8 / 39.5)


def test_split_and_dividend_compose():
    # 2-for-1 on day 0 (earlier cached close 100 is 50 on the new basis), then $1 ex on day 1
    factors = factors_from_events(fresh([50.0, 49.0], dividends={1: 1.0}, splits={0: 2.0}), 100.0)
    assert factors.price == pytest.approx(0.5)
    assert factors.adjusted == pytest.approx(0.5 * (1 - 1 / 50.0))
