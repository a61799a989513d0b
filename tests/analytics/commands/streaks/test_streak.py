"""`/streak` and `marketbot streak`: runs over the full history, on planted and real prices."""

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
from analytics.errors import BadInput, NoData, UnknownSymbol
from tests.analytics.commands.streaks.ask import streak
from tests.fakes.prices import RecordingProvider, bars_for
from tests.support.cli import run

NOW = dt.datetime(2024, 7, 1, 22, 0, tzinfo=dt.UTC)  # Monday, after the close
# The planted bars end Friday 2024-06-28: at this clock they are current (no "as of" label).
PLANTED_NOW = dt.datetime(2024, 6, 28, 22, 0, tzinfo=dt.UTC)
SESSIONS = calendar.sessions_between(dt.date(2024, 1, 2), dt.date(2024, 6, 28))
XJCARTER = "prices/xjcarter_yahoo_2000-2022"

# IWM's daily result against SPY on the last 14 sessions (True: IWM's return was higher).
# Runs of IWM wins, oldest first: 4 (the record), 3, then the current 3.
TAIL = [True, True, True, True, False, False, True, True, True, False, False, True, True, True]
SPY_DAILY, IWM_WIN, IWM_LOSS = 0.001, 0.003, -0.001


def bar_frame(close, *, adj=None, high=None, index=SESSIONS) -> pd.DataFrame:
    close = np.asarray(close, dtype=float)
    high = close if high is None else np.asarray(high, dtype=float)
    return pd.DataFrame(
        {
            "open": close,
            "high": high,
            "low": close,
            "close": close,
            "adj_close": close if adj is None else np.asarray(adj, dtype=float),
            "volume": np.full(len(close), 1e6),
        },
        index=pd.DatetimeIndex(index[: len(close)], name="date"),
    )[list(BAR_COLUMNS)]


def compound(daily: list[float]) -> np.ndarray:
    """100 on the first session, then each day's return applied in turn."""
    return 100.0 * np.cumprod([1.0, *(1.0 + r for r in daily)])


@pytest.fixture
def offline(tmp_path) -> MarketData:
    return MarketData(PriceCache(tmp_path / "c.db"), None, now=lambda: PLANTED_NOW)


@pytest.fixture
def planted(offline) -> MarketData:
    """IWM and SPY with IWM's wins following TAIL at the end (and losing every earlier session)."""
    n = len(SESSIONS)
    wins = [False] * (n - 1 - len(TAIL)) + TAIL
    offline.import_bars("SPY", bar_frame(compound([SPY_DAILY] * (n - 1))), "test")
    iwm = compound([IWM_WIN if w else IWM_LOSS for w in wins])
    offline.import_bars("IWM", bar_frame(iwm), "test")
    return offline


@pytest.fixture
def provider() -> RecordingProvider:
    return RecordingProvider(unknown={"ZZZZ"})


@pytest.fixture
def online(tmp_path, provider) -> MarketData:
    return MarketData(PriceCache(tmp_path / "o.db"), provider, now=lambda: NOW)


def day(i: int) -> str:
    return SESSIONS[i].date().isoformat()


# -- planted prices -----------------------------------------------------------------------------


def test_beat_reports_the_run_its_returns_the_previous_run_as_long_and_the_record(planted):
    answer = streak(planted, "iwm", "spy", "beat")
    data = answer.to_json()
    n = len(SESSIONS)
    assert answer.title == "IWM has beaten SPY 3 sessions in a row"
    assert (data["kind"], data["leader"], data["laggard"], data["flipped"]) == (
        "beat",
        "IWM",
        "SPY",
        False,
    )
    assert (data["length"], data["start"], data["end"]) == (3, day(n - 3), day(n - 1))
    assert data["leader_return"] == pytest.approx(1.003**3 - 1)
    assert data["laggard_return"] == pytest.approx(1.001**3 - 1)
    assert data["spread_pp"] == pytest.approx((1.003**3 - 1.001**3) * 100)
    # TAIL positions map to sessions n-14 .. n-1.
    assert data["previous_as_long"] == {"length": 3, "start": day(n - 8), "end": day(n - 6)}
    assert data["record"] == {"length": 4, "start": day(n - 14), "end": day(n - 11)}
    assert data["as_of"] == day(n - 1)
    assert "Longest since " + day(n - 6) in answer.summary


