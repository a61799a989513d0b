"""Holes: NYSE sessions inside a ticker's checked range that have no bar.

A checked range says "the provider was asked for these dates"; a session inside it without a
bar is either a day the source has no bar for (a halt, a file that skips a day) or a hole
left by a fault: before issue 13, a malformed answer marked its range as checked with no
bars, and two imports far apart were merged into one range over the dates between them.

Where a hole is looked for, per ticker:
- between two cached bars (sessions strictly between them);
- after the last bar, up to the last session of the checked range that had closed when it
  was fetched (a delisted symbol has such a tail, and so does a fault);
- a checked range with no bars at all: the whole range.
The sessions before the first bar are not holes: a symbol listed after the range starts has
none there. The NYSE calendar starts in 1990; earlier dates are never holes.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics import calendar
from analytics.data.selection import ticker_selections

CALENDAR_START = dt.date(1990, 1, 2)

IMPORT_PREFIX = "import:"
"""The source of bars loaded from a file (`import:NAME.csv`)."""


@dataclass(frozen=True)
class Hole:
    """Sessions start..end (inclusive, `sessions` of them) of `ticker` without a bar.

    source: where the bar before the hole came from (the coverage's source for a ticker
    with no bars): says whether asking the provider again can fill it.
    """

    ticker: str
    start: dt.date
    end: dt.date
    sessions: int
    source: str | None

    @property
    def fetchable(self) -> bool:
        """Left by a fetch, so the provider may be asked again. A file's own missing days are
        not: the provider's bars are on another price basis than the file's."""
        return not (self.source or "").startswith(IMPORT_PREFIX)


def _session_days(until: dt.date) -> np.ndarray:
    """NYSE sessions from CALENDAR_START to `until` as int64 day numbers (sorted)."""
    sessions = calendar.sessions_between(CALENDAR_START, until)
    return sessions.values.astype("datetime64[D]").astype("int64")


def _day(value: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=int(value))


def _days(dates: Iterable[str]) -> np.ndarray:
    return (
        pd.to_datetime(list(dates), format="%Y-%m-%d")
        .values.astype("datetime64[D]")
        .astype("int64")
    )


def find_holes(
    conn: sqlite3.Connection, now: dt.datetime, tickers: Sequence[str] | None = None
) -> list[Hole]:
    """Every hole of `tickers` (default: every ticker with a checked range), by ticker, date.

    Blocking (SQLite, one pass over the bars): for `cache status`, `cache check` and the
    schema migration, never for a command's hot path.
    """
    days = _session_days(now.astimezone(dt.UTC).date() + dt.timedelta(days=1))
    holes = _between_bars(conn, days, tickers) + _after_last_bar(conn, days, tickers)
    return sorted(holes, key=lambda h: (h.ticker, h.start))


def _between_bars(
    conn: sqlite3.Connection, days: np.ndarray, tickers: Sequence[str] | None
) -> list[Hole]:
    # Consecutive bars more than a day apart, weekends (Friday -> Monday) left out in SQL so a
    # 30-year cache yields only its holiday gaps and holes; the calendar decides the rest.
    rows: list[tuple] = []
    for where, params in ticker_selections(tickers):
        rows += conn.execute(
            "SELECT ticker, prev, date, prev_source FROM ("
            " SELECT ticker, date, LAG(date) OVER w AS prev, LAG(source) OVER w AS prev_source"
            f" FROM bars {where} WINDOW w AS (PARTITION BY ticker ORDER BY date))"
            " WHERE prev IS NOT NULL AND julianday(date) - julianday(prev) > 1"
            " AND NOT (julianday(date) - julianday(prev) = 3 AND strftime('%w', prev) = '5')",
            params,
        ).fetchall()
    if not rows:
        return []
    lo = np.searchsorted(days, _days(r[1] for r in rows), side="right")
    hi = np.searchsorted(days, _days(r[2] for r in rows), side="left")
    return [
        Hole(row[0], _day(days[a]), _day(days[b - 1]), int(b - a), row[3])
        for row, a, b in zip(rows, lo, hi, strict=True)
        if b > a
    ]


def _after_last_bar(
    conn: sqlite3.Connection, days: np.ndarray, tickers: Sequence[str] | None
) -> list[Hole]:
    holes: list[Hole] = []
    for where, params in ticker_selections(tickers):
        where = where.replace("ticker", "c.ticker")
        # SQLite takes the bare b.source from the row holding MAX(b.date).
        rows = conn.execute(
            "SELECT c.ticker, c.checked_from, c.checked_to, c.fetched_at, c.source,"
            " MAX(b.date), b.source FROM coverage c LEFT JOIN bars b ON b.ticker = c.ticker"
            f" {where} GROUP BY c.ticker",
            params,
        ).fetchall()
        for ticker, checked_from, checked_to, fetched_at, cov_source, last, last_source in rows:
            end = _last_final_session(days, dt.date.fromisoformat(checked_to), fetched_at)
            if end is None:
                continue
            if last is None:
                first = int(np.searchsorted(days, _days([checked_from])[0], side="left"))
                source = cov_source
            else:
                first = int(np.searchsorted(days, _days([last])[0], side="right"))
                source = last_source
            if end >= first:
                holes.append(
                    Hole(ticker, _day(days[first]), _day(days[end]), end - first + 1, source)
                )
    return holes


def _last_final_session(days: np.ndarray, checked_to: dt.date, fetched_at: str) -> int | None:
    """Index in `days` of the last session on or before `checked_to` that had closed when the
    range was fetched (a session still open then has no final bar yet)."""
    index = int(np.searchsorted(days, _days([checked_to.isoformat()])[0], side="right")) - 1
    if index < 0:
        return None
    fetched = dt.datetime.fromisoformat(fetched_at)
    if calendar.session_close(_day(days[index])) > fetched:
        index -= 1
    return index if index >= 0 else None


def hole_rows(
    ticker: str, ranges: Iterable[tuple[dt.date, dt.date]], found_at: dt.datetime
) -> list[tuple[str, str, str, str]]:
    """`coverage_holes` rows for the NYSE sessions of each range (ranges without one dropped)."""
    rows = []
    for start, end in ranges:
        sessions = calendar.sessions_between(max(start, CALENDAR_START), end)
        if start <= end and len(sessions):
            first, last = sessions[0].date(), sessions[-1].date()
            rows.append((ticker, first.isoformat(), last.isoformat(), found_at.isoformat()))
    return rows


def pending_holes(
    conn: sqlite3.Connection, tickers: Sequence[str]
) -> dict[str, list[tuple[dt.date, dt.date]]]:
    """Recorded holes (`coverage_holes`) of these tickers, by ticker, oldest first."""
    out: dict[str, list[tuple[dt.date, dt.date]]] = {}
    for where, params in ticker_selections(tickers):
        rows = conn.execute(
            f"SELECT ticker, start, end FROM coverage_holes {where} ORDER BY ticker, start", params
        ).fetchall()
        for ticker, start, end in rows:
            out.setdefault(ticker, []).append(
                (dt.date.fromisoformat(start), dt.date.fromisoformat(end))
            )
    return out


def holes_report(conn: sqlite3.Connection, now: dt.datetime) -> list[tuple[Hole, bool]]:
    """Every hole, and whether a recorded row says the next fetch of its dates asks for it."""
    found = find_holes(conn, now)
    pending = pending_holes(conn, sorted({h.ticker for h in found}))
    return [
        (h, any(a <= h.end and h.start <= b for a, b in pending.get(h.ticker, ()))) for h in found
    ]
