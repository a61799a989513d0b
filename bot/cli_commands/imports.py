"""`marketbot import prices|fred|holdings`: load downloaded files into the cache for offline use.

Several files (or folders) in one call: each file is imported on its own (one transaction
each), a file that fails is named on stderr with why, one line each, and the others still
go in. Exit code 0 when every file imported, 2 when any failed.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from analytics.errors import BadInput
from bot.cli import EXIT_USER, add_common_options

if TYPE_CHECKING:
    from analytics.answer import Answer

MAX_ROWS = 50  # table rows shown in the terminal; --json has them all
MAX_DETAILS = 20
MAX_WARNINGS = 10


def register(add) -> None:
    parser = add("import", "Load downloaded files into the cache (offline use, tests).", None)
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", required=True)
    prices = _add_kind(
        kinds,
        "prices",
        _import_prices,
        help="CSV price files (Yahoo, yfinance, Alpha Vantage, close-only, long multi-ticker)",
        description="Load CSV price files, or every CSV file in a folder (not its subfolders); "
        "the format is detected from the header. Bad rows are skipped and counted; each ticker "
        "joins what is cached by the import policy (see README, Import policy).",
    )
    prices.add_argument(
        "files", nargs="+", type=Path, metavar="PATH", help="CSV files or folders to import"
    )
    prices.add_argument(
        "--ticker", help="the ticker of a single-ticker file (default: from the file name)"
    )
    prices.add_argument(
        "--replace",
        action="store_true",
        help="take each file wholesale: drop its tickers' cached rows first",
    )
    fred = _add_kind(
        kinds,
        "fred",
        _import_fred,
        help="FRED series saved as CSV (fredgraph 'observation_date,ID' or 'date,value' named ID.csv)",
        description="Load FRED series files (or every CSV file in a folder) for offline /macro "
        "answers; each file replaces the stored copy of its series. Files that are not series "
        "(such as a metadata.csv) are skipped with a notice.",
    )
    fred.add_argument(
        "files", nargs="+", type=Path, metavar="PATH", help="FRED CSV files or folders to import"
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


# --- which files: named ones, and the CSV files of named folders --------------------------------


@dataclass
class _Batch:
    """The files to import, what was passed over (notices) and what failed (one line each)."""

    files: list[tuple[Path, bool]] = field(default_factory=list)  # (path, from a folder)
    notices: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path as given, reason)

    def fail(self, path: Path, reason: str) -> None:
        self.failed.append((str(path), reason.splitlines()[0]))

    def report_failures(self, *, imported: int, what: str) -> None:
        """One stderr line per failed file; one more when nothing at all was imported."""
        for path, reason in self.failed:
            named = reason if Path(path).name in reason else f"{path}: {reason}"
            print(f"marketbot: {named}", file=sys.stderr)
        if not imported and not self.failed:
            print(f"marketbot: nothing imported: no {what} among the paths given.", file=sys.stderr)


def _expand(paths: list[Path]) -> _Batch:
    """Named files as they are; a folder gives its *.csv files (sorted, not recursive)."""
    batch = _Batch()
    for path in paths:
        if path.is_dir():
            entries = sorted(path.iterdir())
            csvs = [p for p in entries if p.is_file() and p.suffix.lower() == ".csv"]
            others = [p for p in entries if p not in csvs and not p.name.startswith(".")]
            batch.files += [(p, True) for p in csvs]
            if not csvs:
                batch.fail(path, "the folder holds no .csv file")
            if others:
                shown = ", ".join(p.name + ("/" if p.is_dir() else "") for p in others[:5])
                more = f" and {len(others) - 5} more" if len(others) > 5 else ""
                batch.notices.append(
                    f"{path}: skipped {len(others)} entries that are not .csv files "
                    f"(folders are not searched): {shown}{more}"
                )
        else:  # a missing file fails in its turn, so failures come in the order given
            batch.files.append((path, False))
    return batch


def _missing(path: Path, batch: _Batch) -> bool:
    if path.is_file():
        return False
    batch.fail(path, f"{path}: no such file.")
    return True


# --- `marketbot import prices PATH...` ------------------------------------------------------------


def _import_prices(args: argparse.Namespace, ctx) -> int | None:
    from analytics.data.importers import NotAPriceFile
    from analytics.data.price_import import import_price_file

    batch = _expand(args.files)
    if args.ticker and len(batch.files) > 1:
        raise BadInput("--ticker names the ticker of one file; import several files without it.")
    market = ctx.services(network=False).market
    done = []
    for path, from_folder in batch.files:
        if _missing(path, batch):
            continue
        try:
            done.append(import_price_file(market, path, ticker=args.ticker, replace=args.replace))
        except NotAPriceFile as exc:
            if from_folder:
                batch.notices.append(f"skipped {path.name}: not a price file")
            else:
                batch.fail(path, exc.message)
        except BadInput as exc:
            batch.fail(path, exc.message)
        # sqlite3.Error is not caught: a cache that cannot be written (damaged, locked, full) is
        # no fault of this file and fails the rest alike; bot/cli.py says what is wrong with it.
    batch.report_failures(imported=len(done), what="price file")
    if done or batch.notices:
        ctx.emit(_prices_answer(done, batch))
    if batch.failed or not done:
        return EXIT_USER
    return None


def _prices_answer(done, batch: _Batch) -> Answer:
    from analytics.data.validate import SkippedRows

    lines = [(f, t) for f in done for t in f.tickers]
    written = sum(t.written for _, t in lines)
    tickers = {t.ticker for _, t in lines}
    kinds = Counter(t.kind for _, t in lines)
    skipped = sum((f.skipped for f in done), SkippedRows())
    summary = (
        f"Stored {written:,} rows for {len(tickers):,} tickers from {len(done)} file(s)"
        + (f"; {skipped.text()}" if skipped else "")
        + "."
    )
    if kinds:
        summary += " Decisions: " + ", ".join(f"{n:,} {k}" for k, n in kinds.most_common()) + "."
    if batch.failed:
        summary += f" {len(batch.failed)} file(s) failed (listed on stderr)."
    from analytics.answer import Answer, Table  # not at import: --help stays light

    table = Table(
        ("file", "ticker", "rows", "written", "skipped", "first", "last", "decision"),
        tuple(
            (
                f.path.name,
                t.ticker,
                f"{t.rows:,}",
                f"{t.written:,}",
                f"{t.skipped.total:,}",
                t.first.isoformat() if t.first else "",
                t.last.isoformat() if t.last else "",
                t.kind,
            )
            for f, t in lines[:MAX_ROWS]
        ),
        "Imported"
        + (
            f" (first {MAX_ROWS} of {len(lines):,}; --json has all)"
            if len(lines) > MAX_ROWS
            else ""
        ),
    )
    # "new" and "same" say nothing a reader must weigh: counted in the summary, listed in --json.
    explained = [(f, t) for f, t in lines if t.kind not in ("new", "same") or t.skipped]
    details = Table(
        ("ticker", "file", "what happened"),
        tuple(
            (
                t.ticker,
                f.path.name,
                "; ".join(
                    x for x in (t.skipped.text(), t.decision.text if t.decision else "") if x
                ),
            )
            for f, t in explained[:MAX_DETAILS]
        ),
        "Import policy and skipped rows"
        + (f" (first {MAX_DETAILS} of {len(explained):,})" if len(explained) > MAX_DETAILS else ""),
    )
    refused = [
        f"{t.ticker} from {f.path.name}: {t.decision.text}" for f, t in lines if t.kind == "refused"
    ]
    warnings = batch.notices + refused[:MAX_WARNINGS]
    if len(refused) > MAX_WARNINGS:
        warnings.append(f"... and {len(refused) - MAX_WARNINGS} more refused tickers (see --json).")
    return Answer(
        title="Import",
        summary=summary,
        tables=(table, details) if explained else (table,),
        warnings=tuple(warnings),
        data={
            "imported": [
                {"file": f.path.name, "path": str(f.path), "source": f.source, **t.to_dict()}
                for f, t in lines
            ],
            "skipped": skipped.to_dict(),
            "failed": [{"file": p, "reason": r} for p, r in batch.failed],
            "notices": list(batch.notices),
        },
        advice_disclaimer=False,
    )


# --- `marketbot import fred PATH...` (FRED series saved as CSV) ---------------------------------


def _import_fred(args: argparse.Namespace, ctx) -> int | None:
    from analytics.macro.fred import NotASeriesFile
    from analytics.macro.store import import_fred_file

    batch = _expand(args.files)
    db = ctx.services(network=False).cache.db
    results = []
    for path, _from_folder in batch.files:
        if _missing(path, batch):
            continue
        try:
            results.append(import_fred_file(db, path))
        except NotASeriesFile:
            batch.notices.append(f"skipped {path.name}: not a FRED series file")
        except BadInput as exc:
            batch.fail(path, exc.message)
        # sqlite3.Error is not caught: a cache that cannot be written (damaged, locked, full) is
        # no fault of this file and fails the rest alike; bot/cli.py says what is wrong with it.
    batch.report_failures(imported=len(results), what="FRED series file")
    if results or batch.notices:
        ctx.emit(_fred_answer(results, batch))
    if batch.failed or not results:
        return EXIT_USER
    return None


def _fred_answer(results, batch: _Batch) -> Answer:
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
    summary = (
        f"Imported {sum(r.rows for r in results):,} observations of "
        f"{len({r.series_id for r in results})} FRED series from {len(results)} file(s)."
    )
    if batch.failed:
        summary += f" {len(batch.failed)} file(s) failed (listed on stderr)."
    from analytics.answer import Answer, Table  # not at import: --help stays light

    return Answer(
        title="Import",
        summary=summary,
        tables=(Table(("file", "series", "rows", "first", "last"), rows[:MAX_ROWS]),),
        warnings=tuple(batch.notices),
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
            ],
            "failed": [{"file": p, "reason": r} for p, r in batch.failed],
            "notices": list(batch.notices),
        },
        advice_disclaimer=False,
    )


# --- `marketbot import holdings FUND FILE` (an iShares holdings CSV) ----------------------------


def _import_holdings(args: argparse.Namespace, ctx) -> None:
    from analytics.holdings import get_fund, import_holdings_file

    fund = get_fund(args.fund)
    holdings = import_holdings_file(ctx.services(network=False).cache.db, fund, args.file)
    weight = float(holdings.weights.sum())
    unmapped = list(holdings.unmapped)
    skipped = f"; {len(unmapped)} tickers without a Yahoo symbol left out" if unmapped else ""
    from analytics.answer import Answer, Table  # not at import: --help stays light

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
