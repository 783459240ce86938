"""The letter's address field for addresses as case-management exports write them
(QA 33b F2, F4), through the commands: a list imported into a fresh SQLite store, planned
on the real Bad Hersfeld extract, its letters read back with pypdf.

- a ``c/o``/``bei`` line in the Straße or Hausnummer cell stands once, above the street,
  also when the house number is not in the map data (found at street level only);
- a PLZ cell that holds the town too (``36251 Bad Hersfeld``, Ort empty) gives one
  ``36251 Bad Hersfeld`` line, not the town twice.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from tests import test_letters_details as details
from tests.cli_helpers import ClockedCli, city_db

BEFORE = date(2026, 12, 1)
MONDAY = date(2026, 12, 7)

LIST = """\
Kundennummer;Name;Straße;Hausnummer;PLZ;Ort;Kontaktabbruch seit
S-1;Eva Stein;c/o Meier, Neumarkt;40;36251;Bad Hersfeld;12.03.2025
S-2;Ida Stein;Neumarkt;40 c/o Meier;36251;Bad Hersfeld;12.03.2025
S-3;Ole Stein;bei Meier, Neumarkt;40;36251;Bad Hersfeld;12.03.2025
S-4;Uta Stein;Neumarkt 40, c/o Meier;;36251;Bad Hersfeld;12.03.2025
R-11;Ærøskøbing, Søren;Johannesstraße;3;36251 Bad Hersfeld;;12.03.2025
"""


@pytest.fixture(scope="module")
def letters(tmp_path_factory, bad_hersfeld_pbf) -> Path:
    """The letters of a one-day plan of :data:`LIST`."""
    tmp = tmp_path_factory.mktemp("address_field")
    ok = ClockedCli(BEFORE).ok
    db = city_db(str(tmp / "s.sqlite"))
    (tmp / "k.csv").write_text(LIST, encoding="utf-8")
    ok("import", str(tmp / "k.csv"), *db)
    out = ok("plan", *db, "--start", MONDAY.isoformat(), "--days", "1", "--out",
             str(tmp / "plan"), "--time-limit", "1", "--threads", "1")
    assert "5 geplant" in out, out
    plan_id = re.search(r"Plan (\S+):", out)[1]
    out = ok("letters", plan_id, "--db", str(tmp / "s.sqlite"), "--out", str(tmp / "briefe"))
    assert "Kein Brief" not in out, out
    return tmp / "briefe"


@pytest.mark.parametrize("cid", ["S-1", "S-2", "S-3", "S-4"])
def test_a_care_of_line_stands_once_above_the_street(letters, cid):
    lines = details._address_lines(letters / f"brief_{cid}.pdf")
    care = "bei Meier" if cid == "S-3" else "c/o Meier"
    assert lines[1:] == [care, "Neumarkt 40", "36251 Bad Hersfeld"], lines


def test_a_postcode_cell_with_the_town_writes_the_town_once(letters):
    lines = details._address_lines(letters / "brief_R-11.pdf")
    assert lines == ["Søren Ærøskøbing", "Johannesstraße 3", "36251 Bad Hersfeld"], lines
