"""The window grammar shared by every command: `5d`, `3m`, `ytd`, `2024-01-02:2024-03-28`.

A window ending at session E starts at session B; the return over it is
close(E) / close(B) - 1, where B is

- `Nd`: the session N sessions before E (N trading sessions, counted in the given data);
- `Nw`, `Nm` (or `Nmo`), `Ny`: the last session on or before E minus N calendar
  weeks / months / years (month arithmetic clamps to month end: 3m from May 31 is Feb 28/29);
- `ytd`, `qtd`, `mtd`: the last session of the previous year / quarter / month;
- `YYYY-MM-DD:YYYY-MM-DD`: the last session on or before the first date, and E is the last
  session on or before the second date (an explicit range ignores `as_of`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd

from analytics.errors import BadInput, NoData

WINDOW_HELP = (
    "Valid windows: `Nd` trading sessions (5d, 20d), `Nw` weeks (2w), `Nm` or `Nmo` months "
    "(3m, 6mo), `Ny` years (1y, 5y), `ytd`, `qtd`, `mtd`, or a date range "
    "`YYYY-MM-DD:YYYY-MM-DD` (2024-01-02:2024-03-28)."
)

_UNITS = {"d": "sessions", "w": "weeks", "m": "months", "mo": "months", "y": "years"}
# Upper bounds keep typos like 20000y from turning into silly requests (about 100 years each).
_MAX_N = {"sessions": 25_000, "weeks": 5_200, "months": 1_200, "years": 100}
_TO_DATE = ("ytd", "qtd", "mtd")
_COUNT = re.compile(r"^(\d+)(d|w|mo|m|y)$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2}):(\d{4}-\d{2}-\d{2})$")
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)
"""Dates outside these bounds are refused before any work: a window counted back from
0001-01-01 overflows Python's dates, and no price history reaches either end."""

# A calendar anchor can fall in a market closure: 9/11 closed the NYSE for four sessions,
# so the last session on or before an anchor can be up to 6 days earlier.
_ANCHOR_SLACK = dt.timedelta(days=10)
# ...and the last session on or before a requested end date can be as many days before it.
_END_SLACK = dt.timedelta(days=7)


@dataclass(frozen=True)
class Window:
    """A parsed window.

    kind: "sessions", "weeks", "months", "years", "ytd", "qtd", "mtd" or "range".
    n:    the count for the first four kinds, else None.
    start, end: the dates of an explicit range, else None.
    text: the normalised text the user typed (lower case, no spaces).
    """

    text: str
    kind: str
    n: int | None = None
    start: dt.date | None = None
    end: dt.date | None = None

    @property
    def label(self) -> str:
        """A human description: '20 sessions', '3 months', 'YTD', '2024-01-02 to 2024-03-28'."""
        if self.kind == "range":
            return f"{self.start} to {self.end}"
        if self.kind in _TO_DATE:
            return self.kind.upper()
        unit = self.kind if self.n != 1 else self.kind[:-1]
        return f"{self.n} {unit}"


def parse_window(text: str) -> Window:
    """Parse a window such as '5d', '3MO', ' ytd ', '2024-01-02:2024-03-28'.

    Case-insensitive; spaces anywhere are ignored. Raises BadInput naming the valid forms.
    """
    raw = (text or "").strip()
    norm = re.sub(r"\s+", "", raw).lower()
    if not norm:
        raise BadInput("No window given. " + WINDOW_HELP)
    if norm in _TO_DATE:
        return Window(text=norm, kind=norm)
    match = _COUNT.match(norm)
    if match:
        n, kind = int(match.group(1)), _UNITS[match.group(2)]
        if n < 1:
            raise BadInput(f"Window '{raw}' has length 0; use at least 1. " + WINDOW_HELP)
        if n > _MAX_N[kind]:
            raise BadInput(
                f"Window '{raw}' is too long: at most {_MAX_N[kind]} {kind}. " + WINDOW_HELP
            )
        return Window(text=norm, kind=kind, n=n)
    match = _RANGE.match(norm)
    if match:
        start, end = (_parse_date(match.group(i), raw) for i in (1, 2))
        if start >= end:
            raise BadInput(f"In '{raw}' the first date must be before the second. " + WINDOW_HELP)
        return Window(text=norm, kind="range", start=start, end=end)
    raise BadInput(f"'{raw[:40]}' is not a window. " + WINDOW_HELP)


