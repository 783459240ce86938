"""Edges of the worker phone's queue when a correction is tapped while the stop's first
outcome is on its way, driven in Debian's Chromium against the real server (review 21,
findings 4 and 5).

The first outcome's POST is held back with Playwright's route interception; it then goes to
the real server as it was (nothing of the server is mocked).

- The server refuses the first (an appointment the teams cannot keep) and stores the
  correction tapped behind it: the refused first is replaced by the correction and leaves
  the phone (before: its box, its queue entry and, after a reload, its „nicht angenommen …
  bitte korrigieren“ line stayed on a stop whose correction is stored).
- The page is reloaded after the first reached the server but before its answer came back:
  the correction the reload keeps replaces the first, so the server's „Schon erfasst“ of the
  first is told as this phone's own outcome (before: as a colleague's).
"""

from __future__ import annotations

from datetime import time as dtime
from datetime import timedelta

import pytest

from tests import test_web
from tests.test_web import _open_appointment
from tests.test_web_enter import _recorded, _worker_page
from tests.test_worker_cache import QUEUE, _visit_time
from tests.test_worker_cache import _browser as _worker_browser
from tests.test_worker_correction import _hold_first_outcome, _on_fresh_stop, _shot, _wait_for
from tests.web_fixtures import Site, sqlite_only

site = test_web.site  # the planned Bad Hersfeld week on loopback (session fixture)


@sqlite_only()  # storing an outcome on both: test_web.py::test_outcome_is_recorded_once_per_key
@pytest.mark.browser
def test_a_refused_first_outcome_goes_once_its_correction_is_stored(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    _on_fresh_stop(site, monkeypatch, 0, _refused_then_stored)


def _refused_then_stored(site: Site, route, cid: str) -> None:  # noqa: ANN001
    with _worker_browser() as browser:
        ctx, page, errors = _worker_page(site, browser, route, dtime(10, 5))
        held = _hold_first_outcome(page)
        stop = page.locator(f"#stopp-{cid}")
        state = stop.locator("[data-state]")
        _visit_time(stop)
        # an appointment at 22:00: the phone cannot know the teams' hours, the server refuses
        _open_appointment(stop)  # (QA 28 F17: folded until tapped)
        stop.locator("input[name=termin_datum]").fill((route.day + timedelta(days=7)).isoformat())
        stop.locator("input[name=termin_zeit]").fill("22:00")
        stop.locator("textarea[name=notiz]").fill("Termin abends gewünscht")
        stop.locator("button[value=termin_vereinbart]").click()
        _wait_for(page, held)
        # the worker thinks again: the appointment's fields emptied, "Angetroffen" tapped
        stop.locator("input[name=termin_datum]").fill("")
        stop.locator("input[name=termin_zeit]").fill("")
        stop.locator("button[value=angetroffen]").click()
        assert "Korrektur „Angetroffen“" in state.inner_text()
        held[0].continue_()  # to the server as it was: refused (feld termin)
        page.wait_for_function(
            "(id) => document.getElementById(id).classList.contains('done')",
            arg=f"stopp-{cid}", timeout=30_000)
        page.wait_for_timeout(300)  # the page's work after the answer (status line)
        assert [o["result"] for o in _recorded(site, route, cid)] == ["angetroffen"]
        text = state.inner_text()
        assert "Übermittelt: Angetroffen" in text, text
        assert page.evaluate(QUEUE) == []
        assert stop.locator(".refused").count() == 0
        assert page.locator("#warteschlange").inner_text().strip() == ""
        # what the refusal put back into the form for correcting it is gone with it
        for name in ("termin_datum", "termin_zeit"):
            field = stop.locator(f"input[name={name}]")
            assert field.input_value() == ""
            assert field.get_attribute("aria-invalid") is None
        assert stop.locator("textarea[name=notiz]").input_value() == ""
        # opened again: the page shows what the server has stored, nothing to correct
        page.reload()
        stop = page.locator(f"#stopp-{cid}")
        text = stop.locator("[data-state]").inner_text()
        assert "nicht angenommen" not in text, text
        assert "Erfasst: Angetroffen" in text, text
        assert stop.locator(".refused").count() == 0
        assert page.locator("#warteschlange").inner_text().strip() == ""
        stop.scroll_into_view_if_needed()
        _shot(page, "abgelehnt-dann-korrektur-gespeichert.png")
        assert errors == []
        ctx.close()


@sqlite_only()  # one outcome per visit on both: test_web.py::test_outcome_is_recorded_once_per_key
@pytest.mark.browser
def test_a_reload_while_the_first_is_in_flight_keeps_it_the_phones_own(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    _on_fresh_stop(site, monkeypatch, 1,
                   lambda s, route, cid: _reload_in_flight(s, route, cid, monkeypatch))


def _reload_in_flight(site: Site, route, cid: str, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from hausbesuch import clock

    with _worker_browser() as browser:
        ctx, page, errors = _worker_page(site, browser, route, dtime(10, 5))
        held = _hold_first_outcome(page)
        stop = page.locator(f"#stopp-{cid}")
        _visit_time(stop)
        stop.locator("textarea[name=notiz]").fill("Klingel defekt")
        stop.locator("button[value=nicht_angetroffen]").click()
        _wait_for(page, held)
        stop.locator("button[value=angetroffen]").click()
        queued = page.evaluate(QUEUE)
        assert [q["label"] for q in queued] == ["Nicht angetroffen", "Angetroffen"], queued
        # the first reaches the server and is stored; its answer never reaches the page:
        # the browser is closed (the phone's battery, the app swept away; a reload lets the
        # page see its request fail, a closed one sees nothing) and the link opened again,
        # both outcomes waiting in the queue kept on the phone
        answer = held[0].fetch()
        assert answer.ok, answer.text()
        assert [o["result"] for o in _recorded(site, route, cid)] == ["nicht_angetroffen"]
        # opened again after the minutes in which the phone may change its own outcome
        # (within them the correction replaces it: test_worker_own_outcome.py)
        later = clock.now() + timedelta(minutes=6)
        monkeypatch.setattr(clock, "now", lambda: later)
        url = page.url
        page.close()
        page = ctx.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(url)
        stop = page.locator(f"#stopp-{cid}")
        page.wait_for_function(
            "(id) => document.getElementById(id).querySelector('.refused') !== null",
            arg=f"stopp-{cid}", timeout=30_000)
        # the server keeps the first tap; the correction is refused and told as the phone's own
        assert [o["result"] for o in _recorded(site, route, cid)] == ["nicht_angetroffen"]
        text = stop.locator("[data-state]").inner_text()
        assert "„Angetroffen“ nicht übernommen" in text, text
        assert "Gespeichert ist „Nicht angetroffen“ (von diesem Telefon gesendet)" in text, text
        assert "Schon erfasst" not in text, text
        # the first's note went with the correction that replaced it
        assert "Notiz: Klingel defekt" in stop.locator(".refused").inner_text()
        assert [q["label"] for q in page.evaluate(QUEUE)] == ["Angetroffen"]
        stop.scroll_into_view_if_needed()
        _shot(page, "neu-geladen-im-senden-eigenes-ergebnis.png")
        assert errors == []
        ctx.close()
