"""`revisions`: analysts' EPS estimate revisions across small, mid and large caps.

Light on purpose (no pandas at import): the spec points at `_parse` and `_answer` by name.
"""

from __future__ import annotations

from analytics.spec import Choice, CommandSpec, Cooldown, Option

PERIOD_CHOICES = (
    Choice("0q", "current quarter"),
    Choice("+1q", "next quarter"),
    Choice("0y", "current fiscal year"),
    Choice("+1y", "next fiscal year"),
)

REVISIONS = CommandSpec(
    name="revisions",
    description="Analysts' EPS estimate revisions: share of names revised up or down, small vs mid vs large.",
    options=(
        Option(
            "universes",
            "Funds to compare, space separated (default IJR IJH IVV); also IWM, IWB, IWV",
            many=True,
            positional=True,
        ),
        Option(
            "period",
            "Whose EPS estimate: current quarter (default), next quarter, this or next fiscal year",
            choices=PERIOD_CHOICES,
            default="0q",
        ),
        Option("as_of", "Answer as of this past date, YYYY-MM-DD (default: latest)"),
    ),
    parse="analytics.commands.revisions._parse:parse_revisions",
    answer="analytics.commands.revisions._answer:revisions_answer",
    progress_label="Reading the estimate snapshots",
    cooldown=Cooldown(5, 30.0),
    epilog=(
        "Net up: more upward than downward revisions of the period's consensus EPS estimate in "
        "the last 30 days (Yahoo Finance, analysts' estimates, not company guidance). Weighted "
        "change: the holdings-weighted mean of estimate now / estimate 30 days ago - 1. "
        "Snapshots are collected nightly by the running bot, each name about weekly; history "
        "starts when collection starts."
    ),
)

SPECS = (REVISIONS,)
