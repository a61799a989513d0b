"""Process life of the Discord bot: services opened in `async with` blocks, signals, clean exit."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys

import aiohttp
import discord

from bot.invite import TOKEN_HELP
from bot.services import open_services
from bot.settings import Settings

log = logging.getLogger(__name__)


async def run_bot(settings: Settings) -> int:
    """Start the bot and run until closed; returns the process exit code."""
    from bot.app import MarketBot

    if not settings.discord_token:
        print("marketbot: DISCORD_TOKEN is not set.\n" + TOKEN_HELP, file=sys.stderr)
        return 2
    async with aiohttp.ClientSession() as http_session:
        with open_services(settings) as services:
            bot = MarketBot(
                services=services, http_session=http_session, guild_id=settings.guild_id
            )
            loop = asyncio.get_running_loop()
            handled = []
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.add_signal_handler(sig, lambda: asyncio.ensure_future(bot.close()))
                    handled.append(sig)
            try:
                async with bot:
                    await bot.start(settings.discord_token)
            except discord.LoginFailure:
                print("marketbot: Discord rejected the token.\n" + TOKEN_HELP, file=sys.stderr)
                return 2
            finally:
                for sig in handled:
                    loop.remove_signal_handler(sig)
    log.info("marketbot stopped")
    return 0
