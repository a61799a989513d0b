"""The alert store: reads write nothing, idempotent tables, one claim per
alert and session, limits per person and per server (each server on its own), pausing on a
refusal, removal with the fires; and what the evening refresh is asked to keep warm."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.alerts.evaluation import alert_series, alert_tickers
from analytics.alerts.records import FAILED, SENDING, SENT
from analytics.alerts.store import ALERTS, SCHEMA, AlertStore, LimitReached
from analytics.data.cache import PriceCache

NOW = dt.datetime(2024, 7, 1, 20, 30, tzinfo=dt.UTC)
DAY = dt.date(2024, 7, 1)
A, B = 1_100_000_000_000_000_100, 1_100_000_000_000_000_500


@pytest.fixture
def cache(tmp_path):
    cache = PriceCache(tmp_path / "store.db")
    yield cache
    cache.close()


def add(store: AlertStore, kind="record", params=None, **who):
    who = {"owner_id": 7, "guild_id": A, "channel_id": None} | who
    return store.add(
        kind,
        params or {"ticker": "^RUT", "what": "record-high"},
        created_by=who["owner_id"],
        now=NOW,
        baseline_on=DAY,
        baseline_holds=False,
        **who,
    )


def test_reads_write_nothing_and_the_tables_are_idempotent(cache):
    store = AlertStore(cache)
    assert ALERTS in cache.db.table_names()  # the file's migrations made it
    before = cache.generation()
    assert store.all() == [] and store.pending() == [] and not store.run_done(DAY)
    assert cache.generation() == before  # nothing committed by the reads
    add(store)
    with cache.transaction() as conn:
        for statement in SCHEMA:
            conn.execute(statement)
    # A second store (another process) sees the tables the first created.
    assert [a.id for a in AlertStore(cache).all()] == [1]


def test_a_fire_is_claimed_once_and_retried_only_when_due(cache):
    store = AlertStore(cache)
    alert = add(store)
    deadline = NOW + dt.timedelta(hours=3)
    fire = store.claim(alert.id, DAY, DAY, NOW, deadline=deadline, state="set a record")
    assert (fire.status, fire.attempts, fire.state) == (SENDING, 1, "set a record")
    assert store.claim(alert.id, DAY, DAY, NOW, deadline=deadline) is None  # not due yet
    later = NOW + dt.timedelta(minutes=1)
    again = store.claim(alert.id, DAY, DAY, later, deadline=deadline)
    assert (again.attempts, again.nonce) == (2, fire.nonce)
    store.mark_sent(alert.id, DAY, 99, later)
    assert store.claim(alert.id, DAY, DAY, later + dt.timedelta(hours=1), deadline=deadline) is None
    assert store.get(alert.id).last_fired_on == DAY
    assert [f.status for f in store.fires(alert.id)] == [SENT]


def test_a_refusal_pauses_the_alert_and_a_resume_rebases_it(cache):
    store = AlertStore(cache)
    alert = add(store)
    store.claim(alert.id, DAY, DAY, NOW, deadline=NOW + dt.timedelta(hours=1))
    store.mark_refused(alert.id, DAY, "closed DMs", NOW)
    paused = store.get(alert.id)
    assert (paused.paused, paused.paused_reason, paused.last_fired_on) == (True, "closed DMs", None)
    assert store.fires(alert.id)[0].status == FAILED
    assert store.active() == []
    store.resume(alert.id, dt.date(2024, 7, 5), True)
    resumed = store.get(alert.id)
    assert (resumed.paused, resumed.baseline_on, resumed.baseline_holds) == (
        False,
        dt.date(2024, 7, 5),
        True,
    )
    # The state it was resumed in never fires, nor anything before it; a later session may.
    assert resumed.blocks(dt.date(2024, 7, 5)) and resumed.blocks(dt.date(2024, 7, 3))
    assert not resumed.blocks(dt.date(2024, 7, 8))


def test_limits_count_per_person_and_per_server_each_on_its_own(cache):
    store = AlertStore(cache)
    for _ in range(3):
        add(store, owner_id=1, guild_id=A)
    with pytest.raises(LimitReached) as mine:
        store.add(
            "record",
            {},
            owner_id=1,
            created_by=1,
            guild_id=B,
            channel_id=None,
            now=NOW,
            baseline_on=None,
            baseline_holds=None,
            max_per_user=3,
        )
    assert mine.value.message.startswith("You have 3 alerts, the most one person may have (3)")
    for owner in (2, 3):
        add(store, owner_id=owner, guild_id=A)
    with pytest.raises(LimitReached) as server:
        store.precheck(4, A, max_per_server=5)
    assert server.value.message.startswith("This server has 5 alerts, the most a server may")
    store.precheck(4, B, max_per_server=5)  # the other server is not counted
    assert len(store.all()) == 5


def test_removing_an_alert_removes_its_fires(cache):
    store = AlertStore(cache)
    alert, other = add(store), add(store)
    store.claim(alert.id, DAY, DAY, NOW, deadline=NOW)
    store.claim(other.id, DAY, DAY, NOW, deadline=NOW)
    assert store.remove(alert.id) and not store.remove(alert.id)
    assert [f.alert_id for f in store.fires()] == [other.id]


def test_what_the_refresh_keeps_warm_for_the_alerts(cache):
    store = AlertStore(cache)
    add(store, "streak", {"a": "IWM", "b": "SPY", "what": "beat", "sessions": 10})
    add(store, "level", {"ticker": "^RUT", "level": 2642.0, "direction": "up"})
    add(store, "move", {"ticker": "IWM", "window": "5d", "percent": 5.0, "direction": "up"})
    add(store, "macro", {"series": "GDPNOW", "value": None, "years": 10, "direction": "up"})
    add(store, "macro", {"series": "UNRATE", "value": 4.5, "years": None, "direction": "up"})
    alerts = store.active()
    assert alert_tickers(alerts) == ["IWM", "SPY", "^RUT"]
    # GDPNow's "highest in 10 years" reads its history too: real GDP growth.
    assert alert_series(alerts) == ["GDPNOW", "A191RL1Q225SBEA", "UNRATE"]

    from cogs.refresh import alert_tickers_in_use

    assert alert_tickers_in_use(cache) == ["IWM", "SPY", "^RUT"]
