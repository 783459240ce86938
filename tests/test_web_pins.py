"""Pins on the plan page: every team's working days are targets, a time outside the
team's shift is refused, the table shows time and source, and a pin can be taken back
(audited). Over real HTTP against the planned week of :mod:`tests.test_web`."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import pytest

from hausbesuch.fields import format_day
from tests.test_web import CITY, _current_plan, site  # noqa: F401 - the fixture, by name
from tests.web_fixtures import Site, csrf_of, log_in_page, logged_in, sqlite_only
from tests.web_helpers import pin_stand, unpin_stand


@pytest.fixture
def kora(site: Site) -> Iterator[httpx.Client]:  # noqa: F811
    with logged_in(site.url, "kora") as c:
        yield c


def test_pin_targets_shift_check_table_and_unpin(site: Site, kora: httpx.Client  # noqa: F811
                                                 ) -> None:
    from hausbesuch.casework.rules import WorkCalendar
    from hausbesuch.planning.builder import Span

    plan = _current_plan(site)
    page = kora.get(f"/plaene/{plan.id}")
    assert page.status_code == 200
    csrf = csrf_of(page.text)
    teams = {d["id"]: d for d in plan.params["teams"]}
    span = Span(plan.start, plan.days, WorkCalendar("HE"))
    expected = {f"{t}|{span.date(k).isoformat()}" for k in span.work_days for t in teams
                if span.date(k).weekday() in teams[t]["weekdays"]}
    offered = set(re.findall(r'<option value="([^"|]+\|\d{4}-\d\d-\d\d)"', page.text))
    assert expected <= offered, expected - offered
    pinned = set(re.findall(r'name="kundennummer" value="([^"]+)"><input type="hidden" '
                            r'name="stand" value="[^"]*"><button type="submit">'
                            r"Aufheben", page.text))
    cid = next(html.unescape(s.client_id) for r in plan.routes for s in r.stops
               if s.client_id not in pinned and re.fullmatch(r"[A-Z0-9]+", s.client_id))
    team, d = sorted(teams)[-1], teams[sorted(teams)[-1]]
    target = f"{team}|{span.date(span.work_days[-1]).isoformat()}"
    # a time outside the team's shift is refused
    r = kora.post(f"/plaene/{plan.id}/verschieben", data={
        "csrf_token": csrf, "kundennummer": cid, "ziel": target, "uhrzeit": "03:00"})
    assert r.status_code == 400
    assert "Uhrzeit 03:00 Uhr liegt außerhalb der Arbeitszeit" in html.unescape(r.text), r.text
    # ... and so is its start: then the team only sets out (a pin it could never keep)
    start = d["shift_start_min"]
    r = kora.post(f"/plaene/{plan.id}/verschieben", data={
        "csrf_token": csrf, "kundennummer": cid, "ziel": target,
        "uhrzeit": f"{start // 60:02d}:{start % 60:02d}"})
    assert r.status_code == 400
    assert " Uhr ist der Schichtbeginn von „" in html.unescape(r.text), r.text
    # a pin inside the shift: listed with time and source
    at = d["shift_start_min"] + 60
    clock = f"{at // 60:02d}:{at % 60:02d}"
    # ... but not for a case closed since (QA 13c #4: accepted, then never taken up)
    from sqlalchemy import update

    from hausbesuch.store import ClientRow

    def set_status(status: str) -> None:
        with site.store.session() as s:
            s.execute(update(ClientRow).where(ClientRow.city == plan.city,
                                              ClientRow.client_id == cid).values(status=status))

    set_status("abgeschlossen")
    try:
        r = kora.post(f"/plaene/{plan.id}/verschieben", data={
            "csrf_token": csrf, "kundennummer": cid, "ziel": target, "uhrzeit": clock})
    finally:
        set_status("offen")
    assert r.status_code == 400
    assert f"{cid}: Fall „abgeschlossen“, wird nicht mehr besucht" in html.unescape(r.text)
    r = kora.post(f"/plaene/{plan.id}/verschieben", data={
        "csrf_token": csrf, "kundennummer": cid, "ziel": target, "uhrzeit": clock})
    assert r.status_code == 303
    page = kora.get(f"/plaene/{plan.id}").text
    row = page.split(f'data-label="Festgelegt">{cid}</td>', 1)[1].split("</tr>", 1)[0]
    assert (f'data-label="Uhrzeit">{clock} Uhr</td><td role="cell" data-label="Woher">'
            "im Web</td>") in row and "Aufheben" in row
    # taken back: gone from the table, audited with what it was
    r = kora.post(f"/plaene/{plan.id}/festlegung-aufheben",
                  data={"csrf_token": csrf, "kundennummer": cid,
                        "stand": unpin_stand(page, cid)})
    assert r.status_code == 303
    page = kora.get(r.headers["location"]).text
    assert f"Festlegung für {cid} aufgehoben" in page
    assert f'data-label="Festgelegt">{cid}</td>' not in page
    audit = site.store.audit_rows(client_id=cid, action="festlegung_aufgehoben")[-1]
    assert audit["actor"] == "kora" and audit["details"]["team"] == team
    assert audit["details"]["quelle"] == "web" and audit["details"]["time_min"] == at
    r = kora.post(f"/plaene/{plan.id}/festlegung-aufheben",
                  data={"csrf_token": csrf, "kundennummer": cid})
    assert r.status_code == 400 and "nichts festgelegt" in r.text
    # without the token: refused, nothing changes
    r = kora.post(f"/plaene/{plan.id}/festlegung-aufheben", data={"kundennummer": cid})
    assert r.status_code == 403


def test_the_case_to_pin_is_typed_not_chosen_from_every_case_id(
        site: Site, kora: httpx.Client) -> None:  # noqa: F811
    """The pin form offered every case id of the plan as a drop-down list: thousands of
    options in a big city's page, beyond the capped tables. The case id is typed (spaces
    around it and its case do not matter); one not in the plan is refused, naming what
    was typed."""
    plan = _current_plan(site)
    page = kora.get(f"/plaene/{plan.id}")
    csrf = csrf_of(page.text)
    form = page.text.split("/verschieben", 1)[1].split("</form>", 1)[0]
    assert re.search(r'<input name="kundennummer" required', form), form
    assert "<select name=\"kundennummer\"" not in page.text
    ids = {s.client_id for r in plan.routes for s in r.stops}
    assert not {o for o in re.findall(r"<option>([^<]*)</option>", page.text) if o in ids}
    teams = {d["id"]: d for d in plan.params["teams"]}
    pinned = set(re.findall(r'name="kundennummer" value="([^"]+)"><input type="hidden" '
                            r'name="stand" value="[^"]*"><button type="submit">'
                            r"Aufheben", page.text))
    cid = next(s.client_id for r in plan.routes for s in r.stops
               if s.client_id not in pinned and re.fullmatch(r"[A-Z0-9]+", s.client_id))
    route = next(r for r in plan.routes if r.team_id in teams)
    target = f"{route.team_id}|{route.day.isoformat()}"
    r = kora.post(f"/plaene/{plan.id}/verschieben", data={
        "csrf_token": csrf, "kundennummer": "K-GIBT-ES-NIX", "ziel": target})
    assert r.status_code == 400
    assert "Kundennummer „K-GIBT-ES-NIX“ gehört nicht zu diesem Plan" in html.unescape(r.text)
    # a name typed into the field is neither repeated nor put back into the field
    r = kora.post(f"/plaene/{plan.id}/verschieben", data={
        "csrf_token": csrf, "kundennummer": "Erika Mustermann", "ziel": target})
    assert r.status_code == 400
    assert "Die angegebene Kundennummer gehört nicht zu diesem Plan; sie sieht aus wie ein " \
        "Name" in html.unescape(r.text)
    assert "Mustermann" not in r.text
    # nor a street with a number, which the import refuses as an id (closing 28)
    r = kora.post(f"/plaene/{plan.id}/verschieben", data={
        "csrf_token": csrf, "kundennummer": "Weinstrasse-21", "ziel": target})
    assert r.status_code == 400
    assert "Die angegebene Kundennummer gehört nicht zu diesem Plan; sie sieht aus wie ein " \
        "Name oder eine Anschrift" in html.unescape(r.text)
    assert "weinstrasse" not in r.text.casefold()
    r = kora.post(f"/plaene/{plan.id}/verschieben", data={
        "csrf_token": csrf, "kundennummer": f"  {cid.lower()} ", "ziel": target})
    assert r.status_code == 303, r.text
    assert r.headers["location"].endswith(f"?verschoben={cid}#verschieben")
    r = kora.post(f"/plaene/{plan.id}/festlegung-aufheben", data={
        "csrf_token": csrf, "kundennummer": cid,
        "stand": unpin_stand(kora.get(f"/plaene/{plan.id}").text, cid)})
    assert r.status_code == 303


# ------------------------------------------------------------------------- days over (QA 22 F3)


def _targets(page: str) -> list[tuple[str, date]]:
    """The pin form's team-days, in its order (its options are the page's only ones of
    that form)."""
    return [(t, date.fromisoformat(d))
            for t, d in re.findall(r'<option value="([^"|]+)\|(\d{4}-\d\d-\d\d)"', page)]


def _pin_of(site: Site, cid: str) -> tuple:  # noqa: F811
    from hausbesuch.store import ClientRow

    with site.store.session() as s:
        row = s.get(ClientRow, {"city": CITY, "client_id": cid})
        return row.pin_team, row.pin_day, row.pin_time_min, row.pin_source


def _free_case(plan, page: str) -> str:  # noqa: ANN001
    """A case of ``plan``'s routes without a pin (a plain id, as typed)."""
    pinned = set(re.findall(r'name="kundennummer" value="([^"]+)"><input type="hidden" '
                            r'name="stand" value="[^"]*"><button type="submit">'
                            r"Aufheben", page))
    return next(s.client_id for r in plan.routes for s in r.stops
                if s.client_id not in pinned and re.fullmatch(r"[A-Z0-9]+", s.client_id))


