"""Accessibility (WCAG 2.1 AA / BITV 2.0, QA round 14 b) in Chromium's own accessibility
tree (CDP), against the planned Bad Hersfeld week of :mod:`tests.test_web` (its ``site``
fixture):

- worker page: each stop's state line and the queue counter are live regions, so saved,
  sent, queued and refused outcomes and a missing appointment are announced (a refusal
  assertively); the offline banner is a rendered live region; the appointment's fields
  are marked invalid and described by the message, and unmarked once it is fixed;
- worker page: each stop has a heading („Stopp 1 · 08:01 Uhr · W012“) that names the group
  of its note, appointment and outcome buttons (case id, never a name);
- coordinator pages: the buttons of a row (send a team-day, revoke a link, delete an
  absence, lift a pin) and the address fix's fields are named with their row;
- address page: a refused fix is summed up at the top (focused, role=alert, a link to the
  row), and its fields point to the summary; the absence error names „Abwesenheit“ once.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import time as dtime
from datetime import timedelta
from urllib.parse import quote

import httpx
import pytest

from tests import test_web
from tests.browser import ax_node, page_width, wait_for_retry
from tests.test_web import _open_appointment
from tests.test_web_enter import _worker_page
from tests.test_web_messages import kora  # noqa: F401 - the fixture, by name
from tests.test_worker_cache import QUEUE, _fresh_route, _visit_time
from tests.test_worker_cache import _browser as _worker_browser
from tests.web_fixtures import NAME_MARK, PASSWORD, WEEK, Site, csrf_of, log_in_page, login

# the planned Bad Hersfeld week on loopback (session fixture), on SQLite: what the
# browser does with the pages is the same on either store
site = test_web.sqlite_site


@contextmanager
def _coordinator_page(site: Site, **page_options):  # noqa: ANN003, ANN202, F811
    """A German page in Chromium, logged in as the coordinator kora."""
    from tests.browser import shared_browser

    with shared_browser() as browser:
        page = browser.new_page(locale="de-DE", **page_options)
        page.set_default_timeout(30_000)
        log_in_page(page, site.url)
        yield page


@contextmanager
def _worker_phone(site: Site, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN202, F811
    """A fresh team-day's worker page on a phone at 10:05 of its day (taken as today):
    (route, browser context, page, the page's script errors)."""
    from hausbesuch import clock
    from tests.fake_clock import exercise_time_of_day

    route = _fresh_route(site)
    monkeypatch.setenv(clock.ENV, route.day.isoformat())
    # the server's time of day too (its "now" on the exercise's day refuses a visit time
    # ahead of it: run at night, the phone's 10:05 was ahead)
    exercise_time_of_day(monkeypatch, dtime(10, 5))
    with _worker_browser() as browser:
        ctx, page, errors = _worker_page(site, browser, route, dtime(10, 5))
        try:
            yield route, ctx, page, errors
        finally:
            ctx.close()


def _by_id(element_id: str) -> str:
    """A CSS selector for an id of any text (a case id may hold „<“, quotes, …)."""
    return f"[id={json.dumps(element_id)}]"


def _wait_state(page, nr: int, text: str) -> None:  # noqa: ANN001
    page.wait_for_function(
        "([id, t]) => document.getElementById(id).textContent.includes(t)",
        arg=[f"zustand-{nr}", text], timeout=30_000)


@pytest.mark.browser
def test_worker_page_announces_what_happens_to_an_outcome(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    with _worker_phone(site, monkeypatch) as (route, ctx, page, errors):
        stop1 = page.locator("li.stop").nth(0)
        state1 = "#" + stop1.locator("[data-state]").get_attribute("id")
        stop2 = page.locator("li.stop").nth(1)
        state2 = "#" + stop2.locator("[data-state]").get_attribute("id")
        # live regions, in the tree before anything is written into them
        for sel in (state1, state2, "#warteschlange", "#netz"):
            node = ax_node(page, sel)
            assert node["role"] == "status" and node["live"] == "polite", (sel, node)
            assert not node["ignored"], (sel, node)

        # (the phone's time fills in only the stop planned nearest it: QA 28 F15)
        _visit_time(stop1)
        _visit_time(stop2)
        # „Termin vereinbart“ without date and time: announced, fields marked and described
        date1 = stop1.locator("input[name=termin_datum]")
        stop1.locator("button[value=termin_vereinbart]").click()
        assert "Bitte Datum und Uhrzeit" in page.inner_text(state1)
        assert ax_node(page, state1)["live"] == "polite"
        for field in ("termin_datum", "termin_zeit"):
            node = ax_node(page, f"{_by_id(stop1.get_attribute('id'))} input[name={field}]")
            assert node["invalid"] == "true", (field, node)
            assert node["describedby"] == [state1[1:]], (field, node)
            assert node["description"] == "Bitte Datum und Uhrzeit des Termins angeben.", node
        assert date1.evaluate("e => e === document.activeElement")
        # fixed: the fields lose the marks, „Auf dem Telefon gespeichert“ and „Übermittelt“
        # are announced
        date1.fill((route.day + timedelta(days=7)).isoformat())
        stop1.locator("input[name=termin_zeit]").fill("10:00")
        stop1.locator("button[value=termin_vereinbart]").click()
        assert "Auf dem Telefon gespeichert (noch nicht gesendet): Termin vereinbart" in \
            page.inner_text(state1) or \
            "Übermittelt" in page.inner_text(state1)
        # (once sent, the form moves behind „Ergebnis ändern“: its fields are read after
        # that move, not while it happens - the tree lookup lost the moved node in CI)
        _wait_state(page, 1, "Übermittelt: Termin vereinbart")
        for field in ("termin_datum", "termin_zeit"):
            node = ax_node(page, f"{_by_id(stop1.get_attribute('id'))} input[name={field}]")
            assert node.get("invalid") in (None, "false"), (field, node)
            assert not node.get("describedby") and not node.get("description"), (field, node)
        assert ax_node(page, state1)["live"] == "polite"

        # stored: the form is behind „Ergebnis ändern“ (QA 22), opened to tap again
        stop1.locator("details.change > summary").click()
        # another outcome with the appointment still filled in: the fields are marked
        stop1.locator("button[value=angetroffen]").click()
        assert "Ein Termin ist eingetragen" in page.inner_text(state1)
        node = ax_node(page, f"{_by_id(stop1.get_attribute('id'))} input[name=termin_datum]")
        assert node["invalid"] == "true" and node["describedby"] == [state1[1:]], node
        # the same stop once more, after the minutes in which the phone may change its own
        # outcome (QA 28 F2): the server refuses it - announced assertively
        from hausbesuch import clock

        later = clock.now() + timedelta(minutes=6)
        monkeypatch.setattr(clock, "now", lambda: later)
        date1.fill("")
        stop1.locator("input[name=termin_zeit]").fill("")
        stop1.locator("button[value=angetroffen]").click()
        # (the phone's own outcome: said as such, with the rule)
        _wait_state(page, 1, "Gespeichert ist „Termin vereinbart“ (von diesem Telefon")
        assert ax_node(page, state1)["live"] == "assertive"
        assert stop1.locator("[aria-invalid]").count() == 0  # the emptied fields: unmarked

        # an appointment on a Saturday, refused by the server: its fields are marked
        stop3 = page.locator("li.stop").nth(2)
        state3 = "#" + stop3.locator("[data-state]").get_attribute("id")
        saturday = route.day + timedelta(days=(5 - route.day.weekday()) % 7 or 7)
        _open_appointment(stop3)  # (QA 28 F17: folded until tapped)
        stop3.locator("input[name=termin_datum]").fill(saturday.isoformat())
        stop3.locator("input[name=termin_zeit]").fill("10:00")
        stop3.locator("button[value=termin_vereinbart]").click()
        page.wait_for_function("(id) => document.getElementById(id).textContent.includes("
                               "'nicht angenommen')", arg=state3[1:], timeout=30_000)
        assert "Wochenende" in page.inner_text(state3)
        node = ax_node(page, f"{_by_id(stop3.get_attribute('id'))} input[name=termin_datum]")
        assert node["invalid"] == "true" and node["describedby"] == [state3[1:]], node
        # discarded (not queued on) by keyboard: the button names outcome and case, the
        # focus goes to the stop's heading, not to the top of the page
        drop = f"{_by_id(stop3.get_attribute('id'))} .refused button.danger"
        assert ax_node(page, drop)["name"] == (
            f"Verwerfen: Termin vereinbart für {stop3.get_attribute('data-kunde')}")
        page.focus(drop)
        page.keyboard.press("Enter")
        assert page.locator(drop).count() == 0
        assert stop3.locator(".stop-head").evaluate("h => h === document.activeElement")

        # without signal: the banner and the queue counter say so
        ctx.set_offline(True)
        page.wait_for_function("() => document.getElementById('netz').textContent !== ''")
        assert "Kein Netz" in page.inner_text("#netz")
        assert ax_node(page, "#netz")["live"] == "polite"
        stop2.locator("button[value=nicht_angetroffen]").click()
        assert "Auf dem Telefon gespeichert (noch nicht gesendet): Nicht angetroffen" in \
            page.inner_text(state2)
        assert ax_node(page, state2)["live"] == "polite"
        page.wait_for_function(
            "() => document.getElementById('warteschlange').textContent.includes('wartet')")
        assert "1 Ergebnis wartet auf Netz" in page.inner_text("#warteschlange")
        assert ax_node(page, "#warteschlange")["live"] == "polite"
        ctx.set_offline(False)
        page.wait_for_function("() => document.getElementById('netz').textContent === ''")
        wait_for_retry(page, "([id, t]) => document.getElementById(id).textContent.includes(t)",
                       ["zustand-2", "Übermittelt: Nicht angetroffen"])
        assert len(page.evaluate(QUEUE)) == 1  # the refused one, until discarded
        assert errors == []


@pytest.mark.browser
def test_worker_page_groups_each_stops_controls_under_its_heading(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    with _worker_phone(site, monkeypatch) as (route, ctx, page, errors):
        stops = page.locator("li.stop:not(.called-off)")
        assert stops.count() >= 2
        for i in range(stops.count()):
            li = stops.nth(i)
            cid = li.get_attribute("data-kunde")
            lid = li.get_attribute("id")
            heading = ax_node(page, f"{_by_id(lid)} h2")
            assert heading["role"] == "heading", heading
            nr = li.locator(".num").inner_text()
            assert heading["name"].startswith(f"Stopp {nr} · "), heading
            assert heading["name"].endswith(f" · {cid}"), heading
            assert NAME_MARK not in heading["name"]
            group = ax_node(page, f"{_by_id(lid)} fieldset")
            assert group["role"] == "group" and group["name"] == heading["name"], group
            # the controls inside the group (Playwright's role queries: by the group's name)
            named = page.get_by_role("group", name=heading["name"], exact=True)
            for role, name in (("button", "Angetroffen"), ("button", "Termin vereinbart"),
                               ("textbox", "Notiz")):
                assert named.get_by_role(role, name=name, exact=True).count() == 1, (cid, name)
            _open_appointment(li)  # (QA 28 F17: in view once „Termin vereinbart“ is tapped)
            time_field = ax_node(page, f"{_by_id(lid)} input[name=termin_zeit]")
            assert time_field["name"] == "Termin um (Uhrzeit)", time_field
        assert errors == []


@pytest.mark.browser
def test_row_buttons_of_the_coordinator_pages_name_their_row(site: Site) -> None:  # noqa: F811
    from tests.test_web import _make_link

    _make_link(site)  # a valid link to revoke
    with _coordinator_page(site) as page:
        page.goto(f"{site.url}/plaene/{site.plan_id}")
        page.goto(page.url)  # the newest version (a re-plan may have made one)
        names = page.locator("#team-tage button").evaluate_all(
            "els => els.map(e => e.getAttribute('aria-label'))")
        assert names and len(set(names)) == len(names), names
        node = ax_node(page, "#team-tage button")
        row = page.locator("#team-tage tbody tr").first.locator("td")
        team, day = row.nth(1).inner_text(), row.nth(0).inner_text()
        assert node["role"] == "button", node
        assert node["name"] == f"In den Außendienst senden: {team}, {day}", node
        # the column of the buttons has a name (hidden text)
        assert ax_node(page, "#team-tage thead th:last-child")["name"] == "Aktion"
        # the map's controls in German
        page.wait_for_selector("#karte .leaflet-control-layers-toggle")
        for sel, name in ((".leaflet-control-zoom-in", "Vergrößern"),
                          (".leaflet-control-zoom-out", "Verkleinern"),
                          (".leaflet-control-layers-toggle", "Ebenen")):
            assert ax_node(page, f"#karte {sel}")["name"] == name, sel

        page.goto(f"{site.url}/plaene/{site.plan_id}/links")
        node = ax_node(page, "button.danger")
        assert node["name"].startswith("Widerrufen: Link "), node

        page.goto(f"{site.url}/adressen")
        page.wait_for_selector("#adresskarte .leaflet-control-zoom-in")
        node = ax_node(page, "#adresskarte")  # the map is a named region (a Tab stop)
        assert node["role"] == "region", node
        assert node["name"] == "Karte zur Korrektur der Adressen", node
        assert ax_node(page, "#adresskarte .leaflet-control-zoom-in")["name"] == "Vergrößern"
        # the attribution's links are underlined (not told by colour only)
        lines = page.locator("#adresskarte .leaflet-control-attribution a").evaluate_all(
            "els => els.map(e => getComputedStyle(e).textDecorationLine)")
        assert lines and all(d == "underline" for d in lines), lines
        node = ax_node(page, "#adresse-W010 fieldset")
        assert node["role"] == "group" and node["name"] == "Korrektur für W010", node
        group = page.get_by_role("group", name="Korrektur für W010", exact=True)
        for role, name in (("button", "Speichern"), ("textbox", "Adresse"),
                           ("textbox", "Breite"), ("button", "Auf der Karte")):
            assert group.get_by_role(role, name=name, exact=True).count() == 1, name
        # the map's marker is named with the case it shows (Leaflet's own text: „Marker“)
        shown = page.locator("#adressen tbody tr").evaluate_all("trs => trs.map(t => t.id)")
        for row_id in shown[:2]:
            page.locator(f"{_by_id(row_id)} button.show-on-map").click()
            if not page.locator(f"{_by_id(row_id)} input[name=breite]").input_value():
                # a row without a point gets its marker from a click into the map (before,
                # the map's centre was put in at once: QA 22 F1); the hint says so
                assert "Hauseingang anklicken" in page.inner_text("#karten-hinweis")
                page.locator("#adresskarte").click(position={"x": 200, "y": 120})
            node = ax_node(page, "#adresskarte .leaflet-marker-icon")
            assert node["name"] == "Punkt der Adresse von " + row_id.removeprefix("adresse-"), node


def test_absence_rows_name_their_delete_button_and_errors_say_abwesenheit_once(
        site: Site, kora: httpx.Client) -> None:  # noqa: F811
    import html
    import re


    city = test_web.CITY
    page = kora.get("/teams", params={"stadt": city})
    csrf = csrf_of(page.text)
    team = re.search(r'<option value="([^"]+)">', page.text).group(1)
    late = WEEK + timedelta(days=70)
    r = kora.post("/teams/abwesenheit", data={"csrf_token": csrf, "stadt": city, "team": team,
                                             "von": late.isoformat(),
                                             "bis": (late - timedelta(days=2)).isoformat()})
    text = html.unescape(r.text)
    assert "Abwesenheit: „bis“" in text, text[-1500:]
    assert "Abwesenheit: Abwesenheit:" not in text
    r = kora.post("/teams/abwesenheit", data={"csrf_token": csrf, "stadt": city, "team": team,
                                             "von": late.isoformat(),
                                             "bis": (late + timedelta(days=1)).isoformat()})
    assert r.status_code in (200, 303), r.status_code
    page = kora.get("/teams", params={"stadt": city})
    label = (f'aria-label="Löschen: Abwesenheit {team}, \\w\\w, {late:%d\\.%m\\.%Y} bis '
             f'\\w\\w, {late + timedelta(days=1):%d\\.%m\\.%Y}">Löschen</button>')
    assert re.search(label, html.unescape(page.text)), page.text[-2000:]
    r = kora.post("/teams/abwesenheit/loeschen", data={
        "csrf_token": csrf, "stadt": city, "team": team, "von": late.isoformat(),
        "bis": (late + timedelta(days=1)).isoformat()})
    assert r.status_code in (200, 303), r.status_code


@pytest.mark.browser
def test_a_refused_address_fix_is_summed_up_at_the_top_and_focused(site: Site) -> None:  # noqa: F811
    with _coordinator_page(site) as page:
        page.goto(f"{site.url}/adressen")
        row = page.locator("#adresse-W010")
        row.locator("input[name=adresse]").fill("Gibtsnichtstraße 5")
        row.locator("button.primary").click()
        page.wait_for_selector("#fehlermeldung")
        assert page.evaluate("document.activeElement.id") == "fehlermeldung"
        node = ax_node(page, "#fehlermeldung")
        assert node["role"] == "alert", node
        summary = page.inner_text("#fehlermeldung")
        assert summary.startswith("Nicht gespeichert: Adresse „Gibtsnichtstraße 5“ wurde "
                                  "nicht gefunden"), summary
        link = page.locator("#fehlermeldung a")
        assert link.get_attribute("href") == "#adresse-W010"
        assert link.inner_text() == "Zur Korrektur für W010"
        # it stands above the table: the first thing after the heading
        assert page.evaluate("document.querySelector('#fehlermeldung').getBoundingClientRect()"
                             ".top < document.querySelector('#adressen').getBoundingClientRect().top")
        field = ax_node(page, "#adresse-W010 input[name=adresse]")
        assert field["invalid"] == "true" and field["describedby"] == ["fehlermeldung"], field
        assert ax_node(page, "#adresse-W010 input[name=breite]").get("invalid") in (None, "false")
        # other rows are not marked
        assert page.locator("input[aria-invalid=true]").count() == 1


@pytest.mark.browser
def test_job_page_updates_in_place_and_opens_the_plan(site: Site) -> None:  # noqa: F811
    """No meta refresh: the page stays one document (focus and screen reader stay where
    they are) while job.js writes the state into a live region; then the plan opens."""

    from hausbesuch.web import jobs

    with _coordinator_page(site) as page:
        page.goto(f"{site.url}/plaene")
        page.fill("input[name=start]", (WEEK + timedelta(days=14)).isoformat())
        page.fill("input[name=tage]", "1")
        page.click("text=Planung starten")
        page.wait_for_url("**/auftraege/*")
        job_id = page.url.rsplit("/", 1)[1]
        loads: list[str] = []
        page.on("framenavigated", lambda f: loads.append(f.url) if f == page.main_frame
                else None)
        assert page.locator("meta[http-equiv=refresh]").count() == 0
        node = ax_node(page, "#stand")
        assert node["role"] == "status" and node["live"] == "polite", node
        assert ax_node(page, "#fortschritt")["name"] == "Fortschritt"
        page.wait_for_url("**/plaene/*", timeout=180_000)
        job = jobs.get(site.store, job_id)
        assert job.status == "fertig" and page.url.endswith(f"/plaene/{job.plan_id}")
        # the job page was never loaded again: the only navigation is to the plan
        assert [u for u in loads if "/auftraege/" in u] == [], loads
        # without script: no refresh either, a link „Aktualisieren“ (while it runs)
        page.goto(f"{site.url}/auftraege/{job_id}")
        assert page.locator("meta[http-equiv=refresh]").count() == 0


def test_job_state_as_json_and_the_link_to_update_without_script(
        site: Site, kora: httpx.Client) -> None:  # noqa: F811
    import uuid

    from hausbesuch import clock
    from hausbesuch.web.models import JobRow

    job_id = uuid.uuid4().hex  # a running job (of another worker, heartbeat now)
    with site.store.session() as s:
        s.add(JobRow(id=job_id, kind="plan", city=test_web.CITY, params="{}", status="laeuft",
                     stage="Routen werden berechnet", progress=0.4, created_by="kora",
                     created_at=clock.now(), started_at=clock.now(), heartbeat=clock.now(),
                     worker="anderswo"))
    page = kora.get(f"/auftraege/{job_id}")
    assert page.status_code == 200 and 'http-equiv="refresh"' not in page.text
    assert f'<noscript>Ohne JavaScript: den Stand mit <a href="/auftraege/{job_id}">' \
        'Aktualisieren</a> abfragen' in page.text
    assert "öffnet er sich" not in page.text  # said by the script, which does it
    from hausbesuch.web.app import static_version

    assert f'src="/static/web/v/{static_version()}/job.js"' in page.text
    state = kora.get(f"/auftraege/{job_id}/stand")
    assert state.status_code == 200 and state.headers["cache-control"] == "no-store"
    assert state.json() == {"status": "laeuft", "status_label": "läuft",
                            "active": True, "stage": "Routen werden berechnet",
                            "progress": 0.4, "percent": 40, "plan_id": None, "error": None,
                            "hinweis": ""}
    assert kora.get("/auftraege/nichtda/stand").status_code == 404
    # the coordinator of another city: as for the job page, not found (and logged)
    refused = len(site.store.audit_rows(action="zugriff_verweigert"))
    with httpx.Client(base_url=site.url, follow_redirects=False, timeout=60) as lena:
        assert login(lena, "lena").status_code == 303
        other = lena.get(f"/auftraege/{job_id}/stand")
        assert other.status_code == 404 and "Routen werden" not in other.text
    assert len(site.store.audit_rows(action="zugriff_verweigert")) == refused + 1
    with site.store.session() as s:
        s.delete(s.get(JobRow, job_id))


@pytest.mark.browser
def test_a_job_that_fails_while_shown_drops_its_bar_and_offers_a_new_start(
        site: Site) -> None:  # noqa: F811
    """QA 19e #7: job.js, when the job it shows fails, removes the progress bar (its last
    value says nothing) and shows the way to start the plan again."""
    import re
    import uuid

    from sqlalchemy import update

    from hausbesuch import clock
    from hausbesuch.web.models import JobRow

    job_id = uuid.uuid4().hex  # a running job (of another worker, heartbeat now)
    start = (WEEK + timedelta(days=21)).isoformat()
    with site.store.session() as s:
        s.add(JobRow(id=job_id, kind="plan", city=test_web.CITY,
                     params=json.dumps({"start": start, "days": 2}), status="laeuft",
                     stage="Touren optimieren", progress=0.56, created_by="kora",
                     created_at=clock.now(), started_at=clock.now(), heartbeat=clock.now(),
                     worker="anderswo"))
    try:
        with _coordinator_page(site) as page:
            page.goto(f"{site.url}/auftraege/{job_id}")
            assert page.locator("#fortschritt").is_visible()
            assert not page.locator("#weiter").is_visible()
            with site.store.session() as s:
                s.execute(update(JobRow).where(JobRow.id == job_id).values(
                    status="fehlgeschlagen", finished_at=clock.now(),
                    error="Abgebrochen: der rechnende Prozess wurde beendet."))
            page.locator("#weiter").wait_for(state="visible", timeout=20_000)
            assert page.locator("#fortschritt").count() == 0
            button = page.get_by_role("button", name=re.compile("^Neu starten"))
            assert button.is_visible()
            assert page.locator("#weiter input[name=start]").get_attribute("value") == start
            assert page.get_by_role("alert").inner_text().startswith("Abgebrochen")
    finally:
        with site.store.session() as s:
            s.delete(s.get(JobRow, job_id))


@pytest.mark.browser
def test_case_and_absence_errors_are_focused_and_mark_their_fields(site: Site) -> None:  # noqa: F811
    with _coordinator_page(site) as page:
        # an unknown case id: the field is focused, invalid and described by the message
        page.goto(f"{site.url}/faelle")
        page.fill("input[name=kundennummer]", "K-999999")
        page.click("#fall-suchen button[type=submit]")
        page.wait_for_selector("#fehlermeldung")
        assert page.evaluate("document.activeElement.name") == "kundennummer"
        field = ax_node(page, "input[name=kundennummer]")
        assert field["invalid"] == "true" and field["describedby"] == ["fehlermeldung"]
        assert "K-999999" in field["description"], field
        # an absence ending before it starts: the message at the top is focused, the
        # date fields are marked
        page.goto(f"{site.url}/teams")
        late = WEEK + timedelta(days=70)
        page.fill("input[name=von]", late.isoformat())
        page.fill("input[name=bis]", (late - timedelta(days=2)).isoformat())
        page.click("form[action='/teams/abwesenheit'] button[type=submit]")
        page.wait_for_selector("#fehlermeldung")
        assert page.evaluate("document.activeElement.id") == "fehlermeldung"
        assert "„bis“" in page.inner_text("#fehlermeldung")
        for name in ("von", "bis"):
            node = ax_node(page, f"input[name={name}]")
            assert node["invalid"] == "true", (name, node)
            assert node["describedby"] == ["fehlermeldung"], (name, node)
        # no error: nothing marked, nothing focused by the page
        page.goto(f"{site.url}/teams")
        assert page.locator("[aria-invalid]").count() == 0
        assert page.evaluate("document.activeElement === document.body")


@pytest.mark.browser
def test_plan_map_is_a_named_region_that_keyboard_users_can_skip(site: Site) -> None:  # noqa: F811
    with _coordinator_page(site, viewport={"width": 1280, "height": 900}) as page:
        page.goto(f"{site.url}/plaene/{site.plan_id}")
        page.wait_for_selector("#karte path.leaflet-interactive")
        n_markers = page.locator("#karte path.leaflet-interactive").count()
        assert n_markers > 20  # the fixture's week: every stop a circle
        node = ax_node(page, "#karte")
        assert node["role"] == "region" and node["name"] == "Karte des Plans", node
        # from „Dateien (ZIP)“ by Tab: the map's own controls, then the table - not
        # every marker and line of the week
        page.focus("a[href$='/dateien.zip']")
        presses = 0
        while presses < 40 and not page.evaluate(
                "(document.activeElement.textContent || '').trim()"
                " === 'In den Außendienst senden'"):
            page.keyboard.press("Tab")
            presses += 1
        assert presses <= 12, presses
        # the skip link: the first Tab stop after the buttons, to the table's heading
        page.focus("a[href$='/dateien.zip']")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Karte überspringen"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "team-tage-titel"


@pytest.mark.browser
def test_an_ended_session_is_named_on_the_login_page_and_leads_back(site: Site) -> None:  # noqa: F811
    from sqlalchemy import update

    from hausbesuch import clock
    from hausbesuch.web.models import SessionRow

    with _coordinator_page(site) as page:
        page.goto(f"{site.url}/adressen")
        row = page.locator("#adresse-W010")
        row.locator("input[name=adresse]").fill("Gibtsnichtstraße 5")
        with site.store.session() as s:  # idle for 31 minutes
            s.execute(update(SessionRow).where(SessionRow.user_name == "kora")
                      .values(last_seen=clock.utc() - timedelta(minutes=31)))
        row.locator("button.primary").click()
        page.wait_for_url("**/anmelden?*")
        notice = page.inner_text("#sitzung-abgelaufen")
        assert "Die Sitzung ist beendet (nach 30 Minuten ohne Aktion" in notice
        assert "Eingabe wurde nicht gespeichert" in notice
        name = ax_node(page, "input[name=name]")
        assert name["describedby"] == ["sitzung-abgelaufen"], name
        assert page.evaluate("document.activeElement.name") == "name"
        page.fill("input[name=name]", "kora")
        page.fill("input[name=passwort]", PASSWORD)
        page.click("button[type=submit]")
        # back at the form's page, of the city the form was for (an administrator serves
        # several)
        page.wait_for_url(f"**/adressen?stadt={quote(test_web.CITY, safe='')}")
        # a page (GET) after the end: the notice without the lost input
        with site.store.session() as s:
            s.execute(update(SessionRow).where(SessionRow.user_name == "kora")
                      .values(last_seen=clock.utc() - timedelta(minutes=31)))
        page.goto(f"{site.url}/teams")
        page.wait_for_url("**/anmelden?*")
        notice = page.inner_text("#sitzung-abgelaufen")
        assert notice.startswith("Die Sitzung ist beendet") and "Eingabe" not in notice
        # „Abmelden“ on a page left open past the end: logged out, nothing said to be lost
        page.fill("input[name=name]", "kora")
        page.fill("input[name=passwort]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/teams")
        with site.store.session() as s:
            s.execute(update(SessionRow).where(SessionRow.user_name == "kora")
                      .values(last_seen=clock.utc() - timedelta(minutes=31)))
        page.locator("form[action='/abmelden'] button").click()
        page.wait_for_url("**/anmelden")
        assert page.locator("#sitzung-abgelaufen").count() == 0
        assert not [c for c in page.context.cookies() if "hb_session" in c["name"]]


@pytest.mark.browser
def test_the_session_warns_before_its_idle_end_and_stays_on_request(site: Site) -> None:  # noqa: F811
    """WCAG 2.2.1: two minutes before the idle end a dialog says when the session ends and
    „Angemeldet bleiben“ (focused) keeps it; the text typed on the page stays. Once it has
    ended, the dialog says so and leads to the login, which names the end."""
    from sqlalchemy import update

    from hausbesuch import clock
    from hausbesuch.web.models import SessionRow
    from hausbesuch.web.security import token_hash

    with _coordinator_page(site) as page:
        cookie = next(c["value"] for c in page.context.cookies() if c["name"].endswith("hb_session"))
        mine = SessionRow.id_hash == token_hash(cookie)

        def idle_since(minutes: float) -> None:
            with site.store.session() as s:
                s.execute(update(SessionRow).where(mine).values(
                    last_seen=clock.utc() - timedelta(minutes=minutes)))

        def last_seen():  # noqa: ANN202
            with site.store.session() as s:
                return s.get(SessionRow, token_hash(cookie)).last_seen

        page.clock.install()
        page.goto(f"{site.url}/faelle/W012")
        reason = page.locator("#status-setzen input[name=grund]")
        reason.fill("noch nicht gespeichert")
        idle_since(28.5)  # 90 seconds left on the server
        page.clock.fast_forward("28:00")  # the page's first look at the session
        dialog = page.get_by_role("dialog", name="Die Sitzung endet bald")
        dialog.wait_for()
        text = dialog.locator("#sitzung-text").inner_text()
        assert text.startswith("Ohne Aktion endet die Sitzung um ") and " Uhr" in text, text
        stay = page.get_by_role("button", name="Angemeldet bleiben")
        assert stay.evaluate("b => b === document.activeElement")
        assert ax_node(page, "#sitzung-dialog")["role"] == "dialog"
        before = last_seen()
        stay.click()
        dialog.wait_for(state="hidden")
        assert last_seen() > before and clock.utc() - last_seen() < timedelta(seconds=30)
        assert reason.input_value() == "noch nicht gespeichert"

        # nothing more happens while the session is alive; then it ends on the server
        idle_since(31)
        page.clock.fast_forward("28:00")
        ended = page.get_by_role("dialog", name="Die Sitzung ist beendet")
        ended.wait_for()
        link = ended.get_by_role("link", name="Neu anmelden")
        assert link.evaluate("a => a === document.activeElement")
        assert link.get_attribute("href").endswith("weiter=%2Ffaelle%2FW012")
        link.click()
        page.wait_for_url("**/anmelden?**")
        assert "Die Sitzung ist beendet" in page.inner_text("main")


@pytest.mark.browser
def test_narrow_tables_keep_their_column_headers(site: Site) -> None:  # noqa: F811
    """On a phone (≤ 48rem) the address list and the plan's team-days are shown as blocks:
    the cells keep their table roles and column headers for screen readers, and the
    address rows say which line is the address and which the result."""
    with _coordinator_page(site, viewport={"width": 390, "height": 844}) as page:
        page.goto(f"{site.url}/adressen")
        page.wait_for_selector("#adressen tbody tr")
        for table, headers in (("#adressen", ["Kundennummer", "Adresse", "Ergebnis", "Korrektur"]),
                               ("#team-tage", ["Tag", "Team", "Besuche", "Zeit", "Weg",
                                               "Reihenfolge (Kundennummern)", "Aktion"])):
            if table == "#team-tage":
                page.goto(f"{site.url}/plaene/{site.plan_id}")
                page.wait_for_selector("#team-tage tbody tr")
            assert page.locator(f"{table} tbody tr").first.evaluate(
                "tr => getComputedStyle(tr).display") != "table-row"  # blocks on a phone
            assert ax_node(page, table)["role"] == "table"
            for i, header in enumerate(headers, 1):
                node = ax_node(page, f"{table} thead th:nth-child({i})")
                assert node["role"] == "columnheader" and not node["ignored"], node
                assert node["name"] == header, node
            for i in range(1, len(headers) + 1):
                node = ax_node(page, f"{table} tbody tr:first-child td:nth-child({i})")
                assert node["role"] == "cell" and not node["ignored"], (i, node)
        page.goto(f"{site.url}/adressen")
        labels = page.locator("#adressen tbody tr:first-child td").evaluate_all(
            "tds => tds.map(td => getComputedStyle(td, '::before').content)")
        assert labels[1].startswith('"Adresse: "') and labels[2].startswith('"Ergebnis: "'), labels


@pytest.mark.browser
def test_the_border_of_a_stop_waiting_to_be_sent_is_seen(site: Site) -> None:  # noqa: F811
    """WCAG 1.4.11: the amber border of a stop whose outcome waits on the phone has 3:1
    against the stop's white (the worker page and the coordinator pages share app.css)."""
    from tests.browser import contrast

    with _coordinator_page(site) as page:
        page.goto(f"{site.url}/plaene")
        color = page.evaluate("""() => {
            const ol = document.createElement("ol"); ol.className = "stops";
            const li = document.createElement("li"); li.className = "stop pending";
            ol.appendChild(li); document.querySelector("main").appendChild(ol);
            return [getComputedStyle(li).borderLeftColor, getComputedStyle(li).backgroundColor];
        }""")
        assert contrast(*color) >= 3, color


@pytest.mark.browser
def test_the_session_warning_stays_put_and_knows_a_logout_elsewhere(site: Site) -> None:  # noqa: F811
    """Review 15 L1, L2: the open warning is not rebuilt (nor refocused, nor read out
    again) when the page looks again 20 seconds later; „Angemeldet bleiben“ after a
    logout in another tab (no session cookie any more) says that the session has ended,
    not that the server did not answer."""
    from sqlalchemy import update

    from hausbesuch import clock
    from hausbesuch.web.models import SessionRow
    from hausbesuch.web.security import token_hash

    with _coordinator_page(site) as page:
        cookie = next(c["value"] for c in page.context.cookies() if c["name"].endswith("hb_session"))
        page.clock.install()
        page.goto(f"{site.url}/plaene")
        with site.store.session() as s:
            s.execute(update(SessionRow).where(SessionRow.id_hash == token_hash(cookie))
                      .values(last_seen=clock.utc() - timedelta(minutes=28)))
        page.clock.fast_forward("28:00")
        dialog = page.get_by_role("dialog", name="Die Sitzung endet bald")
        dialog.wait_for()
        page.evaluate("() => { window.__stay = document.querySelector('#sitzung-aktion button'); }")
        page.clock.fast_forward("00:21")
        page.wait_for_timeout(500)  # the second look's answer
        assert page.evaluate(
            "() => window.__stay === document.querySelector('#sitzung-aktion button') "
            "&& document.activeElement === window.__stay")
        page.context.clear_cookies()  # „Abmelden“ in another tab
        page.get_by_role("button", name="Angemeldet bleiben").click()
        page.get_by_role("dialog", name="Die Sitzung ist beendet").wait_for()


#: The texts outside a scroll box that reach beyond 320 px (what widens a phone's page).
_WIDE_TEXT = """() => {
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT), out = [];
  while (walk.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(walk.currentNode);
    if (range.getBoundingClientRect().right > 321 &&
        !walk.currentNode.parentElement.closest('.scroll')) {
      out.push(walk.currentNode.textContent.trim().slice(0, 40));
    }
  }
  return out;
}"""


def _posted(page, click: str) -> int:  # noqa: ANN001
    """Click ``click`` (a form's submit button) and return the status of the POST's answer."""
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click(click)
    page.wait_for_load_state()
    return answer.value.status


def _refused_at(page, field: str, status: int, *, wanted: int = 400) -> None:  # noqa: ANN001
    """The page came back with ``wanted``: its message focused in #fehlermeldung, the title
    saying „Fehler“, the input ``field`` marked invalid and described by the message."""
    assert status == wanted
    assert page.title().startswith("Fehler: "), page.title()
    assert page.evaluate("document.activeElement.id") == "fehlermeldung"
    node = ax_node(page, f"[name={field}]")
    assert node["invalid"] == "true" and node["describedby"] == ["fehlermeldung"], (field, node)
    assert page.locator("[aria-invalid]").count() == 1


@pytest.mark.browser
def test_phone_pages_stay_on_the_screen_and_refused_forms_come_back_marked(
        site: Site) -> None:  # noqa: F811
    """On a phone (390 px) the links page with a link and the plan page with a pin do not
    scroll sideways (the hidden „Aktion“ header stays in its scroll box); the header wraps
    at 320 px with the browser's font size doubled (the pages follow it: no px font). A
    refused pin, link, plan, password or upload brings its page back (400) with the message
    focused, the field marked and the typed values kept (QA 18c #1, #3, #4, #7, #8)."""
    import re

    from tests.test_web import _current_plan, _make_link

    _make_link(site)
    plan_id = _current_plan(site).id
    with _coordinator_page(site, viewport={"width": 390, "height": 844}) as page:
        page.goto(f"{site.url}/plaene/{plan_id}/links")
        assert page.locator("table button.danger").count() >= 1
        assert page_width(page) <= 390
        # an end of validity too late: the form again, as typed
        late = f"{(WEEK + timedelta(days=60)).isoformat()}T20:00"
        page.fill("input[name=gueltig_bis]", late)
        chosen = page.locator("select[name=ziel] option").nth(1).get_attribute("value")
        page.select_option("select[name=ziel]", chosen)
        _refused_at(page, "gueltig_bis", _posted(page, "form[action$='/links'].card button"))
        assert "Gültig bis" in page.inner_text("#fehlermeldung")
        assert page.input_value("input[name=gueltig_bis]") == late
        assert page.input_value("select[name=ziel]") == chosen

        # the pin form: an unknown case id
        page.goto(f"{site.url}/plaene/{plan_id}")
        page.fill("input[name=kundennummer]", "K-999999")
        page.fill("input[name=uhrzeit]", "10:30")
        chosen = page.locator("#verschieben ~ form select[name=ziel] option").nth(1) \
            .get_attribute("value")
        page.select_option("#verschieben ~ form select[name=ziel]", chosen)
        _refused_at(page, "kundennummer", _posted(page, "form[action$='/verschieben'] button"))
        assert "K-999999" in page.inner_text("#fehlermeldung")
        assert page.input_value("input[name=kundennummer]") == "K-999999"
        assert page.input_value("input[name=uhrzeit]") == "10:30"
        assert page.input_value("#verschieben ~ form select[name=ziel]") == chosen
        # a pin set: its table stays in its box; lifted again
        cid = next(s.client_id for s in _fresh_route(site).stops
                   if re.fullmatch(r"[\w-]+", s.client_id))
        page.fill("input[name=kundennummer]", cid)
        page.fill("input[name=uhrzeit]", "")
        assert _posted(page, "form[action$='/verschieben'] button") == 303
        assert page.locator(f"button[aria-label='Aufheben: Festlegung für {cid}']").count() == 1
        assert page_width(page) <= 390
        page.click(f"button[aria-label='Aufheben: Festlegung für {cid}']")
        page.wait_for_selector(f"button[aria-label='Aufheben: Festlegung für {cid}']",
                               state="detached")

        # Neue Planung: 0 days, then a first day in the past (past the browser's checks)
        page.goto(f"{site.url}/plaene")
        no_check = "document.querySelector('form[action=\"/plaene/neu\"]').noValidate = true"
        page.evaluate(no_check)
        page.fill("input[name=tage]", "0")
        _refused_at(page, "tage", _posted(page, "form[action='/plaene/neu'] button"))
        assert page.input_value("input[name=tage]") == "0"
        page.evaluate(no_check)
        page.fill("input[name=start]", "2020-01-06")
        page.fill("input[name=tage]", "5")
        _refused_at(page, "start", _posted(page, "form[action='/plaene/neu'] button"))

        # Passwort ändern: the repetition differs (no password sent back)
        page.goto(f"{site.url}/konto/passwort")
        page.fill("input[name=aktuell]", PASSWORD)
        page.fill("input[name=neu]", "ganz-anderes-passwort-1")
        page.fill("input[name=wiederholung]", "ganz-anderes-passwort-2")
        _refused_at(page, "wiederholung", _posted(page, "form button.primary"))
        assert page.input_value("input[name=neu]") == ""

        # Kundenliste: not a list
        page.goto(f"{site.url}/kunden/import")
        page.set_input_files("input[name=datei]", files=[
            {"name": "liste.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}])
        status = _posted(page, "form button.primary")
        _refused_at(page, "datei", status, wanted=status if 400 <= status < 500 else 400)

        # the header's account part wraps: at 320 px with the font size doubled the page
        # still fits (and the page's text follows the browser's font size)
        page.set_viewport_size({"width": 320, "height": 640})
        page.goto(f"{site.url}/plaene")
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        assert page.evaluate("getComputedStyle(document.body).fontSize") == "32px"
        assert page_width(page) <= 320, page.evaluate(_WIDE_TEXT)
