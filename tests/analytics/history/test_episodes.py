"""Episodes of a condition, on masks whose episodes are known by construction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.history.episodes import condition_episodes, run_lengths, streak_episodes

DAYS = pd.bdate_range("2024-01-01", periods=12)


def series(flags: str) -> pd.Series:
    """'..xx.x' -> a boolean Series over the first len(flags) business days."""
    return pd.Series([c == "x" for c in flags], index=DAYS[: len(flags)])


def test_each_stretch_is_one_episode_dated_by_its_first_session():
    episodes = condition_episodes(series(".xx..x.xxx"))
    assert [(e.date, e.last, e.sessions, e.ongoing) for e in episodes] == [
        (DAYS[1].date(), DAYS[2].date(), 2, False),
        (DAYS[5].date(), DAYS[5].date(), 1, False),
        (DAYS[7].date(), DAYS[9].date(), 3, True),  # still holding on the last session
    ]
    assert all(e.length is None for e in episodes)


def test_nan_does_not_hold_and_empty_or_never_gives_no_episode():
    flags = pd.Series([True, np.nan, True], index=DAYS[:3], dtype=object)
    assert [e.date for e in condition_episodes(flags)] == [DAYS[0].date(), DAYS[2].date()]
    assert condition_episodes(series("....")) == ()
    assert condition_episodes(pd.Series([], dtype=bool)) == ()


def test_run_lengths_count_the_run_so_far():
    assert run_lengths(np.array([0, 1, 1, 0, 1, 1, 1], dtype=bool)).tolist() == [
        0,
        1,
        2,
        0,
        1,
        2,
        3,
    ]
    assert run_lengths(np.array([], dtype=bool)).tolist() == []


def test_a_streak_episode_is_the_nth_session_of_a_run_of_at_least_n():
    #            0123456789ab
    mask = series(".xxx.xx.xxxx")
    episodes = streak_episodes(mask, 3)
    # runs: 1-3 (3 long: episode on its 3rd session, 3), 5-6 (too short), 8-11 (episode on 10)
    assert [(e.date, e.sessions, e.length, e.ongoing) for e in episodes] == [
        (DAYS[3].date(), 1, 3, False),
        (DAYS[10].date(), 2, 4, True),
    ]
    assert [e.date for e in streak_episodes(mask, 1)] == [
        DAYS[1].date(),
        DAYS[5].date(),
        DAYS[8].date(),
    ]
    assert streak_episodes(mask, 5) == ()
    with pytest.raises(ValueError):
        streak_episodes(mask, 0)
