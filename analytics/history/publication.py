"""When a macro reading became known, so an event counts from the first session after it.

FRED dates a reading by the period it measures (a month's unemployment rate by the month's
first day), weeks before it is published. An event study that counted from that date would
trade on news nobody had. So each reading gets a publication date:

- the release date where it is known: real GDP's (and GDPNow's last nowcast's) first release
  from the ALFRED release table stored in the cache;
- otherwise a stated lag per series (`LAGS`; by frequency for other series, `GENERIC`). The
  lags are approximate calendars of the releases, chosen not to be early: a reading counted a
  few days late costs a few days of return, one counted early is look-ahead.

A reading then counts from the first session strictly after its publication date (a release
during a session or after its close is not in that session's close).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Lag:
    """A publication rule. `kind`: "days" (the observation date plus `days`), "first_friday"
    (the first Friday of the next month), "next_month_day" (day `days` of the next month),
    "after_period" (`days` after the end of the `months`-long period the date starts)."""

    rule: str
    kind: str
    days: int = 0
    months: int = 1


_DAILY = Lag("its own date (a daily reading is known at that day's end)", "days", 0)
_EMPLOYMENT = Lag(
    "the first Friday of the next month (BLS's Employment Situation; some months come a week later)",
    "first_friday",
)
_ADVANCE_GDP = Lag(
    "30 days after the quarter ends (BEA's advance estimate comes about four weeks after it)",
    "after_period",
    days=30,
    months=3,
)

LAGS: dict[str, Lag] = {
    "UNRATE": _EMPLOYMENT,
    "PAYEMS": _EMPLOYMENT,
    "CPIAUCSL": Lag(
        "the 15th of the next month (BLS publishes CPI between about the 10th and the 15th)",
        "next_month_day",
        days=15,
    ),
    "FEDFUNDS": Lag(
        "the first day of the next month (a monthly average is known when the month ends)",
        "next_month_day",
        days=1,
    ),
    "ICSA": Lag(
        "5 days after the week it is dated by (FRED's Saturday; the Labor Department reports "
        "on the Thursday after)",
        "days",
        5,
    ),
    "A191RL1Q225SBEA": _ADVANCE_GDP,
    "GDPNOW": Lag(
        "30 days after the quarter ends (FRED's GDPNOW is the quarter's last nowcast, made just "
        "before BEA's advance estimate)",
        "after_period",
        days=30,
        months=3,
    ),
    "DGS10": _DAILY,
    "DGS2": _DAILY,
    "T10Y2Y": _DAILY,
    "VIXCLS": _DAILY,
    "SP500": _DAILY,
}
"""Per-series lags of the curated series (analytics/macro/series.py)."""

GENERIC: dict[str, Lag] = {
    "daily": _DAILY,
    "weekly": Lag("7 days after its date (a generic lag for a weekly series)", "days", 7),
    "monthly": Lag(
        "the end of the next month (a generic lag for a monthly series)",
        "after_period",
        days=0,
        months=2,
    ),
    "quarterly": Lag(
        "two months after the quarter ends (a generic lag for a quarterly series)",
        "after_period",
        days=61,
        months=3,
    ),
    "annual": Lag(
        "six months after the year ends (a generic lag for an annual series)",
        "after_period",
        days=182,
        months=12,
    ),
}
"""Lags by frequency for series without their own (any FRED id)."""

RELEASE_TABLE_SERIES = ("A191RL1Q225SBEA", "GDPNOW")
"""Series whose quarters take their publication date from the stored GDP release table."""


def lag_for(series_id: str, frequency: str) -> Lag:
    """The series' own lag, else the generic one of its frequency (monthly when unknown)."""
    return LAGS.get(series_id) or GENERIC.get(frequency) or GENERIC["monthly"]


