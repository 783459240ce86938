"""The really planned week (``planned_week``: 200 rows on Bad Hersfeld) in headless Chromium.

The written output directory is served from loopback and opened as a coordinator and a
field worker would: the index page (overview map in an iframe), the route map and the
route page of each team-day that holds a client whose note carries script
(``<script>`` / ``<img onerror>``, rows 160 and 171 of the list), or of the first
team-day when the solver planned neither of them.

Checked: no console or page errors; the expected markers (one per stop plus the start/end
marker(s), one circle per planned visit and one diamond per drawn unassigned visit on the
overview); no request to any host but the profile's tile server (tiles are answered locally);
the injected scripts never run while the note is visible as text; every "Navigation starten"
link is a ``geo:`` URI with the stop's coordinates; no client name anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.browser import chromium_context, require_chromium, serve_directory

pytestmark = pytest.mark.browser

XSS_FLAGS = ("__xss", "__xss_img")
_OPEN_POPUPS = """() => {
    const texts = [];
    Object.values(window).filter(v => v instanceof L.Map).forEach(m => m.eachLayer(l => {
        if (l.getPopup && l.getPopup()) { l.openPopup(); texts.push(l.getPopup().getElement().innerText); }
    }));
    return texts;
}"""
_COUNT_CIRCLES = """() => { let n = 0;
    Object.values(window).filter(v => v instanceof L.Map)
        .forEach(m => m.eachLayer(l => { if (l instanceof L.CircleMarker) n++; }));
    return n; }"""


def _tile_host() -> str:
    from hausbesuch.config import load_profile
    from hausbesuch.maps import MapSettings

    return MapSettings(tile_url=load_profile("bad-hersfeld").map.tile_url).tile_host


def _script_notes(plan) -> dict[str, str]:
    """client id -> note, for the clients whose note carries script."""
    return {c.id: c.notiz for c in plan.clients
            if c.notiz and ("<script" in c.notiz or "onerror" in c.notiz)}


def _chosen_routes(plan):
    """Routes holding a script-note client; else the first route (by day, team)."""
    notes = _script_notes(plan)
    routes = sorted(plan.routes, key=lambda r: (r.day, r.team_id))
    chosen = [r for r in routes if any(s.client_id in notes for s in r.stops)]
    return chosen or [next(r for r in routes if r.stops)]


@pytest.fixture(scope="module")
def week(planned_week):
    require_chromium()
    plan = planned_week.result.plan
    assert len(_script_notes(plan)) == 2  # both rows are valid clients with script in the note
    return planned_week


@pytest.fixture(scope="module")
def base_url(week) -> Iterator[str]:
    with serve_directory(week.out_dir) as url:
        yield url


@pytest.fixture(scope="module")
def browser(week):
    with chromium_context(_tile_host()) as (ctx, rec):
        yield ctx, rec


def _xss_flags(frame) -> dict[str, object]:
    return frame.evaluate(f"() => Object.fromEntries({list(XSS_FLAGS)!r}.map(k => [k, window[k]]))")


def _assert_clean(rec, *, tiles: bool) -> None:
    tile_host = _tile_host()
    assert rec.violations == [], f"requests to other hosts: {rec.violations}"
    assert rec.hosts() <= {"127.0.0.1", tile_host}, rec.hosts()
    assert rec.console_errors == [], rec.console_errors
    assert rec.page_errors == [], rec.page_errors
    if tiles:
        assert rec.tiles, "the map requested no tiles (did it load?)"
        assert all(re.search(r"/\d+/\d+/\d+\.png$", t) for t in rec.tiles), rec.tiles[:3]
    else:
        assert rec.tiles == []


def _files(week, route):
    return week.result.files.by_slug(route.slug)


def test_route_maps_of_the_planned_week(browser, base_url: str, week) -> None:
    ctx, rec = browser
    plan = week.result.plan
    notes = _script_notes(plan)
    for route in _chosen_routes(plan):
        rec.reset()
        page = ctx.new_page()
        page.goto(f"{base_url}/karten/{_files(week, route).map.name}")
        page.wait_for_selector(".leaflet-marker-icon.hb-stop")
        page.wait_for_load_state("networkidle")

        n_depots = 1 if route.start_lonlat == route.end_lonlat else 2
        assert page.locator(".leaflet-marker-icon.hb-stop").count() == len(route.stops)
        assert page.locator(".leaflet-marker-icon.hb-depot").count() == n_depots
        assert page.locator(".leaflet-marker-icon").count() == len(route.stops) + n_depots
        labels = page.locator(".hb-stop .hb-stop-pin [aria-hidden=true]").all_inner_texts()
        assert labels == [str(s.position) for s in route.stops]
        # what a screen reader reads for each pin: the stop, its case id and time
        names = page.locator(".hb-stop .hb-stop-pin span:not([aria-hidden])").all_text_contents()
        assert names == [f"Stopp {s.position} · {s.client_id} · {s.start:%H:%M} Uhr"
                         for s in route.stops]
        # street-following legs: at least one drawn path per leg
        assert page.locator("path.leaflet-interactive").count() >= len(route.stops) + 1
        assert _xss_flags(page) == dict.fromkeys(XSS_FLAGS)

        texts = page.evaluate(_OPEN_POPUPS)
        assert len([t for t in texts if "Ankunft" in t]) == len(route.stops)
        joined = "\n".join(texts)
        for s in route.stops:
            assert s.client_id in joined
            if s.client_id in notes:
                assert notes[s.client_id] in joined  # shown as text, not run
        for name in week.names:
            assert name not in joined
        assert _xss_flags(page) == dict.fromkeys(XSS_FLAGS)
        _assert_clean(rec, tiles=True)
        page.close()


def test_route_pages_of_the_planned_week(browser, base_url: str, week) -> None:
    ctx, rec = browser
    plan = week.result.plan
    notes = _script_notes(plan)
    for route in _chosen_routes(plan):
        rec.reset()
        page = ctx.new_page()
        page.goto(f"{base_url}/routen/{_files(week, route).page.name}")
        page.wait_for_load_state("networkidle")
        assert page.locator("li.stop").count() == len(route.stops)

        nav = page.locator("a", has_text="Navigation starten")
        assert nav.count() == len(route.stops)
        hrefs = nav.evaluate_all("els => els.map(e => e.getAttribute('href'))")
        for href, s, nr in zip(hrefs, route.stops, route.numbers, strict=True):
            m = re.fullmatch(r"geo:(-?\d+\.\d+),(-?\d+\.\d+)\?q=(-?\d+\.\d+),(-?\d+\.\d+)\((.*)\)",
                             href)
            assert m, href
            lat, lon, qlat, qlon, label = m.groups()
            assert float(lat) == pytest.approx(s.lat, abs=1e-6)
            assert float(lon) == pytest.approx(s.lon, abs=1e-6)
            assert (qlat, qlon) == (lat, lon)
            assert label == f"Stopp%20{nr}"  # the stop's number, not its case id (QA 28 F16)

        all_links = page.locator("a").evaluate_all(
            "els => els.map(e => e.getAttribute('href') + ' ' + e.innerText)")
        text = page.locator("body").inner_text()
        for name in week.names:
            assert name not in text
            assert not any(name in link for link in all_links), name
        for s in route.stops:
            if s.client_id in notes:
                stop = page.locator(f"li.stop#stopp-{s.position}")
                assert notes[s.client_id] in stop.locator(".note").inner_text()
        assert _xss_flags(page) == dict.fromkeys(XSS_FLAGS)
        _assert_clean(rec, tiles=False)  # a route page needs nothing from outside
        page.close()


def test_index_of_the_planned_week(browser, base_url: str, week) -> None:
    ctx, rec = browser
    plan = week.result.plan
    rec.reset()
    page = ctx.new_page()
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(f"{base_url}/index.html")
    page.frame_locator("iframe.mapframe").locator(".leaflet-marker-icon.hb-depot").first.wait_for()
    page.wait_for_load_state("networkidle")
    overview = next(f for f in page.frames if f.url.endswith("/uebersicht.html"))

    assert overview.evaluate(_COUNT_CIRCLES) == sum(len(r.stops) for r in plan.routes)
    n_unassigned = sum(1 for u in plan.unassigned if u.lon is not None and u.lat is not None)
    assert overview.locator(".leaflet-marker-icon.hb-unassigned").count() == n_unassigned
    depots = {p for r in plan.routes for p in (r.start_lonlat, r.end_lonlat)}
    assert overview.locator(".leaflet-marker-icon.hb-depot").count() == len(depots)
    assert overview.locator(".leaflet-control-layers").count() == 1

    text = page.locator("body").inner_text()
    for r in plan.rejected:
        assert r.reason in text
    for u in plan.unassigned:
        assert u.client_id in text
    # every route is linked from the index (map, page, print sheet)
    hrefs = page.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    for r in plan.routes:
        f = _files(week, r)
        for path in (f.map, f.page, f.sheet):
            assert path.relative_to(week.out_dir).as_posix() in hrefs, path
    popups = "\n".join(overview.evaluate(_OPEN_POPUPS))
    assert len(popups) > 1000
    for name in week.names:
        assert name not in text
        assert name not in popups
    assert _xss_flags(page) == dict.fromkeys(XSS_FLAGS)
    assert _xss_flags(overview) == dict.fromkeys(XSS_FLAGS)
    _assert_clean(rec, tiles=True)
    page.close()
