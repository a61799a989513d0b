"""What the commands over a universe of names share (movers, contributors, breadth): their
options, the universe parse (`universe.parse_universe`), the as-of anchoring of the window
(`anchor`) and the universe chosen for the window's start (`universe.universe_for_window`).

This module is light (declarations only): the spec modules import it.
"""

from __future__ import annotations

from analytics.spec import Option

UNIVERSE_HELP = (
    "A fund's constituents (IWM, IVV, IWB, IJR...) or a named list like sp500; default IWM"
)
TICKERS_HELP = "Your own tickers instead of a universe, separated by spaces or commas"
TICKERS_FILE_HELP = "A file of tickers (JSON, CSV with a ticker column, or text); see below"
AS_OF_HELP = "End the window on this past date, YYYY-MM-DD (default: latest)"

UNIVERSE = Option("universe", UNIVERSE_HELP, autocomplete="universe")
TICKERS = Option("tickers", TICKERS_HELP, many=True, autocomplete="tickers")
TICKERS_FILE = Option(
    "tickers_file",
    TICKERS_FILE_HELP,
    cli_only="a path on this machine's disk: a Discord user cannot point at one",
)
AS_OF = Option("as_of", AS_OF_HELP)

TICKERS_FILE_EPILOG = (
    "--tickers-file PATH: a file of tickers: JSON (a list, or named lists: pick one with "
    "--universe), CSV with a ticker/symbol column, or text with one symbol per line. Named "
    "lists (--universe sp500) are such files in the universes/ folder beside the cache."
)
