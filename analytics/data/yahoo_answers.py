"""What one Yahoo chart request answered, and what a symbol's fetch means from it.

yfinance hides most failures behind an empty frame, so the provider watches its session:
`RequestLog` keeps every request's count and, per symbol, the chart endpoint's answers
(status, error description, whether a 200 is a well-formed chart: analytics.data.yahoo_chart);
`classify` combines yfinance's result with the last chart answer (see analytics.data.yahoo).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import pandas as pd

from analytics.data.provider import BAR_COLUMNS, empty_bars
from analytics.data.rebase import EVENT_COLUMNS
from analytics.data.yahoo_chart import MALFORMED, chart_shape

_CHART_PATH = "/v8/finance/chart/"
_EMPTY_RANGE_HINTS = ("data doesn't exist", "date range")


@dataclass(frozen=True)
class ChartAnswer:
    """The outcome of one chart request: an HTTP status, or None when it raised.

    malformed: for a 200, what is wrong with the body ("" when it is a well-formed chart).
    """

    status: int | None
    detail: str
    malformed: str = ""


class RequestLog:
    """What the session saw during one fetch (written from several worker threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0
        self.throttled = 0
        self.retry_after: float | None = None
        self.charts: dict[str, list[ChartAnswer]] = {}

    def record(self, url: str, response: Any = None, error: BaseException | None = None) -> None:
        symbol = _chart_symbol(url)
        answer = None
        status = None if response is None else int(response.status_code)
        if symbol is not None:
            if error is not None:
                answer = ChartAnswer(None, f"{type(error).__name__}: {error}")
            elif status is not None and 200 <= status < 300:
                shape = chart_shape(response.text or "")
                answer = ChartAnswer(status, "", shape.problem if shape.kind == MALFORMED else "")
            else:
                answer = ChartAnswer(status, _error_description(response))
        wait = _retry_after_seconds(response) if status == 429 else None
        with self._lock:
            self.count += 1
            if status == 429:
                self.throttled += 1
                if wait is not None:
                    self.retry_after = max(wait, self.retry_after or 0.0)
            if symbol is not None and answer is not None:
                self.charts.setdefault(symbol, []).append(answer)

    def last_chart_answer(self, symbol: str) -> ChartAnswer | None:
        with self._lock:
            answers = self.charts.get(symbol.upper())
            return answers[-1] if answers else None


def _chart_symbol(url: str) -> str | None:
    path = unquote(urlsplit(url).path)
    if not path.startswith(_CHART_PATH):
        return None
    return path[len(_CHART_PATH) :].upper()


def _retry_after_seconds(response: Any) -> float | None:
    """The Retry-After header of a 429 in seconds (only the delta-seconds form), else None."""
    try:
        value = response.headers.get("Retry-After")
    except Exception:  # a response object without headers (test doubles)
        return None
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None  # an HTTP date: rare for Yahoo; the back-off schedule applies


def _error_description(response: Any) -> str:
    """Yahoo's `chart.error.description` of a failed answer, else the start of its body."""
    if response.status_code < 400:
        return ""
    try:
        return str(response.json()["chart"]["error"]["description"])
    except Exception:  # not JSON, or not the chart envelope: an edge page
        return (response.text or "").strip()[:120]


# Outcomes of one symbol
RATE_LIMITED = "rate_limited"
UNKNOWN = "unknown"
FAILED = "failed"
MALFORMED_KIND = "malformed"
BARS = "bars"


def classify(
    frame: pd.DataFrame | None, error: BaseException | None, last: ChartAnswer | None
) -> tuple[str, Any]:
    """Decide what one symbol's fetch means, from yfinance's result and the last chart answer.

    Returns (kind, payload): (BARS, frame in BAR_COLUMNS), (UNKNOWN, None),
    (RATE_LIMITED, None), (MALFORMED_KIND, reason) or (FAILED, reason). A malformed body wins
    over whatever yfinance made of it: its frame may be empty or misaligned.
    """
    if _is_rate_limit_error(error) or (last is not None and last.status == 429):
        return RATE_LIMITED, None
    if last is not None and last.malformed:
        return MALFORMED_KIND, f"Yahoo sent a malformed chart ({last.malformed})"[:200]
    if error is None and frame is not None and not frame.empty:
        return BARS, to_bars(frame)
    if last is None:
        if error is not None:
            return FAILED, f"yfinance failed: {type(error).__name__}: {error}"[:200]
        return FAILED, "Yahoo sent no answer for this symbol"
    if last.status is None:
        return FAILED, f"Yahoo unreachable ({last.detail})"[:200]
    if last.status >= 500:
        return FAILED, _http_reason(last)
    if last.status in (400, 404) and any(h in last.detail.lower() for h in _EMPTY_RANGE_HINTS):
        return BARS, empty_bars()
    if last.status == 404:
        return UNKNOWN, None
    if last.status >= 400 or last.detail:
        return FAILED, _http_reason(last)
    if error is not None:
        return FAILED, f"yfinance failed: {type(error).__name__}: {error}"[:200]
    return BARS, empty_bars()


def _is_rate_limit_error(error: BaseException | None) -> bool:
    if error is None:
        return False
    from yfinance.exceptions import YFRateLimitError

    return isinstance(error, YFRateLimitError)


def _http_reason(answer: ChartAnswer) -> str:
    reason = f"Yahoo answered HTTP {answer.status}"
    return f"{reason}: {answer.detail}"[:200] if answer.detail else reason


def to_bars(frame: pd.DataFrame) -> pd.DataFrame:
    """yfinance's history frame -> BAR_COLUMNS (float), tz-naive index 'date', no NaN close."""
    if frame.empty:
        return empty_bars()
    bars = pd.DataFrame(
        {
            "open": frame["Open"],
            "high": frame["High"],
            "low": frame["Low"],
            "close": frame["Close"],
            "adj_close": frame["Adj Close"] if "Adj Close" in frame else frame["Close"],
            "volume": frame["Volume"],
            # Corporate actions in the range, so the cache can re-base the history it already
            # holds (Yahoo re-bases its own whole history on each split and dividend).
            "dividend": frame.get("Dividends", 0.0),
            "split": frame.get("Stock Splits", 0.0),
        }
    ).astype("float64")
    index = pd.DatetimeIndex(frame.index)
    if index.tz is not None:
        # Daily bars are stamped at local midnight of the session date: keep that date.
        index = index.tz_localize(None)
    bars.index = pd.DatetimeIndex(index.normalize(), name="date")
    bars = bars[bars["close"].notna()]
    return bars[[*BAR_COLUMNS, *EVENT_COLUMNS]]
