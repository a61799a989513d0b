"""Yahoo's multi-symbol endpoints on a FakeYahoo: v7 quote (cookie + crumb) and v7/v8 spark.

    with FakeYahoo() as fake:
        multi = install_multi_symbol(fake)
        fake.add_symbol("SPY", bars)          # quote and spark answer from the same chart body
        multi.fail_crumb()                    # getcrumb fails, so quote answers 401 Invalid Crumb

Both are served from the chart bodies the fake already holds (`FakeYahoo.add_symbol`), so a
quote's latest session, a spark's closes and a chart request always agree:

- quote (`/v7/finance/quote?symbols=A,B&crumb=...`): `quoteResponse.result[]`, one object per
  known symbol in the order asked, with the fields yfinance's scrapers/quote.py reads
  (regularMarketOpen / DayHigh / DayLow / Price / Volume / PreviousClose / Time, the exchange's
  timezone). Unknown symbols are left out, as Yahoo does (`reject_unknown_quotes` answers 400
  instead). Without the crumb the fake's getcrumb hands out: 401 "Invalid Crumb".
- spark (`/v7/finance/spark` and `/v8/finance/spark`, `symbols=...&range=1mo&interval=1d`): closes
  and timestamps only. v7 answers `{"spark": {"result": [{"symbol", "response": [chart-like]}],
  "error": null}}`, v8 an object keyed by symbol with `timestamp` and `close`. More than
  `spark_max_symbols` symbols, or one symbol the fake does not know, fails the whole batch with
  400, as reported of Yahoo.

Knobs: `fail_crumb()` / `heal_crumb()`; `endpoint_status[path] = 404` answers every request of
that path with the status; `spark_shapes[path] = "changed"` serves a body in neither public
shape; `quote_shape = "changed"` likewise. 429s come from FakeYahoo's own knobs
(`requests_per_second`, `rate_limit_after`), which every path shares.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from tests.fakes.yahoo import FAKE_CRUMB, VALID_RANGES, FakeYahoo, slice_chart

QUOTE_PATH = "/v7/finance/quote"
SPARK_V7 = "/v7/finance/spark"
SPARK_V8 = "/v8/finance/spark"
CRUMB_PATH = "/v1/test/getcrumb"


def finance_error(code: str, description: str) -> dict[str, Any]:
    """The error envelope of Yahoo's v7 finance endpoints."""
    return {"finance": {"result": None, "error": {"code": code, "description": description}}}


class MultiSymbolRoutes:
    """The quote and spark routes of one FakeYahoo (added to `fake.routes` by install)."""

    def __init__(self, fake: FakeYahoo) -> None:
        self.fake = fake
        self.spark_max_symbols = 20
        self.reject_unknown_quotes = False
        self.crumb_fails = False
        self.endpoint_status: dict[str, int] = {}
        self.spark_shapes: dict[str, str] = {SPARK_V7: "v7", SPARK_V8: "v8"}
        self.quote_shape = "ok"

    # -- knobs -----------------------------------------------------------------------------------

    def fail_crumb(self) -> None:
        """getcrumb answers 403 with an HTML page (yfinance then has no crumb)."""
        self.crumb_fails = True

    def heal_crumb(self) -> None:
        self.crumb_fails = False

    # -- what was asked --------------------------------------------------------------------------

    def asked(self, path: str) -> list[list[str]]:
        """The symbols of every request of `path` so far, one list per request."""
        with self.fake._lock:
            logged = list(self.fake.requests)
        return [q.get("symbols", "").split(",") for p, q in logged if p == path]

    # -- the route -------------------------------------------------------------------------------

    def __call__(self, fake: FakeYahoo, handler: Any, path: str, query: dict[str, str]) -> bool:
        if path in self.endpoint_status:
            status = self.endpoint_status[path]
            fake._send_json(handler, status, finance_error("Error", f"fake status {status}"))
            return True
        if path == CRUMB_PATH and self.crumb_fails:
            fake._send_text(handler, 403, "<html><body>Forbidden</body></html>")
            return True
        if path == QUOTE_PATH:
            self._quote(handler, query)
            return True
        if path in (SPARK_V7, SPARK_V8):
            self._spark(handler, path, query)
            return True
        return False

    def _bodies(self, symbols: Sequence[str]) -> dict[str, dict[str, Any]]:
        with self.fake._lock:
            return {s: self.fake._charts[s] for s in symbols if s in self.fake._charts}

    def _quote(self, handler: Any, query: dict[str, str]) -> None:
        fake = self.fake
        if self.crumb_fails or query.get("crumb") != FAKE_CRUMB:
            fake._send_json(handler, 401, finance_error("Unauthorized", "Invalid Crumb"))
            return
        symbols = [s.strip().upper() for s in query.get("symbols", "").split(",") if s.strip()]
        bodies = self._bodies(symbols)
        unknown = [s for s in symbols if s not in bodies]
        if unknown and self.reject_unknown_quotes:
            description = f"Invalid symbols: {','.join(unknown)}"
            fake._send_json(handler, 400, finance_error("Bad Request", description))
            return
        result = [q for q in (quote_of(bodies[s]) for s in symbols if s in bodies) if q]
        if self.quote_shape == "changed":
            body: dict[str, Any] = {"quotes": {q["symbol"]: q for q in result}}
        else:
            body = {"quoteResponse": {"result": result, "error": None}}
        fake._send_json(handler, 200, body)

    def _spark(self, handler: Any, path: str, query: dict[str, str]) -> None:
        fake = self.fake
        symbols = [s.strip().upper() for s in query.get("symbols", "").split(",") if s.strip()]
        rng = query.get("range", "1d")
        error = None
        if query.get("interval", "1d") != "1d" or rng not in VALID_RANGES:
            error = f"Invalid input - interval or range: {query}"
        elif not symbols or len(symbols) > self.spark_max_symbols:
            error = f"Invalid input - {len(symbols)} symbols, at most {self.spark_max_symbols}"
        bodies = self._bodies(symbols)
        unknown = [s for s in symbols if s not in bodies]
        if error is None and unknown:
            error = f"Invalid symbols: {','.join(unknown)}"
        if error is not None:
            envelope = {
                "spark": {"result": None, "error": {"code": "Bad Request", "description": error}}
            }
            fake._send_json(handler, 400, envelope)
            return
        charts = {s: slice_chart(bodies[s], {"range": rng, "interval": "1d"}) for s in symbols}
        shape = self.spark_shapes.get(path, "v7")
        fake._send_json(handler, 200, spark_body(charts, shape))


