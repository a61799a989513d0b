"""A fake Discord on 127.0.0.1: the gateway websocket and the REST v10 routes a slash-command
bot uses, so end-to-end tests run the real discord.py client with no network.

What it serves (facts in /work/shared/notes/discord-offline-testing.md):

- ``ws://127.0.0.1:PORT/gateway``: HELLO, heartbeat ACK, IDENTIFY -> READY + GUILD_CREATE
  (one guild, two text channels with permission overwrites, @everyone and a bot role, the bot
  member; more guilds with ``add_guild``), RESUME -> op 9 ``false``, request-members -> one
  GUILD_MEMBERS_CHUNK. Frames are plain text: the client only inflates binary ones, so
  ``compress=zlib-stream`` is ignored.
- ``http://127.0.0.1:PORT/api/v10``: users/@me, oauth2/applications/@me, gateway(/bot),
  command sync (PUT/GET, global and guild), interaction callbacks, webhook follow-ups
  (POST, GET/PATCH/DELETE of @original or a message id), GET /channels/{id},
  GET/POST /channels/{id}/messages (guild and DM channels), POST /users/@me/channels (a DM
  channel; a user with closed DMs makes the post answer 50007). Bodies are JSON or multipart
  (``payload_json`` + ``files[n]``).
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

The package is split by concern: ``world`` (guild, users, channels, permissions), ``guilds``
(more servers), ``dms`` (direct messages, closed DMs), ``gateway`` (the websocket),
``interactions`` (dispatching slash commands, ``InteractionHandle``),
``commands`` (command sync and its validation), ``messages`` (callbacks, follow-ups, channel
posts, ``Sent``), ``routes`` (the REST table, recording, auth, injected failures), ``wire``
(shared constants and errors) and ``server`` (``FakeDiscord``, which joins them). The names
tests use are importable from the package itself.
"""

from __future__ import annotations

from .gateway import GATEWAY_PATH, HEARTBEAT_INTERVAL_MS
from .interactions import InteractionHandle
from .messages import Sent
from .server import FakeDiscord
from .wire import (
    API_PREFIX,
    ATTACHMENT_SIZE_LIMIT,
    DISCORD_EPOCH_MS,
    FLAG_EPHEMERAL,
    FLAG_LOADING,
    JSON_CONTENT_TYPE,
    ApiError,
    RecordedRequest,
)
from .world import (
    ALL_PERMISSIONS,
    APPLICATION_ID,
    BOT_ROLE_ID,
    BOT_USER_ID,
    DEFAULT_TOKEN,
    DM_CHANNEL_ID,
    GENERAL_CHANNEL_ID,
    GUILD_ID,
    MARKETS_CHANNEL_ID,
    MEMBER_PERMISSIONS,
    OWNER_ID,
    USER_ID,
)

__all__ = [
    "ALL_PERMISSIONS",
    "API_PREFIX",
    "APPLICATION_ID",
    "ATTACHMENT_SIZE_LIMIT",
    "BOT_ROLE_ID",
    "BOT_USER_ID",
    "DEFAULT_TOKEN",
    "DISCORD_EPOCH_MS",
    "DM_CHANNEL_ID",
    "FLAG_EPHEMERAL",
    "FLAG_LOADING",
    "GATEWAY_PATH",
    "GENERAL_CHANNEL_ID",
    "GUILD_ID",
    "HEARTBEAT_INTERVAL_MS",
    "JSON_CONTENT_TYPE",
    "MARKETS_CHANNEL_ID",
    "MEMBER_PERMISSIONS",
    "OWNER_ID",
    "USER_ID",
    "ApiError",
    "FakeDiscord",
    "InteractionHandle",
    "RecordedRequest",
    "Sent",
]
