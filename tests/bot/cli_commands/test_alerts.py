"""`marketbot alert add|list|remove|pause|resume|check` on ^RUT's real history (the
alitalbi yfinance file), checked against an independent pandas computation of its records,
and the refusals: bad options with the commands' messages, the limits; a breadth alert on a
named list."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from analytics.alerts.store import AlertStore
from analytics.data.cache import PriceCache
from tests.support.cli import run

RUT_FILE = "prices/alitalbi_yfinance_to-2026-02/RUT.csv"
USER = "1100000000000000003"
CHANNEL = "1100000000000000100/1100000000000000102"


@pytest.fixture
def rut(shared_data, cli_env, capsys) -> pd.DataFrame:
    """^RUT imported into the CLI's cache; its rows as the file has them (independently read)."""
    path = shared_data / RUT_FILE
    code, _, err = run(capsys, "import", "prices", str(path), "--ticker", "^RUT")
    assert code == 0, err
    frame = pd.read_csv(path, parse_dates=["Date"]).set_index("Date").sort_index()
    return frame[frame["Close"].notna()]


def cli_json(capsys, *argv: str):
    code, out, err = run(capsys, "--offline", *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def first_records(frame: pd.DataFrame) -> tuple[list[dt.date], list[dt.date]]:
    """(sessions that set a record high after one that set none, record sessions after a
    record session): records as strictly above every earlier high, by a running maximum."""
    high = frame["High"]
    record = high > high.cummax().shift(1)
    record.iloc[0] = False
    starts = record & ~record.shift(1, fill_value=False)
    runs = record & record.shift(1, fill_value=False)
    return [d.date() for d in high.index[starts]], [d.date() for d in high.index[runs]]


def test_add_list_pause_resume_remove_at_the_terminal(rut, capsys):
    added = cli_json(capsys, "alert", "add", "record", "rut", "--to", f"<@{USER}>")["alert"]
    last = rut.index[-1].date()
    high = rut["High"]
    assert added["params"] == {"ticker": "^RUT", "what": "record-high"}
    assert added["condition"] == "^RUT sets a new record high"
    assert (added["owner_id"], added["channel_id"], added["to"]) == (int(USER), None, "dm")
    assert added["baseline_on"] == last.isoformat()
    assert added["baseline_holds"] is bool(high.iloc[-1] > high.iloc[:-1].max())

    level = cli_json(capsys, "alert", "add", "level", "^RUT", "--level", "3000", "--to", CHANNEL)
    level = level["alert"]
    assert (level["guild_id"], level["channel_id"]) == (1100000000000000100, 1100000000000000102)
    # 3000 is above the last close, so without a direction it waits for a close at or above it.
    assert rut["Close"].iloc[-1] < 3000
    assert level["params"]["direction"] == "up"

    listed = cli_json(capsys, "alert", "list")["alerts"]
    assert [(a["id"], a["kind"], a["paused"]) for a in listed] == [
        (1, "record", False),
        (2, "level", False),
    ]
    assert cli_json(capsys, "alert", "pause", "2")["alert"]["paused"] is True
    assert cli_json(capsys, "alert", "list")["alerts"][1]["paused_reason"] == (
        "paused at the terminal"
    )
    assert cli_json(capsys, "alert", "resume", "2")["alert"]["paused"] is False
    assert cli_json(capsys, "alert", "remove", "1")["removed"]["id"] == 1
    assert [a["id"] for a in cli_json(capsys, "alert", "list")["alerts"]] == [2]
    code, _, err = run(capsys, "--offline", "alert", "remove", "1")
    assert (code, err) == (2, "marketbot: There is no alert #1; marketbot alert list shows them.\n")


def test_check_is_a_dry_run_of_the_evening_on_any_session(rut, cli_env, capsys):
    cli_json(capsys, "alert", "add", "record", "^RUT", "--to", f"<@{USER}>")
    starts, runs = first_records(rut.loc["2020":])
    quiet = next(d.date() for d in rut.loc["2024":].index if d.date() not in starts + runs)
    for day, crossed in [(starts[-1], True), (starts[-3], True), (runs[-1], False), (quiet, False)]:
        payload = cli_json(capsys, "alert", "check", "--as-of", day.isoformat())
        [check] = payload["checks"]
        assert payload["session"] == day.isoformat()
        assert (check["on"], check["crossed"]) == (day.isoformat(), crossed)
        # The alert was made on the file's last session: earlier crossings are not its own.
        assert check["fires"] is False
        if crossed:
            assert check["why"] == "true before the alert was made"
    # Nothing was sent or recorded: no fire, no run.
    with PriceCache(cli_env / "cli.db") as cache:
        store = AlertStore(cache)
        assert store.fires() == [] and not store.run_done(starts[-1])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["streak", "IWM", "--what", "beat", "--sessions", "3"],
            "Kind beat compares two tickers: give versus, e.g. ticker:IWM versus:SPY.",
        ),
        (
            ["move", "IWM", "--percent", "5", "--level", "3"],
            "A move alert does not take level; it takes ticker, window, percent, direction (and to).",
        ),
        (
            ["move", "IWM", "--percent", "5", "--window", "2024-01-02:2024-03-28"],
            "An alert's window moves with each session: give Nd, Nw, Nm, Ny, ytd, qtd or mtd "
            "(e.g. 5d), not the date range 2024-01-02:2024-03-28.",
        ),
        (["move", "IWM", "--percent", "5", "--window", "5x"], None),
        (["record", "BAD$$"], None),
        (["macro", "--series", "gdpnow"], None),
        (["level", "IWM"], "A level alert needs level, e.g. level:2642."),
        (["streak", "IWM", "--sessions", "3"], None),  # fine so far, but no --to at the terminal
    ],
)
def test_bad_options_are_refused_with_the_commands_messages(cli_env, capsys, argv, message):
    code, out, err = run(capsys, "--offline", "alert", "add", *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    if message is not None:
        assert err == f"marketbot: {message}\n"
    elif argv[-1] == "5x":
        assert err.startswith("marketbot: ") and "Valid windows" in err  # analytics.windows
    elif argv[1] == "BAD$$":
        assert err.startswith("marketbot: 'BAD$$' is not a valid symbol.")  # analytics.symbols
    elif argv[0] == "macro":
        assert err.startswith("marketbot: A macro alert needs value")
    else:
        assert err.startswith("marketbot: At the terminal, say whose DMs the alert goes to")


def test_a_breadth_alert_at_the_terminal_and_its_dry_run(cli_env, capsys):
    from analytics.data.market import MarketData
    from analytics.data.paths import lists_dir
    from tests.support.alerts import bars_frame, sessions

    # Five names flat at 100; three of them close at 110 on one session: 60% above the 50-day.
    days = sessions("2025-01-02", 120)
    jump = 110
    names = ["AA", "BB", "CC", "DD", "EE"]
    with PriceCache(cli_env / "cli.db") as cache:
        market = MarketData(cache, None)
        for k, name in enumerate(names):
            closes = [100.0] * len(days)
            if k < 3:
                closes[jump] = 110.0
            market.import_bars(name, bars_frame(days, closes), "test")
    folder = lists_dir(cli_env / "cli.db")
    folder.mkdir()
    (folder / "five.txt").write_text("\n".join(names) + "\n")

    added = cli_json(
        capsys,
        "alert",
        "add",
        "breadth",
        "--universe",
        "five",
        "--percent",
        "60",
        "--to",
        f"<@{USER}>",
    )["alert"]
    assert added["params"] == {"universe": "five", "percent": 60.0, "direction": "up"}
    assert added["condition"] == "five: the share above the 50-day average reaches 60%"
    assert (added["baseline_on"], added["baseline_holds"]) == (days[-1].isoformat(), False)
    for day, crossed in [(days[jump], True), (days[jump + 1], False), (days[jump - 1], False)]:
        [check] = cli_json(capsys, "alert", "check", "--as-of", day.isoformat())["checks"]
        assert (check["on"], check["crossed"]) == (day.isoformat(), crossed)
        assert check["why"] == ("true before the alert was made" if crossed else "not true")


def test_an_unknown_ticker_offline_says_what_is_missing(cli_env, capsys):
    code, _, err = run(
        capsys, "--offline", "alert", "add", "level", "ZZZZ", "--level", "10", "--to", f"<@{USER}>"
    )
    assert code == 2
    assert err.startswith("marketbot: No cached prices for ZZZZ")


def test_the_limit_per_person_is_said_when_reached(rut, cli_env, capsys):
    cache = PriceCache(cli_env / "cli.db")
    store = AlertStore(cache)
    now = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    for _ in range(25):
        store.add(
            "record",
            {"ticker": "^RUT", "what": "record-high"},
            owner_id=int(USER),
            created_by=None,
            guild_id=None,
            channel_id=None,
            now=now,
            baseline_on=None,
            baseline_holds=None,
        )
    code, _, err = run(capsys, "--offline", "alert", "add", "record", "^RUT", "--to", f"<@{USER}>")
    assert (code, err) == (
        2,
        "marketbot: You have 25 alerts, the most one person may have (25): remove one with "
        "/alert remove first (/alert list shows them).\n",
    )
    assert len(store.all()) == 25
    cache.close()
