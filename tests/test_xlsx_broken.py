"""A workbook whose XML is broken or carries a document type declaration (QA 17a F2).

openpyxl raises ``xml.etree.ElementTree.ParseError`` (a ``SyntaxError``) for a sheet that
is not well-formed XML; it was not caught: a 500 page on the web uploads and a traceback
from ``hausbesuch import``. Now every such file is refused with the German message of the
other unreadable workbooks, naming the file; a ``<!DOCTYPE`` (the way of entity tricks;
Excel and LibreOffice never write one) is refused before openpyxl parses anything.

The workbooks are a real one (openpyxl) with one part replaced, built here with zipfile.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web_fixtures import HEADER, bare_app, csrf_of, live_server, logged_in

CITY = "Bad Hersfeld"
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
ROW = f'<row r="1"><c r="A1" t="inlineStr"><is><t>{HEADER[0]}</t></is></c></row>'
SHEET = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {NS}><sheetData>'

#: Sheet XML that openpyxl cannot parse, and the DTD tricks (refused before parsing).
BROKEN = {
    "abgeschnitten": SHEET + ROW[:40],
    "kaufmanns-und": SHEET + ROW.replace(HEADER[0], "Kundennummer & Name") + "</sheetData></worksheet>",
    "externe-entitaet": ('<?xml version="1.0"?>\n<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM '
                         '"file:///etc/hostname">]>\n' + f"<worksheet {NS}><sheetData>"
                         + ROW.replace(HEADER[0], "&xxe;") + "</sheetData></worksheet>"),
    "verschachtelte-entitaeten": (
        '<?xml version="1.0"?>\n<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {c} "{("&" + p + ";") * 10}">'
                  for p, c in zip("abcdefg", "bcdefgh", strict=True))
        + f"]>\n<worksheet {NS}><sheetData>" + ROW.replace(HEADER[0], "&h;")
        + "</sheetData></worksheet>"),
}


def _workbook() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(HEADER)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _with_part(part: str, text: str | bytes) -> bytes:
    """The workbook of :func:`_workbook` with ``part`` replaced by ``text``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_workbook())) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, text if info.filename == part else src.read(info))
    return out.getvalue()


def _broken(kind: str) -> bytes:
    return _with_part("xl/worksheets/sheet1.xml", BROKEN[kind])


def _says_unreadable(message: str, name: str) -> None:
    assert (f"Die Datei {name} ist keine lesbare XLSX-Datei (XML beschädigt" in message
            or f"Die Datei {name} ist beschädigt: ein Arbeitsblatt kann nicht gelesen werden "
               "(XML beschädigt)" in message), message
    assert "Bitte in Excel oder LibreOffice als .xlsx oder CSV neu speichern." in message
    for english in ("Traceback", "ParseError", "not well-formed", "undefined entity",
                    "SyntaxError"):
        assert english not in message, message


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_read_table_refuses_broken_or_dtd_sheet_xml_in_german(tmp_path: Path, kind: str) -> None:
    from hausbesuch.errors import UserError
    from hausbesuch.tabular import read_table

    path = tmp_path / f"{kind}.xlsx"
    path.write_bytes(_broken(kind))
    with pytest.raises(UserError) as info:
        read_table(path)
    _says_unreadable(str(info.value), str(path))
    if kind.endswith(("entitaet", "entitaeten")):  # refused before openpyxl parses it
        assert "DOCTYPE" in str(info.value) and "xl/worksheets/sheet1.xml" in str(info.value)


def test_a_doctype_in_any_xml_part_is_refused(tmp_path: Path) -> None:
    """Not only in the sheets: the shared list of parts too (UTF-16 as well)."""
    from hausbesuch.errors import UserError
    from hausbesuch.tabular import read_table

    types = ('<?xml version="1.0"?><!DOCTYPE Types [<!ENTITY x "y">]><Types xmlns='
             '"http://schemas.openxmlformats.org/package/2006/content-types"/>')
    for text in (types, types.replace('"1.0"?>', '"1.0" encoding="UTF-16"?>')
                 .encode("utf-16-le")):
        path = tmp_path / "typen.xlsx"
        path.write_bytes(_with_part("[Content_Types].xml", text))
        with pytest.raises(UserError) as info:
            read_table(path)
        assert "DOCTYPE" in str(info.value) and "[Content_Types].xml" in str(info.value)


