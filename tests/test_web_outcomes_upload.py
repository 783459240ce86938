"""The outcomes list of paper route sheets uploaded in the web (QA 45c F8): *Ergebnisliste*
and the form on a plan's *Ergebnisse* take the CSV/XLSX that ``hausbesuch outcomes`` reads,
record it by the command's rules (its audit, its once-only: the same file again records
nothing twice) and show every row recorded, already recorded or rejected with row, field
and reason; appointments agreed in it that wait for the plan's „Neu planen“; no name, and
nothing of the file kept on disk. A planned week of Bad Hersfeld on SQLite and PostgreSQL,
through the FastAPI test client (login, CSRF)."""

from __future__ import annotations

import csv
import html
import json
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from datetime import time as dtime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hausbesuch import clock
from tests.fake_clock import exercise_time_of_day
from tests.pg import drop_schema, store_url
from tests.web_fixtures import (
    CITY_PROFILE,
    NAME_MARK,
    PASSWORD,
    START_ISO,
    csrf_of,
    login,
    run_jobs_now,
    write_web_client_list,
)

CITY = "Bad Hersfeld"
COLUMNS = ["Kundennummer", "Datum", "Uhrzeit", "Ergebnis", "Termin", "Notiz"]
#: typed into the Kundennummer column of a row: never shown, stored or audited
NAME_AS_ID = f"{NAME_MARK} Müllerowa"
NOTE = f"Hund bellt, {NAME_MARK} Nachbarin öffnete"


@dataclass
class Week:
    app: object
    store: object
    plan_id: str
    tmp: Path
    db_cli: str  # the database URL as the command line takes it


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def week(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
         bad_hersfeld_pbf: Path) -> Iterator[Week]:
    """A city with an imported list and a planned week; the account ``kora``."""
    from geodata.geocode import load_index
    from hausbesuch.web import casework_api, jobs
    from hausbesuch.web.app import create_app
    from hausbesuch.web.auth import add_user

    tmp = tmp_path_factory.mktemp(f"outcomes-{request.param}")
    db, schema = store_url(request.param, tmp, "outcomes")
    app = create_app(db, schema=schema, cities=[CITY_PROFILE], run_jobs=False)
    store = app.state.web.store
    write_web_client_list(tmp / "kunden.csv", load_index(bad_hersfeld_pbf), n=16)
    add_user(store, "kora", PASSWORD, role="koordination", city=CITY)
    casework_api.import_clients(store, app.state.web.profile(CITY), str(tmp / "kunden.csv"),
                                "kora")
    jobs.submit(store, "plan", CITY, {"start": START_ISO, "days": 5, "time_limit": 2.0,
                                      "profile": CITY_PROFILE}, "kora")
    plan_id = run_jobs_now(store)[0]
    try:
        # the same database for the command line (a PostgreSQL schema via search_path)
        yield Week(app, store, plan_id, tmp,
                   db if schema is None else f"{db}?options=-csearch_path%3D{schema}")
    finally:
        store.close()
        if schema is not None:
            drop_schema(db, schema)


@pytest.fixture
def kora(week: Week, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[TestClient]:
    """The coordinator, logged in; uploads land in a temporary folder of the test's own
    (checked empty after)."""
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(uploads))
    with TestClient(week.app, base_url="https://testserver", follow_redirects=False) as c:
        assert login(c, "kora").status_code == 303
        yield c


def _stops(week: Week) -> list:
    """The stops of the plan's list clients (``W000``…), by start."""
    plan = week.store.load_plan(week.plan_id)
    return sorted((s for r in plan.routes for s in r.stops
                   if re.fullmatch(r"W\d{3}", s.client_id)), key=lambda s: s.start)


def _text(body: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _upload(client: TestClient, path: Path, page: str = "/ergebnisse/hochladen",
            **fields: str):  # noqa: ANN202
    csrf = csrf_of(client.get(page).text)
    kind = ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            if path.suffix == ".xlsx" else "text/csv")
    with open(path, "rb") as fh:
        return client.post("/ergebnisse/hochladen",
                           data={"csrf_token": csrf, "stadt": CITY, **fields},
                           files={"datei": (path.name, fh, kind)})


