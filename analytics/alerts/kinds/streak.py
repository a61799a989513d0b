"""`streak` alerts: A beats B, or a ticker rises, falls or sets records, for at least N sessions.

The condition on session t: the run of `what` ending at t (analytics/streaks.py, the /streak
definitions) is at least `sessions` long, and it is A's run: for `beat`, A's daily return
above B's (B's run over A does not count); for `up`/`down`, the run asked (not the opposite
one the command would report). It becomes true on the session the run reaches N.
Prices as /streak reads them: adjusted closes for beat/up/down, raw highs/closes for records.
The embed is the /streak answer on that session.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd

from analytics.alerts.kinds.base import Evaluation, Kind, Params, Reproduce, given, need
from analytics.alerts.kinds.commands import command_answer
from analytics.answer import Answer
from analytics.commands.common import require_prices
from analytics.data.market import MarketData
from analytics.errors import BadInput, NoData
from analytics.streaks import (
    Streak,
    beat_streak,
    direction_streak,
    headline,
    parse_streak_kind,
    record_streak,
)
from analytics.symbols import normalize_symbol

DEFAULT_VERSUS = "SPY"
_COLUMN = {
    "beat": "adj_close",
    "up": "adj_close",
    "down": "adj_close",
    "record-high": "high",
    "record-close": "close",
}
_WHAT = {
    "beat": "beats {b}",
    "up": "closes higher",
    "down": "closes lower",
    "record-high": "sets a record high",
    "record-close": "sets a record close",
}


def streak_on(closes: Mapping[str, pd.Series], params: Params, as_of: dt.date | None) -> Streak:
    """The run of `params['what']` ending at the last session on or before `as_of`."""
    what, a, b = params["what"], params["a"], params.get("b")
    if what == "beat":
        return beat_streak(closes[a], closes[b], as_of, name_a=a, name_b=b)
    if what in ("up", "down"):
        return direction_streak(closes[a], what, as_of, name=a)
    return record_streak(closes[a], what, as_of, name=a)


def run_holds(streak: Streak, params: Params) -> bool:
    """True when the run is A's run of the kind asked and at least `sessions` long."""
    if streak.flipped:
        return False
    return streak.length >= int(params["sessions"])


class StreakKind(Kind):
    name = "streak"
    takes = ("ticker", "versus", "what", "sessions")

    def parse(self, values: Mapping[str, Any]) -> dict[str, Any]:
        a = normalize_symbol(need(values, "ticker", "streak", "ticker:IWM versus:SPY sessions:10"))
        b_raw = given(values, "versus")
        what_raw = given(values, "what")
        what = parse_streak_kind(what_raw) if what_raw else ("beat" if b_raw else "up")
        sessions = need(values, "sessions", "streak", "sessions:10")
        if what == "beat":
            if b_raw is None:
                raise BadInput(
                    f"Kind beat compares two tickers: give versus, e.g. ticker:{a} "
                    f"versus:{DEFAULT_VERSUS if a != DEFAULT_VERSUS else 'IWM'}."
                )
            b = normalize_symbol(b_raw)
            if b == a:
                raise BadInput(
                    f"{a} is given twice; a beat streak compares two different tickers "
                    "(e.g. IWM SPY)."
                )
        elif b_raw is not None:
            raise BadInput(f"Kind {what} looks at one ticker: drop versus, or use what:beat.")
        else:
            b = None
        return {"a": a, "b": b, "what": what, "sessions": int(sessions)}

    def describe(self, params: Params) -> str:
        what = _WHAT[params["what"]].format(b=params.get("b"))
        n = int(params["sessions"])
        return f"{params['a']} {what} for at least {n} session{'s' if n != 1 else ''} in a row"

    def tickers(self, params: Params) -> tuple[str, ...]:
        return tuple(t for t in (params["a"], params.get("b")) if t)

    def _closes(
        self, data: MarketData, params: Params, as_of: dt.date | None
    ) -> dict[str, pd.Series]:
        tickers = list(self.tickers(params))
        column = _COLUMN[params["what"]]
        # The whole history: "longest since" and all-time records look back as far as it goes.
        result = data.bars(tickers, None, as_of, columns=[column])
        require_prices(result, tickers)
        closes = {t: result.series(t)[column].rename(t) for t in tickers}
        if params["what"] == "record-high" and closes[tickers[0]].dropna().empty:
            raise NoData(
                f"{tickers[0]} has no daily highs in the cache (its source has closes only); "
                "use what:record-close instead."
            )
        return closes

    def evaluate(self, data: MarketData, params: Params, as_of: dt.date | None) -> Evaluation:
        closes = self._closes(data, params, as_of)
        now = streak_on(closes, params, as_of)
        before = _session_before(closes, params, now.as_of)
        held = before is not None and run_holds(streak_on(closes, params, before), params)
        holds = run_holds(now, params)
        n = int(params["sessions"])
        state = headline(now)
        if not holds:
            state += f"; needs {n} in a row" + (f" by {params['a']}" if now.flipped else "")
        return Evaluation(
            holds=holds,
            held_before=held,
            on=now.as_of,
            state=state,
            values={"length": now.length, "flipped": now.flipped, "needed": n},
        )

    def answer(self, data: MarketData, params: Params, evaluation: Evaluation) -> Answer:
        """The /streak answer on the session the run reached N (its chart: the run shaded)."""
        values = {"a": params["a"], "b": params.get("b"), "kind": params["what"]}
        return command_answer("streak", values | {"as_of": evaluation.on.isoformat()}, data)

    def reproduce(self, params: Params, on: dt.date) -> Reproduce:
        a, b, what = params["a"], params.get("b"), params["what"]
        if what == "beat":
            return Reproduce(
                cli=f"marketbot streak {a} {b} --as-of {on}",
                slash=f"/streak a:{a} b:{b} as_of:{on}",
            )
        return Reproduce(
            cli=f"marketbot streak {a} --kind {what} --as-of {on}",
            slash=f"/streak a:{a} kind:{what} as_of:{on}",
        )


def _session_before(closes: Mapping[str, pd.Series], params: Params, on: dt.date) -> dt.date | None:
    """The session before `on` in the data the streak is measured on (common sessions for a
    pair); None when `on` is the first one with a run to measure."""
    frame = pd.concat([s.dropna() for s in closes.values()], axis=1, join="inner")
    earlier = frame.index[frame.index < pd.Timestamp(on)]
    # A streak needs two sessions: the session before must itself have one before it.
    return earlier[-1].date() if len(earlier) >= 2 else None


STREAK = StreakKind()
