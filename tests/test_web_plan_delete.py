"""QA 45c F9: a plan version is deleted in the web as ``hausbesuch delete-plan`` deletes it
(:func:`hausbesuch.versions.delete_plan_version`): its page „Plan löschen“ shows first what
would go, or why the plan stays (the command's reasons in the web's words); the
confirmation needs the CSRF token and, after ``FRESH_AUTH_MINUTES``, the password; it is
audited as the command audits it (``plan_geloescht``, the web user as actor, no name) and
leads to the plan list, which says so. Another city's coordinator finds no such plan.

Through the app (TestClient, and Chromium for the buttons), on real SQLite, with a week of
the real Bad Hersfeld extract planned by a real plan job."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from hausbesuch import clock
from tests.web_fixtures import NAME_MARK, PASSWORD, csrf_of, login, page_text

pytestmark = pytest.mark.slow

CITY = "Bad Hersfeld"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def planned_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                bad_hersfeld_pbf: Path) -> tuple[object, Path]:
    """An app (no job runner; on SQLite, or PostgreSQL in a schema of its own) with the
    accounts ``kora`` (Bad Hersfeld) and ``kurt`` (Kassel), and a list of 12 clients that
    :func:`plan_id` plans for the week of :data:`tests.web_fixtures.WEEK`: the app and the
    list's path."""
    from geodata.geocode import load_index
    from hausbesuch.web.auth import add_user
    from tests.pg import schema_url, store_url
    from tests.web_fixtures import bare_app, write_web_client_list

    tmp = tmp_path_factory.mktemp("web-plan-delete")
    url, schema = store_url(request.param, tmp, "plandelete")
    app = bare_app(tmp, schema_url(url, schema, request) if schema else None,
                   plan_time_limit=2.0)
    add_user(app.state.web.store, "kurt", PASSWORD, role="koordination", city="Kassel")
    write_web_client_list(tmp / "liste.csv", load_index(bad_hersfeld_pbf), n=12)
    return app, tmp / "liste.csv"


@pytest.fixture
def plan_id(planned_app: tuple[object, Path]) -> str:
    """A new plan of the week (the one before deleted, if any: each test has its own)."""
    from sqlalchemy import delete

    from hausbesuch.store import CaseVisitRow
    from hausbesuch.web.models import WorkerLinkRow
    from tests.web_helpers import plan_week

    app, liste = planned_app
    store = app.state.web.store
    for p in store.list_plans(CITY):  # what a test before left: its cases open again
        with store.session() as s:
            s.execute(delete(CaseVisitRow).where(CaseVisitRow.plan_id == p.id))
            s.execute(delete(WorkerLinkRow).where(WorkerLinkRow.plan_id == p.id))
        store.delete_plan(p.id, actor="test")
    return plan_week(app, liste)


def _exists(store, plan_id: str) -> bool:  # noqa: ANN001
    return plan_id in {p.id for p in store.list_plans(CITY)}


@contextmanager
def _client(app, name: str = "kora") -> Iterator:  # noqa: ANN001
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        assert login(c, name).status_code == 303
        yield c


@pytest.fixture
def kora(planned_app: tuple[object, Path]) -> Iterator:
    with _client(planned_app[0]) as c:
        yield c


def _age_session(store, client, minutes: int) -> None:  # noqa: ANN001
    from hausbesuch.web.models import SessionRow
    from hausbesuch.web.security import token_hash

    token = next(v for k, v in client.cookies.items() if k.endswith("hb_session"))
    with store.session() as s:
        row = s.get(SessionRow, token_hash(token))
        row.created_at = clock.utc() - timedelta(minutes=minutes)
        row.fresh_auth_at = None


def _confirm(client, plan_id: str, **form: str):  # noqa: ANN001, ANN202
    page = client.get(f"/plaene/{plan_id}/loeschen")
    assert page.status_code == 200, page.text[-2000:]
    return client.post(f"/plaene/{plan_id}/loeschen",
                       data={"csrf_token": csrf_of(page.text), **form})


