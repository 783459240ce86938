"""„Ergebnis berichtigen“ and „Ergebnis nachtragen“ on the case page (QA 22 F5/F6): the
phone says a stored outcome is changed only by the coordination, and now the coordination
can, over real HTTP (CSRF, login, another city refused) and in Chromium at 390 px, on the
planned Bad Hersfeld week of :mod:`tests.test_web`."""

from __future__ import annotations

import html
import re
from datetime import datetime
from datetime import time as dtime
from pathlib import Path

import httpx
import pytest

from hausbesuch import clock
from hausbesuch.fields import format_day
from hausbesuch.maps import fmt_date
from tests.browser import page_width
from tests.fake_clock import exercise_time_of_day
from tests.shots import shoot
from tests.test_web import CITY, _current_plan, site  # noqa: F401 - the fixture, by name
from tests.test_web import current_stops as _stops
from tests.web_fixtures import Site, csrf_of, log_in_page, logged_in, sqlite_only


def _text(r: httpx.Response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", r.text))


def _phone_outcome(site: Site, stop, result: str,  # noqa: ANN001, F811
                   note: str | None = None) -> None:
    from hausbesuch.web import casework_api

    # as the phone sends it: the tap's moment, 16:00 (QA 22 F5)
    casework_api.record_outcome(site.store, site.app.state.web.profile(CITY), "link:test",
                                stop.client_id, stop.start.date(), result, time_min=16 * 60,
                                appointment=None, note=note,
                                idempotency_key=f"fix-{stop.client_id}")


def _status(site: Site, cid: str) -> str:  # noqa: F811
    from hausbesuch.store import ClientRow

    with site.store.session() as s:
        return s.get(ClientRow, {"city": CITY, "client_id": cid}).status


def _form(page: str, action: str) -> dict[str, str]:
    """The hidden fields of the first outcome form of ``action`` on the page (its address
    keeps the page's ``?stadt=``)."""
    m = re.search(rf'<form method="post" action="/fall-ergebnis(?:\?stadt=Bad%20Hersfeld)?" '
                  rf'id="{action}-[^"]*">(.*?)</form>', page, re.S)
    assert m, page[-3000:]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', m[1]))


def test_a_wrong_outcome_is_corrected_on_the_case_page(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    stops = _stops(site)
    stop = stops[len(stops) // 2]
    monkeypatch.setenv(clock.ENV, stop.start.date().isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0), never_back=True)  # (after every visit)
    # late on the visit day, whatever the real time: 22:30 is refused for the working
    # hours, not as a time still ahead (which it is before 22:25 real time)
    monkeypatch.setattr(clock, "now_on_today", lambda: datetime.combine(
        stop.start.date(), dtime(23, 50)))
    _phone_outcome(site, stop, "verzogen")
    assert _status(site, stop.client_id) == "in_klaerung"
    url = f"/faelle/{stop.client_id}?stadt={CITY}"
    with logged_in(site.url, "kora") as kora:
        page = kora.get(url).text
        assert "Ergebnis berichtigen" in page
        fields = _form(page, "berichtigen")
        base = {**fields, "ergebnis": "nicht_angetroffen", "uhrzeit": "09:10"}
        # without the form's token: refused, nothing changed
        r = kora.post("/fall-ergebnis", data={k: v for k, v in base.items()
                                              if k != "csrf_token"})
        assert r.status_code == 403
        # a time outside the working hours: refused naming the field
        r = kora.post("/fall-ergebnis", data={**base, "uhrzeit": "22:30"})
        assert r.status_code == 400
        assert "Uhrzeit 22:30 Uhr liegt außerhalb der Arbeitszeit" in _text(r)
        # the form shown again holds the time as typed (QA 26 F2; before, the stored one)
        assert 'name="uhrzeit" type="time" value="22:30" required aria-invalid="true"' in r.text
        r = kora.post("/fall-ergebnis", data={**base, "ergebnis": "termin_vereinbart"})
        assert r.status_code == 400 and "Termin vereinbart: Datum und Uhrzeit" in _text(r)
        assert not site.store.audit_rows(client_id=stop.client_id,
                                         action="ergebnis_berichtigt")
        assert _status(site, stop.client_id) == "in_klaerung"
        r = kora.post("/fall-ergebnis", data=base)
        assert r.status_code == 303, _text(r)[-800:]
        shown = _text(kora.get(r.headers["location"]))
        assert "Ergebnis berichtigt. Status jetzt: „offen“." in shown
        # the corrected visit's line: its day and the corrected time and result
        day = fmt_date(stop.start.date())  # e.g. „Di, 05.01.2027“
        assert f"Besuch {day}, 09:10 Uhr: Nicht angetroffen" in shown
    assert _status(site, stop.client_id) == "offen"
    rows = site.store.audit_rows(client_id=stop.client_id, action="ergebnis_berichtigt")
    assert len(rows) == 1 and rows[0]["actor"] == "kora"
    # the coordinator of another city: the case does not exist for her
    with logged_in(site.url, "lena") as lena:
        page = lena.get("/plaene").text
        r = lena.post("/fall-ergebnis", data={**base, "csrf_token": csrf_of(page),
                                              "ergebnis": "angetroffen"})
        assert r.status_code in (403, 404)
    # not logged in: to the login page, nothing changed
    with httpx.Client(base_url=site.url, follow_redirects=False) as anon:
        r = anon.post("/fall-ergebnis", data={**base, "ergebnis": "angetroffen"})
        assert r.status_code in (303, 401, 403)
    assert len(site.store.audit_rows(client_id=stop.client_id,
                                     action="ergebnis_berichtigt")) == 1
    assert _status(site, stop.client_id) == "offen"


def test_an_outcome_the_phone_could_not_send_is_entered(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    stops = _stops(site)
    stop = stops[len(stops) // 2 + 1]
    monkeypatch.setenv(clock.ENV, stop.start.date().isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0), never_back=True)  # (after every visit)
    with logged_in(site.url, "kora") as kora:
        page = kora.get(f"/faelle/{stop.client_id}?stadt={CITY}").text
        assert "Ergebnis nachtragen" in page
        fields = _form(page, "nachtragen")
        r = kora.post("/fall-ergebnis", data={**fields, "ergebnis": "", "uhrzeit": "10:00"})
        assert r.status_code == 400 and "Ergebnis: bitte ein Ergebnis wählen." in _text(r)
        # a visit no form of the page shows (called off since the page was loaded, or a
        # stale id): the refusal is said above the forms, not lost (review 22 #3)
        r = kora.post("/fall-ergebnis", data={**fields, "besuch": "kein-solcher-besuch",
                                              "ergebnis": "angetroffen", "uhrzeit": "10:00"})
        assert r.status_code == 400
        shown = r.text.split('id="ergebnis-fehler"', 1)
        assert len(shown) == 2 and "Kein geplanter Besuch von" in shown[1][:400], \
            _text(r)[-800:]
        r = kora.post("/fall-ergebnis", data={**fields, "ergebnis": "angetroffen",
                                              "uhrzeit": "10:00"})
        assert r.status_code == 303, _text(r)[-800:]
        shown = _text(kora.get(r.headers["location"]))
        assert "Ergebnis nachgetragen. Status jetzt: „erreicht“." in shown
    rows = site.store.audit_rows(client_id=stop.client_id, action="ergebnis_erfasst")
    assert rows and rows[-1]["actor"] == "kora"


def _note_of(site: Site, cid: str) -> str | None:  # noqa: F811
    from sqlalchemy import select

    from hausbesuch.store import OutcomeRow

    with site.store.session() as s:
        return s.scalar(select(OutcomeRow.note).where(OutcomeRow.city == CITY,
                                                      OutcomeRow.client_id == cid))


def _outcomes_file(site: Site) -> object:  # noqa: F811
    """What of the database's files could still hold an outcome's old note: SQLite the
    file's bytes; PostgreSQL the outcomes table's file node (rewritten: a new one)."""
    from sqlalchemy import text

    if site.kind == "sqlite":
        return Path(site.store.engine.url.database).read_bytes()
    with site.store.engine.connect() as c:
        return c.execute(text("SELECT relfilenode FROM pg_class WHERE relname = 'outcomes' "
                              "AND relnamespace = current_schema()::regnamespace")).scalar()


def _file_node(site: Site, table: str) -> object:  # noqa: F811
    """PostgreSQL: the table's file node (a rewrite gives a new one); SQLite: None."""
    from sqlalchemy import text

    if site.kind == "sqlite":
        return None
    with site.store.engine.connect() as c:
        return c.execute(text("SELECT relfilenode FROM pg_class WHERE relname = :t "
                              "AND relnamespace = current_schema()::regnamespace"),
                         {"t": table}).scalar()


def _left_in_files(site: Site, before: object, old: str) -> bool:  # noqa: F811
    """Whether ``old`` (a note's text replaced since ``before`` was read) may still stand
    in the database's files: on PostgreSQL a dead row version stays until the table is
    rewritten (review 22 #7)."""
    now = _outcomes_file(site)
    if site.kind == "sqlite":
        return old.encode() in now
    return now == before


def test_a_replaced_or_deleted_note_is_not_left_in_the_database(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """Review 22 #7: a note replaced through „Ergebnis berichtigen“ does not stay in a
    dead row version (PostgreSQL: the tables are rewritten, as ``rectify`` does; SQLite
    zeroes it at once), and the form deletes a stored note („Gespeicherte Notiz
    löschen“), audited without any text."""
    import json

    stops = _stops(site)
    stop = stops[len(stops) // 2 + 3]
    monkeypatch.setenv(clock.ENV, stop.start.date().isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0), never_back=True)  # (after every visit)
    monkeypatch.setattr(clock, "now_on_today", lambda: datetime.combine(
        stop.start.date(), dtime(23, 50)))
    old, new = "Hund im Hof Oxq-alt-7391 " * 8, "Klingel defekt Oxq-neu-5502 " * 8
    from hausbesuch.web import casework_api

    casework_api.record_outcome(site.store, site.app.state.web.profile(CITY), "link:test",
                                stop.client_id, stop.start.date(), "nicht_angetroffen",
                                time_min=16 * 60, appointment=None, note=old,
                                idempotency_key=f"notiz-{stop.client_id}")
    url = f"/faelle/{stop.client_id}?stadt={CITY}"
    with logged_in(site.url, "kora") as kora:
        page = kora.get(url).text
        assert "Nicht angetroffen · mit Notiz" in _text(kora.get(url))
        assert 'name="notiz_loeschen"' in page
        base = {**_form(page, "berichtigen"), "ergebnis": "nicht_angetroffen",
                "uhrzeit": "16:00"}
        before = _outcomes_file(site)
        clients = _file_node(site, "clients")
        r = kora.post("/fall-ergebnis", data={**base, "notiz": new})
        assert r.status_code == 303, _text(r)[-800:]
        assert _note_of(site, stop.client_id) == new.strip()
        # (the page after the correction: the form's stamp of the outcome as it is now)
        base["stand"] = _form(kora.get(url).text, "berichtigen")["stand"]
        assert not _left_in_files(site, before, old.strip())
        # review 23 #1: the web rewrites the note's table only, not every table of
        # clients' data (each rewrite blocks its table for the phones)
        assert _file_node(site, "clients") == clients
        # a new note and „löschen“ at once: refused, nothing changed
        r = kora.post("/fall-ergebnis", data={**base, "notiz": "noch eine",
                                              "notiz_loeschen": "1"})
        assert r.status_code == 400
        assert "Notiz: entweder eine neue Notiz eintragen oder die gespeicherte löschen" \
            in _text(r)
        assert _note_of(site, stop.client_id) == new.strip()
        before = _outcomes_file(site)
        r = kora.post("/fall-ergebnis", data={**base, "notiz": "", "notiz_loeschen": "1"})
        assert r.status_code == 303, _text(r)[-800:]
        shown = _text(kora.get(r.headers["location"]))
        assert "Ergebnis berichtigt." in shown and "mit Notiz" not in shown
        assert _note_of(site, stop.client_id) is None
        assert not _left_in_files(site, before, new.strip())
        # nothing more to delete: the box is gone, the same post changes nothing
        assert 'name="notiz_loeschen"' not in kora.get(url).text
        r = kora.post("/fall-ergebnis", data={**base, "notiz": "", "notiz_loeschen": "1"})
        assert r.status_code == 303 and "ergebnis=unveraendert" in r.headers["location"]
        # a note added where there was none leaves no old text: nothing is rewritten
        outcomes = _file_node(site, "outcomes")
        base["stand"] = _form(kora.get(url).text, "berichtigen")["stand"]
        r = kora.post("/fall-ergebnis", data={**base, "notiz": "Briefkasten voll"})
        assert r.status_code == 303 and _note_of(site, stop.client_id) == "Briefkasten voll"
        assert _file_node(site, "outcomes") == outcomes
    rows = site.store.audit_rows(client_id=stop.client_id, action="ergebnis_berichtigt")
    assert [(r["details"]["notiz_geaendert"], r["details"]["notiz_geloescht"])
            for r in rows] == [(True, False), (True, True), (True, False)]
    assert "Oxq" not in json.dumps(rows, default=str)  # never the text


@sqlite_only()  # the correction on both: test_a_wrong_outcome_is_corrected_on_the_case_page
@pytest.mark.browser
def test_the_correction_form_in_chromium_at_390_px(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    from tests.browser import phone_page, shared_browser

    stops = _stops(site)
    stop = stops[len(stops) // 2 + 2]
    monkeypatch.setenv(clock.ENV, stop.start.date().isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0), never_back=True)  # (after every visit)
    _phone_outcome(site, stop, "nicht_angetroffen", note="Klingel ohne Schild")
    with shared_browser() as browser:
        page, _rec = phone_page(browser)
        log_in_page(page, site.url)
        page.goto(site.url + f"/faelle/{stop.client_id}?stadt={CITY}#ergebnisse")
        page.click("text=Ergebnis berichtigen")
        form = page.locator("form[action='/fall-ergebnis?stadt=Bad%20Hersfeld']").first
        form.locator("select[name=ergebnis]").select_option("angetroffen")
        form.locator("input[name=uhrzeit]").fill("09:15")
        width = page_width(page)
        assert width <= 390, width  # nothing wider than the phone
        shoot(page, "berichtigen-formular.png", full_page=True)
        # the stored note can be deleted (review 22 #7); here it stays
        box = form.locator("input[name=notiz_loeschen]")
        assert box.is_visible() and not box.is_checked()
        shoot(form, "notes-notiz-loeschen.png")
        form.locator("button[type=submit]").click()
        page.wait_for_url("**ergebnis=berichtigt**")
        assert "Ergebnis berichtigt. Status jetzt: „erreicht“." in page.inner_text("body")
        shoot(page, "berichtigen-gespeichert.png", full_page=True)
    assert _status(site, stop.client_id) == "erreicht"


@sqlite_only()
def test_the_phone_says_where_the_coordination_corrects_it(site: Site) -> None:  # noqa: F811
    """The phone's refusal of a second outcome stays true and says where (QA 22 F6)."""
    from tests.test_web import _make_link

    token, _link = _make_link(site)
    page = html.unescape(httpx.get(site.url + f"/w/{token}/").text)
    # the page carries it (worker.js reads it there: one sentence, review 22 #11)
    assert ('data-korrektur="Ein gespeichertes Ergebnis ändert nur die Koordination: eine '
            'Korrektur bitte dort melden; sie berichtigt es auf der Seite des Falls."') in page


@pytest.mark.browser
def test_a_corrected_appointment_names_the_visit_still_planned_at_the_old_one(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """Review 22 #4: the coordination moves an agreed appointment on the case page; a
    stored plan still holds the visit at the old one. The confirmation says so, in
    Chromium at 390 px (the page reads the visit from the store; the link names its id)."""
    from datetime import datetime, timedelta

    from hausbesuch.store import CaseVisitRow
    from hausbesuch.web import casework_api
    from tests.browser import phone_page, shared_browser

    stops = _stops(site)
    stop = stops[len(stops) // 2 + 4]
    day = stop.start.date()
    monkeypatch.setenv(clock.ENV, (day + timedelta(days=1)).isoformat())
    profile = site.app.state.web.profile(CITY)
    cal = casework_api.casework(site.store, profile, "link:test").calendar
    first = datetime.combine(cal.add_working_days(day, 3), datetime.min.time()).replace(
        hour=10)
    moved = datetime.combine(cal.add_working_days(day, 4), datetime.min.time()).replace(
        hour=11)
    casework_api.record_outcome(site.store, profile, "link:test", stop.client_id, day,
                                "termin_vereinbart", time_min=10 * 60, appointment=first,
                                note=None, idempotency_key=f"alt-{stop.client_id}")
    with site.store.session() as s:  # the re-plan put the visit at the appointment
        s.add(CaseVisitRow(visit_id=f"termin-{stop.client_id}", city=CITY,
                           client_id=stop.client_id, try_no=2, plan_id="20991231-080000-t",
                           team_id="team-1", day=first.date(), start_at=first,
                           end_at=first + timedelta(minutes=30), status="geplant",
                           pinned=True, created_at=first, updated_at=first))
    with shared_browser() as browser:
        page, _rec = phone_page(browser)
        log_in_page(page, site.url)
        page.goto(site.url + f"/faelle/{stop.client_id}?stadt={CITY}#ergebnisse")
        page.click("text=Ergebnis berichtigen")
        form = page.locator("form[action='/fall-ergebnis?stadt=Bad%20Hersfeld']").first
        form.locator("input[name=termin]").fill(f"{moved:%Y-%m-%dT%H:%M}")
        form.locator("button[type=submit]").click()
        page.wait_for_url("**ergebnis=berichtigt**")
        body = page.inner_text("body")
        assert (f"Der Besuch zum alten Termin am {format_day(first)}, 10:00 Uhr steht "
                "noch in Plan 20991231-080000-t: bitte neu planen.") in body, body[:1500]
        assert page_width(page) <= 390
        shoot(page, "statuskorr-alter-termin.png", full_page=True)
    from hausbesuch.store import ClientRow

    with site.store.session() as s:
        row = s.get(ClientRow, {"city": CITY, "client_id": stop.client_id})
        assert (row.pin_day, row.pin_time_min) == (moved.date(), 11 * 60)


def test_a_correction_sent_from_a_page_older_than_a_colleagues_is_refused(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """QA 38 F1 (stale38's notes): kora and ada open the case page of a visit the phone
    recorded as „Nachricht hinterlassen“ at 16:00. ada corrects it to „Nicht
    angetroffen“ at 09:10; kora, on her page still showing the phone's outcome, sends
    „Angetroffen“ with the time the form showed. Before, kora's correction was stored
    and silently put 16:00 back; now it is refused (409) naming the outcome as it is
    now, nothing stored or audited, kora's input kept, and sending again from that page
    stores on purpose. A correction refused for its input keeps the stamp it sent."""
    stops = _stops(site)
    stop = stops[len(stops) // 2 - 2]  # (a stop no other test of the module records)
    monkeypatch.setenv(clock.ENV, stop.start.date().isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0), never_back=True)
    monkeypatch.setattr(clock, "now_on_today", lambda: datetime.combine(
        stop.start.date(), dtime(23, 50)))
    _phone_outcome(site, stop, "nachricht_hinterlassen")
    url = f"/faelle/{stop.client_id}?stadt={CITY}"
    with logged_in(site.url, "kora") as kora, logged_in(site.url, "ada") as ada:
        old = _form(kora.get(url).text, "berichtigen")
        assert old["stand"], old
        theirs = _form(ada.get(url).text, "berichtigen")
        # kora's input error: refused for it (400), the page again with the stamp she sent
        r = kora.post("/fall-ergebnis", data={**old, "ergebnis": "angetroffen",
                                              "uhrzeit": "22:30"})
        assert r.status_code == 400, _text(r)[-800:]
        assert _form(r.text, "berichtigen")["stand"] == old["stand"]
        r = ada.post("/fall-ergebnis", data={**theirs, "ergebnis": "nicht_angetroffen",
                                             "uhrzeit": "09:10"})
        assert r.status_code == 303, _text(r)[-800:]
        r = kora.post("/fall-ergebnis", data={**old, "ergebnis": "angetroffen",
                                              "uhrzeit": "16:00"})
        assert r.status_code == 409, _text(r)[-800:]
        shown = " ".join(_text(r).split())
        assert (f"Das Ergebnis von {stop.client_id} am {format_day(stop.start.date())} "
                "wurde inzwischen geändert (jetzt: „Nicht angetroffen“, 09:10 Uhr). Ihre "
                "Eingabe ist nicht gespeichert; bitte prüfen und erneut senden.") in shown, \
            shown[-1500:]
        again = _form(r.text, "berichtigen")
        assert again["stand"] != old["stand"]
        assert 'name="uhrzeit" type="time" value="16:00"' in r.text  # as typed
        rows = site.store.audit_rows(client_id=stop.client_id, action="ergebnis_berichtigt")
        assert [row["actor"] for row in rows] == ["ada"]
        # a form without the stamp (an older page): refused too
        r = kora.post("/fall-ergebnis", data={**{k: v for k, v in old.items() if k != "stand"},
                                              "ergebnis": "angetroffen", "uhrzeit": "16:00"})
        assert r.status_code == 409 and "eine ältere Seite?" in _text(r)
        # sent again from the page that named the change: stored on purpose
        r = kora.post("/fall-ergebnis", data={**again, "ergebnis": "angetroffen",
                                              "uhrzeit": "16:00"})
        assert r.status_code == 303, _text(r)[-800:]
    rows = site.store.audit_rows(client_id=stop.client_id, action="ergebnis_berichtigt")
    assert [row["actor"] for row in rows] == ["ada", "kora"]
