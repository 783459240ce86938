"""A client's own name typed before the street in the address cell („Ludmilla Wendehals
Breitenstraße 57“ of the client „Ludmilla Wendehals“): the geocoder does not see the
``Name`` column, read past the words in doubt and the address said „Adresse unsicher“.
The casework layer looks the address up without them (``Casework.locate``), as the bare
address is found, and notes how many words it left out, never which.

Through the real import path: a list in a CSV file, ``hausbesuch import``, ``addresses``
and ``plan`` against the real Bad Hersfeld extract and a real SQLite store.
"""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from tests.cli_helpers import ClockedCli, city_db

pytestmark = pytest.mark.slow

MONDAY = date(2026, 12, 7)
cli = ClockedCli(MONDAY)
NAMES = ("Ludmilla", "Wendehals", "Gisela", "Quaschning")
LIST = (
    "Kundennummer;Name;Adresse;Kontaktabbruch seit\n"
    "N-1;Ludmilla Wendehals;Ludmilla Wendehals Breitenstraße 57, 36251 Bad Hersfeld;01.03.2025\n"
    "N-2;Quaschning, Gisela;Quaschning Breitenstraße 5, 36251 Bad Hersfeld;01.03.2025\n"
    "B-1;Karl Kunz;Breitenstraße 57, 36251 Bad Hersfeld;01.03.2025\n"
    "B-2;Eva Kunz;Breitenstraße 5, 36251 Bad Hersfeld;01.03.2025\n"
    # a client Müller at „Müller Straße“ (no such street here): its name stays the street's
    "M-1;Hans Müller;Müller Straße 12, 36251 Bad Hersfeld;01.03.2025\n"
)


def _text_files(folder):  # noqa: ANN001, ANN202
    return {p: p.read_text(encoding="utf-8", errors="replace") for p in folder.rglob("*")
            if p.is_file() and p.suffix in {".html", ".csv", ".gpx", ".json", ".txt", ".js",
                                            ".geojson", ".md"}}


def _imported_and_planned(tmp_path, listed: str, new: int):  # noqa: ANN001, ANN202
    """The list ``listed`` imported (``new`` rows new), ``addresses`` and a one-day plan
    run through the command line on a real SQLite store: (db, what import, addresses and
    plan said, each client's place as ``Casework.locate`` gives it)."""
    from hausbesuch.casework.service import Casework
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store

    db = str(tmp_path / "s.sqlite")
    (tmp_path / "k.csv").write_text(listed, encoding="utf-8")
    out = cli.ok("import", str(tmp_path / "k.csv"), *city_db(db))
    assert f"{new} neu" in out, out
    problems = cli.ok("addresses", *city_db(db))
    plan_out = cli.ok("plan", *city_db(db), "--start", MONDAY.isoformat(), "--days", "1",
                      "--out", str(tmp_path / "plan"), "--time-limit", "1", "--threads", "1")
    with Store.open(db) as store:
        cw = Casework(store, load_profile("bad-hersfeld"), actor="test")
        loc = cw.locate([st.client for st in cw.states()])
    return db, out, problems, plan_out, loc


def _stored(db: str) -> tuple[str, str, str]:
    """The audit log, the plan's geocodes and its stops of the SQLite file ``db``, each
    row's repr on a line (to search for names)."""
    con = sqlite3.connect(db)
    try:
        return tuple("\n".join(map(repr, con.execute(f"SELECT * FROM {table}")))
                     for table in ("audit_log", "geocodes", "visits"))  # type: ignore[return-value]
    finally:
        con.close()


