"""Review 34 #8 and closing 34: a pin's advice names only teams that can take the visit,
and the web's pin form knows the shorter shift of the city's teams.

A pin to a team that does not speak the client's language (``sprache``) is refused by
the plan, the re-plan and the web's pin form with a German message that says so and names
the teams that do; a pin to a team-day the team is out names as other teams only those
that may take the visit (the planner's rule, :func:`routing.model.rules_out`), and says
when none working that day may. A pin at a time outside the shorter shift a re-plan takes
over of the city's teams (changed after the plan) is refused at the form, and a pin stored
there before is listed with the note the re-plan gives as its reason.

Over real HTTP against a small planned week of Bad Hersfeld with three teams of the city
(team-2 and team-3 speak Arabisch, team-1 does not) and a list whose pins (column „Team“,
„Datum“) and languages (column „Sprache“) are read by the plan; the jobs run in the
test's thread."""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from hausbesuch.fields import format_day
from tests.web_fixtures import WEEK, bare_app, csrf_of, live_server, logged_in, run_jobs_now
from tests.web_helpers import pin as _pin
from tests.web_helpers import pin_alert as _alert
from tests.web_helpers import pin_notes as _pin_notes
from tests.web_helpers import plan_week

CITY = "Bad Hersfeld"
WED, THU, FRI = (WEEK + timedelta(days=k) for k in (2, 3, 4))
TEAMS = ('[defaults]\nschicht = "8:00-16:00"\n\n[[team]]\nid = "team-1"\n\n'
         '[[team]]\nid = "team-2"\nsprachen = ["Arabisch"]\n\n'
         '[[team]]\nid = "team-3"\nsprachen = ["Arabisch"]\n')
ROWS = [
    # (id, Sprache, Team, Datum): team-1 speaks no Arabisch; team-2 is absent on Thursday
    ("A-PIN1", "Arabisch", "team-1", f"{WED:%d.%m.%Y}"),
    ("A-PIN2", "Arabisch", "team-2", f"{THU:%d.%m.%Y}"),
    *[(f"A-FREI{i}", "Arabisch", "", "") for i in range(3)],
    *[(f"D-FREI{i}", "", "", "") for i in range(5)],
]


def _write_list(path: Path, index) -> None:  # noqa: ANN001
    from hausbesuch.demo import real_addresses

    rng = random.Random(34)
    addrs = rng.sample(real_addresses(index, (9.7075, 50.8683), at_least=80), len(ROWS))
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort", "Sprache",
                    "Team", "Datum"])
        for k, ((cid, lang, team, day), (street, hn, pc, town)) in enumerate(
                zip(ROWS, addrs, strict=True)):
            w.writerow([cid, f"Geheimname {k:03d}", street, hn, pc, town or CITY, lang, team,
                        day])


def _save_teams(store, folder: Path, text: str = TEAMS) -> None:  # noqa: ANN001
    from hausbesuch.config import load_profile
    from hausbesuch.team_store import save_teams

    (folder / "teams.toml").write_text(text, encoding="utf-8")
    save_teams(store, load_profile("bad-hersfeld"), folder / "teams.toml", actor="kora")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, bad_hersfeld_pbf: Path
         ) -> Iterator[tuple[str, object, str, Path]]:
    """An app with the week planned (team-2 entered as absent on Thursday before): its
    URL, its store, the plan's id and a folder for teams files."""
    from geodata.geocode import load_index
    from hausbesuch import absences
    from hausbesuch.config import load_profile
    from hausbesuch.team_store import base_teams

    tmp = tmp_path_factory.mktemp("pin-advice")
    app = bare_app(tmp, plan_time_limit=2.0)
    store = app.state.web.store
    _save_teams(store, tmp)
    profile = load_profile("bad-hersfeld")
    absences.add(store, CITY, "team-2", THU, teams=base_teams(store, profile), actor="kora")
    _write_list(tmp / "liste.csv", load_index(bad_hersfeld_pbf))
    plan_id = plan_week(app, tmp / "liste.csv")
    with live_server(app) as live:
        yield live.url, store, plan_id, tmp


@pytest.fixture
def kora(site: tuple[str, object, str, Path]) -> Iterator[httpx.Client]:
    with logged_in(site[0], "kora") as c:
        yield c


@pytest.fixture
def clean(site: tuple[str, object, str, Path]) -> Iterator[list[str]]:
    """The cases a test pins (it appends them): their pins taken back, the absences
    entered after the plan deleted and the city's teams as the plan had them."""
    from hausbesuch import absences
    from hausbesuch.web import casework_api

    _, store, first, folder = site
    pinned: list[str] = []
    yield pinned
    for cid in pinned:
        casework_api.unpin_visit(store, CITY, "test", cid, first)
    for team, day in absences.listed(store, CITY):
        if (team, day) != ("team-2", THU):
            absences.remove(store, CITY, team, day, actor="test")
    _save_teams(store, folder)


