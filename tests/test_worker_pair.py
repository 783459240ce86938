"""What an open phone page learns by its check every minute besides the stops (QA 28 field
findings 20 and 21), driven in Debian's Chromium against the real server.

- F20: *Team wieder einplanen* takes a team back in without changing its stops: the tour
  stamp stayed the same, and the open page said nothing until reloaded by hand. ``sw.js``
  now carries the team's state (header ``X-Team-Stand``); the page updates its line and
  shows a banner, and an idle team reads „Wieder eingeplant ab … Uhr; derzeit keine
  weiteren Besuche.“.
- F21: both staff of a pair open the same link. The second phone did not learn what the
  first recorded (the check compared only the stops), and its refused tap on such a stop
  was counted as „Änderung nicht übernommen: bitte der Koordination melden“. ``sw.js`` now
  carries the outcomes recorded (header ``X-Erfasst``): the other phone marks those stops
  „Erfasst (anderes Telefon): …“, and a refused duplicate reads „Vom anderen Telefon schon
  erfasst“.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from datetime import time as dtime

import pytest
from sqlalchemy import update

from tests import test_web
from tests.fake_clock import exercise_time_of_day
from tests.shots import shoot
from tests.test_web import _current_plan
from tests.test_web_enter import _recorded
from tests.test_worker_cache import (
    BERLIN,
    _browser,
    _fresh_route,
    _link,
    _no_copy_asked,
    _open_with_worker,
    _phone,
    _phone_at,
)
from tests.test_worker_correction import _undo
from tests.test_worker_visit_time import _done
from tests.web_fixtures import Site, sqlite_only

site = test_web.site  # the planned Bad Hersfeld week on loopback (session fixture)


def _state(page, cid: str) -> str:  # noqa: ANN001
    return page.locator(f"#stopp-{cid} [data-state]").inner_text()


def _a_records_b_learns(a, b, cid: str) -> None:  # noqa: ANN001
    """Phone ``a`` records „Angetroffen“ at 10:05 for stop ``cid``; phone ``b`` (same link)
    marks the stop done at its next minute check."""
    stop = a.locator(f"#stopp-{cid}")
    stop.locator("input[name=zeit]").fill("10:05")
    stop.locator("button[value=angetroffen]").click()
    _done(a, cid)
    b.clock.run_for(61_000)
    _done(b, cid)


def _both_record(a, b, cid: str) -> None:  # noqa: ANN001
    """Phone ``a`` records „Angetroffen“ at 10:05 for stop ``cid``; phone ``b`` taps
    „Nicht angetroffen“ (10:06, a note) before its next check and is refused."""
    stop = a.locator(f"#stopp-{cid}")
    stop.locator("input[name=zeit]").fill("10:05")
    stop.locator("button[value=angetroffen]").click()
    _done(a, cid)
    stop = b.locator(f"#stopp-{cid}")
    stop.locator("input[name=zeit]").fill("10:06")
    stop.locator("textarea[name=notiz]").fill("Briefkasten voll")
    stop.locator("button[value=nicht_angetroffen]").click()
    b.wait_for_function(
        "(id) => document.getElementById(id).querySelector('.refused') !== null",
        arg=f"stopp-{cid}")


# --------------------------------------------------------------------------- F20


def _set_spans(site: Site, plan_id: str, spans: list[dict] | None) -> None:
    """The plan's stored spans of teams taken out (as a re-plan stores them)."""
    from hausbesuch.store import PlanRow

    params = site.store.plan_params(plan_id)
    if spans is None:
        params.pop("teams_out_spans", None)
    else:
        params["teams_out_spans"] = spans
    with site.store.session() as s:
        s.execute(update(PlanRow).where(PlanRow.id == plan_id)
                  .values(params=json.dumps(params)))


