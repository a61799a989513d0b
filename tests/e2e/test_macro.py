"""/macro end to end: the real MarketBot on the fake Discord, FRED faked on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from analytics.macro.store import FredStore, import_fred_file
from tests.e2e.fake_discord import GUILD_ID
from tests.fakes.fred import FakeFred
from tests.test_macro_command import PANDEMIC, quarter, read_rows, since_by_hand

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def fred_texts(shared_data: Path) -> dict[str, str]:
    fred = shared_data / "fred"
    paths = [
        fred / "GDPNOW.csv",
        fred / "A191RL1Q225SBEA.csv",
        fred / "codex_macro_monitor" / "USREC.csv",
    ]
    return {p.stem: p.read_text() for p in paths}


def point_cog_at(harness, fake: FakeFred) -> None:
    cog = harness.bot.get_cog("Macro")
    cog.fred_base_url = cog.fred_api_base_url = fake.base_url


async def test_macro_answers_from_fred_then_from_the_cache(market_bot, fred_texts, shared_data):
    async with FakeFred(fred_texts) as fake:
        point_cog_at(market_bot, fake)
        reply = await market_bot.invoke("macro", series="gdpnow")
        again = await market_bot.invoke("macro", series="GDPNOW")
    assert reply.response_type == 5 and not reply.ephemeral
    [embed] = reply.embeds
    gdpnow = read_rows(shared_data / "fred" / "GDPNOW.csv")
    bea = read_rows(shared_data / "fred" / "A191RL1Q225SBEA.csv")
    last_date, last_value = gdpnow[-1]
    [(direction, previous, news)] = since_by_hand(gdpnow, bea, exclude=PANDEMIC)
    assert (direction, news) == ("high", True)  # up from the previous reading and a year ago
    quarters = [quarter(p["date"]) for p in previous]
    assert embed["title"] == (
        f"GDPNow {last_value:+.1f}%: fastest since {quarters[0]}, "
        f"and before that {quarters[1]} and {quarters[2]}"
    )
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Latest"] == f"{last_value:+.1f}% (2025 Q1)"
    assert fields["Change from previous"] == f"{last_value - gdpnow[-2][1]:+.1f} pp (vs 2024 Q4)"
    assert "Leaves out 2020 Q2 to 2021 Q4" in embed["description"]
    assert embed["footer"]["text"] == "Source: FRED · as of 2025-01-01"
    assert reply.files["chart.png"].startswith(PNG)
    # The second ask is served from the cache: still three requests in all.
    assert [q["id"] for _, q in fake.requests] == ["GDPNOW", "A191RL1Q225SBEA", "USREC"]
    assert again.embeds[0]["title"] == embed["title"]


async def test_series_autocomplete_offers_plain_names_and_typed_ids(market_bot):
    choices = await market_bot.autocomplete("macro", focused="series", series="gdp")
    assert choices == [
        {"name": "GDPNow (Atlanta Fed nowcast of real GDP growth) · GDPNOW", "value": "GDPNOW"},
        {"name": "Real GDP growth · A191RL1Q225SBEA", "value": "A191RL1Q225SBEA"},
    ]
    jobs = await market_bot.autocomplete("macro", focused="series", series="jobless")
    assert [c["value"] for c in jobs] == ["UNRATE", "ICSA"]
    typed = await market_bot.autocomplete("macro", focused="series", series="t10yie")
    assert typed == [{"name": "T10YIE (FRED series id)", "value": "T10YIE"}]


async def test_bad_series_is_refused_before_defer(market_bot):
    reply = await market_bot.invoke("macro", series="un rate!")
    assert (reply.response_type, reply.ephemeral) == (4, True)
    assert reply.content.startswith("❌ 'un rate!' is not a FRED series id or a known name.")
    future = await market_bot.invoke("macro", series="gdp", as_of="2030-01-01")
    assert (future.response_type, future.ephemeral) == (4, True)
    assert (
        future.content
        == "❌ as_of 2030-01-01 is in the future; give a past date or leave it empty."
    )


async def test_offline_with_nothing_cached_says_how_to_import(market_bot, e2e_services):
    e2e_services.settings = e2e_services.settings.with_overrides(offline=True)
    reply = await market_bot.invoke("macro", series="unemployment")
    assert reply.ephemeral
    assert reply.content.startswith("❌ Nothing is cached for UNRATE and offline mode is on")
    assert "marketbot import fred FILE" in reply.content


async def test_fred_down_with_and_without_a_cache(market_bot, e2e_services, e2e_now, shared_data):
    async with FakeFred({}, status_ids={"UNRATE": 500, "USREC": 500}) as fake:
        point_cog_at(market_bot, fake)
        nothing = await market_bot.invoke("macro", series="unrate")
        rows = read_rows(shared_data / "fred" / "codex_macro_monitor" / "UNRATE.csv")
        stored = pd.Series([v for _, v in rows], index=pd.DatetimeIndex([d for d, _ in rows]))
        # Fetched two days ago: stale, so FRED is asked, fails, and the copy is served.
        FredStore(e2e_services.cache.db).upsert(
            "UNRATE", stored, source="FRED", fetched_at=e2e_now - dt.timedelta(days=2)
        )
        cached = await market_bot.invoke("macro", series="unrate")
    assert nothing.ephemeral
    assert nothing.content.startswith(
        "📡 FRED is having trouble (HTTP 500); try again later. Nothing is cached"
    )
    [embed] = cached.embeds
    assert embed["description"].startswith(
        "⚠️ FRED is having trouble (HTTP 500); try again later. Showing UNRATE as cached on "
        f"{(e2e_now - dt.timedelta(days=2)).date().isoformat()} (latest observation {rows[-1][0].isoformat()})."
    )
    assert cached.files["chart.png"].startswith(PNG)  # drawn without USREC's shading


async def test_direction_value_and_exclude_options(market_bot, e2e_services, shared_data):
    synced = {c["name"]: c for c in market_bot.fake.synced_commands[GUILD_ID]}
    options = {o["name"]: o for o in synced["macro"]["options"]}
    assert list(options) == ["series", "as_of", "direction", "value", "exclude"]
    assert [c["value"] for c in options["direction"]["choices"]] == ["high", "low"]
    assert all(o["description"] for o in options.values())
    path = shared_data / "fred" / "codex_macro_monitor" / "UNRATE.csv"
    import_fred_file(e2e_services.cache.db, path)
    e2e_services.settings = e2e_services.settings.with_overrides(offline=True)
    rows = read_rows(path)
    low = await market_bot.invoke("macro", series="unemployment", direction="low")
    last_low = next(d for d, v in reversed(rows[:-1]) if v <= rows[-1][1])
    assert low.embeds[0]["title"].startswith(
        f"Unemployment rate 4.6%: lowest since {last_low:%B} {last_low.year}"
    )
    ten = await market_bot.invoke("macro", series="unemployment", value=10.0)
    last_ten = next(d for d, v in reversed(rows) if v >= 10)
    assert ten.embeds[0]["title"].startswith(
        f"Unemployment rate 10.0%: highest since {last_ten:%B} {last_ten.year}"
    )
    bad = await market_bot.invoke("macro", series="unemployment", exclude="2021:2020")
    assert (bad.response_type, bad.ephemeral) == (4, True)
    assert bad.content.startswith("❌ The range 2021:2020 ends before it starts.")
