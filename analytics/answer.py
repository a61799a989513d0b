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
    """Plain JSON values from dates, numpy/pandas scalars and arrays, sets and tuples.

    NaN, infinities and NaT become null: JSON has no Infinity or NaN (`json.dumps` would
    write them, and strict parsers reject the result). Dict keys become strings.
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return [jsonable(v) for v in sorted(value, key=str)]
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dt.date):  # datetimes and pandas Timestamps too; NaT is one
        return None if value != value else value.isoformat()
    if hasattr(value, "tolist") and not isinstance(value, bytes):  # numpy arrays and scalars
        return jsonable(value.tolist())
    if hasattr(value, "item"):
        return jsonable(value.item())
    return value
