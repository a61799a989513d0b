"""A fetch that carries a split and a dividend lands whole or not at all.

The server below re-bases its own history the way Yahoo does when a 10-for-1 split and a
dividend go ex; the expected cache is built here from that definition (prices before the
split / 10, volume x 10, adjusted closes before the ex-date x (1 - D / previous close)),
not with analytics.data.rebase. A fetch is failed at each of its writes, by an exception
and by SIGKILL of a child process; after a restart the cache must equal what the server holds.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics import calendar
from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.data.provider import BAR_COLUMNS, FetchResult

D = dt.date
REPO = Path(__file__).resolve().parents[3]
FIRST, CACHED_TO, LAST = D(2024, 6, 3), D(2024, 6, 14), D(2024, 6, 28)
SPLIT_DAY, EX_DAY, DIVIDEND = D(2024, 6, 17), D(2024, 6, 20), 0.5
NOW = pd.Timestamp("2024-07-01 20:00", tz="America/New_York").tz_convert("UTC").to_pydatetime()

# The writes of one fetch, in the order MarketData makes them.
STEPS = ("rescale", "store_bars", "mark_checked", "mark_unknown", "forget_unknown")


def raw_history() -> pd.DataFrame:
    """Unadjusted bars as traded: ~100 before the split, ~10 after it."""
    sessions = pd.DatetimeIndex(calendar.sessions_between(FIRST, LAST), name="date")
    n = len(sessions)
    close = 100.0 + np.arange(n, dtype="float64")
    close[sessions >= pd.Timestamp(SPLIT_DAY)] /= 10.0
    return pd.DataFrame(
        {
            "open": close - 0.25,
            "high": close + 0.5,
            "low": close - 0.5,
            "close": close,
            "volume": np.where(sessions >= pd.Timestamp(SPLIT_DAY), 10_000.0, 1_000.0),
        },
        index=sessions,
    )


def server_history(after_actions: bool) -> pd.DataFrame:
    """What the server serves for every day, on its current basis."""
    raw = raw_history()
    frame = raw.copy()
    frame["adj_close"] = frame["close"]
    frame["dividend"] = 0.0
    frame["split"] = 0.0
    if not after_actions:
        return frame.loc[: pd.Timestamp(CACHED_TO)]
    before_split = frame.index < pd.Timestamp(SPLIT_DAY)
    for column in ("open", "high", "low", "close", "adj_close"):
        frame.loc[before_split, column] /= 10.0
    frame.loc[before_split, "volume"] *= 10.0
    previous_close = frame["close"].shift(1).loc[pd.Timestamp(EX_DAY)]
    before_ex = frame.index < pd.Timestamp(EX_DAY)
    frame.loc[before_ex, "adj_close"] *= 1.0 - DIVIDEND / previous_close
    frame.loc[pd.Timestamp(SPLIT_DAY), "split"] = 10.0
    frame.loc[pd.Timestamp(EX_DAY), "dividend"] = DIVIDEND
    return frame


class Server:
    """A provider holding ABC (with the actions once `after_actions`) and GONE, which it no
    longer knows once `after_actions` (delisted): both share one gap, so one provider call."""

    name = "Fake"

    def __init__(self, after_actions: bool) -> None:
        self.after_actions = after_actions
        self.history = server_history(after_actions)
        self.calls: list[tuple[tuple[str, ...], dt.date | None, dt.date]] = []

    def fetch(self, tickers: list[str], start: dt.date | None, end: dt.date) -> FetchResult:
        self.calls.append((tuple(tickers), start, end))
        result = FetchResult(requests=len(tickers))
        for ticker in tickers:
            if ticker == "ABC" or not self.after_actions:
                lo = pd.Timestamp(start or FIRST)
                result.bars[ticker] = self.history.loc[lo : pd.Timestamp(end)].copy()
            else:
                result.unknown.append(ticker)
        return result


def prime(path: Path) -> None:
    """The cache as it stood before the actions: ABC and GONE cached through CACHED_TO."""
    with PriceCache(path) as cache:
        MarketData(cache, Server(after_actions=False), now=lambda: NOW).bars(
            ["ABC", "GONE"], FIRST, CACHED_TO
        )


def snapshot(path: Path) -> tuple[list[tuple], list[tuple], list[tuple]]:
    conn = sqlite3.connect(path)
    try:
        return (
            conn.execute("SELECT * FROM bars ORDER BY ticker, date").fetchall(),
            conn.execute("SELECT ticker, checked_from, checked_to FROM coverage").fetchall(),
            conn.execute("SELECT ticker FROM unknown_symbols").fetchall(),
        )
    finally:
        conn.close()


def fetch_after_actions(cache: PriceCache) -> pd.DataFrame:
    """The fetch that meets the split and the dividend; returns ABC's cached bars."""
    server = Server(after_actions=True)
    market = MarketData(cache, server, now=lambda: NOW)
    bars = market.bars(["ABC", "GONE"], FIRST, LAST).series("ABC")
    assert server.calls == [(("ABC", "GONE"), D(2024, 6, 15), LAST)]  # one call, one transaction
    return bars


