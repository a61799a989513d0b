"""The read memo's entries kept in the cache file (analytics.data.memo_store): a new process
(a new PriceCache on the file) starts from them, brought up to date by the change log, and
what it reads equals reading afresh (`read_bars_rows`, the rows; `coverage_index` of the table).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time

import numpy as np
import pytest

from analytics.data import arrays, market_fill, memo_store
from analytics.data.cache import PriceCache
from analytics.data.gaps import coverage_index, indexed_missing_ranges
from analytics.data.market import MarketData
from analytics.data.rebase import Rebase
from tests.analytics.data.test_arrays import assert_same_long, ragged_bars
from tests.fakes.prices import RecordingProvider, bars_for

D = dt.date
NOW = dt.datetime(2024, 6, 28, 22, 0, tzinfo=dt.UTC)
NAMES = [f"N{i:02d}" for i in range(12)]
START, END = D(2024, 1, 2), D(2024, 6, 27)
COLUMNS = ["adj_close", "source"]


@pytest.fixture(autouse=True)
def small_entries_are_kept(monkeypatch):
    monkeypatch.setattr(memo_store, "MIN_NAMES", 1)


@pytest.fixture
def kept_file(tmp_path):
    """A cache whose panel of NAMES was read once (and so kept in the file)."""
    path = tmp_path / "kept.db"
    rng = np.random.default_rng(7)
    with PriceCache(path) as cache:
        for name in NAMES:
            cache.store_bars(name, ragged_bars(rng, name, START, END), f"s{rng.integers(2)}")
        cache.read_panel(NAMES, START, END, COLUMNS)
        assert entries(cache) == 1
    return path


def entries(cache: PriceCache) -> int:
    return cache.db.execute(f"SELECT COUNT(*) FROM {memo_store.TABLE}").fetchone()[0]


@pytest.fixture
def segment_reads(monkeypatch):
    """How many tickers each read of the array store asked for."""
    calls: list[int] = []
    original = arrays.read_segments

    def counted(conn, tickers, *args, **kwargs):
        calls.append(len(tickers))
        return original(conn, tickers, *args, **kwargs)

    monkeypatch.setattr(arrays, "read_segments", counted)
    return calls


def assert_fresh(cache: PriceCache) -> None:
    got = cache.read_panel(NAMES, START, END, COLUMNS).long()
    assert_same_long(got, cache.read_bars_rows(NAMES, START, END, COLUMNS))


def test_a_new_process_starts_from_the_kept_panel(kept_file, segment_reads):
    with PriceCache(kept_file) as cache:
        assert_fresh(cache)
    assert segment_reads == []  # nothing read from the array store


@pytest.mark.parametrize("write", ["new session", "rebase", "delete"])
def test_a_write_since_patches_only_the_changed_names(kept_file, segment_reads, write):
    with PriceCache(kept_file) as other:
        if write == "new session":
            other.store_bars("N03", bars_for("N03", D(2024, 6, 28), D(2024, 6, 28)), "n")
        elif write == "rebase":
            other.rescale("N05", D(2024, 3, 1), Rebase(price=0.5, adjusted=0.5))
        else:
            with other.transaction() as conn:
                conn.execute("DELETE FROM bars WHERE ticker = 'N07'")
    with PriceCache(kept_file) as cache:
        assert_fresh(cache)
    assert segment_reads == [1]


def test_an_unlogged_write_since_means_reading_again(kept_file, segment_reads):
    conn = sqlite3.connect(kept_file)
    conn.execute("UPDATE bars SET adj_close = adj_close * 3 WHERE ticker = 'N01'")
    conn.commit()
    conn.close()
    with PriceCache(kept_file) as cache:
        assert_fresh(cache)
    assert segment_reads == [len(NAMES)]


def test_an_entry_from_other_code_is_ignored(kept_file, segment_reads, monkeypatch):
    monkeypatch.setattr(memo_store, "CODE", "another marketbot")
    with PriceCache(kept_file) as cache:
        assert_fresh(cache)
    assert segment_reads == [len(NAMES)]


def test_a_read_only_cache_reads_the_entry_and_writes_nothing(kept_file, segment_reads):
    with PriceCache(kept_file) as cache:  # fold the WAL in, so the file alone is the cache
        cache.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = kept_file.read_bytes()
    with PriceCache(kept_file, read_only=True) as cache:
        assert_fresh(cache)
        cache.read_panel(NAMES[:5], START, END, COLUMNS)  # a miss: computed, not kept
    assert segment_reads == [5] and kept_file.read_bytes() == before


def test_a_busy_file_is_not_waited_for(kept_file):
    with PriceCache(kept_file, busy_timeout_seconds=5) as cache:
        holder = sqlite3.connect(kept_file)
        holder.execute("BEGIN IMMEDIATE")
        try:
            began = time.monotonic()
            cache.read_panel(NAMES[:4], START, END, COLUMNS)
            assert time.monotonic() - began < 1
        finally:
            holder.rollback()
            holder.close()
        assert entries(cache) == 1  # the new read was not kept


def test_at_most_keep_entries_the_newest(tmp_path, monkeypatch):
    monkeypatch.setattr(memo_store, "KEEP", 3)
    with PriceCache(tmp_path / "k.db") as cache:
        cache.store_bars("A", bars_for("A", D(2020, 1, 2), END), "t")
        # A window's panel starts on the first of its month; latest first, so that none is
        # cut from a panel held from an earlier month.
        for year in range(2024, 2019, -1):
            cache.read_panel(["A"], D(year, 6, 1), END, ["adj_close"])
        kept = cache.db.execute(f"SELECT key FROM {memo_store.TABLE}").fetchall()
        newest = {
            memo_store.entry_key(("panel", ("A",), D(y, 6, 1), ("adj_close",)))
            for y in (2020, 2021, 2022)
        }
        assert {k for (k,) in kept} == newest


def test_the_plans_coverage_index_is_kept_and_patched(tmp_path, monkeypatch):
    path = tmp_path / "plan.db"
    with PriceCache(path) as cache:
        for i, name in enumerate(NAMES):
            cache.store_bars(name, bars_for(name, START, D(2024, 6, 20)), "t")
            cache.mark_checked(name, START, D(2024, 6, 20 - i % 3), NOW, "t")
        cache.add_holes("N02", [(D(2024, 3, 1), D(2024, 3, 5))], NOW)
        MarketData(cache, RecordingProvider(), now=lambda: NOW).missing_ranges(NAMES, START, END)
    with PriceCache(path) as other:
        other.mark_checked("N04", START, D(2024, 6, 27), NOW, "t")
    built = []
    monkeypatch.setattr(
        market_fill, "coverage_index", lambda *a: built.append(a) or coverage_index(*a)
    )
    with PriceCache(path) as cache:
        got = MarketData(cache, RecordingProvider(), now=lambda: NOW).missing_ranges(
            NAMES, START, END
        )
        index = coverage_index(cache._coverage_of(None), NAMES, cache.pending_holes(NAMES))
    assert built == []  # loaded from the file and patched for N04
    assert got == indexed_missing_ranges(index, NAMES, START, END, NOW)
    assert [g.tickers for g in got if g.hole] == [["N02"]]
    assert all("N04" not in g.tickers for g in got)


def test_the_nightly_patch_is_kept_for_the_next_process(kept_file, segment_reads):
    with PriceCache(kept_file) as cache:
        cache.read_panel(NAMES, START, END, COLUMNS)  # from the file
        with cache.transaction():  # the refresh: every name gets a session
            for name in NAMES:
                cache.store_bars(name, bars_for(name, D(2024, 6, 28), D(2024, 6, 28)), "n")
        assert cache.refresh_memo() == 1
        assert segment_reads == [len(NAMES)]
    with PriceCache(kept_file) as cache:
        assert_fresh(cache)
    assert segment_reads == [len(NAMES)]  # the next process read nothing again


def test_a_kept_entry_is_written_into_the_file_itself_not_left_in_the_wal(tmp_path):
    # A later reader maps the file's pages; pages still in the -wal are read a call per page.
    # An immutable connection reads the main file alone, ignoring the -wal.
    path = tmp_path / "kept.db"
    rng = np.random.default_rng(3)
    with PriceCache(path) as cache:
        for name in NAMES:
            cache.store_bars(name, ragged_bars(rng, name, START, END), "s")
        panel = cache.read_panel(NAMES, START, END, COLUMNS)
        assert (path.parent / "kept.db-wal").exists()  # the process still has the file open
        main_file_only = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
        try:
            row = main_file_only.execute(f"SELECT meta, data FROM {memo_store.TABLE}").fetchone()
        finally:
            main_file_only.close()
    assert row is not None
    kept = memo_store.PANEL.decode(json.loads(row[0]), row[1], ())
    assert kept.tickers == panel.tickers
    np.testing.assert_array_equal(kept.values["adj_close"], panel.values["adj_close"])
