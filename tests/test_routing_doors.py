"""One door, one team a day (``Visit.door``, :mod:`routing.doors`), on hand-made problems
whose answer is known by reasoning.

The office is location 0. Locations 1 and 2 are one door (two case ids of one person, or
two clients of one flat: the app gives each visit its own location, 0 s apart), 100 s
from the office. Locations 3 and 4 are far from the office (500 s) and from each other
(1,000 s) but 10 s from the door.
"""

from __future__ import annotations

import numpy as np

from routing import Pin, Problem, Shift, Team, TimeWindow, Visit, at, replan
from routing.check import check
from routing.doors import door_splits, mend_doors
from routing.solve import solve

M = np.array([
    [0, 100, 100, 500, 500],
    [100, 0, 0, 10, 10],
    [100, 0, 0, 10, 10],
    [500, 10, 10, 0, 1000],
    [500, 10, 10, 1000, 0],
])
DAY0 = TimeWindow(at(0, 8), at(0, 16))


def _team(name: str, days=(0,), max_visits: int | None = None) -> Team:
    return Team(name, tuple(Shift(d, TimeWindow(at(d, 8), at(d, 16))) for d in days),
                start=0, end=0, max_visits=max_visits)


def _teams_of(sol, *ids: str) -> set[tuple[str, int]]:
    return {(r.team, r.day) for r in sol.routes for x in r.visits if x in ids}


def test_a_replan_takes_up_a_case_at_a_planned_door_with_the_team_that_rings_there():
    """QA 45c F3: K-1 is planned with team A, whose day is full (two visits); a re-plan
    takes up K-2 at K-1's door. Without the rule K-2 went to team B (the only room), and
    two teams rang at one flat on one day; now K-1 goes with K-2 to team B (moving a
    planned visit costs, but two teams at one door is no option)."""
    teams = [_team("A", max_visits=2), _team("B", max_visits=3)]
    first = Problem([Visit("K-1", 1, 600, door="d1"), Visit("X", 3, 600)], teams, 1,
                    {"car": M})
    before = solve(first, time_limit=1.0, seed=1)
    assert _teams_of(before, "K-1", "X") == {("A", 0)}
    second = Problem([Visit("K-1", 1, 600, door="d1"), Visit("X", 3, 600),
                      Visit("K-2", 2, 600, door="d1")], teams, 1, {"car": M})
    rp = replan(second, before, at(0, 7), move_cost=300)
    rest = solve(rp.problem, time_limit=1.0, seed=1)
    sol = rp.merge(rest)
    assert check(second, sol) == []
    assert sol.unassigned == ()
    assert _teams_of(sol, "K-1", "K-2") == {("B", 0)}
    assert rest.stats["door_splits"] == [] and rest.stats["doors_mended"] == 1
    route = next(r for r in sol.routes if "K-1" in r.visits)
    assert abs(route.visits.index("K-1") - route.visits.index("K-2")) == 1  # one after the other


def test_a_fresh_plan_keeps_one_door_with_one_team_though_splitting_it_travels_less():
    """Both teams hold two visits a day. Splitting the door (A: K-1, X; B: K-2, Y) travels
    1,220 s, one team at the door (A: K-1, K-2; B: X, Y) 2,200 s: the rule wins over the
    travel, every visit still served."""
    teams = [_team("A", max_visits=2), _team("B", max_visits=2)]
    p = Problem([Visit("K-1", 1, 600, door="d1"), Visit("K-2", 2, 600, door="d1"),
                 Visit("X", 3, 600), Visit("Y", 4, 600)], teams, 1, {"car": M})
    sol = solve(p, time_limit=1.0, seed=1)
    assert check(p, sol) == []
    assert sol.unassigned == ()
    assert len(_teams_of(sol, "K-1", "K-2")) == 1
    assert door_splits(p, sol.routes) == []
    # without the door key the same problem splits the door: the rule is what keeps it
    plain = Problem([Visit("K-1", 1, 600), Visit("K-2", 2, 600), Visit("X", 3, 600),
                     Visit("Y", 4, 600)], teams, 1, {"car": M})
    assert len(_teams_of(solve(plain, time_limit=1.0, seed=1), "K-1", "K-2")) == 2


def test_a_door_that_cannot_be_gathered_goes_to_another_day():
    """K-1 is pinned to team A on day 0, whose day is full; K-2 (same door) may be served
    on either day. Team B on day 0 would split the door: K-2 goes to day 1."""
    teams = [_team("A", max_visits=2), _team("B", days=(0, 1))]
    p = Problem([Visit("K-1", 1, 600, pin=Pin(team="A", day=0), door="d1"),
                 Visit("X", 3, 600, pin=Pin(team="A", day=0)),
                 Visit("K-2", 2, 600, door="d1")], teams, 2, {"car": M})
    sol = solve(p, time_limit=1.0, seed=1)
    assert check(p, sol) == []
    assert sol.unassigned == ()
    assert _teams_of(sol, "K-1") == {("A", 0)}  # the pinned visit stays
    assert _teams_of(sol, "K-2") == {("B", 1)}
    assert sol.stats["door_splits"] == []


