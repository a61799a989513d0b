"""`movers`: the biggest gainers and losers of a universe over a window, with a chart."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analytics.answer import Answer, Field, Table
from analytics.commands.common import check_as_of, parse_date, pct
from analytics.data.market import MarketData, Progress
from analytics.errors import NoData
from analytics.movers import (
    MinMove,
    MoverSide,
    check_top,
    effective_direction,
    median_return,
    parse_direction,
    parse_min_move,
    rank_side,
    universe_returns,
)
from analytics.universes import Universe
from analytics.windows import Window, earliest_needed, parse_window

_TO_DATE = {"ytd": "year to date", "qtd": "quarter to date", "mtd": "month to date"}
_LISTED = 12
_CHART_TITLE_MAX = (
    56  # characters that fit the chart's title line  # names listed in warnings before "and N more"
)


@dataclass(frozen=True)
class MoversRequest:
    """Validated options of one movers question (direction already narrowed by min_move's sign)."""

    window: Window
    direction: str
    top: int
    min_move: MinMove | None
    as_of: dt.date | None


def movers_request(
    window: str = "1d",
    direction: str | None = "both",
    top: int | str | None = 10,
    min_move: str | None = None,
    as_of: str | dt.date | None = None,
    *,
    today: dt.date,
) -> MoversRequest:
    """Check every cheap option (no data read); raises BadInput with what to type instead."""
    parsed_window = parse_window(window or "1d")
    threshold = parse_min_move(min_move)
    side = effective_direction(parse_direction(direction), threshold)
    day = as_of if isinstance(as_of, dt.date) else parse_date(as_of, name="as_of")
    check_as_of(day, today)
    return MoversRequest(parsed_window, side, check_top(top), threshold, day)


def movers_answer(
    market: MarketData,
    universe: Universe,
    request: MoversRequest,
    *,
    progress: Progress | None = None,
    chart: bool = True,
) -> Answer:
    """Rank `universe`'s names by their return over the window (adjusted closes, cache first).

    Prices for the whole universe come from one `MarketData.bars` call (one cache query);
    only what the cache lacks is fetched. Names without prices or with too little history
    in the window are counted, not ranked. Raises NoData when no name has prices or the
    window reaches back before the data.
    """
    window = request.window
    ranged = window.kind == "range"
    end = window.end if ranged else (request.as_of or market.today())
    assert end is not None
    first = earliest_needed(window, end)
    result = market.bars(
        list(universe.tickers), first, end, progress=progress, columns=["adj_close"]
    )
    closes = result.wide("adj_close").dropna(axis=1, how="all")
    if closes.shape[1] == 0:
        raise NoData(_no_prices_message(universe, result, first, end))
    try:
        returns = universe_returns(closes, window, None if ranged else request.as_of)
    except NoData as exc:
        raise NoData(_window_message(universe, exc.message)) from None
    table = returns.table
    sides = [
        rank_side(table, side, request.top, request.min_move)
        for side in (("gainers", "losers") if request.direction == "both" else (request.direction,))
    ]
    median = median_return(table)
    start, last = returns.start.date(), returns.end.date()
    no_prices = [t for t in universe.tickers if t not in closes.columns]
    short = sorted(returns.excluded)
    period = _period(window, last)
    title = _title(universe, sides, request.min_move, period)
    png = None
    if chart:
        png = _chart(
            sides, title, universe, window, start, last, median, len(table), request, market
        )
    data: dict[str, Any] = {
        "window": window.text,
        "start": start,
        "end": last,
        "universe": universe.name,
        "universe_kind": universe.kind,
        "holdings_as_of": universe.as_of,
        "universe_size": len(universe.tickers),
        "priced": int(closes.shape[1]),
        "ranked": len(table),
        "median": median,
        "direction": request.direction,
        "top": request.top,
        "min_move": request.min_move.fraction if request.min_move else None,
        # ticker -> why (e.g. "no prices after 2026-08-20"); names never priced at all
        "left_out": {
            "short_history": dict(sorted(returns.excluded.items())),
            "no_prices": no_prices,
        },
    }
    for side in sides:
        data[side.side] = _rows(side.ranked)
    if request.min_move is not None:
        data["meeting"] = {side.side: side.count for side in sides}
        data["closest"] = {side.side: _rows(side.closest) for side in sides if side.count == 0}
    return Answer(
        title=title,
        summary=_summary(
            universe,
            len(table),
            median,
            period,
            start,
            last,
            short,
            no_prices,
            sides,
            request.min_move,
        ),
        fields=_fields(universe, window, start, last, len(table), median, sides, request.min_move),
        tables=tuple(_table(side, request.min_move, returns.start, returns.end) for side in sides),
        chart_png=png,
        source=market.source_name,
        as_of=last,
        warnings=(*result.warnings, *_universe_warnings(universe, result)),
        tone=_tone(request.direction, median),
        data=data,
    )


# -- wording ------------------------------------------------------------------------------


def _period(window: Window, end: dt.date) -> str:
    if window.kind == "sessions" and window.n == 1:
        return f"on {end.isoformat()}"
    if window.kind == "range":
        return f"from {window.start} to {window.end}"
    return _TO_DATE.get(window.kind) or f"over {window.label}"


def _names(universe: Universe) -> tuple[str, str]:
    """(noun, adjective): ('IWM', 'IWM') or ('the 3 tickers', 'listed')."""
    if universe.kind == "tickers":
        return f"the {universe.name}", "listed"
    return universe.name, universe.name


def _mover(frame: pd.DataFrame) -> str:
    return f"{frame.index[0]} {pct(float(frame['return'].iloc[0]), 1)}"


def _title(
    universe: Universe, sides: list[MoverSide], min_move: MinMove | None, period: str
) -> str:
    noun, adj = _names(universe)
    by = {s.side: s for s in sides}
    if min_move is not None:
        size = min_move.text.lstrip("+-")
        if all(s.count == 0 for s in sides):
            verb = (
                {"gainers": "rose", "losers": "fell"}.get(sides[0].side)
                if len(sides) == 1
                else "moved"
            )
            near = _closest(sides)
            tail = f"; closest {_mover(near)}" if near is not None else ""
            return f"No {adj} name {verb} {size} or more {period}{tail}"
        if len(sides) == 2:
            g, lo = by["gainers"].count, by["losers"].count
            return f"{g:,} {adj} {_plural(g)} rose and {lo:,} fell {size} or more {period}"
        side = sides[0]
        verb = "rose" if side.side == "gainers" else "fell"
        return f"{side.count:,} {adj} {_plural(side.count)} {verb} {size} or more {period}"
    gainers, losers = by.get("gainers"), by.get("losers")
    if gainers is not None and losers is not None:
        if not gainers.ranked.empty and not losers.ranked.empty:
            return (
                f"{_mover(gainers.ranked)} led {noun} {period}; {_mover(losers.ranked)} fell most"
            )
        if not gainers.ranked.empty:
            return f"{_mover(gainers.ranked)} led {noun} {period}; no name fell"
        if not losers.ranked.empty:
            return f"{_mover(losers.ranked)} fell most in {noun} {period}; no name rose"
        return f"No {adj} name moved {period}"
    side = sides[0]
    if side.ranked.empty:
        return f"No {adj} name {'rose' if side.side == 'gainers' else 'fell'} {period}"
    if side.side == "gainers":
        return f"{_mover(side.ranked)} led {noun} {period}"
    return f"{_mover(side.ranked)} fell most in {noun} {period}"


def _closest(sides: list[MoverSide]) -> pd.DataFrame | None:
    """The single nearest miss across the sides asked (largest absolute return)."""
    heads = [s.closest.head(1) for s in sides if not s.closest.empty]
    if not heads:
        return None
    return max(heads, key=lambda f: abs(float(f["return"].iloc[0])))


def _plural(n: int) -> str:
    return "name" if n == 1 else "names"


def _summary(
    universe: Universe,
    ranked: int,
    median: float,
    period: str,
    start: dt.date,
    end: dt.date,
    short: list[str],
    no_prices: list[str],
    sides: list[MoverSide],
    min_move: MinMove | None,
) -> str:
    _, adj = _names(universe)
    size = len(universe.tickers)
    text = (
        f"{ranked:,} of {size:,} {adj} names ranked {period} ({start} to {end}, adjusted closes); "
        f"median return {pct(median)}."
    )
    left = []
    if short:
        left.append(f"{len(short):,} without enough prices in the window")
    if no_prices:
        left.append(f"{len(no_prices):,} with no prices at all")
    if left:
        text += " Left out: " + " and ".join(left) + "."
    if min_move is not None:
        size_text = min_move.text.lstrip("+-")
        for side in sides:
            verb = "rose" if side.side == "gainers" else "fell"
            if side.count:
                text += f" {side.count:,} {verb} {size_text} or more."
            else:
                text += f" None {verb} {size_text} or more; the closest are shown."
    return text


def _fields(
    universe: Universe,
    window: Window,
    start: dt.date,
    end: dt.date,
    ranked: int,
    median: float,
    sides: list[MoverSide],
    min_move: MinMove | None,
) -> tuple[Field, ...]:
    fields = [
        Field("Universe", universe.description),
        Field("Window", f"{window.text}: {start} → {end}"),
        Field("Ranked", f"{ranked:,} of {len(universe.tickers):,}"),
        Field("Median", pct(median) if math.isfinite(median) else "n/a"),
    ]
    if min_move is not None:
        size = min_move.text.lstrip("+-")
        for side in sides:
            label = f"{'Rose' if side.side == 'gainers' else 'Fell'} ≥ {size}"
            fields.append(Field(label, f"{side.count:,}"))
    return tuple(fields)


def _table(
    side: MoverSide, min_move: MinMove | None, start: pd.Timestamp, end: pd.Timestamp
) -> Table:
    frame = side.ranked
    if min_move is not None and side.count == 0:
        frame = side.closest
        sign = "+" if side.side == "gainers" else "-"
        title = f"None {'rose' if sign == '+' else 'fell'} {min_move.text.lstrip('+-')}: closest"
    elif min_move is not None:
        title = (
            f"{'Rose' if side.side == 'gainers' else 'Fell'} {min_move.text.lstrip('+-')} or more"
        )
    else:
        title = "Top gainers" if side.side == "gainers" else "Top losers"
    own_dates = bool(len(frame)) and bool(
        ((frame["start_date"] != start) | (frame["end_date"] != end)).any()
    )
    columns = ("ticker", "return", "start", "end", *(("dates",) if own_dates else ()))
    rows = []
    for ticker, row in frame.iterrows():
        cells = [
            str(ticker),
            pct(float(row["return"])),
            f"{row['start_close']:,.2f}",
            f"{row['end_close']:,.2f}",
        ]
        if own_dates:
            differs = row["start_date"] != start or row["end_date"] != end
            cells.append(f"{row['start_date']:%m-%d}→{row['end_date']:%m-%d}" if differs else "")
        rows.append(tuple(cells))
    if not rows:
        title += ": none"
    return Table(columns, tuple(rows), title)


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "ticker": str(ticker),
            "return": float(row["return"]),
            "start_close": float(row["start_close"]),
            "end_close": float(row["end_close"]),
            "start_date": row["start_date"].date(),
            "end_date": row["end_date"].date(),
        }
        for ticker, row in frame.iterrows()
    ]


