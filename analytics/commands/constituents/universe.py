"""The universe of a constituents command: parsed cheaply from the options, then resolved for
the window's start through the data facade (a fund's holdings snapshot nearest that start).

The start is first taken from the NYSE calendar, before any price is read; when the data ends
early its own start session may be nearer another snapshot, and the command asks again for
that one (`rechosen`), so movers, breadth and contributors agree for the same dates.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from analytics.data.market import MarketData
from analytics.holdings.choice import choose_snapshot
from analytics.spec import ParseContext, Progress
from analytics.universes import Universe, UniverseSpec, universe_spec


def parse_universe(
    values: dict[str, Any], ctx: ParseContext, name: str = "universe"
) -> UniverseSpec:
    """The universe options (`name`, tickers, tickers_file) as a spec; named lists are read
    from the lists folder beside the cache. Raises BadInput saying what to type instead."""
    tickers_file = values.get("tickers_file")
    folder = Path(ctx.lists_folder) if ctx.lists_folder is not None else None
    return universe_spec(
        values.get(name) or None,
        values.get("tickers"),
        Path(str(tickers_file)).expanduser() if tickers_file else None,
        folder=folder,
    )


def rechosen(
    data: MarketData,
    spec: UniverseSpec,
    universe: Universe,
    actual_start: dt.date,
    *,
    progress: Progress | None = None,
) -> Universe | None:
    """The universe again for `actual_start` (the start session the data gave) when a fund's
    snapshot nearer that start exists; None when the one used stays the best. Blocking."""
    snapshot = universe.snapshot
    if snapshot is None or actual_start == snapshot.start:
        return None
    better = choose_snapshot(snapshot.dates, actual_start)
    if better is None or better[0] == snapshot.as_of:
        return None
    return data.universe(spec, actual_start, progress=progress)
