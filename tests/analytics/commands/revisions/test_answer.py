"""`revisions` as a command: the answer over planted snapshots (counts by hand, the weighted
change, the leader and its history, partial and refused coverage, dating), its chart, the
CLI with --json, bad input, and the real IVV holdings as weights."""

from __future__ import annotations

import datetime as dt
import json
import re

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest

from analytics.charts.revisions_chart import DOWN_LABEL, MIN_HISTORY_DAYS, UP_LABEL
from analytics.charts.style import DOWN, UP
from analytics.commands.revisions import REVISIONS
from analytics.commands.revisions._answer import revisions_answer
from analytics.commands.revisions._parse import RevisionsRequest
from analytics.coverage import InsufficientCoverage
from analytics.data.cache import PriceCache
from analytics.data.market import MarketData
from analytics.errors import BadInput
from analytics.holdings import parse_ishares_holdings
from analytics.holdings.store import HoldingsStore
from analytics.revisions.store import RevisionStore
from analytics.spec import NoProgress, ParseContext
from tests.support.cli import run
from tests.support.revisions import eastern, estimate, save_day, store_holdings

D = dt.date
DAY = D(2024, 7, 1)
NOW = eastern("2024-07-01 21:00")
HOLDINGS_AS_OF = D(2024, 6, 28)

SMALL = [f"S{i}" for i in range(10)]
MID = [f"M{i}" for i in range(8)]
LARGE = [f"L{i}" for i in range(6)]
NAMES = {"IJR": SMALL, "IJH": MID, "IVV": LARGE}
WEIGHTS = {
    "IJR": [0.20, 0.15, 0.12, 0.11, 0.10, 0.09, 0.08, 0.06, 0.05, 0.04],
    "IJH": [0.25, 0.20, 0.15, 0.12, 0.10, 0.08, 0.06, 0.04],
    "IVV": [0.40, 0.25, 0.15, 0.10, 0.06, 0.04],
}
# (up_30d, down_30d, estimate now, estimate 30 days ago) per name
PLANTED = {
    # IJR: up S0 S1 S2 S4 S6 (5), down S3 S7 (2), even S5 S8 S9 (3): 50% net up, 20% down
    "S0": (4, 1, 1.10, 1.00), "S1": (2, 0, 0.55, 0.50), "S2": (1, 0, 2.02, 2.00),
    "S3": (0, 3, 0.90, 1.00), "S4": (6, 2, -0.20, -0.25), "S5": (1, 1, 1.00, 1.00),
    "S6": (3, 1, 1.30, 1.20), "S7": (1, 2, 0.95, 1.00), "S8": (0, 0, 1.00, 1.00),
    "S9": (0, 0, 0.40, 0.40),
    # IJH: up M0 M3 M5 (3), down M1 M2 M4 (3), even M6 M7: 37.5% up, 37.5% down
    "M0": (2, 1, 1.05, 1.00), "M1": (0, 1, 0.98, 1.00), "M2": (1, 4, 0.80, 1.00),
    "M3": (3, 0, 1.20, 1.00), "M4": (0, 2, 1.90, 2.00), "M5": (5, 1, 3.30, 3.00),
    "M6": (0, 0, 1.00, 1.00), "M7": (2, 2, 1.00, 1.00),
    # IVV: up L0 L1 (2), down L2 L3 L4 (3), even L5: 33.3% up, 50% down
    "L0": (9, 3, 2.10, 2.00), "L1": (4, 2, 1.52, 1.50), "L2": (2, 6, 1.40, 1.50),
    "L3": (1, 5, 0.70, 0.75), "L4": (0, 3, 1.00, 1.10), "L5": (2, 2, 1.00, 1.00),
}  # fmt: skip