def _universe_warnings(universe: Universe, result) -> list[str]:
    out = []
    if universe.skipped:
        out.append(
            f"Left out {len(universe.skipped):,} entries that are not symbols: {_some(universe.skipped)}."
        )
    if result.unknown:
        out.append(f"Unknown symbols, left out: {_some(result.unknown)}.")
    return out


def _some(items) -> str:
    items = list(items)
    more = len(items) - _LISTED
    return ", ".join(items[:_LISTED]) + (f" and {more:,} more" if more > 0 else "")


def _no_prices_message(universe: Universe, result, start: dt.date, end: dt.date) -> str:
    what = (
        "these tickers"
        if universe.kind == "tickers"
        else f"any of the {len(universe.tickers):,} {universe.name} names"
    )
    if result.warnings:
        return f"No prices for {what}: {result.warnings[0]}"
    if result.offline:
        return (
            f"Nothing cached for {what} from {start} to {end}, and offline mode is on: import "
            "prices (marketbot import prices FILE), go online, or pick an as_of the cache covers."
        )
    return f"No prices for {what} from {start} to {end}."


def _window_message(universe: Universe, message: str) -> str:
    """Name the universe; when the window reaches back before the data, suggest a shorter one."""
    text = f"{universe.name}: {message}"
    too_long = " starts " in message or " needs " in message
    if too_long and "shorter window" not in message:
        text = text.rstrip(".") + ". Try a shorter window."
    return text