def install_multi_symbol(fake: FakeYahoo) -> MultiSymbolRoutes:
    """Add the quote and spark routes to `fake`; returns their knobs."""
    routes = MultiSymbolRoutes(fake)
    fake.routes.append(routes)
    return routes


def quote_of(body: dict[str, Any]) -> dict[str, Any] | None:
    """The v7 quote object of a chart body's last session (None when it has no bars)."""
    result = body["chart"]["result"][0]
    stamps = result.get("timestamp") or []
    if not stamps:
        return None
    meta = result["meta"]
    quote = result["indicators"]["quote"][0]
    previous = quote["close"][-2] if len(stamps) > 1 else meta.get("chartPreviousClose")
    close = quote["close"][-1]
    change = close - previous if close is not None and previous else None
    return {
        "language": "en-US",
        "region": "US",
        "quoteType": meta.get("instrumentType", "EQUITY"),
        "currency": meta.get("currency", "USD"),
        "marketState": "POST",
        "exchange": meta.get("exchangeName"),
        "shortName": meta.get("shortName"),
        "longName": meta.get("longName"),
        "exchangeTimezoneName": meta.get("exchangeTimezoneName"),
        "exchangeTimezoneShortName": meta.get("timezone"),
        "gmtOffSetMilliseconds": int(meta.get("gmtoffset", 0)) * 1000,
        "priceHint": 2,
        "regularMarketTime": stamps[-1] + 23400,  # 16:00, the close (stamps are the open)
        "regularMarketOpen": quote["open"][-1],
        "regularMarketDayHigh": quote["high"][-1],
        "regularMarketDayLow": quote["low"][-1],
        "regularMarketPrice": close,
        "regularMarketVolume": quote["volume"][-1],
        "regularMarketPreviousClose": previous,
        "regularMarketChange": change,
        "regularMarketChangePercent": change / previous * 100 if change is not None else None,
        "tradeable": False,
        "triggerable": True,
        "symbol": meta["symbol"],
    }


def spark_body(charts: dict[str, dict[str, Any]], shape: str) -> dict[str, Any]:
    """A spark answer for sliced chart bodies: "v7", "v8", or "changed" (neither shape)."""
    if shape == "v8":
        out: dict[str, Any] = {}
        for symbol, chart in charts.items():
            result = chart["chart"]["result"][0]
            out[symbol] = {
                "symbol": symbol,
                "previousClose": None,
                "chartPreviousClose": result["meta"].get("chartPreviousClose"),
                "timestamp": result.get("timestamp"),
                "close": result["indicators"]["quote"][0].get("close"),
                "end": None,
                "start": None,
                "dataGranularity": 86400,
            }
        return out
    if shape == "changed":
        return {
            "spark": {
                "result": [
                    {"symbol": s, "closes": c["chart"]["result"][0]["indicators"]["quote"][0]}
                    for s, c in charts.items()
                ],
                "error": None,
            }
        }
    items = []
    for symbol, chart in charts.items():
        result = copy.deepcopy(chart["chart"]["result"][0])
        closes = result["indicators"]["quote"][0].get("close")
        result["indicators"] = {"quote": [{"close": closes} if closes is not None else {}]}
        result.pop("events", None)
        items.append({"symbol": symbol, "response": [result]})
    return {"spark": {"result": items, "error": None}}
