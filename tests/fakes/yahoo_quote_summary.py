"""quoteSummary's `earningsTrend` module on the fake Yahoo (tests/fakes/yahoo.py), in the shape
the installed yfinance parses (yfinance/scrapers/analysis.py: `trend[i][section][key]["raw"]`).

    with FakeYahoo() as fake:
        trends = install(fake)
        trends.plant("AAA", {"0q": Planted(up_30d=3, down_30d=1, current=1.10, d30=1.00)})
        trends.plant_no_analysts("BBB")

The body copies a recorded answer (node-yahoo-finance2's quoteSummary-earningsTrend-AAPL
fixture): per period `maxAge`, `period`, `endDate`, `growth`, `earningsEstimate`,
`revenueEstimate`, `epsTrend` (current, 7daysAgo ... 90daysAgo, epsTrendCurrency) and
`epsRevisions` (upLast7days, upLast30days, downLast30days, downLast7Days with Yahoo's capital
D, downLast90days as `{}`), values as `{"raw": x, "fmt": "..."}`, missing ones as `{}`; then
the +5y and -5y growth rows. Yahoo checks the crumb: a request without the fake's crumb gets
401 "Invalid Crumb". A symbol not planted gets Yahoo's 404 "Quote not found" (the fake's own
fallback). `fail(symbol, status)` answers one symbol with an error, `throttle(n)` the next n
requests with 429.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tests.fakes.yahoo import FAKE_CRUMB, FakeYahoo

PATH = "/v10/finance/quoteSummary/"
PERIOD_ENDS = {
    "0q": dt.date(2024, 9, 30),
    "+1q": dt.date(2024, 12, 31),
    "0y": dt.date(2024, 12, 31),
    "+1y": dt.date(2025, 12, 31),
}


@dataclass(frozen=True)
class Planted:
    """One period's planted values (None: Yahoo sends `{}`)."""

    up_7d: int | None = 0
    up_30d: int | None = 0
    down_7d: int | None = 0
    down_30d: int | None = 0
    current: float | None = 1.0
    d7: float | None = 1.0
    d30: float | None = 1.0
    d60: float | None = 1.0
    d90: float | None = 1.0
    analysts: int | None = 5


def _value(x: float | int | None) -> dict[str, Any]:
    if x is None:
        return {}
    if isinstance(x, int):
        return {"raw": x, "fmt": str(x) if x else None, "longFmt": str(x)}
    return {"raw": x, "fmt": f"{x:.2f}"}


def trend_item(period: str, planted: Planted | None, currency: str = "USD") -> dict[str, Any]:
    """One period of `trend`; `planted=None` is a period no analyst covers (every value `{}`)."""
    p = planted or Planted(*([None] * 10))
    return {
        "maxAge": 1,
        "period": period,
        "endDate": PERIOD_ENDS[period].isoformat(),
        "growth": {} if planted is None else {"raw": 0.05, "fmt": "5.00%"},
        "earningsEstimate": {
            "avg": _value(p.current),
            "low": _value(None if p.current is None else p.current * 0.9),
            "high": _value(None if p.current is None else p.current * 1.1),
            "yearAgoEps": {},
            "numberOfAnalysts": _value(p.analysts),
            "growth": {},
            "earningsCurrency": currency,
        },
        "revenueEstimate": {"avg": {}, "numberOfAnalysts": {}, "revenueCurrency": currency},
        "epsTrend": {
            "current": _value(p.current),
            "7daysAgo": _value(p.d7),
            "30daysAgo": _value(p.d30),
            "60daysAgo": _value(p.d60),
            "90daysAgo": _value(p.d90),
            "epsTrendCurrency": currency,
        },
        "epsRevisions": {
            "upLast7days": _value(p.up_7d),
            "upLast30days": _value(p.up_30d),
            "downLast30days": _value(p.down_30d),
            "downLast7Days": _value(p.down_7d),
            "downLast90days": {},
            "epsRevisionsCurrency": currency,
        },
    }


