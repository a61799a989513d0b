"""/macro end to end: the real MarketBot on the fake Discord, FRED faked on 127.0.0.1 and reached
through Settings (MARKETBOT_FRED_URL / MARKETBOT_FRED_API_URL), as a deployment would be."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import pytest_asyncio

from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.macro.gdpnow.store import import_gdpnow_file
from analytics.macro.store import FredStore, import_fred_file
from bot.services import Services, attach_fred
from bot.settings import load_settings
from tests.analytics.commands.macro.test_macro import PANDEMIC, quarter, read_rows, since_by_hand
from tests.analytics.macro.test_gdpnow import bea_by_hand, expected_nowcast, track_by_hand
from tests.analytics.macro.test_gdpnow import since_by_hand as nowcast_since_by_hand
from tests.e2e.fake_discord import GUILD_ID
from tests.fakes.fred import FakeFred, settings_env

PNG = b"\x89PNG\r\n\x1a\n"


@pytest_asyncio.fixture
async def fred():
    """The fake FRED the bot's Settings point at; tests fill `csv_texts` / `status_ids`."""
    async with FakeFred({}) as fake:
        yield fake


@pytest.fixture
def offline() -> bool:
    """MARKETBOT_OFFLINE for the bot (a test parametrizes it to True)."""
    return False


@pytest.fixture
def e2e_services(tmp_path, e2e_now, e2e_provider, fred, offline):
    """The conftest's services, built from the environment a deployment would have: FRED's
    endpoints are the fake's, offline mode as the test asks."""
    env = settings_env(fred) | {
        "MARKETBOT_DB": str(tmp_path / "e2e.db"),
        "MARKETBOT_GUILD_ID": str(GUILD_ID),
        "MARKETBOT_OFFLINE": "1" if offline else "0",
    }
    settings = load_settings(env)
    cache = PriceCache(settings.db_path)
    market = MarketData(cache, e2e_provider, offline=settings.offline, now=lambda: e2e_now)
    attach_fred(market, settings)
    yield Services(settings=settings, cache=cache, market=market)
    cache.close()


@pytest.fixture
def fred_texts(shared_data: Path) -> dict[str, str]:
    fred_dir = shared_data / "fred"
    paths = [
        fred_dir / "GDPNOW.csv",
        fred_dir / "A191RL1Q225SBEA.csv",
        fred_dir / "codex_macro_monitor" / "USREC.csv",
    ]
    return {p.stem: p.read_text() for p in paths}


async def test_macro_answers_from_fred_then_from_the_cache(
    market_bot, fred, fred_texts, shared_data
):
    fred.csv_texts.update(fred_texts)
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
    # Without an imported track the answer says what FRED's GDPNOW is and how to do better.
    assert (
        "this is FRED's GDPNOW: the Atlanta Fed's last nowcast of each quarter"
        in (embed["description"])
    )
    assert embed["footer"]["text"] == "Source: FRED · as of 2025-01-01"
    assert reply.files["chart.png"].startswith(PNG)
    # The second ask is served from the cache: still three requests in all.
    assert [q["id"] for _, q in fred.requests] == ["GDPNOW", "A191RL1Q225SBEA", "USREC"]
    assert again.embeds[0]["title"] == embed["title"]


@pytest.mark.parametrize(
    "e2e_now", [pd.Timestamp("2026-01-02 18:00", tz="America/New_York").to_pydatetime()]
)
async def test_gdpnow_with_an_imported_track_as_of_2025_12_16(
    market_bot, e2e_services, fred, shared_data
):
    track_path = shared_data / "fred" / "atlantafed" / "gdpnow_track_2014-05-01_to_2025-12-31.csv"
    bea_path = shared_data / "fred" / "A191RL1Q225SBEA.csv"
    import_gdpnow_file(e2e_services.cache, track_path)
    fred.csv_texts["A191RL1Q225SBEA"] = bea_path.read_text()
    reply = await market_bot.invoke("macro", series="gdpnow", as_of="2025-12-16")

    day, quarter_start, value, path = expected_nowcast(
        track_by_hand(track_path), dt.date(2025, 12, 16)
    )
    direction, runs = nowcast_since_by_hand(bea_by_hand(bea_path), value, quarter_start)
    assert (day, quarter_start, value, direction) == (
        dt.date(2025, 12, 16),
        dt.date(2025, 7, 1),
        3.5,
        "high",
    )
    [embed] = reply.embeds
    labels = [quarter(d.isoformat()) for d, _ in runs[:3]]
    assert embed["title"] == (
        f"GDPNow +3.5% for 2025 Q3: fastest since {labels[0]}, and before that "
        f"{labels[1]} and {labels[2]}"
    )
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Nowcast"] == "+3.5% for 2025 Q3 (Dec 16, 2025)"
    previous_day, previous_value = path[-2]
    assert fields["Since the previous update"] == (
        f"{value - previous_value:+.1f} pp (vs {previous_value:+.1f}% on "
        f"{previous_day:%b} {previous_day.day}, {previous_day.year})"
    )
    values = [v for _, v in path]
    assert fields["This quarter"] == (
        f"{len(path)} updates, from {min(values):+.1f}% to {max(values):+.1f}%"
    )
    assert embed["footer"]["text"].startswith(
        "Source: Atlanta Fed GDPNow (file gdpnow_track_2014-05-01_to_2025-12-31.csv); BEA via FRED"
    )
    assert embed["footer"]["text"].endswith("as of 2025-12-16")
    assert reply.files["chart.png"].startswith(PNG)
    # BEA's history came from the fake through Settings; the track from the cache.
    assert [q["id"] for _, q in fred.requests] == ["A191RL1Q225SBEA"]


