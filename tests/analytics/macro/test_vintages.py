"""First release vs revised: the real GDP release table's parser, "fastest since" on today's data
and on first releases, the GDPNow answer on both bases, the store and `marketbot import gdp-releases`.

Expected values come from the release table read here with csv.DictReader: growth from the levels
with plain arithmetic, and the "since" search with plain loops.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import json
import math
import statistics
from pathlib import Path

import pytest

from analytics.data.cache import PriceCache
from analytics.errors import BadInput, NoData
from analytics.macro.fred import parse_fred_csv
from analytics.macro.gdpnow.answer import gdpnow_track_answer
from analytics.macro.gdpnow.track import read_gdpnow_file
from analytics.macro.releases_store import ReleaseStore, import_release_file
from analytics.macro.series import FASTEST
from analytics.macro.vintages import (
    HEADLINE_NOTE,
    parse_release_table,
    quarter_vintage_context,
    read_release_file,
    vintage_context,
    vintage_phrase,
)
from tests.fakes.alfred import FakeAlfred
from tests.fakes.fred import API_KEY
from tests.support.cli import run

PANDEMIC = ((dt.date(2020, 4, 1), dt.date(2021, 12, 31)),)
NOON = dt.datetime(2026, 3, 20, 12, 0, tzinfo=dt.UTC)


# --- independent reading of the release table -----------------------------------------------------


def table_by_hand(path: Path) -> dict[dt.date, dict]:
    """quarter -> first/latest growth (% SAAR, from the levels) and the first release date;
    quarters without the previous level in the first vintage left out."""
    out = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if not row["alfred_prev_level_first"]:
                continue
            first = (float(row["first_release"]) / float(row["alfred_prev_level_first"])) ** 4
            latest = (float(row["latest_release"]) / float(row["latest_prev_release"])) ** 4
            out[dt.date.fromisoformat(row["observation_date"])] = {
                "first": (first - 1) * 100,
                "latest": (latest - 1) * 100,
                "released": dt.date.fromisoformat(row["first_release_date"]),
                "file_first": float(row["qoq_saar_growth_alfred_first_pct"]),
            }
    return out


def _hidden(day: dt.date) -> bool:
    return any(a <= day <= b for a, b in PANDEMIC)


def median_direction(history: list[tuple[dt.date, float]], value: float, before: dt.date) -> str:
    compared = [v for d, v in history if d < before and not _hidden(d)]
    return "high" if value > statistics.median(compared) else "low"


def since_by_hand(
    history: list[tuple[dt.date, float]], value: float, before: dt.date, direction: str
) -> dt.date | None:
    """The most recent earlier quarter at least as fast (high) or as slow (low), pandemic left
    out; None when there is none. (The most recent qualifying quarter is the last of the most
    recent run, so no run bookkeeping is needed for the first episode.)"""
    hits = [
        d
        for d, v in history
        if d < before and not _hidden(d) and (v >= value if direction == "high" else v <= value)
    ]
    return max(hits) if hits else None


def label(day: dt.date | None) -> str:
    return f"{day.year} Q{(day.month - 1) // 3 + 1}"


@pytest.fixture(scope="module")
def table_path(shared_data: Path) -> Path:
    return shared_data / "fred" / "alfred" / "gdpc1_releases_first_second_third.csv"


@pytest.fixture(scope="module")
def by_hand(table_path):
    return table_by_hand(table_path)


@pytest.fixture(scope="module")
def releases(table_path):
    return read_release_file(table_path).frame


def latest_history(by_hand) -> list[tuple[dt.date, float]]:
    return sorted((q, r["latest"]) for q, r in by_hand.items())


def first_history(by_hand, known_on: dt.date | None = None) -> list[tuple[dt.date, float]]:
    return sorted(
        (q, r["first"]) for q, r in by_hand.items() if known_on is None or r["released"] <= known_on
    )


# --- the parser ---------------------------------------------------------------------------------


def test_parser_reads_the_real_table(table_path, by_hand) -> None:
    parsed = read_release_file(table_path)
    frame = parsed.frame
    assert len(frame) == len(by_hand) == 314
    assert [line for line, _ in parsed.skipped] == [2, 50]  # 1947 Q1 and 1959 Q1: no prev level
    assert all("no previous quarter's level" in why for _, why in parsed.skipped)
    for quarter, row in by_hand.items():
        got = frame.loc[str(quarter)]
        assert math.isclose(got["first_growth"], row["first"], rel_tol=0, abs_tol=1e-9)
        assert math.isclose(got["first_growth"], row["file_first"], abs_tol=1e-6)
        assert math.isclose(got["latest_growth"], row["latest"], rel_tol=0, abs_tol=1e-9)
        assert got["first_release_date"].date() == row["released"]
    # PROVENANCE: they agree with BEA's published figures after rounding.
    assert round(frame.loc["2025-07-01", "first_growth"], 2) == 4.34
    assert round(frame.loc["2025-07-01", "latest_growth"], 2) == 4.38


HEADER = (
    "observation_date,first_release_date,first_release,alfred_prev_level_first,"
    "qoq_saar_growth_alfred_first_pct,latest_release_date,latest_release,latest_prev_release"
)


def test_bad_rows_are_skipped_with_reasons() -> None:
    good_growth = ((101.0 / 100.0) ** 4 - 1) * 100
    text = "\n".join(
        [
            HEADER,
            f"2024-01-01,2024-04-25,101.0,100.0,{good_growth},2026-03-13,102.0,101.0",
            "2024-02-01,2024-05-25,101.0,100.0,,2026-03-13,102.0,101.0",  # not a quarter start
            "2024-04-01,2024-05-01,101.0,100.0,,2026-03-13,102.0,101.0",  # released mid-quarter
            "2024-07-01,2024-10-30,101.0,100.0,9.9,2026-03-13,102.0,101.0",  # check disagrees
            "2024-10-01,2025-01-30,-5,100.0,,2026-03-13,102.0,101.0",  # not a level
            f"2024-01-01,2024-04-25,101.0,100.0,{good_growth},2026-03-13,102.0,101.0",  # again
        ]
    )
    parsed = parse_release_table(text, source="t.csv")
    assert list(parsed.frame.index.date) == [dt.date(2024, 1, 1)]
    assert math.isclose(parsed.frame["first_growth"].iloc[0], good_growth, abs_tol=1e-12)
    reasons = dict(parsed.skipped)
    assert "not a quarter's first day" in reasons[3]
    assert "before the quarter ended" in reasons[4]
    assert "disagrees with its levels" in reasons[5]
    assert "not a positive level" in reasons[6]
    assert "repeats the quarter" in reasons[7]


def test_a_file_that_is_not_a_release_table_is_refused(tmp_path) -> None:
    with pytest.raises(BadInput, match="is not a real GDP release table: it lacks the columns"):
        parse_release_table("observation_date,GDPC1\n2025-07-01,24026.8\n", source="GDPC1.csv")
    with pytest.raises(BadInput, match="has no valid release row"):
        parse_release_table(HEADER + "\n", source="t.csv")


# --- the analytics ------------------------------------------------------------------------------


def test_a_nowcast_on_both_bases(releases, by_hand) -> None:
    """GDPNow's 5.3% for 2021 Q3 on 2021-09-01, against both bases as known that day."""
    quarter, known_on, value = dt.date(2021, 7, 1), dt.date(2021, 9, 1), 5.3
    vc = vintage_context(releases, value, quarter, known_on=known_on, exclude=PANDEMIC)
    today = latest_history(by_hand)
    direction = median_direction(today, value, quarter)
    since_today = since_by_hand(today, value, quarter, direction)
    since_first = since_by_hand(first_history(by_hand, known_on), value, quarter, direction)
    assert vc.today.direction == vc.first.direction == direction == "high"
    assert vc.today.episodes[0].last.date == since_today
    assert vc.first.episodes[0].last.date == since_first
    assert since_today != since_first and vc.differ
    assert vintage_phrase(vc, FASTEST) == (
        f"fastest since {label(since_today)} on today's data; "
        f"since {label(since_first)} on first releases"
    )