def _tone(direction: str, median: float) -> int:
    if direction == "gainers":
        return 1
    if direction == "losers":
        return -1
    if not math.isfinite(median) or median == 0:
        return 0
    return 1 if median > 0 else -1


def _chart(
    sides, title, universe, window, start, end, median, ranked, request, market
) -> bytes | None:
    def series(side: MoverSide | None) -> pd.Series:
        if side is None:
            return pd.Series(dtype="float64")
        frame = side.closest if request.min_move is not None and side.count == 0 else side.ranked
        return frame["return"].astype("float64")

    by = {s.side: s for s in sides}
    gainers, losers = series(by.get("gainers")), series(by.get("losers"))
    if gainers.empty and losers.empty:
        return None
    _, adj = _names(universe)
    median_text = (
        f"median of {ranked:,} {adj} names {pct(median, 1)}" if math.isfinite(median) else ""
    )
    subtitle = f"Return {_period(window, end)}, {start} to {end}" + (
        f" · {median_text}" if median_text else ""
    )
    if len(title) > _CHART_TITLE_MAX and "; " in title:
        # Too long for one line at the chart's title size: the clause after ';' moves down.
        title, rest = title.split("; ", 1)
        subtitle = f"{rest[0].upper()}{rest[1:]} · {subtitle}"
    # matplotlib is imported on the first chart, not at bot startup
    from analytics.charts.movers_chart import movers_chart

    return movers_chart(
        gainers,
        losers,
        title=title,
        subtitle=subtitle,
        median=median if math.isfinite(median) else None,
        threshold=request.min_move.fraction if request.min_move else None,
        source=market.source_name,
        as_of=end,
    )
