"""The e2e harness and FakeDiscord, driven by a tiny bot declared here (not the real one)."""

from __future__ import annotations

import asyncio
import io
import logging
import struct
import threading
import time
import zlib

import aiohttp
import discord
import discord.gateway
import discord.http
import pytest
from discord import app_commands
from discord.ext import commands
from PIL import Image

from tests.e2e import harness as e2e
from tests.e2e.fake_discord import (
    GENERAL_CHANNEL_ID,
    GUILD_ID,
    MARKETS_CHANNEL_ID,
    FakeDiscord,
)
from tests.e2e.fake_discord.wire import TIMEOUT_ENV, wait_ceiling
from tests.e2e.harness import running_bot

bot_harness = e2e.bot_harness
bot_harness_options = e2e.bot_harness_options

SYMBOLS = ("IWM", "SPY", "IJR", "QQQ")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png(width: int, height: int) -> bytes:
    """A solid-colour RGB PNG built by hand, so the test knows exactly what it holds."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data)
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + b"\x10\x80\xf0" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        PNG_SIGNATURE
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


CHART_PNG = _png(6, 4)


class TinyBot(commands.Bot):
    """Five slash commands covering the reply shapes the real cogs use."""

    def __init__(self, *, self_sync: bool = True) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            help_command=None,
            guild_ready_timeout=0.01,
            chunk_guilds_at_startup=False,
        )
        self.self_sync = self_sync

    async def setup_hook(self) -> None:
        _add_commands(self.tree)
        self.tree.error(_on_tree_error)
        if self.self_sync:
            guild = discord.Object(GUILD_ID)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)


def _add_commands(tree: app_commands.CommandTree) -> None:
    @tree.command(name="echo", description="Repeat some text.")
    @app_commands.describe(text="What to repeat", times="How many times")
    async def echo(
        interaction: discord.Interaction, text: str, times: app_commands.Range[int, 1, 5] = 1
    ) -> None:
        await interaction.response.send_message(" ".join([text] * times))

    @tree.command(name="chart", description="Draw a chart.")
    @app_commands.describe(symbol="Ticker to chart")
    async def chart(interaction: discord.Interaction, symbol: str) -> None:
        await interaction.response.defer()
        embed = discord.Embed(title=f"{symbol} chart").set_image(url="attachment://chart.png")
        file = discord.File(io.BytesIO(CHART_PNG), "chart.png")
        await interaction.followup.send(embed=embed, file=file)

    async def symbol_choices(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [
            app_commands.Choice(name=s, value=s) for s in SYMBOLS if s.startswith(current.upper())
        ]

    @tree.command(name="quote", description="Quote a symbol.")
    @app_commands.describe(symbol="Ticker")
    @app_commands.autocomplete(symbol=symbol_choices)
    async def quote(interaction: discord.Interaction, symbol: str) -> None:
        await interaction.response.send_message(f"quote {symbol}")

    @tree.command(name="boom", description="Always fails.")
    async def boom(interaction: discord.Interaction) -> None:
        raise ValueError("the data source is down")

    @tree.command(name="slow", description="Once a minute.")
    @app_commands.checks.cooldown(1, 60.0)
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("done")


async def _on_tree_error(
    interaction: discord.Interaction, error: app_commands.AppCommandError
) -> None:
    if isinstance(error, app_commands.CommandOnCooldown):
        message = "Slow down: try again in a minute."
    elif isinstance(error, app_commands.CommandInvokeError):
        message = f"Could not answer: {error.original}"
    else:
        message = "Something went wrong."
    if interaction.response.is_done():
        await interaction.followup.send(message, ephemeral=True)
    else:
        await interaction.response.send_message(message, ephemeral=True)


@pytest.fixture
def bot_factory() -> e2e.BotFactory:
    return TinyBot


async def test_sync_publishes_what_the_bot_declared(bot_harness: e2e.BotHarness) -> None:
    synced = bot_harness.fake.synced_commands
    assert list(synced) == [GUILD_ID]  # copied to the guild, nothing global
    by_name = {c["name"]: c for c in synced[GUILD_ID]}
    assert sorted(by_name) == ["boom", "chart", "echo", "quote", "slow"]
    assert by_name["echo"]["description"] == "Repeat some text."
    options = [
        {k: o.get(k) for k in ("name", "type", "required", "description", "min_value", "max_value")}
        for o in by_name["echo"]["options"]
    ]
    assert options == [
        {"name": "text", "type": 3, "required": True, "description": "What to repeat"}
        | {"min_value": None, "max_value": None},
        {"name": "times", "type": 4, "required": False, "description": "How many times"}
        | {"min_value": 1, "max_value": 5},
    ]
    assert by_name["quote"]["options"][0]["autocomplete"] is True


async def test_immediate_reply(bot_harness: e2e.BotHarness) -> None:
    reply = await bot_harness.invoke("echo", text="up", times=3)
    assert reply.response_type == 4
    assert reply.content == "up up up"
    assert reply.ephemeral is False
    assert [m.kind for m in reply.messages] == ["callback"]


async def test_deferred_reply_carries_embed_and_png(bot_harness: e2e.BotHarness) -> None:
    reply = await bot_harness.invoke("chart", symbol="IWM")
    assert reply.response_type == 5
    assert [m.kind for m in reply.messages] == ["callback", "followup"]
    assert reply.embeds[0]["title"] == "IWM chart"
    assert reply.embeds[0]["image"]["url"] == "attachment://chart.png"
    png = reply.files["chart.png"]
    assert png[:8] == PNG_SIGNATURE
    with Image.open(io.BytesIO(png)) as image:
        image.load()  # decodes every chunk: fails on a truncated or corrupt body
        assert image.size == (6, 4)
        assert image.getpixel((5, 3)) == (0x10, 0x80, 0xF0)
    # The fake stored the message as Discord would: the embed points at the uploaded file.
    message = reply.messages[-1].message
    assert message["attachments"][0]["size"] == len(CHART_PNG)
    assert message["embeds"][0]["image"]["url"] == message["attachments"][0]["url"]


async def test_autocomplete_offers_matching_symbols(bot_harness: e2e.BotHarness) -> None:
    choices = await bot_harness.autocomplete("quote", symbol="i")
    assert choices == [{"name": "IWM", "value": "IWM"}, {"name": "IJR", "value": "IJR"}]


async def test_command_error_is_answered_ephemerally(bot_harness: e2e.BotHarness) -> None:
    handle = await bot_harness.fake.send_interaction("boom")
    response = await handle.response()
    assert response.type == 4
    assert response.data["flags"] == 64
    reply = await bot_harness.final_reply(handle)
    assert reply.ephemeral is True
    assert reply.content == "Could not answer: the data source is down"


async def test_cooldown_answers_the_second_call(bot_harness: e2e.BotHarness) -> None:
    first = await bot_harness.invoke("slow")
    second = await bot_harness.invoke("slow")
    assert (first.content, first.ephemeral) == ("done", False)
    assert (second.content, second.ephemeral) == ("Slow down: try again in a minute.", True)


async def test_rate_limited_followup_is_retried(bot_harness: e2e.BotHarness) -> None:
    fake = bot_harness.fake
    fake.fail_next("POST", "/webhooks/*", status=429, retry_after=0.01)
    reply = await bot_harness.invoke("chart", symbol="SPY")
    assert reply.files["chart.png"] == CHART_PNG
    assert [r.status for r in fake.requests_matching("POST", "/webhooks/*")] == [429, 200]


async def test_invoke_rejects_options_discord_would_not_send(bot_harness: e2e.BotHarness) -> None:
    with pytest.raises(ValueError, match=r"outside \[1, 5\]"):
        await bot_harness.invoke("echo", text="x", times=9)
    with pytest.raises(ValueError, match="requires"):
        await bot_harness.invoke("echo")


async def test_deleted_channel_is_unknown(bot_harness: e2e.BotHarness) -> None:
    await bot_harness.fake.delete_channel(MARKETS_CHANNEL_ID)
    with pytest.raises(discord.NotFound) as caught:
        await bot_harness.bot.fetch_channel(MARKETS_CHANNEL_ID)
    assert caught.value.code == 10003


async def test_bot_permissions_gate_channel_posts(bot_harness: e2e.BotHarness) -> None:
    bot, fake = bot_harness.bot, bot_harness.fake
    await fake.set_bot_permissions(GENERAL_CHANNEL_ID, deny=discord.Permissions(send_messages=True))
    general = await bot.fetch_channel(GENERAL_CHANNEL_ID)
    with pytest.raises(discord.Forbidden) as caught:
        await general.send("morning note")
    assert caught.value.code == 50013
    # #markets denies @everyone Send Messages but allows the bot through a member overwrite.
    markets = await bot.fetch_channel(MARKETS_CHANNEL_ID)
    await markets.send("close", file=discord.File(io.BytesIO(CHART_PNG), "close.png"))
    [posted] = fake.channel_messages[MARKETS_CHANNEL_ID]
    assert (posted.content, posted.files) == ("close", {"close.png": CHART_PNG})
    # discord.py resolves the overwrites the fake served to what the fake enforces and
    # announces as app_permissions.
    me = general.guild.me
    for channel, can_send in ((general, False), (markets, True)):
        resolved = channel.permissions_for(me)
        assert resolved.send_messages is can_send
        assert resolved.value == fake.bot_permissions(channel.id)
        handle = await fake.send_interaction("echo", {"text": "x"}, channel_id=channel.id)
        assert int(handle.payload["app_permissions"]) == resolved.value
        await handle.response()


class GroupBot(TinyBot):
    """TinyBot plus a command group whose sub-command takes a channel and edits @original."""

    async def setup_hook(self) -> None:
        alerts = app_commands.Group(name="alerts", description="Daily posts.")

        @alerts.command(name="add", description="Post daily in a channel.")
        async def add(
            interaction: discord.Interaction,
            channel: discord.TextChannel,
            hour: app_commands.Range[int, 0, 23] = 8,
        ) -> None:
            await interaction.response.defer(ephemeral=True)
            assert interaction.guild is not None
            can_post = channel.permissions_for(interaction.guild.me).send_messages
            await interaction.edit_original_response(
                content=f"#{channel.name} at {hour}h: {can_post}"
            )

        self.tree.add_command(alerts)
        await super().setup_hook()


async def test_subcommand_with_channel_option_and_edited_original() -> None:
    async with running_bot(GroupBot) as h:
        reply = await h.invoke("alerts add", channel=MARKETS_CHANNEL_ID, hour=9)
        sent = reply.messages[0].payload
    assert sent == {"type": 5, "data": {"flags": 64}}
    assert [m.kind for m in reply.messages] == ["callback", "edit"]
    assert (reply.content, reply.ephemeral) == ("#markets at 9h: True", True)


def _bot_left_unsynced() -> TinyBot:
    return TinyBot(self_sync=False)


# Parametrizing overrides the fixtures of these names: how a test picks harness options.
@pytest.mark.parametrize(
    ("bot_factory", "bot_harness_options"), [(_bot_left_unsynced, {"sync": "global"})]
)
async def test_harness_can_sync_globally(bot_harness: e2e.BotHarness) -> None:
    fake = bot_harness.fake
    assert list(fake.synced_commands) == [None]
    handle = await fake.send_interaction("echo", {"text": "global"})
    assert "guild_id" not in handle.payload["data"]
    reply = await bot_harness.final_reply(handle)
    assert reply.content == "global"


async def test_clean_shutdown(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    fake = FakeDiscord()
    async with running_bot(TinyBot, fake=fake) as h:
        pointed_at = discord.http.Route.BASE
        assert pointed_at == f"http://127.0.0.1:{fake.port}/api/v10"
        await h.invoke("echo", text="a")
        await h.invoke("chart", symbol="QQQ")
        await h.invoke("boom")
        session = h.bot.http._HTTPClient__session
    assert h.bot.is_closed()
    assert session.closed
    restored = (discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)
    assert restored == (base, gateway)
    keep_alive = [
        t for t in threading.enumerate() if isinstance(t, discord.gateway.KeepAliveHandler)
    ]
    assert keep_alive == []
    assert fake.unexpected == []
    assert [r.getMessage() for r in caplog.get_records("call") if r.levelno >= logging.ERROR] == []
    # The log really was captured: discord.py announced the gateway session at INFO.
    assert any("connected to Gateway" in r.getMessage() for r in caplog.get_records("call"))


async def test_harness_fails_on_requests_no_route_serves() -> None:
    with pytest.raises(AssertionError, match=r"no fake route serves: \[\('GET', '/guilds/"):
        async with running_bot(TinyBot) as h:
            route = discord.http.Route("GET", "/guilds/{guild_id}/members", guild_id=GUILD_ID)
            with pytest.raises(discord.NotFound):
                await h.bot.http.request(route)


async def test_harness_fails_on_error_logs() -> None:
    with pytest.raises(
        AssertionError, match="ERROR logs during the run:\ncogs.quotes ERROR feed down"
    ):
        async with running_bot(TinyBot):
            logging.getLogger("cogs.quotes").error("feed down")


async def test_harness_fails_on_leaked_tasks() -> None:
    leaked: list[asyncio.Task[None]] = []
    try:
        with pytest.raises(AssertionError, match="tasks left running: \\['forgotten-poller"):
            async with running_bot(TinyBot):
                leaked.append(asyncio.create_task(asyncio.sleep(60), name="forgotten-poller"))
    finally:
        for task in leaked:
            task.cancel()


async def test_harness_reports_a_dead_bot_without_waiting_out_the_timeout() -> None:
    with pytest.raises(AssertionError, match="bot.start\\(\\) ended") as caught:
        async with running_bot(TinyBot, timeout=60.0) as h:
            # No token, version... : discord.py's gateway parser raises and start() ends.
            broken = {"id": "1", "type": 2, "data": {"name": "echo"}}
            await h.fake.dispatch("INTERACTION_CREATE", broken)
            await h.invoke("echo", text="x")
    assert isinstance(caught.value.__cause__, KeyError)


async def test_harness_refuses_a_slow_starting_bot() -> None:
    def default_bot() -> commands.Bot:
        return commands.Bot(command_prefix="!", intents=discord.Intents.default())

    with pytest.raises(ValueError, match="guild_ready_timeout"):
        async with running_bot(default_bot):
            pass


class LateBot(TinyBot):
    """TinyBot plus /late: defers, then answers after LATE_DELAY seconds (a slow first chart)."""

    async def setup_hook(self) -> None:
        @self.tree.command(name="late", description="Answer after a while.")
        async def late(interaction: discord.Interaction) -> None:
            await interaction.response.defer()
            await asyncio.sleep(LATE_DELAY)
            await interaction.followup.send("finally")

        await super().setup_hook()


LATE_DELAY = 0.6


async def test_wait_ceiling_defaults_to_30_s_and_reads_the_environment(monkeypatch) -> None:
    monkeypatch.delenv(TIMEOUT_ENV, raising=False)
    assert wait_ceiling() == 30.0
    monkeypatch.setenv(TIMEOUT_ENV, "90")
    assert wait_ceiling() == 90.0
    for bad in ("soon", "0", "-3"):
        monkeypatch.setenv(TIMEOUT_ENV, bad)
        with pytest.raises(ValueError, match=TIMEOUT_ENV):
            wait_ceiling()


async def test_a_reply_slower_than_the_old_5_s_ceiling_scale_still_passes(monkeypatch) -> None:
    """The ceiling governs every wait: a ceiling below the answer's time fails with the
    harness's message; the default one lets the same slow answer through, and waiting ends
    when the answer arrives, not at the ceiling."""
    monkeypatch.setenv(TIMEOUT_ENV, str(LATE_DELAY / 3))
    async with running_bot(LateBot) as h:
        assert h.timeout == LATE_DELAY / 3
        with pytest.raises(AssertionError, match=f"no final answer for /late within {h.timeout}s"):
            await h.invoke("late")
        await asyncio.sleep(LATE_DELAY)  # let the late follow-up land before shutting down
    monkeypatch.delenv(TIMEOUT_ENV)
    async with running_bot(LateBot) as h:
        assert h.timeout == 30.0
        started = time.monotonic()
        reply = await h.invoke("late")
        elapsed = time.monotonic() - started
    assert reply.content == "finally"
    assert LATE_DELAY <= elapsed < 10.0  # ended on the event, far from the 30 s ceiling


# --- the fake's channel messages: nonces and listing ------------------------------------------


async def _rest(fake: FakeDiscord, method: str, path: str, body=None, token=None):
    headers = {"Authorization": f"Bot {token or fake.token}"}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, fake.api_base + path, json=body, headers=headers) as response,
    ):
        return response.status, await response.json()


async def test_a_repeated_nonce_with_enforce_nonce_returns_the_first_message() -> None:
    path = f"/channels/{GENERAL_CHANNEL_ID}/messages"
    async with FakeDiscord() as fake:
        now = [100.0]
        fake.clock = lambda: now[0]
        first = await _rest(
            fake, "POST", path, {"content": "a", "nonce": "77", "enforce_nonce": True}
        )
        again = await _rest(
            fake, "POST", path, {"content": "b", "nonce": "77", "enforce_nonce": True}
        )
        loose = await _rest(fake, "POST", path, {"content": "c", "nonce": "77"})
        now[0] += fake.nonce_window  # the window has passed: a new message
        late = await _rest(
            fake, "POST", path, {"content": "d", "nonce": "77", "enforce_nonce": True}
        )
    assert first[0] == again[0] == 200
    assert again[1]["id"] == first[1]["id"] and again[1]["content"] == "a"
    assert first[1]["nonce"] == "77"
    assert len(fake.nonce_repeats) == 1
    assert [s.content for s in fake.channel_messages[GENERAL_CHANNEL_ID]] == ["a", "c", "d"]
    assert len({first[1]["id"], loose[1]["id"], late[1]["id"]}) == 3


async def test_listing_channel_messages_as_discord_does() -> None:
    path = f"/channels/{GENERAL_CHANNEL_ID}/messages"
    async with FakeDiscord() as fake:
        for n in range(3):
            await _rest(fake, "POST", path, {"content": f"m{n}", "nonce": str(n)})
        status, listed = await _rest(fake, "GET", path + "?limit=2")
        _, before = await _rest(fake, "GET", f"{path}?before={listed[-1]['id']}")
        unauthorized = await _rest(fake, "GET", path, token="wrong")
        too_many = await _rest(fake, "GET", path + "?limit=101")
        unknown = await _rest(fake, "GET", "/channels/999/messages")
        await fake.set_bot_permissions(
            GENERAL_CHANNEL_ID, deny=discord.Permissions(read_message_history=True), notify=False
        )
        no_history = await _rest(fake, "GET", path)
        await fake.set_bot_permissions(
            GENERAL_CHANNEL_ID, deny=discord.Permissions(view_channel=True), notify=False
        )
        no_view = await _rest(fake, "GET", path)
    assert status == 200
    assert [m["content"] for m in listed] == ["m2", "m1"]  # newest first
    assert [m["content"] for m in before] == ["m0"]
    assert all("nonce" not in m for m in listed)  # Discord lists no nonces
    assert unauthorized[0] == 401
    assert (too_many[0], too_many[1]["code"]) == (400, 50035)
    assert (unknown[0], unknown[1]["code"]) == (404, 10003)
    assert no_history == (200, [])
    assert (no_view[0], no_view[1]["code"]) == (403, 50001)


async def test_a_landed_failure_creates_the_message_and_loses_the_answer() -> None:
    path = f"/channels/{GENERAL_CHANNEL_ID}/messages"
    async with FakeDiscord() as fake:
        fake.fail_next("POST", "/channels/*/messages", status=503, landed=True)
        lost = await _rest(fake, "POST", path, {"content": "went through"})
        fake.fail_next("POST", "/channels/*/messages", status=503)
        refused = await _rest(fake, "POST", path, {"content": "did not"})
    assert lost[0] == refused[0] == 503
    assert [s.content for s in fake.channel_messages[GENERAL_CHANNEL_ID]] == ["went through"]


async def test_discord_py_reads_the_listing(bot_harness: e2e.BotHarness) -> None:
    channel = bot_harness.bot.get_channel(MARKETS_CHANNEL_ID)
    sent = await channel.send("hello", nonce=5, embed=discord.Embed(title="t").set_footer(text="f"))
    history = [m async for m in channel.history(limit=50)]
    assert [(m.id, m.content, m.embeds[0].footer.text) for m in history] == [
        (sent.id, "hello", "f")
    ]
    assert history[0].author.id == bot_harness.bot.user.id
