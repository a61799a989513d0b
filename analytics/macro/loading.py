"""Loading a FRED series for `macro`: cache first, FRED when stale, the cache with a warning
when FRED is down (and the store alone offline). SQLite runs in worker threads, each opening
its own FredStore on `cache.db` (a per-thread connection); FRED is asked through aiohttp.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

import pandas as pd

from analytics.data.cache import PriceCache
from analytics.errors import BadInput, NoData, UpstreamError
from analytics.macro.fred import FredClient
from analytics.macro.series import MacroSeries, generic, lookup
from analytics.macro.store import FILE_SOURCE_PREFIX, FetchRecord, FredStore

RECESSIONS_ID = "USREC"
IMPORT_HINT = "marketbot import fred FILE"


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


def _read_cache(cache: PriceCache, series_id: str, now: dt.datetime):
    store = FredStore(cache.db)
    return (
        store.is_stale(series_id, now),
        store.observations(series_id),
        store.fetch_record(series_id),
    )


def _write_cache(
    cache: PriceCache,
    series_id: str,
    observations: pd.Series,
    source: str,
    now: dt.datetime,
    spec: MacroSeries,
) -> tuple[pd.Series, FetchRecord | None]:
    store = FredStore(cache.db)
    store.upsert(
        series_id,
        observations,
        source=source,
        fetched_at=now,
        title=spec.name if spec.name != series_id else "",
        units=spec.units,
        frequency="" if spec.frequency == "unknown" else spec.frequency,
        # A full-history fetch: rows FRED withdrew must not linger.
        replace=True,
    )
    return store.observations(series_id), store.fetch_record(series_id)


async def load_series(
    series_id: str, *, cache: PriceCache, client: FredClient | None, now: dt.datetime
) -> Loaded:
    """The stored observations of `series_id`, fetched first when stale.

    client None (offline): the store only; NoData saying how to import when nothing is
    stored. Not stale: the store, no request. Stale: fetch and store the full history; when
    FRED is down (UpstreamError) the stored copy is served with a warning naming its date, or,
    with nothing stored, the UpstreamError says so. Unknown ids (BadInput) and series without
    observations (NoData) are raised as FRED reported them.
    """
    stale, cached, record = await asyncio.to_thread(_read_cache, cache, series_id, now)
    if client is None:
        if record is None:
            raise NoData(
                f"Nothing is cached for {series_id} and offline mode is on: download the CSV from "
                f"fred.stlouisfed.org/series/{series_id} and load it with `{IMPORT_HINT}`, "
                "or go online."
            )
        if cached.empty:
            raise NoData(
                f"The stored copy of {series_id} has no observations; import a file with data."
            )
        warning = (
            f"Offline: {series_id} was {_cached_on(record)} and may be out of date."
            if stale
            else ""
        )
        why = f"offline mode is on and the stored copy ({_cached_on(record)}) ends there"
        return Loaded(series_id, cached, record, warning, why)
    if not stale and record is not None and not cached.empty:
        why = f"the stored copy ({_cached_on(record)}) has nothing newer"
        return Loaded(series_id, cached, record, why_old=why)
    try:
        fetched = await client.fetch(series_id)
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
        spec = await _describe(client, series_id)
    stored, record = await asyncio.to_thread(
        _write_cache, cache, series_id, fetched, client.source, now, spec
    )
    return Loaded(series_id, stored, record, why_old=f"{source_label(record)} has nothing newer")


async def _describe(client: FredClient, series_id: str) -> MacroSeries:
    """Title, units and frequency of an uncurated id (one request with an API key, none
    without); generic placeholders when FRED cannot say: the data matter, the title less."""
    try:
        info = await client.fetch_info(series_id)
    except (BadInput, UpstreamError):
        return generic(series_id)
    title = info.title if info.title != series_id else ""
    return generic(series_id, name=title, units=info.units, frequency=info.frequency)


async def load_recessions(
    *, cache: PriceCache, client: FredClient | None, now: dt.datetime
) -> pd.Series | None:
    """USREC (1 = NBER recession month) for chart shading, or None when it cannot be had:
    shading is decoration, so its absence never fails the answer."""
    try:
        return (await load_series(RECESSIONS_ID, cache=cache, client=client, now=now)).observations
    except (BadInput, NoData, UpstreamError):
        return None


# --- the answer ---------------------------------------------------------------------------------
