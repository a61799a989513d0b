"""`contributors`: planted holdings and prices with hand-computed contributions; holdings download
(through the data facade's HTTP bridge from the answer's worker thread), fallback and caching;
partial answers; bad input."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest

from analytics.commands.contributors import CONTRIBUTORS
from analytics.commands.contributors._answer import contributors_report
from analytics.coverage import InsufficientCoverage
from analytics.data.market import MarketData
from analytics.data.provider import FetchResult
from analytics.errors import BadInput, NoData, UpstreamError
from analytics.spec import ParseContext
from tests.analytics.commands.contributors.planted import (
    HOLDINGS_DATE,
    NOW,
    PLANTED,
    START,
    TODAY,
    UNIVERSE,
    YEAR_END,
    planted_bars,
    save_holdings,
)
from tests.fakes.ishares import (
    FakeIShares,
    Reply,
    downloads_from,
    error_reply,
    html_reply,
    ishares_csv,
)
from tests.fakes.prices import RecordingProvider, bars_for
from tests.fakes.progress import RecordingProgress


def carried(weights: dict[str, float], at_h: dict[str, float], at_s: dict[str, float]):
    """Weights at S written out: w(H) x P(S) / P(H), rescaled so that the names keep the
    weight they had together at H."""
    grown = {t: w * at_s[t] / at_h[t] for t, w in weights.items()}
    scale = sum(weights.values()) / sum(grown.values())
    return {t: g * scale for t, g in grown.items()}


FAR = (
    "Holdings of 2024-06-28 are 182 days after the window's start (2023-12-29), more than 92 "
    "days: names that joined or left the fund in between are missed, so the weights are "
    "approximate."
)


def request(**options):
    """The spec's parse, as both front ends run it (defaults filled in)."""
    return CONTRIBUTORS.parse_values(options, ParseContext(today=TODAY))


async def ask(market: MarketData, req, *, progress=None):
    """The answer computed in a worker thread, as the front ends do (downloads go through the
    facade's HTTP bridge on this loop)."""
    return await asyncio.to_thread(lambda: contributors_report(market, req, progress).answer())


# ---------------------------------------------------------------- planted: hand-computed answers


async def test_planted_contributions_match_the_hand_computation(planted, provider):
    result = await ask(planted, request(top=2))
    data = result.data
    # Weights at S (2023-12-29) from the file of 2024-06-28, carried back by each name's move:
    # w(H) x P(S) / P(H), rescaled so the four priced names keep the 95% they held at H.
    grown = {"AAA": 0.40 * 100 / 130, "BBB": 0.30 * 50 / 45, "CCC": 0.15 * 20 / 25, "DDD": 0.10}
    scale = 0.95 / sum(grown.values())
    w = {t: g * scale for t, g in grown.items()}
    aaa, bbb, ccc = w["AAA"] * 0.30, w["BBB"] * -0.10, w["CCC"] * 0.25
    total = aaa + bbb + ccc + 0.0
    assert (data["start"], data["end"], data["holdings_as_of"], data["weights_at"]) == (
        "2023-12-29",
        "2024-07-01",  # the window ends on the session asked, never on the holdings date
        "2024-06-28",
        "2023-12-29",
    )
    assert data["holdings_distance_days"] == 182
    assert data["fund_return"] == pytest.approx(0.10)
    assert [e["ticker"] for e in data["top"]] == ["AAA", "CCC"]
    assert [e["ticker"] for e in data["bottom"]] == ["BBB", "DDD"]
    assert data["top"][0] == {
        "ticker": "AAA",
        "name": "ALPHA CORP",
        "holdings_weight": pytest.approx(0.40),
        "start_weight": pytest.approx(w["AAA"]),
        "return": pytest.approx(0.30),
        "contribution_bp": pytest.approx(aaa * 1e4),
    }
    assert data["top"][1]["contribution_bp"] == pytest.approx(ccc * 1e4)
    assert data["bottom"][0]["contribution_bp"] == pytest.approx(bbb * 1e4)
    assert data["bottom"][1]["contribution_bp"] == 0.0
    assert data["sum_contributions_bp"] == pytest.approx(total * 1e4)
    assert data["explained_share"] == pytest.approx(total / 0.10)
    assert data["concentration"] == pytest.approx((aaa + ccc) / 0.10)
    assert (data["unpriced"], data["unpriced_tickers"], data["constituents"]) == (1, ["EEE"], 5)
    assert data["breadth"] == {"up": 2, "down": 1, "unchanged": 1, "priced": 4, "share_up": 0.5}
    # EEE is 5% of the fund: 95% of the weight is priced, below the 98% of a complete answer.
    assert data["coverage"] == {"priced": 4, "universe": 5, "weight_share": pytest.approx(0.95)}
    assert data["partial"] is True
    assert result.warnings == (
        FAR,
        "Fake does not know 1 constituent (EEE; 5.00% of the fund); left out.",
        "Partial answer: 4 of 5 constituents (95.0% of the weight) have prices at Fake from "
        "2023-12-29 to 2024-07-01, so the sum of contributions covers only those. Import their "
        "prices for the full answer.",
    )
    assert result.as_of == TODAY
    assert (result.data["behind"], result.source) == (None, "test")  # the rows' own source
    assert result.title == (
        f"IWM +10.00% YTD: top 2 names added {(aaa + ccc) * 100:.2f} pts "
        f"({(aaa + ccc) / 0.1:.0%} of the gain) · partial: 95.0% of the weight"
    )
    assert "Weights at 2023-12-29 from the 2024-06-28 holdings (182 days after" in result.summary
    assert "Coverage: 4 of 5 IWM names priced (95.0% of its equity weight); partial." in (
        result.summary
    )
    assert [r[0] for r in result.tables[0].rows] == ["AAA", "CCC"]
    # The table holds raw values (weight and return as fractions, bp), formatted by their units.
    assert result.tables[0].rows[0][2:] == pytest.approx((w["AAA"], 0.30, aaa * 1e4))
    assert result.tables[0].text_rows()[0][2:] == (
        f"{w['AAA']:.2%}",
        "+30.0%",
        f"{aaa * 1e4:+,.1f}",
    )
    # Everything but EEE was imported: only the unknown name was asked for.
    assert provider.calls == [(("EEE",), START, TODAY)]


