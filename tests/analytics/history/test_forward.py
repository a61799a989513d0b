"""Forward windows and returns: `3m` from D ends at the last session on or before D + 3 calendar
months (clamped to month end), checked against a plain loop over the NYSE calendar."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics import calendar
from analytics.history.forward import (
    forward_end_positions,
    forward_path,
    forward_returns,
    horizon_window,
)

SESSIONS = calendar.sessions_between(dt.date(2022, 1, 3), dt.date(2024, 12, 31))


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months later, clamped to the month's last day (by hand, no pandas)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    for d in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, d))
        except ValueError:
            continue
    raise AssertionError


def last_on_or_before(target: dt.date) -> int:
    days = [s.date() for s in SESSIONS]
    return max(i for i, d in enumerate(days) if d <= target)


@pytest.mark.parametrize(("horizon", "months"), [("1m", 1), ("3m", 3), ("6m", 6), ("12m", 12)])
def test_month_horizons_end_at_the_last_session_on_or_before_d_plus_months(horizon, months):
    starts = np.arange(0, len(SESSIONS), 7)
    ends = forward_end_positions(SESSIONS, starts, horizon)
    last = SESSIONS[-1].date()
    for start, end in zip(starts, ends, strict=True):
        target = add_months(SESSIONS[start].date(), months)
        assert end == (last_on_or_before(target) if target <= last else -1)


def test_month_end_clamps_and_leap_years():
    pos = {s.date(): i for i, s in enumerate(SESSIONS)}
    starts = np.array([pos[dt.date(2023, 11, 30)], pos[dt.date(2022, 11, 30)]])
    ends = forward_end_positions(SESSIONS, starts, "3m")
    assert [SESSIONS[e].date() for e in ends] == [dt.date(2024, 2, 29), dt.date(2023, 2, 28)]


def test_a_week_is_seven_calendar_days_and_nd_is_sessions():
    pos = {s.date(): i for i, s in enumerate(SESSIONS)}
    # Thursday 2023-06-29 + 7 days = Thursday 2023-07-06 (July 4 closed, still 7 days)
    start = np.array([pos[dt.date(2023, 6, 29)]])
    assert SESSIONS[forward_end_positions(SESSIONS, start, "1w")[0]].date() == dt.date(2023, 7, 6)
    assert forward_end_positions(SESSIONS, start, "5d")[0] == start[0] + 5
    # Good Friday 2024-03-29 closed: 2024-03-22 + 1w ends on Thursday 2024-03-28
    start = np.array([pos[dt.date(2024, 3, 22)]])
    assert SESSIONS[forward_end_positions(SESSIONS, start, "1w")[0]].date() == dt.date(2024, 3, 28)


def test_a_window_past_the_data_is_minus_one_unless_it_ends_on_the_weekend_after_it():
    data = SESSIONS[pd.Timestamp("2024-12-27") >= SESSIONS]  # ends on a Friday
    start = np.array([int(np.flatnonzero(data == pd.Timestamp("2024-11-29"))[0])])
    # 2024-11-29 + 1m = Sunday 2024-12-29: past the last session...
    assert forward_end_positions(data, start, "1m")[0] == -1
    # ...but before the next session (Monday 2024-12-30), so its last session is the Friday.
    through = pd.Timestamp("2024-12-29")
    assert forward_end_positions(data, start, "1m", through)[0] == len(data) - 1
    # one more month is past the data either way
    assert forward_end_positions(data, start, "3m", through)[0] == -1
    assert forward_end_positions(data, np.array([len(data) - 3]), "5d")[0] == -1


def test_forward_returns_and_paths_on_constant_growth():
    closes = 100 * 1.01 ** np.arange(len(SESSIONS))
    starts = np.array([0, 10, len(SESSIONS) - 3])
    ends = forward_end_positions(SESSIONS, starts, "1m")
    returns = forward_returns(closes, starts, ends)
    for start, end, value in zip(starts, ends, returns, strict=True):
        if end < 0:
            assert np.isnan(value)
        else:
            assert value == pytest.approx(1.01 ** (end - start) - 1)
    assert forward_path(closes, 10, 13) == pytest.approx([0, 0.01, 1.01**2 - 1, 1.01**3 - 1])


def test_horizons_are_lengths():
    assert horizon_window("12m").n == 12
    with pytest.raises(ValueError):
        horizon_window("ytd")
