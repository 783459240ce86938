"""What coordinators read in the browser: German messages in the words of the page, never
a command-line option, a server path or an internal code (found in exploratory testing).

Over real HTTP against the planned Bad Hersfeld week of :mod:`tests.test_web` (its
``site`` fixture; a site of this module's own). Tests that change data (a stored fix, an
outcome) come last in the file.
"""

from __future__ import annotations

import csv
import html
import io
import re
import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from tests.test_web import CITY, site  # noqa: F401 - the fixture, used by name
from tests.web_fixtures import (
    CITY_PROFILE,
    START_ISO,
    WEEK,
    Site,
    csrf_of,
    logged_in,
    sqlite_only,
    stand_of,
)

#: never in a coordinator's page: option names of the command line, the server's paths
FORBIDDEN = ("--set-", "--suggestion", "--start", "--days", "--role", "--teams", "/tmp/",
             "hausbesuch-upload-", "(se)", "„hausbesuch ")


@pytest.fixture
def kora(site: Site) -> Iterator[httpx.Client]:  # noqa: F811
    with logged_in(site.url, "kora") as c:
        yield c


def _clean(text: str) -> None:
    for bad in FORBIDDEN:
        assert bad not in text, bad


def _row(html: str, client_id: str) -> str:
    """The table row of a client on the address page."""
    m = re.search(rf'<tr id="adresse-{re.escape(client_id)}"[^>]*>(.*?)</tr>', html, re.S)
    assert m, f"no row for {client_id}"
    return m.group(1)


def _client_rows(site: Site) -> dict[str, dict[str, str]]:  # noqa: F811
    with open(site.clients_csv, encoding="utf-8-sig", newline="") as fh:
        return {r["Kundennummer"]: r for r in csv.DictReader(fh, delimiter=";")}


def _address_of(row: dict[str, str]) -> str:
    return f"{row['Straße']} {row['Hausnummer']}, {row['PLZ']} {row['Ort']}"


# --------------------------------------------------------------------------- address fixes


@sqlite_only()
def test_address_not_found_is_shown_at_its_form_with_the_input_kept(
        site: Site, kora: httpx.Client) -> None:  # noqa: F811
    page = kora.get("/adressen")
    assert page.status_code == 200 and 'id="adresse-W010"' in page.text
    r = kora.post("/adressen/W010", data={"csrf_token": csrf_of(page.text), "stadt": CITY,
                                          "adresse": "Gibtsnichtstraße 5"})
    assert r.status_code == 400
    assert "Adressen prüfen" in r.text and "Zur Planübersicht" not in r.text
    row = _row(r.text, "W010")
    # (the summary at the top is the one live region: QA 45a F4)
    assert 'class="error">Adresse „Gibtsnichtstraße 5“ wurde nicht gefunden' in row
    assert 'value="Gibtsnichtstraße 5"' in row  # typed input kept
    _clean(r.text)


@sqlite_only()
def test_point_outside_is_shown_at_its_form_with_the_input_kept(
        site: Site, kora: httpx.Client) -> None:  # noqa: F811
    page = kora.get("/adressen")
    csrf = csrf_of(page.text)
    # latitude and longitude swapped
    r = kora.post("/adressen/W010", data={"csrf_token": csrf, "stadt": CITY,
                                          "breite": "9.7069", "laenge": "50.868"})
    assert r.status_code == 400
    row = _row(r.text, "W010")
    assert "Punkt (Breite 9.7069, Länge 50.868) liegt außerhalb des Kartenausschnitts " \
           "von Bad Hersfeld; Breite und Länge vertauscht?" in row
    assert 'value="9.7069"' in row and 'value="50.868"' in row
    _clean(r.text)
    # typed with decimal commas (Berlin): echoed as typed, not as "52.52000" (QA 26 web F8)
    r = kora.post("/adressen/W010", data={"csrf_token": csrf, "stadt": CITY,
                                          "breite": " 52,52", "laenge": "13,405 "})
    assert r.status_code == 400
    assert "Punkt (Breite 52,52, Länge 13,405) liegt außerhalb" in _row(r.text, "W010")
    _clean(r.text)
    for data, says in (({"breite": "abc", "laenge": "9.7"}, "Breite und Länge als Zahlen"),
                       ({"breite": "nan", "laenge": "9.7"}, "Breite und Länge als Zahlen"),
                       ({"breite": "123,5", "laenge": "9,7"},
                        "Breite 123,5 und Länge 9,7 sind keine Koordinaten"),
                       ({"vorschlag": "99"}, "Vorschl")):
        r = kora.post("/adressen/W010", data={"csrf_token": csrf, "stadt": CITY, **data})
        assert r.status_code == 400 and says in _row(r.text, "W010"), (data, r.text[-600:])
        _clean(r.text)
    # a client not on the page: the message stands above the table
    r = kora.post("/adressen/NIEMAND", data={"csrf_token": csrf, "stadt": CITY,
                                             "adresse": "Am Markt 1"})
    assert r.status_code == 400 and "NIEMAND" in r.text and "nicht bekannt" in r.text
    _clean(r.text)


