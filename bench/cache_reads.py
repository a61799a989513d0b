"""Cache reads: one window of the whole universe, the wide frame of adjusted closes beside its
floors, and the SQLite file's size per ticker-year.

Floors (measured in the same run, on the same numbers): the wide matrix of adjusted closes
saved as one .npy file and loaded; and one BLOB of float64 per ticker in a scratch SQLite file,
read and stacked. The figure is what a command gets: `MarketData.bars(...).wide()` (the
coverage plan, the read, the frame): in a warm process (the read memo holds it); after a
commit to one of the names (the memo patches that name: a fetch of one ticker, a re-base);
after a commit elsewhere (another ticker, an alert: the memo keeps it); after the daily refresh
rewrote every name (the refresher patched the memo in its own thread: that time is a row of
its own); in a new process (the memo emptied: the entry kept in the file is loaded; this
process's SQLite connection and the OS's file cache stay as they were); and the first read
ever (nothing kept anywhere: the array store read). That last is the cold path, met once per
fund, columns and earliest month after an install or an upgrade of the modules that shape a
panel: shown beside the BLOB floor, with no target (issue 15's <= 20x is for warm answers).
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import numpy as np

from analytics.data import memo_store
from analytics.data.provider import BAR_COLUMNS
from analytics.windows import earliest_needed, parse_window
from bench.common import Results, Row, measure
from bench.data import END, HISTORY_TICKERS, World, checkpoint

SESSIONS_PER_YEAR = 252
MAX_RATIO = 20.0


def run(world: World, results: Results, runs: int) -> None:
    print("cache reads", flush=True)
    cache = world.cache
    names = list(world.universe)
    for window in ("2w", "ytd"):
        start = earliest_needed(parse_window(window), END)
        frame = cache.read_bars(names, start, END, ["adj_close"])
        results.timing(
            "cache",
            f"read_bars {window}, adj_close, {len(names):,} names",
            measure(lambda start=start: cache.read_bars(names, start, END, ["adj_close"]), runs),
            extra=f"{len(frame):,} rows",
        )
    with tempfile.TemporaryDirectory() as tmp:
        for window in ("ytd", "1y"):
            _wide_against_floors(world, results, runs, window, Path(tmp))
    checkpoint(cache)
    rows = cache.db.execute("SELECT COUNT(*) FROM bars").fetchone()[0]
    size = cache.file_size()
    ticker_years = rows / SESSIONS_PER_YEAR
    results.add(
        Row(
            "cache",
            f"SQLite file: {size / 1e6:,.0f} MB for {rows:,} bars",
            extra=f"{size / ticker_years / 1024:,.1f} KB per ticker-year ({size / rows:,.0f} B per bar)",
        )
    )


def _wide_against_floors(world: World, results: Results, runs: int, window: str, tmp: Path):
    market, cache = world.market, world.cache
    names = list(world.universe)
    start = earliest_needed(parse_window(window), END)

    def wide():
        return market.bars(names, start, END, columns=["adj_close"]).wide()

    matrix = wide()
    values = matrix.to_numpy()
    npy = tmp / f"{window}.npy"
    np.save(npy, values)
    blobs = tmp / f"{window}.db"
    with sqlite3.connect(blobs) as conn:
        conn.execute("CREATE TABLE closes (ticker TEXT PRIMARY KEY, days BLOB, adj_close BLOB)")
        days = matrix.index.to_numpy().astype("datetime64[D]").astype("int32").tobytes()
        conn.executemany(
            "INSERT INTO closes VALUES (?, ?, ?)",
            [(t, days, values[:, j].tobytes()) for j, t in enumerate(matrix.columns)],
        )

    def from_blobs():
        with sqlite3.connect(blobs) as conn:
            rows = conn.execute("SELECT ticker, days, adj_close FROM closes").fetchall()
        return np.column_stack([np.frombuffer(r[2], dtype="<f8") for r in rows])

    npy_floor = measure(lambda: np.load(npy), runs)
    blob_floor = measure(from_blobs, runs)
    shape = f"{values.shape[0]} x {values.shape[1]:,}"
    results.add(
        Row(
            "cache",
            f"floor: {window} adj_close {shape} as one BLOB per ticker (SQLite)",
            f"{blob_floor.median * 1000:,.1f} ms",
            f"{blob_floor.p95 * 1000:,.1f} ms",
            numbers={"median_ms": round(blob_floor.median * 1000, 3)},
        )
    )
    results.add(
        Row(
            "cache",
            f"floor: {window} adj_close {shape} from a .npy file",
            f"{npy_floor.median * 1000:,.1f} ms",
            f"{npy_floor.p95 * 1000:,.1f} ms",
            numbers={"median_ms": round(npy_floor.median * 1000, 3)},
        )
    )
    members = iter(names * (runs + 2))
    outsider = next(t for t in HISTORY_TICKERS if t not in set(names))

    def rewrite(ticker: str) -> None:
        """Store the ticker's last bar again (the same values: the world is left as it was,
        and the commit is logged as a change to that ticker all the same)."""
        last = cache.read_panel([ticker], END, END, list(BAR_COLUMNS)).series(ticker)
        cache.store_bars(ticker, last[list(BAR_COLUMNS)], "bench")

    def refresh_all() -> None:
        """What the nightly refresh does: every name written in one go, then the memo patched
        in the refresher's thread (timed on its own)."""
        with cache.transaction():
            for ticker in names:
                rewrite(ticker)
        patches.append(measure(cache.refresh_memo, 1, warmup=0).median)

    def forget() -> None:
        cache.memo.clear()
        with cache.bookkeeping() as conn:
            conn.execute(f"DELETE FROM {memo_store.TABLE}")

    patches: list[float] = []
    nightly_runs = max(3, runs // 4)
    nightly = measure(wide, nightly_runs, warmup=0, setup=refresh_all)
    results.add(
        Row(
            "cache",
            f"the refresher patching the memo after rewriting all {len(names):,} names ({window})",
            f"{np.median(patches) * 1000:,.0f} ms",
            f"{max(patches) * 1000:,.0f} ms",
            f"n={len(patches)}; in the refresher's thread, before any command asks",
            numbers={"median_ms": round(float(np.median(patches)) * 1000, 3)},
        )
    )
    results.against_floor(
        "cache",
        f"bars().wide() {window}, adj_close, {len(names):,} names (after the daily refresh)",
        nightly,
        npy_floor,
        max_ratio=MAX_RATIO,
        extra=f"n={nightly_runs}",
    )
    cases = [
        ("a new process: the memo entry kept in the file", {"setup": cache.memo.clear}),
        ("the first read ever: nothing kept, in memory or in the file", {"setup": forget}),
        ("after a commit to one of the names: patched", {"setup": lambda: rewrite(next(members))}),
        ("after a commit to another ticker: kept", {"setup": lambda: rewrite(outsider)}),
        ("warm process", {}),
    ]
    for label, how in cases:
        sample = measure(wide, runs, **how)
        cold = "ever" in label
        extra = (
            f"{sample.median / blob_floor.median:,.1f}x the BLOB floor ({blob_floor.median * 1000:,.1f}"
            " ms); the cold path, once per fund, columns and earliest month after an install or"
            " an upgrade: no target"
            if cold
            else ""
        )
        results.against_floor(
            "cache",
            f"bars().wide() {window}, adj_close, {len(names):,} names ({label})",
            sample,
            npy_floor,
            max_ratio=None if cold else MAX_RATIO,
            extra=extra,
        )
