"""What the records, levels and breadth charts show: markers, lines, spans and bars checked
against the values they stand for."""

from __future__ import annotations

import datetime as dt

import matplotlib.colors as mcolors
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest

from analytics import calendar
from analytics.charts.breadth_chart import COMPARE_METRICS, breadth_chart, breadth_compare_chart
from analytics.charts.levels_chart import levels_chart
from analytics.charts.records_chart import CLOSE_LABEL, HIGH_LABEL, records_chart
from analytics.charts.style import DOWN, UP, encode_png
from analytics.levels import multi_year_range, price_levels
from analytics.market_breadth import market_breadth, share_above_average_series
from analytics.records import record_history

SESSIONS = calendar.sessions_between(dt.date(2019, 1, 2), dt.date(2024, 6, 28))


def _scatter(ax, label):
    [found] = [c for c in ax.collections if c.get_label() == label]
    return found


def _dates(values) -> list[dt.date]:
    return [mdates.num2date(v).date() for v in values]


@pytest.fixture
def walk() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    closes = 100 * np.cumprod(1 + rng.normal(0.0006, 0.012, len(SESSIONS)))
    highs = closes * (1 + rng.uniform(0, 0.01, len(SESSIONS)))
    lows = closes * (1 - rng.uniform(0, 0.01, len(SESSIONS)))
    # The last three sessions set record highs and closes for sure.
    top = max(highs.max(), closes.max())
    for k, i in enumerate(range(len(SESSIONS) - 3, len(SESSIONS)), start=1):
        closes[i] = top * (1 + 0.01 * k)
        highs[i] = closes[i] * 1.002
        lows[i] = closes[i] * 0.995
    return pd.DataFrame({"high": highs, "low": lows, "close": closes}, index=SESSIONS)


def test_records_chart_marks_exactly_the_record_sessions_in_view(walk):
    close_hist = record_history(walk["close"], "close")
    high_hist = record_history(walk["high"], "high", close=close_hist.close)
    fig = records_chart(walk["close"], walk["high"], close_hist, high_hist, title="t", years=2)
    ax = fig.axes[0]
    start = pd.Timestamp(close_hist.as_of) - pd.DateOffset(years=2)
    for label, column in ((HIGH_LABEL, "high"), (CLOSE_LABEL, "close")):
        # Independently: the sessions in view strictly above every earlier value.
        values = walk[column]
        expected = values.index[values > values.cummax().shift(1)]
        expected = expected[expected >= start]
        offsets = _scatter(ax, label).get_offsets()
        assert _dates(offsets[:, 0]) == [d.date() for d in expected]
        np.testing.assert_allclose(offsets[:, 1], values.loc[expected].to_numpy())
    # The record levels as horizontal lines and the current run shaded over its sessions.
    flat = {
        round(float(line.get_ydata()[0]), 6) for line in ax.lines if len(set(line.get_ydata())) == 1
    }
    assert round(high_hist.record.value, 6) in flat and round(close_hist.record.value, 6) in flat
    [span] = [p for p in ax.patches if p.get_facecolor()[:3] == mcolors.to_rgb(UP)]
    x0, x1 = span.get_x(), span.get_x() + span.get_width()
    assert _dates([x0, x1]) == [SESSIONS[-3].date(), SESSIONS[-1].date()]
    assert high_hist.current_run.length == 3
    assert len(encode_png(fig)) > 10_000


def test_records_chart_without_highs_marks_closes_only(walk):
    close_hist = record_history(walk["close"], "close")
    fig = records_chart(walk["close"], None, close_hist, None, title="t")
    labels = [c.get_label() for c in fig.axes[0].collections]
    assert labels == [CLOSE_LABEL]


