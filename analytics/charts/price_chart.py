"""A ticker's daily closes over a window (the /price chart)."""

from __future__ import annotations

import datetime as dt

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.figure import Figure

from analytics.charts import style
from analytics.errors import NoData


def price_figure(
    symbol: str,
    bars: pd.DataFrame,
    change: float,
    *,
    title: str | None = None,
    subtitle: str = "Daily close",
    source: str = "",
    as_of: dt.date | None = None,
) -> Figure:
    """A stamped Figure (1200x675): the daily close of `bars` (indexed by session), one point per
    session, green when `change` (a fraction) is >= 0, red below; the area under it tinted.

    The default title is "SYMBOL +1.23% over the window". Raises NoData without a close.
    """
    closes = bars["close"].dropna()
    if closes.empty:
        raise NoData(f"No {symbol} closes to chart.")
    colour = style.tone_color(change)
    if title is None:
        title = f"{symbol} {change * 100:+.2f}% over the window"
    fig, ax = style.new_figure(title, subtitle=subtitle)
    ax.plot(closes.index, closes.to_numpy(), color=colour, linewidth=2.2)
    ax.fill_between(closes.index, closes.to_numpy(), float(closes.min()), color=colour, alpha=0.12)
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.margins(x=0.01)
    return style.stamp(fig, source=source, as_of=as_of)
