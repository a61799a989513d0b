"""The REST side: the route table, recording, auth, injected failures, and the routes that only
describe the bot's identity (users/@me, the application, the gateway URL, channels).
"""

from __future__ import annotations

import fnmatch
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from .wire import API_PREFIX, ApiError, RecordedRequest, _json_response
from .world import _VIEW

_log = logging.getLogger(__name__)


@dataclass
class _Failure:
    method: str
    pattern: str
    status: int
    retry_after: float
    via: bool
    remaining: int
    landed: bool = False


class RoutesMixin:
    """Dispatches every HTTP request to its handler; records it; injects failures."""

    def fail_next(
        self,
        method: str,
        path_pattern: str,
        status: int = 429,
        retry_after: float = 0.05,
        via: bool = True,
        *,
        times: int = 1,
        landed: bool = False,
    ) -> None:
        """Answer the next ``times`` requests matching with ``status`` instead of serving them.

        ``path_pattern`` is an fnmatch glob on the path below /api/v10 without the query,
        e.g. ``"/webhooks/*"`` or ``"/channels/*/messages"``. A 429 carries JSON
        ``retry_after`` and, with ``via``, a ``Via`` header: discord.py only retries a 429
        that has both (without ``Via`` it raises HTTPException). Note that discord.py sleeps
        1 + 2*attempt seconds before retrying a 5xx (500, 502, 504, 524; a 503 is raised at
        once). With ``landed`` the request is served first (a message is created) and only
        the answer fails, as when Discord's edge loses the reply of a request that went
        through.
        """
        self._failures.append(
            _Failure(method.upper(), path_pattern, status, retry_after, via, times, landed)
        )

    def requests_matching(self, method: str, path_pattern: str) -> list[RecordedRequest]:
        """Recorded requests with this method whose path matches the fnmatch glob."""
        method = method.upper()
        return [
            r
            for r in self.requests
            if r.method == method and fnmatch.fnmatchcase(r.path, path_pattern)
        ]

    def _route_table(self) -> list[tuple[str, re.Pattern[str], Any, bool]]:
        app = r"(?P<app>\d+)"
        tok = r"(?P<token>[^/]+)"
        guild_commands = rf"/applications/{app}/guilds/(?P<guild>\d+)/commands"
        webhook_message = rf"/webhooks/{app}/{tok}/messages/(?P<mid>@original|\d+)"
        table = [
            ("GET", r"/users/@me", self._get_me, True),
            ("GET", r"/oauth2/applications/@me", self._get_application, True),
            ("GET", r"/gateway", self._get_gateway, False),
            ("GET", r"/gateway/bot", self._get_gateway_bot, True),
            ("PUT", rf"/applications/{app}/commands", self._put_commands, True),
            ("GET", rf"/applications/{app}/commands", self._get_commands, True),
            ("PUT", guild_commands, self._put_commands, True),
            ("GET", guild_commands, self._get_commands, True),
            ("POST", rf"/interactions/(?P<iid>\d+)/{tok}/callback", self._post_callback, False),
            ("POST", rf"/webhooks/{app}/{tok}", self._post_followup, False),
            ("GET", webhook_message, self._get_wh, False),
            ("PATCH", webhook_message, self._patch_wh, False),
            ("DELETE", webhook_message, self._del_wh, False),
            ("GET", r"/channels/(?P<cid>\d+)", self._get_channel, True),
            ("POST", r"/channels/(?P<cid>\d+)/messages", self._post_channel_message, True),
            ("GET", r"/channels/(?P<cid>\d+)/messages", self._get_channel_messages, True),
        ]
        return [(m, re.compile(f"^{p}$"), h, auth) for m, p, h, auth in table]

    async def _http(self, request: web.Request) -> web.Response:
        recorded = await self._record(request)
        if not request.path.startswith(API_PREFIX + "/"):
            return self._unexpected(recorded)
        for method, pattern, handler, needs_auth in self._routes:
            match = pattern.match(recorded.path)
            if match is None or method != recorded.method:
                continue
            failure = self._take_failure(recorded)
            if failure is not None and not failure.landed:
                return self._answer(recorded, *self._failure_response(failure))
            if needs_auth and request.headers.get("Authorization") != f"Bot {self.token}":
                return self._answer(recorded, 401, {"message": "401: Unauthorized", "code": 0})
            try:
                status, body = handler(recorded, **match.groupdict())
                if failure is not None:  # served, but the answer is lost
                    return self._answer(recorded, *self._failure_response(failure))
            except ApiError as err:
                status, body = err.status, err.body()
            except Exception as bug:
                # A 500 would make discord.py retry for ~16 s; a 400 fails the bot's call at
                # once, and the ERROR log makes the harness report the traceback.
                _log.exception("FakeDiscord failed serving %s %s", recorded.method, recorded.path)
                status, body = 400, {"message": f"fake discord raised {bug!r}", "code": 0}
            return self._answer(recorded, status, body)
        return self._unexpected(recorded)

    async def _record(self, request: web.Request) -> RecordedRequest:
        payload: Any = None
        files: dict[str, bytes] = {}
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    payload = json.loads(await part.text())
                elif part.filename is not None:
                    files[part.filename] = bytes(await part.read())
        elif request.can_read_body:
            raw = await request.read()
            if raw:
                payload = json.loads(raw)
        path = (
            request.path.removeprefix(API_PREFIX)
            if request.path.startswith(API_PREFIX + "/")
            else request.path
        )
        recorded = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            json=payload,
            files=files,
            headers=dict(request.headers),
        )
        self.requests.append(recorded)
        return recorded

    def _answer(
        self,
        recorded: RecordedRequest,
        status: int,
        body: Any,
        headers: Mapping[str, str] | None = None,
    ) -> web.Response:
        recorded.status = status
        return _json_response(status, body, headers)

    def _unexpected(self, recorded: RecordedRequest) -> web.Response:
        self.unexpected.append(recorded)
        return self._answer(recorded, 404, {"message": "404: Not Found", "code": 0})

    def _take_failure(self, recorded: RecordedRequest) -> _Failure | None:
        for failure in self._failures:
            if failure.method == recorded.method and fnmatch.fnmatchcase(
                recorded.path, failure.pattern
            ):
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    @staticmethod
    def _failure_response(failure: _Failure) -> tuple[int, dict[str, Any], dict[str, str]]:
        if failure.status == 429:
            body = {
                "message": "You are being rate limited.",
                "retry_after": failure.retry_after,
                "global": False,
            }
            headers = {"Retry-After": str(max(1, round(failure.retry_after)))}
            headers |= {"X-RateLimit-Scope": "user"}
            if failure.via:
                headers["Via"] = "1.1 google"
            return 429, body, headers
        return failure.status, {"message": f"{failure.status}: injected failure", "code": 0}, {}

    # ---------------------------------------------------------- REST routes
    def _get_me(self, req: RecordedRequest) -> tuple[int, Any]:
        return 200, self.bot_user

    def _get_application(self, req: RecordedRequest) -> tuple[int, Any]:
        return 200, {
            "id": str(self.application_id),
            "name": "MarketBot",
            "description": "",
            "icon": None,
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": self.owner_user,
            "team": None,
            "flags": 0,
            "summary": "",
            "rpc_origins": [],
            "interactions_endpoint_url": None,
        }

    def _get_gateway(self, req: RecordedRequest) -> tuple[int, Any]:
        return 200, {"url": self.gateway_url}

    def _get_gateway_bot(self, req: RecordedRequest) -> tuple[int, Any]:
        limit = {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}
        return 200, {"url": self.gateway_url, "shards": 1, "session_start_limit": limit}

    def _get_channel(self, req: RecordedRequest, cid: str) -> tuple[int, Any]:
        channel = self._channel(int(cid))
        if not self.bot_permissions(int(cid)) & _VIEW:
            raise ApiError(403, 50001, "Missing Access")
        return 200, channel
