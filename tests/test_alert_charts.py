"""What the charts of fired alerts show: the run shaded over exactly its sessions (from the
session its return is measured from), green up and red down, the records marked on their
sessions; a move's window shaded between its two closes. Built through each kind's own answer
on planted data (records, levels and macro alerts show their command's own chart)."""

from __future__ import annotations

import datetime as dt

import matplotlib.colors as mcolors
import matplotlib.dates as mdates
import pytest

from analytics.alerts.kinds import KINDS
from analytics.charts.style import DOWN, HIGHLIGHT, UP
from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from tests.alert_support import bars_frame, sessions

DAYS = sessions("2024-03-01", 80)
NOW = dt.datetime(2024, 7, 1, 22, 0, tzinfo=dt.UTC)


@pytest.fixture
def market(tmp_path):
    cache = PriceCache(tmp_path / "charts.db")
    yield MarketData(cache, None, now=lambda: NOW)
    cache.close()


def span_of(ax, colour: str):
    [span] = [p for p in ax.patches if p.get_facecolor()[:3] == mcolors.to_rgb(colour)]
    x0, x1 = span.get_x(), span.get_x() + span.get_width()
    return mdates.num2date(x0).date(), mdates.num2date(x1).date()


def answer_for(market, kind: str, **values):
    spec = KINDS[kind]
    params = spec.parse(values)
    evaluation = spec.evaluate(market, params, None)
    return spec.answer(market, params, evaluation)


def test_a_beat_run_is_shaded_green_from_the_session_before_it(market):
    # IWM beats a flat SPY on the last 6 sessions only.
    iwm = [100.0 + ((i + 1) % 2) for i in range(len(DAYS) - 6)]  # ends on a fall
    iwm += [iwm[-1] * 1.01**k for k in range(1, 7)]
    market.cache.store_bars("IWM", bars_frame(DAYS, iwm), "test")
    market.cache.store_bars("SPY", bars_frame(DAYS, [50.0] * len(DAYS)), "test")
    answer = answer_for(market, "streak", ticker="IWM", versus="SPY", sessions=3)
    assert answer.title == "IWM has beaten SPY 6 sessions in a row"
    ax = answer.chart.figure().axes[0]
    assert span_of(ax, UP) == (DAYS[-7], DAYS[-1])
    lines = {line.get_label(): line for line in ax.lines}
    assert set(lines) == {"IWM", "SPY"}
    assert lines["SPY"].get_ydata()[0] == lines["IWM"].get_ydata()[0] == 100.0  # rebased
    assert lines["IWM"].get_ydata()[-1] == pytest.approx(
        100 * iwm[-1] / iwm[-len(lines["IWM"].get_ydata())]
    )


def test_a_down_run_is_red_and_records_are_marked_on_their_sessions(market):
    closes = [100.0 + i for i in range(len(DAYS) - 4)] + [150.0, 149.0, 148.0, 147.0]
    market.cache.store_bars("QQQ", bars_frame(DAYS, closes), "test")
    down = answer_for(market, "streak", ticker="QQQ", what="down", sessions=3)
    assert span_of(down.chart.figure().axes[0], DOWN) == (DAYS[-5], DAYS[-1])

    records = [100.0 + i for i in range(len(DAYS) - 3)] + [90.0, 200.0, 201.0]
    market.cache.store_bars("SPY", bars_frame(DAYS, records), "test")
    runs = answer_for(market, "streak", ticker="SPY", what="record-close", sessions=2)
    ax = runs.chart.figure().axes[0]
    [points] = [
        c for c in ax.collections if tuple(c.get_facecolor()[0][:3]) == mcolors.to_rgb(HIGHLIGHT)
    ]
    marked = {mdates.num2date(x).date() for x, _ in points.get_offsets()}
    shown = {mdates.num2date(x).date() for x in ax.lines[0].get_xdata(orig=False)}
    # Every record session in view, and nothing else: the first view session has none before.
    want = {DAYS[i] for i in range(1, len(DAYS)) if records[i] > max(records[:i])} & shown
    assert marked == want and {DAYS[-2], DAYS[-1]} <= marked


@pytest.mark.parametrize(("last", "colour"), [(110.0, UP), (90.0, DOWN)])
def test_a_move_shades_its_window_and_marks_both_closes(market, last, colour):
    closes = [100.0] * (len(DAYS) - 1) + [last]
    market.cache.store_bars("IWM", bars_frame(DAYS, closes), "test")
    answer = answer_for(market, "move", ticker="IWM", window="1d", percent=5)
    assert answer.title == f"IWM {'rose' if last > 100 else 'fell'} 10.00% over 1 session"
    ax = answer.chart.figure().axes[0]
    assert span_of(ax, colour) == (DAYS[-2], DAYS[-1])
    [ends] = ax.collections
    assert [y for _, y in ends.get_offsets()] == [100.0, last]
    assert answer.data["return"] == pytest.approx(last / 100 - 1)
