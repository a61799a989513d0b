"""History as context: "5.3%, the fastest since 2014 Q2" and the latest reading's changes.

Pure functions over a pandas Series of observations (DatetimeIndex of observation dates,
float values; NaN means missing and is ignored everywhere).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from analytics.errors import NoData

HIGH, LOW = "high", "low"


@dataclass(frozen=True)
class Observation:
    """One dated value."""

    date: dt.date
    value: float


@dataclass(frozen=True)
class Episode:
    """A run of consecutive earlier observations at least as high (or as low) as the reading.

    `last` is the run's most recent observation: the date reported in "highest since ...".
    `extreme` is the run's highest (or lowest) observation; `length` counts its observations.
    """

    first: dt.date
    last: Observation
    extreme: Observation
    length: int


@dataclass(frozen=True)
class Context:
    """Where a reading stands against the history before it.

    episodes:       most recent first, at most `max_episodes` of them; empty = never before.
    episode_count:  all qualifying episodes in the history (not only those reported).
    history_start/history_end: first and last observation compared (after exclusion).
    observations:   how many observations were compared.
    median:         median of the compared history (decides the direction when not given).
    excluded:       (first, last) observation dates actually left out, per exclusion range.
    """

    value: float
    as_of: dt.date
    direction: str
    episodes: tuple[Episode, ...]
    episode_count: int
    history_start: dt.date
    history_end: dt.date
    observations: int
    median: float
    excluded: tuple[tuple[dt.date, dt.date], ...] = ()

    @property
    def never_before(self) -> bool:
        """True when no earlier observation was at least as high (or as low)."""
        return not self.episodes


@dataclass(frozen=True)
class Reading:
    """The latest observation and its changes, in the series' own units (percentage points
    for series in %). A change is None when there is no comparable earlier observation."""

    latest: Observation
    previous: Observation | None
    change: float | None
    year_ago: Observation | None
    change_from_year_ago: float | None


@dataclass(frozen=True)
class Wording:
    """How a series' extremes read: "highest"/"lowest" and "never this high before"."""

    high: str = "highest"
    low: str = "lowest"
    high_adj: str = "high"
    low_adj: str = "low"

    def superlative(self, direction: str) -> str:
        return self.high if direction == HIGH else self.low

    def adjective(self, direction: str) -> str:
        return self.high_adj if direction == HIGH else self.low_adj


def _clean(series: pd.Series) -> pd.Series:
    """Float values on a sorted DatetimeIndex, missing values dropped, duplicates last-wins."""
    out = series.dropna().astype("float64")
    out.index = pd.DatetimeIndex(out.index)
    out = out[~out.index.duplicated(keep="last")]
    return out.sort_index()


def _date(ts: pd.Timestamp) -> dt.date:
    return pd.Timestamp(ts).date()


def history_context(
    history: pd.Series,
    value: float,
    as_of_date: dt.date,
    *,
    direction: str | None = None,
    exclude: Iterable[tuple[dt.date, dt.date]] = (),
    max_episodes: int = 3,
) -> Context:
    """The earlier times `history` was at least as high (direction "high") or as low ("low")
    as `value`.

    Compared: observations dated strictly before `as_of_date`, minus those inside any
    `exclude` range (inclusive bounds). Qualifying: value_t >= value ("high") or <= value
    ("low"). `direction=None` means "high" when `value` is above the compared history's
    median, else "low".

    Episodes: qualifying observations that are adjacent in the history's own order form one
    episode (missing values are not observations, so a NaN does not split a run). An excluded
    range DOES split a run: the hidden observations may not have qualified, so the
    observations on either side are reported as separate episodes (GDP in 2020 Q1 and
    2022 Q1 are two times, not one). Each episode is reported by its most recent observation,
    most recent episode first, at most `max_episodes` of them.

    Raises NoData when no observation is left to compare with, ValueError for a NaN value,
    an unknown direction or max_episodes < 1.
    """
    if value is None or not math.isfinite(value):
        raise ValueError("history_context needs a finite value")
    if direction not in (None, HIGH, LOW):
        raise ValueError(f"direction must be 'high', 'low' or None, not {direction!r}")
    if max_episodes < 1:
        raise ValueError("max_episodes must be at least 1")

    series = _clean(history)
    series = series[series.index < pd.Timestamp(as_of_date)]
    excluded_mask = pd.Series(False, index=series.index)
    excluded: list[tuple[dt.date, dt.date]] = []
    for start, end in exclude:
        inside = (series.index >= pd.Timestamp(start)) & (series.index <= pd.Timestamp(end))
        if inside.any():
            hidden = series.index[inside]
            excluded.append((_date(hidden[0]), _date(hidden[-1])))
        excluded_mask |= inside
    compared = series[~excluded_mask]
    if compared.empty:
        raise NoData(f"There is no history before {as_of_date.isoformat()} to compare with.")

    median = float(compared.median())
    if direction is None:
        direction = HIGH if value > median else LOW

    # Excluded rows stay in the sequence as non-qualifying breakers, so runs cannot span them.
    qualifies = (series >= value) if direction == HIGH else (series <= value)
    qualifies &= ~excluded_mask
    starts = qualifies & ~qualifies.shift(1, fill_value=False)
    run_id = starts.cumsum()[qualifies]

    episodes: list[Episode] = []
    for _, members in series[qualifies].groupby(run_id, sort=False):
        extreme_at = members.idxmax() if direction == HIGH else members.idxmin()
        episodes.append(
            Episode(
                first=_date(members.index[0]),
                last=Observation(_date(members.index[-1]), float(members.iloc[-1])),
                extreme=Observation(_date(extreme_at), float(members[extreme_at])),
                length=len(members),
            )
        )
    episodes.reverse()
    return Context(
        value=float(value),
        as_of=as_of_date,
        direction=direction,
        episodes=tuple(episodes[:max_episodes]),
        episode_count=len(episodes),
        history_start=_date(compared.index[0]),
        history_end=_date(compared.index[-1]),
        observations=len(compared),
        median=median,
        excluded=tuple(excluded),
    )


