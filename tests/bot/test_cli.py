"""The `marketbot` CLI: import, price (and its alias prices), cache status, exit codes and
offline mode."""

from __future__ import annotations

import csv
import json

import pytest

from tests.support.cli import run


def write_yahoo_csv(path, rows):
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["Date", "Open", "High", "Low", "Close", "Adj Close", "Volume"])
        writer.writerows(rows)


ROWS = [
    ["2024-01-02", "10", "11", "9", "10.5", "10.4", "100"],
    ["2024-01-03", "10.5", "12", "10", "11.5", "11.4", "200"],
    ["2024-01-04", "11.5", "12.5", "11", "12", "11.9", "300"],
]


def test_import_then_prices_json_round_trips_the_file(cli_env, capsys):
    write_yahoo_csv(cli_env / "ABC.csv", ROWS)
    code, out, err = run(capsys, "import", "prices", str(cli_env / "ABC.csv"), "--json")
    assert code == 0, err
    line = json.loads(out)["imported"][0]
    assert {k: line[k] for k in ("file", "ticker", "rows", "first", "last", "decision")} == {
        "file": "ABC.csv",
        "ticker": "ABC",
        "rows": 3,
        "first": "2024-01-02",
        "last": "2024-01-04",
        "decision": "new",
    }
    code, out, err = run(
        capsys, "--offline", "price", "abc", "--window", "2024-01-01:2024-01-31", "--json"
    )
    assert code == 0, err
    bars = json.loads(out)
    assert [b["date"] for b in bars] == ["2024-01-02", "2024-01-03", "2024-01-04"]
    assert bars[1] == {
        "date": "2024-01-03",
        "open": 10.5,
        "high": 12.0,
        "low": 10.0,
        "close": 11.5,
        "adj_close": 11.4,
        "volume": 200.0,
    }


def test_reimport_is_idempotent(cli_env, capsys):
    write_yahoo_csv(cli_env / "ABC.csv", ROWS)
    for _ in range(2):
        assert run(capsys, "import", "prices", str(cli_env / "ABC.csv"))[0] == 0
    code, out, _ = run(capsys, "cache", "status", "--json")
    status = json.loads(out)
    assert status["tickers"][0]["rows"] == 3
    assert status["tickers"][0]["first"] == "2024-01-02"


def test_global_options_work_before_or_after_the_command(cli_env, capsys):
    write_yahoo_csv(cli_env / "ABC.csv", ROWS)
    other = cli_env / "other.db"
    assert run(capsys, "--db", str(other), "import", "prices", str(cli_env / "ABC.csv"))[0] == 0
    code, out, _ = run(capsys, "cache", "status", "--db", str(other), "--json")
    assert json.loads(out)["path"] == str(other)
    code, out, _ = run(capsys, "--json", "cache", "status")
    assert json.loads(out)["tickers"] == []


def test_offline_with_an_empty_cache_says_so_and_exits_2(cli_env, capsys):
    code, out, err = run(capsys, "--offline", "prices", "SPY")
    assert code == 2
    assert out == ""
    assert err.startswith(
        "marketbot: No cached prices for SPY for the dates asked, and offline mode is on"
    )
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("prices", "not a ticker!"), "is not a valid symbol"),
        (("price", "SPY", "--window", "last tuesday"), "'last tuesday' is not a window."),
        (("price", "SPY", "--as-of", "2999-01-01"), "is in the future"),
        (("import", "prices", "missing.csv"), "missing.csv: no such file."),
    ],
)
def test_bad_input_is_one_line_and_exit_2(cli_env, capsys, argv, message):
    code, out, err = run(capsys, "--offline", *argv)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_bad_setting_is_one_line_and_exit_2(cli_env, capsys, monkeypatch):
    monkeypatch.setenv("MARKETBOT_OFFLINE", "sometimes")
    code, _, err = run(capsys, "cache", "status")
    assert code == 2
    assert (
        err.strip() == "marketbot: MARKETBOT_OFFLINE='sometimes' is not a yes/no value; use 1 or 0."
    )


