"""/macro: a FRED series' latest reading, its changes, and when it was last this high or low;
GDPNow's daily track and what drives GDP. Generated from the spec (analytics/commands/macro)."""

from __future__ import annotations

from analytics.commands.macro import SPECS
from bot.discord_specs import cog_from_specs

Macro = cog_from_specs("Macro", SPECS)


async def setup(bot) -> None:
    await bot.add_cog(Macro(bot))
