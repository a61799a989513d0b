"""/subscribe, /unsubscribe, /subscriptions, /digest: a channel's daily market post.

/digest is generated from its spec (analytics/subscriptions/specs.py, the same options as
`marketbot digest`); its handler `run_digest` sends the answer as the post looks (a headline
and one embed per section, `render_digest`) instead of the one-embed reply of other commands.
The other three are Discord-only and written here.

The cog owns the DigestScheduler: it starts it in `cog_load` and stops it in `cog_unload`
(discord.py unloads cogs in `bot.close()`). The scheduler's clock is the services' clock
(`services.market.now`), the one clock of the app, which tests replace; it posts only while
this process holds the background lease (`bot.background`).

Each post carries its claim's marker at the end of its last embed's footer ("… · post
1a2b3c4d5e"); before a resend the scheduler calls `find`, which looks for that marker in the
channel's last HISTORY_LIMIT messages by the bot, so a post that landed is never doubled.
"""

from __future__ import annotations

import asyncio
import io

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from analytics.data.market import MarketData
from analytics.errors import BadInput, NoData
from analytics.spec import CommandSpec
from analytics.subscriptions.digest import Digest, compose_digest, without_downloads
from analytics.subscriptions.schedule import in_eastern, next_post, parse_post_time
from analytics.subscriptions.sections import SECTION_NAMES, parse_sections, sections_text
from analytics.subscriptions.specs import SPECS
from analytics.subscriptions.store import (
    MAX_FAILED_DAYS,
    Claim,
    Subscription,
    SubscriptionStore,
)
from bot.answering import compute_answer, parse_context
from bot.autocomplete import SOURCES
from bot.discord_specs import cog_from_specs
from bot.render import DEFAULT_ATTACHMENT_LIMIT, EMBED_TOTAL_MAX, render_answer, truncate
from bot.scheduler import DeliveryFailed, DigestScheduler, TransientDeliveryError

MAX_EMBEDS = 10
CONTENT_MAX = 2000
FOOTER_MAX = 2048
HISTORY_LIMIT = 50
"""Recent messages searched for an earlier attempt's marker (one request)."""
NEEDED = {
    "view_channel": "View Channel",
    "send_messages": "Send Messages",
    "embed_links": "Embed Links",
    "attach_files": "Attach Files",
}
TIME_EXAMPLES = ("close+30", "close+15", "close+60", "close", "17:00", "18:30")
NOT_ALLOWED = "You need the Manage Server or Manage Channels permission to change subscriptions."


def missing_permissions(perms: discord.Permissions) -> list[str]:
    """What the bot lacks, of what posting a digest needs, as Discord names them."""
    return [label for name, label in NEEDED.items() if not getattr(perms, name)]


def fit_embed(embed: discord.Embed, budget: int) -> discord.Embed:
    """Shrink `embed` to at most `budget` characters: drop trailing fields, then cut the text."""
    while len(embed) > budget and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    if len(embed) > budget and embed.description:
        keep = max(len(embed.description) - (len(embed) - budget), 0)
        embed.description = truncate(embed.description, keep) if keep else None
    return embed


def render_digest(
    digest: Digest,
    *,
    attachment_limit: int = DEFAULT_ATTACHMENT_LIMIT,
    marker: str | None = None,
) -> dict:
    """send() keyword arguments: the headline and notices as content, one embed per section
    with its chart as attachment://<section>.png, within Discord's per-message limits
    (10 embeds, 6000 characters across all of them). `marker` (a claim's) ends the last
    embed's footer, or the content when there is no embed."""
    answers = digest.answers[:MAX_EMBEDS]
    budget = EMBED_TOTAL_MAX // max(len(answers), 1)
    tag = f" · {marker}" if marker else ""
    embeds: list[discord.Embed] = []
    files: list[discord.File] = []
    for i, (name, answer) in enumerate(answers):
        rendered = render_answer(answer, attachment_limit=attachment_limit)
        last = i == len(answers) - 1
        embed = fit_embed(rendered.embed, budget - (len(tag) if last else 0))
        if last and tag:
            footer = truncate(embed.footer.text or "", FOOTER_MAX - len(tag))
            embed.set_footer(text=(footer + tag) if footer else marker)
        png = answer.png if rendered.files else None
        if png is not None:
            filename = f"{name}.png"
            files.append(discord.File(io.BytesIO(png), filename=filename))
            embed.set_image(url=f"attachment://{filename}")
        embeds.append(embed)
    lines = [f"**{digest.headline}**", *(f"⚠️ {notice}" for notice in digest.notices)]
    if not answers:
        lines.append("Nothing to show today: every section failed. The next post will try again.")
    content = truncate("\n".join(lines), CONTENT_MAX - (len(marker) + 4 if marker else 0))
    if marker and not embeds:
        content += f"\n-# {marker}"
    return {"content": content, "embeds": embeds, "files": files}


