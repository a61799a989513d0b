"""Market breadth over a universe: how many names rose, sit above their averages, set highs.

Every function takes a wide frame of closes: index = the universe's sessions (ascending), one
column per name, NaN where a name has no close. A window is given by its `base` session (the
close returns are measured from) and its `end` session, both in the index. Everything is
vectorised over names and sessions (2,000 names x a year take milliseconds).

Definitions:
- **Up / down / unchanged** over the window: the name's return close(end) / close(base) - 1 is
  > 0, < 0 or == 0. Shares are of the names with a close on both sessions (`priced`); the rest
  are left out and counted (`unpriced`).
- **Share above the N-session moving average** on session t: of the names with a close on each
  of the N sessions ending at t (the average needs them all), the fraction whose close on t is
  strictly above the mean of those N closes. Names with a gap are left out and counted; with
  none left the share is None and `short_history` says whether the data itself is too short.
- **New 52-week closing highs / lows** on the end session: the close is strictly above (below)
  every close of the 52 weeks before it (sessions after end minus 52 weeks and before end). Same
  rule: only names with a close on every one of those sessions and on end are counted.
- **Advance/decline line**: for each session after base through end, advancers (close above the
  previous session's close) minus decliners, summed; a name without a close on either session
  is neither that day.
- **Equal-weight return**: the mean of the priced names' window returns (a fraction), None
  when no name is priced.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analytics.errors import NoData

MA_WINDOWS: tuple[int, ...] = (20, 50, 200)
HIGH_LOW_WEEKS = 52


@dataclass(frozen=True)
class UpDown:
    """Names up, down and unchanged over the window (shares are fractions of `priced`)."""

    up: int
    down: int
    unchanged: int
    priced: int
    unpriced: int
    share_up: float | None
    share_down: float | None
    share_unchanged: float | None


@dataclass(frozen=True)
class AboveAverage:
    """The share of names above their `window`-session average of closes on `date`.

    above: names above; counted: names with the N closes needed; left_out: names without.
    share: above / counted, or None when nothing was counted. short_history: True when the data
    has fewer than `window` sessions up to `date` (nothing could be counted).
    """

    window: int
    date: dt.date
    above: int
    counted: int
    left_out: int
    share: float | None
    short_history: bool

    @property
    def note(self) -> str:
        """Why the share is missing, in words (empty when it is there)."""
        if self.share is not None:
            return ""
        if self.short_history:
            return (
                f"not enough history: a {self.window}-session average needs {self.window} "
                f"sessions up to {self.date}"
            )
        return f"no name has {self.window} consecutive closes up to {self.date}"


@dataclass(frozen=True)
class HighsLows:
    """New 52-week closing highs and lows on `date` (counts, shares of `counted`)."""

    date: dt.date
    highs: int | None
    lows: int | None
    counted: int
    left_out: int
    short_history: bool
    share_highs: float | None = None
    share_lows: float | None = None

    @property
    def note(self) -> str:
        if self.counted:
            return ""
        if self.short_history:
            return (
                f"not enough history: 52-week highs need {HIGH_LOW_WEEKS} weeks before {self.date}"
            )
        return f"no name has a close on every session of the 52 weeks before {self.date}"


@dataclass(frozen=True)
class MarketBreadth:
    """Every breadth measure of a universe over one window (see the module docstring)."""

    base: dt.date
    end: dt.date
    names: int
    up_down: UpDown
    above: dict[int, AboveAverage]
    highs_lows: HighsLows
    ad_line: pd.Series = field(compare=False, repr=False)
    equal_weight_return: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON fields of the issue (fractions, dates)."""
        return {
            "base": self.base,
            "end": self.end,
            "names": self.names,
            "share_up": self.up_down.share_up,
            "share_down": self.up_down.share_down,
            "share_unchanged": self.up_down.share_unchanged,
            "priced": self.up_down.priced,
            "unpriced": self.up_down.unpriced,
            "above_ma": {str(n): a.share for n, a in self.above.items()},
            "above_ma_counted": {str(n): a.counted for n, a in self.above.items()},
            "new_highs": self.highs_lows.highs,
            "new_lows": self.highs_lows.lows,
            "highs_lows_counted": self.highs_lows.counted,
            "ad_line": [{"date": d.date(), "value": int(v)} for d, v in self.ad_line.items()],
            "equal_weight_return": self.equal_weight_return,
        }


