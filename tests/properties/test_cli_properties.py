"""Properties of every command at the terminal, whatever is typed.

For each spec (analytics.commands.all_specs()), hypothesis builds argv from the spec's options
(tests/properties/strategies.py) and runs `marketbot --db COPY --offline [--json] ...`
in-process (tests/cli.py) on a copy of the planted world. Whatever the input:

- the exit code is 0 (an answer, or --help) or 2 (a clear message), never 1 (a bug);
- on 2, stdout is empty and stderr is exactly one line; no traceback anywhere; no ERROR log;
- the cache's content is unchanged on 2, and for read commands always, except the
  bookkeeping tables `recent_requests` (which tickers commands asked for, so the evening
  refresh keeps them warm) and `memo_entries` (big reads kept for the next process):
  READ_MAY_TOUCH; recent_requests only ever names tickers the cache has bars
  for (a refused ZZZZ must not be fetched every evening). Write commands (`alert add/remove/
  pause/resume`) change only their own tables, and only when they succeed;
- with --json and exit 0, stdout parses with json.loads and holds no NaN or Infinity.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from analytics.alerts.kinds import KINDS
from analytics.alerts.specs import ADD
from analytics.calendar import eastern_date
from analytics.commands import all_specs
from tests.properties import strategies as gen
from tests.properties.conftest import examples
from tests.properties.world import (
    FRED_SERIES,
    LIST_NAME,
    TICKERS,
    World,
    copy_world,
    table_digests,
)
from tests.support.cli import run

READ_MAY_TOUCH = frozenset({"recent_requests", "memo_entries"})
"""Tables a read command may change: bookkeeping no answer depends on."""

WRITES = {
    "alert add": frozenset({"alerts"}),
    "alert remove": frozenset({"alerts", "alert_fires", "alert_runs"}),
    "alert pause": frozenset({"alerts"}),
    "alert resume": frozenset({"alerts"}),
}
"""Commands that write, and the tables each may change when it succeeds (exit 0)."""

SPECS = all_specs()


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _no_constants(name: str) -> object:
    raise ValueError(f"--json printed {name}, which is not JSON")


class Workspace:
    """A copy of the world that each example starts from, restored only after a change."""

    def __init__(self, world: World, folder: Path) -> None:
        self.pristine = world
        self.folder = folder
        self.world = copy_world(world, folder / "cache")
        self.bytes = file_hash(self.world.db)
        self.tables = table_digests(self.world.db)
        self.chart_dir = folder / "charts"
        files = folder / "files"
        files.mkdir()
        (files / "tickers.txt").write_text("AAPL\nMSFT\nAAA\n", encoding="utf-8")
        (files / "tickers.json").write_text('{"mine": ["AAPL", "IWM"]}', encoding="utf-8")
        (files / "tickers.csv").write_text("Ticker,Name\nAAA,Alpha\nZZZZ,Nobody\n")
        (files / "empty.txt").write_text("")
        (files / "binary.bin").write_bytes(bytes(range(256)) * 4)
        (files / "folder").mkdir()
        self.files = tuple(sorted(files.iterdir()))

    def strategies_world(self, today) -> gen.World:
        return gen.World(
            tickers=TICKERS,
            first=self.world.first,
            last=self.world.last,
            today=today,
            lists=(LIST_NAME,),
            series=FRED_SERIES,
            files=self.files,
        )

    def changed_tables(self) -> set[str]:
        """Tables whose rows differ from the world's (a cheap byte check first)."""
        wal = self.world.db.with_name(self.world.db.name + "-wal")
        if file_hash(self.world.db) == self.bytes and not (wal.exists() and wal.stat().st_size):
            return set()
        after = table_digests(self.world.db)
        names = set(after) | set(self.tables)
        return {n for n in names if after.get(n) != self.tables.get(n)}

    def restore(self) -> None:
        self.world = copy_world(self.pristine, self.folder / "cache")
        for side in ("-wal", "-shm"):
            self.world.db.with_name(self.world.db.name + side).unlink(missing_ok=True)
        shutil.rmtree(self.chart_dir, ignore_errors=True)


@pytest.fixture
def workspace(cli_world, cli_env, tmp_path) -> Workspace:
    return Workspace(cli_world, tmp_path / "work")


