"""The shared price files imported in several orders: every stored daily return is the one of
the file whose row was kept, read here straight from the files with the csv module.

Also the README's offline sequence, run as written, and `compare SPY IWM` over 2025-08-05
(a down day of -0.51% in every file, which a spliced cache once read as +0.60%).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.data.price_import import import_price_file
from tests.analytics.commands.streaks.ask import compare
from tests.conftest import REPO_ROOT
from tests.support.cli import run

# File-name stems that are index aliases (PROVENANCE: "^" dropped from the names).
INDEX_STEMS = {"SPX": "^GSPC", "GSPC": "^GSPC", "RUT": "^RUT", "DJI": "^DJI", "NDX": "^NDX"}
INDEX_STEMS["VIX"] = "^VIX"
ROUNDING = 2e-6  # hand-over factors within 1e-6 of 1 are taken as 1 (rounding in the files)


def price_files(root: Path) -> list[Path]:
    found = [p for sub in ("prices", "universe") for p in (root / sub).rglob("*.csv")]
    return sorted(p for p in found if not p.name.endswith("_split_adjustment_events.csv"))


@functools.cache
def file_prices(path: Path) -> dict[str, dict[str, float]]:
    """ticker -> {date: the price returns are read from} straight from the CSV text.

    That price is the Adj Close where the file has one, else its Close (times the
    split_adj_factor of the merged Polygon files). Alpha Vantage names its date 'timestamp'.
    """
    out: dict[str, dict[str, float]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        keys = {k.lower(): k for k in reader.fieldnames or []}
        date_key = keys.get("date") or keys["timestamp"]
        price_key = keys.get("adj close") or keys["close"]
        ticker_key = keys.get("symbol") or keys.get("ticker")
        factor_key = keys.get("split_adj_factor")
        stem = INDEX_STEMS.get(path.stem, path.stem)
        for row in reader:
            ticker = row[ticker_key].replace(".", "-") if ticker_key else stem
            price = float(row[price_key]) * (float(row[factor_key]) if factor_key else 1.0)
            out.setdefault(ticker, {})[row[date_key][:10]] = price
    return out


def label(path: Path) -> str:
    return f"import:{path.parent.name}/{path.name}"


def import_all(market: MarketData, files: list[Path]) -> list:
    return [import_price_file(market, path) for path in files]


def check_returns(market: MarketData, files: list[Path]) -> tuple[int, int, list[str]]:
    """(returns checked, hand-overs no file can check, mismatches) over every stored ticker."""
    by_label = {label(p): file_prices(p) for p in files}
    tickers = sorted({t for prices in by_label.values() for t in prices})
    stored = market.cache.read_bars(tickers, columns=["adj_close", "source"])
    checked = unchecked = 0
    bad: list[str] = []
    for ticker, rows in stored.groupby("ticker", sort=False):
        days = rows["date"].dt.strftime("%Y-%m-%d").tolist()
        adj = rows["adj_close"].to_numpy()
        sources = rows["source"].tolist()
        holders = [prices[ticker] for prices in by_label.values() if ticker in prices]
        for i in range(1, len(days)):
            day, before = days[i], days[i - 1]
            got = adj[i] / adj[i - 1]
            kept = by_label[sources[i]].get(ticker, {})
            if day in kept and before in kept:
                wants = [kept[day] / kept[before]]
            else:  # the kept file lacks the session before: any file holding both may link them
                wants = [h[day] / h[before] for h in holders if day in h and before in h]
            if not wants:
                unchecked += 1
                continue
            checked += 1
            if not any(abs(got / want - 1) <= ROUNDING for want in wants):
                bad.append(f"{ticker} {before}->{day}: stored {got - 1:+.6%}, files {wants}")
    return checked, unchecked, bad


def spy_iwm_on_2025_08_05(market: MarketData) -> dict[str, float]:
    data = compare(market, "SPY IWM", "2025-08-04:2025-08-05").to_json()
    assert (data["start"], data["end"]) == ("2025-08-04", "2025-08-05")
    return {row["ticker"]: row["return"] for row in data["returns"]}


def expected_2025_08_05(shared_data: Path) -> dict[str, float]:
    """From the Yahoo export (raw and adjusted agree on a day without a dividend)."""
    out = {}
    for ticker in ("SPY", "IWM"):
        prices = file_prices(shared_data / "prices/chenc319_yahoo_to-2025-09" / f"{ticker}.csv")
        out[ticker] = prices[ticker]["2025-08-05"] / prices[ticker]["2025-08-04"] - 1
    return out


@pytest.fixture(scope="module", params=["sorted", "reversed"])
def imported(request, shared_data, tmp_path_factory):
    """Every shared price file in one cache, in name order or the reverse."""
    files = price_files(shared_data)
    if request.param == "reversed":
        files = files[::-1]
    cache = PriceCache(tmp_path_factory.mktemp(f"all-{request.param}") / "cache.db")
    market = MarketData(cache, offline=True)
    results = import_all(market, files)
    yield market, files, results
    cache.close()


def test_every_daily_return_is_the_kept_files(imported):
    market, files, _ = imported
    checked, unchecked, bad = check_returns(market, files)
    assert bad == []
    status = market.cache.status()
    assert checked + unchecked == sum(s.rows - 1 for s in status)
    # Nearly every pair of consecutive rows is held by some file; the rest are hand-overs
    # between files without a session in common, which nothing can check.
    print(f"checked {checked:,} daily returns, {unchecked:,} unverifiable hand-overs")
    assert unchecked < checked / 1000


def test_the_down_day_reads_as_down(imported, shared_data):
    market, _, _ = imported
    want = expected_2025_08_05(shared_data)
    assert round(want["SPY"], 4) == -0.0051
    got = spy_iwm_on_2025_08_05(market)
    assert got == {t: pytest.approx(v, abs=1e-6) for t, v in want.items()}


def test_spin_offs_one_source_adjusts_for_are_refused(imported):
    # Polygon's raw prices fall on FTV's, BDX's and FDX's spin-off days; yfinance adjusts.
    # Whichever came second is refused for that ticker (FDX: the Polygon snapshot, when first).
    _, _, results = imported
    refused = {(t.ticker, r.path.name) for r in results for t in r.refused}
    assert {t for t, _ in refused} == {"FTV", "BDX", "FDX"}
    for result in results:
        for line in result.refused:
            assert re.search(r"\d{4}-\d\d-\d\d -> \d{4}-\d\d-\d\d the file's", line.decision.text)


def test_raw_closes_survive_any_order(imported, shared_data):
    # SPY's close on 2022-11-18 is the Yahoo exports' raw close, whichever file came first
    # (alitalbi's and klevera's closes that day are dividend-adjusted).
    market, _, _ = imported
    with (shared_data / "prices/xjcarter_yahoo_2000-2022/SPY.csv").open(newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["Date"] == "2022-11-18")
    bar = market.cache.read_bars(["SPY"], dt.date(2022, 11, 18), dt.date(2022, 11, 18)).iloc[0]
    for name in ("Open", "High", "Low", "Close"):
        assert bar[name.lower()] == pytest.approx(float(row[name]), abs=1e-5)


def test_a_close_only_file_after_full_ohlcv_keeps_it(shared_data, tmp_path):
    market = MarketData(PriceCache(tmp_path / "c.db"), offline=True)
    full = shared_data / "prices/xjcarter_yahoo_2000-2022/SPY.csv"
    import_price_file(market, full)
    [line] = import_price_file(
        market, shared_data / "prices/klevera_yfinance_close_to-2026-08/SPY.csv"
    ).tickers
    assert line.kind == "spliced"
    with full.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    bars = market.cache.read_bars(["SPY"], dt.date(2000, 1, 1), dt.date(2022, 11, 18))
    assert len(bars) == len(rows)
    for name in ("Open", "High", "Low", "Close", "Volume"):
        want = np.array([float(r[name]) for r in rows])
        assert np.allclose(bars[name.lower()].to_numpy(), want, rtol=1e-12), name
    assert set(bars["source"]) == {label(full)}


# --- the README's offline sequence -------------------------------------------------------------


def readme_offline_commands() -> list[list[str]]:
    """The `uv run marketbot ...` lines of the README's "No network?" block, as argv lists."""
    text = (REPO_ROOT / "README.md").read_text()
    block = text.split("No network?", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    block = block.replace("\\\n", " ")
    commands = []
    for line in block.splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("uv run marketbot "):
            commands.append(line.removeprefix("uv run marketbot ").split())
    return commands


def test_the_readme_offline_sequence_matches_the_files(cli_env, capsys, shared_data):
    commands = readme_offline_commands()
    assert [c[:2] for c in commands] == [
        ["import", "prices"],
        ["--offline", "price"],
        ["--offline", "compare"],
    ]
    outputs = []
    for argv in commands:
        argv = [a.replace("../shared/data", str(shared_data)) for a in argv]
        code, out, err = run(capsys, *argv, "--json")
        assert code == 0, err
        outputs.append(json.loads(out))
    imported, bars, compare = outputs
    assert imported["failed"] == [] and imported["notices"] == []
    # price SPY over Nov 2022: the classic Yahoo export, row for row.
    with (shared_data / "prices/xjcarter_yahoo_2000-2022/SPY.csv").open(newline="") as handle:
        rows = {r["Date"]: r for r in csv.DictReader(handle)}
    assert [b["date"] for b in bars] == [d for d in rows if "2022-11-01" <= d <= "2022-11-18"]
    for bar in bars:
        assert bar["close"] == pytest.approx(float(rows[bar["date"]]["Close"]), rel=1e-12)
        assert bar["volume"] == float(rows[bar["date"]]["Volume"])
    want = expected_2025_08_05(shared_data)
    assert {r["ticker"]: r["return"] for r in compare["returns"]} == {
        t: pytest.approx(v, abs=1e-6) for t, v in want.items()
    }
    assert pd.Timestamp(compare["end"]) == pd.Timestamp("2025-08-05")
