"""What fired streak and move alerts show: the answer of the command they stand on (/streak,
/compare) on the session they fired, the same one the command line gives, with its chart: the
run shaded over exactly its sessions (from the session its return is measured from), green up
and red down, the records marked on their sessions; the move's ticker beside its benchmark,
rebased to 100. Built through each kind's own answer on planted data."""

from __future__ import annotations

import datetime as dt

import matplotlib.colors as mcolors
import matplotlib.dates as mdates
import pytest

from analytics.alerts.kinds import KINDS
from analytics.alerts.kinds.commands import command_answer
from analytics.charts.style import DOWN, HIGHLIGHT, UP
from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from tests.support.alerts import bars_frame, sessions

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


def same_answer(fired, command):
    """The fired embed is the command's answer: the same text, table rows and payload."""
    assert (fired.title, fired.summary, fired.fields) == (
        command.title,
        command.summary,
        command.fields,
    )
    assert [t.rows for t in fired.tables] == [t.rows for t in command.tables]
    assert fired.data == command.data and fired.source == command.source


def test_a_beat_run_is_the_streak_answer_shaded_green_from_the_session_before_it(market):
    # IWM beats a flat SPY on the last 6 sessions only.
    iwm = [100.0 + ((i + 1) % 2) for i in range(len(DAYS) - 6)]  # ends on a fall
    iwm += [iwm[-1] * 1.01**k for k in range(1, 7)]
    market.cache.store_bars("IWM", bars_frame(DAYS, iwm), "test")
    market.cache.store_bars("SPY", bars_frame(DAYS, [50.0] * len(DAYS)), "test")
    answer = answer_for(market, "streak", ticker="IWM", versus="SPY", sessions=3)
    assert answer.title == "IWM has beaten SPY 6 sessions in a row"
    asked = {"a": "IWM", "b": "SPY", "kind": "beat", "as_of": DAYS[-1].isoformat()}
    same_answer(answer, command_answer("streak", asked, market))
    assert (answer.data["length"], answer.data["start"]) == (6, DAYS[-6].isoformat())
    ax = answer.chart.figure().axes[0]
    assert span_of(ax, UP) == (DAYS[-7], DAYS[-1])
    # Relative strength IWM / SPY rebased to 100 at the first session shown (SPY is flat).
    [line] = [ln for ln in ax.lines if len(ln.get_ydata()) > 2]
    shown = line.get_ydata()
    assert shown[0] == 100.0
    assert shown[-1] == pytest.approx(100 * iwm[-1] / iwm[len(DAYS) - len(shown)])


def test_a_down_run_is_red_and_records_are_marked_on_their_sessions(market):
    closes = [100.0 + i for i in range(len(DAYS) - 4)] + [150.0, 149.0, 148.0, 147.0]
    market.cache.store_bars("QQQ", bars_frame(DAYS, closes), "test")
    down = answer_for(market, "streak", ticker="QQQ", what="down", sessions=3)
    assert down.title == "QQQ has closed lower 4 sessions in a row"  # 150 was a fall too
    asked = {"a": "QQQ", "kind": "down", "as_of": DAYS[-1].isoformat()}
    same_answer(down, command_answer("streak", asked, market))
    assert span_of(down.chart.figure().axes[0], DOWN) == (DAYS[-5], DAYS[-1])

    records = [100.0 + i for i in range(len(DAYS) - 3)] + [90.0, 200.0, 201.0]
    market.cache.store_bars("SPY", bars_frame(DAYS, records), "test")
    runs = answer_for(market, "streak", ticker="SPY", what="record-close", sessions=2)
    ax = runs.chart.figure().axes[0]
    [points] = [
        c for c in ax.collections if tuple(c.get_facecolor()[0][:3]) == mcolors.to_rgb(HIGHLIGHT)
    ]
    marked = {mdates.num2date(x).date() for x, _ in points.get_offsets()}
    # Every record session (strictly above every earlier close; the first is none), all in view.
    want = {DAYS[i] for i in range(1, len(DAYS)) if records[i] > max(records[:i])}
    assert marked == want and {DAYS[-2], DAYS[-1]} <= marked


@pytest.mark.parametrize(("last", "colour"), [(110.0, UP), (90.0, DOWN)])
def test_a_move_is_the_compare_answer_of_the_ticker_and_its_benchmark(market, last, colour):
    closes = [100.0] * (len(DAYS) - 1) + [last]
    market.cache.store_bars("IWM", bars_frame(DAYS, closes), "test")
    market.cache.store_bars("SPY", bars_frame(DAYS, [50.0] * (len(DAYS) - 1) + [51.0]), "test")
    answer = answer_for(market, "move", ticker="IWM", window="1d", percent=5)
    asked = {"tickers": "IWM SPY", "window": "1d", "as_of": DAYS[-1].isoformat()}
    same_answer(answer, command_answer("compare", asked, market))
    move, spy = last / 100 - 1, 51 / 50 - 1
    ranked = sorted([("IWM", move), ("SPY", spy)], key=lambda r: -r[1])
    assert answer.title == (
        f"{ranked[0][0]} {ranked[0][1]:+.1%} vs {ranked[1][0]} {ranked[1][1]:+.1%} over 1 session"
    )
    assert [(r["ticker"], r["return"]) for r in answer.data["returns"]] == [
        (t, pytest.approx(r)) for t, r in ranked
    ]
    # Both lines rebased to 100 at the close before, ending at 100 x (1 + return).
    ax = answer.chart.figure().axes[0]
    ends = sorted(ln.get_ydata()[-1] for ln in ax.lines if ln.get_linestyle() != "--")
    assert ends == pytest.approx(sorted(100 * (1 + r) for _, r in ranked))
    assert KINDS["move"].tickers(KINDS["move"].parse({"ticker": "IWM", "percent": 5})) == (
        "IWM",
        "SPY",
    )
