"""Bad rows are skipped and counted; moves matching a split ratio are flagged."""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.data.validate import (
    SkippedRows,
    clean_bars,
    likely_unadjusted_splits,
    split_ratio_of,
)

SP500_CLOSE = "universe/sp500_ndx_close_yfinance_2024-01-02_to_2026-08-21.csv"


def frame(rows: list[tuple[str, float, float]], **extra: list[float]) -> pd.DataFrame:
    """(date, close, adj_close) rows, in the given order (repeats allowed)."""
    index = pd.DatetimeIndex([pd.Timestamp(d) if d else pd.NaT for d, _, _ in rows], name="date")
    data = {"close": [c for _, c, _ in rows], "adj_close": [a for _, _, a in rows], **extra}
    return pd.DataFrame(data, index=index, dtype="float64")


def test_the_issue_example_counts_and_text():
    # 2024-01-06 is a Saturday; two rows have non-positive closes.
    bars = frame(
        [
            ("2024-01-02", 10.0, 10.0),
            ("2024-01-03", 0.0, 0.0),
            ("2024-01-04", -1.0, -1.0),
            ("2024-01-05", 11.0, 11.0),
            ("2024-01-06", 12.0, 12.0),
        ]
    )
    kept, skipped = clean_bars(bars)
    assert list(kept.index.strftime("%Y-%m-%d")) == ["2024-01-02", "2024-01-05"]
    assert skipped.counts == {"non-positive close": 2, "Saturday": 1}
    assert skipped.text() == "skipped 3 rows: 2 non-positive closes, 1 Saturday"
    assert skipped.first["non-positive close"] == dt.date(2024, 1, 3)


def test_each_reason_is_named_and_each_row_counted_once():
    bars = frame(
        [
            ("2024-01-07", 1.0, 1.0),  # Sunday
            ("2024-01-15", 1.0, 1.0),  # Martin Luther King Jr. Day: NYSE closed
            ("2024-01-13", math.nan, 1.0),  # Saturday *and* missing close: the date comes first
            ("2024-01-08", math.nan, 1.0),
            ("2024-01-09", math.inf, math.inf),
            ("2024-01-10", 5.0, -math.inf),
            ("2024-01-11", 5.0, 5.0),
            ("", 5.0, 5.0),
        ],
        open=[1, 1, 1, 1, 1, 1, 0.0, 1],
    )
    kept, skipped = clean_bars(bars)
    assert kept.empty
    assert skipped.counts == {
        "Sunday": 1,
        "holiday": 1,
        "Saturday": 1,
        "missing close": 1,
        "infinite close": 1,
        "infinite adj close": 1,
        "non-positive open": 1,
        "missing date": 1,
    }
    assert skipped.total == len(bars)


def test_optional_fields_may_be_missing_but_not_bad():
    bars = frame(
        [("2024-01-02", 10.0, 10.0), ("2024-01-03", 10.0, 10.0), ("2024-01-04", 10.0, 10.0)],
        open=[math.nan, 9.0, 9.0],
        volume=[math.nan, 0.0, -5.0],
    )
    kept, skipped = clean_bars(bars)
    assert list(kept.index.day) == [2, 3]  # NaN open, NaN and zero volume are fine
    assert skipped.counts == {"negative volume": 1}


def test_duplicate_dates_keep_the_last_valid_row():
    bars = frame(
        [
            ("2024-01-03", 2.0, 2.0),
            ("2024-01-02", 1.0, 1.0),
            ("2024-01-02", 5.0, 5.0),
            ("2024-01-03", math.nan, 1.0),  # invalid: does not displace the valid 01-03 row
        ]
    )
    kept, skipped = clean_bars(bars)
    assert list(kept["close"]) == [5.0, 2.0]
    assert kept.index.is_monotonic_increasing and kept.index.is_unique
    assert skipped.counts == {"duplicate date": 1, "missing close": 1}


