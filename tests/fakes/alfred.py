"""ALFRED on the fake FRED: `/fred/series/observations` with `realtime_start`/`realtime_end`
answers every vintage of a series, as FRED's API does, paged by `limit`/`offset` (the page is at
most `page_size` rows, so a test can make the client page). Without the real-time parameters the
request is the plain fake FRED's.

    async with FakeAlfred({"GDPC1": [{"realtime_start": ..., "realtime_end": ..., "date": ...,
                                      "value": "101.0"}, ...]}) as fake:
"""

from __future__ import annotations

from aiohttp import web

from tests.fakes.fred import FakeFred


class FakeAlfred(FakeFred):
    def __init__(
        self,
        realtime: dict[str, list[dict[str, str]]],
        *,
        csv_texts: dict[str, str] | None = None,
        page_size: int = 100_000,
        **kwargs,
    ) -> None:
        super().__init__(csv_texts or {}, **kwargs)
        self.realtime = realtime
        self.page_size = page_size

    async def _observations(self, request: web.Request) -> web.Response:
        if "realtime_start" not in request.query:
            return await super()._observations(request)
        self.requests.append((request.path, dict(request.query)))
        series_id = request.query.get("series_id", "")
        refused = self._check_api(request) or await self._override(series_id, api=True)
        if refused is not None:
            return refused
        if series_id not in self.realtime:
            return web.json_response(
                {"error_code": 400, "error_message": "Bad Request.  The series does not exist."},
                status=400,
            )
        rows = self.realtime[series_id]
        offset = int(request.query.get("offset", "0"))
        limit = min(int(request.query.get("limit", "100000")), self.page_size)
        return web.json_response(
            {
                "realtime_start": request.query["realtime_start"],
                "realtime_end": request.query.get("realtime_end", ""),
                "count": len(rows),
                "offset": offset,
                "limit": limit,
                "observations": rows[offset : offset + limit],
            }
        )
