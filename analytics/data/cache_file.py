"""The cache file itself: is it usable, can it be written, and what to say when it is not.

Before SQLite touches a path, `inspect_cache_file` rules out what would end in a traceback or
a silent loss: a folder, a device (/dev/null swallows every write), a path under a regular
file, a folder that cannot be created, a file that is not SQLite, a truncated file, a file
from a newer schema. It reads the 100-byte SQLite header itself (page size at 16, page count
at 28, valid when the "version-valid-for" number at 92 equals the change counter at 24,
user_version at 60) so that nothing is written to a file it refuses.

A cache whose file or folder cannot be written opens read-only: `mode=ro` first, and when
SQLite cannot open the WAL index that way (a read-only folder cannot hold the -shm side file)
`immutable=1`, which reads the file as it is on disk. Root can write anywhere `chmod` forbids,
so the checks use `os.access`, which root passes too except on a read-only mount; tests force
the read-only path by injection and exercise the real condition in an unprivileged user
namespace.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from analytics.errors import MarketbotError

SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100


class CacheFileError(MarketbotError):
    """The cache file cannot be used as asked; the message names it and says what to do."""


@dataclass(frozen=True)
class CacheFile:
    """What `inspect_cache_file` found: whether the file exists yet and may be written."""

    path: Path
    exists: bool
    read_only: bool


def can_write(path: Path) -> bool:
    """True when `path` (a file or folder) may be written by this process (injectable)."""
    return os.access(path, os.W_OK)


def inspect_cache_file(path: Path, *, schema_version: int) -> CacheFile:
    """Check `path` before opening it; raises CacheFileError. Writes nothing."""
    if not str(path):
        raise CacheFileError(
            "The cache path is empty: give the cache file's path, e.g. --db ~/marketbot.db."
        )
    try:
        info = path.stat()
    except FileNotFoundError:
        return CacheFile(path, exists=False, read_only=_check_creatable(path))
    except NotADirectoryError:
        raise CacheFileError(_under_a_file(path)) from None
    except OSError as exc:
        raise CacheFileError(
            f"The cache {path} cannot be read ({exc.strerror}): pick another path."
        ) from None
    if stat.S_ISDIR(info.st_mode):
        raise CacheFileError(
            f"The cache {path} is a folder: give a file path, e.g. {path / 'marketbot.db'}."
        )
    if not stat.S_ISREG(info.st_mode):
        raise CacheFileError(
            f"The cache {path} is not a regular file (a device, pipe or socket): "
            "give the path of a file, e.g. ~/marketbot.db."
        )
    _check_header(path, info.st_size, schema_version)
    read_only = not (can_write(path) and can_write(path.parent))
    return CacheFile(path, exists=True, read_only=read_only)


def _under_a_file(path: Path) -> str:
    blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), path.parent)
    return (
        f"The cache {path} cannot be created: {blocker} is a file, not a folder. Pick another path."
    )


def _check_creatable(path: Path) -> bool:
    """A new cache: its folder must exist (or be creatable) and be writable."""
    folder = next((p for p in path.parents if p.exists()), None)
    if folder is not None and not folder.is_dir():
        raise CacheFileError(_under_a_file(path))
    if folder is not None and not can_write(folder):
        raise CacheFileError(
            f"The cache {path} cannot be created: the folder {folder} is not writable. "
            "Pick a folder you can write to."
        )
    return False


def create_parent(path: Path) -> None:
    """Make the cache's folder (a new cache in a new folder); CacheFileError when it cannot."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CacheFileError(
            f"The cache {path} cannot be created: the folder {path.parent} cannot be made "
            f"({exc.strerror}). Create it or pick another path."
        ) from None


