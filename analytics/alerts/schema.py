"""The alert tables' DDL in one place (one migration step of the cache file, analytics.data.schema;
before schema 5 the store ran these CREATE ... IF NOT EXISTS on its first write), the columns the
store reads, and the limits' check."""

from __future__ import annotations

import sqlite3

from analytics.alerts.records import SENT
from analytics.errors import BadInput

ALERTS, FIRES, RUNS = "alerts", "alert_fires", "alert_runs"

SCHEMA: tuple[str, ...] = (
    f"""CREATE TABLE IF NOT EXISTS {ALERTS} (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        params TEXT NOT NULL,
        owner_id INTEGER,
        created_by INTEGER,
        guild_id INTEGER,
        channel_id INTEGER,
        created_at TEXT NOT NULL,
        baseline_on TEXT,
        baseline_holds INTEGER,
        paused INTEGER NOT NULL DEFAULT 0,
        paused_reason TEXT,
        paused_at TEXT,
        last_on TEXT,
        last_holds INTEGER,
        last_state TEXT
    )""",
    f"CREATE INDEX IF NOT EXISTS {ALERTS}_owner ON {ALERTS} (owner_id)",
    f"CREATE INDEX IF NOT EXISTS {ALERTS}_guild ON {ALERTS} (guild_id)",
    f"""CREATE TABLE IF NOT EXISTS {FIRES} (
        alert_id INTEGER NOT NULL REFERENCES {ALERTS}(id) ON DELETE CASCADE,
        fired_on TEXT NOT NULL,
        session TEXT NOT NULL,
        status TEXT NOT NULL,
        nonce INTEGER NOT NULL,
        claimed_at TEXT NOT NULL,
        state TEXT,
        message_id INTEGER,
        error TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        finished_at TEXT,
        PRIMARY KEY (alert_id, fired_on)
    )""",
    f"""CREATE TABLE IF NOT EXISTS {RUNS} (
        session TEXT PRIMARY KEY,
        evaluated_at TEXT NOT NULL,
        alerts INTEGER NOT NULL,
        fired INTEGER NOT NULL
    )""",
)

ALERT_COLUMNS = (
    "a.id, a.kind, a.params, a.owner_id, a.created_by, a.guild_id, a.channel_id, a.created_at,"
    " a.baseline_on, a.baseline_holds, a.paused, a.paused_reason, a.paused_at, a.last_on,"
    " a.last_holds, a.last_state,"
    f" (SELECT MAX(fired_on) FROM {FIRES} f WHERE f.alert_id = a.id AND f.status = '{SENT}')"
)
FIRE_COLUMNS = (
    "alert_id, fired_on, session, status, nonce, claimed_at, state, message_id, error,"
    " attempts, next_attempt_at"
)


class LimitReached(BadInput):
    """Too many alerts for one user or one server; the message says which and what to do."""


def check_limits(
    conn: sqlite3.Connection,
    owner_id: int | None,
    guild_id: int | None,
    max_per_user: int,
    max_per_server: int,
) -> None:
    """LimitReached when `owner_id` has max_per_user alerts already, or `guild_id`
    max_per_server."""
    if owner_id is not None:
        (mine,) = conn.execute(
            f"SELECT COUNT(*) FROM {ALERTS} WHERE owner_id = ?", [owner_id]
        ).fetchone()
        if mine >= max_per_user:
            raise LimitReached(
                f"You have {mine} alerts, the most one person may have ({max_per_user}): "
                "remove one with /alert remove first (/alert list shows them)."
            )
    if guild_id is not None:
        (here,) = conn.execute(
            f"SELECT COUNT(*) FROM {ALERTS} WHERE guild_id = ?", [guild_id]
        ).fetchone()
        if here >= max_per_server:
            raise LimitReached(
                f"This server has {here} alerts, the most a server may have ({max_per_server}): "
                "an admin can remove some with /alert remove (/alert list shows them)."
            )
