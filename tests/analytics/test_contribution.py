"""Contribution to return: weights carried from the holdings date to the window's start, the
identity with the fund's return, unpriced names (the chart: tests/analytics/charts)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics.contribution import (
    CONTRIBUTION_COLUMNS,
    contribution_summary,
    contributions,
    weights_at,
)
from analytics.errors import BadInput


def fund(seed: int, size: int, dates: int = 4) -> tuple[pd.Series, pd.DataFrame]:
    """(shares held, prices on `dates` dates) of a random long-only fund that never trades.

    Its weight in name i on date t is shares_i x P_i(t) / V(t), V(t) = sum_j shares_j P_j(t):
    what a holdings file dated t would show. Prices move up to +-60% between dates.
    """
    rng = np.random.default_rng(seed)
    tickers = [f"T{i:03d}" for i in range(size)]
    shares = pd.Series(rng.uniform(1, 1000, size), index=tickers)
    steps = np.exp(rng.normal(0.0, 0.2, (dates, size)).clip(-0.9, 0.47))
    prices = pd.DataFrame(np.cumprod(steps, axis=0) * rng.uniform(5, 500, size), columns=tickers)
    return shares, prices


def weights_on(shares: pd.Series, prices: pd.DataFrame, t: int) -> pd.Series:
    value = shares * prices.iloc[t]
    return value / value.sum()


def fund_return(shares: pd.Series, prices: pd.DataFrame, s: int, e: int) -> float:
    """V(E) / V(S) - 1, from the holdings' market value."""
    return float((shares * prices.iloc[e]).sum() / (shares * prices.iloc[s]).sum() - 1)


def test_weights_at_by_hand() -> None:
    # Half in each at H; from H to S one rises 10%, the other falls 10%: 55/45 at S.
    weights = weights_at(
        pd.Series({"UP": 0.5, "DN": 0.5}),
        pd.Series({"UP": 100.0, "DN": 40.0}),
        pd.Series({"UP": 110.0, "DN": 36.0}),
    )
    assert weights.tolist() == pytest.approx([0.55, 0.45])


def test_weights_at_the_holdings_date_are_the_files_exactly() -> None:
    # Weights of a fund's stocks sum to less than 1 (cash); S = H must not rescale them.
    file_weights = pd.Series({"A": 0.0123, "B": 0.4567, "C": 0.5265})
    prices = pd.Series({"A": 12.34, "B": 56.78, "C": 9.1})
    assert weights_at(file_weights, prices, prices).tolist() == file_weights.tolist()


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("h", "s"), [(0, 2), (2, 0), (1, 1), (3, 1)])
def test_weights_at_s_are_the_funds_own_weights_at_s(seed: int, h: int, s: int) -> None:
    """H before or after S alike: the weights carried from the file at H are those at S."""
    shares, prices = fund(seed, size=10 + 50 * seed)
    carried = weights_at(weights_on(shares, prices, h), prices.iloc[h], prices.iloc[s])
    np.testing.assert_allclose(carried, weights_on(shares, prices, s), rtol=1e-12)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize(
    "h", [0, 1, 2, 3], ids=["H before S", "H = S", "H inside the window", "H = E"]
)
def test_contributions_add_up_to_the_funds_return_when_every_name_is_priced(
    seed: int, h: int
) -> None:
    shares, prices = fund(seed, size=5 + 40 * seed, dates=5)
    s, e = 1, 3  # the window; dates 0 and 4 lie before and after it
    for holdings_date in (h, 4):
        start = weights_at(
            weights_on(shares, prices, holdings_date), prices.iloc[holdings_date], prices.iloc[s]
        )
        returns = prices.iloc[e] / prices.iloc[s] - 1
        frame = contributions(start, returns)
        assert frame["contribution_bp"].sum() * 1e-4 == pytest.approx(
            fund_return(shares, prices, s, e), abs=1e-12
        )
        assert frame.attrs["unpriced"] == []


def test_the_end_weights_formula_is_the_special_case_h_equals_e() -> None:
    # Old formula: w_start = w_end x (1 + R_fund) / (1 + R_i). With H = E it is weights_at's.
    shares, prices = fund(seed=5, size=80)
    s, e = 0, 2
    w_end = weights_on(shares, prices, e)
    returns = prices.iloc[e] / prices.iloc[s] - 1
    backed_out = w_end * (1 + fund_return(shares, prices, s, e)) / (1 + returns)
    np.testing.assert_allclose(
        weights_at(w_end, prices.iloc[e], prices.iloc[s]), backed_out, rtol=1e-12
    )


def test_names_without_a_price_at_h_or_s_are_unpriced_and_the_rest_keep_their_share() -> None:
    file_weights = pd.Series({"A": 0.4, "B": 0.3, "C": 0.2, "D": 0.1})
    at_h = pd.Series({"A": 10.0, "B": 20.0, "C": 5.0})  # D has no price at H
    at_s = pd.Series({"A": 15.0, "B": 20.0, "C": math.nan, "D": 7.0})  # C none at S
    weights = weights_at(file_weights, at_h, at_s)
    # A and B held 0.7 of the fund at H; A rose 50%, B stood still: 0.6 : 0.3 of that 0.7.
    assert weights[["A", "B"]].tolist() == pytest.approx([0.7 * 0.6 / 0.9, 0.7 * 0.3 / 0.9])
    assert weights[["C", "D"]].isna().all()
    frame = contributions(weights, pd.Series({"A": 0.1, "B": -0.2, "C": 0.3, "D": 0.4}))
    assert list(frame.index) == ["A", "B"]
    assert frame.attrs["unpriced"] == ["C", "D"]


