"""One verdict on a client's address in every view, and the address map of *Adressen*.

QA 22 F3: a street name typed with a plain typo („Pirkheimerstraße 32“ for the
Pirckheimerstraße of Lauf) was found with the geocoder's note and no doubt, so *Adressen*
(and ``hausbesuch addresses``) did not list it, while the phone, the sheet and
``report.csv`` said „Adresse unsicher – vor Ort prüfen“ / „bitte prüfen“ for any note: the
field was told to check what the coordinator was never asked (and could not) confirm. Now
the geocoder's doubt is the one verdict, stored with the plan's geocodes; a harmless note
is information only, and a coordinator's confirmation clears a doubt in the next plan.

QA 22 F1: „Auf der Karte“ for a row without a point filled Breite/Länge at once with the
map's centre (fitted to the listed points: another client's point), and „Speichern“
stored it. Now the fields stay empty until the coordinator clicks on the map; the places
of an ambiguous address are shown to pick one.

A web app of its own over SQLite with a planned week of Lauf a.d. Pegnitz (real OSM
extract), served on loopback; Chromium at a phone's width.
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.web_fixtures import (
    PASSWORD,
    csrf_of,
    links_open,
    live_server,
    log_in_page,
    logged_in,
    planning_week,
    run_jobs_now,
    stand_of,
    wait_for_job,
)

LAUF = "Lauf a.d. Pegnitz"
WEEK = planning_week(land="BY")
TYPO, DOUBT, AMBIGUOUS, STREET = "L-01", "L-02", "L-03", "L-04"
ROWS = [  # Kundennummer, Straße, Hausnummer, Ort
    (TYPO, "Pirkheimerstraße", "32", LAUF),  # a plain typo: found, the geocoder is sure
    (DOUBT, "Stettiner Straße", "12", "Lauf (Bullach)"),  # a district it does not know
    (AMBIGUOUS, "Troppauer Straße", "3", LAUF),  # two places 127 m apart in the OSM data
    (STREET, "Vogelhofer Straße", "", LAUF),  # street level: a point, on the street
    ("L-05", "Erlenstraße", "3", LAUF),
    ("L-06", "Kunigundenstraße", "27", LAUF),
    ("L-07", "Heckenweg", "9", LAUF),
    ("L-08", "Tilsiter Straße", "20", LAUF),
]


@dataclass
class LaufSite:
    url: str
    app: object
    store: object
    plan_id: str


def _plan(store) -> str:  # noqa: ANN001
    from hausbesuch.web import jobs

    jobs.submit(store, "plan", LAUF, {"start": WEEK.isoformat(), "days": 5,
                                      "time_limit": 2.0, "profile": "lauf"}, "lena")
    return run_jobs_now(store)[0]


def _replan(site: LaufSite) -> str:
    """A new version of the site's plan (the served app's job runner makes it)."""
    from hausbesuch.web import jobs

    return wait_for_job(site.store, jobs.submit(site.store, "replan", LAUF, {
        "plan_id": site.plan_id, "start": WEEK.isoformat(), "days": 5, "time_limit": 2.0,
        "profile": "lauf"}, "lena"))


@pytest.fixture(scope="module")
def lauf_site(tmp_path_factory: pytest.TempPathFactory, lauf_pbf: Path) -> Iterator[LaufSite]:
    from hausbesuch.web import casework_api
    from hausbesuch.web.app import create_app
    from hausbesuch.web.auth import add_user

    tmp = tmp_path_factory.mktemp("web-lauf-verdict")
    app = create_app(f"sqlite:///{tmp / 'lauf.sqlite'}", cities=["lauf"],
                     plan_time_limit=2.0)
    store = app.state.web.store
    add_user(store, "lena", PASSWORD, role="koordination", city=LAUF)
    path = tmp / "kunden.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort",
                    "Kontaktabbruch seit"])
        for cid, street, number, town in ROWS:
            w.writerow([cid, f"Testname {cid}", street, number, "91207", town, "01.03.2026"])
    casework_api.import_clients(store, app.state.web.profile(LAUF), str(path), "lena")
    plan_id = _plan(store)
    with live_server(app) as live:
        yield LaufSite(live.url, app, store, plan_id)


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _listed(c: httpx.Client) -> dict[str, str]:
    """The rows of *Adressen*: case id -> the row's text."""
    page = c.get("/adressen").text
    return {m[1]: _text(m[2]) for m in re.finditer(
        r'<tr id="adresse-([^"]+)" role="row">(.*?)</tr>', page, re.S)}


