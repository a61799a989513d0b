"""What the /history chart draws: one path per episode, the median bold with the computed
medians, the current episode highlighted, the horizons marked."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from analytics import calendar
from analytics.charts.history_chart import (
    CURRENT_GID,
    EPISODE_GID,
    HORIZON_GID,
    MEDIAN_GID,
    history_chart,
)
from analytics.charts.style import HIGHLIGHT, MUTED
from analytics.history.episodes import Episode
from analytics.history.study import event_study

SESSIONS = calendar.sessions_between(dt.date(2018, 1, 2), dt.date(2021, 6, 30))


def closes(seed: int) -> pd.Series:
    rng = np.random.default_rng(seed)
    return pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.01, len(SESSIONS)))), index=SESSIONS)


def study(*, current: bool):
    days = ["2018-03-01", "2018-09-04", "2019-02-01", "2019-08-01", "2020-04-01", "2021-02-01"]
    episodes = [Episode(dt.date.fromisoformat(d), dt.date.fromisoformat(d), 1, False) for d in days]
    if current:
        last = SESSIONS[-20].date()
        episodes.append(Episode(last, SESSIONS[-1].date(), 20, True))
    frame = pd.concat([closes(1).rename("IWM"), closes(2).rename("SPY")], axis=1)
    return event_study(episodes, frame)


def lines(fig, gid):
    return [line for line in fig.axes[0].get_lines() if line.get_gid() == gid]


def test_one_line_per_episode_the_median_bold_and_the_current_highlighted():
    s = study(current=True)
    fig = history_chart(s, title="After IWM beat SPY 10+ sessions in a row", source="test")
    episodes, [median], [current] = (
        lines(fig, EPISODE_GID),
        lines(fig, MEDIAN_GID),
        lines(fig, CURRENT_GID),
    )
    assert len(episodes) == len(s.episodes) - 1  # the current one is drawn on its own
    assert all(to_hex(line.get_color()) == to_hex(MUTED) for line in episodes)
    assert to_hex(current.get_color()) == to_hex(HIGHLIGHT)
    assert median.get_linewidth() > max(line.get_linewidth() for line in episodes)
    # the current episode's path: its 20 sessions to the data's end, in pp
    spread = (closes(1) / closes(1).iloc[-20] - closes(2) / closes(2).iloc[-20]).iloc[-20:]
    assert current.get_ydata() == pytest.approx(spread.to_numpy() * 100)
    # the median path's values are the medians of the paths, computed here again
    paths = s.paths
    lengths = sorted((len(p) for p in paths), reverse=True)
    reach = lengths[(len(paths) - 1) // 2]
    expected = [np.median([p[j] for p in paths if len(p) > j]) * 100 for j in range(reach)]
    assert median.get_ydata() == pytest.approx(expected)
    assert list(median.get_xdata()) == list(range(reach))
    assert len(lines(fig, HORIZON_GID)) == 5
    texts = [t.get_text() for t in fig.texts]
    assert "After IWM beat SPY 10+ sessions in a row" in texts


def test_without_a_current_episode_nothing_is_highlighted():
    s = study(current=False)
    fig = history_chart(s, title="t")
    assert len(lines(fig, EPISODE_GID)) == len(s.episodes) == 6
    assert lines(fig, CURRENT_GID) == []


def test_no_episode_says_so():
    frame = closes(3).to_frame("IWM")
    fig = history_chart(event_study([], frame), title="t")
    assert lines(fig, EPISODE_GID) == lines(fig, MEDIAN_GID) == []
    assert "no episode in the history" in [t.get_text() for t in fig.axes[0].texts]
