"""Where an alert goes: the `to` option, as typed on Discord or at the terminal.

- nothing, `me` or `dm`: a direct message to whoever creates it (Discord);
- `<@USER_ID>` (a mention) or `@USER_ID`: a direct message to that user (the terminal; on
  Discord only yourself);
- `<#CHANNEL_ID>` (a channel mention), a channel id, `#name` or `name`: a channel of the
  server the command runs in (Discord);
- `GUILD_ID/CHANNEL_ID` or the channel's link https://discord.com/channels/GUILD/CHANNEL:
  a channel with its server (the terminal, which has no server of its own).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analytics.errors import BadInput

TARGET_HELP = (
    "Write to as me (a DM, the default) or a channel like #markets; at the terminal "
    "<@USER_ID> for a DM or GUILD_ID/CHANNEL_ID (or the channel's link)."
)

_USER = re.compile(r"^<@!?(\d{15,21})>$|^@(\d{15,21})$")
_CHANNEL = re.compile(r"^<#(\d{15,21})>$|^(\d{15,21})$")
_PAIR = re.compile(
    r"^(?:https?://(?:\w+\.)?discord(?:app)?\.com/channels/)?(\d{15,21})/(\d{15,21})/?$"
)
_NAME = re.compile(r"^#?([\w-]{1,100})$")


@dataclass(frozen=True)
class Target:
    """A parsed `to`. dm: a direct message (to `user_id`, or the creator when None); else a
    channel by id (with its `guild_id` when the text named it) or by `channel_name`."""

    dm: bool
    user_id: int | None = None
    channel_id: int | None = None
    guild_id: int | None = None
    channel_name: str | None = None

    @property
    def text(self) -> str:
        if self.dm:
            return f"<@{self.user_id}>" if self.user_id else "me"
        if self.channel_id is not None:
            return f"<#{self.channel_id}>"
        return f"#{self.channel_name}"


SNOWFLAKE_LIMIT = 2**63
"""Discord ids (snowflakes) are below 2^63, as SQLite's integers are: a larger number typed
in a mention is no one, and would overflow the alerts table."""


def _snowflake(text: str, digits: str) -> int:
    number = int(digits)
    if number >= SNOWFLAKE_LIMIT:
        raise BadInput(
            f"'{text[:40]}' names no Discord user or channel (ids are below 2^63). " + TARGET_HELP
        )
    return number


def parse_target(raw: str | None) -> Target:
    """The `to` option -> Target; BadInput with the forms it takes."""
    text = (raw or "").strip()
    if text.lower() in ("", "me", "dm", "@me"):
        return Target(dm=True)
    if match := _USER.match(text):
        return Target(dm=True, user_id=_snowflake(text, match.group(1) or match.group(2)))
    if match := _CHANNEL.match(text):
        return Target(dm=False, channel_id=_snowflake(text, match.group(1) or match.group(2)))
    if match := _PAIR.match(text):
        return Target(
            dm=False,
            guild_id=_snowflake(text, match.group(1)),
            channel_id=_snowflake(text, match.group(2)),
        )
    if match := _NAME.match(text):
        return Target(dm=False, channel_name=match.group(1).lower())
    raise BadInput(f"'{text[:40]}' is not somewhere an alert can go. " + TARGET_HELP)
