"""Properties of every command at the terminal, whatever is typed.

For each spec (analytics.commands.all_specs()), hypothesis builds argv from the spec's options
(tests/properties/strategies.py) and runs `marketbot --db COPY --offline [--json] ...`
in-process (tests/cli.py) on a copy of the planted world. Whatever the input:

- the exit code is 0 (an answer, or --help) or 2 (a clear message), never 1 (a bug);
- on 2, stdout is empty and stderr is exactly one line; no traceback anywhere; no ERROR log;
- the cache's content is unchanged on 2, and for read commands always, except the
  bookkeeping table `recent_requests` (which tickers commands asked for, so the evening
  refresh keeps them warm): READ_MAY_TOUCH. Write commands (`alert add/remove/pause/resume`)
  change only their own tables, and only when they succeed;
- with --json and exit 0, stdout parses with json.loads and holds no NaN or Infinity.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from analytics.calendar import eastern_date
from analytics.commands import all_specs
from tests.cli import run
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

READ_MAY_TOUCH = frozenset({"recent_requests"})
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


@pytest.mark.parametrize("spec", SPECS, ids=[s.name.replace(" ", "-") for s in SPECS])
@settings(max_examples=examples("cli"))
@given(data=st.data())
def test_any_input_ends_in_an_answer_or_one_clear_line(
    spec, data, workspace, capsys, error_records
) -> None:
    world = workspace.strategies_world(eastern_date(dt.datetime.now(dt.UTC)))
    argv = data.draw(gen.cli_argv(spec, world), label="argv")
    json_flag = data.draw(st.sampled_from(["before", "after", "none"]), label="json")
    chart = data.draw(st.sampled_from([False, False, False, True]), label="chart")
    head = ["--db", str(workspace.world.db), "--offline"]
    if json_flag == "before":
        head.append("--json")
    tail = ["--json"] if json_flag == "after" else []
    if chart:
        tail += ["--chart-dir", str(workspace.chart_dir)]
    full = [*head, *argv, *tail]
    error_records.records.clear()
    try:
        code, out, err = run(capsys, *full)
        check_invocation(spec, full, code, out, err)
        event(f"exit {code}")
        assert not error_records.records, f"ERROR logs for {full}:\n{error_records.describe()}"
        changed = workspace.changed_tables()
        allowed = READ_MAY_TOUCH | (WRITES.get(spec.name, frozenset()) if code == 0 else set())
        assert changed <= allowed, f"{full} (exit {code}) changed {sorted(changed)}"
        if changed:
            event(f"exit {code} changed {', '.join(sorted(changed))}")
    finally:
        if workspace.changed_tables():
            workspace.restore()
