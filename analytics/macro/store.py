"""The SQLite cache of FRED observations (tables `fred_observations` and `fred_fetches`).

The tables are FRED_TABLES, created by the cache file's migrations (analytics.data.schema) when
the file is opened for writing; the store only reads and writes rows. All methods block: call them from a worker thread
(`asyncio.to_thread`), never on the event loop, with a connection used by one thread at a time.
Writes are plain SQL in one transaction: `PriceCache.transaction()` when the store is opened on
the cache (`FredStore(cache.db, cache=cache)`, as the data facade does), else sqlite-utils'
`atomic()` on the bare database (a file import given only the database).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import sqlite_utils

from analytics.errors import BadInput
from analytics.macro.context import infer_frequency
from analytics.macro.fred import parse_fred_csv
from analytics.macro.series import CURATED, is_series_id

if TYPE_CHECKING:
    import sqlite3

    from analytics.data.cache import PriceCache

OBSERVATIONS = "fred_observations"
FETCHES = "fred_fetches"

# Daily series publish every business day; weekly to quarterly ones at most once a day
# matters (revisions, release-day updates), so refetching more often only spends requests.
STALE_AFTER: dict[str, dt.timedelta] = {
    "daily": dt.timedelta(hours=4),
    "weekly": dt.timedelta(days=1),
    "biweekly": dt.timedelta(days=1),
    "monthly": dt.timedelta(days=1),
    "quarterly": dt.timedelta(days=1),
    "semiannual": dt.timedelta(days=1),
    "annual": dt.timedelta(days=1),
}
UNKNOWN_STALE_AFTER = dt.timedelta(hours=4)

FILE_SOURCE_PREFIX = "file:"
"""Source of rows imported from a file (`file:UNRATE.csv`); such rows are always stale."""

_CURATED_FREQUENCY = {s.id: s.frequency for s in CURATED}

# The tables' DDL (a migration step of analytics.data.schema). Before schema 5 the store made
# them with sqlite-utils' `create(..., if_not_exists=True)` on every construction; these are
# the statements sqlite-utils wrote, so old and new files hold the same tables.
FRED_TABLES: tuple[str, ...] = (
    f"""CREATE TABLE IF NOT EXISTS "{OBSERVATIONS}" (
        "series_id" TEXT,
        "date" TEXT,
        "value" REAL,
        PRIMARY KEY ("series_id", "date")
    )""",
    f"""CREATE TABLE IF NOT EXISTS "{FETCHES}" (
        "series_id" TEXT PRIMARY KEY,
        "fetched_at" TEXT,
        "last_observation" TEXT,
        "source" TEXT,
        "title" TEXT,
        "units" TEXT,
        "frequency" TEXT,
        "rows" INTEGER
    )""",
)


def _utc(moment: dt.datetime) -> dt.datetime:
    """Aware UTC datetime (naive input is taken to be UTC)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


@dataclass(frozen=True)
class FetchRecord:
    """The last time a series was stored: when, from where, and what it is."""

    series_id: str
    fetched_at: dt.datetime
    last_observation: dt.date | None
    source: str
    title: str
    units: str
    frequency: str
    rows: int


@dataclass(frozen=True)
class ImportResult:
    """What `import_fred_file` stored."""

    series_id: str
    rows: int
    first: dt.date | None
    last: dt.date | None
    path: Path


