"""`contributors`: planted holdings and prices with hand-computed contributions; holdings download,
fallback and caching; partial answers; bad input; the CLI over the real IWM holdings file."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import aiohttp
import numpy as np
import pandas as pd
import pytest

from analytics import calendar
from analytics.commands.contributors import contributors_answer, contributors_request
from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.data.provider import BAR_COLUMNS, FetchResult
from analytics.errors import BadInput, NoData, UpstreamError
from analytics.holdings import HoldingsStore, parse_ishares_holdings, yahoo_symbol
from tests.cli import run
from tests.fakes.ishares import FakeIShares, Reply, error_reply, html_reply
from tests.fakes.prices import RecordingProvider, bars_for

NOW = pd.Timestamp("2024-07-01 20:00", tz="America/New_York").tz_convert("UTC").to_pydatetime()
TODAY = dt.date(2024, 7, 1)  # NOW in New York
HOLDINGS_DATE = dt.date(2024, 6, 28)  # the Friday before
YEAR_END = dt.date(2023, 12, 29)  # the last session of 2023: B of ytd
START = dt.date(2023, 12, 21)  # first date fetched for ytd: Dec 31 less 10 days

# (ticker, name, end weight): the fund's stocks; EEE is a ticker the price source does not know.
UNIVERSE = [
    ("AAA", "ALPHA CORP", 0.40),
    ("BBB", "BRAVO INC", 0.30),
    ("CCC", "CHARLIE LTD", 0.15),
    ("DDD", "DELTA CO", 0.10),
    ("EEE", "ECHO HOLDINGS", 0.05),
]
# Planted closes: (on and before YEAR_END, after it). Returns +30%, -10%, +25%, 0%; IWM +10%.
PLANTED = {
    "IWM": (100.0, 110.0),
    "AAA": (100.0, 130.0),
    "BBB": (50.0, 45.0),
    "CCC": (20.0, 25.0),
    "DDD": (10.0, 10.0),
}


def ishares_csv(
    as_of: dt.date, universe=UNIVERSE, fund_name: str = "iShares Russell 2000 ETF"
) -> str:
    """An iShares holdings file in the real layout (preamble, header, rows, cash, disclaimer)."""
    lines = [
        f"\ufeff{fund_name}",
        f'Fund Holdings as of,"{as_of.strftime("%b %d, %Y")}"',
        'Inception Date,"May 22, 2000"',
        "\xa0",
        "Ticker,Name,Sector,Asset Class,Market Value,Weight (%),Notional Value,Quantity,Price,"
        "Location,Exchange,Currency,FX Rate,Market Currency,Accrual Date",
    ]
    for ticker, name, weight in universe:
        lines.append(
            f'"{ticker}","{name}","Industrials","Equity","1,000.00","{weight * 100:.4f}","1,000.00",'
            '"10.00","100.00","United States","NASDAQ","USD","1.00","USD","-"'
        )
    lines.append(
        '"XTSLA","BLK CSH FND","Cash and/or Derivatives","Money Market","1.00","0.00",'
        '"1.00","1.00","1.00","United States","-","USD","1.00","USD","-"'
    )
    lines += ["\xa0", '"The content is owned by BlackRock.\nHoldings subject to change."']
    return "\n".join(lines) + "\n"


def planted_bars(
    before: float, after: float, start: dt.date, end: dt.date, step: dt.date
) -> pd.DataFrame:
    """Daily bars: close `before` on sessions up to `step`, `after` on the sessions after it."""
    sessions = calendar.sessions_between(start, end)
    close = np.where(sessions.date <= step, before, after).astype("float64")
    frame = pd.DataFrame(
        {c: close for c in BAR_COLUMNS}, index=pd.DatetimeIndex(sessions, name="date")
    )
    frame["volume"] = 1000.0
    return frame


@pytest.fixture
def provider() -> RecordingProvider:
    return RecordingProvider(unknown={"EEE"})


@pytest.fixture
def make_market(tmp_path):
    """MarketData over a fresh cache at the fixed clock, for a given provider (None = offline)."""
    caches: list[PriceCache] = []

    def make(provider: RecordingProvider | None) -> MarketData:
        caches.append(PriceCache(tmp_path / f"c{len(caches)}.db"))
        return MarketData(caches[-1], provider, now=lambda: NOW)

    yield make
    for cache in caches:
        cache.close()


@pytest.fixture
def market(make_market, provider) -> MarketData:
    return make_market(provider)


def save_holdings(
    market: MarketData, as_of: dt.date = HOLDINGS_DATE, fetched_at: dt.datetime = NOW
):
    holdings = parse_ishares_holdings(ishares_csv(as_of), fund="IWM")
    HoldingsStore(market.cache.db).save(holdings, fetched_at=fetched_at)


@pytest.fixture
def planted(market: MarketData) -> MarketData:
    """Holdings as of 2024-06-28 fetched 'today', and planted bars for everything but EEE."""
    save_holdings(market)
    for ticker, (before, after) in PLANTED.items():
        market.import_bars(
            ticker,
            planted_bars(before, after, dt.date(2023, 12, 1), HOLDINGS_DATE, YEAR_END),
            "test",
        )
    return market


def request(**options):
    return contributors_request(today=TODAY, **options)


# ---------------------------------------------------------------- planted: hand-computed answers


async def test_planted_contributions_match_the_hand_computation(planted, provider):
    result = await contributors_answer(planted, None, request(top=2))
    data = result.data
    # Start weight = end weight x (1 + fund return) / (1 + own return); contribution = that x return.
    aaa = 0.40 * 1.10 / 1.30 * 0.30
    bbb = 0.30 * 1.10 / 0.90 * -0.10
    ccc = 0.15 * 1.10 / 1.25 * 0.25
    total = aaa + bbb + ccc + 0.0
    assert (data["start"], data["end"], data["holdings_as_of"]) == (
        "2023-12-29",
        "2024-06-28",
        "2024-06-28",
    )
    assert data["fund_return"] == pytest.approx(0.10)
    assert [e["ticker"] for e in data["top"]] == ["AAA", "CCC"]
    assert [e["ticker"] for e in data["bottom"]] == ["BBB", "DDD"]
    assert data["top"][0] == {
        "ticker": "AAA",
        "name": "ALPHA CORP",
        "start_weight": pytest.approx(0.40 * 1.10 / 1.30),
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
    assert data["partial"] is False
    assert result.warnings == (
        "Fake does not know 1 constituent (EEE; 5.00% of the fund); left out.",
    )
    assert result.as_of == HOLDINGS_DATE
    assert (
        result.title
        == f"IWM +10.00% YTD: top 2 names added {(aaa + ccc) * 100:.2f} pts ({(aaa + ccc) / 0.1:.0%} of the gain)"
    )
    assert [r[0] for r in result.tables[0].rows] == ["AAA", "CCC"]
    assert result.tables[0].rows[0][2:] == ("33.85%", "+30.0%", f"{aaa * 1e4:+,.1f}")
    # Everything but EEE was imported: only the unknown name was asked for.
    assert provider.calls == [(("EEE",), START, HOLDINGS_DATE)]


async def test_a_second_call_does_not_touch_the_network(planted, provider):
    first = await contributors_answer(planted, None, request())
    calls = list(provider.calls)
    second = await contributors_answer(planted, None, request())
    assert provider.calls == calls  # the unknown constituent is not asked about again
    assert second.data == first.data
    assert second.warnings == first.warnings


async def test_window_ends_on_the_requested_date_when_holdings_are_far_and_warns(planted):
    result = await contributors_answer(
        planted, None, request(window="3m", as_of=dt.date(2024, 3, 28))
    )
    assert result.data["end"] == "2024-03-28"
    assert result.data["holdings_as_of"] == "2024-06-28"
    assert any(
        "92 days from the window's end (2024-03-28)" in w and "approximate" in w
        for w in result.warnings
    )


async def test_holdings_a_few_days_before_as_of_set_the_window_end(planted):
    result = await contributors_answer(planted, None, request(as_of=dt.date(2024, 7, 1)))
    assert (result.data["end"], result.as_of) == ("2024-06-28", HOLDINGS_DATE)
    assert not any("approximate" in w for w in result.warnings)


async def test_period_to_date_never_snaps_back_into_the_previous_period(planted):
    # Holdings of Friday 2024-06-28 (end of Q2); on Monday 2024-07-01 "QTD" means Q3 so far.
    result = await contributors_answer(planted, None, request(window="qtd", as_of=TODAY))
    assert (result.data["start"], result.data["end"]) == ("2024-06-28", "2024-07-01")
    mtd = await contributors_answer(planted, None, request(window="mtd", as_of=TODAY))
    assert (mtd.data["start"], mtd.data["end"]) == ("2024-06-28", "2024-07-01")


async def test_a_fall_is_told_as_the_bottom_names_share_of_the_drop(market):
    save_holdings(market)
    # Mirror the planted move: every name and the fund fall instead.
    for ticker, (before, after) in PLANTED.items():
        market.import_bars(
            ticker,
            planted_bars(after, before, dt.date(2023, 12, 1), HOLDINGS_DATE, YEAR_END),
            "test",
        )
    result = await contributors_answer(market, None, request(top=1))
    fund = 100 / 110 - 1
    aaa = 0.40 * (1 + fund) / (100 / 130) * (100 / 130 - 1)
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


async def test_cold_call_downloads_holdings_prices_all_at_once_then_stays_offline(market, provider):
    progress: list[tuple[int, int]] = []
    downloads: list[str] = []
    async with (
        FakeIShares(ajax=csv_reply(ishares_csv(HOLDINGS_DATE))) as fake,
        aiohttp.ClientSession() as session,
    ):
        first = await contributors_answer(
            market,
            session,
            request(),
            base_url=fake.base_url,
            progress=lambda d, t: progress.append((d, t)),
            on_download=lambda: downloads.append("now"),
            chart=False,
        )
        assert len(fake.requests) == 1 and downloads == ["now"]
        # One provider call for the ETF and all constituents, with progress around it.
        assert provider.calls == [
            (("IWM", "AAA", "BBB", "CCC", "DDD", "EEE"), START, HOLDINGS_DATE)
        ]
        assert progress == [(0, 6), (6, 6)]
        second = await contributors_answer(
            market, session, request(), base_url=fake.base_url, chart=False
        )
        assert len(fake.requests) == 1  # holdings are refreshed at most daily
        assert len(provider.calls) == 1
    assert second.data == first.data

    # Independently: returns from the fake's own bars, contributions from the formula.
    def ret(ticker):
        closes = bars_for(ticker, START, HOLDINGS_DATE)["adj_close"]
        return closes[pd.Timestamp(HOLDINGS_DATE)] / closes[pd.Timestamp(YEAR_END)] - 1

    fund = ret("IWM")
    weights = {t: w for t, _, w in UNIVERSE if t != "EEE"}
    bp = {t: w * (1 + fund) / (1 + ret(t)) * ret(t) * 1e4 for t, w in weights.items()}
    assert first.data["fund_return"] == pytest.approx(fund)
    assert first.data["sum_contributions_bp"] == pytest.approx(sum(bp.values()))
    assert [e["ticker"] for e in first.data["top"]] == sorted(bp, key=bp.get, reverse=True)


async def test_failed_download_uses_the_cached_snapshot_and_says_which(market):
    yesterday = NOW - dt.timedelta(days=1)
    save_holdings(market, as_of=dt.date(2024, 6, 27), fetched_at=yesterday)
    async with (
        FakeIShares(ajax=html_reply(), latest=html_reply()) as fake,
        aiohttp.ClientSession() as session,
    ):
        result = await contributors_answer(
            market, session, request(), base_url=fake.base_url, chart=False
        )
    assert len(fake.requests) == 2
    assert result.warnings[0] == (
        "Could not download IWM holdings from iShares (a web page instead of the file); "
        "using the cached holdings as of 2024-06-27."
    )
    assert result.data["holdings_as_of"] == "2024-06-27"
    assert result.data["end"] == "2024-06-27"


async def test_failed_download_with_nothing_cached_says_how_to_import(market, provider):
    async with (
        FakeIShares(ajax=error_reply(500), latest=error_reply(503)) as fake,
        aiohttp.ClientSession() as session,
    ):
        with pytest.raises(UpstreamError) as caught:
            await contributors_answer(market, session, request(), base_url=fake.base_url)
    assert caught.value.message.startswith(
        "Could not download IWM holdings from iShares (HTTP 500, HTTP 503)."
    )
    assert "`marketbot import holdings IWM FILE`" in caught.value.message
    assert provider.calls == []


async def test_offline_with_no_holdings_says_to_import(make_market):
    market = make_market(None)
    with pytest.raises(NoData) as caught:
        await contributors_answer(market, None, request(fund="ijr"))
    assert caught.value.message == (
        "No IJR holdings are cached and offline mode is on. Download the holdings CSV from "
        "https://www.ishares.com/us/products/239774/ishares-core-sp-smallcap-etf and run "
        "`marketbot import holdings IJR FILE`."
    )


# ---------------------------------------------------------------- partial answers


class HalfwayRateLimited(RecordingProvider):
    """Answers the first `answered` tickers of a call, then is rate limited for the rest."""

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
    provider = HalfwayRateLimited(answered=3)  # IWM, AAA, BBB
    market = make_market(provider)
    save_holdings(market)
    result = await contributors_answer(market, None, request(), chart=False)

    def ret(ticker):
        closes = bars_for(ticker, START, HOLDINGS_DATE)["adj_close"]
        return closes[pd.Timestamp(HOLDINGS_DATE)] / closes[pd.Timestamp(YEAR_END)] - 1

    fund = ret("IWM")
    priced = {"AAA": 0.40, "BBB": 0.30}
    expected = sum(w * (1 + fund) / (1 + ret(t)) * ret(t) for t, w in priced.items())
    assert result.data["partial"] is True
    assert result.data["unpriced_tickers"] == ["CCC", "DDD", "EEE"]
    assert result.data["sum_contributions_bp"] == pytest.approx(expected * 1e4)
    assert result.data["breadth"]["priced"] == 2
    assert "Fake is rate limited; showing cached data as of 2024-06-28." in result.warnings
    assert (
        "Partial answer: prices for 3 of 5 constituents (30.0% of the fund) could not be fetched, "
        "so the sum of contributions covers only the priced names. Ask again later for the full answer."
    ) in result.warnings

    provider.answered = 99
    full = await contributors_answer(market, None, request(), chart=False)
    assert provider.calls[-1] == (
        ("CCC", "DDD", "EEE"),
        START,
        HOLDINGS_DATE,
    )  # only what was missing
    assert full.data["partial"] is False
    assert full.data["unpriced"] == 0
    assert full.warnings == ()


async def test_stale_cache_behind_a_rate_limit_is_not_used_as_the_end_price(make_market):
    provider = RecordingProvider()
    market = make_market(provider)
    save_holdings(market)
    # IWM and BBB are cached through the holdings date; AAA only through 2024-06-26.
    for ticker in ("IWM", "BBB"):
        market.import_bars(ticker, bars_for(ticker, dt.date(2023, 12, 1), HOLDINGS_DATE), "test")
    market.import_bars("AAA", bars_for("AAA", dt.date(2023, 12, 1), dt.date(2024, 6, 26)), "test")
    provider.fail_reason, provider.rate_limited = "rate limited", True
    result = await contributors_answer(market, None, request(), chart=False)
    assert result.data["partial"] is True
    assert result.data["unpriced_tickers"] == ["AAA", "CCC", "DDD", "EEE"]
    assert [e["ticker"] for e in result.data["top"]] == ["BBB"]
    assert any(
        w.startswith("Partial answer: prices for 4 of 5 constituents (70.0% of the fund)")
        for w in result.warnings
    )


async def test_offline_cache_that_stops_early_is_partial_not_stale(make_market):
    market = make_market(None)
    save_holdings(market)
    for ticker, (before, after) in PLANTED.items():
        last = dt.date(2024, 6, 26) if ticker == "DDD" else HOLDINGS_DATE
        market.import_bars(
            ticker, planted_bars(before, after, dt.date(2023, 12, 1), last, YEAR_END), "test"
        )
    result = await contributors_answer(market, None, request(), chart=False)
    # DDD's last cached close is two sessions old: left out, and EEE is not cached at all.
    assert result.data["unpriced_tickers"] == ["DDD", "EEE"]
    assert result.data["partial"] is True
    assert result.warnings == (
        "Partial answer: prices for 2 of 5 constituents (15.0% of the fund) could not be read "
        "from the cache (offline), so the sum of contributions covers only the priced names. "
        "Import their prices or go online for the full answer.",
    )


async def test_nothing_priced_is_no_data_with_the_reason(make_market):
    provider = HalfwayRateLimited(answered=1)  # only the ETF
    market = make_market(provider)
    save_holdings(market)
    with pytest.raises(NoData) as caught:
        await contributors_answer(market, None, request(), chart=False)
    assert caught.value.message == (
        "None of the 5 IWM constituents could be priced from 2023-12-29 to 2024-06-28. "
        "Fake is rate limited; showing cached data as of 2024-06-28."
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


# ---------------------------------------------------------------- the CLI, over the real IWM file

IWM_2026 = "IWM_holdings_2026-05-05_ishares_raw.csv"


def equity_weights(path: Path) -> dict[str, float]:
    """The file's equity rows read with the csv module: ticker -> summed weight (fraction)."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("Ticker,"))
    weights: dict[str, float] = {}
    for row in csv.DictReader(lines[header:]):
        if row["Name"] is None:
            break
        if row["Asset Class"] == "Equity" and row["Ticker"] != "-":
            weights[row["Ticker"]] = (
                weights.get(row["Ticker"], 0.0) + float(row["Weight (%)"]) / 100
            )
    return weights


