"""The CLI's start-up: `marketbot --help`, a subcommand's --help and `marketbot invite`, each a
fresh process of the installed entry point (.venv/bin/marketbot, as the README installs it:
`uv sync --compile-bytecode`), beside the floor: a fresh interpreter printing an argparse
--help. Issue 15: --help within 150 ms. What they import is checked by
tests/bot/test_light_cli.py (nothing of pandas, discord, aiohttp, matplotlib...).

    uv run python bench/startup.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, Results, Sample

HELP_TARGET = 0.150
FLOOR = [sys.executable, "-c", "import argparse; argparse.ArgumentParser().parse_args(['--help'])"]


def _entry_point() -> list[str]:
    script = Path(sys.executable).parent / "marketbot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def _launches(argv: list[str], runs: int, env: dict[str, str]) -> Sample:
    times = []
    for _ in range(runs + 1):  # the first one warms the page cache
        started = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True)
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-300:]!r}")
    return Sample(tuple(times[1:]))


def run(results: Results, runs: int) -> None:
    print("CLI start-up (fresh processes of the entry point)", flush=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARKETBOT_")}
    env["MARKETBOT_DB"] = str(ROOT / "bench" / "out" / "startup.db")  # never opened
    floor = _launches(FLOOR, runs, env)
    results.floor("startup", "a fresh interpreter printing an argparse --help", floor)
    marketbot = _entry_point()
    cases = (
        ("`marketbot --help`", ["--help"], HELP_TARGET),
        ("`marketbot streak --help`", ["streak", "--help"], HELP_TARGET),
        ("`marketbot invite --client-id N`", ["invite", "--client-id", "1"], None),
    )
    for label, args, target in cases:
        sample = _launches(marketbot + args, runs, env)
        results.beside_floor("startup", label, sample, floor, target=target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    from bench.common import table

    results = Results()
    run(results, args.runs)
    print()
    print(table(results.rows))
    return 1 if results.failures else 0


if __name__ == "__main__":
    sys.exit(main())
