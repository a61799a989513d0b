"""`marketbot cache status`, and `marketbot prices`: the former name of `price`, kept as an alias."""

from __future__ import annotations

import argparse

from analytics.answer import Answer, Field, Table


def register(add) -> None:
    _register_prices_alias(add)
    cache = add("cache", "Inspect the local cache.", _cache_status)
    cache.add_argument(
        "action", choices=["status"], help="status: tickers, date ranges, rows and file size"
    )


def _register_prices_alias(add) -> None:
    """`prices` runs the `price` spec with the same options (generated from the spec, so the
    two cannot drift)."""
    from analytics.commands.streaks import PRICE
    from bot.cli_specs import add_option, cli_values, run_spec

    def handle(args: argparse.Namespace, ctx) -> None:
        run_spec(PRICE, cli_values(PRICE, args), ctx)

    alias = add("prices", f"The same as `price`: {PRICE.description}", handle)
    alias.epilog = PRICE.epilog
    for option in PRICE.options:
        add_option(alias, option)


def _cache_status(args: argparse.Namespace, ctx) -> None:
    cache = ctx.services(network=False).cache
    status = cache.status()
    size = cache.file_size()
    rows = tuple(
        (
            s.ticker,
            s.first_date.isoformat(),
            s.last_date.isoformat(),
            f"{s.rows:,}",
            s.fetched_at.strftime("%Y-%m-%d %H:%M") if s.fetched_at else "",
            s.source or "",
        )
        for s in status
    )
    total_rows = sum(s.rows for s in status)
    answer = Answer(
        title="Cache status",
        summary=f"{len(status)} tickers, {total_rows:,} daily bars, {size / 1e6:.1f} MB in {cache.path}",
        fields=(
            Field("Tickers", str(len(status))),
            Field("Rows", f"{total_rows:,}"),
            Field("File size", f"{size:,} bytes"),
        ),
        tables=(Table(("ticker", "first", "last", "rows", "fetched (UTC)", "source"), rows),)
        if rows
        else (),
        data={
            "path": str(cache.path),
            "file_size": size,
            "tickers": [
                {
                    "ticker": s.ticker,
                    "first": s.first_date,
                    "last": s.last_date,
                    "rows": s.rows,
                    "fetched_at": s.fetched_at,
                    "source": s.source,
                }
                for s in status
            ],
        },
        advice_disclaimer=False,
    )
    ctx.emit(answer)
