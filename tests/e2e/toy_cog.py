"""A cog generated from the toy specs (tests/specs/toy.py), loaded as an extension in e2e tests."""

from __future__ import annotations

from bot.discord_specs import cog_from_specs
from tests.specs import toy

Toy = cog_from_specs("Toy", toy.SPECS, groups=toy.GROUPS)


async def setup(bot) -> None:
    await bot.add_cog(Toy(bot))