def test_the_phone_says_when_a_team_is_back_in_and_whether_visits_follow(site: Site) -> None:
    """The line of the phone: „Wieder eingeplant ab …“ once the last span out has an end,
    with „derzeit keine weiteren Besuche“ only when no visit of the route starts then or
    later (called-off visits and cases closed since do not count)."""
    from dataclasses import replace

    from hausbesuch.web.pages_worker import phone_team_note

    route = next(r for r in _current_plan(site).routes if len(r.stops) >= 2)
    team = route.team_id
    last = route.stops[-1].start

    def spans(*rows: tuple[datetime, datetime | None]) -> dict:
        return {"teams_out_spans": [{"team": team, "ab": a.isoformat(),
                                     **({"bis": b.isoformat()} if b else {})}
                                    for a, b in rows]}

    at = last - timedelta(minutes=30)
    out = phone_team_note(spans((at, None)), route)
    assert out == (f"Ab {at:%H:%M} Uhr abgemeldet: die weiteren Besuche des Tages übernimmt "
                   "ein anderes Team oder sie bleiben offen.")
    back = last + timedelta(minutes=2)
    assert phone_team_note(spans((at, back)), route) == (
        f"Von {at:%H:%M} bis {back:%H:%M} Uhr abgemeldet: die Besuche dazwischen übernimmt "
        f"ein anderes Team oder sie bleiben offen. Wieder eingeplant ab {back:%H:%M} Uhr; "
        "derzeit keine weiteren Besuche.")
    early = last - timedelta(minutes=5)
    assert phone_team_note(spans((at - timedelta(minutes=60), early)), route).endswith(
        f"Wieder eingeplant ab {early:%H:%M} Uhr.")
    # the one visit after the return called off, or its case closed: none to come
    gone = replace(route, stops=(*route.stops[:-1], replace(route.stops[-1], called_off=True)))
    assert phone_team_note(spans((at - timedelta(minutes=60), early)), gone).endswith(
        "derzeit keine weiteren Besuche.")
    assert phone_team_note(spans((at - timedelta(minutes=60), early)), route,
                           gone={route.stops[-1].position}).endswith(
        "derzeit keine weiteren Besuche.")
    # the one visit after the return done already (its outcome recorded): none to come
    # (review 29 #6)
    assert phone_team_note(spans((at - timedelta(minutes=60), early)), route,
                           recorded={route.stops[-1].position}).endswith(
        "derzeit keine weiteren Besuche.")
    # out again after being back: no „wieder eingeplant“
    assert "Wieder" not in phone_team_note(spans((at - timedelta(minutes=60), early),
                                                 (back, None)), route)
    assert phone_team_note({}, route) == ""


def test_the_minute_checks_headers_stay_small_and_read_back() -> None:
    """X-Erfasst and X-Team-Stand escape only what a header cannot carry, so that a long
    day fits the proxy's header buffer (review 29 #4: every „{“, „"“ and space
    percent-encoded, 15 stops with an appointment gave 2.8 KB); ``decodeURIComponent``
    (here :func:`urllib.parse.unquote`, which decodes the same) gives the text back."""
    from urllib.parse import unquote

    from hausbesuch.web.pages_worker import header_text

    entry = {"k": "N-MO06", "e": "Nachricht hinterlassen", "z": "08:07",
             "t": ", Termin am Do, 10.12.2026, 15:45 Uhr", "l": True}
    day = json.dumps([entry] * 15, ensure_ascii=False, separators=(",", ":"))
    assert len(header_text(day)) == len(day) < 1700
    for text in (day, "Ab 09:00 Uhr abgemeldet: die weiteren Besuche übernimmt ein anderes "
                 "Team.", 'K-7 „ä“ 50% %41 +x\t', " führend und folgend "):
        value = header_text(text)
        assert unquote(value) == text, text
        assert all(0x20 < ord(c) < 0x7F for c in value[:1] + value[-1:]), value
        assert all(0x20 <= ord(c) < 0x7F for c in value), value  # Latin-1, no control


