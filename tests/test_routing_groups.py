"""Alternatives (``Visit.group``): at most one visit of a group is served, and its ``cost``
is weighed against travel, on hand-made problems whose answer is known by reasoning.

Two days, one team (8:00-17:00, office at location 0). Location 1 and 2 are 1,000 s from
the office and 10 s from each other. Visit X (location 1) can only be served on day 0 in
the afternoon. Client G (location 2) has two alternatives: A on day 1 in the morning (no
cost) and B on day 0 in the afternoon, beside X, with ``cost`` c. A costs a second walk
out and back on day 1 (2,000 s) where B adds 10 s: B saves 1,990 s of travel, so the
solver takes B when c < 1,990 and A when c > 1,990.
"""

from __future__ import annotations

import numpy as np
import pytest

from routing import Problem, Shift, Team, TimeWindow, Visit, at
from routing.check import check
from routing.errors import RoutingInputError
from routing.model import Pin
from routing.solve import _start_routes, solve

M = np.array([[0, 1000, 1000], [1000, 0, 10], [1000, 10, 0]])
AFTERNOON = (at(0, 14), at(0, 16))


def _problem(cost_b: int, *, priority: int = 1) -> Problem:
    team = Team("T", tuple(Shift(d, TimeWindow(at(d, 8), at(d, 17))) for d in (0, 1)),
                start=0, end=0)
    visits = [
        Visit("X", 1, 600, (TimeWindow(*AFTERNOON),), priority=priority),
        Visit("G-a", 2, 600, (TimeWindow(at(1, 8), at(1, 9)),), priority=priority, group="G"),
        Visit("G-b", 2, 600, (TimeWindow(*AFTERNOON),), priority=priority, group="G",
              cost=cost_b),
    ]
    return Problem(visits, [team], 2, {"car": M})


@pytest.mark.parametrize("improve", [True, False], ids=["lns", "ortools"])
@pytest.mark.parametrize(("cost_b", "chosen"), [(500, "G-b"), (3000, "G-a")])
def test_the_alternative_whose_cost_is_worth_its_walk_is_served(improve, cost_b, chosen):
    p = _problem(cost_b)
    sol = solve(p, time_limit=2.0, seed=1, improve=improve)
    assert check(p, sol) == []
    served = sorted(x for r in sol.routes for x in r.visits)
    assert served == sorted(["X", chosen])
    assert sol.unassigned == ()  # the other alternative is neither served nor left out


def test_a_group_none_of_whose_alternatives_fits_is_left_out_with_each_reason():
    team = Team("T", (Shift(0, TimeWindow(at(0, 8), at(0, 12))),), start=0, end=0)
    visits = [
        Visit("G-a", 2, 600, (TimeWindow(at(0, 13), at(0, 14)),), group="G"),
        Visit("G-b", 2, 600, (TimeWindow(at(0, 15), at(0, 16)),), group="G", cost=100),
        Visit("Y", 1, 600),
    ]
    p = Problem(visits, [team], 1, {"car": M})
    sol = solve(p, time_limit=2.0, seed=1)
    assert check(p, sol) == []
    assert [x for r in sol.routes for x in r.visits] == ["Y"]
    assert sorted(u.visit for u in sol.unassigned) == ["G-a", "G-b"]
    assert all(u.reason for u in sol.unassigned)


def test_the_checker_refuses_two_alternatives_served_and_a_served_groups_leftover():
    p = _problem(500)
    sol = solve(p, time_limit=2.0, seed=1)
    (route,) = [r for r in sol.routes if r.visits]
    from dataclasses import replace

    from routing.model import Unassigned

    other = "G-a" if "G-b" in route.visits else "G-b"
    bad = replace(sol, unassigned=(Unassigned(other, "x", "y"),))
    assert any("although its group" in e for e in check(p, bad))


def test_a_group_takes_one_penalty_and_serving_it_beats_any_cost():
    """Serving the group comes before its cost (as any visit before travel): with the
    largest cost it is still served, in the costly alternative when that is the only
    one that fits."""
    team = Team("T", (Shift(0, TimeWindow(at(0, 8), at(0, 17))),), start=0, end=0)
    visits = [
        Visit("G-a", 2, 600, (TimeWindow(at(0, 20), at(0, 21)),), group="G"),
        Visit("G-b", 2, 600, (TimeWindow(at(0, 9), at(0, 10)),), group="G", cost=10**6),
    ]
    p = Problem(visits, [team], 1, {"car": M})
    sol = solve(p, time_limit=2.0, seed=1)
    assert check(p, sol) == []
    assert [x for r in sol.routes for x in r.visits] == ["G-b"]


