"""Coordinator pages found wanting in exploratory testing, over real HTTP and in Chromium
against the planned Bad Hersfeld week of :mod:`tests.test_web` (its ``site`` fixture: a
site of this module's own; on SQLite, and for the new link kept in the session on
PostgreSQL too):

- a plan version a re-plan has replaced offers neither „Neu planen“ nor pinning, and the
  server refuses both at once, naming the newest version;
- „Link erzeugen“ is Post/Redirect/Get: the new link is shown once, its token is in no
  URL, and reloading the page neither shows it again nor makes another link;
- the address page stays within a phone's width when an address has a long word;
- the plan form refuses a span that began before today;
- at 390 px: the outcomes table keeps its cells' width, a refused teams upload says so
  in the first screen, and a plan's team-days, pins, outcomes and day links need no
  sideways scrolling (each row a block).

Tests that change the site's data (an imported client, a started plan, a recorded outcome)
come last.
"""

from __future__ import annotations

import csv
import html
import json
import re
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from hausbesuch.fields import WEEKDAYS_DE
from tests.browser import fits_screen, launch, page_width
from tests.shots import shoot
from tests.test_web import CITY, _current_plan, site, versions  # noqa: F401 - fixtures, by name
from tests.test_web_messages import kora  # noqa: F401 - the fixture, by name
from tests.web_fixtures import (
    HEADER,
    NAME_MARK,
    WEEK,
    Site,
    csrf_of,
    links_open,
    log_in_page,
    login,
    sqlite_only,
    wait_for_job,
)

#: A real German word of 63 letters (a law of Mecklenburg-Vorpommern, 1999-2013), as a street.
LONG_WORD = "Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz"
LONG_STREET = LONG_WORD + "straße"
LONG_ID = "W999"


def _alert(text: str) -> str:
    found = re.search(r'<p class="error" role="alert">(.*?)</p>', text, re.S)
    assert found, text[-800:]
    return html.unescape(found.group(1))


def _link_count(site: Site) -> int:  # noqa: F811
    from hausbesuch.web.models import WorkerLinkRow

    with site.store.session() as s:
        return s.scalar(select(func.count()).select_from(WorkerLinkRow))


def _pin(site: Site, client_id: str) -> tuple:  # noqa: F811
    from hausbesuch.store import ClientRow

    with site.store.session() as s:
        row = s.get(ClientRow, {"city": CITY, "client_id": client_id})
        return row.pin_team, row.pin_day, row.pin_time_min, row.pin_source


# --------------------------------------------------------------------------- replaced versions


@sqlite_only()
def test_a_replaced_version_offers_no_replan_and_no_pinning(
        site: Site, kora: httpx.Client, versions: tuple[str, str, str]) -> None:  # noqa: F811
    """The old version's page names the current one (link) and has no form to pin, unpin
    or re-plan; the current version has them. POSTs to the old version are refused at
    once (400, naming the newest version); no job is queued, no pin or audit row made."""
    from hausbesuch.web import jobs

    old, new, _ = versions
    page = kora.get(f"/plaene/{old}")
    assert page.status_code == 200
    assert f'aktuell ist <a href="/plaene/{new}">{new}</a>' in page.text
    for form in ("/neu-planen", "/verschieben", "/festlegung-aufheben"):
        assert f'action="/plaene/{old}{form}"' not in page.text, form
    assert "Festlegen</button>" not in page.text and "Neu planen (" not in page.text
    assert f'href="/plaene/{new}#verschieben"' in page.text
    current = kora.get(f"/plaene/{new}").text
    for form in ("/neu-planen", "/verschieben"):
        assert f'action="/plaene/{new}{form}"' in current, form
    assert 'id="ersetzt"' in page.text and 'id="ersetzt"' not in current

    csrf = csrf_of(current)
    plan = site.store.load_plan(old)
    route = next(r for r in plan.routes if r.stops)
    cid = next(s.client_id for r in plan.routes for s in r.stops
               if re.fullmatch(r"[A-Z0-9]+", s.client_id))
    ziel = f"{route.team_id}|{route.day.isoformat()}"
    queued = [j.id for j in jobs.recent(site.store, CITY)]
    pin = _pin(site, cid)
    audited = len(site.store.audit_rows())
    for path, data, says in (
            ("neu-planen", {}, f"Bitte Plan {new} öffnen und dort neu planen."),
            ("verschieben", {"kundennummer": cid, "ziel": ziel, "uhrzeit": ""},
             f"Besuche bitte in Plan {new} verschieben oder festlegen."),
            ("verschieben", {"kundennummer": cid, "ziel": "kaputt"},  # refused before checks
             f"Besuche bitte in Plan {new} verschieben oder festlegen."),
            ("festlegung-aufheben", {"kundennummer": cid},
             f"Festlegungen bitte in Plan {new} aufheben.")):
        r = kora.post(f"/plaene/{old}/{path}", data={"csrf_token": csrf, **data})
        assert r.status_code == 400, (path, r.status_code)
        message = html.unescape(r.text)
        assert f"Plan {old} wurde bereits neu geplant; aktuell ist Plan {new}. {says}" in \
            message, (path, message[-600:])
        # on the plan page again, the message focused (not the bare error page)
        assert 'id="fehlermeldung"' in r.text and "Zur Planübersicht" not in r.text, path
    assert [j.id for j in jobs.recent(site.store, CITY)] == queued
    assert _pin(site, cid) == pin
    # nothing changed: the only rows are the views of the plan page shown again
    assert {a["action"] for a in site.store.audit_rows()[audited:]} <= {"plan_angezeigt"}