def _deleted_rows(store, plan_id: str) -> list[dict]:  # noqa: ANN001
    return [r for r in store.audit_rows(action="plan_geloescht") if r["plan_id"] == plan_id]


def _names_in(text: str) -> bool:
    return NAME_MARK in text


def test_a_plan_made_by_mistake_is_deleted_after_its_preview(planned_app, plan_id, kora
                                                               ) -> None:  # noqa: ANN001
    """The plan page offers „Plan löschen“; its page lists what would go (the visits, the
    open visits dropped with a first version none of whose visits began) and asks to
    confirm; the deletion is audited as the command's and the plan list says so."""
    app, _ = planned_app
    store = app.state.web.store
    plan = store.load_plan(plan_id)
    n = sum(len(r.stops) for r in plan.routes)
    assert n > 0
    assert f'href="/plaene/{plan_id}/loeschen"' in kora.get(f"/plaene/{plan_id}").text
    # a print sheet opened in the browser: a copy outside the database, named
    route = next(r for r in plan.routes if r.stops)
    assert kora.get(f"/plaene/{plan_id}/druck/{route.team_id}/{route.day.isoformat()}"
                    ).status_code == 200

    page = kora.get(f"/plaene/{plan_id}/loeschen")
    text = page_text(page.text)
    assert page.status_code == 200
    assert f"Plan {plan_id}: seine Routen mit {n} geplanten Besuchen, seine Karten und " \
        "Hinweise." in text, text
    assert (f"{n} offene Besuche entfallen mit ihm; die Fälle bleiben offen und kommen in "
            "den nächsten Plan.") in text, text
    assert "Ergebnisse und Briefe: keine betroffen." in text
    assert ("Kopien außerhalb der Datenbank laut Protokoll (1; das Löschen erreicht sie "
            "nicht:") in text, text
    assert (f"Laufzettel im Browser (gedruckt?) (Plan {plan_id}, {route.team_id} "
            f"{route.day.isoformat()}) am ") in text, text
    assert f"Ja, Plan {plan_id} löschen" in text and not _names_in(page.text)
    assert _exists(store, plan_id)  # the preview changes nothing
    assert _deleted_rows(store, plan_id) == []

    # the form without its CSRF token is refused, nothing deleted
    res = kora.post(f"/plaene/{plan_id}/loeschen", data={})
    assert res.status_code == 403, res.status_code
    assert _exists(store, plan_id)

    res = _confirm(kora, plan_id)
    assert res.status_code == 303, res.text[-2000:]
    assert res.headers["location"] == (f"/plaene?stadt=Bad%20Hersfeld&geloescht={plan_id}"
                                       "#plan-geloescht")
    assert not _exists(store, plan_id)
    (row,) = _deleted_rows(store, plan_id)
    assert row["actor"] == "kora" and row["city"] == CITY
    assert row["details"] == {"version": 1, "vorgaenger": None, "nachfolger": [],
                              "besuche": n, "tageslinks_verschoben": 0,
                              "abgesagte_besuche_ohne_plan": 0,
                              "offene_besuche_verworfen": n}, row
    listing = kora.get(res.headers["location"])
    assert re.search(r'<p class="ok" role="status" id="plan-geloescht" tabindex="-1" '
                     rf'autofocus>Plan {plan_id} \(Version 1\) gelöscht\. Seine offenen '
                     "Besuche sind entfallen", listing.text), listing.text[:3000]
    # the deleted plan's link and a second confirmation say when it went (QA 46 F8); to
    # another city's coordinator it is a plan that does not exist
    second = kora.post(f"/plaene/{plan_id}/loeschen",
                       data={"csrf_token": csrf_of(kora.get("/plaene").text)})
    for res in (kora.get(f"/plaene/{plan_id}"), second):
        assert res.status_code == 404
        assert re.search(rf"Plan {plan_id} wurde am \w\w, \d\d\.\d\d\.\d{{4}}, "
                         r"\d\d:\d\d Uhr gelöscht", page_text(res.text)), res.text[-1500:]
    with _client(app, "kurt") as kurt:
        other = page_text(kurt.get(f"/plaene/{plan_id}").text)
        assert "Diesen Plan gibt es nicht" in other and "gelöscht" not in other
    # the cases are open again: a new plan of the same week plans them
    from tests.web_helpers import plan_week

    again = plan_week(app, planned_app[1])
    assert sum(len(r.stops) for r in store.load_plan(again).routes) == n


