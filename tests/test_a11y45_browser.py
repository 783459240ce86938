"""Accessibility findings of QA 45a (BITV 2.0 / WCAG 2.1 AA) where the layout, the focus or
the phone page's script decide, in Chromium against the planned Bad Hersfeld week of
:mod:`tests.test_web` and a plan folder (the HTML checks: :mod:`tests.test_web_a11y45`):

- F2: the plan page's tables „Nicht eingeplant“ and „Abgelehnt“ are blocks at 320 px
  (nothing off to the right, out of the keyboard's reach); in a plan's ``index.html`` and
  print sheet a table box that scrolls sideways is a named tab stop the keyboard scrolls;
- F5: the header menu's links are targets of at least 24 px (44 px on a phone);
- F9: the edge of a light button has 3:1 against the page;
- F7: the phone page warns before its link ends, and at the end names the stops whose
  typed draft it deleted (never the draft's text);
- F6: on the plan page's map a stop's circle carries its team's letter, and the layer
  list shows each team-day's swatch and letter: the teams differ not by colour alone.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.browser import contrast
from tests.test_web import _current_plan, site  # noqa: F401 - the fixture, by name
from tests.web_fixtures import Site, sqlite_only

#: The boxes of a page that scroll sideways and are no tab stop of their own (axe-core's
#: ``scrollable-region-focusable`` asks less: any focusable element inside).
_WIDE_UNFOCUSABLE = """(sel) => Array.from(document.querySelectorAll(sel)).filter(
    e => e.scrollWidth > e.clientWidth + 1 && e.tabIndex < 0).map(
    e => (e.querySelector('table') || e).id || e.outerHTML.slice(0, 120))"""


@sqlite_only()
@pytest.mark.browser
@pytest.mark.slow
def test_the_plan_pages_tables_fit_a_narrow_screen(site: Site) -> None:  # noqa: F811
    """F2: at 320 px (400 % zoom) the tables „Nicht eingeplant“ and „Abgelehnt“ are
    blocks: no box on the plan page scrolls sideways out of the keyboard's reach, and
    each row's reason is on the screen."""
    from tests.test_a11y import _coordinator_page

    plan = _current_plan(site)
    assert plan.rejected and plan.unassigned  # (the fixture's list has both)
    with _coordinator_page(site, viewport={"width": 320, "height": 800}) as page:
        page.goto(f"{site.url}/plaene/{plan.id}")
        page.wait_for_load_state("load")
        assert page.evaluate(_WIDE_UNFOCUSABLE, ".scroll, table") == []
        for table in ("#nicht-eingeplant-liste", "#abgelehnt-liste"):
            cells = page.locator(f"{table} td[data-label=Grund]")
            assert cells.count() > 0, table
            box = cells.first.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 320 + 1, (table, box)


@sqlite_only()
@pytest.mark.browser
@pytest.mark.slow
def test_header_links_are_targets_and_light_buttons_have_an_edge(
        site: Site) -> None:  # noqa: F811
    """F5: the menu's links are at least 24 px high on a desk, 44 px on a phone (WCAG
    2.5.8). F9: the edge of a light button has 3:1 against the page and white (1.4.11)."""
    from tests.test_a11y import _coordinator_page

    plan = _current_plan(site)
    with _coordinator_page(site, viewport={"width": 390, "height": 800}) as page:
        page.goto(f"{site.url}/plaene/{plan.id}")
        page.wait_for_load_state("load")
        for width, least in ((390, 44), (1280, 24)):
            page.set_viewport_size({"width": width, "height": 800})
            heights = page.evaluate("""() => Array.from(document.querySelectorAll(
                'header.top nav a, header.top a.who')).map(
                a => [a.textContent.trim(), a.getBoundingClientRect().height])""")
            assert len(heights) >= 5 and all(h >= least for _, h in heights), (width, heights)
        edge, ground = page.evaluate("""() => {
            const b = Array.from(document.querySelectorAll('main a.btn, main button')).find(
                x => !x.classList.contains('primary') && x.offsetParent !== null);
            return [getComputedStyle(b).borderTopColor,
                    getComputedStyle(document.body).backgroundColor]; }""")
        assert contrast(edge, ground) >= 3 and contrast(edge, "rgb(255, 255, 255)") >= 3, edge