@sqlite_only()  # storing an outcome on both: test_web.py::test_outcome_is_recorded_once_per_key
def test_a_visit_done_after_the_return_leaves_no_further_visits(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Back in before its last visit, the team records that visit: the page and the
    minute check (``X-Team-Stand``) then say „derzeit keine weiteren Besuche“; the visit
    done counted as one still to come (review 29 #6)."""
    import re
    from urllib.parse import unquote

    import httpx

    from hausbesuch import clock
    from tests.test_worker_correction import _undo

    route = _fresh_route(site)
    monkeypatch.setenv(clock.ENV, route.day.isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0))
    plan_id = _current_plan(site).id
    before = site.store.plan_params(plan_id).get("teams_out_spans")
    last = route.stops[-1]
    at, back = last.start - timedelta(minutes=30), last.start - timedelta(minutes=10)
    done = f"Wieder eingeplant ab {back:%H:%M} Uhr; derzeit keine weiteren Besuche."
    try:
        _set_spans(site, plan_id, [{"team": route.team_id, "ab": at.isoformat(),
                                    "bis": back.isoformat()}])
        _, _, url = _link(site, route)
        page = httpx.get(url)
        assert f"Wieder eingeplant ab {back:%H:%M} Uhr." in page.text  # a visit to come
        assert done not in page.text
        csrf = re.search(r'data-csrf="([^"]+)"', page.text).group(1)
        r = httpx.post(url + "ergebnis", data={
            "csrf_token": csrf, "kundennummer": last.client_id, "ergebnis": "angetroffen",
            "schluessel": "review29-6", "zeit": f"{route.day}T{last.start:%H:%M}",
            "notiz": "", "termin_datum": "", "termin_zeit": ""},
            headers={"Accept": "application/json"})
        assert r.status_code == 200, r.text
        assert done in httpx.get(url).text
        assert unquote(httpx.get(url + "sw.js").headers["X-Team-Stand"]).endswith(done)
    finally:
        _undo(site, last.client_id, route.day)
        _set_spans(site, plan_id, before)


def _out_and_back(site: Site, monkeypatch: pytest.MonkeyPatch) -> tuple:
    """A fresh route on its day (21:00 in the exercise), its plan, the plan's teams out
    before (to restore), the moments two minutes before and after its last visit, and
    the phone's line when the team is out from the first, and when back in at the
    second: (route, plan id, before, at, back, out note, back note)."""
    from hausbesuch import clock

    route = _fresh_route(site)
    monkeypatch.setenv(clock.ENV, route.day.isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0))
    plan_id = _current_plan(site).id
    before = site.store.plan_params(plan_id).get("teams_out_spans")
    last = route.stops[-1].start
    at, back = last - timedelta(minutes=2), last + timedelta(minutes=2)
    out_note = (f"Ab {at:%H:%M} Uhr abgemeldet: die weiteren Besuche des Tages übernimmt "
                "ein anderes Team oder sie bleiben offen.")
    back_note = (f"Von {at:%H:%M} bis {back:%H:%M} Uhr abgemeldet: die Besuche dazwischen "
                 "übernimmt ein anderes Team oder sie bleiben offen. Wieder eingeplant ab "
                 f"{back:%H:%M} Uhr; derzeit keine weiteren Besuche.")
    return route, plan_id, before, at, back, out_note, back_note


