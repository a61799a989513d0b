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
    from analytics.commands.movers import movers_request
    from analytics.universes import lists_dir, universe_spec

    services = ctx.services()
    market = services.market
    request = movers_request(
        args.window, args.direction, args.top, args.min_move, args.as_of, today=market.today()
    )
    spec = universe_spec(
        args.universe, args.tickers, args.tickers_file, folder=lists_dir(services.settings.db_path)
    )
    ctx.emit(asyncio.run(_answer(ctx, market, spec, request)))


async def _answer(ctx, market, spec, request):
    """Holdings (for a fund) and prices by the one movers path; downloads only when online."""
    import aiohttp
    from rich.console import Console

    from analytics.commands.movers import movers_command
    from bot.terminal import TerminalProgress

    name = spec.fund.symbol if spec.fund else spec.universe.name

    def downloading() -> None:
        if not ctx.json:
            Console(stderr=True).print(f"[dim]Downloading {name} holdings from iShares…[/dim]")

    options = {"on_download": downloading, "chart": ctx.chart_dir is not None}
    with TerminalProgress(f"Fetching prices for {name}", enabled=not ctx.json) as progress:
        if market.offline or spec.fund is None:
            return await movers_command(market, None, spec, request, progress=progress, **options)
        async with aiohttp.ClientSession() as session:
            return await movers_command(
                market, session, spec, request, progress=progress, **options
            )
