"""The /movers answer: the biggest gainers and losers of a universe over a window.

The window ends on the as-of session (analytics.commands.constituents.anchor): the one asked
for, or the data's last when the data ends earlier, said in the title. A fund's constituents
come from the holdings snapshot nearest the window's start, by the same rule and refresh policy
contributors use (`data.universe`, analytics.holdings.choice). Every answer states its coverage
(analytics.coverage): below 98% of a fund's weight (of a list's names) it says "partial", below
50% it refuses.

`movers_report` gives the typed result (the digest reads it); `answer` renders it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analytics.answer import Answer, Chart
from analytics.commands.constituents.anchor import (
    asked_session,
    calendar_start,
    expected_end,
    load_anchored,
    missing_prices_remedy,
    rows_source,
)
from analytics.commands.constituents.universe import rechosen
from analytics.commands.movers import _text as text
from analytics.commands.movers._parse import MoversRequest
from analytics.commands.provenance import Dating, price_dating
from analytics.coverage import Coverage, coverage_of, require_coverage
from analytics.data.market import MarketData, PriceResult
from analytics.errors import NoData
from analytics.holdings.choice import SnapshotChoice
from analytics.movers import MoverSide, median_return, rank_side, universe_returns
from analytics.spec import Labelled, Progress, phased
from analytics.universes import Universe
from analytics.windows import earliest_needed


@dataclass(frozen=True, eq=False)
class MoversReport:
    """One movers answer before it is worded.

    start, end:  B and E, the window's sessions (on the universe's own calendar).
    table:       every ranked name's return (analytics.movers.universe_returns' table).
    sides:       the gainers and/or losers asked for.
    median:      the median return of the ranked names (fraction; NaN when none).
    coverage:    how much of the universe is ranked.
    snapshot:    for a fund, the holdings choice described for the data's own start.
    short:       names without enough prices in the window -> why; no_prices: never priced.
    dating:      the session the answer should stand on vs the one its data reaches.
    """

    request: MoversRequest
    universe: Universe
    start: dt.date
    end: dt.date
    table: pd.DataFrame = field(repr=False)
    sides: tuple[MoverSide, ...]
    median: float
    coverage: Coverage
    snapshot: SnapshotChoice | None
    short: dict[str, str]
    no_prices: tuple[str, ...]
    priced: int
    dating: Dating
    source: str
    result: PriceResult = field(repr=False)

    @property
    def period(self) -> str:
        return text.period_text(self.request.window, self.end)

    @property
    def headline(self) -> str:
        """'AAA +150.0% led IWM over 2 weeks; HHH -55.0% fell most' (no coverage or dating)."""
        return text.headline(self.universe, list(self.sides), self.request.min_move, self.period)

    @property
    def title(self) -> str:
        return self.dating.title(self.headline + self.coverage.title_suffix())

    def warnings(self) -> tuple[str, ...]:
        return self.dating.warnings(
            [
                *(self.snapshot.warnings() if self.snapshot else ()),
                *self.result.warnings,
                *text.universe_warnings(self.universe, self.result),
            ]
        )

    def to_json(self) -> dict[str, Any]:
        request, snapshot = self.request, self.snapshot
        data: dict[str, Any] = {
            "window": request.window.text,
            "start": self.start,
            "end": self.end,
            "universe": self.universe.name,
            "universe_kind": self.universe.kind,
            "holdings_as_of": self.universe.as_of,
            "weights_at": snapshot.start if snapshot else None,
            "holdings_distance_days": snapshot.distance_days if snapshot else None,
            "universe_size": len(self.universe.tickers),
            "priced": self.priced,
            "ranked": len(self.table),
            "coverage": self.coverage.to_json(),
            "partial": self.coverage.partial,
            "behind": self.dating.to_json(),
            "median": self.median,
            "direction": request.direction,
            "top": request.top,
            "min_move": request.min_move.fraction if request.min_move else None,
            # ticker -> why (e.g. "no prices after 2026-08-20"); names never priced at all
            "left_out": {
                "short_history": dict(sorted(self.short.items())),
                "no_prices": list(self.no_prices),
            },
        }
        for side in self.sides:
            data[side.side] = text.side_rows(side.ranked)
        if request.min_move is not None:
            data["meeting"] = {side.side: side.count for side in self.sides}
            data["closest"] = {
                side.side: text.side_rows(side.closest) for side in self.sides if side.count == 0
            }
        return data

    def answer(self, *, chart: bool = True) -> Answer:
        """The Answer: title, summary, fields, one table per side (raw returns and closes with
        their units), the chart drawn on demand, the JSON payload."""
        request, universe = self.request, self.universe
        _, adj = text.universe_words(universe)
        summary = text.summary_text(
            universe,
            len(self.table),
            self.median,
            self.period,
            self.start,
            self.end,
            sorted(self.short),
            list(self.no_prices),
            list(self.sides),
            request.min_move,
        )
        summary += " " + self.coverage.sentence(adj)
        if self.snapshot is not None:
            summary += " " + self.snapshot.sentence()
        bounds = (pd.Timestamp(self.start), pd.Timestamp(self.end))
        drawn = chart and any(not text.shown(side, request.min_move).empty for side in self.sides)
        return Answer(
            title=self.title,
            summary=summary,
            fields=text.answer_fields(
                universe,
                request.window,
                self.start,
                self.end,
                self.coverage,
                self.median,
                list(self.sides),
                request.min_move,
            ),
            tables=tuple(text.side_table(side, request.min_move, *bounds) for side in self.sides),
            chart=Chart(self.figure) if drawn else None,
            source=self.source,
            as_of=self.end,
            warnings=self.warnings(),
            tone=text.tone(request.direction, self.median),
            data=self.to_json(),
            result=self,
            behind=self.dating.lag,
        )

    def figure(self):
        """The chart as a matplotlib Figure (analytics.commands.movers._chart)."""
        from analytics.commands.movers._chart import movers_figure

        return movers_figure(self)


def answer(data: MarketData, request: MoversRequest, progress: Progress) -> Answer:
    """The /movers answer (the spec's answer function). Blocking."""
    return movers_report(data, request, progress).answer()


def movers_report(
    data: MarketData, request: MoversRequest, progress: Progress | None = None
) -> MoversReport:
    """Rank the universe's names by their return over the window. A fund's snapshot is chosen
    for the window's start on the NYSE calendar, before any price is read; when the data ends
    early and its own start session picks another snapshot, the answer is made again from that
    one (so movers and contributors agree for the same dates). Blocking."""
    progress = phased(progress)
    window = request.window
    start = calendar_start(window, expected_end(window, request.as_of, data.now()))
    universe = data.universe(request.universe, start, progress=progress)
    report = rank(data, universe, request, progress)
    again = rechosen(data, request.universe, universe, report.start, progress=progress)
    return report if again is None else rank(data, again, request, progress)


def rank(
    data: MarketData, universe: Universe, request: MoversRequest, progress: Progress
) -> MoversReport:
    """The report for a resolved universe. Prices for the whole universe come from one
    `data.bars` call (one cache query; a second from further back when the data ends before the
    session asked); only what the cache lacks is fetched. Names without prices or with too little
    history in the window are counted, not ranked. Raises NoData when no name has prices or the
    window reaches back before the data, InsufficientCoverage when fewer than half (of a fund's
    weight) are ranked. Blocking."""
    window = request.window
    expected = expected_end(window, request.as_of, data.now())
    pricing = Labelled(progress, f"Fetching prices for {universe.name}")
    result = load_anchored(data, universe.tickers, window, expected, progress=pricing)
    closes = result.wide("adj_close").dropna(axis=1, how="all")
    if closes.shape[1] == 0:
        first = earliest_needed(window, expected)
        raise NoData(text.no_prices_message(universe, result, first, expected))
    try:
        returns = universe_returns(closes, window, expected)
    except NoData as exc:
        raise NoData(text.window_message(universe, exc.message)) from None
    table = returns.table
    start, last = returns.start.date(), returns.end.date()
    _, adj = text.universe_words(universe)
    coverage = coverage_of(list(table.index), universe.tickers, universe.weights)
    require_coverage(
        coverage,
        universe.name if universe.kind == "fund" else adj,
        f"from {start} to {last}",
        missing_prices_remedy(data, result),
    )
    sides = tuple(
        rank_side(table, side, request.top, request.min_move)
        for side in (("gainers", "losers") if request.direction == "both" else (request.direction,))
    )
    return MoversReport(
        request=request,
        universe=universe,
        start=start,
        end=last,
        table=table,
        sides=sides,
        median=median_return(table),
        coverage=coverage,
        snapshot=universe.snapshot.at(start) if universe.snapshot is not None else None,
        short=dict(returns.excluded),
        no_prices=tuple(t for t in universe.tickers if t not in closes.columns),
        priced=int(closes.shape[1]),
        dating=price_dating(data, result, last, asked_session(window, request.as_of), since=start),
        source=rows_source(data, list(table.index), start, last),
        result=result,
    )
