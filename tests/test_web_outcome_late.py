"""Outcomes entered on the web (QA 26): an agreed appointment whose visit (and way back
from that door, review 37 #5) ends after the teams' shift is named after saving on the
case page, as ``hausbesuch outcomes`` names it (F7), and refused on the phone (QA 28 F1);
the case page's visits without an outcome show a visit whose case was closed on or before
its day as „entfällt“, as the plan's files and the phone do.
Over real HTTP against the planned Bad Hersfeld week of :mod:`tests.test_web`, pages in
Chromium at 390 px."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from datetime import time as dtime

import httpx
import pytest

from hausbesuch import clock
from tests.browser import page_width
from tests.fake_clock import exercise_time_of_day
from tests.shots import shoot
from tests.test_web import CITY, _current_plan, site  # noqa: F401 - the fixture, by name
from tests.test_web import current_stops as _stops
from tests.test_worker_cache import _fresh_route, _link
from tests.web_fixtures import Site, coordinator_on_phone, logged_in, sqlite_only
from tests.web_fixtures import page_text as _text


def _form(page: str, visit_id: str) -> dict[str, str]:
    m = re.search(rf'<form method="post" action="/fall-ergebnis(?:\?stadt=Bad%20Hersfeld)?" '
                  rf'id="nachtragen-{re.escape(visit_id)}">(.*?)</form>', page, re.S)
    assert m, _text(page)[-2000:]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', m[1]))


@contextmanager
def _kept(site: Site, *ids: str) -> Iterator[None]:  # noqa: F811
    """The shared week as it was for the other tests: the cases' status, pin and
    outcomes, and their visits planned again."""
    from sqlalchemy import update

    from hausbesuch.store import CaseVisitRow, ClientRow, OutcomeRow

    cols = ("status", "status_since", "status_reason", "pin_team", "pin_day",
            "pin_time_min", "pin_source")
    with site.store.session() as s:
        before = {cid: {c: getattr(s.get(ClientRow, {"city": CITY, "client_id": cid}), c)
                        for c in cols} for cid in ids}
    try:
        yield
    finally:
        with site.store.session() as s:
            for cid, values in before.items():
                row = s.get(ClientRow, {"city": CITY, "client_id": cid})
                for c, v in values.items():
                    setattr(row, c, v)
            s.execute(OutcomeRow.__table__.delete().where(OutcomeRow.client_id.in_(ids)))
            s.execute(update(CaseVisitRow).where(
                CaseVisitRow.client_id.in_(ids), CaseVisitRow.status == "erledigt")
                .values(status="geplant"))


def _working_day_after(site: Site, day: date, n: int) -> date:  # noqa: F811
    from hausbesuch.web import casework_api

    cw = casework_api.casework(site.store, site.app.state.web.profile(CITY), "test")
    return cw.calendar.add_working_days(day, n)


def _visit_id(site: Site, cid: str, day: date) -> str:  # noqa: F811
    from sqlalchemy import select

    from hausbesuch.store import CaseVisitRow

    with site.store.session() as s:
        return s.scalar(select(CaseVisitRow.visit_id).where(
            CaseVisitRow.client_id == cid, CaseVisitRow.day == day,
            CaseVisitRow.status == "geplant"))


@sqlite_only()
@pytest.mark.browser
def test_the_case_page_names_an_appointment_that_ends_after_the_shift(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """F7 follow-up, review 37 #5: „Termin vereinbart“ for 15:50 entered on the case page
    is saved (what was agreed with the client), and the page it returns to says that the
    visit and the way back from that door (stored with the stop) end after the shift and
    by when it must start, in the phone's numbers (in Chromium at 390 px); one at 10:00
    gets no such note."""
    from hausbesuch.fields import format_day

    stops = _stops(site)
    late, fits = stops[-1], stops[-2]
    day = max(late.start.date(), fits.start.date())
    monkeypatch.setenv(clock.ENV, day.isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0))  # (after every visit)
    when = _working_day_after(site, day, 2)
    assert late.way_back_s is not None
    back = -(-late.way_back_s // 60)
    minutes, last, _ = _latest_start(site, late.client_id, when)
    start = 15 * 60 + 50
    with _kept(site, late.client_id, fits.client_id):
        with logged_in(site.url, "kora") as kora:
            url = f"/faelle/{fits.client_id}?stadt={CITY}"
            fields = _form(kora.get(url).text, _visit_id(site, fits.client_id,
                                                         fits.start.date()))
            r = kora.post("/fall-ergebnis", data={
                **fields, "ergebnis": "termin_vereinbart", "uhrzeit": "10:00",
                "termin": f"{when:%Y-%m-%d}T10:00"})
            assert r.status_code == 303, _text(r.text)[-800:]
            shown = kora.get(r.headers["location"]).text
            assert "Ergebnis nachgetragen" in _text(shown)
            assert "termin-nach-schicht" not in shown
        with coordinator_on_phone(site.url) as page:
            page.goto(site.url + f"/faelle/{late.client_id}?stadt={CITY}#ergebnisse")
            page.click("text=Ergebnis nachtragen")
            form = page.locator("form[action='/fall-ergebnis?stadt=Bad%20Hersfeld']").first
            form.locator("select[name=ergebnis]").select_option("termin_vereinbart")
            form.locator("input[name=uhrzeit]").fill("10:00")
            form.locator("input[name=termin]").fill(f"{when:%Y-%m-%d}T15:50")
            form.locator("button[type=submit]").click()
            page.wait_for_url("**ergebnis=nachgetragen**")
            note = page.inner_text("#termin-nach-schicht")
            assert note == (
                f"Der vereinbarte Termin am {format_day(when)}, 15:50 Uhr ist erfasst, aber "
                f"der Besuch ({minutes} Min.) und der Rückweg ({back} Min.) enden erst um "
                f"{_hhmm(start + minutes + back)} Uhr, nach Schichtende {_hhmm(last)} Uhr: so "
                "kann ihn keine Planung aufnehmen. Bitte mit der Kundin oder dem Kunden "
                f"einen früheren Termin vereinbaren, spätestens {_hhmm(last - minutes - back)}"
                " Uhr."), note
            assert page_width(page) <= 390
            shoot(page, "outcomes2-fall-termin-nach-schicht.png", full_page=True)
        with site.store.session() as s:  # stored as agreed
            from sqlalchemy import select

            from hausbesuch.store import OutcomeRow

            assert s.scalar(select(OutcomeRow.appointment_at).where(
                OutcomeRow.client_id == late.client_id)) == datetime.combine(
                when, dtime(15, 50))


def _plain_stop(site: Site):  # noqa: ANN202, F811
    """(route, stop) of a team-day with stops and no outcome yet as a plan stored before
    session 38 has it (:func:`_stored_as_before`: without the way back stored with its
    stops), the stop one whose way back the route's times do not tell either (QA 37 #1:
    else the phone counts it, see :mod:`tests.test_wayback38` and
    :mod:`tests.test_web_appointment_wayback`): the plain rule, the shift's end less the
    Besuchsdauer."""
    from dataclasses import replace

    from hausbesuch.casework.wayback import way_back

    skip: list = []
    while True:
        route = _fresh_route(site, tuple(skip))
        route = replace(route, stops=tuple(replace(s, way_back_s=None) for s in route.stops))
        stop = next((s for s in route.stops if way_back(route, s.client_id) is None), None)
        if stop is not None:
            return route, stop
        skip.append((route.team_id, route.day))


@contextmanager
def _stored_as_before(site: Site, route) -> Iterator[None]:  # noqa: ANN001, F811
    """``route``'s team-day in the store without the way back of its stops (as a plan
    stored before session 38) while the test runs."""
    from sqlalchemy import select, update

    from hausbesuch.store import VisitRow

    plan_id = _current_plan(site).id
    where = (VisitRow.plan_id == plan_id, VisitRow.team_id == route.team_id,
             VisitRow.day == route.day)
    with site.store.session() as s:
        stored = dict(s.execute(select(VisitRow.seq, VisitRow.way_back_s).where(*where)).all())
        s.execute(update(VisitRow).where(*where).values(way_back_s=None))
    try:
        yield
    finally:
        with site.store.session() as s:
            for seq, back in stored.items():
                s.execute(update(VisitRow).where(*where, VisitRow.seq == seq)
                          .values(way_back_s=back))


def _latest_start(site: Site, cid: str, when: date) -> tuple[int, int, int]:  # noqa: F811
    """(visit minutes of the case, the teams' shift end on ``when``, the latest start that
    fits), in minutes: the rule the phone's refusal names."""
    from hausbesuch.store import ClientRow
    from hausbesuch.team_store import base_teams

    profile = site.app.state.web.profile(CITY)
    with site.store.session() as s:
        minutes = (s.get(ClientRow, {"city": CITY, "client_id": cid}).besuchsdauer_min
                   or profile.workday.visit_minutes)
    last = max(t.shift_end_min for t in base_teams(site.store, profile)
               if when.weekday() in t.weekdays)
    return minutes, last, last - minutes


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@sqlite_only()
def test_the_phone_refuses_an_appointment_that_ends_after_the_shift_before_storing(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """QA 28 F1 (was QA 26 F7's "save and warn" on the phone too): „Termin vereinbart“
    sent from the phone for a time whose visit ends after the teams' shift is refused
    (400, ``feld`` termin) before anything is stored, naming the shift's end and the
    latest start; the visit stays open, so the worker still at the door agrees another
    time, and that one is stored. (The coordination's forms and ``hausbesuch outcomes``
    still save and warn: the case page's test above.)"""
    from hausbesuch.fields import format_day

    route, stop0 = _plain_stop(site)
    monkeypatch.setenv(clock.ENV, route.day.isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0))
    when = _working_day_after(site, route.day, 2)
    cid = stop0.client_id
    minutes, last, latest = _latest_start(site, cid, when)
    late = last - minutes + 15  # starts within the shift, ends 15 minutes after it
    with _kept(site, cid), _stored_as_before(site, route):
        _token, _l, url = _link(site, route)
        page = httpx.get(url).text
        csrf = re.search(r'data-csrf="([^"]+)"', page).group(1)
        headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}

        def send(at: str, key: str) -> httpx.Response:
            return httpx.post(url + "ergebnis", headers=headers, data={
                "kundennummer": cid, "ergebnis": "termin_vereinbart", "schluessel": key,
                "termin_datum": when.isoformat(), "termin_zeit": at})

        r = send(_hhmm(late), "spaet-1")
        assert r.status_code == 400, r.text
        assert r.json() == {"fehler": (
            f"Termin {format_day(when)}, {_hhmm(late)} Uhr: der Besuch ({minutes} Min.) endet "
            f"nach Schichtende {_hhmm(last)} Uhr; bitte spätestens {_hhmm(latest)} Uhr "
            "vereinbaren."), "feld": "termin"}, r.json()
        assert _visit_id(site, cid, route.day) is not None  # nothing stored: still planned
        # the latest start itself fits: agreed at the door, stored
        r = send(_hhmm(latest), "spaet-2")
        assert r.status_code == 200, r.text
        assert r.json()["termin"] == f"{format_day(when)}, {_hhmm(latest)} Uhr", r.json()
        assert _visit_id(site, cid, route.day) is None  # recorded („erledigt“)


