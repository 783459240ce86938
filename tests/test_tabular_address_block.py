"""A postal address block (QA 11b #1): "Anschrift Zeile 1..3" as a Serienbrief export writes
it, line 1 being "Herrn" and the client's name. The lines form the address, without the
name line, so that no reason in report.csv or index.html can quote a name."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest

from geodata.addresses import parse_address
from hausbesuch.care_of import without_care_of
from hausbesuch.clients import read_clients
from hausbesuch.tabular import address_cell, address_columns, address_from_row, address_lines

NAMES = ("Müllerschön", "Weißgerber", "Yilmazoglu", "Jürgen", "Herrn", "Frau")


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (["Kundennummer", "Anschrift Zeile 1", "Anschrift Zeile 2", "Anschrift Zeile 3"],
         {"adresse": "Anschrift Zeile 1", "adresse_2": "Anschrift Zeile 2",
          "adresse_3": "Anschrift Zeile 3"}),
        (["Kundennummer", "Adresszeile", "Adresszeile 2", "PLZ Ort"],
         {"adresse": "Adresszeile", "adresse_2": "Adresszeile 2", "plz_ort": "PLZ Ort"}),
        (["id", "Adresszeile 2", "Adresszeile 1"],
         {"adresse": "Adresszeile 1", "adresse_2": "Adresszeile 2"}),
        (["id", "Adresse", "Adresse 2", "PLZ", "Ort"],
         {"adresse": "Adresse", "adresse_2": "Adresse 2", "plz": "PLZ", "ort": "Ort"}),
        (["id", "Address line 1", "Address line 2", "City"],
         {"adresse": "Address line 1", "adresse_2": "Address line 2", "ort": "City"}),
        # no block: one address column, or a repeated header made unique
        (["id", "Adresse", "PLZ"], {"adresse": "Adresse", "plz": "PLZ"}),
        (["Kd.-Nr.", "Straße / Haus-Nr.", "PLZ/Ort"],
         {"adresse": "Straße / Haus-Nr.", "plz_ort": "PLZ/Ort"}),
        (["id", "Adresse", "HNr-Zusatz"], {"adresse": "Adresse", "zusatz": "HNr-Zusatz"}),
        (["id", "Adresse", "Adresse (2)"], {"adresse": "Adresse"}),
        # a numbered line without line 1 beside the street: an addition, no block
        (["Kundennummer", "Straße", "Hausnummer", "Adresse 2", "PLZ", "Ort"],
         {"adresszusatz": "Adresse 2", "strasse": "Straße", "hausnummer": "Hausnummer",
          "plz": "PLZ", "ort": "Ort"}),
        (["id", "Street", "House number", "Address line 2", "Address line 3", "City"],
         {"adresszusatz": "Address line 2", "adresszusatz_2": "Address line 3",
          "strasse": "Street", "hausnummer": "House number", "ort": "City"}),
        (["id", "Straße und Hausnummer", "Anschrift 2"],
         {"adresszusatz": "Anschrift 2", "adresse": "Straße und Hausnummer"}),
    ],
)
def test_numbered_address_lines_are_one_block(columns: list[str],
                                              expected: dict[str, str]) -> None:
    assert address_columns(columns) == expected


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["Herrn Jürgen Müllerschön", "Am Markt 16", "36251 Bad Hersfeld"],
         ["Am Markt 16", "36251 Bad Hersfeld"]),
        (["An Frau Bärbel Weißgerber", "Breitenstraße 57", ""], ["Breitenstraße 57"]),
        (["Familie Yilmazoglu", "c/o Meier", "Am Markt 1", "36251 Bad Hersfeld"],
         ["c/o Meier", "Am Markt 1", "36251 Bad Hersfeld"]),
        # a name without salutation above the street (no digit), also without a number
        (["Jürgen Müllerschön", "Am Markt 16"], ["Am Markt 16"]),
        (["Jürgen Müllerschön", "Am Markt", "36251 Bad Hersfeld"],
         ["Am Markt", "36251 Bad Hersfeld"]),
        (["Fam. Yilmazoglu", "Eheleute Müllerschön", "Am Markt"], ["Am Markt"]),
        # a flat above the street is kept; streets that look like salutations stay
        (["Herrn Jürgen Müllerschön", "App. 12", "Am Markt 16"], ["App. 12", "Am Markt 16"]),
        (["An der Mühle 5", "36251 Bad Hersfeld"], ["An der Mühle 5", "36251 Bad Hersfeld"]),
        (["Frau-Holle-Weg 3"], ["Frau-Holle-Weg 3"]),
        (["Herrnhuter Weg 2", "2. OG"], ["Herrnhuter Weg 2", "2. OG"]),
        # only the name: no address at all
        (["Herrn Jürgen Müllerschön", "", ""], []),
    ],
)
def test_the_name_line_of_a_block_is_left_out(lines: list[str], expected: list[str]) -> None:
    assert address_lines(lines) == expected


def test_a_single_address_cell_with_the_name_loses_the_name() -> None:
    roles = {"adresse": "Adresse"}
    assert address_cell({"Adresse": "Herrn Jürgen Müllerschön\nAm Markt 16\n36251 Bad "
                                    "Hersfeld"}, roles) == "Am Markt 16, 36251 Bad Hersfeld"
    assert address_cell({"Adresse": "Frau Weißgerber, Am Markt 16"}, roles) == "Am Markt 16"
    assert address_cell({"Adresse": "Am Markt 16, 36251 Bad Hersfeld"},
                        roles) == "Am Markt 16, 36251 Bad Hersfeld"
    row = {"id": "1", "Adresszeile": "Herrn Jürgen Müllerschön", "Adresszeile 2": "Am Markt 16",
           "PLZ Ort": "36251 Bad Hersfeld"}
    assert address_from_row(row, list(row)) == "Am Markt 16, 36251 Bad Hersfeld"


def _postal_rows() -> list[list[str]]:
    return [
        ["Kundennummer", "Anschrift Zeile 1", "Anschrift Zeile 2", "Anschrift Zeile 3",
         "Straße", "Kontaktabbruch seit"],
        ["P-1", "Herrn Jürgen Müllerschön", "Am Markt 16", "36251 Bad Hersfeld", "", ""],
        ["P-2", "Frau Bärbel Weißgerber", "Breitenstraße 57", "36251 Bad Hersfeld", "", ""],
        # only the name: "Adresse fehlt", without the name
        ["P-3", "Herrn Jürgen Müllerschön", "", "", "", ""],
        # another street in "Straße": the conflict names both columns, not the name line
        ["P-4", "Familie Yilmazoglu", "Am Markt 1", "36251 Bad Hersfeld", "Lindenweg 3", ""],
        # another rejection of the row: the address is not quoted anyway
        ["P-5", "Jürgen Müllerschön", "Am Markt 16", "36251 Bad Hersfeld", "", "gestern"],
    ]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_postal_export_is_read_without_names(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"serienbrief{suffix}"
    if suffix == ".csv":
        path.write_text("".join(";".join(r) + "\n" for r in _postal_rows()), encoding="utf-8")
    else:
        wb = openpyxl.Workbook()
        for r in _postal_rows():
            wb.active.append(r)
        wb.save(path)
    res = read_clients(path, today=date(2026, 12, 1))
    assert [(c.id, c.address) for c in res.clients] == [
        ("P-1", "Am Markt 16, 36251 Bad Hersfeld"),
        ("P-2", "Breitenstraße 57, 36251 Bad Hersfeld")]
    assert {r.id: (r.field, r.reason.split(";")[0].split(" (erwartet")[0])
            for r in res.rejected} == {
        "P-3": ("adresse", "Adresse fehlt"),
        "P-4": ("adresse", "zwei Anschriften: Spalte „Anschrift Zeile 1“ „Am Markt 1, 36251 "
                           "Bad Hersfeld“ und Spalte „Straße“ „Lindenweg 3“"),
        "P-5": ("kontakt_abbruch_seit", "Kontaktabbruch seit: kein lesbares Datum: „gestern“"),
    }
    text = repr((res.clients, res.rejected, res.warnings))
    assert not [n for n in NAMES if n in text]


@pytest.mark.parametrize("header", ["Adresse 2", "Adresszeile 2", "Address line 2", "Anschrift 2",
                                    "Adresszusatz", "Anschriftenzusatz"])
def test_a_lone_second_line_beside_street_columns_is_an_addition(tmp_path: Path,
                                                                 header: str) -> None:
    # review 11 #1: "Adresse 2" alone became the address: "Am Markt 2. OG links 16" was
    # found exact at Am Markt 2, "Am Markt c/o Meier 16" kept the host's name
    path = tmp_path / "crm.csv"
    path.write_text(f"Kundennummer;Straße;Hausnummer;{header};PLZ;Ort\n"
                    "B-1;Am Markt;16;Hinterhaus;36251;Bad Hersfeld\n"
                    "B-2;Am Markt;16;c/o Meier;36251;Bad Hersfeld\n"
                    "B-4;Am Markt;16;2. OG links;36251;Bad Hersfeld\n"
                    "B-5;Am Markt;16;;36251;Bad Hersfeld\n", encoding="utf-8")
    res = read_clients(path, today=date(2026, 12, 1))
    assert not res.rejected
    assert [(c.id, c.address) for c in res.clients] == [
        ("B-1", "Am Markt 16, Hinterhaus, 36251 Bad Hersfeld"),
        ("B-2", "Am Markt 16, c/o Meier, 36251 Bad Hersfeld"),
        ("B-4", "Am Markt 16, 2. OG links, 36251 Bad Hersfeld"),
        ("B-5", "Am Markt 16, 36251 Bad Hersfeld")]
    for c in res.clients:
        parsed = parse_address(c.address)
        assert (parsed.street, parsed.housenumber, parsed.postcode) == ("Am Markt", "16",
                                                                        "36251")
    assert without_care_of(res.clients[1].address) == "Am Markt 16, 36251 Bad Hersfeld"
    assert not any(header in w for w in res.warnings)  # the column is read


def test_an_addition_is_no_street() -> None:
    roles = {"strasse": "Straße", "hausnummer": "Nr", "adresszusatz": "Adresse 2",
             "plz": "PLZ", "ort": "Ort"}
    row = {"Straße": "", "Nr": "", "Adresse 2": "Hinterhaus", "PLZ": "36251",
           "Ort": "Bad Hersfeld"}
    assert address_from_row(row, roles) == "Hinterhaus, 36251 Bad Hersfeld"
    # a salutation line in the addition is left out; the town is kept even when the
    # addition names it
    row = {"Straße": "Am Markt", "Nr": "1", "Adresse 2": "Herrn Jürgen Müller\nc/o Tafel "
           "Bad Hersfeld", "PLZ": "36251", "Ort": "Bad Hersfeld"}
    assert address_from_row(row, roles) == ("Am Markt 1, c/o Tafel Bad Hersfeld, 36251 Bad "
                                            "Hersfeld")


def test_a_salutation_addition_naming_someone_else_is_kept(tmp_path: Path) -> None:
    """An addition "Frau Okafor" for client Anna Weiß names the person on the bell: kept
    (as a name, left out of the overviews like a bare name); one naming the client, or with
    no name known, is left out as before (it addresses the client)."""
    path = tmp_path / "crm.csv"
    path.write_text("Kundennummer;Name;Straße;Hausnummer;Adresszusatz;PLZ;Ort\n"
                    "S-1;Weiß, Anna;Am Markt;16;Frau Okafor;36251;Bad Hersfeld\n"
                    "S-2;Weiß, Anna;Am Markt;16;Frau Weiß;36251;Bad Hersfeld\n"
                    "S-3;Anna Weiß;Am Markt;16;Frau Dr. Anna Weiß, 2. OG;36251;Bad Hersfeld\n"
                    "S-4;;Am Markt;16;Herrn Okafor;36251;Bad Hersfeld\n"
                    "S-5;Jürgen Müller;Am Markt;16;Frau;36251;Bad Hersfeld\n"
                    "S-6;Jürgen Müller;Am Markt;16;z. Hd. Herrn Dr. von Bülow;36251;Bad Hersfeld\n"
                    # the client's name spelt another way (review 13 #7): still the client
                    "S-7;Jürgen Müller;Am Markt;16;Herrn Mueller;36251;Bad Hersfeld\n"
                    "S-8;Mehmet Yılmaz;Am Markt;16;Herrn Yilmaz;36251;Bad Hersfeld\n"
                    "S-9;Anna Weiß;Am Markt;16;Frau Weiss;36251;Bad Hersfeld\n"
                    # a capital dotted İ (casefolded to i + U+0307) against a plain I
                    "S-10;İlhan Kaya;Am Markt;16;Herrn Ilhan Kaya;36251;Bad Hersfeld\n"
                    "S-11;Ilhan Kaya;Am Markt;16;Herrn İlhan;36251;Bad Hersfeld\n",
                    encoding="utf-8")
    res = read_clients(path, today=date(2026, 12, 1))
    assert not res.rejected
    got = {c.id: c.address for c in res.clients}
    assert got == {
        "S-1": "Am Markt 16, Frau Okafor, 36251 Bad Hersfeld",
        "S-2": "Am Markt 16, 36251 Bad Hersfeld",
        "S-3": "Am Markt 16, 2. OG, 36251 Bad Hersfeld",
        "S-4": "Am Markt 16, 36251 Bad Hersfeld",
        "S-5": "Am Markt 16, 36251 Bad Hersfeld",
        "S-6": "Am Markt 16, z. Hd. Herrn Dr. von Bülow, 36251 Bad Hersfeld",
        "S-7": "Am Markt 16, 36251 Bad Hersfeld",
        "S-8": "Am Markt 16, 36251 Bad Hersfeld",
        "S-9": "Am Markt 16, 36251 Bad Hersfeld",
        "S-10": "Am Markt 16, 36251 Bad Hersfeld",
        "S-11": "Am Markt 16, 36251 Bad Hersfeld"}
    # the person on the bell stays out of the overviews, as a bare name does
    assert without_care_of(got["S-1"]) == "Am Markt 16, 36251 Bad Hersfeld"
    assert without_care_of(got["S-6"]) == "Am Markt 16, 36251 Bad Hersfeld"
    assert parse_address(got["S-1"]).street == "Am Markt"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # review 11 #2: the street line is empty: the name line became the street
        (["Jürgen Müllerschön", "", "36251 Bad Hersfeld"], ["36251 Bad Hersfeld"]),
        (["Jürgen Müllerschön", ""], []),
        (["Müllerschön, Jürgen", "36251 Bad Hersfeld"], ["36251 Bad Hersfeld"]),
        # surnames that end like a street name (-berg, -feld, -ring) are no street either
        (["Jürgen Goldberg", "36251 Bad Hersfeld"], ["36251 Bad Hersfeld"]),
        (["Anna Hering", "Jürgen Rosenfeld", "36251 Bad Hersfeld"], ["36251 Bad Hersfeld"]),
        # a street without a number is kept, the name above it is not
        (["Müllerschön, Jürgen", "Am Markt", "36251 Bad Hersfeld"],
         ["Am Markt", "36251 Bad Hersfeld"]),
        (["Jürgen Müllerschön", "Kurze Straße", "36251 Bad Hersfeld"],
         ["Kurze Straße", "36251 Bad Hersfeld"]),
        (["Jürgen Müllerschön", "Marktplatz"], ["Marktplatz"]),
        (["Marktplatz"], ["Marktplatz"]),
        # a c/o line or a flat above the postcode stays
        (["Jürgen Müllerschön", "c/o Meier", "36251 Bad Hersfeld"],
         ["c/o Meier", "36251 Bad Hersfeld"]),
    ],
)
def test_without_a_street_no_name_line_is_kept(lines: list[str], expected: list[str]) -> None:
    assert address_lines(lines) == expected


def test_a_block_without_its_street_is_rejected_without_the_name(tmp_path: Path) -> None:
    path = tmp_path / "serienbrief.csv"
    path.write_text("Kundennummer;Anschrift Zeile 1;Anschrift Zeile 2;Anschrift Zeile 3\n"
                    "P-1;Herrn Jürgen Müllerschön;Am Markt 16;36251 Bad Hersfeld\n"
                    "P-2;Jürgen Müllerschön;;36251 Bad Hersfeld\n"
                    "P-3;Bärbel Weißgerber;;\n"
                    "P-4;Müllerschön, Jürgen;Am Markt;36251 Bad Hersfeld\n", encoding="utf-8")
    res = read_clients(path, today=date(2026, 12, 1))
    assert [(c.id, c.address) for c in res.clients] == [
        ("P-1", "Am Markt 16, 36251 Bad Hersfeld"), ("P-4", "Am Markt, 36251 Bad Hersfeld")]
    assert {r.id: (r.field, r.reason) for r in res.rejected} == {
        "P-2": ("adresse", "Adresse unvollständig: Straße fehlt („36251 Bad Hersfeld“)"),
        "P-3": ("adresse", "Adresse fehlt"),
    }
    text = repr((res.clients, res.rejected, res.warnings))
    assert not [n for n in (*NAMES, "Bärbel") if n in text]


def test_postcode_and_town_alone_are_no_street(tmp_path: Path) -> None:
    path = tmp_path / "k.csv"
    path.write_text("Kundennummer;Adresse\nK-1;36251 Bad Hersfeld\nK-2;D-36251 Bad Hersfeld\n"
                    "K-3;36251 Bad Hersfeld, Am Markt 16\nK-4;Am Markt 16, 36251 Bad Hersfeld\n",
                    encoding="utf-8")
    res = read_clients(path, today=date(2026, 12, 1))
    assert [c.id for c in res.clients] == ["K-3", "K-4"]
    assert [(r.id, r.reason) for r in res.rejected] == [
        ("K-1", "Adresse unvollständig: Straße fehlt („36251 Bad Hersfeld“)"),
        ("K-2", "Adresse unvollständig: Straße fehlt („D-36251 Bad Hersfeld“)")]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        # review 11 #8: a salutation line without a comma before the street lost the street
        ("Herrn Jürgen Müllerschön Am Markt 16", "Am Markt 16"),
        ("Familie Schmidt-Yilmazoglu Am Markt 16, 36251 Bad Hersfeld",
         "Am Markt 16, 36251 Bad Hersfeld"),
        ("Frau Dr. Weißgerber Breitenstraße 57", "Breitenstraße 57"),
        ("Frau Weißgerber Hauptstr.5", "Hauptstr.5"),
        ("Herrn Jürgen Goldberg Lindenweg 5", "Lindenweg 5"),
        ("Herrn Jürgen Müllerschön Berliner Straße 5", "Berliner Straße 5"),
        ("Frau Anna zu Weißgerber Am Markt 16", "Am Markt 16"),
        # a one-word street without a type: the word before the number (QA 11d #1)
        ("Herrn Ali Hassan Hirschenau 1f, 90607 Rückersdorf", "Hirschenau 1f, 90607 Rückersdorf"),
        ("Frau Anna Lingg 3", "Lingg 3"),
        ("Herrn Jürgen Müllerschön\nAm Markt 16\n36251 Bad Hersfeld",
         "Am Markt 16, 36251 Bad Hersfeld"),
        # a street that is not recognised: the line is left out whole, never half a name
        ("Herrn Jürgen Müllerschön Friedrich Ebert Straße 5", ""),
        ("Herrn Jürgen Goldberg, 36251 Bad Hersfeld", "36251 Bad Hersfeld"),
        ("Frau Dr. Lindenberg", ""),
    ],
)
def test_a_salutation_line_keeps_the_street_after_the_name(cell: str, expected: str) -> None:
    assert address_cell({"Adresse": cell}, {"adresse": "Adresse"}) == expected


def test_a_salutation_line_without_a_street_is_named_in_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "k.csv"
    path.write_text("Kundennummer;Adresse\n"
                    "E-3;Herrn Jürgen Müllerschön Am Markt 16\n"
                    "E-4;Familie Yilmazoglu Am Markt 16, 36251 Bad Hersfeld\n"
                    "E-6;Herrn Jürgen Müllerschön Friedrich Ebert Straße 5, 36251 Bad Hersfeld\n"
                    "E-7;Frau Weißgerber\n", encoding="utf-8")
    res = read_clients(path, today=date(2026, 12, 1))
    assert [(c.id, c.address) for c in res.clients] == [
        ("E-3", "Am Markt 16"), ("E-4", "Am Markt 16, 36251 Bad Hersfeld")]
    why = ("eine Zeile beginnt mit einer Anrede und wird nicht gelesen, eine Straße darin "
           "wurde nicht erkannt: bitte Straße und Hausnummer hinter ein Komma oder in eine "
           "eigene Zeile schreiben")
    assert [(r.id, r.reason) for r in res.rejected] == [
        ("E-6", f"Adresse unvollständig: Straße fehlt („36251 Bad Hersfeld“); {why}"),
        ("E-7", f"Adresse fehlt; {why}")]
    text = repr((res.clients, res.rejected, res.warnings))
    assert not [n for n in NAMES if n in text]


def test_an_addition_drops_placeholders_and_the_town_again() -> None:
    """QA 11d #3: "-", "k. A." or the postcode and town typed again in the addition column
    were written into the address ("Marktplatz 5, k. A., 91207 Lauf")."""
    roles = {"strasse": "Straße", "hausnummer": "Nr", "adresszusatz": "Adresszusatz",
             "plz": "PLZ", "ort": "Ort"}
    for extra in ("-", "k. A.", "Lauf", "91207 Lauf", "91207"):
        row = {"Straße": "Marktplatz", "Nr": "5", "Adresszusatz": extra, "PLZ": "91207",
               "Ort": "Lauf"}
        assert address_from_row(row, roles) == "Marktplatz 5, 91207 Lauf", extra
    row = {"Straße": "Marktplatz", "Nr": "5", "Adresszusatz": "Hinterhaus", "PLZ": "91207",
           "Ort": "Lauf"}
    assert address_from_row(row, roles) == "Marktplatz 5, Hinterhaus, 91207 Lauf"


@pytest.mark.parametrize("header", ["Zusatz", "Adr.-Zusatz", "Anschrift Zusatz",
                                    "Adressergänzung"])
def test_a_plain_zusatz_column_is_the_address_addition(tmp_path: Path, header: str) -> None:
    """QA 11d #6: a column headed plain "Zusatz" (beside "Hausnummernzusatz") was not read:
    a c/o line there never reached the bell. A lone letter in it is the number's suffix."""
    path = tmp_path / "crm.csv"
    path.write_text(f"Kundennummer;Straße;Hausnummer;Hausnummernzusatz;{header};PLZ;Ort\n"
                    "Z-1;Frankenstraße;11;;Hinterhaus;91207;Lauf a.d.Pegnitz\n"
                    "Z-2;Frankenstraße;11;;c/o Meier;91207;Lauf a.d.Pegnitz\n"
                    "Z-3;Hirschenau;1;f;2. OG links;90607;Rückersdorf\n", encoding="utf-8")
    res = read_clients(path, today=date(2026, 12, 1))
    assert [(c.id, c.address) for c in res.clients] == [
        ("Z-1", "Frankenstraße 11, Hinterhaus, 91207 Lauf a.d.Pegnitz"),
        ("Z-2", "Frankenstraße 11, c/o Meier, 91207 Lauf a.d.Pegnitz"),
        ("Z-3", "Hirschenau 1f, 2. OG links, 90607 Rückersdorf")]
    assert not any(header in w for w in res.warnings)  # the column is read
    assert without_care_of(res.clients[1].address) == "Frankenstraße 11, 91207 Lauf a.d.Pegnitz"
    # without a suffix column, a lone letter in "Zusatz" is the suffix
    path.write_text("Kundennummer;Straße;Hausnummer;Zusatz;PLZ;Ort\n"
                    "Z-4;Hirschenau;1;f;90607;Rückersdorf\n"
                    "Z-5;Hirschenau 1;;F;90607;Rückersdorf\n", encoding="utf-8")
    res = read_clients(path, today=date(2026, 12, 1))
    assert [(c.id, c.address) for c in res.clients] == [
        ("Z-4", "Hirschenau 1f, 90607 Rückersdorf"), ("Z-5", "Hirschenau 1F, 90607 Rückersdorf")]


