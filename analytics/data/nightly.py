"""The nightly refresh: the newest session of many names in few requests.

After a session's close, `MarketData.refresh` sorts the tickers by what they lack (`plan_night`):
- quote: only that session is missing: its bar comes from the multi-symbol quote (50 names a
  request), stored exactly as a chart fetch would store it (analytics.data.store.store_latest);
- checks: the per-symbol events check is due (below): one chart request over the sessions whose
  events are unseen and tonight's;
- fill: anything else (never cached, a missed night, a hole, a back gap): the per-symbol fill.

Splits. A quote carries no events, but its previous close is on Yahoo's current basis: off the
cached close of that session by more than SPLIT_TOLERANCE, the ratio (constant across the
history, as a split's is) sends the name to a per-symbol chart fetch, whose split event re-bases
the cached history (analytics.data.store). So does a day's move beyond BIG_MOVE: a split the
previous close might not show. A name the quote leaves out, or whose quote is not of tonight's
session, is asked per symbol too.

Dividends do not show in closes. Names that paid one in the last year (events.dividend_payers)
get their check at least every PAYER_PERIOD sessions (weekly), the others every OTHER_PERIOD (a
first dividend), spread over the nights: each night a quota of 1/period of each group, the
longest unchecked first, and every name that reached its period. Until its check, an answer
over a payer's pending sessions says "dividends pending" (MarketData.bars). A night stays within
one request per NIGHT_SHARE names: checks beyond that budget wait for a later night (`postponed`).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from analytics import calendar
from analytics.data import events
from analytics.data.gaps import Gap
from analytics.data.patient import MAX_BACKOFFS, run_patiently
from analytics.data.provider import FetchResult, LatestBar, MultiSymbolSource, empty_bars
from analytics.data.results import FillReport, NightReport
from analytics.data.store import store_latest

if TYPE_CHECKING:
    from analytics.data.market import MarketData, Progress

log = logging.getLogger("analytics.data.market")

PAYER_PERIOD = 5
"""Sessions: a dividend payer's events are checked per symbol at least this often (weekly)."""

OTHER_PERIOD = 20
"""Sessions: the other names' events are checked this often (a first or special dividend)."""

NIGHT_SHARE = 5
"""A whole night sends at most one request per this many names."""

QUOTE_BATCH = 50
"""Names per quote request (analytics.data.yahoo_multi.QUOTE_BATCH): for the budget."""

QUOTE_CHUNK = 500
"""Names per quote call: commands that must fetch go first between two calls (10 requests)."""

CHECK_BATCH = 20
"""Names per batch of per-symbol checks (as in a fill)."""

SPLIT_TOLERANCE = 0.002
"""A previous close off the cached one by more than this (relative) is a split to re-base."""

BIG_MOVE = 0.4
"""A day's move beyond +40% (or its inverse, -29%) is verified per symbol: a split whose
previous close the quote did not adjust would otherwise be stored as a crash."""


@dataclass
class NightPlan:
    """Who gets what tonight. checks: ticker -> the (start, end) of its per-symbol fetch."""

    session: dt.date
    quote: list[str] = field(default_factory=list)
    checks: dict[str, tuple[dt.date, dt.date]] = field(default_factory=dict)
    fill: list[str] = field(default_factory=list)
    payers: set[str] = field(default_factory=set)
    postponed: list[str] = field(default_factory=list)
    forward: dict[str, dt.date] = field(default_factory=dict)  # quote names' gap start


