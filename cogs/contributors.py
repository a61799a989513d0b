"""/contributors: which constituents made a fund's return over a window, with breadth."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from analytics.commands.common import parse_date
from analytics.commands.contributors import (
    DEFAULT_FUND,
    DEFAULT_TOP,
    DEFAULT_WINDOW,
    MAX_TOP,
    contributors_answer,
    contributors_request,
)
from analytics.holdings import FUNDS
from analytics.holdings.download import ISHARES_BASE_URL
from bot.interactions import DiscordProgress, per_user, send_answer

FUND_CHOICES = [
    app_commands.Choice(name=f"{f.symbol} ({f.index_name})", value=f.symbol) for f in FUNDS.values()
]
WINDOW_SUGGESTIONS = ("ytd", "qtd", "mtd", "5d", "20d", "1m", "3m", "6m", "1y")


async def window_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Common windows starting with what was typed (any window can still be typed in full)."""
    typed = (current or "").strip().lower()
    return [app_commands.Choice(name=w, value=w) for w in WINDOW_SUGGESTIONS if w.startswith(typed)]


class Contributors(commands.Cog):
    """`ishares_base_url` is where holdings are downloaded from (tests point it at a fake)."""

    def __init__(self, bot) -> None:
        self.bot = bot
        self.ishares_base_url = ISHARES_BASE_URL

    @app_commands.command(
        name="contributors",
        description="Which stocks made a fund's return: top contributors and detractors, breadth.",
    )
    @app_commands.describe(
        fund=f"The iShares fund (default {DEFAULT_FUND}, the Russell 2000)",
        window="e.g. ytd, 3m, 20d or 2024-01-02:2024-03-28 (default ytd)",
        top=f"How many contributors and detractors to list (default {DEFAULT_TOP})",
        as_of="End the window on this past date, YYYY-MM-DD (default: the latest session)",
    )
    @app_commands.choices(fund=FUND_CHOICES)
    @app_commands.autocomplete(window=window_autocomplete)
    @app_commands.checks.cooldown(2, 60.0, key=per_user)
    async def contributors(
        self,
        interaction: discord.Interaction,
        fund: str = DEFAULT_FUND,
        window: str = DEFAULT_WINDOW,
        top: app_commands.Range[int, 1, MAX_TOP] = DEFAULT_TOP,
        as_of: str | None = None,
    ) -> None:
        market = self.bot.services.market
        # Bad input is answered before defer, ephemerally.
        request = contributors_request(
            fund, window, top, parse_date(as_of, name="as_of"), today=market.today()
        )
        symbol = request.fund.symbol
        await interaction.response.defer(thinking=True)
        pricing = DiscordProgress(interaction, f"Pricing {symbol} constituents")
        downloading = DiscordProgress(interaction, f"Downloading {symbol} holdings")
        try:
            answer = await contributors_answer(
                market,
                self.bot.http_session,
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
    await bot.add_cog(Contributors(bot))
