"""The GDPNow chart: the nowcast's path through the quarter it forecasts, the latest point labelled.

A dotted vertical line marks the quarter's end when the path runs past it (a quarter is nowcast
until BEA's advance estimate), and an optional dashed line the BEA reading the "since" refers to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from matplotlib.dates import DateFormatter
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from analytics.charts.style import ACCENT, HIGHLIGHT, MUTED, TEXT, new_figure, stamp


def gdpnow_chart(
    path: Sequence[tuple[dt.date, float]],
    *,
    title: str,
    subtitle: str = "",
    latest_text: str = "",
    quarter_end: dt.date | None = None,
    reference: tuple[float, str] | None = None,
    source: str = "Atlanta Fed GDPNow",
    as_of: dt.date | None = None,
) -> Figure:
    """The Figure (draw it with analytics.charts.style.encode_png).

    path:        (forecast date, nowcast in % SAAR), oldest first; the last is the latest and is
                 dotted in the highlight colour and annotated with `latest_text`.
    quarter_end: the quarter's last day; marked (dotted, "quarter ends Sep 30") when the path
                 reaches past it.
    reference:   (value, label): a dashed horizontal line, e.g. BEA's growth in the quarter
                 "since" names.
    An empty path gives the styled, titled figure with nothing plotted.
    """
    fig, ax = new_figure(title, subtitle=subtitle)
    if path:
        days = [d for d, _ in path]
        values = [v for _, v in path]
        ax.plot(days, values, color=ACCENT, linewidth=2.2, marker="o", markersize=4, zorder=3)
        ax.scatter([days[-1]], [values[-1]], s=110, color=HIGHLIGHT, zorder=4)
        if latest_text:
            ax.annotate(
                latest_text,
                (days[-1], values[-1]),
                xytext=(-10, 14),
                textcoords="offset points",
                ha="right",
                color=HIGHLIGHT,
                fontsize=15,
                fontweight="bold",
            )
        if quarter_end is not None and days[-1] > quarter_end:
            ax.axvline(quarter_end, color=MUTED, linestyle=":", linewidth=1.5, zorder=2)
            ax.annotate(
                f"quarter ends {quarter_end:%b} {quarter_end.day}",
                (quarter_end, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(4, -6),
                textcoords="offset points",
                va="top",
                color=MUTED,
                fontsize=12,
            )
        low, high = min(values), max(values)
        if reference is not None:
            low, high = min(low, reference[0]), max(high, reference[0])
        if low < 0 < high:
            ax.axhline(0, color=TEXT, linewidth=0.8, alpha=0.6, zorder=1)
        pad = max((high - low) * 0.15, 0.3)
        ax.set_ylim(low - pad, high + pad)
    if reference is not None:
        value, label = reference
        ax.axhline(value, color=MUTED, linestyle="--", linewidth=1.3, zorder=2)
        ax.annotate(
            label,
            (0.0, value),
            xycoords=("axes fraction", "data"),
            xytext=(6, 4),
            textcoords="offset points",
            color=MUTED,
            fontsize=12,
        )
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.1f}%"))
    ax.xaxis.set_major_formatter(DateFormatter("%b %d"))
    return stamp(fig, source=source, as_of=as_of)
