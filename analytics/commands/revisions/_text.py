"""The words of the /revisions answer: labels, headline, summary, fields and refusals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from analytics.commands.revisions import PERIOD_CHOICES
from analytics.coverage import REFUSE
from analytics.revisions.breadth import MAX_AGE_DAYS
from analytics.revisions.budget import NIGHTLY_REQUESTS, REFRESH_DAYS
from analytics.revisions.collect import ASKED_WINDOW

if TYPE_CHECKING:
    from analytics.commands.revisions._answer import UniverseResult
    from analytics.revisions.history import OrderContext
    from analytics.revisions.store import Night

ASKED_DAYS = ASKED_WINDOW.days

CAP_LABELS = {
    "IJR": "small caps",
    "IJH": "mid caps",
    "IVV": "large caps",
    "IWM": "small caps",
    "IWB": "large caps",
    "IWV": "all caps",
}
MEASURE = "analysts' EPS estimate revisions (Yahoo Finance consensus), not company guidance"
NOT_COLLECTED = "the nightly collection (the running bot) has stored nothing newer"
DEFINITIONS = (
    "Analysts' revisions of their EPS estimates, not company guidance. Net up: more upward "
    "than downward revisions of the period's consensus estimate in the last 30 days; net down: "
    "the reverse; shares of the names with estimates. 30d change: the holdings-weighted mean "
    "of estimate now / estimate 30 days ago - 1 (for a negative estimate, the change over its "
    f"size). Each name stands on its latest snapshot of the last {MAX_AGE_DAYS} days."
)


def label(fund: str) -> str:
    return CAP_LABELS.get(fund, "")


def named(fund: str) -> str:
    """'small caps (IJR)', or the fund alone when it has no cap label."""
    cap = label(fund)
    return f"{cap} ({fund})" if cap else fund


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def period_label(period: str) -> str:
    return next((c.label for c in PERIOD_CHOICES if c.value == period), period)


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def headline(
    compared: Sequence[UniverseResult],
    order: tuple[str, ...],
    context: OrderContext | None,
    period: str,
) -> str:
    """'Small caps (IJR) lead EPS estimate revisions for the first time since 2025-01-10' or
    '... lead EPS estimate revisions: 46% of names net up (current quarter)'."""
    by_fund = {r.fund: r for r in compared}
    first = by_fund[order[0]]
    share = _share(first.breadth.share_up)
    what = period_label(period)
    if len(compared) == 1:
        return f"{first.fund}: {share} of names with net upward EPS estimate revisions ({what})"
    who = capitalised(named(first.fund))
    if context is not None and context.new_lead:
        since = context.previous_lead or context.start
        tail = "since collection began " if context.previous_lead is None else "since "
        return f"{who} lead EPS estimate revisions for the first time {tail}{since} ({what})"
    return f"{who} lead EPS estimate revisions: {share} of names net up ({what})"


def chart_title(
    compared: Sequence[UniverseResult],
    order: tuple[str, ...],
    context: OrderContext | None,
) -> str:
    """The headline short enough for the chart: 'Small caps lead EPS revisions, first time
    since 2025-01-10' (the fund and the period are in the legend and subtitle)."""
    first = next(r for r in compared if r.fund == order[0])
    share = _share(first.breadth.share_up)
    if len(compared) == 1:
        return f"{first.fund}: {share} of names with net upward EPS revisions"
    who = capitalised(label(first.fund) or first.fund)
    if context is not None and context.new_lead:
        since = context.previous_lead
        return (
            f"{who} lead EPS revisions, first time since {since}"
            if since
            else f"{who} lead EPS revisions, first time since {context.start} (collection start)"
        )
    return f"{who} lead EPS revisions: {share} of names net up"


def partial_suffix(compared: Sequence[UniverseResult]) -> str:
    partial = [r for r in compared if r.breadth.coverage.partial]
    if not partial:
        return ""
    return " · partial: " + ", ".join(f"{r.fund} {r.breadth.coverage.describe()}" for r in partial)


def partial_badge(compared: Sequence[UniverseResult]) -> str:
    partial = [r for r in compared if r.breadth.coverage.partial]
    if not partial:
        return ""
    return "Partial: " + ", ".join(f"{r.fund} {r.breadth.coverage.describe()}" for r in partial)


def chart_subtitle(period: str) -> str:
    return (
        f"Names with net upward revisions in 30 days, {period_label(period)} EPS · "
        "analysts' estimates, not company guidance"
    )


def universe_clause(r: UniverseResult, first: bool) -> str:
    """'small caps (IJR) 50.0% of the 580 names with estimates (net down 20.0%, cap-weighted
    change +0.84%)'; later universes shorter ('... 37.5% of 390 (net down ..., ...)')."""
    b = r.breadth
    change = (
        f"cap-weighted change {b.weighted_change:+.2%}"
        if b.weighted_change is not None
        else "no change to weight"
    )
    names = f"the {b.with_estimates:,} names with estimates" if first else f"{b.with_estimates:,}"
    return f"{named(r.fund)} {b.share_up:.1%} of {names} (net down {b.share_down:.1%}, {change})"


