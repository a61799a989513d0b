"""Macro "history as context": episodes, readings, labels, transforms, the registry.

The chart's tests are in tests/analytics/charts/test_macro_chart.py."""

from __future__ import annotations

import csv
import datetime as dt
import statistics
from pathlib import Path

import pandas as pd
import pytest

from analytics.errors import BadInput, NoData
from analytics.macro.context import (
    Observation,
    context_sentence,
    exclusion_note,
    format_value,
    history_context,
    infer_frequency,
    latest_reading,
    period_label,
)
from analytics.macro.series import FASTEST, PANDEMIC_SWINGS, lookup, search
from analytics.macro.transforms import apply_transform, period_change, yoy_percent_change


def quarterly(values: list[float], start: str = "2000-01-01") -> pd.Series:
    return pd.Series(
        values, index=pd.date_range(start, periods=len(values), freq="QS"), dtype="float64"
    )


def monthly(values: list[float], start: str = "2000-01-01") -> pd.Series:
    return pd.Series(
        values, index=pd.date_range(start, periods=len(values), freq="MS"), dtype="float64"
    )


def read_rows(path: Path) -> list[tuple[dt.date, float]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))[1:]
    return [(dt.date.fromisoformat(d), float(v)) for d, v in rows if v.strip() not in ("", ".")]


def loop_episode_ends(rows, value, as_of, direction, exclude=()):
    """Second method: walk the rows; a run ends at a non-qualifying or excluded row."""
    ends: list[dt.date] = []
    in_run = False
    last = None
    for day, x in rows:
        if day >= as_of:
            break
        hidden = any(a <= day <= b for a, b in exclude)
        hit = not hidden and (x >= value if direction == "high" else x <= value)
        if hit:
            in_run, last = True, day
        elif in_run:
            ends.append(last)
            in_run = False
    if in_run:
        ends.append(last)
    return list(reversed(ends))


# --- episodes on generated series with known answers ----------------------------------------


def test_episodes_merge_runs_and_report_most_recent_first() -> None:
    #       2000Q1 Q2 Q3 Q4 2001Q1 Q2 Q3 Q4
    series = quarterly([1, 5, 6, 2, 7, 3, 5, 1])
    ctx = history_context(series, 5.0, dt.date(2002, 1, 1), direction="high")
    # Runs >= 5: {2000Q2, 2000Q3}, {2001Q1}, {2001Q3}.
    assert [e.last.date for e in ctx.episodes] == [
        dt.date(2001, 7, 1),
        dt.date(2001, 1, 1),
        dt.date(2000, 7, 1),
    ]
    oldest = ctx.episodes[-1]
    assert (oldest.first, oldest.length) == (dt.date(2000, 4, 1), 2)
    assert oldest.extreme == Observation(dt.date(2000, 7, 1), 6.0)
    assert (ctx.episode_count, ctx.observations) == (3, 8)


def test_max_episodes_caps_the_report_not_the_count() -> None:
    series = quarterly([9, 0, 9, 0, 9, 0, 9, 0])
    ctx = history_context(series, 8.0, dt.date(2003, 1, 1), direction="high", max_episodes=2)
    assert [e.last.date for e in ctx.episodes] == [dt.date(2001, 7, 1), dt.date(2001, 1, 1)]
    assert ctx.episode_count == 4


def test_only_observations_strictly_before_as_of_are_compared() -> None:
    series = quarterly([1, 8, 1, 9])  # 2000Q4 (9) is the reading itself
    ctx = history_context(series, 9.0, dt.date(2000, 10, 1), direction="high")
    assert ctx.never_before
    ctx = history_context(series, 8.0, dt.date(2000, 10, 1), direction="high")
    assert [e.last.date for e in ctx.episodes] == [dt.date(2000, 4, 1)]


def test_excluded_range_hides_its_observations() -> None:
    series = quarterly([1, 2, 10, 3])
    ctx = history_context(
        series,
        9.0,
        dt.date(2001, 1, 1),
        direction="high",
        exclude=[(dt.date(2000, 7, 1), dt.date(2000, 9, 30))],
    )
    assert ctx.never_before
    assert ctx.excluded == ((dt.date(2000, 7, 1), dt.date(2000, 7, 1)),)
    assert ctx.observations == 3


