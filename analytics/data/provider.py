"""The contract between `MarketData` and a price source (Yahoo, CSV import, test fakes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd

BAR_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "adj_close", "volume")
"""Columns of a per-ticker bar frame; the index is a tz-naive DatetimeIndex named 'date'."""


@dataclass
class FetchResult:
    """What one provider call brought back.

    bars:     ticker -> frame indexed by session date with BAR_COLUMNS (float; NaN if unknown).
              A ticker present with an empty frame had no sessions in the range.
    unknown:  tickers the provider says do not exist.
    failed:   ticker -> reason, for tickers that could not be fetched (rate limit, outage).
    rate_limited: the provider answered "too many requests" during this call.
    malformed: some answer was not a well-formed reply (garbage, a broken chart): those tickers
              are failed, never "no data", so nothing is marked as checked for them.
    requests: HTTP requests sent (for benchmarks and tests).
    store_error: set by MarketData when the answer could not be saved (the cache's error).
    """

    bars: dict[str, pd.DataFrame] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    rate_limited: bool = False
    malformed: bool = False
    requests: int = 0
    store_error: str | None = None


class PriceProvider(Protocol):
    """A blocking source of daily bars. Called from worker threads, never the event loop."""

    name: str

    def fetch(self, tickers: list[str], start: dt.date | None, end: dt.date) -> FetchResult:
        """Daily bars for `tickers` from `start` (None = full history) to `end`, inclusive."""
        ...


def empty_bars() -> pd.DataFrame:
    """A bar frame with no rows and the standard columns."""
    return pd.DataFrame(
        {c: pd.Series(dtype="float64") for c in BAR_COLUMNS},
        index=pd.DatetimeIndex([], name="date"),
    )