def _check_header(path: Path, size: int, schema_version: int) -> None:
    if size == 0:
        return  # SQLite's own empty database: a new cache
    with open(path, "rb") as fh:
        header = fh.read(HEADER_SIZE)
    if len(header) < len(SQLITE_MAGIC) and SQLITE_MAGIC.startswith(header):
        raise CacheFileError(_damaged(path, f"truncated: {size} bytes, shorter than its header"))
    if not header.startswith(SQLITE_MAGIC):
        raise CacheFileError(
            f"The cache {path} is not a SQLite database (it holds something else): "
            "point --db at another file, or move this one away and marketbot starts a new cache."
        )
    if len(header) < HEADER_SIZE:
        raise CacheFileError(_damaged(path, f"truncated: {size} bytes, shorter than its header"))
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        raise CacheFileError(_damaged(path, f"its header gives a page size of {page_size}"))
    wal = Path(f"{path}-wal")
    wal_pending = wal.exists() and wal.stat().st_size > 0
    pages = int.from_bytes(header[28:32], "big")
    # The page count is valid only when bytes 92-96 match the change counter at 24-28; with a
    # non-empty WAL the file may be mid-checkpoint, and SQLite itself will replay it.
    if header[92:96] == header[24:28] and not wal_pending and size < pages * page_size:
        raise CacheFileError(
            _damaged(path, f"truncated: {size:,} bytes, its header says {pages * page_size:,}")
        )
    version = int.from_bytes(header[60:64], "big", signed=True)
    if version > schema_version and not wal_pending:
        raise CacheFileError(newer_schema(path, version, schema_version))


def newer_schema(path: Path, version: int, supported: int) -> str:
    return (
        f"The cache {path} was written by a newer marketbot (schema {version}; this one reads "
        f"up to {supported}): upgrade marketbot, or point --db at another file."
    )


def _damaged(path: Path, what: str) -> str:
    return (
        f"The cache {path} is damaged ({what}): delete it and marketbot fetches prices "
        "again (re-import any files you loaded), or restore a copy."
    )


def connect(path: Path, *, read_only: bool, timeout: float) -> sqlite3.Connection:
    """A connection on the cache file; read-only ones never write, side files included.

    Read-only: a file without a -wal beside it holds everything committed, so it is opened
    `immutable=1` (SQLite then makes no -wal/-shm, which a read-only connection could not
    remove again). With a -wal present, `mode=ro` reads through it; when SQLite cannot make
    the -shm index for that (a folder it cannot write), `immutable=1` reads the file alone.
    """
    if not read_only:
        return sqlite3.connect(path, timeout=timeout, check_same_thread=False)
    uri = f"file:{quote(str(path.resolve()))}"
    modes = ["immutable=1"] if not Path(f"{path}-wal").exists() else ["mode=ro", "immutable=1"]
    for i, mode in enumerate(modes):
        conn = sqlite3.connect(f"{uri}?{mode}", uri=True, timeout=timeout, check_same_thread=False)
        try:
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError:
            conn.close()
            if i == len(modes) - 1:
                raise
    raise AssertionError("unreachable")


def explain_sqlite_error(path: Path, exc: sqlite3.Error) -> str:
    """One line for a SQLite error met while using the cache at `path`."""
    text = str(exc)
    lower = text.lower()
    if "locked" in lower or "busy" in lower:
        return (
            f"The cache {path} is locked by another marketbot process: try again when it "
            "is done (or stop the other process)."
        )
    if "full" in lower:
        return f"The disk holding the cache {path} is full: free some space and try again."
    if "readonly" in lower or "read-only" in lower:
        return (
            f"The cache {path} is read-only and this command writes to it: make the file and "
            "its folder writable, or point --db at a copy."
        )
    if "malformed" in lower or "not a database" in lower or "corrupt" in lower:
        return (
            f"The cache {path} is damaged ({text}): run `marketbot cache check --db {path}`, "
            "which says whether to re-import or delete it."
        )
    if "unable to open" in lower or "disk i/o" in lower:
        return f"The cache {path} cannot be opened ({text}): check the path and its folder."
    return f"The cache {path} failed ({text}): run `marketbot cache check --db {path}`."
