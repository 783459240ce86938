"""Acceptance in a real browser: Debian's headless Chromium opens the written route map,
route page, print sheet and index (overview map in an iframe), served from loopback and
from ``file://``.

Checked: no console errors, the expected number of markers, no request to any host but
the tile server (tiles are answered locally with a generated PNG), and that script in a
client note never runs. A control test proves the harness sees violations, console errors
and executed script, so the passing checks are not vacuous.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import folium
import pytest

from hausbesuch.maps import MapSettings, render_map, route_map
from hausbesuch.output import OutputFiles, write_outputs
from tests.browser import ax_node, chromium_context, page_width, require_chromium, serve_directory
from tests.shots import shoot
from tests.test_maps import CLIENT_NAMES, sample_districts, sample_plan

pytestmark = pytest.mark.browser

TILE_HOST = MapSettings().tile_host
XSS_FLAGS = ("__xss", "__xss_img", "__xss_tpl", "__xss_hex", "__xss_addr")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> OutputFiles:
    require_chromium()
    plan = sample_plan()
    # One more injection vector: an address (shown in popups, pages and lists).
    r = plan.routes[1]
    s = r.stops[0]
    evil = dataclasses.replace(s, address='Weg 1<img src=x onerror="window.__xss_addr=1">')
    plan.routes[1] = dataclasses.replace(r, stops=(evil, *r.stops[1:]))
    return write_outputs(plan, tmp_path_factory.mktemp("out"), districts=sample_districts())


@pytest.fixture(scope="module")
def base_url(written: OutputFiles) -> Iterator[str]:
    with serve_directory(written.out_dir) as url:
        yield url


@pytest.fixture(scope="module")
def browser(written: OutputFiles):
    with chromium_context(TILE_HOST) as (ctx, rec):
        yield ctx, rec


def _shot(page, name: str) -> None:
    shoot(page, name, full_page=not name.startswith("karte"))


def _xss_flags(frame) -> dict[str, object]:
    return frame.evaluate(f"() => Object.fromEntries({list(XSS_FLAGS)!r}.map(k => [k, window[k]]))")


def _assert_clean(rec, *, tiles: bool) -> None:
    assert rec.violations == [], f"requests to other hosts: {rec.violations}"
    allowed = {"127.0.0.1", TILE_HOST}
    assert rec.hosts() <= allowed, rec.hosts()
    assert rec.console_errors == [], rec.console_errors
    assert rec.page_errors == [], rec.page_errors
    if tiles:
        assert rec.tiles, "the map requested no tiles (did it load?)"
        assert all(re.search(r"/\d+/\d+/\d+\.png$", t) for t in rec.tiles)
    else:
        assert rec.tiles == []


# Popups are bound to Leaflet layers; open every one and read its text (no names!).
_OPEN_POPUPS = """() => {
    const maps = Object.values(window).filter(v => v instanceof L.Map);
    const texts = [];
    for (const m of maps) {
        m.eachLayer(l => {
            if (l.getPopup && l.getPopup()) { l.openPopup(); texts.push(l.getPopup().getElement().innerText); }
        });
    }
    return texts;
}"""


def test_route_map_in_chromium(browser, base_url: str, written: OutputFiles) -> None:
    ctx, rec = browser
    rec.reset()
    plan = sample_plan()
    route = plan.routes[0]
    rf = written.by_slug(route.slug)
    page = ctx.new_page()
    page.goto(f"{base_url}/karten/{rf.map.name}")
    page.wait_for_selector(".leaflet-marker-icon.hb-stop")
    page.wait_for_load_state("networkidle")

    assert page.locator(".leaflet-marker-icon.hb-stop").count() == len(route.stops)
    assert page.locator(".leaflet-marker-icon.hb-depot").count() == 1
    # the depot's pin shows „S“ and is named as its tooltip says (not „S“ read aloud)
    depot = ax_node(page, ".leaflet-marker-icon.hb-depot")
    assert depot["role"] == "button" and depot["name"].startswith("Start 0"), depot
    # a stop's pin shows its number and is read as the stop, case id and time it stands for
    labels = page.locator(".hb-stop .hb-stop-pin [aria-hidden=true]").all_inner_texts()
    assert labels == [str(s.position) for s in route.stops]
    first = ax_node(page, ".leaflet-marker-icon.hb-stop")
    stop = route.stops[0]
    assert first["role"] == "button", first
    assert first["name"] == f"Stopp 1 · {stop.client_id} · {stop.start:%H:%M} Uhr", first
    # Street-following route drawn as SVG paths (casing + line per leg, dashed straight leg).
    assert page.locator("path.leaflet-interactive").count() >= len(route.legs)
    for sel in (".leaflet-control-layers", ".leaflet-control-zoom-fullscreen",
                ".leaflet-control-locate", ".hb-legend", ".leaflet-control-scale"):  # fmt: skip
        assert page.locator(sel).count() == 1, sel
    assert "© OpenStreetMap-Mitwirkende" in page.locator(".leaflet-control-attribution").inner_text()
    lines = page.locator(".leaflet-control-attribution a").evaluate_all(
        "els => els.map(e => getComputedStyle(e).textDecorationLine)")
    assert lines and all(d == "underline" for d in lines), lines  # not colour only
    assert page.evaluate("document.documentElement.lang") == "de"
    # pinch-zoom allowed (Folium's default viewport forbids it: WCAG 1.4.4)
    assert page.locator("meta[name=viewport]").get_attribute("content") == \
        "width=device-width, initial-scale=1"
    # Leaflet's controls named in German (not „Zoom in“, „Layers“), in the accessibility tree
    for sel, name in ((".leaflet-control-zoom-in", "Vergrößern"),
                      (".leaflet-control-zoom-out", "Verkleinern"),
                      (".leaflet-control-layers-toggle", "Ebenen")):
        assert ax_node(page, sel)["name"] == name, sel
    assert _xss_flags(page) == dict.fromkeys(XSS_FLAGS)
    _shot(page, "karte.png")

    page.locator(".leaflet-marker-icon.hb-stop").first.click()  # a real click opens a popup
    assert "K-1001" in page.locator(".leaflet-popup-content").inner_text()
    texts = page.evaluate(_OPEN_POPUPS)
    stop_texts = [t for t in texts if "Ankunft" in t]
    assert len(stop_texts) == len(route.stops)
    joined = "\n".join(texts)
    assert "<script>window.__xss = 1</script>" in joined  # shown as text
    assert "${window.__xss_tpl = 1}`" in joined
    assert "\\x3cimg src=x onerror=window.__xss_hex=1\\x3e" in joined
    for name in CLIENT_NAMES:
        assert name not in joined
    assert _xss_flags(page) == dict.fromkeys(XSS_FLAGS)
    _assert_clean(rec, tiles=True)
    page.close()


def test_route_page_in_chromium(browser, base_url: str, written: OutputFiles) -> None:
    ctx, rec = browser
    plan = sample_plan()
    for route in plan.routes[:2]:
        rec.reset()
        page = ctx.new_page()
        page.goto(f"{base_url}/routen/{written.by_slug(route.slug).page.name}")
        page.wait_for_load_state("networkidle")
        assert page.locator("li.stop").count() == len(route.stops)
        geo = page.locator("a.btn.primary").evaluate_all("els => els.map(e => e.getAttribute('href'))")
        assert [g.split("?")[0] for g in geo] == [f"geo:{s.lat:.6f},{s.lon:.6f}" for s in route.stops]
        text = page.locator("body").inner_text()
        if route is plan.routes[0]:
            assert "<script>window.__xss = 1</script>" in text
            assert '<img src=x onerror="window.__xss_img = 1">' in text
        else:
            assert 'Weg 1<img src=x onerror="window.__xss_addr=1">' in text
        for name in CLIENT_NAMES:
            assert name not in text
        assert _xss_flags(page) == dict.fromkeys(XSS_FLAGS)
        _shot(page, f"route-{route.team_id.replace(' ', '_')}.png")
        _assert_clean(rec, tiles=False)  # a route page needs nothing from outside
        page.close()


def test_index_with_overview_map_in_chromium(browser, base_url: str, written: OutputFiles) -> None:
    ctx, rec = browser
    rec.reset()
    plan = sample_plan()
    page = ctx.new_page()
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(f"{base_url}/index.html")
    frame = page.frame_locator("iframe.mapframe")
    frame.locator(".hb-unassigned").first.wait_for()
    page.wait_for_load_state("networkidle")
    overview = next(f for f in page.frames if f.url.endswith("/uebersicht.html"))
    n_circles = overview.evaluate(
        "() => { let n = 0; Object.values(window).filter(v => v instanceof L.Map)"
        ".forEach(m => m.eachLayer(l => { if (l instanceof L.CircleMarker) n++; })); return n; }"
    )
    assert n_circles == sum(len(r.stops) for r in plan.routes)
    assert overview.locator(".leaflet-marker-icon.hb-unassigned").count() == 1
    # a named button (its pin is an empty <div>), the case id only
    u = next(u for u in plan.unassigned if u.lat is not None)
    assert overview.get_by_role("button", name=f"{u.client_id} · nicht eingeplant",
                                exact=True).count() == 1
    assert overview.locator("meta[name=viewport]").get_attribute("content") == \
        "width=device-width, initial-scale=1"
    assert "© OpenStreetMap-Mitwirkende" in overview.locator(".leaflet-control-attribution").inner_text()
    popups = "\n".join(overview.evaluate(_OPEN_POPUPS))
    assert "Woche ausgelastet <b>fett</b>" in popups
    assert 'Weg 1<img src=x onerror="window.__xss_addr=1">' in popups
    # every row of the routes table names its day (shown once per day, hidden text after)
    days = page.locator("table").first.locator("tbody tr td:first-child").evaluate_all(
        "tds => tds.map(td => td.textContent.trim())")
    assert len(days) == len(plan.routes) and all(days), days
    text = page.locator("body").inner_text()
    for r in plan.rejected:
        assert r.reason in text
    assert _xss_flags(page) == dict.fromkeys(XSS_FLAGS)
    assert _xss_flags(overview) == dict.fromkeys(XSS_FLAGS)
    # keyboard: the first Tab stop skips the map's markers to the routes (QA 18c #2)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Karte überspringen"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "routen"
    # the text follows the browser's own font size (no px font, QA 18c #8)
    page.evaluate("document.documentElement.style.fontSize = '20px'")
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "20px"
    _shot(page, "index.png")
    _assert_clean(rec, tiles=True)
    page.close()


def test_print_sheet_prints_on_a4(browser, base_url: str, written: OutputFiles) -> None:
    ctx, rec = browser
    rec.reset()
    route = sample_plan().routes[0]
    page = ctx.new_page()
    page.goto(f"{base_url}/druck/{written.by_slug(route.slug).sheet.name}")
    # on a phone's screen only the table scrolls sideways, not the page (QA 18c #8)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page_width(page) <= 390
    assert page.evaluate("document.querySelector('.sheet-wrap').scrollWidth") > 390
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('.screen-only')).display") == "none"
    assert page.locator("tr.stopp").count() == len(route.stops)
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    boxes = {tuple(round(float(x)) for x in m) for m in re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)}
    assert boxes == {(595, 842)}, boxes  # A4 portrait in PDF points
    _assert_clean(rec, tiles=False)
    page.close()


def test_pages_work_from_file_urls(browser, written: OutputFiles) -> None:
    """Coordinators open index.html by double-click: everything must work over file://."""
    ctx, rec = browser
    rec.reset()
    route = sample_plan().routes[0]
    page = ctx.new_page()
    page.goto(written.by_slug(route.slug).map.as_uri())
    page.wait_for_selector(".leaflet-marker-icon.hb-stop")
    assert page.locator(".leaflet-marker-icon.hb-stop").count() == len(route.stops)
    page.goto(written.index.as_uri())
    page.frame_locator("iframe.mapframe").locator(".hb-unassigned").first.wait_for()
    page.wait_for_load_state("networkidle")
    assert _xss_flags(page) == dict.fromkeys(XSS_FLAGS)
    assert rec.violations == [] and rec.console_errors == [] and rec.page_errors == []
    assert {h for h in rec.hosts()} <= {TILE_HOST}
    page.close()


