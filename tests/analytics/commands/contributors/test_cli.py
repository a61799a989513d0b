"""`marketbot contributors` over the real IWM holdings file with generated prices: the CLI's
--json against contributions computed in the test; bad input exits 2 with one line."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest

from analytics import calendar
from analytics.holdings import yahoo_symbol
from tests.fakes.ishares import equity_weights
from tests.support.cli import run

IWM_2026 = "IWM_holdings_2026-05-05_ishares_raw.csv"


def planted_return(i: int) -> float:
    """The i-th constituent's planted 5-session return: -10% ... +10% in 1-point steps."""
    return (i % 21 - 10) / 100


def test_cli_real_iwm_holdings_with_generated_prices(shared_data, cli_env, capsys):
    path = shared_data / "holdings" / IWM_2026
    weights = equity_weights(path)
    code, out, err = run(capsys, "import", "holdings", "IWM", str(path), "--json")
    assert code == 0, err
    imported = json.loads(out)
    assert (imported["constituents"], imported["as_of"], imported["unmapped"]) == (
        len(weights),
        "2026-05-05",
        [],
    )

    # Prices: every constituent moves by its planted return over the 5 sessions to 2026-05-05.
    tickers = sorted(weights)
    begin, end = dt.date(2026, 4, 28), dt.date(2026, 5, 5)
    sessions = [d.date() for d in calendar.sessions_between(dt.date(2026, 4, 21), end)]
    returns = {t: planted_return(i) for i, t in enumerate(tickers)}
    returns["IWM"] = 0.02
    with open(cli_env / "prices.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Symbol", "Date", "Close"])
        for ticker, r in returns.items():
            symbol = ticker if ticker == "IWM" else yahoo_symbol(ticker)
            for day in sessions:
                writer.writerow([symbol, day.isoformat(), 50.0 if day <= begin else 50.0 * (1 + r)])
    assert run(capsys, "import", "prices", str(cli_env / "prices.csv"))[0] == 0

    code, out, err = run(
        capsys,
        "--offline",
        "contributors",
        "iwm",
        "--window",
        "5d",
        "--as-of",
        "2026-05-05",
        "--top",
        "3",
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    # H (2026-05-05) is the window's end: weights carried back to S by 1 / (1 + r), the names
    # keeping the weight they hold together in the file.
    grown = {t: weights[t] / (1 + returns[t]) for t in tickers}
    scale = sum(weights.values()) / sum(grown.values())
    bp = {yahoo_symbol(t): grown[t] * scale * returns[t] * 1e4 for t in tickers}
    best = sorted(bp, key=lambda t: (-bp[t], t))[:3]
    assert data["constituents"] == len(weights)
    assert (data["start"], data["end"], data["holdings_as_of"]) == (
        "2026-04-28",
        "2026-05-05",
        "2026-05-05",
    )
    assert data["fund_return"] == pytest.approx(0.02)
    assert [e["ticker"] for e in data["top"]] == best
    assert [e["contribution_bp"] for e in data["top"]] == pytest.approx([bp[t] for t in best])
    assert data["sum_contributions_bp"] == pytest.approx(sum(bp.values()))
    up = sum(1 for t in tickers if returns[t] > 0)
    down = sum(1 for t in tickers if returns[t] < 0)
    assert data["breadth"] == {
        "up": up,
        "down": down,
        "unchanged": len(tickers) - up - down,
        "priced": len(tickers),
        "share_up": pytest.approx(up / len(tickers)),
    }
    assert (data["unpriced"], data["partial"]) == (0, False)
    assert data["coverage"] == {
        "priced": len(weights),
        "universe": len(weights),
        "weight_share": pytest.approx(1.0),
    }
    assert (data["weights_at"], data["holdings_distance_days"]) == ("2026-04-28", 7)
    assert set(data) >= {
        "fund",
        "window",
        "start",
        "end",
        "holdings_as_of",
        "fund_return",
        "sum_contributions_bp",
        "explained_share",
        "unpriced",
        "constituents",
        "top",
        "bottom",
        "breadth",
        "partial",
    }

    code, out, err = run(
        capsys, "--offline", "contributors", "--window", "5d", "--as-of", "2026-05-05"
    )
    assert code == 0, err
    assert "Top contributors" in out and "IWM +2.00% over 5 sessions" in out


def test_cli_import_holdings_rejects_another_funds_file(shared_data, cli_env, capsys):
    code, out, err = run(
        capsys, "import", "holdings", "IVV", str(shared_data / "holdings" / IWM_2026)
    )
    assert code == 2
    assert err.startswith("marketbot: This file holds IWM (iShares Russell 2000 ETF), not IVV.")


def test_cli_unknown_fund_and_offline_without_holdings(cli_env, capsys):
    code, _, err = run(capsys, "contributors", "SPY")
    assert (code, err.split(".")[0]) == (2, "marketbot: No holdings source for fund 'SPY'")
    code, _, err = run(capsys, "--offline", "contributors", "IWM")
    assert code == 2
    assert "run `marketbot import holdings IWM FILE`" in err
