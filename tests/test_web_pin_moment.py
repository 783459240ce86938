"""QA 26 F1: a pin the next re-plan cannot take up is refused at the plan page's form.

A time of today already over (the re-plan plans from now) and a team-day whose team was
taken out (*Team abmelden*) were accepted with „„Neu planen“ übernimmt es“; the next
re-plan then listed the visit under „Nicht eingeplant“ and it dropped out of the week.
Now both are refused with a message that says what to do, the typed values stay, the
form no longer offers the team-day taken out, and :func:`casework_api.pin_visit` (the one
place that stores a web pin) refuses the same (one check: ``casework_api.pin_refusal``).

Over real HTTP against the small planned week of :mod:`tests.test_web_plan_notes` (an app
of this module's own; the jobs run in the test's thread), the clock set to Monday 12:35.
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime, time, timedelta

import httpx
import pytest

from tests.test_web_plan_notes import _replan, kora, notes_site  # noqa: F401 - fixtures
from tests.web_fixtures import csrf_of


def _pin_of(store, cid: str) -> tuple:  # noqa: ANN001
    from hausbesuch.store import ClientRow

    with store.session() as s:
        row = s.get(ClientRow, {"city": "Bad Hersfeld", "client_id": cid})
        return row.pin_team, row.pin_day, row.pin_time_min, row.pin_source


def _alert(page: str) -> str:
    m = re.search(r'id="fehlermeldung".*?role="alert"[^>]*>(.*?)</', page, re.S)
    return html.unescape(m.group(1)).strip() if m else ""


def _targets(page: str) -> list[str]:
    return re.findall(r'<option value="([^"|]+\|\d{4}-\d\d-\d\d)"', page)


def test_a_pin_before_now_or_to_a_team_taken_out_is_refused(
        notes_site: tuple[str, object, str], kora: httpx.Client,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    from hausbesuch import clock
    from hausbesuch.errors import UserError
    from hausbesuch.maps import fmt_date
    from hausbesuch.versions import newest_version
    from hausbesuch.web import casework_api

    _, store, first = notes_site
    plan = store.load_plan(newest_version(store, first))
    monday = plan.start
    monkeypatch.setenv(clock.ENV, monday.isoformat())  # Monday, 12:35 (the real date's)
    monkeypatch.setattr(clock, "now", lambda: datetime.combine(date.today(), time(12, 35)))
    cid = "N-FREI0"
    assert cid in {s.client_id for r in plan.routes for s in r.stops}
    before = _pin_of(store, cid)
    audits = len(store.audit_rows(client_id=cid, action="visit_pinned"))

    def pin(plan_id: str, ziel: str, uhrzeit: str = "") -> httpx.Response:
        page = kora.get(f"/plaene/{plan_id}").text
        return kora.post(f"/plaene/{plan_id}/verschieben", data={
            "csrf_token": csrf_of(page), "kundennummer": cid, "ziel": ziel,
            "uhrzeit": uhrzeit})

    # 09:00 today is over: refused, naming now, the typed values kept, nothing stored
    target = f"team-1|{monday.isoformat()}"
    r = pin(plan.id, target, "09:00")
    assert r.status_code == 400, r.status_code
    said = (f"Uhrzeit 09:00 Uhr ist heute ({fmt_date(monday)}) schon vorbei (jetzt 12:35 Uhr): "
            "„Neu planen“ plant ab jetzt. Bitte eine spätere Uhrzeit eintragen, die "
            "Uhrzeit leer lassen oder einen späteren Tag wählen.")
    assert _alert(r.text) == said, _alert(r.text)
    assert "übernimmt es" not in r.text
    assert 'name="uhrzeit" value="09:00" aria-invalid="true"' in r.text
    assert f'<option value="{target}" selected>' in r.text
    assert f'name="kundennummer" required value="{cid}"' in r.text
    assert _pin_of(store, cid) == before
    assert len(store.audit_rows(client_id=cid, action="visit_pinned")) == audits
    with pytest.raises(UserError) as refused:
        casework_api.pin_visit(store, "Bad Hersfeld", "kora", cid, plan.id, team="team-1",
                               day=monday, minutes=9 * 60)
    assert str(refused.value) == said
    # a later time is taken
    r = pin(plan.id, target, "14:00")
    assert r.status_code == 303, _alert(r.text)
    assert _pin_of(store, cid) == ("team-1", monday, 14 * 60, "web")

    # team-2 taken out from now on: no longer offered for Monday, a pin there refused
    v2 = _replan(kora, store, plan.id, team_abmelden="team-2")
    page = kora.get(f"/plaene/{v2}").text
    offered = _targets(page)
    assert f"team-2|{monday.isoformat()}" not in offered, offered
    assert f"team-1|{monday.isoformat()}" in offered and any(
        t.startswith("team-2|") for t in offered), offered
    out = (f"Team „team-2“ ist am {fmt_date(monday)} ab 12:35 Uhr für den Rest des Tages "
           "abgemeldet („Team abmelden“ beim Neu planen): dort lässt sich kein Besuch "
           "festlegen. Bitte ein anderes Team oder einen anderen Tag wählen, oder das Team "
           "erst mit „Neu planen“ → „Team wieder einplanen“ zurückholen.")
    pinned = _pin_of(store, cid)
    for uhrzeit in ("", "15:00"):
        r = pin(v2, f"team-2|{monday.isoformat()}", uhrzeit)
        assert r.status_code == 400, r.status_code
        assert _alert(r.text) == out, _alert(r.text)
        assert 'name="ziel" aria-invalid="true"' in r.text
        assert _pin_of(store, cid) == pinned
    with pytest.raises(UserError) as refused:
        casework_api.pin_visit(store, "Bad Hersfeld", "kora", cid, v2, team="team-2",
                               day=monday, minutes=None)
    assert str(refused.value) == out
    # the pin taken stays in the week: the re-plan visits it at 14:00 (team-1)
    new = store.load_plan(v2)
    assert [(r.team_id, r.day, f"{s.start:%H:%M}") for r in new.routes for s in r.stops
            if s.client_id == cid] == [("team-1", monday, "14:00")]
    assert cid not in {u.client_id for u in new.unassigned}


def test_a_pin_too_soon_to_reach_is_refused(
        notes_site: tuple[str, object, str], kora: httpx.Client,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Closing 26: a pin at "now" was accepted, yet no team can be at a door by then. A
    time of today is refused when it lies less than ``MIN_PIN_LEAD_MIN`` minutes ahead,
    or before the team could be there over the straight line from where it is
    (``earliest_visit_start``: here the end of the visit it is in), naming the earliest
    time; that time is taken."""
    from hausbesuch import clock
    from hausbesuch.planning.workflow import MIN_PIN_LEAD_MIN, earliest_visit_start
    from hausbesuch.versions import newest_version

    _, store, first = notes_site
    plan = store.load_plan(newest_version(store, first))
    monday = plan.start
    # the clock one minute into the first visit of a Monday route (a visit of 30 min)
    route = next(r for r in sorted(plan.routes, key=lambda r: r.team_id)
                 if r.day == monday and r.to_visit)
    busy = route.to_visit[0]
    moment = busy.start.replace(second=0, microsecond=0) + timedelta(minutes=1)
    assert busy.end > moment + timedelta(minutes=MIN_PIN_LEAD_MIN)
    monkeypatch.setenv(clock.ENV, monday.isoformat())
    monkeypatch.setattr(clock, "now", lambda: datetime.combine(date.today(), moment.time()))
    # a case of another route of the day, or a later one of this route: the team comes over
    st = next((s for r in plan.routes if r.day == monday and r is not route
               for s in r.to_visit), route.to_visit[-1])
    assert st is not busy
    cid, team = st.client_id, route.team_id
    before = _pin_of(store, cid)
    earliest, where = earliest_visit_start(plan, team, monday, moment, (st.lon, st.lat))
    assert where == "vom laufenden Besuch" and earliest >= busy.end, (earliest, where)
    target = f"{team}|{monday.isoformat()}"
    now = f"{moment:%H:%M}"
    for uhrzeit in (now, f"{moment + timedelta(minutes=MIN_PIN_LEAD_MIN):%H:%M}",
                    f"{earliest - timedelta(minutes=1):%H:%M}"):
        page = kora.get(f"/plaene/{plan.id}").text
        r = kora.post(f"/plaene/{plan.id}/verschieben", data={
            "csrf_token": csrf_of(page), "kundennummer": cid, "ziel": target,
            "uhrzeit": uhrzeit})
        assert r.status_code == 400, (uhrzeit, r.status_code)
        said = _alert(r.text)
        assert said.startswith(
            f"Uhrzeit {uhrzeit} Uhr ist zu knapp (jetzt {now} Uhr): „{team}“ kann frühestens "
            "gegen "), said
        assert "(vom laufenden Besuch aus, in Luftlinie gerechnet)" in said, said
        assert f'name="uhrzeit" value="{uhrzeit}" aria-invalid="true"' in r.text
        assert _pin_of(store, cid) == before
    suggested = re.search(r"Bitte eine Uhrzeit ab (\d\d:\d\d) Uhr", said).group(1)
    assert f"{earliest:%H:%M}" <= suggested, (suggested, earliest)
    page = kora.get(f"/plaene/{plan.id}").text
    r = kora.post(f"/plaene/{plan.id}/verschieben", data={
        "csrf_token": csrf_of(page), "kundennummer": cid, "ziel": target,
        "uhrzeit": suggested})
    assert r.status_code == 303, _alert(r.text)
    assert _pin_of(store, cid)[:3] == (team, monday, int(suggested[:2]) * 60
                                       + int(suggested[3:]))