@pytest.fixture
def no_extract(monkeypatch: pytest.MonkeyPatch) -> None:
    """No OSM extract loaded in this process (as when a list is read before geocoding)."""
    import geodata.addresses

    monkeypatch.setattr(geodata.addresses, "_loaded_indexes", lambda: ())


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # QA 11d #4: the street alone, its number alone on the next line
        (["Herrn Ali Hassan", "Hirschenau", "1f", "90607 Rückersdorf"],
         ["Hirschenau 1f", "90607 Rückersdorf"]),
        (["Ali Hassan", "Hirschenau", "1f", "90607 Rückersdorf"],
         ["Hirschenau 1f", "90607 Rückersdorf"]),
        (["c/o Meier", "Hirschenau", "1f"], ["c/o Meier", "Hirschenau 1f"]),
        (["Jürgen Müllerschön", "Am Markt", "16"], ["Am Markt 16"]),
        (["Frankenstraße", "Nr. 11"], ["Frankenstraße Nr. 11"]),
        (["Marktplatz", "5", "91207 Lauf"], ["Marktplatz 5", "91207 Lauf"]),
        # a name above a lone number is not joined to it (review 12 #10: „Meier 1f“ was
        # the street a reason quoted); nor, without an extract that knows it, a one-word
        # street alone
        (["Jürgen Müllerschön", "5", "36251 Bad Hersfeld"], ["5", "36251 Bad Hersfeld"]),
        (["Meier", "1f", "36251 Bad Hersfeld"], ["1f", "36251 Bad Hersfeld"]),
        (["Yilmaz", "12", "36251 Bad Hersfeld"], ["12", "36251 Bad Hersfeld"]),
        (["Hirschenau", "1f"], ["1f"]),
        (["c/o Meier", "5"], ["c/o Meier", "5"]),
    ],
)
def test_a_lone_number_line_joins_the_street_above(lines: list[str], expected: list[str],
                                                    no_extract: None) -> None:
    assert address_lines(lines) == expected


