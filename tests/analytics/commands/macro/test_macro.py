"""The `macro` command: real FRED files offline through the CLI, the data facade's FRED source
against a fake FRED (cache freshness, FRED down with and without a cache), and bad input.

Expected answers are recomputed here from the CSV files with the csv module and plain loops.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import statistics
from pathlib import Path

import pytest

from analytics.data.cache import PriceCache
from analytics.errors import BadInput, NoData, UpstreamError
from analytics.macro.options import parse_exclusions
from analytics.macro.store import import_fred_file
from tests.analytics.commands.macro.asking import ask_async, online_facade
from tests.fakes.fred import API_KEY, FakeFred
from tests.support.cli import run

NOON = dt.datetime(2026, 1, 2, 12, 0, tzinfo=dt.UTC)
PANDEMIC = [(dt.date(2020, 4, 1), dt.date(2021, 12, 31))]
PNG = b"\x89PNG\r\n\x1a\n"


# --- independent computations -------------------------------------------------------------------


def read_rows(path: Path) -> list[tuple[dt.date, float]]:
    """(date, value) rows of a FRED CSV in file order, missing values left out."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))[1:]
    return [
        (dt.date.fromisoformat(r[0]), float(r[1]))
        for r in rows
        if r and r[1].strip() not in ("", ".")
    ]


def episodes_by_hand(
    rows: list[tuple[dt.date, float]],
    value: float,
    *,
    before: dt.date,
    exclude: list[tuple[dt.date, dt.date]] = (),
    direction: str | None = None,
) -> tuple[str, list[dict]]:
    """Direction (above the median of the compared rows = high) and the last row of each run
    of consecutive qualifying rows, most recent first, at most three. An excluded row breaks
    a run and never qualifies."""
    compared = [(d, v) for d, v in rows if d < before and not any(a <= d <= b for a, b in exclude)]
    if direction is None:
        direction = "high" if value > statistics.median(v for _, v in compared) else "low"
    runs: list[tuple[dt.date, float]] = []
    in_run = False
    for d, v in rows:
        if d >= before:
            break
        hidden = any(a <= d <= b for a, b in exclude)
        ok = not hidden and (v >= value if direction == "high" else v <= value)
        if ok and in_run:
            runs[-1] = (d, v)
        elif ok:
            runs.append((d, v))
        in_run = ok
    latest_first = [{"date": d.isoformat(), "value": v} for d, v in reversed(runs)]
    return direction, latest_first[:3]


def moves_by_hand(rows: list[tuple[dt.date, float]]) -> list[str]:
    """Directions of the latest row's move against the previous row and against the row
    dated a year earlier (monthly and quarterly files have that date), the previous row's
    first, each once: "high" for a rise, "low" for a fall, nothing when unchanged."""
    (day, value), (_, previous) = rows[-1], rows[-2]
    year_ago = dict(rows).get(day.replace(year=day.year - 1))
    out: list[str] = []
    for earlier in (previous, year_ago):
        if earlier is None or earlier == value:
            continue
        direction = "high" if value > earlier else "low"
        if direction not in out:
            out.append(direction)
    return out


def since_by_hand(
    main: list[tuple[dt.date, float]],
    history: list[tuple[dt.date, float]],
    *,
    exclude: list[tuple[dt.date, dt.date]] = (),
) -> list[tuple[str, list[dict], bool]]:
    """(direction, episodes, news) for each direction of the latest reading's move: news
    unless the latest episode is the last history row compared (one reading back)."""
    day, value = main[-1]
    compared = [d for d, _ in history if d < day and not any(a <= d <= b for a, b in exclude)]
    out = []
    for direction in moves_by_hand(main):
        _, found = episodes_by_hand(
            history, value, before=day, exclude=exclude, direction=direction
        )
        out.append((direction, found, not found or found[0]["date"] != compared[-1].isoformat()))
    return out


def quarter(iso: str) -> str:
    return f"{iso[:4]} Q{(int(iso[5:7]) - 1) // 3 + 1}"


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def fred_dir(shared_data: Path) -> Path:
    return shared_data / "fred"


@pytest.fixture
def gdp_files(fred_dir: Path) -> list[Path]:
    return [
        fred_dir / "GDPNOW.csv",
        fred_dir / "A191RL1Q225SBEA.csv",
        fred_dir / "codex_macro_monitor" / "USREC.csv",
    ]


@pytest.fixture
def cache(tmp_path):
    with PriceCache(tmp_path / "c.db") as c:
        yield c


