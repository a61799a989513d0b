"""Database and file-system trouble: one line naming the file and what to do, exit 2, nothing
written. A read-only cache can still be read. A chart that cannot be saved only warns.

Root (these tests often run as root) can write where `chmod` forbids, so:
- refusals are tested through paths that fail for root too (a folder named as the database,
  /dev/null, a path under a regular file, an empty string, files that are not SQLite);
- the read-only code path is forced by injection (`cache_file.can_write`, `read_only=True`);
- the real condition (a read-only file in a read-only folder, where WAL cannot make its side
  files) is run in a child process inside an unprivileged user namespace (`unshare -U`: there
  root's files belong to an unmapped owner and permissions apply), skipped where unshare is not
  allowed; a non-root run uses chmod directly.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from analytics.data import cache_file
from analytics.data.cache import SCHEMA_VERSION, PriceCache
from analytics.data.cache_file import CacheFileError, explain_sqlite_error
from analytics.data.market import MarketData
from tests.fakes.prices import RecordingProvider
from tests.support.cli import run

REPO = Path(__file__).resolve().parents[3]
NOW = pd.Timestamp("2024-07-01 20:00", tz="America/New_York").tz_convert("UTC").to_pydatetime()


def write_csv(path: Path, n: int = 300) -> list[dict]:
    """A Yahoo-format file of n NYSE sessions from 2023-01-03; returns its rows as written."""
    from analytics.calendar import is_session

    rows, day = [], dt.date(2023, 1, 3)
    while len(rows) < n:
        if is_session(day):
            close = round(100 + len(rows) * 0.25, 2)
            rows.append(
                {
                    "Date": day.isoformat(),
                    "Open": close - 1,
                    "High": close + 1,
                    "Low": close - 2,
                    "Close": close,
                    "Adj Close": round(close * 0.99, 4),
                    "Volume": 1000 + len(rows),
                }
            )
        day += dt.timedelta(days=1)
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return rows


def state(folder: Path) -> dict[str, str]:
    """Every file under `folder` with a hash of its bytes (what 'nothing written' compares)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            out[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            out[str(path.relative_to(folder))] = "dir"
    return out


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


@pytest.fixture
def good_cache(cli_env, capsys) -> tuple[Path, list[dict]]:
    """A real cache file holding SPY from an imported file (WAL checkpointed, closed)."""
    rows = write_csv(cli_env / "SPY.csv")
    db = cli_env / "good.db"
    code, _, err = run(capsys, "--db", str(db), "import", "prices", str(cli_env / "SPY.csv"))
    assert code == 0, err
    return db, rows


def newer_schema_file(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE bars (x)")
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()


# -- refusals: one line, exit 2, nothing written --------------------------------------------------


def refusal_cases(folder: Path, good: Path) -> dict[str, tuple[str, str]]:
    """name -> (the --db value, what the message must say), files laid out under `folder`."""
    (folder / "a-folder").mkdir()
    (folder / "notes.txt").write_text("not a folder\n")
    (folder / "garbage.db").write_bytes(os.urandom(4096))
    (folder / "text.db").write_text("ticker,date,close\nSPY,2024-01-02,470\n")
    data = good.read_bytes()
    (folder / "truncated.db").write_bytes(data[: len(data) // 3])
    (folder / "stub.db").write_bytes(data[:10])
    # page 1 (the header and schema) intact, every other page overwritten
    page = int.from_bytes(data[16:18], "big")
    (folder / "corrupt.db").write_bytes(data[:page] + b"\xa5" * (len(data) - page))
    newer_schema_file(folder / "newer.db")
    return {
        "folder": (str(folder / "a-folder"), "is a folder: give a file path"),
        "empty": ("", "--db is empty"),
        "dev-null": ("/dev/null", "is not a regular file"),
        "under-a-file": (str(folder / "notes.txt" / "x.db"), "notes.txt is a file, not a folder"),
        "garbage": (str(folder / "garbage.db"), "is not a SQLite database"),
        "text": (str(folder / "text.db"), "is not a SQLite database"),
        "truncated": (str(folder / "truncated.db"), "is damaged (truncated:"),
        "stub": (str(folder / "stub.db"), "is damaged (truncated:"),
        "corrupt": (str(folder / "corrupt.db"), "is damaged (database disk image is malformed)"),
        "newer": (str(folder / "newer.db"), "was written by a newer marketbot"),
    }


CASES = [
    "folder",
    "empty",
    "dev-null",
    "under-a-file",
    "garbage",
    "text",
    "truncated",
    "stub",
    "corrupt",
    "newer",
]
COMMANDS = [
    ("--offline", "price", "SPY", "--window", "2023-01-03:2023-12-29"),
    ("import", "prices", "{csv}"),
    ("cache", "status"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=["price", "import", "status"])
@pytest.mark.parametrize("case", CASES)
def test_a_bad_cache_file_is_one_line_exit_2_and_nothing_written(
    good_cache, cli_env, capsys, case, command
):
    good, _ = good_cache
    folder = cli_env / "trouble"
    folder.mkdir()
    db, message = refusal_cases(folder, good)[case]
    argv = [part.replace("{csv}", str(cli_env / "SPY.csv")) for part in command]
    before = state(folder)
    code, out, err = run(capsys, "--db", db, *argv)
    assert code == 2, (out, err)
    line = one_line(err)
    assert message in line
    if db:
        assert db in line  # names the file
    assert state(folder) == before
    assert Path("/dev/null").is_char_device()


@pytest.mark.parametrize("case", ["garbage", "truncated", "newer", "folder", "dev-null"])
def test_cache_check_refuses_what_cannot_be_opened_with_the_same_line(
    good_cache, cli_env, capsys, case
):
    folder = cli_env / "trouble"
    folder.mkdir()
    db, message = refusal_cases(folder, good_cache[0])[case]
    before = state(folder)
    code, _, err = run(capsys, "--db", db, "cache", "check")
    assert code == 2
    assert message in one_line(err)
    assert state(folder) == before


def test_cache_check_passes_a_good_file_and_lists_its_imports(good_cache, capsys):
    db, _ = good_cache
    before = state(db.parent)
    code, out, err = run(capsys, "--db", str(db), "cache", "check", "--json")
    assert code == 0, err
    assert json.loads(out) == {
        "path": str(db),
        "ok": True,
        "problems": [],
        "imported": [f"{db.parent.name}/SPY.csv"],  # import sources are labelled folder/file
        "advice": "No damage found.",
    }
    assert state(db.parent) == before


def test_cache_check_finds_damage_sqlite_itself_reports_and_says_what_to_do(
    good_cache, cli_env, capsys
):
    db, _ = good_cache
    data = bytearray(db.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    # spoil the last page only: the schema still reads, the integrity check does not pass
    data[-page:] = b"\x5a" * page
    damaged = cli_env / "damaged.db"
    damaged.write_bytes(bytes(data))
    conn = sqlite3.connect(f"file:{damaged}?immutable=1", uri=True)
    try:  # what SQLite itself says: its list of problems, or the error that stopped it
        sqlite_says = [r[0] for r in conn.execute("PRAGMA integrity_check(20)").fetchall()]
    except sqlite3.DatabaseError as exc:
        sqlite_says = [str(exc)]
    conn.close()
    assert sqlite_says != ["ok"]
    before = state(cli_env)

    code, out, err = run(capsys, "--db", str(damaged), "cache", "check", "--json")
    assert code == 2, err
    report = json.loads(out)
    assert report["ok"] is False
    assert report["problems"] == sqlite_says
    if report["imported"] is None:  # the damage hid the sources
        assert "any files you imported must be imported again" in report["advice"]
    else:
        assert report["imported"] == [f"{cli_env.name}/SPY.csv"]
        assert f"then re-import {cli_env.name}/SPY.csv" in report["advice"]
    assert report["advice"].startswith(f"Delete {damaged}")
    assert state(cli_env) == before


# -- read-only caches -----------------------------------------------------------------------------


def expected_bars(rows: list[dict]) -> list[dict]:
    return [
        {
            "date": r["Date"],
            "open": float(r["Open"]),
            "high": float(r["High"]),
            "low": float(r["Low"]),
            "close": float(r["Close"]),
            "adj_close": float(r["Adj Close"]),
            "volume": float(r["Volume"]),
        }
        for r in rows
    ]


def test_a_cache_that_cannot_be_written_is_read_and_writes_are_refused(
    good_cache, cli_env, capsys, monkeypatch
):
    db, rows = good_cache
    monkeypatch.setattr(cache_file, "can_write", lambda path: Path(path) != db)
    before = state(cli_env)
    code, out, err = run(capsys, "--db", str(db), "--offline", "price", "SPY", "--window",
                         f"{rows[0]['Date']}:{rows[-1]['Date']}", "--json")  # fmt: skip
    assert code == 0, err
    assert json.loads(out) == expected_bars(rows)

    code, _, err = run(capsys, "--db", str(db), "import", "prices", str(cli_env / "SPY.csv"))
    assert code == 2
    assert one_line(err) == (
        f"marketbot: The cache {db} is read-only and this command writes to it: make the file "
        "and its folder writable, or point --db at a copy."
    )
    assert state(cli_env) == before


def test_a_new_cache_in_a_folder_that_cannot_be_written_is_refused(cli_env, capsys, monkeypatch):
    folder = cli_env / "locked"
    folder.mkdir()
    monkeypatch.setattr(cache_file, "can_write", lambda path: Path(path) != folder)
    code, _, err = run(capsys, "--db", str(folder / "new.db"), "cache", "status")
    assert code == 2
    assert one_line(err) == (
        f"marketbot: The cache {folder / 'new.db'} cannot be created: the folder {folder} is "
        "not writable. Pick a folder you can write to."
    )
    assert list(folder.iterdir()) == []


def test_a_read_only_cache_answers_without_fetching_and_says_so(good_cache, tmp_path):
    db, rows = good_cache
    provider = RecordingProvider()
    with PriceCache(db, read_only=True) as cache:
        market = MarketData(cache, provider, now=lambda: NOW)
        result = market.bars(["SPY"], dt.date(2023, 1, 2), dt.date(2024, 6, 28))
        with pytest.raises(CacheFileError, match="is read-only"):
            cache.touch_recent(["SPY"], NOW)
        report = market.fill(["SPY", "IWM"], dt.date(2023, 1, 2), dt.date(2024, 6, 28))
    assert provider.calls == []
    assert result.series("SPY")["close"].tolist() == [float(r["Close"]) for r in rows]
    assert result.warnings == (
        f"The cache file {db} is read-only, so nothing was fetched; showing cached data as of "
        f"{rows[-1]['Date']}.",
    )
    assert sorted(report.failed) == ["IWM", "SPY"]


def test_an_old_schema_that_is_read_only_cannot_be_upgraded(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("PRAGMA user_version=2")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    with pytest.raises(CacheFileError, match=r"older marketbot \(schema 2\) and read-only"):
        PriceCache(path, read_only=True)
    assert path.read_bytes() == before


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-U", "true"], capture_output=True)
    return probe.returncode == 0


def _as_unprivileged(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run `marketbot argv` where permissions apply: as this user if not root, else inside
    an unprivileged user namespace."""
    code = "import sys; from bot.cli import main; sys.exit(main(sys.argv[1:]))"
    command = [sys.executable, "-c", code, *argv]
    if os.geteuid() == 0:
        command = ["unshare", "-U", *command]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARKETBOT_")}
    env["HOME"] = str(cwd)
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def read_only_folder():
    """A folder under /tmp others can enter (pytest's own tmp folders are private to root)."""
    if os.geteuid() == 0 and not _unshare_works():
        pytest.skip("running as root and `unshare -U` is not permitted: no real read-only folder")
    folder = Path(tempfile.mkdtemp(prefix="marketbot-ro-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    shutil.rmtree(folder)


def test_a_real_read_only_folder_is_read_through_an_immutable_open(read_only_folder):
    rows = write_csv(read_only_folder / "SPY.csv")
    db = read_only_folder / "ro.db"
    with PriceCache(db) as cache:
        frame = pd.read_csv(read_only_folder / "SPY.csv", index_col="Date", parse_dates=True)
        bars = frame.rename(columns=str.lower).rename(columns={"adj close": "adj_close"})
        MarketData(cache, None, now=lambda: NOW).import_bars("SPY", bars, "import:SPY.csv")
    assert not Path(f"{db}-wal").exists()  # closed cleanly: WAL has no side files to reuse
    db.chmod(0o444)
    read_only_folder.chmod(0o555)
    before = state(read_only_folder)

    done = _as_unprivileged(
        ["--db", str(db), "--offline", "price", "SPY", "--window",
         f"{rows[0]['Date']}:{rows[-1]['Date']}", "--json"],
        read_only_folder,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == expected_bars(rows)

    refused = _as_unprivileged(
        ["--db", str(db), "import", "prices", str(read_only_folder / "SPY.csv")], read_only_folder
    )
    assert refused.returncode == 2
    assert "is read-only and this command writes to it" in one_line(refused.stderr)

    new = _as_unprivileged(["--db", str(read_only_folder / "new.db"), "cache", "status"], REPO)
    assert new.returncode == 2
    assert "the folder" in one_line(new.stderr) and "is not writable" in new.stderr
    assert state(read_only_folder) == before


# -- runtime SQLite errors, charts, dates ---------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "says"),
    [
        (sqlite3.OperationalError("database is locked"), "is locked by another marketbot process"),
        (sqlite3.OperationalError("database or disk is full"), "is full: free some space"),
        (sqlite3.OperationalError("attempt to write a readonly database"), "is read-only"),
        (sqlite3.DatabaseError("database disk image is malformed"), "run `marketbot cache check"),
    ],
)
def test_each_sqlite_error_becomes_a_line_naming_the_file(error, says, tmp_path):
    line = explain_sqlite_error(tmp_path / "c.db", error)
    assert says in line
    assert str(tmp_path / "c.db") in line


@pytest.mark.parametrize("kind", ["a file", "a name too long"])
def test_a_chart_that_cannot_be_saved_still_prints_the_answer_with_a_warning(
    good_cache, cli_env, capsys, kind
):
    db, rows = good_cache
    if kind == "a file":
        chart_dir = cli_env / "charts.txt"
        chart_dir.write_text("in the way\n")
    else:
        chart_dir = cli_env / ("c" * 300)

    def outside_the_cache() -> dict[str, str]:  # the command records recent tickers in it
        return {k: v for k, v in state(cli_env).items() if not k.startswith("good.db")}

    before = outside_the_cache()
    code, out, err = run(capsys, "--db", str(db), "--offline", "--chart-dir", str(chart_dir),
                         "price", "SPY", "--window", f"{rows[0]['Date']}:{rows[-1]['Date']}")  # fmt: skip
    assert code == 0, err
    assert f"SPY closed at {float(rows[-1]['Close']):.2f}" in out
    line = one_line(err)
    assert line.startswith(f"marketbot: warning: the chart was not saved in {chart_dir}")
    assert outside_the_cache() == before


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("compare", "SPY", "IWM", "--as-of", "0001-01-01"), "as_of 0001-01-01 is out of range"),
        (("compare", "SPY", "IWM", "--window", "0001-01-01:2024-01-02"), "is out of range"),
        (("streak", "SPY", "IWM", "--as-of", "1899-12-31"), "as_of 1899-12-31 is out of range"),
        (("price", "SPY", "--as-of", "2101-01-01"), "as_of 2101-01-01 is in the future and"),
        (("price", "SPY", "--window", "2101-01-01:2101-02-01"), "is in the future and"),
        (("movers", "--tickers", "SPY,IWM", "--as-of", "0001-01-01"), "is out of range"),
    ],
)
def test_every_date_option_is_range_checked(cli_env, capsys, argv, message):
    code, _, err = run(capsys, "--offline", *argv)
    assert code == 2
    line = one_line(err)
    assert message in line
    assert "between 1900-01-01 and 2100-12-31" in line
