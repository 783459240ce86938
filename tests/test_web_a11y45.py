"""Accessibility findings of QA 45a (BITV 2.0 / WCAG 2.1 AA) in the coordinator pages'
HTML, against the planned Bad Hersfeld week of :mod:`tests.test_web` over real HTTP (in
Chromium: :mod:`tests.test_a11y45_browser`):

- F1: *Ergebnis nachtragen* without a chosen result says what to do, the field is marked
  and described by the message, and the browser asks for it first (``required``);
- F3: a confirmation after a redirect takes the focus as the errors do;
- F4: a refused address fix is one live region, and it comes back to the single-address
  view it was sent from;
- F8: each page showing a refused input has a title beginning „Fehler: “; the
  single-address view has its own title.
"""

from __future__ import annotations

import re
from datetime import time as dtime
from pathlib import Path

import pytest

from hausbesuch import clock
from tests.fake_clock import exercise_time_of_day
from tests.test_web import CITY, _current_plan, site  # noqa: F401 - the fixture, by name
from tests.test_web import current_stops as _stops
from tests.test_web_forms_kept import _hidden, _outcome_form
from tests.test_web_outcome_late import _kept
from tests.web_fixtures import Site, csrf_of, logged_in, sqlite_only, stand_of

TEMPLATES = Path(__file__).resolve().parent.parent / "hausbesuch" / "web" / "templates"


def _title(body: str) -> str:
    m = re.search(r"<title>(.*?)</title>", body, re.S)
    assert m, body[:500]
    return m[1]


def _tag(body: str, pattern: str) -> str:
    """The first opening tag of ``body`` matching ``pattern`` (a regex inside ``<…>``)."""
    m = re.search(rf"<{pattern}[^>]*>", body)
    assert m, pattern
    return m[0]


# --------------------------------------------------------------------------- HTTP


