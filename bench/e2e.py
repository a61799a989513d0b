"""Through the real discord.py client and the fake Discord (tests/e2e): interaction in, reply
out. Warm: each command over the warm cache. Cold: an empty price cache and a slow provider,
timing the acknowledgement (the "thinking..." defer), the first progress edit and the answer.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path

import aiohttp

from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.holdings import HoldingsStore
from bench.common import Results, Row, Sample, ms
from bench.data import HISTORY_TICKERS, NOW, World, load_holdings
from bot.services import Services, attach_holdings
from bot.settings import Settings
from tests.e2e.fake_discord import GUILD_ID, InteractionHandle
from tests.e2e.harness import BotHarness, running_bot
from tests.fakes.prices import RecordingProvider

ACK_TARGET = 1.0
DEAD_URL = "http://127.0.0.1:9"  # holdings downloads must not leave the machine
_users = itertools.count(1_200_000_000_000_000_000)  # a fresh user per call: no cooldowns

COMMANDS = {
    "streak": {},
    "compare": {"tickers": " ".join(HISTORY_TICKERS), "window": "ytd"},
    "movers": {"window": "2w"},
    "contributors": {"window": "ytd"},
}


class SlowProvider(RecordingProvider):
    """RecordingProvider taking `per_call` + `per_ticker` seconds, like a polite remote source."""

    def __init__(self, per_call: float = 0.1, per_ticker: float = 0.002) -> None:
        super().__init__()
        self.per_call = per_call
        self.per_ticker = per_ticker

    def fetch(self, tickers, start, end):
        time.sleep(self.per_call + self.per_ticker * len(tickers))
        return super().fetch(tickers, start, end)


def services_for(path: Path, provider: RecordingProvider) -> Services:
    cache = PriceCache(path)
    return bench_services(path, cache, MarketData(cache, provider, now=lambda: NOW))


def bench_services(path: Path, cache: PriceCache, market: MarketData) -> Services:
    """Services whose holdings downloads go nowhere (Settings' iShares URL: a closed port)."""
    settings = Settings(db_path=path, guild_id=GUILD_ID, ishares_url=DEAD_URL)
    attach_holdings(market, settings)
    return Services(settings=settings, cache=cache, market=market)


async def invoke(
    h: BotHarness, name: str, options: dict
) -> tuple[float, float | None, float, dict]:
    """(ack, first progress edit or None, final answer) seconds after sending, and the answer."""
    t0 = time.perf_counter()
    handle: InteractionHandle = await h.fake.send_interaction(name, options, user_id=next(_users))
    ack = (await handle.response(h.timeout)).at - t0
    try:  # awaited, not polled: each message is stamped as the fake records it
        final = await handle.embedded(h.timeout)
    except AssertionError as exc:
        seen = handle.all_messages()
        raise TimeoutError(f"/{name}: no answer within {h.timeout} s; saw {seen}") from exc
    progress = next(
        (m.at - t0 for m in handle.all_messages() if m.kind != "callback" and not m.embeds), None
    )
    return ack, progress, final.at - t0, final.embeds[0]


async def _with_bot(services: Services, body, timeout: float):
    sessions: list[aiohttp.ClientSession] = []

    def build():
        from bot.app import MarketBot

        session = aiohttp.ClientSession()
        sessions.append(session)
        return MarketBot(
            services=services,
            http_session=session,
            guild_id=GUILD_ID,
            guild_ready_timeout=0.01,
            chunk_guilds_at_startup=False,
        )

    try:
        async with running_bot(build, timeout=timeout) as h:
            return await body(h)
    finally:
        for session in sessions:
            await session.close()


WARM_TARGETS = {"streak": 0.080, "movers": 0.150, "contributors": 0.250}
REPEAT_TARGET = 0.005


def run_warm(world: World, results: Results, runs: int) -> None:
    """Each command computed again on every run (the bot's answer memo emptied before each:
    what a new question costs once its data is in the process), then the same question asked
    again with the memo on (answered from it: no recompute, no redraw)."""
    print("e2e warm (real discord.py, fake Discord; interaction in -> reply out)", flush=True)
    services = bench_services(world.path, world.cache, world.market)

    async def body(h: BotHarness) -> None:
        from bot.memo import AnswerMemo

        for name, options in COMMANDS.items():
            label = f"/{name} {' '.join(f'{k}={v}' for k, v in options.items() if k != 'tickers')}"
            await invoke(h, name, options)  # warm-up
            acks, totals, title = [], [], ""
            for _ in range(runs):
                h.bot.answer_memo = memo = AnswerMemo()  # empty: this run computes
                ack, _, total, embed = await invoke(h, name, options)
                acks.append(ack)
                totals.append(total)
                title = embed.get("title", "")
            target = WARM_TARGETS.get(name)
            results.timing(
                "e2e warm",
                f"{label.strip()} (answer memo emptied)",
                Sample(tuple(totals)),
                target=target,
                extra=f"ack median {ms(Sample(tuple(acks)).median)}; {title[:50]}",
            )
            repeats = []
            for _ in range(runs):
                hits = memo.hits
                _, _, total, _ = await invoke(h, name, options)
                results.check(memo.hits == hits + 1, f"{label}: asked again but recomputed")
                repeats.append(total)
            results.timing(
                "e2e warm",
                f"{label.strip()} asked again (answer memo)",
                Sample(tuple(repeats)),
                target=REPEAT_TARGET,
            )

    asyncio.run(_with_bot(services, body, timeout=60))
    results.check(not world.provider.calls, "e2e warm commands fetched prices")


def run_cold(tmp: Path, results: Results) -> None:
    print("e2e cold (empty price cache, a slow provider): acknowledged within 1 s?", flush=True)
    provider = SlowProvider()
    services = services_for(tmp / "e2e-cold.db", provider)
    holdings = load_holdings()
    HoldingsStore(services.cache.db).save(holdings, fetched_at=NOW)

    async def body(h: BotHarness) -> None:
        for name, options in {**COMMANDS, "price": {"ticker": "SPY"}}.items():
            ack, progress, total, _ = await invoke(h, name, options)
            shown = f"first progress {ms(progress)}, " if progress is not None else ""
            results.add(
                Row(
                    "e2e cold",
                    f"/{name} acknowledged (cold)",
                    ms(ack),
                    extra=f"{shown}answer {ms(total)}",
                    target=f"< {ms(ACK_TARGET)}",
                    verdict="ok" if ack < ACK_TARGET else "MISSED",
                )
            )

    asyncio.run(_with_bot(services, body, timeout=120))
    services.cache.close()
