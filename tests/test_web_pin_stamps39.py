"""Optimistic concurrency of the plan page's pins (QA 38 F1, stale38's notes).

Two coordinators had the same plan page open. (a) Neither page listed a pin for a case;
one pinned it to a team-day, the other, on her page, pinned it to another: the first
pin was replaced, nobody told. (b) One page listed a pin; a colleague took it back and
pinned the case anew; „Aufheben“ on the first page removed the new pin. Now the pin form
carries the moment its page read the pins, each „Aufheben“ the moment of its row's pin
(``clients.pin_since``, review 39 #1); a pin set, changed or taken back since (also the
same pin set again, by a list or an outcome's appointment) is not replaced nor taken
back (nothing stored, no audit row): the page of now comes again (409) naming the pin
stored now (team, day, time, where from, by whom and when), with the form as typed, so
that sending again stores on purpose. A form asking for the pin that is stored is not
refused. (A pin past the table's first rows: tests/test_pin_table36.py.)

Over real HTTP against the planned week of :mod:`tests.test_web`, two accounts.
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import httpx
import pytest

from hausbesuch.fields import format_day
from tests.test_web import CITY, _current_plan, site  # noqa: F401 - the fixture, by name
from tests.web_fixtures import PASSWORD, Site, csrf_of, logged_in
from tests.web_helpers import pin_alert, pin_stand, unpin_stand

TAIL = "Ihre Eingabe ist nicht gespeichert; bitte prüfen und erneut senden."


@pytest.fixture
def kora(site: Site) -> Iterator[httpx.Client]:  # noqa: F811
    with logged_in(site.url, "kora") as c:
        yield c


@pytest.fixture(scope="module")
def kurt_name(site: Site) -> str:  # noqa: F811
    """A second coordinator of the city, added once per store."""
    from hausbesuch.web.auth import add_user

    name = f"kurt39{site.kind}"
    add_user(site.store, name, PASSWORD, role="koordination", city=CITY)
    return name


@pytest.fixture
def kurt(site: Site, kurt_name: str) -> Iterator[httpx.Client]:  # noqa: F811
    with logged_in(site.url, kurt_name) as c:
        yield c


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _pin_of(site: Site, cid: str) -> tuple:  # noqa: F811
    from hausbesuch.store import ClientRow

    with site.store.session() as s:
        r = s.get(ClientRow, {"city": CITY, "client_id": cid})
        return r.pin_team, r.pin_day, r.pin_time_min, r.pin_source


def _unpinned(site: Site, cid: str) -> None:  # noqa: F811
    """The case without a pin (set directly: the test's start, and its end)."""
    from sqlalchemy import update

    from hausbesuch.store import ClientRow

    with site.store.session() as s:
        s.execute(update(ClientRow).where(ClientRow.city == CITY, ClientRow.client_id == cid)
                  .values(pin_team=None, pin_day=None, pin_time_min=None, pin_source=None))


def _count(site: Site, action: str, cid: str) -> int:  # noqa: F811
    return len(site.store.audit_rows(client_id=cid, action=action))


def _targets(site: Site, n: int, skip: int) -> tuple[str, list[str], list]:  # noqa: F811
    """(plan id, ``n`` team-days to pin to, of today or later, the plan offers; a case of
    the plan's routes whose id is plain, the ``skip``-th from the end)."""
    plan = _current_plan(site)
    with logged_in(site.url, "kora") as c:
        page = c.get(f"/plaene/{plan.id}").text
    offered = re.findall(r'<option value="([^"|]+\|\d{4}-\d\d-\d\d)"', page)
    assert len(offered) >= n, offered
    ids = sorted({s.client_id for r in plan.routes for s in r.stops
                  if re.fullmatch(r"[A-Z0-9]+", s.client_id)})
    return plan.id, offered[-n:], ids[-1 - skip]


def _send_pin(c: httpx.Client, plan_id: str, page: str, cid: str, ziel: str,
              stand: str | None) -> httpx.Response:
    data = {"csrf_token": csrf_of(page), "kundennummer": cid, "ziel": ziel, "uhrzeit": ""}
    if stand is not None:
        data["stand"] = stand
    return c.post(f"/plaene/{plan_id}/verschieben", data=data)


def _send_unpin(c: httpx.Client, plan_id: str, page: str, cid: str,
                stand: str | None) -> httpx.Response:
    data = {"csrf_token": csrf_of(page), "kundennummer": cid}
    if stand is not None:
        data["stand"] = stand
    return c.post(f"/plaene/{plan_id}/festlegung-aufheben", data=data)


def _team_day(ziel: str) -> tuple:
    team, day = ziel.split("|")
    return team, date.fromisoformat(day)


def _moment(stand: str) -> datetime:
    return datetime.fromisoformat(stand)


def _since_of(site: Site, cid: str) -> datetime:  # noqa: F811
    """The moment of the case's pin (``clients.pin_since``)."""
    from hausbesuch.store import ClientRow

    with site.store.session() as s:
        return s.get(ClientRow, {"city": CITY, "client_id": cid}).pin_since


def _listed(page: str, cid: str) -> bool:
    """Whether the page's table of pins lists the case (with its „Aufheben“)."""
    return f'name="kundennummer" value="{html.escape(cid)}"><input type="hidden" ' \
        'name="stand"' in page


def _words(ziel: str) -> str:
    """A form's team-day as the message writes it (``Team team-1, Di, 08.12.2026``)."""

    team, day = ziel.split("|")
    return f"Team {team}, {format_day(date.fromisoformat(day))}"


def test_a_pin_from_a_page_older_than_a_colleagues_pin_is_not_stored(
        site: Site, kora: httpx.Client, kurt: httpx.Client) -> None:  # noqa: F811
    """(a): kurt pins a case neither page listed a pin for; kora's pin from her page is
    not stored, she is told the pin of now and whose it is; sent again from the page she
    gets back, it is stored. A stale page asking for the pin that is stored is not
    refused."""
    plan_id, (first, second), cid = _targets(site, 2, skip=0)
    _unpinned(site, cid)
    try:
        kora_page = kora.get(f"/plaene/{plan_id}").text
        kurt_page = kurt.get(f"/plaene/{plan_id}").text
        assert not _listed(kora_page, cid)  # the page lists no pin for the case
        r = _send_pin(kurt, plan_id, kurt_page, cid, first, pin_stand(kurt_page))
        assert r.status_code == 303, pin_alert(r.text)
        kurts = _pin_of(site, cid)
        pins = _count(site, "visit_pinned", cid)
        from hausbesuch.store import AuditRow

        with site.store.session() as s:
            at = s.query(AuditRow).filter_by(client_id=cid, action="visit_pinned") \
                .order_by(AuditRow.id.desc()).first().at
        r = _send_pin(kora, plan_id, kora_page, cid, second, pin_stand(kora_page))
        assert r.status_code == 409, (r.status_code, pin_alert(r.text))
        assert _pin_of(site, cid) == kurts  # kurt's pin stays
        assert _count(site, "visit_pinned", cid) == pins  # a refusal is no change
        said = (f"Für {cid} ist jetzt festgelegt: {_words(first)} (im Web von "
                f"kurt39{site.kind}, {at:%H:%M} Uhr). {TAIL}")
        assert pin_alert(r.text) == said, pin_alert(r.text)
        # the form as typed, read after kurt's pin: sent again, stored on purpose
        assert f'value="{cid}"' in r.text.split("/verschieben", 1)[1].split("</form>")[0]
        again = pin_stand(r.text)
        assert _moment(again) > _since_of(site, cid) > _moment(pin_stand(kora_page))
        r = _send_pin(kora, plan_id, r.text, cid, second, again)
        assert r.status_code == 303, pin_alert(r.text)
        assert _pin_of(site, cid)[:2] == _team_day(second)
        assert _count(site, "visit_pinned", cid) == pins + 1
        # kurt's page is older now; asking for the pin stored is not refused
        r = _send_pin(kurt, plan_id, kurt_page, cid, second, pin_stand(kurt_page))
        assert r.status_code == 303, pin_alert(r.text)
        # ... asking for another is, naming kora's pin
        r = _send_pin(kurt, plan_id, kurt_page, cid, first, pin_stand(kurt_page))
        assert r.status_code == 409
        assert pin_alert(r.text).startswith(f"Für {cid} ist jetzt festgelegt: "
                                            f"{_words(second)} (im Web von kurt39")
        assert _pin_of(site, cid)[1].isoformat() == second.split("|")[1]
    finally:
        _unpinned(site, cid)


def test_aufheben_on_a_stale_page_does_not_take_back_a_pin_set_anew(
        site: Site, kora: httpx.Client, kurt: httpx.Client) -> None:  # noqa: F811
    """(b): kora's page lists a pin; kurt takes it back and pins the case anew; kora's
    „Aufheben“ does not take kurt's pin back, she is told it; the row of the page she gets
    back takes it back on purpose. A pin form from a page listing the pin kurt took back
    is told that it was taken back, by whom."""
    plan_id, (first, second), cid = _targets(site, 2, skip=1)
    _unpinned(site, cid)
    try:
        page = kurt.get(f"/plaene/{plan_id}").text
        assert _send_pin(kurt, plan_id, page, cid, first, pin_stand(page)).status_code == 303
        kora_page = kora.get(f"/plaene/{plan_id}").text
        shown = unpin_stand(kora_page, cid)  # the moment of kurt's pin
        assert _moment(shown) == _since_of(site, cid)
        page = kurt.get(f"/plaene/{plan_id}").text
        r = _send_unpin(kurt, plan_id, page, cid, unpin_stand(page, cid))
        assert r.status_code == 303
        lifts = _count(site, "festlegung_aufgehoben", cid)
        # a pin form from kora's page (listing the pin) to another day: told it is gone
        r = _send_pin(kora, plan_id, kora_page, cid, second, pin_stand(kora_page))
        assert r.status_code == 409, (r.status_code, pin_alert(r.text))
        assert pin_alert(r.text).startswith(
            f"Die Festlegung für {cid} wurde inzwischen aufgehoben (von kurt39{site.kind}, ")
        assert _pin_of(site, cid) == (None, None, None, None)
        page = kurt.get(f"/plaene/{plan_id}").text
        assert _send_pin(kurt, plan_id, page, cid, second, pin_stand(page)).status_code == 303
        kurts = _pin_of(site, cid)
        r = _send_unpin(kora, plan_id, kora_page, cid, shown)
        assert r.status_code == 409, (r.status_code, pin_alert(r.text))
        assert _pin_of(site, cid) == kurts  # not taken back
        assert _count(site, "festlegung_aufgehoben", cid) == lifts  # no change, no row
        assert pin_alert(r.text).startswith(
            f"Die Festlegung für {cid} wurde inzwischen geändert, jetzt: {_words(second)} "
            f"(im Web von kurt39{site.kind}, ")
        assert pin_alert(r.text).endswith(TAIL)
        # the row of the page it got back shows kurt's pin: its „Aufheben“ takes it back
        r = _send_unpin(kora, plan_id, r.text, cid, unpin_stand(r.text, cid))
        assert r.status_code == 303
        assert _pin_of(site, cid) == (None, None, None, None)
        assert _count(site, "festlegung_aufgehoben", cid) == lifts + 1
    finally:
        _unpinned(site, cid)


def test_a_pin_form_without_its_stamp_overwrites_no_pin(
        site: Site, kora: httpx.Client) -> None:  # noqa: F811
    """A form that does not say which pins its page listed (a page from before, a
    script) pins a case without a pin (it overwrites nothing), but neither replaces nor
    takes back a pin (409, nothing stored); the page it gets back carries the stamps."""
    plan_id, (first, second), cid = _targets(site, 2, skip=2)
    _unpinned(site, cid)
    try:
        page = kora.get(f"/plaene/{plan_id}").text
        assert _send_pin(kora, plan_id, page, cid, first, None).status_code == 303
        pinned = _pin_of(site, cid)
        r = _send_pin(kora, plan_id, page, cid, second, None)
        assert r.status_code == 409, (r.status_code, pin_alert(r.text))
        assert pin_alert(r.text).startswith(
            f"Das Formular sagt nicht, welche Festlegung von {cid} es zeigte (eine ältere "
            f"Seite?); jetzt: {_words(first)} (im Web von kora, ")
        r = _send_unpin(kora, plan_id, page, cid, None)
        assert r.status_code == 409
        assert _pin_of(site, cid) == pinned
        r = _send_pin(kora, plan_id, r.text, cid, second, pin_stand(r.text))
        assert r.status_code == 303
        assert _pin_of(site, cid)[1].isoformat() == second.split("|")[1]
    finally:
        _unpinned(site, cid)


def test_the_same_pin_set_anew_is_not_taken_back_from_a_stale_page(
        site: Site, kora: httpx.Client, kurt: httpx.Client) -> None:  # noqa: F811
    """Review 39 #4: kora's page lists kurt's pin; kurt takes it back and sets the same
    pin again. kora's „Aufheben“ does not take kurt's new pin back (before: the same
    team, day and time made it "the same pin"): 409, naming it."""
    plan_id, (first,), cid = _targets(site, 1, skip=3)
    _unpinned(site, cid)
    try:
        page = kurt.get(f"/plaene/{plan_id}").text
        assert _send_pin(kurt, plan_id, page, cid, first, pin_stand(page)).status_code == 303
        kora_page = kora.get(f"/plaene/{plan_id}").text
        page = kurt.get(f"/plaene/{plan_id}").text
        assert _send_unpin(kurt, plan_id, page, cid, unpin_stand(page, cid)).status_code == 303
        page = kurt.get(f"/plaene/{plan_id}").text
        assert _send_pin(kurt, plan_id, page, cid, first, pin_stand(page)).status_code == 303
        assert unpin_stand(kora_page, cid) != unpin_stand(
            kora.get(f"/plaene/{plan_id}").text, cid)
        lifts = _count(site, "festlegung_aufgehoben", cid)
        r = _send_unpin(kora, plan_id, kora_page, cid, unpin_stand(kora_page, cid))
        assert r.status_code == 409, (r.status_code, pin_alert(r.text))
        assert pin_alert(r.text).startswith(
            f"Die Festlegung für {cid} wurde inzwischen geändert, jetzt: {_words(first)} "
            f"(im Web von kurt39{site.kind}, "), pin_alert(r.text)
        assert _pin_of(site, cid)[:2] == _team_day(first)
        assert _count(site, "festlegung_aufgehoben", cid) == lifts
    finally:
        _unpinned(site, cid)


def _import_pin(site: Site, tmp: Path, cid: str, ziel: str) -> None:  # noqa: F811
    """Import the site's list as ``kurt`` with a Team and Datum column pinning ``cid`` to
    ``ziel`` (``team|YYYY-MM-DD``), the other cases without."""
    from hausbesuch.web import casework_api

    team, day = _team_day(ziel)
    with open(site.clients_csv, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    for r in rows:
        r["Team"], r["Datum"] = (team, f"{day:%d.%m.%Y}") if r["Kundennummer"] == cid \
            else ("", "")
    path = tmp / "kunden-pin.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=";")
        w.writeheader()
        w.writerows(rows)
    casework_api.import_clients(site.store, site.app.state.web.profile(CITY), str(path),
                                "kurt")


def test_a_pin_a_list_set_since_the_page_is_not_replaced_unseen(
        site: Site, kora: httpx.Client, tmp_path: Path) -> None:  # noqa: F811
    """A list imported after kora's page pins the case: her pin form is refused (409),
    naming the list's pin; sent again from the page she gets back, it is stored."""
    plan_id, (first, second), cid = _targets(site, 2, skip=4)
    _unpinned(site, cid)
    try:
        page = kora.get(f"/plaene/{plan_id}").text
        _import_pin(site, tmp_path, cid, first)
        assert _pin_of(site, cid) == (*_team_day(first), None, "liste")
        r = _send_pin(kora, plan_id, page, cid, second, pin_stand(page))
        assert r.status_code == 409, (r.status_code, pin_alert(r.text))
        assert pin_alert(r.text) == (f"Für {cid} ist jetzt festgelegt: {_words(first)} "
                                     f"(laut Kundenliste). {TAIL}"), pin_alert(r.text)
        assert _pin_of(site, cid)[3] == "liste"
        r = _send_pin(kora, plan_id, r.text, cid, second, pin_stand(r.text))
        assert r.status_code == 303, pin_alert(r.text)
        assert _pin_of(site, cid) == (*_team_day(second), None, "web")
    finally:
        _unpinned(site, cid)


def test_an_appointment_agreed_since_the_page_is_named(
        site: Site, kora: httpx.Client) -> None:  # noqa: F811
    """An appointment agreed at the door after kora's page was loaded (written as an
    outcome writes it, :func:`hausbesuch.store.set_pin` with the moment of now): her pin
    form is refused (409) naming it, and the „Aufheben“ of a page listing a pin of the
    case from before too."""
    from hausbesuch import clock
    from hausbesuch.store import ClientRow, set_pin

    plan_id, (first, second), cid = _targets(site, 2, skip=5)
    _unpinned(site, cid)
    try:
        page = kora.get(f"/plaene/{plan_id}").text
        assert _send_pin(kora, plan_id, page, cid, first, pin_stand(page)).status_code == 303
        page = kora.get(f"/plaene/{plan_id}").text
        day = _team_day(second)[1]
        with site.store.session() as s:
            set_pin(s.get(ClientRow, {"city": CITY, "client_id": cid}), None, day, 600,
                    "termin", clock.now())
        words = f"{format_day(day)}, 10:00 Uhr (beim Besuch vereinbarter Termin)"
        r = _send_pin(kora, plan_id, page, cid, first, pin_stand(page))
        assert r.status_code == 409, (r.status_code, pin_alert(r.text))
        assert pin_alert(r.text) == f"Für {cid} ist jetzt festgelegt: {words}. {TAIL}"
        r = _send_unpin(kora, plan_id, page, cid, unpin_stand(page, cid))
        assert r.status_code == 409, (r.status_code, pin_alert(r.text))
        assert pin_alert(r.text) == (f"Die Festlegung für {cid} wurde inzwischen geändert, "
                                     f"jetzt: {words}. {TAIL}")
        assert _pin_of(site, cid) == (None, day, 600, "termin")
    finally:
        _unpinned(site, cid)


def test_a_form_refused_for_its_input_carries_the_moment_of_the_pins_it_shows(
        site: Site, kora: httpx.Client, kurt: httpx.Client) -> None:  # noqa: F811
    """Review 39 #5: a pin form refused for its input (400) came back with the stamps it
    was sent with while its table showed the pins of now: a pin kurt set in between,
    shown there, refused kora's next form (409 „inzwischen geändert“). Now it carries the
    moment of the page it comes back as, unless the pin of the case typed changed since
    the form's own page: then the form's moment, so that sent again it is told."""
    plan_id, (first, second), cid = _targets(site, 2, skip=6)
    other = _targets(site, 1, skip=7)[2]
    for c in (cid, other):
        _unpinned(site, c)
    try:
        page = kora.get(f"/plaene/{plan_id}").text
        kurt_page = kurt.get(f"/plaene/{plan_id}").text
        assert _send_pin(kurt, plan_id, kurt_page, other, first,
                         pin_stand(kurt_page)).status_code == 303
        data = {"csrf_token": csrf_of(page), "kundennummer": cid, "ziel": first,
                "uhrzeit": "25:99", "stand": pin_stand(page)}
        r = kora.post(f"/plaene/{plan_id}/verschieben", data=data)
        assert r.status_code == 400, (r.status_code, pin_alert(r.text))
        assert _listed(r.text, other)  # kurt's pin, shown
        r = _send_pin(kora, plan_id, r.text, other, second, pin_stand(r.text))
        assert r.status_code == 303, pin_alert(r.text)
        assert _pin_of(site, other)[:2] == _team_day(second)
        # the case typed pinned by kurt since kora's page: the 400 page keeps her moment
        kurt_page = kurt.get(f"/plaene/{plan_id}").text
        page = kora.get(f"/plaene/{plan_id}").text
        assert _send_pin(kurt, plan_id, kurt_page, cid, first,
                         pin_stand(kurt_page)).status_code == 303
        r = kora.post(f"/plaene/{plan_id}/verschieben",
                      data={**data, "csrf_token": csrf_of(page), "stand": pin_stand(page)})
        assert r.status_code == 400 and pin_stand(r.text) == pin_stand(page)
        r = _send_pin(kora, plan_id, r.text, cid, second, pin_stand(r.text))
        assert r.status_code == 409, (r.status_code, pin_alert(r.text))
        assert pin_alert(r.text).startswith(f"Für {cid} ist jetzt festgelegt: {_words(first)}")
    finally:
        for c in (cid, other):
            _unpinned(site, c)
