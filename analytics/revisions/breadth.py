"""Estimate-revision breadth of a universe: how many of its names analysts revised up or down.

Measures on one universe (its tickers and holdings weights) on a day D, from each name's latest
snapshot on or before D no older than MAX_AGE_DAYS (names are refreshed about weekly):

- net up:   the share of names with estimates whose EPS estimate for the period had more
            upward than downward revisions in the last 30 days (up_30d > down_30d), fraction;
- net down: the share with more downward than upward (down_30d > up_30d), fraction;
  the rest had as many of each (often none);
- weighted change: the holdings-weighted mean change of the consensus EPS estimate over 30
  days, estimate_change(est_now, est_30d), fraction; weights renormalised over the names with
  a change;
- coverage: names with estimates (both 30-day revision counts known) against the universe,
  with the covered names' share of the fund's weight (analytics.coverage).

Analysts' revisions of their EPS estimates, not company guidance.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.coverage import Coverage, coverage_of

MAX_AGE_DAYS = 14
"""A snapshot stands for a name for this many days (0 to 13 days old): a weekly refresh, with
room for missed nights and a budget stretched by extra universes."""

_NS = "datetime64[ns]"  # one resolution for every date key (SQLite text parses to seconds)

MIN_BASE = 0.01
"""An estimate 30 days ago smaller than a cent (in absolute value) gives no change: the ratio
would be noise."""

BREADTH_COLUMNS: tuple[str, ...] = (
    "names",
    "with_estimates",
    "net_up",
    "net_down",
    "share_up",
    "share_down",
    "weight_share",
    "weighted_change",
    "changed_names",
    "first_snapshot",
    "last_snapshot",
)


def estimate_change(now: float | None, ago: float | None) -> float | None:
    """The change of an estimate, (now - ago) / |ago|, fraction: now / ago - 1 for a positive
    estimate, and for a loss narrowing (-0.50 to -0.30) +40%, not -40%. None when either is
    missing or |ago| < MIN_BASE."""
    if now is None or ago is None or not (math.isfinite(now) and math.isfinite(ago)):
        return None
    if abs(ago) < MIN_BASE:
        return None
    return (now - ago) / abs(ago)


def states_on(
    checks: pd.DataFrame,
    snapshots: pd.DataFrame,
    tickers: Sequence[str],
    dates: Sequence[dt.date],
    *,
    max_age_days: int = MAX_AGE_DAYS,
) -> pd.DataFrame:
    """Each ticker's standing on each day: its latest settled check on or before the day and
    less than `max_age_days` old, with that check's snapshot row (NaN values when the check
    found no estimates for the period, or when there is no check).

    checks: ticker, date (Timestamp), outcome. snapshots: one period's rows (ticker, date,
    up_30d, down_30d, est_now, est_30d, ...). Returns one row per (day, ticker): `day`,
    `ticker`, `checked` (the check's date or NaT) and the snapshot columns. Empty `tickers` or
    `dates` give an empty frame with those columns.
    """
    days = pd.DatetimeIndex(sorted({pd.Timestamp(d) for d in dates}), name="day").astype(_NS)
    names = list(dict.fromkeys(tickers))
    grid = pd.DataFrame(
        {
            "day": np.repeat(days.to_numpy(), len(names)),
            "ticker": np.tile(np.array(names, dtype=object), len(days)),
        }
    )
    mine = checks[checks["ticker"].isin(names)][["ticker", "date"]].rename(
        columns={"date": "checked"}
    )
    mine = mine.astype({"checked": _NS}).sort_values("checked")
    grid = grid.sort_values("day", kind="stable")
    if mine.empty or grid.empty:
        grid["checked"] = pd.NaT
    else:
        grid = pd.merge_asof(
            grid,
            mine,
            left_on="day",
            right_on="checked",
            by="ticker",
            direction="backward",
            tolerance=pd.Timedelta(days=max_age_days - 1),
        )
    values = snapshots.drop(columns=["period"], errors="ignore").rename(columns={"date": "checked"})
    merged = grid.merge(values, on=["ticker", "checked"], how="left")
    return merged.sort_values(["day", "ticker"], kind="stable").reset_index(drop=True)


def breadth_by_day(states: pd.DataFrame, weights: Mapping[str, float] | None) -> pd.DataFrame:
    """The measures of the module docstring per day (index `day`, BREADTH_COLUMNS) over the
    universe whose standings `states_on` gave. share_up / share_down / weighted_change are NaN
    when no name has estimates (or a change); weight_share is NaN without weights."""
    frame = states.copy()
    table = pd.Series({t: _finite(v) for t, v in (weights or {}).items()}, dtype="float64")
    frame["w"] = frame["ticker"].map(table).fillna(0.0) if len(table) else 0.0
    covered = frame["up_30d"].notna() & frame["down_30d"].notna()
    frame["covered"] = covered
    frame["up"] = covered & (frame["up_30d"] > frame["down_30d"])
    frame["down"] = covered & (frame["down_30d"] > frame["up_30d"])
    ago = frame["est_30d"]
    change = (frame["est_now"] - ago) / ago.abs()
    usable = frame["est_now"].notna() & ago.notna() & (ago.abs() >= MIN_BASE) & (frame["w"] > 0)
    frame["change_w"] = np.where(usable, change * frame["w"], 0.0)
    frame["w_changed"] = np.where(usable, frame["w"], 0.0)
    frame["changed"] = usable
    frame["w_covered"] = np.where(covered, frame["w"], 0.0)
    frame["snap"] = frame["checked"].where(frame["checked"].notna())
    grouped = frame.groupby("day", sort=True)
    out = pd.DataFrame(
        {
            "names": grouped["ticker"].size(),
            "with_estimates": grouped["covered"].sum(),
            "net_up": grouped["up"].sum(),
            "net_down": grouped["down"].sum(),
            "changed_names": grouped["changed"].sum(),
            "first_snapshot": grouped["snap"].min(),
            "last_snapshot": grouped["snap"].max(),
        }
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        covered_n = out["with_estimates"].where(out["with_estimates"] > 0)
        out["share_up"] = out["net_up"] / covered_n
        out["share_down"] = out["net_down"] / covered_n
        total_w = grouped["w"].sum()
        out["weight_share"] = (
            (grouped["w_covered"].sum() / total_w.where(total_w > 0)) if weights else np.nan
        )
        changed_w = grouped["w_changed"].sum()
        out["weighted_change"] = grouped["change_w"].sum() / changed_w.where(changed_w > 0)
    out.index.name = "day"
    return out[list(BREADTH_COLUMNS)]


@dataclass(frozen=True)
class RevisionBreadth:
    """One universe's measures on one day (module docstring). share_up, share_down and
    weighted_change are None when no name has estimates (or a usable change)."""

    universe: str
    day: dt.date
    names: int
    with_estimates: int
    net_up: int
    net_down: int
    share_up: float | None
    share_down: float | None
    weighted_change: float | None
    changed_names: int
    coverage: Coverage
    first_snapshot: dt.date | None
    last_snapshot: dt.date | None

    @property
    def unchanged(self) -> int:
        """Names with estimates and as many upward as downward revisions (often none)."""
        return self.with_estimates - self.net_up - self.net_down


def revision_breadth(
    universe: str,
    states: pd.DataFrame,
    tickers: Sequence[str],
    weights: Mapping[str, float] | None,
    day: dt.date,
) -> RevisionBreadth:
    """The measures of `universe` on `day` from `states_on(..., [day])` of its tickers."""
    row = breadth_by_day(states[states["day"] == pd.Timestamp(day)], weights)
    covered = states.loc[
        (states["day"] == pd.Timestamp(day))
        & states["up_30d"].notna()
        & states["down_30d"].notna(),
        "ticker",
    ]
    coverage = coverage_of(list(covered), list(tickers), dict(weights) if weights else None)
    if row.empty:
        return RevisionBreadth(
            universe, day, len(tickers), 0, 0, 0, None, None, None, 0, coverage, None, None
        )
    r = row.iloc[0]
    return RevisionBreadth(
        universe=universe,
        day=day,
        names=int(r["names"]),
        with_estimates=int(r["with_estimates"]),
        net_up=int(r["net_up"]),
        net_down=int(r["net_down"]),
        share_up=_optional(r["share_up"]),
        share_down=_optional(r["share_down"]),
        weighted_change=_optional(r["weighted_change"]),
        changed_names=int(r["changed_names"]),
        coverage=coverage,
        first_snapshot=_day(r["first_snapshot"]),
        last_snapshot=_day(r["last_snapshot"]),
    )


def _finite(value: float | None) -> float:
    return float(value) if value is not None and math.isfinite(value) else 0.0


def _optional(value: float) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _day(value) -> dt.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()
