"""Who may do what with an alert on Discord, and where a new one goes.

- Anyone may make alerts that come to them by DM (25 per person, 200 per server).
- A channel alert needs Manage Server or Manage Channels, a text channel of the server the
  command runs in, and the bot's permission to post there (checked as /subscribe does).
- /alert list shows your alerts and, to server admins, the alerts posting in this server.
- remove / pause / resume: your own alerts, and for server admins this server's channel
  alerts. An alert that is neither is "not yours", whether or not it exists (another
  server's alerts stay invisible).
"""

from __future__ import annotations

from dataclasses import dataclass

import discord
from discord import app_commands

from analytics.alerts.records import Alert
from analytics.alerts.targets import Target
from analytics.errors import BadInput, NoData
from bot.alerts.delivery import missing_permissions

NOT_ALLOWED = (
    "You need the Manage Server or Manage Channels permission to post alerts in a channel; "
    "leave `to` empty for an alert by DM."
)


def is_admin(interaction: discord.Interaction) -> bool:
    """Manage Server or Manage Channels, in a server."""
    if interaction.guild_id is None:
        return False
    perms = interaction.permissions
    return bool(perms.manage_guild or perms.manage_channels)


@dataclass(frozen=True)
class Placement:
    """Where a new alert goes and whom it counts against: owner (the asker), the server it is
    made in (None from a DM), the channel (None: by DM to the owner)."""

    owner_id: int
    guild_id: int | None
    channel_id: int | None


def _channel(interaction: discord.Interaction, target: Target) -> discord.TextChannel:
    guild = interaction.guild
    assert guild is not None
    if target.guild_id is not None and target.guild_id != guild.id:
        raise BadInput("That channel is in another server: make the alert there.")
    channel: object = None
    if target.channel_id is not None:
        channel = guild.get_channel(target.channel_id)
    elif target.channel_name is not None:
        channel = discord.utils.get(guild.text_channels, name=target.channel_name)
    if not isinstance(channel, discord.TextChannel):
        raise BadInput(
            f"There is no text channel {target.text} in this server; pick one like "
            "to:#markets, or leave `to` empty for a DM."
        )
    return channel


def placement(interaction: discord.Interaction, target: Target) -> Placement:
    """Where an alert made by this interaction goes; BadInput / CheckFailure when it may not."""
    user = interaction.user.id
    if target.dm:
        if target.user_id not in (None, user):
            raise BadInput(
                "An alert by DM goes to you only: leave `to` empty (or to:me), or name a channel."
            )
        return Placement(user, interaction.guild_id, None)
    if interaction.guild is None:
        raise BadInput("Channel alerts are made in their server: run /alert add there.")
    if not is_admin(interaction):
        raise app_commands.CheckFailure(NOT_ALLOWED)
    channel = _channel(interaction, target)
    if channel.id == interaction.channel_id:
        perms = interaction.app_permissions
    else:
        me = channel.guild.me
        perms = channel.permissions_for(me) if me else discord.Permissions.none()
    missing = missing_permissions(perms)
    if missing:
        raise BadInput(
            f"I cannot post alerts in {channel.mention}: I am missing {', '.join(missing)} "
            f"there. Give me (or my role) {_those(missing)} "
            "in that channel, then run /alert add again."
        )
    return Placement(user, channel.guild.id, channel.id)


def _those(missing: list[str]) -> str:
    return "that permission" if len(missing) == 1 else "those permissions"


def may_change(interaction: discord.Interaction, alert: Alert) -> bool:
    """Your own alert, or (for a server admin) a channel alert of this server."""
    if alert.owner_id == interaction.user.id:
        return True
    return not alert.by_dm and alert.guild_id == interaction.guild_id and is_admin(interaction)


def mine_or_server(interaction: discord.Interaction, alert: Alert | None, number: int) -> Alert:
    """The alert when the asker may change it; NoData ("not yours") otherwise."""
    if alert is None or not may_change(interaction, alert):
        raise NoData(f"You have no alert #{number} here; /alert list shows yours.")
    return alert
