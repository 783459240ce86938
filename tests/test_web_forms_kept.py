"""Refused coordinator forms (QA 26 web flow): the case page's outcome forms keep what was
typed (F2) and take the visit times the phone takes (F3: one check, the team's hours
widened by an hour); an address not found offers the geocoder's suggestions as the row's
buttons (F6); a form's address opened as a page leads to the form's page (F9). Over real
HTTP against the planned Bad Hersfeld week of :mod:`tests.test_web`, pages in Chromium at
390 px."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from datetime import time as dtime

import httpx
import pytest

from hausbesuch import clock
from tests.browser import page_width
from tests.fake_clock import exercise_time_of_day
from tests.shots import shoot
from tests.test_web import CITY, _current_plan, site  # noqa: F401 - the fixture, by name
from tests.test_web import current_stops as _stops
from tests.test_web_outcome_late import _kept
from tests.web_fixtures import (
    Site,
    coordinator_on_phone,
    csrf_of,
    logged_in,
    sqlite_only,
    stand_of,
)
from tests.web_fixtures import page_text as _text

#: W024's street with a typo: the geocoder finds nothing and suggests the real one first
TYPO = "An der Waxth 3, 36251 Bad Hersfeld"
REAL = "An der Warth 3, 36251 Bad Hersfeld"


def _outcome_form(page: str, action: str) -> str:
    """The first outcome form of ``action`` on the case page, as HTML (its address keeps
    the page's ``?stadt=``)."""
    m = re.search(rf'<form method="post" action="/fall-ergebnis(?:\?stadt=Bad%20Hersfeld)?" '
                  rf'id="{action}-[^"]*">(.*?)</form>', page, re.S)
    assert m, page[-3000:]
    return m[1]


def _hidden(form: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def _hours(site: Site, stop) -> tuple[int, int]:  # noqa: ANN001, F811
    """(start, end) minutes of the shift of the stop's team in the plan."""
    from hausbesuch.teams import plan_shift

    plan = _current_plan(site)
    hours = plan_shift(plan.params, next(r.team_id for r in plan.routes if stop in r.stops))
    assert hours is not None
    return hours


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@sqlite_only()
def test_a_refused_outcome_form_keeps_what_was_typed(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """F2: *Ergebnis berichtigen* with an appointment on a Saturday and *Ergebnis
    nachtragen* at a time before the shift are refused; the form shown again holds the
    result, time, appointment and note as typed (not the stored values), the field named
    marked, and nothing is stored."""
    from hausbesuch.web import casework_api

    stops = _stops(site)
    fix, enter = stops[len(stops) // 2 - 1], stops[len(stops) // 2 - 2]
    day = max(fix.start.date(), enter.start.date())
    monkeypatch.setenv(clock.ENV, day.isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0))  # (after every visit)
    with _kept(site, fix.client_id, enter.client_id):
        casework_api.record_outcome(
            site.store, site.app.state.web.profile(CITY), "link:test", fix.client_id,
            fix.start.date(), "nicht_angetroffen", time_min=fix.start.hour * 60 + 2,
            appointment=None, note=None, idempotency_key=f"kept-{fix.client_id}")
        saturday = fix.start.date() + timedelta(days=(5 - fix.start.weekday()) % 7 or 7)
        with logged_in(site.url, "kora") as kora:
            page = kora.get(f"/faelle/{fix.client_id}?stadt={CITY}").text
            typed = {"ergebnis": "termin_vereinbart", "uhrzeit": "09:25",
                     "termin": f"{saturday:%Y-%m-%d}T10:00",
                     "notiz": "Nachbar: ab Mittwoch zurück"}
            r = kora.post("/fall-ergebnis", data={
                **_hidden(_outcome_form(page, "berichtigen")), **typed})
            assert r.status_code == 400, _text(r.text)[-800:]
            assert "kein Arbeitstag (Wochenende)" in _text(r.text)
            form = _outcome_form(r.text, "berichtigen")
            assert '<option value="termin_vereinbart" selected>' in form, form
            assert '<option value="nicht_angetroffen" selected>' not in form
            assert 'name="uhrzeit" type="time" value="09:25"' in form, form
            assert (f'name="termin" type="datetime-local" value="{saturday:%Y-%m-%d}T10:00" '
                    'aria-invalid="true"') in form, form
            assert 'value="Nachbar: ab Mittwoch zurück"' in html.unescape(form), form
            assert not site.store.audit_rows(client_id=fix.client_id,
                                             action="ergebnis_berichtigt")

            page = kora.get(f"/faelle/{enter.client_id}?stadt={CITY}").text
            first = _hours(site, enter)[0]
            early = _clock(first - 120)  # two hours before the shift: refused
            r = kora.post("/fall-ergebnis", data={
                **_hidden(_outcome_form(page, "nachtragen")),
                "ergebnis": "nachricht_hinterlassen", "uhrzeit": early,
                "notiz": "Karte in Briefkasten"})
            assert r.status_code == 400, _text(r.text)[-800:]
            assert f"Uhrzeit {early} Uhr liegt außerhalb der Arbeitszeit" in _text(r.text)
            form = _outcome_form(r.text, "nachtragen")
            assert '<option value="nachricht_hinterlassen" selected>' in form, form
            assert f'name="uhrzeit" type="time" value="{early}" required ' \
                   'aria-invalid="true"' in form, form
            assert 'value="Karte in Briefkasten"' in form, form
            assert not site.store.audit_rows(client_id=enter.client_id,
                                             action="ergebnis_erfasst")


@sqlite_only()
def test_the_case_page_takes_the_times_the_phone_takes(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """F3: a team running late: the phone takes a visit time up to an hour after the
    team's shift; *Ergebnis nachtragen* and *Ergebnis berichtigen* take the same (one
    check in the casework), and refuse what lies further out naming the team's hours and
    the margin."""
    stops = _stops(site)
    stop = stops[len(stops) // 2 - 3]
    monkeypatch.setenv(clock.ENV, stop.start.date().isoformat())
    exercise_time_of_day(monkeypatch, dtime(23, 0))  # (after every visit)
    monkeypatch.setattr(clock, "now_on_today", lambda: datetime.combine(
        stop.start.date(), dtime(23, 50)))
    first, last = _hours(site, stop)
    with _kept(site, stop.client_id), logged_in(site.url, "kora") as kora:
        page = kora.get(f"/faelle/{stop.client_id}?stadt={CITY}").text
        base = _hidden(_outcome_form(page, "nachtragen"))
        late = _clock(last + 30)
        r = kora.post("/fall-ergebnis", data={**base, "ergebnis": "nicht_angetroffen",
                                              "uhrzeit": late})
        assert r.status_code == 303, _text(r.text)[-800:]
        shown = _text(kora.get(r.headers["location"]).text)
        assert f"{late} Uhr: Nicht angetroffen".casefold() in shown.casefold(), shown[-1500:]
        page = kora.get(f"/faelle/{stop.client_id}?stadt={CITY}").text
        base = _hidden(_outcome_form(page, "berichtigen"))
        later = _clock(last + 45)
        r = kora.post("/fall-ergebnis", data={**base, "ergebnis": "nicht_angetroffen",
                                              "uhrzeit": later})
        assert r.status_code == 303, _text(r.text)[-800:]
        # (the page after the correction: the form's stamp of the outcome as it is now)
        base = _hidden(_outcome_form(kora.get(r.headers["location"]).text, "berichtigen"))
        too_late = _clock(last + 75)
        r = kora.post("/fall-ergebnis", data={**base, "ergebnis": "nicht_angetroffen",
                                              "uhrzeit": too_late})
        assert r.status_code == 400
        team = next(r.team_id for r in _current_plan(site).routes if stop in r.stops)
        assert (f"Uhrzeit {too_late} Uhr liegt außerhalb der Arbeitszeit von „{team}“ "
                f"({_clock(first)}–{_clock(last)} Uhr, eine Stunde Spielraum).") \
            in _text(r.text), _text(r.text)[-1500:]
        early = _clock(first - 60)  # the margin holds before the shift too
        r = kora.post("/fall-ergebnis", data={**base, "ergebnis": "nicht_angetroffen",
                                              "uhrzeit": early})
        assert r.status_code == 303, _text(r.text)[-800:]


@sqlite_only()
def test_new_address_suggestions_are_the_rows_buttons(site: Site) -> None:  # noqa: F811
    """F6: an address typed and not found: the geocoder's suggestions for it are the
    row's buttons (not the stored address's suggestions, and also for a case outside the
    list); a button stores that suggestion."""
    with logged_in(site.url, "kora") as kora:
        csrf = csrf_of(kora.get("/adressen").text)
        r = kora.post("/adressen/W010", data={"csrf_token": csrf, "stadt": CITY,
                                              "adresse": TYPO})
        assert r.status_code == 400
        row = html.unescape(re.search(r'<tr id="adresse-W010".*?</tr>', r.text, re.S)[0])
        assert f'name="vorschlag_adresse" value="{REAL}"' in row, row
        assert 'name="vorschlag"' not in row  # the old ones would store something else
        assert f"Vorschläge zu „{TYPO}“" in _text(row)
        # a case the list does not hold (its address was found): the same buttons
        page = kora.get(f"/adressen?kundennummer=W024&stadt={CITY}").text
        r = kora.post("/adressen/W024", data={"csrf_token": csrf_of(page), "stadt": CITY,
                                              "adresse": TYPO})
        assert r.status_code == 400
        row = html.unescape(re.search(r'<tr id="adresse-W024".*?</tr>', r.text, re.S)[0])
        assert f'name="vorschlag_adresse" value="{REAL}"' in row, row
        # the button sends the suggestion (and the typed text, for its house number)
        r = kora.post("/adressen/W024", data={"csrf_token": csrf, "stadt": CITY,
                                              "stand": stand_of(r.text, "W024"),
                                              "adresse": TYPO, "vorschlag_adresse": REAL})
        assert r.status_code == 303, _text(r.text)[-800:]
        shown = _text(kora.get(r.headers["location"]).text)
        assert f"Vorgeschlagene Adresse „{REAL}“ für W024 gespeichert." in shown, shown[-800:]


@sqlite_only()
def test_a_forms_address_opened_as_a_page_leads_to_its_page(site: Site) -> None:  # noqa: F811
    """F9: the page after a refused form stands at the form's address; opened again from
    the history or the address bar (a GET) it leads to the page the form belongs to,
    not to a bare 405. HEAD stays refused (only the login page answers it); a POST still
    needs its CSRF token."""
    p = site.plan_id
    with logged_in(site.url, "kora") as kora:
        for path, page in (("/fall-ergebnis", "/faelle"), ("/adressen/W010", "/adressen"),
                           (f"/plaene/{p}/verschieben", f"/plaene/{p}"),
                           ("/teams/abwesenheit", "/teams"), ("/abmelden", "/plaene")):
            r = kora.get(path)
            assert r.status_code == 303 and r.headers["location"] == page, (path, r)
            assert kora.get(page).status_code == 200, page
            # the city chosen goes along (closing 26: the redirect dropped it)
            r = kora.get(f"{path}?stadt=Bad%20Hersfeld")
            assert r.status_code == 303, (path, r)
            assert r.headers["location"] == f"{page}?stadt=Bad%20Hersfeld", (path, r)
            assert kora.get(r.headers["location"]).status_code == 200, page
        assert kora.head("/adressen/W010").status_code == 405
        assert kora.post("/fall-ergebnis", data={"aktion": "nachtragen"}).status_code == 403
    with httpx.Client(base_url=site.url, follow_redirects=False) as anon:
        r = anon.get("/fall-ergebnis")  # not logged in: the page's login
        assert r.status_code == 303
        assert anon.get(r.headers["location"]).headers["location"].startswith("/anmelden")


@sqlite_only()
@pytest.mark.browser
def test_refused_forms_at_390_px(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """The refused forms in Chromium at phone size: the outcome form keeps what was typed,
    the address row's buttons are the new suggestions, and reopening the form's address
    shows its page."""
    stops = _stops(site)
    stop = stops[len(stops) // 2 - 4]
    monkeypatch.setenv(clock.ENV, stop.start.date().isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0))
    with _kept(site, stop.client_id), coordinator_on_phone(site.url) as page:
        page.goto(site.url + f"/faelle/{stop.client_id}?stadt={CITY}#ergebnisse")
        page.click("text=Ergebnis nachtragen")
        form = page.locator("form[action='/fall-ergebnis?stadt=Bad%20Hersfeld']").first
        form.locator("select[name=ergebnis]").select_option("nachricht_hinterlassen")
        form.locator("input[name=uhrzeit]").fill("05:30")
        form.locator("input[name=notiz]").fill("Karte in Briefkasten")
        form.locator("button[type=submit]").click()
        page.wait_for_selector(".ergebnis-form .error")
        form = page.locator("form[action='/fall-ergebnis?stadt=Bad%20Hersfeld']").first
        assert form.locator("input[name=uhrzeit]").input_value() == "05:30"
        assert form.locator("input[name=notiz]").input_value() == "Karte in Briefkasten"
        assert form.locator("select[name=ergebnis]").input_value() == "nachricht_hinterlassen"
        page.wait_for_load_state("load")
        assert page_width(page) <= 390
        shoot(page, "webforms-nachtragen-fehler.png", full_page=True)
        # the address bar: the form's address again leads to the cases page
        page.goto(site.url + "/fall-ergebnis")
        assert page.url.endswith("/faelle"), page.url
        page.goto(site.url + f"/adressen?kundennummer=W010&stadt={CITY}")
        page.fill("#adresse-W010 input[name=adresse]", TYPO)
        page.click("#adresse-W010 button.primary")
        page.wait_for_selector("#vorschlaege-W010")
        buttons = page.locator("#vorschlaege-W010 button").all_inner_texts()
        assert buttons and buttons[0] == REAL, buttons
        # (measured once the page and its style sheets have loaded: under load in CI the
        # map's tiles were laid out before leaflet.css, 937 px wide)
        page.wait_for_load_state("load")
        assert page_width(page) <= 390
        shoot(page, "webforms-adresse-vorschlaege.png", full_page=True)
        page.goto(site.url + "/adressen/W010")  # reopened: the address page
        assert page.url.endswith("/adressen"), page.url
