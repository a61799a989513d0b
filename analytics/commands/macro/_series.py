"""The /macro answer for one FRED series: its latest reading, the changes, and when it was last
this high or low (analytics.macro.since), with the history of `spec.context_id` as context
(GDPNow's quarterly series against BEA's actual growth).

The recipe: load the series through the facade's FRED source (cache first), apply the entry's
transform, take the latest reading, compare it with the history in the direction of the
reading's recent move, and date the answer: "(as of <period>)" when the latest observation is
older than the series' frequency allows on the session asked. Real GDP growth read with the
release table at hand adds "fastest since" on first releases (analytics.macro.vintages).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd

from analytics import calendar
from analytics.answer import Answer, Chart
from analytics.commands.macro._parse import MacroRequest
from analytics.data.market import MarketData
from analytics.errors import NoData
from analytics.macro.context import (
    Context,
    Reading,
    context_phrase,
    infer_frequency,
    latest_reading,
    period_label,
)
from analytics.macro.freshness import overdue
from analytics.macro.loading import Loaded, source_label
from analytics.macro.options import Range
from analytics.macro.presentation import chart_figure, fields, formatter, short_name, summary_text
from analytics.macro.series import MacroSeries, generic, lookup
from analytics.macro.since import (
    Since,
    direction_for_value,
    recent_moves,
    since_asked,
    since_from_moves,
    since_phrase,
)
from analytics.macro.source import FredSource
from analytics.macro.transforms import apply_transform
from analytics.spec import Progress

MAX_EPISODES = 3


@dataclass(frozen=True)
class Loads:
    """What the answer stands on: the entry (uncurated ids described from their fetch record),
    the series and its history as loaded, the recession flags for the chart, and the session
    the answer should stand on (calendar.expected_session)."""

    spec: MacroSeries
    main: Loaded
    history: Loaded
    recessions: pd.Series | None
    expected: dt.date


def load(data: MarketData, fred: FredSource, request: MacroRequest, progress: Progress) -> Loads:
    """The series, its context history and USREC through `fred` (cache first)."""
    spec = request.series
    main = fred.series(spec.id, progress)
    if not spec.curated and main.record is not None:
        record = main.record
        spec = generic(spec.id, name=record.title, units=record.units, frequency=record.frequency)
    history = main if spec.context_id == spec.id else fred.series(spec.context_id, progress)
    return Loads(
        spec,
        main,
        history,
        fred.recessions(progress),
        calendar.expected_session(request.as_of, data.now()),
    )


def _until(series: pd.Series, as_of: dt.date | None) -> pd.Series:
    if as_of is None:
        return series
    return series[series.index <= pd.Timestamp(as_of)]


def _frequency(declared: str, series: pd.Series) -> str:
    return declared if declared not in ("", "unknown") else infer_frequency(series)


@dataclass(frozen=True)
class Composed:
    """The answer and what a caller may add context to: the reading, the headline's context
    (`since.primary`), the frequency and the ranges left out."""

    answer: Answer
    reading: Reading
    since: Since
    history_frequency: str
    ranges: tuple[Range, ...]


def series_answer(loads: Loads, request: MacroRequest, *, notes: Sequence[str] = ()) -> Composed:
    """The latest reading of `loads.spec` with context (see the module docstring).

    Data (--json): series, value, date (the reading's date; with `value`, the last date
    searched), direction ("high"/"low"), excluded ([[start, end], ...]), previous (up to three
    earlier episodes, most recent first, each {date, value} of the episode's most recent
    observation), since (each direction looked up: {direction, news, previous}), moves
    ({against, date, value, change}) and behind ({latest, expected, why} or null).
    `notes` are appended to the warnings.
    """
    spec, main, as_of, value = loads.spec, loads.main, request.as_of, request.value
    ranges = tuple(spec.default_exclusions if request.exclude is None else request.exclude)
    frequency = _frequency(spec.frequency, main.observations)
    raw = _until(main.observations, as_of)
    if raw.empty:
        first = main.observations.index[0].date().isoformat()
        raise NoData(
            f"{spec.id} has no observations on or before {as_of}; its history starts {first}."
        )
    shown = apply_transform(raw, spec.transform, frequency)
    if shown.empty:
        raise NoData(
            f"{spec.id} has too short a history for {spec.units or spec.transform} "
            f"({len(raw)} observations up to {raw.index[-1].date().isoformat()})."
        )
    reading = latest_reading(shown)

    if spec.context_id == spec.id:
        history, history_frequency = shown, frequency
    else:
        history = apply_transform(_until(loads.history.observations, as_of), "none", "unknown")
        if history.empty:
            raise NoData(
                f"{spec.context_id}, the history {spec.id} is compared with, has no observations up to then."
            )
        history_frequency = _frequency(lookup(spec.context_id).frequency, history)

    since = _since(reading, history, request, ranges)
    context = since.primary
    asked = context.value
    asked_date = reading.latest.date if value is None else context.as_of - dt.timedelta(days=1)

    fmt = formatter(spec)
    name = short_name(spec)
    phrase = since_phrase(
        since,
        frequency=history_frequency,
        wording=spec.wording,
        magnitude=lambda x: fmt(x, change=True).lstrip("+"),
    )
    behind = _behind(loads, reading.latest.date, frequency)
    suffix = f" (as of {period_label(reading.latest.date, frequency)})" if behind else ""
    title = f"{name} {fmt(asked)}: {phrase}{suffix}"
    warnings = [w for w in (main.warning, loads.history.warning) if w]
    if behind:
        # The behind warning says why; the loader's "may be out of date" would repeat it.
        warnings = [behind[1], *(w for w in warnings if w != main.warning)]
    warnings.extend(notes)
    source = source_label(main.record)

    # The full sentence is too wide for the chart: its title names the latest episode (the
    # subtitle the ones before it), or the moves when no "since" is news.
    short = since.news[0] if since.news else None
    chart_phrase = phrase
    if short is not None:
        first = replace(short, episodes=short.episodes[:1])
        chart_phrase = context_phrase(first, frequency=history_frequency, wording=spec.wording)
    chart_title = f"{name} {fmt(asked)}: {chart_phrase}{suffix}"

    def build():
        return chart_figure(
            spec,
            loads.recessions,
            reading,
            context,
            frequency,
            history_frequency,
            history,
            ranges,
            source,
            chart_title,
        )

    answer = Answer(
        title=title,
        summary=summary_text(
            spec, reading, since, frequency, history_frequency, value, asked_date, ranges
        ),
        fields=fields(spec, reading, frequency, fmt),
        chart=Chart(build),
        source=source,
        as_of=reading.latest.date,
        warnings=tuple(dict.fromkeys(warnings)),
        data={
            "series": spec.id,
            "value": asked,
            "date": asked_date.isoformat(),
            "direction": context.direction,
            "excluded": [[a.isoformat(), b.isoformat()] for a, b in ranges],
            "previous": episodes(context),
            "since": [
                {"direction": c.direction, "news": c in since.news, "previous": episodes(c)}
                for c in since.contexts
            ],
            "moves": [
                {
                    "against": m.against,
                    "date": m.earlier.date.isoformat(),
                    "value": m.earlier.value,
                    "change": m.change,
                }
                for m in since.moves
            ],
            "behind": behind[0] if behind else None,
        },
        advice_disclaimer=False,
    )
    return Composed(answer, reading, since, history_frequency, ranges)


def _since(
    reading: Reading, history: pd.Series, request: MacroRequest, ranges: tuple[Range, ...]
) -> Since:
    """The contexts for the headline: the direction asked, else the recent move's."""
    moves = recent_moves(reading)
    options = {"exclude": ranges, "max_episodes": MAX_EPISODES}
    if request.value is not None:
        # history_context compares observations strictly before the date given: the day
        # after the last one searched, so the latest reading is part of the history.
        latest = max(reading.latest.date, history.index[-1].date())
        searched = request.as_of or latest
        direction = request.direction or direction_for_value(request.value, reading.latest.value)
        return since_asked(
            history, request.value, searched + dt.timedelta(days=1), direction, moves, **options
        )
    value, day = reading.latest.value, reading.latest.date
    if request.direction is not None:
        return since_asked(history, value, day, request.direction, moves, **options)
    return since_from_moves(history, value, day, moves, **options)


def episodes(context: Context) -> list[dict]:
    """The context's episodes as {date, value} of each one's most recent observation."""
    return [{"date": e.last.date.isoformat(), "value": e.last.value} for e in context.episodes]


def _behind(loads: Loads, latest: dt.date, frequency: str) -> tuple[dict[str, str], str] | None:
    """({latest, expected, why}, warning) when the latest observation is older than the
    series' frequency allows on the session the answer should stand on; else None."""
    expected = loads.expected
    if not overdue(latest, expected, frequency):
        return None
    why = loads.main.why_old or "nothing newer is stored"
    label = period_label(latest, frequency)
    warning = (
        f"{loads.spec.id}'s latest observation is {label} ({latest.isoformat()}), older than a "
        f"{frequency} series normally is on {expected.isoformat()}: {why}."
    )
    return {"latest": latest.isoformat(), "expected": expected.isoformat(), "why": why}, warning
