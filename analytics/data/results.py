"""What `MarketData` answers: bars with what could not be had (PriceResult), and the report
of a background fill (FillReport)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from analytics.data.panel import Panel


@dataclass(frozen=True, eq=False)
class PriceResult:
    """Bars for the requested tickers, with what could not be had and why.

    panel: the bars as matrices (analytics.data.panel): `wide()` is a view of them, `bars`
    (the long frame) is built from them on first use.
    provisional: tickers whose bars are provisional closes (a multi-symbol endpoint's
    split-adjusted closes, in both close and adj_close: a price return), answered while a
    background fill fetches their exact bars; the warnings say so.
    dividends_pending: tickers whose newest sessions came from a multi-symbol quote, which
    carries no dividends, and that paid one in the last year: a return over those sessions may
    leave a dividend out until their per-symbol check; the warnings say so.
    """

    panel: Panel
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

    @classmethod
    def of_frame(cls, bars: pd.DataFrame, requested: Sequence[str], **fields: Any) -> PriceResult:
        """A result over a long bar frame (ticker, date, columns)."""
        return cls(
            panel=Panel.from_long(bars, list(requested)), requested=tuple(requested), **fields
        )

    @cached_property
    def bars(self) -> pd.DataFrame:
        """The long frame: ticker, date and the columns read, ordered by ticker and date."""
        return self.panel.long()

    def wide(self, column: str = "adj_close") -> pd.DataFrame:
        """Index dates, one column per ticker (requested order, tickers with bars only)."""
        return self.panel.wide(column)

    def series(self, ticker: str) -> pd.DataFrame:
        """One ticker's bars indexed by date."""
        return self.panel.series(ticker)

    @property
    def as_of(self) -> dt.date | None:
        """The latest date in the bars."""
        return self.panel.last_date

    @property
    def sources(self) -> tuple[str, ...]:
        """The distinct `source` values of the bars, sorted ("import:SPY.csv", "Yahoo
        Finance"); empty when the column was not read or there are no bars."""
        return self.panel.sources()

    def split_warnings(
        self, column: str = "adj_close", since: dt.date | None = None
    ) -> tuple[str, ...]:
        """analytics.data.validate.split_warnings over these bars, computed on the matrix:
        consecutive positive values of a ticker on or after `since` whose ratio looks like a
        split."""
        from analytics.data.validate import describe_splits, likely_unadjusted_splits

        panel = self.panel
        if panel.empty or column not in panel.values:
            return ()
        first = 0 if since is None else int(np.searchsorted(panel.dates, np.datetime64(since, "D")))
        matrix = panel.values[column][first:]
        valid = matrix > 0  # False for NaN
        if valid.sum() < 2:
            return ()
        kept = np.where(valid, matrix, np.nan)
        before = pd.DataFrame(kept).ffill().shift(1).to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            moves = np.abs(np.log(kept / before))
        suspects = np.flatnonzero(np.nan_to_num(moves, nan=0.0).max(axis=0) > np.log(1.25))
        if not len(suspects):
            return ()
        dates = panel.index()[first:]
        lines: list[str] = []
        for j in sorted(suspects, key=lambda k: panel.tickers[k]):
            rows = valid[:, j]
            closes = pd.Series(kept[rows, j], index=dates[rows], name=column)
            lines += describe_splits(likely_unadjusted_splits(closes), panel.tickers[j])
        return tuple(lines)


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
