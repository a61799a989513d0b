"""One chart, built and encoded as PNG, beside its floor (issue 15: <= 60 ms a chart).

Each case builds the Figure with the chart module the command uses (the inputs the warm
commands would pass: /movers 2w's 10 gainers and 10 losers, /contributors' 5 each way out of
1,920 names, /streak IWM SPY over a year of a 30-year history) and encodes it as an answer's
chart is (`Chart(build).png()`: built, then `encode_png`), with the string cache of analytics/charts/raster.py emptied
first (every label laid out anew; a real chart finds its axis labels and stamp there). The
floor is a bare Figure of the same size saved as PNG by matplotlib's default savefig (no text,
no axes): what any chart costs before it draws anything.

    uv run python bench/charts.py [--runs 30]
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd

from bench.common import Results, Sample, measure

TARGET = 0.060


def _floor() -> bytes:
    from matplotlib.figure import Figure

    from analytics.charts.style import BACKGROUND, DPI, HEIGHT_PX, WIDTH_PX

    fig = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI, facecolor=BACKGROUND)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor=fig.get_facecolor())
    return buffer.getvalue()


def cases() -> dict[str, tuple[str, Callable[[], object]]]:
    """name -> (label, a call returning the chart's Figure)."""
    from analytics.charts.contributors_chart import contributors_chart
    from analytics.charts.movers_chart import movers_chart
    from analytics.charts.streak_chart import streak_figure
    from analytics.streaks import beat_streak
    from bench.data import END, HISTORY_START, random_walk_bars

    rng = np.random.default_rng(15)
    names = [f"N{i:04d}" for i in range(1920)]
    returns = pd.Series(rng.normal(0.0, 0.08, len(names)), index=names).sort_values(ascending=False)
    gainers, losers = returns.head(10), returns.tail(10).sort_values()
    median = float(returns.median())

    def movers() -> object:
        return movers_chart(
            gainers,
            losers,
            title="NXXX +31.2% led IWM's gainers over 2 weeks",
            subtitle=f"Return over 2 weeks, 2026-04-22 to {END} · median of 1,920 names "
            f"{median:+.1%}",
            median=median,
            source="iShares holdings; Yahoo Finance",
            as_of=END,
        )

    weights = rng.dirichlet(np.ones(len(names)))
    frame = pd.DataFrame(
        {"contribution_bp": weights * rng.normal(0.05, 0.3, len(names)) * 1e4}, index=names
    ).sort_values("contribution_bp", ascending=False)

    def contributors() -> object:
        return contributors_chart(
            frame,
            title="N0001 added 12.3 bp to IWM's +4.1% ytd",
            subtitle=f"Made by 54% of names · 2025-12-31 to {END} · weights at 2025-12-31",
            n=5,
            source="iShares holdings; Yahoo Finance",
            as_of=END,
        )

    a = random_walk_bars(1, HISTORY_START, END)["adj_close"].rename("IWM")
    b = random_walk_bars(2, HISTORY_START, END, price=120.0)["adj_close"].rename("SPY")
    streak = beat_streak(a, b)

    def streak_() -> object:
        return streak_figure(streak, a, b, source="Yahoo Finance")

    return {
        "movers": ("movers chart (10 gainers, 10 losers)", movers),
        "contributors": ("contributors chart (5 each way of 1,920)", contributors),
        "streak": ("streak chart (IWM/SPY, a year of 30)", streak_),
    }


def run(results: Results, runs: int) -> dict[str, Sample]:
    """Each chart built + encoded (median, p95) with the floor measured in the same run."""
    from analytics.answer import Chart
    from analytics.charts.style import encode_png

    try:
        from analytics.charts.raster import STRINGS
    except ImportError:  # a tree before analytics/charts/raster.py (the before figures)
        STRINGS = None

    print("charts (Figure built and encoded as PNG, beside a bare Figure saved as PNG)", flush=True)
    floor = measure(_floor, runs, warmup=2)
    results.floor("charts", "a bare 1200x675 Figure saved as PNG", floor)
    samples = {"floor": floor}
    for name, (label, build) in cases().items():
        png = encode_png(build())
        results.check(png[:8] == b"\x89PNG\r\n\x1a\n", f"the {name} chart is not a PNG")

        def once(build=build) -> None:
            if STRINGS is not None:
                STRINGS.clear()  # every string laid out anew, as for a chart of new figures
            Chart(build).png()  # built and encoded as an answer's chart is

        sample = measure(once, runs, warmup=2)
        samples[name] = sample
        results.beside_floor(
            "charts", label, sample, floor, target=TARGET, extra=f"{len(png) / 1024:,.0f} KB"
        )
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv)
    from bench.common import table

    results = Results()
    run(results, args.runs)
    print()
    print(table(results.rows))
    return 1 if results.failures else 0


if __name__ == "__main__":
    sys.exit(main())
