"""The README's performance table, generated from `bench/run.py --json` output, not typed.

    uv run python bench/readme_table.py bench/figures.json            # print the table
    uv run python bench/readme_table.py bench/figures.json --write README.md

Several files may be given (sections run separately): a figure named in a later file replaces
the same figure of an earlier one. `--write` replaces what lies between the README's
`<!-- bench-table:start -->` and `<!-- bench-table:end -->` lines.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

START, END = "<!-- bench-table:start -->", "<!-- bench-table:end -->"
_TARGET = re.compile(r"^<\s*([\d,.]+)\s*(ms|s|MB)$")


def load(paths: list[Path]) -> list[dict]:
    """The records of every file, a later file's figure replacing an earlier one of that name."""
    by_name: dict[str, dict] = {}
    for path in paths:
        for record in json.loads(path.read_text(encoding="utf-8")):
            by_name[record["name"]] = record
    return list(by_name.values())


def _duration(value: float | None) -> str:
    if value is None:
        return ""
    if value < 10:
        return f"{value:,.1f} ms"  # a floor of 0.1 ms is not "0 ms"
    return f"{value:,.0f} ms" if value < 10_000 else f"{value / 1000:,.1f} s"


def _verdict(record: dict) -> str:
    """✅ or ❌: the run's own verdict when it recorded one (from the unrounded figure), else
    when the target is "< N ms" / "< N s" and the median is known."""
    if record.get("verdict") in ("ok", "MISSED"):
        return " ✅" if record["verdict"] == "ok" else " ❌"
    match = _TARGET.match(str(record.get("target") or "").strip())
    median = record.get("median_ms")
    if match is None or median is None or match.group(2) == "MB":
        return ""
    limit = float(match.group(1).replace(",", "")) * (1000 if match.group(2) == "s" else 1)
    return " ✅" if median < limit else " ❌"


def table(records: list[dict]) -> str:
    lines = [
        "| measure | median | p95 | floor (same run) | ratio | target | load | detail |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        median = _duration(r.get("median_ms")) or r.get("value", "")
        ratio = f"{r['ratio']:.1f}x" if r.get("ratio") is not None else ""
        load = f"{r['load_1min']:.1f}" if r.get("load_1min") is not None else ""
        detail = str(r.get("detail") or "").replace("|", "/")
        lines.append(
            f"| {r['name']} | {median} | {_duration(r.get('p95_ms'))} | "
            f"{_duration(r.get('floor_ms'))} | {ratio} | {r.get('target') or ''}{_verdict(r)} | "
            f"{load} | {detail} |"
        )
    return "\n".join(lines)


def write(readme: Path, text: str) -> None:
    content = readme.read_text(encoding="utf-8")
    if START not in content or END not in content:
        raise SystemExit(f"{readme} has no {START} ... {END} block to replace")
    head, rest = content.split(START, 1)
    _, tail = rest.split(END, 1)
    readme.write_text(f"{head}{START}\n{text}\n{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", nargs="+", type=Path, help="bench/run.py --json output")
    parser.add_argument("--write", type=Path, metavar="README", help="replace its table block")
    args = parser.parse_args(argv)
    text = table(load(args.json))
    if args.write:
        write(args.write, text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
