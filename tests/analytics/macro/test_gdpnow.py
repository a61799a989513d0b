"""The GDPNow track: the parser on the Atlanta Fed's real file, strictness on broken ones, the
cache table, the answers as of 2025-11-05, 2025-12-16 (2025 Q3 still forecast after it ended)
and 2025-12-23 (the first Q4 nowcast), the chart, and `marketbot import gdpnow`.

Expected values are recomputed here from the files with the csv module, splitting the dates by
hand, and plain loops for the history context.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import statistics
from pathlib import Path

import pytest

from analytics.data.cache import PriceCache
from analytics.errors import BadInput, NoData
from analytics.macro.fred import parse_fred_csv
from analytics.macro.gdp_tables import GDP_TABLE_STATEMENTS, GDPNOW_TRACK
from analytics.macro.gdpnow.answer import gdpnow_track_answer
from analytics.macro.gdpnow.nowcast import latest_nowcast
from analytics.macro.gdpnow.store import GdpNowStore, import_gdpnow_file
from analytics.macro.gdpnow.track import TrackRow, parse_gdpnow_track, read_gdpnow_file
from tests.support.cli import run

PANDEMIC = ((dt.date(2020, 4, 1), dt.date(2021, 12, 31)),)
NOON = dt.datetime(2026, 1, 2, 12, 0, tzinfo=dt.UTC)
HEADER = "Forecast Date,Quarter being forecasted,GDP Nowcast"


# --- independent readings of the files ------------------------------------------------------------


def mdy(text: str) -> dt.date:
    month, day, year = (int(part) for part in text.split("/"))
    return dt.date(2000 + year if year < 100 else year, month, day)


def track_by_hand(path: Path) -> list[tuple[dt.date, dt.date, float]]:
    """(forecast date, first day of the quarter, nowcast) in file order."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))[1:]
    out = []
    for forecast, quarter_last, value in rows:
        last = mdy(quarter_last)
        out.append((mdy(forecast), dt.date(last.year, last.month - 2, 1), float(value)))
    return out


def bea_by_hand(path: Path) -> list[tuple[dt.date, float]]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))[1:]
    return [(dt.date.fromisoformat(d), float(v)) for d, v in rows if v.strip() not in ("", ".")]


def since_by_hand(
    history: list[tuple[dt.date, float]], value: float, before: dt.date
) -> tuple[str, list[tuple[dt.date, float]]]:
    """Direction (value above the median of the compared quarters: high) and the last quarter of
    each run of consecutive quarters at least as fast (or slow), most recent first. Pandemic
    quarters are compared with nothing and break runs."""

    def hidden(day: dt.date) -> bool:
        return any(a <= day <= b for a, b in PANDEMIC)

    earlier = [(d, v) for d, v in history if d < before]
    median = statistics.median(v for d, v in earlier if not hidden(d))
    high = value > median
    runs: list[tuple[dt.date, float]] = []
    open_run = False
    for day, v in earlier:
        ok = not hidden(day) and (v >= value if high else v <= value)
        if ok and open_run:
            runs[-1] = (day, v)
        elif ok:
            runs.append((day, v))
        open_run = ok
    return ("high" if high else "low"), list(reversed(runs))


@pytest.fixture(scope="module")
def track_path(shared_data: Path) -> Path:
    return shared_data / "fred" / "atlantafed" / "gdpnow_track_2014-05-01_to_2025-12-31.csv"


@pytest.fixture(scope="module")
def bea_path(shared_data: Path) -> Path:
    return shared_data / "fred" / "A191RL1Q225SBEA.csv"


@pytest.fixture(scope="module")
def track(track_path):
    return read_gdpnow_file(track_path)


@pytest.fixture(scope="module")
def bea(bea_path):
    return parse_fred_csv(bea_path.read_text(encoding="utf-8"))[1]


@pytest.fixture
def cache(tmp_path):
    with PriceCache(tmp_path / "cache.db") as opened:
        yield opened


# --- the parser ---------------------------------------------------------------------------------


def test_the_real_file_is_in_the_atlanta_feds_layout(track_path) -> None:
    raw = track_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n")
    assert not raw.endswith(b"\n")  # no final newline
    assert raw.count(b"\r\n") == 1779  # header + 1,779 rows, the last without a line end