def test_levels_chart_draws_each_level_and_shades_the_range(walk):
    levels = price_levels(walk, [walk["close"].iloc[-1] * 1.05, 120.0], dt.date(2023, 6, 1))
    rng = multi_year_range(walk, 3)
    fig = levels_chart(walk["close"], levels, rng, title="t")
    ax = fig.axes[0]
    horizontal = [line for line in ax.lines if len(set(line.get_ydata())) == 1]
    by_y = {float(line.get_ydata()[0]): line for line in horizontal}
    for status in levels.levels:
        line = by_y[status.level]
        assert mcolors.to_rgb(line.get_color()) == mcolors.to_rgb(
            UP if status.side == "above" else DOWN
        )
        label = f"{status.level:,.0f}" if status.level.is_integer() else f"{status.level:,.2f}"
        assert any(t.get_text().strip().startswith(label) for t in ax.texts)
        assert any(f"{status.distance * 100:+.1f}%" in t.get_text() for t in ax.texts)
    [band] = [p for p in ax.patches if p.get_label() == f"{rng.years}-year range"]
    assert (band.get_y(), band.get_y() + band.get_height()) == pytest.approx((rng.low, rng.high))
    low, high = ax.get_ylim()
    assert low <= min(rng.low, 120.0) and high >= max(rng.high, levels.levels[0].level)


def test_breadth_chart_panels_are_the_share_above_50_and_the_ad_line():
    rng = np.random.default_rng(2)
    index = SESSIONS[-300:]
    closes = pd.DataFrame(
        100 * np.cumprod(1 + rng.normal(0, 0.02, (len(index), 30)), axis=0), index=index
    )
    base, end = index[-120].date(), index[-1].date()
    breadth = market_breadth(closes, base, end)
    share = share_above_average_series(closes, 50, base)["share"]
    fig = breadth_chart(share, breadth.ad_line, title="t")
    top, bottom = fig.axes[0], fig.axes[1]
    np.testing.assert_allclose(top.lines[0].get_ydata(), share.to_numpy())
    assert _dates(top.lines[0].get_xdata(orig=False)) == [d.date() for d in share.index]
    np.testing.assert_allclose(bottom.lines[0].get_ydata(), breadth.ad_line.to_numpy())
    assert top.get_ylim() == (0.0, 1.0)


def test_compare_chart_bars_are_the_two_universes_shares_and_na_has_no_bar():
    rng = np.random.default_rng(4)
    long = SESSIONS[-260:]
    short = long[-100:]  # too short for a 200-day average
    a = pd.DataFrame(100 * np.cumprod(1 + rng.normal(0, 0.02, (len(long), 25)), axis=0), index=long)
    b = pd.DataFrame(
        100 * np.cumprod(1 + rng.normal(0, 0.02, (len(short), 25)), axis=0), index=short
    )
    first = market_breadth(a, long[-40].date(), long[-1].date())
    second = market_breadth(b, short[-40].date(), short[-1].date())
    fig = breadth_compare_chart(("IVV", first), ("IWM", second), title="t")
    ax = fig.axes[0]
    bars = [p for p in ax.patches]
    expected = [
        first.up_down.share_up,
        first.above[20].share,
        first.above[50].share,
        first.above[200].share,
        second.up_down.share_up,
        second.above[20].share,
        second.above[50].share,
    ]  # IWM's 200-day share is None: no bar
    assert second.above[200].share is None
    np.testing.assert_allclose([p.get_height() for p in bars], expected)
    assert sum(t.get_text() == "n/a" for t in ax.texts) == 1
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["IVV", "IWM"]
    assert [t.get_text() for t in ax.get_xticklabels()] == [label for _, label in COMPARE_METRICS]


def test_breadth_chart_cuts_the_share_at_the_window_end():
    rng = np.random.default_rng(3)
    index = SESSIONS[-300:]
    closes = pd.DataFrame(
        100 * np.cumprod(1 + rng.normal(0, 0.02, (len(index), 10)), axis=0), index=index
    )
    base, end = index[-150].date(), index[-50].date()
    breadth = market_breadth(closes, base, end)
    share = share_above_average_series(closes, 50, base)["share"]  # runs on past the end
    fig = breadth_chart(share, breadth.ad_line, title="t")
    shown = _dates(fig.axes[0].lines[0].get_xdata(orig=False))
    assert (shown[0], shown[-1], len(shown)) == (base, end, 101)
