"""QA 45c F1: announcement and correction letters in the web app.

The plan page's section „Ankündigungsschreiben“ runs what ``hausbesuch letters`` runs
(:func:`hausbesuch.letters.run_letters`) and sends the letters as one ZIP: the single
PDFs, the team-day PDFs and ``LIESMICH.txt`` with the run's notes in the web's words (no
command line, no profile key). The button asks for the password after
``FRESH_AUTH_MINUTES``; each letter is audited as the command audits it (case ids, never
a name; ``"ausgabe": "download"`` instead of a folder); the ZIP's name carries the plan id
only; nothing stays in the temporary folder. Before, the web wrote no letters, while every
plan page talked about them (QA 45c F1).

Over real HTTP (uvicorn on loopback), real SQLite, the real Bad Hersfeld extract and a
week planned by a real plan job; the PDFs read back with pypdf."""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader

from hausbesuch import clock
from hausbesuch.letters import MONTHS, WEEKDAYS_LONG
from tests.web_fixtures import NAME_MARK, PASSWORD, csrf_of, logged_in

CITY = "Bad Hersfeld"


@pytest.fixture(scope="module")
def letters_site(tmp_path_factory: pytest.TempPathFactory, bad_hersfeld_pbf: Path
                 ) -> Iterator[tuple[str, object, str]]:
    """An app with a planned week (the jobs run in the test's thread): URL, store, plan."""
    from geodata.geocode import load_index
    from tests.web_fixtures import bare_app, live_server, write_web_client_list
    from tests.web_helpers import plan_week

    tmp = tmp_path_factory.mktemp("web-letters45")
    app = bare_app(tmp, plan_time_limit=2.0)
    store = app.state.web.store
    write_web_client_list(tmp / "liste.csv", load_index(bad_hersfeld_pbf), n=16)
    plan_id = plan_week(app, tmp / "liste.csv")
    with live_server(app) as live:
        yield live.url, store, plan_id


@pytest.fixture
def kora(letters_site: tuple[str, object, str]) -> Iterator[httpx.Client]:
    with logged_in(letters_site[0], "kora") as c:
        yield c


def _age_session(store, client: httpx.Client, minutes: int) -> None:  # noqa: ANN001
    from hausbesuch.web.models import SessionRow
    from hausbesuch.web.security import token_hash

    token = next(v for k, v in client.cookies.items() if k.endswith("hb_session"))
    with store.session() as s:
        row = s.get(SessionRow, token_hash(token))
        row.created_at = clock.utc() - timedelta(minutes=minutes)
        row.fresh_auth_at = None


def _post(client: httpx.Client, plan_id: str, **form: str) -> httpx.Response:
    csrf = csrf_of(client.get(f"/plaene/{plan_id}").text)
    return client.post(f"/plaene/{plan_id}/briefe", data={"csrf_token": csrf, **form})


def _section(page: str) -> str:
    m = re.search(r'<section class="card" id="ankuendigungsschreiben".*?</section>', page,
                  re.S)
    assert m, "no section „Ankündigungsschreiben“"
    return " ".join(re.sub(r"<[^>]+>", " ", m.group(0)).split())


def _window(text: str) -> tuple[date, str, str]:
    m = re.search(r"am (\w+), (\d+)\. (\w+) (\d{4}), zwischen (\d\d:\d\d) und (\d\d:\d\d) Uhr",
                  " ".join(text.split()))
    assert m, text
    wd, d, mon, y, a, b = m.groups()
    day = date(int(y), MONTHS.index(mon) + 1, int(d))
    assert WEEKDAYS_LONG[day.weekday()] == wd
    return day, a, b


def _letter_rows(store, action: str) -> list[dict]:  # noqa: ANN001
    return store.audit_rows(action=action)


