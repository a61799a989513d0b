"""/records and /levels: a ticker's record highs and closes, and price levels against its close."""

from __future__ import annotations

from analytics.commands.records import SPECS
from bot.discord_specs import cog_from_specs

Levels = cog_from_specs("Levels", SPECS)


async def setup(bot) -> None:
    await bot.add_cog(Levels(bot))
