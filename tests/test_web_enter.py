"""What the Enter key and a refused outcome do in Chromium (found in QA round 10), against
the planned Bad Hersfeld week of :mod:`tests.test_web` (its ``site`` fixture):

- address page: Enter in the "Adresse" field stores the typed address, not the first of
  the geocoder's suggestions (the browser's implicit submission used the first submit
  button of the form), and the confirmation names what was stored;
- address page: the map opens over all listed points at most at zoom 13, not at zoom 16
  around the first listed client's home (QA round 16 b);
- worker page: Enter in the appointment fields records no outcome (it recorded
  "Angetroffen" and dropped the appointment);
- worker page: an outcome recorded without signal that the server refuses (400) stays on
  the phone with the server's reason and its note, until recorded again or discarded
  (it was deleted from the phone).
"""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hausbesuch.casework import CaseworkError
from hausbesuch.casework.service import _appointment_of_result
from hausbesuch.fields import format_day
from tests import test_web
from tests.fake_clock import exercise_time_of_day
from tests.shots import shoot
from tests.test_web import _open_appointment, _outcomes
from tests.test_web_messages import _address_of, _client_rows
from tests.test_worker_cache import QUEUE, _fresh_route, _link, _phone, _visit_time
from tests.test_worker_cache import _browser as _worker_browser
from tests.web_fixtures import HEADER, NAME_MARK, Site, log_in_page

# the planned Bad Hersfeld week on loopback (session fixture), on SQLite: what the
# browser does with the pages is the same on either store
site = test_web.sqlite_site
CITY = test_web.CITY
BERLIN = ZoneInfo("Europe/Berlin")
#: The phone's answer to an appointment on the visit day itself (QA 28 F7).
SAME_DAY = ("Ein Termin am selben Tag geht nur über die Koordination: bitte jetzt noch kein "
            "Ergebnis erfassen, sondern die Koordination anrufen; sie legt den Besuch für "
            "heute fest.")
ENTER_ID = "EN-9001"  # a case id has digits and few letters (no five in a row)


def _import_with_suggestions(site: Site, tmp: Path) -> None:  # noqa: F811
    """A client at „Bahnhof 1“: not found, with suggestions (Bahnhofsplatz, …)."""
    from hausbesuch.web import casework_api

    path = tmp / "bahnhof.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        w.writerow([ENTER_ID, f"{NAME_MARK} Taste", "Bahnhof", "1", "36251", "Bad Hersfeld",
                    "01.02.2024", "", "", "", "30", ""])
    report = casework_api.import_clients(site.store, site.app.state.web.profile(CITY),
                                         str(path), "test")
    assert report["rejected"] == [], report


def _fix_of(site: Site, client_id: str):  # noqa: ANN202, F811
    from hausbesuch.store import AddressFixRow

    with site.store.session() as s:
        return s.scalars(select(AddressFixRow).where(AddressFixRow.client_id == client_id)
                         ).first()


@pytest.mark.browser
def test_enter_in_the_address_field_stores_the_typed_address(site: Site, tmp_path: Path
                                                             ) -> None:  # noqa: F811
    from tests.browser import shared_browser

    _import_with_suggestions(site, tmp_path)
    typed = _address_of(_client_rows(site)["W001"])
    with shared_browser() as browser:
        page = browser.new_page(locale="de-DE")
        page.set_default_timeout(30_000)
        log_in_page(page, site.url)
        page.goto(site.url + "/adressen")
        row = page.locator(f"#adresse-{ENTER_ID}")
        assert row.locator("ol.suggestions button").count() >= 1  # the trap is there
        row.locator("input[name=adresse]").fill(typed)
        row.locator("input[name=adresse]").press("Enter")
        page.wait_for_selector("p.ok")
        assert "gespeichert=" in page.url and ENTER_ID not in page.url, page.url
        shown = page.inner_text("p.ok")
        assert shown.startswith(f"Adresse „{typed}“ für {ENTER_ID} gespeichert."), shown
        fix = _fix_of(site, ENTER_ID)
        assert fix is not None and fix.address == typed
        # the visible "Speichern" is still the one a click uses
        assert page.locator("form.fix-form button.primary").first.inner_text() == \
            "Speichern"


