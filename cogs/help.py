"""/help: the commands, the window syntax, data sources and freshness."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from analytics.windows import WINDOW_HELP

SOURCES = (
    "Prices: Yahoo Finance (daily bars, adjusted closes for returns), cached locally; "
    "today's bar is refreshed after the US close. Fund holdings: iShares. Macro: FRED."
)


class Help(commands.Cog):
    def __init__(self, bot) -> None:
        self.bot = bot

    @app_commands.command(
        name="help", description="What marketbot can answer, window syntax and data freshness."
    )
    async def help(self, interaction: discord.Interaction) -> None:
        # The cache summary reads SQLite: defer first so a large cache cannot miss Discord's 3 s.
        await interaction.response.defer(ephemeral=True, thinking=True)
        lines = []
        for command in sorted(self.bot.tree.get_commands(), key=lambda c: c.name):
            if isinstance(command, app_commands.Command):
                lines.append(f"**/{command.name}**: {command.description}")
        status = await asyncio.to_thread(self.bot.services.cache.status)
        latest = max((s.last_date for s in status), default=None)
        freshness = f"{len(status)} tickers cached" + (
            f", latest bar {latest.isoformat()}" if latest else ""
        )
        if self.bot.services.settings.offline:
            freshness += " (offline mode: answers come from the cache only)"
        embed = discord.Embed(
            title="marketbot: market answers with charts",
            description="\n".join(lines),
            colour=discord.Colour(0x5DADE2),
        )
        embed.add_field(name="Windows", value=WINDOW_HELP[:1024], inline=False)
        embed.add_field(name="Data", value=f"{SOURCES}\n{freshness}."[:1024], inline=False)
        embed.set_footer(text="Not investment advice")
        await interaction.followup.send(embed=embed, ephemeral=True)


async def setup(bot) -> None:
    await bot.add_cog(Help(bot))
