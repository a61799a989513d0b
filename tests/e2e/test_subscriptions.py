"""Subscriptions end to end on the fake Discord: /subscribe with and without permission, the
daily post as POST /channels/{id}/messages with embeds and PNGs, weekends, holidays and an
early close, restarts, a deleted channel, lost permissions, /unsubscribe, /digest.

The scheduler's clock is the services' clock (`market.now`): tests move it and call
`scheduler.tick()`; the background loop only sleeps meanwhile (its real sleep is capped at
15 minutes and never ends during a test).
"""

from __future__ import annotations

import asyncio
import datetime as dt

import discord
import pandas as pd
import pytest

from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.macro.store import import_fred_file
from analytics.subscriptions.store import SubscriptionStore
from bot.services import Services
from bot.settings import Settings
from tests.e2e.fake_discord import (
    GENERAL_CHANNEL_ID,
    GUILD_ID,
    MARKETS_CHANNEL_ID,
    MEMBER_PERMISSIONS,
)
from tests.e2e.harness import running_bot

PNG = b"\x89PNG\r\n\x1a\n"
ADMIN = discord.Permissions(MEMBER_PERMISSIONS | discord.Permissions(manage_guild=True).value)
CHANNEL_ADMIN = discord.Permissions(
    MEMBER_PERMISSIONS | discord.Permissions(manage_channels=True).value
)


class Clock:
    """The app's one clock: `market.now` for prices and for the scheduler."""

    def __init__(self, start: dt.datetime) -> None:
        self.t = start

    def __call__(self) -> dt.datetime:
        return self.t

    def set(self, eastern: str) -> None:
        self.t = pd.Timestamp(eastern, tz="America/New_York").tz_convert("UTC").to_pydatetime()


@pytest.fixture
def e2e_services(tmp_path, e2e_now, e2e_provider):
    """Offline settings: the digest downloads no holdings or FRED data (no network in tests);
    prices still come from the RecordingProvider, on a clock the test moves."""
    settings = Settings(db_path=tmp_path / "e2e.db", guild_id=GUILD_ID, offline=True)
    cache = PriceCache(settings.db_path)
    market = MarketData(cache, e2e_provider, now=Clock(e2e_now))
    yield Services(settings=settings, cache=cache, market=market)
    cache.close()


@pytest.fixture
def clock(e2e_services) -> Clock:
    return e2e_services.market.now


def scheduler(h):
    return h.bot.get_cog("Subscriptions").scheduler


async def settle(h) -> None:
    """Wait until the background loop has finished its tick (start-up or after a wake)."""
    await asyncio.wait_for(scheduler(h).idle.wait(), 5)


async def subscribe(h, permissions=ADMIN, **options):
    reply = await h.invoke_with("subscribe", options, user_permissions=permissions)
    await settle(h)
    return reply


async def tick_at(h, clock: Clock, eastern: str):
    clock.set(eastern)
    return await scheduler(h).tick()


def posts(h, channel: int = GENERAL_CHANNEL_ID):
    return h.fake.channel_messages.get(channel, [])


def stored(services: Services) -> list:
    return SubscriptionStore(services.cache).for_guild(GUILD_ID)


async def listing(h) -> dict[str, str]:
    reply = await h.invoke("subscriptions")
    assert reply.ephemeral
    [embed] = reply.embeds
    return {f["name"]: f["value"] for f in embed.get("fields", [])}


# --- /subscribe ---------------------------------------------------------------------------------


async def test_subscribe_needs_manage_server_or_manage_channels(market_bot, e2e_services):
    command = market_bot.fake.command("subscribe", GUILD_ID)
    assert int(command["default_member_permissions"]) == (
        discord.Permissions(manage_guild=True).value
    )
    # Hidden by default from members, and checked again when run (overrides can show it).
    reply = await market_bot.invoke("subscribe")
    assert reply.ephemeral
    assert reply.content == (
        "🔒 You need the Manage Server or Manage Channels permission to change subscriptions."
    )
    assert stored(e2e_services) == []
    reply = await subscribe(market_bot, CHANNEL_ADMIN)
    assert reply.content.startswith(f"✅ <#{GENERAL_CHANNEL_ID}> will get the daily market post")
    assert [s.channel_id for s in stored(e2e_services)] == [GENERAL_CHANNEL_ID]


