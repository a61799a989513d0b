"""Refreshing the FRED series macro alerts read, through /macro's own loading.

One small function on purpose: FRED is moving behind the data facade, and this is the one
place alerts ask for it (analytics.macro.loading.load_series: the store first, FRED when the
stored copy is stale, the stored copy with a warning when FRED is down).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from analytics.data.market import MarketData
from analytics.errors import MarketbotError
from analytics.macro.fred import FRED_API_BASE_URL, FRED_BASE_URL, FredClient
from analytics.macro.loading import load_series


@dataclass(frozen=True)
class FredSource:
    """Where FRED is asked (tests point the URLs at a fake) and with which key."""

    api_key: str | None = None
    base_url: str = FRED_BASE_URL
    api_base_url: str = FRED_API_BASE_URL


def refresh_series(
    data: MarketData, series_ids: Iterable[str], source: FredSource | None
) -> dict[str, str]:
    """Bring each series' stored copy up to date; {id: why not} for those that could not be.

    Blocking: the downloads run on the event loop that owns the HTTP session (`data.http`,
    an HttpBridge) while this thread waits. With `source` None (offline) or no bridge, nothing
    is fetched and the store is used as it is.
    """
    problems: dict[str, str] = {}
    bridge = data.http
    if source is None or bridge is None:
        return problems
    for series_id in dict.fromkeys(series_ids):

        async def load(session, series_id=series_id):
            client = FredClient(
                session,
                api_key=source.api_key,
                base_url=source.base_url,
                api_base_url=source.api_base_url,
            )
            return await load_series(series_id, cache=data.cache, client=client, now=data.now())

        try:
            bridge.run(load)
        except MarketbotError as exc:
            problems[series_id] = exc.message
    return problems
