"""Cache reads: one window of the whole universe, and the SQLite file's size per ticker-year."""

from __future__ import annotations

from analytics.windows import earliest_needed, parse_window
from bench.common import Results, Row, measure
from bench.data import END, World, checkpoint

SESSIONS_PER_YEAR = 252


def run(world: World, results: Results, runs: int) -> None:
    print("cache reads", flush=True)
    cache, market = world.cache, world.market
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
        results.timing(
            "cache",
            f"MarketData.bars {window} (coverage check + read)",
            measure(
                lambda start=start: market.bars(names, start, END, columns=["adj_close"]), runs
            ),
            extra=f"{len(frame):,} rows",
        )
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
