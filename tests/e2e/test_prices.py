"""/price end to end: the period ends where the data does, and says so."""

from __future__ import annotations

import datetime as dt

from tests.fakes.prices import bars_for


async def test_offline_price_on_an_old_cache_shows_the_period_to_its_end(market_bot, e2e_services):
    # The clock is Monday 2024-07-01 evening; the cache ends 2024-05-31, a month earlier.
    bars = bars_for("SPY", dt.date(2024, 1, 2), dt.date(2024, 5, 31))
    e2e_services.market.import_bars("SPY", bars, "import:SPY.csv")
    e2e_services.market.offline = True
    reply = await market_bot.invoke("price", ticker="SPY", period="1m")
    [embed] = reply.embeds
    last = bars["close"].iloc[-1]
    assert embed["title"] == f"SPY: {last:,.2f} (as of 2024-05-31)"
    assert embed["description"].startswith(
        "⚠️ The data ends 2024-05-31, before 2024-07-01, the session this answer should "
        "stand on: offline mode is on and the cache ends there."
    )
    # By hand: 31 days back from 2024-05-31 is 2024-04-30; the change is over those sessions.
    span = bars.loc["2024-04-30":"2024-05-31", "adj_close"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Change"] == f"{(span.iloc[-1] / span.iloc[0] - 1) * 100:+.2f}%"
    assert embed["footer"]["text"].startswith("Source: import: SPY.csv · as of 2024-05-31")
