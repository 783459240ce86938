"""Whether a path the user chose names a client (QA 19a #6): such paths go into the
append-only audit log."""

from __future__ import annotations

from pathlib import Path

import pytest

from hausbesuch.pathnames import named_in_path, safe_file_part

PERSON = ("Jürgen Weiß-Öztürk", "Elisabeth-Selbert-Straße", None)


@pytest.mark.parametrize(("name", "hit"), [
    ("Auskunft Juergen Weiss.txt", ("Namen", True)),
    ("auskunft_OEZTUERK.txt", ("Namen", True)),
    ("AuskunftJürgen.txt", ("Namen", True)),
    ("Selbert 7.txt", ("Straße", True)),
    ("elisabeth-selbert-str-7.txt", ("Straße", True)),
    ("weiss/auskunft.txt", ("Namen", False)),
    ("auskunft-K-100003.txt", None),
    ("Juergensen.txt", None),  # a longer word is another word
    ("strasse-weg-platz.txt", None),  # kinds of street name no street
])
def test_words_of_the_name_and_the_street_are_found_in_the_path(
        tmp_path: Path, name: str, hit: tuple[str, bool] | None) -> None:
    assert named_in_path(tmp_path / name, [PERSON]) == hit


def test_the_home_folder_and_fillers_are_not_looked_at(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "juergen"
    monkeypatch.setenv("HOME", str(home))
    assert named_in_path(home / "auskunft.txt", [PERSON]) is None
    assert named_in_path(home / "Jürgen" / "auskunft.txt", [PERSON]) == ("Namen", False)
    assert named_in_path(tmp_path / "auskunft von frau.txt", [("Frau von Bülow", None, None)]
                         ) is None
    # without a street column, the address's part before the house number counts
    assert named_in_path(tmp_path / "Lindenweg.txt", [(None, None, "Lindenweg 3, 36251 X")]
                         ) == ("Straße", True)
    assert named_in_path(tmp_path / "Lindenweg.txt", [(None, None, "Lindenweg 3")],
                         streets=False) is None


def test_a_case_id_is_made_safe_for_a_file_name() -> None:
    assert safe_file_part("K-100003") == "K-100003"
    assert safe_file_part("A/7 ü") == "A_7_ü"


def test_an_umlaut_written_without_its_dots_is_found(tmp_path: Path) -> None:
    """„Müller“ was found as „Mueller“ only, not as „Muller“ (review 19)."""
    person = ("Hans Müller", "Größweg", None)
    assert named_in_path(tmp_path / "Auskunft Muller.txt", [person]) == ("Namen", True)
    assert named_in_path(tmp_path / "auskunft-mueller.txt", [person]) == ("Namen", True)
    assert named_in_path(tmp_path / "Grossweg 3.txt", [person]) == ("Straße", True)
    assert named_in_path(tmp_path / "Groweg 3.txt", [person]) is None
    assert named_in_path(tmp_path / "Auskunft Jurgen.txt", [PERSON]) == ("Namen", True)


def test_a_linked_folder_is_looked_at_as_the_log_keeps_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The log keeps the path with its links resolved: a folder in the home folder linked
    to „/srv/Jan Hoffmann“ passed the check, and the target was logged (review 19)."""
    home = tmp_path / "home"
    target = tmp_path / "srv" / "Jan Hoffmann"
    target.mkdir(parents=True)
    home.mkdir()
    (home / "Auskunft").symlink_to(target, target_is_directory=True)
    monkeypatch.setenv("HOME", str(home))
    person = ("Jan Hoffmann", None, None)
    assert named_in_path(home / "Auskunft" / "k-1.txt", [person]) == ("Namen", False)
    assert named_in_path(home / "k-1.txt", [person]) is None
    # a file linked to a named one counts as in the file's own name
    (target / "Hoffmann.txt").write_text("")
    (home / "k-2.txt").symlink_to(target / "Hoffmann.txt")
    assert named_in_path(home / "k-2.txt", [person], folders=False) == ("Namen", True)


def test_a_c_o_name_is_a_name_not_the_street(tmp_path: Path) -> None:
    """Without a street column, the words before the house number were taken: for
    „c/o Müller (Eltern), Lindenweg 13“ the c/o name was reported as „die Straße“
    (review 19). The parsed street counts as the street; the c/o name as a name."""
    from hausbesuch.pathnames import street_words

    address = "c/o Müller (Eltern), Lindenweg 13, 36251 Bad Hersfeld"
    assert street_words(None, address) == {"lindenweg"}
    person = ("Anna Weiß", None, address)
    assert named_in_path(tmp_path / "Mueller.txt", [person]) == ("Namen", True)
    assert named_in_path(tmp_path / "Lindenweg.txt", [person]) == ("Straße", True)
    assert named_in_path(tmp_path / "Eltern.txt", [person]) is None
    assert named_in_path(tmp_path / "Schmidt.txt",
                         [(None, None, "bei Schmidt, Hauptstr. 5, 36251 Bad Hersfeld")]
                         ) == ("Namen", True)


@pytest.mark.parametrize("address", [
    "c/o Jobcenter Bad Hersfeld, Am Markt 13, 36251 Bad Hersfeld",
    "c/o Stadt Bad Hersfeld, Am Markt 13, 36251 Bad Hersfeld",
    "c/o Diakonie Wohnungslosenhilfe, Am Markt 13, 36251 Bad Hersfeld",
    "bei Caritas, Am Markt 13, 36251 Bad Hersfeld",
    "c/o JobCenter Hersfeld-Rotenburg, Am Markt 13, 36251 Bad Hersfeld",
])
def test_an_institutions_c_o_line_names_no_one(tmp_path: Path, address: str) -> None:
    """A c/o line naming an institution (the post address of a client without a home)
    made its words and the town's a name: a folder named after the town was refused with
    „Ordner enthält einen Namen aus dem Fall“ (review 19b #3)."""
    from hausbesuch.pathnames import co_words

    person = ("Anna Weiß", None, address)
    assert co_words(address) <= {"rotenburg"}
    assert named_in_path(tmp_path / "Bad-Hersfeld" / "auskunft-K-1.txt", [person]) is None
    for word in ("Jobcenter", "Diakonie", "Caritas", "Stadt", "Wohnungslosenhilfe"):
        assert named_in_path(tmp_path / f"{word}.txt", [person]) is None, word
    assert named_in_path(tmp_path / "Weiss.txt", [person]) == ("Namen", True)


def test_a_person_at_an_institution_is_still_a_name(tmp_path: Path) -> None:
    """Only the institution's and the town's words are left out: a person named in the
    line, and a person's c/o line with the town's name, still count."""
    from hausbesuch.pathnames import co_words

    assert co_words("c/o Caritas Frau Meier, Am Markt 3, 36251 Bad Hersfeld") == {"meier"}
    assert co_words("c/o Jobcenter z. Hd. Frau Meier, Am Markt 3, 36251 Bad Hersfeld") \
        == {"meier"}
    assert co_words("bei Familie Öztürk, Lindenweg 13, 36251 Bad Hersfeld") \
        == {"oeztuerk", "ozturk"}
    person = (None, None, "bei Familie Hersfeld, Lindenweg 13, 36251 Bad Hersfeld")
    assert named_in_path(tmp_path / "Hersfeld" / "k-1.txt", [person]) == ("Namen", False)
    person = ("Anna Weiß", None, "c/o Müller, Lindenweg 13, 36251 Bad Hersfeld")
    assert named_in_path(tmp_path / "Muller" / "k-1.txt", [person]) == ("Namen", False)