def run_json(capsys, *argv: str) -> dict:
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    return json.loads(out)


def at(hours: float):
    return lambda: NOON + dt.timedelta(hours=hours)


# --- offline CLI on the real files ---------------------------------------------------------------


def test_import_fred_reports_each_file(cli_env, capsys, gdp_files) -> None:
    payload = run_json(capsys, "import", "fred", *map(str, gdp_files), "--json")
    expected = []
    for path in gdp_files:
        rows = read_rows(path)
        expected.append(
            {
                "file": path.name,
                "series": "USREC" if path.name == "USREC.csv" else path.stem,
                "rows": len(rows),
                "first": rows[0][0].isoformat(),
                "last": rows[-1][0].isoformat(),
            }
        )
    assert payload["imported"] == expected


def test_gdpnow_offline_against_bea_history_without_pandemic(cli_env, capsys, gdp_files) -> None:
    assert run(capsys, "import", "fred", *map(str, gdp_files))[0] == 0
    payload = run_json(capsys, "--offline", "macro", "gdpnow", "--json")

    gdpnow = read_rows(gdp_files[0])
    last_date, last_value = gdpnow[-1]
    bea = read_rows(gdp_files[1])
    want = since_by_hand(gdpnow, bea, exclude=PANDEMIC)
    assert (payload["series"], payload["value"], payload["date"]) == (
        "GDPNOW",
        last_value,
        "2025-01-01",
    )
    got = [(c["direction"], c["previous"], c["news"]) for c in payload["since"]]
    assert got == want
    # Checked by reading the files: 2.9416 is up from 2.2711 (2024 Q4) and from 2.7047 a year
    # earlier, so the question is when growth was last this fast: 2024 Q3 (3.1), two BEA
    # quarters back, then 2023 Q4 (3.4) and 2022 Q4 (3.4).
    [(direction, previous, news)] = want
    assert (direction, news, [p["date"] for p in previous]) == (
        "high",
        True,
        ["2024-07-01", "2023-10-01", "2022-10-01"],
    )
    assert (payload["direction"], payload["previous"]) == (direction, previous)
    assert payload["excluded"] == [["2020-04-01", "2021-12-31"]]
    # The file ends 2025 Q1, long before today: the title says what the answer stands on.
    assert payload["title"] == (
        "GDPNow +2.9%: fastest since 2024 Q3, and before that 2023 Q4 and 2022 Q4 (as of 2025 Q1)"
    )
    assert "Leaves out 2020 Q2 to 2021 Q4 (the pandemic swings)" in payload["summary"]
    assert payload["source"] == "FRED (file GDPNOW.csv)"
    assert payload["as_of"] == "2025-01-01"
    assert payload["behind"]["latest"] == "2025-01-01"
    assert (
        "offline mode is on and the stored copy (imported from GDPNOW.csv"
        in (payload["warnings"][0])
    )


def test_value_option_asks_when_growth_was_last_this_fast(cli_env, capsys, gdp_files) -> None:
    run(capsys, "import", "fred", *map(str, gdp_files))
    payload = run_json(capsys, "--offline", "macro", "gdpnow", "--value", "5.3", "--json")
    bea = read_rows(gdp_files[1])
    # --value searches the whole history up to the latest reading (2025-01-01).
    direction, previous = episodes_by_hand(bea, 5.3, before=dt.date(2025, 1, 2), exclude=PANDEMIC)
    assert (payload["value"], payload["direction"], payload["previous"]) == (
        5.3,
        direction,
        previous,
    )
    assert previous == [
        {"date": "2014-04-01", "value": 5.3},
        {"date": "2006-01-01", "value": 5.5},
        {"date": "2003-07-01", "value": 6.8},
    ]
    assert payload["title"].startswith(
        "GDPNow +5.3%: fastest since 2014 Q2, and before that 2006 Q1"
    )


