"""Contributors and movers over IWM on real data: 1,868 Russell 2000 members' closes, IWM's own
closes (klevera, the same yfinance basis) and the iShares holdings of 2025-11-05, imported the
way a user would. Each answer is checked against a plain pandas computation straight from the
csv files: a window starting on the holdings date (weights are the file's, exactly), one
starting before it (QTD to 2025-12-31) and one after it (MTD to 2025-12-31)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.analytics.commands.real_files import HOLDINGS, IWM_CLOSES, MEMBERS, H
from tests.fakes.ishares import equity_weights
from tests.support.cli import run

END = "2025-12-31"
TOP = 15


@pytest.fixture(scope="module")
def files(shared_data):
    """(closes by date x ticker, IWM closes, holdings weights by Yahoo ticker) from the csvs."""
    closes = pd.read_csv(shared_data / MEMBERS).pivot(
        index="date", columns="ticker", values="close"
    )
    iwm = pd.read_csv(shared_data / IWM_CLOSES, index_col="date")["close"]
    # iShares writes share classes without the dash (CRDA); the member file has Yahoo's CRD-A.
    dashed = {c.replace("-", ""): c for c in closes.columns if "-" in c}
    weights = {dashed.get(t, t): w for t, w in equity_weights(shared_data / HOLDINGS).items()}
    return closes, iwm, pd.Series(weights)


def expected(files, start: str) -> dict:
    """Contributions over start..END computed with pandas from the files.

    Weight at S: w(H) x P(S) / P(H), rescaled so the names priced at H and S keep the weight
    they hold together in the file; contribution = that x P(E) / P(S) - 1.
    """
    closes, iwm, weights = files
    at = closes.reindex(columns=weights.index)
    p_h, p_s, p_e = at.loc[H], at.loc[start], at.loc[END]
    carried = p_h.notna() & p_s.notna()
    grown = weights[carried] * p_s[carried] / p_h[carried]
    w_s = grown * weights[carried].sum() / grown.sum()
    returns = (p_e / p_s - 1)[carried & p_e.notna()]
    bp = (w_s[returns.index] * returns * 1e4).sort_values(ascending=False)
    return {
        "weights_at_start": w_s,
        "bp": bp,
        "returns": returns,
        "fund_return": iwm[END] / iwm[start] - 1,
        "coverage": {
            "priced": len(bp),
            "universe": len(weights),
            "weight_share": weights[bp.index].sum() / weights.sum(),
        },
    }


def ask(capsys, db, *argv) -> dict:
    code, out, err = run(capsys, "--db", str(db), "--offline", *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def contributors(capsys, db, window: str, *extra) -> dict:
    return ask(capsys, db, "contributors", "IWM", "--window", window, "--top", str(TOP), *extra)


def check_against(data: dict, want: dict, start: str) -> None:
    bp = want["bp"]
    assert (data["start"], data["end"], data["holdings_as_of"], data["weights_at"]) == (
        start,
        END,
        H,
        start,
    )
    assert data["fund_return"] == pytest.approx(want["fund_return"], rel=1e-9)
    top = bp.head(TOP)
    bottom = bp.tail(TOP).iloc[::-1]
    assert [e["ticker"] for e in data["top"]] == list(top.index)
    assert [e["ticker"] for e in data["bottom"]] == list(bottom.index)
    assert [e["contribution_bp"] for e in data["top"]] == pytest.approx(list(top), rel=1e-9)
    assert [e["contribution_bp"] for e in data["bottom"]] == pytest.approx(list(bottom), rel=1e-9)
    assert [e["start_weight"] for e in data["top"]] == pytest.approx(
        list(want["weights_at_start"][top.index]), rel=1e-9
    )
    assert data["sum_contributions_bp"] == pytest.approx(bp.sum(), rel=1e-9)
    cov = want["coverage"]
    assert data["coverage"] == {
        "priced": cov["priced"],
        "universe": cov["universe"],
        "weight_share": pytest.approx(cov["weight_share"], rel=1e-9),
    }
    returns = want["returns"]
    assert (data["breadth"]["up"], data["breadth"]["down"]) == (
        int((returns > 0).sum()),
        int((returns < 0).sum()),
    )
    assert data["source"] == ("import: IWM.csv, r2000_members_close_2025-06-02_to_2025-12-31.csv")
    assert data["behind"] is None  # the data reaches the session asked
    # The member file covers 94.8% of the fund's equity weight: partial, on purpose.
    assert data["partial"] is True
    assert data["title"].endswith(f"· partial: {cov['weight_share']:.1%} of the weight")


def test_a_window_starting_on_the_holdings_date_uses_the_files_weights_exactly(
    capsys, r2000_db, files
):
    data = contributors(capsys, r2000_db, f"{H}:{END}")
    want = expected(files, H)
    check_against(data, want, H)
    weights = files[2]
    for entry in data["top"] + data["bottom"]:
        assert entry["start_weight"] == entry["holdings_weight"] == weights[entry["ticker"]]
    assert data["holdings_distance_days"] == 0
    assert data["coverage"]["universe"] == 1958
    assert round(data["coverage"]["weight_share"], 3) == 0.948  # 94.35 of 99.55 points


def test_a_window_starting_before_the_holdings_date_qtd(capsys, r2000_db, files):
    data = contributors(capsys, r2000_db, "qtd", "--as-of", END)
    check_against(data, expected(files, "2025-09-30"), "2025-09-30")
    assert data["holdings_distance_days"] == 36
    assert not any("approximate" in w for w in data["warnings"])  # within 92 days


def test_a_window_starting_after_the_holdings_date_mtd(capsys, r2000_db, files):
    # 2025-11-30 is a Sunday: MTD starts on the last session of November, the 28th.
    data = contributors(capsys, r2000_db, "mtd", "--as-of", END)
    want = expected(files, "2025-11-28")
    check_against(data, want, "2025-11-28")
    assert data["holdings_distance_days"] == 23


def test_movers_over_iwm_use_the_same_snapshot_and_state_the_same_coverage(capsys, r2000_db, files):
    data = ask(capsys, r2000_db, "movers", "--universe", "IWM", "--window", "mtd", "--as-of", END)
    closes, _, weights = files
    at = closes.reindex(columns=weights.index)
    returns = (at.loc[END] / at.loc["2025-11-28"] - 1).dropna()
    assert (data["holdings_as_of"], data["weights_at"], data["holdings_distance_days"]) == (
        H,
        "2025-11-28",
        23,
    )
    assert data["coverage"] == {
        "priced": len(returns),
        "universe": len(weights),
        "weight_share": pytest.approx(weights[returns.index].sum() / weights.sum(), rel=1e-9),
    }
    best = returns.sort_values(ascending=False, kind="stable").head(10)
    assert [g["ticker"] for g in data["gainers"]] == list(best.index)
    assert [g["return"] for g in data["gainers"]] == pytest.approx(list(best), rel=1e-9)
    assert data["partial"] is True and " · partial: " in data["title"]