def test_a_day_over_is_no_pin_target(site: Site, kora: httpx.Client,  # noqa: F811
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """QA 22 F3: a plan whose days were over still took pins for them and said „„Neu
    planen“ übernimmt es“, which no re-plan can. Now the form offers today and later days
    only, a pin to a day over is refused naming the day (nothing written, nothing audited;
    the one place that stores pins refuses it too), today still works, and a plan whose
    days are all over offers no pin form and says why."""
    from hausbesuch import clock
    from hausbesuch.errors import UserError
    from hausbesuch.maps import fmt_date
    from hausbesuch.web import casework_api

    plan = _current_plan(site)
    page = kora.get(f"/plaene/{plan.id}").text
    offered = _targets(page)
    days = sorted({d for _, d in offered})
    assert len(days) >= 3, days
    today = days[1]
    monkeypatch.setenv(clock.ENV, today.isoformat())
    page = kora.get(f"/plaene/{plan.id}").text
    csrf = csrf_of(page)
    assert _targets(page) == [x for x in offered if x[1] >= today], _targets(page)
    assert "Zur Wahl stehen nur heute" in html.unescape(page)
    cid = _free_case(plan, page)
    before = _pin_of(site, cid)
    audits = len(site.store.audit_rows(client_id=cid, action="visit_pinned"))
    past = next(x for x in offered if x[1] < today)
    said = (f"{fmt_date(past[1])} ist schon vorbei (heute ist {fmt_date(today)}): auf einen "
            "vergangenen Tag lässt sich kein Besuch festlegen. Bitte heute oder einen "
            "späteren Tag wählen.")
    r = kora.post(f"/plaene/{plan.id}/verschieben", data={
        "csrf_token": csrf, "kundennummer": cid, "ziel": f"{past[0]}|{past[1].isoformat()}"})
    assert r.status_code == 400, r.status_code
    assert said in html.unescape(r.text), r.text[-2000:]
    assert 'name="ziel" aria-invalid="true"' in r.text and "übernimmt es" not in r.text
    assert _pin_of(site, cid) == before
    assert len(site.store.audit_rows(client_id=cid, action="visit_pinned")) == audits
    with pytest.raises(UserError) as refused:
        casework_api.pin_visit(site.store, CITY, "kora", cid, plan.id, team=past[0],
                               day=past[1], minutes=None)
    assert str(refused.value) == said
    assert _pin_of(site, cid) == before
    # today: as before
    now = next(x for x in offered if x[1] == today)
    r = kora.post(f"/plaene/{plan.id}/verschieben", data={
        "csrf_token": csrf, "kundennummer": cid, "ziel": f"{now[0]}|{today.isoformat()}"})
    assert r.status_code == 303, r.text[-2000:]
    assert _pin_of(site, cid)[:2] == now
    r = kora.post(f"/plaene/{plan.id}/festlegung-aufheben", data={
        "csrf_token": csrf, "kundennummer": cid,
        "stand": unpin_stand(kora.get(f"/plaene/{plan.id}").text, cid)})
    assert r.status_code == 303
    # every day over: no pin form, the page says why; a pin sent anyway is refused
    after = plan.start + timedelta(days=plan.days)
    monkeypatch.setenv(clock.ENV, after.isoformat())
    page = kora.get(f"/plaene/{plan.id}").text
    assert "/verschieben" not in page and _targets(page) == []
    assert 'id="keine-festlegung"' in page
    assert f"heute ist {fmt_date(after)}" in html.unescape(page)
    last = offered[-1]
    r = kora.post(f"/plaene/{plan.id}/verschieben", data={
        "csrf_token": csrf, "kundennummer": cid, "ziel": f"{last[0]}|{last[1].isoformat()}"})
    assert r.status_code == 400
    assert f"{fmt_date(last[1])} ist schon vorbei" in html.unescape(r.text)
    assert _pin_of(site, cid) == (None, None, None, None)  # (taken back above)


@sqlite_only()  # the refusal on both: test_a_day_over_is_no_pin_target
@pytest.mark.browser
def test_a_day_over_is_not_offered_in_chromium(site: Site,  # noqa: F811
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """QA 22 F3 in the browser, at 390 px: the pin form's choice starts today; a day over
    sent anyway (an option put back by hand, as a stale page would) comes back as the
    focused message naming the day, and nothing is pinned."""
    from hausbesuch import clock
    from hausbesuch.maps import fmt_date
    from tests.browser import phone_page, shared_browser

    plan = _current_plan(site)
    with logged_in(site.url, "kora") as c:
        page_text = c.get(f"/plaene/{plan.id}").text
    offered = _targets(page_text)
    today = sorted({d for _, d in offered})[1]
    cid = _free_case(plan, page_text)
    before = _pin_of(site, cid)
    past = next(x for x in offered if x[1] < today)
    monkeypatch.setenv(clock.ENV, today.isoformat())
    with shared_browser() as browser:
        page, rec = phone_page(browser)
        log_in_page(page, site.url)
        page.goto(site.url + f"/plaene/{plan.id}#verschieben")
        values = page.eval_on_selector_all("select[name=ziel] option",
                                           "els => els.map(e => e.value)")
        assert values == [f"{t}|{d.isoformat()}" for t, d in offered if d >= today]
        page.fill("input[name=kundennummer]", cid)
        page.eval_on_selector("select[name=ziel]", """(s, v) => {
            const o = document.createElement('option'); o.value = v; s.add(o, 0);
            s.value = v; }""", f"{past[0]}|{past[1].isoformat()}")
        page.click("form[action$='/verschieben'] button[type=submit]")
        page.wait_for_selector("#fehlermeldung [role=alert]")
        text = page.inner_text("#fehlermeldung")
        assert f"{fmt_date(past[1])} ist schon vorbei" in text, text
        # the page's script moves the focus there once it runs (under load after the
        # message is drawn): waited for, not read at once
        page.wait_for_function(
            "() => document.activeElement && document.activeElement.id === 'fehlermeldung'",
            timeout=15_000)
        assert page.get_attribute("select[name=ziel]", "aria-invalid") == "true"
        assert _pin_of(site, cid) == before
        assert rec.violations == []


# ------------------------------------------------------------------- a new case (QA 22 F9)


def test_an_open_case_in_no_plan_can_be_pinned_into_the_week(site: Site,  # noqa: F811
                                                              kora: httpx.Client) -> None:
    """QA 22 F9: a case imported after the week was planned was refused („gehört nicht zu
    diesem Plan“), so the coordinator could not get it into that week. An open case in no
    plan of those days is taken (typed in any case), listed with the pins and can be taken
    back; the re-plan takes it up. A closed one is still refused."""
    import csv

    from sqlalchemy import update

    from hausbesuch.store import ClientRow
    from hausbesuch.web import casework_api

    with open(site.clients_csv, encoding="utf-8-sig", newline="") as fh:
        header, first, *_ = list(csv.reader(fh, delimiter=";"))
    path = site.tmp / "nachgereicht.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows([header, ["NEU901", *first[1:]]])
    casework_api.import_clients(site.store, site.app.state.web.profile(CITY), str(path), "kora")
    plan = _current_plan(site)
    assert "NEU901" not in {s.client_id for r in plan.routes for s in r.stops} | {
        u.client_id for u in plan.unassigned}
    page = kora.get(f"/plaene/{plan.id}").text
    csrf = csrf_of(page)
    target = _targets(page)[-1]
    ziel = f"{target[0]}|{target[1].isoformat()}"
    try:
        r = kora.post(f"/plaene/{plan.id}/verschieben", data={
            "csrf_token": csrf, "kundennummer": " neu901 ", "ziel": ziel})
        assert r.status_code == 303, html.unescape(r.text)[-2000:]
        assert r.headers["location"].endswith("?verschoben=NEU901#verschieben")
        assert _pin_of(site, "NEU901") == (target[0], target[1], None, "web")
        audit = site.store.audit_rows(client_id="NEU901", action="visit_pinned")[-1]
        assert audit["actor"] == "kora" and audit["plan_id"] == plan.id
        page = html.unescape(kora.get(r.headers["location"]).text)
        assert "NEU901 ist festgelegt; „Neu planen“ übernimmt es." in page
        assert '<td role="cell" data-label="Festgelegt">NEU901</td>' in page  # among the
        # pins, with „Aufheben“
        r = kora.post(f"/plaene/{plan.id}/festlegung-aufheben", data={
            "csrf_token": csrf, "kundennummer": "NEU901",
            "stand": unpin_stand(kora.get(f"/plaene/{plan.id}").text, "NEU901")})
        assert r.status_code == 303, html.unescape(r.text)[-2000:]
        assert _pin_of(site, "NEU901") == (None, None, None, None)
        # an appointment agreed with the client is not replaced in passing (review 22 #9)
        with site.store.session() as s:
            s.execute(update(ClientRow).where(ClientRow.city == CITY,
                                              ClientRow.client_id == "NEU901")
                      .values(pin_day=target[1], pin_time_min=600, pin_source="termin"))
        r = kora.post(f"/plaene/{plan.id}/verschieben", data={
            "csrf_token": csrf, "kundennummer": "NEU901", "ziel": ziel,
            "stand": pin_stand(kora.get(f"/plaene/{plan.id}").text)})  # (it lists the pin)
        assert r.status_code == 400, html.unescape(r.text)[-2000:]
        # (with its weekday, as the case page's „Festgelegt: …“ says it)
        assert (f"Für NEU901 ist ein Termin am {format_day(target[1])}, 10:00 Uhr vereinbart"
                in html.unescape(r.text))
        assert _pin_of(site, "NEU901") == (None, target[1], 600, "termin")
        r = kora.post(f"/plaene/{plan.id}/festlegung-aufheben", data={
            "csrf_token": csrf, "kundennummer": "NEU901",
            "stand": unpin_stand(kora.get(f"/plaene/{plan.id}").text, "NEU901")})
        assert r.status_code == 303 and _pin_of(site, "NEU901") == (None, None, None, None)
        # closed: refused as before (no re-plan takes it up)
        with site.store.session() as s:
            s.execute(update(ClientRow).where(ClientRow.city == CITY,
                                              ClientRow.client_id == "NEU901")
                      .values(status="abgeschlossen"))
        r = kora.post(f"/plaene/{plan.id}/verschieben", data={
            "csrf_token": csrf, "kundennummer": "NEU901", "ziel": ziel})
        assert r.status_code == 400
        assert _pin_of(site, "NEU901") == (None, None, None, None)
    finally:  # (closed: the shared site's other plans and re-plans leave it out)
        with site.store.session() as s:
            s.execute(update(ClientRow).where(ClientRow.city == CITY,
                                              ClientRow.client_id == "NEU901")
                      .values(status="abgeschlossen", pin_team=None, pin_day=None,
                              pin_time_min=None, pin_source=None))