def lagged_dates(observed: pd.DatetimeIndex, lag: Lag) -> pd.DatetimeIndex:
    """The publication date of each observation date under `lag` (vectorised)."""
    days = pd.DatetimeIndex(observed).normalize()
    if lag.kind == "days":
        return days + pd.Timedelta(days=lag.days)
    next_month = (days + pd.offsets.MonthBegin(1)).normalize()
    if lag.kind == "next_month_day":
        return next_month + pd.Timedelta(days=lag.days - 1)
    if lag.kind == "first_friday":
        # Friday is weekday 4: days from the 1st to the first Friday on or after it.
        ahead = (4 - next_month.day_of_week) % 7
        return next_month + pd.to_timedelta(ahead, unit="D")
    if lag.kind == "after_period":
        period_end = days + pd.DateOffset(months=lag.months) - pd.Timedelta(days=1)
        return period_end + pd.Timedelta(days=lag.days)
    raise ValueError(f"unknown lag kind {lag.kind!r}")


@dataclass(frozen=True)
class Publication:
    """Publication dates aligned with the observation dates, and how they were found.

    known: observations dated by a release date from the release table (the rest by `lag`).
    """

    dates: pd.DatetimeIndex
    lag: Lag
    known: int = 0

    def rule_text(self, series_id: str) -> str:
        """What the answer says about when a reading counts."""
        lagged = f"{series_id} readings count from the first session after {self.lag.rule}"
        if not self.known:
            return lagged + "."
        return (
            f"{series_id} readings count from the first session after their first release "
            f"(ALFRED's release table, {self.known} quarters); the others after {self.lag.rule}."
        )


def publication_dates(
    series_id: str,
    frequency: str,
    observed: pd.DatetimeIndex,
    release_dates: pd.Series | None = None,
) -> Publication:
    """When each observation was published: `release_dates` (observation date -> release date)
    where it has the observation, the series' lag otherwise."""
    lag = lag_for(series_id, frequency)
    dates = lagged_dates(pd.DatetimeIndex(observed), lag)
    known = 0
    if release_dates is not None and not release_dates.empty:
        found = pd.Series(pd.DatetimeIndex(release_dates.to_numpy()), index=release_dates.index)
        matched = found.reindex(pd.DatetimeIndex(observed))
        have = matched.notna().to_numpy()
        known = int(have.sum())
        if known:
            dates = pd.DatetimeIndex(np.where(have, matched.to_numpy(), dates.to_numpy()))
    return Publication(dates=dates, lag=lag, known=known)


def readings_on_sessions(
    values: pd.Series, published: pd.DatetimeIndex, sessions: pd.DatetimeIndex
) -> pd.DataFrame:
    """For each session, the newest reading published strictly before it.

    `values` is indexed by observation date (unique) and aligned with `published`. Returns a
    frame indexed by `sessions` with `value` and `observed` (that reading's observation date),
    NaN/NaT on sessions before the first publication. When publications are out of order, the
    newest observation known by the session wins, not the one published last.
    """
    # One unit for the integer arithmetic below (pandas may hold dates in s, us or ns).
    sessions = pd.DatetimeIndex(sessions).as_unit("ns")
    observed = pd.DatetimeIndex(values.index).as_unit("ns")
    if len(observed) == 0:
        empty = pd.DatetimeIndex([pd.NaT] * len(sessions))
        return pd.DataFrame({"value": np.nan, "observed": empty}, index=sessions)
    pub = pd.DatetimeIndex(published).as_unit("ns")
    order = np.lexsort((observed.asi8, pub.asi8))  # by publication, then observation
    newest = np.maximum.accumulate(observed.asi8[order])  # newest observation known so far
    known = pub[order].searchsorted(sessions, side="left") - 1  # published strictly before
    has = known >= 0
    when = pd.DatetimeIndex(np.where(has, newest[np.where(has, known, 0)], 0).astype("M8[ns]"))
    when = when.where(has, pd.NaT)
    value = values.set_axis(observed).reindex(when).to_numpy(dtype=float)
    return pd.DataFrame({"value": value, "observed": when}, index=sessions)
