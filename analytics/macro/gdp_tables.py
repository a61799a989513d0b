"""The cache tables of the GDP context (the GDPNow track, real GDP's first and latest releases).

The DDL lives here only: a list of idempotent statements, run in one `PriceCache.transaction()`
the first time a store writes. Reads never create them (a read must not write, and a read-only
cache cannot): a missing table reads as nothing stored. When the cache's migrations are unified, these statements
become one migration step as they are (each is CREATE ... IF NOT EXISTS).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analytics.data.cache import PriceCache

GDPNOW_TRACK = "gdpnow_track"
GDP_RELEASES = "gdp_releases"

GDP_TABLE_STATEMENTS: tuple[str, ...] = (
    # One row per nowcast the Atlanta Fed published. `quarter` is the first day of the quarter
    # being forecast, as FRED dates quarterly observations (the track names its last day).
    f"""CREATE TABLE IF NOT EXISTS {GDPNOW_TRACK} (
        forecast_date TEXT NOT NULL,
        quarter TEXT NOT NULL,
        nowcast REAL NOT NULL,
        source TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        PRIMARY KEY (forecast_date, quarter)
    ) WITHOUT ROWID""",
    # Real GDP growth per quarter (% SAAR) as first released and in the latest vintage, with
    # the dates of those releases: "fastest since" on both bases.
    f"""CREATE TABLE IF NOT EXISTS {GDP_RELEASES} (
        quarter TEXT PRIMARY KEY,
        first_release_date TEXT NOT NULL,
        first_growth REAL NOT NULL,
        latest_release_date TEXT NOT NULL,
        latest_growth REAL NOT NULL,
        source TEXT NOT NULL,
        imported_at TEXT NOT NULL
    )""",
)


def gdp_tables_exist(cache: PriceCache) -> bool:
    """Whether both tables are in the file (a read, no lock)."""
    names = {GDPNOW_TRACK, GDP_RELEASES}
    found = {
        row[0]
        for row in cache.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN (?, ?)",
            sorted(names),
        )
    }
    return found == names


def ensure_gdp_tables(cache: PriceCache) -> None:
    """Create the tables that are missing, before a write (joins the caller's transaction)."""
    if gdp_tables_exist(cache):
        return
    with cache.transaction() as conn:
        for statement in GDP_TABLE_STATEMENTS:
            conn.execute(statement)
