"""When a subscription's daily post is due: pure functions on the NYSE calendar.

A post time is either an offset from the session's close ("close+30": 30 minutes after the
close, so 16:30 ET on a normal day and 13:30 ET on an early-close day) or a fixed US Eastern
wall-clock time ("17:15"). All datetimes returned are aware UTC; Eastern times go through
zoneinfo, so daylight-saving changes are handled by the calendar, not by us.

The catch-up rule: the post for trading day D may go out from its due time until midnight
ET that ends D (the "same evening"). A bot that was down at the due time posts as soon as it
is back, if that is before midnight; otherwise that day's post is skipped, never sent days
later. Fixed times are therefore limited to 16:00-23:00 and offsets to 0-420 minutes (16:00 +
7 h = 23:00), which always leaves at least an hour to catch up.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from analytics import calendar
from analytics.calendar import EASTERN_TZ, eastern_date
from analytics.errors import BadInput

REGULAR_CLOSE = dt.time(16, 0)
EARLIEST_FIXED = dt.time(16, 0)
LATEST_FIXED = dt.time(23, 0)
MAX_OFFSET_MINUTES = 420
DEFAULT_OFFSET_MINUTES = 30
LOOKAHEAD_DAYS = 15
"""How far `next_post` searches for a session; the NYSE never closes for this long."""

POST_TIME_HELP = (
    "Write the time as an offset from the close, close+N minutes (close+30, the default; "
    f"close+0 to close+{MAX_OFFSET_MINUTES}; early-close days move with the close), or as a "
    f"fixed US Eastern time HH:MM from {EARLIEST_FIXED:%H:%M} to {LATEST_FIXED:%H:%M} (17:15)."
)

_OFFSET = re.compile(r"^close(?:\+(\d{1,3})(?:m|min)?)?$")
_FIXED = re.compile(r"^(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class PostTime:
    """When on a trading day the post is due.

    offset_minutes: minutes after the session's close (early closes included), or None;
    at:             a fixed US Eastern wall-clock time, or None. Exactly one is set.
    """

    offset_minutes: int | None = DEFAULT_OFFSET_MINUTES
    at: dt.time | None = None

    @property
    def text(self) -> str:
        """The canonical form, as stored and as `parse_post_time` reads it back."""
        if self.at is not None:
            return self.at.strftime("%H:%M")
        return f"close+{self.offset_minutes}"

    def describe(self) -> str:
        """'16:30 ET (30 minutes after the close; 13:30 on early-close days)' or '17:15 ET'."""
        if self.at is not None:
            return f"{self.at:%H:%M} ET"
        minutes = self.offset_minutes or 0
        regular = _add_minutes(REGULAR_CLOSE, minutes)
        early = _add_minutes(dt.time(13, 0), minutes)
        after = "at the close" if minutes == 0 else f"{minutes} minutes after the close"
        return f"{regular:%H:%M} ET ({after}; {early:%H:%M} on early-close days)"


DEFAULT_POST_TIME = PostTime()


def _add_minutes(time: dt.time, minutes: int) -> dt.time:
    return (dt.datetime.combine(dt.date(2000, 1, 1), time) + dt.timedelta(minutes=minutes)).time()


def parse_post_time(text: str | None) -> PostTime:
    """'close+30', 'close', '17:15' (US Eastern) -> PostTime; None/'' -> the default close+30.

    Case and spaces are ignored. Raises BadInput with POST_TIME_HELP for anything else, a time
    before the 16:00 close or after 23:00, or an offset beyond MAX_OFFSET_MINUTES.
    """
    raw = (text or "").strip()
    norm = re.sub(r"\s+", "", raw).lower()
    if not norm:
        return DEFAULT_POST_TIME
    if match := _OFFSET.match(norm):
        minutes = int(match.group(1) or 0)
        if minutes > MAX_OFFSET_MINUTES:
            raise BadInput(
                f"time '{raw[:20]}' is too late: at most close+{MAX_OFFSET_MINUTES} (the post "
                "must go out the same evening). " + POST_TIME_HELP
            )
        return PostTime(offset_minutes=minutes)
    if match := _FIXED.match(norm):
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour > 23 or minute > 59:
            raise BadInput(f"time '{raw[:20]}' is not a clock time. " + POST_TIME_HELP)
        at = dt.time(hour, minute)
        if at < EARLIEST_FIXED:
            raise BadInput(
                f"time {at:%H:%M} ET is before the {REGULAR_CLOSE:%H:%M} close; the post comes "
                "after the close. " + POST_TIME_HELP
            )
        if at > LATEST_FIXED:
            raise BadInput(f"time {at:%H:%M} ET is too late in the evening. " + POST_TIME_HELP)
        return PostTime(offset_minutes=None, at=at)
    raise BadInput(f"time '{raw[:20]}' is not a post time. " + POST_TIME_HELP)


def is_early_close(day: dt.date) -> bool:
    """True when session `day` closes before the regular 16:00 ET (e.g. 13:00 on 2024-07-03)."""
    close = calendar.session_close(day).astimezone(EASTERN_TZ)
    return close.time() < REGULAR_CLOSE


def session_on_or_before(day: dt.date) -> dt.date:
    """`day` when the NYSE trades on it, else the last session before it (Friday for a Sunday)."""
    sessions = calendar.sessions_between(day - dt.timedelta(days=LOOKAHEAD_DAYS), day)
    if len(sessions) == 0:
        raise ValueError(f"no NYSE session within {LOOKAHEAD_DAYS} days before {day}")
    return sessions[-1].date()


def post_due(day: dt.date, when: PostTime) -> dt.datetime:
    """The moment (aware UTC) the post for session `day` is due.

    Offset: session_close(day) + offset, so early closes move the post. Fixed: `at` on `day`
    in US Eastern (the UTC hour differs across daylight saving). `day` must be a session.
    """
    if when.at is not None:
        return dt.datetime.combine(day, when.at, tzinfo=EASTERN_TZ).astimezone(dt.UTC)
    close = calendar.session_close(day).astimezone(dt.UTC)
    return close + dt.timedelta(minutes=when.offset_minutes or 0)


def post_deadline(day: dt.date) -> dt.datetime:
    """Midnight US Eastern at the end of `day` (aware UTC): the last moment to catch up."""
    midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=EASTERN_TZ)
    return midnight.astimezone(dt.UTC)


def due_trading_day(
    now: dt.datetime, when: PostTime, *, since: dt.datetime | None = None
) -> dt.date | None:
    """The trading day whose post is due at `now`, or None.

    That is today's Eastern date D when D is an NYSE session and post_due(D) <= now <
    post_deadline(D). With `since` (when the subscription started), a day whose due time came
    before `since` is not owed: subscribing at 20:00 does not post at once for 16:30.
    """
    day = eastern_date(now)
    if not calendar.is_session(day):
        return None
    due = post_due(day, when)
    if not due <= now < post_deadline(day):
        return None
    if since is not None and due < since:
        return None
    return day


def next_post(now: dt.datetime, when: PostTime) -> dt.datetime:
    """The first due time strictly after `now` (aware UTC), skipping weekends and holidays."""
    start = eastern_date(now)
    for day in calendar.sessions_between(start, start + dt.timedelta(days=LOOKAHEAD_DAYS)):
        due = post_due(day.date(), when)
        if due > now:
            return due
    raise RuntimeError(f"no NYSE session within {LOOKAHEAD_DAYS} days of {start}")


def in_eastern(moment: dt.datetime) -> str:
    """'Tue 2024-07-02 16:30 ET' for replies."""
    return moment.astimezone(EASTERN_TZ).strftime("%a %Y-%m-%d %H:%M ET")