def test_the_plan_list_believes_no_message_without_its_deletion(planned_app, plan_id, kora
                                                                ) -> None:  # noqa: ANN001
    for value in (plan_id, "20261201-000000-abcdef", "<b>x</b>"):
        page = kora.get("/plaene", params={"geloescht": value})
        assert page.status_code == 200 and 'id="plan-geloescht"' not in page.text, value


def test_without_fresh_authentication_the_password_is_asked_first(planned_app, plan_id, kora
                                                                  ) -> None:  # noqa: ANN001
    store = planned_app[0].state.web.store
    _age_session(store, kora, 11)
    page = kora.get(f"/plaene/{plan_id}/loeschen").text
    assert 'name="passwort"' in page
    res = _confirm(kora, plan_id)
    assert res.status_code == 403, res.status_code
    assert ("Die Anmeldung ist länger als 10 Minuten her: bitte zum Löschen des Plans das "
            "Passwort eingeben.") in page_text(res.text)
    assert 'name="passwort" autocomplete="current-password" required aria-invalid="true"' \
        in res.text
    assert _exists(store, plan_id) and _deleted_rows(store, plan_id) == []
    res = _confirm(kora, plan_id, passwort="falsch-falsch-falsch")
    assert res.status_code == 400 and "Der Plan wurde nicht gelöscht." in page_text(res.text)
    assert _exists(store, plan_id)
    res = _confirm(kora, plan_id, passwort=PASSWORD)
    assert res.status_code == 303, res.text[-2000:]
    assert not _exists(store, plan_id)


def test_another_citys_coordinator_finds_no_such_plan(planned_app, plan_id, kora
                                                      ) -> None:  # noqa: ANN001
    app, _ = planned_app
    store = app.state.web.store
    csrf = csrf_of(kora.get(f"/plaene/{plan_id}/loeschen").text)
    with _client(app, "kurt") as kurt:
        assert kurt.get(f"/plaene/{plan_id}/loeschen").status_code == 404
        # with kurt's own token (from a page of his), and with his password
        own = csrf_of(kurt.get("/plaene").text)
        res = kurt.post(f"/plaene/{plan_id}/loeschen",
                        data={"csrf_token": own, "passwort": PASSWORD})
        assert res.status_code == 404, res.status_code
        # kora's token is no use to kurt
        res = kurt.post(f"/plaene/{plan_id}/loeschen", data={"csrf_token": csrf})
        assert res.status_code in (403, 404), res.status_code
    assert _exists(store, plan_id) and _deleted_rows(store, plan_id) == []
    refused = [r for r in store.audit_rows(action="zugriff_verweigert") if r["actor"] == "kurt"]
    assert any(r["plan_id"] == plan_id and r["details"]["grund"] == "andere Stadt"
               for r in refused), refused


