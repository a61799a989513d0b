"""Cheap validation of /streak, /compare and /price options (no data is read).

One set of defaults for both front ends: `/streak a:SPY` and `marketbot streak SPY` both mean
SPY against IWM (an omitted B is SPY, or IWM when A is SPY); a B given with a single-ticker
kind is refused rather than silently dropped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from analytics.commands.common import check_as_of, parse_date
from analytics.commands.streaks import (
    DEFAULT_A,
    DEFAULT_B,
    DEFAULT_COMPARE_WINDOW,
    DEFAULT_PRICE_WINDOW,
    DEFAULT_TICKERS,
)
from analytics.errors import BadInput
from analytics.spec import ParseContext
from analytics.streaks import parse_streak_kind
from analytics.symbols import normalize_symbol, parse_symbol_list
from analytics.windows import Window, parse_window

MIN_TICKERS, MAX_TICKERS = 2, 10
SINGLE_TICKER_KINDS = ("up", "down", "record-high", "record-close")


@dataclass(frozen=True)
class StreakRequest:
    """a: the ticker; b: the one it is measured against (None for single-ticker kinds)."""

    a: str = DEFAULT_A
    b: str | None = DEFAULT_B
    kind: str = "beat"
    as_of: dt.date | None = None

    @property
    def tickers(self) -> tuple[str, ...]:
        return (self.a,) if self.b is None else (self.a, self.b)


@dataclass(frozen=True)
class CompareRequest:
    """2-10 distinct symbols and a parsed window ending at the session on or before `as_of`."""

    tickers: tuple[str, ...]
    window: Window
    as_of: dt.date | None = None


@dataclass(frozen=True)
class PriceRequest:
    """One symbol and the window of bars to show, ending at the session on or before `as_of`."""

    ticker: str
    window: Window
    as_of: dt.date | None = None


def _as_of(values: dict[str, Any], ctx: ParseContext) -> dt.date | None:
    as_of = parse_date(values.get("as_of"), name="as_of")
    if ctx.today is not None:
        check_as_of(as_of, ctx.today)
    return as_of


def default_b(a: str) -> str:
    """The ticker an omitted B means: SPY, or IWM when A is SPY (never A itself)."""
    return DEFAULT_A if a == DEFAULT_B else DEFAULT_B


def parse_streak(values: dict[str, Any], ctx: ParseContext) -> StreakRequest:
    """Kind (default beat), A (default IWM), B (default `default_b(A)` for beat; refused for a
    single-ticker kind) and as_of (a past date or none). Raises BadInput."""
    a = normalize_symbol(values.get("a") or DEFAULT_A)
    kind = parse_streak_kind(values.get("kind") or "beat")
    typed_b = (values.get("b") or "").strip()
    if kind in SINGLE_TICKER_KINDS:
        if typed_b:
            raise BadInput(
                f"Kind {kind} looks at one ticker: drop {typed_b[:20]}, or use kind beat."
            )
        return StreakRequest(a, None, kind, _as_of(values, ctx))
    b = normalize_symbol(typed_b) if typed_b else default_b(a)
    if b == a:
        raise BadInput(
            f"{a} is given twice; a beat streak compares two different tickers "
            f"(e.g. {DEFAULT_A} {DEFAULT_B})."
        )
    return StreakRequest(a, b, kind, _as_of(values, ctx))


def parse_compare(values: dict[str, Any], ctx: ParseContext) -> CompareRequest:
    """2-10 distinct symbols (spaces or commas between them), a window and as_of."""
    symbols = parse_symbol_list(
        values.get("tickers") or DEFAULT_TICKERS, minimum=MIN_TICKERS, maximum=MAX_TICKERS
    )
    window = parse_window(values.get("window") or DEFAULT_COMPARE_WINDOW)
    return CompareRequest(tuple(symbols), window, _as_of(values, ctx))


def parse_price(values: dict[str, Any], ctx: ParseContext) -> PriceRequest:
    """A symbol, a window (default 1y) and as_of."""
    ticker = normalize_symbol(values["ticker"])
    window = parse_window(values.get("window") or DEFAULT_PRICE_WINDOW)
    return PriceRequest(ticker, window, _as_of(values, ctx))
