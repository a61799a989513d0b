"""Answer: tables of raw values with units, charts drawn once on demand, the JSON dump."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.answer import Answer, Chart, Column, Table
from analytics.format import format_value


@pytest.mark.parametrize(
    "value, unit, digits, text",
    [
        (0.0734, "pct", None, "+7.34%"),
        (-0.0734, "pct", 1, "-7.3%"),
        (0.0094, "weight", None, "0.94%"),
        (0.00042, "weight", None, "0.042%"),
        (1.6, "pp", None, "+1.60 pp"),
        (-12.345, "bp", None, "-12.3"),
        (1234.5, "price", None, "1,234.50"),
        (1234567.0, "volume", None, "1,234,567"),
        (dt.date(2024, 6, 28), "date", None, "2024-06-28"),
        (float("nan"), "pct", None, ""),
        (None, "price", None, ""),
    ],
)
def test_each_unit_is_formatted_one_way(value, unit, digits, text):
    assert format_value(value, unit, digits) == text


def test_a_table_keeps_raw_values_and_formats_them_for_people():
    table = Table(
        (Column("ticker"), Column("return", "pct", 1), Column("bp", "bp")),
        (("AAPL", 0.1234, 56.78), ("MSFT", -0.05, -3.0)),
        "Top",
    )
    assert table.text_rows() == (("AAPL", "+12.3%", "+56.8"), ("MSFT", "-5.0%", "-3.0"))
    assert table.to_json()["rows"] == [
        {"ticker": "AAPL", "return": 0.1234, "bp": 56.78},
        {"ticker": "MSFT", "return": -0.05, "bp": -3.0},
    ]
    legacy = Table(("ticker", "return"), (("AAPL", "+1%"),))
    assert legacy.text_rows() == (("AAPL", "+1%"),)


def test_a_chart_is_drawn_once_and_only_when_asked():
    from matplotlib.figure import Figure

    builds = []

    def build():
        builds.append(1)
        fig = Figure(figsize=(2, 1))
        fig.add_subplot().plot([1, 2], [3, 4])
        return fig

    chart = Chart(build)
    answer = Answer(title="t", summary="s", chart=chart)
    assert builds == []
    assert answer.has_chart
    assert chart.figure().axes[0].lines[0].get_ydata().tolist() == [3, 4]
    png = answer.png
    assert png.startswith(b"\x89PNG") and answer.png is png
    assert builds == [1]
    assert Chart.of_png(png).png() is png
