"""How a macro answer reads: names, number formats, the fields, the summary and the chart.

Used by the /macro answer (analytics/commands/macro/) once the reading and its context are
computed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from analytics.answer import Field
from analytics.macro.context import (
    Context,
    Observation,
    Reading,
    exclusion_note,
    format_value,
    period_label,
)
from analytics.macro.options import Range
from analytics.macro.series import MacroSeries, lookup
from analytics.macro.since import Since, shortened

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def short_name(spec: MacroSeries) -> str:
    """The name in a title: "GDPNow", not the parenthesised explanation; FRED's own title
    for uncurated series."""
    return spec.name.split(" (")[0].split(", ")[0] if spec.curated else spec.name


def change_suffix(suffix: str) -> str:
    # A change in a rate is in percentage points, not percent.
    return " pp" if suffix == "%" else suffix


# The least a chart shows, by frequency: enough observations for the line to mean something.
_MIN_WINDOW_DAYS = {
    "daily": 366,
    "weekly": 732,
    "monthly": 1830,
    "quarterly": 3660,
    "annual": 10980,
}


def chart_start(
    history: pd.Series, context: Context, latest: dt.date, frequency: str
) -> dt.date | None:
    """From a little before the oldest episode named (at least the frequency's minimum
    window before the latest reading); the whole history when it was never this high/low."""
    if context.never_before:
        return None
    oldest = min(e.last.date for e in context.episodes)
    least = _MIN_WINDOW_DAYS.get(frequency, 1830)
    pad = max((latest - oldest).days * 0.1, least * 0.1)
    start = min(oldest - dt.timedelta(days=pad), latest - dt.timedelta(days=least))
    return None if start <= history.index[0].date() else start


def spaced_labels(dates: Sequence[dt.date], labels: Sequence[str], span_days: float) -> list[str]:
    """Labels for the episode marks, blanking those within a tenth of the chart's width of
    a more recent labelled one (daily episodes days apart would print on top of each other)."""
    kept: list[dt.date] = []
    out = []
    for day, label in zip(dates, labels, strict=True):
        if all(abs((day - other).days) >= span_days / 10 for other in kept):
            kept.append(day)
            out.append(label)
        else:
            out.append("")
    return out


def formatter(spec: MacroSeries) -> Callable[..., str]:
    def fmt(number: float, *, change: bool = False) -> str:
        suffix = change_suffix(spec.suffix) if change else spec.suffix
        return format_value(
            number, suffix=suffix, decimals=spec.decimals, signed=change or spec.signed
        )

    return fmt


def fields(spec: MacroSeries, reading: Reading, frequency: str, fmt) -> tuple[Field, ...]:
    latest = reading.latest
    fields = [Field("Latest", f"{fmt(latest.value)} ({period_label(latest.date, frequency)})")]
    if reading.previous is not None and reading.change is not None:
        when = period_label(reading.previous.date, frequency)
        fields.append(
            Field("Change from previous", f"{fmt(reading.change, change=True)} (vs {when})")
        )
    if reading.year_ago is not None and reading.change_from_year_ago is not None:
        when = period_label(reading.year_ago.date, frequency)
        fields.append(
            Field(
                "Change from a year ago",
                f"{fmt(reading.change_from_year_ago, change=True)} (vs {when})",
            )
        )
    if spec.units:
        fields.append(Field("Units", spec.units, inline=False))
    return tuple(fields)


def summary_text(
    spec: MacroSeries,
    reading: Reading,
    since: Since,
    frequency: str,
    history_frequency: str,
    value: float | None,
    asked_date: dt.date,
    ranges: tuple[Range, ...],
) -> str:
    """The reading, its changes, the question asked, the history compared and what was left out."""
    context = since.primary
    fmt = formatter(spec)
    latest = reading.latest
    name = short_name(spec)
    units = f" ({spec.units})" if spec.units else ""
    when = period_label(latest.date, frequency)
    preposition = "in" if frequency in ("monthly", "quarterly", "annual") else "on"
    text = f"{name}: {fmt(latest.value)}{units} {preposition} {when}"
    changes = []
    if reading.change is not None:
        changes.append(f"{fmt(reading.change, change=True)} from the previous reading")
    if reading.change_from_year_ago is not None:
        changes.append(f"{fmt(reading.change_from_year_ago, change=True)} from a year earlier")
    text += ("; " + " and ".join(changes) if changes else "") + "."
    if value is not None:
        searched = period_label(asked_date, history_frequency)
        text += f" Asked about {fmt(value)}, searching the history through {searched}."
    if shortened(since):
        for news in since.news:
            earlier = [period_label(e.last.date, history_frequency) for e in news.episodes[1:]]
            if earlier:
                adjective = spec.wording.adjective(news.direction)
                text += f" Before that, as {adjective}: {' and '.join(earlier)}."
    for quiet in (c for c in since.contexts if c not in since.news):
        word = spec.wording.superlative(quiet.direction).capitalize()
        back = period_label(quiet.episodes[0].last.date, history_frequency)
        text += f' "{word} since {back}", the reading just before, is not news.'
    start = period_label(context.history_start, history_frequency)
    if spec.context_id != spec.id:
        other = short_name(lookup(spec.context_id))
        text += f" Context: {other} ({spec.context_id}) since {start}."
    else:
        text += f" Context: the history since {start}."
    if context.episode_count > len(context.episodes):
        text += f" {context.episode_count} earlier episodes in all; consecutive observations count as one."
    note = exclusion_note(context, frequency=history_frequency)
    if note:
        reason = " (the pandemic swings)" if ranges == spec.default_exclusions else ""
        text += f" {note[:-1]}{reason}."
    return text


def chart_figure(
    spec: MacroSeries,
    recessions: pd.Series | None,
    reading: Reading,
    context: Context,
    frequency: str,
    history_frequency: str,
    history: pd.Series,
    ranges: tuple[Range, ...],
    source: str,
    title: str,
) -> Figure:
    """The history with the primary context's episodes marked; `title` is the answer's
    headline cut to the chart's width (the latest episode, or the moves when none is news)."""
    from analytics.charts.macro_chart import macro_chart

    fmt = formatter(spec)
    latest = reading.latest
    labels = [period_label(e.last.date, history_frequency) for e in context.episodes]
    start = chart_start(history, context, latest.date, history_frequency)
    span = (latest.date - (start or history.index[0].date())).days
    dates = [e.last.date for e in context.episodes]
    marks = list(
        zip([e.last for e in context.episodes], spaced_labels(dates, labels, span), strict=True)
    )
    notes = [f"before that {', '.join(labels[1:])}"] if len(labels) > 1 else []
    if spec.context_id != spec.id:
        notes.append(f"line: {short_name(lookup(spec.context_id))}, dot: latest {short_name(spec)}")
    else:
        notes.append(spec.units or spec.id)
    shown = recessions
    if shown is not None and start is not None:
        shown = shown[shown.index >= pd.Timestamp(start)]
    if shown is not None and (shown >= 0.5).any():
        notes.append("shaded: US recessions")
    subtitle = " · ".join(notes)
    return macro_chart(
        history,
        title=title,
        subtitle=subtitle,
        latest=Observation(latest.date, latest.value),
        latest_text=f"{fmt(latest.value)} ({period_label(latest.date, frequency)})",
        marks=marks,
        level=context.value,
        recessions=recessions,
        start=start,
        exclude=ranges,
        source=source,
        as_of=latest.date,
    )
