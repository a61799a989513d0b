"""The FRED observation cache: round trip, idempotent upsert, staleness, file import."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import sqlite_utils

from analytics.data.schema import migrate
from analytics.errors import BadInput
from analytics.macro.store import FETCHES, OBSERVATIONS, FredStore, import_fred_file

NOON = dt.datetime(2026, 1, 2, 12, 0, tzinfo=dt.UTC)


def read_rows(path: Path) -> list[tuple[dt.date, float]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))[1:]
    return [(dt.date.fromisoformat(d), float(v)) for d, v in rows if v.strip() not in ("", ".")]


def pairs(series: pd.Series) -> list[tuple[dt.date, float]]:
    return [(ts.date(), float(v)) for ts, v in series.items()]


@pytest.fixture
def db() -> sqlite_utils.Database:
    """An in-memory database with the cache file's tables (analytics.data.schema)."""
    db = sqlite_utils.Database(memory=True)
    migrate(db.conn)
    return db


@pytest.fixture
def store(db: sqlite_utils.Database) -> FredStore:
    return FredStore(db)


def three_months() -> pd.Series:
    return pd.Series(
        [4.0, 4.1, float("nan"), 4.3], index=pd.date_range("2025-01-01", periods=4, freq="MS")
    )


def test_the_migrations_make_the_fred_tables_and_the_store_makes_none() -> None:
    bare = sqlite_utils.Database(memory=True)
    FredStore(bare)
    assert bare.table_names() == []
    migrate(bare.conn)
    assert {OBSERVATIONS, FETCHES} <= set(bare.table_names())


def test_round_trip_drops_missing(store: FredStore) -> None:
    written = store.upsert(
        "UNRATE", three_months(), source="FRED", fetched_at=NOON, title="Unemployment rate"
    )
    assert written == 3
    assert pairs(store.observations("UNRATE")) == [
        (dt.date(2025, 1, 1), 4.0),
        (dt.date(2025, 2, 1), 4.1),
        (dt.date(2025, 4, 1), 4.3),
    ]
    assert pairs(
        store.observations("UNRATE", start=dt.date(2025, 2, 1), end=dt.date(2025, 3, 31))
    ) == [(dt.date(2025, 2, 1), 4.1)]
    record = store.fetch_record("UNRATE")
    assert (
        record.fetched_at,
        record.last_observation,
        record.source,
        record.title,
        record.rows,
    ) == (NOON, dt.date(2025, 4, 1), "FRED", "Unemployment rate", 3)
    assert record.frequency == "monthly"  # from the registry
    assert store.observations("NOPE").empty
    assert store.fetch_record("NOPE") is None


def test_upsert_is_idempotent_and_takes_revisions(store: FredStore, db) -> None:
    store.upsert("UNRATE", three_months(), source="FRED", fetched_at=NOON)
    store.upsert("UNRATE", three_months(), source="FRED", fetched_at=NOON)
    assert db.table(OBSERVATIONS).count == 3
    assert db.table(FETCHES).count == 1
    revised = pd.Series([4.2], index=pd.DatetimeIndex(["2025-02-01"]))
    store.upsert("UNRATE", revised, source="FRED", fetched_at=NOON)
    assert pairs(store.observations("UNRATE"))[1] == (dt.date(2025, 2, 1), 4.2)
    assert db.table(OBSERVATIONS).count == 3


def test_replace_removes_withdrawn_observations(store: FredStore) -> None:
    store.upsert("UNRATE", three_months(), source="FRED", fetched_at=NOON)
    store.upsert(
        "DGS10",
        pd.Series([4.1], index=pd.DatetimeIndex(["2025-01-02"])),
        source="FRED",
        fetched_at=NOON,
    )
    store.upsert("UNRATE", three_months().iloc[:2], source="FRED", fetched_at=NOON, replace=True)
    assert pairs(store.observations("UNRATE")) == [
        (dt.date(2025, 1, 1), 4.0),
        (dt.date(2025, 2, 1), 4.1),
    ]
    assert store.fetch_record("UNRATE").last_observation == dt.date(2025, 2, 1)
    assert len(store.observations("DGS10")) == 1  # other series untouched
    assert store.series_ids() == ["DGS10", "UNRATE"]


