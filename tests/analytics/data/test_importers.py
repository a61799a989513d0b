"""CSV price import: every real file imports, values match the file read with `csv`."""

from __future__ import annotations

import csv
import functools
import math
from pathlib import Path

import pandas as pd
import pytest

from analytics.data.importers import describe_formats, load_price_file, read_price_file
from analytics.data.provider import BAR_COLUMNS
from analytics.errors import BadInput

MERGED_SP500 = "universe/sp500_ohlcv_polygon_merged_2025-05-27_to_2026-08-07.csv"
MERGED_ETFS = "prices/blumenty_polygon_2025-2026/etfs_daily_merged_2025-07-30_to_2026-08-07.csv"
# File-name stems that are index aliases (PROVENANCE: "^" dropped from the names).
INDEX_STEMS = {
    "SPX": "^GSPC",
    "GSPC": "^GSPC",
    "RUT": "^RUT",
    "DJI": "^DJI",
    "NDX": "^NDX",
    "VIX": "^VIX",
}
YAHOO_HEADER = "Date,Open,High,Low,Close,Adj Close,Volume"
# The one row of the shared files on a day the NYSE was closed: Yahoo's ^VIX on Memorial Day
# 2026 (PROVENANCE: the Alpha Vantage files have 2026-05-25 "correctly absent").
HOLIDAY_ROWS = {("VIX.csv", "2026-05-25")}


def price_files(root: Path) -> list[Path]:
    """The CSV price files under prices/ and universe/ (not the split-event logs)."""
    found = [p for sub in ("prices", "universe") for p in (root / sub).rglob("*.csv")]
    return sorted(p for p in found if not p.name.endswith("_split_adjustment_events.csv"))


@functools.cache
def csv_rows(path: Path) -> tuple[dict[str, str], ...]:
    """The file's data rows, keyed by header name, read with the plain csv module.

    Cached: several tests check the same large files against their rows.
    """
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return tuple(csv.DictReader(handle))