def test_the_reach_estimate_is_never_later_than_the_planned_routes(
        notes_site: tuple[str, object, str]) -> None:  # noqa: F811
    """The estimate is a lower bound: over every team-day of the real plan (street
    travel times) and moments through the day, each visit the plan starts at least
    ``MIN_PIN_LEAD_MIN`` minutes after the moment is not before the estimate for its
    own team and place; so a pin the planner could reach is never refused."""
    from hausbesuch.planning.workflow import MIN_PIN_LEAD_MIN, earliest_visit_start

    _, store, first = notes_site
    plan = store.load_plan(first)
    checked = 0
    for r in plan.routes:
        for hour in range(7, 17):
            for minute in (0, 20, 40):
                moment = datetime.combine(r.day, time(hour, minute))
                for st in r.to_visit:
                    if st.start < moment + timedelta(minutes=MIN_PIN_LEAD_MIN):
                        continue
                    earliest, _ = earliest_visit_start(plan, r.team_id, r.day, moment,
                                                       (st.lon, st.lat))
                    assert earliest <= st.start, (r.team_id, r.day, moment, st.client_id,
                                                  earliest, st.start)
                    checked += 1
    assert checked > 50, checked
    # a team in a visit is free when it ends: the way decides, from that visit
    r = next(r for r in plan.routes if r.to_visit)
    st = r.to_visit[0]
    moment = st.start + timedelta(minutes=1)
    assert st.end > moment + timedelta(minutes=MIN_PIN_LEAD_MIN)
    earliest, where = earliest_visit_start(plan, r.team_id, r.day, moment,
                                           (st.lon + 0.01, st.lat))  # ~700 m east
    assert where == "vom laufenden Besuch" and earliest > st.end, (earliest, where, st.end)