def planted_return(i: int) -> float:
    """The i-th constituent's planted 5-session return: -10% ... +10% in 1-point steps."""
    return (i % 21 - 10) / 100


def test_cli_real_iwm_holdings_with_generated_prices(shared_data, cli_env, capsys):
    path = shared_data / "holdings" / IWM_2026
    weights = equity_weights(path)
    code, out, err = run(capsys, "import", "holdings", "IWM", str(path), "--json")
    assert code == 0, err
    imported = json.loads(out)
    assert (imported["constituents"], imported["as_of"], imported["unmapped"]) == (
        len(weights),
        "2026-05-05",
        [],
    )

    # Prices: every constituent moves by its planted return over the 5 sessions to 2026-05-05.
    tickers = sorted(weights)
    begin, end = dt.date(2026, 4, 28), dt.date(2026, 5, 5)
    sessions = [d.date() for d in calendar.sessions_between(dt.date(2026, 4, 21), end)]
    returns = {t: planted_return(i) for i, t in enumerate(tickers)}
    returns["IWM"] = 0.02
    with open(cli_env / "prices.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Symbol", "Date", "Close"])
        for ticker, r in returns.items():
            symbol = ticker if ticker == "IWM" else yahoo_symbol(ticker)
            for day in sessions:
                writer.writerow([symbol, day.isoformat(), 50.0 if day <= begin else 50.0 * (1 + r)])
    assert run(capsys, "import", "prices", str(cli_env / "prices.csv"))[0] == 0

    code, out, err = run(
        capsys,
        "--offline",
        "contributors",
        "iwm",
        "--window",
        "5d",
        "--as-of",
        "2026-05-05",
        "--top",
        "3",
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    bp = {yahoo_symbol(t): weights[t] * 1.02 / (1 + returns[t]) * returns[t] * 1e4 for t in tickers}
    best = sorted(bp, key=lambda t: (-bp[t], t))[:3]
    assert data["constituents"] == len(weights)
    assert (data["start"], data["end"], data["holdings_as_of"]) == (
        "2026-04-28",
        "2026-05-05",
        "2026-05-05",
    )
    assert data["fund_return"] == pytest.approx(0.02)
    assert [e["ticker"] for e in data["top"]] == best
    assert [e["contribution_bp"] for e in data["top"]] == pytest.approx([bp[t] for t in best])
    assert data["sum_contributions_bp"] == pytest.approx(sum(bp.values()))
    up = sum(1 for t in tickers if returns[t] > 0)
    down = sum(1 for t in tickers if returns[t] < 0)
    assert data["breadth"] == {
        "up": up,
        "down": down,
        "unchanged": len(tickers) - up - down,
        "priced": len(tickers),
        "share_up": pytest.approx(up / len(tickers)),
    }
    assert (data["unpriced"], data["partial"]) == (0, False)
    assert set(data) >= {
        "fund",
        "window",
        "start",
        "end",
        "holdings_as_of",
        "fund_return",
        "sum_contributions_bp",
        "explained_share",
        "unpriced",
        "constituents",
        "top",
        "bottom",
        "breadth",
        "partial",
    }

    code, out, err = run(
        capsys, "--offline", "contributors", "--window", "5d", "--as-of", "2026-05-05"
    )
    assert code == 0, err
    assert "Top contributors" in out and "IWM +2.00% over 5 sessions" in out


def test_cli_import_holdings_rejects_another_funds_file(shared_data, cli_env, capsys):
    code, out, err = run(
        capsys, "import", "holdings", "IVV", str(shared_data / "holdings" / IWM_2026)
    )
    assert code == 2
    assert err.startswith("marketbot: This file holds IWM (iShares Russell 2000 ETF), not IVV.")


def test_cli_unknown_fund_and_offline_without_holdings(cli_env, capsys):
    code, _, err = run(capsys, "contributors", "SPY")
    assert (code, err.split(".")[0]) == (2, "marketbot: No holdings source for fund 'SPY'")
    code, _, err = run(capsys, "--offline", "contributors", "IWM")
    assert code == 2
    assert "run `marketbot import holdings IWM FILE`" in err