def carries(message: discord.Message, marker: str) -> bool:
    """True when `message` ends with `marker` in an embed footer, or its content does."""
    footers = [e.footer.text or "" for e in message.embeds]
    return any(f.endswith(marker) for f in footers) or message.content.endswith(marker)


def _can_manage(interaction: discord.Interaction) -> bool:
    perms = interaction.permissions
    if perms.manage_guild or perms.manage_channels:
        return True
    raise app_commands.CheckFailure(NOT_ALLOWED)


async def sections_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    """Completes the last name typed: 'streak, ret' -> 'streak, returns'."""
    parts = [p.strip() for p in current.split(",")]
    done = [p for p in parts[:-1] if p in SECTION_NAMES]
    typed = parts[-1].lower() if parts else ""
    options = [n for n in SECTION_NAMES if n.startswith(typed) and n not in done]
    values = [", ".join([*done, n]) for n in options]
    if not done and "all".startswith(typed):
        values.insert(0, "all")
    return [app_commands.Choice(name=v, value=v) for v in values[:25]]


async def time_autocomplete(
    interaction: discord.Interaction, current: str
) -> list[app_commands.Choice[str]]:
    typed = current.strip().lower()
    values = [t for t in TIME_EXAMPLES if t.startswith(typed)] or list(TIME_EXAMPLES)
    names = {"close+30": "close+30 (default: 30 minutes after the close)", "17:00": "17:00 ET"}
    return [app_commands.Choice(name=names.get(v, v), value=v) for v in values]


