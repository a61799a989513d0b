"""Many symbols per request: Yahoo's quote (the latest session) and spark (closes).

The chart API answers for one symbol per request; these two answer for many:
- quote `v7/finance/quote?symbols=A,B,...` (QUOTE_BATCH a request): the latest session's open,
  high, low, price, volume, previous close and time. It needs Yahoo's cookie and crumb, so it
  goes through yfinance's own data layer (`YfData.get`: the cookie, the crumb, its retry with
  the other cookie strategy), on the provider's session;
- spark `v7/finance/spark` (then `v8/finance/spark`) `?symbols=...&range=...&interval=1d`
  (SPARK_BATCH a request): closes only, no crumb needed.

Every request goes through the provider's session, so its token bucket and request log see
it. How an answer is read (`run_batches`):
- 200 in the expected shape: the values; symbols left out, or lacking a field, go per symbol;
- 400 (one bad symbol fails the whole batch, as reported of spark): the batch is split in
  halves until the bad symbol is alone, and that one goes per symbol; BROKEN_AFTER 400s in a
  row before any answer means the endpoint rejects everything: it is given up on;
- 401/403 (quote without a crumb), 404 for a batch, another status, or a 200 in neither known
  shape: the endpoint is given up on for this call, the rest go per symbol ("fallback"), and
  the provider logs it once (until the endpoint works again);
- 429: stop; the rest are failed, rate limited (the provider backs off as for the chart);
- 5xx or no answer: that batch is failed (asked again later); two in a row end the call.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analytics.data.provider import MultiFetch
from analytics.data.yahoo_quote import FIELDS, parse_quote
from analytics.data.yahoo_spark import parse_spark

log = logging.getLogger("analytics.data.yahoo")

QUOTE_URL = "https://query1.finance.yahoo.com/v7/finance/quote"
SPARK_URLS = (
    "https://query1.finance.yahoo.com/v7/finance/spark",
    "https://query2.finance.yahoo.com/v8/finance/spark",
)
QUOTE_BATCH = 50
"""Symbols per quote request (about 50 is reported safe)."""

SPARK_BATCH = 20
"""Symbols per spark request (the reported limit)."""

BROKEN_AFTER = 6
"""400s in a row, before anything was answered, after which an endpoint counts as broken."""

OK, BAD_BATCH, BROKEN, LIMITED, FAILED = "ok", "bad batch", "broken", "rate limited", "failed"

RATE_LIMITED = "rate limited"
"""MultiFetch.failed reason of symbols a 429 kept from being asked (the provider words it)."""


@dataclass
class Reply:
    """The outcome of one request: kind, the values read, and for failures why."""

    kind: str
    values: dict[str, Any] = field(default_factory=dict)
    detail: str = ""


Ask = Callable[[list[str]], Reply]


def run_batches(symbols: Sequence[str], size: int, ask: Ask) -> tuple[MultiFetch, list[str]]:
    """Ask for `symbols` in batches of `size`; returns the outcome and the symbols left
    unanswered because the endpoint was given up on (also in `per_symbol`)."""
    out = MultiFetch()
    queue = deque(list(symbols[i : i + size]) for i in range(0, len(symbols), size))
    answered = False
    bad_in_a_row = outages = 0
    abandoned: list[str] = []
    while queue:
        batch = queue.popleft()
        reply = ask(batch)
        if reply.kind == BAD_BATCH and not answered and bad_in_a_row + 1 >= BROKEN_AFTER:
            reply = Reply(
                BROKEN, detail=f"{BROKEN_AFTER} batches in a row refused ({reply.detail})"
            )
        if reply.kind == OK:
            answered, bad_in_a_row, outages = True, 0, 0
            out.values.update(reply.values)
            out.per_symbol += [s for s in batch if s not in reply.values]
        elif reply.kind == BAD_BATCH:
            bad_in_a_row += 1
            if len(batch) == 1:
                out.per_symbol.append(batch[0])  # the bad symbol, isolated
            else:
                half = len(batch) // 2
                queue.appendleft(batch[half:])
                queue.appendleft(batch[:half])
        elif reply.kind == BROKEN:
            out.fallback = reply.detail
            abandoned = batch + [s for rest in queue for s in rest]
            out.per_symbol += abandoned
            break
        elif reply.kind == LIMITED:
            out.rate_limited = True
            for symbol in batch + [s for rest in queue for s in rest]:
                out.failed[symbol] = RATE_LIMITED
            break
        else:
            outages += 1
            for symbol in batch:
                out.failed[symbol] = reply.detail
            if outages >= 2:
                for symbol in [s for rest in queue for s in rest]:
                    out.failed[symbol] = reply.detail
                break
    return out, abandoned


def _status_reply(status: int, batch: list[str], body: str, endpoint: str) -> Reply | None:
    """The reply for a non-200 status, None for 200."""
    if status == 200:
        return None
    detail = f"{endpoint} answered HTTP {status}: {body.strip()[:100]}"
    if status == 429:
        return Reply(LIMITED, detail=detail)
    if status == 400 or (status == 404 and len(batch) == 1):
        return Reply(BAD_BATCH, detail=detail)
    if status >= 500:
        return Reply(FAILED, detail=detail)
    return Reply(BROKEN, detail=detail)


def quote_asker(session: Any, timeout: float) -> Ask:
    """One quote request per batch through yfinance's data layer (cookie and crumb)."""
    from yfinance.data import YfData
    from yfinance.exceptions import YFRateLimitError

    def ask(batch: list[str]) -> Reply:
        params = {
            "symbols": ",".join(batch),
            "fields": ",".join(FIELDS),
            "formatted": "false",
            "lang": "en-US",
            "region": "US",
        }
        try:
            response = YfData(session=session).get(QUOTE_URL, params=params, timeout=timeout)
        except YFRateLimitError:
            return Reply(LIMITED, detail="Yahoo's quote answered 429")
        except Exception as exc:  # connection refused, timeout: an outage
            return Reply(FAILED, detail=f"Yahoo's quote unreachable ({type(exc).__name__})")
        text = response.text or ""
        failure = _status_reply(int(response.status_code), batch, text, "Yahoo's quote")
        if failure is not None:
            return failure
        parsed = parse_quote(text, batch)
        if parsed.problem:
            return Reply(
                BROKEN, detail=f"Yahoo's quote answer is not in its known shape ({parsed.problem})"
            )
        return Reply(OK, values=parsed.values)

    return ask