def test_announcement_letters_as_zip_with_fresh_auth_audit_and_web_words(
        letters_site: tuple[str, object, str], kora: httpx.Client,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from hausbesuch.letters import _visit_status

    _, store, plan_id = letters_site
    plan = store.load_plan(plan_id)
    # the plan's Monday is today (an exercise): Monday's to Wednesday's letters come late
    monkeypatch.setenv(clock.ENV, plan.start.isoformat())
    planned = {(cid, day) for (cid, day), (status, _) in _visit_status(store, plan).items()
               if status == "geplant"}
    page = kora.get(f"/plaene/{plan_id}").text
    assert (f"Besuche ab heute: {len(planned)} Besuche noch ohne Ankündigungsbrief, 0 mit "
            "Brief.") in _section(page), _section(page)
    assert "Korrekturbriefe (ZIP)" not in page  # no promise broken yet

    # a login older than FRESH_AUTH_MINUTES: the password first, nothing written without
    _age_session(store, kora, 11)
    page = kora.get(f"/plaene/{plan_id}").text
    assert 'name="passwort"' in _section_html(page)
    res = _post(kora, plan_id, art="ankuendigung")
    assert res.status_code == 403, res.status_code
    assert ("Die Anmeldung ist länger als 10 Minuten her: bitte zum Schreiben der Briefe das "
            "Passwort eingeben.") in _section(res.text)
    assert re.search(r"<title>Fehler: Plan ", res.text)  # a refusal, titled as one
    assert 'id="briefe-meldung" tabindex="-1" autofocus><p class="error" role="alert">' \
        in res.text
    assert not _letter_rows(store, "brief_erstellt")
    before = set(Path(tempfile.gettempdir()).glob("hausbesuch-briefe-*"))

    res = _post(kora, plan_id, art="ankuendigung", passwort=PASSWORD)
    assert res.status_code == 200, res.text[:2000]
    assert res.headers["content-type"] == "application/zip"
    assert res.headers["content-disposition"] == f'attachment; filename="briefe-{plan_id}.zip"'
    assert "no-store" in res.headers["cache-control"]
    assert set(Path(tempfile.gettempdir()).glob("hausbesuch-briefe-*")) == before
    zf = zipfile.ZipFile(io.BytesIO(res.content))
    names = zf.namelist()
    for name in names:  # ids only: case ids, team ids, days
        assert re.fullmatch(r"brief_W\d{3}\.pdf|sammel_brief_team-\d_\d{4}-\d\d-\d\d\.pdf"
                            r"|LIESMICH\.txt", name), name
    singles = sorted(n for n in names if n.startswith("brief_"))
    assert {n[6:-4] for n in singles} == {cid for cid, _ in planned}
    stops = {s.client_id: (r.day, s.start) for r in plan.routes for s in r.stops}
    for name in singles:  # each letter: its visit's day and a window around its start
        day, a, b = _window(PdfReader(io.BytesIO(zf.read(name))).pages[0].extract_text())
        at = stops[name[6:-4]]
        assert day == at[0] and a <= f"{at[1]:%H:%M}" <= b, (name, day, a, b, at)
    notice = zf.read("LIESMICH.txt").decode("utf-8")
    assert notice.startswith("Dieser Ordner enthält Briefe"), notice
    assert "per Post zu spät" in notice and "Einstellung der Administration" in notice, notice
    for bad in ("[brief]", "hausbesuch ", "--", "Profil"):
        assert bad not in notice, (bad, notice)
    assert NAME_MARK not in notice

    # audited as the command audits them: one row per letter, case ids, no name, no folder
    rows = _letter_rows(store, "brief_erstellt")
    assert sorted(r["client_id"] for r in rows) == sorted(n[6:-4] for n in singles)
    for r in rows:
        assert r["actor"] == "kora" and r["plan_id"] == plan_id
        assert r["details"]["ausgabe"] == "download" and "ordner" not in r["details"], r
    assert not [r for r in store.audit_rows() if NAME_MARK in str(r)]
    # purge names the download as such, not as a letter of an unknown folder
    from hausbesuch.auditlog import copies_of

    cid = rows[0]["client_id"]
    said = [c.line() for c in copies_of(store, CITY, [cid], [plan_id])]
    assert [x for x in said if x.startswith(f"Ankündigungsbrief für {cid} (ZIP im Browser) am")
            ], said

    # the page now counts them as written; a second click writes nothing and says why
    res = _post(kora, plan_id, art="ankuendigung")
    assert res.status_code == 200 and res.headers["content-type"].startswith("text/html")
    said = _section(res.text)
    assert said.startswith("Ankündigungsschreiben Keine Briefe geschrieben."), said
    assert re.search(r"<title>Plan ", res.text)  # (nothing refused: no „Fehler“)
    assert "schon einen Brief" in said and "Mit „Nachdruck“ noch einmal drucken" in said, said
    assert f"0 Besuche noch ohne Ankündigungsbrief, {len(planned)} mit Brief." in said, said
    assert "--" not in said and "hausbesuch " not in said


def _section_html(page: str) -> str:
    m = re.search(r'<section class="card" id="ankuendigungsschreiben".*?</section>', page,
                  re.S)
    assert m
    return m.group(0)


def test_correction_letters_for_a_case_closed_since_its_letter(
        letters_site: tuple[str, object, str], kora: httpx.Client,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """After the announcement letters (the test before, or here), a case closed since its
    letter waits for a cancellation: the page offers „Korrekturbriefe“, whose ZIP holds
    its letter, audited as ``--correction`` audits it."""
    from hausbesuch.config import load_profile
    from hausbesuch.web import casework_api

    _, store, plan_id = letters_site
    plan = store.load_plan(plan_id)
    # the day before the plan: no visit has begun (a begun one gets no cancellation)
    monkeypatch.setenv(clock.ENV, (plan.start - timedelta(days=1)).isoformat())
    if not _letter_rows(store, "brief_erstellt"):
        assert _post(kora, plan_id, art="ankuendigung").status_code == 200
    last = max(plan.routes, key=lambda r: r.day)  # a visit well after today
    cid = last.stops[-1].client_id
    casework_api.set_status(store, load_profile("bad-hersfeld"), "kora", cid,
                            "abgeschlossen", "Test")
    page = kora.get(f"/plaene/{plan_id}").text
    assert "1 angekündigter Besuch wartet auf einen Korrekturbrief" in _section(page)
    assert "Korrekturbriefe (ZIP)" in page
    res = _post(kora, plan_id, art="korrektur")
    assert res.headers["content-type"] == "application/zip", _section(res.text)
    assert res.headers["content-disposition"] == (
        f'attachment; filename="korrekturbriefe-{plan_id}.zip"')
    zf = zipfile.ZipFile(io.BytesIO(res.content))
    assert f"korrektur_{cid}.pdf" in zf.namelist(), zf.namelist()
    text = PdfReader(io.BytesIO(zf.read(f"korrektur_{cid}.pdf"))).pages[0].extract_text()
    assert last.day.strftime("%d.%m.%Y") in text or str(last.day.day) in text
    rows = _letter_rows(store, "korrekturbrief_erstellt")
    assert [r["client_id"] for r in rows] == [cid]
    assert rows[0]["details"]["ausgabe"] == "download" and "ordner" not in rows[0]["details"]
    # nothing left to correct: the button is gone
    assert "Korrekturbriefe (ZIP)" not in kora.get(f"/plaene/{plan_id}").text


def test_a_profile_without_sender_is_refused_in_the_webs_words() -> None:
    from hausbesuch.config import load_profile
    from hausbesuch.web.pages_letters import sender_refusal

    base = load_profile("bad-hersfeld")
    assert sender_refusal(base) is None
    bare = base.model_copy(update={"brief": base.brief.model_copy(update={"telefon": ""})})
    said = sender_refusal(bare)
    assert said is not None and "Telefonnummer" in said and "Administration" in said
    assert "[brief]" not in said


def test_the_late_letters_hint_names_no_profile_key_in_the_web() -> None:
    """QA 45c F1: the plan page's hint said „(Postlaufzeit 2 Werktage, im Profil [brief]
    postlaufzeit_werktage)“, a key the coordination cannot change."""
    from hausbesuch.web.pages_plans import plan_words

    stored = ("Ankündigungsbriefe vom Tag des Plans (Mo, 04.01.2027) sind erst am Do, "
              "07.01.2027, im Briefkasten (Postlaufzeit 2 Werktage, im Profil [brief] "
              "postlaufzeit_werktage): für 18 Besuche bis dahin kommt ein Brief zu spät.")
    said = plan_words(stored)
    assert "[brief]" not in said and "(Postlaufzeit 2 Werktage, Einstellung der " \
        "Administration)" in said, said


def test_pinning_a_case_closed_before_the_plan_names_its_status(
        letters_site: tuple[str, object, str], kora: httpx.Client) -> None:
    """QA 45c F5: a case closed before the plan (so not in it) was refused with „…
    gehört nicht zu diesem Plan“; the README promises its status and how to open it
    again, as for a closed case of the plan."""
    from hausbesuch.config import load_profile
    from hausbesuch.plandata import Client
    from hausbesuch.web import casework_api
    from tests.web_helpers import pin, pin_alert

    _, store, plan_id = letters_site
    plan = store.load_plan(plan_id)
    cid = "W900"
    store.upsert_clients([Client(row=2, id=cid, address="Linggplatz 1, 36251 Bad Hersfeld",
                                 name=f"{NAME_MARK} Zu", street="Linggplatz",
                                 housenumber="1", postcode="36251", town=CITY)], CITY)
    casework_api.set_status(store, load_profile("bad-hersfeld"), "kora", cid,
                            "abgeschlossen", "Test")
    route = max(plan.routes, key=lambda r: r.day)
    said = pin_alert(pin(kora, plan_id, cid, f"{route.team_id}|{route.day.isoformat()}").text)
    assert said.startswith(f"{cid}: Fall „abgeschlossen“, wird nicht mehr besucht; zum "
                           "Festlegen den Fall erst wieder öffnen"), said
    assert "gehört nicht zu diesem Plan" not in said


def test_plan_json_in_the_web_zip_says_its_reasons_in_the_webs_words(
        letters_site: tuple[str, object, str], kora: httpx.Client) -> None:
    """QA 45c F6: report.csv and index.html of *Dateien (ZIP)* said the web's words, but
    plan.json kept the command line's („(hausbesuch status L-1002 --set in_klaerung)“)."""
    import json

    from sqlalchemy import update

    from hausbesuch.store import PlanRow

    _, store, plan_id = letters_site
    with store.session() as s:
        stored = s.get(PlanRow, plan_id).solution
    solution = json.loads(stored)
    cli = ("Bitte ein anderes Zeitfenster vereinbaren oder den Fall auf „in Klärung“ setzen "
           "(hausbesuch status W901 --set in_klaerung).")
    solution["unassigned"] = [*solution.get("unassigned", []),
                              {"id": 990001, "description": "W901", "reason": cli}]
    with store.session() as s:
        s.execute(update(PlanRow).where(PlanRow.id == plan_id)
                  .values(solution=json.dumps(solution)))
    try:
        r = kora.get(f"/plaene/{plan_id}/dateien.zip")
    finally:
        with store.session() as s:
            s.execute(update(PlanRow).where(PlanRow.id == plan_id).values(solution=stored))
    assert r.status_code == 200
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        said = json.loads(zf.read("plan.json").decode("utf-8"))
    entry = next(e for e in said["unassigned"] if e.get("description") == "W901")
    assert entry["reason"].endswith("setzen (unter „Fälle“ beim Fall)."), entry
    assert "hausbesuch " not in json.dumps(said, ensure_ascii=False)


@pytest.mark.slow
@pytest.mark.browser
def test_the_letters_button_downloads_the_zip_in_a_browser(
        letters_site: tuple[str, object, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """In Chromium: the button on the plan page (with *Nachdruck*: whatever the tests
    before wrote) sends the form past the app's CSP and origin checks and the browser
    saves ``briefe-<plan>.zip``, whose letters are those of the plan's visits."""
    from tests.browser import shared_browser
    from tests.web_fixtures import log_in_page

    url, store, plan_id = letters_site
    plan = store.load_plan(plan_id)
    monkeypatch.setenv(clock.ENV, (plan.start - timedelta(days=1)).isoformat())
    with shared_browser() as browser:
        page = browser.new_context(accept_downloads=True).new_page()
        log_in_page(page, url)
        page.goto(f"{url}/plaene/{plan_id}")
        section = page.locator("#ankuendigungsschreiben")
        section.get_by_label("Nachdruck", exact=False).check()
        with page.expect_download() as info:
            section.get_by_role("button", name="Ankündigungsbriefe schreiben (ZIP)").click()
        download = info.value
        assert download.suggested_filename == f"briefe-{plan_id}.zip"
        with zipfile.ZipFile(download.path()) as zf:
            names = zf.namelist()
    stops = {s.client_id for r in plan.routes for s in r.stops}
    assert "LIESMICH.txt" in names
    assert {n[6:-4] for n in names if n.startswith("brief_")} <= stops
    assert [n for n in names if n.startswith("brief_")]
