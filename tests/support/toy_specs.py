"""A toy command spec exercising every kind of option, for the front-end generator tests."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from analytics.answer import Answer, Chart, Field
from analytics.errors import BadInput
from analytics.spec import Choice, CommandSpec, Cooldown, Option, ParseContext

RELEASE = threading.Event()
"""Set to let a `slow` toy answer finish (the budget test holds it)."""
CALLS: list[tuple[str, bool]] = []
DRAWN_ON: list[str] = []
"""The threads a toy chart was drawn on (the event loop's must never appear)."""


@dataclass(frozen=True)
class ToyRequest:
    ticker: str
    window: str
    top: int
    kind: str
    tickers: str | None
    flag: bool
    slow: bool


def parse(values: dict, ctx: ParseContext) -> ToyRequest:
    ticker = str(values["ticker"]).strip().upper()
    if not ticker.isalpha():
        raise BadInput(f"'{values['ticker']}' is not a toy ticker; give letters only, e.g. SPY.")
    return ToyRequest(
        ticker=ticker,
        window=values.get("window", "-"),
        top=int(values.get("top", 0)),
        kind=values.get("kind", "-"),
        tickers=values.get("tickers"),
        flag=bool(values.get("flag")),
        slow=ticker == "SLOW",
    )


def answer(data, request: ToyRequest, progress) -> Answer:
    CALLS.append((request.ticker, bool(data.offline)))
    if request.ticker == "LOCKED":
        import sqlite3

        raise sqlite3.OperationalError("database is locked")
    progress.phase("Toying")
    if request.slow and not data.offline:
        RELEASE.wait(30)
    chart = None
    if request.ticker == "CHART":

        def build():
            from matplotlib.figure import Figure

            DRAWN_ON.append(threading.current_thread().name)
            figure = Figure(figsize=(2, 1))
            figure.add_subplot().plot([0, 1], [1, 2])
            return figure

        chart = Chart(build)
    return Answer(
        chart=chart,
        title=f"toy {request.ticker} {request.window} top {request.top} {request.kind}",
        summary=f"tickers={request.tickers} flag={request.flag}",
        fields=(Field("Ticker", request.ticker),),
        data={"ticker": request.ticker, "top": request.top, "flag": request.flag},
    )


TOY = CommandSpec(
    name="toy",
    description="A toy command with every kind of option.",
    options=(
        Option(
            "ticker",
            "A symbol, letters only",
            required=True,
            positional=True,
            autocomplete="ticker",
        ),
        Option("window", "A window, e.g. ytd", default="ytd", autocomplete="window"),
        Option("top", "How many, 1-15", type="int", default=5, min=1, max=15),
        Option(
            "kind",
            "What to count",
            default="beat",
            choices=(Choice("beat", "beat: A above B"), Choice("up", "up: closes higher")),
        ),
        Option("tickers", "Several symbols", many=True),
        Option("flag", "A yes/no option", type="bool", default=False),
    ),
    parse="tests.support.toy_specs:parse",
    answer="tests.support.toy_specs:answer",
    progress_label="Toying",
    cooldown=Cooldown(50, 1.0),
)

TOY_ADD = CommandSpec(
    name="toys add",
    description="A grouped toy command.",
    options=(Option("ticker", "A symbol", required=True, positional=True),),
    parse="tests.support.toy_specs:parse",
    answer="tests.support.toy_specs:answer",
    cooldown=None,
)

SPECS = (TOY, TOY_ADD)
GROUPS = {"toys": "Toy commands in a group."}
