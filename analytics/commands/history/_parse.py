"""Cheap validation of the `history` options (no data is read)."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any

from analytics.commands.common import check_as_of, parse_date
from analytics.errors import BadInput
from analytics.macro.options import Range, parse_exclusions
from analytics.macro.series import lookup
from analytics.spec import ParseContext
from analytics.streaks import parse_streak_kind
from analytics.symbols import normalize_symbol
from analytics.universes import UniverseSpec
from analytics.windows import WINDOW_HELP, Window, parse_window

DEFAULT_N = 10
SINGLE_KINDS = ("up", "down", "record-high", "record-close")
_WHOLE = re.compile(r"^\d+$")


@dataclass(frozen=True)
class StreakEvent:
    """A streak of at least `n` sessions: `beat` (a beat b) or a one-ticker kind (b None)."""

    kind: str
    a: str
    b: str | None
    n: int
    on: tuple[str, ...]
    as_of: dt.date | None = None


@dataclass(frozen=True)
class MoveEvent:
    """A move of at least `threshold` (a fraction; negative: a fall at least that large) over
    `window`."""

    ticker: str
    threshold: float
    window: Window
    on: tuple[str, ...]
    as_of: dt.date | None = None


@dataclass(frozen=True)
class MacroEvent:
    """A reading of `series` (a FRED id) at or above (`direction` "above") or at or below
    ("below") `value`, in the series' units after its transform. `exclude`: None for the
    series' default exclusions, () for none."""

    series: str
    value: float
    direction: str
    on: tuple[str, ...]
    exclude: tuple[Range, ...] | None = None
    as_of: dt.date | None = None


@dataclass(frozen=True)
class BreadthEvent:
    """The share of `universe`'s names above their 50-day average at or above (`direction`
    "above") or at or below ("below") `threshold` (a fraction)."""

    universe: UniverseSpec
    threshold: float
    direction: str
    on: tuple[str, ...]
    as_of: dt.date | None = None


