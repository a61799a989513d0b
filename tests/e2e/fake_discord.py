"""A fake Discord on 127.0.0.1: the gateway websocket and the REST v10 routes a slash-command
bot uses, so end-to-end tests run the real discord.py client with no network.

What it serves (facts in /work/shared/notes/discord-offline-testing.md):

- ``ws://127.0.0.1:PORT/gateway``: HELLO, heartbeat ACK, IDENTIFY -> READY + GUILD_CREATE
  (one guild, two text channels with permission overwrites, @everyone and a bot role, the bot
  member), RESUME -> op 9 ``false``, request-members -> one GUILD_MEMBERS_CHUNK. Frames are
  plain text: the client only inflates binary ones, so ``compress=zlib-stream`` is ignored.
- ``http://127.0.0.1:PORT/api/v10``: users/@me, oauth2/applications/@me, gateway(/bot),
  command sync (PUT/GET, global and guild), interaction callbacks, webhook follow-ups
  (POST, GET/PATCH/DELETE of @original or a message id), GET /channels/{id} and
  POST /channels/{id}/messages. Bodies are JSON or multipart (``payload_json`` + ``files[n]``).
  JSON replies carry ``Content-Type: application/json`` exactly: with ``; charset=utf-8``
  discord.py reads the body as text.

Every request is recorded (``requests``); anything no route knows lands in ``unexpected`` and
answers 404, so a test can assert the bot called nothing it should not.

It plays Discord's rules where a bot can get them wrong: command payloads are validated like
Discord does (names, description lengths, option order, limits), a second interaction
callback answers 40060, a follow-up before the callback answers Unknown Webhook, options
are checked against the synced command (types, choices, ranges) before an interaction is
sent, posting needs View Channel / Send Messages / Attach Files in the channel.

One FakeDiscord serves one bot at a time; start and stop it in the test's event loop.
"""

from __future__ import annotations

import asyncio
import copy
import fnmatch
import itertools
import json
import logging
import mimetypes
import re
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord
from aiohttp import WSMsgType, web

_log = logging.getLogger(__name__)

API_PREFIX = "/api/v10"
GATEWAY_PATH = "/gateway"
JSON_CONTENT_TYPE = "application/json"
HEARTBEAT_INTERVAL_MS = 41_250
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
DISCORD_EPOCH_MS = 1_420_070_400_000

FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7

# Fixed ids so tests can name the world without asking the fake.
APPLICATION_ID = 1_100_000_000_000_000_001
BOT_USER_ID = APPLICATION_ID  # Discord gives a bot user the id of its application.
OWNER_ID = 1_100_000_000_000_000_002
USER_ID = 1_100_000_000_000_000_003
GUILD_ID = 1_100_000_000_000_000_100
GENERAL_CHANNEL_ID = 1_100_000_000_000_000_101
MARKETS_CHANNEL_ID = 1_100_000_000_000_000_102
BOT_ROLE_ID = 1_100_000_000_000_000_110
DM_CHANNEL_ID = 1_100_000_000_000_000_300
DEFAULT_TOKEN = "fake-discord-bot-token"

ALL_PERMISSIONS = discord.Permissions.all().value
MEMBER_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    add_reactions=True,
    use_external_emojis=True,
    use_application_commands=True,
).value
_P = discord.Permissions
_VIEW = _P(view_channel=True).value
_SEND = _P(send_messages=True).value
_ATTACH = _P(attach_files=True).value
_ADMIN = _P(administrator=True).value
# Without Send Messages, Discord also withholds what only makes sense when sending.
_NEEDS_SEND = _P(
    embed_links=True, attach_files=True, mention_everyone=True, send_tts_messages=True
).value

_NAME_RE = re.compile(r"^[-_'\w]{1,32}$")
_OPTION_TYPES = {3: "string", 4: "integer", 5: "boolean", 6: "user", 7: "channel", 8: "role"}
_OPTION_TYPES |= {9: "mentionable", 10: "number", 11: "attachment"}
_SUBCOMMAND, _SUBCOMMAND_GROUP = 1, 2

_GUILD = object()  # "the fake's guild", the default of send_interaction(guild_id=...)


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


@dataclass
class Sent:
    """Something the bot sent for an interaction or to a channel.

    kind: "callback" (interaction response), "followup" (webhook POST), "edit" (webhook
    PATCH of @original or of a follow-up) or "channel" (POST /channels/{id}/messages).
    payload: the JSON body the bot sent (``payload_json`` of a multipart body); for a
    callback it is ``{"type": N, "data": {...}}``. files: uploaded files by filename.
    message: the message object the fake answered with (None for callbacks without one).
    """

    kind: str
    payload: dict[str, Any]
    files: dict[str, bytes]
    message: dict[str, Any] | None

    @property
    def type(self) -> int | None:
        """The interaction callback type (4 message, 5 deferred, 8 autocomplete...)."""
        return self.payload.get("type") if self.kind == "callback" else None

    @property
    def data(self) -> dict[str, Any]:
        """The message fields the bot sent: ``payload["data"]`` for callbacks."""
        if self.kind == "callback":
            return self.payload.get("data") or {}
        return self.payload

    @property
    def content(self) -> str | None:
        return self.data.get("content")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        """Embeds as the bot sent them (image urls still ``attachment://name``)."""
        return list(self.data.get("embeds") or [])

    @property
    def flags(self) -> int:
        """Flags of the resulting message (for follow-ups to a defer, the defer's ones)."""
        if self.message is not None:
            return int(self.message.get("flags") or 0)
        return int(self.data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & FLAG_EPHEMERAL)

    @property
    def choices(self) -> list[dict[str, Any]]:
        """Autocomplete choices (callback type 8)."""
        return list(self.data.get("choices") or [])