@sqlite_only()
def test_cli_keeps_naming_its_options(site: Site) -> None:  # noqa: F811
    from typer.testing import CliRunner

    from hausbesuch.cli import app as cli

    runner = CliRunner(env={"HAUSBESUCH_USER": "tester"})
    common = ["--city", CITY_PROFILE, "--db", site.db_cli]
    r = runner.invoke(cli, ["address", "W010", "--set-address", "Gibtsnichtstraße 5", *common])
    assert r.exit_code == 2
    assert "--set-address: „Gibtsnichtstraße 5“ wurde nicht gefunden" in r.output, r.output
    r = runner.invoke(cli, ["address", "W010", "--set-point", "9.7069,50.868", *common])
    assert r.exit_code == 2
    assert "--set-point: 9.70690,50.86800 liegt außerhalb des Kartenausschnitts von Bad " \
           "Hersfeld (Reihenfolge: BREITE,LÄNGE" in r.output, r.output
    r = runner.invoke(cli, ["address", "W010", "--suggestion", "99", *common])
    assert r.exit_code == 2 and r.output.startswith("Fehler: --suggestion: "), r.output


# a status with its reason stored and shown on both:
# test_web_case.py::test_a_coordinator_closes_a_case_on_the_phone
@sqlite_only()
def test_address_page_shows_german_qualities_only(site: Site, kora: httpx.Client  # noqa: F811
                                                  ) -> None:
    from hausbesuch.casework import Casework

    profile = site.app.state.web.profile(CITY)
    Casework(site.store, profile, actor="test").set_status(
        "W001", "in_klaerung", "verzogen am 01.12.2026")
    page = kora.get("/adressen")
    assert page.status_code == 200
    row = _row(page.text, "W001")
    assert "exakt · in Klärung: verzogen am 01.12.2026" in row
    for code in ("exact", "interpolated", "unresolved", "street"):
        assert f"<td>{code}" not in page.text and f"{code}:" not in page.text
    assert "nicht gefunden" in _row(page.text, "W010")


# --------------------------------------------------------------------------- planning jobs


def _finished_job_page(kora: httpx.Client, job_url: str) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        page = kora.get(job_url)
        assert page.status_code == 200
        if 'data-status="fehlgeschlagen"' in page.text or 'data-status="fertig"' in page.text:
            return page.text
        time.sleep(0.3)
    raise AssertionError("job did not finish")


@sqlite_only()
def test_a_span_the_planner_refuses_is_named_on_the_form(site: Site, kora: httpx.Client  # noqa: F811
                                                         ) -> None:
    """The form „Neue Planung“ refuses a span in its own words, on the page, with the values
    kept; no job is started."""
    from hausbesuch.web import jobs

    csrf = csrf_of(kora.get("/plaene").text)
    before = [j.id for j in jobs.recent(site.store, CITY)]
    saturday = (WEEK + timedelta(days=5)).isoformat()  # of the fixture's week
    for start, days, says in (
            (saturday, "2", "Bitte „Erster Tag“ oder „Tage“ ändern."),
            ("2300-01-01", "1", "Erster Tag: Mo, 01.01.2300 liegt nicht zwischen"),
            ("31.02.2027", "5", "Erster Tag: kein gültiges Datum: „31.02.2027“ "
             "(erwartet z. B. 07.12.2026)."),
            (WEEK.isoformat(), "32", "Tage: zwischen 1 und 31, erhalten 32."),
            (WEEK.isoformat(), "fünf", "Tage: „fünf“ ist keine ganze Zahl.")):
        r = kora.post("/plaene/neu", data={"csrf_token": csrf, "stadt": CITY,
                                           "start": start, "tage": days})
        assert r.status_code == 400, r.text
        alert = r.text.split('<p class="error" role="alert">', 1)[1].split("</p>", 1)[0]
        assert says in html.unescape(alert), alert
        assert f'name="start" value="{html.escape(start)}"' in r.text
        assert f'name="tage" value="{html.escape(days)}"' in r.text
        assert "<h2>Gespeicherte Pläne</h2>" in r.text
        _clean(r.text)
    assert [j.id for j in jobs.recent(site.store, CITY)] == before


