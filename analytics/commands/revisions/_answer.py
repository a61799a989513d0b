"""The /revisions answer: per universe, the share of names whose EPS estimate analysts revised
up (or down) on net in the last 30 days, the cap-weighted change of the estimate, coverage,
which universe leads, and when the order last looked like today's.

It reads the snapshots the nightly collection stored (analytics/revisions/collect.py); it never
asks Yahoo itself (a universe is ~500 requests: the nightly budget's job). Asking about a fund
outside the default ones puts it on the collection list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analytics.answer import Answer, Chart, Column, Field, Table, jsonable
from analytics.calendar import expected_session
from analytics.commands.common import behind_note
from analytics.commands.provenance import Dating, source_label
from analytics.commands.revisions import _text as text
from analytics.commands.revisions._parse import RevisionsRequest
from analytics.coverage import Coverage, InsufficientCoverage
from analytics.data.market import MarketData
from analytics.holdings.choice import FAR_DAYS
from analytics.revisions.breadth import (
    MAX_AGE_DAYS,
    RevisionBreadth,
    breadth_by_day,
    revision_breadth,
    states_on,
)
from analytics.revisions.collect import DEFAULT_UNIVERSES
from analytics.revisions.history import OrderContext, order_context
from analytics.revisions.store import RevisionStore
from analytics.revisions.universe import revision_universe
from analytics.spec import Progress
from analytics.universes import Universe

ANSWER_COLUMNS = ("up_30d", "down_30d", "est_now", "est_30d", "source")
"""The snapshot columns the answer reads."""

COLLECTION_GRACE = dt.timedelta(hours=4)
"""A night's snapshots are taken after the close: until this long after it, the previous
night's are not called behind."""


@dataclass(frozen=True)
class UniverseResult:
    """One universe: its constituents, today's measures, and the measures per history day."""

    fund: str
    universe: Universe
    breadth: RevisionBreadth
    by_day: pd.DataFrame

    @property
    def compared(self) -> bool:
        return self.breadth.coverage.status != "refused"

    def daily_status(self) -> pd.Series:
        """'complete' / 'partial' / 'refused' per history day, by the coverage rules."""
        weighted = self.universe.weights is not None
        return pd.Series(
            [
                Coverage(
                    int(r.with_estimates), int(r.names), r.weight_share if weighted else None
                ).status
                for r in self.by_day.itertuples()
            ],
            index=self.by_day.index,
        )


def revisions_answer(data: MarketData, request: RevisionsRequest, progress: Progress) -> Answer:
    """Estimate-revision breadth of `request.universes` on `request.as_of` (default today)."""
    on = request.as_of or data.today()
    progress.phase("Reading the holdings")
    universes = [(fund, revision_universe(data, fund, on)) for fund in request.universes]
    store = RevisionStore(data.cache)
    extra = [f for f in request.universes if f not in DEFAULT_UNIVERSES]
    if extra:
        store.note_asked(extra, data.now())
    progress.phase("Reading the estimate snapshots")
    checks = store.checks(until=on)
    snapshots = store.snapshots(request.period, until=on, columns=ANSWER_COLUMNS)
    days = sorted({*checks["date"].dt.date.unique(), on})
    results = [_result(fund, u, checks, snapshots, days, on) for fund, u in universes]
    compared = [r for r in results if r.compared]
    nights = store.nights(end=on)
    if not compared:
        first = store.nights()[:1]
        raise InsufficientCoverage(
            text.nothing_to_compare(
                results, first[0].night if first else None, on, request.period, extra
            )
        )

    shares_up = _shares(compared, "share_up")
    shares_down = _shares(compared, "share_down")
    context = order_context(shares_up, shares_down)
    order = context.order if context else (compared[0].fund,)
    data_end = max(
        (r.breadth.last_snapshot for r in compared if r.breadth.last_snapshot), default=None
    )
    dating = _dating(data, request, data_end)
    title = dating.title(text.headline(compared, order, context, request.period))
    title += text.partial_suffix(compared)
    warnings = dating.warnings(
        [
            *(text.not_compared(r, r.fund in extra) for r in results if not r.compared),
            *_holdings_notes(results, on),
        ]
    )
    history_days = len(context.days) if context else int(shares_up.iloc[:, 0].notna().sum())
    sources = source_label(snapshots["source"].dropna().unique(), data.source_name)
    source = f"{sources}; iShares holdings"

    def build():
        from analytics.charts.revisions_chart import (
            MIN_HISTORY_DAYS,
            BarRow,
            revision_bars_chart,
            revision_lines_chart,
        )

        subtitle = text.chart_subtitle(request.period)
        chart_title = text.chart_title(compared, order, context)
        badge = text.partial_badge(compared)
        if history_days >= MIN_HISTORY_DAYS:
            counted = shares_up.dropna(how="any") if context else shares_up.dropna()
            return revision_lines_chart(
                counted,
                {r.fund: text.label(r.fund) for r in compared},
                title=chart_title,
                subtitle=subtitle,
                source=source,
                as_of=data_end,
                badge=badge,
            )
        rows = [
            BarRow(
                r.fund, text.label(r.fund), r.breadth.share_up or 0.0, r.breadth.share_down or 0.0
            )
            for r in sorted(compared, key=lambda r: order.index(r.fund))
        ]
        return revision_bars_chart(
            rows, title=chart_title, subtitle=subtitle, source=source, as_of=data_end, badge=badge
        )

    return Answer(
        title=title,
        summary=text.summary(compared, order, context, request.period, nights),
        fields=_fields(compared, order),
        tables=(_table(results, request.period),),
        chart=Chart(build),
        source=source,
        as_of=data_end,
        warnings=warnings,
        tone=0,
        data=_payload(request, results, order, context, shares_up, nights, dating),
    )


