"""The cold path against the fake Yahoo on 127.0.0.1 (random 100-300 ms per answer, 429 past
5 requests/s, as users report Yahoo): a cold fill of N names, interrupted half way and resumed
by a "restarted" process; the incremental refresh after one new session; the same fill against
a stricter server, to show back-offs that lose nothing; and single cold commands.

Yahoo's chart API is one symbol per request, so at the polite 4 requests/s a fill costs
N / 4 seconds whatever the range; figures for 2,000 names are extrapolated from N and
labelled so (or run `--names 2000`, about nine minutes).
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analytics.commands.streaks._compare import compare_answer
from analytics.commands.streaks._parse import CompareRequest, StreakRequest
from analytics.commands.streaks._streak import streak_answer
from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.data.yahoo import YahooProvider
from analytics.spec import NoProgress
from analytics.windows import parse_window
from bench.common import Results, Row, ms
from bench.data import END, HISTORY_START, HISTORY_TICKERS, NOW, UNIVERSE_START, random_walk_bars
from bench.fake_yahoo import BenchYahoo

NEXT_SESSION = dt.date(2026, 5, 7)
NEXT_NOW = pd.Timestamp("2026-05-07 20:00", tz="America/New_York").tz_convert("UTC").to_pydatetime()
SERVER_RATE = 5  # the fake answers 429 past this many requests in any second
STRICT_RATE = 3  # a stricter day: fewer than we send
BENCH_COOLDOWN = 2.0  # the fake forgets in 1 s; real Yahoo gets the default 300 s
TARGET_NAMES = 2000


@dataclass
class ColdFigures:
    names: int
    fill_seconds: float
    fill_requests: int
    refresh_seconds: float
    refresh_requests: int
    streak_seconds: float
    compare_seconds: float


def serve_universe(fake: BenchYahoo, names: list[str]) -> dict[str, pd.DataFrame]:
    """Every name through the next session (so the incremental refresh finds a new bar)."""
    served = {}
    for seed, ticker in enumerate(names, start=100):
        served[ticker] = random_walk_bars(seed, UNIVERSE_START, NEXT_SESSION)
    for seed, ticker in enumerate(HISTORY_TICKERS):
        served[ticker] = random_walk_bars(seed, HISTORY_START, NEXT_SESSION, 100.0)
    for ticker, frame in served.items():
        fake.add_symbol(ticker, frame)
    return served


def provider_for(fake: BenchYahoo, yf_dir: Path, rate: float) -> YahooProvider:
    return YahooProvider(
        fake.session, cache_dir=yf_dir, requests_per_second=rate, cooldown_seconds=BENCH_COOLDOWN
    )


class Progress:
    """Prints done/total at every quarter (so a log file reads as well as a terminal)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.started = time.perf_counter()
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        quarter = 4 * done // total if total else 4
        if quarter <= self.shown:
            return
        self.shown = quarter
        print(
            f"    {self.label}: {done:,} of {total:,} ({done / max(total, 1):.0%}), "
            f"{time.perf_counter() - self.started:,.0f} s",
            flush=True,
        )


