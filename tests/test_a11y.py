"""Accessibility (WCAG 2.1 AA / BITV 2.0, QA round 14 b) in Chromium's own accessibility
tree (CDP), against the planned Bad Hersfeld week of :mod:`tests.test_web` (its ``site``
fixture):

- worker page: each stop's state line and the queue counter are live regions, so saved,
  sent, queued and refused outcomes and a missing appointment are announced (a refusal
  assertively); the offline banner is a rendered live region; the appointment's fields
  are marked invalid and described by the message, and unmarked once it is fixed;
- worker page: each stop has a heading („Stopp 1 · 08:01 Uhr · W012“) that names the group
  of its note, appointment and outcome buttons (case id, never a name).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from datetime import time as dtime
from zoneinfo import ZoneInfo

import pytest

from tests import test_web
from tests.browser import ax_node
from tests.test_worker_cache import QUEUE, _fresh_route, _link, _phone
from tests.test_worker_cache import _browser as _worker_browser
from tests.web_fixtures import NAME_MARK, Site

site = test_web.site  # the planned Bad Hersfeld week on loopback (session fixture)
BERLIN = ZoneInfo("Europe/Berlin")


def _worker_page(site: Site, browser, route, at: dtime):  # noqa: ANN001, ANN202, F811
    _, _, url = _link(site, route)
    ctx, page, errors = _phone(browser, service_workers="block")
    page.clock.set_fixed_time(datetime.combine(route.day, at, BERLIN).timestamp())
    page.goto(url)
    return ctx, page, errors


def _wait_state(page, nr: int, text: str) -> None:  # noqa: ANN001
    page.wait_for_function(
        "([id, t]) => document.getElementById(id).textContent.includes(t)",
        arg=[f"zustand-{nr}", text], timeout=30_000)


@pytest.mark.browser
def test_worker_page_announces_what_happens_to_an_outcome(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    from hausbesuch import clock

    route = _fresh_route(site)
    monkeypatch.setenv(clock.ENV, route.day.isoformat())
    with _worker_browser() as browser:
        ctx, page, errors = _worker_page(site, browser, route, dtime(10, 5))
        stop1 = page.locator("li.stop").nth(0)
        state1 = "#" + stop1.locator("[data-state]").get_attribute("id")
        stop2 = page.locator("li.stop").nth(1)
        state2 = "#" + stop2.locator("[data-state]").get_attribute("id")
        # live regions, in the tree before anything is written into them
        for sel in (state1, state2, "#warteschlange", "#netz"):
            node = ax_node(page, sel)
            assert node["role"] == "status" and node["live"] == "polite", (sel, node)
            assert not node["ignored"], (sel, node)

        # „Termin vereinbart“ without date and time: announced, fields marked and described
        date1 = stop1.locator("input[name=termin_datum]")
        stop1.locator("button[value=termin_vereinbart]").click()
        assert "Bitte Datum und Uhrzeit" in page.inner_text(state1)
        assert ax_node(page, state1)["live"] == "polite"
        for field in ("termin_datum", "termin_zeit"):
            node = ax_node(page, f"#{stop1.get_attribute('id')} input[name={field}]")
            assert node["invalid"] == "true", (field, node)
            assert node["describedby"] == [state1[1:]], (field, node)
            assert node["description"] == "Bitte Datum und Uhrzeit des Termins angeben.", node
        assert date1.evaluate("e => e === document.activeElement")
        # fixed: the fields lose the marks, „Gespeichert“ and „Übermittelt“ are announced
        date1.fill((route.day + timedelta(days=7)).isoformat())
        stop1.locator("input[name=termin_zeit]").fill("10:00")
        stop1.locator("button[value=termin_vereinbart]").click()
        assert "Gespeichert: Termin vereinbart" in page.inner_text(state1) or \
            "Übermittelt" in page.inner_text(state1)
        for field in ("termin_datum", "termin_zeit"):
            node = ax_node(page, f"#{stop1.get_attribute('id')} input[name={field}]")
            assert node.get("invalid") in (None, "false"), (field, node)
            assert not node.get("describedby") and not node.get("description"), (field, node)
        _wait_state(page, 1, "Übermittelt: Termin vereinbart")
        assert ax_node(page, state1)["live"] == "polite"

        # the same stop once more: the server refuses it - announced assertively
        date1.fill("")
        stop1.locator("input[name=termin_zeit]").fill("")
        stop1.locator("button[value=angetroffen]").click()
        _wait_state(page, 1, "nicht angenommen")
        assert ax_node(page, state1)["live"] == "assertive"

        # without signal: the banner and the queue counter say so
        ctx.set_offline(True)
        page.wait_for_function("() => document.getElementById('netz').textContent !== ''")
        assert "Kein Netz" in page.inner_text("#netz")
        assert ax_node(page, "#netz")["live"] == "polite"
        stop2.locator("button[value=nicht_angetroffen]").click()
        assert "Gespeichert: Nicht angetroffen" in page.inner_text(state2)
        assert ax_node(page, state2)["live"] == "polite"
        page.wait_for_function(
            "() => document.getElementById('warteschlange').textContent.includes('wartet')")
        assert "1 Ergebnis wartet auf Netz" in page.inner_text("#warteschlange")
        assert ax_node(page, "#warteschlange")["live"] == "polite"
        ctx.set_offline(False)
        page.wait_for_function("() => document.getElementById('netz').textContent === ''")
        _wait_state(page, 2, "Übermittelt: Nicht angetroffen")
        assert len(page.evaluate(QUEUE)) == 1  # the refused one, until discarded
        assert errors == []
        ctx.close()


@pytest.mark.browser
def test_worker_page_groups_each_stops_controls_under_its_heading(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    from hausbesuch import clock

    route = _fresh_route(site)
    monkeypatch.setenv(clock.ENV, route.day.isoformat())
    with _worker_browser() as browser:
        ctx, page, errors = _worker_page(site, browser, route, dtime(10, 5))
        stops = page.locator("li.stop:not(.called-off)")
        assert stops.count() >= 2
        for i in range(stops.count()):
            li = stops.nth(i)
            cid = li.get_attribute("data-kunde")
            lid = li.get_attribute("id")
            heading = ax_node(page, f"#{lid} h2")
            assert heading["role"] == "heading", heading
            nr = li.locator(".num").inner_text()
            assert heading["name"].startswith(f"Stopp {nr} · "), heading
            assert heading["name"].endswith(f" · {cid}"), heading
            assert NAME_MARK not in heading["name"]
            group = ax_node(page, f"#{lid} fieldset")
            assert group["role"] == "group" and group["name"] == heading["name"], group
            # the controls inside the group (Playwright's role queries: by the group's name)
            named = page.get_by_role("group", name=heading["name"], exact=True)
            for role, name in (("button", "Angetroffen"), ("button", "Termin vereinbart"),
                               ("textbox", "Notiz")):
                assert named.get_by_role(role, name=name, exact=True).count() == 1, (cid, name)
            time_field = ax_node(page, f"#{lid} input[name=termin_zeit]")
            assert time_field["name"] == "Termin um (Uhrzeit)", time_field
        assert errors == []
        ctx.close()
