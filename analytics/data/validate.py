"""Bad rows in daily bars, and moves that look like a split nobody adjusted for.

`clean_bars` is the one gate every bar frame passes before it is stored, from a file import or
from a provider: it knows nothing about either. `likely_unadjusted_splits` is a pure check over
a ticker's closes for answers to flag.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics import calendar

REQUIRED_PRICES: tuple[str, ...] = ("close", "adj_close")
"""Fields a row cannot do without: a NaN here skips the row (returns are read from adj_close)."""

OPTIONAL_PRICES: tuple[str, ...] = ("open", "high", "low")
"""Fields a source may lack (NaN is fine), but zero, negative or infinite skips the row."""

_LABELS = {"adj_close": "adj close"}


@dataclass(frozen=True)
class SkippedRows:
    """Rows left out of a bar frame, counted by reason ("non-positive close", "Saturday", ...).

    `first` holds the first date skipped for each reason, so a message can point at one.
    """

    counts: dict[str, int] = field(default_factory=dict)
    first: dict[str, dt.date] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def __bool__(self) -> bool:
        return self.total > 0

    def __add__(self, other: SkippedRows) -> SkippedRows:
        counts = Counter(self.counts)
        counts.update(other.counts)
        first = dict(self.first)
        for reason, day in other.first.items():
            first[reason] = min(day, first.get(reason, day))
        return SkippedRows(dict(counts), first)

    def text(self) -> str:
        """One line: "skipped 3 rows: 2 non-positive closes, 1 Saturday" ("" when none)."""
        if not self:
            return ""
        parts = [
            f"{n:,} {_plural(reason, n)}"
            for reason, n in sorted(self.counts.items(), key=lambda kv: (-kv[1], kv[0].lower()))
        ]
        noun = "row" if self.total == 1 else "rows"
        return f"skipped {self.total:,} {noun}: {', '.join(parts)}"

    def to_dict(self) -> dict[str, int]:
        return dict(self.counts)


def _plural(reason: str, n: int) -> str:
    return reason if n == 1 else reason + "s"


def clean_bars(
    frame: pd.DataFrame, *, sessions_only: bool = True
) -> tuple[pd.DataFrame, SkippedRows]:
    """Drop the rows of a bar frame that must never be stored; count why each went.

    `frame` is indexed by date (tz-naive; any order, repeats allowed) and has some of
    BAR_COLUMNS (other columns, such as a provider's dividend and split, ride along untouched).
    A row is skipped, for the first of these reasons that applies:
    - its date is missing, or (with `sessions_only`) not an NYSE session: named "Saturday",
      "Sunday" or "holiday" (before 1990, where the calendar ends, only weekends are known);
    - a required price (close, adj_close when present) is NaN ("missing close"), infinite
      ("infinite close") or zero/negative ("non-positive close");
    - open/high/low is infinite or zero/negative (NaN is fine: many sources have no OHLC);
    - volume is negative or infinite ("negative volume", "infinite volume"; NaN and 0 are fine);
    - another valid row has the same date ("duplicate date"): the last one in the frame is kept,
      as a file appended by a daily job writes its corrections last.
    Returns the kept rows sorted by date (unique) and the counts. Empty in, empty out.
    """
    if frame.empty:
        return frame.sort_index(), SkippedRows()
    dates = pd.DatetimeIndex(frame.index)
    reasons = np.full(len(frame), "", dtype=object)

    def mark(mask: np.ndarray, reason: str) -> None:
        hit = mask & (reasons == "")
        reasons[hit] = reason

    missing_date = np.asarray(dates.isna())
    mark(missing_date, "missing date")
    if sessions_only:
        closed = _closed_day_names(dates)
        for name in ("Saturday", "Sunday", "holiday"):
            mark(closed == name, name)
    for column in REQUIRED_PRICES:
        if column in frame:
            values = frame[column].to_numpy(dtype="float64", na_value=np.nan)
            label = _LABELS.get(column, column)
            mark(np.isnan(values), f"missing {label}")
            mark(np.isinf(values), f"infinite {label}")
            mark(values <= 0, f"non-positive {label}")
    for column in OPTIONAL_PRICES:
        if column in frame:
            values = frame[column].to_numpy(dtype="float64", na_value=np.nan)
            mark(np.isinf(values), f"infinite {column}")
            mark(values <= 0, f"non-positive {column}")
    if "volume" in frame:
        values = frame["volume"].to_numpy(dtype="float64", na_value=np.nan)
        mark(np.isinf(values), "infinite volume")
        mark(values < 0, "negative volume")
    valid = reasons == ""
    # Of repeated dates among the valid rows the last wins: mark the earlier ones.
    repeated = np.zeros(len(frame), dtype=bool)
    repeated[valid] = pd.Index(dates[valid]).duplicated(keep="last")
    mark(repeated, "duplicate date")
    keep = reasons == ""
    kept = frame.iloc[np.flatnonzero(keep)]
    kept = kept.sort_index(kind="stable")
    return kept, _count(reasons[~keep], dates[~keep])


def _closed_day_names(dates: pd.DatetimeIndex) -> np.ndarray:
    """Per row: "Saturday", "Sunday", "holiday" when the NYSE was closed that day, else "".

    Vectorised over the frame (a universe file checks 300,000 rows): weekdays are holidays
    when they are not among the calendar's sessions; outside the calendar's years (before
    1990) only weekends are known, as in `calendar.is_session`. NaT rows get "".
    """
    names = np.full(len(dates), "", dtype=object)
    valid = ~np.asarray(dates.isna())
    weekday = np.asarray(dates.day_of_week, dtype="float64")  # NaN for NaT
    names[valid & (weekday == 5)] = "Saturday"
    names[valid & (weekday == 6)] = "Sunday"
    cal = calendar.nyse()
    known = valid & (weekday < 5)
    known &= np.asarray((dates >= cal.first_session) & (dates <= cal.last_session))
    if known.any():
        inside = dates[known]
        sessions = calendar.sessions_between(inside.min().date(), inside.max().date())
        holiday = np.zeros(len(dates), dtype=bool)
        holiday[known] = ~np.asarray(inside.isin(sessions))
        names[holiday] = "holiday"
    return names


def _count(reasons: np.ndarray, dates: pd.DatetimeIndex) -> SkippedRows:
    counts: Counter[str] = Counter()
    first: dict[str, dt.date] = {}
    for reason, day in zip(reasons, dates, strict=True):
        counts[reason] += 1
        if not pd.isna(day):
            first[reason] = min(day.date(), first.get(reason, day.date()))
    return SkippedRows(dict(counts), first)


# --- moves that look like an unadjusted split ----------------------------------------------

SPLIT_RATIOS: tuple[tuple[int, int], ...] = (
    (3, 2),
    (2, 1),
    (3, 1),
    (4, 1),
    (5, 1),
    (6, 1),
    (8, 1),
    (10, 1),
    (15, 1),
    (20, 1),
    (25, 1),
    (50, 1),
    (1, 2),
    (1, 3),
    (1, 4),
    (1, 5),
    (1, 8),
    (1, 10),
    (1, 15),
    (1, 20),
    (1, 25),
    (1, 50),
)
"""Common splits as (new shares, old shares): 2:1 halves the price, 1:10 (reverse) multiplies it
by ten. The price moves by old/new."""

SPLIT_TOLERANCE = 0.03
"""How far (relative) a price ratio may sit from a split's old/new and still match it: a day's
ordinary move rides on top of the split, over two sessions when a row is missing."""


@dataclass(frozen=True)
class SplitFlag:
    """A move between two consecutive rows that matches a common split ratio."""

    before: dt.date
    after: dt.date
    close_before: float
    close_after: float
    ratio: str  # "2:1", "1:10"

    @property
    def move(self) -> float:
        """close_after / close_before - 1 (a fraction: -0.496 is -49.6%)."""
        return self.close_after / self.close_before - 1

    def text(self) -> str:
        return (
            f"{self.before.isoformat()} -> {self.after.isoformat()} {self.move:+.1%} "
            f"({self.close_before:,.2f} -> {self.close_after:,.2f}) looks like an unadjusted "
            f"{self.ratio} split"
        )


def split_ratio_of(price_ratio: float, tolerance: float = SPLIT_TOLERANCE) -> str | None:
    """The common split ("2:1", "1:10") whose price ratio old/new is within `tolerance` of
    `price_ratio` (close after / close before), or None."""
    if not np.isfinite(price_ratio) or price_ratio <= 0:
        return None
    for new, old in SPLIT_RATIOS:
        if abs(price_ratio / (old / new) - 1) <= tolerance:
            return f"{new}:{old}"
    return None


def likely_unadjusted_splits(
    closes: pd.Series,
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    tolerance: float = SPLIT_TOLERANCE,
) -> list[SplitFlag]:
    """Moves between consecutive rows of one ticker's closes that match a common split ratio.

    A move is close(t) / close(t_prev), t_prev being the previous row (not the previous
    session: a missing row makes it a two-session move). With `start`/`end`, only pairs whose
    two rows both fall inside [start, end] count (pass a window's base session as `start`).
    A match is a price ratio within `tolerance` (relative) of a split's old/new: 2:1 (-50%),
    3:2 (-33.3%), 3:1 (-66.7%), ... and reverse splits 1:2 (+100%), 1:10 (+900%), ...
    NaN closes are ignored. Empty or one-row input gives [].
    """
    values = closes.dropna().sort_index()
    if start is not None:
        values = values[values.index >= pd.Timestamp(start)]
    if end is not None:
        values = values[values.index <= pd.Timestamp(end)]
    if len(values) < 2:
        return []
    prices = values.to_numpy(dtype="float64")
    ratios = prices[1:] / prices[:-1]
    days = pd.DatetimeIndex(values.index)
    flags = []
    for i in np.flatnonzero(np.abs(np.log(np.where(ratios > 0, ratios, 1.0))) > np.log(1.25)):
        ratio = split_ratio_of(float(ratios[i]), tolerance)
        if ratio is not None:
            flags.append(
                SplitFlag(
                    before=days[i].date(),
                    after=days[i + 1].date(),
                    close_before=float(prices[i]),
                    close_after=float(prices[i + 1]),
                    ratio=ratio,
                )
            )
    return flags


def describe_splits(flags: Sequence[SplitFlag], ticker: str) -> list[str]:
    """One warning line per flag: "MNST 2026-08-07 -> 2026-08-11 -49.6% (...) looks like ..."."""
    return [f"{ticker} {flag.text()}" for flag in flags]


def split_warnings(
    bars: pd.DataFrame, column: str = "adj_close", since: dt.date | None = None
) -> tuple[str, ...]:
    """`describe_splits` over a long bar frame of many tickers (ticker, date, `column`): one line
    per move between consecutive rows of a ticker, both on or after `since`, that matches a common
    split ratio. Vectorised: the ratio is tested only where the move exceeds 25% either way."""
    if bars.empty or column not in bars.columns:
        return ()
    frame = bars[["ticker", "date", column]].dropna(subset=[column])
    frame = frame[frame[column] > 0]
    if since is not None:
        frame = frame[frame["date"] >= pd.Timestamp(since)]
    if len(frame) < 2:
        return ()
    frame = frame.sort_values(["ticker", "date"], kind="stable")
    tickers = frame["ticker"].to_numpy()
    prices = frame[column].to_numpy(dtype="float64")
    same = tickers[1:] == tickers[:-1]
    ratios = prices[1:] / prices[:-1]
    candidates = np.flatnonzero(same & (np.abs(np.log(ratios)) > np.log(1.25)))
    lines: list[str] = []
    for ticker in dict.fromkeys(tickers[candidates + 1]):
        rows = frame[frame["ticker"] == ticker].set_index("date")[column]
        lines += describe_splits(likely_unadjusted_splits(rows), str(ticker))
    return tuple(lines)
