"""The `Answer`: what every command returns, rendered by the CLI, the cogs and --json alike."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Field:
    """A named value shown as an embed field or a terminal row."""

    name: str
    value: str
    inline: bool = True


@dataclass(frozen=True)
class Table:
    """Rows of a ranked list (movers, contributors, returns)."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    title: str = ""


@dataclass(frozen=True)
class Answer:
    """One command's result.

    `data` is the machine-readable payload behind `--json` (plain JSON types only);
    `tone` is +1 / -1 / 0 for the accent colour (green, red, neutral).
    """

    title: str
    summary: str
    fields: tuple[Field, ...] = ()
    tables: tuple[Table, ...] = ()
    chart_png: bytes | None = None
    source: str = ""
    as_of: dt.date | None = None
    warnings: tuple[str, ...] = ()
    tone: int = 0
    data: dict[str, Any] = field(default_factory=dict)
    advice_disclaimer: bool = True

    def to_json(self) -> dict[str, Any]:
        """The JSON form: the command's payload plus the presentation metadata."""
        out: dict[str, Any] = dict(self.data)
        out.setdefault("title", self.title)
        out.setdefault("summary", self.summary)
        out["source"] = self.source
        out["as_of"] = self.as_of.isoformat() if self.as_of else None
        out["warnings"] = list(self.warnings)
        return jsonable(out)


def jsonable(value: Any) -> Any:
    """Convert dates, numpy scalars and NaN into plain JSON values (NaN becomes null)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