def test_first_releases_are_those_known_on_the_day(releases, by_hand) -> None:
    quarter, value = dt.date(2025, 10, 1), 3.0
    before = vintage_context(releases, value, quarter, known_on=dt.date(2025, 12, 22))
    on = vintage_context(releases, value, quarter, known_on=dt.date(2025, 12, 23))
    assert before.first.history_end == dt.date(2025, 4, 1)  # 2025 Q3 came out on 12-23
    assert on.first.history_end == dt.date(2025, 7, 1)
    direction = on.today.direction
    expected = since_by_hand(
        first_history(by_hand, dt.date(2025, 12, 23)), value, quarter, direction
    )
    assert on.first.episodes[0].last.date == expected


def test_a_gdp_quarter_uses_its_own_estimate_on_each_basis(releases, by_hand) -> None:
    quarter = dt.date(2025, 4, 1)
    row = by_hand[quarter]
    vc = quarter_vintage_context(releases, quarter, exclude=PANDEMIC)
    assert math.isclose(vc.value_today, row["latest"], abs_tol=1e-12)
    assert math.isclose(vc.value_first, row["first"], abs_tol=1e-12)
    today = latest_history(by_hand)
    first = first_history(by_hand, row["released"])
    d_today = median_direction(today, row["latest"], quarter)
    d_first = median_direction(first, row["first"], quarter)
    assert (vc.today.direction, vc.first.direction) == (d_today, d_first)
    assert vc.today.episodes[0].last.date == since_by_hand(today, row["latest"], quarter, d_today)
    assert vc.first.episodes[0].last.date == since_by_hand(first, row["first"], quarter, d_first)
    with pytest.raises(NoData, match="no 2030 Q1"):
        quarter_vintage_context(releases, dt.date(2030, 1, 1))


