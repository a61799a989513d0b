"""/macro gdp-contributions: what drove real GDP in the latest quarters (BEA's contributions,
analytics.macro.contributions), read through the facade's FRED source and dated like every
macro answer: "(as of <quarter>)" when the latest quarter is older than a quarterly series
normally is on the session asked."""

from __future__ import annotations

import dataclasses

from analytics import calendar
from analytics.answer import Answer
from analytics.commands.macro._parse import MacroRequest
from analytics.data.market import MarketData
from analytics.macro.context import period_label
from analytics.macro.contributions_answer import gdp_contributions_answer, load_contribution_series
from analytics.macro.freshness import overdue
from analytics.macro.source import FredSource
from analytics.spec import Progress


def contributions_answer(
    data: MarketData, fred: FredSource, request: MacroRequest, progress: Progress
) -> Answer:
    """The contributions answer (analytics.macro.contributions_answer) as of `request.as_of`,
    with `behind` ({latest, expected, why} or null) in its data."""
    series = load_contribution_series(fred, progress)
    answer = gdp_contributions_answer(series, as_of=request.as_of)
    latest = answer.as_of
    expected = calendar.expected_session(request.as_of, data.now())
    behind = None
    if latest is not None and overdue(latest, expected, "quarterly"):
        why = series.why_old or "nothing newer is stored"
        label = period_label(latest, "quarterly")
        behind = {"latest": latest.isoformat(), "expected": expected.isoformat(), "why": why}
        warning = (
            f"The contributions' latest quarter is {label} ({latest.isoformat()}), older than a "
            f"quarterly series normally is on {expected.isoformat()}: {why}."
        )
        answer = dataclasses.replace(
            answer, title=f"{answer.title} (as of {label})", warnings=(warning, *answer.warnings)
        )
    return dataclasses.replace(answer, data={**answer.data, "behind": behind})
