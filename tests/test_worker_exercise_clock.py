"""The phone's "today" in an exercise (review 23 #6, QA 22 F12), in Debian's Chromium
against the real server.

In an exercise ``HAUSBESUCH_HEUTE`` is the server's day (here the visit day) while the
phone's clock shows the real date, days before it. Only the phone's before-the-day check
took the server's day: the fill-in of the phone's time into „Uhrzeit des Besuchs“ near the
visit and the refusal of a time still ahead compared the phone's own date with the visit
day, so neither worked in an exercise (the server stored a time still ahead that a phone
on its day refuses). The page now carries the exercise's day (``data-heute``) and the phone
takes it with its own time of day, also in its cached copy opened on a later real day.
On a normal day (no ``HAUSBESUCH_HEUTE``) the phone's date is today, as before.

Each test fakes one clock: in an exercise the server's day (``HAUSBESUCH_HEUTE``; the
phone's date stays the real one, only its time of day is held, and the server's real time
of day with it where a time is stored: :func:`tests.fake_clock.exercise_time_of_day`), on a
normal day one moment for the phone and the server (:func:`tests.fake_clock.same_moment`).
"""

from __future__ import annotations

from contextlib import ExitStack
from datetime import datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

import pytest

from hausbesuch import clock
from tests import test_web
from tests.browser import page_width, wait_for_retry
from tests.fake_clock import exercise_time_of_day, same_moment, server_clock
from tests.shots import shoot
from tests.test_web_enter import _recorded
from tests.test_worker_cache import QUEUE, _fresh_route, _link, _open_with_worker, _phone
from tests.test_worker_cache import _browser as _worker_browser
from tests.test_worker_correction import _undo
from tests.web_fixtures import Site, sqlite_only

site = test_web.site  # the planned Bad Hersfeld week on loopback (session fixture)

BERLIN = ZoneInfo("Europe/Berlin")
AHEAD = ("Uhrzeit des Besuchs: {} Uhr liegt in der Zukunft. Bitte die Uhrzeit angeben, zu "
         "der der Besuch war.")


def _phone_at(page, day, at: dtime) -> None:  # noqa: ANN001
    """The phone's clock held at ``at`` on ``day`` (Berlin)."""
    page.clock.set_fixed_time(datetime.combine(day, at, BERLIN).timestamp())


def _real_day():  # noqa: ANN202
    """The real date in Berlin: the phone's date in an exercise."""
    return clock.now().date()


def _done(page, cid: str) -> None:  # noqa: ANN001
    page.wait_for_function(
        "(id) => document.getElementById(id).classList.contains('done')",
        arg=f"stopp-{cid}", timeout=30_000)


def _on_fresh_route(site: Site, body) -> None:  # noqa: ANN001
    """``body(route)`` on a team-day no test recorded on; its outcomes undone afterwards."""
    route = _fresh_route(site)
    assert len(route.stops) >= 2, route
    try:
        body(route)
    finally:
        for s in route.stops:
            _undo(site, s.client_id, route.day)


def _at_the_door(route) -> dtime:  # noqa: ANN001
    """7 minutes into the first stop's planned visit."""
    return (route.stops[0].start + timedelta(minutes=7)).time()


