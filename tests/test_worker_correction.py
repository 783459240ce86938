"""A correction tapped on the worker's phone while the stop's first outcome is still on its
way to the server, driven in Debian's Chromium against the real server.

The first outcome's POST is held back with Playwright's route interception (it then goes
to the server as it was: nothing of the server is mocked) to make the moment in flight.
The page sends one outcome at a time, so the correction waits for the first's answer.

- The first is stored, and the correction reaches the server more than
  ``PHONE_CORRECTION_MIN`` minutes later: it cannot change it (after those minutes only
  the coordination changes a recorded outcome; the server keeps that rule). The page said
  „Schon erfasst: …“ as for a colleague's outcome; it now says at once that the correction
  waits, and then that its own first tap is stored and only the coordination changes it.
  (Within the minutes the phone replaces its own outcome: test_worker_own_outcome.py.)
- The first's request fails (no signal): the correction replaces it, as a correction does
  of an outcome still waiting (before: both stayed queued, the first went first and the
  correction was refused as „Schon erfasst“).
"""

from __future__ import annotations

from datetime import time as dtime

import pytest

from tests import test_web
from tests.browser import wait_for_retry
from tests.fake_clock import exercise_time_of_day
from tests.shots import shoot
from tests.test_web_enter import _recorded, _worker_page
from tests.test_worker_cache import QUEUE, _fresh_route, _visit_time
from tests.test_worker_cache import _browser as _worker_browser
from tests.web_fixtures import Site, sqlite_only

site = test_web.site  # the planned Bad Hersfeld week on loopback (session fixture)



def _hold_first_outcome(page):  # noqa: ANN001, ANN202
    """Hold the page's first POST of an outcome (returned list gets its route); later
    ones go through at once."""
    held: list = []

    def handler(route) -> None:  # noqa: ANN001
        if route.request.method == "POST" and not held:
            held.append(route)
        else:
            route.continue_()

    page.route("**/ergebnis", handler)
    return held


def _wait_for(page, held: list) -> None:  # noqa: ANN001
    for _ in range(200):
        if held:
            return
        page.wait_for_timeout(50)
    raise AssertionError("the outcome was not sent")


def _undo(site: Site, client_id: str, day) -> None:  # noqa: ANN001
    """The shared week as it was for the other tests: no outcome of the visit."""
    from sqlalchemy import delete, update

    from hausbesuch.store import CaseVisitRow, ClientRow, OutcomeRow

    with site.store.session() as s:
        s.execute(delete(OutcomeRow).where(OutcomeRow.client_id == client_id,
                                           OutcomeRow.day == day))
        s.execute(update(CaseVisitRow).where(
            CaseVisitRow.client_id == client_id, CaseVisitRow.day == day,
            CaseVisitRow.status == "erledigt").values(status="geplant"))
        row = s.get(ClientRow, {"city": test_web.CITY, "client_id": client_id})
        row.status = "offen"


def _shot(page, name: str) -> None:  # noqa: ANN001
    shoot(page, name, full_page=False)


def _on_fresh_stop(site: Site, monkeypatch: pytest.MonkeyPatch, index: int, body) -> None:  # noqa: ANN001
    """``body(site, route, cid)`` on stop ``index`` of a team-day no test recorded on, the
    clock on that day; the stop's outcomes are undone afterwards, also on a failure."""
    from hausbesuch import clock

    route = _fresh_route(site)
    monkeypatch.setenv(clock.ENV, route.day.isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0))  # (after every visit)
    cid = route.stops[index].client_id
    try:
        body(site, route, cid)
    finally:
        _undo(site, cid, route.day)


