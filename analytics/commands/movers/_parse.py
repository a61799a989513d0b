"""Cheap validation of the /movers options (no price or holdings is read)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from analytics.commands.common import check_as_of, parse_date
from analytics.commands.constituents.universe import parse_universe
from analytics.movers import (
    MinMove,
    check_top,
    effective_direction,
    parse_direction,
    parse_min_move,
)
from analytics.spec import ParseContext
from analytics.universes import UniverseSpec
from analytics.windows import Window, parse_window


@dataclass(frozen=True)
class MoversRequest:
    """Validated options of one movers question (direction already narrowed by min_move's sign).

    universe: a fund whose holdings are still to be chosen for the window, or a ready list.
    """

    window: Window
    direction: str
    top: int
    min_move: MinMove | None
    as_of: dt.date | None
    universe: UniverseSpec


def parse(values: dict[str, Any], ctx: ParseContext) -> MoversRequest:
    """Window, direction, top (1-25), min_move, as_of (a past date) and the universe (a fund, a
    named list from the lists folder, typed tickers or a file of tickers). Raises BadInput
    saying what to type instead."""
    window = parse_window(values.get("window") or "1d")
    threshold = parse_min_move(values.get("min_move"))
    side = effective_direction(parse_direction(values.get("direction")), threshold)
    as_of = parse_date(_text(values.get("as_of")), name="as_of")
    if ctx.today is not None:
        check_as_of(as_of, ctx.today)
    top = check_top(values.get("top"))
    return MoversRequest(window, side, top, threshold, as_of, parse_universe(values, ctx))


def _text(value: object) -> str | None:
    """A date given as a date (the digest) or as typed."""
    return value.isoformat() if isinstance(value, dt.date) else value  # type: ignore[return-value]
