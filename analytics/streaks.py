"""Streaks: consecutive sessions, ending at the latest session, on which something held.

Kinds (`STREAK_KINDS`):
- `beat`: a's daily return strictly above b's. Daily returns are computed on the sessions
  where BOTH have a close; a session missing in one series is skipped, not a break (the
  next common session's return spans the gap). Ties end a run for both sides. If b beat a
  on the last session, b's run over a is reported instead (`flipped=True`).
- `up` / `down`: close strictly above / below the previous session's close. If the last
  session went the other way, the other kind's run is reported (`flipped=True`).
- `record-high` / `record-close`: the value is strictly above every earlier value in the
  history given. The first session has nothing to beat and is NOT a record. A run of 0 is a
  valid answer; `last_record` then says when the last record was set.

Runs are found with vectorised numpy (the edges of a boolean mask), so 25+ years of daily
data take well under a millisecond.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analytics.errors import BadInput, NoData

STREAK_KINDS = ("beat", "up", "down", "record-high", "record-close")
STREAK_HELP = (
    "Streak kinds: `beat` (A's daily return above B's), `up`, `down` (close above/below the "
    "previous close), `record-high`, `record-close` (new all-time high / closing high)."
)
_OPPOSITE = {"up": "down", "down": "up"}


@dataclass(frozen=True)
class Run:
    """One run of consecutive sessions: `length` sessions from `start` to `end` inclusive."""

    length: int
    start: dt.date
    end: dt.date

    def to_dict(self) -> dict[str, Any]:
        return {"length": self.length, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Streak:
    """The current run of a kind, with its history.

    kind:     the kind of run reported ("beat", "up", "down", "record-high", "record-close").
    flipped:  True when the run reported is the opposite of what was asked (b beat a, or a
              `down` run when `up` was asked).
    ticker:   the series for single-ticker kinds; leader/laggard for `beat` (leader beat laggard).
    length:   sessions in the current run (0: no run, e.g. a tie or no record on the last
              session); start/end are its first and last sessions (None when length is 0).
    as_of:    the last session examined (the latest on or before the `as_of` asked).
    run_return: up/down: close(end) / close(session before start) - 1, a fraction.
    leader_return, laggard_return: beat: the same measure for each side over the run;
    spread_pp: (leader_return - laggard_return) * 100, in percentage points.
    previous_as_long: the most recent earlier run of the same kind (and same leader for beat)
              with length >= the current length; None if none in the history or length is 0.
    record:   the longest run of that kind in the history (ties: the most recent), current
              run included; None if there has never been one.
    last_record: record kinds: the last session that set a record (None if never).
    mask:     bool Series over the sessions examined, True where the kind held (for `beat`:
              where the leader beat the laggard); the chart shades and marks from it.
    """

    kind: str
    length: int
    as_of: dt.date
    start: dt.date | None = None
    end: dt.date | None = None
    flipped: bool = False
    ticker: str | None = None
    leader: str | None = None
    laggard: str | None = None
    run_return: float | None = None
    leader_return: float | None = None
    laggard_return: float | None = None
    spread_pp: float | None = None
    previous_as_long: Run | None = None
    record: Run | None = None
    last_record: dt.date | None = None
    mask: pd.Series = field(
        default_factory=lambda: pd.Series(dtype=bool), compare=False, repr=False
    )

    def to_dict(self) -> dict[str, Any]:
        """Plain values for --json (dates stay dates; `analytics.answer.jsonable` finishes)."""
        out: dict[str, Any] = {
            name: getattr(self, name)
            for name in self.__dataclass_fields__
            if name not in ("mask", "previous_as_long", "record")
        }
        out["previous_as_long"] = self.previous_as_long.to_dict() if self.previous_as_long else None
        out["record"] = self.record.to_dict() if self.record else None
        return out


def parse_streak_kind(text: str) -> str:
    """Normalise a kind name ('Record High', 'record_close', 'UP'); BadInput listing the kinds."""
    norm = "-".join((text or "").strip().lower().replace("_", " ").replace("-", " ").split())
    if norm not in STREAK_KINDS:
        raise BadInput(f"'{(text or '').strip()[:30]}' is not a streak kind. " + STREAK_HELP)
    return norm


def find_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends): positions of the first and last element of each run of True, in order.

    A run is a maximal block of consecutive True values; ends are inclusive.
    """
    flags = np.asarray(mask, dtype=bool)
    edges = np.diff(np.concatenate(([0], flags.astype(np.int8), [0])))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1) - 1
    return starts, ends


@dataclass(frozen=True)
class _RunHistory:
    length: int
    start: int | None  # positions in the session index
    end: int | None
    previous_as_long: Run | None
    record: Run | None


