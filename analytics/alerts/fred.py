"""Refreshing the FRED series macro alerts read, through the data facade's FRED source.

One small function on purpose: it is the one place alerts ask for FRED, and it goes through
`analytics.macro.source.fred_of(data)` (the store first, FRED when the stored copy is stale,
the stored copy with a warning when FRED is down; FRED asked only when the facade is online
with a connection open, where Settings say).
"""

from __future__ import annotations

from collections.abc import Iterable

from analytics.data.market import MarketData
from analytics.errors import MarketbotError
from analytics.macro.source import fred_of


def refresh_series(data: MarketData, series_ids: Iterable[str]) -> dict[str, str]:
    """Bring each series' stored copy up to date; {id: why not} for those that could not be.

    Blocking (SQLite, and downloads through the facade's HttpBridge). Offline, or without a
    connection, nothing is fetched and the store is used as it is.
    """
    fred = fred_of(data)
    problems: dict[str, str] = {}
    if not fred.online:
        return problems
    for series_id in dict.fromkeys(series_ids):
        try:
            fred.series(series_id)
        except MarketbotError as exc:
            problems[series_id] = exc.message
    return problems
