"""Forward returns from a session's close, over horizons written in the window grammar.

A horizon `3m` from session D ends at the last session on or before D + 3 calendar months
(month arithmetic clamps to month end, as in analytics/windows.py: Nov 30 + 3m = Feb 28/29);
`1w` at the last session on or before D + 7 days; `Nd` N sessions later. The return is
close(end) / close(D) - 1, a fraction, on the closes given (adjusted closes: total return).

A horizon whose end date lies past the data ("the window runs past the data") has no return:
its end position is -1 and its return NaN, and the statistics leave it out and count it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.windows import Window, parse_window

HORIZONS: tuple[str, ...] = ("1w", "1m", "3m", "6m", "12m")
"""The horizons every study reports, shortest first."""

HORIZON_LABELS = {
    "1w": "1 week",
    "1m": "1 month",
    "3m": "3 months",
    "6m": "6 months",
    "12m": "12 months",
}

_CALENDAR_KINDS = ("weeks", "months", "years")


def horizon_window(horizon: str | Window) -> Window:
    """'3m' -> the parsed Window; only counts of sessions, weeks, months or years are horizons
    (ValueError otherwise: `ytd` or a date range has no length to measure forward)."""
    window = parse_window(horizon) if isinstance(horizon, str) else horizon
    if window.kind != "sessions" and window.kind not in _CALENDAR_KINDS:
        raise ValueError(f"{window.text!r} is not a horizon: give Nd, Nw, Nm or Ny")
    return window


def horizon_offset(window: Window) -> pd.DateOffset:
    """The calendar offset of a week/month/year horizon: the same DateOffset the window grammar
    subtracts in analytics.windows.window_anchor, added here."""
    assert window.kind in _CALENDAR_KINDS and window.n is not None
    return pd.DateOffset(**{window.kind: window.n})


def forward_end_positions(
    sessions: pd.DatetimeIndex,
    starts: np.ndarray,
    horizon: str | Window,
    complete_through: pd.Timestamp | None = None,
) -> np.ndarray:
    """For each start position, the position of the horizon's last session (int64), or -1 when
    the horizon runs past the data.

    `sessions` sorted ascending and unique. `complete_through` is the last calendar date a
    horizon's end date may fall on and still end inside the data: the day before the first
    session after the data (a target on the weekend after a Friday data end still ends on that
    Friday); default the last session itself. `Nd` horizons are complete when N sessions follow.
    """
    window = horizon_window(horizon)
    starts = np.asarray(starts, dtype=np.int64)
    last = len(sessions) - 1
    if window.kind == "sessions":
        assert window.n is not None
        ends = starts + window.n
        return np.where(ends <= last, ends, -1).astype(np.int64)
    limit = sessions[last] if complete_through is None else pd.Timestamp(complete_through)
    targets = sessions[starts] + horizon_offset(window)
    ends = sessions.searchsorted(targets, side="right") - 1
    return np.where(targets <= limit, ends, -1).astype(np.int64)


def forward_returns(values: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """values[end] / values[start] - 1 for each pair; NaN where end is -1."""
    values = np.asarray(values, dtype=float)
    starts = np.asarray(starts, dtype=np.int64)
    ends = np.asarray(ends, dtype=np.int64)
    safe = np.where(ends >= 0, ends, starts)
    out = values[safe] / values[starts] - 1.0
    return np.where(ends >= 0, out, np.nan)


def forward_path(values: np.ndarray, start: int, end: int) -> np.ndarray:
    """values[start..end] / values[start] - 1: the path from the start's close, rebased to 0."""
    values = np.asarray(values, dtype=float)
    return values[start : end + 1] / values[start] - 1.0
