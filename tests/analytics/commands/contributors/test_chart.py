"""The /contributors answer's chart shows the answer: the top and bottom contributors ranked,
each bar as long as its contribution in bp in the answer, green and red, and the partial badge
exactly when the answer is partial."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.charts.style import DOWN, UP
from analytics.commands.contributors import CONTRIBUTORS
from analytics.commands.contributors._answer import contributors_report
from analytics.holdings import HoldingsStore, parse_ishares_holdings
from analytics.spec import ParseContext
from tests.analytics.charts.drawn import badge_texts, hbars
from tests.analytics.commands.contributors.planted import (
    HOLDINGS_DATE,
    NOW,
    PLANTED,
    TODAY,
    YEAR_END,
    planted_bars,
)
from tests.fakes.ishares import ishares_csv


def ask(market, **values):
    request = CONTRIBUTORS.parse_values(values, ParseContext(today=TODAY))
    return contributors_report(market, request).answer()


def test_the_bars_are_the_answers_contributions_ranked(planted) -> None:
    answer = ask(planted, top=2)
    fig = answer.chart.figure()
    rows = [*answer.data["top"], *reversed(answer.data["bottom"])]
    expected = [
        (
            r["ticker"],
            pytest.approx(r["contribution_bp"]),
            UP if r["contribution_bp"] >= 0 else DOWN,
        )
        for r in rows
    ]
    assert hbars(fig.axes[0]) == expected
    # Ranked by contribution, largest on top (AAA +30% on 40%, CCC +25%, DDD 0, BBB -10%).
    assert [b[0] for b in hbars(fig.axes[0])] == ["AAA", "CCC", "DDD", "BBB"]
    # EEE (5% of the fund) has no prices: 95% of the weight, partial.
    assert badge_texts(fig) == ["Partial: 95.0% of the weight priced"]


def test_a_complete_answer_has_no_badge(market) -> None:
    four = [("AAA", "ALPHA CORP", 0.5), ("BBB", "BRAVO INC", 0.5)]
    holdings = parse_ishares_holdings(ishares_csv(HOLDINGS_DATE, four), fund="IWM")
    HoldingsStore(market.cache.db).save(holdings, fetched_at=NOW)
    for ticker in ("IWM", "AAA", "BBB"):
        before, after = PLANTED[ticker]
        market.import_bars(
            ticker, planted_bars(before, after, dt.date(2023, 12, 1), TODAY, YEAR_END), "test"
        )
    answer = ask(market)
    assert answer.data["partial"] is False
    assert badge_texts(answer.chart.figure()) == []
