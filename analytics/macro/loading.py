"""Loading one FRED series, cache first: the refresh policy behind `data.fred.series(id)`.

The store when it is fresh (analytics.macro.store.STALE_AFTER: hours for daily series, a day for
the others), FRED when it is stale, the store with a warning naming its date when FRED is down,
and the store alone when FRED cannot be asked. Blocking: SQLite runs on the calling thread (a
worker thread, each with its own connection) and the fetcher blocks until FRED answers
(analytics.macro.source.BridgedFred runs the aiohttp request on the event loop).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import pandas as pd

from analytics.errors import BadInput, NoData, UpstreamError
from analytics.macro.series import MacroSeries, generic, lookup
from analytics.macro.store import FILE_SOURCE_PREFIX, FetchRecord, FredStore

if TYPE_CHECKING:
    from analytics.data.cache import PriceCache
    from analytics.macro.fred import SeriesInfo

RECESSIONS_ID = "USREC"
IMPORT_HINT = "marketbot import fred FILE"


class Fetcher(Protocol):
    """What the loader needs from FRED (analytics.macro.source.BridgedFred; a fake in tests)."""

    @property
    def source(self) -> str: ...

    def fetch(self, series_id: str) -> pd.Series: ...

    def fetch_info(self, series_id: str) -> SeriesInfo: ...


@dataclass(frozen=True)
class Loaded:
    """A series' observations as stored, where they came from and what to tell the reader.

    why_old: why the observations end where they do, in a few words, for the warning given
    when they end earlier than the series' frequency would lead a reader to expect.
    """

    series_id: str
    observations: pd.Series
    record: FetchRecord | None
    warning: str = ""
    why_old: str = ""


def source_label(record: FetchRecord | None) -> str:
    """ "FRED", "FRED API" or "FRED (file GDPNOW.csv)" for an imported file."""
    if record is None:
        return "FRED"
    if record.source.startswith(FILE_SOURCE_PREFIX):
        return f"FRED (file {record.source.removeprefix(FILE_SOURCE_PREFIX)})"
    return record.source or "FRED"


def _cached_on(record: FetchRecord) -> str:
    if record.source.startswith(FILE_SOURCE_PREFIX):
        name = record.source.removeprefix(FILE_SOURCE_PREFIX)
        return f"imported from {name} on {record.fetched_at.date().isoformat()}"
    return f"cached on {record.fetched_at.date().isoformat()}"


def load_series(
    series_id: str,
    *,
    cache: PriceCache,
    fetcher: Fetcher | None,
    now: dt.datetime,
    offline_reason: str = "offline mode is on",
) -> Loaded:
    """The stored observations of `series_id`, fetched first when stale.

    fetcher None (offline, or no connection; `offline_reason` says which): the store only;
    NoData saying how to import when nothing is stored. Not stale: the store, no request.
    Stale: fetch and store the full history (rows FRED withdrew are dropped); when FRED is down
    (UpstreamError) the stored copy is served with a warning naming its date, or, with nothing
    stored, the UpstreamError says so. Unknown ids (BadInput) and series without observations
    (NoData) are raised as FRED reported them.
    """
    store = FredStore(cache.db, cache=cache)
    stale = store.is_stale(series_id, now)
    cached = store.observations(series_id)
    record = store.fetch_record(series_id)
    if fetcher is None:
        if record is None:
            raise NoData(
                f"Nothing is cached for {series_id} and {offline_reason}: download the CSV from "
                f"fred.stlouisfed.org/series/{series_id} and load it with `{IMPORT_HINT}`, "
                "or go online."
            )
        if cached.empty:
            raise NoData(
                f"The stored copy of {series_id} has no observations; import a file with data."
            )
        lead = offline_reason[0].upper() + offline_reason[1:]
        warning = (
            f"{lead}: {series_id} was {_cached_on(record)} and may be out of date." if stale else ""
        )
        why = f"{offline_reason} and the stored copy ({_cached_on(record)}) ends there"
        return Loaded(series_id, cached, record, warning, why)
    if not stale and record is not None and not cached.empty:
        why = f"the stored copy ({_cached_on(record)}) has nothing newer"
        return Loaded(series_id, cached, record, why_old=why)
    try:
        fetched = fetcher.fetch(series_id)
    except UpstreamError as exc:
        if record is None or cached.empty:
            raise type(exc)(
                f"{exc.message} Nothing is cached for {series_id} to fall back on: try again later, "
                f"or download the CSV from fred.stlouisfed.org and load it with `{IMPORT_HINT}`."
            ) from None
        last = cached.index[-1].date().isoformat()
        warning = f"{exc.message} Showing {series_id} as {_cached_on(record)} (latest observation {last})."
        why = f"FRED did not answer, so the stored copy ({_cached_on(record)}) is shown"
        return Loaded(series_id, cached, record, warning, why)
    spec = lookup(series_id)
    if not spec.curated:
        spec = _describe(fetcher, series_id)
    store.upsert(
        series_id,
        fetched,
        source=fetcher.source,
        fetched_at=now,
        title=spec.name if spec.name != series_id else "",
        units=spec.units,
        frequency="" if spec.frequency == "unknown" else spec.frequency,
        # A full-history fetch: rows FRED withdrew must not linger.
        replace=True,
    )
    record = store.fetch_record(series_id)
    return Loaded(
        series_id,
        store.observations(series_id),
        record,
        why_old=f"{source_label(record)} has nothing newer",
    )


def _describe(fetcher: Fetcher, series_id: str) -> MacroSeries:
    """Title, units and frequency of an uncurated id (one request with an API key, none
    without); generic placeholders when FRED cannot say: the data matter, the title less."""
    try:
        info = fetcher.fetch_info(series_id)
    except (BadInput, UpstreamError):
        return generic(series_id)
    title = info.title if info.title != series_id else ""
    return generic(series_id, name=title, units=info.units, frequency=info.frequency)
