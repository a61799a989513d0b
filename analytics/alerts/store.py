"""Alerts, their fires and the evaluation runs in SQLite (tables `alerts`, `alert_fires`,
`alert_runs`).

The tables live in the cache file (`SCHEMA`, in analytics/alerts/schema.py), created by its
migrations (analytics.data.schema) when the file is opened for writing; reads never write, so
a bot without alerts never writes to the file. Every write goes through
`PriceCache.transaction()` (BEGIN IMMEDIATE; nested calls join the outermost). Each thread reads and writes on its own
connection of the cache.

Exactly one delivery per alert and session rests on the primary key (alert_id, fired_on) of
`alert_fires`: a fire is *claimed* (status 'sending', a random nonce) before the message is
sent and finished afterwards ('sent' with the message id, 'failed' with the reason, 'missed'
past its cutoff), each in one transaction; a claim already there is never claimed again, so
two processes, or one restarted, cannot send one fire twice. A 'sending' claim whose send
failed on Discord's side may be tried again from `next_attempt_at`, with the same nonce and
after a look for its marker (bot/alerts/loop.py), until its cutoff.

Limits (MAX_PER_USER alerts per owner, MAX_PER_SERVER per server) are checked inside the
insert's transaction, so two creations at once cannot pass them together.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from analytics.alerts.records import (
    FAILED,
    MAX_PER_SERVER,
    MAX_PER_USER,
    MISSED,
    SENDING,
    SENT,
    Alert,
    Fire,
    alert_from_row,
    fire_from_row,
    iso_utc,
)
from analytics.alerts.schema import (
    ALERT_COLUMNS,
    ALERTS,
    FIRE_COLUMNS,
    FIRES,
    RUNS,
    SCHEMA,
    LimitReached,
    check_limits,
)
from analytics.data.cache import PriceCache
from analytics.subscriptions.records import take_attempt

__all__ = ["ALERTS", "FIRES", "RUNS", "SCHEMA", "AlertStore", "LimitReached"]


class AlertStore:
    """Reads and writes alerts on the cache file; safe to share between threads."""

    def __init__(self, cache: PriceCache) -> None:
        self.cache = cache

    @property
    def db(self):
        return self.cache.db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self.cache.transaction() as conn:
            yield conn

    # -- alerts ----------------------------------------------------------------------------------
    def add(
        self,
        kind: str,
        params: Mapping[str, Any],
        *,
        owner_id: int | None,
        created_by: int | None,
        guild_id: int | None,
        channel_id: int | None,
        now: dt.datetime,
        baseline_on: dt.date | None,
        baseline_holds: bool | None,
        max_per_user: int = MAX_PER_USER,
        max_per_server: int = MAX_PER_SERVER,
    ) -> Alert:
        """Store a new alert; LimitReached (nothing stored) when its owner or server is full."""
        with self._write() as conn:
            check_limits(conn, owner_id, guild_id, max_per_user, max_per_server)
            cursor = conn.execute(
                f"INSERT INTO {ALERTS} (kind, params, owner_id, created_by, guild_id, channel_id,"
                " created_at, baseline_on, baseline_holds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    kind,
                    json.dumps(dict(params), sort_keys=True),
                    owner_id,
                    created_by,
                    guild_id,
                    channel_id,
                    iso_utc(now),
                    baseline_on.isoformat() if baseline_on else None,
                    None if baseline_holds is None else int(baseline_holds),
                ],
            )
            alert_id = cursor.lastrowid
        found = self.get(int(alert_id))
        assert found is not None
        return found

    def precheck(
        self,
        owner_id: int | None,
        guild_id: int | None,
        *,
        max_per_user: int = MAX_PER_USER,
        max_per_server: int = MAX_PER_SERVER,
    ) -> None:
        """LimitReached before any work when the owner or the server is already full."""
        check_limits(self.db.conn, owner_id, guild_id, max_per_user, max_per_server)

    def get(self, alert_id: int) -> Alert | None:
        rows = self._select("a.id = ?", [alert_id])
        return rows[0] if rows else None

    def owned_by(self, user_id: int) -> list[Alert]:
        return self._select("a.owner_id = ?", [user_id])

    def server_channels(self, guild_id: int) -> list[Alert]:
        """The alerts that post in this server's channels."""
        return self._select("a.guild_id = ? AND a.channel_id IS NOT NULL", [guild_id])

    def all(self) -> list[Alert]:
        return self._select("1 = 1", [])

    def active(self) -> list[Alert]:
        """Alerts that are not paused, oldest first (for the evaluation loop)."""
        return self._select("a.paused = 0", [])

    def _select(self, where: str, params: list) -> list[Alert]:
        rows = self.db.execute(
            f"SELECT {ALERT_COLUMNS} FROM {ALERTS} a WHERE {where} ORDER BY a.id", params
        ).fetchall()
        return [alert_from_row(r) for r in rows]

    def remove(self, alert_id: int) -> bool:
        """Delete the alert and its fires; False when there was none."""
        if self.get(alert_id) is None:
            return False
        with self._write() as conn:
            conn.execute(f"DELETE FROM {FIRES} WHERE alert_id = ?", [alert_id])
            conn.execute(f"DELETE FROM {ALERTS} WHERE id = ?", [alert_id])
        return True

    def pause(self, alert_id: int, reason: str, now: dt.datetime) -> None:
        with self._write() as conn:
            conn.execute(
                f"UPDATE {ALERTS} SET paused = 1, paused_reason = ?, paused_at = ? WHERE id = ?",
                [reason, iso_utc(now), alert_id],
            )

    def resume(
        self, alert_id: int, baseline_on: dt.date | None, baseline_holds: bool | None
    ) -> None:
        """Check it again, from the state it is in now (nothing that happened while it was
        paused fires late)."""
        with self._write() as conn:
            conn.execute(
                f"UPDATE {ALERTS} SET paused = 0, paused_reason = NULL, paused_at = NULL,"
                " baseline_on = ?, baseline_holds = ? WHERE id = ?",
                [
                    baseline_on.isoformat() if baseline_on else None,
                    None if baseline_holds is None else int(baseline_holds),
                    alert_id,
                ],
            )

    def note_check(self, alert_id: int, on: dt.date | None, holds: bool | None, state: str) -> None:
        """The latest evaluation (or why it could not be made), for /alert list."""
        with self._write() as conn:
            conn.execute(
                f"UPDATE {ALERTS} SET last_on = ?, last_holds = ?, last_state = ? WHERE id = ?",
                [
                    on.isoformat() if on else None,
                    None if holds is None else int(holds),
                    state[:300],
                    alert_id,
                ],
            )

    # -- fires -----------------------------------------------------------------------------------
    def claim(
        self,
        alert_id: int,
        fired_on: dt.date,
        session: dt.date,
        now: dt.datetime,
        *,
        deadline: dt.datetime,
        state: str = "",
    ) -> Fire | None:
        """Take one attempt at delivering the fire of `fired_on`: a new claim, or a 'sending'
        one whose next attempt is due. None when it is settled or not due (another process
        may be sending it right now). The claim counts this attempt."""
        key = [alert_id, fired_on.isoformat()]

        def insert(next_attempt_at: str) -> None:
            conn.execute(
                f"INSERT INTO {FIRES} (alert_id, fired_on, session, status, nonce,"
                " claimed_at, state, attempts, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)",
                [
                    *key,
                    session.isoformat(),
                    SENDING,
                    secrets.randbits(63),
                    iso_utc(now),
                    state[:300],
                    next_attempt_at,
                ],
            )

        with self._write() as conn:
            if not take_attempt(
                conn, FIRES, "alert_id = ? AND fired_on = ?", key, now, deadline, insert
            ):
                return None
        return self.fire(alert_id, fired_on)

    def fire(self, alert_id: int, fired_on: dt.date) -> Fire | None:
        found = self._fires("alert_id = ? AND fired_on = ?", [alert_id, fired_on.isoformat()])
        return found[0] if found else None

    def mark_sent(
        self, alert_id: int, fired_on: dt.date, message_id: int, now: dt.datetime
    ) -> None:
        self._finish(alert_id, fired_on, SENT, now, message_id=message_id)

    def note_failure(self, alert_id: int, fired_on: dt.date, reason: str) -> None:
        """An attempt failed in a way worth retrying: keep the reason on the 'sending' claim."""
        with self._write() as conn:
            conn.execute(
                f"UPDATE {FIRES} SET error = ? WHERE alert_id = ? AND fired_on = ?"
                f" AND status = '{SENDING}'",
                [reason[:300], alert_id, fired_on.isoformat()],
            )

    def mark_refused(self, alert_id: int, fired_on: dt.date, reason: str, now: dt.datetime) -> None:
        """Discord refused the delivery for good (closed DMs, a deleted channel, no
        permission): the fire failed and the alert is paused with the reason, in one go."""
        with self._write() as conn:
            self._finish(alert_id, fired_on, FAILED, now, error=reason)
            conn.execute(
                f"UPDATE {ALERTS} SET paused = 1, paused_reason = ?, paused_at = ? WHERE id = ?",
                [reason, iso_utc(now), alert_id],
            )

    def mark_missed(self, alert_id: int, fired_on: dt.date, reason: str, now: dt.datetime) -> None:
        self._finish(alert_id, fired_on, MISSED, now, error=reason)

    def _finish(
        self,
        alert_id: int,
        fired_on: dt.date,
        status: str,
        now: dt.datetime,
        *,
        message_id: int | None = None,
        error: str | None = None,
    ) -> None:
        with self._write() as conn:
            conn.execute(
                f"UPDATE {FIRES} SET status = ?, message_id = ?, error = ?, finished_at = ?,"
                " next_attempt_at = NULL WHERE alert_id = ? AND fired_on = ?",
                [status, message_id, error, iso_utc(now), alert_id, fired_on.isoformat()],
            )

    def pending(self) -> list[Fire]:
        """Fires still 'sending' (to be tried again, or missed once past their cutoff)."""
        return self._fires("status = ?", [SENDING])

    def fires(self, alert_id: int | None = None) -> list[Fire]:
        """An alert's fires (every alert's with None), oldest first."""
        if alert_id is None:
            return self._fires("1 = 1", [])
        return self._fires("alert_id = ?", [alert_id])

    def _fires(self, where: str, params: list) -> list[Fire]:
        rows = self.db.execute(
            f"SELECT {FIRE_COLUMNS} FROM {FIRES} WHERE {where} ORDER BY fired_on, alert_id",
            params,
        ).fetchall()
        return [fire_from_row(r) for r in rows]

    # -- evaluation runs -------------------------------------------------------------------------
    def run_done(self, session: dt.date) -> bool:
        """True when some process has evaluated every alert on `session`."""
        row = self.db.execute(
            f"SELECT 1 FROM {RUNS} WHERE session = ?", [session.isoformat()]
        ).fetchone()
        return row is not None

    def last_run(self) -> dt.date | None:
        """The latest session some process evaluated, or None."""
        (last,) = self.db.execute(f"SELECT MAX(session) FROM {RUNS}").fetchone()
        return dt.date.fromisoformat(last) if last else None

    def finish_run(self, session: dt.date, now: dt.datetime, alerts: int, fired: int) -> None:
        with self._write() as conn:
            conn.execute(
                f"INSERT OR REPLACE INTO {RUNS} (session, evaluated_at, alerts, fired)"
                " VALUES (?, ?, ?, ?)",
                [session.isoformat(), iso_utc(now), alerts, fired],
            )
