"""What the /streak chart shows: the run shaded over exactly its sessions, in the run's colour,
the record sessions marked where they were set, the latest point at the latest value; each
checked against values recomputed here from the series drawn."""

from __future__ import annotations

import datetime as dt

import matplotlib.colors as mcolors
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest

from analytics import calendar
from analytics.charts.streak_chart import streak_figure
from analytics.charts.style import ACCENT, DOWN, HIGHLIGHT, UP, encode_png
from analytics.streaks import beat_streak, direction_streak, headline, record_streak

SESSIONS = calendar.sessions_between(dt.date(2023, 1, 3), dt.date(2024, 6, 28))
RUN = 6  # a beats b on each of the last RUN sessions, and lost the one before


@pytest.fixture
def two_walks() -> tuple[pd.Series, pd.Series]:
    """Eighteen months of two seeded random walks; a beats b on each of the last 6 sessions."""
    rng = np.random.default_rng(3)
    ra = rng.normal(0.0004, 0.012, len(SESSIONS))
    rb = rng.normal(0.0003, 0.010, len(SESSIONS))
    ra[-RUN:] = rb[-RUN:] + 0.004
    ra[-RUN - 1] = rb[-RUN - 1] - 0.004
    a = pd.Series(100 * np.cumprod(1 + ra), index=SESSIONS, name="IWM")
    b = pd.Series(100 * np.cumprod(1 + rb), index=SESSIONS, name="SPY")
    return a, b


def _dates(values) -> list[dt.date]:
    return [mdates.num2date(v).date() for v in values]


def _price_line(ax):
    [line] = [ln for ln in ax.lines if mcolors.to_hex(ln.get_color()) == mcolors.to_hex(ACCENT)]
    return line


def _spans(ax):
    return [p for p in ax.patches if hasattr(p, "get_width")]


def _shaded_sessions(ax, line) -> tuple[list[dt.date], tuple[dt.date, dt.date], str]:
    """The sessions whose daily move lies inside the one shaded span (its left edge is the
    base close), the span's edges, and its colour."""
    [span] = _spans(ax)
    left, right = span.get_x(), span.get_x() + span.get_width()
    xs = np.asarray(mdates.date2num(line.get_xdata()))
    inside = [d for d, x in zip(_dates(xs), xs, strict=True) if left < x <= right]
    return inside, tuple(_dates([left, right])), mcolors.to_hex(span.get_facecolor())


def _view(end: pd.Timestamp) -> pd.DatetimeIndex:
    """The sessions a year back from `end`, as the chart shows them."""
    return SESSIONS[(end - pd.DateOffset(years=1) <= SESSIONS) & (end >= SESSIONS)]


def test_beat_chart_shades_exactly_the_run_and_ends_at_the_relative_strength(two_walks):
    a, b = two_walks
    result = beat_streak(a, b)
    assert result.length == RUN
    fig = streak_figure(result, a, b, source="Yahoo Finance")
    ax = fig.axes[0]
    line = _price_line(ax)
    shaded, edges, colour = _shaded_sessions(ax, line)
    assert shaded == [d.date() for d in SESSIONS[-RUN:]]
    assert edges == (SESSIONS[-RUN - 1].date(), SESSIONS[-1].date())
    assert colour == mcolors.to_hex(UP)
    # The line is a / b rebased to 100 at the first session in the view.
    view = _view(SESSIONS[-1])
    first = view[0]
    expected = (a.loc[view] / b.loc[view]) / (a[first] / b[first]) * 100
    assert _dates(mdates.date2num(line.get_xdata())) == [d.date() for d in view]
    np.testing.assert_allclose(line.get_ydata(), expected.to_numpy())
    assert line.get_ydata()[-1] == pytest.approx(expected.iloc[-1])
    assert headline(result) in [t.get_text() for t in fig.texts]
    assert "Source: Yahoo Finance  ·  as of 2024-06-28" in [t.get_text() for t in fig.texts]
    assert len(encode_png(fig)) > 10_000


