"""Cache reads: one window of the whole universe, the wide frame of adjusted closes beside its
floors, and the SQLite file's size per ticker-year.

Floors (measured in the same run, on the same numbers): the wide matrix of adjusted closes
saved as one .npy file and loaded; and one BLOB of float64 per ticker in a scratch SQLite file,
read and stacked. The figure is what a command gets: `MarketData.bars(...).wide()` (the
coverage plan, the read, the frame), with the cache's in-process read memo emptied before each
run when it has one; then again with the memo kept, as a warm process reads.
"""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import numpy as np

from analytics.windows import earliest_needed, parse_window
from bench.common import Results, Row, measure
from bench.data import END, World, checkpoint

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

    def wide_cold():
        memo = getattr(cache, "memo", None)
        if memo is not None:
            memo.clear()
        return wide()

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
    results.against_floor(
        "cache",
        f"bars().wide() {window}, adj_close, {len(names):,} names (read memo emptied)",
        measure(wide_cold, runs),
        npy_floor,
        max_ratio=MAX_RATIO,
        extra=f"BLOB floor {blob_floor.median * 1000:,.1f} ms",
    )
    results.against_floor(
        "cache",
        f"bars().wide() {window}, adj_close, {len(names):,} names (warm process)",
        measure(wide, runs),
        npy_floor,
        max_ratio=MAX_RATIO,
    )
