"""Run a real ``commands.Bot`` against a FakeDiscord and talk to it through slash commands.

    async with running_bot(build_bot) as h:
        reply = await h.invoke("echo", text="hi")
        assert reply.content == "hi"

``build_bot`` is any zero-argument callable returning a ``discord.ext.commands.Bot``. Build
it for tests with ``guild_ready_timeout`` small (0.01 s; the default 2 s delays ``on_ready``)
and ``chunk_guilds_at_startup=False`` (otherwise the client waits for member chunks at
startup); ``running_bot`` refuses a bot built otherwise. The fake's guild is
``fake_discord.GUILD_ID``; the bot may sync its commands itself (``sync="bot"``, the default:
the harness waits for its PUT) or leave it to the harness (``sync="guild"`` copies global
commands to the guild and syncs there, ``sync="global"`` syncs globally).

On the way out the harness closes the bot, awaits the task that ran ``bot.start()``,
restores ``Route.BASE`` and ``DEFAULT_GATEWAY``, stops the fake, then asserts: the bot's
HTTP session is closed, the gateway keep-alive thread has ended, no asyncio task was
leaked, nothing reached the fake's catch-all route and nothing was logged at ERROR.

Pytest: import ``bot_harness`` (and optionally ``bot_harness_options``) into a conftest and
define a ``bot_factory`` fixture returning the factory; tests then take ``bot_harness``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

import aiohttp
import discord
import discord.gateway
import discord.http
import pytest
import pytest_asyncio
import yarl
from discord.ext import commands

from tests.e2e.fake_discord import GUILD_ID, FakeDiscord, InteractionHandle, Sent
from tests.e2e.fake_discord.wire import wait_ceiling

BotFactory = Callable[[], commands.Bot]
SyncMode = Literal["bot", "guild", "global"]

MAX_GUILD_READY_TIMEOUT = 0.5
# Route.BASE and DEFAULT_GATEWAY are process-wide: the bots running at once must all use one
# fake (two bots on one database and one Discord, as two processes would).
_active: list[FakeDiscord] = []


@dataclass(frozen=True)
class Reply:
    """The final answer to one interaction, flattened for assertions.

    response_type: the callback type (4 message, 5 deferred then follow-up, 8 autocomplete).
    content/embeds/files/ephemeral: of the message the user ends up seeing: the callback's
    for type 4, for type 5 the first follow-up or edit of @original that is not a progress line. Embeds are the dicts the
    bot sent (image urls as ``attachment://name``); files map filename -> bytes.
    choices: autocomplete choices (type 8). messages: everything sent for the interaction.
    """

    response_type: int
    content: str | None
    embeds: list[dict[str, Any]]
    files: dict[str, bytes]
    ephemeral: bool
    choices: list[dict[str, Any]]
    messages: list[Sent]


class BotHarness:
    """A running bot and its FakeDiscord; ``invoke`` runs a slash command end to end."""

    def __init__(
        self,
        bot: commands.Bot,
        fake: FakeDiscord,
        start_task: asyncio.Task[None],
        timeout: float,
        log_records: list[logging.LogRecord],
    ) -> None:
        self.bot = bot
        self.fake = fake
        self.timeout = timeout
        self.log_records = log_records  # ERROR records logged so far during the run
        self._start_task = start_task

    async def invoke(self, name: str, /, **options: Any) -> Reply:
        """Run ``/name`` with these options in #general and return the final reply."""
        return await self.invoke_with(name, options)

    async def invoke_with(
        self,
        name: str,
        options: Mapping[str, Any] | None = None,
        /,
        **interaction: Any,
    ) -> Reply:
        """Like ``invoke``; ``interaction`` goes to ``FakeDiscord.send_interaction``
        (channel_id=, user_permissions=, guild_id=None for a DM, user_id=, locale=)."""
        handle = await self.fake.send_interaction(name, options, **interaction)
        return await self.final_reply(handle)

    async def autocomplete(
        self, name: str, /, focused: str | None = None, **options: Any
    ) -> list[dict[str, Any]]:
        """The choices the bot offers while the user types ``options[focused]``."""
        handle = await self.fake.send_interaction(name, options, type=4, focused=focused)
        response = await self._while_alive(handle.response(self.timeout))
        assert response.type == 8, f"autocomplete answered with callback type {response.type}"
        return response.choices

    async def final_reply(self, handle: InteractionHandle) -> Reply:
        """Wait for what the user ends up seeing for this interaction."""
        response = await self._while_alive(handle.response(self.timeout))
        if response.type == 5:
            final = await self._while_alive(handle.final(self.timeout))
        else:
            final = response
        return Reply(
            response_type=response.type or 0,
            content=final.content,
            embeds=final.embeds,
            files=dict(final.files),
            ephemeral=final.ephemeral,
            choices=response.choices,
            messages=handle.all_messages(),
        )

    async def _while_alive(self, reply: Coroutine[Any, Any, Sent]) -> Sent:
        """Await ``reply``, failing at once if ``bot.start()`` ends first: a silent bot is
        often a dead one (an exception in a gateway event parser ends the start task)."""
        waiter = asyncio.ensure_future(reply)
        await asyncio.wait({waiter, self._start_task}, return_when=asyncio.FIRST_COMPLETED)
        if waiter.done():
            return waiter.result()
        waiter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiter
        task = self._start_task
        cause = None if task.cancelled() else task.exception()
        raise AssertionError(f"bot.start() ended while awaiting a reply: {cause!r}") from cause


@asynccontextmanager
async def running_bot(
    bot_factory: BotFactory,
    *,
    fake: FakeDiscord | None = None,
    guild_id: int = GUILD_ID,
    sync: SyncMode = "bot",
    timeout: float | None = None,
    allow_unexpected_requests: bool = False,
    allow_error_logs: bool = False,
) -> AsyncIterator[BotHarness]:
    """Run the bot against ``fake`` (a new FakeDiscord by default).

    The harness starts and stops the fake unless it was already started by the caller.
    Yields once the bot is ready and its commands are synced. A second ``running_bot`` may run
    inside the first when given the same, started ``fake``: two bots on one Discord.
    ``timeout`` bounds every wait (start-up, each reply, shutdown); by default
    ``wait_ceiling()`` ($MARKETBOT_E2E_TIMEOUT, 30 s): waits end on events, so only a failing
    test ever waits that long. ``allow_error_logs`` is for tests that provoke an ERROR log on purpose (they find the records in
    ``harness.log_records``); ``allow_unexpected_requests`` likewise for ``fake.unexpected``.
    """
    timeout = wait_ceiling() if timeout is None else timeout
    if _active and fake is not _active[0]:
        raise RuntimeError(
            "running_bot is already active: a second bot at once must share its fake (fake=)"
        )
    fake = fake or FakeDiscord(guild_id=guild_id)
    _active.append(fake)
    loop_tasks_before = asyncio.all_tasks()
    threads_before = set(threading.enumerate())
    errors = _ErrorLogCollector()
    logging.getLogger().addHandler(errors)
    own_fake = fake.port == 0  # the harness stops the fake only if it started it
    if own_fake:
        await fake.start()
    saved_base = discord.http.Route.BASE
    saved_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = fake.api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    bot: commands.Bot | None = None
    start_task: asyncio.Task[None] | None = None
    try:
        bot = bot_factory()
        _check_test_settings(bot)
        start_task = asyncio.create_task(bot.start(fake.token), name="e2e-bot-start")
        await _until(bot.is_ready, start_task, timeout, "the bot became ready")
        await _sync(bot, fake, start_task, sync, guild_id, timeout)
        yield BotHarness(bot, fake, start_task, timeout, errors.records)
    finally:
        try:
            start_error = await _shut_down(bot, start_task, timeout)
        finally:
            discord.http.Route.BASE = saved_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved_gateway
            if own_fake:
                await fake.stop()
            logging.getLogger().removeHandler(errors)
            _active.pop()
    # Only reached when the body and the start-up succeeded: check the shutdown was clean.
    if start_error is not None:
        raise AssertionError("bot.start() ended with an error") from start_error
    _assert_session_closed(bot)
    _assert_keep_alive_joined(threads_before)
    await _assert_no_leaked_tasks(loop_tasks_before)
    if not allow_unexpected_requests:
        unexpected = [(r.method, r.path) for r in fake.unexpected]
        assert not unexpected, f"requests no fake route serves: {unexpected}"
    if not allow_error_logs:
        assert not errors.records, "ERROR logs during the run:\n" + errors.describe()


class MarketBotFactory:
    """Builds the real ``MarketBot`` the way the entry point does, for ``running_bot``.

    Each build opens its own aiohttp session (a restarted bot is a new process); ``close()``
    closes them all. ``options`` go to ``MarketBot`` (``cogs``, ``answer_budget``, ``lease``,
    ``guild_id``: the fake's guild by default, ``None`` for global commands).
    """

    def __init__(self, services: Any, **options: Any) -> None:
        self.services = services
        self.options = {"guild_id": GUILD_ID, **options}
        self.sessions: list[aiohttp.ClientSession] = []

    def __call__(self) -> commands.Bot:
        from bot.app import MarketBot

        session = aiohttp.ClientSession()
        self.sessions.append(session)
        return MarketBot(
            services=self.services,
            http_session=session,
            guild_ready_timeout=0.01,
            chunk_guilds_at_startup=False,
            **self.options,
        )

    async def close(self) -> None:
        for session in self.sessions:
            await session.close()


@asynccontextmanager
async def running_market_bot(services: Any, **options: Any) -> AsyncIterator[BotHarness]:
    """``running_bot`` over a ``MarketBotFactory(services, **options)``, its sessions closed after."""
    build = MarketBotFactory(services, **options)
    try:
        async with running_bot(build) as harness:
            yield harness
    finally:
        await build.close()


@pytest.fixture
def bot_harness_options() -> dict[str, Any]:
    """Keyword arguments for ``running_bot`` used by ``bot_harness``; override to change."""
    return {}


@pytest_asyncio.fixture
async def bot_harness(
    bot_factory: BotFactory, bot_harness_options: dict[str, Any]
) -> AsyncIterator[BotHarness]:
    """A ready bot (built by the ``bot_factory`` fixture) on a FakeDiscord; shut down after."""
    async with running_bot(bot_factory, **bot_harness_options) as harness:
        yield harness


class _ErrorLogCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def describe(self) -> str:
        formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
        return "\n".join(formatter.format(r) for r in self.records)


def _check_test_settings(bot: commands.Bot) -> None:
    state = bot._connection
    if state.guild_ready_timeout > MAX_GUILD_READY_TIMEOUT:
        raise ValueError(
            f"build the test bot with guild_ready_timeout<={MAX_GUILD_READY_TIMEOUT} "
            f"(got {state.guild_ready_timeout}); the default 2 s delays on_ready"
        )
    if state._chunk_guilds:
        raise ValueError("build the test bot with chunk_guilds_at_startup=False")


async def _until(
    ready: Callable[[], bool], start_task: asyncio.Task[None], timeout: float, what: str
) -> None:
    """Wait until ``ready()``; fail at once if the bot's start task ends first."""
    deadline = time.monotonic() + timeout
    while not ready():
        if start_task.done():
            error = None if start_task.cancelled() else start_task.exception()
            raise RuntimeError(f"bot.start() ended before {what}") from error
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting until {what}")
        await asyncio.sleep(0.002)


async def _sync(
    bot: commands.Bot,
    fake: FakeDiscord,
    start_task: asyncio.Task[None],
    sync: SyncMode,
    guild_id: int,
    timeout: float,
) -> None:
    if sync == "guild":
        guild = discord.Object(guild_id)
        bot.tree.copy_global_to(guild=guild)
        await bot.tree.sync(guild=guild)
    elif sync == "global":
        await bot.tree.sync()
    else:
        # The bot syncs itself, in setup_hook (already done by now) or once ready.
        what = "the bot synced its commands (or pass sync='guild'/'global')"
        await _until(lambda: bool(fake.synced_commands), start_task, timeout, what)


async def _shut_down(
    bot: commands.Bot | None, start_task: asyncio.Task[None] | None, timeout: float
) -> BaseException | None:
    """Close the bot and await its start task; return the error that task ended with."""
    if bot is not None:
        await asyncio.wait_for(bot.close(), timeout)
    if start_task is None:
        return None
    try:
        await asyncio.wait_for(start_task, timeout)
    except Exception as error:  # reported by the caller, after the cleanup
        return error
    return None


def _assert_session_closed(bot: commands.Bot | None) -> None:
    session = getattr(bot.http, "_HTTPClient__session", None) if bot is not None else None
    if isinstance(session, aiohttp.ClientSession):
        assert session.closed, "the bot's HTTP session is still open after close()"


def _assert_keep_alive_joined(threads_before: set[threading.Thread]) -> None:
    alive = []
    for thread in set(threading.enumerate()) - threads_before:
        if isinstance(thread, discord.gateway.KeepAliveHandler):
            thread.join(timeout=2.0)
            if thread.is_alive():
                alive.append(thread.name)
    assert not alive, f"gateway keep-alive threads still running: {alive}"


async def _assert_no_leaked_tasks(
    tasks_before: set[asyncio.Task[Any]], grace: float = 0.25
) -> None:
    """Tasks started during the run must all have finished (after a short grace period)."""
    current = asyncio.current_task()
    deadline = time.monotonic() + grace
    while True:
        leaked = [t for t in asyncio.all_tasks() if t not in tasks_before and t is not current]
        if not leaked or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.01)
    assert not leaked, (
        f"asyncio tasks left running: {[t.get_name() + ' ' + repr(t.get_coro()) for t in leaked]}"
    )
