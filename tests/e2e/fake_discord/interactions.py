"""Interactions: dispatching a slash command or autocomplete as Discord's client would (options
typed and checked against the synced command), and the handle a test awaits the answer on.
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import Mapping
from typing import Any

import discord

from .commands import _SUBCOMMAND, _SUBCOMMAND_GROUP
from .messages import Sent
from .wire import ATTACHMENT_SIZE_LIMIT, wait_ceiling
from .world import DM_CHANNEL_ID, GENERAL_CHANNEL_ID, USER_ID, _perm_value

_GUILD = object()  # "the fake's guild", the default of send_interaction(guild_id=...)


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
        self._embedded: asyncio.Future[Sent] = loop.create_future()
        self._sent: list[Sent] = []
        self.original: dict[str, Any] | None = None
        self.followups: dict[int, dict[str, Any]] = {}

    @property
    def acknowledged(self) -> bool:
        return self._response.done()

    async def response(self, timeout: float | None = None) -> Sent:
        """The interaction callback (type 4 message, 5 defer, 8 autocomplete choices...)."""
        return await self._wait(self._response, "interaction callback", timeout)

    async def followup(self, timeout: float | None = None) -> Sent:
        """The first webhook message after the callback: a follow-up POST or PATCH @original."""
        return await self._wait(self._followup, "follow-up or edit of @original", timeout)

    async def final(self, timeout: float | None = None) -> Sent:
        """The first follow-up or edit that is not a progress line ("⏳ …" without an embed):
        what the user ends up seeing after a deferred reply that showed progress."""
        return await self._wait(self._final, "final answer", timeout)

    async def embedded(self, timeout: float | None = None) -> Sent:
        """The first message carrying an embed, callback or follow-up (an answer), the moment
        the fake recorded it."""
        return await self._wait(self._embedded, "message with an embed", timeout)

    async def settled(self, timeout: float | None = None) -> list[Sent]:
        """Every message of the interaction, once the final answer has arrived."""
        await self.final(timeout)
        return self.all_messages()

    def all_messages(self) -> list[Sent]:
        """Everything answered so far, in order: callback, follow-ups, edits."""
        return list(self._sent)

    async def _wait(self, future: asyncio.Future[Sent], what: str, timeout: float | None) -> Sent:
        if timeout is None:
            timeout = wait_ceiling()
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            seen = [(s.kind, s.type, s.content) for s in self._sent]
            raise AssertionError(
                f"no {what} for /{self.payload['data']['name']} within {timeout}s; seen: {seen}"
            ) from None

    def _record(self, sent: Sent) -> None:
        self._sent.append(sent)
        if sent.embeds and not self._embedded.done():
            self._embedded.set_result(sent)
        if sent.kind == "callback":
            if not self._response.done():
                self._response.set_result(sent)
        else:
            if not self._followup.done():
                self._followup.set_result(sent)
            progress = (sent.content or "").startswith("⏳") and not sent.embeds
            if not progress and not self._final.done():
                self._final.set_result(sent)


class InteractionsMixin:
    """``send_interaction`` and the option building behind it."""

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
        if guild is not None and guild not in self.guild_ids:
            raise ValueError(f"the fake's guilds are {self.guild_ids}, not {guild}")
        if channel_id is None:
            channel_id = GENERAL_CHANNEL_ID if guild is not None else DM_CHANNEL_ID
        if guild is not None and int(self._channel(channel_id)["guild_id"]) != guild:
            raise ValueError(f"channel {channel_id} is not in guild {guild}")
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
        member = self._member(user_id, guild=guild) | {"permissions": str(perms)}
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
