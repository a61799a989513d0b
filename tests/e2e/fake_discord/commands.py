"""Command sync: PUT/GET of global and guild commands, validated the way Discord validates them."""

from __future__ import annotations

import asyncio
import copy
import re
from collections.abc import Iterable
from typing import Any

from .wire import ApiError, RecordedRequest, wait_ceiling

_NAME_RE = re.compile(r"^[-_'\w]{1,32}$")
_OPTION_TYPES = {3: "string", 4: "integer", 5: "boolean", 6: "user", 7: "channel", 8: "role"}
_OPTION_TYPES |= {9: "mentionable", 10: "number", 11: "attachment"}
_SUBCOMMAND, _SUBCOMMAND_GROUP = 1, 2


class CommandsMixin:
    """The synced commands and the routes that change them."""

    def command(self, name: str, guild_id: int | None = None) -> dict[str, Any]:
        """The synced command called ``name`` (guild ``guild_id``, or global for None)."""
        for cmd in self.synced_commands.get(guild_id, []):
            if cmd["name"] == name:
                return cmd
        where = f"guild {guild_id}" if guild_id else "global"
        raise LookupError(f"/{name} is not synced ({where}); synced: {self._synced_names()}")

    async def wait_for_sync(self, timeout: float | None = None) -> None:
        """Wait until the bot has PUT its commands (global or guild) at least once."""
        assert self._sync_seen is not None, "FakeDiscord.start() was not awaited"
        await asyncio.wait_for(self._sync_seen.wait(), timeout or wait_ceiling())

    def _synced_names(self) -> dict[str, list[str]]:
        return {
            ("global" if k is None else str(k)): [c["name"] for c in v]
            for k, v in self.synced_commands.items()
        }

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
