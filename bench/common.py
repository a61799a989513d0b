"""Timing, memory and the results table shared by the benchmark sections."""

from __future__ import annotations

import json
import os
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


def measure(
    fn: Callable[[], object],
    runs: int,
    *,
    warmup: int = 1,
    setup: Callable[[], object] | None = None,
) -> Sample:
    """Call `fn` `warmup` times untimed (imports, font cache, SQLite pages), then `runs` timed,
    each after `setup()` (untimed: the write a read follows, say)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        if setup is not None:
            setup()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return Sample(tuple(times))


def exact(sample: Sample) -> dict[str, float]:
    """The median and p95 to the microsecond, for the record (the table rounds them)."""
    return {"median_ms": round(sample.median * 1000, 3), "p95_ms": round(sample.p95 * 1000, 3)}


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
    """One line of the results table.

    numbers: the figure for `--json` ({"median_ms", "p95_ms", "floor_ms", "ratio"}, plus
    "names" and "requests" for refresh figures); when absent, read back from `median`/`p95`.
    """

    section: str
    what: str
    median: str = ""
    p95: str = ""
    extra: str = ""
    target: str = ""
    verdict: str = ""  # "ok", "MISSED" or "" (no target)
    numbers: dict[str, Any] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        """The figure as issue 15's record: name, median_ms, p95_ms, floor_ms, ratio, target
        (the target as written in the table, "" when none), detail (the table's), value (the
        figure as written when it is not a duration), load_1min, and any extra numbers."""
        out: dict[str, Any] = {
            "name": f"{self.section}: {self.what}",
            "median_ms": _ms_of(self.median),
            "p95_ms": _ms_of(self.p95),
            "floor_ms": None,
            "ratio": None,
            "target": self.target,
            "detail": self.extra,
        }
        if out["median_ms"] is None and self.median:
            out["value"] = self.median  # a figure that is not a duration ("222 MB")
        if self.verdict:
            out["verdict"] = self.verdict
        out.update(self.numbers)
        return out


_DURATION = re.compile(r"^([\d,.]+)\s*(ms|s)$")


def _ms_of(text: str) -> float | None:
    """'1,234 ms' -> 1234.0, '12.5 s' -> 12500.0 (what `ms()` writes); None otherwise."""
    match = _DURATION.match(text.strip())
    if match is None:
        return None
    value = float(match.group(1).replace(",", ""))
    return value if match.group(2) == "ms" else value * 1000


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def add(self, row: Row) -> Row:
        # The machine's 1-minute load average as the figure was taken (2 shared cores: a
        # figure at load 4 is not one at load 1).
        row.numbers.setdefault("load_1min", round(os.getloadavg()[0], 2))
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
        if target is not None:  # as issue 15 writes its targets: at most
            verdict = "ok" if sample.median <= target else "MISSED"
        return self.add(
            Row(
                section,
                what,
                ms(sample.median),
                ms(sample.p95),
                extra or f"n={sample.n}",
                f"<= {ms(target)}" if target is not None else "",
                verdict,
                numbers=exact(sample),
            )
        )

    def floor(self, section: str, what: str, floor: Sample) -> Row:
        """A floor measured in this run (what the figures beside it cannot go below)."""
        return self.add(
            Row(
                section,
                f"floor: {what}",
                ms(floor.median),
                ms(floor.p95),
                f"n={floor.n}",
                numbers={"floor_ms": round(floor.median * 1000, 1)},
            )
        )

    def beside_floor(
        self,
        section: str,
        what: str,
        sample: Sample,
        floor: Sample,
        *,
        target: float | None = None,
        extra: str = "",
    ) -> Row:
        """A timing with an absolute target, shown beside a floor measured in the same run."""
        ratio = sample.median / floor.median
        row = self.timing(
            section,
            what,
            sample,
            target=target,
            extra=f"n={sample.n}; " + (f"{extra}; " if extra else "") + f"{ratio:.1f}x floor",
        )
        row.numbers.update({"floor_ms": round(floor.median * 1000, 1), "ratio": round(ratio, 2)})
        return row

    def against_floor(
        self,
        section: str,
        what: str,
        sample: Sample,
        floor: Sample,
        *,
        max_ratio: float | None,
        extra: str = "",
    ) -> Row:
        """A timing beside its floor measured in the same run (the same numbers read the
        fastest way known); the target is a ratio to the floor's median (None: no target, the
        figure is shown for what it is)."""
        ratio = sample.median / floor.median
        return self.add(
            Row(
                section,
                what,
                ms(sample.median),
                ms(sample.p95),
                f"floor {floor.median * 1000:,.1f} ms, {ratio:,.0f}x"
                + (f"; {extra}" if extra else ""),
                "" if max_ratio is None else f"<= {max_ratio:g}x floor",
                "" if max_ratio is None else "ok" if ratio <= max_ratio else "MISSED",
                numbers={
                    **exact(sample),
                    "floor_ms": round(floor.median * 1000, 3),
                    "ratio": round(ratio, 1),
                },
            )
        )

    def write_json(self, path: Path) -> None:
        """Every figure as a list of records (`Row.record`), for a run to compare with."""
        records = [row.record() for row in self.rows]
        path.write_text(json.dumps(records, indent=2) + "\n", encoding="utf-8")

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
