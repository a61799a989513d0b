"""A cog generated from the toy specs (tests/support/toy_specs.py), loaded as an extension in e2e tests."""

from __future__ import annotations

from bot.discord_specs import cog_from_specs
from tests.support import toy_specs as toy

Toy = cog_from_specs("Toy", toy.SPECS, groups=toy.GROUPS)


async def setup(bot) -> None:
    await bot.add_cog(Toy(bot))
