"""Reading Yahoo's v7 quote answer (`/v7/finance/quote?symbols=A,B,...`) strictly.

The shape (yfinance's scrapers/quote.py reads the same, `formatted=false`):
`{"quoteResponse": {"result": [{"symbol": "A", "regularMarketTime": 1717012800,
"regularMarketOpen": ..., "regularMarketDayHigh": ..., "regularMarketDayLow": ...,
"regularMarketPrice": ..., "regularMarketVolume": ..., "regularMarketPreviousClose": ...,
"exchangeTimezoneName": "America/New_York", ...}, ...], "error": null}}`. Yahoo leaves
unknown symbols out of `result`.

A body in another shape is a `problem` (the caller stops using the endpoint and asks the chart
API per symbol); a well-shaped entry lacking a field the bar needs is `incomplete` (that one
symbol is asked per symbol). Nothing here guesses: a value that is not a number is missing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analytics.data.provider import LatestBar

PRICE_FIELDS = {
    "open": "regularMarketOpen",
    "high": "regularMarketDayHigh",
    "low": "regularMarketDayLow",
    "close": "regularMarketPrice",
    "previous_close": "regularMarketPreviousClose",
}
TIME_FIELD = "regularMarketTime"
VOLUME_FIELD = "regularMarketVolume"
ZONE_FIELD = "exchangeTimezoneName"

FIELDS = ("symbol", TIME_FIELD, VOLUME_FIELD, ZONE_FIELD, *PRICE_FIELDS.values())
"""What the request asks for (`fields=`): Yahoo then sends little else."""


@dataclass
class QuoteParse:
    values: dict[str, LatestBar] = field(default_factory=dict)
    incomplete: dict[str, str] = field(default_factory=dict)  # symbol -> what is missing
    problem: str = ""  # the body is not Yahoo's quote shape


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if value == value and abs(value) != float("inf") else None


def parse_quote(text: str, asked: Sequence[str]) -> QuoteParse:
    """The latest bars in a quote answer for the symbols `asked`. Never raises."""
    out = QuoteParse()
    try:
        data = json.loads(text)
    except ValueError:
        out.problem = f"not JSON: {text.strip()[:60]!r}"
        return out
    response = data.get("quoteResponse") if isinstance(data, dict) else None
    if not isinstance(response, dict):
        out.problem = "no quoteResponse object"
        return out
    if response.get("error"):
        out.problem = f"an error in a 200 answer: {str(response['error'])[:80]}"
        return out
    result = response.get("result")
    if not isinstance(result, list):
        out.problem = "quoteResponse.result is not a list"
        return out
    wanted = {s.upper() for s in asked}
    seen: set[str] = set()
    for item in result:
        symbol = item.get("symbol") if isinstance(item, dict) else None
        if not isinstance(symbol, str) or symbol.upper() not in wanted:
            out.problem = f"an entry for {symbol!r}, which was not asked"
            return out
        symbol = symbol.upper()
        if symbol in seen:
            out.problem = f"two entries for {symbol}"
            return out
        seen.add(symbol)
        bar, missing = _latest_bar(item)
        if bar is None:
            out.incomplete[symbol] = missing
        else:
            out.values[symbol] = bar
    return out


def _latest_bar(item: dict[str, Any]) -> tuple[LatestBar | None, str]:
    prices = {name: _number(item.get(key)) for name, key in PRICE_FIELDS.items()}
    lacking = [PRICE_FIELDS[name] for name, value in prices.items() if value is None]
    volume = _number(item.get(VOLUME_FIELD))
    stamp = item.get(TIME_FIELD)
    zone = item.get(ZONE_FIELD)
    if volume is None:
        lacking.append(VOLUME_FIELD)
    if isinstance(stamp, bool) or not isinstance(stamp, int):
        lacking.append(TIME_FIELD)
    if not isinstance(zone, str) or not zone:
        lacking.append(ZONE_FIELD)
    if lacking:
        return None, "no " + ", ".join(lacking)
    try:
        session = pd.Timestamp(stamp, unit="s", tz="UTC").tz_convert(zone).date()
    except Exception:  # an unknown timezone name
        return None, f"an unknown timezone {zone!r}"
    return (
        LatestBar(
            session=session,
            open=prices["open"],  # type: ignore[arg-type]
            high=prices["high"],  # type: ignore[arg-type]
            low=prices["low"],  # type: ignore[arg-type]
            close=prices["close"],  # type: ignore[arg-type]
            volume=volume,  # type: ignore[arg-type]
            previous_close=prices["previous_close"],  # type: ignore[arg-type]
        ),
        "",
    )
