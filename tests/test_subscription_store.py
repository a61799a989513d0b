"""The SQLite store of subscriptions and posts: per-guild scope, one claim per day, failures."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.data.cache import PriceCache
from analytics.subscriptions.store import (
    FAILED,
    SENDING,
    SENT,
    UNKNOWN,
    SubscriptionStore,
)

GUILD_A, GUILD_B = 10, 20
DAY = dt.date(2024, 7, 2)
T0 = dt.datetime(2024, 7, 2, 20, 30, tzinfo=dt.UTC)


@pytest.fixture
def store(tmp_path):
    with PriceCache(tmp_path / "subs.db") as cache:
        yield SubscriptionStore(cache.db)


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def test_tables_are_created_by_the_first_write_only(tmp_path):
    with PriceCache(tmp_path / "c.db") as cache:
        store = SubscriptionStore(cache.db)
        # Reads on a fresh file answer "none" and write nothing (a bot without subscriptions
        # never takes the write lock).
        assert (store.active(), store.pending(), store.settle_stale(T0)) == ([], [], [])
        assert "subscriptions" not in cache.db.table_names()
        store.subscribe(GUILD_A, 1, "close+30", ["streak"], by=5, now=T0)
        assert {"subscriptions", "subscription_posts", "bars"} <= set(cache.db.table_names())
        assert [s.channel_id for s in SubscriptionStore(cache.db).active()] == [1]


def test_subscribe_creates_then_updates_the_channel(store):
    sub, created = store.subscribe(GUILD_A, 1, "close+30", ["streak", "macro"], by=5, now=T0)
    assert created
    assert (sub.guild_id, sub.channel_id, sub.post_time, sub.sections) == (
        GUILD_A,
        1,
        "close+30",
        ("streak", "macro"),
    )
    assert (sub.created_by, sub.created_at, sub.active_since, sub.active) == (5, T0, T0, True)
    assert sub.last_day is None

    later = T0 + minutes(90)
    again, created = store.subscribe(GUILD_A, 1, "17:15", ["returns"], by=6, now=later)
    assert not created
    assert again.id == sub.id
    assert (again.post_time, again.sections, again.active_since) == ("17:15", ("returns",), later)
    assert (again.created_by, again.created_at) == (5, T0)  # who started it stays
    assert len(store.for_guild(GUILD_A)) == 1


def test_a_guild_sees_and_removes_only_its_own(store):
    store.subscribe(GUILD_A, 1, "close+30", ["streak"], by=5, now=T0)
    store.subscribe(GUILD_B, 2, "close+30", ["streak"], by=5, now=T0)
    assert [s.channel_id for s in store.for_guild(GUILD_A)] == [1]
    assert store.get(GUILD_A, 2) is None
    assert not store.unsubscribe(GUILD_A, 2)  # guild B's channel, asked from guild A
    assert [s.channel_id for s in store.for_guild(GUILD_B)] == [2]
    assert store.unsubscribe(GUILD_B, 2)
    assert store.for_guild(GUILD_B) == []
    assert [s.channel_id for s in store.active()] == [1]


def test_one_claim_per_subscription_and_day(store):
    sub, _ = store.subscribe(GUILD_A, 1, "close+30", ["streak"], by=5, now=T0)
    first = store.claim(sub.id, DAY, 1, T0)
    assert first.status == SENDING
    # While unfinished and within the nonce window, the same claim (same nonce) comes back.
    again = store.claim(sub.id, DAY, 1, T0 + minutes(2))
    assert (again.nonce, again.claimed_at) == (first.nonce, T0)
    store.mark_sent(sub.id, DAY, 555, T0 + minutes(2))
    assert store.claim(sub.id, DAY, 1, T0 + minutes(3)) is None
    [post] = store.posts(sub.id)
    assert (post.status, post.message_id, post.channel_id) == (SENT, 555, 1)
    after = store.get(GUILD_A, 1)
    assert (after.last_day, after.last_message_id) == (DAY, 555)
    # The next trading day gets its own claim, with a new nonce.
    assert store.claim(sub.id, DAY + dt.timedelta(days=1), 1, T0 + dt.timedelta(days=1)).nonce != (
        first.nonce
    )


def test_stale_sending_claims_settle_as_unknown_and_count_as_posted(store):
    sub, _ = store.subscribe(GUILD_A, 1, "close+30", ["streak"], by=5, now=T0)
    store.claim(sub.id, DAY, 1, T0)
    assert store.settle_stale(T0 + minutes(4)) == []
    assert [c.status for c in store.pending()] == [SENDING]
    [settled] = store.settle_stale(T0 + minutes(6))
    assert settled.trading_day == DAY
    assert store.pending() == []
    assert store.claim(sub.id, DAY, 1, T0 + minutes(7)) is None
    [post] = store.posts(sub.id)
    assert post.status == UNKNOWN
    assert store.get(GUILD_A, 1).last_day == DAY


def test_failed_days_add_up_then_disable_and_a_success_resets(store):
    sub, _ = store.subscribe(GUILD_A, 1, "close+30", ["streak"], by=5, now=T0)
    days = [dt.date(2024, 7, d) for d in (1, 2, 3, 5)]
    store.claim(sub.id, days[0], 1, T0)
    assert store.mark_failed(sub.id, days[0], "gone", T0).failed_days == 1
    store.claim(sub.id, days[1], 1, T0)
    store.mark_sent(sub.id, days[1], 9, T0)
    assert store.get(GUILD_A, 1).failed_days == 0
    for day in days[1:]:
        store.claim(sub.id, day, 1, T0)
    store.mark_failed(sub.id, days[2], "gone", T0)
    store.mark_failed(sub.id, days[3], "bug", T0, counts=False)
    assert store.get(GUILD_A, 1).failed_days == 1  # an internal error does not count
    for offset, day in enumerate([dt.date(2024, 7, 8), dt.date(2024, 7, 9)]):
        store.claim(sub.id, day, 1, T0)
        after = store.mark_failed(sub.id, day, "missing Send Messages", T0)
        assert after.failed_days == 2 + offset
    assert not after.active
    assert after.disabled_reason == (
        "disabled after 3 failed trading days in a row (last: 2024-07-09, missing Send Messages)"
    )
    assert store.active() == []
    assert [c.status for c in store.posts(sub.id)][-1] == FAILED
    # Subscribing again turns it back on with a clean slate.
    again, _ = store.subscribe(GUILD_A, 1, "close+30", ["streak"], by=5, now=T0)
    assert (again.active, again.failed_days, again.disabled_reason) == (True, 0, None)


def test_unsubscribe_drops_the_post_history(store):
    sub, _ = store.subscribe(GUILD_A, 1, "close+30", ["streak"], by=5, now=T0)
    store.claim(sub.id, DAY, 1, T0)
    store.mark_sent(sub.id, DAY, 9, T0)
    assert store.unsubscribe(GUILD_A, 1)
    assert store.posts(sub.id) == []
    new, created = store.subscribe(GUILD_A, 1, "close+30", ["streak"], by=5, now=T0)
    assert created and new.last_day is None


def test_naive_timestamps_are_refused(store):
    with pytest.raises(ValueError, match="timezone-aware"):
        store.subscribe(GUILD_A, 1, "close+30", ["streak"], by=5, now=dt.datetime(2024, 7, 2))
