"""Process life of the Discord bot: services opened in `async with` blocks, signals, clean exit."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import signal
import sys

import aiohttp
import discord

from bot.services import open_services
from bot.settings import Settings

log = logging.getLogger(__name__)

TOKEN_HELP = (
    "To run the bot you need a Discord bot token:\n"
    "  1. Create an application at https://discord.com/developers/applications\n"
    "  2. Bot -> Reset Token, and copy it\n"
    "  3. Put DISCORD_TOKEN=<the token> in .env (see .env.example) or the environment\n"
    "  4. Add the bot to a server with the URL from `marketbot invite`"
)

# Read Message History lets the daily post check, before a resend, whether it had landed.
BOT_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
)


def application_id_from_token(token: str) -> int | None:
    """A bot token's first segment is the base64 of the bot's user id (= the application id)."""
    head = token.split(".", 1)[0]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4), validate=False).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    return int(decoded) if decoded.isdigit() else None


def invite_url(application_id: int) -> str:
    """OAuth2 URL adding the bot with slash commands and only the permissions it needs."""
    return discord.utils.oauth_url(
        application_id, permissions=BOT_PERMISSIONS, scopes=("bot", "applications.commands")
    )


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
