"""The /streak answer: how many sessions in a row A has beaten B (or risen, fallen, set
records), and since when.

Prices come from the full cached history (the first use of a ticker fetches all of it), so
"longest since ..." and the record look back as far as the data goes.

Which prices each kind reads, and why:
- `beat`, `up`, `down`: adjusted closes, so a dividend's ex-date drop is not a losing session.
- `record-high`, `record-close`: RAW highs / closes. An adjusted history is rescaled at every
  dividend, so an adjusted "all-time high" moves each quarter and would no longer match the
  high the market actually printed that day.
The cumulative performance over a run is always measured on adjusted closes (total return).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pandas as pd

from analytics.answer import Answer, Chart, Field, jsonable
from analytics.commands.common import pct, require_prices
from analytics.commands.provenance import price_dating, result_source
from analytics.commands.streaks._parse import StreakRequest
from analytics.data.market import MarketData, PriceResult
from analytics.errors import NoData
from analytics.spec import Progress
from analytics.streaks import Run, Streak, beat_streak, direction_streak, headline, record_streak

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_BASIS = {
    "beat": "adjusted close",
    "up": "adjusted close",
    "down": "adjusted close",
    "record-high": "raw high",
    "record-close": "raw close",
}


def streak_answer(data: MarketData, request: StreakRequest, progress: Progress) -> Answer:
    """The current run of `request.kind` ending at the last session on or before `as_of`
    (default latest).

    beat: sessions in a row on which A's daily return (adjusted close) was strictly above B's;
    if B won the last session, B's run over A is reported. up/down: closes in a row strictly
    above/below the previous close. record-high/record-close: sessions in a row each setting a
    new all-time raw high / raw close. Reads each ticker's full history. The Answer's `result`
    is the `Streak`.
    """
    tickers = list(request.tickers)
    kind, as_of = request.kind, request.as_of
    result = data.bars(tickers, None, None, progress=progress)
    require_prices(result, tickers)
    bars = {t: _history(result, t, as_of) for t in tickers}

    adj = {t: frame["adj_close"].rename(t) for t, frame in bars.items()}
    highs: pd.Series | None = None
    if kind == "beat":
        streak = beat_streak(adj[tickers[0]], adj[tickers[1]], as_of)
        line_a, line_b = adj[tickers[0]], adj[tickers[1]]
    elif kind in ("up", "down"):
        streak = direction_streak(adj[tickers[0]], kind, as_of)
        line_a, line_b = adj[tickers[0]], None
    else:
        frame = bars[tickers[0]]
        closes = frame["close"].rename(tickers[0])
        highs = frame["high"].rename(tickers[0])
        if kind == "record-high" and highs.dropna().empty:
            raise NoData(
                f"{tickers[0]} has no daily highs in the cache (its source has closes only); "
                "ask for kind record-close instead."
            )
        streak = record_streak(highs if kind == "record-high" else closes, kind, as_of)
        line_a, line_b = closes, None

    history_start = max(frame.index[0] for frame in bars.values()).date()
    ends = {t: frame.index[-1].date() for t, frame in bars.items() if not frame.empty}
    dating = price_dating(data, result, streak.as_of, as_of, ends=ends)
    source = result_source(result, data)
    title = dating.title(headline(streak))

    def build() -> Figure:
        # matplotlib is imported on the first chart, not at bot startup
        from analytics.charts.streak_chart import streak_figure

        return streak_figure(streak, line_a, line_b, highs=highs, title=title, source=source)

    return Answer(
        title=title,
        summary=_summary(streak, tickers, adj, history_start),
        fields=_fields(streak, adj, history_start),
        chart=Chart(build),
        source=source,
        as_of=streak.as_of,
        warnings=dating.warnings(result.warnings),
        tone=_tone(streak, tickers),
        data=_payload(streak, kind, adj, history_start) | {"behind": dating.to_json()},
        result=streak,
        behind=dating.lag,
    )


def _history(result: PriceResult, ticker: str, as_of: dt.date | None) -> pd.DataFrame:
    """One ticker's bars; NoData when `as_of` is before its first session."""
    frame = result.series(ticker).sort_index()
    first = frame.index[0].date()
    if as_of is not None and as_of < first:
        raise NoData(
            f"as_of {as_of} is before the data: {ticker}'s history begins {first}; "
            f"give a date on or after {first}."
        )
    return frame


def run_change(adj_close: pd.Series, run: Streak) -> float | None:
    """close(end) / close(session before start) - 1 on adjusted closes: the run's total return."""
    if not run.length or run.start is None or run.end is None:
        return None
    series = adj_close.dropna().sort_index()
    pos = int(series.index.searchsorted(pd.Timestamp(run.start)))
    if pos == 0:
        return None
    return float(series.loc[pd.Timestamp(run.end)] / series.iloc[pos - 1] - 1.0)


def _performance(streak: Streak, adj: dict[str, pd.Series]) -> float | None:
    if streak.kind in ("up", "down"):
        return streak.run_return
    if streak.kind.startswith("record") and streak.ticker:
        return run_change(adj[streak.ticker], streak)
    return None


