"""The read memo (analytics.data.read_memo) across commits: a commit that does not touch an
entry's tickers keeps it (no read), one that does patches it (only the changed names read
again), and whatever was patched equals what reading afresh gives (`read_bars_rows`, the rows,
and the coverage table read with SQL).

Commits come from every path that writes: this process's writes, another connection through
PriceCache (logged), another connection with raw SQL (unlogged: the memo starts again), the
lease and the tickers asked for (bookkeeping: nothing moves), a holdings save (not a price).
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import numpy as np
import pandas as pd
import pytest

from analytics.data import changes
from analytics.data.cache import PriceCache
from analytics.data.panel import Panel
from analytics.data.rebase import Rebase
from bot.lease import Lease
from tests.analytics.data.test_arrays import assert_same_long, ragged_bars
from tests.fakes.prices import bars_for

D = dt.date
NOW = dt.datetime(2024, 6, 28, 22, 0, tzinfo=dt.UTC)
NAMES = ["AAA", "BBB", "CCC", "DDD"]
START, END = D(2024, 1, 2), D(2024, 6, 27)


@pytest.fixture
def fresh_cache(tmp_path):
    with PriceCache(tmp_path / "memo.db") as cache:
        for name in NAMES:
            cache.store_bars(name, bars_for(name, START, D(2024, 6, 20)), "t")
            cache.mark_checked(name, START, D(2024, 6, 20), NOW, "t")
        yield cache


def read(cache: PriceCache, columns=("adj_close", "source")) -> Panel:
    return cache.read_panel(NAMES, START, END, list(columns))


def assert_matches_rows(cache: PriceCache, columns=("adj_close", "source")) -> None:
    got = read(cache, columns).long()
    want = cache.read_bars_rows(NAMES, START, END, list(columns))
    assert_same_long(got, want)


def counts(cache: PriceCache) -> tuple[int, int, int]:
    memo = cache.memo
    return memo.hits, memo.misses, memo.patched


# -- commits that do not touch the entry keep it -------------------------------------------
def test_a_commit_to_another_ticker_keeps_the_panel(fresh_cache):
    read(fresh_cache)
    hits, misses, patched = counts(fresh_cache)
    fresh_cache.store_bars("ZZZ", bars_for("ZZZ", START, END), "t")
    read(fresh_cache)
    assert counts(fresh_cache) == (hits + 1, misses, patched)
    assert_matches_rows(fresh_cache)


def test_a_lease_renewal_and_the_tickers_asked_for_move_nothing(fresh_cache):
    before = fresh_cache.generation()
    read(fresh_cache)
    Lease(fresh_cache, now=lambda: NOW).acquire()
    fresh_cache.touch_recent(NAMES, NOW)
    assert fresh_cache.generation() == before
    hits = fresh_cache.memo.hits
    read(fresh_cache)
    assert fresh_cache.memo.hits == hits + 1


def test_a_holdings_save_keeps_the_panels_and_drops_unscoped_entries(fresh_cache):
    read(fresh_cache)
    computed = []
    fresh_cache.memoised(("snapshot",), lambda: computed.append(1) or len(computed))
    with fresh_cache.db.atomic():  # a store outside PriceCache.transaction (as holdings)
        fresh_cache.db.conn.execute("INSERT INTO recent_requests VALUES ('X', '2024')")
    hits = fresh_cache.memo.hits
    read(fresh_cache)
    assert fresh_cache.memo.hits == hits + 1
    assert fresh_cache.memoised(("snapshot",), lambda: computed.append(1) or len(computed)) == 2


# -- commits that touch it patch it -----------------------------------------------------------
@pytest.mark.parametrize(
    "write",
    ["new session", "rebase", "delete a name", "new name in the list", "source", "other process"],
)
def test_a_write_to_a_member_patches_the_panel_to_what_a_fresh_read_gives(
    fresh_cache, tmp_path, write
):
    read(fresh_cache)
    assert_matches_rows(fresh_cache)
    _, misses, patched = counts(fresh_cache)
    if write == "new session":  # a date no other name has yet
        fresh_cache.store_bars("BBB", bars_for("BBB", D(2024, 6, 21), D(2024, 6, 24)), "t")
    elif write == "rebase":
        fresh_cache.rescale("CCC", D(2024, 3, 1), Rebase(price=0.5, adjusted=0.25))
    elif write == "delete a name":  # and the one date only it had goes with it
        fresh_cache.store_bars("AAA", bars_for("AAA", D(2024, 6, 21), D(2024, 6, 21)), "t")
        read(fresh_cache)
        _, misses, patched = counts(fresh_cache)
        with fresh_cache.transaction() as conn:
            conn.execute("DELETE FROM bars WHERE ticker = 'AAA'")
    elif write == "new name in the list":  # DDD had no bars in the window before
        with fresh_cache.transaction() as conn:
            conn.execute("DELETE FROM bars WHERE ticker = 'DDD'")
        read(fresh_cache)
        _, misses, patched = counts(fresh_cache)
        fresh_cache.store_bars("DDD", bars_for("DDD", D(2024, 2, 1), D(2024, 2, 29)), "late")
    elif write == "source":
        fresh_cache.merge_bars("AAA", bars_for("AAA", START, D(2024, 1, 31)), "import:a.csv")
    else:  # another process writing through PriceCache: logged, so patched too
        with PriceCache(tmp_path / "memo.db") as other:
            other.store_bars("BBB", bars_for("BBB", D(2024, 6, 21), D(2024, 6, 21)) * 3, "o")
    assert_matches_rows(fresh_cache)
    assert counts(fresh_cache)[1:] == (misses, patched + 1)


def test_refresh_memo_patches_every_entry_a_big_write_touched_before_anyone_asks(fresh_cache):
    read(fresh_cache)
    fresh_cache.coverage(NAMES)
    with fresh_cache.transaction():  # the nightly refresh: every name gets a session
        for name in NAMES:
            fresh_cache.store_bars(name, bars_for(name, D(2024, 6, 21), D(2024, 6, 21)), "n")
            fresh_cache.mark_checked(name, START, D(2024, 6, 21), NOW, "n")
    assert fresh_cache.refresh_memo() == 2  # the panel and the coverage table
    _, misses, patched = counts(fresh_cache)
    assert_matches_rows(fresh_cache)
    assert fresh_cache.coverage(NAMES)["DDD"].checked_to == D(2024, 6, 21)
    assert counts(fresh_cache)[1:] == (misses, patched)


def test_a_raw_sql_write_elsewhere_makes_the_memo_start_again(fresh_cache, tmp_path):
    read(fresh_cache)
    other = sqlite3.connect(tmp_path / "memo.db")
    other.execute("UPDATE bars SET adj_close = adj_close * 2 WHERE ticker = 'AAA'")
    other.commit()
    other.close()
    misses = fresh_cache.memo.misses
    assert_matches_rows(fresh_cache)
    assert fresh_cache.memo.misses == misses + 1


def test_a_reader_further_behind_than_the_log_starts_again(fresh_cache, tmp_path, monkeypatch):
    monkeypatch.setattr(changes, "KEEP", 3)
    read(fresh_cache)
    with PriceCache(tmp_path / "memo.db") as other:
        for day in range(1, 6):  # five commits elsewhere: the first two pruned
            other.mark_checked("ZZZ", START, D(2024, 6, day), NOW, "o")
        other.store_bars("CCC", bars_for("CCC", START, END) * 2, "o")
    assert fresh_cache.db.execute(f"SELECT COUNT(DISTINCT seq) FROM {changes.LOG}").fetchone() == (
        3,
    )
    misses = fresh_cache.memo.misses
    assert_matches_rows(fresh_cache)
    assert fresh_cache.memo.misses == misses + 1


def test_the_coverage_table_is_patched_to_what_sql_reads(fresh_cache):
    assert fresh_cache.coverage(NAMES)["BBB"].checked_to == D(2024, 6, 20)
    fresh_cache.mark_checked("BBB", START, D(2024, 6, 27), NOW, "t")
    with fresh_cache.transaction() as conn:
        conn.execute("DELETE FROM coverage WHERE ticker = 'CCC'")
    got = fresh_cache.coverage([*NAMES, "ZZZ"])
    assert got == fresh_cache._coverage_of(None)
    assert got["BBB"].checked_to == D(2024, 6, 27) and "CCC" not in got
    assert fresh_cache.memo.patched >= 1


def test_a_commit_in_the_log_lands_with_its_rows_or_not_at_all(fresh_cache):
    head = changes.log_head(fresh_cache.db.conn)
    with pytest.raises(RuntimeError), fresh_cache.transaction():
        fresh_cache.store_bars("AAA", bars_for("AAA", D(2024, 6, 21), D(2024, 6, 21)), "t")
        raise RuntimeError("the fetch died")
    assert changes.log_head(fresh_cache.db.conn) == head
    fresh_cache.store_bars("AAA", bars_for("AAA", D(2024, 6, 21), D(2024, 6, 21)), "t")
    fresh_cache.mark_unknown(["QQQ"], NOW, "t")
    rows = fresh_cache.db.execute(
        f"SELECT seq, tbl, ticker FROM {changes.LOG} WHERE seq > ? ORDER BY seq", [head]
    ).fetchall()
    assert rows == [(head + 1, "bars", "AAA"), (head + 2, "unknown_symbols", "QQQ")]


# -- Panel.replaced against a fresh read, on ragged data -------------------------------------
@pytest.mark.parametrize("seed", range(6))
def test_replaced_equals_the_panel_read_again(tmp_path, seed):
    rng = np.random.default_rng(seed)
    names = [f"N{i}" for i in range(8)]
    with PriceCache(tmp_path / "r.db") as cache:
        for name in names:
            cache.store_bars(name, ragged_bars(rng, name, START, END), f"s{rng.integers(3)}")
        columns = ["adj_close", "close", "source"]
        lo, hi = D(2024, 2, 1), D(2024, 5, 31)
        before = cache._read_panel(names, lo, hi, columns)
        changed = frozenset(rng.choice(names, size=int(rng.integers(1, 5)), replace=False))
        for name in changed:
            kind = rng.integers(3)
            if kind == 0:
                with cache.transaction() as conn:
                    conn.execute("DELETE FROM bars WHERE ticker = ?", [name])
            else:
                cache.store_bars(name, ragged_bars(rng, name, START, END), f"new{kind}")
        fresh = cache._read_panel([n for n in names if n in changed], lo, hi, columns)
        got = before.replaced(names, changed, fresh)
        want = cache._read_panel(names, lo, hi, columns)
        assert got.tickers == want.tickers
        np.testing.assert_array_equal(got.dates, want.dates)
        np.testing.assert_array_equal(got.present, want.present)
        for column in ("adj_close", "close"):
            pd.testing.assert_frame_equal(got.wide(column), want.wide(column))
        assert_same_long(got.long(), want.long())


def test_the_windows_of_a_month_and_the_next_days_share_one_read(fresh_cache, monkeypatch):
    from analytics.data import arrays

    reads: list[int] = []
    original = arrays.read_segments
    monkeypatch.setattr(
        arrays, "read_segments", lambda conn, t, *a: reads.append(len(t)) or original(conn, t, *a)
    )
    windows = [(D(2024, 6, 7), D(2024, 6, 20)), (D(2024, 6, 3), D(2024, 6, 20)), (START, END)]
    for lo, hi in windows:  # 2w and mtd (one read: both start in June), ytd
        got = fresh_cache.read_panel(NAMES, lo, hi, ["adj_close", "source"]).long()
        assert_same_long(got, fresh_cache.read_bars_rows(NAMES, lo, hi, ["adj_close", "source"]))
    n = len(NAMES)
    assert reads == [n, n]
    with fresh_cache.transaction():  # the nightly refresh: the next session for every name
        for name in NAMES:
            fresh_cache.store_bars(name, bars_for(name, D(2024, 6, 21), D(2024, 6, 21)), "n")
    assert fresh_cache.refresh_memo() == 2  # both patched in the refresher's thread
    assert reads == [n, n, n, n]
    lo, hi = D(2024, 6, 10), D(2024, 6, 21)  # the next day's 2w
    got = fresh_cache.read_panel(NAMES, lo, hi, ["adj_close", "source"]).long()
    assert_same_long(got, fresh_cache.read_bars_rows(NAMES, lo, hi, ["adj_close", "source"]))
    assert reads == [n, n, n, n] and got["date"].max() == pd.Timestamp("2024-06-21")


def test_a_window_from_a_later_month_is_cut_from_the_earlier_panel_held(fresh_cache, monkeypatch):
    # The year's panel is held: a 2w window on the first of a month reads nothing more, and
    # stays what reading it afresh gives after a write to one of the names.
    from analytics.data import arrays

    reads: list[int] = []
    original = arrays.read_segments
    monkeypatch.setattr(
        arrays, "read_segments", lambda conn, t, *a: reads.append(len(t)) or original(conn, t, *a)
    )
    columns = ["adj_close", "source"]
    fresh_cache.read_panel(NAMES, START, END, columns)  # ytd: the panel from January
    later = [(D(2024, 6, 7), D(2024, 6, 20)), (D(2024, 3, 1), D(2024, 3, 28))]
    for lo, hi in later:
        got = fresh_cache.read_panel(NAMES, lo, hi, columns).long()
        assert_same_long(got, fresh_cache.read_bars_rows(NAMES, lo, hi, columns))
    assert reads == [len(NAMES)]
    fresh_cache.store_bars("BBB", bars_for("BBB", D(2024, 6, 21), D(2024, 6, 21)), "x")
    lo, hi = D(2024, 6, 10), D(2024, 6, 21)
    got = fresh_cache.read_panel(NAMES, lo, hi, columns).long()
    assert_same_long(got, fresh_cache.read_bars_rows(NAMES, lo, hi, columns))
    assert reads == [len(NAMES), 1]  # BBB patched into the year's panel
    # Other names or other columns are not served from it.
    fresh_cache.read_panel(NAMES[:2], D(2024, 6, 7), END, columns)
    fresh_cache.read_panel(NAMES, D(2024, 6, 7), END, ["adj_close"])
    assert reads == [len(NAMES), 1, 2, len(NAMES)]


def test_a_held_panel_serves_later_windows_only_and_leaves_out_names_without_bars_there(
    tmp_path, monkeypatch
):
    from analytics.data import arrays

    reads: list[int] = []
    original = arrays.read_segments
    monkeypatch.setattr(
        arrays, "read_segments", lambda conn, t, *a: reads.append(len(t)) or original(conn, t, *a)
    )
    columns = ["adj_close", "source"]
    with PriceCache(tmp_path / "ragged.db") as cache:
        cache.store_bars("AAA", bars_for("AAA", START, END), "t")
        cache.store_bars("EEE", bars_for("EEE", START, D(2024, 2, 29)), "t")  # stops in February
        cache.store_bars("FFF", bars_for("FFF", D(2024, 5, 1), END), "u")  # starts in May
        names = ["AAA", "EEE", "FFF"]
        cache.read_panel(names, D(2024, 3, 4), END, columns)  # held from March
        assert reads == [3]
        windows = {  # window -> the names with bars in it
            (D(2024, 4, 1), D(2024, 4, 30)): ("AAA",),
            (D(2024, 6, 3), END): ("AAA", "FFF"),
            (D(2024, 3, 4), None): ("AAA", "FFF"),
        }
        for (lo, hi), with_bars in windows.items():
            got = cache.read_panel(names, lo, hi, columns)
            assert_same_long(got.long(), cache.read_bars_rows(names, lo, hi, columns))
            assert got.tickers == with_bars
        assert reads == [3]  # all cut from the March panel
        got = cache.read_panel(names, D(2024, 2, 1), END, columns)  # earlier: read, not cut
        assert_same_long(got.long(), cache.read_bars_rows(names, D(2024, 2, 1), END, columns))
        assert reads == [3, 3] and "EEE" in got.tickers
