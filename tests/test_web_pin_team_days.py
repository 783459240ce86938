"""Closing 33 (QA 33c L5 in the web): a pin to a team-day on which the next re-plan gives
the team no shift is refused at the plan page's form, that team-day is not offered, and a
pin stored there before is listed with a note that says why and what to do, in the words
of the re-plan's reason (:func:`hausbesuch.planning.workflow.team_days_out`, the facts of
``_pin_check``): the team entered as absent, no longer among or no longer working that day
in the city's teams, or taken out for the rest of the day (*Team abmelden*). Before, the
form took such a pin with „„Neu planen“ übernimmt es“, the table showed it without a word,
and the next re-plan listed the visit under „Nicht eingeplant“.

Over real HTTP against the small planned week of :mod:`tests.test_web_plan_notes` (an app
of this module's own; the jobs run in the test's thread; team-1 and team-2, Mo–Fr)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

import httpx
import pytest

from hausbesuch.fields import format_day
from tests.test_web_plan_notes import _replan, kora, notes_site  # noqa: F401 - fixtures
from tests.web_helpers import pin as _pin
from tests.web_helpers import pin_alert as _alert
from tests.web_helpers import pin_notes as _pin_notes

CITY = "Bad Hersfeld"


def _targets(page: str) -> list[str]:
    return re.findall(r'<option value="([^"|]+\|\d{4}-\d\d-\d\d)"', page)


def _free_cases(plan, n: int) -> list[str]:  # noqa: ANN001
    """``n`` cases of the plan's routes after its Monday, not pinned by the list."""
    return sorted({s.client_id for r in plan.routes if r.day > plan.start for s in r.stops
                   if not s.client_id.startswith(("N-OUT", "N-IN"))})[:n]


@pytest.fixture
def clean(notes_site: tuple[str, object, str]) -> Iterator[list[str]]:  # noqa: F811
    """The cases a test pins (it appends them): their pins taken back, the absences and the
    city's teams as they were, for the module's other tests."""
    from hausbesuch import absences
    from hausbesuch.config import load_profile
    from hausbesuch.team_store import reset_teams
    from hausbesuch.web import casework_api

    _, store, first = notes_site
    pinned: list[str] = []
    yield pinned
    for cid in pinned:
        casework_api.unpin_visit(store, CITY, "test", cid, first)
    for team, day in absences.listed(store, CITY):
        absences.remove(store, CITY, team, day, actor="test")
    reset_teams(store, load_profile("bad-hersfeld"), actor="test")


