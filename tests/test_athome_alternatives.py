"""Planning that weighs a visit's chance in each window against the walk
(``[erreichbarkeit] planning = "abwaegen"``, :func:`hausbesuch.athome.alternative_visits`):
each visit becomes alternatives by level of chance, the solver serves at most one, and
the plan is given back in the visits' own terms (:func:`~hausbesuch.athome.merge_alternatives`).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from hausbesuch.athome import (
    ALT_SEP,
    ContactModel,
    ContactRecord,
    alternative_visits,
    merge_alternatives,
)
from routing import Problem, Shift, Team, TimeWindow, Visit, at
from routing.check import check
from routing.model import DAY, Pin
from routing.solve import solve

MONDAY = date(2026, 12, 7)


def _model() -> ContactModel:
    """Mitte: nobody opens in the morning, everybody in the afternoon; Ost: nobody ever."""
    recs = [ContactRecord(f"N{i}", "Mitte", MONDAY + timedelta(days=i % 5), 500,
                          "nicht_angetroffen") for i in range(12)]
    recs += [ContactRecord(f"M{i}", "Mitte", MONDAY + timedelta(days=i % 5), 900,
                           "angetroffen") for i in range(12)]
    recs += [ContactRecord(f"K{i}", "Ost", MONDAY + timedelta(days=i % 5), m,
                           "nicht_angetroffen") for i in range(12) for m in (500, 900)]
    return ContactModel.fit(recs)


def _seconds(v: Visit) -> set[int]:
    """The minutes (as seconds of the span) at which a visit may start."""
    return {t for w in v.time_windows for t in range(w.start, w.end + 1, 60)}


def test_a_visit_becomes_alternatives_by_chance_and_keeps_every_window() -> None:
    model = _model()
    day = TimeWindow(at(0, 8), at(4, 16))  # any time of the week
    visits = [Visit("A", 1, 2700, (day,), priority=50),
              Visit("P", 3, 2700, priority=50, pin=Pin(day=1)),
              Visit("O", 4, 2700, (day,), priority=50)]
    district_of = {"A": "Mitte", "P": "Mitte", "O": "Ost"}
    out, adj = alternative_visits(visits, model, start=MONDAY, days=5,
                                  district_of=district_of, contact_s=1200)
    alts = [v for v in out if v.group == "A"]
    assert len(alts) >= 2 and all(v.id.startswith("A" + ALT_SEP) for v in alts)
    best = alts[0]
    # the best level: afternoons, no cost; the others cost in proportion to the chance lost
    assert best.cost == 0
    assert all((w.start % DAY) >= 12 * 3600 for w in best.time_windows)
    costs = [v.cost for v in alts]
    assert costs == sorted(costs) and costs[-1] > 0
    rate = model.client_rate("A", "Mitte")
    assert costs[-1] <= round(1200 * (rate.max() - rate.min())) + 1
    # nothing is taken away: together the alternatives allow every start the visit allowed
    union = set().union(*(_seconds(v) for v in alts))
    assert union == _seconds(visits[0])
    assert not set.intersection(*(_seconds(v) for v in alts))
    # a pinned visit stays; the value of a visit falls with its chance
    assert visits[1] in out
    assert all(v.priority == 50 for v in alts)
    assert all(0 < v.priority < 50 for v in out if v.group == "O")
    assert adj["O"].best_chance < adj["A"].best_chance
    # a visit whose chances differ by less than min_spread keeps its windows
    out, _ = alternative_visits(visits, model, start=MONDAY, days=5,
                                district_of=district_of, contact_s=1200, min_spread=1.0)
    assert [v.id for v in out] == ["A", "P", "O"]
    assert out[0].time_windows == visits[0].time_windows and out[0].group is None


def test_no_outcomes_no_alternatives() -> None:
    visits = [Visit("A", 1, 2700, priority=5)]
    out, adj = alternative_visits(visits, ContactModel.fit([]), start=MONDAY, days=5,
                                  district_of={}, contact_s=1200)
    assert out == visits and adj == {}


def _week(visits) -> Problem:  # noqa: ANN001
    d = np.array([[0, 300, 300, 300, 300, 300]] + [[300] + [60] * 5] * 5)
    np.fill_diagonal(d, 0)
    team = Team("T", tuple(Shift(k, TimeWindow(at(k, 8), at(k, 16))) for k in range(5)),
                start=0, end=0)
    return Problem(tuple(visits), (team,), 5, {"car": d})


@pytest.mark.parametrize("contact_s", [0, 3600])
def test_the_plan_comes_back_in_the_visits_own_terms(contact_s: int) -> None:
    """Served alternatives become their visit; a visit none of whose alternatives fits is
    left out once, with the reason for its whole windows. With a contact worth an hour
    of walking the visit is planned in the afternoon, where people open."""
    model = _model()
    day = TimeWindow(at(0, 8), at(4, 16))
    plain = _week([Visit("A", 1, 2700, (day,), priority=50),
                   Visit("B", 2, 2700, (day,), priority=50),
                   Visit("Z", 3, 2700, (TimeWindow(at(0, 20), at(0, 21)),), priority=50)])
    visits, _ = alternative_visits(plain.visits, model, start=MONDAY, days=5,
                                   district_of={"A": "Mitte", "B": "Mitte", "Z": "Mitte"},
                                   contact_s=contact_s)
    solved = _week(visits)
    assert solved.has_groups
    sol = merge_alternatives(plain, solved, solve(solved, time_limit=2.0, seed=1))
    assert check(plain, sol) == []
    assert sorted(x for r in sol.routes for x in r.visits) == ["A", "B"]
    assert [(u.visit, u.code) for u in sol.unassigned] == [("Z", "time_window")]
    assert ALT_SEP not in repr(sol)
    from routing.solve import objective

    assert sol.objective == objective(plain, sol)  # in the plain problem's terms
    if contact_s:
        starts = [s.service_start % DAY for r in sol.routes for s in r.steps if s.visit]
        assert all(t >= 12 * 3600 for t in starts)
