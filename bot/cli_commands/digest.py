"""`marketbot digest`: the daily market post in the terminal (the same digest /digest posts)."""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import replace

from analytics.commands.common import parse_date
from analytics.subscriptions.digest import (
    SECTIONS_HELP,
    DigestContext,
    compose_digest,
    parse_sections,
)
from bot.terminal import TerminalProgress


def register(add) -> None:
    parser = add(
        "digest",
        "The daily market post: IWM vs SPY streak, returns, movers, contributors, GDPNow.",
        _digest,
    )
    parser.add_argument(
        "--sections",
        nargs="+",
        metavar="SECTION",
        help="which parts (default all): streak returns movers contributors macro; "
        "spaces or commas between them",
    )
    parser.add_argument(
        "--as-of",
        help="the trading day, YYYY-MM-DD (default: the last completed session; "
        "a weekend or holiday means the session before it)",
    )
    parser.epilog = SECTIONS_HELP


def _digest(args: argparse.Namespace, ctx) -> None:
    names = parse_sections(args.sections)  # a typo fails before the cache is opened
    day = parse_date(args.as_of, name="--as-of")
    services = ctx.services()
    market = services.market
    offline = ctx.settings.offline

    async def run():
        with TerminalProgress("Fetching prices", enabled=not ctx.json) as progress:
            context = DigestContext(
                market,
                fred_api_key=ctx.settings.fred_api_key,
                chart=ctx.chart_dir is not None,
                progress=progress,
            )
            if offline:  # no downloads: holdings and FRED from the cache
                return await compose_digest(context, names, day=day)
            # The facade's downloads (holdings) go through this session from worker threads.
            async with services.http_session() as session:
                return await compose_digest(replace(context, session=session), names, day=day)

    digest = asyncio.run(run())
    if ctx.json:
        from bot.terminal import print_json

        print_json(digest.to_json())
        return
    from rich.console import Console

    console = Console()
    console.print(f"[bold]{digest.headline}[/bold]")
    for notice in digest.notices:
        console.print(f"[yellow]! {notice}[/yellow]")
    for _, answer in digest.answers:
        ctx.emit(answer)
