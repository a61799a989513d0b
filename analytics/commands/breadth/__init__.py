"""`breadth`: how broad a move was across a universe's names: the share up over the window, the
share above their 20-, 50- and 200-session averages, new 52-week highs and lows, the
advance/decline line, and for a fund the equal-weight return next to the fund's own; or two
universes side by side (`compare`).

Light on purpose (no pandas at import): the spec points at `_parse` and `_answer` by name.
"""

from __future__ import annotations

from analytics.commands.constituents import (
    AS_OF,
    TICKERS,
    TICKERS_FILE,
    TICKERS_FILE_EPILOG,
    UNIVERSE_HELP,
)
from analytics.spec import CommandSpec, Cooldown, Option

DEFAULT_WINDOW = "ytd"

BREADTH = CommandSpec(
    name="breadth",
    description="How broad the move was: share up, above their averages, new highs, the A/D line.",
    options=(
        Option("universe", UNIVERSE_HELP, positional=True, autocomplete="universe"),
        Option(
            "window",
            "e.g. ytd (default), 1m, 3m, 1y or YYYY-MM-DD:YYYY-MM-DD",
            default=DEFAULT_WINDOW,
            autocomplete="window",
        ),
        Option(
            "compare",
            "A second universe side by side, e.g. IVV (large caps) against IWM (small caps)",
            autocomplete="universe",
        ),
        TICKERS,
        TICKERS_FILE,
        AS_OF,
    ),
    parse="analytics.commands.breadth._parse:parse",
    answer="analytics.commands.breadth._answer:answer",
    progress_label="Fetching prices",
    cooldown=Cooldown(2, 60.0),
    epilog=(
        "Up/down and returns on adjusted closes; the averages, 52-week highs and lows and the "
        "A/D line on closes (split-adjusted, not dividend-adjusted). A name without the closes "
        "a measure needs is left out of it and counted. " + TICKERS_FILE_EPILOG
    ),
)

SPECS = (BREADTH,)
