"""The short-time note promises more visits only where time kept visits out (closing 34).

A week of 300 candidates for 100 places at ``--time-limit 1``-``2`` filled every place and
was still told „Mit mehr Rechenzeit … werden meist mehr Besuche eingeplant und die Wege
kürzer“. When no visit is left out for lack of time (every candidate placed, or every
left-out visit kept out by its own constraints or by routes at their most visits), the
note says only what more time brings: shorter ways. The solver says which case holds
(``stats["may_place_more"]``); no wall-clock asserts.
"""

from __future__ import annotations

import pytest

from bench.deadline import week
from hausbesuch.planning.report import short_time_note
from routing import Solution, Unassigned, prepare
from routing import solve as solve_module
from routing.check import check
from routing.solve import solve

MORE = "werden meist mehr Besuche eingeplant und die Wege kürzer."
WAYS = "Mit mehr Rechenzeit (--time-limit; Standard 30 s) werden die Wege meist kürzer."
FULL = Unassigned("v9", "days_full", "Die Touren der passenden Teams haben die Höchstzahl "
                  "der Besuche erreicht: der Besuch (Priorität 0) passt in keine Tour mehr.")


def short(unassigned=(), **stats) -> Solution:
    return Solution((), tuple(unassigned), 0, {"short_of_time": True, **stats})


def test_every_candidate_placed_more_time_only_shortens_the_ways():
    note = short_time_note(short(), 2.0)
    assert note.startswith("Die Rechenzeit von 2 s war zu kurz für eine gründliche Suche: ")
    assert note.endswith(WAYS) and "mehr Besuche" not in note


def test_visits_left_out_where_no_place_is_free_get_no_promise_of_more():
    note = short_time_note(short([FULL], may_place_more=False), 1.5)
    assert note.startswith("Die Rechenzeit von 1,5 s war zu kurz ")
    assert note.endswith(WAYS) and "mehr Besuche" not in note


def test_visits_left_out_where_time_may_place_them_keep_the_promise():
    assert short_time_note(short([FULL], may_place_more=True), 2.0).endswith(MORE)
    # a solution from before the solver said so: as before
    assert short_time_note(short([FULL]), 2.0).endswith(MORE)
    untried = Unassigned("v8", "not_checked",
                         "Der Besuch wurde in der verfügbaren Rechenzeit nicht eingeplant.")
    note = short_time_note(short([untried, FULL], may_place_more=False), 2.0)
    assert "1 Besuch wurde in der Zeit nicht mehr geprüft" in note and note.endswith(MORE)


def test_time_enough_no_note():
    assert short_time_note(Solution((), (FULL,), 0, {"short_of_time": False}), 2.0) is None


#: The time limit of the two solves below: the work of a seeded 1 s run (OR-Tools' moves
#: and neighbours, 8 rounds of the second phase) at a limit that leaves it slack on a
#: loaded machine (session 36: at 1 s, a load of 12 cut the second phase before its 8th
#: round).
LIMIT = 4.0


@pytest.fixture()
def too_few_rounds(monkeypatch):
    """The second phase's rounds per second lowered as on a machine too slow for its limit
    (8 rounds in all, fewer than its least of 20): the search is short of time on any
    machine. OR-Tools' work per second lowered as much: the work of a 1 s run, at
    :data:`LIMIT`."""
    prepare()
    monkeypatch.setattr(solve_module, "LNS_ITERATIONS_PER_SECOND", 10 / LIMIT)
    monkeypatch.setattr(solve_module, "NEIGHBORS_PER_SECOND",
                        solve_module.NEIGHBORS_PER_SECOND / LIMIT)


def _solve(p):  # noqa: ANN001, ANN202
    return solve(p, time_limit=LIMIT, seed=1, threads=1,
                 work_per_second=solve_module.WORK_PER_SECOND / LIMIT)


def test_a_week_with_every_place_filled_is_told_only_of_shorter_ways(too_few_rounds):
    p = week(300, windows=False, teams=10, max_visits=2, seed=1)
    sol = _solve(p)
    assert sol.stats["short_of_time"] and sol.stats["lns"]["iterations"] == 8
    assert check(p, sol) == [] and sum(len(r.visits) for r in sol.routes) == 100
    assert {u.code for u in sol.unassigned} == {"days_full"}
    assert short_time_note(sol, LIMIT).endswith(WAYS)
    assert sol.stats["may_place_more"] is False


def test_a_day_full_of_working_time_keeps_the_promise(too_few_rounds):
    """One team-day of 8 hours, no visit cap, 60 visits of 30 minutes: the day is full of
    working time, and shorter ways may make room for one more."""
    p = week(60, windows=False, teams=1, max_visits=40, days=1, seed=1)
    sol = _solve(p)
    assert sol.stats["short_of_time"]
    placed = sum(len(r.visits) for r in sol.routes)
    assert 0 < placed < 40 and {u.code for u in sol.unassigned} == {"days_full"}
    assert sol.stats["may_place_more"] is True
    assert short_time_note(sol, LIMIT).endswith(MORE)
