"""Warm command latency: the command function (cache read, analytics, chart) and the embed,
as the cog runs them, over the warm cache (no fetch may happen)."""

from __future__ import annotations

from collections.abc import Callable

from analytics.answer import Answer
from analytics.commands.contributors import CONTRIBUTORS
from analytics.commands.movers import MOVERS
from analytics.commands.streaks._compare import compare_answer
from analytics.commands.streaks._parse import CompareRequest, StreakRequest
from analytics.commands.streaks._streak import streak_answer
from analytics.spec import NoProgress, ParseContext
from analytics.windows import parse_window
from bench.common import Results, Sample, measure
from bench.data import HISTORY_TICKERS, World
from bot.render import render_answer

TARGETS = {"streak": 0.2, "movers": 0.5, "contributors": 1.0}


def commands(world: World) -> dict[str, tuple[str, Callable[[], Answer]]]:
    """name -> (label, a call computing the Answer exactly as the cog does)."""
    market = world.market
    ctx = ParseContext(today=market.today())
    # The specs' own parse and answer functions, as both front ends call them.
    movers = MOVERS.parse_values({"window": "2w", "universe": "IWM"}, ctx)
    contributors = CONTRIBUTORS.parse_values({"fund": "IWM", "window": "ytd"}, ctx)

    streak_request = StreakRequest("IWM", "SPY", "beat")
    compare_request = CompareRequest(tuple(HISTORY_TICKERS), parse_window("ytd"))

    def streak() -> Answer:
        return streak_answer(market, streak_request, NoProgress())

    def compare() -> Answer:
        return compare_answer(market, compare_request, NoProgress())

    def movers_() -> Answer:
        return MOVERS.answer_function()(market, movers, NoProgress())

    def contributors_() -> Answer:
        return CONTRIBUTORS.answer_function()(market, contributors, NoProgress())

    n = len(world.universe)
    return {
        "streak": ("/streak IWM SPY (30 years)", streak),
        "compare": (f"/compare {len(HISTORY_TICKERS)} tickers ytd", compare),
        "movers": (f"/movers 2w over IWM ({n:,} names)", movers_),
        "contributors": (f"/contributors IWM ytd ({n:,} names)", contributors_),
    }


def run(world: World, results: Results, runs: int) -> dict[str, Sample]:
    """Median and p95 of each command + embed; returns the samples for the baseline ratios."""
    print("warm commands (analytics + chart + embed)", flush=True)
    samples: dict[str, Sample] = {}
    for name, (label, compute) in commands(world).items():
        answer = compute()

        def once(compute=compute) -> None:
            render_answer(compute())

        sample = measure(once, runs)
        samples[name] = sample
        results.timing(
            "warm", label, sample, target=TARGETS.get(name), extra=f"n={runs}; {answer.title[:60]}"
        )
    calls = len(world.provider.calls)
    results.check(calls == 0, f"warm commands asked the provider {calls} times")
    return samples
