"""FRED behind the data facade: `data.fred.series("UNRATE")`, cache first.

`FredSource` is what `MarketData.fred` holds (attached by bot/services.py from Settings). Its
methods block and are meant for the worker thread an answer runs in: SQLite is read and written
there, and the HTTP requests go through the facade's `HttpBridge` (`data.http`) to the event loop
that owns the aiohttp session. The refresh policy is one for every series
(analytics.macro.loading): the store when it is fresh, FRED when it is stale, the store with a
warning naming its date when FRED is down, and NoData saying how to import when nothing is stored
and FRED cannot be asked (offline mode, or no connection open).

This module is light on purpose (no pandas, no aiohttp at import): bot/services.py imports it for
every command.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from analytics.endpoints import FRED_API_BASE_URL, FRED_BASE_URL

if TYPE_CHECKING:
    import pandas as pd

    from analytics.data.http import HttpBridge
    from analytics.data.market import MarketData
    from analytics.macro.alfred import AlfredClient, LoadedReleases
    from analytics.macro.fred import SeriesInfo
    from analytics.macro.loading import Loaded
    from analytics.spec import Progress

T = TypeVar("T")


@dataclass(frozen=True)
class FredConfig:
    """Where FRED is asked and with which key: Settings' fred_url (MARKETBOT_FRED_URL),
    fred_api_url (MARKETBOT_FRED_API_URL) and fred_api_key (FRED_API_KEY)."""

    base_url: str = FRED_BASE_URL
    api_base_url: str = FRED_API_BASE_URL
    api_key: str | None = None

    def __repr__(self) -> str:  # the key never reaches a log
        key = "set" if self.api_key else "unset"
        return f"FredConfig(base_url={self.base_url!r}, api_base_url={self.api_base_url!r}, api_key={key})"


class FredSource:
    """FRED series, the NBER recession flags and ALFRED's GDP release table, cache first.

    Bound to one facade: it asks FRED only when that facade is online and has an HttpBridge.
    `bound_to(view)` gives the same source for another facade (a cache-only view), which is what
    `fred_of(data)` returns for the `data` an answer was given.
    """

    def __init__(
        self, market: MarketData, config: FredConfig | None = None, *, downloads: bool = True
    ) -> None:
        self.market = market
        self.config = config or FredConfig()
        self.downloads = downloads

    def __repr__(self) -> str:
        return f"FredSource({self.config!r}, online={self.online})"

    def bound_to(self, market: MarketData) -> FredSource:
        """This source for `market` (itself when already bound to it)."""
        if market is self.market:
            return self
        return FredSource(market, self.config, downloads=self.downloads)

    @property
    def online(self) -> bool:
        """True when FRED may be asked: downloads are on, the facade is not offline and it has
        an HttpBridge."""
        return self.downloads and not self.market.offline and self.market.http is not None

    @property
    def why_not_online(self) -> str:
        """Why FRED is not asked, in a few words (for the NoData and warning messages)."""
        if self.market.offline:
            return "offline mode is on"
        if not self.downloads:
            return "FRED is not connected here"
        return "no connection to FRED is open here"

    def series(self, series_id: str, progress: Progress | None = None) -> Loaded:
        """The observations of `series_id` (analytics.macro.loading.load_series: cache first,
        FRED when stale, the store with a warning when FRED is down). Raises BadInput for an
        id FRED does not know, NoData when nothing can be had (saying how to import), and
        UpstreamError when FRED is down and nothing is stored."""
        from analytics.macro.loading import load_series

        fetcher = self._fetcher(progress)
        loaded = load_series(
            series_id,
            cache=self.market.cache,
            fetcher=fetcher,
            now=self._now(),
            offline_reason=self.why_not_online,
        )
        if fetcher is not None and loaded.warning:  # FRED failed: the stored copy stands in
            self.market.note_degraded()
        return loaded

    def recessions(self, progress: Progress | None = None) -> pd.Series | None:
        """USREC (1 = an NBER recession month) for chart shading, or None when it cannot be had:
        shading is decoration, so its absence never fails an answer."""
        from analytics.errors import BadInput, NoData, UpstreamError
        from analytics.macro.loading import RECESSIONS_ID

        try:
            return self.series(RECESSIONS_ID, progress).observations
        except (BadInput, NoData, UpstreamError):
            return None

    def releases(self, progress: Progress | None = None) -> LoadedReleases:
        """Real GDP's first and latest releases (analytics.macro.alfred.load_releases): the stored
        table, refreshed from ALFRED after a day when there is an API key and a connection."""
        from analytics.macro.alfred import load_releases

        return load_releases(self.market.cache, self._fetcher(progress), now=self._now())

    def _now(self) -> dt.datetime:
        moment = self.market.now()
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)

    def _fetcher(self, progress: Progress | None) -> BridgedFred | None:
        if not self.online:
            return None
        assert self.market.http is not None
        return BridgedFred(self.market.http, self.config, progress)


class BridgedFred:
    """The async FRED/ALFRED client called from a worker thread through an HttpBridge.

    What analytics.macro.loading and analytics.macro.alfred need from FRED: `source`, `has_key`,
    `fetch(id)`, `fetch_info(id)` and `fetch_releases()`, each blocking until the event loop that
    owns the session has the answer. `progress.phase` names each download as it starts.
    """

    def __init__(
        self, http: HttpBridge, config: FredConfig, progress: Progress | None = None
    ) -> None:
        self.http = http
        self.config = config
        self.progress = progress

    @property
    def has_key(self) -> bool:
        return bool((self.config.api_key or "").strip())

    @property
    def source(self) -> str:
        """Where observations come from, for the Answer's source line."""
        return "FRED API" if self.has_key else "FRED"

    def fetch(self, series_id: str) -> pd.Series:
        self._phase(f"Fetching {series_id} from FRED")
        return self._run(lambda client: client.fetch(series_id))

    def fetch_info(self, series_id: str) -> SeriesInfo:
        return self._run(lambda client: client.fetch_info(series_id))

    def fetch_releases(self) -> pd.DataFrame:
        self._phase("Fetching real GDP's vintages from ALFRED")
        return self._run(lambda client: client.fetch_releases())

    def _phase(self, label: str) -> None:
        if self.progress is not None:
            self.progress.phase(label)

    def _run(self, call: Callable[[AlfredClient], Awaitable[T]]) -> T:
        config = self.config

        async def on_the_loop(session: Any) -> T:
            from analytics.macro.alfred import AlfredClient

            client = AlfredClient(
                session,
                api_key=config.api_key,
                base_url=config.base_url,
                api_base_url=config.api_base_url,
            )
            return await call(client)

        return self.http.run(on_the_loop)


def fred_of(data: MarketData) -> FredSource:
    """The FRED source of the facade an answer was given: `data.fred` bound to `data` (so a
    cache-only view never downloads), or a source that only reads the store when none was
    attached (a facade built by hand, as in scripts and tests: never the real FRED by accident)."""
    source = getattr(data, "fred", None)
    if source is None:
        return FredSource(data, downloads=False)
    return source.bound_to(data)