@sqlite_only()
@pytest.mark.browser
def test_an_open_phone_learns_that_its_team_is_back_in(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """The team is out while its page is open; *Team wieder einplanen* takes it back in
    after its last visit. Within the minute check the page says so, in its line below the
    header and in a banner (an alert), without a reload: the stops did not change."""
    route, plan_id, before, at, back, out_note, back_note = _out_and_back(site, monkeypatch)
    team = route.team_id
    try:
        _set_spans(site, plan_id, [{"team": team, "ab": at.isoformat()}])
        _, _, url = _link(site, route)
        with _browser() as browser:
            ctx, page, errors = _phone_at(browser, url, route.day,
                                          (back + timedelta(minutes=3)).time(), running=True)
            loads: list[str] = []
            page.on("load", lambda: loads.append(page.url))
            assert page.inner_text("#abgemeldet") == out_note
            assert page.inner_text("#teamwechsel") == ""
            page.locator("li.stop textarea[name=notiz]").first.fill("Hund im Hof")
            _set_spans(site, plan_id, [{"team": team, "ab": at.isoformat(),
                                        "bis": back.isoformat()}])
            page.clock.run_for(61_000)
            page.wait_for_function(
                "() => document.getElementById('teamwechsel').innerText.length > 0")
            assert page.inner_text("#teamwechsel p") == f"Neu: {back_note} Verstanden"
            assert page.get_attribute("#teamwechsel", "role") == "alert"
            assert page.inner_text("#abgemeldet") == back_note
            assert page.locator("#abgemeldet").count() == 1
            assert page.inner_text("#tourwechsel") == ""  # the stops are the same
            assert loads == []  # no reload: the typed note stays in its field
            assert page.locator("li.stop textarea[name=notiz]").first.input_value() == \
                "Hund im Hof"
            shoot(page, "phone-f20-wieder-eingeplant.png", full_page=False)
            # said once; „Verstanden“ closes the banner, the line stays
            page.get_by_role("button", name="Verstanden").click()
            assert page.inner_text("#teamwechsel") == ""
            page.clock.run_for(61_000)
            page.wait_for_timeout(300)
            assert page.inner_text("#teamwechsel") == ""
            assert page.inner_text("#abgemeldet") == back_note
            # a page made now says the same
            page.locator("li.stop textarea[name=notiz]").first.fill("")
            page.reload()
            assert page.inner_text("#abgemeldet") == back_note
            assert errors == []
            ctx.close()
    finally:
        _set_spans(site, plan_id, before)


def _copy_team(page, url: str, text: str) -> None:  # noqa: ANN001
    """Wait until the service worker's copy of the page at ``url`` shows ``text`` as the
    team's line below the header (``#abgemeldet``; "": none)."""
    said = None
    for _ in range(150):
        said = page.evaluate("""async (scope) => {
            const r = await caches.match(scope);
            if (!r) return null;
            const doc = new DOMParser().parseFromString(await r.text(), 'text/html');
            const line = doc.getElementById('abgemeldet');
            return line ? line.textContent.trim() : ''; }""", url)
        if said == text:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the phone's copy of the page shows the team as {said!r}, "
                         f"not {text!r}")


