"""`records` and `levels` as commands: the answer functions over a cache, and the CLI with --json,
on planted prices and on ^RUT's real history."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from analytics import calendar
from analytics.commands.records import LEVELS, RECORDS
from analytics.commands.records._levels import levels_answer
from analytics.commands.records._parse import LevelsRequest, RecordsRequest
from analytics.commands.records._records import records_answer
from analytics.data.cache import PriceCache
from analytics.data.importers import read_price_file
from analytics.data.market import MarketData
from analytics.data.provider import BAR_COLUMNS
from analytics.errors import BadInput
from analytics.spec import NoProgress, ParseContext
from tests.support.cli import run

NOW = dt.datetime(2024, 7, 1, 22, 0, tzinfo=dt.UTC)  # Monday 2024-07-01, after the close
SESSIONS = calendar.sessions_between(dt.date(2023, 1, 3), dt.date(2024, 7, 1))
RUT_FILE = "prices/alitalbi_yfinance_to-2026-02/RUT.csv"
RUT_NOW = dt.datetime(2026, 3, 2, 22, 0, tzinfo=dt.UTC)  # a week after the file ends


def planted_closes() -> np.ndarray:
    """Rises to a record on session 200, falls, then sets records on the last 4 sessions."""
    n = len(SESSIONS)
    closes = np.concatenate(
        [
            np.linspace(100, 150, 201),  # records on sessions 1..200
            np.linspace(149, 120, n - 201 - 4),
            np.array([151.0, 152.0, 153.0, 154.0]),
        ]
    )
    assert len(closes) == n
    return closes


def planted_frame(closes: np.ndarray, *, highs: bool = True) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "open": closes,
            "high": closes + 0.5 if highs else np.nan,
            "low": closes - 0.5 if highs else np.nan,
            "close": closes,
            "adj_close": closes,
            "volume": np.full(len(closes), 1e6),
        },
        index=pd.DatetimeIndex(SESSIONS, name="date"),
    )[list(BAR_COLUMNS)]


@pytest.fixture
def market(tmp_path) -> MarketData:
    market = MarketData(PriceCache(tmp_path / "c.db"), None, now=lambda: NOW)
    market.import_bars("AAA", planted_frame(planted_closes()), "test")
    market.import_bars("CLO", planted_frame(planted_closes(), highs=False), "test")
    return market


def test_records_answer_on_planted_prices(market):
    answer = records_answer(market, RecordsRequest("AAA"), NoProgress())
    data = answer.to_json()
    n = len(SESSIONS)
    closes = planted_closes()
    assert answer.title == "AAA has set a record high 4 sessions in a row"
    assert data["record_high"] == {"value": 154.5, "date": SESSIONS[-1].date().isoformat()}
    assert data["record_close"] == {"value": 154.0, "date": SESSIONS[-1].date().isoformat()}
    assert data["current_run"] == {
        "length": 4,
        "start": SESSIONS[-4].date().isoformat(),
        "end": SESSIONS[-1].date().isoformat(),
    }
    # before the run: the high of session 200 (150.5)
    assert data["previous_record"] == {"value": 150.5, "date": SESSIONS[200].date().isoformat()}
    assert data["distance_from_high"] == pytest.approx(154.0 / 154.5 - 1)
    assert data["distance_from_close"] == 0.0
    assert data["sessions_since_record"] == 0
    records_2024 = [i for i in range(1, 201) if SESSIONS[i].year == 2024] + [
        n - 4,
        n - 3,
        n - 2,
        n - 1,
    ]
    assert data["records_this_year"] == len(records_2024)
    assert data["records_last_20"] == 4
    assert data["longest_gap"] == {
        "sessions": n - 4 - 200,
        "start": SESSIONS[200].date().isoformat(),
        "end": SESSIONS[-4].date().isoformat(),
    }
    assert data["close_records"]["previous_record"]["value"] == closes[200]
    assert data["basis"] == "high" and data["prices"] == "split-adjusted, not dividend-adjusted"
    assert answer.warnings == ()
    assert "(as of" not in answer.title
    # the chart marks the four latest record highs among those in view
    ax = answer.chart.figure().axes[0]
    [highs] = [c for c in ax.collections if c.get_label() == "record high (intraday)"]
    assert len(highs.get_offsets()) == 200 + 4  # every record is within the 5-year view


def test_a_close_only_source_has_no_record_high_and_says_so(market):
    answer = records_answer(market, RecordsRequest("CLO"), NoProgress())
    data = answer.to_json()
    assert data["record_high"] is None and data["distance_from_high"] is None
    assert data["basis"] == "close"
    assert data["record_close"]["value"] == 154.0
    assert answer.title == "CLO has set a record close 4 sessions in a row"
    assert any("record high is unknown" in w for w in answer.warnings)
    levels = levels_answer(market, LevelsRequest("CLO", (149.0,)), NoProgress())
    assert levels.to_json()["basis"] == "close"
    assert any("first_reached and the range use closes" in w for w in levels.warnings)


def test_records_as_of_a_date_without_a_run(market):
    as_of = SESSIONS[250].date()
    data = records_answer(market, RecordsRequest("AAA", as_of), NoProgress()).to_json()
    assert data["current_run"] is None
    assert data["sessions_since_record"] == 50
    assert data["record_high"]["date"] == SESSIONS[200].date().isoformat()
    assert data["as_of"] == as_of.isoformat()


def test_levels_answer_on_planted_prices(market):
    # since = a year before 2024-07-01; the close then is on the way down from 150
    answer = levels_answer(market, LevelsRequest("AAA", (153.2, 100.0, 121.0)), NoProgress())
    data = answer.to_json()
    since = SESSIONS[SESSIONS.searchsorted(pd.Timestamp("2023-07-01"))]
    assert data["since"] == since.date().isoformat()
    assert data["close"] == 154.0
    by_level = {row["level"]: row for row in data["levels"]}
    # 153.2 above the since close: the high (close + 0.5) first reaches it on close 153
    assert by_level[153.2]["first_reached"] == SESSIONS[-2].date().isoformat()
    assert by_level[153.2]["sessions_since"] == 1
    assert by_level[153.2]["side"] == "below"
    # 121 below the since close: the low (close - 0.5) reaches it where the decline passes 121.5
    closes = planted_closes()
    start = int(SESSIONS.searchsorted(since))
    first = start + int(np.flatnonzero(closes[start:] - 0.5 <= 121.0)[0])
    assert by_level[121.0]["first_reached"] == SESSIONS[first].date().isoformat()
    assert by_level[100.0]["first_reached"] is None and by_level[100.0][
        "distance"
    ] == pytest.approx(100 / 154 - 1)
    assert [t.title for t in answer.tables] == ["Levels vs the close of 2024-07-01"]
    assert data["range"]["years"] == 3 and data["range"]["complete"] is False


def test_parse_rejects_what_it_should_with_a_message():
    ctx = ParseContext(today=dt.date(2024, 7, 1))
    with pytest.raises(BadInput, match="since 2024-06-01 is not before as_of 2024-05-01"):
        LEVELS.parse_values({"ticker": "IWM", "since": "2024-06-01", "as_of": "2024-05-01"}, ctx)
    with pytest.raises(BadInput, match="as_of 2024-07-02 is in the future"):
        RECORDS.parse_values({"ticker": "IWM", "as_of": "2024-07-02"}, ctx)
    with pytest.raises(BadInput, match="is not a valid symbol"):
        RECORDS.parse_values({"ticker": "I*W"}, ctx)
    request = LEVELS.parse_values({"ticker": "rut", "levels": "2,642 2450,2300"}, ctx)
    assert request == LevelsRequest("^RUT", (2642.0, 2450.0, 2300.0), None, 3, None)


# --- ^RUT, real ------------------------------------------------------------------------------


@pytest.fixture
def rut_market(tmp_path, shared_data) -> MarketData:
    market = MarketData(PriceCache(tmp_path / "rut.db"), None, offline=True, now=lambda: RUT_NOW)
    for ticker, bars in read_price_file(shared_data / RUT_FILE).items():
        market.import_bars(ticker, bars, f"import:{RUT_FILE.rsplit('/', 1)[1]}")
    return market


@pytest.fixture(scope="module")
def rut_raw(shared_data) -> pd.DataFrame:
    return pd.read_csv(shared_data / RUT_FILE, parse_dates=["Date"]).set_index("Date").sort_index()


def test_rut_records_in_january_2026(rut_market, rut_raw):
    answer = records_answer(rut_market, RecordsRequest("^RUT", dt.date(2026, 1, 16)), NoProgress())
    data = answer.to_json()
    highs = rut_raw.loc[:"2026-01-16", "High"]
    closes = rut_raw.loc[:"2026-01-16", "Close"]
    assert data["record_high"] == {
        "value": float(highs.max()),
        "date": highs.idxmax().date().isoformat(),
    }
    assert data["record_close"] == {
        "value": float(closes.max()),
        "date": closes.idxmax().date().isoformat(),
    }
    is_record = highs > highs.cummax().shift(1)
    tail = is_record[::-1].cumprod()
    run = int(tail.sum())
    assert data["current_run"]["length"] == run == 7
    assert data["previous_record"] == {"value": 2595.97998046875, "date": "2025-12-12"}
    assert data["previous_record"]["value"] == float(highs.loc[:"2026-01-07"].max())
    assert data["records_this_year"] == int(is_record.loc["2026"].sum())
    assert data["sources"] == ["import:RUT.csv"]
    assert answer.warnings == ()  # an index: no dividend caveat; the data reaches 2026-01-16
    assert "1987-09-10" in {f.name: f.value for f in answer.fields}["Definitions"]


def test_rut_latest_answer_says_the_data_ends_before_the_session_asked(rut_market):
    answer = records_answer(rut_market, RecordsRequest("^RUT"), NoProgress())
    assert answer.title.endswith(" (as of 2026-02-23)")
    assert any(
        "The data ends 2026-02-23, before 2026-03-02" in w and "offline mode is on" in w
        for w in answer.warnings
    )


def test_rut_levels_and_the_four_year_breakout(rut_market, rut_raw):
    request = LevelsRequest(
        "^RUT", (2642.0, 2861.0, 3000.0, 2450.0, 2300.0), None, 4, dt.date(2026, 1, 16)
    )
    data = levels_answer(rut_market, request, NoProgress()).to_json()
    assert data["since"] == "2025-01-16"
    assert data["close"] == float(rut_raw.loc["2026-01-16", "Close"])
    assert data["range"]["breakout_date"] == "2025-09-18"
    assert data["range"]["high"] == float(rut_raw.loc["2021-09-19":"2025-09-17", "High"].max())
    assert data["range"]["low"] == float(rut_raw.loc["2021-09-19":"2025-09-17", "Low"].min())
    assert [row["first_reached"] for row in data["levels"]] == [
        "2026-01-13",
        None,
        None,
        "2025-09-17",
        "2025-01-21",
    ]
    view = rut_raw.loc["2025-01-16":"2026-01-16"]
    assert view.index[view["High"] >= 2642].min().date().isoformat() == "2026-01-13"
    # 2,300 is below the latest close but was above the close of 2025-01-16: reached by a high
    assert view["Close"].iloc[0] < 2300 < view["Close"].iloc[-1]
    assert view.index[view["High"] >= 2300].min().date().isoformat() == "2025-01-21"
    assert view.index[view["High"] >= 2450].min().date().isoformat() == "2025-09-17"


# --- the CLI ---------------------------------------------------------------------------------


def _write_csv(path, closes: np.ndarray) -> None:
    frame = planted_frame(closes)
    frame.index = frame.index.strftime("%Y-%m-%d")
    frame = frame.rename(columns=lambda c: {"adj_close": "Adj Close"}.get(c, c.title()))
    frame.to_csv(path, index_label="Date")


def test_cli_records_and_levels_json_on_planted_prices(cli_env, capsys):
    path = cli_env / "AAA.csv"
    _write_csv(path, planted_closes())
    code, _, err = run(capsys, "import", "prices", str(path))
    assert code == 0, err
    code, out, err = run(capsys, "--offline", "records", "aaa", "--as-of", "2024-07-01", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["current_run"]["length"] == 4
    assert data["record_close"] == {"value": 154.0, "date": "2024-07-01"}
    assert data["previous_record"]["date"] == SESSIONS[200].date().isoformat()
    code, out, err = run(
        capsys, "--offline", "levels", "AAA", "153.2", "100", "--as-of", "2024-07-01", "--json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert [(row["level"], row["side"]) for row in data["levels"]] == [
        (153.2, "below"),
        (100.0, "below"),
    ]
    assert data["levels"][0]["first_reached"] == SESSIONS[-2].date().isoformat()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["levels", "AAA", "abc"], "'abc' is not a price level"),
        (
            ["levels", "AAA", "--since", "2024-08-01", "--as-of", "2024-07-01"],
            "is not before as_of",
        ),
        (["records", "AAA", "--as-of", "2099-01-01"], "is in the future"),
        (["records", "AAA", "--as-of", "01/07/2024"], "is not a date"),
        (["records", "AAA", "--as-of", "1990-01-02"], "is before the data"),
        (["records", "ZZZ"], "No cached prices for ZZZ"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(cli_env, capsys, argv, message):
    path = cli_env / "AAA.csv"
    _write_csv(path, planted_closes())
    assert run(capsys, "import", "prices", str(path))[0] == 0
    code, out, err = run(capsys, "--offline", *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_cli_real_rut_json(cli_env, capsys, shared_data, rut_raw):
    assert run(capsys, "import", "prices", str(shared_data / RUT_FILE))[0] == 0
    code, out, err = run(capsys, "--offline", "records", "RUT", "--as-of", "2024-11-25", "--json")
    assert code == 0, err
    data = json.loads(out)
    # The day the November 2021 intraday record fell (by pandas: the first later high above it)
    nov = rut_raw.loc["2021-11", "High"]
    later = rut_raw.loc["2021-12-01":, "High"]
    assert later.index[later > nov.max()][0].date().isoformat() == "2024-11-25"
    assert data["current_run"] == {"length": 1, "start": "2024-11-25", "end": "2024-11-25"}
    assert data["previous_record"] == {"value": float(nov.max()), "date": "2021-11-08"}
    code, out, err = run(
        capsys, "--offline", "levels", "RUT", "--years", "4", "--as-of", "2026-01-16", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["range"]["breakout_date"] == "2025-09-18"
