"""The background refresh: recent tickers recorded by MarketData (schema 3), and the
Refresher driven through NYSE closes on a fake clock, without sleeping."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import threading

import pandas as pd
import pytest

from analytics.data.cache import MIGRATIONS, SCHEMA_VERSION, PriceCache
from analytics.data.market import MarketData
from bot.refresher import Refresher, refresh_tickers
from tests.fakes.prices import RecordingProvider

D = dt.date


def eastern(text: str) -> dt.datetime:
    return pd.Timestamp(text, tz="America/New_York").tz_convert("UTC").to_pydatetime()


class Clock:
    """The app clock; `sleep` moves it instead of waiting, and logs how long was asked."""

    def __init__(self, start: str) -> None:
        self.now = eastern(start)
        self.sleeps: list[float] = []

    def __call__(self) -> dt.datetime:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += dt.timedelta(seconds=seconds)
        await asyncio.sleep(0)


class TimedProvider(RecordingProvider):
    """Records the app clock's time (Eastern, HH:MM) of each fetch, and can fail once."""

    def __init__(self, clock: Clock, *, fail_first: bool = False) -> None:
        super().__init__(history_start=D(2023, 1, 3))
        self.clock = clock
        self.times: list[str] = []
        self.fail_first = fail_first

    def fetch(self, tickers, start, end):
        self.times.append(
            pd.Timestamp(self.clock()).tz_convert("America/New_York").strftime("%m-%d %H:%M")
        )
        self.fail_reason = "Fake is down" if self.fail_first and len(self.calls) == 0 else None
        return super().fetch(tickers, start, end)


@pytest.fixture
def cache(tmp_path):
    with PriceCache(tmp_path / "c.db") as cache:
        yield cache


# -- schema 3: recent_requests --------------------------------------------------------------------


def test_a_version_2_file_is_migrated_to_3_keeping_its_rows(tmp_path):
    path = tmp_path / "v2.db"
    conn = sqlite3.connect(path)
    for version in (0, 1):
        for statement in MIGRATIONS[version]:
            conn.execute(statement)
    conn.execute("INSERT INTO bars (ticker, date, close) VALUES ('SPY', '2024-01-02', 470.0)")
    conn.execute("INSERT INTO unknown_symbols (ticker, checked_at) VALUES ('NOPE', '2024-01-02')")
    conn.execute("PRAGMA user_version=2")
    conn.commit()
    conn.close()

    with PriceCache(path) as migrated:
        assert migrated.schema_version() == SCHEMA_VERSION  # 3, then later migrations
        assert "recent_requests" in migrated.db.table_names()
        assert migrated.read_bars(["SPY"])["close"].tolist() == [470.0]
        assert migrated.unknown_since(["NOPE"], dt.datetime(2024, 1, 1, tzinfo=dt.UTC)) == {"NOPE"}


def test_recent_tickers_keep_their_latest_use(cache):
    monday, friday = eastern("2024-07-01 10:00"), eastern("2024-06-28 10:00")
    cache.touch_recent(["SPY", "IWM"], monday)
    cache.touch_recent(["SPY", "QQQ"], friday)  # older than SPY's Monday use: SPY keeps Monday

    assert cache.recent_tickers(eastern("2024-07-01 00:00")) == ["IWM", "SPY"]
    assert cache.recent_tickers(eastern("2024-06-28 00:00")) == ["IWM", "QQQ", "SPY"]


def test_bars_records_the_tickers_it_answered_once_a_day(cache):
    clock = Clock("2024-07-01 20:00")
    market = MarketData(cache, RecordingProvider(unknown={"NOPE"}), now=clock)

    market.bars(["SPY", "NOPE", "IWM"], D(2024, 6, 3), D(2024, 6, 28))
    first = cache.db.execute(
        "SELECT ticker, last_used FROM recent_requests ORDER BY ticker"
    ).fetchall()
    clock.now += dt.timedelta(hours=1)
    market.bars(["SPY"], D(2024, 6, 3), D(2024, 6, 28))  # same day: no second write
    same_day = cache.db.execute(
        "SELECT ticker, last_used FROM recent_requests ORDER BY ticker"
    ).fetchall()
    clock.now += dt.timedelta(days=1)
    market.bars(["SPY"], D(2024, 6, 3), D(2024, 6, 28))
    next_day = dict(cache.db.execute("SELECT ticker, last_used FROM recent_requests").fetchall())

    stamp = eastern("2024-07-01 20:00").isoformat()
    assert first == [("IWM", stamp), ("SPY", stamp)]  # NOPE has no bars: not worth refreshing
    assert same_day == first
    assert next_day["SPY"] == eastern("2024-07-02 21:00").isoformat()


