"""The SQLite store of subscriptions and posts: per-guild scope, one claim per day, failures."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.data.cache import PriceCache
from analytics.subscriptions.store import (
    FAILED,
    MISSED,
    SENDING,
    SENT,
    UNKNOWN,
    SubscriptionStore,
)

GUILD_A, GUILD_B = 10, 20
DAY = dt.date(2024, 7, 2)
T0 = dt.datetime(2024, 7, 2, 20, 30, tzinfo=dt.UTC)
CUTOFF = dt.datetime(2024, 7, 3, 4, 0, tzinfo=dt.UTC)  # midnight ET ending DAY


@pytest.fixture
def store(tmp_path):
    with PriceCache(tmp_path / "subs.db") as cache:
        yield SubscriptionStore(cache)


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def test_reads_on_a_fresh_file_write_nothing(tmp_path):
    with PriceCache(tmp_path / "c.db") as cache:
        store = SubscriptionStore(cache)
        # The file's migrations made the tables; reads answer "none" and commit nothing (a bot
        # without subscriptions never takes the write lock).
        assert {"subscriptions", "subscription_posts", "bars"} <= set(cache.db.table_names())
        before = cache.generation()
        assert (store.active(), store.pending(), store.claims_on(DAY)) == ([], [], {})
        assert cache.generation() == before
        store.subscribe(GUILD_A, 1, "close+30", ["streak"], by=5, now=T0)
        assert cache.generation() != before
        assert [s.channel_id for s in SubscriptionStore(cache).active()] == [1]


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
    first = store.claim(sub.id, DAY, 1, T0, deadline=CUTOFF)
    assert (first.status, first.attempts, first.next_attempt_at) == (SENDING, 1, T0 + minutes(1))
    assert first.marker == f"post {first.nonce & 0xFF_FFFF_FFFF:010x}"
    # Another attempt is not due for a minute (someone may be sending it right now)...
    assert store.claim(sub.id, DAY, 1, T0 + minutes(0.5), deadline=CUTOFF) is None
    # ...then the same claim (same nonce, same marker) comes back, with the next back-off.
    again = store.claim(sub.id, DAY, 1, T0 + minutes(1), deadline=CUTOFF)
    assert (again.nonce, again.claimed_at, again.attempts) == (first.nonce, T0, 2)
    assert again.next_attempt_at == T0 + minutes(3)  # 1 + 2 minutes
    store.mark_sent(sub.id, DAY, 555, T0 + minutes(2))
    assert store.claim(sub.id, DAY, 1, T0 + minutes(30), deadline=CUTOFF) is None
    [post] = store.posts(sub.id)
    assert (post.status, post.message_id, post.channel_id, post.next_attempt_at) == (
        SENT,
        555,
        1,
        None,
    )
    after = store.get(GUILD_A, 1)
    assert (after.last_day, after.last_message_id, after.last_attempted_day) == (DAY, 555, DAY)
    # The next trading day gets its own claim, with a new nonce.
    next_day = DAY + dt.timedelta(days=1)
    later = store.claim(sub.id, next_day, 1, T0 + dt.timedelta(days=1), deadline=CUTOFF)
    assert later.nonce != first.nonce


def test_no_attempt_is_scheduled_past_the_cutoff(store):
    sub, _ = store.subscribe(GUILD_A, 1, "close+30", ["streak"], by=5, now=T0)
    late = CUTOFF - minutes(5)
    claim = store.claim(sub.id, DAY, 1, late, deadline=CUTOFF)
    assert claim.next_attempt_at == late + minutes(1)
    for _ in range(4):  # 1, 2, 4 minutes... capped at the cutoff
        claim = store.claim(sub.id, DAY, 1, claim.next_attempt_at, deadline=CUTOFF)
    assert claim.next_attempt_at == CUTOFF


def test_missed_days_keep_their_reason_and_settle_only_unsent_claims(store):
    sub, _ = store.subscribe(GUILD_A, 1, "close+30", ["streak"], by=5, now=T0)
    store.claim(sub.id, DAY, 1, T0, deadline=CUTOFF)
    store.note_failure(sub.id, DAY, "503 Service Unavailable")
    assert store.pending()[0].error == "503 Service Unavailable"
    assert store.mark_missed(sub.id, DAY, 1, "cutoff passed: 503", CUTOFF)
    nobody = DAY + dt.timedelta(days=1)  # a day no process tried
    assert store.mark_missed(sub.id, nobody, 1, "the bot was down", CUTOFF)
    sent_day = DAY - dt.timedelta(days=1)
    store.claim(sub.id, sent_day, 1, T0, deadline=CUTOFF)
    store.mark_sent(sub.id, sent_day, 9, T0)
    assert not store.mark_missed(sub.id, sent_day, 1, "late", CUTOFF)  # a sent day stays sent
    assert [(c.trading_day, c.status) for c in store.posts(sub.id)] == [
        (sent_day, SENT),
        (DAY, MISSED),
        (nobody, MISSED),
    ]
    after = store.get(GUILD_A, 1)
    assert [(c.trading_day, c.error) for c in after.missed] == [
        (nobody, "the bot was down"),
        (DAY, "cutoff passed: 503"),
    ]
    assert after.last_day == sent_day
    assert after.last_attempted_day == DAY  # tried, then missed; the untried day does not count
    assert store.pending() == []


# The tables as the old code (before schema 5) created them on its first write, from before
# the retry columns: copied from analytics/subscriptions/store.py of that time.
OLD_SUBSCRIPTIONS = """CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    post_time TEXT NOT NULL,
    sections TEXT NOT NULL,
    created_by INTEGER,
    created_at TEXT NOT NULL,
    active_since TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    failed_days INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    disabled_reason TEXT,
    UNIQUE (guild_id, channel_id)
)"""
OLD_POSTS = """CREATE TABLE subscription_posts (
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    trading_day TEXT NOT NULL,
    channel_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    nonce INTEGER NOT NULL,
    message_id INTEGER,
    error TEXT,
    claimed_at TEXT NOT NULL,
    finished_at TEXT,
    PRIMARY KEY (subscription_id, trading_day)
)"""


def test_a_table_from_before_the_retry_columns_is_upgraded_when_the_file_opens(tmp_path):
    import sqlite3

    from analytics.data.schema import steps

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for version in range(4):  # a schema-4 file has the price tables too
        for step in steps(version):
            step(conn) if callable(step) else conn.execute(step)
    conn.execute(OLD_SUBSCRIPTIONS)
    conn.execute(OLD_POSTS)
    conn.execute(
        "INSERT INTO subscriptions (guild_id, channel_id, post_time, sections, created_at,"
        " active_since) VALUES (10, 1, 'close+30', 'streak', ?, ?)",
        [T0.isoformat(), T0.isoformat()],
    )
    conn.execute(
        "INSERT INTO subscription_posts (subscription_id, trading_day, channel_id, status, nonce,"
        " claimed_at) VALUES (1, ?, 1, 'sending', 42, ?), (1, '2024-07-01', 1, 'unknown', 7, ?)",
        [DAY.isoformat(), T0.isoformat(), T0.isoformat()],
    )
    conn.execute("PRAGMA user_version=4")  # the old code's last schema
    conn.commit()
    conn.close()
    with PriceCache(path) as cache:
        assert {"attempts", "next_attempt_at"} <= {
            c.name for c in cache.db["subscription_posts"].columns
        }
        store = SubscriptionStore(cache)
        [pending] = store.pending()  # a 'sending' row from before counts as one attempt
        assert (pending.nonce, pending.attempts, pending.next_attempt_at) == (42, 1, None)
        assert store.get(GUILD_A, 1).last_day == dt.date(2024, 7, 1)  # 'unknown' = posted
        again = store.claim(1, DAY, 1, T0 + minutes(10), deadline=CUTOFF)
        assert (again.nonce, again.attempts) == (42, 2)  # it may have been sent: check first
        assert [c.status for c in store.posts(1)] == [UNKNOWN, SENDING]


def test_failed_days_add_up_then_disable_and_a_success_resets(store):
    sub, _ = store.subscribe(GUILD_A, 1, "close+30", ["streak"], by=5, now=T0)
    days = [dt.date(2024, 7, d) for d in (1, 2, 3, 5)]
    store.claim(sub.id, days[0], 1, T0, deadline=CUTOFF)
    assert store.mark_failed(sub.id, days[0], "gone", T0).failed_days == 1
    store.claim(sub.id, days[1], 1, T0, deadline=CUTOFF)
    store.mark_sent(sub.id, days[1], 9, T0)
    assert store.get(GUILD_A, 1).failed_days == 0
    for day in days[1:]:
        store.claim(sub.id, day, 1, T0, deadline=CUTOFF)
    store.mark_failed(sub.id, days[2], "gone", T0)
    store.mark_failed(sub.id, days[3], "bug", T0, counts=False)
    assert store.get(GUILD_A, 1).failed_days == 1  # an internal error does not count
    for offset, day in enumerate([dt.date(2024, 7, 8), dt.date(2024, 7, 9)]):
        store.claim(sub.id, day, 1, T0, deadline=CUTOFF)
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
    store.claim(sub.id, DAY, 1, T0, deadline=CUTOFF)
    store.mark_sent(sub.id, DAY, 9, T0)
    assert store.unsubscribe(GUILD_A, 1)
    assert store.posts(sub.id) == []
    new, created = store.subscribe(GUILD_A, 1, "close+30", ["streak"], by=5, now=T0)
    assert created and new.last_day is None


def test_naive_timestamps_are_refused(store):
    with pytest.raises(ValueError, match="timezone-aware"):
        store.subscribe(GUILD_A, 1, "close+30", ["streak"], by=5, now=dt.datetime(2024, 7, 2))


def test_a_store_opened_before_another_process_created_the_tables_sees_them(tmp_path):
    with PriceCache(tmp_path / "one.db") as first, PriceCache(tmp_path / "one.db") as second:
        early = SubscriptionStore(first)  # no tables yet
        assert early.active() == []
        SubscriptionStore(second).subscribe(GUILD_A, 1, "close+30", ["streak"], by=5, now=T0)
        assert [s.channel_id for s in early.active()] == [1]
