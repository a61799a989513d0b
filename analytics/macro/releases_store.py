"""Real GDP's first and latest releases in the SQLite cache (table `gdp_releases`, DDL in
analytics/macro/gdp_tables.py). Blocking: call from a worker thread.

A release table is a whole vintage history: storing one replaces every stored quarter (a revision
changes the latest growth of many quarters at once, and a quarter BEA dropped must not linger).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analytics.data.cache import PriceCache
from analytics.macro.gdp_tables import GDP_RELEASES
from analytics.macro.vintages import read_release_file, releases_frame

FILE_SOURCE_PREFIX = "file:"


@dataclass(frozen=True)
class ReleasesImport:
    """What `import_release_file` stored."""

    path: Path
    quarters: int
    first: dt.date
    last: dt.date
    latest_release: dt.date
    skipped: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class ReleasesRecord:
    """Where the stored table came from and when."""

    quarters: int
    source: str
    imported_at: dt.datetime


class ReleaseStore:
    """The stored release table."""

    def __init__(self, cache: PriceCache) -> None:
        self.cache = cache

    def replace(self, frame: pd.DataFrame, *, source: str, imported_at: dt.datetime) -> int:
        """Store `frame` (analytics.macro.vintages layout) in place of the stored table, in one
        transaction; returns the quarters stored."""
        when = imported_at.astimezone(dt.UTC).isoformat()
        records = [
            (
                quarter.date().isoformat(),
                row.first_release_date.date().isoformat(),
                float(row.first_growth),
                row.latest_release_date.date().isoformat(),
                float(row.latest_growth),
                source,
                when,
            )
            for quarter, row in zip(frame.index, frame.itertuples(index=False), strict=True)
        ]
        with self.cache.transaction() as conn:
            conn.execute(f"DELETE FROM {GDP_RELEASES}")
            conn.executemany(
                f"INSERT INTO {GDP_RELEASES} (quarter, first_release_date, first_growth,"
                " latest_release_date, latest_growth, source, imported_at)"
                " VALUES (?,?,?,?,?,?,?)",
                records,
            )
        return len(records)

    def releases(self) -> pd.DataFrame:
        """The stored table as analytics.macro.vintages takes it (empty when none)."""
        rows = self.cache.db.execute(
            f"SELECT quarter, first_release_date, first_growth, latest_release_date,"
            f" latest_growth FROM {GDP_RELEASES} ORDER BY quarter"
        ).fetchall()
        return releases_frame(
            (
                dt.date.fromisoformat(r[0]),
                dt.date.fromisoformat(r[1]),
                r[2],
                dt.date.fromisoformat(r[3]),
                r[4],
            )
            for r in rows
        )

    def record(self) -> ReleasesRecord | None:
        """Source and time of the stored table, None when nothing is stored."""
        row = self.cache.db.execute(
            f"SELECT COUNT(*), MAX(source), MAX(imported_at) FROM {GDP_RELEASES}"
        ).fetchone()
        if not row or not row[0]:
            return None
        return ReleasesRecord(int(row[0]), row[1], dt.datetime.fromisoformat(row[2]))


def import_release_file(
    cache: PriceCache, path: Path | str, *, now: dt.datetime | None = None
) -> ReleasesImport:
    """Parse a release table file and store it in place of the stored one
    (`marketbot import gdp-releases FILE`); BadInput, nothing stored, when it is not one."""
    path = Path(path)
    parsed = read_release_file(path)
    frame = parsed.frame
    ReleaseStore(cache).replace(
        frame, source=f"{FILE_SOURCE_PREFIX}{path.name}", imported_at=now or dt.datetime.now(dt.UTC)
    )
    return ReleasesImport(
        path=path,
        quarters=len(frame),
        first=frame.index[0].date(),
        last=frame.index[-1].date(),
        latest_release=frame["latest_release_date"].max().date(),
        skipped=parsed.skipped,
    )