def _worker_page(site: Site, browser, route, at: dtime):  # noqa: ANN001, ANN202, F811
    """The phone page of a new link for ``route``, the phone's clock held at ``at``: in an
    exercise (``HAUSBESUCH_HEUTE``, the server's day, which the page takes as today) on the
    phone's real date, only its time of day held; else on the team-day."""
    from hausbesuch import clock

    _, _, url = _link(site, route)
    ctx, page, errors = _phone(browser, service_workers="block")
    day = route.day if clock.exercise_day() is None else clock.now().date()
    page.clock.set_fixed_time(datetime.combine(day, at, BERLIN).timestamp())
    page.goto(url)
    return ctx, page, errors


def _recorded(site: Site, route, client_id: str) -> list[dict]:  # noqa: ANN001, F811
    return [o for o in _outcomes(site) if (o["client_id"], o["day"]) == (client_id, route.day)]


@pytest.mark.browser
def test_enter_in_the_appointment_fields_records_no_outcome(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    import httpx

    from hausbesuch import clock

    route = _fresh_route(site)
    monkeypatch.setenv(clock.ENV, route.day.isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0))  # (after every visit)
    client_id = route.stops[0].client_id
    with _worker_browser() as browser:
        ctx, page, errors = _worker_page(site, browser, route, dtime(10, 5))
        stop = page.locator("li.stop").nth(0)
        _visit_time(stop)  # (the phone's time fills in only the stop planned nearest it)
        _open_appointment(stop)  # (QA 28 F17: folded until tapped)
        stop.locator("input[name=termin_datum]").fill((route.day + timedelta(days=7)).isoformat())
        stop.locator("input[name=termin_zeit]").fill("10:00")
        stop.locator("input[name=termin_zeit]").press("Enter")
        page.wait_for_function("() => document.querySelector('li.stop [data-state]')"
                               ".innerText.includes('Kein Ergebnis gewählt')")
        stop.locator("input[name=termin_datum]").press("Enter")
        page.wait_for_timeout(500)
        assert page.evaluate(QUEUE) == []
        # a button other than "Termin vereinbart" with the appointment filled in: refused
        stop.locator("button[value=angetroffen]").click()
        assert "Ein Termin ist eingetragen" in stop.inner_text()
        assert page.evaluate(QUEUE) == []
        page.wait_for_timeout(500)
        assert _recorded(site, route, client_id) == []
        csrf = page.get_attribute("body", "data-csrf")
        ctx.close()
        assert errors == []
    # the same without the script: the server refuses both, and records nothing
    url = page.url
    for result in ("keine-auswahl", "angetroffen"):
        r = httpx.post(url + "ergebnis", data={
            "csrf_token": csrf, "kundennummer": client_id, "ergebnis": result,
            "schluessel": f"enter-{result}", "termin_datum": (route.day + timedelta(days=7))
            .isoformat(), "termin_zeit": "10:00"})
        assert r.status_code == 400, (result, r.status_code)
        assert "Zurück zur Route" in r.text
    assert _recorded(site, route, client_id) == []


