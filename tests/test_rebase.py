"""Re-basing cached history after a split or dividend, as Yahoo does to its own history."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.data.rebase import Rebase, rebase_factors


def bars(closes, adj):
    index = pd.DatetimeIndex(pd.bdate_range("2024-06-03", periods=len(closes)), name="date")
    return pd.DataFrame({"close": closes, "adj_close": adj}, index=index)


def test_same_values_need_no_rebase():
    cached = bars([100.0, 101.0, 102.0], [99.0, 100.0, 101.0])
    assert rebase_factors(cached, cached.copy()) is None


def test_a_ten_for_one_split_divides_prices_by_ten():
    cached = bars([100.0, 101.0, 102.0], [99.0, 100.0, 101.0])
    fresh = bars([10.0, 10.1, 10.2], [9.9, 10.0, 10.1])
    assert rebase_factors(cached, fresh) == Rebase(price=pytest.approx(0.1), adjusted=pytest.approx(0.1))


def test_a_dividend_moves_only_the_adjusted_close():
    cached = bars([100.0, 101.0, 102.0], [99.0, 100.0, 101.0])
    fresh = bars([100.0, 101.0, 102.0], [98.01, 99.0, 99.99])  # all earlier adj closes x 0.99
    factors = rebase_factors(cached, fresh)
    assert factors.price == pytest.approx(1.0)
    assert factors.adjusted == pytest.approx(0.99)


def test_only_common_dates_count_and_one_bad_print_does_not_sway_the_median():
    cached = bars([100.0, 100.0, 100.0, 100.0], [100.0, 100.0, 100.0, 100.0])
    fresh = bars([50.0, 50.0, 75.0, 50.0], [50.0, 50.0, 50.0, 50.0]).iloc[1:]
    factors = rebase_factors(cached, fresh)
    assert (factors.price, factors.adjusted) == (pytest.approx(0.5), pytest.approx(0.5))


def test_no_common_dates_means_nothing_to_compare():
    cached = bars([100.0], [100.0])
    fresh = bars([10.0, 11.0], [10.0, 11.0]).shift(5, freq="D")
    assert rebase_factors(cached, fresh) is None
