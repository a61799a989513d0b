"""`marketbot import gdpnow FILE` and `marketbot import gdp-releases FILE`: the GDP context files.

Registered as kinds of `marketbot import` by bot/cli_commands/imports.py (`register_kinds`); the
leading underscore keeps this module out of the top-level command list.
"""

from __future__ import annotations

import argparse
from pathlib import Path

SKIPPED_SHOWN = 5


def register_kinds(kinds, add_kind) -> None:
    """Add the kinds to the `import` subparsers (`add_kind` is imports.py's `_add_kind`)."""
    gdpnow = add_kind(
        kinds,
        "gdpnow",
        _import_gdpnow,
        help="the Atlanta Fed's GDPNow track as CSV (Forecast Date, Quarter being forecasted, GDP Nowcast)",
        description="Load the GDPNow daily track (every nowcast, not only FRED's one per "
        "quarter) for /macro gdpnow. Rows already stored take the file's value; re-importing "
        "the same file changes nothing.",
    )
    gdpnow.add_argument("file", type=Path, metavar="FILE", help="the track CSV")
    releases = add_kind(
        kinds,
        "gdp-releases",
        _import_releases,
        help="real GDP's first and latest releases (ALFRED GDPC1 release table CSV)",
        description="Load the real GDP release table for 'fastest since' on first releases "
        "as well as today's data; it replaces the stored table.",
    )
    releases.add_argument("file", type=Path, metavar="FILE", help="the release table CSV")


def _skipped_warnings(skipped, noun: str) -> tuple[str, ...]:
    if not skipped:
        return ()
    shown = "; ".join(f"line {line}: {reason}" for line, reason in skipped[:SKIPPED_SHOWN])
    more = f" (and {len(skipped) - SKIPPED_SHOWN} more)" if len(skipped) > SKIPPED_SHOWN else ""
    return (f"Skipped {len(skipped)} {noun}{'s' if len(skipped) > 1 else ''}: {shown}{more}.",)


def _import_gdpnow(args: argparse.Namespace, ctx) -> None:
    from analytics.macro.gdpnow.store import GdpNowStore, import_gdpnow_file

    cache = ctx.services(network=False).cache
    result = import_gdpnow_file(cache, args.file)
    stored = GdpNowStore(cache).summary()
    skipped = [(s.line, s.reason) for s in result.skipped]
    from analytics.answer import Answer, Column, Table  # not at import: --help stays light

    answer = Answer(
        title="Imported the GDPNow track",
        summary=f"{result.rows:,} nowcasts of {result.quarters} quarters from {args.file.name}, "
        f"{result.first.isoformat()} to {result.last.isoformat()}; the cache holds "
        f"{stored.rows:,} nowcasts, {stored.first.isoformat()} to {stored.last.isoformat()}.",
        tables=(
            Table(
                (
                    Column("file"),
                    Column("nowcasts", "count"),
                    Column("quarters", "count"),
                    Column("first", "date"),
                    Column("last", "date"),
                    Column("skipped", "count"),
                ),
                (
                    (
                        args.file.name,
                        result.rows,
                        result.quarters,
                        result.first,
                        result.last,
                        len(skipped),
                    ),
                ),
            ),
        ),
        as_of=result.last,
        warnings=_skipped_warnings(skipped, "row"),
        data={
            "file": args.file.name,
            "rows": result.rows,
            "quarters": result.quarters,
            "first": result.first,
            "last": result.last,
            "skipped": [{"line": line, "reason": reason} for line, reason in skipped],
            "stored_rows": stored.rows,
        },
        advice_disclaimer=False,
    )
    ctx.emit(answer)


def _import_releases(args: argparse.Namespace, ctx) -> None:
    from analytics.macro.releases_store import import_release_file

    result = import_release_file(ctx.services(network=False).cache, args.file)
    from analytics.answer import Answer  # not at import: --help stays light

    answer = Answer(
        title="Imported the real GDP release table",
        summary=f"{result.quarters:,} quarters from {args.file.name}, "
        f"{result.first.isoformat()} to {result.last.isoformat()}, latest vintage "
        f"{result.latest_release.isoformat()}; it replaces the stored table.",
        as_of=result.latest_release,
        warnings=_skipped_warnings(list(result.skipped), "row"),
        data={
            "file": args.file.name,
            "quarters": result.quarters,
            "first": result.first,
            "last": result.last,
            "latest_release": result.latest_release,
            "skipped": [{"line": line, "reason": reason} for line, reason in result.skipped],
        },
        advice_disclaimer=False,
    )
    ctx.emit(answer)
