"""Where /history reads a FRED series and the GDP release dates.

The series comes from the data facade's FRED source (cache first, FRED when stale and online,
the stored copy with a warning when FRED is down, the store alone offline), as /macro reads it;
the first release dates of GDP quarters from the stored ALFRED release table.
"""

from __future__ import annotations

import pandas as pd

from analytics.data.market import MarketData
from analytics.macro.loading import Loaded
from analytics.macro.releases_store import ReleaseStore
from analytics.macro.source import fred_of


def load_macro(data: MarketData, series_id: str) -> tuple[Loaded, pd.Series]:
    """The series' stored observations (fetched first when stale and online) and the first
    release date of each GDP quarter from the stored ALFRED release table (quarter -> date;
    empty when none is stored). Blocking: call from the answer's worker thread."""
    loaded = fred_of(data).series(series_id)
    releases = ReleaseStore(data.cache).releases()
    return loaded, releases["first_release_date"]