@pytest.mark.browser
def test_refused_offline_outcome_stays_on_the_phone_with_reason_and_note(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    from hausbesuch import clock

    route = _fresh_route(site)
    monkeypatch.setenv(clock.ENV, route.day.isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0))  # (after every visit)
    first, second = route.stops[0].client_id, route.stops[1].client_id
    saturday = route.day + timedelta(days=5 - route.day.weekday())
    week_later = route.day + timedelta(days=7)
    note = "Wichtige Notiz: Tochter übersetzt, Termin abends"
    with _worker_browser() as browser:
        ctx, page, errors = _worker_page(site, browser, route, dtime(10, 5))
        stop1, stop2 = page.locator("li.stop").nth(0), page.locator("li.stop").nth(1)
        _visit_time(stop1)
        _visit_time(stop2)
        # checked on the phone before anything is queued: the visit day itself needs the
        # coordination, and the phone says what to do instead (QA 28 F7)
        _open_appointment(stop2)  # (QA 28 F17: folded until tapped)
        stop2.locator("input[name=termin_datum]").fill(route.day.isoformat())
        stop2.locator("input[name=termin_zeit]").fill("11:00")
        stop2.locator("button[value=termin_vereinbart]").click()
        assert stop2.locator("[data-state]").inner_text() == SAME_DAY
        assert page.evaluate(QUEUE) == []
        stop2.locator("h2").evaluate("(h) => h.scrollIntoView({block: 'start'})")
        shoot(page, "phone1-termin-heute.png")
        # a day before the visit day keeps its own reason
        stop2.locator("input[name=termin_datum]").fill(
            (route.day - timedelta(days=1)).isoformat())
        stop2.locator("button[value=termin_vereinbart]").click()
        # in the server's words, the days with their weekday (it wrote „Termin 09.12.2026
        # liegt nicht nach dem Besuchstag 10.12.2026.“)
        with pytest.raises(CaseworkError) as server:
            _appointment_of_result("termin_vereinbart", datetime.combine(
                route.day - timedelta(days=1), dtime(11, 0)), route.day)
        assert str(server.value) == (f"Termin {format_day(route.day - timedelta(days=1))}, "
                                     "11:00 Uhr liegt nicht nach dem Besuchstag "
                                     f"{format_day(route.day)}.")
        assert str(server.value) in stop2.inner_text(), stop2.inner_text()
        assert page.evaluate(QUEUE) == []

        ctx.set_offline(True)
        for stop in (stop1, stop2):  # a Saturday: the phone cannot know, the server refuses
            stop.locator("textarea[name=notiz]").fill(note)
            _open_appointment(stop)  # (QA 28 F17: folded until tapped)
            stop.locator("input[name=termin_datum]").fill(saturday.isoformat())
            stop.locator("input[name=termin_zeit]").fill("10:00")
            stop.locator("button[value=termin_vereinbart]").click()
        assert len(page.evaluate(QUEUE)) == 2
        ctx.set_offline(False)
        page.wait_for_function(
            "() => document.querySelectorAll('li.stop .refused').length === 2",
            timeout=30_000)
        for stop in (stop1, stop2):
            text = stop.inner_text()
            assert "nicht angenommen:" in text and "kein Arbeitstag" in text, text
            assert "Das Ergebnis bleibt auf diesem Telefon; bitte korrigieren" in text, text
            assert "Notiz: " + note in text
            # the appointment refused, as the server writes a moment
            assert f"Termin: {format_day(saturday)}, 10:00 Uhr" in text, text
        queued = page.evaluate(QUEUE)
        assert len(queued) == 2 and all("kein Arbeitstag" in q["refused"] for q in queued)
        assert "nicht angenommen" in page.inner_text("#warteschlange")
        # still there after a reload
        page.reload()
        page.wait_for_selector("li.stop .refused")
        assert page.locator("li.stop .refused").count() == 2
        assert stop1.locator("textarea[name=notiz]").input_value() == note
        # corrected: recorded again with a working day, the note comes along
        stop1.locator("input[name=termin_datum]").fill(week_later.isoformat())
        stop1.locator("input[name=termin_zeit]").fill("10:30")
        stop1.locator("button[value=termin_vereinbart]").click()
        page.wait_for_function("() => document.querySelector('li.stop [data-state]')"
                               ".innerText.includes('Übermittelt')", timeout=30_000)
        got = _recorded(site, route, first)
        assert [(o["result"], o["note"]) for o in got] == [("termin_vereinbart", note)]
        # discarded explicitly
        stop2.locator(".refused button").click()
        assert "Verworfen" in stop2.inner_text()
        assert page.evaluate(QUEUE) == []
        assert page.locator("li.stop .refused").count() == 0
        assert _recorded(site, route, second) == []
        assert errors == []
        ctx.close()


@pytest.mark.browser
def test_the_address_map_opens_over_all_listed_points_at_the_city_zoom(
        site: Site, tmp_path: Path) -> None:  # noqa: F811
    """The address map opened at zoom 16 around the first listed client's point: the tile
    server saw a few streets around one home. It opens over every listed point, at most
    at the city's zoom (13)."""
    import math
    import re

    from hausbesuch.web import casework_api
    from tests.browser import desktop_page, shared_browser

    # two cases in Klärung at addresses of the list, far apart: listed with their points
    rows = sorted(_client_rows(site).values(), key=lambda r: r["Kundennummer"])
    path = tmp_path / "klaerung.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        for k, row in enumerate((rows[0], rows[-1]), start=1):
            w.writerow([f"KT-{k:04d}", f"{NAME_MARK} Zweig", row["Straße"], row["Hausnummer"],
                        row["PLZ"], row["Ort"], "01.02.2024", "", "", "", "30", ""])
    profile = site.app.state.web.profile(CITY)
    casework_api.import_clients(site.store, profile, str(path), "test")
    for k in (1, 2):
        casework_api.set_status(site.store, profile, "test", f"KT-{k:04d}", "in_klaerung",
                                "Adresse prüfen")
    with shared_browser() as browser:
        page, rec = desktop_page(browser)
        log_in_page(page, site.url)
        rec.reset()
        page.goto(site.url + "/adressen")
        page.wait_for_selector("#adresskarte .leaflet-tile-loaded")
        page.wait_for_load_state("networkidle")
        points = page.locator("form.fix-form").evaluate_all(
            "fs => fs.map(f => [parseFloat(f.breite.value), parseFloat(f.laenge.value)])"
            ".filter(p => !isNaN(p[0]) && !isNaN(p[1]))")
    assert len(points) >= 2, points
    tiles = {tuple(int(n) for n in m.groups())
             for t in rec.tiles if (m := re.search(r"/(\d+)/(\d+)/(\d+)\.png$", t))}
    zooms = {z for z, _, _ in tiles}
    assert zooms and max(zooms) <= 13, sorted(zooms)
    z = max(zooms)

    def tile_of(lat: float, lon: float) -> tuple[int, int, int]:
        n = 2 ** z
        y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
        return z, int((lon + 180) / 360 * n), int(y)

    assert {tile_of(lat, lon) for lat, lon in points} <= tiles, (points, sorted(tiles))


