"""Reading the TOML files coordinators write (city profiles, teams files).

One reader for both, so that a profile and a teams file accept the same files and say the
same thing about the same mistake: a UTF-8 byte order mark (as Windows editors save it) is
accepted; a file in another encoding (Windows-1252) and every syntax error get a German
message with the line (and column), never the parser's or the codec's English text.
"""

from __future__ import annotations

import codecs
import json
import re
import tomllib
from datetime import date, time
from pathlib import Path
from typing import Any

from hausbesuch.errors import UserError

#: A "\" in a text between double quotation marks starts an escape (``"\n"``) in TOML: a
#: Windows path (``"C:\Daten\osm"``) is refused.
_BACKSLASH = ("ein „\\“ in einem Text: Pfade mit „/“ schreiben oder in einfachen "
              "Anführungszeichen ('C:\\Daten\\…')")
#: The TOML parser's messages (English, of :mod:`tomllib`) in German, by their start.
#: ``{array}``/``{table}`` are example headers of the kind of file.
_TOML_PROBLEMS = (
    ("Expected ']]' at the end of an array declaration",
     "„]]“ fehlt am Ende einer Überschrift wie {array}"),
    ("Expected ']' at the end of a table declaration",
     "„]“ fehlt am Ende einer Überschrift wie {table}"),
    ("Expected '=' after a key", "„=“ fehlt nach dem Namen (Schreibweise: name = Wert)"),
    ("Expected newline or end of document after a statement",
     "nach der Angabe steht noch etwas in derselben Zeile"),
    ("Unterminated string", "ein Anführungszeichen wird nicht geschlossen"),
    ("Illegal character '\\n'", "ein Anführungszeichen wird in dieser Zeile nicht geschlossen"),
    ("Unclosed array", "„]“ fehlt am Ende einer Liste"),
    ("Unclosed inline table", "„}}“ fehlt"),
    ("Cannot overwrite a value", "ein Name kommt doppelt vor"),
    ("Cannot declare", "eine Überschrift kommt doppelt vor"),
    ("Invalid value", "ungültiger Wert (Texte in Anführungszeichen, z. B. {example})"),
    ("Invalid statement", "ungültige Zeile (erwartet: name = Wert oder eine Überschrift "
                          "wie {array})"),
    ("Invalid initial character for a key part", "ungültiges Zeichen am Anfang eines Namens"),
    ("Illegal character", "unzulässiges Zeichen"),
    ("Invalid date or datetime", "ungültiges Datum"),
    *((start, _BACKSLASH) for start in (
        "Unescaped '\\' in a string", "Invalid hex value",
        "Escaped character is not a Unicode scalar value")),
)
#: ``name = value`` at the start of a line (the name bare, dotted or quoted).
_ASSIGNMENT = re.compile(r"""\s*([A-Za-z0-9_.\-]+|"[^"]*"|'[^']*')\s*=\s*(.*)$""")
#: Quotation marks of word processors (``„Frau Kraus“``), not TOML's straight ones.
_TYPOGRAPHIC_QUOTES = "„“”‚‘’«»"


def toml_problem(exc: Exception, text: str | None = None, *, array: str = "[[team]]",
                 table: str = "[defaults]", example: str = 'id = "team-1"') -> str:
    """A TOML parser error in German: where (line and column) and, for the usual mistakes,
    what; never the parser's English text.

    ``text`` (the file's text) lets the message name the key of the line: a name given
    twice, a text without quotation marks (``telefon = 09123 18-4711``) or with the
    typographic ones of a word processor (``„Frau Kraus“``). ``array``, ``table`` and
    ``example`` are examples of the kind of file (teams: ``[[team]]``, ``[defaults]``).
    """
    message = str(exc)
    m = re.search(r"\(at line (\d+), column (\d+)\)\s*$", message)
    where = (f"Zeile {m.group(1)}, Spalte {m.group(2)}" if m else
             "Am Ende der Datei" if "(at end of document)" in message else "")
    what = next((german for start, german in _TOML_PROBLEMS if message.startswith(start)),
                "Schreibfehler").format(array=array, table=table, example=example)
    # TOML's line breaks only (str.splitlines also breaks at U+2028, \x0c, … inside a text)
    lines = text.split("\n") if text is not None else []
    number = int(m.group(1)) if m else len(lines) if "(at end of document)" in message else 0
    line = lines[number - 1].removesuffix("\r") if 0 < number <= len(lines) else ""
    assignment = _ASSIGNMENT.match(line)
    if message.startswith("Cannot declare"):
        names = re.findall(r"'([^']*)'", message.partition(" twice")[0])
        if names:
            what = f"die Überschrift [{'.'.join(names)}] kommt doppelt vor"
    elif assignment:
        key, value = assignment.group(1), assignment.group(2)
        value = "" if value.startswith("#") else value.split(" #")[0].strip()
        if message.startswith("Cannot overwrite a value"):
            what = f"der Name „{key}“ kommt doppelt vor"
        elif message.startswith("Invalid value") and not value:
            what = f"„{key}“: Wert fehlt nach „=“"
        elif message.startswith(("Invalid value", "Expected newline", "Illegal character")) \
                and value and value[0] in _TYPOGRAPHIC_QUOTES:
            plain = value.strip(_TYPOGRAPHIC_QUOTES + " ")
            what = (f"„{key}“: Texte stehen in geraden Anführungszeichen, "
                    f'z. B. {key} = "{plain}" (nicht „…“ wie in der Textverarbeitung)')
        elif what == _BACKSLASH:
            what = f"„{key}“: {_backslash_hint(key, value)}"
        elif message.startswith(("Invalid value", "Expected newline")) \
                and value and value[0] not in "\"'[{" \
                and not _is_toml_scalar(value.split()[0]):
            what = f'„{key}“: Texte stehen in Anführungszeichen, z. B. {key} = "{value}"'
    return f"{where}: {what}." if where else f"{what[:1].upper()}{what[1:]}."


