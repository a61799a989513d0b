"""The /contributors answer: which constituents made a fund's return over a window, and how
broad the move was.

1. The fund's own adjusted closes fix the window S..E, ending on the as-of session (the one
   asked for, or the data's last when the data ends earlier, said in the title), and give the
   fund's return, so "sum of contributions vs the fund" is an honest comparison.
2. The holdings snapshot nearest S is chosen (`data.holdings.near`: the rule and the refresh
   policy movers uses too); the window is never moved to suit it.
3. Its weights, as of its own date H, are carried to S by each name's price move
   (analytics.contribution.weights_at); contribution = weight at S x return over S..E.
4. Coverage (analytics.coverage): below 98% of the fund's equity weight priced the answer says
   "partial", below 50% it refuses and says what to import or fetch.

Everything here is blocking (SQLite, pricing, the holdings download through the facade's HTTP
bridge): the front ends run it in a worker thread. `contributors_report` is the typed result
the digest reads; `answer` renders it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics import calendar
from analytics.answer import Answer, Chart
from analytics.breadth import Breadth, breadth
from analytics.commands.common import require_prices
from analytics.commands.constituents.anchor import (
    asked_session,
    expected_end,
    load_anchored,
    missing_prices_remedy,
    rows_source,
)
from analytics.commands.contributors import _text as text
from analytics.commands.contributors._parse import ContributorsRequest
from analytics.commands.provenance import Dating, price_dating
from analytics.contribution import ContributionSummary, contribution_summary, weights_at
from analytics.coverage import Coverage, coverage_of, require_coverage
from analytics.data.market import MarketData, PriceResult
from analytics.errors import NoData
from analytics.holdings.choice import SnapshotChoice
from analytics.spec import Labelled, Progress, phased
from analytics.windows import earliest_needed, window_bounds

HALT_SESSIONS = 5
"""A constituent's last close may be this many sessions before E or H (a trading halt)."""
_H_SLACK = dt.timedelta(days=10)
"""Prices are read from this long before the holdings date, for a close on or before it."""


@dataclass(frozen=True, eq=False)
class FundWindow:
    """The fund's own closes over the window: its first and last session and its return."""

    begin: pd.Timestamp
    finish: pd.Timestamp
    fund_return: float
    expected: dt.date
    result: PriceResult


@dataclass(frozen=True, eq=False)
class ContributorsReport:
    """One contributors answer before it is worded.

    summary:  the contributions (analytics.contribution.ContributionSummary).
    counts:   breadth of the constituents' returns over the window.
    choice:   the holdings snapshot used and how far it is from the window's start.
    span:     (S, E), the window's sessions on the fund's own closes.
    """

    request: ContributorsRequest
    window: FundWindow
    summary: ContributionSummary = field(repr=False)
    counts: Breadth
    choice: SnapshotChoice
    coverage: Coverage
    span: tuple[dt.date, dt.date]
    dating: Dating
    source: str
    warnings: tuple[str, ...]

    @property
    def fund(self) -> str:
        return self.request.fund.symbol

    @property
    def title(self) -> str:
        headline = text.headline(self.fund, self.request.window, self.summary)
        return self.dating.title(headline + self.coverage.title_suffix())

    def to_json(self) -> dict:
        payload = text.payload(
            self.fund,
            self.request.window,
            self.summary,
            self.counts,
            self.span,
            self.choice,
            self.coverage,
        )
        return payload | {"behind": self.dating.to_json()}

    def answer(self, *, chart: bool = True) -> Answer:
        """The Answer: tables of raw weights, returns and bp with their units, the chart drawn
        on demand, the JSON payload."""
        request = self.request
        return Answer(
            title=self.title,
            summary=text.summary_text(
                self.fund,
                request.window,
                self.summary,
                self.counts,
                self.span,
                self.choice,
                self.coverage,
            ),
            fields=text.fields(self.summary, self.counts, self.choice, self.coverage),
            tables=text.tables(self.summary, self.choice.holdings),
            chart=Chart(self.figure) if chart and not self.summary.frame.empty else None,
            source=self.source,
            as_of=self.span[1],
            warnings=self.warnings,
            tone=1 if self.window.fund_return >= 0 else -1,
            data=self.to_json(),
            behind=self.dating.lag,
            result=self,
        )

    def figure(self):
        """The chart as a matplotlib Figure: the top and bottom contributors, ranked."""
        return text.figure(
            self.summary,
            self.fund,
            self.request.window,
            self.request.top,
            self.span,
            self.choice,
            self.coverage,
            self.source,
        )


def answer(data: MarketData, request: ContributorsRequest, progress: Progress) -> Answer:
    """The /contributors answer (the spec's answer function). Blocking."""
    return contributors_report(data, request, progress).answer()


def contributors_report(
    data: MarketData, request: ContributorsRequest, progress: Progress | None = None
) -> ContributorsReport:
    """Top and bottom contributors, fund vs sum, breadth, coverage.

    Holdings come from the cache, or from iShares by the holdings policy (a download is a
    progress phase); the constituents' pricing is counted under "Pricing IWM constituents".
    """
    progress = phased(progress)
    # Without any holdings there is nothing to price: fail (or download) before the prices.
    data.holdings.ensure(request.fund, progress=progress)
    window = fund_window(data, request)
    choice = data.holdings.near(request.fund, window.begin.date(), progress=progress)
    pricing = Labelled(progress, f"Pricing {request.fund.symbol} constituents")
    return contributors_from_holdings(data, choice, request, window, progress=pricing)