def _position(closes: pd.DataFrame, day: dt.date | pd.Timestamp, what: str) -> int:
    ts = pd.Timestamp(day)
    index = pd.DatetimeIndex(closes.index)
    pos = int(index.searchsorted(ts))
    if pos >= len(index) or index[pos] != ts:
        raise NoData(f"{what} {ts.date()} is not a session of this universe's data.")
    return pos


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def window_returns(closes: pd.DataFrame, base: dt.date, end: dt.date) -> pd.Series:
    """close(end) / close(base) - 1 per name (NaN without both closes)."""
    first = closes.iloc[_position(closes, base, "base")]
    last = closes.iloc[_position(closes, end, "end")]
    return last / first - 1.0


def up_down(closes: pd.DataFrame, base: dt.date, end: dt.date) -> UpDown:
    """Names up, down and unchanged over base -> end. An empty frame gives zero counts and
    None shares."""
    if closes.shape[1] == 0:
        return UpDown(0, 0, 0, 0, 0, None, None, None)
    values = window_returns(closes, base, end).to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    up, down = int((finite > 0).sum()), int((finite < 0).sum())
    priced = int(finite.size)
    unchanged = priced - up - down
    return UpDown(
        up=up,
        down=down,
        unchanged=unchanged,
        priced=priced,
        unpriced=int(values.size - priced),
        share_up=_share(up, priced),
        share_down=_share(down, priced),
        share_unchanged=_share(unchanged, priced),
    )


def share_above_average_series(
    closes: pd.DataFrame, window: int, start: dt.date | None = None
) -> pd.DataFrame:
    """Per session from `start` (default: the first): `above`, `counted` and `share` (NaN when
    nothing is counted) of names above their `window`-session average (module docstring).

    Window sums come from one cumulative sum per name (no Python loop, no pandas rolling)."""
    first = 0 if start is None else _position(closes, start, "start")
    lo = max(first - window + 1, 0)
    values = closes.iloc[lo:].to_numpy(dtype=float)
    finite = np.isfinite(values)
    zeros = np.zeros((1, values.shape[1]))
    sums = np.cumsum(np.vstack([zeros, np.where(finite, values, 0.0)]), axis=0)
    counts = np.cumsum(np.vstack([zeros, finite.astype(float)]), axis=0)
    rows = np.arange(first - lo, len(values))
    top = rows + 1
    bottom = top - window
    ok_rows = bottom >= 0
    n_above = np.zeros(len(rows), dtype=int)
    n_counted = np.zeros(len(rows), dtype=int)
    if ok_rows.any():
        t, b = top[ok_rows], bottom[ok_rows]
        counted = (counts[t] - counts[b]) == window
        mean = (sums[t] - sums[b]) / window
        above = counted & (values[rows[ok_rows]] > mean)
        n_above[ok_rows] = above.sum(axis=1)
        n_counted[ok_rows] = counted.sum(axis=1)
    share = np.where(n_counted > 0, n_above / np.maximum(n_counted, 1), np.nan)
    return pd.DataFrame(
        {"above": n_above, "counted": n_counted, "share": share}, index=closes.index[first:]
    )


