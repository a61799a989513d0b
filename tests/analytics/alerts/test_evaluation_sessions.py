"""Every alert kind through simulated sessions on a fake clock: the data arrives one session
at a time (as the evening refresh brings it), the loop evaluates after each close, and an
alert fires exactly on the sessions its condition became true, not on the next ones while it
stays true, and again after it stopped holding.

The expected sessions come from plain loops over the numbers the test wrote (runs counted by
hand, records against a running maximum, moves from the closes), not from the analytics.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from tests.support.alerts import Simulation, bars_frame, crossings, put_fred, sessions

HISTORY = 20  # sessions stored before the alert is made (its baseline stands on the last)


@pytest.fixture
def sim(tmp_path):
    days = sessions("2024-01-02", 70)
    simulation = Simulation(tmp_path / "alerts.db", days[HISTORY - 1])
    yield simulation, days
    simulation.close()


def store(sim: Simulation, frames: dict[str, pd.DataFrame], upto: int) -> None:
    for ticker, frame in frames.items():
        sim.cache.store_bars(ticker, frame.iloc[:upto], "test")


async def feed(sim: Simulation, days, frames: dict[str, pd.DataFrame]) -> None:
    """Sessions HISTORY.. one by one: that session's bars, then the evening's evaluation."""
    for i in range(HISTORY, len(days)):
        for ticker, frame in frames.items():
            sim.cache.store_bars(ticker, frame.iloc[[i]], "test")
        await sim.session(days[i])


def expected(days, holds: list[bool]) -> list[dt.date]:
    return [days[i] for i in crossings(holds) if i >= HISTORY]


def assert_fires(sim: Simulation, alert_id: int, days, holds: list[bool]) -> list[dt.date]:
    want = expected(days, holds)
    assert len(want) >= 2, "the data must cross at least twice (fire, re-arm, fire again)"
    got = [d for a, d in sim.discord.fired() if a == alert_id]
    assert got == want
    # Never on the session after a fire while the condition still held.
    for day in want:
        after = days[days.index(day) + 1] if day != days[-1] else None
        if after is not None and holds[days.index(after)]:
            assert after not in got
    return got


async def test_a_beat_streak_fires_when_the_run_reaches_n_and_again_after_a_break(sim):
    sim, days = sim
    # A gains 1% on W sessions and loses 1% on L sessions; B is flat, so A beats B on W only.
    fed = ("WWWWWLWWLWWWWLLWWWWWWWLWWWWWLWWWLW" * 2)[: len(days) - HISTORY]
    pattern = "WL" * (HISTORY // 2) + fed
    a = [100.0]
    for mark in pattern[1:]:
        a.append(a[-1] * (1.01 if mark == "W" else 0.99))
    frames = {"IWM": bars_frame(days, a), "SPY": bars_frame(days, [100.0] * len(days))}
    store(sim, frames, HISTORY)
    alert = sim.add(kind="streak", ticker="iwm", versus="spy", sessions=3)
    assert (alert.params, alert.baseline_holds) == (
        {"a": "IWM", "b": "SPY", "what": "beat", "sessions": 3},
        False,
    )
    await feed(sim, days, frames)

    run, holds = 0, [False]
    for i in range(1, len(days)):
        run = run + 1 if a[i] > a[i - 1] else 0  # B's return is 0: A beats it when A rose
        holds.append(run >= 3)
    got = assert_fires(sim, alert.id, days, holds)
    # The first fire is the third W session in a row after the history.
    first_w = pattern.index("WWW", HISTORY)
    assert got[0] == days[first_w + 2]


@pytest.mark.parametrize("what", ["up", "down"])
async def test_an_up_or_down_streak_fires_on_the_nth_session_in_a_row(sim, what):
    sim, days = sim
    rng = np.random.default_rng(7)
    steps = rng.choice(
        [-1.0, 1.0], size=len(days), p=[0.45, 0.55] if what == "up" else [0.55, 0.45]
    )
    steps[1:HISTORY:2], steps[2:HISTORY:2] = 1.0, -1.0  # no run of 2 in the history
    closes = list(100.0 + np.cumsum(steps))
    frames = {"QQQ": bars_frame(days, closes)}
    store(sim, frames, HISTORY)
    alert = sim.add(kind="streak", ticker="QQQ", what=what, sessions=2)
    await feed(sim, days, frames)

    run, holds = 0, [False]
    for i in range(1, len(days)):
        moved = closes[i] > closes[i - 1] if what == "up" else closes[i] < closes[i - 1]
        run = run + 1 if moved else 0
        holds.append(run >= 2)
    assert_fires(sim, alert.id, days, holds)


async def test_a_record_alert_fires_on_the_first_record_session_after_one_without(sim):
    sim, days = sim
    rng = np.random.default_rng(11)
    closes = list(100.0 + np.cumsum(rng.normal(0.3, 1.0, size=len(days))))
    closes[HISTORY - 1] = min(closes[:HISTORY]) - 1  # the baseline session sets no record
    highs = [c + 0.4 for c in closes]
    frames = {"^RUT": bars_frame(days, closes, highs)}
    store(sim, frames, HISTORY)
    alert = sim.add(kind="record", ticker="rut")
    assert alert.params == {"ticker": "^RUT", "what": "record-high"}
    await feed(sim, days, frames)

    holds = [False] + [highs[i] > max(highs[:i]) for i in range(1, len(days))]
    assert_fires(sim, alert.id, days, holds)


async def test_a_move_alert_fires_on_the_first_big_day_after_a_quiet_one(sim):
    sim, days = sim
    rng = np.random.default_rng(3)
    moves = rng.choice([0.004, -0.006, 0.025, -0.031, 0.011], size=len(days))
    moves[:HISTORY] = 0.004
    closes = list(100.0 * np.cumprod(1 + moves))
    # The benchmark the fired embed (/compare) shows the move beside; the refresh brings it.
    frames = {"IWM": bars_frame(days, closes), "SPY": bars_frame(days, [50.0] * len(days))}
    store(sim, frames, HISTORY)
    alert = sim.add(kind="move", ticker="IWM", percent=2)
    assert alert.params == {"ticker": "IWM", "window": "1d", "percent": 2.0, "direction": "either"}
    await feed(sim, days, frames)

    holds = [False] + [abs(closes[i] / closes[i - 1] - 1) >= 0.02 for i in range(1, len(days))]
    assert_fires(sim, alert.id, days, holds)


async def test_a_five_session_move_up_alert(sim):
    sim, days = sim
    t = np.arange(len(days))
    closes = list(100 + 6 * np.sin(t / 4.0))
    frames = {"SPY": bars_frame(days, closes), "IWM": bars_frame(days, [50.0] * len(days))}
    store(sim, frames, HISTORY)
    alert = sim.add(kind="move", ticker="SPY", window="5d", percent=3, direction="up")
    await feed(sim, days, frames)

    holds = [i >= 5 and closes[i] / closes[i - 5] - 1 >= 0.03 for i in range(len(days))]
    assert_fires(sim, alert.id, days, holds)


@pytest.mark.parametrize("direction", ["up", "down"])
async def test_a_level_alert_fires_when_the_close_crosses(sim, direction):
    sim, days = sim
    t = np.arange(len(days))
    closes = list(2600 + 80 * np.sin(t / 3.0))
    level = 2642.0
    # The baseline session is on the far side of the level from the crossing watched.
    closes[HISTORY - 1] = 2500.0 if direction == "up" else 2700.0
    frames = {"^RUT": bars_frame(days, closes)}
    store(sim, frames, HISTORY)
    alert = sim.add(kind="level", ticker="^RUT", level="2642")
    # Without a direction the alert watches the side the level is on when it is made.
    assert alert.params["direction"] == direction
    await feed(sim, days, frames)

    holds = [(c >= level) if direction == "up" else (c < level) for c in closes]
    assert_fires(sim, alert.id, days, holds)


async def test_a_macro_value_alert_fires_once_per_crossing_reading(sim):
    sim, days = sim
    months = pd.date_range("2018-01-01", periods=60, freq="MS")  # all dated before the sessions
    values = [4.0 + 0.05 * (i % 7) for i in range(48)]  # history: never above 4.3
    values += [4.35, 4.4, 4.2, 4.1, 4.5, 4.25, 4.32, 4.31, 4.0, 4.4, 4.6, 4.1]
    readings = pd.Series(values, index=months, name="UNRATE")
    # One new reading every 5 sessions after the history.
    arrival = {days[HISTORY + 5 * k]: 48 + k for k in range(10)}
    put_fred(sim.cache, "UNRATE", readings.iloc[:48])
    alert = sim.add(kind="macro", series="unemployment", value=4.3)
    assert alert.params == {"series": "UNRATE", "value": 4.3, "years": None, "direction": "up"}
    shown = 48
    for day in days[HISTORY:]:
        if day in arrival:
            shown = arrival[day] + 1
            put_fred(sim.cache, "UNRATE", readings.iloc[:shown])
        await sim.session(day)

    holds = [v > 4.3 for v in values[:shown]]
    crossing = [j for j in crossings(holds) if j >= 48]
    want = [(alert.id, months[j].date()) for j in crossing]
    assert len(want) >= 2
    assert sim.discord.fired() == want  # keyed by the reading: once each, however long it stays


async def test_a_macro_years_alert_fires_on_a_reading_highest_in_y_years(sim):
    sim, days = sim
    years = pd.date_range("1990-01-01", periods=30, freq="YS")
    values = [10.0 - 0.2 * i for i in range(20)]  # a long decline: no new highs
    values += [6.5, 7.5, 7.0, 8.0, 9.9, 7.0, 8.5, 10.5, 10.6, 9.0]
    readings = pd.Series(values, index=years, name="TESTSER")
    put_fred(sim.cache, "TESTSER", readings.iloc[:20])
    alert = sim.add(kind="macro", series="TESTSER", years=5)
    arrival = {days[HISTORY + 4 * k]: 20 + k for k in range(10)}
    shown = 20
    for day in days[HISTORY:]:
        if day in arrival:
            shown = arrival[day] + 1
            put_fred(sim.cache, "TESTSER", readings.iloc[:shown])
        await sim.session(day)

    def highest(j: int) -> bool:
        start = years[j] - pd.DateOffset(years=5)
        window = [v for d, v in zip(years[:j], values[:j], strict=True) if d >= start]
        return years[0] <= start and all(v < values[j] for v in window)

    holds = [highest(j) for j in range(shown)]
    want = [(alert.id, years[j].date()) for j in crossings(holds) if j >= 20]
    assert len(want) >= 2
    assert sim.discord.fired() == want


async def test_an_alert_made_while_its_condition_holds_waits_for_it_to_stop_first(sim):
    sim, days = sim
    closes = [100.0 + i for i in range(HISTORY)]  # rising: an up run of 19 at the baseline
    closes += [closes[-1] + 1, closes[-1] + 2, closes[-1] + 1, closes[-1] + 2, closes[-1] + 3]
    days = days[: len(closes)]
    frames = {"IWM": bars_frame(days, closes)}
    store(sim, frames, HISTORY)
    alert = sim.add(kind="streak", ticker="IWM", what="up", sessions=2)
    assert alert.baseline_holds is True
    await feed(sim, days, frames)
    # Still true on the next two sessions: no fire; it broke, then became true again.
    assert sim.discord.fired() == [(alert.id, days[HISTORY + 4])]
