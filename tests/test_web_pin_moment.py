"""QA 26 F1: a pin the next re-plan cannot take up is refused at the plan page's form.

A time of today already over (the re-plan plans from now) and a team-day whose team was
taken out (*Team abmelden*) were accepted with „„Neu planen“ übernimmt es“; the next
re-plan then listed the visit under „Nicht eingeplant“ and it dropped out of the week.
Now both are refused with a message that says what to do, the typed values stay, the
form no longer offers the team-day taken out, and :func:`casework_api.pin_visit` (the one
place that stores a web pin) refuses the same (one check: ``casework_api.pin_refusal``).

Over real HTTP against the small planned week of :mod:`tests.test_web_plan_notes` (an app
of this module's own; the jobs run in the test's thread), the clock set to Monday 12:35.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date, datetime, time

import httpx
import pytest

from tests.test_web_plan_notes import _replan, notes_site  # noqa: F401 - the fixture
from tests.web_fixtures import csrf_of, logged_in


@pytest.fixture
def kora(notes_site: tuple[str, object, str]) -> Iterator[httpx.Client]:  # noqa: F811
    with logged_in(notes_site[0], "kora") as c:
        yield c


def _pin_of(store, cid: str) -> tuple:  # noqa: ANN001
    from hausbesuch.store import ClientRow

    with store.session() as s:
        row = s.get(ClientRow, {"city": "Bad Hersfeld", "client_id": cid})
        return row.pin_team, row.pin_day, row.pin_time_min, row.pin_source


def _alert(page: str) -> str:
    m = re.search(r'id="fehlermeldung".*?role="alert"[^>]*>(.*?)</', page, re.S)
    return html.unescape(m.group(1)).strip() if m else ""


def _targets(page: str) -> list[str]:
    return re.findall(r'<option value="([^"|]+\|\d{4}-\d\d-\d\d)"', page)


def test_a_pin_before_now_or_to_a_team_taken_out_is_refused(
        notes_site: tuple[str, object, str], kora: httpx.Client,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    from hausbesuch import clock
    from hausbesuch.errors import UserError
    from hausbesuch.maps import fmt_date
    from hausbesuch.web import casework_api
    from hausbesuch.web.data import newest_version

    _, store, first = notes_site
    plan = store.load_plan(newest_version(store, first))
    monday = plan.start
    monkeypatch.setenv(clock.ENV, monday.isoformat())  # Monday, 12:35 (the real date's)
    monkeypatch.setattr(clock, "now", lambda: datetime.combine(date.today(), time(12, 35)))
    cid = "N-FREI0"
    assert cid in {s.client_id for r in plan.routes for s in r.stops}
    before = _pin_of(store, cid)
    audits = len(store.audit_rows(client_id=cid, action="visit_pinned"))

    def pin(plan_id: str, ziel: str, uhrzeit: str = "") -> httpx.Response:
        page = kora.get(f"/plaene/{plan_id}").text
        return kora.post(f"/plaene/{plan_id}/verschieben", data={
            "csrf_token": csrf_of(page), "kundennummer": cid, "ziel": ziel,
            "uhrzeit": uhrzeit})

    # 09:00 today is over: refused, naming now, the typed values kept, nothing stored
    target = f"team-1|{monday.isoformat()}"
    r = pin(plan.id, target, "09:00")
    assert r.status_code == 400, r.status_code
    said = (f"Uhrzeit 09:00 ist heute ({fmt_date(monday)}) schon vorbei (jetzt 12:35 Uhr): "
            "„Neu planen“ plant ab jetzt. Bitte eine spätere Uhrzeit eintragen, die "
            "Uhrzeit leer lassen oder einen späteren Tag wählen.")
    assert _alert(r.text) == said, _alert(r.text)
    assert "übernimmt es" not in r.text
    assert 'name="uhrzeit" value="09:00" aria-invalid="true"' in r.text
    assert f'<option value="{target}" selected>' in r.text
    assert f'name="kundennummer" required value="{cid}"' in r.text
    assert _pin_of(store, cid) == before
    assert len(store.audit_rows(client_id=cid, action="visit_pinned")) == audits
    with pytest.raises(UserError) as refused:
        casework_api.pin_visit(store, "Bad Hersfeld", "kora", cid, plan.id, team="team-1",
                               day=monday, minutes=9 * 60)
    assert str(refused.value) == said
    # a later time is taken
    r = pin(plan.id, target, "14:00")
    assert r.status_code == 303, _alert(r.text)
    assert _pin_of(store, cid) == ("team-1", monday, 14 * 60, "web")

    # team-2 taken out from now on: no longer offered for Monday, a pin there refused
    v2 = _replan(kora, store, plan.id, team_abmelden="team-2")
    page = kora.get(f"/plaene/{v2}").text
    offered = _targets(page)
    assert f"team-2|{monday.isoformat()}" not in offered, offered
    assert f"team-1|{monday.isoformat()}" in offered and any(
        t.startswith("team-2|") for t in offered), offered
    out = (f"Team „team-2“ ist am {fmt_date(monday)} ab 12:35 Uhr für den Rest des Tages "
           "abgemeldet („Team abmelden“ beim Neu planen): dort lässt sich kein Besuch "
           "festlegen. Bitte ein anderes Team oder einen anderen Tag wählen, oder das Team "
           "erst mit „Neu planen“ → „Team wieder einplanen“ zurückholen.")
    pinned = _pin_of(store, cid)
    for uhrzeit in ("", "15:00"):
        r = pin(v2, f"team-2|{monday.isoformat()}", uhrzeit)
        assert r.status_code == 400, r.status_code
        assert _alert(r.text) == out, _alert(r.text)
        assert 'name="ziel" aria-invalid="true"' in r.text
        assert _pin_of(store, cid) == pinned
    with pytest.raises(UserError) as refused:
        casework_api.pin_visit(store, "Bad Hersfeld", "kora", cid, v2, team="team-2",
                               day=monday, minutes=None)
    assert str(refused.value) == out
    # the pin taken stays in the week: the re-plan visits it at 14:00 (team-1)
    new = store.load_plan(v2)
    assert [(r.team_id, r.day, f"{s.start:%H:%M}") for r in new.routes for s in r.stops
            if s.client_id == cid] == [("team-1", monday, "14:00")]
    assert cid not in {u.client_id for u in new.unassigned}
