"""What the /price chart shows: every close of the bars, the last point at the last close, green
when the change is a gain and red when a loss."""

from __future__ import annotations

import datetime as dt

import matplotlib.colors as mcolors
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest

from analytics import calendar
from analytics.charts.price_chart import price_figure
from analytics.charts.style import DOWN, UP
from analytics.errors import NoData

SESSIONS = calendar.sessions_between(dt.date(2024, 4, 1), dt.date(2024, 6, 28))


def bars(closes: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"close": closes, "adj_close": closes}, index=SESSIONS[: len(closes)])


@pytest.mark.parametrize(("step", "colour"), [(0.5, UP), (-0.5, DOWN)])
def test_the_line_is_the_closes_ending_at_the_last_close(step, colour):
    closes = 100 + step * np.arange(len(SESSIONS), dtype=float)
    frame = bars(closes)
    change = closes[-1] / closes[0] - 1
    fig = price_figure("SPY", frame, change, source="test", as_of=SESSIONS[-1].date())
    [line] = fig.axes[0].lines
    days = [mdates.num2date(x).date() for x in mdates.date2num(line.get_xdata())]
    assert days == [d.date() for d in SESSIONS]
    np.testing.assert_allclose(line.get_ydata(), closes)
    assert (days[-1], line.get_ydata()[-1]) == (SESSIONS[-1].date(), pytest.approx(closes[-1]))
    assert mcolors.to_hex(line.get_color()) == mcolors.to_hex(colour)
    assert f"SPY {change * 100:+.2f}% over the window" in [t.get_text() for t in fig.texts]


def test_no_close_is_no_chart():
    with pytest.raises(NoData, match="No SPY closes"):
        price_figure("SPY", bars(np.full(3, np.nan)), 0.0)
