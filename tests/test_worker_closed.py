"""A case the coordination closes (or puts in Klärung) after the plan was made: its stop
on the field worker's phone is called off, and the phone cannot open the case again.

QA 17a #6: the stop stayed a normal stop on the phone, and „Termin vereinbart“ from the
link turned a case closed by hand („Widerspruch“) back into ``offen`` with a new pin. Over
real HTTP against the planned Bad Hersfeld week of :mod:`tests.test_web`.
"""

from __future__ import annotations

import html
import re
from datetime import time as dtime
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from hausbesuch.fields import format_day
from tests import test_web
from tests.fake_clock import exercise_time_of_day
from tests.test_worker_cache import _fresh_route, _link
from tests.web_fixtures import Site, sqlite_only

site = test_web.site  # the planned Bad Hersfeld week on loopback (session fixture)


def _case(site: Site, client_id: str):  # noqa: ANN202
    from hausbesuch.store import ClientRow

    with site.store.session() as s:
        row = s.get(ClientRow, {"city": test_web.CITY, "client_id": client_id})
        return row.status, row.pin_day


def _since(site: Site, client_id: str) -> str:
    from hausbesuch.store import ClientRow

    with site.store.session() as s:
        row = s.get(ClientRow, {"city": test_web.CITY, "client_id": client_id})
        return format_day(row.status_since.date())  # with its weekday, as pages write days


def _outcomes_of(site: Site, client_id: str, day) -> list[str]:  # noqa: ANN001
    from hausbesuch.store import OutcomeRow

    with site.store.session() as s:
        return list(s.scalars(select(OutcomeRow.result).where(
            OutcomeRow.client_id == client_id, OutcomeRow.day == day)))


def _stop_html(page: str, client_id: str) -> str:
    return page.split(f'id="stopp-{client_id}"', 1)[1].split("</li>", 1)[0]


# On both stores: the refused outcome must leave no row and the case as it was (its
# refusal is decided under the case's lock, in the write's transaction). No other test
# covers that refusal on PostgreSQL: in test_concurrency.py's
# test_a_phone_outcome_never_overrides_the_coordinators_closing the phone comes first.
def test_a_case_closed_since_the_plan_is_called_off_on_the_phone(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    from hausbesuch import clock
    from hausbesuch.web import casework_api

    route = _fresh_route(site)
    monkeypatch.setenv(clock.ENV, route.day.isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0))  # (after every visit)
    closed, reached = route.stops[0].client_id, route.stops[1].client_id
    work = casework_api.casework(site.store, site.app.state.web.profile(test_web.CITY),
                                 "kora")
    work.set_status(closed, "abgeschlossen", "Widerspruch")
    try:
        _, _, url = _link(site, route)
        page = httpx.get(url).text
        stop = _stop_html(page, closed)
        text = html.unescape(re.sub(r"<[^>]+>", " ", stop))
        assert "Besuch entfällt – nicht hingehen." in text, text
        since = _since(site, closed)
        assert f"Fall „abgeschlossen“ seit {since}." in text, text
        assert "outcome-form" not in stop and "Navigation starten" not in stop
        assert "Widerspruch" not in page  # the reason typed with the status is not shown
        assert "outcome-form" in _stop_html(page, reached)  # the others are as they were
        # the header counts it as off, as the plan page does (QA 31b: „7 Besuche“ over
        # a page that showed two of them „Besuch entfällt“)
        n = len(route.stops)
        head = html.unescape(re.sub(r"<[^>]+>", " ", page.split("</header>", 1)[0]))
        assert (f"{n - 1} Besuch{'e' if n - 1 != 1 else ''}, 1 weiterer entfällt · "
                in " ".join(head.split())), head

        # an outcome sent anyway (a copy of the page from before): refused, case unchanged
        csrf = re.search(r'data-csrf="([^"]+)"', page).group(1)
        headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}
        week_later = route.day + timedelta(days=7)
        r = httpx.post(url + "ergebnis", headers=headers, data={
            "kundennummer": closed, "ergebnis": "termin_vereinbart", "schluessel": "zu-1",
            "termin_datum": week_later.isoformat(), "termin_zeit": "10:00"})
        assert r.status_code == 400, r.text
        assert r.json()["fehler"] == (
            f"{closed}: Fall „abgeschlossen“ seit {since}, der Besuch entfällt. "
            "Ergebnis bitte der Koordination melden.")
        # an appointment the teams could not keep (a Saturday): the visit is off first,
        # the worker is not asked to correct the appointment
        saturday = route.day + timedelta(days=5 - route.day.weekday())
        r = httpx.post(url + "ergebnis", headers=headers, data={
            "kundennummer": closed, "ergebnis": "termin_vereinbart", "schluessel": "zu-3",
            "termin_datum": saturday.isoformat(), "termin_zeit": "10:00"})
        assert r.status_code == 400 and "der Besuch entfällt" in r.json()["fehler"], r.text
        assert _case(site, closed) == ("abgeschlossen", None)
        assert _outcomes_of(site, closed, route.day) == []

        # a case reached at this very stop: its outcome shows, a resend is no refusal
        data = {"kundennummer": reached, "ergebnis": "angetroffen", "schluessel": "zu-2"}
        r = httpx.post(url + "ergebnis", headers=headers, data=data)
        assert r.status_code == 200 and r.json()["doppelt"] is False, r.text
        assert _case(site, reached)[0] == "erreicht"
        r = httpx.post(url + "ergebnis", headers=headers, data=data)
        assert r.status_code == 200 and r.json()["doppelt"] is True, r.text
        stop = _stop_html(httpx.get(url).text, reached)
        assert "Erfasst: Angetroffen" in stop and "entfällt" not in stop
    finally:
        from sqlalchemy import update

        from hausbesuch.store import CaseVisitRow, ClientRow, OutcomeRow

        with site.store.session() as s:  # the shared week as it was for the other tests
            for cid in (closed, reached):
                row = s.get(ClientRow, {"city": test_web.CITY, "client_id": cid})
                row.status = "offen"
            s.execute(OutcomeRow.__table__.delete().where(
                OutcomeRow.client_id.in_((closed, reached)), OutcomeRow.day == route.day))
            s.execute(update(CaseVisitRow).where(
                CaseVisitRow.client_id.in_((closed, reached)), CaseVisitRow.day == route.day,
                CaseVisitRow.status == "erledigt").values(status="geplant"))


