"""Cheap validation of /revisions options (no data is read)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from analytics.commands.common import check_as_of, parse_date
from analytics.data.yahoo_estimates import PERIODS
from analytics.errors import BadInput
from analytics.holdings.funds import FUNDS, known_funds_text
from analytics.revisions.collect import DEFAULT_UNIVERSES
from analytics.spec import ParseContext

MAX_UNIVERSES = len(FUNDS)


@dataclass(frozen=True)
class RevisionsRequest:
    universes: tuple[str, ...] = DEFAULT_UNIVERSES
    period: str = "0q"
    as_of: dt.date | None = None


def parse_universes(raw: str | None) -> tuple[str, ...]:
    """'ijr, IJH $IVV' -> ('IJR', 'IJH', 'IVV'); empty -> the default universes. Only funds
    with holdings (their weights and constituents) can be compared; repeats are kept once."""
    names: list[str] = []
    for token in re.split(r"[\s,;]+", (raw or "").strip()):
        key = token.strip().upper().lstrip("$")
        if not key:
            continue
        if key not in FUNDS:
            raise BadInput(
                f"'{token[:12]}' is not a fund with holdings to compare; give some of "
                f"{known_funds_text()}, e.g. IJR IJH IVV."
            )
        names.append(key)
    return tuple(dict.fromkeys(names)) or DEFAULT_UNIVERSES


def parse_revisions(values: dict[str, Any], ctx: ParseContext) -> RevisionsRequest:
    """Universes (funds), period (0q, +1q, 0y, +1y) and as_of (a past date or none)."""
    period = str(values.get("period") or "0q").strip().lower()
    if period not in PERIODS:
        raise BadInput(
            f"period '{period[:10]}' is not one of {', '.join(PERIODS)} (current quarter, next "
            "quarter, current fiscal year, next fiscal year)."
        )
    as_of = parse_date(values.get("as_of"), name="as_of")
    if ctx.today is not None:
        check_as_of(as_of, ctx.today)
    return RevisionsRequest(parse_universes(values.get("universes")), period, as_of)
