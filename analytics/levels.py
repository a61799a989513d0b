"""Price levels: how far a level is from the close, when the price first reached it, and the
multi-year range with its breakout.

Definitions (bars are daily `high`, `low`, `close` indexed by session, split-adjusted and not
dividend-adjusted, as writers and index providers quote levels):
- **Distance** of a level = level / latest close - 1, a fraction (+0.05: the level is 5% above).
  **Side**: "above" when the level is above the latest close, else "below" (a level equal to
  the close counts as below: the close stands on it).
- **First reached**: the `since` session is the first session on or after the date asked. For a
  level above the close of that session, the first session from it on whose high was at or above
  the level; for a level below, the first whose low was at or below it; a level equal to that
  close was reached on it. None when no session reached it. **Sessions since**: sessions after
  that one, through the as-of session (0: reached on the as-of session).
- **N years before session t**: the sessions after t's date minus N calendar years and before t.
- **Breakout**: a session t whose close is above the highest high of the N years before t, when
  no session in the year before t did the same (the price had spent at least a year below its
  range high). It needs N + 1 years of history before t.
- **The multi-year range**: the highest high and lowest low of the N years before the latest
  breakout when that breakout is within the last N years; otherwise of the N years ending on
  the as-of session (as-of included).

Without highs and lows (a close-only source) every rule above reads closes instead; `basis`
says which was used.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from analytics.errors import NoData

Side = Literal["above", "below"]
Basis = Literal["high-low", "close"]
Position = Literal["above", "inside", "below"]


@dataclass(frozen=True)
class LevelStatus:
    """One level against the price (see the module docstring).

    level:     the price level asked (price units).
    side:      "above" or "below" the latest close.
    distance:  level / close - 1, a fraction.
    since_close: the close of the `since` session, which decides whether the level is reached
               from below (by a high) or from above (by a low).
    first_reached: the first session on or after `since` that reached it, or None.
    sessions_since: sessions after first_reached through as_of, or None.
    """

    level: float
    side: Side
    distance: float
    since_close: float
    first_reached: dt.date | None
    sessions_since: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "side": self.side,
            "distance": self.distance,
            "first_reached": self.first_reached,
            "sessions_since": self.sessions_since,
        }


@dataclass(frozen=True)
class Levels:
    """Every level asked, against the close of `as_of`, reached since `since`."""

    close: float
    as_of: dt.date
    since: dt.date  # the first session on or after the date asked
    basis: Basis
    levels: tuple[LevelStatus, ...]


@dataclass(frozen=True)
class PriceRange:
    """The multi-year range and its breakout (see the module docstring).

    years:     N. start, end: the first and last session of the range.
    high, low: its highest high and lowest low (closes with basis "close"), and their sessions
               (the first session at that price).
    breakout:  the latest breakout session within the last N years, or None; breakout_close
               its close.
    position:  the latest close against the range: "above", "inside" or "below".
    complete:  False when the history is shorter than N years before the range's end (the range
               then covers what there is, and no breakout can be found).
    """

    years: int
    start: dt.date
    end: dt.date
    high: float
    high_date: dt.date
    low: float
    low_date: dt.date
    basis: Basis
    breakout: dt.date | None
    breakout_close: float | None
    position: Position
    complete: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "years": self.years,
            "high": self.high,
            "high_date": self.high_date,
            "low": self.low,
            "low_date": self.low_date,
            "start": self.start,
            "end": self.end,
            "breakout_date": self.breakout,
            "breakout_close": self.breakout_close,
            "position": self.position,
            "complete": self.complete,
            "basis": self.basis,
        }


def has_intraday(bars: pd.DataFrame) -> bool:
    """True when the bars carry highs and lows (a close-only import has none)."""
    return bool(bars["high"].notna().any() and bars["low"].notna().any())


def _prepared(bars: pd.DataFrame, as_of: dt.date | None) -> tuple[pd.DataFrame, Basis]:
    """Bars with a close, sorted, cut at as_of; highs/lows replaced by closes when absent."""
    frame = bars[bars["close"].notna()].sort_index()
    if as_of is not None:
        frame = frame.loc[: pd.Timestamp(as_of)]
    if frame.empty:
        raise NoData("No sessions with a close" + (f" on or before {as_of}." if as_of else "."))
    if has_intraday(frame):
        # A bar missing only its high or low (a patched row) is read at its close.
        high = frame["high"].fillna(frame["close"])
        low = frame["low"].fillna(frame["close"])
        return frame.assign(high=high, low=low), "high-low"
    return frame.assign(high=frame["close"], low=frame["close"]), "close"


def level_distance(level: float, close: float) -> float:
    """level / close - 1: how far the price must move to reach `level`, a fraction."""
    return level / close - 1.0


def price_levels(
    bars: pd.DataFrame,
    levels: tuple[float, ...] | list[float],
    since: dt.date,
    as_of: dt.date | None = None,
) -> Levels:
    """Each level's distance and side against the as-of close, and when it was first reached on
    or after `since` (see the module docstring). `bars` needs `high`, `low`, `close` columns.

    No levels gives an empty `levels` tuple. Raises NoData when no session has a close on or
    before `as_of`, or none falls between `since` and `as_of`.
    """
    frame, basis = _prepared(bars, as_of)
    dates = pd.DatetimeIndex(frame.index)
    start = int(dates.searchsorted(pd.Timestamp(since)))
    if start >= len(dates):
        raise NoData(
            f"No sessions between {since} and {dates[-1].date()}: give a `since` date before "
            f"{dates[-1].date()}."
        )
    close = float(frame["close"].iloc[-1])
    ref = float(frame["close"].iloc[start])
    high = frame["high"].to_numpy()[start:]
    low = frame["low"].to_numpy()[start:]
    last = len(dates) - 1
    statuses = []
    for level in levels:
        level = float(level)
        if level > ref:
            hits = np.flatnonzero(high >= level)
        elif level < ref:
            hits = np.flatnonzero(low <= level)
        else:
            hits = np.array([0])
        reached = start + int(hits[0]) if len(hits) else None
        statuses.append(
            LevelStatus(
                level=level,
                side="above" if level > close else "below",
                distance=level_distance(level, close),
                since_close=ref,
                first_reached=dates[reached].date() if reached is not None else None,
                sessions_since=last - reached if reached is not None else None,
            )
        )
    return Levels(
        close=close,
        as_of=dates[-1].date(),
        since=dates[start].date(),
        basis=basis,
        levels=tuple(statuses),
    )


def _years_before(dates: pd.DatetimeIndex, years: int) -> np.ndarray:
    """For each session t, the position of the first session after t's date minus `years`."""
    return dates.searchsorted(dates - pd.DateOffset(years=years), side="right")


