"""A plan whose time limit was too short to search says so (QA 34a F1).

Before, ``plan --time-limit 2`` of a 400-row list stored a plan of 0 visits with exit 0
and no word of the time. The solver reports ``stats["short_of_time"]``
(``tests/test_routing_deadline.py``); the plan carries a German note naming
``--time-limit`` on the command line and in ``index.html``. The smallest limit a plan
takes (0.1 s) gives a seeded run 160 rounds of the second phase, plenty for three visits;
the test lowers the rounds per second so that it gets 4, fewer than its least of 20, as a
machine too slow for its limit would: the note comes on any machine.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from tests.cli_helpers import ClockedCli

START = date(2026, 12, 7)  # a Monday
cli = ClockedCli(START)
ADDRESSES = [("Breitenstraße", "1"), ("Breitenstraße", "5"), ("Klausstraße", "34")]
NOTE = "Die Rechenzeit von 0,1 s war zu kurz für eine gründliche Suche"

pytestmark = pytest.mark.slow


def _list(path: Path) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort"])
        for k, (street, number) in enumerate(ADDRESSES):
            w.writerow([f"Z-{k}", f"Name {k}", street, number, "36251", "Bad Hersfeld"])
    return path


def _plan(tmp_path: Path, name: str, limit: str) -> tuple[str, Path]:
    out = tmp_path / name
    said = cli.ok("plan", str(_list(tmp_path / f"{name}.csv")), "--city", "bad-hersfeld",
                  "--db", f"sqlite:///{tmp_path / name}.sqlite", "--start", START.isoformat(),
                  "--days", "1", "--out", str(out), "--time-limit", limit, "--threads", "1")
    return said, out


def test_a_plan_at_a_tiny_time_limit_says_the_time_was_too_short(tmp_path, bad_hersfeld_pbf,
                                                                  monkeypatch):
    from routing import solve

    monkeypatch.setattr(solve, "LNS_ITERATIONS_PER_SECOND", 50)  # 0.1 s: 4 rounds
    said, out = _plan(tmp_path, "kurz", "0.1")
    assert ": 3 Zeilen: 3 geplant, 0 nicht eingeplant" in said, said  # placed all the same
    line = next(x for x in said.splitlines() if NOTE in x)
    assert line.startswith("Hinweis: ") and "--time-limit" in line, line
    assert NOTE in (out / "index.html").read_text(encoding="utf-8")


def test_a_plan_with_time_enough_has_no_such_note(tmp_path, bad_hersfeld_pbf):
    said, out = _plan(tmp_path, "genug", "1")
    assert "Rechenzeit" not in said, said
    assert "zu kurz für eine gründliche Suche" not in (out / "index.html").read_text(
        encoding="utf-8")


def test_a_replan_makes_the_note_anew():
    """The note is one a re-plan drops from the plan it starts from: its own search says
    whether it had time enough."""
    from types import SimpleNamespace

    from hausbesuch.planning.report import short_time_note
    from hausbesuch.planning.workflow import _REMADE_NOTE

    note = short_time_note(SimpleNamespace(stats={"short_of_time": True}, unassigned=()), 2.0)
    assert note is not None and note.startswith("Die Rechenzeit von 2 s war zu kurz ")
    assert _REMADE_NOTE.match(note)
    assert short_time_note(SimpleNamespace(stats={"short_of_time": False}, unassigned=()),
                           2.0) is None
