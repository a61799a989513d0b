"""The /movers chart from a report: the shown names' returns as ranked bars (matplotlib is
imported here, on the first chart, not at bot startup)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from analytics.commands.common import pct
from analytics.commands.movers._text import period_text, shown, universe_words

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from analytics.commands.movers._answer import MoversReport

CHART_TITLE_MAX = 56
"""Characters that fit the chart's title line."""


def movers_figure(report: MoversReport) -> Figure:
    """Gainers (best first) above losers (worst last), the median and the min_move lines,
    the partial badge when the answer stands on part of its universe."""
    from analytics.charts.movers_chart import movers_chart

    request = report.request
    by = {side.side: side for side in report.sides}

    def returns(name: str) -> pd.Series:
        side = by.get(name)
        if side is None:
            return pd.Series(dtype="float64")
        return shown(side, request.min_move)["return"].astype("float64")

    median, coverage = report.median, report.coverage
    _, adj = universe_words(report.universe)
    median_text = (
        f"median of {coverage.priced:,} {adj} names {pct(median, 1)}"
        if math.isfinite(median)
        else ""
    )
    title = report.headline
    subtitle = f"Return {period_text(request.window, report.end)}, {report.start} to {report.end}"
    if median_text:
        subtitle += f" · {median_text}"
    if len(title) > CHART_TITLE_MAX and "; " in title:
        # Too long for one line at the chart's title size: the clause after ';' moves down.
        title, rest = title.split("; ", 1)
        subtitle = f"{rest[0].upper()}{rest[1:]} · {subtitle}"
    return movers_chart(
        returns("gainers"),
        returns("losers"),
        title=title,
        subtitle=subtitle,
        median=median if math.isfinite(median) else None,
        threshold=request.min_move.fraction if request.min_move else None,
        source=report.source,
        as_of=report.end,
        partial=f"Partial: {coverage.describe()} priced" if coverage.partial else None,
    )
