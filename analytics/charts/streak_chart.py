"""The /streak chart: the run shaded on about a year of relative strength or price."""

from __future__ import annotations

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from analytics.charts.style import (
    ACCENT,
    DOWN,
    HIGHLIGHT,
    MUTED,
    TEXT,
    UP,
    new_figure,
    stamp,
    ticks_in_view,
)
from analytics.errors import NoData
from analytics.streaks import Streak, headline

LOOKBACK = pd.DateOffset(years=1)
_SUBTITLE_CHARS = 120


def streak_figure(
    result: Streak,
    closes_a: pd.Series,
    closes_b: pd.Series | None = None,
    *,
    highs: pd.Series | None = None,
    title: str | None = None,
    source: str = "",
    lookback: pd.DateOffset = LOOKBACK,
) -> Figure:
    """A stamped Figure (1200x675) for a streak: the current run shaded, records marked.

    beat:  `closes_a` / `closes_b` are the two series passed to `beat_streak` (a first); the
           line is leader / laggard on their common sessions, rebased to 100 at the first
           session shown, so the shaded run rises.
    up, down, record-*: `closes_a` is the ticker's closes, drawn as the price line; for
           `record-high` pass `highs` so record sessions are marked at the high that set them.
    The x range is `lookback` (a year) ending at the run's last session (or `as_of`).
    The shaded span (green, red for `down`) runs from the session before the run to its last
    session: the line segments inside it are exactly the run's sessions' moves.
    `title` defaults to the headline (the answer passes it with " (as of D)" when behind).
    Raises NoData when there is no price in the view.
    """
    end = pd.Timestamp(result.end or result.as_of)
    start = end - lookback
    title = headline(result) if title is None else title
    if result.kind == "beat":
        if closes_b is None:
            raise ValueError("a beat chart needs both series")
        line, ylabel = _relative_strength(result, closes_a, closes_b, start, end)
    else:
        line = closes_a.dropna().sort_index().loc[start:end]
        ylabel = f"{result.ticker} price"
    if line.empty:
        raise NoData(f"No prices to chart between {start.date()} and {end.date()}.")

    fig, ax = new_figure(title, subtitle=_subtitle(result))
    ax.plot(line.index, line.to_numpy(), color=ACCENT, linewidth=2.2)
    ax.set_ylabel(ylabel, fontsize=13)
    if result.length and result.start is not None:
        _shade_run(ax, line.index, pd.Timestamp(result.start), end, result.kind)
    if result.kind.startswith("record"):
        _mark_records(ax, result, line, highs, start, end)
    if result.kind == "beat":
        ax.axhline(100.0, color=MUTED, linewidth=1, linestyle="--")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.set_xlim(line.index[0], line.index[-1] + pd.Timedelta(days=3))
    ticks_in_view(ax.xaxis)
    ticks_in_view(ax.yaxis)
    return stamp(fig, source=source, as_of=result.as_of)


def _relative_strength(
    result: Streak, closes_a: pd.Series, closes_b: pd.Series, start: pd.Timestamp, end: pd.Timestamp
) -> tuple[pd.Series, str]:
    both = pd.concat([closes_a, closes_b], axis=1, join="inner").dropna().sort_index()
    both = both.loc[start:end]
    lead, lag = (
        (both.iloc[:, 1], both.iloc[:, 0]) if result.flipped else (both.iloc[:, 0], both.iloc[:, 1])
    )
    ratio = lead / lag
    if ratio.empty:
        return ratio, ""
    return ratio / ratio.iloc[0] * 100.0, f"{result.leader} / {result.laggard} (rebased to 100)"


def _subtitle(result: Streak) -> str:
    parts: list[str] = []
    if result.length:
        parts.append(f"{result.start} to {result.end}")
        if result.kind == "beat" and result.spread_pp is not None:
            parts.append(
                f"{result.leader} {result.leader_return:+.2%} vs {result.laggard} "
                f"{result.laggard_return:+.2%} ({result.spread_pp:+.2f} pp)"
            )
        elif result.run_return is not None:
            parts.append(f"{result.run_return:+.2%} over the run")
    if result.previous_as_long is not None:
        prev = result.previous_as_long
        parts.append(f"longest since {prev.end}")
    elif result.length:
        parts.append("longest in the data")
    if result.record is not None and result.record.length > result.length:
        parts.append(f"record {result.record.length} (to {result.record.end})")
    # About 120 characters fit the width at the subtitle's size; the run's dates go first
    # (the shading shows them).
    if len(parts) > 1 and len("  ·  ".join(parts)) > _SUBTITLE_CHARS:
        parts = parts[1:]
    return "  ·  ".join(parts)


def _shade_run(
    ax: Axes, index: pd.DatetimeIndex, run_start: pd.Timestamp, end: pd.Timestamp, kind: str
) -> None:
    # Shade from the session before the run (where the run's performance is measured from).
    pos = int(index.searchsorted(run_start))
    left = index[max(pos - 1, 0)]
    color = DOWN if kind == "down" else UP
    ax.axvspan(left, end, color=color, alpha=0.28, linewidth=0)


def _mark_records(
    ax: Axes,
    result: Streak,
    line: pd.Series,
    highs: pd.Series | None,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> None:
    record_days = result.mask[result.mask].index
    record_days = record_days[(record_days >= start) & (record_days <= end)]
    if len(record_days) == 0:
        return
    source = highs if highs is not None and result.kind == "record-high" else line
    points = source.reindex(record_days).dropna()
    ax.scatter(
        points.index,
        points.to_numpy(),
        color=HIGHLIGHT,
        s=36,
        zorder=3,
        label="record high" if result.kind == "record-high" else "record close",
    )
    legend = ax.legend(loc="best", fontsize=12, frameon=False)
    for text in legend.get_texts():
        text.set_color(TEXT)
