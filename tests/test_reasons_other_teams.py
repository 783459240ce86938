"""QA 36 #6 through the planner on Lauf a.d. Pegnitz: a reason says why the teams it does
not name cannot take the visit, and a language no team speaks is the reason given first.

Two teams: nord speaks Arabisch and works until 12:00, mitte speaks nothing and works
until 16:00. The week of 4 January 2027 holds Heilige Drei Könige (Wednesday 6 January,
a holiday in Bayern).

- An Arabisch speaker wanting „Mo-Fr 14-16“: no shift of nord reaches the window, mitte's
  would. The reason named the working hours only, and the coordinator looked at mitte's
  free afternoons; now it adds „nur Team nord spricht Arabisch“.
- A Russisch speaker wanting „Mi vormittags“ (the holiday only): the reason was the
  holiday („kein Arbeitstag: Mi, 06.01.2027 …“), and that no team speaks Russisch was
  never said; it is the reason now (the teams must change first).
- A Russisch speaker whose Datum laut Liste lies before the week (and after today) keeps
  that reason: the plan of that day takes the visit (review 36 #11: it read „Kein Team
  spricht Russisch“ too, which only a case left out for its days or windows should).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

START = date(2027, 1, 4)  # a Monday; Wednesday is a holiday in Bayern
HEADER = ["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort", "Kontaktabbruch seit",
          "Sprache", "Zeitfenster", "Datum"]
ROWS = [("R-ARAB", "Arabisch", "Mo-Fr 14-16", ""), ("R-RUSS", "Russisch", "Mi vormittags", ""),
        ("R-FREI", "", "", ""), ("R-TAG", "Russisch", "", "31.12.2026")]
TODAY = date(2026, 12, 28)  # (the Datum of R-TAG lies after it, before the week)


def _clients(path: Path, lauf_pbf: Path) -> None:
    from geodata.geocode import load_index
    from hausbesuch.config import load_profile
    from hausbesuch.demo import real_addresses
    from hausbesuch.planning.builder import depot_lonlat

    index = load_index(lauf_pbf)
    near = depot_lonlat(load_profile("lauf"), index)
    addrs = sorted(real_addresses(index, near=near, at_least=40))[::7][:len(ROWS)]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        for i, ((cid, lang, window, day), (street, hn, pc, city)) in enumerate(
                zip(ROWS, addrs, strict=True)):
            w.writerow([cid, f"Grundname {i:03d}", street, hn, pc, city or "Lauf",
                        "01.03.2025", lang, window, day])


def test_a_reason_names_what_the_other_teams_lack_and_a_language_nobody_speaks_first(
        tmp_path: Path, lauf_pbf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hausbesuch import clock
    from hausbesuch.config import load_profile
    from hausbesuch.planning import PlanOptions, plan_week
    from hausbesuch.teams import TeamConfig

    monkeypatch.setenv(clock.ENV, TODAY.isoformat())
    clients = tmp_path / "kunden.csv"
    _clients(clients, lauf_pbf)
    teams = [TeamConfig("nord", skills=frozenset({"Arabisch"}), shift_end_min=12 * 60,
                        lunch_window=None),
             TeamConfig("mitte")]
    plan = plan_week(clients, profile=load_profile("lauf"), osm=lauf_pbf, teams=teams,
                     options=PlanOptions(start=START, days=5, time_limit=2, seed=1,
                                         threads=1)).plan
    why = {u.client_id: (u.code, u.reason) for u in plan.unassigned}
    assert why["R-ARAB"] == (
        "time_window", "Das Zeitfenster ist in keiner Schicht erreichbar: Hin- und Rückweg, "
                       "Besuchsdauer und Pause passen nicht in die Arbeitszeit (nur Team nord "
                       "spricht Arabisch).")
    assert why["R-RUSS"] == (
        "skill", "Kein Team spricht Russisch (Sprache in der Kundenliste); bitte die "
                 "Teams-Datei ändern (Spalte „sprachen“) und neu planen.")
    assert why["R-TAG"] == (
        "pin_before_span", "Datum laut Liste am Do, 31.12.2026 liegt vor dem "
                           "Planungszeitraum (Mo, 04.01.2027 bis Fr, 08.01.2027) und ist noch "
                           "nicht vorbei: der Plan jenes Tages nimmt den Besuch auf (ihn neu "
                           "planen).")
    planned = {s.client_id for r in plan.routes for s in r.stops}
    assert "R-FREI" in planned, why