def test_a_lone_number_joins_a_street_the_extract_knows(lauf_pbf: Path,
                                                        bad_hersfeld_pbf: Path) -> None:
    """With the extract loaded, a one-word street alone above its number is joined; a
    name is not, since no street of the extract has it."""
    from geodata.geocode import load_index

    load_index(lauf_pbf), load_index(bad_hersfeld_pbf)
    assert address_lines(["Hirschenau", "1f", "90607 Rückersdorf"]) == [
        "Hirschenau 1f", "90607 Rückersdorf"]
    assert address_lines(["Vogelsang", "1", "36251 Bad Hersfeld"]) == [
        "Vogelsang 1", "36251 Bad Hersfeld"]
    assert address_lines(["Meier", "1f", "36251 Bad Hersfeld"]) == ["1f", "36251 Bad Hersfeld"]


def test_a_name_above_a_lone_number_is_not_quoted(tmp_path: Path, no_extract: None) -> None:
    """Review 12 #10: a block "Meier" / (no street) / "1f" / "36251 Bad Hersfeld" was read
    as the street „Meier 1f“; the reason quoting the address named the person."""
    path = tmp_path / "block.csv"
    path.write_text("Kundennummer;Anschrift Zeile 1;Anschrift Zeile 2;Anschrift Zeile 3;"
                    "Anschrift Zeile 4\n"
                    "B-1;Müllerschön;;1f;36251 Bad Hersfeld\n", encoding="utf-8")
    res = read_clients(path, today=date(2026, 12, 1))
    assert "Müllerschön" not in repr(res.clients) + repr(res.rejected)


