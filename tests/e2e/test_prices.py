"""/price end to end: the window ends where the data does, and says so."""

from __future__ import annotations

import datetime as dt

from tests.fakes.prices import bars_for


async def test_offline_price_on_an_old_cache_shows_the_window_to_its_end(market_bot, e2e_services):
    # The clock is Monday 2024-07-01 evening; the cache ends 2024-05-31, a month earlier.
    bars = bars_for("SPY", dt.date(2024, 1, 2), dt.date(2024, 5, 31))
    e2e_services.market.import_bars("SPY", bars, "import:SPY.csv")
    e2e_services.market.offline = True
    reply = await market_bot.invoke("price", ticker="SPY", window="1m")
    [embed] = reply.embeds
    last = bars["close"].iloc[-1]
    assert embed["title"] == f"SPY: {last:,.2f} (as of 2024-05-31)"
    assert embed["description"].startswith(
        "⚠️ The data ends 2024-05-31, before 2024-07-01, the session this answer should "
        "stand on: offline mode is on and the cache ends there."
    )
    # By hand: a month before 2024-05-31 is 2024-04-30, a session: the change is from its close.
    span = bars.loc["2024-04-30":"2024-05-31", "adj_close"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Change"] == f"{(span.iloc[-1] / span.iloc[0] - 1) * 100:+.2f}%"
    assert embed["footer"]["text"].startswith("Source: import: SPY.csv · as of 2024-05-31")


async def test_price_over_a_window_and_a_bad_window_refused_before_defer(
    market_bot, e2e_services, e2e_provider
):
    bars = bars_for("SPY", dt.date(2023, 6, 1), dt.date(2024, 7, 1))
    e2e_services.market.import_bars("SPY", bars, "import:SPY.csv")
    reply = await market_bot.invoke("price", ticker="spy", window="ytd", as_of="2024-03-28")
    [embed] = reply.embeds
    # By hand: E is 2024-03-28 (a Thursday session), B the last session of 2023, 2023-12-29.
    span = bars.loc["2023-12-29":"2024-03-28"]
    assert embed["title"] == f"SPY: {span['close'].iloc[-1]:,.2f}"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert (
        fields["Change"]
        == f"{(span['adj_close'].iloc[-1] / span['adj_close'].iloc[0] - 1) * 100:+.2f}%"
    )
    assert fields["Window"] == "YTD: 2023-12-29 to 2024-03-28"
    assert e2e_provider.calls == []  # the import covers the window
    refused = await market_bot.invoke("price", ticker="SPY", window="forever")
    assert (refused.response_type, refused.ephemeral) == (4, True)
    assert refused.content.startswith("❌ 'forever' is not a window.")
