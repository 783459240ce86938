"""The field worker's phone page after QA 28 (a worker's day on the phone), driven in
Debian's Chromium against the real server:

- F18: at 200 % zoom (195 css px wide) the „Termin am“ field was 204 px wide, its
  calendar icon cut off: every field keeps to its stop's box, the page does not scroll
  sideways.
- F14: the phone's clock alone decided „abgelaufen“, also online with the server holding
  the link valid, and wiped the route: with signal the server decides; without, the
  phone's clock once it is an hour past the link's end. Both notices say what to do next.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

import pytest

from tests import test_web
from tests.shots import shoot
from tests.test_worker_cache import _browser, _fresh_route, _link, _ms, _phone, _phone_at
from tests.test_worker_visit_time import _on_fresh_route
from tests.web_fixtures import Site, sqlite_only

site = test_web.site  # the planned Bad Hersfeld week on loopback (session fixture)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_LINK = "Bitte bei der Koordination einen neuen Link anfordern."

# every field of the page wider than its stop, and the page's own width
OVERFLOW_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('li.stop input:not([type=hidden]), li.stop textarea')) {
    const box = el.closest('li.stop').getBoundingClientRect(), r = el.getBoundingClientRect();
    if (r.width && (r.right > box.right + 0.5 || r.left < box.left - 0.5)) {
      out.push(el.name + ' ' + Math.round(r.left) + '-' + Math.round(r.right) + ' in ' +
               Math.round(box.left) + '-' + Math.round(box.right));
    }
  }
  return {out, scroll: document.documentElement.scrollWidth,
          width: document.documentElement.clientWidth};
}"""


@sqlite_only()
@pytest.mark.browser
def test_date_and_time_fields_fit_the_stop_at_200_percent_zoom(site: Site) -> None:
    route = _fresh_route(site)
    _, _, url = _link(site, route, on_its_day=True)  # (the form is folded before the day)
    with _browser() as browser:
        ctx = browser.new_context(viewport={"width": 195, "height": 422},
                                  device_scale_factor=4, is_mobile=True, has_touch=True,
                                  locale="de-DE", timezone_id="Europe/Berlin",
                                  service_workers="block")
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        # on the visit day (the phone's clock), the appointment's fields in view: they
        # show once „Termin vereinbart“ is tapped (QA 28 F17)
        page.clock.set_fixed_time(
            datetime.combine(route.day, dtime(20, 0), BERLIN).timestamp())
        page.goto(url)
        stop = page.locator("li.stop:not(.called-off)").first
        stop.locator("button[value=termin_vereinbart]").click()
        assert stop.locator("input[type=date]").is_visible()
        got = page.evaluate(OVERFLOW_JS)
        assert got["out"] == [], got
        assert got["scroll"] <= got["width"], got  # no sideways scrolling
        stop.locator("input[type=date]").scroll_into_view_if_needed()
        shoot(page, "phone3-zoom200.png")
        # the page as it opens: the jump to the next stop and a stop's head in view
        page.evaluate("window.scrollTo(0, 0)")
        assert page.locator("#naechster a").is_visible()
        got = page.evaluate(OVERFLOW_JS)
        assert got["scroll"] <= got["width"], got
        shoot(page, "phone2-zoom200-oben.png")
        assert errors == []
        ctx.close()


