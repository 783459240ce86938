"""A short time limit still gives the plan a quick construction places (QA 34a F1, F2).

QA 34a planned a real week of 300 candidates (2 teams x 5 days, at most 100 visits) with
``--time-limit 2``: seven identical runs placed 0, 0, 5, 34, 55, 87 and 87 visits. Building
OR-Tools' model took most of the time (a visit's windows "Mo-Fr 14-16": OR-Tools removes
the gaps between them second by second), OR-Tools then stopped inside its first-solution
heuristic with an empty or partial plan, which was taken for a plan, and the
ruin-and-recreate phase, whose first iteration inserts every left-out visit where it fits,
was skipped for the deadline; the repair after it had no time left either.

Synthetic matrices, no wall-clock asserts: what was placed, the stats, the flags. (How
long a call takes against its limit: ``bench/deadline.py``.)
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from routing import Problem, Shift, Team, TimeWindow, Visit, at, prepare
from routing.solve import penalties

DAYS = 5


def week(n: int, *, windows: bool, teams: int = 2, max_visits: int = 10, seed: int = 1,
         days: int = DAYS) -> Problem:
    """``n`` 30-minute visits within 1 km of the office (every second one, with
    ``windows``, at "Mo-Fr 14-16"), ``teams`` x ``days`` team-days of 8-16 with at most
    ``max_visits`` each: a greedy insertion fills every team-day."""
    rng = np.random.default_rng(seed)
    pts = rng.random((n + 1, 2)) * 1000.0
    d = np.ceil(np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1)) / 1.2)
    visits = []
    for i in range(1, n + 1):
        tws: tuple[TimeWindow, ...] = ()
        if windows and i % 2 == 0:
            tws = tuple(TimeWindow(at(day, 14), at(day, 16)) for day in range(days))
        visits.append(Visit(f"v{i}", i, service=1800, time_windows=tws))
    team_list = tuple(
        Team(f"t{k}", tuple(Shift(day, TimeWindow(at(day, 8), at(day, 16))) for day in range(days)),
             start=0, end=0, max_visits=max_visits)
        for k in range(teams))
    return Problem(tuple(visits), team_list, days, {"car": d.astype(np.int64)})


def placed(sol) -> int:
    return sum(len(r.visits) for r in sol.routes)


@pytest.fixture(scope="module", autouse=True)
def compiled():
    prepare()  # the compiled second phase, as the app loads it before the clock


def test_past_the_deadline_a_seeded_second_phase_runs_only_what_it_must():
    """A plan from scratch after the deadline: one iteration (the construction), not a
    block of 200 (which ran 2 s over the limit on a large week)."""
    from routing._lns import improve

    p = week(200, windows=True)
    vehicles = p.vehicles()
    routes, _, st = improve(p, vehicles, [[] for _ in vehicles], penalties(p),
                            deadline=time.monotonic() - 1.0, iterations=3200, seed=1,
                            min_iterations=1)
    assert st["iterations"] == 1 and st["hit_time_limit"]
    assert sum(map(len, routes)) == 100  # the one iteration placed the week
