"""Rendering an Answer in the terminal (rich) or as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table as RichTable

from analytics.answer import Answer, jsonable


def print_json(payload: Any) -> None:
    """Pretty, strict JSON on stdout: never Infinity or NaN (they become null)."""
    text = json.dumps(jsonable(payload), indent=2, ensure_ascii=False, allow_nan=False)
    sys.stdout.write(text + "\n")


def render_heading(answer: Answer, console: Console) -> None:
    """An answer made of parts (the digest): its title in bold, its summary and its warnings;
    the parts follow as their own panels."""
    console.print(f"[bold]{answer.title}[/bold]")
    if answer.summary:
        console.print(answer.summary)
    for warning in answer.warnings:
        console.print(f"[yellow]! {warning}[/yellow]")


def render_answer(answer: Answer, console: Console, *, chart_path: Path | None = None) -> None:
    """A panel with the summary and fields, then tables, warnings and where the chart went."""
    colour = "green" if answer.tone > 0 else "red" if answer.tone < 0 else "cyan"
    lines = [answer.summary]
    if answer.fields:
        lines.append("")
        lines += [f"[bold]{f.name}:[/bold] {f.value}" for f in answer.fields]
    footer = " · ".join(
        p
        for p in (
            answer.source and f"Source: {answer.source}",
            answer.as_of and f"as of {answer.as_of}",
        )
        if p
    )
    console.print(
        Panel(
            "\n".join(lines),
            title=f"[bold]{answer.title}[/bold]",
            subtitle=footer or None,
            border_style=colour,
            expand=False,
        )
    )
    for table in answer.tables:
        rich_table = RichTable(title=table.title or None, show_edge=False)
        for column in table.specs:
            left = column.unit == "date" or column.name in ("ticker", "name", "date")
            rich_table.add_column(column.name, justify="left" if left else "right")
        for row in table.text_rows():
            rich_table.add_row(*row)
        console.print(rich_table)
    for warning in answer.warnings:
        console.print(f"[yellow]! {warning}[/yellow]")
    if chart_path is not None:
        console.print(f"[dim]Chart saved to {chart_path}[/dim]")


class TerminalProgress:
    """A progress bar on stderr for long fetches: `with TerminalProgress("Pricing") as p: ... p(done, total)`.

    Hidden when stderr is not a terminal or when JSON is printed (scripts read stdout only).
    """

    def __init__(self, label: str, *, enabled: bool = True) -> None:
        from rich.progress import Progress

        self.label = label
        console = Console(stderr=True)
        # Off the terminal a started bar still prints a blank line on stop: keep stderr clean.
        self._progress = Progress(
            console=console, transient=True, disable=not enabled or not console.is_terminal
        )
        self._task = None

    def __enter__(self) -> TerminalProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def phase(self, label: str) -> None:
        """A new phase of the work: a new bar under its own label."""
        if self._task is not None:
            self._progress.remove_task(self._task)
            self._task = None
        self.label = label
        self._task = self._progress.add_task(label, total=None)

    def __call__(self, done: int, total: int) -> None:
        if self._task is None:
            self._task = self._progress.add_task(self.label, total=total)
        self._progress.update(self._task, completed=done, total=total)
