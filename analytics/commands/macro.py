"""`macro`: a FRED series' latest reading with history as context ("fastest since 2014 Q2").

The recipe: resolve what was typed to a registry entry (`lookup`), load its observations
(cache first, FRED when stale, the cache with a warning when FRED is down), apply the entry's
transform, take the latest reading, and compare it with the history of `spec.context_id`
(GDPNow against BEA's actual growth). Loading is async (aiohttp); SQLite and the analytics
run in worker threads, each opening its own FredStore on `cache.db` (a per-thread connection).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import pandas as pd

from analytics.answer import Answer, Field
from analytics.calendar import EASTERN
from analytics.commands.common import check_as_of
from analytics.data.cache import PriceCache
from analytics.errors import BadInput, NoData, UpstreamError
from analytics.macro.context import (
    Context,
    Observation,
    Reading,
    context_sentence,
    exclusion_note,
    format_value,
    history_context,
    infer_frequency,
    latest_reading,
    period_label,
)
from analytics.macro.fred import FredClient
from analytics.macro.series import MacroSeries, generic, lookup
from analytics.macro.store import FILE_SOURCE_PREFIX, FetchRecord, FredStore
from analytics.macro.transforms import apply_transform

RECESSIONS_ID = "USREC"
MAX_EPISODES = 3
IMPORT_HINT = "marketbot import fred FILE"

Range = tuple[dt.date, dt.date]


# --- options ----------------------------------------------------------------------------------

_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
EXCLUDE_HELP = (
    "Write --exclude START:END with dates like 2020-04-01, 2020-04, 2020Q2 or 2020 "
    "(e.g. --exclude 2020Q2:2021Q4), or --exclude none to compare with the whole history."
)


def _bound(text: str, *, end: bool) -> dt.date:
    """One side of an exclusion range; a year, month or quarter covers all of it."""
    text = text.strip()
    if match := _QUARTER.match(text):
        year, quarter = int(match[1]), int(match[2])
        month = 3 * quarter - 2 + (2 if end else 0)
    elif match := _MONTH.match(text):
        year, month = int(match[1]), int(match[2])
    elif match := _YEAR.match(text):
        year, month = int(match[1]), 12 if end else 1
    else:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise BadInput(f"'{text[:20]}' is not a date. " + EXCLUDE_HELP) from None
    if not 1 <= month <= 12:
        raise BadInput(f"'{text[:20]}' has no month {month}. " + EXCLUDE_HELP)
    first = dt.date(year, month, 1)
    if not end:
        return first
    return (pd.Timestamp(first) + pd.offsets.MonthEnd(0)).date()


def parse_exclusions(raw: Sequence[str] | str | None) -> tuple[Range, ...] | None:
    """`--exclude` values -> date ranges (inclusive); None = the series' default exclusions,
    () for "none". Each value is START:END; bounds may be a date, a month (2020-04), a
    quarter (2020Q2) or a year, an end bound covering its whole period."""
    if raw is None:
        return None
    values = [raw] if isinstance(raw, str) else list(raw)
    if not values:
        return None
    if any(v.strip().lower() == "none" for v in values):
        if len(values) > 1:
            raise BadInput("--exclude none means no exclusions; do not combine it with ranges.")
        return ()
    ranges: list[Range] = []
    for value in values:
        start_text, sep, end_text = value.partition(":")
        if not sep or not start_text.strip() or not end_text.strip():
            raise BadInput(f"'{value[:40]}' is not a range. " + EXCLUDE_HELP)
        start, end = _bound(start_text, end=False), _bound(end_text, end=True)
        if start > end:
            raise BadInput(f"The range {value.strip()} ends before it starts. " + EXCLUDE_HELP)
        ranges.append((start, end))
    return tuple(ranges)


def check_value(value: float | None) -> float | None:
    """A finite number for --value, or BadInput."""
    if value is not None and not math.isfinite(value):
        raise BadInput("--value must be a number, e.g. --value 5.3.")
    return value


# --- loading: cache first, FRED when stale, the cache when FRED is down -----------------------


@dataclass(frozen=True)
class Loaded:
    """A series' observations as stored, where they came from and what to tell the reader."""

    series_id: str
    observations: pd.Series
    record: FetchRecord | None
    warning: str = ""


