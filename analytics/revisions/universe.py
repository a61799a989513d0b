"""The one lookup of a fund's constituents and weights for /revisions and its nightly collection.

Everything in this feature that needs a universe calls `revision_universe`, so a change of how
universes are found is a change here only. It asks the data facade (`MarketData.universe`): the
fund's stored holdings snapshot nearest the day, downloaded from iShares by the facade's one
holdings policy when it may download and wants a newer file.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from analytics.holdings.funds import get_fund
from analytics.universes import Universe, UniverseSpec

if TYPE_CHECKING:
    from analytics.data.market import MarketData


def revision_universe(data: MarketData, fund: str, on: dt.date) -> Universe:
    """`fund`'s constituents (and holdings weights) for the day `on`. Blocking: call from a
    worker thread. Raises BadInput for an unknown fund, NoData when no usable holdings are
    stored and none can be downloaded."""
    return data.universe(UniverseSpec(fund=get_fund(fund)), on)
