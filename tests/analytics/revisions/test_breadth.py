"""Revision breadth on planted snapshots: counts by hand, the weighted change, partial coverage,
names without analysts, snapshots across days and their age limit, and the order history."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analytics.data.cache import PriceCache
from analytics.revisions.breadth import (
    MAX_AGE_DAYS,
    breadth_by_day,
    estimate_change,
    revision_breadth,
    states_on,
)
from analytics.revisions.history import order_context, revision_order
from analytics.revisions.store import RevisionStore
from tests.support.revisions import estimate, save_day

D = dt.date
DAY = D(2024, 7, 1)
NAMES = ("A", "B", "C", "D", "E", "F", "G", "H")
WEIGHTS = {"A": 0.30, "B": 0.20, "C": 0.15, "D": 0.10, "E": 0.10, "F": 0.05, "G": 0.05, "H": 0.05}


@pytest.fixture
def cache(tmp_path):
    with PriceCache(tmp_path / "c.db") as cache:
        yield cache


def read(cache, period="0q", until=None):
    store = RevisionStore(cache)
    return store.checks(until), store.snapshots(period, until)


def test_counts_shares_and_weighted_change_by_hand(cache):
    save_day(
        cache,
        DAY,
        {
            "A": [estimate(5, 1, now=1.10, ago=1.00)],  # up, +10%
            "B": [estimate(0, 2, now=0.90, ago=1.00)],  # down, -10%
            "C": [estimate(2, 2, now=1.00, ago=1.00)],  # as many of each, 0%
            "D": [estimate(0, 0, now=-0.30, ago=-0.50)],  # none; a loss narrowing: +40%
            "E": [estimate(3, 0, now=2.00, ago=0.005)],  # up; a base under a cent: no change
            "F": [],  # no analyst covers it
            "G": [estimate(None, None, now=1.0, ago=1.0)],  # an estimate, no revision counts
        },
        unknown=["H"],
    )
    checks, snaps = read(cache)
    states = states_on(checks, snaps, NAMES, [DAY])
    b = revision_breadth("IJR", states, NAMES, WEIGHTS, DAY)
    # with estimates: A, B, C, D, E (F has none, G no counts, H unknown to Yahoo)
    assert (b.names, b.with_estimates, b.net_up, b.net_down, b.unchanged) == (8, 5, 2, 1, 2)
    assert b.share_up == pytest.approx(2 / 5) and b.share_down == pytest.approx(1 / 5)
    # weighted over A, B, C, D and G (E's base is under a cent), weights renormalised
    changes = {"A": 0.10, "B": -0.10, "C": 0.0, "D": 0.40, "G": 0.0}
    expected = sum(WEIGHTS[t] * c for t, c in changes.items()) / sum(WEIGHTS[t] for t in changes)
    assert b.weighted_change == pytest.approx(expected)
    assert b.changed_names == 5
    # coverage: 5 of 8 names, their share of the weight
    covered = WEIGHTS["A"] + WEIGHTS["B"] + WEIGHTS["C"] + WEIGHTS["D"] + WEIGHTS["E"]
    assert (b.coverage.priced, b.coverage.universe) == (5, 8)
    assert b.coverage.weight_share == pytest.approx(covered / sum(WEIGHTS.values()))
    assert b.coverage.status == "partial"  # 85% of the weight
    assert (b.first_snapshot, b.last_snapshot) == (DAY, DAY)


def test_estimate_change_follows_the_sign_of_the_base():
    assert estimate_change(1.1, 1.0) == pytest.approx(0.1)
    assert estimate_change(-0.3, -0.5) == pytest.approx(0.4)
    assert estimate_change(-0.6, -0.5) == pytest.approx(-0.2)
    assert estimate_change(1.0, 0.009) is None
    assert estimate_change(None, 1.0) is None


def test_a_name_stands_on_its_latest_snapshot_until_it_is_too_old(cache):
    save_day(cache, DAY, {"A": [estimate(3, 0)], "B": [estimate(0, 3)]})
    later = DAY + dt.timedelta(days=3)
    save_day(cache, later, {"A": [estimate(0, 4)]})  # A refreshed: now down
    checks, snaps = read(cache)
    too_old = DAY + dt.timedelta(days=MAX_AGE_DAYS)  # B's snapshot is 14 days old there
    days = [DAY, later, too_old - dt.timedelta(days=1), too_old]
    by_day = breadth_by_day(states_on(checks, snaps, ["A", "B"], days), None)
    assert by_day.loc[pd.Timestamp(DAY), ["net_up", "net_down"]].tolist() == [1, 1]
    assert by_day.loc[pd.Timestamp(later), ["net_up", "net_down"]].tolist() == [0, 2]
    assert by_day.loc[pd.Timestamp(too_old - dt.timedelta(days=1)), "with_estimates"] == 2
    # A (3 days younger) still stands; B's snapshot has aged out
    assert by_day.loc[pd.Timestamp(too_old), "with_estimates"] == 1
    assert by_day.loc[pd.Timestamp(later), "first_snapshot"] == pd.Timestamp(DAY)


def test_a_later_no_analyst_answer_replaces_an_earlier_estimate(cache):
    save_day(cache, DAY, {"A": [estimate(3, 0)]})
    save_day(cache, DAY + dt.timedelta(days=7), {"A": []})
    checks, snaps = read(cache)
    day = DAY + dt.timedelta(days=7)
    b = revision_breadth("X", states_on(checks, snaps, ["A"], [day]), ["A"], None, day)
    assert b.with_estimates == 0 and b.share_up is None and b.coverage.status == "refused"


def test_other_periods_are_read_separately(cache):
    save_day(cache, DAY, {"A": [estimate(3, 0, period="0q"), estimate(0, 3, period="+1y")]})
    for period, (up, down) in (("0q", (1, 0)), ("+1y", (0, 1)), ("0y", (0, 0))):
        checks, snaps = read(cache, period)
        b = revision_breadth("X", states_on(checks, snaps, ["A"], [DAY]), ["A"], None, DAY)
        assert (b.net_up, b.net_down) == (up, down)


def test_nothing_collected_gives_no_shares(cache):
    checks, snaps = read(cache)
    b = revision_breadth("X", states_on(checks, snaps, NAMES, [DAY]), NAMES, WEIGHTS, DAY)
    assert (b.with_estimates, b.share_up, b.weighted_change) == (0, None, None)
    assert b.coverage.priced == 0 and b.coverage.weight_share == 0.0


# -- the order ---------------------------------------------------------------------------------


def frame(rows: dict[str, list[float]], start: dt.date = DAY) -> pd.DataFrame:
    n = len(next(iter(rows.values())))
    index = pd.DatetimeIndex([start + dt.timedelta(days=i) for i in range(n)], name="day")
    return pd.DataFrame(rows, index=index)


def test_the_order_ranks_by_net_up_share_then_net_down():
    up = pd.Series({"IJR": 0.4, "IJH": 0.4, "IVV": 0.5})
    down = pd.Series({"IJR": 0.2, "IJH": 0.1, "IVV": 0.3})
    assert revision_order(up, down) == ("IVV", "IJH", "IJR")


def test_small_caps_lead_for_the_first_time_since_their_last_lead():
    # IJR led on days 0-1, IVV on days 2-5, IJR again on day 6 (today)
    shares = frame(
        {
            "IJR": [0.50, 0.50, 0.30, 0.30, 0.30, 0.30, 0.60],
            "IJH": [0.40, 0.40, 0.40, 0.40, 0.40, 0.40, 0.40],
            "IVV": [0.30, 0.30, 0.50, 0.50, 0.50, 0.50, 0.50],
        }
    )
    ctx = order_context(shares)
    assert ctx.leader == "IJR" and ctx.order == ("IJR", "IVV", "IJH")
    assert ctx.new_lead
    assert ctx.leading_since == DAY + dt.timedelta(days=6)
    assert ctx.previous_lead == DAY + dt.timedelta(days=1)
    # this whole order (IJR > IVV > IJH) was never seen before
    assert ctx.order_since == DAY + dt.timedelta(days=6) and ctx.previous_order is None


def test_a_leader_on_every_day_and_days_that_do_not_count():
    shares = frame({"IJR": [0.6, float("nan"), 0.6, 0.7], "IJH": [0.5, 0.9, 0.5, 0.5]})
    ctx = order_context(shares)
    # the day with a universe not answerable is left out
    assert len(ctx.days) == 3 and DAY + dt.timedelta(days=1) not in ctx.days
    assert ctx.leading_since == ctx.start == DAY and ctx.previous_lead is None
    assert not ctx.new_lead


def test_one_universe_has_no_order_context():
    assert order_context(frame({"IJR": [0.5, 0.6]})) is None