def test_beat_as_of_a_past_date_cuts_the_history_there(planted):
    n = len(SESSIONS)
    as_of = SESSIONS[n - 11].date()  # the last session of the 4-session record run
    data = streak(planted, "IWM", "SPY", None, as_of).to_json()
    assert (data["length"], data["start"], data["end"]) == (4, day(n - 14), day(n - 11))
    assert data["previous_as_long"] is None  # IWM lost every earlier session
    assert data["record"] == {"length": 4, "start": day(n - 14), "end": day(n - 11)}
    assert data["as_of"] == day(n - 11)


def test_when_b_won_the_last_session_its_run_is_reported(planted):
    n = len(SESSIONS)
    as_of = SESSIONS[n - 4].date()  # after two IWM losses (TAIL[-5], TAIL[-4])
    answer = streak(planted, "IWM", "SPY", "beat", as_of)
    data = answer.to_json()
    assert (data["leader"], data["laggard"], data["flipped"], data["length"]) == (
        "SPY",
        "IWM",
        True,
        2,
    )
    assert data["leader_return"] == pytest.approx(1.001**2 - 1)
    assert data["laggard_return"] == pytest.approx(0.999**2 - 1)
    assert "SPY beat IWM on " + day(n - 4) in answer.summary
    assert answer.tone == -1


def test_up_and_down_runs_use_adjusted_closes(offline):
    # Raw closes fall on the ex-dividend session (index 4) but the adjusted series keeps rising.
    close = [100, 101, 102, 103, 101, 102, 101]
    factor = [0.97] * 4 + [1.0] * 3
    adj = [c * f for c, f in zip(close, factor, strict=True)]
    offline.import_bars("ABC", bar_frame(close, adj=adj), "test")
    down = streak(offline, "ABC", None, "up").to_json()
    assert (down["kind"], down["asked_kind"], down["flipped"], down["length"]) == (
        "down",
        "up",
        True,
        1,
    )
    as_of = SESSIONS[5].date()
    up = streak(offline, "ABC", None, "up", as_of).to_json()
    assert (up["kind"], up["length"], up["start"], up["end"]) == ("up", 5, day(1), day(5))
    assert up["run_return"] == pytest.approx(102 / (100 * 0.97) - 1)  # adjusted, not 102 / 100
    assert up["prices"] == "adjusted close"


def test_record_kinds_use_raw_prices_not_adjusted(offline):
    # Raw: a peak close of 105 (and high 106) at index 2, then lower closes; the last high is
    # a new raw high. Adjusted (x0.9 before index 4) the last closes would all be records.
    close = [100, 104, 105, 100, 102, 103, 104]
    high = [101, 105, 106, 101, 103, 104, 107]
    adj = [c * (0.9 if i < 4 else 1.0) for i, c in enumerate(close)]
    offline.import_bars("ABC", bar_frame(close, adj=adj, high=high), "test")
    closes = streak(offline, "ABC", None, "record close")
    data = closes.to_json()
    assert (data["kind"], data["length"], data["last_record"]) == ("record-close", 0, day(2))
    assert data["record"] == {"length": 2, "start": day(1), "end": day(2)}
    # ABC's bars end in January while the clock is in June: the title says so.
    assert closes.title == (
        f"No record close for ABC on {day(6)} (last on {day(2)}) (as of {day(6)})"
    )
    highs = streak(offline, "ABC", None, "RECORD_HIGH").to_json()
    assert (highs["kind"], highs["length"], highs["start"], highs["last_record"]) == (
        "record-high",
        1,
        day(6),
        day(6),
    )
    assert highs["run_return"] == pytest.approx(104 / 103 - 1)
    assert highs["prices"] == "raw high"


