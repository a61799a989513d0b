"""The /macro gdpnow Answer from the track: the nowcast standing on a day, its path, its change,
and BEA's history as context (the first releases too, when the release table is at hand).

Blocking and pure: the caller loads the track (GdpNowStore), BEA's history (A191RL1Q225SBEA, as
/macro loads it) and optionally the release table, and runs this in a worker thread.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import replace

import pandas as pd

from analytics.answer import Answer, Chart, Column, Field, Table
from analytics.commands.common import behind_note
from analytics.errors import NoData
from analytics.macro.context import (
    Context,
    context_phrase,
    exclusion_note,
    format_value,
    period_label,
)
from analytics.macro.gdpnow.nowcast import IMPORT_HINT, Nowcast, latest_nowcast, nowcast_context
from analytics.macro.series import lookup
from analytics.macro.since import direction_for_value
from analytics.macro.vintages import (
    FIRST,
    HEADLINE_NOTE,
    TODAY,
    VintageContext,
    first_release_context,
    vintage_phrase,
)

GDPNOW = lookup("gdpnow")
HISTORY_ID = GDPNOW.context_id  # BEA's real GDP growth, A191RL1Q225SBEA
RECENT_UPDATES = 8
MAX_EPISODES = 3


def _pct(value: float) -> str:
    return format_value(value, suffix="%", decimals=GDPNOW.decimals, signed=True)


def _pp(value: float) -> str:
    return format_value(value, suffix=" pp", decimals=GDPNOW.decimals, signed=True)


def _day(day: dt.date) -> str:
    return period_label(day, "daily")


def _quarter(day: dt.date) -> str:
    return period_label(day, "quarterly")


def gdpnow_track_answer(
    track: pd.DataFrame,
    history: pd.Series,
    *,
    as_of: dt.date,
    exclude: Iterable[tuple[dt.date, dt.date]] | None = None,
    direction: str | None = None,
    value: float | None = None,
    releases: pd.DataFrame | None = None,
    source: str = "Atlanta Fed GDPNow",
    history_source: str = "FRED",
    releases_source: str = "",
    warnings: Sequence[str] = (),
    chart: bool = True,
) -> Answer:
    """GDPNow as of `as_of` (the day asked; today when nothing was asked).

    track:     the stored track (GdpNowStore.track()); history: BEA's growth (% SAAR) by quarter.
    exclude:   ranges left out of the history; None = GDPNow's default (2020 Q2-2021 Q4).
    direction: "high"/"low" to force the context question; None = above/below the median
               (with `value`: high above the nowcast, low below, as /macro asks about a value).
    value:     ask the context question for this value (% SAAR) instead of the nowcast: how long
               since BEA's growth was this fast (slow) before the quarter being forecast.
    releases:  the release table (analytics.macro.vintages): adds the first-release basis;
               `releases_source` names where it came from (added to the source line).
    Data (--json): series, value, nowcast_date, quarter (first day), change (pp, null for a
    quarter's first nowcast), previous_update {date, value}, direction, excluded, previous (the
    context episodes, most recent first, {date, value}), track ([{date, value}] of the quarter
    through the nowcast), first_releases (with `releases`: {since, previous, differ}), headline_basis,
    asked (the `value` asked about, or null).
    """
    nowcast = latest_nowcast(track, as_of)
    ranges = tuple(GDPNOW.default_exclusions if exclude is None else exclude)
    if history.dropna().empty:
        raise NoData(f"BEA's GDP history ({HISTORY_ID}) is empty: import it or go online.")
    if value is not None and direction is None:
        direction = direction_for_value(value, nowcast.value)
    compared = nowcast.value if value is None else value
    context = nowcast_context(
        nowcast,
        history,
        exclude=ranges,
        direction=direction,
        value=value,
        max_episodes=MAX_EPISODES,
    )
    vintages = None
    last_bea = history.dropna().index.max()
    if releases is not None:
        # Compare the same quarters on both bases: a release table newer than the history
        # would otherwise differ by coverage, not by revision.
        releases = releases[releases.index <= last_bea]
    if releases is not None and not releases.empty:
        first = first_release_context(
            releases,
            compared,
            nowcast.quarter,
            direction=context.direction,
            known_on=nowcast.date,
            exclude=ranges,
            max_episodes=MAX_EPISODES,
        )
        vintages = VintageContext(context, first, compared, compared)

    phrase = context_phrase(context, frequency="quarterly", wording=GDPNOW.wording)
    title = f"GDPNow {_pct(nowcast.value)} for {_quarter(nowcast.quarter)}: {phrase}"
    if value is not None:
        title = (
            f"{_pct(value)} for {_quarter(nowcast.quarter)}: {phrase} "
            f"(GDPNow: {_pct(nowcast.value)})"
        )
    notes = list(dict.fromkeys(w for w in warnings if w))
    behind = behind_note(nowcast.track_end, as_of) if nowcast.stale else None
    if behind is not None:
        title += behind[0]
        notes.append(
            f"The imported GDPNow track ends {nowcast.track_end.isoformat()}, "
            f"{(as_of - nowcast.track_end).days} days before {as_of.isoformat()}: later nowcasts "
            f"are missing. Import a newer track with `{IMPORT_HINT}`."
        )
    published = _previous_quarter(nowcast.quarter)
    if last_bea.date() < published:
        notes.append(
            f"BEA's history ({HISTORY_ID}) here ends {_quarter(last_bea.date())}, but BEA had "
            f"published {_quarter(published)} before GDPNow moved on to "
            f"{_quarter(nowcast.quarter)}: the quarters after {_quarter(last_bea.date())} are "
            "not compared. Import a newer copy or go online."
        )
    full_source = f"{source}; BEA via {history_source}"
    if vintages is not None and releases_source:
        full_source += f"; first releases: {releases_source}"
    return Answer(
        title=title,
        summary=_asked(value, nowcast) + _summary(nowcast, track, context, ranges, vintages),
        fields=_fields(nowcast, vintages),
        tables=(_updates_table(nowcast),),
        chart=Chart(lambda: _figure(nowcast, context, full_source, value)) if chart else None,
        source=full_source,
        as_of=nowcast.date,
        warnings=tuple(notes),
        data={**_data(nowcast, context, ranges, vintages), "asked": value},
        advice_disclaimer=False,
    )


def _asked(value: float | None, nowcast: Nowcast) -> str:
    if value is None:
        return ""
    return (
        f"Asked about {_pct(value)} for {_quarter(nowcast.quarter)}, against BEA's growth in "
        "the quarters before it. "
    )


def _previous_quarter(quarter: dt.date) -> dt.date:
    """The first day of the quarter before the one starting `quarter`."""
    if quarter.month == 1:
        return dt.date(quarter.year - 1, 10, 1)
    return dt.date(quarter.year, quarter.month - 3, 1)


def _previous_quarter_last(
    track: pd.DataFrame, nowcast: Nowcast
) -> tuple[dt.date, dt.date, float] | None:
    """(forecast date, quarter, nowcast) of the last nowcast of another quarter before this
    quarter's first: the hand-over."""
    before = track[
        (track["forecast_date"] < pd.Timestamp(nowcast.path[0].date))
        & (track["quarter"] != pd.Timestamp(nowcast.quarter))
    ]
    if before.empty:
        return None
    row = before.sort_values(["forecast_date", "quarter"]).iloc[-1]
    return row["forecast_date"].date(), row["quarter"].date(), float(row["nowcast"])


