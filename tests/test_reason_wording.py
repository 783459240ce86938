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

    tail = ("(Sprache in der Kundenliste); Sprachen der Teams in ihrer Liste eintragen "
            "(Teams, Spalte „sprachen“).")
    assert language_reason(("Arabisch",), [T(), T("Türkisch")]) == f"Kein Team spricht Arabisch {tail}"
    assert language_reason(("Arabisch", "Türkisch"), [T("Arabisch"), T("Türkisch")]) == (
        f"Kein Team spricht Arabisch und Türkisch zugleich {tail}")
