"""`level` alerts: a ticker's close crosses a price level.

The condition on session t, with analytics/levels.py's sides (a level is "above" when it is
above the close; a close equal to the level stands on it, "below"): direction `up` holds when
the close of t is at or above the level, `down` when it is below. It becomes true on the
session the close crosses. Without a direction the alert watches the side the level is on
when it is created: a level above the close waits for the close to rise to it, one below for
it to fall under it. Closes are split-adjusted, not dividend-adjusted, as levels are quoted.
The embed is the /levels answer for that level on that session.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from analytics.alerts.kinds.base import Evaluation, Kind, Params, Reproduce, given, need
from analytics.alerts.kinds.commands import command_answer
from analytics.answer import Answer
from analytics.commands.common import require_prices
from analytics.data.market import MarketData
from analytics.errors import BadInput
from analytics.levels import level_distance, price_levels
from analytics.symbols import normalize_symbol

_DIRECTIONS = ("up", "down")


def level_text(level: float) -> str:
    """2642.0 -> '2642', 2642.5 -> '2642.5' (as typed, for the command line)."""
    return f"{level:f}".rstrip("0").rstrip(".")


def _shown(level: float) -> str:
    return f"{level:,.0f}" if float(level).is_integer() else f"{level:,.2f}"


class LevelKind(Kind):
    name = "level"
    takes = ("ticker", "level", "direction")

    def parse(self, values: Mapping[str, Any]) -> dict[str, Any]:
        ticker = normalize_symbol(need(values, "ticker", "level", "ticker:^RUT level:2642"))
        level = float(need(values, "level", "level", "level:2642"))
        if not math.isfinite(level) or level <= 0:
            raise BadInput(f"Level '{level:g}' is not a positive price; give e.g. level:2642.")
        direction = given(values, "direction")
        if direction is not None and direction not in _DIRECTIONS:
            raise BadInput(
                "A level alert fires on a close crossing up (direction:up, at or above the "
                "level) or down (direction:down, below it); leave it out for the side the "
                "level is on now."
            )
        return {"ticker": ticker, "level": level, "direction": direction}

    def describe(self, params: Params) -> str:
        level = _shown(params["level"])
        if params.get("direction") == "up":
            return f"{params['ticker']} closes at or above {level}"
        if params.get("direction") == "down":
            return f"{params['ticker']} closes below {level}"
        return f"{params['ticker']} crosses {level}"

    def tickers(self, params: Params) -> tuple[str, ...]:
        return (params["ticker"],)

    def evaluate(self, data: MarketData, params: Params, as_of: dt.date | None) -> Evaluation:
        ticker, level = params["ticker"], float(params["level"])
        start = None if as_of is None else as_of - dt.timedelta(days=30)
        result = data.bars([ticker], start, as_of, columns=["high", "low", "close", "source"])
        require_prices(result, [ticker])
        bars = result.series(ticker)[["high", "low", "close"]]
        bars = bars[bars["close"].notna()].sort_index()
        if as_of is not None:
            bars = bars.loc[: pd.Timestamp(as_of)]
        on = bars.index[-1].date()
        now = price_levels(bars, [level], since=on).levels[0]
        before = None
        if len(bars) >= 2:
            prev = bars.index[-2].date()
            before = price_levels(bars, [level], since=prev, as_of=prev).levels[0]
        direction = params.get("direction")
        close = float(bars["close"].iloc[-1])

        def holds(side: str | None) -> bool:
            if direction == "up":
                return side == "below"  # the close is at or above the level
            if direction == "down":
                return side == "above"
            return False

        distance = level_distance(level, close)
        where = (
            "at the close"
            if distance == 0
            else (f"{abs(distance):.1%} {'above' if distance > 0 else 'below'} the close")
        )
        state = f"{ticker} closed {close:,.2f} on {on}; {_shown(level)} is {where}"
        return Evaluation(
            holds=holds(now.side),
            held_before=holds(before.side if before is not None else None),
            on=on,
            state=state,
            values={"close": close, "side": now.side, "distance": distance},
        )

    def settle(self, params: Params, evaluation: Evaluation) -> dict[str, Any]:
        settled = dict(params)
        if settled.get("direction") is None:
            # The level above the close waits for a rise to it; below it, for a fall under it.
            settled["direction"] = "up" if evaluation.values["side"] == "above" else "down"
        return settled

    def answer(self, data: MarketData, params: Params, evaluation: Evaluation) -> Answer:
        values = {
            "ticker": params["ticker"],
            "levels": level_text(float(params["level"])),
            "as_of": evaluation.on.isoformat(),
        }
        return command_answer("levels", values, data)

    def reproduce(self, params: Params, on: dt.date) -> Reproduce:
        t, level = params["ticker"], level_text(float(params["level"]))
        return Reproduce(
            cli=f"marketbot levels {t} {level} --as-of {on}",
            slash=f"/levels ticker:{t} levels:{level} as_of:{on}",
        )


LEVEL = LevelKind()
