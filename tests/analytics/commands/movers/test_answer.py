"""The movers answer: planted prices with known answers, bad input, the cold path, funds,
coverage and the as-of session."""

from __future__ import annotations

import datetime as dt
import statistics

import pandas as pd
import pytest

from analytics.commands.movers import MOVERS
from analytics.commands.movers._answer import movers_report
from analytics.coverage import InsufficientCoverage
from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.errors import BadInput, NoData
from analytics.holdings import Holdings, HoldingsStore
from analytics.spec import ParseContext
from tests.analytics.commands.movers.planted import (
    ABSENT,
    B_2W,
    LATE,
    PARTIAL,
    PLANTED,
    SATURDAY,
    TODAY,
    UNIVERSE,
    E,
    plant,
)
from tests.fakes.prices import RecordingProvider, bars_for
from tests.fakes.progress import RecordingProgress


@pytest.fixture
def market(tmp_path):
    cache = PriceCache(tmp_path / "c.db")
    data = MarketData(cache, None, now=lambda: SATURDAY)
    plant(data)
    yield data
    cache.close()


def request(**values):
    """The spec's parse, as both front ends run it (defaults filled in)."""
    return MOVERS.parse_values({"window": "2w", **values}, ParseContext(today=TODAY))


def ask(market, *, tickers=UNIVERSE, progress=None, **options):
    """The answer over typed tickers (or, with tickers=None, the universe option)."""
    values = {"tickers": ",".join(tickers) if tickers is not None else None, **options}
    return movers_report(market, request(**values), progress).answer()


# ---------------------------------------------------------------- known answers


def test_ranks_gainers_and_losers_with_counts_and_median(market) -> None:
    answer = ask(market, top=3)
    data = answer.to_json()
    ranked = sorted(PLANTED.items(), key=lambda kv: kv[1], reverse=True)
    assert [g["ticker"] for g in data["gainers"]] == ["AAA", "BBB", "CCC"]
    assert [g["return"] for g in data["gainers"]] == pytest.approx([r for _, r in ranked[:3]])
    assert [x["ticker"] for x in data["losers"]] == ["HHH", "GGG", "FFF"]
    assert data["gainers"][0] == {
        "ticker": "AAA",
        "return": pytest.approx(1.5),
        "start_close": 100.0,
        "end_close": 250.0,
        "start_date": B_2W,
        "end_date": E,
    }
    assert data["median"] == pytest.approx(statistics.median(PLANTED.values()))
    assert (data["window"], data["start"], data["end"]) == ("2w", B_2W, E)
    assert (data["universe_size"], data["priced"], data["ranked"]) == (12, 11, 10)
    assert list(data["left_out"]["short_history"]) == [LATE]
    assert data["left_out"]["no_prices"] == [ABSENT]
    assert answer.title == (
        "AAA +150.0% led the 12 tickers over 2 weeks; HHH -55.0% fell most" + PARTIAL
    )
    assert answer.as_of == dt.date(2026, 8, 21)
    assert (
        "Left out: 1 without enough prices in the window and 1 with no prices at all."
        in answer.summary
    )
    assert (data["coverage"], data["partial"]) == (
        {"priced": 10, "universe": 12, "weight_share": None},
        True,
    )
    assert "Coverage: 10 of 12 listed names priced; partial." in answer.summary
    assert data["holdings_as_of"] is None and data["weights_at"] is None
    assert answer.warnings == ()  # the data reaches the session asked: no "as of"
    assert [t.title for t in answer.tables] == ["Top gainers", "Top losers"]


def test_gainers_only_and_the_chart(market) -> None:
    answer = ask(market, direction="gainers", top=25)
    data = answer.to_json()
    # EEE did not move: neither a gainer nor a loser.
    assert [g["ticker"] for g in data["gainers"]] == ["AAA", "BBB", "CCC", "DDD", "III"]
    assert "losers" not in data
    assert answer.png[:8] == b"\x89PNG\r\n\x1a\n"
    assert answer.tone == 1


@pytest.mark.parametrize(
    ("min_move", "meeting", "title"),
    [
        (
            "50%",
            {"gainers": 2, "losers": 1},
            "2 listed names rose and 1 fell 50% or more over 2 weeks",
        ),
        (
            "100",
            {"gainers": 1, "losers": 0},
            "1 listed name rose and 0 fell 100% or more over 2 weeks",
        ),
        ("-30%", {"losers": 2}, "2 listed names fell 30% or more over 2 weeks"),
    ],
)
def test_min_move_counts_names_that_moved_that_much(market, min_move, meeting, title) -> None:
    answer = ask(market, min_move=min_move)
    assert answer.data["meeting"] == meeting
    assert answer.title == title + PARTIAL
    threshold = abs(float(min_move.rstrip("%"))) / 100
    for side, count in meeting.items():
        sign = 1 if side == "gainers" else -1
        expected = sorted(
            (t for t, r in PLANTED.items() if sign * r >= threshold),
            key=lambda t: -sign * PLANTED[t],
        )
        assert [row["ticker"] for row in answer.data[side]] == expected
        assert len(expected) == count