def _run_history(mask: np.ndarray, dates: pd.DatetimeIndex) -> _RunHistory:
    """The run ending at the last position (if any), the last earlier run as long, the longest."""
    starts, ends = find_runs(mask)
    if len(starts) == 0:
        return _RunHistory(0, None, None, None, None)
    lengths = ends - starts + 1

    def run_at(i: int) -> Run:
        return Run(int(lengths[i]), dates[starts[i]].date(), dates[ends[i]].date())

    # Ties for the longest go to the most recent: argmax on the reversed lengths.
    record = run_at(len(lengths) - 1 - int(np.argmax(lengths[::-1])))
    if not mask[-1]:
        return _RunHistory(0, None, None, None, record)
    current = int(lengths[-1])
    earlier = np.flatnonzero(lengths[:-1] >= current)
    previous = run_at(int(earlier[-1])) if len(earlier) else None
    return _RunHistory(current, int(starts[-1]), int(ends[-1]), previous, record)


def _clean(series: pd.Series, as_of: dt.date | None, name: str) -> pd.Series:
    """Drop NaN, sort, and cut at `as_of`; NoData when nothing is left."""
    values = series.dropna().astype(float).sort_index()
    values = values[~values.index.duplicated(keep="last")]
    if values.empty:
        raise NoData(f"No prices for {name}.")
    if as_of is not None:
        cut = values.loc[: pd.Timestamp(as_of)]
        if cut.empty:
            raise NoData(
                f"No prices for {name} on or before {as_of}: its data begins {values.index[0].date()}."
            )
        values = cut
    return values


def _name(series: pd.Series, given: str | None, fallback: str) -> str:
    if given:
        return given
    return str(series.name) if series.name is not None else fallback


def _change(values: np.ndarray, first: int, last: int) -> float:
    """values[last] / values[first - 1] - 1: the return over positions first..last."""
    return float(values[last] / values[first - 1] - 1.0)


def beat_streak(
    closes_a: pd.Series,
    closes_b: pd.Series,
    as_of: dt.date | None = None,
    *,
    name_a: str | None = None,
    name_b: str | None = None,
) -> Streak:
    """Consecutive sessions on which a's daily return was strictly above b's (or b's over a).

    Daily return on common session t = close(t) / close(previous common session) - 1.
    leader_return / laggard_return are each side's return over the run, from the close of the
    common session before the run; spread_pp is their difference in percentage points.
    """
    a_name, b_name = _name(closes_a, name_a, "A"), _name(closes_b, name_b, "B")
    a = _clean(closes_a, as_of, a_name)
    b = _clean(closes_b, as_of, b_name)
    both = pd.concat([a, b], axis=1, join="inner")
    if len(both) < 2:
        raise NoData(
            f"{a_name} and {b_name} have {len(both)} session(s) with prices for both"
            + (f" on or before {as_of}" if as_of else "")
            + "; a streak needs at least 2."
        )
    dates = pd.DatetimeIndex(both.index)
    va, vb = both.iloc[:, 0].to_numpy(), both.iloc[:, 1].to_numpy()
    ra = np.concatenate(([np.nan], va[1:] / va[:-1] - 1.0))
    rb = np.concatenate(([np.nan], vb[1:] / vb[:-1] - 1.0))
    a_wins, b_wins = ra > rb, rb > ra  # NaN compares False: the first session is neither

    flipped = bool(b_wins[-1])
    leader, laggard = (b_name, a_name) if flipped else (a_name, b_name)
    wins = b_wins if flipped else a_wins
    v_lead, v_lag = (vb, va) if flipped else (va, vb)
    hist = _run_history(wins, dates)
    result: dict[str, Any] = {}
    if hist.length:
        assert hist.start is not None and hist.end is not None
        lead_ret = _change(v_lead, hist.start, hist.end)
        lag_ret = _change(v_lag, hist.start, hist.end)
        result = {
            "start": dates[hist.start].date(),
            "end": dates[hist.end].date(),
            "leader_return": lead_ret,
            "laggard_return": lag_ret,
            "spread_pp": (lead_ret - lag_ret) * 100.0,
        }
    return Streak(
        kind="beat",
        length=hist.length,
        as_of=dates[-1].date(),
        flipped=flipped,
        leader=leader,
        laggard=laggard,
        previous_as_long=hist.previous_as_long,
        record=hist.record,
        mask=pd.Series(wins, index=dates, name=f"{leader}>{laggard}"),
        **result,
    )


