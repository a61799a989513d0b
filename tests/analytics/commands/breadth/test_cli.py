"""`marketbot breadth`: --json over planted prices (the issue's keys), the terminal panel, and bad
input refused with one line and exit 2 before anything is read."""

from __future__ import annotations

import json

import pytest

from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from tests.analytics.commands.breadth.planted import NOW, plant, window_return
from tests.support.cli import run

ISSUE_KEYS = {
    "share_up",
    "share_down",
    "above_ma",
    "new_highs",
    "new_lows",
    "ad_line",
    "equal_weight_return",
    "fund_return",
    "coverage",
}


@pytest.fixture
def planted_db(cli_env):
    cache = PriceCache(cli_env / "cli.db")
    plant(MarketData(cache, None, now=lambda: NOW))
    cache.close()
    (cli_env / "mine.txt").write_text("UP\nDOWN\nFLAT\n")
    return cli_env


def test_cli_json_has_the_issues_keys(planted_db, capsys) -> None:
    argv = ("--offline", "breadth", "--tickers-file", "mine.txt", "--window", "2w")
    code, out, err = run(capsys, *argv, "--as-of", "2026-08-21", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert set(data) >= ISSUE_KEYS
    assert set(data["above_ma"]) == {"20", "50", "200"}
    assert data["universe"] == "mine"
    assert data["share_up"] == pytest.approx(1 / 3) and data["share_down"] == pytest.approx(1 / 3)
    assert data["equal_weight_return"] == pytest.approx(
        (window_return("UP") + window_return("DOWN")) / 3
    )
    assert data["ad_line"][0] == {"date": "2026-08-10", "value": 0}  # UP +1, DOWN -1
    assert data["coverage"] == {"priced": 3, "universe": 3, "weight_share": None}
    code, out, err = run(capsys, *argv, "--as-of", "2026-08-21")
    assert code == 0, err
    assert "33% of mine names rose over 2 weeks" in out and "Breadth" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("IWM", "--compare", "IWM"), "compare names the same universe as universe (IWM)"),
        (("--tickers-file", "nothing.txt"), "nothing.txt: no such file"),
        (("IWM",), "No IWM holdings are stored and offline mode is on"),
        (("--tickers", "UP", "--window", "5y"), "Window 5y starts"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(planted_db, capsys, argv, message) -> None:
    code, out, err = run(capsys, "--offline", "breadth", *argv)
    assert (code, out) == (2, "")
    assert message in err and len(err.strip().splitlines()) == 1
