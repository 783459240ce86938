"""Session 37: a new plan prefers, where there is room, the days on which the
announcement letters written today are already in the letter box (``[brief]
postlaufzeit_werktage``, :func:`hausbesuch.letters.arrival_day`). A Lauf week planned on
Friday 08.01.2027 from Monday 11.01. put 15 of 22 visits on Tuesday 12.01., the day the
letters arrive, while both teams were free from Wednesday on; the plan's late-letter note
then told the coordinator to phone them all.

A real plan of Lauf through the command line, the clock set to that Friday: the visits a
letter announces go after Tuesday where they may; a visit that can only be on Tuesday (a
window „Di 10-12“, a day fixed in the list) stays there, and only those are in the note.
The rule itself (which visits prefer the later days, and from which day) is tested on its
own; the solver's side in tests/test_routing_early.py.
"""

from __future__ import annotations

import csv
import random
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest

from hausbesuch.casework.rules import Directive, WorkCalendar
from hausbesuch.config import load_profile
from hausbesuch.fields import format_day
from hausbesuch.letters import announcements, arrival_day
from hausbesuch.plandata import Client, Geocode
from hausbesuch.planning.builder import (
    Candidate,
    Span,
    after_letters,
    announced_by_letter,
    make_candidate,
)
from hausbesuch.planning.report import LATE_LETTER_NOTE
from hausbesuch.store import Store
from tests.cli_helpers import ClockedCli

FRIDAY = date(2027, 1, 8)
MONDAY = date(2027, 1, 11)
TUESDAY = date(2027, 1, 12)  # the letters of Friday arrive (2 working days)
RATHAUS = (11.2795, 49.5103)
HEADER = ["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort", "Kontaktabbruch seit",
          "Sprache", "Zeitfenster", "Angekündigt ab", "Besuchsdauer", "Notiz", "Datum"]
ON_TUESDAY = {"L000": "window", "L001": "window", "L002": "pin"}


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory, lauf_pbf: Path) -> Path:
    """16 clients near Lauf's town hall: two seen only on Tuesdays 10-12, one whose day the
    list fixes to Tuesday, the others free."""
    from geodata.geocode import load_index
    from hausbesuch.demo import real_addresses

    addrs = random.Random(3).sample(
        real_addresses(load_index(lauf_pbf), near=RATHAUS, at_least=120), 16)
    path = tmp_path_factory.mktemp("postday") / "kunden.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        for i, (street, hn, pc, town) in enumerate(addrs):
            cid = f"L{i:03d}"
            w.writerow([cid, f"Testperson {i}", street, hn, pc, town or "Lauf a.d. Pegnitz",
                        "01.01.2024", "", "Di 10-12" if ON_TUESDAY.get(cid) == "window"
                        else "", "", "", "",
                        "12.01.2027" if ON_TUESDAY.get(cid) == "pin" else ""])
    return path


def test_a_week_planned_on_friday_puts_the_visits_after_the_letters_arrive(
        tmp_path: Path, clients: Path) -> None:
    db = f"sqlite:///{tmp_path / 'p.sqlite'}"
    out = ClockedCli(FRIDAY).ok(
        "plan", str(clients), "--city", "lauf", "--start", MONDAY.isoformat(), "--days", "5",
        "--out", str(tmp_path / "woche"), "--db", db, "--time-limit", "2", "--threads", "1",
        "--seed", "1")
    with Store.open(db) as store:
        plan = store.load_plan(store.latest_plan("Lauf a.d. Pegnitz").id)
    assert not plan.unassigned, [(u.client_id, u.reason) for u in plan.unassigned]
    day = {a.client_id: a.day for a in announcements(plan) if not a.appointment}
    assert len(day) == 16, day
    early = sorted(cid for cid, d in day.items() if d <= TUESDAY)
    assert early == sorted(ON_TUESDAY), day  # the rest went to Wednesday to Friday
    (note,) = [n for n in plan.warnings if n.startswith(LATE_LETTER_NOTE)]
    assert f"für 3 Besuche bis dahin ({format_day(TUESDAY)}: 3)" in note, note
    assert note in " ".join(out.split())


def test_which_visits_prefer_the_days_after_the_letters() -> None:
    """From the day after the letters arrive; none when every day of the span lies after
    it or the profile has no post time. Only visits a letter announces whose day is open:
    not a day fixed in the list or on the web, not an appointment agreed at the door, not
    a window an earlier letter promised; a visit fixed to a team only is."""
    profile = load_profile("lauf")
    cal = WorkCalendar("BY")
    assert arrival_day(profile, FRIDAY) == TUESDAY
    assert after_letters(Span(MONDAY, 5, cal), profile, FRIDAY) == 2  # Wednesday
    assert after_letters(Span(date(2027, 1, 13), 3, cal), profile, FRIDAY) is None
    assert after_letters(Span(TUESDAY, 4, cal), profile, FRIDAY) == 1
    off = profile.model_copy(update={"brief": profile.brief.model_copy(
        update={"postlaufzeit_werktage": 0})})
    assert after_letters(Span(MONDAY, 5, cal), off, FRIDAY) is None

    where = Geocode("L1", 11.2795, 49.5103, "exact", 1.0, "Urlasstraße 22", "", "Lauf")
    client = Client(row=2, id="L1", address="Urlasstraße 22, 91207 Lauf an der Pegnitz")
    free = make_candidate(client, where, span=Span(MONDAY, 5, cal), profile=profile)
    assert isinstance(free, Candidate) and announced_by_letter(free)
    assert announced_by_letter(replace(free, pin_team="team-1"))
    assert not announced_by_letter(replace(free, pin_day=1))
    agreed = make_candidate(client, where, span=Span(MONDAY, 5, cal), profile=profile,
                            directive=Directive(status="offen",
                                                appointment=datetime(2027, 1, 12, 10)))
    assert isinstance(agreed, Candidate) and not announced_by_letter(agreed)
    assert not announced_by_letter(replace(free, promise=(datetime(2027, 1, 12, 10),
                                                          datetime(2027, 1, 12, 12))))
