"""Movers analytics (analytics/movers.py): thresholds, ranking, median, the vectorised universe
returns."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from analytics import calendar
from analytics.errors import BadInput, NoData
from analytics.movers import (
    MinMove,
    check_top,
    effective_direction,
    median_return,
    parse_direction,
    parse_min_move,
    rank_side,
    universe_returns,
)
from analytics.returns import window_returns
from analytics.windows import parse_window

# ---------------------------------------------------------------- options


@pytest.mark.parametrize(
    ("text", "fraction", "side"),
    [
        ("100%", 1.0, 0),
        ("100", 1.0, 0),
        ("-50%", 0.5, -1),
        ("+25%", 0.25, 1),
        ("0.5", 0.005, 0),
        (" 12.5 % ", 0.125, 0),
        (".5%", 0.005, 0),
        ("0", 0.0, 0),
    ],
)
def test_min_move_is_a_percent_with_an_optional_sign(text, fraction, side) -> None:
    parsed = parse_min_move(text)
    assert parsed is not None
    assert parsed.fraction == pytest.approx(fraction)
    assert parsed.side == side


@pytest.mark.parametrize("text", [None, "", "   "])
def test_empty_min_move_means_no_threshold(text) -> None:
    assert parse_min_move(text) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "is not a percent"),
        ("50%%", "is not a percent"),
        ("1e3", "is not a percent"),
        ("--5", "is not a percent"),
        ("-150%", "cannot fall more than 100%"),
        ("200000%", "too large"),
    ],
)
def test_bad_min_move_says_what_to_write(text, message) -> None:
    with pytest.raises(BadInput) as err:
        parse_min_move(text)
    assert message in err.value.message


def test_direction_and_top() -> None:
    assert parse_direction(None) == "both"
    assert parse_direction(" Gainers ") == "gainers"
    assert parse_direction("down") == "losers"
    with pytest.raises(BadInput, match="not one of: gainers, losers, both"):
        parse_direction("sideways")
    assert check_top(None) == 10
    assert check_top("25") == 25
    for bad in (0, 26, "ten"):
        with pytest.raises(BadInput):
            check_top(bad)


def test_a_signed_min_move_narrows_both_and_must_match_a_direction() -> None:
    falls = parse_min_move("-50%")
    assert effective_direction("both", falls) == "losers"
    assert effective_direction("losers", falls) == "losers"
    assert effective_direction("losers", parse_min_move("50%")) == "losers"
    assert effective_direction("both", parse_min_move("+5")) == "gainers"
    with pytest.raises(BadInput, match="write 50% \\(no sign\\) or set direction to losers"):
        effective_direction("gainers", falls)


# ---------------------------------------------------------------- ranking


@pytest.fixture
def six_returns() -> pd.DataFrame:
    """A: +50%, B and F: +20% (a tie), E: 0, C: -10%, D: -60%, G: no return."""
    values = {"A": 0.5, "B": 0.2, "C": -0.1, "D": -0.6, "E": 0.0, "F": 0.2, "G": math.nan}
    return pd.DataFrame({"return": values})


def test_gainers_rose_best_first_ties_by_ticker(six_returns) -> None:
    side = rank_side(six_returns, "gainers", top=2)
    assert list(side.ranked.index) == ["A", "B"]
    assert side.count == 3  # A, B, F rose; E did not move
    assert side.closest.empty


def test_losers_fell_worst_first(six_returns) -> None:
    side = rank_side(six_returns, "losers", top=10)
    assert list(side.ranked.index) == ["D", "C"]
    assert list(side.ranked["return"]) == [-0.6, -0.1]
    assert side.count == 2


@pytest.mark.parametrize(
    ("side", "threshold", "names", "count"),
    [
        ("gainers", "20%", ["A", "B", "F"], 3),  # at least: +20% meets 20%
        ("gainers", "25%", ["A"], 1),
        ("losers", "10%", ["D", "C"], 2),
        ("losers", "-11%", ["D"], 1),
        ("gainers", "0", ["A", "B", "F"], 3),  # a move of 0 is not a rise
    ],
)
def test_min_move_keeps_names_that_moved_at_least_that_much(
    six_returns, side, threshold, names, count
) -> None:
    ranked = rank_side(six_returns, side, top=10, min_move=parse_min_move(threshold))
    assert list(ranked.ranked.index) == names
    assert ranked.count == count
    assert ranked.closest.empty


def test_when_no_name_meets_min_move_the_closest_are_given(six_returns) -> None:
    gainers = rank_side(six_returns, "gainers", top=10, min_move=parse_min_move("70%"))
    assert gainers.count == 0 and gainers.ranked.empty
    assert list(gainers.closest.index) == ["A", "B", "F", "E", "C"]  # the 5 best, whatever sign
    losers = rank_side(six_returns, "losers", top=3, min_move=MinMove(0.7, -1, "-70%"))
    assert list(losers.closest.index) == ["D", "C", "E"]


def test_ranking_an_empty_table_is_empty() -> None:
    empty = pd.DataFrame({"return": pd.Series(dtype="float64")})
    side = rank_side(empty, "gainers", min_move=parse_min_move("10%"))
    assert side.count == 0 and side.ranked.empty and side.closest.empty
    assert math.isnan(median_return(empty))


def test_median_over_finite_returns(six_returns) -> None:
    # Finite: -0.6, -0.1, 0, 0.2, 0.2, 0.5 -> middle two 0 and 0.2.
    assert median_return(six_returns) == pytest.approx(0.1)
    odd = pd.DataFrame({"return": [0.3, -0.2, 0.1, math.inf]})
    assert median_return(odd) == pytest.approx(0.1)


# ---------------------------------------------------------------- universe returns


def _sessions(start: str, end: str) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(
        calendar.sessions_between(dt.date.fromisoformat(start), dt.date.fromisoformat(end))
    )


@pytest.fixture
def ragged_closes() -> pd.DataFrame:
    """40 names over Dec 2025 - Aug 2026 with gaps, late listings, halts and dead names."""
    rng = np.random.default_rng(7)
    days = _sessions("2025-12-01", "2026-08-21")
    frame = pd.DataFrame(
        rng.uniform(10, 20, (len(days), 40)), index=days, columns=[f"X{i:02d}" for i in range(40)]
    )
    frame.iloc[-1, 0] = np.nan  # missed the last session
    frame.iloc[:-3, 1] = np.nan  # listed three sessions ago
    frame.iloc[:150, 2] = np.nan  # listed in July
    frame.iloc[140:, 3] = np.nan  # stopped trading in July
    frame.iloc[150, 4] = np.nan  # one missing day
    frame.iloc[-8, 5] = np.nan
    frame.iloc[:, 6] = np.nan  # no prices at all
    frame["X10"] = frame["X11"]  # a tie
    return frame


@pytest.mark.parametrize(
    "window", ["1d", "5d", "20d", "2w", "1m", "ytd", "qtd", "2026-06-01:2026-07-15"]
)
@pytest.mark.parametrize("as_of", [None, dt.date(2026, 8, 20), dt.date(2026, 8, 16)])
def test_universe_returns_equal_window_returns(ragged_closes, window, as_of) -> None:
    parsed = parse_window(window)
    slow = window_returns(ragged_closes, parsed, as_of)
    fast = universe_returns(ragged_closes, parsed, as_of)
    pd.testing.assert_frame_equal(fast.table, slow.table, check_index_type=False)
    assert fast.excluded == slow.excluded
    assert (fast.start, fast.end) == (slow.start, slow.end)


def test_universe_returns_by_hand() -> None:
    days = _sessions("2026-08-03", "2026-08-21")  # 15 sessions
    closes = pd.DataFrame(index=days, data={"UP": 100.0, "DOWN": 50.0, "LATE": np.nan})
    closes.loc[days[-1], "UP"] = 130.0
    closes.loc[days[-1], "DOWN"] = 40.0
    closes.loc[days[-2:], "LATE"] = 10.0
    result = universe_returns(closes, parse_window("2w"))
    # 2w from Fri 2026-08-21 anchors on 2026-08-07, a session.
    assert result.start == pd.Timestamp("2026-08-07")
    assert result.table.loc["UP", "return"] == pytest.approx(0.3)
    assert result.table.loc["DOWN", "return"] == pytest.approx(-0.2)
    assert list(result.excluded) == ["LATE"]


def test_universe_returns_with_no_name_ranked_counts_instead_of_listing() -> None:
    days = _sessions("2026-08-03", "2026-08-21")
    closes = pd.DataFrame(index=days, data={f"N{i}": np.nan for i in range(30)})
    closes["N0"] = 1.0
    closes.loc[: days[-2], "N0"] = np.nan  # one price: nothing to measure from
    with pytest.raises(NoData):
        universe_returns(closes, parse_window("5d"))


def test_universe_returns_window_longer_than_the_data() -> None:
    closes = pd.DataFrame(index=_sessions("2026-08-03", "2026-08-21"), data={"A": 1.0, "B": 2.0})
    with pytest.raises(NoData, match="Window 1y starts 2025-08-21 but the data begins 2026-08-03"):
        universe_returns(closes, parse_window("1y"))
