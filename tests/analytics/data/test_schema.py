"""The one migration mechanism of the cache file (analytics/data/schema.py): every table comes
from MIGRATIONS, a file written by the old code is upgraded in place with its rows, a newer file
is refused, a failed step changes nothing, and two openers at once migrate once."""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from analytics.data.cache import PriceCache
from analytics.data.cache_file import CacheFileError
from analytics.data.schema import MIGRATIONS, SCHEMA_VERSION, migrate, steps, user_version

REPO = Path(__file__).resolve().parents[3]

# The file as the old code left it (schema 4): the price tables of MIGRATIONS 0-3, and every
# table the stores created themselves, each copied from the module that created it then
# (sqlite-utils' DDL for the holdings and FRED tables, as `create(..., if_not_exists=True)`
# wrote it). This fixture must not follow later changes to the DDL: it is the old code's file.
OLD_DDL = (
    # analytics/data/schema.py, versions 0-3
    """CREATE TABLE bars (
        ticker TEXT NOT NULL, date TEXT NOT NULL,
        open REAL, high REAL, low REAL, close REAL, adj_close REAL, volume REAL,
        source TEXT,
        PRIMARY KEY (ticker, date)
    ) WITHOUT ROWID""",
    """CREATE TABLE coverage (
        ticker TEXT PRIMARY KEY, checked_from TEXT NOT NULL, checked_to TEXT NOT NULL,
        fetched_at TEXT NOT NULL, source TEXT
    )""",
    "CREATE TABLE unknown_symbols (ticker TEXT PRIMARY KEY, checked_at TEXT NOT NULL, source TEXT)",
    "CREATE TABLE recent_requests (ticker TEXT PRIMARY KEY, last_used TEXT NOT NULL)",
    """CREATE TABLE coverage_holes (
        ticker TEXT NOT NULL, start TEXT NOT NULL, end TEXT NOT NULL, found_at TEXT NOT NULL,
        PRIMARY KEY (ticker, start)
    )""",
    # analytics/holdings/store.py: HoldingsStore.__init__ (sqlite-utils)
    """CREATE TABLE "holdings_snapshots" (
       "fund" TEXT, "as_of" TEXT, "fund_name" TEXT, "fetched_at" TEXT, "source" TEXT,
       "unmapped" TEXT, "count" INTEGER,
       PRIMARY KEY ("fund", "as_of")
    )""",
    """CREATE TABLE "holdings_positions" (
       "fund" TEXT, "as_of" TEXT, "symbol" TEXT, "name" TEXT, "sector" TEXT, "weight" REAL,
       "quantity" REAL, "price" REAL, "market_value" REAL,
       PRIMARY KEY ("fund", "as_of", "symbol")
    )""",
    # analytics/macro/store.py: FredStore.__init__ (sqlite-utils)
    """CREATE TABLE "fred_observations" (
       "series_id" TEXT, "date" TEXT, "value" REAL,
       PRIMARY KEY ("series_id", "date")
    )""",
    """CREATE TABLE "fred_fetches" (
       "series_id" TEXT PRIMARY KEY, "fetched_at" TEXT, "last_observation" TEXT, "source" TEXT,
       "title" TEXT, "units" TEXT, "frequency" TEXT, "rows" INTEGER
    )""",
    # analytics/macro/gdp_tables.py: ensure_gdp_tables
    """CREATE TABLE gdpnow_track (
        forecast_date TEXT NOT NULL, quarter TEXT NOT NULL, nowcast REAL NOT NULL,
        source TEXT NOT NULL, imported_at TEXT NOT NULL,
        PRIMARY KEY (forecast_date, quarter)
    ) WITHOUT ROWID""",
    """CREATE TABLE gdp_releases (
        quarter TEXT PRIMARY KEY, first_release_date TEXT NOT NULL, first_growth REAL NOT NULL,
        latest_release_date TEXT NOT NULL, latest_growth REAL NOT NULL, source TEXT NOT NULL,
        imported_at TEXT NOT NULL
    )""",
    # analytics/revisions/tables.py: ensure_revision_tables
    """CREATE TABLE revision_snapshots (
        ticker TEXT NOT NULL, date TEXT NOT NULL, period TEXT NOT NULL,
        up_7d INTEGER, up_30d INTEGER, down_7d INTEGER, down_30d INTEGER,
        est_now REAL, est_7d REAL, est_30d REAL, est_60d REAL, est_90d REAL,
        analysts INTEGER, period_end TEXT, source TEXT NOT NULL,
        PRIMARY KEY (ticker, date, period)
    ) WITHOUT ROWID""",
    """CREATE TABLE revision_checks (
        ticker TEXT NOT NULL, date TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT,
        source TEXT NOT NULL, checked_at TEXT NOT NULL,
        PRIMARY KEY (ticker, date)
    ) WITHOUT ROWID""",
    "CREATE INDEX revision_checks_date ON revision_checks (date)",
    """CREATE TABLE revision_nights (
        night TEXT PRIMARY KEY, requests INTEGER NOT NULL, asked INTEGER NOT NULL,
        estimates INTEGER NOT NULL, no_estimates INTEGER NOT NULL, unknown INTEGER NOT NULL,
        failed INTEGER NOT NULL, updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE revision_universes (
        universe TEXT PRIMARY KEY, first_asked TEXT NOT NULL, last_asked TEXT NOT NULL
    )""",
    # analytics/alerts/schema.py: AlertStore's first write
    """CREATE TABLE alerts (
        id INTEGER PRIMARY KEY, kind TEXT NOT NULL, params TEXT NOT NULL, owner_id INTEGER,
        created_by INTEGER, guild_id INTEGER, channel_id INTEGER, created_at TEXT NOT NULL,
        baseline_on TEXT, baseline_holds INTEGER, paused INTEGER NOT NULL DEFAULT 0,
        paused_reason TEXT, paused_at TEXT, last_on TEXT, last_holds INTEGER, last_state TEXT
    )""",
    "CREATE INDEX alerts_owner ON alerts (owner_id)",
    "CREATE INDEX alerts_guild ON alerts (guild_id)",
    """CREATE TABLE alert_fires (
        alert_id INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
        fired_on TEXT NOT NULL, session TEXT NOT NULL, status TEXT NOT NULL,
        nonce INTEGER NOT NULL, claimed_at TEXT NOT NULL, state TEXT, message_id INTEGER,
        error TEXT, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT, finished_at TEXT,
        PRIMARY KEY (alert_id, fired_on)
    )""",
    """CREATE TABLE alert_runs (
        session TEXT PRIMARY KEY, evaluated_at TEXT NOT NULL, alerts INTEGER NOT NULL,
        fired INTEGER NOT NULL
    )""",
    # analytics/subscriptions/store.py: SubscriptionStore's first write (with the retry
    # columns it added; tests/test_subscription_store.py upgrades a table from before them)
    """CREATE TABLE subscriptions (
        id INTEGER PRIMARY KEY, guild_id INTEGER NOT NULL, channel_id INTEGER NOT NULL,
        post_time TEXT NOT NULL, sections TEXT NOT NULL, created_by INTEGER,
        created_at TEXT NOT NULL, active_since TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1,
        failed_days INTEGER NOT NULL DEFAULT 0, last_error TEXT, disabled_reason TEXT,
        UNIQUE (guild_id, channel_id)
    )""",
    """CREATE TABLE subscription_posts (
        subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
        trading_day TEXT NOT NULL, channel_id INTEGER NOT NULL, status TEXT NOT NULL,
        nonce INTEGER NOT NULL, message_id INTEGER, error TEXT, claimed_at TEXT NOT NULL,
        finished_at TEXT, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT,
        PRIMARY KEY (subscription_id, trading_day)
    )""",
    # bot/lease.py: Lease.acquire / release
    """CREATE TABLE leases (
        name TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at TEXT NOT NULL,
        beat INTEGER NOT NULL, taken_at TEXT NOT NULL
    )""",
    # analytics/data/events.py: the first write of an event or a quoted session
    """CREATE TABLE events_seen (
        ticker TEXT NOT NULL, date TEXT NOT NULL, kind TEXT NOT NULL, value REAL NOT NULL,
        seen_at TEXT NOT NULL,
        PRIMARY KEY (ticker, date, kind)
    ) WITHOUT ROWID""",
    """CREATE TABLE events_pending (
        ticker TEXT PRIMARY KEY, since TEXT NOT NULL, through TEXT NOT NULL,
        payer INTEGER NOT NULL
    )""",
)

