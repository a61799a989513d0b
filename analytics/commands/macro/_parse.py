"""Cheap validation of /macro's options (no data is read): the series, as_of, value,
direction and exclude, checked the same way on both front ends."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from analytics.commands.common import check_as_of, parse_date
from analytics.errors import BadInput
from analytics.macro.options import Range, check_value, parse_direction, parse_exclusions
from analytics.macro.series import GDP_CONTRIBUTIONS, MacroSeries, lookup
from analytics.spec import ParseContext


@dataclass(frozen=True)
class MacroRequest:
    """What /macro was asked.

    series:    the registry entry (a curated series, an uncurated FRED id, or gdp-contributions).
    value:     the value to ask about instead of the latest reading (the series' units).
    exclude:   date ranges left out of the history; None = the series' default, () = none.
    direction: "high"/"low", or None to follow the latest move.
    as_of:     use observations dated on or before this day only (None = the latest).
    """

    series: MacroSeries
    value: float | None = None
    exclude: tuple[Range, ...] | None = None
    direction: str | None = None
    as_of: dt.date | None = None


def split_ranges(raw: str | None) -> list[str] | None:
    """'2020Q2:2021Q4, 2008Q4:2009Q2' -> ['2020Q2:2021Q4', '2008Q4:2009Q2']; commas or spaces
    separate ranges (a range itself has neither); None or blank -> None (the default)."""
    if raw is None or not str(raw).strip():
        return None
    return str(raw).replace(",", " ").split()


def parse(values: dict[str, Any], ctx: ParseContext) -> MacroRequest:
    """The series (a known name or a valid FRED id), as_of (a past date), value (a finite
    number), direction (high/low) and exclude (START:END ranges or none)."""
    series = lookup(values["series"])
    as_of = parse_date(values.get("as_of"), name="as_of")
    if ctx.today is not None:
        check_as_of(as_of, ctx.today)
    value = values.get("value")
    check_value(None if value is None else float(value))
    direction = parse_direction(values.get("direction"))
    exclude = parse_exclusions(split_ranges(values.get("exclude")))
    if series.kind == GDP_CONTRIBUTIONS:
        given = [
            name
            for name, v in (("value", value), ("direction", direction), ("exclude", exclude))
            if v is not None
        ]
        if given:
            raise BadInput(
                f"gdp-contributions shows the latest quarters' contributions: {', '.join(given)} "
                "does not apply to it (as_of does). Leave it out, or ask about gdp."
            )
    return MacroRequest(
        series=series,
        value=None if value is None else float(value),
        exclude=exclude,
        direction=direction,
        as_of=as_of,
    )