@pytest.mark.browser
@pytest.mark.slow
def test_a_plan_folders_wide_tables_are_tab_stops_the_keyboard_scrolls(
        tmp_path: Path) -> None:
    """F2: at 320 px the plan folder's ``index.html`` and a print sheet show their tables
    in boxes that scroll sideways; each such box is a tab stop (a region named by its
    table's heading) with a visible ring, and the arrow keys scroll it."""
    from hausbesuch.maps import MapSettings
    from hausbesuch.output import write_outputs
    from tests.browser import chromium_context, serve_directory
    from tests.test_maps import sample_plan

    written = write_outputs(sample_plan(), tmp_path / "aus")
    sheet = written.routes[0].sheet.relative_to(written.out_dir).as_posix()
    with serve_directory(written.out_dir) as url, \
            chromium_context(MapSettings().tile_host, viewport=(320, 800)) as (ctx, _rec):
        page = ctx.new_page()
        for name, boxes in ((written.index.name, ".table-wrap"), (sheet, ".sheet-wrap")):
            page.goto(f"{url}/{name}")
            page.wait_for_load_state("load")
            assert page.evaluate(_WIDE_UNFOCUSABLE, "div, table") == [], name
            wide = page.evaluate("""(sel) => Array.from(document.querySelectorAll(sel))
                .map((e, i) => [i, e.scrollWidth > e.clientWidth + 1])""", boxes)
            assert any(w for _, w in wide), (name, wide)  # (what the test is about)
            for i, is_wide in wide:
                if not is_wide:
                    continue
                box = page.locator(boxes).nth(i)
                assert box.get_attribute("role") == "region", name
                label = box.evaluate("""e => e.getAttribute('aria-label') || (
                    document.getElementById(e.getAttribute('aria-labelledby')) || {}
                    ).textContent""")
                assert label and label.strip(), (name, i)
                # reached by the keyboard (Tab from what comes before it), then scrolled
                box.evaluate("""e => { const t = document.createElement('span');
                    t.tabIndex = -1; t.id = 'vorher'; e.before(t); t.focus(); }""")
                page.keyboard.press("Tab")
                assert box.evaluate("e => document.activeElement === e"), (name, i)
                assert box.evaluate("e => e.matches(':focus-visible') && "
                                    "getComputedStyle(e).outlineStyle !== 'none'"), (name, i)
                page.keyboard.press("ArrowRight")
                page.keyboard.press("End")
                page.wait_for_function("(e) => e.scrollLeft > 0", arg=box.element_handle())
                box.evaluate("e => document.getElementById('vorher').remove()")


