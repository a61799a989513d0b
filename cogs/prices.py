"""/price: a ticker's recent closes with a chart."""

from __future__ import annotations

import datetime as dt

import discord
from discord import app_commands
from discord.ext import commands

from analytics.commands.common import parse_date
from analytics.commands.prices import price_answer
from analytics.symbols import normalize_symbol
from bot.interactions import answer_with, per_user, ticker_autocomplete

PERIODS = {"1m": 31, "3m": 92, "6m": 183, "1y": 366, "5y": 5 * 366}


class Prices(commands.Cog):
    def __init__(self, bot) -> None:
        self.bot = bot

    @app_commands.command(name="price", description="A ticker's latest close and daily chart.")
    @app_commands.describe(
        ticker="Symbol, e.g. SPY, AAPL, BRK.B, ^GSPC, or an alias like SPX, RUT, NDX",
        period="How far back the chart goes (default 1 year)",
        as_of="Show the chart ending on this past date, YYYY-MM-DD (default: latest)",
    )
    @app_commands.choices(period=[app_commands.Choice(name=k, value=k) for k in PERIODS])
    @app_commands.autocomplete(ticker=ticker_autocomplete)
    @app_commands.checks.cooldown(5, 30.0, key=per_user)
    async def price(
        self,
        interaction: discord.Interaction,
        ticker: str,
        period: str = "1y",
        as_of: str | None = None,
    ) -> None:
        symbol = normalize_symbol(ticker)  # bad input is answered before defer, ephemerally
        end = parse_date(as_of, name="as_of")
        market = self.bot.services.market

        lookback = dt.timedelta(days=PERIODS[period])
        # No start: the period ends at the last session the data reaches (offline, old cache).
        await answer_with(
            interaction, lambda: price_answer(market, symbol, None, end, lookback=lookback)
        )


async def setup(bot) -> None:
    await bot.add_cog(Prices(bot))
