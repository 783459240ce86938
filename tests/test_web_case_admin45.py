"""QA 45c F2 and F10 on *Fälle*: the admin gives the Auskunft of Art. 15 GDPR in the web
(the text ``hausbesuch disclose`` writes, as a download named by the case id, password
asked again after the fresh minutes, audited as the command audits it; a coordinator is
refused), and a coordinator sees the city's cases counted by status and lists the cases
of one status (ids, no names; one audit row per list shown). Over real HTTP against the
planned Bad Hersfeld week of :mod:`tests.test_web` (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.browser import fits_screen, page_width
from tests.test_link_window import _age_session
from tests.test_web import CITY, _current_plan, site  # noqa: F401 - the fixture, by name
from tests.web_fixtures import (
    CITY_PROFILE,
    NAME_MARK,
    PASSWORD,
    Site,
    csrf_of,
    logged_in,
    page_text,
    sqlite_only,
)

#: The heading of the disclosure's last section (how often the log records an access).
ACCESSES = "Zugriffe laut Protokoll (Ansichten und Änderungen)"
#: The audit label of a disclosure given.
GIVEN = "Auskunft über den Fall geschrieben (Art. 15 DSGVO)"


@pytest.fixture
def ada(site: Site) -> Iterator[httpx.Client]:  # noqa: F811
    """The admin."""
    with logged_in(site.url, "ada") as c:
        yield c


@pytest.fixture
def kora(site: Site) -> Iterator[httpx.Client]:  # noqa: F811
    """The coordinator of Bad Hersfeld."""
    with logged_in(site.url, "kora") as c:
        yield c


def _case(site: Site) -> str:  # noqa: F811
    """A planned case of the week whose id is plain (no payload)."""
    plan = _current_plan(site)
    return sorted(s.client_id for r in plan.routes for s in r.stops
                  if re.fullmatch(r"W\d{3}", s.client_id))[0]


def _ask(client: httpx.Client, client_id: str, password: str | None = None
         ) -> httpx.Response:
    page = client.get(f"/faelle/{client_id}", params={"stadt": CITY}).text
    extra = {} if password is None else {"passwort": password}
    return client.post("/fall-auskunft", data={"csrf_token": csrf_of(page), "stadt": CITY,
                                               "kundennummer": client_id, **extra})


def _parts(text: str) -> tuple[str, Counter]:
    """The disclosure up to its accesses (the moment of its „Stand“ left out: the two
    texts compared are written a moment apart), and the accesses counted by kind."""
    head, _, accesses = text.partition(f"\n{ACCESSES}\n")
    head = re.sub(r"; Stand \d\d\.\d\d\.\d{4} \d\d:\d\d\n", "; Stand …\n", head, count=1)
    counts = Counter({what: int(n) for n, what in re.findall(r"^(\d+) × (.+)$", accesses,
                                                              flags=re.M)})
    return head, counts


def test_the_admin_downloads_the_auskunft_disclose_writes_and_a_coordinator_cannot(
        site: Site, ada: httpx.Client, kora: httpx.Client,  # noqa: F811
        tmp_path: Path) -> None:
    from hausbesuch.auditlog import copies_of
    from hausbesuch.cli import app as cli

    client_id = _case(site)
    # the form is the admin's only
    assert 'id="auskunft-erstellen"' in ada.get(f"/faelle/{client_id}",
                                                params={"stadt": CITY}).text
    assert "auskunft" not in kora.get(f"/faelle/{client_id}").text.lower()
    given = len(site.store.audit_rows(action="auskunft_erteilt"))

    r = _ask(ada, client_id)  # logged in just now: no password asked
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["content-disposition"].startswith(
        f'attachment; filename="auskunft-{client_id}.txt"')
    text = r.content.decode("utf-8")
    assert text.startswith("Auskunft über gespeicherte Daten (Art. 15 DSGVO, § 83 SGB X)\n"
                           f"Fall {client_id}, {CITY}; Stand ")
    assert "Name: " in text and NAME_MARK in text  # the client's own data, her name too
    rows = site.store.audit_rows(action="auskunft_erteilt")
    assert len(rows) == given + 1
    row = rows[-1]
    assert (row["actor"], row["city"], row["client_id"], row["details"]) == (
        "ada", CITY, client_id, {"ausgabe": "web"})
    assert NAME_MARK not in json.dumps(row, default=str, ensure_ascii=False)
    # purge names the copy given out (no path on the server: the browser saved it)
    assert f"Auskunft für {client_id} im Browser heruntergeladen" in [
        c.what for c in copies_of(site.store, CITY, [client_id], [])]

    # the same text as the command writes for the case, a moment later: it counts the
    # web's disclosure among the accesses, nothing else differs
    out = tmp_path / "auskunft.txt"
    res = CliRunner().invoke(cli, ["disclose", client_id, "--out", str(out), "--city",
                                   CITY_PROFILE, "--db", site.db_cli],
                             env={"HAUSBESUCH_USER": "ada"})
    assert res.exit_code == 0, res.output
    web_head, web_seen = _parts(text)
    cli_head, cli_seen = _parts(out.read_text(encoding="utf-8"))
    assert web_head == cli_head
    assert cli_seen - web_seen == Counter({GIVEN: 1}) and not web_seen - cli_seen

    # a coordinator: refused and audited, nothing given
    refused = len(site.store.audit_rows(action="zugriff_verweigert"))
    r = _ask(kora, client_id)
    assert r.status_code == 403 and NAME_MARK not in r.text
    assert "Eine Auskunft erstellen nur Administratoren." in page_text(r.text)
    assert len(site.store.audit_rows(action="auskunft_erteilt")) == given + 2  # the CLI's
    (why,) = site.store.audit_rows(action="zugriff_verweigert")[refused:]
    assert why["actor"] == "kora" and why["details"]["grund"] == "nur für Administratoren"


# the password check writes nothing of the case (a refused password is audited as a
# failed login, on both stores in tests/test_fresh_auth.py); the download's audit row on
# both: the test above
@sqlite_only()
def test_the_auskunft_asks_the_password_again_after_the_fresh_minutes(
        site: Site, ada: httpx.Client) -> None:  # noqa: F811
    client_id = _case(site)
    _age_session(site, ada, 11)
    page = ada.get(f"/faelle/{client_id}", params={"stadt": CITY}).text
    form = page[page.index('id="auskunft-erstellen"'):]
    assert 'name="passwort"' in form[:form.index("</form>")]
    given = len(site.store.audit_rows(action="auskunft_erteilt"))
    failed = len(site.store.audit_rows(action="anmeldung_fehlgeschlagen"))

    r = _ask(ada, client_id)
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/html")
    assert ("Die Anmeldung ist länger als 10 Minuten her: bitte zum Erstellen der Auskunft "
            "das Passwort eingeben.") in page_text(r.text)
    r = _ask(ada, client_id, "falsch-falsch-falsch")
    assert r.status_code == 400
    assert "Das Passwort stimmt nicht. Es wurde keine Auskunft erstellt." in page_text(r.text)
    assert 'aria-describedby="auskunft-fehler"' in r.text
    assert len(site.store.audit_rows(action="anmeldung_fehlgeschlagen")) == failed + 1
    assert len(site.store.audit_rows(action="auskunft_erteilt")) == given

    r = _ask(ada, client_id, PASSWORD)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert len(site.store.audit_rows(action="auskunft_erteilt")) == given + 1
    assert _ask(ada, client_id).status_code == 200  # fresh again: not asked now


def test_a_coordinator_lists_the_cases_of_a_status_one_audit_row_per_list(
        site: Site, kora: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    from hausbesuch import auditlog
    from hausbesuch.store import ClientRow
    from hausbesuch.web import casework_api

    with site.store.session() as s:
        stored = {st: sum(1 for r in s.query(ClientRow).filter_by(city=CITY)
                          if r.status == st) for st in ("offen", "erreicht", "in_klaerung",
                                                        "abgeschlossen")}
    client_id = _case(site)
    page = kora.get("/faelle").text
    csrf = csrf_of(page)
    form = re.search(r'name="stand" value="([^"]*)"', kora.get(f"/faelle/{client_id}").text)
    r = kora.post(f"/faelle/{client_id}", data={
        "csrf_token": csrf, "status": "erreicht", "grund": "telefonisch erreicht",
        "stand": form.group(1)})
    assert r.status_code == 303, r.text
    stored["offen"] -= 1
    stored["erreicht"] += 1

    listed = len(site.store.audit_rows(action="faelle_aufgelistet"))
    text = page_text(kora.get("/faelle").text)
    assert f"erreicht (Kontakt hergestellt): {stored['erreicht']}" in text
    assert f"offen (zu besuchen): {stored['offen']}" in text
    # the counts alone show no case: nothing audited
    assert len(site.store.audit_rows(action="faelle_aufgelistet")) == listed

    r = kora.get("/faelle", params={"status": "erreicht"})
    assert r.status_code == 200
    text = page_text(r.text)
    assert client_id in text and "telefonisch erreicht" in text
    assert f'href="/faelle/{client_id}?stadt=Bad%20Hersfeld"' in r.text
    assert not any(name in r.text for name in site.names) and NAME_MARK not in r.text
    rows = site.store.audit_rows(action="faelle_aufgelistet")
    assert len(rows) == listed + 1
    assert (rows[-1]["actor"], rows[-1]["city"], rows[-1]["details"]["fallstatus"]) == (
        "kora", CITY, "erreicht")
    assert client_id in rows[-1]["details"][auditlog.SHOWN]
    # the Protokoll's filter by Kundennummer finds the list that showed the case
    assert any(x["action"] == "faelle_aufgelistet"
               for x in auditlog.rows_concerning(site.store, client_id, city=CITY))

    # a long list is paged; each page is one row naming its own ids
    monkeypatch.setattr(casework_api, "CASES_PER_PAGE", 5)
    pages = -(-stored["offen"] // 5)
    assert pages > 1
    seen: list[str] = []
    for number in range(1, pages + 1):
        r = kora.get("/faelle", params={"status": "offen", "seite": str(number)})
        text = page_text(r.text)
        assert f"Seite {number} von {pages}" in text
        ids = site.store.audit_rows(action="faelle_aufgelistet")[-1]["details"][auditlog.SHOWN]
        assert 0 < len(ids) <= 5 and all(i in text for i in ids)
        seen += ids
    assert len(seen) == len(set(seen)) == stored["offen"]
    assert client_id not in seen
    # an unknown status lists nothing (and audits nothing)
    listed = len(site.store.audit_rows(action="faelle_aufgelistet"))
    assert 'id="faelle-liste"' not in kora.get("/faelle", params={"status": "x"}).text
    assert len(site.store.audit_rows(action="faelle_aufgelistet")) == listed


@sqlite_only()
def test_another_citys_coordinator_sees_none_of_the_cases(site: Site) -> None:  # noqa: F811
    with logged_in(site.url, "lena") as lena:
        r = lena.get("/faelle", params={"status": "offen"})
        assert r.status_code == 200
        assert "offen (zu besuchen): 0" in page_text(r.text)
        assert not re.search(r"W\d{3}", r.text)
        assert lena.get("/faelle", params={"stadt": CITY, "status": "offen"}).status_code == 404


@pytest.mark.slow
@pytest.mark.browser
@sqlite_only()
def test_in_chromium_at_390_px_the_lists_fit_and_the_auskunft_is_a_download(
        site: Site) -> None:  # noqa: F811
    """In Chromium on a phone's screen: *Fälle* → a status count → its list (no sideways
    scrolling, each id links to its case); the admin's „Auskunft (Art. 15 DSGVO)
    erstellen“ on the case page gives the browser a download named by the id only,
    holding the disclosure; no page error, no request off the machine."""
    from tests.browser import phone_page, shared_browser
    from tests.web_fixtures import log_in_page

    with shared_browser() as browser:
        page, rec = phone_page(browser)
        log_in_page(page, site.url, "kora")
        page.click("header nav >> text=Fälle")
        page.wait_for_url("**/faelle")
        page.click("#status-zahlen >> text=offen (zu besuchen)")
        page.wait_for_selector("#faelle-liste")
        assert fits_screen(page), page_width(page)
        assert page.locator("#faelle-liste tbody tr").count() > 1
        assert page.locator("#auskunft-erstellen").count() == 0
        first = page.locator("#faelle-liste tbody tr a").first
        client_id = first.inner_text()
        first.click()
        page.wait_for_selector("#status-setzen")
        assert page.inner_text("h1") == f"Fall {client_id} · {CITY}"
        assert page.locator("#auskunft-erstellen").count() == 0  # the admin's only
        assert rec.violations == [] and rec.page_errors == []

        page, rec = phone_page(browser)
        log_in_page(page, site.url, "ada")
        page.goto(f"{site.url}/faelle/{client_id}?stadt=Bad%20Hersfeld")
        page.wait_for_selector("#auskunft-erstellen")
        assert fits_screen(page), page_width(page)
        with page.expect_download() as info:
            page.click("#auskunft-erstellen button[type=submit]")
        download = info.value
        assert download.suggested_filename == f"auskunft-{client_id}.txt"
        text = Path(download.path()).read_text(encoding="utf-8")
        assert text.startswith("Auskunft über gespeicherte Daten (Art. 15 DSGVO")
        assert f"Fall {client_id}, {CITY}" in text
        assert rec.violations == [] and rec.page_errors == []