def test_parser_reads_every_row_of_the_real_file(track, track_path) -> None:
    expected = track_by_hand(track_path)
    assert len(expected) == 1779
    assert track.skipped == ()
    got = [(r.forecast_date, r.quarter, r.nowcast) for r in track.rows]
    assert got == sorted(expected)
    assert got[0] == (dt.date(2014, 5, 1), dt.date(2014, 4, 1), 3.9)
    assert got[-1] == (dt.date(2025, 12, 23), dt.date(2025, 10, 1), 3.0)
    assert len({q for _, q, _ in got}) == len({q for _, q, _ in expected}) == 47
    frame = track.frame()
    assert list(frame.columns) == ["forecast_date", "quarter", "nowcast"]
    assert math.isclose(frame["nowcast"].sum(), sum(v for _, _, v in expected), abs_tol=1e-9)


def test_bad_rows_are_counted_and_skipped_with_reasons() -> None:
    text = "\r\n".join(
        [
            "\ufeff" + HEADER,
            "5/1/14,6/30/14,3.9",  # good
            "5/2/14,6/30/14,4.2",  # good
            "5/2/14,6/30/14,4.4",  # same date and quarter again
            "13/2/14,6/30/14,4.0",  # no month 13
            "5/6/14,6/29/14,4.0",  # not a quarter's last day
            "5/7/14,6/30/14,n/a",  # not a number
            "5/8/14,6/30/14,inf",  # not finite
            "5/9/14,6/30/14",  # a cell short
            "3/1/14,6/30/14,1.0",  # before the quarter starts
            "5/12/2014,6/30/2014,3.6",  # four-digit years are read too
            "",  # blank line: ignored
            "5/13/14,6/30/14,3.6",
        ]
    )
    parsed = parse_gdpnow_track(text, source="test.csv")
    assert [(r.forecast_date, r.nowcast) for r in parsed.rows] == [
        (dt.date(2014, 5, 1), 3.9),
        (dt.date(2014, 5, 2), 4.2),
        (dt.date(2014, 5, 12), 3.6),
        (dt.date(2014, 5, 13), 3.6),
    ]
    reasons = {s.line: s.reason for s in parsed.skipped}
    assert sorted(reasons) == [4, 5, 6, 7, 8, 9, 10]
    assert "repeats" in reasons[4] and "line 3" in reasons[4]
    assert "not a date" in reasons[5]
    assert "not a quarter's last day" in reasons[6]
    assert "not a number" in reasons[7]
    assert "not a finite number" in reasons[8]
    assert "has 2 cells" in reasons[9]
    assert "outside the forecasting window" in reasons[10]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("observation_date,GDPNOW\n2025-07-01,3.9", "is not a GDPNow track: expected"),
        ("<!DOCTYPE html><html><body>Moved</body></html>", "is a web page"),
        ("", "got 'nothing'"),
        (HEADER + "\r\n", "no valid nowcast (no rows)"),
        (
            HEADER + "\r\nx,6/30/14,1\r\n5/1/14,6/31/14,1",
            "no valid nowcast (line 2: forecast date 'x'",
        ),
    ],
)
def test_files_that_are_not_a_track_are_refused(text: str, message: str) -> None:
    with pytest.raises(BadInput, match=None) as caught:
        parse_gdpnow_track(text, source="x.csv")
    assert message in caught.value.message
    assert caught.value.message.startswith("x.csv ")


def test_the_excel_workbook_is_refused_with_what_to_do(tmp_path) -> None:
    path = tmp_path / "GDPTrackingModelDataAndForecasts.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    with pytest.raises(BadInput, match="Excel workbook: open it, and save the sheet"):
        read_gdpnow_file(path)
    with pytest.raises(BadInput, match="No such file"):
        read_gdpnow_file(tmp_path / "missing.csv")


# --- the cache table ------------------------------------------------------------------------------


def test_import_stores_the_track_and_reimport_changes_nothing(cache, track, track_path) -> None:
    first = import_gdpnow_file(cache, track_path, now=NOON)
    assert (first.rows, first.quarters, first.first, first.last) == (
        1779,
        47,
        dt.date(2014, 5, 1),
        dt.date(2025, 12, 23),
    )
    stored = GdpNowStore(cache).track()
    assert stored[["forecast_date", "quarter", "nowcast"]].equals(track.frame())
    assert set(stored["source"]) == {f"file:{track_path.name}"}
    import_gdpnow_file(cache, track_path, now=NOON + dt.timedelta(days=1))
    count, total = cache.db.execute(f"SELECT COUNT(*), SUM(nowcast) FROM {GDPNOW_TRACK}").fetchone()
    assert count == 1779
    assert math.isclose(total, sum(v for _, _, v in track_by_hand(track_path)), abs_tol=1e-9)
    summary = GdpNowStore(cache).summary()
    assert (summary.rows, summary.first, summary.last) == (
        1779,
        dt.date(2014, 5, 1),
        dt.date(2025, 12, 23),
    )