@sqlite_only()  # one outcome per visit on both: test_web.py::test_outcome_is_recorded_once_per_key
@pytest.mark.browser
def test_a_correction_tapped_while_the_first_is_in_flight_says_the_rule(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    _on_fresh_stop(site, monkeypatch, 0,
                   lambda s, route, cid: _first(s, route, cid, monkeypatch))


def _first(site: Site, route, cid: str, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from datetime import timedelta

    from hausbesuch import clock

    with _worker_browser() as browser:
        ctx, page, errors = _worker_page(site, browser, route, dtime(10, 5))
        held = _hold_first_outcome(page)
        stop = page.locator(f"#stopp-{cid}")
        state = stop.locator("[data-state]")
        _visit_time(stop)
        stop.locator("button[value=nicht_angetroffen]").click()
        _wait_for(page, held)
        stop.locator("textarea[name=notiz]").fill("Doch da, kam gerade")
        stop.locator("button[value=angetroffen]").click()
        # at once: the correction waits for the first's answer, and what then holds
        text = state.inner_text()
        assert "„Nicht angetroffen“ wird gerade gesendet" in text, text
        assert "Korrektur „Angetroffen“" in text, text
        stop.scroll_into_view_if_needed()
        _shot(page, "korrektur-wartet.png")
        # the correction held too, until the server's clock is past the phone's minutes
        second: list = []
        page.route("**/ergebnis", lambda r: second.append(r) if r.request.method == "POST"
                   else r.continue_())
        held[0].continue_()  # the first goes to the server as it was
        _wait_for(page, second)
        later = clock.now() + timedelta(minutes=6)
        monkeypatch.setattr(clock, "now", lambda: later)
        second[0].continue_()
        page.wait_for_function(
            "(id) => document.getElementById(id).querySelector('.refused') !== null",
            arg=f"stopp-{cid}")
        text = state.inner_text()
        # the server's rule holds: the first tap is what is recorded
        assert [o["result"] for o in _recorded(site, route, cid)] == ["nicht_angetroffen"]
        assert "„Angetroffen“ nicht übernommen" in text, text
        assert "Gespeichert ist „Nicht angetroffen“ (von diesem Telefon gesendet)" in text, text
        assert "ändert nur die Koordination" in text, text
        assert "Schon erfasst" not in text, text  # as if it were a colleague's
        assert "Änderung nicht übernommen: bitte der Koordination melden" in \
            page.locator("#warteschlange").inner_text()
        refused = stop.locator(".refused")
        assert "Notiz: Doch da, kam gerade" in refused.inner_text()
        assert refused.locator("button", has_text="Verwerfen").count() == 1
        stop.scroll_into_view_if_needed()
        _shot(page, "korrektur-nicht-uebernommen.png")
        # opened again: the same words (kept on the phone with the refused correction)
        page.reload()
        text = page.locator(f"#stopp-{cid} [data-state]").inner_text()
        assert "Gespeichert ist „Nicht angetroffen“ (von diesem Telefon gesendet)" in text, text
        assert errors == []
        ctx.close()


@sqlite_only()  # storing an outcome on both: test_web.py::test_outcome_is_recorded_once_per_key
@pytest.mark.browser
def test_a_correction_replaces_a_first_outcome_whose_sending_failed(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    _on_fresh_stop(site, monkeypatch, 1, _second)


def _second(site: Site, route, cid: str) -> None:  # noqa: ANN001
    with _worker_browser() as browser:
        ctx, page, errors = _worker_page(site, browser, route, dtime(10, 5))
        held = _hold_first_outcome(page)
        stop = page.locator(f"#stopp-{cid}")
        _visit_time(stop)
        stop.locator("textarea[name=notiz]").fill("Briefkasten voll")
        stop.locator("button[value=nicht_angetroffen]").click()
        _wait_for(page, held)
        stop.locator("button[value=nachricht_hinterlassen]").click()
        held[0].abort("internetdisconnected")  # the first never reached the server
        wait_for_retry(page, "(id) => document.getElementById(id).classList.contains('done')",
                       f"stopp-{cid}")
        got = _recorded(site, route, cid)
        assert [o["result"] for o in got] == ["nachricht_hinterlassen"], got
        assert got[0]["note"] == "Briefkasten voll"  # the first's note went with it
        text = stop.locator("[data-state]").inner_text()
        assert "Übermittelt: Nachricht hinterlassen" in text, text
        assert page.evaluate(QUEUE) == []
        assert errors == []
        ctx.close()
