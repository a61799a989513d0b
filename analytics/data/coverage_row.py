"""The coverage of one ticker: the date range the provider has been asked about, and when."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Coverage:
    """The date range the provider has been asked about for one ticker, and when."""

    ticker: str
    checked_from: dt.date
    checked_to: dt.date
    fetched_at: dt.datetime
    source: str | None = None
