"""Contributors chart: the top and bottom contributors to a fund's return, ranked, in bp."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from matplotlib.figure import Figure

from analytics.charts.style import (
    MUTED,
    TEXT,
    hbars,
    new_figure,
    partial_badge,
    row_labels,
    stamp,
    ticks_in_view,
)
from analytics.errors import NoData


def contributors_chart(
    frame: pd.DataFrame,
    *,
    title: str,
    subtitle: str = "",
    n: int = 8,
    source: str = "iShares holdings, Yahoo prices",
    as_of: dt.date | None = None,
    partial: str | None = None,
) -> Figure:
    """A Figure of horizontal bars (encode it with analytics.charts.style.encode_png): the `n` largest contributors on top, the `n` smallest below.

    `frame` is `contributions(...)` output (indexed by ticker, `contribution_bp`, sorted
    largest first). With at most 2n names every name is drawn. Gains green, losses red, each
    bar labelled with its value in bp. `title` should state the answer. `partial` (e.g.
    'Partial: 94.8% of the weight priced') is shown as a badge in the top right corner when the
    answer stands on part of the fund. Raises NoData for an empty frame.
    """
    if frame.empty:
        raise NoData("No constituent had prices over this window, so there is nothing to chart.")
    values = frame["contribution_bp"].sort_values(ascending=False, kind="stable")
    split = len(values) > 2 * n
    shown = pd.concat([values.head(n), values.tail(n)]) if split else values

    # Top of the chart = largest contribution; a blank slot separates leaders from laggards.
    labels = [str(t) for t in shown.index]
    bars = list(shown.to_numpy())
    positions = list(range(len(bars)))
    if split:
        positions = list(range(n)) + [p + 1 for p in range(n, 2 * n)]
    height = (positions[-1] + 1) if positions else 1
    y = [height - 1 - p for p in positions]

    fig, ax = new_figure(title, subtitle=subtitle)
    hbars(ax, y, bars)
    ax.axvline(0, color=MUTED, linewidth=1.0)
    ax.set_ylim(-0.7, height - 0.3)
    row_labels(ax, y, labels)
    ax.grid(False, axis="y")
    ax.set_xlabel("Contribution to the fund's return (bp)", fontsize=12)

    low, high = min(0.0, min(bars)), max(0.0, max(bars))
    pad = 0.2 * ((high - low) or 1.0)
    # Room for the value labels only on the side that has bars.
    ax.set_xlim(low - pad if low < 0 else -0.02 * pad, high + pad if high > 0 else 0.02 * pad)
    ticks_in_view(ax.xaxis)
    for pos, value in zip(y, bars, strict=True):
        text = f"{value:+.1f} bp" if abs(value) < 100 else f"{value:+,.0f} bp"
        offset = 0.012 * (high - low + 2 * pad)
        ax.text(
            value + (offset if value >= 0 else -offset),
            pos,
            text,
            color=TEXT,
            fontsize=11,
            va="center",
            ha="left" if value >= 0 else "right",
        )
    if split:
        ax.text(0, height - 1 - n, "...", color=MUTED, fontsize=12, ha="center", va="center")
    if partial:
        partial_badge(fig, partial)
    return stamp(fig, source=source, as_of=as_of)
