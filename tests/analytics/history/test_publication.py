"""Publication dates of macro readings and the readings known on each session."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics.history.publication import (
    GENERIC,
    LAGS,
    lag_for,
    lagged_dates,
    publication_dates,
    readings_on_sessions,
)


def dates(*texts: str) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(list(texts))


@pytest.mark.parametrize(
    ("series", "observed", "published"),
    [
        # January 2024 employment: first Friday of February 2024
        ("UNRATE", "2024-01-01", "2024-02-02"),
        ("PAYEMS", "2024-02-01", "2024-03-01"),  # March 1 2024 is a Friday
        ("UNRATE", "2024-08-01", "2024-09-06"),
        ("CPIAUCSL", "2024-01-01", "2024-02-15"),
        ("FEDFUNDS", "2024-01-01", "2024-02-01"),
        ("ICSA", "2024-01-06", "2024-01-11"),  # week ending Saturday, reported Thursday
        ("A191RL1Q225SBEA", "2024-01-01", "2024-04-30"),  # Q1 ends 03-31, + 30 days
        ("A191RL1Q225SBEA", "2024-10-01", "2025-01-30"),
        ("DGS10", "2024-03-15", "2024-03-15"),
    ],
)
def test_the_lag_table(series, observed, published):
    lag = lag_for(series, "unused")
    assert lagged_dates(dates(observed), lag)[0] == pd.Timestamp(published)


def test_generic_lags_by_frequency_and_monthly_when_unknown():
    assert lag_for("XYZ", "monthly") is GENERIC["monthly"] is lag_for("XYZ", "unknown")
    assert lagged_dates(dates("2024-01-01"), GENERIC["monthly"])[0] == pd.Timestamp("2024-02-29")
    assert lagged_dates(dates("2024-01-01"), GENERIC["quarterly"])[0] == pd.Timestamp("2024-05-31")
    assert lag_for("UNRATE", "daily") is LAGS["UNRATE"]


def test_release_dates_win_where_known():
    observed = dates("2024-01-01", "2024-04-01")
    known = pd.Series(pd.DatetimeIndex(["2024-04-25"]), index=dates("2024-01-01"))
    publication = publication_dates("A191RL1Q225SBEA", "quarterly", observed, known)
    assert list(publication.dates) == [pd.Timestamp("2024-04-25"), pd.Timestamp("2024-07-30")]
    assert publication.known == 1
    assert "release table, 1 quarters" in publication.rule_text("A191RL1Q225SBEA")
    plain = publication_dates("A191RL1Q225SBEA", "quarterly", observed)
    assert plain.known == 0 and "30 days after the quarter ends" in plain.rule_text("X")


def test_a_reading_counts_from_the_first_session_strictly_after_publication():
    values = pd.Series([4.0, 5.0], index=dates("2024-01-01", "2024-02-01"))
    published = dates("2024-02-02", "2024-03-01")  # both Fridays
    sessions = pd.bdate_range("2024-02-01", "2024-03-05")
    known = readings_on_sessions(values, published, sessions)
    by_day = {d.date(): v for d, v in known["value"].items()}
    assert np.isnan(by_day[dt.date(2024, 2, 1)]) and np.isnan(by_day[dt.date(2024, 2, 2)])
    assert by_day[dt.date(2024, 2, 5)] == 4.0  # the Monday after the release
    assert by_day[dt.date(2024, 3, 1)] == 4.0  # release day itself: not yet
    assert by_day[dt.date(2024, 3, 4)] == 5.0
    assert known["observed"][pd.Timestamp("2024-03-04")] == pd.Timestamp("2024-02-01")
    assert known["observed"].isna().sum() == 2


def test_out_of_order_publication_keeps_the_newest_observation():
    values = pd.Series([1.0, 2.0, 3.0], index=dates("2024-01-01", "2024-02-01", "2024-03-01"))
    # January published late, after February's reading
    published = dates("2024-03-10", "2024-03-05", "2024-04-05")
    sessions = pd.DatetimeIndex(["2024-03-06", "2024-03-11", "2024-04-08"])
    known = readings_on_sessions(values, published, sessions)
    assert known["value"].tolist() == [2.0, 2.0, 3.0]


def test_no_readings_gives_nothing_known():
    empty = pd.Series([], dtype=float, index=pd.DatetimeIndex([]))
    known = readings_on_sessions(
        empty, pd.DatetimeIndex([]), pd.bdate_range("2024-01-01", periods=3)
    )
    assert known["value"].isna().all() and known["observed"].isna().all()