def run(
    results: Results, tmp: Path, *, names: list[str], rate: float, strict_names: int
) -> ColdFigures:
    n = len(names)
    yf_dir = tmp / "yfinance"
    print(
        f"cold path: {n:,} names, fake Yahoo 100-300 ms per answer, 429 past {SERVER_RATE}/s",
        flush=True,
    )
    with BenchYahoo() as fake:
        fake.requests_per_second = SERVER_RATE
        served_frames = serve_universe(fake, names)
        path = tmp / "cold.db"

        # 1. A cold fill, "crashing" half way (stop), then a restarted process finishing it.
        half = n // 2
        provider = provider_for(fake, yf_dir, rate)
        market = MarketData(PriceCache(path), provider, now=lambda: NOW)
        t0 = time.perf_counter()
        stopper = _Stopper(half, Progress("cold fill, run 1 (stops half way)"))
        first = market.fill(
            names, UNIVERSE_START, END, progress=stopper, stop=lambda: stopper.reached
        )
        market.cache.close()
        provider.close()
        provider = provider_for(fake, yf_dir, rate)  # the restarted process
        market = MarketData(PriceCache(path), provider, now=lambda: NOW)
        second = market.fill(
            names, UNIVERSE_START, END, progress=Progress("cold fill, run 2 (resumes)")
        )
        fill_seconds = time.perf_counter() - t0
        fill_requests = fake.count()
        throttled = fake.count(429)
        served = fake.price_answers(200)
        covered = market.cache.coverage(names)
        lost = [t for t in names if t not in covered]
        twice = sorted(t for t, k in served.items() if k > 1)
        results.check(not lost, f"cold fill lost {len(lost)} names: {lost[:5]}")
        results.check(not twice, f"cold fill fetched {len(twice)} names twice: {twice[:5]}")
        # (Under two batches of names there is no "half way": the first run finishes.)
        results.check(
            second.complete and (first.stopped or first.complete),
            "the interrupted fill did not resume to completion",
        )
        results.check(
            second.needed == n - len(first.fetched),
            f"the resumed fill asked for {second.needed} names, not the {n - len(first.fetched)} left",
        )
        _check_bars(results, market, served_frames, names[:: max(1, n // 25)])
        results.add(
            Row(
                "cold",
                f"cold fill, {n:,} names x 1 year (stopped half way, resumed)",
                ms(fill_seconds),
                extra=(
                    f"{fill_requests:,} requests ({fill_requests / fill_seconds:.1f}/s), "
                    f"{throttled} answered 429, {first.backoffs + second.backoffs} back-offs; "
                    f"lost {len(lost)}, fetched twice {len(twice)}"
                ),
            )
        )
        per_name = fill_seconds / n
        results.add(
            Row(
                "cold",
                f"cold fill, {TARGET_NAMES:,} names (EXTRAPOLATED from {n:,})",
                ms(per_name * TARGET_NAMES),
                extra=f"~{fill_requests / n * TARGET_NAMES:,.0f} requests at {rate:g}/s",
            )
        )

        # 2. The incremental refresh after one new session.
        before = fake.count()
        nightly = MarketData(market.cache, provider, now=lambda: NEXT_NOW)
        t0 = time.perf_counter()
        refresh = nightly.fill(names, UNIVERSE_START, NEXT_SESSION, progress=Progress("refresh"))
        refresh_seconds = time.perf_counter() - t0
        refresh_requests = fake.count() - before
        results.check(
            refresh.complete and refresh.needed == n, "the refresh did not fetch every name"
        )
        new_bars = nightly.cache.read_bars(names, NEXT_SESSION, NEXT_SESSION, ["close"])
        results.check(
            len(new_bars) == n,
            f"the refresh stored {len(new_bars)} bars of {NEXT_SESSION}, not {n}",
        )
        results.add(
            Row(
                "cold",
                f"incremental refresh, 1 new session, {n:,} names",
                ms(refresh_seconds),
                extra=(
                    f"{refresh_requests:,} requests; {refresh_seconds / fill_seconds:.0%} of the cold "
                    f"fill's time, {refresh_requests / fill_requests:.0%} of its requests"
                ),
            )
        )
        results.add(
            Row(
                "cold",
                f"incremental refresh, {TARGET_NAMES:,} names (EXTRAPOLATED)",
                ms(refresh_seconds / n * TARGET_NAMES),
                extra=f"~{refresh_requests / n * TARGET_NAMES:,.0f} requests",
            )
        )

        # 3. Single cold commands (what a user waits for on a first question).
        # `.png`: the chart is drawn on demand; a user waits for it too.
        streak = StreakRequest("IWM", "SPY", "beat")
        streak_seconds = _cold_command(
            tmp / "streak.db",
            fake,
            yf_dir,
            rate,
            lambda m: streak_answer(m, streak, NoProgress()).png,
        )
        results.add(Row("cold", "cold /streak IWM SPY (full history fetched)", ms(streak_seconds)))
        compare_seconds = _cold_command(
            tmp / "compare.db",
            fake,
            yf_dir,
            rate,
            lambda m: (
                compare_answer(
                    m, CompareRequest(tuple(HISTORY_TICKERS), parse_window("ytd")), NoProgress()
                ).png
            ),
        )
        results.add(
            Row("cold", f"cold /compare {len(HISTORY_TICKERS)} tickers ytd", ms(compare_seconds))
        )
        market.cache.close()
        provider.close()

    # 4. A stricter server than our rate: back-offs, and still nothing lost or fetched twice.
    strict = names[:strict_names]
    with BenchYahoo(seed=1) as fake:
        fake.requests_per_second = STRICT_RATE
        serve_universe(fake, strict)
        provider = provider_for(fake, yf_dir, rate)
        with PriceCache(tmp / "strict.db") as cache:
            market = MarketData(cache, provider, now=lambda: NOW)
            t0 = time.perf_counter()
            report = market.fill(strict, UNIVERSE_START, END, progress=Progress("strict server"))
            took = time.perf_counter() - t0
            covered = cache.coverage(strict)
        provider.close()
        served = fake.price_answers(200)
        lost = [t for t in strict if t not in covered]
        twice = [t for t, k in served.items() if k > 1]
        results.check(
            not lost and not twice and report.complete,
            "the strict-server fill lost or repeated names",
        )
        strict_throttled = fake.count(429)
        results.check(
            strict_throttled > 0, "the strict server never throttled: the scenario shows nothing"
        )
        results.add(
            Row(
                "cold",
                f"fill against a stricter server ({STRICT_RATE}/s < our {rate:g}/s), {len(strict)} names",
                ms(took),
                extra=(
                    f"{strict_throttled} answered 429 (yfinance retries a chart 429 once itself), "
                    f"{report.backoffs} back-offs ({report.waited_seconds:.0f} s waited); "
                    f"lost {len(lost)}, fetched twice {len(twice)}"
                ),
            )
        )
    return ColdFigures(
        n,
        fill_seconds,
        fill_requests,
        refresh_seconds,
        refresh_requests,
        streak_seconds,
        compare_seconds,
    )


class _Stopper:
    """Progress wrapper that sets `reached` once `half` names are done (to stop: a crash)."""

    def __init__(self, half: int, inner: Progress) -> None:
        self.reached = False
        self.half = half
        self.inner = inner

    def __call__(self, done: int, total: int) -> None:
        self.inner(done, total)
        if done >= self.half and not self.reached:
            self.reached = True
            print(f"    -- stopped after {done:,} names (a crash or restart) --", flush=True)


def _cold_command(path: Path, fake: BenchYahoo, yf_dir: Path, rate: float, command) -> float:
    provider = provider_for(fake, yf_dir, rate)
    with PriceCache(path) as cache:
        market = MarketData(cache, provider, now=lambda: NOW)
        t0 = time.perf_counter()
        command(market)
        took = time.perf_counter() - t0
    provider.close()
    return took


def _check_bars(
    results: Results, market: MarketData, served: dict[str, pd.DataFrame], sample: list[str]
) -> None:
    """The cached closes equal what the fake served, session for session (a sample of names)."""
    for ticker in sample:
        got = market.cache.read_bars([ticker], UNIVERSE_START, END, ["close"]).set_index("date")
        want = served[ticker].loc[: pd.Timestamp(END), "close"]
        same = list(got.index) == list(want.index) and np.allclose(got["close"], want, rtol=1e-9)
        results.check(same, f"{ticker}: cached closes differ from what the fake served")


def tmpdir() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="marketbot-bench-")
