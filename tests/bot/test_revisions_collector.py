"""The nightly estimate collection as a background loop: once a night at 18:45 New York time,
a retry after a rate limit within the night and the budget, the lease, and when it is off."""

from __future__ import annotations

import asyncio
import datetime as dt

import pandas as pd
import pytest

from analytics.commands.revisions._answer import revisions_answer
from analytics.commands.revisions._parse import RevisionsRequest
from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.data.yahoo import RateLimiter, YahooProvider
from analytics.data.yahoo_estimates import YahooEstimates
from analytics.revisions.collect import collect_night
from analytics.revisions.store import RevisionStore
from analytics.spec import NoProgress
from bot.revisions_collector import (
    RETRY_INTERVAL,
    RevisionCollector,
    collection_due,
    estimates_source,
)
from tests.fakes.prices import RecordingProvider
from tests.fakes.yahoo import FakeYahoo
from tests.fakes.yahoo_quote_summary import Planted, install
from tests.support.revisions import eastern, store_holdings

D = dt.date
NAMES = [f"S{i:02d}" for i in range(30)]


class Clock:
    """The app clock; `sleep` moves it instead of waiting."""

    def __init__(self, start: str) -> None:
        self.now = eastern(start)

    def __call__(self) -> dt.datetime:
        return self.now

    def monotonic(self) -> float:
        return self.now.timestamp()

    async def sleep(self, seconds: float) -> None:
        self.now += dt.timedelta(seconds=seconds)
        await asyncio.sleep(0)

    def wait(self, seconds: float) -> None:  # the rate limiter's sleep
        self.now += dt.timedelta(seconds=seconds)


class Gate:
    def __init__(self, held: bool) -> None:
        self.held = held
        self.opened = asyncio.Event()

    async def wait(self) -> None:
        await self.opened.wait()


def local(moment: dt.datetime) -> str:
    return pd.Timestamp(moment).tz_convert("America/New_York").strftime("%m-%d %H:%M")


@pytest.fixture
def world(tmp_path, yf_cache_dir):
    clock = Clock("2024-07-01 12:00")
    with FakeYahoo() as fake, PriceCache(tmp_path / "c.db") as cache:
        routes = install(fake)
        for name in NAMES:
            routes.plant(name, {"0q": Planted(up_30d=2, down_30d=1)})
        store_holdings(cache, "IJR", NAMES, D(2024, 6, 28), clock())
        limiter = RateLimiter(4.0, 1, clock=clock.monotonic, sleep=clock.wait)
        provider = YahooProvider(
            fake.session, cache_dir=yf_cache_dir, rate_limiter=limiter, clock=clock.monotonic
        )
        market = MarketData(cache, provider, now=clock)
        yield clock, fake, routes, cache, market, YahooEstimates(provider)
        provider.close()


async def test_it_collects_once_a_night_at_a_quarter_to_seven(world):
    clock, fake, routes, cache, market, source = world
    times: list[str] = []
    routes.observers.append(lambda symbol: times.append(local(clock())))
    collector = RevisionCollector(
        market=market, estimates=source, now=clock, sleep=clock.sleep, startup_delay=0
    )
    await collector.run(until=eastern("2024-07-04 12:00"))
    nights = RevisionStore(cache).nights()
    assert [n.night for n in nights] == [D(2024, 7, 1), D(2024, 7, 2), D(2024, 7, 3)]
    # ceil(30 / 7) = 5 names a night, at the limiter's pace from 18:45
    assert [n.asked for n in nights] == [5, 5, 5]
    assert {t[:5] for t in times} == {"07-01", "07-02", "07-03"}
    assert min(t for t in times if t.startswith("07-02")) == "07-02 18:45"
    assert all("18:45" <= t[6:] < "18:47" for t in times)
    assert collector.done_night == D(2024, 7, 3)
    # the default universes missing holdings were left out, and said so
    assert set(collector.reports[0].skipped_universes) == {"IJH", "IVV"}


async def test_a_rate_limit_is_retried_later_that_night_within_the_budget(world):
    clock, fake, routes, cache, market, source = world
    routes.throttle(2)  # the first name's request and yfinance's second try
    times: list[str] = []
    routes.observers.append(lambda symbol: times.append(local(clock())))
    collector = RevisionCollector(
        market=market, estimates=source, now=clock, sleep=clock.sleep, startup_delay=0, budget=10
    )
    await collector.run(until=eastern("2024-07-02 12:00"))
    first, second = collector.reports
    assert first.rate_limited and first.estimates == 0
    assert not second.rate_limited and second.estimates == 5
    night = RevisionStore(cache).night(D(2024, 7, 1))
    # the refused requests count too: 3 (yfinance asks twice, with a new crumb between) + 5
    assert night.requests == first.requests + second.requests <= 10 and night.estimates == 5
    assert second.spent == night.requests
    assert collector.done_night == D(2024, 7, 1)
    # tried again RETRY_INTERVAL after the refused run, the provider's back-off long over
    retry = eastern("2024-07-01 18:45") + RETRY_INTERVAL
    assert times[:2] == ["07-01 18:45", "07-01 18:45"] and times[2] == local(retry)


