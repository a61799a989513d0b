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
- malformed   the last chart answer was a 200 that is not a well-formed chart (garbage,
              `"result": []`, no timestamps or indicators, arrays of different lengths, an
              error object): failed, never "no data" (`analytics.data.yahoo_chart`);
- empty       the chart answered 200 in Yahoo's own "no data" shape (meta, no timestamps,
              `quote: [{}]`: a known symbol with no sessions in the range), or 400/404
              whose description is about the date range ("Data doesn't exist for
              startDate", "No data found for this date range"): the range is empty.

What this relies on: Yahoo's 404 for a bad symbol, and yfinance probing every new symbol
with a `range=1d` chart request (tz lookup) unless its timezone is in yfinance's disk cache.
yfinance's in-process LRU of responses is cleared at the start of every fetch, so each
symbol's answer is observed on the wire (and a cached 500 cannot outlive an outage).

Politeness (the cold path): every HTTP request first takes a token from a `RateLimiter`
shared by the provider's threads (default 4 requests/s, under the ~5/s users report Yahoo
tolerates), at most `threads` requests are in flight, and plain US symbols skip yfinance's
timezone probe (`assume_us_timezone`), which halves the requests of a first fetch.

yfinance (and curl_cffi) are imported on the first fetch, not with this module: they take half
a second, and the bot builds its provider at startup.

Many symbols per request (`latest_bars`, `spark_closes`: analytics.data.yahoo_multi): Yahoo's
quote (the newest session, for the nightly refresh) and spark (closes, for a first answer over
a cold universe) go through the same session, token bucket, lock and back-off; an endpoint
that fails as a whole is logged once and its symbols are returned for per-symbol requests.

After a rate limit every fetch answers at once, without requests, until the back-off ends:
`cooldown_seconds` after the first 429, doubling for each further one in a row (up to
`max_cooldown_seconds`), never shorter than a Retry-After header asks. Interactive callers
get the failure at once and serve the cache; a background fill (`MarketData.fill`) asks
`retry_after()` and waits it out before sending the same tickers again.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd

from analytics import calendar
from analytics.data import yahoo_multi
from analytics.data.provider import FetchResult, MultiFetch
from analytics.data.yahoo_answers import (
    BARS,
    MALFORMED_KIND,
    RATE_LIMITED,
    UNKNOWN,
    ChartAnswer,
    RequestLog,
    classify,
    to_bars,
)
from analytics.data.yahoo_pacing import ProviderStats, RateLimiter

__all__ = ["ChartAnswer", "ProviderStats", "RateLimiter", "YahooProvider", "classify", "to_bars"]

# Yahoo's symbols for US listings: 1-5 letters, optionally a share class (BRK-B). Other markets
# carry a suffix (.L, .TO), indices a caret, currencies/futures/crypto '=' or '-USD'.
_US_SYMBOL = re.compile(r"[A-Z]{1,5}(-[A-Z]{1,2})?")

# yfinance routes every request through one process-wide session (the YfData singleton) and
# swaps it on each call; two fetches with different sessions at once would cross wires.
_YFINANCE_LOCK = threading.Lock()


def _default_session() -> Any:
    # The session yfinance itself would build (browser TLS fingerprint).
    from curl_cffi import requests as curl_requests

    return curl_requests.Session(impersonate="chrome")


