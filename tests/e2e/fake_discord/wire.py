"""What every part of the fake shares: the wire constants, API errors, recorded requests."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

API_PREFIX = "/api/v10"
JSON_CONTENT_TYPE = "application/json"
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
DISCORD_EPOCH_MS = 1_420_070_400_000

TIMEOUT_ENV = "MARKETBOT_E2E_TIMEOUT"
DEFAULT_WAIT_CEILING = 30.0


def wait_ceiling() -> float:
    """How long, in seconds, an e2e wait on an event may last before it fails.

    $MARKETBOT_E2E_TIMEOUT, else DEFAULT_WAIT_CEILING. Every wait ends as soon as its event
    arrives, so a passing test is never slower for a high ceiling; it only bounds how long a
    failing one hangs. It is generous because a first chart on a busy 2-core machine shared
    with other test runs can take several seconds (a 5 s ceiling failed there).
    """
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    if not raw:
        return DEFAULT_WAIT_CEILING
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{TIMEOUT_ENV}={raw!r}: write a number of seconds, e.g. 30") from None
    if not value > 0:
        raise ValueError(f"{TIMEOUT_ENV}={raw!r}: write a positive number of seconds")
    return value


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