def expected_breadth(fund: str, planted: dict = PLANTED) -> dict[str, float]:
    """The measures computed here, from the planted values, without the code under test."""
    names = [n for n in NAMES[fund] if n in planted]
    weights = dict(zip(NAMES[fund], WEIGHTS[fund], strict=True))
    up = sum(1 for n in names if planted[n][0] > planted[n][1])
    down = sum(1 for n in names if planted[n][1] > planted[n][0])
    changes = {n: (planted[n][2] - planted[n][3]) / abs(planted[n][3]) for n in names}
    weighted = sum(weights[n] * c for n, c in changes.items()) / sum(weights[n] for n in names)
    return {
        "share_net_up": up / len(names),
        "share_net_down": down / len(names),
        "weighted_change_30d": weighted,
        "net_up": up,
        "net_down": down,
        "with_estimates": len(names),
        "weight_share": sum(weights[n] for n in names),
    }


def plant_day(cache, day, planted=PLANTED) -> None:
    save_day(cache, day, {t: [estimate(*v)] for t, v in planted.items()})


@pytest.fixture
def cache(tmp_path):
    with PriceCache(tmp_path / "c.db") as cache:
        for fund, names in NAMES.items():
            store_holdings(cache, fund, names, HOLDINGS_AS_OF, NOW, WEIGHTS[fund])
        yield cache


def market_at(cache, now=NOW) -> MarketData:
    return MarketData(cache, None, now=lambda: now)


def answer_for(cache, now=NOW, **request):
    return revisions_answer(market_at(cache, now), RevisionsRequest(**request), NoProgress())


def test_one_day_of_snapshots_counted_by_hand(cache):
    plant_day(cache, DAY)
    answer = answer_for(cache)
    data = answer.to_json()
    by_fund = {u["universe"]: u for u in data["universes"]}
    for fund in NAMES:
        want = expected_breadth(fund)
        got = by_fund[fund]
        assert (got["net_up"], got["net_down"], got["with_estimates"]) == (
            want["net_up"],
            want["net_down"],
            want["with_estimates"],
        )
        for key in ("share_net_up", "share_net_down", "weighted_change_30d"):
            assert got[key] == pytest.approx(want[key]), (fund, key)
        assert got["coverage"]["weight_share"] == pytest.approx(1.0)
        assert got["coverage_status"] == "complete" and got["compared"]
    assert (by_fund["IJR"]["share_net_up"], by_fund["IJH"]["share_net_up"]) == (0.5, 0.375)
    assert data["order"] == ["IJR", "IJH", "IVV"] and data["leader"] == "IJR"
    assert (
        answer.title
        == "Small caps (IJR) lead EPS estimate revisions: 50% of names net up (current quarter)"
    )
    assert "not company guidance" in answer.summary
    assert data["history"]["history_days"] == 1
    assert data["behind"] is None and answer.warnings == ()
    assert answer.as_of == DAY
    table = answer.tables[0]
    assert [row[0] for row in table.rows] == ["IJR small caps", "IJH mid caps", "IVV large caps"]
    assert table.rows[0][3] == pytest.approx(0.5) and table.rows[2][4] == pytest.approx(0.5)


def test_a_short_history_charts_todays_bars_green_up_red_down(cache):
    plant_day(cache, DAY)
    fig = answer_for(cache).chart.figure()
    assert fig.texts[0].get_text() == "Small caps lead EPS revisions: 50% of names net up"
    ax = fig.axes[0]
    bars = [p for p in ax.patches if p.get_height() > 0 or p.get_width() > 0]
    ups = [p for p in bars if mcolors.to_hex(p.get_facecolor()) == UP.lower()]
    downs = [p for p in bars if mcolors.to_hex(p.get_facecolor()) == DOWN.lower()]
    order = ["IJR", "IJH", "IVV"]  # the bars in the order of the answer
    assert [p.get_height() for p in ups] == pytest.approx(
        [expected_breadth(f)["share_net_up"] for f in order]
    )
    assert [p.get_height() for p in downs] == pytest.approx(
        [expected_breadth(f)["share_net_down"] for f in order]
    )
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["IJR\nsmall caps", "IJH\nmid caps", "IVV\nlarge caps"]
    texts = {t.get_text() for t in ax.texts}
    assert {"50%", "38%", "33%", "20%"} <= texts
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [UP_LABEL, DOWN_LABEL]


