"""Revisit rules (``hausbesuch.casework.rules``) with dates pinned by hand.

The simulated weeks of ``test_casework_cycle`` check the rules on stored data; these pure
tests pin the working-day arithmetic and the counting of failed tries to dates worked out
by hand (Hessen, December 2026: Fr 25.12. and Sa 26.12. are holidays, 24.12. is a working
day; Neujahr Fr 01.01.2027), so that they do not move with the calendar code.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from hausbesuch.casework.rules import PastOutcome, WorkCalendar, directive

HE = WorkCalendar("HE")


def test_working_days_skip_weekends_and_hessian_holidays() -> None:
    assert date(2026, 12, 4).weekday() == 4  # a Friday
    assert HE.is_working_day(date(2026, 12, 4)) is True
    assert HE.is_working_day(date(2026, 12, 5)) is False  # Saturday
    assert HE.is_working_day(date(2026, 12, 6)) is False  # Sunday
    assert HE.is_working_day(date(2026, 12, 24)) is True  # Heiligabend: no holiday in HE
    assert HE.is_working_day(date(2026, 12, 25)) is False  # 1. Weihnachtstag (Friday)
    # Fri + 2 working days = Tue; Fri + 1 = Mon; n = 0 is the day itself
    assert HE.add_working_days(date(2026, 12, 4), 2) == date(2026, 12, 8)
    assert HE.add_working_days(date(2026, 12, 4), 1) == date(2026, 12, 7)
    assert HE.add_working_days(date(2026, 12, 4), 0) == date(2026, 12, 4)
    # Wed 23.12. + 2: Thu 24.12. works; 25.12. holiday, 26./27. weekend -> Mon 28.12.
    assert HE.add_working_days(date(2026, 12, 23), 2) == date(2026, 12, 28)
    # Mon 28.12. + 5: Tue..Thu 29.-31.12., Fri 01.01.2027 Neujahr, Mon 04.01., Tue 05.01.
    assert HE.add_working_days(date(2026, 12, 28), 5) == date(2027, 1, 5)


@pytest.mark.parametrize(("result", "earliest", "text"), [
    ("nicht_angetroffen", date(2026, 12, 8), "Di, 08.12.2026"),  # Fri + 2 working days
    ("nachricht_hinterlassen", date(2026, 12, 11), "Fr, 11.12.2026"),  # Fri + 5
])
def test_wait_after_a_failed_try_on_a_friday(result: str, earliest: date, text: str) -> None:
    d = directive([PastOutcome(date(2026, 12, 4), result, 600)], calendar=HE)
    assert d.status == "offen" and d.plannable and d.by_outcomes
    assert d.earliest == earliest
    assert d.failed_tries == 1 and d.tries == 1
    assert d.avoid == frozenset({(4, "vormittag")})
    assert f"frühestens wieder am {text}, nicht erneut Freitagvormittag" in d.reason


# two misses, then an appointment agreed at the door (contact), then a miss again
AFTER_CONTACT = [
    PastOutcome(date(2026, 12, 7), "nicht_angetroffen", 540),
    PastOutcome(date(2026, 12, 8), "nicht_angetroffen", 540),
    PastOutcome(date(2026, 12, 9), "termin_vereinbart", 600, datetime(2026, 12, 10, 10, 0)),
    PastOutcome(date(2026, 12, 10), "nicht_angetroffen", 600),
]


def test_a_contact_resets_the_failed_tries() -> None:
    d = directive(AFTER_CONTACT, calendar=HE, max_failed_tries=3)
    # only the miss after the contact counts: not "in Klärung" after 3 misses in all
    assert d.status == "offen" and d.plannable
    assert d.failed_tries == 1 and d.tries == 4
    assert d.avoid == frozenset({(3, "vormittag")})  # Thursday morning only
    assert d.earliest == date(2026, 12, 14)  # Thu 10.12. + 2 working days
    assert d.reason.startswith("1. Versuch ohne Kontakt am Do, 10.12.2026")


def test_outcomes_are_taken_in_date_order_whatever_the_given_order() -> None:
    want = directive(AFTER_CONTACT, calendar=HE, max_failed_tries=3)
    assert directive(list(reversed(AFTER_CONTACT)), calendar=HE, max_failed_tries=3) == want
    shuffled = [AFTER_CONTACT[k] for k in (2, 0, 3, 1)]
    assert directive(shuffled, calendar=HE, max_failed_tries=3) == want
    # same day: the time of day decides which outcome is the last one
    morning = PastOutcome(date(2026, 12, 7), "nicht_angetroffen", 540)
    later = PastOutcome(date(2026, 12, 7), "angetroffen", 900)
    assert directive([later, morning], calendar=HE).status == "erreicht"


@pytest.mark.parametrize("status", ["in_klaerung", "abgeschlossen"])
def test_a_status_set_by_hand_stays_after_a_failed_try(status: str) -> None:
    d = directive([PastOutcome(date(2026, 12, 7), "nicht_angetroffen", 540)], status=status,
                  calendar=HE)
    assert d.status == status
    assert d.plannable is False
    assert d.by_outcomes is False


@pytest.mark.parametrize("status", ["offen", "erreicht"])
def test_a_failed_try_reopens_an_open_or_reached_case(status: str) -> None:
    d = directive([PastOutcome(date(2026, 12, 7), "nicht_angetroffen", 540)], status=status,
                  calendar=HE)
    assert d.status == "offen" and d.plannable and d.by_outcomes
    assert d.earliest == date(2026, 12, 9)
