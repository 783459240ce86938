"""Review 36, left over on the plan page and its forms:

- the pin form says a case no longer ``offen`` first, whatever else is wrong in the form
  (a day or time it would refuse, a team-day of no one); its time messages say „Uhr“;
- a case closed between the form's check and the pin is refused without repeating an id
  that looks like a name (as every other message of the form);
- the table of pins listing every pin (``?festlegungen=alle``) still lists them all after
  the pin form (done or refused) and after a refused „Aufheben“;
- „In den Außendienst senden“ (and „Link erzeugen“) is offered for today's and later
  team-days only, and a team-day over is refused by the server with a German message.

Over real HTTP against the small planned Bad Hersfeld week of :mod:`tests.test_pin_advice`
(team-1 works 08:00–16:00; its list pins A-PIN1 and A-PIN2), the day taken as today set
by ``HAUSBESUCH_HEUTE``; pages at 390 px in Chromium."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from hausbesuch.fields import format_day
from tests.browser import page_width
from tests.test_pin_advice import CITY, FRI, THU, WED, clean, kora, site  # noqa: F401
from tests.web_fixtures import csrf_of
from tests.web_helpers import pin as _pin
from tests.web_helpers import pin_alert as _alert
from tests.web_helpers import pin_notes

CLOSED = ("D-FREI2: Fall „erreicht“, wird nicht mehr besucht; zum Festlegen den Fall erst "
          "wieder öffnen (Fälle → Status setzen: offen).")


def _newest(store, plan_id: str):  # noqa: ANN001, ANN202
    from hausbesuch.versions import newest_version

    return store.load_plan(newest_version(store, plan_id))


@pytest.fixture
def cases(site: tuple[str, object, str, Path]) -> Iterator[object]:  # noqa: F811
    """The city's casework as kora; D-FREI2 open again after."""
    from hausbesuch.casework import Casework
    from hausbesuch.config import load_profile

    work = Casework(site[1], load_profile("bad-hersfeld"), actor="kora")
    yield work
    work.set_status("D-FREI2", "offen")


