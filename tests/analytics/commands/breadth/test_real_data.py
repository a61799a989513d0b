"""/breadth on real data, through `marketbot breadth --json`, against an independent pandas
computation straight from the csv files:

- the S&P 500 (the 503 names of the constituents file, closes of 2024-2025) over windows in
  2025: every measure, the 200-day averages and 52-week highs included;
- IWM with its 2025-11-05 holdings and the Russell 2000 member file (closes from 2025-06-02):
  coverage by weight (partial: the file prices 94.8% of it), the fund's own return, and the
  averages the short history cannot give (null, with the names counted).
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.analytics.commands.real_files import (
    CONSTITUENTS,
    HOLDINGS,
    IWM_CLOSES,
    MEMBERS,
    SP500_CLOSES,
)
from tests.fakes.ishares import equity_weights
from tests.support.cli import run


def ask(capsys, db, *argv) -> dict:
    code, out, err = run(capsys, "--db", str(db), "--offline", "breadth", *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def wide(path, names=None) -> pd.DataFrame:
    long = pd.read_csv(path)
    if names is not None:
        long = long[long["ticker"].isin(names)]
    frame = long.pivot(index="date", columns="ticker", values="close").sort_index()
    return frame[frame.notna().any(axis=1)]


def by_pandas(closes: pd.DataFrame, base: str, end: str) -> dict:
    """Every measure with plain pandas: rolling means, shifts and sums over the wide frame."""
    returns = (closes.loc[end] / closes.loc[base] - 1).dropna()
    rows = closes.loc[:end]
    above = {}
    for n in (20, 50, 200):
        last = rows.tail(n)
        full = last.columns[last.notna().all()] if len(last) == n else []
        counted = len(full)
        share = (
            float((last[full].iloc[-1] > last[full].mean()).sum() / counted) if counted else None
        )
        above[str(n)] = share
    end_ts = pd.Timestamp(end)
    dates = pd.to_datetime(rows.index)
    prior = rows[(dates > end_ts - pd.Timedelta(weeks=52)) & (dates < end_ts)]
    if pd.to_datetime(closes.index[0]) > end_ts - pd.Timedelta(weeks=52):
        highs = lows = None
    else:
        ok = prior.notna().all() & rows.loc[end].notna()
        highs = int((rows.loc[end][ok] > prior.loc[:, ok].max()).sum())
        lows = int((rows.loc[end][ok] < prior.loc[:, ok].min()).sum())
    span = closes.loc[base:end]
    change = span - span.shift(1)
    net = ((change > 0).sum(axis=1) - (change < 0).sum(axis=1)).iloc[1:]
    return {
        "share_up": float((returns > 0).mean()),
        "share_down": float((returns < 0).mean()),
        "above_ma": above,
        "new_highs": highs,
        "new_lows": lows,
        "ad_line": [{"date": d, "value": int(v)} for d, v in net.cumsum().items()],
        "equal_weight_return": float(returns.mean()),
        "priced": len(returns),
    }


def check(data: dict, want: dict) -> None:
    assert data["share_up"] == pytest.approx(want["share_up"], rel=1e-12)
    assert data["share_down"] == pytest.approx(want["share_down"], rel=1e-12)
    for n, share in want["above_ma"].items():
        assert data["above_ma"][n] == (None if share is None else pytest.approx(share, rel=1e-12))
    assert (data["new_highs"], data["new_lows"]) == (want["new_highs"], want["new_lows"])
    assert data["ad_line"] == want["ad_line"]
    assert data["equal_weight_return"] == pytest.approx(want["equal_weight_return"], rel=1e-9)
    assert data["priced"] == want["priced"]


# ---------------------------------------------------------------- the S&P 500


@pytest.fixture(scope="module")
def sp500(shared_data) -> tuple[pd.DataFrame, list[str]]:
    members = json.loads((shared_data / CONSTITUENTS).read_text())["sp500"]
    closes = wide(shared_data / SP500_CLOSES, set(members)).loc[:"2025-12-31"]
    return closes, members


@pytest.mark.parametrize(
    ("window", "base", "end"),
    [
        ("2025-03-31:2025-06-30", "2025-03-31", "2025-06-30"),
        ("2025-09-30:2025-12-31", "2025-09-30", "2025-12-31"),
        ("ytd", "2024-12-31", "2025-12-31"),
    ],
)
def test_sp500_breadth_in_2025(capsys, shared_data, sp500_db, sp500, window, base, end):
    closes, members = sp500
    data = ask(
        capsys,
        sp500_db,
        "sp500",
        "--tickers-file",
        str(shared_data / CONSTITUENTS),
        "--window",
        window,
        "--as-of",
        end,
    )
    want = by_pandas(closes, base, end)
    check(data, want)
    assert (data["start"], data["end"], data["universe"]) == (base, end, "sp500")
    assert data["above_ma"]["200"] is not None and data["new_highs"] is not None
    assert data["coverage"] == {"priced": want["priced"], "universe": 503, "weight_share": None}
    assert data["fund_return"] is None
    assert data["partial"] is (want["priced"] / len(members) < 0.98)


# ---------------------------------------------------------------- IWM and the Russell 2000 file


def test_iwm_breadth_over_the_member_file(capsys, shared_data, r2000_db):
    base, end = "2025-09-30", "2025-12-31"
    data = ask(capsys, r2000_db, "IWM", "--window", f"{base}:{end}")
    closes = wide(shared_data / MEMBERS)
    # iShares writes share classes without the dash (CRDA); the member file has Yahoo's CRD-A.
    dashed = {c.replace("-", ""): c for c in closes.columns if "-" in c}
    weights = pd.Series(
        {dashed.get(t, t): w for t, w in equity_weights(shared_data / HOLDINGS).items()}
    )
    members = closes.reindex(columns=weights.index)
    members = members.loc[:, members.notna().any()]
    want = by_pandas(members, base, end)
    check(data, want)
    priced = (members.loc[end] / members.loc[base] - 1).dropna().index
    assert data["coverage"] == {
        "priced": len(priced),
        "universe": len(weights),
        "weight_share": pytest.approx(weights[priced].sum() / weights.sum(), rel=1e-9),
    }
    assert data["partial"] is True and data["coverage"]["weight_share"] < 0.98
    iwm = pd.read_csv(shared_data / IWM_CLOSES, index_col="date")["close"]
    assert data["fund_return"] == pytest.approx(iwm[end] / iwm[base] - 1, rel=1e-9)
    # 148 sessions of history: no 200-day average, no 52-week high, the names counted.
    assert data["above_ma"]["200"] is None and data["new_highs"] is None
    assert data["above_ma_counted"]["50"] > 1500
    assert (data["holdings_as_of"], data["weights_at"]) == ("2025-11-05", base)
    assert data["title"].endswith(
        f"· partial: {data['coverage']['weight_share']:.1%} of the weight"
    )


@pytest.fixture(scope="module")
def both_db(shared_data, r2000_db, tmp_path_factory):
    """The Russell 2000 cache with the S&P 500 closes added, and the constituents file as the
    named lists beside it (sp500, ndx)."""
    import shutil

    from analytics.data.cache import PriceCache
    from analytics.data.importers import read_price_file
    from analytics.data.market import MarketData

    path = tmp_path_factory.mktemp("both") / "both.db"
    shutil.copy(r2000_db, path)
    cache = PriceCache(path)
    market = MarketData(cache, None)
    for ticker, bars in read_price_file(shared_data / SP500_CLOSES).items():
        if ticker != "IWM":
            market.import_bars(ticker, bars.loc[:"2025-12-31"], "import:sp500.csv")
    cache.close()
    (path.parent / "universes").mkdir()
    shutil.copy(shared_data / CONSTITUENTS, path.parent / "universes" / "constituents.json")
    return path


def test_iwm_against_the_sp500_side_by_side(capsys, shared_data, both_db, sp500):
    base, end = "2025-09-30", "2025-12-31"
    data = ask(capsys, both_db, "IWM", "--window", f"{base}:{end}", "--compare", "sp500")
    first, second = data["universes"]
    assert (data["mode"], first["universe"], second["universe"]) == ("compare", "IWM", "sp500")
    closes, _ = sp500
    check(second, by_pandas(closes, base, end))
    assert second["coverage"]["universe"] == 503 and second["fund_return"] is None
    iwm = pd.read_csv(shared_data / IWM_CLOSES, index_col="date")["close"]
    assert first["fund_return"] == pytest.approx(iwm[end] / iwm[base] - 1, rel=1e-9)
    assert first["partial"] is True
    assert data["title"].startswith(
        f"Names up from {base} to {end}: IWM {first['share_up']:.0%} vs sp500 "
        f"{second['share_up']:.0%} · partial: IWM "
    )