def shifted(planted: dict, leader: str) -> dict:
    """The planted values with every name of `leader`'s fund revised up on net."""
    out = dict(planted)
    for name in NAMES[leader]:
        out[name] = (5, 0, 1.1, 1.0)
    return out


def test_history_says_small_caps_lead_for_the_first_time_since_and_charts_lines(cache):
    # IJR leads on days 0-1 (its names all up), IVV on days 2-6, IJR again on day 7
    leaders = ["IJR", "IJR", "IVV", "IVV", "IVV", "IVV", "IVV", "IJR"]
    days = [DAY + dt.timedelta(days=i) for i in range(len(leaders))]
    for day, leader in zip(days, leaders, strict=True):
        plant_day(cache, day, shifted(PLANTED, leader))
    now = eastern(f"{days[-1]} 21:00")
    answer = answer_for(cache, now)
    data = answer.to_json()
    assert answer.title == (
        f"Small caps (IJR) lead EPS estimate revisions for the first time since {days[1]} "
        "(current quarter)"
    )
    history = data["history"]
    assert (history["leading_since"], history["previous_lead"]) == (
        days[-1].isoformat(),
        days[1].isoformat(),
    )
    assert history["history_days"] == len(days) >= MIN_HISTORY_DAYS
    assert f"lead for the first time since {days[1]}" in answer.summary
    # the series: each fund's net-up share per day, computed here
    for point, leader in zip(data["series"], leaders, strict=True):
        for fund in NAMES:
            want = expected_breadth(fund, shifted(PLANTED, leader))["share_net_up"]
            assert point[fund] == pytest.approx(want)
    # the chart: one line per fund through those values on those days
    fig = answer.chart.figure()
    assert fig.texts[0].get_text() == f"Small caps lead EPS revisions, first time since {days[1]}"
    ax = fig.axes[0]
    lines = {
        line.get_label().split()[0]: line for line in ax.get_lines() if line.get_label()[0] != "_"
    }
    assert set(lines) == set(NAMES)
    for fund, line in lines.items():
        xs = [pd.Timestamp(x).date() for x in line.get_xdata()]
        assert xs == days
        want = [expected_breadth(fund, shifted(PLANTED, lead))["share_net_up"] for lead in leaders]
        assert list(line.get_ydata()) == pytest.approx(want)
    assert lines["IJR"].get_label() == "IJR small caps 100%"


def test_a_refused_universe_is_not_compared_and_a_partial_one_says_so(cache):
    planted = {
        t: v for t, v in PLANTED.items() if t not in ("S9", "M2", "M3", "M4", "M5", "M6", "M7")
    }
    plant_day(cache, DAY, planted)
    save_day(cache, DAY, {"S9": []})  # S9: no analyst covers it
    answer = answer_for(cache)
    data = answer.to_json()
    by_fund = {u["universe"]: u for u in data["universes"]}
    # IJH: 2 of 8 names with estimates (45% of its weight): refused, not compared
    assert by_fund["IJH"]["coverage_status"] == "refused" and not by_fund["IJH"]["compared"]
    assert by_fund["IJH"]["share_net_up"] == pytest.approx(0.5)  # still reported
    assert any(w.startswith("IJH is not compared: only 2 of its 8 names") for w in answer.warnings)
    assert data["order"] == ["IJR", "IVV"]
    # IJR: 9 of 10 names (96% of the weight): partial
    want = expected_breadth("IJR", planted)
    assert by_fund["IJR"]["coverage"] == {
        "priced": 9,
        "universe": 10,
        "weight_share": pytest.approx(want["weight_share"]),
    }
    assert by_fund["IJR"]["share_net_up"] == pytest.approx(want["share_net_up"]) == 5 / 9
    assert answer.title.endswith(" · partial: IJR 96.0% of the weight")


