"""`/price` and `marketbot price` (alias `prices`): a ticker's bars over a window, on planted and
real prices; the window's B and E and the change recomputed here by hand or from the CSV."""

from __future__ import annotations

import csv
import datetime as dt
import json

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest

from analytics import calendar
from analytics.data.cache import PriceCache
from analytics.data.importers import read_price_file
from analytics.data.market import MarketData
from analytics.data.provider import BAR_COLUMNS
from analytics.errors import BadInput, NoData
from tests.analytics.commands.streaks.ask import price
from tests.fakes.prices import RecordingProvider, bars_for
from tests.support.cli import run

# Friday 2024-06-28 after the close: planted bars ending that day are current.
NOW = dt.datetime(2024, 6, 28, 22, 0, tzinfo=dt.UTC)
SESSIONS = calendar.sessions_between(dt.date(2022, 1, 3), dt.date(2024, 6, 28))
XJCARTER = "prices/xjcarter_yahoo_2000-2022"


def planted_bars(index: pd.DatetimeIndex = SESSIONS) -> pd.DataFrame:
    """Closes 100, 101, ...; adjusted closes 1% below (a test can tell which one is used)."""
    close = 100.0 + np.arange(len(index), dtype=float)
    return pd.DataFrame(
        {
            "open": close - 0.5,
            "high": close + 1.0,
            "low": close - 1.0,
            "close": close,
            "adj_close": close * 0.99,
            "volume": np.arange(len(index), dtype=float) * 10.0,
        },
        index=pd.DatetimeIndex(index, name="date"),
    )[list(BAR_COLUMNS)]


@pytest.fixture
def planted(tmp_path) -> MarketData:
    market = MarketData(PriceCache(tmp_path / "p.db"), None, now=lambda: NOW)
    market.import_bars("SPY", planted_bars(), "test")
    return market


def last_on_or_before(day: dt.date) -> pd.Timestamp:
    return SESSIONS[pd.Timestamp(day) >= SESSIONS][-1]


def test_the_default_window_is_a_year_of_bars_and_the_change_over_it(planted):
    answer = price(planted, "spy")
    # B: the last session on or before 2023-06-28, a year before E = 2024-06-28.
    b, e = last_on_or_before(dt.date(2023, 6, 28)), SESSIONS[-1]
    span = planted_bars().loc[b:e]
    assert [r["date"] for r in answer.data["bars"]] == [d.date().isoformat() for d in span.index]
    change = span["adj_close"].iloc[-1] / span["adj_close"].iloc[0] - 1
    assert answer.data["change"] == pytest.approx(change)
    assert (answer.data["start"], answer.data["end"]) == (b.date().isoformat(), "2024-06-28")
    last = span["close"].iloc[-1]
    assert answer.title == f"SPY: {last:,.2f}"
    fields = {f.name: f.value for f in answer.fields}
    assert fields["Change"] == f"{change * 100:+.2f}%"
    assert fields["Range"] == f"{span['low'].min():,.2f} – {span['high'].max():,.2f}"
    assert answer.summary == (
        f"SPY closed at {last:,.2f} on 2024-06-28; {change * 100:+.2f}% since {b.date()} "
        f"({len(span)} sessions)."
    )
    assert (answer.as_of, answer.source, answer.warnings) == (e.date(), "test", ())


def test_the_table_holds_the_latest_ten_bars_raw_with_units(planted):
    [table] = price(planted, "SPY", "1m").tables
    assert [(c.name, c.unit) for c in table.specs] == [
        ("date", "date"),
        ("open", "price"),
        ("high", "price"),
        ("low", "price"),
        ("close", "price"),
        ("volume", "volume"),
    ]
    latest = planted_bars().iloc[::-1].iloc[:10]
    assert [row[0] for row in table.rows] == [d.date() for d in latest.index]
    for row, (_, bar) in zip(table.rows, latest.iterrows(), strict=True):
        assert row[1:] == pytest.approx(
            (bar["open"], bar["high"], bar["low"], bar["close"], bar["volume"])
        )
    assert table.text_rows()[0][4] == f"{latest['close'].iloc[0]:,.2f}"


@pytest.mark.parametrize(
    ("window", "first"),
    [
        ("5d", SESSIONS[-6]),  # five sessions back
        ("2w", last_on_or_before(dt.date(2024, 6, 14))),
        ("ytd", last_on_or_before(dt.date(2023, 12, 31))),
        ("mtd", last_on_or_before(dt.date(2024, 5, 31))),
    ],
)
def test_windows_follow_the_window_grammar(planted, window, first):
    data = price(planted, "SPY", window).data
    assert (data["start"], data["end"]) == (first.date().isoformat(), "2024-06-28")
    span = planted_bars().loc[first:]
    assert len(data["bars"]) == len(span)
    assert data["change"] == pytest.approx(
        span["adj_close"].iloc[-1] / span["adj_close"].iloc[0] - 1
    )


def test_as_of_ends_the_window_there_and_a_range_sets_its_own_end(planted):
    # E: Friday 2024-03-15, the last session on or before Sunday 2024-03-17; B: a month
    # before E, Thursday 2024-02-15 (anchored on E, not on the date asked).
    data = price(planted, "SPY", "1m", dt.date(2024, 3, 17)).data
    assert (data["start"], data["end"]) == ("2024-02-15", "2024-03-15")
    answer = price(planted, "SPY", "2024-02-01:2024-03-01", dt.date(2024, 6, 1))
    assert (answer.data["start"], answer.data["end"]) == ("2024-02-01", "2024-03-01")
    assert answer.warnings == (
        "as_of 2024-06-01 is ignored: the window 2024-02-01:2024-03-01 sets its own end.",
    )


