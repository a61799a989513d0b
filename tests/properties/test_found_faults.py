"""The faults the property tests found, each as a plain example (see the report in issue 13).

1. `macro gdpnow` created the GDP tables (gdpnow_track, gdp_releases) on a read, so on a
   read-only cache that lacked them it was refused ("this command writes to it").
2. A message quoting what was typed kept its newline or escape sequence: two lines on stderr,
   or a terminal driven by the input.
3. A tickers file with a lone carriage return (old Mac line ends, or any binary file) stopped
   the csv module: a traceback and exit 1.
4. `alert remove/pause/resume ID` with an id past SQLite's 64-bit integers (Discord's integer
   options stop at 2^53; the CLI's had no bound): OverflowError, exit 1 and an ERROR log.
5. `alert add ... --to <@9223372036854775808>`: a mention of 19-21 digits past 2^63 matched the
   target's pattern, then overflowed the alerts table: exit 1 and an ERROR log.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd

from analytics import calendar
from analytics.data import cache_file
from tests.properties.world import (
    FIRST_SESSION,
    PLANTED_ALERTS,
    World,
    copy_world,
    planted_bars,
    planted_fred,
    table_digests,
)
from tests.support.cli import run


def test_macro_on_a_read_only_cache_answers_and_writes_nothing(
    cli_world: World, cli_env: Path, capsys, monkeypatch
) -> None:
    """Found when the GDP tables were created on first use: a read-only cache without them
    failed. Every table now comes with the file (analytics/data/schema.py); the read still
    writes nothing."""
    world = copy_world(cli_world, cli_env / "ro")
    before = table_digests(world.db)
    assert {"gdpnow_track", "gdp_releases"} <= set(before)
    monkeypatch.setattr(cache_file, "can_write", lambda path: Path(path) != world.db)
    code, out, err = run(capsys, "--db", str(world.db), "--offline", "--json", "macro", "gdpnow")
    assert code == 0, err
    planted = planted_fred("GDPNOW", world.last)
    answer = json.loads(out)
    assert (answer["value"], answer["date"]) == (
        planted.iloc[-1],
        planted.index[-1].date().isoformat(),
    )
    assert table_digests(world.db) == before


def test_macro_on_a_writable_cache_reads_without_writing(
    cli_world: World, cli_env: Path, capsys
) -> None:
    world = copy_world(cli_world, cli_env / "rw")
    before = table_digests(world.db)
    for series in ("gdpnow", "gdp"):
        code, _, err = run(capsys, "--db", str(world.db), "--offline", "--json", "macro", series)
        assert code == 0, err
    assert table_digests(world.db) == before


def test_a_typed_newline_is_shown_escaped_in_a_usage_error(cli_env: Path, capsys) -> None:
    code, out, err = run(capsys, "--offline", "history", "breadth", "IWM", "\n", "--on", "IWM")
    assert (code, out) == (2, "")
    assert err == (
        "marketbot history breadth: argument PERCENT: '\\n' is not a number "
        "(see `marketbot history breadth --help`)\n"
    )


def test_typed_control_characters_are_shown_escaped_in_a_refusal(
    cli_world: World, cli_env: Path, capsys
) -> None:
    world = copy_world(cli_world, cli_env / "w")
    typed = "S\x1b[31mP\u202eY\r\n"
    code, out, err = run(capsys, "--db", str(world.db), "--offline", "records", typed)
    assert (code, out) == (2, "")
    assert err == (
        "marketbot: 'S\\x1b[31mP\\u202eY' is not a valid symbol. A symbol is 1-15 letters or "
        "digits, like SPY, AAPL, BRK.B (or BRK-B), ^GSPC, or an alias such as SPX, RUT, NDX, "
        "DJIA, VIX.\n"
    )


def test_a_tickers_file_with_old_mac_line_ends_is_read(
    cli_world: World, cli_env: Path, capsys
) -> None:
    world = copy_world(cli_world, cli_env / "w")
    path = cli_env / "mac.csv"
    path.write_bytes(b"ticker\rAAA\rCCC\r")
    code, out, err = run(
        capsys, "--db", str(world.db), "--offline", "--json", "movers", "--tickers-file", str(path)
    )
    assert code == 0, err
    answer = json.loads(out)
    # The day's returns computed here from the planted bars, independently of the command.
    sessions = calendar.sessions_between(FIRST_SESSION, world.last)
    expected = {}
    for ticker in ("AAA", "CCC"):
        adj = planted_bars(ticker, sessions)["adj_close"]
        expected[ticker] = adj.iloc[-1] / adj.iloc[-2] - 1
    got = {row["ticker"]: row["return"] for row in answer["gainers"] + answer["losers"]}
    assert answer["universe_size"] == 2
    assert got.keys() == expected.keys()
    assert np.allclose([got[t] for t in expected], list(expected.values()), rtol=1e-12)
    assert pd.Timestamp(answer["end"]).date() == world.last


def test_a_binary_tickers_file_is_one_clear_line(cli_world: World, cli_env: Path, capsys) -> None:
    world = copy_world(cli_world, cli_env / "w")
    path = cli_env / "junk.bin"
    path.write_bytes(bytes(range(256)) * 4)
    code, out, err = run(
        capsys, "--db", str(world.db), "--offline", "breadth", "--tickers-file", str(path)
    )
    assert (code, out) == (2, "")
    assert err == (
        "marketbot: The junk.bin has no tickers. Put symbols in a `ticker` column, a JSON list, "
        "or one per line.\n"
    )


def test_an_alert_id_past_discords_integers_is_refused_like_any_out_of_range_number(
    cli_world: World, cli_env: Path, capsys
) -> None:
    world = copy_world(cli_world, cli_env / "w")
    before = table_digests(world.db)
    huge = "9" * 400
    for action in ("remove", "pause", "resume"):
        code, out, err = run(capsys, "--db", str(world.db), "--offline", "alert", action, huge)
        assert (code, out) == (2, "")
        assert err == (
            f"marketbot alert {action}: argument ID: 99999999999999999999... (400 digits) is "
            f"above the maximum {2**53} (see `marketbot alert {action} --help`)\n"
        )
    code, out, err = run(capsys, "--db", str(world.db), "--offline", "alert", "remove", str(2**53))
    assert (code, out, err) == (
        2,
        "",
        f"marketbot: There is no alert #{2**53}; marketbot alert list shows them.\n",
    )
    assert table_digests(world.db) == before


def test_a_mention_past_discords_ids_is_refused_and_the_largest_id_is_taken(
    cli_world: World, cli_env: Path, capsys
) -> None:
    world = copy_world(cli_world, cli_env / "w")
    before = table_digests(world.db)
    add = ("--db", str(world.db), "--offline", "alert", "add", "level", "SPY", "--level", "1")
    code, out, err = run(capsys, *add, "--direction", "up", "--to", f"<@{2**63}>")
    assert (code, out) == (2, "")
    assert err.startswith(
        f"marketbot: '<@{2**63}>' names no Discord user or channel (ids are below 2^63). "
    )
    assert err.count("\n") == 1
    assert table_digests(world.db) == before
    code, out, err = run(capsys, *add, "--direction", "up", "--to", f"<@{2**63 - 1}>", "--json")
    assert code == 0, err
    conn = sqlite3.connect(world.db)
    try:
        rows = conn.execute("SELECT id, owner_id FROM alerts ORDER BY id").fetchall()
    finally:
        conn.close()
    assert rows[-1] == (len(PLANTED_ALERTS) + 1, 2**63 - 1)
