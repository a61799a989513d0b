"""The GDPNow track in the SQLite cache (table `gdpnow_track`, DDL in analytics/macro/gdp_tables.py).

Blocking: call from a worker thread. Every write goes through one `PriceCache.transaction()`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analytics.data.cache import PriceCache
from analytics.macro.gdp_tables import GDPNOW_TRACK
from analytics.macro.gdpnow.track import SkippedRow, TrackRow, read_gdpnow_file, track_frame

FILE_SOURCE_PREFIX = "file:"
"""Source of rows imported from a file (`file:gdpnow_track.csv`)."""


@dataclass(frozen=True)
class TrackImport:
    """What `import_gdpnow_file` stored: the file's valid rows (all written; those already
    stored take the file's value), their range and quarters, and the rows skipped with reasons."""

    path: Path
    rows: int
    first: dt.date
    last: dt.date
    quarters: int
    skipped: tuple[SkippedRow, ...]


@dataclass(frozen=True)
class TrackSummary:
    """What the cache holds: rows, first and last forecast date, and where the newest row came from."""

    rows: int
    first: dt.date
    last: dt.date
    source: str


class GdpNowStore:
    """The stored track: upserts by (forecast_date, quarter), reads as a frame."""

    def __init__(self, cache: PriceCache) -> None:
        self.cache = cache

    def save(self, rows: Sequence[TrackRow], *, source: str, imported_at: dt.datetime) -> int:
        """Store nowcasts in one transaction; a row already stored takes the new value (the same
        file imported twice changes nothing but `imported_at`). Returns the rows written."""
        when = imported_at.astimezone(dt.UTC).isoformat()
        records = [
            (r.forecast_date.isoformat(), r.quarter.isoformat(), float(r.nowcast), source, when)
            for r in rows
        ]
        with self.cache.transaction() as conn:
            conn.executemany(
                f"INSERT INTO {GDPNOW_TRACK} (forecast_date, quarter, nowcast, source, imported_at)"
                " VALUES (?,?,?,?,?) ON CONFLICT(forecast_date, quarter) DO UPDATE SET"
                " nowcast = excluded.nowcast, source = excluded.source,"
                " imported_at = excluded.imported_at",
                records,
            )
        return len(records)

    def track(self, until: dt.date | None = None) -> pd.DataFrame:
        """The stored nowcasts with forecast dates on or before `until` (None: all), as
        `track_frame` gives them, plus a `source` column; empty when nothing is stored."""
        sql = f"SELECT forecast_date, quarter, nowcast, source FROM {GDPNOW_TRACK}"
        params: list[str] = []
        if until is not None:
            sql += " WHERE forecast_date <= ?"
            params.append(until.isoformat())
        rows = self.cache.db.execute(sql + " ORDER BY forecast_date, quarter", params).fetchall()
        frame = track_frame(
            [TrackRow(dt.date.fromisoformat(r[0]), dt.date.fromisoformat(r[1]), r[2]) for r in rows]
        )
        frame["source"] = pd.Series([r[3] for r in rows], dtype="object")
        return frame

    def summary(self) -> TrackSummary | None:
        """Rows and range of the stored track, None when there is none."""
        row = self.cache.db.execute(
            f"SELECT COUNT(*), MIN(forecast_date), MAX(forecast_date) FROM {GDPNOW_TRACK}"
        ).fetchone()
        if not row or not row[0]:
            return None
        source = self.cache.db.execute(
            f"SELECT source FROM {GDPNOW_TRACK} ORDER BY forecast_date DESC, quarter DESC LIMIT 1"
        ).fetchone()[0]
        return TrackSummary(
            int(row[0]), dt.date.fromisoformat(row[1]), dt.date.fromisoformat(row[2]), source
        )


def source_label(source: str) -> str:
    """ "Atlanta Fed GDPNow (file gdpnow.csv)" for an imported file, the source as stored else."""
    if source.startswith(FILE_SOURCE_PREFIX):
        return f"Atlanta Fed GDPNow (file {source.removeprefix(FILE_SOURCE_PREFIX)})"
    return source or "Atlanta Fed GDPNow"


def import_gdpnow_file(
    cache: PriceCache, path: Path | str, *, now: dt.datetime | None = None
) -> TrackImport:
    """Parse a track file and store its rows (`marketbot import gdpnow FILE`); BadInput (nothing
    stored) when the file is not a track. See analytics.macro.gdpnow.track for the layout."""
    path = Path(path)
    parsed = read_gdpnow_file(path)
    written = GdpNowStore(cache).save(
        parsed.rows,
        source=f"{FILE_SOURCE_PREFIX}{path.name}",
        imported_at=now or dt.datetime.now(dt.UTC),
    )
    return TrackImport(
        path=path,
        rows=written,
        first=parsed.rows[0].forecast_date,
        last=parsed.rows[-1].forecast_date,
        quarters=len({r.quarter for r in parsed.rows}),
        skipped=parsed.skipped,
    )