# storing a phone's visit time on both: test_worker_visit_time.py::
# test_the_server_refuses_a_visit_time_ahead_of_its_clock
@sqlite_only()
@pytest.mark.browser
def test_in_an_exercise_the_phone_fills_in_its_time_and_the_server_stores_it(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    def body(route) -> None:  # noqa: ANN001
        assert route.day != _real_day()  # the fixture's week lies ahead of the real date
        monkeypatch.setenv(clock.ENV, route.day.isoformat())
        near, other = route.stops[:2]
        at = _at_the_door(route)
        exercise_time_of_day(monkeypatch, at)  # the server's time of day: the phone's
        _, _, url = _link(site, route)
        with _worker_browser() as browser:
            ctx, page, errors = _phone(browser, service_workers="block")
            try:
                _phone_at(page, _real_day(), at)
                page.goto(url)
                # at the door: the phone's time of day, not the planned start
                stop = page.locator(f"#stopp-{near.client_id}")
                field = stop.get_by_label("Uhrzeit des Besuchs")
                assert field.input_value() == f"{at:%H:%M}", (at, near.start)
                shoot(page, "clock-uebung-uhrzeit.png")  # (390 px)
                assert page_width(page) <= 390
                # far from its visit the other stop keeps its planned start
                far = page.locator(f"#stopp-{other.client_id}").get_by_label(
                    "Uhrzeit des Besuchs")
                if not int(far.get_attribute("data-von")) <= at.hour * 60 + at.minute \
                        <= int(far.get_attribute("data-bis")):
                    assert far.input_value() == f"{other.start:%H:%M}"
                # stored by the server as the phone sent it
                stop.locator("button[value=nachricht_hinterlassen]").click()
                _done(page, near.client_id)
                assert [o["time_min"] for o in _recorded(site, route, near.client_id)] == \
                    [at.hour * 60 + at.minute]
                assert f"Übermittelt: Nachricht hinterlassen ({at:%H:%M} Uhr)" in \
                    stop.locator("[data-state]").inner_text()
                assert page.get_attribute("body", "data-heute") == route.day.isoformat()
                assert not errors, errors
            finally:
                ctx.close()

    _on_fresh_route(site, body)


@sqlite_only()
@pytest.mark.browser
def test_in_an_exercise_the_phone_refuses_a_time_ahead_of_it(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """A time more than 5 minutes after the phone's time of day on the exercise's day is
    refused on the phone (and on the server: test_worker_visit_time.py::
    test_in_an_exercise_the_server_refuses_a_visit_time_ahead_of_the_exercises_day)."""
    def body(route) -> None:  # noqa: ANN001
        monkeypatch.setenv(clock.ENV, route.day.isoformat())
        near = route.stops[0]
        at = _at_the_door(route)
        exercise_time_of_day(monkeypatch, at)  # the server's time of day: the phone's
        _, _, url = _link(site, route)
        with _worker_browser() as browser:
            ctx, page, errors = _phone(browser, service_workers="block")
            try:
                _phone_at(page, _real_day(), at)
                page.goto(url)
                stop = page.locator(f"#stopp-{near.client_id}")
                field = stop.get_by_label("Uhrzeit des Besuchs")
                later = (datetime.combine(route.day, at) + timedelta(minutes=30)).time()
                field.fill(f"{later:%H:%M}")
                stop.locator("button[value=angetroffen]").click()
                state = stop.locator("[data-state]")
                page.wait_for_timeout(300)  # (a tap let through is sent at once)
                assert state.inner_text() == AHEAD.format(f"{later:%H:%M}")
                assert field.get_attribute("aria-invalid") == "true"
                assert page.evaluate(QUEUE) == []
                # within the 5 minutes a clock may run fast: stored
                soon = (datetime.combine(route.day, at) + timedelta(minutes=4)).time()
                field.fill(f"{soon:%H:%M}")
                stop.locator("button[value=angetroffen]").click()
                _done(page, near.client_id)
                assert [o["time_min"] for o in _recorded(site, route, near.client_id)] == \
                    [soon.hour * 60 + soon.minute]
                assert not errors, errors
            finally:
                ctx.close()

    _on_fresh_route(site, body)


@sqlite_only()
@pytest.mark.browser
def test_in_an_exercise_the_phones_copy_on_a_later_day_keeps_the_exercises_day(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """The exercise's day stays as it is while the real clock goes on: the phone's copy of
    the page opened without signal on the next real day still takes it as today (a day
    offset from the phone's date would count one day ahead of the server and take no time
    of the phone)."""
    def body(route) -> None:  # noqa: ANN001
        monkeypatch.setenv(clock.ENV, route.day.isoformat())
        near = route.stops[0]
        at = _at_the_door(route)
        exercise_time_of_day(monkeypatch, at)  # the server's time of day: the phone's
        _, _, url = _link(site, route)
        with _worker_browser() as browser:
            ctx, page, errors = _phone(browser)
            try:
                _phone_at(page, _real_day(), at)
                _open_with_worker(page, url)
                # the next real day, the same time: the copy from the phone's cache
                _phone_at(page, _real_day() + timedelta(days=1), at)
                ctx.set_offline(True)
                page.reload()
                stop = page.locator(f"#stopp-{near.client_id}")
                assert stop.get_by_label("Uhrzeit des Besuchs").input_value() == f"{at:%H:%M}"
                stop.locator("button[value=nicht_angetroffen]").click()
                assert len(page.evaluate(QUEUE)) == 1
                ctx.set_offline(False)
                wait_for_retry(page, f"() => ({QUEUE})().length === 0")
                assert [o["time_min"] for o in _recorded(site, route, near.client_id)] == \
                    [at.hour * 60 + at.minute]
                assert not errors, errors
            finally:
                ctx.close()

    _on_fresh_route(site, body)


@sqlite_only()
@pytest.mark.browser
def test_on_a_normal_day_the_phone_takes_its_own_date(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """No exercise: the page carries no day of its own; the phone's date is today, as
    before the change (this test passes without it: it guards the normal day)."""
    def body(route) -> None:  # noqa: ANN001
        near = route.stops[0]
        at = _at_the_door(route)
        _, _, url = _link(site, route)
        with _worker_browser() as browser:
            ctx, page, errors = _phone(browser, service_workers="block")
            try:
                with same_moment(monkeypatch, page, datetime.combine(route.day, at, BERLIN)):
                    page.goto(url)
                    assert page.get_attribute("body", "data-heute") is None
                    stop = page.locator(f"#stopp-{near.client_id}")
                    field = stop.get_by_label("Uhrzeit des Besuchs")
                    assert field.input_value() == f"{at:%H:%M}"
                    later = (datetime.combine(route.day, at) + timedelta(minutes=30)).time()
                    field.fill(f"{later:%H:%M}")
                    stop.locator("button[value=angetroffen]").click()
                    assert stop.locator("[data-state]").inner_text() == \
                        AHEAD.format(f"{later:%H:%M}")
                    assert page.evaluate(QUEUE) == []
                    field.fill(f"{at:%H:%M}")
                    stop.locator("button[value=angetroffen]").click()
                    _done(page, near.client_id)
                    assert [o["time_min"] for o in _recorded(site, route, near.client_id)] \
                        == [at.hour * 60 + at.minute]
                # the day before on the phone (and the server): before the visit day
                with same_moment(monkeypatch, page,
                                 datetime.combine(route.day - timedelta(days=1), at, BERLIN)):
                    page.reload()
                    assert page.locator("#vorab").is_visible()
                    other = page.locator(f"#stopp-{route.stops[1].client_id}")
                    assert other.get_by_label("Uhrzeit des Besuchs").input_value() == \
                        f"{route.stops[1].start:%H:%M}"
                assert not errors, errors
            finally:
                ctx.close()

    _on_fresh_route(site, body)


@sqlite_only()
@pytest.mark.browser
def test_an_open_page_follows_the_exercise_to_the_visit_day(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """The exercise is moved from the day before to the visit day while the page is open
    (nobody touches the phone): within its check of the link every minute the page takes
    the new day (``sw.js``, header ``X-Heute``): the buttons are ready, the phone's time is
    filled in, a tap is stored."""
    def body(route) -> None:  # noqa: ANN001
        monkeypatch.setenv(clock.ENV, (route.day - timedelta(days=1)).isoformat())
        near = route.stops[0]
        at = _at_the_door(route)
        exercise_time_of_day(monkeypatch, at)  # the server's time of day: the phone's
        _, _, url = _link(site, route)
        with _worker_browser() as browser:
            ctx, page, errors = _phone(browser, service_workers="block")
            try:
                page.clock.install(time=datetime.combine(_real_day(), at, BERLIN).timestamp())
                page.goto(url)
                stop = page.locator(f"#stopp-{near.client_id}")
                field = stop.get_by_label("Uhrzeit des Besuchs")
                assert page.locator("#vorab").is_visible()
                assert field.input_value() == f"{near.start:%H:%M}"
                monkeypatch.setenv(clock.ENV, route.day.isoformat())
                page.clock.run_for(61_000)  # a minute on the page's clock
                page.wait_for_function("() => document.getElementById('vorab').hidden")
                assert stop.locator("button[value=angetroffen]").get_attribute(
                    "aria-disabled") is None
                now = (datetime.combine(route.day, at) + timedelta(seconds=61)).time()
                assert field.input_value() == f"{now:%H:%M}"
                stop.locator("button[value=angetroffen]").click()
                _done(page, near.client_id)
                assert [o["time_min"] for o in _recorded(site, route, near.client_id)] == \
                    [now.hour * 60 + now.minute]
                assert not errors, errors
            finally:
                ctx.close()

    _on_fresh_route(site, body)


@sqlite_only()
@pytest.mark.browser
def test_a_page_that_is_before_the_day_after_an_exercise_ends_follows_the_real_day(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Review 24 #9: loaded in an exercise on the visit day (not before the day), the page
    is before the day once the exercise ends while it is open (the phone's real date lies
    before the visit day): the buttons are marked unavailable. When the phone's real visit
    day begins they were never ready again until a reload: the check every minute was only
    started for a page before the day when loaded. Now it starts when the exercise ends
    too. (The phone's and the server's real day is the day before the visit day: earlier
    the link opens nothing, QA 28 F4.)"""
    def body(route) -> None:  # noqa: ANN001
        assert route.day > _real_day()  # the fixture's week lies ahead of the real date
        monkeypatch.setenv(clock.ENV, route.day.isoformat())
        near = route.stops[0]
        at = _at_the_door(route)
        _, _, url = _link(site, route)
        button = f"#stopp-{near.client_id} button[value=angetroffen]"
        with _worker_browser() as browser, ExitStack() as ended:
            ctx, page, errors = _phone(browser, service_workers="block")
            try:
                eve = datetime.combine(route.day - timedelta(days=1), at, BERLIN)
                page.clock.install(time=eve.timestamp())
                page.goto(url)
                assert page.locator("#vorab").is_hidden()
                assert page.get_attribute(button, "aria-disabled") is None
                # the exercise ends: the server's day is the real one, before the visit day
                # (server_clock unsets HAUSBESUCH_HEUTE)
                ended.enter_context(server_clock(monkeypatch, eve))
                page.clock.run_for(61_000)  # its check of the link, once a minute
                page.wait_for_function("() => !document.getElementById('vorab').hidden")
                assert page.get_attribute(button, "aria-disabled") == "true"
                shoot(page, "rev24-uebung-beendet-vorab.png")  # (390 px)
                # the phone's real visit day begins while the page stays open
                page.clock.set_system_time(
                    datetime.combine(route.day, dtime(7, 59), BERLIN).timestamp())
                page.clock.run_for(61_000)
                page.wait_for_function("() => document.getElementById('vorab').hidden")
                assert page.get_attribute(button, "aria-disabled") is None
                shoot(page, "rev24-besuchstag-bereit.png")
                assert page_width(page) <= 390
                assert not errors, errors
            finally:
                ctx.close()

    _on_fresh_route(site, body)
