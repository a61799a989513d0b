"""The contract between `MarketData` and a price source (Yahoo, CSV import, test fakes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

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


@dataclass(frozen=True)
class LatestBar:
    """A symbol's latest session from a multi-symbol quote: the raw fields a chart fetch
    stores for it.

    session: the exchange-local date of the quote's time. previous_close: the close of the
    session before, on the provider's current basis (after a split that day, split-adjusted):
    compared with the cached close, it shows a split the quote itself does not report.
    """

    session: dt.date
    open: float
    high: float
    low: float
    close: float
    volume: float
    previous_close: float

    def frame(self) -> pd.DataFrame:
        """The bar in BAR_COLUMNS. adj_close = close: Yahoo's adjusted close of its newest
        session equals its close (an ex-date adjusts only the days before it: see README,
        "The nightly refresh"), so the cache stores what a chart fetch would."""
        row = {
            "open": self.open,
            "high": self.high,
            "low": self.low,
            "close": self.close,
            "adj_close": self.close,
            "volume": self.volume,
        }
        index = pd.DatetimeIndex([pd.Timestamp(self.session)], name="date")
        return pd.DataFrame([row], index=index).astype("float64")


@dataclass
class MultiFetch:
    """What a series of multi-symbol requests brought back.

    values:     symbol -> LatestBar (quote) or a float Series of closes by date (spark).
    per_symbol: symbols to ask the per-symbol chart API about instead: left out of an answer,
                an entry lacking fields, a bad symbol isolated from its batch, or every symbol
                not yet answered when the endpoint failed as a whole (`fallback`).
    failed:     symbol -> reason, not asked (a rate limit, an outage): ask again later.
    fallback:   why the endpoint was given up on for this call ("" when it worked).
    """

    values: dict[str, Any] = field(default_factory=dict)
    per_symbol: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    rate_limited: bool = False
    fallback: str = ""
    requests: int = 0


@runtime_checkable
class MultiSymbolSource(Protocol):
    """A provider that also answers for many symbols per request (Yahoo's quote and spark)."""

    def latest_bars(self, tickers: list[str]) -> MultiFetch:
        """Each symbol's latest session (MultiFetch.values: LatestBar)."""
        ...

    def spark_closes(self, tickers: list[str], start: dt.date, end: dt.date) -> MultiFetch:
        """Closes from `start` to `end` (values: Series by date): split-adjusted prices with
        no dividends, for a provisional first answer."""
        ...
