"""The nightly refresh and a cold first answer, against the fake Yahoo's multi-symbol routes.

The fake is bench/fake_yahoo.py's (100-300 ms per answer, 429 past 5 requests/s) with the
quote and spark routes (tests/fakes/yahoo_multi.py), serving a history that moves a session at
a time (tests/fakes/yahoo_days.py): half the names pay a quarterly dividend, one splits 2:1 on
the new session. The provider sends 4 requests/s.

1. Refresh after one session, for 300 and 2,000 names: the cache holds a year of each name as a
   per-symbol fill of the last session left it (written straight to the cache: the fill itself
   is the cold section's); the fake moves on one session; `MarketData.refresh` runs. Figures:
   requests and seconds of the newest bars (the quote part) and of the whole night, names lost
   (no bar of the new session), and "twice": a symbol and session asked for more than once in
   the night (the split name's per-symbol fetch after its quote is counted apart, by design).
   Checks: each new bar's raw fields equal the fake's (what a chart fetch would store).
2. A cold /movers 2w over 2,000 names: time to the first answer (provisional, spark closes), and
   to the exact one once the background fill is done; then the next ask, warm. The exact answer
   takes a per-symbol request per name (about 8 minutes for 2,000), so by default it is timed on
   `exact_names` names and extrapolated, labelled so; `--exact-names 2000` times it in full.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from analytics import calendar
from analytics.data.cache import PriceCache
from analytics.data.gaps import Gap
from analytics.data.market import MarketData
from analytics.data.provider import FetchResult
from analytics.data.store import store_fetch
from analytics.data.yahoo import YahooProvider
from bench.common import Results, Row, ms
from bench.data import END, NOW, UNIVERSE_START
from bench.fake_yahoo import BenchYahoo
from tests.fakes.yahoo import CHART_PREFIX
from tests.fakes.yahoo_days import DailyYahoo, Listing, make_listing, yahoo_view
from tests.fakes.yahoo_multi import QUOTE_PATH, install_multi_symbol

NEXT = dt.date(2026, 5, 7)
NEXT_NOW = pd.Timestamp("2026-05-07 16:20", tz="America/New_York").tz_convert("UTC").to_pydatetime()
SERVER_RATE = 5
COOLDOWN = 2.0
NEW_YORK = "America/New_York"


def listings_for(names: list[str]) -> dict[str, Listing]:
    """Half pay dividends; the fourth name splits 2:1 on NEXT."""
    return {
        name: make_listing(
            seed,
            UNIVERSE_START,
            NEXT,
            dividends=seed % 2 == 0,
            splits={NEXT: 2.0} if seed == 3 else None,
        )
        for seed, name in enumerate(names)
    }


def warm_after_one_session(cache: PriceCache, listings: dict[str, Listing]) -> None:
    """What a per-symbol fill through END left: each name's Yahoo view through END, stored as a
    chart fetch stores it (store_fetch), fetched after END's close."""
    names = list(listings)
    for i in range(0, len(names), 200):
        with cache.transaction():
            for name in names[i : i + 200]:
                view = yahoo_view(listings[name], END)[0]
                store_fetch(
                    cache,
                    Gap(UNIVERSE_START, END, [name]),
                    FetchResult(bars={name: view}),
                    NOW,
                    "Yahoo Finance",
                )


def provider_for(fake: BenchYahoo, yf_dir: Path, rate: float) -> YahooProvider:
    return YahooProvider(
        fake.session,
        cache_dir=yf_dir,
        requests_per_second=rate,
        cooldown_seconds=COOLDOWN,
        wall_clock=lambda: NEXT_NOW,
    )


def asked_sessions(requests: list[tuple[str, dict[str, str]]]) -> Counter:
    """(symbol, session) -> how many price requests asked for it: a chart request for the
    sessions of its period1..period2, a quote for NEXT (yfinance's range=1d probes ask none)."""
    counts: Counter = Counter()
    for path, query in requests:
        if path == QUOTE_PATH:
            for symbol in query.get("symbols", "").split(","):
                counts[(symbol, NEXT)] += 1
        elif path.startswith(CHART_PREFIX) and "period1" in query:
            symbol = path[len(CHART_PREFIX) :]
            first = pd.Timestamp(int(query["period1"]), unit="s", tz="UTC").tz_convert(NEW_YORK)
            last = pd.Timestamp(int(query["period2"]), unit="s", tz="UTC").tz_convert(NEW_YORK)
            for day in calendar.sessions_between(
                first.date(), (last - pd.Timedelta(seconds=1)).date()
            ):
                counts[(symbol, day.date())] += 1
    return counts


