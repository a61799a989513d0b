"""Time the warm /streak and /compare paths (cache read + analytics + chart) on generated data.

    uv run python bench/bench_streak.py [--runs 30]

Builds a throwaway SQLite cache with 25+ years of generated daily bars (random walks on NYSE
sessions) for 10 tickers, answers once to warm up, then times repeated calls of the command
functions exactly as the cog runs them (offline MarketData, so no network) and prints the
median and p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics import calendar  # noqa: E402
from analytics.commands.compare import compare_answer  # noqa: E402
from analytics.commands.streak import streak_answer  # noqa: E402
from analytics.data.cache import PriceCache  # noqa: E402
from analytics.data.market import MarketData  # noqa: E402
from analytics.data.provider import BAR_COLUMNS  # noqa: E402

FIRST, LAST = dt.date(1996, 1, 2), dt.date(2024, 6, 28)
NOW = dt.datetime(2024, 7, 1, 22, 0, tzinfo=dt.UTC)
TICKERS = ("IWM", "SPY", "QQQ", "DIA", "IVV", "XLF", "XLK", "XLE", "TLT", "GLD")


def random_walk_bars(seed: int) -> pd.DataFrame:
    """Daily OHLCV on NYSE sessions: log-returns ~ N(0.0003, 0.012); adj_close ~1.5%/yr below."""
    sessions = calendar.sessions_between(FIRST, LAST)
    n = len(sessions)
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0003, 0.012, n)))
    wick = np.abs(rng.normal(0.0, 0.006, (2, n)))
    frame = pd.DataFrame(
        {
            "open": close * (1 + rng.normal(0.0, 0.004, n)),
            "high": close * (1 + wick[0]),
            "low": close * (1 - wick[1]),
            "close": close,
            "adj_close": close * np.linspace(0.65, 1.0, n),  # dividends folded in over time
            "volume": np.full(n, 5e6),
        },
        index=pd.DatetimeIndex(sessions, name="date"),
    )
    frame["high"] = frame[["open", "high", "close"]].max(axis=1)
    frame["low"] = frame[["open", "low", "close"]].min(axis=1)
    return frame[list(BAR_COLUMNS)]


def timed(label: str, call: Callable[[], object], runs: int) -> None:
    call()  # warm: imports, matplotlib font cache, SQLite page cache
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        samples.append((time.perf_counter() - start) * 1000.0)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    print(
        f"{label:<44} median {statistics.median(samples):7.1f} ms   p95 {p95:7.1f} ms   (n={runs})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs per case (default 30)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cache = PriceCache(Path(tmp) / "bench.db")
        market = MarketData(cache, None, now=lambda: NOW)
        for seed, ticker in enumerate(TICKERS):
            market.import_bars(ticker, random_walk_bars(seed), "bench")
        sessions = len(calendar.sessions_between(FIRST, LAST))
        print(
            f"{len(TICKERS)} tickers x {sessions:,} sessions ({FIRST} to {LAST}), offline cache\n"
        )
        timed(
            "/streak IWM SPY beat (with chart)",
            lambda: streak_answer(market, "IWM", "SPY", "beat"),
            args.runs,
        )
        timed(
            "/streak IWM SPY beat (no chart)",
            lambda: streak_answer(market, "IWM", "SPY", "beat", chart=False),
            args.runs,
        )
        timed(
            "/streak SPY record-high (with chart)",
            lambda: streak_answer(market, "SPY", None, "record-high"),
            args.runs,
        )
        timed(
            "/compare 10 tickers ytd (with chart)",
            lambda: compare_answer(market, TICKERS, "ytd"),
            args.runs,
        )
        timed(
            "/compare 10 tickers 5y (with chart)",
            lambda: compare_answer(market, TICKERS, "5y"),
            args.runs,
        )
        timed(
            "/compare 10 tickers 5y (no chart)",
            lambda: compare_answer(market, TICKERS, "5y", chart=False),
            args.runs,
        )
        cache.close()


if __name__ == "__main__":
    main()
