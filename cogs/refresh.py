"""The background price refresh after each US close (no slash commands: it owns a task).

Keeps warm what people use: tickers commands asked for recently, those active alerts read
(for breadth alerts, the universe's holdings and every name), and, while any channel subscribes to the daily digest, the digest's tickers and its fund's
constituents (when their holdings are cached). Started in `cog_load`, cancelled and awaited
in `cog_unload` (discord.py unloads cogs in `bot.close()`); off in offline mode. Its clock is the services' clock; it runs
only while this process holds the background lease (`bot.background`).

It also turns on provisional first answers (`MarketData.enable_provisional`): a command over a
cold universe answers from multi-symbol closes while a background fill fetches the exact bars;
that fill is stopped (after its current batch) when the cog unloads, before the cache closes.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3

from discord.ext import commands

from analytics.errors import MarketbotError
from analytics.holdings.funds import get_fund
from analytics.subscriptions.store import SubscriptionStore
from analytics.universes import stored_fund_universe
from bot.refresher import RECENT_WINDOW, Refresher, refresh_tickers

log = logging.getLogger(__name__)

BACKGROUND_STOP = 30.0
"""Seconds to wait for a background fill's current batch when the bot stops."""


class Refresh(commands.Cog):
    def __init__(self, bot) -> None:
        self.bot = bot
        self.refresher = Refresher(
            market=bot.services.market,
            tickers=self.tickers,
            now=self.now,
            ready=bot.wait_until_ready,
            gate=bot.background,
        )

    async def cog_load(self) -> None:
        market = self.bot.services.market
        if not market.offline:
            market.enable_provisional()
            self.refresher.start()

    async def cog_unload(self) -> None:
        await self.refresher.stop()
        await asyncio.to_thread(self.bot.services.market.stop_background, BACKGROUND_STOP)

    def now(self):
        return self.bot.services.market.now()

    def tickers(self) -> list[str]:
        """What to keep warm (blocking: runs in the refresher's worker thread)."""
        from analytics.subscriptions.sections import FUND, RETURNS_TICKERS, STREAK_PAIR

        cache = self.bot.services.cache
        extra: list[str] = []
        universes: list[tuple[str, ...]] = []
        if digest_in_use(cache):
            extra = [*STREAK_PAIR, *RETURNS_TICKERS]
            try:
                universe = stored_fund_universe(cache.db, get_fund(FUND))
            except MarketbotError:  # an empty snapshot: nothing to add
                universe = None
            if universe is not None:
                universes.append(universe.tickers)
        extra += alert_tickers_in_use(cache)
        universes += alert_universes_in_use(self.bot.services.market)
        return refresh_tickers(cache, self.now() - RECENT_WINDOW, extra=extra, universes=universes)


def digest_in_use(cache) -> bool:
    """True when any channel subscribes to the daily digest (blocking: SQLite)."""
    try:
        return bool(SubscriptionStore(cache).active())
    except sqlite3.Error as exc:  # a store mid-migration must not stop the refresh
        log.warning("could not read subscriptions: %s", exc)
        return False


def alert_tickers_in_use(cache) -> list[str]:
    """The tickers active alerts read: their evaluation stands on this refresh (blocking)."""
    from analytics.alerts.evaluation import alert_tickers
    from analytics.alerts.store import AlertStore

    try:
        return alert_tickers(AlertStore(cache).active())
    except sqlite3.Error as exc:  # a store mid-migration must not stop the refresh
        log.warning("could not read alerts: %s", exc)
        return []


def alert_universes_in_use(market) -> list[tuple[str, ...]]:
    """The names of the universes active breadth alerts read, each fund's holdings brought up
    to date first (blocking: SQLite, and a holdings download through the facade)."""
    from analytics.alerts.evaluation import alert_universes
    from analytics.alerts.store import AlertStore
    from analytics.alerts.universes import refresh_universes

    try:
        names = alert_universes(AlertStore(market.cache).active())
    except sqlite3.Error as exc:  # a store mid-migration must not stop the refresh
        log.warning("could not read alerts: %s", exc)
        return []
    found, problems = refresh_universes(market, names)
    for name, why in problems.items():
        log.warning("alerts: could not refresh the universe %s: %s", name, why)
    return found


async def setup(bot) -> None:
    await bot.add_cog(Refresh(bot))
