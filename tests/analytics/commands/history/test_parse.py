"""Cheap validation of the history options: defaults, and one clear line for each mistake."""

from __future__ import annotations

import datetime as dt

import pytest

from analytics.commands.history import BREADTH, MACRO, MOVE, STREAK
from analytics.errors import BadInput
from analytics.spec import ParseContext

CTX = ParseContext(today=dt.date(2026, 1, 16))


def test_streak_defaults_and_the_number_in_bs_place():
    request = STREAK.parse_values({"a": "iwm", "b": "spy"}, CTX)
    assert (request.kind, request.a, request.b, request.n, request.on) == (
        "beat",
        "IWM",
        "SPY",
        10,
        ("IWM", "SPY"),
    )
    request = STREAK.parse_values({"a": "spy", "b": "5", "kind": "up"}, CTX)
    assert (request.kind, request.b, request.n, request.on) == ("up", None, 5, ("SPY",))
    request = STREAK.parse_values({"a": "spy", "n": 3, "kind": "Record High", "on": "qqq"}, CTX)
    assert (request.kind, request.n, request.on) == ("record-high", 3, ("QQQ",))
    assert STREAK.parse_values({"a": "iwm"}, CTX).kind == "up"


def test_move_and_macro_requests():
    move = MOVE.parse_values({"ticker": "iwm", "percent": -10, "window": "1M"}, CTX)
    assert (move.threshold, move.window.text, move.on) == (-0.1, "1m", ("IWM",))
    macro = MACRO.parse_values(
        {"series": "unemployment", "value": 5, "on": "IWM, SPY", "exclude": "2020Q2:2021Q4"}, CTX
    )
    assert (macro.series, macro.value, macro.direction, macro.on) == (
        "UNRATE",
        5.0,
        "above",
        ("IWM", "SPY"),
    )
    assert macro.exclude == ((dt.date(2020, 4, 1), dt.date(2021, 12, 31)),)
    assert MACRO.parse_values({"series": "gdp", "value": 3, "on": "IWM"}, CTX).exclude is None
    none = MACRO.parse_values({"series": "gdp", "value": 3, "on": "IWM", "exclude": "none"}, CTX)
    assert none.exclude == ()


@pytest.mark.parametrize(
    ("spec", "values", "message"),
    [
        (STREAK, {"a": "IWM", "kind": "beat"}, "A beat streak compares two tickers"),
        (STREAK, {"a": "IWM", "b": "iwm"}, "IWM is given twice"),
        (STREAK, {"a": "IWM", "b": "SPY", "kind": "up"}, "Kind up is about one ticker"),
        (STREAK, {"a": "IWM", "b": "7", "n": 5}, "N is given twice"),
        (STREAK, {"a": "IWM", "b": "0"}, "N 0 is out of range"),
        (STREAK, {"a": "IWM", "b": "SPY", "kind": "sideways"}, "'sideways' is not a streak kind"),
        (STREAK, {"a": "I*M", "b": "SPY"}, "'I*M' is not a valid symbol"),
        (STREAK, {"a": "IWM", "b": "SPY", "on": "A B C"}, "on takes one ticker or a pair"),
        (STREAK, {"a": "IWM", "b": "SPY", "on": "QQQ,qqq"}, "on names QQQ twice"),
        (
            STREAK,
            {"a": "IWM", "b": "SPY", "as_of": "2026-02-01"},
            "as_of 2026-02-01 is in the future",
        ),
        (STREAK, {"a": "IWM", "b": "SPY", "as_of": "Jan 5"}, "as_of 'Jan 5' is not a date"),
        (MOVE, {"ticker": "IWM", "percent": 0, "window": "1m"}, "percent must be a move"),
        (MOVE, {"ticker": "IWM", "percent": -100, "window": "1m"}, "A fall of 100% is impossible"),
        (
            MOVE,
            {"ticker": "IWM", "percent": 10, "window": "fortnight"},
            "'fortnight' is not a window",
        ),
        (
            MOVE,
            {"ticker": "IWM", "percent": 10, "window": "2024-01-02:2024-03-28"},
            "A move is measured over a length of time",
        ),
        (MACRO, {"series": "unemployment", "value": 5}, "A macro event needs prices to measure"),
        (MACRO, {"series": "no such!", "value": 5, "on": "IWM"}, "is not a FRED series id"),
        (MACRO, {"series": "cpi", "value": 5, "on": "IWM", "exclude": "2020"}, "is not a range"),
        (MACRO, {"series": "cpi", "value": 5, "on": "IWM", "direction": "up"}, "neither above"),
        (BREADTH, {"universe": "IWM", "percent": 80}, "A breadth event needs prices to measure"),
        (BREADTH, {"universe": "smallcaps", "percent": 80, "on": "IWM"}, "Unknown universe"),
        (BREADTH, {"universe": "IWM", "percent": 0, "on": "IWM"}, "percent 0 is not a share"),
        (
            BREADTH,
            {"universe": "IWM", "percent": 80, "on": "IWM", "direction": "up"},
            "neither above",
        ),
    ],
)
def test_bad_input_names_what_to_type(spec, values, message):
    with pytest.raises(BadInput) as caught:
        spec.parse_values(values, CTX)
    assert caught.value.message.startswith(message) or message in caught.value.message
    assert "\n" not in caught.value.message