def test_a_block_of_street_and_number_lines_is_found(tmp_path: Path, lauf_pbf: Path,
                                                     no_extract: None) -> None:
    """QA 11d #4: ``Adresse; Adresse 2; PLZ; Ort`` = ``Hirschenau; 1f; 90607; Rückersdorf``
    lost the street ("1f, 90607 Rückersdorf", unresolved). A column headed plain
    "Adresse" holds the street: its one word is joined to the number below it, also
    before any extract is loaded (a list is read before it is geocoded)."""
    from geodata.geocode import load_index

    path = tmp_path / "mixed.csv"
    path.write_text("Kundennummer;Adresse;Adresse 2;PLZ;Ort\n"
                    "M-1;Hirschenau;1f;90607;Rückersdorf\n"
                    "M-2;Frankenstraße;11;91207;Lauf a.d.Pegnitz\n", encoding="utf-8")
    res = read_clients(path, today=date(2026, 12, 1))
    assert [(c.id, c.address) for c in res.clients] == [
        ("M-1", "Hirschenau 1f, 90607 Rückersdorf"),
        ("M-2", "Frankenstraße 11, 91207 Lauf a.d.Pegnitz")]
    index = load_index(lauf_pbf)
    for c in res.clients:
        r = index.geocode(c.address)
        assert r.quality == "exact" and not r.doubt, r


