"""`MarketBot`: the discord.py Bot with the shared services passed in, cogs, sync, error handling."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import Sequence

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from analytics.errors import MarketbotError, UpstreamError
from bot.answering import DEFAULT_BUDGET
from bot.lease import Lease, LeaseKeeper
from bot.services import Services

log = logging.getLogger(__name__)


def discover_cogs() -> tuple[str, ...]:
    """Every module in the cogs package (one per feature), as extension names."""
    import pkgutil

    import cogs

    return tuple(
        f"cogs.{m.name}" for m in pkgutil.iter_modules(cogs.__path__) if not m.name.startswith("_")
    )


class MarketTree(app_commands.CommandTree):
    """The one place where errors from any slash command become replies."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        original = getattr(error, "original", error)
        if isinstance(error, app_commands.CommandOnCooldown):
            message = f"⏳ Slow down: that command is cooling down for you. Try again in {error.retry_after:.0f} s."
        elif isinstance(error, app_commands.MissingPermissions):
            needed = ", ".join(p.replace("_", " ") for p in error.missing_permissions)
            message = f"🔒 You need the {needed} permission to use this command."
        elif isinstance(error, app_commands.CheckFailure):
            message = f"🔒 {error}"
        elif isinstance(original, UpstreamError):
            message = f"📡 {original.message}"
        elif isinstance(original, sqlite3.Error):
            from analytics.data.cache_file import explain_sqlite_error

            log.warning("cache error in an interaction: %s", original)
            message = f"🗄️ {explain_sqlite_error(self.client.services.cache.path, original)}"
        elif isinstance(original, MarketbotError):
            message = f"❌ {original.message}"
        else:
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error("unexpected error in /%s", command, exc_info=original)
            message = "😵 Sorry, something went wrong on our side. It has been logged; please try again later."
        await reply_ephemeral(interaction, message)


async def reply_ephemeral(interaction: discord.Interaction, message: str) -> None:
    """An ephemeral reply, also after defer(): the public 'thinking…' message is removed first."""
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(message, ephemeral=True)
            return
        with contextlib.suppress(discord.HTTPException):
            await interaction.delete_original_response()
        await interaction.followup.send(message, ephemeral=True)
    except discord.HTTPException:
        log.warning("could not deliver an error reply for interaction %s", interaction.id)


class MarketBot(commands.Bot):
    """Services are created by the entry point and passed in; cogs reach them as `bot.services`.

    `background` keeps the background lease (bot/lease.py): the refresh and the daily posts run
    only in the process that holds it, the gate their loops wait on. `lease` defaults to the
    cache file's; tests pass one with their own clocks.
    """

    def __init__(
        self,
        *,
        services: Services,
        http_session: aiohttp.ClientSession,
        guild_id: int | None = None,
        cogs: Sequence[str] | None = None,
        lease: Lease | None = None,
        answer_budget: float = DEFAULT_BUDGET,
        **options,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True
        options.setdefault("chunk_guilds_at_startup", False)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=MarketTree,
            help_command=None,
            **options,
        )
        self.services = services
        self.http_session = http_session
        self.guild_id = guild_id
        self.cog_names = tuple(cogs) if cogs is not None else discover_cogs()
        self.failed_cogs: dict[str, str] = {}
        self.background = LeaseKeeper(lease if lease is not None else Lease(services.cache))
        self.answer_budget = answer_budget

    @property
    def market(self):
        return self.services.market

    async def setup_hook(self) -> None:
        from analytics.data.http import HttpBridge

        self.background.start()  # the jobs of the cogs wait for it
        # Answers run in worker threads; their downloads (holdings, FRED) use the bot's session.
        self.services.market.attach_http(HttpBridge(self.http_session, asyncio.get_running_loop()))
        for name in self.cog_names:
            try:
                await self.load_extension(name)
            except Exception as exc:  # one broken cog must not take the others down
                log.exception("could not load cog %s", name)
                self.failed_cogs[name] = repr(exc)
        await self.sync_commands()

    async def close(self) -> None:
        """Unload the cogs (their jobs stop), close the connection, then give up the lease so
        another process takes the jobs over at once."""
        try:
            await super().close()
        finally:
            await self.background.stop()

    async def sync_commands(self) -> list[app_commands.AppCommand]:
        """Sync to MARKETBOT_GUILD_ID at once when set (development), else globally."""
        if self.guild_id:
            guild = discord.Object(id=self.guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to guild %s", len(synced), self.guild_id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d commands globally", len(synced))
        return synced

    async def on_ready(self) -> None:
        log.info(
            "logged in as %s (%s) in %d servers",
            self.user,
            getattr(self.user, "id", "?"),
            len(self.guilds),
        )