def test_a_team_not_out_yet_is_ready_at_its_shift_start_not_at_its_departure(
        notes_site: tuple[str, object, str]) -> None:  # noqa: F811
    """Review 27: the schedule puts a route's departure as late as its first visit allows
    (a window from 10:00: off at 09:50), but a re-plan starts a team that has begun no
    visit at its start at the later of now and its shift's start. Five minutes into the
    shift, a place 130 m from the start was „frühestens gegen 09:55 Uhr“; the lead
    decides. Once departed, the departure stays the bound."""
    import dataclasses

    from hausbesuch.planning.workflow import MIN_PIN_LEAD_MIN, earliest_visit_start
    from hausbesuch.teams import plan_shift

    _, store, first = notes_site
    plan = store.load_plan(first)
    r = next(r for r in plan.routes if r.to_visit)
    begin = datetime.combine(r.day, time()) + timedelta(minutes=plan_shift(
        plan.params, r.team_id)[0])
    # the same route with its first visit in a window from two hours into the shift: off
    # as late as that allows (its stops two hours later)
    two = timedelta(hours=2)
    late = dataclasses.replace(
        r, depart=r.depart + two, return_=r.return_ + two,
        stops=tuple(dataclasses.replace(st, start=st.start + two, end=st.end + two)
                    for st in r.stops))
    assert late.to_visit[0].start > begin + timedelta(minutes=MIN_PIN_LEAD_MIN + 5)
    plan = dataclasses.replace(plan, routes=[late if x is r else x for x in plan.routes])
    near = (r.start_lonlat[0] + 0.0015, r.start_lonlat[1])  # ~100 m east of the start
    moment = begin + timedelta(minutes=5)
    assert earliest_visit_start(plan, r.team_id, r.day, moment, near) == (
        moment + timedelta(minutes=MIN_PIN_LEAD_MIN), "")
    # before the shift begins: from its start at the shift's start
    early = begin - timedelta(minutes=30)
    at, where = earliest_visit_start(plan, r.team_id, r.day, early, near)
    assert where == "vom Ausgangspunkt" and begin < at < begin + timedelta(minutes=5), at
    # departed, no visit begun yet: the departure is the smaller bound
    gone = late.depart + timedelta(seconds=20)  # (its first stop is 40 s away)
    assert gone < late.to_visit[0].start
    far = (near[0] + 0.05, near[1])  # ~3.5 km away
    at, where = earliest_visit_start(plan, r.team_id, r.day, gone, far)
    ready, _ = earliest_visit_start(plan, r.team_id, r.day, early, far)
    assert where == "vom Ausgangspunkt" and at - late.depart == ready - begin, (at, ready)
    assert at > gone + timedelta(minutes=MIN_PIN_LEAD_MIN)  # the way decides, not the lead


