"""Is a 200 from Yahoo's chart endpoint a well-formed chart? (yfinance cannot tell us.)

yfinance turns most broken replies into an empty frame and a log line: garbage, `"result": []`,
a missing `timestamp` or `indicators`, arrays of different lengths (a truncated body that still
parses), an error object inside a 200. An empty frame reads as "no sessions in the range", and
that marks the range as checked for good. So the provider looks at each body itself: only a
chart that says "no data" in Yahoo's own shape may count as empty.

Yahoo's two well-formed shapes (see the recorded fixtures in ../shared/data/yahoo_fixtures):
- with bars: `{"chart": {"result": [{"meta": {...}, "timestamp": [t0, ...], "indicators":
  {"quote": [{"open": [...], "high": [...], "low": [...], "close": [...], "volume": [...]}],
  "adjclose": [{"adjclose": [...]}]}}], "error": null}}`, every array as long as `timestamp`;
- no sessions in the range: the same with no `timestamp` and `"quote": [{}]`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

QUOTE_KEYS = ("open", "high", "low", "close", "volume")

BARS, EMPTY, MALFORMED = "bars", "empty", "malformed"


@dataclass(frozen=True)
class ChartShape:
    """kind: BARS (rows > 0), EMPTY (Yahoo's "no data in this range") or MALFORMED (problem)."""

    kind: str
    rows: int = 0
    problem: str = ""


def _malformed(problem: str) -> ChartShape:
    return ChartShape(MALFORMED, problem=problem)


def chart_shape(text: str) -> ChartShape:
    """Classify the body of a 200 chart answer. Never raises: any doubt is MALFORMED."""
    try:
        data = json.loads(text)
    except ValueError:
        return _malformed(f"not JSON: {text.strip()[:60]!r}")
    chart = data.get("chart") if isinstance(data, dict) else None
    if not isinstance(chart, dict):
        return _malformed("no chart object")
    error = chart.get("error")
    if error:
        description = error.get("description") if isinstance(error, dict) else error
        return _malformed(f"an error in a 200 answer: {str(description)[:80]}")
    result = chart.get("result")
    if not isinstance(result, list) or not result:
        return _malformed("result is empty" if result == [] else "no result list")
    if len(result) != 1 or not isinstance(result[0], dict):
        return _malformed(f"result holds {len(result)} items, not one chart")
    return _one_chart(result[0])


def _one_chart(item: dict[str, Any]) -> ChartShape:
    if not isinstance(item.get("meta"), dict):
        return _malformed("no meta")
    indicators = item.get("indicators")
    if not isinstance(indicators, dict):
        return _malformed("no indicators")
    quotes = indicators.get("quote")
    if not isinstance(quotes, list) or not quotes or not isinstance(quotes[0], dict):
        return _malformed("no indicators.quote")
    quote = quotes[0]
    adjclose = _adjclose(indicators)
    stamps = item.get("timestamp")
    if not stamps:
        if stamps is not None and not isinstance(stamps, list):
            return _malformed("timestamp is not a list")
        if any(quote.get(key) for key in QUOTE_KEYS) or adjclose:
            return _malformed("prices without timestamps")
        return ChartShape(EMPTY)
    if not isinstance(stamps, list) or not all(_is_number(t) for t in stamps):
        return _malformed("timestamp is not a list of numbers")
    if any(b <= a for a, b in zip(stamps, stamps[1:], strict=False)):
        return _malformed("timestamps out of order")
    n = len(stamps)
    for key in QUOTE_KEYS:
        values = quote.get(key)
        if not isinstance(values, list):
            return _malformed(f"no {key} values")
        if len(values) != n:
            return _malformed(f"{n} timestamps but {len(values)} {key} values (truncated?)")
    if adjclose is not None and not isinstance(adjclose, list):
        return _malformed("adjclose is not a list")
    if adjclose is not None and len(adjclose) != n:
        return _malformed(f"{n} timestamps but {len(adjclose)} adjclose values (truncated?)")
    return ChartShape(BARS, rows=n)


def _adjclose(indicators: dict[str, Any]) -> Any:
    """indicators.adjclose[0].adjclose, None when absent (Yahoo omits it on empty ranges)."""
    block = indicators.get("adjclose")
    if isinstance(block, list) and block and isinstance(block[0], dict):
        return block[0].get("adjclose")
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
