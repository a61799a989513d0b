"""The /records answer: a ticker's record high and record close, the current run of records,
the record before it, how often records came and the longest wait between two."""

from __future__ import annotations

from typing import Any

from analytics.answer import Answer, Chart, Column, Field, Table, jsonable
from analytics.commands.records._history import BASIS_TEXT, History, load_history
from analytics.commands.records._parse import RecordsRequest
from analytics.data.market import MarketData
from analytics.records import RECENT_SESSIONS, RecordHistory, record_history
from analytics.spec import Progress

_WHAT = {"high": "record high", "close": "record close"}


def records_answer(data: MarketData, request: RecordsRequest, progress: Progress) -> Answer:
    """Records of `request.ticker` through `request.as_of` (see analytics/records.py)."""
    history = load_history(data, request.ticker, request.as_of, progress)
    bars = history.bars
    closes = bars["close"]
    close_hist = record_history(closes, "close", name=history.ticker)
    high_hist = None
    warnings = list(history.warnings)
    if history.has_highs:
        high_hist = record_history(
            bars["high"], "high", close=close_hist.close, name=history.ticker
        )
    else:
        warnings.append(
            f"{history.ticker}'s prices have no intraday highs (a close-only source): the record "
            "high is unknown; the record close and its runs are shown."
        )
    lead = high_hist or close_hist
    title = _headline(history.ticker, lead) + history.title_suffix

    def build():
        from analytics.charts.records_chart import records_chart

        return records_chart(
            closes,
            bars["high"] if high_hist is not None else None,
            close_hist,
            high_hist,
            title=title,
            subtitle=_subtitle(lead),
            source=data.source_name,
        )

    return Answer(
        title=title,
        summary=_summary(history, lead, close_hist, high_hist),
        fields=_fields(history, lead),
        tables=(_table(close_hist, high_hist),),
        chart=Chart(build),
        source=data.source_name,
        as_of=history.as_of,
        warnings=tuple(warnings),
        tone=1 if lead.current_run is not None else 0,
        data=_payload(history, close_hist, high_hist),
    )


def _price(value: float) -> str:
    return f"{value:,.2f}"


def _headline(ticker: str, lead: RecordHistory) -> str:
    what = _WHAT[lead.basis]
    run = lead.current_run
    if run is not None and run.length > 1:
        return f"{ticker} has set a {what} {run.length} sessions in a row"
    if run is not None:
        return f"{ticker} set a {what} on {lead.as_of}"
    return (
        f"{ticker} is {abs(lead.distance):.1%} below its {what} of "
        f"{_price(lead.record.value)} ({lead.record.date})"
    )


def _subtitle(lead: RecordHistory) -> str:
    parts = []
    if lead.current_run is not None and lead.previous_record is not None:
        prev = lead.previous_record
        parts.append(f"before this run: {_price(prev.value)} on {prev.date}")
    parts.append(f"{lead.records_this_year} {_WHAT[lead.basis]}s in {lead.as_of.year}")
    if lead.longest_gap is not None:
        gap = lead.longest_gap
        parts.append(f"longest gap {gap.sessions:,} sessions ({gap.start} to {gap.end})")
    return "  ·  ".join(parts)


def _run_text(lead: RecordHistory) -> str:
    run = lead.current_run
    if run is None:
        last = lead.record.date
        return (
            f"none: the last {_WHAT[lead.basis]} was {last}, {lead.sessions_since:,} sessions ago"
        )
    if run.length == 1:
        return f"1 session ({run.start})"
    return f"{run.length} sessions, {run.start} to {run.end}"