def source_label(record: FetchRecord | None) -> str:
    """ "FRED", "FRED API" or "FRED (file GDPNOW.csv)" for an imported file."""
    if record is None:
        return "FRED"
    if record.source.startswith(FILE_SOURCE_PREFIX):
        return f"FRED (file {record.source.removeprefix(FILE_SOURCE_PREFIX)})"
    return record.source or "FRED"


def _cached_on(record: FetchRecord) -> str:
    if record.source.startswith(FILE_SOURCE_PREFIX):
        name = record.source.removeprefix(FILE_SOURCE_PREFIX)
        return f"imported from {name} on {record.fetched_at.date().isoformat()}"
    return f"cached on {record.fetched_at.date().isoformat()}"


def _read_cache(cache: PriceCache, series_id: str, now: dt.datetime):
    store = FredStore(cache.db)
    return (
        store.is_stale(series_id, now),
        store.observations(series_id),
        store.fetch_record(series_id),
    )


def _write_cache(
    cache: PriceCache,
    series_id: str,
    observations: pd.Series,
    source: str,
    now: dt.datetime,
    spec: MacroSeries,
) -> tuple[pd.Series, FetchRecord | None]:
    store = FredStore(cache.db)
    store.upsert(
        series_id,
        observations,
        source=source,
        fetched_at=now,
        title=spec.name if spec.name != series_id else "",
        units=spec.units,
        frequency="" if spec.frequency == "unknown" else spec.frequency,
        # A full-history fetch: rows FRED withdrew must not linger.
        replace=True,
    )
    return store.observations(series_id), store.fetch_record(series_id)


async def load_series(
    series_id: str, *, cache: PriceCache, client: FredClient | None, now: dt.datetime
) -> Loaded:
    """The stored observations of `series_id`, fetched first when stale.

    client None (offline): the store only; NoData saying how to import when nothing is
    stored. Not stale: the store, no request. Stale: fetch and store the full history; when
    FRED is down (UpstreamError) the stored copy is served with a warning naming its date, or,
    with nothing stored, the UpstreamError says so. Unknown ids (BadInput) and series without
    observations (NoData) are raised as FRED reported them.
    """
    stale, cached, record = await asyncio.to_thread(_read_cache, cache, series_id, now)
    if client is None:
        if record is None:
            raise NoData(
                f"Nothing is cached for {series_id} and offline mode is on: download the CSV from "
                f"fred.stlouisfed.org/series/{series_id} and load it with `{IMPORT_HINT}`, "
                "or go online."
            )
        if cached.empty:
            raise NoData(
                f"The stored copy of {series_id} has no observations; import a file with data."
            )
        warning = (
            f"Offline: {series_id} was {_cached_on(record)} and may be out of date."
            if stale
            else ""
        )
        return Loaded(series_id, cached, record, warning)
    if not stale and record is not None and not cached.empty:
        return Loaded(series_id, cached, record)
    try:
        fetched = await client.fetch(series_id)
    except UpstreamError as exc:
        if record is None or cached.empty:
            raise type(exc)(
                f"{exc.message} Nothing is cached for {series_id} to fall back on: try again later, "
                f"or download the CSV from fred.stlouisfed.org and load it with `{IMPORT_HINT}`."
            ) from None
        last = cached.index[-1].date().isoformat()
        warning = f"{exc.message} Showing {series_id} as {_cached_on(record)} (latest observation {last})."
        return Loaded(series_id, cached, record, warning)
    spec = lookup(series_id)
    if not spec.curated:
        spec = await _describe(client, series_id)
    stored, record = await asyncio.to_thread(
        _write_cache, cache, series_id, fetched, client.source, now, spec
    )
    return Loaded(series_id, stored, record)


