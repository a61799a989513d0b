"""The import policy on small generated files: each rule, checked against values by hand."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.data.price_import import import_price_file, source_label
from analytics.errors import BadInput
from tests.conftest import REPO_ROOT

# Ten consecutive NYSE sessions (2024-01-15 is a holiday, so it is not among them).
DAYS = [d.strftime("%Y-%m-%d") for d in pd.bdate_range("2024-01-02", "2024-01-16")]
DAYS.remove("2024-01-15")
PRICES = [100.0, 101.0, 99.5, 102.0, 103.5, 103.0, 104.2, 105.0, 104.0, 106.1]


@pytest.fixture
def market(tmp_path) -> MarketData:
    cache = PriceCache(tmp_path / "cache.db")
    yield MarketData(cache, offline=True)
    cache.close()


def write(path: Path, header: str, rows: list[tuple]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [header] + [",".join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def yahoo(path: Path, days, close, adj=None) -> Path:
    """A Yahoo export: open = close - 1, high = close + 2, low = close - 2, volume 1000."""
    adj = adj or close
    rows = [(d, c - 1, c + 2, c - 2, c, a, 1000) for d, c, a in zip(days, close, adj, strict=True)]
    return write(path, "Date,Open,High,Low,Close,Adj Close,Volume", rows)


def close_only(path: Path, days, close) -> Path:
    return write(path, "date,close", list(zip(days, close, strict=True)))


def stored(market: MarketData, ticker: str = "ABC") -> pd.DataFrame:
    return market.cache.read_bars([ticker]).set_index("date")


def returns(series: pd.Series) -> pd.Series:
    return (series / series.shift(1) - 1).dropna()


def by_hand(days, prices) -> dict[str, float]:
    return {d: prices[i] / prices[i - 1] - 1 for i, d in enumerate(days) if i}


def test_first_import_stores_the_file_as_printed(market, tmp_path):
    result = import_price_file(market, yahoo(tmp_path / "a" / "ABC.csv", DAYS, PRICES))
    [line] = result.tickers
    assert (line.kind, line.rows, line.written) == ("new", 10, 10)
    bars = stored(market)
    assert bars["close"].tolist() == PRICES
    assert bars["open"].tolist() == [p - 1 for p in PRICES]
    assert set(bars["source"]) == {"import:a/ABC.csv"} == {source_label(tmp_path / "a/ABC.csv")}
    cov = market.cache.coverage(["ABC"])["ABC"]
    assert (cov.checked_from.isoformat(), cov.checked_to.isoformat()) == (DAYS[0], DAYS[-1])


def test_reimport_changes_nothing(market, tmp_path):
    path = yahoo(tmp_path / "a" / "ABC.csv", DAYS, PRICES)
    import_price_file(market, path)
    [line] = import_price_file(market, path).tickers
    assert (line.kind, line.written) == ("same", 0)
    assert "nothing new" in line.decision.text
    assert len(stored(market)) == 10


def test_close_only_after_ohlcv_keeps_the_ohlcv(market, tmp_path):
    import_price_file(market, yahoo(tmp_path / "a" / "ABC.csv", DAYS[:6], PRICES[:6]))
    # The close-only file says the same closes, and four more sessions.
    [line] = import_price_file(market, close_only(tmp_path / "b" / "ABC.csv", DAYS, PRICES)).tickers
    bars = stored(market)
    assert bars["open"].iloc[:6].tolist() == [p - 1 for p in PRICES[:6]]
    assert bars["volume"].iloc[:6].tolist() == [1000.0] * 6
    assert bars["open"].iloc[6:].isna().all()  # the file has none to give
    assert bars["close"].tolist() == PRICES
    assert (line.kind, line.decision.added) == ("same", 4)
    assert bars["source"].iloc[:6].eq("import:a/ABC.csv").all()
    assert bars["source"].iloc[6:].eq("import:b/ABC.csv").all()


def test_ohlcv_fills_what_a_close_only_row_lacks_shaped_to_its_close(market, tmp_path):
    import_price_file(market, close_only(tmp_path / "a" / "ABC.csv", DAYS, PRICES))
    # A raw OHLCV source 1% above (another dividend basis): its bars are fitted to each close.
    richer = [p * 1.01 for p in PRICES]
    rows = [(d, c - 1, c + 2, c - 2, c, 500) for d, c in zip(DAYS, richer, strict=True)]
    import_price_file(
        market, write(tmp_path / "b" / "ABC.csv", "timestamp,open,high,low,close,volume", rows)
    )
    bars = stored(market)
    assert bars["close"].tolist() == PRICES  # the cached row is kept
    for day, close, rich in zip(DAYS, PRICES, richer, strict=True):
        assert bars.loc[day, "high"] == pytest.approx((rich + 2) * close / rich, rel=1e-12)
        assert bars.loc[day, "volume"] == 500.0


def test_drifting_ratio_keeps_cached_rows_and_splices_at_the_hand_over(market, tmp_path):
    import_price_file(market, yahoo(tmp_path / "a" / "ABC.csv", DAYS[:7], PRICES[:7]))
    # Another dividend basis: the same moves but for a 1% step on DAYS[3] (a dividend the
    # second file adjusts for and the first not), and its own later sessions.
    other = [p * (0.99 if i < 3 else 1.0) * 0.9 for i, p in enumerate(PRICES)]
    other[7:] = [other[6] * 1.02, other[6] * 1.02 * 0.97, other[6] * 1.02 * 0.97 * 1.01]
    [line] = import_price_file(market, close_only(tmp_path / "b" / "ABC.csv", DAYS, other)).tickers
    assert line.kind == "spliced"
    assert "hand-over at 2024-01-11" in line.decision.text
    got = returns(stored(market)["adj_close"])
    want = by_hand(DAYS[:7], PRICES[:7]) | {
        d: r for d, r in by_hand(DAYS, other).items() if d >= DAYS[7]
    }
    assert got.index.strftime("%Y-%m-%d").tolist() == DAYS[1:]
    for day, value in want.items():
        assert got[day] == pytest.approx(value, rel=1e-12, abs=1e-15), day
    # The newer file's last row keeps its own value: history is re-based onto it.
    assert stored(market)["adj_close"].iloc[-1] == pytest.approx(other[-1], rel=1e-12)
    assert stored(market)["close"].iloc[:7].tolist() == PRICES[:7]  # raw closes untouched


def test_constant_ratio_puts_an_older_file_on_the_cached_basis(market, tmp_path):
    import_price_file(market, yahoo(tmp_path / "a" / "ABC.csv", DAYS[4:], PRICES[4:]))
    # The older file is adjusted as of another date: exactly 0.97 x on every shared session.
    older = [p * 0.97 for p in PRICES]
    [line] = import_price_file(market, close_only(tmp_path / "b" / "ABC.csv", DAYS, older)).tickers
    assert line.kind == "rebased"
    assert "0.9700" in line.decision.text
    bars = stored(market)
    assert bars["adj_close"].tolist() == pytest.approx(PRICES, rel=1e-12)  # on the cached basis
    assert bars["adj_close"].iloc[4:].tolist() == PRICES[4:]  # cached rows untouched
    assert bars["close"].iloc[:4].tolist() == pytest.approx(older[:4])  # printed, no split


def test_a_split_apart_re_bases_the_older_raw_prices(market, tmp_path):
    # The cache holds pre-split prices; the newer file is after a 2:1 split, history halved.
    import_price_file(
        market, yahoo(tmp_path / "a" / "ABC.csv", DAYS[:6], [p * 2 for p in PRICES[:6]])
    )
    [line] = import_price_file(
        market, yahoo(tmp_path / "b" / "ABC.csv", DAYS[3:], PRICES[3:])
    ).tickers
    assert "a 2:1 split apart" in line.decision.text
    bars = stored(market)
    assert bars["close"].tolist() == pytest.approx(PRICES, rel=1e-12)
    assert bars["adj_close"].tolist() == pytest.approx(PRICES, rel=1e-12)
    # The six cached rows (shared ones included: the cached row is kept) in post-split shares.
    assert bars["volume"].tolist() == [2000.0] * 6 + [1000.0] * 4


def test_raw_closes_replace_dividend_adjusted_ones(market, tmp_path):
    adjusted = [p * 0.95 for p in PRICES]  # a yfinance auto-adjusted close: 5% of dividends out
    import_price_file(market, close_only(tmp_path / "a" / "ABC.csv", DAYS, adjusted))
    [line] = import_price_file(
        market, yahoo(tmp_path / "b" / "ABC.csv", DAYS, PRICES, adj=adjusted)
    ).tickers
    assert "dividend-adjusted: replaced by this file's raw" in line.decision.text
    bars = stored(market)
    assert bars["close"].tolist() == PRICES
    assert bars["open"].tolist() == [p - 1 for p in PRICES]
    assert bars["adj_close"].tolist() == pytest.approx(adjusted, rel=1e-12)


def test_an_adjusted_close_never_replaces_a_raw_one(market, tmp_path):
    adjusted = [p * 0.95 for p in PRICES]
    import_price_file(market, yahoo(tmp_path / "a" / "ABC.csv", DAYS, PRICES, adj=adjusted))
    import_price_file(market, close_only(tmp_path / "b" / "ABC.csv", DAYS, adjusted))
    bars = stored(market)
    assert bars["close"].tolist() == PRICES
    assert bars["adj_close"].tolist() == pytest.approx(adjusted, rel=1e-12)


def test_a_file_filling_a_gap_splices_at_both_ends(market, tmp_path):
    early, late = DAYS[:3], DAYS[7:]
    import_price_file(market, yahoo(tmp_path / "a" / "ABC.csv", early, PRICES[:3]))
    import_price_file(
        market, yahoo(tmp_path / "c" / "ABC.csv", late, [p * 1.1 for p in PRICES[7:]])
    )
    filler = [p * 0.8 for p in PRICES]
    filler[5] *= 1.003  # its own wiggle inside the gap
    import_price_file(market, close_only(tmp_path / "b" / "ABC.csv", DAYS, filler))
    got = returns(stored(market)["adj_close"])
    # Inside each cached run its own moves; across both hand-overs the filler's.
    for day, value in (by_hand(early, PRICES[:3]) | by_hand(late, PRICES[7:])).items():
        assert got[day] == pytest.approx(value, rel=1e-12), day
    for day in DAYS[3:8]:
        assert got[day] == pytest.approx(by_hand(DAYS, filler)[day], rel=1e-12), day
    assert stored(market)["adj_close"].iloc[-1] == pytest.approx(PRICES[-1] * 1.1, rel=1e-12)


def test_disagreeing_returns_refuse_the_ticker_and_keep_the_cache(market, tmp_path):
    import_price_file(market, yahoo(tmp_path / "a" / "ABC.csv", DAYS[:6], PRICES[:6]))
    unadjusted = PRICES[:3] + [p * 2 for p in PRICES[3:]]  # a 1:2 jump on DAYS[3]
    before = stored(market)
    [line] = import_price_file(
        market, close_only(tmp_path / "b" / "ABC.csv", DAYS, unadjusted)
    ).tickers
    assert (line.kind, line.written) == ("refused", 0)
    text = line.decision.text
    assert f"{DAYS[2]} -> {DAYS[3]}" in text
    assert f"{unadjusted[3] / unadjusted[2] - 1:+.1%}" in text  # the file's move and values
    assert f"({unadjusted[2]:,.2f} -> {unadjusted[3]:,.2f})" in text
    assert f"{PRICES[3] / PRICES[2] - 1:+.1%}" in text  # the cache's
    assert "1:2 split" in text
    pd.testing.assert_frame_equal(stored(market), before)
    assert market.cache.coverage(["ABC"])["ABC"].checked_to.isoformat() == DAYS[5]


def test_replace_takes_the_file_wholesale(market, tmp_path):
    import_price_file(market, yahoo(tmp_path / "a" / "ABC.csv", DAYS, PRICES))
    unadjusted = PRICES[:3] + [p * 2 for p in PRICES[3:6]]
    [line] = import_price_file(
        market, close_only(tmp_path / "b" / "ABC.csv", DAYS[:6], unadjusted), replace=True
    ).tickers
    assert line.kind == "replaced"
    bars = stored(market)
    assert bars["close"].tolist() == unadjusted
    assert bars["open"].isna().all()
    cov = market.cache.coverage(["ABC"])["ABC"]
    assert cov.checked_to.isoformat() == DAYS[5]


def test_no_shared_session_is_stored_as_printed_and_said(market, tmp_path):
    import_price_file(market, yahoo(tmp_path / "a" / "ABC.csv", DAYS[:4], PRICES[:4]))
    [line] = import_price_file(
        market, close_only(tmp_path / "b" / "ABC.csv", DAYS[6:], PRICES[6:])
    ).tickers
    assert line.kind == "unchecked"
    assert "cannot be checked" in line.decision.text
    assert stored(market)["adj_close"].iloc[4:].tolist() == PRICES[6:]


def test_bad_rows_are_skipped_and_counted_per_ticker(market, tmp_path):
    rows = [
        ("ABC", "2024-01-02", 10),
        ("ABC", "2024-01-03", 0),
        ("ABC", "2024-01-04", -3),
        ("ABC", "2024-01-06", 11),  # Saturday
        ("XYZ", "2024-01-02", 5),
        ("XYZ", "2024-01-02", 6),  # a repeat: the last wins
    ]
    result = import_price_file(market, write(tmp_path / "long.csv", "ticker,date,close", rows))
    lines = {t.ticker: t for t in result.tickers}
    assert lines["ABC"].skipped.text() == "skipped 3 rows: 2 non-positive closes, 1 Saturday"
    assert lines["XYZ"].skipped.text() == "skipped 1 row: 1 duplicate date"
    assert result.skipped.total == 4
    assert stored(market, "XYZ")["close"].tolist() == [6.0]
    assert stored(market)["close"].tolist() == [10.0]


def test_a_file_is_one_transaction(market, tmp_path, monkeypatch):
    import_price_file(market, yahoo(tmp_path / "a" / "ABC.csv", DAYS[:5], PRICES[:5]))
    before = stored(market)
    coverage_before = market.cache.coverage(["ABC"])
    rows = [(t, d, p) for t in ("ABC", "DEF", "GHI") for d, p in zip(DAYS, PRICES, strict=True)]
    path = write(tmp_path / "b" / "long.csv", "ticker,date,close", rows)
    real = market.cache.merge_bars
    calls = []

    def failing(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 3:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(market.cache, "merge_bars", failing)
    with pytest.raises(OSError):
        import_price_file(market, path)
    assert calls == ["ABC", "DEF", "GHI"]
    pd.testing.assert_frame_equal(stored(market), before)
    assert market.cache.read_bars(["DEF", "GHI"]).empty
    assert market.cache.coverage(["ABC", "DEF", "GHI"]) == coverage_before


def test_unreadable_file_is_bad_input_and_writes_nothing(market, tmp_path):
    path = write(tmp_path / "ABC.csv", "date,close", [("2024-01-06", 1)])
    with pytest.raises(BadInput, match=r"ABC\.csv.*skipped 1 row: 1 Saturday"):
        import_price_file(market, path)
    assert market.cache.read_bars(["ABC"]).empty


KILL_MID_FILE = """
import os, signal, sys
from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.data.price_import import import_price_file

