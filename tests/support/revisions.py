"""Builders shared by the /revisions tests: fund holdings with chosen weights, and estimate
fetches with chosen revisions, saved the way the nightly collection saves them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import pandas as pd

from analytics.data.cache import PriceCache
from analytics.data.yahoo_estimates import EstimateFetch, PeriodEstimate
from analytics.holdings.ishares import HOLDINGS_COLUMNS, Holdings
from analytics.holdings.store import HoldingsStore
from analytics.revisions.store import RevisionStore

FUND_NAMES = {
    "IJR": "iShares Core S&P Small-Cap ETF",
    "IJH": "iShares Core S&P Mid-Cap ETF",
    "IVV": "iShares Core S&P 500 ETF",
    "IWM": "iShares Russell 2000 ETF",
}


def eastern(text: str) -> dt.datetime:
    """'2024-07-01 20:00' New York time as an aware UTC datetime."""
    return pd.Timestamp(text, tz="America/New_York").tz_convert("UTC").to_pydatetime()


def holdings(
    fund: str, names: Sequence[str], as_of: dt.date, weights: Sequence[float] | None = None
) -> Holdings:
    """`fund`'s holdings of `names` (equal weights unless given, fractions)."""
    w = list(weights) if weights is not None else [1.0 / len(names)] * len(names)
    frame = pd.DataFrame(
        {
            "name": [f"{n} INC" for n in names],
            "sector": "Industrials",
            "weight": w,
            "quantity": 1000.0,
            "price": 10.0,
            "market_value": [x * 1e9 for x in w],
        },
        index=pd.Index(list(names), name="symbol"),
    )[list(HOLDINGS_COLUMNS)]
    frame = frame.sort_values("weight", ascending=False, kind="stable")
    return Holdings(fund, FUND_NAMES.get(fund, f"iShares {fund}"), as_of, frame)


def store_holdings(
    cache: PriceCache,
    fund: str,
    names: Sequence[str],
    as_of: dt.date,
    fetched_at: dt.datetime,
    weights: Sequence[float] | None = None,
) -> Holdings:
    h = holdings(fund, names, as_of, weights)
    HoldingsStore(cache.db).save(h, fetched_at=fetched_at)
    return h


def estimate(
    up: int | None,
    down: int | None,
    now: float | None = 1.0,
    ago: float | None = 1.0,
    period: str = "0q",
) -> PeriodEstimate:
    """A period with `up`/`down` revisions in 30 days and the estimate now / 30 days ago."""
    return PeriodEstimate(
        period, up_30d=up, down_30d=down, current=now, d30=ago, up_7d=0, down_7d=0
    )


def save_day(
    cache: PriceCache,
    day: dt.date,
    values: Mapping[str, Sequence[PeriodEstimate]],
    *,
    unknown: Sequence[str] = (),
    requests: int | None = None,
) -> None:
    """Store one night's answers: ticker -> its periods (empty: no analysts)."""
    fetch = EstimateFetch(
        estimates={t: tuple(v) for t, v in values.items()},
        unknown=list(unknown),
        requests=len(values) + len(unknown) if requests is None else requests,
    )
    checked_at = eastern(f"{day} 19:00")
    RevisionStore(cache).save_fetch(day, fetch, checked_at=checked_at, source="Yahoo Finance")
