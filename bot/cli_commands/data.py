"""`marketbot cache status` and `marketbot cache check`; `marketbot prices`, the former name of
`price`, kept as an alias."""

from __future__ import annotations

import argparse


def register(add) -> None:
    _register_prices_alias(add)
    cache = add("cache", "Inspect the local cache.", _cache)
    cache.add_argument(
        "action",
        choices=["status", "check"],
        help="status: tickers, date ranges, rows, gaps and file size; "
        "check: SQLite's integrity check, and whether to re-import or delete (exit 2 if damaged)",
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


def _cache(args: argparse.Namespace, ctx) -> int | None:
    if args.action == "check":
        return _cache_check(ctx)
    _cache_status(ctx)
    return None


def _cache_check(ctx) -> int:
    """Exit 0 when SQLite finds no damage, 2 when it does (the answer says what to do)."""
    from analytics.data.cache import SCHEMA_VERSION
    from analytics.data.cache_check import check_cache

    report = check_cache(ctx.settings.db_path, schema_version=SCHEMA_VERSION)
    verdict = "passes" if report.ok else "is damaged"
    count = len(report.problems)
    problems = f"{count} problem{'' if count == 1 else 's'}"
    from analytics.answer import Answer, Field, Table  # not at import: --help stays light

    fields = [Field("Integrity", "ok" if report.ok else problems)]
    if report.imported:
        fields.append(Field("Imported files", ", ".join(report.imported)))
    answer = Answer(
        title=f"Cache check: {report.path.name} {verdict}",
        summary=f"SQLite's integrity check of {report.path}: {report.advice}",
        fields=tuple(fields),
        tables=(Table(("problem",), tuple((p,) for p in report.problems)),)
        if report.problems
        else (),
        data={
            "path": str(report.path),
            "ok": report.ok,
            "problems": list(report.problems),
            "imported": list(report.imported) if report.imported is not None else None,
            "advice": report.advice,
        },
        advice_disclaimer=False,
    )
    ctx.emit(answer, json_payload=answer.data)
    return 0 if report.ok else 2


def _size(nbytes: int) -> str:
    """1.2 MB, 340 KB."""
    return f"{nbytes / 1e6:.1f} MB" if nbytes >= 1e6 else f"{max(1, round(nbytes / 1e3))} KB"


def _cache_status(ctx) -> None:
    import datetime as dt

    cache = ctx.services(network=False).cache
    status = cache.status()
    size = cache.file_size()
    gaps: dict[str, list] = {}
    for hole, to_fetch in cache.holes(dt.datetime.now(dt.UTC)):
        gaps.setdefault(hole.ticker, []).append((hole, to_fetch))
    rows = tuple(
        (
            s.ticker,
            s.first_date.isoformat() if s.first_date else "",
            s.last_date.isoformat() if s.last_date else "",
            f"{s.rows:,}",
            _gap_cell(gaps.get(s.ticker, [])),
            s.fetched_at.strftime("%Y-%m-%d %H:%M") if s.fetched_at else "",
            s.source or "",
        )
        for s in status
    )
    total_rows = sum(s.rows for s in status)
    from analytics.data import memo_store

    kept, kept_bytes, usable = memo_store.kept_size(cache.db.conn)
    summary = (
        f"{len(status)} tickers, {total_rows:,} daily bars, {size / 1e6:.1f} MB in {cache.path}"
    )
    if kept:
        summary += (
            f" ({_size(kept_bytes)} of it: {kept} read{'s' if kept != 1 else ''} kept so that"
            " the next process starts warm"
            + (f", {kept - usable} of them by another version" if usable < kept else "")
            + ")"
        )
    missing = sum(h.sessions for found in gaps.values() for h, _ in found)
    if missing:
        to_fetch = sum(h.sessions for found in gaps.values() for h, f in found if f)
        summary += (
            f". {len(gaps)} tickers have gaps: {missing:,} sessions without bars inside their"
            f" checked ranges; {to_fetch:,} of them are fetched when next asked for, the rest"
            " are days their source has no bar for."
        )
    from analytics.answer import Answer, Field, Table  # not at import: --help stays light

    answer = Answer(
        title="Cache status",
        summary=summary,
        fields=(
            Field("Tickers", str(len(status))),
            Field("Rows", f"{total_rows:,}"),
            Field("File size", f"{size:,} bytes"),
            Field("Kept reads", f"{kept} ({kept_bytes:,} bytes)"),
            Field("Sessions missing", f"{missing:,}"),
        ),
        tables=(
            Table(("ticker", "first", "last", "rows", "gaps", "fetched (UTC)", "source"), rows),
        )
        if rows
        else (),
        data={
            "path": str(cache.path),
            "file_size": size,
            "kept_reads": {"entries": kept, "bytes": kept_bytes, "usable": usable},
            "tickers": [
                {
                    "ticker": s.ticker,
                    "first": s.first_date,
                    "last": s.last_date,
                    "rows": s.rows,
                    "fetched_at": s.fetched_at,
                    "source": s.source,
                    "gaps": [
                        {
                            "start": h.start.isoformat(),
                            "end": h.end.isoformat(),
                            "sessions": h.sessions,
                            "to_fetch": to_fetch,
                        }
                        for h, to_fetch in gaps.get(s.ticker, [])
                    ],
                }
                for s in status
            ],
        },
        advice_disclaimer=False,
    )
    ctx.emit(answer)


def _gap_cell(found: list) -> str:
    """'3 (3 to fetch)': sessions without bars inside the checked range, and how many of
    them the next fetch of those dates asks for."""
    if not found:
        return ""
    missing = sum(h.sessions for h, _ in found)
    to_fetch = sum(h.sessions for h, f in found if f)
    return f"{missing:,} ({to_fetch:,} to fetch)" if to_fetch else f"{missing:,}"