def test_nothing_collected_refuses_and_says_how_collection_works(cache):
    with pytest.raises(InsufficientCoverage) as caught:
        answer_for(cache)
    message = caught.value.message
    assert "IJR 0 of 10, IJH 0 of 8, IVV 0 of 6" in message
    assert "Nothing has been collected yet" in message and "250 requests a night" in message


def test_a_new_fund_with_nothing_collected_is_refused_and_put_on_the_list(cache):
    store_holdings(cache, "IWM", SMALL, HOLDINGS_AS_OF, NOW)
    with pytest.raises(InsufficientCoverage, match="IWM is collected from tonight, while asked"):
        answer_for(cache, universes=("IWM",))
    assert set(RevisionStore(cache).asked_since(NOW)) == {"IWM"}


def test_a_date_before_collection_began_says_so(cache):
    plant_day(cache, DAY)
    with pytest.raises(InsufficientCoverage, match="Collection began 2024-07-01, after 2024-06-28"):
        answer_for(cache, as_of=D(2024, 6, 28))


def test_snapshots_that_end_early_date_the_answer(cache):
    plant_day(cache, DAY)
    later = eastern("2024-07-05 21:00")  # Friday evening: the data ends Monday
    answer = answer_for(cache, later)
    assert answer.title.endswith(" (as of 2024-07-01)")
    assert answer.warnings[0].startswith("The data ends 2024-07-01, before 2024-07-05")
    assert "offline mode is on" in answer.warnings[0]
    assert answer.to_json()["behind"] == {
        "data_end": "2024-07-01",
        "expected": "2024-07-05",
        "why": "offline mode is on",
    }


def test_as_of_reads_the_snapshots_of_that_day(cache):
    plant_day(cache, DAY)
    plant_day(cache, DAY + dt.timedelta(days=7), shifted(PLANTED, "IVV"))
    later = eastern("2024-07-08 21:00")
    old = answer_for(cache, later, as_of=DAY).to_json()
    new = answer_for(cache, later).to_json()
    assert old["leader"] == "IJR" and new["leader"] == "IVV"
    assert old["universes"][0]["snapshots_to"] == DAY.isoformat()


def test_other_periods(cache):
    save_day(
        cache,
        DAY,
        {t: [estimate(*v), estimate(v[1], v[0], period="+1y")] for t, v in PLANTED.items()},
    )
    data = answer_for(cache, period="+1y").to_json()
    assert data["period_label"] == "next fiscal year"
    by_fund = {u["universe"]: u for u in data["universes"]}
    # up and down swapped for the next year
    assert by_fund["IJR"]["share_net_up"] == pytest.approx(
        expected_breadth("IJR")["share_net_down"]
    )


def test_asking_about_another_fund_puts_it_on_the_collection_list(cache):
    store_holdings(cache, "IWM", SMALL + ["X1"], HOLDINGS_AS_OF, NOW)
    plant_day(cache, DAY)
    answer = answer_for(cache, universes=("IWM", "IJR"))
    assert [u["universe"] for u in answer.to_json()["universes"]] == ["IWM", "IJR"]
    assert RevisionStore(cache).asked_since(NOW - dt.timedelta(minutes=1)) == {"IWM": NOW}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"universes": "IJR SPY"}, "'SPY' is not a fund with holdings to compare"),
        ({"period": "2q"}, re.escape("period '2q' is not one of 0q, +1q, 0y, +1y")),
        ({"as_of": "2024-07-02"}, "as_of 2024-07-02 is in the future"),
        ({"as_of": "July 1"}, "as_of 'July 1' is not a date"),
    ],
)
def test_bad_input_says_what_to_type(values, message):
    with pytest.raises(BadInput, match=message):
        REVISIONS.parse_values(values, ParseContext(today=DAY))


def test_parse_defaults_and_spellings():
    request = REVISIONS.parse_values({"universes": "ijr, $ivv ijr"}, ParseContext(today=DAY))
    assert request == RevisionsRequest(("IJR", "IVV"), "0q", None)
    assert REVISIONS.parse_values({}, ParseContext(today=DAY)).universes == ("IJR", "IJH", "IVV")