def spark_asker(session: Any, url: str, rng: str, timeout: float) -> Ask:
    """One spark request per batch on the provider's session (no crumb needed)."""
    endpoint = "Yahoo's " + "/".join(url.split("/")[-3:-1]) + " spark"

    def ask(batch: list[str]) -> Reply:
        params = {"symbols": ",".join(batch), "range": rng, "interval": "1d"}
        try:
            response = session.get(url, params=params, timeout=timeout)
        except Exception as exc:
            return Reply(FAILED, detail=f"{endpoint} unreachable ({type(exc).__name__})")
        text = response.text or ""
        failure = _status_reply(int(response.status_code), batch, text, endpoint)
        if failure is not None:
            return failure
        parsed = parse_spark(text, batch)
        if parsed.problem:
            return Reply(
                BROKEN, detail=f"{endpoint} answer is not in a known shape ({parsed.problem})"
            )
        return Reply(OK, values=parsed.values)

    return ask


def spark_range(start: dt.date, today: dt.date) -> str:
    """The shortest spark `range` reaching back to `start` from `today` (ranges count back
    from the latest bar, in calendar months and years; the margins allow for short months)."""
    days = (today - start).days
    for limit, name in ((27, "1mo"), (88, "3mo"), (178, "6mo"), (362, "1y"), (727, "2y")):
        if days <= limit:
            return name
    if days <= 5 * 365 - 3:
        return "5y"
    if days <= 10 * 365 - 3:
        return "10y"
    return "max"


class Endpoints:
    """Which multi-symbol endpoints failed as a whole, so each failure is logged once."""

    def __init__(self) -> None:
        self.broken: dict[str, str] = {}

    def note(self, endpoint: str, fallback: str, answered: bool) -> None:
        if fallback:
            if endpoint not in self.broken:
                log.warning("%s; falling back to per-symbol chart requests", fallback)
            self.broken[endpoint] = fallback
        elif answered and endpoint in self.broken:
            del self.broken[endpoint]
            log.info("%s answers again", endpoint)


def latest_bars(
    session: Any, symbols: list[str], endpoints: Endpoints, timeout: float
) -> MultiFetch:
    """Each symbol's latest session from the quote endpoint."""
    out, _ = run_batches(symbols, QUOTE_BATCH, quote_asker(session, timeout))
    endpoints.note("Yahoo's quote", out.fallback, bool(out.values))
    return out


def spark_closes(
    session: Any,
    symbols: list[str],
    start: dt.date,
    end: dt.date,
    today: dt.date,
    endpoints: Endpoints,
    timeout: float,
) -> MultiFetch:
    """Closes from `start` to `end` from spark: v7 first, v8 for what v7 gave up on."""
    rng = spark_range(start, max(today, end))
    out = MultiFetch()
    pending = list(symbols)
    for url in SPARK_URLS:
        step, abandoned = run_batches(pending, SPARK_BATCH, spark_asker(session, url, rng, timeout))
        name = "Yahoo's " + "/".join(url.split("/")[-3:-1]) + " spark"
        endpoints.note(name, step.fallback, bool(step.values))
        out.values.update(step.values)
        out.failed.update(step.failed)
        out.rate_limited |= step.rate_limited
        out.per_symbol += [s for s in step.per_symbol if s not in abandoned]
        out.fallback = step.fallback
        pending = abandoned
        if not pending:
            break
    out.per_symbol += pending
    low, high = pd.Timestamp(start), pd.Timestamp(end)
    for symbol, closes in list(out.values.items()):
        inside = closes[(closes.index >= low) & (closes.index <= high)]
        if inside.empty:
            del out.values[symbol]
            out.per_symbol.append(symbol)
        else:
            out.values[symbol] = inside
    return out
