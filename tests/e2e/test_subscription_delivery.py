"""The daily post when Discord fails or a process dies: retries that never double a post (the
claim's marker in the channel, the nonce Discord de-duplicates), a day shown as missed with
its reason, and two bot processes on one database and one Discord posting once."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import aiohttp
import discord
import pytest_asyncio

from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.subscriptions.store import MISSED, SENT, SubscriptionStore
from bot.lease import Lease
from bot.services import Services
from bot.settings import Settings
from tests.e2e import test_subscriptions as subs
from tests.e2e.fake_discord import GENERAL_CHANNEL_ID, GUILD_ID, FakeDiscord
from tests.e2e.harness import running_bot
from tests.e2e.test_subscriptions import (
    Clock,
    listing,
    posts,
    scheduler,
    settle,
    subscribe,
    tick_at,
)

# The subscription tests' offline services on a clock the test moves.
e2e_services = subs.e2e_services
clock = subs.clock

MESSAGES = f"/channels/{GENERAL_CHANNEL_ID}/messages"


def claims(services: Services) -> list:
    store = SubscriptionStore(services.cache)
    [sub] = store.for_guild(GUILD_ID)
    return store.posts(sub.id)


async def test_a_post_that_landed_but_whose_reply_was_lost_is_found_not_resent(
    market_bot, e2e_services, clock
):
    await subscribe(market_bot, sections="streak")
    market_bot.fake.fail_next("POST", "/channels/*/messages", status=503, landed=True)
    [first] = await tick_at(market_bot, clock, "2024-07-02 16:30")
    assert first.status == "retry"
    assert await tick_at(market_bot, clock, "2024-07-02 16:30:59") == []  # back-off: 1 minute
    [second] = await tick_at(market_bot, clock, "2024-07-02 16:31")
    assert (second.status, second.found) == ("sent", True)

    [post] = posts(market_bot)
    [claim] = claims(e2e_services)
    assert (claim.status, claim.message_id, claim.attempts) == (SENT, int(post.message["id"]), 2)
    assert post.embeds[-1]["footer"]["text"].endswith(f" · {claim.marker}")
    assert len(market_bot.fake.requests_matching("POST", MESSAGES)) == 1  # never resent
    [look] = market_bot.fake.requests_matching("GET", MESSAGES)
    assert look.query == {"limit": "50"}


async def test_without_read_message_history_the_resend_relies_on_discords_nonce(
    market_bot, e2e_services, clock
):
    await subscribe(market_bot, sections="streak")
    await market_bot.fake.set_bot_permissions(
        GENERAL_CHANNEL_ID,
        allow=discord.Permissions(send_messages=True),
        deny=discord.Permissions(read_message_history=True),
    )
    market_bot.fake.fail_next("POST", "/channels/*/messages", status=503, landed=True)
    await tick_at(market_bot, clock, "2024-07-02 16:30")
    [outcome] = await tick_at(market_bot, clock, "2024-07-02 16:31")
    # The listing came back empty, so the bot sent again, with the same nonce and
    # enforce_nonce: Discord answered with the first message and created none.
    assert (outcome.status, outcome.found) == ("sent", False)
    first, again = market_bot.fake.requests_matching("POST", MESSAGES)
    assert first.json["nonce"] == again.json["nonce"] and again.json["enforce_nonce"] is True
    assert market_bot.fake.nonce_repeats == [again]
    [post] = posts(market_bot)
    assert claims(e2e_services)[0].message_id == int(post.message["id"]) == outcome.message_id


async def test_a_discord_outage_all_evening_shows_the_day_as_missed(
    market_bot, e2e_services, clock
):
    await subscribe(market_bot, sections="streak")
    market_bot.fake.fail_next("POST", "/channels/*/messages", status=503, times=1000)
    statuses = []
    for when in ("16:30", "16:31", "16:33", "16:37", "16:45", "17:00", "23:45"):
        statuses += [o.status for o in await tick_at(market_bot, clock, f"2024-07-02 {when}")]
    assert statuses == ["retry"] * 7
    [missed] = await tick_at(market_bot, clock, "2024-07-03 00:00")
    assert missed.status == "missed"
    [claim] = claims(e2e_services)
    assert claim.status == MISSED
    reason = (
        "not posted before the midnight ET cutoff: Discord did not take the post: "
        "DiscordServerError('503 Service Unavailable (error code: 0): 503: injected failure')"
        " (7 attempts)"
    )
    assert claim.error == reason
    assert posts(market_bot) == []
    # Looked for an earlier landing before each resend and once at the cutoff: 6 + 1.
    assert len(market_bot.fake.requests_matching("GET", MESSAGES)) == 7
    fields = await listing(market_bot)
    assert f"❗ Missed 2024-07-02: {reason}" in fields["#general"]
    # The next day posts as usual, and the missed line goes with the new post.
    market_bot.fake._failures.clear()
    [sent] = await tick_at(market_bot, clock, "2024-07-03 13:30")
    assert sent.status == "sent"
    assert "Missed" not in (await listing(market_bot))["#general"]


async def test_a_clock_that_jumps_back_posts_nothing_again(market_bot, clock):
    await subscribe(market_bot, sections="streak")
    [sent] = await tick_at(market_bot, clock, "2024-07-02 16:30")
    assert sent.status == "sent"
    for when in ("2024-07-02 16:00", "2024-07-02 16:30", "2024-07-01 20:30", "2024-07-02 18:00"):
        assert await tick_at(market_bot, clock, when) == []
    assert len(posts(market_bot)) == 1


# --- two processes, one database, one Discord ---------------------------------------------------


class LeaseClocks:
    """The leases' wall and monotonic clocks (real time elsewhere), moved by the test."""

    def __init__(self) -> None:
        self.wall = dt.datetime(2024, 7, 2, 20, 0, tzinfo=dt.UTC)
        self.mono = 0.0

    def now(self):
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.wall += dt.timedelta(seconds=seconds)
        self.mono += seconds


