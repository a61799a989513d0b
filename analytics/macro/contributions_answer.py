"""The /macro gdp-contributions Answer: the latest quarters' contributions, whether they add up
to real GDP growth, the writer's sentence and a stacked bar chart.

`load_contribution_series` reads the five FRED series through the data facade's FRED source
(`data.fred`: cache first, FRED when stale, the cache with a warning when FRED is down);
`gdp_contributions_answer` is pure. Both block: run them in the answer's worker thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from analytics.answer import Answer, Chart, Column, Field, Table
from analytics.macro.contributions import (
    COMPONENTS,
    HEADLINE_ID,
    SERIES_IDS,
    QuarterContributions,
    check_sentence,
    contributions_sentence,
    coverage_gaps,
    gdp_contributions,
)

if TYPE_CHECKING:
    from analytics.macro.source import FredSource
    from analytics.spec import Progress

DEFAULT_QUARTERS = 8


@dataclass(frozen=True)
class ContributionSeries:
    """The four contributions (by FRED id), the headline growth, where they came from and what
    to tell the reader about their freshness."""

    components: Mapping[str, pd.Series]
    headline: pd.Series
    source: str
    warnings: tuple[str, ...] = ()
    why_old: str = ""
    """Why the headline series ends where it does (for the "as of" warning)."""


def load_contribution_series(
    fred: FredSource, progress: Progress | None = None
) -> ContributionSeries:
    """The five series through `fred` (FredSource.series). Its errors (NoData saying how to
    import, UpstreamError when FRED is down with nothing stored) pass through."""
    from analytics.macro.loading import source_label

    loaded = [fred.series(sid, progress) for sid in SERIES_IDS]
    by_id = {item.series_id: item for item in loaded}
    return ContributionSeries(
        components={c.series_id: by_id[c.series_id].observations for c in COMPONENTS},
        headline=by_id[HEADLINE_ID].observations,
        source=f"BEA via {source_label(by_id[HEADLINE_ID].record)}",
        warnings=tuple(dict.fromkeys(item.warning for item in loaded if item.warning)),
        why_old=by_id[HEADLINE_ID].why_old,
    )


def gdp_contributions_answer(
    series: ContributionSeries,
    *,
    quarters: int = DEFAULT_QUARTERS,
    as_of: dt.date | None = None,
    chart: bool = True,
) -> Answer:
    """What drove real GDP in the latest of `quarters` quarters (on or before `as_of`).

    Data (--json): quarters (oldest first, each {quarter (first day), consumption, investment,
    net_exports, government (pp), sum (pp), growth (% SAAR), residual (growth - sum, pp),
    adds_up}), latest (the same for the last quarter), sentence, tolerance (pp).
    """
    rows = gdp_contributions(series.components, series.headline, quarters=quarters, as_of=as_of)
    latest = rows[-1]
    sentence = contributions_sentence(latest)
    warnings = list(series.warnings)
    warnings.extend(coverage_gaps(series.components, series.headline, as_of))
    off = [q for q in rows if not q.adds_up]
    if off:
        warnings.append(
            "The contributions do not add up to growth in "
            f"{', '.join(q.label for q in off)}: {check_sentence(off[-1])}"
        )
    return Answer(
        title=_title(latest),
        summary=f"{sentence} {check_sentence(latest)}",
        fields=_fields(latest),
        tables=(_table(rows),),
        chart=Chart(lambda: _figure(rows, series.source)) if chart else None,
        source=series.source,
        as_of=latest.quarter,
        warnings=tuple(warnings),
        tone=1 if latest.growth > 0 else -1 if latest.growth < 0 else 0,
        data={
            "quarters": [_row_data(q) for q in rows],
            "latest": _row_data(latest),
            "sentence": sentence,
            "tolerance": latest.tolerance,
        },
        advice_disclaimer=False,
    )


def _title(latest: QuarterContributions, *, parts: int = 2) -> str:
    """ "Real GDP +4.4% in 2025 Q3: consumption added 2.4 pp, net exports 1.6" (the `parts`
    largest contributions by size)."""
    top = sorted(latest.contributions, key=lambda item: -abs(item[1]))[:parts]
    parts = []
    for i, (name, value) in enumerate(top):
        verb = "added" if value >= 0 else "subtracted"
        unit = " pp" if i == 0 else ""
        same_verb = i > 0 and (value >= 0) == (top[0][1] >= 0)
        parts.append(f"{name} {'' if same_verb else verb + ' '}{abs(value):.1f}{unit}")
    return f"Real GDP {latest.growth:+.1f}% in {latest.label}: {', '.join(parts)}"


def _fields(latest: QuarterContributions) -> tuple[Field, ...]:
    fields = [Field(name.capitalize(), f"{value:+.2f} pp") for name, value in latest.contributions]
    fields.append(Field("Sum", f"{latest.total:+.2f} pp"))
    fields.append(Field("Real GDP growth", f"{latest.growth:+.1f}% (SAAR)"))
    return tuple(fields)


def _table(rows: Sequence[QuarterContributions]) -> Table:
    columns = (
        Column("quarter"),
        *(Column(c.name, "pp") for c in COMPONENTS),
        Column("sum", "pp"),
        Column("growth, % SAAR", "number", 1),
    )
    return Table(
        columns=columns,
        rows=tuple(
            (q.label, *(v for _, v in q.contributions), q.total, q.growth) for q in reversed(rows)
        ),
        title="Contributions to percent change in real GDP, percentage points",
    )


def _row_data(q: QuarterContributions) -> dict:
    out: dict = {"quarter": q.quarter}
    out.update({name.replace(" ", "_"): value for name, value in q.contributions})
    out.update({"sum": q.total, "growth": q.growth, "residual": q.residual, "adds_up": q.adds_up})
    return out


def _figure(rows: Sequence[QuarterContributions], source: str):
    from analytics.charts.gdp_contributions_chart import gdp_contributions_chart

    return gdp_contributions_chart(
        [q.label for q in rows],
        [q.contributions for q in rows],
        [q.growth for q in rows],
        title=_title(rows[-1], parts=1),  # the chart's width holds one
        subtitle="contributions to real GDP growth (pp, stacked) · dot: growth, % SAAR",
        source=source,
        as_of=rows[-1].quarter,
    )
