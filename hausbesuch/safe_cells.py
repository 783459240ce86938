"""Cells that spreadsheets open safely: no formula injection, no cell beyond a sane length.

Every CSV and XLSX file the project writes passes its cells through :func:`safe_cell`
(or writes with :func:`write_csv`), so that a client id such as ``=HYPERLINK("http://…")``
or ``=cmd|'/C calc'!A0`` typed into a case-management export is shown by Excel or
LibreOffice as the text it is, never evaluated.

The rule follows OWASP's "CSV Injection" advice:

* a text cell whose first character is ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return (also after leading spaces, which Excel skips) gets a leading apostrophe ``'``;
  Excel and LibreOffice treat a cell starting with ``'`` as text. The apostrophe is
  visible in a text editor, which is the price of safety: the value itself stays
  readable (``'-5``, ``'=SUMME(A1)``);
* numbers that *we* produce (positions, minutes, coordinates) are passed as ``int`` or
  ``float`` and written as they are: ``-5`` as a number is data, not a formula. Only
  strings are neutralised, because only strings can carry user text;
* a cell longer than :data:`MAX_CELL_CHARS` characters is cut and ends in
  :data:`CUT_MARKER`, so that no cell exceeds what a spreadsheet shows (Excel holds
  32,767 characters in a cell, but a report cell of more than a few lines is never
  read; 2,000 characters keep every real address, note and reason whole).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "CUT_MARKER",
    "FORMULA_STARTS",
    "MAX_CELL_CHARS",
    "is_formula_like",
    "read_back",
    "safe_cell",
    "safe_row",
    "shorten",
    "write_csv",
]

#: Characters that make a spreadsheet read a cell as a formula (or a DDE call).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Longest cell written; longer text is cut and marked.
MAX_CELL_CHARS = 2_000
#: Appended to a cut cell (German: the reader is a coordinator).
CUT_MARKER = " […gekürzt]"


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could read ``text`` as a formula.

    Leading spaces are ignored (Excel strips them before looking at the first
    character); a tab or carriage return at the start counts as a formula start.
    """
    if not text:
        return False
    if text[0] in FORMULA_STARTS:
        return True
    stripped = text.lstrip(" ")
    return bool(stripped) and stripped[0] in FORMULA_STARTS


def shorten(text: str, limit: int = MAX_CELL_CHARS) -> str:
    """``text`` cut to at most ``limit`` characters, ending in :data:`CUT_MARKER` if cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(CUT_MARKER))] + CUT_MARKER


def safe_cell(value: Any, *, limit: int = MAX_CELL_CHARS) -> Any:
    """A value ready for a CSV or XLSX cell.

    ``None`` becomes ``""``; ``int``/``float`` (not ``bool``) stay numbers; everything
    else becomes a string, cut to ``limit`` characters and prefixed with ``'`` when it
    could start a formula. A string that was already neutralised (starts with ``'``) is
    left alone, so applying the function twice changes nothing.
    """
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = shorten(str(value), limit)
    if is_formula_like(text):
        text = "'" + text
    return text


def read_back(text: str) -> str:
    """A cell as :func:`safe_cell` wrote it, or as typed with a spreadsheet's text
    apostrophe (``'000123``): one leading ``'`` before a formula start or a digit is
    dropped, so that an id copied from a report is the id again."""
    if len(text) > 1 and text[0] == "'" and (text[1] in FORMULA_STARTS or text[1].isdigit()):
        return text[1:]
    return text


def safe_row(row: Mapping[str, Any] | Sequence[Any]) -> Any:
    """:func:`safe_cell` applied to every value of a mapping or sequence."""
    if isinstance(row, Mapping):
        return {k: safe_cell(v) for k, v in row.items()}
    return [safe_cell(v) for v in row]


def write_csv(
    fh: Any,
    columns: Sequence[str] | None,
    rows: Iterable[Mapping[str, Any] | Sequence[Any]],
    *,
    delimiter: str = ";",
    lineterminator: str = "\r\n",
) -> None:
    """Write a header (unless ``columns`` is None) and rows to an open text file, every
    cell through :func:`safe_cell`. Rows are mappings (keys = ``columns``) or sequences."""
    w = csv.writer(fh, delimiter=delimiter, lineterminator=lineterminator)
    if columns is not None:
        w.writerow([safe_cell(c) for c in columns])
        names = list(columns)
    else:
        names = []
    for row in rows:
        if isinstance(row, Mapping):
            w.writerow([safe_cell(row.get(c, "")) for c in names])
        else:
            w.writerow([safe_cell(v) for v in row])


def visible_controls(text: str) -> str:
    """A text of several lines (a file to read, a terminal that shows it): its control
    characters but line feed and tab written as ``\\u…``, so that a NUL or an escape
    sequence in stored text is shown as such and does nothing."""
    import re

    return re.sub("[\x00-\x08\x0b-\x1f\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}",
                  text)