def direction_streak(
    closes: pd.Series, kind: str = "up", as_of: dt.date | None = None, *, name: str | None = None
) -> Streak:
    """Consecutive sessions closing strictly above (`up`) or below (`down`) the previous close.

    If the last session moved the other way, that run is reported (kind switched,
    flipped=True); an unchanged last close gives length 0. run_return = close(end) /
    close(session before start) - 1, a fraction.
    """
    if kind not in _OPPOSITE:
        raise BadInput(f"Direction must be up or down, not '{kind}'.")
    ticker = _name(closes, name, "series")
    series = _clean(closes, as_of, ticker)
    if len(series) < 2:
        raise NoData(
            f"{ticker} has only {len(series)} session(s) of prices; a streak needs at least 2."
        )
    dates = pd.DatetimeIndex(series.index)
    values = series.to_numpy()
    change = np.concatenate(([0.0], np.diff(values)))
    moved = {"up": change > 0, "down": change < 0}
    reported = kind if moved[kind][-1] or not moved[_OPPOSITE[kind]][-1] else _OPPOSITE[kind]
    hist = _run_history(moved[reported], dates)
    extra: dict[str, Any] = {}
    if hist.length:
        assert hist.start is not None and hist.end is not None
        extra = {
            "start": dates[hist.start].date(),
            "end": dates[hist.end].date(),
            "run_return": _change(values, hist.start, hist.end),
        }
    return Streak(
        kind=reported,
        length=hist.length,
        as_of=dates[-1].date(),
        flipped=reported != kind,
        ticker=ticker,
        previous_as_long=hist.previous_as_long,
        record=hist.record,
        mask=pd.Series(moved[reported], index=dates, name=reported),
        **extra,
    )


def record_streak(
    values: pd.Series,
    kind: str = "record-high",
    as_of: dt.date | None = None,
    *,
    name: str | None = None,
) -> Streak:
    """Consecutive sessions each setting a new all-time record (strictly above every earlier value).

    Pass highs for `record-high` and closes for `record-close` (the caller chooses raw or
    adjusted prices). The first session is not a record: it has nothing to beat. "All-time"
    means over the history given, up to `as_of`.
    """
    if kind not in ("record-high", "record-close"):
        raise BadInput(f"Record kind must be record-high or record-close, not '{kind}'.")
    ticker = _name(values, name, "series")
    series = _clean(values, as_of, ticker)
    if len(series) < 2:
        raise NoData(
            f"{ticker} has only {len(series)} session(s) of prices; a record needs at least 2."
        )
    dates = pd.DatetimeIndex(series.index)
    arr = series.to_numpy()
    earlier_max = np.concatenate(([np.inf], np.maximum.accumulate(arr)[:-1]))
    is_record = arr > earlier_max
    hist = _run_history(is_record, dates)
    record_positions = np.flatnonzero(is_record)
    last_record = dates[record_positions[-1]].date() if len(record_positions) else None
    extra: dict[str, Any] = {}
    if hist.length:
        assert hist.start is not None and hist.end is not None
        extra = {"start": dates[hist.start].date(), "end": dates[hist.end].date()}
    return Streak(
        kind=kind,
        length=hist.length,
        as_of=dates[-1].date(),
        ticker=ticker,
        previous_as_long=hist.previous_as_long,
        record=hist.record,
        last_record=last_record,
        mask=pd.Series(is_record, index=dates, name=kind),
        **extra,
    )


def headline(streak: Streak) -> str:
    """The answer in one line, for the chart title and the summary.

    e.g. "IWM has beaten SPY 10 sessions in a row", "SPY closed lower on 2022-11-18".
    """
    n, end = streak.length, streak.as_of
    if streak.kind == "beat":
        if n == 0:
            return f"{streak.leader} and {streak.laggard} tied on {end}"
        if n == 1:
            return f"{streak.leader} beat {streak.laggard} on {end}"
        return f"{streak.leader} has beaten {streak.laggard} {n} sessions in a row"
    if streak.kind in _OPPOSITE:
        word = "higher" if streak.kind == "up" else "lower"
        if n == 0:
            return f"{streak.ticker} closed unchanged on {end}"
        if n == 1:
            return f"{streak.ticker} closed {word} on {end}"
        return f"{streak.ticker} has closed {word} {n} sessions in a row"
    what = "record high" if streak.kind == "record-high" else "record close"
    if n == 0:
        last = f"last on {streak.last_record}" if streak.last_record else "none in the data"
        return f"No {what} for {streak.ticker} on {end} ({last})"
    if n == 1:
        return f"{streak.ticker} set a {what} on {end}"
    return f"{streak.ticker} has set a {what} {n} sessions in a row"