def test_refresh_tickers_puts_recent_first_then_extra_and_universes_without_repeats(cache):
    cache.touch_recent(["SPY", "AAPL"], eastern("2024-07-01 10:00"))
    cache.touch_recent(["OLD"], eastern("2024-06-01 10:00"))

    got = refresh_tickers(
        cache,
        eastern("2024-06-17 00:00"),
        extra=["IWM", "SPY"],
        universes=[("AAA", "AAPL", "BBB")],
    )

    assert got == ["AAPL", "SPY", "IWM", "AAA", "BBB"]


# -- the Refresher on a fake clock ---------------------------------------------------------------


def warm_market(cache, clock: Clock, provider: RecordingProvider) -> MarketData:
    """SPY and IWM cached through Friday 2024-06-28 and asked for on Monday at 15:00 ET."""
    market = MarketData(cache, provider, now=clock)
    market.bars(["SPY", "IWM"], D(2023, 1, 3), D(2024, 6, 28))
    provider.calls.clear()
    provider.times.clear()
    return market


def refresher_for(market: MarketData, clock: Clock) -> Refresher:
    return Refresher(
        market=market,
        tickers=lambda: refresh_tickers(market.cache, clock() - dt.timedelta(days=14)),
        now=clock,
        sleep=clock.sleep,
        startup_delay=0,
    )


async def test_after_each_close_only_the_new_session_is_fetched(cache):
    clock = Clock("2024-07-01 15:00")  # Monday, market open
    provider = TimedProvider(clock)
    market = warm_market(cache, clock, provider)
    refresher = refresher_for(market, clock)

    await refresher.run(until=eastern("2024-07-05 20:00"))

    # Friday's session was already fresh: nothing asked. Then each close + 20 minutes: the
    # day's session. Wed 07-03 closed early (13:00); Thu 07-04 was a holiday.
    assert provider.times == ["07-01 16:20", "07-02 16:20", "07-03 13:20", "07-05 16:20"]
    assert provider.calls == [
        (("IWM", "SPY"), D(2024, 6, 29), D(2024, 7, 1)),
        (("IWM", "SPY"), D(2024, 7, 2), D(2024, 7, 2)),
        (("IWM", "SPY"), D(2024, 7, 3), D(2024, 7, 3)),
        (("IWM", "SPY"), D(2024, 7, 4), D(2024, 7, 5)),
    ]
    assert max(clock.sleeps) <= refresher.max_sleep.total_seconds()
    assert [s for s, _ in refresher.reports] == [
        D(2024, 6, 28),
        D(2024, 7, 1),
        D(2024, 7, 2),
        D(2024, 7, 3),
        D(2024, 7, 5),
    ]
    assert refresher.reports[0][1].needed == 0
    last = market.cache.read_bars(["SPY"], D(2024, 7, 5), D(2024, 7, 5))
    assert last["date"].dt.date.tolist() == [D(2024, 7, 5)]


async def test_the_refresh_patches_the_panels_commands_read_so_the_next_ask_reads_nothing(cache):
    clock = Clock("2024-07-01 15:00")
    provider = TimedProvider(clock)
    market = warm_market(cache, clock, provider)
    window = (D(2024, 6, 3), D(2024, 7, 1))
    market.bars(["SPY", "IWM"], *window).wide()  # 15:00: Monday's bar so far
    refresher = refresher_for(market, clock)
    memo = cache.memo
    patched_before = memo.patched

    await refresher.run(until=eastern("2024-07-01 17:00"))  # 16:20: Monday's final bar

    assert provider.times[-1] == "07-01 16:20" and memo.patched > patched_before
    patched, misses, hits = memo.patched, memo.misses, memo.hits
    after = market.bars(["SPY", "IWM"], *window).wide()
    assert (memo.patched, memo.misses) == (patched, misses) and memo.hits > hits
    assert after.index[-1] == pd.Timestamp("2024-07-01")
    want = cache.read_bars_rows(["SPY", "IWM"], *window)
    pd.testing.assert_series_equal(
        after["SPY"].dropna(),
        want[want.ticker == "SPY"].set_index("date")["adj_close"],
        check_names=False,
    )


async def test_a_bot_started_the_next_morning_catches_up_at_once(cache):
    clock = Clock("2024-07-01 15:00")
    provider = TimedProvider(clock)
    market = warm_market(cache, clock, provider)
    clock.now = eastern("2024-07-02 08:00")  # the bot was down at Monday's close
    refresher = refresher_for(market, clock)

    await refresher.run(until=eastern("2024-07-02 09:30"))

    assert provider.times == ["07-02 08:00"]
    assert provider.calls == [(("IWM", "SPY"), D(2024, 6, 29), D(2024, 7, 1))]


async def test_an_incomplete_refresh_is_retried_half_an_hour_later(cache):
    clock = Clock("2024-07-01 15:00")
    provider = TimedProvider(clock)
    market = warm_market(cache, clock, provider)
    provider.fail_first = True
    refresher = refresher_for(market, clock)

    await refresher.run(until=eastern("2024-07-01 23:00"))

    assert provider.times == ["07-01 16:20", "07-01 16:50"]
    assert [r.complete for _, r in refresher.reports] == [True, False, True]  # 06-28, then 07-01 x2
    assert refresher.done_session == D(2024, 7, 1)


