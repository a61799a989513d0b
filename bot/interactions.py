"""Helpers the cogs share: answering with an Answer, ticker autocomplete, cooldown keys."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from analytics.answer import Answer
from bot.render import render_answer

if TYPE_CHECKING:
    from bot.app import MarketBot

POPULAR_TICKERS = ("SPY", "IWM", "QQQ", "DIA", "MAGS", "IVV", "^GSPC", "^RUT", "^NDX", "^VIX")


async def send_answer(interaction: discord.Interaction, answer: Answer) -> None:
    """Send (or, after defer, follow up with) the Answer as an embed with its chart."""
    limit = getattr(interaction, "attachment_size_limit", None) or 10 * 1024 * 1024
    rendered = render_answer(answer, attachment_limit=limit)
    if interaction.response.is_done():
        await interaction.followup.send(**rendered.send_kwargs())
    else:
        await interaction.response.send_message(**rendered.send_kwargs())


async def answer_with(interaction: discord.Interaction, compute: Callable[[], Answer]) -> None:
    """defer() at once (Discord fails interactions unanswered after 3 s), compute off the loop, reply."""
    if not interaction.response.is_done():
        await interaction.response.defer(thinking=True)
    answer = await asyncio.to_thread(compute)
    await send_answer(interaction, answer)


async def ticker_autocomplete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Cached tickers starting with what was typed, then popular ones; at most 25."""
    bot: MarketBot = interaction.client  # type: ignore[assignment]
    prefix = current.strip().upper()
    cached = await asyncio.to_thread(bot.services.cache.known_tickers, prefix, 25)
    names = list(dict.fromkeys([*cached, *(t for t in POPULAR_TICKERS if t.startswith(prefix))]))
    return [app_commands.Choice(name=t, value=t) for t in names[:25]]


def per_user(interaction: discord.Interaction) -> int:
    """Cooldown bucket key: one bucket per user, across servers."""
    return interaction.user.id