def test_a_team_entered_as_absent_is_no_pin_target_and_its_pins_say_so(
        notes_site: tuple[str, object, str], kora: httpx.Client,  # noqa: F811
        clean: list[str]) -> None:
    """team-1 is entered as absent on Wednesday and Thursday; a case was pinned to team-1
    on Thursday before. The form no longer offers team-1 on those days; a pin sent anyway
    (a stale page) is refused naming the absence and what to do (another team, another
    day, or delete the absence), also by ``pin_visit``; the pin stored before is listed
    with the note, as the next re-plan says why it does not plan it."""
    from hausbesuch import absences
    from hausbesuch.config import load_profile
    from hausbesuch.errors import UserError
    from hausbesuch.team_store import base_teams
    from hausbesuch.versions import newest_version
    from hausbesuch.web import casework_api

    _, store, first = notes_site
    plan = store.load_plan(newest_version(store, first))
    wed, thu = plan.start + timedelta(days=2), plan.start + timedelta(days=3)
    cid, before, other = _free_cases(plan, 3)
    clean += [before, other]
    for c, day in ((before, thu), (other, wed)):  # (another team: no note)
        assert casework_api.pin_visit(store, CITY, "kora", c, plan.id, team="team-1"
                                      if c == before else "team-2", day=day,
                                      minutes=None) is None
    profile = load_profile("bad-hersfeld")
    assert absences.add(store, CITY, "team-1", wed, thu, teams=base_teams(store, profile),
                        actor="kora") == 2

    page = kora.get(f"/plaene/{plan.id}").text
    offered = _targets(page)
    assert f"team-1|{wed}" not in offered and f"team-1|{thu}" not in offered, offered
    assert {f"team-2|{wed}", f"team-1|{plan.start + timedelta(days=4)}"} <= set(offered)
    said = (f"Team „team-1“ ist am {format_day(wed)} abwesend (eingetragen): dort lässt sich "
            "kein Besuch festlegen. Bitte ein anderes Team (team-2) oder einen anderen Tag "
            "wählen, oder die Abwesenheit löschen (Seite „Teams“, „Abwesenheiten“).")
    for uhrzeit in ("", "14:00"):
        r = _pin(kora, plan.id, cid, f"team-1|{wed}", uhrzeit)
        assert r.status_code == 400, r.status_code
        assert _alert(r.text) == said, _alert(r.text)
        assert 'name="ziel" aria-invalid="true"' in r.text
    with pytest.raises(UserError) as refused:
        casework_api.pin_visit(store, CITY, "kora", cid, plan.id, team="team-1", day=wed,
                               minutes=None)
    assert str(refused.value) == said
    notes = _pin_notes(page)
    note = (f"Team „team-1“ ist am {format_day(thu)} abwesend (eingetragen). Bitte die "
            "Festlegung aufheben, ein anderes Team (team-2) oder einen anderen Tag "
            "festlegen, oder die Abwesenheit löschen (Seite „Teams“, „Abwesenheiten“).")
    assert notes[before] == note, notes
    assert notes[other] == "", notes
    # its Aufheben button is described by it
    m = re.search(rf'<td role="cell" data-label="Hinweis" class="note" '
                  rf'id="(festlegung-hinweis-\d+)">{re.escape(html.escape(note))}</td>', page)
    assert m, page
    assert (f'aria-label="Aufheben: Festlegung für {before}" aria-describedby="{m.group(1)}"'
            in page)
    # the next re-plan says the same of it (with the command line's way back)
    v2 = store.load_plan(_replan(kora, store, plan.id))
    reason = {u.client_id: u.reason for u in v2.unassigned}[before]
    assert reason == (f"Festlegung im Web (Team team-1, {format_day(thu)}): "
                      + note[:note.index(", oder die")]
                      + ", oder die Abwesenheit löschen (Seite „Teams“, „Abwesenheiten“; "
                      f"hausbesuch absence remove team-1 {thu:%d.%m.%Y}).")


