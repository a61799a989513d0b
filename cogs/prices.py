"""/price: a ticker's latest close and daily chart over a window."""

from __future__ import annotations

from analytics.commands.streaks import PRICE
from bot.discord_specs import cog_from_specs

Prices = cog_from_specs("Prices", (PRICE,))


async def setup(bot) -> None:
    await bot.add_cog(Prices(bot))
