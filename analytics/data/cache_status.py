"""`cache status` rows: what the cache holds per ticker (reads only)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class TickerStatus:
    """One row of `cache status`."""

    ticker: str
    first_date: dt.date | None  # None: a checked range without bars
    last_date: dt.date | None
    rows: int
    fetched_at: dt.datetime | None
    source: str | None


def ticker_status(conn: sqlite3.Connection) -> list[TickerStatus]:
    """Per ticker with bars or a checked range: first and last cached date, rows, last fetch."""
    rows = conn.execute(
        "SELECT b.ticker, MIN(b.date), MAX(b.date), COUNT(*), c.fetched_at, c.source"
        " FROM bars b LEFT JOIN coverage c ON c.ticker = b.ticker GROUP BY b.ticker"
        " UNION ALL"
        " SELECT c.ticker, NULL, NULL, 0, c.fetched_at, c.source FROM coverage c"
        " WHERE NOT EXISTS (SELECT 1 FROM bars b WHERE b.ticker = c.ticker)"
        " ORDER BY 1"
    ).fetchall()
    return [
        TickerStatus(
            ticker=r[0],
            first_date=dt.date.fromisoformat(r[1]) if r[1] else None,
            last_date=dt.date.fromisoformat(r[2]) if r[2] else None,
            rows=int(r[3]),
            fetched_at=dt.datetime.fromisoformat(r[4]) if r[4] else None,
            source=r[5],
        )
        for r in rows
    ]
