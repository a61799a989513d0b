"""The nightly budget: which names are due, how many a night, and a simulated week (and more) of
the real collection against the fake Yahoo on a fake clock."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from analytics.revisions.budget import (
    NIGHTLY_REQUESTS,
    REFRESH_DAYS,
    Want,
    lateness,
    nightly_quota,
    plan_night,
)
from tests.analytics.revisions.simulation import DEFAULT_SIZES, simulate

D = dt.date
NIGHT = D(2024, 7, 1)


def wants(n: int, since: dt.date = NIGHT, weight: float = 1.0) -> dict[str, Want]:
    return {f"T{i:04d}": Want(weight, since) for i in range(n)}


def test_a_first_night_asks_for_the_even_share_heaviest_first():
    wanted = wants(1500)
    wanted["T1499"] = Want(5.0, NIGHT)
    plan = plan_night(wanted, {}, NIGHT)
    assert len(plan) == math.ceil(1500 / REFRESH_DAYS) == 215
    assert plan[0] == "T1499" and plan[1:4] == ["T0000", "T0001", "T0002"]


def test_a_name_is_due_again_only_a_week_after_its_answer():
    wanted = {"A": Want(1.0, NIGHT), "B": Want(1.0, NIGHT)}
    night = NIGHT + dt.timedelta(days=10)
    last = {"A": night - dt.timedelta(days=REFRESH_DAYS - 1), "B": night - dt.timedelta(days=7)}
    assert plan_night(wanted, last, night) == ["B"]
    assert lateness(wanted["A"], last["A"], night) == -1


def test_the_quota_catches_up_missed_refreshes_within_the_budget():
    # 1,500 wanted, two nights' refreshes due (430): the even share plus a seventh of the rest
    assert nightly_quota(1500, 430, 430, 250) == 215 + math.ceil(215 / 7)
    # never-asked names fill at the even pace only
    assert nightly_quota(1500, 1500, 0, 250) == 215
    # more names than a week of budget: the budget wins
    assert nightly_quota(3000, 3000, 0, 250) == 250
    assert nightly_quota(1500, 430, 430, 12) == 12
    assert nightly_quota(1500, 0, 0, 250) == 0


def test_the_most_overdue_go_first():
    night = NIGHT + dt.timedelta(days=10)
    wanted = wants(12)  # refreshed yesterday: not due
    last = {t: night - dt.timedelta(days=1) for t in wanted}
    wanted |= {"OLD": Want(0.1, NIGHT), "NEW": Want(9.0, night - dt.timedelta(days=1))}
    wanted["MID"] = Want(5.0, NIGHT)
    last |= {"OLD": NIGHT, "MID": night - dt.timedelta(days=8)}
    # OLD's answer is 10 days old (3 overdue), MID's 8 (1), NEW was wanted a day ago (1):
    # the even share of 15 names is 3, the most overdue first, then the heavier
    assert plan_night(wanted, last, night) == ["OLD", "NEW", "MID"]


@pytest.fixture(scope="module")
def two_weeks(tmp_path_factory, yf_cache_dir):
    return simulate(tmp_path_factory.mktemp("sim"), yf_cache_dir, nights=8)


def test_a_simulated_week_of_1500_names_stays_under_250_requests_a_night(two_weeks):
    sim = two_weeks
    names = sum(DEFAULT_SIZES.values())
    assert [n.wanted for n in sim.nights] == [names] * 8
    requests = [n.requests for n in sim.nights]
    assert max(requests) <= NIGHTLY_REQUESTS
    # the even share each night: 215 names (the first night also fetches cookie and crumb)
    assert [n.names for n in sim.nights] == [215] * 6 + [names - 6 * 215, 215]
    # every name asked exactly once in the first week ...
    first_week = {t for t, night in sim.first_asked.items() if night < NIGHT + dt.timedelta(7)}
    assert len(first_week) == names
    # ... and on the eighth night the first night's names, a week after their answer
    again = sorted(t for t, n in sim.asked.items() if n == 2)
    assert len(again) == 215
    assert {sim.first_asked[t] for t in again} == {NIGHT}
    assert {sim.last_asked[t] for t in again} == {NIGHT + dt.timedelta(days=7)}
    # at the limiter's 4 requests/s a night takes under a minute
    assert max(n.seconds for n in sim.nights) <= 216 / 4


def test_every_universe_fills_at_the_same_pace(two_weeks):
    sim = two_weeks
    first_night = {t for t, night in sim.first_asked.items() if night == NIGHT}
    shares = {
        fund: len(first_night & set(names)) / len(names) for fund, names in sim.universe.items()
    }
    # 215 of 1,500 names (14.3%) the first night, spread over the three funds alike
    assert all(abs(share - 215 / 1500) < 0.03 for share in shares.values()), shares


def test_a_missed_night_is_caught_up_without_breaking_the_budget(tmp_path, yf_cache_dir):
    sim = simulate(tmp_path, yf_cache_dir, nights=10, sizes={"IJR": 140}, skip=(7,), budget=25)
    nights = {n.night: n for n in sim.nights}
    assert NIGHT + dt.timedelta(days=7) not in nights
    assert all(n.requests <= 25 for n in sim.nights)
    # the night after the miss: the even share (20) plus a seventh of the backlog beyond it
    assert nights[NIGHT + dt.timedelta(days=8)].names == 20 + math.ceil((40 - 20) / 7)
    assert all(count <= 2 for count in sim.asked.values())
    # no name is ever asked twice within a week
    for ticker, count in sim.asked.items():
        if count == 2:
            assert (sim.last_asked[ticker] - sim.first_asked[ticker]).days >= REFRESH_DAYS


def test_an_asked_universe_shares_the_same_budget(tmp_path, yf_cache_dir):
    sizes = {"IJR": 600, "IJH": 400, "IVV": 500, "IWM": 300}
    unasked = simulate(tmp_path / "a", yf_cache_dir, nights=1, sizes=sizes)
    assert unasked.nights[0].wanted == 1500  # IWM's holdings are stored, nobody asked
    asked = simulate(tmp_path / "b", yf_cache_dir, nights=2, sizes=sizes, asked=("IWM",))
    # 1,800 names: the even share (258) is over the budget, which wins
    assert [n.wanted for n in asked.nights] == [1800, 1800]
    assert all(n.requests <= NIGHTLY_REQUESTS for n in asked.nights)
    assert asked.nights[1].names == NIGHTLY_REQUESTS
    iwm = set(asked.universe["IWM"])
    assert iwm & set(asked.first_asked)  # its names are collected from the first night
