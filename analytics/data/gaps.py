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


@dataclass(frozen=True)
class CoverageIndex:
    """What a plan needs from the file for one list of tickers: the tickers grouped by their
    coverage span (one Coverage standing for the group, None for never asked), and the
    recorded holes, by position in the list. Read once per generation (PriceCache.memoised):
    a 2,000-name universe refreshed together has a handful of spans."""

    spans: tuple[tuple[Coverage | None, tuple[int, ...]], ...]
    holes: Mapping[int, Sequence[tuple[dt.date, dt.date]]]
    positions: Mapping[str, int] = field(default_factory=dict, compare=False)
    """ticker -> position, for a patch to find the names that changed (empty: look them up)."""


def coverage_index(
    coverage: Mapping[str, Coverage],
    tickers: Sequence[str],
    holes: Mapping[str, Sequence[tuple[dt.date, dt.date]]] | None = None,
) -> CoverageIndex:
    """`tickers` grouped by (checked_from, checked_to, fetched_at): all that `gaps_for` reads."""
    groups: dict[tuple[dt.date, dt.date, dt.datetime] | None, tuple[Coverage | None, list]] = {}
    recorded: dict[int, Sequence[tuple[dt.date, dt.date]]] = {}
    holes = holes or {}
    for i, ticker in enumerate(tickers):
        cov = coverage.get(ticker)
        span = None if cov is None else (cov.checked_from, cov.checked_to, cov.fetched_at)
        groups.setdefault(span, (cov, []))[1].append(i)
        if holes.get(ticker):
            recorded[i] = tuple(holes[ticker])
    positions = {t: i for i, t in enumerate(tickers)}
    return CoverageIndex(
        tuple((cov, tuple(ix)) for cov, ix in groups.values()),
        recorded,
        positions if len(positions) == len(tickers) else {},
    )


def patched_index(
    index: CoverageIndex,
    tickers: Sequence[str],
    changed: frozenset[str],
    coverage: Mapping[str, Coverage],
    holes: Mapping[str, Sequence[tuple[dt.date, dt.date]]],
) -> CoverageIndex:
    """What `coverage_index` gives for `tickers` after the names in `changed` changed, from
    the index made before: their positions move to the group of their new span, the others
    stay (a fetch of one name of 2,000 regroups that name). `coverage` and `holes` hold at
    least the changed names'. A group's Coverage stands for its span (the dates and fetch
    time are what a plan reads), whichever of its names it came from."""
    if index.positions:
        moved = sorted(index.positions[t] for t in changed if t in index.positions)
    else:
        moved = [i for i, t in enumerate(tickers) if t in changed]
    if not moved:
        return index
    gone = set(moved)
    groups: dict[tuple[dt.date, dt.date, dt.datetime] | None, tuple[Coverage | None, list]] = {}
    for cov, ix in index.spans:
        kept = [i for i in ix if i not in gone] if gone.intersection(ix) else list(ix)
        if kept:
            groups[_span(cov)] = (cov, kept)
    touched = set()
    for i in moved:
        cov = coverage.get(tickers[i])
        span = _span(cov)
        groups.setdefault(span, (cov, []))[1].append(i)
        touched.add(span)
    for span in touched:
        groups[span][1].sort()
    spans = tuple((cov, tuple(ix)) for cov, ix in sorted(groups.values(), key=lambda g: g[1][0]))
    recorded = {i: h for i, h in index.holes.items() if i not in gone}
    recorded.update((i, tuple(holes[tickers[i]])) for i in moved if holes.get(tickers[i]))
    return CoverageIndex(spans, dict(sorted(recorded.items())), index.positions)


def _span(cov: Coverage | None) -> tuple[dt.date, dt.date, dt.datetime] | None:
    return None if cov is None else (cov.checked_from, cov.checked_to, cov.fetched_at)


def indexed_missing_ranges(
    index: CoverageIndex,
    tickers: Sequence[str],
    start: dt.date | None,
    end: dt.date,
    now: dt.datetime,
) -> list[Gap]:
    """Per ticker of `index`, the ranges of [start, end] the cache has never asked for,
    grouped by range (recorded holes that meet [start, end] are asked for whole); the gaps of
    each coverage span are worked out once.

    Groups come in the order of their first ticker (its back gap, forward gap, then holes)
    and list their tickers in request order, as a ticker-by-ticker walk would give them."""
    wanted_from = start or HISTORY_FLOOR
    members: dict[tuple[dt.date | None, dt.date, bool], list[int]] = {}
    first: dict[tuple[dt.date | None, dt.date, bool], tuple[int, int]] = {}
    span_gaps: dict[int, int] = {}  # how many span gaps a ticker with holes has before them
    for cov, positions in index.spans:
        found = gaps_for(cov, start, end, now)
        for p, (a, b) in enumerate(found):
            key = (a, b, False)
            members.setdefault(key, []).extend(positions)
            first[key] = min(first.get(key, (positions[0], p)), (positions[0], p))
        if index.holes:
            span_gaps.update((i, len(found)) for i in positions if i in index.holes)
    for i, recorded in index.holes.items():
        for q, (a, b) in enumerate(recorded):
            if b >= wanted_from and a <= end:
                key = (a, b, True)
                members.setdefault(key, []).append(i)
                first[key] = min(first.get(key, (i, span_gaps[i] + q)), (i, span_gaps[i] + q))
    gaps = []
    for key in sorted(members, key=first.__getitem__):
        positions = sorted(members[key])
        gaps.append(Gap(key[0], key[1], [tickers[i] for i in positions], hole=key[2]))
    return gaps


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