def fund_window(market: MarketData, request: ContributorsRequest) -> FundWindow:
    """The window S..E measured on the fund's own closes, anchored on the as-of session.

    Raises UnknownSymbol/NoData when the fund's prices cannot be had, NoData when the window
    reaches back before them. Blocking.
    """
    symbol = request.fund.symbol
    expected = expected_end(request.window, request.as_of, market.now())
    result = load_anchored(market, [symbol], request.window, expected)
    require_prices(result, [symbol])
    etf = result.wide("adj_close")[symbol].dropna()
    if etf.empty:
        raise NoData(f"No {symbol} closes on or before {expected}.")
    begin, finish = window_bounds(request.window, etf.index, as_of=expected)
    return FundWindow(begin, finish, float(etf[finish] / etf[begin] - 1.0), expected, result)


def contributors_from_holdings(
    market: MarketData,
    choice: SnapshotChoice,
    request: ContributorsRequest,
    window: FundWindow,
    *,
    progress: Progress | None = None,
) -> ContributorsReport:
    """Price the constituents at H, S and E and build the report. Blocking."""
    fund, holdings = request.fund, choice.holdings
    begin, finish = window.begin, window.finish
    weights = holdings.weights
    constituents = [str(t) for t in weights.index]
    # The file's weights were struck at the last close on or before H (H may be a holiday).
    at_h = pd.Timestamp(calendar.session_on_or_before(holdings.as_of))
    first = min(earliest_needed(request.window, finish.date()), at_h.date() - _H_SLACK)
    last = max(finish.date(), at_h.date())
    result = market.bars(constituents, first, last, progress=progress, columns=["adj_close"])
    closes = result.wide("adj_close")

    unsure = result.stale or result.offline
    p_start, _ = last_close(closes, constituents, begin)
    p_end, lag = last_close(closes, constituents, finish)
    p_h, lag_h = last_close(closes, constituents, at_h)
    # An old end close is a halt online; offline or after a failed fetch it may be a stale cache.
    p_end = p_end.where(lag <= (0 if unsure else HALT_SESSIONS))
    p_h = p_h.where(lag_h <= HALT_SESSIONS)
    start_weights = weights_at(weights, p_h, p_start)
    returns = p_end / p_start - 1.0
    summary = contribution_summary(start_weights, returns, window.fund_return, top_n=request.top)
    counts = breadth(summary.frame["return"].reindex(weights.index))
    coverage = coverage_of(list(summary.frame.index), constituents, weights.to_dict())
    span = (begin.date(), finish.date())
    require_coverage(
        coverage,
        fund.symbol,
        f"from {span[0]} to {span[1]}",
        missing_prices_remedy(market, result),
    )

    lagging = [t for t in constituents if unsure and 0 < lag[t] < np.inf]
    asked = asked_session(request.window, request.as_of)
    dating = price_dating(market, window.result, span[1], asked, since=span[0])
    used = [fund.symbol, *map(str, summary.frame.index)]
    source = rows_source(market, used, min(span[0], at_h.date()), max(span[1], at_h.date()))
    warnings = dating.warnings(
        [
            *choice.warnings(),
            *window.result.warnings,
            *result.warnings,
            *_unpriced_warnings(market, result, weights, constituents, lagging, coverage, span),
        ]
    )
    return ContributorsReport(
        request=request,
        window=window,
        summary=summary,
        counts=counts,
        choice=choice,
        coverage=coverage,
        span=span,
        dating=dating,
        source=source,
        warnings=warnings,
    )


def last_close(
    closes: pd.DataFrame, tickers: list[str], when: pd.Timestamp
) -> tuple[pd.Series, pd.Series]:
    """Each ticker's last close on or before `when`, and how many rows (sessions of the union
    calendar, in practice) before `when`'s row it is: (closes, lags), indexed by `tickers`;
    NaN close and infinite lag where there is none (or the ticker has no column)."""
    have = [t for t in tickers if t in closes.columns]
    frame = closes.loc[:when, have]
    out = pd.Series(np.nan, index=pd.Index(tickers, name="ticker"), dtype="float64")
    lags = pd.Series(np.inf, index=out.index, dtype="float64")
    values = frame.to_numpy(dtype="float64")
    if values.size == 0:
        return out, lags
    valid = ~np.isnan(values)
    rows = len(values)
    last = rows - 1 - np.argmax(valid[::-1], axis=0)
    found = valid.any(axis=0)
    picked = values[last, np.arange(values.shape[1])]
    out[have] = np.where(found, picked, np.nan)
    lags[have] = np.where(found, rows - 1 - last, np.inf)
    return out, lags


def _unpriced_warnings(
    market: MarketData,
    result: PriceResult,
    weights: pd.Series,
    constituents: list[str],
    lagging: list[str],
    coverage: Coverage,
    span: tuple[dt.date, dt.date],
) -> list[str]:
    """Names the provider does not know, and what a partial answer covers and how to complete it."""
    out = []
    unknown = [t for t in constituents if t in result.unknown]
    if unknown:
        out.append(
            f"{market.source_name} does not know {text.count(len(unknown), 'constituent')} "
            f"({text.some(unknown)}; {_weight(weights, unknown):.2%} of the fund); left out."
        )
    if coverage.partial:
        if result.offline:
            how, fix = "in the cache (offline)", "Import their prices or go online"
        elif result.stale:
            how, fix = "fetched", "Ask again later"
        else:
            how, fix = f"at {market.source_name}", "Import their prices"
        stale = f" ({len(lagging):,} only up to an earlier day)" if lagging else ""
        out.append(
            f"Partial answer: {coverage.priced:,} of {coverage.universe:,} constituents "
            f"({coverage.describe()}) have prices {how} from {span[0]} to {span[1]}{stale}, so "
            f"the sum of contributions covers only those. {fix} for the full answer."
        )
    return out


def _weight(weights: pd.Series, tickers: list[str]) -> float:
    return float(weights[weights.index.isin(tickers)].sum())
