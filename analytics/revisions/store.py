"""Estimate snapshots in the SQLite cache (tables in analytics/revisions/tables.py).

A fetch of one night is saved in one `PriceCache.transaction()`: each ticker's periods as they
were that day (replacing any earlier answer of the same day), what came of each ticker, and
what the night spent. History is never rewritten: a later night adds rows.

Blocking (SQLite): call from a worker thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from analytics.data.cache import PriceCache
from analytics.data.yahoo_estimates import EstimateFetch, PeriodEstimate
from analytics.revisions.tables import (
    CHECKS,
    NIGHTS,
    SNAPSHOTS,
    UNIVERSES,
)

ESTIMATES = "estimates"
NONE = "none"
UNKNOWN = "unknown"
FAILED = "failed"
SETTLED = (ESTIMATES, NONE, UNKNOWN)
"""Outcomes that answer for a ticker until its next refresh (a failure is asked again)."""

SNAPSHOT_COLUMNS: tuple[str, ...] = (
    "ticker",
    "date",
    "period",
    "up_7d",
    "up_30d",
    "down_7d",
    "down_30d",
    "est_now",
    "est_7d",
    "est_30d",
    "est_60d",
    "est_90d",
    "analysts",
    "period_end",
    "source",
)
CHECK_COLUMNS: tuple[str, ...] = ("ticker", "date", "outcome", "source")

ASKED_AGAIN_AFTER = dt.timedelta(days=1)
"""A universe asked about again within this long is not written again."""


@dataclass(frozen=True)
class Night:
    """What one night's collection spent and did (accumulated over its runs)."""

    night: dt.date
    requests: int
    asked: int
    estimates: int
    no_estimates: int
    unknown: int
    failed: int