async def test_a_second_call_does_not_touch_the_network(planted, provider):
    first = await ask(planted, request())
    calls = list(provider.calls)
    second = await ask(planted, request())
    assert provider.calls == calls  # the unknown constituent is not asked about again
    assert second.data == first.data
    assert second.warnings == first.warnings


async def test_window_ends_on_the_requested_date_and_a_far_snapshot_is_named(planted):
    result = await ask(planted, request(window="3m", as_of=dt.date(2024, 3, 28)))
    assert (result.data["start"], result.data["end"]) == ("2023-12-28", "2024-03-28")
    assert result.data["holdings_as_of"] == "2024-06-28"
    assert result.data["holdings_distance_days"] == (HOLDINGS_DATE - dt.date(2023, 12, 28)).days
    assert result.warnings[0].startswith(
        "Holdings of 2024-06-28 are 183 days after the window's start (2023-12-28), more than "
        "92 days"
    )


async def test_a_window_starting_on_the_holdings_date_uses_the_files_weights(planted):
    # QTD on Monday 2024-07-01 starts on Friday 2024-06-28, the holdings date: weights as filed.
    result = await ask(planted, request(window="qtd", as_of=TODAY, top=5))
    data = result.data
    assert (data["start"], data["end"], data["weights_at"]) == (
        "2024-06-28",
        "2024-07-01",
        "2024-06-28",
    )
    assert data["holdings_distance_days"] == 0
    weights = {t: w for t, _, w in UNIVERSE}
    for entry in data["top"] + data["bottom"]:
        assert (
            entry["start_weight"]
            == entry["holdings_weight"]
            == pytest.approx(weights[entry["ticker"]], abs=1e-15)
        )
    assert "Weights at 2024-06-28 are the 2024-06-28 holdings' own." in result.summary
    assert not any("approximate" in w for w in result.warnings)
    mtd = await ask(planted, request(window="mtd", as_of=TODAY))
    assert (mtd.data["start"], mtd.data["end"]) == ("2024-06-28", "2024-07-01")


async def test_a_fall_is_told_as_the_bottom_names_share_of_the_drop(market):
    save_holdings(market)
    # Mirror the planted move: every name and the fund fall instead.
    for ticker, (before, after) in PLANTED.items():
        market.import_bars(
            ticker, planted_bars(after, before, dt.date(2023, 12, 1), TODAY, YEAR_END), "test"
        )
    result = await ask(market, request(top=1))
    fund = 100 / 110 - 1
    w = carried(
        {"AAA": 0.40, "BBB": 0.30, "CCC": 0.15, "DDD": 0.10},
        {"AAA": 100, "BBB": 50, "CCC": 20, "DDD": 10},  # at H, after the step
        {"AAA": 130, "BBB": 45, "CCC": 25, "DDD": 10},  # at S
    )
    aaa = w["AAA"] * (100 / 130 - 1)
    assert result.data["bottom"][0]["ticker"] == "AAA"
    assert result.data["bottom"][0]["contribution_bp"] == pytest.approx(aaa * 1e4)
    assert result.title.startswith(
        f"IWM {fund:+.2%} YTD: bottom 1 name took off {abs(aaa) * 100:.2f} pts"
    )
    assert result.tone == -1


