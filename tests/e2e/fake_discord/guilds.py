"""Servers beyond the first: ``add_guild`` creates one with its @everyone role, a bot role, an
owner and text channels, so a test can show that two servers stay apart.

Add guilds before the bot connects: READY lists every guild and each gets its GUILD_CREATE at
IDENTIFY. Channels of every guild live in the one ``channels`` table (their ``guild_id`` says
whose); roles in ``roles``, with ``role_guilds`` saying whose (the first guild's by default).
Slash commands a bot syncs to the first guild only are not seen in the others: sync globally
(a bot built with ``guild_id=None``) to use commands in an added guild.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .world import BOT_USER_ID, MEMBER_PERMISSIONS, OWNER_ID


class GuildsMixin:
    """Extra guilds and the per-guild facts the world's permission algorithm reads."""

    def _build_guilds(self) -> None:
        self.extra_guilds: dict[int, dict[str, Any]] = {}
        self.role_guilds: dict[int, int] = {}

    @property
    def guild_ids(self) -> list[int]:
        """Every guild the bot is in, the first one first."""
        return [self.guild_id, *self.extra_guilds]

    def guild_of_role(self, role_id: int) -> int:
        return self.role_guilds.get(role_id, self.guild_id)

    def guild_owner(self, guild_id: int) -> int:
        if guild_id == self.guild_id:
            return OWNER_ID
        return self.extra_guilds[guild_id]["owner_id"]

    def guild_name(self, guild_id: int) -> str:
        if guild_id == self.guild_id:
            return "Market Writers"
        return self.extra_guilds[guild_id]["name"]

    def add_guild(
        self,
        guild_id: int,
        *,
        name: str,
        owner_id: int,
        bot_role_id: int,
        channels: Mapping[int, str],
    ) -> None:
        """A second (third...) server: @everyone (id ``guild_id``) and the bot's role with
        ordinary member permissions, and text channels {id: name} without overwrites."""
        if guild_id in self.guild_ids:
            raise ValueError(f"guild {guild_id} exists already")
        self.extra_guilds[guild_id] = {"name": name, "owner_id": owner_id}
        self.roles[guild_id] = self._role(guild_id, "@everyone", MEMBER_PERMISSIONS, 0)
        self.roles[bot_role_id] = self._role(
            bot_role_id, "MarketBot", MEMBER_PERMISSIONS, 1, bot=True
        )
        self.role_guilds[guild_id] = guild_id
        self.role_guilds[bot_role_id] = guild_id
        self.member_roles.setdefault(BOT_USER_ID, []).append(bot_role_id)
        for position, (cid, channel_name) in enumerate(channels.items()):
            channel = self._text_channel(cid, channel_name, position, [])
            channel["guild_id"] = str(guild_id)
            self.channels[cid] = channel
        owner = self._user(owner_id, f"owner{owner_id}")
        self.users.setdefault(owner["id"], owner)
