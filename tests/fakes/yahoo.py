"""A fake Yahoo Finance chart API on 127.0.0.1 that the real yfinance code can talk to.

    with FakeYahoo() as fake:
        fake.add_symbol("SPY", synthetic_bars(dt.date(2024, 1, 2), dt.date(2024, 3, 28), seed=1))
        provider = YahooProvider(fake.session, cache_dir=tmp_dir)
        result = provider.fetch(["SPY"], dt.date(2024, 2, 1), dt.date(2024, 2, 29))

The server is a ThreadingHTTPServer in its own thread: yfinance blocks, so a fake running on
the test's event loop would deadlock. `fake.session()` is a curl_cffi Session that sends every
URL (fc.yahoo.com, query1/query2.finance.yahoo.com, guce.yahoo.com, ...) to the fake, keeping
path and query, so the cookie, crumb and chart requests all land here.

Chart bodies copy the shape of the recorded responses in
../shared/data/yahoo_fixtures/ (meta, timestamp = session open in epoch seconds,
indicators.quote/adjclose, events.dividends/splits). Registered symbols are stored as one full
body each and sliced per request (period1 <= timestamp < period2, or range=1d/5d/.../max), so a
recorded body can be served the same way (`add_recorded_chart`).
"""

from __future__ import annotations

import collections
import copy
import datetime as dt
import http
import http.cookiejar
import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

import numpy as np
import pandas as pd
from curl_cffi import requests as curl_requests

from analytics.calendar import sessions_between
from analytics.data.provider import BAR_COLUMNS

EASTERN = "America/New_York"
CHART_PREFIX = "/v8/finance/chart/"
FAKE_CRUMB = "fakeCrumb.0123"

JsonRoute = Callable[[str, dict[str, str]], "tuple[int, dict[str, Any]] | None"]
"""An extra JSON endpoint: (path, query) -> (status, JSON body), or None for not mine."""

NOT_FOUND_DESCRIPTION = "No data found, symbol may be delisted"
VALID_RANGES = ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"]


def chart_error(code: str, description: str) -> dict[str, Any]:
    """Yahoo's chart error envelope, e.g. the 404 for an unknown symbol."""
    return {"chart": {"result": None, "error": {"code": code, "description": description}}}


def clear_yfinance_cache() -> None:
    """Forget yfinance's in-process LRU of GET responses (keyed by the real Yahoo URL).

    Without this a test can be answered from an earlier test's fake.
    """
    from yfinance.data import YfData

    YfData.cache_get.cache_clear()


def reset_yfinance_crumb() -> None:
    """Forget the cookie and crumb yfinance's process-wide data layer holds, and its cookie
    strategy: a test that failed the crumb (or was rate limited) must not leave the next
    test's first quote request to a retry with the other strategy."""
    from yfinance.data import YfData

    data = YfData()
    with data._cookie_lock:
        data._crumb = None
        data._cookie = None
        data._cookie_strategy = "basic"


def load_recorded_chart(path: Path) -> dict[str, Any]:
    """The chart body of a recorded fixture: `*.body.json` as is, or `response.bodyJson`."""
    data = json.loads(Path(path).read_text())
    if "response" in data:
        return data["response"]["bodyJson"]
    return data


# --------------------------------------------------------------------------------------------
# Bars -> Yahoo chart JSON


def _floats(values: pd.Series) -> list[float | None]:
    return [None if pd.isna(v) else float(v) for v in values]


def _session_open(day: pd.Timestamp, tz: str) -> pd.Timestamp:
    """09:30 exchange time on `day`: Yahoo stamps daily bars with the session open."""
    return (pd.Timestamp(day.date()) + pd.Timedelta(hours=9, minutes=30)).tz_localize(tz)


