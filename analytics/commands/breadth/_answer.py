"""The /breadth answer: one universe's breadth over a window, or two side by side (`compare`).

Every answer states its coverage (analytics.coverage: "partial" below 98% of a fund's weight or
a list's names, refused below 50%) and its definitions: which prices, the window's sessions,
which holdings snapshot.
"""

from __future__ import annotations

import math
from typing import Any

from analytics.answer import Answer, Chart, Column, Field, Table, jsonable
from analytics.commands.breadth._measure import UniverseBreadth, measure_breadth
from analytics.commands.breadth._parse import BreadthRequest
from analytics.commands.common import pct
from analytics.data.market import MarketData
from analytics.spec import Progress, phased
from analytics.windows import Window

PRICES = (
    "up/down and returns on adjusted closes; the averages, 52-week highs and lows and the A/D "
    "line on closes (split-adjusted, not dividend-adjusted)"
)
_TO_DATE = {"ytd": "year to date", "qtd": "quarter to date", "mtd": "month to date"}


def answer(data: MarketData, request: BreadthRequest, progress: Progress) -> Answer:
    """The /breadth answer (the spec's answer function). Blocking."""
    progress = phased(progress)
    first = measure_breadth(data, request.universe, request, progress)
    if request.compare is None:
        return single_answer(first, request.window)
    second = measure_breadth(data, request.compare, request, progress)
    return compare_answer(first, second, request.window)


# --- one universe ------------------------------------------------------------------------------


def single_answer(found: UniverseBreadth, window: Window) -> Answer:
    measured, ud = found.breadth, found.breadth.up_down
    above_50 = measured.above[50].share
    title = f"{_share(ud.share_up)} of {_noun(found)} rose {_period(window)}"
    if above_50 is not None:
        title += f"; {_share(above_50)} are above their 50-day average"
    title = found.dating.title(title + found.coverage.title_suffix())
    return Answer(
        title=title,
        summary=_summary(found, window),
        fields=_fields(found),
        tables=(_table([found]),),
        chart=Chart(lambda: _figure(found, title)) if _drawable(found) else None,
        source=found.source,
        as_of=found.end,
        warnings=_warnings(found),
        tone=_tone(ud.share_up, ud.share_down),
        data=jsonable({"mode": "single", "window": window.text, **payload(found)}),
        result=found,
        behind=found.dating.lag,
    )


def payload(found: UniverseBreadth) -> dict[str, Any]:
    """The JSON of one universe: the issue's fields (shares and returns as fractions, dates
    YYYY-MM-DD) and what they stand on."""
    measured, snapshot = found.breadth, found.snapshot
    return {
        "universe": found.name,
        "universe_kind": found.universe.kind,
        "start": measured.base,
        "end": measured.end,
        **measured.to_dict(),
        "names": len(found.universe.tickers),
        "above_ma_left_out": {str(n): a.left_out for n, a in measured.above.items()},
        "fund_return": found.fund_return,
        "coverage": found.coverage.to_json(),
        "partial": found.coverage.partial,
        "holdings_as_of": found.universe.as_of,
        "weights_at": snapshot.start if snapshot else None,
        "holdings_distance_days": snapshot.distance_days if snapshot else None,
        "behind": found.dating.to_json(),
        "definitions": _definitions(found),
    }


def _summary(found: UniverseBreadth, window: Window) -> str:
    measured, ud = found.breadth, found.breadth.up_down
    label = "" if window.kind == "range" else f" ({window.label})"
    parts = [
        f"{ud.up:,} of the {ud.priced:,} priced names rose from {measured.base} to "
        f"{measured.end}{label}, {ud.down:,} fell, {ud.unchanged:,} unchanged."
    ]
    averages = [
        f"{_share(a.share)} above their {n}-day average"
        for n, a in measured.above.items()
        if a.share is not None
    ]
    missing = [f"{n}-day" for n, a in measured.above.items() if a.share is None]
    if missing:
        averages.append(f"no {' or '.join(missing)} average (too little history)")
    parts.append("On " + measured.end.isoformat() + ": " + ", ".join(averages) + ".")
    parts.append(_highs_lows_text(found) + ".")
    if len(measured.ad_line):
        parts.append(f"A/D line {int(measured.ad_line.iloc[-1]):+,} over the window.")
    parts.append(_returns_text(found) + ".")
    parts.append(found.coverage.sentence(_coverage_noun(found)))
    if found.snapshot is not None:
        parts.append(found.snapshot.sentence())
    return " ".join(parts)


