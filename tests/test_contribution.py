"""Contribution to return: the identity, the start-weight back-out, coverage, and the chart."""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread

from analytics.charts.contributors_chart import contributors_chart
from analytics.charts.style import DOWN, UP
from analytics.contribution import CONTRIBUTION_COLUMNS, contribution_summary, contributions
from analytics.errors import BadInput, NoData


def portfolio(seed: int, size: int) -> tuple[pd.Series, pd.Series, float]:
    """(start weights, returns, fund return) of a random long-only portfolio.

    The fund return is computed directly as sum(w_start x R).
    """
    rng = np.random.default_rng(seed)
    tickers = [f"T{i:03d}" for i in range(size)]
    start = pd.Series(rng.dirichlet(np.full(size, 0.5)), index=tickers)
    returns = pd.Series(np.clip(rng.normal(0.01, 0.25, size), -0.9, None), index=tickers)
    return start, returns, float((start * returns).sum())


def end_weights(start: pd.Series, returns: pd.Series, fund_return: float) -> pd.Series:
    """What a holdings file would show at the end: w_end = w_start (1 + R) / (1 + R_fund)."""
    return start * (1 + returns) / (1 + fund_return)


@pytest.fixture
def six_names() -> tuple[pd.Series, pd.Series]:
    """Start weights and returns small enough to work through by hand (fund return 4.6%)."""
    start = pd.Series([0.3, 0.2, 0.2, 0.1, 0.1, 0.1], index=list("ABCDEF"))
    returns = pd.Series([0.10, 0.05, -0.02, 0.20, -0.10, 0.0], index=list("ABCDEF"))
    return start, returns


def test_two_names_by_hand() -> None:
    # Half in each; +10% and -10% -> the fund is flat; at the end the weights are 55/45.
    frame = contributions(pd.Series({"UP": 0.55, "DN": 0.45}), pd.Series({"UP": 0.1, "DN": -0.1}))
    assert list(frame.columns) == list(CONTRIBUTION_COLUMNS)
    assert list(frame.index) == ["UP", "DN"]
    assert frame["start_weight"].tolist() == pytest.approx([0.5, 0.5])
    assert frame["contribution_bp"].tolist() == pytest.approx([500.0, -500.0])
    assert frame.attrs["fund_return"] == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("seed", range(12))
def test_contributions_add_up_to_the_fund_return(seed: int) -> None:
    start, returns, fund_return = portfolio(seed, size=5 + 40 * seed)
    frame = contributions(end_weights(start, returns, fund_return), returns)
    assert frame["contribution_bp"].sum() * 1e-4 == pytest.approx(fund_return, abs=1e-12)
    assert frame.attrs["fund_return"] == pytest.approx(fund_return, abs=1e-12)
    assert frame.attrs["weights_normalized"] is False
    assert frame.attrs["unpriced"] == []