def test_min_move_nobody_meets_says_so_and_shows_the_closest(market) -> None:
    answer = ask(market, min_move="200%", direction="gainers")
    assert answer.title == (
        "No listed name rose 200% or more over 2 weeks; closest AAA +150.0%" + PARTIAL
    )
    assert answer.data["gainers"] == []
    assert [c["ticker"] for c in answer.data["closest"]["gainers"]] == [
        "AAA",
        "BBB",
        "CCC",
        "DDD",
        "III",
    ]
    assert answer.tables[0].title == "None rose 200%: closest"


def test_one_day_window_uses_the_last_two_sessions(market) -> None:
    # Prices are flat after the step on 2026-08-10, so every 1d return is exactly 0.
    answer = ask(market, window="1d")
    data = answer.to_json()
    assert (data["start"], data["end"]) == ("2026-08-20", E)
    assert data["gainers"] == [] and data["losers"] == []
    assert answer.title == "No listed name moved on 2026-08-21 · partial: 11 of 12 names"
    assert data["ranked"] == 11  # NEW has 6 sessions: enough for 1d
    assert data["coverage"] == {"priced": 11, "universe": 12, "weight_share": None}


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"window": "2 fortnights"}, "is not a window"),
        ({"as_of": "2026-09-01"}, "is in the future"),
        ({"as_of": "yesterday"}, "as_of 'yesterday' is not a date"),
        ({"min_move": "lots"}, "is not a percent"),
        ({"min_move": "+10%", "direction": "losers"}, "set direction to gainers"),
        ({"top": 30}, "between 1 and 25"),
    ],
)
def test_bad_options_are_rejected_before_any_data_is_read(options, message) -> None:
    with pytest.raises(BadInput) as err:
        request(**options)
    assert message in err.value.message


def test_window_longer_than_the_data(market) -> None:
    with pytest.raises(NoData) as err:
        ask(market, window="1y")
    assert err.value.message == (
        "12 tickers: Window 1y starts 2025-08-21 but the data begins 2026-06-01. Try a shorter window."
    )


def test_universe_without_any_prices_offline(market) -> None:
    with pytest.raises(NoData) as err:
        ask(market, tickers=["ZZZ", "YYY"])
    # The range read ends on the last session, Fri 2026-08-21: 2w before (less a week's
    # slack) is 2026-07-31, less 10 days.
    assert err.value.message.startswith(
        "Nothing cached for these tickers from 2026-07-21 to 2026-08-21, and offline mode is on"
    )


def test_as_of_before_the_data(market) -> None:
    with pytest.raises(NoData) as err:
        ask(market, window="1d", as_of="2026-06-01")
    assert err.value.message == (
        "12 tickers: Window 1d needs 2 sessions ending 2026-06-01 but the data has 1 "
        "(it begins 2026-06-01). Try a shorter window."
    )
    with pytest.raises(NoData) as err:  # 1 session: 1.5 days + a week before 2026-05-15
        ask(market, window="1d", as_of="2026-05-15")
    assert "Nothing cached for these tickers from 2026-05-07 to 2026-05-15" in err.value.message


# ---------------------------------------------------------------- cold path


def test_cold_fetches_only_the_missing_names_and_reports_progress(tmp_path) -> None:
    provider = RecordingProvider()
    cache = PriceCache(tmp_path / "c.db")
    market = MarketData(cache, provider, now=lambda: SATURDAY)
    names = ["AB", "CDE", "FGHI", "JK", "LMNOP"]
    for ticker in names[:3]:
        market.import_bars(
            ticker, bars_for(ticker, dt.date(2026, 6, 1), dt.date(2026, 8, 21)), "test"
        )
    progress = RecordingProgress()
    answer = ask(market, tickers=names, progress=progress)
    assert [call[0] for call in provider.calls] == [("JK", "LMNOP")]
    assert progress.counts[0] == (0, 2) and progress.counts[-1] == (2, 2)
    # The pricing phase starts with the first count.
    assert progress.events[0] == "Fetching prices for 5 tickers"
    expected = {}
    for ticker in names:
        adj = bars_for(ticker, dt.date(2026, 8, 7), dt.date(2026, 8, 21))["adj_close"]
        expected[ticker] = adj.iloc[-1] / adj.iloc[0] - 1
    got = {
        row["ticker"]: row["return"] for side in ("gainers", "losers") for row in answer.data[side]
    }
    assert got == pytest.approx({t: r for t, r in expected.items() if r != 0})
    # Warm: nothing more is fetched.
    ask(market, tickers=names)
    assert len(provider.calls) == 1
    cache.close()


