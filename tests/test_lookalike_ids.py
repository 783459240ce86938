"""Case ids that look the same but differ by one character (QA 26 F1): a non-breaking
space („K<U+00A0>55“), an en dash („K–78“), the non-breaking hyphen U+2011 or a full-width
letter („Ｑ-101“) name the case of the plain id. In one list the second row is a
duplicate naming both rows; across imports the stored case is found (its id stays as
first stored) and planned once; ``status``, ``address``, ``outcomes`` and the web's
look-up find it by the look-alike id. Real SQLite, through the command line."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hausbesuch import clock
from hausbesuch.caseids import id_key, shown_id
from hausbesuch.cli import app

runner = CliRunner()
TODAY = "2026-12-07"  # a Monday
NBSP, EN_DASH, NB_HYPHEN, WIDE_Q = "\u00a0", "\u2013", "\u2011", "\uff31"


def cli(*args: str, ok: bool = True) -> str:
    res = runner.invoke(app, list(args), catch_exceptions=False,
                        env={clock.ENV: TODAY, "HAUSBESUCH_USER": "tester"})
    if ok:
        assert res.exit_code == 0, res.output
    return res.output


def write_list(path: Path, rows: list[tuple[str, str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        wr = csv.writer(fh, delimiter=";")
        wr.writerow(["Kundennummer", "Adresse"])
        wr.writerows(rows)
    return path


def report(path: Path) -> dict[str, dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {r["zeile"]: r for r in csv.DictReader(fh, delimiter=";")}


def stored_ids(db: str) -> list[str]:
    from hausbesuch.store import Store

    with Store.open(db) as store:
        return sorted(c.id for c in store.load_clients("Bad Hersfeld"))


@pytest.mark.parametrize("a, b", [
    (f"K{NBSP}55", "K 55"), (f"K{EN_DASH}78", "K-78"), (f"Q{NB_HYPHEN}102", "Q-102"),
    (f"{WIDE_Q}-101", "q-101"), ("K\u202f55", "k 55"), ("Q\u2212103", "Q-103"),
])
def test_lookalike_ids_have_one_key(a: str, b: str) -> None:
    assert id_key(a) == id_key(b)


@pytest.mark.parametrize("a, b", [("K 55", "K55"), ("K-55", "K 55"), ("00123", "123")])
def test_ids_that_look_different_keep_different_keys(a: str, b: str) -> None:
    """A space against none, a dash against a space: they look different and may be
    two numbers (leading zeros have their own rule at the import)."""
    assert id_key(a) != id_key(b)


def test_the_shown_id_names_the_lookalike_character() -> None:
    assert shown_id(f"K{NBSP}55") == "„K\u00a055“ mit geschütztem Leerzeichen (U+00A0) an Stelle 2"
    assert "Halbgeviertstrich" in shown_id(f"K{EN_DASH}78")
    assert "voller Breite" in shown_id(f"{WIDE_Q}-101")
    assert shown_id("K\u200d1") == "„K\\u200d1“ mit unsichtbarem Zeichen (U+200D) an Stelle 2"
    assert shown_id("K 55") == "„K 55“"


def test_one_list_rejects_the_lookalike_row_as_a_duplicate(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    db = str(tmp_path / "fall.sqlite")
    path = write_list(tmp_path / "liste.csv", [
        ("K 77", "Breitenstraße 1, 36251 Bad Hersfeld"),
        (f"K{NBSP}77", "Breitenstraße 1, 36251 Bad Hersfeld"),  # one door: a duplicate
        ("K-78", "Am Markt 16, 36251 Bad Hersfeld"),
        (f"K{EN_DASH}78", "Am Markt 16, Bad Hersfeld"),
    ])
    out = cli("import", str(path), "--city", "bad-hersfeld", "--db", db,
              "--report", str(tmp_path / "r.csv"))
    assert "2 neu" in out and "2 abgelehnt" in out
    rows = report(tmp_path / "r.csv")
    assert rows["3"]["status"] == "abgelehnt"
    assert "in Zeile 3 doppelt: schon in Zeile 2" in rows["3"]["grund"]
    assert "geschütztem Leerzeichen (U+00A0) an Stelle 2" in rows["3"]["grund"]
    assert rows["5"]["status"] == "abgelehnt"
    assert "schon in Zeile 4 (als „K-78“" in rows["5"]["grund"]
    assert "(U+2013)" in rows["5"]["grund"]
    assert stored_ids(db) == ["K 77", "K-78"]


@pytest.fixture(scope="module")
def twice(tmp_path_factory: pytest.TempPathFactory, bad_hersfeld_pbf: Path) -> dict:
    """Two imports: plain ids, then the same cases with look-alike ids (one moved), and a
    plan of one day."""
    base = tmp_path_factory.mktemp("lookalike")
    db = str(base / "fall.sqlite")
    common = ["--city", "bad-hersfeld", "--db", db]
    first = write_list(base / "eins.csv", [
        ("K 55", "Am Markt 1, 36251 Bad Hersfeld"),
        ("Q-101", "Breitenstraße 24, 36251 Bad Hersfeld"),
        ("Q-102", "Dudenstraße 5, 36251 Bad Hersfeld"),
    ])
    cli("import", str(first), *common)
    second = write_list(base / "zwei.csv", [
        (f"K{NBSP}55", "Linggplatz 7, 36251 Bad Hersfeld"),  # moved
        (f"{WIDE_Q}-101", "Breitenstraße 24, 36251 Bad Hersfeld"),
        (f"Q{NB_HYPHEN}102", "Dudenstraße 5, 36251 Bad Hersfeld"),
    ])
    out = cli("import", str(second), *common, "--report", str(base / "r2.csv"))
    plan_out = cli("plan", *common, "--start", TODAY, "--days", "1", "--out",
                   str(base / "plan"), "--time-limit", "2", "--threads", "1", "--seed", "1")
    return {"db": db, "common": common, "out": out, "report": report(base / "r2.csv"),
            "plan_out": plan_out, "base": base}


def test_a_lookalike_id_updates_the_stored_case_whose_id_stays(twice: dict) -> None:
    from hausbesuch.store import ClientRow, Store

    assert "0 neu" in twice["out"] and "1 aktualisiert" in twice["out"]
    assert stored_ids(twice["db"]) == ["K 55", "Q-101", "Q-102"]
    with Store.open(twice["db"]) as store, store.session() as s:
        assert s.get(ClientRow, {"city": "Bad Hersfeld", "client_id": "K 55"}).address \
            .startswith("Linggplatz 7")
    # both forms named, the look-alike character told, in the output and the report
    assert ("Kundennummer „K\u00a055“ mit geschütztem Leerzeichen (U+00A0) an Stelle 2 ist "
            "der gespeicherte Fall „K 55“") in twice["out"]
    assert "(U+2011)" in twice["report"]["4"]["grund"]
    assert "„Q-102“" in twice["report"]["4"]["grund"]
    assert "voller Breite" in twice["report"]["3"]["grund"]
    assert "nicht in dieser Liste" not in twice["out"]  # the plain ones are listed


def test_the_case_is_planned_once(twice: dict) -> None:
    from hausbesuch.store import Store

    with Store.open(twice["db"]) as store:
        plan = store.latest_plan("Bad Hersfeld")
    ids = [s.client_id for r in plan.routes for s in r.stops] + [
        u.client_id for u in plan.unassigned]
    assert sorted(ids) == ["K 55", "Q-101", "Q-102"]


def test_status_address_and_outcomes_find_the_case_by_a_lookalike_id(twice: dict) -> None:
    from hausbesuch.store import Store

    common = twice["common"]
    assert cli("status", f"K{NBSP}55", *common).startswith("K 55: offen")
    assert cli("status", f"Q{EN_DASH}101", *common).startswith("Q-101: offen")
    out = cli("address", f"{WIDE_Q}-101", "--set-point", "50.8675,9.7071", *common)
    assert "Gespeichert: Q-101" in out
    with Store.open(twice["db"]) as store:
        plan = store.latest_plan("Bad Hersfeld")
    stop = next(s for r in plan.routes for s in r.stops if s.client_id == "Q-102")
    path = twice["base"] / "ergebnisse.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        wr = csv.writer(fh, delimiter=";")
        wr.writerow(["Kundennummer", "Datum", "Uhrzeit", "Ergebnis"])
        wr.writerow([f"Q{NB_HYPHEN}102", "07.12.2026", f"{stop.start:%H:%M}", "angetroffen"])
    out = cli("outcomes", str(path), *common)
    assert "1 erfasst" in out, out
    assert cli("status", "Q-102", *common).startswith("Q-102: erreicht")


def test_the_web_lookup_finds_the_case_by_a_lookalike_id(twice: dict) -> None:
    """The web's case search (``/faelle``) and its other-city hint go through these."""
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store
    from hausbesuch.web import casework_api

    with Store.open(twice["db"]) as store:
        profile = load_profile("bad-hersfeld")
        assert casework_api.case_id(store, profile, "tester", f"k{NBSP}55") == "K 55"
        assert casework_api.case_cities(store, f"{WIDE_Q}{EN_DASH}101") == {"Bad Hersfeld"}


