"""Suggestion sources for slash-command options, by the names specs use (analytics/spec.py).

Suggestions only: Discord still lets the user type any value, and `parse` checks it.
Reads (the cache's tickers, the lists folder) run off the event loop.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable

import discord
from discord import app_commands

POPULAR_TICKERS = ("SPY", "IWM", "QQQ", "DIA", "MAGS", "IVV", "^GSPC", "^RUT", "^NDX", "^VIX")
WINDOW_SUGGESTIONS = (
    "1d", "5d", "2w", "20d", "1m", "3m", "6m", "mtd", "qtd", "ytd", "1y", "3y", "5y", "10y",
)  # fmt: skip
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
_LAST_TOKEN = re.compile(r"[^\s,]*$")

Choices = list[app_commands.Choice[str]]


async def _cached_tickers(interaction: discord.Interaction, prefix: str) -> list[str]:
    cache = interaction.client.services.cache  # type: ignore[attr-defined]
    cached = await asyncio.to_thread(cache.known_tickers, prefix, CHOICES_MAX)
    popular = (t for t in POPULAR_TICKERS if t.startswith(prefix))
    return list(dict.fromkeys([*cached, *popular]))


async def ticker(interaction: discord.Interaction, current: str) -> Choices:
    """Cached tickers starting with what was typed, then popular ones."""
    names = await _cached_tickers(interaction, (current or "").strip().upper())
    return [app_commands.Choice(name=t, value=t) for t in names[:CHOICES_MAX]]


async def tickers(interaction: discord.Interaction, current: str) -> Choices:
    """Complete the last symbol of a list: 'IWM SPY q' -> 'IWM SPY QQQ', ..."""
    current = current or ""
    token = _LAST_TOKEN.search(current).group(0)  # type: ignore[union-attr]
    head = current[: len(current) - len(token)]
    names = await _cached_tickers(interaction, token.strip().upper())
    values = [f"{head}{name}" for name in names if len(head) + len(name) <= CHOICE_NAME_MAX]
    return [app_commands.Choice(name=v, value=v) for v in values[:CHOICES_MAX]]


async def window(interaction: discord.Interaction, current: str) -> Choices:
    """Common windows starting with what was typed (any window can still be typed in full)."""
    typed = (current or "").strip().lower()
    return [app_commands.Choice(name=w, value=w) for w in WINDOW_SUGGESTIONS if w.startswith(typed)]


async def series(interaction: discord.Interaction, current: str) -> Choices:
    """Curated FRED series whose id, alias or name starts with what was typed; when none matches,
    what was typed as a FRED id (any id is accepted, not only curated ones)."""
    from analytics.macro.series import is_series_id, lookup, search

    found = search(current or "", limit=CHOICES_MAX - 1)
    choices = [
        app_commands.Choice(name=f"{s.name} · {s.id}"[:CHOICE_NAME_MAX], value=s.id) for s in found
    ]
    typed = (current or "").strip().upper()
    # Only ids that reach FRED as typed: "GDP" is an alias of real GDP growth, not FRED's GDP.
    if not found and typed and is_series_id(typed) and not lookup(typed).curated:
        choices.append(app_commands.Choice(name=f"{typed} (FRED series id)", value=typed))
    return choices


async def universe(interaction: discord.Interaction, current: str) -> Choices:
    """Funds (with their index) and the named lists found beside the cache."""
    from analytics.data.paths import lists_dir
    from analytics.holdings.funds import FUNDS
    from analytics.universes import named_lists

    settings = interaction.client.services.settings  # type: ignore[attr-defined]
    typed = (current or "").strip().lower()
    lists = await asyncio.to_thread(named_lists, lists_dir(settings.db_path))
    options = [(f"{f.symbol} ({f.index_name})", f.symbol) for f in FUNDS.values()]
    options += [(f"{name} (list)", name) for name in sorted(lists)]
    return [
        app_commands.Choice(name=label, value=value)
        for label, value in options
        if typed in label.lower()
    ][:CHOICES_MAX]


async def fund(interaction: discord.Interaction, current: str) -> Choices:
    """The funds whose holdings marketbot reads, with their index."""
    from analytics.holdings.funds import FUNDS

    typed = (current or "").strip().lower()
    return [
        app_commands.Choice(name=f"{f.symbol} ({f.index_name})", value=f.symbol)
        for f in FUNDS.values()
        if typed in f"{f.symbol} ({f.index_name})".lower()
    ][:CHOICES_MAX]


SOURCES: dict[str, Callable[[discord.Interaction, str], Awaitable[Choices]]] = {
    "ticker": ticker,
    "tickers": tickers,
    "window": window,
    "series": series,
    "universe": universe,
    "fund": fund,
}
