"""/contributors: which constituents made a fund's return over a window, with breadth."""

from __future__ import annotations

from analytics.commands.contributors import SPECS
from bot.discord_specs import cog_from_specs

Contributors = cog_from_specs("Contributors", SPECS)


async def setup(bot) -> None:
    await bot.add_cog(Contributors(bot))
