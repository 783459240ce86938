"""Accessibility leftovers of session 45's round (BITV 2.0 / WCAG 2.1 AA), in Chromium:

- a plan folder's table box (``index.html``, a print sheet) is a tab stop only while it
  scrolls, checked again when the window changes size; without scripts every box stays
  one (the safe side); the web app's print sheet runs the same script from its server.
"""

from __future__ import annotations

from pathlib import Path

import pytest

#: Each box of ``sel``: [scrolls, its tabIndex].
_BOXES = """(sel) => Array.from(document.querySelectorAll(sel)).map(e => [
    e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1, e.tabIndex])"""


def _tab_stops(page, limit: int = 80) -> list[str]:  # noqa: ANN001
    """The elements Tab reaches from the page's start, in order (class or tag)."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); "
                  "window.getSelection().removeAllRanges(); }")
    page.evaluate("() => document.body.focus()")
    seen: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        here = page.evaluate("""() => { const e = document.activeElement;
            return e === document.body ? '' : (e.className || e.tagName); }""")
        if not here or (seen and here == seen[0] and len(seen) > 1):
            break
        seen.append(here)
    return seen


@pytest.mark.browser
@pytest.mark.slow
def test_a_plan_folders_table_boxes_are_tab_stops_only_while_they_scroll(
        tmp_path: Path) -> None:
    """On a wide screen no table box of ``index.html`` or a print sheet scrolls, and none
    is a tab stop (they were, each one: an empty stop for keyboard users); narrowed to
    320 px the boxes that now scroll are tab stops again, widened they are none again.
    Without scripts every box stays a tab stop (the template's ``tabindex="0"``). The
    pages' CSP lets this one script run, nothing else (no console error)."""
    from hausbesuch.maps import MapSettings
    from hausbesuch.output import write_outputs
    from tests.browser import Recorder, serve_directory, shared_browser
    from tests.test_maps import sample_plan

    written = write_outputs(sample_plan(), tmp_path / "aus")
    sheet = written.routes[0].sheet.relative_to(written.out_dir).as_posix()
    wide = "(a) => Array.from(document.querySelectorAll(a[0])).every(" \
           "e => (e.scrollWidth > e.clientWidth + 1) === (e.tabIndex === 0)) && " \
           "Array.from(document.querySelectorAll(a[0])).some(e => e.tabIndex === a[1])"
    with serve_directory(written.out_dir) as url, shared_browser() as browser:
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE")
        rec = Recorder(tile_host=MapSettings().tile_host)  # (the overview map's tiles)
        ctx.route("**/*", rec.handle_route)
        page = ctx.new_page()
        rec.attach_page(page)
        for name, sel in ((written.index.name, ".table-wrap"), (sheet, ".sheet-wrap")):
            page.set_viewport_size({"width": 1280, "height": 900})
            page.goto(f"{url}/{name}")
            page.wait_for_load_state("load")
            boxes = page.evaluate(_BOXES, sel)
            assert boxes and not any(s for s, _ in boxes), (name, boxes)
            assert all(t == -1 for _, t in boxes), (name, boxes)
            stops = _tab_stops(page)
            assert stops and not any(sel[1:] in s for s in stops), (name, stops)
            # narrow: the boxes that scroll are tab stops (and only those)
            page.set_viewport_size({"width": 320, "height": 800})
            page.wait_for_function(wide, arg=[sel, 0])
            # wide again: none
            page.set_viewport_size({"width": 1280, "height": 900})
            page.wait_for_function(wide, arg=[sel, -1])
            assert all(t == -1 for _, t in page.evaluate(_BOXES, sel)), name
        assert rec.console_errors == [] and rec.page_errors == [] and rec.violations == []
        off = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE",
                                  java_script_enabled=False)
        page = off.new_page()
        for name, sel in ((written.index.name, ".table-wrap"), (sheet, ".sheet-wrap")):
            page.goto(f"{url}/{name}")
            tabs = [page.locator(sel).nth(i).get_attribute("tabindex")
                    for i in range(page.locator(sel).count())]
            assert tabs and all(t == "0" for t in tabs), (name, tabs)
