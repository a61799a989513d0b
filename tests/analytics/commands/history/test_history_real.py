"""`history streak IWM SPY 10` on the real histories, against an independent pandas computation
from the CSV files themselves (run lengths by a plain loop, window ends by boolean masks,
baseline ends by `Series.asof`)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from analytics.commands.history._answer import streak_answer
from analytics.commands.history._parse import StreakEvent
from analytics.data.cache import PriceCache
from analytics.data.importers import read_price_file
from analytics.data.market import MarketData
from analytics.spec import NoProgress
from tests.support.cli import run

CHENC = "prices/chenc319_yahoo_to-2025-09"
ALITALBI = "prices/alitalbi_yfinance_to-2026-02"
HORIZONS = {"1w": pd.DateOffset(weeks=1), "1m": pd.DateOffset(months=1)}
HORIZONS |= {f"{m}m": pd.DateOffset(months=m) for m in (3, 6, 12)}
NOW = dt.datetime(2025, 9, 29, 22, 0, tzinfo=dt.UTC)  # the Monday after the files end


def adjusted(path, column: str = "Adj Close") -> pd.Series:
    frame = pd.read_csv(path, parse_dates=["Date"]).set_index("Date").sort_index()
    return frame[column].astype(float)


def independent_episodes(joint: pd.DataFrame, n: int) -> list[tuple[pd.Timestamp, int]]:
    """(episode date, run length) of runs of IWM beating SPY at least n sessions: a plain loop."""
    returns = joint.pct_change()
    out: list[tuple[pd.Timestamp, int]] = []
    run, start_date = 0, None
    for day, (ra, rb) in zip(returns.index, returns.to_numpy(), strict=True):
        if ra > rb:
            run += 1
            if run == n:
                start_date = day
        else:
            if run >= n:
                out.append((start_date, run))
            run = 0
    if run >= n:
        out.append((start_date, run))
    return out


@pytest.fixture(scope="module")
def chenc(shared_data, tmp_path_factory):
    market = MarketData(PriceCache(tmp_path_factory.mktemp("real") / "c.db"), None, now=lambda: NOW)
    for name in ("IWM", "SPY"):
        for ticker, bars in read_price_file(shared_data / CHENC / f"{name}.csv").items():
            market.import_bars(ticker, bars, f"import:{name}.csv")
    joint = pd.concat(
        [adjusted(shared_data / CHENC / f"{t}.csv").rename(t) for t in ("IWM", "SPY")],
        axis=1,
        join="inner",
    ).dropna()
    return market, joint


def test_iwm_beat_spy_10_sessions_since_2000(chenc):
    market, joint = chenc
    answer = streak_answer(
        market, StreakEvent("beat", "IWM", "SPY", 10, ("IWM", "SPY")), NoProgress()
    )
    data = json.loads(json.dumps(answer.to_json()))
    expected = independent_episodes(joint, 10)
    assert [(e["date"], e["length"]) for e in data["episodes"]] == [
        (d.date().isoformat(), length) for d, length in expected
    ]
    assert len(expected) >= 2 and data["anecdotal"] is True
    assert data["history_start"] == joint.index[0].date().isoformat() == "2000-05-26"
    assert data["history_end"] == "2025-09-26" and data["sessions"] == len(joint)
    # A window counts when it ends by the Sunday after Friday 2025-09-26 (the next session is
    # Monday 2025-09-29).
    complete_through = pd.Timestamp("2025-09-28")
    for (day, _), got in zip(expected, data["episodes"], strict=True):
        for horizon, offset in HORIZONS.items():
            target = day + offset
            if target > complete_through:
                assert horizon not in got["forward"]
                continue
            end = joint.index[joint.index <= target][-1]
            a = joint.at[end, "IWM"] / joint.at[day, "IWM"] - 1
            b = joint.at[end, "SPY"] / joint.at[day, "SPY"] - 1
            assert got["forward"][horizon] == pytest.approx({"a": a, "b": b, "spread": a - b})
    for horizon in HORIZONS:
        spreads = [
            e["forward"][horizon]["spread"] for e in data["episodes"] if horizon in e["forward"]
        ]
        summary = data["summary"][horizon]
        assert summary["n"] == len(spreads)
        assert summary["median"] == pytest.approx(float(np.median(spreads)))
        assert summary["mean"] == pytest.approx(float(np.mean(spreads)))
        assert summary["share_positive"] == pytest.approx(float(np.mean(np.array(spreads) > 0)))
        assert (summary["best"], summary["worst"]) == pytest.approx((max(spreads), min(spreads)))


def test_the_baseline_over_every_session_by_asof(chenc):
    market, joint = chenc
    data = streak_answer(
        market, StreakEvent("beat", "IWM", "SPY", 10, ("IWM", "SPY")), NoProgress()
    ).to_json()
    for horizon in ("1m", "12m"):
        targets = joint.index + HORIZONS[horizon]
        ok = targets <= pd.Timestamp("2025-09-28")
        ends_a = joint["IWM"].asof(targets[ok]).to_numpy()
        ends_b = joint["SPY"].asof(targets[ok]).to_numpy()
        spread = ends_a / joint["IWM"].to_numpy()[ok] - ends_b / joint["SPY"].to_numpy()[ok]
        baseline = data["baseline"][horizon]
        assert baseline["n"] == int(ok.sum())
        assert baseline["median"] == pytest.approx(float(np.median(spread)))
        assert baseline["mean"] == pytest.approx(float(np.mean(spread)))
        assert baseline["share_positive"] == pytest.approx(float(np.mean(spread > 0)))


def test_cli_as_of_2026_01_15_on_the_alitalbi_files(cli_env, capsys, shared_data):
    files = [str(shared_data / ALITALBI / f"{t}.csv") for t in ("IWM", "SPY")]
    assert run(capsys, "import", "prices", *files)[0] == 0
    code, out, err = run(
        capsys,
        "--offline",
        "history",
        "streak",
        "IWM",
        "SPY",
        "10",
        "--as-of",
        "2026-01-15",
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    # the same computation on the file's closes (yfinance auto-adjusted: Close is the basis)
    joint = pd.concat(
        [adjusted(shared_data / ALITALBI / f"{t}.csv", "Close").rename(t) for t in ("IWM", "SPY")],
        axis=1,
        join="inner",
    ).loc[:"2026-01-15"]
    expected = independent_episodes(joint, 10)
    assert [(e["date"], e["length"]) for e in data["episodes"]] == [
        (d.date().isoformat(), length) for d, length in expected
    ]
    current = data["current"]
    assert current is not None and current["ongoing"] and current == data["episodes"][-1]
    assert current["date"] == expected[-1][0].date().isoformat()
    assert data["history_end"] == "2026-01-15" and data["behind"] is None
    assert data["source"] == "import: IWM.csv, SPY.csv (alitalbi_yfinance_to-2026-02)"
