"""The nightly collection of analysts' estimate snapshots behind /revisions (no slash commands:
it owns a task, like cogs/refresh.py).

Started in `cog_load` when the price provider is Yahoo's (off in offline mode and with other
providers), cancelled and awaited in `cog_unload`; it runs only while this process holds the
background lease (`bot.background`).
"""

from __future__ import annotations

import logging

from discord.ext import commands

from bot.revisions_collector import RevisionCollector, estimates_source

log = logging.getLogger(__name__)


class RevisionCollection(commands.Cog):
    def __init__(self, bot) -> None:
        self.bot = bot
        market = bot.services.market
        source = None if market.offline else estimates_source(market.provider)
        self.collector = (
            RevisionCollector(
                market=market,
                estimates=source,
                now=market.now,
                ready=bot.wait_until_ready,
                gate=bot.background,
            )
            if source is not None
            else None
        )

    async def cog_load(self) -> None:
        if self.collector is None:
            log.info("estimate collection is off (offline, or the provider is not Yahoo's)")
            return
        self.collector.start()

    async def cog_unload(self) -> None:
        if self.collector is not None:
            await self.collector.stop()


async def setup(bot) -> None:
    await bot.add_cog(RevisionCollection(bot))