def test_a_team_day_the_citys_teams_no_longer_work_is_no_pin_target(
        notes_site: tuple[str, object, str], kora: httpx.Client,  # noqa: F811
        clean: list[str], tmp_path: Path) -> None:
    """The city's teams change after the plan (*Teams* upload): team-2 works Mondays only,
    then not at all. The next re-plan (from the plan's first day, which lies ahead) gives
    it no tour those days: the form no longer offers them, a pin there is refused naming
    the change and what to do, and a pin to team-2 on Friday made before is listed with
    the note."""
    from hausbesuch.config import load_profile
    from hausbesuch.team_store import save_teams
    from hausbesuch.versions import newest_version
    from hausbesuch.web import casework_api

    _, store, first = notes_site
    plan = store.load_plan(newest_version(store, first))
    monday, fri = plan.start, plan.start + timedelta(days=4)
    cid, before = _free_cases(plan, 2)
    clean.append(before)
    assert casework_api.pin_visit(store, CITY, "kora", before, plan.id, team="team-2",
                                  day=fri, minutes=None) is None
    profile = load_profile("bad-hersfeld")
    teams = ('[defaults]\nschicht = "8:00-16:00"\n\n[[team]]\nid = "team-1"\n\n'
             '[[team]]\nid = "team-2"\ntage = "Mo"\n')
    (tmp_path / "teams.toml").write_text(teams, encoding="utf-8")
    save_teams(store, profile, tmp_path / "teams.toml", actor="kora")

    page = kora.get(f"/plaene/{plan.id}").text
    offered = _targets(page)
    assert [t for t in offered if t.startswith("team-2|")] == [f"team-2|{monday}"], offered
    assert f"team-1|{fri}" in offered
    r = _pin(kora, plan.id, cid, f"team-2|{fri}")
    assert r.status_code == 400, r.status_code
    assert _alert(r.text) == (
        "Team „team-2“ arbeitet laut den Teams der Stadt nur noch Mo (seit dem Plan "
        "geändert): dort lässt sich kein Besuch festlegen. Bitte ein anderes Team (team-1) "
        "oder einen anderen Tag wählen."), _alert(r.text)
    assert _pin_notes(page)[before] == (
        "Team „team-2“ arbeitet laut den Teams der Stadt nur noch Mo (seit dem Plan "
        "geändert). Bitte die Festlegung aufheben, ein anderes Team (team-1) oder einen "
        "anderen Tag festlegen.")

    # no longer among the city's teams: no day of team-2 left, no other day offered
    (tmp_path / "teams.toml").write_text(teams[:teams.index("\n[[team]]\nid = \"team-2\"")],
                                         encoding="utf-8")
    save_teams(store, profile, tmp_path / "teams.toml", actor="kora")
    page = kora.get(f"/plaene/{plan.id}").text
    assert not [t for t in _targets(page) if t.startswith("team-2|")], _targets(page)
    r = _pin(kora, plan.id, cid, f"team-2|{monday}")
    assert r.status_code == 400, r.status_code
    assert _alert(r.text) == (
        "Team „team-2“ gehört seit dem Plan nicht mehr zu den Teams der Stadt: dort lässt "
        "sich kein Besuch festlegen. Bitte ein anderes Team (team-1) wählen."), _alert(r.text)
    assert _pin_notes(page)[before] == (
        "Team „team-2“ gehört seit dem Plan nicht mehr zu den Teams der Stadt. Bitte die "
        "Festlegung aufheben oder ein anderes Team (team-1) festlegen.")


def test_a_pin_to_a_team_taken_out_for_the_day_says_so(
        notes_site: tuple[str, object, str], kora: httpx.Client,  # noqa: F811
        clean: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Monday 12:35: a case is pinned to team-2 at 15:00, another to team-2 on Tuesday;
    then *Team abmelden* takes team-2 out for the rest of Monday. The new version's table
    of pins says of the first why it is not planned and what to do (bring the team back
    in the web's words), in the re-plan's words; the Tuesday pin has no note."""
    from hausbesuch import clock
    from hausbesuch.versions import newest_version
    from hausbesuch.web import casework_api

    _, store, first = notes_site
    plan = store.load_plan(newest_version(store, first))
    monday = plan.start
    monkeypatch.setenv(clock.ENV, monday.isoformat())  # Monday, 12:35 (the real date's)
    monkeypatch.setattr(clock, "now", lambda: datetime.combine(date.today(), time(12, 35)))
    today, later = _free_cases(plan, 2)
    clean += [today, later]
    assert casework_api.pin_visit(store, CITY, "kora", today, plan.id, team="team-2",
                                  day=monday, minutes=15 * 60) is None
    assert casework_api.pin_visit(store, CITY, "kora", later, plan.id, team="team-2",
                                  day=monday + timedelta(days=1), minutes=None) is None
    v2 = _replan(kora, store, plan.id, team_abmelden="team-2")
    page = kora.get(f"/plaene/{v2}").text
    cause = (f"Team „team-2“ ist am {format_day(monday)} ab 12:35 Uhr für den Rest des "
             "Tages abgemeldet (Neuplanung). Bitte die Festlegung aufheben, ein anderes Team "
             "(team-1) oder einen anderen Tag festlegen")
    notes = _pin_notes(page)
    assert notes[today] == (cause + ", oder Team team-2 mit „Neu planen“ → „Team wieder "
                            "einplanen“ zurückholen."), notes
    assert notes[later] == "", notes
    reason = {u.client_id: u.reason for u in store.load_plan(v2).unassigned}[today]
    assert reason.startswith(f"Festlegung im Web (Team team-2, {format_day(monday)}, "
                             f"15:00 Uhr): {cause}, oder Team team-2 beim Neu planen "), reason
