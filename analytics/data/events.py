"""Splits and dividends the cache has applied, and the sessions whose events it has not seen.

Two tables on the cache file (EVENT_TABLES, created by the file's migrations in
analytics.data.schema; before schema 5 the first write created them):

- `events_seen` (ticker, date, kind, value): every split and dividend a per-symbol chart
  fetch brought and the cache re-based its history for. A fetch that covers days fetched
  before (the dividend check below; the bar refetched after the close of a day first fetched
  mid-session) re-bases only for events not seen yet, so no event is ever applied twice.
- `events_pending` (ticker, since, through, payer): sessions since..through whose bars came
  from a multi-symbol quote, which carries no events: a dividend that went ex on one of them
  is not in the cached adjusted closes until a per-symbol chart fetch over since..through
  brings it (the nightly dividend check, analytics.data.nightly). `payer`: the ticker paid a
  dividend in the year before (from the cached history: its adj_close/close ratio steps);
  answers reading a payer's pending sessions say "dividends pending".

Blocking (SQLite): call from a worker thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from analytics.data.cache import PriceCache
from analytics.data.rebase import EVENT_COLUMNS
from analytics.data.selection import chunks, ticker_selections

SEEN, PENDING = "events_seen", "events_pending"

EVENT_TABLES = (
    f"""CREATE TABLE IF NOT EXISTS {SEEN} (
        ticker TEXT NOT NULL, date TEXT NOT NULL, kind TEXT NOT NULL, value REAL NOT NULL,
        seen_at TEXT NOT NULL,
        PRIMARY KEY (ticker, date, kind)
    ) WITHOUT ROWID""",
    f"""CREATE TABLE IF NOT EXISTS {PENDING} (
        ticker TEXT PRIMARY KEY,
        since TEXT NOT NULL,
        through TEXT NOT NULL,
        payer INTEGER NOT NULL
    )""",
)

PAYER_LOOKBACK = dt.timedelta(days=380)
"""'Paid a dividend in the last year': an ex-date within this long (a year and a margin, so
an annual payer whose date drifts a little still counts)."""

_CHUNK = 450


@dataclass(frozen=True)
class Pending:
    """Sessions `since`..`through` of a ticker came from a quote; `payer`: it pays dividends."""

    since: dt.date
    through: dt.date
    payer: bool


# -- events seen ---------------------------------------------------------------------------------


def unseen_events(
    cache: PriceCache, ticker: str, bars: pd.DataFrame, seen_at: dt.datetime
) -> pd.DataFrame:
    """`bars` with the events already applied to `ticker` zeroed, recording the others as seen
    (joins the caller's transaction: a rolled-back fetch records nothing)."""
    if bars.empty or not any(c in bars and (bars[c].fillna(0) > 0).any() for c in EVENT_COLUMNS):
        return bars
    with cache.transaction() as conn:
        rows = conn.execute(
            f"SELECT date, kind FROM {SEEN} WHERE ticker = ? AND date BETWEEN ? AND ?",
            [ticker, bars.index[0].strftime("%Y-%m-%d"), bars.index[-1].strftime("%Y-%m-%d")],
        ).fetchall()
        seen = {(d, k) for d, k in rows}
        out = bars.copy()
        new = []
        for kind in EVENT_COLUMNS:
            if kind not in out:
                continue
            values = out[kind].fillna(0.0)
            for day, value in values[values > 0].items():
                key = (day.strftime("%Y-%m-%d"), kind)
                if key in seen:
                    out.loc[day, kind] = 0.0
                else:
                    new.append(
                        (ticker, key[0], kind, float(value), seen_at.astimezone(dt.UTC).isoformat())
                    )
        conn.executemany(
            f"INSERT OR IGNORE INTO {SEEN} (ticker, date, kind, value, seen_at) VALUES (?,?,?,?,?)",
            new,
        )
    return out


# -- sessions from quotes ------------------------------------------------------------------------


def mark_quoted_many(cache: PriceCache, rows: Sequence[tuple[str, dt.date, bool]]) -> None:
    """Each (ticker, session, payer): that session's bar came from a quote (joins the caller's
    transaction): widen the ticker's pending range to it."""
    if not rows:
        return
    with cache.transaction() as conn:
        conn.executemany(
            f"INSERT INTO {PENDING} (ticker, since, through, payer) VALUES (?,?,?,?)"
            " ON CONFLICT(ticker) DO UPDATE SET since = MIN(since, excluded.since),"
            " through = MAX(through, excluded.through), payer = excluded.payer",
            [(t, day.isoformat(), day.isoformat(), int(payer)) for t, day, payer in rows],
        )


def clear_pending(cache: PriceCache, ticker: str, start: dt.date | None, end: dt.date) -> None:
    """A per-symbol chart fetch covered [start, end]: a pending range inside it is seen now."""
    with cache.transaction() as conn:
        conn.execute(
            f"DELETE FROM {PENDING} WHERE ticker = ? AND since >= ? AND through <= ?",
            [ticker, (start or dt.date.min).isoformat(), end.isoformat()],
        )


def pending(cache: PriceCache, tickers: Sequence[str]) -> dict[str, Pending]:
    """Pending ranges of these tickers (absent: every cached session's events were seen)."""
    if not tickers:
        return {}
    table: dict[str, Pending] = cache.memoised_table(
        PENDING, lambda some: _pending_rows(cache, some)
    )
    return {t: table[t] for t in tickers if t in table}


def _pending_rows(cache: PriceCache, tickers: list[str] | None) -> dict[str, Pending]:
    """Pending ranges of these tickers (None: all) from the table."""
    query = f"SELECT ticker, since, through, payer FROM {PENDING}"
    return {
        ticker: Pending(dt.date.fromisoformat(since), dt.date.fromisoformat(through), bool(payer))
        for where, params in ticker_selections(tickers)
        for ticker, since, through, payer in cache.db.conn.execute(f"{query} {where}", params)
    }


def pending_dividends(
    cache: PriceCache, tickers: Sequence[str], start: dt.date | None, end: dt.date
) -> dict[str, dt.date]:
    """Payers whose pending sessions meet [start, end]: ticker -> the first pending session.

    A return over a window ending on or after `since` may leave out a dividend that went ex on
    a pending session (a window that ends before it has every event it needs)."""
    return {
        t: p.since
        for t, p in pending(cache, tickers).items()
        if p.payer and p.since <= end and (start is None or p.through >= start)
    }


def dividend_payers(cache: PriceCache, tickers: Sequence[str], session: dt.date) -> set[str]:
    """Tickers whose cached adj_close/close ratio steps within PAYER_LOOKBACK before
    `session`: Yahoo's adjusted close differs from the close by the dividends after each day,
    so a ratio that is not constant over the year means a dividend went ex in it."""
    conn = cache.db.conn
    floor = (session - PAYER_LOOKBACK).isoformat()
    top = session.isoformat()
    payers: set[str] = set()
    for chunk in chunks(list(dict.fromkeys(tickers)), _CHUNK):
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            f"""WITH span AS (
                    SELECT ticker, MIN(date) AS first, MAX(date) AS last FROM bars
                    WHERE ticker IN ({marks}) AND date >= ? AND date <= ? GROUP BY ticker)
                SELECT span.ticker, a.close, a.adj_close, b.close, b.adj_close FROM span
                JOIN bars a ON a.ticker = span.ticker AND a.date = span.first
                JOIN bars b ON b.ticker = span.ticker AND b.date = span.last""",
            [*chunk, floor, top],
        ).fetchall()
        for ticker, close_a, adj_a, close_b, adj_b in rows:
            if not (close_a and adj_a and close_b and adj_b):
                continue
            if abs((adj_a / close_a) / (adj_b / close_b) - 1.0) > 1e-6:
                payers.add(ticker)
    return payers


def pending_warning(pending: dict[str, dt.date]) -> str:
    """The warning for payers whose newest sessions came from a quote (ticker -> since)."""
    names = sorted(pending)
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5:,} more" if len(names) > 5 else "")
    since = min(pending.values()).isoformat()
    noun = "name" if len(names) == 1 else "names"
    return (
        f"Dividends pending for {len(names):,} {noun} ({shown}): their sessions since {since} "
        "came from Yahoo's quote, which carries no dividends, so their returns may leave one "
        "out until the weekly per-symbol check adds it."
    )
