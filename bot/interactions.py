"""Helpers the cogs share: answering with an Answer, ticker autocomplete, cooldown keys."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from analytics.answer import Answer
from bot.render import Rendered, render_answer

if TYPE_CHECKING:
    from bot.app import MarketBot

POPULAR_TICKERS = ("SPY", "IWM", "QQQ", "DIA", "MAGS", "IVV", "^GSPC", "^RUT", "^NDX", "^VIX")


def attachment_limit(interaction: discord.Interaction) -> int:
    """The biggest file this interaction may carry (Discord says it per interaction)."""
    return getattr(interaction, "attachment_size_limit", None) or 10 * 1024 * 1024


async def send_answer(
    interaction: discord.Interaction,
    answer: Answer,
    *,
    progress: Sequence[DiscordProgress] = (),
    rendered: Rendered | None = None,
) -> None:
    """Send the Answer as an embed with its chart (`rendered`: already rendered for this
    interaction, off the event loop).

    After defer() it is the follow-up; when progress was shown (the deferred reply was edited
    into a progress line), the answer replaces that message instead of arriving below it.
    """
    for reporter in progress:
        await reporter.drain()
    if rendered is None:
        # Rendering encodes the chart (matplotlib draws it on first use): off the event loop.
        limit = attachment_limit(interaction)
        rendered = await asyncio.to_thread(render_answer, answer, attachment_limit=limit)
    if any(reporter.shown for reporter in progress):
        await interaction.edit_original_response(
            content=None, embed=rendered.embed, attachments=rendered.files
        )
    elif interaction.response.is_done():
        await interaction.followup.send(**rendered.send_kwargs())
    else:
        await interaction.response.send_message(**rendered.send_kwargs())


async def answer_with(
    interaction: discord.Interaction,
    compute: Callable[..., Answer],
    *,
    progress_label: str | None = None,
) -> None:
    """defer() at once (Discord fails interactions unanswered after 3 s), compute off the loop, reply.

    With `progress_label`, `compute` is called with a thread-safe progress callback that edits
    the deferred reply while it runs.
    """
    if not interaction.response.is_done():
        await interaction.response.defer(thinking=True)
    if progress_label is None:
        answer = await asyncio.to_thread(compute)
        await send_answer(interaction, answer)
        return
    progress = DiscordProgress(interaction, progress_label)
    try:
        answer = await asyncio.to_thread(compute, progress)
    finally:
        await progress.drain()
    await send_answer(interaction, answer, progress=[progress])


async def ticker_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Cached tickers starting with what was typed, then popular ones; at most 25."""
    bot: MarketBot = interaction.client  # type: ignore[assignment]
    prefix = current.strip().upper()
    cached = await asyncio.to_thread(bot.services.cache.known_tickers, prefix, 25)
    names = list(dict.fromkeys([*cached, *(t for t in POPULAR_TICKERS if t.startswith(prefix))]))
    return [app_commands.Choice(name=t, value=t) for t in names[:25]]


def per_user(interaction: discord.Interaction) -> int:
    """Cooldown bucket key: one bucket per user, across servers."""
    return interaction.user.id


class DiscordProgress:
    """A thread-safe progress callback that edits the deferred reply, at most every `interval` s.

    Worker threads call it as `progress(done, total)`; edits are scheduled on the bot's loop.
    """

    def __init__(
        self, interaction: discord.Interaction, label: str, *, interval: float = 1.5
    ) -> None:
        self.interaction = interaction
        self.label = label
        self.interval = interval
        self.loop = asyncio.get_running_loop()
        self._last = 0.0
        self._pending: set[asyncio.Future] = set()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        import time

        self.shown = True
        now = time.monotonic()
        if done < total and now - self._last < self.interval:
            return
        self._last = now
        text = (
            f"⏳ {self.label}: {done:,} of {total:,} ({done / total:.0%})"
            if total
            else f"⏳ {self.label}…"
        )
        future = asyncio.run_coroutine_threadsafe(self._edit(text), self.loop)
        self._pending.add(future)
        future.add_done_callback(self._pending.discard)

    def phase(self, label: str) -> None:
        """A new phase of the work ("Downloading IWM holdings"): shown at once."""
        self.label = label
        self._last = 0.0
        self(0, 0)

    async def _edit(self, text: str) -> None:
        with contextlib.suppress(discord.HTTPException):
            await self.interaction.edit_original_response(content=text)

    async def drain(self) -> None:
        """Wait for scheduled edits so the final answer lands after them."""
        for future in list(self._pending):
            await asyncio.wrap_future(future)
