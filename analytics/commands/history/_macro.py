"""The macro event: a FRED series' readings on the sessions they were known, and the condition.

The series is loaded by the one function in `_macro_source` (to be repointed at the data
facade), transformed as /macro shows it (CPI as year-over-year %, payrolls as the monthly
change), dated by publication (analytics.history.publication), and laid on the sessions of the
prices studied: on each session the newest reading published before it. Readings dated inside
the exclusions (/macro's: GDP-type series leave out 2020 Q2-2021 Q4 by default) never count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.commands.history._macro_source import load_macro
from analytics.commands.history._parse import MacroEvent
from analytics.commands.history._present import PRICE_BASIS_NOTE, Event
from analytics.commands.history._prices import Prices
from analytics.data.market import MarketData
from analytics.errors import NoData
from analytics.history.episodes import Episode, condition_episodes
from analytics.history.publication import (
    RELEASE_TABLE_SERIES,
    publication_dates,
    readings_on_sessions,
)
from analytics.macro.context import infer_frequency
from analytics.macro.loading import source_label
from analytics.macro.presentation import formatter, short_name
from analytics.macro.series import generic, lookup
from analytics.macro.transforms import apply_transform
from analytics.spec import Progress


@dataclass(frozen=True)
class MacroInputs:
    episodes: tuple[Episode, ...]
    since: pd.Timestamp
    event: Event
    source: str


def macro_study_inputs(
    data: MarketData, request: MacroEvent, prices: Prices, progress: Progress
) -> MacroInputs:
    """The episodes of the macro condition on the sessions of `request.on`'s prices."""
    spec = lookup(request.series)
    progress.phase(f"Reading {spec.id}")
    loaded, release_dates = load_macro(data, spec.id)
    if not spec.curated and loaded.record is not None:
        record = loaded.record
        spec = generic(spec.id, name=record.title, units=record.units, frequency=record.frequency)
    observations = loaded.observations
    frequency = (
        spec.frequency if spec.frequency not in ("", "unknown") else infer_frequency(observations)
    )
    shown = apply_transform(observations, spec.transform, frequency)
    if shown.empty:
        raise NoData(f"{spec.id} has too short a history for {spec.units or spec.transform}.")
    known = release_dates if spec.id in RELEASE_TABLE_SERIES else None
    publication = publication_dates(spec.id, frequency, pd.DatetimeIndex(shown.index), known)

    sessions = prices.closes(request.on).index
    readings = readings_on_sessions(shown, publication.dates, sessions)
    has = readings["observed"].notna().to_numpy()
    if not has.any():
        raise NoData(
            f"No {spec.id} reading was published before {sessions[-1].date()}, the last session "
            f"of {' and '.join(request.on)}'s prices."
        )
    ranges = spec.default_exclusions if request.exclude is None else request.exclude
    observed = pd.DatetimeIndex(readings["observed"])
    excluded = np.zeros(len(sessions), dtype=bool)
    for start, end in ranges:
        excluded |= (observed >= pd.Timestamp(start)) & (observed <= pd.Timestamp(end))
    values = readings["value"].to_numpy()
    with np.errstate(invalid="ignore"):
        hit = values >= request.value if request.direction == "above" else values <= request.value
    condition = pd.Series(hit & ~excluded & has, index=sessions)
    since = sessions[int(np.argmax(has))]

    fmt = formatter(spec)
    side = "at or above" if request.direction == "above" else "at or below"
    excluded_text = (
        "; readings dated "
        + ", ".join(f"{a.isoformat()} to {b.isoformat()}" for a, b in ranges)
        + " are left out"
        if ranges
        else ""
    )
    rule = publication.rule_text(spec.id)
    latest_date = shown.index[-1]
    published = publication.dates[-1]
    event = Event(
        text=f"{short_name(spec)} {side} {fmt(request.value)}",
        definition=(
            f"Condition: the newest published {spec.id} reading ({spec.units or 'as FRED gives it'}"
            f"{', ' + spec.transform if spec.transform != 'none' else ''}) {side} "
            f"{fmt(request.value)}{excluded_text}. {rule} Readings are FRED's current values "
            f"(revisions included), not the first prints. {PRICE_BASIS_NOTE}"
        ),
        payload={
            "kind": "macro",
            "series": spec.id,
            "value": request.value,
            "direction": request.direction,
            "excluded": [[a.isoformat(), b.isoformat()] for a, b in ranges],
        },
        notes=tuple(w for w in (loaded.warning,) if w),
        extra={
            "publication": {
                "rule": rule,
                "lag": publication.lag.rule,
                "release_dates_known": publication.known,
            },
            "latest_reading": {
                "date": latest_date.date().isoformat(),
                "value": float(shown.iloc[-1]),
                "published": pd.Timestamp(published).date().isoformat(),
            },
        },
    )
    return MacroInputs(condition_episodes(condition), since, event, source_label(loaded.record))
