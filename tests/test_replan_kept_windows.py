"""A re-plan stores the visits it keeps with their own windows, not the window their pages
showed.

A stored plan's stops are shown with what a letter promised since
(:func:`hausbesuch.store.announced_windows`): „angekündigt: 09:30–11:30 Uhr (Brief vom Di,
08.12.2026)“ instead of the client's own windows, and for a time agreed with the client
after it („Termin vereinbart: 10:30 Uhr; angekündigt: …“). A re-plan keeps the visits
before its moment as they were; before, it stored them with that shown window, so the new
version's rows held a letter's promise as the client's window, and an agreed appointment
a letter announced showed the announcement twice on every page of the new version
(„Termin vereinbart: 10:30 Uhr; angekündigt: …; angekündigt: …“): the stored text had it,
and loading added it again. A version stored so before is shown with it once.

Through the commands on a real SQLite store (the module plan of
:mod:`tests.test_casework_store`): letters for the planned week, an appointment agreed at
the first visit, a re-plan that plans it, then a re-plan from a later day that keeps it.
"""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from hausbesuch import clock
from hausbesuch.cli import app
from tests.test_casework_store import (  # noqa: F401 - the fixtures
    PINS,
    START,
    _common,
    _same_tree,
    agree_appointment,
    base,
    invoke,
    ok,
    planned,
    runner,
)

# two re-plans of the real week, with letters (~20 s)
pytestmark = pytest.mark.slow


def _stored_windows(store, plan_id: str) -> dict[str, str]:  # noqa: ANN001
    """visit id -> the window stored in the plan's visit rows."""
    from hausbesuch.store import VisitRow

    with store.session() as s:
        return {v.visit_id: v.window_text for v in s.scalars(select(VisitRow).where(
            VisitRow.plan_id == plan_id)) if v.visit_id}


def test_a_replan_keeps_the_visits_own_windows_not_the_letters_shown(
        planned, tmp_path):  # noqa: F811 - the fixture
    from hausbesuch.store import CaseVisitRow, Store

    db, _ = planned
    copy = str(tmp_path / "fenster.sqlite")
    shutil.copy(db, copy)
    with Store.open(copy) as store:
        v1 = store.latest_plan("Bad Hersfeld")
        own = _stored_windows(store, v1.id)
    # every visit of the week announced, as the week before it
    res = runner.invoke(app, ["letters", v1.id, "--out", str(tmp_path / "briefe"),
                              "--db", copy], env={clock.ENV: "2026-12-01"})
    assert res.exit_code == 0, res.output
    # an appointment agreed at the first visit, planned by a re-plan
    first, when, moment = agree_appointment(v1, copy, tmp_path)
    ok("replan", v1.id, "--from", f"{moment:%Y-%m-%d %H:%M}", "--out", str(tmp_path / "v2"),
       "--time-limit", "4", "--threads", "1", *_common(copy))
    with Store.open(copy) as store:
        v2 = store.latest_plan("Bad Hersfeld")
    (agreed,) = [s for r in v2.routes for s in r.stops
                 if s.client_id == first.client_id and s.start == when]
    assert agreed.window_text == "Termin vereinbart: 10:30 Uhr"
    # a letter an earlier version wrote for that visit (as in test_casework_store): its
    # pages show the agreed time and the window promised
    with Store.open(copy) as store, store.session() as s:
        row = s.scalars(select(CaseVisitRow).where(
            CaseVisitRow.visit_id == agreed.visit_id)).one()
        row.promised_start, row.promised_end = when - timedelta(hours=1), when + timedelta(hours=1)
        row.announced_at = datetime(2026, 12, 8, 9, 0)
    shown = ("Termin vereinbart: 10:30 Uhr; angekündigt: 09:30–11:30 Uhr "
             "(Brief vom Di, 08.12.2026)")
    with Store.open(copy) as store:
        v2 = store.load_plan(v2.id)
        stored_before = _stored_windows(store, v2.id)
    kept_before = {s.visit_id: s for r in v2.routes if r.day <= when.date() for s in r.stops}
    assert kept_before[agreed.visit_id].window_text == shown
    promised = [s for s in kept_before.values()
                if s.window_text.startswith("angekündigt: ") and s.visit_id in own]
    assert promised, [s.window_text for s in kept_before.values()]
    # a re-plan from the day after the appointment keeps the days before it whole
    friday = datetime.combine(when.date() + timedelta(days=1), datetime.min.time()).replace(
        hour=6)
    ok("replan", v2.id, "--from", f"{friday:%Y-%m-%d %H:%M}", "--out", str(tmp_path / "v3"),
       "--time-limit", "4", "--threads", "1", *_common(copy))
    with Store.open(copy) as store:
        v3 = store.latest_plan("Bad Hersfeld")
        assert v3.predecessor_id == v2.id
        stored = _stored_windows(store, v3.id)
    kept = {s.visit_id: s for r in v3.routes if r.day <= when.date() for s in r.stops}
    assert set(kept) == set(kept_before), set(kept) ^ set(kept_before)
    # stored as the versions before stored them (the client's own windows, the agreed
    # time; a visit re-planned in a promised window: the window without a letter's date),
    # never the window a letter's date was shown with
    assert stored[agreed.visit_id] == "Termin vereinbart: 10:30 Uhr"
    assert {vid: stored[vid] for vid in kept} == {vid: stored_before[vid] for vid in kept}
    monday = {s.visit_id for r in v1.routes if r.day == START for s in r.stops
              if s.start < moment and s.visit_id in kept}
    assert monday and {vid: stored[vid] for vid in monday} == {vid: own[vid] for vid in monday}
    assert not [w for w in (*stored.values(), *stored_before.values()) if "Brief vom" in w]
    # and shown as the version before showed them: the announcement once
    assert kept[agreed.visit_id].window_text == shown, kept[agreed.visit_id].window_text
    assert {vid: s.window_text for vid, s in kept.items()} == \
        {vid: s.window_text for vid, s in kept_before.items()}
    # the pages the coordinator prints again (``show``) say it once
    ok("show", v3.id, "--out", str(tmp_path / "gezeigt"), "--db", copy)
    page = next(t for p in (tmp_path / "gezeigt" / "routen").glob("*.html")
                if "Vereinbarter Termin 10:30 Uhr" in (t := p.read_text(encoding="utf-8")))
    item = page[page.index("Vereinbarter Termin 10:30 Uhr"):].split("</li>", 1)[0]
    assert item.count("angekündigt") == 1, item
    # and the re-plan wrote those very files (the visits moved with their letter's date,
    # the appointment with the day it was agreed), not the solver's view of them
    _same_tree(tmp_path / "v3", tmp_path / "gezeigt")
    # a version a re-plan stored before the visits kept were stored with their own windows
    # holds the shown one, the announcement included: it is shown once as well
    from hausbesuch.store import VisitRow

    with Store.open(copy) as store, store.session() as s:
        s.scalars(select(VisitRow).where(VisitRow.plan_id == v3.id,
                                         VisitRow.visit_id == agreed.visit_id)).one() \
            .window_text = shown
    with Store.open(copy) as store:
        (again,) = [s for r in store.load_plan(v3.id).routes for s in r.stops
                    if s.visit_id == agreed.visit_id]
    assert again.window_text == shown, again.window_text
