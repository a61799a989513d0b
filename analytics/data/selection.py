"""SQL selections by ticker, chunked under SQLite's limit of bound variables (999)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

CHUNK = 900


def chunks(items: Sequence[str], size: int = CHUNK) -> Iterable[list[str]]:
    """`items` in lists of at most `size`."""
    for i in range(0, len(items), size):
        yield list(items[i : i + size])


def ticker_selections(tickers: Sequence[str] | None) -> Iterable[tuple[str, list[str]]]:
    """(WHERE clause on `ticker`, its parameters) for each chunk of `tickers`; one empty
    clause for None (every row)."""
    if tickers is None:
        yield "", []
        return
    for chunk in chunks(tickers):
        yield f"WHERE ticker IN ({','.join('?' * len(chunk))})", chunk
