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

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from tests import test_web
from tests.shots import shoot
from tests.test_worker_cache import _browser, _fresh_route, _link, _ms, _phone
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
    _, _, url = _link(site, route)
    with _browser() as browser:
        ctx = browser.new_context(viewport={"width": 195, "height": 422},
                                  device_scale_factor=4, is_mobile=True, has_touch=True,
                                  locale="de-DE", timezone_id="Europe/Berlin",
                                  service_workers="block")
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url)
        assert page.locator("li.stop input[type=date]").count() >= 1
        got = page.evaluate(OVERFLOW_JS)
        assert got["out"] == [], got
        assert got["scroll"] <= got["width"], got  # no sideways scrolling
        stop = page.locator("li.stop").first
        stop.locator("input[type=date]").scroll_into_view_if_needed()
        shoot(page, "phone3-zoom200.png")
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
