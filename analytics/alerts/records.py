"""What the alert store holds: an alert, the claim of one fire, and their statuses."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from analytics.subscriptions.records import iso_utc, parse_when

__all__ = [
    "DELIVERED",
    "FAILED",
    "MISSED",
    "SENDING",
    "SENT",
    "Alert",
    "Fire",
    "iso_utc",
    "parse_when",
]

MAX_PER_USER = 25
MAX_PER_SERVER = 200

SENDING, SENT, FAILED, MISSED = "sending", "sent", "failed", "missed"
DELIVERED = (SENT,)


@dataclass(frozen=True)
class Alert:
    """One alert.

    owner_id:   the user it belongs to (its creator on Discord, the DM's recipient when made at
                the terminal); None for a channel alert made at the terminal.
    guild_id:   the server it was made in, or whose channel it posts to (None: from a DM or
                the terminal, by DM).
    channel_id: the channel it posts to; None means by DM to `owner_id`.
    params:     the condition's parameters (analytics/alerts/kinds), plain JSON values.
    baseline_on / baseline_holds: the condition's state when it was created (or resumed): it
                never fires for that state.
    paused_reason: why it is paused (a user's /alert pause, closed DMs, a deleted channel).
    last_on / last_holds / last_state: the latest evaluation, for /alert list.
    last_fired_on: the latest session it fired on (sent), if any.
    """

    id: int
    kind: str
    params: dict[str, Any]
    owner_id: int | None
    created_by: int | None
    guild_id: int | None
    channel_id: int | None
    created_at: dt.datetime
    baseline_on: dt.date | None
    baseline_holds: bool | None
    paused: bool = False
    paused_reason: str | None = None
    paused_at: dt.datetime | None = None
    last_on: dt.date | None = None
    last_holds: bool | None = None
    last_state: str | None = None
    last_fired_on: dt.date | None = None

    @property
    def by_dm(self) -> bool:
        return self.channel_id is None

    @property
    def target_text(self) -> str:
        """'by DM' or '<#channel>'."""
        return "by DM" if self.by_dm else f"in <#{self.channel_id}>"

    def blocks(self, on: dt.date) -> bool:
        """True when a crossing on `on` is the state the alert was created (resumed) in, or
        older: an alert never fires for what was already true when it was made."""
        if self.baseline_on is None:
            return False
        if on < self.baseline_on:
            return True
        return on == self.baseline_on and bool(self.baseline_holds)


@dataclass(frozen=True)
class Fire:
    """The delivery of one alert for the session (or reading) it became true on.

    fired_on: what the condition stands on (its Evaluation.on); session: the NYSE session
    whose evaluation fired it; attempts / next_attempt_at: sends tried and when a 'sending'
    one may be tried again; error: why the last attempt failed.
    """

    alert_id: int
    fired_on: dt.date
    session: dt.date
    status: str
    nonce: int
    claimed_at: dt.datetime
    state: str = ""
    message_id: int | None = None
    error: str | None = None
    attempts: int = 0
    next_attempt_at: dt.datetime | None = None

    @property
    def marker(self) -> str:
        """The tag the message carries ('alert 1a2b3c4d5e'): how an earlier send is found."""
        return f"alert {self.nonce & 0xFF_FFFF_FFFF:010x}"


def alert_from_row(row: Any) -> Alert:
    return Alert(
        id=row[0],
        kind=row[1],
        params=json.loads(row[2]),
        owner_id=row[3],
        created_by=row[4],
        guild_id=row[5],
        channel_id=row[6],
        created_at=parse_when(row[7]),
        baseline_on=dt.date.fromisoformat(row[8]) if row[8] else None,
        baseline_holds=None if row[9] is None else bool(row[9]),
        paused=bool(row[10]),
        paused_reason=row[11],
        paused_at=parse_when(row[12]) if row[12] else None,
        last_on=dt.date.fromisoformat(row[13]) if row[13] else None,
        last_holds=None if row[14] is None else bool(row[14]),
        last_state=row[15],
        last_fired_on=dt.date.fromisoformat(row[16]) if row[16] else None,
    )


def fire_from_row(row: Any) -> Fire:
    return Fire(
        alert_id=row[0],
        fired_on=dt.date.fromisoformat(row[1]),
        session=dt.date.fromisoformat(row[2]),
        status=row[3],
        nonce=row[4],
        claimed_at=parse_when(row[5]),
        state=row[6] or "",
        message_id=row[7],
        error=row[8],
        attempts=row[9],
        next_attempt_at=parse_when(row[10]) if row[10] else None,
    )