def _open_stamps(index: pd.DatetimeIndex, tz: str) -> list[int]:
    """Epoch seconds of 09:30 exchange time on each day (vectorised `_session_open`)."""
    if len(index) == 0:
        return []
    local = (index.normalize() + pd.Timedelta(hours=9, minutes=30)).tz_localize(tz)
    seconds = (
        local.tz_convert("UTC").tz_localize(None) - pd.Timestamp("1970-01-01")
    ) // pd.Timedelta(seconds=1)
    return [int(s) for s in seconds]


def _trading_period(day: pd.Timestamp, tz: str) -> dict[str, Any]:
    base = pd.Timestamp(day.date())
    offset = int(base.tz_localize(tz).utcoffset().total_seconds())
    abbrev = base.tz_localize(tz).tzname()

    def span(start_h: float, end_h: float) -> dict[str, Any]:
        start = (base + pd.Timedelta(hours=start_h)).tz_localize(tz)
        end = (base + pd.Timedelta(hours=end_h)).tz_localize(tz)
        return {
            "timezone": abbrev,
            "start": int(start.timestamp()),
            "end": int(end.timestamp()),
            "gmtoffset": offset,
        }

    return {"pre": span(4, 9.5), "regular": span(9.5, 16), "post": span(16, 20)}


def chart_body(
    symbol: str,
    bars: pd.DataFrame,
    *,
    instrument_type: str = "ETF",
    currency: str = "USD",
    exchange_timezone: str = EASTERN,
    dividends: Mapping[dt.date, float] | None = None,
    splits: Mapping[dt.date, tuple[int, int]] | None = None,
    long_name: str | None = None,
) -> dict[str, Any]:
    """Yahoo's full-history chart body for `bars` (BAR_COLUMNS, index = session dates).

    adj_close defaults to close when the frame has none; NaN becomes null, as Yahoo sends it.
    """
    tz = exchange_timezone
    index = pd.DatetimeIndex(bars.index)
    stamps = _open_stamps(index, tz)
    close = bars["close"]
    adj = bars.get("adj_close", close)
    last_day = index[-1] if len(index) else pd.Timestamp("2024-01-02")
    last_local = pd.Timestamp(last_day.date()).tz_localize(tz)
    recent = bars.tail(252)
    meta: dict[str, Any] = {
        "currency": currency,
        "symbol": symbol,
        "exchangeName": "PCX" if instrument_type == "ETF" else "NMS",
        "fullExchangeName": "NYSEArca" if instrument_type == "ETF" else "NasdaqGS",
        "instrumentType": instrument_type,
        "firstTradeDate": stamps[0] if stamps else None,
        "regularMarketTime": stamps[-1] + 23400 if stamps else None,
        "hasPrePostMarketData": True,
        "gmtoffset": int(last_local.utcoffset().total_seconds()),
        "timezone": last_local.tzname(),
        "exchangeTimezoneName": tz,
        "regularMarketPrice": float(close.iloc[-1]) if len(close) else None,
        "fiftyTwoWeekHigh": float(recent["high"].max()) if len(recent) else None,
        "fiftyTwoWeekLow": float(recent["low"].min()) if len(recent) else None,
        "regularMarketDayHigh": float(bars["high"].iloc[-1]) if len(bars) else None,
        "regularMarketDayLow": float(bars["low"].iloc[-1]) if len(bars) else None,
        "regularMarketVolume": int(bars["volume"].iloc[-1]) if len(bars) else None,
        "longName": long_name or f"{symbol} (fake)",
        "shortName": long_name or f"{symbol} (fake)",
        "chartPreviousClose": float(close.iloc[0]) if len(close) else None,
        "priceHint": 2,
        "currentTradingPeriod": _trading_period(last_day, tz),
        "dataGranularity": "1d",
        "range": "",
        "validRanges": list(VALID_RANGES),
    }
    result: dict[str, Any] = {
        "meta": meta,
        "timestamp": stamps,
        "indicators": {
            "quote": [
                {
                    "open": _floats(bars["open"]),
                    "high": _floats(bars["high"]),
                    "low": _floats(bars["low"]),
                    "close": _floats(close),
                    "volume": [None if pd.isna(v) else int(v) for v in bars["volume"]],
                }
            ],
            "adjclose": [{"adjclose": _floats(adj)}],
        },
    }
    events: dict[str, Any] = {}
    if dividends:
        events["dividends"] = {}
        for day, amount in dividends.items():
            ts = int(_session_open(pd.Timestamp(day), tz).timestamp())
            events["dividends"][str(ts)] = {"amount": float(amount), "date": ts}
    if splits:
        events["splits"] = {}
        for day, (numerator, denominator) in splits.items():
            ts = int(_session_open(pd.Timestamp(day), tz).timestamp())
            events["splits"][str(ts)] = {
                "date": ts,
                "numerator": numerator,
                "denominator": denominator,
                "splitRatio": f"{numerator}:{denominator}",
            }
    if events:
        result["events"] = events
    return {"chart": {"result": [result], "error": None}}