def test_non_positive_prices_are_unpriced() -> None:
    weights = weights_at(
        pd.Series({"A": 0.5, "B": 0.5}),
        pd.Series({"A": 0.0, "B": 1.0}),
        pd.Series({"A": 1.0, "B": -1.0}),
    )
    assert weights.isna().all()


def test_unpriced_returns_are_excluded_and_reported() -> None:
    start = pd.Series({"A": 0.4, "B": 0.3, "C": 0.2, "D": 0.1})
    returns = pd.Series({"A": 0.1, "B": math.nan, "D": -1.0})  # C has no price at all
    summary = contribution_summary(start, returns, 0.05)
    assert list(summary.frame.index) == ["A"]
    assert summary.unpriced == ("B", "C", "D")
    assert summary.priced == 1
    assert summary.total == pytest.approx(0.4 * 0.1)
    assert summary.explained_share == pytest.approx(0.04 / 0.05)


def test_sorted_largest_first_with_ties_by_ticker() -> None:
    start = pd.Series({"Z": 0.25, "Y": 0.25, "B": 0.25, "A": 0.25})
    returns = pd.Series({"Z": 0.0, "Y": 0.2, "B": 0.0, "A": -0.2})
    frame = contributions(start, returns)
    assert list(frame.index) == ["Y", "B", "Z", "A"]


def test_empty_input_gives_an_empty_frame() -> None:
    empty = pd.Series(dtype="float64")
    frame = contributions(empty, empty)
    assert frame.empty
    assert list(frame.columns) == list(CONTRIBUTION_COLUMNS)
    assert weights_at(empty, empty, empty).empty
    summary = contribution_summary(empty, empty)
    assert (summary.total, summary.priced) == (0.0, 0)
    assert math.isnan(summary.fund_return)
    assert contribution_summary(empty, empty, 0.05).fund_return == pytest.approx(0.05)


def test_nothing_priced_summary() -> None:
    summary = contribution_summary(pd.Series({"A": 1.0}), pd.Series({"A": math.nan}))
    assert summary.priced == 0
    assert summary.total == 0.0
    assert math.isnan(summary.explained_share)
    assert math.isnan(summary.concentration)
    assert summary.unpriced == ("A",)


def test_bad_input() -> None:
    with pytest.raises(BadInput, match="listed twice"):
        contributions(pd.Series([0.5, 0.5], index=["A", "A"]), pd.Series({"A": 0.1}))
    with pytest.raises(BadInput, match="Holdings weights are missing for A"):
        weights_at(pd.Series({"A": math.nan}), pd.Series({"A": 1.0}), pd.Series({"A": 1.0}))
    with pytest.raises(BadInput, match="above -100%"):
        contribution_summary(pd.Series({"A": 1.0}), pd.Series({"A": 0.1}), -1.5)
    with pytest.raises(BadInput, match="top_n must be at least 1"):
        contribution_summary(pd.Series({"A": 1.0}), pd.Series({"A": 0.1}), top_n=0)


@pytest.fixture
def six_names() -> tuple[pd.Series, pd.Series]:
    """Start weights and returns small enough to work through by hand (fund return 4.6%)."""
    start = pd.Series([0.3, 0.2, 0.2, 0.1, 0.1, 0.1], index=list("ABCDEF"))
    returns = pd.Series([0.10, 0.05, -0.02, 0.20, -0.10, 0.0], index=list("ABCDEF"))
    return start, returns


def test_summary_by_hand(six_names: tuple[pd.Series, pd.Series]) -> None:
    start, returns = six_names
    # Contributions: A +3.0%, B +1.0%, C -0.4%, D +2.0%, E -1.0%, F 0 -> fund +4.6%.
    summary = contribution_summary(start, returns, top_n=2)
    assert summary.fund_return == pytest.approx(0.046)
    assert summary.total == pytest.approx(0.046)
    assert summary.explained_share == pytest.approx(1.0)
    assert summary.top_contribution == pytest.approx(0.03 + 0.02)
    assert summary.bottom_contribution == pytest.approx(-0.01 - 0.004)
    assert summary.concentration == pytest.approx(0.05 / 0.046)
    assert list(summary.frame.index) == ["A", "D", "B", "F", "C", "E"]


def test_falling_fund_concentration_uses_the_laggards(
    six_names: tuple[pd.Series, pd.Series],
) -> None:
    start, returns = six_names
    falling = -returns  # contributions -3.0, -1.0, +0.4, -2.0, +1.0, 0 -> fund -4.6%
    summary = contribution_summary(start, falling, -0.046, top_n=2)
    assert summary.bottom_contribution == pytest.approx(-0.05)
    assert summary.concentration == pytest.approx(0.05 / 0.046)