def test_exclude_none_and_custom_ranges(cli_env, capsys, gdp_files) -> None:
    run(capsys, "import", "fred", *map(str, gdp_files))
    last_date, last_value = read_rows(gdp_files[0])[-1]
    bea = read_rows(gdp_files[1])

    gdpnow = read_rows(gdp_files[0])
    everything = run_json(capsys, "--offline", "macro", "gdpnow", "--exclude", "none", "--json")
    assert everything["excluded"] == []
    [(direction, previous, _)] = since_by_hand(gdpnow, bea)
    assert (everything["direction"], everything["previous"]) == (direction, previous)

    # Several ranges: separated by commas (spaces too), the same form as on Discord.
    custom = run_json(
        capsys,
        "--offline",
        "macro",
        "gdpnow",
        "--exclude",
        "2024Q1:2024, 2023-04:2023-06",
        "--json",
    )
    ranges = [
        (dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
        (dt.date(2023, 4, 1), dt.date(2023, 6, 30)),
    ]
    assert custom["excluded"] == [["2024-01-01", "2024-12-31"], ["2023-04-01", "2023-06-30"]]
    [(direction, previous, _)] = since_by_hand(gdpnow, bea, exclude=ranges)
    assert (custom["direction"], custom["previous"]) == (direction, previous)
    assert "pandemic" not in custom["summary"]


def test_unemployment_reads_highest_since_after_a_rise(cli_env, capsys, fred_dir) -> None:
    path = fred_dir / "codex_macro_monitor" / "UNRATE.csv"
    run(capsys, "import", "fred", str(path))
    payload = run_json(capsys, "--offline", "macro", "unemployment", "--json")
    rows = read_rows(path)
    last_date, last_value = rows[-1]
    [(direction, previous, news)] = since_by_hand(rows, rows)
    assert (payload["series"], payload["value"], payload["date"]) == (
        "UNRATE",
        last_value,
        last_date.isoformat(),
    )
    # 4.6% is below the median since 1980, but it rose from 4.4% (September; the file has no
    # October) and from 4.2% a year earlier: the news is how long since it was this high.
    assert (direction, news) == ("high", True)
    assert (payload["direction"], payload["previous"], payload["excluded"]) == (
        direction,
        previous,
        [],
    )
    assert previous[0] == {"date": "2021-09-01", "value": 4.7}
    assert payload["title"].startswith("Unemployment rate 4.6%: highest since September 2021")
    (before_date, before_value) = rows[-2]
    assert before_date == dt.date(2025, 9, 1)
    assert f"{last_value - before_value:+.1f} pp from the previous reading" in payload["summary"]


def test_as_of_uses_only_earlier_observations(cli_env, capsys, gdp_files) -> None:
    run(capsys, "import", "fred", *map(str, gdp_files))
    payload = run_json(capsys, "--offline", "macro", "gdpnow", "--as-of", "2019-12-31", "--json")
    day, value = [r for r in read_rows(gdp_files[0]) if r[0] <= dt.date(2019, 12, 31)][-1]
    bea = read_rows(gdp_files[1])
    gdpnow = [r for r in read_rows(gdp_files[0]) if r[0] <= dt.date(2019, 12, 31)]
    [(direction, previous, _), *_] = [
        c for c in since_by_hand(gdpnow, bea, exclude=PANDEMIC) if c[2]
    ]
    assert (payload["date"], payload["value"]) == (day.isoformat(), value)
    assert (payload["direction"], payload["previous"]) == (direction, previous)


def test_cpi_is_shown_as_year_over_year_inflation(cli_env, capsys, fred_dir) -> None:
    path = fred_dir / "codex_macro_monitor" / "CPIAUCSL.csv"
    run(capsys, "import", "fred", str(path))
    payload = run_json(capsys, "--offline", "macro", "cpi", "--json")
    index = dict(read_rows(path))
    last = max(index)
    expected = (index[last] / index[last.replace(year=last.year - 1)] - 1) * 100
    assert payload["series"] == "CPIAUCSL"
    assert payload["value"] == pytest.approx(expected, rel=1e-12)


def test_chart_is_saved_and_shading_is_optional(cli_env, capsys, fred_dir) -> None:
    path = fred_dir / "codex_macro_monitor" / "UNRATE.csv"
    run(capsys, "import", "fred", str(path))  # no USREC: the chart is drawn without shading
    code, out, err = run(
        capsys, "--offline", "macro", "UNRATE", "--chart-dir", str(cli_env / "charts")
    )
    assert code == 0, err
    [png] = list((cli_env / "charts").glob("*.png"))
    assert png.read_bytes().startswith(PNG)
    assert "Unemployment rate 4.6%" in out


def test_offline_with_nothing_cached_says_how_to_import(cli_env, capsys) -> None:
    code, out, err = run(capsys, "--offline", "macro", "gdpnow")
    assert code == 2
    assert out == ""
    assert "Nothing is cached for GDPNOW and offline mode is on" in err
    assert "marketbot import fred FILE" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["macro", "un rate!"], "is not a FRED series id or a known name"),
        (["macro", "gdp", "--exclude", "2020:"], "is not a range"),
        (["macro", "gdp", "--exclude", "2021:2020"], "ends before it starts"),
        (["macro", "gdp", "--exclude", "none,2020:2021"], "do not combine"),
        (["macro", "gdp", "--as-of", "2024-13-01"], "as_of '2024-13-01' is not a date"),
        (["macro", "gdp-contributions", "--value", "3"], "value does not apply to it"),
        (["macro", "gdp", "--as-of", "2999-01-01"], "is in the future"),
        (["macro", "gdp", "--value", "nan"], "value must be a number"),
    ],
)
def test_bad_input_exits_2_with_a_specific_message(cli_env, capsys, argv, message) -> None:
    code, out, err = run(capsys, "--offline", *argv)
    assert code == 2
    assert message in err


