"""What the /compare chart shows: one line per ticker rebased to 100, best first, each ending
at 100 x (1 + its return) and labelled at its end with that return."""

from __future__ import annotations

import datetime as dt

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest

from analytics import calendar
from analytics.charts.compare_chart import compare_figure
from analytics.charts.style import SERIES_COLORS, encode_png
from analytics.errors import NoData
from analytics.returns import normalised, window_returns
from analytics.windows import parse_window

SESSIONS = calendar.sessions_between(dt.date(2023, 1, 3), dt.date(2024, 6, 28))


@pytest.fixture
def closes() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    a = 100 * np.cumprod(1 + rng.normal(0.0004, 0.012, len(SESSIONS)))
    b = 100 * np.cumprod(1 + rng.normal(0.0003, 0.010, len(SESSIONS)))
    return pd.DataFrame({"IWM": a, "SPY": b, "MIX": a * 0.5 + b * 0.5}, index=SESSIONS)


def test_lines_end_at_the_returns_shown_and_are_ranked(closes):
    returns = window_returns(closes, parse_window("6m"))
    start, end = returns.start.date(), returns.end.date()
    fig = compare_figure(normalised(closes, start, end), returns.table, source="test", as_of=end)
    ax = fig.axes[0]
    # Independently: B is the last session on or before 2023-12-28 (6 months before E).
    base = closes.loc[: pd.Timestamp("2023-12-28")].iloc[-1]
    by_hand = (closes.iloc[-1] / base - 1).sort_values(ascending=False)
    drawn = [ln for ln in ax.lines if len(ln.get_ydata()) > 2]
    assert len(drawn) == 3
    for i, (line, (ticker, ret)) in enumerate(zip(drawn, by_hand.items(), strict=True)):
        assert mcolors.to_hex(line.get_color()) == mcolors.to_hex(SERIES_COLORS[i])
        assert line.get_ydata()[0] == pytest.approx(100.0)
        assert line.get_ydata()[-1] == pytest.approx(100 * (1 + ret))
        assert returns.table.loc[ticker, "return"] == pytest.approx(ret)
    labels = [(t.get_text(), mcolors.to_hex(t.get_color())) for t in ax.texts]
    assert labels == [
        (f"{ticker} {ret * 100:+.1f}%", mcolors.to_hex(SERIES_COLORS[i]))
        for i, (ticker, ret) in enumerate(by_hand.items())
    ]
    # The default title names the best performer.
    best, ret = by_hand.index[0], by_hand.iloc[0]
    assert f"{best} led 3 tickers with {ret * 100:+.1f}%" in [t.get_text() for t in fig.texts]
    assert len(encode_png(fig)) > 10_000


def test_compare_chart_with_nothing_to_draw():
    empty = pd.DataFrame({"return": [0.1]}, index=pd.Index(["AAA"], name="ticker"))
    with pytest.raises(NoData, match="Nothing to chart"):
        compare_figure(pd.DataFrame(index=pd.bdate_range("2024-01-01", periods=3)), empty)