class InteractionHandle:
    """One interaction the fake dispatched; await what the bot answered."""

    def __init__(self, payload: dict[str, Any]) -> None:
        self.payload = payload
        self.id = int(payload["id"])
        self.token: str = payload["token"]
        self.type: int = payload["type"]
        self.channel_id = int(payload["channel_id"])
        loop = asyncio.get_running_loop()
        self._response: asyncio.Future[Sent] = loop.create_future()
        self._followup: asyncio.Future[Sent] = loop.create_future()
        self._final: asyncio.Future[Sent] = loop.create_future()
        self._sent: list[Sent] = []
        self.original: dict[str, Any] | None = None
        self.followups: dict[int, dict[str, Any]] = {}

    @property
    def acknowledged(self) -> bool:
        return self._response.done()

    async def response(self, timeout: float = 5.0) -> Sent:
        """The interaction callback (type 4 message, 5 defer, 8 autocomplete choices...)."""
        return await self._wait(self._response, "interaction callback", timeout)

    async def followup(self, timeout: float = 5.0) -> Sent:
        """The first webhook message after the callback: a follow-up POST or PATCH @original."""
        return await self._wait(self._followup, "follow-up or edit of @original", timeout)

    async def final(self, timeout: float = 5.0) -> Sent:
        """The first follow-up or edit that is not a progress line ("⏳ …" without an embed):
        what the user ends up seeing after a deferred reply that showed progress."""
        return await self._wait(self._final, "final answer", timeout)

    async def settled(self, timeout: float = 5.0) -> list[Sent]:
        """Every message of the interaction, once the final answer has arrived."""
        await self.final(timeout)
        return self.all_messages()

    def all_messages(self) -> list[Sent]:
        """Everything answered so far, in order: callback, follow-ups, edits."""
        return list(self._sent)

    async def _wait(self, future: asyncio.Future[Sent], what: str, timeout: float) -> Sent:
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            seen = [(s.kind, s.type, s.content) for s in self._sent]
            raise AssertionError(
                f"no {what} for /{self.payload['data']['name']} within {timeout}s; seen: {seen}"
            ) from None

    def _record(self, sent: Sent) -> None:
        self._sent.append(sent)
        if sent.kind == "callback":
            if not self._response.done():
                self._response.set_result(sent)
        else:
            if not self._followup.done():
                self._followup.set_result(sent)
            progress = (sent.content or "").startswith("⏳") and not sent.embeds
            if not progress and not self._final.done():
                self._final.set_result(sent)


@dataclass
class _Failure:
    method: str
    pattern: str
    status: int
    retry_after: float
    via: bool
    remaining: int


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


def _iso_now() -> str:
    return datetime.now(UTC).isoformat()


def _json_response(
    status: int, body: Any, headers: Mapping[str, str] | None = None
) -> web.Response:
    if status == 204:
        return web.Response(status=204, headers=headers)
    all_headers = {"Content-Type": JSON_CONTENT_TYPE, **(headers or {})}
    return web.Response(status=status, body=json.dumps(body).encode(), headers=all_headers)


def _perm_value(value: int | discord.Permissions) -> int:
    return value.value if isinstance(value, discord.Permissions) else int(value)