def test_a_damaged_deflate_stream_is_refused_in_german(tmp_path: Path) -> None:
    """zlib's own error (not a BadZipFile) for a part whose packed bytes are damaged."""
    from hausbesuch.errors import UserError
    from hausbesuch.tabular import read_table

    data = bytearray(_workbook())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start:start + 8] = b"\xff" * 8
    path = tmp_path / "zlib.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(UserError) as info_:
        read_table(path)
    assert f"Die Datei {path} ist keine lesbare XLSX-Datei (das ZIP-Archiv" in str(info_.value)


@pytest.mark.parametrize("kind", ["abgeschnitten", "externe-entitaet"])
def test_cli_import_exits_2_with_the_german_message(tmp_path: Path, kind: str) -> None:
    from tests.cli_helpers import run

    path = tmp_path / f"{kind}.xlsx"
    path.write_bytes(_broken(kind))
    result = run("import", str(path), "--city", "bad-hersfeld",
                 "--db", f"sqlite:///{tmp_path / 'hb.sqlite'}")
    assert result.exit_code == 2, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit)
    _says_unreadable(" ".join(result.output.split()), str(path))


# --------------------------------------------------------------------------- web uploads


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with live_server(bare_app(tmp_path_factory.mktemp("xlsx-broken"))) as live:
        yield live.url


@pytest.mark.parametrize("kind", sorted(BROKEN))
@pytest.mark.parametrize("path,page", [("/kunden/import", "/kunden/import"),
                                       ("/teams/hochladen", "/teams")])
