"""Running a command spec: parse, compute off the event loop within a time budget, reply.

One path for both front ends. `compute_answer` is shared by Discord and the CLI; on Discord,
`answer_interaction` wraps it with the deferral, progress edits and the reply.

The budget: Discord's interaction token lives 15 minutes. A command that is still working when
its budget runs out (a cold universe on a slow provider) answers with what the cache holds by
then, marked partial, and says that the fetch goes on; the first computation keeps running in
its thread, so the fill completes and the next ask is warm.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

from analytics.answer import Answer
from analytics.errors import NoData, UpstreamError
from analytics.spec import CommandSpec, NoProgress, ParseContext, Progress
from bot.memo import AnswerMemo

if TYPE_CHECKING:
    import discord

    from analytics.data.market import MarketData
    from bot.render import Rendered

log = logging.getLogger(__name__)

DEFAULT_BUDGET = 12 * 60.0
"""Seconds an interaction may work before it answers with what is known (the token lasts 15 min)."""

_background: set[asyncio.Future[Any]] = set()
"""Computations that outlived their budget: kept referenced until their fill completes."""


def partial_answer(answer: Answer, why: str) -> Answer:
    """The same answer, titled and flagged as partial, with `why` as its first warning."""
    data = dict(answer.data)
    data["partial"] = True
    title = answer.title if "partial" in answer.title.lower() else f"{answer.title} (partial)"
    return dataclasses.replace(answer, title=title, warnings=(why, *answer.warnings), data=data)


async def compute_answer(
    spec: CommandSpec,
    market: MarketData,
    request: Any,
    progress: Progress | None = None,
    *,
    budget: float | None = None,
    memo: AnswerMemo | None = None,
    key: Hashable | None = None,
) -> Answer:
    """`spec`'s answer function in a worker thread; past `budget` seconds, what the cache holds.

    With `memo`, the same question on the same data is answered from it (bot/memo.py), and a
    complete answer computed while no source failed is kept there with its chart encoded.
    `key`: the memo key when the caller has worked it out already (it reads the cache)."""
    if memo is not None:
        if key is None:
            key = await asyncio.to_thread(memo.key, spec, market, request)
        found = memo.get(key)  # also when the caller missed: a computation may have ended since
        if found is not None:
            return found
        running = memo.running(key)
        if running is not None:  # the same question is being answered now: wait for it
            try:
                return await asyncio.shield(running)
            except asyncio.CancelledError:
                if not running.cancelled():
                    raise  # this wait was cancelled, not the computation
        flight = memo.start(key)
        try:
            answer = await _compute(spec, market, request, progress, budget, memo, key)
        except BaseException as exc:
            memo.finish(key, flight, error=exc)
            raise
        memo.finish(key, flight, answer)
        return answer
    return await _compute(spec, market, request, progress, budget, None, None)


async def _compute(
    spec: CommandSpec,
    market: MarketData,
    request: Any,
    progress: Progress | None,
    budget: float | None,
    memo: AnswerMemo | None,
    key: Any,
) -> Answer:
    """The answer computed in a worker thread (past `budget`, from the cache), memoised when
    complete and computed while no source failed."""
    failures = market.degraded
    function = spec.answer_function()
    progress = progress or NoProgress()
    work = asyncio.ensure_future(asyncio.to_thread(function, market, request, progress))
    try:
        answer = await (work if budget is None else asyncio.wait_for(asyncio.shield(work), budget))
    except TimeoutError:
        return await _past_budget(spec, market, request, work, budget)
    if memo is not None and key is not None and market.degraded == failures:
        if answer.has_chart:
            await asyncio.to_thread(lambda: answer.png)  # a repeat must not redraw it
        memo.put(key, answer)
    return answer


async def _past_budget(
    spec: CommandSpec, market: MarketData, request: Any, work: asyncio.Future, budget: float
) -> Answer:
    """The answer from what is cached now, marked partial; `work` goes on and fills the cache."""
    function = spec.answer_function()
    _background.add(work)
    work.add_done_callback(_finished_in_background)
    log.info("/%s outlived its %.0f s budget; answering from the cache", spec.name, budget)
    try:
        answer = await asyncio.to_thread(function, market.cache_only(), request, NoProgress())
    except NoData:
        raise UpstreamError(
            f"This is taking longer than {_duration(budget)}: the prices are still being "
            "fetched and nothing usable is cached yet. The fetch goes on; ask again in a few minutes."
        ) from None
    return partial_answer(
        answer,
        f"Answered after {_duration(budget)} with what is cached so far; the fetch goes on "
        "in the background, so asking again in a few minutes gives the full answer.",
    )


def _duration(seconds: float) -> str:
    """12 minutes, 1 minute, 45 s, 0.3 s."""
    if seconds >= 60:
        minutes = round(seconds / 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{seconds:g} s"


def _finished_in_background(work: asyncio.Future[Any]) -> None:
    _background.discard(work)
    if not work.cancelled() and work.exception() is not None:
        log.warning("a computation that outlived its budget failed: %r", work.exception())


def parse_context(services: Any) -> ParseContext:
    """What `parse` may know: the market's date, the lists folder, offline mode."""
    from analytics.universes import lists_dir

    return ParseContext(
        today=services.market.today(),
        lists_folder=lists_dir(services.settings.db_path),
        offline=services.settings.offline,
    )


async def answer_interaction(
    interaction: discord.Interaction, spec: CommandSpec, values: dict[str, Any]
) -> None:
    """The body of every generated slash command (see bot/discord_specs.py)."""
    from bot.interactions import DiscordProgress, attachment_limit, send_answer

    bot = interaction.client
    services = bot.services  # type: ignore[attr-defined]
    memo = getattr(bot, "answer_memo", None)
    # Bad input raises here, before the deferral: the tree answers it ephemerally.
    request, key, found, rendered = await asyncio.to_thread(
        _parse_and_recall, spec, values, services, memo, attachment_limit(interaction)
    )
    if found is not None and not interaction.response.is_done():
        # Asked before on the same data: the answer is the response itself (one round trip,
        # one hop to a worker thread).
        await send_answer(interaction, found, rendered=rendered)
        return
    if not interaction.response.is_done():
        await interaction.response.defer(thinking=True)
    progress = DiscordProgress(interaction, spec.progress_label)
    budget = getattr(bot, "answer_budget", DEFAULT_BUDGET)
    try:
        answer = await compute_answer(
            spec, services.market, request, progress, budget=budget, memo=memo, key=key
        )
    finally:
        await progress.drain()
    await send_answer(interaction, answer, progress=[progress])


def _parse_and_recall(
    spec: CommandSpec,
    values: dict[str, Any],
    services: Any,
    memo: AnswerMemo | None,
    attachment_limit: int,
) -> tuple[Any, Hashable | None, Answer | None, Rendered | None]:
    """The parsed request, its memo key and, when this question was answered on the same data,
    that answer rendered for Discord (blocking: the memo key reads the cache's generation)."""
    from bot.render import render_answer

    request = spec.parse_values(values, parse_context(services))
    if memo is None:
        return request, None, None, None
    key = memo.key(spec, services.market, request)
    found = memo.get(key)
    if found is None:
        return request, key, None, None
    return request, key, found, render_answer(found, attachment_limit=attachment_limit)
