"""Cheap validation of the /breadth options (no price or holdings is read)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from analytics.commands.breadth import DEFAULT_WINDOW
from analytics.commands.common import check_as_of, parse_date
from analytics.commands.constituents.universe import parse_universe
from analytics.errors import BadInput
from analytics.spec import ParseContext
from analytics.universes import UniverseSpec, universe_spec
from analytics.windows import Window, parse_window


@dataclass(frozen=True)
class BreadthRequest:
    """Validated options of one breadth question; `compare` is the second universe, if any."""

    window: Window
    as_of: dt.date | None
    universe: UniverseSpec
    compare: UniverseSpec | None = None


def parse(values: dict[str, Any], ctx: ParseContext) -> BreadthRequest:
    """Window, as_of (a past date), the universe (a fund, a named list, typed tickers or a file
    of tickers) and an optional second universe to compare with (a fund or a named list)."""
    window = parse_window(values.get("window") or DEFAULT_WINDOW)
    raw = values.get("as_of")
    as_of = raw if isinstance(raw, dt.date) else parse_date(raw, name="as_of")
    if ctx.today is not None:
        check_as_of(as_of, ctx.today)
    first = parse_universe(values, ctx)
    second = None
    if values.get("compare"):
        try:
            second = universe_spec(str(values["compare"]), folder=ctx.lists_folder)
        except BadInput as exc:
            raise BadInput(f"compare: {exc.message}") from None
        if _name(second).lower() == _name(first).lower():
            raise BadInput(
                f"compare names the same universe as universe ({_name(first)}); give another, "
                "e.g. universe IWM, compare IVV."
            )
    return BreadthRequest(window, as_of, first, second)


def _name(spec: UniverseSpec) -> str:
    if spec.fund is not None:
        return spec.fund.symbol
    assert spec.universe is not None
    return spec.universe.name