async def test_series_autocomplete_offers_plain_names_and_typed_ids(market_bot):
    choices = await market_bot.autocomplete("macro", focused="series", series="gdp")
    assert choices == [
        {"name": "GDPNow (Atlanta Fed nowcast of real GDP growth) · GDPNOW", "value": "GDPNOW"},
        {"name": "Real GDP growth · A191RL1Q225SBEA", "value": "A191RL1Q225SBEA"},
        {
            "name": "What drives GDP (contributions to real GDP growth) · gdp-contributions",
            "value": "gdp-contributions",
        },
    ]
    jobs = await market_bot.autocomplete("macro", focused="series", series="jobless")
    assert [c["value"] for c in jobs] == ["UNRATE", "ICSA"]
    typed = await market_bot.autocomplete("macro", focused="series", series="t10yie")
    assert typed == [{"name": "T10YIE (FRED series id)", "value": "T10YIE"}]


async def test_bad_series_is_refused_before_defer(market_bot, fred):
    reply = await market_bot.invoke("macro", series="un rate!")
    assert (reply.response_type, reply.ephemeral) == (4, True)
    assert reply.content.startswith("❌ 'un rate!' is not a FRED series id or a known name.")
    future = await market_bot.invoke("macro", series="gdp", as_of="2030-01-01")
    assert (future.response_type, future.ephemeral) == (4, True)
    assert (
        future.content
        == "❌ as_of 2030-01-01 is in the future; give a past date or leave it empty."
    )
    assert fred.requests == []


@pytest.mark.parametrize("offline", [True])
async def test_offline_with_nothing_cached_says_how_to_import(market_bot, fred):
    reply = await market_bot.invoke("macro", series="unemployment")
    assert reply.ephemeral
    assert reply.content.startswith("❌ Nothing is cached for UNRATE and offline mode is on")
    assert "marketbot import fred FILE" in reply.content
    assert fred.requests == []


async def test_fred_down_with_and_without_a_cache(
    market_bot, e2e_services, e2e_now, fred, shared_data
):
    fred.status_ids.update({"UNRATE": 500, "USREC": 500})
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


@pytest.mark.parametrize("offline", [True])
async def test_direction_value_and_exclude_options(market_bot, e2e_services, shared_data):
    synced = {c["name"]: c for c in market_bot.fake.synced_commands[GUILD_ID]}
    options = {o["name"]: o for o in synced["macro"]["options"]}
    assert list(options) == ["series", "as_of", "direction", "value", "exclude"]
    assert [c["value"] for c in options["direction"]["choices"]] == ["high", "low"]
    assert all(o["description"] for o in options.values())
    path = shared_data / "fred" / "codex_macro_monitor" / "UNRATE.csv"
    import_fred_file(e2e_services.cache.db, path)
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


async def test_gdp_contributions_on_generated_series(market_bot, fred):
    from tests.analytics.macro.test_contributions import QUARTERS, texts

    fred.csv_texts.update(texts())
    reply = await market_bot.invoke("macro", series="gdp-contributions")
    [embed] = reply.embeds
    consumption, investment, net_exports, government, growth = QUARTERS["2025-07-01"]
    assert embed["title"] == (
        f"Real GDP {growth:+.1f}% in 2025 Q3: consumption added {consumption:.1f} pp, "
        f"net exports {net_exports:.1f}"
    )
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    total = consumption + investment + net_exports + government
    assert fields["Sum"] == f"{total:+.2f} pp"
    assert fields["Net exports"] == f"{net_exports:+.2f} pp"
    assert "equal to rounding" in embed["description"]
    # 2024 Q3 is generated 0.54 pp off: the answer says so.
    assert "do not add up to growth in 2024 Q3" in embed["description"]
    assert reply.files["chart.png"].startswith(PNG)


@pytest.mark.parametrize("offline", [True])
async def test_gdp_with_the_release_table_says_first_release_vs_revised(
    market_bot, e2e_services, shared_data
):
    from analytics.macro.releases_store import import_release_file
    from tests.analytics.macro.test_vintages import first_history, label, table_by_hand
    from tests.analytics.macro.test_vintages import since_by_hand as release_since

    bea_path = shared_data / "fred" / "A191RL1Q225SBEA.csv"
    table_path = shared_data / "fred" / "alfred" / "gdpc1_releases_first_second_third.csv"
    import_fred_file(e2e_services.cache.db, bea_path)
    import_release_file(e2e_services.cache, table_path)
    reply = await market_bot.invoke("macro", series="gdp", as_of="2014-06-30")

    rows = [r for r in read_rows(bea_path) if r[0] <= dt.date(2014, 6, 30)]
    [(direction, previous, _)] = since_by_hand(rows, rows)
    q = dt.date(2014, 4, 1)
    table = table_by_hand(table_path)
    first, released = table[q]["first"], table[q]["released"]
    first_since = release_since(first_history(table, released), first, q, direction)
    today_since = dt.date.fromisoformat(previous[0]["date"])
    [embed] = reply.embeds
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["First release vs revised"] == (
        f"First released {released:%b} {released.day}, {released.year} at {first:+.1f}% "
        f"(now {rows[-1][1]:+.1f}%): fastest since {label(today_since)} on today's data; "
        f"since {label(first_since)} on first releases."
    )
    assert embed["title"].startswith(f"Real GDP growth +5.3%: fastest since {label(today_since)}")
    assert reply.files["chart.png"].startswith(PNG)
