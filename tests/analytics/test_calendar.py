"""analytics.calendar: the latest completed session, checked against the schedule's closes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics import calendar

UTC = dt.UTC


def _by_schedule(now: dt.datetime) -> dt.date:
    """The last session whose close is at or before `now`: a search of the calendar's whole
    schedule of closes (a second method, not the per-day lookups)."""
    closes = calendar.nyse().schedule["close"]
    utc_closes = closes.dt.tz_localize(None).to_numpy("datetime64[ns]")  # UTC, naive
    moment = pd.Timestamp(now)
    moment = moment.tz_localize("UTC") if moment.tzinfo is None else moment.tz_convert("UTC")
    found = int(np.searchsorted(utc_closes, moment.tz_localize(None).to_datetime64(), "right"))
    return closes.index[found - 1].date()


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # Tuesday 2026-12-01 15:00 ET: before the close, Monday is the latest.
        (dt.datetime(2026, 12, 1, 20, 0, tzinfo=UTC), dt.date(2026, 11, 30)),
        # At the close itself (16:00 ET = 21:00 UTC) the day counts; a microsecond before, not.
        (dt.datetime(2026, 12, 1, 21, 0, tzinfo=UTC), dt.date(2026, 12, 1)),
        (dt.datetime(2026, 12, 1, 20, 59, 59, 999999, tzinfo=UTC), dt.date(2026, 11, 30)),
        # Friday after Thanksgiving closes early (13:00 ET = 18:00 UTC).
        (dt.datetime(2026, 11, 27, 18, 0, tzinfo=UTC), dt.date(2026, 11, 27)),
        (dt.datetime(2026, 11, 27, 17, 59, tzinfo=UTC), dt.date(2026, 11, 25)),
        # Thanksgiving and a Sunday: the session before.
        (dt.datetime(2026, 11, 26, 23, 0, tzinfo=UTC), dt.date(2026, 11, 25)),
        (dt.datetime(2026, 11, 29, 12, 0, tzinfo=UTC), dt.date(2026, 11, 27)),
        # 01:00 UTC on a Wednesday is still Tuesday evening in New York.
        (dt.datetime(2026, 12, 2, 1, 0, tzinfo=UTC), dt.date(2026, 12, 1)),
        # Naive is UTC.
        (dt.datetime(2026, 12, 1, 21, 0), dt.date(2026, 12, 1)),
    ],
)
def test_last_completed_session_known_moments(now, expected):
    assert calendar.last_completed_session(now) == expected


def test_last_completed_session_equals_the_schedule_search_hour_by_hour():
    # Every 17 minutes over three years (holidays, early closes, both DST changes), in UTC
    # and as a pandas Timestamp in New York time.
    start = dt.datetime(2024, 1, 1, tzinfo=UTC)
    moments = [start + dt.timedelta(minutes=17 * k) for k in range(0, 3 * 365 * 24 * 60 // 17, 7)]
    for now in moments:
        expected = _by_schedule(now)
        assert calendar.last_completed_session(now) == expected, now
        eastern = pd.Timestamp(now).tz_convert(calendar.EASTERN)
        assert calendar.last_completed_session(eastern) == expected, eastern
