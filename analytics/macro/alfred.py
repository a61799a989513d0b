"""ALFRED online: real GDP's first releases from FRED's vintage parameters (needs FRED_API_KEY).

One request, `/fred/series/observations?series_id=GDPC1&realtime_start=1776-07-04&
realtime_end=9999-12-31`, returns every value each quarter has had, each with the real-time
period it was current (realtime_start .. realtime_end). From those rows:

- a quarter's first release is its row with the earliest realtime_start (that date is the first
  release date), and the previous quarter's level IN THAT VINTAGE is the previous quarter's row
  current on that date;
- the latest vintage is the rows still current (realtime_end 9999-12-31).

Growth on both bases then follows as in analytics.macro.vintages (levels of one vintage), so an
online table and the imported release table give the same numbers. `load_releases` (behind
`data.fred.releases()`) keeps the result in the cache (gdp_releases), refetched after a day;
offline, or with no key, the stored table (an import) is used as it is.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import pandas as pd

from analytics.errors import BadInput, UpstreamError
from analytics.macro.fred import FredClient
from analytics.macro.releases_store import FILE_SOURCE_PREFIX, ReleaseStore
from analytics.macro.vintages import annualized_growth, releases_frame

if TYPE_CHECKING:
    from analytics.data.cache import PriceCache

REALTIME_START = "1776-07-04"  # FRED's "all vintages"
REALTIME_END = "9999-12-31"
PAGE = 100_000  # the API's largest page
SOURCE = "ALFRED"
STALE_AFTER = dt.timedelta(days=1)  # BEA publishes GDP estimates monthly at most
IMPORT_HINT = "marketbot import gdp-releases FILE"


@dataclass(frozen=True)
class Vintage:
    """One value of a quarter and the real-time period it was current (both ends inclusive)."""

    quarter: dt.date
    start: dt.date
    end: dt.date
    value: float


def _day(text: str) -> dt.date:
    return dt.date.max if text == REALTIME_END else dt.date.fromisoformat(text)


def parse_realtime(observations: Iterable[dict]) -> list[Vintage]:
    """The API's observations with real-time periods -> Vintage rows ("." values dropped).
    UpstreamError for an item without the fields."""
    out = []
    for item in observations:
        try:
            value_text = str(item["value"]).strip()
            if value_text in ("", "."):
                continue
            value = float(value_text)
            row = Vintage(
                dt.date.fromisoformat(item["date"]),
                _day(item["realtime_start"]),
                _day(item["realtime_end"]),
                value,
            )
        except (KeyError, TypeError, ValueError):
            raise UpstreamError("ALFRED answered observations without real-time periods.") from None
        if math.isfinite(value) and value > 0:
            out.append(row)
    return out


def releases_from_vintages(rows: Iterable[Vintage]) -> pd.DataFrame:
    """The release table (analytics.macro.vintages layout) from a series' vintage rows.

    Quarters without a previous quarter current at their first release (the series' first
    quarter, or a vintage that began there) are left out, as the imported table leaves them.
    The latest release date is the newest realtime_start of any row: the latest vintage.
    """
    by_quarter: dict[dt.date, list[Vintage]] = {}
    for row in rows:
        by_quarter.setdefault(row.quarter, []).append(row)
    if not by_quarter:
        return releases_frame([])
    latest_vintage = max(r.start for rows_ in by_quarter.values() for r in rows_)
    records = []
    quarters = sorted(by_quarter)
    for previous, quarter in zip(quarters, quarters[1:], strict=False):
        if _quarter_before(quarter) != previous:
            continue
        first = min(by_quarter[quarter], key=lambda r: r.start)
        prev_then = _current(by_quarter[previous], first.start)
        now, prev_now = _current(by_quarter[quarter]), _current(by_quarter[previous])
        if prev_then is None or now is None or prev_now is None:
            continue
        records.append(
            (
                quarter,
                first.start,
                annualized_growth(first.value, prev_then.value),
                latest_vintage,
                annualized_growth(now.value, prev_now.value),
            )
        )
    return releases_frame(records)


def _quarter_before(quarter: dt.date) -> dt.date:
    if quarter.month == 1:
        return dt.date(quarter.year - 1, 10, 1)
    return dt.date(quarter.year, quarter.month - 3, 1)


def _current(rows: list[Vintage], on: dt.date | None = None) -> Vintage | None:
    """The row current on `on` (None: the one still current today, realtime_end open)."""
    for row in rows:
        if on is None and row.end == dt.date.max:
            return row
        if on is not None and row.start <= on <= row.end:
            return row
    return None


class AlfredClient(FredClient):
    """FredClient plus the vintage request (the keyed API only; FRED's CSV has no vintages)."""

    @property
    def has_key(self) -> bool:
        return self._api_key is not None

    async def fetch_releases(self, series_id: str = "GDPC1") -> pd.DataFrame:
        """The release table of `series_id` from every vintage (see the module docstring).
        BadInput without an API key; the FredClient errors otherwise."""
        if not self._api_key:
            raise BadInput(
                "ALFRED's vintages need FRED_API_KEY; without one, import the release table "
                f"with `{IMPORT_HINT}`."
            )
        observations: list[dict] = []
        while True:
            payload = await self._get_json(
                f"{self._api_base_url}/fred/series/observations",
                {
                    "series_id": series_id,
                    "api_key": self._api_key,
                    "file_type": "json",
                    "realtime_start": REALTIME_START,
                    "realtime_end": REALTIME_END,
                    "limit": str(PAGE),
                    "offset": str(len(observations)),
                },
                series_id,
            )
            page = payload.get("observations")
            if not isinstance(page, list):
                raise UpstreamError(f"ALFRED answered no observations for {series_id}.")
            observations.extend(page)
            if not page or len(observations) >= int(payload.get("count", 0) or 0):
                break
        return releases_from_vintages(parse_realtime(observations))


@dataclass(frozen=True)
class LoadedReleases:
    """The release table to use (empty when there is none), its source and a warning."""

    frame: pd.DataFrame
    source: str
    warning: str = ""


class ReleaseFetcher(Protocol):
    """What `load_releases` needs from ALFRED (analytics.macro.source.BridgedFred)."""

    @property
    def has_key(self) -> bool: ...

    def fetch_releases(self) -> pd.DataFrame: ...


def load_releases(
    cache: PriceCache, fetcher: ReleaseFetcher | None, *, now: dt.datetime
) -> LoadedReleases:
    """Cache first: the stored table when offline (fetcher None), without a key, or fetched
    from ALFRED less than a day ago; else ALFRED, stored in place of the table. When ALFRED
    fails the stored table is used with a warning (an empty frame when there is none): the
    first-release basis is context, so its absence never fails an answer. Blocking (SQLite on
    the calling thread; the fetcher blocks until ALFRED answers)."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    stored, record = _stored(cache)
    source = record.source if record else ""
    online = fetcher is not None and fetcher.has_key
    fresh = (
        record is not None
        and not record.source.startswith(FILE_SOURCE_PREFIX)
        and now - record.imported_at < STALE_AFTER
    )
    if not online or fresh:
        return LoadedReleases(stored, source)
    assert fetcher is not None
    try:
        fetched = fetcher.fetch_releases()
    except (UpstreamError, BadInput) as exc:
        note = f"{exc.message} The first-release comparison " + (
            f"uses the stored table ({source})." if not stored.empty else "is left out."
        )
        return LoadedReleases(stored, source, note)
    _store(cache, fetched, now)
    return LoadedReleases(fetched, SOURCE)


def _stored(cache):
    store = ReleaseStore(cache)
    return store.releases(), store.record()


def _store(cache, frame: pd.DataFrame, now: dt.datetime) -> None:
    ReleaseStore(cache).replace(frame, source=SOURCE, imported_at=now)
