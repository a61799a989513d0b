"""When posts are due: post times, the NYSE calendar, early closes, daylight saving
(tests/bot/test_scheduler.py runs the scheduler on them)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analytics.errors import BadInput
from analytics.subscriptions.schedule import (
    DEFAULT_POST_TIME,
    PostTime,
    due_trading_day,
    is_early_close,
    next_post,
    parse_post_time,
    post_deadline,
    post_due,
    session_on_or_before,
)

GUILD = 1


def et(text: str) -> dt.datetime:
    """A US Eastern wall-clock time as an aware UTC datetime."""
    return pd.Timestamp(text, tz="America/New_York").tz_convert("UTC").to_pydatetime()


def utc(text: str) -> dt.datetime:
    return pd.Timestamp(text, tz="UTC").to_pydatetime()


# --- post times ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, PostTime(offset_minutes=30)),
        ("", PostTime(offset_minutes=30)),
        ("close+30", PostTime(offset_minutes=30)),
        (" Close + 15 ", PostTime(offset_minutes=15)),
        ("close+60m", PostTime(offset_minutes=60)),
        ("close", PostTime(offset_minutes=0)),
        ("17:15", PostTime(offset_minutes=None, at=dt.time(17, 15))),
        ("16:00", PostTime(offset_minutes=None, at=dt.time(16, 0))),
        ("23:00", PostTime(offset_minutes=None, at=dt.time(23, 0))),
    ],
)
def test_post_times_parse(text, expected):
    assert parse_post_time(text) == expected
    assert parse_post_time(expected.text) == expected  # the stored text reads back


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("15:30", "time 15:30 ET is before the 16:00 close"),
        ("23:30", "time 23:30 ET is too late in the evening"),
        ("close+421", "time 'close+421' is too late: at most close+420"),
        ("25:00", "time '25:00' is not a clock time"),
        ("after lunch", "time 'after lunch' is not a post time"),
        ("close-10", "time 'close-10' is not a post time"),
    ],
)
def test_bad_post_times_say_what_to_write(text, message):
    with pytest.raises(BadInput) as info:
        parse_post_time(text)
    assert info.value.message.startswith(message)
    assert "close+N minutes" in info.value.message and "HH:MM" in info.value.message


def test_descriptions_give_the_eastern_times():
    assert DEFAULT_POST_TIME.describe() == (
        "16:30 ET (30 minutes after the close; 13:30 on early-close days)"
    )
    assert parse_post_time("17:15").describe() == "17:15 ET"


# --- due times on the calendar ------------------------------------------------------------------


def test_offsets_follow_the_close_and_daylight_saving():
    # Regular day in summer (EDT, UTC-4): 16:00 + 30 min = 20:30 UTC.
    assert post_due(dt.date(2024, 7, 2), DEFAULT_POST_TIME) == utc("2024-07-02 20:30")
    # Early close 13:00 EDT on the eve of Independence Day: 13:30 EDT = 17:30 UTC.
    assert post_due(dt.date(2024, 7, 3), DEFAULT_POST_TIME) == utc("2024-07-03 17:30")
    # Black Friday early close in EST (UTC-5): 13:30 EST = 18:30 UTC.
    assert post_due(dt.date(2024, 11, 29), DEFAULT_POST_TIME) == utc("2024-11-29 18:30")
    # The Friday before DST starts (EST) and the Monday after (EDT).
    assert post_due(dt.date(2024, 3, 8), DEFAULT_POST_TIME) == utc("2024-03-08 21:30")
    assert post_due(dt.date(2024, 3, 11), DEFAULT_POST_TIME) == utc("2024-03-11 20:30")


def test_fixed_times_are_eastern_wall_clock_whatever_the_close():
    at = parse_post_time("17:15")
    assert post_due(dt.date(2024, 7, 3), at) == utc("2024-07-03 21:15")  # early close ignored
    assert post_due(dt.date(2024, 3, 8), at) == utc("2024-03-08 22:15")
    assert post_due(dt.date(2024, 3, 11), at) == utc("2024-03-11 21:15")


def test_early_closes_and_deadlines():
    assert is_early_close(dt.date(2024, 7, 3))
    assert is_early_close(dt.date(2024, 12, 24))
    assert not is_early_close(dt.date(2024, 7, 2))
    assert post_deadline(dt.date(2024, 7, 2)) == utc("2024-07-03 04:00")  # midnight EDT
    assert post_deadline(dt.date(2024, 12, 2)) == utc("2024-12-03 05:00")  # midnight EST


def test_a_day_is_due_from_its_due_time_until_midnight_eastern():
    when = DEFAULT_POST_TIME
    assert due_trading_day(et("2024-07-02 16:29:59"), when) is None
    assert due_trading_day(et("2024-07-02 16:30"), when) == dt.date(2024, 7, 2)
    assert due_trading_day(et("2024-07-02 23:59"), when) == dt.date(2024, 7, 2)
    assert due_trading_day(et("2024-07-03 00:00"), when) is None  # not the day before
    assert due_trading_day(et("2024-07-03 13:30"), when) == dt.date(2024, 7, 3)  # early close
    assert due_trading_day(et("2024-07-04 16:30"), when) is None  # Independence Day
    assert due_trading_day(et("2024-07-06 16:30"), when) is None  # Saturday


def test_a_subscription_started_after_the_due_time_waits_for_the_next_day():
    since = et("2024-07-02 20:00")
    assert due_trading_day(et("2024-07-02 20:05"), DEFAULT_POST_TIME, since=since) is None
    started_before = et("2024-07-02 16:20")
    assert due_trading_day(et("2024-07-02 16:30"), DEFAULT_POST_TIME, since=started_before) == (
        dt.date(2024, 7, 2)
    )


def test_next_post_skips_the_weekend_and_the_holiday():
    assert next_post(et("2024-07-03 13:30"), DEFAULT_POST_TIME) == et("2024-07-05 16:30")
    assert next_post(et("2024-07-05 20:00"), DEFAULT_POST_TIME) == et("2024-07-08 16:30")
    assert next_post(et("2024-07-03 09:00"), DEFAULT_POST_TIME) == et("2024-07-03 13:30")


def test_session_on_or_before():
    assert session_on_or_before(dt.date(2024, 7, 7)) == dt.date(2024, 7, 5)  # Sunday
    assert session_on_or_before(dt.date(2024, 7, 4)) == dt.date(2024, 7, 3)  # holiday
    assert session_on_or_before(dt.date(2024, 7, 3)) == dt.date(2024, 7, 3)
