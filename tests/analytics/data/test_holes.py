"""Holes: sessions inside a checked range without bars. Found, shown in `cache status`,
and filled by the next fetch of those dates.

Expected holes are computed here a second way: the NYSE sessions of [first bar, last final
session] minus the bar dates, as a set, grouped into runs of consecutive sessions.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pandas as pd
import pytest

from analytics import calendar
from analytics.data.cache import MIGRATIONS, SCHEMA_VERSION, PriceCache
from analytics.data.holes import find_holes
from analytics.data.market import MarketData
from tests.fakes.prices import RecordingProvider, bars_for
from tests.support.cli import run

D = dt.date
NOW = pd.Timestamp("2024-07-01 20:00", tz="America/New_York").tz_convert("UTC").to_pydatetime()
FETCHED = NOW.isoformat()


def runs(missing: set[dt.date]) -> list[tuple[dt.date, dt.date, int]]:
    """Group dates into runs of consecutive NYSE sessions: (first, last, count)."""
    sessions = [d.date() for d in calendar.sessions_between(D(1990, 1, 2), D(2024, 12, 31))]
    position = {d: i for i, d in enumerate(sessions)}
    out: list[list] = []
    for day in sorted(missing):
        if out and position[day] == position[out[-1][1]] + 1:
            out[-1][1] = day
            out[-1][2] += 1
        else:
            out.append([day, day, 1])
    return [tuple(r) for r in out]


def v3_database(path, tickers: dict[str, tuple[pd.DataFrame, str, dt.date, dt.date]]) -> None:
    """A schema-3 file (before holes were recorded) holding bars and coverage as given."""
    conn = sqlite3.connect(path)
    for version in range(3):
        for statement in MIGRATIONS[version]:
            conn.execute(statement)
    for ticker, (bars, source, checked_from, checked_to) in tickers.items():
        for day, row in bars.iterrows():
            conn.execute(
                "INSERT INTO bars VALUES (?,?,?,?,?,?,?,?,?)",
                [ticker, day.date().isoformat(), *row.tolist(), source],
            )
        conn.execute(
            "INSERT INTO coverage VALUES (?,?,?,?,?)",
            [ticker, checked_from.isoformat(), checked_to.isoformat(), FETCHED, source],
        )
    conn.execute("PRAGMA user_version=3")
    conn.commit()
    conn.close()


def without(bars: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    return bars.drop(bars.loc[start:end].index)


# The shapes an old fault left: a malformed answer marked 06-10..06-12 checked with no bars
# (then a later fetch went on), and a last fetch 06-24..06-28 that came back the same way.
SPY = bars_for("SPY", D(2024, 6, 3), D(2024, 6, 28))
HOLED = without(without(SPY, "2024-06-10", "2024-06-12"), "2024-06-24", "2024-06-28")
# A file with its own missing day (an import's source has no row there: not asked again).
FILE = without(bars_for("ABC", D(2024, 6, 3), D(2024, 6, 28)), "2024-06-18", "2024-06-18")


@pytest.fixture
def old_file(tmp_path):
    path = tmp_path / "old.db"
    v3_database(
        path,
        {
            "SPY": (HOLED, "Yahoo Finance", D(2024, 6, 1), D(2024, 6, 28)),
            "ABC": (FILE, "import:ABC.csv", D(2024, 6, 3), D(2024, 6, 28)),
            "NONE": (SPY.iloc[:0], "Yahoo Finance", D(2024, 6, 17), D(2024, 6, 21)),
        },
    )
    return path


def expected_holes(bars: pd.DataFrame, start: dt.date, end: dt.date):
    sessions = {d.date() for d in calendar.sessions_between(start, end)}
    return runs(sessions - {d.date() for d in bars.index})


def test_find_holes_agrees_with_the_calendar_set_difference(old_file):
    conn = sqlite3.connect(old_file)
    found = {(h.ticker, h.start, h.end, h.sessions) for h in find_holes(conn, NOW)}
    conn.close()
    want = set()
    for ticker, bars, first, last in (
        ("SPY", HOLED, D(2024, 6, 3), D(2024, 6, 28)),  # 06-01 is a Saturday: no head hole
        ("ABC", FILE, D(2024, 6, 3), D(2024, 6, 28)),
        ("NONE", SPY.iloc[:0], D(2024, 6, 17), D(2024, 6, 21)),
    ):
        want |= {(ticker, a, b, n) for a, b, n in expected_holes(bars, first, last)}
    assert found == want
    # Juneteenth (06-19) is a holiday, not a hole; weekends are not holes either
    assert ("ABC", D(2024, 6, 18), D(2024, 6, 18), 1) in found


def test_the_migration_records_the_holes_a_fetch_left_not_a_files_own(old_file):
    with PriceCache(old_file) as cache:
        assert cache.schema_version() == SCHEMA_VERSION
        pending = cache.pending_holes(["SPY", "ABC", "NONE"])
    assert pending == {
        "SPY": [(D(2024, 6, 10), D(2024, 6, 12)), (D(2024, 6, 24), D(2024, 6, 28))],
        "NONE": [(D(2024, 6, 17), D(2024, 6, 21))],
    }


def test_the_next_fetch_of_those_dates_fills_the_holes_and_asks_once(old_file):
    provider = RecordingProvider()
    with PriceCache(old_file) as cache:
        market = MarketData(cache, provider, now=lambda: NOW)
        market.bars(["SPY"], D(2024, 6, 3), D(2024, 6, 7))  # meets no hole: asks nothing
        assert provider.calls == []
        got = market.bars(["SPY"], D(2024, 6, 3), D(2024, 6, 28)).series("SPY")
        assert sorted(provider.calls) == [
            (("SPY",), D(2024, 6, 10), D(2024, 6, 12)),
            (("SPY",), D(2024, 6, 24), D(2024, 6, 28)),
        ]
        assert list(got.index) == list(SPY.index)
        assert got["close"].tolist() == SPY["close"].tolist()
        assert cache.pending_holes(["SPY"]) == {}
        market.bars(["SPY"], D(2024, 6, 3), D(2024, 6, 28))
        assert len(provider.calls) == 2


def test_an_import_far_from_the_cached_dates_records_the_dates_between(tmp_path):
    provider = RecordingProvider()
    with PriceCache(tmp_path / "c.db") as cache:
        market = MarketData(cache, provider, now=lambda: NOW)
        market.import_bars("ABC", bars_for("ABC", D(2024, 1, 2), D(2024, 1, 31)), "import:a.csv")
        market.import_bars("ABC", bars_for("ABC", D(2024, 5, 1), D(2024, 5, 31)), "import:b.csv")
        assert cache.pending_holes(["ABC"]) == {"ABC": [(D(2024, 2, 1), D(2024, 4, 30))]}
        got = market.bars(["ABC"], D(2024, 3, 1), D(2024, 3, 29)).series("ABC")
        assert provider.calls == [(("ABC",), D(2024, 2, 1), D(2024, 4, 30))]
        want = bars_for("ABC", D(2024, 3, 1), D(2024, 3, 29))
        assert got["close"].tolist() == want["close"].tolist()
        assert cache.pending_holes(["ABC"]) == {}


def test_cache_status_shows_each_gap_and_whether_a_fetch_will_fill_it(old_file, cli_env, capsys):
    code, out, err = run(capsys, "--db", str(old_file), "cache", "status", "--json")
    assert code == 0, err
    status = {row["ticker"]: row for row in json.loads(out)["tickers"]}
    assert status["SPY"]["gaps"] == [
        {"start": "2024-06-10", "end": "2024-06-12", "sessions": 3, "to_fetch": True},
        {"start": "2024-06-24", "end": "2024-06-28", "sessions": 5, "to_fetch": True},
    ]
    assert status["ABC"]["gaps"] == [
        {"start": "2024-06-18", "end": "2024-06-18", "sessions": 1, "to_fetch": False}
    ]
    assert status["NONE"]["rows"] == 0  # a checked range with no bars is listed too
    assert status["NONE"]["gaps"] == [
        {"start": "2024-06-17", "end": "2024-06-21", "sessions": 4, "to_fetch": True}
    ]

    code, out, err = run(capsys, "--db", str(old_file), "cache", "status")
    assert code == 0, err
    text = " ".join(out.replace("│", " ").split())  # the panel's borders wrap the summary
    assert "3 tickers have gaps: 13 sessions without bars inside their checked ranges" in text
    assert "12 of them are fetched when next asked for" in text
