"""Reading Yahoo's spark answer (closes of many symbols at once) strictly, in either public shape.

No recorded spark body is available here; public client code parses two shapes:
- v7 (`/v7/finance/spark`): `{"spark": {"result": [{"symbol": "A", "response": [{"meta":
  {...}, "timestamp": [...], "indicators": {"quote": [{"close": [...]}]}}]}], "error": null}}`,
  each response a chart-like object;
- v8 (`/v8/finance/spark`): `{"A": {"symbol": "A", "timestamp": [...], "close": [...],
  "chartPreviousClose": ..., ...}, "B": {...}}`, an object keyed by symbol.

Anything else is a `problem`: the caller stops using spark and asks the chart API per symbol,
so a shape that differs in production degrades to the slow path, never to wrong closes. A
symbol asked for but absent, or without timestamps, is `incomplete` (asked per symbol). Dates
are the exchange's (v7's meta.exchangeTimezoneName; New York when the shape carries none).
Spark has no adjusted close and no dividends or splits: its closes are split-adjusted prices.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analytics.calendar import EASTERN


@dataclass
class SparkParse:
    values: dict[str, pd.Series] = field(default_factory=dict)  # symbol -> closes by date
    incomplete: dict[str, str] = field(default_factory=dict)
    problem: str = ""


def parse_spark(text: str, asked: Sequence[str]) -> SparkParse:
    """Closes by session date for the symbols `asked`. Never raises."""
    out = SparkParse()
    try:
        data = json.loads(text)
    except ValueError:
        out.problem = f"not JSON: {text.strip()[:60]!r}"
        return out
    if not isinstance(data, dict):
        out.problem = "not a JSON object"
        return out
    wanted = {s.upper(): s for s in asked}
    if "spark" in data:
        entries, problem = _v7_entries(data["spark"])
    else:
        entries, problem = _v8_entries(data)
    if problem:
        out.problem = problem
        return out
    seen: set[str] = set()
    for symbol, stamps, closes, zone in entries:
        key = symbol.upper() if isinstance(symbol, str) else None
        if key is None or key not in wanted:
            out.problem = f"an entry for {symbol!r}, which was not asked"
            return out
        if key in seen:
            out.problem = f"two entries for {key}"
            return out
        seen.add(key)
        series, problem = _series(stamps, closes, zone)
        if problem:
            out.problem = f"{key}: {problem}"
            return out
        if series is None or series.empty:
            out.incomplete[key] = "no closes"
        else:
            out.values[key] = series
    for key in wanted:
        if key not in seen:
            out.incomplete[key] = "left out of the answer"
    return out


Entry = tuple[Any, Any, Any, str]


def _v7_entries(spark: Any) -> tuple[list[Entry], str]:
    if not isinstance(spark, dict):
        return [], "spark is not an object"
    if spark.get("error"):
        return [], f"an error in a 200 answer: {str(spark['error'])[:80]}"
    result = spark.get("result")
    if not isinstance(result, list):
        return [], "spark.result is not a list"
    entries: list[Entry] = []
    for item in result:
        if not isinstance(item, dict) or not isinstance(item.get("response"), list):
            return [], "a spark.result item without a response list"
        response = item["response"]
        if len(response) != 1 or not isinstance(response[0], dict):
            return [], f"a response of {len(response)} items, not one chart"
        chart = response[0]
        indicators = chart.get("indicators")
        quotes = indicators.get("quote") if isinstance(indicators, dict) else None
        if not isinstance(quotes, list) or len(quotes) != 1 or not isinstance(quotes[0], dict):
            return [], "a response without indicators.quote"
        meta = chart.get("meta")
        zone = meta.get("exchangeTimezoneName") if isinstance(meta, dict) else None
        stamps = chart.get("timestamp")
        closes = quotes[0].get("close")
        entries.append((item.get("symbol"), stamps, closes, zone or EASTERN))
    return entries, ""


def _v8_entries(data: dict[str, Any]) -> tuple[list[Entry], str]:
    entries: list[Entry] = []
    for symbol, item in data.items():
        if not isinstance(item, dict) or "close" not in item or "timestamp" not in item:
            return [], f"{str(symbol)[:20]!r} is not a spark object (timestamp and close)"
        if item.get("symbol") not in (None, symbol):
            return [], f"the object under {symbol!r} is for {item.get('symbol')!r}"
        entries.append((symbol, item["timestamp"], item["close"], EASTERN))
    return entries, ""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _series(stamps: Any, closes: Any, zone: str) -> tuple[pd.Series | None, str]:
    """Closes by exchange-local date; (None, "") when the symbol has no data."""
    if stamps is None and closes is None:
        return None, ""
    if not isinstance(stamps, list) or not isinstance(closes, list):
        return None, "timestamp or close is not a list"
    if len(stamps) != len(closes):
        return None, f"{len(stamps)} timestamps but {len(closes)} closes (truncated?)"
    if not all(_is_number(t) for t in stamps):
        return None, "timestamp is not a list of numbers"
    if any(b <= a for a, b in zip(stamps, stamps[1:], strict=False)):
        return None, "timestamps out of order"
    if not all(c is None or _is_number(c) for c in closes):
        return None, "a close that is not a number"
    if not stamps:
        return None, ""
    try:
        tz = _zone(zone)
    except Exception:
        return None, f"an unknown timezone {zone!r}"
    # Plain datetime per stamp: pandas' converters cost milliseconds per symbol, and a cold
    # universe has thousands of them.
    days = [dt.datetime.fromtimestamp(t, tz).date() for t in stamps]
    kept: dict[dt.date, float] = {}
    for day, close in zip(days, closes, strict=True):
        if close is not None and close > 0:
            kept[day] = float(close)  # the newest point may be a live price: the last one stands
    if not kept:
        return None, ""
    index = pd.DatetimeIndex(np.array(list(kept), dtype="datetime64[ns]"), name="date")
    return pd.Series(list(kept.values()), index=index, dtype="float64"), ""


@functools.lru_cache(maxsize=16)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)
