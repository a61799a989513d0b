"""A simulated run of the nightly estimate collection: the real collector, provider, fetcher and
store against the fake Yahoo, night after night on a fake clock (the rate limiter's 4 requests/s
are counted, not waited for). Used by tests/analytics/revisions/test_budget.py and
bench/revisions_budget.py (the measured figures of the README)."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.data.yahoo import RateLimiter, YahooProvider
from analytics.data.yahoo_estimates import YahooEstimates
from analytics.revisions.budget import NIGHTLY_REQUESTS
from analytics.revisions.collect import collect_night
from analytics.revisions.store import RevisionStore
from tests.fakes.yahoo import FakeYahoo
from tests.fakes.yahoo_quote_summary import Planted, install
from tests.support.revisions import eastern, store_holdings

DEFAULT_SIZES = {"IJR": 600, "IJH": 400, "IVV": 500}


class FakeClock:
    """Monotonic seconds that only move when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


@dataclass(frozen=True)
class NightRow:
    night: dt.date
    requests: int  # as the fake Yahoo counted them
    names: int  # distinct tickers asked about
    seconds: float  # at the limiter's 4 requests/s
    wanted: int


@dataclass
class Simulation:
    nights: list[NightRow] = field(default_factory=list)
    asked: Counter = field(default_factory=Counter)  # ticker -> nights asked
    first_asked: dict[str, dt.date] = field(default_factory=dict)
    last_asked: dict[str, dt.date] = field(default_factory=dict)
    universe: dict[str, tuple[str, ...]] = field(default_factory=dict)


def simulate(
    folder: Path,
    yf_cache_dir: Path,
    *,
    nights: int = 8,
    sizes: dict[str, int] | None = None,
    start: dt.date = dt.date(2024, 7, 1),
    skip: tuple[int, ...] = (),
    seed: int = 0,
    budget: int = NIGHTLY_REQUESTS,
    asked: tuple[str, ...] = (),
) -> Simulation:
    """Collect `nights` nights from `start` (nights whose index is in `skip` are missed: the
    bot was down) over funds of `sizes` names with random planted revisions; `asked` funds
    were asked about (by /revisions) just before the first night."""
    sizes = sizes or DEFAULT_SIZES
    rng = random.Random(seed)
    sim = Simulation()
    clock = FakeClock()
    with FakeYahoo() as fake, PriceCache(folder / "sim.db") as cache:
        routes = install(fake)
        moment = [eastern(f"{start} 18:45")]
        for fund, size in sizes.items():
            names = tuple(f"{fund[1:]}{i:04d}" for i in range(size))
            sim.universe[fund] = names
            weights = [rng.uniform(0.5, 1.5) for _ in names]
            total = sum(weights)
            store_holdings(cache, fund, names, start, moment[0], [w / total for w in weights])
            for name in names:
                up, down = rng.randint(0, 5), rng.randint(0, 5)
                routes.plant(
                    name, {"0q": Planted(up_30d=up, down_30d=down, current=1.0 + up / 100)}
                )
        RevisionStore(cache).note_asked(asked, moment[0] - dt.timedelta(minutes=5))
        limiter = RateLimiter(4.0, 1, clock=clock, sleep=clock.sleep)
        provider = YahooProvider(
            fake.session, cache_dir=yf_cache_dir, rate_limiter=limiter, clock=clock
        )
        market = MarketData(cache, provider, now=lambda: moment[0])
        source = YahooEstimates(provider)
        try:
            for i in range(nights):
                night = start + dt.timedelta(days=i)
                if i in skip:
                    continue
                moment[0] = eastern(f"{night} 18:45")
                http_before, seconds_before = len(fake.requests), clock.now
                asked_before = len(routes.requests)
                report = collect_night(market, source, night, budget=budget)
                tonight = list(dict.fromkeys(s for s, _ in routes.requests[asked_before:]))
                for symbol in tonight:  # a request yfinance repeats (a stale crumb) counts once
                    sim.asked[symbol] += 1
                    sim.first_asked.setdefault(symbol, night)
                    sim.last_asked[symbol] = night
                sim.nights.append(
                    NightRow(
                        night,
                        len(fake.requests) - http_before,
                        len(tonight),
                        clock.now - seconds_before,
                        report.wanted,
                    )
                )
        finally:
            provider.close()
    return sim