@sqlite_only()
@pytest.mark.browser
def test_a_phone_clock_past_the_links_end_does_not_wipe_a_route_the_server_holds_valid(
        site: Site) -> None:
    from hausbesuch.web.links import revoke

    route = _fresh_route(site)
    token, link, url = _link(site, route)
    with _browser() as browser:
        # the phone's clock a day past the link's end, with signal: the route stays
        ctx, page, errors = _phone(browser)
        page.clock.install(time=_ms(link.valid_until + timedelta(days=1)) / 1000)
        page.goto(url)
        page.clock.run_for(2 * 61_000)  # the checks every 10 s and every minute
        page.wait_for_timeout(500)
        assert page.locator("#abgelaufen").count() == 0
        assert page.locator("li.stop").count() == len(route.stops)
        # the server says the link is gone: now the route goes, with the next step
        revoke(site.store, link.prefix, actor="test")
        page.clock.run_for(61_000)
        page.wait_for_selector("#linkende")
        assert page.locator("li.stop").count() == 0
        assert NEW_LINK in page.inner_text("#linkende")
        assert page.locator("main h1").inner_text() == "Link ungültig"
        shoot(page, "phone3-linkende.png")
        assert errors == []
        ctx.close()

        # without signal: the phone's clock decides, an hour past the link's end
        route2 = _fresh_route(site, skip=((route.team_id, route.day),))
        _, link2, url2 = _link(site, route2)
        ctx, page, errors = _phone(browser)
        page.clock.install(time=_ms(link2.valid_until + timedelta(minutes=30)) / 1000)
        page.goto(url2)
        ctx.set_offline(True)
        page.clock.run_for(61_000)
        assert page.locator("li.stop").count() == len(route2.stops)
        page.clock.run_for(31 * 60_000)
        page.wait_for_selector("#abgelaufen")
        assert page.locator("li.stop").count() == 0
        assert NEW_LINK in page.inner_text("#abgelaufen")
        assert page.locator("main h1").inner_text() == "Link abgelaufen"
        shoot(page, "phone3-abgelaufen.png")
        assert errors == []
        ctx.close()


@sqlite_only()
@pytest.mark.browser
def test_only_the_stop_nearest_now_takes_the_phones_time(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    def body(route) -> None:  # noqa: ANN001
        starts = [s.start.hour * 60 + s.start.minute for s in route.stops]
        with _browser() as browser:
            # a moment held by the windows of several stops: a little after the third
            # stop's planned start (the windows reach 90 min past each visit)
            at_min = starts[min(2, len(starts) - 1)] + 4
            at = dtime(at_min // 60, at_min % 60)
            _, _, url = _link(site, route)
            ctx, page, errors = _phone_at(browser, url, route.day, at)
            fields = page.locator("li.stop:not(.called-off) input[name=zeit]")
            rows = []
            for i in range(fields.count()):
                f = fields.nth(i)
                von, bis = (int(f.get_attribute(a)) for a in ("data-von", "data-bis"))
                planned = f.get_attribute("data-geplant")
                rows.append((f, planned, von <= at_min <= bis))
            held = [r for r in rows if r[2]]
            assert len(held) >= 2, [(r[1], r[2]) for r in rows]  # the case of QA 28 F15
            nearest = min(held, key=lambda r: abs(
                int(r[1][:2]) * 60 + int(r[1][3:]) - at_min))
            for f, planned, inside in rows:
                li = f.locator("xpath=ancestor::li[1]")
                hint = li.locator(".zeit-hinweis")
                if f == nearest[0]:
                    assert f.input_value() == f"{at:%H:%M}", planned
                    assert hint.count() == 0 or not hint.is_visible()
                elif inside:  # near its visit too, but another stop is nearer: empty
                    assert f.input_value() == "", planned
                    assert hint.inner_text() == "Bitte die Uhrzeit des Besuchs eintragen."
                else:
                    assert f.input_value() == planned
            early = next(r for r in held if r is not nearest)[0]
            li = early.locator("xpath=ancestor::li[1]")
            li.scroll_into_view_if_needed()
            shoot(page, "phone-f15-uhrzeit.png")
            # tapped without a time: asked for it, nothing queued
            li.locator("button[value=angetroffen]").click()
            assert li.locator("[data-state]").inner_text() == \
                "Bitte die Uhrzeit des Besuchs angeben (z. B. 09:30)."
            # typed: the hint goes, the time stays
            early.fill("08:05")
            assert not li.locator(".zeit-hinweis").is_visible()
            page.clock.run_for(11_000)  # the page's look at the clock every 10 s
            assert early.input_value() == "08:05"
            assert errors == []
            ctx.close()

    _on_fresh_route(site, monkeypatch, body)
