"""Macro "since" the way a writer says it: the direction of "highest/lowest since" comes from
the recent move (latest vs previous reading, and vs a year earlier), both when they disagree,
and a "since" one reading back is not the headline.

Generated series cover each branch (the expected episode is written out by construction);
the real FRED files (UNRATE, DGS10, ICSA, PAYEMS) are checked against a plain-loop
computation over the CSV rows. Also: `direction`, `value`, `exclude` on the CLI, and the
"(as of ...)" label when a series' latest observation is older than its frequency allows.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from analytics.data.cache import PriceCache
from analytics.errors import BadInput
from analytics.macro.context import HIGH, LOW, latest_reading
from analytics.macro.freshness import overdue
from analytics.macro.since import (
    PREVIOUS,
    YEAR_AGO,
    Move,
    direction_for_value,
    one_reading_back,
    recent_moves,
    since_asked,
    since_from_moves,
)
from analytics.macro.store import import_fred_file
from tests.analytics.commands.macro.asking import ask, offline_facade
from tests.support.cli import run

MONTHS = pd.date_range("2020-01-01", periods=30, freq="MS")


def monthly(values: list[float]) -> pd.Series:
    """Monthly observations from 2020-01-01, the last value being the latest reading."""
    return pd.Series(values, index=MONTHS[: len(values)], dtype="float64")


def since_of(series: pd.Series):
    reading = latest_reading(series)
    moves = recent_moves(reading)
    since = since_from_moves(series, reading.latest.value, reading.latest.date, moves)
    return reading, since, moves


def dates(context) -> list[str]:
    return [e.last.date.isoformat() for e in context.episodes]


# --- generated series: one per branch -----------------------------------------------------------

# 14 readings: a year before the latest (index 1) is 3.0; the latest is index 13.
BASE = [5.0, 3.0, 3.1, 3.2, 4.9, 3.3, 3.4, 3.5, 3.6, 3.7, 3.8, 3.9]


def test_rise_against_both_reads_highest_since_the_last_time_as_high():
    # Up from 4.0 and from 3.0 a year earlier; the last reading at or above 4.5 is 4.9 (May 2020).
    _, since, moves = since_of(monthly([*BASE, 4.0, 4.5]))
    assert [(m.against, m.direction) for m in moves] == [(PREVIOUS, HIGH), (YEAR_AGO, HIGH)]
    [context] = since.news
    assert (context.direction, dates(context)) == (HIGH, ["2020-05-01", "2020-01-01"])
    assert not since.disagree


def test_fall_against_both_reads_lowest_since():
    # Down from 4.0 and from 5.0 a year earlier... with year-ago 5.0 at index 1.
    values = [2.0, 5.0, 3.1, 3.2, 4.9, 3.3, 3.4, 3.5, 3.6, 3.7, 3.8, 3.9, 4.0, 3.05]
    _, since, _ = since_of(monthly(values))
    [context] = since.news
    # The last reading at or below 3.05 is January 2020 (2.0): 3.1 in March is above it.
    assert (context.direction, dates(context)) == (LOW, ["2020-01-01"])


def test_moves_that_disagree_look_both_ways_and_drop_the_since_one_reading_back():
    # Down from 4.0 (the previous) but up from 3.0 a year earlier. Lowest since: 3.8 or lower,
    # last seen in November 2020 (3.8), two readings back: news. Highest since: 4.0, the
    # reading just before: not news.
    _, since, _ = since_of(monthly([*BASE, 4.0, 3.8]))
    assert since.disagree
    assert [c.direction for c in since.contexts] == [LOW, HIGH]
    [news] = since.news
    assert (news.direction, dates(news)[0]) == (LOW, "2020-11-01")
    [quiet] = [c for c in since.contexts if c not in since.news]
    assert one_reading_back(quiet) and dates(quiet)[0] == "2021-01-01"


def test_unchanged_from_the_previous_reading_is_not_news():
    # 4.0 again: up from a year earlier, so the question is "highest since", and the answer
    # is the reading just before: the headline gives the moves instead.
    _, since, moves = since_of(monthly([*BASE, 4.0, 4.0]))
    assert [m.direction for m in moves] == [None, HIGH]
    assert since.news == ()
    assert [(c.direction, dates(c)[0]) for c in since.contexts] == [(HIGH, "2021-01-01")]


def test_with_another_history_the_since_reaching_its_last_observation_is_dropped():
    # GDPNow-style: the reading's moves come from its own series, the "since" from another
    # history. Down from 3.0 but up from 1.0 a year ago, so both directions are looked up in
    # the history; its last observation qualifies for one of them, which is then not news.
    own = pd.Series(
        [1.0, 3.0, 2.0], index=pd.to_datetime(["2020-07-01", "2021-04-01", "2021-07-01"])
    )
    history = pd.Series(
        [1.5, 3.5, 2.5, 1.8, 3.0, 2.1],
        index=pd.date_range("2020-01-01", periods=6, freq="QS"),
    )
    reading = latest_reading(own)
    since = since_from_moves(history, 2.0, reading.latest.date, recent_moves(reading))
    assert since.disagree
    got = {c.direction: dates(c)[0] for c in since.news}
    # low: last <= 2.0 is 2020-10-01 (1.8); high: last >= 2.0 is 2021-04-01 (2.1), which is the
    # last history observation: one reading back, so only "lowest since" is news.
    assert got == {LOW: "2020-10-01"}


def test_an_asked_direction_is_always_the_headline_even_one_reading_back():
    series = monthly([*BASE, 4.0, 3.8])
    reading = latest_reading(series)
    since = since_asked(series, 3.8, reading.latest.date, HIGH, recent_moves(reading))
    [context] = since.news
    assert (context.direction, dates(context)[0]) == (HIGH, "2021-01-01")


def test_without_moves_the_median_side_is_used():
    series = pd.Series([1.0, 2.0, 9.0], index=pd.date_range("2020-01-01", periods=3, freq="YS"))
    # Only the series' history: a lookup of 9.0 with no moves given (e.g. a brand new series).
    since = since_from_moves(series, 9.0, dt.date(2022, 1, 1), ())
    assert [c.direction for c in since.contexts] == [HIGH]  # 9.0 is above the median 1.5
    assert since.news[0].never_before


def test_value_direction_and_move_words():
    assert direction_for_value(5.3, 2.9) == HIGH
    assert direction_for_value(1.0, 2.9) == LOW
    assert direction_for_value(2.9, 2.9) is None
    from analytics.macro.context import Observation
    from analytics.macro.since import move_phrase

    up = Move(YEAR_AGO, Observation(dt.date(2024, 11, 1), 4.2), 0.4)
    flat = Move(PREVIOUS, Observation(dt.date(2025, 10, 1), 4.6), 0.0)
    assert move_phrase(up, lambda x: f"{x:.1f} pp") == "up 0.4 pp from a year earlier"
    assert move_phrase(flat, lambda x: f"{x:.1f} pp") == "unchanged from the previous reading"


# --- the real FRED files -------------------------------------------------------------------------


def read_rows(path: Path) -> list[tuple[dt.date, float]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))[1:]
    return [(dt.date.fromisoformat(r[0]), float(r[1])) for r in rows if r and r[1].strip()]


def year_ago_row(rows, day: dt.date, tolerance_days: int):
    """The row on the same date a year earlier, or the last before it within the tolerance."""
    target = day.replace(year=day.year - 1)
    earlier = [(d, v) for d, v in rows if d <= target]
    if earlier and (target - earlier[-1][0]).days <= tolerance_days:
        return earlier[-1]
    return None


def headline_by_hand(rows, tolerance_days: int = 7) -> list[tuple[str, str | None, bool]]:
    """(direction, latest episode date, news) per direction of the move, by plain loops:
    the direction of latest - previous, then of latest - year ago; for each, the most recent
    earlier row at or above (high) / at or below (low) the latest value; news unless that row
    is the one just before the latest."""
    (day, value), (prev_day, prev_value) = rows[-1], rows[-2]
    year = year_ago_row(rows, day, tolerance_days)
    directions: list[str] = []
    for earlier in (prev_value, year[1] if year else None):
        if earlier is None or earlier == value:
            continue
        d = "high" if value > earlier else "low"
        if d not in directions:
            directions.append(d)
    out = []
    for d in directions:
        hit = None
        for when, v in reversed(rows[:-1]):
            if (v >= value) if d == "high" else (v <= value):
                hit = when
                break
        out.append((d, hit.isoformat() if hit else None, hit != prev_day))
    return out


@pytest.fixture
def fred(shared_data: Path) -> Path:
    return shared_data / "fred" / "codex_macro_monitor"


@pytest.fixture
def loaded(cli_env, capsys, fred):
    """The CLI's cache with UNRATE, DGS10, ICSA and PAYEMS imported."""
    files = [fred / f"{s}.csv" for s in ("UNRATE", "DGS10", "ICSA", "PAYEMS")]
    assert run(capsys, "import", "fred", *map(str, files))[0] == 0
    return fred


