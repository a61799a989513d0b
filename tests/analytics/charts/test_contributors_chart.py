"""The contributors chart (analytics/charts/contributors_chart.py): what is drawn (bars ranked
largest first, green gains and red losses, each bar as long as its contribution, the partial
badge exactly when partial) and the phone-sized PNG it encodes to."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread

from analytics.charts.contributors_chart import contributors_chart
from analytics.charts.style import DOWN, HIGHLIGHT, UP, encode_png
from analytics.contribution import contributions
from analytics.errors import NoData
from tests.analytics.charts.drawn import badge_texts, hbars


@pytest.fixture
def six_names() -> tuple[pd.Series, pd.Series]:
    """Start weights and returns small enough to work through by hand (fund return 4.6%)."""
    start = pd.Series([0.3, 0.2, 0.2, 0.1, 0.1, 0.1], index=list("ABCDEF"))
    returns = pd.Series([0.10, 0.05, -0.02, 0.20, -0.10, 0.0], index=list("ABCDEF"))
    return start, returns


def bars(fig) -> list[tuple[str, float, str]]:
    return hbars(fig.axes[0])


def test_bars_are_ranked_coloured_and_as_long_as_the_contributions(six_names) -> None:
    start, returns = six_names
    # By hand: A +300 bp, D +200, B +100, F 0, C -40, E -100.
    fig = contributors_chart(contributions(start, returns), title="t", n=8)
    assert bars(fig) == [
        ("A", pytest.approx(300.0), UP),
        ("D", pytest.approx(200.0), UP),
        ("B", pytest.approx(100.0), UP),
        ("F", 0.0, UP),
        ("C", pytest.approx(-40.0), DOWN),
        ("E", pytest.approx(-100.0), DOWN),
    ]
    assert badge_texts(fig) == []


def test_past_2n_names_the_top_and_bottom_n_are_drawn(six_names) -> None:
    start, returns = six_names
    fig = contributors_chart(contributions(start, returns), title="t", n=2)
    assert [label for label, _, _ in bars(fig)] == ["A", "D", "C", "E"]


def test_the_partial_badge_is_there_exactly_when_asked(six_names) -> None:
    start, returns = six_names
    frame = contributions(start, returns)
    badged = contributors_chart(frame, title="x", partial="Partial: 94.8% of the weight priced")
    assert badge_texts(badged) == ["Partial: 94.8% of the weight priced"]
    assert badge_texts(contributors_chart(frame, title="x")) == []


def colour_share(png: bytes, hex_colour: str) -> float:
    """Fraction of the image's pixels within a small distance of `hex_colour`."""
    pixels = imread(io.BytesIO(png))[:, :, :3]
    target = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return float((np.abs(pixels - target).max(axis=2) < 0.02).mean())


def test_chart_has_green_gains_and_red_losses(six_names: tuple[pd.Series, pd.Series]) -> None:
    start, returns = six_names
    frame = contributions(start, returns)
    png = encode_png(
        contributors_chart(frame, title="Two names made 5 of the fund's 4.6 points", n=3)
    )
    assert imread(io.BytesIO(png)).shape[:2] == (675, 1200)
    assert colour_share(png, UP) > 0.01
    assert colour_share(png, DOWN) > 0.005
    assert colour_share(png, HIGHLIGHT) == 0.0


def test_a_partial_chart_says_so_in_a_badge(six_names: tuple[pd.Series, pd.Series]) -> None:
    start, returns = six_names
    frame = contributions(start, returns)
    png = encode_png(
        contributors_chart(frame, title="x", partial="Partial: 94.8% of the weight priced")
    )
    assert colour_share(png, HIGHLIGHT) > 0.002


def test_chart_of_gains_only_has_no_red(six_names: tuple[pd.Series, pd.Series]) -> None:
    start, returns = six_names
    frame = contributions(start, returns).head(3)
    png = encode_png(contributors_chart(frame, title="Gains only"))
    assert colour_share(png, UP) > 0.01
    assert colour_share(png, DOWN) == 0.0


def test_chart_of_nothing_is_no_data() -> None:
    empty = contributions(pd.Series(dtype="float64"), pd.Series(dtype="float64"))
    with pytest.raises(NoData):
        contributors_chart(empty, title="Nothing")
