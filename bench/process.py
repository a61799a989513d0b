"""The bot process itself: startup to ready, and peak memory with the universe cached.

A fresh interpreter runs the real entry point, `marketbot run` (bot.cli -> bot.runner.run_bot:
settings from the environment, all cogs, production discord.py options), against the fake
Discord served from this process; the child (bench/bot_child.py) only points discord.py at it. Measured from
the moment the child is launched: a first /help answered, its embed (issue 15: <= 1.5 s; a bot
can answer before discord.py's on_ready, which waits guild_ready_timeout, 2 s by default, for
more guilds), over several launches beside the floor (an interpreter importing discord); then
in one more launch commands synced, on_ready (its "logged in" log line), /movers 2w,
/contributors ytd, /streak and /compare over the cached universe, and the child's peak
resident memory (VmHWM).
The child runs offline (no request may leave the machine), so the commands pass `as_of`, the
cache's last session.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.common import ROOT, Results, Row, Sample, ms
from bench.data import END, HISTORY_TICKERS

READY_TARGET = 1.5
RSS_TARGET_MB = 400.0
YEAR_RSS_TARGET_MB = 250.0
YEAR_COMMANDS = (("movers", {"window": "1y"}), ("contributors", {"window": "1y"}))
COMMANDS = (
    *YEAR_COMMANDS,
    ("movers", {"window": "2w"}),
    ("contributors", {"window": "ytd"}),
    ("streak", {}),
    ("compare", {"tickers": " ".join(HISTORY_TICKERS)}),
)


def run(db: Path, results: Results, *, startup_runs: int = 7) -> None:
    print("bot process: `marketbot run` in a fresh interpreter", flush=True)
    floor = launch_floor(startup_runs)
    results.floor("process", "a fresh interpreter importing discord.py", floor)
    sample = first_answer_sample(db, startup_runs)
    results.beside_floor(
        "process",
        "startup: launch -> first /help answered (its embed)",
        sample,
        floor,
        target=READY_TARGET,
    )
    figures = asyncio.run(_measure(db))
    results.add(
        Row(
            "process",
            "startup: launch -> commands synced",
            ms(figures["synced"]),
        )
    )
    results.add(
        Row(
            "process",
            "startup: launch -> on_ready",
            ms(figures["ready"]),
            extra="discord.py's guild_ready_timeout (2 s) included",
        )
    )
    results.add(
        Row(
            "process",
            "peak RSS after /movers 1y and /contributors 1y over IWM",
            f"{figures['year_mb']:,.0f} MB",
            extra=f"{figures['ready_mb']:,.0f} MB when ready",
            target=f"<= {YEAR_RSS_TARGET_MB:,.0f} MB",
            verdict="ok" if figures["year_mb"] <= YEAR_RSS_TARGET_MB else "MISSED",
            numbers={"median_ms": None, "peak_mb": round(figures["year_mb"], 1)},
        )
    )
    results.add(
        Row(
            "process",
            f"peak RSS after {', '.join('/' + n + ' ' + o.get('window', '') for n, o in COMMANDS)}",
            f"{figures['peak_mb']:,.0f} MB",
            extra=f"{figures['ready_mb']:,.0f} MB when ready",
            target=f"< {RSS_TARGET_MB:,.0f} MB",
            verdict="ok" if figures["peak_mb"] < RSS_TARGET_MB else "MISSED",
        )
    )


async def _launch(fake, db: Path, *, stderr: int) -> asyncio.subprocess.Process:
    """`marketbot run` (bench/bot_child.py) on `db`, offline, against the fake Discord."""
    from tests.e2e.fake_discord import GUILD_ID

    env = {
        **os.environ,
        "DISCORD_TOKEN": fake.token,
        "MARKETBOT_GUILD_ID": str(GUILD_ID),
        "MARKETBOT_DB": str(db),
        "MARKETBOT_OFFLINE": "1",
        "MARKETBOT_LOG_LEVEL": "INFO",
    }
    return await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "bench.bot_child", fake.api_base, fake.gateway_url),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=stderr,
    )


async def _first_answer(db: Path) -> float:
    """Seconds from launching `marketbot run` to its first /help answered (the embed, after
    the deferral); then stops it."""
    from tests.e2e.fake_discord import GUILD_ID, FakeDiscord

    async with FakeDiscord(guild_id=GUILD_ID) as fake:
        launched = time.perf_counter()
        child = await _launch(fake, db, stderr=asyncio.subprocess.DEVNULL)
        try:
            while GUILD_ID not in fake.synced_commands:
                if child.returncode is not None:
                    raise RuntimeError(f"the bot exited with {child.returncode}")
                await asyncio.sleep(0.002)
            while True:
                try:
                    handle = await fake.send_interaction("help")
                    break
                except RuntimeError:  # the gateway session is not identified yet
                    await asyncio.sleep(0.002)
            await handle.response(10)  # "thinking...": the help reads the cache next
            reply = await handle.followup(30)
            elapsed = time.perf_counter() - launched
            if not reply.embeds:
                raise RuntimeError(f"/help answered {reply.content!r}")
            child.send_signal(signal.SIGTERM)
            await asyncio.wait_for(child.wait(), 30)
        finally:
            if child.returncode is None:
                child.kill()
                await child.wait()
    return elapsed


def first_answer_sample(db: Path, runs: int) -> Sample:
    """`runs` launches of `marketbot run` against the fake Discord, each timed to its first
    /help answered (issue 15: <= 1.5 s)."""
    return Sample(tuple(asyncio.run(_first_answer(db)) for _ in range(runs)))


def launch_floor(runs: int) -> Sample:
    """What any discord.py bot pays before its own code: an interpreter importing discord."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import discord"], cwd=ROOT, check=True)
        times.append(time.perf_counter() - started)
    return Sample(tuple(times))


