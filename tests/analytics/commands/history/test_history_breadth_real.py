"""`history breadth sp500 80 --on AAPL` on the real S&P 500 closes (2024-2025, the klevera
constituents as the named list) against an independent pandas computation from the csv file:
rolling 50-session means, the first sessions of each stretch at or above 80%, AAPL's 3-month
forward returns."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from tests.analytics.commands.real_files import CONSTITUENTS, SP500_CLOSES
from tests.support.cli import run


@pytest.fixture(scope="module")
def sp500_lists_db(sp500_db, shared_data, tmp_path_factory):
    path = tmp_path_factory.mktemp("hb") / "sp500.db"
    shutil.copy(sp500_db, path)
    members = json.loads((shared_data / CONSTITUENTS).read_text())["sp500"]
    (path.parent / "universes").mkdir()
    (path.parent / "universes" / "sp500.json").write_text(json.dumps(members))
    return path, members


def test_sp500_share_above_the_50_day_at_80_percent(capsys, shared_data, sp500_lists_db):
    db, members = sp500_lists_db
    argv = ["--db", str(db), "--offline", "history", "breadth", "sp500", "80", "--on", "AAPL"]
    code, out, err = run(capsys, *argv, "--as-of", "2025-12-31", "--json")
    assert code == 0, err
    data = json.loads(out)

    long = pd.read_csv(shared_data / SP500_CLOSES, parse_dates=["date"])
    long = long[long["date"] <= "2025-12-31"]
    wide = long.pivot(index="date", columns="ticker", values="close").sort_index()
    aapl = wide["AAPL"].dropna()
    closes = wide[[m for m in members if m in wide.columns]]
    closes = closes[closes.notna().any(axis=1)]
    mean = closes.rolling(50, min_periods=50).mean()  # NaN unless all 50 closes are there
    counted = mean.notna() & closes.notna()
    share = (closes > mean).where(counted, False).sum(axis=1) / counted.sum(axis=1)
    coverage = counted.sum(axis=1) / len(members)
    low = coverage[coverage < 0.5]
    start = coverage.index[coverage.index.get_loc(low.index[-1]) + 1]
    holds = share.loc[start:] >= 0.8
    firsts = holds & ~holds.shift(1, fill_value=False)
    dates = [d.date().isoformat() for d in holds.index[firsts]]

    assert data["history_start"] == start.date().isoformat()
    assert [e["date"] for e in data["episodes"]] == dates and len(dates) >= 10
    # A window may end up to the day before the next session after the data (2026-01-02).
    complete_through = pd.Timestamp("2026-01-01")
    for episode in data["episodes"]:
        day = pd.Timestamp(episode["date"])
        target = day + pd.DateOffset(months=3)
        if target > complete_through:  # the window runs past the data
            assert "3m" not in episode["forward"]
            continue
        end = aapl.index[aapl.index <= target][-1]
        assert episode["forward"]["3m"]["a"] == pytest.approx(aapl[end] / aapl[day] - 1, rel=1e-9)
    assert data["breadth"]["share"] == pytest.approx(share.iloc[-1])
    assert data["breadth"]["coverage"] == pytest.approx(coverage.iloc[-1])
    assert data["breadth"]["names"] == len(members)
