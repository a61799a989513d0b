"""Timing, memory and the results table shared by the benchmark sections."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/run.py` puts bench/ first, not the repo
    sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Sample:
    """Wall times of repeated runs, in seconds."""

    times: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        """Nearest-rank 95th percentile."""
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    @property
    def n(self) -> int:
        return len(self.times)


def measure(fn: Callable[[], object], runs: int, *, warmup: int = 1) -> Sample:
    """Call `fn` `warmup` times untimed (imports, font cache, SQLite pages), then `runs` timed."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return Sample(tuple(times))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Row:
    """One line of the results table."""

    section: str
    what: str
    median: str = ""
    p95: str = ""
    extra: str = ""
    target: str = ""
    verdict: str = ""  # "ok", "MISSED" or "" (no target)


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        print(
            f"  {row.what}: {row.median or row.extra}"
            + (f" ({row.verdict})" if row.verdict else ""),
            flush=True,
        )
        return row

    def timing(
        self,
        section: str,
        what: str,
        sample: Sample,
        *,
        target: float | None = None,
        extra: str = "",
    ) -> Row:
        verdict = ""
        if target is not None:
            verdict = "ok" if sample.median < target else "MISSED"
        return self.add(
            Row(
                section,
                what,
                ms(sample.median),
                ms(sample.p95),
                extra or f"n={sample.n}",
                f"< {ms(target)}" if target is not None else "",
                verdict,
            )
        )

    def check(self, ok: bool, message: str) -> None:
        """A correctness check inside a benchmark (nothing lost, nothing fetched twice...)."""
        if not ok:
            self.failures.append(message)
            print(f"  CHECK FAILED: {message}", flush=True)


def table(rows: Iterable[Row]) -> str:
    """A Markdown table (it reads as plain text in a terminal too)."""
    rows = list(rows)
    header = ("section", "measure", "median", "p95", "detail", "target", "")
    lines = [header] + [
        (r.section, r.what, r.median, r.p95, r.extra, r.target, r.verdict) for r in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]

    def fmt(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    out = [fmt(lines[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [fmt(line) for line in lines[1:]]
    return "\n".join(out)
