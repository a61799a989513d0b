"""/alert end to end on the fake Discord: creating by DM (anyone) and in a channel (Manage
Server or Manage Channels, and the bot's permissions there), bad options refused before any
work, limits, list / pause / resume / remove, and the fired alert as the user gets it: a DM
(POST /users/@me/channels, then the message) or a channel post, with the embed and chart of
the command it stands on and the command lines that reproduce it.

The bot runs the alerts cog alone on a cache-only data facade the test fills (^RUT crossing
2,642); the loop's clock is the services' clock, which the test moves before `loop.tick()`.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import discord
import pytest
import pytest_asyncio

from analytics.alerts.kinds.commands import command_answer
from analytics.alerts.store import AlertStore
from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from bot.services import Services
from bot.settings import Settings
from tests.e2e.fake_discord import (
    GENERAL_CHANNEL_ID,
    GUILD_ID,
    MARKETS_CHANNEL_ID,
    MEMBER_PERMISSIONS,
    USER_ID,
)
from tests.e2e.harness import MarketBotFactory, running_market_bot
from tests.support.alerts import Clock, bars_frame, eastern, sessions

PNG = b"\x89PNG\r\n\x1a\n"
ADMIN = discord.Permissions(MEMBER_PERMISSIONS | discord.Permissions(manage_guild=True).value)
CHANNEL_ADMIN = discord.Permissions(
    MEMBER_PERMISSIONS | discord.Permissions(manage_channels=True).value
)
MEMBER = discord.Permissions(MEMBER_PERMISSIONS)
OTHER_USER = 1_100_000_000_000_000_004
DAYS = sessions("2024-05-01", 42)  # ... 2024-06-28 (Friday), 2024-07-01 (Monday)
BEFORE, CROSSING = DAYS[-2], DAYS[-1]
LEVEL = 2642


def rut_frame():
    """^RUT below 2,642 until the last session, above it on 2024-07-01."""
    closes = [2500.0 + i for i in range(len(DAYS) - 1)] + [2660.0]
    return bars_frame(DAYS, closes)


@pytest.fixture
def clock() -> Clock:
    # Friday's evaluation is due; Monday's is not: the loop's start-up step settles Friday.
    return Clock(eastern("2024-07-01 12:00"))


@pytest.fixture
def e2e_services(tmp_path, clock):
    """Offline (no FRED), a cache-only data facade holding ^RUT up to Friday 2024-06-28."""
    settings = Settings(db_path=tmp_path / "alerts.db", guild_id=GUILD_ID, offline=True)
    cache = PriceCache(settings.db_path)
    cache.store_bars("^RUT", rut_frame().iloc[:-1], "test")
    yield Services(settings=settings, cache=cache, market=MarketData(cache, None, now=clock))
    cache.close()


def alerts_bot(services: Services, *, guild_id: int | None = GUILD_ID) -> MarketBotFactory:
    return MarketBotFactory(services, cogs=("cogs.alerts",), guild_id=guild_id)


@pytest_asyncio.fixture
async def bot(e2e_services):
    async with running_market_bot(e2e_services, cogs=("cogs.alerts",)) as harness:
        await settle(harness)
        yield harness


def loop(h):
    return h.bot.get_cog("Alerts").loop


async def settle(h) -> None:
    """Wait until the background loop has passed the lease and finished its step."""
    await asyncio.wait_for(h.bot.background.wait(), 10)
    await asyncio.wait_for(loop(h).idle.wait(), 10)


async def add(h, permissions=MEMBER, *, user_id=USER_ID, channel_id=None, guild_id=None, **options):
    extra = {"user_id": user_id, "user_permissions": permissions}
    if channel_id is not None:
        extra["channel_id"] = channel_id
    if guild_id is not None:
        extra["guild_id"] = guild_id
    return await h.invoke_with("alert add", options, **extra)


async def monday_evening(h, services, clock) -> list:
    """Monday's bar arrives (the refresh) and the evening's evaluation runs."""
    services.cache.store_bars("^RUT", rut_frame().iloc[-1:], "test")
    clock.t = eastern("2024-07-01 16:30")
    return await loop(h).tick()


def stored(services) -> list:
    return AlertStore(services.cache).all()


# --- creating -----------------------------------------------------------------------------------


async def test_anyone_makes_an_alert_by_dm_and_gets_the_dm_when_it_fires(bot, e2e_services, clock):
    reply = await add(bot, kind="level", ticker="rut", level=LEVEL)
    assert reply.response_type == 5 and reply.ephemeral
    assert reply.content == (
        "✅ Alert #1: ^RUT closes at or above 2,642, by DM. Now (2024-06-28): ^RUT closed "
        "2,540.00 on 2024-06-28; 2,642 is 4.0% above the close. Checked after each NYSE close; "
        "it fires on "
        "the first session it becomes true."
    )
    [alert] = stored(e2e_services)
    assert (alert.owner_id, alert.guild_id, alert.channel_id) == (USER_ID, GUILD_ID, None)

    [outcome] = await monday_evening(bot, e2e_services, clock)
    assert (outcome.status, outcome.fired_on) == ("sent", CROSSING)
    [opened] = bot.fake.requests_matching("POST", "/users/@me/channels")
    assert opened.json == {"recipient_id": USER_ID}
    [dm] = bot.fake.dm_messages[USER_ID]
    assert dm.content == (
        "**🔔 Alert #1: ^RUT closes at or above 2,642 (2024-07-01)**\n"
        "Reproduce: `marketbot levels ^RUT 2642 --as-of 2024-07-01` · "
        "`/levels ticker:^RUT levels:2642 as_of:2024-07-01`"
    )
    [embed] = dm.embeds
    # The embed is the /levels answer itself, on the crossing session.
    expected = command_answer(
        "levels",
        {"ticker": "^RUT", "levels": "2642", "as_of": "2024-07-01"},
        e2e_services.market.cache_only(),
    )
    assert embed["title"] == expected.title
    assert embed["title"].startswith("^RUT at 2,660.00: nearest level 2,642 ")
    [fire] = AlertStore(e2e_services.cache).fires(alert.id)
    assert embed["footer"]["text"].endswith(f" · {fire.marker}")
    assert embed["image"]["url"] == "attachment://chart.png"
    assert dm.files["chart.png"].startswith(PNG)
    assert fire.message_id == int(dm.message["id"]) == outcome.message_id
    [post] = bot.fake.requests_matching("POST", f"/channels/{dm.message['channel_id']}/messages")
    assert post.json["nonce"] == str(fire.nonce) and post.json["enforce_nonce"] is True
    # Tuesday it is still above: nothing more.
    clock.t = eastern("2024-07-02 16:30")
    e2e_services.cache.store_bars("^RUT", bars_frame([dt.date(2024, 7, 2)], [2670.0]), "test")
    assert await loop(bot).tick() == []
    assert len(bot.fake.dm_messages[USER_ID]) == 1


async def test_a_channel_alert_needs_manage_server_or_manage_channels(bot, e2e_services, clock):
    command = bot.fake.command("alert", GUILD_ID)
    assert command["default_member_permissions"] is None  # DM alerts are for everyone
    reply = await add(bot, kind="record", ticker="^RUT", to="#markets")
    assert reply.response_type == 4 and reply.ephemeral
    assert reply.content == (
        "🔒 You need the Manage Server or Manage Channels permission to post alerts in a "
        "channel; leave `to` empty for an alert by DM."
    )
    assert stored(e2e_services) == []
    reply = await add(bot, CHANNEL_ADMIN, kind="level", ticker="^RUT", level=LEVEL, to="#markets")
    assert reply.content.startswith(
        f"✅ Alert #1: ^RUT closes at or above 2,642, in <#{MARKETS_CHANNEL_ID}>."
    )
    reply = await add(
        bot, ADMIN, kind="level", ticker="^RUT", level=2700, to=f"<#{GENERAL_CHANNEL_ID}>"
    )
    assert reply.content.startswith(
        f"✅ Alert #2: ^RUT closes at or above 2,700, in <#{GENERAL_CHANNEL_ID}>."
    )

    [outcome] = await monday_evening(bot, e2e_services, clock)
    assert outcome.status == "sent"
    [post] = bot.fake.channel_messages[MARKETS_CHANNEL_ID]
    assert post.content.startswith("**🔔 Alert #1: ^RUT closes at or above 2,642 (2024-07-01)**")
    assert post.files["chart.png"].startswith(PNG)
    assert GENERAL_CHANNEL_ID not in bot.fake.channel_messages  # 2,660 is not 2,700
    assert bot.fake.dm_messages == {}


async def test_the_bots_permissions_in_the_channel_are_checked_first(bot, e2e_services):
    await bot.fake.set_bot_permissions(
        MARKETS_CHANNEL_ID,
        allow=discord.Permissions(send_messages=True),
        deny=discord.Permissions(attach_files=True),
    )
    reply = await add(bot, ADMIN, kind="record", ticker="^RUT", to="markets")
    assert reply.content == (
        f"❌ I cannot post alerts in <#{MARKETS_CHANNEL_ID}>: I am missing Attach Files there. "
        "Give me (or my role) that permission in that channel, then run /alert add again."
    )
    reply = await add(bot, ADMIN, kind="record", ticker="^RUT", to="#nowhere")
    assert reply.content == (
        "❌ There is no text channel #nowhere in this server; pick one like to:#markets, or "
        "leave `to` empty for a DM."
    )
    assert stored(e2e_services) == []


async def test_bad_options_are_refused_before_anything_is_read(bot, e2e_services):
    cases = {
        ("streak", "what"): (
            dict(kind="streak", ticker="IWM", what="beat", sessions=3),
            "❌ Kind beat compares two tickers: give versus, e.g. ticker:IWM versus:SPY.",
        ),
        ("move", "level"): (
            dict(kind="move", ticker="IWM", percent=5, level=10),
            "❌ A move alert does not take level; it takes ticker, window, percent, direction "
            "(and to).",
        ),
        ("breadth",): (
            dict(kind="breadth", universe="IWM", percent=150),
            "❌ percent 150 is not a share of names; give one between 0 and 100, e.g. percent:70.",
        ),
        ("dm",): (
            dict(kind="record", ticker="^RUT", to=f"<@{OTHER_USER}>"),
            "❌ An alert by DM goes to you only: leave `to` empty (or to:me), or name a channel.",
        ),
    }
    for options, message in cases.values():
        reply = await add(bot, **options)
        assert (reply.response_type, reply.ephemeral, reply.content) == (4, True, message)
    reply = await add(bot, kind="level", ticker="ZZZZ", level=5)  # read after the deferral
    assert reply.content.startswith("❌ No cached prices for ZZZZ")
    assert stored(e2e_services) == []


async def test_limits_per_person_and_per_server_are_said(bot, e2e_services, clock):
    store = AlertStore(e2e_services.cache)

    def fill(n, **who):
        for _ in range(n):
            store.add(
                "record",
                {"ticker": "^RUT", "what": "record-high"},
                created_by=None,
                channel_id=None,
                now=clock(),
                baseline_on=None,
                baseline_holds=None,
                **who,
            )

    fill(25, owner_id=USER_ID, guild_id=None)
    reply = await add(bot, kind="record", ticker="^RUT")
    assert reply.content == (
        "❌ You have 25 alerts, the most one person may have (25): remove one with /alert "
        "remove first (/alert list shows them)."
    )
    fill(200, owner_id=None, guild_id=GUILD_ID)
    reply = await add(bot, kind="record", ticker="^RUT", user_id=OTHER_USER)
    assert reply.content == (
        "❌ This server has 200 alerts, the most a server may have (200): an admin can remove "
        "some with /alert remove (/alert list shows them)."
    )
    assert len(stored(e2e_services)) == 225


# --- list, pause, resume, remove ----------------------------------------------------------------


async def listing(h, permissions=MEMBER, user_id=USER_ID) -> str:
    reply = await h.invoke_with("alert list", {}, user_permissions=permissions, user_id=user_id)
    assert reply.ephemeral
    [embed] = reply.embeds
    return embed["title"] + "\n" + embed["description"]


async def test_list_pause_resume_and_remove(bot, e2e_services, clock):
    await add(bot, kind="level", ticker="^RUT", level=LEVEL)
    await add(bot, ADMIN, kind="record", ticker="^RUT", to="#markets", user_id=OTHER_USER)
    assert await listing(bot) == (
        "Your alerts\n**#1** ^RUT closes at or above 2,642 · by DM\n"
        "Checked 2024-06-28: ^RUT closed 2,540.00 on 2024-06-28; 2,642 is 4.0% above the close"
        " · not fired yet"
    )
    admin_view = await listing(bot, ADMIN)
    assert admin_view.startswith("Your alerts and this server's\n**#1**")
    assert f"**#2** ^RUT sets a new record high · in <#{MARKETS_CHANNEL_ID}>" in admin_view

    async def act(action, number, permissions=MEMBER, user_id=USER_ID):
        reply = await bot.invoke_with(
            f"alert {action}", {"id": number}, user_permissions=permissions, user_id=user_id
        )
        assert reply.ephemeral
        return reply.content

    assert await act("pause", 1) == (
        "⏸️ Alert #1 paused: ^RUT closes at or above 2,642. /alert resume 1 restarts it."
    )
    assert "⏸️ Paused: paused with /alert pause on 2024-07-01. /alert resume 1 restarts it." in (
        await listing(bot)
    )
    assert await monday_evening(bot, e2e_services, clock) == []  # paused: not checked
    assert await act("resume", 1) == (
        "▶️ Alert #1 resumed: ^RUT closes at or above 2,642, by DM. Now (2024-07-01): ^RUT "
        "closed 2,660.00 on 2024-07-01; 2,642 is 0.7% below the close. Checked after each NYSE "
        "close; it is "
        "true now, so it fires the next time it becomes true, once it has stopped holding."
    )
    # A member may not touch the server's channel alert; an admin may.
    assert await act("remove", 2) == "❌ You have no alert #2 here; /alert list shows yours."
    assert (await act("remove", 2, ADMIN)).startswith("🗑️ Alert #2 removed: ^RUT sets a new record")
    assert await act("remove", 1) == "🗑️ Alert #1 removed: ^RUT closes at or above 2,642."
    assert await act("pause", 7) == "❌ You have no alert #7 here; /alert list shows yours."
    assert stored(e2e_services) == []
    assert (await listing(bot)).endswith(
        "No alerts yet. Make one with /alert add kind:streak ticker:IWM versus:SPY sessions:10."
    )


async def test_a_breadth_alert_is_made_listed_paused_fires_and_is_removed(bot, e2e_services, clock):
    import json

    from analytics.data.paths import lists_dir

    # Ten names flat at 100 since January; on Monday eight of them close at 110: the share
    # above the 50-day average goes from 0% on Friday to 80% on Monday.
    days = sessions("2024-01-02", 200)
    days = days[: days.index(CROSSING) + 1]
    names = [f"N{k}" for k in range(10)]
    for k, name in enumerate(names):
        closes = [100.0] * (len(days) - 1) + [110.0 if k < 8 else 100.0]
        frame = bars_frame(days, closes)
        e2e_services.cache.store_bars(name, frame.iloc[:-1], "test")
    folder = lists_dir(e2e_services.settings.db_path)
    folder.mkdir()
    (folder / "small.json").write_text(json.dumps(names))

    reply = await add(bot, kind="breadth", universe="small", percent=70)
    assert reply.content == (
        "✅ Alert #1: small: the share above the 50-day average reaches 70%, by DM. Now "
        "(2024-06-28): 0.0% of small's names are above their 50-day average on 2024-06-28 "
        "(10 counted); fires at 70% or more. Checked after each NYSE close; it fires on the "
        "first session it becomes true."
    )
    assert (await listing(bot)).startswith(
        "Your alerts\n**#1** small: the share above the 50-day average reaches 70% · by DM"
    )

    async def act(action):
        reply = await bot.invoke_with(f"alert {action}", {"id": 1}, user_permissions=MEMBER)
        return reply.content

    assert (await act("pause")).startswith("⏸️ Alert #1 paused: small: the share above")
    assert (await act("resume")).startswith("▶️ Alert #1 resumed: small: the share above")

    for k, name in enumerate(names):  # Monday's bars arrive, then the evening's evaluation
        closes = [110.0 if k < 8 else 100.0]
        e2e_services.cache.store_bars(name, bars_frame([CROSSING], closes), "test")
    clock.t = eastern("2024-07-01 16:30")
    outcomes = [o for o in await loop(bot).tick() if o.alert_id == 1]
    assert [(o.status, o.fired_on) for o in outcomes] == [("sent", CROSSING)]
    [dm] = bot.fake.dm_messages[USER_ID]
    assert dm.content == (
        "**🔔 Alert #1: small: the share above the 50-day average reaches 70% (2024-07-01)**\n"
        "Reproduce: `marketbot breadth small --window 3m --as-of 2024-07-01` · "
        "`/breadth universe:small window:3m as_of:2024-07-01`"
    )
    [embed] = dm.embeds
    expected = command_answer(
        "breadth",
        {"universe": "small", "window": "3m", "as_of": "2024-07-01"},
        e2e_services.market.cache_only(),
    )
    assert embed["title"] == expected.title
    assert expected.data["above_ma"]["50"] == 0.8  # 8 of the 10 names, by construction
    assert dm.files["chart.png"].startswith(PNG)
    assert (await act("remove")).startswith("🗑️ Alert #1 removed: small: the share above")
    assert stored(e2e_services) == []
