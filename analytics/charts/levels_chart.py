"""The /levels chart: closes with each level a labelled horizontal line and the range shaded."""

from __future__ import annotations

import datetime as dt

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.figure import Figure

from analytics.charts.style import (
    ACCENT,
    DOWN,
    HIGHLIGHT,
    MUTED,
    SERIES_COLORS,
    TEXT,
    UP,
    new_figure,
    stamp,
)
from analytics.errors import NoData
from analytics.levels import Levels, PriceRange

RANGE_COLOR = SERIES_COLORS[2]


def level_label(level: float, distance: float) -> str:
    """'2,642 (+6.8%)': the level and how far it is from the close."""
    digits = 0 if float(level).is_integer() else 2
    return f"{level:,.{digits}f} ({distance * 100:+.1f}%)"


def levels_chart(
    closes: pd.Series,
    levels: Levels,
    price_range: PriceRange,
    *,
    title: str,
    subtitle: str = "",
    source: str = "",
    start: dt.date | None = None,
) -> Figure:
    """A Figure: closes from `start` (default: the range's first session, or `since` when that
    is earlier) to the as-of session; each level a horizontal line labelled with its distance
    (green above the close, red below); the range's low-high band shaded; the breakout session
    a vertical line. Raises NoData when there is no close in the view."""
    as_of = levels.as_of
    end = pd.Timestamp(as_of)
    if start is None:
        first = min(pd.Timestamp(price_range.start), pd.Timestamp(levels.since))
    else:
        first = pd.Timestamp(start)
    line = closes.dropna().sort_index().loc[first:end]
    if line.empty:
        raise NoData(f"No closes to chart between {first.date()} and {end.date()}.")
    fig, ax = new_figure(title, subtitle=subtitle)
    ax.plot(line.index, line.to_numpy(), color=ACCENT, linewidth=2.0)
    ax.axhspan(
        price_range.low,
        price_range.high,
        color=RANGE_COLOR,
        alpha=0.22,
        linewidth=0,
        label=f"{price_range.years}-year range",
    )
    if price_range.breakout is not None:
        at = pd.Timestamp(price_range.breakout)
        ax.axvline(at, color=HIGHLIGHT, linewidth=1.4, linestyle="--")
        # Label on the side with room: left of the line when it is in the right third.
        right_side = (at - line.index[0]) > (line.index[-1] - line.index[0]) * 0.66
        ax.text(
            at,
            price_range.high,
            f"breakout {price_range.breakout} "
            if right_side
            else f" breakout {price_range.breakout}",
            color=HIGHLIGHT,
            fontsize=11,
            va="bottom",
            ha="right" if right_side else "left",
        )
    low_y = min(float(line.min()), price_range.low)
    high_y = max(float(line.max()), price_range.high)
    for status in levels.levels:
        color = UP if status.side == "above" else DOWN
        ax.axhline(status.level, color=color, linewidth=1.6, linestyle="-", alpha=0.9)
        ax.text(
            line.index[0],
            status.level,
            " " + level_label(status.level, status.distance),
            color=color,
            fontsize=12,
            va="bottom",
            ha="left",
        )
        low_y, high_y = min(low_y, status.level), max(high_y, status.level)
    pad = (high_y - low_y) * 0.06 or abs(high_y) * 0.05 or 1.0
    ax.set_ylim(low_y - pad, high_y + pad)
    ax.set_ylabel("close (split-adjusted, not dividend-adjusted)", fontsize=12, color=MUTED)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.set_xlim(line.index[0], line.index[-1] + pd.Timedelta(days=5))
    legend = ax.legend(loc="lower right", fontsize=12, frameon=False)
    for text in legend.get_texts():
        text.set_color(TEXT)
    return stamp(fig, source=source, as_of=as_of)