def test_a_history_shorter_than_the_window_is_shown_from_its_first_session(tmp_path):
    market = MarketData(PriceCache(tmp_path / "young.db"), None, now=lambda: NOW)
    young = SESSIONS[pd.Timestamp("2024-04-01") <= SESSIONS]
    market.import_bars("NEW", planted_bars(young), "test")
    answer = price(market, "NEW")  # 1y asked, three months there
    assert answer.data["start"] == "2024-04-01"
    assert len(answer.data["bars"]) == len(young)
    assert answer.data["change"] == pytest.approx((99 + len(young)) / 100 - 1)
    assert answer.warnings == (
        "NEW's data begins 2024-04-01, after the start of the window 1y: the change is measured "
        "from its first close.",
    )


def test_the_chart_ends_at_the_last_close_in_the_answers_colour(planted):
    answer = price(planted, "SPY", "3m")
    fig = answer.chart.figure()
    [line] = fig.axes[0].lines
    last = mdates.num2date(mdates.date2num(line.get_xdata()[-1])).date()
    assert (last, line.get_ydata()[-1]) == (dt.date(2024, 6, 28), answer.data["bars"][-1]["close"])
    assert len(line.get_ydata()) == len(answer.data["bars"])
    texts = [t.get_text() for t in fig.texts]
    assert f"SPY {answer.data['change'] * 100:+.2f}% over 3 months" in texts
    assert answer.png.startswith(b"\x89PNG")


def test_only_the_window_is_fetched(tmp_path):
    provider = RecordingProvider()
    monday = dt.datetime(2024, 7, 1, 22, 0, tzinfo=dt.UTC)
    market = MarketData(PriceCache(tmp_path / "o.db"), provider, now=lambda: monday)
    answer = price(market, "SPY", "1m")
    # E = 2024-07-01; windows.earliest_needed: (E - 7 days) - 1 month - 10 days = 2024-05-14.
    assert provider.calls == [(("SPY",), dt.date(2024, 5, 14), dt.date(2024, 7, 1))]
    # 1m before 2024-07-01 is Saturday 2024-06-01: B is Friday 2024-05-31.
    fake = bars_for("SPY", dt.date(2024, 5, 31), dt.date(2024, 7, 1))
    assert [r["date"] for r in answer.data["bars"]] == [d.date().isoformat() for d in fake.index]
    assert answer.source == "Fake"


@pytest.mark.parametrize(
    ("ticker", "window", "as_of", "message"),
    [
        ("not a ticker!", None, None, "'not a ticker!' is not a valid symbol"),
        ("SPY", "last tuesday", None, "'last tuesday' is not a window."),
        ("SPY", None, dt.date(2024, 6, 29), "as_of 2024-06-29 is in the future"),
    ],
)
def test_bad_input_is_refused_before_any_read(planted, ticker, window, as_of, message):
    with pytest.raises(BadInput) as error:
        price(planted, ticker, window, as_of)
    assert error.value.message.startswith(message)


def test_as_of_before_the_data_says_where_it_begins(planted):
    with pytest.raises(NoData) as error:
        price(planted, "SPY", "1m", dt.date(2021, 6, 1))
    assert error.value.message == (
        "SPY has no prices on or before 2021-06-01: its data begins 2022-01-03; "
        "give a later as_of or window."
    )


# -- real data and the CLI ---------------------------------------------------------------------


def spy_rows(shared_data) -> dict[str, dict[str, float]]:
    with open(shared_data / XJCARTER / "SPY.csv", newline="") as handle:
        return {
            r["Date"]: {"close": float(r["Close"]), "adj": float(r["Adj Close"])}
            for r in csv.DictReader(handle)
        }


def test_real_spy_first_half_of_2008(shared_data, tmp_path):
    market = MarketData(PriceCache(tmp_path / "r.db"), None, now=lambda: NOW)
    for name, bars in read_price_file(shared_data / XJCARTER / "SPY.csv").items():
        market.import_bars(name, bars, "xjcarter")
    rows = spy_rows(shared_data)
    data = price(market, "SPY", "ytd", dt.date(2008, 6, 30)).data
    # The last session of 2007 was Monday 2007-12-31.
    dates = [d for d in sorted(rows) if "2007-12-31" <= d <= "2008-06-30"]
    assert [b["date"] for b in data["bars"]] == dates
    assert data["change"] == pytest.approx(
        rows["2008-06-30"]["adj"] / rows["2007-12-31"]["adj"] - 1
    )
    assert data["bars"][-1]["close"] == pytest.approx(rows["2008-06-30"]["close"])


def test_cli_json_is_the_list_of_bars_and_prices_is_the_same_command(cli_env, capsys, shared_data):
    assert run(capsys, "import", "prices", str(shared_data / XJCARTER / "SPY.csv"))[0] == 0
    argv = ("SPY", "--window", "2008-06-02:2008-06-06", "--json")
    code, out, err = run(capsys, "--offline", "price", *argv)
    assert code == 0, err
    bars = json.loads(out)
    rows = spy_rows(shared_data)
    # B: the last session on or before 2008-06-02 (a Monday, itself).
    assert [b["date"] for b in bars] == [
        d for d in sorted(rows) if "2008-06-02" <= d <= "2008-06-06"
    ]
    assert set(bars[0]) == {"date", "open", "high", "low", "close", "adj_close", "volume"}
    assert bars[-1]["adj_close"] == pytest.approx(rows["2008-06-06"]["adj"])
    assert run(capsys, "--offline", "prices", *argv) == (0, out, "")
    code, out, err = run(capsys, "--offline", "prices", "SPY", "--window", "soon")
    assert (code, out) == (2, "")
    assert err.startswith("marketbot: 'soon' is not a window.")