def _summary(
    history: History,
    lead: RecordHistory,
    close_hist: RecordHistory,
    high_hist: RecordHistory | None,
) -> str:
    parts = []
    if high_hist is not None:
        parts.append(
            f"Record high {_price(high_hist.record.value)} on {high_hist.record.date} "
            f"(intraday); the close of {history.as_of} ({_price(close_hist.close)}) is "
            f"{abs(high_hist.distance):.2%} below it."
        )
    if close_hist.sessions_since == 0:
        parts.append(f"Record close {_price(close_hist.record.value)}: the latest close.")
    else:
        parts.append(
            f"Record close {_price(close_hist.record.value)} on {close_hist.record.date}; the "
            f"latest close is {abs(close_hist.distance):.2%} below it."
        )
    what = _WHAT[lead.basis]
    if lead.current_run is not None:
        parts.append(f"Current run of {what}s: {_run_text(lead)}.")
    else:
        parts.append(f"No {what} on {lead.as_of}: {_run_text(lead).removeprefix('none: ')}.")
    if lead.previous_record is not None:
        prev = lead.previous_record
        before = "this run" if lead.current_run is not None else "the last run of records"
        parts.append(f"Before {before} the record was {_price(prev.value)}, set {prev.date}.")
    parts.append(
        f"{lead.records_this_year} {what}s in {lead.as_of.year}, {lead.records_recent} in the "
        f"last {RECENT_SESSIONS} sessions, {lead.record_count:,} in all."
    )
    return " ".join(parts)


def _definitions(history: History) -> str:
    return (
        "A record is strictly above every earlier value: intraday highs for the record high, "
        f"closes for the record close, {BASIS_TEXT}; over {history.span_text()}."
    )


def _fields(history: History, lead: RecordHistory) -> tuple[Field, ...]:
    fields = [Field("Current run", _run_text(lead), inline=False)]
    if lead.previous_record is not None:
        prev = lead.previous_record
        fields.append(Field("Previous record", f"{_price(prev.value)} on {prev.date}"))
    fields.append(Field("Sessions since record", f"{lead.sessions_since:,}"))
    if lead.longest_gap is not None:
        gap = lead.longest_gap
        fields.append(
            Field(
                "Longest gap", f"{gap.sessions:,} sessions, {gap.start} to {gap.end}", inline=False
            )
        )
    if lead.longest_run is not None:
        run = lead.longest_run
        fields.append(Field("Longest run", f"{run.length} sessions, {run.start} to {run.end}"))
    fields.append(Field("Definitions", _definitions(history), inline=False))
    return tuple(fields)


def _table(close_hist: RecordHistory, high_hist: RecordHistory | None) -> Table:
    rows = []
    for name, hist in (("high (intraday)", high_hist), ("close", close_hist)):
        if hist is None:
            rows.append((name, None, None, None, None, None, None))
            continue
        rows.append(
            (
                name,
                hist.record.value,
                hist.record.date,
                hist.distance,
                hist.sessions_since,
                hist.records_this_year,
                hist.records_recent,
            )
        )
    return Table(
        columns=(
            Column("record"),
            Column("value", "price"),
            Column("set", "date"),
            Column("close vs it", "pct"),
            Column("sessions since", "count"),
            Column(f"in {close_hist.as_of.year}", "count"),
            Column(f"last {RECENT_SESSIONS}", "count"),
        ),
        rows=tuple(rows),
        title="Records",
    )


def _stats(hist: RecordHistory) -> dict[str, Any]:
    return {
        "sessions_since_record": hist.sessions_since,
        "records_this_year": hist.records_this_year,
        "records_last_20": hist.records_recent,
        "record_count": hist.record_count,
        "current_run": hist.current_run.to_dict() if hist.current_run else None,
        "previous_record": hist.previous_record.to_dict() if hist.previous_record else None,
        "longest_gap": hist.longest_gap.to_dict() if hist.longest_gap else None,
        "longest_run": hist.longest_run.to_dict() if hist.longest_run else None,
    }


def _payload(
    history: History, close_hist: RecordHistory, high_hist: RecordHistory | None
) -> dict[str, Any]:
    """The --json object: the record-high figures at the top (the record close's when there are
    no highs; `basis` says which), the record close's own under `close_records`."""
    lead = high_hist or close_hist
    data: dict[str, Any] = {
        "ticker": history.ticker,
        "basis": lead.basis,
        "close": close_hist.close,
        "record_high": high_hist.record.to_dict() if high_hist else None,
        "record_close": close_hist.record.to_dict(),
        "distance_from_high": high_hist.distance if high_hist else None,
        "distance_from_close": close_hist.distance,
        **_stats(lead),
        "close_records": _stats(close_hist),
        "history_start": history.first,
        "sessions": len(history.bars),
        "prices": BASIS_TEXT,
        "sources": list(history.sources),
    }
    return jsonable(data)
