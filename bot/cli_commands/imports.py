"""`marketbot import prices FILE...`: load downloaded files into the cache for offline use."""

from __future__ import annotations

import argparse
from pathlib import Path

from analytics.answer import Answer, Table
from analytics.errors import BadInput
from bot.cli import add_common_options


def register(add) -> None:
    parser = add("import", "Load downloaded files into the cache (offline use, tests).", None)
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)
    prices = kinds.add_parser("prices", help="CSV price files (Yahoo, yfinance, Alpha Vantage, close-only, long multi-ticker)",
                              description="Load CSV price files; the format is detected from the header.")
    add_common_options(prices, top_level=False)
    prices.add_argument("files", nargs="+", type=Path, metavar="FILE", help="CSV files to import")
    prices.add_argument("--ticker", help="the ticker of a single-ticker file (default: from the file name)")
    prices.set_defaults(handler=_import_prices)


def _import_prices(args: argparse.Namespace, ctx) -> None:
    from analytics.data.importers import read_price_file

    if args.ticker and len(args.files) > 1:
        raise BadInput("--ticker names the ticker of one file; import several files without it.")
    market = ctx.services(network=False).market
    report = []
    for path in args.files:
        if not path.is_file():
            raise BadInput(f"{path}: no such file.")
        for ticker, bars in read_price_file(path, ticker=args.ticker).items():
            rows = market.import_bars(ticker, bars, f"import:{path.name}")
            report.append((path.name, ticker, rows, bars.index.min().date(), bars.index.max().date()))
    answer = Answer(
        title="Import",
        summary=f"Imported {sum(r[2] for r in report):,} bars for {len({r[1] for r in report})} tickers "
        f"from {len(args.files)} file(s).",
        tables=(Table(("file", "ticker", "rows", "first", "last"),
                      tuple((f, t, f"{n:,}", a.isoformat(), b.isoformat()) for f, t, n, a, b in report[:50])),),
        data={"imported": [{"file": f, "ticker": t, "rows": n, "first": a, "last": b} for f, t, n, a, b in report]},
        advice_disclaimer=False,
    )
    ctx.emit(answer)