def test_missing_chromium_fails_under_ci_and_skips_otherwise(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import tests.browser as tb

    monkeypatch.setattr(tb, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="apt-get install chromium"):
        tb.require_chromium()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="Chromium not found"):
        tb.require_chromium()


def test_harness_detects_script_foreign_hosts_and_errors(browser, base_url: str, written: OutputFiles) -> None:
    """Control: the checks above would fail if escaping or the offline setup broke."""
    ctx, rec = browser
    rec.reset()
    ctl = written.out_dir / "kontrolle"
    ctl.mkdir(exist_ok=True)
    (ctl / "roh.html").write_text(
        "<!DOCTYPE html><html><body><script>window.__xss = 1; console.error('kaputt')</script>"
        '<img src="https://example.org/leak.png"></body></html>',
        encoding="utf-8",
    )
    # A Folium popup with unescaped client text runs the payload (jQuery parses it).
    m = route_map(sample_plan().routes[1], MapSettings(), assets="../assets")
    folium.Marker([50.87, 9.71], popup=folium.Popup('<img src=x onerror="window.__xss_img=1">')).add_to(m)
    (ctl / "karte.html").write_text(render_map(m), encoding="utf-8")

    page = ctx.new_page()
    page.goto(f"{base_url}/kontrolle/roh.html")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__xss") == 1
    assert rec.violations == ["https://example.org/leak.png"]
    assert any("kaputt" in e for e in rec.console_errors)
    page.goto(f"{base_url}/kontrolle/karte.html")
    page.wait_for_function("window.__xss_img === 1", timeout=5000)
    page.close()
