"""/breadth end to end on the fake Discord (the real MarketBot loading only cogs.breadth): a warm
answer over planted prices, a cold one over IWM downloaded from a fake iShares (its address from
Settings) with progress phases, compare mode, bad input, the options synced."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest
import pytest_asyncio

from analytics import calendar
from analytics.data.provider import BAR_COLUMNS
from bot.services import attach_holdings
from tests.e2e.fake_discord import GUILD_ID
from tests.e2e.harness import running_market_bot
from tests.fakes.ishares import FakeIShares, Reply, ishares_csv
from tests.fakes.prices import bars_for

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TODAY = dt.date(2024, 7, 1)  # the e2e clock: Monday 2024-07-01 20:00 ET, after the close
BASE_2W = pd.Timestamp("2024-06-17")
# From before the first date a year-long breadth read needs: nothing is fetched for these.
SESSIONS = calendar.sessions_between(dt.date(2023, 5, 1), TODAY)
SHAPES = {
    "UP": np.linspace(50.0, 100.0, len(SESSIONS)),
    "DOWN": np.linspace(100.0, 50.0, len(SESSIONS)),
    "FLAT": np.full(len(SESSIONS), 70.0),
}


@pytest.fixture
async def ishares():
    async with FakeIShares() as fake:
        yield fake


@pytest.fixture
def e2e_services(e2e_services, ishares):
    settings = dataclasses.replace(e2e_services.settings, ishares_url=ishares.base_url)
    attach_holdings(e2e_services.market, settings)
    e2e_services.settings = settings
    return e2e_services


@pytest.fixture
def planted(e2e_services):
    for name, close in SHAPES.items():
        frame = pd.DataFrame({c: close for c in BAR_COLUMNS}, index=SESSIONS)
        frame.index.name = "date"
        e2e_services.market.import_bars(name, frame[list(BAR_COLUMNS)], "test")


@pytest_asyncio.fixture
async def breadth_bot(e2e_services):
    async with running_market_bot(e2e_services, cogs=("cogs.breadth",)) as harness:
        yield harness


def fields(embed: dict) -> dict[str, str]:
    return {f["name"]: f["value"] for f in embed["fields"]}


async def test_the_command_is_synced_without_the_clis_file_option(breadth_bot):
    [command] = breadth_bot.fake.synced_commands[GUILD_ID]
    assert command["name"] == "breadth"
    names = [o["name"] for o in command["options"]]
    assert names == ["universe", "window", "compare", "tickers", "as_of"]


async def test_warm_answer_over_planted_prices(breadth_bot, e2e_provider, planted):
    reply = await breadth_bot.invoke("breadth", tickers="UP DOWN FLAT", window="2w")
    assert reply.response_type == 5 and [m.kind for m in reply.messages] == ["callback", "followup"]
    [embed] = reply.embeds
    # UP rose, DOWN fell, FLAT stood still; only UP is above its 50-day average.
    assert embed["title"] == (
        "33% of the 3 tickers rose over 2 weeks; 33% are above their 50-day average"
    )
    shown = fields(embed)
    assert shown["Up / down"] == "33% up, 33% down"
    assert shown["Window"] == "2024-06-17 → 2024-07-01"
    assert shown["A/D line"] == "+0"  # UP +1 and DOWN -1 each session
    base = SESSIONS.get_loc(BASE_2W)  # 2024-06-19 was a holiday: nine sessions after it
    up, down = (SHAPES[n][-1] / SHAPES[n][base] - 1 for n in ("UP", "DOWN"))
    assert shown["Equal-weight return"] == f"{(up + down) / 3 * 100:+.2f}%"
    assert "Breadth" in shown
    assert reply.files["chart.png"].startswith(PNG_SIGNATURE)
    assert e2e_provider.calls == []


CONSTITUENTS = (("AB", "AB INC", 0.5), ("CDE", "CDE INC", 0.3), ("FGHI", "FGHI INC", 0.2))


async def test_cold_answer_over_iwm_downloads_holdings_then_prices(
    breadth_bot, e2e_provider, ishares
):
    ishares.ajax = Reply(200, ishares_csv(dt.date(2024, 6, 28), CONSTITUENTS).encode(), "text/csv")
    handle = await breadth_bot.fake.send_interaction("breadth", {"universe": "IWM", "window": "2w"})
    messages = await handle.settled(10)
    assert messages[0].type == 5
    *progress, final = messages[1:]
    shown = {m.content for m in progress}
    assert "⏳ Downloading IWM holdings…" in shown
    assert "⏳ Fetching prices for IWM: 3 of 3 (100%)" in shown
    [embed] = final.embeds
    returns = {}
    for ticker, _, _ in CONSTITUENTS:
        adj = bars_for(ticker, BASE_2W.date(), TODAY)["adj_close"]
        returns[ticker] = adj.iloc[-1] / adj.iloc[0] - 1
    share_up = sum(r > 0 for r in returns.values()) / len(returns)
    assert embed["title"].startswith(f"{share_up:.0%} of IWM's constituents rose over 2 weeks")
    iwm = bars_for("IWM", BASE_2W.date(), TODAY)["adj_close"]
    assert fields(embed)["IWM return"] == f"{(iwm.iloc[-1] / iwm.iloc[0] - 1) * 100:+.2f}%"
    assert fields(embed)["Equal-weight return"] == f"{np.mean(list(returns.values())) * 100:+.2f}%"
    assert len(ishares.requests) == 1
    assert final.files["chart.png"].startswith(PNG_SIGNATURE)


async def test_compare_mode_and_bad_input(breadth_bot, e2e_services, planted):
    folder = e2e_services.settings.db_path.parent / "universes"
    folder.mkdir()
    (folder / "risers.txt").write_text("UP")
    (folder / "rest.txt").write_text("DOWN FLAT")
    reply = await breadth_bot.invoke("breadth", universe="risers", compare="rest", window="2w")
    [embed] = reply.embeds
    assert embed["title"] == "Names up over 2 weeks: risers 100% vs rest 0%"
    bad = await breadth_bot.invoke("breadth", universe="rest", compare="REST")
    assert (bad.response_type, bad.ephemeral) == (4, True)
    assert bad.content.startswith("❌ compare names the same universe as universe (rest)")