def _table(body: str, section: str) -> list[list[str]]:
    """The cells of the result page's table after the heading ``id=section``."""
    part = body.split(f'id="{section}"', 1)
    assert len(part) == 2, f"no {section} on the page"
    table = part[1].split("</table>", 1)[0]
    return [[_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)]
            for r in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S) if "<td" in r]


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(COLUMNS)
        w.writerows(rows)
    return path


def _on_day(week: Week, monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    """Today is ``day`` of the planned week, late (after every visit)."""
    monkeypatch.setenv(clock.ENV, day.isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0), never_back=True)


def _outcomes(week: Week) -> list[tuple[str, date, str, str]]:
    from hausbesuch.store import OutcomeRow

    with week.store.session() as s:
        return sorted((o.client_id, o.day, o.result, o.source)
                      for o in s.scalars(select(OutcomeRow).where(OutcomeRow.city == CITY)))


def test_an_outcomes_list_is_recorded_once_with_every_row_accounted_for(
        week: Week, kora: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from hausbesuch.fields import format_moment
    from hausbesuch.store import AuditRow, ClientRow
    from hausbesuch.versions import newest_version

    stops = _stops(week)
    first_day = stops[0].start.date()
    done = [s for s in stops if s.start.date() == first_day][:4]
    assert len(done) == 4, [(s.client_id, s.start) for s in stops]
    later = done.pop()  # its row names a day after today
    _on_day(week, monkeypatch, first_day)
    last_day = date.fromisoformat(START_ISO) + timedelta(days=4)
    agreed = f"{last_day:%d.%m.%Y} 10:30"
    a, b, c = done
    path = _write_csv(tmp_path / "Ergebnisse Montag.csv", [
        [a.client_id, f"{first_day:%d.%m.%Y}", f"{a.start:%H:%M}", "angetroffen", "", NOTE],
        [b.client_id, f"{first_day:%d.%m.%Y}", f"{b.start:%H:%M}", "nicht angetroffen", "",
         ""],
        [c.client_id, f"{first_day:%d.%m.%Y}", f"{c.start:%H:%M}", "Termin vereinbart",
         agreed, ""],
        [NAME_AS_ID, f"{first_day:%d.%m.%Y}", "", "angetroffen", "", ""],
        [later.client_id, f"{first_day + timedelta(days=1):%d.%m.%Y}", "", "angetroffen",
         "", ""],
        [b.client_id, f"{first_day:%d.%m.%Y}", "", "vielleicht", "", ""],
    ])
    before = len(week.store.audit_rows(action="ergebnisse_eingelesen"))

    r = _upload(kora, path)
    assert r.status_code == 200, _text(r.text)[-800:]
    shown = _text(r.text)
    assert "6 Zeilen aus Ergebnisse Montag.csv: 3 erfasst, 0 schon erfasst, 3 abgelehnt" \
        in shown, shown[-1500:]
    assert [row[:2] for row in _table(r.text, "erfasst")] == [
        ["2", a.client_id], ["3", b.client_id], ["4", c.client_id]]
    rejected = _table(r.text, "abgelehnt")
    assert [(row[0], row[1], row[2]) for row in rejected] == [
        ("5", "", "Kundennummer"), ("6", later.client_id, "Datum"), ("7", b.client_id,
                                                                     "Ergebnis")], rejected
    assert "vielleicht" in rejected[2][3]
    assert "erneut hochladen" in shown  # what to do with the rejected rows
    # the appointment inside the plan waits for its re-plan, said in the web's words
    newest = newest_version(week.store, week.plan_id)
    assert f'href="/plaene/{newest}/ergebnisse"' in r.text
    said = (f"Zeile 4 ( {c.client_id} ): Termin am {format_moment(date_time(agreed))} fällt "
            f"in den gespeicherten Plan {newest}")
    assert said in shown and shown.count(said) == 1, shown  # said once, not as a note too
    assert (f"der ihn nicht enthält: bitte Plan {newest} öffnen und dort „Neu planen“."
            in shown), shown
    assert f'href="/plaene/{newest}#neu-planen"' in r.text
    assert "hausbesuch replan" not in shown and "hausbesuch outcomes" not in shown
    # no name on the page, in the audit, or in the URLs of its links
    assert NAME_MARK not in r.text  # (nor the note: the page shows none)
    audit = week.store.audit_rows(action="ergebnisse_eingelesen")
    assert len(audit) == before + 1
    assert audit[-1]["actor"] == "kora" and audit[-1]["details"] == {
        "zeilen": 6, "erfasst": 3, "schon_erfasst": 0, "abgelehnt": 3}
    with week.store.session() as s:
        every = json.dumps([(x.action, x.client_id, x.details) for x in s.scalars(
            select(AuditRow))], default=str, ensure_ascii=False)
        assert NAME_MARK not in every and "Müllerowa" not in every
        status = {cid: st for cid, st in s.execute(select(ClientRow.client_id,
                                                          ClientRow.status).where(
            ClientRow.city == CITY, ClientRow.client_id.in_([a.client_id, b.client_id])))}
    assert status == {a.client_id: "erreicht", b.client_id: "offen"}
    stored = _outcomes(week)
    assert [(o[0], o[2], o[3]) for o in stored] == sorted([
        (a.client_id, "angetroffen", "csv"), (b.client_id, "nicht_angetroffen", "csv"),
        (c.client_id, "termin_vereinbart", "csv")])
    # nothing of the file left on the server's disk
    assert list(Path(tempfile.tempdir).iterdir()) == []

    # the same file again: nothing recorded twice, as the command line
    again = _upload(kora, path)
    assert again.status_code == 200
    assert "6 Zeilen aus Ergebnisse Montag.csv: 0 erfasst, 3 schon erfasst, 3 abgelehnt" \
        in _text(again.text)
    assert [row[:2] for row in _table(again.text, "schon-erfasst")] == [
        ["2", a.client_id], ["3", b.client_id], ["4", c.client_id]]
    assert _outcomes(week) == stored
    with week.store.session() as s:
        n = s.scalar(select(func.count()).select_from(AuditRow).where(
            AuditRow.action == "ergebnis_erfasst"))
    assert n == 3


def date_time(text: str):  # noqa: ANN201
    from datetime import datetime

    return datetime.strptime(text, "%d.%m.%Y %H:%M")


def test_an_xlsx_list_from_the_plans_outcomes_page(week: Week, kora: TestClient,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    """The form on *Ergebnisse* takes an XLSX (cells as Excel has them: a date cell, a
    time cell); the result page leads back to the plan's outcomes, which list it as
    „Datei“."""
    from datetime import datetime

    from openpyxl import Workbook

    stops = _stops(week)
    day = stops[0].start.date()
    visit = [s for s in stops if s.start.date() == day][4]  # (the test above takes 0-3)
    _on_day(week, monkeypatch, day)
    book = Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    sheet.append([visit.client_id, datetime.combine(day, dtime()),
                  dtime(visit.start.hour, visit.start.minute), "Nachricht hinterlassen",
                  None, None])
    book.save(tmp_path / "laufzettel.xlsx")
    page = f"/plaene/{week.plan_id}/ergebnisse"
    assert 'action="/ergebnisse/hochladen' in kora.get(page).text
    r = _upload(kora, tmp_path / "laufzettel.xlsx", page, plan=week.plan_id)
    assert r.status_code == 200, _text(r.text)[-800:]
    shown = _text(r.text)
    assert "1 Zeile aus laufzettel.xlsx: 1 erfasst, 0 schon erfasst, 0 abgelehnt" in shown
    assert f"Zurück zu den Ergebnissen von Plan {week.plan_id}" in shown
    assert [visit.client_id, day, "nachricht_hinterlassen", "csv"] in [
        list(o) for o in _outcomes(week)]
    row = kora.get(page).text.split(f'data-kunde="{visit.client_id}"', 1)[1]
    assert 'data-label="Quelle">Datei<' in row.split("</tr>", 1)[0]
    assert list(Path(tempfile.tempdir).iterdir()) == []


def test_rows_the_command_line_recorded_are_not_recorded_again(
        week: Week, kora: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``hausbesuch outcomes`` first, then the same list uploaded: its rows are „schon
    erfasst“, one outcome each (the same once-only keys)."""
    from typer.testing import CliRunner

    from hausbesuch.cli import app as cli

    stops = _stops(week)
    day = stops[0].start.date()
    visit = [s for s in stops if s.start.date() == day][5]  # (the tests above take 0-4)
    _on_day(week, monkeypatch, day)
    path = _write_csv(tmp_path / "woche.csv", [
        [visit.client_id, f"{day:%d.%m.%Y}", f"{visit.start:%H:%M}", "verweigert", "", ""]])
    out = CliRunner(env={"HAUSBESUCH_USER": "tester"}).invoke(cli, [
        "outcomes", str(path), "--city", CITY_PROFILE, "--db", week.db_cli])
    assert out.exit_code == 0 and "1 erfasst" in out.output, out.output
    r = _upload(kora, path)
    assert r.status_code == 200
    assert "1 Zeile aus woche.csv: 0 erfasst, 1 schon erfasst, 0 abgelehnt" in _text(r.text)
    assert [o for o in _outcomes(week) if o[0] == visit.client_id] == [
        (visit.client_id, day, "verweigert", "csv")]


@pytest.mark.parametrize("week", ["sqlite"], indirect=True)
def test_refusals_and_the_template(week: Week, kora: TestClient, tmp_path: Path) -> None:
    """A form without its token, another file type, a file without the columns, the
    template alone (a header only): refused with a German message naming the file as
    sent, nothing recorded; the template is the header row the upload reads."""
    before = _outcomes(week)
    csv_path = _write_csv(tmp_path / "ergebnisse.csv", [])
    with open(csv_path, "rb") as fh:
        r = kora.post("/ergebnisse/hochladen", data={"stadt": CITY},
                      files={"datei": ("ergebnisse.csv", fh, "text/csv")})
    assert r.status_code == 403
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    r = _upload(kora, pdf)
    assert r.status_code == 400 and "Bitte eine CSV- oder XLSX-Datei hochladen." in r.text
    # a file above the 1 MB of other forms reaches the upload (a list of a few weeks)
    pdf.write_bytes(b"%PDF-1.4" + b"0" * (2 * 1024 * 1024))
    r = _upload(kora, pdf)
    assert r.status_code == 400 and "Bitte eine CSV- oder XLSX-Datei hochladen." in r.text
    wrong = tmp_path / "falsch.csv"
    wrong.write_text("Kundennummer;Tag\nW001;01.02.2027\n", encoding="utf-8")
    r = _upload(kora, wrong)
    assert r.status_code == 400
    assert "In falsch.csv fehlt die Spalte Ergebnis." in _text(r.text), _text(r.text)[-600:]
    assert "/tmp" not in r.text and "hausbesuch-upload" not in r.text
    template = kora.get("/ergebnisse/vorlage.csv")
    assert template.status_code == 200
    assert template.headers["content-type"].startswith("text/csv")
    assert template.text.lstrip("\ufeff").splitlines() == [";".join(COLUMNS)]
    (tmp_path / "vorlage.csv").write_bytes(template.content)
    r = _upload(kora, tmp_path / "vorlage.csv")
    assert r.status_code == 400 and "enthält keine Datenzeilen" in _text(r.text)
    assert _outcomes(week) == before
    # the page is in the main menu
    assert 'href="/ergebnisse/hochladen">Ergebnisliste</a>' in kora.get("/plaene").text


@pytest.mark.parametrize("week", ["sqlite"], indirect=True)
def test_a_stale_login_is_asked_for_the_password_first(
        week: Week, kora: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The list sets the status of many cases at once: as for the client list, a login
    older than the fresh minutes confirms the password before the file is read."""
    from tests.test_fresh_auth import WRONG, _age_session

    stops = _stops(week)
    day = stops[0].start.date()
    visit = [s for s in stops if s.start.date() == day][7]  # (the tests above take 0-6)
    _on_day(week, monkeypatch, day)
    path = _write_csv(tmp_path / "spaet.csv", [
        [visit.client_id, f"{day:%d.%m.%Y}", f"{visit.start:%H:%M}", "verzogen", "", ""]])
    _age_session(week.store, kora.cookies.items(), 11)
    assert 'name="passwort"' in kora.get("/ergebnisse/hochladen").text
    before = _outcomes(week)
    r = _upload(kora, path)
    assert r.status_code == 403
    assert ("Die Anmeldung ist länger als 10 Minuten her: bitte zum Erfassen der "
            "Ergebnisliste das Passwort eingeben.") in _text(r.text)
    assert re.search(r'name="passwort"[^>]*aria-invalid="true"', r.text)
    r = _upload(kora, path, passwort=WRONG)
    assert r.status_code == 400
    assert "Die Liste wurde nicht erfasst." in _text(r.text)
    assert _outcomes(week) == before
    r = _upload(kora, path, passwort=PASSWORD)
    assert r.status_code == 200, _text(r.text)[-600:]
    assert "1 erfasst" in _text(r.text)
    assert (visit.client_id, day, "verzogen", "csv") in _outcomes(week)
    assert 'name="passwort"' not in kora.get("/ergebnisse/hochladen").text


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("week", ["sqlite"], indirect=True)
def test_the_upload_in_chromium_at_phone_width(week: Week, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    """From a plan's *Ergebnisse* on a phone: the result is focused and fits the screen,
    its ids link to the case pages; a refused file's message is focused, the field marked."""
    from tests.browser import page_width
    from tests.test_a11y_tree import _check_page
    from tests.web_fixtures import coordinator_on_phone, live_server

    stops = _stops(week)
    day = stops[0].start.date()
    visit = [s for s in stops if s.start.date() == day][8]  # (the tests above take 0-7)
    _on_day(week, monkeypatch, day)
    sheet = (";".join(COLUMNS) + f"\r\n{visit.client_id};{day:%d.%m.%Y};"
             f"{visit.start:%H:%M};angetroffen;;\r\n").encode("utf-8-sig")
    with live_server(week.app) as live, coordinator_on_phone(live.url) as page:
        page.goto(f"{live.url}/plaene/{week.plan_id}/ergebnisse")
        # the form's field and button are named (the page's other links: its own tests)
        form = page.locator("#ergebnisliste")
        assert form.get_by_label("Ergebnisliste der Laufzettel (CSV oder XLSX)").count() == 1
        assert form.get_by_role("button", name="Hochladen und erfassen").count() == 1
        page.set_input_files("#ergebnisliste input[name=datei]", files=[
            {"name": "laufzettel.csv", "mimeType": "text/csv", "buffer": sheet}])
        page.click("#ergebnisliste button[type=submit]")
        page.wait_for_selector("#bericht")
        assert page.evaluate("document.activeElement.id") == "bericht"
        shown = " ".join(page.inner_text("#bericht").split())
        assert "1 Zeile aus laufzettel.csv: 1 erfasst, 0 schon erfasst, 0 abgelehnt" in shown
        assert f"Ergebnisse von Plan {week.plan_id}: 1 erfasst." in shown
        assert page.get_attribute("#erfasst + .scroll a", "href") == (
            f"/faelle/{visit.client_id}?stadt=Bad%20Hersfeld")
        assert page_width(page) <= 390
        _check_page(page, navigation="Hauptmenü")  # headings, names, one name one target
        page.set_input_files("input[name=datei]", files=[
            {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}])
        page.click("form button.primary")
        page.wait_for_selector("#fehlermeldung")
        assert page.evaluate("document.activeElement.id") == "fehlermeldung"
        assert page.get_attribute("input[name=datei]", "aria-invalid") == "true"
        assert page_width(page) <= 390
    assert (visit.client_id, day, "angetroffen", "csv") in _outcomes(week)
