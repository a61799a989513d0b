"""`macro` alerts: a FRED series' new reading above or below a value, or its highest (lowest)
in at least Y years.

Readings are the series as /macro shows them (analytics/macro: the registry's transform, e.g.
CPI as year-over-year inflation). The condition stands on the latest reading on or before the
session evaluated:
- `value` X: the reading is strictly above X (direction up, the default) or below it (down);
- `years` Y: no observation of the series' history (/macro's context history, GDPNow against
  real GDP growth, its default exclusions left out) in the Y years before the reading was at
  least as high (up) or as low (down), and that history reaches Y years back.
It becomes true when the latest reading holds and the reading before it did not, and is keyed
by the reading's date: a new print fires once, however many sessions it stays the latest.
The embed is the /macro answer on that reading (in the alert's direction for `years`).
The observations are read from the store; the evaluation loop refreshes them first
(analytics/alerts/fred.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd

from analytics.alerts.kinds.base import Evaluation, Kind, Params, Reproduce, given, need
from analytics.alerts.kinds.commands import command_answer
from analytics.answer import Answer
from analytics.data.market import MarketData
from analytics.errors import BadInput, NoData
from analytics.macro.context import HIGH, LOW, history_context, infer_frequency, period_label
from analytics.macro.options import check_value
from analytics.macro.presentation import formatter, short_name
from analytics.macro.series import MacroSeries, lookup
from analytics.macro.store import FredStore
from analytics.macro.transforms import apply_transform

_DIRECTIONS = ("up", "down")
MAX_YEARS = 100


def _spec(params: Params) -> MacroSeries:
    return lookup(params["series"])


def _frequency(spec: MacroSeries, series: pd.Series) -> str:
    return spec.frequency if spec.frequency not in ("", "unknown") else infer_frequency(series)


def readings(data: MarketData, spec: MacroSeries, as_of: dt.date | None) -> pd.Series:
    """The series as /macro shows it (transformed), observations dated on or before `as_of`."""
    raw = FredStore(data.cache.db, cache=data.cache).observations(spec.id)
    if raw.empty:
        raise NoData(
            f"Nothing is stored for {spec.id}: the alert is checked once FRED has answered "
            f"(or import it with `marketbot import fred FILE`)."
        )
    shown = apply_transform(raw, spec.transform, _frequency(spec, raw))
    if as_of is not None:
        shown = shown[shown.index <= pd.Timestamp(as_of)]
    if shown.empty:
        raise NoData(f"{spec.id} has no readings on or before {as_of}.")
    return shown


def extreme_in_years(
    history: pd.Series,
    value: float,
    day: dt.date,
    years: int,
    direction: str,
    exclude: tuple[tuple[dt.date, dt.date], ...] = (),
) -> tuple[bool, dt.date | None]:
    """(holds, since): whether `value` on `day` is the highest (direction up) or lowest (down)
    of `history` in at least `years` years before `day`, and the date of the last earlier
    observation at least as high (low), None when there is none.

    Holds when no observation in [day - years, day) is at least as high (low) and the history
    compared reaches back to day - years (a shorter history cannot say "in 10 years").
    """
    context = history_context(
        history, value, day, direction=HIGH if direction == "up" else LOW, exclude=exclude
    )
    since = context.episodes[0].last.date if context.episodes else None
    horizon = (pd.Timestamp(day) - pd.DateOffset(years=years)).date()
    covered = context.history_start <= horizon
    return covered and (since is None or since < horizon), since


class MacroKind(Kind):
    name = "macro"
    takes = ("series", "value", "years", "direction")

    def parse(self, values: Mapping[str, Any]) -> dict[str, Any]:
        spec = lookup(need(values, "series", "macro", "series:gdpnow value:5"))
        value, years = given(values, "value"), given(values, "years")
        if (value is None) == (years is None):
            raise BadInput(
                "A macro alert needs value (a reading above or below it, e.g. value:5) or years "
                "(its highest or lowest in that many years, e.g. years:10), not both."
            )
        direction = given(values, "direction") or "up"
        if direction not in _DIRECTIONS:
            raise BadInput(
                "A macro alert's direction is up (above the value, or the highest) or down "
                "(below it, or the lowest)."
            )
        if years is not None and not 1 <= int(years) <= MAX_YEARS:
            raise BadInput(f"years {years} is out of range; give 1 to {MAX_YEARS}.")
        return {
            "series": spec.id,
            "value": None if value is None else check_value(float(value)),
            "years": None if years is None else int(years),
            "direction": direction,
        }

    def describe(self, params: Params) -> str:
        spec = _spec(params)
        name = short_name(spec)
        if params.get("value") is not None:
            side = "above" if params["direction"] == "up" else "below"
            return f"{name} reads {side} {formatter(spec)(float(params['value']))}"
        word = spec.wording.superlative(HIGH if params["direction"] == "up" else LOW)
        return f"{name} at its {word} in at least {params['years']} years"

    def series(self, params: Params) -> tuple[str, ...]:
        spec = _spec(params)
        ids = [spec.id]
        if params.get("years") is not None and spec.context_id != spec.id:
            ids.append(spec.context_id)
        return tuple(ids)

    def _history(self, data: MarketData, spec: MacroSeries, shown: pd.Series) -> pd.Series:
        if spec.context_id == spec.id:
            return shown
        history = FredStore(data.cache.db, cache=data.cache).observations(spec.context_id)
        if history.empty:
            raise NoData(f"Nothing is stored for {spec.context_id}, the history of {spec.id}.")
        return apply_transform(history, "none", "unknown")

    def _holds(
        self, params: Params, spec: MacroSeries, history: pd.Series | None, at: pd.Series, i: int
    ) -> tuple[bool, dt.date | None]:
        value, day = float(at.iloc[i]), at.index[i].date()
        if params.get("value") is not None:
            threshold = float(params["value"])
            above = value > threshold if params["direction"] == "up" else value < threshold
            return above, None
        assert history is not None
        try:
            return extreme_in_years(
                history,
                value,
                day,
                int(params["years"]),
                params["direction"],
                spec.default_exclusions,
            )
        except NoData:  # no history before this reading to compare with
            return False, None

    def evaluate(self, data: MarketData, params: Params, as_of: dt.date | None) -> Evaluation:
        spec = _spec(params)
        shown = readings(data, spec, as_of)
        history = None if params.get("value") is not None else self._history(data, spec, shown)
        holds, since = self._holds(params, spec, history, shown, -1)
        held = len(shown) >= 2 and self._holds(params, spec, history, shown, -2)[0]
        fmt = formatter(spec)
        frequency = _frequency(spec, shown)
        day, value = shown.index[-1].date(), float(shown.iloc[-1])
        state = f"{short_name(spec)} {fmt(value)} ({period_label(day, frequency)})"
        if params.get("years") is not None:
            word = "higher" if params["direction"] == "up" else "lower"
            state += f"; last {word} or equal: {since}" if since else f"; never {word} in the data"
        return Evaluation(
            holds=holds,
            held_before=held,
            on=day,
            state=state,
            values={"value": value, "date": day, "since": since},
        )

    def _command(self, params: Params, on: dt.date) -> dict[str, str]:
        """The /macro options that show the reading the alert fired on: the reading and its
        context, asked in the alert's direction for a years alert."""
        values = {"series": params["series"], "as_of": on.isoformat()}
        if params.get("years") is not None:
            values["direction"] = "high" if params["direction"] == "up" else "low"
        return values

    def answer(self, data: MarketData, params: Params, evaluation: Evaluation) -> Answer:
        return command_answer("macro", self._command(params, evaluation.on), data)

    def reproduce(self, params: Params, on: dt.date) -> Reproduce:
        values = self._command(params, on)
        flags = "".join(f" --{k.replace('_', '-')} {v}" for k, v in values.items() if k != "series")
        options = " ".join(f"{k}:{v}" for k, v in values.items())
        return Reproduce(
            cli=f"marketbot macro {values['series']}{flags}", slash=f"/macro {options}"
        )


MACRO = MacroKind()
