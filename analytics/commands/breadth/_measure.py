"""Breadth of one universe over a window, read through the data facade (analytics.market_breadth
does the arithmetic).

Which prices: up/down, the equal-weight return and the fund's own return are total returns on
adjusted closes (as /movers and /contributors measure them); the moving averages, the 52-week
highs and lows and the advance/decline line are on closes (split-adjusted, not
dividend-adjusted), as index providers and writers count them. The window's sessions B..E are
the universe's own (the sessions on which any of its names traded), ending on the as-of session.

History: an average of N sessions needs N closes up to the day it is taken, the chart's 50-day
share needs them from B on, a 52-week high the year before E: the read starts early enough for
all three (`history_start`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import pandas as pd

from analytics.commands.breadth._parse import BreadthRequest
from analytics.commands.constituents.anchor import (
    asked_session,
    calendar_start,
    expected_end,
    load_anchored,
    missing_prices_remedy,
    rows_source,
)
from analytics.commands.constituents.universe import rechosen
from analytics.commands.provenance import Dating, price_dating
from analytics.coverage import Coverage, coverage_of, require_coverage
from analytics.data.market import MarketData, PriceResult
from analytics.errors import NoData
from analytics.holdings.choice import SnapshotChoice
from analytics.market_breadth import (
    MarketBreadth,
    equal_weight_return,
    market_breadth,
    share_above_average_series,
    up_down,
)
from analytics.spec import Labelled, Progress
from analytics.universes import Universe, UniverseSpec
from analytics.windows import Window, earliest_needed, window_bounds

YEAR_BACK = dt.timedelta(days=380)
"""Before E: 52 weeks and a week of holidays; 200 sessions fit in it too."""
AVERAGE_BACK = dt.timedelta(days=80)
"""Before the window's start: 50 sessions for the chart's share above the 50-day average."""


def history_start(window: Window, end: dt.date) -> dt.date:
    """The first date to read for a window ending at session `end` (module docstring)."""
    return min(earliest_needed(window, end) - AVERAGE_BACK, end - YEAR_BACK)


@dataclass(frozen=True, eq=False)
class UniverseBreadth:
    """Breadth of one universe over the window.

    breadth:      every measure (analytics.market_breadth.MarketBreadth; up/down and the
                  equal-weight return on adjusted closes, the rest on closes).
    above_50:     the share above the 50-day average on each session of the window (chart).
    fund_return:  a fund's own return over B..E on its adjusted closes; None for a list, or
                  when the fund has no close on B or E (`fund_note` says which).
    snapshot:     for a fund, the holdings choice, described for the window's own start.
    """

    universe: Universe
    breadth: MarketBreadth
    above_50: pd.Series = field(repr=False)
    coverage: Coverage
    snapshot: SnapshotChoice | None
    fund_return: float | None
    fund_note: str
    dating: Dating
    source: str
    result: PriceResult = field(repr=False)

    @property
    def name(self) -> str:
        return self.universe.name

    @property
    def start(self) -> dt.date:
        return self.breadth.base

    @property
    def end(self) -> dt.date:
        return self.breadth.end


def measure_breadth(
    data: MarketData, spec: UniverseSpec, request: BreadthRequest, progress: Progress
) -> UniverseBreadth:
    """Breadth of the universe `spec` names: a fund's holdings are chosen for the window's start
    on the NYSE calendar and chosen again when the data's own start is nearer another snapshot.
    Raises NoData when nothing is priced or the window reaches back before the data,
    InsufficientCoverage when less than half (of a fund's weight) is priced. Blocking."""
    window = request.window
    start = calendar_start(window, expected_end(window, request.as_of, data.now()))
    universe = data.universe(spec, start, progress=progress)
    found = _measure(data, universe, request, progress)
    again = rechosen(data, spec, universe, found.start, progress=progress)
    return found if again is None else _measure(data, again, request, progress)


def _measure(
    data: MarketData, universe: Universe, request: BreadthRequest, progress: Progress
) -> UniverseBreadth:
    window = request.window
    expected = expected_end(window, request.as_of, data.now())
    pricing = Labelled(progress, f"Fetching prices for {universe.name}")
    result = load_anchored(
        data,
        universe.tickers,
        window,
        expected,
        progress=pricing,
        columns=("close", "adj_close"),
        reach=lambda end: history_start(window, end),
    )
    adjusted = result.wide("adj_close").dropna(axis=1, how="all")
    if adjusted.shape[1] == 0:
        raise NoData(_no_prices(universe, result, history_start(window, expected), expected))
    closes = result.wide("close").reindex(columns=adjusted.columns)
    traded = adjusted.index[adjusted.notna().any(axis=1).to_numpy()]
    adjusted, closes = adjusted.loc[traded], closes.loc[traded]
    try:
        base, end = window_bounds(window, traded, as_of=expected)
    except NoData as exc:
        raise NoData(f"{universe.name}: {exc.message}") from None
    measured = market_breadth(closes, base.date(), end.date())
    measured = replace(
        measured,
        names=len(universe.tickers),
        up_down=up_down(adjusted, base.date(), end.date()),
        equal_weight_return=equal_weight_return(adjusted, base.date(), end.date()),
    )
    returns = adjusted.loc[end] / adjusted.loc[base] - 1.0
    priced = [str(t) for t in returns.index[returns.notna().to_numpy()]]
    coverage = coverage_of(priced, universe.tickers, universe.weights)
    noun = universe.name if universe.kind == "fund" else "listed"
    require_coverage(
        coverage,
        noun,
        f"from {base.date()} to {end.date()}",
        missing_prices_remedy(data, result),
    )
    fund_return, fund_note = _fund_return(data, universe, base.date(), end.date())
    used = [*priced, *([universe.name] if fund_return is not None else [])]
    return UniverseBreadth(
        universe=universe,
        breadth=measured,
        above_50=share_above_average_series(closes, 50, start=base.date())["share"],
        coverage=coverage,
        snapshot=universe.snapshot.at(base.date()) if universe.snapshot is not None else None,
        fund_return=fund_return,
        fund_note=fund_note,
        dating=price_dating(
            data, result, end.date(), asked_session(window, request.as_of), since=base.date()
        ),
        source=rows_source(data, used, traded[0].date(), end.date()),
        result=result,
    )


def _fund_return(
    data: MarketData, universe: Universe, base: dt.date, end: dt.date
) -> tuple[float | None, str]:
    """A fund's adjusted close on E over B, minus 1; (None, why) when it has no close on one."""
    if universe.kind != "fund":
        return None, ""
    symbol = universe.name
    result = data.bars([symbol], base - dt.timedelta(days=10), end, columns=["adj_close"])
    frame = result.wide("adj_close")
    closes = frame[symbol].dropna() if symbol in frame.columns else pd.Series(dtype="float64")
    missing = [d for d in (base, end) if pd.Timestamp(d) not in closes.index]
    if missing:
        return None, f"{symbol} has no close on {', '.join(d.isoformat() for d in missing)}"
    return float(closes[pd.Timestamp(end)] / closes[pd.Timestamp(base)] - 1.0), ""


def _no_prices(universe: Universe, result: PriceResult, start: dt.date, end: dt.date) -> str:
    what = (
        "these tickers"
        if universe.kind == "tickers"
        else f"any of the {len(universe.tickers):,} {universe.name} names"
    )
    if result.warnings:
        return f"No prices for {what}: {result.warnings[0]}"
    if result.offline:
        return (
            f"Nothing cached for {what} from {start} to {end}, and offline mode is on: import "
            "prices (marketbot import prices FILE), go online, or pick an as_of the cache covers."
        )
    return f"No prices for {what} from {start} to {end}."
