"""Which tickers each commit changed: the log the read memo follows so that a write keeps what
it did not touch.

Why: the read memo used to start again after any commit to the file, and a running bot commits
all the time without touching a price (the lease renewed every 20 s, an alert added, a daily
post claimed); a fetch of one ticker threw away the panels of 2,000 others.

What is logged: every (table, ticker) changed in a table the memo reads by ticker (the bars,
through the array store's stale marks; coverage, holes, unknown symbols and pending events,
through triggers marking `ticker_changes_pending`). `PriceCache.transaction()` turns the marks
into one log entry just before it commits (`log_commit`), so an entry lands with its rows or
not at all.

A write that bypasses the transaction (raw SQL, another tool) leaves its marks in place: a
reader that finds marks cannot tell what changed and starts its memo again (`read_changes`).
Entries older than KEEP commits are pruned; a reader further behind also starts again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from analytics.data.arrays import STALE

LOG = "ticker_changes"
PENDING = "ticker_changes_pending"
KEEP = 500
"""Commits kept in the log (a reader that missed more reads everything again)."""

WATCHED = ("coverage", "coverage_holes", "unknown_symbols", "events_pending")
"""Tables read by ticker through the memo, besides the bars (whose stale marks say the same)."""


BARS = "bars"


def _mark(table: str, row: str) -> str:
    # Not INSERT OR IGNORE: an upsert's conflict clause would override the trigger's own.
    return (
        f"INSERT INTO {PENDING} (tbl, ticker) SELECT '{table}', {row}.ticker WHERE NOT EXISTS"
        f" (SELECT 1 FROM {PENDING} WHERE tbl = '{table}' AND ticker = {row}.ticker);"
    )


def _triggers(table: str) -> tuple[str, ...]:
    return (
        f"CREATE TRIGGER IF NOT EXISTS {table}_changed_insert AFTER INSERT ON {table}"
        f" BEGIN {_mark(table, 'NEW')} END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_changed_update AFTER UPDATE ON {table}"
        f" BEGIN {_mark(table, 'OLD')} {_mark(table, 'NEW')} END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_changed_delete AFTER DELETE ON {table}"
        f" BEGIN {_mark(table, 'OLD')} END",
    )


SCHEMA: tuple[str, ...] = (
    f"""CREATE TABLE IF NOT EXISTS {LOG} (
        seq INTEGER NOT NULL, tbl TEXT NOT NULL, ticker TEXT NOT NULL,
        PRIMARY KEY (seq, tbl, ticker)
    ) WITHOUT ROWID""",
    f"CREATE INDEX IF NOT EXISTS {LOG}_by_table ON {LOG} (tbl, seq)",
    f"""CREATE TABLE IF NOT EXISTS {PENDING} (
        tbl TEXT NOT NULL, ticker TEXT NOT NULL,
        PRIMARY KEY (tbl, ticker)
    ) WITHOUT ROWID""",
    *(statement for table in WATCHED for statement in _triggers(table)),
)
MIGRATION: tuple[str | Callable[[sqlite3.Connection], None], ...] = SCHEMA


def _marked(conn: sqlite3.Connection) -> bool:
    """Changes marked and not yet logged (inside a committing transaction: this one's)."""
    return bool(
        conn.execute(
            f"SELECT EXISTS (SELECT 1 FROM {STALE}) OR EXISTS (SELECT 1 FROM {PENDING})"
        ).fetchone()[0]
    )


def log_commit(conn: sqlite3.Connection) -> int | None:
    """Inside the committing transaction, before the array store is rebuilt (it clears the
    stale marks): one log entry for every ticker marked; returns its number (None: nothing
    ticker-scoped changed)."""
    if not _marked(conn):
        return None
    seq = int(conn.execute(f"SELECT coalesce(max(seq), 0) + 1 FROM {LOG}").fetchone()[0])
    conn.execute(
        f"INSERT OR IGNORE INTO {LOG} (seq, tbl, ticker) SELECT ?, '{BARS}', ticker FROM {STALE}"
        f" UNION SELECT ?, tbl, ticker FROM {PENDING}",
        [seq, seq],
    )
    conn.execute(f"DELETE FROM {PENDING}")
    conn.execute(f"DELETE FROM {LOG} WHERE seq <= ?", [seq - KEEP])
    return seq


@dataclass(frozen=True)
class Changes:
    """What changed since a reader's entry `since`: the log's newest entry `head`, and the
    tickers changed after `since` up to it, by table (BARS or one of WATCHED); `tables` None
    means "anything may have changed" (unlogged marks, or `since` pruned away)."""

    head: int
    tables: Mapping[str, frozenset[str]] | None


def log_head(conn: sqlite3.Connection) -> int:
    """The newest log entry (0: none yet)."""
    return int(conn.execute(f"SELECT coalesce(max(seq), 0) FROM {LOG}").fetchone()[0])


def read_changes(
    conn: sqlite3.Connection, since: int | None, tables: Iterable[str] | None = None
) -> Changes:
    """Call inside one read snapshot. `since` None: a reader with nothing kept yet; `tables`:
    only those tables' changes are read (None: all)."""
    unlogged = _marked(conn)  # written outside a transaction: the log cannot say what
    # Two queries: SQLite answers a lone min() or max() from the key, both at once by a scan.
    oldest = conn.execute(f"SELECT coalesce(min(seq), 0) FROM {LOG}").fetchone()[0]
    head = log_head(conn)
    if since is None or unlogged or since > head or (since < oldest - 1 and since != head):
        return Changes(int(head), None)
    if since == head:
        return Changes(int(head), {})
    found: dict[str, set[str]] = {}
    if tables is None:
        rows = conn.execute(f"SELECT tbl, ticker FROM {LOG} WHERE seq > ?", [since])
    else:
        wanted = sorted(set(tables))
        rows = conn.execute(
            f"SELECT tbl, ticker FROM {LOG} WHERE tbl IN ({','.join('?' * len(wanted))})"
            " AND seq > ?",
            [*wanted, since],
        )
    for table, ticker in rows:
        found.setdefault(table, set()).add(ticker)
    return Changes(int(head), {table: frozenset(names) for table, names in found.items()})
