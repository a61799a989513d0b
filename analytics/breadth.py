"""Breadth: how many constituents rose and fell over a window."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Breadth:
    """Up/down counts over a window.

    up, down, unchanged: names whose return was > 0, < 0, == 0.
    priced:   up + down + unchanged (names with a finite return).
    unpriced: names whose return was NaN or infinite (no prices), not counted above.
    share_up: up / priced, fraction (0.62 = 62% of priced names rose); NaN when priced == 0.
    """

    up: int
    down: int
    unchanged: int
    priced: int
    unpriced: int
    share_up: float

    @property
    def net(self) -> int:
        """Advancers minus decliners."""
        return self.up - self.down


def breadth(returns: pd.Series) -> Breadth:
    """Count the names that rose, fell and stood still, from their returns (fractions).

    NaN and infinite returns are excluded and counted as unpriced. Empty input gives all
    counts 0 and share_up NaN.
    """
    values = pd.to_numeric(returns, errors="coerce").to_numpy(dtype="float64")
    finite = values[np.isfinite(values)]
    up = int((finite > 0).sum())
    down = int((finite < 0).sum())
    priced = int(finite.size)
    return Breadth(
        up=up,
        down=down,
        unchanged=priced - up - down,
        priced=priced,
        unpriced=int(values.size - priced),
        share_up=up / priced if priced else math.nan,
    )
