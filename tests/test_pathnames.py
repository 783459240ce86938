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