def test_a_plan_the_command_would_keep_is_refused_with_its_reason(planned_app, plan_id, kora
                                                                  ) -> None:  # noqa: ANN001
    """A day link made on the plan and still valid: the preview says why the plan stays, in
    the command's words with the web's way (no command line), and offers no confirmation;
    a link made after the preview was read makes the confirmation fail with that reason."""
    from tests.web_fixtures import lasting_link

    store = planned_app[0].state.web.store
    route = next(r for r in store.load_plan(plan_id).routes if r.stops)
    form = kora.get(f"/plaene/{plan_id}/loeschen").text  # the preview, before the link
    lasting_link(store, plan_id, route.team_id, route.day, actor="kora")

    page = kora.get(f"/plaene/{plan_id}/loeschen")
    text = page_text(page.text)
    assert page.status_code == 200
    assert (f"Plan {plan_id} (Version 1) wird nicht gelöscht: 1 Tageslink ist für ihn noch "
            "gültig. Erst widerrufen (auf der Seite des Plans unter „Tageslinks“) oder "
            "ablaufen lassen.") in text, text
    assert 'role="alert"' in page.text and "<title>Fehler: " in page.text
    assert "Ja, Plan" not in text and "hausbesuch " not in text.split("Abmelden", 1)[1]

    res = kora.post(f"/plaene/{plan_id}/loeschen", data={"csrf_token": csrf_of(form)})
    assert res.status_code == 409, res.status_code
    assert "1 Tageslink ist für ihn noch gültig." in page_text(res.text)
    assert _exists(store, plan_id) and _deleted_rows(store, plan_id) == []


def test_after_a_re_plan_the_valid_version_stays_and_the_replaced_one_goes(
        planned_app, plan_id, kora) -> None:  # noqa: ANN001
    """„Neu planen“ made version 2: it is the valid version of its open visits, refused in
    the command's reasons with the web's ways (no command line); version 1 goes, and
    version 2 then has no predecessor."""
    from tests.web_fixtures import run_jobs_now

    store = planned_app[0].state.web.store
    page = kora.get(f"/plaene/{plan_id}").text
    res = kora.post(f"/plaene/{plan_id}/neu-planen", data={"csrf_token": csrf_of(page)})
    assert res.status_code == 303, res.text[-2000:]
    (v2,) = run_jobs_now(store)
    text = page_text(kora.get(f"/plaene/{v2}/loeschen").text)
    assert re.search(rf"Plan {v2} \(Version 2\) wird nicht gelöscht: er ist die gültige "
                     r"Version für \d+ offene Besuche \(\d+ Team-Tage: Team ", text), text
    assert ("Erst die Ergebnisse erfassen (unter „Ergebnisse“ des Plans oder als "
            "„Ergebnisliste“) oder den Plan neu planen („Neu planen“ auf seiner Seite): die "
            "neue Version übernimmt die offenen Besuche, danach lässt sich diese löschen.") \
        in text, text
    assert "hausbesuch " not in text.split("Abmelden", 1)[1]

    text = page_text(kora.get(f"/plaene/{plan_id}/loeschen").text)
    assert f"er ist ersetzt durch Plan {v2}." in text and \
        f"Vorgänger von Plan {v2} ist danach keiner." in text, text
    res = _confirm(kora, plan_id)
    assert res.status_code == 303, res.text[-2000:]
    assert f"Plan {plan_id} (Version 1) gelöscht. Vorgänger von Plan {v2} ist nun keiner." \
        in page_text(kora.get(res.headers["location"]).text)
    assert not _exists(store, plan_id) and _exists(store, v2)
    assert store.plan_version(v2)[1] is None


def test_while_a_planning_job_runs_the_page_says_so_instead_of_waiting(
        planned_app, plan_id, kora) -> None:  # noqa: ANN001
    """A running job holds the city's planning lock for its whole computation, which the
    deletion (its dry run too) waits for: the page says so at once, nothing deleted."""
    from sqlalchemy import update

    from hausbesuch.web import jobs
    from hausbesuch.web.models import JobRow

    store = planned_app[0].state.web.store
    form = kora.get(f"/plaene/{plan_id}/loeschen").text
    job = jobs.submit(store, "plan", CITY, {"start": "2027-03-01", "days": 1}, "kora")
    with store.session() as s:
        s.execute(update(JobRow).where(JobRow.id == job).values(status=jobs.RUNNING))
    try:
        said = ("Für Bad Hersfeld läuft gerade ein Planungsauftrag (siehe "
                "„Planungsaufträge“ unter „Pläne“): erst wenn er fertig ist, lässt sich ein "
                "Plan löschen.")
        assert said in page_text(kora.get(f"/plaene/{plan_id}/loeschen").text)
        res = kora.post(f"/plaene/{plan_id}/loeschen", data={"csrf_token": csrf_of(form)})
        assert res.status_code == 409 and said in page_text(res.text)
        assert _exists(store, plan_id)
    finally:
        with store.session() as s:
            s.execute(update(JobRow).where(JobRow.id == job).values(status=jobs.FAILED))