async def _describe(client: FredClient, series_id: str) -> MacroSeries:
    """Title, units and frequency of an uncurated id (one request with an API key, none
    without); generic placeholders when FRED cannot say: the data matter, the title less."""
    try:
        info = await client.fetch_info(series_id)
    except (BadInput, UpstreamError):
        return generic(series_id)
    title = info.title if info.title != series_id else ""
    return generic(series_id, name=title, units=info.units, frequency=info.frequency)


async def load_recessions(
    *, cache: PriceCache, client: FredClient | None, now: dt.datetime
) -> pd.Series | None:
    """USREC (1 = NBER recession month) for chart shading, or None when it cannot be had:
    shading is decoration, so its absence never fails the answer."""
    try:
        return (await load_series(RECESSIONS_ID, cache=cache, client=client, now=now)).observations
    except (BadInput, NoData, UpstreamError):
        return None


# --- the answer ---------------------------------------------------------------------------------


def _until(series: pd.Series, as_of: dt.date | None) -> pd.Series:
    if as_of is None:
        return series
    return series[series.index <= pd.Timestamp(as_of)]


def _short_name(spec: MacroSeries) -> str:
    """The name in a title: "GDPNow", not the parenthesised explanation; FRED's own title
    for uncurated series."""
    return spec.name.split(" (")[0].split(", ")[0] if spec.curated else spec.name


def _change_suffix(suffix: str) -> str:
    # A change in a rate is in percentage points, not percent.
    return " pp" if suffix == "%" else suffix


def _frequency(declared: str, series: pd.Series) -> str:
    return declared if declared not in ("", "unknown") else infer_frequency(series)


# The least a chart shows, by frequency: enough observations for the line to mean something.
_MIN_WINDOW_DAYS = {
    "daily": 366,
    "weekly": 732,
    "monthly": 1830,
    "quarterly": 3660,
    "annual": 10980,
}


def _chart_start(
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


def _spaced_labels(dates: Sequence[dt.date], labels: Sequence[str], span_days: float) -> list[str]:
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


@dataclass(frozen=True)
class _Inputs:
    spec: MacroSeries
    observations: pd.Series
    history: pd.Series
    main: Loaded
    history_loaded: Loaded
    recessions: pd.Series | None


async def macro_answer(
    series: str,
    *,
    cache: PriceCache,
    client: FredClient | None,
    now: Callable[[], dt.datetime],
    value: float | None = None,
    exclude: Sequence[Range] | None = None,
    as_of: dt.date | None = None,
    chart: bool = True,
) -> Answer:
    """The latest reading of `series` (an id or a name like "gdpnow") with context.

    value:    ask the context question for this value instead of the latest reading.
    exclude:  date ranges left out of the history; None = the series' default (GDP-type
              series leave out 2020 Q2-2021 Q4), () = nothing left out.
    as_of:    use observations dated on or before this day only.
    client:   None means offline (the store only).
    Data: series, value, date (the reading's date; with `value`, the last date searched),
    direction ("high"/"low"), excluded ([[start, end], ...]) and previous (up to three earlier
    episodes, most recent first, each {date, value} of the episode's most recent observation).
    """
    spec = lookup(series)
    moment = now()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    check_as_of(as_of, pd.Timestamp(moment).tz_convert(EASTERN).date())
    check_value(value)
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
        spec, main.observations, history_loaded.observations, main, history_loaded, recessions
    )
    return await asyncio.to_thread(_compose, inputs, value, ranges, as_of, chart)


