"""The /breadth charts: the share above the 50-day average and the A/D line over the window
(two panels), or two universes' breadth bars side by side (compare mode)."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from analytics.charts.style import (
    ACCENT,
    DOWN,
    HIGHLIGHT,
    MUTED,
    SERIES_COLORS,
    TEXT,
    UP,
    new_figure,
    partial_badge,
    stamp,
    style_axes,
)
from analytics.errors import NoData
from analytics.market_breadth import MarketBreadth

COMPARE_METRICS: tuple[tuple[str, str], ...] = (
    ("share_up", "up over the window"),
    ("above_20", "above 20-day avg"),
    ("above_50", "above 50-day avg"),
    ("above_200", "above 200-day avg"),
)
NOT_AVAILABLE = "n/a"


def _percent_axis(ax) -> None:
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:.0f}%"))


def breadth_chart(
    share_above_50: pd.Series,
    ad_line: pd.Series,
    *,
    title: str,
    subtitle: str = "",
    source: str = "",
    as_of=None,
    partial: str | None = None,
) -> Figure:
    """A Figure with two panels over the window: on top the share of names above their 50-day
    average (a fraction per session, cut at the A/D line's last session; NaN sessions are gaps)
    with a dotted 50% line; below the advance/decline line, green where it is above zero and
    red below. `partial` ('Partial: 94.8% of the weight priced') is a badge in the top right
    corner. Raises NoData when both series are empty."""
    if not ad_line.empty:
        # The same sessions in both panels: the window's, from its base to its end.
        share_above_50 = share_above_50.loc[: ad_line.index[-1]]
    if share_above_50.dropna().empty and ad_line.empty:
        raise NoData("No breadth to chart over this window.")
    fig, top = new_figure(title, subtitle=subtitle)
    top.set_position((0.07, 0.50, 0.9, 0.34))
    bottom = fig.add_axes((0.07, 0.10, 0.9, 0.34), sharex=top)
    style_axes(bottom)

    top.plot(share_above_50.index, share_above_50.to_numpy(dtype=float), color=ACCENT, lw=2.0)
    top.axhline(0.5, color=MUTED, linestyle=":", linewidth=1.2)
    top.set_ylim(0, 1)
    _percent_axis(top)
    top.set_ylabel("above 50-day avg", fontsize=12)

    values = ad_line.to_numpy(dtype=float)
    bottom.plot(ad_line.index, values, color=TEXT, linewidth=1.6)
    bottom.fill_between(ad_line.index, values, 0, where=values >= 0, color=UP, alpha=0.3, lw=0)
    bottom.fill_between(ad_line.index, values, 0, where=values < 0, color=DOWN, alpha=0.3, lw=0)
    bottom.axhline(0, color=MUTED, linewidth=1)
    bottom.set_ylabel("A/D line", fontsize=12)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    bottom.xaxis.set_major_locator(locator)
    bottom.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    for label in top.get_xticklabels():
        label.set_visible(False)
    if partial:
        partial_badge(fig, partial)
    return stamp(fig, source=source, as_of=as_of)


def compare_values(breadth: MarketBreadth) -> dict[str, float | None]:
    """The shares COMPARE_METRICS draws, by key (None where not available)."""
    out: dict[str, float | None] = {"share_up": breadth.up_down.share_up}
    for n in (20, 50, 200):
        above = breadth.above.get(n)
        out[f"above_{n}"] = above.share if above is not None else None
    return out


def breadth_compare_chart(
    first: tuple[str, MarketBreadth],
    second: tuple[str, MarketBreadth],
    *,
    title: str,
    subtitle: str = "",
    source: str = "",
    partial: str | None = None,
) -> Figure:
    """A Figure of grouped bars: for each measure of COMPARE_METRICS, the two universes' shares
    side by side (first left, in the first series colour). A share that is not available has no
    bar and is labelled "n/a". `partial` is a badge in the top right corner."""
    fig, ax = new_figure(title, subtitle=subtitle)
    x = np.arange(len(COMPARE_METRICS))
    width = 0.38
    for k, ((name, breadth), color) in enumerate(
        zip((first, second), (SERIES_COLORS[0], HIGHLIGHT), strict=True)
    ):
        values = compare_values(breadth)
        offset = (k - 0.5) * width
        labelled = False
        for i, (key, _) in enumerate(COMPARE_METRICS):
            value = values[key]
            xpos = x[i] + offset
            if value is None:
                ax.text(xpos, 0.02, NOT_AVAILABLE, color=MUTED, ha="center", fontsize=12)
                continue
            ax.bar(xpos, value, width=width * 0.95, color=color, label=None if labelled else name)
            labelled = True
            ax.text(
                xpos, value + 0.015, f"{value * 100:.0f}%", color=TEXT, ha="center", fontsize=12
            )
    ax.set_xticks(x, [label for _, label in COMPARE_METRICS])
    ax.set_xlim(-0.6, len(COMPARE_METRICS) - 0.4)
    ax.set_ylim(0, 1.08)
    ax.axhline(0.5, color=MUTED, linestyle=":", linewidth=1.2)
    _percent_axis(ax)
    legend = ax.legend(loc="upper right", fontsize=12, frameon=False)
    for text in legend.get_texts():
        text.set_color(TEXT)
    if partial:
        partial_badge(fig, partial)
    return stamp(fig, source=source, as_of=first[1].end)
