"""PriceCache: schema, round trip, idempotent upsert, status."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from analytics.data.cache import SCHEMA_VERSION, PriceCache
from analytics.data.cache_file import CacheFileError
from tests.fakes.prices import bars_for


@pytest.fixture
def fresh_cache(tmp_path):
    with PriceCache(tmp_path / "cache.db") as cache:
        yield cache


def test_new_file_gets_the_current_schema_in_wal_mode(fresh_cache):
    assert fresh_cache.schema_version() == SCHEMA_VERSION
    assert fresh_cache.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"bars", "coverage"} <= set(fresh_cache.db.table_names())


def test_round_trip_keeps_every_value(fresh_cache):
    bars = bars_for("SPY", dt.date(2024, 1, 1), dt.date(2024, 2, 29))
    bars.iloc[3, bars.columns.get_loc("volume")] = float("nan")
    assert fresh_cache.store_bars("SPY", bars, "test") == len(bars)
    back = fresh_cache.read_bars(["SPY"]).set_index("date")
    assert list(back.index) == list(bars.index)
    for column in bars.columns:
        assert back[column].tolist() == pytest.approx(bars[column].tolist(), nan_ok=True)
    assert set(back["source"]) == {"test"}


def test_upsert_is_idempotent_and_last_write_wins(fresh_cache):
    bars = bars_for("SPY", dt.date(2024, 1, 1), dt.date(2024, 1, 31))
    fresh_cache.store_bars("SPY", bars, "a")
    fresh_cache.store_bars("SPY", bars, "a")
    changed = bars.copy()
    changed["close"] += 1
    fresh_cache.store_bars("SPY", changed.iloc[:2], "b")
    back = fresh_cache.read_bars(["SPY"])
    assert len(back) == len(bars)
    assert back["close"].iloc[0] == bars["close"].iloc[0] + 1
    assert back["close"].iloc[2] == bars["close"].iloc[2]


def test_read_bars_filters_by_tickers_and_dates(fresh_cache):
    for t in ("SPY", "IWM", "QQQ"):
        fresh_cache.store_bars(t, bars_for(t, dt.date(2024, 1, 1), dt.date(2024, 3, 31)), "t")
    got = fresh_cache.read_bars(["IWM", "QQQ"], dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert sorted(got["ticker"].unique()) == ["IWM", "QQQ"]
    assert got["date"].min().date() == dt.date(2024, 2, 1)
    assert got["date"].max().date() == dt.date(2024, 2, 29)
    assert len(got) == 2 * 20  # February 2024 had 20 NYSE sessions (Presidents' Day 2/19)


def test_coverage_only_widens(fresh_cache):
    t0 = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    fresh_cache.mark_checked("SPY", dt.date(2024, 1, 1), dt.date(2024, 2, 1), t0, "t")
    fresh_cache.mark_checked("SPY", dt.date(2024, 1, 15), dt.date(2024, 3, 1), t0, "t")
    cov = fresh_cache.coverage(["SPY"])["SPY"]
    assert (cov.checked_from, cov.checked_to) == (dt.date(2024, 1, 1), dt.date(2024, 3, 1))


def test_status_and_autocomplete(fresh_cache):
    fresh_cache.store_bars("SPY", bars_for("SPY", dt.date(2024, 1, 1), dt.date(2024, 1, 31)), "t")
    fresh_cache.mark_checked(
        "SPY",
        dt.date(2024, 1, 1),
        dt.date(2024, 1, 31),
        dt.datetime(2024, 2, 1, tzinfo=dt.UTC),
        "t",
    )
    [row] = fresh_cache.status()
    assert (row.ticker, row.first_date, row.last_date, row.rows) == (
        "SPY",
        dt.date(2024, 1, 2),
        dt.date(2024, 1, 31),
        21,
    )
    assert fresh_cache.known_tickers("s") == ["SPY"]
    assert fresh_cache.known_tickers("Q") == []


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(CacheFileError, match="newer marketbot"):
        PriceCache(path)


def test_a_version_1_file_is_migrated_keeping_its_bars(tmp_path):
    path = tmp_path / "v1.db"
    conn = sqlite3.connect(path)
    from analytics.data.cache import MIGRATIONS

    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("INSERT INTO bars (ticker, date, close) VALUES ('SPY', '2024-01-02', 470.0)")
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()
    with PriceCache(path) as cache:
        assert cache.schema_version() == SCHEMA_VERSION
        assert "unknown_symbols" in cache.db.table_names()
        assert cache.read_bars(["SPY"])["close"].tolist() == [470.0]


def test_autocomplete_treats_like_wildcards_literally(fresh_cache):
    t0 = dt.datetime(2024, 2, 1, tzinfo=dt.UTC)
    for ticker in ("BRK-B", "BXRB", "B_RB"):
        fresh_cache.mark_checked(ticker, dt.date(2024, 1, 1), dt.date(2024, 1, 31), t0, "t")
    assert fresh_cache.known_tickers("B_") == ["B_RB"]
    assert fresh_cache.known_tickers("b%") == []
    assert fresh_cache.known_tickers("B") == ["BRK-B", "BXRB", "B_RB"]


def test_a_transaction_groups_writes_and_an_error_leaves_none_of_them(fresh_cache):
    bars = bars_for("SPY", dt.date(2024, 1, 1), dt.date(2024, 1, 31))
    now = dt.datetime(2024, 2, 1, tzinfo=dt.UTC)
    with pytest.raises(RuntimeError), fresh_cache.transaction():
        fresh_cache.store_bars("SPY", bars, "t")
        fresh_cache.mark_checked("SPY", dt.date(2024, 1, 1), dt.date(2024, 1, 31), now, "t")
        raise RuntimeError("crash between the writes")
    assert fresh_cache.read_bars(["SPY"]).empty
    assert fresh_cache.coverage(["SPY"]) == {}
    with fresh_cache.transaction(), fresh_cache.transaction():  # nested calls join the outer one
        fresh_cache.store_bars("SPY", bars, "t")
    assert len(fresh_cache.read_bars(["SPY"])) == len(bars)


def test_a_second_connection_sees_nothing_until_the_transaction_commits(fresh_cache, tmp_path):
    bars = bars_for("SPY", dt.date(2024, 1, 1), dt.date(2024, 1, 31))
    other = sqlite3.connect(tmp_path / "cache.db")
    with fresh_cache.transaction():
        fresh_cache.store_bars("SPY", bars, "t")
        assert other.execute("SELECT COUNT(*) FROM bars").fetchone()[0] == 0
    assert other.execute("SELECT COUNT(*) FROM bars").fetchone()[0] == len(bars)
    other.close()