def _compose(
    inputs: _Inputs,
    value: float | None,
    ranges: tuple[Range, ...],
    as_of: dt.date | None,
    chart: bool,
) -> Answer:
    spec, main = inputs.spec, inputs.main
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

    if value is None:
        asked, asked_date = reading.latest.value, reading.latest.date
        # history_context compares observations strictly before this date.
        context = history_context(
            history, asked, asked_date, exclude=ranges, max_episodes=MAX_EPISODES
        )
    else:
        asked = value
        asked_date = as_of or max(reading.latest.date, history.index[-1].date())
        context = history_context(
            history,
            asked,
            asked_date + dt.timedelta(days=1),
            exclude=ranges,
            max_episodes=MAX_EPISODES,
        )

    fmt = _formatter(spec)
    name = _short_name(spec)
    sentence = context_sentence(
        context, value_text=fmt(asked), frequency=history_frequency, wording=spec.wording
    )
    title = f"{name} {sentence}"
    warnings = tuple(dict.fromkeys(w for w in (main.warning, inputs.history_loaded.warning) if w))
    source = source_label(main.record)
    summary = _summary(
        inputs, reading, context, frequency, history_frequency, value, asked_date, ranges
    )
    png = None
    if chart:
        png = _chart(
            inputs, reading, context, frequency, history_frequency, history, ranges, source
        )
    return Answer(
        title=title,
        summary=summary,
        fields=_fields(spec, reading, frequency, fmt),
        chart_png=png,
        source=source,
        as_of=reading.latest.date,
        warnings=warnings,
        data={
            "series": spec.id,
            "value": asked,
            "date": asked_date.isoformat(),
            "direction": context.direction,
            "excluded": [[a.isoformat(), b.isoformat()] for a, b in ranges],
            "previous": [
                {"date": e.last.date.isoformat(), "value": e.last.value} for e in context.episodes
            ],
        },
        advice_disclaimer=False,
    )


def _formatter(spec: MacroSeries) -> Callable[..., str]:
    def fmt(number: float, *, change: bool = False) -> str:
        suffix = _change_suffix(spec.suffix) if change else spec.suffix
        return format_value(
            number, suffix=suffix, decimals=spec.decimals, signed=change or spec.signed
        )

    return fmt


def _fields(spec: MacroSeries, reading: Reading, frequency: str, fmt) -> tuple[Field, ...]:
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


def _summary(
    inputs: _Inputs,
    reading: Reading,
    context: Context,
    frequency: str,
    history_frequency: str,
    value: float | None,
    asked_date: dt.date,
    ranges: tuple[Range, ...],
) -> str:
    spec = inputs.spec
    fmt = _formatter(spec)
    latest = reading.latest
    name = _short_name(spec)
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
    start = period_label(context.history_start, history_frequency)
    if spec.context_id != spec.id:
        other = _short_name(lookup(spec.context_id))
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


def _chart(
    inputs: _Inputs,
    reading: Reading,
    context: Context,
    frequency: str,
    history_frequency: str,
    history: pd.Series,
    ranges: tuple[Range, ...],
    source: str,
) -> bytes:
    from analytics.charts.macro_chart import macro_chart

    spec = inputs.spec
    fmt = _formatter(spec)
    latest = reading.latest
    labels = [period_label(e.last.date, history_frequency) for e in context.episodes]
    start = _chart_start(history, context, latest.date, history_frequency)
    span = (latest.date - (start or history.index[0].date())).days
    dates = [e.last.date for e in context.episodes]
    marks = list(
        zip([e.last for e in context.episodes], _spaced_labels(dates, labels, span), strict=True)
    )
    # The full sentence is too wide for the chart: the title names the latest episode, the
    # subtitle the ones before it.
    first = replace(context, episodes=context.episodes[:1])
    title = f"{_short_name(spec)} " + context_sentence(
        first, value_text=fmt(context.value), frequency=history_frequency, wording=spec.wording
    )
    notes = [f"before that {', '.join(labels[1:])}"] if len(labels) > 1 else []
    if spec.context_id != spec.id:
        notes.append(
            f"line: {_short_name(lookup(spec.context_id))}, dot: latest {_short_name(spec)}"
        )
    else:
        notes.append(spec.units or spec.id)
    recessions = inputs.recessions
    if recessions is not None and start is not None:
        recessions = recessions[recessions.index >= pd.Timestamp(start)]
    if recessions is not None and (recessions >= 0.5).any():
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
        recessions=inputs.recessions,
        start=start,
        exclude=ranges,
        source=source,
        as_of=latest.date,
    )
