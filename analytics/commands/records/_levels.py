"""The /levels answer: each level's distance from the close and when it was first reached; the
multi-year range and its breakout."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from analytics.answer import Answer, Chart, Column, Field, Table, jsonable
from analytics.commands.records._history import BASIS_TEXT, History, load_history
from analytics.commands.records._parse import LevelsRequest
from analytics.data.market import MarketData
from analytics.errors import NoData
from analytics.levels import Levels, PriceRange, multi_year_range, price_levels
from analytics.spec import Progress


def default_since(as_of: dt.date) -> dt.date:
    """One calendar year before the as-of session."""
    return (pd.Timestamp(as_of) - pd.DateOffset(years=1)).date()


def levels_answer(data: MarketData, request: LevelsRequest, progress: Progress) -> Answer:
    """Levels of `request.ticker` against its close on the as-of session (analytics/levels.py)."""
    history = load_history(data, request.ticker, request.as_of, progress)
    bars = history.bars[["high", "low", "close"]]
    since = request.since or default_since(history.as_of)
    if since > history.as_of:
        raise NoData(
            f"since {since} is after {history.ticker}'s last session {history.as_of}; "
            "give an earlier date."
        )
    levels = price_levels(bars, request.levels, since)
    price_range = multi_year_range(bars, request.years)
    warnings = list(history.warnings)
    if levels.basis == "close":
        warnings.append(
            f"{history.ticker}'s prices have no intraday highs or lows (a close-only source): "
            "first_reached and the range use closes."
        )
    if not price_range.complete:
        warnings.append(
            f"{history.ticker}'s history begins {history.first}, less than "
            f"{request.years} years before {price_range.end}: the range covers what there is "
            "and no breakout can be dated."
        )
    title = _headline(history.ticker, levels, price_range) + history.title_suffix

    def build():
        from analytics.charts.levels_chart import levels_chart

        return levels_chart(
            history.bars["close"],
            levels,
            price_range,
            title=title,
            subtitle=_range_text(price_range),
            source=data.source_name,
        )

    return Answer(
        title=title,
        summary=_summary(history, levels, price_range),
        fields=_fields(history, levels, price_range),
        tables=(_table(levels),) if levels.levels else (),
        chart=Chart(build),
        source=data.source_name,
        as_of=history.as_of,
        warnings=tuple(warnings),
        tone=_tone(price_range),
        data=_payload(history, levels, price_range),
    )


def _price(value: float) -> str:
    return f"{value:,.2f}"


def _level(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def _headline(ticker: str, levels: Levels, rng: PriceRange) -> str:
    close = _price(levels.close)
    if levels.levels:
        nearest = min(levels.levels, key=lambda s: abs(s.distance))
        return (
            f"{ticker} at {close}: nearest level {_level(nearest.level)} "
            f"({nearest.distance * 100:+.1f}%)"
        )
    if rng.breakout is not None and rng.position == "above":
        return f"{ticker} at {close}: broke out of its {rng.years}-year range on {rng.breakout}"
    if rng.position == "inside":
        return f"{ticker} at {close}: inside its {rng.years}-year range"
    return f"{ticker} at {close}: {rng.position} its {rng.years}-year range"


def _range_text(rng: PriceRange) -> str:
    text = (
        f"{rng.years}-year range {_price(rng.low)} to {_price(rng.high)} ({rng.start} to {rng.end})"
    )
    if rng.breakout is not None:
        text += f"  ·  breakout {rng.breakout}"
    return text


def _reached_text(levels: Levels) -> list[str]:
    out = []
    for status in levels.levels:
        how = "high" if status.level > status.since_close else "low"
        if levels.basis == "close":
            how = "close"
        where = f"{_level(status.level)} ({status.side}, {status.distance * 100:+.2f}%)"
        if status.first_reached is None:
            out.append(f"{where}: not reached since {levels.since}.")
        else:
            out.append(
                f"{where}: first reached {status.first_reached} (by the {how}), "
                f"{status.sessions_since:,} sessions ago."
            )
    return out


def _summary(history: History, levels: Levels, rng: PriceRange) -> str:
    parts = [f"{history.ticker} closed at {_price(levels.close)} on {levels.as_of}."]
    parts += _reached_text(levels)
    if rng.breakout is not None:
        parts.append(
            f"It broke out of its {rng.years}-year range on {rng.breakout}: the first close "
            f"({_price(rng.breakout_close or 0)}) above the range high of {_price(rng.high)} "
            f"({rng.high_date}) after at least a year without one; the close is now "
            f"{rng.position} that range."
        )
    else:
        parts.append(
            f"Over the {rng.years} years {rng.start} to {rng.end} the range was "
            f"{_price(rng.low)} ({rng.low_date}) to {_price(rng.high)} ({rng.high_date}); "
            f"the close is {rng.position} it, and no breakout in that time."
        )
    return " ".join(parts)


def _definitions(history: History, levels: Levels) -> str:
    prices = "closes" if levels.basis == "close" else "intraday highs and lows, and closes"
    reached = (
        f"First reached: the first session on or after {levels.since} whose high (for a level "
        "above that day's close) or low (below) reached it. "
        if levels.levels
        else ""
    )
    return (
        f"Distance = level / close - 1. {reached}Breakout: a close above the highest high of "
        f"the prior N years, the first in a year. Prices: {prices}, {BASIS_TEXT}; over "
        f"{history.span_text()}."
    )


def _fields(history: History, levels: Levels, rng: PriceRange) -> tuple[Field, ...]:
    fields = [
        Field("Close", f"{_price(levels.close)} ({levels.as_of})"),
        *((Field("Since", str(levels.since)),) if levels.levels else ()),
        Field(f"{rng.years}-year range", f"{_price(rng.low)} to {_price(rng.high)}"),
        Field("Breakout", str(rng.breakout) if rng.breakout else "none in the range's years"),
        Field("Definitions", _definitions(history, levels), inline=False),
    ]
    return tuple(fields)


def _table(levels: Levels) -> Table:
    return Table(
        columns=(
            Column("level", "price"),
            Column("side"),
            Column("distance", "pct"),
            Column("first reached", "date"),
            Column("sessions since", "count"),
        ),
        rows=tuple(
            (s.level, s.side, s.distance, s.first_reached, s.sessions_since) for s in levels.levels
        ),
        title=f"Levels vs the close of {levels.as_of}",
    )


def _tone(rng: PriceRange) -> int:
    return 1 if rng.position == "above" else -1 if rng.position == "below" else 0


def _payload(history: History, levels: Levels, rng: PriceRange) -> dict[str, Any]:
    return jsonable(
        {
            "ticker": history.ticker,
            "close": levels.close,
            "levels": [s.to_dict() for s in levels.levels],
            "since": levels.since,
            "range": rng.to_dict(),
            "basis": levels.basis,
            "history_start": history.first,
            "prices": BASIS_TEXT,
            "sources": list(history.sources),
        }
    )