def latest_reading(series: pd.Series) -> Reading:
    """The last observation, its change from the previous one and from a year earlier.

    change = latest - previous observation. change_from_year_ago = latest - the observation
    on the same date a year earlier or, if that date has none (weekends, holidays, gaps), the
    last observation before it, provided it is no older than the series' median spacing
    (at least 7 days). Units are the series' own. Raises NoData for a series with no values.
    """
    clean = _clean(series)
    if clean.empty:
        raise NoData("This series has no observations yet.")
    latest = Observation(_date(clean.index[-1]), float(clean.iloc[-1]))
    previous = None
    if len(clean) > 1:
        previous = Observation(_date(clean.index[-2]), float(clean.iloc[-2]))

    year_ago = None
    target = clean.index[-1] - pd.DateOffset(years=1)
    earlier = clean[clean.index <= target]
    if not earlier.empty:
        spacing = clean.index.to_series().diff().median() if len(clean) > 1 else pd.Timedelta(0)
        tolerance = max(pd.Timedelta(days=7), spacing)
        if target - earlier.index[-1] <= tolerance:
            year_ago = Observation(_date(earlier.index[-1]), float(earlier.iloc[-1]))
    return Reading(
        latest=latest,
        previous=previous,
        change=None if previous is None else latest.value - previous.value,
        year_ago=year_ago,
        change_from_year_ago=None if year_ago is None else latest.value - year_ago.value,
    )


def infer_frequency(series: pd.Series) -> str:
    """ "daily", "weekly", "monthly", "quarterly" or "annual" from the median spacing of the
    observation dates; "unknown" with fewer than two observations."""
    index = _clean(series).index
    if len(index) < 2:
        return "unknown"
    days = index.to_series().diff().median().days
    if days <= 4:
        return "daily"
    if days <= 10:
        return "weekly"
    if days <= 45:
        return "monthly"
    if days <= 120:
        return "quarterly"
    return "annual"


def period_label(day: dt.date, frequency: str) -> str:
    """How a writer names an observation date: "2014 Q2" (quarterly), "June 2014" (monthly),
    "2014" (annual), "Jun 3, 2014" (daily, weekly and unknown)."""
    if frequency == "quarterly":
        return f"{day.year} Q{(day.month - 1) // 3 + 1}"
    if frequency == "monthly":
        return f"{day:%B} {day.year}"
    if frequency == "annual":
        return str(day.year)
    return f"{day:%b} {day.day}, {day.year}"


def format_value(value: float, *, suffix: str = "", decimals: int = 2, signed: bool = False) -> str:
    """ "5.3%", "+119K", "-0.45 pp", "213,000": thousands separators, fixed decimals."""
    sign = "+" if signed and value > 0 else ""
    text = f"{value:,.{decimals}f}"
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")  # no "-0.0"
    return f"{sign}{text}{suffix}"


def _join(labels: Sequence[str]) -> str:
    if len(labels) <= 2:
        return " and ".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def context_phrase(context: Context, *, frequency: str, wording: Wording = Wording()) -> str:
    """ "fastest since 2014 Q2, and before that 2006 Q1" or, with no earlier episode,
    "never this fast before in the history (since 1947 Q2)". Dates are each episode's most
    recent observation, labelled for the history's frequency."""
    direction = context.direction
    if context.never_before:
        start = period_label(context.history_start, frequency)
        return f"never this {wording.adjective(direction)} before in the history (since {start})"
    labels = [period_label(e.last.date, frequency) for e in context.episodes]
    phrase = f"{wording.superlative(direction)} since {labels[0]}"
    if len(labels) > 1:
        phrase += f", and before that {_join(labels[1:])}"
    return phrase


def context_sentence(
    context: Context, *, value_text: str, frequency: str, wording: Wording = Wording()
) -> str:
    """ "5.3%: fastest since 2014 Q2, and before that 2006 Q1" (see context_phrase)."""
    return f"{value_text}: {context_phrase(context, frequency=frequency, wording=wording)}"


def exclusion_note(context: Context, *, frequency: str) -> str:
    """ "Leaves out 2020 Q2 to 2021 Q4." for the ranges that hid observations; "" if none."""
    if not context.excluded:
        return ""
    spans = [
        period_label(a, frequency)
        if a == b
        else f"{period_label(a, frequency)} to {period_label(b, frequency)}"
        for a, b in context.excluded
    ]
    return f"Leaves out {_join(spans)}."
