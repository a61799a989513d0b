"""Analysts' EPS estimates and revisions from Yahoo's quoteSummary (module `earningsTrend`).

What yfinance's `Ticker.eps_trend` and `Ticker.eps_revisions` read: one GET of
`/v10/finance/quoteSummary/{SYMBOL}?modules=earningsTrend&formatted=false` per symbol, whose
`trend` lists one item per period (0q current quarter, +1q next quarter, 0y current fiscal year,
+1y next, then +5y/-5y growth rows) with `epsTrend` (the consensus EPS estimate now and 7, 30,
60, 90 days ago) and `epsRevisions` (how many analysts raised or cut it in the last 7 and 30
days), each value a `{"raw": ..., "fmt": ...}` object, `{}` when Yahoo has none.

The request goes through yfinance's own data layer (`YfData.get`: cookie, crumb, the consent
page and its retry with the other cookie strategy) on the price provider's curl_cffi session,
so every HTTP request, the crumb's included, takes a token from the provider's shared rate
limiter (analytics/data/yahoo.py) and the tests' URL rewriting applies. yfinance's own
`Analysis` hides every failure behind an empty frame; here the answer's status is read:

- estimates   200 with a trend: the periods found (a period with no values is left out);
- none        200 with an empty trend, or a trend whose values are all `{}`: no analysts;
- unknown     404 (Yahoo does not know the symbol);
- rate limited 429 (or yfinance's YFRateLimitError): the night stops, the provider backs off;
- failed      anything else (5xx, 401, a body that is not the quoteSummary shape, a timeout).

yfinance keeps one process-wide session, so each request holds the provider's yfinance lock,
one symbol at a time: a price fetch of a command waits for one request, never for a batch.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analytics.data.yahoo import YahooProvider

QUOTE_SUMMARY_PATH = "/v10/finance/quoteSummary/"
QUOTE_SUMMARY_URL = "https://query2.finance.yahoo.com" + QUOTE_SUMMARY_PATH
MODULE = "earningsTrend"

PERIODS: tuple[str, ...] = ("0q", "+1q", "0y", "+1y")
"""The periods stored, as Yahoo names them (yfinance's eps frames keep the same four)."""

_TREND_KEYS = {
    "current": "current",
    "7daysAgo": "d7",
    "30daysAgo": "d30",
    "60daysAgo": "d60",
    "90daysAgo": "d90",
}
# Yahoo capitalises one of the four differently ("downLast7Days"); both spellings are read.
_REVISION_KEYS = {
    "upLast7days": "up_7d",
    "upLast30days": "up_30d",
    "downLast7days": "down_7d",
    "downLast7Days": "down_7d",
    "downLast30days": "down_30d",
}

OUTAGE_IN_A_ROW = 3
"""Failures in a row (unreachable, 5xx) after which a fetch stops: the rest waits for later."""


@dataclass(frozen=True)
class PeriodEstimate:
    """One period's consensus EPS estimate and its revisions, as Yahoo reported them.

    up_7d / up_30d / down_7d / down_30d: analysts who raised / cut the estimate in the last
    7 / 30 days (counts; None when Yahoo sent none). current, d7 ... d90: the consensus EPS
    estimate now and 7, 30, 60, 90 days ago (per share, the listing's currency). analysts:
    how many analysts the estimate averages. period_end: the fiscal period's last day.
    """

    period: str
    up_7d: int | None = None
    up_30d: int | None = None
    down_7d: int | None = None
    down_30d: int | None = None
    current: float | None = None
    d7: float | None = None
    d30: float | None = None
    d60: float | None = None
    d90: float | None = None
    analysts: int | None = None
    period_end: dt.date | None = None

    @property
    def has_estimates(self) -> bool:
        """True when any revision count or estimate is known."""
        values = (self.up_30d, self.down_30d, self.up_7d, self.down_7d, self.current, self.d30)
        return any(v is not None for v in values)


@dataclass
class EstimateFetch:
    """What one fetch brought back.

    estimates: symbol -> its periods with values (an empty tuple: Yahoo has no estimates).
    unknown: symbols Yahoo does not know (404). failed: symbol -> reason.
    not_sent: symbols left for later (a rate limit, an outage, the request budget, a stop).
    requests: HTTP requests sent (cookie and crumb included), counted by the shared limiter.
    """

    estimates: dict[str, tuple[PeriodEstimate, ...]] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    not_sent: list[str] = field(default_factory=list)
    rate_limited: bool = False
    requests: int = 0


class MalformedTrend(ValueError):
    """A 200 whose body is not quoteSummary's earningsTrend shape."""


def parse_earnings_trend(body: Any) -> tuple[PeriodEstimate, ...]:
    """quoteSummary's JSON -> the PERIODS found with any value, in Yahoo's order.

    An empty `trend` (or periods whose values are all `{}`) gives (): no analysts. Raises
    MalformedTrend when the body is not `{"quoteSummary": {"result": [{"earningsTrend":
    {"trend": [...]}}]}}`.
    """
    try:
        result = body["quoteSummary"]["result"]
        trend = result[0][MODULE]["trend"] if result else None
    except (KeyError, IndexError, TypeError):
        raise MalformedTrend("not a quoteSummary earningsTrend answer") from None
    if not isinstance(trend, list):
        raise MalformedTrend("earningsTrend has no trend list")
    found: list[PeriodEstimate] = []
    for item in trend:
        if not isinstance(item, dict) or item.get("period") not in PERIODS:
            continue
        values: dict[str, Any] = {"period": item["period"]}
        for key, name in _TREND_KEYS.items():
            values[name] = _number(_raw(item.get("epsTrend"), key))
        for key, name in _REVISION_KEYS.items():
            count = _count(_raw(item.get("epsRevisions"), key))
            if count is not None:
                values[name] = count
        values["analysts"] = _count(_raw(item.get("earningsEstimate"), "numberOfAnalysts"))
        values["period_end"] = _date(item.get("endDate"))
        estimate = PeriodEstimate(**values)
        if estimate.has_estimates:
            found.append(estimate)
    return tuple(found)


def _raw(section: Any, key: str) -> Any:
    value = section.get(key) if isinstance(section, dict) else None
    if isinstance(value, dict):
        return value.get("raw")
    return value  # formatted=false may also send a bare number


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _count(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None and number >= 0 else None


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


class YahooEstimates:
    """Fetches earningsTrend through a YahooProvider's session, limiter and back-off.

    Blocking: call from a worker thread. `provider` must have a rate limiter (the budget is
    counted on it).
    """

    name = "Yahoo Finance"

    def __init__(self, provider: YahooProvider, *, timeout_seconds: float = 10.0) -> None:
        if provider.limiter is None:
            raise ValueError("estimates need the provider's shared rate limiter")
        self.provider = provider
        self._timeout = timeout_seconds

    def fetch(
        self,
        symbols: Sequence[str],
        *,
        max_requests: int | None = None,
        stop: Callable[[], bool] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> EstimateFetch:
        """Estimates of `symbols`, one request each, in order, until done, a rate limit, an
        outage (OUTAGE_IN_A_ROW failures), `stop()`, or `max_requests` requests sent (a symbol
        is not started when the budget is spent; the rest go to `not_sent`)."""
        symbols = list(dict.fromkeys(symbols))
        result = EstimateFetch()
        failures_in_a_row = 0
        for index, symbol in enumerate(symbols):
            out_of_budget = max_requests is not None and result.requests >= max_requests
            if out_of_budget or (stop is not None and stop()) or self.provider.retry_after() > 0:
                result.rate_limited |= self.provider.retry_after() > 0
                result.not_sent.extend(symbols[index:])
                break
            kind, payload, sent = self._fetch_one(symbol)
            result.requests += sent
            if kind == "estimates":
                result.estimates[symbol] = payload
            elif kind == "unknown":
                result.unknown.append(symbol)
            elif kind == "rate_limited":
                result.rate_limited = True
                result.not_sent.extend(symbols[index:])
                break
            else:
                result.failed[symbol] = payload
            failures_in_a_row = failures_in_a_row + 1 if kind == "failed" else 0
            if progress is not None:
                progress(index + 1, len(symbols))
            if failures_in_a_row >= OUTAGE_IN_A_ROW:
                result.not_sent.extend(symbols[index + 1 :])
                break
        return result

    def _fetch_one(self, symbol: str) -> tuple[str, Any, int]:
        """(kind, payload, requests sent) for one symbol."""
        from yfinance.data import YfData
        from yfinance.exceptions import YFRateLimitError

        from analytics.data import yahoo

        limiter = self.provider.limiter
        assert limiter is not None
        params = {"modules": MODULE, "corsDomain": "finance.yahoo.com", "formatted": "false"}
        params["symbol"] = symbol
        # yfinance's session is process-wide: the provider's lock keeps a price fetch from
        # swapping it mid-request, and makes the limiter's count this request's alone.
        with yahoo._YFINANCE_LOCK:
            session = self.provider._ensure_session()
            before = limiter.acquired
            response = None
            try:
                response = YfData(session=session).get(
                    QUOTE_SUMMARY_URL + symbol, params=params, timeout=self._timeout
                )
            except YFRateLimitError:
                pass
            except Exception as exc:  # unreachable, a timeout: failed, retried another night
                sent = limiter.acquired - before
                return "failed", f"Yahoo unreachable ({type(exc).__name__})"[:200], sent
            sent = limiter.acquired - before
            status = 429 if response is None else int(response.status_code)
            if status == 429:
                wait = yahoo._retry_after_seconds(response) if response is not None else None
                self.provider._start_cooldown(wait)
                return "rate_limited", None, sent
        if status == 404:
            return "unknown", None, sent
        if status != 200:
            return "failed", _http_reason(status, response), sent
        try:
            return "estimates", parse_earnings_trend(json.loads(response.text)), sent
        except (ValueError, MalformedTrend) as exc:
            return "failed", f"Yahoo sent a malformed earningsTrend ({exc})"[:200], sent


def _http_reason(status: int, response: Any) -> str:
    try:
        error = json.loads(response.text)
        description = next(iter(error.values()))["error"]["description"]
    except Exception:  # not Yahoo's JSON error envelope
        description = (getattr(response, "text", "") or "").strip()[:80]
    reason = f"Yahoo answered HTTP {status}"
    return f"{reason}: {description}"[:200] if description else reason