@pytest.mark.parametrize(
    ("addition", "address", "shown"),
    [
        # review 12 #3: brackets of the addition's own made the name the town
        ("Meier (Untermieter)", "Vogelsang 1 (Meier, Untermieter)", "Vogelsang 1 (Untermieter)"),
        ("Meier)", "Vogelsang 1 (Meier)", "Vogelsang 1"),
        ("(Meier", "Vogelsang 1 (Meier)", "Vogelsang 1"),
        ("Hinterhaus (links)", "Vogelsang 1 (Hinterhaus, links)", "Vogelsang 1 (Hinterhaus, links)"),
        # review 12 #16: a family on the bell is kept (as a c/o part), and so is the rest
        ("Fam. Meier, Hinterhaus", "Vogelsang 1 (Fam. Meier, Hinterhaus)", "Vogelsang 1 (Hinterhaus)"),
        ("Fam. Meier; Hinterhaus", "Vogelsang 1 (Fam. Meier, Hinterhaus)", "Vogelsang 1 (Hinterhaus)"),
        ("Familie Meier", "Vogelsang 1 (Familie Meier)", "Vogelsang 1"),
        ("Hinterhaus\nFamilie Meier", "Vogelsang 1 (Hinterhaus, Familie Meier)",
         "Vogelsang 1 (Hinterhaus)"),
        # the addressee (the client) is still left out
        ("Herrn Jürgen Müllerschön, Hinterhaus", "Vogelsang 1 (Hinterhaus)",
         "Vogelsang 1 (Hinterhaus)"),
        ("Frau Meier", "Vogelsang 1", "Vogelsang 1"),
    ],
)
def test_an_addition_with_brackets_or_a_family_keeps_its_parts(addition: str, address: str,
                                                                shown: str) -> None:
    roles = {"strasse": "Straße", "hausnummer": "Nr", "adresszusatz": "Adresszusatz"}
    row = {"Straße": "Vogelsang", "Nr": "1", "Adresszusatz": addition}
    assert address_from_row(row, roles) == address
    a = parse_address(address)
    assert (a.street, a.housenumber, a.town) == ("Vogelsang", "1", ""), a
    assert without_care_of(address) == shown
    # with postcode and town after it
    row.update(PLZ="36251", Ort="Bad Hersfeld")
    full = address_from_row(row, {**roles, "plz": "PLZ", "ort": "Ort"})
    assert parse_address(full).town == "Bad Hersfeld"
    assert "Meier" not in without_care_of(full)


