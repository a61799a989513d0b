"""Daily bars from Yahoo Finance through yfinance: small batches, few threads, a back-off.

One `Ticker.history` call per symbol (not `yf.download`, which never raises and reports
failures only through its logger). yfinance hides most failures behind an empty frame, so the
provider watches its own HTTP session: every request is counted, and for each symbol the
final answer of the chart endpoint (`/v8/finance/chart/{SYMBOL}`) is kept. A symbol is then:

- fetched     history returned rows;
- rate limited yfinance raised YFRateLimitError, or the last chart answer was 429;
- failed      the last chart answer was 5xx / another 4xx, or the request raised
              (connection refused, timeout), or yfinance raised anything else;
- unknown     the last chart answer was 404 "No data found, symbol may be delisted";
- empty       the chart answered 200 with no rows (Yahoo's shape for a known symbol with
              no sessions in the range), or 400/404 whose description is about the date
              range ("Data doesn't exist for startDate", "No data found for this date
              range"): the symbol exists, the range is empty.

What this relies on: Yahoo's 404 for a bad symbol, and yfinance probing every new symbol
with a `range=1d` chart request (tz lookup) unless its timezone is in yfinance's disk cache.
yfinance's in-process LRU of responses is cleared at the start of every fetch, so each
symbol's answer is observed on the wire (and a cached 500 cannot outlive an outage).

After a rate limit every fetch answers at once, without requests, for `cooldown_seconds`.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pandas as pd
import yfinance as yf
from yfinance.data import YfData
from yfinance.exceptions import YFRateLimitError

from analytics.data.provider import BAR_COLUMNS, FetchResult, empty_bars

_CHART_PATH = "/v8/finance/chart/"
_EMPTY_RANGE_HINTS = ("data doesn't exist", "date range")

# yfinance routes every request through one process-wide session (the YfData singleton) and
# swaps it on each call; two fetches with different sessions at once would cross wires.
_YFINANCE_LOCK = threading.Lock()


@dataclass(frozen=True)
class ChartAnswer:
    """The outcome of one chart request: an HTTP status, or None when it raised."""

    status: int | None
    detail: str


class _RequestLog:
    """What the session saw during one fetch (written from several worker threads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0
        self.charts: dict[str, list[ChartAnswer]] = {}

    def record(self, url: str, response: Any = None, error: BaseException | None = None) -> None:
        symbol = _chart_symbol(url)
        answer = None
        if symbol is not None:
            if error is not None:
                answer = ChartAnswer(None, f"{type(error).__name__}: {error}")
            else:
                answer = ChartAnswer(int(response.status_code), _error_description(response))
        with self._lock:
            self.count += 1
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


def _error_description(response: Any) -> str:
    """Yahoo's `chart.error.description` of a failed answer, else the start of its body.

    Empty for a successful JSON answer; a 200 that is not JSON (Yahoo's "Will be right back"
    page) is described too, because yfinance turns it into an empty frame.
    """
    if response.status_code < 400:
        text = response.text or ""
        return "" if text.lstrip().startswith("{") else f"not JSON: {text.strip()[:120]}"
    try:
        return str(response.json()["chart"]["error"]["description"])
    except Exception:  # not JSON, or not the chart envelope: an edge page
        return (response.text or "").strip()[:120]


def _default_session() -> Any:
    # The session yfinance itself would build (browser TLS fingerprint).
    from curl_cffi import requests as curl_requests

    return curl_requests.Session(impersonate="chrome")


# Outcomes of one symbol
_RATE_LIMITED = "rate_limited"
_UNKNOWN = "unknown"
_FAILED = "failed"
_BARS = "bars"


def classify(
    frame: pd.DataFrame | None, error: BaseException | None, last: ChartAnswer | None
) -> tuple[str, Any]:
    """Decide what one symbol's fetch means, from yfinance's result and the last chart answer.

    Returns (kind, payload): (_BARS, frame in BAR_COLUMNS), (_UNKNOWN, None),
    (_RATE_LIMITED, None) or (_FAILED, reason).
    """
    if isinstance(error, YFRateLimitError) or (last is not None and last.status == 429):
        return _RATE_LIMITED, None
    if error is None and frame is not None and not frame.empty:
        return _BARS, to_bars(frame)
    if last is None:
        if error is not None:
            return _FAILED, f"yfinance failed: {type(error).__name__}: {error}"[:200]
        return _FAILED, "Yahoo sent no answer for this symbol"
    if last.status is None:
        return _FAILED, f"Yahoo unreachable ({last.detail})"[:200]
    if last.status >= 500:
        return _FAILED, _http_reason(last)
    if last.status in (400, 404) and any(h in last.detail.lower() for h in _EMPTY_RANGE_HINTS):
        return _BARS, empty_bars()
    if last.status == 404:
        return _UNKNOWN, None
    if last.status >= 400 or last.detail:
        return _FAILED, _http_reason(last)
    if error is not None:
        return _FAILED, f"yfinance failed: {type(error).__name__}: {error}"[:200]
    return _BARS, empty_bars()


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
        }
    ).astype("float64")
    index = pd.DatetimeIndex(frame.index)
    if index.tz is not None:
        # Daily bars are stamped at local midnight of the session date: keep that date.
        index = index.tz_localize(None)
    bars.index = pd.DatetimeIndex(index.normalize(), name="date")
    bars = bars[bars["close"].notna()]
    return bars[list(BAR_COLUMNS)]


