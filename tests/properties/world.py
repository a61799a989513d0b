"""The planted world the property tests run in: a small universe whose data is known.

Prices for a dozen tickers (the funds the commands default to, IVV's and IWM's planted
constituents, a share class and an index), one holdings snapshot each for IWM and IVV, a few
FRED series, three alerts (one paused) and a named list beside the cache. Built once per
session through the same storage paths the imports and commands use; tests work on copies
(`copy_world`) and compare tables by content (`table_digests`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analytics import calendar
from analytics.alerts.commands import create_alert
from analytics.alerts.specs import ADD
from analytics.alerts.store import AlertStore
from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.data.provider import BAR_COLUMNS
from analytics.holdings.store import import_holdings_file
from analytics.macro.store import FredStore
from analytics.spec import ParseContext
from tests.fakes.ishares import PLANTED_FUND, ishares_csv

FIRST_SESSION = dt.date(2016, 1, 4)
IWM_NAMES = tuple(t for t, _, _ in PLANTED_FUND)  # AAA ... EEE
IVV_FUND = [
    ("AAPL", "APPLE INC", 0.40),
    ("MSFT", "MICROSOFT CORP", 0.35),
    ("BRK-B", "BERKSHIRE HATHAWAY INC CLASS B", 0.25),
]
IVV_NAMES = tuple(t for t, _, _ in IVV_FUND)
FUNDS_PRICED = ("SPY", "IWM", "QQQ", "IVV", "MAGS", "^RUT")
TICKERS = FUNDS_PRICED + IWM_NAMES + IVV_NAMES
"""Every ticker with planted bars."""

LIST_NAME = "planted"
LIST_TICKERS = ("AAPL", "MSFT", "AAA")
FRED_SERIES = ("GDPNOW", "A191RL1Q225SBEA", "UNRATE", "DGS10")
USER_ID = 1_100_000_000_000_000_003  # the owner of the planted alerts


@dataclass(frozen=True)
class World:
    """Where the planted cache is and what it spans."""

    db: Path
    first: dt.date
    last: dt.date

    @property
    def lists_folder(self) -> Path:
        return self.db.parent / "universes"


def planted_bars(ticker: str, sessions: pd.DatetimeIndex) -> pd.DataFrame:
    """A random walk seeded by the ticker's name (crc32): daily log-returns N(0.0003, 0.012),
    high/low 0.5% around the close, adj_close 0.98 x close, volume 1e6."""
    rng = np.random.default_rng(zlib.crc32(ticker.encode()))
    close = 50.0 * np.exp(np.cumsum(rng.normal(0.0003, 0.012, len(sessions))))
    frame = pd.DataFrame(
        {
            "open": close * 0.999,
            "high": close * 1.005,
            "low": close * 0.995,
            "close": close,
            "adj_close": close * 0.98,
            "volume": np.full(len(close), 1e6),
        },
        index=pd.DatetimeIndex(sessions, name="date"),
    )
    return frame[list(BAR_COLUMNS)]


def planted_fred(series_id: str, last: dt.date) -> pd.Series:
    """Readings by frequency: GDP quarterly, UNRATE monthly, GDPNOW and DGS10 on sessions."""
    rng = np.random.default_rng(zlib.crc32(series_id.encode()))
    if series_id == "A191RL1Q225SBEA":
        index = pd.date_range("1990-01-01", last, freq="QS")
    elif series_id == "UNRATE":
        index = pd.date_range("1990-01-01", last, freq="MS")
    else:
        index = calendar.sessions_between(dt.date(2014, 1, 2), last)
    values = 3.0 + np.cumsum(rng.normal(0, 0.1, len(index)))
    return pd.Series(np.round(values, 2), index=pd.DatetimeIndex(index, name="date"))


def build_world(folder: Path, last: dt.date, now: dt.datetime) -> World:
    """Plant every table in `folder / "planted.db"` (prices to session `last`, FRED and
    holdings as of `last`) and close it, so the file alone is the world."""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "planted.db"
    sessions = calendar.sessions_between(FIRST_SESSION, last)
    cache = PriceCache(db)
    try:
        market = MarketData(cache, None, now=lambda: now)
        for ticker in TICKERS:
            market.import_bars(ticker, planted_bars(ticker, sessions), "planted")
        for fund, rows, name in (
            ("IWM", PLANTED_FUND, "iShares Russell 2000 ETF"),
            ("IVV", IVV_FUND, "iShares Core S&P 500 ETF"),
        ):
            path = folder / f"{fund}_holdings.csv"
            path.write_text(ishares_csv(last, rows, fund_name=name), encoding="utf-8")
            import_holdings_file(cache.db, fund, path)
            path.unlink()
        store = FredStore(cache.db, cache=cache)
        for series_id in FRED_SERIES:
            store.upsert(
                series_id,
                planted_fred(series_id, last),
                source="FRED",
                fetched_at=now,
                replace=True,
            )
        plant_alerts(market, now)
    finally:
        cache.close()
    lists = folder / "universes"
    lists.mkdir(exist_ok=True)
    (lists / f"{LIST_NAME}.txt").write_text("\n".join(LIST_TICKERS) + "\n", encoding="utf-8")
    return World(db=db, first=sessions[0].date(), last=sessions[-1].date())


PLANTED_ALERTS = (
    {"kind": "streak", "ticker": "IWM", "versus": "SPY", "what": "beat", "sessions": 5},
    {"kind": "level", "ticker": "SPY", "level": 100.0},
    {"kind": "macro", "series": "unemployment", "value": 5.0, "direction": "up"},
)
"""Alerts 1-3 (the second paused), so remove/pause/resume have something to act on."""


def plant_alerts(market: MarketData, now: dt.datetime) -> None:
    """Create PLANTED_ALERTS through the commands' own parse and create path."""
    ctx = ParseContext(today=now.date())
    store = AlertStore(market.cache)
    for values in PLANTED_ALERTS:
        request = ADD.parse_values(values, ctx)
        create_alert(
            market,
            store,
            request,
            owner_id=USER_ID,
            created_by=USER_ID,
            guild_id=None,
            channel_id=None,
            now=now,
        )
    store.pause(2, "planted paused", now)


def copy_world(world: World, folder: Path) -> World:
    """A private copy of the world's files in `folder` (the cache and its lists)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(world.db, folder / world.db.name)
    shutil.copytree(world.lists_folder, folder / "universes", dirs_exist_ok=True)
    return World(db=folder / world.db.name, first=world.first, last=world.last)


def table_digests(db: Path) -> dict[str, str]:
    """Each table's content as a sha256 of its sorted rows (opened read-only).

    Content, not bytes: a read that opens the file may rewrite its header (journal mode, WAL
    checkpoint) without changing a row."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
                "ORDER BY name"
            )
        ]
        digests = {}
        for name in names:
            rows = sorted(repr(row) for row in conn.execute(f'SELECT * FROM "{name}"'))
            digests[name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
        digests["user_version"] = str(conn.execute("PRAGMA user_version").fetchone()[0])
        return digests
    finally:
        conn.close()