CYRILLIC_K, GREEK_NU = "\u041a", "\u039d"


@pytest.mark.parametrize("a, b", [
    (f"{CYRILLIC_K}-55", "K-55"), ("\u0420\u0415-7", "PE-7"), (f"{GREEK_NU}-3", "n-3"),
    ("\u043e-1", "O-1"), ("\u03bd-2", "V-2"),
])
def test_cyrillic_and_greek_twins_of_latin_letters_have_one_key(a: str, b: str) -> None:
    assert id_key(a) == id_key(b)


def test_letters_that_only_resemble_keep_their_keys() -> None:
    """Only letters drawn alike: Cyrillic „П“ is no „N“, a digit no letter."""
    assert id_key("\u041f-1") != id_key("N-1") and id_key("K-O1") != id_key("K-01")
    assert "kyrillischem „К“ (statt „K“) (U+041A) an Stelle 1" in shown_id(f"{CYRILLIC_K}-55")


def test_a_cyrillic_lookalike_id_updates_the_stored_case(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    """„K-55“, then „К-55“ with a Cyrillic К (copied from a Cyrillic keyboard or text):
    one case, stored as first typed; the note shows the letter; status finds it."""
    db = str(tmp_path / "fall.sqlite")
    common = ["--city", "bad-hersfeld", "--db", db]
    cli("import", str(write_list(tmp_path / "eins.csv", [
        ("K-55", "Am Markt 1, 36251 Bad Hersfeld")])), *common)
    out = cli("import", str(write_list(tmp_path / "zwei.csv", [
        (f"{CYRILLIC_K}-55", "Linggplatz 7, 36251 Bad Hersfeld")])), *common)
    assert "0 neu" in out and "1 aktualisiert" in out, out
    assert stored_ids(db) == ["K-55"]
    assert "kyrillischem „К“ (statt „K“) (U+041A) an Stelle 1 ist der gespeicherte Fall " \
           "„K-55“" in out, out
    assert cli("status", f"{CYRILLIC_K}-55", *common).startswith("K-55: offen")