def macro_json(capsys, *argv: str) -> dict:
    code, out, err = run(capsys, "--offline", "macro", *argv, "--json")
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize(
    ("name", "series_id"), [("unemployment", "UNRATE"), ("10y", "DGS10"), ("claims", "ICSA")]
)
def test_real_series_direction_follows_the_move(loaded, capsys, name, series_id):
    rows = read_rows(loaded / f"{series_id}.csv")
    payload = macro_json(capsys, name)
    want = headline_by_hand(rows)
    got = [
        (c["direction"], c["previous"][0]["date"] if c["previous"] else None, c["news"])
        for c in payload["since"]
    ]
    assert got == want
    first_news = next(w for w in want if w[2])
    assert payload["direction"] == first_news[0]
    assert payload["previous"][0]["date"] == first_news[1]


def test_real_unemployment_and_ten_year_headlines(loaded, capsys):
    unrate = macro_json(capsys, "unemployment")
    # 4.6% in November 2025: up 0.2 pp from September (no October) and 0.4 pp on the year.
    assert unrate["title"].startswith(
        "Unemployment rate 4.6%: highest since September 2021, and before that February 2017"
    )
    ten = macro_json(capsys, "10y")
    rows = read_rows(loaded / "DGS10.csv")
    (_, latest), (_, previous) = rows[-1], rows[-2]
    year = year_ago_row(rows, rows[-1][0], 7)
    # 4.14 on 2025-12-30: up from 4.12 the day before, down from a year earlier. "Lowest since"
    # the previous session is not news; "highest since Dec 26" is, with both moves said.
    assert ten["title"].startswith(
        f"10-year Treasury yield {latest:.2f}%: highest since Dec 26, 2025 "
        f"(up {latest - previous:.2f} pp from the previous reading, "
        f"down {year[1] - latest:.2f} pp from a year earlier)"
    )
    assert '"Lowest since Dec 29, 2025", the reading just before, is not news.' in ten["summary"]