def test_a_zusatz_away_from_the_street_is_a_remark_unless_its_cells_are_additions(
        tmp_path: Path) -> None:
    """Review 12 #16: a plain "Zusatz" after the town holding remarks ("Hund",
    "Dolmetscher Arabisch", "nur vormittags") was written into the address; it is the
    addition only beside the street or the number, or when most of its cells look like
    additions."""
    path = tmp_path / "remarks.csv"
    path.write_text("Kundennummer;Straße;Hausnummer;PLZ;Ort;Zusatz\n"
                    "R-1;Frankenstraße;11;91207;Lauf a.d.Pegnitz;Hund\n"
                    "R-2;Frankenstraße;11;91207;Lauf a.d.Pegnitz;Dolmetscher Arabisch\n"
                    "R-3;Frankenstraße;11;91207;Lauf a.d.Pegnitz;nur vormittags\n"
                    "R-4;Frankenstraße;11;91207;Lauf a.d.Pegnitz;Hinterhaus\n", encoding="utf-8")
    res = read_clients(path, today=date(2026, 12, 1))
    assert {c.address for c in res.clients} == {"Frankenstraße 11, 91207 Lauf a.d.Pegnitz"}
    assert "adresszusatz" not in res.columns
    assert any("„Zusatz“" in w for w in res.warnings)  # named, not evaluated
    assert "Dolmetscher" not in repr(res.clients[1])  # and not kept
    # the same place, additions in most cells: the address addition
    path.write_text("Kundennummer;Straße;Hausnummer;PLZ;Ort;Zusatz\n"
                    "A-1;Frankenstraße;11;91207;Lauf a.d.Pegnitz;2. OG links\n"
                    "A-2;Frankenstraße;11;91207;Lauf a.d.Pegnitz;Hinterhaus\n"
                    "A-3;Frankenstraße;11;91207;Lauf a.d.Pegnitz;c/o Meier\n"
                    "A-4;Frankenstraße;11;91207;Lauf a.d.Pegnitz;\n", encoding="utf-8")
    res = read_clients(path, today=date(2026, 12, 1))
    assert [c.address for c in res.clients] == [
        "Frankenstraße 11, 2. OG links, 91207 Lauf a.d.Pegnitz",
        "Frankenstraße 11, Hinterhaus, 91207 Lauf a.d.Pegnitz",
        "Frankenstraße 11, c/o Meier, 91207 Lauf a.d.Pegnitz",
        "Frankenstraße 11, 91207 Lauf a.d.Pegnitz"]
    # beside the number it is the addition, and a half number its suffix
    assert address_columns(["Kundennummer", "Straße", "Hausnummer", "Zusatz", "Notiz"])[
        "adresszusatz"] == "Zusatz"
    roles = address_columns(["Straße", "Hausnummer", "Zusatz"])
    for suffix, address in (("1/2", "Vogelsang 1 1/2"), ("/1", "Vogelsang 1/1"),
                            ("a", "Vogelsang 1a")):
        assert address_from_row({"Straße": "Vogelsang", "Hausnummer": "1", "Zusatz": suffix},
                                roles) == address
    assert parse_address("Vogelsang 1 1/2").housenumber == "1½"
