"""The digest's macro section is /macro gdpnow as of the digest's day: the daily track when one
is imported, FRED's quarterly GDPNOW (saying so) otherwise, and FRED reached the way every CLI
command reaches it (the run's own session, bridged for the answer's thread)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.macro.gdpnow.store import import_gdpnow_file
from analytics.macro.store import import_fred_file
from analytics.subscriptions.digest import compose_digest
from bot.cli import main
from tests.analytics.macro.test_gdpnow import bea_by_hand, expected_nowcast, track_by_hand
from tests.analytics.macro.test_gdpnow import since_by_hand as nowcast_since
from tests.fakes.fred import FakeFred, settings_env
from tests.fakes.prices import RecordingProvider


def et(text: str) -> dt.datetime:
    return pd.Timestamp(text, tz="America/New_York").tz_convert("UTC").to_pydatetime()


@pytest.fixture
def files(shared_data: Path) -> dict[str, Path]:
    fred = shared_data / "fred"
    return {
        "track": fred / "atlantafed" / "gdpnow_track_2014-05-01_to_2025-12-31.csv",
        "bea": fred / "A191RL1Q225SBEA.csv",
        "gdpnow": fred / "GDPNOW.csv",
    }


@pytest.fixture
def market(tmp_path):
    with PriceCache(tmp_path / "digest.db") as cache:
        moment = et("2025-12-17 20:00")
        yield MarketData(cache, RecordingProvider(), now=lambda: moment)


@pytest.mark.parametrize("day", [dt.date(2025, 12, 16), dt.date(2025, 12, 23)])
def test_with_a_track_the_section_is_the_nowcast_of_the_digests_day(tmp_path, files, day) -> None:
    with PriceCache(tmp_path / f"d{day}.db") as cache:
        moment = et(f"{day.isoformat()} 20:00")
        market = MarketData(cache, RecordingProvider(), now=lambda: moment)
        import_gdpnow_file(cache, files["track"])
        import_fred_file(cache.db, files["bea"])
        digest = compose_digest(market, ["macro"], day=day)
    [section] = digest.sections
    data = section.answer.to_json()
    nowcast_day, quarter, value, path = expected_nowcast(track_by_hand(files["track"]), day)
    assert (data["nowcast_date"], data["quarter"], data["value"]) == (
        nowcast_day.isoformat(),
        quarter.isoformat(),
        value,
    )
    assert data["track"] == [{"date": d.isoformat(), "value": v} for d, v in path]
    direction, runs = nowcast_since(bea_by_hand(files["bea"]), value, quarter)
    assert data["previous"] == [{"date": d.isoformat(), "value": v} for d, v in runs[:3]]
    assert section.answer.title.startswith(f"GDPNow {value:+.1f}% for ")


def test_the_posts_chart_is_drawn_for_the_section(market, files) -> None:
    import_gdpnow_file(market.cache, files["track"])
    import_fred_file(market.cache.db, files["bea"])
    digest = compose_digest(market, ["macro"], day=dt.date(2025, 12, 16))
    [section] = digest.sections
    # The post attaches the section's PNG (cogs/subscriptions.render_digest): it is there, and
    # it is the answer's own figure (the nowcast's path) encoded.
    assert section.answer.png.startswith(b"\x89PNG")
    line = section.answer.chart.figure().axes[0].lines[0]
    assert list(line.get_ydata()) == [p["value"] for p in section.answer.data["track"]]


def test_without_a_track_it_is_freds_quarterly_series_and_says_so(market, files) -> None:
    for path in (files["gdpnow"], files["bea"]):
        import_fred_file(market.cache.db, path)
    digest = compose_digest(market, ["macro"], day=dt.date(2025, 12, 16))
    [section] = digest.sections
    assert section.answer.data["series"] == "GDPNOW"
    assert section.answer.data["date"] == "2025-01-01"
    assert any("this is FRED's GDPNOW" in w for w in section.answer.warnings)


def test_the_cli_digest_reaches_fred_through_its_own_session(
    cli_env, capsys, monkeypatch, files
) -> None:
    texts = {p.stem: p.read_text() for p in (files["gdpnow"], files["bea"])}
    with FakeFred(texts).in_thread() as fake:
        for name, value in settings_env(fake).items():
            monkeypatch.setenv(name, value)
        code = main(["digest", "--sections", "macro", "--as-of", "2025-06-02", "--json"])
        asked = [q["id"] for _, q in fake.requests]
    out, err = capsys.readouterr()
    assert code == 0, err
    [section] = json.loads(out)["sections"]
    assert section["ok"], section["notice"]
    assert section["answer"]["series"] == "GDPNOW" and section["answer"]["source"] == "FRED"
    assert asked[:2] == ["GDPNOW", "A191RL1Q225SBEA"]
