"""A fake FRED on 127.0.0.1: the fredgraph CSV endpoint and the keyed JSON API.

Serves CSV texts given by the test (real files' text, unchanged) and the JSON API form built
from them the way FRED writes it (string values, "." for missing). Unknown ids answer as
FRED does: 404 on fredgraph, 400 "The series does not exist." on the API. Per-id overrides
give a web page with 200, any status code (500, 429) or a slow answer.

    async with FakeFred({"GDPNOW": text}) as fake:
        client = FredClient(session, base_url=fake.base_url, api_base_url=fake.base_url)

    with FakeFred({"GDPNOW": text}).in_thread() as fake:   # for the CLI (its own event loop)
        monkeypatch.setenv("MARKETBOT_FRED_URL", fake.base_url)

`settings_env(fake)` is the environment that points marketbot's Settings at the fake.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import json
import threading
from collections.abc import Iterator
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

API_KEY = "fake-fred-key-0123456789abcdef"

NOT_FOUND_PAGE = (
    "<!DOCTYPE html><html><head><title>404 | FRED</title></head><body>Not found</body></html>"
)
HTML_PAGE = "<!DOCTYPE html>\n<html lang='en'><head><title>FRED | St. Louis Fed</title></head><body>Series</body></html>"


def observations_payload(csv_text: str) -> dict[str, Any]:
    """The JSON API's observations answer for a CSV text (either header form)."""
    rows = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))[1:]
    observations = [
        {
            "realtime_start": "2026-01-02",
            "realtime_end": "2026-01-02",
            "date": row[0],
            "value": row[1] if row[1].strip() else ".",
        }
        for row in rows
        if row
    ]
    return {
        "realtime_start": "2026-01-02",
        "realtime_end": "2026-01-02",
        "observation_start": "1600-01-01",
        "observation_end": "9999-12-31",
        "units": "lin",
        "output_type": 1,
        "file_type": "json",
        "order_by": "observation_date",
        "sort_order": "asc",
        "count": len(observations),
        "offset": 0,
        "limit": 100000,
        "observations": observations,
    }


def _api_error(status: int, message: str) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps({"error_code": status, "error_message": message}),
        content_type="application/json",
    )


@web.middleware
async def _one_request_per_connection(request: web.Request, handler) -> web.StreamResponse:
    """No keep-alive: a client's pooled connection would keep a server task alive after the
    test (the e2e harness checks that no task outlives the bot)."""
    response = await handler(request)
    response.force_close()
    return response


class FakeFred:
    """The fake server. `requests` records (path, query dict) of every request received."""

    def __init__(
        self,
        csv_texts: dict[str, str],
        *,
        info: dict[str, dict[str, str]] | None = None,
        html_ids: tuple[str, ...] = (),
        status_ids: dict[str, int] | None = None,
        slow_ids: dict[str, float] | None = None,
        api_key: str = API_KEY,
    ) -> None:
        self.csv_texts = csv_texts
        self.info = info or {}
        self.html_ids = set(html_ids)
        self.status_ids = status_ids or {}
        self.slow_ids = slow_ids or {}
        self.api_key = api_key
        self.requests: list[tuple[str, dict[str, str]]] = []
        app = web.Application(middlewares=[_one_request_per_connection])
        app.router.add_get("/graph/fredgraph.csv", self._fredgraph)
        app.router.add_get("/fred/series/observations", self._observations)
        app.router.add_get("/fred/series", self._series)
        self._server = TestServer(app, host="127.0.0.1")

    async def __aenter__(self) -> FakeFred:
        # No access log: it would print the request's api_key into the captured logs.
        await self._server.start_server(access_log=None)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._server.close()

    @property
    def base_url(self) -> str:
        return str(self._server.make_url("")).rstrip("/")

    @contextlib.contextmanager
    def in_thread(self) -> Iterator[FakeFred]:
        """Serve from an event loop in a thread of its own, for code that runs its own loop
        (the CLI's asyncio.run) in the test's thread."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="fake-fred", daemon=True)
        thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self.__aenter__(), loop).result(10)
            try:
                yield self
            finally:
                asyncio.run_coroutine_threadsafe(self.__aexit__(None, None, None), loop).result(10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
            loop.close()

    async def _override(self, series_id: str, *, api: bool) -> web.Response | None:
        if series_id in self.slow_ids:
            await asyncio.sleep(self.slow_ids[series_id])
        if series_id in self.status_ids:
            status = self.status_ids[series_id]
            if api:
                return _api_error(status, f"Fake error {status}.")
            return web.Response(
                status=status,
                text=f"<html><body>Error {status}</body></html>",
                content_type="text/html",
            )
        if series_id in self.html_ids:
            return web.Response(text=HTML_PAGE, content_type="text/html")
        return None

    async def _fredgraph(self, request: web.Request) -> web.Response:
        self.requests.append((request.path, dict(request.query)))
        series_id = request.query.get("id", "")
        override = await self._override(series_id, api=False)
        if override is not None:
            return override
        if series_id not in self.csv_texts:
            return web.Response(status=404, text=NOT_FOUND_PAGE, content_type="text/html")
        return web.Response(text=self.csv_texts[series_id], content_type="text/csv")

    def _check_api(self, request: web.Request) -> web.Response | None:
        if request.query.get("api_key") != self.api_key:
            return _api_error(
                400,
                "Bad Request.  The value for variable api_key is not registered.  Read "
                "https://fred.stlouisfed.org/docs/api/api_key.html for more information.",
            )
        if request.query.get("file_type") != "json":
            return web.Response(status=400, text="<error>xml not faked</error>")
        return None

    async def _observations(self, request: web.Request) -> web.Response:
        self.requests.append((request.path, dict(request.query)))
        series_id = request.query.get("series_id", "")
        refused = self._check_api(request) or await self._override(series_id, api=True)
        if refused is not None:
            return refused
        if series_id not in self.csv_texts:
            return _api_error(400, "Bad Request.  The series does not exist.")
        return web.json_response(observations_payload(self.csv_texts[series_id]))

    async def _series(self, request: web.Request) -> web.Response:
        self.requests.append((request.path, dict(request.query)))
        series_id = request.query.get("series_id", "")
        refused = self._check_api(request) or await self._override(series_id, api=True)
        if refused is not None:
            return refused
        if series_id not in self.csv_texts:
            return _api_error(400, "Bad Request.  The series does not exist.")
        item = {"id": series_id, "title": series_id, "frequency": "Monthly", "units": "Percent"}
        item.update(self.info.get(series_id, {}))
        return web.json_response({"seriess": [item]})


def settings_env(fake: FakeFred) -> dict[str, str]:
    """The environment pointing Settings' FRED endpoints (both) at `fake`."""
    return {"MARKETBOT_FRED_URL": fake.base_url, "MARKETBOT_FRED_API_URL": fake.base_url}