def test_quarter_is_stored_as_fred_dates_it_and_until_cuts_the_track(cache, track_path) -> None:
    import_gdpnow_file(cache, track_path, now=NOON)
    row = cache.db.execute(
        f"SELECT quarter, nowcast FROM {GDPNOW_TRACK} WHERE forecast_date = '2025-12-16'"
    ).fetchone()
    assert row == ("2025-07-01", 3.5)
    until = GdpNowStore(cache).track(until=dt.date(2025, 12, 16))
    expected = [r for r in track_by_hand(track_path) if r[0] <= dt.date(2025, 12, 16)]
    assert len(until) == len(expected)


def test_a_failed_write_stores_nothing(cache) -> None:
    store = GdpNowStore(cache)
    good = TrackRow(dt.date(2025, 12, 1), dt.date(2025, 7, 1), 3.9)
    broken = TrackRow(dt.date(2025, 12, 3), dt.date(2025, 7, 1), float("nan"))  # NULL: refused
    with pytest.raises(Exception, match="NOT NULL"):
        store.save([good, broken], source="test", imported_at=NOON)
    assert store.summary() is None


def test_a_file_that_is_not_a_track_changes_nothing(cache, track_path, tmp_path) -> None:
    import_gdpnow_file(cache, track_path, now=NOON)
    bad = tmp_path / "bad.csv"
    bad.write_text("Date,Value\n2025-01-01,1\n")
    with pytest.raises(BadInput):
        import_gdpnow_file(cache, bad)
    assert GdpNowStore(cache).summary().rows == 1779


def test_the_ddl_is_idempotent(cache) -> None:
    with cache.transaction() as conn:
        for statement in GDP_TABLE_STATEMENTS:
            conn.execute(statement)  # every statement may run again (the file has them)
    names = {r[0] for r in cache.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"gdpnow_track", "gdp_releases"} <= names


# --- the answers ----------------------------------------------------------------------------------


def expected_nowcast(rows, as_of: dt.date):
    """The latest row on or before as_of, its quarter's rows up to it, by hand."""
    known = sorted(r for r in rows if r[0] <= as_of)
    day, quarter, value = known[-1]
    path = [(d, v) for d, q, v in known if q == quarter]
    return day, quarter, value, path


@pytest.mark.parametrize(
    ("as_of", "quarter"),
    [
        (dt.date(2025, 11, 5), dt.date(2025, 7, 1)),  # Q4 has begun; Q3 is still forecast
        (dt.date(2025, 12, 16), dt.date(2025, 7, 1)),  # Q3's last nowcast, 77 days after it ended
        (dt.date(2025, 12, 23), dt.date(2025, 10, 1)),  # BEA's advance Q3 estimate: Q4 starts
    ],
)
def test_answer_as_of_a_day_matches_the_file(
    track, track_path, bea, bea_path, as_of, quarter
) -> None:
    rows = track_by_hand(track_path)
    day, expected_quarter, value, path = expected_nowcast(rows, as_of)
    assert expected_quarter == quarter
    answer = gdpnow_track_answer(track.frame(), bea, as_of=as_of, chart=False)
    data = answer.to_json()
    assert data["value"] == value
    assert data["nowcast_date"] == day.isoformat()
    assert data["quarter"] == quarter.isoformat()
    assert data["track"] == [{"date": d.isoformat(), "value": v} for d, v in path]
    if len(path) > 1:
        assert data["previous_update"] == {"date": path[-2][0].isoformat(), "value": path[-2][1]}
        assert math.isclose(data["change"], value - path[-2][1], abs_tol=1e-9)
    else:
        assert data["previous_update"] is None and data["change"] is None
    direction, runs = since_by_hand(bea_by_hand(bea_path), value, quarter)
    assert data["direction"] == direction
    assert data["previous"] == [{"date": d.isoformat(), "value": v} for d, v in runs[:3]]
    label = f"{quarter.year} Q{(quarter.month - 1) // 3 + 1}"
    since = runs[0][0]
    word = "fastest" if direction == "high" else "slowest"
    assert answer.title.startswith(
        f"GDPNow {value:+.1f}% for {label}: {word} since {since.year} Q{(since.month - 1) // 3 + 1}"
    )
    assert answer.as_of == day
    assert data["excluded"] == [["2020-04-01", "2021-12-31"]]