T = "2024-07-01T20:00:00+00:00"
OLD_ROWS: dict[str, tuple] = {
    "bars": ("SPY", "2024-07-01", 1.0, 2.0, 0.5, 1.5, 1.4, 100.0, "yahoo"),
    "coverage": ("SPY", "2024-07-01", "2024-07-01", T, "yahoo"),
    "unknown_symbols": ("ZZZZ", T, "yahoo"),
    "recent_requests": ("SPY", T),
    "holdings_snapshots": ("IWM", "2024-06-28", "iShares Russell 2000 ETF", T, "ishares", "[]", 1),
    "holdings_positions": ("IWM", "2024-06-28", "AAPL", "Apple", "IT", 1.0, 2.0, 3.0, 6.0),
    "fred_observations": ("UNRATE", "2024-06-01", 4.1),
    "fred_fetches": ("UNRATE", T, "2024-06-01", "FRED", "Unemployment", "%", "monthly", 1),
    "gdpnow_track": ("2024-06-28", "2024-04-01", 2.2, "file:track.csv", T),
    "gdp_releases": ("2024-01-01", "2024-04-25", 1.6, "2024-06-27", 1.4, "file:r.csv", T),
    "revision_snapshots": ("AAPL", "2024-07-01", "0q", 1, 2, 0, 1, *(1.5,) * 5, 30, None, "y"),
    "revision_checks": ("AAPL", "2024-07-01", "estimates", None, "y", T),
    "revision_nights": ("2024-07-01", 10, 10, 9, 1, 0, 0, T),
    "revision_universes": ("XLK", T, T),
    "alerts": (1, "record", "{}", 5, 5, None, None, T, None, None, 0, *(None,) * 5),
    "alert_fires": (1, "2024-07-01", "2024-07-01", "sent", 42, T, None, 9, None, 1, None, T),
    "alert_runs": ("2024-07-01", T, 1, 1),
    "subscriptions": (1, 10, 1, "close+30", "streak", 5, T, T, 1, 0, None, None),
    "subscription_posts": (1, "2024-07-01", 1, "sent", 7, 9, None, T, T, 1, None),
    "leases": ("background", "host:1:ab", T, 3, T),
    "events_seen": ("SPY", "2024-06-28", "dividends", 1.5, T),
    "events_pending": ("SPY", "2024-06-28", "2024-07-01", 1),
}


