"""Records: planted series whose records are known by construction, a plain-loop recount on a
random walk, and ^RUT's real history against an independent pandas computation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics import calendar
from analytics.errors import NoData
from analytics.records import RECENT_SESSIONS, Gap, Mark, record_history
from analytics.streaks import Run

SESSIONS = calendar.sessions_between(dt.date(2025, 12, 22), dt.date(2026, 1, 9))


def series(values: list[float], sessions: pd.DatetimeIndex = SESSIONS) -> pd.Series:
    return pd.Series(values, index=sessions[: len(values)], dtype=float)


def day(i: int) -> dt.date:
    return SESSIONS[i].date()


def test_planted_records_ties_and_the_run_in_progress():
    # positions:     0   1   2   3   4   5  6   7   8   9
    values = series([10, 9, 11, 11, 12, 8, 8, 13, 14, 15])
    hist = record_history(values, "close")
    # Records: 11 (2), 12 (4), 13, 14, 15 (7-9); the tie at 3 is not one, nor the first session.
    assert list(hist.record_dates.date) == [day(2), day(4), day(7), day(8), day(9)]
    assert hist.record == Mark(15.0, day(9))
    assert hist.current_run == Run(3, day(7), day(9))
    assert hist.previous_record == Mark(12.0, day(4))  # what stood before the run began
    assert hist.longest_gap == Gap(3, day(4), day(7))
    assert hist.longest_run == Run(3, day(7), day(9))
    assert (hist.sessions_since, hist.record_count, hist.distance) == (0, 5, 0.0)
    # SESSIONS starts 2025-12-22: positions 0-7 are in 2025 (Dec 25 and Jan 1 are holidays)
    assert [d.year for d in SESSIONS[:10]] == [2025] * 7 + [2026] * 3
    assert hist.records_this_year == 3  # positions 7, 8, 9
    assert hist.records_recent == 5  # all ten sessions are among the last 20


def test_no_run_under_way_reports_the_last_record_and_what_it_beat():
    values = series([10, 12, 11, 13, 14, 13.5, 12])
    hist = record_history(values, "close")
    assert hist.current_run is None
    assert hist.record == Mark(14.0, day(4))
    assert hist.sessions_since == 2
    assert hist.distance == pytest.approx(12 / 14 - 1)
    # The latest run of records is 13, 14 (positions 3-4); before it stood 12 (position 1).
    assert hist.previous_record == Mark(12.0, day(1))
    assert hist.longest_gap == Gap(2, day(1), day(3))


def test_highs_measure_the_distance_from_the_close_given():
    highs = series([10, 11, 12, 11.5])
    hist = record_history(highs, "high", close=11.0)
    assert hist.basis == "high"
    assert hist.record == Mark(12.0, day(2))
    assert hist.close == 11.0
    assert hist.distance == pytest.approx(11 / 12 - 1)


def test_a_falling_series_never_sets_a_record():
    hist = record_history(series([20, 19, 18, 18]), "close")
    assert hist.record == Mark(20.0, day(0))  # the first session holds the high: not a record
    assert (hist.record_count, hist.current_run, hist.previous_record, hist.longest_gap) == (
        0,
        None,
        None,
        None,
    )
    assert hist.sessions_since == 3


def test_nan_is_skipped_and_as_of_cuts_the_history():
    values = series([10, np.nan, 12, 13, 11, 14])
    hist = record_history(values, "close", as_of=day(4))
    assert hist.as_of == day(4)
    assert hist.sessions == 4  # the NaN session is not a session of this series
    assert list(hist.record_dates.date) == [day(2), day(3)]
    assert hist.current_run is None and hist.sessions_since == 1


@pytest.mark.parametrize("values", [[], [5.0], [np.nan, np.nan]])
def test_fewer_than_two_sessions_is_no_data(values):
    with pytest.raises(NoData):
        record_history(series(values), "close")


def _loop_records(values: list[float]) -> dict:
    """An independent, plain-Python recount of everything record_history reports."""
    best = values[0]
    records = []
    for i, v in enumerate(values[1:], start=1):
        if v > best:
            records.append(i)
        best = max(best, v)
    run = 0
    i = len(values) - 1
    while i in records:
        run += 1
        i -= 1
    # the latest run of records: walk back from the last record
    latest_start = None
    if records:
        latest_start = records[-1]
        while latest_start - 1 in records:
            latest_start -= 1
    prev = None
    if latest_start is not None:
        before = values[:latest_start]
        prev = (max(before), before.index(max(before)))
    gaps = [(b - a, a, b) for a, b in zip(records, records[1:], strict=False)]
    longest = None
    for g in gaps:
        if longest is None or g[0] >= longest[0]:
            longest = g
    top = values.index(max(values))
    return {
        "records": records,
        "run": run,
        "prev": prev,
        "gap": longest,
        "since": len(values) - 1 - top,
        "recent": sum(1 for r in records if r >= len(values) - RECENT_SESSIONS),
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_random_walk_matches_a_plain_loop(seed):
    rng = np.random.default_rng(seed)
    sessions = calendar.sessions_between(dt.date(2020, 1, 2), dt.date(2024, 12, 31))
    values = list(np.round(100 * np.cumprod(1 + rng.normal(0.0005, 0.01, len(sessions))), 2))
    hist = record_history(pd.Series(values, index=sessions), "close")
    expected = _loop_records(values)
    positions = [int(sessions.get_loc(d)) for d in hist.record_dates]
    assert positions == expected["records"]
    assert (hist.current_run.length if hist.current_run else 0) == expected["run"]
    assert hist.sessions_since == expected["since"]
    assert hist.records_recent == expected["recent"]
    if expected["prev"] is not None:
        value, at = expected["prev"]
        assert hist.previous_record == Mark(value, sessions[at].date())
    if expected["gap"] is not None:
        n, a, b = expected["gap"]
        assert hist.longest_gap == Gap(n, sessions[a].date(), sessions[b].date())
    this_year = [r for r in expected["records"] if sessions[r].year == sessions[-1].year]
    assert hist.records_this_year == len(this_year)


# --- ^RUT's real history ---------------------------------------------------------------------

RUT_FILE = "prices/alitalbi_yfinance_to-2026-02/RUT.csv"


@pytest.fixture(scope="module")
def rut_raw(shared_data) -> pd.DataFrame:
    """The file read with plain pandas (the independent side of every comparison)."""
    frame = pd.read_csv(shared_data / RUT_FILE, parse_dates=["Date"]).set_index("Date")
    return frame.sort_index()


@pytest.fixture(scope="module")
def rut_bars(shared_data):
    from analytics.data.importers import read_price_file

    return read_price_file(shared_data / RUT_FILE)["^RUT"]


def _pandas_records(column: pd.Series) -> pd.DatetimeIndex:
    earlier_max = column.cummax().shift(1)
    return column.index[column > earlier_max]


@pytest.mark.parametrize(
    "as_of", ["2021-11-08", "2022-06-30", "2024-11-22", "2024-11-25", "2025-09-18", "2026-01-16"]
)
def test_rut_records_match_pandas(rut_bars, rut_raw, as_of):
    cut = rut_raw.loc[:as_of]
    closes = rut_bars["close"]
    high = record_history(
        rut_bars["high"], "high", dt.date.fromisoformat(as_of), close=cut["Close"].iloc[-1]
    )
    close = record_history(closes, "close", dt.date.fromisoformat(as_of))
    for hist, column in ((high, cut["High"]), (close, cut["Close"])):
        expected = _pandas_records(column)
        assert list(hist.record_dates) == list(expected)
        top = column.idxmax()
        assert hist.record == Mark(float(column.max()), top.date())
        assert hist.sessions_since == len(column.loc[top:]) - 1
        assert hist.distance == pytest.approx(cut["Close"].iloc[-1] / column.max() - 1)
        year = pd.Timestamp(as_of).year
        assert hist.records_this_year == int((expected.year == year).sum())
        assert hist.records_recent == int(expected.isin(column.index[-RECENT_SESSIONS:]).sum())


def test_rut_november_2021_record_and_when_it_was_surpassed(rut_bars, rut_raw):
    nov_2021 = rut_raw.loc["2021-11-01":"2021-11-30"]
    # The intraday record of 2021-11-08 stood until the first later high above it; the closing
    # record until the first later close above it (found here by plain pandas).
    after = rut_raw.loc["2021-11-09":]
    high_beaten = after.index[after["High"] > nov_2021["High"].max()][0]
    close_beaten = after.index[after["Close"] > nov_2021["Close"].max()][0]
    assert nov_2021["High"].idxmax().date() == dt.date(2021, 11, 8)
    assert (high_beaten.date(), close_beaten.date()) == (
        dt.date(2024, 11, 25),
        dt.date(2025, 9, 18),
    )

    the_day_before = rut_raw.index[rut_raw.index < high_beaten][-1].date()
    before = record_history(rut_bars["high"], "high", the_day_before)
    assert before.record == Mark(float(nov_2021["High"].max()), dt.date(2021, 11, 8))
    assert (
        before.sessions_since == len(rut_raw.loc["2021-11-08" : pd.Timestamp(the_day_before)]) - 1
    )

    on = record_history(rut_bars["high"], "high", high_beaten.date())
    assert on.current_run == Run(1, high_beaten.date(), high_beaten.date())
    assert on.previous_record == Mark(float(nov_2021["High"].max()), dt.date(2021, 11, 8))
    # The longest gap by pandas: positions of the record sessions, their largest difference.
    highs = rut_raw.loc[:high_beaten, "High"]
    positions = np.flatnonzero(highs.index.isin(_pandas_records(highs)))
    widest = int(np.diff(positions).max())
    assert on.longest_gap.sessions == widest
    assert widest > len(rut_raw.loc["2021-11-08":high_beaten]) - 1  # 2000-2004 waited longer
    at = int(np.argmax(np.diff(positions)))
    start, end = highs.index[positions[at]].date(), highs.index[positions[at + 1]].date()
    assert on.longest_gap == Gap(widest, start, end)
    assert (start, end) == (dt.date(2000, 3, 10), dt.date(2004, 11, 11))  # the dot-com wait

    closes = record_history(rut_bars["close"], "close", close_beaten.date())
    assert closes.previous_record == Mark(float(nov_2021["Close"].max()), dt.date(2021, 11, 8))
    assert closes.current_run.start == close_beaten.date()


def test_rut_in_january_2026_the_previous_record_is_the_high_of_2025_12_12(rut_bars, rut_raw):
    hist = record_history(rut_bars["high"], "high", dt.date(2026, 1, 16))
    highs = rut_raw.loc[:"2026-01-16", "High"]
    records = _pandas_records(highs)
    # The run: the record sessions at the end that are consecutive sessions.
    run = [d for d in records if d >= pd.Timestamp("2026-01-08")]
    assert run == list(highs.index[-len(run) :])
    assert hist.current_run == Run(len(run), run[0].date(), run[-1].date())
    before = highs.loc[: run[0] - pd.Timedelta(days=1)]
    assert hist.previous_record == Mark(float(before.max()), before.idxmax().date())
    assert hist.previous_record.date == dt.date(2025, 12, 12)
