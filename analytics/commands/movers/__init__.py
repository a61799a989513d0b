"""`movers`: the biggest gainers and losers of a universe (a fund's constituents, a named list or
your tickers) over a window, from adjusted closes, with the answer's coverage.

Light on purpose (no pandas at import): the spec points at `_parse` and `_answer` by name.
"""

from __future__ import annotations

from analytics.commands.constituents import (
    AS_OF,
    TICKERS,
    TICKERS_FILE,
    TICKERS_FILE_EPILOG,
    UNIVERSE,
)
from analytics.spec import Choice, CommandSpec, Cooldown, Option

DEFAULT_TOP = 10
MAX_TOP = 25

MOVERS = CommandSpec(
    name="movers",
    description="The biggest gainers and losers of a fund's constituents or a list over a window.",
    options=(
        Option(
            "window",
            "Window: 1d (default), 5d, 2w, 3m, ytd or YYYY-MM-DD:YYYY-MM-DD",
            default="1d",
            autocomplete="window",
        ),
        UNIVERSE,
        TICKERS,
        TICKERS_FILE,
        Option(
            "direction",
            "Gainers, losers or both (default both)",
            default="both",
            choices=(Choice("both"), Choice("gainers"), Choice("losers")),
        ),
        Option(
            "top",
            f"Names per side, 1-{MAX_TOP} (default {DEFAULT_TOP})",
            type="int",
            default=DEFAULT_TOP,
            min=1,
            max=MAX_TOP,
        ),
        Option(
            "min_move",
            "Only moves at least this big, in percent: 100% = doubled, -50% = fell by half or more",
        ),
        AS_OF,
    ),
    parse="analytics.commands.movers._parse:parse",
    answer="analytics.commands.movers._answer:answer",
    progress_label="Fetching prices",
    cooldown=Cooldown(3, 60.0),
    epilog=(
        "Returns are close(E) / close(B) - 1 on adjusted closes. A negative --min-move is "
        "written with '=': --min-move=-50%. " + TICKERS_FILE_EPILOG
    ),
)

SPECS = (MOVERS,)
