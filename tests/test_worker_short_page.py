"""The field worker's phone page is shorter (QA 28 F17), in Debian's Chromium against the
real server:

- the „Termin am“/„um“ fields showed on every stop: now they come into view once
  „Termin vereinbart“ is tapped (the page without the script shows them as before);
- before the visit day every stop showed its whole form with greyed buttons: now the form
  is folded and one line says when results can be recorded;
- a jump at the top leads to the next stop still to be recorded;
- the hint „Bitte die Uhrzeit des Besuchs eintragen.“ (F15) describes the time field for
  screen readers, beside the stop's state line when the field is marked.
"""

from __future__ import annotations

from datetime import time as dtime
from datetime import timedelta

import pytest

from tests import test_web
from tests.shots import shoot
from tests.test_web import _visit_time
from tests.test_worker_cache import _browser, _fresh_route, _link, _phone, _phone_at
from tests.test_worker_visit_time import _done, _on_fresh_route
from tests.web_fixtures import Site, sqlite_only

site = test_web.site  # the planned Bad Hersfeld week on loopback (session fixture)


# the height (css px) of each open stop, and the page's own
HEIGHTS_JS = """() => ({
  stops: Array.from(document.querySelectorAll('li.stop:not(.called-off)'))
    .map(li => Math.round(li.getBoundingClientRect().height)),
  page: document.documentElement.scrollHeight})"""


def _describedby(locator) -> list[str]:  # noqa: ANN001
    return (locator.get_attribute("aria-describedby") or "").split()