@sqlite_only()
def test_the_phone_refuses_a_same_day_appointment_with_the_way_forward(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """QA 28 F7: „Termin vereinbart“ for later on the visit day itself (sent without the
    page's check: the form without script, an older page) is refused naming what to do
    instead (the coordination pins a visit for later today), not only „liegt nicht nach
    dem Besuchstag“; nothing is stored."""
    from tests.test_web_enter import SAME_DAY

    route = _fresh_route(site)
    monkeypatch.setenv(clock.ENV, route.day.isoformat())
    exercise_time_of_day(monkeypatch, dtime(10, 0))
    cid = route.stops[0].client_id
    with _kept(site, cid):
        _token, _l, url = _link(site, route)
        page = httpx.get(url).text
        csrf = re.search(r'data-csrf="([^"]+)"', page).group(1)
        data = {"kundennummer": cid, "ergebnis": "termin_vereinbart",
                "termin_datum": route.day.isoformat(), "termin_zeit": "14:30"}
        r = httpx.post(url + "ergebnis", headers={"X-CSRF-Token": csrf,
                                                  "Accept": "application/json"},
                       data={**data, "schluessel": "heute-1"})
        assert (r.status_code, r.json()) == (400, {"fehler": SAME_DAY, "feld": "termin"})
        r = httpx.post(url + "ergebnis", data={**data, "schluessel": "heute-2",
                                               "csrf_token": csrf})  # (no script)
        assert r.status_code == 400 and SAME_DAY in _text(r.text), r.text[-800:]
        assert _visit_id(site, cid, route.day) is not None  # nothing stored


@sqlite_only()
@pytest.mark.browser
def test_the_phone_page_refuses_a_late_appointment_before_queueing_it(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """QA 28 F1 in Chromium at 390 px: the page knows the teams' shift and the stop's
    visit length, so „Termin vereinbart“ for a time whose visit ends after the shift is
    refused on the phone, in the server's words, before anything is queued or sent; the
    field is marked and the worker can agree another time (which is sent)."""
    from hausbesuch.fields import format_day
    from tests.test_web import _open_appointment
    from tests.test_web_enter import _worker_page
    from tests.test_worker_cache import QUEUE, _visit_time
    from tests.test_worker_cache import _browser as _worker_browser

    route, stop0 = _plain_stop(site)
    monkeypatch.setenv(clock.ENV, route.day.isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0))
    when = _working_day_after(site, route.day, 2)
    cid = stop0.client_id
    minutes, last, latest = _latest_start(site, cid, when)
    assert (stop0.end - stop0.start).total_seconds() == minutes * 60  # the page's length
    late = last - minutes + 15
    posts: list[str] = []
    with _kept(site, cid), _stored_as_before(site, route), _worker_browser() as browser:
        ctx, page, errors = _worker_page(site, browser, route, dtime(10, 5))
        page.on("request", lambda rq: posts.append(rq.url) if rq.method == "POST" else None)
        stop = page.locator(f"#stopp-{cid}")
        _visit_time(stop)
        _open_appointment(stop)  # (QA 28 F17: folded until „Termin vereinbart“ is tapped)
        stop.locator("input[name=termin_datum]").fill(when.isoformat())
        stop.locator("input[name=termin_zeit]").fill(_hhmm(late))
        stop.locator("button[value=termin_vereinbart]").click()
        text = stop.locator("[data-state]").inner_text()
        assert text == (f"Termin {format_day(when)}, {_hhmm(late)} Uhr: der Besuch ({minutes} "
                        f"Min.) endet nach Schichtende {_hhmm(last)} Uhr; bitte spätestens "
                        f"{_hhmm(latest)} Uhr vereinbaren."), text
        assert page.evaluate(QUEUE) == [] and posts == []
        assert stop.locator("input[name=termin_datum]").get_attribute("aria-invalid") == "true"
        assert page_width(page) <= 390
        # the stop from its heading: the refusal above its fields, the fields marked
        stop.locator("h2").evaluate("(h) => h.scrollIntoView({block: 'start'})")
        shoot(page, "phone1-termin-nach-schicht.png", full_page=False)
        # another time agreed at the door: sent and stored
        stop.locator("input[name=termin_zeit]").fill(_hhmm(latest))
        stop.locator("button[value=termin_vereinbart]").click()
        page.wait_for_function(
            "(id) => document.getElementById(id).classList.contains('done')",
            arg=f"stopp-{cid}", timeout=30_000)
        assert "Übermittelt: Termin vereinbart" in stop.locator("[data-state]").inner_text()
        assert _visit_id(site, cid, route.day) is None
        assert errors == []
        ctx.close()


@sqlite_only()
@pytest.mark.browser
def test_a_visit_of_a_case_closed_by_its_day_is_off_on_the_case_page(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """A visit without an outcome whose case was closed on or before its day is off (the
    plan's files mark the stop „entfällt“, the phone calls it off): the case page shows
    it as „entfällt: Fall „abgeschlossen“ seit …“, not among the visits awaiting an
    outcome. The coordination may still record one (record_outcome refuses closed cases
    only from the phone), so its form stays, named so. A case closed after the visit day
    keeps the visit in „Ohne Ergebnis“."""

    from hausbesuch.fields import format_day
    from hausbesuch.store import ClientRow
    from hausbesuch.web import casework_api

    stops = _stops(site)
    off, due = stops[-3], stops[-4]
    day = max(off.start.date(), due.start.date())
    monkeypatch.setenv(clock.ENV, (day + timedelta(days=1)).isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0))
    work = casework_api.casework(site.store, site.app.state.web.profile(CITY), "kora")
    with _kept(site, off.client_id, due.client_id):
        for stop, closed_on in ((off, off.start.date()),
                                (due, due.start.date() + timedelta(days=1))):
            work.set_status(stop.client_id, "abgeschlossen", "Fall beendet")
            with site.store.session() as s:
                row = s.get(ClientRow, {"city": CITY, "client_id": stop.client_id})
                row.status_since = datetime.combine(closed_on, dtime(8, 0))
        with logged_in(site.url, "kora") as kora:
            page = kora.get(f"/faelle/{off.client_id}?stadt={CITY}").text
            text = _text(page)
            since = format_day(off.start.date())
            assert f"· entfällt: Fall „abgeschlossen“ seit {since}." in text, text[-1500:]
            assert "Ohne Ergebnis" not in text and "Entfallen" in text, text[-1500:]
            assert "Trotzdem Ergebnis nachtragen" in text
            shown = _text(kora.get(f"/faelle/{due.client_id}?stadt={CITY}").text)
            assert "Ohne Ergebnis" in shown and "entfällt" not in shown, shown[-1500:]
            assert "Ergebnis nachtragen" in shown and "Trotzdem" not in shown
        with coordinator_on_phone(site.url) as page:
            page.goto(site.url + f"/faelle/{off.client_id}?stadt={CITY}#ergebnisse")
            assert "entfällt: Fall „abgeschlossen“" in page.inner_text("#entfallen")
            assert page_width(page) <= 390
            shoot(page, "outcomes2-fall-entfaellt.png",
                            full_page=True)
            # what record_outcome allows the coordination: an outcome for it is taken
            page.click("text=Trotzdem Ergebnis nachtragen")
            form = page.locator("#entfallen form[action='/fall-ergebnis?stadt=Bad%20Hersfeld']").first
            form.locator("select[name=ergebnis]").select_option("nicht_angetroffen")
            form.locator("input[name=uhrzeit]").fill(f"{off.start:%H:%M}")
            form.locator("button[type=submit]").click()
            page.wait_for_url("**ergebnis=nachgetragen**")
            assert "Entfallen" not in page.inner_text("#ergebnisse")
        with site.store.session() as s:  # a failed try keeps the closed case closed
            assert s.get(ClientRow, {"city": CITY, "client_id": off.client_id}).status \
                == "abgeschlossen"