# --------------------------------------------------------------------------- links: PRG


def _made(kora: httpx.Client, site: Site, plan_id: str, ziel: str) -> httpx.Response:  # noqa: F811
    page = kora.get(f"/plaene/{plan_id}/links")
    assert page.status_code == 200
    return kora.post(f"/plaene/{plan_id}/links",
                     data={"csrf_token": csrf_of(page.text), "ziel": ziel})


def _shown_url(text: str) -> str | None:
    found = re.search(r'<code class="link" id="link-text">([^<]+)</code>', text)
    return html.unescape(found.group(1)) if found else None


def test_new_link_is_shown_once_after_a_redirect_without_its_token_in_a_url(
        site: Site, kora: httpx.Client) -> None:  # noqa: F811
    plan = _current_plan(site)
    route = next(r for r in plan.routes if r.stops)
    ziel = f"{route.team_id}|{route.day.isoformat()}"
    before = _link_count(site)
    r = _made(kora, site, plan.id, ziel)
    assert r.status_code == 303
    location = r.headers["location"]
    assert re.fullmatch(rf"/plaene/{re.escape(plan.id)}/links\?neu=[A-Za-z0-9_-]{{16,}}"
                        r"#neuer-link", location), location
    assert _link_count(site) == before + 1
    shown = kora.get(location)
    assert shown.status_code == 200
    url = _shown_url(shown.text)
    assert url and url.startswith(site.url + "/w/"), shown.text[-1500:]
    token = url.split("/w/", 1)[1].strip("/")
    assert len(token) >= 43
    assert '<div class="qr"><svg' in shown.text
    assert token not in location and token not in r.text and token not in str(r.headers)
    links_open(None, route.day)  # (from the day before: QA 28 F4)
    assert httpx.get(url).status_code == 200  # the link works
    # nothing the server keeps or logs holds the token
    assert token not in json.dumps(site.store.audit_rows(), default=str)
    # reloading the page: not shown again, no other link
    again = kora.get(location)
    assert again.status_code == 200
    assert _shown_url(again.text) is None and token not in again.text
    assert 'id="link-schon-angezeigt"' in again.text
    assert "nur einmal angezeigt" in again.text
    assert _link_count(site) == before + 1
    assert token[:8] in again.text  # listed by its prefix, revocable
    # a made-up id shows nothing either
    assert _shown_url(kora.get(f"/plaene/{plan.id}/links?neu=erfunden").text) is None


