"""Where /history reads a FRED series and the GDP release dates: ONE function, to repoint at the
data facade's FRED source once FRED loading moves behind `MarketData` (issue 14).

Until then it uses analytics.macro.loading.load_series as /macro does: cache first, FRED when
stale (the no-key CSV endpoint, on the aiohttp session of `data.http`, run on the loop that owns
it), the stored copy with a warning when FRED is down, the store alone offline.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pandas as pd

from analytics.data.market import MarketData
from analytics.macro.fred import FRED_API_BASE_URL, FRED_BASE_URL, FredClient
from analytics.macro.loading import Loaded, load_series
from analytics.macro.releases_store import ReleaseStore


@dataclass(frozen=True)
class FredEndpoints:
    """Where FRED is asked. Tests point `ENDPOINTS` at the fake FRED; it goes away when the
    endpoints become settings of the facade's FRED source."""

    base_url: str = FRED_BASE_URL
    api_base_url: str = FRED_API_BASE_URL


ENDPOINTS = FredEndpoints()


def load_macro(data: MarketData, series_id: str) -> tuple[Loaded, pd.Series]:
    """The series' stored observations (fetched first when stale and online) and the first
    release date of each GDP quarter from the stored ALFRED release table (quarter -> date;
    empty when none is stored). Blocking: call from the answer's worker thread."""
    now = data.now()
    if data.offline or data.http is None:
        loaded = asyncio.run(load_series(series_id, cache=data.cache, client=None, now=now))
    else:
        endpoints = ENDPOINTS

        def fetch(session):
            client = FredClient(
                session, base_url=endpoints.base_url, api_base_url=endpoints.api_base_url
            )
            return load_series(series_id, cache=data.cache, client=client, now=now)

        loaded = data.http.run(fetch)
    releases = ReleaseStore(data.cache).releases()
    return loaded, releases["first_release_date"]
