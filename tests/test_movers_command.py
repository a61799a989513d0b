"""The movers command: planted prices with known answers, bad input, the cold path, the CLI, real data."""

from __future__ import annotations

import csv
import datetime as dt
import json
import statistics

import numpy as np
import pandas as pd
import pytest

from analytics import calendar
from analytics.commands.movers import movers_answer, movers_command, movers_request
from analytics.coverage import InsufficientCoverage
from analytics.data.cache import PriceCache
from analytics.data.importers import read_price_file
from analytics.data.market import MarketData
from analytics.data.provider import BAR_COLUMNS
from analytics.errors import BadInput, NoData
from analytics.holdings import Holdings, HoldingsStore
from analytics.universes import universe_spec
from tests.cli import run
from tests.fakes.prices import RecordingProvider, bars_for
from tests.test_contributors_command import equity_weights

SATURDAY = dt.datetime(2026, 8, 22, 16, 0, tzinfo=dt.UTC)  # the last session is Fri 2026-08-21
TODAY = SATURDAY.date()
B_2W = "2026-08-07"  # 2w back from Fri 2026-08-21 is Fri 2026-08-07, a session
E = "2026-08-21"

# The planted 2w returns (adjusted closes): flat at 100 through B, then a step to 100 * (1 + r).
PLANTED = {
    "AAA": 1.5,
    "BBB": 0.8,
    "CCC": 0.25,
    "DDD": 0.1,
    "EEE": 0.0,
    "FFF": -0.05,
    "GGG": -0.3,
    "HHH": -0.55,
    "III": 0.02,
    "JJJ": -0.01,
}
LATE = "NEW"  # listed on 2026-08-14: too little history for 2w
ABSENT = "NOPE"  # never priced
UNIVERSE = [*PLANTED, LATE, ABSENT]
# 10 of the 12 names can be ranked over 2w: below 98% of the names, so every answer says so.
PARTIAL = " · partial: 10 of 12 names"


def planted_bars(r: float, first: str = "2026-06-01") -> pd.DataFrame:
    """close stays 200 (unadjusted) while adj_close steps from 100 to 100 * (1 + r) after B."""
    days = pd.DatetimeIndex(
        calendar.sessions_between(dt.date.fromisoformat(first), dt.date(2026, 8, 21)), name="date"
    )
    adj = np.where(days <= pd.Timestamp(B_2W), 100.0, 100.0 * (1 + r))
    frame = pd.DataFrame(
        {
            "open": 200.0,
            "high": 200.0,
            "low": 200.0,
            "close": 200.0,
            "adj_close": adj,
            "volume": 1.0,
        },
        index=days,
    )
    return frame[list(BAR_COLUMNS)]


def plant(market: MarketData) -> None:
    for ticker, r in PLANTED.items():
        market.import_bars(ticker, planted_bars(r), "test")
    market.import_bars(LATE, planted_bars(0.9, first="2026-08-14"), "test")


@pytest.fixture
def market(tmp_path):
    cache = PriceCache(tmp_path / "c.db")
    data = MarketData(cache, None, now=lambda: SATURDAY)
    plant(data)
    yield data
    cache.close()


def ask(market, *, tickers=UNIVERSE, **options):
    universe = universe_spec(tickers=",".join(tickers)).universe
    request = movers_request(**{"window": "2w", **options}, today=TODAY)
    return movers_answer(market, universe, request, chart=False)


# ---------------------------------------------------------------- known answers


def test_ranks_gainers_and_losers_with_counts_and_median(market) -> None:
    answer = ask(market, top=3)
    data = answer.to_json()
    ranked = sorted(PLANTED.items(), key=lambda kv: kv[1], reverse=True)
    assert [g["ticker"] for g in data["gainers"]] == ["AAA", "BBB", "CCC"]
    assert [g["return"] for g in data["gainers"]] == pytest.approx([r for _, r in ranked[:3]])
    assert [x["ticker"] for x in data["losers"]] == ["HHH", "GGG", "FFF"]
    assert data["gainers"][0] == {
        "ticker": "AAA",
        "return": pytest.approx(1.5),
        "start_close": 100.0,
        "end_close": 250.0,
        "start_date": B_2W,
        "end_date": E,
    }
    assert data["median"] == pytest.approx(statistics.median(PLANTED.values()))
    assert (data["window"], data["start"], data["end"]) == ("2w", B_2W, E)
    assert (data["universe_size"], data["priced"], data["ranked"]) == (12, 11, 10)
    assert list(data["left_out"]["short_history"]) == [LATE]
    assert data["left_out"]["no_prices"] == [ABSENT]
    assert answer.title == (
        "AAA +150.0% led the 12 tickers over 2 weeks; HHH -55.0% fell most" + PARTIAL
    )
    assert answer.as_of == dt.date(2026, 8, 21)
    assert (
        "Left out: 1 without enough prices in the window and 1 with no prices at all."
        in answer.summary
    )
    assert (data["coverage"], data["partial"]) == (
        {"priced": 10, "universe": 12, "weight_share": None},
        True,
    )
    assert "Coverage: 10 of 12 listed names priced; partial." in answer.summary
    assert data["holdings_as_of"] is None and data["weights_at"] is None
    assert answer.warnings == ()  # the data reaches the session asked: no "as of"
    assert [t.title for t in answer.tables] == ["Top gainers", "Top losers"]


