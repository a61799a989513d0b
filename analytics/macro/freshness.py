"""Whether a macro series' latest observation is older than its frequency would lead a reader
to expect, so the answer says "as of" it.

FRED dates an observation by the start of its period and publishes it after the period ends:
unemployment for November (2025-11-01) comes out in early December, GDP for a quarter about a
month after the quarter. The normal age of the latest observation is therefore up to one
period plus the publication lag; MAX_AGE_DAYS allows that plus a margin for late releases.
"""

from __future__ import annotations

import datetime as dt

MAX_AGE_DAYS: dict[str, int] = {
    "daily": 7,  # a long weekend and a holiday, plus FRED's one-day lag
    "weekly": 16,  # the week itself plus the next Thursday's release
    "biweekly": 24,
    "monthly": 100,  # the month, a release in the following weeks, a late one (PCE, JOLTS)
    "quarterly": 230,  # the quarter, the advance estimate a month on, and the next quarter
    "semiannual": 320,
    "annual": 550,
}
UNKNOWN_MAX_AGE_DAYS = 100


def max_age(frequency: str) -> dt.timedelta:
    """The oldest the latest observation of a series of this frequency normally is."""
    return dt.timedelta(days=MAX_AGE_DAYS.get(frequency, UNKNOWN_MAX_AGE_DAYS))


def overdue(latest: dt.date, expected: dt.date, frequency: str) -> bool:
    """True when, on `expected` (the session the answer should stand on), an observation
    dated `latest` is older than `max_age(frequency)`: newer ones should exist by then."""
    return expected - latest > max_age(frequency)
