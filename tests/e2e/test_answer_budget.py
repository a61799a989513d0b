"""No one left on "thinking…": a real command on a slow provider answers within its budget from
what is cached, marked partial, and the fetch goes on so the next ask is complete (issue 13.5)."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading

import pytest
import pytest_asyncio

from tests.e2e.harness import MarketBotFactory, running_bot
from tests.fakes.prices import RecordingProvider, bars_for

RELEASE = threading.Event()


class SlowProvider(RecordingProvider):
    """Answers only once RELEASE is set (a slow Yahoo), then as RecordingProvider does."""

    def fetch(self, tickers, start, end):
        RELEASE.wait(20)
        return super().fetch(tickers, start, end)


@pytest.fixture
def e2e_provider() -> RecordingProvider:
    return SlowProvider()


@pytest_asyncio.fixture
async def slow_bot(e2e_services):
    for ticker in ("IWM", "SPY"):  # cached through Friday; Monday 2024-07-01 must be fetched
        bars = bars_for(ticker, dt.date(2024, 1, 2), dt.date(2024, 6, 28))
        e2e_services.market.import_bars(ticker, bars, "test")
    build = MarketBotFactory(e2e_services, cogs=("cogs.streaks",), answer_budget=0.5)

    RELEASE.clear()
    try:
        async with running_bot(build) as harness:
            yield harness
            RELEASE.set()
            from bot.answering import _background

            for _ in range(500):  # the fill finishes before the bot is closed
                if not _background:
                    break
                await asyncio.sleep(0.02)
    finally:
        RELEASE.set()
        await build.close()


async def test_a_slow_fetch_answers_from_the_cache_marked_partial_then_completes(slow_bot):
    from bot.answering import _background

    first = await slow_bot.invoke("compare", tickers="IWM SPY", window="1m")
    [embed] = first.embeds
    assert embed["title"].endswith("(partial)")
    assert "(as of 2024-06-28)" in embed["title"]
    assert (
        "Answered after 0.5 s with what is cached so far; the fetch goes on" in embed["description"]
    )
    assert "the prices are still being fetched" in embed["description"]
    assert "offline" not in embed["description"]
    assert embed["footer"]["text"].endswith("as of 2024-06-28 · Not investment advice")
    RELEASE.set()
    for _ in range(500):
        if not _background:
            break
        await asyncio.sleep(0.02)
    assert not _background
    again = await slow_bot.invoke("compare", tickers="IWM SPY", window="1m")
    [complete] = again.embeds
    assert "partial" not in complete["title"] and "as of" not in complete["title"]
    assert complete["footer"]["text"].endswith("as of 2024-07-01 · Not investment advice")
