"""One night's collection of estimate snapshots: which names (analytics.revisions.budget), the
fetch (analytics.data.yahoo_estimates) and the store, in batches saved as they arrive.

Wanted: the constituents of the default universes (IJR, IJH, IVV: the S&P 600, 400 and 500,
about 1,500 names) and of any other fund someone asked /revisions about in the last
ASKED_WINDOW, all under the one nightly budget. A universe whose holdings cannot be had is
left out of the night (and named in the report). Blocking: run in a worker thread.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from analytics import calendar
from analytics.data.market import MarketData
from analytics.data.yahoo_estimates import EstimateFetch, YahooEstimates
from analytics.errors import MarketbotError
from analytics.revisions.budget import NIGHTLY_REQUESTS, Want, plan_night
from analytics.revisions.store import RevisionStore
from analytics.revisions.universe import revision_universe

log = logging.getLogger(__name__)

DEFAULT_UNIVERSES: tuple[str, ...] = ("IJR", "IJH", "IVV")
"""Collected every night: small, mid and large caps (S&P 600, 400, 500)."""

ASKED_WINDOW = dt.timedelta(days=30)
"""Another fund is collected while someone asked /revisions about it within this long."""

BATCH = 25
"""Names per fetch, saved as it arrives: a crash or restart loses at most one batch."""


@dataclass
class NightReport:
    """What one run of a night's collection did (a night may run again after a rate limit)."""

    night: dt.date
    universes: tuple[str, ...] = ()
    skipped_universes: dict[str, str] = field(default_factory=dict)
    wanted: int = 0
    planned: int = 0
    requests: int = 0
    spent: int = 0  # the night's requests, earlier runs included
    estimates: int = 0
    no_estimates: int = 0
    unknown: int = 0
    failed: int = 0
    not_sent: int = 0
    rate_limited: bool = False

    @property
    def complete(self) -> bool:
        """Everything planned was answered for (a failed name waits for another night)."""
        return not self.rate_limited and self.not_sent == 0

    def summary(self) -> str:
        return (
            f"{self.planned} of {self.wanted} names planned, {self.estimates} with estimates, "
            f"{self.no_estimates} without, {self.unknown} unknown, {self.failed} failed, "
            f"{self.not_sent} not sent; {self.requests} requests ({self.spent} tonight)"
        )


def collection_night(now: dt.datetime) -> dt.date:
    """The night a collection at `now` counts for: the New York calendar day."""
    return calendar.eastern_date(now)


def wanted_names(
    data: MarketData, store: RevisionStore, night: dt.date
) -> tuple[dict[str, Want], tuple[str, ...], dict[str, str]]:
    """(ticker -> Want, universes collected, universes left out -> why) for `night`."""
    nights = store.nights(end=night)
    first_night = nights[0].night if nights else night
    asked = store.asked_since(data.now() - ASKED_WINDOW)
    funds = list(dict.fromkeys([*DEFAULT_UNIVERSES, *sorted(asked)]))
    wanted: dict[str, Want] = {}
    used: list[str] = []
    skipped: dict[str, str] = {}
    for fund in funds:
        since = first_night
        if fund in asked:
            since = max(first_night, calendar.eastern_date(asked[fund]))
        try:
            universe = revision_universe(data, fund, night)
        except MarketbotError as exc:
            skipped[fund] = exc.message
            log.warning("revisions: %s left out tonight: %s", fund, exc.message)
            continue
        used.append(fund)
        weights = universe.weights or {}
        size = len(universe.tickers)
        for ticker in universe.tickers:
            # Weight relative to an equal weight: a fund of 600 names and one of 400 fill
            # their coverage at the same pace, their heaviest names first.
            weight = weights.get(ticker, 0.0) * size
            known = wanted.get(ticker)
            if known is None:
                wanted[ticker] = Want(weight, since)
            else:
                wanted[ticker] = Want(max(known.weight, weight), min(known.since, since))
    return wanted, tuple(used), skipped


def collect_night(
    data: MarketData,
    source: YahooEstimates,
    night: dt.date,
    *,
    budget: int = NIGHTLY_REQUESTS,
    stop: Callable[[], bool] | None = None,
) -> NightReport:
    """Ask Yahoo about tonight's due names (at most `budget` requests tonight, counting earlier
    runs of the same night) and store what it says."""
    store = RevisionStore(data.cache)
    wanted, used, skipped = wanted_names(data, store, night)
    report = NightReport(night=night, universes=used, skipped_universes=skipped)
    report.wanted = len(wanted)
    spent_before = store.night(night)
    spent = spent_before.requests if spent_before else 0
    plan = plan_night(wanted, store.last_settled(list(wanted)), night, requests_left=budget - spent)
    report.planned = len(plan)
    for start in range(0, len(plan), BATCH):
        left = budget - spent
        batch = plan[start : start + BATCH]
        fetch = source.fetch(batch, max_requests=left, stop=stop)
        store.save_fetch(night, fetch, checked_at=data.now(), source=source.name)
        spent += fetch.requests
        _add(report, fetch)
        if fetch.not_sent:
            report.not_sent += len(plan) - start - len(batch)
            break
    report.spent = spent
    return report


def _add(report: NightReport, fetch: EstimateFetch) -> None:
    report.requests += fetch.requests
    report.estimates += sum(1 for p in fetch.estimates.values() if p)
    report.no_estimates += sum(1 for p in fetch.estimates.values() if not p)
    report.unknown += len(fetch.unknown)
    report.failed += len(fetch.failed)
    report.not_sent += len(fetch.not_sent)
    report.rate_limited |= fetch.rate_limited