# an outcome refused for a closed case, nothing stored, on both:
# test_a_case_closed_since_the_plan_is_called_off_on_the_phone
@sqlite_only()
@pytest.mark.browser
def test_an_outcome_queued_before_the_case_closed_can_be_discarded(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """Recorded without signal, then the coordination closes the case, then the page is
    opened again: the stop is called off and the server refuses the queued outcome. The
    refusal is shown at that stop with its note and „Verwerfen“ (it was shown nowhere:
    the note stayed on the phone until the link's end)."""
    from datetime import time as dtime

    from hausbesuch import clock
    from hausbesuch.web import casework_api
    from tests.test_web_enter import _worker_page
    from tests.test_worker_cache import QUEUE, _visit_time
    from tests.test_worker_cache import _browser as _worker_browser

    route = _fresh_route(site)
    monkeypatch.setenv(clock.ENV, route.day.isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0))  # (after every visit)
    cid = route.stops[0].client_id
    note = "Nachbarin sagt: verreist"
    work = casework_api.casework(site.store, site.app.state.web.profile(test_web.CITY),
                                 "kora")
    try:
        with _worker_browser() as browser:
            ctx, page, errors = _worker_page(site, browser, route, dtime(10, 5))
            stop = page.locator(f"#stopp-{cid}")
            _visit_time(stop)  # (the phone's time only on the stop planned nearest it)
            ctx.set_offline(True)
            stop.locator("textarea[name=notiz]").fill(note)
            stop.locator("button[value=angetroffen]").click()
            assert len(page.evaluate(QUEUE)) == 1
            work.set_status(cid, "abgeschlossen", "Widerspruch")
            page.route("**/ergebnis", lambda r: r.abort())  # no answer while reloading
            ctx.set_offline(False)
            page.reload()
            assert "Besuch entfällt – nicht hingehen." in stop.inner_text()
            page.unroute("**/ergebnis")
            page.evaluate("() => window.dispatchEvent(new Event('online'))")
            page.wait_for_selector(f"#stopp-{cid} .refused", timeout=30_000)
            text = stop.inner_text()
            assert "der Besuch entfällt. Ergebnis bitte der Koordination melden." in text, text
            assert "Notiz: " + note in text
            assert page.evaluate(QUEUE)[0]["refused"]
            stop.locator(".refused button").click()
            assert page.evaluate(QUEUE) == []
            assert _outcomes_of(site, cid, route.day) == []
            assert errors == []
            ctx.close()
    finally:
        from hausbesuch.store import ClientRow

        with site.store.session() as s:
            s.get(ClientRow, {"city": test_web.CITY, "client_id": cid}).status = "offen"
