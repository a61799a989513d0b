"""Evaluating alerts on a session, and what a fired alert shows.

`check_alert` evaluates one alert's condition on the data (analytics/alerts/kinds) and decides
whether it fires: the condition became true on the session it stands on (`Evaluation.crossed`)
and that is not the state the alert was created or resumed in (`Alert.blocks`). It is pure
given the data, so evaluating a session twice (a restart, a second process) decides the same;
the store's claims make the delivery happen once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from analytics.alerts.kinds import KINDS, Evaluation, Reproduce
from analytics.alerts.records import Alert
from analytics.answer import Answer, Field, jsonable
from analytics.data.market import MarketData
from analytics.errors import MarketbotError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    """One alert on one session: its evaluation (None when it could not be made: `error`),
    whether it fires (it became true there, and not in the state the alert was made in), and
    why (or why not) in a few words."""

    alert: Alert
    evaluation: Evaluation | None
    fires: bool
    why: str
    error: str | None = None

    def to_json(self) -> dict:
        ev = self.evaluation
        return {
            "id": self.alert.id,
            "kind": self.alert.kind,
            "condition": describe(self.alert),
            "fires": self.fires,
            "crossed": bool(ev and ev.crossed),
            "why": self.why,
            "on": ev.on.isoformat() if ev else None,
            "holds": ev.holds if ev else None,
            "held_before": ev.held_before if ev else None,
            "state": ev.state if ev else self.error,
        }


def describe(alert: Alert) -> str:
    """The alert's condition in a few words."""
    return KINDS[alert.kind].describe(alert.params)


def check_alert(data: MarketData, alert: Alert, session: dt.date) -> Check:
    """Evaluate `alert` on `session` (its data on or before it) and decide whether it fires.

    A condition that cannot be evaluated (no data for the ticker, a series not stored yet)
    is a Check with `error` and no fire; a bug in a kind is logged and reported the same way,
    so one alert never stops the others.
    """
    kind = KINDS[alert.kind]
    try:
        evaluation = kind.evaluate(data, alert.params, session)
    except MarketbotError as exc:
        return Check(alert, None, False, "could not be checked", error=exc.message)
    except Exception as exc:  # a bug in one kind must not stop the evaluation of the others
        log.exception("alert %s (%s) could not be evaluated", alert.id, alert.kind)
        return Check(alert, None, False, "could not be checked", error=f"{type(exc).__name__}")
    if not evaluation.holds:
        return Check(alert, evaluation, False, "not true")
    if evaluation.held_before:
        return Check(alert, evaluation, False, "already true the session before")
    if alert.blocks(evaluation.on):
        if alert.baseline_on is not None and evaluation.on < alert.baseline_on:
            return Check(alert, evaluation, False, "true before the alert was made")
        return Check(alert, evaluation, False, "the state it was made (or resumed) in")
    return Check(alert, evaluation, True, f"became true on {evaluation.on}")


def reproduce(alert: Alert, on: dt.date) -> Reproduce:
    return KINDS[alert.kind].reproduce(alert.params, on)


@dataclass(frozen=True)
class Fired:
    """A fired alert: the answer of the command it stands on, on the session it became true,
    and how to reproduce it."""

    alert: Alert
    evaluation: Evaluation
    answer: Answer
    reproduce: Reproduce

    @property
    def headline(self) -> str:
        """'🔔 Alert #3: IWM beats SPY for at least 10 sessions in a row (2024-07-01)'."""
        return f"🔔 Alert #{self.alert.id}: {describe(self.alert)} ({self.evaluation.on})"

    def as_answer(self) -> Answer:
        """The answer with the alert and the commands that reproduce it as its last fields
        (the terminal and --json; Discord puts them in the message's text)."""
        how = self.reproduce
        fields = (
            *self.answer.fields,
            Field("Alert", f"#{self.alert.id}: {describe(self.alert)}", inline=False),
            Field("Reproduce", f"`{how.cli}`\n`{how.slash}`", inline=False),
        )
        data = dict(self.answer.data) | {
            "alert": {"id": self.alert.id, "kind": self.alert.kind, "on": self.evaluation.on},
            "reproduce": {"cli": how.cli, "slash": how.slash},
        }
        return dataclasses.replace(self.answer, fields=fields, data=jsonable(data))


def fired(data: MarketData, alert: Alert, evaluation: Evaluation) -> Fired:
    """Build what `alert` shows for `evaluation` (blocking: reads the data; the chart is drawn
    when its PNG is first asked for)."""
    answer = KINDS[alert.kind].answer(data, alert.params, evaluation)
    return Fired(alert, evaluation, answer, reproduce(alert, evaluation.on))


def alert_tickers(alerts: Iterable[Alert]) -> list[str]:
    """Every price symbol the alerts read, once each, in alert order."""
    out: list[str] = []
    for alert in alerts:
        out += KINDS[alert.kind].tickers(alert.params)
    return list(dict.fromkeys(out))


def alert_universes(alerts: Iterable[Alert]) -> list[str]:
    """Every universe (a fund, a named list) the alerts read, once each, in alert order."""
    out: list[str] = []
    for alert in alerts:
        out += KINDS[alert.kind].universes(alert.params)
    return list(dict.fromkeys(out))


def alert_series(alerts: Iterable[Alert]) -> list[str]:
    """Every FRED series id the alerts read, once each."""
    out: list[str] = []
    for alert in alerts:
        out += KINDS[alert.kind].series(alert.params)
    return list(dict.fromkeys(out))
