"""The movers chart (analytics/charts/movers_chart.py): a phone-sized Figure, two panels past
24 bars, nothing to draw is NoData, the partial badge."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from analytics.charts.movers_chart import movers_chart
from analytics.charts.style import DOWN, ROW_VALUES_GID, UP, encode_png
from analytics.errors import NoData
from tests.analytics.charts.drawn import badge_texts, bar_count, hbars, row_labels, row_values


def test_chart_is_phone_sized_png() -> None:
    gainers = pd.Series({"AAA": 0.5, "BBB": 0.2})
    losers = pd.Series({"CCC": -0.3})
    png = encode_png(
        movers_chart(
            gainers,
            losers,
            title="AAA +50% led",
            median=0.01,
            threshold=0.1,
            source="Fake",
            as_of=dt.date(2026, 8, 21),
        )
    )
    assert Image.open(io.BytesIO(png)).size == (1200, 675)
    many = pd.Series({f"G{i}": 0.3 - i / 100 for i in range(25)})
    png = encode_png(movers_chart(many, -many.rename(lambda t: "L" + t[1:]), title="Two panels"))
    assert Image.open(io.BytesIO(png)).size == (1200, 675)


def test_chart_of_nothing_is_no_data() -> None:
    with pytest.raises(NoData):
        movers_chart(pd.Series(dtype="float64"), pd.Series(dtype="float64"), title="x")


def test_a_partial_chart_carries_a_badge() -> None:
    from analytics.charts.style import HIGHLIGHT

    gainers, losers = pd.Series({"AAA": 0.5}), pd.Series({"CCC": -0.3})
    target = np.array([int(HIGHLIGHT[i : i + 2], 16) for i in (1, 3, 5)])

    def badge_pixels(png: bytes) -> int:
        pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
        return int((np.abs(pixels - target).max(axis=2) < 6).sum())

    plain = encode_png(movers_chart(gainers, losers, title="AAA +50% led"))
    badged = encode_png(
        movers_chart(gainers, losers, title="AAA +50% led", partial="Partial: 10 of 12 names")
    )
    assert badge_pixels(plain) == 0
    assert badge_pixels(badged) > 1000


def test_gainers_are_green_losers_red_each_bar_as_long_as_its_return() -> None:
    gainers = pd.Series({"AAA": 0.5, "BBB": 0.2})
    losers = pd.Series({"DDD": -0.4, "CCC": -0.1})  # worst first, as ranked
    fig = movers_chart(gainers, losers, title="t", median=0.05)
    # Gainers best first on top, then losers with the worst at the bottom.
    assert hbars(fig.axes[0]) == [
        ("AAA", 0.5, UP),
        ("BBB", 0.2, UP),
        ("CCC", -0.1, DOWN),
        ("DDD", -0.4, DOWN),
    ]
    # Each bar's return on its row, gainers' in a column right of the longest gain, losers'
    # left of the largest loss (one text a side).
    names, values = row_labels(fig.axes[0]), row_values(fig.axes[0])
    assert {names[row]: values[row] for row in names} == {
        "AAA": "+50.0%",
        "BBB": "+20.0%",
        "CCC": "-10.0%",
        "DDD": "-40.0%",
    }
    columns = [t for t in fig.axes[0].texts if t.get_gid() == ROW_VALUES_GID]
    assert [(t.get_position()[0] > 0.5, t.get_ha()) for t in columns] == [
        (True, "left"),
        (False, "right"),
    ]
    assert min(t.get_position()[0] for t in columns) < -0.4
    assert badge_texts(fig) == []


def test_past_24_bars_gainers_and_losers_get_a_panel_each() -> None:
    many = pd.Series({f"G{i}": 0.3 - i / 100 for i in range(13)})
    fig = movers_chart(many, -many.rename(lambda t: "L" + t[1:]), title="Two panels")
    left, right = fig.axes
    assert [b[0] for b in hbars(left)] == list(many.index)
    assert all(colour == UP for _, _, colour in hbars(left))
    assert all(colour == DOWN for _, _, colour in hbars(right))
    assert [b[1] for b in hbars(right)] == pytest.approx(sorted(-many.to_numpy(), reverse=True))


def test_the_badge_names_what_is_priced_exactly_when_partial() -> None:
    gainers, losers = pd.Series({"AAA": 0.5}), pd.Series({"CCC": -0.3})
    fig = movers_chart(gainers, losers, title="t", partial="Partial: 10 of 12 names priced")
    assert badge_texts(fig) == ["Partial: 10 of 12 names priced"]


@pytest.mark.parametrize("count", [3, 10, 13])
def test_each_name_is_drawn_level_with_its_bar(count: int) -> None:
    """The names are one text of a line a row (style.row_labels): its lines span the rows
    exactly, so each name is centred on its bar, in either layout."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from analytics.charts.style import ROW_LABELS_GID
    from tests.analytics.charts.drawn import row_labels

    many = pd.Series({f"G{i}": 0.3 - i / 100 for i in range(count)})
    fig = movers_chart(many, -many.rename(lambda t: "L" + t[1:]), title="t", median=0.01)
    renderer = FigureCanvasAgg(fig).get_renderer()
    for ax in fig.axes:
        (text,) = [t for t in ax.texts if t.get_gid() == ROW_LABELS_GID]
        rows = row_labels(ax)
        assert len(rows) == bar_count(ax)  # a name for every bar
        box = text.get_window_extent(renderer)
        top = ax.transData.transform((0, max(rows) + 0.5))[1]
        bottom = ax.transData.transform((0, min(rows) - 0.5))[1]
        assert box.y1 == pytest.approx(top, abs=1.0)
        assert box.y0 == pytest.approx(bottom, abs=1.0)
        assert box.x1 < ax.get_window_extent(renderer).x0  # left of the panel, like ticks
        assert list(ax.get_yticks()) == []  # no tick labels under them
        for column in [t for t in ax.texts if t.get_gid() == ROW_VALUES_GID]:
            # the values' column: its first line on its top row, a line a row below
            first = round(column.get_position()[1] - 0.5)
            lines = column.get_text().split("\n")
            box = column.get_window_extent(renderer)
            assert box.y1 == pytest.approx(ax.transData.transform((0, first + 0.5))[1], abs=1.0)
            assert box.height == pytest.approx(
                ax.transData.transform((0, len(lines)))[1] - ax.transData.transform((0, 0))[1],
                abs=1.0,
            )