def test_an_alternative_cannot_be_pinned_and_costs_are_not_negative():
    with pytest.raises(RoutingInputError, match="group"):
        Visit("G-a", 2, group="G", pin=Pin(team="T"))
    with pytest.raises(RoutingInputError, match="cost"):
        Visit("G-a", 2, group="G", cost=-1)


def test_a_start_plan_may_name_a_group_for_the_alternative_that_fits():
    p = _problem(500)
    vehicles = p.vehicles()
    routes = _start_routes(p, vehicles, {("T", 0): ["X", "G"], ("T", 1): ["G"]})
    ids = [[p.visits[i].id for i in r] for r in routes]
    # day 0 afternoon: only G-b fits after X; the group is then used, day 1 stays empty
    assert ids == [["X", "G-b"], []]


def test_alternatives_survive_the_json_round_trip():
    from routing.vroom_json import problem_from_json, problem_to_json

    p = _problem(500)
    back = problem_from_json(problem_to_json(p))
    assert [(v.id, v.group, v.cost) for v in back.visits] == [
        ("X", None, 0), ("G-a", "G", 0), ("G-b", "G", 500)]


def test_a_replan_drops_the_alternatives_of_a_begun_visit():
    """Review 29c: only the begun alternative left the rest problem; its siblings stayed
    and the rest of the plan served the client a second time."""
    from routing.replan import replan

    p = _problem(500)
    sol = solve(p, time_limit=2.0, seed=1)
    assert sorted(x for r in sol.routes for x in r.visits) == ["G-b", "X"]
    rp = replan(p, sol, at(0, 16, 59))  # both begun on day 0
    assert {v.id for v in rp.problem.visits}.isdisjoint({"G-a", "G-b", "X"})
    merged = rp.merge(solve(rp.problem, time_limit=1.0, seed=1)) if rp.problem.visits \
        else None
    if merged is not None:
        assert check(p, merged) == []


def test_the_balance_counts_a_group_once():
    """Review 29c: each alternative counted as a visit, each team's share grew threefold
    and the balance stopped working."""
    from routing.solve import servable_count, team_shares

    shift = Shift(0, TimeWindow(at(0, 8), at(0, 17)))
    teams = [Team(t, (shift,), start=0, end=0) for t in ("A", "B")]
    visits = [Visit(f"{g}-{k}", 2, 600, group=g, cost=100 * k)
              for g in ("G", "H") for k in range(3)] + [Visit("X", 1, 600)]
    p = Problem(visits, teams, 1, {"car": M}, team_balance=60)
    assert servable_count(p, p.vehicles()) == 3
    _, _, share = team_shares(p, p.vehicles())
    assert list(share) == [2, 2]


def test_an_unserved_group_costs_one_penalty_in_the_objective():
    from routing.solve import objective, penalties

    team = Team("T", (Shift(0, TimeWindow(at(0, 8), at(0, 12))),), start=0, end=0)
    visits = [Visit("G-a", 2, 600, (TimeWindow(at(0, 13), at(0, 14)),), group="G"),
              Visit("G-b", 2, 600, (TimeWindow(at(0, 15), at(0, 16)),), group="G"),
              Visit("Y", 1, 600)]
    p = Problem(visits, [team], 1, {"car": M})
    sol = solve(p, time_limit=2.0, seed=1)
    assert sol.objective == objective(p, sol) == penalties(p)[0] + sol.travel


def test_a_start_plan_seeds_the_search_of_a_problem_with_groups():
    """Review 29c: with alternatives the search started from empty routes whatever the
    start plan said (the re-plan's old order was lost)."""
    p = _problem(500)
    cold = solve(p, time_limit=1.0, seed=1)
    warm = solve(p, time_limit=1.0, seed=1, initial={("T", 0): ["X", "G"]})
    assert check(p, warm) == []
    assert warm.stats["lns"]["start_objective"] < cold.stats["lns"]["start_objective"]