def run_night(results: Results, tmp: Path, names: list[str], rate: float) -> None:
    n = len(names)
    print(f"refresh after one session: {n:,} names", flush=True)
    listings = listings_for(names)
    with BenchYahoo() as fake:
        install_multi_symbol(fake)
        fake.requests_per_second = SERVER_RATE
        days = DailyYahoo(fake, listings)
        days.advance(NEXT)
        with PriceCache(tmp / f"night-{n}.db") as cache:
            warm_after_one_session(cache, listings)
            provider = provider_for(fake, tmp / "yfinance", rate)
            quote_done = [0.0]
            latest = provider.latest_bars

            def timed_latest(tickers):
                out = latest(tickers)
                quote_done[0] = time.perf_counter()
                return out

            provider.latest_bars = timed_latest  # type: ignore[method-assign]
            market = MarketData(cache, provider, now=lambda: NEXT_NOW)
            before = len(fake.requests)
            t0 = time.perf_counter()
            report = market.refresh(names, NEXT - dt.timedelta(days=400), NEXT)
            seconds = time.perf_counter() - t0
            quote_seconds = (quote_done[0] - t0) if quote_done[0] else 0.0
            asked = fake.requests[before:]
            new = cache.read_bars(names, NEXT, NEXT).set_index("ticker")
            lost = [t for t in names if t not in new.index]
            counts = asked_sessions(asked)
            repeats = sorted(k for k, c in counts.items() if c > 1)
            split_refetch = [k for k in repeats if k[0] in report.splits]
            twice = [k for k in repeats if k[0] not in report.splits]
            _check_new_bars(results, days, new, names)
            provider.close()
    requests = len(asked)
    quote_requests = report.quote_requests
    results.check(not lost, f"the refresh of {n} names lost {len(lost)}: {lost[:5]}")
    results.check(
        not twice, f"the refresh of {n} names asked {len(twice)} sessions twice: {twice[:5]}"
    )
    results.check(report.complete, f"the refresh of {n} names did not complete: {report.failed}")
    newest_target = math.floor(n / 15) if n != 2000 else 140
    results.add(
        Row(
            "refresh",
            f"newest bars, {n:,} names after one session (quotes)",
            ms(quote_seconds),
            extra=f"{quote_requests:,} requests (1 per {n / max(quote_requests, 1):.0f} names)",
            target=f"<= {newest_target} requests" + (", < 60 s" if n == 2000 else ""),
            verdict="ok" if quote_requests <= newest_target and quote_seconds < 60 else "MISSED",
            numbers={"median_ms": quote_seconds * 1000, "names": n, "requests": quote_requests},
        )
    )
    night_target = n // 5
    results.add(
        Row(
            "refresh",
            f"whole night, {n:,} names",
            ms(seconds),
            extra=(
                f"{requests:,} requests: {len(report.quoted):,} quoted, {len(report.checks):,} "
                f"events checks ({len(report.postponed)} postponed), {len(report.splits)} split "
                f"re-based, {len(report.per_symbol)} asked per symbol; lost {len(lost)}, "
                f"twice {len(twice)} (+{len(split_refetch)} split re-fetch by design); "
                f"{fake.count(429)} answered 429"
            ),
            target=f"<= {night_target} requests",
            verdict="ok" if requests <= night_target else "MISSED",
            numbers={"median_ms": seconds * 1000, "names": n, "requests": requests},
        )
    )


def _check_new_bars(
    results: Results, days: DailyYahoo, new: pd.DataFrame, names: list[str]
) -> None:
    """Each new bar's raw fields are the fake's, exactly (what a chart fetch would store)."""
    wrong = []
    for name in names:
        if name not in new.index:
            continue
        want = days.view(name).loc[pd.Timestamp(NEXT)]
        got = new.loc[name]
        for column in ("open", "high", "low", "close", "volume"):
            if not np.isclose(float(got[column]), float(want[column]), rtol=1e-12, atol=0):
                wrong.append(f"{name}.{column}")
    results.check(not wrong, f"new bars differ from Yahoo's: {wrong[:5]}")


