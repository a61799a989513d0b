"""`marketbot prices` and `marketbot cache status`."""

from __future__ import annotations

import argparse

from analytics.answer import Answer, Field, Table
from analytics.commands.common import parse_date
from analytics.commands.prices import price_answer


def register(add) -> None:
    prices = add(
        "prices", "Show a ticker's daily bars from the cache (fetching what is missing).", _prices
    )
    prices.add_argument("ticker", help="symbol, e.g. SPY, BRK.B, ^GSPC or an alias like SPX")
    prices.add_argument("--start", help="first date, YYYY-MM-DD (default: a year before --end)")
    prices.add_argument("--end", help="last date, YYYY-MM-DD (default: today)")

    cache = add("cache", "Inspect the local cache.", _cache_status)
    cache.add_argument(
        "action", choices=["status"], help="status: tickers, date ranges, rows and file size"
    )


def _prices(args: argparse.Namespace, ctx) -> None:
    answer = price_answer(
        ctx.services().market,
        args.ticker,
        parse_date(args.start, name="--start"),
        parse_date(args.end, name="--end"),
        chart=ctx.chart_dir is not None,
    )
    ctx.emit(answer, json_payload=answer.data["bars"])


def _cache_status(args: argparse.Namespace, ctx) -> None:
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
    summary = (
        f"{len(status)} tickers, {total_rows:,} daily bars, {size / 1e6:.1f} MB in {cache.path}"
    )
    missing = sum(h.sessions for found in gaps.values() for h, _ in found)
    if missing:
        to_fetch = sum(h.sessions for found in gaps.values() for h, f in found if f)
        summary += (
            f". {len(gaps)} tickers have gaps: {missing:,} sessions without bars inside their"
            f" checked ranges; {to_fetch:,} of them are fetched when next asked for, the rest"
            " are days their source has no bar for."
        )
    answer = Answer(
        title="Cache status",
        summary=summary,
        fields=(
            Field("Tickers", str(len(status))),
            Field("Rows", f"{total_rows:,}"),
            Field("File size", f"{size:,} bytes"),
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
