"""The digest's returns section: the day's and the year's returns of a few funds (two
/compare comparisons read as typed figures).

Light at import: the command modules are imported when the section runs (parts.py says why).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from analytics.answer import Answer, Column, Field, Table, jsonable
from analytics.commands.common import pct
from analytics.data.market import MarketData
from analytics.spec import NoProgress, Progress


@dataclass(frozen=True)
class DailyReturns:
    """Each ticker's total return (a fraction, adjusted closes) on the day (window 1d) and year
    to date, both windows ending on `end`; `day_start` and `ytd_start` are their B."""

    day: dict[str, float]
    ytd: dict[str, float]
    day_start: dt.date
    ytd_start: dt.date
    end: dt.date


def daily_returns_answer(
    market: MarketData, tickers: Sequence[str], day: dt.date, progress: Progress | None = None
) -> Answer:
    """The returns section: the day's and the year's returns of `tickers` as of `day`, ranked by
    the day's, with the YTD chart; `result` is the `DailyReturns`. Blocking (a worker thread)."""
    from analytics.commands.streaks._compare import compare
    from analytics.commands.streaks._parse import CompareRequest
    from analytics.windows import parse_window

    names = tuple(tickers)
    ytd = compare(market, CompareRequest(names, parse_window("ytd"), day), progress or NoProgress())
    today = compare(market, CompareRequest(names, parse_window("1d"), day))
    figures = DailyReturns(
        day=today.by_ticker(),
        ytd=ytd.by_ticker(),
        day_start=today.start,
        ytd_start=ytd.start,
        end=ytd.end,
    )
    order = sorted(names, key=lambda t: -figures.day[t])
    best_day, best_ytd = order[0], ytd.best
    behind = ytd.dating.behind
    warnings = [*ytd.dating.warnings(ytd.warnings), *today.dating.warnings(today.warnings)]
    # Both windows end on the same session; when it is before `day`, the title says so.
    when = f"on {today.end}" if behind else "today"
    suffix = f" (as of {ytd.end.isoformat()})" if behind else ""
    return Answer(
        title=(
            f"{best_day} led {when} with {pct(figures.day[best_day], 1)}; "
            f"{best_ytd} leads the year with {pct(figures.ytd[best_ytd], 1)}{suffix}"
        ),
        summary=(
            f"Total returns (adjusted closes) on {today.end} and year to date "
            f"(from the close of {ytd.start})."
        ),
        tables=(
            Table(
                (Column("ticker"), Column("today", "pct"), Column("YTD", "pct")),
                tuple((t, figures.day[t], figures.ytd[t]) for t in order),
                "Returns",
            ),
        ),
        fields=(Field("Day", f"{today.start} to {today.end}"),),
        chart=ytd.chart(),
        source=ytd.source,
        as_of=ytd.end,
        warnings=tuple(dict.fromkeys(warnings)),
        tone=1 if figures.day.get("SPY", 0.0) >= 0 else -1,
        data=jsonable(
            {
                "day": figures.day,
                "ytd": figures.ytd,
                "day_start": figures.day_start,
                "ytd_start": figures.ytd_start,
                "end": figures.end,
                "behind": ytd.dating.to_json(),
            }
        ),
        result=figures,
        behind=ytd.dating.lag,
    )
