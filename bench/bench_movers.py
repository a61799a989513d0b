"""Benchmark: warm `/movers 2w` over about 2,000 cached names with a year of history, and cold.

    uv run python bench/bench_movers.py [--runs 30] [--window 2w] [--no-chart]

Warm: a temporary cache holds the IWM holdings (the real file in ../shared/data, else 2,000
generated names) and a year of generated daily bars for every constituent, with a
RecordingProvider at a fixed clock so any network use would show as a call. It times what the
cog does per question: constituents from the holdings store, then `movers_answer` (one
`bars()` call, the wide pivot, the returns, ranking, chart), and prints the median and p95
wall time with a breakdown by stage, including what `analytics.returns.window_returns` (one
loop step per ticker) would cost instead of the vectorised `universe_returns`.
Target: well under half a second.

Cold: the same universe where the cache lacks the last 3 sessions for most names and
everything for 200 of them. It shows the progress callbacks and checks that only the missing
ranges are asked for.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analytics import calendar  # noqa: E402
from analytics.commands.movers import movers_answer, movers_request  # noqa: E402
from analytics.data.cache import PriceCache  # noqa: E402
from analytics.data.market import MarketData  # noqa: E402
from analytics.data.provider import BAR_COLUMNS  # noqa: E402
from analytics.holdings import Holdings, HoldingsStore, get_fund, parse_ishares_holdings  # noqa: E402
from analytics.movers import universe_returns  # noqa: E402
from analytics.returns import window_returns  # noqa: E402
from analytics.universes import stored_fund_universe  # noqa: E402
from analytics.windows import earliest_needed, parse_window  # noqa: E402
from tests.fakes.prices import RecordingProvider  # noqa: E402

REAL_FILE = ROOT.parent / "shared" / "data" / "holdings" / "IWM_holdings_2026-05-05_ishares_raw.csv"
AS_OF = dt.date(2026, 5, 5)  # the holdings date
NOW = pd.Timestamp("2026-05-06 20:00", tz="America/New_York").tz_convert("UTC").to_pydatetime()
END = dt.date(2026, 5, 6)  # the last session (closed at NOW): the bars run through it
MISSING_NAMES = 200
STALE_SESSIONS = 3


def load_holdings() -> Holdings:
    if REAL_FILE.is_file():
        return parse_ishares_holdings(REAL_FILE.read_text(encoding="utf-8"), fund="IWM")
    symbols = [f"S{i:04d}" for i in range(2000)]
    frame = pd.DataFrame(
        {
            "name": symbols,
            "sector": "Industrials",
            "weight": 1 / 2000,
            "quantity": 1.0,
            "price": 1.0,
            "market_value": 1.0,
        },
        index=pd.Index(symbols, name="symbol"),
    )
    return Holdings("IWM", "iShares Russell 2000 ETF", AS_OF, frame)


def build_cache(
    path: Path, holdings: Holdings, *, cold: bool
) -> tuple[MarketData, RecordingProvider]:
    """A year of bars per constituent; cold: the last sessions and some names are missing."""
    provider = RecordingProvider()
    market = MarketData(PriceCache(path), provider, now=lambda: NOW)
    HoldingsStore(market.cache.db).save(holdings, fetched_at=NOW)
    sessions = calendar.sessions_between(END - dt.timedelta(days=365), END)
    if cold:
        sessions = sessions[:-STALE_SESSIONS]
    names = list(holdings.frame.index)
    if cold:
        names = names[:-MISSING_NAMES]
    rng = np.random.default_rng(1)
    index = pd.DatetimeIndex(sessions, name="date")
    for ticker in names:
        close = 50 * np.exp(np.cumsum(rng.normal(0.0003, 0.03, len(sessions))))
        market.import_bars(
            ticker, pd.DataFrame({c: close for c in BAR_COLUMNS}, index=index), "bench"
        )
    return market, provider


def timed(fn: Callable[[], object]) -> tuple[object, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return (
        f"median {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
        f"min {ordered[0] * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms"
    )


def warm(tmp: Path, holdings: Holdings, args: argparse.Namespace) -> int:
    started = time.perf_counter()
    market, provider = build_cache(tmp / "warm.db", holdings, cold=False)
    print(
        f"warm cache: {len(holdings.frame):,} names x a year of bars, built in {time.perf_counter() - started:.1f} s"
    )
    fund = get_fund("IWM")
    request = movers_request(args.window, today=market.today())

    def once():
        universe = stored_fund_universe(market.cache.db, fund)
        return movers_answer(market, universe, request, chart=not args.no_chart)

    first = once()  # opens the connection, imports and warms matplotlib
    times = [timed(once)[1] for _ in range(args.runs)]

    # Where the time goes (one more pass, stage by stage).
    window = parse_window(args.window)
    end = market.today()
    universe, t_universe = timed(lambda: stored_fund_universe(market.cache.db, fund))
    result, t_bars = timed(
        lambda: market.bars(list(universe.tickers), earliest_needed(window, end), end)
    )
    closes, t_wide = timed(lambda: result.wide("adj_close"))
    _, t_fast = timed(lambda: universe_returns(closes, window))
    _, t_loop = timed(lambda: window_returns(closes, window))
    market.cache.close()
    if provider.calls:
        print(f"UNEXPECTED: the warm runs asked the provider {len(provider.calls)} times")
        return 1
    print(f"answer: {first.title}")
    print(
        f"warm /movers {args.window} ({'no chart' if args.no_chart else 'with chart'}), {args.runs} runs: {summary(times)}"
    )
    print(
        f"  stages: holdings {t_universe * 1000:.0f} ms, bars() {t_bars * 1000:.0f} ms "
        f"({len(result.bars):,} rows), wide() {t_wide * 1000:.0f} ms, "
        f"universe_returns {t_fast * 1000:.0f} ms (window_returns would take {t_loop * 1000:.0f} ms)"
    )
    print(f"  network calls during warm runs: {len(provider.calls)}")
    return 0


def cold(tmp: Path, holdings: Holdings, args: argparse.Namespace) -> int:
    market, provider = build_cache(tmp / "cold.db", holdings, cold=True)
    fund = get_fund("IWM")
    universe = stored_fund_universe(market.cache.db, fund)
    request = movers_request(args.window, today=market.today())
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        print(f"\r  progress: {done:,} of {total:,}", end="", flush=True)

    answer, took = timed(
        lambda: movers_answer(market, universe, request, progress=progress, chart=not args.no_chart)
    )
    print()
    asked = sum(len(call[0]) for call in provider.calls)
    print(
        f"cold /movers {args.window}: {took * 1000:.0f} ms with an instant fake provider; {len(seen)} progress updates"
    )
    for tickers, start, end in provider.calls:
        print(f"  fetched {len(tickers):,} tickers from {start} to {end}")
    names = len(universe.tickers)
    expected = names  # every name lacked something: the last sessions or everything
    ok = asked == expected and len(provider.calls) == 2
    print(
        f"  {asked:,} ticker fetches for {names:,} names ({'only the missing ranges' if ok else 'UNEXPECTED'})"
    )
    print(f"  answer: {answer.title}")
    # Cold once: now warm, nothing more is fetched.
    before = len(provider.calls)
    movers_answer(market, universe, request, chart=False)
    market.cache.close()
    if len(provider.calls) != before or not ok:
        print("UNEXPECTED fetches")
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--window", default="2w")
    parser.add_argument("--no-chart", action="store_true", help="leave out the chart rendering")
    args = parser.parse_args()
    holdings = load_holdings()
    with tempfile.TemporaryDirectory() as tmp:
        return warm(Path(tmp), holdings, args) or cold(Path(tmp), holdings, args)


if __name__ == "__main__":
    sys.exit(main())
