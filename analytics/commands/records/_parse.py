"""Cheap validation of /records and /levels options (no data is read)."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from analytics.commands.common import check_as_of, parse_date
from analytics.errors import BadInput
from analytics.spec import ParseContext
from analytics.symbols import normalize_symbol

MAX_LEVELS = 10
LEVELS_HELP = "give numbers separated by spaces or commas, e.g. 2450 2642 3000"
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")


@dataclass(frozen=True)
class RecordsRequest:
    ticker: str
    as_of: dt.date | None = None


@dataclass(frozen=True)
class LevelsRequest:
    ticker: str
    levels: tuple[float, ...] = ()
    since: dt.date | None = None
    years: int = 3
    as_of: dt.date | None = None


def parse_levels(raw: str | None) -> tuple[float, ...]:
    """'2450 2,642, 3000' -> (2450.0, 2642.0, 3000.0); empty -> ().

    Whitespace separates levels, and so do commas, except a comma followed by three digits
    inside a number (2,642 is one level: a thousands separator). A leading $ is allowed.
    Repeated levels are kept once, in the order given. Raises BadInput for anything that is not
    a positive number, or for more than MAX_LEVELS levels.
    """
    numbers: list[float] = []
    for token in (raw or "").split():
        token = token.strip(",;").lstrip("$")
        if not token:
            continue
        parts = [token.replace(",", "")] if _THOUSANDS.match(token) else token.split(",")
        for part in (p.strip().lstrip("$") for p in parts):
            if not part:
                continue
            try:
                value = float(part)
            except ValueError:
                raise BadInput(f"'{part[:20]}' is not a price level; {LEVELS_HELP}.") from None
            if not math.isfinite(value) or value <= 0:
                raise BadInput(f"Level '{part[:20]}' is not a positive price; {LEVELS_HELP}.")
            numbers.append(value)
    levels = tuple(dict.fromkeys(numbers))
    if len(levels) > MAX_LEVELS:
        raise BadInput(f"Give at most {MAX_LEVELS} levels (got {len(levels)}).")
    return levels


def _as_of(values: dict[str, Any], ctx: ParseContext) -> dt.date | None:
    as_of = parse_date(values.get("as_of"), name="as_of")
    if ctx.today is not None:
        check_as_of(as_of, ctx.today)
    return as_of


def parse_records(values: dict[str, Any], ctx: ParseContext) -> RecordsRequest:
    """The ticker (a valid symbol) and as_of (a past date or none)."""
    return RecordsRequest(ticker=normalize_symbol(values["ticker"]), as_of=_as_of(values, ctx))


def parse_levels_request(values: dict[str, Any], ctx: ParseContext) -> LevelsRequest:
    """Ticker, levels, since (before as_of), years (1-20) and as_of."""
    ticker = normalize_symbol(values["ticker"])
    as_of = _as_of(values, ctx)
    since = parse_date(values.get("since"), name="since")
    latest = as_of or ctx.today
    if since is not None and latest is not None and since >= latest:
        raise BadInput(
            f"since {since.isoformat()} is not before {'as_of' if as_of else 'today'} "
            f"{latest.isoformat()}; give an earlier date or leave it empty (a year back)."
        )
    years = int(values.get("years") or 3)
    if not 1 <= years <= 20:
        raise BadInput(f"years {years} is out of range; give 1 to 20 (default 3).")
    return LevelsRequest(
        ticker=ticker,
        levels=parse_levels(values.get("levels")),
        since=since,
        years=years,
        as_of=as_of,
    )