def test_every_real_price_file_imports(cli_env, capsys, shared_data):
    files = sorted(
        p
        for d in ("prices", "universe")
        for p in (shared_data / d).rglob("*.csv")
        if "split_adjustment_events" not in p.name
    )
    code, out, err = run(capsys, "import", "prices", *map(str, files), "--json")
    assert code == 0, err
    imported = json.loads(out)["imported"]
    assert {row["file"] for row in imported} == {p.name for p in files}
    # Spot check against the file itself: SPY's 2022-11-18 close in the classic Yahoo export.
    with open(shared_data / "prices/xjcarter_yahoo_2000-2022/SPY.csv") as fh:
        want = next(r for r in csv.DictReader(fh) if r["Date"] == "2022-11-18")
    code, out, _ = run(
        capsys, "--offline", "price", "SPY", "--window", "2022-11-17:2022-11-18", "--json"
    )
    bars = json.loads(out)
    assert [b["date"] for b in bars] == ["2022-11-17", "2022-11-18"]
    bar = bars[-1]
    # alitalbi's file comes first in name order and its Close is dividend-adjusted; the import
    # policy lets the Yahoo exports' raw close replace it (tests/analytics/data/test_price_import_real.py for more)
    assert bar["close"] == pytest.approx(float(want["Close"]), abs=0.01)


def test_a_usage_mistake_is_one_line_naming_the_commands_help(cli_env, capsys):
    code, out, err = run(capsys, "records")
    assert code == 2 and out == ""
    assert err == (
        "marketbot records: the following arguments are required: TICKER "
        "(see `marketbot records --help`)\n"
    )
    code, _, err = run(capsys, "records", "SPY", "--years", "x")
    assert code == 2 and err.count("\n") == 1 and "--years" in err


def test_cache_status_shows_the_reads_kept_for_the_next_process(cli_env, capsys, monkeypatch):
    import sqlite3

    from analytics.data import memo_store

    monkeypatch.setattr(memo_store, "MIN_NAMES", 1)  # a one-name read is kept too
    write_yahoo_csv(cli_env / "ABC.csv", ROWS)
    assert run(capsys, "import", "prices", str(cli_env / "ABC.csv"))[0] == 0
    code, out, _ = run(capsys, "cache", "status", "--json")
    assert json.loads(out)["kept_reads"] == {"entries": 0, "bytes": 0, "usable": 0}
    args = ("--offline", "price", "ABC", "--window", "2024-01-01:2024-01-31", "--json")
    assert run(capsys, *args)[0] == 0
    code, out, _ = run(capsys, "cache", "status", "--json")
    status = json.loads(out)
    with sqlite3.connect(status["path"]) as conn:
        rows = conn.execute(f"SELECT meta, data FROM {memo_store.TABLE}").fetchall()
    assert len(rows) == 1
    kept_bytes = len(rows[0][0].encode()) + len(rows[0][1])
    assert status["kept_reads"] == {"entries": 1, "bytes": kept_bytes, "usable": 1}
    assert kept_bytes < 1000  # three bars: shown as the smallest size said, 1 KB
    code, out, _ = run(capsys, "cache", "status")
    shown = _unboxed(out)
    assert "(1 KB of it: 1 read kept so that the next process starts warm)" in shown
    assert f"Kept reads: 1 ({kept_bytes:,} bytes)" in shown
    # An entry of another version is counted, and said to be one.
    with sqlite3.connect(status["path"]) as conn:
        conn.execute(f"UPDATE {memo_store.TABLE} SET code = 'other'")
    code, out, _ = run(capsys, "cache", "status", "--json")
    assert json.loads(out)["kept_reads"] == {"entries": 1, "bytes": kept_bytes, "usable": 0}
    code, out, _ = run(capsys, "cache", "status")
    assert "starts warm, 1 of them by another version)" in _unboxed(out)


def _unboxed(out: str) -> str:
    """The terminal panel's text as one line (its borders and wrapping taken out)."""
    return " ".join(out.replace("│", " ").split())