def write(tmp_path: Path, name: str, text: str, newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path


def assert_bar_frame(frame: pd.DataFrame) -> None:
    assert tuple(frame.columns) == BAR_COLUMNS
    assert set(frame.dtypes.astype(str)) == {"float64"}
    assert frame.index.name == "date"
    assert isinstance(frame.index, pd.DatetimeIndex)
    assert frame.index.tz is None
    assert frame.index.is_monotonic_increasing
    assert frame.index.is_unique


# --- the real files ------------------------------------------------------------------------


def test_every_shared_price_file_imports_with_every_row(shared_data: Path) -> None:
    files = price_files(shared_data)
    # PROVENANCE: xjcarter 8, chenc319 3, alitalbi 5, klevera 7, Alpha Vantage 4, blumenty 2,
    # universe 4 (the Russell 2000 member closes added 2026-12-01; the split-event logs excluded).
    assert len(files) == 33
    for path in files:
        rows = csv_rows(path)
        loaded = load_price_file(path)
        bars = loaded.bars
        ticker_key = next((k for k in rows[0] if k.lower() in ("symbol", "ticker")), None)
        date_key = next(k for k in rows[0] if k.lower() in ("date", "timestamp"))
        if ticker_key is None:
            expected_tickers = {INDEX_STEMS.get(path.stem, path.stem)}
            keys = {r[date_key] for r in rows}
        else:
            expected_tickers = {r[ticker_key].replace(".", "-") for r in rows}
            keys = {(r[ticker_key], r[date_key]) for r in rows}
        assert set(bars) == expected_tickers, path.name
        # The real files have no duplicate keys and no blank closes: every row survives but
        # the ones dated on an exchange holiday.
        holidays = {d for name, d in HOLIDAY_ROWS if name == path.name}
        assert len(keys) == len(rows), path.name
        assert sum(len(f) for f in bars.values()) == len(rows) - len(holidays), path.name
        assert loaded.skipped_total.to_dict() == ({"holiday": 1} if holidays else {})
        for day in holidays:
            assert all(pd.Timestamp(day) not in f.index for f in bars.values())
        for frame in bars.values():
            assert_bar_frame(frame)


@pytest.mark.parametrize(
    "relative",
    [
        "prices/blumenty_polygon_2025-2026/etfs_split_adjustment_events.csv",
        "universe/sp500_split_adjustment_events.csv",
        "universe/klevera_constituents_sp500_ndx.json",
        "holdings/IWM_holdings_2026-05-05_ishares_raw.csv",
        "fred/codex_macro_monitor/SP500.csv",
    ],
)
def test_non_price_files_are_rejected_naming_the_file(shared_data: Path, relative: str) -> None:
    path = shared_data / relative
    with pytest.raises(BadInput) as caught:
        read_price_file(path)
    assert path.name in caught.value.message
    assert describe_formats() in caught.value.message


@pytest.mark.parametrize(
    ("relative", "ticker", "rows", "first", "last"),
    [
        ("prices/chenc319_yahoo_to-2025-09/SPY.csv", "SPY", 8222, "1993-01-29", "2025-09-26"),
        ("prices/chenc319_yahoo_to-2025-09/SPX.csv", "^GSPC", 24551, "1927-12-30", "2025-09-26"),
        ("prices/alitalbi_yfinance_to-2026-02/RUT.csv", "^RUT", 9686, "1987-09-10", "2026-02-23"),
        ("prices/alitalbi_yfinance_to-2026-02/QQQ.csv", "QQQ", 6781, "1999-03-10", "2026-02-23"),
        (
            "prices/klevera_yfinance_close_to-2026-08/MAGS.csv",
            "MAGS",
            844,
            "2023-04-11",
            "2026-08-20",
        ),
        (
            "prices/klevera_yfinance_close_to-2026-08/VIX.csv",
            "^VIX",
            9227,  # 9,228 rows less the Memorial Day 2026 row
            "1990-01-02",
            "2026-08-21",
        ),
        ("prices/xjcarter_yahoo_2000-2022/IWM.csv", "IWM", 5658, "2000-05-26", "2022-11-18"),
        ("prices/xjcarter_yahoo_2000-2022/GSPC.csv", "^GSPC", 5759, "2000-01-03", "2022-11-18"),
        ("prices/johnamcminn_alphavantage_2026/SPY.csv", "SPY", 100, "2026-05-13", "2026-10-05"),
        (MERGED_ETFS, "SPY", 254, "2025-08-05", "2026-08-07"),
        (MERGED_ETFS, "MAGS", 254, "2025-08-05", "2026-08-07"),
    ],
)
def test_ranges_and_row_counts_match_provenance(
    shared_data: Path, relative: str, ticker: str, rows: int, first: str, last: str
) -> None:
    frame = read_price_file(shared_data / relative)[ticker]
    assert len(frame) == rows
    assert frame.index[0] == pd.Timestamp(first)
    assert frame.index[-1] == pd.Timestamp(last)


@pytest.mark.parametrize(
    ("relative", "tickers", "rows", "first", "last"),
    [
        (MERGED_SP500, 570, 157990, "2025-05-27", "2026-08-07"),
        (MERGED_ETFS, 108, 27141, "2025-07-30", "2026-08-07"),
        (
            "universe/sp500_ndx_close_yfinance_2024-01-02_to_2026-08-21.csv",
            518,
            339665,
            "2024-01-02",
            "2026-08-21",
        ),
        (
            "universe/blumenty_Shazam-Stock-Info-SP500_latest_snapshot.csv",
            538,
            26832,
            "2026-05-14",
            "2026-08-07",
        ),
    ],
)
def test_long_files_match_provenance(
    shared_data: Path, relative: str, tickers: int, rows: int, first: str, last: str
) -> None:
    bars = read_price_file(shared_data / relative)
    assert len(bars) == tickers
    assert sum(len(f) for f in bars.values()) == rows
    assert min(f.index[0] for f in bars.values()) == pd.Timestamp(first)
    assert max(f.index[-1] for f in bars.values()) == pd.Timestamp(last)


@pytest.mark.parametrize(
    "relative",
    ["prices/chenc319_yahoo_to-2025-09/SPY.csv", "prices/alitalbi_yfinance_to-2026-02/SPY.csv"],
)
def test_spy_2025_09_25_bar_matches_the_file(shared_data: Path, relative: str) -> None:
    path = shared_data / relative
    row = next(r for r in csv_rows(path) if r["Date"] == "2025-09-25")
    bar = read_price_file(path)["SPY"].loc["2025-09-25"]
    assert round(bar["close"], 2) == 658.05  # PROVENANCE cross-source check
    for name in ("Open", "High", "Low", "Close", "Volume"):
        assert bar[name.lower()] == pytest.approx(float(row[name]), rel=1e-12)
    adj = row.get("Adj Close", row["Close"])  # yfinance auto-adjusted: adj_close = close
    assert bar["adj_close"] == pytest.approx(float(adj), rel=1e-12)


def test_yahoo_classic_adj_close_differs_from_close_in_old_rows(shared_data: Path) -> None:
    path = shared_data / "prices/xjcarter_yahoo_2000-2022/SPY.csv"
    first = csv_rows(path)[0]
    bar = read_price_file(path)["SPY"].iloc[0]
    assert (bar["close"], bar["adj_close"]) == (float(first["Close"]), float(first["Adj Close"]))
    assert bar["adj_close"] < bar["close"]  # dividends adjusted out of the 2000 row


def test_alpha_vantage_newest_first_comes_back_ascending(shared_data: Path) -> None:
    path = shared_data / "prices/johnamcminn_alphavantage_2026/IWM.csv"
    assert b"\r\n" in path.read_bytes()
    rows = csv_rows(path)
    frame = read_price_file(path)["IWM"]
    newest, oldest = rows[0], rows[-1]
    assert frame.index[-1] == pd.Timestamp(newest["timestamp"])
    assert frame.index[0] == pd.Timestamp(oldest["timestamp"])
    for name in ("open", "high", "low", "close", "volume"):
        assert frame.iloc[-1][name] == pytest.approx(float(newest[name]), rel=1e-12)
        assert frame.iloc[0][name] == pytest.approx(float(oldest[name]), rel=1e-12)
    assert frame.iloc[-1]["adj_close"] == frame.iloc[-1]["close"]


def test_close_only_file_leaves_other_columns_empty(shared_data: Path) -> None:
    path = shared_data / "prices/klevera_yfinance_close_to-2026-08/MAGS.csv"
    last = csv_rows(path)[-1]
    bar = read_price_file(path)["MAGS"].loc[last["date"]]
    assert bar["close"] == pytest.approx(float(last["close"]), rel=1e-12)
    assert bar["adj_close"] == bar["close"]
    assert all(math.isnan(bar[name]) for name in ("open", "high", "low", "volume"))


def test_split_adj_factor_is_applied(shared_data: Path) -> None:
    path = shared_data / MERGED_SP500
    rows = csv_rows(path)
    row = next(r for r in rows if float(r["split_adj_factor"]) != 1)
    plain = next(r for r in rows if r["Symbol"] == row["Symbol"] and r["split_adj_factor"] == "1")
    factor = float(row["split_adj_factor"])
    frame = read_price_file(path, ticker=row["Symbol"])[row["Symbol"]]
    bar = frame.loc[row["Date"]]
    for name in ("Open", "High", "Low", "Close"):
        assert bar[name.lower()] == pytest.approx(float(row[name]) * factor, rel=1e-12)
    assert bar["volume"] == pytest.approx(float(row["Volume"]) / factor, rel=1e-12)
    assert bar["adj_close"] == bar["close"]
    untouched = frame.loc[plain["Date"]]
    assert untouched["close"] == pytest.approx(float(plain["Close"]), rel=1e-12)


def test_long_file_tickers_are_normalized_and_filterable(shared_data: Path) -> None:
    path = shared_data / MERGED_SP500
    brk_rows = [r for r in csv_rows(path) if r["Symbol"] == "BRK.B"]
    only = read_price_file(path, ticker="brk.b")
    assert list(only) == ["BRK-B"]
    assert len(only["BRK-B"]) == len(brk_rows)
    assert only["BRK-B"].iloc[-1]["close"] == pytest.approx(float(brk_rows[-1]["Close"]))
    with pytest.raises(BadInput, match="no rows for ZZZZ"):
        read_price_file(path, ticker="ZZZZ")


# --- tiny generated files ------------------------------------------------------------------


def test_bom_is_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, "SPY.csv", "\ufeffDate,Close\n2024-01-02,472.65\n")
    frame = read_price_file(path)["SPY"]
    assert frame.loc["2024-01-02", "close"] == 472.65