def _summary(
    nowcast: Nowcast,
    track: pd.DataFrame,
    context: Context,
    ranges: tuple[tuple[dt.date, dt.date], ...],
    vintages: VintageContext | None,
) -> str:
    quarter = _quarter(nowcast.quarter)
    text = (
        f"GDPNow's latest nowcast, published {_day(nowcast.date)}, puts real GDP growth in "
        f"{quarter} at {_pct(nowcast.value)} ({GDPNOW.units})"
    )
    if nowcast.previous is not None and nowcast.change is not None:
        text += (
            f", {_pp(nowcast.change)} from the previous update on {_day(nowcast.previous.date)} "
            f"({_pct(nowcast.previous.value)}); {len(nowcast.path)} updates for the quarter so "
            f"far, the first {_pct(nowcast.path[0].value)} on {_day(nowcast.path[0].date)}."
        )
    else:
        text += f": the first nowcast of {quarter}"
        handover = _previous_quarter_last(track, nowcast)
        if handover is not None:
            day, other, value = handover
            text += f" ({_quarter(other)}'s last was {_pct(value)} on {_day(day)})"
        text += "."
    if nowcast.after_quarter_end:
        text += (
            f" {quarter} ended {_day(nowcast.quarter_end)} and is nowcast until BEA's advance "
            "estimate."
        )
    start = _quarter(context.history_start)
    text += (
        f" Context: BEA's real GDP growth ({HISTORY_ID}) in the quarters before {quarter}, "
        f"since {start}."
    )
    note = exclusion_note(context, frequency="quarterly")
    if note:
        reason = " (the pandemic swings)" if ranges == GDPNOW.default_exclusions else ""
        text += f" {note[:-1]}{reason}."
    if vintages is not None:
        text += f" {_vintage_sentence(vintages)}"
        if vintages.differ:
            text += f" {HEADLINE_NOTE}"
    return text