def _like_the_bare_addresses(loc, problems) -> None:  # noqa: ANN001
    """N-1 (two name words) and N-2 (one) found as their bare addresses B-1 and B-2, the
    words counted in the reason, and not listed as addresses to check."""
    for named, bare, words in (("N-1", "B-1", 2), ("N-2", "B-2", 1)):
        a, b = loc[named], loc[bare]
        assert (a.lon, a.lat, a.quality, a.match) == (b.lon, b.lat, b.quality, b.match), (a, b)
        assert not a.doubt and a.quality in ("exact", "interpolated"), a
        note = f"{words} {'Wort' if words == 1 else 'Wörter'} vor dem Straßennamen ignoriert"
        assert a.reason == f"{note} (Name des Kunden). {b.reason}".strip(), a.reason
        assert named not in problems, problems  # not listed as an address to check


def test_own_name_before_the_street_resolves_like_the_bare_address(tmp_path, bad_hersfeld_pbf):
    db, out, problems, plan_out, loc = _imported_and_planned(tmp_path, LIST, 5)
    _like_the_bare_addresses(loc, problems)
    assert "M-1" in problems  # „Müller Straße“ is not taken for a name before a street
    assert loc["M-1"].quality not in ("exact", "interpolated")

    # the name is in no output, no file of the plan, no audit row, no stored reason
    files = _text_files(tmp_path / "plan")
    assert any(p.name == "report.csv" for p in files), sorted(files)
    report = next(t for p, t in files.items() if p.name == "report.csv")
    assert "Adresse unsicher" not in "".join(
        line for line in report.splitlines() if "N-1" in line or "N-2" in line), report
    audit, geocodes, stops = _stored(db)
    assert "Name des Kunden" in geocodes, geocodes  # the note is kept with the plan
    assert "Breitenstraße 57" in stops and "Breitenstraße 5," in stops, stops  # planned
    for name in NAMES:
        for where, text in (("import", out), ("addresses", problems), ("plan", plan_out),
                            ("audit", audit), ("geocodes", geocodes), ("visits", stops), *files.items()):
            assert name not in text, (name, where)


@pytest.mark.parametrize(("address", "name", "bare"), [
    ("Anna Meier Breitenstraße 5, 36251 Bad Hersfeld", "Meier, Anna",
     ("Breitenstraße 5, 36251 Bad Hersfeld", 2)),
    ("Meier Breitenstraße 5", "Anna Meier", ("Breitenstraße 5", 1)),
    ("Anna von Meier Breitenstraße 5", "Anna von Meier", ("Breitenstraße 5", 3)),
    ("Müller Straße 12", "Hans Müller", None),  # the street's own name
    ("Hans Sachs Str. 3", "Hans Sachs", None),
    ("Am Berg 5", "Karl Berg", None),  # the name is no first word
    ("Vogelsang 5, 36251 Bad Hersfeld", "Anna Vogelsang", None),  # no street after it
    ("Meier 5, 36251 Bad Hersfeld", "Anna Meier", None),
    ("von Meier Breitenstraße 5", "Anna Meier", None),  # a particle begins no name
    ("Breitenstraße 5", "Anna Meier", None),
    ("Anna Meier Breitenstraße 5", None, None),
])
def test_own_name_before_street_only_before_a_street(address, name, bare):
    from hausbesuch.care_of import own_name_before_street

    assert own_name_before_street(address, name) == bare


COMMA_NAMES = ("Ludmilla", "Wendehals", "Meier")
COMMA_LIST = (
    "Kundennummer;Name;Adresse;Kontaktabbruch seit\n"
    # the own name and a comma, no town: the parser read the name as the town
    "N-1;Ludmilla Wendehals;Ludmilla Wendehals, Breitenstraße 57;01.03.2025\n"
    "N-2;Anna Meier;Meier, Breitenstraße 5;01.03.2025\n"
    "B-1;Karl Kunz;Breitenstraße 57;01.03.2025\n"
    "B-2;Eva Kunz;Breitenstraße 5;01.03.2025\n"
    # a real part of the address before the comma stays, also of a client named Markt
    "A-1;Karl Kunz;Am Markt, Breitenstraße 57;01.03.2025\n"
    "A-2;Anna Markt;Am Markt, Breitenstraße 57;01.03.2025\n"
)