class RevisionStore:
    """Save fetches, read snapshots and checks, count the nights' requests."""

    def __init__(self, cache: PriceCache) -> None:
        self.cache = cache

    # -- writes ------------------------------------------------------------------------------
    def save_fetch(
        self, night: dt.date, fetch: EstimateFetch, *, checked_at: dt.datetime, source: str
    ) -> None:
        """Store one fetch of `night` (snapshots, outcomes, requests) in one transaction."""
        day = night.isoformat()
        when = checked_at.astimezone(dt.UTC).isoformat()
        checks = [(t, day, ESTIMATES if p else NONE, None) for t, p in fetch.estimates.items()]
        checks += [(t, day, UNKNOWN, None) for t in fetch.unknown]
        checks += [(t, day, FAILED, reason) for t, reason in fetch.failed.items()]
        rows = [
            _snapshot_row(ticker, day, estimate, source)
            for ticker, periods in fetch.estimates.items()
            for estimate in periods
        ]
        counts = (
            fetch.requests,
            len(checks),
            sum(1 for p in fetch.estimates.values() if p),
            sum(1 for p in fetch.estimates.values() if not p),
            len(fetch.unknown),
            len(fetch.failed),
        )
        with self.cache.transaction() as conn:
            settled = [c[0] for c in checks if c[2] != FAILED]
            conn.executemany(
                f"DELETE FROM {SNAPSHOTS} WHERE ticker = ? AND date = ?",
                [(t, day) for t in settled],
            )
            conn.executemany(
                f"INSERT INTO {SNAPSHOTS} ({', '.join(SNAPSHOT_COLUMNS)}) VALUES "
                f"({','.join('?' * len(SNAPSHOT_COLUMNS))})",
                rows,
            )
            # A failure never replaces an answer of the same day.
            conn.executemany(
                f"INSERT INTO {CHECKS} (ticker, date, outcome, detail, source, checked_at)"
                " VALUES (?,?,?,?,?,?) ON CONFLICT(ticker, date) DO UPDATE SET"
                " outcome = excluded.outcome, detail = excluded.detail,"
                " source = excluded.source, checked_at = excluded.checked_at"
                f" WHERE excluded.outcome != '{FAILED}' OR {CHECKS}.outcome = '{FAILED}'",
                [(*c, source, when) for c in checks],
            )
            conn.execute(
                f"INSERT INTO {NIGHTS} (night, requests, asked, estimates, no_estimates, unknown,"
                " failed, updated_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(night) DO UPDATE SET"
                " requests = requests + excluded.requests, asked = asked + excluded.asked,"
                " estimates = estimates + excluded.estimates,"
                " no_estimates = no_estimates + excluded.no_estimates,"
                " unknown = unknown + excluded.unknown, failed = failed + excluded.failed,"
                " updated_at = excluded.updated_at",
                (day, *counts, when),
            )

    def note_asked(self, universes: Iterable[str], when: dt.datetime) -> None:
        """Remember that someone asked about these universes (they are collected while recent).
        Nothing is written to a read-only cache."""
        names = list(dict.fromkeys(universes))
        if not names or self.cache.read_only:
            return
        # Once a day is enough for a 30-day window, and a write changes the cache's generation
        # (which keys the bot's answer memo): a fund asked again today writes nothing.
        recent = set(self.asked_since(when - ASKED_AGAIN_AFTER))
        names = [n for n in names if n not in recent]
        if not names:
            return
        stamp = when.astimezone(dt.UTC).isoformat()
        with self.cache.transaction() as conn:
            conn.executemany(
                f"INSERT INTO {UNIVERSES} (universe, first_asked, last_asked) VALUES (?,?,?)"
                " ON CONFLICT(universe) DO UPDATE SET last_asked = excluded.last_asked",
                [(name, stamp, stamp) for name in names],
            )

    # -- reads -------------------------------------------------------------------------------
    def asked_since(self, since: dt.datetime) -> dict[str, dt.datetime]:
        """Universes last asked about at or after `since` -> when first asked (UTC)."""
        rows = self.cache.db.execute(
            f"SELECT universe, first_asked FROM {UNIVERSES} WHERE last_asked >= ?",
            [since.astimezone(dt.UTC).isoformat()],
        ).fetchall()
        return {r[0]: dt.datetime.fromisoformat(r[1]) for r in rows}

    def last_settled(self, tickers: Sequence[str] | None = None) -> dict[str, dt.date]:
        """Each ticker's latest date with a settled outcome (estimates, none, unknown)."""
        rows = self.cache.db.execute(
            f"SELECT ticker, MAX(date) FROM {CHECKS} WHERE outcome IN (?,?,?) GROUP BY ticker",
            SETTLED,
        ).fetchall()
        wanted = None if tickers is None else set(tickers)
        return {r[0]: dt.date.fromisoformat(r[1]) for r in rows if wanted is None or r[0] in wanted}

    def checks(self, until: dt.date | None = None) -> pd.DataFrame:
        """Settled checks (CHECK_COLUMNS, `date` as Timestamp) on or before `until`."""
        sql = f"SELECT ticker, date, outcome, source FROM {CHECKS} WHERE outcome IN (?,?,?)"
        params: list[str] = list(SETTLED)
        if until is not None:
            sql += " AND date <= ?"
            params.append(until.isoformat())
        rows = self.cache.db.execute(sql, params).fetchall()
        frame = pd.DataFrame(rows, columns=list(CHECK_COLUMNS))
        frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d")
        return frame

    def snapshots(
        self, period: str, until: dt.date | None = None, columns: Sequence[str] | None = None
    ) -> pd.DataFrame:
        """Snapshot rows of `period` through `until`: `columns` (default SNAPSHOT_COLUMNS;
        ticker, date and period always), `date` as Timestamp, numbers as float."""
        wanted = [
            c
            for c in SNAPSHOT_COLUMNS
            if c in ("ticker", "date", "period", *(columns or SNAPSHOT_COLUMNS))
        ]
        sql = f"SELECT {', '.join(wanted)} FROM {SNAPSHOTS} WHERE period = ?"
        params = [period]
        if until is not None:
            sql += " AND date <= ?"
            params.append(until.isoformat())
        rows = self.cache.db.execute(sql, params).fetchall()
        frame = pd.DataFrame(rows, columns=wanted)
        frame["date"] = pd.to_datetime(frame["date"], format="%Y-%m-%d")
        for column in wanted:
            if column in SNAPSHOT_COLUMNS[3:13]:
                frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
        return frame

    def night(self, night: dt.date) -> Night | None:
        nights = self.nights(night, night)
        return nights[0] if nights else None

    def nights(self, start: dt.date | None = None, end: dt.date | None = None) -> list[Night]:
        """The nights collected from `start` to `end` (inclusive), oldest first."""
        rows = self.cache.db.execute(
            f"SELECT night, requests, asked, estimates, no_estimates, unknown, failed FROM {NIGHTS}"
            " WHERE night >= ? AND night <= ? ORDER BY night",
            [(start or dt.date.min).isoformat(), (end or dt.date.max).isoformat()],
        ).fetchall()
        return [Night(dt.date.fromisoformat(r[0]), *map(int, r[1:])) for r in rows]


def _snapshot_row(ticker: str, day: str, e: PeriodEstimate, source: str) -> tuple:
    return (
        ticker,
        day,
        e.period,
        e.up_7d,
        e.up_30d,
        e.down_7d,
        e.down_30d,
        e.current,
        e.d7,
        e.d30,
        e.d60,
        e.d90,
        e.analysts,
        e.period_end.isoformat() if e.period_end else None,
        source,
    )
