"""The pages' at-home chances fit the city's model once and reuse it while its input stays.

:func:`hausbesuch.athome.stop_chances` (the plan page, route pages, the phone's day page,
written plan files) fitted the model from every outcome of the city on each call. Now the
fit is kept per database, city, settings and a digest of the records read
(:func:`hausbesuch.athome.shown_model`). On a copy of the real planned Bad Hersfeld week
(tests/planning_fixtures.py), outcomes recorded, corrected and purged through the case
work service; fits are counted by wrapping ``ContactModel.fit`` (instrumentation only, the
fit itself runs).
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from hausbesuch.athome import ContactModel, clear_shown_models, stop_chances

#: a moment after every outcome of the tests: the chances read all of them
LATER = datetime(2099, 1, 1)
#: "today" of the case work: after the planned week (7–11 Dec 2026)
TODAY = date(2026, 12, 20)


@pytest.fixture
def week(planned_week, tmp_path):
    """(store, profile, plan, case work) on a copy of the planned week."""
    from hausbesuch.casework import Casework
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store

    shutil.copyfile(Path(planned_week.db_url.removeprefix("sqlite:///")), tmp_path / "p.db")
    profile = load_profile("bad-hersfeld")
    with Store.open(f"sqlite:///{tmp_path / 'p.db'}") as store:
        plan = store.load_plan(planned_week.plan_id)
        yield store, profile, plan, Casework(store, profile, actor="test",
                                             today=lambda: TODAY)


@pytest.fixture
def fits(monkeypatch):
    """The number of model fits so far (a list, one item per fit)."""
    clear_shown_models()
    calls: list[int] = []
    fit = ContactModel.fit.__func__  # type: ignore[attr-defined]

    def counted(cls, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        calls.append(1)
        return fit(cls, *args, **kwargs)

    monkeypatch.setattr(ContactModel, "fit", classmethod(counted))
    yield calls
    clear_shown_models()


def _stops(plan):  # noqa: ANN001, ANN202
    return [s for r in plan.routes for s in r.stops]


def _monday(plan):  # noqa: ANN001, ANN202
    first = min(r.day for r in plan.routes)
    return [s for r in plan.routes if r.day == first for s in r.stops]


def _record_monday(cw, plan, n: int = 8) -> list:  # noqa: ANN001
    """Outcomes of Monday's first ``n`` stops, alternately not met and met."""
    done = _monday(plan)[:n]
    for i, s in enumerate(done):
        cw.record_outcome(s.client_id, s.start.date(),
                          ("nicht_angetroffen", "angetroffen")[i % 2],
                          time_min=s.start.hour * 60 + s.start.minute, visit_id=s.visit_id)
    return done


def _fresh(store, profile, stops):  # noqa: ANN001, ANN202
    """The chances fitted anew (the cache emptied first)."""
    clear_shown_models()
    return stop_chances(store, profile, LATER, stops)


def test_two_pages_without_a_change_fit_once(week, fits):
    store, profile, plan, cw = week
    _record_monday(cw, plan)
    stops = _stops(plan)
    first = stop_chances(store, profile, LATER, stops)
    assert len(fits) == 1
    again = stop_chances(store, profile, LATER, stops)
    day = stop_chances(store, profile, LATER, [s for s in stops if s.start.weekday() == 2])
    assert len(fits) == 1, "the second and third page fitted the model again"
    assert first and again == first
    assert day and all(first.of(s) == c for (s, c) in
                       ((s, day.of(s)) for s in stops if s.start.weekday() == 2))


