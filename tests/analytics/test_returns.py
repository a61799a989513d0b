"""Window returns across tickers and the rebased series for the compare chart."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.errors import NoData
from analytics.returns import RETURN_COLUMNS, normalised, window_returns
from analytics.windows import parse_window

D = dt.date
NAN = np.nan


@pytest.fixture
def small_closes() -> pd.DataFrame:
    """Six weekdays; BBB skips Wed, CCC starts Thu, DDD stops trading Tue, EEE misses Mon 8th."""
    index = pd.DatetimeIndex(
        ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08", "2024-01-09"]
    )
    return pd.DataFrame(
        {
            "AAA": [100.0, 101.0, 102.0, 104.0, 105.0, 110.0],
            "BBB": [50.0, 55.0, NAN, 60.0, 65.0, 70.0],
            "CCC": [NAN, NAN, 10.0, 11.0, 12.0, 13.0],
            "DDD": [20.0, 21.0, NAN, NAN, NAN, NAN],
            "EEE": [40.0, 40.0, 40.0, 44.0, 46.0, NAN],
        },
        index=index,
    )


def test_session_window_counts_each_tickers_own_sessions(small_closes: pd.DataFrame) -> None:
    result = window_returns(small_closes, parse_window("3d"))
    # Common calendar: E = Jan 9, B = 3 sessions earlier = Jan 4.
    assert (result.start, result.end) == (pd.Timestamp("2024-01-04"), pd.Timestamp("2024-01-09"))
    table = result.table
    assert list(table.columns) == list(RETURN_COLUMNS)
    # AAA: 110 / 102; BBB (no Jan 4) counts 3 of its own sessions back: Jan 3 (55) -> 70;
    # CCC: 13 / 10; EEE did not trade Jan 9: its E is Jan 8 (46), B 3 own sessions earlier, Jan 3.
    expected = {"AAA": 110 / 102 - 1, "BBB": 70 / 55 - 1, "CCC": 13 / 10 - 1, "EEE": 46 / 40 - 1}
    assert table["return"].to_dict() == pytest.approx(expected)
    assert list(table.index) == sorted(expected, key=expected.get, reverse=True)
    assert table.loc["BBB", "start_date"] == pd.Timestamp("2024-01-03")
    assert table.loc["EEE", "end_date"] == pd.Timestamp("2024-01-08")
    assert (table.loc["BBB", "start_close"], table.loc["BBB", "end_close"]) == (55.0, 70.0)
    assert result.excluded == {"DDD": "no prices after 2024-01-03"}


def test_calendar_window_is_anchored_on_the_common_end(small_closes: pd.DataFrame) -> None:
    # EEE missed Jan 9, so its own E is Mon Jan 8. Anchored on its own E, 1w would reach back to
    # Jan 1 (before the data); anchored on the common E (Tue Jan 9) it starts Tue Jan 2.
    result = window_returns(small_closes, parse_window("1w"))
    row = result.table.loc["EEE"]
    assert (row["start_date"], row["end_date"]) == (
        pd.Timestamp("2024-01-02"),
        pd.Timestamp("2024-01-08"),
    )
    assert row["return"] == pytest.approx(46 / 40 - 1)


def test_tickers_without_enough_history_are_listed_not_ranked(small_closes: pd.DataFrame) -> None:
    result = window_returns(small_closes, parse_window("4d"))
    # 4 sessions before Jan 9 is Jan 3: CCC (from Jan 4) has only 4 sessions of its own.
    assert "CCC" not in result.table.index
    assert result.excluded["CCC"].startswith("Window 4d needs 5 sessions ending 2024-01-09")
    assert result.table.loc["AAA", "return"] == pytest.approx(110 / 101 - 1)


def test_calendar_window_and_as_of(small_closes: pd.DataFrame) -> None:
    # 1w before Mon Jan 8 is Mon Jan 1, before the data.
    with pytest.raises(NoData, match="starts 2024-01-01 but the data begins 2024-01-02"):
        window_returns(small_closes, parse_window("1w"), as_of=D(2024, 1, 8))
    # 1w before Tue Jan 9 is Tue Jan 2: B = Jan 2 for everyone who traded then.
    result = window_returns(small_closes, parse_window("1w"), as_of=D(2024, 1, 9))
    assert result.table.loc["AAA", "return"] == pytest.approx(110 / 100 - 1)
    assert result.table.loc["BBB", "return"] == pytest.approx(70 / 50 - 1)
    # DDD stopped after Jan 3, inside the window: ranked on its last close, end_date says so.
    assert result.table.loc["DDD", "end_date"] == pd.Timestamp("2024-01-03")
    assert result.table.loc["DDD", "return"] == pytest.approx(21 / 20 - 1)
    assert result.excluded["CCC"] == "Window 1w starts 2024-01-02 but the data begins 2024-01-04."


def test_explicit_range(small_closes: pd.DataFrame) -> None:
    result = window_returns(small_closes, parse_window("2024-01-03:2024-01-06"))
    # B = Jan 3, E = Sat Jan 6 -> Fri Jan 5. BBB: 55 -> 60.
    assert result.end == pd.Timestamp("2024-01-05")
    assert result.table.loc["BBB", "return"] == pytest.approx(60 / 55 - 1)
    assert result.table.loc["AAA", "return"] == pytest.approx(104 / 101 - 1)


def test_nothing_rankable_is_no_data() -> None:
    closes = pd.DataFrame({"AAA": [1.0, 2.0]}, index=pd.bdate_range("2024-01-01", periods=2))
    with pytest.raises(NoData, match="Window 5d needs 6 sessions ending 2024-01-02"):
        window_returns(closes, parse_window("5d"))
    # Four sessions in all, but each ticker has only two of them.
    apart = pd.DataFrame(
        {"AAA": [1.0, 2.0, NAN, NAN], "BBB": [NAN, NAN, 3.0, 4.0]},
        index=pd.bdate_range("2024-01-01", periods=4),
    )
    with pytest.raises(
        NoData,
        match=r"No ticker has enough history for window 3d \(AAA: Window 3d needs 4 sessions",
    ):
        window_returns(apart, parse_window("3d"))
    with pytest.raises(NoData, match="No prices"):
        window_returns(closes.iloc[0:0], parse_window("5d"))


def test_normalised_starts_at_100(small_closes: pd.DataFrame) -> None:
    frame = normalised(small_closes, D(2024, 1, 4), D(2024, 1, 9))
    # BBB did not trade Jan 4: its base is its Jan 3 close (55). CCC's base is Jan 4 (10).
    assert frame.loc[pd.Timestamp("2024-01-04")].to_dict() == {
        "AAA": 100.0,
        "BBB": 100.0,
        "CCC": 100.0,
        "DDD": 100.0,
        "EEE": 100.0,
    }
    assert frame.loc[pd.Timestamp("2024-01-09"), "AAA"] == pytest.approx(100 * 110 / 102)
    assert frame.loc[pd.Timestamp("2024-01-09"), "BBB"] == pytest.approx(100 * 70 / 55)
    assert frame.index[0] == pd.Timestamp("2024-01-04")
    assert frame.index[-1] == pd.Timestamp("2024-01-09")


def test_normalised_drops_series_without_a_base(small_closes: pd.DataFrame) -> None:
    frame = normalised(small_closes, D(2024, 1, 3), D(2024, 1, 9))
    assert "CCC" not in frame.columns
    # The start date is not a session (Saturday): a 100 row is added there.
    weekend = normalised(small_closes, D(2024, 1, 6), D(2024, 1, 9))
    assert weekend.index[0] == pd.Timestamp("2024-01-06")
    assert weekend.loc[pd.Timestamp("2024-01-09"), "AAA"] == pytest.approx(100 * 110 / 104)
    assert normalised(small_closes, D(2023, 12, 1), D(2023, 12, 31)).empty


def _csv_adj_closes(path: Path) -> dict[str, float]:
    with path.open(newline="") as handle:
        return {row["Date"]: float(row["Adj Close"]) for row in csv.DictReader(handle)}


def test_one_year_returns_match_the_csv(shared_data: Path) -> None:
    folder = shared_data / "prices" / "xjcarter_yahoo_2000-2022"
    raw = {t: _csv_adj_closes(folder / f"{t}.csv") for t in ("IWM", "SPY")}
    closes = pd.DataFrame(
        {
            t: pd.read_csv(folder / f"{t}.csv", index_col="Date", parse_dates=True)["Adj Close"]
            for t in raw
        }
    )
    result = window_returns(closes, parse_window("1y"), as_of=D(2022, 6, 30))
    for ticker, rows in raw.items():
        # Independently: the last csv date on or before 2021-06-30 and on or before 2022-06-30.
        start = max(d for d in rows if d <= "2021-06-30")
        end = max(d for d in rows if d <= "2022-06-30")
        assert result.table.loc[ticker, "start_date"] == pd.Timestamp(start)
        assert result.table.loc[ticker, "return"] == pytest.approx(
            rows[end] / rows[start] - 1, rel=1e-12
        )


def test_a_name_frozen_for_more_than_five_sessions_is_not_ranked() -> None:
    index = pd.bdate_range("2024-03-04", periods=20)  # to Fri 2024-03-29; 2w starts Fri 03-15
    closes = pd.DataFrame(
        {
            "LIVE": [100.0 + i for i in range(20)],
            "HALTED": [50.0 + i for i in range(13)] + [NAN] * 7,  # last close 7 sessions back
            "PAUSED": [80.0 + i for i in range(15)] + [NAN] * 5,  # 5 back: still ranked
        },
        index=index,
    )
    result = window_returns(closes, parse_window("2w"))
    assert list(result.table.index) == ["LIVE", "PAUSED"]
    assert result.table.loc["PAUSED", "end_date"] == index[14]
    assert result.table.loc["PAUSED", "return"] == pytest.approx(94 / 89 - 1)
    assert result.excluded == {
        "HALTED": "last close 2024-03-20, 7 sessions before the window's end"
    }