def recorded_without_bars(db: Path) -> set[str]:
    """Tickers in recent_requests that the cache holds no bars for: the evening refresh would
    ask for them every day."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        recorded = {r[0] for r in conn.execute("SELECT ticker FROM recent_requests")}
        held = {r[0] for r in conn.execute("SELECT DISTINCT ticker FROM bars")}
    finally:
        conn.close()
    return recorded - held


def check_invocation(spec, argv: list[str], code: int, out: str, err: str) -> None:
    shown = f"marketbot {' '.join(repr(a) if ' ' in a or not a else a for a in argv)}"
    assert code in (0, 2), f"{shown}: exit {code}\nstdout: {out[-2000:]}\nstderr: {err[-2000:]}"
    assert "Traceback" not in out and "Traceback" not in err, f"{shown}: a traceback\n{err}"
    if code == 2:
        assert out == "", f"{shown}: exit 2 printed on stdout: {out[:500]!r}"
        assert err.endswith("\n") and err.count("\n") == 1, (
            f"{shown}: exit 2 needs exactly one line on stderr, got {err[:1500]!r}"
        )
        assert err.strip(), f"{shown}: exit 2 with an empty message"
    elif "--json" in argv and not out.startswith("usage:"):
        payload = json.loads(out, parse_constant=_no_constants)
        assert isinstance(payload, dict | list), f"{shown}: --json printed {type(payload)}"


def run_and_check(spec, argv: list[str], data, workspace: Workspace, capsys, errors) -> int:
    """Run `argv` (drawn for `spec`) with the global options drawn too, check every property,
    restore the world if it changed; the exit code."""
    json_flag = data.draw(st.sampled_from(["before", "after", "none"]), label="json")
    chart = data.draw(st.sampled_from([False, False, False, True]), label="chart")
    head = ["--db", str(workspace.world.db), "--offline"]
    if json_flag == "before":
        head.append("--json")
    tail = ["--json"] if json_flag == "after" else []
    if chart:
        tail += ["--chart-dir", str(workspace.chart_dir)]
    full = [*head, *argv, *tail]
    errors.records.clear()
    try:
        code, out, err = run(capsys, *full)
        check_invocation(spec, full, code, out, err)
        event(f"exit {code}")
        assert not errors.records, f"ERROR logs for {full}:\n{errors.describe()}"
        changed = workspace.changed_tables()
        allowed = READ_MAY_TOUCH | (WRITES.get(spec.name, frozenset()) if code == 0 else set())
        assert changed <= allowed, f"{full} (exit {code}) changed {sorted(changed)}"
        if changed:
            event(f"exit {code} changed {', '.join(sorted(changed))}")
        if "recent_requests" in changed:
            junk = recorded_without_bars(workspace.world.db)
            assert not junk, f"{full} recorded tickers the cache has no bars for: {junk}"
        return code
    finally:
        if workspace.changed_tables():
            workspace.restore()


def alert_count(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT COUNT(*) FROM alerts").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize("spec", SPECS, ids=[s.name.replace(" ", "-") for s in SPECS])
@settings(max_examples=examples("cli"))
@given(data=st.data())
def test_any_input_ends_in_an_answer_or_one_clear_line(
    spec, data, workspace, capsys, error_records
) -> None:
    world = workspace.strategies_world(eastern_date(dt.datetime.now(dt.UTC)))
    argv = data.draw(gen.cli_argv(spec, world), label="argv")
    run_and_check(spec, argv, data, workspace, capsys, error_records)


@pytest.mark.parametrize("kind", sorted(KINDS))
@settings(max_examples=examples("cli"))
@given(data=st.data())
def test_alert_add_with_its_kinds_own_options_adds_one_alert_or_refuses(
    kind, data, workspace, capsys, error_records
) -> None:
    """`alert add` options only make sense per kind (KINDS[kind].takes), which the spec does
    not declare: drawn from the whole spec, an add almost never succeeds. Here the options
    are the kind's own (and `to`), their values drawn as for any option."""
    own = [o for o in ADD.options if o.name in KINDS[kind].takes or o.name == "to"]
    # most of the kind's options given (drawn as required ones are), the rest half the time
    given = data.draw(
        st.lists(st.sampled_from([True, True, False]), min_size=len(own), max_size=len(own))
    )
    spec = dataclasses.replace(
        ADD,
        options=tuple(dataclasses.replace(o, required=g) for o, g in zip(own, given, strict=True)),
    )
    world = workspace.strategies_world(eastern_date(dt.datetime.now(dt.UTC)))
    rough = data.draw(st.integers(0, 3), label="rough") == 0  # clean three times in four
    argv = data.draw(gen.cli_argv(spec, world, hostile=rough), label="argv")
    argv = [*ADD.path, kind, *argv[len(ADD.path) :]]
    before = alert_count(workspace.world.db)
    code = run_and_check(ADD, argv, data, workspace, capsys, error_records)
    if code == 0:
        # run_and_check restored the world: count in a fresh run of the same argv
        run(capsys, "--db", str(workspace.world.db), "--offline", *argv)
        assert alert_count(workspace.world.db) == before + 1
        workspace.restore()
