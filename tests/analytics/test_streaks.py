"""Streaks: planted runs with known answers, a naive second method, and real IWM/SPY data."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.answer import jsonable
from analytics.errors import BadInput, NoData
from analytics.streaks import (
    STREAK_HELP,
    Run,
    beat_streak,
    direction_streak,
    find_runs,
    headline,
    parse_streak_kind,
    record_streak,
)

NAN = np.nan


def days(n: int) -> pd.DatetimeIndex:
    return pd.bdate_range("2024-01-01", periods=n)


def series(values: list[float], name: str) -> pd.Series:
    return pd.Series(values, index=days(len(values)), name=name, dtype=float)


def day(i: int) -> dt.date:
    return days(i + 1)[i].date()


# --- a naive second method: plain Python loops over lists --------------------------------


def naive_runs(flags: list[bool]) -> list[tuple[int, int]]:
    runs, start = [], None
    for i, flag in enumerate(flags):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i - 1))
            start = None
    if start is not None:
        runs.append((start, len(flags) - 1))
    return runs


def naive_summary(flags: list[bool], dates: list) -> dict:
    """Current run length/start/end, last earlier run as long, longest (ties: latest)."""
    runs = naive_runs(flags)
    current = runs[-1] if runs and runs[-1][1] == len(flags) - 1 else None
    length = current[1] - current[0] + 1 if current else 0
    previous = None
    if current:
        for s, e in runs[:-1]:
            if e - s + 1 >= length:
                previous = Run(e - s + 1, dates[s], dates[e])
    record = None
    for s, e in runs:
        if record is None or e - s + 1 >= record.length:
            record = Run(e - s + 1, dates[s], dates[e])
    return {
        "length": length,
        "start": dates[current[0]] if current else None,
        "end": dates[current[1]] if current else None,
        "previous_as_long": previous,
        "record": record,
    }


def summary_of(result) -> dict:
    return {k: getattr(result, k) for k in ("length", "start", "end", "previous_as_long", "record")}


# --- the run finder ------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(12))
def test_find_runs_matches_a_loop(seed: int) -> None:
    rng = np.random.default_rng(seed)
    flags = rng.random(rng.integers(0, 400)) < rng.uniform(0.1, 0.9)
    starts, ends = find_runs(flags)
    assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == naive_runs(flags.tolist())


def test_find_runs_edges() -> None:
    assert [a.tolist() for a in find_runs(np.array([], dtype=bool))] == [[], []]
    assert [a.tolist() for a in find_runs(np.array([True] * 5))] == [[0], [4]]
    assert [a.tolist() for a in find_runs(np.array([False] * 5))] == [[], []]
    assert [a.tolist() for a in find_runs(np.array([True, False, True]))] == [[0, 2], [0, 2]]


# --- beat ------------------------------------------------------------------------------------


def test_beat_run_with_an_earlier_shorter_run() -> None:
    # b is flat; a rises on 1, 2, falls on 3, rises on 4..7.
    a = series([100, 101, 102, 101, 102, 103, 104, 105], "IWM")
    b = series([100] * 8, "SPY")
    result = beat_streak(a, b)
    assert (result.kind, result.leader, result.laggard, result.flipped) == (
        "beat",
        "IWM",
        "SPY",
        False,
    )
    assert (result.length, result.start, result.end) == (4, day(4), day(7))
    assert result.as_of == day(7)
    assert result.leader_return == pytest.approx(105 / 101 - 1)
    assert result.laggard_return == 0.0
    assert result.spread_pp == pytest.approx((105 / 101 - 1) * 100)
    assert result.previous_as_long is None  # the only earlier run had 2 sessions
    assert result.record == Run(4, day(4), day(7))
    assert result.mask.tolist() == [False, True, True, False, True, True, True, True]
    assert headline(result) == "IWM has beaten SPY 4 sessions in a row"


def test_beat_run_at_the_very_start_of_history() -> None:
    a = series([100, 101, 102, 101, 102], "IWM")
    b = series([100] * 5, "SPY")
    result = beat_streak(a, b, as_of=day(2))
    # The first session has no return, so the earliest possible run starts on session 1.
    assert (result.length, result.start, result.end, result.as_of) == (2, day(1), day(2), day(2))
    assert result.leader_return == pytest.approx(0.02)
    assert result.previous_as_long is None
    assert result.record == Run(2, day(1), day(2))


def test_ties_end_the_run_and_the_latest_longest_is_the_record() -> None:
    # a: +1%, +~1%, 0 (tie with flat b), +~1%, +~1%.
    a = series([100, 101, 102, 102, 103, 104], "IWM")
    b = series([100] * 6, "SPY")
    result = beat_streak(a, b)
    assert (result.length, result.start, result.end) == (2, day(4), day(5))
    assert result.previous_as_long == Run(2, day(1), day(2))
    assert result.record == Run(2, day(4), day(5))
    tied = beat_streak(a, b, as_of=day(3))
    assert (tied.length, tied.start, tied.end, tied.flipped) == (0, None, None, False)
    assert tied.record == Run(2, day(1), day(2))
    assert headline(tied) == f"IWM and SPY tied on {day(3)}"


def test_exact_ties_with_different_price_levels() -> None:
    # 110/100 and 55/50 are the same double: a tie, not a win for either.
    a = series([100, 110, 121], "A")
    b = series([50, 55, 60], "B")
    result = beat_streak(a, b, as_of=day(1))
    assert result.length == 0
    assert beat_streak(a, b).leader == "A"  # 121/110 = 10% beats 60/55 = 9.1%


def test_flipped_when_b_won_the_last_session() -> None:
    a = series([100, 101, 100, 99], "IWM")
    b = series([100, 100, 100, 100], "SPY")
    result = beat_streak(a, b)
    assert (result.leader, result.laggard, result.flipped) == ("SPY", "IWM", True)
    assert (result.length, result.start, result.end) == (2, day(2), day(3))
    assert result.leader_return == 0.0
    assert result.laggard_return == pytest.approx(99 / 101 - 1)
    assert result.spread_pp == pytest.approx(-(99 / 101 - 1) * 100)
    assert result.mask.tolist() == [False, False, True, True]
    assert headline(result) == "SPY has beaten IWM 2 sessions in a row"


def test_a_session_missing_in_one_series_is_skipped_not_a_break() -> None:
    a = series([100, 101, 102, 103, 104], "A")
    b = series([100, 100, NAN, 100, 100], "B")
    result = beat_streak(a, b)
    # Common sessions 0, 1, 3, 4: a wins on 1, 3 (103/101 vs 0) and 4.
    assert (result.length, result.start, result.end) == (3, day(1), day(4))
    assert result.leader_return == pytest.approx(104 / 100 - 1)
    assert list(result.mask.index) == [days(5)[i] for i in (0, 1, 3, 4)]


def test_beat_uses_names_given_or_series_names() -> None:
    a = pd.Series([1.0, 2.0], index=days(2))
    b = pd.Series([1.0, 1.0], index=days(2))
    assert beat_streak(a, b).leader == "A"
    assert beat_streak(a, b, name_a="RUT", name_b="SPX").laggard == "SPX"


def test_beat_needs_two_common_sessions() -> None:
    a = series([1.0, 2.0, NAN], "A")
    b = series([NAN, 1.0, 2.0], "B")
    with pytest.raises(NoData, match="A and B have 1 session\\(s\\) with prices for both"):
        beat_streak(a, b)
    with pytest.raises(NoData, match="No prices for B"):
        beat_streak(a, b.iloc[0:0])
    with pytest.raises(
        NoData, match="No prices for A on or before 2023-12-01: its data begins 2024-01-01"
    ):
        beat_streak(a, b, as_of=dt.date(2023, 12, 1))


# --- up / down -------------------------------------------------------------------------------


@pytest.fixture
def wiggle() -> pd.Series:
    """up up flat up up down down down."""
    return series([10, 11, 12, 12, 13, 14, 13, 12, 11], "SPY")


def test_down_run_is_reported_when_up_was_asked(wiggle: pd.Series) -> None:
    result = direction_streak(wiggle, "up")
    assert (result.kind, result.flipped, result.ticker) == ("down", True, "SPY")
    assert (result.length, result.start, result.end) == (3, day(6), day(8))
    assert result.run_return == pytest.approx(11 / 14 - 1)
    assert result.previous_as_long is None
    assert result.record == Run(3, day(6), day(8))
    assert headline(result) == "SPY has closed lower 3 sessions in a row"
    assert direction_streak(wiggle, "down").flipped is False


def test_up_run_with_flat_break(wiggle: pd.Series) -> None:
    result = direction_streak(wiggle, "up", as_of=day(5))
    assert (result.kind, result.length, result.start, result.end) == ("up", 2, day(4), day(5))
    assert result.run_return == pytest.approx(14 / 12 - 1)
    assert result.previous_as_long == Run(2, day(1), day(2))
    assert result.record == Run(2, day(4), day(5))


def test_unchanged_last_close_is_no_run(wiggle: pd.Series) -> None:
    result = direction_streak(wiggle, "down", as_of=day(3))
    assert (result.kind, result.length, result.flipped, result.run_return) == (
        "down",
        0,
        False,
        None,
    )
    assert result.record is None  # no down session before day 3
    assert headline(result) == f"SPY closed unchanged on {day(3)}"


def test_direction_needs_two_sessions() -> None:
    with pytest.raises(NoData, match="SPY has only 1 session"):
        direction_streak(series([5.0], "SPY"))
    with pytest.raises(BadInput, match="up or down"):
        direction_streak(series([5.0, 6.0], "SPY"), "sideways")


# --- records ---------------------------------------------------------------------------------


def test_record_high_runs() -> None:
    highs = series([10, 11, 12, 11, 13, 14, 15], "SPY")
    result = record_streak(highs, "record-high")
    # The first session has nothing to beat: records on 1, 2 then 4, 5, 6.
    assert result.mask.tolist() == [False, True, True, False, True, True, True]
    assert (result.length, result.start, result.end) == (3, day(4), day(6))
    assert result.previous_as_long is None
    assert result.record == Run(3, day(4), day(6))
    assert result.last_record == day(6)
    assert headline(result) == "SPY has set a record high 3 sessions in a row"


def test_no_record_on_the_last_session_names_the_last_one() -> None:
    highs = series([10, 11, 12, 11, 13, 14, 15], "SPY")
    result = record_streak(highs, "record-high", as_of=day(3))
    assert (result.length, result.start, result.last_record) == (0, None, day(2))
    assert result.record == Run(2, day(1), day(2))
    assert headline(result) == f"No record high for SPY on {day(3)} (last on {day(2)})"


def test_equal_to_the_record_is_not_a_record_and_the_first_session_never_is() -> None:
    closes = series([12, 12, 11, 12.5], "SPY")
    result = record_streak(closes, "record-close")
    assert result.mask.tolist() == [False, False, False, True]
    falling = record_streak(series([10, 9, 8], "SPY"), "record-close")
    assert (falling.length, falling.last_record, falling.record) == (0, None, None)
    assert headline(falling) == f"No record close for SPY on {day(2)} (none in the data)"


def test_previous_record_run_as_long() -> None:
    values = series([1, 2, 3, 2, 2, 4, 5, 1, 6, 7], "X")
    result = record_streak(values, "record-close")
    # Runs: 1-2, 5-6, 8-9 (length 2 each): the previous as long is the latest earlier one.
    assert result.previous_as_long == Run(2, day(5), day(6))
    assert result.record == Run(2, day(8), day(9))


def test_record_kind_is_checked() -> None:
    with pytest.raises(BadInput, match="record-high or record-close"):
        record_streak(series([1.0, 2.0], "X"), "record-low")


# --- the same answers by a second method on random series ------------------------------------


@pytest.mark.parametrize("seed", range(10))
def test_random_series_match_a_naive_loop(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(30, 300))
    # Integer steps in {-1, 0, 1} make ties and flat sessions common.
    a_vals = (1000 + np.cumsum(rng.integers(-1, 2, n))).astype(float)
    b_vals = (1000 + np.cumsum(rng.integers(-1, 2, n))).astype(float)
    b_vals[rng.random(n) < 0.1] = NAN
    dates = list(days(n))
    a, b = pd.Series(a_vals, index=days(n), name="A"), pd.Series(b_vals, index=days(n), name="B")

    # up / down
    for kind in ("up", "down"):
        result = direction_streak(a, kind)
        step = [False] + [
            (a_vals[i] > a_vals[i - 1]) if result.kind == "up" else (a_vals[i] < a_vals[i - 1])
            for i in range(1, n)
        ]
        expected = naive_summary(step, [d.date() for d in dates])
        assert summary_of(result) == expected

    # record-close
    result = record_streak(a, "record-close")
    flags = [False] + [a_vals[i] > max(a_vals[:i]) for i in range(1, n)]
    assert summary_of(result) == naive_summary(flags, [d.date() for d in dates])

    # beat, skipping sessions where b is missing
    common = [i for i in range(n) if not np.isnan(b_vals[i])]
    wins_a, wins_b = [False], [False]
    for prev, cur in zip(common, common[1:], strict=False):
        ra = a_vals[cur] / a_vals[prev] - 1
        rb = b_vals[cur] / b_vals[prev] - 1
        wins_a.append(ra > rb)
        wins_b.append(rb > ra)
    result = beat_streak(a, b)
    wins = wins_b if result.flipped else wins_a
    assert result.flipped == wins_b[-1]
    assert summary_of(result) == naive_summary(wins, [dates[i].date() for i in common])


# --- parsing and JSON ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("beat", "beat"),
        ("UP", "up"),
        (" Down ", "down"),
        ("Record High", "record-high"),
        ("record_close", "record-close"),
        ("record-high", "record-high"),
    ],
)
def test_parse_streak_kind(text: str, kind: str) -> None:
    assert parse_streak_kind(text) == kind


def test_bad_kind_lists_the_kinds() -> None:
    with pytest.raises(BadInput) as info:
        parse_streak_kind("sideways")
    assert info.value.message == "'sideways' is not a streak kind. " + STREAK_HELP


def test_to_dict_is_json_ready() -> None:
    a = series([100, 101, 102, 101, 102, 103], "IWM")
    b = series([100] * 6, "SPY")
    data = json.loads(json.dumps(jsonable(beat_streak(a, b).to_dict())))
    assert data["length"] == 2
    assert data["start"] == day(4).isoformat()
    assert data["previous_as_long"] == {
        "length": 2,
        "start": day(1).isoformat(),
        "end": day(2).isoformat(),
    }
    assert "mask" not in data


# --- real data: IWM vs SPY, checked with the csv module and plain loops ----------------------


def _csv_rows(path: Path) -> list[tuple[str, float]]:
    with path.open(newline="") as handle:
        return [(row["Date"], float(row["Adj Close"])) for row in csv.DictReader(handle)]


@pytest.fixture(scope="module")
def xjcarter(shared_data: Path) -> Path:
    return shared_data / "prices" / "xjcarter_yahoo_2000-2022"


def _read(folder: Path, ticker: str) -> pd.Series:
    frame = pd.read_csv(folder / f"{ticker}.csv", index_col="Date", parse_dates=True)
    return frame["Adj Close"].rename(ticker)


def _loop_beat(rows_a, rows_b, as_of: str) -> dict:
    """Who led on the last common session and for how many sessions, by walking back."""
    b_by_date = dict(rows_b)
    common = [(d, close, b_by_date[d]) for d, close in rows_a if d in b_by_date and d <= as_of]
    outcome = []  # +1 a won, -1 b won, 0 tie, per common session after the first
    for (_, a0, b0), (d, a1, b1) in zip(common, common[1:], strict=False):
        ra, rb = a1 / a0 - 1, b1 / b0 - 1
        outcome.append((d, 1 if ra > rb else (-1 if rb > ra else 0)))
    side = outcome[-1][1]
    length = 0
    for _, won in reversed(outcome):
        if won != side or side == 0:
            break
        length += 1
    start = outcome[len(outcome) - length][0]
    # Earlier runs of the same side, longest-ever and last-as-long, by a forward scan.
    runs, run_start, run_len = [], None, 0
    for d, won in outcome:
        if won == side:
            run_start = d if run_len == 0 else run_start
            run_len += 1
            run_end = d
        else:
            if run_len:
                runs.append((run_len, run_start, run_end))
            run_len = 0
    earlier = [r for r in runs if r[0] >= length]
    dates = [d for d, _, _ in common]
    base = dates[dates.index(start) - 1]
    a_ret = dict((d, a) for d, a, _ in common)
    b_ret = dict((d, b) for d, _, b in common)
    lead_a = side == 1
    end = outcome[-1][0]
    return {
        "leader_is_a": lead_a,
        "length": length,
        "start": start,
        "previous": earlier[-1] if earlier else None,
        "longest": max(runs + [(length, start, end)], key=lambda r: r[0]),
        "a_return": a_ret[end] / a_ret[base] - 1,
        "b_return": b_ret[end] / b_ret[base] - 1,
    }


@pytest.mark.parametrize("as_of", ["2008-06-06", "2016-11-25", "2020-12-31", "2022-11-18"])
def test_real_beat_streak_matches_a_loop_over_the_csv(xjcarter: Path, as_of: str) -> None:
    rows_a, rows_b = _csv_rows(xjcarter / "IWM.csv"), _csv_rows(xjcarter / "SPY.csv")
    expected = _loop_beat(rows_a, rows_b, as_of)
    result = beat_streak(
        _read(xjcarter, "IWM"), _read(xjcarter, "SPY"), dt.date.fromisoformat(as_of)
    )
    assert result.leader == ("IWM" if expected["leader_is_a"] else "SPY")
    assert result.length == expected["length"]
    assert result.start.isoformat() == expected["start"]
    lead_ret, lag_ret = (
        (expected["a_return"], expected["b_return"])
        if expected["leader_is_a"]
        else (expected["b_return"], expected["a_return"])
    )
    assert result.leader_return == pytest.approx(lead_ret, rel=1e-12)
    assert result.laggard_return == pytest.approx(lag_ret, rel=1e-12)
    previous = expected["previous"]
    if previous is None:
        assert result.previous_as_long is None
    else:
        assert (result.previous_as_long.length, result.previous_as_long.end.isoformat()) == (
            previous[0],
            previous[2],
        )
    assert result.record.length == expected["longest"][0]


def test_real_longest_iwm_run_in_2008(xjcarter: Path) -> None:
    # Checked by reading the csv rows: IWM's daily return beat SPY's on each of the 13
    # sessions from 2008-05-20 to 2008-06-06, the longest run in 2000-2008.
    result = beat_streak(_read(xjcarter, "IWM"), _read(xjcarter, "SPY"), dt.date(2008, 6, 6))
    assert (result.leader, result.length, result.start) == ("IWM", 13, dt.date(2008, 5, 20))
    assert result.previous_as_long is None


def test_real_up_streak_matches_a_loop_over_the_csv(xjcarter: Path) -> None:
    rows = [r for r in _csv_rows(xjcarter / "SPY.csv") if r[0] <= "2010-03-17"]
    length = 0
    for (_, prev), (_, cur) in zip(reversed(rows[:-1]), reversed(rows), strict=False):
        if not cur > prev:
            break
        length += 1
    result = direction_streak(_read(xjcarter, "SPY"), "up", dt.date(2010, 3, 17))
    assert (result.kind, result.length) == ("up", length)
    # SPY closed higher on each of the 14 sessions from 2010-02-26 to 2010-03-17 (csv rows).
    assert (result.length, result.start) == (14, dt.date(2010, 2, 26))
    base = rows[-length - 1][1]
    assert result.run_return == pytest.approx(rows[-1][1] / base - 1, rel=1e-12)