def _movers(market: MarketData, names: list[str]):
    """A /movers 2w over `names`, as the command computes it (chart included)."""
    from analytics.commands.movers import MOVERS
    from analytics.spec import NoProgress, ParseContext

    values = {"tickers": " ".join(names), "window": "2w"}
    request = MOVERS.parse_values(values, ParseContext(today=market.today()))
    answer = MOVERS.answer_function()(market, request, NoProgress())
    if answer.has_chart:
        _ = answer.png  # the chart is part of the answer a user waits for
    return answer


def run_cold_movers(
    results: Results, tmp: Path, names: list[str], exact_names: int, rate: float
) -> None:
    n = len(names)
    print(
        f"cold /movers 2w: {n:,} names (exact answer timed on {min(exact_names, n):,})", flush=True
    )
    listings = listings_for(names)
    with BenchYahoo(seed=2) as fake:
        install_multi_symbol(fake)
        fake.requests_per_second = SERVER_RATE
        DailyYahoo(fake, listings).advance(NEXT)
        first = _cold_answer(
            results, fake, tmp / f"movers-{n}.db", names, rate, wait=exact_names >= n
        )
        if exact_names < n:
            small = _cold_answer(
                results, fake, tmp / "movers-small.db", names[:exact_names], rate, wait=True
            )
    results.add(
        Row(
            "refresh",
            f"cold /movers 2w over {n:,} names: first answer (price return, spark)",
            ms(first["first"]),
            extra=f"{first['first_requests']:,} requests; {first['provisional']:,} names provisional",
            target="< 60 s",
            verdict="ok" if first["first"] < 60 else "MISSED",
            numbers={
                "median_ms": first["first"] * 1000,
                "names": n,
                "requests": first["first_requests"],
            },
        )
    )
    if exact_names >= n:
        exact, label, requests = first["exact"], "", first["exact_requests"]
    else:
        per_name = (small["exact"] - small["first"]) / exact_names
        exact = first["first"] + per_name * n
        requests = round(small["exact_requests"] / exact_names * n)
        label = f" (EXTRAPOLATED from {exact_names:,})"
    source = first if exact_names >= n else small
    results.add(
        Row(
            "refresh",
            f"cold /movers 2w over {n:,} names: exact answer{label}",
            ms(exact),
            extra=f"~{requests:,} requests in all; the next ask {ms(source['warm'])}, {source['warm_requests']} requests",
            numbers={"median_ms": exact * 1000, "names": n, "requests": requests},
        )
    )


def _cold_answer(
    results: Results, fake: BenchYahoo, path: Path, names: list[str], rate: float, *, wait: bool
) -> dict[str, float]:
    """First answer on an empty cache; with `wait`, the background fill, then the next ask."""
    out: dict[str, float] = {}
    provider = provider_for(fake, path.parent / "yfinance", rate)
    with PriceCache(path) as cache:
        market = MarketData(cache, provider, now=lambda: NEXT_NOW)
        market.enable_provisional()
        before = len(fake.requests)
        t0 = time.perf_counter()
        answer = _movers(market, names)
        out["first"] = time.perf_counter() - t0
        out["first_requests"] = len(fake.requests) - before
        out["provisional"] = int(answer.data["ranked"]) if _says_provisional(answer) else 0
        results.check(
            _says_provisional(answer),
            f"the cold /movers over {len(names)} names was not provisional",
        )
        if wait:
            market.provisional.idle()  # type: ignore[union-attr]
            out["exact"] = time.perf_counter() - t0
            out["exact_requests"] = len(fake.requests) - before
            exact = _movers(market, names)
            results.check(
                not _says_provisional(exact), "the answer after the fill was still provisional"
            )
            t1 = time.perf_counter()
            before_warm = len(fake.requests)
            _movers(market, names)
            out["warm"] = time.perf_counter() - t1
            out["warm_requests"] = len(fake.requests) - before_warm
        market.stop_background(timeout=30)
    provider.close()
    return out


def _says_provisional(answer) -> bool:
    return any("closes from Yahoo's spark" in w for w in answer.warnings)


def run(results: Results, tmp: Path, universe: list[str], *, exact_names: int, rate: float) -> None:
    for n in (300, 2000):
        run_night(results, tmp, _names(universe, n), rate)
    run_cold_movers(results, tmp, _names(universe, 2000), exact_names, rate)


def _names(universe: list[str], n: int) -> list[str]:
    """`n` symbols: the universe's first, then generated ones if it is shorter."""
    names = list(dict.fromkeys(universe))[:n]
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    extra = (f"Z{a}{b}{c}" for a in letters for b in letters for c in letters)
    while len(names) < n:
        names.append(next(extra))
    return names