def test_a_new_a_corrected_and_a_purged_outcome_are_reflected(week, fits):
    """Any change of what the model reads refits; the chances are then those of a fit
    from scratch. A purge erases personal data only (names, addresses, notes): the
    outcomes' day, time and result and the district stay, so the model is rightly the same
    (no refit) and equal to one fitted anew."""
    store, profile, plan, cw = week
    done = _record_monday(cw, plan)
    stops = _stops(plan)
    before = stop_chances(store, profile, LATER, stops)
    assert len(fits) == 1 and before

    # a new outcome (of a Monday stop not recorded yet): the city's figures move
    new = _monday(plan)[len(done)]
    cw.record_outcome(new.client_id, new.start.date(), "nicht_angetroffen",
                      time_min=new.start.hour * 60 + new.start.minute, visit_id=new.visit_id)
    after_new = stop_chances(store, profile, LATER, stops)
    assert len(fits) == 2, "a new outcome did not refit"
    assert after_new != before
    assert after_new == _fresh(store, profile, stops)

    # a corrected outcome: the same row, its result changed in place (count and newest id
    # of the outcomes stay)
    n = len(fits)
    fix = cw.correct_outcome(new.client_id, "angetroffen", visit_id=new.visit_id)
    assert fix.changed
    after_fix = stop_chances(store, profile, LATER, stops)
    assert len(fits) == n + 1, "a corrected outcome did not refit"
    assert after_fix != after_new
    assert after_fix == _fresh(store, profile, stops)

    # a purge of a case met on Monday: its outcomes keep what the model reads
    met = next(s for i, s in enumerate(done) if i % 2 == 1)
    n = len(fits)
    purged = cw.purge([met.client_id])
    assert met.client_id in purged.erased.client_ids
    after_purge = stop_chances(store, profile, LATER, stops)
    assert len(fits) == n
    assert after_purge == after_fix == _fresh(store, profile, stops)


def test_two_cities_do_not_share_a_model(week, fits):
    """Two cities in one database: each its own model, both kept (alternate pages fit
    each once); the city without outcomes shows no chance, not the other city's."""
    store, profile, plan, cw = week
    _record_monday(cw, plan)
    other = profile.model_copy(update={"name": "Andere Stadt"})
    stops = _stops(plan)
    here = [stop_chances(store, profile, LATER, stops) for _ in range(2)]
    there = [stop_chances(store, other, LATER, stops) for _ in range(2)]
    here.append(stop_chances(store, profile, LATER, stops))
    assert here[0] and all(h == here[0] for h in here)
    assert all(t == {} for t in there)
    assert len(fits) == 2


def test_a_deleted_plan_that_gave_the_districts_refits(week, fits):
    """The districts come from the city's newest plan: deleting it moves every case out
    of its district, which changes the model although no outcome changed."""
    from hausbesuch.athome import records_from_store

    store, profile, plan, cw = week
    # met in one district, not met in the others: the districts' rates differ from the
    # city's (alternate outcomes on Monday could give every district the city's rate,
    # as a plan whose Monday held 3 of 6 and 1 of 2 did, and nothing would change)
    stops = sorted(_stops(plan), key=lambda s: s.start)
    first = stops[0].district
    done = ([s for s in stops if s.district == first][:4]
            + [s for s in stops if s.district != first][:4])
    assert len(done) == 8, "the planned week lies in one district"
    for s in done:
        cw.record_outcome(s.client_id, s.start.date(),
                          "angetroffen" if s.district == first else "nicht_angetroffen",
                          time_min=s.start.hour * 60 + s.start.minute, visit_id=s.visit_id)
    before = stop_chances(store, profile, LATER, stops)
    assert {r.district for r in records_from_store(store, profile.name)} - {""}
    assert store.delete_plan(plan.id, actor="test")
    assert {r.district for r in records_from_store(store, profile.name)} == {""}
    after = stop_chances(store, profile, LATER, stops)
    assert len(fits) == 2, "a deleted plan did not refit"
    assert after != before
    assert after == _fresh(store, profile, stops)


def test_the_kept_models_are_few_and_shared_by_threads(week, fits):
    """At most a few models are kept (the oldest goes); requests in threads at once get
    the same chances."""
    from concurrent.futures import ThreadPoolExecutor

    from hausbesuch import athome

    store, profile, plan, cw = week
    _record_monday(cw, plan)
    stops = _stops(plan)
    for k in range(athome._SHOWN_MODELS_MAX + 3):  # other settings: other models
        other = profile.model_copy(update={"erreichbarkeit": profile.erreichbarkeit.model_copy(
            update={"prior_rate": 0.3 + 0.05 * k})})
        stop_chances(store, other, LATER, stops)
        assert len(athome._SHOWN_MODELS) <= athome._SHOWN_MODELS_MAX
    clear_shown_models()
    n = len(fits)
    with ThreadPoolExecutor(6) as pool:
        got = list(pool.map(lambda _: stop_chances(store, profile, LATER, stops), range(12)))
    assert got[0] and all(g == got[0] for g in got)
    assert len(fits) - n <= 6  # at most one fit per thread racing the first
    assert stop_chances(store, profile, LATER, stops) == got[0] and len(fits) - n <= 6