def test_parse_exclusions_bounds() -> None:
    assert parse_exclusions(None) is None
    assert parse_exclusions(["None"]) == ()
    assert parse_exclusions("2020Q2:2021-Q4") == ((dt.date(2020, 4, 1), dt.date(2021, 12, 31)),)
    assert parse_exclusions(["2024-02:2024-02"]) == ((dt.date(2024, 2, 1), dt.date(2024, 2, 29)),)
    assert parse_exclusions(["2008-09-15:2009"]) == ((dt.date(2008, 9, 15), dt.date(2009, 12, 31)),)
    with pytest.raises(BadInput, match="has no month 13"):
        parse_exclusions(["2020-13:2021"])


# --- the data facade's FRED source against the fake FRED ------------------------------------------


@pytest.fixture
def unrate_text(fred_dir: Path) -> str:
    return (fred_dir / "codex_macro_monitor" / "UNRATE.csv").read_text()


@pytest.fixture
def usrec_text(fred_dir: Path) -> str:
    return (fred_dir / "codex_macro_monitor" / "USREC.csv").read_text()


def asked_for(fake: FakeFred, series_id: str) -> list[tuple[str, dict]]:
    """The fake's requests for one series (the chart's USREC is asked for besides)."""
    return [(p, q) for p, q in fake.requests if series_id in (q.get("id"), q.get("series_id"))]


class Clock:
    """A clock the test moves: hours after NOON."""

    def __init__(self) -> None:
        self.hours = 0.0

    def __call__(self) -> dt.datetime:
        return NOON + dt.timedelta(hours=self.hours)


async def test_fresh_fetch_then_cache_until_stale(cache, fred_dir, unrate_text, usrec_text) -> None:
    rows = read_rows(fred_dir / "codex_macro_monitor" / "UNRATE.csv")
    clock = Clock()
    async with (
        FakeFred({"UNRATE": unrate_text, "USREC": usrec_text}) as fake,
        online_facade(cache, fake, clock) as data,
    ):
        first = await ask_async(data, "unemployment")
        assert asked_for(fake, "UNRATE") == [("/graph/fredgraph.csv", {"id": "UNRATE"})]
        # Monthly series are fresh for a day: no request at all within it.
        clock.hours = 23
        second = await ask_async(data, "UNRATE")
        assert len(fake.requests) == 2  # UNRATE and USREC, once each
        clock.hours = 25
        third = await ask_async(data, "unrate")
        assert len(asked_for(fake, "UNRATE")) == 2
    assert first.data == second.data == third.data
    assert (first.data["value"], first.data["date"]) == (rows[-1][1], rows[-1][0].isoformat())
    assert (first.source, first.warnings, second.warnings) == ("FRED", (), ())


async def test_gdpnow_fetches_its_history_and_usrec_for_the_chart(cache, gdp_files) -> None:
    texts = {p.stem: p.read_text() for p in gdp_files}
    async with FakeFred(texts) as fake, online_facade(cache, fake, at(0)) as data:
        answer = await ask_async(data, "gdpnow")
    assert [q["id"] for _, q in fake.requests] == ["GDPNOW", "A191RL1Q225SBEA", "USREC"]
    [(direction, previous, _)] = since_by_hand(
        read_rows(gdp_files[0]), read_rows(gdp_files[1]), exclude=PANDEMIC
    )
    assert (answer.data["direction"], answer.data["previous"]) == (direction, previous)
    assert answer.png.startswith(PNG)


