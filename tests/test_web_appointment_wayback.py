"""QA 37 #1: the phone took „Termin vereinbart“ for a time whose visit ended before the
shift's end but whose way back to the base did not, and the planner, which counts the way
back, could not plan it. Where the stored route of the day tells the way back from the
door (the day's last stop: the return less the end of its visit), the server and the page
count it, in the same words, before anything is stored or queued.

Over real HTTP against the planned Bad Hersfeld week of :mod:`tests.test_web` (both teams
on foot from the depot), the page in Chromium at 390 px."""

from __future__ import annotations

import re
from datetime import time as dtime

import httpx
import pytest

from hausbesuch import clock
from tests.browser import page_width
from tests.fake_clock import exercise_time_of_day
from tests.test_web import CITY, _current_plan, _outcomes, site  # noqa: F401 - the fixture, by name
from tests.test_web_outcome_late import (
    _hhmm,
    _kept,
    _latest_start,
    _visit_id,
    _working_day_after,
)
from tests.test_worker_cache import _link
from tests.web_fixtures import Site, sqlite_only


def _last_stop_route(site: Site):  # noqa: ANN202, F811
    """A team-day with stops and no outcome yet whose last visit's way back the route's
    times tell (no break between that visit and the return): (route, way back in whole
    minutes, rounded up)."""
    plan = _current_plan(site)
    done = {(o["client_id"], o["day"]) for o in _outcomes(site)}
    for r in plan.routes:
        if not r.stops or any((s.client_id, r.day) in done for s in r.stops) or r.ends_open:
            continue
        last = r.stops[-1]
        if r.lunch is not None and r.lunch[0] < r.return_ and r.lunch[1] > last.end:
            continue
        back = (r.return_ - last.end).total_seconds()
        if back > 0:
            return r, -(-int(back) // 60)
    raise AssertionError("no route whose way back the times tell")


def _teams_alike(site: Site, route, when) -> None:  # noqa: ANN001, F811
    """The week's teams that work ``when`` travel as ``route``'s team and end where it
    ends (the depot): the way back counts for each of them."""
    from hausbesuch.team_store import base_teams
    from hausbesuch.teams import at_profile_depot

    profile = site.app.state.web.profile(CITY)
    on = [t for t in at_profile_depot(profile, base_teams(site.store, profile))
          if when.weekday() in t.weekdays]
    own = next(t for t in on if t.id == route.team_id)
    assert all(t.mode == own.mode == route.mode
               and (t.end_address, t.end_lonlat) == (own.end_address, own.end_lonlat)
               for t in on), on


@sqlite_only()
def test_the_server_counts_the_way_back_the_route_tells(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """An appointment whose visit ends by the shift's end but whose way back from that
    door (the day's last stop) does not is refused (400, ``feld`` termin), naming the way
    back, the end and the latest start; nothing is stored; the latest start is taken."""
    from hausbesuch.fields import format_day

    route, back = _last_stop_route(site)
    monkeypatch.setenv(clock.ENV, route.day.isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0))
    when = _working_day_after(site, route.day, 2)
    _teams_alike(site, route, when)
    cid = route.stops[-1].client_id
    minutes, last, plain = _latest_start(site, cid, when)
    latest = plain - back
    late = latest + 1  # its visit ends before the shift's end: the old rule took it
    assert late + minutes <= last
    with _kept(site, cid):
        _token, _l, url = _link(site, route)
        page = httpx.get(url).text
        csrf = re.search(r'data-csrf="([^"]+)"', page).group(1)
        headers = {"X-CSRF-Token": csrf, "Accept": "application/json"}

        def send(at: str, key: str) -> httpx.Response:
            return httpx.post(url + "ergebnis", headers=headers, data={
                "kundennummer": cid, "ergebnis": "termin_vereinbart", "schluessel": key,
                "termin_datum": when.isoformat(), "termin_zeit": at})

        r = send(_hhmm(late), "rueckweg-1")
        assert r.status_code == 400, r.text
        assert r.json() == {"fehler": (
            f"Termin {format_day(when)}, {_hhmm(late)} Uhr: der Besuch ({minutes} Min.) und "
            f"der Rückweg ({back} Min.) enden erst um {_hhmm(late + minutes + back)} Uhr, "
            f"nach Schichtende {_hhmm(last)} Uhr; bitte spätestens {_hhmm(latest)} Uhr "
            "vereinbaren."), "feld": "termin"}, r.json()
        assert _visit_id(site, cid, route.day) is not None  # nothing stored
        r = send(_hhmm(latest), "rueckweg-2")
        assert r.status_code == 200, r.text
        assert _visit_id(site, cid, route.day) is None  # recorded („erledigt“)


@sqlite_only()
@pytest.mark.browser
def test_the_phone_page_counts_the_way_back_before_queueing(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """The same in Chromium at 390 px: the page knows the stop's way back from its route
    and refuses the appointment in the server's words before anything is queued or sent;
    the latest start is sent and stored."""
    from hausbesuch.fields import format_day
    from tests.shots import shoot
    from tests.test_web import _open_appointment
    from tests.test_web_enter import _worker_page
    from tests.test_worker_cache import QUEUE, _visit_time
    from tests.test_worker_cache import _browser as _worker_browser

    route, back = _last_stop_route(site)
    monkeypatch.setenv(clock.ENV, route.day.isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0))
    when = _working_day_after(site, route.day, 2)
    _teams_alike(site, route, when)
    cid = route.stops[-1].client_id
    minutes, last, plain = _latest_start(site, cid, when)
    latest = plain - back
    late = latest + 1
    posts: list[str] = []
    with _kept(site, cid), _worker_browser() as browser:
        ctx, page, errors = _worker_page(site, browser, route, dtime(10, 5))
        page.on("request", lambda rq: posts.append(rq.url) if rq.method == "POST" else None)
        stop = page.locator(f"#stopp-{cid}")
        _visit_time(stop)
        _open_appointment(stop)
        stop.locator("input[name=termin_datum]").fill(when.isoformat())
        stop.locator("input[name=termin_zeit]").fill(_hhmm(late))
        stop.locator("button[value=termin_vereinbart]").click()
        text = stop.locator("[data-state]").inner_text()
        assert text == (f"Termin {format_day(when)}, {_hhmm(late)} Uhr: der Besuch ({minutes} "
                        f"Min.) und der Rückweg ({back} Min.) enden erst um "
                        f"{_hhmm(late + minutes + back)} Uhr, nach Schichtende {_hhmm(last)} "
                        f"Uhr; bitte spätestens {_hhmm(latest)} Uhr vereinbaren."), text
        assert page.evaluate(QUEUE) == [] and posts == []
        assert stop.locator("input[name=termin_datum]").get_attribute("aria-invalid") == "true"
        assert page_width(page) <= 390
        stop.locator("h2").evaluate("(h) => h.scrollIntoView({block: 'start'})")
        shoot(page, "phone1-termin-rueckweg.png", full_page=False)
        stop.locator("input[name=termin_zeit]").fill(_hhmm(latest))
        stop.locator("button[value=termin_vereinbart]").click()
        page.wait_for_function(
            "(id) => document.getElementById(id).classList.contains('done')",
            arg=f"stopp-{cid}", timeout=30_000)
        assert "Übermittelt: Termin vereinbart" in stop.locator("[data-state]").inner_text()
        assert _visit_id(site, cid, route.day) is None
        assert errors == []
        ctx.close()