def test_cli_direction_value_and_exclude(loaded, capsys):
    rows = read_rows(loaded / "UNRATE.csv")
    low = macro_json(capsys, "unemployment", "--direction", "low")
    # By hand: the last reading at or below 4.6 before November 2025 is September 2025 (4.4).
    last_low = next(d for d, v in reversed(rows[:-1]) if v <= 4.6)
    assert (low["direction"], low["previous"][0]["date"]) == ("low", last_low.isoformat())
    value = macro_json(capsys, "unemployment", "--value", "10")
    # 10% is above the latest 4.6%: when was it last this high? (the whole file, by hand)
    last_ten = next(d for d, v in reversed(rows) if v >= 10)
    assert (value["direction"], value["previous"][0]["date"]) == ("high", last_ten.isoformat())
    hidden = macro_json(
        capsys, "unemployment", "--exclude", "2021-01:2021-12", "--direction", "high"
    )
    last_high = next(
        d
        for d, v in reversed(rows[:-1])
        if v >= 4.6 and not (dt.date(2021, 1, 1) <= d <= dt.date(2021, 12, 31))
    )
    assert hidden["previous"][0]["date"] == last_high.isoformat()
    assert hidden["excluded"] == [["2021-01-01", "2021-12-31"]]


def test_cli_bad_direction_exits_2_naming_the_choices(cli_env, capsys):
    # direction has choices (a menu on Discord): argparse refuses anything else itself.
    code, out, err = run(capsys, "--offline", "macro", "unemployment", "--direction", "up")
    assert (code, out) == (2, "")
    assert err == (
        "marketbot macro: argument --direction: invalid choice: 'up' "
        "(choose from 'high', 'low') (see `marketbot macro --help`)\n"
    )
    assert "Traceback" not in err


