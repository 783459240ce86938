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


