"""A local stand-in for www.ishares.com: serves holdings files, web pages or errors on 127.0.0.1.

    async with FakeIShares(ajax=html_reply(), latest=file_reply(path)) as fake:
        holdings = await fetch_holdings(session, "IWM", base_url=fake.base_url)
        fake.requests  # what was asked, in order

`ajax` answers `/us/products/<id>/<slug>/<n>.ajax?...`, `latest` answers
`/us/products/<id>/<slug>/latest-holdings.csv`; anything else is a 404.
"""

from __future__ import annotations

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
        return web.Response(status=reply.status, body=reply.body, content_type=reply.content_type)

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