@pytest_asyncio.fixture
async def two_processes(tmp_path, e2e_now, e2e_provider):
    """Two Services on one database file (each its own connections, as two processes have),
    one app clock, and a factory of MarketBots holding a lease with the test's clocks."""
    from bot.app import MarketBot

    app_clock, lease_clocks = Clock(e2e_now), LeaseClocks()
    caches: list[PriceCache] = []
    sessions: list[aiohttp.ClientSession] = []

    def services() -> Services:
        settings = Settings(db_path=tmp_path / "shared.db", guild_id=GUILD_ID, offline=True)
        cache = PriceCache(settings.db_path)
        caches.append(cache)
        return Services(settings, cache, MarketData(cache, e2e_provider, now=app_clock))

    def factory(owner: str):
        svc = services()

        def build() -> MarketBot:
            session = aiohttp.ClientSession()
            sessions.append(session)
            lease = Lease(
                svc.cache, owner=owner, now=lease_clocks.now, monotonic=lease_clocks.monotonic
            )
            return MarketBot(
                services=svc,
                http_session=session,
                guild_id=GUILD_ID,
                guild_ready_timeout=0.01,
                chunk_guilds_at_startup=False,
                lease=lease,
            )

        build.services = svc
        return build

    yield app_clock, lease_clocks, factory
    for cache in caches:
        cache.close()
    for session in sessions:
        await session.close()


async def test_two_bots_post_once_and_the_survivor_takes_over_when_the_holder_dies(
    two_processes, caplog
):
    caplog.set_level(logging.INFO, logger="bot.lease")
    app_clock, lease_clocks, factory = two_processes
    build_a, build_b = factory("A"), factory("B")
    async with FakeDiscord(guild_id=GUILD_ID) as fake, running_bot(build_a, fake=fake) as a:
        await asyncio.wait_for(a.bot.background.wait(), 30)
        async with running_bot(build_b, fake=fake) as b:
            assert not await b.bot.background.check()  # A holds the lease: B waits
            store = SubscriptionStore(build_b.services.cache)
            store.subscribe(
                GUILD_ID, GENERAL_CHANNEL_ID, "close+30", ["streak"], by=1, now=app_clock()
            )

            # Tuesday: both schedulers tick at the due time, and both loops are woken too.
            app_clock.set("2024-07-02 16:30")
            assert [o.status for o in await scheduler(a).tick()] == ["sent"]
            assert await scheduler(b).tick() == []
            for h in (a, b):
                scheduler(h).wake()
            await settle(a)
            assert len(posts(a)) == 1

            # Wednesday's early close: A's post lands, its reply is lost, and A dies.
            fake.fail_next("POST", "/channels/*/messages", status=503, landed=True)
            app_clock.set("2024-07-03 13:30")
            assert [o.status for o in await scheduler(a).tick()] == ["retry"]
            await a.bot.background.stop(release=False)  # killed: its lease row stays behind
            await a.bot.close()
            lease_clocks.advance(59)
            assert not await b.bot.background.check()  # not expired yet
            lease_clocks.advance(1)
            assert await b.bot.background.check()  # 60 s after A's last renewal
            await settle(b)  # B's loop passed the gate and ticked (nothing due before 13:31)
            app_clock.set("2024-07-03 13:31")
            [found] = await scheduler(b).tick()
            assert (found.status, found.found) == ("sent", True)

            # Friday (Thursday is a holiday): B posts alone.
            app_clock.set("2024-07-05 16:30")
            assert [o.status for o in await scheduler(b).tick()] == ["sent"]

    days = [p.content.split("\n")[0] for p in fake.channel_messages[GENERAL_CHANNEL_ID]]
    assert days == [
        "**📊 Market close, Tuesday 2024-07-02**",
        "**📊 Market close, Wednesday 2024-07-03 (early close)**",
        "**📊 Market close, Friday 2024-07-05**",
    ]
    assert len(fake.requests_matching("POST", MESSAGES)) == 3  # one send per day, no resend
    [sub] = SubscriptionStore(build_b.services.cache).for_guild(GUILD_ID)
    assert [c.status for c in SubscriptionStore(build_b.services.cache).posts(sub.id)] == [SENT] * 3
    assert "took over the background jobs from A" in caplog.text
    assert b.bot.background.takeovers == 1
