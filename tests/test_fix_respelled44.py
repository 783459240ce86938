"""QA 44a: an address fix that survives next week's list writing the same door otherwise
(F1), no re-plan request when the list adopts the address of the fix (F4), report.csv of
a fixed address (F9), one person under two case ids (F2). Real SQLite (and PostgreSQL
for the import, which reads the stored cases), the real Bad Hersfeld extract, the command
line as users run it."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest

from tests.cli_helpers import ClockedCli, city_db

MON = ClockedCli(date(2026, 12, 7))
TOWN = "36251 Bad Hersfeld"


def _list(path: Path, rows: list[tuple[str, str]], *, names: dict[str, str] | None = None
          ) -> Path:
    """A client list: (id, address) per row; the names of ``names`` (else a made-up one
    per id, different for each)."""
    names = names or {}
    path.write_text("Kundennummer;Name;Adresse\n" + "".join(
        f"{cid};{names.get(cid, f'Erika Muster{n}')};{a}\n"
        for n, (cid, a) in enumerate(rows)), encoding="utf-8")
    return path


def _fixes(db: str) -> dict[str, tuple[str, bool]]:
    from hausbesuch.store import AddressFixRow, Store

    with Store.open(db) as store, store.session() as s:
        return {f.client_id: (f.source_address, f.stale) for f in s.query(AddressFixRow)}


def _report(path: Path) -> dict[str, dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {r["id"]: r for r in csv.DictReader(fh, delimiter=";")}


def _said(out: str) -> str:
    return " ".join(out.split())


#: the first list (Monday): K-1 a street only Hauneck has (not found with 36251), K-2 a
#: house number the extract lacks (street level), K-3 „Am Markt1“, K-4 a street of two
#: towns without its town (in doubt), K-5 a control without fix
FIRST = [("K-1", f"Nelkenweg 10, {TOWN}"), ("K-2", f"Breitenstraße 99, {TOWN}"),
         ("K-3", f"Am Markt1, {TOWN}"), ("K-4", "Hauptstraße 40"),
         ("K-5", f"Klausstraße 12, {TOWN}")]


def _fixed_and_planned(tmp_path: Path) -> tuple[str, list[str], str]:
    """FIRST imported, K-1 to K-4 fixed, planned for Tuesday: (database, its options,
    the plan id)."""
    path = str(tmp_path / "f.sqlite")
    db = city_db(path)
    MON.ok("import", str(_list(tmp_path / "a.csv", FIRST)), *db)
    MON.ok("address", "K-1", "--set-address", "Nelkenweg 10, 36282 Hauneck", *db)
    MON.ok("address", "K-2", "--set-point", "50.8668,9.7120", *db)
    MON.ok("address", "K-3", "--set-point", "50.86775,9.70480", *db)
    MON.ok("address", "K-4", "--set-address", "Hauptstraße 40", *db)
    out = MON.ok("plan", *db, "--start", "2026-12-08", "--days", "1", "--out",
                 str(tmp_path / "plan"), "--time-limit", "1", "--threads", "1")
    return path, db, re.search(r"Plan (\S+):", out)[1]


@pytest.mark.slow
def test_a_fix_survives_the_same_door_written_otherwise(tmp_path: Path,
                                                        bad_hersfeld_pbf: Path) -> None:
    """F1: next week's export writes the fixed doors in capitals, abbreviated, spaced and
    without the comma: the fixes hold (made for the address as read now), nothing is
    listed again, no re-plan is asked; nor for K-5 (no fix) written „Klausstr. 12“. A real
    change (another house number, another PLZ) still sets the fix aside and asks."""
    path, db, pid = _fixed_and_planned(tmp_path)
    respelled = [("K-1", f"NELKENWEG 10, {TOWN}"), ("K-2", f"Breitenstr. 99, {TOWN}"),
                 ("K-3", f"Am Markt 1 {TOWN}"), ("K-4", "HAUPTSTR. 40"),
                 ("K-5", f"Klausstr. 12, {TOWN}")]
    report = tmp_path / "bericht.csv"
    out = MON.ok("import", str(_list(tmp_path / "b.csv", respelled)), *db,
                 "--report", str(report))
    assert "5 aktualisiert" in out, out
    assert "gilt nicht mehr" not in out and "Adresse geändert" not in out, out
    assert all(r["grund"] == "" for r in _report(report).values()), _report(report)
    assert _fixes(path) == {cid: (a, False) for cid, a in respelled[:4]}
    assert "Alle Adressen offener Fälle in Bad Hersfeld sind gefunden" in MON.ok(
        "addresses", *db)
    for cid in ("K-1", "K-2", "K-3", "K-4", "K-5"):
        assert "Adresse seit dem Plan" not in MON.ok("status", cid, *db), cid

    # a real change: another house number (K-1), another PLZ (K-2), a town given (K-4)
    moved = [("K-1", f"NELKENWEG 12, {TOWN}"), ("K-2", "Breitenstr. 99, 36282 Hauneck"),
             respelled[2], ("K-4", f"Hauptstraße 40, {TOWN}"), respelled[4]]
    out = _said(MON.ok("import", str(_list(tmp_path / "c.csv", moved)), *db))
    assert "3 Adresskorrekturen gelten nicht mehr" in out, out
    fixes = _fixes(path)
    assert {cid for cid, (_a, stale) in fixes.items() if stale} == {"K-1", "K-2", "K-4"}
    assert fixes["K-3"] == (respelled[2][1], False)
    for cid in ("K-1", "K-2", "K-4"):
        assert f"{cid}: Adresse geändert, aber am " in out, out
    assert "K-3: Adresse geändert" not in out, out


@pytest.mark.slow
def test_no_replan_when_the_list_adopts_the_fixed_address(tmp_path: Path,
                                                          bad_hersfeld_pbf: Path) -> None:
    """F4: K-4 „Hauptstraße 40“ (no town) fixed to the house in Hauneck and planned there
    (the plan keeps „…, 36282 Hauneck (Unterhaun)“); the list then writes „Hauptstraße 40,
    36282 Hauneck“: the door and point of the visit, no re-plan asked by the import nor by
    ``status``. A floor added to it is a new address for the visit (the field reads it).
    F9: the plan's report.csv says the fixed addresses were fixed by hand, not the
    geocoder's „bitte PLZ/Ort prüfen“ the coordinator answered with the fix."""
    from hausbesuch.store import Store, VisitRow

    path, db, pid = _fixed_and_planned(tmp_path)
    rows = _report(tmp_path / "plan" / "report.csv")
    for cid in ("K-1", "K-4"):
        assert rows[cid]["status"] == "geplant", rows[cid]
        assert rows[cid]["grund"] == "Adresse von Hand korrigiert", rows[cid]
    assert rows["K-5"]["grund"] == "", rows["K-5"]
    with Store.open(path) as store, store.session() as s:
        stop = s.query(VisitRow).filter_by(plan_id=pid, client_id="K-4").one()
        assert stop.address == "Hauptstraße 40, 36282 Hauneck (Unterhaun)", stop.address
    adopted = [*FIRST[:3], ("K-4", "Hauptstraße 40, 36282 Hauneck"), FIRST[4]]
    out = MON.ok("import", str(_list(tmp_path / "b.csv", adopted)), *db)
    assert "1 aktualisiert" in out, out
    assert "Adresse geändert" not in out and "gilt nicht mehr" not in out, out
    assert "Adresse seit dem Plan" not in MON.ok("status", "K-4", *db)
    # found exactly where the fix put the case: the fix holds, not listed for review
    assert _fixes(path)["K-4"] == ("Hauptstraße 40, 36282 Hauneck", False)
    assert "K-4" not in MON.ok("addresses", *db)

    floor = [*FIRST[:3], ("K-4", "Hauptstraße 40, 2. OG, 36282 Hauneck"), FIRST[4]]
    out = _said(MON.ok("import", str(_list(tmp_path / "c.csv", floor)), *db))
    assert "K-4: Adresse geändert, aber am " in out and f"(Plan {pid})" in out, out
    assert "K-4: Adresse seit dem Plan geändert" in _said(MON.ok("status", "K-4", *db))