def test_gainers_only_and_the_chart(market) -> None:
    universe = universe_spec(tickers=",".join(UNIVERSE)).universe
    answer = movers_answer(market, universe, movers_request("2w", "gainers", 25, today=TODAY))
    data = answer.to_json()
    # EEE did not move: neither a gainer nor a loser.
    assert [g["ticker"] for g in data["gainers"]] == ["AAA", "BBB", "CCC", "DDD", "III"]
    assert "losers" not in data
    assert answer.chart_png[:8] == b"\x89PNG\r\n\x1a\n"
    assert answer.tone == 1


@pytest.mark.parametrize(
    ("min_move", "meeting", "title"),
    [
        (
            "50%",
            {"gainers": 2, "losers": 1},
            "2 listed names rose and 1 fell 50% or more over 2 weeks",
        ),
        (
            "100",
            {"gainers": 1, "losers": 0},
            "1 listed name rose and 0 fell 100% or more over 2 weeks",
        ),
        ("-30%", {"losers": 2}, "2 listed names fell 30% or more over 2 weeks"),
    ],
)
def test_min_move_counts_names_that_moved_that_much(market, min_move, meeting, title) -> None:
    answer = ask(market, min_move=min_move)
    assert answer.data["meeting"] == meeting
    assert answer.title == title + PARTIAL
    threshold = abs(float(min_move.rstrip("%"))) / 100
    for side, count in meeting.items():
        sign = 1 if side == "gainers" else -1
        expected = sorted(
            (t for t, r in PLANTED.items() if sign * r >= threshold),
            key=lambda t: -sign * PLANTED[t],
        )
        assert [row["ticker"] for row in answer.data[side]] == expected
        assert len(expected) == count


def test_min_move_nobody_meets_says_so_and_shows_the_closest(market) -> None:
    answer = ask(market, min_move="200%", direction="gainers")
    assert answer.title == (
        "No listed name rose 200% or more over 2 weeks; closest AAA +150.0%" + PARTIAL
    )
    assert answer.data["gainers"] == []
    assert [c["ticker"] for c in answer.data["closest"]["gainers"]] == [
        "AAA",
        "BBB",
        "CCC",
        "DDD",
        "III",
    ]
    assert answer.tables[0].title == "None rose 200%: closest"


def test_one_day_window_uses_the_last_two_sessions(market) -> None:
    # Prices are flat after the step on 2026-08-10, so every 1d return is exactly 0.
    answer = ask(market, window="1d")
    data = answer.to_json()
    assert (data["start"], data["end"]) == ("2026-08-20", E)
    assert data["gainers"] == [] and data["losers"] == []
    assert answer.title == "No listed name moved on 2026-08-21 · partial: 11 of 12 names"
    assert data["ranked"] == 11  # NEW has 6 sessions: enough for 1d
    assert data["coverage"] == {"priced": 11, "universe": 12, "weight_share": None}


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"window": "2 fortnights"}, "is not a window"),
        ({"as_of": "2026-09-01"}, "is in the future"),
        ({"as_of": "yesterday"}, "as_of 'yesterday' is not a date"),
        ({"min_move": "lots"}, "is not a percent"),
        ({"min_move": "+10%", "direction": "losers"}, "set direction to gainers"),
        ({"top": 30}, "between 1 and 25"),
    ],
)
def test_bad_options_are_rejected_before_any_data_is_read(options, message) -> None:
    with pytest.raises(BadInput) as err:
        movers_request(**{"window": "2w", **options}, today=TODAY)
    assert message in err.value.message


def test_window_longer_than_the_data(market) -> None:
    with pytest.raises(NoData) as err:
        ask(market, window="1y")
    assert err.value.message == (
        "12 tickers: Window 1y starts 2025-08-21 but the data begins 2026-06-01. Try a shorter window."
    )


