"""`marketbot import`: several files and folders, one line per failure, notices, --replace,
and JSON that never holds Infinity or NaN."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from analytics.answer import Answer
from bot.terminal import print_json
from tests.support.cli import run

FRED_FOLDER = "fred/codex_macro_monitor"


def strict_json(text: str):
    """json.loads that rejects NaN/Infinity, as strict parsers (JavaScript's) do."""

    def refuse(token: str):
        raise ValueError(f"not JSON: {token}")

    return json.loads(text, parse_constant=refuse)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


GOOD = "Date,Close\n2024-01-02,10\n2024-01-03,0\n2024-01-04,11\n2024-01-06,12\n"


def test_several_files_one_failing_imports_the_others(cli_env, capsys):
    good = write(cli_env / "in" / "AAA.csv", GOOD)
    junk = write(cli_env / "in" / "BBB.csv", "Date,Close\n2024-01-02,abc\n")
    other = write(cli_env / "in" / "CCC.csv", "Date,Close\n2024-01-02,5\n")
    code, out, err = run(
        capsys,
        "import",
        "prices",
        str(good),
        str(junk),
        str(cli_env / "nope.csv"),
        str(other),
        "--json",
    )
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("marketbot: Cannot import BBB.csv: close on data row 1 is 'abc'")
    assert lines[1] == f"marketbot: {cli_env / 'nope.csv'}: no such file."
    data = strict_json(out)
    assert [(r["file"], r["ticker"], r["rows"]) for r in data["imported"]] == [
        ("AAA.csv", "AAA", 2),
        ("CCC.csv", "CCC", 1),
    ]
    aaa = data["imported"][0]
    assert aaa["skipped"] == {"non-positive close": 1, "Saturday": 1}
    assert aaa["skipped_text"] == "skipped 2 rows: 1 non-positive close, 1 Saturday"
    assert (aaa["decision"], aaa["written"], aaa["source"]) == ("new", 2, "import:in/AAA.csv")
    assert [f["file"] for f in data["failed"]] == [str(junk), str(cli_env / "nope.csv")]
    code, out, _ = run(capsys, "cache", "status", "--json")
    assert {t["ticker"]: t["rows"] for t in strict_json(out)["tickers"]} == {"AAA": 2, "CCC": 1}


def test_the_terminal_summary_names_skips_and_decisions(cli_env, capsys):
    write(cli_env / "a" / "AAA.csv", "Date,Close\n2024-01-02,10\n2024-01-03,11\n")
    assert run(capsys, "import", "prices", str(cli_env / "a" / "AAA.csv"))[0] == 0
    # A second source on another basis (a constant 2% below), with a bad row.
    write(
        cli_env / "b" / "AAA.csv", "Date,Close\n2024-01-02,9.8\n2024-01-03,10.78\n2024-01-04,-1\n"
    )
    code, out, err = run(capsys, "import", "prices", str(cli_env / "b" / "AAA.csv"))
    assert code == 0, err
    assert "skipped 1 row: 1 non-positive close" in out
    assert "rebased" in out
    assert "constant ratio 0.9800" in " ".join(out.split())


def test_a_folder_imports_its_csv_files_and_says_what_it_passed_over(cli_env, capsys, shared_data):
    folder = shared_data / "prices/blumenty_polygon_2025-2026"
    code, out, err = run(capsys, "import", "prices", str(folder), "--json")
    assert code == 0, err
    data = strict_json(out)
    csvs = sorted(p.name for p in folder.iterdir() if p.suffix == ".csv")
    imported = {r["file"] for r in data["imported"]}
    assert imported == set(csvs) - {"etfs_split_adjustment_events.csv"}
    assert data["notices"] == ["skipped etfs_split_adjustment_events.csv: not a price file"]
    assert data["failed"] == []


def test_a_folder_notice_for_entries_that_are_not_csv(cli_env, capsys):
    write(cli_env / "in" / "AAA.csv", GOOD)
    write(cli_env / "in" / "notes.txt", "hello")
    (cli_env / "in" / "sub").mkdir()
    write(cli_env / "in" / "sub" / "BBB.csv", GOOD)
    code, out, err = run(capsys, "import", "prices", str(cli_env / "in"), "--json")
    assert code == 0, err
    data = strict_json(out)
    assert [r["ticker"] for r in data["imported"]] == ["AAA"]  # not recursive
    [notice] = data["notices"]
    assert "skipped 2 entries that are not .csv files" in notice
    assert "notes.txt" in notice and "sub/" in notice


def test_a_named_file_that_is_not_prices_fails_and_nothing_is_imported(
    cli_env, capsys, shared_data
):
    path = shared_data / "universe/sp500_split_adjustment_events.csv"
    code, out, err = run(capsys, "import", "prices", str(path))
    assert (code, out) == (2, "")
    assert len(err.strip().splitlines()) == 1
    assert "sp500_split_adjustment_events.csv" in err


def test_import_fred_skips_files_that_are_not_series(cli_env, capsys, shared_data):
    folder = shared_data / FRED_FOLDER
    code, out, err = run(capsys, "import", "fred", str(folder), "--json")
    assert code == 0, err
    data = strict_json(out)
    series_files = sorted(p.name for p in folder.glob("*.csv") if p.name != "metadata.csv")
    assert sorted(r["file"] for r in data["imported"]) == series_files
    assert data["notices"] == ["skipped metadata.csv: not a FRED series file"]
    # Row counts from the files themselves: non-empty values only.
    for row in data["imported"]:
        with (folder / row["file"]).open(newline="") as handle:
            want = sum(1 for r in csv.DictReader(handle) if r["value"].strip() not in ("", "."))
        assert row["rows"] == want, row["file"]


def test_import_fred_named_metadata_alone_imports_nothing(cli_env, capsys, shared_data):
    code, out, err = run(capsys, "import", "fred", str(shared_data / FRED_FOLDER / "metadata.csv"))
    assert code == 2
    assert "skipped metadata.csv: not a FRED series file" in out
    assert err.strip() == "marketbot: nothing imported: no FRED series file among the paths given."


def test_replace_takes_the_file_wholesale(cli_env, capsys):
    write(cli_env / "a" / "AAA.csv", "Date,Close\n2024-01-02,10\n2024-01-03,11\n2024-01-04,12\n")
    write(cli_env / "b" / "AAA.csv", "Date,Close\n2024-01-02,10\n2024-01-03,22\n")
    assert run(capsys, "import", "prices", str(cli_env / "a" / "AAA.csv"))[0] == 0
    code, out, _ = run(capsys, "import", "prices", str(cli_env / "b" / "AAA.csv"), "--json")
    assert code == 0
    [line] = strict_json(out)["imported"]
    assert line["decision"] == "refused"
    assert "2024-01-02 -> 2024-01-03" in line["detail"]
    code, out, _ = run(
        capsys, "import", "prices", str(cli_env / "b" / "AAA.csv"), "--replace", "--json"
    )
    assert strict_json(out)["imported"][0]["decision"] == "replaced"
    code, out, _ = run(
        capsys, "--offline", "price", "AAA", "--window", "2024-01-01:2024-01-31", "--json"
    )
    assert [(b["date"], b["close"]) for b in strict_json(out)] == [
        ("2024-01-02", 10.0),
        ("2024-01-03", 22.0),
    ]


def test_json_never_writes_infinity_or_nan(capsys):
    answer = Answer(
        title="t",
        summary="s",
        data={
            "a": math.inf,
            "nested": {"b": [1.0, -math.inf, {"c": math.nan}], "d": (np.float64("nan"), 2)},
            "array": np.array([1.5, np.inf, np.nan]),
            "numpy": np.float64("-inf"),
        },
    )
    print_json(answer.to_json())
    data = strict_json(capsys.readouterr().out)
    assert data["a"] is None
    assert data["nested"] == {"b": [1.0, None, {"c": None}], "d": [None, 2]}
    assert data["array"] == [1.5, None, None]
    assert data["numpy"] is None
    # A payload that bypasses Answer goes through the same cleaning.
    print_json({"x": [math.nan, 1]})
    assert strict_json(capsys.readouterr().out) == {"x": [None, 1]}


@pytest.mark.parametrize("flag", ["--ticker", None])
def test_ticker_names_one_file_only(cli_env, capsys, flag):
    a = write(cli_env / "a.csv", GOOD)
    b = write(cli_env / "b.csv", GOOD)
    argv = ["import", "prices", str(a), str(b)] + ([flag, "AAA"] if flag else [])
    code, _, err = run(capsys, *argv)
    if flag:
        assert code == 2 and "--ticker names the ticker of one file" in err
    else:
        assert code == 0, err
