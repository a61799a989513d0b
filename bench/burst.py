"""A burst of warm interactions through the real discord.py client and the fake Discord: 200
slash commands from 100 users, 50 distinct questions across /streak, /compare, /price,
/movers and /contributors (each asked four times), all sent at once over the warm cache.

Each interaction is timed from its send to its final answer (an embed); every one must be
answered (no error, no timeout). The bot runs as in production: its answer memo on, so a
question asked again while nothing was written is answered from it.
"""

from __future__ import annotations

import asyncio
import time

from bench.common import Results, Row, Sample, ms
from bench.data import HISTORY_TICKERS, World
from bench.e2e import _with_bot, bench_services

P95_TARGET = 10.0
INTERACTIONS = 200
USERS = 100
_FIRST_USER = 1_300_000_000_000_000_000

_WINDOWS = ("1d", "5d", "2w", "1m", "3m", "6m", "ytd", "1y", "20d", "10d")


def questions() -> list[tuple[str, dict]]:
    """50 distinct questions, 10 per command."""
    h = HISTORY_TICKERS
    out: list[tuple[str, dict]] = []
    for i in range(10):  # /streak: pairs, and runs of one ticker
        if i < 7:
            out.append(("streak", {"a": h[i], "b": h[(i + 1) % len(h)]}))
        else:
            out.append(("streak", {"a": h[i], "kind": ("up", "down", "record-close")[i - 7]}))
    for i, window in enumerate(_WINDOWS):
        out.append(("compare", {"tickers": " ".join(h[i % 5 : i % 5 + 4]), "window": window}))
    for i, window in enumerate(_WINDOWS):
        out.append(("price", {"ticker": h[i], "window": window}))
    for window in _WINDOWS:
        out.append(("movers", {"window": window}))
    for window in _WINDOWS:
        out.append(("contributors", {"window": window}))
    assert len({(n, tuple(sorted(o.items()))) for n, o in out}) == 50
    return out


async def _one(h, name: str, options: dict, user: int) -> tuple[float, bool]:
    """(seconds from send to the final answer, whether it carried an embed)."""
    t0 = time.perf_counter()
    handle = await h.fake.send_interaction(name, options, user_id=user)
    reply = await handle.final(h.timeout)
    return time.perf_counter() - t0, bool(reply.embeds)


def run(world: World, results: Results) -> None:
    print(f"burst: {INTERACTIONS} warm interactions, {USERS} users, 50 questions", flush=True)
    services = bench_services(world.path, world.cache, world.market)
    asked = questions()
    plan = [(*asked[i % len(asked)], _FIRST_USER + (i * 7) % USERS) for i in range(INTERACTIONS)]

    async def body(h) -> tuple[list[float], int, float]:
        t0 = time.perf_counter()
        done = await asyncio.gather(
            *(_one(h, name, options, user) for name, options, user in plan),
            return_exceptions=True,
        )
        wall = time.perf_counter() - t0
        times = [d[0] for d in done if not isinstance(d, BaseException) and d[1]]
        failed = len(done) - len(times)
        for d in done:
            if isinstance(d, BaseException):
                print(f"  burst interaction failed: {d!r}", flush=True)
        return times, failed, wall

    times, failed, wall = asyncio.run(_with_bot(services, body, timeout=600))
    results.check(failed == 0, f"burst: {failed} of {INTERACTIONS} interactions unanswered")
    results.check(not world.provider.calls, "burst commands fetched prices")
    if not times:
        return
    sample = Sample(tuple(times))
    results.add(
        Row(
            "burst",
            f"{INTERACTIONS} interactions at once ({USERS} users, 50 questions): send -> answer",
            ms(sample.median),
            ms(sample.p95),
            extra=f"all answered in {ms(wall)}; {failed} unanswered",
            target=f"p95 <= {ms(P95_TARGET)}",
            verdict="ok" if sample.p95 <= P95_TARGET and not failed else "MISSED",
        )
    )
