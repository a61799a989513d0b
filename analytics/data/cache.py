"""The SQLite price cache (sqlite-utils): daily bars per ticker and what range of each is known.

One connection per thread (sqlite3 connections must not cross threads); WAL mode lets the bot
read while a refresh writes. The schema of every table in the file is versioned
(analytics.data.schema); opening a file for writing migrates it to SCHEMA_VERSION.
This module holds the connections, transactions, the data generation and the read memo; the
writes are in analytics.data.cache_writes, the reads in analytics.data.cache_reads.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import sqlite3
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path
from typing import Any

import sqlite_utils

from analytics.data import arrays, changes, memo_store
from analytics.data.cache_file import (
    CacheFileError,
    connect,
    create_parent,
    explain_sqlite_error,
    inspect_cache_file,
)
from analytics.data.cache_reads import CacheReads, typed_bars
from analytics.data.cache_writes import CacheWrites
from analytics.data.coverage_row import Coverage
from analytics.data.read_memo import ALL, Patch, ReadMemo, Reads, Scope
from analytics.data.schema import HISTORY_FLOOR, MIGRATIONS, SCHEMA_VERSION, migrate

__all__ = [
    "HISTORY_FLOOR",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Coverage",
    "PriceCache",
    "typed_bars",
]


class PriceCache(CacheWrites, CacheReads):
    """Daily bars in SQLite. Thread-safe: each thread gets its own connection.

    Opening checks the file first (analytics.data.cache_file) and raises CacheFileError, with
    nothing written, for a path that cannot be a cache. A file or folder that cannot be
    written opens read-only (`read_only=True` forces it): reads work, writes raise
    CacheFileError, and MarketData answers from the cache without fetching.
    """

    def __init__(
        self,
        path: Path | str,
        *,
        busy_timeout_seconds: float = 30.0,
        read_only: bool | None = None,
    ) -> None:
        self.path = Path(path)
        self.busy_timeout_seconds = busy_timeout_seconds
        found = inspect_cache_file(self.path, schema_version=SCHEMA_VERSION)
        self.read_only = found.read_only if read_only is None else read_only
        if self.read_only and not found.exists:
            raise CacheFileError(f"The cache {self.path} does not exist, so it cannot be read.")
        if not found.exists:
            create_parent(self.path)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._arrays_ready = False  # the array store exists (schema 5): commits rebuild it
        self.memo = ReadMemo()  # panels and coverage read, kept across commits elsewhere
        self._kept_kinds: dict[Hashable, memo_store.Codec] = {}  # memo keys kept in the file
        try:
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self.close()
            raise CacheFileError(explain_sqlite_error(self.path, exc)) from None
        except BaseException:
            self.close()
            raise

    # -- connections -------------------------------------------------------------------------
    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's sqlite-utils Database on the cache file."""
        db = getattr(self._local, "db", None)
        if db is None:
            timeout = self.busy_timeout_seconds
            conn = connect(self.path, read_only=self.read_only, timeout=timeout)
            try:
                conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
                if not self.read_only:
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.execute("PRAGMA synchronous=NORMAL")
            except BaseException:
                conn.close()  # a damaged schema fails here: leave no -wal/-shm behind
                raise
            db = sqlite_utils.Database(conn)
            self._local.db = db
            with self._lock:
                self._connections.append(conn)
        return db

    def generation(self) -> int:
        """A number that changes whenever anything is committed to the cache file, by any
        connection of this process or another (SQLite's data_version, read on one connection
        that never writes: it counts every other connection's commits). Memos of answers are
        keyed by it, so a fetch, an import or a re-base makes the next answer recompute.
        Numbers from a probe opened after `close()` never repeat an earlier probe's (each probe
        gets its own epoch in the high bits): a data_version restarts with its connection."""
        with self._lock:
            version = int(self._generation_probe().execute("PRAGMA data_version").fetchone()[0])
            return (self._probe_epoch << 40) | version

    def _generation_probe(self) -> sqlite3.Connection:
        """The connection `generation()` reads (call with `_lock` held)."""
        probe = getattr(self, "_probe", None)
        if probe is None:
            # Not immutable: an immutable connection never sees a change.
            timeout = self.busy_timeout_seconds
            probe = connect(self.path, read_only=self.read_only, timeout=timeout)
            probe.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            self._probe = probe
            self._probe_epoch = next(_PROBE_EPOCHS)
            self._connections.append(probe)
        return probe

    def close(self) -> None:
        """Close every connection opened by any thread."""
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()
            self._probe = None
        self._local = threading.local()
        self.memo.clear()

    def __enter__(self) -> PriceCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write on this thread's connection: BEGIN IMMEDIATE ... COMMIT.

        Nested calls join the outermost transaction, so a caller can group several writes
        (a re-base, the bars and the coverage of one fetch; one file's import) and either all
        of them land or none does. Every write method of the cache goes through here; never
        call sqlite-utils' own write helpers inside one (they commit on their own).
        Just before the commit, the array store is rebuilt for the ticker-years whose rows
        changed (analytics.data.arrays), so rows and arrays land together.
        """
        if self.read_only:
            raise CacheFileError(
                f"The cache {self.path} is read-only and this command writes to it: make the "
                "file and its folder writable, or point --db at a copy."
            )
        conn = self.db.conn
        depth = getattr(self._local, "depth", 0)
        if depth:
            self._local.depth = depth + 1
            try:
                yield conn
            finally:
                self._local.depth = depth
            return
        conn.execute("BEGIN IMMEDIATE")
        self._local.depth = 1
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        else:
            try:
                if self._arrays_ready:
                    changes.log_commit(conn)  # reads the stale marks the rebuild clears
                    arrays.rebuild_stale(conn)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
        finally:
            self._local.depth = 0

    # -- schema ------------------------------------------------------------------------------
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        migrate(self.db.conn, self.path, read_only=self.read_only)
        self._arrays_ready = True

    def memoised(
        self,
        key: Hashable,
        compute: Callable[[], Any],
        size: Callable[[Any], int] = lambda _: 0,
        *,
        scope: Scope = None,
        patch: Patch | None = None,
        keep: memo_store.Codec | None = None,
    ) -> Any:
        """`compute()`, kept in the read memo under `key` (analytics.data.read_memo): with a
        `scope` (the tables and tickers it was read from) it stays across commits that change
        other tickers and is patched, or read again, when its own change; without one, any
        commit to the file drops it. With `keep`, a big entry is also kept in the file for the
        next process (analytics.data.memo_store). Computed afresh inside a write transaction. For
        what is read from the file only (never a partial answer); callers must not mutate the
        value."""
        if self._writing():
            return compute()
        self.sync_memo()
        if keep is not None:
            self._kept_kinds[key[0]] = keep
            compute = functools.partial(self._kept_or_computed, key, compute, scope, patch, keep)
        return self.memo.get_or_compute(key, compute, size, scope, patch)

    def _kept_or_computed(
        self,
        key: tuple,
        compute: Callable[[], Any],
        scope: Scope,
        patch: Patch | None,
        codec: memo_store.Codec,
    ) -> Any:
        """A miss of an entry kept in the file (analytics.data.memo_store): the kept value
        brought up to date by the change log (its changed names patched), else computed and
        kept for the next process."""
        with self.snapshot() as conn:
            head = changes.log_head(conn)
            kept = memo_store.load(conn, key, codec)
            since = (
                None
                if kept is None or scope is None
                else changes.read_changes(conn, kept[1], scope.tables)
            )
            if kept is None or since is None or since.tables is None or scope is None:
                value = compute()  # joins this snapshot: the value is the state at `head`
                fresh = True
            else:
                value, fresh = kept[0], False
                changed = scope.hit(since.tables)
                if changed and patch is None:
                    value, fresh = compute(), True
                elif changed:
                    value = patch(value, changed)
                    # Kept again once the patch is worth sparing the next process.
                    fresh = len(changed) >= max(REKEEP_NAMES, _names_in(scope) // 100)
        if fresh and codec.worth_keeping(value) and not self.read_only:
            self._keep(key, codec, value, head)
        return value

    def _keep(self, key: tuple, codec: memo_store.Codec, value: Any, head: int) -> None:
        """Save a memo entry for later processes, unless the file is busy (it is only a
        head start: never worth a wait) or cannot be written."""
        try:
            with self.bookkeeping(wait=False) as conn:
                memo_store.save(conn, key, codec, value, head)
            own = self.db.conn  # this thread's: the probe's lock stays free for lookups
            if not own.in_transaction:
                # Into the file now (as far as no reader holds it back; never waits): a later
                # reader then maps the entry's pages instead of reading them from the -wal.
                own.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:
            pass

    def memoised_table(
        self,
        table: str,
        read: Callable[[list[str] | None], dict[str, Any]],
        size: Callable[[Any], int] = lambda table: 300 * len(table),
    ) -> dict[str, Any]:
        """`table` keyed by ticker, read whole (`read(None)`) and kept in the read memo; after
        a commit that changed some of its tickers, only theirs are read again (`read(tickers)`)."""

        def whole() -> dict[str, Any]:
            with self.snapshot():
                return read(None)

        def patch(table: dict[str, Any], changed: frozenset[str]) -> dict[str, Any]:
            with self.snapshot():
                fresh = read(sorted(changed))
            patched = dict(table)  # a copy: the old table is shared
            for ticker in changed:
                patched.pop(ticker, None)
            patched.update(fresh)
            return patched

        scope = Reads(frozenset({table}), ALL)
        return self.memoised(("table", table), whole, size, scope=scope, patch=patch)

    def sync_memo(self) -> None:
        """Bring the read memo to what is committed now (cheap when nothing was)."""
        self.memo.sync(self.generation(), self._changes_since)

    def refresh_memo(self) -> int:
        """After a big write (the nightly refresh): patch now every read-memo entry it
        touched, in the writer's thread, so that no command pays for it (and keep the big ones
        in the file for the next process); returns how many."""
        if self._writing():
            return 0
        self.sync_memo()
        patched = self.memo.patch_dirty()
        head = self.memo.head
        if head is not None and not self.read_only:
            for key, value in patched:  # and for the next process (a terminal command)
                codec = self._kept_kinds.get(key[0]) if isinstance(key, tuple) else None
                if codec is not None and codec.worth_keeping(value):
                    self._keep(key, codec, value, head)
        return len(patched)

    def _changes_since(self, since: int | None) -> changes.Changes:
        with self.snapshot() as conn:
            return changes.read_changes(conn, since)

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection inside one read transaction (joined if one is open), so
        the statements of a read see one state of the file."""
        conn = self.db.conn
        own = not conn.in_transaction
        if own:
            conn.execute("BEGIN")
        try:
            yield conn
        finally:
            if own:
                conn.execute("COMMIT")

    @contextlib.contextmanager
    def bookkeeping(self, *, wait: bool = True) -> Iterator[sqlite3.Connection]:
        """A short write no answer depends on (the lease, the tickers asked for): committed on
        the generation probe, whose own commits do not move `generation()`, so this process
        keeps its memos (other processes see a commit; their read memo finds nothing in the
        change log and keeps its entries). The body must not call `generation()`.

        The write lock is waited for without holding the probe (a long import elsewhere must
        not stall every lookup of this process): BEGIN IMMEDIATE is retried until the busy
        timeout (not at all with `wait=False`: busy raises at once), the probe's lock held only
        from the lock taken to the commit."""
        if self.read_only:
            with self.transaction():  # refuses, saying the cache is read-only
                pass
        deadline = time.monotonic() + self.busy_timeout_seconds
        while True:
            with self._lock:
                probe = self._generation_probe()
                probe.execute("PRAGMA busy_timeout=0")
                try:
                    probe.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError as exc:
                    if not _is_busy(exc) or not wait or time.monotonic() >= deadline:
                        raise
                else:
                    try:
                        yield probe
                    except BaseException:
                        probe.rollback()
                        raise
                    probe.commit()
                    return
                finally:
                    probe.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_seconds * 1000)}")
            time.sleep(0.02)

    def _writing(self) -> bool:
        """This thread is inside `transaction()`: its reads see its own uncommitted writes,
        which no memo may keep."""
        return bool(getattr(self._local, "depth", 0))


REKEEP_NAMES = 20
"""A kept entry patched for at least this many names (or 1% of them) is kept again."""


def _names_in(scope: Reads) -> int:
    return len(scope.tickers) if isinstance(scope.tickers, frozenset) else 1


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


_PROBE_EPOCHS = itertools.count(1)