class YahooProvider:
    """A PriceProvider on yfinance (blocking: call it from a worker thread)."""

    name = "Yahoo Finance"

    def __init__(
        self,
        session_factory: Callable[[], Any] | None = None,
        *,
        batch_size: int = 20,
        threads: int = 2,
        cooldown_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        cache_dir: Path | None = None,
        timeout_seconds: float = 10.0,
        wall_clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        if batch_size < 1 or threads < 1:
            raise ValueError("batch_size and threads must be at least 1")
        self._session_factory = session_factory or _default_session
        self._batch_size = batch_size
        self._threads = threads
        self._cooldown = cooldown_seconds
        self._clock = clock
        self._wall_clock = wall_clock
        self._timeout = timeout_seconds
        self._session: Any = None
        self._log = _RequestLog()
        self._resume_at: float | None = None
        self._resume_label = ""
        if cache_dir is not None:
            # Process-wide, and only effective before yfinance first opens its cache.
            Path(cache_dir).mkdir(parents=True, exist_ok=True)
            yf.set_tz_cache_location(str(cache_dir))

    # -- public --------------------------------------------------------------------------------

    def fetch(self, tickers: list[str], start: dt.date | None, end: dt.date) -> FetchResult:
        """Daily bars for `tickers` from `start` (None = full history) to `end`, inclusive."""
        if start is not None and start > end:
            raise ValueError(f"start {start} is after end {end}")
        symbols = list(dict.fromkeys(tickers))
        with _YFINANCE_LOCK:
            if self._cooling_down():
                reason = self._rate_limit_reason()
                return FetchResult(failed={s: reason for s in symbols}, rate_limited=True)
            self._resume_at = None
            return self._fetch_all(symbols, start, end)

    def close(self) -> None:
        """Close the HTTP session (the provider opens a new one if used again)."""
        if self._session is not None:
            self._session.close()
            self._session = None

    # -- internals -----------------------------------------------------------------------------

    def _cooling_down(self) -> bool:
        return self._resume_at is not None and self._clock() < self._resume_at

    def _rate_limit_reason(self) -> str:
        return f"rate limited by Yahoo; retrying after {self._resume_label}"

    def _start_cooldown(self) -> None:
        self._resume_at = self._clock() + self._cooldown
        resume = self._wall_clock().astimezone(dt.UTC) + dt.timedelta(seconds=self._cooldown)
        self._resume_label = resume.strftime("%H:%M UTC")

    def _ensure_session(self) -> Any:
        if self._session is None:
            session = self._session_factory()
            _observe(session, self)
            self._session = session
        return self._session

    def _fetch_all(self, symbols: list[str], start: dt.date | None, end: dt.date) -> FetchResult:
        self._log = log = _RequestLog()
        session = self._ensure_session()
        YfData.cache_get.cache_clear()
        result = FetchResult()
        limited: list[str] = []
        stop = threading.Event()

        def one(symbol: str) -> tuple[str, Any]:
            if stop.is_set():  # a sibling was throttled: do not send more
                return _RATE_LIMITED, None
            outcome = self._fetch_one(session, symbol, start, end, log)
            if outcome[0] == _RATE_LIMITED:
                stop.set()
            return outcome

        # pandas 4 deprecations inside yfinance are not the user's business. The filter is
        # process-wide, so it covers the worker threads while they run inside this block.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            with ThreadPoolExecutor(max_workers=self._threads, thread_name_prefix="yahoo") as pool:
                for offset in range(0, len(symbols), self._batch_size):
                    batch = symbols[offset : offset + self._batch_size]
                    for symbol, (kind, payload) in zip(batch, pool.map(one, batch), strict=True):
                        _apply(result, symbol, kind, payload, limited)
                    if stop.is_set():
                        limited.extend(symbols[offset + self._batch_size :])
                        break

        result.requests = log.count
        if limited:
            result.rate_limited = True
            self._start_cooldown()
            reason = self._rate_limit_reason()
            for symbol in limited:
                result.failed[symbol] = reason
        return result

    def _fetch_one(
        self, session: Any, symbol: str, start: dt.date | None, end: dt.date, log: _RequestLog
    ) -> tuple[str, Any]:
        # yfinance's end is exclusive; ours is inclusive.
        options: dict[str, Any] = {
            "interval": "1d",
            "end": (end + dt.timedelta(days=1)).isoformat(),
            "auto_adjust": False,
            "actions": False,
            "repair": False,
            "timeout": self._timeout,
        }
        if start is None:
            options["period"] = "max"
        else:
            options["start"] = start.isoformat()
        frame: pd.DataFrame | None = None
        error: BaseException | None = None
        try:
            frame = yf.Ticker(symbol, session=session).history(**options)
        except Exception as exc:  # classified below, with what the session saw
            error = exc
        return classify(frame, error, log.last_chart_answer(symbol))


def _apply(result: FetchResult, symbol: str, kind: str, payload: Any, limited: list[str]) -> None:
    if kind == _BARS:
        result.bars[symbol] = payload
    elif kind == _UNKNOWN:
        result.unknown.append(symbol)
    elif kind == _RATE_LIMITED:
        limited.append(symbol)
    else:
        result.failed[symbol] = payload


def _observe(session: Any, provider: YahooProvider) -> None:
    """Route the session's requests through the provider's current request log.

    Both curl_cffi and requests funnel get/post through `Session.request`, so an instance
    attribute sees every request yfinance sends, whatever Session subclass the factory made.
    """
    send = session.request

    def request(method: Any, url: str, *args: Any, **kwargs: Any) -> Any:
        log = provider._log
        try:
            response = send(method, url, *args, **kwargs)
        except Exception as exc:
            log.record(url, error=exc)
            raise
        log.record(url, response=response)
        return response

    session.request = request
