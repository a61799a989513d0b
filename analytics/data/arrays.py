"""The price store read as arrays: one row per ticker and calendar year holding that year's bars
as packed numpy arrays, next to the `bars` rows they mirror.

Why: reading a year of 2,000 names as rows makes SQLite build one Python tuple per bar (about
60% of the time, and 170 MB for a year); the same numbers as a few thousand BLOBs are a copy.

Layout (table `bar_arrays`, schema 5): `days` int32 (days since 1970-01-01, ascending), one
float64 BLOB per bar column (NaN where the row's field is NULL), `codes` int16 indexes into
`labels` (a JSON list of the year's distinct sources; -1 for a NULL source). Little-endian.

Consistency, whatever writes the rows: triggers on `bars` record every (ticker, year) an
insert, update or delete touches in `bar_arrays_stale`; `PriceCache.transaction()` rebuilds
those from the rows just before it commits (`rebuild_stale`), so rows and arrays change in one
transaction. A write that bypasses it (raw SQL) leaves the marks in place, and readers take
those years from the rows (`read_segments`) until the next transaction rebuilds them.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from analytics.data.provider import BAR_COLUMNS

ARRAYS = "bar_arrays"
STALE = "bar_arrays_stale"
CHUNK = 900
"""Tickers per SQL query (SQLite allows 999 parameters)."""

EPOCH = dt.date(1970, 1, 1)

# adj_close first: the column most reads want sits right after the dates, in the row's first page.
STORED_COLUMNS = ("adj_close", "close", "high", "low", "open", "volume")
assert set(STORED_COLUMNS) == set(BAR_COLUMNS)

_YEAR_OF = "CAST(substr({row}.date, 1, 4) AS INTEGER)"


def _mark(row: str) -> str:
    """The trigger statement marking `row`'s ticker-year stale. Not INSERT OR IGNORE: the
    conflict clause of the statement firing a trigger (an upsert's) overrides the trigger's own."""
    year = _YEAR_OF.format(row=row)
    return (
        f"INSERT INTO {STALE} (ticker, year) SELECT {row}.ticker, {year}"
        f" WHERE NOT EXISTS (SELECT 1 FROM {STALE} WHERE ticker = {row}.ticker AND year = {year});"
    )


SCHEMA: tuple[str, ...] = (
    f"""CREATE TABLE IF NOT EXISTS {ARRAYS} (
        ticker TEXT NOT NULL, year INTEGER NOT NULL,
        days BLOB NOT NULL,
        {", ".join(f"{c} BLOB NOT NULL" for c in STORED_COLUMNS)},
        codes BLOB NOT NULL, labels TEXT NOT NULL,
        PRIMARY KEY (ticker, year)
    )""",
    f"""CREATE TABLE IF NOT EXISTS {STALE} (
        ticker TEXT NOT NULL, year INTEGER NOT NULL,
        PRIMARY KEY (ticker, year)
    ) WITHOUT ROWID""",
    f"CREATE TRIGGER IF NOT EXISTS bars_stale_insert AFTER INSERT ON bars BEGIN {_mark('NEW')} END",
    f"""CREATE TRIGGER IF NOT EXISTS bars_stale_update AFTER UPDATE ON bars BEGIN
        {_mark("OLD")} {_mark("NEW")} END""",
    f"CREATE TRIGGER IF NOT EXISTS bars_stale_delete AFTER DELETE ON bars BEGIN {_mark('OLD')} END",
)


class Segment:
    """One ticker's bars of one year (or a part of it): days since the epoch, the columns read
    (float64, NaN for NULL), and the sources as codes into `labels` (-1: none). Read-only by
    convention (a plain class with slots: a 2,000-name read makes thousands of them)."""

    __slots__ = ("codes", "days", "labels", "ticker", "values")

    def __init__(
        self,
        ticker: str,
        days: np.ndarray,
        values: dict[str, np.ndarray],
        codes: np.ndarray | None = None,
        labels: tuple[str, ...] = (),
    ) -> None:
        self.ticker = ticker
        self.days = days
        self.values = values
        self.codes = codes
        self.labels = labels


# -- writing --------------------------------------------------------------------------------
def mark_all_stale(conn: sqlite3.Connection) -> None:
    """Every (ticker, year) with rows needs its arrays built (the schema-5 migration)."""
    conn.execute(
        f"INSERT OR IGNORE INTO {STALE} (ticker, year)"
        f" SELECT DISTINCT ticker, {_YEAR_OF.format(row='bars')} FROM bars"
    )


def build_all(conn: sqlite3.Connection) -> None:
    """Migration step: arrays for every ticker-year already cached."""
    mark_all_stale(conn)
    rebuild_stale(conn)


def rebuild_stale(conn: sqlite3.Connection) -> int:
    """Rebuild the arrays of every (ticker, year) marked stale from its rows, inside the
    caller's transaction; returns how many were rebuilt (a year left without rows loses its
    arrays)."""
    marks = conn.execute(f"SELECT ticker, year FROM {STALE} ORDER BY ticker, year").fetchall()
    if not marks:
        return 0
    by_ticker: dict[str, list[int]] = {}
    for ticker, year in marks:
        by_ticker.setdefault(ticker, []).append(int(year))
    for ticker, years in by_ticker.items():
        found = {s_year: seg for s_year, seg in _row_segments(conn, ticker, years, None)}
        for year in years:
            segment = found.get(year)
            if segment is None:
                conn.execute(f"DELETE FROM {ARRAYS} WHERE ticker = ? AND year = ?", [ticker, year])
            else:
                conn.execute(
                    f"INSERT OR REPLACE INTO {ARRAYS} (ticker, year, days,"
                    f" {', '.join(STORED_COLUMNS)}, codes, labels)"
                    f" VALUES ({', '.join('?' * (len(STORED_COLUMNS) + 5))})",
                    [
                        ticker,
                        year,
                        segment.days.astype("<i4").tobytes(),
                        *(segment.values[c].astype("<f8").tobytes() for c in STORED_COLUMNS),
                        segment.codes.astype("<i2").tobytes(),
                        json.dumps(list(segment.labels)),
                    ],
                )
    conn.execute(f"DELETE FROM {STALE}")
    return len(marks)


def _row_segments(
    conn: sqlite3.Connection,
    ticker: str,
    years: Sequence[int],
    columns: Sequence[str] | None,
) -> Iterable[tuple[int, Segment]]:
    """(year, Segment) for each of `years` with rows, read from `bars` (every column and the
    source when `columns` is None)."""
    wanted = list(STORED_COLUMNS) if columns is None else [c for c in columns if c != "source"]
    with_source = columns is None or "source" in columns
    years = sorted(set(years))
    rows = conn.execute(
        f"SELECT date, {', '.join([*wanted, 'source'])} FROM bars"
        " WHERE ticker = ? AND date >= ? AND date <= ? ORDER BY date",
        [ticker, f"{years[0]:04d}-01-01", f"{years[-1]:04d}-12-31"],
    ).fetchall()
    wanted_years = set(years)
    start = 0
    while start < len(rows):
        year = int(rows[start][0][:4])
        stop = start
        while stop < len(rows) and int(rows[stop][0][:4]) == year:
            stop += 1
        if year in wanted_years:
            yield year, _segment_of_rows(ticker, rows[start:stop], wanted, with_source)
        start = stop


def _segment_of_rows(
    ticker: str, rows: Sequence[tuple], columns: Sequence[str], with_source: bool
) -> Segment:
    days = (
        np.array([r[0][:10] for r in rows], dtype="datetime64[D]").astype("int64").astype("int32")
    )
    values = {c: np.array([r[i + 1] for r in rows], dtype="float64") for i, c in enumerate(columns)}
    if not with_source:
        return Segment(ticker, days, values)
    sources = [r[len(columns) + 1] for r in rows]
    labels = list(dict.fromkeys(s for s in sources if s is not None))
    index = {label: i for i, label in enumerate(labels)}
    codes = np.array([-1 if s is None else index[s] for s in sources], dtype="int16")
    return Segment(ticker, days, values, codes, tuple(labels))


# -- reading --------------------------------------------------------------------------------
def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


def read_segments(
    conn: sqlite3.Connection,
    tickers: Sequence[str],
    start: dt.date,
    end: dt.date,
    columns: Sequence[str],
) -> list[Segment]:
    """The bars of `tickers` in the calendar years from `start` to `end`, as one Segment per
    ticker-year (whole years: the caller clips the dates, once for all, see
    analytics.data.panel). From the arrays, except the years marked stale (written by raw SQL
    since the last transaction), which are read from the rows."""
    if not tickers or end < start:
        return []
    numeric = [c for c in columns if c != "source"]
    with_source = "source" in columns
    picked = ["days", *numeric, *(("codes", "labels") if with_source else ())]
    stale = _stale(conn, tickers, start.year, end.year)
    segments: list[Segment] = []
    for i in range(0, len(tickers), CHUNK):
        chunk = list(tickers[i : i + CHUNK])
        cursor = conn.execute(
            f"SELECT ticker, year, {', '.join(picked)} FROM {ARRAYS}"
            f" WHERE ticker IN ({','.join('?' * len(chunk))}) AND year BETWEEN ? AND ?",
            [*chunk, start.year, end.year],
        )
        frombuffer, append = np.frombuffer, segments.append
        if not with_source and len(numeric) == 1 and not stale:  # the common read: one column
            (column,) = numeric
            for ticker, _year, days, values in cursor:
                append(
                    Segment(ticker, frombuffer(days, "<i4"), {column: frombuffer(values, "<f8")})
                )
            continue
        for row in cursor:
            ticker, year = row[0], row[1]
            if (ticker, year) in stale:
                continue
            days = frombuffer(row[2], dtype="<i4")
            values = {c: frombuffer(row[3 + k], dtype="<f8") for k, c in enumerate(numeric)}
            codes, labels = None, ()
            if with_source:
                codes = frombuffer(row[3 + len(numeric)], dtype="<i2")
                labels = tuple(json.loads(row[4 + len(numeric)]))
            append(Segment(ticker, days, values, codes, labels))
    for ticker, years in _by_ticker(stale).items():
        segments += [seg for _, seg in _row_segments(conn, ticker, years, list(columns))]
    return segments


def _stale(
    conn: sqlite3.Connection, tickers: Sequence[str], first_year: int, last_year: int
) -> set[tuple[str, int]]:
    """(ticker, year) pairs of these tickers whose arrays lag their rows (usually none)."""
    if conn.execute(f"SELECT 1 FROM {STALE} LIMIT 1").fetchone() is None:
        return set()
    found: set[tuple[str, int]] = set()
    for i in range(0, len(tickers), CHUNK):
        chunk = list(tickers[i : i + CHUNK])
        rows = conn.execute(
            f"SELECT ticker, year FROM {STALE}"
            f" WHERE ticker IN ({','.join('?' * len(chunk))}) AND year BETWEEN ? AND ?",
            [*chunk, first_year, last_year],
        ).fetchall()
        found.update((t, int(y)) for t, y in rows)
    return found


def _by_ticker(pairs: Iterable[tuple[str, int]]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for ticker, year in sorted(pairs):
        out.setdefault(ticker, []).append(year)
    return out


MIGRATION: tuple[str | Callable[[sqlite3.Connection], None], ...] = (*SCHEMA, build_all)
"""The schema step (analytics.data.schema) that adds the store and fills it from the rows cached
before it (a few seconds for 2,000 names)."""
