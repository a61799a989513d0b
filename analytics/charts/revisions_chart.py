"""The /revisions charts: each universe's net-up share over the days collected (one line per
universe), or, while that history is short, today's net-up and net-down shares as bars."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from analytics.charts.style import (
    DOWN,
    MUTED,
    PANEL,
    SERIES_COLORS,
    TEXT,
    UP,
    new_figure,
    partial_badge,
    stamp,
)
from analytics.errors import NoData

MIN_HISTORY_DAYS = 5
"""Fewer days compared than this and the chart shows today's bars instead of lines."""

UP_LABEL = "net up"
DOWN_LABEL = "net down"


@dataclass(frozen=True)
class BarRow:
    """One universe's bars: its name, how it is labelled, and its shares (fractions)."""

    universe: str
    label: str
    share_up: float
    share_down: float


def _percent_axis(ax) -> None:
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:.0f}%"))


def revision_lines_chart(
    shares: pd.DataFrame,
    labels: Mapping[str, str],
    *,
    title: str,
    subtitle: str = "",
    source: str = "",
    as_of: dt.date | None = None,
    badge: str = "",
) -> Figure:
    """One line per column of `shares` (index days, net-up share as a fraction; NaN days are
    gaps), labelled "IJR small caps 46%" by its last value, with a dotted 50% line. Raises
    NoData when no value is known."""
    if shares.dropna(how="all").empty:
        raise NoData("No revision history to chart.")
    fig, ax = new_figure(title, subtitle=subtitle)
    for i, universe in enumerate(shares.columns):
        series = shares[universe]
        last = series.dropna()
        text = f"{universe} {labels.get(universe, '')}".strip()
        if not last.empty:
            text += f" {last.iloc[-1]:.0%}"
        ax.plot(
            series.index,
            series.to_numpy(dtype=float),
            color=SERIES_COLORS[i % len(SERIES_COLORS)],
            linewidth=2.2,
            marker="o",
            markersize=3.5,
            label=text,
        )
    ax.axhline(0.5, color=MUTED, linestyle=":", linewidth=1.2)
    ax.set_ylim(0, 1.05)
    ax.set_yticks([0.0, 0.2, 0.4, 0.6, 0.8, 1.0])
    _percent_axis(ax)
    ax.set_ylabel("names with net upward revisions", fontsize=12)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    legend = ax.legend(loc="best", fontsize=12, frameon=True, facecolor=PANEL, edgecolor=PANEL)
    for text in legend.get_texts():
        text.set_color(TEXT)
    if badge:
        partial_badge(fig, badge)
    return stamp(fig, source=source, as_of=as_of)


def revision_bars_chart(
    rows: Sequence[BarRow],
    *,
    title: str,
    subtitle: str = "",
    source: str = "",
    as_of: dt.date | None = None,
    badge: str = "",
) -> Figure:
    """Two bars per universe, net up (green) and net down (red), each labelled with its share.
    Raises NoData when there are no rows."""
    if not rows:
        raise NoData("No universe to chart.")
    fig, ax = new_figure(title, subtitle=subtitle)
    width = 0.38
    positions = list(range(len(rows)))
    ups = [r.share_up for r in rows]
    downs = [r.share_down for r in rows]
    up_bars = ax.bar([p - width / 2 for p in positions], ups, width, color=UP, label=UP_LABEL)
    down_bars = ax.bar(
        [p + width / 2 for p in positions], downs, width, color=DOWN, label=DOWN_LABEL
    )
    for bars in (up_bars, down_bars):
        for bar in bars:
            ax.text(
                bar.get_x() + bar.get_width() / 2,
                bar.get_height() + 0.01,
                f"{bar.get_height():.0%}",
                ha="center",
                va="bottom",
                color=TEXT,
                fontsize=13,
            )
    ax.set_xticks(positions, [f"{r.universe}\n{r.label}".strip() for r in rows])
    top = max([*ups, *downs, 0.0])
    ax.set_ylim(0, min(1.0, top + 0.12) if top > 0 else 1.0)
    _percent_axis(ax)
    ax.set_ylabel("share of names with estimates", fontsize=12)
    legend = ax.legend(loc="upper right", fontsize=12, frameon=False)
    for text in legend.get_texts():
        text.set_color(TEXT)
    if badge:
        partial_badge(fig, badge)
    return stamp(fig, source=source, as_of=as_of)
