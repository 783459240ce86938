"""Districts: team responsibility (hard or soft) and a cost per extra district per team-day.

Problems live on a line: travel time = distance between positions; depot at 0.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from routing import Problem, Shift, Team, TimeWindow, Visit
from routing.check import check
from routing.solve import solve
from routing.vroom_json import problem_from_json, problem_to_json


def line(pos):
    return np.abs(np.subtract.outer(pos, pos)).astype(np.int64)


def team(tid, start=0, days=(0,), **kw):
    return Team(tid, tuple(Shift(d, TimeWindow(0, 10_000)) for d in days),
                start=start, end=start, **kw)


def run(p: Problem):
    sol = solve(p, time_limit=1.5, seed=1, threads=1)
    assert check(p, sol) == []
    return sol


# A at 0 (Nord), B at 100 (Süd); visits: n at 90 (Nord, next to B), s at 10 (Süd, next
# to A), w at 50 (West: nobody's)
M = line([0, 100, 90, 10, 50])
VISITS = [Visit("n", 2, district="Nord"), Visit("s", 3, district="Süd"),
          Visit("w", 4, district="West")]
TEAMS = [team("A", 0, districts={"Nord"}), team("B", 1, districts={"Süd"})]


def test_hard_responsibility_only_own_districts():
    sol = run(Problem(VISITS, TEAMS, 1, {"car": M}))
    assert sol.route_of("n").team == "A" and sol.route_of("s").team == "B"
    (u,) = sol.unassigned
    assert (u.visit, u.code) == ("w", "district")
    assert "Stadtteil West" in u.reason


@pytest.mark.parametrize(("cost", "n_team"), [(0, "B"), (1000, "A")])
def test_soft_responsibility_costs_outside(cost, n_team):
    p = Problem(VISITS, TEAMS, 1, {"car": M}, responsibility="soft", outside_cost=cost)
    sol = run(p)
    assert sol.unassigned == ()  # soft: everything is served
    assert sol.route_of("n").team == n_team
    assert sol.objective == sol.travel + cost * sum(
        1 for r in sol.routes for x in r.visits
        if p.outside(next(v for v in p.visits if v.id == x), next(t for t in TEAMS
                                                                   if t.id == r.team)))


@pytest.mark.parametrize(("cost", "pure"), [(5, False), (100, True)])
def test_cost_per_extra_district_keeps_days_in_one_district(cost, pure):
    """N at 10, 20 and S at 11, 21; 2 visits a day. Mixed days travel 64 s, pure days 82 s:
    one extra district per day (2 x cost) against 18 s of travel."""
    m = line([0, 10, 11, 20, 21])
    vs = [Visit("N1", 1, district="N"), Visit("S1", 2, district="S"),
          Visit("N2", 3, district="N"), Visit("S2", 4, district="S")]
    p = Problem(vs, [team("A", days=(0, 1), max_visits=2)], 2, {"car": m},
                district_cost=cost)
    sol = run(p)
    per_day = [len({x[0] for x in r.visits}) for r in sol.routes]
    assert per_day == ([1, 1] if pure else [2, 2])
    assert sol.travel == (82 if pure else 64)
    assert sol.objective == sol.travel + cost * sum(d - 1 for d in per_day)


def test_districts_survive_the_json_round_trip():
    p = Problem(VISITS, TEAMS, 1, {"car": M}, responsibility="soft", outside_cost=7,
                district_cost=3)
    back = problem_from_json(json.loads(json.dumps(problem_to_json(p))))
    assert back.visits == p.visits and back.teams == p.teams
    assert (back.responsibility, back.outside_cost, back.district_cost) == ("soft", 7, 3)