def test_the_command_lines_reasons_in_the_webs_words() -> None:
    from hausbesuch.web.pages_plan_delete import deletion_words

    said = deletion_words(
        "Plan P (Version 2) wird nicht gelöscht: er ist die gültige Version für 3 offene "
        "Besuche (…). Erst die Ergebnisse erfassen (hausbesuch outcomes DATEI) oder den Plan "
        "neu planen (hausbesuch replan P --from …): die neue Version übernimmt die offenen "
        "Besuche, danach lässt sich diese löschen; 1 Besuch mit erfasstem Ergebnis (…) gehört "
        "zu dieser Version; …. Diese Version bleibt; personenbezogene Daten abgeschlossener "
        "Fälle löscht hausbesuch purge, auch in diesem Plan; 1 per Brief angekündigter Besuch "
        "wurde mit dieser Version abgesagt (…); den Korrekturbrief findet hausbesuch letters "
        "über sie. Diese Version bleibt.")
    assert "hausbesuch" not in said, said
    assert "(unter „Ergebnisse“ des Plans oder als „Ergebnisliste“)" in said
    assert "(„Neu planen“ auf seiner Seite)" in said
    assert "der Korrekturbrief („Korrekturbriefe“ unter „Ankündigungsschreiben“ auf der " \
        "Seite des Plans) braucht sie. Diese Version bleibt." in said


@pytest.mark.browser
def test_deleting_a_plan_in_a_browser(planned_app, plan_id) -> None:  # noqa: ANN001
    """In Chromium: the plan page's „Plan löschen …“, the preview, „Ja, Plan … löschen“
    past the app's CSP and origin checks, and the plan list with its focused message."""
    from tests.browser import fits_screen, shared_browser
    from tests.web_fixtures import live_server, log_in_page

    app, _ = planned_app
    store = app.state.web.store
    route = next(r for r in store.load_plan(plan_id).routes if r.stops)
    with live_server(app) as live, shared_browser() as browser:
        # at a phone's width (the preview's lines, the copies' long folder names wrap)
        page = browser.new_context(viewport={"width": 390, "height": 800}).new_page()
        log_in_page(page, live.url)
        page.goto(f"{live.url}/plaene/{plan_id}/druck/{route.team_id}/{route.day.isoformat()}")
        page.goto(f"{live.url}/plaene/{plan_id}")
        page.get_by_role("link", name=f"Plan {plan_id} löschen …").click()
        page.wait_for_url(f"**/plaene/{plan_id}/loeschen")
        assert "offene Besuche entfallen mit ihm" in page.locator("#loeschen-folgen").inner_text()
        assert page.locator("#loeschen-kopien li").count() == 1
        assert fits_screen(page)
        page.get_by_role("button", name=f"Ja, Plan {plan_id} löschen").click()
        page.wait_for_url("**/plaene?*")
        message = page.locator("#plan-geloescht")
        assert message.inner_text().startswith(f"Plan {plan_id} (Version 1) gelöscht.")
        assert page.evaluate("document.activeElement.id") == "plan-geloescht"
        assert page.get_by_role("link", name=plan_id).count() == 0
    assert not _exists(store, plan_id)
    (row,) = _deleted_rows(store, plan_id)
    assert row["actor"] == "kora"