def test_a_pin_that_cannot_be_reached_within_the_shift_names_no_time(
        notes_site: tuple[str, object, str], monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """Ten minutes before the shift ends, a pin five minutes before its end is too soon,
    and no later time of that day is left: the message offers none."""
    from hausbesuch import clock
    from hausbesuch.teams import plan_shift
    from hausbesuch.versions import newest_version
    from hausbesuch.web import casework_api

    _, store, first = notes_site
    plan = store.load_plan(newest_version(store, first))
    monday = plan.start
    team = sorted({r.team_id for r in plan.routes if r.day == monday})[0]
    end = plan_shift(plan.params, team)[1]
    now = time((end - 10) // 60, (end - 10) % 60)
    monkeypatch.setenv(clock.ENV, monday.isoformat())
    monkeypatch.setattr(clock, "now", lambda: datetime.combine(date.today(), now))
    why, field = casework_api.pin_refusal(store, plan, team, monday, end - 5)
    assert field == "uhrzeit" and "ist zu knapp" in why, why
    assert why.endswith("Heute ist das in der Arbeitszeit nicht mehr zu schaffen: bitte die "
                        "Uhrzeit leer lassen, ein anderes Team oder einen späteren Tag "
                        "wählen."), why
    assert "Bitte eine Uhrzeit ab" not in why