def _status_mb(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {key} for process {pid}")


async def _measure(db: Path) -> dict[str, float]:
    from tests.e2e.fake_discord import GUILD_ID, FakeDiscord

    figures: dict[str, float] = {}
    async with FakeDiscord(guild_id=GUILD_ID) as fake:
        launched = time.perf_counter()
        child = await _launch(fake, db, stderr=asyncio.subprocess.PIPE)
        ready = asyncio.Event()
        log_lines: list[str] = []

        async def watch_log() -> None:
            assert child.stderr is not None
            async for raw in child.stderr:
                line = raw.decode(errors="replace")
                log_lines.append(line)
                if "logged in as" in line and not ready.is_set():
                    figures["ready"] = time.perf_counter() - launched
                    ready.set()

        watcher = asyncio.create_task(watch_log())
        try:
            while GUILD_ID not in fake.synced_commands:
                if child.returncode is not None:
                    raise RuntimeError("the bot exited:\n" + "".join(log_lines[-30:]))
                await asyncio.sleep(0.002)
            figures["synced"] = time.perf_counter() - launched
            while True:
                try:
                    handle = await fake.send_interaction("help")
                    break
                except RuntimeError:  # the gateway session is not identified yet
                    await asyncio.sleep(0.002)
            await handle.response(10)
            figures["first_answer"] = time.perf_counter() - launched
            await asyncio.wait_for(ready.wait(), 30)
            figures["ready_mb"] = _status_mb(child.pid, "VmRSS")
            for i, (name, options) in enumerate(COMMANDS):
                handle = await fake.send_interaction(name, {**options, "as_of": END.isoformat()})
                reply = await handle.final(60)
                if not reply.embeds:
                    raise RuntimeError(f"/{name} answered {reply.content!r}")
                if i == len(YEAR_COMMANDS) - 1:
                    figures["year_mb"] = _status_mb(child.pid, "VmHWM")
            figures["peak_mb"] = _status_mb(child.pid, "VmHWM")
            child.send_signal(signal.SIGTERM)
            code = await asyncio.wait_for(child.wait(), 30)
            if code != 0:
                raise RuntimeError(f"the bot exited with {code}:\n" + "".join(log_lines[-30:]))
        finally:
            if child.returncode is None:
                child.kill()
                await child.wait()
            await watcher
    return figures