def share_above_average(closes: pd.DataFrame, end: dt.date, window: int) -> AboveAverage:
    """The share of names above their `window`-session average of closes on `end`."""
    pos = _position(closes, end, "end")
    names = closes.shape[1]
    if pos + 1 < window:
        return AboveAverage(window, pd.Timestamp(end).date(), 0, 0, names, None, True)
    block = closes.iloc[pos + 1 - window : pos + 1].to_numpy(dtype=float)
    complete = np.isfinite(block).all(axis=0)
    last = block[-1]
    mean = np.where(complete, block.mean(axis=0), np.nan)
    above = int((complete & (last > np.where(complete, mean, np.inf))).sum())
    counted = int(complete.sum())
    return AboveAverage(
        window=window,
        date=pd.Timestamp(end).date(),
        above=above,
        counted=counted,
        left_out=names - counted,
        share=_share(above, counted),
        short_history=False,
    )


def new_highs_lows(closes: pd.DataFrame, end: dt.date, weeks: int = HIGH_LOW_WEEKS) -> HighsLows:
    """New `weeks`-week closing highs and lows on `end` (module docstring). With too short a
    history every count is None and `short_history` is True."""
    pos = _position(closes, end, "end")
    index = pd.DatetimeIndex(closes.index)
    end_ts = index[pos]
    cutoff = end_ts - pd.Timedelta(weeks=weeks)
    names = closes.shape[1]
    if index[0] > cutoff:
        return HighsLows(end_ts.date(), None, None, 0, names, True)
    first = int(index.searchsorted(cutoff, side="right"))
    prior = closes.iloc[first:pos].to_numpy(dtype=float)
    last = closes.iloc[pos].to_numpy(dtype=float)
    complete = np.isfinite(prior).all(axis=0) & np.isfinite(last) & (len(prior) > 0)
    safe = np.where(np.isfinite(prior), prior, 0.0)
    highs = int((complete & (last > safe.max(axis=0, initial=-np.inf))).sum())
    lows = int((complete & (last < safe.min(axis=0, initial=np.inf))).sum())
    counted = int(complete.sum())
    return HighsLows(
        date=end_ts.date(),
        highs=highs if counted else None,
        lows=lows if counted else None,
        counted=counted,
        left_out=names - counted,
        short_history=False,
        share_highs=_share(highs, counted),
        share_lows=_share(lows, counted),
    )


def advance_decline_line(closes: pd.DataFrame, base: dt.date, end: dt.date) -> pd.Series:
    """The running sum of daily advancers minus decliners for the sessions after base through
    end (int Series indexed by session; empty when base == end)."""
    lo, hi = _position(closes, base, "base"), _position(closes, end, "end")
    if hi < lo:
        raise NoData(f"The window ends ({end}) before it starts ({base}).")
    values = closes.iloc[lo : hi + 1].to_numpy(dtype=float)
    change = values[1:] - values[:-1]  # NaN where either close is missing: neither side
    net = (change > 0).sum(axis=1) - (change < 0).sum(axis=1)
    return pd.Series(np.cumsum(net), index=closes.index[lo + 1 : hi + 1], name="ad_line")


def equal_weight_return(closes: pd.DataFrame, base: dt.date, end: dt.date) -> float | None:
    """The mean of the names' returns over base -> end (a fraction); None when none is priced."""
    if closes.shape[1] == 0:
        return None
    values = window_returns(closes, base, end).to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else None


def market_breadth(
    closes: pd.DataFrame,
    base: dt.date,
    end: dt.date,
    *,
    ma_windows: tuple[int, ...] = MA_WINDOWS,
) -> MarketBreadth:
    """Every breadth measure over base -> end. Raises NoData when base or end is not a session
    of the frame, or end is before base."""
    if pd.Timestamp(end) < pd.Timestamp(base):
        raise NoData(f"The window ends ({end}) before it starts ({base}).")
    return MarketBreadth(
        base=pd.Timestamp(base).date(),
        end=pd.Timestamp(end).date(),
        names=closes.shape[1],
        up_down=up_down(closes, base, end),
        above={n: share_above_average(closes, end, n) for n in ma_windows},
        highs_lows=new_highs_lows(closes, end),
        ad_line=advance_decline_line(closes, base, end),
        equal_weight_return=equal_weight_return(closes, base, end),
    )