def test_a_fix_holds_when_the_list_adopts_its_address(tmp_path: Path,
                                                     bad_hersfeld_pbf: Path) -> None:
    """The Fachanwendung corrected too: next week's list gives the address the fix set
    (K-1 „Nelkenweg 10, 36282 Hauneck“, also respelled), so the fix holds — before, it
    was set aside as a changed address and the case listed for review again (QA 44a,
    fixfix's leftover: K-1018). A list that then moves away from it sets it aside."""
    path = str(tmp_path / "f.sqlite")
    db = city_db(path)
    MON.ok("import", str(_list(tmp_path / "a.csv", FIRST)), *db)
    MON.ok("address", "K-1", "--set-address", "Nelkenweg 10, 36282 Hauneck", *db)
    for n, typed in enumerate(("Nelkenweg 10, 36282 Hauneck", "NELKENWEG 10 36282 HAUNECK")):
        rows = [("K-1", typed), *FIRST[1:]]
        out = _said(MON.ok("import", str(_list(tmp_path / f"b{n}.csv", rows)), *db))
        assert "gilt nicht mehr" not in out and "gelten nicht mehr" not in out, out
        assert _fixes(path)["K-1"] == (typed, False)
        assert "K-1" not in MON.ok("addresses", *db)
    rows = [("K-1", "Nelkenweg 12, 36282 Hauneck"), *FIRST[1:]]
    out = _said(MON.ok("import", str(_list(tmp_path / "c.csv", rows)), *db))
    assert "1 Adresskorrektur gilt nicht mehr" in out, out
    assert _fixes(path)["K-1"][1] is True


