"""Cheap validation of the /contributors options (before any download or price read)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from analytics.commands.common import check_as_of, parse_date
from analytics.commands.contributors import DEFAULT_FUND, DEFAULT_TOP, DEFAULT_WINDOW, MAX_TOP
from analytics.errors import BadInput
from analytics.holdings import Fund, get_fund
from analytics.spec import ParseContext
from analytics.windows import Window, parse_window


@dataclass(frozen=True)
class ContributorsRequest:
    """Validated options of one `contributors` call."""

    fund: Fund
    window: Window
    top: int
    as_of: dt.date | None


def parse(values: dict[str, Any], ctx: ParseContext) -> ContributorsRequest:
    """The fund (a known iShares fund, any case), window, top (1-15) and as_of (a past date);
    raises BadInput saying what to type."""
    top = values.get("top", DEFAULT_TOP)
    if isinstance(top, bool) or not isinstance(top, int) or not 1 <= top <= MAX_TOP:
        raise BadInput(f"top must be a whole number from 1 to {MAX_TOP} (got {top}); e.g. top 5.")
    raw = values.get("as_of")
    as_of = raw if isinstance(raw, dt.date) else parse_date(raw, name="as_of")
    if ctx.today is not None:
        check_as_of(as_of, ctx.today)
    fund = get_fund(values.get("fund") or DEFAULT_FUND)
    return ContributorsRequest(
        fund, parse_window(values.get("window") or DEFAULT_WINDOW), top, as_of
    )