def _parse_date(value: str, raw: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise BadInput(
            f"'{value}' in '{raw}' is not a real date (YYYY-MM-DD). " + WINDOW_HELP
        ) from None
    if not in_date_range(day):
        raise BadInput(f"'{value}' in '{raw}' {out_of_range(day)}")
    return day


DATE_RANGE_HELP = f"give a date between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}."


def in_date_range(day: dt.date) -> bool:
    """True for dates from EARLIEST_DATE to LATEST_DATE."""
    return EARLIEST_DATE <= day <= LATEST_DATE


def out_of_range(day: dt.date) -> str:
    """The end of the message for a date outside the range ('is out of range: ...')."""
    if day > LATEST_DATE:  # surely in the future: say so, as for any future date
        return f"is in the future and out of range: {DATE_RANGE_HELP}"
    return f"is out of range: {DATE_RANGE_HELP}"


def window_anchor(window: Window, end: dt.date) -> dt.date | None:
    """The calendar date B must be on or before, for a window ending on `end`.

    None for `Nd` (counted in sessions, not dates). For a range: its first date.
    """
    if window.kind == "range":
        return window.start
    if window.kind == "sessions":
        return None
    if window.kind == "ytd":
        return dt.date(end.year - 1, 12, 31)
    if window.kind == "qtd":
        first_month = 3 * ((end.month - 1) // 3) + 1
        return dt.date(end.year, first_month, 1) - dt.timedelta(days=1)
    if window.kind == "mtd":
        return dt.date(end.year, end.month, 1) - dt.timedelta(days=1)
    assert window.n is not None
    offset = pd.DateOffset(**{window.kind: window.n})  # clamps May 31 - 3 months to Feb 28/29
    return (pd.Timestamp(end) - offset).date()


def window_bounds(
    window: Window, sessions: pd.DatetimeIndex, as_of: dt.date | None = None
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """(B, E): the window's first and last session, picked from `sessions`.

    `sessions` are the dates where prices exist (any order, duplicates ignored). E is the last
    session on or before `as_of` (default: the last session); for an explicit range, E is the
    last session on or before the range's end and `as_of` is ignored.
    Raises NoData when the data does not reach back to B or has no session on or before E.
    """
    days = pd.DatetimeIndex(sessions).unique().sort_values()
    if len(days) == 0:
        raise NoData("No price data to measure the window on.")
    first = days[0].date()
    end_limit = window.end if window.kind == "range" else as_of
    if end_limit is None:
        e_pos = len(days) - 1
    else:
        e_pos = int(days.searchsorted(pd.Timestamp(end_limit), side="right")) - 1
        if e_pos < 0:
            raise NoData(f"No data on or before {end_limit}: the data begins {first}.")
    end = days[e_pos]

    if window.kind == "sessions":
        assert window.n is not None
        b_pos = e_pos - window.n
        if b_pos < 0:
            raise NoData(
                f"Window {window.text} needs {window.n + 1} sessions ending {end.date()} "
                f"but the data has {e_pos + 1} (it begins {first})."
            )
        return days[b_pos], end

    anchor = window_anchor(window, end.date())
    assert anchor is not None
    b_pos = int(days.searchsorted(pd.Timestamp(anchor), side="right")) - 1
    if b_pos < 0:
        raise NoData(f"Window {window.text} starts {anchor} but the data begins {first}.")
    if b_pos >= e_pos:
        raise NoData(
            f"Window {window.text} contains no session after {days[b_pos].date()}; "
            "pick dates further apart."
        )
    return days[b_pos], end


def earliest_needed(window: Window, end: dt.date) -> dt.date:
    """A calendar date early enough that data from it covers B for a window ending by `end`.

    For `Nd`: N sessions take at most about 1.45 calendar days each (weekends plus ~10 NYSE
    holidays a year); 1.5 days each plus a week is generous. For the calendar forms, E may be
    up to a week before `end` (a holiday weekend, the 9/11 closure) and B is then anchored on
    E, not on `end` (ytd asked on Jan 1 ends on the last December session, so B is the year
    end before that): the anchor of `end` minus a week, minus 10 days for B to fall back to a
    session. This fetches a year too much for ytd in the first week of January, never too little.
    """
    if window.kind == "sessions":
        assert window.n is not None
        return end - dt.timedelta(days=int(window.n * 1.5) + 7)
    anchor = window_anchor(window, end - _END_SLACK)
    assert anchor is not None
    return anchor - _ANCHOR_SLACK
