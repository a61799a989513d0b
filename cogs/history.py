"""/history streak|move|macro|breadth: what happened next after the bot's own signals."""

from __future__ import annotations

from analytics.commands import GROUPS
from analytics.commands.history import SPECS
from bot.discord_specs import cog_from_specs

History = cog_from_specs("History", SPECS, groups=dict(GROUPS))


async def setup(bot) -> None:
    await bot.add_cog(History(bot))
