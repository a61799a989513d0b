"""`marketbot movers`: the biggest gainers and losers of a universe over a window."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from analytics.movers import DIRECTIONS, MAX_TOP, MIN_MOVE_HELP
from analytics.windows import WINDOW_HELP


def register(add) -> None:
    parser = add(
        "movers",
        "The biggest gainers and losers of a universe (a fund's constituents, a named list or "
        "your tickers) over a window, from adjusted closes.",
        _movers,
    )
    parser.add_argument("--window", default="1d", help="the window (default 1d). " + WINDOW_HELP)
    parser.add_argument(
        "--universe",
        help="a fund whose constituents to rank (IWM, IVV, IWB, IWV, IJR, IJH; default IWM) or a "
        "named list (sp500, ndx, ...) from the lists folder beside the cache; with --tickers-file, "
        "the name of the list inside that file",
    )
    parser.add_argument("--tickers", help="your own tickers instead of a universe: AAPL,MSFT,NVDA")
    parser.add_argument(
        "--tickers-file",
        type=Path,
        metavar="PATH",
        help="a file of tickers: JSON (a list, or named lists: pick one with --universe), CSV with "
        "a ticker/symbol column, or text with one symbol per line",
    )
    parser.add_argument(
        "--direction", choices=DIRECTIONS, default="both", help="gainers, losers or both (default)"
    )
    parser.add_argument("--top", default="10", help=f"names per side, 1 to {MAX_TOP} (default 10)")
    parser.add_argument(
        "--min-move",
        metavar="PCT",
        help=MIN_MOVE_HELP.replace("%", "%%") + " Write a negative one with '=': --min-move=-50%%.",
    )
    parser.add_argument(
        "--as-of",
        metavar="DATE",
        help="end the window on this past date, YYYY-MM-DD (default: latest)",
    )


def _movers(args: argparse.Namespace, ctx) -> None:
    from analytics.commands.movers import movers_answer, movers_request
    from analytics.errors import NoData
    from analytics.universes import (
        lists_dir,
        missing_holdings_message,
        stored_fund_universe,
        universe_spec,
    )
    from bot.terminal import TerminalProgress

    services = ctx.services()
    market = services.market
    request = movers_request(
        args.window, args.direction, args.top, args.min_move, args.as_of, today=market.today()
    )
    spec = universe_spec(
        args.universe, args.tickers, args.tickers_file, folder=lists_dir(services.settings.db_path)
    )
    universe = spec.universe
    if universe is None:
        universe = stored_fund_universe(services.cache.db, spec.fund)
    if universe is None:
        if market.offline:
            raise NoData(missing_holdings_message(spec.fund))
        universe = asyncio.run(_download(services.cache, spec.fund))
    with TerminalProgress(f"Fetching prices for {universe.name}", enabled=not ctx.json) as progress:
        answer = movers_answer(
            market, universe, request, progress=progress, chart=ctx.chart_dir is not None
        )
    ctx.emit(answer)


async def _download(cache, fund):
    import aiohttp

    from analytics.universes import fetch_fund_universe

    async with aiohttp.ClientSession() as session:
        return await fetch_fund_universe(session, cache, fund)
