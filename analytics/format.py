"""Formatting raw answer values for people: one place for every unit, used by every renderer.

Answer tables hold raw values (fractions, basis points, prices, dates) with a unit per column;
the embed, the terminal panel and the digest format them here, and JSON keeps them raw.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal

Unit = Literal["text", "date", "pct", "pp", "bp", "weight", "price", "number", "count", "volume"]
"""pct: a fraction shown as a signed percent (0.0734 -> +7.34%); weight: a fraction shown unsigned
(0.0094 -> 0.94%, small weights with a third decimal); pp: percentage points (1.6 -> +1.60 pp);
bp: basis points (+12.3); price: 1,234.56; number: 1.23; count: 1,234; volume: 1,234,567."""

UNITS: tuple[str, ...] = Unit.__args__  # type: ignore[attr-defined]

_DEFAULT_DIGITS = {"pct": 2, "pp": 2, "bp": 1, "weight": 2, "price": 2, "number": 2}


def format_value(value: Any, unit: Unit = "text", digits: int | None = None) -> str:
    """`value` in `unit` as text; None and NaN are shown as an empty cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if unit == "text":
        return str(value)
    if unit == "date":
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    places = _DEFAULT_DIGITS.get(unit, 0) if digits is None else digits
    number = float(value)
    if unit == "pct":
        return f"{number * 100:+.{places}f}%"
    if unit == "weight":
        if digits is None and 0 < abs(number) < 0.001:
            places = 3
        return f"{number * 100:.{places}f}%"
    if unit == "pp":
        return f"{number:+.{places}f} pp"
    if unit == "bp":
        return f"{number:+,.{places}f}"
    if unit in ("price", "number"):
        return f"{number:,.{places}f}"
    if unit in ("count", "volume"):
        return f"{number:,.0f}"
    raise ValueError(f"unknown unit {unit!r}")
