"""The /breadth charts show the answer: the share above the 50-day average on each session of
the window and the A/D line, the two universes' shares as bars in compare mode, and the partial
badge exactly when the answer is partial."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

from analytics.charts.breadth_chart import COMPARE_METRICS
from analytics.charts.style import HIGHLIGHT, SERIES_COLORS
from analytics.commands.breadth import BREADTH
from analytics.commands.breadth._answer import answer
from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.spec import NoProgress, ParseContext
from tests.analytics.charts.drawn import badge_texts
from tests.analytics.commands.breadth.planted import (
    BASE_2W,
    END,
    NOW,
    SESSIONS,
    TODAY,
    closes,
    plant,
)


@pytest.fixture
def market(tmp_path):
    cache = PriceCache(tmp_path / "c.db")
    data = MarketData(cache, None, now=lambda: NOW)
    plant(data)
    yield data
    cache.close()


def ask(market, folder=None, **values):
    ctx = ParseContext(today=TODAY, lists_folder=folder)
    return answer(market, BREADTH.parse_values({"window": "2w", **values}, ctx), NoProgress())


def above_50_by_hand(names) -> list[float]:
    """Per session of the window: of the names with 50 closes to that day, the share above
    their mean, computed with a plain rolling mean per name."""
    window = [d for d in SESSIONS if pd.Timestamp(BASE_2W) <= d <= pd.Timestamp(END)]
    out = []
    for day in window:
        above = counted = 0
        for name in names:
            series = closes(name).loc[:day]
            if len(series) < 50 or series.index[-1] != day:
                continue
            counted += 1
            above += series.iloc[-1] > series.iloc[-50:].mean()
        out.append(above / counted)
    return out


def test_the_panels_are_the_share_above_50_and_the_ad_line(market) -> None:
    result = ask(market, tickers="UP DOWN FLAT NEW")
    fig = result.chart.figure()
    top, bottom = fig.axes
    [share] = [line for line in top.get_lines() if len(line.get_xdata()) > 2]
    assert list(share.get_ydata()) == pytest.approx(above_50_by_hand(["UP", "DOWN", "FLAT", "NEW"]))
    [ad] = [line for line in bottom.get_lines() if len(line.get_xdata()) > 2]
    assert list(ad.get_ydata()) == [p["value"] for p in result.data["ad_line"]]
    assert list(ad.get_ydata()) == list(range(1, 11))
    assert result.data["partial"] is False and badge_texts(fig) == []


def test_a_partial_answer_carries_the_badge(market) -> None:
    result = ask(market, tickers="UP DOWN FLAT NEW ABSENT")
    assert badge_texts(result.chart.figure()) == ["Partial: 4 of 5 names priced"]


def test_compare_bars_are_each_universes_shares(market, tmp_path) -> None:
    folder = tmp_path / "universes"
    folder.mkdir()
    (folder / "risers.txt").write_text("UP NEW")
    (folder / "mixed.txt").write_text("UP DOWN FLAT")
    result = ask(market, folder=folder, universe="risers", compare="mixed")
    fig = result.chart.figure()
    [ax] = fig.axes
    by_colour: dict[str, list[float]] = {}
    for patch in sorted(ax.patches, key=lambda p: p.get_x()):
        by_colour.setdefault(to_hex(patch.get_facecolor()), []).append(patch.get_height())
    first, second = result.data["universes"]
    keys = [key for key, _ in COMPARE_METRICS]

    def shares(payload):
        values = {"share_up": payload["share_up"]}
        values |= {f"above_{n}": payload["above_ma"][str(n)] for n in (20, 50, 200)}
        return [values[k] for k in keys]

    assert by_colour[SERIES_COLORS[0]] == pytest.approx(shares(first))
    assert by_colour[HIGHLIGHT] == pytest.approx(shares(second))
    # By hand: risers all rose; of UP, DOWN, FLAT one rose and one is above each average.
    assert shares(second) == pytest.approx([1 / 3, 1 / 3, 1 / 3, 1 / 3])
    assert np.allclose(shares(first), [1.0, 1.0, 1.0, 1.0])
    assert badge_texts(fig) == []
