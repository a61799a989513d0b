"""Asking a command as the front ends do: raw option values through the spec's `parse` (the
spec's defaults filled in, today from the market's clock), then its answer function."""

from __future__ import annotations

import datetime as dt
from typing import Any

from analytics.answer import Answer
from analytics.commands.streaks import COMPARE, PRICE, STREAK
from analytics.data.market import MarketData
from analytics.spec import CommandSpec, NoProgress, ParseContext


def ask(spec: CommandSpec, market: MarketData, **values: Any) -> Answer:
    """`spec` answered over `market` for the option values given (dates may be dates)."""
    raw = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}
    request = spec.parse_values(raw, ParseContext(today=market.today()))
    return spec.answer_function()(market, request, NoProgress())


def streak(market: MarketData, a=None, b=None, kind=None, as_of=None) -> Answer:
    return ask(STREAK, market, a=a, b=b, kind=kind, as_of=as_of)


def compare(market: MarketData, tickers=None, window=None, as_of=None) -> Answer:
    return ask(COMPARE, market, tickers=tickers, window=window, as_of=as_of)


def price(market: MarketData, ticker: str, window=None, as_of=None) -> Answer:
    return ask(PRICE, market, ticker=ticker, window=window, as_of=as_of)
