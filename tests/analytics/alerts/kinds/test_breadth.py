"""Breadth alerts (`/alert add kind:breadth`): a fund's share of names above their 50-day
average crossing X%, through simulated sessions on a fake clock, with the fired embed being
the /breadth answer; the nightly refresh bringing the fund's holdings and names.

The expected sessions come from a plain loop over the closes the test wrote (each name's
mean of its last 50 closes), not from the analytics.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from analytics.alerts.kinds import KINDS
from analytics.errors import BadInput
from analytics.holdings import Holdings, HoldingsStore
from tests.support.alerts import Simulation, bars_frame, crossings, sessions

NAMES = [f"N{k:02d}" for k in range(10)]
HISTORY = 110  # sessions before the alert is made: a 3-month window and 50 sessions before it
PERIOD = 30  # sessions of one swing of the closes: the share sweeps 0..100% and back


def closes_of(k: int, count: int) -> list[float]:
    """Name k: a sine of PERIOD sessions, each name a little behind the one before."""
    return [100.0 * (1 + 0.1 * math.sin(2 * math.pi * t / PERIOD - 0.25 * k)) for t in range(count)]


def share_by_hand(closes: dict[str, list[float]], i: int, n: int = 50) -> float | None:
    """Of the names with n closes up to session i, the fraction whose close is above their mean."""
    if i + 1 < n:
        return None
    above = sum(1 for c in closes.values() if c[i] > sum(c[i - n + 1 : i + 1]) / n)
    return above / len(closes)


def holdings(as_of: dt.date) -> Holdings:
    frame = pd.DataFrame(
        {
            "name": NAMES,
            "sector": "Industrials",
            "weight": [0.1] * len(NAMES),
            "quantity": 1.0,
            "price": 1.0,
            "market_value": 1.0,
        },
        index=pd.Index(NAMES, name="symbol"),
    )
    return Holdings("IWM", "iShares Russell 2000 ETF", as_of, frame)


@pytest.fixture
def world(tmp_path):
    days = sessions("2023-06-01", 175)
    sim = Simulation(tmp_path / "breadth.db", days[HISTORY - 1])
    closes = {name: closes_of(k, len(days)) for k, name in enumerate(NAMES)}
    closes["IWM"] = [100.0 + 0.1 * i for i in range(len(days))]
    frames = {t: bars_frame(days, c) for t, c in closes.items()}
    for ticker, frame in frames.items():
        sim.cache.store_bars(ticker, frame.iloc[:HISTORY], "test")
    HoldingsStore(sim.cache.db).save(holdings(days[HISTORY]), fetched_at=sim.clock())
    yield sim, days, frames, {n: closes[n] for n in NAMES}
    sim.close()


async def feed(sim: Simulation, days, frames) -> None:
    for i in range(HISTORY, len(days)):
        for ticker, frame in frames.items():
            sim.cache.store_bars(ticker, frame.iloc[[i]], "test")
        await sim.session(days[i])


@pytest.mark.parametrize(("direction", "percent"), [("up", 70), ("down", 30)])
async def test_a_breadth_alert_fires_on_each_crossing_and_not_the_day_after(
    world, direction, percent
):
    sim, days, frames, closes = world
    alert = sim.add(kind="breadth", universe="iwm", percent=percent, direction=direction)
    assert alert.params == {"universe": "IWM", "percent": float(percent), "direction": direction}
    await feed(sim, days, frames)

    shares = [share_by_hand(closes, i) for i in range(len(days))]
    holds = [
        s is not None and (s >= percent / 100 if direction == "up" else s < percent / 100)
        for s in shares
    ]
    want = [days[i] for i in crossings(holds) if i >= HISTORY]
    assert len(want) >= 2, "the data must cross at least twice (fire, re-arm, fire again)"
    got = [d for a, d in sim.discord.fired() if a == alert.id]
    assert got == want
    for day in want:  # never the session after a fire while the share stays on that side
        after = days.index(day) + 1
        if after < len(days) and holds[after]:
            assert days[after] not in got

    # What the user gets: the /breadth answer on the crossing session, its 50-day share the
    # one counted by hand, and how to reproduce it.
    _, first, shown = sim.discord.sent[0]
    i = days.index(first)
    assert shown.answer.data["above_ma"]["50"] == pytest.approx(shares[i])
    assert shown.answer.data["end"] == first.isoformat()
    assert shown.answer.data["coverage"] == {"priced": 10, "universe": 10, "weight_share": 1.0}
    assert shown.reproduce.cli == f"marketbot breadth IWM --window 3m --as-of {first}"
    assert shown.reproduce.slash == f"/breadth universe:IWM window:3m as_of:{first}"
    # The chart's share line ends on the crossing session's share.
    line = shown.answer.chart.figure().axes[0].lines[0]
    assert line.get_ydata()[-1] == pytest.approx(shares[i])


def test_the_evaluation_reads_the_session_before_from_the_same_data(world):
    sim, days, frames, closes = world
    for ticker, frame in frames.items():
        sim.cache.store_bars(ticker, frame, "test")
    sim.clock.evening(days[-1])
    kind = KINDS["breadth"]
    params = kind.parse({"universe": "IWM", "percent": 50})
    i = 150
    evaluation = kind.evaluate(sim.market.cache_only(), params, days[i])
    assert evaluation.on == days[i]
    assert evaluation.values["share"] == pytest.approx(share_by_hand(closes, i))
    assert evaluation.values["previous"] == pytest.approx(share_by_hand(closes, i - 1))
    assert evaluation.holds == (share_by_hand(closes, i) >= 0.5)
    assert evaluation.state.startswith(
        f"{share_by_hand(closes, i):.1%} of IWM's names are above their 50-day average on {days[i]}"
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"percent": 70}, "A breadth alert needs universe, e.g. universe:IWM percent:70."),
        ({"universe": "IWM"}, "A breadth alert needs percent, e.g. universe:IWM percent:70."),
        (
            {"universe": "IWM", "percent": 120},
            "percent 120 is not a share of names; give one between 0 and 100, e.g. percent:70.",
        ),
        (
            {"universe": "IWM", "percent": 70, "direction": "either"},
            "A breadth alert fires when the share rises to the level (direction:up, the "
            "default) or falls below it (direction:down).",
        ),
    ],
)
def test_bad_breadth_options_say_what_to_type(values, message):
    with pytest.raises(BadInput) as info:
        KINDS["breadth"].parse(values)
    assert info.value.message == message


def test_an_unknown_universe_is_refused_when_the_alert_is_made(world):
    sim, *_ = world
    with pytest.raises(BadInput, match="^Unknown universe 'smallcaps'"):
        sim.add(kind="breadth", universe="smallcaps", percent=70)


def test_the_refresh_brings_the_funds_holdings_and_names(world):
    from types import SimpleNamespace

    from cogs.refresh import Refresh

    sim, *_ = world
    bot = SimpleNamespace(
        services=SimpleNamespace(cache=sim.cache, market=sim.market),
        wait_until_ready=None,
        background=None,
    )
    cog = Refresh(bot)
    assert cog.tickers() == []
    sim.add(kind="breadth", universe="IWM", percent=70)
    assert cog.tickers() == ["IWM", *NAMES]


async def test_the_refresh_downloads_a_current_holdings_file_when_nearer(tmp_path):
    # The stored IWM file is a year and a half old: the refresh asks iShares for today's (once),
    # stores it, and keeps its names warm; the evening's evaluation then stands on it.
    import asyncio
    from types import SimpleNamespace

    from analytics.alerts.store import AlertStore
    from analytics.data.cache import PriceCache
    from analytics.data.market import MarketData
    from cogs.refresh import Refresh
    from tests.fakes.ishares import PLANTED_FUND, FakeIShares, Reply, downloads_from, ishares_csv
    from tests.fakes.prices import RecordingProvider

    today = dt.date(2024, 7, 1)
    cache = PriceCache(tmp_path / "refresh.db")
    moment = pd.Timestamp("2024-07-01 20:00", tz="America/New_York").to_pydatetime()
    market = MarketData(cache, RecordingProvider(), now=lambda: moment)
    fetched = pd.Timestamp("2023-01-04 12:00", tz="UTC").to_pydatetime()
    HoldingsStore(cache.db).save(holdings(dt.date(2023, 1, 3)), fetched_at=fetched)
    AlertStore(cache).add(
        "breadth",
        {"universe": "IWM", "percent": 70.0, "direction": "up"},
        owner_id=1,
        created_by=1,
        guild_id=None,
        channel_id=None,
        now=moment,
        baseline_on=today,
        baseline_holds=False,
    )
    bot = SimpleNamespace(
        services=SimpleNamespace(cache=cache, market=market),
        wait_until_ready=None,
        background=None,
    )
    body = ishares_csv(dt.date(2024, 6, 28)).encode()
    try:
        async with FakeIShares(ajax=Reply(200, body, "text/csv")) as fake:
            async with downloads_from(market, fake):
                tickers = await asyncio.to_thread(Refresh(bot).tickers)
                again = await asyncio.to_thread(Refresh(bot).tickers)
            asked = len(fake.requests)
        stored = HoldingsStore(cache.db).latest("IWM")
    finally:
        cache.close()
    planted = [t for t, _, _ in PLANTED_FUND]
    assert asked == 1  # at most once a New York day
    assert stored.as_of == dt.date(2024, 6, 28)
    assert tickers == again == ["IWM", *[t for t in planted if t in stored.frame.index]]
