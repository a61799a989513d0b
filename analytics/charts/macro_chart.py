"""The macro chart: a series' history, recessions shaded, the earlier episodes marked, the
latest reading annotated and a dashed line at its level so "highest since" reads at a glance.

`macro_chart` builds the Figure (tests inspect what it draws); analytics.charts.style.encode_png
turns it into PNG bytes when the chart is shown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
from matplotlib.figure import Figure

from analytics.charts.style import ACCENT, HIGHLIGHT, MUTED, TEXT, new_figure, stamp
from analytics.macro.context import Observation

RECESSION_SHADE = "#4a5168"


def recession_spans(usrec: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Runs of months with USREC == 1 as (first month's start, start of the month after the
    last), the span a shaded band should cover. Missing values count as no recession;
    empty in, empty out."""
    flags = usrec.dropna().sort_index()
    flags = flags[~flags.index.duplicated(keep="last")] >= 0.5
    spans: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    start: pd.Timestamp | None = None
    last: pd.Timestamp | None = None
    for day, in_recession in flags.items():
        if in_recession and start is None:
            start = pd.Timestamp(day)
        if in_recession:
            last = pd.Timestamp(day)
        elif start is not None and last is not None:
            spans.append((start, _month_after(last)))
            start = None
    if start is not None and last is not None:
        spans.append((start, _month_after(last)))
    return spans


def _month_after(day: pd.Timestamp) -> pd.Timestamp:
    return (day + pd.offsets.MonthBegin(1)).normalize()


def macro_chart(
    history: pd.Series,
    *,
    title: str,
    subtitle: str = "",
    latest: Observation | None = None,
    latest_text: str = "",
    marks: Sequence[tuple[Observation, str]] = (),
    level: float | None = None,
    recessions: pd.Series | None = None,
    start: dt.date | None = None,
    exclude: Sequence[tuple[dt.date, dt.date]] = (),
    source: str = "FRED",
    as_of: dt.date | None = None,
) -> Figure:
    """The chart's Figure, stamped with `source` and `as_of`.

    history:     the series drawn as a line (NaN gaps are dropped).
    latest:      the reading annotated with `latest_text`; defaults to history's last point
                 (pass it explicitly when it is not part of `history`, e.g. a GDPNow nowcast
                 drawn against actual GDP growth).
    marks:       earlier observations to dot and label (the episodes "since" refers to).
    level:       a dashed horizontal line, usually the latest value.
    recessions:  a USREC-style 0/1 monthly series; its 1-runs are shaded.
    start:       first date shown (None = the whole history).
    exclude:     ranges left out of the comparison (GDP's 2020-21 swings): hatched, drawn
                 faintly, and not used to scale the y axis so they do not flatten the rest.
    """
    fig, ax = new_figure(title, subtitle=subtitle)
    line = history.dropna().sort_index()
    line.index = pd.DatetimeIndex(line.index)
    if start is not None:
        line = line[line.index >= pd.Timestamp(start)]
    if latest is None and not line.empty:
        latest = Observation(line.index[-1].date(), float(line.iloc[-1]))

    hidden = pd.Series(False, index=line.index)
    for begin, end in exclude:
        hidden |= (line.index >= pd.Timestamp(begin)) & (line.index <= pd.Timestamp(end))
    if not line.empty:
        ax.plot(line.index.to_pydatetime(), line.to_numpy(), color=ACCENT, linewidth=2.0)
    left = line.index[0] if not line.empty else None
    right = line.index[-1] if not line.empty else None
    if latest is not None:
        latest_ts = pd.Timestamp(latest.date)
        left = latest_ts if left is None else min(left, latest_ts)
        right = latest_ts if right is None else max(right, latest_ts)

    if recessions is not None and left is not None and right is not None:
        for begin, end in recession_spans(recessions):
            if end < left or begin > right:
                continue
            ax.axvspan(
                max(begin, left).to_pydatetime(),
                min(end, right).to_pydatetime(),
                color=RECESSION_SHADE,
                alpha=0.6,
                linewidth=0,
                zorder=0,
            )

    for begin, end in exclude:
        if line.empty or pd.Timestamp(end) < line.index[0] or pd.Timestamp(begin) > line.index[-1]:
            continue
        ax.axvspan(
            pd.Timestamp(begin).to_pydatetime(),
            pd.Timestamp(end).to_pydatetime(),
            facecolor="none",
            edgecolor=MUTED,
            hatch="//",
            linewidth=0,
            alpha=0.5,
            zorder=0,
        )
        middle = pd.Timestamp(begin) + (pd.Timestamp(end) - pd.Timestamp(begin)) / 2
        ax.annotate(
            "left out",
            (middle.to_pydatetime(), 0.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 6),
            textcoords="offset points",
            color=TEXT,
            fontsize=11,
            ha="center",
            va="bottom",
        )

    scaled = [float(v) for v in line[~hidden].to_numpy()]
    scaled += [obs.value for obs, _ in marks]
    if latest is not None:
        scaled.append(latest.value)
    if level is not None:
        scaled.append(level)
    if scaled and hidden.any():
        low, high = min(scaled), max(scaled)
        pad = max((high - low) * 0.12, 0.5)
        ax.set_ylim(low - pad, high + pad)
    if left is not None and right is not None and right > left:
        ax.set_xlim(left.to_pydatetime(), (right + (right - left) * 0.03).to_pydatetime())

    if level is not None:
        ax.axhline(level, color=HIGHLIGHT, linewidth=1.2, linestyle="--", alpha=0.8)

    for i, (obs, label) in enumerate(marks):
        when = pd.Timestamp(obs.date).to_pydatetime()
        ax.scatter([when], [obs.value], color=TEXT, s=36, zorder=4)
        if label:
            # Below the point, staggered, so neighbouring episodes' labels do not collide.
            ax.annotate(
                label,
                (when, obs.value),
                xytext=(0, -20 - 14 * (i % 2)),
                textcoords="offset points",
                color=TEXT,
                fontsize=11,
                ha="center",
            )

    if latest is not None:
        when = pd.Timestamp(latest.date).to_pydatetime()
        ax.scatter(
            [when], [latest.value], color=HIGHLIGHT, s=90, zorder=5, edgecolors=TEXT, linewidths=1.0
        )
        if latest_text:
            ax.annotate(
                latest_text,
                (when, latest.value),
                xytext=(0, 16),
                textcoords="offset points",
                color=HIGHLIGHT,
                fontsize=14,
                fontweight="bold",
                ha="right",
            )
    return stamp(fig, source=source, as_of=as_of)
