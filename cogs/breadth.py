"""/breadth: how broad a move was across a fund's constituents or a list, or two side by side."""

from __future__ import annotations

from analytics.commands.breadth import SPECS
from bot.discord_specs import cog_from_specs

Breadth = cog_from_specs("Breadth", SPECS)


async def setup(bot) -> None:
    await bot.add_cog(Breadth(bot))
