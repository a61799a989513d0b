"""What `MarketData` answers: bars with what could not be had (PriceResult), and the report
of a background fill (FillReport)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class PriceResult:
    """Bars for the requested tickers, with what could not be had and why."""

    bars: pd.DataFrame
    requested: tuple[str, ...]
    unknown: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    fetched: tuple[str, ...] = ()
    requests: int = 0
    stale: bool = False
    offline: bool = False

    def wide(self, column: str = "adj_close") -> pd.DataFrame:
        """Index dates, one column per ticker (requested order, tickers with bars only)."""
        if self.bars.empty:
            return pd.DataFrame(index=pd.DatetimeIndex([], name="date"))
        wide = self.bars.pivot(index="date", columns="ticker", values=column)
        order = [t for t in self.requested if t in wide.columns]
        wide = wide[order]
        wide.columns.name = None
        return wide

    def series(self, ticker: str) -> pd.DataFrame:
        """One ticker's bars indexed by date."""
        rows = self.bars[self.bars["ticker"] == ticker]
        return rows.drop(columns=["ticker"]).set_index("date")

    @property
    def as_of(self) -> dt.date | None:
        """The latest date in the bars."""
        if self.bars.empty:
            return None
        return self.bars["date"].max().date()

    @property
    def sources(self) -> tuple[str, ...]:
        """The distinct `source` values of the bars, sorted ("import:SPY.csv", "Yahoo
        Finance"); empty when the column was not read or there are no bars."""
        if "source" not in self.bars:
            return ()
        return tuple(sorted(str(s) for s in self.bars["source"].dropna().unique()))


@dataclass
class FillReport:
    """What a background fill did.

    needed: tickers that lacked something in the range (the rest were already cached).
    fetched / unknown / failed: outcome per ticker (failed: ticker -> last reason);
    filled_meanwhile: tickers a command fetched after the fill planned them (not asked again).
    requests: HTTP requests sent; backoffs: waits after a rate limit; waited_seconds: their total.
    stopped: `stop()` ended it early; gave_up: MAX_BACKOFFS rate limits in a row on one batch.
    """

    requested: int = 0
    needed: int = 0
    batches: int = 0
    fetched: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    requests: int = 0
    backoffs: int = 0
    waited_seconds: float = 0.0
    stopped: bool = False
    gave_up: bool = False
    left: int = 0  # needed tickers not reached (after stopped or gave_up)
    filled_meanwhile: list[str] = field(default_factory=list)  # by a command, since the plan

    @property
    def complete(self) -> bool:
        """Every needed ticker was fetched or found unknown."""
        return not (self.failed or self.stopped or self.gave_up)