def test_universe_without_any_prices_offline(market) -> None:
    with pytest.raises(NoData) as err:
        ask(market, tickers=["ZZZ", "YYY"])
    # The range read ends on the last session, Fri 2026-08-21: 2w before (less a week's
    # slack) is 2026-07-31, less 10 days.
    assert err.value.message.startswith(
        "Nothing cached for these tickers from 2026-07-21 to 2026-08-21, and offline mode is on"
    )


def test_as_of_before_the_data(market) -> None:
    with pytest.raises(NoData) as err:
        ask(market, window="1d", as_of="2026-06-01")
    assert err.value.message == (
        "12 tickers: Window 1d needs 2 sessions ending 2026-06-01 but the data has 1 "
        "(it begins 2026-06-01). Try a shorter window."
    )
    with pytest.raises(NoData) as err:  # 1 session: 1.5 days + a week before 2026-05-15
        ask(market, window="1d", as_of="2026-05-15")
    assert "Nothing cached for these tickers from 2026-05-07 to 2026-05-15" in err.value.message


# ---------------------------------------------------------------- cold path


def test_cold_fetches_only_the_missing_names_and_reports_progress(tmp_path) -> None:
    provider = RecordingProvider()
    cache = PriceCache(tmp_path / "c.db")
    market = MarketData(cache, provider, now=lambda: SATURDAY)
    names = ["AB", "CDE", "FGHI", "JK", "LMNOP"]
    for ticker in names[:3]:
        market.import_bars(
            ticker, bars_for(ticker, dt.date(2026, 6, 1), dt.date(2026, 8, 21)), "test"
        )
    seen: list[tuple[int, int]] = []
    universe = universe_spec(tickers=" ".join(names)).universe
    answer = movers_answer(
        market,
        universe,
        movers_request("2w", today=TODAY),
        progress=lambda d, t: seen.append((d, t)),
        chart=False,
    )
    assert [call[0] for call in provider.calls] == [("JK", "LMNOP")]
    assert seen[0] == (0, 2) and seen[-1] == (2, 2)
    expected = {}
    for ticker in names:
        adj = bars_for(ticker, dt.date(2026, 8, 7), dt.date(2026, 8, 21))["adj_close"]
        expected[ticker] = adj.iloc[-1] / adj.iloc[0] - 1
    got = {
        row["ticker"]: row["return"] for side in ("gainers", "losers") for row in answer.data[side]
    }
    assert got == pytest.approx({t: r for t, r in expected.items() if r != 0})
    # Warm: nothing more is fetched.
    movers_answer(market, universe, movers_request("2w", today=TODAY), chart=False)
    assert len(provider.calls) == 1
    cache.close()


# ---------------------------------------------------------------- funds, coverage, as-of


def fund_holdings(market: MarketData, as_of: dt.date, weights: dict[str, float]) -> None:
    frame = pd.DataFrame(
        {
            "name": [f"{t} INC" for t in weights],
            "sector": "x",
            "weight": list(weights.values()),
            "quantity": 1.0,
            "price": 1.0,
            "market_value": 1.0,
        },
        index=pd.Index(list(weights), name="symbol"),
    )
    holdings = Holdings("IWM", "iShares Russell 2000 ETF", as_of, frame)
    HoldingsStore(market.cache.db).save(holdings, fetched_at=SATURDAY)


async def test_a_fund_universe_states_its_coverage_by_weight(market) -> None:
    # LATE (too little history) and ABSENT (no prices) hold 4% of the fund: 96% is ranked.
    weights = {t: 0.096 for t in PLANTED} | {LATE: 0.03, ABSENT: 0.01}
    fund_holdings(market, dt.date(2026, 8, 7), weights)
    request = movers_request("2w", top=3, today=TODAY)
    answer = await movers_command(market, None, universe_spec("IWM"), request, chart=False)
    data = answer.to_json()
    assert data["coverage"] == {"priced": 10, "universe": 12, "weight_share": pytest.approx(0.96)}
    assert (data["holdings_as_of"], data["weights_at"], data["holdings_distance_days"]) == (
        "2026-08-07",
        "2026-08-07",
        0,
    )
    assert answer.title == (
        "AAA +150.0% led IWM over 2 weeks; HHH -55.0% fell most · partial: 96.0% of the weight"
    )
    assert "Coverage: 10 of 12 IWM names priced (96.0% of its equity weight); partial." in (
        answer.summary
    )
    assert "Weights at 2026-08-07 are the 2026-08-07 holdings' own." in answer.summary


