"""The ruin-and-recreate phase on plans it builds from nothing (session 35).

A plan built from nothing searched at temperature 0: its temperatures came from the
empty start plan (no legs), so every accepted move was an improvement.
"""

from __future__ import annotations

import pytest

from bench.deadline import week
from routing import prepare
from routing._lns import improve
from routing.solve import penalties


@pytest.fixture(scope="module", autouse=True)
def compiled():
    prepare()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_plan_from_nothing_is_annealed_too(seed):
    # the temperatures come from the plan the first iteration builds: a worse plan is
    # accepted now and then (at temperature 0 every accepted move was an improvement)
    p = week(60, windows=True, teams=2, max_visits=3)
    vehicles = p.vehicles()
    _, _, st = improve(p, vehicles, [[] for _ in vehicles], penalties(p), iterations=300,
                       seed=seed, min_iterations=1)
    assert st["accepted"] > st["improvements"] > 0
