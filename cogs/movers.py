"""/movers: the biggest gainers and losers of a fund's constituents or a list over a window."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from analytics.commands.movers import movers_command, movers_request
from analytics.holdings.download import ISHARES_BASE_URL
from analytics.holdings.funds import FUNDS
from analytics.movers import DEFAULT_TOP, MAX_TOP
from analytics.universes import lists_dir, named_lists, universe_spec
from bot.interactions import DiscordProgress, per_user, send_answer

DIRECTION_CHOICES = [
    app_commands.Choice(name="both", value="both"),
    app_commands.Choice(name="gainers", value="gainers"),
    app_commands.Choice(name="losers", value="losers"),
]


class Movers(commands.Cog):
    """`ishares_base_url` is where missing fund holdings are downloaded from (tests: a fake)."""

    def __init__(self, bot) -> None:
        self.bot = bot
        self.ishares_base_url = ISHARES_BASE_URL

    def _lists_folder(self):
        return lists_dir(self.bot.services.settings.db_path)

    async def universe_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        """Funds (with their index) and the named lists found beside the cache."""
        typed = current.strip().lower()
        lists = await asyncio.to_thread(named_lists, self._lists_folder())
        options = [(f"{f.symbol} ({f.index_name})", f.symbol) for f in FUNDS.values()]
        options += [(f"{name} (list)", name) for name in sorted(lists)]
        return [
            app_commands.Choice(name=label, value=value)
            for label, value in options
            if typed in label.lower()
        ][:25]

    @app_commands.command(
        name="movers",
        description="The biggest gainers and losers of a fund's constituents or a list over a window.",
    )
    @app_commands.describe(
        window="Window: 1d (default), 5d, 2w, 3m, ytd or YYYY-MM-DD:YYYY-MM-DD",
        universe="A fund's constituents (IWM, IVV, IWB, IJR...) or a named list like sp500; default IWM",
        direction="Gainers, losers or both (default both)",
        top=f"Names per side, 1-{MAX_TOP} (default {DEFAULT_TOP})",
        min_move="Only moves at least this big, in percent: 100% = doubled, -50% = fell by half or more",
        as_of="End the window on this past date, YYYY-MM-DD (default: latest)",
        tickers="Your own tickers instead of a universe, separated by spaces or commas",
    )
    @app_commands.choices(direction=DIRECTION_CHOICES)
    @app_commands.autocomplete(universe=universe_autocomplete)
    @app_commands.checks.cooldown(3, 60.0, key=per_user)
    async def movers(
        self,
        interaction: discord.Interaction,
        window: str = "1d",
        universe: str | None = None,
        direction: str = "both",
        top: app_commands.Range[int, 1, MAX_TOP] = DEFAULT_TOP,
        min_move: str | None = None,
        as_of: str | None = None,
        tickers: str | None = None,
    ) -> None:
        services = self.bot.services
        market = services.market
        # Bad input is answered before defer, ephemerally (the tree's error handler).
        request = movers_request(window, direction, top, min_move, as_of, today=market.today())
        # Reads the lists folder (small files): off the event loop, still before defer.
        spec = await asyncio.to_thread(
            universe_spec, universe, tickers, folder=self._lists_folder()
        )
        await interaction.response.defer(thinking=True)
        name = spec.fund.symbol if spec.fund else spec.universe.name
        downloading = DiscordProgress(interaction, f"Downloading {name} holdings")
        pricing = DiscordProgress(interaction, f"Fetching prices for {name}")
        try:
            answer = await movers_command(
                market,
                self.bot.http_session,
                spec,
                request,
                progress=pricing,
                on_download=lambda: downloading(0, 0),
                base_url=self.ishares_base_url,
            )
        finally:
            # Progress edits are scheduled from worker threads: let them land first.
            await downloading.drain()
            await pricing.drain()
        await send_answer(interaction, answer, progress=[downloading, pricing])


async def setup(bot) -> None:
    await bot.add_cog(Movers(bot))
