"""Planted prices for the breadth tests, each name's shape chosen so every measure is known by
construction (the tests work the answers out by hand from these formulas):

- UP rises in a straight line over the whole history: up, above every average, a 52-week high;
- DOWN falls in a straight line: down, below every average, a 52-week low;
- FLAT never moves: unchanged, never strictly above its average, neither high nor low;
- NEW is listed NEW_SESSIONS sessions before the end and rises: up, in the 20-day share only;
- ABSENT has no prices at all: left out of everything, counted in the coverage.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from analytics import calendar
from analytics.data.market import MarketData
from analytics.data.provider import BAR_COLUMNS

NOW = dt.datetime(2026, 8, 22, 16, 0, tzinfo=dt.UTC)  # Saturday: the last session is 2026-08-21
TODAY = NOW.date()
END = dt.date(2026, 8, 21)
BASE_2W = dt.date(2026, 8, 7)  # 2w back from Friday 2026-08-21
SESSIONS = calendar.sessions_between(dt.date(2025, 6, 2), END)
NEW_SESSIONS = 30
NAMES = ("UP", "DOWN", "FLAT", "NEW", "ABSENT")


def closes(name: str) -> pd.Series:
    """The planted close of `name` on each of its sessions."""
    n = len(SESSIONS)
    if name == "UP":
        return pd.Series(np.linspace(50.0, 100.0, n), index=SESSIONS)
    if name == "DOWN":
        return pd.Series(np.linspace(100.0, 50.0, n), index=SESSIONS)
    if name == "FLAT":
        return pd.Series(np.full(n, 70.0), index=SESSIONS)
    if name == "NEW":
        return pd.Series(np.linspace(10.0, 20.0, NEW_SESSIONS), index=SESSIONS[-NEW_SESSIONS:])
    if name == "IWM":  # the fund: +1% a session, compounded
        return pd.Series(100.0 * 1.01 ** np.arange(n), index=SESSIONS)
    raise KeyError(name)


def bars(name: str) -> pd.DataFrame:
    close = closes(name)
    frame = pd.DataFrame({c: close.to_numpy() for c in BAR_COLUMNS}, index=close.index)
    frame.index.name = "date"
    frame["volume"] = 1.0
    return frame[list(BAR_COLUMNS)]


def plant(market: MarketData, names=("UP", "DOWN", "FLAT", "NEW")) -> None:
    for name in names:
        market.import_bars(name, bars(name), "test")


def window_return(name: str, base: dt.date = BASE_2W, end: dt.date = END) -> float:
    series = closes(name)
    return float(series[pd.Timestamp(end)] / series[pd.Timestamp(base)] - 1)