class FredStore:
    """Observations (series_id, date, value) and one fetch record per series."""

    def __init__(self, db: sqlite_utils.Database, *, cache: PriceCache | None = None) -> None:
        self.db = db
        self.cache = cache

    def upsert(
        self,
        series_id: str,
        observations: pd.Series,
        *,
        source: str,
        fetched_at: dt.datetime,
        title: str = "",
        units: str = "",
        frequency: str = "",
        replace: bool = False,
    ) -> int:
        """Store observations (NaN dropped) and the fetch record; returns rows written.

        Existing (series_id, date) rows take the new value, so storing the same data twice
        changes nothing. `replace=True` first deletes the series' other rows: use it for a
        full-history fetch so observations FRED withdrew do not linger. `frequency` defaults
        to the registry's, else the one inferred from the stored observations.
        """
        clean = observations.dropna()
        records = [
            {
                "series_id": series_id,
                "date": pd.Timestamp(day).date().isoformat(),
                "value": float(v),
            }
            for day, v in clean.items()
        ]
        with self._writing() as conn:
            if replace:
                conn.execute(f"DELETE FROM {OBSERVATIONS} WHERE series_id = ?", [series_id])
            conn.executemany(
                f"INSERT INTO {OBSERVATIONS} (series_id, date, value) VALUES (:series_id, :date,"
                " :value) ON CONFLICT(series_id, date) DO UPDATE SET value = excluded.value",
                records,
            )
            stored = self.observations(series_id)
            last = stored.index[-1].date().isoformat() if not stored.empty else None
            conn.execute(
                f"INSERT OR REPLACE INTO {FETCHES} (series_id, fetched_at, last_observation,"
                " source, title, units, frequency, rows) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    series_id,
                    _utc(fetched_at).isoformat(),
                    last,
                    source,
                    title,
                    units,
                    frequency or _CURATED_FREQUENCY.get(series_id) or infer_frequency(stored),
                    len(stored),
                ],
            )
        return len(records)

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """One atomic write: the cache's BEGIN IMMEDIATE transaction (nested calls join it), or
        sqlite-utils' atomic() on a bare database."""
        if self.cache is not None:
            with self.cache.transaction() as conn:
                yield conn
            return
        with self.db.atomic():
            yield self.db.conn

    def observations(
        self, series_id: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> pd.Series:
        """Stored observations from `start` to `end` inclusive (None = open), float64 on a
        DatetimeIndex named "date"; empty when nothing is stored."""
        sql = f"SELECT date, value FROM {OBSERVATIONS} WHERE series_id = ?"
        params: list[str] = [series_id]
        if start is not None:
            sql += " AND date >= ?"
            params.append(start.isoformat())
        if end is not None:
            sql += " AND date <= ?"
            params.append(end.isoformat())
        rows = self.db.execute(sql + " ORDER BY date", params).fetchall()
        index = pd.DatetimeIndex([r[0] for r in rows], name="date")
        return pd.Series([r[1] for r in rows], index=index, name=series_id, dtype="float64")

    def fetch_record(self, series_id: str) -> FetchRecord | None:
        """The series' fetch record, or None if it was never stored."""
        rows = list(self.db.query(f"SELECT * FROM {FETCHES} WHERE series_id = ?", [series_id]))
        if not rows:
            return None
        row = rows[0]
        last = row["last_observation"]
        return FetchRecord(
            series_id=row["series_id"],
            fetched_at=_utc(dt.datetime.fromisoformat(row["fetched_at"])),
            last_observation=dt.date.fromisoformat(last) if last else None,
            source=row["source"] or "",
            title=row["title"] or "",
            units=row["units"] or "",
            frequency=row["frequency"] or "unknown",
            rows=row["rows"] or 0,
        )

    def series_ids(self) -> list[str]:
        """Ids with a fetch record, sorted."""
        return [
            r[0] for r in self.db.execute(f"SELECT series_id FROM {FETCHES} ORDER BY series_id")
        ]

    def is_stale(self, series_id: str, now: dt.datetime) -> bool:
        """True when the series should be fetched again.

        Stale if never fetched, if it came from a file import (imports make data available
        offline but do not claim it is current), or if fetched longer ago than STALE_AFTER
        for its frequency: 4 hours for daily series, a day for weekly to annual ones.
        """
        record = self.fetch_record(series_id)
        if record is None or record.source.startswith(FILE_SOURCE_PREFIX):
            return True
        limit = STALE_AFTER.get(record.frequency, UNKNOWN_STALE_AFTER)
        return _utc(now) - record.fetched_at >= limit


def import_fred_file(
    db: sqlite_utils.Database, path: Path | str, *, now: dt.datetime | None = None
) -> ImportResult:
    """Store a FRED CSV saved by hand (`marketbot import fred FILE...`).

    Both fredgraph headers (`observation_date,ID`, `DATE,ID`) name the series; for a
    `date,value` file the id is the file name (UNRATE.csv -> UNRATE). The series' stored rows
    are replaced by the file's. Raises BadInput for a missing or unreadable file.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BadInput(f"No such file: {path}.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"Cannot read {path}: {exc.__class__.__name__}.") from None
    stem = path.stem.strip().upper()
    series_id, series = parse_fred_csv(
        text, stem if is_series_id(stem) else None, source=f"file {path.name}"
    )
    store = FredStore(db)
    store.upsert(
        series_id,
        series,
        source=f"{FILE_SOURCE_PREFIX}{path.name}",
        fetched_at=now or dt.datetime.now(dt.UTC),
        replace=True,
    )
    return ImportResult(
        series_id=series_id,
        rows=len(series),
        first=series.index[0].date() if not series.empty else None,
        last=series.index[-1].date() if not series.empty else None,
        path=path,
    )
