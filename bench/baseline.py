"""The baseline a user would otherwise have: a bot calling `yf.download` for every command, no
cache, against the same fake Yahoo (100-300 ms per answer). It is timed on the download alone,
a lower bound for such a bot, and gets a server without the rate limit (generous: against
the limited one it loses names, counted once below). yfinance's in-process response cache is
cleared before every call, as a new command would find it.
"""

from __future__ import annotations

import datetime as dt
import time
import warnings
from dataclasses import dataclass

import pandas as pd
import yfinance as yf
from yfinance.data import YfData

from bench.cold import SERVER_RATE, ColdFigures, serve_universe
from bench.common import Results, Row, Sample, ms
from bench.data import END, HISTORY_TICKERS
from bench.fake_yahoo import BenchYahoo

YTD_START = dt.date(2025, 12, 31)
TWO_WEEKS_START = dt.date(2026, 4, 22)


@dataclass
class Download:
    seconds: float
    lost: int  # tickers that came back without a single close


def download(session, tickers: list[str], start: dt.date | None) -> Download:
    YfData.cache_get.cache_clear()
    options = {"period": "max"} if start is None else {"start": start.isoformat()}
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = yf.download(
            tickers,
            end=(END + dt.timedelta(days=1)).isoformat(),
            session=session,
            auto_adjust=False,
            progress=False,
            threads=True,
            **options,
        )
    took = time.perf_counter() - t0
    closes = frame["Close"] if not frame.empty else pd.DataFrame(columns=tickers)
    have = {t for t in closes.columns if closes[t].notna().any()}
    return Download(took, len([t for t in tickers if t not in have]))


def run(
    results: Results,
    *,
    names: list[str],
    universe_size: int,
    warm: dict[str, Sample],
    cold: ColdFigures,
    runs: int,
) -> None:
    n = len(names)
    scale = universe_size / n
    print(
        f"baseline: yf.download per command, no cache ({n:,} names for the universes)", flush=True
    )
    with BenchYahoo(seed=2) as fake:
        serve_universe(fake, names)
        session = fake.session()
        cases = {
            "streak": (["IWM", "SPY"], None, runs, 1.0),
            "compare": (list(HISTORY_TICKERS), YTD_START, runs, 1.0),
            "movers": (names, TWO_WEEKS_START, 1, scale),
            "contributors": ([*names, "IWM"], YTD_START, 1, scale),
        }
        ours_cold = {
            "streak": cold.streak_seconds,
            "compare": cold.compare_seconds,
            "movers": cold.fill_seconds / cold.names * universe_size,
            "contributors": cold.fill_seconds / cold.names * universe_size,
        }
        for name, (tickers, start, repeat, factor) in cases.items():
            download(session, tickers[:2], start)  # yfinance's own timezone cache, as in use
            timings = [download(session, tickers, start) for _ in range(repeat)]
            base = sorted(t.seconds for t in timings)[len(timings) // 2] * factor
            label = f"yf.download for /{name} ({len(tickers):,} tickers"
            label += f", x{factor:.1f} to {universe_size:,} EXTRAPOLATED)" if factor != 1 else ")"
            results.add(
                Row(
                    "baseline",
                    label,
                    ms(base),
                    extra=(
                        f"ours warm {ms(warm[name].median)} = {base / warm[name].median:,.0f}x faster; "
                        f"ours cold {ms(ours_cold[name])} = {base / ours_cold[name]:.2f}x"
                    ),
                )
            )
        fake.requests_per_second = SERVER_RATE
        throttled = download(session, names, TWO_WEEKS_START)
        results.add(
            Row(
                "baseline",
                f"yf.download for /movers against the {SERVER_RATE}/s limit",
                ms(throttled.seconds),
                extra=f"lost {throttled.lost:,} of {n:,} names to 429 (ours: none lost)",
            )
        )