def test_a_quarter_revised_from_fast_to_slow_says_both() -> None:
    """Generated: 2024 Q3 first reported at +8% (fast), revised to -2% (slow)."""
    lines = [HEADER]
    level = 100.0
    quarters = [dt.date(2022 + (i // 4), 3 * (i % 4) + 1, 1) for i in range(11)]
    for i, q in enumerate(quarters):
        growth = [2.0, 1.0, 3.0, 2.5, 1.5, 2.0, 3.5, 1.0, 2.0, 2.5, 0][i]
        first, latest = growth, growth
        if q == dt.date(2024, 7, 1):
            first, latest = 8.0, -2.0
        prev = level
        level_first = prev * (1 + first / 100) ** 0.25
        level_latest = prev * (1 + latest / 100) ** 0.25
        released = dt.date(q.year + (q.month + 3 > 12), (q.month + 3 - 1) % 12 + 1, 28)
        lines.append(f"{q},{released},{level_first},{prev},,2026-03-13,{level_latest},{prev}")
        level = level * (1 + growth / 100) ** 0.25
    frame = parse_release_table("\n".join(lines)).frame
    vc = quarter_vintage_context(frame, dt.date(2024, 7, 1))
    assert (vc.today.direction, vc.first.direction) == ("low", "high")
    assert vc.differ
    assert vc.today.never_before and vc.first.never_before
    assert vintage_phrase(vc, FASTEST) == (
        "never this slow before on today's data; never this fast before on first releases"
    )


def test_same_answer_on_both_bases_and_never_before(releases, by_hand) -> None:
    quarter, known_on = dt.date(2025, 7, 1), dt.date(2025, 11, 5)
    vc = vintage_context(releases, 4.0, quarter, known_on=known_on, exclude=PANDEMIC)
    today = since_by_hand(latest_history(by_hand), 4.0, quarter, "high")
    first = since_by_hand(first_history(by_hand, known_on), 4.0, quarter, "high")
    assert today == first == vc.today.episodes[0].last.date
    assert not vc.differ
    assert vintage_phrase(vc, FASTEST) == (
        f"fastest since {label(vc.today.episodes[0].last.date)} on today's data and on first releases"
    )
    never = vintage_context(releases, 99.0, dt.date(2025, 7, 1))
    assert never.today.never_before and never.first.never_before and not never.differ
    assert vintage_phrase(never, FASTEST) == (
        "never this fast before on today's data and on first releases"
    )


# --- in the GDPNow answer -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gdpnow(shared_data):
    track = read_gdpnow_file(
        shared_data / "fred" / "atlantafed" / "gdpnow_track_2014-05-01_to_2025-12-31.csv"
    ).frame()
    bea = parse_fred_csv((shared_data / "fred" / "A191RL1Q225SBEA.csv").read_text())[1]
    return track, bea


def test_gdpnow_answer_adds_the_first_release_basis(gdpnow, releases, by_hand) -> None:
    track, bea = gdpnow
    day = dt.date(2021, 9, 1)
    answer = gdpnow_track_answer(track, bea, as_of=day, releases=releases, chart=False)
    data = answer.to_json()
    assert (data["value"], data["quarter"]) == (5.3, "2021-07-01")
    first = first_history(by_hand, day)
    expected = since_by_hand(first, 5.3, dt.date(2021, 7, 1), data["direction"])
    assert data["first_releases"]["since"] == expected.isoformat()
    assert data["first_releases"]["differ"] is (data["previous"][0]["date"] != expected.isoformat())
    assert data["headline_basis"] == "today's data"
    phrase = {f.name: f.value for f in answer.fields}["First release vs revised"]
    headline_since = dt.date.fromisoformat(data["previous"][0]["date"])
    assert phrase == (
        f"Fastest since {label(headline_since)} on today's data; since {label(expected)} on first releases."
    )
    assert HEADLINE_NOTE in answer.summary


def test_gdpnow_compares_first_releases_over_the_headline_quarters_only(
    gdpnow, releases, by_hand
) -> None:
    """The shared A191RL1Q225SBEA ends 2024 Q4, the table 2025 Q4: quarters after the
    history's end are left out of the first-release basis too, so the bases differ only by
    revision."""
    track, bea = gdpnow
    day = dt.date(2025, 12, 23)
    data = gdpnow_track_answer(track, bea, as_of=day, releases=releases, chart=False).to_json()
    first = [(q, v) for q, v in first_history(by_hand, day) if q <= dt.date(2024, 10, 1)]
    expected = since_by_hand(first, 3.0, dt.date(2025, 10, 1), data["direction"])
    assert data["first_releases"]["since"] == expected.isoformat()
    assert expected <= dt.date(2024, 10, 1)


# --- the store and the CLI ------------------------------------------------------------------------


def test_store_replaces_the_table(tmp_path, table_path, releases) -> None:
    with PriceCache(tmp_path / "c.db") as cache:
        result = import_release_file(cache, table_path, now=NOON)
        assert (result.quarters, result.first, result.last, result.latest_release) == (
            314,
            dt.date(1947, 4, 1),
            dt.date(2025, 10, 1),
            dt.date(2026, 3, 13),
        )
        store = ReleaseStore(cache)
        assert store.releases().equals(releases)
        small = tmp_path / "small.csv"
        small.write_text(
            "\n".join(table_path.read_text().splitlines()[:4]) + "\n", encoding="utf-8"
        )
        import_release_file(cache, small, now=NOON)
        assert list(store.releases().index.date) == [dt.date(1947, 4, 1), dt.date(1947, 7, 1)]
        assert store.record().source == "file:small.csv"
        with pytest.raises(BadInput):
            import_release_file(cache, tmp_path / "absent.csv")
        assert len(store.releases()) == 2


def test_cli_import_gdp_releases(cli_env, capsys, table_path) -> None:
    code, out, err = run(capsys, "import", "gdp-releases", str(table_path), "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert (data["quarters"], data["latest_release"]) == (314, "2026-03-13")
    assert [s["line"] for s in data["skipped"]] == [2, 50]
    bad = cli_env / "GDPC1.csv"
    bad.write_text("observation_date,GDPC1\n2025-07-01,24026.8\n")
    code, out, err = run(capsys, "import", "gdp-releases", str(bad))
    assert code == 2 and err.startswith("marketbot: GDPC1.csv is not a real GDP release table")


# --- ALFRED online (the fake FRED's vintage route) ------------------------------------------------

OPEN = "9999-12-31"
# Every value each quarter has had and when it was current. On 2024-07-25 BEA published 2024
# Q2's first estimate and revised 2023 Q4 and 2024 Q1 in the same vintage.
VINTAGES = [
    ("2023-10-01", "2024-01-25", "2024-07-24", "100.0"),
    ("2023-10-01", "2024-07-25", OPEN, "100.5"),
    ("2024-01-01", "2024-04-25", "2024-05-29", "101.0"),
    ("2024-01-01", "2024-05-30", "2024-07-24", "101.2"),
    ("2024-01-01", "2024-07-25", OPEN, "101.9"),
    ("2024-04-01", "2024-07-25", "2024-08-28", "102.5"),
    ("2024-04-01", "2024-08-29", OPEN, "102.8"),
    ("2024-07-01", "2024-07-25", "2024-10-29", "."),  # not yet estimated: no value
    ("2024-07-01", "2024-10-30", OPEN, "103.0"),
]


def vintage_rows():
    return [
        {"realtime_start": s, "realtime_end": e, "date": d, "value": v} for d, s, e, v in VINTAGES
    ]


def g(level: float, previous: float) -> float:
    return ((level / previous) ** 4 - 1) * 100


# By hand: first = level in its first vintage over the previous quarter current that day;
# latest = the still-current levels.
EXPECTED = {
    dt.date(2024, 1, 1): (dt.date(2024, 4, 25), g(101.0, 100.0), g(101.9, 100.5)),
    dt.date(2024, 4, 1): (dt.date(2024, 7, 25), g(102.5, 101.9), g(102.8, 101.9)),
    dt.date(2024, 7, 1): (dt.date(2024, 10, 30), g(103.0, 102.8), g(103.0, 102.8)),
}


def alfred_client(session, fake, key=API_KEY):
    from analytics.macro.alfred import AlfredClient

    return AlfredClient(session, api_key=key, base_url=fake.base_url, api_base_url=fake.base_url)


@pytest.fixture
async def session():
    import aiohttp

    async with aiohttp.ClientSession() as opened:
        yield opened


async def test_alfred_vintages_give_first_and_latest_growth(session) -> None:
    async with FakeAlfred({"GDPC1": vintage_rows()}, page_size=4) as fake:
        frame = await alfred_client(session, fake).fetch_releases()
    assert len(fake.requests) == 3  # 9 rows, 4 a page
    query = fake.requests[0][1]
    assert (query["realtime_start"], query["realtime_end"]) == ("1776-07-04", "9999-12-31")
    assert [q["offset"] for _, q in fake.requests] == ["0", "4", "8"]
    assert list(frame.index.date) == list(EXPECTED)
    for quarter, (released, first, latest) in EXPECTED.items():
        row = frame.loc[str(quarter)]
        assert row["first_release_date"].date() == released
        assert math.isclose(row["first_growth"], first, abs_tol=1e-12)
        assert math.isclose(row["latest_growth"], latest, abs_tol=1e-12)
        assert row["latest_release_date"].date() == dt.date(2024, 10, 30)


async def test_alfred_needs_a_key(session) -> None:
    async with FakeAlfred({"GDPC1": vintage_rows()}) as fake:
        with pytest.raises(BadInput, match="need FRED_API_KEY.*import gdp-releases FILE"):
            await alfred_client(session, fake, key=None).fetch_releases()
        assert fake.requests == []


class Clock:
    """Hours after NOON, moved by the test."""

    def __init__(self) -> None:
        self.hours = 0.0

    def __call__(self) -> dt.datetime:
        return NOON + dt.timedelta(hours=self.hours)


async def releases_of(data):
    """`data.fred.releases()` in a worker thread, as an answer calls it."""
    from analytics.macro.source import fred_of

    return await asyncio.to_thread(fred_of(data).releases)


async def test_load_releases_is_cache_first(tmp_path, table_path) -> None:
    from analytics.macro.source import fred_of
    from tests.analytics.commands.macro.asking import offline_facade, online_facade

    clock = Clock()
    with PriceCache(tmp_path / "c.db") as cache:
        async with (
            FakeAlfred({"GDPC1": vintage_rows()}) as fake,
            online_facade(cache, fake, clock, api_key=API_KEY) as data,
        ):
            first = await releases_of(data)
            clock.hours = 23
            again = await releases_of(data)
            assert len(fake.requests) == 1  # fetched once, then the cache for a day
            assert (first.source, again.source, again.warning) == ("ALFRED", "ALFRED", "")
            assert again.frame.equals(first.frame)
            clock.hours = 25
            later = await releases_of(data)
            assert len(fake.requests) == 2 and later.source == "ALFRED"
        clock.hours = 24 * 9
        offline = fred_of(offline_facade(cache, clock)).releases()
        assert offline.frame.equals(first.frame)
        # ALFRED down: the stored table, with a warning saying so.
        clock.hours = 24 * 3
        async with (
            FakeAlfred({"GDPC1": vintage_rows()}, status_ids={"GDPC1": 500}) as fake,
            online_facade(cache, fake, clock, api_key=API_KEY) as data,
        ):
            down = await releases_of(data)
        assert down.frame.equals(first.frame)
        assert "uses the stored table (ALFRED)" in down.warning
        # A key-less source uses an imported table as it is, asking nothing.
        import_release_file(cache, table_path, now=NOON)
        clock.hours = 0
        async with (
            FakeAlfred({"GDPC1": vintage_rows()}) as fake,
            online_facade(cache, fake, clock) as data,
        ):
            keyless = await releases_of(data)
            assert fake.requests == []
        assert len(keyless.frame) == 314 and keyless.source.startswith("file:")


async def test_load_releases_without_anything_leaves_the_basis_out(tmp_path) -> None:
    from tests.analytics.commands.macro.asking import online_facade

    with PriceCache(tmp_path / "c.db") as cache:
        async with (
            FakeAlfred({}, status_ids={"GDPC1": 500}) as fake,
            online_facade(cache, fake, lambda: NOON, api_key=API_KEY) as data,
        ):
            loaded = await releases_of(data)
    assert loaded.frame.empty
    assert loaded.warning.endswith("The first-release comparison is left out.")
