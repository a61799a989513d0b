"""Planted prices for the movers tests: flat closes, then one step after B to a known return."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from analytics import calendar
from analytics.data.market import MarketData
from analytics.data.provider import BAR_COLUMNS

SATURDAY = dt.datetime(2026, 8, 22, 16, 0, tzinfo=dt.UTC)  # the last session is Fri 2026-08-21
TODAY = SATURDAY.date()
B_2W = "2026-08-07"  # 2w back from Fri 2026-08-21 is Fri 2026-08-07, a session
E = "2026-08-21"

# The planted 2w returns (adjusted closes): flat at 100 through B, then a step to 100 * (1 + r).
PLANTED = {
    "AAA": 1.5,
    "BBB": 0.8,
    "CCC": 0.25,
    "DDD": 0.1,
    "EEE": 0.0,
    "FFF": -0.05,
    "GGG": -0.3,
    "HHH": -0.55,
    "III": 0.02,
    "JJJ": -0.01,
}
LATE = "NEW"  # listed on 2026-08-14: too little history for 2w
ABSENT = "NOPE"  # never priced
UNIVERSE = [*PLANTED, LATE, ABSENT]
# 10 of the 12 names can be ranked over 2w: below 98% of the names, so every answer says so.
PARTIAL = " · partial: 10 of 12 names"


def planted_bars(r: float, first: str = "2026-06-01") -> pd.DataFrame:
    """close stays 200 (unadjusted) while adj_close steps from 100 to 100 * (1 + r) after B."""
    days = pd.DatetimeIndex(
        calendar.sessions_between(dt.date.fromisoformat(first), dt.date(2026, 8, 21)), name="date"
    )
    adj = np.where(days <= pd.Timestamp(B_2W), 100.0, 100.0 * (1 + r))
    frame = pd.DataFrame(
        {
            "open": 200.0,
            "high": 200.0,
            "low": 200.0,
            "close": 200.0,
            "adj_close": adj,
            "volume": 1.0,
        },
        index=days,
    )
    return frame[list(BAR_COLUMNS)]


def plant(market: MarketData) -> None:
    for ticker, r in PLANTED.items():
        market.import_bars(ticker, planted_bars(r), "test")
    market.import_bars(LATE, planted_bars(0.9, first="2026-08-14"), "test")