# ---------------------------------------------------------------- holdings download and fallback


@pytest.fixture
def holdings_file(tmp_path) -> Path:
    path = tmp_path / "IWM_holdings.csv"
    path.write_text(ishares_csv(HOLDINGS_DATE), encoding="utf-8")
    return path


def csv_reply(text: str) -> Reply:
    return Reply(200, text.encode("utf-8"), "text/csv")


def fake_close(ticker: str, day: dt.date) -> float:
    """The fake provider's adjusted close on a session."""
    return float(bars_for(ticker, day, day)["adj_close"].iloc[0])


def expected_bp(
    weights: dict[str, float], start: dt.date, end: dt.date, holdings: dt.date = HOLDINGS_DATE
) -> dict[str, float]:
    """Contributions in bp from the fake's closes: weights carried from H to S, times R."""
    at_h = {t: fake_close(t, holdings) for t in weights}
    at_s = {t: fake_close(t, start) for t in weights}
    w = carried(weights, at_h, at_s)
    return {t: w[t] * (fake_close(t, end) / at_s[t] - 1) * 1e4 for t in weights}


async def test_cold_call_downloads_holdings_then_prices_the_fund_and_its_constituents(
    market, provider
):
    progress = RecordingProgress()
    async with (
        FakeIShares(ajax=csv_reply(ishares_csv(HOLDINGS_DATE))) as fake,
        downloads_from(market, fake),
    ):
        first = await ask(market, request(), progress=progress)
        assert len(fake.requests) == 1
        # The download is announced as its own phase, then the pricing of the constituents.
        assert progress.phases == ["Downloading IWM holdings", "Pricing IWM constituents"]
        # The fund's own prices fix the window; then all constituents in one call, with progress.
        assert provider.calls == [
            (("IWM",), START, TODAY),
            (("AAA", "BBB", "CCC", "DDD", "EEE"), START, TODAY),
        ]
        assert progress.counts == [(0, 5), (5, 5)]
        second = await ask(market, request())
        assert len(fake.requests) == 1  # holdings are refreshed at most daily
        assert len(provider.calls) == 2
    assert second.data == first.data

    fund = fake_close("IWM", TODAY) / fake_close("IWM", YEAR_END) - 1
    bp = expected_bp({t: w for t, _, w in UNIVERSE if t != "EEE"}, YEAR_END, TODAY)
    assert first.data["fund_return"] == pytest.approx(fund)
    assert first.data["sum_contributions_bp"] == pytest.approx(sum(bp.values()))
    assert [e["ticker"] for e in first.data["top"]] == sorted(bp, key=bp.get, reverse=True)
    assert [e["contribution_bp"] for e in first.data["top"]] == pytest.approx(
        sorted(bp.values(), reverse=True)
    )


async def test_a_current_file_nearer_the_start_is_downloaded_and_a_failure_says_which_is_used(
    market,
):
    # Stored: 2024-06-20, fetched yesterday. A 1d window starts 2024-06-28: a current file
    # (about 2024-07-01, 3 days away) is nearer than the stored one (8 days), so it is asked for.
    yesterday = NOW - dt.timedelta(days=1)
    save_holdings(market, as_of=dt.date(2024, 6, 20), fetched_at=yesterday)
    async with (
        FakeIShares(ajax=html_reply(), latest=html_reply()) as fake,
        downloads_from(market, fake),
    ):
        result = await ask(market, request(window="1d"))
    assert len(fake.requests) == 2
    assert result.warnings[0] == (
        "Could not download IWM holdings from iShares (a web page instead of the file); "
        "using the stored holdings of 2024-06-20."
    )
    assert (result.data["holdings_as_of"], result.data["weights_at"]) == (
        "2024-06-20",
        "2024-06-28",
    )
    assert result.data["end"] == "2024-07-01"


async def test_a_stored_file_nearer_the_start_than_a_current_one_is_not_refreshed(market):
    # YTD starts 2023-12-29: the stored 2024-06-27 (181 days) beats a current file (185 days).
    save_holdings(market, as_of=dt.date(2024, 6, 27), fetched_at=NOW - dt.timedelta(days=3))
    async with FakeIShares(ajax=html_reply()) as fake, downloads_from(market, fake):
        result = await ask(market, request())
    assert fake.requests == []
    assert result.data["holdings_as_of"] == "2024-06-27"


