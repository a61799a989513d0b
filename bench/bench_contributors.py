"""Benchmark: a warm `/contributors IWM ytd` over about 2,000 cached constituents.

    uv run python bench/bench_contributors.py [--runs 30] [--no-chart]

Builds a temporary cache: the real IWM holdings file (../shared/data, else 2,000 generated names)
and generated daily bars from the start of December to the holdings date for every constituent
and IWM, with a RecordingProvider at a fixed clock so any network use would show as a call. Then
runs the command function (holdings from SQLite, one `bars()` call, contributions, breadth,
chart) repeatedly and prints the median and p95 wall time. Target: well under a second.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics import calendar  # noqa: E402
from analytics.commands.contributors import contributors_answer, contributors_request  # noqa: E402
from analytics.data.cache import PriceCache  # noqa: E402
from analytics.data.market import MarketData  # noqa: E402
from analytics.data.provider import BAR_COLUMNS  # noqa: E402
from analytics.holdings import Holdings, HoldingsStore, parse_ishares_holdings  # noqa: E402
from tests.fakes.prices import RecordingProvider  # noqa: E402

REAL_FILE = ROOT.parent / "shared" / "data" / "holdings" / "IWM_holdings_2026-05-05_ishares_raw.csv"
AS_OF = dt.date(2026, 5, 5)
NOW = pd.Timestamp("2026-05-06 20:00", tz="America/New_York").tz_convert("UTC").to_pydatetime()


def load_holdings() -> Holdings:
    if REAL_FILE.is_file():
        return parse_ishares_holdings(REAL_FILE.read_text(encoding="utf-8"), fund="IWM")
    rng = np.random.default_rng(0)
    weights = rng.pareto(1.5, 2000) + 0.1
    symbols = [f"S{i:04d}" for i in range(2000)]
    frame = pd.DataFrame(
        {
            "name": [f"STOCK {s}" for s in symbols],
            "sector": "Industrials",
            "weight": weights / weights.sum(),
            "quantity": 1.0,
            "price": 1.0,
            "market_value": 1.0,
        },
        index=pd.Index(symbols, name="symbol"),
    ).sort_values("weight", ascending=False)
    return Holdings("IWM", "iShares Russell 2000 ETF", AS_OF, frame)


def build_cache(path: Path) -> tuple[MarketData, RecordingProvider, int]:
    provider = RecordingProvider()
    market = MarketData(PriceCache(path), provider, now=lambda: NOW)
    holdings = load_holdings()
    HoldingsStore(market.cache.db).save(holdings, fetched_at=NOW)
    sessions = calendar.sessions_between(dt.date(2025, 12, 1), AS_OF)
    rng = np.random.default_rng(1)
    for ticker in [*holdings.frame.index, "IWM"]:
        close = 50 * np.exp(np.cumsum(rng.normal(0.0005, 0.02, len(sessions))))
        bars = pd.DataFrame(
            {c: close for c in BAR_COLUMNS}, index=pd.DatetimeIndex(sessions, name="date")
        )
        market.import_bars(ticker, bars, "bench")
    return market, provider, len(holdings.frame)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--no-chart", action="store_true", help="leave out the chart rendering")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        market, provider, count = build_cache(Path(tmp) / "bench.db")
        print(
            f"cache: {count:,} constituents + IWM, built in {time.perf_counter() - started:.1f} s"
        )
        request = contributors_request("IWM", "ytd", 5, today=market.today())

        async def once():
            return await contributors_answer(market, None, request, chart=not args.no_chart)

        first = asyncio.run(once())  # the first run opens connections and imports matplotlib
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            asyncio.run(once())
            times.append(time.perf_counter() - t0)
        market.cache.close()
    if provider.calls:
        print(f"UNEXPECTED: the warm runs asked the provider {len(provider.calls)} times")
        return 1
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    print(f"answer: {first.title}")
    print(
        f"warm /contributors IWM ytd ({'no chart' if args.no_chart else 'with chart'}), "
        f"{args.runs} runs: median {statistics.median(times) * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, min {ordered[0] * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"
    )
    print(f"network calls during warm runs: {len(provider.calls)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