def test_each_bar_is_painted_in_its_colour_where_it_is() -> None:
    """The bars (one collection, style.hbars) reach the pixels: the middle of each bar, and
    just inside its end, are its colour; just past its end is not."""
    from analytics.charts.raster import render_rgba

    gainers = pd.Series({"AAA": 0.5, "BBB": 0.2})
    losers = pd.Series({"DDD": -0.4, "CCC": -0.1})
    fig = movers_chart(gainers, losers, title="t", median=0.05)
    ax = fig.axes[0]
    pixels = render_rgba(fig)[:, :, :3].astype(int)
    height = pixels.shape[0]

    def colour_at(x: float, y: float) -> np.ndarray:
        px, py = ax.transData.transform((x, y))
        return pixels[height - 1 - round(py), round(px)]

    def rgb(hex_colour: str) -> np.ndarray:
        return np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])

    bars = hbars(ax)
    assert len(bars) == 4
    rows = {name: row for row, name in row_labels(ax).items()}
    for name, length, colour in bars:
        row = rows[name]
        assert np.array_equal(colour_at(length / 2, row), rgb(colour))
        assert np.array_equal(colour_at(length * 0.97, row + 0.3), rgb(colour))
        assert not np.array_equal(colour_at(length * 1.03, row), rgb(colour))


def test_the_return_axis_has_its_ticks_in_view_only() -> None:
    """The x ticks are AutoLocator's within the limits (style.ticks_in_view): 0 and at least
    a tick each side, labelled as returns; none made past the ends."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.ticker import AutoLocator

    gainers = pd.Series({"AAA": 0.5, "BBB": 0.2})
    losers = pd.Series({"DDD": -0.4, "CCC": -0.1})
    fig = movers_chart(gainers, losers, title="t", median=0.05)
    ax = fig.axes[0]
    low, high = ax.get_xlim()
    ticks = list(ax.get_xticks())
    assert ticks == [v for v in AutoLocator().tick_values(low, high) if low <= v <= high]
    assert 0 in ticks and min(ticks) < 0 < max(ticks)
    FigureCanvasAgg(fig).draw()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert "0%" in labels and "+20%" in labels and "-20%" in labels
    assert len(ax.xaxis.majorTicks) == len(ticks)  # no Tick made for a location not drawn