_RANGE = re.compile(r"^(\d+)(d|wk|mo|y)$")


def _range_start(last: int, rng: str, tz: str) -> int:
    """First timestamp a `range=` query covers, counted back from the last bar."""
    last_day = pd.Timestamp(last, unit="s", tz="UTC").tz_convert(tz).normalize()
    if rng == "ytd":
        return int(last_day.replace(month=1, day=1).timestamp())
    match = _RANGE.match(rng)
    if match is None:
        raise ValueError(rng)
    n, unit = int(match.group(1)), match.group(2)
    offset = {
        "d": pd.DateOffset(days=n),
        "wk": pd.DateOffset(weeks=n),
        "mo": pd.DateOffset(months=n),
        "y": pd.DateOffset(years=n),
    }[unit]
    return int((last_day - offset).timestamp())


def slice_chart(body: dict[str, Any], query: Mapping[str, str]) -> dict[str, Any]:
    """The part of a full chart body that a query asks for, in Yahoo's shape.

    period1/period2 select open timestamps in [period1, period2); range=1d is the last bar,
    range=max everything, other ranges count back from the last bar. An empty selection is
    what Yahoo sends for a known symbol with no sessions in the range: meta, no timestamp,
    `indicators.quote == [{}]`.
    """
    result = copy.deepcopy(body["chart"]["result"][0])
    stamps: list[int] = result.get("timestamp") or []
    tz = result["meta"].get("exchangeTimezoneName", EASTERN)
    rng = query.get("range")
    if "period1" in query or "period2" in query or rng is None:
        low = int(query.get("period1", -(2**62)))
        high = int(query.get("period2", 2**62))
        keep = [i for i, ts in enumerate(stamps) if low <= ts < high]
    elif rng == "max":
        keep = list(range(len(stamps)))
        low, high = -(2**62), 2**62
    elif rng == "1d":
        keep = [len(stamps) - 1] if stamps else []
        low, high = (stamps[-1] if stamps else 0), 2**62
    else:
        low = _range_start(stamps[-1], rng, tz) if stamps else 0
        high = 2**62
        keep = [i for i, ts in enumerate(stamps) if ts >= low]

    quote = result["indicators"]["quote"][0]
    adjclose = result["indicators"].get("adjclose", [{}])[0].get("adjclose")
    if keep:
        result["timestamp"] = [stamps[i] for i in keep]
        result["indicators"]["quote"] = [{k: [v[i] for i in keep] for k, v in quote.items()}]
        if adjclose is not None:
            result["indicators"]["adjclose"] = [{"adjclose": [adjclose[i] for i in keep]}]
        if keep[0] > 0 and quote.get("close"):
            result["meta"]["chartPreviousClose"] = quote["close"][keep[0] - 1]
    else:
        result.pop("timestamp", None)
        result["indicators"] = {"quote": [{}], "adjclose": [{}]}

    events = result.pop("events", None) or {}
    kept_events = {}
    for kind, items in events.items():
        inside = {k: v for k, v in items.items() if low <= int(v["date"]) < high}
        if inside and keep:
            kept_events[kind] = inside
    if kept_events:
        result["events"] = kept_events
    result["meta"]["range"] = rng or ""
    result["meta"]["dataGranularity"] = query.get("interval", "1d")
    return {"chart": {"result": [result], "error": None}}