def _result(
    fund: str,
    universe: Universe,
    checks: pd.DataFrame,
    snapshots: pd.DataFrame,
    days: list[dt.date],
    on: dt.date,
) -> UniverseResult:
    weights = universe.weights
    states = states_on(checks, snapshots, universe.tickers, days, max_age_days=MAX_AGE_DAYS)
    by_day = breadth_by_day(states, weights)
    breadth = revision_breadth(fund, states, universe.tickers, weights, on)
    return UniverseResult(fund, universe, breadth, by_day)


def _shares(results: list[UniverseResult], column: str) -> pd.DataFrame:
    """One column per universe: `column` on the days its coverage was not refused (else NaN)."""
    frame = pd.DataFrame(
        {r.fund: r.by_day[column].where(r.daily_status() != "refused") for r in results}
    )
    frame.index = pd.DatetimeIndex(frame.index, name="day")
    return frame


def _dating(data: MarketData, request: RevisionsRequest, data_end: dt.date | None) -> Dating:
    expected = expected_session(request.as_of, data.now() - COLLECTION_GRACE)
    why = "offline mode is on" if data.offline else text.NOT_COLLECTED
    note = behind_note(data_end, expected, why)
    return Dating(data_end, expected, why if note else None, note)


def _holdings_notes(results: list[UniverseResult], on: dt.date) -> list[str]:
    notes: list[str] = []
    for r in results:
        choice = r.universe.snapshot
        if choice is None:
            continue
        notes += list(choice.notes)
        if choice.distance_days > FAR_DAYS:
            notes.append(
                f"{r.fund}'s holdings are of {choice.as_of}, {choice.distance_days:,} days from "
                f"{on}: names that joined or left the fund since are missed."
            )
    return notes


def _fields(compared: list[UniverseResult], order: tuple[str, ...]) -> tuple[Field, ...]:
    fields = []
    if len(compared) > 1:
        fields.append(Field("Leader", text.leader_field(order)))
    fields.append(Field("Snapshots", text.snapshots_field(compared), inline=False))
    fields.append(Field("What this is", text.DEFINITIONS, inline=False))
    return tuple(fields)


def _table(results: list[UniverseResult], period: str) -> Table:
    rows = []
    for r in results:
        b = r.breadth
        rows.append(
            (
                f"{r.fund} {text.label(r.fund)}",
                b.names,
                b.with_estimates,
                b.share_up if r.compared else None,
                b.share_down if r.compared else None,
                b.weighted_change if r.compared else None,
                b.coverage.share,
            )
        )
    return Table(
        columns=(
            Column("universe"),
            Column("names", "count"),
            Column("with estimates", "count"),
            Column("net up", "weight", 1),
            Column("net down", "weight", 1),
            Column("30d change", "pct"),
            Column("coverage", "weight", 1),
        ),
        rows=tuple(rows),
        title=f"EPS estimate revisions, {text.period_label(period)}, last 30 days",
    )


def _payload(
    request: RevisionsRequest,
    results: list[UniverseResult],
    order: tuple[str, ...],
    context: OrderContext | None,
    shares_up: pd.DataFrame,
    nights: list,
    dating: Dating,
) -> dict[str, Any]:
    universes = []
    for r in results:
        b = r.breadth
        choice = r.universe.snapshot
        universes.append(
            {
                "universe": r.fund,
                "label": text.label(r.fund),
                "compared": r.compared,
                "names": b.names,
                "with_estimates": b.with_estimates,
                "net_up": b.net_up,
                "net_down": b.net_down,
                "unchanged": b.unchanged,
                "share_net_up": b.share_up,
                "share_net_down": b.share_down,
                "weighted_change_30d": b.weighted_change,
                "changed_names": b.changed_names,
                "coverage": b.coverage.to_json(),
                "coverage_status": b.coverage.status,
                "holdings_as_of": choice.as_of if choice else r.universe.as_of,
                "snapshots_from": b.first_snapshot,
                "snapshots_to": b.last_snapshot,
            }
        )
    counted = shares_up.dropna(how="any")
    series = [
        {"date": day.date(), **{u: float(v) for u, v in row.items()}}
        for day, row in counted.iterrows()
    ]
    return jsonable(
        {
            "period": request.period,
            "period_label": text.period_label(request.period),
            "measure": text.MEASURE,
            "universes": universes,
            "leader": order[0] if len(order) > 1 else None,
            "order": list(order),
            "history": context.to_json() if context else None,
            "series": series,
            "collection": {
                "first_night": nights[0].night if nights else None,
                "last_night": nights[-1].night if nights else None,
                "nights": len(nights),
            },
            "behind": dating.to_json(),
        }
    )
