"""The `alert` commands' parse and answer functions (analytics/alerts/specs.py), and the
operations behind them that the Discord cog shares: create, resume, describe.

The spec answers are the terminal's: the operator of the bot acts on every alert, and says
where a new one goes with `--to` (a user id for a DM, GUILD_ID/CHANNEL_ID for a channel). On
Discord the cog (cogs/alerts.py) calls the same parse functions, then adds who is asking.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from analytics.alerts.evaluation import describe
from analytics.alerts.fred import refresh_series
from analytics.alerts.kinds import KINDS, Evaluation, kind_named
from analytics.alerts.kinds.base import given
from analytics.alerts.records import Alert
from analytics.alerts.specs import ADD
from analytics.alerts.store import AlertStore
from analytics.alerts.targets import TARGET_HELP, Target, parse_target
from analytics.answer import Answer, Column, Table, jsonable
from analytics.data.market import MarketData
from analytics.errors import BadInput, NoData
from analytics.spec import ParseContext, Progress

_FIXED = ("kind", "to")


@dataclass(frozen=True)
class AddRequest:
    """A new alert's kind, its parameters (sorted name/value pairs) and where it goes."""

    kind: str
    params: tuple[tuple[str, Any], ...]
    target: Target

    @property
    def condition(self) -> dict[str, Any]:
        return dict(self.params)


@dataclass(frozen=True)
class IdRequest:
    id: int


@dataclass(frozen=True)
class ListRequest:
    pass


def parse_add(values: dict[str, Any], ctx: ParseContext) -> AddRequest:
    """The kind, its options (only those the kind takes) and the target; BadInput otherwise."""
    kind = kind_named(values.get("kind") or "")
    extra = [
        o.name
        for o in ADD.options
        if o.name not in _FIXED and o.name not in kind.takes and given(values, o.name) is not None
    ]
    if extra:
        raise BadInput(
            f"A {kind.name} alert does not take {', '.join(extra)}; it takes "
            f"{', '.join(kind.takes)} (and to)."
        )
    params = kind.parse(values)
    return AddRequest(kind.name, tuple(sorted(params.items())), parse_target(values.get("to")))


def parse_id(values: dict[str, Any], ctx: ParseContext) -> IdRequest:
    number = values.get("id")
    if number is None or int(number) < 1:
        raise BadInput("Give the alert's number, e.g. 3 (/alert list shows them).")
    return IdRequest(int(number))


def parse_list(values: dict[str, Any], ctx: ParseContext) -> ListRequest:
    return ListRequest()


# --- operations shared with the cog ---------------------------------------------------------


@dataclass(frozen=True)
class Created:
    alert: Alert
    evaluation: Evaluation


def current_state(data: MarketData, kind_name: str, params: dict[str, Any]) -> Evaluation:
    """The condition on the latest data (fetching what is missing: this is where a ticker
    that does not exist, or a FRED id FRED does not know, is found out)."""
    kind = KINDS[kind_name]
    problems = refresh_series(data, kind.series(params))
    try:
        return kind.evaluate(data, params, None)
    except NoData:
        if problems:  # FRED's own answer says more than "nothing is stored"
            raise BadInput(next(iter(problems.values()))) from None
        raise


def create_alert(
    data: MarketData,
    store: AlertStore,
    request: AddRequest,
    *,
    owner_id: int | None,
    created_by: int | None,
    guild_id: int | None,
    channel_id: int | None,
    now: dt.datetime,
) -> Created:
    """Validate the condition on the data, then store the alert with its baseline (the state
    it is created in: it never fires for that). Blocking. LimitReached before any work when
    the owner or the server is full."""
    store.precheck(owner_id, guild_id)
    kind = KINDS[request.kind]
    params = request.condition
    evaluation = current_state(data, request.kind, params)
    settled = kind.settle(params, evaluation)
    if settled != params:
        params = settled
        evaluation = kind.evaluate(data, params, None)
    alert = store.add(
        kind.name,
        params,
        owner_id=owner_id,
        created_by=created_by,
        guild_id=guild_id,
        channel_id=channel_id,
        now=now,
        baseline_on=evaluation.on,
        baseline_holds=evaluation.holds,
    )
    store.note_check(alert.id, evaluation.on, evaluation.holds, evaluation.state)
    found = store.get(alert.id)
    assert found is not None
    return Created(found, evaluation)


def standing(alert: Alert, evaluation: Evaluation) -> str:
    """'<condition>, by DM. Now (D): <state>. Checked after each NYSE close; it fires ...'."""
    when = (
        "it is true now, so it fires the next time it becomes true, once it has stopped holding"
        if evaluation.holds
        else "it fires on the first session it becomes true"
    )
    return (
        f"{describe(alert)}, {alert.target_text}. Now ({evaluation.on}): {evaluation.state}. "
        f"Checked after each NYSE close; {when}."
    )


def created_text(created: Created) -> str:
    """The reply to a new alert: what it watches, where it goes, where it stands now."""
    return f"✅ Alert #{created.alert.id}: {standing(created.alert, created.evaluation)}"


def resume_alert(data: MarketData, store: AlertStore, alert: Alert) -> Evaluation:
    """Check a paused alert again, from the state it is in now (blocking)."""
    evaluation = current_state(data, alert.kind, alert.params)
    store.resume(alert.id, evaluation.on, evaluation.holds)
    store.note_check(alert.id, evaluation.on, evaluation.holds, evaluation.state)
    return evaluation


