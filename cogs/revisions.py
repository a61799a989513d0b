"""/revisions: analysts' EPS estimate revisions across small, mid and large caps."""

from __future__ import annotations

from analytics.commands.revisions import SPECS
from bot.discord_specs import cog_from_specs

Revisions = cog_from_specs("Revisions", SPECS)


async def setup(bot) -> None:
    await bot.add_cog(Revisions(bot))