async def test_missing_usrec_only_drops_the_shading(cache, unrate_text) -> None:
    async with FakeFred({"UNRATE": unrate_text}) as fake, online_facade(cache, fake, at(0)) as data:
        answer = await ask_async(data, "unrate")  # USREC answers 404
    assert [q["id"] for _, q in fake.requests] == ["UNRATE", "USREC"]
    assert answer.png.startswith(PNG)
    assert answer.warnings == ()
    from matplotlib.colors import to_hex

    from analytics.charts.macro_chart import RECESSION_SHADE

    ax = answer.chart.figure().axes[0]
    assert not [p for p in ax.patches if to_hex(p.get_facecolor()) == RECESSION_SHADE]


async def test_fred_down_serves_the_cache_with_its_date(cache, unrate_text) -> None:
    clock = Clock()
    async with FakeFred({"UNRATE": unrate_text}) as fake, online_facade(cache, fake, clock) as data:
        fresh = await ask_async(data, "unrate")
        fake.status_ids["UNRATE"] = 500
        clock.hours = 48
        later = await ask_async(data, "unrate")
    assert len(asked_for(fake, "UNRATE")) == 2
    assert later.data == fresh.data
    [warning] = later.warnings
    assert "HTTP 500" in warning
    assert "Showing UNRATE as cached on 2026-01-02 (latest observation 2025-11-01)" in warning


async def test_fred_down_without_cache_is_a_specific_error(cache) -> None:
    async with (
        FakeFred({}, status_ids={"UNRATE": 503}) as fake,
        online_facade(cache, fake, at(0)) as data,
    ):
        with pytest.raises(UpstreamError) as err:
            await ask_async(data, "unrate")
    assert "HTTP 503" in err.value.message
    assert "Nothing is cached for UNRATE to fall back on" in err.value.message


async def test_imported_file_is_refreshed_when_online(cache, fred_dir, unrate_text) -> None:
    path = fred_dir / "codex_macro_monitor" / "UNRATE.csv"
    import_fred_file(cache.db, path, now=NOON)
    async with FakeFred({"UNRATE": unrate_text}) as fake, online_facade(cache, fake, at(1)) as data:
        answer = await ask_async(data, "unrate")
    assert len(asked_for(fake, "UNRATE")) == 1  # an import makes data available, not current
    assert answer.source == "FRED"


async def test_unknown_ids_web_pages_and_empty_series(cache) -> None:
    empty = "observation_date,EMPTY\n2024-01-01,.\n"
    async with (
        FakeFred({"EMPTY": empty}, html_ids=("HTMLPAGE",)) as fake,
        online_facade(cache, fake, at(0)) as data,
    ):
        with pytest.raises(BadInput, match="FRED has no series 'NOSUCHSERIES'"):
            await ask_async(data, "nosuchseries")
        with pytest.raises(BadInput, match="is 'HTMLPAGE' a valid series id"):
            await ask_async(data, "htmlpage")
        with pytest.raises(NoData, match="no observations for EMPTY"):
            await ask_async(data, "EMPTY")


async def test_uncurated_id_with_api_key_takes_freds_title(cache, unrate_text) -> None:
    text = unrate_text.replace("date,value", "observation_date,T5YIE", 1)
    info = {
        "T5YIE": {
            "title": "5-Year Breakeven Inflation Rate",
            "frequency": "Daily",
            "units": "Percent",
        }
    }
    async with (
        FakeFred({"T5YIE": text}, info=info) as fake,
        online_facade(cache, fake, at(0), api_key=API_KEY) as data,
    ):
        answer = await ask_async(data, "t5yie")
    assert [path for path, _ in asked_for(fake, "T5YIE")] == [
        "/fred/series/observations",
        "/fred/series",
    ]
    assert answer.title.startswith("5-Year Breakeven Inflation Rate 4.60: ")
    assert answer.source == "FRED API"


def test_the_cli_asks_fred_where_settings_say(cli_env, capsys, monkeypatch, unrate_text) -> None:
    """MARKETBOT_FRED_URL points the CLI at the fake: no cog or client attribute is set."""
    with FakeFred({"UNRATE": unrate_text}).in_thread() as fake:
        monkeypatch.setenv("MARKETBOT_FRED_URL", fake.base_url)
        payload = run_json(capsys, "macro", "unrate", "--json")
        requests = list(fake.requests)
    assert ("/graph/fredgraph.csv", {"id": "UNRATE"}) in requests
    assert payload["series"] == "UNRATE" and payload["source"] == "FRED"
    # The real file ends 2025-11; on today's clock it may be old, and then it says FRED was asked.
    assert payload["behind"] is None or payload["behind"]["why"] == "FRED has nothing newer"