@sqlite_only()
@pytest.mark.browser
def test_the_copy_without_signal_follows_the_team_taken_out_and_back_in(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """The open page follows *Team abmelden* and *Team wieder einplanen* with its minute
    check (X-Team-Stand), but the service worker refreshed its copy only when the
    outcomes changed (X-Erfasst-Stand): opened again without signal, the copy showed the
    team as it was when the page was loaded. The copy now follows the team's state too,
    audited as a copy once per change (``worker_link_copy``, not as a view), and a check
    that finds the copy as it is asks for none."""
    route, plan_id, before, at, back, out_note, back_note = _out_and_back(site, monkeypatch)
    team = route.team_id
    _, link, url = _link(site, route)

    def audited(action: str) -> int:
        return len([r for r in site.store.audit_rows(action=action)
                    if r["actor"] == f"link:{link.prefix}"])

    try:
        others = [s for s in before or [] if s.get("team") != team]
        _set_spans(site, plan_id, others)
        with _browser() as browser:
            ctx, page, errors = _phone(browser)
            page.clock.install(time=datetime.combine(route.day, back.time(), BERLIN)
                               .timestamp())
            _open_with_worker(page, url)
            assert page.locator("#abgemeldet").count() == 0
            views = audited("worker_link_view")
            first = audited("worker_link_copy")  # (the copy made when it was opened)
            for spans, note, copies in (
                    ([{"team": team, "ab": at.isoformat()}], out_note, 1),
                    ([{"team": team, "ab": at.isoformat(), "bis": back.isoformat()}],
                     back_note, 2)):
                _set_spans(site, plan_id, others + spans)
                page.clock.run_for(61_000)
                page.wait_for_function("(text) => (document.getElementById('abgemeldet') "
                                       "|| {}).innerText === text", arg=note)
                _copy_team(page, url, note)
                page.wait_for_timeout(300)
                assert audited("worker_link_copy") == first + copies
                assert audited("worker_link_view") == views
                # opened again without signal: the copy shows the team as it is now
                ctx.set_offline(True)
                page.reload()
                assert page.inner_text("#abgemeldet") == note
                assert page.get_attribute("body", "data-team") == note
                ctx.set_offline(False)
            _no_copy_asked(page, url)  # the check that finds the copy as it is
            assert audited("worker_link_copy") == first + 2
            assert errors == []
            ctx.close()
    finally:
        _set_spans(site, plan_id, before)


# --------------------------------------------------------------------------- F21


@sqlite_only()  # one outcome per visit on both: test_web.py::test_outcome_is_recorded_once_per_key
@pytest.mark.browser
def test_the_pairs_second_phone_learns_what_the_first_recorded(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both staff open the team's link. A records „Angetroffen“; B, open and online, marks
    the stop within its minute check („Erfasst (anderes Telefon): Angetroffen (10:05
    Uhr)“), its buttons behind the control. A stop A recorded just before B tapped it is
    refused on B as „Vom anderen Telefon schon erfasst“, counted so, not as a change to
    report. A's own outcome stays „Übermittelt“ on A, and only A may change it in its 5
    minutes, also on pages made anew."""
    from hausbesuch import clock

    route = _fresh_route(site)
    monkeypatch.setenv(clock.ENV, route.day.isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0))
    first, second = route.stops[0].client_id, route.stops[1].client_id
    _, _, url = _link(site, route)
    try:
        with _browser() as browser:
            ctx_a, a, errors_a = _phone_at(browser, url, route.day, dtime(10, 5), running=True)
            ctx_b, b, errors_b = _phone_at(browser, url, route.day, dtime(10, 5), running=True)
            assert _state(b, first) == ""
            _a_records_b_learns(a, b, first)
            assert _state(b, first) == "Erfasst (anderes Telefon): Angetroffen (10:05 Uhr)"
            change = b.locator(f"#stopp-{first} details.change")
            assert change.locator("summary").inner_text() == \
                "Falsch erfasst? Korrektur bei der Koordination melden"
            assert change.get_attribute("open") is None
            assert change.get_attribute("data-ergebnis") is None  # B corrects nothing of A's
            b.locator(f"#stopp-{first}").scroll_into_view_if_needed()
            shoot(b, "phone-f21-anderes-telefon.png", full_page=False)
            # A's page, the same minute later: its own outcome, not the other phone's
            a.clock.run_for(61_000)
            a.wait_for_timeout(500)
            assert _state(a, first).startswith("Übermittelt: Angetroffen (10:05 Uhr)")

            # A records the second stop; B taps it before its next check
            _both_record(a, b, second)
            text = _state(b, second)
            assert text == ("„Nicht angetroffen“ nicht übernommen. Vom anderen Telefon schon "
                            "erfasst: „Angetroffen“ (10:05 Uhr). Bitte verwerfen; nur wenn Ihr "
                            "Ergebnis oder Ihre Notiz etwas anderes sagt, der Koordination "
                            "melden."), text
            assert b.inner_text("#warteschlange") == \
                "1 Ergebnis vom anderen Telefon schon erfasst: bitte prüfen und verwerfen."
            assert "Änderung" not in b.inner_text("#warteschlange")
            # kept with its note and „Verwerfen“, also after a reload
            b.reload()
            assert b.inner_text("#warteschlange") == \
                "1 Ergebnis vom anderen Telefon schon erfasst: bitte prüfen und verwerfen."
            assert "Briefkasten voll" in b.locator(f"#stopp-{second} .refused").inner_text()
            # the page made now offers B no change of A's outcome: the server counts the
            # link's outcome as the phone's own for 5 minutes, B's phone knows it is not
            change = b.locator(f"#stopp-{first} details.change")
            assert change.locator("summary").inner_text() == \
                "Falsch erfasst? Korrektur bei der Koordination melden"
            assert change.get_attribute("data-ergebnis") is None
            a.reload()  # A's own, sent from there: A may still change it
            assert a.locator(f"#stopp-{first} details.change summary").inner_text() == \
                "Ergebnis ändern"
            b.locator(f"#stopp-{second} .refused").get_by_role("button").click()
            assert b.inner_text("#warteschlange") == ""
            assert [o["result"] for o in _recorded(site, route, second)] == ["angetroffen"]
            assert [o["result"] for o in _recorded(site, route, first)] == ["angetroffen"]
            assert errors_a == [] and errors_b == []
            ctx_a.close()
            ctx_b.close()
    finally:
        _undo(site, first, route.day)
        _undo(site, second, route.day)


@sqlite_only()  # one outcome per visit on both: test_web.py::test_outcome_is_recorded_once_per_key
@pytest.mark.browser
def test_the_second_phone_follows_the_first_phones_correction(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """A records „Angetroffen“ and corrects it in its minutes to „Nicht angetroffen“. B,
    which marked the stop „Erfasst (anderes Telefon): Angetroffen“, kept that until
    reloaded (review 29 #5); C, opened after A's first tap („Erfasst: Angetroffen“ from
    the server), too. Both follow the correction within their minute check, the heading
    with them (review 29 #2); a check that finds nothing new rewrites nothing."""
    from hausbesuch import clock

    route = _fresh_route(site)
    monkeypatch.setenv(clock.ENV, route.day.isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0))
    first = route.stops[0].client_id
    _, _, url = _link(site, route)

    def head(page) -> str:  # noqa: ANN001
        return page.locator(f"#stopp-{first} .stop-head .time").inner_text()

    try:
        with _browser() as browser:
            ctx_a, a, errors_a = _phone_at(browser, url, route.day, dtime(10, 5), running=True)
            ctx_b, b, errors_b = _phone_at(browser, url, route.day, dtime(10, 5), running=True)
            _a_records_b_learns(a, b, first)
            stop = a.locator(f"#stopp-{first}")
            assert _state(b, first) == "Erfasst (anderes Telefon): Angetroffen (10:05 Uhr)"
            assert head(b) == "erledigt 10:05 Uhr: Angetroffen"
            ctx_c, c, errors_c = _phone_at(browser, url, route.day, dtime(10, 6), running=True)
            assert _state(c, first) == "Erfasst: Angetroffen (10:05 Uhr)"
            # the check finds what the page shows: the line stays as it is
            c.evaluate("(id) => { window.__rewritten = 0; new MutationObserver(() => "
                       "window.__rewritten++).observe(document.querySelector('#' + id + "
                       "' [data-state]'), {childList: true, characterData: true, "
                       "subtree: true}); }", f"stopp-{first}")
            c.clock.run_for(61_000)
            c.wait_for_timeout(500)
            assert _state(c, first) == "Erfasst: Angetroffen (10:05 Uhr)"
            assert c.evaluate("() => window.__rewritten") == 0

            # A corrects its outcome within its minutes
            stop.locator("details.change summary").click()
            stop.locator("button[value=nicht_angetroffen]").click()
            a.wait_for_function(
                "(id) => document.querySelector('#' + id + ' [data-state]')"
                ".innerText.startsWith('Geändert:')", arg=f"stopp-{first}")
            assert head(a) == "erledigt 10:05 Uhr: Nicht angetroffen"
            for phone in (b, c):
                phone.clock.run_for(61_000)
                phone.wait_for_function(
                    "(id) => document.querySelector('#' + id + ' [data-state]')"
                    ".innerText.includes('Nicht angetroffen')", arg=f"stopp-{first}")
                assert _state(phone, first) == \
                    "Erfasst (anderes Telefon): Nicht angetroffen (10:05 Uhr)"
                assert head(phone) == "erledigt 10:05 Uhr: Nicht angetroffen"
                change = phone.locator(f"#stopp-{first} details.change")
                assert change.locator("summary").inner_text() == \
                    "Falsch erfasst? Korrektur bei der Koordination melden"
                assert change.get_attribute("data-ergebnis") is None
            b.locator(f"#stopp-{first}").scroll_into_view_if_needed()
            shoot(b, "phone-review29-5-korrektur-anderes-telefon.png", full_page=False)
            assert [o["result"] for o in _recorded(site, route, first)] == \
                ["nicht_angetroffen"]
            assert errors_a == [] and errors_b == [] and errors_c == []
            ctx_a.close()
            ctx_b.close()
            ctx_c.close()
    finally:
        _undo(site, first, route.day)


SENT = ("() => JSON.parse(localStorage.getItem('hausbesuch-gesendet:' + location.pathname) "
        "|| '[]').map((x) => x.kundennummer)")


@sqlite_only()  # one outcome per visit on both: test_web.py::test_outcome_is_recorded_once_per_key
@pytest.mark.browser
def test_an_outcome_taken_back_opens_the_stop_again_on_every_open_phone(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """The coordination takes back the outcomes of two stops (here: the rows deleted, as
    ``_undo`` does; the app itself offers no deletion yet). The pages open on the link
    showed them as recorded until reloaded (fix 30: X-Erfasst was applied for additions
    and corrections only): A, which sent them („Übermittelt“), B, which learnt them by its
    check, and C, made after them („Erfasst: …“). With the next check each stop is open
    again: its line says so, its form is in view, its heading has the planned time, and
    A no longer remembers the outcome as sent (a reload would show it „Übermittelt“). B's
    own tap on the second stop, refused because A's was recorded, stays on B, not sent, to
    be tapped again or discarded."""
    from hausbesuch import clock

    route = _fresh_route(site)
    monkeypatch.setenv(clock.ENV, route.day.isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0))
    first, second = route.stops[0].client_id, route.stops[1].client_id
    planned = f"{route.stops[0].start:%H:%M} Uhr"
    _, _, url = _link(site, route)
    reopened = ("Nicht mehr erfasst: „Angetroffen“ (von der Koordination zurückgenommen). "
                "Der Besuch ist wieder offen.")
    try:
        with _browser() as browser:
            ctx_a, a, errors_a = _phone_at(browser, url, route.day, dtime(10, 5), running=True)
            ctx_b, b, errors_b = _phone_at(browser, url, route.day, dtime(10, 5), running=True)
            _a_records_b_learns(a, b, first)
            _both_record(a, b, second)
            ctx_c, c, errors_c = _phone_at(browser, url, route.day, dtime(10, 7), running=True)
            assert _state(c, first) == "Erfasst: Angetroffen (10:05 Uhr)"
            assert a.evaluate(SENT) == [first, second]

            _undo(site, first, route.day)  # the coordination takes both back
            _undo(site, second, route.day)
            for phone in (a, b, c):
                phone.clock.run_for(61_000)
                phone.wait_for_function(
                    "(id) => document.querySelector('#' + id + ' [data-state]')"
                    ".innerText.startsWith('Nicht mehr erfasst')", arg=f"stopp-{first}")
                assert _state(phone, first) == reopened
                li = phone.locator(f"#stopp-{first}")
                assert "done" not in (li.get_attribute("class") or "")
                assert li.locator(".stop-head .time").inner_text() == planned
                assert li.locator(".meta").first.inner_text().startswith("Ankunft")
                assert li.locator("details.change").count() == 0
                assert li.locator("button[value=angetroffen]").is_visible()
                assert "recorded" not in (li.locator("[data-state]").get_attribute("class")
                                          or "")
                assert phone.get_attribute("#naechster a", "href") == f"#stopp-{first}"
            assert a.evaluate(SENT) == []
            assert _state(a, second).startswith("Nicht mehr erfasst")
            # B's refused tap: kept, not sent, its note and time back in the form
            assert _state(b, second) == (
                "„Nicht angetroffen“ ist nur auf diesem Telefon gespeichert (nicht gesendet). "
                "Das zuvor erfasste Ergebnis wurde von der Koordination zurückgenommen. "
                "Bitte prüfen und neu erfassen oder verwerfen.")
            assert b.inner_text("#warteschlange") == \
                "1 Ergebnis wurde nicht angenommen: bitte neu erfassen oder verwerfen."
            form = b.locator(f"#stopp-{second} form.outcome-form")
            assert form.locator("textarea[name=notiz]").input_value() == "Briefkasten voll"
            assert form.locator("input[name=zeit]").input_value() == "10:06"
            assert _recorded(site, route, second) == []
            b.locator(f"#stopp-{second}").scroll_into_view_if_needed()
            shoot(b, "phone-fix30-zurueckgenommen.png", full_page=False)
            # tapped again, it is sent; A learns it as the other phone's
            form.locator("button[value=nicht_angetroffen]").click()
            _done(b, second)
            assert b.inner_text("#warteschlange") == ""
            got = _recorded(site, route, second)
            assert [(o["result"], o["note"]) for o in got] == [
                ("nicht_angetroffen", "Briefkasten voll")]
            a.clock.run_for(61_000)
            _done(a, second)
            assert _state(a, second) == \
                "Erfasst (anderes Telefon): Nicht angetroffen (10:06 Uhr)"
            # A's page made now: the first stop open (not „Übermittelt“ from its memory)
            a.reload()
            assert _state(a, first) == ""
            assert "done" not in (a.locator(f"#stopp-{first}").get_attribute("class") or "")
            assert errors_a == [] and errors_b == [] and errors_c == []
            for ctx in (ctx_a, ctx_b, ctx_c):
                ctx.close()
    finally:
        _undo(site, first, route.day)
        _undo(site, second, route.day)


@sqlite_only()  # one outcome per visit on both: test_web.py::test_outcome_is_recorded_once_per_key
@pytest.mark.browser
def test_the_minute_check_is_audited_once_per_phone_and_change(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every view of client data is audited, and the minute check returns the outcomes of
    the day (case ids, outcome, time): it was not audited (fix 30). A row per check would
    be one a minute per phone; the page sends the stamp of the outcomes it has, and the
    server writes a row (``worker_link_check``: the link, the team-day; no case data) when
    it returns other ones. A records an outcome: B's next check writes one row, its
    unchanged checks before and after none. A fetch of ``sw.js`` without the stamp (the
    browser's update check of the service worker) gets no outcomes and writes none."""
    import httpx

    from hausbesuch import clock

    route = _fresh_route(site)
    monkeypatch.setenv(clock.ENV, route.day.isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0))
    first = route.stops[0].client_id
    _, link, url = _link(site, route)

    def rows() -> list[dict]:
        return [r for r in site.store.audit_rows(action="worker_link_check")
                if r["actor"] == f"link:{link.prefix}"]

    def check(page) -> None:  # noqa: ANN001
        with page.expect_response(lambda r: r.url.startswith(url + "sw.js")) as got:
            page.clock.run_for(61_000)
        assert got.value.status == 200

    try:
        with _browser() as browser:
            ctx_a, a, errors_a = _phone_at(browser, url, route.day, dtime(10, 5), running=True)
            ctx_b, b, errors_b = _phone_at(browser, url, route.day, dtime(10, 5), running=True)
            check(b)
            assert rows() == []  # nothing new to B: its page has it
            _a_records_b_learns(a, b, first)
            seen = rows()
            assert len(seen) == 1, seen
            assert seen[0]["details"] == {"team": route.team_id, "day": route.day.isoformat()}
            assert seen[0]["client_id"] is None and seen[0]["city"] == link.city
            check(b)
            check(b)
            assert len(rows()) == 1
            assert errors_a == [] and errors_b == []
            ctx_a.close()
            ctx_b.close()
        plain = httpx.get(url + "sw.js")
        assert plain.status_code == 200 and "x-erfasst" not in plain.headers
        assert len(rows()) == 1
    finally:
        _undo(site, first, route.day)
