"""`macro`: a FRED series' latest reading with history as context ("fastest since 2014 Q2").

The recipe: resolve what was typed to a registry entry (`lookup`), load its observations
(analytics.macro.loading: cache first, FRED when stale, the cache with a warning when FRED is
down), apply the entry's transform, take the latest reading, and compare it with the history
of `spec.context_id` (GDPNow against BEA's actual growth) in the direction of the reading's
recent move (analytics.macro.since). Loading is async (aiohttp); SQLite and the analytics run
in worker threads.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import pandas as pd

from analytics import calendar
from analytics.answer import Answer
from analytics.calendar import EASTERN
from analytics.commands.common import check_as_of
from analytics.data.cache import PriceCache
from analytics.errors import BadInput, NoData
from analytics.macro.context import (
    HIGH,
    LOW,
    Context,
    Reading,
    context_phrase,
    infer_frequency,
    latest_reading,
    period_label,
)
from analytics.macro.fred import FredClient
from analytics.macro.freshness import overdue
from analytics.macro.loading import (  # noqa: F401  (re-exported: the CLI and tests use them)
    IMPORT_HINT,
    RECESSIONS_ID,
    Loaded,
    load_recessions,
    load_series,
    source_label,
)
from analytics.macro.options import (  # noqa: F401  (re-exported)
    EXCLUDE_HELP,
    Range,
    check_value,
    parse_direction,
    parse_exclusions,
)
from analytics.macro.presentation import chart_png, fields, formatter, short_name, summary_text
from analytics.macro.series import MacroSeries, generic, lookup
from analytics.macro.since import (
    Since,
    direction_for_value,
    recent_moves,
    since_asked,
    since_from_moves,
    since_phrase,
)
from analytics.macro.transforms import apply_transform

MAX_EPISODES = 3


# --- the answer ---------------------------------------------------------------------------------


def _until(series: pd.Series, as_of: dt.date | None) -> pd.Series:
    if as_of is None:
        return series
    return series[series.index <= pd.Timestamp(as_of)]


def _frequency(declared: str, series: pd.Series) -> str:
    return declared if declared not in ("", "unknown") else infer_frequency(series)


@dataclass(frozen=True)
class _Inputs:
    spec: MacroSeries
    observations: pd.Series
    history: pd.Series
    main: Loaded
    history_loaded: Loaded
    recessions: pd.Series | None
    expected: dt.date  # the session the answer should stand on (calendar.expected_session)


@dataclass(frozen=True)
class _Question:
    value: float | None
    direction: str | None
    ranges: tuple[Range, ...]
    as_of: dt.date | None


async def macro_answer(
    series: str,
    *,
    cache: PriceCache,
    client: FredClient | None,
    now: Callable[[], dt.datetime],
    value: float | None = None,
    exclude: Sequence[Range] | None = None,
    as_of: dt.date | None = None,
    direction: str | None = None,
    chart: bool = True,
) -> Answer:
    """The latest reading of `series` (an id or a name like "gdpnow") with context.

    value:     ask the context question for this value instead of the latest reading.
    exclude:   date ranges left out of the history; None = the series' default (GDP-type
               series leave out 2020 Q2-2021 Q4), () = nothing left out.
    as_of:     use observations dated on or before this day only.
    direction: "high" or "low": when it was last this high (low); None = from the latest
               move (the reading against the previous one and a year earlier; both ways when
               they disagree, a "since" one reading back left out of the headline), or, with
               `value`, from the value against the latest reading.
    client:    None means offline (the store only).
    When the latest observation is older than the series' frequency allows on the session
    asked (or the latest one), the title says "(as of <period>)" and a warning says why.
    Data: series, value, date (the reading's date; with `value`, the last date searched),
    direction ("high"/"low"), excluded ([[start, end], ...]), previous (up to three earlier
    episodes, most recent first, each {date, value} of the episode's most recent observation),
    since (each direction looked up: {direction, news, previous}), moves ({against, date,
    value, change}) and behind ({latest, expected, why} or null).
    """
    spec = lookup(series)
    moment = now()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    check_as_of(as_of, pd.Timestamp(moment).tz_convert(EASTERN).date())
    check_value(value)
    if direction not in (None, HIGH, LOW):
        raise BadInput(f"Direction '{str(direction)[:20]}' is neither high nor low.")
    ranges = tuple(spec.default_exclusions if exclude is None else exclude)

    main = await load_series(spec.id, cache=cache, client=client, now=moment)
    if not spec.curated and main.record is not None:
        record = main.record
        spec = generic(spec.id, name=record.title, units=record.units, frequency=record.frequency)
    history_loaded = main
    if spec.context_id != spec.id:
        history_loaded = await load_series(spec.context_id, cache=cache, client=client, now=moment)
    recessions = await load_recessions(cache=cache, client=client, now=moment) if chart else None

    inputs = _Inputs(
        spec,
        main.observations,
        history_loaded.observations,
        main,
        history_loaded,
        recessions,
        calendar.expected_session(as_of, moment),
    )
    question = _Question(value, direction, ranges, as_of)
    return await asyncio.to_thread(_compose, inputs, question, chart)


def _compose(inputs: _Inputs, question: _Question, chart: bool) -> Answer:
    spec, main, as_of, value = inputs.spec, inputs.main, question.as_of, question.value
    frequency = _frequency(spec.frequency, inputs.observations)
    raw = _until(inputs.observations, as_of)
    if raw.empty:
        first = inputs.observations.index[0].date().isoformat()
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
        history_raw = _until(inputs.history, as_of)
        history = apply_transform(history_raw, "none", "unknown")
        if history.empty:
            raise NoData(
                f"{spec.context_id}, the history {spec.id} is compared with, has no observations up to then."
            )
        history_frequency = _frequency(lookup(spec.context_id).frequency, history)

    since = _since(reading, history, question)
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
    behind = _behind(inputs, reading.latest.date, frequency)
    suffix = f" (as of {period_label(reading.latest.date, frequency)})" if behind else ""
    title = f"{name} {fmt(asked)}: {phrase}{suffix}"
    warnings = [w for w in (main.warning, inputs.history_loaded.warning) if w]
    if behind:
        # The behind warning says why; the loader's "may be out of date" would repeat it.
        warnings = [behind[1], *(w for w in warnings if w != main.warning)]
    source = source_label(main.record)
    summary = summary_text(
        spec, reading, since, frequency, history_frequency, value, asked_date, question.ranges
    )
    png = None
    if chart:
        # The full sentence is too wide for the chart: its title names the latest episode
        # (the subtitle the ones before it), or the moves when no "since" is news.
        short = since.news[0] if since.news else None
        if short is not None:
            first = replace(short, episodes=short.episodes[:1])
            phrase = context_phrase(first, frequency=history_frequency, wording=spec.wording)
        png = chart_png(
            spec,
            inputs.recessions,
            reading,
            context,
            frequency,
            history_frequency,
            history,
            question.ranges,
            source,
            f"{name} {fmt(asked)}: {phrase}{suffix}",
        )
    return Answer(
        title=title,
        summary=summary,
        fields=fields(spec, reading, frequency, fmt),
        chart_png=png,
        source=source,
        as_of=reading.latest.date,
        warnings=tuple(dict.fromkeys(warnings)),
        data={
            "series": spec.id,
            "value": asked,
            "date": asked_date.isoformat(),
            "direction": context.direction,
            "excluded": [[a.isoformat(), b.isoformat()] for a, b in question.ranges],
            "previous": _episodes(context),
            "since": [
                {
                    "direction": c.direction,
                    "news": c in since.news,
                    "previous": _episodes(c),
                }
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


def _since(reading: Reading, history: pd.Series, question: _Question) -> Since:
    """The contexts for the headline: the direction asked, else the recent move's."""
    moves = recent_moves(reading)
    options = {"exclude": question.ranges, "max_episodes": MAX_EPISODES}
    if question.value is not None:
        # history_context compares observations strictly before the date given: the day
        # after the last one searched, so the latest reading is part of the history.
        latest = max(reading.latest.date, history.index[-1].date())
        searched = question.as_of or latest
        direction = question.direction or direction_for_value(question.value, reading.latest.value)
        return since_asked(
            history, question.value, searched + dt.timedelta(days=1), direction, moves, **options
        )
    value, day = reading.latest.value, reading.latest.date
    if question.direction is not None:
        return since_asked(history, value, day, question.direction, moves, **options)
    return since_from_moves(history, value, day, moves, **options)


def _episodes(context: Context) -> list[dict]:
    return [{"date": e.last.date.isoformat(), "value": e.last.value} for e in context.episodes]


def _behind(inputs: _Inputs, latest: dt.date, frequency: str) -> tuple[dict[str, str], str] | None:
    """({latest, expected, why}, warning) when the latest observation is older than the
    series' frequency allows on the session the answer should stand on; else None."""
    expected = inputs.expected
    if not overdue(latest, expected, frequency):
        return None
    spec = inputs.spec
    why = inputs.main.why_old or "nothing newer is stored"
    label = period_label(latest, frequency)
    warning = (
        f"{spec.id}'s latest observation is {label} ({latest.isoformat()}), older than a "
        f"{frequency} series normally is on {expected.isoformat()}: {why}."
    )
    return {"latest": latest.isoformat(), "expected": expected.isoformat(), "why": why}, warning
