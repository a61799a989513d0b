"""The cache tables of the GDP context (the GDPNow track, real GDP's first and latest releases).

The DDL lives here only: one migration step of the cache file (analytics.data.schema), applied
when the file is opened for writing. Before schema 5 a store ran these statements the first time
it opened the file; each is CREATE ... IF NOT EXISTS, so a file that has the tables keeps them.
"""

from __future__ import annotations

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
