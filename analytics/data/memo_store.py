"""The read memo's big entries kept in the cache file, so that a new process starts warm: the
wide panels of a fund's names and the plan's coverage index, as packed arrays and JSON.

Why: every terminal command is a new process, and so is a restarted bot; the first read of
2,000 names' adjusted closes builds a panel from 4,000 ticker-year rows (about 45 ms), where
loading it back is one BLOB.

An entry is saved with the change log's head it was read at (analytics.data.changes). Loading it
reads what the log says changed since, and the caller patches those names (as the memo does in
a process); an entry the log cannot bring up to date (unlogged writes, pruned past it) is not
used. It lives in the same file as the data it was read from, so a copy or a restored backup
carries entries that match its own log. `CODE` ties an entry to the code that computed it (the
modules that shape the values): another marketbot ignores it.

Saving is a bookkeeping write (it changes no answer): skipped when the file is busy or
read-only; KEEP entries at most, the newest kept.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from analytics.data.coverage_row import Coverage
from analytics.data.panel import Panel

TABLE = "memo_entries"
SCHEMA: tuple[str, ...] = (
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        key TEXT PRIMARY KEY,
        code TEXT NOT NULL,
        head INTEGER NOT NULL,
        saved_at REAL NOT NULL,
        meta TEXT NOT NULL,
        data BLOB NOT NULL
    )""",
)
MIGRATION = SCHEMA

KEEP = 12
"""Entries kept in the file (about 60 MB at most for a year of 2,000 names each)."""

MIN_NAMES = 200
"""Reads of fewer names are cheap to do again: not worth a write."""

_SHAPING_MODULES = ("arrays", "panel", "cache_reads", "gaps", "holes", "changes", "memo_store")


def _code() -> str:
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for name in _SHAPING_MODULES:
        digest.update((here / f"{name}.py").read_bytes())
    return digest.hexdigest()[:16]


CODE = _code()


@functools.lru_cache(maxsize=4 * KEEP)
def entry_key(key: tuple) -> str:
    """The row key of a memo key (tickers, dates and columns: a repr is exact and stable)."""
    return hashlib.sha256(repr(key).encode()).hexdigest()


# -- codecs ---------------------------------------------------------------------------------------
def _encode_panel(panel: Panel) -> tuple[dict[str, Any], bytes]:
    # Column-major, as the panel holds them: each matrix written as its transpose.
    parts = [panel.dates.astype("<i8").tobytes(), panel.present.astype("u1").T.tobytes()]
    numeric = [c for c in panel.columns if c != "source"]
    parts += [panel.values[c].astype("<f8").T.tobytes() for c in numeric]
    if panel.codes is not None:
        parts.append(panel.codes.astype("<i2").T.tobytes())
    meta = {
        "kind": "panel",
        "rows": len(panel.dates),
        "tickers": list(panel.tickers),
        "columns": list(panel.columns),
        "labels": list(panel.labels),
    }
    return meta, b"".join(parts)


def _decode_panel(meta: dict[str, Any], data: bytes) -> Panel:
    rows, cols = meta["rows"], len(meta["tickers"])
    cells = rows * cols
    offset = 0

    def take(dtype: str, count: int) -> np.ndarray:
        nonlocal offset
        array = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
        offset += array.nbytes
        return array

    def matrix(dtype: str) -> np.ndarray:
        return take(dtype, cells).reshape(cols, rows).T  # column-major, no copy

    dates = take("<i8", rows).astype("datetime64[D]")
    present = matrix("u1").view(bool)
    columns = tuple(meta["columns"])
    values = {c: matrix("<f8") for c in columns if c != "source"}
    codes = matrix("<i2") if "source" in columns else None
    if offset != len(data):
        raise ValueError("memo entry of the wrong size")
    return Panel(
        dates, tuple(meta["tickers"]), columns, values, present, codes, tuple(meta["labels"])
    )


def _encode_index(index: Any) -> tuple[dict[str, Any], bytes]:
    spans = [
        [
            None
            if cov is None
            else [
                cov.ticker,
                cov.checked_from.isoformat(),
                cov.checked_to.isoformat(),
                cov.fetched_at.isoformat(),
                cov.source,
            ],
            list(positions),
        ]
        for cov, positions in index.spans
    ]
    holes = {
        str(i): [[a.isoformat(), b.isoformat()] for a, b in found]
        for i, found in index.holes.items()
    }
    return {"kind": "index"}, json.dumps({"spans": spans, "holes": holes}).encode()