def test_excluded_range_splits_an_episode() -> None:
    series = quarterly([9, 9, 9, 9])
    whole = history_context(series, 8.0, dt.date(2001, 1, 1), direction="high")
    split = history_context(
        series,
        8.0,
        dt.date(2001, 1, 1),
        direction="high",
        exclude=[(dt.date(2000, 4, 1), dt.date(2000, 7, 1))],
    )
    assert [e.last.date for e in whole.episodes] == [dt.date(2000, 10, 1)]
    assert [e.last.date for e in split.episodes] == [dt.date(2000, 10, 1), dt.date(2000, 1, 1)]
    assert exclusion_note(split, frequency="quarterly") == "Leaves out 2000 Q2 to 2000 Q3."


def test_missing_values_do_not_split_an_episode() -> None:
    series = quarterly([1, 9, float("nan"), 9, 1])
    ctx = history_context(series, 8.0, dt.date(2002, 1, 1), direction="high")
    assert len(ctx.episodes) == 1
    assert (ctx.episodes[0].first, ctx.episodes[0].last.date, ctx.episodes[0].length) == (
        dt.date(2000, 4, 1),
        dt.date(2000, 10, 1),
        2,
    )


def test_direction_low_and_automatic_direction_by_median() -> None:
    series = monthly([5, 3, 4, 6, 2, 7, 8])  # median 5
    low = history_context(series, 3.0, dt.date(2001, 1, 1))
    assert low.direction == "low"
    assert low.median == 5.0
    # <= 3: Feb 2000 (3), May 2000 (2).
    assert [e.last.date for e in low.episodes] == [dt.date(2000, 5, 1), dt.date(2000, 2, 1)]
    assert history_context(series, 5.5, dt.date(2001, 1, 1)).direction == "high"
    assert history_context(series, 5.0, dt.date(2001, 1, 1)).direction == "low"  # not above


def test_never_before_sentence() -> None:
    series = quarterly([1, 2, 3], start="1947-04-01")
    ctx = history_context(series, 4.0, dt.date(1948, 1, 1))
    text = context_sentence(ctx, value_text="4.0%", frequency="quarterly", wording=FASTEST)
    assert text == "4.0%: never this fast before in the history (since 1947 Q2)"


def test_sentence_with_quarter_labels() -> None:
    series = quarterly([6.0, 1.0, 2.0, 5.5, 1.0], start="2006-01-01")
    series = pd.concat([series, quarterly([5.4, 2.0], start="2014-04-01")])
    ctx = history_context(series, 5.3, dt.date(2025, 1, 1), max_episodes=2)
    text = context_sentence(ctx, value_text="5.3%", frequency="quarterly", wording=FASTEST)
    assert text == "5.3%: fastest since 2014 Q2, and before that 2006 Q4"


def test_sentence_lists_three_with_month_names() -> None:
    series = monthly([9, 1, 9, 1, 9, 1])
    ctx = history_context(series, 8.0, dt.date(2001, 1, 1), direction="high")
    text = context_sentence(ctx, value_text="8", frequency="monthly")
    assert text == "8: highest since May 2000, and before that March 2000 and January 2000"


def test_empty_history_and_bad_arguments() -> None:
    with pytest.raises(NoData, match="no history before 2000-01-01"):
        history_context(quarterly([1, 2], start="2000-01-01"), 1.0, dt.date(2000, 1, 1))
    with pytest.raises(ValueError):
        history_context(quarterly([1, 2]), float("nan"), dt.date(2001, 1, 1))
    with pytest.raises(ValueError):
        history_context(quarterly([1, 2]), 1.0, dt.date(2001, 1, 1), direction="up")


# --- real files --------------------------------------------------------------------------------


