"""Review 35 of the pin advice (findings 3, 4, 5, 9, 11): the web's pin form, its table of
pins and the re-plan give the same first cause; under hard responsibility the district of
a case the plan does not hold (new, or moved since) is the one the re-plan gives it; the
German words of a team that can never take a visit; a pin to a team alone is listed; the
form does not repeat a case id that looks like a name.

Over real HTTP against the small planned week of :mod:`tests.test_pin_advice` (an app of
this module's own: team-1 speaks no Arabisch, team-2 and team-3 do) and, for hard
responsibility, against a week planned with a profile whose teams are each responsible for
one district of Bad Hersfeld; the jobs run in the test's thread."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import httpx
import pytest

from hausbesuch.fields import format_day
from tests.test_pin_advice import (  # noqa: F401 - fixtures
    CITY,
    FRI,
    NEVER_1,
    _replan,
    _save_teams,
    _store_pin,
    clean,
    kora,
    site,
)
from tests.web_helpers import pin, pin_alert, pin_notes

NEVER_1_STORED = (f"{NEVER_1} Bitte die Festlegung aufheben oder ein Team festlegen, das "
                  "ihn übernehmen kann (team-2, team-3).")


def _newest(store, plan_id: str):  # noqa: ANN001, ANN202
    from hausbesuch.versions import newest_version

    return store.load_plan(newest_version(store, plan_id))


# --------------------------------------------------------------------------- #3


def test_a_team_day_absent_with_a_shorter_shift_is_refused_for_the_absence_first(
        site: tuple[str, object, str, Path], kora: httpx.Client,  # noqa: F811
        clean: list[str]) -> None:  # noqa: F811
    """team-1 works 8:00–12:00 on Friday since the plan (the city's teams) and is entered as
    absent then too. A pin there at 14:00 is refused for the absence (field „ziel“), as the
    table of pins notes a pin stored there and the re-plan gives its reason: the team-day's
    cause first (before, the form said the shorter shift, and once the time was fixed, the
    absence)."""
    from hausbesuch import absences
    from hausbesuch.config import load_profile
    from hausbesuch.team_store import base_teams
    from tests.test_pin_advice import TEAMS

    _, store, first, folder = site
    plan = _newest(store, first)
    clean.append("D-FREI4")
    _save_teams(store, folder, TEAMS.replace('id = "team-1"\n',
                                             'id = "team-1"\nschicht = "8:00-12:00"\n'))
    absences.add(store, CITY, "team-1", FRI,
                 teams=base_teams(store, load_profile("bad-hersfeld")), actor="kora")
    cause = f"Team „team-1“ ist am {format_day(FRI)} abwesend (eingetragen)"
    r = pin(kora, plan.id, "D-FREI3", f"team-1|{FRI}", "14:00")
    assert r.status_code == 400, r.status_code
    assert pin_alert(r.text).startswith(f"{cause}: dort lässt sich kein Besuch festlegen."), \
        pin_alert(r.text)
    assert 'name="ziel" aria-invalid="true"' in r.text

    _store_pin(store, "D-FREI4", "team-1", FRI, 14 * 60)
    note = pin_notes(kora.get(f"/plaene/{plan.id}").text)["D-FREI4"]
    assert note.startswith(f"{cause}. Bitte die Festlegung aufheben"), note
    v2 = store.load_plan(_replan(kora, store, plan.id))
    reason = {u.client_id: u.reason for u in v2.unassigned}["D-FREI4"]
    assert reason.startswith(f"Festlegung im Web (Team team-1, {format_day(FRI)}, 14:00 Uhr): "
                             f"{cause}. "), reason


# --------------------------------------------------------------------------- #9


def test_a_pin_to_a_team_alone_that_never_can_is_listed_with_the_replans_note(
        site: tuple[str, object, str, Path], kora: httpx.Client,  # noqa: F811
        clean: list[str]) -> None:  # noqa: F811
    """A-FREI2 (Arabisch) is pinned to team-1 without a day, D-FREI4 to team-1 alone too.
    The table of pins lists both (before: only pins with a day), A-FREI2 with the note
    the next re-plan gives as its reason (team-1 speaks no Arabisch), D-FREI4 without one;
    their day reads „beliebig“."""
    _, store, first, _ = site
    plan = _newest(store, first)
    clean += ["A-FREI2", "D-FREI4"]
    _store_pin(store, "A-FREI2", "team-1", None)
    _store_pin(store, "D-FREI4", "team-1", None)
    page = kora.get(f"/plaene/{plan.id}").text
    notes = pin_notes(page)
    assert notes.get("A-FREI2") == NEVER_1_STORED, notes
    assert notes.get("D-FREI4") == "", notes
    row = re.search(r'data-label="Festgelegt">A-FREI2</td>(.*?)</tr>', page, re.S).group(1)
    assert '<td role="cell" data-label="Tag">beliebig</td>' in row, row
    v2 = store.load_plan(_replan(kora, store, plan.id))
    reasons = {u.client_id: u.reason for u in v2.unassigned}
    assert reasons.get("A-FREI2", "").endswith(f": {NEVER_1_STORED}"), reasons.get("A-FREI2")


# --------------------------------------------------------------------------- #11


def test_the_pin_form_does_not_repeat_a_case_id_that_looks_like_a_name(
        site: tuple[str, object, str, Path], kora: httpx.Client,  # noqa: F811
        clean: list[str]) -> None:  # noqa: F811
    """A case imported after the plan whose id has two words of letters („AB 12CD“, which
    the import takes) and who speaks Arabisch is pinned to team-1: the refusal says why
    without the id (as the form's field keeps it out), where one of the usual form keeps
    it („A-NEU1: …“). The language is named: the plan page shows the clients' languages
    anyway (each team-day's sheet, „Sprache: Arabisch“, and the reasons of „Nicht
    eingeplant“)."""
    from hausbesuch.config import load_profile
    from hausbesuch.errors import UserError
    from hausbesuch.web import casework_api

    _, store, first, folder = site
    plan = _newest(store, first)
    with open(folder / "neu.csv", "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort", "Sprache"])
        w.writerow(["AB 12CD", "Geheimname 900", "Am Markt", "16", "36251", CITY, "Arabisch"])
        w.writerow(["A-NEU1", "Geheimname 901", "Am Markt", "16", "36251", CITY, "Arabisch"])
    casework_api.import_clients(store, load_profile("bad-hersfeld"), str(folder / "neu.csv"),
                                "kora")
    said = f"{NEVER_1} Bitte ein Team wählen, das ihn übernehmen kann (team-2, team-3)."
    r = pin(kora, plan.id, "AB 12CD", f"team-1|{FRI}")
    assert r.status_code == 400, r.status_code
    assert pin_alert(r.text) == said, pin_alert(r.text)
    assert "AB 12CD" not in r.text
    with pytest.raises(UserError) as refused:
        casework_api.pin_visit(store, CITY, "kora", "AB 12CD", plan.id, team="team-1",
                               day=FRI, minutes=None)
    assert str(refused.value) == said
    r = pin(kora, plan.id, "A-NEU1", f"team-1|{FRI}")
    assert pin_alert(r.text) == f"A-NEU1: {said}", pin_alert(r.text)


# --------------------------------------------------------------------------- #5


def test_a_team_that_never_can_is_worded_for_any_language_name() -> None:
    """No article before a language (before: „kein Gebärdensprache“, „kein Leichte
    Sprache“), and several are one „weder … noch“ (before: „kein Arabisch und kein Türkisch
    und kein …“)."""
    from hausbesuch.planning.builder import VisitNeeds
    from hausbesuch.teams import TeamConfig

    team = TeamConfig("team-1", skills=frozenset({"Deutsch"}))
    assert VisitNeeds(("Gebärdensprache",)).lacks(team) == "spricht Gebärdensprache nicht"
    assert VisitNeeds(("Leichte Sprache",)).lacks(team) == "spricht Leichte Sprache nicht"
    assert VisitNeeds(("Arabisch", "Türkisch")).lacks(team) == \
        "spricht weder Arabisch noch Türkisch"
    assert VisitNeeds(("Arabisch", "Deutsch", "Türkisch", "Gebärdensprache")).lacks(team) == \
        "spricht weder Arabisch, Türkisch noch Gebärdensprache"


def test_when_no_team_can_the_fix_is_worded_per_cause_and_per_where_the_teams_come_from(
) -> None:
    """No team of the plan may take the visit: team-1 lacks the language, team-2 the
    district (hard responsibility). The fix names both columns (before: only the pinned
    team's), and where to change them: in a plan the teams and plan again (the city's
    teams: page or ``teams --set``; a ``--teams`` file: that file), in a re-plan that only
    a new plan uses changed teams, in the web its page only (before, always „Seite
    „Teams““, and a new plan was told „erst ein neuer Plan“)."""
    from hausbesuch.planning.builder import VisitNeeds
    from hausbesuch.planning.workflow import _pin_never_text
    from hausbesuch.teams import TeamConfig

    teams = (TeamConfig("team-1", districts=("Hohe Luft",)),
             TeamConfig("team-2", skills=frozenset({"Arabisch"}),
                        districts=("Johannesberg",)))
    needs = VisitNeeds(("Arabisch",), "Hohe Luft", "hard",
                       ("Hohe Luft", "Johannesberg", "Kernstadt"))
    cause = ("Team „team-1“ spricht Arabisch nicht und kann den Besuch daher an keinem Tag "
             "übernehmen. ")
    cols = "Spalten „sprachen“ und „stadtteile“"
    assert _pin_never_text(teams[0], needs, teams, replan=False) == (
        f"{cause}Auch kein anderes Team kann ihn übernehmen: bitte die Festlegung aufheben "
        f"oder die Teams ändern ({cols} der Teams der Stadt: Seite „Teams“ oder hausbesuch "
        "teams --set) und neu planen.")
    assert _pin_never_text(teams[0], needs, teams, replan=False, teams_file=True) == (
        f"{cause}Auch kein anderes Team kann ihn übernehmen: bitte die Festlegung aufheben "
        f"oder die Teams-Datei ändern ({cols}) und neu planen.")
    assert _pin_never_text(teams[0], needs, teams) == (
        f"{cause}Auch kein anderes Team des Plans kann ihn übernehmen: bitte die Festlegung "
        "aufheben. Eine Neuplanung behält die Teams des Plans; erst ein neuer Plan nutzt "
        f"geänderte Teams ({cols} der Teams der Stadt: Seite „Teams“ oder hausbesuch teams "
        "--set).")
    assert _pin_never_text(teams[0], needs, teams, teams_file=True).endswith(
        f"erst ein neuer Plan nutzt geänderte Teams ({cols} der Teams-Datei (--teams)).")
    assert _pin_never_text(teams[0], needs, teams, pinned=False, web=True) == (
        f"{cause}Auch kein anderes Team des Plans kann ihn übernehmen. Eine Neuplanung "
        "behält die Teams des Plans; erst ein neuer Plan nutzt geänderte Teams (Seite "
        f"„Teams“, {cols}).")
    # the language alone: one column
    soft = VisitNeeds(("Arabisch",), "Hohe Luft", "soft")
    assert _pin_never_text(teams[0], soft, teams[:1], web=True).endswith(
        "(Seite „Teams“, Spalte „sprachen“).")


