"""Review 38 #2: the plan page's and *Ergebnisse*' note „Adresse seit dem Plan geändert“
(:meth:`Casework.visits_at_old_place`) read each visit's stop and geocode again, two SQL
statements per visit ahead, on every view, for a list that gives points (Breite/Länge) or
c/o lines: 86 statements for 40 visits. The stops and geocodes are read in one query per
400 now, so the count does not grow with the visits (counted, not timed: real SQLite,
the real Lauf extract, plans made by the command line)."""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event

from hausbesuch import clock
from tests.cli_helpers import ClockedCli

pytestmark = pytest.mark.slow  # (two real plans, ~10 s)

CITY = "Lauf a.d. Pegnitz"


def _statements(tmp: Path, pbf: Path, n: int, monkeypatch: pytest.MonkeyPatch) -> int:
    from geodata.geocode import load_index
    from hausbesuch.config import load_profile
    from hausbesuch.demo import real_addresses
    from hausbesuch.store import Store
    from hausbesuch.web import casework_api

    index = load_index(pbf)
    addrs = random.Random(3).sample(real_addresses(index, near=(11.2795, 49.5103),
                                                   at_least=200), n)
    path = tmp / f"k{n}.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort",
                    "Kontaktabbruch seit", "Breite", "Länge"])
        for i, (street, hn, pc, town) in enumerate(addrs):
            g = index.geocode(f"{street} {hn}, {pc} {town or CITY}")
            w.writerow([f"L{i:03d}", f"T {i}", street, hn, pc, town or CITY, "01.01.2024",
                        f"{g.lat:.6f}".replace(".", ","), f"{g.lon:.6f}".replace(".", ",")])
    db = f"sqlite:///{tmp / f'p{n}.sqlite'}"
    ClockedCli(date(2027, 1, 8)).ok("plan", str(path), "--city", "lauf", "--start", "2027-01-11",
                                "--days", "5", "--out", str(tmp / f"w{n}"), "--db", db,
                                "--time-limit", "1", "--threads", "1", "--seed", "1")
    monkeypatch.setenv(clock.ENV, "2027-01-08")
    with Store.open(db) as store:
        plan = store.load_plan(store.latest_plan(CITY).id)
        ahead = sum(len(r.stops) for r in plan.routes)
        count = [0]

        def one(*_args: object) -> None:
            count[0] += 1

        event.listen(store.engine, "before_cursor_execute", one)
        moved = casework_api.moved_since_plan(store, load_profile("lauf"), "kora", plan.id)
        event.remove(store.engine, "before_cursor_execute", one)
    assert moved == [] and ahead >= n // 2, (moved, ahead)
    return count[0]


def test_the_old_place_note_reads_the_same_few_statements_for_more_visits(
        tmp_path: Path, lauf_pbf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    few = _statements(tmp_path, lauf_pbf, 10, monkeypatch)
    many = _statements(tmp_path, lauf_pbf, 30, monkeypatch)
    assert many == few, (few, many)