# -- the CLI -------------------------------------------------------------------------------------


def prepare_cli_cache(path) -> None:
    with PriceCache(path) as cache:
        for fund, names in NAMES.items():
            store_holdings(cache, fund, names, HOLDINGS_AS_OF, NOW, WEIGHTS[fund])
        plant_day(cache, DAY)


def test_cli_json(cli_env, capsys):
    prepare_cli_cache(cli_env / "cli.db")
    code, out, err = run(capsys, "--offline", "revisions", "--as-of", "2024-07-01", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["order"] == ["IJR", "IJH", "IVV"]
    for u in data["universes"]:
        assert u["share_net_up"] == pytest.approx(expected_breadth(u["universe"])["share_net_up"])
    assert data["as_of"] == "2024-07-01" and data["source"] == "Yahoo Finance; iShares holdings"
    code, out, err = run(
        capsys, "--offline", "revisions", "IVV", "IJH", "--as-of", "2024-07-01", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["order"] == ["IJH", "IVV"]


def test_cli_panel_and_chart(cli_env, capsys):
    prepare_cli_cache(cli_env / "cli.db")
    charts = cli_env / "charts"
    code, out, err = run(
        capsys, "--offline", "revisions", "--as-of", "2024-07-01", "--chart-dir", str(charts)
    )
    assert code == 0, err
    assert "Small caps (IJR) lead EPS estimate revisions" in out
    [png] = list(charts.iterdir())
    assert png.read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["revisions", "QQQ"], "'QQQ' is not a fund with holdings to compare"),
        (["revisions", "--as-of", "2999-01-01"], "2999-01-01"),
        (["revisions", "--as-of", "2024-07-01"], "Too few names have current quarter EPS"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(cli_env, capsys, argv, message):
    with PriceCache(cli_env / "cli.db") as cache:
        for fund, names in NAMES.items():
            store_holdings(cache, fund, names, HOLDINGS_AS_OF, NOW, WEIGHTS[fund])
    code, out, err = run(capsys, "--offline", *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_cli_period_choices_are_checked(cli_env, capsys):
    code, out, err = run(capsys, "--offline", "revisions", "--period", "2q")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "invalid choice: '2q'" in err and "Traceback" not in err


# -- real weights ------------------------------------------------------------------------------


def test_real_ivv_weights_give_the_cap_weighted_change(tmp_path, shared_data):
    text = (shared_data / "holdings/IVV_holdings_2023-04-06_ishares_raw.csv").read_text(
        encoding="utf-8-sig"
    )
    holdings = parse_ishares_holdings(text, fund="IVV")
    at = eastern("2023-04-10 21:00")
    rng = np.random.default_rng(3)
    tickers = list(holdings.frame.index)
    ups, downs = rng.integers(0, 6, len(tickers)), rng.integers(0, 6, len(tickers))
    nows, agos = rng.uniform(0.5, 3.0, len(tickers)), rng.uniform(0.5, 3.0, len(tickers))
    with PriceCache(tmp_path / "c.db") as cache:
        HoldingsStore(cache.db).save(holdings, fetched_at=at)
        save_day(
            cache,
            D(2023, 4, 10),
            {
                t: [estimate(int(u), int(d), float(n), float(a))]
                for t, u, d, n, a in zip(tickers, ups, downs, nows, agos, strict=True)
            },
        )
        data = answer_for(cache, at, universes=("IVV",)).to_json()
    [ivv] = data["universes"]
    weights = holdings.frame["weight"].to_numpy()
    change = (nows - agos) / np.abs(agos)
    assert ivv["names"] == len(tickers) > 500
    assert ivv["weighted_change_30d"] == pytest.approx(
        float((weights * change).sum() / weights.sum())
    )
    assert ivv["share_net_up"] == pytest.approx(float((ups > downs).mean()))
    assert ivv["share_net_down"] == pytest.approx(float((downs > ups).mean()))
