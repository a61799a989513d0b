"""Fund holdings behind the data facade: `data.holdings` (analytics.data.market.MarketData).

One cache-first refresh policy for every command that reads a fund's holdings (movers over a
fund, contributors, breadth, the digest): analytics.holdings.choice. What this module adds is
where a current file comes from: iShares at the facade's `ishares_url` (a setting,
MARKETBOT_ISHARES_URL), downloaded over aiohttp on the event loop that owns the session, through
the facade's HTTP bridge (analytics.data.http), from the answer's worker thread. A facade view
with no bridge (offline, `cache_only()`, scripts and tests without a session) never downloads.

Every method is blocking (SQLite, the download): call it from a worker thread.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from analytics.errors import UpstreamError
from analytics.holdings.choice import SnapshotChoice, first_holdings, holdings_near
from analytics.holdings.funds import ISHARES_BASE_URL, Fund, get_fund
from analytics.holdings.ishares import Holdings
from analytics.holdings.store import HoldingsStore

if TYPE_CHECKING:
    from analytics.data.market import MarketData
    from analytics.spec import Progress


class FundHoldings:
    """The holdings of the funds of analytics.holdings.funds, for one view of the data facade.

    `market` gives the cache, the clock, offline mode and the HTTP bridge; `base_url` is
    iShares' address (tests point it at a fake on 127.0.0.1 through the settings).
    """

    def __init__(self, market: MarketData, base_url: str = ISHARES_BASE_URL) -> None:
        self.market = market
        self.base_url = base_url

    @property
    def can_download(self) -> bool:
        """True when a current file may be fetched: online, with an HTTP bridge attached."""
        return not self.market.offline and self.market.http is not None

    def near(
        self, fund: str | Fund, start: dt.date, *, progress: Progress | None = None
    ) -> SnapshotChoice:
        """The snapshot nearest `start` (the window's first session) by the one policy of
        analytics.holdings.choice, downloading a current file when it would be nearer (at
        most once a New York day). A download is announced as a progress phase
        ("Downloading IWM holdings"). Raises NoData saying what to import when nothing usable
        can be had, or UpstreamError when the download fails with nothing stored to use."""
        fund = get_fund(fund)
        return holdings_near(
            self.market.cache.db,
            fund,
            start,
            now=self.market.now(),
            download=self._download if self.can_download else None,
            offline=self.market.offline,
            on_download=_announce(progress, fund),
            memo=self.market.cache.memoised,
        )

    def ensure(self, fund: str | Fund, *, progress: Progress | None = None) -> None:
        """Download a first snapshot when none of `fund` is stored (before any price is read);
        raises what `near` would when that cannot be done."""
        fund = get_fund(fund)
        first_holdings(
            self.market.cache.db,
            fund,
            now=self.market.now(),
            download=self._download if self.can_download else None,
            offline=self.market.offline,
            on_download=_announce(progress, fund),
        )

    def latest(self, fund: str | Fund) -> Holdings | None:
        """The stored snapshot with the latest date (keeping prices warm), or None."""
        return HoldingsStore(self.market.cache.db).latest(get_fund(fund))

    def _download(self, fund: Fund) -> Holdings:
        from analytics.holdings.download import DEFAULT_TIMEOUT_S, fetch_holdings

        bridge = self.market.http
        assert bridge is not None
        base_url = self.base_url
        try:
            # Two URLs are tried, each with its own timeout; the bridge waits a little longer.
            return bridge.run(
                lambda session: fetch_holdings(session, fund, base_url=base_url),
                timeout=2 * DEFAULT_TIMEOUT_S + 10,
            )
        except TimeoutError:
            raise UpstreamError(
                f"Could not download {fund.symbol} holdings from iShares (timed out). Try again "
                f"later, or download the CSV from {ISHARES_BASE_URL}{fund.page_path} and run "
                f"`marketbot import holdings {fund.symbol} FILE`."
            ) from None


def _announce(progress: Progress | None, fund: Fund):
    if progress is None:
        return None
    return lambda: progress.phase(f"Downloading {fund.symbol} holdings")