def _phone_notes(site: LaufSite, client_ids: set[str]) -> dict[str, str]:
    """The phone page's text of each stop of ``client_ids`` in the site's newest plan."""
    from hausbesuch.web.links import create_link

    plan = site.store.load_plan(site.plan_id)
    out = {}
    for r in plan.routes:
        here = client_ids & {s.client_id for s in r.stops}
        if not here:
            continue
        token, _ = create_link(site.store, site.plan_id, r.team_id, r.day, actor="test")
        links_open(None, r.day)  # it opens now (QA 28 F4)
        page = httpx.get(f"{site.url}/w/{token}/").text
        for cid in here:
            out[cid] = _text(page.split(f'id="stopp-{cid}"', 1)[1].split("</li>", 1)[0])
    return out


def test_a_typo_the_geocoder_is_sure_of_is_nowhere_in_doubt_and_a_doubt_everywhere(
        lauf_site: LaufSite) -> None:
    from hausbesuch.maps import WHERE_DOUBT
    from hausbesuch.planning.report import report_rows
    from hausbesuch.web import casework_api

    site = lauf_site
    with logged_in(site.url, "lena") as c:
        listed = _listed(c)
    # Adressen (and ``hausbesuch addresses``: the same list) asks to confirm the doubt only
    assert DOUBT in listed and "bitte prüfen" in listed[DOUBT], listed
    assert TYPO not in listed, listed[TYPO]
    problems = casework_api.casework(site.store, site.app.state.web.profile(LAUF),
                                     "cli:test").address_problems()
    assert {p.client_id for p in problems} == set(listed)
    plan = site.store.load_plan(site.plan_id)
    planned = {s.client_id for r in plan.routes for s in r.stops}
    assert {TYPO, DOUBT} <= planned
    # report.csv: the typo's note as information, the doubt to check
    rows = {r["id"]: r["grund"] for r in report_rows(plan)}
    assert "Straßenname unscharf erkannt" in rows[TYPO] and "bitte prüfen" not in rows[TYPO]
    assert rows[TYPO].startswith("Adresse gefunden: "), rows[TYPO]
    assert rows[DOUBT].startswith("Adresse gefunden, bitte prüfen: Ort „Lauf"), rows[DOUBT]
    # the phone (the route page and the sheet take the same line): the same verdict
    notes = _phone_notes(site, {TYPO, DOUBT})
    assert WHERE_DOUBT not in notes[TYPO], notes[TYPO]
    assert WHERE_DOUBT in notes[DOUBT], notes[DOUBT]

    # the coordinator confirms the doubt (Vorschlag 1, the match): not listed any more,
    # and the next plan is sure of it everywhere
    with logged_in(site.url, "lena") as c:
        page = c.get("/adressen").text
        r = c.post(f"/adressen/{DOUBT}", data={"csrf_token": csrf_of(page), "stadt": LAUF,
                                               "stand": stand_of(page, DOUBT),
                                               "vorschlag": "1"})
        assert r.status_code == 303
        assert DOUBT not in _listed(c)
    site.plan_id = _replan(site)
    plan = site.store.load_plan(site.plan_id)
    assert DOUBT in {s.client_id for r in plan.routes for s in r.stops}
    rows = {r["id"]: r["grund"] for r in report_rows(plan)}
    assert "bitte prüfen" not in rows[DOUBT], rows[DOUBT]
    assert WHERE_DOUBT not in _phone_notes(site, {DOUBT})[DOUBT]


