"""The independent feasibility checker rejects broken solutions (and accepts a correct one)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from routing import (
    UNREACHABLE,
    Break,
    Pin,
    Problem,
    Route,
    Shift,
    Solution,
    Step,
    Team,
    TimeWindow,
    Visit,
)
from routing.check import check


@pytest.fixture(scope="module")
def problem() -> Problem:
    pos = np.array([0, 10, 20, 30])
    m = np.abs(pos[:, None] - pos[None, :])
    visits = [
        Visit("a", 1, service=5, time_windows=(TimeWindow(0, 50),)),
        Visit("b", 2, service=5, skills=frozenset({"tr"})),
        Visit("c", 3, service=5, pin=Pin(team="T", day=0, position=3)),
    ]
    team = Team(
        "T",
        (Shift(0, TimeWindow(0, 200), (Break(TimeWindow(40, 80), 10),)),),
        start=0, end=0, skills=frozenset({"tr"}), max_visits=3,
    )
    return Problem(visits, [team], 1, {"car": m}, {"car": m * 100})


def good_route() -> Route:
    # 0 -> a(10) -> b(20) -> break -> c(30) -> 0: travel 10+10+10+30 = 60
    steps = (
        Step("start", 0, 0, 0, 0),
        Step("job", 10, 10, 5, 1, "a"),
        Step("job", 25, 25, 5, 2, "b"),
        Step("break", 40, 40, 10, None, None, 0),
        Step("job", 50, 50, 5, 3, "c"),
        Step("end", 85, 85, 0, 0),
    )
    return Route(0, "T", 0, steps, 60, 6000)


def with_steps(route: Route, **changes) -> Route:
    steps = list(route.steps)
    for i, st in changes.items():
        steps[int(i[1:])] = st
    return dataclasses.replace(route, steps=tuple(steps))


def test_accepts_a_correct_solution(problem):
    assert check(problem, Solution((good_route(),), ())) == []


@pytest.mark.parametrize(
    "broken, expect",
    [
        # service of a starts after its window closes
        ({"s1": Step("job", 60, 60, 5, 1, "a")}, "outside its windows"),
        # b reached faster than the travel time allows
        ({"s2": Step("job", 16, 16, 5, 2, "b")}, "earliest possible"),
        # break outside its window
        ({"s3": Step("break", 30, 30, 10, None, None, 0)}, "outside its window"),
        # break shortened
        ({"s3": Step("break", 40, 40, 5, None, None, 0)}, "lasts 5"),
        # break overlapping the service of c
        ({"s4": Step("job", 45, 45, 5, 3, "c")}, "earliest possible"),
        # service time shortened
        ({"s1": Step("job", 10, 10, 1, 1, "a")}, "service 1"),
        # end after the shift
        ({"s5": Step("end", 250, 250, 0, 0)}, "after shift end"),
    ],
)
def test_rejects_broken_times(problem, broken, expect):
    errs = check(problem, Solution((with_steps(good_route(), **broken),), ()))
    assert any(expect in e for e in errs), errs


def test_rejects_missing_break_and_wrong_travel(problem):
    r = good_route()
    no_break = dataclasses.replace(r, steps=tuple(s for s in r.steps if s.kind != "break"))
    assert any("break 0 taken 0 times" in e for e in check(problem, Solution((no_break,), ())))
    wrong = dataclasses.replace(r, travel=59)
    assert any("reported travel" in e for e in check(problem, Solution((wrong,), ())))


def test_rejects_duplicates_missing_and_both(problem):
    r = good_route()
    errs = check(problem, Solution((r,), (dataclasses.replace(_u("a")),)))
    assert any("both served and unassigned" in e for e in errs)
    short = dataclasses.replace(r, steps=tuple(s for s in r.steps if s.visit != "c"))
    errs = check(problem, Solution((short,), ()))
    assert any("neither served nor unassigned" in e for e in errs)


def test_rejects_skill_pin_and_max_visits(problem):
    no_skill = dataclasses.replace(problem.teams[0], skills=frozenset())
    p2 = dataclasses.replace(problem, teams=(no_skill,))
    assert any("needs skills" in e for e in check(p2, Solution((good_route(),), ())))
    # c pinned to position 3: swap b and c order -> c at position 2
    r = good_route()
    steps = list(r.steps)
    steps[2], steps[4] = Step("job", 30, 30, 5, 3, "c"), Step("job", 60, 60, 5, 2, "b")
    errs = check(problem, Solution((dataclasses.replace(r, steps=tuple(steps)),), ()))
    assert any("pinned to position 3" in e for e in errs)
    one = dataclasses.replace(problem.teams[0], max_visits=2)
    p3 = dataclasses.replace(problem, teams=(one,))
    assert any("> max 2" in e for e in check(p3, Solution((good_route(),), ())))


def test_rejects_unreachable_legs(problem):
    m = problem.durations["car"].copy()
    m[0, 1] = UNREACHABLE
    p2 = dataclasses.replace(problem, durations={"car": m}, distances={})
    assert any("unreachable" in e for e in check(p2, Solution((good_route(),), ())))


def _u(visit: str):
    from routing.model import Unassigned

    return Unassigned(visit, "days_full", "x")
