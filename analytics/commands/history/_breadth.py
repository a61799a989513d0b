"""The breadth event: a universe's share of names above their 50-day average at or above (or at
or below) X%, on the /breadth analytics, and what the prices `on` did next.

The universe is the one /breadth would use for the as-of session (a fund's holdings nearest
it, or a named list): its current names, read over their whole cached history (fetching what
is missing) in chunks, so 2,000 names x 25 years never sit in memory as rows. Coverage follows
analytics.coverage: sessions count from the first from which at least half of the universe
(a fund: of its weight) is measured on every later session; below 98% on a session the share
is partial, and the answer says on how many.
"""

from __future__ import annotations

import pandas as pd

from analytics import calendar
from analytics.answer import Answer
from analytics.commands.constituents.anchor import rows_source
from analytics.commands.history._answer import run_study
from analytics.commands.history._parse import BreadthEvent
from analytics.commands.history._present import PRICE_BASIS_NOTE, Event
from analytics.commands.history._prices import Prices, load_prices
from analytics.coverage import COMPLETE, REFUSE, InsufficientCoverage
from analytics.data.market import MarketData
from analytics.errors import NoData
from analytics.history.breadth import BreadthHistory, breadth_history
from analytics.history.episodes import condition_episodes
from analytics.spec import Progress, phased
from analytics.universes import Universe

AVERAGE = 50
CHUNK = 50
"""Names per price read: a chunk's rows are turned into a wide frame before the next is read."""


def universe_closes(
    data: MarketData, universe: Universe, as_of, progress: Progress
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The names' closes (split-adjusted) over their whole history through `as_of`, one column
    per name with any, on the sessions any of them traded; and the data layer's warnings."""
    names = list(universe.tickers)
    chunks = [names[i : i + CHUNK] for i in range(0, len(names), CHUNK)]
    progress.phase(f"Reading {len(names):,} {universe.name} names' prices")
    frames: list[pd.DataFrame] = []
    warnings: list[str] = []
    for done, chunk in enumerate(chunks, start=1):
        result = data.bars(chunk, None, as_of, columns=["close"])
        frames.append(result.wide("close").dropna(axis=1, how="all"))
        warnings += result.warnings
        progress(done, len(chunks))
    closes = pd.concat(frames, axis=1).sort_index() if frames else pd.DataFrame()
    if not closes.empty:
        closes = closes.loc[closes.notna().any(axis=1).to_numpy()]
    return closes, tuple(dict.fromkeys(warnings))


def breadth_answer(data: MarketData, request: BreadthEvent, progress: Progress) -> Answer:
    """Episodes of "the share above the 50-day average is at or above (below) X"."""
    progress = phased(progress)
    prices = load_prices(data, list(request.on), request.as_of, progress)
    expected = calendar.expected_session(request.as_of, data.now())
    universe = data.universe(request.universe, expected, progress=progress)
    closes, warnings = universe_closes(data, universe, request.as_of, progress)
    if closes.shape[1] == 0:
        raise NoData(
            f"No prices for any of the {len(universe.tickers):,} {universe.name} names"
            + (f": {warnings[0]}" if warnings else "; import them or go online.")
        )
    weights = pd.Series(universe.weights or {t: 1.0 for t in universe.tickers})
    found = breadth_history(
        closes, request.threshold, request.direction, weights=weights.reindex(universe.tickers)
    )
    if found.start is None:
        raise InsufficientCoverage(_too_little(universe, found))
    end = closes.index[-1]
    # The study ends where the condition does: forward returns past it would not be "next".
    prices = Prices(
        {t: f.loc[:end] for t, f in prices.frames.items()}, prices.result, prices.source
    )
    event = _event(request, universe, found, closes)
    return run_study(
        data,
        prices,
        condition_episodes(found.condition),
        request.on,
        found.start,
        request.as_of,
        event,
        extra_source=rows_source(data, list(closes.columns), closes.index[0].date(), end.date()),
        extra_warnings=warnings,
    )


def _weighted(universe: Universe) -> bool:
    return universe.weights is not None


def _too_little(universe: Universe, found: BreadthHistory) -> str:
    best = float(found.coverage.max()) if len(found.coverage) else 0.0
    whole = "of its weight" if _weighted(universe) else "of its names"
    return (
        f"No session of {universe.name}'s history has at least {REFUSE:.0%} {whole} measured "
        f"with {AVERAGE} closes in a row to the end (at most {best:.1%}): import or fetch the "
        "names' prices (`marketbot import prices FILE`), or pick another universe."
    )


def _event(
    request: BreadthEvent, universe: Universe, found: BreadthHistory, closes: pd.DataFrame
) -> Event:
    name, share = universe.name, f"{request.threshold * 100:g}%"
    above = request.direction == "above"
    subject = f"{share}+" if above else f"{share} or fewer"
    studied = found.studied
    latest = float(studied.iloc[-1])
    partial_sessions = int((studied.round(12) < COMPLETE).sum())
    text = f"{subject} of {name}'s names above their {AVERAGE}-day average"
    if latest < COMPLETE - 1e-12:
        text += " (partial)"
    whole = "weight" if _weighted(universe) else "names"
    notes = ()
    if partial_sessions:
        notes = (
            f"Coverage below {COMPLETE:.0%} of the universe's {whole} on {partial_sessions:,} of "
            f"{len(studied):,} sessions studied (lowest {float(studied.min()):.1%}, "
            f"{latest:.1%} on {studied.index[-1].date()}): the share is of the names measured "
            "then.",
        )
    definition = (
        f"Condition: the share of {name}'s names above their {AVERAGE}-day average (of the "
        f"names with a close on each of the {AVERAGE} sessions ending that day, those closing "
        f"strictly above their mean; closes split-adjusted, as /breadth) at or "
        f"{'above' if above else 'below'} {share}; the episode is the first session it holds, "
        f"a new one only after it stopped holding. The universe: {universe.description}; names "
        f"that left it earlier are not in the history. Sessions count from "
        f"{found.start.date() if found.start is not None else '-'}, the first from which at "
        f"least {REFUSE:.0%} of its {whole} is measured. {PRICE_BASIS_NOTE}"
    )
    last_share = found.share.iloc[-1]
    return Event(
        text=text,
        definition=definition,
        payload={
            "kind": "breadth",
            "universe": name,
            "universe_kind": universe.kind,
            "threshold": request.threshold,
            "direction": request.direction,
            "average": AVERAGE,
        },
        notes=notes,
        extra={
            "breadth": {
                "share": None if pd.isna(last_share) else float(last_share),
                "on": found.share.index[-1].date(),
                "studied_from": found.start.date() if found.start is not None else None,
                "coverage": latest,
                "lowest_coverage": float(studied.min()),
                "partial_sessions": partial_sessions,
                "names": len(universe.tickers),
                "priced": int(closes.shape[1]),
                "weighted": _weighted(universe),
                "holdings_as_of": universe.as_of,
            },
            "partial": latest < COMPLETE - 1e-12,
        },
    )
