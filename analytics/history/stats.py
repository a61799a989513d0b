"""Summary statistics of forward returns over one horizon."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

ANECDOTAL_BELOW = 10
"""Fewer episodes than this are anecdotes, not statistics: the answer says so."""


@dataclass(frozen=True)
class HorizonSummary:
    """Forward returns over one horizon (fractions: 0.05 = +5%; for a pair, A's minus B's).

    n:              returns counted (windows that run past the data are not).
    median, mean:   of those returns; None when n is 0.
    share_positive: the fraction of them strictly above 0 (0.6 = 60%); None when n is 0.
    best, worst:    the largest and smallest, with the session each started on.
    """

    n: int
    median: float | None = None
    mean: float | None = None
    share_positive: float | None = None
    best: float | None = None
    worst: float | None = None
    best_date: dt.date | None = None
    worst_date: dt.date | None = None

    @property
    def anecdotal(self) -> bool:
        return self.n < ANECDOTAL_BELOW

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "median": self.median,
            "mean": self.mean,
            "share_positive": self.share_positive,
            "best": self.best,
            "worst": self.worst,
            "best_date": self.best_date,
            "worst_date": self.worst_date,
        }


def horizon_summary(
    returns: np.ndarray | Sequence[float], dates: pd.DatetimeIndex | Sequence[Any]
) -> HorizonSummary:
    """n, median, mean, share positive (> 0), best and worst of `returns` (NaN left out).

    `dates` are the start sessions of the returns, aligned with them (for best/worst).
    No finite value -> HorizonSummary(n=0) with every statistic None.
    """
    values = np.asarray(returns, dtype=float)
    days = pd.DatetimeIndex(dates)
    keep = np.isfinite(values)
    values, days = values[keep], days[keep]
    if len(values) == 0:
        return HorizonSummary(0)
    best, worst = int(np.argmax(values)), int(np.argmin(values))
    return HorizonSummary(
        n=len(values),
        median=float(np.median(values)),
        mean=float(np.mean(values)),
        share_positive=float(np.mean(values > 0)),
        best=float(values[best]),
        worst=float(values[worst]),
        best_date=days[best].date(),
        worst_date=days[worst].date(),
    )
