"""Accessibility leftovers of session 45's round (BITV 2.0 / WCAG 2.1 AA), in Chromium:

- a plan folder's table box (``index.html``, a print sheet) is a tab stop only while it
  scrolls, checked again when the window changes size; without scripts every box stays
  one (the safe side); the web app's print sheet runs the same script from its server;
- the drafts of a link that ended while its page was closed are named when the page is
  opened again (the server's page of a link that is gone), as the open page names them
  when the link ends; the drafts of another link that has ended, when a link's page
  deletes them on opening;
- the overview map's visits carry their district's number, the key says which (1.4.1);
- the job page opens the finished plan by itself only while so chosen (3.2.5, AAA).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_web import site  # noqa: F401 - the fixture, by name
from tests.web_fixtures import Site, sqlite_only

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


@sqlite_only()
@pytest.mark.browser
@pytest.mark.slow
def test_drafts_of_a_link_that_ended_while_its_page_was_closed_are_named(
        site: Site) -> None:  # noqa: F811
    """The worker typed notes at two stops, closed the page, and the link ended;
    opened again (with signal: the server's page of a link that is gone) the page deleted
    the drafts without a word. Now it names their stops (the Kundennummer and what was
    typed, never the text), as the open page does when its link ends. A link's page that
    deletes the drafts of another link that has ended names those too."""
    from datetime import timedelta

    from hausbesuch import clock
    from tests.test_worker_cache import (
        _browser,
        _fresh_route,
        _link,
        _ms,
        _phone,
        _set_valid_until,
    )

    route = _fresh_route(site)
    token, link, url = _link(site, route, on_its_day=True)
    secret = "Hund im Hof, bitte klingeln"
    with _browser() as browser:
        ctx, page, errors = _phone(browser, service_workers="block")
        try:
            # the phone on the team-day, an hour before the link's end
            page.clock.install(time=_ms(link.valid_until - timedelta(hours=1)) / 1000)
            page.goto(url)
            page.wait_for_selector("li.stop")
            stops = page.locator("li.stop:not(.called-off)")
            first, second = (stops.nth(i).get_attribute("data-kunde") for i in (0, 1))
            page.locator(f"#stopp-{first} textarea[name=notiz]").fill(secret)
            page.locator(f"#stopp-{second} textarea[name=notiz]").fill("Briefkasten voll")
            page.wait_for_function("() => Object.keys(JSON.parse(localStorage.getItem("
                                   "'hausbesuch-entwurf:' + location.pathname) || '{}'))"
                                   ".length === 2")
            page.goto("about:blank")  # the page closed
            _set_valid_until(site, token, clock.now() - timedelta(seconds=1))
            page.goto(url)  # the server: the link is gone
            said = page.inner_text("#entwuerfe-geloescht")
            assert f"{first} (Notiz)" in said and f"{second} (Notiz)" in said, said
            assert "Bitte der Koordination melden" in said
            assert secret not in page.content() and "Briefkasten" not in page.content()
            assert page.evaluate("Object.keys(localStorage).filter("
                                 "k => k.startsWith('hausbesuch-entwurf'))") == []
            # a link's page deletes another link's ended drafts, and says whose
            other = _fresh_route(site, skip=((route.team_id, route.day),))
            _, _, url2 = _link(site, other, on_its_day=True)
            # (past the end by more than the margin a page's own copy gets: a link ended
            # by the phone's clock alone within it may still be valid, QA 46c F2)
            page.evaluate("""() => {
                localStorage.setItem('hausbesuch-entwurf:/w/bald/', '{"K-9": {"notiz": "x"}}');
                localStorage.setItem('hausbesuch-entwurf-bis:/w/bald/',
                                     String(Date.now() - 60000));
                localStorage.setItem('hausbesuch-entwurf:/w/vorbei/',
                                     '{"K-1": {"notiz": "alt"}, "K-2": {"termin_datum": "x"}}');
                localStorage.setItem('hausbesuch-entwurf-bis:/w/vorbei/',
                                     String(Date.now() - 60000 - 2 * 3600 * 1000)); }""")
            page.goto(url2)
            page.wait_for_selector("li.stop")
            box = page.locator("#entwuerfe-frueher-geloescht")
            assert box.get_attribute("role") == "alert"
            said = box.inner_text()
            assert "K-1 (Notiz)" in said and "K-2 (Termin)" in said and "alt" not in said
            assert page.evaluate("localStorage.getItem('hausbesuch-entwurf:/w/vorbei/')") is None
            assert "K-9" not in said
            assert page.evaluate("localStorage.getItem('hausbesuch-entwurf:/w/bald/')")
            # a draft at a stop called off since (the case closed) goes, named (QA 46c F1)
            from hausbesuch.casework import Casework
            from hausbesuch.config import load_profile
            from tests.web_fixtures import CITY_PROFILE

            open_stops = page.locator("li.stop:not(.called-off)")
            cid = open_stops.nth(0).get_attribute("data-kunde")
            page.locator(f"#stopp-{cid} textarea[name=notiz]").fill("Nachbar sagt Umzug Q7")
            page.wait_for_function("() => Object.keys(JSON.parse(localStorage.getItem("
                                   "'hausbesuch-entwurf:' + location.pathname) || '{}'))"
                                   ".length === 1")
            Casework(site.store, load_profile(CITY_PROFILE), actor="test").set_status(
                cid, "abgeschlossen")
            page.reload()
            page.wait_for_selector("li.stop")
            box = page.locator("#entwuerfe-entfallen")
            assert box.get_attribute("role") == "alert"
            said = box.inner_text()
            assert f"{cid} (Notiz)" in said and "Umzug Q7" not in page.content(), said
            assert page.evaluate("JSON.parse(localStorage.getItem('hausbesuch-entwurf:' + "
                                 "location.pathname) || '{}')") == {}
            assert errors == []
        finally:
            ctx.close()


#: The overview map's marks: [[lat, lon, the mark shown, planned?], …] and the key's
#: districts: [[number, name], …].
_MARKS = """() => {
    const map = Object.keys(window).filter(k => k.startsWith('map_')).map(k => window[k])
        .find(v => v instanceof L.Map);
    const marks = [];
    map.eachLayer(l => {
        if (!(l instanceof L.Marker) || !l.getElement()) return;
        const el = l.getElement(), at = l.getLatLng();
        if (el.classList.contains('hb-mark'))
            marks.push([at.lat, at.lng, el.textContent.trim(), true]);
        else if (el.classList.contains('hb-unassigned'))
            marks.push([at.lat, at.lng,
                        el.querySelector('.hb-unassigned-mark').textContent.trim(), false]);
    });
    const key = Array.from(document.querySelectorAll('.hb-legend li')).filter(
        li => li.querySelector('.hb-sw-num')).map(li => [
            li.querySelector('.hb-sw-num').textContent.trim(),
            li.textContent.replace(li.querySelector('.hb-sw-num').textContent, '').trim()]);
    return [marks, key];
}"""


@pytest.mark.browser
@pytest.mark.slow
def test_the_overview_maps_districts_differ_not_by_colour_alone(tmp_path: Path) -> None:
    """WCAG 1.4.1: the overview map (``uebersicht.html``) coloured its visits by district
    only. Each planned visit's circle and each unassigned visit's diamond carries its
    district's number, and the key names the district of each number (with its colour);
    the numbers are drawings, no stops for the keyboard."""
    from hausbesuch.maps import MapSettings
    from hausbesuch.output import write_outputs
    from hausbesuch.plandata import OUTSIDE
    from tests.browser import chromium_context, serve_directory
    from tests.test_maps import sample_districts, sample_plan

    plan = sample_plan()
    written = write_outputs(plan, tmp_path / "aus", districts=sample_districts())
    with serve_directory(written.out_dir) as url, \
            chromium_context(MapSettings().tile_host, viewport=(1280, 900)) as (ctx, rec):
        page = ctx.new_page()
        page.goto(f"{url}/{written.overview_map.name}")
        page.wait_for_selector(".hb-depot")
        marks, key = page.evaluate(_MARKS)
        number = {name: n for n, name in key}
        assert len(number) == len(key) >= 3 and OUTSIDE in number, key
        shown = {(round(la, 6), round(lo, 6), planned): m for la, lo, m, planned in marks}
        want = {}
        for r in plan.routes:
            for s in r.to_visit:
                want[(round(s.lat, 6), round(s.lon, 6), True)] = number[s.district or OUTSIDE]
        for u in plan.unassigned:
            if u.lon is not None:
                want[(round(u.lat, 6), round(u.lon, 6), False)] = number[u.district or OUTSIDE]
        assert want and shown == want, (shown, want)
        assert len({m for m in want.values()}) >= 2  # (more than one district drawn)
        assert page.evaluate("document.querySelectorAll("
                             "'.hb-mark[tabindex], .hb-mark [tabindex]').length") == 0
        # white on the circle (with a dark edge), centred on it, as in the key's swatches
        looks = page.evaluate("""() => Array.from(document.querySelectorAll('.hb-mark')).map(
            e => [getComputedStyle(e).color, getComputedStyle(e).textAlign])""")
        assert looks and all(c == ["rgb(255, 255, 255)", "center"] for c in looks), looks
        assert rec.page_errors == []


@sqlite_only()
@pytest.mark.browser
@pytest.mark.slow
def test_the_job_page_opens_the_finished_plan_only_when_so_chosen(
        site: Site) -> None:  # noqa: F811
    """WCAG 3.2.5 (AAA): the job page switched to the finished plan by itself. It still
    does by default (a checkbox „Fertigen Plan von selbst öffnen“, checked); unchecked
    (remembered in this browser), the finished job's „Zum Plan“ takes the focus and the
    page stays."""
    import uuid

    from sqlalchemy import update

    from hausbesuch import clock
    from hausbesuch.web.models import JobRow
    from tests import test_web
    from tests.test_a11y import _coordinator_page
    from tests.test_web import _current_plan

    def running() -> str:  # a job of another runner (heartbeat now), running
        job_id = uuid.uuid4().hex
        with site.store.session() as s:
            s.add(JobRow(id=job_id, kind="plan", city=test_web.CITY, params="{}",
                         status="laeuft", stage="Routen werden berechnet", progress=0.4,
                         created_by="kora", created_at=clock.now(), started_at=clock.now(),
                         heartbeat=clock.now(), worker="anderswo"))
        return job_id

    def done(job_id: str, plan_id: str) -> None:  # as the runner records it
        with site.store.session() as s:
            s.execute(update(JobRow).where(JobRow.id == job_id).values(
                status="fertig", plan_id=plan_id, progress=1.0, stage="fertig",
                finished_at=clock.now(), error=None))

    plan_id = _current_plan(site).id
    with _coordinator_page(site) as page:
        job_id = running()
        page.goto(f"{site.url}/auftraege/{job_id}")
        choice = page.locator("#plan-oeffnen")
        assert choice.is_checked()
        assert "öffnet er sich" in page.inner_text("#hinweis")
        choice.focus()
        page.keyboard.press("Space")  # by the keyboard
        assert not choice.is_checked()
        assert "erscheint hier „Zum Plan“" in page.inner_text("#hinweis")
        done(job_id, plan_id)
        page.wait_for_function("() => document.activeElement.textContent === 'Zum Plan'")
        assert page.url.endswith(f"/auftraege/{job_id}")
        assert "fertig" in page.inner_text("#stand")
        assert page.locator("#plan-oeffnen").count() == 0
        # remembered: the next job's page has it unchecked; checked again, the plan opens
        job_id = running()
        page.goto(f"{site.url}/auftraege/{job_id}")
        assert not page.locator("#plan-oeffnen").is_checked()
        page.locator("#plan-oeffnen").check()
        done(job_id, plan_id)
        page.wait_for_url(f"**/plaene/{plan_id}")
