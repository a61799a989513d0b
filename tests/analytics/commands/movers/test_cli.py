"""`marketbot movers`: --json over planted prices, bad input (exit 2, one line), the real S&P 500
universe against a plain csv computation, and a refusal over the real IWM holdings."""

from __future__ import annotations

import csv
import json
import statistics

import pytest

from analytics.data.cache import PriceCache
from analytics.data.importers import read_price_file
from analytics.data.market import MarketData
from tests.analytics.commands.movers.planted import (
    B_2W,
    PLANTED,
    SATURDAY,
    UNIVERSE,
    E,
    plant,
    planted_bars,
)
from tests.fakes.ishares import equity_weights
from tests.support.cli import run


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