@sqlite_only()
def test_an_outcome_without_a_result_says_what_to_do_at_the_marked_field(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """F1, F8: „– bitte wählen –“ sent: „Ergebnis: bitte ein Ergebnis wählen.“ (not
    „unbekanntes Ergebnis „““), the select marked invalid and described by the message,
    ``required`` on it, the title „Fehler: …“; nothing stored."""
    stops = _stops(site)
    enter = stops[len(stops) // 2 - 2]
    monkeypatch.setenv(clock.ENV, enter.start.date().isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0))  # (after every visit)
    with _kept(site, enter.client_id), logged_in(site.url, "kora") as kora:
        page = kora.get(f"/faelle/{enter.client_id}?stadt={CITY}").text
        form = _outcome_form(page, "nachtragen")
        assert 'name="ergebnis" required' in form, form
        hidden = _hidden(form)
        r = kora.post("/fall-ergebnis", data={**hidden, "ergebnis": "",
                                              "uhrzeit": enter.start.strftime("%H:%M")})
        assert r.status_code == 400, r.text[-800:]
        visit = hidden["besuch"]
        message = re.search(rf'<div id="fehler-{re.escape(visit)}" tabindex="-1" autofocus>'
                            r'<p class="error" role="alert">(.*?)</p>', r.text)
        assert message and message[1] == "Ergebnis: bitte ein Ergebnis wählen.", r.text[-3000:]
        select = _tag(_outcome_form(r.text, "nachtragen"), 'select name="ergebnis"')
        assert 'aria-invalid="true"' in select and \
            f'aria-describedby="fehler-{visit}"' in select and "required" in select, select
        assert _title(r.text).startswith("Fehler: Fall "), _title(r.text)
        assert not site.store.audit_rows(client_id=enter.client_id, action="ergebnis_erfasst")


@sqlite_only()
def test_a_refused_address_fix_comes_back_to_its_view_with_one_alert(
        site: Site) -> None:  # noqa: F811
    """F4, F8: the single-address view's own title; its fix refused (latitude „abc“) comes
    back to that view („Adresse von …“, not the list), titled „Fehler: …“, with one live
    region (the summary at the top, focused), the fields pointing to it."""
    client_id = _stops(site)[0].client_id
    with logged_in(site.url, "kora") as kora:
        view = kora.get("/adressen", params={"kundennummer": client_id, "stadt": CITY}).text
        assert _title(view) == f"Adresse von {client_id} · hausbesuch"
        assert '<input type="hidden" name="ansicht" value="fall">' in view
        r = kora.post(f"/adressen/{client_id}", data={
            "csrf_token": csrf_of(view), "stadt": CITY, "ansicht": "fall",
            "stand": stand_of(view, client_id), "breite": "abc", "laenge": "9,7"})
        assert r.status_code == 400, r.text[-800:]
        assert _title(r.text) == f"Fehler: Adresse von {client_id} · hausbesuch"
        assert f"<h1>Adresse von {client_id} · {CITY}</h1>" in r.text
        assert r.text.count('role="alert"') == 1, re.findall(r'<[^>]*role="alert"[^>]*>', r.text)
        assert _tag(r.text, 'div class="error" role="alert"').endswith(
            'id="fehlermeldung" tabindex="-1" autofocus>')
        assert _tag(r.text, 'input name="breite"').count('aria-describedby="fehlermeldung"') == 1
        # the list's form sends no view: refused, it comes back to the list
        listed = kora.get("/adressen", params={"stadt": CITY}).text
        assert 'name="ansicht"' not in listed


@sqlite_only()
def test_pages_with_a_refused_input_are_titled_as_an_error(site: Site) -> None:  # noqa: F811
    """F8: „Fälle“ (an unknown case id) and „Teams“ (an absence ending before it starts)
    begin their title with „Fehler: “ as the other pages with a refusal do."""
    team = _current_plan(site).routes[0].team_id
    with logged_in(site.url, "kora") as kora:
        csrf = csrf_of(kora.get("/faelle").text)
        r = kora.post("/faelle", data={"csrf_token": csrf, "kundennummer": "X-gibt-es-nicht"})
        assert r.status_code in (400, 404), r.status_code
        assert _title(r.text) == "Fehler: Fälle · hausbesuch"
        r = kora.post("/teams/abwesenheit", data={
            "csrf_token": csrf, "stadt": CITY, "team": team, "von": "2026-12-10",
            "bis": "2026-12-08"})
        assert r.status_code == 400, r.text[-800:]
        assert _title(r.text) == "Fehler: Teams · hausbesuch"
        assert _title(kora.get("/teams").text) == "Teams · hausbesuch"


@sqlite_only()
def test_confirmations_after_a_redirect_take_the_focus(site: Site) -> None:  # noqa: F811
    """F3: the confirmation a page shows after a form's redirect („Abwesenheiten
    gespeichert“, „Teams gespeichert“, a status set) is focused as the errors are: a live
    region already filled when the page loads is not announced by every screen reader."""
    client_id = _stops(site)[0].client_id
    with logged_in(site.url, "kora") as kora:
        for url in ("/teams?gespeichert=1", "/teams?gespeichert=teams",
                    f"/faelle/{client_id}?gesetzt=0"):
            ok = _tag(kora.get(url).text, 'p class="ok" role="status"')
            assert 'tabindex="-1" autofocus' in ok, (url, ok)


def test_every_confirmation_and_refusal_of_the_coordination_is_focused_and_titled() -> None:
    """F3, F8 for every page at once: each confirmation (``p.ok``) of a coordinator page
    and the import's result take the focus (``tabindex="-1" autofocus``), and each page
    with a refused input (a ``role="alert"`` message focused) says „Fehler: “ in its
    title."""
    unfocused, untitled = [], []
    for path in sorted(TEMPLATES.glob("*.html.j2")):
        text = path.read_text(encoding="utf-8")
        if path.name == "login.html.j2":  # (its focus stays in the name field)
            continue
        for tag in re.findall(r'<p class="ok"[^>]*>', text):
            if 'tabindex="-1" autofocus' not in tag:
                unfocused.append((path.name, tag))
        refusal = re.search(r'tabindex="-1" autofocus><p class="error" role="alert"', text) \
            or re.search(r'class="error" role="alert" id="fehlermeldung"', text)
        title = re.search(r"{% block title %}(.*?){% endblock %}", text)
        if refusal and path.name != "error.html.j2" and "Fehler: " not in title[1]:
            untitled.append(path.name)
    assert unfocused == [] and untitled == [], (unfocused, untitled)
    # the import's result (the page a sent list comes back as) likewise
    upload = (TEMPLATES / "upload.html.j2").read_text(encoding="utf-8")
    assert '<section class="card" id="bericht" tabindex="-1" autofocus' in upload
