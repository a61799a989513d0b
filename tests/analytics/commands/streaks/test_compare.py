"""`/compare` and `marketbot compare`: returns over a window, best first, on planted and real prices."""

from __future__ import annotations

import csv
import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from analytics import calendar
from analytics.data.cache import PriceCache
from analytics.data.importers import read_price_file
from analytics.data.market import MarketData
from analytics.data.provider import BAR_COLUMNS
from analytics.errors import BadInput, NoData, UnknownSymbol
from tests.analytics.commands.streaks.ask import compare
from tests.fakes.prices import RecordingProvider, bars_for
from tests.support.cli import run

NOW = dt.datetime(2024, 7, 1, 22, 0, tzinfo=dt.UTC)  # Monday, after the close
# The planted bars end Friday 2024-06-28: at this clock they are current (no "as of" label).
PLANTED_NOW = dt.datetime(2024, 6, 28, 22, 0, tzinfo=dt.UTC)
SESSIONS = calendar.sessions_between(dt.date(2024, 1, 2), dt.date(2024, 6, 28))
XJCARTER = "prices/xjcarter_yahoo_2000-2022"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def line(start: float, step: float, n: int = len(SESSIONS)) -> np.ndarray:
    return start + step * np.arange(n, dtype=float)


PLANTED = {"AAA": line(100, 1.0), "BBB": line(200, -0.5), "CCC": line(50, 0.5)}


def bar_frame(adj: np.ndarray, index: pd.DatetimeIndex = SESSIONS) -> pd.DataFrame:
    close = adj * 1.01  # raw closes differ, so a test can tell which one was used
    return pd.DataFrame(
        {
            "open": close,
            "high": close,
            "low": close,
            "close": close,
            "adj_close": adj,
            "volume": np.full(len(adj), 1e6),
        },
        index=pd.DatetimeIndex(index, name="date"),
    )[list(BAR_COLUMNS)]


@pytest.fixture
def planted(tmp_path) -> MarketData:
    market = MarketData(PriceCache(tmp_path / "c.db"), None, now=lambda: PLANTED_NOW)
    for ticker, adj in PLANTED.items():
        market.import_bars(ticker, bar_frame(adj), "test")
    return market


@pytest.fixture
def provider() -> RecordingProvider:
    return RecordingProvider(unknown={"ZZZZ"})


@pytest.fixture
def online(tmp_path, provider) -> MarketData:
    return MarketData(PriceCache(tmp_path / "o.db"), provider, now=lambda: NOW)


def position(day: str) -> int:
    return int(SESSIONS.get_loc(pd.Timestamp(day)))


# -- planted prices -----------------------------------------------------------------------------


def test_one_month_returns_are_ranked_with_start_and_end_closes(planted):
    # 1m ending Friday 2024-06-28 starts at the last session on or before 2024-05-28 (a Tuesday).
    b, e = position("2024-05-28"), position("2024-06-28")
    answer = compare(planted, "aaa, bbb ccc", "1M")
    data = answer.to_json()
    assert (data["window"], data["start"], data["end"]) == ("1m", "2024-05-28", "2024-06-28")
    want = sorted(
        (
            {"ticker": t, "return": adj[e] / adj[b] - 1, "start_close": adj[b], "end_close": adj[e]}
            for t, adj in PLANTED.items()
        ),
        key=lambda r: -r["return"],
    )
    assert [r["ticker"] for r in data["returns"]] == ["AAA", "CCC", "BBB"]
    for got, expected in zip(data["returns"], want, strict=True):
        assert got == pytest.approx(expected)
    assert answer.title == (
        f"AAA led 3 tickers over 1 month with {(PLANTED['AAA'][e] / PLANTED['AAA'][b] - 1) * 100:+.1f}%"
    )
    [table] = answer.tables
    assert table.text_rows()[0][:2] == ("AAA", f"{want[0]['return'] * 100:+.2f}%")
    # The table holds the raw values, with their units.
    assert [(c.name, c.unit) for c in table.specs] == [
        ("ticker", "text"),
        ("return", "pct"),
        ("start close", "price"),
        ("end close", "price"),
    ]
    for row, expected in zip(table.rows, want, strict=True):
        assert row == pytest.approx(
            (expected["ticker"], expected["return"], expected["start_close"], expected["end_close"])
        )


