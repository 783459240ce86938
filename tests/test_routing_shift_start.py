"""Per-shift start/end overrides: one team-day starts (or ends) somewhere else.

A re-plan from 11:30 starts a team where its last done visit was, on that day only.
Every part of the solver must use the shift's place: the OR-Tools model, the
ruin-and-recreate arrays, the schedule, the checker, repair, reasons and VROOM JSON.
Problems live on a line: travel time = distance between positions.
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

import routing
from routing import UNREACHABLE, Problem, RoutingInputError, Shift, Team, TimeWindow, Visit, _lns
from routing.check import check
from routing.model import Solution, Unassigned
from routing.reasons import explain
from routing.repair import repair
from routing.schedule import schedule
from routing.solve import penalties, solve
from routing.vroom_json import (
    problem_from_json,
    problem_to_json,
    solution_from_json,
    solution_to_json,
)


def line(pos: list[int]) -> np.ndarray:
    p = np.array(pos)
    return np.abs(p[:, None] - p[None, :]).astype(np.int64)


#: depot 0 at 0; visits at 10, 20, 30; location 4 at 40 is where the team stands on day 0.
M = line([0, 10, 20, 30, 40])


def _problem(**kw) -> Problem:
    shifts = (
        Shift(0, TimeWindow(0, 1000), start=kw.pop("start0", 4), end=kw.pop("end0", None)),
        Shift(1, TimeWindow(0, 1000)),
    )
    t = Team("A", shifts, start=0, end=0)
    visits = kw.pop("visits", None) or [
        Visit("a", 1, earliest_day=0, latest_day=0),
        Visit("b", 2, earliest_day=0, latest_day=0),
        Visit("c", 3, earliest_day=1, latest_day=1),
    ]
    return Problem(visits, [t], 2, {"car": kw.pop("m", M)}, **kw)


def test_vehicle_uses_the_shift_override_on_that_day_only():
    p = _problem()
    v0, v1 = p.vehicles()
    assert (v0.start, v0.end) == (4, 0)
    assert (v1.start, v1.end) == (0, 0)


def test_solve_starts_day_0_at_the_override():
    """Day 0 starts at 40: 40 -> 20 -> 10 -> 0 is 40 s; day 1 from the depot: 0 -> 30 -> 0."""
    p = _problem()
    sol = solve(p, time_limit=2, seed=1)
    assert check(p, sol) == []
    r0, r1 = sol.routes
    assert r0.visits == ("b", "a")
    assert r0.steps[0].location == 4 and r0.steps[-1].location == 0
    assert r0.travel == 40
    assert r1.steps[0].location == 0 and r1.travel == 60


def test_end_override_and_open_start():
    """Team without start; day 0 ends at 40 (the override): 10 -> 20 -> 40 is 30 s."""
    t = Team(
        "A", (Shift(0, TimeWindow(0, 1000), end=4),), start=None, end=0,
    )
    p = Problem([Visit("a", 1), Visit("b", 2)], [t], 1, {"car": M})
    sol = solve(p, time_limit=2, seed=1)
    assert check(p, sol) == []
    (r,) = sol.routes
    assert r.visits == ("a", "b") and r.travel == 30
    assert r.steps[-1].location == 4


def test_schedule_and_checker_use_the_override():
    p = _problem()
    v0, v1 = p.vehicles()
    r = schedule(p, v0, [p.visits[1], p.visits[0]])
    assert r is not None and r.travel == 40 and r.steps[0].location == 4
    # a = 10, b = 20 timed from the depot (0 -> 10 -> 20 -> 0, 40 s) and reported as day 0:
    # from 40 the first visit cannot be reached by 10 and the legs add up to 60 s
    wrong = schedule(p, v1, [p.visits[0], p.visits[1]], check_static=False)
    assert wrong is not None
    wrong = dataclasses.replace(wrong, vehicle=0, day=0)
    errs = check(p, Solution((wrong,), (Unassigned("c", "x", "x"),)))
    assert any("earliest possible" in e for e in errs)
    assert any("matrix says 60" in e for e in errs)


def test_reasons_use_the_override_start():
    """Location 1 cannot be reached from 2, 3, 4: 'a' (day 0 only) cannot be served.

    From the depot it could (0 -> 10), so the reason shows the override is used.
    """
    m = M.copy()
    m[2, 1] = m[3, 1] = m[4, 1] = UNREACHABLE
    p = _problem(m=m)
    code, _ = explain(p, [], p.visits[0])
    assert code == "unreachable"
    sol = solve(p, time_limit=2, seed=1)
    assert check(p, sol) == []
    assert {u.visit: u.code for u in sol.unassigned} == {"a": "unreachable"}


def test_repair_inserts_with_the_override():
    p = _problem()
    routes, left, moves, _ = repair(p, [], [0, 1, 2])
    assert left == [] and moves == 3
    sol = Solution(tuple(routes), ())
    assert check(p, sol) == []
    assert sum(r.travel for r in routes if r.day == 0) == 40


@pytest.mark.skipif(not routing.ready(), reason="numba code not compiled (routing.prepare)")
def test_ruin_and_recreate_uses_the_override():
    """Start from a bad order; the phase must find 40 -> 20 -> 10 -> 0 (40 s)."""
    p = _problem()
    vehicles = p.vehicles()
    routes, gaps, st = _lns.improve(
        p, vehicles, [[0, 1], [2]], penalties(p), iterations=300, seed=1
    )
    assert routes[0] == [1, 0]
    assert st["objective"] == 40 + 60
    fits = _lns.fit_matrix(p, vehicles, [[1], [2]], [0])
    assert fits[0, 0] and not fits[0, 1]  # 'a' is allowed on day 0 only


def test_vroom_json_round_trip_keeps_the_override():
    p = _problem()
    data = problem_to_json(p)
    veh = data["vehicles"]
    assert veh[0]["start_index"] == 4 and veh[1]["start_index"] == 0
    back = problem_from_json(json.loads(json.dumps(data)))
    assert [(v.start, v.end) for v in back.vehicles()] == [(4, 0), (0, 0)]
    pure = problem_from_json(json.loads(json.dumps(problem_to_json(p, pure=True))))
    assert [(v.start, v.end) for v in pure.vehicles()] == [(4, 0), (0, 0)]
    sol = solve(p, time_limit=2, seed=1)
    out = solution_to_json(p, sol)
    assert out["routes"][0]["steps"][0]["location_index"] == 4
    assert out["routes"][0]["duration"] == 40
    again = solution_from_json(p, json.loads(json.dumps(out)))
    assert [r.travel for r in again.routes] == [40, 60]


def test_override_outside_the_matrix_is_refused():
    with pytest.raises(RoutingInputError, match="Schicht an Tag 0, Feld 'start'"):
        _problem(start0=9)


def test_negative_durations_are_refused():
    m = M.copy()
    m[2, 3] = -5
    with pytest.raises(RoutingInputError, match="Zeile 2, Spalte 3: negativer Wert -5"):
        _problem(m=m)
    m = M.astype(float)
    m[1, 2] = np.nan
    with pytest.raises(RoutingInputError, match="NaN"):
        _problem(m=m)
    m[1, 2] = np.inf  # +inf is unreachable, as any value >= UNREACHABLE
    assert _problem(m=m).durations["car"][1, 2] == UNREACHABLE


def test_prepare_and_ready_are_public():
    spent = routing.prepare()
    assert spent >= 0.0
    assert routing.ready() is True
