"""Subscriptions and their posts in SQLite (tables `subscriptions`, `subscription_posts`).

The tables live in the cache database and are created here on the first write; until then
every read answers "none", so a bot without subscriptions never writes to the file. Build a
store from the current thread's connection (`SubscriptionStore(cache.db)`) inside a worker
thread. Writes take the write lock up front (BEGIN IMMEDIATE): a deferred transaction that
meets another connection's commit fails at once with "database is locked", an immediate one
waits for the busy timeout instead.

Exactly one post per subscription per trading day rests on the primary key
(subscription_id, trading_day) of `subscription_posts`: a post is *claimed* (a row with
status 'sending' and a random nonce) before the message is sent, and finished afterwards
('sent' with the message id, or 'failed' with the reason), each in one transaction.

A 'sending' claim means the outcome is unknown (a crash or a network error mid-send). It is
sent again with the SAME nonce while younger than RESEND_WINDOW: Discord drops a message whose
nonce it saw from the same author in the last few minutes, so a retry cannot double-post.
Older 'sending' claims are settled as 'unknown' and count as posted: past the nonce window we
prefer missing one day's post to posting it twice.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlite_utils

SUBSCRIPTIONS = "subscriptions"
POSTS = "subscription_posts"

RESEND_WINDOW = dt.timedelta(minutes=5)
MAX_FAILED_DAYS = 3
"""Consecutive trading days a channel may fail (deleted, permissions) before it is disabled."""

SENDING, SENT, FAILED, UNKNOWN = "sending", "sent", "failed", "unknown"
POSTED = (SENT, UNKNOWN)

_SCHEMA = (
    f"""CREATE TABLE IF NOT EXISTS {SUBSCRIPTIONS} (
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
    )""",
    f"""CREATE TABLE IF NOT EXISTS {POSTS} (
        subscription_id INTEGER NOT NULL REFERENCES {SUBSCRIPTIONS}(id) ON DELETE CASCADE,
        trading_day TEXT NOT NULL,
        channel_id INTEGER NOT NULL,
        status TEXT NOT NULL,
        nonce INTEGER NOT NULL,
        message_id INTEGER,
        error TEXT,
        claimed_at TEXT NOT NULL,
        finished_at TEXT,
        PRIMARY KEY (subscription_id, trading_day)
    )""",
)


@dataclass(frozen=True)
class Subscription:
    """One channel's daily post.

    post_time: canonical text of a schedule.PostTime ('close+30', '17:15');
    sections:  digest section names, in digest order;
    active_since: when it was (re)started; days due before that are not owed;
    failed_days: consecutive trading days whose post failed (reset by a success);
    last_day / last_message_id: the last trading day posted (status sent or unknown).
    """

    id: int
    guild_id: int
    channel_id: int
    post_time: str
    sections: tuple[str, ...]
    created_by: int | None
    created_at: dt.datetime
    active_since: dt.datetime
    active: bool
    failed_days: int
    last_error: str | None
    disabled_reason: str | None
    last_day: dt.date | None = None
    last_message_id: int | None = None


@dataclass(frozen=True)
class Claim:
    """The post of one subscription for one trading day."""

    subscription_id: int
    trading_day: dt.date
    channel_id: int
    status: str
    nonce: int
    claimed_at: dt.datetime
    message_id: int | None = None
    error: str | None = None


def _iso(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    # A fixed width, so stored timestamps compare correctly as text.
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


class SubscriptionStore:
    """Reads and writes subscriptions; one instance per thread (it holds that thread's db)."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._ready = self.db[POSTS].exists() and self.db[SUBSCRIPTIONS].exists()

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One transaction holding the write lock from its start; creates the tables once."""
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            if not self._ready:
                for statement in _SCHEMA:
                    conn.execute(statement)
            yield
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
        self._ready = True

    # -- subscriptions ---------------------------------------------------------------------------
    def subscribe(
        self,
        guild_id: int,
        channel_id: int,
        post_time: str,
        sections: Iterable[str],
        *,
        by: int | None,
        now: dt.datetime,
    ) -> tuple[Subscription, bool]:
        """Create the channel's subscription or replace its settings; (subscription, created).

        Saving again re-enables a disabled subscription and clears its failures. `active_since`
        becomes `now`, so a post already due today is not owed unless it is still to come.
        """
        existing = self.get(guild_id, channel_id)
        settings = [post_time, ",".join(sections), _iso(now)]
        with self._write():
            if existing is None:
                self.db.conn.execute(
                    f"INSERT INTO {SUBSCRIPTIONS} (guild_id, channel_id, created_by, created_at,"
                    " post_time, sections, active_since) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [guild_id, channel_id, by, _iso(now), *settings],
                )
            else:
                self.db.conn.execute(
                    f"UPDATE {SUBSCRIPTIONS} SET post_time = ?, sections = ?, active_since = ?,"
                    " active = 1, failed_days = 0, last_error = NULL, disabled_reason = NULL"
                    " WHERE id = ?",
                    [*settings, existing.id],
                )
        saved = self.get(guild_id, channel_id)
        assert saved is not None
        return saved, existing is None

    def unsubscribe(self, guild_id: int, channel_id: int) -> bool:
        """Delete the channel's subscription (and its post history) in this guild only."""
        existing = self.get(guild_id, channel_id)
        if existing is None:
            return False
        with self._write():
            self.db.conn.execute(f"DELETE FROM {POSTS} WHERE subscription_id = ?", [existing.id])
            self.db.conn.execute(f"DELETE FROM {SUBSCRIPTIONS} WHERE id = ?", [existing.id])
        return True

    def get(self, guild_id: int, channel_id: int) -> Subscription | None:
        rows = self._select("s.guild_id = ? AND s.channel_id = ?", [guild_id, channel_id])
        return rows[0] if rows else None

    def for_guild(self, guild_id: int) -> list[Subscription]:
        """This guild's subscriptions, active and disabled, oldest first."""
        return self._select("s.guild_id = ?", [guild_id])

    def active(self) -> list[Subscription]:
        """Every enabled subscription, all guilds (for the scheduler)."""
        return self._select("s.active = 1", [])

    def _select(self, where: str, params: list) -> list[Subscription]:
        if not self._ready:
            return []
        # The last posted day comes from the posts table, so it can never disagree with it.
        rows = self.db.execute(
            f"""SELECT s.id, s.guild_id, s.channel_id, s.post_time, s.sections, s.created_by,
                       s.created_at, s.active_since, s.active, s.failed_days, s.last_error,
                       s.disabled_reason, p.trading_day, p.message_id
                FROM {SUBSCRIPTIONS} s
                LEFT JOIN {POSTS} p ON p.subscription_id = s.id AND p.trading_day = (
                    SELECT MAX(trading_day) FROM {POSTS}
                    WHERE subscription_id = s.id AND status IN ('{SENT}', '{UNKNOWN}'))
                WHERE {where} ORDER BY s.id""",
            params,
        ).fetchall()
        return [
            Subscription(
                id=r[0],
                guild_id=r[1],
                channel_id=r[2],
                post_time=r[3],
                sections=tuple(s for s in r[4].split(",") if s),
                created_by=r[5],
                created_at=_when(r[6]),
                active_since=_when(r[7]),
                active=bool(r[8]),
                failed_days=r[9],
                last_error=r[10],
                disabled_reason=r[11],
                last_day=dt.date.fromisoformat(r[12]) if r[12] else None,
                last_message_id=r[13],
            )
            for r in rows
        ]

    # -- posts -----------------------------------------------------------------------------------
    def claims_on(self, day: dt.date) -> dict[int, Claim]:
        """Every claim for trading day `day`, by subscription id."""
        return {c.subscription_id: c for c in self._claims("trading_day = ?", [day.isoformat()])}

    def claim(
        self, subscription_id: int, day: dt.date, channel_id: int, now: dt.datetime
    ) -> Claim | None:
        """Claim the post of `day` for sending: a new claim, or an unfinished one to resend.

        None when the day is already settled (sent, failed or unknown) or its 'sending' claim
        is older than RESEND_WINDOW (it is then settled as unknown, i.e. posted).
        """
        with self._write():
            self.db.conn.execute(
                f"INSERT INTO {POSTS} (subscription_id, trading_day, channel_id, status, nonce,"
                " claimed_at) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(subscription_id, trading_day) DO NOTHING",
                # Discord takes nonces up to 25 characters; 63 bits fit as an integer.
                [
                    subscription_id,
                    day.isoformat(),
                    channel_id,
                    SENDING,
                    secrets.randbits(63),
                    _iso(now),
                ],
            )
        self.settle_stale(now)
        found = self._claims(
            "subscription_id = ? AND trading_day = ?", [subscription_id, day.isoformat()]
        )
        if not found or found[0].status != SENDING:
            return None
        return found[0]

    def mark_sent(
        self, subscription_id: int, day: dt.date, message_id: int, now: dt.datetime
    ) -> None:
        """The message went out: record its id and reset the failure count."""
        with self._write():
            self.db.conn.execute(
                f"UPDATE {POSTS} SET status = ?, message_id = ?, finished_at = ?, error = NULL"
                " WHERE subscription_id = ? AND trading_day = ?",
                [SENT, message_id, _iso(now), subscription_id, day.isoformat()],
            )
            self.db.conn.execute(
                f"UPDATE {SUBSCRIPTIONS} SET failed_days = 0, last_error = NULL WHERE id = ?",
                [subscription_id],
            )

    def mark_failed(
        self,
        subscription_id: int,
        day: dt.date,
        reason: str,
        now: dt.datetime,
        *,
        counts: bool = True,
        max_failed_days: int = MAX_FAILED_DAYS,
    ) -> Subscription | None:
        """The day's post failed and will not be retried today; the subscription after it.

        `counts` (a channel problem: deleted, missing permissions) adds one failed day; at
        `max_failed_days` in a row the subscription is disabled with the reason.
        """
        with self._write():
            self.db.conn.execute(
                f"UPDATE {POSTS} SET status = ?, error = ?, finished_at = ?"
                " WHERE subscription_id = ? AND trading_day = ?",
                [FAILED, reason, _iso(now), subscription_id, day.isoformat()],
            )
            if counts:
                self.db.conn.execute(
                    f"UPDATE {SUBSCRIPTIONS} SET failed_days = failed_days + 1, last_error = ?"
                    " WHERE id = ?",
                    [reason, subscription_id],
                )
                self.db.conn.execute(
                    f"UPDATE {SUBSCRIPTIONS} SET active = 0, disabled_reason = ?"
                    " WHERE id = ? AND failed_days >= ?",
                    [
                        f"disabled after {max_failed_days} failed trading days in a row "
                        f"(last: {day.isoformat()}, {reason})",
                        subscription_id,
                        max_failed_days,
                    ],
                )
        rows = self._select("s.id = ?", [subscription_id])
        return rows[0] if rows else None

    def settle_stale(self, now: dt.datetime, window: dt.timedelta = RESEND_WINDOW) -> list[Claim]:
        """'sending' claims older than `window` become 'unknown' (posted); returns them."""
        cutoff = _iso(now - window)
        stale = self._claims("status = ? AND claimed_at < ?", [SENDING, cutoff])
        if stale:  # read first: most ticks have nothing to settle and need no write lock
            with self._write():
                self.db.conn.execute(
                    f"UPDATE {POSTS} SET status = ?, finished_at = ?,"
                    " error = 'outcome unknown: the send was interrupted'"
                    " WHERE status = ? AND claimed_at < ?",
                    [UNKNOWN, _iso(now), SENDING, cutoff],
                )
        return stale

    def pending(self) -> list[Claim]:
        """Claims still 'sending' (to be resent, or settled once stale)."""
        return self._claims("status = ?", [SENDING])

    def posts(self, subscription_id: int) -> list[Claim]:
        """A subscription's post history, oldest first."""
        return self._claims("subscription_id = ?", [subscription_id])

    def _claims(self, where: str, params: list) -> list[Claim]:
        if not self._ready:
            return []
        rows = self.db.execute(
            f"SELECT subscription_id, trading_day, channel_id, status, nonce, claimed_at,"
            f" message_id, error FROM {POSTS} WHERE {where} ORDER BY subscription_id, trading_day",
            params,
        ).fetchall()
        return [_claim(r) for r in rows]


def _claim(row) -> Claim:
    return Claim(
        subscription_id=row[0],
        trading_day=dt.date.fromisoformat(row[1]),
        channel_id=row[2],
        status=row[3],
        nonce=row[4],
        claimed_at=_when(row[5]),
        message_id=row[6],
        error=row[7],
    )
