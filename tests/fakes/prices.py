"""An in-process price provider whose bars are known by construction (for cache tests)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from analytics import calendar
from analytics.data.provider import BAR_COLUMNS, FetchResult


def bars_for(ticker: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Deterministic bars: close on day d = 100 + (ordinal of d mod 97) + len(ticker)."""
    sessions = calendar.sessions_between(start, end)
    base = (
        np.array([d.toordinal() % 97 for d in sessions.date], dtype="float64") + 100 + len(ticker)
    )
    frame = pd.DataFrame(
        {
            "open": base - 0.5,
            "high": base + 1.0,
            "low": base - 1.0,
            "close": base,
            "adj_close": base * 0.99,
            "volume": np.full(len(base), 1000.0),
        },
        index=pd.DatetimeIndex(sessions, name="date"),
    )
    return frame[list(BAR_COLUMNS)]


class RecordingProvider:
    """Answers every fetch from `bars_for`, records the calls, and can be told to fail."""

    name = "Fake"

    def __init__(
        self, *, unknown: set[str] | None = None, history_start: dt.date = dt.date(2020, 1, 2)
    ):
        self.calls: list[tuple[tuple[str, ...], dt.date | None, dt.date]] = []
        self.unknown = unknown or set()
        self.history_start = history_start
        self.fail_reason: str | None = None
        self.rate_limited = False

    def fetch(self, tickers: list[str], start: dt.date | None, end: dt.date) -> FetchResult:
        self.calls.append((tuple(tickers), start, end))
        result = FetchResult(requests=len(tickers))
        for ticker in tickers:
            if self.fail_reason:
                result.failed[ticker] = self.fail_reason
                result.rate_limited = self.rate_limited
            elif ticker in self.unknown:
                result.unknown.append(ticker)
            else:
                result.bars[ticker] = bars_for(
                    ticker, max(start or self.history_start, self.history_start), end
                )
        return result