def test_the_three_days_named_in_the_issue(track, bea) -> None:
    """The same answers spelled out, so a reader sees what the file says on those days."""
    frame = track.frame()
    nov = latest_nowcast(frame, dt.date(2025, 11, 5))
    assert (nov.date, nov.quarter, nov.value) == (dt.date(2025, 11, 5), dt.date(2025, 7, 1), 4.0)
    assert (nov.previous.date, nov.previous.value) == (dt.date(2025, 11, 3), 4.0)
    dec = latest_nowcast(frame, dt.date(2025, 12, 16))
    assert (dec.value, dec.previous.value, dec.after_quarter_end) == (3.5, 3.6, True)
    assert len(dec.path) == 44 and dec.path[0] == (dec.path[0].__class__(dt.date(2025, 7, 31), 2.3))
    q4 = latest_nowcast(frame, dt.date(2025, 12, 23))
    assert (q4.quarter, q4.value, q4.previous, q4.after_quarter_end) == (
        dt.date(2025, 10, 1),
        3.0,
        None,
        False,
    )
    # A day between updates stands on the latest one before it.
    assert latest_nowcast(frame, dt.date(2025, 12, 20)).date == dt.date(2025, 12, 16)


def test_summary_and_fields_say_what_changed(track, bea) -> None:
    dec = gdpnow_track_answer(track.frame(), bea, as_of=dt.date(2025, 12, 16), chart=False)
    assert "-0.1 pp from the previous update on Dec 11, 2025 (+3.6%)" in dec.summary
    assert "44 updates for the quarter so far, the first +2.3% on Jul 31, 2025" in dec.summary
    assert "2025 Q3 ended Sep 30, 2025 and is nowcast until BEA's advance estimate" in dec.summary
    assert "Leaves out 2020 Q2 to 2021 Q4 (the pandemic swings)" in dec.summary
    fields = {f.name: f.value for f in dec.fields}
    assert fields["Since the previous update"] == "-0.1 pp (vs +3.6% on Dec 11, 2025)"
    assert fields["This quarter"] == "44 updates, from +2.1% to +4.2%"
    table = dec.tables[0]
    assert table.rows[0][:2] == (dt.date(2025, 12, 16), 3.5)
    assert math.isclose(table.rows[0][2], -0.1, abs_tol=1e-9)
    assert len(table.rows) == 8
    q4 = gdpnow_track_answer(track.frame(), bea, as_of=dt.date(2025, 12, 23), chart=False)
    assert "the first nowcast of 2025 Q4 (2025 Q3's last was +3.5% on Dec 16, 2025)" in q4.summary
    assert {f.name: f.value for f in q4.fields}["This quarter"] == "1 update, from +3.0% to +3.0%"


def test_history_that_ends_early_is_said(track, bea) -> None:
    # The shared A191RL1Q225SBEA ends 2024 Q4; by 2025-12-16 BEA had published 2025 Q2.
    answer = gdpnow_track_answer(track.frame(), bea, as_of=dt.date(2025, 12, 16), chart=False)
    assert any("ends 2024 Q4, but BEA had published 2025 Q2" in w for w in answer.warnings), (
        answer.warnings
    )
    early = gdpnow_track_answer(track.frame(), bea, as_of=dt.date(2024, 12, 2), chart=False)
    assert early.warnings == ()  # Q4 2024 forecast; BEA's 2024 Q3 is in the history


def test_a_track_that_ends_long_before_the_day_asked_is_dated(track, bea) -> None:
    late = gdpnow_track_answer(track.frame(), bea, as_of=dt.date(2026, 2, 1), chart=False)
    assert late.title.endswith(" (as of 2025-12-23)")
    assert any("ends 2025-12-23, 40 days before 2026-02-01" in w for w in late.warnings)
    # Eight days after the last update is within GDPNow's usual cadence (at most 13 days).
    week = gdpnow_track_answer(track.frame(), bea, as_of=dt.date(2025, 12, 31), chart=False)
    assert "(as of" not in week.title
    assert not any("track ends" in w for w in week.warnings)


def test_no_track_or_a_day_before_it_is_no_data(track, bea) -> None:
    with pytest.raises(NoData, match="marketbot import gdpnow FILE"):
        gdpnow_track_answer(track.frame().iloc[0:0], bea, as_of=dt.date(2025, 12, 16))
    with pytest.raises(
        NoData, match="starts 2014-05-01; there is no nowcast on or before 2014-04-30"
    ):
        gdpnow_track_answer(track.frame(), bea, as_of=dt.date(2014, 4, 30))


def test_exclude_none_and_direction_pass_through(track, bea, bea_path) -> None:
    answer = gdpnow_track_answer(
        track.frame(), bea, as_of=dt.date(2025, 12, 16), exclude=(), direction="low", chart=False
    )
    data = answer.to_json()
    assert data["excluded"] == [] and data["direction"] == "low"
    before = [(d, v) for d, v in bea_by_hand(bea_path) if d < dt.date(2025, 7, 1)]
    last_low = max(d for d, v in before if v <= 3.5)
    assert data["previous"][0]["date"] == last_low.isoformat()