def _range_max(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """max(values[lo[i]:hi[i]]) for every i (NaN where the slice is empty), by a sparse table:
    O(n log n) numpy, no Python loop over sessions."""
    n = len(values)
    out = np.full(len(lo), np.nan)
    valid = hi > lo
    if n == 0 or not valid.any():
        return out
    table = [values.astype(float)]
    width = 1
    while width * 2 <= n:
        prev = table[-1]
        table.append(np.maximum(prev[: len(prev) - width], prev[width:]))
        width *= 2
    length = hi[valid] - lo[valid]
    level = np.floor(np.log2(length)).astype(int)
    span = 1 << level
    left = np.empty(len(length))
    right = np.empty(len(length))
    for k in np.unique(level):  # at most log2(n) levels
        pick = level == k
        row = table[k]
        left[pick] = row[lo[valid][pick]]
        right[pick] = row[hi[valid][pick] - span[pick]]
    out[valid] = np.maximum(left, right)
    return out


def range_breakouts(
    bars: pd.DataFrame, years: int = 3, as_of: dt.date | None = None
) -> pd.DatetimeIndex:
    """Every breakout session on or before `as_of` (see the module docstring), oldest first.

    Empty when the history is shorter than `years` + 1 years.
    """
    frame, _ = _prepared(bars, as_of)
    dates = pd.DatetimeIndex(frame.index)
    n = len(dates)
    positions = np.arange(n)
    lo = _years_before(dates, years)
    prior_high = _range_max(frame["high"].to_numpy(), lo, positions)
    # Only where the N years before t are all in the data: the first session is on or before
    # t's date minus N years.
    full = dates[0] <= dates - pd.DateOffset(years=years)
    above = full & (frame["close"].to_numpy() > np.nan_to_num(prior_high, nan=np.inf))
    # The previous `above` session before each t (-1: none), to test "a year below it".
    marks = np.where(above, positions, -1)
    previous = np.concatenate(([-1], np.maximum.accumulate(marks)[:-1]))
    year_lo = _years_before(dates, 1)
    quiet = previous < year_lo  # no `above` session in the year before t
    known = dates[0] <= dates - pd.DateOffset(years=years + 1)
    return dates[above & quiet & known]


def multi_year_range(
    bars: pd.DataFrame, years: int = 3, as_of: dt.date | None = None
) -> PriceRange:
    """The multi-year range around the as-of session and its latest breakout (see the module
    docstring). Raises NoData when no session has a close on or before `as_of`."""
    frame, basis = _prepared(bars, as_of)
    dates = pd.DatetimeIndex(frame.index)
    last = dates[-1]
    breakouts = range_breakouts(frame, years)
    recent = breakouts[breakouts > last - pd.DateOffset(years=years)]
    breakout = recent[-1] if len(recent) else None
    if breakout is not None:
        end = int(dates.get_loc(breakout))  # the range is the N years before it, exclusive
        stop = end
    else:
        end = len(dates) - 1
        stop = len(dates)
    start = int(dates.searchsorted(dates[end] - pd.DateOffset(years=years), side="right"))
    window = frame.iloc[start:stop]
    complete = bool(dates[0] <= dates[end] - pd.DateOffset(years=years))
    high_pos = int(np.argmax(window["high"].to_numpy()))
    low_pos = int(np.argmin(window["low"].to_numpy()))
    high, low = float(window["high"].iloc[high_pos]), float(window["low"].iloc[low_pos])
    close = float(frame["close"].iloc[-1])
    position: Position = "above" if close > high else "below" if close < low else "inside"
    return PriceRange(
        years=years,
        start=window.index[0].date(),
        end=window.index[-1].date(),
        high=high,
        high_date=window.index[high_pos].date(),
        low=low,
        low_date=window.index[low_pos].date(),
        basis=basis,
        breakout=breakout.date() if breakout is not None else None,
        breakout_close=float(frame["close"].loc[breakout]) if breakout is not None else None,
        position=position,
        complete=complete,
    )
