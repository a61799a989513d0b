"""Fired alerts when Discord refuses or fails, across a restart, and in two servers: closed DMs
(50007) and a deleted channel pause the alert and /alert list says why; a send that landed
while its answer was lost is found by its marker, not sent again, by the restarted bot; two
servers see and get only their own alerts."""

from __future__ import annotations

import asyncio
import datetime as dt

import discord

from analytics import calendar
from analytics.alerts.commands import create_alert, parse_add
from analytics.alerts.records import FAILED, SENT
from analytics.alerts.store import AlertStore
from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.spec import ParseContext
from bot.services import Services
from bot.settings import Settings
from tests.e2e import test_alerts as base
from tests.e2e.fake_discord import (
    GUILD_ID,
    MARKETS_CHANNEL_ID,
    MEMBER_PERMISSIONS,
    USER_ID,
    FakeDiscord,
)
from tests.e2e.harness import MarketBotFactory, running_bot
from tests.e2e.test_alerts import ADMIN, CHANNEL_ADMIN, LEVEL, add, listing, loop, monday_evening
from tests.fakes.prices import RecordingProvider
from tests.support.alerts import eastern

clock = base.clock
e2e_services = base.e2e_services
bot = base.bot

CONTEXT = ParseContext(today=dt.date(2024, 7, 1), offline=True)
OTHER_GUILD = 1_100_000_000_000_000_500
OTHER_CHANNEL = 1_100_000_000_000_000_501
OTHER_ROLE = 1_100_000_000_000_000_510
OTHER_OWNER = 1_100_000_000_000_000_520
OTHER_ADMIN = 1_100_000_000_000_000_530


async def test_closed_dms_pause_the_alert_and_the_list_says_so(bot, e2e_services, clock):
    await add(bot, kind="level", ticker="^RUT", level=LEVEL)
    bot.fake.close_dms(USER_ID)
    [outcome] = await monday_evening(bot, e2e_services, clock)
    assert outcome.status == "refused"
    assert bot.fake.dm_messages == {}
    [alert] = AlertStore(e2e_services.cache).all()
    [fire] = AlertStore(e2e_services.cache).fires(alert.id)
    assert (alert.paused, fire.status) == (True, FAILED)
    assert (await listing(bot)).endswith(
        "⏸️ Paused: Discord refused the DM (closed DMs, code 50007): allow direct messages from "
        "this server's members, or move the alert to a channel (2024-07-01). /alert resume 1 "
        "restarts it."
    )


async def test_a_deleted_channel_pauses_its_alert(bot, e2e_services, clock):
    await add(bot, CHANNEL_ADMIN, kind="level", ticker="^RUT", level=LEVEL, to="#markets")
    await bot.fake.delete_channel(MARKETS_CHANNEL_ID)
    [outcome] = await monday_evening(bot, e2e_services, clock)
    assert (outcome.status, outcome.reason) == (
        "refused",
        "the channel no longer exists (2024-07-01)",
    )
    [alert] = AlertStore(e2e_services.cache).all()
    assert alert.paused and alert.paused_reason == "the channel no longer exists (2024-07-01)"


async def test_a_restarted_bot_finds_a_send_whose_answer_was_lost_and_sends_nothing_twice(
    e2e_services, clock
):
    build = base.alerts_bot(e2e_services)
    try:
        async with FakeDiscord(guild_id=GUILD_ID) as fake:
            async with running_bot(build, fake=fake) as first:
                await base.settle(first)
                await add(first, kind="level", ticker="^RUT", level=LEVEL)
                fake.fail_next("POST", "/channels/*/messages", status=503, landed=True)
                [outcome] = await monday_evening(first, e2e_services, clock)
                assert outcome.status == "retry"
            assert len(fake.dm_messages[USER_ID]) == 1  # it landed; the bot does not know
            async with running_bot(build, fake=fake) as second:
                await base.settle(second)  # its start-up step: Monday's run is recorded
                clock.t = eastern("2024-07-01 16:31")  # the retry is due
                [found] = await loop(second).tick()
                assert (found.status, found.found) == ("sent", True)
                clock.t = eastern("2024-07-01 20:00")
                assert await loop(second).tick() == []
            assert len(fake.dm_messages[USER_ID]) == 1
            assert len(fake.requests_matching("POST", "/channels/*/messages")) == 1
    finally:
        await build.close()
    [fire] = AlertStore(e2e_services.cache).fires()
    assert (fire.status, fire.attempts) == (SENT, 2)
    assert fire.message_id == int(fake.dm_messages[USER_ID][0].message["id"])