def _appointment_of(site: Site, route, client_id: str):  # noqa: ANN001, ANN202, F811
    from hausbesuch.store import OutcomeRow

    with site.store.session() as s:
        return s.scalars(select(OutcomeRow.appointment_at).where(
            OutcomeRow.client_id == client_id, OutcomeRow.day == route.day)).all()


@pytest.mark.browser
def test_a_day_typed_on_a_phone_without_date_picker(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """A phone whose browser has no date picker shows a text field: the worker types the
    appointment's day German (31.12.2026). The phone refused it („Bitte ein Datum des
    Termins angeben.“) although the server reads it; now it is checked and sent as the
    day it names, a day that does not exist is named, and a form only the server reads
    (a weekday with the date) goes to the server as typed."""
    from hausbesuch import clock

    route = _fresh_route(site)
    monkeypatch.setenv(clock.ENV, route.day.isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0))  # (after every visit)
    first, second = route.stops[0].client_id, route.stops[1].client_id
    week_later = route.day + timedelta(days=7)
    with _worker_browser() as browser:
        ctx, page, errors = _worker_page(site, browser, route, dtime(10, 5))
        # what such a browser shows: the appointment's fields are text fields
        page.evaluate("() => document.querySelectorAll('input[name^=termin_]')"
                      ".forEach(function (i) { i.type = 'text'; })")
        stop1, stop2 = page.locator("li.stop").nth(0), page.locator("li.stop").nth(1)
        _visit_time(stop1)
        _visit_time(stop2)
        _open_appointment(stop1)  # (QA 28 F17: folded until tapped)
        stop1.locator("input[name=termin_datum]").fill("   ")  # spaces are no day
        stop1.locator("input[name=termin_zeit]").fill("10:00")
        stop1.locator("button[value=termin_vereinbart]").click()
        assert "Bitte ein Datum des Termins angeben." in stop1.inner_text()
        assert page.evaluate(QUEUE) == []
        stop1.locator("input[name=termin_datum]").fill("31.02.2027")
        stop1.locator("button[value=termin_vereinbart]").click()
        assert "„31.02.2027“ ist kein gültiges Datum" in stop1.inner_text()
        assert page.evaluate(QUEUE) == []
        # the visit day itself is checked on the phone as with the picker
        stop1.locator("input[name=termin_datum]").fill(f"{route.day:%d.%m.%Y}")
        stop1.locator("button[value=termin_vereinbart]").click()
        assert SAME_DAY in stop1.inner_text()
        assert page.evaluate(QUEUE) == []

        stop1.locator("input[name=termin_datum]").fill(
            f" {week_later.day}.{week_later.month}.{week_later.year} ")
        stop1.locator("button[value=termin_vereinbart]").click()
        page.wait_for_function("() => document.querySelector('li.stop [data-state]')"
                               ".innerText.includes('Übermittelt')", timeout=30_000)
        assert _appointment_of(site, route, first) == [datetime.combine(week_later, dtime(10))]

        weekday = ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"][week_later.weekday()]
        _open_appointment(stop2)  # (QA 28 F17: folded until tapped)
        stop2.locator("input[name=termin_datum]").fill(f"{weekday}, {week_later:%d.%m.%Y}")
        stop2.locator("input[name=termin_zeit]").fill("11.30 Uhr")
        stop2.locator("button[value=termin_vereinbart]").click()
        page.wait_for_function("() => document.querySelectorAll('li.stop [data-state]')[1]"
                               ".innerText.includes('Übermittelt')", timeout=30_000)
        assert _appointment_of(site, route, second) == [
            datetime.combine(week_later, dtime(11, 30))]
        assert errors == []
        ctx.close()
