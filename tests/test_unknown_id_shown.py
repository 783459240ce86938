"""An unknown case id typed where the id belongs is quoted in a refusal only when it looks
like a case id: a client's name typed into the id column (``outcomes``) or as the argument
(``status``) must not land in the terminal or a log (hausbesuch.clients.id_name_problem
decides what looks like a name). Real SQLite, a real imported list of Bad Hersfeld."""

from __future__ import annotations

import csv
import random
from datetime import date

import pytest
from typer.testing import CliRunner

from hausbesuch import clock
from hausbesuch.cli import app
from tests.planning_fixtures import real_addresses
from tests.test_purge import _write_list

TODAY = date(2026, 12, 9)
NAME = "Quirinella Zwackelmann"


def _run(*args: str, code: int = 0):  # noqa: ANN202
    res = CliRunner(env={clock.ENV: TODAY.isoformat(), "HAUSBESUCH_USER": "pruefer"}).invoke(
        app, list(args), catch_exceptions=False)
    assert res.exit_code == code, res.output
    return res


@pytest.fixture(scope="module")
def db(tmp_path_factory, bad_hersfeld_pbf) -> str:
    from geodata.geocode import load_index

    d = tmp_path_factory.mktemp("unknown-id")
    addrs = random.Random(14).sample(real_addresses(load_index(bad_hersfeld_pbf)), 3)
    _write_list(d / "kunden.csv", addrs)
    path = str(d / "fall.sqlite")
    _run("import", str(d / "kunden.csv"), "--city", "bad-hersfeld", "--db", path)
    return path


def test_outcomes_name_the_row_and_column_not_a_name_typed_as_id(db, tmp_path):
    from hausbesuch.store import Store

    path = tmp_path / "ergebnisse.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kunden-Nr", "Datum", "Ergebnis"])
        w.writerow([NAME, "08.12.2026", "angetroffen"])  # row 2: a name in the id column
        w.writerow(["K-1099", "08.12.2026", "angetroffen"])  # row 3: a mistyped id
        w.writerow(["zwackelmann", "08.12.2026", "angetroffen"])  # row 4: a surname alone
        w.writerow(["", "08.12.2026", "angetroffen"])  # row 5: no id
    res = _run("outcomes", str(path), "--city", "bad-hersfeld", "--db", db, code=2)
    text = res.stdout + res.stderr
    assert NAME not in text and "zwackelmann" not in text.casefold(), text
    assert ("Zeile 2, Kundennummer: der Eintrag der Spalte „Kunden-Nr“ ist in Bad Hersfeld "
            "nicht bekannt; er sieht aus wie ein Name oder eine Anschrift und wird darum "
            "nicht wiederholt") in text
    assert "Zeile 4, Kundennummer: der Eintrag der Spalte „Kunden-Nr“ ist in Bad" in text
    # the field named once (it read „Kundennummer: Kundennummer fehlt“, QA 26 casework F2)
    assert "Zeile 5, Kundennummer fehlt" in text and "Kundennummer: Kundennummer" not in text
    # a well-formed unknown id is still quoted, so it can be found and corrected
    assert "Zeile 3 (K-1099), Kundennummer „K-1099“ ist in Bad Hersfeld nicht " \
        "bekannt" in text, text
    with Store.open(db) as store:
        rows = store.audit_rows(city="Bad Hersfeld")
    assert not any("zwackelmann" in str(r).casefold() for r in rows)


def test_status_does_not_repeat_a_name_typed_as_id(db):
    res = _run("status", NAME, "--city", "bad-hersfeld", "--db", db, code=2)
    assert NAME not in res.stdout + res.stderr, res.stderr
    assert ("Die angegebene Kundennummer ist in Bad Hersfeld nicht bekannt; sie sieht aus wie "
            "ein Name oder eine Anschrift und wird darum nicht wiederholt") in res.stderr, \
        res.stderr
    res = _run("status", "K-1099", "--city", "bad-hersfeld", "--db", db, code=2)
    assert "Kundennummer „K-1099“ ist in Bad Hersfeld nicht bekannt" in res.stderr, res.stderr


def test_purge_does_not_repeat_a_name_typed_as_id(db):
    """A name among the ids of ``purge`` is told by its place, not repeated; a
    well-formed unknown id still is."""
    from hausbesuch.store import Store

    res = _run("purge", NAME, "K-1099", "--city", "bad-hersfeld", "--db", db, code=2)
    text = res.stdout + res.stderr
    assert NAME not in text and "zwackelmann" not in text.casefold(), text
    assert ("Angabe 1 bleibt: Die angegebene Kundennummer ist in Bad Hersfeld nicht "
            "bekannt; sie sieht aus wie ein Name") in text, text
    assert "K-1099 bleibt: Kundennummer „K-1099“ ist in Bad Hersfeld nicht bekannt" in text
    with Store.open(db) as store:
        rows = store.audit_rows(city="Bad Hersfeld")
    assert not any("zwackelmann" in str(r).casefold() for r in rows)


def test_a_casework_refusal_does_not_repeat_a_name_typed_as_id(db):
    """Every command that looks a case up (here ``address``, ``disclose``) says the same."""
    for args in (["address", NAME, "--set-point", "50.8675,9.7071"],
                 ["disclose", NAME, "--out", "auskunft.txt"]):
        res = _run(*args, "--city", "bad-hersfeld", "--db", db, code=2)
        assert NAME not in res.stdout + res.stderr, (args, res.stderr)
        assert "Die angegebene Kundennummer ist in Bad Hersfeld nicht bekannt" in res.stderr


@pytest.mark.parametrize("typed", ["Me\u200bie\u200br 12", "Weinstra\u00adsse-21",
                                   "Schr\u00f6\u200bder", "M\u2060eier"])
def test_invisible_characters_do_not_hide_a_name_typed_as_id(typed: str) -> None:
    """Review 32 #3: a name broken up by invisible characters (zero-width space, soft
    hyphen, word joiner) passed the name check and was quoted as an unknown id."""
    from hausbesuch.casework.service import id_may_be_shown

    assert not id_may_be_shown(typed)


def test_an_id_with_an_invisible_character_may_still_be_quoted() -> None:
    from hausbesuch.casework.service import id_may_be_shown, quoted_id

    assert id_may_be_shown("K-10\u200b99")
    assert quoted_id("K-10\u200b99") == "K-10\\u200b99"


@pytest.mark.parametrize("typed", ["Am Hang 3", "Ida Roth", "Uwe Lang", "Am Ring 12a",
                                   "Roth, Ida"])
def test_two_words_of_letters_typed_as_id_are_not_quoted(typed: str) -> None:
    """QA 33c L2: „Am Hang 3“ (a client's address: short words, no run of five letters)
    was quoted back by the case search, the pin form and /adressen?kundennummer=."""
    from hausbesuch.casework.service import id_may_be_shown

    assert not id_may_be_shown(typed)


@pytest.mark.parametrize("typed", ["K-1099", "BG 12345", "K 3100", "K-10 99"])
def test_an_id_of_one_word_of_letters_may_be_quoted(typed: str) -> None:
    from hausbesuch.casework.service import id_may_be_shown

    assert id_may_be_shown(typed)
