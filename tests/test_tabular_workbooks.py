"""Workbooks that are hostile or messy: zip bombs in any part, cells the raw count must see,
hidden rows and sheets, title rows above the header, a merged header over two columns."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

import hausbesuch.tabular as tabular
from hausbesuch.errors import UserError
from hausbesuch.tabular import read_table


def _workbook(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return path


def _replace_part(path: Path, part: str, content: bytes, *, stored: bool = False) -> Path:
    """The workbook at ``path`` with ``part`` replaced (or added), written in place."""
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != part:
                dst.writestr(info.filename, src.read(info.filename))
        dst.writestr(part, content,
                     compress_type=zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    path.write_bytes(out.getvalue())
    return path


def _no_openpyxl(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("openpyxl must not open a refused workbook")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


def _shared_strings(body: bytes) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.openxmlformats'
            b'.org/spreadsheetml/2006/main"><si><t>Kundennummer</t></si><si><t>Adresse</t></si>'
            b"<si><t>" + body + b"</t></si></sst>")


def test_a_zip_bomb_in_the_shared_strings_is_refused_before_openpyxl(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """QA 11c #1: sharedStrings.xml of 3 MB of "A" packs about 1,000 times; openpyxl would
    hold all of it in memory (a 1.5 MB upload took 3.4 GB). The sheet check alone let it
    through."""
    path = _workbook(tmp_path / "bombe.xlsx", [["Kundennummer", "Adresse"], ["K-1", "Weg 1"]])
    _replace_part(path, "xl/sharedStrings.xml", _shared_strings(b"A" * (3 << 20)))
    _no_openpyxl(monkeypatch)
    with pytest.raises(UserError, match=r"^bombe\.xlsx: ein Teil der Arbeitsmappe "
                                        r"\(„xl/sharedStrings\.xml“\) ist [\d.]+-fach gepackt "
                                        r"\(entpackt 4 MB\).*ZIP-Bombe.*nicht gelesen"):
        read_table(path, name="bombe.xlsx")


def test_every_part_is_bounded_in_size_and_all_parts_together(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A part that packs poorly but is big (styles, shared strings) and the sum of all
    parts are bounded too, as is the number of parts."""
    import random

    rnd = random.Random(1)
    noise = bytes(rnd.choice(b"abcdefghijklmnopqrstuvwxyz") for _ in range(3 << 20))
    path = _workbook(tmp_path / "gross.xlsx", [["Kundennummer", "Adresse"], ["K-1", "Weg 1"]])
    _replace_part(path, "xl/styles.xml", noise)  # not a valid style sheet: never opened
    _no_openpyxl(monkeypatch)
    monkeypatch.setattr(tabular, "MAX_PART_BYTES", 2 << 20)
    with pytest.raises(UserError, match=r"^gross\.xlsx: ein Teil der Arbeitsmappe "
                                        r"\(„xl/styles\.xml“\) ist entpackt 3 MB groß "
                                        r"\(höchstens 2 MB\)"):
        read_table(path, name="gross.xlsx")
    monkeypatch.setattr(tabular, "MAX_PART_BYTES", 64 << 20)
    monkeypatch.setattr(tabular, "MAX_UNPACKED_BYTES", 2 << 20)
    with pytest.raises(UserError, match=r"^gross\.xlsx: die Arbeitsmappe ist entpackt 4 MB "
                                        r"groß \(höchstens 2 MB\)"):
        read_table(path, name="gross.xlsx")
    monkeypatch.setattr(tabular, "MAX_UNPACKED_BYTES", 200 << 20)
    monkeypatch.setattr(tabular, "MAX_PARTS", 5)
    with pytest.raises(UserError, match=r"^gross\.xlsx: die Arbeitsmappe besteht aus \d+ "
                                        r"Teilen \(höchstens 5\)"):
        read_table(path, name="gross.xlsx")


def test_an_ordinary_workbook_passes_the_checks(tmp_path: Path) -> None:
    rows = [["Kundennummer", "Adresse", "Notiz"]]
    rows += [[f"K-{i}", f"Am Markt {i % 90 + 1}", "Hund" if i % 3 else ""] for i in range(3000)]
    path = _workbook(tmp_path / "liste.xlsx", rows)
    assert len(read_table(path).rows) == 3000


_SHEET = (b'<?xml version="1.0" encoding="UTF-8"?>\n<x:worksheet xmlns:x="http://schemas.'
          b'openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>'
          b'<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>Kundennummer</x:t></x:is></x:c>'
          b'<x:c r="B1" t="inlineStr"><x:is><x:t>Adresse</x:t></x:is></x:c></x:row>')


@pytest.mark.parametrize("cell", [b"<c\n/>", b"<c\t/>", b"<c\r\n/>", b"<x:c/>", b"<x:c\n/>",
                                  b'<x:c r="C3"></x:c>'])
def test_cells_are_counted_however_the_tag_is_spelled(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cell: bytes) -> None:
    """QA 11c #4: ``<c\\n/>`` (whitespace after the name) and ``<x:c>`` (a namespace
    prefix) are cells too; the raw count missed them, and openpyxl went through 20 million
    of them (13 s) before the same refusal."""
    path = _workbook(tmp_path / "zellen.xlsx", [["Kundennummer", "Adresse"]])
    body = b"".join(b"<x:row>" + cell * 50 + b"</x:row>" for _ in range(40))
    _replace_part(path, "xl/worksheets/sheet1.xml",
                  _SHEET + body + b"</x:sheetData></x:worksheet>")
    monkeypatch.setattr(tabular, "MAX_CELLS", 1_000)
    _no_openpyxl(monkeypatch)
    with pytest.raises(UserError, match=r"zellen\.xlsx: mehr als 1\.000 Zellen"):
        read_table(path)


def test_the_raw_count_is_exact_across_block_boundaries() -> None:
    tags = [b"<c\n/>", b'<x:c r="A1">', b"<col/>", b"<c>", b"<cfRule/>", b"<long_prefix:c/>"]
    data = b"".join(tags[i % len(tags)] + b"." * (i % 7) for i in range(400_000))
    expected = len(tabular._CELL_TAG.findall(data))
    assert expected == sum(1 for i in range(400_000) if i % 6 not in (2, 4))  # <col/>, <cfRule/>
    assert sum(tabular._count_tags(io.BytesIO(data), tabular._CELL_TAG)) == expected
