"""Fresh re-authentication before the sensitive coordinator actions (ASVS V3.7.1; QA 28
F6, closing 28 security leftovers).

*Link erzeugen* asked for the password when the session's login or last password
confirmation was older than 10 minutes (tests/test_link_window.py); *Hochladen und
einlesen* of a client list (it writes the city's cases) and *Status setzen* of a case (it
decides whether the case is planned and, closed, when its data are erased) did not. They
now ask the same way (one mechanism, ``pages_login.fresh_or_confirmed``): the form shows
the password field, a try without it is refused (403) and changes nothing, a wrong one is
counted and audited as a failed login, the right one goes on and counts as fresh for the
next 10 minutes. Revoking a link protects the clients and asks nothing.
Over real HTTP (uvicorn on loopback), real SQLite and the real Bad Hersfeld extract.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from hausbesuch import clock
from tests.browser import fits_screen, page_width
from tests.web_fixtures import PASSWORD, csrf_of, page_text, stand_of

CITY = "Bad Hersfeld"
HEADER = ["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort", "Kontaktabbruch seit"]
WRONG = "falsch-falsch-falsch"


def _write(path: Path, ids: list[str]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        for i, cid in enumerate(ids):
            w.writerow([cid, "Eva Klein", "Bahnhofstraße", str(1 + 2 * i), "36251", CITY,
                        "01.03.2025"])
    return path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory,
           bad_hersfeld_pbf: Path) -> Iterator[tuple[str, object, Path]]:
    """(URL, store, a client list of two cases) of an app over a new SQLite database with
    the account ``kora``; the list is imported once (``K-1001``, ``K-1002``)."""
    from hausbesuch.web import casework_api
    from tests.web_fixtures import bare_app, live_server

    tmp = tmp_path_factory.mktemp("fresh-auth")
    app = bare_app(tmp)
    store = app.state.web.store
    path = _write(tmp / "liste.csv", ["K-1001", "K-1002"])
    casework_api.import_clients(store, app.state.web.profile(CITY), str(path), "kora")
    with live_server(app) as live:
        yield live.url, store, path


@pytest.fixture
def kora(served) -> Iterator[httpx.Client]:  # noqa: ANN001
    from tests.web_fixtures import login

    with httpx.Client(base_url=served[0], follow_redirects=False, timeout=120) as c:
        assert login(c, "kora").status_code == 303
        yield c


def _age_session(store, cookies, minutes: int) -> None:  # noqa: ANN001
    """The session of ``cookies`` ((name, value) pairs: an httpx client's, a browser's)
    logged in ``minutes`` ago (and confirmed nothing since)."""
    from hausbesuch.web.models import SessionRow
    from hausbesuch.web.security import token_hash

    token = next(v for k, v in cookies if k.endswith("hb_session"))
    with store.session() as s:
        row = s.get(SessionRow, token_hash(token))
        row.created_at = clock.utc() - timedelta(minutes=minutes)
        row.fresh_auth_at = None


def _count(store, action: str) -> int:  # noqa: ANN001
    return len(store.audit_rows(action=action))


def _tries(store) -> int:  # noqa: ANN001
    from hausbesuch.web.models import LoginAttemptRow

    with store.session() as s:
        return s.query(LoginAttemptRow).count()


def _upload(client: httpx.Client, path: Path, password: str | None = None) -> httpx.Response:
    csrf = csrf_of(client.get("/kunden/import").text)
    extra = {} if password is None else {"passwort": password}
    with path.open("rb") as fh:
        return client.post("/kunden/import", data={"csrf_token": csrf, **extra},
                           files={"datei": (path.name, fh, "text/csv")})


def test_uploading_a_client_list_with_a_stale_login_asks_for_the_password(
        served, kora: httpx.Client) -> None:  # noqa: ANN001
    _url, store, path = served
    _age_session(store, kora.cookies.items(), 11)
    page = kora.get("/kunden/import").text
    assert 'name="passwort"' in page and 'autocomplete="current-password"' in page
    imports = _count(store, "import")
    # without the password: asked for it, the list is not read
    r = _upload(kora, path)
    assert r.status_code == 403, r.status_code
    text = page_text(r.text)
    assert ("Die Anmeldung ist länger als 10 Minuten her: bitte zum Einlesen der "
            "Kundenliste das Passwort eingeben.") in text, text
    assert re.search(r'name="passwort"[^>]*aria-invalid="true"', r.text), r.text
    assert "Ergebnis des Imports" not in text
    assert _count(store, "import") == imports
    # a wrong one: refused, counted and audited as a failed login, nothing read
    failed, tries = _count(store, "anmeldung_fehlgeschlagen"), _tries(store)
    r = _upload(kora, path, WRONG)
    assert r.status_code == 400, r.status_code
    assert "Das Passwort stimmt nicht. Die Liste wurde nicht eingelesen." in page_text(r.text)
    assert _count(store, "anmeldung_fehlgeschlagen") == failed + 1
    assert _tries(store) == tries + 1
    assert _count(store, "import") == imports
    # the right one: the list is read
    r = _upload(kora, path, PASSWORD)
    assert r.status_code == 200, r.text[-500:]
    assert "Ergebnis des Imports" in page_text(r.text)
    assert _count(store, "import") == imports + 1
    # confirmed just now: the form asks nothing, and the next upload goes through
    assert 'name="passwort"' not in kora.get("/kunden/import").text
    assert _upload(kora, path).status_code == 200
    assert _count(store, "import") == imports + 2


def test_a_fresh_login_uploads_without_the_password(served, kora: httpx.Client) -> None:  # noqa: ANN001
    _url, store, path = served
    _age_session(store, kora.cookies.items(), 9)
    assert 'name="passwort"' not in kora.get("/kunden/import").text
    assert _upload(kora, path).status_code == 200


def test_setting_a_case_status_with_a_stale_login_asks_for_the_password(
        served, kora: httpx.Client) -> None:  # noqa: ANN001
    from hausbesuch.store import ClientRow

    _url, store, _path = served
    url = f"/faelle/K-1002?stadt={quote(CITY, safe='')}"

    def status() -> str:
        with store.session() as s:
            return s.get(ClientRow, {"city": CITY, "client_id": "K-1002"}).status

    _age_session(store, kora.cookies.items(), 11)
    page = kora.get(url).text
    assert 'name="passwort"' in page
    form = {"csrf_token": csrf_of(page), "stadt": CITY, "status": "abgeschlossen",
            "grund": "in der Fachanwendung erledigt", "stand": stand_of(page)}
    changes = _count(store, "status_geaendert")
    before = status()
    r = kora.post("/faelle/K-1002", data=form)
    assert r.status_code == 403, r.status_code
    text = page_text(r.text)
    assert ("Die Anmeldung ist länger als 10 Minuten her: bitte zum Setzen des Status das "
            "Passwort eingeben.") in text, text
    # the form as chosen and typed, the password field marked
    assert '<option value="abgeschlossen" selected>' in r.text
    assert 'value="in der Fachanwendung erledigt"' in r.text
    assert re.search(r'name="passwort"[^>]*aria-invalid="true"', r.text), r.text
    assert status() == before and _count(store, "status_geaendert") == changes
    failed = _count(store, "anmeldung_fehlgeschlagen")
    r = kora.post("/faelle/K-1002", data={**form, "passwort": WRONG})
    assert r.status_code == 400
    assert "Das Passwort stimmt nicht. Der Status wurde nicht geändert." in page_text(r.text)
    assert _count(store, "anmeldung_fehlgeschlagen") == failed + 1
    assert status() == before and _count(store, "status_geaendert") == changes
    r = kora.post("/faelle/K-1002", data={**form, "passwort": PASSWORD})
    assert r.status_code == 303, r.text[-500:]
    assert status() == "abgeschlossen" and _count(store, "status_geaendert") == changes + 1
    # fresh now: the next change asks nothing
    page = kora.get(url).text
    assert 'name="passwort"' not in page
    r = kora.post("/faelle/K-1002", data={**form, "csrf_token": csrf_of(page),
                                          "status": "offen", "grund": "wieder offen",
                                          "stand": stand_of(page)})
    assert r.status_code == 303 and status() == "offen"


def test_a_password_sent_is_checked_even_when_the_login_is_fresh(
        served, kora: httpx.Client) -> None:  # noqa: ANN001
    """A wrong password with a fresh session is refused all the same: a guess must not
    pass because the session happens to be fresh (as for *Link erzeugen*)."""
    _url, store, path = served
    failed = _count(store, "anmeldung_fehlgeschlagen")
    r = _upload(kora, path, WRONG)
    assert r.status_code == 400
    assert _count(store, "anmeldung_fehlgeschlagen") == failed + 1


@pytest.mark.browser
def test_the_password_field_on_the_phone(served) -> None:  # noqa: ANN001
    """In Chromium at 390 px with a login older than 10 minutes: *Kundenliste* and a
    case's *Status setzen* show the labelled password field (no horizontal overflow); the
    list is read with the password typed, and the case form then asks nothing."""
    from tests.browser import phone_page, shared_browser
    from tests.shots import shoot
    from tests.web_fixtures import log_in_page

    url, store, path = served
    with shared_browser() as browser:
        page, _rec = phone_page(browser)
        log_in_page(page, url)
        _age_session(store, [(c["name"], c["value"]) for c in page.context.cookies()], 11)
        page.goto(url + "/kunden/import")
        field = page.get_by_label(re.compile("Passwort \\(zur Bestätigung"))
        assert field.is_visible()
        assert fits_screen(page), page_width(page)
        shoot(page, "secleft-upload-reauth.png", full_page=True)
        page.goto(url + f"/faelle/K-1001?stadt={quote(CITY, safe='')}")
        assert page.locator("#status-setzen input[name=passwort]").is_visible()
        assert fits_screen(page), page_width(page)
        shoot(page, "secleft-case-reauth.png", full_page=True)
        page.goto(url + "/kunden/import")
        page.set_input_files("input[name=datei]", str(path))
        page.fill("input[name=passwort]", PASSWORD)
        page.click("form[action='/kunden/import'] button[type=submit]")
        page.wait_for_selector("#bericht")
        page.goto(url + f"/faelle/K-1001?stadt={quote(CITY, safe='')}")
        assert page.locator("#status-setzen input[name=passwort]").count() == 0