@pytest.mark.parametrize("seed", range(12))
def test_start_weights_are_recovered_from_end_weights(seed: int) -> None:
    start, returns, fund_return = portfolio(seed, size=5 + 40 * seed)
    frame = contributions(end_weights(start, returns, fund_return), returns)
    recovered = frame["start_weight"].reindex(start.index)
    np.testing.assert_allclose(recovered, start, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(
        frame["contribution_bp"].reindex(start.index), start * returns * 1e4, atol=1e-9
    )


def test_with_the_fund_return_given_a_subset_is_enough() -> None:
    start, returns, fund_return = portfolio(seed=7, size=200)
    ends = end_weights(start, returns, fund_return)
    subset = ends.index[:30]
    frame = contributions(ends[subset], returns[subset], index_return=fund_return)
    np.testing.assert_allclose(frame["start_weight"].reindex(subset), start[subset], rtol=1e-12)
    explained = float((start[subset] * returns[subset]).sum())
    assert frame["contribution_bp"].sum() * 1e-4 == pytest.approx(explained, abs=1e-12)
    assert frame.attrs["fund_return"] == fund_return
    assert frame.attrs["weights_normalized"] is False


def test_end_weights_short_of_one_are_normalised_and_flagged() -> None:
    start, returns, fund_return = portfolio(seed=3, size=50)
    ends = end_weights(start, returns, fund_return)
    # As if 1% of the fund were cash left out of the names given.
    frame = contributions(ends * 0.99, returns)
    assert frame.attrs["weights_normalized"] is True
    assert frame.attrs["priced_end_weight"] == pytest.approx(0.99)
    np.testing.assert_allclose(frame["start_weight"].reindex(start.index), start, rtol=1e-12)


def test_unpriced_names_are_excluded_and_reported() -> None:
    ends = pd.Series({"A": 0.4, "B": 0.3, "C": 0.2, "D": 0.1})
    returns = pd.Series({"A": 0.1, "B": math.nan, "D": -1.0})  # C has no price at all
    summary = contribution_summary(ends, returns, index_return=0.05)
    assert list(summary.frame.index) == ["A"]
    assert summary.unpriced == ("B", "C", "D")
    assert summary.priced == 1
    assert summary.unpriced_end_weight == pytest.approx(0.6)
    # A: w_start = 0.4 x 1.05 / 1.1, contribution = w_start x 0.1
    assert summary.total == pytest.approx(0.4 * 1.05 / 1.1 * 0.1)


def test_sorted_largest_first_with_ties_by_ticker() -> None:
    ends = pd.Series({"Z": 0.25, "Y": 0.25, "B": 0.25, "A": 0.25})
    returns = pd.Series({"Z": 0.0, "Y": 0.2, "B": 0.0, "A": -0.2})
    frame = contributions(ends, returns)
    assert list(frame.index) == ["Y", "B", "Z", "A"]


def test_empty_input_gives_an_empty_frame() -> None:
    empty = pd.Series(dtype="float64")
    frame = contributions(empty, empty)
    assert frame.empty
    assert list(frame.columns) == list(CONTRIBUTION_COLUMNS)
    assert math.isnan(frame.attrs["fund_return"])
    given = contributions(empty, empty, index_return=0.05)
    assert given.attrs["fund_return"] == pytest.approx(0.05)


def test_nothing_priced_summary() -> None:
    summary = contribution_summary(pd.Series({"A": 1.0}), pd.Series({"A": math.nan}))
    assert summary.priced == 0
    assert summary.total == 0.0
    assert math.isnan(summary.explained_share)
    assert math.isnan(summary.concentration)
    assert summary.unpriced == ("A",)


@pytest.mark.parametrize(
    ("ends", "returns", "index_return", "message"),
    [
        (pd.Series([0.5, 0.5], index=["A", "A"]), pd.Series({"A": 0.1}), None, "listed twice"),
        (pd.Series({"A": math.nan}), pd.Series({"A": 0.1}), None, "missing"),
        (pd.Series({"A": 1.0}), pd.Series({"A": 0.1}), -1.5, "above -100%"),
        (pd.Series({"A": 0.0}), pd.Series({"A": 0.1}), None, "add up to zero"),
    ],
)
def test_bad_input(ends: pd.Series, returns: pd.Series, index_return, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        contributions(ends, returns, index_return)


def test_summary_by_hand(six_names: tuple[pd.Series, pd.Series]) -> None:
    start, returns = six_names
    # Contributions: A +3.0%, B +1.0%, C -0.4%, D +2.0%, E -1.0%, F 0 -> fund +4.6%.
    fund_return = 0.046
    summary = contribution_summary(end_weights(start, returns, fund_return), returns, top_n=2)
    assert summary.fund_return == pytest.approx(fund_return)
    assert summary.total == pytest.approx(fund_return)
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
    summary = contribution_summary(end_weights(start, falling, -0.046), falling, top_n=2)
    assert summary.bottom_contribution == pytest.approx(-0.05)
    assert summary.concentration == pytest.approx(0.05 / 0.046)


# ---------------------------------------------------------------- chart


def colour_share(png: bytes, hex_colour: str) -> float:
    """Fraction of the image's pixels within a small distance of `hex_colour`."""
    pixels = imread(io.BytesIO(png))[:, :, :3]
    target = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return float((np.abs(pixels - target).max(axis=2) < 0.02).mean())


def test_chart_has_green_gains_and_red_losses(six_names: tuple[pd.Series, pd.Series]) -> None:
    start, returns = six_names
    frame = contributions(end_weights(start, returns, 0.046), returns)
    png = contributors_chart(frame, title="Two names made 5 of the fund's 4.6 points", n=3)
    assert imread(io.BytesIO(png)).shape[:2] == (675, 1200)
    assert colour_share(png, UP) > 0.01
    assert colour_share(png, DOWN) > 0.005


def test_chart_of_gains_only_has_no_red(six_names: tuple[pd.Series, pd.Series]) -> None:
    start, returns = six_names
    frame = contributions(end_weights(start, returns, 0.046), returns).head(3)
    png = contributors_chart(frame, title="Gains only")
    assert colour_share(png, UP) > 0.01
    assert colour_share(png, DOWN) == 0.0


def test_chart_of_nothing_is_no_data() -> None:
    empty = contributions(pd.Series(dtype="float64"), pd.Series(dtype="float64"))
    with pytest.raises(NoData):
        contributors_chart(empty, title="Nothing")