class SubscriptionsBase(commands.Cog):
    """The hand-written half: /subscribe, /unsubscribe, /subscriptions, the scheduler, and the
    handler of the generated /digest."""

    def __init__(self, bot) -> None:
        self.bot = bot
        self.store = SubscriptionStore(bot.services.cache)
        self.scheduler = DigestScheduler(
            store=self.store,
            compose=self.compose,
            deliver=self.deliver,
            find=self.find,
            now=self.now,
            ready=self.bot.wait_until_ready,
            gate=self.bot.background,
        )

    async def cog_load(self) -> None:
        self.scheduler.start()

    async def cog_unload(self) -> None:
        await self.scheduler.stop()

    # -- what the scheduler calls ----------------------------------------------------------------
    def now(self):
        return self.bot.services.market.now()

    def market(self) -> MarketData:
        """The facade the digest reads: offline settings download nothing (holdings and FRED
        from the cache), even when the bot's HTTP bridge is attached."""
        services = self.bot.services
        return without_downloads(services.market) if services.settings.offline else services.market

    async def compose(self, sections: tuple[str, ...], day) -> Digest:
        return await asyncio.to_thread(compose_digest, self.market(), sections, day=day)

    async def run_digest(
        self, interaction: discord.Interaction, spec: CommandSpec, values: dict
    ) -> None:
        """/digest: parse (bad input is answered by the tree, before the deferral), compose
        off the event loop, send the post here (a preview: nothing is recorded)."""
        request = await asyncio.to_thread(
            spec.parse_values, values, parse_context(self.bot.services)
        )
        await interaction.response.defer(thinking=True)
        answer = await compute_answer(spec, self.market(), request)
        limit = getattr(interaction, "attachment_size_limit", None) or DEFAULT_ATTACHMENT_LIMIT
        rendered = await asyncio.to_thread(render_digest, answer.result, attachment_limit=limit)
        await interaction.followup.send(**rendered)

    def _target(self, sub: Subscription):
        channel = self.bot.get_channel(sub.channel_id)
        if isinstance(channel, discord.abc.GuildChannel):
            return channel
        # Not in the cache (deleted, or not seen yet): the REST answer will tell.
        return self.bot.get_partial_messageable(sub.channel_id, guild_id=sub.guild_id)

    async def find(self, sub: Subscription, claim: Claim) -> int | None:
        """The id of the bot's message in the channel carrying `claim.marker`, if any of the
        last HISTORY_LIMIT does (an earlier attempt that landed)."""
        me = self.bot.user.id if self.bot.user else None
        try:
            async for message in self._target(sub).history(limit=HISTORY_LIMIT):
                if message.author.id == me and carries(message, claim.marker):
                    return message.id
        except discord.NotFound:
            raise DeliveryFailed("the channel no longer exists") from None
        except discord.Forbidden as exc:
            raise DeliveryFailed(f"not allowed to read there ({exc.text or exc.status})") from None
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            raise TransientDeliveryError(f"could not read the channel: {exc!r}") from exc
        return None

    async def deliver(self, sub: Subscription, digest: Digest, claim: Claim) -> int:
        """Post `digest` in the subscription's channel with the claim's nonce and marker;
        the message id."""
        target = self._target(sub)
        limit = DEFAULT_ATTACHMENT_LIMIT
        if isinstance(target, discord.abc.GuildChannel):
            me = target.guild.me
            missing = missing_permissions(target.permissions_for(me)) if me else []
            if missing:
                raise DeliveryFailed(f"missing permission {', '.join(missing)} in #{target.name}")
            limit = target.guild.filesize_limit
        try:
            message = await target.send(
                # Rendering draws the charts (matplotlib): off the event loop.
                **await asyncio.to_thread(
                    render_digest, digest, attachment_limit=limit, marker=claim.marker
                ),
                nonce=claim.nonce,
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.NotFound:
            raise DeliveryFailed("the channel no longer exists") from None
        except discord.Forbidden as exc:
            raise DeliveryFailed(f"not allowed to post there ({exc.text or exc.status})") from None
        except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
            raise TransientDeliveryError(repr(exc)) from exc
        return message.id

    def _store_call(self, work):
        return asyncio.to_thread(work, self.store)

    # -- commands --------------------------------------------------------------------------------
    @app_commands.command(
        name="subscribe",
        description="Post the daily market digest in a channel after each US close.",
    )
    @app_commands.describe(
        channel="Where to post (default: this channel)",
        time="close+30 (default; minutes after the close, early closes move it) or HH:MM US Eastern",
        sections="Which parts, comma-separated: streak, returns, movers, contributors, macro (default all)",
    )
    @app_commands.autocomplete(time=time_autocomplete, sections=sections_autocomplete)
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.check(_can_manage)
    async def subscribe(
        self,
        interaction: discord.Interaction,
        channel: discord.TextChannel | None = None,
        time: str | None = None,
        sections: str | None = None,
    ) -> None:
        post_time = parse_post_time(time)
        names = parse_sections(sections)
        target = channel or interaction.channel
        if not isinstance(target, discord.TextChannel):
            raise BadInput(
                "Pick a text channel for the daily post, e.g. /subscribe channel:#markets."
            )
        if target.id == interaction.channel_id:
            perms = interaction.app_permissions
        else:
            me = target.guild.me
            perms = target.permissions_for(me) if me else discord.Permissions.none()
        missing = missing_permissions(perms)
        if missing:
            raise BadInput(
                f"I cannot post the digest in {target.mention}: I am missing "
                f"{', '.join(missing)} there. Give me (or my role) "
                f"{'that permission' if len(missing) == 1 else 'those permissions'} in that "
                "channel, then run /subscribe again."
            )
        now = self.now()
        guild_id, user_id = interaction.guild_id, interaction.user.id
        assert guild_id is not None

        def save(store: SubscriptionStore) -> tuple[Subscription, bool, str]:
            sub, created = store.subscribe(
                guild_id, target.id, post_time.text, names, by=user_id, now=now
            )
            return sub, created, in_eastern(next_post(now, post_time))

        sub, created, upcoming = await self._store_call(save)
        self.scheduler.wake()
        verb = "will get" if created else "now gets"
        await interaction.response.send_message(
            f"✅ {target.mention} {verb} the daily market post on NYSE trading days at "
            f"{post_time.describe()}. Sections: {sections_text(sub.sections)}. "
            f"Next post: {upcoming}.",
            ephemeral=True,
        )

    @app_commands.command(
        name="unsubscribe", description="Stop the daily market post in a channel."
    )
    @app_commands.describe(channel="The channel to stop posting in (default: this channel)")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.check(_can_manage)
    async def unsubscribe(
        self, interaction: discord.Interaction, channel: discord.TextChannel | None = None
    ) -> None:
        channel_id = channel.id if channel is not None else interaction.channel_id
        assert interaction.guild_id is not None and channel_id is not None
        removed = await self._store_call(
            lambda store: store.unsubscribe(interaction.guild_id, channel_id)
        )
        if not removed:
            raise NoData(
                f"<#{channel_id}> has no daily post to stop. /subscriptions lists this server's."
            )
        self.scheduler.wake()
        await interaction.response.send_message(
            f"✅ <#{channel_id}> will no longer get the daily market post.", ephemeral=True
        )

    @app_commands.command(
        name="subscriptions", description="This server's daily market posts and their last post."
    )
    @app_commands.guild_only()
    async def subscriptions(self, interaction: discord.Interaction) -> None:
        guild_id = interaction.guild_id
        assert guild_id is not None
        now = self.now()

        def listing(store: SubscriptionStore) -> list[tuple[Subscription, str]]:
            return [(sub, _describe(sub, guild_id, now)) for sub in store.for_guild(guild_id)]

        subs = await self._store_call(listing)
        embed = discord.Embed(title="Daily market posts", colour=discord.Colour(0x5DADE2))
        if not subs:
            embed.description = (
                "No channel here gets the daily post yet. Someone with Manage Server can start "
                "one with /subscribe."
            )
        for sub, text in subs[:25]:
            channel = self.bot.get_channel(sub.channel_id)
            name = f"#{channel.name}" if channel is not None else f"channel {sub.channel_id} (gone)"
            embed.add_field(name=name, value=truncate(text, 1024), inline=False)
        embed.set_footer(text="Times are US Eastern; posts go out on NYSE trading days only.")
        await interaction.response.send_message(embed=embed, ephemeral=True)


Subscriptions = cog_from_specs(
    "Subscriptions",
    SPECS,
    base=SubscriptionsBase,
    handler="run_digest",
    autocompletes={**SOURCES, "sections": sections_autocomplete},
)


def _describe(sub: Subscription, guild_id: int, now) -> str:
    post_time = parse_post_time(sub.post_time)
    lines = [
        f"<#{sub.channel_id}> at {post_time.describe()} · sections: {sections_text(sub.sections)}"
    ]
    if sub.last_day is not None:
        link = ""
        if sub.last_message_id:
            url = f"https://discord.com/channels/{guild_id}/{sub.channel_id}/{sub.last_message_id}"
            link = f" ([message]({url}))"
        lines.append(f"Last post: {sub.last_day.isoformat()}{link}")
    else:
        lines.append("Last post: none yet")
    for claim in sub.missed:
        lines.append(f"❗ Missed {claim.trading_day.isoformat()}: {claim.error}")
    if not sub.active:
        lines.append(
            f"⛔ Disabled: {sub.disabled_reason}. Fix the channel, then /subscribe again to restart."
        )
    else:
        if sub.failed_days:
            lines.append(
                f"⚠️ Failed {sub.failed_days} of {MAX_FAILED_DAYS} days in a row: {sub.last_error}"
            )
        lines.append(f"Next post: {in_eastern(next_post(now, post_time))}")
    return "\n".join(lines)


async def setup(bot) -> None:
    await bot.add_cog(Subscriptions(bot))
