"""`digest`: the daily market post, now, declared once for `/digest` and `marketbot digest`.

Light on purpose (no pandas at import): the spec points at analytics/subscriptions/command.py
by name. The answer is a headline with one part per section (`Answer.parts`); on Discord the
Subscriptions cog (cogs/subscriptions.py) sends it as the daily post would look.
"""

from __future__ import annotations

from analytics.spec import CommandSpec, Cooldown, Option
from analytics.subscriptions.sections import SECTIONS_HELP

SECTIONS_OPTION = Option(
    "sections",
    "Which parts: streak, returns, movers, contributors, macro, comma-separated (default all)",
    default="all",
    many=True,
    autocomplete="sections",
)

DIGEST = CommandSpec(
    name="digest",
    description="The daily market post, now: IWM vs SPY streak, returns, movers, contributors, GDPNow.",
    options=(
        SECTIONS_OPTION,
        Option(
            "as_of",
            "The post of this past trading day, YYYY-MM-DD (default: the last completed session)",
        ),
    ),
    parse="analytics.subscriptions.command:parse",
    answer="analytics.subscriptions.command:answer",
    progress_label="Fetching prices",
    cooldown=Cooldown(2, 120.0),
    epilog=SECTIONS_HELP + " A weekend or holiday as_of means the session before it.",
    json_view="analytics.subscriptions.command:digest_json",
)

SPECS = (DIGEST,)
