"""A local stand-in for www.ishares.com: serves holdings files, web pages or errors on 127.0.0.1.

    async with FakeIShares(ajax=html_reply(), latest=file_reply(path)) as fake:
        holdings = await fetch_holdings(session, "IWM", base_url=fake.base_url)
        fake.requests  # what was asked, in order

`ajax` answers `/us/products/<id>/<slug>/<n>.ajax?...`, `latest` answers
`/us/products/<id>/<slug>/latest-holdings.csv`; anything else is a 404.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import socket
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

HTML_PAGE = (
    b"<!DOCTYPE html>\n<html lang='en'><head><title>iShares | BlackRock</title></head>"
    b"<body><div id='holdings'>Loading...</div></body></html>"
)


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    content_type: str


@dataclass(frozen=True)
class SeenRequest:
    path: str
    query: dict[str, str]
    user_agent: str


def file_reply(path: Path) -> Reply:
    """Serve a holdings file byte for byte, as iShares does (text/csv)."""
    return Reply(200, path.read_bytes(), "text/csv")


def html_reply() -> Reply:
    """A 200 answer with a web page instead of the CSV."""
    return Reply(200, HTML_PAGE, "text/html")


def error_reply(status: int = 500) -> Reply:
    return Reply(status, b"Internal Server Error", "text/plain")


class FakeIShares:
    """An aiohttp server on 127.0.0.1 (free port) answering the two holdings URLs."""

    def __init__(self, *, ajax: Reply | None = None, latest: Reply | None = None) -> None:
        self.ajax = ajax or error_reply(404)
        self.latest = latest or error_reply(404)
        self.requests: list[SeenRequest] = []
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests.append(
            SeenRequest(request.path, dict(request.query), request.headers.get("User-Agent", ""))
        )
        name = request.match_info["name"]
        if name.endswith(".ajax"):
            reply = self.ajax
        elif name == "latest-holdings.csv":
            reply = self.latest
        else:
            reply = error_reply(404)
        response = web.Response(
            status=reply.status, body=reply.body, content_type=reply.content_type
        )
        # No keep-alive: a server that outlives a test's bot leaves no connection task behind.
        response.force_close()
        return response

    async def __aenter__(self) -> FakeIShares:
        app = web.Application()
        app.router.add_get("/us/products/{product}/{slug}/{name}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def closed_port_url() -> str:
    """A 127.0.0.1 URL nothing listens on (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@contextlib.asynccontextmanager
async def downloads_from(market, fake: FakeIShares | str):
    """Let `market` (a MarketData) download holdings from `fake` for the block: its iShares URL
    comes from Settings (bot.services.attach_holdings) and its HTTP bridge runs on this loop, so
    answers computed in a worker thread (`asyncio.to_thread`) download as in the bot."""
    import asyncio

    import aiohttp

    from analytics.data.http import HttpBridge
    from bot.services import attach_holdings
    from bot.settings import Settings

    url = fake if isinstance(fake, str) else fake.base_url
    before = market.ishares_url
    attach_holdings(market, Settings(db_path=market.cache.path, ishares_url=url))
    async with aiohttp.ClientSession() as session:
        market.attach_http(HttpBridge(session, asyncio.get_running_loop()))
        try:
            yield market
        finally:
            market.attach_http(None)
            market.ishares_url = before


# (ticker, name, weight): a small fund's stocks; EEE is a ticker the fake price source does not know.
PLANTED_FUND = [
    ("AAA", "ALPHA CORP", 0.40),
    ("BBB", "BRAVO INC", 0.30),
    ("CCC", "CHARLIE LTD", 0.15),
    ("DDD", "DELTA CO", 0.10),
    ("EEE", "ECHO HOLDINGS", 0.05),
]


def ishares_csv(
    as_of: dt.date, universe=PLANTED_FUND, fund_name: str = "iShares Russell 2000 ETF"
) -> str:
    """An iShares holdings file in the real layout (preamble, header, rows, cash, disclaimer)."""
    lines = [
        f"\ufeff{fund_name}",
        f'Fund Holdings as of,"{as_of.strftime("%b %d, %Y")}"',
        'Inception Date,"May 22, 2000"',
        "\xa0",
        "Ticker,Name,Sector,Asset Class,Market Value,Weight (%),Notional Value,Quantity,Price,"
        "Location,Exchange,Currency,FX Rate,Market Currency,Accrual Date",
    ]
    for ticker, name, weight in universe:
        lines.append(
            f'"{ticker}","{name}","Industrials","Equity","1,000.00","{weight * 100:.4f}","1,000.00",'
            '"10.00","100.00","United States","NASDAQ","USD","1.00","USD","-"'
        )
    lines.append(
        '"XTSLA","BLK CSH FND","Cash and/or Derivatives","Money Market","1.00","0.00",'
        '"1.00","1.00","1.00","United States","-","USD","1.00","USD","-"'
    )
    lines += ["\xa0", '"The content is owned by BlackRock.\nHoldings subject to change."']
    return "\n".join(lines) + "\n"


def equity_weights(path: Path) -> dict[str, float]:
    """The file's equity rows read with the csv module: ticker -> summed weight (fraction)."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("Ticker,"))
    weights: dict[str, float] = {}
    for row in csv.DictReader(lines[header:]):
        if row["Name"] is None:
            break
        if row["Asset Class"] == "Equity" and row["Ticker"] != "-":
            weights[row["Ticker"]] = (
                weights.get(row["Ticker"], 0.0) + float(row["Weight (%)"]) / 100
            )
    return weights