def _growth_row(period: str) -> dict[str, Any]:
    return {
        "maxAge": 1,
        "period": period,
        "endDate": None,
        "growth": {"raw": 0.1, "fmt": "10.00%"},
        "earningsEstimate": {"avg": {}, "numberOfAnalysts": {}},
        "revenueEstimate": {"avg": {}, "numberOfAnalysts": {}},
        "epsTrend": {},
        "epsRevisions": {},
    }


def earnings_trend_body(trend: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "quoteSummary": {
            "result": [{"earningsTrend": {"trend": trend, "maxAge": 1}}],
            "error": None,
        }
    }


def _error(status: int, code: str, description: str) -> tuple[int, dict[str, Any]]:
    return status, {
        "quoteSummary": {"result": None, "error": {"code": code, "description": description}}
    }


class QuoteSummaryRoutes:
    """The planted trends; `requests` logs (symbol, query) of every quoteSummary request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bodies: dict[str, dict[str, Any]] = {}
        self._errors: dict[str, int] = {}
        self._throttle = 0
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.observers: list[Callable[[str], object]] = []
        """Called with the symbol of every quoteSummary request (e.g. to note the app clock)."""

    def plant(self, symbol: str, periods: Mapping[str, Planted | None]) -> None:
        """Serve these periods (others are absent from `trend`), then the growth rows."""
        trend = [trend_item(p, v) for p, v in periods.items()]
        trend += [_growth_row("+5y"), _growth_row("-5y")]
        with self._lock:
            self._bodies[symbol.upper()] = earnings_trend_body(trend)
            self._errors.pop(symbol.upper(), None)

    def plant_no_analysts(self, symbol: str, *, empty_trend: bool = False) -> None:
        """A name no analyst covers: `trend: []`, or the four periods with every value `{}`."""
        trend = [] if empty_trend else [trend_item(p, None) for p in PERIOD_ENDS]
        with self._lock:
            self._bodies[symbol.upper()] = earnings_trend_body(trend)
            self._errors.pop(symbol.upper(), None)

    def fail(self, symbol: str, status: int | None) -> None:
        """Answer `symbol` with HTTP `status` (500, 429, ...); None to stop."""
        with self._lock:
            if status is None:
                self._errors.pop(symbol.upper(), None)
            else:
                self._errors[symbol.upper()] = status

    def throttle(self, n: int) -> None:
        """Answer the next `n` quoteSummary requests with 429 Too Many Requests."""
        with self._lock:
            self._throttle = n

    def count(self, symbol: str | None = None) -> int:
        with self._lock:
            return sum(1 for s, _ in self.requests if symbol is None or s == symbol.upper())

    def __call__(self, path: str, query: dict[str, str]) -> tuple[int, dict[str, Any]] | None:
        if not path.startswith(PATH):
            return None
        symbol = path[len(PATH) :].upper()
        with self._lock:
            self.requests.append((symbol, dict(query)))
            body = self._bodies.get(symbol)
            status = self._errors.get(symbol)
            if self._throttle > 0:
                self._throttle -= 1
                status = 429
            observers = list(self.observers)
        for observe in observers:
            observe(symbol)
        if query.get("crumb") != FAKE_CRUMB:
            return 401, {
                "finance": {
                    "result": None,
                    "error": {"code": "Unauthorized", "description": "Invalid Crumb"},
                }
            }
        if status is not None:
            return _error(status, "Error", f"fake error {status} for {symbol}")
        if body is None:
            return None  # the fake's own 404 "Quote not found for symbol"
        if "earningsTrend" not in query.get("modules", ""):
            return _error(400, "Bad Request", "only earningsTrend is planted")
        return 200, body


def install(fake: FakeYahoo) -> QuoteSummaryRoutes:
    """Register the earningsTrend routes on a running fake; returns them for planting."""
    routes = QuoteSummaryRoutes()
    fake.add_route(routes)
    return routes
