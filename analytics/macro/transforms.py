"""Turning a raw FRED series into the figure people quote (CPI index -> inflation %, payroll
level -> monthly change). Changes are matched by calendar date, not by row position, so a
missing month (FRED has no October 2025 CPI) never makes a two-month change look like one.
"""

from __future__ import annotations

import pandas as pd

TRANSFORMS = ("none", "yoy_pct", "diff")

_PERIOD = {
    "weekly": pd.DateOffset(weeks=1),
    "monthly": pd.DateOffset(months=1),
    "quarterly": pd.DateOffset(months=3),
    "annual": pd.DateOffset(years=1),
}


def _clean(series: pd.Series) -> pd.Series:
    out = series.dropna().astype("float64")
    out.index = pd.DatetimeIndex(out.index)
    return out[~out.index.duplicated(keep="last")].sort_index()


def _change_from(series: pd.Series, offset: pd.DateOffset, *, percent: bool) -> pd.Series:
    earlier = series.reindex(series.index - offset).to_numpy()
    values = series.to_numpy()
    out = (values / earlier - 1.0) * 100.0 if percent else values - earlier
    return pd.Series(out, index=series.index, name=series.name).dropna()


def yoy_percent_change(series: pd.Series) -> pd.Series:
    """Year-over-year % change: 100 * (x_t / x_{t - 1 year} - 1).

    Only dates whose exact year-earlier date has a value get a result (meant for monthly
    and quarterly series dated the first of the period). Empty in, empty out.
    """
    clean = _clean(series)
    if clean.empty:
        return clean
    return _change_from(clean, pd.DateOffset(years=1), percent=True)


def period_change(series: pd.Series, frequency: str) -> pd.Series:
    """Change from one period earlier, x_t - x_{t - 1 period}, in the series' units.

    The period follows `frequency` (a week, month, quarter, year; dates without a value one
    period earlier are dropped). Daily and unknown frequencies use the previous observation.
    Empty in, empty out.
    """
    clean = _clean(series)
    if clean.empty:
        return clean
    offset = _PERIOD.get(frequency)
    if offset is None:
        return clean.diff().dropna()
    return _change_from(clean, offset, percent=False)


def apply_transform(series: pd.Series, transform: str, frequency: str) -> pd.Series:
    """Apply a registry transform: "none" (values as published, missing dropped),
    "yoy_pct" (yoy_percent_change) or "diff" (period_change)."""
    if transform == "none":
        return _clean(series)
    if transform == "yoy_pct":
        return yoy_percent_change(series)
    if transform == "diff":
        return period_change(series, frequency)
    raise ValueError(f"unknown transform {transform!r}; expected one of {TRANSFORMS}")
