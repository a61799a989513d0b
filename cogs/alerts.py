"""/alert add, list, remove, pause, resume: alerts on the analytics, checked after each close.

The slash commands are generated from the alert specs (analytics/alerts/specs.py), with the
same options as `marketbot alert ...`; each runs `handle`, which adds what only Discord
knows: who is asking, in which server, with which permissions, and where a DM goes
(bot/alerts/access.py). The work itself is the same functions the CLI's answers call
(analytics/alerts/commands.py).

The cog owns the evaluation loop (bot/alerts/loop.py): started in `cog_load`, stopped in
`cog_unload`; its clock is the services' clock; it runs while this process holds the
background lease, after the evening price refresh (the Refresh cog's refresher, which wakes
it when it settles).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import discord
from discord.ext import commands

from analytics.alerts.commands import (
    AddRequest,
    IdRequest,
    alert_text,
    create_alert,
    created_text,
    resume_alert,
    standing,
)
from analytics.alerts.evaluation import describe
from analytics.alerts.records import MAX_PER_SERVER, MAX_PER_USER
from analytics.alerts.specs import GROUPS, SPECS
from analytics.alerts.store import AlertStore
from analytics.spec import CommandSpec
from bot.alerts.access import is_admin, mine_or_server, placement
from bot.alerts.delivery import AlertDelivery
from bot.alerts.loop import AlertLoop
from bot.answering import parse_context
from bot.discord_specs import cog_from_specs
from bot.render import DESCRIPTION_MAX, truncate

LIST_COLOUR = discord.Colour(0x5DADE2)
EXAMPLE = "/alert add kind:streak ticker:IWM versus:SPY sessions:10"


class AlertsBase(commands.Cog):
    """The hand-written half of the alerts cog: identity, permissions, the loop."""

    def __init__(self, bot) -> None:
        self.bot = bot
        services = bot.services
        self.store = AlertStore(services.cache)
        self.delivery = AlertDelivery(bot)
        self._listening = False
        self.loop = AlertLoop(
            store=self.store,
            market=services.market,
            deliver=self.delivery.deliver,
            find=self.delivery.find,
            now=self.now,
            refreshed=self.refreshed,
            ready=bot.wait_until_ready,
            gate=bot.background,
        )

    async def cog_load(self) -> None:
        self.loop.start()

    async def cog_unload(self) -> None:
        await self.loop.stop()

    def now(self) -> dt.datetime:
        return self.bot.services.market.now()

    def refreshed(self, session: dt.date) -> bool:
        """Whether the evening price refresh for `session` is done; True when no refresh
        runs in this process (offline, or the Refresh cog is not loaded)."""
        cog = self.bot.get_cog("Refresh")
        if cog is None or self.bot.services.market.offline:
            return True
        refresher = cog.refresher
        if not self._listening:
            refresher.listeners.append(lambda _session: self.loop.wake())
            self._listening = True
        return refresher.done_session is not None and refresher.done_session >= session

    # -- the commands ----------------------------------------------------------------------------
    async def handle(
        self, interaction: discord.Interaction, spec: CommandSpec, values: dict[str, Any]
    ) -> None:
        """Every /alert subcommand: parse as the CLI does (bad input is answered before
        anything is deferred or read), then the Discord side of it."""
        request = await asyncio.to_thread(
            spec.parse_values, values, parse_context(self.bot.services)
        )
        action = spec.path[-1]
        if action == "add":
            await self._add(interaction, request)
        elif action == "list":
            await self._list(interaction)
        else:
            await self._change(interaction, action, request)

    async def _add(self, interaction: discord.Interaction, request: AddRequest) -> None:
        where = placement(interaction, request.target)
        market = self.bot.services.market
        await interaction.response.defer(ephemeral=True, thinking=True)
        created = await asyncio.to_thread(
            create_alert,
            market,
            self.store,
            request,
            owner_id=where.owner_id,
            created_by=interaction.user.id,
            guild_id=where.guild_id,
            channel_id=where.channel_id,
            now=self.now(),
        )
        await interaction.followup.send(created_text(created), ephemeral=True)

    async def _list(self, interaction: discord.Interaction) -> None:
        user, guild = interaction.user.id, interaction.guild_id
        admin = is_admin(interaction)

        def read(store: AlertStore):
            alerts = {a.id: a for a in store.owned_by(user)}
            if admin and guild is not None:
                alerts |= {a.id: a for a in store.server_channels(guild)}
            return [alerts[i] for i in sorted(alerts)]

        alerts = await asyncio.to_thread(read, self.store)
        title = "Your alerts and this server's" if admin else "Your alerts"
        embed = discord.Embed(title=title, colour=LIST_COLOUR)
        if alerts:
            embed.description = truncate(
                "\n\n".join(alert_text(a) for a in alerts), DESCRIPTION_MAX
            )
        else:
            embed.description = f"No alerts yet. Make one with {EXAMPLE}."
        embed.set_footer(
            text=f"Checked after each NYSE close · at most {MAX_PER_USER} per person, "
            f"{MAX_PER_SERVER} per server"
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)

    async def _change(
        self, interaction: discord.Interaction, action: str, request: IdRequest
    ) -> None:
        found = await asyncio.to_thread(self.store.get, request.id)
        alert = mine_or_server(interaction, found, request.id)
        if action == "remove":
            await asyncio.to_thread(self.store.remove, alert.id)
            reply = f"🗑️ Alert #{alert.id} removed: {describe(alert)}."
        elif action == "pause":
            if not alert.paused:
                why = f"paused with /alert pause on {self.now().date().isoformat()}"
                await asyncio.to_thread(self.store.pause, alert.id, why, self.now())
            reply = (
                f"⏸️ Alert #{alert.id} paused: {describe(alert)}. "
                f"/alert resume {alert.id} restarts it."
            )
        else:
            await interaction.response.defer(ephemeral=True, thinking=True)
            market = self.bot.services.market
            evaluation = await asyncio.to_thread(resume_alert, market, self.store, alert)
            await interaction.followup.send(
                f"▶️ Alert #{alert.id} resumed: {standing(alert, evaluation)}", ephemeral=True
            )
            return
        await interaction.response.send_message(reply, ephemeral=True)


Alerts = cog_from_specs("Alerts", SPECS, groups=GROUPS, base=AlertsBase, handler="handle")


async def setup(bot) -> None:
    await bot.add_cog(Alerts(bot))
