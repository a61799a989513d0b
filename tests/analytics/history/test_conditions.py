"""Conditions per session, against the streak functions and the window grammar themselves."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics import calendar
from analytics.errors import NoData
from analytics.history.conditions import (
    beat_mask,
    direction_mask,
    move_condition,
    record_mask,
    trailing_returns,
)
from analytics.streaks import beat_streak, direction_streak
from analytics.windows import parse_window, window_bounds

SESSIONS = calendar.sessions_between(dt.date(2021, 1, 4), dt.date(2023, 6, 30))


def walk(seed: int, n: int = len(SESSIONS)) -> pd.Series:
    rng = np.random.default_rng(seed)
    values = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    return pd.Series(values, index=SESSIONS[:n])


def test_beat_mask_is_beat_streaks_mask_when_a_leads():
    a, b = walk(1), walk(2)
    mask = beat_mask(a, b)
    # beat_streak reports a's wins when a won the last session (else b's): cut there.
    for end in mask.index[mask.to_numpy()][-5:]:
        streak = beat_streak(a, b, end.date())
        assert not streak.flipped
        assert streak.mask.tolist() == mask.loc[:end].tolist()
    assert not mask.iloc[0]


def test_beat_mask_uses_common_sessions_only():
    a = pd.Series([100.0, 101, 102, 103], index=SESSIONS[:4])
    b = pd.Series([100.0, 100, 103], index=SESSIONS[[0, 2, 3]])  # no session 1
    mask = beat_mask(a, b)
    assert list(mask.index) == list(SESSIONS[[0, 2, 3]])
    # session 2: a 102/100 - 1 = 2% vs b 0%; session 3: a 103/102 - 1 < b 3%
    assert mask.tolist() == [False, True, False]


def test_direction_mask_by_hand_and_like_direction_streak():
    closes = pd.Series([10.0, 11, 11, 10, 12, 13], index=SESSIONS[:6])
    assert direction_mask(closes, "up").tolist() == [False, True, False, False, True, True]
    assert direction_mask(closes, "down").tolist() == [False, False, False, True, False, False]
    assert direction_streak(closes, "up").mask.tolist() == direction_mask(closes, "up").tolist()
    with pytest.raises(ValueError):
        direction_mask(closes, "sideways")


def test_record_mask_marks_new_highs_only():
    highs = pd.Series([5.0, 6, 6, 7, 3, 8], index=SESSIONS[:6])
    assert record_mask(highs).tolist() == [False, True, False, True, False, True]
    with pytest.raises(NoData):
        record_mask(highs.iloc[:1])


@pytest.mark.parametrize("text", ["5d", "2w", "1m", "3m", "1y", "ytd", "qtd", "mtd"])
def test_trailing_returns_are_the_window_grammars_at_every_session(text):
    closes = walk(3)
    window = parse_window(text)
    got = trailing_returns(closes, window)
    for day in SESSIONS:
        try:
            start, end = window_bounds(window, SESSIONS, day.date())
        except NoData:
            assert np.isnan(got[day]), day
            continue
        assert got[day] == pytest.approx(closes[end] / closes[start] - 1), (text, day)


def test_trailing_returns_refuse_a_date_range():
    with pytest.raises(ValueError):
        trailing_returns(walk(4), parse_window("2022-01-03:2022-06-30"))


def test_move_condition_at_least_a_rise_or_at_most_a_fall():
    returns = pd.Series([np.nan, 0.05, 0.1, 0.12, -0.1, -0.2], index=SESSIONS[:6])
    assert move_condition(returns, 0.1).tolist() == [False, False, True, True, False, False]
    assert move_condition(returns, -0.1).tolist() == [False, False, False, False, True, True]
    with pytest.raises(ValueError):
        move_condition(returns, 0.0)