# --- the chart ------------------------------------------------------------------------------------


def test_chart_shows_the_path_the_latest_point_and_the_quarter_end(track, bea) -> None:
    from matplotlib.colors import to_hex

    from analytics.charts.style import HIGHLIGHT

    answer = gdpnow_track_answer(track.frame(), bea, as_of=dt.date(2025, 12, 16))
    fig = answer.chart.figure()
    ax = fig.axes[0]
    path = [(p["date"], p["value"]) for p in answer.to_json()["track"]]
    line = ax.lines[0]
    assert [d.isoformat() for d in line.get_xdata()] == [d for d, _ in path]
    assert list(line.get_ydata()) == [v for _, v in path]
    dot = ax.collections[0]
    assert to_hex(dot.get_facecolor()[0]) == HIGHLIGHT
    assert list(dot.get_offsets()[0])[1] == 3.5
    texts = [t.get_text() for t in ax.texts]
    assert "+3.5% (Dec 16)" in texts
    assert "quarter ends Sep 30" in texts
    episode = answer.to_json()["previous"][0]
    assert f"BEA 2023 Q3: {episode['value']:+.1f}%" in texts
    dashed = [ln for ln in ax.lines if ln.get_linestyle() == "--"]
    assert [ln.get_ydata()[0] for ln in dashed] == [episode["value"]]
    assert fig.texts[0].get_text() == "GDPNow +3.5% for 2025 Q3: fastest since 2023 Q3"
    assert answer.png.startswith(b"\x89PNG")


def test_the_first_nowcast_of_a_quarter_has_no_quarter_end_line(track, bea) -> None:
    answer = gdpnow_track_answer(track.frame(), bea, as_of=dt.date(2025, 12, 23))
    ax = answer.chart.figure().axes[0]
    assert [len(ax.lines[0].get_xdata())] == [1]
    assert not any(t.get_text().startswith("quarter ends") for t in ax.texts)
    assert ":" not in {ln.get_linestyle() for ln in ax.lines}


# --- the CLI --------------------------------------------------------------------------------------


def test_cli_import_gdpnow(cli_env, capsys, track_path) -> None:
    code, out, err = run(capsys, "import", "gdpnow", str(track_path), "--json")
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert (data["rows"], data["quarters"], data["first"], data["last"]) == (
        1779,
        47,
        "2014-05-01",
        "2025-12-23",
    )
    assert data["skipped"] == []
    with PriceCache(cli_env / "cli.db") as cache:
        assert GdpNowStore(cache).summary().rows == 1779


def test_cli_import_of_a_bad_file_is_one_line_and_exit_2(cli_env, capsys, tmp_path) -> None:
    bad = tmp_path / "GDPNOW.csv"
    bad.write_text("observation_date,GDPNOW\n2025-07-01,3.9\n")
    code, out, err = run(capsys, "import", "gdpnow", str(bad))
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert err.startswith("marketbot: GDPNOW.csv is not a GDPNow track: expected the Atlanta Fed's")


def test_cli_reports_skipped_rows(cli_env, capsys, tmp_path) -> None:
    path = tmp_path / "track.csv"
    path.write_text(HEADER + "\n5/1/14,6/30/14,3.9\n5/2/14,6/30/14,x\n", encoding="utf-8")
    code, out, _ = run(capsys, "import", "gdpnow", str(path), "--json")
    data = json.loads(out)
    assert code == 0 and data["rows"] == 1
    assert data["skipped"] == [{"line": 3, "reason": "nowcast 'x' is not a number"}]
    assert data["warnings"] == ["Skipped 1 row: line 3: nowcast 'x' is not a number."]


def test_a_day_with_two_quarters_stands_on_the_new_one() -> None:
    """Should the Atlanta Fed publish the old quarter's last and the new quarter's first nowcast
    on one day, the answer is the new quarter's (the one still being forecast)."""
    text = "\r\n".join(
        [
            HEADER,
            "12/11/25,9/30/25,3.6",
            "12/23/25,9/30/25,3.4",
            "12/23/25,12/31/25,3.0",
        ]
    )
    frame = parse_gdpnow_track(text).frame()
    nowcast = latest_nowcast(frame, dt.date(2025, 12, 23))
    assert (nowcast.quarter, nowcast.value, nowcast.previous) == (dt.date(2025, 10, 1), 3.0, None)
    assert latest_nowcast(frame, dt.date(2025, 12, 22)).quarter == dt.date(2025, 7, 1)