@pytest.mark.parametrize(
    ("series_id", "age", "stale"),
    [
        ("DGS10", dt.timedelta(hours=3), False),
        ("DGS10", dt.timedelta(hours=5), True),
        ("UNRATE", dt.timedelta(hours=23), False),
        ("UNRATE", dt.timedelta(hours=25), True),
        ("GDPNOW", dt.timedelta(hours=23), False),
        ("ICSA", dt.timedelta(days=2), True),
    ],
)
def test_staleness_by_frequency(
    store: FredStore, series_id: str, age: dt.timedelta, stale: bool
) -> None:
    store.upsert(series_id, three_months(), source="FRED", fetched_at=NOON)
    assert store.is_stale(series_id, NOON + age) is stale


def test_staleness_edges(store: FredStore) -> None:
    assert store.is_stale("UNRATE", NOON)  # never fetched
    # An uncurated id: frequency inferred from its (monthly) observations.
    store.upsert("T5YIE", three_months(), source="FRED API", fetched_at=NOON)
    assert store.fetch_record("T5YIE").frequency == "monthly"
    assert not store.is_stale("T5YIE", NOON + dt.timedelta(hours=20))
    # Naive "now" is taken as UTC.
    assert not store.is_stale("T5YIE", dt.datetime(2026, 1, 2, 20, 0))


def test_import_fredgraph_file(db, shared_data: Path) -> None:
    path = shared_data / "fred" / "GDPNOW.csv"
    result = import_fred_file(db, path, now=NOON)
    expected = read_rows(path)
    assert (result.series_id, result.rows, result.first, result.last) == (
        "GDPNOW",
        len(expected),
        expected[0][0],
        expected[-1][0],
    )
    store = FredStore(db)
    assert pairs(store.observations("GDPNOW")) == expected
    assert store.fetch_record("GDPNOW").source == "file:GDPNOW.csv"
    assert store.is_stale("GDPNOW", NOON)  # imports never claim to be current


def test_import_date_value_file_names_series_from_file(db, shared_data: Path) -> None:
    path = shared_data / "fred" / "codex_macro_monitor" / "UNRATE.csv"
    result = import_fred_file(db, path)
    expected = read_rows(path)
    assert (result.series_id, result.rows) == ("UNRATE", len(expected))
    import_fred_file(db, path)  # again: same rows, nothing duplicated
    assert pairs(FredStore(db).observations("UNRATE")) == expected


def test_import_errors(db, shared_data: Path, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="No such file"):
        import_fred_file(db, tmp_path / "missing.csv")
    with pytest.raises(BadInput, match="file metadata.csv is not a FRED series file"):
        import_fred_file(db, shared_data / "fred" / "codex_macro_monitor" / "metadata.csv")
    unnamed = tmp_path / "my data.csv"
    unnamed.write_text("date,value\n2024-01-01,3.7\n")
    with pytest.raises(BadInput, match="name the file after its FRED id"):
        import_fred_file(db, unnamed)
    page = tmp_path / "UNRATE.csv"
    page.write_text("<html><body>Sign in</body></html>")
    with pytest.raises(BadInput, match="file UNRATE.csv is a web page"):
        import_fred_file(db, page)


def test_on_the_cache_a_write_joins_its_transaction(tmp_path) -> None:
    """Opened on the PriceCache, an upsert is part of the caller's transaction: when that one
    rolls back, neither the observations nor the fetch record land."""
    from analytics.data.cache import PriceCache

    with PriceCache(tmp_path / "c.db") as cache:
        store = FredStore(cache.db, cache=cache)
        with pytest.raises(RuntimeError, match="after the write"), cache.transaction():
            store.upsert("UNRATE", three_months(), source="FRED", fetched_at=NOON)
            raise RuntimeError("after the write")
        assert store.fetch_record("UNRATE") is None
        assert store.observations("UNRATE").empty
        assert store.upsert("UNRATE", three_months(), source="FRED", fetched_at=NOON) == 3
        record = store.fetch_record("UNRATE")
        assert (record.rows, record.last_observation) == (3, dt.date(2025, 4, 1))
        # Another connection (another thread's) sees the committed rows.
        other = sqlite_utils.Database(tmp_path / "c.db")
        assert other.execute(f"SELECT COUNT(*) FROM {OBSERVATIONS}").fetchone()[0] == 3
