"""Levels: parsing what users type, first reaches and breakouts planted in generated bars, and
^RUT's real history against an independent pandas / plain-loop computation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics import calendar
from analytics.commands.records._parse import MAX_LEVELS, parse_levels
from analytics.errors import BadInput, NoData
from analytics.levels import multi_year_range, price_levels, range_breakouts


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2450 2642 3000", (2450.0, 2642.0, 3000.0)),
        ("2,642, 2,861 and", None),
        ("2,642 2,861 3,000", (2642.0, 2861.0, 3000.0)),
        ("2450,2300", (2450.0, 2300.0)),
        ("2450, 2300,", (2450.0, 2300.0)),
        ("$2,642.50 $3000", (2642.5, 3000.0)),
        ("12.5 12.5 13", (12.5, 13.0)),
        ("", ()),
        (None, ()),
        ("1,234,567", (1234567.0,)),
    ],
)
def test_parse_levels(raw, expected):
    if expected is None:
        with pytest.raises(BadInput, match="'and' is not a price level; give numbers separated"):
            parse_levels(raw)
    else:
        assert parse_levels(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", "'abc' is not a price level; give numbers separated by spaces or commas"),
        ("0", "Level '0' is not a positive price"),
        ("2450 nan", "Level 'nan' is not a positive price"),
        ("2450 inf", "Level 'inf' is not a positive price"),
        (" ".join(str(100 + i) for i in range(MAX_LEVELS + 1)), "Give at most 10 levels (got 11)"),
    ],
)
def test_bad_levels_say_what_to_type(raw, message):
    with pytest.raises(BadInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_levels(raw)


def bars_from_closes(closes: np.ndarray, sessions: pd.DatetimeIndex, spread: float = 1.0):
    return pd.DataFrame(
        {"high": closes + spread, "low": closes - spread, "close": closes}, index=sessions
    )


SESSIONS = calendar.sessions_between(dt.date(2024, 1, 2), dt.date(2024, 12, 31))


def test_first_reached_by_the_high_above_and_by_the_low_below():
    # A V: down 1 a session for 100 sessions from 300, then up 1 a session.
    n = len(SESSIONS)
    closes = np.array([300.0 - i if i <= 100 else 200.0 + (i - 100) for i in range(n)])
    bars = bars_from_closes(closes, SESSIONS)
    since = SESSIONS[10].date()  # close 290
    result = price_levels(bars, [250.0, 295.0, 290.0, 330.0, 150.0], since)
    by_level = {s.level: s for s in result.levels}
    last = n - 1
    close = closes[-1]
    assert (result.since, result.as_of, result.close) == (since, SESSIONS[-1].date(), close)
    # 250 is below 290: reached by the low (close - 1) first on close 251 -> i = 49
    assert by_level[250.0].first_reached == SESSIONS[49].date()
    assert by_level[250.0].sessions_since == last - 49
    # 295 is above 290: the high (close + 1) first reaches it on the way back up: close 294 on
    # i = 100 + 94
    assert by_level[295.0].first_reached == SESSIONS[194].date()
    # a level equal to the since close is reached on the since session
    assert by_level[290.0].first_reached == since and by_level[290.0].sessions_since == last - 10
    # 330 is reached by the high near the year's end (close 329 at i = 229); 150 never (the
    # low is 199 at the bottom)
    assert n > 229 and by_level[330.0].first_reached == SESSIONS[229].date()
    assert by_level[150.0].first_reached is None and by_level[150.0].sessions_since is None
    for s in result.levels:
        assert s.distance == pytest.approx(s.level / close - 1)
        assert s.side == ("above" if s.level > close else "below")


def test_close_only_bars_are_reached_by_closes():
    n = 30
    closes = np.arange(100.0, 100.0 + n)
    bars = pd.DataFrame({"high": np.nan, "low": np.nan, "close": closes}, index=SESSIONS[:n])
    result = price_levels(bars, [110.5], SESSIONS[0].date())
    assert result.basis == "close"
    # the first close at or above 110.5 is 111 (i = 11); a high would not have been there
    assert result.levels[0].first_reached == SESSIONS[11].date()


def test_since_after_the_data_is_no_data():
    bars = bars_from_closes(np.arange(10.0, 20.0), SESSIONS[:10])
    with pytest.raises(NoData, match="No sessions between"):
        price_levels(bars, [12.0], SESSIONS[20].date())


LONG = calendar.sessions_between(dt.date(2015, 1, 2), dt.date(2022, 12, 30))


def _plant_breakouts() -> tuple[pd.DataFrame, dict[str, pd.Timestamp]]:
    """Closes oscillate in 100-120 (highs +1) from 2015; a spike high of 130 on 2017-06-01; the
    first close above 131 on 2020-03-02 (a breakout: above every high of the 3 years before,
    none in the year before); then a dip and a second close above its prior high 2020-09-01,
    within a year of the first (not a breakout)."""
    t = np.arange(len(LONG))
    closes = 110 + 10 * np.sin(t / 15.0)
    frame = bars_from_closes(closes, LONG)
    frame.loc[pd.Timestamp("2017-06-01"), "high"] = 130.0
    first = pd.Timestamp("2020-03-02")
    second = pd.Timestamp("2020-09-01")
    for since, close in ((first, 132.0), (pd.Timestamp("2020-03-03"), 125.0), (second, 140.0)):
        frame.loc[since:, "close"] = close
        frame.loc[since:, "high"] = close + 0.5
        frame.loc[since:, "low"] = close - 0.5
    return frame, {"first": first, "second": second}


def _loop_breakouts(frame: pd.DataFrame, years: int) -> list[pd.Timestamp]:
    """The breakout rule by a plain loop over sessions with date arithmetic."""
    dates = list(frame.index)
    above = []
    for t in dates:
        start = t - pd.DateOffset(years=years)
        if dates[0] > start:
            above.append(False)
            continue
        prior = frame.loc[(frame.index > start) & (frame.index < t), "high"]
        above.append(bool(frame.at[t, "close"] > prior.max()))
    out = []
    for i, t in enumerate(dates):
        if not above[i] or dates[0] > t - pd.DateOffset(years=years + 1):
            continue
        year_ago = t - pd.DateOffset(years=1)
        if not any(above[j] for j in range(i) if dates[j] > year_ago):
            out.append(t)
    return out


def test_planted_breakout_and_a_second_push_within_the_year():
    frame, planted = _plant_breakouts()
    found = range_breakouts(frame, 3)
    assert list(found) == [planted["first"]]
    assert list(found) == _loop_breakouts(frame, 3)

    rng = multi_year_range(frame, 3, dt.date(2021, 6, 30))
    assert rng.breakout == planted["first"].date()
    assert rng.breakout_close == 132.0
    # The range is the 3 years before the breakout: its high is the 2017 spike.
    assert (rng.high, rng.high_date) == (130.0, dt.date(2017, 6, 1))
    before = frame.loc[
        (frame.index > planted["first"] - pd.DateOffset(years=3)) & (frame.index < planted["first"])
    ]
    assert rng.low == before["low"].min()
    assert (rng.start, rng.end) == (before.index[0].date(), before.index[-1].date())
    assert rng.position == "above" and rng.complete


def test_without_a_breakout_the_range_is_the_last_n_years():
    frame, _ = _plant_breakouts()
    as_of = dt.date(2019, 12, 31)
    rng = multi_year_range(frame, 2, as_of)
    window = frame.loc[
        (frame.index > pd.Timestamp(as_of) - pd.DateOffset(years=2))
        & (frame.index <= pd.Timestamp(as_of))
    ]
    assert rng.breakout is None
    assert (rng.high, rng.low) == (window["high"].max(), window["low"].min())
    assert rng.end == as_of and rng.position == "inside"


def test_a_breakout_older_than_the_range_years_is_not_reported():
    frame, planted = _plant_breakouts()
    rng = multi_year_range(frame, 2, dt.date(2022, 12, 30))
    # The 2020-03-02 breakout is more than 2 years before 2022-12-30.
    assert planted["first"] < pd.Timestamp("2022-12-30") - pd.DateOffset(years=2)
    assert rng.breakout is None


def test_a_short_history_has_no_breakout_and_says_so():
    bars = bars_from_closes(np.arange(100.0, 100.0 + len(SESSIONS)), SESSIONS)
    rng = multi_year_range(bars, 3)
    assert not rng.complete and rng.breakout is None
    assert (rng.start, rng.end) == (SESSIONS[0].date(), SESSIONS[-1].date())
    assert len(range_breakouts(bars, 3)) == 0


# --- ^RUT ------------------------------------------------------------------------------------

RUT_FILE = "prices/alitalbi_yfinance_to-2026-02/RUT.csv"


@pytest.fixture(scope="module")
def rut_raw(shared_data) -> pd.DataFrame:
    frame = pd.read_csv(shared_data / RUT_FILE, parse_dates=["Date"]).set_index("Date")
    return frame.sort_index().rename(columns=str.lower)


@pytest.fixture(scope="module")
def rut_bars(shared_data):
    from analytics.data.importers import read_price_file

    return read_price_file(shared_data / RUT_FILE)["^RUT"]


def test_rut_levels_of_january_2026_match_pandas(rut_bars, rut_raw):
    as_of, since = dt.date(2026, 1, 16), dt.date(2025, 1, 16)
    levels = [2642.0, 2861.0, 3000.0, 2450.0, 2300.0]
    result = price_levels(rut_bars, levels, since, as_of)
    view = rut_raw.loc[pd.Timestamp(since) : pd.Timestamp(as_of)]
    ref = view["close"].iloc[0]
    close = view["close"].iloc[-1]
    assert result.close == close and result.since == view.index[0].date()
    for status, level in zip(result.levels, levels, strict=True):
        hits = (
            view.index[view["high"] >= level] if level > ref else view.index[view["low"] <= level]
        )
        first = hits[0] if len(hits) else None
        assert status.first_reached == (first.date() if first is not None else None)
        if first is not None:
            assert status.sessions_since == len(view.loc[first:]) - 1
        assert status.distance == pytest.approx(level / close - 1)
    assert [s.side for s in result.levels] == ["below", "above", "above", "below", "below"]


@pytest.mark.parametrize("years", [3, 4])
def test_rut_breakouts_match_a_plain_loop(rut_bars, rut_raw, years):
    as_of = pd.Timestamp("2026-01-16")
    # The loop is slow: run it on the history from 2016 (breakouts need N + 1 years before).
    frame = rut_raw.loc["2016-01-01":as_of, ["high", "low", "close"]]
    expected = _loop_breakouts(frame, years)
    found = range_breakouts(rut_bars.loc["2016-01-01":], years, as_of.date())
    assert list(found) == expected
    rng = multi_year_range(rut_bars, years, as_of.date())
    last = expected[-1]
    assert rng.breakout == last.date()
    before = rut_raw.loc[
        (rut_raw.index > last - pd.DateOffset(years=years)) & (rut_raw.index < last)
    ]
    assert (rng.high, rng.low) == (before["high"].max(), before["low"].min())
    assert rng.high_date == before["high"].idxmax().date()


def test_rut_broke_out_of_its_four_year_range_in_september_2025(rut_bars):
    rng = multi_year_range(rut_bars, 4, dt.date(2026, 1, 16))
    # The first close above the November 2024 intraday high (itself above the 2021 record).
    assert (rng.breakout, rng.high_date) == (dt.date(2025, 9, 18), dt.date(2024, 11, 25))
    assert rng.position == "above"
