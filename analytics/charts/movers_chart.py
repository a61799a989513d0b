"""Movers chart: the biggest gainers and losers of a universe over a window, as ranked bars."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from analytics.charts.style import (
    HIGHLIGHT,
    MUTED,
    ROW_VALUES_GID,
    hbars,
    new_figure,
    partial_badge,
    row_labels,
    stamp,
    style_axes,
    ticks_in_view,
)
from analytics.errors import NoData

SIDE_BY_SIDE_ABOVE = 24
"""With more bars than this (gainers and losers both shown), they get a panel each."""


def _pct(value: float) -> str:
    digits = 0 if abs(value) >= 10 else 1
    return f"{value * 100:+,.{digits}f}%"


def movers_chart(
    gainers: pd.Series,
    losers: pd.Series,
    *,
    title: str,
    subtitle: str = "",
    median: float | None = None,
    threshold: float | None = None,
    source: str = "",
    as_of: dt.date | None = None,
    partial: str | None = None,
) -> Figure:
    """A Figure of horizontal bars (encode it with analytics.charts.style.encode_png): gainers on top (best first), a gap, then losers (worst last).

    `gainers` and `losers` are returns (fractions) indexed by ticker, in the order to show
    them (gainers best first, losers worst first); either may be empty. Bars are green for
    gains and red for losses, each labelled with its return. `median` (the universe's median
    return) is a dashed line; `threshold` (min_move, a fraction) dotted lines at +threshold
    (gainers) and -threshold (losers) when that is within reach of the bars. More than
    SIDE_BY_SIDE_ABOVE bars on both sides are drawn as two panels, gainers left, losers right.
    `partial` (e.g. 'Partial: 94.8% of the weight priced') is shown as a badge in the top right
    corner when the answer stands on part of its universe. Raises NoData when both are empty.
    """
    if gainers.empty and losers.empty:
        raise NoData("No name moved over this window, so there is nothing to chart.")
    fig, ax = new_figure(title, subtitle=subtitle)
    marks = median if median is not None and pd.notna(median) else None
    if not gainers.empty and not losers.empty and len(gainers) + len(losers) > SIDE_BY_SIDE_ABOVE:
        ax.set_position((0.07, 0.12, 0.415, 0.72))
        right = fig.add_axes((0.555, 0.12, 0.415, 0.72))
        style_axes(right)
        rows = max(len(gainers), len(losers))
        _bars(ax, list(gainers.items()), [], rows, marks, threshold)
        # Worst at the bottom, like the stacked layout.
        _bars(right, [], list(losers.items()), rows, marks, threshold)
    else:
        count = len(gainers) + len(losers) + (1 if not gainers.empty and not losers.empty else 0)
        _bars(ax, list(gainers.items()), list(losers.items()), count, marks, threshold)
    if partial:
        partial_badge(fig, partial)
    return stamp(fig, source=source, as_of=as_of)


def _bars(
    ax: Axes,
    gainers: list[tuple[object, float]],
    losers: list[tuple[object, float]],
    rows: int,
    median: float | None,
    threshold: float | None,
) -> None:
    """Draw gainers from the top, then (after a blank row when both) losers, worst last."""
    gap = 1 if gainers and losers else 0
    shown = [*gainers, *reversed(losers)]
    positions = list(range(len(gainers))) + [p + gap for p in range(len(gainers), len(shown))]
    if not gainers:
        # Losers only: align the worst with the bottom row, as in the stacked layout.
        positions = [p + rows - len(shown) for p in positions]
    y = [rows - 1 - p for p in positions]
    values = [float(v) for _, v in shown]
    size = 12 if rows <= 22 else 10 if rows <= 34 else 8

    hbars(ax, y, values)
    ax.axvline(0, color=MUTED, linewidth=1.0)
    ax.set_ylim(-0.7, rows - 0.3 + (0.9 if median is not None else 0.0))
    row_labels(ax, y, [str(t) for t, _ in shown], fontsize=size)
    ax.grid(False, axis="y")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v * 100:+.0f}%" if v else "0%"))
    ax.set_xlabel("Return over the window (adjusted closes)", fontsize=12)

    low, high = min(0.0, *values), max(0.0, *values)
    lines = []
    if threshold is not None and threshold > 0:
        reach = max(abs(low), abs(high)) * 1.5
        lines = [
            s * threshold for s, side in ((1, gainers), (-1, losers)) if side and threshold <= reach
        ]
    extent = [*lines, *([median] if median is not None else [])]
    low, high = min([low, *extent]), max([high, *extent])
    pad = 0.22 * ((high - low) or 0.01)
    ax.set_xlim(low - pad if low < 0 else -0.03 * pad, high + pad if high > 0 else 0.03 * pad)
    ticks_in_view(ax.xaxis)
    offset = 0.012 * (high - low + 2 * pad)
    # Each side's returns as one column just past its longest bar (a text, not one a bar).
    for side, edge, ha in ((1, max(values), "left"), (-1, min(values), "right")):
        picked = [(p, v) for p, v in zip(y, values, strict=True) if (v >= 0) == (side > 0)]
        if picked:
            row_labels(
                ax,
                [p for p, _ in picked],
                [_pct(v) for _, v in picked],
                fontsize=size - 1,
                x=edge + side * offset,
                ha=ha,
                gid=ROW_VALUES_GID,
            )
    top = rows - 0.15
    if median is not None:
        ax.axvline(median, color=HIGHLIGHT, linewidth=1.6, linestyle="--")
        left_half = median <= (low + high) / 2
        ax.text(
            median,
            top,
            f" median {_pct(median)} ",
            color=HIGHLIGHT,
            fontsize=11,
            ha="left" if left_half else "right",
            va="bottom",
        )
    for edge in lines:
        ax.axvline(edge, color=MUTED, linewidth=1.2, linestyle=":")
        ax.text(
            edge,
            top,
            f" min {_pct(edge)} ",
            color=MUTED,
            fontsize=11,
            ha="right" if edge > 0 else "left",
            va="bottom",
        )
