"""The alert loop's delivery: once per alert and session across restarts and two processes,
retries with the same nonce after a look for the marker, closed DMs pausing the alert, the
cutoff, the wait for the evening refresh, an alert that cannot be checked."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from analytics.alerts.commands import resume_alert
from analytics.alerts.records import FAILED, MISSED, SENT
from analytics.alerts.store import RUNS, AlertStore
from analytics.data.cache import PriceCache
from bot.alerts.loop import REFRESH_WAIT, AlertLoop, evaluation_due
from tests.support.alerts import DOWN, REFUSED, Simulation, bars_frame, eastern, sessions

LEVEL = 2642.0


@pytest.fixture
def days():
    return sessions("2024-06-03", 30)


@pytest.fixture
def sim(tmp_path, days):
    simulation = Simulation(tmp_path / "alerts.db", days[9])
    yield simulation
    simulation.close()


def closes_crossing(days, at: list[int]) -> list[float]:
    """Closes below LEVEL except at the positions in `at` (above it)."""
    return [LEVEL + 20 if i in at else LEVEL - 40 for i in range(len(days))]


def level_alert(sim: Simulation, days, at: list[int]):
    """A level alert on ^RUT made on days[9], with closes crossing above 2642 at `at`."""
    frame = bars_frame(days, closes_crossing(days, at))
    sim.cache.store_bars("^RUT", frame.iloc[:10], "test")
    alert = sim.add(kind="level", ticker="^RUT", level=LEVEL)
    return alert, frame


def arrive(sim: Simulation, frame, i: int) -> None:
    sim.cache.store_bars("^RUT", frame.iloc[[i]], "test")


async def test_a_restarted_loop_sends_nothing_twice(sim, days):
    alert, frame = level_alert(sim, days, at=[10])
    arrive(sim, frame, 10)
    [outcome] = await sim.session(days[10])
    assert (outcome.status, outcome.fired_on) == ("sent", days[10])

    # A restart the same evening: the run is recorded, nothing is evaluated again.
    assert await sim.session(days[10], loop=sim.new_loop()) == []
    # A process that died after sending but before recording the run evaluates again, and
    # finds the fire claimed: nothing is sent.
    with sim.cache.transaction() as conn:
        conn.execute(f"DELETE FROM {RUNS}")
    [again] = await sim.session(days[10], loop=sim.new_loop())
    assert again.status == "settled"
    assert sim.discord.fired() == [(alert.id, days[10])]
    [fire] = sim.store.fires(alert.id)
    assert (fire.status, fire.message_id, fire.attempts) == (SENT, 1, 1)


async def test_two_processes_on_one_file_deliver_once(sim, days, tmp_path):
    alert, frame = level_alert(sim, days, at=[10])
    arrive(sim, frame, 10)
    other = PriceCache(tmp_path / "alerts.db")  # a second process: its own connections
    try:
        second = sim.new_loop(store=AlertStore(other))
        sim.clock.evening(days[10])
        first, then = await asyncio.gather(sim.loop.tick(), second.tick())
        statuses = sorted(o.status for o in [*first, *then])
        assert statuses == ["sent", "settled"]
        assert sim.discord.fired() == [(alert.id, days[10])]
    finally:
        other.close()


async def test_a_send_that_landed_but_lost_its_answer_is_found_not_repeated(sim, days):
    alert, frame = level_alert(sim, days, at=[10])
    arrive(sim, frame, 10)
    sim.discord.fail, sim.discord.landed_but_lost = [DOWN], True
    [outcome] = await sim.session(days[10])
    assert outcome.status == "retry"
    [fire] = sim.store.pending()
    assert fire.next_attempt_at == sim.clock() + dt.timedelta(minutes=1)
    assert await sim.session(days[10], loop=None) == []  # not due again yet
    sim.clock.t += dt.timedelta(minutes=1)
    [found] = await sim.loop.tick()
    assert (found.status, found.found) == ("sent", True)
    assert sim.discord.sent == []  # found by its marker, not sent a second time
    [fire] = sim.store.fires(alert.id)
    assert (fire.status, fire.attempts, fire.message_id) == (SENT, 2, 1)


async def test_a_failed_send_is_tried_again_with_back_off_and_the_same_nonce(sim, days):
    alert, frame = level_alert(sim, days, at=[10])
    arrive(sim, frame, 10)
    sim.discord.fail = [DOWN, DOWN]
    assert [o.status for o in await sim.session(days[10])] == ["retry"]
    nonce = sim.store.pending()[0].nonce
    sim.clock.t += dt.timedelta(minutes=1)
    assert [o.status for o in await sim.loop.tick()] == ["retry"]
    [fire] = sim.store.pending()
    assert fire.next_attempt_at == sim.clock() + dt.timedelta(minutes=2)  # 1, 2, 4, 8, 15
    sim.clock.t += dt.timedelta(minutes=2)
    assert [o.status for o in await sim.loop.tick()] == ["sent"]
    [fire] = sim.store.fires(alert.id)
    assert (fire.status, fire.attempts, fire.nonce) == (SENT, 3, nonce)
    assert sim.discord.fired() == [(alert.id, days[10])]


async def test_a_fire_not_sent_by_midnight_is_missed_with_the_reason(sim, days):
    alert, frame = level_alert(sim, days, at=[10])
    arrive(sim, frame, 10)
    sim.discord.fail = [DOWN] * 50
    await sim.session(days[10])
    sim.clock.t = eastern(f"{days[10]} 23:59")
    await sim.loop.tick()
    sim.clock.t = eastern(f"{days[11]} 00:01")
    [missed] = [o for o in await sim.loop.tick() if o.status == "missed"]
    [fire] = sim.store.fires(alert.id)
    assert fire.status == MISSED
    assert fire.error == "not delivered before the cutoff: 503 Service Unavailable"
    assert missed.reason == fire.error


async def test_closed_dms_pause_the_alert_and_a_resume_starts_from_the_state_now(sim, days):
    alert, frame = level_alert(sim, days, at=[10, 12, 13, 16])
    arrive(sim, frame, 10)
    sim.discord.fail = [REFUSED]
    [outcome] = await sim.session(days[10])
    assert outcome.status == "refused"
    paused = sim.store.get(alert.id)
    assert paused.paused
    assert paused.paused_reason == (
        f"Discord refused the DM (closed DMs, code 50007) ({days[10].isoformat()})"
    )
    assert sim.store.fires(alert.id)[0].status == FAILED
    for i in (11, 12):  # paused: not checked, the crossing on 12 is not sent
        arrive(sim, frame, i)
        assert await sim.session(days[i]) == []
    # Resumed on day 12 while the close is above the level: no fire for that state (13 still
    # above), the next crossing (16) fires.
    resume_alert(sim.market, sim.store, paused)
    for i in range(13, 17):
        arrive(sim, frame, i)
        await sim.session(days[i])
    assert sim.discord.fired() == [(alert.id, days[16])]


async def test_the_evaluation_waits_for_the_evening_refresh(sim, days):
    alert, frame = level_alert(sim, days, at=[10, 12])
    refreshed: set[dt.date] = set()
    loop = AlertLoop(
        store=sim.store,
        market=sim.market,
        deliver=sim.discord.deliver,
        find=sim.discord.find,
        now=sim.clock,
        refreshed=lambda session: session in refreshed,
    )
    arrive(sim, frame, 10)
    assert await sim.session(days[10], loop=loop) == []
    assert not sim.store.run_done(days[10])
    refreshed.add(days[10])  # the refresher settled (and woke the loop)
    assert [o.status for o in await loop.tick()] == ["sent"]
    # A refresh that never says it finished holds the evaluation for REFRESH_WAIT at most,
    # counted from when the loop found it due: a process started the next morning waits for
    # its own catch-up refresh.
    arrive(sim, frame, 11)
    arrive(sim, frame, 12)
    sim.clock.t = evaluation_due(days[12]) + dt.timedelta(hours=14)
    assert await loop.tick() == []
    sim.clock.t += REFRESH_WAIT - dt.timedelta(seconds=1)
    assert await loop.tick() == []
    sim.clock.t += dt.timedelta(seconds=1)
    assert [o.fired_on for o in await loop.tick()] == [days[12]]


async def test_an_alert_that_cannot_be_checked_says_why_and_the_others_still_fire(sim, days):
    alert, frame = level_alert(sim, days, at=[10])
    sim.cache.store_bars("IWM", bars_frame(days[:10], [200.0] * 10), "test")
    broken = sim.add(kind="move", ticker="IWM", percent=5)
    with sim.cache.transaction() as conn:
        conn.execute("DELETE FROM bars WHERE ticker = 'IWM'")
    arrive(sim, frame, 10)
    [outcome] = await sim.session(days[10])
    assert outcome.alert_id == alert.id and outcome.status == "sent"
    checked = sim.store.get(broken.id)
    assert checked.last_holds is None
    assert checked.last_state.startswith("could not be checked: No cached prices for IWM")
    assert sim.store.run_done(days[10])


async def test_paused_alerts_are_not_checked_and_nothing_is_written_for_none(sim, days):
    alert, frame = level_alert(sim, days, at=[10, 11])
    sim.store.pause(alert.id, "paused with /alert pause", sim.clock())
    arrive(sim, frame, 10)
    assert await sim.session(days[10]) == []
    assert sim.cache.db.execute(f"SELECT COUNT(*) FROM {RUNS}").fetchone() == (0,)
    assert sim.store.get(alert.id).last_on == days[9]  # its check at creation, not since
    sim.store.resume(alert.id, days[10], True)
    arrive(sim, frame, 11)
    assert await sim.session(days[11]) == []  # still above: the state it was resumed in
    row = sim.cache.db.execute(f"SELECT session, alerts, fired FROM {RUNS}").fetchone()
    assert row == (days[11].isoformat(), 1, 0)


async def test_sessions_missed_while_no_process_ran_are_evaluated_late_in_order(sim, days):
    alert, frame = level_alert(sim, days, at=[11, 12, 13])
    arrive(sim, frame, 10)
    assert await sim.session(days[10]) == []  # evaluated: below the level
    # Down for days 11 and 12 (the crossing, on 11, still holds on 12 and 13). Day 13's
    # refresh brings all three sessions; the evaluation catches up 11 and 12 first.
    for i in (11, 12, 13):
        arrive(sim, frame, i)
    outcomes = await sim.session(days[13], loop=sim.new_loop())
    assert [(o.fired_on, o.status) for o in outcomes] == [(days[11], "sent")]
    assert [sim.store.run_done(d) for d in days[10:14]] == [True] * 4
    assert sim.store.last_run() == days[13]
