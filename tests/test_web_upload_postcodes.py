"""The web's upload of the client list says which rows' PLZ is no postcode (session 35,
misc 5: checked, not changed).

``hausbesuch import`` names such rows (row and column) in its note and ``--report`` gives
each row its reason; the upload's result page shows the same note of the import (its
``warnings``), naming row and column, with the rows read in. This pins that, over real
HTTP against its own app on a fresh SQLite database.
"""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import httpx

from tests.web_fixtures import HEADER, bare_app, live_server, login, upload_list

CITY = "Bad Hersfeld"


def test_the_upload_result_names_the_rows_whose_plz_is_no_postcode(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    from geodata.geocode import load_index
    from hausbesuch.demo import real_addresses

    addrs = real_addresses(load_index(bad_hersfeld_pbf))[:4]
    rows = [[f"P{i:03d}", f"Name {chr(65 + i)}", street, hn, pc, town or CITY, "01.01.2024",
             "", "", "", "30", ""] for i, (street, hn, pc, town) in enumerate(addrs)]
    rows[0][4], rows[2][4] = "362511", "3625x"
    with open(tmp_path / "liste.csv", "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        w.writerows(rows)
    app = bare_app(tmp_path)
    with live_server(app) as live, httpx.Client(base_url=live.url, timeout=120) as kora:
        assert login(kora, "kora").status_code == 303
        up = upload_list(kora, tmp_path / "liste.csv", CITY)
    assert up.status_code == 200, up.text[-500:]
    result = up.text.split('id="bericht"', 1)[1].split("</section>", 1)[0]
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", result)).split())
    assert "4 neu" in text and "0 abgelehnt" in text, text
    assert ("liste.csv: Zeile 2, Spalte „PLZ“: „362511“; Zeile 4, Spalte „PLZ“: „3625x“. "
            "Das sind keine Postleitzahlen (fünf Ziffern). Die Zeilen sind eingelesen, ihre "
            "Adressen werden ohne PLZ gesucht (nach Straße und Ort); bitte die PLZ in der "
            "Kundenliste berichtigen.") in text, text