async def test_a_fund_with_less_than_half_its_weight_priced_is_refused(market) -> None:
    weights = {"AAA": 0.2, "BBB": 0.2, "ZZ1": 0.3, "ZZ2": 0.3}  # ZZ1, ZZ2 have no prices
    fund_holdings(market, dt.date(2026, 8, 7), weights)
    request = movers_request("2w", today=TODAY)
    with pytest.raises(InsufficientCoverage) as caught:
        await movers_command(market, None, universe_spec("IWM"), request, chart=False)
    assert caught.value.message == (
        "Only 2 of 4 IWM names (40.0% of its weight) have prices from 2026-08-07 to 2026-08-21, "
        "too few to answer for the whole (at least 50% needed). Import their prices "
        "(`marketbot import prices FILE`) or go online."
    )


def test_a_list_with_less_than_half_its_names_priced_is_refused(market) -> None:
    with pytest.raises(InsufficientCoverage, match="Only 1 of 3 listed names have prices"):
        ask(market, tickers=["AAA", "NOPE", "ZILCH"])


def test_a_cache_that_ends_before_today_answers_as_of_its_last_session(tmp_path) -> None:
    # Offline on 2026-11-30 with prices to 2026-08-21: a 2w window ends on 2026-08-21 (the load
    # reaches back from there, not from today) and the title says so.
    cache = PriceCache(tmp_path / "late.db")
    market = MarketData(cache, None, now=lambda: dt.datetime(2026, 11, 30, 23, 0, tzinfo=dt.UTC))
    plant(market)
    answer = ask(market, tickers=list(PLANTED))
    assert (answer.data["start"], answer.data["end"]) == (
        dt.date(2026, 8, 7),
        dt.date(2026, 8, 21),
    )
    assert answer.title == (
        "AAA +150.0% led the 10 tickers over 2 weeks; HHH -55.0% fell most (as of 2026-08-21)"
    )
    assert answer.warnings == (
        "The data ends 2026-08-21, before 2026-11-30, the session this answer should stand on: "
        "offline mode is on and the cache ends there.",
    )
    assert answer.data["behind"] == {
        "data_end": "2026-08-21",
        "expected": "2026-11-30",
        "why": "offline mode is on and the cache ends there",
    }
    assert answer.source == "test"
    asked = ask(market, tickers=list(PLANTED), as_of="2026-08-21")  # asked for that day: current
    assert asked.title.endswith("fell most") and asked.warnings == ()
    cache.close()


# ---------------------------------------------------------------- CLI


@pytest.fixture
def planted_db(cli_env):
    cache = PriceCache(cli_env / "cli.db")
    # The clock only marks imports as complete; the CLI's own clock is real (2026-08-21 is past).
    plant(MarketData(cache, None, now=lambda: SATURDAY))
    cache.close()
    (cli_env / "mine.txt").write_text("\n".join(UNIVERSE))
    return cli_env


