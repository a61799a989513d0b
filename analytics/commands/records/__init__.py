"""`records` and `levels`: a ticker's record highs and closes, and price levels against its close.

Light on purpose (no pandas at import): the specs point at the parse functions in `_parse` and
the answer functions in `_records` and `_levels` by name.
"""

from __future__ import annotations

from analytics.spec import CommandSpec, Cooldown, Option

_TICKER = Option(
    "ticker",
    "Symbol, e.g. ^RUT, IWM, AAPL, or an alias like RUT, SPX, NDX",
    required=True,
    positional=True,
    autocomplete="ticker",
)
_AS_OF = Option("as_of", "Answer as of this past date, YYYY-MM-DD (default: latest)")

RECORDS = CommandSpec(
    name="records",
    description="Record highs and closes: when, how far, the current run of records, the gaps.",
    options=(_TICKER, _AS_OF),
    parse="analytics.commands.records._parse:parse_records",
    answer="analytics.commands.records._records:records_answer",
    progress_label="Reading the price history",
    cooldown=Cooldown(5, 30.0),
    epilog=(
        "A record session is strictly above every earlier one: intraday highs for record "
        "highs, closes for record closes (split-adjusted, not dividend-adjusted)."
    ),
)

LEVELS = CommandSpec(
    name="levels",
    description="Price levels vs the close: distance, when first reached; the multi-year range.",
    options=(
        _TICKER,
        Option(
            "levels",
            "Price levels, space or comma separated, e.g. 2450 2642 3000",
            many=True,
            positional=True,
        ),
        Option(
            "since", "Look for the first touch from this date, YYYY-MM-DD (default: a year ago)"
        ),
        Option(
            "years", "Years of the range and breakout, 1-20", type="int", default=3, min=1, max=20
        ),
        _AS_OF,
    ),
    parse="analytics.commands.records._parse:parse_levels_request",
    answer="analytics.commands.records._levels:levels_answer",
    progress_label="Reading the price history",
    cooldown=Cooldown(5, 30.0),
    epilog=(
        "Distance = level / close - 1. First reached: the first session on or after --since "
        "whose high (for a level above) or low (below) reached it. Without levels: the range "
        "of the prior --years years and its breakout."
    ),
)

SPECS = (RECORDS, LEVELS)
