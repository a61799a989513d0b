"""`history streak|move|macro|breadth`: what happened next after the bot's own signals.

Every past episode of an event (IWM beat SPY 10 sessions in a row; IWM rose 10% in a month; the
unemployment rate reached 5%; 80% of IWM's names above their 50-day average) with the forward returns from its close over 1 week to 12 months,
their statistics, and the same statistics over every session of the history.

Light on purpose (no pandas at import): the specs point at `_parse` and `_answer` by name.
"""

from __future__ import annotations

from analytics.spec import Choice, CommandSpec, Cooldown, Option

_ON_HELP = "Measure returns on these tickers, e.g. IWM or IWM,SPY (a pair: A minus B)"
_AS_OF = Option("as_of", "Study the history up to this past date, YYYY-MM-DD (default: latest)")
_EPILOG = (
    "An episode is the session the condition first holds (for a streak of N: the N-th session); "
    "a new one starts only after it stopped holding. Forward returns run from that session's "
    "close (adjusted closes) to the last session on or before it plus 1 week, 1, 3, 6 and 12 "
    "months; windows past the data are left out and counted. Past episodes, not a forecast."
)

STREAK = CommandSpec(
    name="history streak",
    description="After A beat B (or rose, fell, set records) N sessions in a row: what came next.",
    options=(
        Option(
            "a",
            "Ticker, e.g. IWM (the one that beat B; or the only one for up/down/records)",
            required=True,
            positional=True,
            autocomplete="ticker",
        ),
        Option(
            "b",
            "The ticker A beat, e.g. SPY (leave out for up, down, record-high, record-close)",
            positional=True,
            autocomplete="ticker",
        ),
        Option(
            "n",
            "Sessions in a row, at least (default 10)",
            type="int",
            default=10,
            min=1,
            max=500,
            positional=True,
        ),
        Option(
            "kind",
            "beat (A's daily return above B's), up, down, record-high or record-close",
            choices=(
                Choice("beat", "beat: A's daily return above B's"),
                Choice("up", "up: closed higher"),
                Choice("down", "down: closed lower"),
                Choice("record-high", "record-high: a new all-time intraday high"),
                Choice("record-close", "record-close: a new all-time closing high"),
            ),
        ),
        Option("on", _ON_HELP + " (default: A and B)", autocomplete="tickers"),
        _AS_OF,
    ),
    parse="analytics.commands.history._parse:parse_streak",
    answer="analytics.commands.history._answer:streak_answer",
    progress_label="Reading the price history",
    cooldown=Cooldown(3, 30.0),
    epilog=_EPILOG,
)

MOVE = CommandSpec(
    name="history move",
    description="After a ticker rose or fell X percent or more over a window: what came next.",
    options=(
        Option("ticker", "Ticker, e.g. IWM", required=True, positional=True, autocomplete="ticker"),
        Option(
            "percent",
            "Move in %, e.g. 10 (a rise of 10% or more) or -10 (a fall of 10% or more)",
            type="float",
            required=True,
            positional=True,
            min=-99.0,
            max=10000.0,
        ),
        Option(
            "window",
            "Window of the move: 5d, 2w, 1m, 3m, 1y, ytd (as in compare)",
            required=True,
            positional=True,
            autocomplete="window",
        ),
        Option("on", _ON_HELP + " (default: the ticker)", autocomplete="tickers"),
        _AS_OF,
    ),
    parse="analytics.commands.history._parse:parse_move",
    answer="analytics.commands.history._answer:move_answer",
    progress_label="Reading the price history",
    cooldown=Cooldown(3, 30.0),
    epilog=_EPILOG,
)

MACRO = CommandSpec(
    name="history macro",
    description="After a FRED series reached a value: what prices did next (from its release).",
    options=(
        Option(
            "series",
            "A name like unemployment, cpi, claims, curve, 10y, or any FRED id",
            required=True,
            positional=True,
            autocomplete="series",
        ),
        Option(
            "value",
            "The reading, in the series' units, e.g. 5 for an unemployment rate of 5%",
            type="float",
            required=True,
            positional=True,
        ),
        Option("on", _ON_HELP, required=True, autocomplete="tickers"),
        Option(
            "direction",
            "above: readings at or above the value (default); below: at or below it",
            default="above",
            choices=(
                Choice("above", "above: at or above the value"),
                Choice("below", "below: at or below the value"),
            ),
        ),
        Option(
            "exclude",
            "Leave readings out, e.g. 2020Q2:2021Q4 (commas), or none (GDP: 2020-21 by default)",
        ),
        _AS_OF,
    ),
    parse="analytics.commands.history._parse:parse_macro",
    answer="analytics.commands.history._answer:macro_answer",
    progress_label="Reading the series and the prices",
    cooldown=Cooldown(3, 30.0),
    epilog=_EPILOG
    + " A reading counts from the first session after it was published (see the answer's notes).",
)

BREADTH = CommandSpec(
    name="history breadth",
    description="After a universe's share above its 50-day average reached X%: what came next.",
    options=(
        Option(
            "universe",
            "A fund's constituents, e.g. IWM, IVV, or a named list",
            required=True,
            positional=True,
            autocomplete="universe",
        ),
        Option(
            "percent",
            "Share of names above their 50-day average, in %, e.g. 80",
            type="float",
            required=True,
            positional=True,
            min=0.0,
            max=100.0,
        ),
        Option("on", _ON_HELP, required=True, autocomplete="tickers"),
        Option(
            "direction",
            "above: a share at or above the percent (default); below: at or below it",
            default="above",
            choices=(
                Choice("above", "above: at or above the percent"),
                Choice("below", "below: at or below the percent"),
            ),
        ),
        _AS_OF,
    ),
    parse="analytics.commands.history._parse:parse_breadth",
    answer="analytics.commands.history._breadth:breadth_answer",
    progress_label="Reading the universe's prices",
    cooldown=Cooldown(2, 60.0),
    epilog=_EPILOG
    + " Breadth as /breadth measures it (closes, split-adjusted), over the universe's current"
    " names; sessions count once at least half of the universe is measured.",
)

SPECS = (STREAK, MOVE, MACRO, BREADTH)
