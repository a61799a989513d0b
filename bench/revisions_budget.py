"""The nightly estimate collection's budget, measured: `uv run python bench/revisions_budget.py`.

Runs the real collection (collector, Yahoo provider and limiter, yfinance, store) against the
fake Yahoo on a fake clock over the default universes (IJR 600, IJH 400, IVV 500 names) and
prints, per night, the HTTP requests the fake counted, the names asked about and the time the
limiter's 4 requests/s would take. Options: --nights N (14), --missed 9 10 (nights the bot
was down), --iwm N (also collect an asked universe of N names). Never run by pytest.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analytics.revisions.budget import NIGHTLY_REQUESTS  # noqa: E402
from tests.analytics.revisions.simulation import DEFAULT_SIZES, simulate  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nights", type=int, default=14)
    parser.add_argument("--missed", type=int, nargs="*", default=[], help="1-based nights missed")
    parser.add_argument("--iwm", type=int, default=0, help="names of an asked IWM universe")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    sizes = dict(DEFAULT_SIZES)
    asked: tuple[str, ...] = ()
    if args.iwm:
        sizes["IWM"] = args.iwm
        asked = ("IWM",)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sim = simulate(
            folder,
            folder / "yfinance",
            nights=args.nights,
            sizes=sizes,
            skip=tuple(n - 1 for n in args.missed),
            asked=asked,
        )
    wall = time.perf_counter() - started
    names = sum(sizes.values())
    print(f"{names:,} names wanted ({', '.join(f'{k} {v}' for k, v in sizes.items())}); "
          f"budget {NIGHTLY_REQUESTS} requests a night")  # fmt: skip
    print(f"{'night':>10}  {'requests':>8}  {'names':>5}  {'at 4/s':>7}")
    for row in sim.nights:
        print(
            f"{row.night.isoformat():>10}  {row.requests:>8}  {row.names:>5}  {row.seconds:>6.0f}s"
        )
    first_week = sim.nights[:7]
    week = sum(r.requests for r in first_week)
    print(
        f"first 7 nights: {week:,} requests, max {max(r.requests for r in sim.nights)} a night; "
        f"{len(sim.asked):,} of {names:,} names asked at least once"
    )
    times = Counter(sim.asked.values())
    print("names by times asked:", dict(sorted(times.items())))
    gaps = [
        (sim.last_asked[t] - sim.first_asked[t]).days / (n - 1)
        for t, n in sim.asked.items()
        if n > 1
    ]
    if gaps:
        print(f"days between two asks of a name: min {min(gaps):.0f}, max {max(gaps):.0f}")
    print(f"(simulated in {wall:.1f} s of wall time)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
