"""/streak and /compare: runs of beating, rising, falling or records; returns over a window."""

from __future__ import annotations

import asyncio
import re

import discord
from discord import app_commands
from discord.ext import commands

from analytics.commands.common import check_as_of, parse_date
from analytics.commands.compare import (
    DEFAULT_TICKERS,
    DEFAULT_WINDOW,
    compare_answer,
    compare_inputs,
)
from analytics.commands.streak import DEFAULT_A, DEFAULT_B, streak_answer, streak_tickers
from analytics.symbols import normalize_symbol
from bot.interactions import POPULAR_TICKERS, answer_with, per_user, ticker_autocomplete

KIND_CHOICES = [
    app_commands.Choice(name="beat: A's daily return above B's", value="beat"),
    app_commands.Choice(name="up: A closed higher than the day before", value="up"),
    app_commands.Choice(name="down: A closed lower than the day before", value="down"),
    app_commands.Choice(name="record-high: A set a new all-time high", value="record-high"),
    app_commands.Choice(
        name="record-close: A set a new all-time closing high", value="record-close"
    ),
]
WINDOW_SUGGESTIONS = ("5d", "20d", "1m", "3m", "6m", "mtd", "qtd", "ytd", "1y", "3y", "5y", "10y")
_LAST_TOKEN = re.compile(r"[^\s,]*$")


async def tickers_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Complete the last symbol of a list: 'IWM SPY q' -> 'IWM SPY QQQ', ..."""
    token = _LAST_TOKEN.search(current or "").group(0)
    head = (current or "")[: len(current or "") - len(token)]
    bot = interaction.client
    prefix = token.strip().upper()
    cached = await asyncio.to_thread(bot.services.cache.known_tickers, prefix, 25)
    names = list(dict.fromkeys([*cached, *(t for t in POPULAR_TICKERS if t.startswith(prefix))]))
    choices = [f"{head}{name}" for name in names if len(head) + len(name) <= 100]
    return [app_commands.Choice(name=c, value=c) for c in choices[:25]]


async def window_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Common windows starting with what was typed (any window can still be typed in full)."""
    typed = (current or "").strip().lower()
    names = [w for w in WINDOW_SUGGESTIONS if w.startswith(typed)]
    return [app_commands.Choice(name=w, value=w) for w in names]


class Streaks(commands.Cog):
    def __init__(self, bot) -> None:
        self.bot = bot

    @app_commands.command(
        name="streak",
        description="How many sessions in a row A has beaten B (or risen, fallen, set records), since when.",
    )
    @app_commands.describe(
        a=f"Ticker, e.g. IWM, SPY, ^RUT (default {DEFAULT_A})",
        b=f"Ticker A is measured against, for kind beat (default {DEFAULT_B}, or {DEFAULT_A} when A is {DEFAULT_B})",
        kind="What the run counts (default beat)",
        as_of="The streak as of this past date, YYYY-MM-DD (default: latest)",
    )
    @app_commands.choices(kind=KIND_CHOICES)
    @app_commands.autocomplete(a=ticker_autocomplete, b=ticker_autocomplete)
    @app_commands.checks.cooldown(5, 30.0, key=per_user)
    async def streak(
        self,
        interaction: discord.Interaction,
        a: str = DEFAULT_A,
        b: str | None = None,
        kind: str = "beat",
        as_of: str | None = None,
    ) -> None:
        market = self.bot.services.market
        if b is None:  # an omitted B must not collide with A: "/streak a:SPY" means SPY vs IWM
            b = DEFAULT_A if normalize_symbol(a) == DEFAULT_B else DEFAULT_B
        # Bad input is answered before defer, ephemerally, without touching the data.
        kind, tickers = streak_tickers(a, b, kind)
        end = parse_date(as_of, name="as_of")
        check_as_of(end, market.today())
        second = tickers[1] if len(tickers) > 1 else None
        await answer_with(
            interaction,
            lambda progress: streak_answer(
                market, tickers[0], second, kind, end, progress=progress
            ),
            progress_label="Fetching price history",
        )

    @app_commands.command(
        name="compare", description="Total returns of 2-10 tickers over a window, best first."
    )
    @app_commands.describe(
        tickers=f"2-10 symbols separated by spaces or commas (default {DEFAULT_TICKERS})",
        window="5d, 3m, 1y, ytd, qtd, mtd or YYYY-MM-DD:YYYY-MM-DD (default ytd)",
        as_of="The window ends on this past date, YYYY-MM-DD (default: latest)",
    )
    @app_commands.autocomplete(tickers=tickers_autocomplete, window=window_autocomplete)
    @app_commands.checks.cooldown(5, 30.0, key=per_user)
    async def compare(
        self,
        interaction: discord.Interaction,
        tickers: str = DEFAULT_TICKERS,
        window: str = DEFAULT_WINDOW,
        as_of: str | None = None,
    ) -> None:
        market = self.bot.services.market
        symbols, parsed = compare_inputs(tickers, window)
        end = parse_date(as_of, name="as_of")
        check_as_of(end, market.today())
        await answer_with(
            interaction,
            lambda progress: compare_answer(market, symbols, parsed.text, end, progress=progress),
            progress_label="Fetching prices",
        )


async def setup(bot) -> None:
    await bot.add_cog(Streaks(bot))
