"""What `MarketData` answers: bars with what could not be had (PriceResult), and the report
of a background fill (FillReport)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class PriceResult:
    """Bars for the requested tickers, with what could not be had and why.

    provisional: tickers whose bars are provisional closes (a multi-symbol endpoint's
    split-adjusted closes, in both close and adj_close: a price return), answered while a
    background fill fetches their exact bars; the warnings say so.
    dividends_pending: tickers whose newest sessions came from a multi-symbol quote, which
    carries no dividends, and that paid one in the last year: a return over those sessions may
    leave a dividend out until their per-symbol check; the warnings say so.
    """

    bars: pd.DataFrame
    requested: tuple[str, ...]
    unknown: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    fetched: tuple[str, ...] = ()
    requests: int = 0
    stale: bool = False
    offline: bool = False
    provisional: tuple[str, ...] = ()
    dividends_pending: tuple[str, ...] = ()

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


@dataclass
class NightReport(FillReport):
    """What a nightly refresh did (analytics.data.nightly), on top of FillReport's totals.

    quoted: tickers whose newest session came from the multi-symbol quote, in
    `quote_requests` requests (cookie and crumb included). checks: tickers given their
    per-symbol events check tonight (dividends, splits the quote cannot carry); postponed:
    checks that were due but left for a later night by the night's request budget. splits:
    tickers whose quote showed a split (Yahoo's previous close off the cached one by a
    constant ratio), re-based from a per-symbol fetch. per_symbol: tickers the quote could not
    answer, asked per symbol. filled: tickers with a longer gap (cold, a missed night, a hole),
    given the per-symbol fill. fallback: why the quote endpoint was given up on ("" if not).
    """

    quoted: list[str] = field(default_factory=list)
    quote_requests: int = 0
    checks: list[str] = field(default_factory=list)
    postponed: list[str] = field(default_factory=list)
    splits: list[str] = field(default_factory=list)
    per_symbol: list[str] = field(default_factory=list)
    filled: list[str] = field(default_factory=list)
    fallback: str = ""