def test_own_name_and_a_comma_before_the_street_resolves_like_the_bare_address(
        tmp_path, bad_hersfeld_pbf):
    """„Meier, Breitenstraße 5“ of the client Anna Meier, no town: the geocoder took
    „Meier“ for the town („Ort „Meier“ liegt nicht im Gebiet …“), the address was not
    found, and a list of such rows was refused as another city's, quoting the names. Now
    it is looked up without the name, as the bare address; „Am Markt, …“ keeps its part."""
    db, out, problems, plan_out, loc = _imported_and_planned(tmp_path, COMMA_LIST, 6)
    _like_the_bare_addresses(loc, problems)
    for kept in ("A-1", "A-2"):  # „Am Markt“ is no name of the client: not left out
        assert loc[kept].quality == "unresolved", loc[kept]
        assert f"{kept}: Am Markt, Breitenstraße 57 (nicht gefunden)" in problems, problems

    files = _text_files(tmp_path / "plan")
    report = next(t for p, t in files.items() if p.name == "report.csv")
    assert "Adresse „Am Markt, Breitenstraße 57“ nicht gefunden" in report, report
    audit, geocodes, stops = _stored(db)
    assert "'Breitenstraße 57'" in stops and "'Breitenstraße 5'" in stops, stops
    for name in COMMA_NAMES:
        for where, text in (("import", out), ("addresses", problems), ("plan", plan_out),
                            ("audit", audit), ("geocodes", geocodes), ("visits", stops),
                            *files.items()):
            assert name not in text, (name, where)


@pytest.mark.parametrize(("address", "name", "bare"), [
    ("Meier, Breitenstraße 5", "Anna Meier", ("Breitenstraße 5", 1)),
    ("Anna Meier , Breitenstraße 5, 36251 Bad Hersfeld", "Meier, Anna",
     ("Breitenstraße 5, 36251 Bad Hersfeld", 2)),
    ("Am Markt, Breitenstraße 5", "Anna Markt", None),  # the part does not begin with it
    ("Am Markt, Breitenstraße 5", "Karl Kunz", None),
    ("Meier, Vogelsang", "Anna Meier", None),  # no street with a number after it
    ("Meier Breitenstraße 5", "Anna Meier", None),  # no comma: the other form
    ("Meier, Breitenstraße 5", None, None),
])
def test_own_name_and_comma_only_before_a_street(address, name, bare):
    from hausbesuch.care_of import own_name_before_street

    assert own_name_before_street(address, name, comma=True) == bare


def _answer(quality: str, doubt: bool = False):  # noqa: ANN202
    from geodata.geocode import GeocodeResult

    found = quality != "unresolved"
    return GeocodeResult(9.7 if found else None, 50.9 if found else None, quality,
                         1.0 if found else 0.0, doubt=doubt)


@pytest.mark.parametrize(("typed", "bare", "swap"), [
    (("unresolved",), ("interpolated",), True),  # the name read as the town
    (("unresolved",), ("street",), True),
    (("street",), ("street",), False),
    (("street", True), ("street",), True),
    (("street", True), ("street", True), False),
    (("interpolated", True), ("exact",), True),
    (("interpolated", True), ("interpolated",), True),
    # review 27 #7: a doubtful exact or interpolated hit was given up for a worse one
    (("exact", True), ("street",), False),
    (("exact", True), ("interpolated",), False),
    (("interpolated", True), ("street",), False),
    (("exact", True), ("unresolved",), False),
])
def test_the_comma_form_swaps_only_for_an_address_found_better(typed, bare, swap):
    """„Meier, Breitenstraße 5“: the bare address replaces the typed one's answer only when
    it is found at a finer level, or as fine and without the doubt, as the docstring of
    ``Casework._looked_up`` says."""
    from hausbesuch.casework.service import found_better

    assert found_better(_answer(*bare), _answer(*typed)) is swap