def parse_on(raw: str | None, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    """'IWM' or 'IWM,SPY' / 'IWM SPY' -> normalized symbols (one, or a pair); `default` when
    empty. BadInput for more than two, a repeated one, or an invalid symbol."""
    tokens = [t for t in re.split(r"[\s,]+", (raw or "").strip()) if t]
    if not tokens:
        return default
    symbols = tuple(normalize_symbol(t) for t in tokens)
    if len(symbols) > 2:
        raise BadInput(
            f"on takes one ticker or a pair (A,B: A minus B), not {len(symbols)}; e.g. on IWM,SPY."
        )
    if len(symbols) == 2 and symbols[0] == symbols[1]:
        raise BadInput(f"on names {symbols[0]} twice; give one ticker or two different ones.")
    return symbols


def _as_of(values: dict[str, Any], ctx: ParseContext) -> dt.date | None:
    as_of = parse_date(values.get("as_of"), name="as_of")
    check_as_of(as_of, ctx.today)
    return as_of


def parse_streak(values: dict[str, Any], ctx: ParseContext) -> StreakEvent:
    """a, b, n, kind (beat with b, up without), on (default a and b, or a) and as_of.

    On the CLI `history streak SPY 5 --kind up` puts 5 where b goes: a whole number given as b
    is N."""
    a = normalize_symbol(values["a"])
    b_text = (values.get("b") or "").strip()
    n = int(values.get("n") or DEFAULT_N)
    if _WHOLE.match(b_text):
        if n != DEFAULT_N:
            raise BadInput(f"N is given twice ({b_text} and {n}); give it once, after the tickers.")
        n, b_text = int(b_text), ""
    if not 1 <= n <= 500:
        raise BadInput(f"N {n} is out of range; give 1 to 500 sessions (default {DEFAULT_N}).")
    kind = parse_streak_kind(values["kind"]) if values.get("kind") else None
    kind = kind or ("beat" if b_text else "up")
    b: str | None = None
    if kind == "beat":
        if not b_text:
            raise BadInput(f"A beat streak compares two tickers: give B too, e.g. {a} SPY {n}.")
        b = normalize_symbol(b_text)
        if b == a:
            raise BadInput(f"{a} is given twice; a beat streak compares two different tickers.")
    elif b_text:
        raise BadInput(
            f"Kind {kind} is about one ticker; leave B out (or measure on it with on {a},"
            f"{normalize_symbol(b_text)})."
        )
    default_on = (a, b) if b else (a,)
    return StreakEvent(kind, a, b, n, parse_on(values.get("on"), default_on), _as_of(values, ctx))


def parse_move(values: dict[str, Any], ctx: ParseContext) -> MoveEvent:
    """ticker, percent (non-zero, above -100), window (a length: Nd, Nw, Nm, Ny, ytd/qtd/mtd),
    on (default the ticker) and as_of."""
    ticker = normalize_symbol(values["ticker"])
    percent = float(values["percent"])
    if not math.isfinite(percent) or percent == 0:
        raise BadInput("percent must be a move such as 10 (a rise of 10%+) or -10 (a fall).")
    if percent <= -100:
        raise BadInput(f"A fall of {abs(percent):g}% is impossible; give a size above -100.")
    window = parse_window(values["window"])
    if window.kind == "range":
        raise BadInput(
            f"A move is measured over a length of time, not the dates {window.label}; "
            "give e.g. 5d, 2w, 1m, 3m or 1y. " + WINDOW_HELP
        )
    on = parse_on(values.get("on"), (ticker,))
    return MoveEvent(ticker, percent / 100.0, window, on, _as_of(values, ctx))


def _exclusions(raw: str | None) -> tuple[Range, ...] | None:
    if raw is None or not str(raw).strip():
        return None
    return parse_exclusions([p for p in re.split(r"[\s,]+", str(raw).strip()) if p])


def parse_macro(values: dict[str, Any], ctx: ParseContext) -> MacroEvent:
    """series (a name or FRED id), value (a finite number), on (required), direction
    (above/below), exclude (as /macro: START:END ranges or none) and as_of."""
    series = lookup(values["series"]).id
    value = float(values["value"])
    if not math.isfinite(value):
        raise BadInput("value must be a number in the series' units, e.g. 5 or 4.5.")
    on = parse_on(values.get("on"))
    if not on:
        raise BadInput(
            "A macro event needs prices to measure: give on, e.g. on IWM or on IWM,SPY (a pair)."
        )
    direction = str(values.get("direction") or "above").strip().lower()
    if direction not in ("above", "below"):
        raise BadInput(f"direction '{direction[:20]}' is neither above nor below.")
    return MacroEvent(
        series, value, direction, on, _exclusions(values.get("exclude")), _as_of(values, ctx)
    )


def parse_breadth(values: dict[str, Any], ctx: ParseContext) -> BreadthEvent:
    """universe (a fund or a named list), percent (strictly between 0 and 100), on (required),
    direction (above/below) and as_of."""
    from analytics.universes import universe_spec

    spec = universe_spec(str(values["universe"]), folder=ctx.lists_folder)
    percent = float(values["percent"])
    if not math.isfinite(percent) or not 0 < percent < 100:
        raise BadInput(
            f"percent {percent:g} is not a share of names; give one between 0 and 100, e.g. 80."
        )
    on = parse_on(values.get("on"))
    if not on:
        raise BadInput(
            "A breadth event needs prices to measure: give on, e.g. on IWM or on IWM,SPY (a pair)."
        )
    direction = str(values.get("direction") or "above").strip().lower()
    if direction not in ("above", "below"):
        raise BadInput(f"direction '{direction[:20]}' is neither above nor below.")
    return BreadthEvent(spec, percent / 100.0, direction, on, _as_of(values, ctx))
