"""Generated data of realistic size: 30 years for the index ETFs, a year for ~2,000 names.

One clock for every section: Wednesday 2026-05-06 20:00 ET, after the close; the fund
holdings are the real IWM file of 2026-05-05 from ../shared/data when present (1,900+ names),
else 2,000 generated symbols with Pareto weights.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analytics import calendar
from analytics.data.cache import HISTORY_FLOOR, PriceCache
from analytics.data.market import MarketData
from analytics.data.provider import BAR_COLUMNS
from analytics.holdings import Holdings, HoldingsStore, get_fund, parse_ishares_holdings
from analytics.universes import fund_universe
from bench.common import ROOT
from tests.fakes.prices import RecordingProvider

REAL_HOLDINGS = (
    ROOT.parent / "shared" / "data" / "holdings" / "IWM_holdings_2026-05-05_ishares_raw.csv"
)
AS_OF = dt.date(2026, 5, 5)  # the holdings date
END = dt.date(2026, 5, 6)  # the last session, closed at NOW
NOW = pd.Timestamp("2026-05-06 20:00", tz="America/New_York").tz_convert("UTC").to_pydatetime()
HISTORY_START = dt.date(1996, 1, 2)  # 30 years for /streak and /compare
UNIVERSE_START = END - dt.timedelta(days=400)  # what the refresher keeps: a year and a bit
HISTORY_TICKERS = ("IWM", "SPY", "QQQ", "DIA", "IVV", "XLF", "XLK", "XLE", "TLT", "GLD")


def random_walk_bars(seed: int, start: dt.date, end: dt.date, price: float = 50.0) -> pd.DataFrame:
    """Daily OHLCV on NYSE sessions: log-returns ~ N(0.0003, 0.02); adj_close 1.5%/yr under close."""
    sessions = calendar.sessions_between(start, end)
    n = len(sessions)
    rng = np.random.default_rng(seed)
    close = price * np.exp(np.cumsum(rng.normal(0.0003, 0.02, n)))
    wick = np.abs(rng.normal(0.0, 0.008, (2, n)))
    years_left = np.arange(n)[::-1] / 252
    frame = pd.DataFrame(
        {
            "open": close * np.exp(rng.normal(0.0, 0.005, n)),
            "high": close * (1 + wick[0]),
            "low": close * (1 - wick[1]),
            "close": close,
            "adj_close": close * (1 - 0.015) ** years_left,
            "volume": np.round(1e6 * np.exp(rng.normal(0.0, 0.4, n))),
        },
        index=pd.DatetimeIndex(sessions, name="date"),
    )
    frame["high"] = frame[["open", "high", "close"]].max(axis=1)
    frame["low"] = frame[["open", "low", "close"]].min(axis=1)
    return frame[list(BAR_COLUMNS)]


def load_holdings() -> Holdings:
    if REAL_HOLDINGS.is_file():
        return parse_ishares_holdings(REAL_HOLDINGS.read_text(encoding="utf-8"), fund="IWM")
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


@dataclass
class World:
    """A warm cache: the market facade over it, its recording provider, and what is in it."""

    path: Path
    market: MarketData
    provider: RecordingProvider
    holdings: Holdings
    universe: tuple[str, ...]  # Yahoo symbols of the fund's constituents

    @property
    def cache(self) -> PriceCache:
        return self.market.cache


def universe_symbols(holdings: Holdings) -> tuple[str, ...]:
    return fund_universe(get_fund("IWM"), holdings).tickers


def build_warm_cache(path: Path, holdings: Holdings | None = None) -> World:
    """History tickers from 1996 and every constituent for a year, all fresh at NOW."""
    holdings = holdings or load_holdings()
    provider = RecordingProvider()
    market = MarketData(PriceCache(path), provider, now=lambda: NOW)
    HoldingsStore(market.cache.db).save(holdings, fetched_at=NOW)
    for seed, ticker in enumerate(HISTORY_TICKERS):
        market.import_bars(ticker, random_walk_bars(seed, HISTORY_START, END, 100.0), "bench")
        # As if Yahoo had been asked for the full history: /streak reads "from the beginning".
        market.cache.mark_checked(ticker, HISTORY_FLOOR, END, NOW, "bench")
    universe = universe_symbols(holdings)
    for seed, ticker in enumerate(universe, start=100):
        if ticker not in HISTORY_TICKERS:
            market.import_bars(ticker, random_walk_bars(seed, UNIVERSE_START, END), "bench")
    checkpoint(market.cache)
    return World(path, market, provider, holdings, universe)


def checkpoint(cache: PriceCache) -> None:
    """Fold the WAL into the file, so sizes and cold reads see the whole database."""
    cache.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
