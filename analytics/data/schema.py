"""The cache file's schema, every table of it: `MIGRATIONS[n]` upgrades version n to n + 1.

One mechanism for the whole file. The version is SQLite's `PRAGMA user_version` (the one place
it is recorded; analytics.data.cache_file reads it from the header before opening, so a file
from a newer marketbot is refused with nothing written). `migrate` is the one runner: PriceCache
calls it when it opens the file for writing, and nothing else creates or alters a table.

A step is an SQL statement or a function of the connection (for data that needs Python, such
as the holes a fault left before version 4). A feature declares its steps beside its store, as
a tuple named here by "module:NAME" and imported only when the runner applies it (a store's
module imports the cache, which imports this one); the order of the versions is this table's.

Versions 5 to 12 are the tables the features used to create themselves (on construction, or on
their first write) before version 5: each of their statements is CREATE ... IF NOT EXISTS
(and the subscription posts' retry columns are added where missing), so a file written by the
old code keeps its tables and rows and is only stamped with the version.
"""

from __future__ import annotations

import datetime as dt
import importlib
import sqlite3
from collections.abc import Callable, Mapping
from pathlib import Path

from analytics.data.cache_file import CacheFileError, newer_schema


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


Migration = str | Callable[[sqlite3.Connection], None]
Steps = tuple[Migration, ...] | str
"""A version's steps, or "module:NAME" of the tuple a feature's module declares."""

LEASES = "leases"
"""The background lease's table (bot/lease.py): one row per lease name."""

LEASE_TABLE: tuple[Migration, ...] = (
    f"""CREATE TABLE IF NOT EXISTS {LEASES} (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        beat INTEGER NOT NULL,
        taken_at TEXT NOT NULL
    )""",
)

MIGRATIONS: dict[int, Steps] = {
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
    # Before 5 each of these was created by its store (HoldingsStore and FredStore on every
    # construction; the others on first use).
    4: "analytics.holdings.store:HOLDINGS_TABLES",
    5: "analytics.macro.store:FRED_TABLES",
    6: "analytics.macro.gdp_tables:GDP_TABLE_STATEMENTS",
    7: "analytics.revisions.tables:REVISION_TABLE_STATEMENTS",
    8: "analytics.alerts.schema:SCHEMA",
    9: "analytics.subscriptions.store:SUBSCRIPTION_TABLES",
    10: LEASE_TABLE,
    11: "analytics.data.events:EVENT_TABLES",
    # The price store read as arrays: one row per ticker and year, kept equal to the rows by
    # triggers and PriceCache.transaction(); built here for the bars already cached.
    12: "analytics.data.arrays:MIGRATION",
    # Which tickers each commit changed, so the read memo keeps what a write did not touch.
    13: "analytics.data.changes:MIGRATION",
    # The read memo's big entries, so that a new process starts warm.
    14: "analytics.data.memo_store:MIGRATION",
}

SCHEMA_VERSION = len(MIGRATIONS)
"""The version this marketbot writes (MIGRATIONS[0 .. SCHEMA_VERSION - 1] applied)."""

HISTORY_FLOOR = dt.date(1900, 1, 1)
"""`checked_from` value meaning "the provider's full history has been fetched"."""


def steps(version: int, migrations: Mapping[int, Steps] = MIGRATIONS) -> tuple[Migration, ...]:
    """The steps that upgrade `version` to the next (a feature's tuple imported by name)."""
    declared = migrations[version]
    if isinstance(declared, str):
        module, _, name = declared.partition(":")
        return tuple(getattr(importlib.import_module(module), name))
    return declared


def user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(
    conn: sqlite3.Connection,
    path: Path | str = "the cache",
    *,
    read_only: bool = False,
    migrations: Mapping[int, Steps] = MIGRATIONS,
) -> int:
    """Bring the file on `conn` to the newest version; returns it. CacheFileError (nothing
    written) for a file from a newer marketbot, or an older one that is read-only.

    Every pending step runs in one BEGIN IMMEDIATE transaction with the new version: a failed
    step leaves the file as it was. The version is read again once the write lock is held, so
    of two processes opening an old file at once one migrates and the other, which waited for
    the lock (the connection's busy timeout), finds nothing left to do.
    """
    newest = len(migrations)
    version = user_version(conn)
    if version > newest:
        raise CacheFileError(newer_schema(Path(path), version, newest))
    if version == newest:
        return version
    if read_only:
        raise CacheFileError(
            f"The cache {path} is from an older marketbot (schema {version}) and "
            "read-only, so it cannot be upgraded: make it writable and run any command once."
        )
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = user_version(conn)
        if version > newest:
            raise CacheFileError(newer_schema(Path(path), version, newest))
        for pending in range(version, newest):
            for step in steps(pending, migrations):
                if callable(step):
                    step(conn)
                else:
                    conn.execute(step)
        conn.execute(f"PRAGMA user_version={newest}")
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
    return newest