def _audit_text(db: str) -> str:
    from hausbesuch.store import AuditRow, Store

    with Store.open(db) as store, store.session() as s:
        return "\n".join(f"{a.action} {a.client_id} {a.details}" for a in s.query(AuditRow))


#: one person under two ids (the name written two ways), two people at one door, the
#: same name at another door
TWICE = [("K-1036", f"Walnußweg 3, {TOWN}"), ("K-1037", "Walnussweg 3 Bad Hersfeld"),
         ("C-3014", f"Sandweg 17, {TOWN}"), ("C-3015", f"Sandweg 17, {TOWN}"),
         ("K-1040", f"Klausstraße 12, {TOWN}")]
NAMES = {"K-1036": "Jana Quaschnik", "K-1037": "QUASCHNIK, Jana", "C-3014": "Anna Sandner",
         "C-3015": "Otto Sandner", "K-1040": "Frau Jana Quaschnik"}
SAID = ("gleicher Name und gleiche Anschrift – doppelt angelegt? Bitte in der "
        "Fachanwendung prüfen")
#: ... and how to mark two people (the first two ids of the note)
HOW = ("(zwei Personen: auf der Seite des Falls als „andere Person“ vermerken; "
       "hausbesuch status K-1036 --other-person K-1037).")


@pytest.mark.parametrize("backend", ["sqlite",
                                     pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_one_person_under_two_ids_is_named_by_ids(tmp_path: Path, bad_hersfeld_pbf: Path,
                                                  backend: str, request) -> None:  # noqa: ANN001
    """F2: two rows of one name (written „Jana Quaschnik“ and „QUASCHNIK, Jana“) at one door
    under K-1036 and K-1037 were imported and planned twice without a word. The import
    names both ids, never the name (output, ``--report``, audit log); two names at one
    door and one name at another door say nothing. A later list holding only a new id
    for the person is compared with the stored open cases."""
    from tests.pg import pg_url, schema_url

    db = str(tmp_path / "f.sqlite") if backend == "sqlite" else schema_url(
        pg_url(), f"t_twice_{tmp_path.name[-12:].lower()}", request)
    report = tmp_path / "bericht.csv"
    out = MON.ok("import", str(_list(tmp_path / "a.csv", TWICE, names=NAMES)),
                 *city_db(db), "--report", str(report))
    assert f"K-1036 und K-1037: {SAID}" in _said(out), out
    assert _said(out).count(SAID) == 1, out
    rows = _report(report)
    for cid in ("K-1036", "K-1037"):
        assert rows[cid]["grund"] == f"K-1036 und K-1037: {SAID} {HOW}".rstrip("."), \
            rows[cid]
    for cid in ("C-3014", "C-3015", "K-1040"):
        assert rows[cid]["grund"] == "", rows[cid]
    for name in ("Jana", "Quaschnik", "Sandner"):
        assert name.casefold() not in out.casefold(), out
        assert name not in report.read_text("utf-8-sig")
        assert name not in _audit_text(db)
    assert "K-1036" in _audit_text(db) and "gleiche_person" in _audit_text(db)

    # next week only a new row, the person under a third id: the stored cases count
    out = _said(MON.ok("import", str(_list(tmp_path / "b.csv", [
        ("K-2001", f"Walnußweg 3, {TOWN}")], names={"K-2001": "Quaschnik, Jana"})),
        *city_db(db)))
    assert f"K-2001, K-1036 und K-1037: {SAID}" in out, out
    assert "Jana" not in out and "Quaschnik" not in out, out


@pytest.mark.slow
def test_a_plan_of_the_stored_cases_names_one_person_under_two_ids(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    """F2: ``plan`` without a list (the stored open cases) says it too, in its notes."""
    db = city_db(str(tmp_path / "f.sqlite"))
    MON.ok("import", str(_list(tmp_path / "a.csv", TWICE, names=NAMES)), *db)
    out = MON.ok("plan", *db, "--start", "2026-12-08", "--days", "1", "--out",
                 str(tmp_path / "plan"), "--time-limit", "1", "--threads", "1")
    assert f"K-1036 und K-1037: {SAID}" in _said(out), out
    assert "Jana" not in out and "Quaschnik" not in out, out
    pages = " ".join(p.read_text("utf-8") for p in (tmp_path / "plan").rglob("*.html"))
    assert f"K-1036 und K-1037: {SAID}" in _said(pages)


@pytest.mark.parametrize(("fixed_for", "listed", "same"), [
    (f"Nelkenweg 10, {TOWN}", f"NELKENWEG 10, {TOWN}", True),
    (f"Breitenstraße 99, {TOWN}", f"Breitenstr. 99, {TOWN}", True),
    (f"Am Markt1, {TOWN}", f"Am Markt 1 {TOWN}", True),
    ("Breitenstraße 24, 36251.0 Bad Hersfeld", f"Breitenstraße 24, {TOWN}", True),
    (f"Homberger Straße 116a, {TOWN}", f"Homberger Str. 116 A, {TOWN}", True),
    (f"Nelkenweg 10, {TOWN}", f"Nelkenweg 12, {TOWN}", False),  # another number
    (f"Nelkenweg 10, {TOWN}", "Nelkenweg 10, 36282 Hauneck", False),  # another PLZ
    (f"Nelkenweg 10, {TOWN}", f"Rosenweg 10, {TOWN}", False),  # another street
    ("Hauptstraße 40", f"Hauptstraße 40, {TOWN}", False),  # a PLZ given now
    ("Breitenstraße 26, Bad Hersfeld", "Breitenstraße 26, Hauneck", False),  # another town
    (f"Nelkenweg 10, {TOWN}", TOWN, False),  # no street
])
def test_the_door_an_address_fix_was_made_for(fixed_for: str, listed: str, same: bool
                                              ) -> None:
    """F1: the comparison of a fix's address with the list's (clients.same_door): the door
    as two rows of one case compare it, with postcode and town as each gives them."""
    from hausbesuch.clients import same_door

    assert same_door(fixed_for, listed) is same
    assert same_door(listed, fixed_for) is same


def test_which_cases_seem_one_person() -> None:
    """F2: the same name in any order, case, „Nachname, Vorname“ or with a salutation at
    one door (the postcode where both give one); not two names there, not one name at two
    doors or under two postcodes, not a surname alone, a placeholder or names that differ
    by a number (test lists: „Erika Muster K-1“)."""
    from hausbesuch.casework.service import same_person_groups

    people = [
        ("A-1", "Jana Quaschnik", f"Walnußweg 3, {TOWN}"),
        ("A-2", "QUASCHNIK, Jana", "Walnussweg 3"),
        ("A-3", "Frau Jana Quaschnik", "Walnußweg 3, 36282 Hauneck"),  # another PLZ...
        ("A-4", "Jana Quaschnik", f"Walnußweg 5, {TOWN}"),  # another door
        ("B-1", "Anna Sandner", f"Sandweg 17, {TOWN}"),
        ("B-2", "Otto Sandner", f"Sandweg 17, {TOWN}"),  # two people at one door
        ("C-1", "Sandner", f"Sandweg 19, {TOWN}"), ("C-2", "Sandner", f"Sandweg 19, {TOWN}"),
        ("D-1", "unbekannt", f"Sandweg 21, {TOWN}"), ("D-2", "-", f"Sandweg 21, {TOWN}"),
        ("D-3", "unbekannt", f"Sandweg 21, {TOWN}"),
        ("E-1", "Erika Muster K-1", f"Sandweg 23, {TOWN}"),
        ("E-2", "Erika Muster K-2", f"Sandweg 23, {TOWN}"),
    ]
    # (A-3 joins through A-2, which gives no PLZ: the door the duplicate rows compare)
    assert same_person_groups(people) == [["A-1", "A-2", "A-3"]]
    assert same_person_groups([p for p in people if p[0] != "A-2"]) == []


#: where the geocoder finds „Hauptstraße 40, 36282 Hauneck“ (QA 44a F4), as a coordinator
#: sets it on the map: beside the house, a few metres off
HAUNECK_40 = "50.83705,9.71590"


def test_a_fix_holds_when_the_list_completes_the_address_it_answered(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    """Closing 44 (fixfix's leftover, QA 44a K-1038): „Hauptstraße 40“ without a town, fixed
    to the house in Hauneck by a point (K-4) or by the address without town (K-6), then
    written by the list as „Hauptstraße 40, 36282 Hauneck“: found exactly where the fix
    puts the case, so the fix holds (was: set aside, listed for review again). The same
    door in Bad Hersfeld (no house 40 there), and a floor added, set the fix aside."""
    path = str(tmp_path / "f.sqlite")
    db = city_db(path)
    first = [*FIRST[:4], FIRST[4], ("K-6", "Hauptstraße 40")]
    MON.ok("import", str(_list(tmp_path / "a.csv", first)), *db)
    MON.ok("address", "K-4", "--set-point", HAUNECK_40, *db)
    MON.ok("address", "K-6", "--set-address", "Hauptstraße 40", *db)
    full = "Hauptstraße 40, 36282 Hauneck"
    out = _said(MON.ok("import", str(_list(tmp_path / "b.csv", [
        *FIRST[:3], ("K-4", full), FIRST[4], ("K-6", full)])), *db))
    assert "gilt nicht mehr" not in out and "gelten nicht mehr" not in out, out
    assert _fixes(path)["K-4"] == (full, False) and _fixes(path)["K-6"] == (full, False)
    listed = MON.ok("addresses", *db)
    assert "K-4" not in listed and "K-6" not in listed, listed

    out = _said(MON.ok("import", str(_list(tmp_path / "c.csv", [
        *FIRST[:3], ("K-4", f"Hauptstraße 40, {TOWN}"), FIRST[4],
        ("K-6", "Hauptstraße 40, 2. OG, 36282 Hauneck")])), *db))
    assert "2 Adresskorrekturen gelten nicht mehr" in out, out
    assert _fixes(path)["K-4"][1] is True and _fixes(path)["K-6"][1] is True


def test_one_person_stays_named_while_one_id_is_open(tmp_path: Path,
                                                     bad_hersfeld_pbf: Path) -> None:
    """QA 45c F3: once the person was met under K-1036 (status erreicht), the note went, and
    K-1037 was visited again. The pair stays named while one id is open, the other with
    its status, by the import (the list holding both, or only the open one) and by a plan
    of the stored cases; when no id of it is open, nothing is said."""
    path = str(tmp_path / "f.sqlite")
    db = city_db(path)
    MON.ok("import", str(_list(tmp_path / "a.csv", TWICE, names=NAMES)), *db)
    MON.ok("status", "K-1036", "--set", "erreicht", *db)
    met = f"K-1036 (erreicht) und K-1037: {SAID}"
    out = _said(MON.ok("import", str(_list(tmp_path / "b.csv", TWICE, names=NAMES)), *db))
    assert met in out, out
    out = _said(MON.ok("import", str(_list(tmp_path / "c.csv", TWICE[1:], names=NAMES)),
                       *db))
    assert f"K-1037 und K-1036 (erreicht): {SAID}" in out, out  # (the list's ids first)
    out = MON.ok("plan", *db, "--start", "2026-12-08", "--days", "1", "--out",
                 str(tmp_path / "plan"), "--time-limit", "1", "--threads", "1")
    assert met in _said(out), out
    MON.ok("status", "K-1037", "--set", "abgeschlossen", *db)
    out = _said(MON.ok("import", str(_list(tmp_path / "d.csv", TWICE, names=NAMES)), *db))
    assert SAID not in out, out
    assert "Jana" not in out and "Quaschnik" not in out, out
