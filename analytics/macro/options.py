"""The `macro` command's options, checked before any data is read: --exclude ranges,
--value and --direction."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence

import pandas as pd

from analytics.errors import BadInput
from analytics.macro.context import HIGH, LOW

Range = tuple[dt.date, dt.date]

_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
EXCLUDE_HELP = (
    "Write exclude as START:END with dates like 2020-04-01, 2020-04, 2020Q2 or 2020 "
    "(e.g. 2020Q2:2021Q4), or none to compare with the whole history."
)


def _bound(text: str, *, end: bool) -> dt.date:
    """One side of an exclusion range; a year, month or quarter covers all of it."""
    text = text.strip()
    if match := _QUARTER.match(text):
        year, quarter = int(match[1]), int(match[2])
        month = 3 * quarter - 2 + (2 if end else 0)
    elif match := _MONTH.match(text):
        year, month = int(match[1]), int(match[2])
    elif match := _YEAR.match(text):
        year, month = int(match[1]), 12 if end else 1
    else:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise BadInput(f"'{text[:20]}' is not a date. " + EXCLUDE_HELP) from None
    if not 1 <= month <= 12:
        raise BadInput(f"'{text[:20]}' has no month {month}. " + EXCLUDE_HELP)
    first = dt.date(year, month, 1)
    if not end:
        return first
    return (pd.Timestamp(first) + pd.offsets.MonthEnd(0)).date()


def parse_exclusions(raw: Sequence[str] | str | None) -> tuple[Range, ...] | None:
    """`--exclude` values -> date ranges (inclusive); None = the series' default exclusions,
    () for "none". Each value is START:END; bounds may be a date, a month (2020-04), a
    quarter (2020Q2) or a year, an end bound covering its whole period."""
    if raw is None:
        return None
    values = [raw] if isinstance(raw, str) else list(raw)
    if not values:
        return None
    if any(v.strip().lower() == "none" for v in values):
        if len(values) > 1:
            raise BadInput("exclude none means no exclusions; do not combine it with ranges.")
        return ()
    ranges: list[Range] = []
    for value in values:
        start_text, sep, end_text = value.partition(":")
        if not sep or not start_text.strip() or not end_text.strip():
            raise BadInput(f"'{value[:40]}' is not a range. " + EXCLUDE_HELP)
        start, end = _bound(start_text, end=False), _bound(end_text, end=True)
        if start > end:
            raise BadInput(f"The range {value.strip()} ends before it starts. " + EXCLUDE_HELP)
        ranges.append((start, end))
    return tuple(ranges)


def check_value(value: float | None) -> float | None:
    """A finite number for --value, or BadInput."""
    if value is not None and not math.isfinite(value):
        raise BadInput("value must be a number, e.g. 5.3.")
    return value


DIRECTION_HELP = (
    "Write direction high (when was it last this high) or low (this low), or leave it out "
    "to follow the latest move."
)
_DIRECTION_WORDS = {"high": HIGH, "highest": HIGH, "low": LOW, "lowest": LOW}


def parse_direction(raw: str | None) -> str | None:
    """'high'/'low' (case-free; 'highest'/'lowest' too) -> HIGH/LOW; None or '' -> None."""
    if raw is None or not str(raw).strip():
        return None
    text = str(raw).strip().lower()
    if text not in _DIRECTION_WORDS:
        raise BadInput(f"Direction '{text[:20]}' is neither high nor low. " + DIRECTION_HELP)
    return _DIRECTION_WORDS[text]
