"""The case page of the web app (``/faelle/<Kundennummer>``): a coordinator sets a case's
status as ``hausbesuch status --set … --reason …`` does (same casework service, same
status history and audit rows, no name or reason in the audit), is told when the case
still has a visit on a route, and cannot reach the cases of another city. Over real HTTP
and in Chromium at a phone's width, against the planned Bad Hersfeld week of
:mod:`tests.test_web` (a site of this module's own, SQLite and PostgreSQL)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

from hausbesuch.fields import format_moment
from tests.browser import fits_screen, launch, page_width
from tests.test_web import CITY, _current_plan, site  # noqa: F401 - the fixture, by name
from tests.web_fixtures import (
    NAME_MARK,
    Site,
    csrf_of,
    log_in_page,
    logged_in,
    sqlite_only,
    stand_of,
)

LAUF = "Lauf a.d. Pegnitz"


@pytest.fixture
def kora(site: Site) -> Iterator[httpx.Client]:  # noqa: F811
    with logged_in(site.url, "kora") as c:
        yield c


@pytest.fixture
def lena(site: Site) -> Iterator[httpx.Client]:  # noqa: F811
    """The coordinator of Lauf."""
    with logged_in(site.url, "lena") as c:
        yield c


def _planned(site: Site) -> list:  # noqa: F811
    """The stops of the plan's newest version whose case id is plain (no payload), first
    first: each has a visit ahead (the planned week lies ahead)."""
    plan = _current_plan(site)
    return sorted((s for r in plan.routes for s in r.stops
                   if re.fullmatch(r"W\d{3}", s.client_id)), key=lambda s: s.start)


def _status(site: Site, client_id: str) -> tuple[str, str]:  # noqa: F811
    from hausbesuch.store import ClientRow

    with site.store.session() as s:
        row = s.get(ClientRow, {"city": CITY, "client_id": client_id})
        return row.status, row.status_reason


def _text(response: httpx.Response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", response.text))


# --------------------------------------------------------------------------- HTTP


def test_a_case_is_found_by_its_number_and_shows_status_and_history(
        site: Site, kora: httpx.Client) -> None:  # noqa: F811
    stop = _planned(site)[-1]
    csrf = csrf_of(kora.get("/faelle").text)
    # a POST: what is typed (perhaps a name, by mistake) never stands in a URL
    assert 'method="post" action="/faelle"' in kora.get("/faelle").text
    r = kora.post("/faelle", data={"csrf_token": csrf,  # ids without case
                                   "kundennummer": stop.client_id.lower()})
    assert r.status_code == 303
    assert r.headers["location"] == f"/faelle/{stop.client_id}?stadt={quote(CITY, safe='')}"
    shown = len(site.store.audit_rows(client_id=stop.client_id, action="fall_angezeigt"))
    page = kora.get(r.headers["location"])
    assert page.status_code == 200
    text = _text(page)
    assert f"Fall {stop.client_id} · {CITY}" in text and "offen (zu besuchen)" in text
    assert "neu eingelesen" in text  # the history, each change at its moment with the weekday
    assert re.search(r"(Mo|Di|Mi|Do|Fr|Sa|So), \d\d\.\d\d\.\d{4}, \d\d:\d\d Uhr offen: "
                     r"neu eingelesen", text), text
    assert f"{stop.start:%d.%m.%Y}, {stop.start:%H:%M} Uhr" in text  # the visit ahead
    assert "noch am" not in text  # an open case: no warning
    assert NAME_MARK not in page.text
    rows = site.store.audit_rows(client_id=stop.client_id, action="fall_angezeigt")
    assert len(rows) == shown + 1 and rows[-1]["actor"] == "kora" and rows[-1]["city"] == CITY
    # an unknown number: German, with the hint for lost leading zeros' kind of typo
    r = kora.post("/faelle", data={"csrf_token": csrf, "kundennummer": "GIBT-9999"})
    assert r.status_code == 404
    assert kora.post("/faelle", data={"kundennummer": "GIBT-9999"}).status_code == 403
    assert "Kundennummer „GIBT-9999“ ist in Bad Hersfeld nicht bekannt" in _text(r)
    assert 'value="GIBT-9999"' in r.text  # kept in the field, to correct it
    assert kora.get("/faelle/GIBT-9999").status_code == 404
    # a name typed as the number is neither repeated nor kept in the field (privacy)
    for typed in ("Quirinella Zwackelmann", "gibt-es-nicht"):
        r = kora.post("/faelle", data={"csrf_token": csrf, "kundennummer": typed})
        assert r.status_code == 404 and typed.casefold() not in r.text.casefold(), r.text
        assert ("Die angegebene Kundennummer ist in Bad Hersfeld nicht bekannt; sie sieht "
                "aus wie ein Name oder eine Anschrift") in _text(r) and ") (" not in _text(r)
    r = kora.get("/faelle/Zwackelmann")  # typed into the address bar
    assert r.status_code == 404 and "Zwackelmann" not in r.text


# the three refusals come before the store (form check, CSRF), the same status again
# writes nothing; a status written and audited on both:
# test_a_coordinator_closes_a_case_on_the_phone; a refusal inside the status's
# transaction, the case unchanged, on both: test_the_case_page_says_when_a_cases_data_were_erased
@sqlite_only()
def test_a_wrong_status_or_a_long_reason_is_refused_and_changes_nothing(
        site: Site, kora: httpx.Client) -> None:  # noqa: F811
    stop = _planned(site)[-2]
    url = f"/faelle/{stop.client_id}"
    page = kora.get(url).text
    csrf = csrf_of(page)
    before = _status(site, stop.client_id)
    changes = len(site.store.audit_rows(action="status_geaendert"))
    r = kora.post(url, data={"csrf_token": csrf, "status": "erledigt", "grund": "x"})
    assert r.status_code == 400
    assert "Status: unbekannter Status „erledigt“; erlaubt: offen, erreicht, in_klaerung, " \
        "abgeschlossen." in _text(r)
    r = kora.post(url, data={"csrf_token": csrf, "status": "abgeschlossen", "grund": "x" * 501})
    assert r.status_code == 400 and "Grund: höchstens 500 Zeichen" in _text(r)
    r = kora.post(url, data={"status": "abgeschlossen"})  # without the form's token
    assert r.status_code == 403
    assert _status(site, stop.client_id) == before
    assert len(site.store.audit_rows(action="status_geaendert")) == changes
    # the same status again: nothing changes, and the page says so
    r = kora.post(url, data={"csrf_token": csrf, "status": "offen", "stand": stand_of(page)})
    assert r.status_code == 303
    assert "Der Status war schon „offen“; nichts geändert." in _text(kora.get(
        r.headers["location"]))
    assert len(site.store.audit_rows(action="status_geaendert")) == changes


def test_another_citys_coordinator_cannot_see_or_set_a_case(
        site: Site, lena: httpx.Client, kora: httpx.Client) -> None:  # noqa: F811
    """The coordinator of Lauf gets 404 for a Bad Hersfeld case, by its number, with
    ``stadt=Bad Hersfeld`` in the link or in the form: nothing is shown or changed, and
    the refusals are audited (as for another city's plan)."""
    stop = _planned(site)[-3]
    cid = stop.client_id
    before = _status(site, cid)
    rows = len(site.store.audit_rows())
    csrf = csrf_of(lena.get("/faelle").text)
    assert lena.get(f"/faelle/{cid}").status_code == 404
    assert lena.get(f"/faelle/{cid}?stadt={quote(CITY)}").status_code == 404
    assert lena.post("/faelle", data={"csrf_token": csrf, "kundennummer": cid}).status_code == 404
    for data in ({"csrf_token": csrf, "status": "abgeschlossen", "grund": "fremd"},
                 {"csrf_token": csrf, "status": "abgeschlossen", "stadt": CITY}):
        r = lena.post(f"/faelle/{cid}", data=data)
        assert r.status_code == 404, (data, r.status_code)
        assert NAME_MARK not in r.text and "fremd" not in r.text
    assert _status(site, cid) == before
    new = site.store.audit_rows()[rows:]
    assert {r["action"] for r in new} == {"zugriff_verweigert"}, new
    assert all(r["actor"] == "lena" and r["details"]["grund"] == "andere Stadt"
               and r["city"] == CITY for r in new), new
    assert {r["details"]["weg"] for r in new} == {
        "GET /faelle/{client_id:path}", "POST /faelle", "POST /faelle/{client_id:path}"}
    # the case's own coordinator still can, also with the city's short name (as every
    # command writes it), and that is no refused access
    assert kora.get(f"/faelle/{cid}").status_code == 200
    refused = len(site.store.audit_rows(action="zugriff_verweigert"))
    assert kora.get(f"/faelle/{cid}?stadt=bad-hersfeld").status_code == 200
    assert kora.get("/adressen?stadt=Bad-Hersfeld").status_code == 200
    assert len(site.store.audit_rows(action="zugriff_verweigert")) == refused


# --------------------------------------------------------------------------- Chromium


_browser = launch


@pytest.mark.browser
def test_a_coordinator_closes_a_case_on_the_phone(site: Site) -> None:  # noqa: F811
    """In Chromium at 390 px: the case opened from the menu („Fälle“, its number typed),
    the status set to „abgeschlossen“ with a reason; the page confirms it, shows
    the status with the reason, the history, and that the case is still on a route (day,
    time, plan: re-plan), with no horizontal overflow. The audit rows are those of
    ``hausbesuch status --set``: ``status_geaendert`` (von, nach; no reason, no name) by
    the account, and ``fall_angezeigt``."""
    from hausbesuch.store import CaseVisitRow
    from tests.browser import phone_page, shared_browser

    stop = _planned(site)[0]
    cid = stop.client_id
    with site.store.session() as s:
        visit = s.get(CaseVisitRow, stop.visit_id)
        pid, at = visit.plan_id, visit.start_at
    rows = len(site.store.audit_rows())
    with shared_browser() as browser:
        page, rec = phone_page(browser)
        log_in_page(page, site.url)
        page.click("header nav >> text=Fälle")
        page.wait_for_url("**/faelle")
        page.fill("input[name=kundennummer]", cid)
        page.click("#fall-suchen button[type=submit]")
        page.wait_for_selector("#status-setzen")
        assert fits_screen(page), page_width(page)
        page.select_option("select[name=status]", "abgeschlossen")
        page.fill("input[name=grund]", "in der Fallverwaltung abgeschlossen")
        page.click("#status-setzen button[type=submit]")
        page.wait_for_selector("#gespeichert")
        page.wait_for_load_state("load")
        assert page.inner_text("#gespeichert") == "Status „abgeschlossen“ gesetzt."
        assert page.inner_text("#status-jetzt") == \
            "abgeschlossen; in der Fallverwaltung abgeschlossen"
        assert page.locator("select[name=status]").input_value() == "abgeschlossen"
        history = page.inner_text("#verlauf")
        assert re.search(r"(Mo|Di|Mi|Do|Fr|Sa|So), \d\d\.\d\d\.\d{4}, \d\d:\d\d Uhr "
                         r"abgeschlossen: in der "
                         r"Fallverwaltung abgeschlossen \(kora\)", history), history
        note = page.inner_text("p.hint")
        assert note == (f"{cid} ist noch am {format_moment(at)} eingeplant "
                        f"(Plan {pid}); das Telefon zeigt den Besuch als entfallen, ein "
                        "schon gedruckter Laufzettel nicht: bitte neu planen: Plan "
                        f"{pid} öffnen und dort "
                        "„Neu planen“."), note
        assert page.get_attribute("p.hint a", "href") == f"/plaene/{pid}"
        width = page_width(page)
        assert width <= 390 and fits_screen(page), f"page is {width} px wide at 390 px"
        assert NAME_MARK not in page.content()
        assert rec.violations == [] and rec.page_errors == []
    assert _status(site, cid) == ("abgeschlossen", "in der Fallverwaltung abgeschlossen")
    new = site.store.audit_rows()[rows:]
    changed = [r for r in new if r["action"] == "status_geaendert"]
    assert len(changed) == 1, new
    assert (changed[0]["actor"], changed[0]["city"], changed[0]["client_id"]) == (
        "kora", CITY, cid)
    assert changed[0]["details"] == {"von": "offen", "nach": "abgeschlossen"}
    assert any(r["action"] == "fall_angezeigt" and r["client_id"] == cid for r in new)
    dumped = json.dumps(new, default=str, ensure_ascii=False)
    assert "Fallverwaltung" not in dumped and NAME_MARK not in dumped
    # the visit stays on the route until the plan is re-planned (as on the command line)
    with site.store.session() as s:
        assert s.get(CaseVisitRow, stop.visit_id).status == "geplant"


def test_the_case_page_says_when_a_cases_data_were_erased(site: Site,  # noqa: F811
                                                           kora: httpx.Client) -> None:
    """A case erased by ``hausbesuch purge`` (one the plan does not visit): its page says
    so and how to work on it again; reopened, that its data come with the next list."""
    from hausbesuch.casework import Casework
    from hausbesuch.store import ClientRow

    planned = {s.client_id for r in _current_plan(site).routes for s in r.stops}
    with site.store.session() as s:
        free = sorted(cid for (cid,) in s.execute(
            ClientRow.__table__.select().with_only_columns(ClientRow.client_id)
            .where(ClientRow.city == CITY)) if cid not in planned and re.fullmatch(r"W\d{3}", cid))
    assert free, "the week leaves no case unplanned"
    cid = free[0]
    cw = Casework(site.store, site.app.state.web.profile(CITY), actor="test")
    cw.set_status(cid, "abgeschlossen", "Test")
    assert cw.purge([cid]).to_erase == [cid]
    page = _text(kora.get(f"/faelle/{cid}"))
    assert "Name, Anschrift und Notizen dieses Falls wurden am" in page, page
    assert "Um ihn wieder zu bearbeiten: Status „offen“ setzen" in page
    assert "(Löschung durch die Administration)" in page  # QA 45c F6
    assert "hausbesuch purge" not in page
    # an erased case takes no new reason (QA 18 N3): refused on the page, nothing changed
    page = kora.get(f"/faelle/{cid}").text
    csrf = csrf_of(page)
    r = kora.post(f"/faelle/{cid}", data={"csrf_token": csrf, "status": "offen",
                                         "grund": "Frau Blümlein rief an"})
    assert r.status_code == 400, r.status_code
    assert "ein neuer Grund wird nicht gespeichert; den Status ohne Grund setzen." in _text(r)
    assert _status(site, cid) == ("abgeschlossen", None)  # (the reason erased)
    r = kora.post(f"/faelle/{cid}", data={"csrf_token": csrf, "status": "offen",
                                         "stand": stand_of(page)})
    assert r.status_code == 303
    page = _text(kora.get(f"/faelle/{cid}"))
    assert "Geplant wird der Fall erst, wenn die Kundenliste ihn wieder enthält." in page


def test_the_address_page_of_an_erased_case_offers_no_correction(site: Site,  # noqa: F811
                                                                  kora: httpx.Client) -> None:
    """QA 42b F3: the address page of an erased case looked its placeholder „(gelöscht)“ up
    („Straße „gelöscht“ nicht gefunden“) and offered a form that saving then refused. Now it
    says that the data are erased, with no form. QA 42b F11: a note given to the outcome
    correction of such a case is refused in words that fit the web too."""
    from hausbesuch.casework import Casework
    from hausbesuch.store import ClientRow

    planned = {s.client_id for r in _current_plan(site).routes for s in r.stops}
    with site.store.session() as s:
        free = sorted(cid for (cid,) in s.execute(
            ClientRow.__table__.select().with_only_columns(ClientRow.client_id)
            .where(ClientRow.city == CITY)) if cid not in planned and re.fullmatch(r"W\d{3}", cid))
    cid = free[-1]
    cw = Casework(site.store, site.app.state.web.profile(CITY), actor="test")
    cw.set_status(cid, "abgeschlossen", "Test")
    assert cw.purge([cid]).to_erase == [cid]
    r = kora.get("/adressen", params={"kundennummer": cid})
    assert r.status_code == 200
    text = _text(r)
    assert "Daten gelöscht" in text and "keine Korrektur möglich" in text, text
    assert "nicht gefunden" not in text, text
    assert f'action="/adressen/{cid}' not in r.text and 'name="adresse"' not in r.text
