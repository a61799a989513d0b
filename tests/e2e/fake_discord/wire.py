"""What every part of the fake shares: the wire constants, API errors, recorded requests."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

API_PREFIX = "/api/v10"
JSON_CONTENT_TYPE = "application/json"
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
DISCORD_EPOCH_MS = 1_420_070_400_000

FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7


class ApiError(Exception):
    """A Discord JSON error: HTTP status, Discord error code, message."""

    def __init__(self, status: int, code: int, message: str, errors: dict | None = None) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status, self.code, self.message, self.errors = status, code, message, errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body


@dataclass
class RecordedRequest:
    """One HTTP request the fake received; ``path`` is below /api/v10 and has no query."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    files: dict[str, bytes]
    headers: dict[str, str]
    status: int = 0  # what the fake answered, filled in once answered


def _iso_now() -> str:
    return datetime.now(UTC).isoformat()


def _json_response(
    status: int, body: Any, headers: Mapping[str, str] | None = None
) -> web.Response:
    if status == 204:
        return web.Response(status=204, headers=headers)
    all_headers = {"Content-Type": JSON_CONTENT_TYPE, **(headers or {})}
    return web.Response(status=status, body=json.dumps(body).encode(), headers=all_headers)
