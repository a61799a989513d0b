"""/streak and /compare end to end on the fake Discord, with the real MarketBot."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics import calendar
from analytics.data.provider import BAR_COLUMNS
from tests.e2e.fake_discord import GUILD_ID
from tests.fakes.prices import bars_for

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Planted history starts before the fake provider's (2020-01-02), so the full-history fetch
# that /streak makes first finds nothing more and the planted bars are what is answered from.
SESSIONS = calendar.sessions_between(dt.date(2019, 6, 3), dt.date(2024, 7, 1))
IWM_RUN = 4  # IWM beats SPY on the last 4 sessions and on no earlier one


def frame(adj: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "open": adj,
            "high": adj,
            "low": adj,
            "close": adj,
            "adj_close": adj,
            "volume": np.full(len(adj), 1e6),
        },
        index=pd.DatetimeIndex(SESSIONS, name="date"),
    )[list(BAR_COLUMNS)]


def planted_closes() -> dict[str, np.ndarray]:
    n = len(SESSIONS)
    spy = 100 * np.cumprod([1.0] + [1.001] * (n - 1))
    iwm_daily = [0.999] * (n - 1 - IWM_RUN) + [1.003] * IWM_RUN
    iwm = 100 * np.cumprod([1.0, *iwm_daily])
    return {"SPY": spy, "IWM": iwm}


@pytest.fixture
def planted(e2e_services) -> dict[str, np.ndarray]:
    closes = planted_closes()
    for ticker, adj in closes.items():
        e2e_services.market.import_bars(ticker, frame(adj), "test")
    return closes


def at(day: str) -> int:
    return int(SESSIONS.get_loc(pd.Timestamp(day)))


async def test_streak_and_compare_are_synced_with_described_options_and_kind_choices(market_bot):
    synced = {c["name"]: c for c in market_bot.fake.synced_commands[GUILD_ID]}
    streak, compare = synced["streak"], synced["compare"]
    options = {o["name"]: o for o in streak["options"]}
    assert list(options) == ["a", "b", "kind", "as_of"]
    assert [c["value"] for c in options["kind"]["choices"]] == [
        "beat",
        "up",
        "down",
        "record-high",
        "record-close",
    ]
    assert options["a"]["autocomplete"] and options["b"]["autocomplete"]
    assert [o["name"] for o in compare["options"]] == ["tickers", "window", "as_of"]
    for option in [*streak["options"], *compare["options"]]:
        assert option["description"]
        assert not option.get("required")


async def test_streak_defaults_defer_then_answer_with_embed_and_chart(
    market_bot, planted, e2e_provider
):
    reply = await market_bot.invoke("streak")
    assert reply.response_type == 5
    assert not reply.ephemeral
    [embed] = reply.embeds
    assert embed["title"] == f"IWM has beaten SPY {IWM_RUN} sessions in a row"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Run"] == f"{IWM_RUN} sessions"
    assert fields["Sessions"] == f"{SESSIONS[-IWM_RUN].date()} to 2024-07-01"
    assert embed["image"]["url"] == "attachment://chart.png"
    assert reply.files["chart.png"].startswith(PNG_SIGNATURE)
    # The rows are the planted ones (source "test"), not the configured provider's.
    assert embed["footer"]["text"].startswith("Source: test · as of 2024-07-01")
    # The first use asked for the full history, which the planted bars already reach back past.
    assert e2e_provider.calls == [(("IWM", "SPY"), None, dt.date(2019, 6, 2))]


async def test_the_same_question_again_is_answered_at_once_from_the_memo(
    market_bot, planted, e2e_provider
):
    """Asked again on the same data: no deferral, no recompute, no redraw; the same embed and
    the same PNG bytes as the first answer, in the interaction's response itself. (The very
    first ask fetched, which moved the data on: the answer after it is the one kept.)"""
    await market_bot.invoke("streak")
    first = await market_bot.invoke("streak")
    memo = market_bot.bot.answer_memo
    hits, calls = memo.hits, list(e2e_provider.calls)
    again = await market_bot.invoke("streak")
    assert (first.response_type, again.response_type) == (5, 4)
    assert again.embeds == first.embeds
    assert again.files["chart.png"] == first.files["chart.png"]
    assert memo.hits == hits + 1 and e2e_provider.calls == calls


async def test_streak_up_for_one_ticker_as_of_a_past_date(market_bot, planted):
    reply = await market_bot.invoke("streak", a="spy", kind="up", as_of="2023-12-29")
    [embed] = reply.embeds
    # SPY closed higher on every session after its first one.
    assert embed["title"] == f"SPY has closed higher {at('2023-12-29')} sessions in a row"
    assert embed["footer"]["text"].startswith("Source: test · as of 2023-12-29")


async def test_streak_with_only_a_spy_compares_it_with_iwm(market_bot, planted):
    reply = await market_bot.invoke("streak", a="spy")
    [embed] = reply.embeds
    # IWM leads on the last session, so the answer is IWM's run over SPY, the same as the default
    assert embed["title"] == f"IWM has beaten SPY {IWM_RUN} sessions in a row"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"as_of": "2024-13-01"}, "❌ as_of '2024-13-01' is not a date; write it as YYYY-MM-DD"),
        ({"as_of": "2024-07-02"}, "❌ as_of 2024-07-02 is in the future"),
        ({"a": "spy", "b": "SPY"}, "❌ SPY is given twice"),
        ({"b": "SPY", "kind": "up"}, "❌ Kind up looks at one ticker: drop SPY, or use kind beat."),
    ],
)
async def test_streak_bad_input_is_ephemeral_before_defer(
    market_bot, e2e_provider, options, message
):
    reply = await market_bot.invoke("streak", **options)
    assert (reply.response_type, reply.ephemeral) == (4, True)
    assert reply.content.startswith(message)
    assert e2e_provider.calls == []


async def test_streak_unknown_ticker_is_ephemeral_and_caches_nothing(
    market_bot, e2e_provider, e2e_services
):
    e2e_provider.unknown = {"ZZZZ"}
    reply = await market_bot.invoke("streak", a="zzzz")
    assert reply.ephemeral
    assert reply.content.startswith("❌ Unknown symbol: ZZZZ.")
    assert e2e_services.cache.read_bars(["ZZZZ"]).empty
    assert e2e_services.cache.coverage(["ZZZZ"]) == {}


async def test_autocomplete_on_a_offers_cached_then_popular(market_bot, planted):
    choices = await market_bot.autocomplete("streak", focused="a", a="i")
    assert [c["value"] for c in choices] == ["IWM", "IVV"]


async def test_compare_defaults_rank_three_tickers_year_to_date(market_bot, planted):
    reply = await market_bot.invoke("compare")
    assert reply.response_type == 5
    [embed] = reply.embeds
    # ytd ending 2024-07-01 starts at the last 2023 session, 2023-12-29. QQQ comes from the fake.
    b, e = at("2023-12-29"), at("2024-07-01")
    qqq = bars_for("QQQ", dt.date(2023, 12, 29), dt.date(2024, 7, 1))["adj_close"]
    returns = {t: planted[t][e] / planted[t][b] - 1 for t in ("IWM", "SPY")}
    returns["QQQ"] = qqq.iloc[-1] / qqq.iloc[0] - 1
    best = max(returns, key=returns.get)
    verb = (
        "led 3 tickers year to date with"
        if returns[best] >= 0
        else "fell least of 3 tickers year to date:"
    )
    assert embed["title"] == f"{best} {verb} {returns[best] * 100:+.1f}%"
    assert reply.files["chart.png"].startswith(PNG_SIGNATURE)


async def test_compare_two_tickers_over_a_month(market_bot, planted):
    reply = await market_bot.invoke("compare", tickers="iwm, spy", window="1m")
    [embed] = reply.embeds
    b, e = at("2024-05-31"), at("2024-07-01")  # 1m before 2024-07-01 falls on Saturday 06-01
    iwm, spy = (planted[t][e] / planted[t][b] - 1 for t in ("IWM", "SPY"))
    assert iwm < spy
    assert embed["title"] == f"SPY {spy * 100:+.1f}% vs IWM {iwm * 100:+.1f}% over 1 month"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"window": "2x"}, "❌ '2x' is not a window."),
        ({"tickers": "IWM"}, "❌ Give between 2 and 10 tickers (got 1)."),
        ({"tickers": "IWM SPY iwm"}, "❌ IWM is listed twice"),
    ],
)
async def test_compare_bad_input_is_ephemeral_before_defer(
    market_bot, e2e_provider, options, message
):
    reply = await market_bot.invoke("compare", **options)
    assert (reply.response_type, reply.ephemeral) == (4, True)
    assert reply.content.startswith(message)
    assert e2e_provider.calls == []


async def test_compare_unknown_ticker_is_ephemeral_and_caches_nothing(
    market_bot, e2e_provider, e2e_services
):
    e2e_provider.unknown = {"ZZZZ"}
    reply = await market_bot.invoke("compare", tickers="SPY ZZZZ", window="1m")
    assert reply.ephemeral
    assert reply.content.startswith("❌ Unknown symbol: ZZZZ.")
    assert e2e_services.cache.read_bars(["ZZZZ"]).empty
    assert e2e_services.cache.coverage(["ZZZZ"]) == {}


async def test_compare_autocomplete_completes_the_last_ticker_and_the_window(market_bot, planted):
    choices = await market_bot.autocomplete("compare", focused="tickers", tickers="IWM s")
    assert [c["value"] for c in choices] == ["IWM SPY"]
    choices = await market_bot.autocomplete("compare", focused="window", window="y")
    assert [c["value"] for c in choices] == ["ytd"]


async def test_a_cold_compare_shows_progress_then_the_answer_replaces_it(market_bot, e2e_provider):
    handle = await market_bot.fake.send_interaction("compare", {"tickers": "IWM SPY"})
    messages = await handle.settled(10)
    assert messages[0].type == 5
    *progress, final = messages[1:]
    assert {m.content for m in progress} == {
        "⏳ Fetching prices: 0 of 2 (0%)",
        "⏳ Fetching prices: 2 of 2 (100%)",
    }
    assert all(m.kind == "edit" for m in messages[1:])
    assert final.content is None and final.embeds[0]["title"]
    assert len(e2e_provider.calls) == 1


async def test_provider_down_days_later_answers_as_of_the_cache_and_says_why(
    market_bot, planted, e2e_services, e2e_provider
):
    later = pd.Timestamp("2024-07-10 20:00", tz="America/New_York").tz_convert("UTC")
    e2e_services.market.now = lambda: later.to_pydatetime()
    e2e_provider.fail_reason = "HTTP 503"
    reply = await market_bot.invoke("compare", tickers="IWM SPY", window="1m")
    [embed] = reply.embeds
    # By hand: 1 month before the cache's last session (2024-07-01) is 2024-06-01, a
    # Saturday, so the window starts at the close of Friday 2024-05-31.
    b, e = at("2024-05-31"), at("2024-07-01")
    iwm = planted["IWM"][e] / planted["IWM"][b] - 1
    assert embed["title"].endswith(" (as of 2024-07-01)")
    assert f"IWM {iwm * 100:+.1f}%" in embed["title"]
    assert embed["description"].startswith(
        "⚠️ The data ends 2024-07-01, before 2024-07-10, the session this answer should "
        "stand on: Fake is not answering."
    )
    assert embed["footer"]["text"].startswith("Source: test · as of 2024-07-01")
