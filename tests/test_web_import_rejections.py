"""The rows an import rejected stay retrievable until the city's next import (QA 22 F10).

The web's upload showed them once, on its result page: leave the page and they were gone,
and a coordinator interrupted after the upload had no record that clients of the export
were missing. *Kundenliste* now shows the last import (when, by whom, counts) with its
rejected rows and a CSV of them; the store keeps no typed value that could be a name or
an address. Its own app over a fresh SQLite database, served by uvicorn on loopback.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from tests.web_fixtures import (
    HEADER,
    NAME_MARK,
    bare_app,
    live_server,
    login,
    upload_list,
)

CITY = "Bad Hersfeld"
#: typed where a date belongs (a shifted export): a reason quotes it
NAME_IN_DATE = f"{NAME_MARK} Zimmerlein"
#: an address without its street: the reason quotes the address typed
TOWN_ONLY = "Hersfelder Nebenweg"


def _write(path: Path, index, *, rejected: bool) -> list[str]:  # noqa: ANN001
    """A list of ten good rows and, with ``rejected``, four bad ones; returns the names."""
    from hausbesuch.demo import real_addresses

    addrs = real_addresses(index)[:10]
    rows = [[f"R{i:03d}", f"{NAME_MARK} {chr(65 + i)}", street, hn, pc, town or CITY,
             "01.01.2024", "", "", "", "30", ""]
            for i, (street, hn, pc, town) in enumerate(addrs)]
    if rejected:
        street, hn, pc, town = addrs[0]
        rows += [
            ["R100", f"{NAME_MARK} Datum", street, hn, pc, town or CITY, "31.02.2026",
             "", "", "", "30", ""],
            ["R101", f"{NAME_MARK} Schief", street, hn, pc, town or CITY, NAME_IN_DATE,
             "", "", "", "30", ""],
            ["", f"{NAME_MARK} Ohne", street, hn, pc, town or CITY, "01.01.2024",
             "", "", "", "30", ""],
            ["R102", f"{NAME_MARK} Ohnestraße", "", TOWN_ONLY, "36251", CITY, "01.01.2024",
             "", "", "", "30", ""],
        ]
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        w.writerows(rows)
    return [r[1] for r in rows]


def _upload(kora: httpx.Client, path: Path) -> httpx.Response:
    return upload_list(kora, path, CITY)


def _rejected_table(html: str, section: str = "letzter-import") -> list[list[str]]:
    """The rows of the page's table of the last import's rejected rows (``section``
    "bericht": of the import's result, right after the upload)."""
    import re

    part = html.split(f'id="{section}"', 1)
    assert len(part) == 2, f"no {section} on the page"
    body = part[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [re.findall(r"<td[^>]*>(.*?)</td>", r, re.S) for r in rows if "<td" in r]


def _page_text(page: str) -> str:
    import html
    import re

    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.mark.slow
def test_rejected_rows_stay_until_the_next_import(tmp_path: Path,
                                                  bad_hersfeld_pbf: Path) -> None:
    from geodata.geocode import load_index

    app = bare_app(tmp_path)
    store = app.state.web.store
    index = load_index(bad_hersfeld_pbf)
    names = _write(tmp_path / "liste.csv", index, rejected=True)
    with live_server(app) as live, httpx.Client(base_url=live.url, timeout=120) as kora:
        assert login(kora, "kora").status_code == 303
        before = kora.get("/kunden/import")
        assert 'id="letzter-import"' not in before.text  # no import yet
        up = _upload(kora, tmp_path / "liste.csv")
        assert up.status_code == 200, up.text[-500:]
        assert "4</strong> abgelehnt" in up.text
        assert "/kunden/ablehnungen.csv" in up.text

        # leave the page, come back: the rejected rows are listed
        assert kora.get("/adressen").status_code == 200
        page = kora.get("/kunden/import")
        assert page.status_code == 200
        text = " ".join(page.text.split())
        # when, as the pages write a moment: with the weekday
        assert re.search(r"Letzter Import am (Mo|Di|Mi|Do|Fr|Sa|So), \d\d\.\d\d\.\d{4}, "
                         r"\d\d:\d\d Uhr von kora:", text), text
        assert "10</strong> neu" in text and "4 Zeilen</strong> abgelehnt" in text
        table = _rejected_table(page.text)
        assert [(r[0], r[1], r[2]) for r in table] == [
            ("12", "R100", "Kontaktabbruch seit"), ("13", "R101", "Kontaktabbruch seit"),
            ("14", "", "Kundennummer"), ("15", "R102", "Adresse")]
        assert "„31.02.2026“" in table[0][3]  # a date typed wrongly is named
        assert "fehlt" in table[2][3]
        assert "Straße fehlt" in table[3][3]
        for row in table:  # what could be a name or an address stands as „…“
            assert NAME_MARK not in row[3] and TOWN_ONLY not in row[3], row
        assert "„…“" in table[1][3] and "„…“" in table[3][3]

        # the CSV has them too, without names
        got = kora.get(f"/kunden/ablehnungen.csv?stadt={CITY}")
        assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
        lines = list(csv.reader(io.StringIO(got.text.lstrip("\ufeff")), delimiter=";"))
        assert lines[0] == ["Zeile", "Kundennummer", "Feld", "Grund", "In der Datenbank"]
        assert [r[:3] for r in lines[1:]] == [[r[0], r[1], r[2]] for r in table]
        assert NAME_MARK not in got.text and TOWN_ONLY not in got.text

        # the store's new rows hold no name and no address
        from hausbesuch.store import ImportRejectionRow, LastImportRow

        with store.session() as s:
            kept = [(r.input_row, r.client_id, r.field_name, r.reason)
                    for r in s.scalars(select(ImportRejectionRow))]
            last = s.get(LastImportRow, CITY)
        assert len(kept) == 4 and last is not None and last.rejected == 4
        assert last.imported_by == "kora"
        for row in kept:
            for name in names:
                assert name not in str(row)
            assert TOWN_ONLY not in str(row) and NAME_MARK not in str(row)
        # showing and downloading them is audited with the Kundennummern shown
        views = store.audit_rows(action="import_ablehnungen_angezeigt")
        assert [v["details"]["ausgabe"] for v in views] == ["web", "csv"]
        assert views[0]["details"]["kundennummern"] == ["R100", "R101", "R102"]

        # a second import replaces them
        _write(tmp_path / "liste2.csv", index, rejected=False)
        assert _upload(kora, tmp_path / "liste2.csv").status_code == 200
        again = " ".join(kora.get("/kunden/import").text.split())
        assert "0 Zeilen</strong> abgelehnt" in again and "10</strong> unverändert" in again
        assert _rejected_table(kora.get("/kunden/import").text) == []
        with store.session() as s:
            assert s.scalars(select(ImportRejectionRow)).all() == []
        got = kora.get(f"/kunden/ablehnungen.csv?stadt={CITY}")
        assert got.text.lstrip("\ufeff").strip() == \
            "Zeile;Kundennummer;Feld;Grund;In der Datenbank"


def test_stored_reason_keeps_dates_and_ids_and_drops_typed_words() -> None:
    from hausbesuch.casework.service import stored_reason

    safe = {"L-1010", "Kontaktabbruch seit", "Datum"}
    assert stored_reason("kein gültiges Datum: „31.02.2026“", safe) == \
        "kein gültiges Datum: „31.02.2026“"
    assert stored_reason("Kundennummer „l-1010“ in Zeile 19 doppelt", safe) == \
        "Kundennummer „l-1010“ in Zeile 19 doppelt"
    assert stored_reason("Adresse unvollständig: Straße fehlt („Meier, 36251 Bad "
                         "Hersfeld“)", safe) == "Adresse unvollständig: Straße fehlt („…“)"
    assert stored_reason("kein gültiges Datum: „Frau Meier“; bitte die Spalte „Datum“",
                         safe) == "kein gültiges Datum: „…“; bitte die Spalte „Datum“"


@pytest.mark.slow
def test_command_line_import_is_the_last_import_too(tmp_path: Path, bad_hersfeld_pbf: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """``hausbesuch import`` keeps its result as the city's last import, as the web's
    upload does: *Kundenliste* names it (by the command line's user)."""
    from geodata.geocode import load_index
    from hausbesuch.store import Store
    from hausbesuch.web.casework_api import last_import
    from tests.cli_helpers import city_db, ok

    monkeypatch.setenv("HAUSBESUCH_USER", "pruefer")
    _write(tmp_path / "liste.csv", load_index(bad_hersfeld_pbf), rejected=True)
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    ok("import", str(tmp_path / "liste.csv"), *city_db(db))
    with Store.open(db) as store:
        last = last_import(store, CITY)
    assert last is not None
    assert (last["by"], last["new"], last["rejected_count"]) == ("pruefer (Befehlszeile)",
                                                                10, 4)
    assert [r["id"] for r in last["rejected"]] == ["R100", "R101", "", "R102"]


def test_disclosure_finds_a_rejected_row_of_an_id_with_non_ascii_letters(sqlite_store) -> None:
    """Review 23 #8: the disclosure finds the last import's rejected rows of a case in any
    spelling of its id; on SQLite, ``lower()`` changes only ASCII letters, so the case
    „öz-12“ missed the row the list spelled „ÖZ-12“."""
    from datetime import datetime

    from hausbesuch.casework.disclosure import disclosure_text
    from hausbesuch.store import ClientRow, ImportRejectionRow, LastImportRow

    at = datetime(2026, 12, 4, 9, 30)
    with sqlite_store.session() as s:
        s.add(ClientRow(city=CITY, client_id="öz-12", input_row=2, address="Am Markt 1",
                        created_at=at, updated_at=at))
        s.add(LastImportRow(city=CITY, imported_at=at, imported_by="cli:kora", total_rows=2,
                            new=0, updated=0, unchanged=1, rejected=1))
        s.flush()
        s.add(ImportRejectionRow(city=CITY, seq=0, input_row=3, client_id="ÖZ-12",
                                 field_name="kontakt_abbruch_seit",
                                 reason="Kontaktabbruch seit: kein gültiges Datum: „…“"))
    text = disclosure_text(sqlite_store, CITY, "öz-12")
    assert ("Liste vom 04.12.2026 09:30, Zeile 3 (Kontaktabbruch seit): kein gültiges "
            "Datum: „…“") in text, text


@pytest.mark.slow
def test_a_rejected_row_of_a_case_in_the_database_is_not_said_to_be_missing(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    """QA 31: after a list with a case id twice (its first row read in, the second
    rejected), *Kundenliste* said „Diese Kundinnen und Kunden der Liste sind nicht in der
    Datenbank“ over both rejected rows, the duplicate's case among them. Each rejected row
    now says whether its case is in the database („ja, aus Zeile 2“; „ja, mit den
    bisherigen Daten“ for a stored case whose row was not read; „nein“), and the note
    claims absence only of those that are absent. The upload's result page says it as
    *Kundenliste* and ``ablehnungen.csv`` do (it had no such column)."""
    street, hn, pc, town = "Breitenstraße", "24", "36251", CITY

    def write(path: Path, rows: list[tuple[str, str]]) -> Path:
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh, delimiter=";")
            w.writerow(HEADER)
            for cid, since in rows:
                w.writerow([cid, f"{NAME_MARK} {cid}", street, hn, pc, town, since, "", "",
                            "", "30", ""])
        return path

    app = bare_app(tmp_path)
    with live_server(app) as live, httpx.Client(base_url=live.url, timeout=120) as kora:
        assert login(kora, "kora").status_code == 303
        # K-3001 stored first; then the list: K-3005 twice, K-3001 and K-3009 with a
        # date that does not exist
        assert _upload(kora, write(tmp_path / "a.csv", [("K-3001", "01.01.2024")])
                       ).status_code == 200
        up = _upload(kora, write(tmp_path / "b.csv", [
            ("K-3005", "01.01.2024"), ("K-3005", "01.01.2024"), ("K-3001", "31.02.2025"),
            ("K-3009", "31.02.2025")]))
        assert up.status_code == 200 and "3</strong> abgelehnt" in up.text
        page = kora.get("/kunden/import").text
        got = kora.get(f"/kunden/ablehnungen.csv?stadt={CITY}").text
    table = _rejected_table(page)
    assert [(r[0], r[1], r[4]) for r in table] == [
        ("3", "K-3005", "ja, aus Zeile 2"), ("4", "K-3001", "ja, mit den bisherigen Daten"),
        ("5", "K-3009", "nein")], table
    # the upload's result page says it as well, with the same note (it had no column
    # „In der Datenbank“)
    result = _rejected_table(up.text, "bericht")
    assert all(len(r) == 5 for r in result), result  # Zeile … In der Datenbank
    assert [(r[0], r[1], r[4]) for r in result] == [(r[0], r[1], r[4]) for r in table], result
    assert '<th role="columnheader">In der Datenbank</th>' in up.text.split('id="bericht"')[1]
    assert ("Nicht in der Datenbank sind die Kundinnen und Kunden mit „nein“ unter „In der "
            "Datenbank“") in _page_text(up.text)
    # the download says it too
    lines = list(csv.reader(io.StringIO(got.lstrip("\ufeff")), delimiter=";"))
    assert [(r[0], r[1], r[4]) for r in lines[1:]] == [(r[0], r[1], r[4]) for r in table]
    text = _page_text(page)
    assert "Diese Kundinnen und Kunden der Liste sind nicht in der Datenbank" not in text
    assert ("Nicht in der Datenbank sind die Kundinnen und Kunden mit „nein“ unter „In der "
            "Datenbank“") in text
    from sqlalchemy import select as sql_select

    from hausbesuch.store import ClientRow

    with app.state.web.store.session() as s:  # what the page says is so
        assert set(s.scalars(sql_select(ClientRow.client_id))) == {"K-3001", "K-3005"}

