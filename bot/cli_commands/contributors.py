"""`marketbot contributors [FUND] [--window W] [--top N] [--as-of D]`."""

from __future__ import annotations

import argparse
import asyncio

from analytics.commands.common import parse_date
from analytics.commands.contributors import (
    DEFAULT_FUND,
    DEFAULT_TOP,
    DEFAULT_WINDOW,
    MAX_TOP,
    ContributorsRequest,
    contributors_answer,
    contributors_request,
)
from analytics.holdings import known_funds_text


def register(add) -> None:
    parser = add(
        "contributors",
        "Which constituents made a fund's return over a window: top and bottom contributors "
        "(bp), the fund's return vs the sum, concentration and breadth.",
        _contributors,
    )
    parser.add_argument(
        "fund",
        nargs="?",
        default=DEFAULT_FUND,
        help=f"{known_funds_text()} (default {DEFAULT_FUND})",
    )
    parser.add_argument(
        "--window",
        default=DEFAULT_WINDOW,
        help=f"e.g. ytd, 3m, 20d, 2024-01-02:2024-03-28 (default {DEFAULT_WINDOW})",
    )
    parser.add_argument(
        "--top",
        type=int,
        default=DEFAULT_TOP,
        help=f"how many contributors and detractors, 1-{MAX_TOP} (default {DEFAULT_TOP})",
    )
    parser.add_argument(
        "--as-of", help="end the window on this past date, YYYY-MM-DD (default: the latest session)"
    )


def _contributors(args: argparse.Namespace, ctx) -> None:
    market = ctx.services().market
    request = contributors_request(
        args.fund,
        args.window,
        args.top,
        parse_date(args.as_of, name="--as-of"),
        today=market.today(),
    )
    ctx.emit(asyncio.run(_answer(ctx, market, request)))


async def _answer(ctx, market, request: ContributorsRequest):
    import aiohttp
    from rich.console import Console

    from bot.terminal import TerminalProgress

    symbol = request.fund.symbol

    def downloading() -> None:
        if not ctx.json:
            Console(stderr=True).print(f"[dim]Downloading {symbol} holdings from iShares…[/dim]")

    with TerminalProgress(f"Pricing {symbol} constituents", enabled=not ctx.json) as progress:
        if market.offline:
            return await contributors_answer(
                market, None, request, progress=progress, chart=ctx.chart_dir is not None
            )
        async with aiohttp.ClientSession() as session:
            return await contributors_answer(
                market,
                session,
                request,
                progress=progress,
                on_download=downloading,
                chart=ctx.chart_dir is not None,
            )
