"""The span cost (``Problem.span_cost``): idle waits inside a team-day cost, on real walks
through Lauf a.d. Pegnitz (QA 22 F7: a team waited 1 h 35 min at an agreed appointment's
door, and idle 09:37-14:00 before a "Di 14-16" window, while other open visits of the
week sat on later days).

Checked: with the pure travel objective (span cost 0, VROOM's, the default of the pure
solver) the week below waits long before its appointment or window; with span cost 1 (the
app's default) the same week is planned without a long wait (the gap filled, or the team
starts later), with the same visits and priority and at most a little more travel; both
phases see the cost (the second phase alone keeps the plan free of waits); a route is
timed with the latest departure that does not delay its return.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from routing.check import check
from routing.model import (
    UNREACHABLE,
    Break,
    Pin,
    Problem,
    Shift,
    Team,
    TimeWindow,
    Visit,
    at,
)
from routing.schedule import schedule
from routing.solve import solve

N_VISITS = 17


def walk_matrix(pbf, n_points: int, seed: int) -> np.ndarray:
    """Walking times between random real network nodes within 1.5 km of the centre
    (the office = 0)."""
    from scipy.sparse.csgraph import dijkstra

    from geodata.network import haversine_m, load_network

    net = load_network(pbf, "walk")
    lon0, lat0 = float(np.median(net.node_lon)), float(np.median(net.node_lat))
    d0 = haversine_m(net.node_lon, net.node_lat, lon0, lat0)
    near = np.flatnonzero(d0 < 1500)
    office = int(near[np.argmin(d0[near])])
    rng = np.random.default_rng(seed)
    nodes = np.concatenate([[office], rng.choice(near[near != office], n_points - 1, False)])
    t = dijkstra(net.csr("time"), indices=nodes)[:, nodes]
    return np.where(np.isfinite(t), np.ceil(t), UNREACHABLE).astype(np.int64)


def week(matrix: np.ndarray) -> Problem:
    """QA 22's week 2 in Lauf: 2 walking teams, 5 days 8-16 with a 30-minute lunch break
    in 12:00-13:30, 17 open visits of 45 minutes; one agreed appointment Tuesday 10:30,
    one visit announced for "Di 14-16", the rest free."""
    visits = [Visit(f"K{i:02d}", i, service=2700, priority=10) for i in range(1, N_VISITS + 1)]
    visits[0] = dataclasses.replace(visits[0], pin=Pin(day=1, window=TimeWindow(at(1, 10, 30),
                                                                                at(1, 10, 30))))
    visits[1] = dataclasses.replace(visits[1], time_windows=(TimeWindow(at(1, 14), at(1, 16)),))
    teams = [Team(t, tuple(Shift(d, TimeWindow(at(d, 8), at(d, 16)),
                                 (Break(TimeWindow(at(d, 12), at(d, 13, 30)), 1800),))
                           for d in range(5)), start=0, end=0, mode="walk")
             for t in ("team-1", "team-2")]
    return Problem(tuple(visits), tuple(teams), 5, {"walk": matrix})


def longest_wait(sol) -> int:  # noqa: ANN001
    return max((s.waiting for r in sol.routes for s in r.steps if s.kind == "job"), default=0)


@pytest.fixture(scope="module", params=[1, 2])
def lauf_week(request, lauf_pbf):  # noqa: ANN001, ANN201
    return week(walk_matrix(lauf_pbf, N_VISITS + 1, request.param))


def test_a_long_idle_wait_is_filled_or_the_team_starts_later(lauf_week) -> None:
    plain = solve(lauf_week, time_limit=4, seed=1, threads=1)
    costed_problem = dataclasses.replace(lauf_week, span_cost=1)
    costed = solve(costed_problem, time_limit=4, seed=1, threads=1)
    assert check(lauf_week, plain) == [] and check(costed_problem, costed) == []
    # the pure travel objective waits long at the appointment's or the window's door
    assert longest_wait(plain) >= 20 * 60
    # with the span cost: no wait longer than a few minutes, far less waiting in total
    assert longest_wait(costed) <= 5 * 60
    assert sum(r.waiting for r in costed.routes) <= sum(r.waiting for r in plain.routes) / 4
    # the same visits planned (all of them), the same priority, a little more travel
    assert len(costed.served) == len(plain.served) == N_VISITS
    prio = {v.id: v.priority for v in lauf_week.visits}
    assert sum(prio[x] for x in costed.served) >= sum(prio[x] for x in plain.served)
    assert costed.travel <= 1.1 * plain.travel


def test_the_second_phase_alone_sees_the_waiting_cost(lauf_week) -> None:
    """The ruin-and-recreate phase weighs the span cost itself: built from nothing by it
    alone (no OR-Tools model), the week has no long wait either."""
    from routing import solve as solve_module

    costed_problem = dataclasses.replace(lauf_week, span_cost=1)
    old = solve_module.BUILD_S_PER_ENTRY
    solve_module.BUILD_S_PER_ENTRY = 1.0  # every model "too large": the LNS builds the plan
    try:
        sol = solve(costed_problem, time_limit=4, seed=1, threads=1)
    finally:
        solve_module.BUILD_S_PER_ENTRY = old
    assert check(costed_problem, sol) == []
    assert len(sol.served) == N_VISITS
    assert longest_wait(sol) <= 5 * 60


def test_a_route_leaves_as_late_as_its_return_allows(lauf_pbf) -> None:
    """One free visit before the 10:30 appointment: without a span cost the team leaves at
    8:00 and waits at the appointment's door; with it the free visit moves later, the
    return stays the same."""
    p0 = week(walk_matrix(lauf_pbf, N_VISITS + 1, 1))
    p1 = dataclasses.replace(p0, span_cost=1)
    veh = next(v for v in p0.vehicles() if v.day == 1)
    by_id = {v.id: v for v in p0.visits}
    seq = [by_id["K05"], by_id["K01"], by_id["K03"]]
    early, late = schedule(p0, veh, seq), schedule(p1, veh, seq)
    assert early is not None and late is not None
    assert early.steps[0].service_start == at(1, 8)
    jobs0 = [s for s in early.steps if s.kind == "job"]
    jobs1 = [s for s in late.steps if s.kind == "job"]
    assert jobs0[1].waiting >= 30 * 60
    assert late.waiting == 0 and late.steps[0].service_start > at(1, 8)
    assert jobs1[1].service_start == at(1, 10, 30)
    assert late.steps[-1].arrival == early.steps[-1].arrival
    assert late.travel == early.travel


def test_the_span_cost_is_off_by_default_and_survives_the_json_round_trip(lauf_pbf) -> None:
    """The pure solver keeps VROOM's travel objective unless asked; our JSON keeps the
    setting, VROOM's pure JSON has no place for it."""
    from routing.vroom_json import problem_from_json, problem_to_json

    p0 = week(walk_matrix(lauf_pbf, N_VISITS + 1, 1))
    assert p0.span_cost == 0
    p1 = dataclasses.replace(p0, span_cost=2)
    assert problem_from_json(problem_to_json(p1)).span_cost == 2
    assert problem_from_json(problem_to_json(p0)).span_cost == 0
    assert "hausbesuch" not in problem_to_json(p1, pure=True)