@sqlite_only()
def test_job_page_shows_a_german_date(site: Site, kora: httpx.Client) -> None:  # noqa: F811
    from hausbesuch.web import jobs

    job = next(j for j in jobs.recent(site.store, CITY) if j.plan_id == site.plan_id)
    page = kora.get(f"/auftraege/{job.id}")
    assert page.status_code == 200
    assert WEEK.weekday() == 0
    assert f"Zeitraum ab Mo, {WEEK:%d.%m.%Y}, 5 Tage." in page.text
    assert START_ISO not in page.text


# --------------------------------------------------------------------------- uploads


def _xlsx(sheets: dict[str, list[list[str]]]) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# importing on both: test_casework_store.py (imports), test_web.py::test_whole_flow_in_chromium
@sqlite_only()
def test_import_names_the_uploaded_file_and_splits_field_and_reason(
        site: Site, kora: httpx.Client) -> None:  # noqa: F811
    from tests.web_fixtures import HEADER

    first = _client_rows(site)["W000"]
    no_id = ["", "Geheimname Ohne", first["Straße"], first["Hausnummer"], first["PLZ"],
             first["Ort"], "", "", "", "", "30", ""]
    bad_window = ["Z001", "Geheimname Fenster", first["Straße"], first["Hausnummer"],
                  first["PLZ"], first["Ort"], "", "", "montags irgendwann", "", "30", ""]
    data = _xlsx({"Hinweise": [["Bitte nicht ändern"]],
                  "Kunden": [HEADER, no_id, bad_window]})
    csrf = csrf_of(kora.get("/kunden/import").text)
    r = kora.post("/kunden/import", data={"csrf_token": csrf, "stadt": CITY}, files={
        "datei": ("Kundenliste März.xlsx", data,
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")})
    assert r.status_code == 200, r.text[-800:]
    assert ('<p class="hint" role="note">Kundenliste März.xlsx: Arbeitsblatt „Kunden“ '
            "gelesen; nicht gelesen: „Hinweise“.</p>") in r.text
    assert 'class="error"' not in r.text
    cells = re.findall(r"<tr[^>]*><td[^>]*>(\d+)</td><td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td>"
                       r"<td[^>]*>([^<]*)</td><td[^>]*>([^<]*)</td></tr>", r.text)
    assert len(cells) == 2, r.text
    by_row = {int(row): (cid, feld, grund) for row, cid, feld, grund, _ in cells}
    # „In der Datenbank“, as on Kundenliste: neither row's case is stored
    assert [stored for *_, stored in cells] == ["nein", "nein"], cells
    assert by_row[2][1] == "Kundennummer" and by_row[2][2]
    assert by_row[3][0] == "Z001" and by_row[3][1] == "Zeitfenster" and by_row[3][2]
    for _cid, feld, grund in by_row.values():
        assert not grund.startswith(f"{feld}:"), grund
    _clean(r.text)


@sqlite_only()
def test_upload_errors_name_the_uploaded_file(site: Site, kora: httpx.Client  # noqa: F811
                                              ) -> None:
    csrf = csrf_of(kora.get("/teams").text)
    for path, name, body, says in (
            ("/kunden/import", "meine liste.csv", b"  \n", "Die Datei meine liste.csv ist leer."),
            ("/kunden/import", "kaputt.xlsx", b"keine Tabelle",
             "Die Datei kaputt.xlsx ist keine gültige .xlsx-Datei"),
            ("/kunden/import", "liste.pdf", b"%PDF", "Bitte eine CSV- oder XLSX-Datei"),
            ("/teams/hochladen", "meine-teams.csv", b"", "Die Datei meine-teams.csv ist leer."),
            ("/teams/hochladen", "meine-teams.xlsx", b"keine Tabelle",
             "Die Datei meine-teams.xlsx ist keine gültige .xlsx-Datei"),
            ("/teams/hochladen", "meine-teams.csv", b"id;schicht\nwest;16:00-8:00\n",
             "Ungültige Teams in meine-teams.csv")):
        r = kora.post(path, data={"csrf_token": csrf, "stadt": CITY},
                      files={"datei": (name, body, "text/csv")})
        assert r.status_code == 400 and says in r.text, (path, name, r.text[-800:])
        assert "Zur Planübersicht" not in r.text  # on the page of the form
        _clean(r.text)
        assert "in teams.csv" not in r.text and "Datei teams.csv" not in r.text


@sqlite_only()
def test_no_command_line_text_on_any_coordinator_page(site: Site, kora: httpx.Client  # noqa: F811
                                                      ) -> None:
    p = site.plan_id
    for path in ("/plaene", f"/plaene/{p}", f"/plaene/{p}/links", f"/plaene/{p}/ergebnisse",
                 "/adressen", "/teams", "/kunden/import"):
        r = kora.get(path)
        assert r.status_code == 200, path
        _clean(r.text)
    with httpx.Client(base_url=site.url, timeout=60) as anon:
        _clean(anon.get("/anmelden").text)


@sqlite_only()
def test_a_confirmation_in_a_link_is_shown_only_for_a_case_of_the_page(
        site: Site, kora: httpx.Client) -> None:  # noqa: F811
    """The confirmations after a redirect come from the query (?verschoben=K-1): any other
    text there would show as the app's own message ("… Link abgelaufen! Bitte bei
    https://… melden … gespeichert.")."""
    from urllib.parse import quote

    from tests.test_web import _current_plan, _make_link

    bait = "Link abgelaufen! Neuen Link bei https://evil.example holen"
    plan = _current_plan(site)
    cid = next(s.client_id for r in plan.routes for s in r.stops)
    for key, words in (("verschoben", "ist festgelegt"), ("aufgehoben", "aufgehoben;")):
        page = kora.get(f"/plaene/{plan.id}?{key}={quote(bait)}").text
        assert "evil.example" not in page and words not in page
        page = kora.get(f"/plaene/{plan.id}?{key}={quote(cid)}").text
        assert words in page
    page = kora.get(f"/adressen?gespeichert={quote(bait)}&art=punkt").text
    assert "evil.example" not in page and "gespeichert." not in page
    token, _ = _make_link(site)
    with httpx.Client(base_url=site.url, timeout=60) as phone:
        page = phone.get(f"/w/{token}/?gespeichert={quote(bait)}").text
        assert "evil.example" not in page and "Ergebnis für" not in page


# --------------------------------------------------------------------------- changes data


def test_saved_fix_says_what_was_stored(site: Site, kora: httpx.Client) -> None:  # noqa: F811
    page = kora.get("/adressen")
    csrf = csrf_of(page.text)
    real = _address_of(_client_rows(site)["W000"])
    r = kora.post("/adressen/W010", data={"csrf_token": csrf, "stadt": CITY, "adresse": real,
                                          "stand": stand_of(page.text, "W010")})
    assert r.status_code == 303, r.text[-800:]
    shown = kora.get(r.headers["location"]).text
    # the confirmation names what was stored
    assert f"Adresse „{real}“ für W010 gespeichert." in html.unescape(shown), shown[-2000:]
    assert "Punkt " not in shown
    assert 'id="adresse-W010"' not in shown  # fixed: no longer listed
    row = re.search(r'<tr id="adresse-([^"]+)"[^>]*>', shown)
    assert row, "another address to fix"
    other = row.group(1)
    r = kora.post(f"/adressen/{other}", data={"csrf_token": csrf, "stadt": CITY,
                                              "stand": stand_of(shown, other),
                                              "breite": "50,8675", "laenge": "9,7071"})
    assert r.status_code == 303, r.text[-800:]
    shown = kora.get(r.headers["location"]).text
    # in German numbers, as the address map's line says the point set (QA 33c L7)
    assert f"Punkt (Breite 50,867500, Länge 9,707100) für {other} gespeichert." in shown
    _clean(shown)


def _last_address_view(site: Site) -> list[str]:  # noqa: F811
    rows = [r for r in site.store.audit_rows() if r["action"] == "adressen_angezeigt"]
    return rows[-1]["details"]["kundennummern"]


def test_a_saved_fix_is_confirmed_once_to_the_session_that_saved_it(
        site: Site, kora: httpx.Client) -> None:  # noqa: F811
    """``/adressen?gespeichert=<case id>`` showed any case's stored fix (the address or the
    exact point), and the audit row did not name that case (QA 16 b, 2a). The redirect
    after saving carries a one-time key of the session; the view names the case."""
    cid, real = "W010", _address_of(_client_rows(site)["W000"])  # as the test before
    page = kora.get("/adressen", params={"kundennummer": cid, "stadt": CITY}).text
    r = kora.post(f"/adressen/{cid}", data={"csrf_token": csrf_of(page), "stadt": CITY,
                                            "stand": stand_of(page, cid), "adresse": real})
    assert r.status_code == 303, r.text[-800:]
    where = r.headers["location"]
    assert cid not in where
    said = f"Adresse „{real}“ für {cid} gespeichert."
    # another session (the same account, another browser) with the key: nothing
    with logged_in(site.url, "kora") as other:
        assert "gespeichert." not in other.get(where).text
    shown = html.unescape(kora.get(where).text)
    assert said in shown
    assert cid in _last_address_view(site)  # the view of the fix names the case
    assert "gespeichert." not in kora.get(where).text  # once
    # a case id in the link shows no fix, of this case or any other
    for probe in (cid, "W010", "W000"):
        page = html.unescape(kora.get(f"/adressen?gespeichert={probe}&art=adresse").text)
        assert "gespeichert." not in page and real not in page, probe
        assert probe not in _last_address_view(site) or f'id="adresse-{probe}"' in page


@sqlite_only()  # storing an outcome on both: test_web.py::test_outcome_is_recorded_once_per_key
def test_outcome_count_in_singular_and_plural(site: Site, kora: httpx.Client,  # noqa: F811
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from hausbesuch import clock
    from hausbesuch.casework import Casework
    from hausbesuch.casework.stops import mark_gone
    from hausbesuch.web import casework_api

    plan = site.store.load_plan(p := site.plan_id)
    stops = [(s.client_id, r.day) for r in plan.routes for s in r.stops]
    # a stop whose case an earlier test closed or put in Klärung is off, counted apart
    marked = mark_gone(site.store, plan)
    total = sum(len(r.to_visit) for r in marked.routes)
    off = len(stops) - total
    rest = ("" if not off else " (1 weiterer entfällt)" if off == 1
            else f" ({off} weitere entfallen)") + "."
    profile = site.app.state.web.profile(CITY)
    shown = kora.get(f"/plaene/{p}/ergebnisse").text
    assert f"0 Ergebnisse zu {total} geplanten Besuchen{rest}" in shown
    monkeypatch.setenv(clock.ENV, max(day for _, day in stops).isoformat())  # after the week
    # two stops of cases still open (a test before set one of the plan's cases in_klaerung;
    # which stops come first, the plan decides)
    open_ = {c.client.id for c in Casework(site.store, profile, actor="test").states()
             if c.status == "offen"}
    for k, (cid, day) in enumerate([x for x in stops if x[0] in open_][:2], start=1):
        casework_api.record_outcome(site.store, profile, "test", cid, day, "angetroffen",
                                    time_min=None, appointment=None, note=None,
                                    idempotency_key=f"messages-{k}")
        shown = kora.get(f"/plaene/{p}/ergebnisse").text
        word = "Ergebnis" if k == 1 else "Ergebnisse"
        assert f"{k} {word} zu {total} geplanten Besuchen{rest}" in shown
        assert 'data-label="Quelle">Telefon</td>' in shown and ">web</td>" not in shown
        _clean(shown)



# the address list's audit row on both:
# test_web.py::test_every_coordinator_view_of_client_data_is_audited
@sqlite_only()
def test_the_address_page_lists_at_most_the_cap_and_says_how_many_more(
        site: Site, kora: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """QA 17c #3: a big city's 14,000 addresses to check made a page of 17 MB that did not
    load. The page lists at most ``pages.MAX_INDEX_ROWS`` (lowered here), says how many
    more there are, audits only the ids it shows, and keeps a refused fix's row."""
    from hausbesuch import pages

    full = kora.get("/adressen").text
    ids = re.findall(r'id="adresse-([^"]+)"', full)
    assert len(ids) >= 2, ids
    monkeypatch.setattr(pages, "MAX_INDEX_ROWS", 1)
    page = kora.get("/adressen").text
    assert re.findall(r'id="adresse-([^"]+)"', page) == ids[:1]
    assert f"… und {len(ids) - 1} weitere (insgesamt {len(ids)})" in page
    view = site.store.audit_rows(action="adressen_angezeigt")[-1]
    assert view["details"]["kundennummern"] == ids[:1], view
    # a refused fix of a row beyond the cap is shown at its form
    last = ids[-1]
    r = kora.post(f"/adressen/{last}", data={"csrf_token": csrf_of(page), "stadt": CITY,
                                             "adresse": "Gibtsnichtstraße 5"})
    assert r.status_code == 400
    assert re.findall(r'id="adresse-([^"]+)"', r.text) == [ids[0], last]
    assert 'class="error">Adresse „Gibtsnichtstraße 5“' in _row(r.text, last)
    monkeypatch.setattr(pages, "MAX_INDEX_ROWS", 1_000)
    assert "weitere (insgesamt" not in kora.get("/adressen").text
