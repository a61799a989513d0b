"""The one lookup of a fund's constituents and weights for /revisions and its nightly collection.

Everything in this feature that needs a universe calls `revision_universe`, so repointing it
(universes are moving behind the data facade) is a change here only. Today it is the holdings
policy of analytics.universes / analytics.holdings.choice: the stored snapshot nearest the day,
downloaded from iShares when the facade has a download bridge and the policy wants a newer file.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING

from analytics.holdings.funds import get_fund
from analytics.universes import Universe, UniverseSpec, resolve_universe

if TYPE_CHECKING:
    from analytics.data.market import MarketData


def revision_universe(data: MarketData, fund: str, on: dt.date) -> Universe:
    """`fund`'s constituents (and holdings weights) for the day `on`. Blocking: call from a
    worker thread (the download, if any, runs on the facade's event loop). Raises BadInput for
    an unknown fund, NoData when no usable holdings are stored and none can be downloaded."""
    spec = UniverseSpec(fund=get_fund(fund))
    if data.http is not None and not data.offline:
        return data.http.run(lambda session: resolve_universe(spec, data, session, start=on))
    return asyncio.run(resolve_universe(spec, data, None, start=on))
