"""Planted holdings and prices for the contributors tests: five names, a step after the year end
to known returns (+30%, -10%, +25%, 0%; the fund +10%), EEE unknown to the price source."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from analytics import calendar
from analytics.data.market import MarketData
from analytics.data.provider import BAR_COLUMNS
from analytics.holdings import HoldingsStore, parse_ishares_holdings
from tests.fakes.ishares import PLANTED_FUND, ishares_csv

NOW = pd.Timestamp("2024-07-01 20:00", tz="America/New_York").tz_convert("UTC").to_pydatetime()
TODAY = dt.date(2024, 7, 1)  # NOW in New York
HOLDINGS_DATE = dt.date(2024, 6, 28)  # the Friday before
YEAR_END = dt.date(2023, 12, 29)  # the last session of 2023: B of ytd
START = dt.date(2023, 12, 21)  # first date fetched for ytd: Dec 31 less 10 days

UNIVERSE = PLANTED_FUND

# Planted closes: (on and before YEAR_END, after it). Returns +30%, -10%, +25%, 0%; IWM +10%.
PLANTED = {
    "IWM": (100.0, 110.0),
    "AAA": (100.0, 130.0),
    "BBB": (50.0, 45.0),
    "CCC": (20.0, 25.0),
    "DDD": (10.0, 10.0),
}


def planted_bars(
    before: float, after: float, start: dt.date, end: dt.date, step: dt.date
) -> pd.DataFrame:
    """Daily bars: close `before` on sessions up to `step`, `after` on the sessions after it."""
    sessions = calendar.sessions_between(start, end)
    close = np.where(sessions.date <= step, before, after).astype("float64")
    frame = pd.DataFrame(
        {c: close for c in BAR_COLUMNS}, index=pd.DatetimeIndex(sessions, name="date")
    )
    frame["volume"] = 1000.0
    return frame


def save_holdings(
    market: MarketData, as_of: dt.date = HOLDINGS_DATE, fetched_at: dt.datetime = NOW
):
    holdings = parse_ishares_holdings(ishares_csv(as_of), fund="IWM")
    HoldingsStore(market.cache.db).save(holdings, fetched_at=fetched_at)