def test_gdpnow_against_actual_gdp_growth(shared_data: Path) -> None:
    nowcast = read_rows(shared_data / "fred" / "GDPNOW.csv")
    actual_rows = read_rows(shared_data / "fred" / "A191RL1Q225SBEA.csv")
    as_of, value = nowcast[-1]
    assert (as_of, value) == (dt.date(2025, 1, 1), 2.9416)
    actual = pd.Series(dict(actual_rows))
    exclude = [(dt.date(2020, 4, 1), dt.date(2021, 12, 31))]
    assert list(PANDEMIC_SWINGS) == exclude

    for direction in ("high", "low"):
        ctx = history_context(
            actual, value, as_of, direction=direction, exclude=exclude, max_episodes=1000
        )
        expected = loop_episode_ends(actual_rows, value, as_of, direction, exclude)
        assert [e.last.date for e in ctx.episodes] == expected

    kept = [x for d, x in actual_rows if not any(a <= d <= b for a, b in exclude)]
    auto = history_context(actual, value, as_of, exclude=exclude)
    assert auto.median == statistics.median(kept) == 3.1
    assert auto.direction == "low"

    high = history_context(actual, value, as_of, direction="high", exclude=exclude)
    text = context_sentence(
        high,
        value_text=format_value(value, suffix="%", decimals=1, signed=True),
        frequency="quarterly",
        wording=FASTEST,
    )
    # Checked by hand in the file: 2024 Q3 3.1 (Q2 3.0), 2023 Q4 3.2 (Q3 4.4), 2022 Q4 3.4.
    assert text == "+2.9%: fastest since 2024 Q3, and before that 2023 Q4 and 2022 Q4"
    # The exclusion keeps 2020 Q1 (-5.5) and 2022 Q1 (-1.0) as separate "slow" episodes.
    low = history_context(actual, value, as_of, direction="low", exclude=exclude, max_episodes=1000)
    ends = [e.last.date for e in low.episodes]
    assert dt.date(2022, 7, 1) in ends and dt.date(2020, 1, 1) in ends
    assert exclusion_note(low, frequency="quarterly") == "Leaves out 2020 Q2 to 2021 Q4."


def test_unemployment_low_readings(shared_data: Path) -> None:
    rows = read_rows(shared_data / "fred" / "codex_macro_monitor" / "UNRATE.csv")
    unrate = pd.Series(dict(rows))
    as_of, value = rows[-1]
    ctx = history_context(unrate, value, as_of, max_episodes=100)
    assert ctx.direction == "low"
    assert ctx.median == statistics.median(x for _, x in rows[:-1])
    assert [e.last.date for e in ctx.episodes] == loop_episode_ends(rows, value, as_of, "low")

    # April 2023's 3.4% was below every month since January 1980 (the file's start).
    april_2023 = dict(rows)[dt.date(2023, 4, 1)]
    assert april_2023 < min(x for d, x in rows if d < dt.date(2023, 4, 1))
    record = history_context(unrate, april_2023, dt.date(2023, 4, 1))
    text = context_sentence(
        record, value_text=format_value(april_2023, suffix="%", decimals=1), frequency="monthly"
    )
    assert text == "3.4%: never this low before in the history (since January 1980)"
    # Its 3.5% in January 2023 ties earlier lows: "lowest since December 2022", a tie counts.
    tie = history_context(unrate, 3.5, dt.date(2023, 1, 1), max_episodes=10)
    assert [e.last.date for e in tie.episodes] == loop_episode_ends(
        rows, 3.5, dt.date(2023, 1, 1), "low"
    )
    assert tie.episodes[0].last == Observation(dt.date(2022, 12, 1), 3.5)


def test_latest_reading_monthly_with_gap(shared_data: Path) -> None:
    rows = read_rows(shared_data / "fred" / "codex_macro_monitor" / "UNRATE.csv")
    values = dict(rows)
    reading = latest_reading(pd.Series(values))
    # October 2025 is missing in FRED: the previous observation is September.
    assert reading.latest == Observation(dt.date(2025, 11, 1), values[dt.date(2025, 11, 1)])
    assert reading.previous == Observation(dt.date(2025, 9, 1), values[dt.date(2025, 9, 1)])
    assert reading.change == pytest.approx(
        values[dt.date(2025, 11, 1)] - values[dt.date(2025, 9, 1)]
    )
    assert reading.year_ago == Observation(dt.date(2024, 11, 1), values[dt.date(2024, 11, 1)])
    assert reading.change_from_year_ago == pytest.approx(
        values[dt.date(2025, 11, 1)] - values[dt.date(2024, 11, 1)]
    )


def test_latest_reading_daily_year_ago_on_a_weekend() -> None:
    days = pd.bdate_range("2023-01-02", "2024-03-15")
    series = pd.Series(range(len(days)), index=days, dtype="float64")
    assert latest_reading(series).year_ago.date == dt.date(2023, 3, 15)  # a Wednesday
    weekend_case = latest_reading(series[:"2024-03-11"])  # 2023-03-11 was a Saturday
    assert weekend_case.year_ago.date == dt.date(2023, 3, 10)
    assert weekend_case.change_from_year_ago == float(
        days.get_loc(pd.Timestamp("2024-03-11")) - days.get_loc(pd.Timestamp("2023-03-10"))
    )


def test_latest_reading_edges() -> None:
    single = latest_reading(monthly([4.0]))
    assert (single.previous, single.change, single.year_ago) == (None, None, None)
    with pytest.raises(NoData):
        latest_reading(monthly([float("nan")]))


