"""/contributors end to end: holdings downloaded from a fake iShares (its address from
Settings), progress phases as edits of the deferred reply, the answer in place of the progress,
a warm call with no network, errors."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from bot.services import attach_holdings
from tests.fakes.ishares import PLANTED_FUND as UNIVERSE
from tests.fakes.ishares import FakeIShares, Reply, html_reply, ishares_csv
from tests.fakes.prices import bars_for

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HOLDINGS_DATE = dt.date(2024, 6, 28)  # the Friday before the e2e clock (Monday 2024-07-01)
YEAR_END = pd.Timestamp("2023-12-29")


@pytest.fixture
async def ishares():
    """A fake iShares serving the planted IWM file."""
    body = ishares_csv(HOLDINGS_DATE).encode("utf-8")
    async with FakeIShares(ajax=Reply(200, body, "text/csv")) as fake:
        yield fake


@pytest.fixture
def e2e_services(e2e_services, ishares):
    """The e2e services with holdings downloaded from the fake: set in the Settings."""
    settings = dataclasses.replace(e2e_services.settings, ishares_url=ishares.base_url)
    attach_holdings(e2e_services.market, settings)
    e2e_services.settings = settings
    return e2e_services


TODAY = dt.date(2024, 7, 1)  # the e2e clock's session: the window ends there, not on H


def close(ticker: str, day: dt.date) -> float:
    return float(bars_for(ticker, day, day)["adj_close"].iloc[0])


def ret(ticker: str) -> float:
    """YTD return to the e2e clock's session from the fake provider's adjusted closes."""
    return close(ticker, TODAY) / close(ticker, YEAR_END.date()) - 1


def expected_title() -> str:
    """The title computed from the fake's bars: weights of the 2024-06-28 file carried back to
    the year end by each name's move, times its YTD return."""
    fund = ret("IWM")
    grown = {t: w * close(t, YEAR_END.date()) / close(t, HOLDINGS_DATE) for t, _, w in UNIVERSE}
    scale = sum(w for _, _, w in UNIVERSE) / sum(grown.values())
    bp = {t: grown[t] * scale * ret(t) for t in grown}
    ranked = sorted(bp.values(), reverse=True)
    if fund >= 0:
        lead = sum(ranked[:5])
        return f"IWM {fund * 100:+.2f}% YTD: top 5 names added {abs(lead) * 100:.2f} pts ({lead / fund:.0%} of the gain)"
    lead = sum(ranked[-5:])
    return f"IWM {fund * 100:+.2f}% YTD: bottom 5 names took off {abs(lead) * 100:.2f} pts ({lead / fund:.0%} of the drop)"


async def test_progress_edits_then_the_answer_replaces_them(market_bot, e2e_provider, ishares):
    handle = await market_bot.fake.send_interaction("contributors", {})
    messages = await handle.settled(10)
    assert messages[0].type == 5  # deferred at once
    *progress, final = messages[1:]
    assert all(m.kind == "edit" for m in messages[1:])
    # Progress edits of @original come before the answer (edits may land in any order): the
    # download, then the pricing under its own label (a count within 1.5 s of the last edit is
    # skipped, never the last one).
    shown = {m.content for m in progress}
    assert "⏳ Downloading IWM holdings…" in shown
    assert "⏳ Pricing IWM constituents: 5 of 5 (100%)" in shown
    assert shown <= {
        "⏳ Downloading IWM holdings…",
        "⏳ Pricing IWM constituents…",
        "⏳ Pricing IWM constituents: 0 of 5 (0%)",
        "⏳ Pricing IWM constituents: 5 of 5 (100%)",
    }
    assert final.content is None
    [embed] = final.embeds
    assert embed["title"] == expected_title()
    assert embed["image"]["url"] == "attachment://chart.png"
    assert final.files["chart.png"].startswith(PNG_SIGNATURE)
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Holdings"] == "as of 2024-06-28, 5 stocks; weights at 2023-12-29"
    assert fields["Priced"] == "5 of 5 (100.0% of the weight)"
    up = sum(ret(t) > 0 for t, _, _ in UNIVERSE)
    down = sum(ret(t) < 0 for t, _, _ in UNIVERSE)
    assert fields["Breadth"] == f"{up} up, {down} down ({up / 5:.0%} up)"
    assert len(ishares.requests) == 1
    # The fund's own prices fix the window, then the constituents are priced in one call.
    assert e2e_provider.calls == [
        (("IWM",), dt.date(2023, 12, 21), TODAY),
        (("AAA", "BBB", "CCC", "DDD", "EEE"), dt.date(2023, 12, 21), TODAY),
    ]

    # The same question again: no download, no price fetch, no progress, the same answer.
    reply = await market_bot.invoke("contributors", fund="IWM", window="ytd")
    assert [m.kind for m in reply.messages] == ["callback", "followup"]
    assert reply.embeds[0]["title"] == embed["title"]
    assert reply.embeds[0]["description"] == embed["description"]
    assert len(ishares.requests) == 1
    assert len(e2e_provider.calls) == 2


async def test_bad_window_is_answered_at_once_and_privately(market_bot, e2e_provider, ishares):
    reply = await market_bot.invoke("contributors", window="yesterday")
    assert (reply.response_type, reply.ephemeral) == (4, True)
    assert reply.content.startswith("❌ 'yesterday' is not a window. Valid windows:")
    assert ishares.requests == [] and e2e_provider.calls == []


async def test_top_out_of_range_is_refused_by_discord(market_bot):
    with pytest.raises(ValueError):
        await market_bot.fake.send_interaction("contributors", {"top": 16})


async def test_holdings_download_failure_with_nothing_cached_says_how_to_import(
    market_bot, e2e_provider, ishares
):
    ishares.ajax = ishares.latest = html_reply()
    handle = await market_bot.fake.send_interaction("contributors", {"fund": "IJR"})
    messages = await handle.settled(10)
    [error] = [m for m in messages if m.ephemeral]
    assert error.content == (
        "📡 Could not download IJR holdings from iShares (a web page instead of the file). Try again "
        "later, or download the CSV from https://www.ishares.com/us/products/239774/"
        "ishares-core-sp-smallcap-etf and run `marketbot import holdings IJR FILE`."
    )
    assert e2e_provider.calls == []


async def test_window_suggestions(market_bot):
    choices = await market_bot.autocomplete("contributors", focused="window", window="q")
    assert [c["value"] for c in choices] == ["qtd"]


async def test_fund_suggestions(market_bot):
    choices = await market_bot.autocomplete("contributors", focused="fund", fund="small")
    assert [c["value"] for c in choices] == ["IJR"]
    assert [c["name"] for c in choices] == ["IJR (S&P SmallCap 600)"]
