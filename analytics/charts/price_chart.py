"""A ticker's daily closes over a period (the /price chart)."""

from __future__ import annotations

import datetime as dt

import matplotlib.dates as mdates
import pandas as pd

from analytics.charts import style
from analytics.commands.common import pct


def price_chart(
    symbol: str, bars: pd.DataFrame, change: float, as_of: dt.date | None, source: str
) -> bytes:
    """The daily close over the period, green when it rose, red when it fell."""
    fig, ax = style.new_figure(f"{symbol} {pct(change)} over the period", subtitle="Daily close")
    ax.plot(bars.index, bars["close"], color=style.tone_color(change), linewidth=2.2)
    ax.fill_between(
        bars.index, bars["close"], bars["close"].min(), color=style.tone_color(change), alpha=0.12
    )
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(mdates.AutoDateLocator()))
    ax.margins(x=0.01)
    return style.finish(fig, source=source, as_of=as_of)
