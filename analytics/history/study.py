"""An event study: every episode of a condition, its forward returns, their statistics, and the
same statistics over every session of the history (the unconditional baseline).

The closes are those the returns are measured on: one series (`a`), or a pair (`a` and `b`,
whose measure is the spread a - b, both from the same sessions: the pair's common sessions).
Episodes are dated on the condition's own sessions; each starts at the first of these
sessions on or after its date (the same session when the calendars agree).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analytics.history.episodes import Episode
from analytics.history.forward import HORIZONS, forward_end_positions, forward_path, forward_returns
from analytics.history.stats import ANECDOTAL_BELOW, HorizonSummary, horizon_summary

SIDES = ("a", "b")


@dataclass(frozen=True)
class EpisodeResult:
    """One episode and its forward returns: horizon -> {"a": .., "b": .., "spread": ..}
    ("a" only for one series), for the horizons that end inside the data only."""

    episode: Episode
    start: dt.date
    forward: dict[str, dict[str, float]]

    def to_dict(self) -> dict[str, Any]:
        return self.episode.to_dict() | {"start": self.start, "forward": self.forward}


@dataclass(frozen=True)
class Study:
    """The study of one event on one series or pair.

    names:     the series the returns are measured on ("IWM", or "IWM", "SPY").
    start, end, sessions: the history (first and last session, how many).
    episodes:  oldest first.
    summary:   horizon -> statistics of the episodes' measure (the spread for a pair).
    baseline:  horizon -> the same over every session of the history.
    left_out:  horizon -> episodes whose window runs past the data (not in the summary).
    paths:     per episode, the measure's path from the episode's close (0 there) to the end of
               the longest horizon, or to the data's end when that lies beyond it.
    median_path: at each session after the episode, the median of the paths that reach it, as
               long as at least half of the paths do (see `median_path`).
    """

    names: tuple[str, ...]
    horizons: tuple[str, ...]
    start: dt.date
    end: dt.date
    sessions: int
    episodes: tuple[EpisodeResult, ...]
    summary: dict[str, HorizonSummary]
    baseline: dict[str, HorizonSummary]
    left_out: dict[str, int]
    paths: tuple[np.ndarray, ...] = field(repr=False)
    median_path: np.ndarray = field(repr=False)
    typical_sessions: dict[str, int] = field(default_factory=dict)
    """horizon -> the median number of sessions its windows spanned (for the chart's marks)."""

    @property
    def pair(self) -> bool:
        return len(self.names) == 2

    @property
    def measure(self) -> str:
        """ "spread" (a minus b) for a pair, "a" for one series."""
        return "spread" if self.pair else "a"

    @property
    def anecdotal(self) -> bool:
        return len(self.episodes) < ANECDOTAL_BELOW

    @property
    def current(self) -> EpisodeResult | None:
        """The episode still under way on the last session, if any."""
        if self.episodes and self.episodes[-1].episode.ongoing:
            return self.episodes[-1]
        return None


def _measure(closes: pd.DataFrame, starts: np.ndarray, ends: np.ndarray) -> dict[str, np.ndarray]:
    out = {
        side: forward_returns(closes.iloc[:, i].to_numpy(), starts, ends)
        for i, side in enumerate(SIDES[: closes.shape[1]])
    }
    if closes.shape[1] == 2:
        out["spread"] = out["a"] - out["b"]
    return out


def _path(closes: pd.DataFrame, start: int, end: int) -> np.ndarray:
    path = forward_path(closes.iloc[:, 0].to_numpy(), start, end)
    if closes.shape[1] == 2:
        path = path - forward_path(closes.iloc[:, 1].to_numpy(), start, end)
    return path


def median_path(paths: Sequence[np.ndarray]) -> np.ndarray:
    """At each step j, the median of paths[k][j] over the paths at least j + 1 long, for the
    steps at least half of the paths reach (beyond, a median of one or two paths would be read
    as the typical path). No paths -> an empty array."""
    if not paths:
        return np.array([], dtype=float)
    lengths = np.array([len(p) for p in paths])
    reach = int(np.sort(lengths)[::-1][(len(paths) - 1) // 2])  # the longest half of them reach
    grid = np.full((len(paths), reach), np.nan)
    for k, path in enumerate(paths):
        grid[k, : min(len(path), reach)] = path[:reach]
    return np.nanmedian(grid, axis=0)


def event_study(
    episodes: Sequence[Episode],
    closes: pd.DataFrame,
    *,
    horizons: Sequence[str] = HORIZONS,
    complete_through: pd.Timestamp | None = None,
) -> Study:
    """The study of `episodes` on `closes` (index: the sessions of the history, sorted; one or
    two columns of closes without NaN: the series, or the pair a, b).

    Forward returns: see analytics.history.forward (`complete_through` as there). Episodes
    dated before the first session or after the last are dropped; two episodes that start on the same session
    (a calendar gap in the closes) count once. Raises ValueError for an empty `closes` or more
    than two columns.
    """
    if closes.empty:
        raise ValueError("no closes to study")
    if closes.shape[1] not in (1, 2):
        raise ValueError("a study measures one series or a pair")
    sessions = pd.DatetimeIndex(closes.index)
    horizons = tuple(horizons)
    dates = pd.DatetimeIndex([pd.Timestamp(e.date) for e in episodes])
    positions = sessions.searchsorted(dates, side="left")
    # An episode outside the closes' history (the measured series starts later or ends
    # earlier than the condition's) has no start to measure from.
    keep = (positions < len(sessions)) & (dates >= sessions[0])
    _, first = np.unique(positions[keep], return_index=True)
    kept = [e for e, k in zip(episodes, keep, strict=True) if k]
    kept = [kept[i] for i in sorted(first)]
    starts = np.sort(positions[keep][sorted(first)]).astype(np.int64)
    measure = "spread" if closes.shape[1] == 2 else "a"

    every = np.arange(len(sessions), dtype=np.int64)
    forward: dict[str, dict[str, np.ndarray]] = {}
    summary: dict[str, HorizonSummary] = {}
    baseline: dict[str, HorizonSummary] = {}
    left_out: dict[str, int] = {}
    typical: dict[str, int] = {}
    ends_by_horizon: dict[str, np.ndarray] = {}
    for horizon in horizons:
        ends = forward_end_positions(sessions, starts, horizon, complete_through)
        ends_by_horizon[horizon] = ends
        forward[horizon] = _measure(closes, starts, ends)
        summary[horizon] = horizon_summary(forward[horizon][measure], sessions[starts])
        left_out[horizon] = int((ends < 0).sum())
        all_ends = forward_end_positions(sessions, every, horizon, complete_through)
        baseline[horizon] = horizon_summary(_measure(closes, every, all_ends)[measure], sessions)
        spans = (all_ends - every)[all_ends >= 0]
        if len(spans):
            typical[horizon] = int(np.median(spans))

    results = []
    longest = horizons[-1]
    paths = []
    for k, (episode, start) in enumerate(zip(kept, starts, strict=True)):
        values = {
            h: {side: float(v[k]) for side, v in forward[h].items()}
            for h in horizons
            if ends_by_horizon[h][k] >= 0
        }
        results.append(EpisodeResult(episode, sessions[start].date(), values))
        end = ends_by_horizon[longest][k]
        paths.append(_path(closes, int(start), int(end) if end >= 0 else len(sessions) - 1))
    return Study(
        names=tuple(str(c) for c in closes.columns),
        horizons=horizons,
        start=sessions[0].date(),
        end=sessions[-1].date(),
        sessions=len(sessions),
        episodes=tuple(results),
        summary=summary,
        baseline=baseline,
        left_out=left_out,
        paths=tuple(paths),
        median_path=median_path(paths),
        typical_sessions=typical,
    )
