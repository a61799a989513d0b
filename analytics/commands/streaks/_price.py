"""The /price answer: one ticker's daily bars over a window (the window grammar), with a chart.

The bars shown run from the window's first session B to its last E (analytics/windows.py), and
the change is adj_close(E) / adj_close(B) - 1, the return `compare` would give. A history that
begins after B is shown from its first session, with a warning (a young listing still has a
price). Only the dates the window needs are fetched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from analytics import calendar
from analytics.answer import Answer, Chart, Column, Field, Table
from analytics.commands.common import pct, require_prices
from analytics.commands.provenance import last_cached_dates, price_dating, source_label
from analytics.commands.streaks._compare import window_phrase
from analytics.commands.streaks._parse import PriceRequest
from analytics.data.market import MarketData, PriceResult
from analytics.errors import NoData
from analytics.spec import Progress
from analytics.windows import Window, earliest_needed, window_anchor

BAR_FIELDS = ("open", "high", "low", "close", "adj_close", "volume")
LATEST_ROWS = 10


@dataclass(frozen=True)
class PriceHistory:
    """One ticker's bars from B to E (indexed by session) and the change over them.

    change: adj_close(E) / adj_close(B) - 1, a fraction (0.0 for a single session).
    short:  the history begins after the window's B: the bars start at its first session.
    """

    ticker: str
    bars: pd.DataFrame = field(compare=False, repr=False)
    change: float
    short: bool = False

    @property
    def start(self) -> dt.date:
        return self.bars.index[0].date()

    @property
    def end(self) -> dt.date:
        return self.bars.index[-1].date()

    @property
    def last_close(self) -> float:
        return float(self.bars["close"].iloc[-1])


def price_answer(data: MarketData, request: PriceRequest, progress: Progress) -> Answer:
    """Daily bars of `request.ticker` over `request.window`, ending at the last session on or
    before `as_of` (an explicit range sets its own end and ignores `as_of`).

    The window is anchored on the last session the data reaches: offline on a cache ending
    months ago, the window ending there is shown, titled "(as of D)" with a warning saying why.
    The Answer's `result` is the `PriceHistory`.
    """
    symbol, window, as_of = request.ticker, request.window, request.as_of
    today = data.today()
    asked = window.end if window.kind == "range" else as_of
    end = min(asked or today, today)
    start = earliest_needed(window, end)
    result = data.bars([symbol], start, end, progress=progress)
    result = _anchor_on_available(data, result, symbol, window, asked, start, end)
    _require_bars(data, result, symbol, end)
    history = price_history(result.series(symbol), symbol, window, asked)
    bars = history.bars
    dating = price_dating(data, result, history.end, asked)
    source = source_label(bars["source"].dropna().astype(str), data.source_name)
    warnings = list(result.warnings)
    if window.kind == "range" and as_of is not None:
        warnings.append(f"as_of {as_of} is ignored: the window {window.text} sets its own end.")
    if history.short:
        warnings.append(
            f"{symbol}'s data begins {history.start}, after the start of the window "
            f"{window.text}: the change is measured from its first close."
        )
    title = dating.title(f"{symbol}: {history.last_close:,.2f}")
    change = history.change

    def build():
        # matplotlib is imported on the first chart, not at bot startup
        from analytics.charts.price_chart import price_figure

        return price_figure(
            symbol,
            bars,
            change,
            title=f"{symbol} {pct(change)} {window_phrase(window)}",
            subtitle=f"Daily close, {history.start} to {history.end}",
            source=source,
            as_of=history.end,
        )

    return Answer(
        title=title,
        summary=(
            f"{symbol} closed at {history.last_close:,.2f} on {history.end}; {pct(change)} "
            f"since {history.start} ({len(bars)} sessions)."
        ),
        fields=(
            Field("Last close", f"{history.last_close:,.2f}"),
            Field("Change", pct(change)),
            Field("Range", f"{bars['low'].min():,.2f} – {bars['high'].max():,.2f}"),
            Field("Window", f"{window.label}: {history.start} to {history.end}"),
        ),
        tables=(_latest_table(bars),),
        chart=Chart(build),
        source=source,
        as_of=history.end,
        warnings=dating.warnings(warnings),
        tone=1 if change >= 0 else -1,
        data={
            "ticker": symbol,
            "window": window.text,
            "start": history.start.isoformat(),
            "end": history.end.isoformat(),
            "change": change,
            "bars": _bar_rows(bars),
            "behind": dating.to_json(),
        },
        advice_disclaimer=False,
        result=history,
        behind=dating.lag,
    )


def bars_json(answer: Answer) -> list[dict[str, Any]]:
    """The --json view of /price: the list of bars {date, open, high, low, close, adj_close,
    volume}, oldest first."""
    return list(answer.data["bars"])


def price_history(
    bars: pd.DataFrame, ticker: str, window: Window, end_on: dt.date | None
) -> PriceHistory:
    """The bars of `window` ending at the last session on or before `end_on` (default: the
    last session), and the change over them: adj_close(E) / adj_close(B) - 1.

    B follows analytics/windows.py; when the history begins after B, the bars start at its
    first session (`short`). Raises NoData when there is no session on or before `end_on`.
    """
    bars = bars.sort_index()
    bars = bars[bars["close"].notna()]
    if bars.empty:
        raise NoData(f"No {ticker} sessions in the window {window.text}.")
    days = bars.index
    first = days[0].date()
    e_pos = len(days) - 1
    if end_on is not None:
        e_pos = int(days.searchsorted(pd.Timestamp(end_on), side="right")) - 1
        if e_pos < 0:
            raise NoData(f"No {ticker} sessions on or before {end_on}: its data begins {first}.")
    if window.kind == "sessions":
        assert window.n is not None
        b_pos = e_pos - window.n
    else:
        anchor = window_anchor(window, days[e_pos].date())
        b_pos = int(days.searchsorted(pd.Timestamp(anchor), side="right")) - 1
    short = b_pos < 0
    span = bars.iloc[max(b_pos, 0) : e_pos + 1]
    adj = span["adj_close"]
    change = float(adj.iloc[-1] / adj.iloc[0] - 1.0) if len(span) > 1 else 0.0
    return PriceHistory(ticker, span, change, short)


def _anchor_on_available(
    data: MarketData,
    result: PriceResult,
    symbol: str,
    window: Window,
    asked: dt.date | None,
    start: dt.date,
    end: dt.date,
) -> PriceResult:
    """The window re-read from the cache so that it ends at the last cached session, when the
    data stops before the session asked (offline, the provider failing). A range keeps its own."""
    if window.kind == "range":
        return result
    available = last_cached_dates(data.cache, [symbol], end).get(symbol)
    if available is None or available >= calendar.expected_session(asked, data.now()):
        return result
    earlier = earliest_needed(window, available)
    if earlier >= start:
        return result
    # Cache only: the provider was just asked (or is off); asking again would only repeat it.
    bars = data.cache.read_bars([symbol], earlier, end)
    missing = () if not bars.empty else result.missing
    return replace(result, bars=bars, missing=missing)


def _require_bars(data: MarketData, result: PriceResult, symbol: str, end: dt.date) -> None:
    """Unknown symbols and provider failures as `require_prices` says them; a window ending
    before the cached history says where that history begins."""
    if symbol in result.missing and not result.warnings:
        cached = data.cache.read_bars([symbol], columns=["close"])
        if not cached.empty and end < (first := cached["date"].min().date()):
            raise NoData(
                f"{symbol} has no prices on or before {end}: its data begins {first}; "
                "give a later as_of or window."
            )
    require_prices(result, [symbol])


def _number(value: Any) -> float | None:
    return None if pd.isna(value) else float(value)


def _bar_rows(bars: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {"date": day.date().isoformat(), **{c: _number(bars.at[day, c]) for c in BAR_FIELDS}}
        for day in bars.index
    ]


def _latest_table(bars: pd.DataFrame) -> Table:
    """The last LATEST_ROWS sessions, newest first, as raw prices and volumes."""
    latest = bars.iloc[::-1].iloc[:LATEST_ROWS]
    return Table(
        columns=(
            Column("date", "date"),
            Column("open", "price"),
            Column("high", "price"),
            Column("low", "price"),
            Column("close", "price"),
            Column("volume", "volume"),
        ),
        rows=tuple(
            (
                day.date(),
                *(_number(latest.at[day, c]) for c in ("open", "high", "low", "close", "volume")),
            )
            for day in latest.index
        ),
        title="Latest sessions",
    )