async def test_subscribe_saves_and_lists_with_the_next_post(market_bot, e2e_services):
    reply = await subscribe(
        market_bot, channel=MARKETS_CHANNEL_ID, time="close+15", sections="macro, streak"
    )
    assert reply.ephemeral
    assert reply.content == (
        f"✅ <#{MARKETS_CHANNEL_ID}> will get the daily market post on NYSE trading days at "
        "16:15 ET (15 minutes after the close; 13:15 on early-close days). "
        "Sections: streak, macro. Next post: Tue 2024-07-02 16:15 ET."
    )
    [sub] = stored(e2e_services)
    assert (sub.created_by, sub.post_time, sub.sections) == (
        1_100_000_000_000_000_003,
        "close+15",
        ("streak", "macro"),
    )
    fields = await listing(market_bot)
    assert fields == {
        "#markets": (
            f"<#{MARKETS_CHANNEL_ID}> at 16:15 ET (15 minutes after the close; 13:15 on "
            "early-close days) · sections: streak, macro\nLast post: none yet\n"
            "Next post: Tue 2024-07-02 16:15 ET"
        )
    }
    again = await subscribe(market_bot, channel=MARKETS_CHANNEL_ID, time="17:30")
    assert again.content.startswith(f"✅ <#{MARKETS_CHANNEL_ID}> now gets the daily market post")
    assert "at 17:30 ET. Sections: all." in again.content
    assert [s.post_time for s in stored(e2e_services)] == ["17:30"]


async def test_subscribe_says_which_permission_the_bot_lacks(market_bot, e2e_services):
    no_files = discord.Permissions(embed_links=True, attach_files=True)
    await market_bot.fake.set_bot_permissions(
        MARKETS_CHANNEL_ID, allow=discord.Permissions(send_messages=True), deny=no_files
    )
    reply = await subscribe(market_bot, channel=MARKETS_CHANNEL_ID)
    assert reply.ephemeral
    assert reply.content == (
        f"❌ I cannot post the digest in <#{MARKETS_CHANNEL_ID}>: I am missing Embed Links, "
        "Attach Files there. Give me (or my role) those permissions in that channel, then run "
        "/subscribe again."
    )
    # The current channel is checked from the interaction's own app_permissions.
    await market_bot.fake.set_bot_permissions(
        GENERAL_CHANNEL_ID, deny=discord.Permissions(send_messages=True)
    )
    reply = await subscribe(market_bot)
    assert reply.content.startswith(
        f"❌ I cannot post the digest in <#{GENERAL_CHANNEL_ID}>: I am missing Send Messages, "
        "Embed Links, Attach Files there."
    )
    assert stored(e2e_services) == []


async def test_bad_options_are_explained_before_anything_is_saved(market_bot, e2e_services):
    reply = await subscribe(market_bot, time="15:00")
    assert reply.content.startswith(
        "❌ time 15:00 ET is before the 16:00 close; the post comes after the close. Write the "
        "time as an offset from the close, close+N minutes"
    )
    reply = await subscribe(market_bot, sections="streak, weather")
    assert reply.content.startswith("❌ Unknown section 'weather'. Sections: streak")
    assert stored(e2e_services) == []


async def test_sections_autocomplete_completes_the_last_name(market_bot):
    choices = await market_bot.autocomplete("subscribe", focused="sections", sections="streak, m")
    assert [c["value"] for c in choices] == ["streak, movers", "streak, macro"]
    choices = await market_bot.autocomplete("digest", focused="sections", sections="")
    assert [c["value"] for c in choices] == [
        "all",
        *("streak", "returns", "movers", "contributors", "macro"),
    ]


# --- the daily post -----------------------------------------------------------------------------


async def test_the_daily_post_arrives_with_embeds_and_charts(
    market_bot, e2e_services, clock, shared_data
):
    for name in ("GDPNOW.csv", "A191RL1Q225SBEA.csv"):
        import_fred_file(e2e_services.cache.db, shared_data / "fred" / name, now=clock())
    await subscribe(market_bot)  # Monday 20:00: today's 16:30 post is not owed
    assert await tick_at(market_bot, clock, "2024-07-02 16:29") == []
    [outcome] = await tick_at(market_bot, clock, "2024-07-02 16:30")
    assert outcome.status == "sent"

    [post] = posts(market_bot)
    [request] = market_bot.fake.requests_matching(
        "POST", f"/channels/{GENERAL_CHANNEL_ID}/messages"
    )
    assert request.status == 200
    assert request.json["enforce_nonce"] is True  # a resend after a crash cannot double-post
    [claim] = SubscriptionStore(e2e_services.cache).posts(stored(e2e_services)[0].id)
    assert request.json["nonce"] == str(claim.nonce)
    assert claim.message_id == int(post.message["id"]) == outcome.message_id

    lines = post.content.split("\n")
    assert lines[0].startswith("**📊 Market close, Tuesday 2024-07-02: SPY ")
    # No holdings are stored and the digest has no download session: two notices.
    assert lines[1:] == [
        "⚠️ Movers: No IWM holdings are stored and they cannot be downloaded here; skipped today.",
        "⚠️ Contributors: No IWM holdings are stored and they cannot be downloaded here; "
        "skipped today.",
    ]
    images = [e["image"]["url"] for e in post.embeds]
    assert images == [
        "attachment://streak.png",
        "attachment://returns.png",
        "attachment://macro.png",
    ]
    assert set(post.files) == {"streak.png", "returns.png", "macro.png"}
    assert all(blob.startswith(PNG) for blob in post.files.values())
    assert post.embeds[0]["title"] == "IWM and SPY tied on 2024-07-02"
    assert post.embeds[2]["title"].startswith("GDPNow ")
    assert sum(_embed_length(e) for e in post.embeds) <= 6000

    fields = await listing(market_bot)
    url = f"https://discord.com/channels/{GUILD_ID}/{GENERAL_CHANNEL_ID}/{post.message['id']}"
    assert f"Last post: 2024-07-02 ([message]({url}))" in fields["#general"]
    assert fields["#general"].endswith("Next post: Wed 2024-07-03 13:30 ET")


