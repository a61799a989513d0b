"""`move` alerts: a ticker moves at least X% over a window (1d: the day's move).

The condition on session E: the return over the window ending at E (analytics/returns.py, the
/compare definition: adj_close(E) / adj_close(B) - 1, B per analytics/windows.py) is at least
+X% (direction up), at most -X% (down) or either (the default). It becomes true on the first
session it holds after one it did not. The window moves with each session, so a fixed date
range is refused. The embed is the /compare answer of the ticker and a benchmark over the
window on that session.
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
from analytics.errors import BadInput, NoData
from analytics.returns import window_returns
from analytics.symbols import normalize_symbol
from analytics.windows import Window, earliest_needed, parse_window

DEFAULT_WINDOW = "1d"
_DIRECTIONS = ("up", "down", "either")


def move_holds(move: float, percent: float, direction: str) -> bool:
    """True when `move` (a fraction) is at least `percent`% the way asked."""
    threshold = percent / 100.0
    if direction == "up":
        return move >= threshold
    if direction == "down":
        return move <= -threshold
    return abs(move) >= threshold


def _window(params: Params) -> Window:
    return parse_window(params["window"])


class MoveKind(Kind):
    name = "move"
    takes = ("ticker", "window", "percent", "direction")

    def parse(self, values: Mapping[str, Any]) -> dict[str, Any]:
        ticker = normalize_symbol(need(values, "ticker", "move", "ticker:IWM percent:5"))
        window = parse_window(given(values, "window") or DEFAULT_WINDOW)
        if window.kind == "range":
            raise BadInput(
                "An alert's window moves with each session: give Nd, Nw, Nm, Ny, ytd, qtd or "
                f"mtd (e.g. 5d), not the date range {window.text}."
            )
        percent = float(need(values, "percent", "move", "percent:5"))
        if not math.isfinite(percent) or percent <= 0:
            raise BadInput(f"percent {percent:g} is not a positive move; give e.g. percent:5.")
        direction = given(values, "direction") or "either"
        if direction not in _DIRECTIONS:
            raise BadInput("A move alert's direction is up, down or either (the default).")
        return {"ticker": ticker, "window": window.text, "percent": percent, "direction": direction}

    def describe(self, params: Params) -> str:
        verb = {"up": "rises", "down": "falls", "either": "moves"}[params["direction"]]
        label = _window(params).label
        return f"{params['ticker']} {verb} at least {params['percent']:g}% over {label}"

    def tickers(self, params: Params) -> tuple[str, ...]:
        # The benchmark too: the fired embed shows the move beside it (`answer`).
        return (params["ticker"], benchmark(params["ticker"]))

    def _closes(self, data: MarketData, params: Params, as_of: dt.date | None) -> pd.Series:
        ticker = params["ticker"]
        # Room for the window ending on the session before too; with no date (creating the
        # alert) the whole history, so the window ends where the data does.
        start = None
        if as_of is not None:
            start = earliest_needed(_window(params), as_of) - dt.timedelta(days=10)
        result = data.bars([ticker], start, as_of, columns=["adj_close"])
        require_prices(result, [ticker])
        closes = result.series(ticker)["adj_close"].dropna().sort_index().rename(ticker)
        if as_of is not None:
            closes = closes.loc[: pd.Timestamp(as_of)]
        return closes

    def evaluate(self, data: MarketData, params: Params, as_of: dt.date | None) -> Evaluation:
        closes = self._closes(data, params, as_of)
        window = _window(params)
        row = _move(closes, window, None)
        percent, direction = float(params["percent"]), params["direction"]
        held = False
        if len(closes) >= 2:
            try:
                before = _move(closes, window, closes.index[-2].date())
                held = move_holds(before["return"], percent, direction)
            except NoData:  # too little history for the window one session earlier
                held = False
        move = float(row["return"])
        end = row["end_date"].date()
        sign = {"up": "+", "down": "-", "either": "±"}[direction]
        state = (
            f"{params['ticker']} {move:+.2%} over {window.label} "
            f"({row['start_date'].date()} to {end}); fires at {sign}{percent:g}%"
        )
        return Evaluation(
            holds=move_holds(move, percent, direction),
            held_before=held,
            on=end,
            state=state,
            values={"return": move, "start": row["start_date"].date(), "end": end},
        )

    def answer(self, data: MarketData, params: Params, evaluation: Evaluation) -> Answer:
        """The /compare answer over the alert's window on that session: the ticker's return
        (the move) beside a benchmark's (SPY, or IWM for SPY), as `reproduce` says."""
        ticker, other = params["ticker"], benchmark(params["ticker"])
        values = {"tickers": f"{ticker} {other}", "window": params["window"]}
        return command_answer("compare", values | {"as_of": evaluation.on.isoformat()}, data)

    def reproduce(self, params: Params, on: dt.date) -> Reproduce:
        ticker, window = params["ticker"], params["window"]
        other = benchmark(ticker)
        return Reproduce(
            cli=f"marketbot compare {ticker} {other} --window {window} --as-of {on}",
            slash=f"/compare tickers:{ticker} {other} window:{window} as_of:{on}",
        )


def benchmark(ticker: str) -> str:
    """The ticker a move is shown beside: SPY, or IWM for SPY itself."""
    return "IWM" if ticker == "SPY" else "SPY"


def _move(closes: pd.Series, window: Window, as_of: dt.date | None) -> pd.Series:
    """The window's row of `window_returns` for the one ticker (start/end dates, closes, return)."""
    # window_returns raises NoData when the ticker cannot be ranked (too little history).
    return window_returns(closes.to_frame(), window, as_of).table.iloc[0]


MOVE = MoveKind()