async def test_two_servers_see_and_get_only_their_own_alerts(e2e_services, clock):
    # Commands synced globally, so the second server has them too.
    build = base.alerts_bot(e2e_services, guild_id=None)
    other_admin = discord.Permissions(
        MEMBER_PERMISSIONS | discord.Permissions(manage_guild=True).value
    )
    fake = FakeDiscord(guild_id=GUILD_ID)
    fake.add_guild(
        OTHER_GUILD,
        name="Other Desk",
        owner_id=OTHER_OWNER,
        bot_role_id=OTHER_ROLE,
        channels={OTHER_CHANNEL: "desk"},
    )
    in_other = {"guild_id": OTHER_GUILD, "channel_id": OTHER_CHANNEL, "user_id": OTHER_ADMIN}
    try:
        async with fake, running_bot(build, fake=fake, sync="bot") as h:
            await base.settle(h)
            mine = await add(h, ADMIN, kind="level", ticker="^RUT", level=LEVEL, to="#markets")
            assert mine.content.startswith("✅ Alert #1:")
            theirs = await h.invoke_with(
                "alert add",
                {"kind": "level", "ticker": "^RUT", "level": LEVEL, "to": "#desk"},
                user_permissions=other_admin,
                **in_other,
            )
            assert theirs.content.startswith(
                f"✅ Alert #2: ^RUT closes at or above 2,642, in <#{OTHER_CHANNEL}>."
            )
            # The other server's channel cannot be named from here, nor ours from there.
            across = await add(
                h, ADMIN, kind="record", ticker="^RUT", to=f"{OTHER_GUILD}/{OTHER_CHANNEL}"
            )
            assert across.content == "❌ That channel is in another server: make the alert there."

            other_list = await h.invoke_with(
                "alert list", {}, user_permissions=other_admin, **in_other
            )
            [embed] = other_list.embeds
            assert "**#2**" in embed["description"] and "**#1**" not in embed["description"]
            assert "**#2**" not in await listing(h, ADMIN)
            removing = await h.invoke_with(
                "alert remove", {"id": 1}, user_permissions=other_admin, **in_other
            )
            assert removing.content == "❌ You have no alert #1 here; /alert list shows yours."

            outcomes = await monday_evening(h, e2e_services, clock)
            assert sorted((o.alert_id, o.status) for o in outcomes) == [(1, "sent"), (2, "sent")]
            [ours] = fake.channel_messages[MARKETS_CHANNEL_ID]
            [their] = fake.channel_messages[OTHER_CHANNEL]
            assert ours.content.startswith("**🔔 Alert #1:")
            assert their.content.startswith("**🔔 Alert #2:")
            assert (ours.message["guild_id"], their.message["guild_id"]) == (
                str(GUILD_ID),
                str(OTHER_GUILD),
            )
    finally:
        await build.close()
    alerts = AlertStore(e2e_services.cache).all()
    assert [(a.id, a.guild_id, a.channel_id) for a in alerts] == [
        (1, GUILD_ID, MARKETS_CHANNEL_ID),
        (2, OTHER_GUILD, OTHER_CHANNEL),
    ]


async def test_the_evening_evaluation_waits_for_the_price_refresh_and_follows_it(tmp_path, clock):
    """With the Refresh cog loaded (online), the alert tickers are part of the refresh, and
    the evaluation of a session runs once that refresh settles (the refresher wakes it)."""
    settings = Settings(db_path=tmp_path / "online.db", guild_id=GUILD_ID, offline=True)
    cache = PriceCache(settings.db_path)
    services = Services(settings, cache, MarketData(cache, RecordingProvider(), now=clock))
    build = MarketBotFactory(services, cogs=("cogs.alerts", "cogs.refresh"))

    try:
        async with running_bot(build) as h:
            await base.settle(h)
            reply = await add(h, kind="move", ticker="QQQ", percent=50)
            assert reply.content.startswith("✅ Alert #1: QQQ moves at least 50% over 1 session")
            refresh = h.bot.get_cog("Refresh")
            assert "QQQ" in await asyncio.to_thread(refresh.tickers)
            clock.t = eastern("2024-07-01 16:30")
            session = calendar.last_completed_session(clock())
            assert await loop(h).tick() == []
            assert not AlertStore(cache).run_done(session)  # the refresh has not finished
            loop(h).idle.clear()
            await refresh.refresher.refresh(session)  # settles, and wakes the alert loop
            await asyncio.wait_for(loop(h).idle.wait(), 10)
            assert AlertStore(cache).run_done(session)
            assert AlertStore(cache).get(1).last_on == session
    finally:
        await build.close()
        cache.close()


async def test_two_bots_on_one_database_deliver_once(tmp_path, clock):
    """Two processes on one cache file and one Discord: the one holding the background lease
    evaluates; the other's loop does nothing; the alert's DM goes out once."""
    caches: list[PriceCache] = []

    def factory() -> MarketBotFactory:
        settings = Settings(db_path=tmp_path / "shared.db", guild_id=GUILD_ID, offline=True)
        cache = PriceCache(settings.db_path)
        caches.append(cache)
        return base.alerts_bot(Services(settings, cache, MarketData(cache, None, now=clock)))

    build_a, build_b = factory(), factory()
    build_a.services.cache.store_bars("^RUT", base.rut_frame().iloc[:-1], "test")
    try:
        async with FakeDiscord(guild_id=GUILD_ID) as fake, running_bot(build_a, fake=fake) as a:
            await base.settle(a)
            # A's connection to Discord's REST side is open before B starts (B's harness counts
            # the fake's connection handlers started during B as B's).
            await a.bot.create_dm(discord.Object(id=USER_ID))
            async with running_bot(build_b, fake=fake) as b:
                assert not await b.bot.background.check()  # A holds the lease
                # (The fake sends an interaction to every bot connected: make it directly.)
                services = build_b.services
                create_alert(
                    services.market,
                    AlertStore(services.cache),
                    parse_add({"kind": "level", "ticker": "^RUT", "level": LEVEL}, CONTEXT),
                    owner_id=USER_ID,
                    created_by=USER_ID,
                    guild_id=GUILD_ID,
                    channel_id=None,
                    now=clock(),
                )
                build_b.services.cache.store_bars("^RUT", base.rut_frame().iloc[-1:], "test")
                clock.t = eastern("2024-07-01 16:30")
                first, second = await asyncio.gather(loop(a).tick(), loop(b).tick())
                assert [o.status for o in first] == ["sent"] and second == []
            assert len(fake.dm_messages[USER_ID]) == 1

    finally:
        await build_a.close()
        await build_b.close()
        for cache in caches:
            cache.close()