def test_a_geocode_stored_before_the_verdict_was_kept_is_judged_as_then() -> None:
    """Plans stored before migration 0012 have no verdict (NULL): an exact match with a
    note counts as in doubt there, as the pages said when the plan was made."""
    from hausbesuch.plandata import Geocode, address_in_doubt

    old = Geocode("K1", 9.7, 50.8, "exact", 0.96, "Hüttenweg 6", "Straßenname unscharf "
                  "erkannt: „Hütenweg“ ≈ „Hüttenweg“.", "Mitte")
    assert address_in_doubt(old)
    assert not address_in_doubt(Geocode("K1", 9.7, 50.8, "exact", 1.0, "Hüttenweg 6", "",
                                        "Mitte"))
    from dataclasses import replace

    assert not address_in_doubt(replace(old, doubt=False))
    assert address_in_doubt(replace(old, quality="interpolated", doubt=True))
    # QA 25 F6: a street-level point on a guessed street is in doubt when the geocoder
    # says so; a street-level point whose only problem is the missing number is not
    assert address_in_doubt(replace(old, quality="street", doubt=True))
    assert not address_in_doubt(replace(old, quality="street", doubt=False))
    assert not address_in_doubt(replace(old, quality="street", doubt=None))
    assert not address_in_doubt(None)


@pytest.mark.browser
def test_the_map_leaves_a_row_without_a_point_empty_until_clicked(lauf_site: LaufSite) -> None:
    from hausbesuch.store import AddressFixRow
    from tests.browser import Recorder, shared_browser

    site = lauf_site
    with shared_browser() as browser:
        ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="de-DE",
                                  timezone_id="Europe/Berlin", service_workers="block",
                                  reduced_motion="reduce")  # no smooth scroll under a click
        rec = Recorder(tile_host="tile.openstreetmap.org")
        ctx.route("**/*", rec.handle_route)
        page = ctx.new_page()
        rec.attach_page(page)
        page.set_default_timeout(30_000)
        log_in_page(page, site.url, "lena")
        page.goto(site.url + "/adressen")
        page.wait_for_selector("#adresskarte .leaflet-control-zoom-in")
        row = page.locator(f"tr#adresse-{AMBIGUOUS}")
        street = page.locator(f"tr#adresse-{STREET}")
        lat, lon = row.locator("input[name=breite]"), row.locator("input[name=laenge]")
        assert (lat.input_value(), lon.input_value()) == ("", "")
        # the other row's point first (the map then stands on it), then the row without
        street.locator("button.show-on-map").click()
        assert street.locator("input[name=breite]").input_value() != ""
        row.locator("button.show-on-map").click()
        assert (lat.input_value(), lon.input_value()) == ("", ""), \
            "the map's centre was put into a row without a point"
        hint = page.inner_text("#karten-hinweis")
        assert f"{AMBIGUOUS}:" in hint and "an 2 Orten" in hint and "Hauseingang" in hint
        # the two places of the map data are offered: one click takes one
        places = page.locator("#adresskarte path.leaflet-interactive")
        assert places.count() == 2
        assert page.locator("#adresskarte .leaflet-marker-icon").count() == 0
        # „Speichern“ with the fields empty is refused, nothing stored
        row.locator("button.primary").click()
        page.wait_for_selector("#fehlermeldung")
        # the page comes again: its map is made anew (a click before that does nothing;
        # CI33 met it under load)
        page.wait_for_selector("#adresskarte .leaflet-control-zoom-in")
        assert "Breite und Länge als Zahlen angeben" in page.inner_text("#fehlermeldung")
        with site.store.session() as s:
            assert s.get(AddressFixRow, {"city": LAUF, "client_id": AMBIGUOUS}) is None
        row = page.locator(f"tr#adresse-{AMBIGUOUS}")
        lat, lon = row.locator("input[name=breite]"), row.locator("input[name=laenge]")
        row.locator("button.show-on-map").click()
        assert (lat.input_value(), lon.input_value()) == ("", "")
        page.locator("#adresskarte path.leaflet-interactive").first.click(force=True)
        picked = (float(lat.input_value()), float(lon.input_value()))
        known = [(49.5204022, 11.2550141), (49.5214234, 11.2542049)]
        assert any(abs(picked[0] - a) < 2e-6 and abs(picked[1] - b) < 2e-6
                   for a, b in known), picked
        assert "übernommen" in page.inner_text("#karten-hinweis")
        # a click elsewhere sets the point there, as before
        box = page.locator("#adresskarte").bounding_box()
        page.locator("#adresskarte").click(position={"x": box["width"] * 0.85,
                                                     "y": box["height"] * 0.3})
        assert (float(lat.input_value()), float(lon.input_value())) != picked
        assert not rec.page_errors and not rec.violations, (rec.page_errors, rec.violations)


