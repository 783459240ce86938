"""QA 38 F3 on the command line: ``hausbesuch status`` names a visit ahead that the plan
still sends to the case's old address, by the rule of the fix's confirmation: a list that
moved the case, an address fix by text made after the plan (looked up as planning does),
each while it holds, with the letter that went to the old address. Real SQLite, the real
Bad Hersfeld extract, the command line as users run it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.test_casework_qa33 import FIRST, MON, TOWN, _list, _planned

pytestmark = pytest.mark.slow


def _said(out: str) -> str:
    return " ".join(out.split())


def test_status_names_a_visit_still_at_the_old_address(tmp_path: Path,
                                                       bad_hersfeld_pbf: Path) -> None:
    from hausbesuch.fields import format_moment
    from hausbesuch.store import CaseVisitRow, Store

    path, db, pid = _planned(tmp_path)
    with Store.open(path) as store, store.session() as s:
        at = {v.client_id: v.start_at for v in s.query(CaseVisitRow)}
    assert "Adresse seit dem Plan" not in MON.ok("status", "K-1", *db)
    MON.ok("letters", pid, "--out", str(tmp_path / "briefe"), *db)

    # the list moves K-1: the plan still goes to the old address, whose letter went there
    MON.ok("import", str(_list(tmp_path / "b.csv", [
        ("K-1", f"Hainstraße 2, {TOWN}", "", "", ""), FIRST[1]])), *db)
    out = _said(MON.ok("status", "K-1", *db))
    assert (f"Hinweis: K-1: Adresse seit dem Plan geändert (Besuch am "
            f"{format_moment(at['K-1'])} noch an der alten Adresse; der Brief vom Mo, "
            f"07.12.2026 ging an die alte Adresse); bitte neu planen (hausbesuch replan "
            f"{pid} --from …).") in out, out
    # put back to the address the plan visits: nothing waits
    MON.ok("import", str(_list(tmp_path / "c.csv", FIRST)), *db)
    assert "Adresse seit dem Plan" not in MON.ok("status", "K-1", *db)

    # an address fix by text made after the plan (K-2): looked up as planning does
    assert "Adresse seit dem Plan" not in MON.ok("status", "K-2", *db)
    MON.ok("address", "K-2", "--set-address", f"Klausstraße 12, {TOWN}", *db)
    out = _said(MON.ok("status", "K-2", *db))
    assert re.search(r"Hinweis: K-2: Adresse seit dem Plan geändert \(Besuch am "
                     rf"{re.escape(format_moment(at['K-2']))} noch an der alten Adresse; "
                     r"der Brief vom Mo, 07\.12\.2026 ging an die alte Adresse\); bitte neu "
                     rf"planen \(hausbesuch replan {pid} --from …\)\.", out), out
    # ... and one to the very address the plan visits says nothing
    MON.ok("address", "K-2", "--set-address", FIRST[1][1], *db)
    assert "Adresse seit dem Plan" not in MON.ok("status", "K-2", *db)
