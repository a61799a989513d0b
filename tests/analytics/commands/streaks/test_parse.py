"""One set of defaults for /streak, /compare and /price on both front ends: the specs' parse
steps on what each front end delivers (the spec's defaults filled in for what was not typed)."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.commands.streaks import COMPARE, PRICE, STREAK
from analytics.commands.streaks._parse import CompareRequest, PriceRequest, StreakRequest
from analytics.errors import BadInput
from analytics.spec import ParseContext
from analytics.windows import parse_window

CTX = ParseContext(today=dt.date(2024, 7, 1))


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, StreakRequest("IWM", "SPY", "beat")),
        ({"a": "spy"}, StreakRequest("SPY", "IWM", "beat")),  # never SPY against itself
        ({"a": "QQQ"}, StreakRequest("QQQ", "SPY", "beat")),
        ({"a": "spy", "kind": "beat"}, StreakRequest("SPY", "IWM", "beat")),
        ({"a": "iwm", "b": "^rut"}, StreakRequest("IWM", "^RUT", "beat")),
        ({"a": "SPY", "kind": "up"}, StreakRequest("SPY", None, "up")),
        ({"kind": "record-close"}, StreakRequest("IWM", None, "record-close")),
        ({"a": "IWM", "b": "SPY", "as_of": "2008-06-06"}, StreakRequest(as_of=dt.date(2008, 6, 6))),
    ],
)
def test_streak_defaults(values, expected):
    assert STREAK.parse_values(values, CTX) == expected


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"a": "IWM", "b": "SPY", "kind": "down"},
            "Kind down looks at one ticker: drop SPY, or use kind beat.",
        ),
        ({"a": "IWM", "b": "iwm"}, "IWM is given twice; a beat streak compares two different"),
        ({"a": "IWM", "as_of": "2024-07-02"}, "as_of 2024-07-02 is in the future"),
        ({"kind": "sideways"}, "'sideways' is not a streak kind."),
    ],
)
def test_streak_bad_input(values, message):
    with pytest.raises(BadInput) as error:
        STREAK.parse_values(values, CTX)
    assert error.value.message.startswith(message)


def test_compare_and_price_defaults():
    assert COMPARE.parse_values({}, CTX) == CompareRequest(
        ("IWM", "SPY", "QQQ"), parse_window("ytd")
    )
    assert COMPARE.parse_values({"tickers": "iwm, spy", "window": "3M"}, CTX) == CompareRequest(
        ("IWM", "SPY"), parse_window("3m")
    )
    assert PRICE.parse_values({"ticker": "spx"}, CTX) == PriceRequest("^GSPC", parse_window("1y"))
    assert PRICE.parse_values(
        {"ticker": "SPY", "window": "ytd", "as_of": "2024-06-28"}, CTX
    ) == PriceRequest("SPY", parse_window("ytd"), dt.date(2024, 6, 28))


def test_the_defaults_are_declared_once_for_both_front_ends():
    assert STREAK.defaults() == {"a": "IWM", "b": None, "kind": "beat", "as_of": None}
    assert COMPARE.defaults() == {"tickers": "IWM SPY QQQ", "window": "ytd", "as_of": None}
    assert PRICE.defaults() == {"ticker": None, "window": "1y", "as_of": None}
    assert [c.value for c in STREAK.option("kind").choices] == [
        "beat",
        "up",
        "down",
        "record-high",
        "record-close",
    ]
