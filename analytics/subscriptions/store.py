"""Subscriptions and their posts in SQLite (tables `subscriptions`, `subscription_posts`).

The tables live in the cache database (SUBSCRIPTION_TABLES), created by its migrations
(analytics.data.schema) when the file is opened for writing; reads never write, so a bot
without subscriptions never writes to the file. Every write goes through `PriceCache.transaction()` (BEGIN IMMEDIATE: it waits for the busy timeout
rather than failing at once when another connection commits). A store may be shared by
threads: each thread reads and writes on its own connection of the cache.

Exactly one post per subscription per trading day rests on the primary key
(subscription_id, trading_day) of `subscription_posts`: a post is *claimed* (a row with
status 'sending' and a random nonce) before the message is sent, and finished afterwards
('sent' with the message id, 'failed' with the reason, or 'missed'), each in one transaction.

A 'sending' claim is a post whose outcome is not known yet: a send failed on Discord's side or
the network (it may or may not have landed), or the process died mid-send. It is tried again
with back-off (`retry_delay`: 1, 2, 4, 8 minutes, then every 15) until the day's catch-up
cutoff (midnight ET); each attempt is claimed in one transaction (`claim` bumps `attempts` and
sets `next_attempt_at`), so two processes never send one claim at once. Every attempt sends
the SAME nonce (Discord drops a repeat within a few minutes) and the post carries the claim's
`marker`; before a second attempt the scheduler looks for the marker in the channel, so a
resend never doubles a post that landed. A claim still unsent at the cutoff becomes 'missed',
with the reason, and so does a day no process tried at all (the bot was down); /subscriptions
shows them. Rows from before this scheme may say 'unknown' (counted as posted).
"""

from __future__ import annotations

import datetime as dt
import secrets
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from analytics.data.cache import PriceCache
from analytics.subscriptions.records import (
    ATTEMPTED,
    FAILED,
    MAX_FAILED_DAYS,
    MISSED,
    POSTED,
    SENDING,
    SENT,
    UNKNOWN,
    Claim,
    Subscription,
    claim_from_row,
    iso_utc,
    retry_delay,
    subscription_from_row,
    take_attempt,
)

__all__ = [
    "FAILED",
    "MAX_FAILED_DAYS",
    "MISSED",
    "POSTED",
    "SENDING",
    "SENT",
    "UNKNOWN",
    "Claim",
    "Subscription",
    "SubscriptionStore",
    "retry_delay",
]

SUBSCRIPTIONS = "subscriptions"
POSTS = "subscription_posts"