async def test_weekends_and_holidays_are_skipped_and_an_early_close_moves_the_post(
    market_bot, clock
):
    await subscribe(market_bot, sections="streak")
    expected = {
        "2024-07-03 13:29": ["missed"],  # the clock jumped over Tuesday's post: shown missed
        "2024-07-03 13:30": ["sent"],  # early close at 13:00, + 30 minutes
        "2024-07-03 16:30": [],  # already posted today
        "2024-07-04 16:30": [],  # Independence Day
        "2024-07-05 16:29": [],
        "2024-07-05 16:30": ["sent"],
        "2024-07-06 16:30": [],  # Saturday
        "2024-07-07 16:30": [],  # Sunday
        "2024-07-08 16:30": ["sent"],
    }
    seen = {}
    for when in expected:
        seen[when] = [o.status for o in await tick_at(market_bot, clock, when)]
    assert seen == expected
    assert [p.content for p in posts(market_bot)] == [
        "**📊 Market close, Wednesday 2024-07-03 (early close)**",
        "**📊 Market close, Friday 2024-07-05**",
        "**📊 Market close, Monday 2024-07-08**",
    ]


async def test_a_restart_does_not_post_twice_and_a_late_start_catches_up(
    bot_factory, e2e_services, clock
):
    try:
        async with running_bot(bot_factory) as h:
            await settle(h)
            await subscribe(h, sections="streak")  # Monday 20:00
        clock.set("2024-07-02 21:00")  # the bot was down at 16:30
        async with running_bot(bot_factory) as h:
            await settle(h)  # the start-up tick catches up the same evening
            [post] = posts(h)
            assert post.content.startswith("**📊 Market close, Tuesday 2024-07-02")
        clock.set("2024-07-02 22:00")
        async with running_bot(bot_factory) as h:
            await settle(h)
            assert await scheduler(h).tick() == []
            assert posts(h) == []
    finally:
        for session in bot_factory.sessions:
            await session.close()
    [sub] = stored(e2e_services)
    assert sub.last_day == dt.date(2024, 7, 2)


async def test_a_deleted_channel_fails_each_day_then_is_disabled(market_bot, e2e_services, clock):
    await subscribe(market_bot, channel=MARKETS_CHANNEL_ID, sections="streak")
    await market_bot.fake.delete_channel(MARKETS_CHANNEL_ID)
    [outcome] = await tick_at(market_bot, clock, "2024-07-02 16:30")
    assert (outcome.status, outcome.reason) == ("failed", "the channel no longer exists")
    [request] = market_bot.fake.requests_matching("POST", f"/channels/{MARKETS_CHANNEL_ID}/*")
    assert request.status == 404
    assert await tick_at(market_bot, clock, "2024-07-02 17:00") == []  # not again today
    name = f"channel {MARKETS_CHANNEL_ID} (gone)"
    assert (
        "⚠️ Failed 1 of 3 days in a row: the channel no longer exists"
        in ((await listing(market_bot))[name])
    )

    await tick_at(market_bot, clock, "2024-07-03 13:30")
    [last] = await tick_at(market_bot, clock, "2024-07-05 16:30")
    assert last.disabled
    assert await tick_at(market_bot, clock, "2024-07-08 16:30") == []
    assert len(market_bot.fake.requests_matching("POST", "/channels/*/messages")) == 3
    assert (await listing(market_bot))[name].endswith(
        "⛔ Disabled: disabled after 3 failed trading days in a row (last: 2024-07-05, the "
        "channel no longer exists). Fix the channel, then /subscribe again to restart."
    )


