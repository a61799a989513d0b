"""Charts of fired alerts whose command has no spec to run yet (streak, move): each shows the
claim at a glance in the house style (analytics/charts/style.py).

- `run_figure`: the tickers rebased to 100 at the session before the view, the run shaded
  (green, red for a down run) from the session before it (where its return is measured
  from) to its last session, record sessions marked;
- `move_figure`: the closes with the window shaded and its two ends marked, green for a rise,
  red for a fall.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

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

RUN_CONTEXT = 3
"""A run is shown with this many times its length of sessions before it (at least MIN_VIEW)."""
MIN_VIEW = 60


def _dates(ax) -> None:
    locator = mdates.AutoDateLocator(minticks=4, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _legend(ax) -> None:
    legend = ax.legend(loc="best", fontsize=12, frameon=False)
    for text in legend.get_texts():
        text.set_color(TEXT)


def run_figure(
    lines: Mapping[str, pd.Series],
    start: dt.date | None,
    end: dt.date | None,
    *,
    title: str,
    subtitle: str = "",
    source: str = "",
    as_of: dt.date | None = None,
    falling: bool = False,
    marks: pd.Series | None = None,
) -> Figure:
    """A Figure of each series (closes) rebased to 100 at the first session shown, the run
    from `start` to `end` shaded; `marks` (bool by session) are scatter points on the first
    series. Raises NoData when there is nothing to draw."""
    frame = pd.concat([s.rename(name) for name, s in lines.items()], axis=1).dropna().sort_index()
    if frame.empty:
        raise NoData("No prices to chart.")
    length = 0 if start is None else int((frame.index >= pd.Timestamp(start)).sum())
    view = frame.iloc[-max(MIN_VIEW, length * (RUN_CONTEXT + 1) + 1) :]
    rebased = view / view.iloc[0] * 100.0
    fig, ax = new_figure(title, subtitle=subtitle)
    for i, name in enumerate(rebased.columns):
        ax.plot(
            rebased.index,
            rebased[name].to_numpy(),
            color=SERIES_COLORS[i],
            linewidth=2.0,
            label=name,
        )
    if start is not None and end is not None:
        pos = int(view.index.searchsorted(pd.Timestamp(start)))
        left = view.index[max(pos - 1, 0)]
        ax.axvspan(left, pd.Timestamp(end), color=DOWN if falling else UP, alpha=0.28, linewidth=0)
    if marks is not None:
        first = rebased.columns[0]
        days = marks[marks].index.intersection(rebased.index)
        ax.scatter(
            days,
            rebased.loc[days, first].to_numpy(),
            color=HIGHLIGHT,
            s=36,
            zorder=3,
            label="record",
        )
    ax.set_ylabel("rebased to 100", color=MUTED)
    _dates(ax)
    _legend(ax)
    return stamp(fig, source=source, as_of=as_of)


def move_figure(
    closes: pd.Series,
    start: dt.date,
    end: dt.date,
    *,
    title: str,
    subtitle: str = "",
    source: str = "",
    as_of: dt.date | None = None,
) -> Figure:
    """A Figure of the closes, the window from `start` to `end` shaded and its ends marked."""
    line = closes.dropna().sort_index()
    if line.empty:
        raise NoData("No closes to chart.")
    b, e = pd.Timestamp(start), pd.Timestamp(end)
    rose = float(line.loc[e]) >= float(line.loc[b])
    color = UP if rose else DOWN
    fig, ax = new_figure(title, subtitle=subtitle)
    ax.plot(line.index, line.to_numpy(), color=ACCENT, linewidth=2.0)
    ax.axvspan(b, e, color=color, alpha=0.28, linewidth=0)
    ax.scatter([b, e], [float(line.loc[b]), float(line.loc[e])], color=color, s=48, zorder=3)
    _dates(ax)
    return stamp(fig, source=source, as_of=as_of)