def coverage_clause(r: UniverseResult) -> str:
    c = r.breadth.coverage
    weight = f" ({c.describe()})" if c.weight_share is not None else ""
    return f"{r.fund} {c.priced:,} of {c.universe:,} names{weight}, {c.status}"


def leader_field(order: tuple[str, ...]) -> str:
    return f"{capitalised(named(order[0]))}; order {' > '.join(order)}"


def history_sentence(context: OrderContext | None, nights: Sequence[Night]) -> str:
    """When the leader (and the whole order) last looked like today's, from the history."""
    start = nights[0].night if nights else None
    if context is None:
        begun = f" (collection began {start})" if start else ""
        return f"One universe compared: no order to look back on{begun}."
    leader = capitalised(named(context.leader))
    if len(context.days) == 1:
        return (
            f"History starts {context.start}, when the bot began collecting: no earlier day "
            "to compare with yet."
        )
    parts = []
    if context.leading_since == context.start:
        parts.append(
            f"{leader} has led on every day compared since collection began "
            f"({context.start}, {len(context.days)} days)."
        )
    elif context.new_lead:
        since = context.previous_lead
        parts.append(
            f"{leader} lead for the first time since {since}."
            if since
            else f"{leader} lead for the first time since collection began ({context.start})."
        )
    else:
        since = context.previous_lead
        before = (
            f"; before that it last led on {since}"
            if since
            else f"; it had not led before in the history (from {context.start})"
        )
        parts.append(f"{leader} has led since {context.leading_since}{before}.")
    order = " > ".join(context.order)
    if context.order_since != context.start:
        seen = (
            f"before that it was last seen on {context.previous_order}"
            if context.previous_order
            else "not seen before in the history"
        )
        parts.append(f"This order ({order}) since {context.order_since}; {seen}.")
    return " ".join(parts)


def snapshots_field(compared: Sequence[UniverseResult]) -> str:
    firsts = [r.breadth.first_snapshot for r in compared if r.breadth.first_snapshot]
    lasts = [r.breadth.last_snapshot for r in compared if r.breadth.last_snapshot]
    span = f"{min(firsts)} to {max(lasts)}" if firsts else "none"
    return (
        f"{span}; each name is refreshed about every {REFRESH_DAYS} days (at most "
        f"{NIGHTLY_REQUESTS} requests a night)."
    )


def summary(
    compared: Sequence[UniverseResult],
    order: tuple[str, ...],
    context: OrderContext | None,
    period: str,
    nights: Sequence[Night],
) -> str:
    by_fund = {r.fund: r for r in compared}
    clauses = [universe_clause(by_fund[f], i == 0) for i, f in enumerate(order)]
    parts = [
        f"Net upward revisions (more up than down in the last 30 days) to the "
        f"{period_label(period)} EPS estimate: {'; '.join(clauses)}."
    ]
    if len(compared) > 1:
        parts.append(history_sentence(context, nights))
    parts.append(
        "Coverage (names with estimates): "
        + "; ".join(coverage_clause(by_fund[f]) for f in order)
        + "."
    )
    parts.append(f"These are {MEASURE}.")
    return " ".join(parts)


def collected_from_tonight(funds: Sequence[str]) -> str:
    names = ", ".join(funds)
    return (
        f"{names} {'is' if len(funds) == 1 else 'are'} collected from tonight, while asked about "
        f"in the last {ASKED_DAYS} days, under the same nightly budget."
    )


def not_compared(r: UniverseResult, asked: bool = False) -> str:
    c = r.breadth.coverage
    weight = f" ({c.describe()})" if c.weight_share is not None else ""
    tail = (
        collected_from_tonight([r.fund])
        if asked
        else (f"The nightly collection adds up to {NIGHTLY_REQUESTS} names a night.")
    )
    return (
        f"{r.fund} is not compared: only {c.priced:,} of its {c.universe:,} names have "
        f"estimates collected{weight}, too few (at least {REFUSE:.0%} needed). {tail}"
    )


def nothing_to_compare(
    results: Sequence[UniverseResult],
    first_night: dt.date | None,
    on: dt.date,
    period: str,
    asked: Sequence[str] = (),
) -> str:
    """The refusal when no universe has enough names with estimates."""
    counts = ", ".join(
        f"{r.fund} {r.breadth.coverage.priced:,} of {r.breadth.coverage.universe:,}"
        for r in results
    )
    if first_night is None:
        began = "Nothing has been collected yet"
    elif first_night > on:
        began = f"Collection began {first_night}, after {on}"
    else:
        began = f"Collection began {first_night}"
    extra = f" {collected_from_tonight(asked)}" if asked else ""
    return (
        f"Too few names have {period_label(period)} EPS estimates collected to answer ({counts}; "
        f"at least {REFUSE:.0%} of each universe needed). {began}: the running bot "
        f"(marketbot run) collects analysts' estimates nightly, at most {NIGHTLY_REQUESTS} "
        f"requests a night, each name about every {REFRESH_DAYS} days, so a universe fills "
        f"within about a week; history starts when collection starts.{extra}"
    )