def test_cli_json(planted_db, capsys) -> None:
    code, out, err = run(
        capsys,
        "--offline",
        "movers",
        "--tickers-file",
        "mine.txt",
        "--window",
        "2w",
        "--as-of",
        "2026-08-21",
        "--top",
        "2",
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert {"window", "start", "end", "universe_size", "priced", "gainers", "losers"} <= set(data)
    assert [g["ticker"] for g in data["gainers"]] == ["AAA", "BBB"]
    assert [g["ticker"] for g in data["losers"]] == ["HHH", "GGG"]
    assert (data["universe"], data["universe_size"], data["priced"]) == ("mine", 12, 11)
    assert data["losers"][0] == {
        "ticker": "HHH",
        "return": pytest.approx(-0.55),
        "start_close": 100.0,
        "end_close": pytest.approx(45.0),
        "start_date": B_2W,
        "end_date": E,
    }


def test_cli_negative_min_move_and_tickers(planted_db, capsys) -> None:
    code, out, err = run(
        capsys,
        "--offline",
        "movers",
        "--tickers",
        "AAA,GGG,HHH",
        "--window",
        "2w",
        "--as-of",
        "2026-08-21",
        "--min-move=-50%",
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["meeting"] == {"losers": 1}
    assert [x["ticker"] for x in data["losers"]] == ["HHH"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("--universe", "R2K"), "Unknown universe 'R2K'"),
        (("--universe", "IWM"), "No IWM holdings are stored and offline mode is on"),
        (("--tickers-file", "nothing.txt"), "nothing.txt: no such file"),
        (("--tickers", "AAA", "--min-move", "x"), "is not a percent"),
        (("--tickers", "AAA,BBB", "--window", "5y"), "Window 5y starts"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(planted_db, capsys, argv, message) -> None:
    code, out, err = run(capsys, "--offline", "movers", *argv)
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1


# ---------------------------------------------------------------- real data: S&P 500, 2w to 2026-08-21

UNIVERSE_CSV = "universe/sp500_ndx_close_yfinance_2024-01-02_to_2026-08-21.csv"
CONSTITUENTS = "universe/klevera_constituents_sp500_ndx.json"


@pytest.fixture(scope="module")
def sp500_db(shared_data, tmp_path_factory):
    """The universe close file from 2026-06-01 on (enough for 2w), imported offline."""
    path = tmp_path_factory.mktemp("sp500") / "sp500.db"
    cache = PriceCache(path)
    market = MarketData(cache, None, now=lambda: SATURDAY)
    for ticker, bars in read_price_file(shared_data / UNIVERSE_CSV).items():
        market.import_bars(ticker, bars.loc["2026-06-01":], "import")
    cache.close()
    return path


def independent_2w_returns(shared_data) -> dict[str, float]:
    """Each S&P 500 name's return from its last close on or before 2026-08-07 to its last on or
    before 2026-08-21, read with the csv module."""
    members = set(json.loads((shared_data / CONSTITUENTS).read_text())["sp500"])
    closes: dict[str, dict[str, float]] = {}
    with open(shared_data / UNIVERSE_CSV, newline="") as fh:
        for row in csv.DictReader(fh):
            if row["ticker"] in members and row["close"]:
                closes.setdefault(row["ticker"], {})[row["date"]] = float(row["close"])
    out = {}
    for ticker, series in closes.items():
        start = max(d for d in series if d <= B_2W)
        end = max(d for d in series if d <= E)
        out[ticker] = series[end] / series[start] - 1
    return out


def test_real_sp500_movers_match_a_plain_csv_computation(
    shared_data, sp500_db, capsys, monkeypatch, tmp_path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MARKETBOT_OFFLINE", raising=False)
    code, out, err = run(
        capsys,
        "--db",
        str(sp500_db),
        "--offline",
        "movers",
        "--tickers-file",
        str(shared_data / CONSTITUENTS),
        "--universe",
        "sp500",
        "--window",
        "2w",
        "--as-of",
        "2026-08-21",
        "--top",
        "5",
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    want = independent_2w_returns(shared_data)
    best = sorted(want, key=lambda t: (-want[t], t))[:5]
    worst = sorted(want, key=lambda t: (want[t], t))[:5]
    assert [g["ticker"] for g in data["gainers"]] == best
    assert [x["ticker"] for x in data["losers"]] == worst
    assert [g["return"] for g in data["gainers"]] == pytest.approx(
        [want[t] for t in best], rel=1e-9
    )
    assert [x["return"] for x in data["losers"]] == pytest.approx(
        [want[t] for t in worst], rel=1e-9
    )
    assert data["median"] == pytest.approx(statistics.median(want.values()), rel=1e-9)
    assert (data["universe_size"], data["priced"], data["ranked"]) == (503, len(want), len(want))
    assert (data["start"], data["end"]) == (B_2W, E)


def test_cli_the_issues_case_two_of_1920_iwm_names_priced_is_refused(
    shared_data, planted_db, capsys
) -> None:
    # The real 2026-05-05 IWM file; the cache holds prices for 2 of its 1,920 names only.
    holdings = shared_data / "holdings" / "IWM_holdings_2026-05-05_ishares_raw.csv"
    assert run(capsys, "import", "holdings", "IWM", str(holdings))[0] == 0
    cache = PriceCache(planted_db / "cli.db")
    market = MarketData(cache, None, now=lambda: SATURDAY)
    for ticker in ("ARKO", "ACHR"):
        market.import_bars(ticker, planted_bars(-0.286), "test")
    cache.close()
    code, out, err = run(
        capsys, "--offline", "movers", "--universe", "IWM", "--window", "2w", "--as-of", E
    )
    assert (code, out) == (2, "")
    weights = equity_weights(holdings)
    # Some planted tickers (DDD, ...) are IWM names too: they have prices as well.
    priced = [t for t in [*PLANTED, "ARKO", "ACHR"] if t in weights]
    share = sum(weights[t] for t in priced) / sum(weights.values())
    assert len(priced) < 10 and share < 0.01
    shown = f"{share:.1%}" if share >= 0.001 else f"{share:.2%}"
    assert err.strip() == (
        f"marketbot: Only {len(priced)} of 1,920 IWM names ({shown} of its weight) have prices "
        "from 2026-08-07 to 2026-08-21, too few to answer for the whole (at least 50% needed). "
        "Import their prices (`marketbot import prices FILE`) or go online."
    )
