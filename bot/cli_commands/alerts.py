"""`marketbot alert check [--as-of D]`: which alerts would fire on a session (a dry run).

The other `alert` subcommands (add, list, remove, pause, resume) are generated from their
specs (analytics/alerts/specs.py); `check` is the terminal's only: it evaluates every alert
the way the evening run does, on the session asked, and sends and records nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt

GROUP = "alert"


def register(add) -> None:
    parser = add(
        "check",
        "Which alerts would fire on a session (a dry run: nothing is sent or recorded).",
        _check,
    )
    parser.add_argument(
        "--as-of",
        help="the session, YYYY-MM-DD (default: the last completed one; a weekend or holiday "
        "means the session before it)",
    )


def _check(args: argparse.Namespace, ctx) -> None:
    from analytics.commands.common import check_as_of, parse_date  # pandas: not for --help

    as_of = parse_date(args.as_of, name="--as-of")  # a typo fails before the cache is opened
    services = ctx.services()
    check_as_of(as_of, services.market.today())

    import asyncio

    async def run():
        async with services.http_session():
            return await asyncio.to_thread(dry_run, services, as_of)

    ctx.emit(asyncio.run(run()))


def dry_run(services, as_of: dt.date | None):
    """The checks of every alert on the session `as_of` stands for, as an Answer (blocking);
    the macro alerts' series refreshed first through the facade's FRED source."""
    from analytics import calendar
    from analytics.alerts.evaluation import alert_series, check_alert
    from analytics.alerts.fred import refresh_series
    from analytics.alerts.store import AlertStore
    from analytics.answer import Answer, Column, Table

    market = services.market
    session = calendar.expected_session(as_of, market.now())
    alerts = AlertStore(services.cache).all()
    active = [a for a in alerts if not a.paused]
    problems = refresh_series(market, alert_series(active))
    checks = [check_alert(market, a, session) for a in active]
    rows = tuple(
        (
            c.alert.id,
            c.alert.kind,
            "yes" if c.evaluation and c.evaluation.crossed else "no",
            "yes" if c.fires else "no",
            c.evaluation.on if c.evaluation else None,
            c.why,
            c.evaluation.state if c.evaluation else c.error,
        )
        for c in checks
    )
    paused = [a for a in alerts if a.paused]
    firing = [c for c in checks if c.fires]
    warnings = [f"FRED {sid}: {why}" for sid, why in problems.items()]
    warnings += [f"#{a.id} is paused: {a.paused_reason}" for a in paused]
    return Answer(
        title=f"{len(firing)} of {len(active)} alerts would fire on {session}",
        summary="A dry run of the evening's evaluation: nothing is sent or recorded.",
        tables=(
            Table(
                columns=(
                    Column("id", "count"),
                    Column("kind"),
                    Column("became true"),
                    Column("fires"),
                    Column("on", "date"),
                    Column("why"),
                    Column("state"),
                ),
                rows=rows,
            ),
        )
        if rows
        else (),
        as_of=session,
        warnings=tuple(warnings),
        data={
            "session": session.isoformat(),
            "checks": [c.to_json() for c in checks],
            "paused": [a.id for a in paused],
        },
        advice_disclaimer=False,
    )