# --- labels, formats, frequency ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "label"),
    [
        ("quarterly", "2014 Q2"),
        ("monthly", "May 2014"),
        ("daily", "May 6, 2014"),
        ("weekly", "May 6, 2014"),
        ("annual", "2014"),
    ],
)
def test_period_label(frequency: str, label: str) -> None:
    assert period_label(dt.date(2014, 5, 6), frequency) == label


def test_format_value() -> None:
    assert format_value(5.3, suffix="%", decimals=1) == "5.3%"
    assert format_value(119.0, suffix="K", decimals=0, signed=True) == "+119K"
    assert format_value(-0.45, suffix=" pp", decimals=2, signed=True) == "-0.45 pp"
    assert format_value(213000.0, decimals=0) == "213,000"
    assert format_value(-0.01, suffix="%", decimals=1, signed=True) == "0.0%"


def test_infer_frequency(shared_data: Path) -> None:
    base = shared_data / "fred" / "codex_macro_monitor"
    for name, expected in [
        ("DGS10", "daily"),
        ("ICSA", "weekly"),
        ("UNRATE", "monthly"),
        ("GDPC1", "quarterly"),
    ]:
        assert infer_frequency(pd.Series(dict(read_rows(base / f"{name}.csv")))) == expected
    assert infer_frequency(monthly([1.0])) == "unknown"


# --- transforms ---------------------------------------------------------------------------------


def test_cpi_year_over_year_real_file(shared_data: Path) -> None:
    values = dict(read_rows(shared_data / "fred" / "codex_macro_monitor" / "CPIAUCSL.csv"))
    yoy = yoy_percent_change(pd.Series(values))
    nov = dt.date(2025, 11, 1)
    expected = (values[nov] / values[dt.date(2024, 11, 1)] - 1) * 100
    assert yoy[pd.Timestamp(nov)] == pytest.approx(expected)
    # The first year has no year-earlier value; October 2025 has no value at all.
    assert yoy.index[0] == pd.Timestamp("1981-01-01")
    assert pd.Timestamp("2025-10-01") not in yoy.index
    assert apply_transform(pd.Series(values), "yoy_pct", "monthly").equals(yoy)


def test_payrolls_monthly_change_real_file(shared_data: Path) -> None:
    rows = read_rows(shared_data / "fred" / "codex_macro_monitor" / "PAYEMS.csv")
    change = period_change(pd.Series(dict(rows)), "monthly")
    assert change.iloc[-1] == pytest.approx(rows[-1][1] - rows[-2][1])
    assert len(change) == len(rows) - 1


def test_period_change_does_not_bridge_a_missing_month() -> None:
    series = monthly([100.0, 110.0, float("nan"), 130.0])
    change = period_change(series, "monthly")
    assert change.to_dict() == {pd.Timestamp("2000-02-01"): 10.0}
    daily = pd.Series([1.0, 4.0], index=pd.to_datetime(["2024-01-05", "2024-01-08"]))
    assert period_change(daily, "daily").tolist() == [3.0]
    assert period_change(pd.Series([], dtype="float64"), "monthly").empty


# --- registry -----------------------------------------------------------------------------------


def test_lookup_aliases_ids_and_generic() -> None:
    assert lookup("gdpnow").context_id == "A191RL1Q225SBEA"
    assert lookup(" Unemployment ").id == "UNRATE"
    assert lookup("10Y").id == "DGS10"
    assert lookup("cpi").transform == "yoy_pct"
    assert lookup("payrolls").transform == "diff"
    assert lookup("unrate").context_id == "UNRATE"
    assert lookup("gdp").default_exclusions == PANDEMIC_SWINGS
    assert lookup("vix").default_exclusions == ()
    other = lookup("t5yie")
    assert (other.id, other.curated, other.wording.high) == ("T5YIE", False, "highest")
    with pytest.raises(BadInput, match="not a FRED series id or a known name"):
        lookup("what is gdp?")
    with pytest.raises(BadInput, match="No series given"):
        lookup("  ")


def test_search_prefix() -> None:
    assert [s.id for s in search("un")] == ["UNRATE"]
    assert [s.id for s in search("10")] == ["DGS10", "T10Y2Y"]
    assert [s.id for s in search("GDP")] == ["GDPNOW", "A191RL1Q225SBEA", "gdp-contributions"]
    assert [s.id for s in search("contrib")] == ["gdp-contributions"]
    assert len(search("")) == 13
    assert search("zzz") == []
