"""Accessibility findings of QA 45a (BITV 2.0 / WCAG 2.1 AA) where the layout, the focus or
the phone page's script decide, in Chromium against the planned Bad Hersfeld week of
:mod:`tests.test_web` and a plan folder (the HTML checks: :mod:`tests.test_web_a11y45`):

- F2: the plan page's tables „Nicht eingeplant“ and „Abgelehnt“ are blocks at 320 px
  (nothing off to the right, out of the keyboard's reach); in a plan's ``index.html`` and
  print sheet a table box that scrolls sideways is a named tab stop the keyboard scrolls;
- F5: the header menu's links are targets of at least 24 px (44 px on a phone);
- F9: the edge of a light button has 3:1 against the page.
"""

from __future__ import annotations

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
