"""Which names the nightly collection asks Yahoo about: each at most weekly, spread evenly over
the nights, never more than the night's request budget.

A name is due when it was never answered for (since it was wanted) or its last settled answer
is REFRESH_DAYS or more old. Tonight's quota is the even share, ceil(N / REFRESH_DAYS) of the
N names wanted, plus a seventh of the refreshes due beyond it (so missed nights are caught up
within about a week), capped by the requests left tonight (one request a name). The most overdue go
first (never-answered names count as overdue since the day they were first wanted), then the
heavier weights in their fund (relative to an equal weight), then by symbol. With N = 1,500 that is 215 names a night; with
more than REFRESH_DAYS x the budget (1,750 at 250) the cap wins and refreshes stretch beyond a
week.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

NIGHTLY_REQUESTS = 250
"""HTTP requests a night's collection may send (cookie and crumb included)."""

REFRESH_DAYS = 7
"""A name is asked about again once its last answer is this many days old."""


@dataclass(frozen=True)
class Want:
    """Why a name is collected: its priority (the largest weight it has in a wanted fund,
    relative to that fund's equal weight: 1.0 is an average name) and the day it was first
    wanted (the collection's first night, or when its universe was asked)."""

    weight: float
    since: dt.date


def lateness(want: Want, last: dt.date | None, night: dt.date) -> int:
    """Days overdue on `night`: >= 0 when due, negative when refreshed less than a week ago."""
    if last is None:
        return (night - want.since).days
    return (night - last).days - REFRESH_DAYS


def nightly_quota(wanted: int, due: int, overdue_refreshes: int, requests_left: int) -> int:
    """Names to ask about tonight: min(requests left, due, ceil(wanted / REFRESH_DAYS) +
    ceil(backlog / REFRESH_DAYS)), the backlog being the refreshes due beyond the even share
    (names asked about before: names never asked fill in at the even pace, so a first week is
    as even as the next); 0 when nothing is due or nothing is left."""
    if wanted <= 0 or due <= 0 or requests_left <= 0:
        return 0
    even = math.ceil(wanted / REFRESH_DAYS)
    backlog = max(overdue_refreshes - even, 0)
    return min(requests_left, due, even + math.ceil(backlog / REFRESH_DAYS))


def plan_night(
    wanted: Mapping[str, Want],
    last_settled: Mapping[str, dt.date],
    night: dt.date,
    *,
    requests_left: int = NIGHTLY_REQUESTS,
) -> list[str]:
    """Tonight's names, most overdue first (see the module docstring)."""
    due = [
        (lateness(want, last_settled.get(t), night), want.weight, t)
        for t, want in wanted.items()
        if lateness(want, last_settled.get(t), night) >= 0
    ]
    due.sort(key=lambda item: (-item[0], -item[1], item[2]))
    refreshes = sum(1 for _, _, t in due if t in last_settled)
    quota = nightly_quota(len(wanted), len(due), refreshes, requests_left)
    return [t for _, _, t in due[:quota]]
