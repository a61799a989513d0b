"""The cache tables of the estimate revisions (prefixed `revision_`).

The DDL lives here only: one migration step of the cache file (analytics.data.schema), applied
when the file is opened for writing. Before schema 5 the store ran these statements the first time
it opened the file; each is CREATE ... IF NOT EXISTS, so a file that has the tables keeps them.
"""

from __future__ import annotations

SNAPSHOTS = "revision_snapshots"
CHECKS = "revision_checks"
NIGHTS = "revision_nights"
UNIVERSES = "revision_universes"

REVISION_TABLE_STATEMENTS: tuple[str, ...] = (
    # One row per ticker, collection date and period (0q, +1q, 0y, +1y) as Yahoo reported it
    # that day: analysts up / down in the last 7 and 30 days, the consensus EPS estimate now
    # and 7/30/60/90 days ago, how many analysts, the fiscal period's end.
    f"""CREATE TABLE IF NOT EXISTS {SNAPSHOTS} (
        ticker TEXT NOT NULL,
        date TEXT NOT NULL,
        period TEXT NOT NULL,
        up_7d INTEGER, up_30d INTEGER, down_7d INTEGER, down_30d INTEGER,
        est_now REAL, est_7d REAL, est_30d REAL, est_60d REAL, est_90d REAL,
        analysts INTEGER,
        period_end TEXT,
        source TEXT NOT NULL,
        PRIMARY KEY (ticker, date, period)
    ) WITHOUT ROWID""",
    # Every ticker asked about, per date, and what came of it: 'estimates', 'none' (no
    # analyst covers it), 'unknown' (Yahoo does not know it) or 'failed' (asked again later).
    f"""CREATE TABLE IF NOT EXISTS {CHECKS} (
        ticker TEXT NOT NULL,
        date TEXT NOT NULL,
        outcome TEXT NOT NULL,
        detail TEXT,
        source TEXT NOT NULL,
        checked_at TEXT NOT NULL,
        PRIMARY KEY (ticker, date)
    ) WITHOUT ROWID""",
    f"CREATE INDEX IF NOT EXISTS {CHECKS}_date ON {CHECKS} (date)",
    # What each night's collection spent (requests) and did: the budget is counted here, so a
    # restart the same night does not spend it twice.
    f"""CREATE TABLE IF NOT EXISTS {NIGHTS} (
        night TEXT PRIMARY KEY,
        requests INTEGER NOT NULL,
        asked INTEGER NOT NULL,
        estimates INTEGER NOT NULL,
        no_estimates INTEGER NOT NULL,
        unknown INTEGER NOT NULL,
        failed INTEGER NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    # Universes beyond the default ones that someone asked /revisions about, and when: they are
    # collected (under the same budget) while asked about recently.
    f"""CREATE TABLE IF NOT EXISTS {UNIVERSES} (
        universe TEXT PRIMARY KEY,
        first_asked TEXT NOT NULL,
        last_asked TEXT NOT NULL
    )""",
)
