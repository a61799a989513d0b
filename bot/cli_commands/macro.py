"""`marketbot macro SERIES`: a FRED series' latest reading with history as context."""

from __future__ import annotations

import argparse
import asyncio

from analytics.commands.common import parse_date
from analytics.commands.macro import check_value, macro_answer, parse_direction, parse_exclusions
from analytics.macro.series import SERIES_HELP, lookup


def register(add) -> None:
    parser = add(
        "macro",
        "A FRED series' latest value, its changes and when it was last this high or low.",
        _macro,
    )
    parser.add_argument(
        "series", help="a name (gdpnow, gdp, unemployment, cpi, 10y...) or any FRED id"
    )
    parser.add_argument(
        "--value",
        type=float,
        help="ask the context question for this value instead of the latest reading (e.g. 5.3)",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        metavar="START:END",
        help="leave this date range out of the history (repeatable; 2020Q2:2021Q4, "
        "2020-04-01:2021-12-31), or 'none' to keep everything (GDP leaves out 2020-21 by default)",
    )
    parser.add_argument(
        "--direction",
        metavar="high|low",
        help="ask when it was last this high or this low (default: follow the latest move, "
        "against the previous reading and a year earlier)",
    )
    parser.add_argument(
        "--as-of", help="use observations up to this date, YYYY-MM-DD (default: latest)"
    )
    parser.epilog = SERIES_HELP


def _macro(args: argparse.Namespace, ctx) -> None:
    # Cheap checks first, so a typo never waits on the network.
    lookup(args.series)
    as_of = parse_date(args.as_of, name="--as-of")
    exclude = parse_exclusions(args.exclude)
    value = check_value(args.value)
    direction = parse_direction(args.direction)
    services = ctx.services(network=False)  # the price provider is not needed here
    offline = ctx.settings.offline

    async def run():
        import aiohttp

        from analytics.macro.fred import FredClient

        kwargs = dict(
            cache=services.cache,
            now=services.market.now,
            value=value,
            exclude=exclude,
            as_of=as_of,
            direction=direction,
            chart=ctx.chart_dir is not None,
        )
        if offline:
            return await macro_answer(args.series, client=None, **kwargs)
        async with aiohttp.ClientSession() as session:
            client = FredClient(session, api_key=ctx.settings.fred_api_key)
            return await macro_answer(args.series, client=client, **kwargs)

    ctx.emit(asyncio.run(run()))
