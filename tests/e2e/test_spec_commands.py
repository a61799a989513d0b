"""A slash command generated from a spec, end to end: parse before defer, answer, time budget."""

from __future__ import annotations

import asyncio

import pytest_asyncio

from tests.e2e.harness import MarketBotFactory, running_bot
from tests.support import toy_specs as toy


@pytest_asyncio.fixture
async def toy_bot(e2e_services):
    build = MarketBotFactory(e2e_services, cogs=("tests.e2e.toy_cog",), answer_budget=0.5)
    toy.CALLS.clear()
    toy.RELEASE.clear()
    try:
        async with running_bot(build) as harness:
            yield harness
    finally:
        toy.RELEASE.set()
        await build.close()


async def test_a_generated_command_defers_then_answers_with_the_spec_defaults(toy_bot):
    reply = await toy_bot.invoke("toy", ticker="spy", top=3)
    assert reply.response_type == 5 and not reply.ephemeral
    [embed] = reply.embeds
    assert embed["title"] == "toy SPY ytd top 3 beat"
    assert embed["description"].endswith("tickers=None flag=False")


async def test_bad_input_is_refused_ephemerally_before_the_deferral(toy_bot):
    reply = await toy_bot.invoke("toy", ticker="1x")
    assert reply.response_type == 4 and reply.ephemeral
    assert reply.content == "❌ '1x' is not a toy ticker; give letters only, e.g. SPY."
    assert toy.CALLS == []


async def test_past_its_budget_a_command_answers_from_the_cache_marked_partial(toy_bot):
    reply = await toy_bot.invoke("toy", ticker="slow")
    [embed] = reply.embeds
    assert embed["title"] == "toy SLOW ytd top 5 beat (partial)"
    assert "the fetch goes on in the background" in embed["description"]
    # the first computation (online) is still running; the answer came from a cache-only view
    assert toy.CALLS == [("SLOW", False), ("SLOW", True)]
    toy.RELEASE.set()
    for _ in range(100):
        from bot.answering import _background

        if not _background:
            break
        await asyncio.sleep(0.02)
    assert not _background


async def test_a_cache_error_is_a_plain_reply_naming_the_cache_not_an_apology(
    toy_bot, e2e_services
):
    reply = await toy_bot.invoke("toy", ticker="locked")
    assert reply.ephemeral
    assert reply.content == (
        f"🗄️ The cache {e2e_services.cache.path} is locked by another marketbot process: try again "
        "when it is done (or stop the other process)."
    )


async def test_the_chart_is_drawn_off_the_event_loop(toy_bot):
    import threading

    toy.DRAWN_ON.clear()
    reply = await toy_bot.invoke("toy", ticker="chart")
    assert reply.files["chart.png"].startswith(b"\x89PNG")
    assert len(toy.DRAWN_ON) == 1
    assert toy.DRAWN_ON[0] != threading.current_thread().name  # the loop runs on this thread
