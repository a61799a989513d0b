"""The /records chart: closes over the last few years with every record session marked."""

from __future__ import annotations

import datetime as dt

import matplotlib.dates as mdates
import pandas as pd
from matplotlib.figure import Figure

from analytics.charts.style import ACCENT, HIGHLIGHT, MUTED, TEXT, UP, new_figure, stamp
from analytics.errors import NoData
from analytics.records import RecordHistory

LOOKBACK_YEARS = 5
HIGH_LABEL = "record high (intraday)"
CLOSE_LABEL = "record close"


def chart_start(as_of: dt.date, years: int = LOOKBACK_YEARS) -> pd.Timestamp:
    """The first date the chart shows: `years` calendar years before the as-of session."""
    return pd.Timestamp(as_of) - pd.DateOffset(years=years)


def records_chart(
    closes: pd.Series,
    highs: pd.Series | None,
    close_records: RecordHistory,
    high_records: RecordHistory | None,
    *,
    title: str,
    subtitle: str = "",
    source: str = "",
    years: int = LOOKBACK_YEARS,
) -> Figure:
    """A Figure: the closes of the last `years` years to the as-of session, the record-high
    sessions marked at their intraday high (triangles), the record-close sessions at their
    close (dots), the record levels as dashed lines and the current run shaded.

    `high_records` is None for a close-only source (then only closes are marked). Raises
    NoData when there is no close in the view.
    """
    as_of = close_records.as_of
    start = chart_start(as_of, years)
    end = pd.Timestamp(as_of)
    line = closes.dropna().sort_index().loc[start:end]
    if line.empty:
        raise NoData(f"No closes to chart between {start.date()} and {as_of}.")
    fig, ax = new_figure(title, subtitle=subtitle)
    ax.plot(line.index, line.to_numpy(), color=ACCENT, linewidth=2.0, label="close")

    lead = high_records or close_records
    run = lead.current_run
    if run is not None:
        # The run's sessions, from the first record of the run to the as-of session.
        ax.axvspan(pd.Timestamp(run.start), pd.Timestamp(run.end), color=UP, alpha=0.25, lw=0)

    if high_records is not None and highs is not None:
        days = _in_view(high_records, start, end)
        points = highs.reindex(days)
        ax.scatter(
            days, points.to_numpy(), marker="^", s=46, color=HIGHLIGHT, zorder=4, label=HIGH_LABEL
        )
        ax.axhline(high_records.record.value, color=HIGHLIGHT, linestyle="--", linewidth=1.2)
    days = _in_view(close_records, start, end)
    ax.scatter(
        days,
        closes.reindex(days).to_numpy(),
        marker="o",
        s=26,
        color=TEXT,
        edgecolors=ACCENT,
        zorder=5,
        label=CLOSE_LABEL,
    )
    ax.axhline(close_records.record.value, color=MUTED, linestyle=":", linewidth=1.2)

    ax.set_ylabel("price (split-adjusted, not dividend-adjusted)", fontsize=12)
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.set_xlim(line.index[0], line.index[-1] + pd.Timedelta(days=5))
    legend = ax.legend(loc="best", fontsize=12, frameon=False)
    for text in legend.get_texts():
        text.set_color(TEXT)
    return stamp(fig, source=source, as_of=as_of)


def _in_view(history: RecordHistory, start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    days = history.record_dates
    return days[(days >= start) & (days <= end)]
