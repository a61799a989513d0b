"""`marketbot run` itself (the entry point, not a test-built bot) against the fake Discord."""

from __future__ import annotations

import asyncio
import os
import signal

import discord
import yarl

from bot.runner import run_bot
from bot.settings import Settings
from tests.e2e.fake_discord import GUILD_ID, FakeDiscord

CSV = "Date,Open,High,Low,Close,Adj Close,Volume\n" + "\n".join(
    f"2024-06-{d:02d},{100 + d},{101 + d},{99 + d},{100.5 + d},{100.5 + d},1000"
    for d in (24, 25, 26, 27, 28)
)


async def wait_for(predicate, timeout=5.0):
    for _ in range(int(timeout / 0.02)):
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


async def test_marketbot_run_answers_help_and_price_then_stops_on_sigterm(tmp_path, capsys):
    from bot.cli import main

    (tmp_path / "ABC.csv").write_text(CSV)
    assert (
        main(["--db", str(tmp_path / "run.db"), "import", "prices", str(tmp_path / "ABC.csv")]) == 0
    )
    capsys.readouterr()
    settings = Settings(
        discord_token=FakeDiscord().token,
        db_path=tmp_path / "run.db",
        offline=True,
        guild_id=GUILD_ID,
    )
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    async with FakeDiscord(guild_id=GUILD_ID) as fake:
        discord.http.Route.BASE = fake.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
        try:
            task = asyncio.create_task(run_bot(settings))
            await wait_for(lambda: GUILD_ID in fake.synced_commands)
            # Commands sync before the gateway connects: wait for IDENTIFY, after which the fake
            # has sent READY on the same socket, ahead of any interaction.
            await wait_for(lambda: any(p.get("op") == 2 for p in fake.gateway_received))
            help_reply = await (await fake.send_interaction("help")).followup(timeout=5)
            assert "**/price**" in help_reply.embeds[0]["description"]
            handle = await fake.send_interaction("price", {"ticker": "abc", "as_of": "2024-06-28"})
            answer = await handle.followup(timeout=5)
            assert answer.embeds[0]["title"] == "ABC: 128.50"
            os.kill(os.getpid(), signal.SIGTERM)
            assert await asyncio.wait_for(task, 5) == 0
        finally:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


async def test_a_rejected_token_explains_what_to_do(tmp_path, capsys):
    settings = Settings(
        discord_token="wrong.token.value", db_path=tmp_path / "run.db", offline=True
    )
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    async with FakeDiscord() as fake:
        discord.http.Route.BASE = fake.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
        try:
            assert await run_bot(settings) == 2
        finally:
            discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved
    err = capsys.readouterr().err
    assert "Discord rejected the token" in err
    assert "wrong.token.value" not in err
