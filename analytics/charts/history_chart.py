"""The /history chart: every episode's forward path from its close (rebased to 0), the median
path bold, the current episode highlighted, the horizons marked."""

from __future__ import annotations

import datetime as dt

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from analytics.charts.style import ACCENT, HIGHLIGHT, MUTED, TEXT, new_figure, stamp
from analytics.history.study import Study

EPISODE_GID, MEDIAN_GID, CURRENT_GID, HORIZON_GID = "episode", "median", "current", "horizon"
"""Line gids, so tests (and readers of the SVG) can tell the lines apart."""


def history_chart(
    study: Study,
    *,
    title: str,
    subtitle: str = "",
    measure_label: str = "",
    source: str = "",
    as_of: dt.date | None = None,
) -> Figure:
    """A Figure: x = sessions after the episode, y = the measure's return since its close, in %
    (for a pair, A's minus B's, in percentage points). One thin line per episode, the median
    path (the median over the episodes that reach each session) bold, the current episode in
    the highlight colour and drawn last, dotted verticals at the typical length of each horizon.
    With no episode the axes say so."""
    fig, ax = new_figure(title, subtitle=subtitle)
    current = study.current
    current_index = len(study.episodes) - 1 if current is not None else None
    for k, path in enumerate(study.paths):
        if k == current_index:
            continue
        (line,) = ax.plot(np.arange(len(path)), path * 100, color=MUTED, linewidth=0.9, alpha=0.5)
        line.set_gid(EPISODE_GID)
    if len(study.median_path):
        (median,) = ax.plot(
            np.arange(len(study.median_path)),
            study.median_path * 100,
            color=ACCENT,
            linewidth=3.2,
            label=f"median of {len(study.paths)} episodes",
            zorder=4,
        )
        median.set_gid(MEDIAN_GID)
    if current is not None and current_index is not None:
        path = study.paths[current_index]
        (line,) = ax.plot(
            np.arange(len(path)),
            path * 100,
            color=HIGHLIGHT,
            linewidth=2.6,
            label=f"current episode (since {current.episode.date})",
            zorder=5,
        )
        line.set_gid(CURRENT_GID)
        ax.scatter([len(path) - 1], [path[-1] * 100], color=HIGHLIGHT, s=40, zorder=6)
    ax.axhline(0, color=TEXT, linewidth=0.8, alpha=0.6)
    for horizon, sessions in study.typical_sessions.items():
        mark = ax.axvline(sessions, color=MUTED, linestyle=":", linewidth=1.0)
        mark.set_gid(HORIZON_GID)
        ax.text(
            sessions, 1.0, f" {horizon}", color=MUTED, fontsize=11, va="top",
            transform=ax.get_xaxis_transform(),
        )  # fmt: skip
    if not study.paths:
        ax.text(
            0.5, 0.5, "no episode in the history", color=MUTED, fontsize=16, ha="center",
            transform=ax.transAxes,
        )  # fmt: skip
    unit = " pp" if study.pair else "%"
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+.0f}{unit}"))
    ax.set_xlabel(
        f"sessions after the episode · y: {measure_label or 'return since its close'}", fontsize=12
    )
    if study.paths:
        legend = ax.legend(loc="upper left", fontsize=12, frameon=False)
        for text in legend.get_texts():
            text.set_color(TEXT)
    return stamp(fig, source=source, as_of=as_of)
