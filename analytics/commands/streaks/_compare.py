"""The /compare answer: total returns of 2-10 tickers over one window, best first, with a
rebased chart.

Returns are close(E) / close(B) - 1 on adjusted closes (dividends reinvested), as fractions;
B and E follow the window grammar in analytics/windows.py, E being the last session the data
reaches on or before the one asked. Only the dates the window needs are fetched
(windows.earliest_needed).

`compare` gives the typed `Comparison` (the digest reads it); `compare_answer` presents it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from analytics import calendar
from analytics.answer import Answer, Chart, Column, Field, Table, jsonable
from analytics.commands.common import pct, require_prices
from analytics.commands.provenance import (
    Dating,
    last_cached_dates,
    price_dating,
    source_label,
)
from analytics.commands.streaks._parse import CompareRequest
from analytics.data.market import MarketData, PriceResult
from analytics.errors import NoData
from analytics.returns import WindowReturns, normalised, window_returns
from analytics.spec import NoProgress, Progress
from analytics.windows import Window, earliest_needed

_TO_DATE = {"ytd": "year to date", "qtd": "quarter to date", "mtd": "month to date"}
_COLUMNS = ("adj_close", "source")


def window_phrase(window: Window) -> str:
    """'year to date', 'over 3 months', 'from 2024-01-02 to 2024-03-28'."""
    if window.kind in _TO_DATE:
        return _TO_DATE[window.kind]
    if window.kind == "range":
        return f"from {window.start} to {window.end}"
    return f"over {window.label}"


@dataclass(frozen=True)
class Comparison:
    """Ranked returns over one window and what they stand on.

    returns:  the ranked `WindowReturns` (fractions, best first; B and E on the common calendar).
    closes:   the wide adjusted closes the returns were measured on (for the chart).
    dating:   the session the answer should stand on against the one its data reaches.
    source:   where the rows used came from ("Yahoo Finance", "import: SPY.csv").
    warnings: the data layer's warnings, then notes on as_of and on tickers' own dates (the
              behind-the-date warning is `dating`'s, put first by `Dating.warnings`).
    """

    request: CompareRequest
    returns: WindowReturns
    closes: pd.DataFrame = field(compare=False, repr=False)
    dating: Dating = field(compare=False)
    source: str = ""
    warnings: tuple[str, ...] = ()

    @property
    def window(self) -> Window:
        return self.request.window

    @property
    def start(self) -> dt.date:
        """B: the close the returns are measured from."""
        return self.returns.start.date()

    @property
    def end(self) -> dt.date:
        """E: the close the returns are measured to."""
        return self.returns.end.date()

    def by_ticker(self) -> dict[str, float]:
        """Ticker -> return (a fraction), best first."""
        return {str(t): float(r) for t, r in self.returns.table["return"].items()}

    @property
    def best(self) -> str:
        return str(self.returns.table.index[0])

    @property
    def worst(self) -> str:
        return str(self.returns.table.index[-1])

    @property
    def title(self) -> str:
        """The headline, with " (as of D)" when the data ends before the session asked."""
        return self.dating.title(_title(self.returns.table, self.window))

    def chart(self) -> Chart:
        """The lines rebased to 100 at B, drawn on demand."""

        def build():
            # matplotlib is imported on the first chart, not at bot startup
            from analytics.charts.compare_chart import compare_figure

            return compare_figure(
                normalised(self.closes, self.start, self.end),
                self.returns.table,
                title=self.title,
                subtitle=f"Total return, rebased to 100 at the close of {self.start}",
                source=self.source,
                as_of=self.end,
            )

        return Chart(build)


def compare(
    data: MarketData, request: CompareRequest, progress: Progress | None = None
) -> Comparison:
    """Each ticker's return over the window ending at the last session on or before `as_of`.

    return = adj_close(E) / adj_close(B) - 1 (a fraction). Every ticker shares the window's B
    and E on the common calendar; a ticker that did not trade on one of them uses its own
    nearest earlier session (its row then carries start_date/end_date). An explicit date range
    ignores `as_of`. Raises NoData when a ticker's history does not cover the window.

    The window is anchored on the last session the data reaches: when that is before the
    session asked (or the latest completed one), e.g. offline on an old cache, the answer is
    the window ending there, titled "(as of D)" with a warning saying why. `source` names
    where the rows used came from (the provider, imported files), not the configured provider.
    """
    symbols, window, as_of = list(request.tickers), request.window, request.as_of
    today = data.today()
    asked = window.end if window.kind == "range" else as_of
    end = min(asked or today, today)
    start = earliest_needed(window, end)
    result = data.bars(symbols, start, end, progress=progress or NoProgress(), columns=_COLUMNS)
    result, start = _anchor_on_available(data, result, window, asked, start, end)
    _require_in_window(data, result, symbols, window, start, end)
    closes = result.wide("adj_close")
    try:
        returns = window_returns(closes, window, as_of)
    except NoData as exc:
        if window.kind == "range":
            raise
        later = " or a later as_of" if as_of else ""
        raise NoData(f"{exc.message} Use a shorter window{later}.") from None
    if returns.excluded:
        raise NoData(_not_enough_history(returns.excluded, window))
    warnings = list(result.warnings)
    if window.kind == "range" and as_of is not None:
        warnings.append(f"as_of {as_of} is ignored: the window {window.text} sets its own end.")
    warnings += _date_warnings(returns)
    return Comparison(
        request=request,
        returns=returns,
        closes=closes,
        dating=_dating(data, result, returns, asked),
        source=_source(result, returns, data.source_name),
        warnings=tuple(warnings),
    )


def compare_answer(data: MarketData, request: CompareRequest, progress: Progress) -> Answer:
    """The /compare answer over `compare(...)`; its `result` is the `Comparison`."""
    return comparison_answer(compare(data, request, progress))


def comparison_answer(comparison: Comparison) -> Answer:
    """A `Comparison` presented: headline, the ranked table (raw fractions and prices), chart."""
    table = comparison.returns.table
    begin, finish = comparison.start, comparison.end
    best, worst = comparison.best, comparison.worst
    best_return, worst_return = table.at[best, "return"], table.at[worst, "return"]
    return Answer(
        title=comparison.title,
        summary=(
            f"{best} led with {pct(best_return)}; {worst} trailed with {pct(worst_return)}. "
            f"Total returns (adjusted closes) from the close of {begin} to the close of {finish}."
        ),
        fields=(
            Field("Window", _window_text(comparison.window.label, begin, finish)),
            Field("Best", f"{best} {pct(best_return)}"),
            Field("Worst", f"{worst} {pct(worst_return)}"),
            Field("Spread", f"{(best_return - worst_return) * 100:.2f} pp"),
        ),
        tables=(_table(comparison.returns),),
        chart=comparison.chart(),
        source=comparison.source,
        as_of=finish,
        warnings=comparison.dating.warnings(comparison.warnings),
        tone=1 if best_return >= 0 else -1,
        data=_payload(comparison.returns, comparison.window)
        | {"behind": comparison.dating.to_json()},
        result=comparison,
        behind=comparison.dating.lag,
    )


def _anchor_on_available(
    market: MarketData,
    result: PriceResult,
    window: Window,
    asked: dt.date | None,
    start: dt.date,
    end: dt.date,
) -> tuple[PriceResult, dt.date]:
    """The bars re-read from the cache from an earlier start when the data ends before the
    session asked (offline, or the provider failing): the window is anchored on the last
    session the data reaches, so `1y` on a cache ending months ago means the year to then.

    An explicit range keeps its own start. Returns the (possibly re-read) result and start.
    """
    if window.kind == "range":
        return result, start
    available = result.as_of
    if available is None:  # nothing in [start, end]: the cache may end before `start`
        ends = last_cached_dates(market.cache, result.requested, end)
        available = max(ends.values()) if ends else None
    if available is None or available >= calendar.expected_session(asked, market.now()):
        return result, start
    earlier = earliest_needed(window, available)
    if earlier >= start:
        return result, start
    # Cache only: the provider was just asked (or is off); asking again would only repeat it.
    bars = market.cache.read_bars(result.requested, earlier, end, _COLUMNS)
    have = set(bars["ticker"].unique())
    missing = tuple(t for t in result.requested if t not in have and t not in result.unknown)
    return replace(result, bars=bars, missing=missing), earlier


def _dating(
    market: MarketData, result: PriceResult, returns: WindowReturns, asked: dt.date | None
) -> Dating:
    ends = {str(t): row.date() for t, row in returns.table["end_date"].items()}
    return price_dating(
        market, result, returns.end.date(), asked, ends=ends, since=returns.start.date()
    )


def _source(result: PriceResult, returns: WindowReturns, fallback: str) -> str:
    """The sources of the rows the returns were measured on (the ranked tickers, B to E)."""
    bars = result.bars
    if "source" not in bars:
        return fallback
    used = bars[
        bars["ticker"].isin(returns.table.index)
        & (bars["date"] >= returns.start)
        & (bars["date"] <= returns.end)
    ]
    return source_label(used["source"].dropna().astype(str), fallback)


def _require_in_window(
    market: MarketData,
    result: PriceResult,
    symbols: list[str],
    window: Window,
    start: dt.date,
    end: dt.date,
) -> None:
    """Unknown symbols first; then, for a ticker with no prices in the range, say where its data is."""
    unknown = [t for t in symbols if t in result.unknown]
    missing = [t for t in symbols if t in result.missing]
    if unknown or not missing or result.warnings:
        require_prices(result, symbols)
        return
    for ticker in missing:
        cached = market.cache.read_bars([ticker])
        if cached.empty:
            continue
        first, last = cached["date"].min().date(), cached["date"].max().date()
        if end < first:
            raise NoData(
                f"{ticker} has no prices on or before {end}: its data begins {first}. "
                f"Give a later as_of (or window), or leave {ticker} out."
            )
        raise NoData(
            f"{ticker} has no prices between {start} and {end} (its data covers {first} to "
            f"{last}). Pick another window, or leave {ticker} out."
        )
    require_prices(result, symbols)


def _not_enough_history(excluded: dict[str, str], window: Window) -> str:
    names = ", ".join(excluded)
    reasons = " ".join(f"{t}: {why.rstrip('.')}." for t, why in excluded.items())
    return (
        f"Not enough history for {names} to measure {window_phrase(window)}. {reasons} "
        f"Use a shorter window, or leave {names} out."
    )


def _title(table: pd.DataFrame, window: Window) -> str:
    returns = table["return"]
    best = returns.index[0]
    phrase = window_phrase(window)
    if len(returns) == 2:
        other = returns.index[1]
        return f"{best} {pct(returns.iloc[0], 1)} vs {other} {pct(returns.iloc[1], 1)} {phrase}"
    if returns.iloc[0] < 0:
        return f"{best} fell least of {len(returns)} tickers {phrase}: {pct(returns.iloc[0], 1)}"
    return f"{best} led {len(returns)} tickers {phrase} with {pct(returns.iloc[0], 1)}"


def _differs(returns: WindowReturns, ticker: str) -> bool:
    row = returns.table.loc[ticker]
    return row["start_date"] != returns.start or row["end_date"] != returns.end


def _date_warnings(returns: WindowReturns) -> list[str]:
    out = []
    for ticker in returns.table.index:
        row = returns.table.loc[ticker]
        if row["end_date"] != returns.end:
            out.append(
                f"{ticker} has no close on {returns.end.date()}; its last close, "
                f"{row['end_date'].date()}, is used."
            )
    return out


def _table(returns: WindowReturns) -> Table:
    """Ticker, return (a fraction), start and end close; the dates when a ticker's own differ."""
    table = returns.table
    with_dates = any(_differs(returns, t) for t in table.index)
    columns = [
        Column("ticker"),
        Column("return", "pct"),
        Column("start close", "price"),
        Column("end close", "price"),
    ]
    if with_dates:
        columns += [Column("from", "date"), Column("to", "date")]
    rows = []
    for ticker in table.index:
        row = table.loc[ticker]
        cells: tuple[Any, ...] = (
            str(ticker),
            float(row["return"]),
            float(row["start_close"]),
            float(row["end_close"]),
        )
        if with_dates:
            cells += (row["start_date"].date(), row["end_date"].date())
        rows.append(cells)
    return Table(
        tuple(columns), tuple(rows), f"Returns {returns.start.date()} to {returns.end.date()}"
    )


def _payload(returns: WindowReturns, window: Window) -> dict[str, Any]:
    """The --json object: window, start, end and the ranked returns (fractions), best first."""
    rows = []
    for ticker in returns.table.index:
        row = returns.table.loc[ticker]
        item: dict[str, Any] = {
            "ticker": ticker,
            "return": float(row["return"]),
            "start_close": float(row["start_close"]),
            "end_close": float(row["end_close"]),
        }
        if _differs(returns, ticker):
            item["start_date"] = row["start_date"].date()
            item["end_date"] = row["end_date"].date()
        rows.append(item)
    return jsonable(
        {
            "window": window.text,
            "window_label": window.label,
            "start": returns.start.date(),
            "end": returns.end.date(),
            "returns": rows,
            "prices": "adjusted close",
        }
    )


def _window_text(label: str, begin: object, finish: object) -> str:
    """'ytd: 2024-12-31 to 2025-06-30'; an explicit range is not said twice."""
    span = f"{begin} to {finish}"
    return span if label == span else f"{label}: {span}"