def alert_text(alert: Alert) -> str:
    """Two or three lines about an alert for a list: the condition, its last check, a pause."""
    lines = [f"**#{alert.id}** {describe(alert)} · {alert.target_text}"]
    checked = (
        f"Checked {alert.last_on}: {alert.last_state}"
        if alert.last_on
        else (f"Not checked yet: {alert.last_state}" if alert.last_state else "Not checked yet")
    )
    fired = f" · last fired {alert.last_fired_on}" if alert.last_fired_on else " · not fired yet"
    lines.append(checked + fired)
    if alert.paused:
        lines.append(f"⏸️ Paused: {alert.paused_reason}. /alert resume {alert.id} restarts it.")
    return "\n".join(lines)


def alert_json(alert: Alert) -> dict[str, Any]:
    return jsonable(
        {
            "id": alert.id,
            "kind": alert.kind,
            "params": alert.params,
            "condition": describe(alert),
            "owner_id": alert.owner_id,
            "guild_id": alert.guild_id,
            "channel_id": alert.channel_id,
            "to": "dm" if alert.by_dm else "channel",
            "created_at": alert.created_at,
            "baseline_on": alert.baseline_on,
            "baseline_holds": alert.baseline_holds,
            "paused": alert.paused,
            "paused_reason": alert.paused_reason,
            "last_on": alert.last_on,
            "last_holds": alert.last_holds,
            "last_state": alert.last_state,
            "last_fired_on": alert.last_fired_on,
        }
    )


# --- the terminal's answers -------------------------------------------------------------------


def _cli_target(target: Target) -> tuple[int | None, int | None, int | None]:
    """(owner, guild, channel) of a target given at the terminal, which has no user or server."""
    if target.dm:
        if target.user_id is None:
            raise BadInput(
                "At the terminal, say whose DMs the alert goes to: --to <@USER_ID>, or a "
                "channel as GUILD_ID/CHANNEL_ID. " + TARGET_HELP
            )
        return target.user_id, None, None
    if target.guild_id is None or target.channel_id is None:
        raise BadInput(
            "At the terminal a channel is GUILD_ID/CHANNEL_ID or its link "
            "(https://discord.com/channels/GUILD_ID/CHANNEL_ID)."
        )
    return None, target.guild_id, target.channel_id


def _store(data: MarketData) -> AlertStore:
    return AlertStore(data.cache)


def add_answer(data: MarketData, request: AddRequest, progress: Progress) -> Answer:
    """`marketbot alert add`: the alert stored, and where its condition stands now."""
    owner, guild, channel = _cli_target(request.target)
    created = create_alert(
        data,
        _store(data),
        request,
        owner_id=owner,
        created_by=None,
        guild_id=guild,
        channel_id=channel,
        now=data.now(),
    )
    return Answer(
        title=f"Alert #{created.alert.id} created",
        summary=created_text(created),
        as_of=created.evaluation.on,
        data={"alert": alert_json(created.alert)},
        advice_disclaimer=False,
    )


def list_answer(data: MarketData, request: ListRequest, progress: Progress) -> Answer:
    """`marketbot alert list`: every alert in the database."""
    alerts = _store(data).all()
    rows = tuple(
        (
            a.id,
            a.kind,
            describe(a),
            "DM" if a.by_dm else f"channel {a.channel_id}",
            "paused" if a.paused else "active",
            a.last_on,
            a.last_fired_on,
        )
        for a in alerts
    )
    table = Table(
        columns=(
            Column("id", "count"),
            Column("kind"),
            Column("condition"),
            Column("to"),
            Column("status"),
            Column("checked", "date"),
            Column("fired", "date"),
        ),
        rows=rows,
    )
    paused = [f"#{a.id}: {a.paused_reason}" for a in alerts if a.paused]
    by_dm = sum(1 for a in alerts if a.by_dm)
    summary = f"{by_dm} by DM, {len(alerts) - by_dm} in channels, {len(paused)} paused."
    if paused:
        summary += " Paused: " + "; ".join(paused) + "."
    return Answer(
        title=f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''}",
        summary=summary,
        tables=(table,) if alerts else (),
        data={"alerts": [alert_json(a) for a in alerts]},
        advice_disclaimer=False,
    )


def _existing(data: MarketData, alert_id: int) -> Alert:
    alert = _store(data).get(alert_id)
    if alert is None:
        raise NoData(f"There is no alert #{alert_id}; marketbot alert list shows them.")
    return alert


def remove_answer(data: MarketData, request: IdRequest, progress: Progress) -> Answer:
    alert = _existing(data, request.id)
    _store(data).remove(alert.id)
    return Answer(
        title=f"Alert #{alert.id} removed",
        summary=f"Removed alert #{alert.id}: {describe(alert)}.",
        data={"removed": alert_json(alert)},
        advice_disclaimer=False,
    )


def pause_answer(data: MarketData, request: IdRequest, progress: Progress) -> Answer:
    alert = _existing(data, request.id)
    if not alert.paused:
        _store(data).pause(alert.id, "paused at the terminal", data.now())
    return Answer(
        title=f"Alert #{alert.id} paused",
        summary=f"Alert #{alert.id} ({describe(alert)}) is not checked until it is resumed.",
        data={"alert": alert_json(_existing(data, alert.id))},
        advice_disclaimer=False,
    )


def resume_answer(data: MarketData, request: IdRequest, progress: Progress) -> Answer:
    alert = _existing(data, request.id)
    evaluation = resume_alert(data, _store(data), alert)
    return Answer(
        title=f"Alert #{alert.id} resumed",
        summary=f"Alert #{alert.id} resumed: {standing(alert, evaluation)}",
        data={"alert": alert_json(_existing(data, alert.id))},
        advice_disclaimer=False,
    )
