"""The macro chart draws what the answer says: the latest point carries the latest value, the
context episodes are dotted at their dates, recessions are shaded over USREC's runs and the ranges
left out are hatched. Expected spans and values are read from the files with the csv module."""

from __future__ import annotations

import csv
import datetime as dt
import struct
from pathlib import Path

import matplotlib.dates as mdates
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from analytics.charts.macro_chart import RECESSION_SHADE, macro_chart, recession_spans
from analytics.charts.style import HIGHLIGHT, TEXT, encode_png
from analytics.data.cache import PriceCache
from analytics.macro.context import Observation
from analytics.macro.store import import_fred_file
from tests.analytics.commands.macro.asking import ask, offline_facade

PANDEMIC = (dt.date(2020, 4, 1), dt.date(2021, 12, 31))


def read_rows(path: Path) -> list[tuple[dt.date, float]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))[1:]
    return [(dt.date.fromisoformat(d), float(v)) for d, v in rows if v.strip() not in ("", ".")]


def series(rows: list[tuple[dt.date, float]]) -> pd.Series:
    return pd.Series([v for _, v in rows], index=pd.DatetimeIndex([d for d, _ in rows]))


def day_of(x) -> dt.date:
    """A drawn x (matplotlib's day number, or the datetime an annotation keeps) as a date."""
    if isinstance(x, dt.datetime):
        return x.date()
    return mdates.num2date(x).date()


def spans_by_hand(rows: list[tuple[dt.date, float]]) -> list[tuple[dt.date, dt.date]]:
    """(first recession month, first month after the run) for each run of 1s."""
    out, start, last = [], None, None
    for day, flag in rows:
        if flag == 1 and start is None:
            start = day
        if flag == 1:
            last = day
        elif start is not None:
            out.append((start, dt.date(last.year + last.month // 12, last.month % 12 + 1, 1)))
            start = None
    if start is not None:
        out.append((start, dt.date(last.year + last.month // 12, last.month % 12 + 1, 1)))
    return out


def test_recession_spans_real_usrec(shared_data: Path) -> None:
    rows = read_rows(shared_data / "fred" / "codex_macro_monitor" / "USREC.csv")
    spans = recession_spans(pd.Series(dict(rows)))
    assert [(s.date(), e.date()) for s, e in spans] == spans_by_hand(rows)
    assert (pd.Timestamp("2020-03-01"), pd.Timestamp("2020-05-01")) in spans  # Mar-Apr 2020
    assert recession_spans(pd.Series([], dtype="float64")) == []


@pytest.fixture
def drawn(shared_data: Path):
    base = shared_data / "fred"
    actual = series(read_rows(base / "A191RL1Q225SBEA.csv"))
    usrec = series(read_rows(base / "codex_macro_monitor" / "USREC.csv"))
    fig = macro_chart(
        actual,
        title="GDPNow 2.9%: slowest since 2024 Q4",
        latest=Observation(dt.date(2025, 1, 1), 2.9416),
        latest_text="+2.9%",
        marks=[(Observation(dt.date(2024, 10, 1), 2.3), "2024 Q4")],
        level=2.9416,
        recessions=usrec,
        exclude=(PANDEMIC,),
        start=dt.date(2000, 1, 1),
        as_of=dt.date(2025, 1, 1),
    )
    return fig, actual, read_rows(base / "codex_macro_monitor" / "USREC.csv")


def test_the_figure_encodes_to_a_phone_sized_png(drawn) -> None:
    png = encode_png(drawn[0])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (1200, 675)


def test_the_line_is_the_history_from_the_start_asked(drawn) -> None:
    fig, actual, _ = drawn
    line = fig.axes[0].lines[0]
    shown = actual[actual.index >= pd.Timestamp("2000-01-01")]
    assert [d.date() for d in pd.to_datetime(line.get_xdata())] == [d.date() for d in shown.index]
    assert list(line.get_ydata()) == list(shown.to_numpy())


def test_the_latest_point_carries_the_latest_value(drawn) -> None:
    ax = drawn[0].axes[0]
    [latest] = [c for c in ax.collections if to_hex(c.get_facecolor()[0]) == HIGHLIGHT]
    ((x, y),) = latest.get_offsets()
    assert (day_of(x), y) == (dt.date(2025, 1, 1), 2.9416)
    [label] = [t for t in ax.texts if t.get_text() == "+2.9%"]
    assert (day_of(label.xy[0]), label.xy[1]) == (dt.date(2025, 1, 1), 2.9416)
    dashed = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert [ln.get_ydata()[0] for ln in dashed] == [2.9416]


def test_the_episodes_are_marked_at_their_dates(drawn) -> None:
    ax = drawn[0].axes[0]
    [mark] = [c for c in ax.collections if to_hex(c.get_facecolor()[0]) == TEXT]
    ((x, y),) = mark.get_offsets()
    assert (day_of(x), y) == (dt.date(2024, 10, 1), 2.3)
    [label] = [t for t in ax.texts if t.get_text() == "2024 Q4"]
    assert day_of(label.xy[0]) == dt.date(2024, 10, 1)


def test_recessions_are_shaded_over_usrecs_runs_and_the_pandemic_hatched(drawn) -> None:
    ax = drawn[0].axes[0]
    bands = [p for p in ax.patches if to_hex(p.get_facecolor()) == RECESSION_SHADE]
    got = sorted((day_of(b.get_x()), day_of(b.get_x() + b.get_width())) for b in bands)
    # In view from 2000 Q1 to the latest point (2025 Q1): every run, cut to the view.
    view = (dt.date(2000, 1, 1), dt.date(2025, 1, 1))
    expected = [
        (max(a, view[0]), min(b, view[1]))
        for a, b in spans_by_hand(drawn[2])
        if b >= view[0] and a <= view[1]
    ]
    assert got == expected
    assert (dt.date(2008, 1, 1), dt.date(2009, 7, 1)) in got  # the Great Recession
    hatched = [p for p in ax.patches if p.get_hatch() == "//"]
    assert [(day_of(p.get_x()), day_of(p.get_x() + p.get_width())) for p in hatched] == [PANDEMIC]
    assert "left out" in [t.get_text() for t in ax.texts]


def test_the_macro_answers_chart_marks_its_own_episodes(tmp_path, shared_data: Path) -> None:
    """Through the command: the episodes in --json are the dots, the reading the highlight."""
    base = shared_data / "fred"
    moment = dt.datetime(2025, 6, 2, 18, tzinfo=dt.UTC)
    with PriceCache(tmp_path / "c.db") as cache:
        for path in (base / "GDPNOW.csv", base / "A191RL1Q225SBEA.csv"):
            import_fred_file(cache.db, path, now=moment)
        answer = ask(offline_facade(cache, lambda: moment), "gdpnow")
        ax = answer.chart.figure().axes[0]
    episodes = [(dt.date.fromisoformat(p["date"]), p["value"]) for p in answer.data["previous"]]
    marks = [c for c in ax.collections if to_hex(c.get_facecolor()[0]) == TEXT]
    dots = sorted((day_of(x), y) for c in marks for x, y in c.get_offsets())
    assert dots == sorted(episodes)
    [latest] = [c for c in ax.collections if to_hex(c.get_facecolor()[0]) == HIGHLIGHT]
    ((x, y),) = latest.get_offsets()
    assert (day_of(x), y) == (dt.date(2025, 1, 1), answer.data["value"])
    assert answer.chart.figure().texts[0].get_text().startswith("GDPNow +2.9%: fastest since")
