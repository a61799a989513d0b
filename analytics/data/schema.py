"""The cache file's schema: `MIGRATIONS[n]` upgrades version n to n + 1 (PRAGMA user_version).

A step is an SQL statement or a function of the connection (for data that needs Python, such
as the holes a fault left before version 4). PriceCache runs them in one transaction each.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable

SCHEMA_VERSION = 5


def _record_existing_holes(conn: sqlite3.Connection) -> None:
    """Holes a fault may have left before 4 (see analytics.data.holes): the next fetch of
    those dates asks the provider for them again."""
    from analytics.data.holes import find_holes

    now = dt.datetime.now(dt.UTC)
    rows = [
        (h.ticker, h.start.isoformat(), h.end.isoformat(), now.isoformat())
        for h in find_holes(conn, now)
        if h.fetchable
    ]
    conn.executemany(
        "INSERT OR IGNORE INTO coverage_holes (ticker, start, end, found_at) VALUES (?,?,?,?)",
        rows,
    )


def _array_schema() -> tuple[str, ...]:
    from analytics.data.arrays import SCHEMA

    return SCHEMA


def _build_arrays(conn: sqlite3.Connection) -> None:
    """Arrays for every ticker-year cached before 5 (a few seconds for 2,000 names)."""
    from analytics.data.arrays import build_all

    build_all(conn)


Migration = str | Callable[[sqlite3.Connection], None]

MIGRATIONS: dict[int, tuple[Migration, ...]] = {
    0: (
        """CREATE TABLE IF NOT EXISTS bars (
            ticker TEXT NOT NULL, date TEXT NOT NULL,
            open REAL, high REAL, low REAL, close REAL, adj_close REAL, volume REAL,
            source TEXT,
            PRIMARY KEY (ticker, date)
        ) WITHOUT ROWID""",
        """CREATE TABLE IF NOT EXISTS coverage (
            ticker TEXT PRIMARY KEY,
            checked_from TEXT NOT NULL,
            checked_to TEXT NOT NULL,
            fetched_at TEXT NOT NULL,
            source TEXT
        )""",
    ),
    1: (
        # Symbols the provider said it does not know, so warm commands over a fund universe
        # (which always holds a few such names) do not ask again on every call.
        """CREATE TABLE IF NOT EXISTS unknown_symbols (
            ticker TEXT PRIMARY KEY,
            checked_at TEXT NOT NULL,
            source TEXT
        )""",
    ),
    2: (
        # Tickers commands asked for, and when last: the background refresher keeps these warm.
        """CREATE TABLE IF NOT EXISTS recent_requests (
            ticker TEXT PRIMARY KEY,
            last_used TEXT NOT NULL
        )""",
    ),
    3: (
        # Sessions inside a checked range that the provider must be asked for again (a hole
        # a fault left, or the dates between two ranges merged into one); a fetch that
        # answers for them removes the row.
        """CREATE TABLE IF NOT EXISTS coverage_holes (
            ticker TEXT NOT NULL,
            start TEXT NOT NULL,
            end TEXT NOT NULL,
            found_at TEXT NOT NULL,
            PRIMARY KEY (ticker, start)
        )""",
        _record_existing_holes,
    ),
    4: (
        # The price store read as arrays (analytics.data.arrays): one row per ticker and year,
        # kept equal to the rows by triggers and PriceCache.transaction(); built here for the
        # bars already cached.
        *_array_schema(),
        _build_arrays,
    ),
}

HISTORY_FLOOR = dt.date(1900, 1, 1)
"""`checked_from` value meaning "the provider's full history has been fetched"."""