def _vintage_sentence(vintages: VintageContext) -> str:
    phrase = vintage_phrase(vintages, GDPNOW.wording)
    return f"{phrase[0].upper()}{phrase[1:]}."


def _fields(nowcast: Nowcast, vintages: VintageContext | None) -> tuple[Field, ...]:
    quarter = _quarter(nowcast.quarter)
    fields = [Field("Nowcast", f"{_pct(nowcast.value)} for {quarter} ({_day(nowcast.date)})")]
    if nowcast.previous is not None and nowcast.change is not None:
        fields.append(
            Field(
                "Since the previous update",
                f"{_pp(nowcast.change)} (vs {_pct(nowcast.previous.value)} on "
                f"{_day(nowcast.previous.date)})",
            )
        )
    else:
        fields.append(Field("Since the previous update", f"first nowcast of {quarter}"))
    values = [p.value for p in nowcast.path]
    fields.append(
        Field(
            "This quarter",
            f"{len(values)} update{'s' if len(values) > 1 else ''}, "
            f"from {_pct(min(values))} to {_pct(max(values))}",
        )
    )
    if vintages is not None:
        fields.append(Field("First release vs revised", _vintage_sentence(vintages), inline=False))
    fields.append(Field("Units", GDPNOW.units, inline=False))
    return tuple(fields)


def _updates_table(nowcast: Nowcast) -> Table:
    points = nowcast.path
    rows = []
    for i in range(len(points) - 1, max(len(points) - 1 - RECENT_UPDATES, -1), -1):
        change = points[i].value - points[i - 1].value if i > 0 else None
        rows.append((points[i].date, points[i].value, change))
    return Table(
        columns=(
            Column("date", "date"),
            Column("nowcast, % SAAR", "number", 1),
            Column("change", "pp", 1),
        ),
        rows=tuple(rows),
        title=f"Latest updates for {_quarter(nowcast.quarter)}",
    )


def _episodes(context: Context) -> list[dict]:
    return [{"date": e.last.date, "value": e.last.value} for e in context.episodes]


def _data(
    nowcast: Nowcast,
    context: Context,
    ranges: tuple[tuple[dt.date, dt.date], ...],
    vintages: VintageContext | None,
) -> dict:
    data = {
        "series": "GDPNOW",
        "value": nowcast.value,
        "nowcast_date": nowcast.date,
        "quarter": nowcast.quarter,
        # The track has one decimal: the change is exact to that, not to float noise.
        "change": None if nowcast.change is None else round(nowcast.change, 6),
        "previous_update": (
            None
            if nowcast.previous is None
            else {"date": nowcast.previous.date, "value": nowcast.previous.value}
        ),
        "direction": context.direction,
        "excluded": [[a, b] for a, b in ranges],
        "previous": _episodes(context),
        "track": [{"date": p.date, "value": p.value} for p in nowcast.path],
        "headline_basis": TODAY,
    }
    if vintages is not None:
        first = vintages.first
        data["first_releases"] = {
            "basis": FIRST,
            "since": first.episodes[0].last.date if first.episodes else None,
            "previous": _episodes(first),
            "differ": vintages.differ,
        }
    return data


def _figure(nowcast: Nowcast, context: Context, source: str, value: float | None = None):
    from analytics.charts.gdpnow_chart import gdpnow_chart

    first_only = replace(context, episodes=context.episodes[:1])
    phrase = context_phrase(first_only, frequency="quarterly", wording=GDPNOW.wording)
    headline = f"GDPNow {_pct(nowcast.value)} for {_quarter(nowcast.quarter)}: {phrase}"
    if value is not None:
        headline = f"{_pct(value)} for {_quarter(nowcast.quarter)}: {phrase}"
    reference = None
    if context.episodes:
        last = context.episodes[0].last
        reference = (last.value, f"BEA {_quarter(last.date)}: {_pct(last.value)}")
    subtitle = f"every GDPNow nowcast of {_quarter(nowcast.quarter)} through {_day(nowcast.date)}"
    if reference is not None:
        subtitle += " · dashed: the BEA quarter it is compared with"
    return gdpnow_chart(
        [(p.date, p.value) for p in nowcast.path],
        title=headline,
        subtitle=subtitle,
        latest_text=f"{_pct(nowcast.value)} ({nowcast.date:%b} {nowcast.date.day})",
        quarter_end=nowcast.quarter_end,
        reference=reference,
        source=source,
        as_of=nowcast.date,
    )
