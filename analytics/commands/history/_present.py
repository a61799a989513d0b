"""A study as an Answer: title, summary, tables of raw values, the chart and the --json payload."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from analytics.answer import Answer, Chart, Column, Field, Table, jsonable
from analytics.commands.provenance import Dating
from analytics.format import format_value
from analytics.history.forward import HORIZON_LABELS
from analytics.history.stats import ANECDOTAL_BELOW, HorizonSummary
from analytics.history.study import Study

HEADLINE = "3m"
NOT_A_FORECAST = "Past episodes, not a forecast."
RECENT_SHOWN = 3
PRICE_BASIS_NOTE = (
    "Forward returns are on adjusted closes (dividends reinvested) from the episode's close to "
    "the last session on or before its date plus 1 week, 1, 3, 6 and 12 months; for a pair, "
    "A's return minus B's over the same sessions."
)


@dataclass(frozen=True)
class Event:
    """What the study was about, in words and for --json.

    text:        "IWM beat SPY 10+ sessions in a row" (the title's subject).
    definition:  the condition spelled out, the prices it reads, and (macro) when readings count.
    payload:     the --json `event` object.
    notes:       extra warnings (a macro loader's), shown after the dating's.
    extra:       more --json keys (macro: the publication rule, the latest reading).
    """

    text: str
    definition: str
    payload: dict[str, Any]
    notes: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def measure_name(study: Study) -> str:
    return f"{study.names[0]} minus {study.names[1]}" if study.pair else study.names[0]


def _unit(study: Study) -> str:
    return "pp" if study.pair else "pct"


def _shown(study: Study, value: float | None) -> float | None:
    """A measure as the tables hold it: a pair's spread in percentage points, else a fraction."""
    if value is None:
        return None
    return value * 100 if study.pair else value


def _fmt(study: Study, value: float | None) -> str:
    return format_value(_shown(study, value), _unit(study))  # type: ignore[arg-type]


def _title(event: Event, study: Study, dating: Dating) -> str:
    if not study.episodes:
        return dating.title(f"{event.text}: no episode since {study.start}")
    head = study.summary.get(HEADLINE)
    label = HORIZON_LABELS.get(HEADLINE, HEADLINE)
    if head is None or head.n == 0:
        return dating.title(
            f"After {event.text}: {len(study.episodes)} episodes, none with {label} of data yet"
        )
    anecdotal = ", anecdotal" if head.anecdotal else ""
    return dating.title(
        f"After {event.text}: {measure_name(study)} {_fmt(study, head.median)} median "
        f"{label} later (n={head.n}{anecdotal})"
    )


def _medians(study: Study, stats: dict[str, HorizonSummary]) -> str:
    return ", ".join(
        f"{h} {_fmt(study, stats[h].median) if stats[h].n else 'n/a'}" for h in study.horizons
    )


def _left_out_text(study: Study) -> str:
    parts = [f"{n} at {h}" for h, n in study.left_out.items() if n]
    if not parts:
        return ""
    return (
        f"Windows that run past the data ({study.end}) are left out: "
        + ", ".join(parts)
        + " (the most recent episodes)."
    )


def _summary(event: Event, study: Study) -> str:
    count = len(study.episodes)
    parts = [
        f"{count} episode{'s' if count != 1 else ''} since {study.start} "
        f"({study.sessions:,} sessions to {study.end}): {event.text}.",
    ]
    if count:
        parts.append(
            f"Median {measure_name(study)} after the episodes: {_medians(study, study.summary)}; "
            f"over all sessions: {_medians(study, study.baseline)}."
        )
        if study.anecdotal:
            parts.append(
                f"With fewer than {ANECDOTAL_BELOW} episodes these are anecdotes, not statistics."
            )
    left = _left_out_text(study)
    if left:
        parts.append(left)
    parts.append(NOT_A_FORECAST)
    return " ".join(parts)


def _current_text(study: Study) -> str:
    current = study.current
    if current is None:
        return f"none: the condition does not hold on {study.end}"
    episode = current.episode
    run = f"; the run is {episode.length} sessions so far" if episode.length else ""
    held = f"{episode.sessions} session{'s' if episode.sessions != 1 else ''}"
    return f"since {episode.date} ({held}){run}"


def _recent_text(study: Study) -> str:
    label = HORIZON_LABELS.get(HEADLINE, HEADLINE)
    lines = []
    for result in reversed(study.episodes[-RECENT_SHOWN:]):
        value = result.forward.get(HEADLINE, {}).get(study.measure)
        shown = _fmt(study, value) if value is not None else "not yet"
        lines.append(f"{result.episode.date}: {shown} after {label}")
    return "; ".join(lines) or "none"


def _stats_table(study: Study, stats: dict[str, HorizonSummary], title: str, *, full: bool):
    unit = _unit(study)
    columns = [Column("horizon"), Column("n", "count"), Column("median", unit)]
    columns += [Column("mean", unit), Column("up", "weight", 0)]
    if full:
        columns += [Column("best", unit), Column("worst", unit), Column("past data", "count")]
    rows = []
    for h in study.horizons:
        s = stats[h]
        row: list[Any] = [h, s.n, _shown(study, s.median), _shown(study, s.mean), s.share_positive]
        if full:
            row += [_shown(study, s.best), _shown(study, s.worst), study.left_out[h]]
        rows.append(tuple(row))
    return Table(columns=tuple(columns), rows=tuple(rows), title=title)


def _episodes_table(study: Study) -> Table:
    unit = _unit(study)
    streak = any(r.episode.length is not None for r in study.episodes)
    columns = [Column("date", "date"), Column("length" if streak else "held", "count")]
    columns += [Column(h, unit) for h in study.horizons]
    rows = []
    for result in reversed(study.episodes):
        episode = result.episode
        row: list[Any] = [episode.date, episode.length if streak else episode.sessions]
        row += [_shown(study, result.forward.get(h, {}).get(study.measure)) for h in study.horizons]
        rows.append(tuple(row))
    return Table(columns=tuple(columns), rows=tuple(rows), title="Episodes, most recent first")


def _payload(event: Event, study: Study, dating: Dating, prices_source: str) -> dict[str, Any]:
    def stats(summary: dict[str, HorizonSummary], left: bool) -> dict[str, Any]:
        out = {}
        for h, s in summary.items():
            out[h] = s.to_dict() | {"anecdotal": s.anecdotal}
            if left:
                out[h]["left_out"] = study.left_out[h]
        return out

    current = study.current
    return jsonable(
        {
            "event": event.payload,
            "on": list(study.names),
            "measure": study.measure,
            "horizons": list(study.horizons),
            "history_start": study.start,
            "history_end": study.end,
            "sessions": study.sessions,
            "episode_count": len(study.episodes),
            "anecdotal": study.anecdotal,
            "episodes": [r.to_dict() for r in study.episodes],
            "current": current.to_dict() if current else None,
            "summary": stats(study.summary, True),
            "baseline": stats(study.baseline, False),
            "behind": dating.to_json(),
            "prices_source": prices_source,
            "note": NOT_A_FORECAST,
        }
        | event.extra
    )


def study_answer(
    event: Event,
    study: Study,
    *,
    dating: Dating,
    source: str,
    prices_source: str,
    warnings: tuple[str, ...] = (),
) -> Answer:
    """The Answer for `study` of `event`; `source` names every source used (prices, FRED)."""
    title = _title(event, study, dating)
    head = study.summary.get(HEADLINE)
    tone = 0
    if head is not None and head.median is not None and head.median != 0:
        tone = 1 if head.median > 0 else -1
    shown_warnings = list(warnings)
    if study.episodes and study.anecdotal:
        shown_warnings.append(
            f"Only {len(study.episodes)} episode{'s' if len(study.episodes) != 1 else ''}: "
            "anecdotal, not statistics."
        )
    unit = "pp" if study.pair else "%"
    # The chart's title names the event; the statistic goes under it (the full title is too
    # wide for the image).
    chart_title = dating.title(f"After {event.text}" if study.episodes else event.text)
    subtitle = f"{study.start} to {study.end}"
    if head is not None and head.n:
        anecdotal = ", anecdotal" if head.anecdotal else ""
        label = HORIZON_LABELS.get(HEADLINE, HEADLINE)
        stat = f"{measure_name(study)} {_fmt(study, head.median)} median {label} later"
        subtitle = f"{stat} (n={head.n}{anecdotal}) · {subtitle}"

    def build():
        from analytics.charts.history_chart import history_chart

        return history_chart(
            study,
            title=chart_title,
            subtitle=subtitle,
            measure_label=f"since the episode ({unit})",
            source=source,
            as_of=study.end,
        )

    tables = [
        _stats_table(study, study.summary, "After the episodes", full=True),
        _stats_table(study, study.baseline, "All sessions (the baseline)", full=False),
    ]
    if study.episodes:
        tables.append(_episodes_table(study))
    return Answer(
        title=title,
        summary=_summary(event, study),
        fields=(
            Field("Current episode", _current_text(study), inline=False),
            Field("Latest episodes", _recent_text(study), inline=False),
            Field("Definitions", event.definition + " " + NOT_A_FORECAST, inline=False),
        ),
        tables=tuple(tables),
        chart=Chart(build),
        source=source,
        as_of=study.end,
        warnings=dating.warnings([*event.notes, *shown_warnings]),
        tone=tone,
        data=_payload(event, study, dating, prices_source),
        behind=dating.lag,
    )