def test_crlf_and_missing_trailing_newline(tmp_path: Path) -> None:
    text = f"{YAHOO_HEADER}\n2024-01-03,2,3,1,2.5,2.4,200\n2024-01-02,1,2,0.5,1.5,1.4,100"
    path = write(tmp_path, "IWM.csv", text, newline="\r\n")
    frame = read_price_file(path)["IWM"]
    assert list(frame.index) == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")]
    assert list(frame["volume"]) == [100.0, 200.0]
    assert list(frame["adj_close"]) == [1.4, 2.4]


def test_null_and_dot_values(tmp_path: Path) -> None:
    text = (
        f"{YAHOO_HEADER}\n"
        "2024-01-02,null,null,null,null,null,null\n"
        "2024-01-03,.,2,1,1.5,1.5,.\n"
        "2024-01-04,1,2,1,,1.5,10\n"
        "2024-01-05,1.5,2.5,1.25,2,2,300\n"
    )
    frame = read_price_file(write(tmp_path, "QQQ.csv", text))["QQQ"]
    # Rows without a close (01-02 null, 01-04 blank) are dropped; '.' elsewhere is NaN.
    assert list(frame.index.strftime("%Y-%m-%d")) == ["2024-01-03", "2024-01-05"]
    assert math.isnan(frame.loc["2024-01-03", "open"])
    assert math.isnan(frame.loc["2024-01-03", "volume"])
    assert frame.loc["2024-01-05", "low"] == 1.25


