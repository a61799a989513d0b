"""/streak and /compare: runs of beating, rising, falling or records; returns over a window."""

from __future__ import annotations

from analytics.commands.streaks import COMPARE, STREAK
from bot.discord_specs import cog_from_specs

Streaks = cog_from_specs("Streaks", (STREAK, COMPARE))


async def setup(bot) -> None:
    await bot.add_cog(Streaks(bot))