# ---------------------------------------------------------------- funds, coverage, as-of


def fund_holdings(market: MarketData, as_of: dt.date, weights: dict[str, float]) -> None:
    frame = pd.DataFrame(
        {
            "name": [f"{t} INC" for t in weights],
            "sector": "x",
            "weight": list(weights.values()),
            "quantity": 1.0,
            "price": 1.0,
            "market_value": 1.0,
        },
        index=pd.Index(list(weights), name="symbol"),
    )
    holdings = Holdings("IWM", "iShares Russell 2000 ETF", as_of, frame)
    HoldingsStore(market.cache.db).save(holdings, fetched_at=SATURDAY)


def test_a_fund_universe_states_its_coverage_by_weight(market) -> None:
    # LATE (too little history) and ABSENT (no prices) hold 4% of the fund: 96% is ranked.
    weights = {t: 0.096 for t in PLANTED} | {LATE: 0.03, ABSENT: 0.01}
    fund_holdings(market, dt.date(2026, 8, 7), weights)
    answer = ask(market, tickers=None, universe="IWM", top=3)
    data = answer.to_json()
    assert data["coverage"] == {"priced": 10, "universe": 12, "weight_share": pytest.approx(0.96)}
    assert (data["holdings_as_of"], data["weights_at"], data["holdings_distance_days"]) == (
        "2026-08-07",
        "2026-08-07",
        0,
    )
    assert answer.title == (
        "AAA +150.0% led IWM over 2 weeks; HHH -55.0% fell most · partial: 96.0% of the weight"
    )
    assert "Coverage: 10 of 12 IWM names priced (96.0% of its equity weight); partial." in (
        answer.summary
    )
    assert "Weights at 2026-08-07 are the 2026-08-07 holdings' own." in answer.summary


def test_a_fund_with_less_than_half_its_weight_priced_is_refused(market) -> None:
    weights = {"AAA": 0.2, "BBB": 0.2, "ZZ1": 0.3, "ZZ2": 0.3}  # ZZ1, ZZ2 have no prices
    fund_holdings(market, dt.date(2026, 8, 7), weights)
    with pytest.raises(InsufficientCoverage) as caught:
        ask(market, tickers=None, universe="IWM")
    assert caught.value.message == (
        "Only 2 of 4 IWM names (40.0% of its weight) have prices from 2026-08-07 to 2026-08-21, "
        "too few to answer for the whole (at least 50% needed). Import their prices "
        "(`marketbot import prices FILE`) or go online."
    )


def test_a_list_with_less_than_half_its_names_priced_is_refused(market) -> None:
    with pytest.raises(InsufficientCoverage, match="Only 1 of 3 listed names have prices"):
        ask(market, tickers=["AAA", "NOPE", "ZILCH"])


def test_a_cache_that_ends_before_today_answers_as_of_its_last_session(tmp_path) -> None:
    # Offline on 2026-11-30 with prices to 2026-08-21: a 2w window ends on 2026-08-21 (the load
    # reaches back from there, not from today) and the title says so.
    cache = PriceCache(tmp_path / "late.db")
    market = MarketData(cache, None, now=lambda: dt.datetime(2026, 11, 30, 23, 0, tzinfo=dt.UTC))
    plant(market)
    answer = ask(market, tickers=list(PLANTED))
    assert (answer.data["start"], answer.data["end"]) == (
        dt.date(2026, 8, 7),
        dt.date(2026, 8, 21),
    )
    assert answer.title == (
        "AAA +150.0% led the 10 tickers over 2 weeks; HHH -55.0% fell most (as of 2026-08-21)"
    )
    assert answer.warnings == (
        "The data ends 2026-08-21, before 2026-11-30, the session this answer should stand on: "
        "offline mode is on and the cache ends there.",
    )
    assert answer.data["behind"] == {
        "data_end": "2026-08-21",
        "expected": "2026-11-30",
        "why": "offline mode is on and the cache ends there",
    }
    assert answer.source == "test"
    asked = ask(market, tickers=list(PLANTED), as_of="2026-08-21")  # asked for that day: current
    assert asked.title.endswith("fell most") and asked.warnings == ()
    cache.close()