def test_a_ticker_that_missed_the_last_session_shows_its_own_dates(planted):
    planted.import_bars("DDD", bar_frame(line(10, 0.1)[:-1], SESSIONS[:-1]), "test")
    answer = compare(planted, "AAA DDD", "5d")
    data = answer.to_json()
    aaa, ddd = (next(r for r in data["returns"] if r["ticker"] == t) for t in ("AAA", "DDD"))
    assert "start_date" not in aaa
    # DDD's own 5 sessions end at its last close, the session before the common end.
    assert (ddd["start_date"], ddd["end_date"]) == (
        SESSIONS[-7].date().isoformat(),
        SESSIONS[-2].date().isoformat(),
    )
    assert ddd["return"] == pytest.approx(
        (10 + 0.1 * (len(SESSIONS) - 2)) / (10 + 0.1 * (len(SESSIONS) - 7)) - 1
    )
    assert f"DDD has no close on {SESSIONS[-1].date()}" in answer.warnings[0]


def test_a_date_range_ignores_as_of_and_says_so(planted):
    answer = compare(planted, "AAA BBB", "2024-02-01:2024-03-01", dt.date(2024, 6, 1))
    data = answer.to_json()
    assert (data["start"], data["end"]) == ("2024-02-01", "2024-03-01")
    b, e = position("2024-02-01"), position("2024-03-01")
    assert data["returns"][0]["return"] == pytest.approx(PLANTED["AAA"][e] / PLANTED["AAA"][b] - 1)
    assert "as_of 2024-06-01 is ignored" in answer.warnings[0]


def test_the_chart_is_a_png(planted):
    assert compare(planted, "AAA BBB CCC", "3m").png[:8] == PNG_SIGNATURE


def test_the_chart_lines_end_at_the_returns_shown(planted):
    answer = compare(planted, "AAA BBB CCC", "3m")
    fig = answer.chart.figure()
    ax = fig.axes[0]
    lines = [ln for ln in ax.lines if len(ln.get_ydata()) > 2]
    shown = answer.to_json()["returns"]
    assert len(lines) == len(shown) == 3
    for line, row in zip(lines, shown, strict=True):
        assert line.get_ydata()[-1] == pytest.approx(100 * (1 + row["return"]))
    assert [t.get_text() for t in ax.texts] == [
        f"{r['ticker']} {r['return'] * 100:+.1f}%" for r in shown
    ]
    assert answer.title in [t.get_text() for t in fig.texts]
    # Independently: 3m before 2024-06-28 is 2024-03-28, a session; AAA rises 1 a session.
    b, e = position("2024-03-28"), position("2024-06-28")
    assert shown[0]["ticker"] == "AAA"
    assert shown[0]["return"] == pytest.approx(PLANTED["AAA"][e] / PLANTED["AAA"][b] - 1)
    assert answer.result.by_ticker() == {r["ticker"]: pytest.approx(r["return"]) for r in shown}


def test_the_defaults_are_iwm_spy_qqq_year_to_date(online, provider):
    data = compare(online).to_json()
    assert (data["window"], data["start"], data["end"]) == ("ytd", "2023-12-29", "2024-07-01")
    by_hand = {}
    for ticker in ("IWM", "SPY", "QQQ"):
        adj = bars_for(ticker, dt.date(2023, 12, 29), dt.date(2024, 7, 1))["adj_close"]
        by_hand[ticker] = adj.iloc[-1] / adj.iloc[0] - 1
    ranked = sorted(by_hand, key=lambda t: -by_hand[t])
    assert [(r["ticker"], r["return"]) for r in data["returns"]] == [
        (t, pytest.approx(by_hand[t])) for t in ranked
    ]


