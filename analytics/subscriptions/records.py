"""What the subscription store holds: a subscription, the claim of one day's post, their
statuses, and the retry policy of a post that did not go out (analytics/subscriptions/store.py
keeps them in SQLite)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

MAX_FAILED_DAYS = 3
"""Consecutive trading days a channel may fail (deleted, permissions) before it is disabled."""

FIRST_RETRY = dt.timedelta(minutes=1)
MAX_RETRY = dt.timedelta(minutes=15)
MISSED_SHOWN = 3
"""Missed days since the last post that a subscription carries (newest first)."""

SENDING, SENT, FAILED, MISSED, UNKNOWN = "sending", "sent", "failed", "missed", "unknown"
POSTED = (SENT, UNKNOWN)
ATTEMPTED = (SENDING, SENT, FAILED, UNKNOWN)
"""Statuses of a day some process sent or tried to send (a 'missed' day was tried only if its
claim counts attempts)."""


def retry_delay(attempt: int) -> dt.timedelta:
    """How long to wait after failed attempt number `attempt` (1-based) before the next:
    FIRST_RETRY doubling (1, 2, 4, 8 minutes), at most MAX_RETRY (15 minutes)."""
    if attempt < 1:
        raise ValueError("attempts count from 1")
    return min(FIRST_RETRY * 2 ** min(attempt - 1, 10), MAX_RETRY)


def take_attempt(
    conn: sqlite3.Connection,
    table: str,
    where: str,
    key: Sequence[object],
    now: dt.datetime,
    deadline: dt.datetime,
    insert: Callable[[str], None],
) -> bool:
    """One delivery attempt on the claim row of `table` found by `where` (`key`: its
    parameters), in the caller's write transaction. No row: `insert(next_attempt_at)` makes
    the claim (its first attempt). A 'sending' row whose next attempt is due counts one more.
    False when the row is settled (sent, failed, missed) or not due (another process may be
    sending it now). The next attempt is `retry_delay` after this one, never after `deadline`.
    Shared by the daily posts' claims and the alerts' fires."""
    row = conn.execute(
        f"SELECT status, attempts, next_attempt_at FROM {table} WHERE {where}", list(key)
    ).fetchone()
    if row is None:
        insert(iso_utc(min(now + retry_delay(1), deadline)))
        return True
    status, previous, next_at = row
    if status != SENDING or (next_at is not None and next_at > iso_utc(now)):
        return False
    attempts = previous + 1
    conn.execute(
        f"UPDATE {table} SET attempts = ?, next_attempt_at = ? WHERE {where}",
        [attempts, iso_utc(min(now + retry_delay(attempts), deadline)), *key],
    )
    return True


@dataclass(frozen=True)
class Subscription:
    """One channel's daily post.

    post_time: canonical text of a schedule.PostTime ('close+30', '17:15');
    sections:  digest section names, in digest order;
    active_since: when it was (re)started; days due before that are not owed;
    failed_days: consecutive trading days whose post failed (reset by a success);
    last_day / last_message_id: the last trading day posted (status sent or unknown);
    last_attempted_day: the last trading day some process sent or tried to send: no post is
        ever made for a day before it (a clock that jumps back must not post an old day);
    missed: days missed since the last post, newest first (at most MISSED_SHOWN).
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
    last_attempted_day: dt.date | None = None
    missed: tuple[Claim, ...] = ()


@dataclass(frozen=True)
class Claim:
    """The post of one subscription for one trading day.

    attempts: sends tried so far (the current one included, once claimed);
    next_attempt_at: when a 'sending' claim may be tried again;
    error: why the last attempt failed, or why the day was missed.
    """

    subscription_id: int
    trading_day: dt.date
    channel_id: int
    status: str
    nonce: int
    claimed_at: dt.datetime
    message_id: int | None = None
    error: str | None = None
    attempts: int = 0
    next_attempt_at: dt.datetime | None = None

    @property
    def marker(self) -> str:
        """A short tag of this claim that the post carries ('post 1a2b3c4d5e'); Discord does
        not return nonces when listing messages, so this is how an earlier send is found."""
        return f"post {self.nonce & 0xFF_FFFF_FFFF:010x}"


def iso_utc(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    # A fixed width, so stored timestamps compare correctly as text.
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def parse_when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def claim_from_row(row) -> Claim:
    return Claim(
        subscription_id=row[0],
        trading_day=dt.date.fromisoformat(row[1]),
        channel_id=row[2],
        status=row[3],
        nonce=row[4],
        claimed_at=parse_when(row[5]),
        message_id=row[6],
        error=row[7],
        attempts=row[8],
        next_attempt_at=parse_when(row[9]) if row[9] else None,
    )


def subscription_from_row(row, missed: list[Claim]) -> Subscription:
    """A Subscription from the store's SELECT (see SubscriptionStore._select); `missed`: that
    subscription's missed claims, newest first (only those after its last post are kept)."""
    last_day = dt.date.fromisoformat(row[12]) if row[12] else None
    return Subscription(
        id=row[0],
        guild_id=row[1],
        channel_id=row[2],
        post_time=row[3],
        sections=tuple(s for s in row[4].split(",") if s),
        created_by=row[5],
        created_at=parse_when(row[6]),
        active_since=parse_when(row[7]),
        active=bool(row[8]),
        failed_days=row[9],
        last_error=row[10],
        disabled_reason=row[11],
        last_day=last_day,
        last_message_id=row[13],
        last_attempted_day=dt.date.fromisoformat(row[14]) if row[14] else None,
        missed=tuple(c for c in missed if last_day is None or c.trading_day > last_day)[
            :MISSED_SHOWN
        ],
    )
