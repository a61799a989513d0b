"""`marketbot import prices|fred|holdings`: load downloaded files into the cache for offline use."""

from __future__ import annotations

import argparse
from pathlib import Path

from analytics.answer import Answer, Table
from analytics.errors import BadInput
from bot.cli import add_common_options


def register(add) -> None:
    parser = add("import", "Load downloaded files into the cache (offline use, tests).", None)
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)
    prices = _add_kind(
        kinds,
        "prices",
        _import_prices,
        help="CSV price files (Yahoo, yfinance, Alpha Vantage, close-only, long multi-ticker)",
        description="Load CSV price files; the format is detected from the header.",
    )
    prices.add_argument("files", nargs="+", type=Path, metavar="FILE", help="CSV files to import")
    prices.add_argument(
        "--ticker", help="the ticker of a single-ticker file (default: from the file name)"
    )
    fred = _add_kind(
        kinds,
        "fred",
        _import_fred,
        help="FRED series saved as CSV (fredgraph 'observation_date,ID' or 'date,value' named ID.csv)",
        description="Load FRED series files for offline /macro answers; each file replaces the "
        "stored copy of its series.",
    )
    fred.add_argument(
        "files", nargs="+", type=Path, metavar="FILE", help="FRED CSV files to import"
    )
    holdings = _add_kind(
        kinds,
        "holdings",
        _import_holdings,
        help="an iShares holdings CSV (the fund page's 'Detailed Holdings and Analytics' download)",
        description="Store a fund's holdings file as its snapshot for that date, for "
        "`contributors` (offline, or when the download from iShares fails).",
    )
    holdings.add_argument("fund", metavar="FUND", help="the fund's ticker, e.g. IWM, IVV, IJR")
    holdings.add_argument("file", type=Path, metavar="FILE", help="the downloaded CSV")
    from bot.cli_commands._gdp_imports import register_kinds

    register_kinds(kinds, _add_kind)  # gdpnow, gdp-releases


def _add_kind(kinds, name: str, handler, **texts: str) -> argparse.ArgumentParser:
    """One `import KIND` subcommand taking the global options like every other command."""
    parser = kinds.add_parser(name, **texts)
    add_common_options(parser, top_level=False)
    parser.set_defaults(handler=handler)
    return parser


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
            report.append(
                (path.name, ticker, rows, bars.index.min().date(), bars.index.max().date())
            )
    answer = Answer(
        title="Import",
        summary=f"Imported {sum(r[2] for r in report):,} bars for {len({r[1] for r in report})} tickers "
        f"from {len(args.files)} file(s).",
        tables=(
            Table(
                ("file", "ticker", "rows", "first", "last"),
                tuple(
                    (f, t, f"{n:,}", a.isoformat(), b.isoformat()) for f, t, n, a, b in report[:50]
                ),
            ),
        ),
        data={
            "imported": [
                {"file": f, "ticker": t, "rows": n, "first": a, "last": b}
                for f, t, n, a, b in report
            ]
        },
        advice_disclaimer=False,
    )
    ctx.emit(answer)


# --- `marketbot import fred FILE...` (FRED series saved as CSV) ---------------------------------


def _import_fred(args: argparse.Namespace, ctx) -> None:
    from analytics.macro.store import import_fred_file

    db = ctx.services(network=False).cache.db
    results = [import_fred_file(db, path) for path in args.files]
    rows = tuple(
        (
            r.path.name,
            r.series_id,
            f"{r.rows:,}",
            r.first.isoformat() if r.first else "",
            r.last.isoformat() if r.last else "",
        )
        for r in results
    )
    answer = Answer(
        title="Import",
        summary=f"Imported {sum(r.rows for r in results):,} observations of "
        f"{len({r.series_id for r in results})} FRED series from {len(results)} file(s).",
        tables=(Table(("file", "series", "rows", "first", "last"), rows[:50]),),
        data={
            "imported": [
                {
                    "file": r.path.name,
                    "series": r.series_id,
                    "rows": r.rows,
                    "first": r.first,
                    "last": r.last,
                }
                for r in results
            ]
        },
        advice_disclaimer=False,
    )
    ctx.emit(answer)


# --- `marketbot import holdings FUND FILE` (an iShares holdings CSV) ----------------------------


def _import_holdings(args: argparse.Namespace, ctx) -> None:
    from analytics.holdings import get_fund, import_holdings_file

    fund = get_fund(args.fund)
    holdings = import_holdings_file(ctx.services(network=False).cache.db, fund, args.file)
    weight = float(holdings.weights.sum())
    unmapped = list(holdings.unmapped)
    skipped = f"; {len(unmapped)} tickers without a Yahoo symbol left out" if unmapped else ""
    answer = Answer(
        title=f"Imported {fund.symbol} holdings as of {holdings.as_of.isoformat()}",
        summary=f"{len(holdings.frame):,} stocks, {weight:.2%} of the fund, from {args.file.name}{skipped}.",
        tables=(
            Table(
                ("ticker", "name", "weight"),
                tuple(
                    (t, str(n), f"{w:.2%}")
                    for t, n, w in zip(
                        holdings.frame.index[:10],
                        holdings.frame["name"][:10],
                        holdings.weights[:10],
                        strict=True,
                    )
                ),
                "Largest holdings",
            ),
        ),
        as_of=holdings.as_of,
        data={
            "fund": fund.symbol,
            "fund_name": holdings.fund_name,
            "file": args.file.name,
            "constituents": len(holdings.frame),
            "weight": weight,
            "unmapped": unmapped,
        },
        advice_disclaimer=False,
    )
    ctx.emit(answer)