def test_parse_refuses_a_bad_direction_in_one_line(cache):
    """What reaches parse without the menu (the digest, a script) gets the specific line."""
    with pytest.raises(BadInput) as refused:
        ask(offline_facade(cache, at("2026-01-02 12:00")), "unemployment", direction="up")
    assert refused.value.message == (
        "Direction 'up' is neither high nor low. Write direction high (when was it "
        "last this high) or low (this low), or leave it out to follow the latest move."
    )


# --- dated answers --------------------------------------------------------------------------------


def test_overdue_by_frequency():
    assert not overdue(dt.date(2025, 11, 1), dt.date(2026, 1, 2), "monthly")  # 62 days
    assert overdue(dt.date(2025, 11, 1), dt.date(2026, 3, 2), "monthly")  # 121 days
    assert not overdue(dt.date(2025, 12, 26), dt.date(2025, 12, 31), "daily")
    assert overdue(dt.date(2025, 12, 1), dt.date(2025, 12, 31), "daily")
    assert not overdue(dt.date(2025, 7, 1), dt.date(2026, 1, 30), "quarterly")  # 213 days


@pytest.fixture
def cache(tmp_path):
    with PriceCache(tmp_path / "c.db") as c:
        yield c


def at(text: str):
    moment = pd.Timestamp(text, tz="America/New_York").tz_convert("UTC").to_pydatetime()
    return lambda: moment


def test_offline_as_of_after_the_file_ends_is_labelled(cache, fred):
    import_fred_file(cache.db, fred / "UNRATE.csv", now=at("2026-01-02 12:00")())
    rows = read_rows(fred / "UNRATE.csv")
    now = at("2026-12-01 18:00")
    asked = dt.date(2026, 11, 20)
    answer = ask(offline_facade(cache, now), "unemployment", as_of=asked.isoformat())
    data = answer.to_json()
    assert data["as_of"] == rows[-1][0].isoformat() == "2025-11-01"
    assert answer.title.endswith(" (as of November 2025)")
    assert data["behind"] == {
        "latest": "2025-11-01",
        "expected": "2026-11-20",
        "why": "offline mode is on and the stored copy (imported from UNRATE.csv on "
        "2026-01-02) ends there",
    }
    [warning] = answer.warnings
    assert warning.startswith(
        "UNRATE's latest observation is November 2025 (2025-11-01), older than a monthly "
        "series normally is on 2026-11-20: offline mode is on"
    )
    # The same file asked about within a normal release lag is current: no label.
    fresh = ask(offline_facade(cache, at("2026-01-02 18:00")), "unemployment")
    assert "(as of" not in fresh.title and fresh.to_json()["behind"] is None


def test_bad_direction_is_refused_before_any_data_is_read(cache):
    with pytest.raises(BadInput, match="neither high nor low"):
        ask(offline_facade(cache, at("2026-01-02 12:00")), "unrate", direction="sideways")