def _fields(found: UniverseBreadth) -> tuple[Field, ...]:
    measured, ud = found.breadth, found.breadth.up_down
    coverage = found.coverage
    priced = f"{coverage.priced:,} of {coverage.universe:,}"
    if coverage.weight_share is not None:
        priced += f" ({coverage.describe()})"
    fields = [
        Field("Up / down", f"{_share(ud.share_up)} up, {_share(ud.share_down)} down"),
        Field("Window", f"{measured.base} → {measured.end}"),
        Field("A/D line", f"{int(measured.ad_line.iloc[-1]):+,}" if len(measured.ad_line) else "0"),
        Field("Equal-weight return", _pct_or_na(measured.equal_weight_return)),
    ]
    if found.universe.kind == "fund":
        fields.append(Field(f"{found.name} return", _pct_or_na(found.fund_return)))
    fields.append(Field("Priced", priced + (" · partial" if coverage.partial else "")))
    fields.append(Field("Definitions", _definitions(found), inline=False))
    return tuple(fields)


def _warnings(found: UniverseBreadth) -> tuple[str, ...]:
    extra = [*(found.snapshot.warnings() if found.snapshot else ()), *found.result.warnings]
    for n, above in found.breadth.above.items():
        if above.share is None:
            extra.append(f"No share above the {n}-day average: {above.note}.")
    if found.breadth.highs_lows.note:
        extra.append(f"No 52-week highs or lows: {found.breadth.highs_lows.note}.")
    if found.fund_note:
        extra.append(f"No {found.name} return: {found.fund_note}.")
    return found.dating.warnings(extra)


# --- two universes -----------------------------------------------------------------------------


def compare_answer(first: UniverseBreadth, second: UniverseBreadth, window: Window) -> Answer:
    both = (first, second)
    ups = " vs ".join(f"{b.name} {_share(b.breadth.up_down.share_up)}" for b in both)
    title = f"Names up {_period(window)}: {ups}"
    partial = [b for b in both if b.coverage.partial]
    if partial:
        title += " · partial: " + ", ".join(f"{b.name} {b.coverage.describe()}" for b in partial)
    behind = next((b.dating for b in both if b.dating.behind), first.dating)
    title = behind.title(title)
    warnings: list[str] = []
    for found in both:
        warnings += [f"{found.name}: {w}" for w in _warnings(found)]
    summary = " ".join(
        f"{b.name}: {_share(b.breadth.up_down.share_up)} of {b.breadth.up_down.priced:,} names "
        f"rose from {b.start} to {b.end}. {_returns_text(b)}. "
        f"{b.coverage.sentence(_coverage_noun(b))}"
        for b in both
    )
    source = "; ".join(dict.fromkeys(s for b in both for s in b.source.split("; ") if s))
    return Answer(
        title=title,
        summary=summary,
        fields=tuple(Field(f"{b.name} definitions", _definitions(b), inline=False) for b in both),
        tables=(_table(list(both)),),
        chart=Chart(lambda: _compare_figure(first, second, title, source, window)),
        source=source,
        as_of=max(first.end, second.end),
        warnings=tuple(dict.fromkeys(warnings)),
        tone=_tone(first.breadth.up_down.share_up, first.breadth.up_down.share_down),
        data=jsonable(
            {
                "mode": "compare",
                "window": window.text,
                "universes": [payload(b) for b in both],
            }
        ),
        result=both,
        behind=first.dating.lag or second.dating.lag,
    )


# --- shared wording ----------------------------------------------------------------------------


def _table(found: list[UniverseBreadth]) -> Table:
    """Shares (fractions, 'weight' unit: unsigned percent) by measure; one share column per
    universe, and with one universe the names counted and the names it is of."""
    rows: list[tuple[Any, ...]] = []
    for label, pick in _MEASURES:
        values = [pick(b) for b in found]
        if len(found) == 1:
            share, count, of = values[0]
            rows.append((label, share, count, of))
        else:
            rows.append((label, *(v[0] for v in values)))
    if len(found) == 1:
        columns = (Column("measure"), Column("share", "weight"), Column("names", "count"),
                   Column("of", "count"))  # fmt: skip
    else:
        columns = (Column("measure"), *(Column(b.name, "weight") for b in found))
    return Table(columns, tuple(rows), "Breadth")


def _up(b):
    ud = b.breadth.up_down
    return ud.share_up, ud.up, ud.priced


def _down(b):
    ud = b.breadth.up_down
    return ud.share_down, ud.down, ud.priced


