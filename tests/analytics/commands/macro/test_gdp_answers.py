"""/macro's GDP answers through the real command (`marketbot ... --json`): GDPNow from an imported
track (and without one), real GDP growth with first release vs revised, and gdp-contributions on
generated series served by the fake FRED, which the CLI reaches through MARKETBOT_FRED_URL.

Expected values are recomputed from the files with the csv module and plain loops (the helpers
of the analytics' own tests), never read back from the answer.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pytest

from analytics.macro.vintages import HEADLINE_NOTE
from tests.analytics.commands.macro.test_macro import episodes_by_hand, quarter, read_rows
from tests.analytics.macro.test_contributions import QUARTERS, texts
from tests.analytics.macro.test_gdpnow import (
    bea_by_hand,
    expected_nowcast,
    track_by_hand,
)
from tests.analytics.macro.test_gdpnow import since_by_hand as nowcast_since
from tests.analytics.macro.test_vintages import first_history, table_by_hand
from tests.analytics.macro.test_vintages import since_by_hand as release_since
from tests.fakes.fred import FakeFred, settings_env
from tests.support.cli import run

PANDEMIC = [(dt.date(2020, 4, 1), dt.date(2021, 12, 31))]


@pytest.fixture
def files(shared_data: Path) -> dict[str, Path]:
    fred = shared_data / "fred"
    return {
        "track": fred / "atlantafed" / "gdpnow_track_2014-05-01_to_2025-12-31.csv",
        "bea": fred / "A191RL1Q225SBEA.csv",
        "gdpnow": fred / "GDPNOW.csv",
        "releases": fred / "alfred" / "gdpc1_releases_first_second_third.csv",
    }


def run_json(capsys, *argv: str) -> dict:
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    return json.loads(out)


def imported(capsys, *kinds: tuple[str, Path]) -> None:
    for kind, path in kinds:
        code, _, err = run(capsys, "import", kind, str(path))
        assert code == 0, err


# --- GDPNow ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("as_of", "quarter_start"),
    [
        ("2025-11-05", dt.date(2025, 7, 1)),  # Q4 has begun; Q3 is still forecast
        ("2025-12-16", dt.date(2025, 7, 1)),  # Q3's last nowcast, 77 days after it ended
        ("2025-12-23", dt.date(2025, 10, 1)),  # BEA's advance Q3 estimate: Q4's first nowcast
    ],
)
def test_gdpnow_json_from_the_imported_track(cli_env, capsys, files, as_of, quarter_start) -> None:
    imported(capsys, ("gdpnow", files["track"]), ("fred", files["bea"]))
    data = run_json(capsys, "--offline", "macro", "gdpnow", "--as-of", as_of, "--json")
    day, expected_quarter, value, path = expected_nowcast(
        track_by_hand(files["track"]), dt.date.fromisoformat(as_of)
    )
    assert expected_quarter == quarter_start
    assert data["value"] == value
    assert data["nowcast_date"] == day.isoformat()
    assert data["quarter"] == quarter_start.isoformat()
    assert data["track"] == [{"date": d.isoformat(), "value": v} for d, v in path]
    direction, runs = nowcast_since(bea_by_hand(files["bea"]), value, quarter_start)
    assert data["direction"] == direction
    assert data["previous"] == [{"date": d.isoformat(), "value": v} for d, v in runs[:3]]
    assert data["as_of"] == day.isoformat()
    assert data["asked"] is None
    assert data["source"] == (
        "Atlanta Fed GDPNow (file gdpnow_track_2014-05-01_to_2025-12-31.csv); "
        "BEA via FRED (file A191RL1Q225SBEA.csv)"
    )


def test_gdpnow_value_with_a_track_asks_about_that_value(cli_env, capsys, files) -> None:
    imported(capsys, ("gdpnow", files["track"]), ("fred", files["bea"]))
    data = run_json(
        capsys, "--offline", "macro", "gdpnow", "--as-of", "2025-12-16", "--value", "5.3", "--json"
    )
    # 5.3 is above the nowcast (3.5): when was BEA's growth last this fast, before 2025 Q3.
    direction, previous = episodes_by_hand(
        read_rows(files["bea"]),
        5.3,
        before=dt.date(2025, 7, 1),
        exclude=PANDEMIC,
        direction="high",
    )
    assert (data["asked"], data["value"], data["direction"]) == (5.3, 3.5, direction)
    assert data["previous"] == previous
    labels = [quarter(p["date"]) for p in previous]
    assert data["title"] == (
        f"+5.3% for 2025 Q3: fastest since {labels[0]}, and before that {labels[1]} and "
        f"{labels[2]} (GDPNow: +3.5%)"
    )
    assert data["summary"].startswith("Asked about +5.3% for 2025 Q3")


def test_gdpnow_with_a_track_and_the_release_table_answers_on_both_bases(
    cli_env, capsys, files
) -> None:
    imported(
        capsys,
        ("gdpnow", files["track"]),
        ("fred", files["bea"]),
        ("gdp-releases", files["releases"]),
    )
    data = run_json(capsys, "--offline", "macro", "gdpnow", "--as-of", "2021-09-01", "--json")
    assert (data["value"], data["quarter"]) == (5.3, "2021-07-01")
    by_hand = table_by_hand(files["releases"])
    expected = release_since(
        first_history(by_hand, dt.date(2021, 9, 1)), 5.3, dt.date(2021, 7, 1), data["direction"]
    )
    assert data["first_releases"]["since"] == expected.isoformat()
    assert data["first_releases"]["differ"] is (data["previous"][0]["date"] != expected.isoformat())
    assert data["headline_basis"] == "today's data"
    assert data["source"].endswith(
        "; first releases: ALFRED (file gdpc1_releases_first_second_third.csv)"
    )


def test_gdpnow_without_a_track_keeps_freds_series_and_says_so(cli_env, capsys, files) -> None:
    imported(capsys, ("fred", files["gdpnow"]), ("fred", files["bea"]))
    data = run_json(capsys, "--offline", "macro", "gdpnow", "--json")
    last_date, last_value = read_rows(files["gdpnow"])[-1]
    assert (data["series"], data["value"], data["date"]) == (
        "GDPNOW",
        last_value,
        last_date.isoformat(),
    )
    assert "nowcast_date" not in data
    assert data["warnings"][-1] == (
        "No GDPNow track is imported, so this is FRED's GDPNOW: the Atlanta Fed's last nowcast "
        "of each quarter, not its latest one. For the daily nowcast, import the Atlanta Fed's "
        "track with `marketbot import gdpnow FILE` (see the README)."
    )


# --- real GDP growth: first release vs revised ---------------------------------------------------


def test_gdp_with_the_release_table_answers_first_release_vs_revised(
    cli_env, capsys, files
) -> None:
    imported(capsys, ("fred", files["bea"]), ("gdp-releases", files["releases"]))
    data = run_json(capsys, "--offline", "macro", "gdp", "--as-of", "2014-06-30", "--json")
    q = dt.date(2014, 4, 1)
    bea = dict(read_rows(files["bea"]))
    assert (data["series"], data["date"], data["value"]) == (
        "A191RL1Q225SBEA",
        "2014-04-01",
        bea[q],
    )
    by_hand = table_by_hand(files["releases"])[q]
    first = data["first_releases"]
    assert math.isclose(first["value"], by_hand["first"], abs_tol=1e-9)
    assert first["released"] == by_hand["released"].isoformat()
    expected = release_since(
        first_history(table_by_hand(files["releases"]), by_hand["released"]),
        by_hand["first"],
        q,
        data["direction"],
    )
    assert first["since"] == expected.isoformat()
    # Checked by reading the files: 2014 Q2 stands at +5.3% today, fastest since 2006 Q1; it was
    # first reported at +3.9% (2014-07-30), fastest then since 2009 Q4 among first releases.
    assert (data["direction"], data["previous"][0]["date"], first["since"]) == (
        "high",
        "2006-01-01",
        "2009-10-01",
    )
    assert first["differ"] is True and data["headline_basis"] == "today's data"
    assert data["title"].startswith("Real GDP growth +5.3%: fastest since 2006 Q1")
    assert (
        "First released Jul 30, 2014 at +3.9% (now +5.3%): fastest since 2006 Q1 on today's "
        "data; since 2009 Q4 on first releases." in data["summary"]
    )
    assert HEADLINE_NOTE in data["summary"]


def test_gdp_without_the_release_table_is_todays_data_only(cli_env, capsys, files) -> None:
    imported(capsys, ("fred", files["bea"]))
    data = run_json(capsys, "--offline", "macro", "gdp", "--as-of", "2014-06-30", "--json")
    assert "first_releases" not in data and data["previous"][0]["date"] == "2006-01-01"


# --- gdp-contributions on generated series from the fake FRED -----------------------------------


def test_gdp_contributions_through_the_cli(cli_env, capsys, monkeypatch) -> None:
    with FakeFred(texts()).in_thread() as fake:
        for name, value in settings_env(fake).items():
            monkeypatch.setenv(name, value)
        data = run_json(capsys, "macro", "gdp-contributions", "--json")
        earlier = run_json(capsys, "macro", "gdp-contributions", "--as-of", "2025-03-31", "--json")
        asked = sorted(q["id"] for _, q in fake.requests)
    assert asked == sorted(
        [
            "DPCERY2Q224SBEA",
            "A006RY2Q224SBEA",
            "A019RY2Q224SBEA",
            "A822RY2Q224SBEA",
            "A191RL1Q225SBEA",
        ]
    )  # the second ask is served from the cache
    assert [q["quarter"] for q in data["quarters"]] == list(QUARTERS)
    for got, values in zip(data["quarters"], QUARTERS.values(), strict=True):
        total = values[0] + values[1] + values[2] + values[3]
        assert math.isclose(got["sum"], total, abs_tol=1e-9)
        assert got["adds_up"] is (abs(values[4] - total) <= 0.07 + 1e-9)
    assert data["sentence"] == (
        "In 2025 Q3 real GDP grew at a 3.8% annual rate: consumption added 2.4 pp and net "
        "exports 1.6; investment subtracted 0.3 pp; government was flat."
    )
    assert data["source"] == "BEA via FRED"
    # The generated quarters end 2025 Q3: on today's clock that is old, and the title says so.
    if data["behind"] is not None:
        assert data["title"].endswith(" (as of 2025 Q3)")
        assert data["behind"]["why"] == "FRED has nothing newer"
    assert earlier["latest"]["quarter"] == "2025-01-01"
    assert earlier["latest"]["growth"] == QUARTERS["2025-01-01"][4]


def test_gdp_contributions_refuses_options_it_does_not_take(cli_env, capsys) -> None:
    code, out, err = run(capsys, "--offline", "macro", "gdp-contributions", "--exclude", "none")
    assert (code, out) == (2, "")
    assert err == (
        "marketbot: gdp-contributions shows the latest quarters' contributions: exclude does not "
        "apply to it (as_of does). Leave it out, or ask about gdp.\n"
    )
