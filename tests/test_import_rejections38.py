"""QA 38 F8: the rejected rows of the last import, shown again later (*Kundenliste*,
``/kunden/ablehnungen.csv``), hid every typed value, also where it cannot be a name
(„Besuchsdauer nicht lesbar: „…““, „Zeitfenster „…“: „…“ nicht verstanden“): nothing
left to correct by. A duration, a window, a date or a time without a word that could be
a name is kept now; a value withheld says so, with the row of the list to look at.
Real SQLite, the real Bad Hersfeld extract, the command line's import as users run it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.web_fixtures import HEADER, NAME_MARK

CITY = "Bad Hersfeld"


def test_stored_reason_keeps_values_that_cannot_be_a_name() -> None:
    from hausbesuch.casework.service import stored_reason

    safe = {"Datum", "L-1010"}
    assert stored_reason("Besuchsdauer nicht lesbar: „45-60 Min“ (erwartet Minuten, z. B. "
                         "45)", safe, field="besuchsdauer", row=38) == \
        "Besuchsdauer nicht lesbar: „45-60 Min“ (erwartet Minuten, z. B. 45)"
    assert stored_reason("Zeitfenster „Dienstag 25-27 Uhr“: „25-27 Uhr“ nicht verstanden",
                         safe, field="zeitfenster", row=38) == \
        "Zeitfenster „Dienstag 25-27 Uhr“: „25-27 Uhr“ nicht verstanden"
    # words that are no weekday, month, unit or time, also in lower case, and weekdays or
    # months alone (names too: „Freitag“, „August“; review 38 #6): not kept
    for typed in ("abc", "Dienstag irgendwann", "meier", "Freitag", "August Meier",
                  "Mai Montag", "30 meier"):
        assert stored_reason(f"Besuchsdauer nicht lesbar: „{typed}“", safe,
                             field="besuchsdauer", row=7) == (
            "Besuchsdauer nicht lesbar: „…“ (Wert nicht gespeichert: Datenschutz; siehe "
            "Zeile 7 der Liste)"), typed
    # a name typed into a date or window (a shifted export) is not kept, and said so
    assert stored_reason("Kontaktabbruch seit: kein gültiges Datum: „Frau Meier“", safe,
                         field="kontakt_abbruch_seit", row=13) == (
        "Kontaktabbruch seit: kein gültiges Datum: „…“ (Wert nicht gespeichert: "
        "Datenschutz; siehe Zeile 13 der Liste)")
    assert stored_reason("Zeitfenster „Mo 9-11 Meier“: „Meier“ nicht verstanden", safe,
                         field="zeitfenster", row=3) == (
        "Zeitfenster „…“: „…“ nicht verstanden (Werte nicht gespeichert: Datenschutz; "
        "siehe Zeile 3 der Liste)")
    # a row's reasons joined: each part by its own field (an address is free text)
    assert stored_reason("Adresse unvollständig: Straße fehlt („Meier, 36251 Bad "
                         "Hersfeld“); Besuchsdauer nicht lesbar: „45-60 Min“", safe,
                         field="adresse", row=5) == (
        "Adresse unvollständig: Straße fehlt („…“); Besuchsdauer nicht lesbar: „45-60 Min“ "
        "(Wert nicht gespeichert: Datenschutz; siehe Zeile 5 der Liste)")


@pytest.mark.slow
def test_the_last_import_shows_the_value_of_a_duration_and_a_window_later(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    from geodata.geocode import load_index
    from hausbesuch.demo import real_addresses
    from hausbesuch.store import Store
    from hausbesuch.web.casework_api import last_import, rejections_csv
    from tests.cli_helpers import city_db, ok

    addrs = real_addresses(load_index(bad_hersfeld_pbf))[:5]
    rows = [["G-1", f"{NAME_MARK} A", "", "", "", "", "", "", "", "", "45-60 Min", ""],
            ["G-2", f"{NAME_MARK} B", "", "", "", "", "", "", "Dienstag 25-27 Uhr", "",
             "30", ""],
            ["G-3", f"{NAME_MARK} C", "", "", "", "", f"{NAME_MARK} Zimmerlein", "", "", "",
             "30", ""],
            ["G-4", f"{NAME_MARK} D", "", "", "", "", "", "", "", "", "30", ""],
            # an id with a long run of letters (QA 38 F7: the web named the profile's key)
            ["Hausmeister7", f"{NAME_MARK} E", "", "", "", "", "", "", "", "", "30", ""]]
    for r, (street, hn, pc, town) in zip(rows, addrs, strict=True):
        r[2:6] = [street, hn, pc, town or CITY]
    path = tmp_path / "liste.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        w.writerows(rows)
    db = f"sqlite:///{tmp_path / 'f8.sqlite'}"
    out = " ".join(ok("import", str(path), *city_db(db)).split())
    # the command line keeps the profile's key (its user sets the profile)
    assert "[casework] kundennummer_muster" in out, out
    with Store.open(db) as store:
        last = last_import(store, CITY)
    assert last is not None
    said = {r["id"]: r["grund"] for r in last["rejected"]}
    assert said.pop("G-1") == ("Besuchsdauer nicht lesbar: „45-60 Min“ (erwartet Minuten, "
                               "z. B. 45)")
    assert said.pop("G-2") == "Zeitfenster „Dienstag 25-27 Uhr“: ungültige Uhrzeit"
    # (the example date of the reason is today's)
    assert said["G-3"].startswith("kein lesbares Datum: „…“ (erwartet z. B. ") and said[
        "G-3"].endswith(") (Wert nicht gespeichert: Datenschutz; siehe Zeile 4 der Liste)")
    # the web: the coordination is told whom to ask, no profile key
    assert said.pop("") == (
        "Kundennummer enthält 5 oder mehr Buchstaben hintereinander (wie ein Name oder eine "
        "Straße): bitte die pseudonyme Kundennummer aus der Fachanwendung eintragen, keinen "
        "Namen und keine Anschrift; hat die Fachanwendung Nummern mit längeren "
        "Buchstabenfolgen, bitte die Administration informieren: sie kann deren Format im "
        "Stadtprofil festlegen")
    assert list(said) == ["G-3"]
    text = rejections_csv(last["rejected"])
    assert "„45-60 Min“" in text and "„Dienstag 25-27 Uhr“" in text and NAME_MARK not in text