@sqlite_only()
@pytest.mark.browser
@pytest.mark.slow
def test_the_phone_page_warns_before_its_link_ends_and_names_the_drafts_it_drops(
        site: Site) -> None:  # noqa: F811
    """F7 (WCAG 2.2.1): a quarter of an hour before the link's end the page says when it
    ends (a live region rendered with the page); at the end, without signal, the route
    and the typed note go from the phone as before (README, Privacy: no draft outlives
    its link), and the page names the stop whose draft went, never the note's text."""
    from tests.test_worker_cache import _browser, _fresh_route, _link, _ms, _phone

    route = _fresh_route(site)
    token, link, url = _link(site, route, on_its_day=True)
    secret = "Nachbarin sagt: verreist bis Freitag"
    with _browser() as browser:
        ctx, page, errors = _phone(browser, service_workers="block")
        try:
            page.clock.install(time=_ms(link.valid_until - timedelta(minutes=20)) / 1000)
            page.goto(url)
            page.wait_for_selector("li.stop")
            assert page.locator("#ablauf").get_attribute("role") == "status"
            assert page.inner_text("#ablauf") == ""  # 20 minutes left: nothing said yet
            first = page.locator("li.stop").first
            kunde = first.get_attribute("data-kunde")
            first.locator("textarea[name=notiz]").fill(secret)
            page.clock.run_for(6 * 60_000)
            end = link.valid_until.strftime("%H:%M")
            page.wait_for_function(
                "(t) => document.getElementById('ablauf').textContent.includes(t)",
                arg=f"Dieser Link endet um {end} Uhr.")
            assert page.evaluate("localStorage.getItem('hausbesuch-entwurf:' + "
                                 "location.pathname)").find("verreist") >= 0
            ctx.set_offline(True)
            page.evaluate("() => window.dispatchEvent(new Event('offline'))")
            # past the end by the phone's clock, without signal: the copy stays for the
            # margin, and the page says so (QA 46c F5)
            page.clock.run_for(20 * 60_000)  # (the end 14 minutes ahead: 6 minutes past)
            page.wait_for_selector("#ablauf-vorbei")
            said = page.inner_text("#ablauf-vorbei")
            assert f"ist der Link seit {end} Uhr abgelaufen" in said, said
            assert "Ergebnisse nimmt der Server nach dem Ende des Links nicht mehr an" in said
            page.clock.run_for(55 * 60_000)  # the end and the margin of an hour
            page.wait_for_selector("#abgelaufen")
            assert page.inner_text("#ablauf") == ""
            said = page.inner_text("#entwuerfe-geloescht")
            assert f"{kunde} (Notiz)" in said and "Bitte der Koordination melden" in said
            assert secret not in page.content()
            assert page.evaluate("Object.keys(localStorage).filter("
                                 "k => k.startsWith('hausbesuch-entwurf'))") == []
            assert errors == []
        finally:
            ctx.set_offline(False)
            ctx.close()
    assert token


@sqlite_only()
@pytest.mark.browser
@pytest.mark.slow
def test_the_plan_maps_teams_differ_not_by_colour_alone(site: Site) -> None:  # noqa: F811
    """F6 (WCAG 1.4.1): the week's teams were red and blue circles (1.02:1 to each other,
    alike in grey). Each stop to visit has its team's letter over its circle, the key says
    which letter is which team, and the layer list shows the swatch with the letter."""
    import json

    from tests.test_a11y import _coordinator_page

    plan = _current_plan(site)
    with _coordinator_page(site, viewport={"width": 1280, "height": 900}) as page:
        page.goto(f"{site.url}/plaene/{plan.id}")
        page.wait_for_selector("#karte path.leaflet-interactive")
        data = json.loads(page.inner_text("#plandaten"))
        letters = {team: letter for team, _, letter in data["teams"]}
        assert len(set(letters.values())) == len(letters) >= 2, letters
        key = page.inner_text("#karten-schluessel")
        for team, letter in letters.items():
            assert f"{letter}: {team}" in key, key
        want = sorted(letters[r["team"]] for r in data["routes"] for s in r["stops"]
                      if not s[4])
        drawn = page.evaluate("""() => Array.from(document.querySelectorAll(
            '#karte .leaflet-marker-icon.teambuchstabe')).map(e => e.textContent)""")
        assert sorted(drawn) == want and want, (drawn[:5], want[:5])
        labels = page.evaluate("""() => Array.from(document.querySelectorAll(
            '#karte .leaflet-control-layers-overlays label')).map(
            l => [l.querySelector('svg text') && l.querySelector('svg text').textContent,
                  l.textContent.trim()])""")
        teams = [r["team"] for r in data["routes"]]
        swatched = [x for x in labels if x[0]]
        assert len(swatched) == len(teams), labels
        for (letter, text), team in zip(swatched, teams, strict=True):
            assert letter == letters[team] and team in text, (letter, text, team)