def test_a_split_that_cannot_be_mended_is_named_and_no_visit_is_lost():
    """Pinned K-1 and X fill team A's only day, K-2 has its window on day 0 and only team
    B has room: serving K-2 comes first, the split is reported (door, day, teams,
    visits)."""
    teams = [_team("A", max_visits=2), _team("B")]
    p = Problem([Visit("K-1", 1, 600, pin=Pin(team="A", day=0), door="d1"),
                 Visit("X", 3, 600, pin=Pin(team="A", day=0)),
                 Visit("K-2", 2, 600, (DAY0,), door="d1")], teams, 1, {"car": M})
    sol = solve(p, time_limit=1.0, seed=1)
    assert check(p, sol) == []
    assert sol.unassigned == ()
    assert sol.stats["door_splits"] == [
        {"door": "d1", "day": 0, "teams": ["A", "B"], "visits": ["K-1", "K-2"]}]
    assert sol.stats["doors_mended"] == 0


def test_without_shared_doors_the_pass_leaves_the_routes_as_they_are():
    teams = [_team("A", max_visits=2), _team("B", max_visits=2)]
    p = Problem([Visit("K-1", 1, 600, door="d1"), Visit("K-2", 2, 600, door="d2"),
                 Visit("X", 3, 600), Visit("Y", 4, 600)], teams, 1, {"car": M})
    sol = solve(p, time_limit=1.0, seed=1)
    routes, left, mended = mend_doors(p, sol.routes)
    assert routes == list(sol.routes) and left == [] and mended == 0


def test_an_empty_door_key_is_refused():
    import pytest

    from routing.errors import RoutingInputError

    with pytest.raises(RoutingInputError, match="door"):
        Visit("K-1", 1, door="")


def test_a_replan_after_a_visit_at_the_door_sends_no_other_team_there_that_day():
    """The brief's case: team A rang at 08:00 for K-1; a re-plan at 11:00 takes up K-2 at
    the same flat. Team A has one visit left (X, its limit is two), team B has room:
    before, K-2 went to team B that afternoon. K-1 is history (outside the problem of the
    rest; its door is the shift's, :attr:`Shift.doors`): X goes to team B and team A
    comes back for K-2."""
    teams = [_team("A", max_visits=2), _team("B", max_visits=3)]
    morning = TimeWindow(at(0, 8), at(0, 9))
    pinned = Problem([Visit("K-1", 1, 600, (morning,), pin=Pin(team="A"), door="d1"),
                      Visit("X", 3, 600, (TimeWindow(at(0, 14), at(0, 16)),),
                            pin=Pin(team="A"))], teams, 1, {"car": M})
    before = solve(pinned, time_limit=1.0, seed=1)
    assert _teams_of(before, "K-1", "X") == {("A", 0)}
    second = Problem([Visit("K-1", 1, 600, (morning,), door="d1"),
                      Visit("X", 3, 600, (TimeWindow(at(0, 14), at(0, 16)),)),
                      Visit("K-2", 2, 600, door="d1")], teams, 1, {"car": M})
    rp = replan(second, before, at(0, 11), move_cost=300)
    assert rp.problem.teams[0].shifts[0].doors == {"d1"}
    rest = solve(rp.problem, time_limit=1.0, seed=1)
    sol = rp.merge(rest)
    assert check(second, sol) == []
    assert sol.unassigned == ()
    assert _teams_of(sol, "K-1", "K-2") == {("A", 0)}
    assert _teams_of(sol, "X") == {("B", 0)}
    assert rest.stats["door_splits"] == []


def test_doors_survive_the_json_of_the_problem():
    """``hausbesuch solve``'s JSON keeps a visit's ``door`` and a shift's ``doors`` in the
    extension key (VROOM has no such thing)."""
    import json

    from routing.vroom_json import problem_from_json, problem_to_json

    team = Team("A", (Shift(0, DAY0, doors=frozenset({"d1"})),), start=0, end=0)
    p = Problem([Visit("K-2", 2, 600, door="d1"), Visit("X", 3, 600)], [team], 1,
                {"car": M})
    back = problem_from_json(json.loads(json.dumps(problem_to_json(p))))
    assert [v.door for v in back.visits] == ["d1", None]
    assert back.teams[0].shifts[0].doors == {"d1"}