def _above(n):
    def pick(b):
        a = b.breadth.above[n]
        return a.share, a.above if a.counted else None, a.counted

    return pick


def _highs(b):
    hl = b.breadth.highs_lows
    return hl.share_highs, hl.highs, hl.counted


def _lows(b):
    hl = b.breadth.highs_lows
    return hl.share_lows, hl.lows, hl.counted


_MEASURES = (
    ("up over the window", _up),
    ("down over the window", _down),
    ("above 20-day avg", _above(20)),
    ("above 50-day avg", _above(50)),
    ("above 200-day avg", _above(200)),
    ("new 52-week highs", _highs),
    ("new 52-week lows", _lows),
)


def _definitions(found: UniverseBreadth) -> str:
    measured = found.breadth
    text = (
        f"{PRICES}; the window's sessions {measured.base} (base close) to {measured.end}, the "
        "sessions on which any of its names traded; a name without the closes a measure needs "
        "is left out of it and counted"
    )
    if found.snapshot is not None:
        text += (
            f"; names from the {found.name} holdings of {found.snapshot.as_of} "
            f"({found.snapshot.relation()})"
        )
    return text + "."


def _highs_lows_text(found: UniverseBreadth) -> str:
    hl = found.breadth.highs_lows
    if hl.highs is None:
        return f"No 52-week highs or lows: {hl.note}"
    highs = "high" if hl.highs == 1 else "highs"
    lows = "low" if hl.lows == 1 else "lows"
    return (
        f"{hl.highs:,} new 52-week closing {highs} and {hl.lows:,} {lows} on {hl.date} "
        f"(of {hl.counted:,} names with a year of closes)"
    )


def _returns_text(found: UniverseBreadth) -> str:
    ew = f"equal-weight return {_pct_or_na(found.breadth.equal_weight_return)}"
    if found.universe.kind != "fund":
        return ew[0].upper() + ew[1:]
    return f"Equal-weight return {_pct_or_na(found.breadth.equal_weight_return)} vs {found.name} {_pct_or_na(found.fund_return)}"


def _noun(found: UniverseBreadth) -> str:
    if found.universe.kind == "fund":
        return f"{found.name}'s constituents"
    if found.universe.kind == "tickers":
        return f"the {found.name}"
    return f"{found.name} names"


def _coverage_noun(found: UniverseBreadth) -> str:
    return found.name if found.universe.kind == "fund" else "listed"


def _period(window: Window) -> str:
    if window.kind == "range":
        return f"from {window.start} to {window.end}"
    return _TO_DATE.get(window.kind) or f"over {window.label}"


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _pct_or_na(value: float | None) -> str:
    return "n/a" if value is None or not math.isfinite(value) else pct(value)


def _tone(up: float | None, down: float | None) -> int:
    if up is None or down is None or up == down:
        return 0
    return 1 if up > down else -1


def _partial_badge(found: UniverseBreadth) -> str | None:
    return f"Partial: {found.coverage.describe()} priced" if found.coverage.partial else None


def _drawable(found: UniverseBreadth) -> bool:
    return len(found.breadth.ad_line) > 0 or not found.above_50.dropna().empty


def _figure(found: UniverseBreadth, title: str):
    from analytics.charts.breadth_chart import breadth_chart

    measured = found.breadth
    headline, _, rest = _chart_title(title).partition("; ")
    subtitle = f"{measured.up_down.priced:,} names, {measured.base} to {measured.end}"
    subtitle = f"{rest[0].upper()}{rest[1:]} · {subtitle}" if rest else subtitle
    return breadth_chart(
        found.above_50,
        measured.ad_line,
        title=headline,
        subtitle=subtitle,
        source=found.source,
        as_of=measured.end,
        partial=_partial_badge(found),
    )


def _compare_figure(first, second, title: str, source: str, window: Window):
    from analytics.charts.breadth_chart import breadth_compare_chart

    badges = [b for b in (first, second) if b.coverage.partial]
    partial = (
        "Partial: " + ", ".join(f"{b.name} {b.coverage.describe()}" for b in badges)
        if badges
        else None
    )
    return breadth_compare_chart(
        (first.name, first.breadth),
        (second.name, second.breadth),
        title=_chart_title(title),
        subtitle=f"{first.start} to {first.end} ({window.label}) · shares of each universe's names",
        source=source,
        partial=partial,
    )


def _chart_title(title: str) -> str:
    """The answer's headline without the coverage suffix (the chart has a badge for that)."""
    return title.split(" · partial")[0]