class FakeDiscord:
    """Gateway + REST Discord on an ephemeral 127.0.0.1 port.

    Knobs: ``fail_next`` (a 429 or any status for the next matching request),
    ``delete_channel`` and ``set_bot_permissions`` (both announce the change on the gateway),
    ``send_interaction`` (dispatch a slash command or autocomplete and get a handle).
    Records: ``requests``, ``unexpected``, ``synced_commands``, ``channel_messages``,
    ``gateway_received`` (what the client sent on the websocket).
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
        self._failures: list[_Failure] = []
        self._interactions: dict[str, InteractionHandle] = {}
        self._sessions: set[_GatewaySession] = set()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._sync_seen: asyncio.Event | None = None
        self.port = 0
        self._build_world()
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

    # ---------------------------------------------------------------- world
    def _build_world(self) -> None:
        self.bot_user = self._user(BOT_USER_ID, "MarketBot", bot=True)
        self.owner_user = self._user(OWNER_ID, "owner")
        self.user = self._user(USER_ID, "writer")
        self.roles: dict[int, dict[str, Any]] = {
            self.guild_id: self._role(self.guild_id, "@everyone", MEMBER_PERMISSIONS, 0),
            BOT_ROLE_ID: self._role(BOT_ROLE_ID, "MarketBot", MEMBER_PERMISSIONS, 1, bot=True),
        }
        member_ow = {"type": 1, "allow": str(_SEND), "deny": "0"}
        self.channels: dict[int, dict[str, Any]] = {
            GENERAL_CHANNEL_ID: self._text_channel(GENERAL_CHANNEL_ID, "general", 0, []),
            # Readers may not talk in #markets; the bot may, through a member overwrite.
            MARKETS_CHANNEL_ID: self._text_channel(
                MARKETS_CHANNEL_ID,
                "markets",
                1,
                [
                    {"id": str(self.guild_id), "type": 0, "allow": "0", "deny": str(_SEND)},
                    {"id": str(BOT_USER_ID), **member_ow},
                ],
            ),
        }
        self.member_roles: dict[int, list[int]] = {BOT_USER_ID: [BOT_ROLE_ID], USER_ID: []}
        self.users = {u["id"]: u for u in (self.bot_user, self.owner_user, self.user)}

    @staticmethod
    def _user(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
        return {
            "id": str(user_id),
            "username": name,
            "discriminator": "0",
            "global_name": None,
            "avatar": None,
            "bot": bot,
            "public_flags": 0,
            "flags": 0,
            "verified": True,
            "mfa_enabled": False,
        }

    @staticmethod
    def _role(role_id: int, name: str, perms: int, position: int, bot: bool = False) -> dict:
        role = {
            "id": str(role_id),
            "name": name,
            "permissions": str(perms),
            "position": position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": bot,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }
        if bot:
            role["tags"] = {"bot_id": str(BOT_USER_ID)}
        return role

    def _text_channel(self, cid: int, name: str, position: int, overwrites: list) -> dict:
        return {
            "id": str(cid),
            "type": 0,
            "guild_id": str(self.guild_id),
            "name": name,
            "position": position,
            "permission_overwrites": overwrites,
            "topic": None,
            "nsfw": False,
            "parent_id": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }

    def _member(self, user_id: int, *, with_user: bool = True) -> dict[str, Any]:
        member: dict[str, Any] = {
            "roles": [str(r) for r in self.member_roles.get(user_id, [])],
            "joined_at": "2024-01-02T03:04:05+00:00",
            "nick": None,
            "avatar": None,
            "premium_since": None,
            "pending": False,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "communication_disabled_until": None,
        }
        if with_user:
            member["user"] = self.users.get(str(user_id)) or self._user(user_id, f"user{user_id}")
        return member

    def guild_payload(self) -> dict[str, Any]:
        """The GUILD_CREATE payload (also what the bot caches as its one guild)."""
        return {
            "id": str(self.guild_id),
            "name": "Market Writers",
            "icon": None,
            "owner_id": str(OWNER_ID),
            "unavailable": False,
            "large": False,
            "member_count": 3,
            "joined_at": "2024-01-02T03:04:05+00:00",
            "features": [],
            "preferred_locale": "en-US",
            "roles": list(self.roles.values()),
            "channels": [
                {k: v for k, v in c.items() if k != "guild_id"} for c in self.channels.values()
            ],
            "members": [self._member(BOT_USER_ID)],
            "threads": [],
            "emojis": [],
            "stickers": [],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "system_channel_id": str(GENERAL_CHANNEL_ID),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
        }

    def permissions_in(self, channel_id: int, user_id: int) -> int:
        """Discord's permission algorithm: base roles, then @everyone, role, member overwrites."""
        channel = self._channel(channel_id)
        if user_id == OWNER_ID:
            return ALL_PERMISSIONS
        role_ids = self.member_roles.get(user_id, [])
        perms = int(self.roles[self.guild_id]["permissions"])
        for rid in role_ids:
            perms |= int(self.roles[rid]["permissions"])
        if perms & _ADMIN:
            return ALL_PERMISSIONS
        overwrites = {(int(o["id"]), o["type"]): o for o in channel["permission_overwrites"]}

        def apply(perms: int, allow: int, deny: int) -> int:
            return (perms & ~deny) | allow

        if (ow := overwrites.get((self.guild_id, 0))) is not None:
            perms = apply(perms, int(ow["allow"]), int(ow["deny"]))
        role_allow = role_deny = 0
        for rid in role_ids:
            if (ow := overwrites.get((rid, 0))) is not None:
                role_allow |= int(ow["allow"])
                role_deny |= int(ow["deny"])
        perms = apply(perms, role_allow, role_deny)
        if (ow := overwrites.get((user_id, 1))) is not None:
            perms = apply(perms, int(ow["allow"]), int(ow["deny"]))
        if not perms & _VIEW:
            return 0
        if not perms & _SEND:
            perms &= ~_NEEDS_SEND
        return perms

    def bot_permissions(self, channel_id: int) -> int:
        """The bot's effective permissions in a channel (what ``app_permissions`` carries)."""
        return self.permissions_in(channel_id, BOT_USER_ID)

    def _channel(self, channel_id: int) -> dict[str, Any]:
        try:
            return self.channels[int(channel_id)]
        except KeyError:
            raise ApiError(404, 10003, "Unknown Channel") from None

    # ---------------------------------------------------------------- knobs
    def fail_next(
        self,
        method: str,
        path_pattern: str,
        status: int = 429,
        retry_after: float = 0.05,
        via: bool = True,
        *,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` requests matching with ``status`` instead of serving them.

        ``path_pattern`` is an fnmatch glob on the path below /api/v10 without the query,
        e.g. ``"/webhooks/*"`` or ``"/channels/*/messages"``. A 429 carries JSON
        ``retry_after`` and, with ``via``, a ``Via`` header: discord.py only retries a 429
        that has both (without ``Via`` it raises HTTPException). Note that discord.py sleeps
        1 + 2*attempt seconds before retrying a 5xx.
        """
        self._failures.append(
            _Failure(method.upper(), path_pattern, status, retry_after, via, times)
        )

    async def delete_channel(self, channel_id: int, *, notify: bool = True) -> None:
        """Delete a channel: REST for it answers 404 Unknown Channel (10003) from now on.

        With ``notify`` the bot hears CHANNEL_DELETE on the gateway, as from real Discord.
        """
        channel = self.channels.pop(int(channel_id))
        if notify:
            await self.dispatch("CHANNEL_DELETE", channel)

    async def set_bot_permissions(
        self,
        channel_id: int,
        *,
        allow: int | discord.Permissions = 0,
        deny: int | discord.Permissions = 0,
        notify: bool = True,
    ) -> None:
        """Set the bot's member overwrite in a channel (replacing any it had).

        Effective permissions follow Discord's rules, e.g. ``deny=Permissions(send_messages=True)``
        makes POST /channels/{id}/messages answer 403 Missing Permissions (50013) and drops the
        bit from ``app_permissions`` of interactions there. ``notify`` sends CHANNEL_UPDATE.
        """
        channel = self._channel(channel_id)
        kept = [
            o
            for o in channel["permission_overwrites"]
            if not (o["type"] == 1 and int(o["id"]) == BOT_USER_ID)
        ]
        ow = {"id": str(BOT_USER_ID), "type": 1}
        kept.append({**ow, "allow": str(_perm_value(allow)), "deny": str(_perm_value(deny))})
        channel["permission_overwrites"] = kept
        if notify:
            await self.dispatch("CHANNEL_UPDATE", channel)

    def requests_matching(self, method: str, path_pattern: str) -> list[RecordedRequest]:
        """Recorded requests with this method whose path matches the fnmatch glob."""
        method = method.upper()
        return [
            r
            for r in self.requests
            if r.method == method and fnmatch.fnmatchcase(r.path, path_pattern)
        ]

    def command(self, name: str, guild_id: int | None = None) -> dict[str, Any]:
        """The synced command called ``name`` (guild ``guild_id``, or global for None)."""
        for cmd in self.synced_commands.get(guild_id, []):
            if cmd["name"] == name:
                return cmd
        where = f"guild {guild_id}" if guild_id else "global"
        raise LookupError(f"/{name} is not synced ({where}); synced: {self._synced_names()}")

    async def wait_for_sync(self, timeout: float = 5.0) -> None:
        """Wait until the bot has PUT its commands (global or guild) at least once."""
        assert self._sync_seen is not None, "FakeDiscord.start() was not awaited"
        await asyncio.wait_for(self._sync_seen.wait(), timeout)

    # -------------------------------------------------------------- gateway
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
                "guilds": [{"id": str(self.guild_id), "unavailable": True}],
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
            await session.send({"op": 0, "t": "GUILD_CREATE", "d": self.guild_payload()})
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

    # ---------------------------------------------------------- interactions
    async def send_interaction(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        *,
        type: int = 2,
        focused: str | None = None,
        user_permissions: int | discord.Permissions | None = None,
        channel_id: int | None = None,
        guild_id: Any = _GUILD,
        user_id: int = USER_ID,
        locale: str = "en-US",
    ) -> InteractionHandle:
        """Dispatch INTERACTION_CREATE for the synced command ``name`` and return its handle.

        ``name`` may hold sub-commands: ``"subscribe add"``. ``options`` maps option names to
        values; they are typed and checked against the synced command (unknown names, missing
        required options, choices and ranges raise ValueError, as Discord's client would not
        send them). Channel/user/role options take an id (or an object with ``.id``) and are
        sent with ``resolved`` data. ``type=4`` sends an autocomplete request: ``focused`` names
        the option being typed (default: the last given option that has autocomplete).
        ``channel_id`` defaults to #general; ``user_permissions`` to the invoker's computed
        permissions in the channel; ``guild_id=None`` sends it from a DM (global commands only).
        """
        if type not in (2, 4):
            raise ValueError("type must be 2 (slash command) or 4 (autocomplete)")
        guild = self.guild_id if guild_id is _GUILD else guild_id
        if guild is not None and guild != self.guild_id:
            raise ValueError(f"the fake has one guild, {self.guild_id}, not {guild}")
        if channel_id is None:
            channel_id = GENERAL_CHANNEL_ID if guild is not None else DM_CHANNEL_ID
        root, *subpath = name.split()
        cmd, command_guild = self._find_command(root, guild)
        given = dict(options or {})
        resolved: dict[str, dict[str, Any]] = {}
        built = self._build_options(
            cmd, subpath, given, type == 4, focused, resolved, channel_id, user_id, guild
        )
        data: dict[str, Any] = {"id": cmd["id"], "name": root, "type": cmd.get("type", 1)}
        data["options"] = built
        if resolved:
            data["resolved"] = resolved
        if command_guild is not None:
            data["guild_id"] = str(command_guild)
        payload = self._interaction_payload(
            type, data, channel_id, user_id, guild, user_permissions, locale
        )
        handle = InteractionHandle(payload)
        self._interactions[handle.token] = handle
        await self.dispatch("INTERACTION_CREATE", payload)
        return handle

    def _find_command(self, root: str, guild: int | None) -> tuple[dict[str, Any], int | None]:
        if guild is not None:
            for cmd in self.synced_commands.get(guild, []):
                if cmd["name"] == root and cmd.get("type", 1) == 1:
                    return cmd, guild
        for cmd in self.synced_commands.get(None, []):
            if cmd["name"] == root and cmd.get("type", 1) == 1:
                return cmd, None
        raise LookupError(f"/{root} was not synced; synced: {self._synced_names()}")

    def _synced_names(self) -> dict[str, list[str]]:
        return {
            ("global" if k is None else str(k)): [c["name"] for c in v]
            for k, v in self.synced_commands.items()
        }

    def _build_options(
        self,
        cmd: dict[str, Any],
        subpath: list[str],
        given: dict[str, Any],
        autocomplete: bool,
        focused: str | None,
        resolved: dict[str, dict[str, Any]],
        channel_id: int,
        user_id: int,
        guild: int | None,
    ) -> list[dict[str, Any]]:
        declared = cmd.get("options") or []
        label = cmd["name"]
        wrappers: list[dict[str, Any]] = []
        for part in subpath:
            sub = next(
                (o for o in declared if o["name"] == part and o["type"] in (1, 2)),
                None,
            )
            if sub is None:
                raise ValueError(f"/{label} has no sub-command {part!r}")
            wrappers.append({"name": part, "type": sub["type"], "options": []})
            declared = sub.get("options") or []
            label = f"{label} {part}"
        if any(o["type"] in (_SUBCOMMAND, _SUBCOMMAND_GROUP) for o in declared):
            raise ValueError(f"/{label} needs a sub-command: {[o['name'] for o in declared]}")
        by_name = {o["name"]: o for o in declared}
        unknown = set(given) - set(by_name)
        if unknown:
            raise ValueError(
                f"/{label} has no option {sorted(unknown)}; it declares {list(by_name)}"
            )
        if autocomplete:
            if focused is None:
                candidates = [n for n in given if by_name[n].get("autocomplete")]
                if not candidates:
                    raise ValueError(f"/{label}: no given option has autocomplete; pass focused=")
                focused = candidates[-1]
            if focused not in given:
                raise ValueError(f"focused option {focused!r} must be among the given options")
        else:
            missing = [n for n, o in by_name.items() if o.get("required") and n not in given]
            if missing:
                raise ValueError(f"/{label} requires {missing}")
        leaf = []
        for opt_name, value in given.items():
            decl = by_name[opt_name]
            if autocomplete and opt_name == focused:
                # While typing, Discord sends the raw text whatever the option type.
                leaf.append(
                    {"name": opt_name, "type": decl["type"], "value": str(value), "focused": True}
                )
                continue
            wire = self._option_value(label, decl, value, resolved, channel_id, user_id, guild)
            leaf.append({"name": opt_name, "type": decl["type"], "value": wire})
        if not wrappers:
            return leaf
        wrappers[-1]["options"] = leaf
        for outer, inner in itertools.pairwise(wrappers):
            outer["options"] = [inner]
        return [wrappers[0]]

    def _option_value(
        self,
        label: str,
        decl: dict[str, Any],
        value: Any,
        resolved: dict[str, dict[str, Any]],
        channel_id: int,
        user_id: int,
        guild: int | None,
    ) -> Any:
        kind, name = decl["type"], decl["name"]
        where = f"/{label} {name}"
        if kind == 3:
            value = str(value)
            if not decl.get("min_length", 0) <= len(value) <= decl.get("max_length", 6000):
                raise ValueError(f"{where}: length of {value!r} outside the declared bounds")
        elif kind == 4:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{where} is an integer, got {value!r}")
        elif kind == 10:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{where} is a number, got {value!r}")
        elif kind == 5:
            if not isinstance(value, bool):
                raise ValueError(f"{where} is a boolean, got {value!r}")
        elif kind in (6, 7, 8, 9):
            return self._resolve_snowflake(where, decl, value, resolved, channel_id, user_id, guild)
        else:
            raise NotImplementedError(f"{where}: option type {kind} is not supported by the fake")
        if kind in (4, 10):
            low, high = decl.get("min_value"), decl.get("max_value")
            if (low is not None and value < low) or (high is not None and value > high):
                raise ValueError(f"{where}: {value!r} outside [{low}, {high}]")
        choices = decl.get("choices")
        if choices and value not in [c["value"] for c in choices]:
            raise ValueError(f"{where}: {value!r} is not one of the choices {choices}")
        return value

    def _resolve_snowflake(
        self,
        where: str,
        decl: dict[str, Any],
        value: Any,
        resolved: dict[str, dict[str, Any]],
        channel_id: int,
        user_id: int,
        guild: int | None,
    ) -> str:
        sid = int(getattr(value, "id", value))
        kind = decl["type"]
        if kind == 7:
            channel = self.channels.get(sid)
            if channel is None:
                raise ValueError(f"{where}: no channel {sid} in the fake guild")
            if decl.get("channel_types") and channel["type"] not in decl["channel_types"]:
                raise ValueError(f"{where}: channel type {channel['type']} not allowed")
            perms = self.permissions_in(sid, user_id)
            entry = {k: channel[k] for k in ("id", "name", "type", "guild_id", "parent_id")}
            entry |= {"permissions": str(perms), "topic": channel["topic"], "nsfw": False}
            entry |= {"position": channel["position"], "last_message_id": None, "flags": 0}
            entry |= {"rate_limit_per_user": 0}
            resolved.setdefault("channels", {})[str(sid)] = entry
        elif kind == 8 or (kind == 9 and sid in self.roles):
            if sid not in self.roles:
                raise ValueError(f"{where}: no role {sid} in the fake guild")
            resolved.setdefault("roles", {})[str(sid)] = self.roles[sid]
        else:
            user = self.users.get(str(sid)) or self._user(sid, f"user{sid}")
            resolved.setdefault("users", {})[str(sid)] = user
            if guild is not None and sid in self.member_roles:
                member = self._member(sid, with_user=False)
                member["permissions"] = str(self.permissions_in(channel_id, sid))
                resolved.setdefault("members", {})[str(sid)] = member
        return str(sid)

    def _interaction_payload(
        self,
        type: int,
        data: dict[str, Any],
        channel_id: int,
        user_id: int,
        guild: int | None,
        user_permissions: int | discord.Permissions | None,
        locale: str,
    ) -> dict[str, Any]:
        user = self.users.get(str(user_id)) or self._user(user_id, f"user{user_id}")
        payload: dict[str, Any] = {
            "id": str(self._snowflake()),
            "application_id": str(self.application_id),
            "type": type,
            "data": data,
            "token": f"itok-{secrets.token_urlsafe(24)}",
            "version": 1,
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "locale": locale,
            "entitlements": [],
        }
        if guild is None:
            dm_perms = discord.Permissions(
                view_channel=True,
                send_messages=True,
                embed_links=True,
                attach_files=True,
                read_message_history=True,
            ).value
            payload |= {
                "user": user,
                "channel_id": str(channel_id),
                "channel": {"id": str(channel_id), "type": 1, "recipients": [user], "flags": 0},
                "app_permissions": str(dm_perms),
                "authorizing_integration_owners": {"0": str(user_id)},
                "context": 1,  # BOT_DM
            }
            return payload
        channel = self._channel(channel_id)
        if user_permissions is None:
            perms = self.permissions_in(channel_id, user_id)
        else:
            perms = _perm_value(user_permissions)
        member = self._member(user_id) | {"permissions": str(perms)}
        member["user"] = user
        payload |= {
            "guild_id": str(guild),
            "guild": {"id": str(guild), "locale": "en-US", "features": []},
            "guild_locale": "en-US",
            "channel_id": str(channel_id),
            "channel": {**channel, "permissions": str(perms)},
            "member": member,
            "app_permissions": str(self.bot_permissions(channel_id)),
            "authorizing_integration_owners": {"0": str(guild)},
            "context": 0,  # GUILD
        }
        return payload

    # ----------------------------------------------------------------- http
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
            if (failure := self._take_failure(recorded)) is not None:
                return self._answer(recorded, *self._failure_response(failure))
            if needs_auth and request.headers.get("Authorization") != f"Bot {self.token}":
                return self._answer(recorded, 401, {"message": "401: Unauthorized", "code": 0})
            try:
                status, body = handler(recorded, **match.groupdict())
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

    def _snowflake(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._ids) & 0x3FFFFF)

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

    def _command_scope(self, app: str, guild: str | None) -> int | None:
        if int(app) != self.application_id:
            raise ApiError(403, 50001, "Missing Access")
        if guild is None:
            return None
        if int(guild) != self.guild_id:
            raise ApiError(403, 50001, "Missing Access")
        return int(guild)

    def _put_commands(
        self, req: RecordedRequest, app: str, guild: str | None = None
    ) -> tuple[int, Any]:
        scope = self._command_scope(app, guild)
        commands = req.json if isinstance(req.json, list) else None
        if commands is None:
            raise ApiError(400, 50035, "Invalid Form Body")
        errors = _command_errors(commands)
        if errors:
            raise ApiError(400, 50035, "Invalid Form Body", errors)
        previous = {
            (c["name"], c.get("type", 1)): c["id"] for c in self.synced_commands.get(scope, [])
        }
        stored = []
        for cmd in commands:
            ctype = cmd.get("type", 1)
            echoed = copy.deepcopy(cmd) | {"type": ctype}
            echoed["id"] = previous.get((cmd["name"], ctype)) or str(self._snowflake())
            echoed["application_id"] = str(self.application_id)
            echoed["version"] = str(self._snowflake())
            echoed.setdefault("default_member_permissions", None)
            if scope is not None:
                echoed["guild_id"] = str(scope)
            stored.append(echoed)
        self.synced_commands[scope] = stored
        if self._sync_seen is not None:
            self._sync_seen.set()
        return 200, stored

    def _get_commands(
        self, req: RecordedRequest, app: str, guild: str | None = None
    ) -> tuple[int, Any]:
        return 200, self.synced_commands.get(self._command_scope(app, guild), [])

    def _handle(self, app: str | None, token: str) -> InteractionHandle:
        handle = self._interactions.get(token)
        if handle is None or (app is not None and int(app) != self.application_id):
            raise ApiError(404, 10015, "Unknown Webhook")
        return handle

    def _post_callback(self, req: RecordedRequest, iid: str, token: str) -> tuple[int, Any]:
        handle = self._interactions.get(token)
        if handle is None or handle.id != int(iid):
            raise ApiError(404, 10062, "Unknown interaction")
        if handle.acknowledged:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        payload = req.json or {}
        ctype = payload.get("type")
        data = payload.get("data") or {}
        resource: dict[str, Any] = {"type": ctype}
        message = None
        if ctype == 4:
            message = self._message(
                handle.channel_id, data, req.files, flags=int(data.get("flags") or 0)
            )
            message |= self._interaction_message_fields(handle)
        elif ctype == 5:
            flags = FLAG_LOADING | (int(data.get("flags") or 0) & FLAG_EPHEMERAL)
            message = self._message(handle.channel_id, {}, {}, flags=flags)
            message |= self._interaction_message_fields(handle)
        if message is not None:
            handle.original = message
            resource["message"] = message
        interaction = {"id": str(handle.id), "type": handle.type}
        if message is not None:
            interaction |= {
                "response_message_id": message["id"],
                "response_message_loading": ctype == 5,
                "response_message_ephemeral": bool(message["flags"] & FLAG_EPHEMERAL),
            }
        handle._record(Sent("callback", payload, req.files, message))
        return 200, {"interaction": interaction, "resource": resource}

    def _interaction_message_fields(self, handle: InteractionHandle) -> dict[str, Any]:
        return {
            "type": 20,  # CHAT_INPUT_COMMAND
            "webhook_id": str(self.application_id),
            "application_id": str(self.application_id),
            "interaction_metadata": {
                "id": str(handle.id),
                "type": handle.type,
                "user": handle.payload.get("member", {}).get("user") or handle.payload.get("user"),
                "authorizing_integration_owners": handle.payload["authorizing_integration_owners"],
            },
        }

    def _post_followup(self, req: RecordedRequest, app: str, token: str) -> tuple[int, Any]:
        handle = self._handle(app, token)
        if not handle.acknowledged:
            # Real Discord has no webhook for the token until the interaction is answered.
            raise ApiError(404, 10015, "Unknown Webhook")
        data = req.json or {}
        original = handle.original
        if original is not None and original["flags"] & FLAG_LOADING:
            # The first follow-up after a defer replaces the "thinking..." message and keeps
            # the defer's ephemerality, whatever flags it asks for.
            message = self._edited(original, data, req.files)
            message["flags"] = original["flags"] & ~FLAG_LOADING
            handle.original = message
        else:
            message = self._message(
                handle.channel_id, data, req.files, flags=int(data.get("flags") or 0)
            )
            message |= self._interaction_message_fields(handle)
            handle.followups[int(message["id"])] = message
        handle._record(Sent("followup", data, req.files, message))
        return 200, message

    def _webhook_message(self, handle: InteractionHandle, mid: str) -> dict[str, Any]:
        message = handle.original if mid == "@original" else handle.followups.get(int(mid))
        if message is None:
            raise ApiError(404, 10008, "Unknown Message")
        return message

    def _get_wh(self, req: RecordedRequest, app: str, token: str, mid: str) -> tuple[int, Any]:
        return 200, self._webhook_message(self._handle(app, token), mid)

    def _patch_wh(self, req: RecordedRequest, app: str, token: str, mid: str) -> tuple[int, Any]:
        handle = self._handle(app, token)
        message = self._edited(self._webhook_message(handle, mid), req.json or {}, req.files)
        message["flags"] &= ~FLAG_LOADING
        message["edited_timestamp"] = _iso_now()
        if mid == "@original":
            handle.original = message
        else:
            handle.followups[int(mid)] = message
        handle._record(Sent("edit", req.json or {}, req.files, message))
        return 200, message

    def _del_wh(self, req: RecordedRequest, app: str, token: str, mid: str) -> tuple[int, Any]:
        handle = self._handle(app, token)
        self._webhook_message(handle, mid)
        if mid == "@original":
            handle.original = None
        else:
            del handle.followups[int(mid)]
        return 204, None

    def _get_channel(self, req: RecordedRequest, cid: str) -> tuple[int, Any]:
        channel = self._channel(int(cid))
        if not self.bot_permissions(int(cid)) & _VIEW:
            raise ApiError(403, 50001, "Missing Access")
        return 200, channel

    def _post_channel_message(self, req: RecordedRequest, cid: str) -> tuple[int, Any]:
        channel_id = int(cid)
        self._channel(channel_id)
        perms = self.bot_permissions(channel_id)
        if not perms & _VIEW:
            raise ApiError(403, 50001, "Missing Access")
        if not perms & _SEND or (req.files and not perms & _ATTACH):
            raise ApiError(403, 50013, "Missing Permissions")
        data = req.json or {}
        message = self._message(channel_id, data, req.files, flags=int(data.get("flags") or 0))
        message["guild_id"] = str(self.guild_id)
        self.channel_messages.setdefault(channel_id, []).append(
            Sent("channel", data, req.files, message)
        )
        return 200, message

    # ------------------------------------------------------------- messages
    def _message(
        self, channel_id: int, data: dict[str, Any], files: dict[str, bytes], *, flags: int
    ) -> dict[str, Any]:
        message = {
            "id": str(self._snowflake()),
            "type": 0,
            "channel_id": str(channel_id),
            "author": self.bot_user,
            "content": "",
            "embeds": [],
            "attachments": [],
            "components": [],
            "mentions": [],
            "mention_roles": [],
            "mention_everyone": False,
            "pinned": False,
            "tts": False,
            "timestamp": _iso_now(),
            "edited_timestamp": None,
            "flags": flags,
        }
        return self._edited(message, data, files)

    def _edited(
        self, message: dict[str, Any], data: dict[str, Any], files: dict[str, bytes]
    ) -> dict[str, Any]:
        """``message`` with the fields of ``data`` applied, as Discord stores them."""
        message = copy.deepcopy(message)
        if "content" in data:
            message["content"] = data["content"] or ""
        if "components" in data:
            message["components"] = data["components"] or []
        if "attachments" in data or files:
            keep = {str(a["id"]) for a in data.get("attachments") or []}
            kept = [a for a in message["attachments"] if a["id"] in keep]
            message["attachments"] = kept + [
                self._attachment(message["channel_id"], name, blob) for name, blob in files.items()
            ]
        if "embeds" in data:
            urls = {f"attachment://{a['filename']}": a["url"] for a in message["attachments"]}
            message["embeds"] = [_with_attachment_urls(e, urls) for e in data["embeds"] or []]
        return message

    def _attachment(self, channel_id: str, filename: str, blob: bytes) -> dict[str, Any]:
        aid = str(self._snowflake())
        url = f"https://cdn.discordapp.com/attachments/{channel_id}/{aid}/{filename}"
        return {
            "id": aid,
            "filename": filename,
            "size": len(blob),
            "url": url,
            "proxy_url": url.replace("cdn.discordapp.com", "media.discordapp.net"),
            "content_type": mimetypes.guess_type(filename)[0] or "application/octet-stream",
        }


def _with_attachment_urls(embed: dict[str, Any], urls: Mapping[str, str]) -> dict[str, Any]:
    """Discord rewrites ``attachment://name`` in embed images to the uploaded file's URL."""
    embed = copy.deepcopy(embed)
    for key in ("image", "thumbnail"):
        part = embed.get(key)
        if isinstance(part, dict) and part.get("url") in urls:
            part["proxy_url"] = part["url"] = urls[part["url"]]
    return embed


def _command_errors(commands: list[dict[str, Any]]) -> dict[str, Any]:
    """Discord's main checks on a bulk command overwrite; {} when the payload is valid."""
    problems: dict[str, str] = {}
    if sum(1 for c in commands if c.get("type", 1) == 1) > 100:
        problems["_"] = "at most 100 slash commands"
    seen: set[tuple[str, int]] = set()
    for i, cmd in enumerate(commands):
        ctype = cmd.get("type", 1)
        key = (cmd.get("name", ""), ctype)
        if key in seen:
            problems[f"{i}.name"] = f"duplicate command name {key[0]!r}"
        seen.add(key)
        if ctype == 1:
            _check_named(problems, f"{i}", cmd)
            _check_options(problems, f"{i}.options", cmd.get("options") or [], parent=None)
        elif cmd.get("description"):
            problems[f"{i}.description"] = "context menu commands take no description"
    return {k: {"_errors": [{"code": "INVALID", "message": v}]} for k, v in problems.items()}


def _check_named(problems: dict[str, str], where: str, item: dict[str, Any]) -> None:
    name = item.get("name") or ""
    if not _NAME_RE.match(name) or name != name.lower():
        problems[f"{where}.name"] = f"invalid name {name!r}"
    if not 1 <= len(item.get("description") or "") <= 100:
        problems[f"{where}.description"] = "description must be 1-100 characters"


def _check_options(
    problems: dict[str, str], where: str, options: Iterable[dict], parent: int | None
) -> None:
    options = list(options)
    if len(options) > 25:
        problems[where] = "at most 25 options"
    optional_seen = False
    names: set[str] = set()
    for j, opt in enumerate(options):
        here = f"{where}.{j}"
        _check_named(problems, here, opt)
        if opt.get("name") in names:
            problems[f"{here}.name"] = "duplicate option name"
        names.add(opt.get("name"))
        kind = opt.get("type")
        if kind in (_SUBCOMMAND, _SUBCOMMAND_GROUP):
            allowed = parent is None or (kind == _SUBCOMMAND and parent == _SUBCOMMAND_GROUP)
            if not allowed:
                problems[f"{here}.type"] = "sub-commands nest at most group > sub-command"
            _check_options(problems, f"{here}.options", opt.get("options") or [], parent=kind)
            continue
        if kind not in _OPTION_TYPES:
            problems[f"{here}.type"] = f"unknown option type {kind}"
        if opt.get("required"):
            if optional_seen:
                problems[f"{here}.required"] = "required options must come before optional ones"
        else:
            optional_seen = True
        if len(opt.get("choices") or []) > 25:
            problems[f"{here}.choices"] = "at most 25 choices"
        if opt.get("choices") and opt.get("autocomplete"):
            problems[f"{here}.autocomplete"] = "autocomplete and choices are exclusive"
