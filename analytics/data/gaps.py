"""What the cache lacks: the date ranges of each ticker never asked of the provider.

Coverage is one contiguous checked range per ticker (`coverage` table). A request wants
[start, end]; what lies before the checked range is a back gap, what lies after the last final
bar a forward gap (a bar fetched mid-session is refetched, at most every INTRADAY_REFRESH,
until the close). Ranges without an opened NYSE session (weekends, holidays, before the open)
are never asked for. A recorded hole inside the checked range (`coverage_holes`, see
analytics.data.holes) that meets the request is asked for as it is, whole. Tickers with the
same gap share one provider call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from analytics import calendar
from analytics.data.cache import HISTORY_FLOOR, Coverage

INTRADAY_REFRESH = dt.timedelta(minutes=15)
"""A bar fetched during its session is refetched at most this often until the close."""

_CALENDAR_START = dt.date(1990, 1, 2)


@dataclass
class Gap:
    """One provider call's worth: a date range and the tickers that lack it."""

    start: dt.date | None  # None = from the beginning of the provider's history
    end: dt.date
    tickers: list[str] = field(default_factory=list)
    hole: bool = False  # a recorded hole inside the checked range, not an extension of it


def missing_ranges(
    coverage: Mapping[str, Coverage],
    tickers: Sequence[str],
    start: dt.date | None,
    end: dt.date,
    now: dt.datetime,
    holes: Mapping[str, Sequence[tuple[dt.date, dt.date]]] | None = None,
) -> list[Gap]:
    """Per ticker, the ranges of [start, end] the cache has never asked for, grouped by range.

    `holes`: recorded holes per ticker; those that meet [start, end] are asked for whole.
    """
    groups: dict[tuple[dt.date | None, dt.date, bool], Gap] = {}
    wanted_from = start or HISTORY_FLOOR
    holes = holes or {}
    # A universe refreshed together shares a few coverage spans: work each one out once.
    by_span: dict[tuple[dt.date, dt.date, dt.datetime] | None, list] = {}
    for ticker in tickers:
        cov = coverage.get(ticker)
        span = None if cov is None else (cov.checked_from, cov.checked_to, cov.fetched_at)
        found = by_span.get(span)
        if found is None:
            found = by_span[span] = [(a, b, False) for a, b in gaps_for(cov, start, end, now)]
        ranges = found
        recorded = holes.get(ticker)
        if recorded:
            ranges = found + [(a, b, True) for a, b in recorded if b >= wanted_from and a <= end]
        for key in ranges:
            groups.setdefault(key, Gap(key[0], key[1], hole=key[2])).tickers.append(ticker)
    return list(groups.values())


def gaps_for(
    cov: Coverage | None, start: dt.date | None, end: dt.date, now: dt.datetime
) -> list[tuple[dt.date | None, dt.date]]:
    """The back and forward gaps of one ticker's coverage for a request [start, end]."""
    if cov is None:
        return [(start, end)] if has_session(start or HISTORY_FLOOR, end, now) else []
    gaps: list[tuple[dt.date | None, dt.date]] = []
    wanted_from = start or HISTORY_FLOOR
    if wanted_from < cov.checked_from:
        back_end = cov.checked_from - dt.timedelta(days=1)
        if start is None or has_session(wanted_from, back_end, now):
            gaps.append((start, back_end))
    fresh = fresh_through(cov)
    if end > fresh:
        # Start right after what is known, so the covered range stays one contiguous span.
        forward_start = fresh + dt.timedelta(days=1)
        if has_session(forward_start, end, now) and not recently_refreshed(cov, now):
            gaps.append((forward_start, end))
    return gaps


def fresh_through(cov: Coverage) -> dt.date:
    """The last date whose bar was final when fetched (a bar fetched mid-session is not)."""
    day = cov.checked_to
    if calendar.is_session(day) and cov.fetched_at < calendar.session_close(day):
        return day - dt.timedelta(days=1)
    return day


def recently_refreshed(cov: Coverage, now: dt.datetime) -> bool:
    """A partial bar refetched within INTRADAY_REFRESH, with the session still open."""
    day = cov.checked_to
    if not calendar.is_session(day):
        return False
    close = calendar.session_close(day)
    return cov.fetched_at < close and now < close and now - cov.fetched_at < INTRADAY_REFRESH


def has_session(start: dt.date, end: dt.date, now: dt.datetime) -> bool:
    """True when [start, end] holds a session that has opened by `now`."""
    if start > end:
        return False
    sessions = calendar.sessions_between(max(start, _CALENDAR_START), end)
    if len(sessions) == 0:
        return start < _CALENDAR_START
    last = sessions[-1].date()
    if len(sessions) > 1:
        return True
    return now >= calendar.session_open(last)
