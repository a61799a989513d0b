"""`movers`: the biggest gainers and losers of a universe over a window, with a chart.

The window ends on the as-of session (analytics.commands.anchor): the one asked for, or the
data's last when the data ends earlier, said in the title. A fund's constituents come from the
holdings snapshot nearest the window's start, by the same rule and refresh policy contributors
use (analytics.holdings.choice). Every answer states its coverage (analytics.coverage): below
98% of a fund's weight (of a list's names) it says "partial", below 50% it refuses.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from analytics.answer import Answer
from analytics.commands import movers_text as text
from analytics.commands.anchor import (
    asked_session,
    calendar_start,
    expected_end,
    load_anchored,
    missing_prices_remedy,
    rows_source,
)
from analytics.commands.common import check_as_of, parse_date
from analytics.commands.provenance import price_dating
from analytics.coverage import coverage_of, require_coverage
from analytics.data.market import MarketData, Progress
from analytics.errors import NoData
from analytics.holdings.choice import choose_snapshot
from analytics.holdings.download import ISHARES_BASE_URL
from analytics.movers import (
    MinMove,
    check_top,
    effective_direction,
    median_return,
    parse_direction,
    parse_min_move,
    rank_side,
    universe_returns,
)
from analytics.universes import Universe, UniverseSpec, resolve_universe
from analytics.windows import Window, earliest_needed, parse_window

if TYPE_CHECKING:
    import aiohttp


@dataclass(frozen=True)
class MoversRequest:
    """Validated options of one movers question (direction already narrowed by min_move's sign)."""

    window: Window
    direction: str
    top: int
    min_move: MinMove | None
    as_of: dt.date | None


def movers_request(
    window: str = "1d",
    direction: str | None = "both",
    top: int | str | None = 10,
    min_move: str | None = None,
    as_of: str | dt.date | None = None,
    *,
    today: dt.date,
) -> MoversRequest:
    """Check every cheap option (no data read); raises BadInput with what to type instead."""
    parsed_window = parse_window(window or "1d")
    threshold = parse_min_move(min_move)
    side = effective_direction(parse_direction(direction), threshold)
    day = as_of if isinstance(as_of, dt.date) else parse_date(as_of, name="as_of")
    check_as_of(day, today)
    return MoversRequest(parsed_window, side, check_top(top), threshold, day)


async def movers_command(
    market: MarketData,
    session: aiohttp.ClientSession | None,
    spec: UniverseSpec,
    request: MoversRequest,
    *,
    progress: Progress | None = None,
    on_download: Callable[[], None] | None = None,
    base_url: str = ISHARES_BASE_URL,
    chart: bool = True,
) -> Answer:
    """The `/movers` answer for a validated universe spec: the one path of the slash command,
    the CLI and the digest.

    A fund's snapshot is chosen for the window's start on the NYSE calendar, before any price
    is read; when the data ends early and its own start session picks another snapshot, the
    answer is made again from that one (so movers and contributors agree for the same dates).
    Downloads (holdings, through `session`) happen on the loop; the rest in a worker thread.
    """
    if spec.universe is not None:
        return await asyncio.to_thread(
            movers_answer, market, spec.universe, request, progress=progress, chart=chart
        )
    start = calendar_start(
        request.window, expected_end(request.window, request.as_of, market.now())
    )
    options: dict[str, Any] = {"base_url": base_url, "on_download": on_download}
    universe = await resolve_universe(spec, market, session, start=start, **options)
    answer = await asyncio.to_thread(
        movers_answer, market, universe, request, progress=progress, chart=chart
    )
    actual = dt.date.fromisoformat(str(answer.data["start"]))
    snapshot = universe.snapshot
    if actual != start and snapshot is not None:
        better = choose_snapshot(snapshot.dates, actual)
        if better is not None and better[0] != snapshot.as_of:
            universe = await resolve_universe(spec, market, session, start=actual, **options)
            answer = await asyncio.to_thread(
                movers_answer, market, universe, request, progress=progress, chart=chart
            )
    return answer


def movers_answer(
    market: MarketData,
    universe: Universe,
    request: MoversRequest,
    *,
    progress: Progress | None = None,
    chart: bool = True,
) -> Answer:
    """Rank `universe`'s names by their return over the window (adjusted closes, cache first).

    Prices for the whole universe come from one `MarketData.bars` call (one cache query; a
    second from further back when the data ends before the session asked); only what the
    cache lacks is fetched. Names without prices or with too little history in the window
    are counted, not ranked. Raises NoData when no name has prices or the window reaches back
    before the data, InsufficientCoverage when fewer than half (of a fund's weight) are ranked.
    Blocking.
    """
    window = request.window
    expected = expected_end(window, request.as_of, market.now())
    result = load_anchored(market, universe.tickers, window, expected, progress=progress)
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
    noun, adj = text.universe_words(universe)
    coverage = coverage_of(list(table.index), universe.tickers, universe.weights)
    require_coverage(
        coverage,
        universe.name if universe.kind == "fund" else adj,
        f"from {start} to {last}",
        missing_prices_remedy(market, result),
    )
    sides = [
        rank_side(table, side, request.top, request.min_move)
        for side in (("gainers", "losers") if request.direction == "both" else (request.direction,))
    ]
    median = median_return(table)
    no_prices = [t for t in universe.tickers if t not in closes.columns]
    short = sorted(returns.excluded)
    period = text.period_text(window, last)
    headline = text.headline(universe, sides, request.min_move, period)
    dating = price_dating(market, result, last, asked_session(window, request.as_of))
    source = rows_source(market, list(table.index), start, last)
    snapshot = universe.snapshot.at(start) if universe.snapshot is not None else None
    png = None
    if chart:
        png = text.movers_png(
            sides, headline, universe, window, start, last, median, coverage, request, source
        )
    data: dict[str, Any] = {
        "window": window.text,
        "start": start,
        "end": last,
        "universe": universe.name,
        "universe_kind": universe.kind,
        "holdings_as_of": universe.as_of,
        "weights_at": snapshot.start if snapshot else None,
        "holdings_distance_days": snapshot.distance_days if snapshot else None,
        "universe_size": len(universe.tickers),
        "priced": int(closes.shape[1]),
        "ranked": len(table),
        "coverage": coverage.to_json(),
        "partial": coverage.partial,
        "behind": dating.to_json(),
        "median": median,
        "direction": request.direction,
        "top": request.top,
        "min_move": request.min_move.fraction if request.min_move else None,
        # ticker -> why (e.g. "no prices after 2026-08-20"); names never priced at all
        "left_out": {
            "short_history": dict(sorted(returns.excluded.items())),
            "no_prices": no_prices,
        },
    }
    for side in sides:
        data[side.side] = text.side_rows(side.ranked)
    if request.min_move is not None:
        data["meeting"] = {side.side: side.count for side in sides}
        data["closest"] = {
            side.side: text.side_rows(side.closest) for side in sides if side.count == 0
        }
    summary = text.summary_text(
        universe, len(table), median, period, start, last, short, no_prices, sides, request.min_move
    )
    summary += " " + coverage.sentence(adj)
    if snapshot is not None:
        summary += " " + snapshot.sentence()
    warnings = dating.warnings(
        [
            *(snapshot.warnings() if snapshot else ()),
            *result.warnings,
            *text.universe_warnings(universe, result),
        ]
    )
    return Answer(
        title=dating.title(headline + coverage.title_suffix()),
        summary=summary,
        fields=text.answer_fields(
            universe, window, start, last, coverage, median, sides, request.min_move
        ),
        tables=tuple(
            text.side_table(side, request.min_move, returns.start, returns.end) for side in sides
        ),
        chart_png=png,
        source=source,
        as_of=last,
        warnings=warnings,
        tone=text.tone(request.direction, median),
        data=data,
    )