def _performance_text(streak: Streak, adj: dict[str, pd.Series]) -> str | None:
    if not streak.length:
        return None
    if streak.kind == "beat":
        assert streak.leader_return is not None and streak.laggard_return is not None
        return (
            f"{streak.leader} {pct(streak.leader_return)} vs {streak.laggard} "
            f"{pct(streak.laggard_return)} (spread {streak.spread_pp:+.2f} pp)"
        )
    change = _performance(streak, adj)
    return None if change is None else f"{streak.ticker} {pct(change)} over the run"


def _since_text(streak: Streak, history_start: dt.date) -> str | None:
    if not streak.length:
        return None
    prev = streak.previous_as_long
    if prev is None:
        return f"Longest in the whole history (the data begins {history_start})"
    return f"Longest since {prev.end}: {_run_text(prev)}"


def _record_text(streak: Streak) -> str:
    record = streak.record
    if record is None:
        return "None in the data"
    mine = streak.length and record.start == streak.start and record.end == streak.end
    return _run_text(record) + (" (this run)" if mine else "")


def _run_text(run: Run) -> str:
    return _span_text(run.length, run.start, run.end)


def _span_text(length: int, start: dt.date | None, end: dt.date | None) -> str:
    if length == 1:
        return f"1 session, {start}"
    return f"{length} sessions, {start} to {end}"


def _flip_note(streak: Streak, tickers: list[str]) -> str | None:
    if not streak.flipped:
        return None
    if streak.kind == "beat":
        return (
            f"{tickers[1]} beat {tickers[0]} on {streak.as_of}, "
            f"so {tickers[1]}'s run over {tickers[0]} is shown."
        )
    moved = "lower" if streak.kind == "down" else "higher"
    return f"{streak.ticker} closed {moved} on {streak.as_of}, so its {streak.kind} run is shown."


def _summary(
    streak: Streak,
    tickers: list[str],
    adj: dict[str, pd.Series],
    history_start: dt.date,
) -> str:
    parts: list[str] = []
    note = _flip_note(streak, tickers)
    if note:
        parts.append(note)
    if streak.length:
        parts.append(f"{_span_text(streak.length, streak.start, streak.end)}.")
        perf = _performance_text(streak, adj)
        if perf:
            parts.append(f"{perf}.")
        parts.append(f"{_since_text(streak, history_start)}.")
    elif streak.kind == "beat":
        parts.append(f"Neither beat the other on {streak.as_of}: no run is under way.")
    record = streak.record
    if record is not None:
        parts.append(f"Record: {_record_text(streak)}.")
    parts.append(f"Measured on {_BASIS[streak.kind]}s since {history_start}.")
    return " ".join(parts)


def _fields(streak: Streak, adj: dict[str, pd.Series], history_start: dt.date) -> tuple[Field, ...]:
    fields = [Field("Run", f"{streak.length} session{'s' if streak.length != 1 else ''}")]
    if streak.length:
        span = str(streak.start) if streak.length == 1 else f"{streak.start} to {streak.end}"
        fields.append(Field("Sessions", span))
    perf = _performance_text(streak, adj)
    if perf:
        fields.append(Field("Performance", perf, inline=False))
    if streak.length:
        prev = streak.previous_as_long
        since = (
            f"{prev.end} ({_run_text(prev)})"
            if prev
            else f"never as long: the longest in the data (from {history_start})"
        )
        fields.append(Field("Longest since", since, inline=False))
    if streak.kind.startswith("record") and not streak.length:
        fields.append(Field("Last record", str(streak.last_record or "never")))
    fields.append(Field("Record run", _record_text(streak), inline=False))
    return tuple(fields)


def _tone(streak: Streak, tickers: list[str]) -> int:
    if not streak.length:
        return 0
    if streak.kind == "beat":
        return 1 if streak.leader == tickers[0] else -1
    return -1 if streak.kind == "down" else 1


def _payload(
    streak: Streak, asked: str, adj: dict[str, pd.Series], history_start: dt.date
) -> dict[str, Any]:
    """The --json object (plain JSON values: dates as YYYY-MM-DD, returns as fractions)."""
    data: dict[str, Any] = {"kind": streak.kind, "asked_kind": asked, "flipped": streak.flipped}
    if streak.kind == "beat":
        data |= {"leader": streak.leader, "laggard": streak.laggard}
    else:
        data["ticker"] = streak.ticker
    data |= {"length": streak.length, "start": streak.start, "end": streak.end}
    if streak.kind == "beat":
        data |= {
            "leader_return": streak.leader_return,
            "laggard_return": streak.laggard_return,
            "spread_pp": streak.spread_pp,
        }
    else:
        data["run_return"] = _performance(streak, adj)
    if streak.kind.startswith("record"):
        data["last_record"] = streak.last_record
    data |= {
        "previous_as_long": streak.previous_as_long.to_dict() if streak.previous_as_long else None,
        "record": streak.record.to_dict() if streak.record else None,
        "history_start": history_start,
        "prices": _BASIS[streak.kind],
    }
    return jsonable(data)