def test_the_chart_is_a_png(planted):
    answer = streak(planted, "IWM", "SPY", "beat")
    assert answer.png[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_chart_shades_the_runs_sessions_and_is_titled_with_the_answer(planted):
    answer = streak(planted, "IWM", "SPY", "beat")
    fig = answer.chart.figure()
    ax = fig.axes[0]
    [span] = [p for p in ax.patches if hasattr(p, "get_width")]
    left, right = span.get_x(), span.get_x() + span.get_width()
    # The run is the last 3 sessions: shaded from the close before it to its last close.
    assert [mdates.num2date(x).date() for x in (left, right)] == [
        SESSIONS[-4].date(),
        SESSIONS[-1].date(),
    ]
    assert answer.title in [t.get_text() for t in fig.texts]
    # The line is IWM / SPY rebased to 100 at the first session shown (all 6 months here).
    [line] = [ln for ln in ax.lines if len(ln.get_ydata()) > 2]
    n = len(SESSIONS)
    wins = [False] * (n - 1 - len(TAIL)) + TAIL
    iwm = compound([IWM_WIN if w else IWM_LOSS for w in wins])
    spy = compound([SPY_DAILY] * (n - 1))
    assert line.get_ydata()[-1] == pytest.approx(iwm[-1] / spy[-1] / (iwm[0] / spy[0]) * 100)
    assert answer.result.length == 3 and answer.result.leader == "IWM"


# -- full history and the cache ----------------------------------------------------------------


def test_first_use_fetches_the_full_history_once(online, provider):
    answer = streak(online, "IWM", "^RUT")
    assert provider.calls == [(("IWM", "^RUT"), None, dt.date(2024, 7, 1))]
    streak(online, "IWM", "^RUT", "beat", dt.date(2023, 3, 1))
    assert len(provider.calls) == 1  # the second answer comes from the cache
    # Independent: the fake's closes are known by construction; count IWM's wins from the end.
    iwm = bars_for("IWM", provider.history_start, dt.date(2024, 7, 1))["adj_close"].tolist()
    rut = bars_for("^RUT", provider.history_start, dt.date(2024, 7, 1))["adj_close"].tolist()
    run = 0
    for i in range(len(iwm) - 1, 0, -1):
        if iwm[i] / iwm[i - 1] <= rut[i] / rut[i - 1]:
            break
        run += 1
    data = answer.to_json()
    assert (data["leader"], data["length"]) == ("IWM", run)
    assert data["history_start"] == "2020-01-02"


def test_unknown_ticker_leaves_nothing_in_the_cache(online, provider):
    with pytest.raises(UnknownSymbol, match="Unknown symbol: ZZZZ"):
        streak(online, "IWM", "zzzz")
    assert online.cache.read_bars(["ZZZZ"]).empty
    assert online.cache.coverage(["ZZZZ"]) == {}
    assert online.cache.known_tickers("Z") == []


@pytest.mark.parametrize(
    ("a", "b", "kind", "as_of", "message"),
    [
        ("IWM", "iwm", "beat", None, "IWM is given twice"),
        ("IWM", "SPY", "sideways", None, "'sideways' is not a streak kind. Streak kinds: `beat`"),
        ("IWM", "SPY", "up", None, "Kind up looks at one ticker: drop SPY, or use kind beat."),
        ("IWM", "SPY", None, dt.date(2024, 7, 2), "as_of 2024-07-02 is in the future"),
        ("not a ticker", "SPY", None, None, "'not a ticker' is not a valid symbol"),
    ],
)
def test_bad_input_is_rejected_before_any_fetch(online, provider, a, b, kind, as_of, message):
    with pytest.raises(BadInput) as error:
        streak(online, a, b, kind, as_of)
    assert error.value.message.startswith(message)
    assert provider.calls == []
    assert online.cache.status() == []


def test_as_of_before_the_data_says_where_it_begins_and_changes_nothing(planted):
    before = (planted.cache.status(), planted.cache.coverage(["IWM", "SPY"]))
    with pytest.raises(NoData) as error:
        streak(planted, "IWM", "SPY", "beat", dt.date(2023, 6, 1))
    assert error.value.message == (
        "as_of 2023-06-01 is before the data: IWM's history begins 2024-01-02; "
        "give a date on or after 2024-01-02."
    )
    assert (planted.cache.status(), planted.cache.coverage(["IWM", "SPY"])) == before


def test_a_ticker_with_one_session_has_no_streak(offline):
    offline.import_bars("NEW", bar_frame([10.0]), "test")
    with pytest.raises(NoData, match="NEW has only 1 session"):
        streak(offline, "NEW", None, "up")


def test_record_high_on_close_only_data_points_to_record_close(offline):
    frame = bar_frame([10.0, 11.0, 12.0])
    frame["high"] = np.nan
    offline.import_bars("CLO", frame, "test")
    with pytest.raises(NoData, match="no daily highs .* ask for kind record-close"):
        streak(offline, "CLO", None, "record-high")


# -- real data ---------------------------------------------------------------------------------


def csv_rows(path) -> dict[str, dict[str, float]]:
    with open(path, newline="") as handle:
        return {
            r["Date"]: {"close": float(r["Close"]), "adj": float(r["Adj Close"])}
            for r in csv.DictReader(handle)
        }


def runs(flags: list[bool], dates: list[str]) -> list[tuple[int, str, str]]:
    """(length, first, last) of each run of True, by a plain loop."""
    out, length = [], 0
    for i, flag in enumerate([*flags, False]):
        if flag:
            length += 1
        elif length:
            out.append((length, dates[i - length], dates[i - 1]))
            length = 0
    return out


def expected(flags: list[bool], dates: list[str]) -> dict:
    found = runs(flags, dates)
    current = found[-1] if flags[-1] else (0, None, None)
    earlier = [r for r in found[:-1] if r[0] >= current[0]] if current[0] else []
    record = max(reversed(found), key=lambda r: r[0])
    as_dict = lambda r: {"length": r[0], "start": r[1], "end": r[2]}  # noqa: E731
    return {
        "length": current[0],
        "start": current[1],
        "end": current[2],
        "previous_as_long": as_dict(earlier[-1]) if earlier else None,
        "record": as_dict(record),
    }


@pytest.fixture(scope="module")
def real(shared_data, tmp_path_factory):
    """xjcarter's Yahoo IWM and SPY files (2000-2022) in an offline cache, and the csv rows."""
    market = MarketData(PriceCache(tmp_path_factory.mktemp("real") / "c.db"), None, now=lambda: NOW)
    rows = {}
    for ticker in ("IWM", "SPY"):
        path = shared_data / XJCARTER / f"{ticker}.csv"
        for name, bars in read_price_file(path).items():
            market.import_bars(name, bars, "xjcarter")
        rows[ticker] = csv_rows(path)
    return market, rows


def test_real_iwm_beat_spy_13_sessions_as_of_2008_06_06(real):
    market, rows = real
    iwm, spy = rows["IWM"], rows["SPY"]
    dates = [d for d in sorted(set(iwm) & set(spy)) if d <= "2008-06-06"]
    flags = [False] + [
        iwm[d]["adj"] / iwm[p]["adj"] > spy[d]["adj"] / spy[p]["adj"]
        for p, d in zip(dates, dates[1:], strict=False)
    ]
    want = expected(flags, dates)
    assert want["length"] == 13  # the figure in the issue, confirmed by the loop above
    answer = streak(market, "IWM", "SPY", "beat", dt.date(2008, 6, 6))
    data = answer.to_json()
    assert {k: data[k] for k in want} == want
    assert (data["start"], data["end"], data["previous_as_long"]) == (
        "2008-05-20",
        "2008-06-06",
        None,
    )
    before = dates[dates.index(want["start"]) - 1]
    assert data["leader_return"] == pytest.approx(iwm["2008-06-06"]["adj"] / iwm[before]["adj"] - 1)
    assert data["laggard_return"] == pytest.approx(
        spy["2008-06-06"]["adj"] / spy[before]["adj"] - 1
    )
    assert answer.title == "IWM has beaten SPY 13 sessions in a row"
    assert "Longest in the whole history (the data begins 2000-05-26)" in answer.summary


def test_real_spy_up_run_and_record_close_as_of_2021_11_08(real):
    market, rows = real
    spy = rows["SPY"]
    dates = [d for d in sorted(spy) if d <= "2021-11-08"]
    ups = [False] + [spy[d]["adj"] > spy[p]["adj"] for p, d in zip(dates, dates[1:], strict=False)]
    peak, records = spy[dates[0]]["close"], [False]
    for d in dates[1:]:
        records.append(spy[d]["close"] > peak)
        peak = max(peak, spy[d]["close"])
    up = streak(market, "SPY", None, "up", dt.date(2021, 11, 8)).to_json()
    want_up = expected(ups, dates)
    assert want_up["length"] == 8
    assert {k: up[k] for k in want_up} == want_up
    rec = streak(market, "SPY", None, "record-close", dt.date(2021, 11, 8))
    want_rec = expected(records, dates)
    assert {k: rec.to_json()[k] for k in want_rec} == want_rec


# -- CLI --------------------------------------------------------------------------------------


def test_cli_streak_json_on_real_data(cli_env, capsys, shared_data):
    files = [str(shared_data / XJCARTER / f"{t}.csv") for t in ("IWM", "SPY")]
    assert run(capsys, "import", "prices", *files)[0] == 0
    code, out, err = run(
        capsys, "--offline", "streak", "IWM", "SPY", "--as-of", "2008-06-06", "--json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert {k: data[k] for k in ("kind", "leader", "laggard", "length", "start", "end")} == {
        "kind": "beat",
        "leader": "IWM",
        "laggard": "SPY",
        "length": 13,
        "start": "2008-05-20",
        "end": "2008-06-06",
    }
    assert data["previous_as_long"] is None
    assert data["record"] == {"length": 13, "start": "2008-05-20", "end": "2008-06-06"}
    code, out, err = run(
        capsys, "--offline", "streak", "spy", "--kind", "up", "--as-of", "2021-11-08", "--json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert (data["kind"], data["ticker"], data["length"], data["start"]) == (
        "up",
        "SPY",
        8,
        "2021-10-28",
    )
    assert "leader" not in data


def test_cli_defaults_are_the_discord_ones(cli_env, capsys, shared_data):
    files = [str(shared_data / XJCARTER / f"{t}.csv") for t in ("IWM", "SPY")]
    assert run(capsys, "import", "prices", *files)[0] == 0
    as_of = ("--as-of", "2008-06-06", "--json")
    code, out, err = run(capsys, "--offline", "streak", *as_of)
    assert code == 0, err
    default = json.loads(out)
    assert (default["kind"], default["leader"], default["laggard"], default["length"]) == (
        "beat",
        "IWM",
        "SPY",
        13,
    )
    # `streak SPY` is SPY against IWM (as `/streak a:SPY`): IWM led, so IWM's run is shown.
    code, out, err = run(capsys, "--offline", "streak", "SPY", *as_of)
    assert code == 0, err
    spy = json.loads(out)
    assert (spy["kind"], spy["leader"], spy["laggard"], spy["flipped"]) == (
        "beat",
        "IWM",
        "SPY",
        True,
    )
    assert {k: spy[k] for k in ("length", "start", "end")} == {
        k: default[k] for k in ("length", "start", "end")
    }


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("streak", "IWM", "SPY", "--kind", "up"), "Kind up looks at one ticker: drop SPY"),
        (("streak", "IWM", "IWM"), "IWM is given twice"),
        (("streak", "IWM", "SPY", "--kind", "record-high"), "Kind record-high looks at one ticker"),
        (("streak", "SPY", "IWM", "--as-of", "2024-02-30"), "as_of '2024-02-30' is not a date"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(cli_env, capsys, argv, message):
    code, out, err = run(capsys, "--offline", *argv)
    assert code == 2
    assert out == ""
    assert err.startswith(f"marketbot: {message}")
