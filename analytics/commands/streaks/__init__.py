"""`streak`, `compare` and `price`: runs of beating, rising, falling or records; returns of several
tickers over a window; one ticker's daily bars over a window.

Light on purpose (no pandas at import): the specs point at the parse functions in `_parse` and
the answer functions in `_streak`, `_compare` and `_price` by name.
"""

from __future__ import annotations

from analytics.spec import Choice, CommandSpec, Cooldown, Option

DEFAULT_A, DEFAULT_B = "IWM", "SPY"
DEFAULT_TICKERS = "IWM SPY QQQ"
DEFAULT_COMPARE_WINDOW = "ytd"
DEFAULT_PRICE_WINDOW = "1y"
WINDOW_FORMS = "5d, 3m, 1y, ytd, qtd, mtd or YYYY-MM-DD:YYYY-MM-DD"

KIND_CHOICES = (
    Choice("beat", "beat: A's daily return above B's"),
    Choice("up", "up: A closed higher than the day before"),
    Choice("down", "down: A closed lower than the day before"),
    Choice("record-high", "record-high: A set a new all-time high"),
    Choice("record-close", "record-close: A set a new all-time closing high"),
)

STREAK = CommandSpec(
    name="streak",
    description="How many sessions in a row A has beaten B (or risen, fallen, set records), since when.",
    options=(
        Option(
            "a",
            f"Ticker, e.g. IWM, SPY, ^RUT (default {DEFAULT_A})",
            default=DEFAULT_A,
            positional=True,
            autocomplete="ticker",
        ),
        Option(
            "b",
            f"Ticker A is measured against, for kind beat (default {DEFAULT_B}, "
            f"or {DEFAULT_A} when A is {DEFAULT_B})",
            positional=True,
            autocomplete="ticker",
        ),
        Option("kind", "What the run counts (default beat)", default="beat", choices=KIND_CHOICES),
        Option("as_of", "The streak as of this past date, YYYY-MM-DD (default: latest)"),
    ),
    parse="analytics.commands.streaks._parse:parse_streak",
    answer="analytics.commands.streaks._streak:streak_answer",
    progress_label="Fetching price history",
    cooldown=Cooldown(5, 30.0),
    epilog=(
        "beat, up and down are measured on adjusted closes; record-high and record-close on "
        "raw highs and closes; the performance over a run on adjusted closes (total return)."
    ),
)

COMPARE = CommandSpec(
    name="compare",
    description="Total returns of 2-10 tickers over a window, best first.",
    options=(
        Option(
            "tickers",
            f"2-10 symbols separated by spaces or commas (default {DEFAULT_TICKERS})",
            default=DEFAULT_TICKERS,
            positional=True,
            many=True,
            autocomplete="tickers",
        ),
        Option(
            "window",
            f"{WINDOW_FORMS} (default {DEFAULT_COMPARE_WINDOW})",
            default=DEFAULT_COMPARE_WINDOW,
            autocomplete="window",
        ),
        Option("as_of", "The window ends on this past date, YYYY-MM-DD (default: latest)"),
    ),
    parse="analytics.commands.streaks._parse:parse_compare",
    answer="analytics.commands.streaks._compare:compare_answer",
    progress_label="Fetching prices",
    cooldown=Cooldown(5, 30.0),
    epilog=(
        "return = adj_close(E) / adj_close(B) - 1. Windows: Nd trading sessions, Nw/Nm/Ny "
        "calendar weeks/months/years, ytd, qtd, mtd, or YYYY-MM-DD:YYYY-MM-DD."
    ),
)

PRICE = CommandSpec(
    name="price",
    description="A ticker's latest close and daily chart over a window.",
    options=(
        Option(
            "ticker",
            "Symbol, e.g. SPY, AAPL, BRK.B, ^GSPC, or an alias like SPX, RUT, NDX",
            required=True,
            positional=True,
            autocomplete="ticker",
        ),
        Option(
            "window",
            f"How far back: {WINDOW_FORMS} (default {DEFAULT_PRICE_WINDOW})",
            default=DEFAULT_PRICE_WINDOW,
            autocomplete="window",
        ),
        Option("as_of", "The window ends on this past date, YYYY-MM-DD (default: latest)"),
    ),
    parse="analytics.commands.streaks._parse:parse_price",
    answer="analytics.commands.streaks._price:price_answer",
    progress_label="Fetching prices",
    cooldown=Cooldown(5, 30.0),
    epilog=(
        "The bars from the window's first session B to its last E; change = "
        "adj_close(E) / adj_close(B) - 1. --json prints the list of bars."
    ),
    json_view="analytics.commands.streaks._price:bars_json",
)

SPECS = (STREAK, COMPARE, PRICE)
