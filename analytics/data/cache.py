"""The SQLite price cache (sqlite-utils): daily bars per ticker and what range of each is known.

One connection per thread (sqlite3 connections must not cross threads); WAL mode lets the bot
read while a refresh writes. The schema of every table in the file is versioned
(analytics.data.schema); opening a file for writing migrates it to SCHEMA_VERSION.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import sqlite3
import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import sqlite_utils

from analytics.data import arrays
from analytics.data.cache_file import (
    CacheFileError,
    connect,
    create_parent,
    explain_sqlite_error,
    inspect_cache_file,
)
from analytics.data.cache_status import TickerStatus, ticker_status
from analytics.data.holes import Hole, hole_rows, holes_report, pending_holes
from analytics.data.panel import Panel
from analytics.data.provider import BAR_COLUMNS
from analytics.data.read_memo import GenerationMemo
from analytics.data.rebase import Rebase
from analytics.data.schema import HISTORY_FLOOR, MIGRATIONS, SCHEMA_VERSION, migrate

__all__ = ["HISTORY_FLOOR", "MIGRATIONS", "SCHEMA_VERSION", "Coverage", "PriceCache"]


@dataclass(frozen=True)
class Coverage:
    """The date range the provider has been asked about for one ticker, and when."""

    ticker: str
    checked_from: dt.date
    checked_to: dt.date
    fetched_at: dt.datetime
    source: str | None = None


class PriceCache:
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
        self.memo = GenerationMemo()  # panels and coverage read, while nothing is committed
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

    # -- writes ------------------------------------------------------------------------------
    def store_bars(self, ticker: str, bars: pd.DataFrame, source: str) -> int:
        """Upsert a bar frame (index dates, BAR_COLUMNS); returns the number of rows written."""
        if bars.empty:
            return 0
        frame = bars.reindex(columns=list(BAR_COLUMNS))
        dates = pd.DatetimeIndex(frame.index).strftime("%Y-%m-%d")
        values = frame.astype("float64").to_numpy()
        rows = [
            (ticker, day, *(None if v != v else float(v) for v in row), source)
            for day, row in zip(dates, values, strict=True)
        ]
        with self.transaction() as conn:
            conn.executemany(
                "INSERT INTO bars (ticker, date, open, high, low, close, adj_close, volume, source)"
                " VALUES (?,?,?,?,?,?,?,?,?)"
                " ON CONFLICT(ticker, date) DO UPDATE SET open=excluded.open, high=excluded.high,"
                " low=excluded.low, close=excluded.close, adj_close=excluded.adj_close,"
                " volume=excluded.volume, source=excluded.source",
                rows,
            )
        return len(rows)

    def merge_bars(
        self, ticker: str, bars: pd.DataFrame, source: str, *, replace: bool = False
    ) -> int:
        """Upsert an import's rows where a NaN field keeps the cached value; returns rows written.

        A poorer row never replaces a richer one: a close-only row leaves the cached
        open/high/low/volume as they were. `bars` is indexed by date with some of BAR_COLUMNS
        and optionally a `source` column (None keeps the row's cached source); without one every
        row is labelled `source`. `replace=True` first forgets the ticker's cached bars and
        coverage (`import prices --replace`). Joins the caller's transaction, if any.
        """
        frame = bars.reindex(columns=list(BAR_COLUMNS))
        dates = pd.DatetimeIndex(frame.index).strftime("%Y-%m-%d")
        values = frame.astype("float64").to_numpy()
        labels = bars["source"].tolist() if "source" in bars else [source] * len(bars)
        rows = [
            (ticker, day, *(None if v != v else float(v) for v in row), label)
            for day, row, label in zip(dates, values, labels, strict=True)
        ]
        keep = ", ".join(
            f"{c} = COALESCE(excluded.{c}, bars.{c})" for c in (*BAR_COLUMNS, "source")
        )
        with self.transaction() as conn:
            if replace:
                conn.execute("DELETE FROM bars WHERE ticker = ?", [ticker])
                conn.execute("DELETE FROM coverage WHERE ticker = ?", [ticker])
            conn.executemany(
                "INSERT INTO bars (ticker, date, open, high, low, close, adj_close, volume, source)"
                f" VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(ticker, date) DO UPDATE SET {keep}",
                rows,
            )
        return len(rows)

    def rescale(self, ticker: str, before: dt.date, factors: Rebase) -> int:
        """Put `ticker`'s rows dated before `before` on a new price basis (a split or dividend)."""
        with self.transaction() as conn:
            cursor = conn.execute(
                "UPDATE bars SET open = open * ?, high = high * ?, low = low * ?,"
                " close = close * ?, volume = volume / ?, adj_close = adj_close * ?"
                " WHERE ticker = ? AND date < ?",
                [*([factors.price] * 5), factors.adjusted, ticker, before.isoformat()],
            )
        return cursor.rowcount

    def mark_checked(
        self,
        ticker: str,
        checked_from: dt.date,
        checked_to: dt.date,
        fetched_at: dt.datetime,
        source: str,
    ) -> None:
        """Record that the provider was asked for [checked_from, checked_to]; widens the range.

        Coverage is one span per ticker: a range that does not touch the known one (an import
        years away from the cached dates) is merged with it, and the sessions between them
        are recorded as a hole to fetch, not passed off as checked.
        """
        with self.transaction() as conn:
            old = self.coverage([ticker]).get(ticker)
            if old is not None:
                between = [
                    (checked_to + dt.timedelta(days=1), old.checked_from - dt.timedelta(days=1)),
                    (old.checked_to + dt.timedelta(days=1), checked_from - dt.timedelta(days=1)),
                ]
                self.add_holes(ticker, between, fetched_at)
                # A later fetch of the newest session replaces a partial bar: keep its time only
                # when it extends the range forwards.
                if checked_to < old.checked_to:
                    fetched_at = old.fetched_at
                checked_from = min(checked_from, old.checked_from)
                checked_to = max(checked_to, old.checked_to)
            conn.execute(
                "INSERT OR REPLACE INTO coverage"
                " (ticker, checked_from, checked_to, fetched_at, source) VALUES (?,?,?,?,?)",
                [
                    ticker,
                    checked_from.isoformat(),
                    checked_to.isoformat(),
                    fetched_at.astimezone(dt.UTC).isoformat(),
                    source,
                ],
            )

    def add_holes(
        self, ticker: str, ranges: Iterable[tuple[dt.date, dt.date]], found_at: dt.datetime
    ) -> int:
        """Record the NYSE sessions of each range as a hole to fetch (ranges without a session
        are skipped); returns how many holes were recorded."""
        rows = hole_rows(ticker, ranges, found_at)
        if rows:
            with self.transaction() as conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO coverage_holes (ticker, start, end, found_at)"
                    " VALUES (?,?,?,?)",
                    rows,
                )
        return len(rows)

    def pending_holes(self, tickers: Iterable[str]) -> dict[str, list[tuple[dt.date, dt.date]]]:
        """Recorded holes of these tickers, oldest first (absent tickers are left out).

        From the whole table read once per generation, as `coverage` (asked on every plan)."""
        table = self.memoised(
            ("coverage_holes",), lambda: pending_holes(self.db.conn, None), _size_of_table
        )
        return {t: list(table[t]) for t in tickers if t in table}

    def clear_hole(self, ticker: str, start: dt.date) -> None:
        """The provider answered for the hole starting at `start`: nothing left to ask."""
        with self.transaction() as conn:
            conn.execute(
                "DELETE FROM coverage_holes WHERE ticker = ? AND start = ?",
                [ticker, start.isoformat()],
            )

    def mark_unknown(self, tickers: Iterable[str], checked_at: dt.datetime, source: str) -> None:
        """Remember that the provider does not know these symbols."""
        rows = [(t, checked_at.astimezone(dt.UTC).isoformat(), source) for t in tickers]
        if rows:
            with self.transaction() as conn:
                conn.executemany(
                    "INSERT OR REPLACE INTO unknown_symbols (ticker, checked_at, source) VALUES (?,?,?)",
                    rows,
                )

    def forget_unknown(self, tickers: Iterable[str]) -> None:
        """The provider knows these symbols after all (a new listing)."""
        tickers = list(tickers)
        for chunk in _chunks(tickers, 900):
            with self.transaction() as conn:
                conn.execute(
                    f"DELETE FROM unknown_symbols WHERE ticker IN ({','.join('?' * len(chunk))})",
                    chunk,
                )

    def unknown_since(self, tickers: Iterable[str], since: dt.datetime) -> set[str]:
        """Those of `tickers` the provider said it did not know at or after `since`."""
        cutoff = since.astimezone(dt.UTC).isoformat()
        table: dict[str, str] = self.memoised(
            ("unknown_symbols",),
            lambda: dict(self.db.execute("SELECT ticker, checked_at FROM unknown_symbols")),
            _size_of_table,
        )
        recent = {t for t, at in table.items() if at >= cutoff}
        return recent.intersection(tickers) if recent else set()

    def touch_recent(self, tickers: Iterable[str], used_at: dt.datetime) -> None:
        """Record that commands asked for these tickers at `used_at` (keeps the latest time)."""
        when = used_at.astimezone(dt.UTC).isoformat()
        rows = [(t, when) for t in tickers]
        if not rows:
            return
        if self.read_only:
            with self.transaction():  # refuses, saying the cache is read-only
                pass
        # Bookkeeping no answer depends on: written on the generation probe, whose own commits
        # do not change `generation()`, so reading prices does not invalidate memoised answers.
        with self._lock:
            probe = self._generation_probe()
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.executemany(
                    "INSERT INTO recent_requests (ticker, last_used) VALUES (?, ?)"
                    " ON CONFLICT(ticker) DO UPDATE SET"
                    " last_used = MAX(last_used, excluded.last_used)",
                    rows,
                )
            except BaseException:
                probe.rollback()
                raise
            probe.commit()

    def recent_tickers(self, since: dt.datetime) -> list[str]:
        """Tickers commands asked for at or after `since`, alphabetically."""
        rows = self.db.execute(
            "SELECT ticker FROM recent_requests WHERE last_used >= ? ORDER BY ticker",
            [since.astimezone(dt.UTC).isoformat()],
        ).fetchall()
        return [r[0] for r in rows]

    # -- reads -------------------------------------------------------------------------------
    def coverage(self, tickers: Iterable[str]) -> dict[str, Coverage]:
        """Known ranges for the given tickers (absent tickers are left out).

        Outside a write transaction, from the whole table read once per generation (the plan
        of a 2,000-name command asks for every name on each call)."""
        tickers = list(tickers)
        if not tickers:
            return {}
        if self._writing():
            return self._coverage_of(tickers)
        table = self.memo.get_or_compute(
            self.generation(), ("coverage",), lambda: self._coverage_of(None), _size_of_table
        )
        return {t: table[t] for t in tickers if t in table}

    def _coverage_of(self, tickers: list[str] | None) -> dict[str, Coverage]:
        """Coverage rows of `tickers` (None: all) from the table."""
        out: dict[str, Coverage] = {}
        selections = (
            [("", [])]
            if tickers is None
            else [
                (f" WHERE ticker IN ({','.join('?' * len(chunk))})", chunk)
                for chunk in _chunks(tickers, 900)
            ]
        )
        for where, params in selections:
            for row in self.db.execute(
                f"SELECT ticker, checked_from, checked_to, fetched_at, source FROM coverage{where}",
                params,
            ):
                out[row[0]] = Coverage(
                    ticker=row[0],
                    checked_from=dt.date.fromisoformat(row[1]),
                    checked_to=dt.date.fromisoformat(row[2]),
                    fetched_at=dt.datetime.fromisoformat(row[3]),
                    source=row[4],
                )
        return out

    def memoised(
        self,
        key: Hashable,
        compute: Callable[[], Any],
        size: Callable[[Any], int] = lambda _: 0,
    ) -> Any:
        """`compute()`, kept in the read memo under `key` while nothing is committed to the
        file (any connection or process: `generation()`); computed afresh inside a write
        transaction. For what is read from the file only (never a partial answer); callers
        must not mutate the value."""
        if self._writing():
            return compute()
        return self.memo.get_or_compute(self.generation(), key, compute, size)

    def sources(self, tickers: Sequence[str], start: dt.date, end: dt.date) -> tuple[str, ...]:
        """The distinct sources of the bars of `tickers` from `start` to `end`, sorted; from the
        array store's source codes (not a string per bar)."""
        return self.read_panel(tickers, start, end, ["source"]).sources()

    def _writing(self) -> bool:
        """This thread is inside `transaction()`: its reads see its own uncommitted writes,
        which no memo may keep."""
        return bool(getattr(self._local, "depth", 0))

    def read_bars(
        self,
        tickers: Sequence[str],
        start: dt.date | None = None,
        end: dt.date | None = None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Bars of many tickers: long frame (ticker, date, columns), ordered by ticker and date.

        `columns` defaults to BAR_COLUMNS plus source; asking only for what a command uses
        (e.g. adj_close) reads only those arrays. Read from the array store (`read_panel`);
        the same frame as the rows give (`read_bars_rows`).
        """
        return self.read_panel(tickers, start, end, columns).long()

    def read_panel(
        self,
        tickers: Sequence[str],
        start: dt.date | None = None,
        end: dt.date | None = None,
        columns: Sequence[str] | None = None,
    ) -> Panel:
        """Bars of many tickers as matrices, dates x tickers (analytics.data.panel), from the
        array store: one BLOB per ticker-year and column instead of a tuple per bar."""
        wanted = _columns(columns)
        tickers = list(dict.fromkeys(tickers))
        lo = start or HISTORY_FLOOR
        hi = end or dt.date(9999, 12, 31)
        if self._writing():
            return self._read_panel(tickers, lo, hi, wanted)
        return self.memo.get_or_compute(
            self.generation(),  # before the read: the panel is never older than its key
            ("panel", tuple(tickers), lo, hi, tuple(wanted)),
            lambda: self._read_panel(tickers, lo, hi, wanted),
            lambda panel: panel.nbytes,
        )

    def _read_panel(self, tickers: list[str], lo: dt.date, hi: dt.date, wanted: list[str]) -> Panel:
        """The panel from the array store, in one read snapshot (a commit between the
        statements of a chunked read cannot mix two states of the file)."""
        conn = self.db.conn
        own = not conn.in_transaction
        if own:
            conn.execute("BEGIN")
        try:
            segments = arrays.read_segments(conn, tickers, lo, hi, wanted)
        finally:
            if own:
                conn.execute("COMMIT")
        return Panel.from_segments(tickers, segments, wanted, lo, hi)

    def read_bars_rows(
        self,
        tickers: Sequence[str],
        start: dt.date | None = None,
        end: dt.date | None = None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """`read_bars` from the rows, one query: the reference the array store is checked
        against (tests, the benchmark)."""
        wanted = _columns(columns)
        columns = ["ticker", "date", *wanted]
        if not tickers:
            return typed_bars(pd.DataFrame(columns=columns))
        lo = (start or HISTORY_FLOOR).isoformat()
        hi = (end or dt.date(9999, 12, 31)).isoformat()
        frames = []
        for chunk in _chunks(list(tickers), 30000):
            marks = ",".join("?" * len(chunk))
            cursor = self.db.execute(
                f"SELECT {', '.join(columns)} FROM bars"
                f" WHERE ticker IN ({marks}) AND date BETWEEN ? AND ? ORDER BY ticker, date",
                [*chunk, lo, hi],
            )
            frames.append(pd.DataFrame.from_records(cursor.fetchall(), columns=columns))
        return typed_bars(pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0])

    def known_tickers(self, prefix: str = "", limit: int = 25) -> list[str]:
        """Tickers with cached bars whose symbol starts with `prefix` (for autocomplete)."""
        rows = self.db.execute(
            "SELECT ticker FROM coverage WHERE ticker LIKE ? ESCAPE '\\' ORDER BY ticker LIMIT ?",
            [_like_prefix(prefix.upper()), limit],
        ).fetchall()
        return [r[0] for r in rows]

    def status(self) -> list[TickerStatus]:
        """Per ticker with bars or a checked range: first and last cached date, rows, last fetch."""
        return ticker_status(self.db.conn)

    def holes(self, now: dt.datetime) -> list[tuple[Hole, bool]]:
        """Every hole and whether the next fetch of its dates asks the provider for it
        (analytics.data.holes.holes_report; a scan of all bars, for `cache status`)."""
        return holes_report(self.db.conn, now)

    def file_size(self) -> int:
        """Bytes on disk, WAL included."""
        total = 0
        for suffix in ("", "-wal"):
            p = Path(str(self.path) + suffix)
            if p.exists():
                total += p.stat().st_size
        return total


_PROBE_EPOCHS = itertools.count(1)


def _size_of_table(table: dict) -> int:
    return 300 * len(table)  # about a Coverage and its key


def _columns(columns: Sequence[str] | None) -> list[str]:
    wanted = list(columns) if columns is not None else [*BAR_COLUMNS, "source"]
    unknown = set(wanted) - {*BAR_COLUMNS, "source"}
    if unknown:
        raise ValueError(f"unknown bar columns: {sorted(unknown)}")
    return wanted


def typed_bars(frame: pd.DataFrame) -> pd.DataFrame:
    """The dtypes of a long bar frame: dates as datetime64, bar columns float64, ticker object."""
    frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d")
    for column in BAR_COLUMNS:
        if column in frame.columns:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["ticker"] = frame["ticker"].astype("object")
    return frame


def _like_prefix(text: str) -> str:
    """A LIKE pattern matching `text` literally at the start (% and _ are wildcards otherwise)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