cache = PriceCache(sys.argv[1])
real = cache.merge_bars
calls = []

def dying(*args, **kwargs):
    calls.append(args[0])
    if len(calls) == 3:  # two tickers written inside the transaction, then a kill -9
        os.kill(os.getpid(), signal.SIGKILL)
    return real(*args, **kwargs)

cache.merge_bars = dying
import_price_file(MarketData(cache, offline=True), sys.argv[2])
"""


def test_a_kill_in_the_middle_of_a_file_leaves_nothing_of_it(tmp_path):
    db = tmp_path / "cache.db"
    cache = PriceCache(db)
    market = MarketData(cache, offline=True)
    import_price_file(market, yahoo(tmp_path / "a" / "ABC.csv", DAYS[:5], PRICES[:5]))
    before = stored(market)
    coverage = cache.coverage(["ABC", "DEF", "GHI"])
    cache.close()
    rows = [
        (t, d, p * 1.5) for t in ("ABC", "DEF", "GHI") for d, p in zip(DAYS, PRICES, strict=True)
    ]
    path = write(tmp_path / "b" / "long.csv", "ticker,date,close", rows)
    child = subprocess.run(
        [sys.executable, "-c", KILL_MID_FILE, str(db), str(path)], cwd=REPO_ROOT, timeout=120
    )
    assert child.returncode == -signal.SIGKILL
    after = PriceCache(db)
    try:
        market = MarketData(after, offline=True)
        pd.testing.assert_frame_equal(stored(market), before)
        assert after.read_bars(["DEF", "GHI"]).empty
        assert after.coverage(["ABC", "DEF", "GHI"]) == coverage
        # The file imports whole on the next try.
        result = import_price_file(market, path)
        assert {t.ticker: t.kind for t in result.tickers} == {
            "ABC": "rebased",
            "DEF": "new",
            "GHI": "new",
        }
    finally:
        after.close()
