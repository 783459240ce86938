"""The visit time on the field worker's phone (QA 22: F5, F6, a stored outcome), driven in
Debian's Chromium against the real server, and the server's refusals of a visit time.

- F5: the phone stored the time of the tap as the visit's time; results entered in the
  office in the afternoon counted as afternoon tries in the at-home model. Each stop now
  has a field „Uhrzeit des Besuchs“: the planned start of the visit, or the phone's time
  while it is used on the visit day near the visit; the worker can change it, and what it
  says is stored. The server refuses a time ahead of its clock and a text that is no
  time, naming the field (before: a time ahead was silently dropped).
- F6: without signal the first tap said „wird gesendet …“ while the banner said the
  contrary.
- A stop whose outcome is stored shows the outcome; the form to change it is behind a
  control „Ergebnis ändern“ (it was in full view, every button ready for a second tap).

The server's clock stands at 21:00 of the team-day (``tests.fake_clock.server_clock``),
the phone's clock where each test puts it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests import test_web
from tests.browser import wait_for_retry
from tests.fake_clock import server_clock
from tests.shots import shoot
from tests.test_web_enter import _recorded
from tests.test_worker_cache import OFFLINE_TEXT, _fresh_route, _link, _phone
from tests.test_worker_cache import _browser as _worker_browser
from tests.test_worker_correction import _undo
from tests.web_fixtures import Site, sqlite_only

site = test_web.site  # the planned Bad Hersfeld week on loopback (session fixture)

BERLIN = ZoneInfo("Europe/Berlin")
#: the server's clock on the team-day: late, after every planned visit
EVENING = dtime(21, 0)


def _on_fresh_route(site: Site, monkeypatch: pytest.MonkeyPatch, body) -> None:  # noqa: ANN001
    """``body(route)`` on a team-day no test recorded on, the server's clock at
    :data:`EVENING` of that day; the outcomes of its stops are undone afterwards."""
    route = _fresh_route(site)
    moment = datetime.combine(route.day, EVENING, BERLIN)
    try:
        with server_clock(monkeypatch, moment):
            body(route)
    finally:
        for s in route.stops:
            _undo(site, s.client_id, route.day)


def _minute(d: datetime) -> int:
    return d.hour * 60 + d.minute


def _open(browser, site: Site, route, at: dtime, offline: bool = False):  # noqa: ANN001, ANN202
    _, _, url = _link(site, route)
    ctx, page, errors = _phone(browser, service_workers="block")
    page.clock.set_fixed_time(datetime.combine(route.day, at, BERLIN).timestamp())
    page.goto(url)
    return ctx, page, errors


DONE_JS = "(id) => document.getElementById(id).classList.contains('done')"


def _done(page, cid: str) -> None:  # noqa: ANN001
    page.wait_for_function(DONE_JS, arg=f"stopp-{cid}", timeout=30_000)


# a typed visit time stored on both: test_the_server_refuses_a_visit_time_ahead_of_its_clock
# (10:05 read back as 605), test_web.py::test_outcome_is_recorded_once_per_key (09:41)
@sqlite_only()
@pytest.mark.browser
def test_the_phone_stores_the_visit_time_not_the_time_of_the_tap(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    def body(route) -> None:  # noqa: ANN001
        assert len(route.stops) >= 3, route
        far, near, typed = route.stops[:3]
        with _worker_browser() as browser:
            # entered in the evening, far from every planned visit
            ctx, page, errors = _open(browser, site, route, EVENING)
            stop = page.locator(f"#stopp-{far.client_id}")
            field = stop.get_by_label("Uhrzeit des Besuchs")
            assert field.get_attribute("type") == "time"
            assert field.input_value() == f"{far.start:%H:%M}"  # the planned start
            # the phone's time is taken only near the visit, in its half of the day and
            # within an hour after the team's return (review 22 #1, #2: a late-morning
            # try typed in after noon became an afternoon try, and a time after the
            # shift was refused by the server)
            for s in route.stops:
                inp = page.locator(f"#stopp-{s.client_id} input[name=zeit]")
                von, bis = (int(inp.get_attribute(a)) for a in ("data-von", "data-bis"))
                assert bis <= _minute(s.end) + 90, (s, bis)
                assert bis <= _minute(route.return_) + 60, (s, bis)  # the server's margin
                if _minute(s.start) < 720:  # the profile's noon: 12:00
                    assert bis < 720, (s, bis)
                else:
                    assert von >= 720, (s, von)
            stop.scroll_into_view_if_needed()
            shoot(stop, "phone-uhrzeit.png")
            stop.locator("button[value=nicht_angetroffen]").click()
            _done(page, far.client_id)
            got = _recorded(site, route, far.client_id)
            assert [o["time_min"] for o in got] == [_minute(far.start)], got  # not 21:00
            assert f"Übermittelt: Nicht angetroffen ({far.start:%H:%M} Uhr)" in \
                stop.locator("[data-state]").inner_text()
            # a time typed by the worker is the one stored
            stop = page.locator(f"#stopp-{typed.client_id}")
            stop.get_by_label("Uhrzeit des Besuchs").fill("09:40")
            stop.locator("button[value=angetroffen]").click()
            _done(page, typed.client_id)
            assert [o["time_min"] for o in _recorded(site, route, typed.client_id)] == [580]
            assert "Übermittelt: Angetroffen (09:40 Uhr)" in \
                stop.locator("[data-state]").inner_text()
            assert errors == []
            ctx.close()
            # used at the door, 7 minutes into the planned visit: the phone's time
            at = (near.start + timedelta(minutes=7)).time()
            ctx, page, errors = _open(browser, site, route, at)
            stop = page.locator(f"#stopp-{near.client_id}")
            assert stop.get_by_label("Uhrzeit des Besuchs").input_value() == f"{at:%H:%M}"
            stop.locator("button[value=nachricht_hinterlassen]").click()
            _done(page, near.client_id)
            assert [o["time_min"] for o in _recorded(site, route, near.client_id)] == \
                [_minute(near.start) + 7]
            assert errors == []
            ctx.close()

    _on_fresh_route(site, monkeypatch, body)


def test_the_server_refuses_a_visit_time_ahead_of_its_clock(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    def body(route) -> None:  # noqa: ANN001
        _, _, url = _link(site, route)
        page = httpx.get(url)
        assert page.status_code == 200
        csrf = page.text.split('data-csrf="', 1)[1].split('"', 1)[0]
        headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}
        cid = route.stops[0].client_id
        day = route.day.isoformat()

        def post(zeit: str, key: str, json: bool = True) -> httpx.Response:
            return httpx.post(url + "ergebnis", headers=headers if json else {}, data={
                "kundennummer": cid, "ergebnis": "angetroffen", "schluessel": key,
                "zeit": zeit, "csrf_token": csrf})

        for zeit in (f"{day}T21:06", "21:06", f"{day}T23:30"):  # the server says 21:00
            r = post(zeit, "ahead-" + zeit.replace(":", ""))
            assert r.status_code == 400, r.text
            assert r.json() == {"fehler": f"Uhrzeit des Besuchs: {zeit[-5:]} Uhr liegt in "
                                "der Zukunft (jetzt 21:00 Uhr). Bitte die Uhrzeit angeben, "
                                "zu der der Besuch war.", "feld": "zeit"}
        for zeit in (f"{day}T25:00", "9.30", f"{day}T", "abc"):
            r = post(zeit, "bad")
            assert r.status_code == 400, r.text
            assert r.json() == {"fehler": f"Uhrzeit des Besuchs: „{zeit}“ ist ungültig "
                                "(erwartet HH:MM, z. B. 09:30).", "feld": "zeit"}
        r = post("21:30", "ahead-form", json=False)  # the form sent without script
        assert r.status_code == 400
        assert "Uhrzeit des Besuchs: 21:30 Uhr liegt in der Zukunft" in r.text
        assert _recorded(site, route, cid) == []
        # an evening time is no visit: outside the team's working hours (an hour's margin
        # for a team running late), refused as a file's row is (QA 22 F5: the phone took
        # 22:30)
        r = post(f"{day}T20:30", "evening")
        assert r.status_code == 400, r.text
        assert r.json()["feld"] == "zeit", r.text
        assert r.json()["fehler"].startswith(
            "Uhrzeit des Besuchs: 20:30 Uhr liegt außerhalb der Arbeitszeit von „team-"), r.text
        assert _recorded(site, route, cid) == []
        # within five minutes of the clock (a phone's clock a little fast): stored
        with server_clock(monkeypatch, datetime.combine(route.day, dtime(10, 0), BERLIN)):
            r = post(f"{day}T10:05", "ok")
        assert r.status_code == 200 and r.json()["ok"] is True, r.text
        assert [o["time_min"] for o in _recorded(site, route, cid)] == [10 * 60 + 5]

    _on_fresh_route(site, monkeypatch, body)


def test_in_an_exercise_the_server_refuses_a_visit_time_ahead_of_the_exercises_day(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """In an exercise (``HAUSBESUCH_HEUTE``: the visit day, the real date another) the
    server took the real clock: the visit day was never its today, so a time still ahead
    was stored (the phone and the coordination's forms refuse it). It takes the exercise's
    day with the real time of day (:func:`clock.now_on_today`), as they do."""
    from hausbesuch import clock

    def body(route) -> None:  # noqa: ANN001
        _, _, url = _link(site, route)
        cid = route.stops[0].client_id
        day = route.day.isoformat()
        monkeypatch.setenv(clock.ENV, day)
        # the real date three days before the visit day, the real time 10:00
        real = datetime.combine(route.day - timedelta(days=3), dtime(10, 0), BERLIN)
        with server_clock(monkeypatch, real, exercise=True):
            page = httpx.get(url)
            assert page.status_code == 200
            csrf = page.text.split('data-csrf="', 1)[1].split('"', 1)[0]
            headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}

            def post(zeit: str, key: str, json: bool = True) -> httpx.Response:
                return httpx.post(url + "ergebnis", headers=headers if json else {}, data={
                    "kundennummer": cid, "ergebnis": "angetroffen", "schluessel": key,
                    "zeit": zeit, "csrf_token": csrf})

            for zeit in (f"{day}T10:30", "10:06"):
                r = post(zeit, "ahead-" + zeit.replace(":", ""))
                assert r.status_code == 400, r.text
                assert r.json() == {"fehler": f"Uhrzeit des Besuchs: {zeit[-5:]} Uhr liegt "
                                    "in der Zukunft (jetzt 10:00 Uhr). Bitte die Uhrzeit "
                                    "angeben, zu der der Besuch war.", "feld": "zeit"}
            r = post("10:30", "ahead-form", json=False)  # the form sent without script
            assert r.status_code == 400
            assert "Uhrzeit des Besuchs: 10:30 Uhr liegt in der Zukunft" in r.text
            assert _recorded(site, route, cid) == []
            r = post(f"{day}T10:05", "ok")  # within five minutes of the clock: stored
            assert r.status_code == 200 and r.json()["ok"] is True, r.text
        assert [o["time_min"] for o in _recorded(site, route, cid)] == [10 * 60 + 5]

    _on_fresh_route(site, monkeypatch, body)


# storing an outcome on both: test_web.py::test_outcome_is_recorded_once_per_key
@sqlite_only()
@pytest.mark.browser
def test_a_tap_without_signal_says_it_is_sent_later(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    def body(route) -> None:  # noqa: ANN001
        cid = route.stops[0].client_id
        with _worker_browser() as browser:
            ctx, page, errors = _open(browser, site, route, EVENING)
            ctx.set_offline(True)
            stop = page.locator(f"#stopp-{cid}")
            stop.locator("button[value=angetroffen]").click()
            state = stop.locator("[data-state]").inner_text()
            assert state == ("Auf dem Telefon gespeichert (noch nicht gesendet): Angetroffen "
                             f"({route.stops[0].start:%H:%M} Uhr), "
                             "wird gesendet, sobald Netz da ist."), state
            assert page.inner_text("#netz") == OFFLINE_TEXT
            # back online: sent, with the time shown
            ctx.set_offline(False)
            _done(page, cid)
            assert [o["result"] for o in _recorded(site, route, cid)] == ["angetroffen"]
            assert errors == []
            ctx.close()

    _on_fresh_route(site, monkeypatch, body)


@sqlite_only()  # storing an outcome on both: test_web.py::test_outcome_is_recorded_once_per_key
@pytest.mark.browser
def test_a_stored_outcome_stands_out_and_its_change_is_behind_a_control(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    def body(route) -> None:  # noqa: ANN001
        first, other = route.stops[0], route.stops[1]
        with _worker_browser() as browser:
            ctx, page, errors = _open(browser, site, route, EVENING)
            stop = page.locator(f"#stopp-{first.client_id}")
            stop.locator("button[value=nicht_angetroffen]").click()
            _done(page, first.client_id)
            # sent from here: the form goes behind the control at once, as after a reload
            assert stop.locator("details.change:not([open])").count() == 1
            assert not stop.locator("button[value=angetroffen]").is_visible()
            # for 5 minutes the phone may change its own outcome (QA 28 F2:
            # test_worker_own_outcome.py); six minutes later only the coordination
            assert stop.locator("details.change > summary").inner_text() == "Ergebnis ändern"
            from datetime import timedelta

            from hausbesuch import clock

            later = clock.now() + timedelta(minutes=6)
            monkeypatch.setattr(clock, "now", lambda: later)
            page.reload()
            stop = page.locator(f"#stopp-{first.client_id}")
            state = stop.locator("[data-state]")
            assert state.inner_text().startswith("Erfasst: Nicht angetroffen (")
            # the form is out of view until the control is opened
            for name in ("angetroffen", "nicht_angetroffen"):
                assert not stop.locator(f"button[value={name}]").is_visible()
            assert not stop.locator("textarea[name=notiz]").is_visible()
            change = stop.locator("details.change")
            assert change.locator("summary").inner_text() == \
                "Falsch erfasst? Korrektur bei der Koordination melden"
            assert not stop.get_by_label("Uhrzeit des Besuchs").is_visible()
            # a stop without outcome keeps its form in view
            assert page.locator(f"#stopp-{other.client_id} button[value=angetroffen]"
                                ).is_visible()
            assert page.locator(f"#stopp-{other.client_id} details").count() == 0
            stop.scroll_into_view_if_needed()
            shoot(stop, "phone-erfasst.png")
            change.locator("summary").click()
            assert stop.locator("button[value=angetroffen]").is_visible()
            assert "ändert nur die Koordination" in change.inner_text()
            shoot(stop, "phone-erfasst-offen.png")
            # a change sent from there: the server's rule, shown at the stop
            stop.locator("button[value=angetroffen]").click()
            page.wait_for_function(
                "(id) => document.getElementById(id).querySelector('.refused') !== null",
                arg=f"stopp-{first.client_id}")
            assert "„Angetroffen“ nicht übernommen" in state.inner_text()
            assert [o["result"] for o in _recorded(site, route, first.client_id)] == [
                "nicht_angetroffen"]
            assert errors == []
            ctx.close()

    _on_fresh_route(site, monkeypatch, body)


# a typed visit time stored on both: test_the_server_refuses_a_visit_time_ahead_of_its_clock
# (10:05 read back as 605), test_web.py::test_outcome_is_recorded_once_per_key (09:41)
@sqlite_only()
@pytest.mark.browser
def test_a_correction_keeps_the_time_set_and_a_future_time_is_not_queued(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_worker_cache import QUEUE

    def body(route) -> None:  # noqa: ANN001
        first, second = route.stops[0], route.stops[1]
        day = route.day.isoformat()
        with _worker_browser() as browser:
            ctx, page, errors = _open(browser, site, route, dtime(10, 0))
            # a time after the phone's clock on the visit day: said at once, not queued
            stop = page.locator(f"#stopp-{second.client_id}")
            stop.get_by_label("Uhrzeit des Besuchs").fill("11:30")
            stop.locator("button[value=angetroffen]").click()
            assert stop.locator("[data-state]").inner_text() == (
                "Uhrzeit des Besuchs: 11:30 Uhr liegt in der Zukunft. Bitte die Uhrzeit "
                "angeben, zu der der Besuch war.")
            assert stop.get_by_label("Uhrzeit des Besuchs").get_attribute(
                "aria-invalid") == "true"
            assert page.evaluate(QUEUE) == []
            # offline: a time set, a tap, a correction: the correction keeps the time
            ctx.set_offline(True)
            stop = page.locator(f"#stopp-{first.client_id}")
            stop.get_by_label("Uhrzeit des Besuchs").fill("08:15")
            stop.locator("button[value=nicht_angetroffen]").click()
            stop.locator("button[value=nachricht_hinterlassen]").click()
            queued = page.evaluate(QUEUE)
            assert [(q["fields"]["ergebnis"], q["fields"]["zeit"]) for q in queued] == [
                ("nachricht_hinterlassen", f"{day}T08:15")]
            assert "statt „Nicht angetroffen“ (08:15 Uhr)" in \
                stop.locator("[data-state]").inner_text()
            # opened again, its sending still failing: the queued time is back in the
            # field, and a further correction keeps it
            page.route("**/ergebnis", lambda r: r.abort("internetdisconnected"))
            ctx.set_offline(False)
            page.reload()
            stop = page.locator(f"#stopp-{first.client_id}")
            assert stop.get_by_label("Uhrzeit des Besuchs").input_value() == "08:15"
            assert "(08:15 Uhr), wartet auf Netz" in stop.locator("[data-state]").inner_text()
            page.wait_for_timeout(300)  # the first sending after the load has failed
            stop.locator("button[value=verweigert]").click()
            assert [q["fields"]["zeit"] for q in page.evaluate(QUEUE)] == [f"{day}T08:15"]
            page.unroute("**/ergebnis")
            wait_for_retry(page, DONE_JS, f"stopp-{first.client_id}")
            got = _recorded(site, route, first.client_id)
            assert [(o["result"], o["time_min"]) for o in got] == [("verweigert", 495)], got
            assert errors == []
            ctx.close()

    _on_fresh_route(site, monkeypatch, body)
