"""The /breadth answer over planted prices whose every measure is known by construction
(tests/analytics/commands/breadth/planted.py): typed tickers, a fund (weights, its own return,
coverage by weight, refusal), compare mode, the as-of session, bad input."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from analytics.commands.breadth import BREADTH
from analytics.commands.breadth._answer import answer
from analytics.coverage import InsufficientCoverage
from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.errors import BadInput, NoData
from analytics.holdings import HoldingsStore, parse_ishares_holdings
from analytics.spec import ParseContext
from tests.analytics.commands.breadth.planted import (
    BASE_2W,
    END,
    NOW,
    TODAY,
    closes,
    plant,
    window_return,
)
from tests.fakes.ishares import ishares_csv
from tests.fakes.progress import RecordingProgress


@pytest.fixture
def market(tmp_path):
    cache = PriceCache(tmp_path / "c.db")
    data = MarketData(cache, None, now=lambda: NOW)
    plant(data)
    yield data
    cache.close()


def ask(market, *, folder=None, progress=None, **values):
    ctx = ParseContext(today=TODAY, lists_folder=folder)
    request = BREADTH.parse_values({"window": "2w", **values}, ctx)
    return answer(market, request, progress or RecordingProgress())


def hand_ew(names) -> float:
    return float(np.mean([window_return(n) for n in names]))


# ---------------------------------------------------------------- typed tickers


def test_every_measure_of_the_planted_universe(market) -> None:
    progress = RecordingProgress()
    result = ask(market, tickers="UP DOWN FLAT NEW ABSENT", progress=progress)
    data = result.to_json()
    # UP and NEW rose, DOWN fell, FLAT did not move; ABSENT has no prices.
    assert (data["share_up"], data["share_down"], data["share_unchanged"]) == (0.5, 0.25, 0.25)
    assert (data["start"], data["end"], data["priced"]) == (BASE_2W.isoformat(), END.isoformat(), 4)
    # 20 sessions: all four have them, UP and NEW (rising) are above; FLAT equals its average.
    # 50 and 200: NEW (30 sessions) is left out and counted; of the rest only UP is above.
    assert data["above_ma"] == {"20": 0.5, "50": pytest.approx(1 / 3), "200": pytest.approx(1 / 3)}
    assert data["above_ma_counted"] == {"20": 4, "50": 3, "200": 3}
    assert data["above_ma_left_out"] == {"20": 0, "50": 1, "200": 1}
    # A year of closes: UP, DOWN and FLAT; UP is at a high, DOWN at a low.
    assert (data["new_highs"], data["new_lows"], data["highs_lows_counted"]) == (1, 1, 3)
    # Each session after the base: UP and NEW advance, DOWN declines: net +1, ten sessions.
    assert [p["value"] for p in data["ad_line"]] == list(range(1, 11))
    assert data["ad_line"][-1]["date"] == END.isoformat()
    assert data["equal_weight_return"] == pytest.approx(hand_ew(["UP", "DOWN", "FLAT", "NEW"]))
    assert data["fund_return"] is None  # a list has no fund
    assert data["coverage"] == {"priced": 4, "universe": 5, "weight_share": None}
    assert data["partial"] is True
    assert result.title == (
        "50% of the 5 tickers rose over 2 weeks; 33% are above their 50-day average"
        " · partial: 4 of 5 names"
    )
    assert "Coverage: 4 of 5 listed names priced; partial." in result.summary
    assert "1 new 52-week closing high and 1 low on 2026-08-21" in result.summary
    definitions = dict((f.name, f.value) for f in result.fields)["Definitions"]
    assert "averages, 52-week highs and lows and the A/D line on closes" in definitions
    assert "the window's sessions 2026-08-07 (base close) to 2026-08-21" in definitions
    # The table: raw shares with counts.
    [table] = result.tables
    assert table.rows[0] == ("up over the window", 0.5, 2, 4)
    assert table.rows[3] == ("above 50-day avg", pytest.approx(1 / 3), 1, 3)
    assert table.text_rows()[0] == ("up over the window", "50.00%", "2", "4")
    # Nothing had to be fetched: no progress phase at all.
    assert progress.events == []


def test_a_universe_too_short_for_the_long_measures_says_so(market) -> None:
    result = ask(market, tickers="NEW", window="1w")
    data = result.to_json()
    assert data["above_ma"] == {"20": 1.0, "50": None, "200": None}
    assert data["new_highs"] is None and data["new_lows"] is None
    assert any(w.startswith("No share above the 50-day average:") for w in result.warnings)
    assert any(w.startswith("No 52-week highs or lows:") for w in result.warnings)


def test_a_cache_that_ends_before_today_answers_as_of_its_last_session(tmp_path) -> None:
    cache = PriceCache(tmp_path / "late.db")
    late = MarketData(cache, None, now=lambda: dt.datetime(2026, 11, 30, 23, 0, tzinfo=dt.UTC))
    plant(late)
    result = ask(late, tickers="UP DOWN FLAT")
    assert (result.data["start"], result.data["end"]) == ("2026-08-07", "2026-08-21")
    assert result.title.endswith("(as of 2026-08-21)")
    assert result.data["behind"] == {
        "data_end": "2026-08-21",
        "expected": "2026-11-30",
        "why": "offline mode is on and the cache ends there",
    }
    assert result.warnings[0].startswith("The data ends 2026-08-21, before 2026-11-30")
    cache.close()


# ---------------------------------------------------------------- a fund


def save_fund(market, weights: dict[str, float], as_of: dt.date = BASE_2W) -> None:
    rows = [(t, f"{t} INC", w) for t, w in weights.items()]
    holdings = parse_ishares_holdings(ishares_csv(as_of, rows), fund="IWM")
    HoldingsStore(market.cache.db).save(holdings, fetched_at=NOW)


def test_a_fund_has_its_own_return_beside_the_equal_weight_one(market) -> None:
    plant(market, ("IWM",))
    save_fund(market, {"UP": 0.40, "DOWN": 0.30, "FLAT": 0.15, "NEW": 0.10, "ABSENT": 0.05})
    result = ask(market, universe="IWM")
    data = result.to_json()
    series = closes("IWM")
    fund = series.iloc[-1] / series.iloc[-11] - 1  # ten sessions of +1%
    assert data["fund_return"] == pytest.approx(fund)
    assert data["fund_return"] == pytest.approx(1.01**10 - 1)
    assert data["equal_weight_return"] == pytest.approx(hand_ew(["UP", "DOWN", "FLAT", "NEW"]))
    # ABSENT holds 5% of the fund: 95% of the weight is priced.
    assert data["coverage"] == {"priced": 4, "universe": 5, "weight_share": pytest.approx(0.95)}
    assert (data["holdings_as_of"], data["weights_at"], data["holdings_distance_days"]) == (
        "2026-08-07",
        "2026-08-07",
        0,
    )
    assert result.title == (
        "50% of IWM's constituents rose over 2 weeks; 33% are above their 50-day average"
        " · partial: 95.0% of the weight"
    )
    assert f"Equal-weight return {hand_ew(['UP', 'DOWN', 'FLAT', 'NEW']) * 100:+.2f}% vs IWM " in (
        result.summary
    )
    fields = {f.name: f.value for f in result.fields}
    assert fields["IWM return"] == f"{fund * 100:+.2f}%"
    assert "names from the IWM holdings of 2026-08-07 (the window's start)" in fields["Definitions"]


def test_a_fund_below_half_its_weight_priced_is_refused(market) -> None:
    save_fund(market, {"UP": 0.2, "ZZA": 0.4, "ZZB": 0.4})
    with pytest.raises(InsufficientCoverage) as caught:
        ask(market, universe="IWM")
    assert caught.value.message == (
        "Only 1 of 3 IWM names (20.0% of its weight) have prices from 2026-08-07 to 2026-08-21, "
        "too few to answer for the whole (at least 50% needed). Import their prices "
        "(`marketbot import prices FILE`) or go online."
    )


def test_a_fund_without_holdings_offline_says_what_to_import(market) -> None:
    with pytest.raises(NoData, match="No IVV holdings are stored and offline mode is on"):
        ask(market, universe="IVV")


# ---------------------------------------------------------------- compare


def test_compare_puts_two_universes_side_by_side(market, tmp_path) -> None:
    folder = tmp_path / "universes"
    folder.mkdir()
    (folder / "risers.txt").write_text("UP NEW")
    (folder / "fallers.txt").write_text("DOWN FLAT")
    result = ask(market, folder=folder, universe="risers", compare="fallers")
    data = result.to_json()
    first, second = data["universes"]
    assert (data["mode"], first["universe"], second["universe"]) == ("compare", "risers", "fallers")
    assert (first["share_up"], second["share_up"], second["share_down"]) == (1.0, 0.0, 0.5)
    assert first["equal_weight_return"] == pytest.approx(hand_ew(["UP", "NEW"]))
    assert second["equal_weight_return"] == pytest.approx(hand_ew(["DOWN", "FLAT"]))
    assert second["above_ma"] == {"20": 0.0, "50": 0.0, "200": 0.0}
    assert first["above_ma"] == {"20": 1.0, "50": 1.0, "200": 1.0}  # NEW left out of 50/200
    assert result.title == "Names up over 2 weeks: risers 100% vs fallers 0%"
    [table] = result.tables
    assert table.headings == ("measure", "risers", "fallers")
    assert table.rows[0] == ("up over the window", 1.0, 0.0)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"universe": "IWM", "compare": "iwm"}, "compare names the same universe as universe"),
        ({"compare": "R2K"}, "compare: Unknown universe 'R2K'."),
        ({"as_of": "2026-09-01"}, "as_of 2026-09-01 is in the future"),
        ({"window": "2 fortnights"}, "is not a window"),
        ({"universe": "IWM", "tickers": "AAPL"}, "either a universe or your own tickers"),
    ],
)
def test_bad_options_are_refused_before_any_data_is_read(values, message) -> None:
    with pytest.raises(BadInput) as caught:
        BREADTH.parse_values({"window": "2w", **values}, ParseContext(today=TODAY))
    assert message in caught.value.message