def _backslash_hint(key: str, value: str) -> str:
    """What to write for a text with a "\\" (a Windows path), for a plain text that looks
    like a path with its own value: ``file = "C:/Daten/bh.pbf"`` or
    ``file = 'C:\\Daten\\bh.pbf'``."""
    plain = re.fullmatch(r'"([^"\']*)"', value)
    typed = plain.group(1) if plain else ""
    if not re.match(r"[A-Za-z]:\\|\\\\|[^\\]*\\[^\\]*\\", typed):  # C:\…, \\server, a\b\c
        return _BACKSLASH
    slashes = typed.replace("\\", "/")
    return (f"ein „\\“ in einem Text: Pfade mit „/“ schreiben ({key} = \"{slashes}\") oder in "
            f"einfachen Anführungszeichen ({key} = '{typed}')")


#: TOML's escapes of control characters, written back as typed (``"C:\test"``: a tab).
_ESCAPES = {"\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


#: Names of control characters a message names (others: their code point only).
_CONTROL_NAMES = {"\x00": "ein Null-Byte", "\x1b": "ein Escape-Zeichen", "\x7f": "ein Löschzeichen"}


def control_character_problem(key: str, value: str) -> str | None:
    r"""Why a file path (or another one-line text) read from TOML holds a control character,
    or ``None``: a Windows path between double quotation marks whose backslashes are valid
    escapes (``"C:\test\bh.pbf"``: a tab and a backspace) parses without an error. The
    answer is the hint for Windows paths, with the value as it was typed. A control
    character no backslash of a path makes (``"\u0000"``, ``"\u001b"``) is named as what
    it is, with its place and how it is written in TOML."""
    if not _CONTROL.search(value):
        return None
    other = next((m for m in _CONTROL.finditer(value) if m[0] not in _ESCAPES), None)
    if other is not None:
        char = other[0]
        what = _CONTROL_NAMES.get(char, "ein unsichtbares Steuerzeichen")
        return (f"enthält ein Steuerzeichen (Zeichen {other.start() + 1} ist "
                f"U+{ord(char):04X}, {what}; in TOML „\\u{ord(char):04x}“ geschrieben): "
                "Steuerzeichen gehören in keinen Text, bitte entfernen")
    typed = _CONTROL.sub(lambda m: _ESCAPES[m[0]], value)
    if len(typed) > 200:  # a value of thousands of characters is not repeated
        return f"enthält ein Steuerzeichen – {_BACKSLASH}"
    hint = _backslash_hint(key, f'"{typed}"')
    return f"enthält ein Steuerzeichen – {hint}"


def toml_spelling(value: Any, limit: int = 80) -> str:
    """A value as TOML writes it, for messages: ``true``, ``"BY"``, ``["8-10"]``,
    ``{a = 1}``, ``2026-12-07`` (never Python's ``True``, ``'BY'``); shortened to ``limit``."""
    def key(k: Any) -> str:
        return k if re.fullmatch(r"[A-Za-z0-9_-]+", str(k)) else json.dumps(str(k))

    def spell(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return json.dumps(v, ensure_ascii=False)  # TOML's basic string: "…", \" and \\
        if isinstance(v, date | time):
            return v.isoformat()
        if isinstance(v, list | tuple):
            return f"[{', '.join(spell(x) for x in v)}]"
        if isinstance(v, dict):
            return f"{{{', '.join(f'{key(k)} = {spell(x)}' for k, x in v.items())}}}"
        return str(v)  # numbers (inf and nan are spelt so in TOML, too)

    text = spell(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_toml_scalar(value: str) -> bool:
    """Whether ``value`` (the first word of a value) is a whole number, a decimal, a
    boolean or a date, which TOML writes without quotation marks (``max_besuche = 6 6``
    is no text without quotation marks; ``telefon = 09123 18-4711`` is)."""
    try:
        tomllib.loads(f"x = {value}")
    except tomllib.TOMLDecodeError:
        return False
    return True


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, IsADirectoryError):
        return "ist ein Ordner, keine Datei"
    if isinstance(exc, PermissionError):
        return "keine Berechtigung zum Lesen"
    if isinstance(exc, FileNotFoundError):
        return "nicht gefunden"
    return exc.strerror or "Lesefehler"


def read_toml(path: Path, *, what: str, error: type[UserError], name: str | None = None,
              array: str = "[[team]]", table: str = "[defaults]",
              example: str = 'id = "team-1"') -> dict[str, Any]:
    """The parsed TOML file ``path``, or ``error`` with a German message.

    ``what`` names the kind of file (``"Profil"``, ``"Teams-Datei"``); ``name`` how the
    file is named in messages (default: its file name; an upload gives the name of the file
    sent, never the server's temporary path). A UTF-8 byte order mark is skipped.
    """
    shown = name or path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise error(f"{what} {name or path} kann nicht gelesen werden: {_os_reason(exc)}.") \
            from None
    data = data.removeprefix(codecs.BOM_UTF8)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise error(f"{what} {shown} ist nicht als UTF-8 gespeichert (Zeile {line}): bitte "
                    "als UTF-8 speichern (im Editor „Speichern unter“, Codierung UTF-8).") \
            from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problem = toml_problem(exc, text, array=array, table=table, example=example)
        raise error(f"{what} {shown} ist kein gültiges TOML. {problem}") from None
    except RecursionError:
        raise error(f"{what} {shown} ist zu tief verschachtelt.") from None