def _replan(kora: httpx.Client, store, plan_id: str) -> str:  # noqa: ANN001
    page = kora.get(f"/plaene/{plan_id}").text
    r = kora.post(f"/plaene/{plan_id}/neu-planen", data={"csrf_token": csrf_of(page)})
    assert r.status_code == 303, r.text[:2000]
    (new,) = run_jobs_now(store)
    return new


def _store_pin(store, cid: str, team: str, day, minute=None) -> None:  # noqa: ANN001
    """A pin stored as an older version of the app stored it (no check): the table of
    pins and the next re-plan say what is wrong with it."""
    from hausbesuch.store import ClientRow

    with store.session() as s:
        row = s.get(ClientRow, {"city": CITY, "client_id": cid})
        row.pin_team, row.pin_day, row.pin_time_min, row.pin_source = team, day, minute, "web"


NEVER_1 = ("Team „team-1“ spricht Arabisch nicht und kann den Besuch daher an keinem Tag "
           "übernehmen.")


def test_the_plan_says_a_list_pin_to_a_team_without_the_language_and_names_only_able_teams(
        site: tuple[str, object, str, Path]) -> None:
    """The list pins A-PIN1 (Arabisch) to team-1, which speaks none: the plan says so
    and names the teams that do (before: „Die feste Zuordnung … ist nicht möglich: Team
    team-1 hat die nötige Fähigkeit nicht (Arabisch)“, nothing of what to do). A-PIN2
    is pinned to team-2 on Thursday, when it is entered as absent: the other team named is
    team-3, not team-1 (before: „ein anderes Team (team-1, team-3)“)."""
    _, store, plan_id, _ = site
    plan = store.load_plan(plan_id)
    reasons = {u.client_id: (u.code, u.reason) for u in plan.unassigned}
    assert reasons["A-PIN1"] == ("pin_team_skill", (
        f"Festlegung laut Liste (Team team-1, {format_day(WED)}): {NEVER_1} Bitte die "
        "Festlegung aufheben oder ein Team festlegen, das ihn übernehmen kann (team-2, "
        "team-3).")), reasons["A-PIN1"]
    assert reasons["A-PIN2"] == ("pin_team_absent", (
        f"Festlegung laut Liste (Team team-2, {format_day(THU)}): Team „team-2“ ist am "
        f"{format_day(THU)} abwesend (eingetragen). Bitte die Festlegung aufheben, ein "
        "anderes Team (team-3) oder einen anderen Tag festlegen, oder die Abwesenheit "
        "löschen (Seite „Teams“, „Abwesenheiten“; hausbesuch absence remove team-2 "
        f"{THU:%d.%m.%Y}).")), reasons["A-PIN2"]


def test_the_pin_form_refuses_a_team_without_the_language_and_the_replan_says_the_same(
        site: tuple[str, object, str, Path], kora: httpx.Client, clean: list[str]) -> None:
    """The pin form refuses A-FREI0 (Arabisch) on team-1, naming the case, the language
    and the teams that speak it (before: accepted, and the re-plan did not plan it); a
    case without a language is taken there. A pin to team-1 stored before is listed with
    the note the next re-plan gives as its reason."""
    from hausbesuch.errors import UserError
    from hausbesuch.versions import newest_version
    from hausbesuch.web import casework_api

    _, store, first, _ = site
    plan = store.load_plan(newest_version(store, first))
    clean += ["A-FREI1", "D-FREI0"]
    said = f"A-FREI0: {NEVER_1} Bitte ein Team wählen, das ihn übernehmen kann (team-2, team-3)."
    for uhrzeit in ("", "10:00"):
        r = _pin(kora, plan.id, "A-FREI0", f"team-1|{FRI}", uhrzeit)
        assert r.status_code == 400, r.status_code
        assert _alert(r.text) == said, _alert(r.text)
        assert 'name="ziel" aria-invalid="true"' in r.text
    with pytest.raises(UserError) as refused:
        casework_api.pin_visit(store, CITY, "kora", "A-FREI0", plan.id, team="team-1",
                               day=FRI, minutes=None)
    assert str(refused.value) == said
    assert _pin(kora, plan.id, "D-FREI0", f"team-1|{FRI}").status_code == 303

    _store_pin(store, "A-FREI1", "team-1", FRI)
    note = (f"{NEVER_1} Bitte die Festlegung aufheben oder ein Team festlegen, das ihn "
            "übernehmen kann (team-2, team-3).")
    notes = _pin_notes(kora.get(f"/plaene/{plan.id}").text)
    assert notes["A-FREI1"] == note, notes
    assert notes["D-FREI0"] == "", notes
    v2 = store.load_plan(_replan(kora, store, plan.id))
    reasons = {u.client_id: u.reason for u in v2.unassigned}
    assert reasons["A-FREI1"] == f"Festlegung im Web (Team team-1, {format_day(FRI)}): {note}"
    assert "D-FREI0" not in reasons


