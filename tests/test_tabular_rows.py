"""A CSV row with more fields than the header (QA 11b #2): an unquoted delimiter inside a
field shifts the row's cells, so a note lands in an ignored column and a name in a date
field that a reason quotes. Such a row is rejected with its number and a reason that
quotes no cell; a header that is short for every row still widens the table."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hausbesuch.clients import read_clients
from hausbesuch.tabular import read_table
from hausbesuch.teams import TeamError, load_teams


def _csv(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


SHIFTED = ("Kundennummer;Adresse;Name;Kontaktabbruch seit;Sprache\n"
           "K-1;Am Markt 16;Erika Mustermann;15.03.2025;\n"
           "K-2;Am Markt 1; 2. OG;Schmidtke, Hildegard;15.03.2025;\n"
           "K-3;Breitenstraße 57;Ayten Yilmazoglu;;Türkisch\n")


def test_a_row_with_one_field_more_is_marked_not_widened(tmp_path: Path) -> None:
    t = read_table(_csv(tmp_path, "k.csv", SHIFTED))
    assert t.columns == ["Kundennummer", "Adresse", "Name", "Kontaktabbruch seit", "Sprache"]
    assert t.wide_rows == {3: 6}  # its last field is empty: still one field too many
    assert t.row_numbers == [2, 3, 4]
    why = t.row_problem(3)
    assert why is not None and why.startswith(
        "Zeile 3 hat 6 Felder, die Kopfzeile 5: Trennzeichen „;“ in einem Feld ohne "
        "Anführungszeichen?")
    assert "Schmidtke" not in why and "OG" not in why
    assert t.row_problem(2) is None and t.row_problem(4) is None


@pytest.mark.parametrize(
    ("text", "columns"),
    [
        # every data row ends with a delimiter the header lacks
        ("id;Adresse\n1;Weg 1;\n2;Weg 2;\n", ["id", "Adresse"]),
        # Excel: a remark in a column without header, every row as wide as the header row
        ("id;Adresse;\n1;Weg 1;Hund\n2;Weg 2;\n", ["id", "Adresse", "Spalte 3"]),
        # the header is short for every row
        ("id;Adresse\n1;Weg 1;Hund\n2;Weg 2;Katze\n", ["id", "Adresse", "Spalte 3"]),
    ],
)
def test_rows_that_all_end_alike_are_not_marked(tmp_path: Path, text: str,
                                                columns: list[str]) -> None:
    t = read_table(_csv(tmp_path, "k.csv", text))
    assert t.wide_rows == {}
    assert t.columns == columns


def test_the_client_list_rejects_the_shifted_row_without_quoting_it(tmp_path: Path) -> None:
    res = read_clients(_csv(tmp_path, "k.csv", SHIFTED), today=date(2026, 12, 1))
    assert [c.id for c in res.clients] == ["K-1", "K-3"]
    assert len(res.clients) + len(res.rejected) == res.total_rows == 3
    (rej,) = res.rejected
    assert (rej.row, rej.id, rej.field) == (3, "K-2", "felder")
    assert "Schmidtke" not in repr(res) and "Hildegard" not in repr(res)
    assert not any("Spalte 6" in w for w in res.warnings)


def test_a_comma_file_loses_no_note_to_a_shifted_column(tmp_path: Path) -> None:
    text = ("Kundennummer,Adresse,Notiz\n"
            "C-1,Am Markt 16, 36251 Bad Hersfeld,Hund\n"
            'C-2,"Breitenstraße 57, 36251 Bad Hersfeld",\n')
    res = read_clients(_csv(tmp_path, "k.csv", text), today=date(2026, 12, 1))
    assert [c.id for c in res.clients] == ["C-2"]
    assert [(r.row, r.id, r.field) for r in res.rejected] == [(2, "C-1", "felder")]
    assert res.rejected[0].reason.startswith("Zeile 2 hat 4 Felder, die Kopfzeile 3: "
                                             "Trennzeichen „,“")


def test_the_id_is_not_shown_when_it_is_not_the_first_column(tmp_path: Path) -> None:
    text = ("Name;Kundennummer;Adresse\n"
            "Erika Mustermann;K-1;Am Markt 16\n"
            "Schmidtke; Hildegard;K-2;Am Markt 1\n")
    res = read_clients(_csv(tmp_path, "k.csv", text), today=date(2026, 12, 1))
    assert [(r.row, r.id, r.field) for r in res.rejected] == [(3, None, "felder")]
    assert "Hildegard" not in repr(res.rejected)


def test_a_team_list_with_a_shifted_row_is_refused(tmp_path: Path) -> None:
    text = ("Team;Mitglieder;Sprachen;Modus\n"
            "A;A. Schmidt;Russisch;zu Fuß\n"
            "B;C. Nowak; D. Berg;Polnisch;Auto\n")
    with pytest.raises(TeamError, match=r"Zeile 3 hat 5 Felder, die Kopfzeile 4"):
        load_teams(_csv(tmp_path, "teams.csv", text))


def test_a_shifted_team_row_gets_only_the_field_count_message(tmp_path: Path) -> None:
    # QA 36 #7: the shifted cells were checked anyway („Feld „schicht“: keine Uhrzeit:
    # „Ara““ from „Arabisch“), contradicting „Die Zeile wird nicht gelesen“
    text = ("id;mitglieder;sprachen;schicht;mittag;mittag_dauer;modus\n"
            "mitte;Kerstin Böhm;Türkisch;08:00-16:00;12:00-13:30;30;walk\n"
            "nord;\"Müller, Anna\"; Jens Groß;Arabisch;08:30-15:30;12:00-13:30;30;walk\n")
    with pytest.raises(TeamError) as err:
        load_teams(_csv(tmp_path, "teams.csv", text))
    msg = str(err.value)
    assert msg == ("Ungültige Teams in teams.csv: Zeile 3 hat 8 Felder, die Kopfzeile 7: "
                   "Trennzeichen „;“ in einem Feld ohne Anführungszeichen? Die Zeile wird "
                   "nicht gelesen, sonst stünden Werte in der falschen Spalte; bitte das Feld "
                   "in Anführungszeichen setzen oder das Zeichen entfernen")


def test_a_row_that_only_ends_with_empty_fields_is_read(tmp_path: Path) -> None:
    # review 11 #9: one ';' too many at the end of a hand-edited row shifts nothing
    text = ("Kundennummer;Adresse;Notiz\n"
            "K-1;Am Markt 16, 36251 Bad Hersfeld;Hund\n"
            "K-2;Breitenstraße 5, 36251 Bad Hersfeld;;\n"
            "K-3;Linggplatz 11, 36251 Bad Hersfeld;\n"
            "K-4;Am Markt 1;;;\n")
    t = read_table(_csv(tmp_path, "k.csv", text))
    assert t.wide_rows == {} and t.trailing_rows == [3, 5]
    assert t.rows[1] == {"Kundennummer": "K-2", "Adresse": "Breitenstraße 5, 36251 Bad Hersfeld",
                         "Notiz": ""}
    res = read_clients(_csv(tmp_path, "k.csv", text), today=date(2026, 12, 1))
    assert [c.id for c in res.clients] == ["K-1", "K-2", "K-3", "K-4"] and not res.rejected
    assert any("Zeilen 3, 5 haben mehr Felder als die Kopfzeile, die überzähligen am Ende "
               "sind leer" in w for w in res.warnings)


@pytest.mark.parametrize("row", [
    "K-2;Am Markt 1; 2. OG;Schmidtke, Hildegard;;\n",  # a name in the date column
    "K-2;Am Markt 1; 2. OG;;;\n",  # a floor in the name column
    "K-2;Am Markt 1;Schmidtke; Hildegard;15.03.2025;\n",  # the last column filled
])
def test_a_shifted_row_ending_with_empty_fields_stays_refused(tmp_path: Path,
                                                               row: str) -> None:
    text = SHIFTED.replace("K-2;Am Markt 1; 2. OG;Schmidtke, Hildegard;15.03.2025;\n", row)
    t = read_table(_csv(tmp_path, "k.csv", text))
    assert list(t.wide_rows) == [3] and t.trailing_rows == []


# QA 11d #5 / closing 11: a ";" typed in the note, the header's last column, made the row
# wider than the header and the visit was refused; the note's fields are joined back.
NOTE_LAST = ("Kundennummer;Adresse;Kontaktabbruch seit;Notiz\n"
             "N-1;Frankenstraße 11, 91207 Lauf;01.03.2025;Hund; bitte klingeln\n"
             "N-2;Hirschenau 1f, 90607 Rückersdorf;01.03.2025;Klingel defekt\n"
             "N-3;Plärrer 11, 91207 Lauf;;nur vormittags;Sohn übersetzt;\n"
             "N-4;Frankenstraße 1, 91207 Lauf;15.03.2025;\n")


def test_a_delimiter_in_the_last_note_column_is_joined_back(tmp_path: Path) -> None:
    res = read_clients(_csv(tmp_path, "k.csv", NOTE_LAST), today=date(2026, 12, 1))
    assert not res.rejected
    assert {c.id: c.notiz for c in res.clients} == {
        "N-1": "Hund; bitte klingeln", "N-2": "Klingel defekt",
        "N-3": "nur vormittags; Sohn übersetzt", "N-4": None}
    assert [c.address for c in res.clients][:1] == ["Frankenstraße 11, 91207 Lauf"]
    (note,) = [w for w in res.warnings if "mehr Felder" in w]
    assert "Zeilen 2, 4 haben mehr Felder als die Kopfzeile" in note
    assert "„Notiz“" in note and "Hund" not in note and "klingeln" not in note


# closing 12: a list with a Name column before split street columns (the usual export) was
# refused for a ";" in its note, although a name split at a ";" would have shown
NAME_FIRST = ("Kundennummer;Name;Straße;Hausnummer;PLZ;Ort;Notiz\n"
              "M-1;Müllerschön, Jürgen;Frankenstraße;11;91207;Lauf;Hund; bitte klingeln\n"
              "M-2;Weißgerber, Erika;Hirschenau;1f;90607;Rückersdorf;Klingel defekt\n"
              "M-3;Yılmaz, Ayşe;Plärrer;11;91207;Lauf;\n")


def test_a_note_delimiter_is_joined_back_after_a_name_column(tmp_path: Path) -> None:
    res = read_clients(_csv(tmp_path, "k.csv", NAME_FIRST), today=date(2026, 12, 1))
    assert not res.rejected
    assert {c.id: (c.name, c.address, c.notiz) for c in res.clients}["M-1"] == (
        "Müllerschön, Jürgen", "Frankenstraße 11, 91207 Lauf", "Hund; bitte klingeln")
    (note,) = [w for w in res.warnings if "mehr Felder" in w]
    assert "Zeile 2 hat mehr Felder als die Kopfzeile" in note and "Jürgen" not in note


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        # a ";" in the address: the date lands in the note column, the note beyond it
        ("Kundennummer;Adresse;Kontaktabbruch seit;Notiz\n"
         "S-1;Frankenstraße 11; 2. OG;01.03.2025;Hund\n"
         "S-2;Hirschenau 1f, 90607 Rückersdorf;01.03.2025;Klingel defekt\n", "S-1"),
        # a ";" in the name right before the note: the first name would land in the note
        ("Kundennummer;Adresse;Name;Notiz\n"
         "S-3;Frankenstraße 11;Müllerschön; Jürgen;Hund\n"
         "S-4;Hirschenau 1f;Erika Weißgerber;Klingel defekt\n", "S-3"),
        # a ";" in the address before a name column: the name would land in the note
        ("Kundennummer;Adresse;Name;Notiz\n"
         "S-5;Frankenstraße 11; Hinterhaus;Jürgen Müllerschön;Hund\n"
         "S-6;Hirschenau 1f;Erika Weißgerber;Klingel defekt\n", "S-5"),
        # a ";" in the address, its town lands in the note (which starts with text elsewhere)
        ("Kundennummer;Adresse;Notiz\n"
         "S-7;Frankenstraße 11; 91207 Lauf;Hund\n"
         "S-8;Hirschenau 1f, 90607 Rückersdorf;Klingel defekt\n", "S-7"),
        # a ";" in the name, the columns after it all text: the shift does not show
        ("Kundennummer;Straße;Name;Ort;Notiz\n"
         "S-13;Frankenstraße 11;Müllerschön; Jürgen;Lauf;Hund\n"
         "S-14;Hirschenau 1f;Erika Weißgerber;Rückersdorf;Klingel defekt\n", "S-13"),
        # a ";" in the first column of a split name (Nachname; Vorname), street after it
        ("Kundennummer;Nachname;Vorname;Straße;Notiz\n"
         "S-15;Müllerschön;Jürgen; Maria;Frankenstraße 11;Hund\n"
         "S-16;Weißgerber;Erika;Hirschenau 1f;Klingel defekt\n", "S-15"),
        # the note is not the last column
        ("Kundennummer;Adresse;Notiz;Sprache\n"
         "S-9;Frankenstraße 11;Hund; bitte klingeln;Türkisch\n"
         "S-10;Hirschenau 1f;Klingel defekt;Arabisch\n", "S-9"),
        # a comma file: a comma in an address is as likely as one in the note
        ("Kundennummer,Adresse,Notiz\n"
         "S-11,Frankenstraße 11,Hund, bitte klingeln\n"
         'S-12,"Hirschenau 1f, 90607 Rückersdorf",Klingel defekt\n', "S-11"),
    ],
)
def test_other_overflows_stay_refused(tmp_path: Path, text: str, bad: str) -> None:
    res = read_clients(_csv(tmp_path, "k.csv", text), today=date(2026, 12, 1))
    assert [(r.id, r.field) for r in res.rejected] == [(bad, "felder")]
    assert not any("angehängt" in w for w in res.warnings)
    shown = repr((res.clients, res.rejected, res.warnings))
    assert "Müllerschön" not in shown and "Jürgen" not in shown