async def test_stop_during_a_fill_ends_it_after_the_current_batch(cache):
    clock = Clock("2024-07-01 20:00")
    inside, release = threading.Event(), threading.Event()

    class Gated(RecordingProvider):
        def fetch(self, tickers, start, end):
            result = super().fetch(tickers, start, end)
            inside.set()
            release.wait(10)
            return result

    provider = Gated()
    market = MarketData(cache, provider, now=clock)
    cache.touch_recent([f"T{i:02d}" for i in range(45)], clock())  # three batches of 20
    refresher = refresher_for(market, clock)

    refresher.start()
    while not inside.is_set():
        await asyncio.sleep(0.01)
    stopping = asyncio.create_task(refresher.stop())
    await asyncio.sleep(0.05)
    release.set()
    await asyncio.wait_for(stopping, 10)

    assert len(provider.calls) == 1
    assert len(cache.coverage([f"T{i:02d}" for i in range(45)])) == 20


async def test_after_a_close_the_refresh_takes_the_newest_bars_from_quotes(
    cache, yf_cache_dir, caplog
):
    from analytics.data.results import NightReport
    from analytics.data.yahoo import RateLimiter, YahooProvider
    from tests.fakes.yahoo import FakeYahoo
    from tests.fakes.yahoo_days import DailyYahoo, make_listing
    from tests.fakes.yahoo_multi import QUOTE_PATH, install_multi_symbol

    clock = Clock("2024-07-02 15:00")  # Tuesday, market open
    names = [f"N{letter}" for letter in "ABCDEFGHIJKL"]
    listings = {n: make_listing(i, D(2023, 6, 1), D(2024, 7, 2)) for i, n in enumerate(names)}
    caplog.set_level("INFO", logger="bot.refresher")
    with FakeYahoo() as fake:
        install_multi_symbol(fake)
        days = DailyYahoo(fake, listings)
        days.advance(D(2024, 7, 1))
        provider = YahooProvider(
            fake.session,
            cache_dir=yf_cache_dir,
            rate_limiter=RateLimiter(1000.0, sleep=lambda s: None),
        )
        market = MarketData(cache, provider, now=clock)
        market.bars(names, D(2023, 7, 3), D(2024, 7, 1))  # Monday, cached per symbol
        days.advance(D(2024, 7, 2))
        refresher = refresher_for(market, clock)

        await refresher.run(until=eastern("2024-07-02 17:00"))
        provider.close()
        quotes = [q for p, q in fake.requests if p == QUOTE_PATH]

    session, report = refresher.reports[-1]
    assert session == D(2024, 7, 2) and isinstance(report, NightReport)
    assert report.complete and len(quotes) == 1
    assert sorted(report.quoted + report.checks) == sorted(names)
    stored = cache.read_bars(names, D(2024, 7, 2), D(2024, 7, 2)).set_index("ticker")
    for name in names:
        assert stored.loc[name, "close"] == days.view(name).loc[pd.Timestamp("2024-07-02"), "close"]
    said = [
        r.getMessage() for r in caplog.records if "price refresh for 2024-07-02" in r.getMessage()
    ]
    assert any(
        f"{len(report.quoted)} from {report.quote_requests} quote requests" in m for m in said
    )


# -- the cog's choice of tickers ----------------------------------------------------------------


def test_the_cog_adds_the_digest_tickers_and_fund_only_while_someone_subscribes(cache):
    from types import SimpleNamespace

    from analytics.holdings import Holdings, HoldingsStore
    from analytics.subscriptions.store import SubscriptionStore
    from cogs.refresh import Refresh

    clock = Clock("2024-07-01 20:00")
    market = MarketData(cache, RecordingProvider(), now=clock)
    cache.touch_recent(["AAPL"], clock())
    symbols = ["AAA", "BBB", "CCC"]
    frame = pd.DataFrame(
        {
            "name": symbols,
            "sector": "Industrials",
            "weight": [0.5, 0.3, 0.2],
            "quantity": 1.0,
            "price": 1.0,
            "market_value": 1.0,
        },
        index=pd.Index(symbols, name="symbol"),
    )
    HoldingsStore(cache.db).save(Holdings("IWM", "iShares Russell 2000 ETF", D(2024, 6, 28), frame))
    bot = SimpleNamespace(
        services=SimpleNamespace(cache=cache, market=market),
        wait_until_ready=None,
        background=None,
    )
    cog = Refresh(bot)

    alone = cog.tickers()
    SubscriptionStore(cache).subscribe(1, 2, "close+30", ["streak"], by=3, now=clock())
    subscribed = cog.tickers()

    assert alone == ["AAPL"]
    assert subscribed == ["AAPL", "IWM", "SPY", "QQQ", "MAGS", "AAA", "BBB", "CCC"]
