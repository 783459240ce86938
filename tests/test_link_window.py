"""QA 28 F4 and F6: a day link opens nothing before the day before its team-day, and
making one asks for the password when the login is not fresh.

F4: a link made days ahead showed the team-day's addresses at once (a bearer link, often
forwarded). It now opens from 00:00 of the calendar day before (the pair looks at the
route the evening before, the phone keeps its offline copy); before that the page says in
German from when it works, shows no client data, answers 403 (not 404/410, on which the
phone's service worker deletes its copy; and not 200, the only status it keeps), and the
refusal is audited like other refused link views. The day is set with the app's clock
(``HAUSBESUCH_HEUTE``), never the real time of day.

F6: *Link erzeugen* asks for the password when the session's login or last password
confirmation is older than 10 minutes, checked as a login (failures count and are
audited). Over real HTTP against the planned week of :mod:`tests.test_web`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from hausbesuch import clock
from hausbesuch.fields import format_day, format_moment
from tests.test_web import _make_link, site  # noqa: F401 - the fixture, by name
from tests.web_fixtures import PASSWORD, Site, csrf_of, logged_in, page_text


@pytest.fixture
def kora(site: Site) -> Iterator[httpx.Client]:  # noqa: F811
    with logged_in(site.url, "kora") as c:
        yield c


def _stops(site: Site, link) -> list:  # noqa: ANN001, F811
    from hausbesuch.versions import newest_version

    plan = site.store.load_plan(newest_version(site.store, link.plan_id))
    route = next(r for r in plan.routes if r.team_id == link.team_id and r.day == link.day)
    return route.stops


def test_a_link_opens_no_data_before_the_day_before_its_team_day(
        site: Site, kora: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    token, link = _make_link(site)
    stops = _stops(site, link)
    assert stops
    before = len(site.store.audit_rows(action="worker_link_refused"))
    views = len(site.store.audit_rows(action="worker_link_view"))
    # two days before the team-day (any time of that day): nothing of the day
    monkeypatch.setenv(clock.ENV, (link.day - timedelta(days=2)).isoformat())
    r = httpx.get(site.url + f"/w/{token}/")
    assert r.status_code == 403, r.status_code
    text = page_text(r.text)
    eve = link.day - timedelta(days=1)
    # in the words of the links page and the CLI (review 29 #7: „Sonntag, …, 0:00 Uhr“ here)
    assert (f"Dieser Link gilt ab {format_day(eve)}, 00:00 Uhr (am Tag vor dem Einsatz am "
            f"{format_day(link.day)}).") in text, text
    for s in stops:
        assert s.client_id not in r.text and s.address not in html.unescape(r.text)
    assert "Zurück zur Route" not in text
    assert re.search(r"<h1>Noch nicht gültig</h1>", r.text), r.text  # not „Nicht erlaubt“
    # the service worker and the outcome form are refused the same way
    assert httpx.get(site.url + f"/w/{token}/sw.js").status_code == 403
    refused = site.store.audit_rows(action="worker_link_refused")[before:]
    assert len(refused) == 1, refused  # once per link and reason in the interval
    assert refused[0]["actor"] == f"link:{link.prefix}"
    assert refused[0]["details"] == {"team": link.team_id, "day": link.day.isoformat(),
                                     "grund": "noch_nicht_gueltig"}
    assert len(site.store.audit_rows(action="worker_link_view")) == views
    # the links page says from when it works
    listed = page_text(kora.get(f"/plaene/{site.plan_id}/links").text)
    assert f"gültig ab {format_day(eve)}, 00:00 Uhr" in listed  # with its weekday
    # and until when, in the same words (review 29 #7: „Gültig bis“ had no weekday, no „Uhr“)
    assert f"{format_moment(link.valid_until)} gültig ab" in listed, listed
    # from the day before: the route
    monkeypatch.setenv(clock.ENV, eve.isoformat())
    r = httpx.get(site.url + f"/w/{token}/")
    assert r.status_code == 200, r.status_code
    assert all(s.client_id in r.text for s in stops)
    assert httpx.get(site.url + f"/w/{token}/sw.js").status_code == 200


def _age_session(site: Site, client: httpx.Client, minutes: int) -> None:  # noqa: F811
    """The client's session logged in ``minutes`` ago (and confirmed nothing since)."""
    from hausbesuch.web.models import SessionRow
    from hausbesuch.web.security import token_hash

    token = next(v for k, v in client.cookies.items() if k.endswith("hb_session"))
    with site.store.session() as s:
        row = s.get(SessionRow, token_hash(token))
        row.created_at = clock.utc() - timedelta(minutes=minutes)
        row.fresh_auth_at = None


def _links(site: Site) -> int:  # noqa: F811
    return len(site.store.audit_rows(action="worker_link_created"))