def rows_of(conn: sqlite3.Connection) -> dict[str, list[tuple]]:
    return {t: conn.execute(f"SELECT * FROM {t}").fetchall() for t in OLD_ROWS}


@pytest.fixture
def old_file(tmp_path) -> Path:
    """A cache file the old code wrote: schema 4, a row in every table."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for statement in OLD_DDL:
        conn.execute(statement)
    for table, row in OLD_ROWS.items():
        conn.execute(f"INSERT INTO {table} VALUES ({','.join('?' * len(row))})", row)
    conn.execute("PRAGMA user_version=4")
    conn.commit()
    conn.close()
    return path


@pytest.fixture
def fresh(tmp_path) -> Path:
    return tmp_path / "fresh.db"


def test_a_file_of_the_old_code_is_upgraded_in_place_with_every_row(old_file, fresh):
    conn = sqlite3.connect(old_file)
    before = rows_of(conn)
    conn.close()
    assert all(before.values())
    with PriceCache(old_file) as cache:
        assert cache.schema_version() == SCHEMA_VERSION
        assert rows_of(cache.db.conn) == before
    with PriceCache(fresh) as new:
        made = {r[0] for r in new.db.execute("SELECT name FROM sqlite_master")}
    with PriceCache(old_file) as cache:  # opened again: nothing left to do
        found = {r[0] for r in cache.db.execute("SELECT name FROM sqlite_master")}
        assert found == made  # the same tables and indexes as a file made new


def test_the_upgraded_file_reads_through_the_stores(old_file):
    from analytics.alerts.store import AlertStore
    from analytics.holdings.store import HoldingsStore
    from analytics.macro.store import FredStore
    from analytics.subscriptions.store import SubscriptionStore
    from bot.lease import Lease

    with PriceCache(old_file) as cache:
        assert HoldingsStore(cache.db).latest("IWM").frame.index.tolist() == ["AAPL"]
        assert FredStore(cache.db, cache=cache).observations("UNRATE").tolist() == [4.1]
        assert [a.kind for a in AlertStore(cache).all()] == ["record"]
        assert [s.channel_id for s in SubscriptionStore(cache).active()] == [1]
        assert Lease(cache).holder()[0] == "host:1:ab"


def test_a_fresh_file_has_every_table_at_the_newest_version(fresh):
    with PriceCache(fresh) as cache:
        assert cache.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
        assert set(OLD_ROWS) <= set(cache.db.table_names())


def test_every_version_has_its_steps():
    assert sorted(MIGRATIONS) == list(range(SCHEMA_VERSION))
    assert all(steps(version) for version in MIGRATIONS)


def test_a_newer_file_is_refused_and_left_as_it_is(fresh):
    conn = sqlite3.connect(fresh)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.commit()
    before = fresh.read_bytes()
    with pytest.raises(CacheFileError, match="written by a newer marketbot"):
        migrate(conn, fresh)  # the runner's own check (PriceCache refuses on the header first)
    conn.close()
    with pytest.raises(CacheFileError, match=rf"schema {SCHEMA_VERSION + 1}; this one reads"):
        PriceCache(fresh)
    assert fresh.read_bytes() == before


def test_a_failing_step_leaves_the_file_as_it_was(fresh):
    def boom(conn: sqlite3.Connection) -> None:
        raise RuntimeError("step 2 failed")

    conn = sqlite3.connect(fresh)
    with pytest.raises(RuntimeError, match="step 2 failed"):
        migrate(conn, fresh, migrations={0: ("CREATE TABLE a (x)",), 1: (boom,)})
    assert user_version(conn) == 0
    assert conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] == 0
    conn.close()


def test_two_openers_at_once_migrate_once(fresh):
    """The second opener reads version 0, then waits for the write lock the first holds; once
    it has it, it reads the version again and finds nothing to do (a second run of the step
    would fail: its table exists)."""
    entered, release = threading.Event(), threading.Event()
    ran: list[str] = []

    def slow(conn: sqlite3.Connection) -> None:
        ran.append(threading.current_thread().name)
        entered.set()
        assert release.wait(10)

    migrations = {0: ("CREATE TABLE t (x)", slow)}
    setup = sqlite3.connect(fresh)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.close()
    results: dict[str, int | BaseException] = {}

    def open_file(name: str) -> None:
        conn = sqlite3.connect(fresh, timeout=10)
        try:
            results[name] = migrate(conn, fresh, migrations=migrations)
        except BaseException as exc:  # reported by the assertion below
            results[name] = exc
        finally:
            conn.close()

    first = threading.Thread(target=open_file, args=("first",), name="first")
    second = threading.Thread(target=open_file, args=("second",), name="second")
    first.start()
    assert entered.wait(10)
    second.start()
    time.sleep(0.3)  # the second has read version 0 and waits on BEGIN IMMEDIATE
    release.set()
    first.join(10)
    second.join(10)
    assert results == {"first": 1, "second": 1}
    assert ran == ["first"]


_DDL = re.compile(r"CREATE\s+(TABLE|INDEX)|ALTER\s+TABLE|\.create\(|create_table", re.I)


def test_no_module_outside_the_migrations_creates_or_alters_a_table():
    declared = {"analytics/data/schema.py"} | {
        v.partition(":")[0].replace(".", "/") + ".py"
        for v in MIGRATIONS.values()
        if isinstance(v, str)
    }
    offenders = sorted(
        str(path.relative_to(REPO))
        for folder in ("analytics", "bot", "cogs")
        for path in (REPO / folder).rglob("*.py")
        if _DDL.search(path.read_text()) and str(path.relative_to(REPO)) not in declared
    )
    assert offenders == []
