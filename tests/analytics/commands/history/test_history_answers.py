"""The history answers on planted prices and a generated monthly series (fake FRED), through the
answer functions and the CLI with --json."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import aiohttp
import pandas as pd
import pytest

from analytics.commands.history import MACRO, MOVE, STREAK
from analytics.commands.history._answer import macro_answer, move_answer, streak_answer
from analytics.data.cache import PriceCache
from analytics.data.http import HttpBridge
from analytics.data.market import MarketData
from analytics.errors import NoData
from analytics.spec import NoProgress, ParseContext
from bot.services import attach_fred
from bot.settings import load_settings
from tests.analytics.commands.history import planted
from tests.analytics.commands.history.planted import GROWTH, JUMP_AT, SESSIONS
from tests.fakes.fred import FakeFred, settings_env
from tests.fakes.prices import RecordingProvider
from tests.support.cli import run

NOW = dt.datetime(2024, 1, 2, 12, 0, tzinfo=dt.UTC)  # before the first 2024 session opens
CTX = ParseContext(today=dt.date(2024, 1, 2))
OFFSETS = {"1w": pd.DateOffset(weeks=1)} | {
    h: pd.DateOffset(months=int(h[:-1])) for h in ("1m", "3m", "6m", "12m")
}
LAST = SESSIONS[-1]  # Friday 2023-12-29; the next session is Tuesday 2024-01-02
COMPLETE_THROUGH = pd.Timestamp("2024-01-01")


def growth_return(start: int, horizon: str) -> float | None:
    """GRO's (and JMP's, after the jump) forward return by hand: GROWTH ** sessions - 1."""
    target = SESSIONS[start] + OFFSETS[horizon]
    if target > COMPLETE_THROUGH:
        return None
    return GROWTH ** (planted.session_on_or_before(target) - start) - 1


def planted_market(path, provider=None) -> MarketData:
    market = MarketData(PriceCache(path), provider, now=lambda: NOW)
    for ticker, closes in (("GRO", planted.gro()), ("JMP", planted.jmp()), ("UPS", planted.ups())):
        market.import_bars(ticker, planted.frame(closes), "test")
    return market


@pytest.fixture
def market(tmp_path) -> MarketData:
    return planted_market(tmp_path / "c.db")


def answer_json(answer) -> dict:
    return json.loads(json.dumps(answer.to_json()))


def test_streak_up_episodes_on_the_nth_session_with_forward_returns_on_another_ticker(market):
    request = STREAK.parse_values({"a": "UPS", "n": 5, "kind": "up", "on": "GRO"}, CTX)
    data = answer_json(streak_answer(market, request, NoProgress()))
    n = len(SESSIONS)
    starts = [100 + 4, 400 + 4, n - 1]  # the 5th session of each run
    assert [(e["date"], e["length"], e["ongoing"]) for e in data["episodes"]] == [
        (SESSIONS[104].date().isoformat(), 6, False),
        (SESSIONS[404].date().isoformat(), 8, False),
        (SESSIONS[n - 1].date().isoformat(), 5, True),
    ]
    for episode, start in zip(data["episodes"], starts, strict=True):
        expected = {h: growth_return(start, h) for h in OFFSETS}
        assert {h: v["a"] for h, v in episode["forward"].items()} == pytest.approx(
            {h: v for h, v in expected.items() if v is not None}
        )
    assert data["current"]["date"] == SESSIONS[n - 1].date().isoformat()
    assert data["summary"]["12m"]["n"] == 2 and data["summary"]["12m"]["left_out"] == 1
    assert data["event"] == {"kind": "streak", "streak": "up", "a": "UPS", "b": None, "n": 5}
    assert data["on"] == ["GRO"] and data["measure"] == "a"


def test_move_one_episode_at_the_jump(market):
    request = MOVE.parse_values({"ticker": "JMP", "percent": 10, "window": "1m"}, CTX)
    answer = move_answer(market, request, NoProgress())
    data = answer_json(answer)
    [episode] = data["episodes"]
    assert episode["date"] == SESSIONS[JUMP_AT].date().isoformat()
    # it holds while the window still starts before the jump: until JUMP + 1 month
    last = planted.session_on_or_before(SESSIONS[JUMP_AT - 1] + pd.DateOffset(months=1))
    assert episode["last"] == SESSIONS[last].date().isoformat()
    assert episode["forward"]["3m"]["a"] == pytest.approx(growth_return(JUMP_AT, "3m"))
    assert answer.title == (
        f"After JMP rose 10%+ over 1 month: JMP {growth_return(JUMP_AT, '3m'):+.2%} median "
        "3 months later (n=1, anecdotal)"
    )
    # the history starts when the window first fits: a month after the first session
    first = planted.session_on_or_before(SESSIONS[0] + pd.DateOffset(months=1)) + 1
    assert data["history_start"] == SESSIONS[first].date().isoformat()
    falls = move_answer(
        market,
        MOVE.parse_values({"ticker": "JMP", "percent": -5, "window": "5d"}, CTX),
        NoProgress(),
    )
    assert falls.to_json()["episodes"] == []
    assert falls.title == f"JMP fell 5%+ over 5 sessions: no episode since {SESSIONS[5].date()}"


def test_a_pair_on_the_answer_tables_and_behind_dating(tmp_path):
    later = dt.datetime(2024, 3, 1, 22, 0, tzinfo=dt.UTC)
    market = MarketData(PriceCache(tmp_path / "c.db"), None, now=lambda: later)
    market.import_bars("GRO", planted.frame(planted.gro()), "test")
    market.import_bars("UPS", planted.frame(planted.ups()), "test")
    request = STREAK.parse_values({"a": "UPS", "n": 5, "kind": "up", "on": "UPS,GRO"}, CTX)
    answer = streak_answer(market, request, NoProgress())
    data = answer_json(answer)
    assert answer.title.endswith(" (as of 2023-12-29)")
    assert answer.warnings[0].startswith("The data ends 2023-12-29, before 2024-03-01")
    assert data["behind"] == {
        "data_end": "2023-12-29",
        "expected": "2024-03-01",
        "why": "offline mode is on and the cache ends there",
    }
    ups, gro = planted.ups(), planted.gro()
    first = data["episodes"][0]
    start, end = 104, planted.session_on_or_before(SESSIONS[104] + OFFSETS["1m"])
    a, b = ups[end] / ups[start] - 1, gro[end] / gro[start] - 1
    assert first["forward"]["1m"] == pytest.approx({"a": a, "b": b, "spread": a - b})
    stats, baseline, episodes = answer.tables
    assert [c.unit for c in stats.specs][2:4] == ["pp", "pp"]  # a spread shown in pp
    assert episodes.rows[-1][0] == SESSIONS[104].date()
    assert episodes.rows[-1][3] == pytest.approx((a - b) * 100)  # 1m column, in pp
    assert "Past episodes, not a forecast." in answer.summary


def test_unknown_and_missing_data(market):
    with pytest.raises(NoData, match="offline mode is on"):
        streak_answer(market, STREAK.parse_values({"a": "GRO", "b": "ZZZ"}, CTX), NoProgress())
    with pytest.raises(
        NoData, match="as_of 2019-12-31 is before the data: GRO's history begins 2020-01-02"
    ):
        request = STREAK.parse_values({"a": "GRO", "b": "UPS", "as_of": "2019-12-31"}, CTX)
        streak_answer(market, request, NoProgress())


# --- macro: a generated monthly series on the fake FRED --------------------------------------------


@pytest.fixture
async def online(tmp_path, monkeypatch):
    """An online market (the fake provider has nothing before the planted bars) with an aiohttp
    session on this loop, and FRED pointed at the fake."""
    market = planted_market(tmp_path / "online.db", RecordingProvider())
    fake = FakeFred({"UNRATE": planted.unrate_csv()})
    async with fake, aiohttp.ClientSession() as session:
        market.attach_http(HttpBridge(session, asyncio.get_running_loop()))
        attach_fred(market, load_settings(settings_env(fake)))
        yield market, fake


async def test_macro_counts_from_the_session_after_the_first_friday_release(online):
    market, fake = online
    request = MACRO.parse_values({"series": "unemployment", "value": 5, "on": "GRO"}, CTX)
    answer = await asyncio.to_thread(macro_answer, market, request, NoProgress())
    data = answer_json(answer)
    assert fake.requests == [("/graph/fredgraph.csv", {"id": "UNRATE"})]
    # March 2021's 5.5 is out on Friday 2021-04-02 (Good Friday, no session): it counts from
    # Monday 04-05 until June's 4.0 is out on Friday 07-02. August 2022's 5.0 is out Friday
    # 2022-09-02 and counts from Tuesday 09-06 (Labor Day) to September's release on 10-07.
    assert [(e["date"], e["last"]) for e in data["episodes"]] == [
        ("2021-04-05", "2021-07-02"),
        ("2022-09-06", "2022-10-07"),
    ]
    for episode in data["episodes"]:
        start = int(SESSIONS.get_loc(pd.Timestamp(episode["date"])))
        expected = {h: growth_return(start, h) for h in OFFSETS}
        assert {h: v["a"] for h, v in episode["forward"].items()} == pytest.approx(expected)
    assert data["event"]["series"] == "UNRATE" and data["event"]["excluded"] == []
    assert data["publication"]["lag"].startswith("the first Friday of the next month")
    assert "first Friday of the next month" in " ".join(f.value for f in answer.fields)
    assert data["latest_reading"] == {"date": "2023-11-01", "value": 4.0, "published": "2023-12-01"}
    assert answer.source == "FRED; test"  # the rows used: imported as "test"


async def test_macro_below_and_exclusions(online):
    market, _ = online
    below = MACRO.parse_values(
        {"series": "UNRATE", "value": 4, "on": "GRO", "direction": "below"}, CTX
    )
    data = answer_json(await asyncio.to_thread(macro_answer, market, below, NoProgress()))
    # January 2020's reading is out Friday 2020-02-07: the history starts Monday 02-10
    assert data["history_start"] == "2020-02-10"
    assert [(e["date"], e["ongoing"]) for e in data["episodes"]] == [
        ("2020-02-10", False),
        ("2021-07-06", False),  # after July 4th (observed Monday 07-05)
        ("2022-10-10", True),
    ]
    excluded = MACRO.parse_values(
        {"series": "UNRATE", "value": 5, "on": "GRO", "exclude": "2021:2021"}, CTX
    )
    data = answer_json(await asyncio.to_thread(macro_answer, market, excluded, NoProgress()))
    assert [e["date"] for e in data["episodes"]] == ["2022-09-06"]
    assert data["event"]["excluded"] == [["2021-01-01", "2021-12-31"]]


# --- the CLI -----------------------------------------------------------------------------------------


@pytest.fixture
def files(cli_env):
    paths = {
        t: planted.write_csv(cli_env / f"{t}.csv", f())
        for t, f in (("JMP", planted.jmp), ("GRO", planted.gro))
    }
    (cli_env / "UNRATE.csv").write_text(planted.unrate_csv())
    return paths


def test_cli_move_and_macro_json(files, capsys, cli_env):
    assert run(capsys, "import", "prices", *map(str, files.values()))[0] == 0
    code, out, err = run(
        capsys, "--offline", "history", "move", "JMP", "10", "1m", "--as-of", "2023-12-29", "--json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert [e["date"] for e in data["episodes"]] == [SESSIONS[JUMP_AT].date().isoformat()]
    assert data["summary"]["12m"]["median"] == pytest.approx(growth_return(JUMP_AT, "12m"))
    assert data["source"] == f"import: JMP.csv ({cli_env.name})"  # the file and its folder
    code, out, err = run(capsys, "--offline", "history", "move", "JMP", "-5", "5d", "--json")
    assert code == 0 and json.loads(out)["episode_count"] == 0

    assert run(capsys, "import", "fred", str(cli_env / "UNRATE.csv"))[0] == 0
    code, out, err = run(
        capsys, "--offline", "history", "macro", "unemployment", "5", "--on", "GRO", "--json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert [e["date"] for e in data["episodes"]] == ["2021-04-05", "2022-09-06"]
    assert data["warnings"][0].startswith("The data ends 2023-12-29")  # offline, a later today


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("history", "streak", "JMP", "JMP"), "marketbot: JMP is given twice"),
        (("history", "move", "JMP", "0", "1m"), "marketbot: percent must be a move"),
        (("history", "macro", "cpi", "3", "--on", "GRO,gro"), "marketbot: on names GRO twice"),
        (
            ("history", "breadth", "IWM", "80", "--on", "GRO", "--direction", "sideways"),
            "marketbot history breadth: argument --direction: invalid choice",
        ),
        (("history", "breadth", "IWM", "100", "--on", "GRO"), "marketbot: percent 100 is not"),
        (("history", "breadth", "IWM", "80", "--on", "GRO"), "marketbot: No IWM holdings are"),
        (("history", "streak", "NOPE", "JMP"), "marketbot: No cached prices for NOPE"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(files, capsys, argv, message):
    assert run(capsys, "import", "prices", *map(str, files.values()))[0] == 0
    code, out, err = run(capsys, "--offline", *argv)
    assert code == 2 and out == ""
    assert err.startswith(message) and err.count("\n") == 1


def gdp_csv() -> str:
    """Quarterly growth 2019Q4..2023Q3: 2.0, except 6.0 in 2021Q2 (inside the pandemic
    exclusion) and 2022Q3."""
    quarters = pd.date_range("2019-10-01", "2023-07-01", freq="QS")
    rows = []
    for q in quarters:
        value = 6.0 if q in (pd.Timestamp("2021-04-01"), pd.Timestamp("2022-07-01")) else 2.0
        rows.append(f"{q.date().isoformat()},{value}")
    return "observation_date,A191RL1Q225SBEA\n" + "\n".join(rows) + "\n"


async def test_gdp_counts_from_its_first_release_where_the_release_table_knows_it(online):
    from analytics.macro.releases_store import ReleaseStore
    from analytics.macro.vintages import releases_frame

    market, fake = online
    fake.csv_texts["A191RL1Q225SBEA"] = gdp_csv()
    request = MACRO.parse_values({"series": "gdp", "value": 5, "on": "GRO"}, CTX)
    # without a release table: 30 days after the quarter, Sunday 2022-10-30 -> Monday 10-31;
    # 2021Q2 is inside the default exclusion (2020Q2-2021Q4)
    data = answer_json(await asyncio.to_thread(macro_answer, market, request, NoProgress()))
    assert [(e["date"], e["last"]) for e in data["episodes"]] == [("2022-10-31", "2023-01-30")]
    assert data["publication"]["release_dates_known"] == 0
    # with ALFRED's first release dates (Thursday 2022-10-27 for 2022Q3, 2023-01-26 for Q4)
    table = releases_frame(
        [
            (dt.date(2022, 7, 1), dt.date(2022, 10, 27), 2.6, dt.date(2025, 9, 25), 2.7),
            (dt.date(2022, 10, 1), dt.date(2023, 1, 26), 2.9, dt.date(2025, 9, 25), 3.4),
        ]
    )
    ReleaseStore(market.cache).replace(table, source="file:test.csv", imported_at=NOW)
    data = answer_json(await asyncio.to_thread(macro_answer, market, request, NoProgress()))
    assert [(e["date"], e["last"]) for e in data["episodes"]] == [("2022-10-28", "2023-01-26")]
    assert data["publication"]["release_dates_known"] == 2
    assert "first release (ALFRED's release table, 2 quarters)" in data["publication"]["rule"]
    everything = MACRO.parse_values(
        {"series": "gdp", "value": 5, "on": "GRO", "exclude": "none"}, CTX
    )
    data = answer_json(await asyncio.to_thread(macro_answer, market, everything, NoProgress()))
    # 2021Q2 now counts: 2021-07-30 (30 days after June 30) is a Friday -> Monday 08-02
    assert [e["date"] for e in data["episodes"]] == ["2021-08-02", "2022-10-28"]


def test_a_to_date_window_reads_as_such(market):
    request = MOVE.parse_values({"ticker": "JMP", "percent": 10, "window": "ytd"}, CTX)
    answer = move_answer(market, request, NoProgress())
    # the year-to-date return is 12%+ from the jump until the year ends; in later years the
    # growth reaches 10% after ln(1.1) / ln(GROWTH) = 190.7 sessions: the 191st of the year
    first, second = answer.to_json()["episodes"][:2]
    assert first["date"] == SESSIONS[JUMP_AT].date().isoformat()
    year_end = SESSIONS[SESSIONS.year == SESSIONS[JUMP_AT].year][-1]
    assert first["last"] == year_end.date().isoformat()
    next_year = SESSIONS[SESSIONS.year == SESSIONS[JUMP_AT].year + 1]
    assert second["date"] == next_year[190].date().isoformat()
    assert answer.title.startswith("After JMP rose 10%+ over the year to date: ")
