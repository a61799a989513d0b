"""Domain errors: what the bot and the CLI turn into short replies.

`UserError` and its subclasses are problems the user can fix (bad input, missing data);
they carry a message meant to be shown as-is. `UpstreamError` means a provider failed.
Anything else is a bug: logged with a traceback, answered with an apology.
"""

from __future__ import annotations


class MarketbotError(Exception):
    """Base of every error whose message is safe to show to a user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UserError(MarketbotError):
    """Something the user typed or asked for cannot be answered as given."""


class BadInput(UserError):
    """Malformed input: a bad symbol, window, date or option value."""


class NoData(UserError):
    """The request is well formed but there is no data to answer it."""


class UpstreamError(MarketbotError):
    """A data provider failed (unreachable, rate limited, answered garbage)."""


class RateLimited(UpstreamError):
    """The provider said "too many requests"."""


class UnknownSymbol(UserError):
    """The provider does not know this symbol."""

    def __init__(self, symbols: list[str] | str) -> None:
        if isinstance(symbols, str):
            symbols = [symbols]
        self.symbols = list(symbols)
        names = ", ".join(self.symbols)
        noun = "symbol" if len(self.symbols) == 1 else "symbols"
        super().__init__(
            f"Unknown {noun}: {names}. Check the spelling (e.g. SPY, AAPL, BRK.B, ^GSPC)."
        )