def test_a_case_opened_by_its_number_shows_its_point_to_correct_it(
        lauf_site: LaufSite) -> None:
    """QA 22 F2: a point set by hand (wrongly) left *Adressen* and could be corrected only
    by a detour over the status „in Klärung“. ``/adressen?kundennummer=…`` shows that one
    case with its stored point, whatever its status, to correct it (the case page's
    link); an unknown number is 404, a refused fix shows the case's form again."""
    from hausbesuch.store import AddressFixRow

    site, cid = lauf_site, "L-05"
    with logged_in(site.url, "lena") as c:
        page = c.get("/adressen", params={"kundennummer": cid}).text  # (found: not listed)
        wrong = {"csrf_token": csrf_of(page), "stadt": LAUF, "breite": "49.524997",
                 "laenge": "11.267166", "stand": stand_of(page, cid)}
        assert c.post(f"/adressen/{cid}", data=wrong).status_code == 303
        assert cid not in _listed(c)  # „von Hand gesetzt“ counts as reviewed
        # the case page links to it
        case = c.get(f"/faelle/{cid}?stadt={LAUF}").text
        link = re.search(r'<p id="adresse-korrigieren"><a href="([^"]+)">', case)
        assert link, case
        page = c.get(link[1].replace("&amp;", "&"))
        assert page.url.path == "/adressen" and page.url.params["kundennummer"] == cid
        assert page.status_code == 200
        found = re.findall(r'<tr id="adresse-([^"]+)" role="row">', page.text)
        assert found == [cid]
        text = _text(page.text)
        assert f"Adresse von {cid}" in text and "von Hand gesetzt" in text
        assert 'value="49.524997"' in page.text and 'value="11.267166"' in page.text
        views = [r for r in site.store.audit_rows() if r["action"] == "adressen_angezeigt"]
        assert views[-1]["details"]["kundennummern"] == [cid]  # the view names the case
        # the right point replaces the wrong one
        r = c.post(f"/adressen/{cid}", data={**wrong, "breite": "49.5186", "laenge": "11.2831",
                                             "stand": stand_of(page.text, cid)})
        assert r.status_code == 303
        with site.store.session() as s:
            fix = s.get(AddressFixRow, {"city": LAUF, "client_id": cid})
            assert (round(fix.lat, 4), round(fix.lon, 4)) == (49.5186, 11.2831)
        # a refused fix: the message at the case's own form, not only at the top
        r = c.post(f"/adressen/{cid}", data={**wrong, "breite": "", "laenge": ""})
        assert r.status_code == 400
        assert re.findall(r'<tr id="adresse-([^"]+)" role="row">', r.text)[-1] == cid
        assert 'href="#adresse-L-05"' in r.text
        # an unknown number
        assert c.get("/adressen?kundennummer=L-99").status_code == 404
