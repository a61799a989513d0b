"""The array store (analytics.data.arrays) equals the rows it mirrors, whatever wrote them, and
every write makes the next read see the new values (the array store and the read memo).

The reference is `PriceCache.read_bars_rows` (one SQL query over `bars`) and the pandas pivot of
its long frame; the data has holes (missing sessions, a ticker starting late, NULL fields),
splits and dividends applied by `rescale`, mixed adjustment (imported rows whose adj_close is
missing next to fetched ones) and several sources across years.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import numpy as np
import pandas as pd
import pytest

from analytics.data import arrays
from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.data.provider import BAR_COLUMNS
from analytics.data.rebase import Rebase
from analytics.data.schema import MIGRATIONS, SCHEMA_VERSION
from tests.fakes.prices import RecordingProvider, bars_for

D = dt.date
NOW = dt.datetime(2024, 6, 28, 22, 0, tzinfo=dt.UTC)
ALL = [*BAR_COLUMNS, "source"]


def ragged_bars(rng: np.random.Generator, ticker: str, start: D, end: D) -> pd.DataFrame:
    """bars_for with sessions dropped (holes) and some fields NaN (NULL in the rows)."""
    bars = bars_for(ticker, start, end) * rng.uniform(0.5, 2.0)
    bars = bars[rng.random(len(bars)) > 0.15]
    for column in BAR_COLUMNS:
        bars.loc[rng.random(len(bars)) < 0.05, column] = np.nan
    return bars


def populate(cache: PriceCache, seed: int) -> list[str]:
    """A few tickers over 2021-2024 written through every write path of the cache."""
    rng = np.random.default_rng(seed)
    tickers = ["AAA", "BB.B", "CCC", "DDD", "^EEE"]
    for i, ticker in enumerate(tickers):
        start = D(2021, 1, 4) + dt.timedelta(days=int(rng.integers(0, 500)))
        cache.store_bars(ticker, ragged_bars(rng, ticker, start, D(2023, 6, 30)), f"fetch{i % 2}")
    # An import over the later part: adj_close missing (kept from the rows where cached, NULL
    # where new), close-only rows for one ticker; a per-row source label.
    later = ragged_bars(rng, "AAA", D(2023, 3, 1), D(2024, 6, 27))
    later["adj_close"] = np.nan
    later["source"] = np.where(rng.random(len(later)) < 0.5, "import:a.csv", None)
    cache.merge_bars("AAA", later, "import:a.csv")
    close_only = ragged_bars(rng, "CCC", D(2023, 1, 1), D(2024, 6, 27))[["close"]]
    cache.merge_bars("CCC", close_only, "import:c.csv")
    # Splits and a dividend re-basing the history before a day.
    cache.rescale("BB.B", D(2022, 7, 1), Rebase(price=0.1, adjusted=0.1))
    cache.rescale("DDD", D(2023, 2, 15), Rebase(price=1.0, adjusted=0.98))
    # A delete (a forgotten year) and a raw SQL write the cache knows nothing of.
    with cache.transaction() as conn:
        conn.execute("DELETE FROM bars WHERE ticker = 'CCC' AND date < '2022-01-01'")
    conn = cache.db.conn
    conn.execute("UPDATE bars SET close = close + 1 WHERE ticker = 'DDD' AND date LIKE '2022-03%'")
    conn.commit()
    return tickers


def assert_same_long(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns)
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), want.reset_index(drop=True), check_dtype=True
    )


def pivot(long: pd.DataFrame, tickers: list[str], column: str) -> pd.DataFrame:
    """The reference wide frame: the pandas pivot of the rows, requested order."""
    if long.empty:
        return pd.DataFrame(index=pd.DatetimeIndex([], name="date"))
    wide = long.pivot(index="date", columns="ticker", values=column)
    wide = wide[[t for t in tickers if t in wide.columns]]
    wide.columns.name = None
    return wide


WINDOWS = [
    (None, None),
    (D(2022, 1, 1), D(2022, 12, 31)),
    (D(2021, 11, 15), D(2023, 2, 14)),
    (D(2023, 6, 30), D(2023, 6, 30)),
    (D(2024, 1, 2), None),
    (D(2019, 1, 1), D(2020, 12, 31)),  # before any bar
]
COLUMN_SETS = [None, ["adj_close"], ["close", "adj_close"], ["source", "volume"]]


@pytest.mark.parametrize("seed", range(4))
def test_reads_from_the_arrays_equal_the_rows(tmp_path, seed):
    with PriceCache(tmp_path / "a.db") as cache:
        tickers = populate(cache, seed)
        asked = [tickers[3], "NOPE", *tickers[:3], tickers[4]]  # not sorted; an unknown name
        for start, end in WINDOWS:
            for columns in COLUMN_SETS:
                want = cache.read_bars_rows(asked, start, end, columns)
                assert_same_long(cache.read_bars(asked, start, end, columns), want)
                panel = cache.read_panel(asked, start, end, columns)
                for column in [c for c in columns or BAR_COLUMNS if c != "source"]:
                    pd.testing.assert_frame_equal(
                        panel.wide(column), pivot(want, asked, column), check_freq=False
                    )


def test_wide_from_the_facade_equals_the_pivot_of_the_rows(tmp_path):
    with PriceCache(tmp_path / "a.db") as cache:
        tickers = populate(cache, 7)
        market = MarketData(cache, None, offline=True, now=lambda: NOW)
        result = market.bars(tickers, D(2022, 6, 1), D(2024, 6, 27), columns=["adj_close"])
        want = cache.read_bars_rows(tickers, D(2022, 6, 1), D(2024, 6, 27), ["adj_close"])
        pd.testing.assert_frame_equal(result.wide(), pivot(want, tickers, "adj_close"))
        assert_same_long(result.bars, want)
        full = market.bars(tickers, D(2022, 6, 1), D(2024, 6, 27))
        want = cache.read_bars_rows(tickers, D(2022, 6, 1), D(2024, 6, 27))
        for ticker in tickers:
            expected = want[want["ticker"] == ticker].drop(columns=["ticker"]).set_index("date")
            pd.testing.assert_frame_equal(full.series(ticker), expected)
        assert full.sources == tuple(sorted(want["source"].dropna().unique()))
        assert full.as_of == want["date"].max().date()


def test_the_arrays_table_holds_what_the_rows_hold_after_every_commit(tmp_path):
    """Not only reads: after the writes (the raw one rebuilt by the next transaction), the
    stored arrays themselves equal the rows and nothing is left marked stale."""
    with PriceCache(tmp_path / "a.db") as cache:
        tickers = populate(cache, 3)
        conn = cache.db.conn
        assert conn.execute(f"SELECT COUNT(*) FROM {arrays.STALE}").fetchone()[0] > 0  # raw SQL
        with cache.transaction():
            pass  # any transaction folds the marks in
        assert conn.execute(f"SELECT COUNT(*) FROM {arrays.STALE}").fetchone()[0] == 0
        years = {
            (t, int(y))
            for t, y in conn.execute("SELECT DISTINCT ticker, substr(date, 1, 4) FROM bars")
        }
        assert set(conn.execute(f"SELECT ticker, year FROM {arrays.ARRAYS}").fetchall()) == years
        segments = arrays.read_segments(conn, tickers, D(1900, 1, 1), D(2100, 1, 1), ALL)
        assert not conn.execute(f"SELECT 1 FROM {arrays.STALE}").fetchone()
        for segment in segments:
            year = int(str(np.datetime64(int(segment.days[0]), "D"))[:4])
            rows = cache.read_bars_rows([segment.ticker], D(year, 1, 1), D(year, 12, 31))
            assert segment.days.tolist() == (
                rows["date"].to_numpy().astype("datetime64[D]").astype("int64").tolist()
            )
            for column in BAR_COLUMNS:
                np.testing.assert_array_equal(segment.values[column], rows[column].to_numpy())
            labels = np.array([*segment.labels, None], dtype=object)[segment.codes]
            assert labels.tolist() == [None if pd.isna(s) else s for s in rows["source"]]


def test_a_schema_4_cache_is_upgraded_with_its_arrays_built(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for version in range(4):
        for step in MIGRATIONS[version]:
            step(conn) if callable(step) else conn.execute(step)
    conn.execute("PRAGMA user_version=4")
    bars = bars_for("OLD", D(2022, 11, 1), D(2023, 2, 28))
    conn.executemany(
        "INSERT INTO bars (ticker, date, open, high, low, close, adj_close, volume, source)"
        " VALUES (?,?,?,?,?,?,?,?,?)",
        [
            ("OLD", d.strftime("%Y-%m-%d"), *map(float, row), "old")
            for d, row in zip(bars.index, bars.to_numpy(), strict=True)
        ],
    )
    conn.commit()
    conn.close()
    with PriceCache(path) as cache:
        assert cache.schema_version() == SCHEMA_VERSION
        stored = cache.db.execute(f"SELECT ticker, year FROM {arrays.ARRAYS}").fetchall()
        assert sorted(stored) == [("OLD", 2022), ("OLD", 2023)]
        assert_same_long(cache.read_bars(["OLD"]), cache.read_bars_rows(["OLD"]))


# -- every write makes the next read (and answer) recompute ---------------------------------
def _close(cache: PriceCache, ticker: str, day: D) -> float:
    panel = cache.read_panel([ticker], D(2024, 1, 1), D(2024, 12, 31), ["close"])
    wide = panel.wide("close")
    return float(wide.loc[pd.Timestamp(day), ticker]) if pd.Timestamp(day) in wide.index else None


@pytest.mark.parametrize(
    "write", ["store_bars", "merge_bars", "rescale", "fetch", "raw_sql", "other_process"]
)
def test_a_write_through_any_path_is_seen_by_the_next_read(tmp_path, write):
    path = tmp_path / "w.db"
    provider = RecordingProvider(history_start=D(2024, 1, 2))
    with PriceCache(path) as cache:
        market = MarketData(cache, provider, now=lambda: NOW)
        cache.store_bars("AAA", bars_for("AAA", D(2024, 1, 2), D(2024, 6, 20)), "t")
        day = D(2024, 3, 1)
        before = _close(cache, "AAA", day)
        assert _close(cache, "AAA", day) == before and cache.memo.hits >= 1  # memoised
        changed = bars_for("AAA", day, day) * 2
        if write == "store_bars":
            cache.store_bars("AAA", changed, "t")
        elif write == "merge_bars":
            cache.merge_bars("AAA", changed[["close"]], "import:x.csv")
        elif write == "rescale":
            cache.rescale("AAA", D(2024, 4, 1), Rebase(price=2.0, adjusted=2.0))
        elif write == "fetch":  # the facade fetches the missing sessions, then a re-base
            assert _close(cache, "AAA", D(2024, 6, 27)) is None
            market.bars(["AAA"], D(2024, 1, 2), D(2024, 6, 27))
            assert provider.calls
            assert _close(cache, "AAA", D(2024, 6, 27)) is not None
            cache.rescale("AAA", D(2024, 4, 1), Rebase(price=2.0, adjusted=2.0))
        elif write == "raw_sql":
            conn = cache.db.conn
            conn.execute("UPDATE bars SET close = close * 2 WHERE date = ?", [day.isoformat()])
            conn.commit()
        else:  # another process's connection
            other = sqlite3.connect(path)
            other.execute("UPDATE bars SET close = close * 2 WHERE date = ?", [day.isoformat()])
            other.commit()
            other.close()
        assert _close(cache, "AAA", day) == pytest.approx(2 * before)
        want = cache.read_bars_rows(["AAA"], None, None, ["close"])
        assert_same_long(cache.read_bars(["AAA"], None, None, ["close"]), want)


def test_coverage_is_read_again_after_a_write(tmp_path):
    with PriceCache(tmp_path / "c.db") as cache:
        cache.mark_checked("AAA", D(2024, 1, 2), D(2024, 3, 1), NOW, "t")
        assert cache.coverage(["AAA"])["AAA"].checked_to == D(2024, 3, 1)
        cache.mark_checked("AAA", D(2024, 1, 2), D(2024, 6, 27), NOW, "t")
        assert cache.coverage(["AAA"])["AAA"].checked_to == D(2024, 6, 27)
        other = sqlite3.connect(tmp_path / "c.db")
        other.execute("UPDATE coverage SET checked_to = '2024-06-28'")
        other.commit()
        other.close()
        assert cache.coverage(["AAA", "BBB"]) == {"AAA": cache.coverage(["AAA"])["AAA"]}
        assert cache.coverage(["AAA"])["AAA"].checked_to == D(2024, 6, 28)


def test_a_failed_transaction_leaves_rows_and_arrays_as_they_were(tmp_path):
    with PriceCache(tmp_path / "f.db") as cache:
        cache.store_bars("AAA", bars_for("AAA", D(2024, 1, 2), D(2024, 2, 28)), "t")
        before = cache.read_bars(["AAA"])
        with pytest.raises(RuntimeError), cache.transaction():
            cache.rescale("AAA", D(2024, 2, 1), Rebase(price=0.5, adjusted=0.5))
            cache.store_bars("AAA", bars_for("AAA", D(2024, 3, 1), D(2024, 3, 8)), "t")
            raise RuntimeError("the fetch died")
        assert_same_long(cache.read_bars(["AAA"]), before)
        assert_same_long(before, cache.read_bars_rows(["AAA"]))
        cache.memo.clear()
        assert_same_long(cache.read_bars(["AAA"]), before)
