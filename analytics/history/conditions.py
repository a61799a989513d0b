"""The condition each event kind tests, one boolean per session.

- `beat_mask`: A's daily return strictly above B's, on the sessions where both have a close
  (the definition of analytics.streaks.beat_streak: a session missing in one series is skipped,
  the next common session's return spans the gap; the first common session is neither).
- `direction_mask`: the close strictly above (`up`) or below (`down`) the previous close.
- `record_mask`: a new all-time high (strictly above every earlier value; the first session is
  not a record), analytics.streaks.record_streak's own mask.
- `trailing_returns`: the return over a window ending at each session, as the window grammar
  defines it; `move_condition`: that return at least X (or at most -X).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.streaks import record_streak
from analytics.windows import Window, window_anchor

MOVE_KINDS = ("sessions", "weeks", "months", "years", "ytd", "qtd", "mtd")
"""Windows a move can be measured over (an explicit date range has no trailing meaning)."""


def _clean(series: pd.Series) -> pd.Series:
    values = series.dropna().astype(float).sort_index()
    return values[~values.index.duplicated(keep="last")]


def beat_mask(closes_a: pd.Series, closes_b: pd.Series) -> pd.Series:
    """True on the common sessions where a's daily return was strictly above b's.

    Daily return on common session t = close(t) / close(previous common session) - 1. The
    first common session has no return and is False. Empty when they share no session.
    """
    both = pd.concat([_clean(closes_a), _clean(closes_b)], axis=1, join="inner")
    va, vb = both.iloc[:, 0].to_numpy(), both.iloc[:, 1].to_numpy()
    ra = np.concatenate(([np.nan], va[1:] / va[:-1] - 1.0)) if len(va) else va
    rb = np.concatenate(([np.nan], vb[1:] / vb[:-1] - 1.0)) if len(vb) else vb
    return pd.Series(ra > rb, index=pd.DatetimeIndex(both.index), name="beat")


def direction_mask(closes: pd.Series, kind: str) -> pd.Series:
    """True where the close is strictly above (`up`) or below (`down`) the previous close;
    the first session is False. ValueError for another kind."""
    if kind not in ("up", "down"):
        raise ValueError(f"direction must be up or down, not {kind!r}")
    values = _clean(closes)
    change = values.diff().to_numpy()
    flags = change > 0 if kind == "up" else change < 0  # NaN (the first) compares False
    return pd.Series(flags, index=values.index, name=kind)


def record_mask(values: pd.Series, kind: str = "record-high") -> pd.Series:
    """True on sessions setting a new all-time record (raw highs for `record-high`, raw closes
    for `record-close`): analytics.streaks.record_streak's mask (NoData for fewer than 2 values)."""
    return record_streak(values, kind).mask.rename(kind)


def trailing_returns(closes: pd.Series, window: Window) -> pd.Series:
    """close(E) / close(B) - 1 for every session E, B as the window grammar picks it.

    `Nd`: B is N sessions before E. Calendar windows: B is the last session on or before the
    anchor of E (E minus N weeks/months/years, clamped to month end; the previous year/quarter/
    month end for ytd/qtd/mtd): analytics.windows.window_anchor's dates. NaN where the data
    does not reach back to B (or B would be E itself). ValueError for an explicit date range.
    """
    if window.kind not in MOVE_KINDS:
        raise ValueError(f"window {window.text!r} has no trailing meaning")
    values = _clean(closes)
    sessions = pd.DatetimeIndex(values.index)
    prices = values.to_numpy()
    positions = np.arange(len(prices))
    if window.kind == "sessions":
        assert window.n is not None
        starts = positions - window.n
    else:
        anchors = _anchors(window, sessions)
        starts = sessions.searchsorted(anchors, side="right") - 1
    valid = (starts >= 0) & (starts < positions)
    safe = np.where(valid, starts, 0)
    out = np.where(valid, prices / prices[safe] - 1.0, np.nan)
    return pd.Series(out, index=sessions, name=window.text)


def _anchors(window: Window, sessions: pd.DatetimeIndex) -> pd.DatetimeIndex:
    if window.kind in ("weeks", "months", "years"):
        # The offset window_anchor subtracts, applied to every session at once.
        assert window.n is not None
        return sessions - pd.DateOffset(**{window.kind: window.n})
    # ytd/qtd/mtd anchors depend on the period only: one window_anchor call per period.
    periods = {"ytd": "Y", "qtd": "Q", "mtd": "M"}[window.kind]
    keys = sessions.to_period(periods)
    first = pd.Series(sessions, index=keys).groupby(level=0).first()
    by_period = {key: pd.Timestamp(window_anchor(window, day.date())) for key, day in first.items()}
    return pd.DatetimeIndex([by_period[key] for key in keys])


def move_condition(returns: pd.Series, threshold: float) -> pd.Series:
    """A move of at least `threshold` (a fraction; > 0) or at most it (< 0): returns >= t or
    returns <= t. NaN returns (the window not reached) do not hold. threshold 0 -> ValueError."""
    if threshold == 0:
        raise ValueError("a move of 0 holds on every session")
    values = returns.to_numpy()
    with np.errstate(invalid="ignore"):
        flags = values >= threshold if threshold > 0 else values <= threshold
    return pd.Series(flags, index=returns.index, name="move")
