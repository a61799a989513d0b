"""Bringing the universes breadth alerts read up to date: a fund's holdings, then its names.

One small function on purpose, beside analytics/alerts/fred.py: the nightly refresh calls it
before it fetches prices, so the evening's evaluation (which never fetches) finds the holdings
/breadth would choose and every name's closes in the cache.
"""

from __future__ import annotations

from collections.abc import Iterable

from analytics import calendar
from analytics.data.market import MarketData
from analytics.errors import MarketbotError


def refresh_universes(
    data: MarketData, names: Iterable[str]
) -> tuple[list[tuple[str, ...]], dict[str, str]]:
    """Each universe's tickers ([names of the first, ...]) and {universe: why not} for those that
    could not be had.

    A fund's holdings are chosen as the alerts' /breadth window chooses them for the latest
    session (analytics.alerts.kinds.breadth.ALERT_WINDOW) by the one holdings policy: a current
    file is downloaded when it would be nearer that window's start than every stored one (at
    most once a New York day; online with an HTTP bridge only). A named list is read from the
    lists folder beside the cache. Blocking.
    """
    from analytics.alerts.kinds.breadth import ALERT_WINDOW
    from analytics.commands.constituents.anchor import calendar_start
    from analytics.data.paths import lists_dir
    from analytics.universes import universe_spec
    from analytics.windows import parse_window

    start = calendar_start(parse_window(ALERT_WINDOW), calendar.expected_session(None, data.now()))
    found: list[tuple[str, ...]] = []
    problems: dict[str, str] = {}
    for name in dict.fromkeys(names):
        try:
            spec = universe_spec(name, folder=lists_dir(data.cache.path))
            found.append(tuple(data.universe(spec, start).tickers))
        except MarketbotError as exc:
            problems[name] = exc.message
    return found, problems
