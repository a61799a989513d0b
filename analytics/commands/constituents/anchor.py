"""The as-of session an answer stands on, and a price load anchored on it.

A window is measured back from its end session E. E is the session the user asked for (the
range's end, `as_of`, or the latest completed session), unless the data ends earlier (offline
on an old cache, the provider down): then E is the data's last session, the answer says "as
of D" and why (analytics.commands.provenance.price_dating), and the load must reach back from
D, not from today, or a 1y window would start months after the data it needs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from analytics import calendar
from analytics.commands.provenance import source_label
from analytics.data.market import MarketData, PriceResult, Progress
from analytics.errors import NoData
from analytics.windows import Window, earliest_needed, window_anchor, window_bounds

_CHUNK = 900
"""Tickers per SQL query (SQLite allows 999 parameters)."""


def expected_end(window: Window, as_of: dt.date | None, now: dt.datetime) -> dt.date:
    """The session the answer should end on: the range's end or `as_of` (the last session on or
    before it), never after the latest completed session; the latest one when none is asked."""
    return calendar.expected_session(asked_session(window, as_of), now)


def calendar_start(window: Window, end: dt.date) -> dt.date:
    """S, the window's first session for a window ending at session `end`, on the NYSE calendar
    (the data's own sessions give the same day when nothing is missing). Before any data is
    read: used to pick a holdings snapshot. A window too long for the calendar gives its anchor.
    """
    sessions = calendar.sessions_between(earliest_needed(window, end), end)
    try:
        return window_bounds(window, sessions, as_of=end)[0].date()
    except NoData:
        return window_anchor(window, end) or earliest_needed(window, end)


def load_anchored(
    market: MarketData,
    tickers: Sequence[str],
    window: Window,
    expected: dt.date,
    *,
    progress: Progress | None = None,
    columns: Sequence[str] = ("adj_close",),
    reach: Callable[[dt.date], dt.date] | None = None,
) -> PriceResult:
    """Bars (`columns`, adjusted closes by default) of `tickers` for `window` ending at
    `expected`, reaching back far enough when the data ends before `expected`: a second
    (cache) read from the window's start as measured from the data's last session.

    `reach(end)` is the first date to read for a window ending at `end` (default: what the
    window needs, analytics.windows.earliest_needed; breadth reads a year more). Blocking."""
    first_for = reach or (lambda end: earliest_needed(window, end))
    first = first_for(expected)
    result = market.bars(tickers, first, expected, progress=progress, columns=list(columns))
    end = result.as_of
    if end is None or end < expected:
        # The read may hold nothing at all when the data ends before the window it asked for.
        end = last_cached_date(market, tickers, expected) or end
    if end is not None and end < expected:
        again = first_for(end)
        if again < first:
            result = market.bars(tickers, again, end, columns=list(columns))
    return result


def last_cached_date(
    market: MarketData, tickers: Sequence[str], on_or_before: dt.date
) -> dt.date | None:
    """The latest date on or before `on_or_before` with a cached bar for any of `tickers`
    (None when there is none): one indexed MAX per chunk of tickers. Blocking."""
    latest: str | None = None
    names = list(dict.fromkeys(tickers))
    for i in range(0, len(names), _CHUNK):
        chunk = names[i : i + _CHUNK]
        row = market.cache.db.execute(
            f"SELECT MAX(date) FROM bars WHERE ticker IN ({','.join('?' * len(chunk))})"
            " AND date <= ?",
            [*chunk, on_or_before.isoformat()],
        ).fetchone()
        if row and row[0] and (latest is None or row[0] > latest):
            latest = row[0]
    return dt.date.fromisoformat(latest) if latest else None


def asked_session(window: Window, as_of: dt.date | None) -> dt.date | None:
    """The date the user asked the window to end on: a range's end, else `as_of` (None: the
    latest session). What analytics.commands.provenance.price_dating compares the data with."""
    return window.end if window.kind == "range" else as_of


def rows_source(market: MarketData, tickers: Sequence[str], start: dt.date, end: dt.date) -> str:
    """Where the rows of `tickers` from `start` to `end` came from ("Yahoo Finance",
    "import: IWM.csv", both), read from the array store's source codes rather than a string
    per bar; the configured provider's name when the rows carry none. Blocking."""
    found = market.cache.sources(list(dict.fromkeys(tickers)), start, end)
    return source_label(list(found), market.source_name)


def missing_prices_remedy(market: MarketData, result: PriceResult) -> str:
    """What to do about names without prices, for a refusal: import or go online when offline,
    wait when the provider failed, else import (the provider does not have them)."""
    if result.offline:
        return "Import their prices (`marketbot import prices FILE`) or go online."
    if result.stale:
        first = result.warnings[0].split(";")[0] if result.warnings else ""
        return f"{first or market.source_name + ' did not answer'}: ask again later."
    return (
        f"{market.source_name} has no prices for the rest: import them "
        "(`marketbot import prices FILE`)."
    )