def test_web_upload_of_a_broken_workbook_is_a_german_400(
        bare: str, kind: str, path: str, page: str) -> None:
    import html
    import re

    with logged_in(bare, "kora") as kora:
        csrf = csrf_of(kora.get(page).text)
        r = kora.post(path, data={"csrf_token": csrf, "stadt": CITY}, files={
            "datei": (f"{kind}.xlsx", _broken(kind),
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")})
    assert r.status_code == 400, r.text[-800:]
    m = re.search(r'<p class="error" role="alert">(.*?)</p>', r.text, re.S)
    assert m, r.text[-800:]
    _says_unreadable(html.unescape(m.group(1)), f"{kind}.xlsx")
    assert "Fehlernummer" not in r.text


def test_headers_fit(tmp_path: Path) -> None:
    """The workbook the broken ones are made from is read (the test builds them right)."""
    from hausbesuch.tabular import read_table

    path = tmp_path / "gut.xlsx"
    path.write_bytes(_workbook())
    assert read_table(path).columns[0] == HEADER[0]


# ------------------------------------------- parts under any name, encrypted parts (review 17)


def _renamed_sheet(text: str | None = None) -> bytes:
    """The workbook with its sheet stored as ``xl/worksheets/sheet1.dat`` (the relations
    and the content types point there: openpyxl reads a sheet wherever they say), its XML
    replaced by ``text`` if given."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_workbook())) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                dst.writestr("xl/worksheets/sheet1.dat", text if text is not None else data)
                continue
            if info.filename in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
                data = data.replace(b"sheet1.xml", b"sheet1.dat")
            dst.writestr(info.filename, data)
    return out.getvalue()


def _doctype_sheet(prolog: str = "") -> str:
    return ('<?xml version="1.0"?>\n' + prolog + '<!DOCTYPE worksheet [<!ENTITY e "ENTITYTEXT">]>\n'
            + f"<worksheet {NS}><sheetData>" + ROW.replace(HEADER[0], "&e;")
            + "</sheetData></worksheet>")


def test_a_sheet_under_another_name_is_read_and_checked(tmp_path: Path) -> None:
    """A sheet the relations name ``sheet1.dat`` is still a sheet: read as one, and its
    DOCTYPE refused (it was read, the entity expanded); its cells are counted."""
    from hausbesuch import tabular
    from hausbesuch.errors import UserError

    path = tmp_path / "dat.xlsx"
    path.write_bytes(_renamed_sheet())
    assert tabular.read_table(path).columns[0] == HEADER[0]
    path.write_bytes(_renamed_sheet(_doctype_sheet()))
    with pytest.raises(UserError) as info:
        tabular.read_table(path)
    _says_unreadable(str(info.value), str(path))
    assert "DOCTYPE" in str(info.value) and "xl/worksheets/sheet1.dat" in str(info.value)
    wide = (f'<?xml version="1.0"?>\n<worksheet {NS}><sheetData><row r="1">'
            + "<c/>" * 30 + "</row></sheetData></worksheet>")
    path.write_bytes(_renamed_sheet(wide))
    old, tabular.MAX_CELLS = tabular.MAX_CELLS, 20
    try:
        with pytest.raises(UserError, match="mehr als 20 Zellen"):
            tabular._check_sheet_sizes(path.read_bytes(), str(path))
    finally:
        tabular.MAX_CELLS = old


@pytest.mark.parametrize("variant", ["after-long-comment", "lower-case", "utf-16-after-comment",
                                     "declared-latin-1"])
def test_a_doctype_anywhere_in_the_prolog_is_refused(tmp_path: Path, variant: str) -> None:
    """Not only in the first 4 KB: behind a long comment or processing instruction, in
    lower case, in UTF-16 behind a comment."""
    from hausbesuch.errors import UserError
    from hausbesuch.tabular import read_table

    comment = "<!-- " + "x" * 10_000 + " -->\n<?pi " + "y" * 5000 + "?>\n"
    text: str | bytes = {
        "after-long-comment": _doctype_sheet(comment),
        "lower-case": _doctype_sheet().replace("<!DOCTYPE", "<!doctype"),
        "utf-16-after-comment": b"\xff\xfe" + _doctype_sheet(comment).replace(
            '"1.0"?>', '"1.0" encoding="UTF-16"?>').encode("utf-16-le"),
        "declared-latin-1": _doctype_sheet("<!-- ä" + "x" * 5000 + " -->").replace(
            '"1.0"?>', '"1.0" encoding="ISO-8859-1"?>').encode("latin-1"),
    }[variant]
    path = tmp_path / f"{variant}.xlsx"
    path.write_bytes(_with_part("xl/worksheets/sheet1.xml", text))
    with pytest.raises(UserError) as info:
        read_table(path)
    _says_unreadable(str(info.value), str(path))
    assert "DOCTYPE" in str(info.value) and "xl/worksheets/sheet1.xml" in str(info.value)


def _encrypted(part: str) -> bytes:
    """The workbook with ``part`` marked encrypted (flag bit 0): ``zipfile`` then asks for
    a password to unpack it."""
    import struct

    data = bytearray(_workbook())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        local = z.getinfo(part).header_offset
    entry = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02"))  # central directory
    while data[entry + 46:entry + 46 + len(part)] != part.encode():
        entry = data.index(b"PK\x01\x02", entry + 4)
    for at in (local + 6, entry + 8):  # the flags: local header, central directory
        data[at:at + 2] = struct.pack("<H", struct.unpack("<H", data[at:at + 2])[0] | 0x1)
    out = io.BytesIO(bytes(data))
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as z:
        assert z.getinfo(part).flag_bits & 0x1
    return out.getvalue()


def test_an_encrypted_part_openpyxl_does_not_read_leaves_the_workbook_readable(
        tmp_path: Path) -> None:
    from hausbesuch.tabular import read_table

    path = tmp_path / "app.xlsx"
    path.write_bytes(_encrypted("docProps/app.xml"))
    assert read_table(path).columns[0] == HEADER[0]


def test_an_encrypted_sheet_is_refused_in_german(tmp_path: Path) -> None:
    from hausbesuch.errors import UserError
    from hausbesuch.tabular import read_table

    path = tmp_path / "blatt.xlsx"
    path.write_bytes(_encrypted("xl/worksheets/sheet1.xml"))
    with pytest.raises(UserError) as info:
        read_table(path)
    message = str(info.value)
    assert str(path) in message and "verschlüsselt (kennwortgeschützt)" in message, message
    assert "Bitte in Excel oder LibreOffice als .xlsx oder CSV neu speichern." in message
    assert "password" not in message and "RuntimeError" not in message