def test_the_pin_form_says_a_closed_case_first_not_a_team_without_the_language(
        site: tuple[str, object, str, Path], kora: httpx.Client) -> None:
    """QA 36 #8: a case „erreicht“ pinned to a team that does not speak its language read
    „Team „team-1“ spricht Arabisch nicht … Bitte ein Team wählen, das ihn übernehmen
    kann (team-2, team-3)“, and team-2 then „Fall „erreicht“, wird nicht mehr besucht“:
    the status is said first, whichever team, day or time is chosen."""
    from hausbesuch.casework import Casework
    from hausbesuch.config import load_profile
    from hausbesuch.versions import newest_version

    _, store, first, _ = site
    plan = store.load_plan(newest_version(store, first))
    cases = Casework(store, load_profile("bad-hersfeld"), actor="kora")
    cases.set_status("A-FREI2", "erreicht")
    try:
        said = ("A-FREI2: Fall „erreicht“, wird nicht mehr besucht; zum Festlegen den Fall "
                "erst wieder öffnen (Fälle → Status setzen: offen).")
        for ziel, uhrzeit in ((f"team-1|{FRI}", ""), (f"team-2|{THU}", ""),
                              (f"team-3|{FRI}", "10:00")):
            r = _pin(kora, plan.id, "A-FREI2", ziel, uhrzeit)
            assert r.status_code == 400, r.status_code
            assert _alert(r.text) == said, (ziel, _alert(r.text))
            assert re.search(r'<input name="kundennummer"[^>]*aria-invalid="true"', r.text)
    finally:
        cases.set_status("A-FREI2", "offen")


def test_a_pin_to_a_team_out_names_only_teams_that_speak_the_language(
        site: tuple[str, object, str, Path], kora: httpx.Client, clean: list[str]) -> None:
    """team-2 is entered as absent on Friday: a pin of A-FREI0 (Arabisch) there is refused
    naming team-3, not team-1; with team-3 absent too, no team working that day may take
    it: the message says so and why (team-1 speaks no Arabisch) and suggests another day
    (before: „ein anderes Team (team-1)“). A case without a language is told team-1."""
    from hausbesuch import absences
    from hausbesuch.config import load_profile
    from hausbesuch.team_store import base_teams
    from hausbesuch.versions import newest_version

    _, store, first, _ = site
    plan = store.load_plan(newest_version(store, first))
    teams = base_teams(store, load_profile("bad-hersfeld"))
    absences.add(store, CITY, "team-2", FRI, teams=teams, actor="kora")
    cause = (f"Team „team-2“ ist am {format_day(FRI)} abwesend (eingetragen): dort lässt "
             "sich kein Besuch festlegen.")
    undo = ", oder die Abwesenheit löschen (Seite „Teams“, „Abwesenheiten“)."
    r = _pin(kora, plan.id, "A-FREI0", f"team-2|{FRI}")
    assert r.status_code == 400, r.status_code
    assert _alert(r.text) == (f"{cause} Bitte ein anderes Team (team-3) oder einen anderen "
                              f"Tag wählen{undo}"), _alert(r.text)

    absences.add(store, CITY, "team-3", FRI, teams=teams, actor="kora")
    r = _pin(kora, plan.id, "A-FREI0", f"team-2|{FRI}")
    assert r.status_code == 400, r.status_code
    assert _alert(r.text) == (
        f"{cause} An dem Tag arbeitet kein anderes Team, das den Besuch übernehmen kann "
        f"(Team „team-1“ spricht Arabisch nicht): bitte einen anderen Tag wählen{undo}"), \
        _alert(r.text)
    r = _pin(kora, plan.id, "D-FREI1", f"team-2|{FRI}")
    assert r.status_code == 400, r.status_code
    assert _alert(r.text) == (f"{cause} Bitte ein anderes Team (team-1) oder einen anderen "
                              f"Tag wählen{undo}"), _alert(r.text)