async def test_lost_permissions_are_recorded_and_the_next_day_retried(market_bot, clock):
    await subscribe(market_bot, sections="streak")
    # Changed without the bot hearing of it: Discord answers 403 Missing Permissions.
    await market_bot.fake.set_bot_permissions(
        GENERAL_CHANNEL_ID, deny=discord.Permissions(send_messages=True), notify=False
    )
    [outcome] = await tick_at(market_bot, clock, "2024-07-02 16:30")
    assert (outcome.status, outcome.reason) == (
        "failed",
        "not allowed to post there (Missing Permissions)",
    )
    # Changed with the bot told: it does not even try.
    await market_bot.fake.set_bot_permissions(
        GENERAL_CHANNEL_ID, deny=discord.Permissions(attach_files=True)
    )
    [outcome] = await tick_at(market_bot, clock, "2024-07-03 13:30")
    assert outcome.reason == "missing permission Attach Files in #general"
    assert len(market_bot.fake.requests_matching("POST", "/channels/*/messages")) == 1
    # Fixed: the next trading day posts, and the failure count is cleared.
    await market_bot.fake.set_bot_permissions(GENERAL_CHANNEL_ID)
    [outcome] = await tick_at(market_bot, clock, "2024-07-05 16:30")
    assert outcome.status == "sent"
    assert "Failed" not in (await listing(market_bot))["#general"]


# --- /unsubscribe, scope, /digest ---------------------------------------------------------------


async def test_unsubscribe_stops_the_post(market_bot, e2e_services, clock):
    await subscribe(market_bot, sections="streak")
    reply = await market_bot.invoke("unsubscribe")
    assert reply.content.startswith("🔒 You need the Manage Server or Manage Channels permission")
    reply = await market_bot.invoke_with("unsubscribe", {}, user_permissions=ADMIN)
    assert reply.ephemeral
    assert reply.content == f"✅ <#{GENERAL_CHANNEL_ID}> will no longer get the daily market post."
    await settle(market_bot)
    assert await tick_at(market_bot, clock, "2024-07-02 16:30") == []
    assert posts(market_bot) == []
    reply = await market_bot.invoke_with("unsubscribe", {}, user_permissions=ADMIN)
    assert reply.content == (
        f"❌ <#{GENERAL_CHANNEL_ID}> has no daily post to stop. /subscriptions lists this server's."
    )


async def test_a_server_sees_and_changes_only_its_own(market_bot, e2e_services, clock):
    other_guild = 42
    SubscriptionStore(e2e_services.cache).subscribe(
        other_guild, MARKETS_CHANNEL_ID, "close+30", ["streak"], by=1, now=clock()
    )
    fields = await listing(market_bot)
    assert fields == {}
    reply = await market_bot.invoke_with(
        "unsubscribe", {"channel": MARKETS_CHANNEL_ID}, user_permissions=ADMIN
    )
    assert reply.content.startswith(f"❌ <#{MARKETS_CHANNEL_ID}> has no daily post to stop.")
    assert [s.guild_id for s in SubscriptionStore(e2e_services.cache).active()] == [other_guild]


async def test_digest_previews_the_post_here(market_bot):
    reply = await market_bot.invoke("digest", sections="streak, returns")
    assert reply.response_type == 5
    assert not reply.ephemeral
    assert reply.content.startswith("**📊 Market close, Monday 2024-07-01: SPY ")
    assert [e["image"]["url"] for e in reply.embeds] == [
        "attachment://streak.png",
        "attachment://returns.png",
    ]
    assert set(reply.files) == {"streak.png", "returns.png"}
    assert posts(market_bot) == []  # a preview, not a post


async def test_digest_as_of_a_past_day_and_a_bad_date(market_bot):
    # The same options as `marketbot digest`: as_of is the trading day of the post.
    reply = await market_bot.invoke("digest", sections="returns", as_of="2024-06-29")
    assert reply.content.startswith("**📊 Market close, Friday 2024-06-28: SPY ")
    assert [e["image"]["url"] for e in reply.embeds] == ["attachment://returns.png"]
    reply = await market_bot.invoke("digest", as_of="June 28")
    assert reply.ephemeral
    assert reply.content == (
        "❌ as_of 'June 28' is not a date; write it as YYYY-MM-DD, e.g. 2024-06-28."
    )


def _embed_length(embed: dict) -> int:
    """Discord's count: title, description, field names and values, footer, author name."""
    total = len(embed.get("title", "")) + len(embed.get("description", ""))
    total += sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))
    total += len(embed.get("footer", {}).get("text", ""))
    return total + len(embed.get("author", {}).get("name", ""))
