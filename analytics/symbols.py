"""Turning what people type into Yahoo symbols."""

from __future__ import annotations

import re

from analytics.errors import BadInput

INDEX_ALIASES: dict[str, str] = {
    "SPX": "^GSPC",
    "GSPC": "^GSPC",
    "RUT": "^RUT",
    "R2K": "^RUT",
    "NDX": "^NDX",
    "DJI": "^DJI",
    "DJIA": "^DJI",
    "VIX": "^VIX",
    "IXIC": "^IXIC",
}

# Yahoo symbols: letters/digits with optional ^ prefix, class suffix (-B), exchange suffix
# (.TO), futures (=F) or currency pairs (EURUSD=X).
_VALID = re.compile(r"^\^?[A-Z0-9][A-Z0-9.\-]{0,14}(=[FX])?$")
_SHARE_CLASS = re.compile(r"^([A-Z]{1,5})[./]([A-Z])$")

SYMBOL_HELP = (
    "A symbol is 1-15 letters or digits, like SPY, AAPL, BRK.B (or BRK-B), ^GSPC, "
    "or an alias such as SPX, RUT, NDX, DJIA, VIX."
)


def normalize_symbol(raw: str) -> str:
    """Return the Yahoo symbol for user input: case-insensitive, aliases, BRK.B -> BRK-B.

    Raises BadInput with a description of valid symbols for malformed input.
    """
    text = (raw or "").strip().upper().lstrip("$")
    if not text:
        raise BadInput("No symbol given. " + SYMBOL_HELP)
    if text in INDEX_ALIASES:
        return INDEX_ALIASES[text]
    if text.startswith("^") and text[1:] in INDEX_ALIASES:
        return INDEX_ALIASES[text[1:]]
    match = _SHARE_CLASS.match(text)
    if match:
        return f"{match.group(1)}-{match.group(2)}"
    if not _VALID.match(text):
        raise BadInput(f"'{raw.strip()[:20]}' is not a valid symbol. " + SYMBOL_HELP)
    return text


def parse_symbol_list(raw: str, *, minimum: int = 1, maximum: int = 10) -> list[str]:
    """Split 'IWM SPY, QQQ' into normalized symbols; rejects duplicates and bad counts."""
    parts = [p for p in re.split(r"[\s,]+", raw or "") if p]
    symbols = [normalize_symbol(p) for p in parts]
    seen: dict[str, str] = {}
    for typed, symbol in zip(parts, symbols, strict=True):
        if symbol in seen:
            first = seen[symbol]
            if first.upper() == typed.upper():
                raise BadInput(f"{symbol} is listed twice; give each ticker once.")
            raise BadInput(
                f"{first} and {typed} are the same symbol ({symbol}); give each ticker once."
            )
        seen[symbol] = typed
    if not minimum <= len(symbols) <= maximum:
        raise BadInput(f"Give between {minimum} and {maximum} tickers (got {len(symbols)}).")
    return symbols