def test_only_the_window_is_fetched(online, provider):
    answer = compare(online, "IWM ^RUT", "1m")
    # E = 2024-07-01; earliest_needed: (E - 7 days) - 1 month - 10 days = 2024-05-14.
    assert provider.calls == [(("IWM", "^RUT"), dt.date(2024, 5, 14), dt.date(2024, 7, 1))]
    data = answer.to_json()
    assert (data["start"], data["end"]) == ("2024-05-31", "2024-07-01")
    got = {r["ticker"]: r["return"] for r in data["returns"]}
    for ticker in ("IWM", "^RUT"):
        adj = bars_for(ticker, dt.date(2024, 5, 31), dt.date(2024, 7, 1))["adj_close"]
        assert got[ticker] == pytest.approx(adj.iloc[-1] / adj.iloc[0] - 1)


# -- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tickers", "window", "as_of", "message"),
    [
        ("IWM SPY iwm", "ytd", None, "IWM is listed twice; give each ticker once."),
        ("IWM", "ytd", None, "Give between 2 and 10 tickers (got 1)."),
        (
            " ".join(f"T{i}" for i in range(11)),
            "ytd",
            None,
            "Give between 2 and 10 tickers (got 11).",
        ),
        ("IWM SPY", "2x", None, "'2x' is not a window."),
        ("IWM SPY", "ytd", dt.date(2024, 7, 2), "as_of 2024-07-02 is in the future"),
    ],
)
def test_bad_input_is_rejected_before_any_fetch(online, provider, tickers, window, as_of, message):
    with pytest.raises(BadInput) as error:
        compare(online, tickers, window, as_of)
    assert error.value.message.startswith(message)
    assert provider.calls == []
    assert online.cache.status() == []


def test_unknown_ticker_leaves_nothing_in_the_cache(online):
    with pytest.raises(UnknownSymbol, match="Unknown symbol: ZZZZ"):
        compare(online, "IWM ZZZZ", "1m")
    assert online.cache.read_bars(["ZZZZ"]).empty
    assert online.cache.coverage(["ZZZZ"]) == {}


@pytest.mark.parametrize(
    ("tickers", "window", "as_of", "message"),
    [
        (
            "AAA NEW",
            "3m",
            None,
            "Not enough history for NEW to measure over 3 months. NEW: Window 3m starts "
            "2024-03-28 but the data begins 2024-06-03. Use a shorter window, or leave NEW out.",
        ),
        (
            "AAA BBB",
            "1y",
            dt.date(2024, 6, 14),
            "Window 1y starts 2023-06-14 but the data begins 2024-01-02. "
            "Use a shorter window or a later as_of.",
        ),
        (
            "AAA BBB",
            "ytd",
            dt.date(2023, 6, 1),
            "AAA has no prices on or before 2023-06-01: its data begins 2024-01-02. "
            "Give a later as_of (or window), or leave AAA out.",
        ),
    ],
)
def test_not_enough_data_is_explained_and_changes_nothing(planted, tickers, window, as_of, message):
    june = SESSIONS[SESSIONS.searchsorted(pd.Timestamp("2024-06-03")) :]
    planted.import_bars("NEW", bar_frame(line(5, 0.1, len(june)), june), "test")
    before = (planted.cache.status(), planted.cache.coverage(["AAA", "BBB", "NEW"]))
    with pytest.raises(NoData) as error:
        compare(planted, tickers, window, as_of)
    assert error.value.message == message
    assert (planted.cache.status(), planted.cache.coverage(["AAA", "BBB", "NEW"])) == before


# -- real data ---------------------------------------------------------------------------------