def test_making_a_link_with_a_stale_login_asks_for_the_password(
        site: Site, kora: httpx.Client) -> None:  # noqa: F811
    from hausbesuch.web.models import LoginAttemptRow

    _age_session(site, kora, 11)
    path = f"/plaene/{site.plan_id}/links"
    page = kora.get(path).text
    assert 'name="passwort"' in page  # the form asks at once
    ziel = re.search(r'<option value="([^"]+)"', page).group(1)
    form = {"csrf_token": csrf_of(page), "ziel": ziel}
    made = _links(site)
    # without the password: asked for it, nothing made
    r = kora.post(path, data=form)
    assert r.status_code == 403, r.status_code
    assert "bitte zum Erzeugen des Links das Passwort eingeben" in page_text(r.text)
    assert 'name="passwort"' in r.text and 'aria-invalid="true"' in r.text
    # a wrong one: refused, counted and audited as a failed login
    failed = len(site.store.audit_rows(action="anmeldung_fehlgeschlagen"))
    with site.store.session() as s:
        tries = s.query(LoginAttemptRow).count()
    r = kora.post(path, data={**form, "passwort": "falsch-falsch-falsch"})
    assert r.status_code == 400, r.status_code
    assert "Das Passwort stimmt nicht. Es wurde kein Link erzeugt." in page_text(r.text)
    assert len(site.store.audit_rows(action="anmeldung_fehlgeschlagen")) == failed + 1
    with site.store.session() as s:
        assert s.query(LoginAttemptRow).count() == tries + 1
    assert _links(site) == made
    # the right one: the link is made
    r = kora.post(path, data={**form, "passwort": PASSWORD})
    assert r.status_code == 303, r.status_code
    assert _links(site) == made + 1
    # confirmed just now: the next one needs no password
    page = kora.get(path).text
    assert 'name="passwort"' not in page
    r = kora.post(path, data={"csrf_token": csrf_of(page), "ziel": ziel})
    assert r.status_code == 303, r.status_code
    assert _links(site) == made + 2


def test_making_a_link_with_a_fresh_login_asks_nothing(site: Site,  # noqa: F811
                                                       kora: httpx.Client) -> None:
    _age_session(site, kora, 9)
    path = f"/plaene/{site.plan_id}/links"
    page = kora.get(path).text
    assert 'name="passwort"' not in page
    ziel = re.search(r'<option value="([^"]+)"', page).group(1)
    made = _links(site)
    r = kora.post(path, data={"csrf_token": csrf_of(page), "ziel": ziel})
    assert r.status_code == 303, r.status_code
    assert _links(site) == made + 1
    # the same session 11 minutes after its login: asked
    _age_session(site, kora, 11)
    assert 'name="passwort"' in kora.get(path).text


@pytest.mark.browser
def test_the_phone_keeps_nothing_of_a_link_opened_too_early(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """In Chromium with its service worker: opened two days before its team-day, the link
    shows the German notice, registers no service worker and leaves nothing in Cache
    Storage; opened the day before, the service worker keeps the route for use without
    signal."""
    from tests.test_worker_cache import STORED_JS, _browser, _phone

    token, link = _make_link(site)
    url = f"{site.url}/w/{token}/"
    stops = _stops(site, link)
    monkeypatch.setenv(clock.ENV, (link.day - timedelta(days=2)).isoformat())
    with _browser() as browser:
        _ctx, page, errors = _phone(browser)
        r = page.goto(url)
        assert r.status == 403, r.status
        assert page.locator("p[role=alert]").inner_text().startswith("Dieser Link gilt ab ")
        assert page.locator("li.stop").count() == 0
        for s in stops:
            assert s.client_id not in page.content()
        page.wait_for_timeout(500)
        stored = page.evaluate(STORED_JS, url)
        assert stored["mine"] == [] and url not in stored["regs"], stored
        assert not any(token in u for u in stored["urls"]), stored
        # the day before: the route, kept by the service worker
        monkeypatch.setenv(clock.ENV, (link.day - timedelta(days=1)).isoformat())
        r = page.goto(url)
        assert r.status == 200, r.status
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        stored = page.evaluate(STORED_JS, url)
        assert len(stored["mine"]) == 1 and url in stored["urls"], stored
        assert page.locator("li.stop").count() >= 1
        assert errors == []


def test_revoking_a_link_with_a_stale_login_asks_nothing(site: Site,  # noqa: F811
                                                         kora: httpx.Client) -> None:
    """Revoking protects the clients (a lost phone, a forwarded link): it must work at
    once, also in a session whose login is hours old, and asks for no password (README,
    Security)."""
    token, link = _make_link(site)
    _age_session(site, kora, 180)
    path = f"/plaene/{site.plan_id}/links"
    page = kora.get(path).text
    r = kora.post(f"{path}/widerrufen", data={"csrf_token": csrf_of(page),
                                             "praefix": link.prefix, "bestaetigt": "ja"})
    assert r.status_code == 303, page_text(r.text)
    assert httpx.get(site.url + f"/w/{token}/").status_code == 410
