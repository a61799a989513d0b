"""Symbols: what people type becomes a Yahoo symbol, or a message that says what is valid."""

from __future__ import annotations

import pytest

from analytics.errors import BadInput
from analytics.symbols import normalize_symbol, parse_symbol_list


@pytest.mark.parametrize(
    ("typed", "symbol"),
    [
        ("spy", "SPY"),
        (" iwm ", "IWM"),
        ("$aapl", "AAPL"),
        ("SPX", "^GSPC"),
        ("gspc", "^GSPC"),
        ("^GSPC", "^GSPC"),
        ("^spx", "^GSPC"),
        ("RUT", "^RUT"),
        ("r2k", "^RUT"),
        ("NDX", "^NDX"),
        ("dji", "^DJI"),
        ("DJIA", "^DJI"),
        ("vix", "^VIX"),
        ("BRK.B", "BRK-B"),
        ("brk/b", "BRK-B"),
        ("BRK-B", "BRK-B"),
        ("SHOP.TO", "SHOP.TO"),
        ("ES=F", "ES=F"),
        ("COMP", "COMP"),
    ],
)
def test_typed_symbols_are_normalized(typed, symbol):
    assert normalize_symbol(typed) == symbol


@pytest.mark.parametrize(
    "typed", ["", "   ", "S P Y", "AAPL;DROP", "WAYTOOLONGSYMBOL1", "-SPY", "ÄPFEL"]
)
def test_malformed_symbols_say_what_a_symbol_looks_like(typed):
    with pytest.raises(BadInput) as info:
        normalize_symbol(typed)
    assert "A symbol is 1-15 letters or digits, like SPY" in info.value.message


def test_symbol_lists_split_on_spaces_and_commas_and_refuse_repeats():
    assert parse_symbol_list("iwm spy, qqq", minimum=2) == ["IWM", "SPY", "QQQ"]
    with pytest.raises(BadInput, match="SPY is listed twice"):
        parse_symbol_list("SPY spy")
    with pytest.raises(BadInput, match="SPX"):
        parse_symbol_list("^GSPC SPX")
    with pytest.raises(BadInput, match="between 2 and 10 tickers"):
        parse_symbol_list("SPY", minimum=2)
