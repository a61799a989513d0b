"""The fake's world: one guild, its users, roles and channels, and Discord's permission
algorithm over them; the knobs that change it (delete a channel, set the bot's overwrite).
"""

from __future__ import annotations

from typing import Any

import discord

from .wire import ApiError

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
_HISTORY = _P(read_message_history=True).value
_ADMIN = _P(administrator=True).value
# Without Send Messages, Discord also withholds what only makes sense when sending.
_NEEDS_SEND = _P(
    embed_links=True, attach_files=True, mention_everyone=True, send_tts_messages=True
).value


def _perm_value(value: int | discord.Permissions) -> int:
    return value.value if isinstance(value, discord.Permissions) else int(value)


class WorldMixin:
    """The guild, its members and channels; effective permissions."""

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

    def _member(
        self, user_id: int, *, with_user: bool = True, guild: int | None = None
    ) -> dict[str, Any]:
        guild = self.guild_id if guild is None else guild
        roles = [r for r in self.member_roles.get(user_id, []) if self.guild_of_role(r) == guild]
        member: dict[str, Any] = {
            "roles": [str(r) for r in roles],
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

    def guild_payload(self, guild_id: int | None = None) -> dict[str, Any]:
        """The GUILD_CREATE payload of a guild (default: the first one): its roles and
        channels only (guilds.py adds more guilds)."""
        guild = self.guild_id if guild_id is None else guild_id
        roles = [r for rid, r in self.roles.items() if self.guild_of_role(rid) == guild]
        channels = [c for c in self.channels.values() if int(c["guild_id"]) == guild]
        return {
            "id": str(guild),
            "name": self.guild_name(guild),
            "icon": None,
            "owner_id": str(self.guild_owner(guild)),
            "unavailable": False,
            "large": False,
            "member_count": 3,
            "joined_at": "2024-01-02T03:04:05+00:00",
            "features": [],
            "preferred_locale": "en-US",
            "roles": roles,
            "channels": [{k: v for k, v in c.items() if k != "guild_id"} for c in channels],
            "members": [self._member(BOT_USER_ID, guild=guild)],
            "threads": [],
            "emojis": [],
            "stickers": [],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "system_channel_id": str(channels[0]["id"]) if channels else None,
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
        guild = int(channel["guild_id"])
        if user_id == self.guild_owner(guild):
            return ALL_PERMISSIONS
        role_ids = [r for r in self.member_roles.get(user_id, []) if self.guild_of_role(r) == guild]
        perms = int(self.roles[guild]["permissions"])
        for rid in role_ids:
            perms |= int(self.roles[rid]["permissions"])
        if perms & _ADMIN:
            return ALL_PERMISSIONS
        overwrites = {(int(o["id"]), o["type"]): o for o in channel["permission_overwrites"]}

        def apply(perms: int, allow: int, deny: int) -> int:
            return (perms & ~deny) | allow

        if (ow := overwrites.get((guild, 0))) is not None:
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
