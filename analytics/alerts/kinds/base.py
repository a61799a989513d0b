"""What every alert kind provides, and what evaluating one gives.

A kind turns the `alert add` options into plain parameters (cheap validation, the same
messages as the commands), names the tickers, universes and FRED series the nightly refresh
must bring,
evaluates its condition on a session from the cache, builds the embed a fired alert sends
(the answer of the command it stands on) and says how to reproduce it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from analytics.errors import BadInput

if TYPE_CHECKING:
    from analytics.answer import Answer
    from analytics.data.market import MarketData

Params = Mapping[str, Any]
"""A condition's parameters: plain JSON values (symbols, numbers, window text), as stored."""


@dataclass(frozen=True)
class Evaluation:
    """A condition on one session.

    holds:       the condition is true on `on`.
    held_before: it was true on the observation before `on` (the previous session of the
                 data, or the previous reading of a macro series).
    on:          what the condition stands on: the last session of the data on or before the
                 session evaluated, or a macro series' latest observation date.
    state:       one line for people ("IWM has beaten SPY 4 sessions in a row; needs 10").
    values:      the numbers behind it, plain JSON values (for --json and the list).
    """

    holds: bool
    held_before: bool
    on: dt.date
    state: str
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def crossed(self) -> bool:
        """True when the condition became true on `on`: it holds and did not just before."""
        return self.holds and not self.held_before


@dataclass(frozen=True)
class Reproduce:
    """The command that shows what a fired alert stands on, on each front end."""

    cli: str
    slash: str


class Kind:
    """One kind of alert. Subclasses set `name`, `takes` and implement the methods."""

    name: str = ""
    takes: tuple[str, ...] = ()
    """The `alert add` options this kind reads (besides `kind` and `to`)."""

    def parse(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The parameters from the options (cheap: no data read); BadInput when they are bad."""
        raise NotImplementedError

    def describe(self, params: Params) -> str:
        """The condition in a few words: 'IWM beats SPY for at least 10 sessions'."""
        raise NotImplementedError

    def tickers(self, params: Params) -> tuple[str, ...]:
        """Price symbols the condition reads (the nightly refresh keeps them warm)."""
        return ()

    def series(self, params: Params) -> tuple[str, ...]:
        """FRED series ids the condition reads (refreshed before each evaluation)."""
        return ()

    def universes(self, params: Params) -> tuple[str, ...]:
        """Universes (a fund, a named list) whose holdings and names' prices the condition
        reads: the nightly refresh brings the fund's holdings and every name's prices."""
        return ()

    def evaluate(self, data: MarketData, params: Params, as_of: dt.date | None) -> Evaluation:
        """The condition on the last session of the data on or before `as_of` (blocking)."""
        raise NotImplementedError

    def settle(self, params: Params, evaluation: Evaluation) -> dict[str, Any]:
        """The parameters once the data is known (a level's default direction); as given."""
        return dict(params)

    def answer(self, data: MarketData, params: Params, evaluation: Evaluation) -> Answer:
        """What a fired alert shows: the answer of the command it stands on, on `evaluation.on`."""
        raise NotImplementedError

    def reproduce(self, params: Params, on: dt.date) -> Reproduce:
        raise NotImplementedError


def given(values: Mapping[str, Any], name: str) -> Any:
    """The option's value, None when not given (an empty string counts as not given)."""
    value = values.get(name)
    if isinstance(value, str) and not value.strip():
        return None
    return value


def need(values: Mapping[str, Any], name: str, kind: str, example: str) -> Any:
    """The option's value; BadInput saying what to type when it is missing."""
    value = given(values, name)
    if value is None:
        raise BadInput(f"A {kind} alert needs {name}, e.g. {example}.")
    return value
