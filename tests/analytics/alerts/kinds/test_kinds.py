"""The alert kinds on real histories (IWM and SPY from Yahoo's classic export, ^RUT from the
alitalbi file) against independent pandas computations, their parse rules, and `to`."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics.alerts.commands import parse_add
from analytics.alerts.kinds import KINDS
from analytics.alerts.specs import KIND_NAMES
from analytics.alerts.targets import Target, parse_target
from analytics.data.cache import PriceCache
from analytics.data.importers import read_price_file
from analytics.data.market import MarketData
from analytics.errors import BadInput
from analytics.spec import ParseContext

NOW = dt.datetime(2026, 3, 2, 22, 0, tzinfo=dt.UTC)
XJ = "prices/xjcarter_yahoo_2000-2022"
RUT_FILE = "prices/alitalbi_yfinance_to-2026-02/RUT.csv"


@pytest.fixture
def market(tmp_path):
    cache = PriceCache(tmp_path / "kinds.db")
    yield MarketData(cache, None, now=lambda: NOW)
    cache.close()


def load(market: MarketData, path, ticker: str) -> pd.DataFrame:
    """Import a file into the cache; its rows as pandas reads the CSV, independently."""
    for name, frame in read_price_file(path, ticker=ticker).items():
        market.cache.store_bars(name, frame, f"import:{path.name}")
    raw = pd.read_csv(path, parse_dates=["Date"]).set_index("Date").sort_index()
    return raw[raw["Close"].notna()]


def test_the_specs_name_every_kind():
    assert tuple(KINDS) == KIND_NAMES


def test_a_beat_streak_on_iwm_and_spy_matches_a_count_by_hand(shared_data, market):
    iwm = load(market, shared_data / XJ / "IWM.csv", "IWM")["Adj Close"]
    spy = load(market, shared_data / XJ / "SPY.csv", "SPY")["Adj Close"]
    both = pd.concat([iwm, spy], axis=1, join="inner").dropna()
    both.columns = ["IWM", "SPY"]
    returns = both.pct_change()
    run, holds = 0, []
    for _, row in returns.iterrows():
        run = run + 1 if row["IWM"] > row["SPY"] else 0
        holds.append(run >= 4)
    kind = KINDS["streak"]
    params = kind.parse({"ticker": "IWM", "versus": "SPY", "sessions": 4})
    days = both.index[-120:]
    got = [kind.evaluate(market, params, d.date()) for d in days]
    offset = len(both) - len(days)
    assert [e.holds for e in got] == holds[offset:]
    assert [e.held_before for e in got] == holds[offset - 1 : -1]
    assert sum(e.crossed for e in got) >= 3


def test_record_alerts_on_the_russell_2000_match_a_running_maximum(shared_data, market):
    rut = load(market, shared_data / RUT_FILE, "^RUT")
    high = rut["High"].dropna()
    record = high > high.cummax().shift(1)
    record.iloc[0] = False
    kind = KINDS["record"]
    params = kind.parse({"ticker": "rut"})
    days = high.loc["2025-07-01":].index
    got = [kind.evaluate(market, params, d.date()) for d in days]
    assert [e.holds for e in got] == list(record.loc[days])
    want = [d.date() for d in days if record[d] and not record.shift(1, fill_value=False)[d]]
    assert [e.on for e in got if e.crossed] == want and len(want) >= 3


def test_a_level_alert_crosses_on_the_closes(shared_data, market):
    rut = load(market, shared_data / RUT_FILE, "^RUT")
    kind = KINDS["level"]
    params = kind.parse({"ticker": "^RUT", "level": 2300, "direction": "up"})
    closes = rut["Close"].loc["2024-06-01":"2025-06-30"]
    got = [kind.evaluate(market, params, d.date()) for d in closes.index]
    above = closes >= 2300
    assert [e.holds for e in got] == list(above)
    want = [d.date() for d in closes.index[1:] if above[d] and not above.shift(1)[d]]
    assert [e.on for e in got if e.crossed] == want and len(want) >= 2


def test_a_five_day_move_matches_the_closes_five_sessions_apart(shared_data, market):
    iwm = load(market, shared_data / XJ / "IWM.csv", "IWM")["Adj Close"]
    kind = KINDS["move"]
    params = kind.parse({"ticker": "IWM", "window": "5d", "percent": 4, "direction": "down"})
    days = iwm.loc["2022-01-01":].index
    got = [kind.evaluate(market, params, d.date()) for d in days]
    moves = iwm / iwm.shift(5) - 1
    assert np.allclose([e.values["return"] for e in got], moves.loc[days].to_numpy())
    assert [e.holds for e in got] == list(moves.loc[days] <= -0.04)


# --- parsing --------------------------------------------------------------------------------------


def parse(**values):
    return parse_add(values, ParseContext(today=dt.date(2024, 7, 1)))


def test_defaults_fill_in_as_the_commands_do():
    assert parse(kind="streak", ticker="iwm", sessions=5).condition == {
        "a": "IWM",
        "b": None,
        "what": "up",
        "sessions": 5,
    }
    assert parse(kind="record", ticker="spx").condition == {
        "ticker": "^GSPC",
        "what": "record-high",
    }
    assert parse(kind="macro", series="10y", value=5).condition == {
        "series": "DGS10",
        "value": 5.0,
        "years": None,
        "direction": "up",
    }


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"kind": "streak", "ticker": "IWM", "versus": "IWM", "sessions": 3}, "IWM is given twice"),
        (
            {"kind": "streak", "ticker": "IWM", "versus": "SPY", "what": "up", "sessions": 3},
            "Kind up looks at one ticker",
        ),
        ({"kind": "streak", "ticker": "IWM"}, "A streak alert needs sessions"),
        (
            {"kind": "record", "ticker": "IWM", "what": "up"},
            "A record alert watches what:record-high",
        ),
        (
            {"kind": "macro", "series": "gdpnow", "value": 5, "years": 3},
            "A macro alert needs value",
        ),
        (
            {"kind": "macro", "series": "gdpnow", "value": 5, "direction": "either"},
            "A macro alert's direction is up",
        ),
        (
            {"kind": "macro", "series": "not an id!", "value": 5},
            "'not an id!' is not a FRED series id",
        ),
        (
            {"kind": "level", "ticker": "IWM", "level": 10, "direction": "either"},
            "A level alert fires on a close crossing",
        ),
        ({"kind": "weather"}, "'weather' is not an alert kind; give one of streak, record, move"),
        (
            {"kind": "move", "ticker": "IWM", "percent": 5, "series": "gdpnow"},
            "A move alert does not take series",
        ),
        (
            {"kind": "record", "ticker": "IWM", "to": "here!!"},
            "'here!!' is not somewhere an alert can go",
        ),
    ],
)
def test_bad_options_say_what_to_type(values, message):
    with pytest.raises(BadInput) as refused:
        parse(**values)
    assert refused.value.message.startswith(message)


@pytest.mark.parametrize(
    ("text", "target"),
    [
        (None, Target(dm=True)),
        (" me ", Target(dm=True)),
        ("<@1100000000000000003>", Target(dm=True, user_id=1100000000000000003)),
        ("<@!1100000000000000003>", Target(dm=True, user_id=1100000000000000003)),
        ("<#1100000000000000102>", Target(dm=False, channel_id=1100000000000000102)),
        ("1100000000000000102", Target(dm=False, channel_id=1100000000000000102)),
        ("#Markets", Target(dm=False, channel_name="markets")),
        (
            "https://discord.com/channels/1100000000000000100/1100000000000000102",
            Target(dm=False, guild_id=1100000000000000100, channel_id=1100000000000000102),
        ),
        (
            "1100000000000000100/1100000000000000102",
            Target(dm=False, guild_id=1100000000000000100, channel_id=1100000000000000102),
        ),
    ],
)
def test_where_an_alert_goes(text, target):
    assert parse_target(text) == target
