"""Test helper: every cell of a CSV or XLSX file the project wrote, as text."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from hausbesuch.safe_cells import is_formula_like

#: A plain number we wrote as a number (allowed to start with "-": it is no formula).
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def read_cells(path: str | Path) -> list[str]:
    """Every cell of a CSV (``;`` or ``,``, UTF-8 with or without BOM) or XLSX file."""
    p = Path(path)
    data = p.read_bytes()
    if data.startswith(b"PK\x03\x04"):
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        try:
            return [
                "" if v is None else (v if isinstance(v, str) else repr(v))
                for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row
            ]
        finally:
            wb.close()
    text = data.decode("utf-8-sig")
    first = text.split("\n", 1)[0]
    delim = ";" if first.count(";") >= first.count(",") else ","
    return [c for rec in csv.reader(io.StringIO(text, newline=""), delimiter=delim) for c in rec]


def formula_cells(path: str | Path) -> list[str]:
    """The cells of ``path`` a spreadsheet could run as a formula (should be none)."""
    return [c for c in read_cells(path) if is_formula_like(c) and not _NUMBER.fullmatch(c)]
