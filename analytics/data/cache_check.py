"""`marketbot cache check`: SQLite's integrity check on the cache, and what to do about damage.

Runs on a read-only connection (analytics.data.cache_file.connect), so checking never writes,
and without opening the file as a PriceCache (no migration), so a damaged file can be checked.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from analytics.data.cache_file import connect, inspect_cache_file
from analytics.data.holes import IMPORT_PREFIX

MAX_PROBLEMS = 20


@dataclass(frozen=True)
class CheckReport:
    """ok: SQLite found no damage. problems: its first messages. imported: the files whose
    bars the cache holds (sources `import:NAME`), which a new cache needs re-imported;
    None when the damage kept them from being read. advice: one sentence on what to do."""

    path: Path
    ok: bool
    problems: tuple[str, ...] = ()
    imported: tuple[str, ...] | None = field(default=())
    advice: str = ""


def check_cache(path: Path, *, schema_version: int) -> CheckReport:
    """Run `PRAGMA integrity_check` on the cache at `path`; CacheFileError when it cannot be
    opened as a SQLite file at all (the message then says what to do)."""
    inspect_cache_file(path, schema_version=schema_version)
    if not path.exists():
        return CheckReport(
            path, ok=True, advice=f"There is no cache at {path} yet: nothing to check."
        )
    conn = connect(path, read_only=True, timeout=5.0)
    try:
        try:
            rows = conn.execute(f"PRAGMA integrity_check({MAX_PROBLEMS})").fetchall()
            problems = tuple(str(r[0]) for r in rows if str(r[0]) != "ok")
        except sqlite3.DatabaseError as exc:
            problems = (str(exc),)
        imported = _imported_files(conn)
    finally:
        conn.close()
    if not problems:
        return CheckReport(path, ok=True, imported=imported, advice="No damage found.")
    return CheckReport(
        path, ok=False, problems=problems, imported=imported, advice=_advice(path, imported)
    )


def _imported_files(conn: sqlite3.Connection) -> tuple[str, ...] | None:
    try:
        rows = conn.execute(
            "SELECT DISTINCT source FROM bars WHERE source LIKE ? ORDER BY source",
            [IMPORT_PREFIX + "%"],
        ).fetchall()
    except sqlite3.DatabaseError:
        return None
    return tuple(r[0][len(IMPORT_PREFIX) :] for r in rows)


def _advice(path: Path, imported: tuple[str, ...] | None) -> str:
    delete = f"Delete {path} (and {path.name}-wal, {path.name}-shm beside it)"
    if imported is None:
        return (
            f"{delete}; prices from Yahoo Finance are fetched again on the next commands, and "
            "any files you imported must be imported again (the damage hides which)."
        )
    if imported:
        names = ", ".join(imported[:10]) + (
            f" and {len(imported) - 10} more" if len(imported) > 10 else ""
        )
        return f"{delete}, then re-import {names}; prices from Yahoo Finance are fetched again."
    return (
        f"{delete}: everything in it came from Yahoo Finance and is fetched again on the next "
        "commands."
    )
