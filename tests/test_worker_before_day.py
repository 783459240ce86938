"""The phone's page before the visit day (QA 22 F12 a, c), in Debian's Chromium against the
real server, with the phone's own (real) clock.

- (a) An exercise (``HAUSBESUCH_HEUTE``): the server shows the page as on the visit day;
  the phone took its own date for the before-the-day check and refused every tap. The
  page now carries the exercise's day (``data-heute``), which the phone takes as today
  (its other checks against the visit day: tests/test_worker_exercise_clock.py).
- (c) Before the day the outcome buttons looked ready and only refused after a tap; they
  now look and say unavailable (greyed, ``aria-disabled``), described by the German reason
  beside them. Since QA 28 F17 the form is folded before the day: the reason is the one
  line left of it (tests/test_worker_short_page.py).
"""

from __future__ import annotations

from datetime import time as dtime

import httpx
import pytest

from hausbesuch import clock
from tests import test_web
from tests.browser import page_width
from tests.fake_clock import exercise_time_of_day
from tests.shots import shoot
from tests.test_worker_cache import _browser as _worker_browser
from tests.test_worker_cache import _fresh_route, _link, _phone
from tests.test_worker_correction import _undo
from tests.web_fixtures import Site, sqlite_only

site = test_web.site  # the planned Bad Hersfeld week on loopback (session fixture)

REASON = "Noch nicht möglich: Ergebnisse können ab dem Besuchstag"


def _buttons(page, cid: str) -> list[dict]:  # noqa: ANN001
    return page.evaluate("""(id) => Array.from(document.querySelectorAll(
        '#' + id + ' .outcomes button')).map(b => ({
            disabled: b.getAttribute('aria-disabled'),
            describedby: b.getAttribute('aria-describedby'),
            opacity: Number(getComputedStyle(b).opacity)}))""", f"stopp-{cid}")


def _tap_folded(li, result: str) -> None:  # noqa: ANN001
    """The outcome button ``result`` of the stop ``li`` sent although its form is folded."""
    li.locator(f"button[value={result}]").evaluate("b => b.form.requestSubmit(b)")


@sqlite_only()
@pytest.mark.browser
def test_before_the_day_the_outcome_buttons_look_and_say_unavailable(site: Site) -> None:
    route = _fresh_route(site)
    assert route.day > clock.today()  # the fixture's week lies ahead of the real date
    stop = route.stops[0]
    _, _, url = _link(site, route)
    with _worker_browser() as browser:
        ctx, page, errors = _phone(browser, service_workers="block")
        try:
            page.goto(url)
            li = page.locator(f"#stopp-{stop.client_id}")
            reason = li.locator(".vorab-grund")
            assert reason.is_visible() and REASON in reason.inner_text()
            buttons = _buttons(page, stop.client_id)
            assert len(buttons) >= 5
            rid = reason.get_attribute("id")
            assert all(b["disabled"] == "true" and b["describedby"] == rid
                       and b["opacity"] < 1 for b in buttons), buttons
            assert page.locator("#vorab").is_visible()
            assert page_width(page) <= 390
            shoot(li, "notes-vor-dem-besuchstag.png")
            # the form folded (QA 28 F17); a tap anyway (a form the script had not folded
            # yet): refused on the phone with the reason, nothing queued or sent
            assert li.locator("form.outcome-form").is_hidden()
            _tap_folded(li, "angetroffen")
            assert "ab dem Besuchstag" in li.locator("[data-state]").inner_text()
            assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith("
                                 "'hausbesuch-warteschlange') && localStorage[k] !== '[]')"
                                 ".length") == 0
            assert not errors, errors
        finally:
            ctx.close()


@sqlite_only()  # storing an outcome on both: test_web.py::test_outcome_is_recorded_once_per_key
@pytest.mark.browser
def test_in_an_exercise_the_phone_takes_the_servers_day(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """HAUSBESUCH_HEUTE on the visit day, the phone's clock real (days before it): the
    buttons are ready and a tap is stored, as the server showed the page."""
    route = _fresh_route(site)
    stop = route.stops[0]
    monkeypatch.setenv(clock.ENV, route.day.isoformat())
    # the phone's real date, the phone's and the server's time of day after the visits
    # (at night the planned start is a time still ahead, refused on both)
    evening = exercise_time_of_day(monkeypatch, dtime(21, 0))
    _, _, url = _link(site, route)
    try:
        with _worker_browser() as browser:
            ctx, page, errors = _phone(browser, service_workers="block")
            try:
                page.clock.set_fixed_time(evening.timestamp())
                page.goto(url)
                li = page.locator(f"#stopp-{stop.client_id}")
                assert not page.locator("#vorab").is_visible()
                assert not li.locator(".vorab-grund").is_visible()
                assert all(b["disabled"] is None and b["opacity"] == 1
                           for b in _buttons(page, stop.client_id))
                li.locator("button[value=nicht_angetroffen]").click()
                page.wait_for_function(
                    "(id) => document.getElementById(id).classList.contains('done')",
                    arg=f"stopp-{stop.client_id}", timeout=30_000)
                assert "Übermittelt: Nicht angetroffen" in li.locator(
                    "[data-state]").inner_text()
                shoot(li, "notes-uebung-am-besuchstag.png")
                assert not errors, errors
            finally:
                ctx.close()
        from sqlalchemy import select

        from hausbesuch.store import OutcomeRow

        with site.store.session() as s:
            assert s.scalar(select(OutcomeRow.result).where(
                OutcomeRow.client_id == stop.client_id,
                OutcomeRow.day == route.day)) == "nicht_angetroffen"
    finally:
        _undo(site, stop.client_id, route.day)


@sqlite_only()
def test_the_correction_sentence_and_the_time_margin_come_from_the_server(
        site: Site) -> None:
    """Review 22 #11: the phone's sentence on a stored outcome and the minutes a visit
    time may lie ahead are the server's (data attributes), not copies in worker.js."""
    from hausbesuch.casework.service import VISIT_TIME_AHEAD_MIN
    from hausbesuch.web.pages_worker import CORRECTION_HINT

    route = _fresh_route(site)
    _, _, url = _link(site, route)
    page = httpx.get(url).text
    assert f'data-korrektur="{CORRECTION_HINT}"' in page
    assert f'data-voraus="{VISIT_TIME_AHEAD_MIN}"' in page
    js = httpx.get(site.url + "/static/web/worker.js").text
    assert 'getAttribute("data-korrektur")' in js
    assert "ändert nur die Koordination" not in js
    assert "+ 5)" not in js