def test_unknown_header_is_bad_input_listing_formats(tmp_path: Path) -> None:
    path = write(tmp_path, "SPY.csv", "day,price\n2024-01-02,1\n")
    with pytest.raises(BadInput) as caught:
        read_price_file(path)
    assert "SPY.csv" in caught.value.message
    assert describe_formats() in caught.value.message
    assert len(describe_formats().splitlines()) == 6


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("SPY.csv", ""),
        ("SPY.csv", "Date,Close\n"),
        ("SPY.csv", "Date,Close\n2024-01-02,\n"),
        ("SPY.csv", "Date,Close\n2024-01-02,abc\n"),
        ("SPY.csv", "Date,Close\n02/01/2024,1\n"),
        ("SPY.csv", "Date,Close\n2024-01-02 10:30:00,1\n"),
        ("SPY.csv", "Date,Timestamp,Close\n2024-01-02,2024-01-02,1\n"),
        ("my prices.csv", "Date,Close\n2024-01-02,1\n"),
    ],
    ids=[
        "empty",
        "header-only",
        "no-close",
        "junk",
        "us-date",
        "intraday",
        "two-dates",
        "no-ticker",
    ],
)
def test_unusable_files_are_bad_input(tmp_path: Path, name: str, text: str) -> None:
    with pytest.raises(BadInput, match=name.replace(".", r"\.")):
        read_price_file(write(tmp_path, name, text))


def test_missing_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="cannot be read"):
        read_price_file(tmp_path / "SPY.csv")


def test_duplicate_dates_keep_the_last(tmp_path: Path) -> None:
    text = "Date,Close\n2024-01-02,1\n2024-01-03,2\n2024-01-02,5\n"
    frame = read_price_file(write(tmp_path, "SPY.csv", text))["SPY"]
    assert list(frame["close"]) == [5.0, 2.0]


def test_ticker_override_and_file_name_aliases(tmp_path: Path) -> None:
    text = "Date,Close\n2024-01-02,4742.83\n"
    assert list(read_price_file(write(tmp_path, "export.csv", text), ticker="spx")) == ["^GSPC"]
    assert list(read_price_file(write(tmp_path, "GSPC.csv", text))) == ["^GSPC"]
    assert list(read_price_file(write(tmp_path, "^RUT.csv", text))) == ["^RUT"]
    assert list(read_price_file(write(tmp_path, "brk.b.csv", text))) == ["BRK-B"]


def test_lowercase_headers_in_any_order(tmp_path: Path) -> None:
    text = "volume,adj close,close,low,high,open,date\n100,1.4,1.5,0.5,2,1,2024-01-02\n"
    bar = read_price_file(write(tmp_path, "DIA.csv", text))["DIA"].iloc[0]
    assert list(bar) == [1.0, 2.0, 0.5, 1.5, 1.4, 100.0]


def test_long_file_groups_tickers_and_merges_spellings(tmp_path: Path) -> None:
    text = (
        "ticker,date,close,source_commit\n"
        "BRK.B,2024-01-03,2,abc\n"
        "NA,2024-01-02,7,abc\n"
        "BRK-B,2024-01-02,1,abc\n"
        "brk.b,2024-01-03,3,abc\n"
    )
    bars = read_price_file(write(tmp_path, "universe.csv", text))
    assert sorted(bars) == ["BRK-B", "NA"]
    assert list(bars["BRK-B"]["close"]) == [1.0, 3.0]  # 01-03 twice: the last row wins
    assert list(bars["NA"]["close"]) == [7.0]


def test_yfinance_multi_row_header(tmp_path: Path) -> None:
    text = (
        "Price,Close,Close,High,Low,Open,Volume,Volume\n"
        "Ticker,IWM,SPY,SPY,SPY,SPY,IWM,SPY\n"
        "Date,,,,,,,\n"
        "2024-01-02,198.5,472.65,473.67,470.49,472.16,31000000,123623700\n"
        "2024-01-03,195.1,468.79,471.19,468.17,470.43,42000000,103585900\n"
    )
    bars = read_price_file(write(tmp_path, "download.csv", text))
    assert sorted(bars) == ["IWM", "SPY"]
    assert list(bars["SPY"].iloc[0]) == [472.16, 473.67, 470.49, 472.65, 472.65, 123623700.0]
    assert list(bars["IWM"]["close"]) == [198.5, 195.1]
    assert math.isnan(bars["IWM"].iloc[0]["open"])


def test_dates_with_utc_offsets_keep_the_local_session(tmp_path: Path) -> None:
    text = "Date,Close\n2024-01-02 00:00:00-05:00,1\n2024-07-01 00:00:00-04:00,2\n"
    frame = read_price_file(write(tmp_path, "SPY.csv", text))["SPY"]
    assert list(frame.index) == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-07-01")]