_TABLES = (
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
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        PRIMARY KEY (subscription_id, trading_day)
    )""",
)
# Columns added to a table created before them (before schema 5 the store created and upgraded
# its tables on its first write). A 'sending' row from before may have been sent.
_ADDED_COLUMNS = (
    (POSTS, "attempts", "INTEGER NOT NULL DEFAULT 0"),
    (POSTS, "next_attempt_at", "TEXT"),
)
_AFTER_ADDING = (f"UPDATE {POSTS} SET attempts = 1 WHERE status = '{SENDING}' AND attempts = 0",)


def _add_retry_columns(conn: sqlite3.Connection) -> None:
    """The retry columns, on a posts table from before them (the old code's file)."""
    have = {row[1] for row in conn.execute(f"PRAGMA table_info({POSTS})")}
    missing = [(t, c, decl) for t, c, decl in _ADDED_COLUMNS if c not in have]
    for table, column, decl in missing:
        conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")
    if missing:
        for statement in _AFTER_ADDING:
            conn.execute(statement)


SUBSCRIPTION_TABLES = (*_TABLES, _add_retry_columns)
"""The tables' migration step (analytics.data.schema)."""


class SubscriptionStore:
    """Reads and writes subscriptions on the cache file; safe to share between threads."""

    def __init__(self, cache: PriceCache) -> None:
        self.cache = cache

    @property
    def db(self):
        """This thread's connection (sqlite-utils Database) on the cache file."""
        return self.cache.db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One transaction holding the write lock from its start (joining the caller's, if
        any)."""
        with self.cache.transaction() as conn:
            yield conn

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
        settings = [post_time, ",".join(sections), iso_utc(now)]
        with self._write() as conn:
            if existing is None:
                conn.execute(
                    f"INSERT INTO {SUBSCRIPTIONS} (guild_id, channel_id, created_by, created_at,"
                    " post_time, sections, active_since) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [guild_id, channel_id, by, iso_utc(now), *settings],
                )
            else:
                conn.execute(
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
        with self._write() as conn:
            conn.execute(f"DELETE FROM {POSTS} WHERE subscription_id = ?", [existing.id])
            conn.execute(f"DELETE FROM {SUBSCRIPTIONS} WHERE id = ?", [existing.id])
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
        posted = ", ".join(f"'{s}'" for s in POSTED)
        attempted = ", ".join(f"'{s}'" for s in ATTEMPTED)
        # A day tried and then missed at its cutoff was tried all the same.
        # The last posted day comes from the posts table, so it can never disagree with it.
        rows = self.db.execute(
            f"""SELECT s.id, s.guild_id, s.channel_id, s.post_time, s.sections, s.created_by,
                       s.created_at, s.active_since, s.active, s.failed_days, s.last_error,
                       s.disabled_reason, p.trading_day, p.message_id,
                       (SELECT MAX(trading_day) FROM {POSTS}
                        WHERE subscription_id = s.id AND (status IN ({attempted}) OR attempts > 0))
                FROM {SUBSCRIPTIONS} s
                LEFT JOIN {POSTS} p ON p.subscription_id = s.id AND p.trading_day = (
                    SELECT MAX(trading_day) FROM {POSTS}
                    WHERE subscription_id = s.id AND status IN ({posted}))
                WHERE {where} ORDER BY s.id""",
            params,
        ).fetchall()
        missed = self._missed([r[0] for r in rows])
        return [subscription_from_row(r, missed.get(r[0], [])) for r in rows]

    def _missed(self, ids: list[int]) -> dict[int, list[Claim]]:
        if not ids:
            return {}
        marks = ", ".join("?" for _ in ids)
        found: dict[int, list[Claim]] = {}
        claims = self._claims(f"status = '{MISSED}' AND subscription_id IN ({marks})", ids)
        for claim in reversed(claims):  # newest first
            found.setdefault(claim.subscription_id, []).append(claim)
        return found

    # -- posts -----------------------------------------------------------------------------------
    def claims_on(self, day: dt.date) -> dict[int, Claim]:
        """Every claim for trading day `day`, by subscription id."""
        return {c.subscription_id: c for c in self._claims("trading_day = ?", [day.isoformat()])}

    def claim(
        self,
        subscription_id: int,
        day: dt.date,
        channel_id: int,
        now: dt.datetime,
        *,
        deadline: dt.datetime,
    ) -> Claim | None:
        """Take one attempt at the post of `day`: a new claim, or a 'sending' one whose next
        attempt is due. None when the day is settled (sent, failed, missed) or another attempt
        is not due yet (another process may be sending it right now).

        The claim returned counts this attempt in `attempts`; its `next_attempt_at` is when it
        may be tried again should this attempt not finish: `retry_delay` later, never after
        `deadline` (the day's catch-up cutoff).
        """
        key = [subscription_id, day.isoformat()]
        where = "subscription_id = ? AND trading_day = ?"

        def insert(next_attempt_at: str) -> None:
            conn.execute(
                f"INSERT INTO {POSTS} (subscription_id, trading_day, channel_id, status,"
                " nonce, claimed_at, attempts, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
                # Discord takes nonces up to 25 characters; 63 bits fit as an integer.
                [*key, channel_id, SENDING, secrets.randbits(63), iso_utc(now), next_attempt_at],
            )

        with self._write() as conn:
            if not take_attempt(conn, POSTS, where, key, now, deadline, insert):
                return None
        return self._claims("subscription_id = ? AND trading_day = ?", key)[0]

    def note_failure(self, subscription_id: int, day: dt.date, reason: str) -> None:
        """An attempt failed in a way worth retrying: keep the reason on the 'sending' claim."""
        with self._write() as conn:
            conn.execute(
                f"UPDATE {POSTS} SET error = ? WHERE subscription_id = ? AND trading_day = ?"
                f" AND status = '{SENDING}'",
                [reason, subscription_id, day.isoformat()],
            )

    def mark_sent(
        self, subscription_id: int, day: dt.date, message_id: int, now: dt.datetime
    ) -> None:
        """The message went out: record its id and reset the failure count."""
        with self._write() as conn:
            conn.execute(
                f"UPDATE {POSTS} SET status = ?, message_id = ?, finished_at = ?, error = NULL,"
                " next_attempt_at = NULL WHERE subscription_id = ? AND trading_day = ?",
                [SENT, message_id, iso_utc(now), subscription_id, day.isoformat()],
            )
            conn.execute(
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
        with self._write() as conn:
            conn.execute(
                f"UPDATE {POSTS} SET status = ?, error = ?, finished_at = ?,"
                " next_attempt_at = NULL WHERE subscription_id = ? AND trading_day = ?",
                [FAILED, reason, iso_utc(now), subscription_id, day.isoformat()],
            )
            if counts:
                conn.execute(
                    f"UPDATE {SUBSCRIPTIONS} SET failed_days = failed_days + 1, last_error = ?"
                    " WHERE id = ?",
                    [reason, subscription_id],
                )
                conn.execute(
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

    def mark_missed(
        self,
        subscription_id: int,
        day: dt.date,
        channel_id: int,
        reason: str,
        now: dt.datetime,
    ) -> bool:
        """The day's cutoff passed without a post: a 'sending' claim, or a day nobody claimed,
        becomes 'missed' with the reason. False when the day was already settled otherwise."""
        key = [subscription_id, day.isoformat()]
        with self._write() as conn:
            cursor = conn.execute(
                f"INSERT INTO {POSTS} (subscription_id, trading_day, channel_id, status, nonce,"
                " claimed_at, finished_at, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(subscription_id, trading_day) DO UPDATE SET"
                " status = excluded.status, finished_at = excluded.finished_at,"
                " error = excluded.error, next_attempt_at = NULL"
                f" WHERE status = '{SENDING}'",
                [
                    *key,
                    channel_id,
                    MISSED,
                    secrets.randbits(63),
                    iso_utc(now),
                    iso_utc(now),
                    reason,
                ],
            )
        return cursor.rowcount > 0

    def pending(self) -> list[Claim]:
        """Claims still 'sending' (to be tried again, or missed once past their cutoff)."""
        return self._claims("status = ?", [SENDING])

    def posts(self, subscription_id: int) -> list[Claim]:
        """A subscription's post history, oldest first."""
        return self._claims("subscription_id = ?", [subscription_id])

    def _claims(self, where: str, params: list) -> list[Claim]:
        rows = self.db.execute(
            f"SELECT subscription_id, trading_day, channel_id, status, nonce, claimed_at,"
            f" message_id, error, attempts, next_attempt_at FROM {POSTS} WHERE {where}"
            " ORDER BY subscription_id, trading_day",
            params,
        ).fetchall()
        return [claim_from_row(r) for r in rows]
