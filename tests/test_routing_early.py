"""A visit's preferred first day (``Visit.preferred_from_day``, e.g. the day after its
announcement letter reaches the client) and ``Problem.early_cost``: serving it earlier
costs that much, weighed against travel after the served visits, on hand-made problems
whose answer is known by reasoning (session 37: a Lauf week planned on Friday put 15 of
22 visits on Tuesday, the day the letters arrive, while Wednesday to Friday stayed free).

Two days, one team (8:00-17:00, office at location 0). Locations 1 and 2 are 1,000 s from
the office and 10 s from each other. Visit X (location 1) can only be served on day 0;
visit V (location 2) prefers day 1. On day 0, beside X, V adds 20 s of travel; on day 1
it is a walk of its own (2,000 s): V goes to day 1 when ``early_cost`` exceeds the
difference (1,980 s), and stays beside X when it does not. When day 1 has no room, V is
served on day 0 whatever ``early_cost`` is: serving comes first.
"""

from __future__ import annotations

import numpy as np
import pytest

from routing import Problem, Shift, Team, TimeWindow, Visit, at
from routing.check import check
from routing.errors import RoutingInputError
from routing.solve import objective, penalties, solve

M = np.array([[0, 1000, 1000], [1000, 0, 10], [1000, 10, 0]])


def _problem(early_cost: int, *, day1_full: bool = False) -> Problem:
    shifts = (Shift(0, TimeWindow(at(0, 8), at(0, 17))),
              Shift(1, TimeWindow(at(1, 8), at(1, 17)), max_visits=1 if day1_full else None))
    visits = [
        Visit("X", 1, 600, earliest_day=0, latest_day=0),
        Visit("V", 2, 600, preferred_from_day=1),
    ]
    if day1_full:  # day 1 takes one visit only, and Y can go nowhere else
        visits.append(Visit("Y", 1, 600, earliest_day=1, latest_day=1))
    return Problem(visits, [Team("T", shifts, start=0, end=0)], 2, {"car": M},
                   early_cost=early_cost)


def _day_of(sol, vid: str) -> int | None:  # noqa: ANN001
    return next((r.day for r in sol.routes if vid in r.visits), None)


@pytest.mark.parametrize("improve", [True, False], ids=["lns", "ortools"])
@pytest.mark.parametrize(("early_cost", "day"), [(0, 0), (1000, 0), (3000, 1)])
def test_a_visit_goes_to_its_preferred_day_when_the_detour_costs_less(improve, early_cost,
                                                                      day):
    p = _problem(early_cost)
    sol = solve(p, time_limit=2.0, seed=1, improve=improve)
    assert check(p, sol) == []
    assert sol.unassigned == ()
    assert _day_of(sol, "X") == 0
    assert _day_of(sol, "V") == day
    # the objective counts the cost of the day before the preferred one
    assert sol.objective == sol.travel + (early_cost if day == 0 else 0)
    assert objective(p, sol) == sol.objective


@pytest.mark.parametrize("improve", [True, False], ids=["lns", "ortools"])
def test_a_visit_whose_preferred_days_are_full_is_served_earlier_not_left_out(improve):
    p = _problem(10**6, day1_full=True)
    sol = solve(p, time_limit=2.0, seed=1, improve=improve)
    assert check(p, sol) == []
    assert sol.unassigned == ()
    assert (_day_of(sol, "X"), _day_of(sol, "V"), _day_of(sol, "Y")) == (0, 0, 1)
    # the drop penalty of a visit is above any early cost
    assert min(penalties(p)) > p.early_cost


def test_seeded_runs_repeat():
    p = _problem(3000)
    a, b = (solve(p, time_limit=1.0, seed=7) for _ in range(2))
    assert [(r.team, r.day, r.visits) for r in a.routes] == \
        [(r.team, r.day, r.visits) for r in b.routes]


def test_the_preference_survives_the_json_round_trip_and_is_checked():
    from routing.vroom_json import problem_from_json, problem_to_json

    p = _problem(3000)
    back = problem_from_json(problem_to_json(p))
    assert back.early_cost == 3000
    assert [(v.id, v.preferred_from_day) for v in back.visits] == [("X", None), ("V", 1)]
    assert "preferred_from_day" not in problem_to_json(p, pure=True)["jobs"][1]
    with pytest.raises(RoutingInputError, match="preferred_from_day"):
        Visit("V", 2, preferred_from_day=-1)
    with pytest.raises(RoutingInputError, match="early_cost"):
        Problem([Visit("V", 2)], [], 1, {"car": M}, early_cost=-1)


def test_a_moved_visit_is_put_off_only_beyond_its_preferred_day():
    """A re-plan's visit whose letter is still to be written (session 38): its home
    team-day (day 0) lies before its preferred day (2). Staying costs ``early_cost``
    (3,600 s); going to day 2 is a move (900 s), not a visit put off: days later than the
    home day cost :data:`routing.model.DELAY_MOVES` moves each only beyond the preferred
    day (before, day 2 cost 900 + 2 x 2 x 900 = 4,500 s, more than staying, and the
    visit stayed before its letter arrived)."""
    from routing.model import DELAY_MOVES
    from routing.solve import visit_costs

    shifts = tuple(Shift(d, TimeWindow(at(d, 8), at(d, 17))) for d in range(4))
    p = Problem([Visit("V", 2, 600, home=("T", 0), preferred_from_day=2)],
                [Team("T", shifts, start=0, end=0)], 4, {"car": M}, move_cost=900,
                early_cost=3600)
    assert visit_costs(p, p.vehicles()).tolist() == [
        [3600, 900 + 3600, 900, 900 + DELAY_MOVES * 900]]
    sol = solve(p, time_limit=1.0, seed=1)
    assert check(p, sol) == [] and _day_of(sol, "V") == 2
    assert sol.objective == sol.travel + 900