async def test_the_budget_spent_in_a_night_is_not_spent_again_after_a_restart(world):
    clock, fake, routes, cache, market, source = world
    clock.now = eastern("2024-07-01 19:00")
    for _ in range(2):  # two processes, one after the other, the same night
        collector = RevisionCollector(
            market=market, estimates=source, now=clock, sleep=clock.sleep, startup_delay=0,
            budget=5,
        )  # fmt: skip
        await collector.collect(D(2024, 7, 1))
    night = RevisionStore(cache).night(D(2024, 7, 1))
    assert night.requests <= 5
    assert routes.count() == night.estimates <= 5


async def test_only_the_lease_holder_collects(world):
    clock, fake, routes, cache, market, source = world
    gate = Gate(held=False)
    collector = RevisionCollector(
        market=market, estimates=source, now=clock, sleep=clock.sleep, startup_delay=0, gate=gate
    )
    task = asyncio.ensure_future(collector.run(until=eastern("2024-07-02 12:00")))
    await asyncio.sleep(0.05)
    assert not task.done() and routes.count() == 0
    gate.held = True
    gate.opened.set()
    await asyncio.wait_for(task, 30)
    assert RevisionStore(cache).night(D(2024, 7, 1)).asked == 5


def test_the_collection_is_off_without_yahoo():
    assert estimates_source(RecordingProvider()) is None
    assert estimates_source(YahooProvider(requests_per_second=None)) is None
    assert isinstance(estimates_source(YahooProvider()), YahooEstimates)


def test_due_times_are_new_york_evenings():
    assert local(collection_due(D(2024, 7, 1))) == "07-01 18:45"
    assert local(collection_due(D(2024, 12, 2))) == "12-02 18:45"  # after the clocks change


def test_collected_nights_feed_the_answer_with_each_names_latest_snapshot(tmp_path, yf_cache_dir):
    clock = Clock("2024-07-01 18:45")
    funds = {"IJR": "S", "IJH": "M", "IVV": "L"}
    names = {fund: [f"{p}{i}" for i in range(7)] for fund, p in funds.items()}
    # planted: every name net down, except S0..S3 net up
    planted = {n: (0, 2) for fund in names for n in names[fund]}
    planted |= {f"S{i}": (3, 1) for i in range(4)}
    with FakeYahoo() as fake, PriceCache(tmp_path / "c.db") as cache:
        routes = install(fake)

        def plant():
            for name, (up, down) in planted.items():
                routes.plant(name, {"0q": Planted(up_30d=up, down_30d=down)})

        plant()
        for fund in names:
            store_holdings(cache, fund, names[fund], D(2024, 6, 28), clock())
        limiter = RateLimiter(4.0, 1, clock=clock.monotonic, sleep=clock.wait)
        provider = YahooProvider(
            fake.session, cache_dir=yf_cache_dir, rate_limiter=limiter, clock=clock.monotonic
        )
        market = MarketData(cache, provider, now=clock)
        asked: dict[str, list[D]] = {}
        routes.observers.append(lambda s: asked.setdefault(s, []).append(clock().date()))
        source = YahooEstimates(provider)
        for night in range(7):  # 21 names, 3 a night: all collected in a week
            clock.now = eastern(f"{D(2024, 7, 1) + dt.timedelta(days=night)} 18:45")
            collect_night(market, source, clock().date())
        week = revisions_answer(market, RevisionsRequest(), NoProgress()).to_json()
        # the first night's names change their mind before their refresh on the eighth night
        first = sorted(n for n, days in asked.items() if days == [D(2024, 7, 1)])
        assert len(first) == 3
        before = dict(planted)
        for name in first:
            planted[name] = (5, 0) if planted[name] == (0, 2) else (0, 5)
        plant()
        clock.now = eastern("2024-07-08 18:45")
        collect_night(market, source, clock().date())
        provider.close()
        again = revisions_answer(market, RevisionsRequest(), NoProgress()).to_json()
    for data, values in ((week, before), (again, planted)):
        for u in data["universes"]:
            ups = sum(1 for n in names[u["universe"]] if values[n][0] > values[n][1])
            assert u["net_up"] == ups and u["with_estimates"] == 7, u["universe"]
    assert [u["net_up"] for u in week["universes"]] != [u["net_up"] for u in again["universes"]]
    assert week["universes"][0]["snapshots_to"] == "2024-07-07"
    assert max(u["snapshots_to"] for u in again["universes"]) == "2024-07-08"
