"""``FakeDiscord``: the parts (world, gateway, interactions, commands, messages, routes) on one port."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

from aiohttp import web

from .commands import CommandsMixin
from .dms import DmsMixin
from .gateway import GATEWAY_PATH, GatewayMixin, _GatewaySession
from .guilds import GuildsMixin
from .interactions import InteractionHandle, InteractionsMixin
from .messages import MessagesMixin, Sent
from .routes import RoutesMixin, _Failure
from .wire import API_PREFIX, DISCORD_EPOCH_MS, RecordedRequest
from .world import APPLICATION_ID, DEFAULT_TOKEN, GUILD_ID, WorldMixin

NONCE_WINDOW = 120.0
"""Kept shorter than Discord's few minutes, so a bot that leans on it alone is caught."""


class FakeDiscord(
    DmsMixin,
    GuildsMixin,
    WorldMixin,
    GatewayMixin,
    InteractionsMixin,
    CommandsMixin,
    MessagesMixin,
    RoutesMixin,
):
    """Gateway + REST Discord on an ephemeral 127.0.0.1 port.

    Knobs: ``fail_next`` (a 429 or any status for the next matching request),
    ``delete_channel`` and ``set_bot_permissions`` (both announce the change on the gateway),
    ``nonce_window`` / ``clock`` (POST /channels/{id}/messages with ``enforce_nonce``
    returns the first message for a nonce seen within the window, as Discord does),
    ``send_interaction`` (dispatch a slash command or autocomplete and get a handle).
    Records: ``requests``, ``unexpected``, ``synced_commands``, ``channel_messages``,
    ``nonce_repeats``,
    ``gateway_received`` (what the client sent on the websocket),
    ``dm_messages`` (DMs by user; ``close_dms`` refuses them with 50007, dms.py).
    ``add_guild`` adds a server (guilds.py).
    """

    def __init__(self, *, token: str = DEFAULT_TOKEN, guild_id: int = GUILD_ID) -> None:
        self.token = token
        self.guild_id = guild_id
        self.application_id = APPLICATION_ID
        self.requests: list[RecordedRequest] = []
        self.unexpected: list[RecordedRequest] = []
        self.gateway_received: list[dict[str, Any]] = []
        # What the bot synced: key None for global commands, the guild id for guild ones.
        self.synced_commands: dict[int | None, list[dict[str, Any]]] = {}
        self.channel_messages: dict[int, list[Sent]] = {}
        # Nonces of channel posts: (author id, nonce) -> (clock() when first seen, message).
        self._nonces: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
        self.nonce_window = NONCE_WINDOW
        """Seconds a nonce is remembered (Discord: "a few minutes")."""
        self.clock = time.monotonic
        """The fake's clock for the nonce window (seconds); tests may replace it."""
        self.nonce_repeats: list[RecordedRequest] = []
        """POSTs answered with an earlier message because their nonce was seen."""
        self._failures: list[_Failure] = []
        self._interactions: dict[str, InteractionHandle] = {}
        self._sessions: set[_GatewaySession] = set()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._sync_seen: asyncio.Event | None = None
        self.port = 0
        self._build_guilds()
        self._build_world()
        self._build_dms()
        self._routes = self._route_table()

    # ----------------------------------------------------------------- life
    async def start(self) -> FakeDiscord:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_get(GATEWAY_PATH, self._gateway)
        app.router.add_route("*", "/{tail:.*}", self._http)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._sync_seen = asyncio.Event()
        return self

    async def stop(self) -> None:
        for session in list(self._sessions):
            await session.ws.close(code=1001, message=b"fake discord stopping")
        self._sessions.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeDiscord:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def api_base(self) -> str:
        """What ``discord.http.Route.BASE`` must be."""
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def gateway_url(self) -> str:
        """What ``DiscordWebSocket.DEFAULT_GATEWAY`` must be."""
        return f"ws://127.0.0.1:{self.port}{GATEWAY_PATH}"

    def _snowflake(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._ids) & 0x3FFFFF)
