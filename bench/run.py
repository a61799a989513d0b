"""Run every benchmark and print one table: `uv run python bench/run.py [--names 300]`.

Sections (all on generated data of realistic size; see bench/data.py):
  warm      command latency, analytics + chart + embed: /streak (30 years), /compare (10),
            /movers 2w and /contributors ytd over the IWM universe (~2,000 names)
  e2e       the same through real discord.py and the fake Discord (answer memo emptied per
            run), the same question asked again (answer memo); cold acknowledgements
  burst     200 warm interactions at once, 100 users, 50 questions (bench/burst.py)
  cache     reading one window of the universe; bars().wide() ytd/1y beside its floors (.npy,
            a BLOB per ticker); SQLite bytes per ticker-year
  cold      a cold fill of --names names from the fake Yahoo (100-300 ms per answer, 429 past
            5/s), interrupted and resumed; the incremental refresh; a stricter server;
            2,000-name figures extrapolated and labelled so
  baseline  yfinance for every command with no cache, against the same fake; ratios
  process   the bot process: launch to the first /help answered (several launches, beside an
            interpreter importing discord), startup to ready, peak RSS with the universe cached
  charts    one chart built and encoded as PNG (movers, contributors, streak) beside a bare
            Figure saved as PNG (bench/charts.py)
  startup   `marketbot --help`, `streak --help`, `invite` as fresh processes beside an
            interpreter printing an argparse --help (bench/startup.py)
  refresh   the nightly refresh after one session for 300 and 2,000 names (multi-symbol quotes,
            events checks), and a cold /movers 2w over 2,000 names: first (provisional) and
            exact answer (bench/refresh.py); about four minutes

Default: every section, about ten minutes on 2 cores.
`--json PATH` also writes every figure as a list of {"name", "median_ms", "p95_ms", "floor_ms",
"ratio", "target"} records (refresh figures add "names" and "requests"; the target is as the
table writes it; floor_ms and ratio where the section measures a floor in the same run) and
the machine's load average before and after. `python bench/readme_table.py PATH` turns that
file into the README's performance table. Never run by pytest (testpaths = tests), nor in CI.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import (  # noqa: E402
    baseline,
    burst,
    cache_reads,
    charts,
    cold,
    e2e,
    process,
    refresh,
    startup,
    warm,
)
from bench.common import Results, peak_rss_mb, table  # noqa: E402
from bench.data import build_warm_cache, load_holdings, universe_symbols  # noqa: E402

SECTIONS = (
    "warm",
    "e2e",
    "burst",
    "cache",
    "cold",
    "baseline",
    "process",
    "refresh",
    "charts",
    "startup",
)
NEEDS_NO_CACHE = {"refresh", "charts", "startup"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="timed runs per warm case (20)")
    parser.add_argument(
        "--names", type=int, default=300, help="names in the cold fill and baseline (300)"
    )
    parser.add_argument("--rate", type=float, default=4.0, help="our requests per second (4)")
    parser.add_argument(
        "--strict-names", type=int, default=60, help="names in the stricter-server fill (60)"
    )
    parser.add_argument(
        "--baseline-names",
        type=int,
        default=100,
        help="names yf.download fetches per universe command, extrapolated (100)",
    )
    parser.add_argument(
        "--exact-names",
        type=int,
        default=300,
        help="names the cold /movers exact answer is timed on, extrapolated to 2,000 (300)",
    )
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these sections")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    wanted = set(args.only or SECTIONS)
    if "baseline" in wanted:
        wanted.add("cold")  # the ratios need our cold figures
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("yfinance").setLevel(logging.CRITICAL)
    logging.getLogger("discord").setLevel(logging.ERROR)  # "PyNaCl is not installed"...
    warnings.filterwarnings("ignore", category=DeprecationWarning)

    results = Results()
    started = time.perf_counter()
    if "startup" in wanted:
        startup.run(results, args.runs)
    if "charts" in wanted:
        charts.run(results, max(args.runs, 20))
    with cold.tmpdir() as tmp_name:
        tmp = Path(tmp_name)
        if "refresh" in wanted:
            universe = list(universe_symbols(load_holdings()))
            refresh.run(results, tmp, universe, exact_names=args.exact_names, rate=args.rate)
        if not wanted - NEEDS_NO_CACHE:
            return _report(results, started, args.json)
        t0 = time.perf_counter()
        world = build_warm_cache(tmp / "warm.db")
        print(
            f"warm cache: {len(world.universe):,} IWM constituents x a year + "
            f"10 ETFs x 30 years, built in {time.perf_counter() - t0:.1f} s\n",
            flush=True,
        )
        samples = {}
        if {"warm", "baseline"} & wanted:
            samples = warm.run(world, results, args.runs)
        if "e2e" in wanted:
            e2e.run_warm(world, results, max(5, args.runs // 2))
            e2e.run_cold(tmp, results)
        if "burst" in wanted:
            burst.run(world, results)
        if "cache" in wanted:
            cache_reads.run(world, results, args.runs)
        figures = None
        if "cold" in wanted:
            names = list(world.universe[: args.names])
            figures = cold.run(
                results, tmp, names=names, rate=args.rate, strict_names=args.strict_names
            )
        if "baseline" in wanted and figures is not None:
            baseline.run(
                results,
                names=list(world.universe[: min(args.baseline_names, args.names)]),
                universe_size=len(world.universe),
                warm=samples,
                cold=figures,
                runs=5,
            )
        world.cache.close()
        if "process" in wanted:
            process.run(world.path, results)
    return _report(results, started, args.json)


def _report(results: Results, started: float, json_path: Path | None) -> int:
    print(
        f"\nall sections in {time.perf_counter() - started:.0f} s; "
        f"this process peaked at {peak_rss_mb():,.0f} MB\n"
    )
    print(table(results.rows))
    if json_path is not None:
        results.write_json(json_path)
        print(f"\nfigures written to {json_path}")
    for note in results.notes:
        print(f"- {note}")
    if results.failures:
        print("\nCHECKS FAILED:")
        for failure in results.failures:
            print(f"- {failure}")
        return 1
    print("\nall checks passed (nothing lost, nothing fetched twice, warm paths never fetched)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