async def test_failed_download_with_nothing_cached_says_how_to_import(market, provider):
    async with (
        FakeIShares(ajax=error_reply(500), latest=error_reply(503)) as fake,
        downloads_from(market, fake),
    ):
        with pytest.raises(UpstreamError) as caught:
            await ask(market, request())
    assert caught.value.message.startswith(
        "Could not download IWM holdings from iShares (HTTP 500, HTTP 503)."
    )
    assert "`marketbot import holdings IWM FILE`" in caught.value.message
    assert provider.calls == []  # without holdings nothing is priced


async def test_offline_with_no_holdings_says_to_import(make_market):
    market = make_market(None)
    with pytest.raises(NoData) as caught:
        await ask(market, request(fund="ijr"))
    assert caught.value.message == (
        "No IJR holdings are stored and offline mode is on. Download the holdings CSV from "
        "https://www.ishares.com/us/products/239774/ishares-core-sp-smallcap-etf and run "
        "`marketbot import holdings IJR FILE`."
    )


async def test_holdings_more_than_a_year_from_the_start_are_refused_offline(make_market):
    market = make_market(None)
    save_holdings(market)
    for ticker, (before, after) in PLANTED.items():
        market.import_bars(
            ticker, planted_bars(before, after, dt.date(2023, 1, 1), TODAY, YEAR_END), "test"
        )
    with pytest.raises(NoData) as caught:
        await ask(market, request(window="2023-02-01:2023-03-31"))
    # The window starts on the last session on or before 2023-02-01.
    assert caught.value.message.startswith(
        f"The nearest IWM holdings are of 2024-06-28, {(HOLDINGS_DATE - dt.date(2023, 2, 1)).days} "
        "days from the window's start (2023-02-01): more than a year, too far to carry the weights. To answer, go online "
        "to download the current IWM file, or import one dated near 2023-02-01"
    )


# ---------------------------------------------------------------- partial answers


class HalfwayRateLimited(RecordingProvider):
    """Answers the first `answered` tickers of each call, then is rate limited for the rest."""

    def __init__(self, answered: int) -> None:
        super().__init__()
        self.answered = answered

    def fetch(self, tickers, start, end) -> FetchResult:
        result = super().fetch(tickers[: self.answered], start, end)
        self.calls[-1] = (tuple(tickers), start, end)
        for ticker in tickers[self.answered :]:
            result.failed[ticker] = "rate limited"
        result.rate_limited = len(tickers) > self.answered
        return result


async def test_rate_limit_halfway_gives_a_partial_answer_then_the_full_one(make_market):
    provider = HalfwayRateLimited(answered=2)  # IWM alone; then AAA and BBB of the five
    market = make_market(provider)
    save_holdings(market)
    result = await ask(market, request())

    bp = expected_bp({"AAA": 0.40, "BBB": 0.30}, YEAR_END, TODAY)
    assert result.data["partial"] is True
    assert result.data["coverage"] == {
        "priced": 2,
        "universe": 5,
        "weight_share": pytest.approx(0.70),
    }
    assert result.data["unpriced_tickers"] == ["CCC", "DDD", "EEE"]
    assert result.data["sum_contributions_bp"] == pytest.approx(sum(bp.values()))
    assert result.data["breadth"]["priced"] == 2
    assert "Fake is rate limited; showing cached data as of 2024-07-01." in result.warnings
    assert (
        "Partial answer: 2 of 5 constituents (70.0% of the weight) have prices fetched from "
        "2023-12-29 to 2024-07-01, so the sum of contributions covers only those. Ask again "
        "later for the full answer."
    ) in result.warnings
    assert result.title.endswith(" · partial: 70.0% of the weight")

    provider.answered = 99
    full = await ask(market, request())
    assert provider.calls[-1] == (("CCC", "DDD", "EEE"), START, TODAY)  # only what was missing
    assert full.data["partial"] is False
    assert full.data["coverage"]["weight_share"] == pytest.approx(1.0)
    assert full.data["unpriced"] == 0
    assert full.warnings == (FAR,)


