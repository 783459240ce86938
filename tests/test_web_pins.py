"""Pins on the plan page: every team's working days are targets, a time outside the
team's shift is refused, the table shows time and source, and a pin can be taken back
(audited). Over real HTTP against the planned week of :mod:`tests.test_web`."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import httpx
import pytest

from tests.test_web import CITY, _current_plan, site  # noqa: F401 - the fixture, by name
from tests.web_fixtures import Site, csrf_of, logged_in


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
    pinned = set(re.findall(r'name="kundennummer" value="([^"]+)"><button type="submit">'
                            r"Aufheben", page.text))
    cid = next(html.unescape(s.client_id) for r in plan.routes for s in r.stops
               if s.client_id not in pinned and re.fullmatch(r"[A-Z0-9]+", s.client_id))
    team, d = sorted(teams)[-1], teams[sorted(teams)[-1]]
    target = f"{team}|{span.date(span.work_days[-1]).isoformat()}"
    # a time outside the team's shift is refused
    r = kora.post(f"/plaene/{plan.id}/verschieben", data={
        "csrf_token": csrf, "kundennummer": cid, "ziel": target, "uhrzeit": "03:00"})
    assert r.status_code == 400
    assert "Uhrzeit 03:00 liegt außerhalb der Arbeitszeit" in html.unescape(r.text), r.text
    # ... and so is its start: then the team only sets out (a pin it could never keep)
    start = d["shift_start_min"]
    r = kora.post(f"/plaene/{plan.id}/verschieben", data={
        "csrf_token": csrf, "kundennummer": cid, "ziel": target,
        "uhrzeit": f"{start // 60:02d}:{start % 60:02d}"})
    assert r.status_code == 400
    assert "ist der Schichtbeginn von „" in html.unescape(r.text), r.text
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
    row = page.split(f"<tr><td>{cid}</td>", 1)[1].split("</tr>", 1)[0]
    assert f"<td>{clock} Uhr</td><td>im Web</td>" in row and "Aufheben" in row
    # taken back: gone from the table, audited with what it was
    r = kora.post(f"/plaene/{plan.id}/festlegung-aufheben",
                  data={"csrf_token": csrf, "kundennummer": cid})
    assert r.status_code == 303
    page = kora.get(r.headers["location"]).text
    assert f"Festlegung für {cid} aufgehoben" in page
    assert f"<tr><td>{cid}</td>" not in page
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
    pinned = set(re.findall(r'name="kundennummer" value="([^"]+)"><button type="submit">'
                            r"Aufheben", page.text))
    cid = next(s.client_id for r in plan.routes for s in r.stops
               if s.client_id not in pinned and re.fullmatch(r"[A-Z0-9]+", s.client_id))
    route = next(r for r in plan.routes if r.team_id in teams)
    target = f"{route.team_id}|{route.day.isoformat()}"
    r = kora.post(f"/plaene/{plan.id}/verschieben", data={
        "csrf_token": csrf, "kundennummer": "K-GIBT-ES-NICHT", "ziel": target})
    assert r.status_code == 400
    assert "Kundennummer „K-GIBT-ES-NICHT“ gehört nicht zu diesem Plan" in html.unescape(r.text)
    r = kora.post(f"/plaene/{plan.id}/verschieben", data={
        "csrf_token": csrf, "kundennummer": f"  {cid.lower()} ", "ziel": target})
    assert r.status_code == 303, r.text
    assert r.headers["location"].endswith(f"?verschoben={cid}#verschieben")
    r = kora.post(f"/plaene/{plan.id}/festlegung-aufheben",
                  data={"csrf_token": csrf, "kundennummer": cid})
    assert r.status_code == 303