def test_extra_provider_columns_ride_along_and_empty_input_is_empty():
    bars = frame([("2024-01-02", 1.0, 1.0), ("2024-01-06", 1.0, 1.0)], dividend=[0.5, 0.0])
    kept, _ = clean_bars(bars)
    assert list(kept.columns) == ["close", "adj_close", "dividend"]
    assert kept["dividend"].tolist() == [0.5]
    empty, skipped = clean_bars(bars.iloc[:0])
    assert empty.empty and not skipped and skipped.text() == ""


def test_skipped_rows_add_up_across_tickers():
    a = SkippedRows({"Saturday": 1}, {"Saturday": dt.date(2024, 1, 6)})
    b = SkippedRows({"Saturday": 2, "holiday": 1}, {"Saturday": dt.date(2023, 1, 7)})
    total = a + b
    assert total.counts == {"Saturday": 3, "holiday": 1}
    assert total.first["Saturday"] == dt.date(2023, 1, 7)
    assert total.text() == "skipped 4 rows: 3 Saturdays, 1 holiday"
    assert SkippedRows({"holiday": 1}).text() == "skipped 1 row: 1 holiday"


# --- likely unadjusted splits ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("price_ratio", "name"),
    [(0.5, "2:1"), (1 / 3, "3:1"), (2 / 3, "3:2"), (0.1, "10:1"), (2.0, "1:2"), (10.2, "1:10")],
)
def test_split_ratio_of_names_the_split(price_ratio, name):
    assert split_ratio_of(price_ratio) == name


@pytest.mark.parametrize("price_ratio", [1.0, 0.9, 0.8, 0.58, 1.5, math.nan, 0.0, -0.5])
def test_ordinary_moves_are_no_split(price_ratio):
    assert split_ratio_of(price_ratio) is None


def test_synthetic_splits_in_a_window():
    days = pd.bdate_range("2024-03-04", periods=8)
    closes = pd.Series([100, 101, 50.4, 51, 52, 156.3, 157, 158], index=days, dtype="float64")
    flags = likely_unadjusted_splits(closes)
    assert [(f.before, f.after, f.ratio) for f in flags] == [
        (days[1].date(), days[2].date(), "2:1"),
        (days[4].date(), days[5].date(), "1:3"),
    ]
    assert flags[0].move == pytest.approx(50.4 / 101 - 1)
    # A window starting on the 2:1 move's second row leaves only the reverse split.
    assert [f.ratio for f in likely_unadjusted_splits(closes, start=days[2].date())] == ["1:3"]
    assert likely_unadjusted_splits(closes, end=days[1].date()) == []
    assert likely_unadjusted_splits(closes.iloc[:1]) == []
    assert likely_unadjusted_splits(pd.Series(dtype="float64")) == []


def test_mnst_in_the_shared_sp500_close_file(shared_data: Path):
    with (shared_data / SP500_CLOSE).open(newline="") as handle:
        rows = [
            (r["date"], float(r["close"])) for r in csv.DictReader(handle) if r["ticker"] == "MNST"
        ]
    closes = pd.Series([c for _, c in rows], index=pd.DatetimeIndex([d for d, _ in rows]))
    # Independently: every consecutive pair in August 2026 whose ratio is within 3% of 1/2.
    august = [(d, c) for d, c in rows if d.startswith("2026-08")]
    want = [
        (a[0], b[0], b[1] / a[1] - 1)
        for a, b in zip(august, august[1:], strict=False)
        if abs(b[1] / a[1] / 0.5 - 1) <= 0.03
    ]
    assert [(w[0], w[1]) for w in want] == [("2026-08-07", "2026-08-11")]  # 08-10 is missing
    assert round(want[0][2], 3) == -0.496
    flags = likely_unadjusted_splits(closes, dt.date(2026, 8, 1), dt.date(2026, 8, 21))
    assert [(f.before.isoformat(), f.after.isoformat(), f.ratio) for f in flags] == [
        ("2026-08-07", "2026-08-11", "2:1")
    ]
    assert flags[0].move == pytest.approx(want[0][2], rel=1e-12)
    assert "-49.6%" in flags[0].text()
    # Over MNST's whole history in the file nothing else looks like a split.
    assert len(likely_unadjusted_splits(closes)) == 1
    assert np.isfinite(closes).all()
