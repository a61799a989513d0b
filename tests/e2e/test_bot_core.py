"""The real MarketBot end to end on the fake Discord: sync, /help, /price, errors, cooldown, 429."""

from __future__ import annotations

import datetime as dt

from tests.e2e.fake_discord import GUILD_ID
from tests.fakes.prices import bars_for

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def test_every_command_and_option_is_synced_with_a_description(market_bot):
    synced = market_bot.fake.synced_commands[GUILD_ID]
    names = {c["name"] for c in synced}
    assert {"help", "price"} <= names
    for command in synced:
        assert command["description"], command["name"]
        for option in command.get("options", []):
            assert option["description"], (command["name"], option["name"])


async def test_help_lists_the_commands_and_window_syntax(market_bot):
    reply = await market_bot.invoke("help")
    assert reply.ephemeral
    [embed] = reply.embeds
    assert "**/price**" in embed["description"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert "ytd" in fields["Windows"]
    assert "0 tickers cached" in fields["Data"]


async def test_price_defers_then_answers_with_embed_and_chart(market_bot, e2e_provider):
    reply = await market_bot.invoke("price", ticker="spy", window="1m")
    assert reply.response_type == 5  # deferred
    assert not reply.ephemeral
    [embed] = reply.embeds
    expected = bars_for("SPY", dt.date(2024, 5, 31), dt.date(2024, 7, 1))
    assert embed["title"] == f"SPY: {expected['close'].iloc[-1]:,.2f}"
    assert embed["image"]["url"].endswith("chart.png")
    assert reply.files["chart.png"].startswith(PNG_SIGNATURE)
    assert embed["footer"]["text"] == "Source: Fake · as of 2024-07-01"
    # Only the window is fetched: windows.earliest_needed for 1m ending 2024-07-01 is
    # (2024-07-01 - 7 days) - 1 month - 10 days = 2024-05-14; the bars shown start 2024-05-31.
    assert e2e_provider.calls == [(("SPY",), dt.date(2024, 5, 14), dt.date(2024, 7, 1))]


async def test_ticker_autocomplete_offers_cached_then_popular(market_bot):
    await market_bot.invoke("price", ticker="IWM", window="1m")
    choices = await market_bot.autocomplete("price", focused="ticker", ticker="i")
    assert [c["value"] for c in choices] == ["IWM", "IVV"]


async def test_bad_input_gets_an_ephemeral_reply_before_any_fetch(market_bot, e2e_provider):
    reply = await market_bot.invoke("price", ticker="not a ticker!")
    assert reply.ephemeral
    assert reply.response_type == 4
    assert reply.content.startswith("❌ 'not a ticker!' is not a valid symbol.")
    assert e2e_provider.calls == []


async def test_missing_data_after_defer_is_ephemeral_too(market_bot, e2e_provider):
    e2e_provider.unknown = {"ZZZZ"}
    reply = await market_bot.invoke("price", ticker="ZZZZ")
    assert reply.ephemeral
    assert reply.content.startswith("❌ Unknown symbol: ZZZZ.")


async def test_provider_outage_is_explained_with_the_cache_date(market_bot, e2e_provider):
    await market_bot.invoke("price", ticker="SPY", window="1m")
    e2e_provider.fail_reason = "rate limited"
    e2e_provider.rate_limited = True
    reply = await market_bot.invoke("price", ticker="QQQ")
    assert (
        reply.content
        == "❌ No prices for QQQ: Fake is rate limited and nothing is cached for this request."
    )


async def test_cooldown_stops_a_user_from_hammering(market_bot):
    for _ in range(5):
        reply = await market_bot.invoke("price", ticker="SPY", window="1m")
        assert not reply.ephemeral
    reply = await market_bot.invoke("price", ticker="SPY", window="1m")
    assert reply.ephemeral
    assert reply.content.startswith("⏳ Slow down")


async def test_a_rest_429_on_the_answer_is_ridden_out(market_bot):
    # Warm first: a warm answer shows no progress, so it is the follow-up POST.
    await market_bot.invoke("price", ticker="SPY", window="1m")
    market_bot.fake.fail_next("POST", "/webhooks/*", status=429, retry_after=0.05)
    reply = await market_bot.invoke("price", ticker="SPY", window="1m")
    assert reply.embeds and reply.embeds[0]["title"].startswith("SPY: ")
    statuses = [r.status for r in market_bot.fake.requests_matching("POST", "/webhooks/*")]
    assert statuses[-2:] == [429, 200]


async def test_unexpected_errors_get_an_apology_and_a_logged_traceback(
    bot_factory, e2e_services, monkeypatch
):
    from tests.e2e.harness import running_bot

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    # A bug under the answer: the data facade itself raising.
    monkeypatch.setattr(e2e_services.market, "bars", broken)
    try:
        async with running_bot(bot_factory, allow_error_logs=True) as harness:
            reply = await harness.invoke("price", ticker="SPY")
            assert reply.ephemeral
            assert reply.content.startswith("😵 Sorry, something went wrong on our side.")
            [record] = [r for r in harness.log_records if r.levelname == "ERROR"]
            assert record.exc_info and "boom" in str(record.exc_info[1])
    finally:
        for session in bot_factory.sessions:
            await session.close()


async def test_a_cog_that_fails_to_load_does_not_take_the_others_down(e2e_services):
    import aiohttp

    from bot.app import MarketBot
    from tests.e2e.harness import running_bot

    session = aiohttp.ClientSession()

    def build():
        return MarketBot(
            services=e2e_services,
            http_session=session,
            guild_id=GUILD_ID,
            cogs=("cogs.help", "cogs.does_not_exist", "cogs.prices"),
            guild_ready_timeout=0.01,
            chunk_guilds_at_startup=False,
        )

    try:
        async with running_bot(build, allow_error_logs=True) as harness:
            assert set(harness.bot.failed_cogs) == {"cogs.does_not_exist"}
            names = {c["name"] for c in harness.fake.synced_commands[GUILD_ID]}
            assert {"help", "price"} <= names
            reply = await harness.invoke("help")
            assert reply.embeds
    finally:
        await session.close()


async def test_outage_with_a_cache_answers_from_it_labelled_with_its_date(
    market_bot, e2e_provider, e2e_services
):
    # SPY is cached through 2024-06-28; on Monday 2024-07-01 the provider is down
    e2e_services.market.import_bars(
        "SPY", bars_for("SPY", dt.date(2024, 6, 3), dt.date(2024, 6, 28)), "test"
    )
    e2e_provider.fail_reason = "rate limited"
    e2e_provider.rate_limited = True
    reply = await market_bot.invoke("price", ticker="SPY", window="1m")
    [embed] = reply.embeds
    assert embed["title"].endswith(" (as of 2024-06-28)")
    assert embed["description"].startswith(
        "⚠️ The data ends 2024-06-28, before 2024-07-01, the session this answer should "
        "stand on: Fake is rate limited.\n"
    )
    assert "showing cached data" not in embed["description"]  # said once, not twice
    # The cached rows came from the import (source "test"), not from the provider.
    assert embed["footer"]["text"] == "Source: test · as of 2024-06-28"
