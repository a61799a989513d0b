"""The whole study on generated prices: forward returns, statistics and the baseline, checked
against a second computation in the test (pandas `asof` for the end sessions, numpy for the
statistics)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics import calendar
from analytics.history.episodes import Episode
from analytics.history.study import event_study, median_path

SESSIONS = calendar.sessions_between(dt.date(2019, 1, 2), dt.date(2021, 6, 30))
MONTHS = {"1w": None, "1m": 1, "3m": 3, "6m": 6, "12m": 12}


def walk(seed: int) -> pd.Series:
    rng = np.random.default_rng(seed)
    return pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.012, len(SESSIONS)))), index=SESSIONS)


def by_hand(closes: pd.Series, day: pd.Timestamp, horizon: str) -> float | None:
    """close(last session <= day + horizon) / close(day) - 1, None past the data."""
    months = MONTHS[horizon]
    target = day + (pd.DateOffset(weeks=1) if months is None else pd.DateOffset(months=months))
    if target > closes.index[-1]:
        return None
    return float(closes.asof(target) / closes[day] - 1)


def episode(day: str, *, ongoing: bool = False) -> Episode:
    d = dt.date.fromisoformat(day)
    return Episode(d, d, 1, ongoing)


EPISODES = [episode(d) for d in ("2019-03-01", "2019-07-15", "2020-03-16", "2020-11-09")]
EPISODES.append(episode("2021-05-03", ongoing=True))


def test_one_series_forward_returns_summary_and_left_out():
    closes = walk(7)
    study = event_study(EPISODES, closes.to_frame("AAA"))
    assert (study.names, study.measure, study.pair) == (("AAA",), "a", False)
    assert (study.start, study.end, study.sessions) == (
        SESSIONS[0].date(),
        SESSIONS[-1].date(),
        len(SESSIONS),
    )
    for horizon in MONTHS:
        expected = [by_hand(closes, pd.Timestamp(e.date), horizon) for e in EPISODES]
        got = [r.forward.get(horizon, {}).get("a") for r in study.episodes]
        assert got == pytest.approx(expected), horizon
        values = np.array([v for v in expected if v is not None])
        s = study.summary[horizon]
        assert s.n == len(values)
        assert study.left_out[horizon] == len(expected) - len(values)
        assert s.median == pytest.approx(np.median(values))
        assert s.mean == pytest.approx(values.mean())
        assert s.share_positive == pytest.approx((values > 0).mean())
        assert (s.best, s.worst) == pytest.approx((values.max(), values.min()))
        starts = [e.date for e, v in zip(EPISODES, expected, strict=True) if v is not None]
        assert s.best_date == starts[int(values.argmax())]
    assert study.left_out["12m"] == 2 and study.left_out["1w"] == 0
    assert study.current is study.episodes[-1] and study.anecdotal


def test_the_baseline_is_every_session_of_the_history():
    closes = walk(8)
    study = event_study(EPISODES[:2], closes.to_frame("AAA"))
    for horizon in ("1w", "3m"):
        values = [by_hand(closes, day, horizon) for day in SESSIONS]
        kept = np.array([v for v in values if v is not None])
        b = study.baseline[horizon]
        assert b.n == len(kept)
        assert b.median == pytest.approx(np.median(kept))
        assert b.mean == pytest.approx(kept.mean())
        assert b.share_positive == pytest.approx((kept > 0).mean())


def test_a_pair_measures_the_spread_over_the_same_sessions():
    a, b = walk(1), walk(2)
    study = event_study(EPISODES, pd.concat([a.rename("A"), b.rename("B")], axis=1))
    assert study.measure == "spread" and study.pair
    for result in study.episodes:
        day = pd.Timestamp(result.episode.date)
        for horizon, values in result.forward.items():
            ra, rb = by_hand(a, day, horizon), by_hand(b, day, horizon)
            assert (values["a"], values["b"]) == pytest.approx((ra, rb))
            assert values["spread"] == pytest.approx(ra - rb)
    spreads = [r.forward["3m"]["spread"] for r in study.episodes if "3m" in r.forward]
    assert study.summary["3m"].median == pytest.approx(np.median(spreads))


def test_an_episode_on_a_closed_day_starts_at_the_next_session_others_are_dropped():
    closes = walk(3).to_frame("AAA")
    saturday, monday = episode("2019-03-02"), episode("2019-03-04")
    early = episode("2018-06-01")  # before the closes begin: nothing to measure from
    study = event_study([early, saturday, monday, episode("2030-01-02")], closes)
    assert [r.start for r in study.episodes] == [dt.date(2019, 3, 4)]
    assert study.episodes[0].episode is saturday


def test_paths_and_the_median_path():
    a, b = walk(4), walk(5)
    closes = pd.concat([a.rename("A"), b.rename("B")], axis=1)
    study = event_study(EPISODES, closes)
    for result, path in zip(study.episodes, study.paths, strict=True):
        start = SESSIONS.get_loc(pd.Timestamp(result.start))
        seg = slice(start, start + len(path))
        expected = a.iloc[seg] / a.iloc[start] - (b.iloc[seg] / b.iloc[start])
        assert path == pytest.approx(expected.to_numpy())
        if "12m" in result.forward:
            assert path[-1] == pytest.approx(result.forward["12m"]["spread"])
        else:  # runs to the end of the data
            assert start + len(path) == len(SESSIONS)
    # the median path: per step, the median over the paths reaching it, while half of them do
    lengths = sorted((len(p) for p in study.paths), reverse=True)
    reach = lengths[(len(lengths) - 1) // 2]
    for j in range(0, reach, 17):
        reaching = [p[j] for p in study.paths if len(p) > j]
        assert study.median_path[j] == pytest.approx(np.median(reaching))
    assert len(study.median_path) == reach


def test_median_path_edge_cases():
    assert median_path([]).size == 0
    assert median_path([np.array([0.0, 1.0])]).tolist() == [0.0, 1.0]


def test_no_episode_still_has_a_baseline():
    study = event_study([], walk(6).to_frame("AAA"))
    assert study.episodes == () and study.current is None
    assert study.summary["3m"].n == 0 and study.summary["3m"].median is None
    assert study.baseline["3m"].n > 0
    with pytest.raises(ValueError):
        event_study([], pd.DataFrame())