def adj_closes(path) -> dict[str, float]:
    with open(path, newline="") as handle:
        return {r["Date"]: float(r["Adj Close"]) for r in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def real(shared_data, tmp_path_factory):
    """xjcarter's Yahoo IWM, SPY and QQQ files (2000-2022) in an offline cache, and the csv rows."""
    market = MarketData(PriceCache(tmp_path_factory.mktemp("real") / "c.db"), None, now=lambda: NOW)
    rows = {}
    for ticker in ("IWM", "SPY", "QQQ"):
        path = shared_data / XJCARTER / f"{ticker}.csv"
        for name, bars in read_price_file(path).items():
            market.import_bars(name, bars, "xjcarter")
        rows[ticker] = adj_closes(path)
    return market, rows


def by_hand(rows: dict[str, dict[str, float]], start: str, end: str) -> list[tuple[str, float]]:
    """Returns from the csv rows: the start and end dates are rows of the files (checked)."""
    out = []
    for ticker, closes in rows.items():
        assert start in closes and end in closes
        out.append((ticker, closes[end] / closes[start] - 1))
    return sorted(out, key=lambda item: -item[1])


def test_real_first_half_of_2008(real):
    market, rows = real
    # The last session of 2007 was Monday 2007-12-31; 2008-06-30 was a Monday session.
    want = by_hand(rows, "2007-12-31", "2008-06-30")
    for window, as_of in (("ytd", dt.date(2008, 6, 30)), ("2008-01-01:2008-06-30", None)):
        data = compare(market, "SPY QQQ IWM", window, as_of).to_json()
        assert (data["start"], data["end"]) == ("2007-12-31", "2008-06-30")
        assert [(r["ticker"], r["return"]) for r in data["returns"]] == [
            (t, pytest.approx(v)) for t, v in want
        ]
        first = data["returns"][0]
        assert first["start_close"] == pytest.approx(rows[first["ticker"]]["2007-12-31"])


def test_real_three_months_to_2020_06_30(real):
    market, rows = real
    # 3 months before 2020-06-30 is Monday 2020-03-30, a session.
    want = by_hand(rows, "2020-03-30", "2020-06-30")
    data = compare(market, "IWM SPY QQQ", "3m", dt.date(2020, 6, 30)).to_json()
    assert (data["start"], data["end"]) == ("2020-03-30", "2020-06-30")
    assert [(r["ticker"], r["return"]) for r in data["returns"]] == [
        (t, pytest.approx(v)) for t, v in want
    ]


# -- CLI --------------------------------------------------------------------------------------


def test_cli_compare_json_on_real_data(cli_env, capsys, shared_data):
    files = [str(shared_data / XJCARTER / f"{t}.csv") for t in ("IWM", "SPY", "QQQ")]
    assert run(capsys, "import", "prices", *files)[0] == 0
    code, out, err = run(
        capsys,
        "--offline",
        "compare",
        "IWM",
        "SPY",
        "QQQ",
        "--window",
        "ytd",
        "--as-of",
        "2008-06-30",
        "--json",
    )
    assert code == 0, err
    data = json.loads(out)
    assert (data["window"], data["start"], data["end"]) == ("ytd", "2007-12-31", "2008-06-30")
    rows = {t: adj_closes(shared_data / XJCARTER / f"{t}.csv") for t in ("IWM", "SPY", "QQQ")}
    want = by_hand(rows, "2007-12-31", "2008-06-30")
    assert [r["ticker"] for r in data["returns"]] == [t for t, _ in want]
    for row in data["returns"]:
        closes = rows[row["ticker"]]
        assert set(row) == {"ticker", "return", "start_close", "end_close"}
        assert row["start_close"] == pytest.approx(closes["2007-12-31"])
        assert row["end_close"] == pytest.approx(closes["2008-06-30"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("compare", "IWM"), "Give between 2 and 10 tickers (got 1)."),
        (("compare", "IWM", "SPY", "--window", "soon"), "'soon' is not a window."),
        (("compare", "IWM", "SPY", "--as-of", "June"), "as_of 'June' is not a date"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(cli_env, capsys, argv, message):
    code, out, err = run(capsys, "--offline", *argv)
    assert code == 2
    assert out == ""
    assert err.startswith(f"marketbot: {message}")
