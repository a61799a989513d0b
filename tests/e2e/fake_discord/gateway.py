"""The gateway websocket: HELLO, heartbeats, IDENTIFY -> READY + GUILD_CREATE, dispatches."""

from __future__ import annotations

import asyncio
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from .world import BOT_USER_ID, USER_ID

HEARTBEAT_INTERVAL_MS = 41_250
GATEWAY_PATH = "/gateway"


@dataclass(eq=False)  # hashed by identity: the fake keeps a set of live sessions
class _GatewaySession:
    ws: web.WebSocketResponse
    seq: int = 0
    identified: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def send(self, payload: dict[str, Any]) -> None:
        async with self.lock:
            if payload.get("op") == 0:
                self.seq += 1
                payload = {**payload, "s": self.seq}
            await self.ws.send_str(json.dumps(payload))


class GatewayMixin:
    """Serves ``/gateway`` and sends events to identified sessions."""

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a DISPATCH (op 0) event to every identified gateway session."""
        sessions = [s for s in self._sessions if s.identified]
        if not sessions:
            raise RuntimeError(f"cannot dispatch {event}: no identified gateway session")
        for session in sessions:
            await session.send({"op": 0, "t": event, "d": data})

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        session = _GatewaySession(ws)
        self._sessions.add(session)
        try:
            await session.send({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}})
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                self.gateway_received.append(payload)
                await self._on_gateway_payload(session, payload)
        finally:
            self._sessions.discard(session)
        return ws

    async def _on_gateway_payload(self, session: _GatewaySession, payload: dict) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == 1:
            await session.send({"op": 11})
        elif op == 2:
            if data.get("token") != self.token:
                await session.ws.close(code=4004, message=b"Authentication failed.")
                return
            ready: dict[str, Any] = {
                "v": 10,
                "user": self.bot_user,
                "guilds": [{"id": str(g), "unavailable": True} for g in self.guild_ids],
                "session_id": secrets.token_hex(16),
                "resume_gateway_url": self.gateway_url,
                "application": {"id": str(self.application_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "geo_ordered_rtc_regions": [],
            }
            if "shard" in data:  # AutoShardedBot identifies with [shard_id, shard_count]
                ready["shard"] = data["shard"]
            session.identified = True
            await session.send({"op": 0, "t": "READY", "d": ready})
            for guild in self.guild_ids:
                await session.send({"op": 0, "t": "GUILD_CREATE", "d": self.guild_payload(guild)})
        elif op == 6:
            await session.send({"op": 9, "d": False})  # resuming is not supported
        elif op == 8:
            chunk = {
                "guild_id": str(self.guild_id),
                "members": [self._member(BOT_USER_ID), self._member(USER_ID)],
                "chunk_index": 0,
                "chunk_count": 1,
                "nonce": data.get("nonce"),
            }
            await session.send({"op": 0, "t": "GUILD_MEMBERS_CHUNK", "d": chunk})
