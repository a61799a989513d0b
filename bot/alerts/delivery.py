"""Sending a fired alert on Discord: by DM to its owner (POST /users/@me/channels, then the
message) or in its channel, and finding an earlier attempt by its marker.

The message: its text says which alert fired and how to reproduce it (both command lines);
the embed is the answer of the command the alert stands on, with its chart, the fire's marker
at the end of the footer ("… · alert 1a2b3c4d5e"). Discord's refusals become DeliveryFailed
(the loop pauses the alert and says why): closed DMs (50007), a deleted channel (10003), no
permission to post; its failures become TransientDeliveryError (tried again).
"""

from __future__ import annotations

import io

import aiohttp
import discord

from analytics.alerts.evaluation import Fired
from analytics.alerts.records import Alert, Fire
from bot.render import DEFAULT_ATTACHMENT_LIMIT, FOOTER_MAX, render_answer, truncate
from bot.scheduler import DeliveryFailed, TransientDeliveryError

CONTENT_MAX = 2000
HISTORY_LIMIT = 50
"""Recent messages searched for an earlier attempt's marker (one request)."""
CANNOT_DM = 50007
UNKNOWN_CHANNEL = 10003
NEEDED = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "attach_files": "Attach Files",
}


def missing_permissions(perms: discord.Permissions) -> list[str]:
    """What the bot lacks, of what posting an alert needs, as Discord names them."""
    return [label for name, label in NEEDED.items() if not getattr(perms, name)]


def render_fired(
    shown: Fired, marker: str, *, attachment_limit: int = DEFAULT_ATTACHMENT_LIMIT
) -> dict:
    """send() keyword arguments for a fired alert (content, embed, chart file)."""
    rendered = render_answer(shown.answer, attachment_limit=attachment_limit)
    embed = rendered.embed
    tag = f" · {marker}"
    footer = truncate(embed.footer.text or "", FOOTER_MAX - len(tag))
    embed.set_footer(text=(footer + tag) if footer else marker)
    how = shown.reproduce
    text = f"**{shown.headline}**\nReproduce: `{how.cli}` · `{how.slash}`"
    content = truncate(text, CONTENT_MAX)
    kwargs: dict = {"content": content, "embed": embed}
    if rendered.files:
        png = shown.answer.png
        assert png is not None
        kwargs["files"] = [discord.File(io.BytesIO(png), filename=rendered.files[0].filename)]
    return kwargs


def carries(message: discord.Message, marker: str) -> bool:
    """True when one of the message's embed footers ends with `marker`."""
    return any((e.footer.text or "").endswith(marker) for e in message.embeds)


class AlertDelivery:
    """`deliver` and `find` for the AlertLoop, on a connected bot."""

    def __init__(self, bot: discord.Client) -> None:
        self.bot = bot

    async def _target(self, alert: Alert) -> discord.abc.Messageable:
        if alert.by_dm:
            assert alert.owner_id is not None
            try:
                return await self.bot.create_dm(discord.Object(id=alert.owner_id))
            except discord.NotFound:
                raise DeliveryFailed("Discord does not know the user any more") from None
            except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
                raise TransientDeliveryError(f"could not open the DM: {exc!r}") from exc
        channel = self.bot.get_channel(alert.channel_id)
        if isinstance(channel, discord.abc.GuildChannel):
            return channel  # type: ignore[return-value]
        # Not in the cache (deleted, or not seen yet): the REST answer will tell.
        return self.bot.get_partial_messageable(alert.channel_id, guild_id=alert.guild_id)

    async def deliver(self, alert: Alert, fire: Fire, shown: Fired) -> int:
        """Send the fired alert with the fire's nonce and marker; the message id."""
        target = await self._target(alert)
        limit = DEFAULT_ATTACHMENT_LIMIT
        if isinstance(target, discord.abc.GuildChannel):
            me = target.guild.me
            missing = missing_permissions(target.permissions_for(me)) if me else []
            if missing:
                raise DeliveryFailed(
                    f"I am missing {', '.join(missing)} in #{target.name}; give me "
                    "that permission there"
                )
            limit = target.guild.filesize_limit
        try:
            message = await target.send(
                **render_fired(shown, fire.marker, attachment_limit=limit),
                nonce=fire.nonce,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.Forbidden as exc:
            raise DeliveryFailed(_refusal(alert, exc)) from None
        except discord.NotFound:
            raise DeliveryFailed("the channel no longer exists") from None
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            raise TransientDeliveryError(repr(exc)) from exc
        return message.id

    async def find(self, alert: Alert, fire: Fire) -> int | None:
        """The id of the bot's message carrying the fire's marker among the last
        HISTORY_LIMIT of the DM or channel, if any (an earlier attempt that landed)."""
        me = self.bot.user.id if self.bot.user else None
        target = await self._target(alert)
        try:
            async for message in target.history(limit=HISTORY_LIMIT):  # type: ignore[attr-defined]
                if message.author.id == me and carries(message, fire.marker):
                    return message.id
        except discord.NotFound:
            raise DeliveryFailed("the channel no longer exists") from None
        except discord.Forbidden as exc:
            raise DeliveryFailed(f"not allowed to read there ({exc.text or exc.status})") from None
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            raise TransientDeliveryError(f"could not read the messages: {exc!r}") from exc
        return None


def _refusal(alert: Alert, exc: discord.Forbidden) -> str:
    if alert.by_dm and exc.code == CANNOT_DM:
        return (
            "Discord refused the DM (closed DMs, code 50007): allow direct messages from this "
            "server's members, or move the alert to a channel"
        )
    return f"not allowed to post there ({exc.text or exc.status})"
