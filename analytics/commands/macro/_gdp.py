"""/macro's GDP answers: GDPNow from the Atlanta Fed's daily track when one is imported, and real
GDP growth with "fastest since" on first releases as well as today's data when the release table
is at hand (analytics.macro.gdpnow, analytics.macro.vintages)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from analytics.answer import Answer, Field
from analytics.commands.macro._parse import MacroRequest
from analytics.commands.macro._series import Composed, episodes
from analytics.data.market import MarketData
from analytics.errors import NoData
from analytics.macro.alfred import SOURCE as ALFRED
from analytics.macro.alfred import LoadedReleases
from analytics.macro.context import format_value, period_label
from analytics.macro.gdpnow.answer import HISTORY_ID, gdpnow_track_answer
from analytics.macro.gdpnow.nowcast import IMPORT_HINT
from analytics.macro.gdpnow.store import GdpNowStore
from analytics.macro.gdpnow.store import source_label as track_source
from analytics.macro.loading import source_label
from analytics.macro.releases_store import FILE_SOURCE_PREFIX
from analytics.macro.series import FASTEST
from analytics.macro.source import FredSource
from analytics.macro.vintages import (
    FIRST,
    HEADLINE_NOTE,
    TODAY,
    quarter_vintage_context,
    vintage_phrase,
)
from analytics.spec import Progress

NO_TRACK = (
    "No GDPNow track is imported, so this is FRED's GDPNOW: the Atlanta Fed's last nowcast of "
    "each quarter, not its latest one. For the daily nowcast, import the Atlanta Fed's track "
    f"with `{IMPORT_HINT}` (see the README)."
)


def releases_label(source: str) -> str:
    """ "ALFRED" for a table fetched online, "ALFRED (file gdpc1_releases.csv)" for an import."""
    if source.startswith(FILE_SOURCE_PREFIX):
        return f"{ALFRED} (file {source.removeprefix(FILE_SOURCE_PREFIX)})"
    return source or ALFRED


def gdpnow_track(
    data: MarketData, fred: FredSource, request: MacroRequest, progress: Progress
) -> Answer | None:
    """GDPNow from the stored track as of the day asked (today ET by default), BEA's history
    (A191RL1Q225SBEA) and the release table through `fred`; None when no track is stored."""
    store = GdpNowStore(data.cache)
    summary = store.summary()
    if summary is None:
        return None
    track = store.track()
    history = fred.series(HISTORY_ID, progress)
    releases = fred.releases(progress)
    return gdpnow_track_answer(
        track,
        history.observations,
        as_of=request.as_of or data.today(),
        exclude=request.exclude,
        direction=request.direction,
        value=request.value,
        releases=None if releases.frame.empty else releases.frame,
        source=track_source(summary.source),
        history_source=source_label(history.record),
        releases_source=releases_label(releases.source),
        warnings=(history.warning, releases.warning),
    )


def _pct(value: float) -> str:
    return format_value(value, suffix="%", decimals=1, signed=True)


def _day(day: dt.date) -> str:
    return period_label(day, "daily")


def with_first_releases(composed: Composed, releases: LoadedReleases) -> Answer:
    """Real GDP growth's answer with its quarter on both bases: today's data (the headline's own
    context, FRED's latest vintage) and first releases (the quarter's first estimate against the
    first estimates out when it came out, asking the headline's question). Unchanged when no
    release table is stored; a warning when the table lacks the quarter.

    Adds to the data: first_releases {basis, value (% SAAR, first estimate), released (date),
    since (the latest earlier quarter as fast/slow, or null), previous (its episodes), differ}
    and headline_basis ("today's data")."""
    answer = composed.answer
    notes = [releases.warning] if releases.warning else []
    if releases.frame.empty:
        return dataclasses.replace(answer, warnings=(*answer.warnings, *notes))
    quarter = composed.reading.latest.date
    headline = composed.since.primary
    try:
        vc = quarter_vintage_context(
            releases.frame, quarter, exclude=composed.ranges, direction=headline.direction
        )
    except NoData:
        notes.append(
            f"The release table ({releases_label(releases.source)}) has no "
            f"{period_label(quarter, 'quarterly')}: the first-release comparison is left out. "
            "Import a newer table with `marketbot import gdp-releases FILE`."
        )
        return dataclasses.replace(answer, warnings=(*answer.warnings, *notes))
    vc = dataclasses.replace(vc, today=headline, value_today=headline.value)
    released = releases.frame.loc[str(quarter), "first_release_date"].date()
    phrase = vintage_phrase(vc, FASTEST)
    sentence = (
        f"First released {_day(released)} at {_pct(vc.value_first)} (now "
        f"{_pct(vc.value_today)}): {phrase}."
    )
    summary = f"{answer.summary} {sentence}"
    if vc.differ:
        summary += f" {HEADLINE_NOTE}"
    first = vc.first
    data = {
        **answer.data,
        "first_releases": {
            "basis": FIRST,
            "value": vc.value_first,
            "released": released.isoformat(),
            "since": first.episodes[0].last.date.isoformat() if first.episodes else None,
            "previous": episodes(first),
            "differ": vc.differ,
        },
        "headline_basis": TODAY,
    }
    fields = list(answer.fields)
    units_last = bool(fields) and fields[-1].name == "Units"
    fields.insert(
        len(fields) - units_last, Field("First release vs revised", sentence, inline=False)
    )
    return dataclasses.replace(
        answer,
        summary=summary,
        fields=tuple(fields),
        source=f"{answer.source}; first releases: {releases_label(releases.source)}",
        warnings=(*answer.warnings, *notes),
        data=data,
    )