# --------------------------------------------------------------------------------------------
# Malformed 200 answers (what yfinance would silently turn into "no data")

MALFORMED_KINDS: tuple[str, ...] = (
    "not-json",  # an HTML or binary body
    "garbage-json",  # JSON, but not a chart
    "result-empty",  # "result": []
    "result-null",  # "result": null and no error
    "no-timestamp",  # prices without their timestamps
    "no-indicators",  # timestamps without prices
    "truncated",  # the price arrays cut short: the body still parses
    "truncated-timestamps",  # the timestamp array cut short
    "error-object",  # a chart error envelope, sent with 200
)


def malformed_chart(kind: str, good: dict[str, Any]) -> bytes:
    """The body of a 200 that is not a well-formed chart, derived from the `good` answer."""
    if kind == "not-json":
        return b"<html><body>Will be right back\x00\xff</body></html>"
    if kind == "garbage-json":
        return json.dumps({"finance": {"result": None}, "oops": [1, 2, 3]}).encode()
    if kind == "result-empty":
        return json.dumps({"chart": {"result": [], "error": None}}).encode()
    if kind == "result-null":
        return json.dumps({"chart": {"result": None, "error": None}}).encode()
    if kind == "error-object":
        error = {"code": "Internal Server Error", "description": "backend timeout"}
        return json.dumps({"chart": {"result": None, "error": error}}).encode()
    body = copy.deepcopy(good)
    result = body["chart"]["result"][0]
    stamps = result.get("timestamp") or []
    if kind == "no-timestamp":
        result.pop("timestamp", None)
    elif kind == "no-indicators":
        result.pop("indicators", None)
    elif kind == "truncated":
        keep = max(len(stamps) // 2, 1) if len(stamps) > 1 else 0
        quote = result["indicators"]["quote"][0]
        result["indicators"]["quote"] = [{k: v[:keep] for k, v in quote.items()}]
        adj = result["indicators"].get("adjclose", [{}])[0].get("adjclose")
        if adj is not None:
            result["indicators"]["adjclose"] = [{"adjclose": adj[:keep]}]
        if not stamps:  # nothing to cut: an empty range with prices but no dates
            result["indicators"]["quote"] = [{"close": [1.0]}]
    elif kind == "truncated-timestamps":
        result["timestamp"] = stamps[: len(stamps) // 2] if len(stamps) > 1 else [1]
    else:
        raise ValueError(f"unknown malformed kind {kind!r}; one of {MALFORMED_KINDS}")
    return json.dumps(body).encode()


# --------------------------------------------------------------------------------------------
# Synthetic bars


def synthetic_bars(
    start: dt.date,
    end: dt.date,
    seed: int,
    *,
    start_price: float = 100.0,
    daily_vol: float = 0.012,
    drift: float = 0.0003,
    dividend_yield: float = 0.015,
    base_volume: float = 5e6,
) -> pd.DataFrame:
    """A realistic daily OHLCV frame on NYSE sessions from `start` to `end` (inclusive).

    Close follows a geometric random walk (log-returns ~ N(drift, daily_vol)); prices are in
    cents. A quarterly dividend (dividend_yield / 4 of the prior close, every 63 sessions)
    makes adj_close differ from close before each ex-date, as Yahoo's Adj Close does.
    Deterministic for a given seed. Empty frame (standard columns) when there is no session.
    """
    sessions = sessions_between(start, end)
    n = len(sessions)
    index = pd.DatetimeIndex(sessions, name="date")
    if n == 0:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in BAR_COLUMNS}, index=index)
    rng = np.random.default_rng(seed)
    close = start_price * np.exp(np.cumsum(rng.normal(drift, daily_vol, n)))
    prev = np.concatenate([[start_price], close[:-1]])
    open_ = prev * np.exp(rng.normal(0.0, daily_vol / 3, n))
    wick = np.abs(rng.normal(0.0, daily_vol / 2, (2, n)))
    high = np.maximum(open_, close) * (1 + wick[0])
    low = np.minimum(open_, close) * (1 - wick[1])
    open_, high, low, close = (np.round(a, 2) for a in (open_, high, low, close))
    high = np.maximum.reduce([high, open_, close])
    low = np.minimum.reduce([low, open_, close])
    volume = np.round(base_volume * np.exp(rng.normal(0.0, 0.3, n)))

    factor = np.ones(n)
    for i in range(40, n, 63):
        amount = round(close[i - 1] * dividend_yield / 4, 4)
        factor[:i] *= 1 - amount / close[i - 1]
    adj_close = np.round(close * factor, 6)
    frame = pd.DataFrame(
        {
            "open": open_,
            "high": high,
            "low": low,
            "close": close,
            "adj_close": adj_close,
            "volume": volume.astype("float64"),
        },
        index=index,
    )
    return frame[list(BAR_COLUMNS)]