def plan_night(
    market: MarketData, tickers: Sequence[str], start: dt.date | None, session: dt.date
) -> NightPlan:
    """Sort `tickers` into quote, checks and fill for the refresh through `session` (blocking)."""
    plan = NightPlan(session)
    known_unknown, gaps = market.plan(tickers, start, session, max(len(tickers), 1))
    own: dict[str, list[Gap]] = {}
    for gap in gaps:
        for ticker in gap.tickers:
            own.setdefault(ticker, []).append(gap)
    closed = market.now() >= calendar.session_close(session)
    fresh = []
    for ticker in tickers:
        if ticker in known_unknown:
            continue
        mine = own.get(ticker)
        if not mine:
            fresh.append(ticker)
        elif closed and len(mine) == 1 and _newest_only(mine[0], session):
            plan.quote.append(ticker)
            plan.forward[ticker] = mine[0].start  # type: ignore[assignment]
        else:
            plan.fill.append(ticker)
    pending = events.pending(market.cache, plan.quote + fresh)
    candidates = plan.quote + [t for t in fresh if t in pending]
    plan.payers = events.dividend_payers(market.cache, candidates, session)
    ages = _ages(candidates, pending, session)
    budget = max(len(tickers) // NIGHT_SHARE, 1)
    spare = budget - math.ceil(len(plan.quote) / QUOTE_BATCH) - len(plan.fill)
    spare -= len(plan.quote) // 100  # room for splits and names the quote leaves out
    chosen, plan.postponed = schedule(candidates, ages, plan.payers, spare)
    for ticker in chosen:
        mine_pending = pending.get(ticker)
        if ticker in plan.forward:
            first = plan.forward[ticker]
            if mine_pending is not None:
                first = min(first, mine_pending.since)
            plan.checks[ticker] = (first, session)
        elif mine_pending is not None:
            plan.checks[ticker] = (mine_pending.since, mine_pending.through)
    return plan


def _newest_only(gap: Gap, session: dt.date) -> bool:
    """The gap is a forward one holding exactly one session, `session`."""
    if gap.hole or gap.start is None or gap.end != session:
        return False
    return len(calendar.sessions_between(gap.start, session)) == 1


def _ages(
    tickers: Sequence[str], pending: dict[str, events.Pending], session: dt.date
) -> dict[str, int]:
    """Sessions whose events each ticker has not seen, tonight's included."""
    ages: dict[str, int] = {}
    for ticker in tickers:
        since = pending[ticker].since if ticker in pending else session
        ages[ticker] = max(len(calendar.sessions_between(since, session)), 1)
    return ages


def schedule(
    candidates: Sequence[str], ages: dict[str, int], payers: set[str], budget: int
) -> tuple[list[str], list[str]]:
    """Tonight's events checks, and those due that the budget leaves for later.

    Per group (payers every PAYER_PERIOD sessions, others every OTHER_PERIOD): every name whose
    unseen sessions reached the period, then the longest unseen up to a quota of 1/period of
    the group, so each group's checks spread evenly over the period. Names due come first
    (payers first) when `budget` cannot take them all.
    """
    due: list[str] = []
    optional: list[str] = []
    for group, period in (
        ([t for t in candidates if t in payers], PAYER_PERIOD),
        ([t for t in candidates if t not in payers], OTHER_PERIOD),
    ):
        ranked = sorted(group, key=lambda t: (-ages[t], t))
        must = [t for t in ranked if ages[t] >= period]
        quota = math.ceil(len(group) / period)
        due += must
        optional += [t for t in ranked if ages[t] < period][: max(quota - len(must), 0)]
    room = max(budget, 0)
    chosen = (due + optional)[:room]
    postponed = due[room:]
    if postponed:
        log.warning(
            "%d events checks are due but over tonight's request budget; their answers say "
            "'dividends pending' until a later night",
            len(postponed),
        )
    return chosen, postponed


def verdict(bar: LatestBar, cached_previous: float | None, session: dt.date) -> str:
    """Why a quote cannot be stored as it is: "" (it can), "split", or another reason."""
    if bar.session != session:
        return f"its quote is of {bar.session}, not {session}"
    if cached_previous is None or cached_previous <= 0:
        return "no cached close before it"
    if abs(bar.previous_close / cached_previous - 1.0) > SPLIT_TOLERANCE:
        return "split"
    if abs(math.log(bar.close / cached_previous)) > math.log(1.0 + BIG_MOVE):
        return f"a {bar.close / cached_previous - 1:+.0%} day to verify"
    return ""


def previous_closes(
    market: MarketData, tickers: Sequence[str], before: dt.date
) -> dict[str, float]:
    """Each ticker's last cached close before `before` (tickers with none are left out)."""
    out: dict[str, float] = {}
    conn = market.cache.db.conn
    names = list(dict.fromkeys(tickers))
    for i in range(0, len(names), 900):
        chunk = names[i : i + 900]
        rows = conn.execute(
            f"""SELECT b.ticker, b.close FROM bars b JOIN (
                    SELECT ticker, MAX(date) AS day FROM bars
                    WHERE ticker IN ({",".join("?" * len(chunk))}) AND date < ? GROUP BY ticker
                ) last ON b.ticker = last.ticker AND b.date = last.day""",
            [*chunk, before.isoformat()],
        ).fetchall()
        out.update({t: float(c) for t, c in rows if c is not None})
    return out


def refresh_night(
    market: MarketData,
    tickers: list[str],
    start: dt.date | None,
    session: dt.date,
    *,
    progress: Progress | None = None,
    sleep: Callable[[float], object] = time.sleep,
    stop: Callable[[], bool] | None = None,
    max_backoffs: int = MAX_BACKOFFS,
) -> NightReport:
    """Bring `tickers` through `session`: quotes, then per-symbol checks, then the fill."""
    provider = market.provider
    assert isinstance(provider, MultiSymbolSource)
    plan = plan_night(market, tickers, start, session)
    report = NightReport(requested=len(tickers), checks=list(plan.checks), postponed=plan.postponed)
    report.filled = list(plan.fill)
    options = {"sleep": sleep, "stop": stop, "max_backoffs": max_backoffs}
    per_symbol: dict[str, tuple[dt.date, dt.date]] = dict(plan.checks)
    quote_names = [t for t in plan.quote if t not in plan.checks]

    def quote_step(pending: list[str]) -> tuple[FetchResult, list[str]]:
        if report.fallback:  # given up on tonight: the rest go per symbol without asking
            per_symbol.update((t, (plan.forward[t], session)) for t in pending)
            report.per_symbol += pending
            return FetchResult(), []
        fetched = provider.latest_bars(pending)
        report.quote_requests += fetched.requests
        report.fallback = report.fallback or fetched.fallback
        result = FetchResult(
            failed=dict(fetched.failed),
            rate_limited=fetched.rate_limited,
            requests=fetched.requests,
        )
        previous = previous_closes(market, list(fetched.values), session)
        good: dict[str, LatestBar] = {}
        for ticker in pending:
            bar = fetched.values.get(ticker)
            why = verdict(bar, previous.get(ticker), session) if bar is not None else "left out"
            if ticker in fetched.failed:
                continue
            if why:
                if why == "split":
                    report.splits.append(ticker)
                    log.info("%s: Yahoo's quote shows a split; re-basing from its chart", ticker)
                per_symbol[ticker] = (plan.forward[ticker], session)
                report.per_symbol.append(ticker)
            else:
                good[ticker] = bar  # type: ignore[assignment]
        try:
            stored = store_latest(market.cache, good, plan.payers, market.now(), market.source_name)
        except sqlite3.OperationalError as exc:
            log.warning("could not store %d quotes in %s: %s", len(good), market.cache.path, exc)
            result.failed.update(dict.fromkeys(good, f"could not save to the cache file ({exc})"))
            result.store_error = str(exc)
            return result, []
        for ticker in good:
            if ticker in stored:
                result.bars[ticker] = empty_bars()
            else:  # the bad-row gate refused it
                per_symbol[ticker] = (plan.forward[ticker], session)
                report.per_symbol.append(ticker)
        report.quoted += stored
        return result, []

    phases = FillReport(needed=len(quote_names))
    chunks = [quote_names[i : i + QUOTE_CHUNK] for i in range(0, len(quote_names), QUOTE_CHUNK)]
    run_patiently(market, [(c, quote_step) for c in chunks], phases, progress=progress, **options)
    _add(report, phases)
    if not (report.stopped or report.gave_up) and per_symbol:
        groups: dict[tuple[dt.date, dt.date], list[str]] = {}
        for ticker, span in per_symbol.items():
            groups.setdefault(span, []).append(ticker)
        batches = []
        for (first, last), names in groups.items():
            for i in range(0, len(names), CHECK_BATCH):
                batch = names[i : i + CHECK_BATCH]

                def step(
                    pending: list[str], first=first, last=last
                ) -> tuple[FetchResult, list[str]]:
                    return market.fetch_gap(Gap(first, last, pending), patient=True), []

                batches.append((batch, step))
        checks = FillReport(needed=len(per_symbol))
        run_patiently(market, batches, checks, **options)
        _add(report, checks)
    if not (report.stopped or report.gave_up) and plan.fill:
        _add(report, market.fill(plan.fill, start, session, **options))  # type: ignore[arg-type]
    report.needed = len(quote_names) + len(per_symbol) - len(report.per_symbol) + len(plan.fill)
    if report.fallback:
        log.info("nightly refresh for %s: quote gave up on (%s)", session, report.fallback)
    return report


def _add(report: FillReport, part: FillReport) -> None:
    """Add one phase's outcome to the night's."""
    report.batches += part.batches
    report.requests += part.requests
    report.fetched += [t for t in part.fetched if t not in report.fetched]
    report.unknown += part.unknown
    for ticker in part.fetched + part.unknown:
        report.failed.pop(ticker, None)
    report.failed.update(part.failed)
    report.backoffs += part.backoffs
    report.waited_seconds += part.waited_seconds
    report.stopped |= part.stopped
    report.gave_up |= part.gave_up
    report.left += part.left
    report.filled_meanwhile += part.filled_meanwhile
