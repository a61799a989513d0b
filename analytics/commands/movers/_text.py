"""Wording of the `movers` answer: title, summary, fields, tables and JSON rows."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

from analytics.answer import Column, Field, Table
from analytics.commands.common import pct
from analytics.coverage import Coverage
from analytics.movers import MinMove, MoverSide
from analytics.universes import Universe
from analytics.windows import Window

_TO_DATE = {"ytd": "year to date", "qtd": "quarter to date", "mtd": "month to date"}
_LISTED = 12
"""Names listed in warnings before "and N more"."""


def period_text(window: Window, end: dt.date) -> str:
    if window.kind == "sessions" and window.n == 1:
        return f"on {end.isoformat()}"
    if window.kind == "range":
        return f"from {window.start} to {window.end}"
    return _TO_DATE.get(window.kind) or f"over {window.label}"


def universe_words(universe: Universe) -> tuple[str, str]:
    """(noun, adjective): ('IWM', 'IWM') or ('the 3 tickers', 'listed')."""
    if universe.kind == "tickers":
        return f"the {universe.name}", "listed"
    return universe.name, universe.name


def mover_text(frame: pd.DataFrame) -> str:
    return f"{frame.index[0]} {pct(float(frame['return'].iloc[0]), 1)}"


def headline(
    universe: Universe, sides: list[MoverSide], min_move: MinMove | None, period: str
) -> str:
    noun, adj = universe_words(universe)
    by = {s.side: s for s in sides}
    if min_move is not None:
        size = min_move.text.lstrip("+-")
        if all(s.count == 0 for s in sides):
            verb = (
                {"gainers": "rose", "losers": "fell"}.get(sides[0].side)
                if len(sides) == 1
                else "moved"
            )
            near = nearest_miss(sides)
            tail = f"; closest {mover_text(near)}" if near is not None else ""
            return f"No {adj} name {verb} {size} or more {period}{tail}"
        if len(sides) == 2:
            g, lo = by["gainers"].count, by["losers"].count
            return f"{g:,} {adj} {plural(g)} rose and {lo:,} fell {size} or more {period}"
        side = sides[0]
        verb = "rose" if side.side == "gainers" else "fell"
        return f"{side.count:,} {adj} {plural(side.count)} {verb} {size} or more {period}"
    gainers, losers = by.get("gainers"), by.get("losers")
    if gainers is not None and losers is not None:
        if not gainers.ranked.empty and not losers.ranked.empty:
            return f"{mover_text(gainers.ranked)} led {noun} {period}; {mover_text(losers.ranked)} fell most"
        if not gainers.ranked.empty:
            return f"{mover_text(gainers.ranked)} led {noun} {period}; no name fell"
        if not losers.ranked.empty:
            return f"{mover_text(losers.ranked)} fell most in {noun} {period}; no name rose"
        return f"No {adj} name moved {period}"
    side = sides[0]
    if side.ranked.empty:
        return f"No {adj} name {'rose' if side.side == 'gainers' else 'fell'} {period}"
    if side.side == "gainers":
        return f"{mover_text(side.ranked)} led {noun} {period}"
    return f"{mover_text(side.ranked)} fell most in {noun} {period}"


def nearest_miss(sides: list[MoverSide]) -> pd.DataFrame | None:
    """The single nearest miss across the sides asked (largest absolute return)."""
    heads = [s.closest.head(1) for s in sides if not s.closest.empty]
    if not heads:
        return None
    return max(heads, key=lambda f: abs(float(f["return"].iloc[0])))


def plural(n: int) -> str:
    return "name" if n == 1 else "names"


def summary_text(
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
    _, adj = universe_words(universe)
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


def answer_fields(
    universe: Universe,
    window: Window,
    start: dt.date,
    end: dt.date,
    coverage: Coverage,
    median: float,
    sides: list[MoverSide],
    min_move: MinMove | None,
) -> tuple[Field, ...]:
    ranked = f"{coverage.priced:,} of {coverage.universe:,}"
    if coverage.weight_share is not None:
        ranked += f" ({coverage.describe()})"
    fields = [
        Field("Universe", universe.description),
        Field("Window", f"{window.text}: {start} → {end}"),
        Field("Ranked", ranked + (" · partial" if coverage.partial else "")),
        Field("Median", pct(median) if math.isfinite(median) else "n/a"),
    ]
    if min_move is not None:
        size = min_move.text.lstrip("+-")
        for side in sides:
            label = f"{'Rose' if side.side == 'gainers' else 'Fell'} ≥ {size}"
            fields.append(Field(label, f"{side.count:,}"))
    return tuple(fields)


def shown(side: MoverSide, min_move: MinMove | None) -> pd.DataFrame:
    """The rows a side shows: its ranked names, or the closest when none meets min_move."""
    return side.closest if min_move is not None and side.count == 0 else side.ranked


def side_table(
    side: MoverSide, min_move: MinMove | None, start: pd.Timestamp, end: pd.Timestamp
) -> Table:
    """The side's names with their raw return (fraction) and closes; a `dates` column when a
    name's own B or E differs from the window's (a late listing, a halt)."""
    frame = shown(side, min_move)
    if min_move is not None and side.count == 0:
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
    columns: tuple[Column, ...] = (
        Column("ticker"),
        Column("return", "pct"),
        Column("start", "price"),
        Column("end", "price"),
        *((Column("dates"),) if own_dates else ()),
    )
    rows = []
    for ticker, row in frame.iterrows():
        cells: list[Any] = [
            str(ticker),
            float(row["return"]),
            float(row["start_close"]),
            float(row["end_close"]),
        ]
        if own_dates:
            differs = row["start_date"] != start or row["end_date"] != end
            cells.append(f"{row['start_date']:%m-%d}→{row['end_date']:%m-%d}" if differs else "")
        rows.append(tuple(cells))
    if not rows:
        title += ": none"
    return Table(columns, tuple(rows), title)


def side_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
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


def universe_warnings(universe: Universe, result) -> list[str]:
    out = []
    if universe.skipped:
        out.append(
            f"Left out {len(universe.skipped):,} entries that are not symbols: {some(universe.skipped)}."
        )
    if result.unknown:
        out.append(f"Unknown symbols, left out: {some(result.unknown)}.")
    return out


def some(items) -> str:
    items = list(items)
    more = len(items) - _LISTED
    return ", ".join(items[:_LISTED]) + (f" and {more:,} more" if more > 0 else "")


def no_prices_message(universe: Universe, result, start: dt.date, end: dt.date) -> str:
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


def window_message(universe: Universe, message: str) -> str:
    """Name the universe; when the window reaches back before the data, suggest a shorter one."""
    text = f"{universe.name}: {message}"
    too_long = " starts " in message or " needs " in message
    if too_long and "shorter window" not in message:
        text = text.rstrip(".") + ". Try a shorter window."
    return text


def tone(direction: str, median: float) -> int:
    if direction == "gainers":
        return 1
    if direction == "losers":
        return -1
    if not math.isfinite(median) or median == 0:
        return 0
    return 1 if median > 0 else -1