# --------------------------------------------------------------------------------------------
# The server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as curl expects
    # Headers and body go out as two writes: with Nagle on, each answer waited ~40 ms for the
    # client's delayed ACK (45 ms a request instead of 3).
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self.server.fake._handle(self)

    def do_POST(self) -> None:  # noqa: N802 - yfinance posts the consent form
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.server.fake._handle(self)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # keep test output clean


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeYahoo


def _yahoo_a3_cookie() -> http.cookiejar.Cookie:
    return http.cookiejar.Cookie(
        version=0,
        name="A3",
        value="fake-a3-cookie",
        port=None,
        port_specified=False,
        domain=".yahoo.com",
        domain_specified=True,
        domain_initial_dot=True,
        path="/",
        path_specified=True,
        secure=True,
        expires=int(time.time()) + 365 * 86400,
        discard=False,
        comment=None,
        comment_url=None,
        rest={},
    )


class FakeYahooSession(curl_requests.Session):
    """A curl_cffi Session that rewrites every URL's scheme and host to the fake's."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        kwargs.setdefault("impersonate", "chrome")
        super().__init__(**kwargs)
        target = urlsplit(base_url)
        self._target = (target.scheme, target.netloc)
        # yfinance only reuses a cookie it could file under a yahoo domain; the fake's own
        # cookie lands under 127.0.0.1, so without this every GET would first hit
        # fc.yahoo.com again and double the request count. curl never sends it to the fake.
        self.cookies.jar.set_cookie(_yahoo_a3_cookie())

    def rewrite(self, url: str) -> str:
        """`https://query2.finance.yahoo.com/v8/...?a=1` -> `http://127.0.0.1:PORT/v8/...?a=1`."""
        parts = urlsplit(url)
        return urlunsplit((*self._target, parts.path or "/", parts.query, ""))

    def request(self, method: Any, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return super().request(method, self.rewrite(url), *args, **kwargs)


Route = Callable[["FakeYahoo", _Handler, str, dict[str, str]], bool]
"""A handler another fake module adds: (fake, handler, path, query) -> True when it answered."""


class FakeYahoo:
    """Yahoo's cookie, crumb and v8 chart endpoints, served from registered frames.

    Knobs (all safe to change while running):
      delay_seconds        sleep before every answer
      requests_per_second  answer 429 once more than this many requests came in the last second
      rate_limit_after(n)  serve n more requests, then 429 "Too Many Requests" to everything
      fail_with(status)    answer every request with `status` (an outage); None to stop
      serve_malformed(kind, symbols)  answer chart requests (of these symbols, default all)
                           with a 200 that is not a well-formed chart (MALFORMED_KINDS);
                           heal() ends it
    `requests` logs every request as (path, query dict), throttled ones included.
    `routes`: handlers other fake modules add (tests/fakes/yahoo_multi.py): each is asked, in
    order, after the outage and throttle checks and before the built-in routes, and answers by
    returning True.
    """

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.routes: list[Route] = []
        self.delay_seconds: float = 0.0
        self.requests_per_second: float | None = None
        self._charts: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._budget: int | None = None
        self._fail_status: int | None = None
        self._malformed: dict[str, str] = {}  # symbol (or "*") -> MALFORMED_KINDS entry
        self._recent: collections.deque[float] = collections.deque()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- life cycle ------------------------------------------------------------------------

    def start(self) -> FakeYahoo:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        clear_yfinance_cache()
        reset_yfinance_crumb()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        clear_yfinance_cache()

    def __enter__(self) -> FakeYahoo:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeYahoo is not running; use `with FakeYahoo() as fake:`")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def session(self) -> FakeYahooSession:
        """A new session bound to this fake: pass `fake.session` as a session_factory."""
        return FakeYahooSession(self.base_url)

    # -- content -----------------------------------------------------------------------------

    def add_symbol(self, symbol: str, bars: pd.DataFrame, **chart_options: Any) -> None:
        """Serve `bars` (BAR_COLUMNS by session date) for `symbol`; options go to chart_body."""
        with self._lock:
            self._charts[symbol.upper()] = chart_body(symbol.upper(), bars, **chart_options)

    def add_recorded_chart(self, symbol: str, body: dict[str, Any]) -> None:
        """Serve a recorded Yahoo chart body for `symbol`, sliced per request like the rest."""
        with self._lock:
            self._charts[symbol.upper()] = copy.deepcopy(body)

    def add_route(self, route: JsonRoute) -> None:
        """Answer with `route(path, query)` when it returns (status, JSON body); None passes the
        request on. A JSON form of `routes`: both see requests after the outage and rate-limit
        knobs (other endpoints live in their own modules, e.g. tests/fakes/yahoo_quote_summary.py)."""

        def answer(fake: FakeYahoo, handler: _Handler, path: str, query: dict[str, str]) -> bool:
            found = route(path, query)
            if found is None:
                return False
            fake._send_json(handler, *found)
            return True

        with self._lock:
            self.routes.append(answer)

    # -- knobs -------------------------------------------------------------------------------

    def rate_limit_after(self, n: int) -> None:
        """Serve `n` more requests normally, then answer 429 until `clear_rate_limit()`."""
        with self._lock:
            self._budget = n

    def clear_rate_limit(self) -> None:
        with self._lock:
            self._budget = None
            self.requests_per_second = None
            self._recent.clear()

    def fail_with(self, status: int | None) -> None:
        """Answer every request with HTTP `status` (e.g. 500, 503); None ends the outage."""
        with self._lock:
            self._fail_status = status

    def serve_malformed(self, kind: str, symbols: list[str] | None = None) -> None:
        """Answer chart requests for `symbols` (default: every symbol) with a malformed 200."""
        if kind not in MALFORMED_KINDS:
            raise ValueError(f"unknown malformed kind {kind!r}; one of {MALFORMED_KINDS}")
        with self._lock:
            for symbol in symbols or ["*"]:
                self._malformed[symbol.upper()] = kind

    def heal(self) -> None:
        """Well-formed chart answers again."""
        with self._lock:
            self._malformed.clear()

    def chart_requests(self, symbol: str | None = None) -> list[dict[str, str]]:
        """Queries of the chart requests logged so far (for one symbol if given)."""
        with self._lock:
            logged = list(self.requests)
        return [
            query
            for path, query in logged
            if path.startswith(CHART_PREFIX)
            and (symbol is None or path[len(CHART_PREFIX) :].upper() == symbol.upper())
        ]

    # -- request handling --------------------------------------------------------------------

    def _throttled(self) -> bool:
        if self._budget is not None:
            if self._budget <= 0:
                return True
            self._budget -= 1
        if self.requests_per_second is not None:
            now = time.monotonic()
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            if len(self._recent) >= self.requests_per_second:
                return True
            self._recent.append(now)
        return False

    def _handle(self, handler: _Handler) -> None:
        parts = urlsplit(handler.path)
        path = unquote(parts.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        with self._lock:
            self.requests.append((path, query))
            fail_status = self._fail_status
            throttled = self._throttled()
        if self.delay_seconds:
            time.sleep(self.delay_seconds)

        if fail_status is not None:
            phrase = http.HTTPStatus(fail_status).phrase
            if path.startswith(CHART_PREFIX):
                self._send_json(handler, fail_status, chart_error(phrase, f"fake outage: {phrase}"))
            else:
                self._send_text(handler, fail_status, phrase)
        elif throttled:
            self._send_text(handler, 429, "Too Many Requests\r\n")
        elif any(route(self, handler, path, query) for route in list(self.routes)):
            pass
        elif path in ("", "/"):
            # fc.yahoo.com: the response does not matter, the cookie does.
            cookie = "A3=fake-a3-cookie; Max-Age=31557600; Path=/; HttpOnly"
            self._send_text(handler, 200, "OK", extra_headers={"Set-Cookie": cookie})
        elif path == "/v1/test/getcrumb":
            self._send_text(handler, 200, FAKE_CRUMB)
        elif path.startswith(CHART_PREFIX):
            self._send_chart(handler, path[len(CHART_PREFIX) :].upper(), query)
        elif path.startswith("/v10/finance/quoteSummary/"):
            symbol = path.rsplit("/", 1)[-1]
            body = {
                "quoteSummary": {
                    "result": None,
                    "error": {
                        "code": "Not Found",
                        "description": f"Quote not found for symbol: {symbol}",
                    },
                }
            }
            self._send_json(handler, 404, body)
        elif path == "/v7/finance/quote":
            self._send_json(handler, 200, {"quoteResponse": {"result": [], "error": None}})
        elif path.startswith("/ws/fundamentals-timeseries/"):
            self._send_json(handler, 200, {"timeseries": {"result": [], "error": None}})
        else:
            self._send_text(handler, 404, "Not Found")

    def _send_chart(self, handler: _Handler, symbol: str, query: dict[str, str]) -> None:
        with self._lock:
            body = self._charts.get(symbol)
            malformed = self._malformed.get(symbol) or self._malformed.get("*")
        if malformed is not None:
            # An unregistered symbol has no good answer to spoil: plain garbage JSON.
            payload = malformed_chart(malformed, slice_chart(body, query)) if body else b"{}"
            self._send(handler, 200, payload, "application/json;charset=utf-8")
            return
        if body is None:
            self._send_json(handler, 404, chart_error("Not Found", NOT_FOUND_DESCRIPTION))
            return
        interval = query.get("interval", "1d")
        if interval != "1d":
            description = f"Invalid input - interval={interval} is not served by the fake"
            self._send_json(handler, 400, chart_error("Bad Request", description))
            return
        self._send_json(handler, 200, slice_chart(body, query))

    @staticmethod
    def _send_json(handler: _Handler, status: int, body: dict[str, Any]) -> None:
        FakeYahoo._send(
            handler, status, json.dumps(body).encode(), "application/json;charset=utf-8"
        )

    @staticmethod
    def _send_text(
        handler: _Handler, status: int, text: str, extra_headers: dict[str, str] | None = None
    ) -> None:
        FakeYahoo._send(handler, status, text.encode(), "text/plain;charset=utf-8", extra_headers)

    @staticmethod
    def _send(
        handler: _Handler,
        status: int,
        payload: bytes,
        content_type: str,
        extra_headers: dict[str, str] | None = None,
    ) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(payload)))
        for name, value in (extra_headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(payload)
