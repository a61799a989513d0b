"""`history breadth UNIVERSE X --on T`: episodes of a universe's share above its 50-day average
at or above (below) X, on planted names whose share is known by construction, forward returns
on GRO (GROWTH per session), through the answer and `marketbot history breadth --json`.

The ten names N00..N09 are flat at 100 but for plateaus at 110 shorter than 50 sessions: a name
is above its 50-day average exactly on its plateau sessions (its mean is below 110 there, above
100 for the 50 sessions after, and 100 otherwise, where the close equals it). So the share is
the number of names on a plateau over ten, session by session.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from analytics.commands.history import BREADTH
from analytics.commands.history._breadth import breadth_answer
from analytics.coverage import InsufficientCoverage
from analytics.data.paths import lists_dir
from analytics.spec import NoProgress, ParseContext
from tests.analytics.commands.history import planted
from tests.analytics.commands.history.planted import SESSIONS
from tests.analytics.commands.history.test_history_answers import (
    CTX,
    OFFSETS,
    growth_return,
    planted_market,
)
from tests.support.cli import run

NAMES = [f"N{k:02d}" for k in range(10)]
PLATEAUS = [(200, 220, 8), (400, 420, 7), (600, 615, 10), (980, 990, 9)]
"""(first position, end position, how many names): names 0..k-1 are at 110 on [first, end)."""


def name_closes(k: int) -> np.ndarray:
    closes = np.full(len(SESSIONS), 100.0)
    for first, end, count in PLATEAUS:
        if k < count:
            closes[first:end] = 110.0
    return closes


def share_at(position: int) -> float:
    if position < 49:
        return float("nan")
    return next((c / 10 for first, end, c in PLATEAUS if first <= position < end), 0.0)


@pytest.fixture
def market(tmp_path):
    market = planted_market(tmp_path / "b.db")
    for k, name in enumerate(NAMES):
        market.import_bars(name, planted.frame(name_closes(k)), "test")
    folder = lists_dir(market.cache.path)
    folder.mkdir()
    (folder / "small.json").write_text(json.dumps(NAMES))
    yield market
    market.cache.close()


def ask(market, **values):
    ctx = ParseContext(today=CTX.today, lists_folder=lists_dir(market.cache.path))
    request = BREADTH.parse_values(values, ctx)
    answer = breadth_answer(market, request, NoProgress())
    return answer, json.loads(json.dumps(answer.to_json()))


def test_episodes_are_the_first_sessions_at_or_above_the_share(market):
    answer, data = ask(market, universe="small", percent=80, on="GRO")
    # 80%+: the plateaus of 8, 10 and 9 names; the one of 7 is not an episode.
    starts = [200, 600, 980]
    assert [e["date"] for e in data["episodes"]] == [SESSIONS[p].date().isoformat() for p in starts]
    assert [e["sessions"] for e in data["episodes"]] == [20, 15, 10]
    for episode, start in zip(data["episodes"], starts, strict=True):
        expected = {h: growth_return(start, h) for h in OFFSETS}
        assert {h: v["a"] for h, v in episode["forward"].items()} == pytest.approx(
            {h: v for h, v in expected.items() if v is not None}
        )
    # The 50-day average needs 50 closes: the history starts on the 50th session.
    assert data["history_start"] == SESSIONS[49].date().isoformat()
    assert data["event"] == {
        "kind": "breadth",
        "universe": "small",
        "universe_kind": "list",
        "threshold": 0.8,
        "direction": "above",
        "average": 50,
    }
    assert data["breadth"]["share"] == share_at(len(SESSIONS) - 1) == 0.0
    assert (data["breadth"]["coverage"], data["breadth"]["partial_sessions"]) == (1.0, 0)
    assert data["partial"] is False and data["current"] is None
    assert data["summary"]["12m"]["left_out"] == 1  # the 980 episode has no year of data yet
    assert answer.title.startswith("After 80%+ of small's names above their 50-day average: GRO ")
    assert "anecdotal" in answer.title


def test_below_counts_from_the_start_of_the_history(market):
    _, data = ask(market, universe="small", percent=10, on="GRO", direction="below")
    # At or below 10%: every session but the plateaus; an episode after each plateau ends.
    holds = [share_at(p) <= 0.1 for p in range(49, len(SESSIONS))]
    firsts = [49 + i for i, h in enumerate(holds) if h and (i == 0 or not holds[i - 1])]
    assert firsts == [49, 220, 420, 615, 990]
    assert [e["date"] for e in data["episodes"]] == [SESSIONS[p].date().isoformat() for p in firsts]
    assert data["current"]["date"] == SESSIONS[990].date().isoformat()


def test_a_universe_measured_too_thinly_is_refused(market):
    # Only 4 of the 10 listed names have prices: never half of the list.
    folder = lists_dir(market.cache.path)
    (folder / "thin.json").write_text(json.dumps([*NAMES[:4], "Z1", "Z2", "Z3", "Z4", "Z5", "Z6"]))
    with pytest.raises(InsufficientCoverage) as info:
        ask(market, universe="thin", percent=80, on="GRO")
    assert info.value.message.startswith(
        "No session of thin's history has at least 50% of its names measured with 50 closes "
        "in a row to the end (at most 40.0%)"
    )


def test_cli_history_breadth_json(cli_env, capsys):
    files = [planted.write_csv(cli_env / "GRO.csv", planted.gro())]
    for k, name in enumerate(NAMES):
        files.append(planted.write_csv(cli_env / f"{name}.csv", name_closes(k)))
    assert run(capsys, "import", "prices", *map(str, files))[0] == 0
    folder = lists_dir(cli_env / "cli.db")
    folder.mkdir()
    (folder / "small.json").write_text(json.dumps(NAMES))
    argv = [
        "--offline",
        "history",
        "breadth",
        "small",
        "90",
        "--on",
        "GRO",
        "--as-of",
        "2023-12-29",
    ]
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    data = json.loads(out)
    # 90%+: the plateaus of 10 and 9 names.
    assert [e["date"] for e in data["episodes"]] == [
        SESSIONS[600].date().isoformat(),
        SESSIONS[980].date().isoformat(),
    ]
    assert data["episodes"][0]["forward"]["3m"]["a"] == pytest.approx(growth_return(600, "3m"))
    assert set(data["summary"]) == {"1w", "1m", "3m", "6m", "12m"}
    assert data["summary"]["1m"]["n"] == 2
    assert data["baseline"]["1m"]["n"] > 900
    code, _, err = run(capsys, "--offline", "history", "breadth", "nope", "80", "--on", "GRO")
    assert code == 2 and err.startswith("marketbot: Unknown universe 'nope'.")
