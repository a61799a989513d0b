"""The estimate snapshots in the cache: what one night stores, what a second answer of the same
night replaces, failures, the nights' request counts, asked universes, atomicity, read-only."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from analytics.data.cache import PriceCache
from analytics.data.yahoo_estimates import EstimateFetch
from analytics.revisions.store import RevisionStore
from analytics.revisions.tables import REVISION_TABLE_STATEMENTS, SNAPSHOTS
from tests.support.revisions import eastern, estimate

D = dt.date
NIGHT = D(2024, 7, 1)
AT = eastern("2024-07-01 19:00")


@pytest.fixture
def cache(tmp_path):
    with PriceCache(tmp_path / "c.db") as cache:
        yield cache


def save(cache, fetch, night=NIGHT):
    RevisionStore(cache).save_fetch(night, fetch, checked_at=AT, source="Yahoo Finance")


def test_one_night_stores_each_period_and_each_outcome(cache):
    save(
        cache,
        EstimateFetch(
            estimates={"A": (estimate(3, 1, 1.1, 1.0), estimate(0, 2, 2.0, 2.2, "+1y")), "B": ()},
            unknown=["C"],
            failed={"D": "Yahoo answered HTTP 500"},
            requests=6,
        ),
    )
    store = RevisionStore(cache)
    rows = cache.db.execute(
        f"SELECT ticker, period, up_30d, down_30d, est_now, est_30d, source FROM {SNAPSHOTS}"
        " ORDER BY ticker, period"
    ).fetchall()
    assert rows == [
        ("A", "+1y", 0, 2, 2.0, 2.2, "Yahoo Finance"),
        ("A", "0q", 3, 1, 1.1, 1.0, "Yahoo Finance"),
    ]
    checks = store.checks()
    assert dict(zip(checks["ticker"], checks["outcome"], strict=True)) == {
        "A": "estimates",
        "B": "none",
        "C": "unknown",
    }  # the failure is not settled: D is asked again
    assert store.last_settled() == {"A": NIGHT, "B": NIGHT, "C": NIGHT}
    night = store.night(NIGHT)
    assert (night.requests, night.asked, night.estimates, night.no_estimates) == (6, 4, 1, 1)
    assert (night.unknown, night.failed) == (1, 1)


def test_a_second_run_of_the_night_adds_its_requests_and_replaces_its_answers(cache):
    save(cache, EstimateFetch(estimates={"A": (estimate(3, 1),)}, requests=3))
    save(cache, EstimateFetch(estimates={"A": (estimate(0, 5),)}, failed={"B": "x"}, requests=2))
    save(cache, EstimateFetch(failed={"A": "Yahoo unreachable"}, requests=1))
    store = RevisionStore(cache)
    snaps = store.snapshots("0q")
    assert snaps[["ticker", "up_30d", "down_30d"]].values.tolist() == [["A", 0.0, 5.0]]
    # a failure never replaces an answer of the same night
    assert store.checks()["outcome"].tolist() == ["estimates"]
    assert store.night(NIGHT).requests == 6


def test_history_is_kept_night_by_night(cache):
    save(cache, EstimateFetch(estimates={"A": (estimate(3, 1),)}, requests=1))
    save(cache, EstimateFetch(estimates={"A": (estimate(1, 3),)}, requests=1), NIGHT.replace(day=8))
    snaps = RevisionStore(cache).snapshots("0q")
    assert [d.date() for d in snaps["date"]] == [NIGHT, NIGHT.replace(day=8)]
    assert RevisionStore(cache).snapshots("0q", until=NIGHT)["up_30d"].tolist() == [3.0]
    assert [n.night for n in RevisionStore(cache).nights()] == [NIGHT, NIGHT.replace(day=8)]


def test_asked_universes_are_remembered_with_their_first_ask(cache):
    store = RevisionStore(cache)
    store.note_asked(["IWM"], AT)
    store.note_asked(["IWM", "IWB"], AT + dt.timedelta(days=20))
    asked = store.asked_since(AT + dt.timedelta(days=10))
    assert asked == {"IWM": AT, "IWB": AT + dt.timedelta(days=20)}
    assert store.asked_since(AT + dt.timedelta(days=21)) == {}
    # asked again the same day: nothing is written (the cache's generation stays)
    generation = cache.generation()
    store.note_asked(["IWM", "IWB"], AT + dt.timedelta(days=20, hours=5))
    assert cache.generation() == generation
    assert store.asked_since(AT + dt.timedelta(days=20)) == asked  # last_asked kept


def test_a_failing_write_leaves_nothing_of_the_fetch(cache, monkeypatch):
    store = RevisionStore(cache)
    # A snapshot row that breaks the primary key half way: the whole fetch rolls back.
    twice = (estimate(3, 1), estimate(2, 2))
    with pytest.raises(sqlite3.IntegrityError):
        store.save_fetch(
            NIGHT, EstimateFetch(estimates={"A": twice}, requests=2), checked_at=AT, source="y"
        )
    assert store.snapshots("0q").empty and store.checks().empty and store.nights() == []


def test_the_ddl_is_idempotent_and_a_read_only_cache_reads_empty(tmp_path):
    path = tmp_path / "c.db"
    with PriceCache(path) as cache:
        for _ in range(2):
            with cache.transaction() as conn:
                for statement in REVISION_TABLE_STATEMENTS:
                    conn.execute(statement)
    fresh = tmp_path / "fresh.db"
    PriceCache(fresh).close()
    with PriceCache(fresh, read_only=True) as cache:
        store = RevisionStore(cache)
        assert store.snapshots("0q").empty and store.checks().empty and store.nights() == []
        store.note_asked(["IWM"], AT)  # nothing is written to a read-only cache
        assert store.asked_since(AT) == {}
