"""The `history` answers: load the histories, build the event's condition, study it, present it."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from analytics.answer import Answer
from analytics.commands.history._parse import MacroEvent, MoveEvent, StreakEvent
from analytics.commands.history._present import PRICE_BASIS_NOTE, Event, study_answer
from analytics.commands.history._prices import Prices, complete_through, load_prices
from analytics.data.market import MarketData
from analytics.errors import NoData
from analytics.history.conditions import (
    beat_mask,
    direction_mask,
    move_condition,
    record_mask,
    trailing_returns,
)
from analytics.history.episodes import Episode, condition_episodes, streak_episodes
from analytics.history.study import event_study
from analytics.spec import Progress

_STREAK_TEXT = {
    "beat": "{a} beat {b} {n}+ sessions in a row",
    "up": "{a} closed higher {n}+ sessions in a row",
    "down": "{a} closed lower {n}+ sessions in a row",
    "record-high": "{a} set record highs {n}+ sessions in a row",
    "record-close": "{a} set record closes {n}+ sessions in a row",
}
_TO_DATE = {"ytd": "the year to date", "qtd": "the quarter to date", "mtd": "the month to date"}
_STREAK_RULE = {
    "beat": "{a}'s daily return (adjusted close) strictly above {b}'s, on the sessions both trade",
    "up": "{a}'s adjusted close strictly above the previous session's",
    "down": "{a}'s adjusted close strictly below the previous session's",
    "record-high": "{a}'s intraday high (split-adjusted, not dividend-adjusted) strictly above "
    "every earlier one",
    "record-close": "{a}'s close (split-adjusted, not dividend-adjusted) strictly above every "
    "earlier one",
}


def run_study(
    data: MarketData,
    prices: Prices,
    episodes: tuple[Episode, ...],
    on: tuple[str, ...],
    since: pd.Timestamp,
    asked: dt.date | None,
    event: Event,
    *,
    extra_source: str = "",
    extra_warnings: tuple[str, ...] = (),
) -> Answer:
    """Study `episodes` on the closes of `on` from `since`, dated by every history read, as
    the Answer (`extra_source`/`extra_warnings`: those of what the condition read besides)."""
    closes = prices.closes(on, since)
    end = closes.index[-1].date()
    study = event_study(episodes, closes, complete_through=complete_through(end))
    dating = prices.dating(data, end, asked)
    source = "; ".join(s for s in (extra_source, prices.source) if s)
    return study_answer(
        event,
        study,
        dating=dating,
        source=source,
        prices_source=prices.source,
        warnings=tuple(dict.fromkeys([*prices.result.warnings, *extra_warnings])),
    )


def streak_answer(data: MarketData, request: StreakEvent, progress: Progress) -> Answer:
    """Episodes of "A beat B (or rose, fell, set records) at least N sessions in a row"; the
    episode is the N-th session of a run."""
    a, b, n = request.a, request.b, request.n
    prices = load_prices(data, [a, *([b] if b else []), *request.on], request.as_of, progress)
    if request.kind == "beat":
        assert b is not None
        mask = beat_mask(prices.adjusted(a), prices.adjusted(b))
    elif request.kind in ("up", "down"):
        mask = direction_mask(prices.adjusted(a), request.kind)
    else:
        column = "high" if request.kind == "record-high" else "close"
        values = prices.raw(a, column)
        if values.dropna().empty:
            raise NoData(
                f"{a} has no intraday highs in the cache (a close-only source); "
                "ask for kind record-close instead."
            )
        mask = record_mask(values, request.kind)
    if len(mask) < 2:
        raise NoData(f"{a}{' and ' + b if b else ''} have too few sessions for a streak.")
    words = {"a": a, "b": b, "n": n}
    event = Event(
        text=_STREAK_TEXT[request.kind].format(**words),
        definition=(
            f"Condition: {_STREAK_RULE[request.kind].format(**words)}, on at least {n} sessions "
            f"in a row; the episode is the {_ordinal(n)} session of the run, a new one only "
            f"after the run ended. {PRICE_BASIS_NOTE}"
        ),
        payload={"kind": "streak", "streak": request.kind, "a": a, "b": b, "n": n},
    )
    episodes = streak_episodes(mask, n)
    return run_study(data, prices, episodes, request.on, mask.index[0], request.as_of, event)


def move_answer(data: MarketData, request: MoveEvent, progress: Progress) -> Answer:
    """Episodes of "the ticker moved at least X% (or fell at least X%) over the window"."""
    ticker, window = request.ticker, request.window
    prices = load_prices(data, [ticker, *request.on], request.as_of, progress)
    moves = trailing_returns(prices.adjusted(ticker), window)
    defined = moves.dropna()
    if defined.empty:
        raise NoData(
            f"{ticker}'s history ({len(moves)} sessions) is shorter than the window {window.text}."
        )
    condition = move_condition(moves.loc[defined.index[0] :], request.threshold)
    size = f"{abs(request.threshold) * 100:g}%"
    span = _TO_DATE.get(window.kind, window.label)
    verb = "rose" if request.threshold > 0 else "fell"
    event = Event(
        text=f"{ticker} {verb} {size}+ over {span}",
        definition=(
            f"Condition: {ticker}'s return over {span} to the session (adjusted closes, "
            f"the window as in compare) {'at least' if request.threshold > 0 else 'at most'} "
            f"{request.threshold:+.1%}; the episode is the first session it holds, a new one "
            f"only after it stopped holding. {PRICE_BASIS_NOTE}"
        ),
        payload={
            "kind": "move",
            "ticker": ticker,
            "threshold": request.threshold,
            "window": window.text,
        },
    )
    episodes = condition_episodes(condition)
    return run_study(data, prices, episodes, request.on, defined.index[0], request.as_of, event)


def macro_answer(data: MarketData, request: MacroEvent, progress: Progress) -> Answer:
    """Episodes of "the series' reading is at or above (below) X", counted from the first
    session after each reading was published."""
    from analytics.commands.history._macro import macro_study_inputs

    prices = load_prices(data, list(request.on), request.as_of, progress)
    inputs = macro_study_inputs(data, request, prices, progress)
    return run_study(
        data,
        prices,
        inputs.episodes,
        request.on,
        inputs.since,
        request.as_of,
        inputs.event,
        extra_source=inputs.source,
    )


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