def test_a_closed_case_is_refused_first_whatever_else_is_wrong_in_the_pin_form(
        site: tuple[str, object, str, Path], kora: httpx.Client,  # noqa: F811
        cases: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """D-FREI2 „erreicht“: the form says so, and that the case must be opened first, for a
    time outside the team's shift, at its start, a day over and a team-day that is none
    (before: the form's own checks of day and time came first, and the time fixed, the
    case was closed). Open, the time messages say „Uhr“ as every other one."""
    from hausbesuch import clock

    _, store, first, _ = site
    plan = _newest(store, first)
    monkeypatch.setenv(clock.ENV, THU.isoformat())  # Wednesday is over
    cases.set_status("D-FREI2", "erreicht")
    for ziel, uhrzeit in ((f"team-1|{FRI}", "03:00"), (f"team-1|{FRI}", "08:00"),
                          (f"team-1|{WED}", ""), ("kein-ziel", ""),
                          (f"team-1|{FRI + timedelta(days=28)}", "")):
        r = _pin(kora, plan.id, "D-FREI2", ziel, uhrzeit)
        assert r.status_code == 400, (ziel, uhrzeit, r.status_code)
        assert _alert(r.text) == CLOSED, (ziel, uhrzeit, _alert(r.text))
        assert re.search(r'<input name="kundennummer"[^>]*aria-invalid="true"', r.text)
    cases.set_status("D-FREI2", "offen")
    r = _pin(kora, plan.id, "D-FREI2", f"team-1|{FRI}", "03:00")
    assert _alert(r.text) == ("Uhrzeit 03:00 Uhr liegt außerhalb der Arbeitszeit von "
                              "„team-1“ (08:00–16:00 Uhr)."), _alert(r.text)
    r = _pin(kora, plan.id, "D-FREI2", f"team-1|{FRI}", "08:00")
    assert _alert(r.text).startswith("Uhrzeit 08:00 Uhr ist der Schichtbeginn von „team-1“: "
                                      "dann bricht das Team erst auf"), _alert(r.text)
    assert 'name="uhrzeit" value="08:00" aria-invalid="true"' in r.text


def test_a_case_closed_after_the_forms_check_is_refused_without_an_id_like_a_name(
        site: tuple[str, object, str, Path], kora: httpx.Client,  # noqa: F811
        clean: list[str], monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """A case imported since the plan whose id has two words of letters („CD 34EF“, which
    the import takes) is closed by a colleague right after the form checked it, before
    the pin is stored: the refusal says the case is closed without repeating the id (as
    the form's field keeps it out; before: „CD 34EF: Fall …“). Nothing is pinned."""
    from hausbesuch.casework import Casework
    from hausbesuch.config import load_profile
    from hausbesuch.store import ClientRow
    from hausbesuch.web import casework_api, pages_plans

    _, store, first, folder = site
    plan = _newest(store, first)
    profile = load_profile("bad-hersfeld")
    with open(folder / "namensartig.csv", "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort"])
        w.writerow(["CD 34EF", "Geheimname 950", "Am Markt", "16", "36251", CITY])
    casework_api.import_clients(store, profile, str(folder / "namensartig.csv"), "kora")
    colleague = Casework(store, profile, actor="kollegin")
    real = pages_plans._pin_input

    def closed_right_after(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        checked = real(*args, **kwargs)  # the form's own check, as it runs
        colleague.set_status(checked[0], "erreicht")  # ... and the colleague's click
        return checked

    monkeypatch.setattr(pages_plans, "_pin_input", closed_right_after)
    r = _pin(kora, plan.id, "CD 34EF", f"team-1|{FRI}")
    assert r.status_code == 400, r.status_code
    assert _alert(r.text) == ("Fall „erreicht“, wird nicht mehr besucht; zum Festlegen den "
                              "Fall erst wieder öffnen (Fälle → Status setzen: offen)."), \
        _alert(r.text)
    assert "CD 34EF" not in r.text and "34EF" not in r.text
    with store.session() as s:
        assert s.get(ClientRow, {"city": CITY, "client_id": "CD 34EF"}).pin_day is None


def _rows(page: str) -> list[str]:
    return list(pin_notes(page))


def test_every_pin_stays_listed_through_the_pin_form_and_a_refused_unpin(
        site: tuple[str, object, str, Path], kora: httpx.Client,  # noqa: F811
        clean: list[str], monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """With the table of pins cut at one row (its limit, lowered) and opened with all of
    them (``?festlegungen=alle``): a pin stored by the form comes back to all of them,
    and so do a pin the form refuses and an „Aufheben“ refused (a pin a colleague took
    back a moment before); before, those came back to the first row only."""
    from hausbesuch.web import pages_plans

    _, store, first, _ = site
    plan = _newest(store, first)
    monkeypatch.setattr(pages_plans, "MAX_PIN_ROWS", 1)
    every = kora.get(f"/plaene/{plan.id}?festlegungen=alle").text
    assert sorted(_rows(every)) == ["A-PIN1", "A-PIN2"], _rows(every)
    # the table under the heading the messages name („unter „Festlegungen““)
    assert re.search(r'<h3 id="festlegungen-titel">Festlegungen</h3>\s*<div class="scroll">'
                     r'<table id="festlegungen"', every), every
    form = every.split("/verschieben", 1)[1].split("</form>", 1)[0]
    assert '<input type="hidden" name="festlegungen" value="alle">' in form, form
    token = csrf_of(every)

    def send(path: str, **data: str) -> httpx.Response:
        return kora.post(f"/plaene/{plan.id}/{path}", data={
            "csrf_token": token, "festlegungen": "alle", **data})

    clean.append("D-FREI0")
    r = send("verschieben", kundennummer="D-FREI0", ziel=f"team-3|{FRI}", uhrzeit="")
    assert r.status_code == 303, _alert(r.text)
    assert r.headers["location"] == (f"/plaene/{plan.id}?verschoben=D-FREI0"
                                     "&festlegungen=alle#verschieben"), r.headers
    done = kora.get(r.headers["location"].split("#")[0]).text
    assert sorted(_rows(done)) == ["A-PIN1", "A-PIN2", "D-FREI0"], _rows(done)
    # refused by the form: the page again with every pin, the form keeping the field
    r = send("verschieben", kundennummer="D-FREI1", ziel=f"team-3|{FRI}", uhrzeit="03:00")
    assert r.status_code == 400, r.status_code
    assert sorted(_rows(r.text)) == ["A-PIN1", "A-PIN2", "D-FREI0"], _rows(r.text)
    assert 'id="festlegungen-mehr"' not in r.text
    form = r.text.split("/verschieben", 1)[1].split("</form>", 1)[0]
    assert '<input type="hidden" name="festlegungen" value="alle">' in form, form
    # „Aufheben“ of a pin taken back since: refused, every pin still listed
    r = send("festlegung-aufheben", kundennummer="D-FREI1")
    assert r.status_code == 400, r.status_code
    assert "Für D-FREI1 ist nichts festgelegt." in r.text
    assert sorted(_rows(r.text)) == ["A-PIN1", "A-PIN2", "D-FREI0"], _rows(r.text)
    # (without the field, as before: the first row and the line of the others)
    r = kora.post(f"/plaene/{plan.id}/festlegung-aufheben",
                  data={"csrf_token": token, "kundennummer": "D-FREI1"})
    assert len(_rows(r.text)) == 1 and 'id="festlegungen-mehr"' in r.text


def _sent(page: str) -> list[str]:
    """The team-days the plan page offers to send to the field (their labels)."""
    return re.findall(r'aria-label="In den Außendienst senden: ([^"]+)"', page)


def test_a_team_day_over_is_not_sent_to_the_field(
        site: tuple[str, object, str, Path], kora: httpx.Client,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    """On the plan's first day of work the plan page offers „In den Außendienst senden“
    for each team-day, and the links page's „Link erzeugen“ each; the day after, that
    day's are gone, and a link for it sent anyway is refused, saying the day is over and
    where its outcomes go (before: offered, and a link made). Once every day is over, the
    links page says so instead of its form."""
    from hausbesuch import clock
    from hausbesuch.web.links import links_of_plan

    _, store, first, _ = site
    plan = _newest(store, first)
    routes = sorted(plan.routes, key=lambda r: (r.day, r.team_id))
    first_day = routes[0].day

    def offered(today) -> tuple[list[str], list[tuple[str, str]], str]:  # noqa: ANN001
        monkeypatch.setenv(clock.ENV, today.isoformat())
        page = kora.get(f"/plaene/{plan.id}").text
        links = kora.get(f"/plaene/{plan.id}/links").text
        return (_sent(page), re.findall(r'<option value="([^"|]+)\|(\d{4}-\d\d-\d\d)"', links),
                links)

    sent, options, _ = offered(first_day)
    assert sent == [f"{r.team_id}, {format_day(r.day)}" for r in routes], sent
    assert options == [(r.team_id, r.day.isoformat()) for r in routes], options
    after = first_day + timedelta(days=1)
    sent, options, _ = offered(after)
    assert sent == [f"{r.team_id}, {format_day(r.day)}" for r in routes if r.day >= after]
    assert options == [(r.team_id, r.day.isoformat()) for r in routes if r.day >= after]
    made = len(links_of_plan(store, plan.id))
    page = kora.get(f"/plaene/{plan.id}").text
    r = kora.post(f"/plaene/{plan.id}/links", data={
        "csrf_token": csrf_of(page), "ziel": f"{routes[0].team_id}|{first_day.isoformat()}"})
    assert r.status_code == 400, r.status_code
    assert _alert(r.text) == (
        f"{format_day(first_day)} ist schon vorbei (heute ist {format_day(after)}): ein "
        "vergangener Team-Tag wird nicht mehr in den Außendienst gesendet. Ergebnisse "
        "dieses Tages bitte über „Ergebnisse“ des Plans oder unter „Fälle“ beim Besuch "
        "nachtragen; schon erzeugte Links bleiben bis zu ihrem Ende gültig."), _alert(r.text)
    assert len(links_of_plan(store, plan.id)) == made
    sent, options, links = offered(routes[-1].day + timedelta(days=1))
    assert sent == [] and options == []
    assert 'id="keine-links"' in links and "Link erzeugen" not in links


@pytest.mark.browser
def test_the_links_page_of_a_plan_without_team_days_does_not_call_them_over(
        site: tuple[str, object, str, Path], kora: httpx.Client) -> None:  # noqa: F811
    """Review 37 #4: a plan whose every case was left out (no team-day at all) read
    „Alle Team-Tage dieses Plans sind vorbei“, also for days still ahead."""
    from dataclasses import replace

    _, store, first, _ = site
    plan = _newest(store, first)
    empty = store.save_plan(replace(plan, id=None, routes=[], predecessor_id=None,
                                    version=1))
    try:
        links = kora.get(f"/plaene/{empty}/links").text
        said = re.search(r'<p class="muted" id="keine-links">(.*?)</p>', links, re.S)[1]
        assert said.startswith("Dieser Plan hat keinen Team-Tag"), said
        assert "vorbei" not in said and "Link erzeugen" not in links
    finally:
        store.delete_plan(empty)


def test_the_changed_parts_read_on_a_phone(
        site: tuple[str, object, str, Path], cases: object,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    """At 390 px: the closed case's refusal at the pin form, the team-days without
    „In den Außendienst senden“ for days over, the links page without its form: on the
    screen, no sideways scroll."""
    from hausbesuch import clock
    from tests.shots import shoot
    from tests.web_fixtures import coordinator_on_phone

    url, store, first, _ = site
    plan = _newest(store, first)
    monkeypatch.setenv(clock.ENV, THU.isoformat())
    cases.set_status("D-FREI2", "erreicht")
    with coordinator_on_phone(url) as page:
        page.goto(f"{url}/plaene/{plan.id}#verschieben")
        page.fill("input[name=kundennummer]", "D-FREI2")
        page.fill("input[name=uhrzeit]", "03:00")
        page.locator("form[action$='/verschieben'] button[type=submit]").click()
        alert = page.locator("#fehlermeldung [role=alert]")
        alert.wait_for()
        assert alert.inner_text() == CLOSED
        box = alert.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
        assert page_width(page) <= 390
        page.locator("#fehlermeldung").scroll_into_view_if_needed()
        shoot(page, "festlegen-fall-erreicht-390.png")
        page.goto(f"{url}/plaene/{plan.id}")
        table = page.locator("#team-tage")
        table.scroll_into_view_if_needed()
        assert page.locator("#team-tage button", has_text="In den Außendienst senden"
                            ).count() == sum(1 for r in plan.routes if r.day >= THU)
        assert page.locator("#team-tage a", has_text="Laufzettel drucken").count() == len(
            plan.routes)
        assert page_width(page) <= 390
        shoot(table, "team-tage-vergangen-390.png")
        page.goto(f"{url}/plaene/{plan.id}/links")
        assert page_width(page) <= 390
        if all(r.day < THU for r in plan.routes):
            assert page.locator("#keine-links").is_visible()
        shoot(page, "tageslinks-ab-heute-390.png", full_page=True)