async def test_a_fund_whose_prices_stop_early_answers_as_of_that_day_and_says_why(make_market):
    provider = RecordingProvider()
    market = make_market(provider)
    save_holdings(market)
    # Everything cached through the holdings date (AAA only through 2024-06-26); the provider
    # fails: the window ends on IWM's last cached session, 2024-06-28, and the title says so.
    for ticker in ("IWM", "BBB", "CCC", "DDD"):
        market.import_bars(ticker, bars_for(ticker, dt.date(2023, 12, 1), HOLDINGS_DATE), "test")
    market.import_bars("AAA", bars_for("AAA", dt.date(2023, 12, 1), dt.date(2024, 6, 26)), "test")
    provider.fail_reason, provider.rate_limited = "rate limited", True
    result = await ask(market, request())
    assert (result.data["end"], result.as_of) == ("2024-06-28", HOLDINGS_DATE)
    assert result.title.endswith(" · partial: 55.0% of the weight (as of 2024-06-28)")
    # The reason comes first and stands in for the data layer's own outage warning.
    assert result.warnings[0] == (
        "The data ends 2024-06-28, before 2024-07-01, the session this answer should stand on: "
        "Fake is rate limited."
    )
    assert not any(w.startswith("Fake is rate limited;") for w in result.warnings)
    assert result.data["behind"] == {
        "data_end": "2024-06-28",
        "expected": "2024-07-01",
        "why": "Fake is rate limited",
    }
    # A stale cache may not stand in for the end price: AAA is left out.
    assert result.data["unpriced_tickers"] == ["AAA", "EEE"]
    assert [e["ticker"] for e in result.data["top"]][:1] != ["AAA"]
    assert any(
        w.startswith(
            "Partial answer: 3 of 5 constituents (55.0% of the weight) have prices fetched"
        )
        and "(1 only up to an earlier day)" in w
        for w in result.warnings
    )


async def test_a_one_year_window_on_a_cache_that_ends_months_ago_reaches_back_from_its_end(
    make_market,
):
    market = make_market(None)
    save_holdings(market, as_of=dt.date(2024, 1, 31))
    # Offline, the cache ends 2024-03-28, three months before today.
    for ticker, (before, after) in PLANTED.items():
        market.import_bars(
            ticker,
            planted_bars(before, after, dt.date(2023, 1, 3), dt.date(2024, 3, 28), YEAR_END),
            "test",
        )
    result = await ask(market, request(window="1y"))
    assert (result.data["start"], result.data["end"]) == ("2023-03-28", "2024-03-28")
    assert result.title.endswith("(as of 2024-03-28)")
    assert (
        "The data ends 2024-03-28, before 2024-07-01, the session this answer should stand on: "
        "offline mode is on and the cache ends there."
    ) in result.warnings
    assert result.data["fund_return"] == pytest.approx(0.10)


async def test_offline_cache_that_stops_early_is_partial_not_stale(make_market):
    market = make_market(None)
    save_holdings(market)
    for ticker, (before, after) in PLANTED.items():
        last = dt.date(2024, 6, 26) if ticker == "DDD" else TODAY
        market.import_bars(
            ticker, planted_bars(before, after, dt.date(2023, 12, 1), last, YEAR_END), "test"
        )
    result = await ask(market, request())
    # DDD's last cached close is three sessions old: left out, and EEE is not cached at all.
    assert result.data["unpriced_tickers"] == ["DDD", "EEE"]
    assert result.data["partial"] is True
    assert result.warnings == (
        FAR,
        "Partial answer: 3 of 5 constituents (85.0% of the weight) have prices in the cache "
        "(offline) from 2023-12-29 to 2024-07-01 (1 only up to an earlier day), so the sum of "
        "contributions covers only those. Import their prices or go online for the full answer.",
    )


async def test_less_than_half_the_weight_priced_is_refused_with_what_to_do(make_market):
    provider = HalfwayRateLimited(answered=1)  # the ETF; then only AAA (40% of the fund)
    market = make_market(provider)
    save_holdings(market)
    with pytest.raises(InsufficientCoverage) as caught:
        await ask(market, request())
    assert caught.value.message == (
        "Only 1 of 5 IWM names (40.0% of its weight) have prices from 2023-12-29 to "
        "2024-07-01, too few to answer for the whole (at least 50% needed). Fake is rate "
        "limited: ask again later."
    )


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"fund": "SPY"},
            "No holdings source for fund 'SPY'. Known funds: IWM (Russell 2000), IVV",
        ),
        ({"window": "ytdd"}, "'ytdd' is not a window."),
        ({"top": 0}, "top must be a whole number from 1 to 15 (got 0); e.g. top 5."),
        ({"top": 16}, "top must be a whole number from 1 to 15 (got 16); e.g. top 5."),
        ({"as_of": dt.date(2024, 7, 2)}, "as_of 2024-07-02 is in the future;"),
    ],
)
def test_bad_input_says_what_to_type(options, message):
    with pytest.raises(BadInput) as caught:
        request(**options)
    assert caught.value.message.startswith(message)