def _decode_index(meta: dict[str, Any], data: bytes, tickers: tuple[str, ...]) -> Any:
    from analytics.data.gaps import CoverageIndex  # gaps imports the cache, which imports this

    body = json.loads(data)
    spans = tuple(
        (
            None
            if cov is None
            else Coverage(
                ticker=cov[0],
                checked_from=dt.date.fromisoformat(cov[1]),
                checked_to=dt.date.fromisoformat(cov[2]),
                fetched_at=dt.datetime.fromisoformat(cov[3]),
                source=cov[4],
            ),
            tuple(positions),
        )
        for cov, positions in body["spans"]
    )
    holes = {
        int(i): tuple((dt.date.fromisoformat(a), dt.date.fromisoformat(b)) for a, b in found)
        for i, found in body["holes"].items()
    }
    return CoverageIndex(spans, holes)  # positions: looked up by a patch, when there is one


@dataclass(frozen=True)
class Codec:
    """How one kind of memo value is kept: encode, decode (with the memo key), and whether a
    value is worth a write."""

    encode: Callable[[Any], tuple[dict[str, Any], bytes]]
    decode: Callable[[dict[str, Any], bytes, tuple], Any]
    worth_keeping: Callable[[Any], bool]


PANEL = Codec(
    _encode_panel,
    lambda meta, data, key: _decode_panel(meta, data),
    lambda panel: len(panel.tickers) >= MIN_NAMES,
)
INDEX = Codec(
    _encode_index,
    lambda meta, data, key: _decode_index(meta, data, key[1]),
    lambda index: sum(len(ix) for _, ix in index.spans) >= MIN_NAMES,
)
"""The plan's coverage index; its memo key is ("coverage_index", tickers)."""


# -- the table ------------------------------------------------------------------------------------
def load(conn: sqlite3.Connection, key: tuple, codec: Codec) -> tuple[Any, int] | None:
    """(value, head it was read at) of the entry kept for `key`, or None (none, another
    marketbot's, or unreadable). Inside the caller's read transaction: the row found is the
    one whose BLOB is then read."""
    assert conn.in_transaction, "memo_store.load outside a read transaction"
    row = conn.execute(
        f"SELECT rowid, code, head, meta FROM {TABLE} WHERE key = ?", [entry_key(key)]
    ).fetchone()
    if row is None or row[1] != CODE:
        return None
    try:
        data = _read_blob(conn, row[0])
        return codec.decode(json.loads(row[3]), data, key), int(row[2])
    except (ValueError, KeyError, TypeError):
        return None


MAP_BYTES = 1 << 30
"""How much of the file is memory-mapped while an entry is read (SQLite's mmap_size)."""


def _read_blob(conn: sqlite3.Connection, rowid: int) -> bytes:
    """An entry's data: through an open BLOB, read straight into the bytes object (a SELECT
    makes SQLite copy the megabytes into a value of its own first), with the file mapped
    for the read only: its pages are then one copy out of the OS's cache, not a read call per
    4 KB page (4.8 MB: 6 -> 0.8 ms), and the process does not keep every page it ever read
    mapped (resident) afterwards. Pages still in the -wal are read as before."""
    conn.execute(f"PRAGMA mmap_size={MAP_BYTES}")
    try:
        with conn.blobopen(TABLE, "data", rowid, readonly=True) as blob:
            return blob.read()
    finally:
        conn.execute("PRAGMA mmap_size=0")


def save(conn: sqlite3.Connection, key: tuple, codec: Codec, value: Any, head: int) -> None:
    """Keep `value` (read at log `head`) for `key`, inside the caller's write transaction;
    the oldest entries beyond KEEP go."""
    meta, data = codec.encode(value)
    conn.execute(
        f"INSERT OR REPLACE INTO {TABLE} (key, code, head, saved_at, meta, data)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [entry_key(key), CODE, head, time.time(), json.dumps(meta), data],
    )
    conn.execute(
        f"DELETE FROM {TABLE} WHERE key NOT IN"
        f" (SELECT key FROM {TABLE} ORDER BY saved_at DESC LIMIT {KEEP})"
    )


def kept_size(conn: sqlite3.Connection) -> tuple[int, int, int]:
    """(entries, bytes of their data and descriptions, entries this code can use) kept in
    the file: what `cache status` shows of the room they take. Another version's entries are
    dead weight until newer ones push them out."""
    count, size, usable = conn.execute(
        "SELECT COUNT(*), COALESCE(SUM(length(data) + length(CAST(meta AS BLOB))), 0),"
        f" COALESCE(SUM(code = ?), 0) FROM {TABLE}",
        [CODE],
    ).fetchone()
    return int(count), int(size), int(usable)
