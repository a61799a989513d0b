"""The NYSE trading calendar (holidays, early closes), from exchange_calendars."""

from __future__ import annotations

import datetime as dt
import threading
import warnings
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pandas as pd

if TYPE_CHECKING:
    import exchange_calendars as xcals

EASTERN = "America/New_York"
"""The NYSE's time zone, by name (pandas takes it as is)."""
EASTERN_TZ = ZoneInfo(EASTERN)
"""The same zone for datetime (`astimezone`, `combine(..., tzinfo=)`)."""


_BUILD_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def nyse() -> xcals.ExchangeCalendar:
    """The XNYS calendar (built once per process; building takes a few hundred ms)."""
    # One build at a time: worker threads may ask at once, and catch_warnings is process-wide.
    # exchange_calendars 4.x reads Series.values on tz-aware data, which pandas 3 deprecates.
    with _BUILD_LOCK, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Series.values returning an ndarray")
        import exchange_calendars as xcals  # 0.2 s: not at import (bot start-up, --help)

        return xcals.get_calendar("XNYS", start="1990-01-01")


def _clamp(day: dt.date) -> pd.Timestamp:
    cal = nyse()
    ts = pd.Timestamp(day)
    first, last = cal.first_session, cal.last_session
    return min(max(ts, first), last)


def sessions_between(start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    """NYSE sessions from start to end inclusive (empty if start > end)."""
    if start > end:
        return pd.DatetimeIndex([])
    return nyse().sessions_in_range(_clamp(start), _clamp(end))


# The per-day lookups below are cached: exchange_calendars takes tens of microseconds a call and
# the cache-first data layer asks once per ticker (2,000 for a fund universe).
@lru_cache(maxsize=65536)
def is_session(day: dt.date) -> bool:
    """True when the NYSE trades on `day`."""
    cal = nyse()
    ts = pd.Timestamp(day)
    if ts < cal.first_session or ts > cal.last_session:
        return ts.weekday() < 5
    return bool(cal.is_session(ts))


@lru_cache(maxsize=65536)
def session_close(day: dt.date) -> dt.datetime:
    """The closing time of session `day` as an aware UTC datetime (13:00 ET on early closes)."""
    close = nyse().session_close(pd.Timestamp(day))
    return close.to_pydatetime()


def eastern_date(moment: dt.datetime) -> dt.date:
    """The US Eastern calendar date of an aware datetime (naive is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(EASTERN_TZ).date()


def last_completed_session(now: dt.datetime) -> dt.date:
    """The most recent session whose close is at or before `now` (aware datetime; naive is
    taken as UTC). Per-day lookups, cached: every answer's memo key asks for it."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    session = _session_on_or_before(eastern_date(now))
    if session_close(session) > now:
        return _previous_session(session)
    return session


@lru_cache(maxsize=4096)
def _session_on_or_before(day: dt.date) -> dt.date:
    """`session_on_or_before` clamped to the calendar's range."""
    return nyse().date_to_session(_clamp(day), direction="previous").date()


@lru_cache(maxsize=4096)
def _previous_session(session: dt.date) -> dt.date:
    return nyse().previous_session(pd.Timestamp(session)).date()


@lru_cache(maxsize=65536)
def session_open(day: dt.date) -> dt.datetime:
    """The opening time of session `day` as an aware UTC datetime."""
    return nyse().session_open(pd.Timestamp(day)).to_pydatetime()


def session_on_or_before(day: dt.date) -> dt.date:
    """The last NYSE session on or before `day`."""
    if pd.Timestamp(day) < nyse().first_session:
        return day
    return _session_on_or_before(day)


def expected_session(asked: dt.date | None, now: dt.datetime) -> dt.date:
    """The session an answer should stand on: the last session on or before `asked`, never
    later than the latest completed one (with nothing asked, the latest completed session)."""
    latest = last_completed_session(now)
    if asked is None:
        return latest
    return min(session_on_or_before(asked), latest)
