"""The breadth condition: the share of a universe's names above their N-session average, at or
above (or at or below) a level, on every session of the history, and how much of the universe
that share stands on.

- share on session t: analytics.market_breadth.share_above_average_series (of the names with a
  close on each of the N sessions of the frame ending at t, the fraction whose close on t is
  strictly above their mean);
- coverage on t: the counted names' share of the universe's weight (a fund: its holdings
  weights; a list: one each), names never priced included in the whole;
- the history studied starts on the first session from which coverage stays at or above
  `minimum` (analytics.coverage.REFUSE: half) on every later session, so no episode is an
  artefact of names entering the data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.coverage import REFUSE
from analytics.market_breadth import share_above_average_series

DIRECTIONS = ("above", "below")


@dataclass(frozen=True)
class BreadthHistory:
    """share, coverage: per session of the frame (fractions; share NaN when nothing is counted).
    start: the first session studied (None: coverage never stays at `minimum`).
    condition: from `start`, True where the share is at or above (below) the threshold."""

    share: pd.Series
    coverage: pd.Series
    start: pd.Timestamp | None
    condition: pd.Series

    @property
    def studied(self) -> pd.Series:
        """Coverage on the sessions studied (empty when none is)."""
        if self.start is None:
            return self.coverage.iloc[:0]
        return self.coverage.loc[self.start :]


def counted_coverage(closes: pd.DataFrame, weights: pd.Series, window: int) -> pd.Series:
    """Per session, sum of the weights of the names with a close on each of the `window`
    sessions ending there, over the sum of all `weights` (the whole universe: names missing
    from `closes` count in the whole, never as counted). 0.0 before `window` sessions; an
    empty universe or zero weights give 0.0 everywhere."""
    total = float(weights.sum())
    if closes.empty or total <= 0:
        return pd.Series(0.0, index=closes.index, dtype=float)
    w = weights.reindex(closes.columns).fillna(0.0).to_numpy(dtype=float)
    finite = np.isfinite(closes.to_numpy(dtype=float))
    counts = np.cumsum(np.vstack([np.zeros((1, finite.shape[1])), finite]), axis=0)
    rows = np.arange(len(closes))
    bottom = rows + 1 - window
    complete = np.zeros_like(finite)
    ok = bottom >= 0
    complete[ok] = (counts[rows[ok] + 1] - counts[bottom[ok]]) == window
    return pd.Series(complete.astype(float) @ w / total, index=closes.index, name="coverage")


def breadth_history(
    closes: pd.DataFrame,
    threshold: float,
    direction: str = "above",
    *,
    weights: pd.Series | None = None,
    window: int = 50,
    minimum: float = REFUSE,
) -> BreadthHistory:
    """The share above the `window`-session average, its coverage and the condition.

    closes:    the universe's closes (rows: the sessions any name traded, ascending; one column
               per priced name, NaN where it has none).
    threshold: a fraction (0.8 = 80%); direction "above" (share >= threshold) or "below"
               (share <= threshold).
    weights:   by name over the whole universe (default: one per column).
    Empty input gives empty series and start None. ValueError for another direction.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be above or below, not {direction!r}")
    if weights is None:
        weights = pd.Series(1.0, index=closes.columns)
    if closes.empty or closes.shape[1] == 0:
        empty = pd.Series(dtype=float, index=pd.DatetimeIndex([]))
        return BreadthHistory(empty, empty, None, empty.astype(bool))
    share = share_above_average_series(closes, window)["share"].astype(float)
    coverage = counted_coverage(closes, weights, window)
    start = _steady_start(coverage, minimum)
    if start is None:
        condition = pd.Series(dtype=bool, index=pd.DatetimeIndex([]))
    else:
        values = share.loc[start:].to_numpy()
        with np.errstate(invalid="ignore"):
            flags = values >= threshold if direction == "above" else values <= threshold
        condition = pd.Series(flags, index=share.loc[start:].index, name="breadth")
    return BreadthHistory(share.rename("share"), coverage, start, condition)


def _steady_start(coverage: pd.Series, minimum: float) -> pd.Timestamp | None:
    """The first session from which coverage is at least `minimum` on every later session."""
    below = np.flatnonzero(coverage.to_numpy() < minimum - 1e-12)
    first = int(below[-1]) + 1 if len(below) else 0
    return None if first >= len(coverage) else pd.Timestamp(coverage.index[first])
