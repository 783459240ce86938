"""QA 18b #12: reasons say which cause applies (a weekend window, a window too short) and
call a language a language."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from hausbesuch.casework.rules import WorkCalendar
from hausbesuch.config import load_profile
from hausbesuch.plandata import Client, Geocode, TimeSlot
from hausbesuch.planning.assemble import language_reason
from hausbesuch.planning.builder import Span, make_candidate

_CLIENT = Client(row=2, id="L-1068", address="Marktplatz 1, 91207 Lauf")
_WHERE = Geocode("L-1068", 11.2813, 49.5118, "exact", 1.0, "Marktplatz 1", "", "Altstadt")


@pytest.mark.parametrize(("slots", "reason"), [
    ((TimeSlot(frozenset({5}), 600, 720, "Sa 10-12"),),
     "Das Zeitfenster „Sa 10-12“ liegt am Samstag: Samstag ist kein Arbeitstag der Teams."),
    ((TimeSlot(frozenset({5, 6}), 600, 720, "Sa,So 10-12"),),
     "Das Zeitfenster „Sa,So 10-12“ liegt am Samstag und Sonntag: Samstag und Sonntag sind "
     "kein Arbeitstag der Teams."),
    ((TimeSlot(frozenset({1}), 600, 620, "Di 10-10:20"),),
     "Das Zeitfenster „Di 10-10:20“ ist kürzer als die Besuchsdauer (45 Min.)."),
    # a window that fits, on a weekday the span does not hold (Tuesday, Wed–Fri planned)
    ((TimeSlot(frozenset({1}), 600, 720, "Di 10-12"),),
     "Das Zeitfenster „Di 10-12“ liegt an keinem möglichen Tag (Mi, 06.01.2027 bis Fr, "
     "08.01.2027)."),
])
def test_a_window_reason_names_its_cause(slots, reason):
    span = Span(date(2027, 1, 6) if slots[0].text == "Di 10-12" else date(2027, 1, 4),
                3 if slots[0].text == "Di 10-12" else 5, WorkCalendar("HE"))
    u = make_candidate(replace(_CLIENT, zeitfenster=slots), _WHERE, span=span,
                       profile=load_profile("lauf"))
    assert u.code == "window_outside_span"
    assert u.reason == reason


def test_a_language_no_team_speaks_is_called_a_language():
    class T:
        def __init__(self, *skills: str) -> None:
            self.skills = frozenset(skills)

    tail = "(Sprache in der Kundenliste)."
    assert language_reason(("Arabisch",), [T(), T("Türkisch")]) == f"Kein Team spricht Arabisch {tail}"
    assert language_reason(("Arabisch", "Türkisch"), [T("Arabisch"), T("Türkisch")]) == (
        f"Kein Team spricht Arabisch und Türkisch zugleich {tail}")


def test_a_language_no_team_speaks_says_where_the_teams_get_it():
    """QA 36 #11b: „Sprachen der Teams in ihrer Liste eintragen (Teams, Spalte
    „sprachen“)“ named neither the web's page „Teams“ nor the teams file or command; the
    words are those of the pins' advice (``_teams_fix``), the web's without the command."""
    from hausbesuch.planning.workflow import _teams_fix
    from hausbesuch.web.app import web_reason

    class T:
        skills = frozenset({"Türkisch"})

    def reason(**kw: bool) -> str:
        return language_reason(("Arabisch",), [T()], _teams_fix(["sprachen"], web=False, **kw))

    city = reason(replan=False, teams_file=False)
    assert city == ("Kein Team spricht Arabisch (Sprache in der Kundenliste); bitte die Teams "
                    "ändern (Spalte „sprachen“ der Teams der Stadt: Seite „Teams“; hausbesuch "
                    "teams --set) und neu planen.")
    assert web_reason(city) == ("Kein Team spricht Arabisch (Sprache in der Kundenliste); "
                                "bitte die Teams ändern (Spalte „sprachen“ der Teams der Stadt: "
                                "Seite „Teams“) und neu planen.")
    assert reason(replan=False, teams_file=True) == (
        "Kein Team spricht Arabisch (Sprache in der Kundenliste); bitte die Teams-Datei "
        "ändern (Spalte „sprachen“) und neu planen.")
    assert reason(replan=True, teams_file=False) == (
        "Kein Team spricht Arabisch (Sprache in der Kundenliste). Eine Neuplanung behält die "
        "Teams des Plans; erst ein neuer Plan nutzt geänderte Teams (Spalte „sprachen“ der "
        "Teams der Stadt: Seite „Teams“; hausbesuch teams --set).")


def test_a_pin_to_a_team_without_that_day_says_what_is_left_to_do():
    """QA 33c L5: a pin to a team that does not exist, or to a team-day without a shift,
    says what the coordinator can do, offering only what is possible: a web pin is not
    called the list's; another team only when one works that day, another day only when
    the team works on one."""
    from hausbesuch.planning.builder import ShiftOverride
    from hausbesuch.planning.workflow import _pin_check
    from hausbesuch.teams import TeamConfig

    span = Span(date(2027, 1, 11), 2, WorkCalendar("BY"))  # Mo, Di
    teams = [TeamConfig("team-1"), TeamConfig("team-2")]
    ids = {"team-1", "team-2"}

    def pin(team: str, **kw) -> object:  # noqa: ANN003
        return make_candidate(_CLIENT, _WHERE, span=span, profile=load_profile("lauf"),
                              pin_team=team, pin_day=date(2027, 1, 11), **kw)

    gone = _pin_check(pin("team-9", pin_source="web"), ids)
    assert (gone.code, gone.reason) == (
        "pin_unknown_team", "Team „team-9“ gibt es nicht (Teams: team-1, team-2). Bitte die "
        "Festlegung aufheben oder ein anderes Team festlegen.")
    assert "„team-9“ laut Liste gibt es nicht" in _pin_check(pin("team-9"), ids).reason
    out = {("team-1", 0): ShiftOverride(removed=True, why="ist am Mo, 11.01.2027 abwesend "
                                        "(eingetragen)", undo="die Abwesenheit löschen"),
           ("team-1", 1): ShiftOverride(removed=True, why="ist am Di abwesend"),
           ("team-2", 0): ShiftOverride(removed=True, why="ist am Mo abwesend")}
    assert _pin_check(pin("team-1", pin_source="web"), ids, out, span, teams).reason == (
        "Festlegung im Web (Team team-1, Mo, 11.01.2027): Team „team-1“ ist am Mo, "
        "11.01.2027 abwesend (eingetragen). An dem Tag arbeitet auch kein anderes Team: "
        "bitte die Festlegung aufheben, oder die Abwesenheit löschen.")
    del out[("team-2", 0)]
    assert _pin_check(pin("team-1"), ids, out, span, teams).reason.endswith(
        "Bitte die Festlegung aufheben oder ein anderes Team (team-2) festlegen, oder die "
        "Abwesenheit löschen.")
    assert _pin_check(pin("team-2"), ids, out, span, teams) is None  # it works that day


def test_the_web_says_a_way_out_once_when_only_command_lines_told_two_apart() -> None:
    """Two absent teams, either of which could take the visit: the planner names both
    ways out with their commands; the web, without the commands, said „oder die
    Abwesenheit löschen (…) oder die Abwesenheit löschen (…)“. Now once; ways out that
    differ in more than the command stay."""
    from hausbesuch.planning.workflow import _absence_undo
    from hausbesuch.web.app import web_reason

    day = date(2026, 12, 16)
    undo = [_absence_undo(t, day) for t in ("auto", "rad", "fuss")]
    text = ("Team auto ist am Mi, 16.12.2026 abwesend (eingetragen). Team rad ist am Mi, "
            "16.12.2026 abwesend (eingetragen). Bitte ein anderes Zeitfenster vereinbaren, "
            f"oder {' oder '.join(undo)}.")
    assert web_reason(text) == (
        "Team auto ist am Mi, 16.12.2026 abwesend (eingetragen). Team rad ist am Mi, "
        "16.12.2026 abwesend (eingetragen). Bitte ein anderes Zeitfenster vereinbaren, "
        "oder die Abwesenheit löschen (Seite „Teams“, „Abwesenheiten“).")
    other = ("Bitte oder die Abwesenheit löschen (Seite „Teams“, „Abwesenheiten“) oder "
             "Team rad mit „Neu planen“ → „Team wieder einplanen“ zurückholen.")
    assert web_reason(other) == other
    # a repeated short word is not a way out
    assert web_reason("Team (a) oder Team (a).") == "Team (a) oder Team (a)."


def test_the_revisit_rule_of_a_window_reason_comes_before_the_ways_out() -> None:
    """Reason2 notes (session 37): the revisit rule that narrowed a client's windows was
    put in parentheses after the last way out („…, oder die Abwesenheit löschen (…)
    (Regel für erneute Besuche: …).“), as if it belonged to it; now a sentence of its own
    before „Bitte“. A reason without ways out keeps it in parentheses at its end."""
    from hausbesuch.planning.assemble import with_revisit_rule

    note = ("1. Versuch ohne Kontakt am 14.12.2026 (nicht angetroffen): frühestens wieder "
            "am 16.12.2026, nicht erneut Montagvormittag")
    why = ("Das Zeitfenster liegt am Mi, 16.12.2026; dann hat kein Team eine Schicht: Team "
           "auto ist am Mi, 16.12.2026 abwesend (eingetragen). Bitte ein anderes Zeitfenster "
           "vereinbaren, oder die Abwesenheit löschen (Seite „Teams“, „Abwesenheiten“).")
    assert with_revisit_rule(why, note) == (
        "Das Zeitfenster liegt am Mi, 16.12.2026; dann hat kein Team eine Schicht: Team "
        "auto ist am Mi, 16.12.2026 abwesend (eingetragen). Regel für erneute Besuche: "
        f"{note}. Bitte ein anderes Zeitfenster vereinbaren, oder die Abwesenheit löschen "
        "(Seite „Teams“, „Abwesenheiten“).")
    plain = ("Das Zeitfenster ist in keiner Schicht erreichbar: Hin- und Rückweg, "
             "Besuchsdauer und Pause passen nicht in die Arbeitszeit.")
    assert with_revisit_rule(plain, note) == (
        f"{plain[:-1]} (Regel für erneute Besuche: {note}).")


@pytest.mark.parametrize("start", [date(2026, 12, 14), date(2027, 1, 4),
                                   date(2027, 1, 6)])  # (Wed–Fri: no Tuesday in it)
def test_a_window_the_revisit_rule_excludes_for_good_says_no_plan_can_take_it(start):
    """QA 38 F2: a client whose only window is „Di 10-12“, not met on Tuesday 08.12.2026 at
    10:05: the rule forbids Tuesday mornings until a contact, so no plan can place a
    visit; each week's plan said „… keine Besuchszeit“ (the re-plan „kommt in den nächsten
    Plan“), and the case stayed open without a try, for weeks. Now every plan says that
    window and rule exclude each other and what to do. A window with a free afternoon
    left keeps the old reason (another week may hold it)."""
    from hausbesuch.casework.rules import PastOutcome, directive
    from hausbesuch.web.app import web_reason

    missed = directive([PastOutcome(date(2026, 12, 8), "nicht_angetroffen", 10 * 60 + 5)],
                       calendar=WorkCalendar("BY"))
    span = Span(start, 5 if start.weekday() == 0 else 3, WorkCalendar("BY"))
    tuesday = TimeSlot(frozenset({1}), 600, 720, "Di 10-12")
    u = make_candidate(replace(_CLIENT, zeitfenster=(tuesday,)), _WHERE, span=span,
                       profile=load_profile("lauf"), directive=missed)
    assert u.code == "revisit_rules_window", (u.code, u.reason)
    assert u.reason.startswith("Das Zeitfenster „Di 10-12“ und die Regel für erneute "
                               "Besuche (nicht am selben Wochentag zur selben Tageszeit "
                               "(vormittags/nachmittags) wie ein Versuch ohne Kontakt und "
                               "dort mindestens 120 Minuten Abstand zu dessen Uhrzeit) "
                               "schließen sich aus (1. Versuch "), u.reason
    assert u.reason.endswith(
        "): kein Plan nimmt den Besuch von selbst auf. Bitte den Besuch auf Tag und Uhrzeit "
        "im Zeitfenster festlegen (auf der Seite des Plans „Besuch verschieben oder "
        "festlegen“, oder Spalten „Datum“ und „Uhrzeit“ der Kundenliste), ein anderes "
        "Zeitfenster vereinbaren (Spalte „Zeitfenster“ der Kundenliste, dann die Liste "
        "erneut einlesen) oder den Fall auf „in Klärung“ setzen (hausbesuch status L-1068 "
        "--set in_klaerung)."), u.reason
    assert web_reason(u.reason).endswith(
        "oder den Fall auf „in Klärung“ setzen (unter „Fälle“ beim Fall).")
    # Tuesday 10–16: the afternoon stays, a plan may take it: not „for good“
    longer = TimeSlot(frozenset({1}), 600, 960, "Di 10-16")
    c = make_candidate(replace(_CLIENT, zeitfenster=(longer,)), _WHERE, span=span,
                       profile=load_profile("lauf"), directive=missed)
    assert getattr(c, "code", None) != "revisit_rules_window"
