"""The /movers answer's chart shows the answer: one bar per name listed, as long as its return
in the answer, green up and red down, the median line, and the partial badge exactly when the
answer is partial."""

from __future__ import annotations

import pytest
from matplotlib.colors import to_hex

from analytics.charts.style import DOWN, HIGHLIGHT, UP
from analytics.commands.movers import MOVERS
from analytics.commands.movers._answer import movers_report
from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.spec import ParseContext
from tests.analytics.charts.drawn import badge_texts, hbars
from tests.analytics.commands.movers.planted import PLANTED, SATURDAY, TODAY, UNIVERSE, plant


@pytest.fixture
def market(tmp_path):
    cache = PriceCache(tmp_path / "c.db")
    data = MarketData(cache, None, now=lambda: SATURDAY)
    plant(data)
    yield data
    cache.close()


def ask(market, tickers, **values):
    values = {"window": "2w", "tickers": ",".join(tickers), **values}
    return movers_report(market, MOVERS.parse_values(values, ParseContext(today=TODAY))).answer()


def test_the_bars_are_the_answers_names_and_returns(market) -> None:
    answer = ask(market, UNIVERSE, top=3)
    fig = answer.chart.figure()
    [ax] = fig.axes
    shown = [(r["ticker"], r["return"], UP) for r in answer.data["gainers"]]
    shown += [(r["ticker"], r["return"], DOWN) for r in reversed(answer.data["losers"])]
    assert hbars(ax) == [(t, pytest.approx(r), c) for t, r, c in shown]
    # Computed a second way: the planted returns, best three and worst three.
    ranked = sorted(PLANTED, key=PLANTED.get, reverse=True)
    assert [b[0] for b in hbars(ax)] == ranked[:3] + ranked[-3:]
    median_lines = [line for line in ax.get_lines() if to_hex(line.get_color()) == HIGHLIGHT]
    assert [line.get_xdata()[0] for line in median_lines] == [pytest.approx(answer.data["median"])]
    # 10 of the 12 names are ranked: partial, and the chart says so.
    assert badge_texts(fig) == ["Partial: 10 of 12 names priced"]


def test_a_complete_answer_has_no_badge(market) -> None:
    answer = ask(market, list(PLANTED), direction="losers")
    fig = answer.chart.figure()
    assert answer.data["partial"] is False and badge_texts(fig) == []
    assert all(colour == DOWN for _, _, colour in hbars(fig.axes[0]))
    assert [b[1] for b in hbars(fig.axes[0])][::-1] == pytest.approx(
        sorted(r for r in PLANTED.values() if r < 0)
    )


def test_an_answer_where_nothing_moved_has_no_chart(market) -> None:
    answer = ask(market, UNIVERSE, window="1d")  # every 1d move is 0
    assert answer.chart is None and answer.png is None
