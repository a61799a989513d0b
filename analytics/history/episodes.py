"""Episodes of a condition: the session it first holds, a new episode only after it stopped.

A condition is a boolean per session (IWM beat SPY for at least 10 sessions in a row; a reading
at or above 5%). Each maximal stretch of consecutive sessions on which it holds is one episode,
dated by the stretch's first session: for "A beat B at least N sessions in a row" that is the
N-th session of the run. Runs are found with analytics.streaks.find_runs (vectorised).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analytics.streaks import find_runs


@dataclass(frozen=True)
class Episode:
    """One stretch of sessions on which a condition held.

    date:     the session the condition first held (the episode's date).
    last:     the last session of the stretch.
    sessions: how many sessions the condition held (date..last inclusive).
    ongoing:  the condition still held on the last session examined (the current episode).
    length:   streak events: the whole run's length (sessions + N - 1); None otherwise.
    """

    date: dt.date
    last: dt.date
    sessions: int
    ongoing: bool
    length: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "date": self.date,
            "last": self.last,
            "sessions": self.sessions,
            "ongoing": self.ongoing,
        }
        if self.length is not None:
            out["length"] = self.length
        return out


def condition_episodes(condition: pd.Series) -> tuple[Episode, ...]:
    """Episodes of a boolean Series indexed by session (sorted ascending), oldest first.

    NaN counts as "does not hold". Empty input (or a condition that never holds) -> ().
    """
    if condition.empty:
        return ()
    flags = condition.fillna(False).astype(bool).to_numpy()
    dates = pd.DatetimeIndex(condition.index)
    starts, ends = find_runs(flags)
    last = len(flags) - 1
    return tuple(
        Episode(
            date=dates[s].date(),
            last=dates[e].date(),
            sessions=int(e - s + 1),
            ongoing=bool(e == last),
        )
        for s, e in zip(starts, ends, strict=True)
    )


def run_lengths(mask: np.ndarray) -> np.ndarray:
    """Sessions in the run of True ending at each position (0 where False), as int64.

    [F, T, T, F, T] -> [0, 1, 2, 0, 1]. Empty in, empty out.
    """
    flags = np.asarray(mask, dtype=bool)
    positions = np.arange(len(flags))
    last_false = np.maximum.accumulate(np.where(flags, -1, positions))
    return np.where(flags, positions - last_false, 0).astype(np.int64)


def streak_episodes(mask: pd.Series, n: int) -> tuple[Episode, ...]:
    """Episodes of "the mask held at least `n` sessions in a row", oldest first.

    `mask` is a boolean Series by session (A beat B that session; the close rose). The episode's
    date is the n-th session of a run, `sessions` how many more sessions (plus that one) the run
    lasted, and `length` the whole run (sessions + n - 1). n < 1 raises ValueError.
    """
    if n < 1:
        raise ValueError("a streak needs at least 1 session")
    if mask.empty:
        return ()
    flags = mask.fillna(False).astype(bool).to_numpy()
    condition = pd.Series(run_lengths(flags) >= n, index=mask.index)
    return tuple(
        Episode(e.date, e.last, e.sessions, e.ongoing, length=e.sessions + n - 1)
        for e in condition_episodes(condition)
    )
