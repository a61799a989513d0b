"""The `Answer`: what every command returns, rendered by the CLI, the cogs and --json alike."""

from __future__ import annotations

import datetime as dt
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from analytics.format import Unit, format_value

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@dataclass(frozen=True)
class Field:
    """A named value shown as an embed field or a terminal row."""

    name: str
    value: str
    inline: bool = True


@dataclass(frozen=True)
class Column:
    """A table column: its heading and the unit of its raw values (analytics/format.py)."""

    name: str
    unit: Unit = "text"
    digits: int | None = None

    def format(self, value: Any) -> str:
        return format_value(value, self.unit, self.digits)


@dataclass(frozen=True)
class Table:
    """Rows of a ranked list (movers, contributors, returns): raw values, one unit per column.

    A column given as a plain string is text. Renderers show `text_rows()`; JSON keeps the raw
    values (`to_json()`).
    """

    columns: tuple[Column | str, ...]
    rows: tuple[tuple[Any, ...], ...]
    title: str = ""

    @property
    def specs(self) -> tuple[Column, ...]:
        return tuple(c if isinstance(c, Column) else Column(c) for c in self.columns)

    @property
    def headings(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.specs)

    def text_rows(self) -> tuple[tuple[str, ...], ...]:
        specs = self.specs
        return tuple(
            tuple(spec.format(value) for spec, value in zip(specs, row, strict=False))
            for row in self.rows
        )

    def to_json(self) -> dict[str, Any]:
        names = self.headings
        return {
            "title": self.title,
            "columns": [{"name": c.name, "unit": c.unit} for c in self.specs],
            "rows": [dict(zip(names, row, strict=False)) for row in self.rows],
        }


@dataclass(frozen=True)
class Behind:
    """The data an answer stands on ends before the session it should stand on.

    data_end: the last session the answer's numbers reach; expected: the session it should
    stand on (the one asked, or the latest completed); why: the reason in a few words
    ("offline mode is on and the cache ends there"), None when unknown. An answer whose data
    is current has `Answer.behind` None.
    """

    data_end: dt.date | None
    expected: dt.date
    why: str | None = None

    def to_json(self) -> dict[str, Any]:
        """{data_end, expected, why}: the --json `behind` field."""
        return {
            "data_end": self.data_end.isoformat() if self.data_end else None,
            "expected": self.expected.isoformat(),
            "why": self.why,
        }


class Chart:
    """A chart drawn on demand: `figure()` builds the matplotlib Figure once (tests inspect what
    it shows), `png()` encodes it once. Answers that are never shown as images cost no drawing."""

    def __init__(self, build: Callable[[], Figure] | None) -> None:
        self._build = build
        self._figure: Figure | None = None
        self._png: bytes | None = None
        self._lock = threading.Lock()

    @classmethod
    def of_png(cls, png: bytes) -> Chart:
        """A chart already encoded (a cached answer)."""
        chart = cls(None)
        chart._png = png
        return chart

    def figure(self) -> Figure:
        with self._lock:
            if self._figure is None:
                if self._build is None:
                    raise RuntimeError("this chart was stored as PNG; it has no figure to inspect")
                self._figure = self._build()
            return self._figure

    def png(self) -> bytes:
        with self._lock:
            if self._png is None:
                from analytics.charts.raster import cyclic_gc_paused
                from analytics.charts.style import encode_png

                with cyclic_gc_paused():  # building and drawing allocate ~50,000 objects
                    if self._figure is None:
                        assert self._build is not None
                        self._figure = self._build()
                    self._png = encode_png(self._figure)
                self._figure = None  # the bytes are what is kept; the figure is large
            return self._png


@dataclass(frozen=True)
class Answer:
    """One command's result.

    `data` is the machine-readable payload behind `--json` (plain JSON types only);
    `tone` is +1 / -1 / 0 for the accent colour (green, red, neutral);
    `result` is the typed analytics result behind the answer (a `Streak`, a `Comparison`...)
    for code that reads the answer's figures (the digest), never string keys of `data`; it is
    not part of the JSON form;
    `behind` says, typed, that the answer's prices end before the session it should stand on
    (and why); None when they reach it (the digest reads it to date its post);
    `parts` are answers shown after this one as their own panels or embeds (the digest: a
    headline with its notices as warnings, then one answer per section). The terminal renders
    them in order; on Discord the command sending such an answer renders them (the digest's
    post, cogs/subscriptions.py).
    """

    title: str
    summary: str
    fields: tuple[Field, ...] = ()
    tables: tuple[Table, ...] = ()
    chart_png: bytes | None = None
    chart: Chart | None = None
    source: str = ""
    as_of: dt.date | None = None
    warnings: tuple[str, ...] = ()
    tone: int = 0
    data: dict[str, Any] = field(default_factory=dict)
    advice_disclaimer: bool = True
    result: Any = field(default=None, compare=False, repr=False)
    behind: Behind | None = None
    parts: tuple[Answer, ...] = ()

    @property
    def png(self) -> bytes | None:
        """The chart as PNG bytes (drawn now if it was not yet), or None without a chart."""
        if self.chart is not None:
            return self.chart.png()
        return self.chart_png

    @property
    def has_chart(self) -> bool:
        return self.chart is not None or self.chart_png is not None

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
