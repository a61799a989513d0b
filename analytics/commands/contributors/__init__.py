"""`contributors`: which constituents made a fund's return over a window, in basis points
(weight at the window's start x return), the fund's own return next to the sum, concentration,
breadth and coverage.

Light on purpose (no pandas at import): the spec points at `_parse` and `_answer` by name.
"""

from __future__ import annotations

from analytics.spec import CommandSpec, Cooldown, Option

DEFAULT_FUND = "IWM"
DEFAULT_WINDOW = "ytd"
DEFAULT_TOP = 5
MAX_TOP = 15

CONTRIBUTORS = CommandSpec(
    name="contributors",
    description="Which stocks made a fund's return: top contributors and detractors, breadth.",
    options=(
        Option(
            "fund",
            f"The iShares fund: IWM, IVV, IWB, IWV, IJR or IJH (default {DEFAULT_FUND})",
            positional=True,
            autocomplete="fund",
        ),
        Option(
            "window",
            "e.g. ytd, 3m, 20d or 2024-01-02:2024-03-28 (default ytd)",
            default=DEFAULT_WINDOW,
            autocomplete="window",
        ),
        Option(
            "top",
            f"How many contributors and detractors to list, 1-{MAX_TOP} (default {DEFAULT_TOP})",
            type="int",
            default=DEFAULT_TOP,
            min=1,
            max=MAX_TOP,
        ),
        Option(
            "as_of", "End the window on this past date, YYYY-MM-DD (default: the latest session)"
        ),
    ),
    parse="analytics.commands.contributors._parse:parse",
    answer="analytics.commands.contributors._answer:answer",
    progress_label="Pricing constituents",
    cooldown=Cooldown(2, 60.0),
    epilog=(
        "Contribution = the name's weight at the window's start (the holdings file's weights "
        "carried to that session by each name's price move) x its return over the window, "
        "adjusted closes."
    ),
)

SPECS = (CONTRIBUTORS,)
