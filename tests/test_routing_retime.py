"""Reordering routes for a time-dependent value (``routing.retime``) on hand-made problems.

Locations lie on a line (travel time = distance in seconds); service takes 100 s. The
value of a visit depends on the second its service starts, as the at-home model's
chance of contact does.
"""

from __future__ import annotations

import numpy as np
import pytest

from routing import Pin, Problem, Shift, Team, TimeWindow, Visit
from routing.check import check
from routing.retime import reorder_for_value, route_value
from routing.schedule import schedule


def line(pos: list[int]) -> np.ndarray:
    p = np.array(pos)
    return np.abs(p[:, None] - p[None, :])


def problem(pos: list[int], visits: list[Visit]) -> Problem:
    team = Team(id="T", shifts=(Shift(0, TimeWindow(0, 10_000)),), start=0, end=0)
    return Problem(visits, [team], 1, {"car": line(pos)})


def solution_of(p: Problem, order: list[str]):
    from routing.model import Solution

    by_id = {v.id: v for v in p.visits}
    route = schedule(p, p.vehicles()[0], [by_id[x] for x in order])
    assert route is not None
    return Solution(routes=(route,), unassigned=())


def late_lover(vid: str):
    """A value: ``vid`` is worth 10 when it starts at 100 s or later, 1 before; others 1."""
    return lambda v, t: (10.0 if t >= 100 else 1.0) if v == vid else 1.0


def test_the_visit_that_pays_later_goes_last_when_the_walk_stays_the_same() -> None:
    # A at 10 and B at 20 (and back): A-B and B-A both walk 40 s
    p = problem([0, 10, 20], [Visit("A", 1, service=100), Visit("B", 2, service=100)])
    sol = solution_of(p, ["A", "B"])
    value = late_lover("A")
    assert route_value(sol.routes[0], value) == 2.0
    out = reorder_for_value(p, sol, value, max_extra_travel=0.0)
    assert out.routes[0].visits == ("B", "A")
    assert route_value(out.routes[0], value) == 11.0
    assert out.travel == sol.travel and check(p, out) == []
    # nothing to gain: the very same solution comes back
    assert reorder_for_value(p, sol, lambda v, t: 1.0) is sol


def test_the_travel_budget_is_kept() -> None:
    # one-way streets: depot -> A -> B -> depot is 30 s, the other way round 110 s
    m = np.array([[0, 10, 50],
                  [50, 0, 10],
                  [10, 10, 0]])
    team = Team(id="T", shifts=(Shift(0, TimeWindow(0, 10_000)),), start=0, end=0)
    p = Problem([Visit("A", 1, service=100), Visit("B", 2, service=100)], [team], 1, {"car": m})
    sol = solution_of(p, ["A", "B"])
    assert sol.travel == 30
    b_first = lambda v, t: 10.0 if (v == "B" and t < 100) else 1.0  # noqa: E731
    assert reorder_for_value(p, sol, b_first, max_extra_travel=0.5) is sol
    out = reorder_for_value(p, sol, b_first, max_extra_travel=3.0)
    assert out.routes[0].visits == ("B", "A") and out.travel == 110
    from routing.solve import objective

    assert check(p, out) == [] and out.objective == objective(p, out) > objective(p, sol)
    with pytest.raises(ValueError):
        reorder_for_value(p, sol, b_first, max_extra_travel=-0.1)


def test_windows_and_position_pins_hold() -> None:
    # A must start before 150 (window) and B is pinned to position 2: no better order exists
    p = problem([0, 10, 20], [
        Visit("A", 1, service=100, time_windows=(TimeWindow(0, 150),)),
        Visit("B", 2, service=100, pin=Pin(position=2)),
    ])
    sol = solution_of(p, ["A", "B"])
    assert reorder_for_value(p, sol, late_lover("A"), max_extra_travel=1.0) is sol