class YahooProvider:
    """A PriceProvider on yfinance (blocking: call it from a worker thread).

    requests_per_second / burst: the shared request-rate limit (None: no limit), or pass a
    `rate_limiter` (tests give it a fake clock and sleep).
    cooldown_seconds / max_cooldown_seconds: the back-off after a 429, doubling per 429 in a
    row. assume_us_timezone: give plain US symbols yfinance's timezone without asking Yahoo.
    """

    name = "Yahoo Finance"

    def __init__(
        self,
        session_factory: Callable[[], Any] | None = None,
        *,
        batch_size: int = 20,
        threads: int = 2,
        cooldown_seconds: float = 300.0,
        max_cooldown_seconds: float = 1800.0,
        requests_per_second: float | None = 4.0,
        burst: int = 1,
        assume_us_timezone: bool = True,
        rate_limiter: RateLimiter | None = None,
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
        self._max_cooldown = max(max_cooldown_seconds, cooldown_seconds)
        self._clock = clock
        self._wall_clock = wall_clock
        self._timeout = timeout_seconds
        self._assume_us_timezone = assume_us_timezone
        # The limiter keeps real time unless one is passed in: `clock` moves the back-off only.
        self.limiter = rate_limiter or (
            RateLimiter(requests_per_second, burst) if requests_per_second else None
        )
        self.stats = ProviderStats()
        self._session: Any = None
        self._log = RequestLog()
        self._resume_at: float | None = None
        self._resume_label = ""
        self._strikes = 0  # rate limits in a row: each doubles the next back-off
        self._cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._endpoints = yahoo_multi.Endpoints()  # multi-symbol endpoints given up on

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

    def latest_bars(self, tickers: list[str]) -> MultiFetch:
        """Each symbol's latest session from Yahoo's quote, many symbols a request
        (analytics.data.yahoo_multi); what it cannot answer is in `per_symbol`."""
        symbols = list(dict.fromkeys(tickers))
        return self._multi_call(
            symbols,
            lambda session: yahoo_multi.latest_bars(
                session, symbols, self._endpoints, self._timeout
            ),
        )

    def spark_closes(self, tickers: list[str], start: dt.date, end: dt.date) -> MultiFetch:
        """Closes from `start` to `end` from Yahoo's spark, many symbols a request."""
        symbols = list(dict.fromkeys(tickers))
        today = self._wall_clock().astimezone(dt.UTC).date()
        return self._multi_call(
            symbols,
            lambda session: yahoo_multi.spark_closes(
                session, symbols, start, end, today, self._endpoints, self._timeout
            ),
        )

    def retry_after(self) -> float:
        """Seconds until the provider sends requests again (0 when it may now)."""
        if self._resume_at is None:
            return 0.0
        return max(self._resume_at - self._clock(), 0.0)

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

    def _start_cooldown(self, asked: float | None) -> None:
        """Back off: cooldown_seconds, doubled per rate limit in a row, at least Retry-After."""
        self._strikes += 1
        self.stats.cooldowns += 1
        seconds = min(self._cooldown * 2 ** (self._strikes - 1), self._max_cooldown)
        if asked is not None:
            seconds = max(seconds, asked)
        self._resume_at = self._clock() + seconds
        resume = self._wall_clock().astimezone(dt.UTC) + dt.timedelta(seconds=seconds)
        self._resume_label = resume.strftime("%H:%M UTC")

    def _ensure_session(self) -> Any:
        if self._session is None:
            if self._cache_dir is not None:
                import yfinance as yf

                # Process-wide, and only effective before yfinance first opens its cache
                # (this provider is the only yfinance user in the process).
                self._cache_dir.mkdir(parents=True, exist_ok=True)
                yf.set_tz_cache_location(str(self._cache_dir))
                self._cache_dir = None  # once per provider
            session = self._session_factory()
            _observe(session, self)
            self._session = session
        return self._session

    def _multi_call(self, symbols: list[str], run: Callable[[Any], MultiFetch]) -> MultiFetch:
        """Run a multi-symbol call under the provider's lock, back-off and request count."""
        with _YFINANCE_LOCK:
            if self._cooling_down():
                reason = self._rate_limit_reason()
                return MultiFetch(failed=dict.fromkeys(symbols, reason), rate_limited=True)
            self._resume_at = None
            self._log = log = RequestLog()
            session = self._ensure_session()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                result = run(session)
        result.requests = log.count
        self.stats.requests += log.count
        self.stats.throttled += log.throttled
        if result.rate_limited:
            self._start_cooldown(log.retry_after)
            reason = self._rate_limit_reason()
            for symbol, why in result.failed.items():
                if why == yahoo_multi.RATE_LIMITED:
                    result.failed[symbol] = reason
        elif log.count:
            self._strikes = 0
        return result

    def _fetch_all(self, symbols: list[str], start: dt.date | None, end: dt.date) -> FetchResult:
        from yfinance.data import YfData

        self._log = log = RequestLog()
        session = self._ensure_session()
        YfData.cache_get.cache_clear()
        result = FetchResult()
        limited: list[str] = []
        stop = threading.Event()

        def one(symbol: str) -> tuple[str, Any]:
            if stop.is_set():  # a sibling was throttled: do not send more
                return RATE_LIMITED, None
            outcome = self._fetch_one(session, symbol, start, end, log)
            if outcome[0] == RATE_LIMITED:
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
        self.stats.requests += log.count
        self.stats.throttled += log.throttled
        if limited:
            result.rate_limited = True
            self._start_cooldown(log.retry_after)
            reason = self._rate_limit_reason()
            for symbol in limited:
                result.failed[symbol] = reason
        elif log.count:
            self._strikes = 0  # Yahoo answered without throttling: the next back-off starts short
        return result

    def _fetch_one(
        self, session: Any, symbol: str, start: dt.date | None, end: dt.date, log: RequestLog
    ) -> tuple[str, Any]:
        import yfinance as yf

        # yfinance's end is exclusive; ours is inclusive.
        options: dict[str, Any] = {
            "interval": "1d",
            "end": (end + dt.timedelta(days=1)).isoformat(),
            "auto_adjust": False,
            "actions": True,
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
            ticker = yf.Ticker(symbol, session=session)
            if self._assume_us_timezone and _US_SYMBOL.fullmatch(symbol):
                _assume_us_timezone(ticker)
            frame = ticker.history(**options)
        except Exception as exc:  # classified below, with what the session saw
            error = exc
        return classify(frame, error, log.last_chart_answer(symbol))


def _assume_us_timezone(ticker: Any) -> None:
    """Tell a yfinance Ticker of a plain US symbol its exchange timezone, so it skips its probe.

    yfinance asks Yahoo for `range=1d` of every symbol whose timezone is not in its disk cache,
    only to read `exchangeTimezoneName`; for US listings that is always New York. The timezone
    only sets how yfinance turns our dates into epoch bounds (the bars' dates come from the
    answer), so a symbol Yahoo does not know still gets its 404 from the chart request itself.
    It is set on the Ticker (yfinance 1.x keeps it in `_tz` until looked up), not written to
    yfinance's timezone database: two threads writing that SQLite file at once fail with
    "database is locked". If a yfinance release renames the attribute, it probes as before.
    """
    if getattr(ticker, "_tz", "absent") is None:
        ticker._tz = calendar.EASTERN


def _apply(result: FetchResult, symbol: str, kind: str, payload: Any, limited: list[str]) -> None:
    if kind == BARS:
        result.bars[symbol] = payload
    elif kind == UNKNOWN:
        result.unknown.append(symbol)
    elif kind == RATE_LIMITED:
        limited.append(symbol)
    else:
        result.failed[symbol] = payload
        result.malformed |= kind == MALFORMED_KIND


def _observe(session: Any, provider: YahooProvider) -> None:
    """Route the session's requests through the provider's current request log.

    Both curl_cffi and requests funnel get/post through `Session.request`, so an instance
    attribute sees every request yfinance sends, whatever Session subclass the factory made.
    """
    send = session.request

    def request(method: Any, url: str, *args: Any, **kwargs: Any) -> Any:
        log = provider._log
        if provider.limiter is not None:
            provider.limiter.acquire()
        try:
            response = send(method, url, *args, **kwargs)
        except Exception as exc:
            log.record(url, error=exc)
            raise
        log.record(url, response=response)
        return response

    session.request = request
