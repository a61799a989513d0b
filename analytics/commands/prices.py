"""`prices`: one ticker's cached (or fetched) daily bars, with a price chart."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd

from analytics import calendar
from analytics.answer import Answer, Field, Table
from analytics.commands.common import check_as_of, pct, require_prices
from analytics.commands.provenance import last_cached_dates, price_dating, result_source
from analytics.data.market import MarketData, PriceResult
from analytics.errors import BadInput, NoData
from analytics.symbols import normalize_symbol

DEFAULT_LOOKBACK = dt.timedelta(days=365)


def price_answer(
    market: MarketData,
    ticker: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    *,
    chart: bool = True,
    lookback: dt.timedelta = DEFAULT_LOOKBACK,
) -> Answer:
    """Daily bars of `ticker` from `start` (default: `lookback`, a year, before `end`) to `end`
    (default today).

    With no `start`, the lookback ends at the last session the data reaches: offline on a
    cache ending months ago, that span is shown, titled "(as of D)" with a warning saying why.
    """
    symbol = normalize_symbol(ticker)
    today = market.today()
    check_as_of(end, today)
    asked = end
    end = end or today
    defaulted = start is None
    start = start or end - lookback
    if start > end:
        raise BadInput(f"start {start} is after end {end}; give start before end.")
    result = market.bars([symbol], start, end)
    if defaulted:
        result = _anchor_on_available(market, result, symbol, asked, start, end, lookback)
    require_prices(result, [symbol])
    bars = result.series(symbol)
    if bars.empty:
        raise NoData(f"No {symbol} sessions between {start} and {end}.")
    last = bars.iloc[-1]
    first_close = bars["adj_close"].iloc[0]
    change = bars["adj_close"].iloc[-1] / first_close - 1 if len(bars) > 1 else 0.0
    last_day = bars.index[-1].date()
    dating = price_dating(market, result, last_day, asked)
    source = result_source(result, market)
    rows = [
        {
            "date": day.date().isoformat(),
            **{
                c: _num(bars.at[day, c])
                for c in ("open", "high", "low", "close", "adj_close", "volume")
            },
        }
        for day in bars.index
    ]
    tail = tuple(
        (
            r["date"],
            _fmt(r["open"]),
            _fmt(r["high"]),
            _fmt(r["low"]),
            _fmt(r["close"]),
            _fmt(r["volume"], 0),
        )
        for r in rows[-10:][::-1]
    )
    summary = (
        f"{symbol} closed at {last['close']:,.2f} on {last_day.isoformat()}; "
        f"{pct(change)} since {bars.index[0].date().isoformat()} ({len(bars)} sessions)."
    )
    png = None
    if chart:
        # matplotlib is imported on the first chart, not at bot startup
        from analytics.charts.price_chart import price_chart

        png = price_chart(symbol, bars, change, result.as_of, source)
    return Answer(
        title=dating.title(f"{symbol}: {last['close']:,.2f}"),
        summary=summary,
        fields=(
            Field("Last close", f"{last['close']:,.2f}"),
            Field("Change", pct(change)),
            Field("Range", f"{bars['low'].min():,.2f} – {bars['high'].max():,.2f}"),
        ),
        tables=(
            Table(("date", "open", "high", "low", "close", "volume"), tail, "Latest sessions"),
        ),
        chart_png=png,
        source=source,
        as_of=last_day,
        warnings=dating.warnings(result.warnings),
        tone=1 if change >= 0 else -1,
        data={"ticker": symbol, "bars": rows, "behind": dating.to_json()},
        advice_disclaimer=False,
    )


def _anchor_on_available(
    market: MarketData,
    result: PriceResult,
    symbol: str,
    asked: dt.date | None,
    start: dt.date,
    end: dt.date,
    lookback: dt.timedelta,
) -> PriceResult:
    """The default span re-read from the cache so that it ends at the last cached session,
    when the data stops before the session asked (and before `start`, or well inside it)."""
    ends = last_cached_dates(market.cache, [symbol], end)
    available = ends.get(symbol)
    if available is None or available >= calendar.expected_session(asked, market.now()):
        return result
    earlier = available - lookback
    if earlier >= start:
        return result
    bars = market.cache.read_bars([symbol], earlier, end)
    missing = () if not bars.empty else result.missing
    return replace(result, bars=bars, missing=missing)


def _num(value: float) -> float | None:
    return None if pd.isna(value) else float(value)


def _fmt(value: float | None, digits: int = 2) -> str:
    return "" if value is None else f"{value:,.{digits}f}"