def test_a_new_link_is_shown_to_the_session_that_made_it_only(
        site: Site, kora: httpx.Client) -> None:  # noqa: F811
    plan = _current_plan(site)
    route = next(r for r in plan.routes if r.stops)
    r = _made(kora, site, plan.id, f"{route.team_id}|{route.day.isoformat()}")
    location = r.headers["location"]
    with httpx.Client(base_url=site.url, follow_redirects=False, timeout=60) as other:
        assert login(other, "kora").status_code == 303  # same account, another login
        page = other.get(location)
        assert page.status_code == 200 and _shown_url(page.text) is None
        with httpx.Client(base_url=site.url, follow_redirects=False, timeout=60) as ada:
            assert login(ada, "ada").status_code == 303
            assert _shown_url(ada.get(location).text) is None
        # another plan's page with the same id shows nothing
        for other_plan in [p.id for p in site.store.list_plans(CITY) if p.id != plan.id][:1]:
            assert _shown_url(kora.get(location.replace(plan.id, other_plan)).text) is None
    # the session that made it still gets it, once
    assert _shown_url(kora.get(location).text)
    assert _shown_url(kora.get(location).text) is None


# --------------------------------------------------------------------------- plan form


# refused before the store; a plan made from the form on both:
# test_web.py::test_two_coordinators_planning_at_once_both_get_their_plan
@sqlite_only()
def test_plan_form_refuses_a_span_that_began_before_today(
        site: Site, kora: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """„Erster Tag“ before today is refused on the form (values kept, no job); today is
    taken. The form's default and its earliest day follow the clock (HAUSBESUCH_HEUTE)."""
    from hausbesuch import clock
    from hausbesuch.web import jobs

    page = kora.get("/plaene")
    csrf = csrf_of(page.text)
    today = clock.today()
    assert f'name="start" value="{today + timedelta(days=7 - today.weekday())}"' in page.text
    assert f'min="{today.isoformat()}"' in page.text
    queued = [j.id for j in jobs.recent(site.store, CITY)]
    for start in ("2020-01-06", (today - timedelta(days=1)).isoformat()):
        r = kora.post("/plaene/neu", data={"csrf_token": csrf, "stadt": CITY, "start": start,
                                           "tage": "5"})
        assert r.status_code == 400, start
        message = _alert(r.text)
        assert message.startswith("Erster Tag: ") and "liegt in der Vergangenheit" in message
        assert "„Erster Tag“" in message and f"heute ist {WEEKDAYS_DE[today.weekday()]}, {today:%d.%m.%Y})" \
            in message
        assert f'name="start" value="{start}"' in r.text and 'name="tage" value="5"' in r.text
        assert "<h2>Gespeicherte Pläne</h2>" in r.text
    assert [j.id for j in jobs.recent(site.store, CITY)] == queued

    # today as the machine does not know it: a Monday three weeks after the site's week
    monday = WEEK + timedelta(weeks=3)
    monkeypatch.setenv(clock.ENV, monday.isoformat())
    page = kora.get("/plaene")
    assert f'name="start" value="{monday + timedelta(days=7)}"' in page.text
    assert f'min="{monday.isoformat()}"' in page.text
    friday = monday - timedelta(days=3)  # a working day, but past
    r = kora.post("/plaene/neu", data={"csrf_token": csrf, "stadt": CITY,
                                       "start": friday.isoformat(), "tage": "1"})
    assert r.status_code == 400
    assert f"Erster Tag: Fr, {friday:%d.%m.%Y} liegt in der Vergangenheit" in _alert(r.text)
    r = kora.post("/plaene/neu", data={"csrf_token": csrf, "stadt": CITY,
                                       "start": monday.isoformat(), "tage": "1"})
    assert r.status_code == 303 and r.headers["location"].startswith("/auftraege/")
    plan_id = wait_for_job(site.store, r.headers["location"].rsplit("/", 1)[1])
    assert site.store.load_plan(plan_id).start == monday


# --------------------------------------------------------------------------- Chromium


_browser = launch


# making a link on both: test_new_link_is_shown_once_after_a_redirect_without_its_token_in_a_url
@sqlite_only()
@pytest.mark.browser
def test_reloading_the_new_link_page_in_chromium_makes_no_link(site: Site) -> None:  # noqa: F811
    from tests.browser import desktop_page, shared_browser

    plan = _current_plan(site)
    with shared_browser() as browser:
        page, rec = desktop_page(browser)
        sent: list[tuple[str, str]] = []
        page.on("request", lambda req: sent.append(
            (req.url, req.headers.get("referer", ""))))
        log_in_page(page, site.url)
        page.goto(site.url + f"/plaene/{plan.id}/links")
        before = _link_count(site)
        page.click("form[action$='/links'] button.primary")
        page.wait_for_selector(".qr svg")
        # the new link takes the focus (it stayed on <body>: nothing was read of it)
        page.wait_for_function("() => document.activeElement.id === 'neuer-link'")
        url = page.inner_text("#link-text").strip()
        token = url.split("/w/", 1)[1].strip("/")
        assert _link_count(site) == before + 1
        assert "neu=" in page.url and token not in page.url
        page.reload()
        page.wait_for_selector("#link-schon-angezeigt")
        page.wait_for_function(
            "() => document.activeElement.id === 'link-schon-angezeigt'")
        assert page.locator(".qr svg").count() == 0
        assert page.locator("#link-text").count() == 0
        assert _link_count(site) == before + 1
        page.go_back()  # back to the form's page: still no second link
        page.wait_for_load_state()
        assert _link_count(site) == before + 1
        assert all(token not in u and token not in ref for u, ref in sent), sent
        assert rec.violations == []


#: Per element of ``sel``: [text, lines it is rendered on, words in it] (lines: the distinct
#: tops of its text's boxes; a word ends at a space or after a hyphen, where a line may
#: break), to see whether a cell or a stop breaks inside a word.
LINES_JS = """(sel) => [...document.querySelectorAll(sel)].map(el => {
  const tops = new Set();
  const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const r = document.createRange(); r.selectNodeContents(n);
    for (const b of r.getClientRects()) if (b.width > 0) tops.add(Math.round(b.top));
  }
  const text = el.innerText.trim();
  return [text, tops.size, text.split(/\\s+|(?<=-)/).filter(Boolean).length];
})"""


def _phone_page(browser, site: Site):  # noqa: ANN001, ANN202, F811
    """A logged-in page at 390 × 844 in a new context of ``browser`` (page, recorder)."""
    from tests.browser import phone_page

    page, rec = phone_page(browser)
    log_in_page(page, site.url)
    return page, rec


@sqlite_only()
@pytest.mark.browser
def test_plan_team_days_fit_a_phone(site: Site) -> None:  # noqa: F811
    """At 390 px each team-day's „In den Außendienst senden“ lies within the screen's width
    (no sideways scrolling of the table), a stop („3. B-1028 (09:25)“) is on one line and
    the page is not wider than the screen. At 1280 px the team-days stay a table."""
    from tests.browser import shared_browser

    plan = _current_plan(site)
    with shared_browser() as browser:
        page, rec = _phone_page(browser, site)
        page.goto(site.url + f"/plaene/{plan.id}")
        page.wait_for_load_state("load")
        buttons = page.locator("#team-tage button", has_text="In den Außendienst senden")
        assert buttons.count() == len([r for r in plan.routes if r.stops]) > 0
        for i in range(buttons.count()):
            box = buttons.nth(i).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, (i, box)
        stops = page.evaluate(LINES_JS, "#team-tage .stopid")
        assert len(stops) == sum(len(r.stops) for r in plan.routes)
        assert [s for s in stops if s[1] != 1] == [], stops
        width = page_width(page)
        assert fits_screen(page), f"page is {width} px wide at 390 px"
        # a desk: the same rows as a table with its head, the button in its row
        page.set_viewport_size({"width": 1280, "height": 900})
        assert page.locator("#team-tage thead").is_visible()
        row = page.locator("#team-tage tbody tr").first
        cells = row.locator("td")
        first, last = cells.first.bounding_box(), cells.last.bounding_box()
        assert abs(first["y"] - last["y"]) < 1 and last["x"] > first["x"], (first, last)
        assert [s for s in page.evaluate(LINES_JS, "#team-tage .stopid") if s[1] != 1] == []
        # day, team, time and distance on one line each (QA 33c L7: „team-“ / „1“)
        short = page.evaluate(LINES_JS, "#team-tage td.kurz")
        assert len(short) == 4 * len(plan.routes), short
        assert [s for s in short if s[1] != 1 and "(" not in s[0]] == [], short
        assert rec.violations == []


#: The plan list's tables (/plaene) and the German label each value must carry on a phone.
PLAN_LIST_TABLES = {
    "#auftraege": ["Gestartet", "Von", "Art", "Stand", "Plan"],
    "#gespeicherte-plaene": ["Plan", "Version", "Zeitraum", "Erstellt", "Team-Tage",
                             "Besuche bei Erstellung", "Stand jetzt", "Nicht eingeplant"],
}
#: Per cell of a table (``sel``): its label before the value (CSS ::before, its text only),
#: whether it lies within the screen's width, and its text.
CELLS_JS = """(sel) => [...document.querySelectorAll(sel + ' tbody td')].map(td => {
  const b = td.getBoundingClientRect();
  const c = getComputedStyle(td, '::before').content;  // '"Plan: " / ""' or 'none'
  return [(c.match(/^"([^"]*)"/) || [null, c])[1],
          b.left >= 0 && b.right <= window.innerWidth, td.innerText.trim()];
})"""


@sqlite_only()
@pytest.mark.browser
def test_plan_list_tables_fit_a_phone(site: Site) -> None:  # noqa: F811
    """At 390 px the plan list's tables (planning jobs, stored plans) scrolled sideways in
    their boxes (seven columns, „Stand jetzt“ off to the right). Now each row is a block
    like the pins' and outcomes' (table.stack): no box and not the page scrolls sideways,
    every cell lies within the screen, its column's German name before its value. At
    1280 px they are tables as before."""
    from tests.browser import shared_browser

    plan = _current_plan(site)
    with shared_browser() as browser:
        page, rec = _phone_page(browser, site)
        page.goto(site.url + "/plaene")
        page.wait_for_load_state("load")
        shoot(page, "plaene-390.png", full_page=True)
        assert plan.id in page.locator("#gespeicherte-plaene").inner_text()
        for table, names in PLAN_LIST_TABLES.items():
            assert page.locator(f"{table} thead th").all_inner_texts() == names, table
            boxes = page.evaluate(f"""() => {{ const s = document.querySelector('{table}')
                .closest('.scroll'); return [s.scrollWidth, s.clientWidth]; }}""")
            assert boxes[0] <= boxes[1], f"{table} scrolls sideways in its box: {boxes}"
            cells = page.evaluate(CELLS_JS, table)
            rows = page.locator(f"{table} tbody tr").count()
            assert rows > 0 and len(cells) == rows * len(names), (table, cells)
            # every value within the screen, its column's name before it
            assert [c for c in cells if not c[1]] == [], f"{table}: cells off screen"
            labels = [c[0] for c in cells[:len(names)]]
            assert labels == [f"{n}: " for n in names], (table, labels)
        width = page_width(page)
        assert fits_screen(page), f"page is {width} px wide at 390 px"
        # the screen reader keeps the column headers (the head is out of view only)
        assert page.locator("#gespeicherte-plaene").get_attribute("role") == "table"
        # a desk: tables with their heads, a row's cells side by side, no labels
        page.set_viewport_size({"width": 1280, "height": 900})
        for table in PLAN_LIST_TABLES:
            assert page.locator(f"{table} thead").is_visible(), table
            cells = page.locator(f"{table} tbody tr").first.locator("td")
            first, last = cells.first.bounding_box(), cells.last.bounding_box()
            assert abs(first["y"] - last["y"]) < 1 and last["x"] > first["x"], table
            assert {c[0] for c in page.evaluate(CELLS_JS, table)} <= {"none", "normal"}
        assert rec.violations == []


@sqlite_only()
@pytest.mark.browser
def test_refused_teams_upload_is_said_in_the_first_screen(site: Site) -> None:  # noqa: F811
    """After a refused teams upload the phone shows the page's top: the German message is
    there (within 390 × 844), not below the unchanged teams table."""
    from tests.browser import shared_browser

    wrong = (b'[[team]]\nid = "west"\nmitglieder = ["A. B."]\nmaximal = 6\n')
    with shared_browser() as browser:
        page, rec = _phone_page(browser, site)
        page.goto(site.url + "/teams")
        page.set_input_files("input[name=datei]", files=[{
            "name": "meine.teams.toml", "mimeType": "text/plain", "buffer": wrong}])
        with page.expect_navigation():
            page.click("text=Teams hochladen")
        page.wait_for_load_state("load")
        alert = page.locator("p.error[role=alert]")
        assert alert.count() == 1
        message = alert.inner_text()
        assert message.startswith("Ungültige Teams in meine.teams.toml") and \
            "„maximal“" in message, message
        box = alert.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= 844, box
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        assert fits_screen(page)
        assert rec.violations == []


@sqlite_only()  # storing an absence on both: test_web.py::test_team_absences_on_the_teams_page
def test_absence_answers_are_said_in_the_first_screen(site: Site) -> None:  # noqa: F811
    """The absences form sits far down the teams page: its refusal and its „gespeichert“
    are at the top, where the phone shows the page again (QA 13a: after the teams upload,
    the same for the absences)."""
    from tests.browser import shared_browser

    with shared_browser() as browser:
        page, rec = _phone_page(browser, site)
        try:
            # an impossible day (typed past the browser's date field), then a day far
            # ahead of every plan of the other tests (taken back below)
            for fill, expect in (("2026-02-30", None), ("2031-06-02", "p.ok[role=status]")):
                page.goto(site.url + "/teams")
                page.evaluate("(v) => { const f = document.querySelector("
                              "'form[action=\"/teams/abwesenheit\"] input[name=von]');"
                              " f.type = 'text'; f.value = v; }", fill)
                with page.expect_navigation():
                    page.click("text=Abwesenheit eintragen")
                page.wait_for_load_state("load")
                box_of = page.locator(expect or "p.error[role=alert]")
                assert box_of.count() == 1
                text = box_of.inner_text()
                assert text.startswith("Abwesenheit: Von:" if not expect
                                       else "Abwesenheiten gespeichert"), text
                box = box_of.bounding_box()
                assert box["y"] >= 0 and box["y"] + box["height"] <= 844, box
            assert fits_screen(page)
            assert rec.violations == []
        finally:
            from datetime import date

            from hausbesuch import absences

            for team, first, last in absences.ranges(absences.listed(
                    site.store, CITY, date(2031, 6, 1))):
                absences.remove(site.store, CITY, team, first, last, actor="test")
            assert not absences.listed(site.store, CITY, date(2031, 6, 1))


def _import_long_address(site: Site, tmp: Path) -> None:  # noqa: F811
    """A client whose street is one long word (not in the extract: the address page lists
    it)."""
    from hausbesuch.web import casework_api

    path = tmp / "lang.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        w.writerow([LONG_ID, f"{NAME_MARK} Lang", LONG_STREET, "7", "36251", "Bad Hersfeld",
                    "01.02.2024", "", "", "", "30", ""])
    report = casework_api.import_clients(site.store, site.app.state.web.profile(CITY),
                                         str(path), "test")
    assert report["rejected"] == [], report


