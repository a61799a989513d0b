"""/movers end to end: a warm answer from planted prices, the default IWM universe downloaded
from a fake iShares (its address from Settings) with a cold price fetch (progress phases, then
the answer), named lists, errors."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import statistics

import numpy as np
import pandas as pd
import pytest

from analytics import calendar
from analytics.data.provider import BAR_COLUMNS
from bot.services import attach_holdings
from tests.e2e.fake_discord import GUILD_ID
from tests.fakes.ishares import FakeIShares, Reply
from tests.fakes.prices import bars_for

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TODAY = dt.date(2024, 7, 1)  # the e2e clock: Monday 2024-07-01 20:00 ET, after the close
B_2W = pd.Timestamp("2024-06-17")  # 2w before Monday 2024-07-01: Monday 2024-06-17, a session
PLANTED = {"AAA": 1.5, "BBB": 0.2, "CCC": -0.1, "DDD": -0.3}


def planted_bars(r: float) -> pd.DataFrame:
    """adj_close 100 through B, then 100 * (1 + r) to 2024-07-01."""
    days = pd.DatetimeIndex(calendar.sessions_between(dt.date(2024, 5, 1), TODAY), name="date")
    adj = np.where(days <= B_2W, 100.0, 100.0 * (1 + r))
    frame = pd.DataFrame(
        {"open": adj, "high": adj, "low": adj, "close": adj, "adj_close": adj, "volume": 1.0},
        index=days,
    )
    return frame[list(BAR_COLUMNS)]


@pytest.fixture
async def ishares():
    """A fake iShares (404 until a test sets its replies)."""
    async with FakeIShares() as fake:
        yield fake


@pytest.fixture
def e2e_services(e2e_services, ishares):
    """The e2e services with holdings downloaded from the fake: set in the Settings."""
    settings = dataclasses.replace(e2e_services.settings, ishares_url=ishares.base_url)
    attach_holdings(e2e_services.market, settings)
    e2e_services.settings = settings
    return e2e_services


@pytest.fixture
def planted(e2e_services):
    for ticker, r in PLANTED.items():
        e2e_services.market.import_bars(ticker, planted_bars(r), "test")
    return PLANTED


def field_map(embed: dict) -> dict[str, str]:
    return {f["name"]: f["value"] for f in embed["fields"]}


def table_tickers(block: str) -> list[str]:
    """Tickers of a rendered table (a code block: header line, then one row per name)."""
    lines = block.strip("`\n").splitlines()
    return [line.split()[0] for line in lines[1:] if line.strip() and not line.startswith("…")]


async def test_warm_answer_ranks_planted_returns_without_fetching(
    market_bot, e2e_provider, planted
):
    reply = await market_bot.invoke("movers", window="2w", tickers="AAA BBB CCC DDD", top=2)
    assert reply.response_type == 5
    assert [m.kind for m in reply.messages] == ["callback", "followup"]
    [embed] = reply.embeds
    best = max(planted, key=planted.get)
    worst = min(planted, key=planted.get)
    assert embed["title"] == (
        f"{best} {planted[best] * 100:+.1f}% led the 4 tickers over 2 weeks; "
        f"{worst} {planted[worst] * 100:+.1f}% fell most"
    )
    fields = field_map(embed)
    assert table_tickers(fields["Top gainers"]) == ["AAA", "BBB"]
    assert table_tickers(fields["Top losers"]) == ["DDD", "CCC"]
    assert fields["Median"] == f"{statistics.median(planted.values()) * 100:+.2f}%"
    assert fields["Window"] == "2w: 2024-06-17 → 2024-07-01"
    assert embed["image"]["url"] == "attachment://chart.png"
    assert reply.files["chart.png"].startswith(PNG_SIGNATURE)
    assert e2e_provider.calls == []


async def test_min_move_nobody_meets_shows_the_closest(market_bot, planted):
    reply = await market_bot.invoke(
        "movers", window="2w", tickers="AAA,BBB,CCC,DDD", direction="gainers", min_move="200%"
    )
    [embed] = reply.embeds
    assert embed["title"] == "No listed name rose 200% or more over 2 weeks; closest AAA +150.0%"
    fields = field_map(embed)
    assert table_tickers(fields["None rose 200%: closest"]) == ["AAA", "BBB", "CCC", "DDD"]
    assert fields["Rose ≥ 200%"] == "0"


# ---------------------------------------------------------------- the default universe: IWM

HOLDINGS_DATE = "Jun 28, 2024"
CONSTITUENTS = ("AB", "CDE", "FGHI")  # different lengths: different fake returns


def ishares_csv() -> str:
    header = (
        "Ticker,Name,Sector,Asset Class,Market Value,Weight (%),Notional Value,Quantity,Price,"
        "Location,Exchange,Currency,FX Rate,Market Currency,Accrual Date"
    )
    rows = [
        f'"{t}","{t} INC","Industrials","Equity","1,000.00","{w:.2f}","1,000.00","10.00","100.00",'
        '"United States","NASDAQ","USD","1.00","USD","-"'
        for t, w in zip(CONSTITUENTS, (50.0, 30.0, 20.0), strict=True)
    ]
    return (
        "\ufeffiShares Russell 2000 ETF\n"
        f'Fund Holdings as of,"{HOLDINGS_DATE}"\n'
        'Inception Date,"May 22, 2000"\n'
        "\xa0\n" + header + "\n" + "\n".join(rows) + "\n\xa0\n"
        '"The content is owned by BlackRock."\n'
    )


async def test_default_universe_downloads_iwm_then_fetches_prices_with_progress(
    market_bot, e2e_provider, ishares
):
    ishares.ajax = Reply(200, ishares_csv().encode(), "text/csv")
    handle = await market_bot.fake.send_interaction("movers", {"window": "2w"})
    messages = await handle.settled(10)
    assert messages[0].type == 5
    *progress, final = messages[1:]
    # Two phases: the download, then the pricing counted under its own label (edits may land
    # in any order; a count within 1.5 s of the last edit is skipped, never the last one).
    shown = {m.content for m in progress}
    assert "⏳ Downloading IWM holdings…" in shown
    assert "⏳ Fetching prices for IWM: 3 of 3 (100%)" in shown
    assert shown <= {
        "⏳ Downloading IWM holdings…",
        "⏳ Fetching prices for IWM…",
        "⏳ Fetching prices for IWM: 0 of 3 (0%)",
        "⏳ Fetching prices for IWM: 3 of 3 (100%)",
    }
    assert final.kind == "edit" and final.content is None
    [embed] = final.embeds
    returns = {}
    for ticker in CONSTITUENTS:
        adj = bars_for(ticker, B_2W.date(), TODAY)["adj_close"]
        returns[ticker] = adj.iloc[-1] / adj.iloc[0] - 1
    fields = field_map(embed)
    assert fields["Universe"] == "Russell 2000: 3 IWM holdings as of 2024-06-28"
    gainers = sorted((t for t in returns if returns[t] > 0), key=lambda t: -returns[t])
    losers = sorted((t for t in returns if returns[t] < 0), key=lambda t: returns[t])
    for side, names in (("Top gainers", gainers), ("Top losers", losers)):
        if names:
            assert table_tickers(fields[side]) == names
        else:  # an empty side is shown as such
            assert table_tickers(fields[f"{side}: none"]) == []
    assert fields["Median"] == f"{statistics.median(returns.values()) * 100:+.2f}%"
    assert [call[0] for call in e2e_provider.calls] == [CONSTITUENTS]
    assert final.files["chart.png"].startswith(PNG_SIGNATURE)

    # Again: holdings from the store, prices from the cache, no progress.
    reply = await market_bot.invoke("movers", window="2w")
    assert [m.kind for m in reply.messages] == ["callback", "followup"]
    assert reply.embeds[0]["title"] == embed["title"]
    assert len(ishares.requests) == 1
    assert len(e2e_provider.calls) == 1


async def test_named_list_from_the_lists_folder_and_its_autocomplete(
    market_bot, e2e_services, planted
):
    folder = e2e_services.settings.db_path.parent / "universes"
    folder.mkdir()
    (folder / "lists.json").write_text(
        json.dumps({"sp500": ["AAA", "BBB"], "ndx100": ["CCC", "DDD"]})
    )
    choices = await market_bot.autocomplete("movers", focused="universe", universe="nd")
    assert [c["value"] for c in choices] == ["ndx"]
    choices = await market_bot.autocomplete("movers", focused="universe", universe="iv")
    assert [c["value"] for c in choices] == ["IVV"]
    reply = await market_bot.invoke("movers", window="2w", universe="NDX")
    [embed] = reply.embeds
    assert embed["title"] == "DDD -30.0% fell most in ndx100 over 2 weeks; no name rose"


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"min_move": "lots"}, "❌ min_move 'lots' is not a percent."),
        ({"universe": "R2K"}, "❌ Unknown universe 'R2K'. Give a fund: IWM (Russell 2000)"),
        ({"as_of": "2030-01-02"}, "❌ as_of 2030-01-02 is in the future"),
        (
            {"window": "2w", "tickers": "AAA", "min_move": "+5%", "direction": "losers"},
            "❌ min_move +5% asks for gainers",
        ),
    ],
)
async def test_bad_input_is_answered_at_once_and_privately(
    market_bot, e2e_provider, options, message
):
    reply = await market_bot.invoke("movers", **options)
    assert (reply.response_type, reply.ephemeral) == (4, True)
    assert reply.content.startswith(message)
    assert e2e_provider.calls == []


async def test_window_longer_than_the_data_after_defer(market_bot, e2e_provider, planted):
    handle = await market_bot.fake.send_interaction(
        "movers", {"window": "20y", "tickers": "AAA BBB"}
    )
    messages = await handle.settled(10)
    [error] = [m for m in messages if m.ephemeral]
    # The fake provider's history begins 2020-01-02: it was asked for the years before the cache.
    assert error.content == (
        "❌ 2 tickers: Window 20y starts 2004-07-01 but the data begins 2020-01-02. "
        "Try a shorter window."
    )
    assert {call[0] for call in e2e_provider.calls} == {("AAA", "BBB")}


async def test_top_out_of_range_is_refused_by_discord(market_bot):
    with pytest.raises(ValueError):
        await market_bot.fake.send_interaction("movers", {"top": 26})


async def test_the_tickers_file_option_is_the_clis_only(market_bot):
    synced = {c["name"]: c for c in market_bot.fake.synced_commands[GUILD_ID]}
    names = [o["name"] for o in synced["movers"]["options"]]
    assert names == ["window", "universe", "tickers", "direction", "top", "min_move", "as_of"]
