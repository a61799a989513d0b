"""`marketbot streak` and `marketbot compare`."""

from __future__ import annotations

import argparse

from analytics.commands.common import parse_date
from analytics.commands.compare import DEFAULT_WINDOW, compare_answer, compare_inputs
from analytics.commands.streak import (
    SINGLE_TICKER_KINDS,
    default_kind,
    streak_answer,
    streak_tickers,
)
from analytics.errors import BadInput
from analytics.streaks import STREAK_KINDS, parse_streak_kind
from analytics.windows import WINDOW_HELP
from bot.terminal import TerminalProgress


def register(add) -> None:
    streak = add(
        "streak",
        "How many sessions in a row A has beaten B (or risen, fallen, set records), since when.",
        _streak,
    )
    streak.add_argument("a", help="ticker, e.g. IWM")
    streak.add_argument("b", nargs="?", help="second ticker for kind beat, e.g. SPY")
    streak.add_argument(
        "--kind",
        help=f"one of {', '.join(STREAK_KINDS)} (default: beat with two tickers, up with one)",
    )
    streak.add_argument(
        "--as-of", help="the streak as of this past date, YYYY-MM-DD (default: latest)"
    )

    compare = add("compare", "Total returns of 2-10 tickers over a window, best first.", _compare)
    compare.add_argument("tickers", nargs="+", help="2-10 symbols, e.g. IWM SPY QQQ")
    compare.add_argument(
        "--window", default=DEFAULT_WINDOW, help=f"default {DEFAULT_WINDOW}. {WINDOW_HELP}"
    )
    compare.add_argument(
        "--as-of", help="the window ends on this past date, YYYY-MM-DD (default: latest)"
    )


def _streak(args: argparse.Namespace, ctx) -> None:
    kind = parse_streak_kind(args.kind) if args.kind else default_kind(args.b)
    if args.b and kind in SINGLE_TICKER_KINDS:
        raise BadInput(f"Kind {kind} looks at one ticker: drop {args.b}, or use --kind beat.")
    streak_tickers(args.a, args.b, kind)  # bad symbols fail before the cache is opened
    as_of = parse_date(args.as_of, name="--as-of")
    market = ctx.services().market
    with TerminalProgress("Fetching price history", enabled=not ctx.json) as progress:
        answer = streak_answer(
            market, args.a, args.b, kind, as_of, chart=ctx.chart_dir is not None, progress=progress
        )
    ctx.emit(answer)


def _compare(args: argparse.Namespace, ctx) -> None:
    compare_inputs(args.tickers, args.window)  # bad symbols or window fail before the cache opens
    as_of = parse_date(args.as_of, name="--as-of")
    market = ctx.services().market
    with TerminalProgress("Fetching prices", enabled=not ctx.json) as progress:
        answer = compare_answer(
            market,
            args.tickers,
            args.window,
            as_of,
            chart=ctx.chart_dir is not None,
            progress=progress,
        )
    ctx.emit(answer)