@sqlite_only()
@pytest.mark.browser
def test_address_page_with_a_long_word_fits_a_phone(site: Site, tmp_path: Path) -> None:  # noqa: F811
    """At 390 px (a phone) the address page has no horizontal overflow although an address
    is one word of 69 letters, also after a refused fix that echoes a long typed word."""
    from tests.browser import phone_page, shared_browser

    _import_long_address(site, tmp_path)
    with shared_browser() as browser:
        page, rec = phone_page(browser)
        log_in_page(page, site.url)
        page.goto(site.url + "/adressen")
        row = page.locator(f"#adresse-{LONG_ID}")
        assert LONG_STREET in row.inner_text()
        width = page_width(page)
        assert width <= 390 and fits_screen(page), f"page is {width} px wide at 390 px"
        assert page.evaluate("() => window.innerWidth") == 390  # not zoomed out
        box = row.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        # a refused fix: the long typed word in the message and in the field
        row.locator("input[name=adresse]").fill(LONG_WORD + "weg 12")
        row.locator("button.primary").click()
        page.wait_for_selector(f"#adresse-{LONG_ID} p.error")
        page.wait_for_load_state("load")  # the style sheet too (CI measured before it)
        message = page.locator(f"#adresse-{LONG_ID} p.error").inner_text()
        assert LONG_WORD in message
        width = page_width(page)
        assert width <= 390 and fits_screen(page), \
            f"page with the message is {width} px wide at 390 px"
        assert rec.violations == []