def assert_equals_server(got: pd.DataFrame) -> None:
    want = server_history(after_actions=True)
    assert list(got.index) == list(want.index)
    for column in BAR_COLUMNS:
        assert got[column].tolist() == pytest.approx(want[column].tolist(), rel=1e-12), column


def test_the_healthy_fetch_equals_the_server_and_a_return_across_the_split_is_right(tmp_path):
    path = tmp_path / "c.db"
    prime(path)
    with PriceCache(path) as cache:
        got = fetch_after_actions(cache)
        assert cache.unknown_since(["GONE"], NOW - dt.timedelta(minutes=1)) == {"GONE"}
    assert_equals_server(got)
    # adjusted return FIRST -> LAST, computed from raw prices and the dividend by hand
    raw = raw_history()
    prev = raw["close"].shift(1).loc[pd.Timestamp(EX_DAY)]
    want = raw["close"].iloc[-1] / (raw["close"].iloc[0] / 10 * (1 - DIVIDEND / prev)) - 1
    assert got["adj_close"].iloc[-1] / got["adj_close"].iloc[0] - 1 == pytest.approx(want)


class Injected(RuntimeError):
    pass


@pytest.mark.parametrize("step", STEPS)
def test_an_exception_after_any_write_leaves_the_cache_as_it_was(tmp_path, monkeypatch, step):
    path = tmp_path / "c.db"
    prime(path)
    before = snapshot(path)
    original = getattr(PriceCache, step)

    def then_fail(self, *args, **kwargs):
        original(self, *args, **kwargs)
        raise Injected(f"after {step}")

    with monkeypatch.context() as patch:
        patch.setattr(PriceCache, step, then_fail)
        with PriceCache(path) as cache, pytest.raises(Injected):
            fetch_after_actions(cache)
    assert snapshot(path) == before

    with PriceCache(path) as cache:  # a restart: the same fetch again, nothing injected
        assert_equals_server(fetch_after_actions(cache))


def test_a_locked_database_serves_the_cache_with_a_warning_and_applies_nothing(tmp_path):
    path = tmp_path / "c.db"
    prime(path)
    before = snapshot(path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock past the busy timeout
    try:
        with PriceCache(path, busy_timeout_seconds=0.2) as cache:
            market = MarketData(cache, Server(after_actions=True), now=lambda: NOW)
            result = market.bars(["ABC"], FIRST, LAST)
    finally:
        holder.rollback()
        holder.close()
    assert result.stale
    assert result.warnings == (
        f"Could not save to the cache file {path} (database is locked); "
        f"showing cached data as of {CACHED_TO.isoformat()}.",
    )
    assert snapshot(path) == before
    with PriceCache(path) as cache:
        assert_equals_server(fetch_after_actions(cache))


# -- SIGKILL of a child process in the middle of the fetch ------------------------------------


def child_main(db: str, step: str) -> None:
    """Run the fetch after the actions and kill this process right after `step`'s write."""
    original = getattr(PriceCache, step)

    def then_die(self, *args, **kwargs):
        original(self, *args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)

    setattr(PriceCache, step, then_die)
    cache = PriceCache(db)
    fetch_after_actions(cache)


@pytest.mark.parametrize("step", STEPS)
def test_a_kill_after_any_write_leaves_the_cache_as_it_was(tmp_path, step):
    path = tmp_path / "c.db"
    prime(path)
    before = snapshot(path)
    code = f"from tests.analytics.data.test_market_fetch_atomicity import child_main; child_main({str(path)!r}, {step!r})"
    child = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert snapshot(path) == before
    with PriceCache(path) as cache:
        assert_equals_server(fetch_after_actions(cache))


def test_a_full_disk_serves_the_cache_with_a_warning_and_applies_nothing(tmp_path, monkeypatch):
    # A real SQLITE_FULL needs a full file system; the error SQLite raises then is injected
    # after the bars were written inside the transaction.
    path = tmp_path / "c.db"
    prime(path)
    before = snapshot(path)
    original = PriceCache.store_bars

    def then_full(self, *args, **kwargs):
        original(self, *args, **kwargs)
        raise sqlite3.OperationalError("database or disk is full")

    with monkeypatch.context() as patch:
        patch.setattr(PriceCache, "store_bars", then_full)
        with PriceCache(path) as cache:
            market = MarketData(cache, Server(after_actions=True), now=lambda: NOW)
            result = market.bars(["ABC", "GONE"], FIRST, LAST)
    assert result.warnings == (
        f"Could not save to the cache file {path} (database or disk is full); "
        f"showing cached data as of {CACHED_TO.isoformat()}.",
    )
    assert snapshot(path) == before
    with PriceCache(path) as cache:
        assert_equals_server(fetch_after_actions(cache))