@sqlite_only()
@pytest.mark.browser
def test_the_appointment_fields_come_into_view_with_termin_vereinbart(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    def body(route) -> None:  # noqa: ANN001
        _, _, url = _link(site, route)
        with _browser() as browser:
            # without the script: the fields are in view, the form works as before
            ctx = browser.new_context(viewport={"width": 390, "height": 844},
                                      java_script_enabled=False, locale="de-DE")
            page = ctx.new_page()
            page.goto(url)
            assert page.locator("li.stop input[name=termin_datum]").first.is_visible()
            assert page.locator("li.stop input[name=termin_zeit]").first.is_visible()
            ctx.close()

            ctx, page, errors = _phone_at(browser, url, route.day, dtime(20, 0))
            stop = page.locator("li.stop:not(.called-off)").first
            date = stop.locator("input[name=termin_datum]")
            assert page.locator("li.stop input[name=termin_datum]:visible").count() == 0
            folded = stop.bounding_box()["height"]
            shoot(page, "phone2-kurz-390.png")
            _visit_time(stop, stop.locator("input[name=zeit]").get_attribute("data-geplant"))
            # tapped: the fields come into view, marked and asked for, the date focused
            stop.locator("button[value=termin_vereinbart]").click()
            assert date.is_visible() and stop.locator("input[name=termin_zeit]").is_visible()
            assert stop.locator("[data-state]").inner_text() == \
                "Bitte Datum und Uhrzeit des Termins angeben."
            assert date.evaluate("e => e === document.activeElement")
            assert date.get_attribute("aria-invalid") == "true"
            assert stop.bounding_box()["height"] > folded + 40  # (the fields' line)
            stop.scroll_into_view_if_needed()
            shoot(stop, "phone2-termin-390.png")
            date.fill((route.day + timedelta(days=7)).isoformat())
            stop.locator("input[name=termin_zeit]").fill("10:30")
            stop.locator("button[value=termin_vereinbart]").click()
            _done(page, stop.get_attribute("data-kunde"))
            assert "Termin vereinbart" in stop.locator("[data-state]").inner_text()
            # the other stops keep theirs folded
            others = page.locator("li.stop:not(.called-off)").nth(1)
            assert not others.locator("input[name=termin_datum]").is_visible()
            assert errors == []
            ctx.close()

    _on_fresh_route(site, monkeypatch, body)


@sqlite_only()
@pytest.mark.browser
def test_a_typed_appointment_kept_as_a_draft_stays_in_view(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    def body(route) -> None:  # noqa: ANN001
        _, _, url = _link(site, route)
        with _browser() as browser:
            ctx, page, errors = _phone_at(browser, url, route.day, dtime(20, 0))
            stop = page.locator("li.stop:not(.called-off)").first
            stop.locator("button[value=termin_vereinbart]").click()
            stop.locator("input[name=termin_datum]").fill(
                (route.day + timedelta(days=7)).isoformat())
            page.reload()  # (the switch to the navigation app)
            stop = page.locator("li.stop:not(.called-off)").first
            assert stop.locator("input[name=termin_datum]").is_visible()
            assert stop.locator("input[name=termin_zeit]").is_visible()
            assert errors == []
            ctx.close()

    _on_fresh_route(site, monkeypatch, body)


@sqlite_only()
@pytest.mark.browser
def test_before_the_day_each_stops_form_is_one_line(site: Site) -> None:
    route = _fresh_route(site)
    _, _, url = _link(site, route)
    with _browser() as browser:
        ctx, page, errors = _phone(browser, service_workers="block")
        page.goto(url)
        assert page.locator("#vorab").is_visible()
        stops = page.locator("li.stop:not(.called-off)")
        for i in range(stops.count()):
            li = stops.nth(i)
            assert li.locator(".vorab-grund").is_visible()
            assert li.locator("form.outcome-form").is_hidden()
            assert li.locator("button[name=ergebnis]:visible").count() == 0
        heights = page.evaluate(HEIGHTS_JS)
        assert max(heights["stops"]) < 480, heights  # (before: about 700 px)
        shoot(page, "phone2-vorab-390.png")
        assert errors == []
        ctx.close()


@sqlite_only()
@pytest.mark.browser
def test_the_jump_leads_to_the_next_open_stop(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    def body(route) -> None:  # noqa: ANN001
        _, _, url = _link(site, route)
        with _browser() as browser:
            ctx, page, errors = _phone_at(browser, url, route.day, dtime(20, 0))
            stops = page.locator("li.stop:not(.called-off)")
            first, second = stops.nth(0), stops.nth(1)
            jump = page.locator("#naechster a")
            assert jump.is_visible()
            assert jump.get_attribute("href") == "#" + first.get_attribute("id")
            num = first.locator(".stop-head .num").inner_text().strip()
            assert jump.inner_text().startswith(f"Nächster offener Stopp: {num} · ")
            _visit_time(first, first.locator("input[name=zeit]").get_attribute("data-geplant"))
            first.locator("button[value=nicht_angetroffen]").click()
            _done(page, first.get_attribute("data-kunde"))
            assert jump.get_attribute("href") == "#" + second.get_attribute("id")
            jump.click()
            page.wait_for_function("(id) => location.hash === '#' + id",
                                   arg=second.get_attribute("id"))
            box = second.bounding_box()
            assert box is not None and 0 <= box["y"] < 200, box
            # a page made now: the server's jump skips the recorded stop as well
            page.reload()
            assert page.locator("#naechster a").get_attribute("href") == \
                "#" + second.get_attribute("id")
            assert errors == []
            ctx.close()

    _on_fresh_route(site, monkeypatch, body)


@sqlite_only()
@pytest.mark.browser
def test_the_time_hint_describes_the_time_field(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    def body(route) -> None:  # noqa: ANN001
        starts = [s.start.hour * 60 + s.start.minute for s in route.stops]
        with _browser() as browser:
            # held by the windows of several stops (as in test_worker_field_day)
            at_min = starts[min(2, len(starts) - 1)] + 4
            _, _, url = _link(site, route)
            ctx, page, errors = _phone_at(browser, url, route.day,
                                          dtime(at_min // 60, at_min % 60))
            hint = page.locator(".zeit-hinweis:visible").first
            lid = hint.locator("xpath=ancestor::li[1]").get_attribute("id")
            li = page.locator(f"li.stop[id='{lid}']")  # (not the lazy locator)
            field = li.locator("input[name=zeit]")
            hid = hint.get_attribute("id")
            hint = page.locator(f"#{hid}")
            assert hid and _describedby(field) == [hid]
            # tapped without a time: marked, described by the state line and the hint
            li.locator("button[value=angetroffen]").click()
            st = li.locator("[data-state]").get_attribute("id")
            assert field.get_attribute("aria-invalid") == "true"
            assert sorted(_describedby(field)) == sorted([hid, st])
            # typed: the hint goes, and with it its description
            field.fill(field.get_attribute("data-geplant"))
            assert _describedby(field) == [st]
            li.locator("button[value=angetroffen]").click()
            _done(page, li.get_attribute("data-kunde"))
            assert field.get_attribute("aria-describedby") is None
            assert field.get_attribute("aria-invalid") is None
            # „Termin vereinbart“ on a stop whose time is still missing: asked for the time,
            # and the appointment's fields come into view with it (one tap, not two)
            li2 = page.locator("li.stop:not(.called-off):not(.done)").last
            li2.locator("input[name=zeit]").fill("")
            assert not li2.locator("input[name=termin_datum]").is_visible()
            li2.locator("button[value=termin_vereinbart]").click()
            assert li2.locator("[data-state]").inner_text().startswith(
                "Bitte die Uhrzeit des Besuchs angeben")
            assert li2.locator("input[name=termin_datum]").is_visible()
            assert errors == []
            ctx.close()

    _on_fresh_route(site, monkeypatch, body)