@sqlite_only()  # storing an outcome on both: test_web.py::test_outcome_is_recorded_once_per_key
@pytest.mark.browser
def test_outcomes_table_keeps_its_cells_wide_on_a_phone(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """At 390 px the outcomes page's table (id „ergebnisse“, like the case page's section)
    keeps its cells' width: no cell breaks inside a word (the date, the Kundennummer, the
    note), and the page is not wider than the screen. Its rows are blocks on a phone
    (QA 22 F8; it scrolled sideways in its box before), so nothing scrolls sideways."""
    from hausbesuch import clock
    from hausbesuch.web import casework_api
    from tests.browser import shared_browser
    from tests.test_web import _outcomes

    plan = _current_plan(site)
    done = {(o["client_id"], o["day"]) for o in _outcomes(site)}
    route, stop = next((r, s) for r in reversed(plan.routes) for s in reversed(r.stops)
                       if (s.client_id, r.day) not in done and not s.called_off)
    monkeypatch.setenv(clock.ENV, route.day.isoformat())
    casework_api.record_outcome(
        site.store, site.app.state.web.profile(CITY), "test", stop.client_id, route.day,
        "nicht_angetroffen", time_min=10 * 60, appointment=None,
        note="Briefkasten leer, Nachbarin sagt: verreist", idempotency_key="ux-390-1")
    with shared_browser() as browser:
        page, rec = _phone_page(browser, site)
        page.goto(site.url + f"/plaene/{plan.id}/ergebnisse")
        page.wait_for_load_state("load")
        row = f'#ergebnisse tr[data-kunde="{stop.client_id}"]'
        cells = page.evaluate(LINES_JS, f"{row} td")
        assert cells[0][0].endswith(f"{route.day:%d.%m.%Y}"), cells
        assert any("Briefkasten" in c[0] for c in cells), cells
        assert [c for c in cells if c[1] > c[2]] == [], \
            f"cells broken inside a word (text, lines, words): {cells}"
        box = page.evaluate("""() => { const s = document.querySelector('#ergebnisse')
            .closest('.scroll'); return [s.scrollWidth, s.clientWidth]; }""")
        assert box[0] <= box[1], f"the table should need no sideways scrolling: {box}"
        width = page_width(page)
        assert fits_screen(page), f"page is {width} px wide at 390 px"
        assert rec.violations == []


#: Where the phone tests of the plan's tables save their screenshots (QA 22 F8).
#: Every control of a table: its buttons, submits and links.
CONTROLS = "button:not(.default-submit), input[type=submit], a[href]"


@sqlite_only()  # pins on both: test_web_pins.py::test_pin_targets_shift_check_table_and_unpin
@pytest.mark.browser
def test_plan_pins_outcomes_and_links_tables_fit_a_phone(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """QA 22 F8: at 390 px the pins table (plan view, „Aufheben“), the outcomes table (the
    Kundennummer's link) and the day-links table („Widerrufen“) put their controls off the
    screen, in a box that showed no sign of scrolling sideways. Now each row is a block
    with the column names as labels: every control lies within the screen's width, the
    page is not wider than the screen. At 1280 px they are tables as before (head shown,
    a row's cells side by side). A pin's note (its team entered as absent that day,
    closing 33: the column „Hinweis“) fits too."""
    from sqlalchemy import update

    from hausbesuch import absences, clock
    from hausbesuch.store import CaseVisitRow, ClientRow, OutcomeRow
    from hausbesuch.web import casework_api
    from hausbesuch.web.links import create_link, revoke
    from tests.browser import shared_browser
    from tests.test_web import _outcomes

    plan = _current_plan(site)
    done = {(o["client_id"], o["day"]) for o in _outcomes(site)}
    route, stop = next((r, s) for r in plan.routes for s in r.stops
                       if (s.client_id, r.day) not in done and not s.called_off)
    pinned = next(s.client_id for r in plan.routes for s in r.stops
                  if s.client_id != stop.client_id and not s.called_off)
    # pinned the day before (a pin of today at 09:00 is refused from 08:45 on by the real
    # clock: too soon or over), the outcome recorded on the day
    monkeypatch.setenv(clock.ENV, (route.day - timedelta(days=1)).isoformat())
    assert casework_api.pin_visit(site.store, CITY, "kora", pinned, plan.id,
                                  team=route.team_id, day=route.day, minutes=9 * 60) is None
    # a pin to the other team, which is then entered as absent that day: noted
    other = next(t["id"] for t in plan.params["teams"] if t["id"] != route.team_id)
    noted = next(s.client_id for r in plan.routes for s in r.stops
                 if s.client_id not in (stop.client_id, pinned) and not s.called_off)
    assert casework_api.pin_visit(site.store, CITY, "kora", noted, plan.id, team=other,
                                  day=route.day, minutes=None) is None
    assert absences.add(site.store, CITY, other, route.day, teams=[other], actor="test") == 1
    monkeypatch.setenv(clock.ENV, route.day.isoformat())
    _, link = create_link(site.store, plan.id, route.team_id, route.day, actor="test")
    casework_api.record_outcome(
        site.store, site.app.state.web.profile(CITY), "test", stop.client_id, route.day,
        "nicht_angetroffen", time_min=10 * 60, appointment=None,
        note="Briefkasten leer, Nachbarin sagt: verreist", idempotency_key="ux-390-f8")
    pages = {  # page, its table, what the table must hold
        "festlegungen": (f"/plaene/{plan.id}",
                         "table:has(form[action$='/festlegung-aufheben'])", "Aufheben"),
        "ergebnisse": (f"/plaene/{plan.id}/ergebnisse", "#ergebnisse", stop.client_id),
        "tageslinks": (f"/plaene/{plan.id}/links",
                       "table:has(form[action$='/links/widerrufen'])", "Widerrufen"),
    }
    off: dict[str, list] = {}  # page -> controls off the screen
    labels: dict[str, list] = {}  # page -> the label before a value (CSS ::before)
    try:
        with shared_browser() as browser:
            page, rec = _phone_page(browser, site)
            for name, (path, table, holds) in pages.items():
                page.set_viewport_size({"width": 390, "height": 844})
                page.goto(site.url + path)
                page.wait_for_load_state("load")
                assert holds in page.locator(table).inner_text(), name
                page.locator(table).scroll_into_view_if_needed()
                shoot(page, f"{name}-390.png")
                controls = page.locator(f"{table} tbody").locator(CONTROLS)
                assert controls.count() > 0, name
                for i in range(controls.count()):
                    c = controls.nth(i)
                    box = c.bounding_box()
                    if box is None or box["x"] < 0 or box["x"] + box["width"] > 390:
                        off.setdefault(name, []).append((c.inner_text(), box))
                width = page_width(page)
                assert fits_screen(page), f"{name}: page is {width} px wide"
                if name == "festlegungen":  # the note, whole on the screen
                    note = page.locator(f"{table} td[data-label=Hinweis]:not(:empty)")
                    assert note.count() == 1 and note.inner_text().startswith(
                        f"Team „{other}“ ist am "), note.all_inner_texts()
                    box = note.bounding_box()
                    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
                # the column's name before a value, for the eye
                labels[name] = page.locator(f"{table} tbody td[data-label]").evaluate_all(
                    "es => es.slice(0, 1).map(e => getComputedStyle(e, '::before')"
                    ".content)")
                # a desk: a table as before, its head shown, a row's cells side by side
                page.set_viewport_size({"width": 1280, "height": 900})
                assert page.locator(f"{table} thead").is_visible(), name
                cells = page.locator(f"{table} tbody tr").first.locator("td")
                first, last = cells.first.bounding_box(), cells.last.bounding_box()
                assert abs(first["y"] - last["y"]) < 1 and last["x"] > first["x"], \
                    (name, first, last)
                assert set(page.locator(f"{table} tbody td[data-label]").evaluate_all(
                    "es => es.map(e => getComputedStyle(e, '::before').content)")
                ) <= {"none", "normal"}, name
            # every table checked (each fails without the fix): then the verdict
            assert off == {}, f"controls off the screen at 390 px: {off}"
            assert [n for n, v in labels.items()
                    if not v or v[0] in ("none", "normal", "")] == [], labels
            assert rec.violations == []
    finally:
        casework_api.unpin_visit(site.store, CITY, "test", pinned, plan.id)
        casework_api.unpin_visit(site.store, CITY, "test", noted, plan.id)
        absences.remove(site.store, CITY, other, route.day, actor="test")
        revoke(site.store, link.prefix, actor="test", city=CITY)
        with site.store.session() as s:  # the shared week as it was for the other tests
            s.execute(OutcomeRow.__table__.delete().where(
                OutcomeRow.client_id == stop.client_id, OutcomeRow.day == route.day))
            s.execute(update(CaseVisitRow).where(
                CaseVisitRow.client_id == stop.client_id, CaseVisitRow.day == route.day,
                CaseVisitRow.status == "erledigt").values(status="geplant"))
            s.get(ClientRow, {"city": CITY, "client_id": stop.client_id}).status = "offen"
