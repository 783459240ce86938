"""Session 38: the visits a re-plan adds (new cases, revisits) and whose letter is still to
be written prefer the days after the post brings a letter written on the re-plan's day,
as a new plan's do (session 37); the visits whose letter is out keep their promised day,
and the visits the teams already have keep their day also without a letter (review 38
#1); the version's note names, by case id, the visits whose letter comes too late, the
very ones ``hausbesuch letters`` then reports.

A real Lauf week through the command line: planned a week ahead (Monday 04.01.2027, its
letters in time), letters written then for all but three afternoon visits of Monday
11.01.; on that Monday four new cases come in (one seen only on Tuesdays 10-12), a morning
visit fails (nicht angetroffen: a revisit) and the week is re-planned from 12:00. The
letters written that Monday arrive on Wednesday 13.01.: before, the re-plan put the new
cases and the revisit on Tuesday and Wednesday, kept the three on Monday afternoon, and
said nothing.
"""

from __future__ import annotations

import csv
import random
import re
from datetime import date
from pathlib import Path

import pytest

from hausbesuch.config import load_profile
from hausbesuch.letters import announcements, arrival_day
from hausbesuch.planning.report import LATE_LETTER_REPLAN_NOTE
from hausbesuch.store import Store
from tests.cli_helpers import ClockedCli

# a plan, two letter runs, an import, outcomes and a re-plan of a real week (~25 s)
pytestmark = pytest.mark.slow

WEEK_BEFORE = date(2027, 1, 4)
MONDAY = date(2027, 1, 11)
TUESDAY = date(2027, 1, 12)
THURSDAY = date(2027, 1, 14)  # the first day after the letters of Monday arrive
CITY = "Lauf a.d. Pegnitz"
RATHAUS = (11.2795, 49.5103)
HEADER = ["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort", "Kontaktabbruch seit",
          "Sprache", "Zeitfenster", "Angekündigt ab", "Besuchsdauer", "Notiz", "Datum"]
FIRST, NEW = 16, 4
ON_TUESDAY = f"L{FIRST:03d}"  # a new case seen only on Tuesdays 10-12


def _write(path: Path, addrs: list[tuple[str, str, str, str]]) -> Path:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        for i, (street, hn, pc, town) in enumerate(addrs):
            cid = f"L{i:03d}"
            w.writerow([cid, f"Testperson {i}", street, hn, pc, town or CITY, "01.01.2024", "",
                        "Di 10-12" if cid == ON_TUESDAY else "", "", "", "", ""])
    return path


def test_a_replans_visits_without_a_letter_go_after_its_letters_arrive(
        tmp_path: Path, lauf_pbf: Path) -> None:
    from geodata.geocode import load_index
    from hausbesuch.demo import real_addresses
    from hausbesuch.planning.workflow import _REMADE_NOTE

    addrs = random.Random(3).sample(
        real_addresses(load_index(lauf_pbf), near=RATHAUS, at_least=120), FIRST + NEW)
    db = f"sqlite:///{tmp_path / 'p.sqlite'}"
    before, monday = ClockedCli(WEEK_BEFORE), ClockedCli(MONDAY)
    before.ok("plan", str(_write(tmp_path / "k1.csv", addrs[:FIRST])), "--city", "lauf",
              "--start", MONDAY.isoformat(), "--days", "5", "--out", str(tmp_path / "w1"),
              "--db", db, "--time-limit", "2", "--threads", "1", "--seed", "1")
    with Store.open(db) as store:
        v1 = store.load_plan(store.latest_plan(CITY).id)
    stops = sorted((r.day, s.start, s.client_id) for r in v1.routes for s in r.stops)
    noon = [cid for d, t, cid in stops if d == MONDAY and t.hour >= 12]
    morning = [(t, cid) for d, t, cid in stops if d == MONDAY and t.hour < 12]
    assert len(noon) >= 3 and morning, stops
    unlettered = noon[:3]
    lettered = sorted(cid for *_, cid in stops if cid not in unlettered)
    before.ok("letters", v1.id, "--out", str(tmp_path / "b1"), "--db", db, "--clients",
              ",".join(lettered))
    # Monday: four new cases, a morning visit failed, the rest re-planned from noon
    monday.ok("import", str(_write(tmp_path / "k2.csv", addrs)), "--city", "lauf", "--db", db)
    failed_at, failed = morning[0]
    (tmp_path / "erg.csv").write_text(
        "Kundennummer;Datum;Uhrzeit;Ergebnis;Termin;Notiz\n"
        f"{failed};{MONDAY:%d.%m.%Y};{failed_at:%H:%M};nicht angetroffen;;\n", encoding="utf-8")
    monday.ok("outcomes", str(tmp_path / "erg.csv"), "--city", "lauf", "--db", db)
    said = monday.ok("replan", v1.id, "--from", f"{MONDAY.isoformat()} 12:00", "--out",
                     str(tmp_path / "w2"), "--db", db, "--time-limit", "2", "--threads", "1",
                     "--seed", "1")
    with Store.open(db) as store:
        v2 = store.load_plan(store.latest_plan(CITY).id)
    assert v2.version == 2 and not v2.unassigned, [(u.client_id, u.reason)
                                                   for u in v2.unassigned]
    assert arrival_day(load_profile("lauf"), MONDAY) == date(2027, 1, 13)
    day = {a.client_id: a.day for a in announcements(v2)}
    # the visits announced a week ago keep their day (their letters promised it)
    was = {cid: d for d, _, cid in stops}
    kept = [cid for cid in lettered if cid != failed]
    assert {cid: day[cid] for cid in kept} == {cid: was[cid] for cid in kept}
    # the three without a letter stay where the teams have them (Monday afternoon: a
    # re-plan does not empty routes for letters not written, review 38 #1); those the
    # re-plan adds, whose letter is written on Monday, go after it arrives, but the one
    # that can only be on Tuesday: the new cases and the revisit
    assert {cid: day[cid] for cid in unlettered} == dict.fromkeys(unlettered, MONDAY)
    anew = [*(f"L{i:03d}" for i in range(FIRST, FIRST + NEW)), failed]
    assert day[ON_TUESDAY] == TUESDAY
    assert {cid: day[cid] for cid in anew if day[cid] < THURSDAY} == {ON_TUESDAY: TUESDAY}
    # the version's note names them by case id (no name), and the next re-plan makes its own
    (note,) = [n for n in v2.warnings if n.startswith(LATE_LETTER_REPLAN_NOTE)]
    assert note == (
        "Ankündigungsbriefe vom Tag der Neuplanung (Mo, 11.01.2027) sind erst am Mi, "
        "13.01.2027, im Briefkasten (Postlaufzeit 2 Werktage, im Profil [brief] "
        "postlaufzeit_werktage): für 4 Besuche bis dahin, die noch keinen Brief haben, "
        f"kommt ein Brief zu spät (Mo, 11.01.2027: {', '.join(sorted(unlettered))}; Di, "
        f"12.01.2027: {ON_TUESDAY}). Diese Besuche anders ankündigen (Telefon). Besuche "
        "mit einem schon geschriebenen Brief behalten ihr angekündigtes Zeitfenster."), note
    assert note in " ".join(said.split()) and "Testperson" not in note
    assert _REMADE_NOTE.match(note)
    # ... the very letters the letter run of that Monday finds too late
    out = " ".join(monday.ok("letters", v2.id, "--out", str(tmp_path / "b2"), "--db", db)
                   .split())
    late = re.findall(r"Brief kommt zu spät für den Besuch am [^(]+\(([^)]+)\)", out)
    assert sorted(late) == sorted([*unlettered, ON_TUESDAY]), out