def test_the_pin_form_knows_the_shorter_shift_of_the_citys_teams(
        site: tuple[str, object, str, Path], kora: httpx.Client, clean: list[str]) -> None:
    """After the plan the city's team-1 works 8:00–12:00 only. A pin to team-1 at 14:00
    is refused at the form with the shift the next re-plan takes over (before: accepted,
    and only that re-plan did not plan the visit); 10:00 is taken. A pin at 14:00 stored
    before the change is listed with the note the re-plan gives as its reason."""
    from hausbesuch.versions import newest_version
    from hausbesuch.web import casework_api

    _, store, first, folder = site
    plan = store.load_plan(newest_version(store, first))
    clean += ["D-FREI2", "D-FREI3"]
    assert casework_api.pin_visit(store, CITY, "kora", "D-FREI2", plan.id, team="team-1",
                                  day=FRI, minutes=14 * 60) is None
    _save_teams(store, folder, TEAMS.replace('id = "team-1"\n',
                                             'id = "team-1"\nschicht = "8:00-12:00"\n'))
    shift = (f"passt nicht: Team „team-1“ arbeitet am {format_day(FRI)} bis 12:00 Uhr (Schicht "
             "laut den Teams der Stadt seit dem Plan geändert, im Plan 08:00–16:00 Uhr; "
             "„Neu planen“ übernimmt sie). Bitte ")
    for at in ("14:00", "12:00"):
        r = _pin(kora, plan.id, "D-FREI3", f"team-1|{FRI}", at)
        assert r.status_code == 400, (at, r.status_code)
        assert _alert(r.text) == (
            f"Uhrzeit {at} Uhr {shift}eine Uhrzeit nach 08:00 und vor 12:00 Uhr eintragen, die "
            "Uhrzeit leer lassen oder ein anderes Team wählen."), _alert(r.text)
        assert re.search(r'name="uhrzeit"[^>]*aria-invalid="true"', r.text)
    note = (f"Uhrzeit 14:00 Uhr {shift}die Festlegung aufheben oder neu festlegen: mit einer "
            "Uhrzeit nach 08:00 und vor 12:00 Uhr, ohne Uhrzeit oder bei einem anderen Team.")
    assert _pin_notes(kora.get(f"/plaene/{plan.id}").text)["D-FREI2"] == note
    assert _pin(kora, plan.id, "D-FREI3", f"team-1|{FRI}", "10:00").status_code == 303

    v2 = store.load_plan(_replan(kora, store, plan.id))
    reasons = {u.client_id: u.reason for u in v2.unassigned}
    assert reasons["D-FREI2"] == (f"Festlegung im Web (Team team-1, {format_day(FRI)}, "
                                  f"14:00 Uhr): {note}"), reasons.get("D-FREI2")
    assert any(st.client_id == "D-FREI3" for r in v2.routes
               if (r.team_id, r.day) == ("team-1", FRI) for st in r.stops), reasons


def test_under_hard_responsibility_a_pin_names_only_teams_responsible_for_the_district(
) -> None:
    """The district side of the planner's rule (hard responsibility: a team with districts
    takes visits of those only; the teams' districts read in the city's spelling): a pin
    to team-2 on a day it is absent names team-3 (responsible for „Hohe Luft“, written
    „hohe luft“), not team-1 (only „Johannesberg“); under soft responsibility both. A pin
    to team-1 itself says it is not responsible and names team-3."""
    from hausbesuch.config import load_profile
    from hausbesuch.planning.builder import ShiftOverride, Span, VisitNeeds
    from hausbesuch.planning.workflow import _pin_never_text, _pin_out_text
    from hausbesuch.teams import TeamConfig

    teams = (TeamConfig("team-1", districts=("Johannesberg",)), TeamConfig("team-2"),
             TeamConfig("team-3", districts=("hohe luft",)))
    span = Span(WEEK, 5, load_profile("bad-hersfeld").casework.calendar())
    out = {("team-2", 2): ShiftOverride(removed=True, why="ist am Mi abwesend (eingetragen)")}
    city = ("Hohe Luft", "Johannesberg", "Kernstadt")

    def advice(responsibility: str) -> str:
        needs = VisitNeeds((), "Hohe Luft", responsibility, city)
        return _pin_out_text("team-2", 2, out[("team-2", 2)], out, span, teams, needs=needs)

    assert advice("hard") == ("Team „team-2“ ist am Mi abwesend (eingetragen). Bitte die "
                              "Festlegung aufheben, ein anderes Team (team-3) oder einen "
                              "anderen Tag festlegen.")
    assert "ein anderes Team (team-1, team-3)" in advice("soft")
    needs = VisitNeeds((), "Hohe Luft", "hard", city)
    assert _pin_never_text(teams[0], needs, teams) == (
        "Team „team-1“ ist für den Stadtteil Hohe Luft nicht zuständig und kann den Besuch "
        "daher an keinem Tag übernehmen. Bitte die Festlegung aufheben oder ein Team "
        "festlegen, das ihn übernehmen kann (team-2, team-3).")
    # an address outside every district: any team may take it
    assert VisitNeeds((), None, "hard", city).rules_out(teams[0]) is None
