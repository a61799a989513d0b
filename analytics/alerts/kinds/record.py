"""`record` alerts: a ticker sets a new record high (intraday) or record close.

The condition on session t: t is a record session (analytics/records.py: strictly above
every earlier high, or close, in the history; raw prices, split- but not dividend-adjusted).
It becomes true on the first record session after one that set none, so a run of records in
a row fires once, on its first session. The embed is the /records answer on that session.
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
from analytics.streaks import parse_streak_kind, record_streak
from analytics.symbols import normalize_symbol

_BASES = ("record-high", "record-close")
_COLUMN = {"record-high": "high", "record-close": "close"}
_WORD = {"record-high": "record high", "record-close": "record close"}


class RecordKind(Kind):
    name = "record"
    takes = ("ticker", "what")

    def parse(self, values: Mapping[str, Any]) -> dict[str, Any]:
        ticker = normalize_symbol(need(values, "ticker", "record", "ticker:^RUT"))
        raw = given(values, "what")
        what = parse_streak_kind(raw) if raw else "record-high"
        if what not in _BASES:
            raise BadInput(
                f"A record alert watches what:record-high or what:record-close, not {what}."
            )
        return {"ticker": ticker, "what": what}

    def describe(self, params: Params) -> str:
        return f"{params['ticker']} sets a new {_WORD[params['what']]}"

    def tickers(self, params: Params) -> tuple[str, ...]:
        return (params["ticker"],)

    def evaluate(self, data: MarketData, params: Params, as_of: dt.date | None) -> Evaluation:
        ticker, what = params["ticker"], params["what"]
        column = _COLUMN[what]
        result = data.bars([ticker], None, as_of, columns=[column, "source"])
        require_prices(result, [ticker])
        values = result.series(ticker)[column].dropna()
        if values.empty:
            raise NoData(
                f"{ticker} has no daily highs in the cache (its source has closes only); "
                "use what:record-close instead."
            )
        now = record_streak(values, what, as_of, name=ticker)
        earlier = values.index[values.index < pd.Timestamp(now.as_of)]
        held = False
        if len(earlier) >= 2:
            held = record_streak(values, what, earlier[-1].date(), name=ticker).length > 0
        if now.length:
            state = f"{ticker} set a {_WORD[what]} on {now.as_of}"
            if now.length > 1:
                state += f" ({now.length} sessions in a row)"
        else:
            last = f"last on {now.last_record}" if now.last_record else "none in the data"
            state = f"No {_WORD[what]} for {ticker} on {now.as_of} ({last})"
        return Evaluation(
            holds=now.length > 0,
            held_before=held,
            on=now.as_of,
            state=state,
            values={"run": now.length, "last_record": now.last_record},
        )

    def answer(self, data: MarketData, params: Params, evaluation: Evaluation) -> Answer:
        return command_answer(
            "records", {"ticker": params["ticker"], "as_of": evaluation.on.isoformat()}, data
        )

    def reproduce(self, params: Params, on: dt.date) -> Reproduce:
        t = params["ticker"]
        return Reproduce(
            cli=f"marketbot records {t} --as-of {on}", slash=f"/records ticker:{t} as_of:{on}"
        )


RECORD = RecordKind()
