"""The streak and compare charts render as 1200x675 PNGs."""

from __future__ import annotations

import struct

import numpy as np
import pandas as pd
import pytest

from analytics.charts.compare_chart import compare_chart
from analytics.charts.streak_chart import streak_chart
from analytics.errors import NoData
from analytics.returns import normalised, window_returns
from analytics.streaks import beat_streak, direction_streak, record_streak
from analytics.windows import parse_window

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which must come first after the signature."""
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture
def two_walks() -> tuple[pd.Series, pd.Series]:
    """Eighteen months of two seeded random walks; a beats b on each of the last 6 sessions."""
    index = pd.bdate_range("2023-01-02", periods=390)
    rng = np.random.default_rng(3)
    ra = rng.normal(0.0004, 0.012, len(index))
    rb = rng.normal(0.0003, 0.010, len(index))
    ra[-6:] = rb[-6:] + 0.004
    ra[-7] = rb[-7] - 0.004
    a = pd.Series(100 * np.cumprod(1 + ra), index=index, name="IWM")
    b = pd.Series(100 * np.cumprod(1 + rb), index=index, name="SPY")
    return a, b


def test_beat_chart(two_walks: tuple[pd.Series, pd.Series]) -> None:
    a, b = two_walks
    result = beat_streak(a, b)
    assert result.length == 6
    png = streak_chart(result, a, b, source="Yahoo Finance")
    assert png_size(png) == (1200, 675)


def test_flipped_beat_and_down_charts(two_walks: tuple[pd.Series, pd.Series]) -> None:
    a, b = two_walks
    flipped = beat_streak(b, a)
    assert flipped.flipped
    assert png_size(streak_chart(flipped, b, a, source="test")) == (1200, 675)
    falling = a.copy()
    falling.iloc[-3:] = falling.iloc[-4] * np.array([0.99, 0.98, 0.97])
    down = direction_streak(falling, "up")
    assert (down.kind, down.length) == ("down", 3)
    assert png_size(streak_chart(down, falling, source="test")) == (1200, 675)


def test_record_charts_including_no_current_record(two_walks: tuple[pd.Series, pd.Series]) -> None:
    a, _ = two_walks
    highs = a * 1.005
    result = record_streak(highs, "record-high")
    assert png_size(streak_chart(result, a, highs=highs, source="test")) == (1200, 675)
    dipped = a.copy()
    dipped.iloc[-1] = dipped.max() * 0.8
    none_now = record_streak(dipped, "record-close")
    assert none_now.length == 0
    assert png_size(streak_chart(none_now, dipped, source="test")) == (1200, 675)


def test_beat_chart_needs_both_series(two_walks: tuple[pd.Series, pd.Series]) -> None:
    a, b = two_walks
    with pytest.raises(ValueError, match="both series"):
        streak_chart(beat_streak(a, b), a)


def test_compare_chart(two_walks: tuple[pd.Series, pd.Series]) -> None:
    a, b = two_walks
    closes = pd.concat([a, b, (a * 0.5 + b * 0.5).rename("MIX")], axis=1)
    returns = window_returns(closes, parse_window("6m"))
    frame = normalised(closes, returns.start.date(), returns.end.date())
    png = compare_chart(frame, returns.table, source="test", as_of=returns.end.date())
    assert png_size(png) == (1200, 675)


def test_compare_chart_with_nothing_to_draw() -> None:
    empty = pd.DataFrame({"return": [0.1]}, index=pd.Index(["AAA"], name="ticker"))
    with pytest.raises(NoData, match="Nothing to chart"):
        compare_chart(pd.DataFrame(index=pd.bdate_range("2024-01-01", periods=3)), empty)