def test_a_flipped_beat_draws_the_leader_over_the_laggard(two_walks):
    a, b = two_walks
    flipped = beat_streak(b, a)  # asked b over a; a won the last session
    assert flipped.flipped and flipped.leader == "IWM"
    line = _price_line(streak_figure(flipped, b, a).axes[0])
    view = _view(SESSIONS[-1])
    expected = (a.loc[view] / b.loc[view]) / (a[view[0]] / b[view[0]]) * 100
    np.testing.assert_allclose(line.get_ydata(), expected.to_numpy())
    # The shaded run rises: each of its sessions is above the one before.
    assert (np.diff(line.get_ydata()[-RUN - 1 :]) > 0).all()


def test_a_down_run_is_shaded_red_over_its_sessions(two_walks):
    a, _ = two_walks
    falling = a.copy()
    falling.iloc[-4] = falling.iloc[-5] * 1.01  # up, then down three sessions in a row
    falling.iloc[-3:] = falling.iloc[-4] * np.array([0.99, 0.98, 0.97])
    down = direction_streak(falling, "up")
    assert (down.kind, down.length) == ("down", 3)
    ax = streak_figure(down, falling).axes[0]
    line = _price_line(ax)
    shaded, _, colour = _shaded_sessions(ax, line)
    assert shaded == [d.date() for d in SESSIONS[-3:]]
    assert colour == mcolors.to_hex(DOWN)
    assert line.get_ydata()[-1] == pytest.approx(falling.iloc[-1])
    assert mdates.num2date(mdates.date2num(line.get_xdata()[-1])).date() == SESSIONS[-1].date()


def _record_sessions(values: pd.Series) -> list[pd.Timestamp]:
    """Sessions strictly above every earlier value, by a plain loop (the first is not one)."""
    out, peak = [], values.iloc[0]
    for day, value in values.iloc[1:].items():
        if value > peak:
            out.append(day)
        peak = max(peak, value)
    return out


def test_record_high_chart_marks_each_record_at_its_high(two_walks):
    a, _ = two_walks
    highs = a * 1.005
    highs.iloc[-2:] = highs.max() * np.array([1.01, 1.02])  # a run of two record highs
    result = record_streak(highs, "record-high")
    assert result.length == 2
    ax = streak_figure(result, a, highs=highs).axes[0]
    [markers] = [c for c in ax.collections if c.get_label() == "record high"]
    view = _view(SESSIONS[-1])
    expected = [d for d in _record_sessions(highs) if d >= view[0]]
    offsets = markers.get_offsets()
    assert _dates(offsets[:, 0]) == [d.date() for d in expected]
    np.testing.assert_allclose(offsets[:, 1], highs.loc[expected].to_numpy())
    assert mcolors.to_hex(markers.get_facecolor()[0]) == mcolors.to_hex(HIGHLIGHT)
    shaded, _, _ = _shaded_sessions(ax, _price_line(ax))
    assert shaded == [d.date() for d in SESSIONS[-2:]]
    # The line is the closes; its last point is the last close.
    assert _price_line(ax).get_ydata()[-1] == pytest.approx(a.iloc[-1])


def test_no_current_record_shades_nothing_and_still_marks_the_records(two_walks):
    a, _ = two_walks
    dipped = a.copy()
    dipped.iloc[-1] = dipped.max() * 0.8
    none_now = record_streak(dipped, "record-close")
    assert none_now.length == 0
    ax = streak_figure(none_now, dipped).axes[0]
    assert _spans(ax) == []
    view = _view(SESSIONS[-1])
    expected = [d for d in _record_sessions(dipped) if d >= view[0]]
    [markers] = [c for c in ax.collections if c.get_label() == "record close"]
    assert _dates(markers.get_offsets()[:, 0]) == [d.date() for d in expected]
    assert _price_line(ax).get_ydata()[-1] == pytest.approx(dipped.iloc[-1])


def test_beat_chart_needs_both_series(two_walks):
    a, b = two_walks
    with pytest.raises(ValueError, match="both series"):
        streak_figure(beat_streak(a, b), a)
