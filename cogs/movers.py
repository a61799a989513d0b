"""/movers: the biggest gainers and losers of a fund's constituents or a list over a window."""

from __future__ import annotations

from analytics.commands.movers import SPECS
from bot.discord_specs import cog_from_specs

Movers = cog_from_specs("Movers", SPECS)


async def setup(bot) -> None:
    await bot.add_cog(Movers(bot))
