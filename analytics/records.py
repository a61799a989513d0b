"""Records: sessions that set a new all-time high (or closing high), and how the record stands.

Definitions (the same for highs and closes; the caller passes the series it means):
- A **record session** is one whose value is strictly above every earlier value in the history
  given. The first session has nothing to beat and is not a record; a tie is not a record.
  (`analytics.streaks.record_streak` finds them; this module reads its mask.)
- The **record** is the highest value through `as_of`, dated by the first session that reached
  it: the last record session, or the first session when nothing ever beat it.
- **Distance** from the record = latest close / record - 1, a fraction (-0.05 = 5% below).
- The **current run**: consecutive record sessions ending on the as-of session (none when the
  as-of session set no record).
- The **previous record**: the record that stood before the latest run of record sessions began
  (the current run, or the most recent one when none is under way): the highest value before
  the run's first session, and the session that set it.
- The **longest gap**: the most sessions between two consecutive record sessions (from the
  session of one record to the session that beat it; ties go to the most recent).

Which prices: for record highs the intraday `high`, for record closes the `close` column, both
split-adjusted but not dividend-adjusted (an adjusted history is rescaled at every dividend, so an
adjusted "record" would move each quarter and no longer match the price the market printed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from analytics.streaks import Run, find_runs, record_streak

RECENT_SESSIONS = 20
"""`records_recent` counts record sessions among this many latest sessions (as-of included)."""

Basis = Literal["high", "close"]


@dataclass(frozen=True)
class Mark:
    """A price and the session it was set on."""

    value: float
    date: dt.date

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "date": self.date}


@dataclass(frozen=True)
class Gap:
    """`sessions` sessions from the record set on `start` to the session (`end`) that beat it."""

    sessions: int
    start: dt.date
    end: dt.date

    def to_dict(self) -> dict[str, Any]:
        return {"sessions": self.sessions, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class RecordHistory:
    """How a series' record stands on the as-of session (see the module docstring).

    basis:          "high" (intraday highs) or "close" (closes): what the values are.
    as_of:          the last session examined; first_session: the first; sessions: how many.
    record:         the highest value and the session that set it.
    close:          the latest close the distance is measured from (price units).
    distance:       close / record.value - 1, a fraction (0 when the close is the record).
    sessions_since: sessions after the record's session, through as_of (0: set on as_of).
    record_count:   record sessions in the whole history.
    records_this_year: record sessions in as_of's calendar year.
    records_recent: record sessions among the last RECENT_SESSIONS sessions.
    current_run:    the run of record sessions ending on as_of, or None.
    previous_record: the record before the latest run began, or None when there was never a run.
    longest_gap:    the longest stretch between two consecutive records, or None (< 2 records).
    longest_run:    the longest run of record sessions (ties: the most recent), or None.
    mask:           bool Series over the sessions, True on record sessions (for the chart).
    """

    basis: Basis
    as_of: dt.date
    first_session: dt.date
    sessions: int
    record: Mark
    close: float
    distance: float
    sessions_since: int
    record_count: int
    records_this_year: int
    records_recent: int
    current_run: Run | None
    previous_record: Mark | None
    longest_gap: Gap | None
    longest_run: Run | None
    mask: pd.Series = field(
        default_factory=lambda: pd.Series(dtype=bool), compare=False, repr=False
    )

    @property
    def record_dates(self) -> pd.DatetimeIndex:
        """The record sessions, oldest first."""
        return pd.DatetimeIndex(self.mask.index[self.mask.to_numpy()])


def record_history(
    values: pd.Series,
    basis: Basis = "high",
    as_of: dt.date | None = None,
    *,
    close: float | None = None,
    name: str | None = None,
) -> RecordHistory:
    """The record of `values` (highs or closes, indexed by session) as of `as_of`.

    `close` is the latest close the distance is measured from: pass it with highs; with closes
    it defaults to the last value. NaN values are dropped. Raises NoData (from `record_streak`)
    when fewer than 2 sessions remain on or before `as_of`: a record needs something to beat.
    """
    kind = "record-high" if basis == "high" else "record-close"
    streak = record_streak(values, kind, as_of, name=name)
    mask = streak.mask
    dates = pd.DatetimeIndex(mask.index)
    series = values.astype(float).dropna().sort_index()
    series = series[~series.index.duplicated(keep="last")].reindex(dates)
    arr = series.to_numpy()
    is_record = mask.to_numpy(dtype=bool)
    positions = np.flatnonzero(is_record)

    top = int(np.argmax(arr))  # the first position reaching the maximum
    record = Mark(float(arr[top]), dates[top].date())
    last_close = float(arr[-1]) if close is None else float(close)
    as_of_day = dates[-1].date()

    current = None
    if streak.length and streak.start is not None and streak.end is not None:
        current = Run(streak.length, streak.start, streak.end)
    return RecordHistory(
        basis=basis,
        as_of=as_of_day,
        first_session=dates[0].date(),
        sessions=len(dates),
        record=record,
        close=last_close,
        distance=last_close / record.value - 1.0,
        sessions_since=len(dates) - 1 - top,
        record_count=len(positions),
        records_this_year=int((dates[positions].year == as_of_day.year).sum()),
        records_recent=int(is_record[-RECENT_SESSIONS:].sum()),
        current_run=current,
        previous_record=_previous_record(arr, is_record, dates),
        longest_gap=_longest_gap(positions, dates),
        longest_run=streak.record,
        mask=mask,
    )


def _previous_record(
    arr: np.ndarray, is_record: np.ndarray, dates: pd.DatetimeIndex
) -> Mark | None:
    """The highest value before the latest run of record sessions began, and its session."""
    starts, _ = find_runs(is_record)
    if len(starts) == 0:
        return None
    first = int(starts[-1])  # >= 1: the first session is never a record
    before = arr[:first]
    top = int(np.argmax(before))
    return Mark(float(before[top]), dates[top].date())


def _longest_gap(positions: np.ndarray, dates: pd.DatetimeIndex) -> Gap | None:
    if len(positions) < 2:
        return None
    gaps = np.diff(positions)
    i = len(gaps) - 1 - int(np.argmax(gaps[::-1]))  # ties: the most recent
    return Gap(int(gaps[i]), dates[positions[i]].date(), dates[positions[i + 1]].date())
