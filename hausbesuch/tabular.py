"""Read a user's table (CSV or XLSX) robustly, and find address and id columns in it.

Coordinators export their lists from case-management software or type them in a
spreadsheet, so the reader accepts what those tools write:

* CSV in UTF-8, UTF-8 with BOM, UTF-16 with BOM (Excel "Unicode-Text") or Windows-1252;
  the delimiter (``;``, ``,`` or tab) is sniffed from the header, an Excel ``sep=;`` line
  is honoured;
* XLSX: with several sheets, the reader takes the sheet named like a client list
  (``Kunden``, ``Klienten``, ``Liste``, …, see :data:`SHEET_NAMES`) that has the required
  columns, else the first sheet (in workbook order, the active one first) that has them,
  else the active sheet or the first with data, hidden sheets after the visible ones;
  :attr:`Table.sheet` and :attr:`Table.ignored_sheets` say which was read and which were
  not, :meth:`Table.notes` also which rows read are hidden (filtered out). Dates and numbers
  become the text the user sees in the cell (``31.01.2024``, ``34117``, ``12,5``);
  whole numbers keep every digit (``12345678901234567890``, never ``1.2e+19``); a
  boolean cell reads as ``WAHR``/``FALSCH`` and is recorded in :attr:`Table.booleans`
  (an id must not be a boolean); a date or time cell is recorded in
  :attr:`Table.date_cells` (an address cell must not be one, :meth:`Table.address_problem`).

Row numbers are those a spreadsheet shows: the header is row 1, the first data row 2. A
quoted CSV field spanning several text lines is one row, as in a spreadsheet; empty rows
are skipped but still counted, so every number points at the right row. The empty rows
between the header and the last data row that are rows of the table (an empty spreadsheet
row, a CSV record of delimiters only such as ``;;``; not a blank text line) are listed in
:attr:`Table.empty_rows`: ``hausbesuch geocode`` writes them back, every input row out.

Header matching (:func:`find_column`) ignores case, whitespace, punctuation and umlaut
spelling; :data:`ADDRESS_SYNONYMS` and :data:`ID_SYNONYMS` hold the accepted names.

Address roles and their accepted headers (after normalisation, see :func:`normalize_header`):

=================  ===============================================================
role               accepted headers (examples)
=================  ===============================================================
``adresse``        Adresse, Anschrift, Address, Wohnanschrift, Straße und Hausnummer
``strasse``        Straße, Strasse, Str., Street, Straßenname
``hausnummer``     Hausnummer, Hausnr., HNr, Nr., Nummer, Housenumber
``zusatz``         Hausnummerzusatz, HNr-Zusatz (a separate letter such as ``a``)
``plz``            PLZ, Postleitzahl, Postcode, ZIP
``ort``            Ort, Stadt, Wohnort, Gemeinde, City, Town
``plz_ort``        PLZ Ort, PLZ/Ort (one column ``34117 Kassel``)
``adresse_2``      the further lines of a postal address block (``Anschrift Zeile 1``
                   ... ``3``, ``Adresszeile 1``, ``Adresse 1``/``Adresse 2``): ``adresse``
                   is line 1; :func:`address_lines` leaves out the addressee's name
``adresszusatz``   numbered lines without a line 1 (``Adresse 2``, ``Address line 2``
                   beside ``Straße`` and ``Hausnummer``) and ``Adresszusatz``,
                   ``Anschriftenzusatz``, ``Zusatz``, ``Adr.-Zusatz``
                   (:data:`ADDITION_HEADERS`): an addition (flat, Hinterhaus, c/o
                   line) written after the house number (a lone letter, ``1/2``:
                   its suffix); a plain ``Zusatz`` only beside the street or number
                   columns, or when most of its cells look like additions
=================  ===============================================================
"""

from __future__ import annotations

import bisect
import codecs
import csv
import datetime as _dt
import io
import itertools
import math
import os
import posixpath
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple
from xml.etree.ElementTree import ParseError as XMLParseError

from geodata.addresses import STREET_START, STREET_TYPE_ALONE, street_start
from hausbesuch.errors import UserError
from hausbesuch.fields import _MONTHS, is_placeholder
from hausbesuch.safe_cells import shorten

__all__ = [
    "ADDRESS_SYNONYMS",
    "ID_SYNONYMS",
    "Table",
    "address_cell",
    "address_columns",
    "address_from_row",
    "address_lines",
    "address_street",
    "client_header_name",
    "find_column",
    "normalize_header",
    "place_as_read",
    "postcode_as_read",
    "same_address_text",
    "read_table",
    "shared_by_rows",
    "shared_columns",
    "shown_columns",
    "shown_header",
    "split_postcode",
]

#: Accepted header names per address role (compared after :func:`normalize_header`).
ADDRESS_SYNONYMS: dict[str, tuple[str, ...]] = {
    "adresse": (
        "adresse", "anschrift", "address", "addr", "adr", "wohnadresse", "wohnanschrift",
        "meldeadresse", "meldeanschrift", "postanschrift", "postadresse", "kundenadresse",
        "kundenanschrift", "besuchsadresse", "besuchsanschrift", "strasse und hausnummer",
        "strasse hausnummer", "strasse/hausnummer", "strasse/hausnr", "strasse hausnr",
        "strasse/nr", "strasse nr", "strasse und nr", "strasse, hausnummer", "strasse, nr",
        "street address", "full address", "adresszeile", "anschrift zeile 1",
    ),
    "strasse": (
        "strasse", "straße", "str", "street", "strassenname", "street name", "streetname",
        "road",
    ),
    "hausnummer": (
        "hausnummer", "hausnr", "haus nr", "hnr", "hsnr", "nr", "nummer", "housenumber",
        "house number", "house no", "number", "no",
    ),
    "zusatz": (
        "hausnummerzusatz", "hausnummernzusatz", "hausnrzusatz", "hnr zusatz", "hnrzusatz",
        "nr zusatz", "nummernzusatz", "housenumber suffix", "house number suffix",
    ),
    "plz": ("plz", "postleitzahl", "postcode", "post code", "zip", "zipcode", "zip code",
            "postal code", "postalcode"),
    "ort": ("ort", "stadt", "wohnort", "gemeinde", "ortschaft", "city", "town", "place",
            "municipality", "locality"),
    "plz_ort": ("plz ort", "plz/ort", "plz und ort", "plz wohnort", "plz stadt",
                "postleitzahl ort", "postleitzahl und ort", "zip city", "postcode city"),
    # the Ortsteil of the town: written after it as "OT …", so that the geocoder may tell
    # two streets of one name apart by it (QA 25 F2); not "Stadtteil", "Bezirk": lists
    # use those for their own areas
    "ortsteil": ("ortsteil", "ot", "ortsteilname"),
}

#: Accepted header names of the client id column (Kundennummer, pseudonym, ...).
ID_SYNONYMS: tuple[str, ...] = (
    "id", "kundennummer", "kundennr", "kunden_nr", "kunden-nr", "kdnr", "kd-nr", "fallnummer",
    "fallnr", "fall-nr", "fall_id", "pseudonym", "case_id", "caseid", "case", "client_id",
    "clientid", "kunden_id", "kundenid", "bg-nummer", "bg-nr", "bgnummer", "kennung",
    "aktenzeichen", "az",
)

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


#: Headers of an address addition (a flat, "Hinterhaus", a c/o line), written after the
#: house number like a numbered line without line 1. A plain "Zusatz" is one too where it
#: stands beside the street or number columns or holds additions (see
#: :func:`address_columns`; a house-number suffix column is "Hausnummernzusatz",
#: "HNr-Zusatz"; a lone letter in an addition is read as the suffix all the same, see
#: :func:`address_from_row`).
ADDITION_HEADERS = ("adresszusatz", "adressenzusatz", "anschriftzusatz",
                    "anschriftenzusatz", "anschriftszusatz", "zusatz adresse",
                    "adresse zusatz", "zusatz anschrift", "adr zusatz", "adressergaenzung",
                    "anschriftergaenzung", "wohnungszusatz", "zusatz", "address addition",
                    "address supplement")


def normalize_header(name: str) -> str:
    """Normalise a header for comparison: ``" Straße/Haus-Nr. "`` -> ``"strassehausnr"``.

    Lower case, umlauts transliterated (ä -> ae, ß -> ss), accents dropped, and every
    character that is not a letter or digit (space, ``-``, ``_``, ``.``, ``/``) removed.
    """
    text = unicodedata.normalize("NFC", str(name)).casefold().translate(_UMLAUTS)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NON_ALNUM.sub("", text)


def find_column(columns: Iterable[str], synonyms: Iterable[str]) -> str | None:
    """Return the first of ``columns`` whose header matches one of ``synonyms``, else None.

    Synonyms are tried in their order (the first synonym has priority), so with the
    columns ``["Nr.", "Hausnummer"]`` and the ``hausnummer`` synonyms, ``"Hausnummer"``
    wins. Matching uses :func:`normalize_header` on both sides.
    """
    cols = list(columns)
    normalized = [normalize_header(c) for c in cols]
    for syn in synonyms:
        key = normalize_header(syn)
        if not key:
            continue
        for col, norm in zip(cols, normalized, strict=True):
            if norm == key:
                return col
    return None


#: Headers (normalised) of the lines of a postal address block: "Anschrift Zeile 1",
#: "Adresszeile 2", "Adresse 1", "Address line 3", a bare "Adresszeile". A bare
#: "Adresse" or "Anschrift" is the block's first line when a numbered line follows.
_BLOCK_HEADER = re.compile(
    r"(?P<stem>adresszeile|adressezeile|anschriftzeile|anschriftszeile|addressline|adressline"
    r"|adresse|anschrift|address|adr)(?P<n>\d{1,2})?")
_LINE_STEMS = frozenset(("adresszeile", "adressezeile", "anschriftzeile", "anschriftszeile",
                         "addressline", "adressline"))


def _address_block(columns: Sequence[str]) -> tuple[list[str], list[str]]:
    """The columns of a postal address block, in line order, and the numbered address
    lines that are no block because line 1 is missing (``Straße; Hausnummer; Adresse 2``:
    "Adresse 2" holds an addition such as a flat, "Hinterhaus" or a c/o line). A block
    needs its line 1: a "…1" header, a bare "Adresszeile", or a bare "Adresse"/"Anschrift"
    with a numbered line."""
    lines: list[tuple[int, int, str]] = []
    bare: list[tuple[int, str]] = []
    for pos, col in enumerate(columns):
        m = _BLOCK_HEADER.fullmatch(normalize_header(col))
        if m is None or re.search(r"\(\d+\)\s*$", col):  # "Adresse (2)": a repeated header
            continue
        if m["n"]:
            lines.append((int(m["n"]), pos, col))
        elif m["stem"] in _LINE_STEMS:
            lines.append((0, pos, col))
        else:
            bare.append((pos, col))
    if not lines:
        return [], []
    if not any(n <= 1 for n, _, _ in lines):
        if not bare:  # no line 1: the numbered lines are additions to the street
            return [], [c for _, _, c in sorted(lines)]
        lines.append((1, *bare[0]))
    return [c for _, _, c in sorted(lines)], []


@lru_cache(maxsize=256)
def _address_columns_cached(columns: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    used: set[str] = set()
    # A postal address block (line 1 often holds "Herrn" and the name): every line is an
    # address role, "adresse" the first, "adresse_2", ... the others.
    block, additions = _address_block(columns)
    for k, col in enumerate(block, start=1):
        found.append(("adresse" if k == 1 else f"adresse_{k}", col))
        used.add(col)
    # Numbered lines without a line 1 ("Adresse 2" beside "Straße", "Hausnummer"): an
    # addition written after the house number (see :func:`address_from_row`).
    for k, col in enumerate(additions, start=1):
        found.append(("adresszusatz" if k == 1 else f"adresszusatz_{k}", col))
        used.add(col)
    # An "Adresszusatz" column: an addition as well (flat, "Hinterhaus", c/o line).
    named = find_column([c for c in columns if c not in used], ADDITION_HEADERS)
    if named is not None:
        used.add(named)
    # Specific roles first so that e.g. "PLZ Ort" is not also taken for something else.
    for role in ("plz_ort", "zusatz", "adresse", "strasse", "hausnummer", "plz", "ort",
                 "ortsteil"):
        if role == "adresse" and block:
            continue
        col = find_column([c for c in columns if c not in used], ADDRESS_SYNONYMS[role])
        if col is not None:
            found.append((role, col))
            used.add(col)
    # a plain "Zusatz" is the addition only beside the street or the number (elsewhere it
    # may be a remark: "Hund", "nur vormittags"; see address_columns for its cells)
    if named is not None and (normalize_header(named) != PLAIN_ADDITION
                              or _beside_street(columns, named, dict(found))):
        found.append((f"adresszusatz_{len(additions) + 1}" if additions else "adresszusatz",
                      named))
    return tuple(found)


#: The header (normalised) of an addition column that may also be a remark: "Zusatz".
PLAIN_ADDITION = "zusatz"
#: The roles of a street, a number and their lines, beside which a "Zusatz" is theirs.
_STREET_ROLES = ("adresse", "strasse", "hausnummer", "zusatz")


def _beside_street(columns: Sequence[str], col: str, roles: Mapping[str, str]) -> bool:
    """Whether column ``col`` stands next to a street, house number, suffix or address
    (line) column."""
    street = {c for r, c in roles.items() if r in _STREET_ROLES or r.startswith("adresse_")}
    pos = [i for i, c in enumerate(columns) if c == col]
    return any(columns[j] in street for i in pos for j in (i - 1, i + 1)
               if 0 <= j < len(columns))


def address_columns(columns: Sequence[str], *, source: str | None = None,
                    rows: Sequence[Mapping[str, str]] | None = None) -> dict[str, str]:
    """Map address roles (``adresse``, ``strasse``, ``hausnummer``, ``zusatz``, ``plz``,
    ``ort``, ``plz_ort``; ``adresse_2``, … and ``adresszusatz``, …, see the module
    docstring) to the header names present in ``columns``.

    A column headed plain ``Zusatz`` is the address addition when it stands next to the
    street, the house number, its suffix or an address line; elsewhere only when most of
    its filled cells (``rows``) look like additions (:func:`_mostly_additions`: a flat, a
    floor, "Hinterhaus", a c/o line, a suffix): a list's "Zusatz" may be a remark ("Hund",
    "Dolmetscher Arabisch", "nur vormittags") that does not belong in the address.

    Raises
    ------
    UserError
        If there is neither an address column nor a street column; the German message
        names the file (``source``), the accepted headers and the columns found.
    """
    found = dict(_address_columns_cached(tuple(columns)))
    if rows is not None and not any(r.startswith("adresszusatz") for r in found):
        plain = next((c for c in columns if normalize_header(c) == PLAIN_ADDITION
                      and c not in found.values()), None)
        if plain is not None and _mostly_additions([str(r.get(plain, "") or "")
                                                    for r in rows]):
            found["adresszusatz"] = plain
    if "adresse" not in found and "strasse" not in found:
        where = f" in {source}" if source else ""
        have = shown_columns(columns)
        raise UserError(
            f"Keine Adressspalte gefunden{where}. Erwartet wird eine Spalte „Adresse“ "
            "(oder „Anschrift“, „Address“) oder getrennte Spalten „Straße“, „Hausnummer“, "
            f"„PLZ“ und „Ort“. Vorhandene Spalten: {have}."
        )
    return found


#: Most characters of one header, and most headers, a message echoes.
SHOWN_HEADER_CHARS = 60
SHOWN_HEADERS = 30


def shown_header(name: str, limit: int = SHOWN_HEADER_CHARS) -> str:
    """A header as a message echoes it: whitespace (tab, line break, no-break space) as a
    space, each run of other non-printable characters (control bytes of a binary file read
    as text, invisible format characters) as one „�“, at most ``limit`` characters (then
    „…“)."""
    marked = "".join(ch if ch.isprintable() else " " if ch.isspace() else "\x00"
                     for ch in str(name))
    text = re.sub("\x00+", "\ufffd", marked)
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def shown_columns(columns: Sequence[str], limit: int = SHOWN_HEADERS) -> str:
    """The headers of a table as messages list them (:func:`shown_header`, at most
    ``limit`` of them, then how many more): ``„Name“, „Ort“`` or ``keine``."""
    cols = list(columns)
    text = ", ".join(f"„{shown_header(c)}“" for c in cols[:limit]) or "keine"
    if len(cols) > limit:
        text += f" und {len(cols) - limit} weitere"
    return text


def join_housenumber(number: str, suffix: str) -> str:
    """A house number with the content of a separate suffix column (``12`` + ``a`` -> ``12a``)."""
    if number and suffix and not number[-1:].isalpha():
        return f"{number}{suffix}" if len(suffix) <= 2 else f"{number} {suffix}"
    if suffix and not number:
        return suffix
    return number


#: The start of a PLZ or „PLZ Ort“ cell that is a German postcode, as typed or as a
#: spreadsheet wrote a number cell: ``36251``, ``36 251``, ``D-36251``, ``D 36251``,
#: ``DE-36251``; ``36251.0``/``36251,0`` (a number cell written with decimals),
#: ``36.251`` (with a thousands separator); ``4109``, ``4109.0``, ``4.109`` (a number
#: cell that lost the leading zero of 04109).
_POSTCODE_START = re.compile(
    r"(?:DE?\s*[-–]?\s*)?(?P<five>\d{2}\s?\d{3})(?!\d|[.,]\d)"
    r"|(?P<decimal>\d{4,5})[.,]0+(?!\d|[.,]\d)"
    r"|(?P<thousands>\d{1,2}\.\d{3})(?!\d|[.,]\d)"
    r"|(?P<four>\d{4})(?!\d|[.,]\d)", re.IGNORECASE)
#: The start of such a cell that tries to be a postcode and is none (``362511``, ``3625x``,
#: ``D-3625``, ``36251,5``): a run with a digit and the letters glued to it, up to the
#: town (``362511-Bad Hersfeld``: the town after the dash).
_POSTCODE_TRY = re.compile(r"(?:DE?\s*[-–]?\s*)?[\d\s.,/-]*\d[\w.]*", re.IGNORECASE)


def split_postcode(text: str) -> tuple[str, str, str]:
    """A PLZ or „PLZ Ort“ cell as (postcode, town, what stood for the postcode if it is no
    postcode): ``D-36251 Bad Hersfeld`` -> ``("36251", "Bad Hersfeld", "")``;
    ``36251.0`` -> ``("36251", "", "")``; ``4109`` -> ``("04109", "", "")`` (a number cell
    lost the leading zero); ``362511 Bad Hersfeld`` -> ``("", "Bad Hersfeld", "362511")``;
    ``3625x`` -> ``("", "", "3625x")``; ``Bad Hersfeld`` -> ``("", "Bad Hersfeld", "")``.

    What is unambiguous becomes the five digits (see :data:`_POSTCODE_START`): spaces
    around and inside, a country prefix ``D-``/``D ``/``DE-``, the ``.0`` of a number cell
    written with decimals, a thousands separator. The town may follow after a space, a
    comma, a dash, a slash or a semicolon (``36251-Bad Hersfeld``, ``36251;Bad Hersfeld``)
    or (after five digits) glued on with a capital (``36251Bad Hersfeld``); a letter
    after four digits (``3625x``) makes them no postcode."""
    s = " ".join(text.split())
    m = _POSTCODE_START.match(s)
    if m is not None:
        rest = s[m.end():]
        digits = re.sub(r"\D", "", m["five"] or m["decimal"] or m["thousands"] or m["four"])
        glued = m["five"] is not None and re.match(r"[^\W\d_][^\W\d_]", rest) is not None \
            and rest[0].isupper()
        # a town after a dash, slash or semicolon: „36251-Bad Hersfeld“, „36251 / Bad …“
        joined = re.match(r"\s*[-–/;,]\s*(?=[^\W\d_])", rest)
        if joined is not None:
            return digits.zfill(5), rest[joined.end():].strip(" ,"), ""
        if not rest or rest[0] in " ," or glued:
            return digits.zfill(5), rest.strip(" ,"), ""
    m = _POSTCODE_TRY.match(s)
    if m is None:
        return "", s, ""
    return "", re.sub(r"^[\s,;/–-]+", "", s[m.end():]).strip(" ,;"), m[0].strip()


def postcode_as_read(address: str) -> str:
    """``address`` with the PLZ in its last part (after the last comma: the postcode and
    town :func:`address_from_row` puts there) as :func:`split_postcode` reads it, so that
    an address stored before the PLZ was read so compares equal to the one made of the
    same cells now: ``Breitenstraße 24, 36251.0 Bad Hersfeld`` and ``…, D-36251 Bad
    Hersfeld`` give ``Breitenstraße 24, 36251 Bad Hersfeld``; ``…, 362511 Bad Hersfeld``
    (no postcode, left out since) gives ``Breitenstraße 24, Bad Hersfeld``. An address
    without a comma, and a last part that starts with fewer than four digits that are no
    postcode (``Am Markt, 2. OG``: an addition), are returned as they are."""
    head, sep, tail = address.rpartition(",")
    if not sep or (place := place_as_read(tail)) is None:
        return address
    return f"{head.rstrip()}, {place}" if place else head.rstrip()


def same_address_text(a: str | None, b: str | None, *, any_case: bool = False) -> bool:
    """Whether two address texts are the same address as the list is read now: equal with
    the PLZ as read (:func:`postcode_as_read`) and runs of spaces as one, so a plan, a
    case or a fix stored while the PLZ was kept as typed (``…, 36251.0 Bad Hersfeld``)
    names the address of ``…, 36251 Bad Hersfeld``. ``any_case``: the case of letters
    counts neither. The one comparison of casework (import, a visit's address) and the
    letters (moved since the plan, the same house)."""
    def as_read(text: str | None) -> str:
        read = " ".join(postcode_as_read(text or "").split())
        return read.casefold() if any_case else read

    return as_read(a) == as_read(b)


def place_as_read(text: str) -> str | None:
    """A postcode and town (``36251.0 Bad Hersfeld``) as :func:`split_postcode` reads them:
    the postcode's five digits and the town (``36251 Bad Hersfeld``), without what is no
    postcode (``362511 Bad Hersfeld`` -> ``Bad Hersfeld``); None when the text starts with
    fewer than four digits that are no postcode (``2. OG``: no postcode meant), see
    :func:`postcode_as_read`."""
    postcode, town, tried = split_postcode(text)
    if tried and sum(ch.isdigit() for ch in tried) < 4:
        return None
    return " ".join(p for p in (postcode, town) if p)


#: A line that addresses a person (never part of the address): "Herrn Jürgen Müller",
#: "Frau", "Familie", "Fam.", "Eheleute", "An Herrn ...", "z. Hd. Frau ...".
_SALUTATION = re.compile(
    r"(?:(?:an|z\.?\s*hd\.?|zu\s+h(?:ä|ae)nden)\s+)?(?:herrn|herr|frau|familie|fam\.?|eheleute"
    r"|ehepaar|firma|mr\.?|mrs\.?|ms\.?)(?=[\s,]|$)", re.IGNORECASE)
#: A family or a firm on the bell, as an addition names it ("Fam. Meier", "Firma Meier").
_BELL_LABEL = re.compile(r"(?:familie|fam\.?|eheleute|ehepaar|geschwister|firma)(?=[\s,.]|$)",
                         re.IGNORECASE)
#: A c/o line before the street: it names the host and is kept (it is on the bell; the
#: exports leave it out, see :mod:`hausbesuch.care_of`).
_CARE_OF_LINE = re.compile(r"(?:c\s*/\s*o|c\.\s*o\.|bei|wohnhaft\s+bei)(?=[\s.]|$)",
                           re.IGNORECASE)
#: A street with a house number somewhere in the line ("Am Markt 16", "Hauptstr.5").
_STREET_NUMBER = re.compile(r"[^\W\d_]{2,}\.?\s*\d")
#: A line that begins with a postcode ("36251 Bad Hersfeld", "D-36251 ...").
_POSTCODE_LINE = re.compile(r"(?:D\s*-?\s*)?\d{5}(?:\s|$)")


#: A street type that ends a street name written without a number ("Marktplatz",
#: "Lindenweg", "Hauptstr."): fewer endings than geodata's street words, since -berg,
#: -feld, -bach, -hagen, -ring or -damm end many surnames too.
_STREET_TYPE_END = re.compile(
    r"(?:stra(?:ß|ss)e|str\.?|weg|allee|platz|pl\.|gasse|markt|chaussee|promenade|pfad"
    r"|steig|stieg|passage)$", re.IGNORECASE)


def _street_like(line: str) -> bool:
    """Whether a line without a house number names a street: it begins with a word that
    begins street names ("Am Markt", "Zum Hof", "Alte Gasse") or ends in a street type
    ("Marktplatz", "Kurze Straße")."""
    words = line.split()
    if not words:
        return False
    return (len(words) > 1 and words[0][:1].isupper() and words[0].casefold() in STREET_START
            ) or bool(_STREET_TYPE_END.search(words[-1]))


def _postcode_only(line: str) -> bool:
    """A line of postcode and town only ("36251 Bad Hersfeld"), no street after them."""
    m = _POSTCODE_LINE.match(line)
    return m is not None and not _STREET_NUMBER.search(line, m.end())


#: The words of a line (a number glued to a street, "Hauptstr.5", is part of its word).
_WORD = re.compile(r"\S+")


def _street_after_name(line: str) -> str:
    """The street in a line that begins with a salutation and a name without a comma
    between them: ``Herrn Jürgen Müller Am Markt 16`` -> ``Am Markt 16``, "" when no street
    is recognised. The words before the house number are looked at: the street begins where
    :func:`geodata.addresses.street_start` says (``Am``, ``Zum``, ``Alte``; the last word
    ending in a street type, ``Lindenweg``; ``…er Straße``), else, with a house number, at
    the word before it (a one-word street, ``Hirschenau 1f``)."""
    m = _SALUTATION.match(line)
    rest = line[m.end():] if m else line
    words = list(_WORD.finditer(rest))
    upto = next((k + 1 for k, w in enumerate(words) if any(ch.isdigit() for ch in w[0])),
                len(words))
    names = [re.sub(r"\d.*", "", w[0]) for w in words[:upto]]
    start = street_start(names)
    if start is None and upto <= len(words) and upto - 2 >= 1 \
            and any(ch.isdigit() for ch in words[upto - 1][0]) \
            and not STREET_TYPE_ALONE.fullmatch(names[upto - 2]):
        start = upto - 2  # a one-word street before the number ("Hirschenau 1f", "Lingg 3")
    if start is None:
        return ""
    street = rest[words[start].start():].strip()
    return street if _STREET_NUMBER.search(street) or _street_like(street) else ""


#: A line that is only a house number: "1f", "12 a", "3-5", "Nr. 7".
_LONE_NUMBER = re.compile(r"(?:nr\.?\s*)?\d{1,4}\s?[a-z]?(?:\s?[-/–]\s?\d{1,4}\s?[a-z]?)?",
                          re.IGNORECASE)


def _street_above_number(lines: Sequence[str], i: int) -> bool:
    """Whether ``lines[i]``, above a line holding only a house number, is its street: it
    has no digit, is no c/o line and looks like a street (:func:`_street_like`:
    "Am Markt", "Marktplatz"), or is one word and either a street of an OSM extract
    loaded in this process (:func:`geodata.addresses.extract_street`: "Hirschenau") or
    below a line without a digit that is then the name or a c/o line ("Anna Meier" /
    "Hirschenau" / "1f"). A name above a lone number is not joined to it: "Meier" / "1f" is no street
    "Meier 1f" that a reason would quote; without an extract a one-word street alone
    above its number ("Hirschenau" / "1f") is therefore not found either (review 12
    #10: a name too many is worse than an address to correct)."""
    from geodata.addresses import extract_street

    line = lines[i]
    if any(ch.isdigit() for ch in line) or _CARE_OF_LINE.match(line):
        return False
    if _street_like(line):
        return True
    if len(line.split()) != 1:
        return False
    name_above = i > 0 and not any(ch.isdigit() for ch in lines[i - 1])  # (or a c/o line)
    return name_above or extract_street(line)


def _address_lines(lines: Sequence[str], *, street_first: bool = False
                   ) -> tuple[list[str], bool]:
    """:func:`address_lines`, and whether a line beginning with a salutation was left out
    in which no street was recognised (for the reason of a row without a street);
    ``street_first``: the first line is a street column's (a lone number below it is
    its number)."""
    kept = [part for ln in (str(x).strip() for x in lines) if ln
            for part in (p.strip() for p in ln.split(",")) if part]
    salut = [False] * len(kept)
    unread = False
    for i, ln in enumerate(kept):
        if _SALUTATION.match(ln):
            if street := _street_after_name(ln):
                kept[i] = street
            else:
                salut[i] = unread = True
    # the street alone on one line and its number alone on the next (QA 11d #4)
    for i in range(len(kept) - 1, 0, -1):
        if _LONE_NUMBER.fullmatch(kept[i]) and not salut[i - 1] and (
                _street_above_number(kept, i - 1) or (street_first and i == 1)):
            kept[i - 1] = f"{kept[i - 1]} {kept[i]}"
            del kept[i], salut[i]
    street = next((i for i, ln in enumerate(kept) if not salut[i]
                   and _STREET_NUMBER.search(ln) and not _POSTCODE_LINE.match(ln)), None)
    if street is None:
        street = next((i for i, ln in enumerate(kept) if not salut[i]
                       and not _POSTCODE_LINE.match(ln) and _street_like(ln)), None)
    if street is None:
        street = next((i for i, ln in enumerate(kept) if _POSTCODE_LINE.match(ln)), len(kept))
    return [ln for i, ln in enumerate(kept) if not salut[i] and (
        i >= street or _CARE_OF_LINE.match(ln) or any(ch.isdigit() for ch in ln))], unread


def address_lines(lines: Sequence[str]) -> list[str]:
    """The lines of a postal address block that belong to the address.

    A block is written as on an envelope: the addressee (``Herrn Jürgen Müller``), perhaps a
    c/o line, the street, ``PLZ Ort``. Each line is split at its commas (``Müller, Jürgen``).
    A line starting with a salutation (Herrn, Herr, Frau, Familie, Fam., Eheleute, An
    Herrn, z. Hd. ...) is left out wherever it stands, unless a street follows the name in
    it (``Herrn Jürgen Müller Am Markt 16``: the street is kept, see
    :func:`_street_after_name`); so is every line above the street without a digit (a name
    without salutation), except a c/o line. A line that is only a house number (``1f``)
    is joined to the line above it when that looks like a street, or is one word that a
    loaded extract knows as a street or that stands below the name (``Hirschenau`` /
    ``1f`` -> ``Hirschenau 1f``; not ``Meier`` / ``1f``, see :func:`_street_above_number`). The
    street is the first line with a street name and a number; without one, the first line that looks like a street
    (:func:`_street_like`: ``Am Markt``, ``Marktplatz``), else ``PLZ Ort``: then every
    digit-free line above it is left out, also the only line of a block (``Jürgen Müller``
    above an empty street line). A name never becomes part of the address, so no message
    quoting the address can quote it; a row without its street is rejected as such
    („Straße fehlt“).
    """
    return _address_lines(lines)[0]


def _cell_lines(row: Mapping[str, str], roles: Mapping[str, str]) -> tuple[list[str], bool]:
    """The lines of a row's address column or address block that belong to the address
    (see :func:`address_cell`), and whether a salutation line without a recognised street
    was left out."""
    keys = ["adresse", *sorted((k for k in roles if k.startswith("adresse_")),
                               key=lambda k: int(k.rpartition("_")[2]))]
    texts = [str(row.get(roles[k], "") or "").strip() for k in keys if k in roles]
    lines = [ln for t in texts for ln in t.splitlines() if ln.strip()]
    if len(lines) > 1 or (lines and "adresse_2" in roles) or (
            lines and _SALUTATION.match(lines[0])):
        # (a block of one filled line: perhaps only the name)
        # the line of a column headed plain "Adresse" ("Anschrift") is meant to be the
        # street, not the name a numbered "Zeile 1" holds: "Hirschenau" / "1f" is joined
        m = _BLOCK_HEADER.fullmatch(normalize_header(roles["adresse"])) \
            if "adresse" in roles else None
        street_first = bool(m and not m["n"] and m["stem"] not in _LINE_STEMS
                            and len(texts) > 1 and len(texts[0].split()) == 1
                            and not any(ch in texts[0] for ch in ",\n0123456789"))
        return _address_lines(lines, street_first=street_first)
    return ([lines[0].strip()] if lines else []), False


def address_cell(row: Mapping[str, str], roles: Mapping[str, str]) -> str:
    """The text of a row's address column, or of its address block joined with ``, ``,
    without the lines that name a person (see :func:`address_lines`): also for a cell of
    several lines, for a block of which only one line is filled, and for a one-line cell
    that begins with a salutation (``Herrn Jürgen Müller, Am Markt 16``, also without the
    comma)."""
    return ", ".join(_cell_lines(row, roles)[0])


def address_street(row: Mapping[str, str], roles: Mapping[str, str]) -> tuple[str, bool]:
    """The part of a row's address that may hold the street: the parts of the address
    cell (:func:`address_cell`) other than one of postcode and town only, and the street
    cell ("" when the row has no street: "36251 Bad Hersfeld" alone is no address to
    plan); and whether a line beginning with a salutation was left out in which no street
    was recognised (the reason of a row without a street says so)."""
    lines, unread = _cell_lines(row, roles)
    parts = [p.strip() for ln in lines for p in ln.split(",")]
    text = ", ".join(p for p in parts if p and not _postcode_only(p))
    street = str(row.get(roles["strasse"], "") or "").strip() if "strasse" in roles else ""
    return " ".join(p for p in (text, street) if p), unread


def address_from_row(row: Mapping[str, str], columns: Sequence[str] | Mapping[str, str], *,
                     client_name: str | None = None) -> str:
    """Join a row's address cells into one line, e.g. ``"Hauptstraße 5a, 36251 Bad Hersfeld"``.

    ``columns`` is either the table's header list (roles are looked up with
    :func:`address_columns`) or a ready role -> header mapping. Works with one address
    column, split columns, or a mix (``Adresse`` + ``PLZ`` + ``Ort``); a part already
    contained in the address cell is not repeated. An addition (:func:`_addition`) stands
    after the house number as its own part (in brackets after the number when no postcode
    or town follows, so that it is not read as the town: ``Am Markt 16 (Hinterhaus)``); one that is a lone
    letter after a number without a letter is the number's suffix (``12`` + ``a`` ->
    ``12a``). ``client_name`` (the row's name) tells an addition addressing the client
    from one naming somebody else at the door (see :func:`_addition`).
    """
    roles = dict(columns) if isinstance(columns, Mapping) else address_columns(columns)

    def cell(role: str) -> str:
        col = roles.get(role)
        return str(row.get(col, "") or "").strip() if col else ""

    street = address_cell(row, roles) or cell("strasse")
    both = roles.get("adresse") and roles.get("strasse") and cell("strasse")
    if both and cell("strasse").casefold() not in street.casefold():
        # Both present: the address cell may hold only the remainder; keep what is new.
        street = f"{cell('strasse')} {street}".strip()
    number = join_housenumber(cell("hausnummer"), cell("zusatz"))
    head = street
    if number and not _ends_with_number(street, number):
        head = f"{street} {number}".strip()
    tail_parts: list[str] = []
    plz_ort = cell("plz_ort")
    if plz_ort and plz_ort.casefold() not in head.casefold():
        tail_parts.append(plz_ort)
    plz, ort = cell("plz"), cell("ort")
    if plz and ort and plz.isdigit() and len(plz) == 4:
        plz = "0" + plz  # a postcode stored as a number lost its leading zero
    for part in (plz, ort):
        if part and part.casefold() not in head.casefold() and not any(
            part.casefold() in t.casefold() for t in tail_parts
        ):
            tail_parts.append(part)
    ortsteil = cell("ortsteil")
    if ortsteil and not is_placeholder(ortsteil) and not re.search(
            rf"(?<!\w){re.escape(ortsteil)}(?!\w)", " ".join([head, *tail_parts]), re.IGNORECASE):
        # "Buchenweg 5, 36251 Bad Hersfeld OT Unterhaun"; alone: "Buchenweg 5, OT Unterhaun"
        tail_parts.append(f"OT {ortsteil}")
    tail = " ".join(tail_parts)
    addition = _addition(row, roles, client_name)
    if _NUMBER_SUFFIX.fullmatch(addition) and re.search(r"(?<![0-9])\d{1,4}$", head):
        # a lone letter after a house number without one ("Zusatz" = "a"), "1/2", "/1":
        # its suffix
        head = f"{head}{addition}" if addition[0] in "/-–" else join_housenumber(head, addition)
        addition = ""
    elif addition and not tail and re.search(r"\d\s?[a-zA-Z]?$", head):
        # no postcode or town after it: in brackets, else the addition would be read as
        # the town ("Vogelsang 1, Meier": a town „Meier“ a reason would quote)
        return f"{head} ({addition})"
    return ", ".join(p for p in (head, addition, tail) if p)


def _ends_with_number(street: str, number: str) -> bool:
    """Whether the ``Straße`` cell already ends with the house number (any case, not the
    end of a longer number: „Am Markt 12“ ends with „12“, not „2“). Plain string work, not
    a pattern per number: a list of 20,000 rows has thousands of numbers, more than
    ``re``'s cache holds (≈0.7 s of such an import)."""
    tail = street.rstrip()
    n = len(number)
    return tail[-n:].lower() == number.lower() and (
        len(tail) == n or tail[-n - 1] not in "0123456789")


#: An addition that continues a house number: a letter, "1/2" or "½", "/1", "-14".
_NUMBER_SUFFIX = re.compile(r"[a-zA-Z]|1/2|½|/\s?\d{1,3}[a-zA-Z]?|[-–]\s?\d{1,4}[a-zA-Z]?")


def _looks_like_addition(cell: str) -> bool:
    """Whether every part of a cell is a house number's suffix, a c/o line or a hint for
    finding the door ("2. OG links", "Hinterhaus", "Whg. 12"), not a remark or a name."""
    from geodata.addresses import door_hint

    parts = [p.strip() for p in re.split(r"[\n,;]+", cell) if p.strip()]
    return bool(parts) and all(_NUMBER_SUFFIX.fullmatch(p) or _CARE_OF_LINE.match(p)
                               or door_hint(p) for p in parts)


def _mostly_additions(cells: Sequence[str]) -> bool:
    """Whether more than half of the filled cells (placeholders aside) look like address
    additions (:func:`_looks_like_addition`)."""
    filled = [c for c in (c.strip() for c in cells) if c and not is_placeholder(c)]
    return bool(filled) and 2 * sum(map(_looks_like_addition, filled)) > len(filled)


#: Words of a salutation part that are no name ("Frau Dr. Meier": only "Meier" is).
_NOT_A_NAME = frozenset({
    "an", "z", "hd", "zu", "händen", "haenden", "herrn", "herr", "frau", "familie", "fam",
    "eheleute", "ehepaar", "firma", "mr", "mrs", "ms", "dr", "prof", "dipl", "ing", "med",
    "von", "van", "de", "der", "den", "zum", "zur", "und", "u"})


#: Letters written two ways in German lists ("Müller"/"Mueller", "Yılmaz"/"Yilmaz").
_NAME_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ı": "i"})


def _name_words(text: str) -> set[str]:
    """The words of ``text`` that may be names (casefolded, salutations and titles out),
    each in two spellings that lists mix: umlauts written out (``mueller``) and every
    mark taken off (``muller``), so that "Herrn Mueller" names the client Jürgen Müller."""
    import unicodedata

    out: set[str] = set()
    # a capital dotted İ casefolds to "i" + U+0307, which no word holds: İlhan is Ilhan
    for w in re.findall(r"[^\W\d_]+", text.casefold().replace("i\u0307", "i")):
        if w in _NOT_A_NAME or len(w) < 2:
            continue
        for form in (w.translate(_NAME_FOLD), w.replace("ı", "i")):
            out.add("".join(c for c in unicodedata.normalize("NFKD", form)
                            if not unicodedata.combining(c)))
    return out


def _addresses_someone_else(part: str, client_name: str | None) -> bool:
    """Whether a salutation part ("Frau Okafor") names a person who is not the client:
    none of its name words is in the client's name. Unknown name: not known, False."""
    words = _name_words(part)
    return bool(words and client_name and not words & _name_words(client_name))


def _addition(row: Mapping[str, str], roles: Mapping[str, str],
              client_name: str | None = None) -> str:
    """The addition of a row ("Adresse 2" without a line 1: "Hinterhaus", "2. OG links",
    "c/o Meier"), its parts joined with ``, ``. It stands after the house number as its
    own part, where the geocoder reads it as an addition and
    :func:`hausbesuch.care_of.without_care_of` finds a c/o line or a bare name (``Meier``,
    see :func:`geodata.addresses.names_a_person`).

    Each line is split at commas and semicolons first, and a remark in brackets becomes a
    part of its own (``Meier (Untermieter)`` -> ``Meier, Untermieter``; brackets inside
    the brackets the address gets without postcode and town made the name its town). A
    part naming a family or a firm (``Fam. Meier``, ``Familie Meier``, ``Firma Meier``:
    a bell name the worker needs) is kept, as a c/o part (``Fam. Meier, Hinterhaus``
    keeps both); a part addressing a person (``Herrn Jürgen Müller``, ``Frau Meier``) is
    left out when it names the client (a word of ``client_name``) or the client's name is
    not known, and kept when it names somebody else (``Frau Okafor`` for client Anna Weiß:
    the name on the bell, a c/o part like a bare name); placeholders ("-", "k. A.") and
    the postcode or town typed again are left out."""
    from geodata.addresses import names_a_person

    keys = sorted((k for k in roles if k.startswith("adresszusatz")),
                  key=lambda k: int(k.rpartition("_")[2]) if "_" in k else 1)
    text = "\n".join(str(row.get(roles[k], "") or "") for k in keys)
    parts = [" ".join(p.split()) for p in re.split(r"[\n,;()\[\]]+", text)]
    # not a placeholder ("-", "k. A."), nor the postcode or town again
    town = {r: str(row.get(roles[r], "") or "").strip() for r in ("plz", "ort", "plz_ort")
            if r in roles}
    known = {t.casefold() for t in (*town.values(),
                                    f"{town.get('plz', '')} {town.get('ort', '')}".strip())}
    return ", ".join(p for p in parts if p and not is_placeholder(p)
                     and p.casefold() not in known
                     and (not _SALUTATION.match(p)
                          or (_BELL_LABEL.match(p) is not None and names_a_person(p))
                          or _addresses_someone_else(p, client_name)))


# --------------------------------------------------------------------------------------
# Reading


@dataclass
class Table:
    """A read table: header names, rows as stripped strings, and spreadsheet row numbers."""

    columns: list[str]
    rows: list[dict[str, str]]
    row_numbers: list[int]
    source: str
    #: "xlsx" or the detected CSV text encoding ("utf-8", "utf-8-sig", "cp1252", ...).
    encoding: str = ""
    #: The sniffed CSV delimiter ("" for XLSX or a single-column CSV).
    delimiter: str = ""
    #: For CSV: the text line on which each row starts (differs from ``row_numbers`` when
    #: a quoted field spans several lines); for XLSX the same as ``row_numbers``.
    line_numbers: list[int] = field(default_factory=list)
    #: XLSX: the name of the sheet read ("" for CSV).
    sheet: str = ""
    #: XLSX: the names of the other sheets, not read.
    ignored_sheets: list[str] = field(default_factory=list)
    #: XLSX: (row number, column) of the cells that held a boolean (WAHR/FALSCH).
    booleans: set[tuple[int, str]] = field(default_factory=set)
    #: XLSX: (row number, column) of numbers with more than 15 digits stored as floating
    #: point: the spreadsheet has already lost their last digits (an id there is unsafe).
    lossy_numbers: set[tuple[int, str]] = field(default_factory=set)
    #: XLSX: (row number, column) of the cells that held a date or a clock time (shown as
    #: ``14.12.2026``, ``12:30``): in an address column Excel has turned what was typed
    #: (``12-14``) into a date (see :meth:`address_problem`).
    date_cells: set[tuple[int, str]] = field(default_factory=set)
    #: XLSX: (row number, column) of the cells that hold a formula without a stored value
    #: (a file written by a program and never calculated): they read as empty, but are not.
    formula_cells: set[tuple[int, str]] = field(default_factory=set)
    #: How many fields (cells) the header row has, empty ones at its end included.
    header_fields: int = 0
    #: CSV: rows with more fields than the header while other rows fit (row number ->
    #: fields): a delimiter inside a field without quotes shifted the row's cells. They are
    #: in :attr:`rows` as read, not widened; :meth:`row_problem` says why they cannot be
    #: used. (When every row is wider, the header is short: the table is widened instead.)
    wide_rows: dict[int, int] = field(default_factory=dict)
    #: CSV: rows with fewer fields than the header names columns (row number -> fields):
    #: a file cut off in the row, or a line break in a field without quotes. They are in
    #: :attr:`rows` with the missing cells empty; :meth:`row_problem` says why they cannot
    #: be used when a column read is missing (:meth:`missing_columns`).
    short_rows: dict[int, int] = field(default_factory=dict)
    #: How many columns the header row names: its fields without the empty ones at its
    #: end (columns a row too wide added are not counted).
    header_columns: int = 0
    #: CSV: runs of rows of :attr:`short_rows` that seem one row split by line breaks in
    #: fields without quotes: short rows next to each other whose fields together make at
    #: most the header's (:attr:`split_rows`). Another short row (not the file's open
    #: end) may be one whose empty end was left off: Excel writes some rows of a CSV so
    #: when their last columns are empty (:meth:`missing_columns`, ``optional``). A
    #: caller that knows which rows are rows of their own (a Kundennummer and an
    #: address: Excel's rows of a narrow list) finds the runs again
    #: (:meth:`split_again`).
    split_runs: list[tuple[int, ...]] = field(default_factory=list)
    #: CSV: the row whose last field the file ends in without a line end (0: it ends with
    #: one): with :attr:`short_rows`, a file cut off (a copy or a download that stopped).
    open_end_row: int = 0
    #: CSV: the column of :attr:`open_end_row` whose field in quotes the file ends in (no
    #: closing quote: a note cut off that still fills every column); "" if none.
    open_quote_column: str = ""
    #: XLSX: the sheets of the workbook that are hidden (read only when no visible sheet
    #: has the list).
    hidden_sheets: list[str] = field(default_factory=list)
    #: XLSX: the rows read that are hidden in the sheet (filtered out by an autofilter or
    #: hidden by hand): they are read, and :meth:`notes` names them.
    hidden_rows: list[int] = field(default_factory=list)
    #: The row number of the header row (1 unless title rows stand above it).
    header_row: int = 1
    #: The second row of a header written over two rows (group headings such as
    #: „Anschrift“ in :attr:`header_row`, the column names below them), read with it as
    #: one header; 0 when the header is one row (see ``read_table``'s ``known``).
    header_row_2: int = 0
    #: The non-empty rows above the header, taken as titles and not read (only when
    #: ``read_table``'s ``required`` found the header below them).
    title_rows: list[int] = field(default_factory=list)
    #: A column without header right of the street column that holds house numbers: (its
    #: number, the street column, whether it was renamed "Hausnummer" and is read so).
    house_numbers: tuple[int, str, bool] | None = None
    #: CSV: rows that end with empty fields beyond the header while other rows do not
    #: (``K-2;Am Markt 1;;``), but whose cells are not shifted: read, and named in a note.
    trailing_rows: list[int] = field(default_factory=list)
    #: CSV: the fields of each of :attr:`wide_rows` beyond the last column (see
    #: :meth:`joined_last`).
    overflow: dict[int, list[str]] = field(default_factory=dict)
    #: XLSX: cells merged down over data rows (``E2:E8``): the value stands only in the
    #: range's first row; in a column whose value rows may share (see
    #: :func:`shared_by_rows`) it was filled into each row below that has content, and
    #: :meth:`notes` says so. Per column: (first row, last row filled) of each range.
    merged_fills: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    #: XLSX: the same for the other columns (a name, a note, a Kundennummer): nothing was
    #: filled, the rows below keep their empty cells, and :meth:`notes` says so. Per column:
    #: (first row, last row with content) of each range.
    merged_kept: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    #: The rows between the header and the last data row whose cells are all empty: in a
    #: workbook any such row, in a CSV file a record with at least one delimiter (``;;``;
    #: a blank text line has no cells and is not listed). Not in :attr:`rows`; ``hausbesuch
    #: geocode`` writes them back as rows without an address, so its output has every
    #: input row. Empty rows after the last data row are not listed.
    empty_rows: list[int] = field(default_factory=list)
    #: CSV read as Windows-1252: the text lines (from 1, as :attr:`line_numbers`) from
    #: which bytes Windows-1252 leaves undefined were left out; :meth:`notes` names their
    #: rows.
    undefined_lines: list[int] = field(default_factory=list)

    @property
    def where(self) -> str:
        """How messages name what was read: the file, and in a workbook of several sheets
        the sheet read and the others."""
        if not self.ignored_sheets:
            return self.source
        others = ", ".join(f"„{n}“" for n in self.ignored_sheets)
        return f"{self.source} (Arbeitsblatt „{self.sheet}“; weitere Blätter: {others})"

    def notes(self) -> list[str]:
        """German notes for the coordinator about what was read: the sheet (see
        :meth:`sheet_note`), title rows above the header, a column read as house numbers, rows
        read that end with empty fields beyond the header, merged cells filled down (and
        those left as they are: a name, a note), hidden rows that were read."""
        out = [note] if (note := self.sheet_note()) else []
        where = f" im Arbeitsblatt „{self.sheet}“" if self.ignored_sheets else ""
        if self.title_rows:
            one = len(self.title_rows) == 1
            out.append(
                f"{self.source}: die Kopfzeile steht{where} in Zeile {self.header_row}; "
                f"{_row_list(self.title_rows)} darüber "
                f"{'wurde' if one else 'wurden'} als Titel übersprungen.")
        if self.header_row_2:
            out.append(
                f"{self.source}: die Kopfzeile steht{where} in Zeilen {self.header_row} und "
                f"{self.header_row_2} (Überschriften über mehreren Spalten in Zeile "
                f"{self.header_row}, Spaltennamen in Zeile {self.header_row_2}); beide wurden "
                f"als eine Kopfzeile gelesen: {shown_columns(self.columns)}. Die Daten "
                f"beginnen in Zeile {self.header_row_2 + 1}.")
        if self.house_numbers is not None:
            k, street, renamed = self.house_numbers
            out.append(
                f"{self.source}: Spalte {k} hat keine Überschrift und enthält Hausnummern; sie "
                f"wird als „Hausnummer“ zu „{shown_header(street)}“ gelesen (eine Überschrift über "
                "zwei Spalten?)." if renamed else
                f"{self.source}: Spalte {k} (ohne Überschrift, rechts von "
                f"„{shown_header(street)}“) enthält Hausnummern? Sie wird nicht ausgewertet; "
                "bitte die Überschrift „Hausnummer“ eintragen.")
        if self.trailing_rows:
            one = len(self.trailing_rows) == 1
            out.append(
                f"{self.source}: {_row_list(self.trailing_rows)} "
                f"{'hat' if one else 'haben'} mehr Felder als die Kopfzeile, die überzähligen "
                "am Ende sind leer (ein Trennzeichen zu viel am Zeilenende?); "
                f"{'sie wurde' if one else 'sie wurden'} gelesen.")
        for col, spans in self.merged_fills.items():
            first, last = spans[0]
            if len(spans) == 1:
                out.append(
                    f"{self.source}: Spalte „{shown_header(col)}“{where}: verbundene Zellen in "
                    f"Zeilen {first}–{last}, der Wert aus Zeile {first} gilt für jede dieser "
                    "Zeilen.")
            else:
                ranges = ", ".join(f"{a}–{b}" for a, b in spans[:MERGE_NOTE_RANGES])
                more = len(spans) - MERGE_NOTE_RANGES
                ranges += f" und {more} weitere" if more > 0 else ""
                out.append(
                    f"{self.source}: Spalte „{shown_header(col)}“{where}: verbundene Zellen in "
                    f"Zeilen {ranges}; der Wert aus der ersten Zeile jedes Bereichs gilt für "
                    "jede seiner Zeilen.")
        for col, spans in self.merged_kept.items():
            first, last = spans[0]
            ranges = ", ".join(f"{a}–{b}" for a, b in spans[:MERGE_NOTE_RANGES])
            more = len(spans) - MERGE_NOTE_RANGES
            ranges += f" und {more} weitere" if more > 0 else ""
            value = (f"der Wert steht nur in Zeile {first}" if len(spans) == 1 else
                     "der Wert steht jeweils nur in der ersten Zeile eines Bereichs")
            out.append(
                f"{self.source}: Spalte „{shown_header(col)}“{where}: verbundene Zellen in "
                f"Zeilen {ranges}; {value} (Namen, Notizen und andere Angaben zu einer "
                "Person werden nicht in andere Zeilen übertragen).")
        if self.hidden_rows:
            one = len(self.hidden_rows) == 1
            out.append(
                f"{self.source}: {_row_list(self.hidden_rows)} "
                f"{'ist' if one else 'sind'}{where} ausgeblendet (Filter oder ausgeblendete "
                f"Zeile{'' if one else 'n'}) und {'wurde' if one else 'wurden'} trotzdem "
                f"eingelesen: bitte prüfen, ob sie geplant werden soll{'' if one else 'en'}; "
                "sonst aus der Liste löschen.")
        if self.undefined_lines:
            out.append(self._undefined_note())
        return out

    def _undefined_note(self) -> str:
        """The note on the rows from which bytes undefined in Windows-1252 were left out."""
        rows: list[int] = []
        header = False
        for line in self.undefined_lines:
            i = bisect.bisect_right(self.line_numbers, line) - 1
            if i < 0:
                header = True
            elif (row := self.row_numbers[i]) not in rows:
                rows.append(row)
        where = " und ".join(([_row_list(rows)] if rows else [])
                             + (["die Kopfzeile"] if header else []))
        return (f"{self.source}: {where} {'enthält' if len(rows) + header == 1 else 'enthalten'} "
                "Bytes, die in Windows-1252 kein Zeichen sind (0x81, 0x8D, 0x8F, 0x90, 0x9D; "
                "eine andere Kodierung?); sie wurden ausgelassen, alle anderen Zeichen "
                "gelesen. Bitte Namen und Adressen dort prüfen.")

    def row_problem(self, rownum: int, read: Collection[str] | None = None,
                    optional: Collection[str] = ()) -> str | None:
        """Why row ``rownum`` cannot be read safely (German, never quoting a cell), or
        None: it has more fields than the header (see :attr:`wide_rows`), or fewer, and a
        column of ``read`` (the columns the caller reads; None: all) is among those
        missing (:attr:`short_rows`): read with them empty, a stored case would lose its
        address, window or note to a file cut off. ``optional``: columns a row may leave
        off at its end when they are empty (see :meth:`missing_columns`)."""
        if (missing := self.missing_columns(rownum, read, optional)) is not None:
            return self._short_problem(rownum, missing)
        if rownum == self.open_end_row and (col := self.open_quote_column) and (
                read is None or col in read):
            return (f"Zeile {rownum}: die Datei endet mitten im Feld „{shown_header(col)}“ "
                    "(in Anführungszeichen, das schließende fehlt): abgeschnitten "
                    "(unvollständig gespeichert, kopiert oder heruntergeladen)? Die Zeile "
                    "wird nicht übernommen, Gespeichertes bleibt unverändert (das Feld wäre "
                    "sonst gekürzt gelesen); bitte die Liste vollständig neu exportieren und "
                    "erneut einlesen")
        n = self.wide_rows.get(rownum)
        if n is None:
            return None
        sep = {";": "„;“ ", ",": "„,“ ", "\t": "(Tabulator) "}.get(self.delimiter, "")
        return (f"Zeile {rownum} hat {n} Felder, die Kopfzeile {self.header_fields}: "
                f"Trennzeichen {sep}in einem Feld ohne Anführungszeichen? Die Zeile wird "
                "nicht gelesen, sonst stünden Werte in der falschen Spalte; bitte das Feld in "
                "Anführungszeichen setzen oder das Zeichen entfernen")

    def __post_init__(self) -> None:
        self._index_runs()

    def _index_runs(self) -> None:
        #: the rows of :attr:`split_runs`, and those after the first of each run (the
        #: rest of a field begins them: their first cell is no Kundennummer to show)
        self.split_rows: set[int] = {r for run in self.split_runs for r in run}
        self.split_tails: set[int] = {r for run in self.split_runs for r in run[1:]}

    def split_again(self, begins_row: Callable[[int], bool]) -> None:
        """Find :attr:`split_runs` again with what the caller knows of a row:
        ``begins_row(rownum)`` says that the row is a row of its own (its Kundennummer,
        its address in their columns), not the rest of the row before it. A run goes on
        only over rows that are not (:func:`_split_runs`): Excel's rows of a narrow list,
        which left off their empty end, are rows of their own; the rest of a row split by
        a line break, even one that begins with digits, is not."""
        counts = [(r, self.short_rows.get(r, self.header_columns)) for r in self.row_numbers]
        self.split_runs = _split_runs(counts, self.short_rows, self.header_columns,
                                      begins_row)
        self._index_runs()

    def lone_last_short(self, rownum: int) -> bool:
        """Whether ``rownum`` is the file's last row and the only short one: a file cut off
        in that row and saved again (an editor adds the line end), not Excel's blocks of
        rows without their empty end (QA 46b F5)."""
        return (len(self.short_rows) == 1 and rownum in self.short_rows
                and bool(self.row_numbers) and rownum == self.row_numbers[-1])

    def missing_columns(self, rownum: int, read: Collection[str] | None = None,
                        optional: Collection[str] = ()) -> list[str] | None:
        """The columns of ``read`` (None: all) that row ``rownum`` has no field for, one
        of :attr:`short_rows`; None when it has a field for each of them.

        Columns of ``optional`` (the caller's columns that may be empty: a note, a window,
        not the id or the address) do not count as missing when the row ends with a line
        end and is not one of :attr:`split_rows`: Excel leaves the empty end off some
        rows of a CSV it writes (in blocks of rows whose last columns are empty), and
        their fields are empty indeed. A file cut off in the row (:attr:`open_end_row`)
        or a row split by a line break misses them."""
        n = self.short_rows.get(rownum)
        if n is None:
            return None
        missing = [c for c in self.columns[n:self.header_columns]
                   if read is None or c in read]
        if (optional and rownum != self.open_end_row and rownum not in self.split_rows
                and not self.lone_last_short(rownum)
                and all(c in optional for c in missing)):
            return None
        return missing or None

    def _short_problem(self, rownum: int, missing: Sequence[str]) -> str:
        n = self.short_rows[rownum]
        named = ", ".join(f"„{shown_header(c)}“" for c in missing[:6])
        named += " …" if len(missing) > 6 else ""
        head = (f"Zeile {rownum} hat {n} {'Feld' if n == 1 else 'Felder'}, die Kopfzeile "
                f"{self.header_columns}")
        if rownum == self.open_end_row:
            why = ("; die Datei endet mitten in dieser Zeile: abgeschnitten (unvollständig "
                   "gespeichert, kopiert oder heruntergeladen)?")
            fix = "bitte die Liste vollständig neu exportieren und erneut einlesen"
        elif self.lone_last_short(rownum):
            why = ("; die letzte Zeile der Datei, als einzige zu kurz: abgeschnitten "
                   "(unvollständig gespeichert oder kopiert)?")
            fix = "bitte die Liste vollständig neu exportieren und erneut einlesen"
        else:
            why = (": Zeilenumbruch in einem Feld ohne Anführungszeichen, oder wurden "
                   "Felder gelöscht?")
            fix = "bitte die Zeile in der Datei vervollständigen und erneut einlesen"
        return (f"{head}{why} Es fehlen {named}. Die Zeile wird nicht übernommen, "
                "Gespeichertes bleibt unverändert (die fehlenden Angaben würden sonst als "
                f"leer gelesen); {fix}")

    def address_problem(self, rownum: int, row: Mapping[str, str],
                        roles: Mapping[str, str]) -> tuple[str, str] | None:
        """Why the address of row ``rownum`` cannot be read as typed, or None: a cell of an
        address column (``roles``, see :func:`address_columns`) that a spreadsheet stored
        as a date or a clock time (:attr:`date_cells`), or a house number (or its suffix)
        that reads as a date as Excel shows one (``14.12.2026``, ``01. Feb``, ``14-Dec``):
        what was typed (``12-14``, ``1-2``) became a date and would be geocoded as another
        house number. Returns (the role, a German reason)."""
        for role, col in roles.items():
            text = str(row.get(col, "") or "").strip()
            if not text:
                continue
            label = _ROLE_LABELS.get(role.rstrip("_0123456789"), "Adresse")
            kind = None
            if (rownum, col) in self.date_cells:
                kind = "Uhrzeit" if _CLOCK.fullmatch(text) else "Datum"
            parts = _date_parts(text) if role in ("hausnummer", "zusatz") else None
            if kind is None and parts is None:
                continue
            if kind is None:
                said = f"„{shorten(text, 40)}“ ist ein Datum" + (
                    ", keine Hausnummer" if role == "hausnummer" else "")
            else:
                said = f"ist in Excel als {kind} gespeichert ({text})"
            number = role in ("hausnummer", "zusatz")
            typed = ""
            if number and (parts or (kind == "Datum" and (parts := _date_parts(text)))):
                # typed "12-14" (US order) or "1-2" (German): a range, the lower number first
                low, high = sorted(parts)
                typed = " – ursprünglich wohl " + (
                    f"„{low}-{high}“" if low == high else f"„{low}-{high}“ oder „{high}-{low}“")
            what = "die Hausnummer neu eintragen" if number else "die Adresse prüfen"
            return role, (f"{label} {said}{typed}: bitte die Spalte „{shown_header(col)}“ "
                          f"in Excel als Text formatieren und {what}")
        return _two_house_numbers(row, roles)

    def joined_last(self, rownum: int, keep_apart: Sequence[str] = ()) -> str | None:
        """The last column's text of row ``rownum``, one of :attr:`wide_rows`, with the
        fields beyond the header joined back to it with the delimiter (``Hund; bitte
        klingeln``), when only that column can have overflowed; else None (the row stays
        refused, see :meth:`row_problem`). The caller knows the last column is free text
        (a note); this says whether the other cells stand where they belong:

        * the delimiter is ``;`` or a tab (in a comma-separated file a comma in an address,
          "Am Markt 16, 36251 Bad Hersfeld", is as likely as one in the note);
        * each filled cell, the last column's included, has a shape that other rows have
          in its column: a date, a number, text with a digit (an address, a window) or
          text without (a name); a filled cell in a column empty in every other row does
          not fit (the last column: unless it is plain text);
        * a delimiter typed in a column of ``keep_apart`` (names) or left of one would show:
          read so (that column's text joined with the next fields, every cell after it
          one field further), some cell between it and the last column would not fit its
          column. Else a name could land in the note. So ``Name;Straße;Hausnummer;…;Notiz``
          joins a note's ``;`` (a name split there would put a house number into
          ``Straße``), while ``Adresse;Name;Notiz`` does not (a first name split off would
          land in the note unnoticed).
        """
        extra = self.overflow.get(rownum)
        if extra is None or self.delimiter not in (";", "\t") or not self.columns \
                or self.header_fields != len(self.columns):
            return None
        row = self.rows[self.row_numbers.index(rownum)]
        shapes: dict[str, set[str]] = {}
        for n, other in zip(self.row_numbers, self.rows, strict=True):
            if n not in self.wide_rows:
                for col, cell in other.items():
                    if cell:
                        shapes.setdefault(col, set()).add(_cell_shape(cell))
        last = self.columns[-1]
        for col in self.columns:
            seen = shapes.get(col) or ({"text"} if col == last else set())
            if row.get(col) and _cell_shape(row[col]) not in seen:
                return None
        named = [self.columns.index(c) for c in keep_apart if c in self.columns and c != last]
        if named and self._another_split_fits(row, extra, max(named), shapes):
            return None
        fields = [row.get(last, ""), *extra]
        while fields and not fields[-1]:
            fields.pop()
        return ("; " if self.delimiter == ";" else " ").join(fields)

    def _another_split_fits(self, row: Mapping[str, str], extra: Sequence[str], upto: int,
                            shapes: Mapping[str, set[str]]) -> bool:
        """Whether the row reads as well with the delimiter typed in a column up to index
        ``upto`` instead of the last: that column takes the next fields too, and each
        filled cell after it up to the last column (one or more fields further on) has a
        shape other rows have there (:meth:`joined_last`)."""
        cells = [row.get(c, "") for c in self.columns] + list(extra)
        last = len(self.columns) - 1
        for i in range(upto + 1):
            for k in range(1, len(extra) + 1):  # fields typed into column i
                joined = "; ".join(cells[i:i + k + 1])
                moved = [(self.columns[i], joined)] + [
                    (self.columns[j], cells[j + k]) for j in range(i + 1, last)]
                if all(not v or _cell_shape(v) in shapes.get(c, set()) for c, v in moved):
                    return True
        return False

    def joined_note(self, rows: Sequence[int]) -> str:
        """A German note naming the rows whose extra fields were joined back to the last
        column (:meth:`joined_last`); it quotes no cell."""
        one = len(rows) == 1
        sep = "„;“" if self.delimiter == ";" else "(Tabulator)"
        return (f"{self.source}: {_row_list(rows)} {'hat' if one else 'haben'} mehr Felder als "
                f"die Kopfzeile, alle anderen Zellen passen zu ihren Spalten: ein Trennzeichen "
                f"{sep} in der letzten Spalte „{shown_header(self.columns[-1])}“ ohne "
                "Anführungszeichen? Die überzähligen Felder wurden ihr wieder angehängt; bitte "
                f"{'die Zeile' if one else 'die Zeilen'} prüfen und das Feld in "
                "Anführungszeichen setzen.")

    def sheet_note(self) -> str | None:
        """A German sentence naming the sheet read and those ignored (None for one sheet)."""
        if not self.ignored_sheets:
            return None

        def shown(sheet: str) -> str:
            return f"„{sheet}“" + (" (ausgeblendet)" if sheet in self.hidden_sheets else "")

        ignored = ", ".join(shown(n) for n in self.ignored_sheets)
        return f"{self.source}: Arbeitsblatt {shown(self.sheet)} gelesen; nicht gelesen: {ignored}."

    def __len__(self) -> int:
        return len(self.rows)


_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DELIMITERS = (";", "\t", ",")
_NO_DELIMITER = "\x1f"  # a single-column CSV: a delimiter that never occurs


#: Sheet names (normalised) that mark a client list in a workbook with several sheets.
SHEET_NAMES: tuple[str, ...] = (
    "kunden", "kundenliste", "klienten", "klientenliste", "liste", "besuchsliste",
    "hausbesuche", "besuche", "faelle", "fallliste", "clients", "customers", "list",
    "adressen", "adressliste",
)


def read_table(
    path: str | Path, *, required: Callable[[list[str]], bool] | None = None,
    name: str | None = None, known: Callable[[str], bool] | None = None,
) -> Table:
    """Read a CSV or XLSX file into a :class:`Table`.

    ``required`` tells a workbook's client-list sheet from the others: it gets a sheet's
    header names and says whether the sheet has the columns needed (see the module
    docstring for the order in which sheets are tried). ``name`` is how messages and
    :attr:`Table.source` name the file (default: the path); an upload gives the name of
    the file sent, never the server's temporary path. ``known`` says whether a cell is a
    column name the caller reads (:func:`client_header_name`): with it, a header written
    over two rows (group headings above the column names) is read as one, or the file
    refused when that cannot be told safely (see :func:`_second_header_row`).

    Raises
    ------
    UserError
        If the file does not exist, cannot be read or decoded, is empty, is an
        unsupported format (old ``.xls``, ``.ods``) or has no header row. The German
        message names the file and the problem.
    """
    p = Path(path)
    name = str(p) if name is None else name
    if not p.exists():
        raise UserError(f"Datei nicht gefunden: {name}")
    if p.is_dir():
        raise UserError(f"{name} ist ein Ordner, keine Tabellendatei (CSV oder XLSX).")
    try:
        with p.open("rb") as fh:
            head = fh.read(len(_OLE_MAGIC))
            xlsx = head.startswith(_XLSX_MAGIC)
            limit = MAX_XLSX_BYTES if xlsx else MAX_CSV_BYTES
            # refused before it is read: the size a regular file says; a stream (a FIFO,
            # /dev/stdin) says none and is refused after one byte too many
            size = os.fstat(fh.fileno()).st_size
            if size > limit:
                raise _file_too_big(name, size, limit, xlsx)
            data = head + fh.read(limit + 1 - len(head))
            if len(data) > limit:
                raise _file_too_big(name, None, limit, xlsx)
    except OSError as exc:
        raise UserError(f"Die Datei {name} kann nicht gelesen werden: {exc.strerror or exc}.") from None
    if not data.strip():
        raise UserError(f"Die Datei {name} ist leer.")
    if data.startswith(_XLSX_MAGIC):
        return _read_xlsx(data, name, required, known)
    if data.startswith(_OLE_MAGIC):
        raise UserError(
            f"Die Datei {name} ist im alten Excel-Format (.xls). Bitte in Excel als .xlsx "
            "oder als CSV speichern."
        )
    if p.suffix.lower() in {".xlsx", ".xlsm", ".ods", ".xls"}:
        raise UserError(
            f"Die Datei {name} ist keine gültige {p.suffix.lower()}-Datei (beschädigt oder "
            "falsches Format). Bitte als .xlsx oder CSV speichern."
        )
    text, encoding, undefined = _decode(data, name)
    del data  # (the text alone is held while the records are read)
    table = _read_csv_text(text, name, encoding, required, known)
    table.undefined_lines = undefined
    return table


#: Most bytes a CSV file may have: five times a list of 100,000 rows with a few dozen
#: columns and short notes (about 20 MB). A larger file is refused before it is read: its
#: text, and the cells made of it, take up to four times its bytes each in memory (one
#: emoji makes Python store a text with 4 bytes a character), so 300 MB took 5 GB.
MAX_CSV_BYTES = 100 * 1024 * 1024


def _file_too_big(name: str, size: int | None, limit: int, xlsx: bool) -> UserError:
    what = "eine Arbeitsmappe (XLSX)" if xlsx else "eine CSV-Datei"
    shown = f"ist {_mb(size)} MB groß" if size is not None else "ist größer als erlaubt"
    return UserError(
        f"Die Datei {name} {shown}; {what} darf höchstens {_de(limit // (1024 * 1024))} MB "
        "groß sein (eine Liste von 100.000 Zeilen hat etwa 20 MB). Bitte die Liste "
        "aufteilen oder unnötige Spalten (lange Notizen) löschen.")


#: Encoding label of a file whose lines are partly UTF-8, partly Windows-1252.
MIXED_ENCODING = "gemischt (UTF-8 und Windows-1252)"


#: The five bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D).
CP1252_UNDEFINED = frozenset(b for b in range(0x80, 0xA0)
                             if bytes([b]).decode("cp1252", "replace") == "\ufffd")


def _cp1252_line(line: bytes) -> tuple[str, bool]:
    """A line of a Windows-1252 file as text, and whether it held one of the
    :data:`CP1252_UNDEFINED` bytes. Those bytes are left out; every other byte is read as
    Windows-1252 (not the whole line as Latin-1: its 0x80–0x9F would become C1 control
    characters, which the cells drop – „–“, „€“, „„“ – or read as the start of a
    terminal escape sequence that takes the characters after it, as 0x9B „›“ does with
    the digits of a house number)."""
    try:
        return line.decode("cp1252"), False
    except UnicodeDecodeError:
        return line.translate(None, _UNDEFINED_BYTES).decode("cp1252"), True


_UNDEFINED_BYTES = bytes(sorted(CP1252_UNDEFINED))


#: File signatures of formats sometimes renamed or saved as ``.csv`` (what the format is,
#: in German): a PDF starts as text („%PDF-1.7“) and would otherwise be read as a header.
_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "ein PDF-Dokument"),
    (b"\x1f\x8b", "ein gzip-Archiv, bitte erst entpacken"),
    (b"\xfd7zXZ\x00", "ein xz-Archiv, bitte erst entpacken"),
    (b"7z\xbc\xaf\x27\x1c", "ein 7-Zip-Archiv, bitte erst entpacken"),
    (b"Rar!\x1a\x07", "ein RAR-Archiv, bitte erst entpacken"),
    (b"\x89PNG\r\n", "ein Bild"),
    (b"\xff\xd8\xff", "ein Bild"),
    (b"\x7fELF", "ein Programm"),
)
#: Control bytes no text file has (not the tab, the line ends, the vertical tab some
#: exports write for a line break in a cell, the form feed, nor NUL: a few stray NULs of a
#: broken export are removed, many make the file binary, see :func:`_decode`).
_CONTROL_BYTES = bytes(b for b in [*range(0x01, 0x09), *range(0x0E, 0x20), 0x7F])
#: The share of control bytes (:data:`_CONTROL_BYTES`) in a file's first 64 KB above
#: which it is binary: random and compressed bytes have about 10 %; a text has none but
#: a stray one, or a terminal escape (``\x1b[31m``) in a cell – 1 or 2 % when one stands
#: in each row (its cells drop them, see :func:`hausbesuch.fields.clean_text`).
_CONTROL_SHARE = 0.05
#: Least control bytes a binary file has (a tiny file is not judged by one or two).
_CONTROL_LEAST = 8


def _binary_kind(data: bytes) -> str | None:
    """What a file of another format is (German, for the message), by its signature
    (:data:`_BINARY_SIGNATURES`, an OSM PBF's „OSMHeader“), or None."""
    for magic, kind in _BINARY_SIGNATURES:
        if data.startswith(magic):
            return kind
    if data[4:15] == b"\x0a\x09OSMHeader":
        return "OSM-Kartendaten im PBF-Format"
    return None


def _mostly_control(data: bytes) -> bool:
    """Whether the start of a file that is no UTF-8 has control bytes no text has
    (:data:`_CONTROL_SHARE`): random or compressed bytes, read as Windows-1252, would
    give a header of mojibake."""
    sample = data[:65536]
    control = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return control >= _CONTROL_LEAST and control > _CONTROL_SHARE * len(sample)


def _binary_error(name: str, kind: str = "") -> UserError:
    what = f"Binärdaten: {kind}" if kind else "Binärdaten"
    return UserError(f"Die Datei {name} ist keine Text- oder Tabellendatei ({what}). "
                     "Erwartet wird CSV oder XLSX.")


def _decode(data: bytes, name: str) -> tuple[str, str, list[int]]:
    """Text and encoding label of a CSV file's bytes, and the text lines (from 1) from
    which bytes undefined in Windows-1252 were left out.

    UTF-16 with BOM, or without BOM when every other byte of the start is NUL; UTF-8 (with
    or without BOM); else line by line UTF-8 or Windows-1252 (a list pasted together from
    two exports) without the five bytes Windows-1252 leaves undefined
    (:func:`_cp1252_line`). A file that is mostly NUL bytes, has the signature of another
    format (a PDF, a gzip archive, :func:`_binary_kind`) or is no UTF-8 and has control
    bytes no text has (:func:`_mostly_control`) is refused as binary; a few NUL bytes in a
    text (a broken export) are removed.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16", []
        except UnicodeDecodeError:
            raise UserError(f"Die Datei {name} ist kein lesbarer Text (UTF-16 fehlerhaft).") from None
    head = data[:4096]
    if head.count(0) > len(head) // 8:
        even, odd = head[0::2].count(0), head[1::2].count(0)
        codec = "utf-16-le" if odd > 0.9 * len(head[1::2]) and not even else (
            "utf-16-be" if even > 0.9 * len(head[0::2]) and not odd else None)
        if codec is not None:
            try:
                return data.decode(codec), codec, []
            except UnicodeDecodeError:
                pass
        raise _binary_error(name, _binary_kind(data) or "")
    if (kind := _binary_kind(data)) is not None:
        raise _binary_error(name, kind)
    if b"\x00" in data:
        data = data.replace(b"\x00", b"")  # stray NUL bytes of a broken export
    try:
        text = data.decode("utf-8-sig")
        return text, ("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"), []
    except UnicodeDecodeError:
        pass
    if _mostly_control(data):  # (a UTF-8 text keeps any character a cell may hold)
        raise _binary_error(name)
    lines = data.splitlines(keepends=True)
    out: list[str] = []
    undefined: list[int] = []
    utf8 = 0
    for i, line in enumerate(lines):
        if i == 0 and line.startswith(b"\xef\xbb\xbf"):
            line = line[3:]
        try:
            out.append(line.decode("utf-8"))
            utf8 += not line.isascii()
            continue
        except UnicodeDecodeError:
            pass
        decoded, left_out = _cp1252_line(line)
        out.append(decoded)
        if left_out:
            undefined.append(i + 1)
    return "".join(out), (MIXED_ENCODING if utf8 else "cp1252"), undefined


_LINE_END = re.compile(r"\r\n|\r|\n")


def _lines(text: str, start: int = 0) -> Iterator[str]:
    """The lines of ``text`` from ``start``, each with its end (``\\r\\n``, ``\\r`` or
    ``\\n``), as ``io.StringIO(text, newline="")`` yields them, without its copy of the
    whole text (4 bytes a character)."""
    pos = start
    for m in _LINE_END.finditer(text, start):
        yield text[pos:m.end()]
        pos = m.end()
    if pos < len(text):
        yield text[pos:]


def _records(text: str, delimiter: str, start: int = 0) -> Iterable[tuple[int, list[str]]]:
    """Yield (first text line, fields) per CSV record of ``text`` from ``start``, blank
    lines included as []."""
    reader = csv.reader(_lines(text, start), delimiter=delimiter, quotechar='"',
                        doublequote=True, skipinitialspace=False, strict=False)
    last = 0
    try:
        for rec in reader:
            yield last + 1, rec
            last = reader.line_num
    except csv.Error as exc:
        raise UserError(f"Die CSV-Datei ist fehlerhaft (Zeile {last + 1}): "
                        f"{_csv_error_de(str(exc))}.") from None


def _csv_error_de(text: str) -> str:
    """Python's (English) reason of a :class:`csv.Error`, in German."""
    if m := re.search(r"field larger than field limit \((\d+)\)", text):
        return f"ein Feld ist länger als {_de(int(m[1]))} Zeichen"
    if "NUL" in text or "null byte" in text:
        return "sie enthält ein NUL-Zeichen (keine Textdatei?)"
    if "unexpected end of data" in text or "EOF" in text:
        return "sie endet mitten in einem Feld in Anführungszeichen"
    return "sie lässt sich nicht als CSV lesen"


def _sniff(text: str, required: Callable[[list[str]], bool] | None = None) -> str:
    """The delimiter of a CSV text. Its first record is the header; with ``required``
    (the columns a list must have) a first record of one field may be a title line above
    the header, which is then the first later record (within 20) that has them."""
    best: tuple[float, int, int] | None = None
    best_d = _NO_DELIMITER
    blank_d: str | None = None  # a delimiter under which every record is empty
    for prio, d in enumerate(_DELIMITERS):
        header: list[str] | None = None
        counts: list[int] = []
        first: list[str] | None = None  # a first record of one field, passed over
        try:
            for n, (_, rec) in enumerate(_records(text, d)):
                if n > 300:
                    break
                if not any(c.strip() for c in rec):
                    continue
                if header is None:
                    if len(rec) >= 2 and (first is None or (
                            required is not None and required([c.strip() for c in rec]))):
                        header = rec
                        continue
                    if len(rec) >= 2 or required is None or n >= 20:
                        header = first or rec  # the first record is the header
                        break
                    first = first or rec  # one field: perhaps a title ("Fallliste Stand …")
                    continue
                counts.append(len(rec))
        except UserError:
            continue
        header = header or first  # only one-field records: the first is the header
        if header is None and blank_d is None:
            blank_d = d
        if header is None or len(header) < 2:
            continue
        width = len(header)
        fits = sum(1 for c in counts if c == width or (c < width and c > 1)) / len(counts) if counts else 1.0
        score = (fits, width, -prio)
        if best is None or score > best:
            best, best_d = score, d
    if best is None and blank_d is not None:
        return blank_d
    return best_d


def _read_csv_text(text: str, name: str, encoding: str,
                   required: Callable[[list[str]], bool] | None = None,
                   known: Callable[[str], bool] | None = None) -> Table:
    lines_offset = start = 0
    end = text.find("\n")
    first_line = text if end < 0 else text[:end]
    m = re.fullmatch(r"\s*sep=(.)\s*", first_line.rstrip("\r"))
    delimiter: str | None = None
    if m:  # Excel's delimiter hint; Excel hides this line, so it is not a row
        delimiter = m.group(1)
        start = len(text) if end < 0 else end + 1
        lines_offset = 1
    if delimiter is None:
        delimiter = _sniff(text[start:] if start else text, required)
    # read record by record: a file with more than MAX_ROWS rows with content is refused
    # at the first row too many, before the rest is read
    grid: list[tuple[int, list[str]]] = []
    line_of: dict[int, int] = {}
    filled = line = 0
    try:
        for rownum, (line, rec) in enumerate(_records(text, delimiter, start), 1):
            cells = [c.strip() for c in rec]
            if any(cells):
                filled += 1
                if filled > MAX_ROWS + 1:  # (+1: the header)
                    break
            grid.append((rownum, cells))
            line_of[rownum] = line + lines_offset
    except UserError as exc:
        raise UserError(f"{name}: {exc}") from None
    if filled > MAX_ROWS + 1:
        raise _too_many_rows(name)
    g = _rows_from_grid(grid, name, fields=True, required=required, known=known)
    open_end = grid[-1][0] if grid and not text.endswith(("\n", "\r")) else 0
    quoted = ""
    if open_end and _ends_in_quotes(text, delimiter, _line_start(text, start, line)):
        k = len(grid[-1][1]) - 1  # the last field's column
        quoted = g.columns[k] if 0 <= k < g.header_columns else ""
    return Table(columns=g.columns, rows=g.rows, row_numbers=g.row_numbers, source=name,
                 encoding=encoding, delimiter="" if delimiter == _NO_DELIMITER else delimiter,
                 line_numbers=[line_of[r] for r in g.row_numbers],
                 header_fields=g.header_fields, wide_rows=g.wide_rows,
                 header_row=g.header_row, header_row_2=g.header_row_2,
                 title_rows=g.title_rows,
                 house_numbers=g.house_numbers, trailing_rows=g.trailing_rows,
                 overflow=g.overflow, empty_rows=g.empty_rows, short_rows=g.short_rows,
                 header_columns=g.header_columns, split_runs=g.split_runs,
                 open_end_row=open_end, open_quote_column=quoted)


def _line_start(text: str, start: int, line: int) -> int:
    """The offset in ``text`` of text line ``line`` (from 1) counted from ``start``."""
    pos = start
    for m in itertools.islice(_LINE_END.finditer(text, start), line - 1):
        pos = m.end()
    return pos


def _ends_in_quotes(text: str, delimiter: str, pos: int) -> bool:
    """Whether the CSV record starting at ``pos``, the last of ``text``, ends inside a
    field in quotes: no closing quote, as the reader (not strict) reads it – a quote
    opens a field only at its start, ``""`` inside is one quote."""
    in_quotes, field_start, i, n = False, True, pos, len(text)
    while i < n:
        ch = text[i]
        if in_quotes:
            if ch == '"':
                if i + 1 < n and text[i + 1] == '"':
                    i += 2
                    continue
                in_quotes = False
        elif ch == delimiter:
            field_start = True
            i += 1
            continue
        elif ch == '"' and field_start:
            in_quotes = True
        field_start = False
        i += 1
    return in_quotes


#: A house number at the end of a street cell (``Am Markt 2``, ``Hauptstr.5``,
#: ``Am Markt 12 - 14``), after a letter: not ``Platz der 3 Linden``.
_TRAILING_NUMBER = re.compile(
    r"(?<=[^\W\d_])\.?\s*(\d{1,4}\s?[a-zA-Z]?(?:\s?[-/–]\s?\d{1,4}\s?[a-zA-Z]?)?)\s*$")


def _number_key(text: str) -> str:
    return re.sub(r"\s", "", text).replace("–", "-").casefold()


def _two_house_numbers(row: Mapping[str, str],
                       roles: Mapping[str, str]) -> tuple[str, str] | None:
    """A row with a house number at the end of its street cell (or of the street part of
    its address cell) and another in its Hausnummer column (``Am Markt 2`` and ``16``):
    joined, „Am Markt 2 16“ was found at No. 2 and shown so on the route page, although
    the list may mean No. 16. Like two addresses in two columns, it is refused: (role,
    German reason naming both columns); None when they agree or one is empty."""
    if "hausnummer" not in roles or not ("strasse" in roles or "adresse" in roles):
        return None

    def cell(role: str) -> str:
        col = roles.get(role)
        return str(row.get(col, "") or "").strip() if col else ""

    number = join_housenumber(cell("hausnummer"), cell("zusatz"))
    role = "strasse" if cell("strasse") else "adresse"
    street = cell(role).split(",")[0].strip() if role == "adresse" else cell(role)
    if not number or not street or not (m := _TRAILING_NUMBER.search(street)):
        return None
    if _number_key(m[1]) == _number_key(number):
        return None
    return "hausnummer", (
        f"zwei Hausnummern: Spalte „{shown_header(roles[role])}“ „{shorten(street, 60)}“ und "
        f"Spalte „{shown_header(roles['hausnummer'])}“ „{shorten(number, 20)}“; bitte die "
        f"Hausnummer nur in die Spalte „{shown_header(roles['hausnummer'])}“ eintragen")


@dataclass
class _Grid:
    """What :func:`_rows_from_grid` found (see :class:`Table` for the fields)."""

    columns: list[str]
    rows: list[dict[str, str]]
    row_numbers: list[int]
    header_fields: int = 0
    wide_rows: dict[int, int] = field(default_factory=dict)
    header_row: int = 1
    title_rows: list[int] = field(default_factory=list)
    house_numbers: tuple[int, str, bool] | None = None
    trailing_rows: list[int] = field(default_factory=list)
    overflow: dict[int, list[str]] = field(default_factory=dict)
    empty_rows: list[int] = field(default_factory=list)
    header_row_2: int = 0
    short_rows: dict[int, int] = field(default_factory=dict)
    header_columns: int = 0
    split_runs: list[tuple[int, ...]] = field(default_factory=list)


def _split_runs(counts: Sequence[tuple[int, int]], short: Mapping[int, int], named: int,
                begins_row: Callable[[int], bool] | None = None) -> list[tuple[int, ...]]:
    """The runs of rows of ``short`` that seem parts of one row split by line breaks in
    fields without quotes: from a short row on, the short rows after it as long as their
    fields together (a field split in two counts once) make at most ``named``, ending
    when they make exactly that; a run of two rows or more. ``counts``: (row, fields) of
    the data rows in order; ``begins_row``: a row it holds true for begins a row of its
    own and is no part after the first (None: any row may be)."""
    split: list[tuple[int, ...]] = []
    i = 0
    while i < len(counts):
        run, total = [counts[i][0]], counts[i][1]
        j = i + 1
        while (counts[i][0] in short and total < named and j < len(counts)
               and counts[j][0] in short and total + counts[j][1] - 1 <= named
               and (begins_row is None or not begins_row(counts[j][0]))):
            run.append(counts[j][0])
            total += counts[j][1] - 1
            j += 1
        if len(run) > 1:
            split.append(tuple(run))
        i = j
    return split


#: A house number as it stands in a column of its own: ``12``, ``2a``, ``12 b``, ``3-5``.
_HOUSE_NUMBER = re.compile(r"\d{1,4}\s?[a-zA-Z]?(?:\s?[-/–]\s?\d{1,4}\s?[a-zA-Z]?)?")
#: German labels of the address roles, for messages (numbered roles: their stem).
_ROLE_LABELS = {"adresse": "Adresse", "strasse": "Straße", "hausnummer": "Hausnummer",
                "zusatz": "Hausnummernzusatz", "plz": "PLZ", "ort": "Ort",
                "plz_ort": "PLZ/Ort", "adresszusatz": "Adresszusatz"}
#: Month names as Excel shows them in a date (``TT. MMM``, ``d-mmm``), German and English:
#: the three-letter ones of :func:`hausbesuch.fields.parse_date`, and Excel's „Mrz“.
_MONTH_ABBR = {k: v for k, v in _MONTHS.items() if len(k) == 3} | {"mrz": 3}
_CLOCK = re.compile(r"\d{1,3}:\d{2}")
_MON = r"(?P<mon>[a-zä]{3})\.?"
#: A cell that reads as a date the way a spreadsheet shows one: ``14.12.2026``,
#: ``14.12.26``, ``2026-12-14``, ``12/14/2026`` (US), ``01. Feb``, ``14-Dec``,
#: ``14-Dez-26``, ``Dez 14``.
_EXCEL_DATE_TEXT = (
    re.compile(r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?:\d{2}|\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?"),
    re.compile(r"\d{4}-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?: \d{1,2}:\d{2}(?::\d{2})?)?"),
    re.compile(r"(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?:\d{2}|\d{4})"),
    re.compile(r"(?P<d>\d{1,2})(?:\.\s?|-|\s)" + _MON + r"(?:-(?:\d{2}|\d{4}))?"),
    re.compile(_MON + r"(?:-|\s)(?P<d>\d{1,2})"),
)


def _date_parts(text: str) -> tuple[int, int] | None:
    """(day, month) of a cell that reads as a date as a spreadsheet shows one (see
    :data:`_EXCEL_DATE_TEXT`), or None. A number range (``12-14``) is none."""
    t = text.strip().lower()
    for pattern in _EXCEL_DATE_TEXT:
        if m := pattern.fullmatch(t):
            month = _MONTH_ABBR.get(m["mon"]) if "mon" in m.groupdict() else int(m["m"])
            day = int(m["d"])
            if month is not None and 1 <= month <= 12 and 1 <= day <= 31:
                return day, month
    return None


#: Share of a column's filled cells that must look like house numbers (and of the street
#: cells beside them that must lack a number) for the column to be read as house numbers.
HOUSE_NUMBER_SHARE = 0.8


def _house_number_column(
    columns: list[str], rows: list[dict[str, str]], unnamed: Sequence[int]
) -> tuple[list[str], list[dict[str, str]], tuple[int, str, bool] | None]:
    """A column without a header right of the street (or address) column that holds house
    numbers: a header cell merged over street and number ("Anschrift" over two columns)
    leaves the number's column unnamed. When most of its cells are house numbers and the
    street cells beside them have no number, it is renamed "Hausnummer"; when only some
    are, it is left alone and only named. Returns the columns, the rows and (column
    number, the street column, whether it was renamed) or None."""
    if not unnamed or find_column(columns, ADDRESS_SYNONYMS["hausnummer"]) is not None:
        return columns, rows, None
    streets = {normalize_header(x)
               for x in ADDRESS_SYNONYMS["strasse"] + ADDRESS_SYNONYMS["adresse"]}
    for i in unnamed:
        if i == 0 or normalize_header(columns[i - 1]) not in streets:
            continue
        col, left = columns[i], columns[i - 1]
        pairs = [(r.get(left, ""), v) for r in rows if (v := r.get(col, ""))]
        if not pairs:
            continue
        numbers = sum(1 for _, v in pairs if _HOUSE_NUMBER.fullmatch(v))
        bare = sum(1 for street, _ in pairs if not any(ch.isdigit() for ch in street))
        if numbers < 0.5 * len(pairs) or bare < HOUSE_NUMBER_SHARE * len(pairs):
            continue  # not numbers, or the street cells have theirs (a floor, a flat?)
        if numbers < HOUSE_NUMBER_SHARE * len(pairs) or "Hausnummer" in columns:
            return columns, rows, (i + 1, left, False)
        new = "Hausnummer"
        renamed = [new if c == col else c for c in columns]
        rows = [{(new if k == col else k): v for k, v in r.items()} for r in rows]
        return renamed, rows, (i + 1, left, True)
    return columns, rows, None


def _filled_width(cells: Sequence[str]) -> int:
    n = len(cells)
    while n and not cells[n - 1]:
        n -= 1
    return n


#: How many rows from the top the header is looked for in, below title rows.
HEADER_SEARCH_ROWS = 20


def _header_index(grid: Sequence[tuple[int, list[str]]],
                  required: Callable[[list[str]], bool] | None) -> int:
    """Index in ``grid`` of the header row: the first non-empty row, unless ``required``
    rejects it and accepts one of the next :data:`HEADER_SEARCH_ROWS` rows (a title such
    as "Fallliste, Stand 01.12.2026" above the header)."""
    first: int | None = None
    limit = 0
    for i, (rownum, cells) in enumerate(grid):
        if not any(cells):
            continue
        if first is None:
            first, limit = i, rownum + HEADER_SEARCH_ROWS
            if required is None or required([c for c in cells if c]):
                return i
            continue
        if rownum >= limit:
            break
        if required([c for c in cells if c]):  # type: ignore[misc]
            return i
    return first if first is not None else 0


#: Least column names the row below the header must hold for a header over two rows
#: (:func:`_second_header_row`), and least of them under empty header cells for a row
#: that also holds values (digits) to be refused rather than read as a client.
SECOND_HEADER_NAMES = 2


def _second_header_row(grid: Sequence[tuple[int, list[str]]], start: int, name: str,
                       known: Callable[[str], bool] | None,
                       required: Callable[[list[str]], bool] | None
                       ) -> tuple[list[str], int] | None:
    """A header written over two rows: group headings in the header row (``Anschrift``
    merged over Straße…Ort, ``Besuch`` over Datum and Uhrzeit, ``Kundennummer`` merged
    down) and the column names in the row right below it. Returns the header as one row
    (a column's name from the lower row, else the heading above it) and the lower row's
    number, or None when the row below is no header row.

    The lower row is a header row when it holds :data:`SECOND_HEADER_NAMES` or more
    names ``known`` (the caller's column names, see :func:`client_header_name`), one of
    them under an empty cell of the header row (a merged cell reads as empty beside its
    first), and no other cell with a digit (a client's row has its Kundennummer, house
    number, PLZ). A client row with a word like „Straße“ or „Ort“ in it (a name, a street
    of that name) is one: it has digits, or not two such words under empty headings.

    Raises UserError (German, naming the row, quoting only column names) when the row
    holds such names under two or more empty headings but also cells with digits, or when
    the header read as one row lacks ``required``'s columns: read either way, the list
    would lose its house numbers, PLZ, Ort and dates, or a row of names would be a client.
    """
    if known is None or start + 1 >= len(grid):
        return None
    top, upper = grid[start]
    below, lower = grid[start + 1]
    if below != top + 1 or not any(lower):
        return None
    names = [i for i, c in enumerate(lower) if c and known(c)]
    under_empty = [i for i in names if i >= len(upper) or not upper[i]]
    if len(names) < SECOND_HEADER_NAMES or not under_empty:
        return None
    values = any(c and i not in names and any(ch.isdigit() for ch in c)
                 for i, c in enumerate(lower))
    shown = ", ".join(f"„{shown_header(lower[i])}“" for i in names[:8])
    ask = (f"{name}: Kopfzeile über zwei Zeilen? Zeile {below} enthält Spaltennamen ({shown}) "
           f"unter leeren oder verbundenen Zellen von Zeile {top}")
    fix = ("Die Liste wird nicht eingelesen (sonst fehlten Hausnummer, PLZ, Ort oder "
           "Termine). Bitte die Spaltennamen in eine Zeile schreiben (jede Spalte mit ihrem "
           "eigenen Namen) und die andere Kopfzeile löschen.")
    if values:
        if len(under_empty) < SECOND_HEADER_NAMES:
            return None  # a client's row with a word like „Straße“ in it
        raise UserError(f"{ask}, aber auch Zellen mit Ziffern wie eine Datenzeile. {fix}")
    width = max(len(upper), len(lower))
    combined = [(lower[i] if i < len(lower) else "") or (upper[i] if i < len(upper) else "")
                for i in range(width)]
    if required is not None and not required([c for c in combined if c]):
        raise UserError(f"{ask}; beide zusammen gelesen fehlt aber die Spalte der "
                        f"Kundennummer oder der Adresse. {fix}")
    return combined, below


def _header_row_above(grid: Sequence[tuple[int, list[str]]], start: int,
                      known: Callable[[str], bool] | None
                      ) -> tuple[int, tuple[list[str], int]] | None:
    """A header written over two rows whose upper row has no id column: group headings
    (``Person`` over Kundennummer and Name, ``Anschrift`` over Straße…Ort) beside column
    names merged down (``Datum``, ``Uhrzeit``, ``Notiz``), the other column names in the
    row below. :func:`_header_index` takes the lower row as the header and the upper one
    as a title, so the columns named only in the upper row were lost (a list's pins).

    The upper row (right above ``start``, with no row between) is one when it holds a
    column name ``known`` above an empty cell of the header row and no cell with a digit
    (a title such as „Fallliste, Stand 01.12.2026“ or „12 Fälle“ is none). Returns (the
    upper row's index in ``grid``, (the header as one row, the lower row's number)), as
    :func:`_second_header_row` does, or None."""
    if known is None or start == 0:
        return None
    below, lower = grid[start]
    top, upper = grid[start - 1]
    if top != below - 1 or not any(upper):
        return None
    if any(any(ch.isdigit() for ch in c) for c in upper):
        return None
    if not any(c and known(c) and (i >= len(lower) or not lower[i])
               for i, c in enumerate(upper)):
        return None
    width = max(len(upper), len(lower))
    combined = [(lower[i] if i < len(lower) else "") or (upper[i] if i < len(upper) else "")
                for i in range(width)]
    return start - 1, (combined, below)


def _find_header(grid: Sequence[tuple[int, list[str]]], name: str,
                 known: Callable[[str], bool] | None,
                 required: Callable[[list[str]], bool] | None
                 ) -> tuple[int, tuple[list[str], int] | None]:
    """Index in ``grid`` of the (first) header row and, for a header over two rows, the
    header read as one row and the lower row's number (:func:`_second_header_row`,
    :func:`_header_row_above`)."""
    start = _header_index(grid, required)
    if second := _second_header_row(grid, start, name, known, required):
        return start, second
    if above := _header_row_above(grid, start, known):
        return above
    return start, None


def _rows_from_grid(grid: Sequence[tuple[int, list[str]]], name: str, *,
                    fields: bool = False,
                    required: Callable[[list[str]], bool] | None = None,
                    known: Callable[[str], bool] | None = None) -> _Grid:
    """Header, rows and row numbers from (row number, cells) pairs; empty rows skipped.

    The first non-empty row is the header, or with ``required`` the first within
    :data:`HEADER_SEARCH_ROWS` rows that has the required columns (the rows above it are
    titles, listed in ``title_rows``); a row with more non-empty cells than there are
    columns widens the table (see :func:`_extend_columns`). With ``fields`` (the records of
    a CSV file), a row with more fields than the header while other rows fit is not
    widened but listed in ``wide_rows``: a delimiter in a field without quotes shifted its
    cells; when every row is wider than the header, the header is short and the table is
    widened as before. With ``known``, a header over two rows is read as one
    (:func:`_find_header`; its lower row is ``header_row_2``).
    """
    header: list[str] | None = None
    columns: list[str] = []
    data: list[tuple[int, list[str]]] = []
    header_row = 0
    start, second = _find_header(grid, name, known, required)
    titles = [rownum for rownum, cells in grid[:start] if any(cells)]
    empty: list[int] = []  # empty rows between data rows (Table.empty_rows)
    pending: list[int] = []  # empty rows since the last data row
    for rownum, cells in grid[start:]:
        if not any(cells):
            # a CSV record of delimiters only is a row; a blank text line ([]) is not
            if header is not None and (not fields or len(cells) >= 2):
                pending.append(rownum)
            continue
        if header is None:
            header_row = rownum
            if len(cells) > MAX_COLUMNS:
                raise UserError(
                    f"Die Datei {name} hat {len(cells)} Spalten in der Kopfzeile (höchstens "
                    f"{MAX_COLUMNS}, so viele wie Excel). Ist das Trennzeichen richtig?"
                )
            header = cells if second is None else second[0]
            columns = _clean_header(header, name)
            continue
        if second is not None and rownum == second[1]:
            continue  # the header's second row
        empty += pending
        pending = []
        data.append((rownum, cells))
    if header is None:
        raise UserError(f"Die Datei {name} ist leer (keine Kopfzeile, keine Daten).")
    wide: dict[int, int] = {}
    trailing: list[int] = []
    if fields and data:
        # The usual number of fields: a row with one more, even an empty one, is shifted
        # (K-2;Am Markt 1; 2. OG;Name;15.03.2025;), unless most rows end so, or the row
        # only ends with empty fields and its cells fit their columns (_trailing_fields).
        counts: dict[int, int] = {}
        for _, cells in data:
            counts[len(cells)] = counts.get(len(cells), 0) + 1
        usual = max(counts, key=lambda n: (counts[n], -n))
        for rownum, cells in data:
            n = len(cells)
            if n > len(header) and (n > usual or _filled_width(cells) > len(columns)):
                wide[rownum] = n
        if len(wide) == len(data):  # the header is short for every row
            wide = {}
        trailing = _trailing_fields(data, wide, len(header), len(columns))
        for rownum in trailing:
            del wide[rownum]
    named = len(columns)
    # a CSV row with fewer fields than the header names columns: cut off, or split by a
    # line break (Table.short_rows); a row of the header's width less its empty end is not
    short = {rownum: len(cells) for rownum, cells in data if len(cells) < named} if fields else {}
    # ... short rows next to each other whose fields make at most one row's: one row
    # split by line breaks in fields without quotes (each next one holds the rest of a
    # field and the fields after it), not a row that leaves its empty end off (Excel)
    split = _split_runs([(r, len(c)) for r, c in data], short, named)
    rows: list[dict[str, str]] = []
    row_numbers: list[int] = []
    overflow: dict[int, list[str]] = {}
    for rownum, cells in data:
        if rownum in wide:
            overflow[rownum] = cells[len(columns):]
        elif len(cells) > len(columns) and any(cells[len(columns):]):
            if len(cells) > MAX_COLUMNS:
                raise UserError(
                    f"Die Datei {name} hat in Zeile {rownum} {len(cells)} Spalten (höchstens "
                    f"{MAX_COLUMNS}, so viele wie Excel). Ist das Trennzeichen richtig?"
                )
            columns = _extend_columns(columns, len(cells), rows)
        rows.append({c: (cells[i] if i < len(cells) else "") for i, c in enumerate(columns)})
        row_numbers.append(rownum)
    unnamed = [i for i in range(len(columns)) if i >= len(header) or not header[i]]
    columns, rows, numbers = _house_number_column(columns, rows, unnamed)
    return _Grid(columns, rows, row_numbers, header_fields=len(header), wide_rows=wide,
                 header_row=header_row, title_rows=titles, house_numbers=numbers,
                 trailing_rows=trailing, overflow=overflow, empty_rows=empty,
                 header_row_2=second[1] if second is not None else 0, short_rows=short,
                 header_columns=named, split_runs=split)


#: What a cell holds, for comparing a row's cells with the other rows' of the column.
_DATE_CELL = re.compile(r"\d{1,2}\.\d{1,2}\.\d{2,4}")


def _cell_kind(text: str) -> str:
    if _DATE_CELL.fullmatch(text):
        return "date"
    return "number" if text[:1].isdigit() else "text"


def _cell_shape(text: str) -> str:
    """:func:`_cell_kind`, text told apart by whether it holds a digit (an address, a
    window: ``text1``) or not (a name, a language: ``text``)."""
    kind = _cell_kind(text)
    return "text1" if kind == "text" and any(ch.isdigit() for ch in text) else kind


def _trailing_fields(data: Sequence[tuple[int, list[str]]], wide: Mapping[int, int],
                     header_fields: int, width: int) -> list[int]:
    """The rows of ``wide`` that only end with an empty field too many (``K-2;Am Markt
    1;;`` under ``Kundennummer;Adresse;Notiz``): nothing is shifted, they are read. A row
    counts so when its fields beyond the header are empty, its last column is empty too
    (a shifted row has its last column's text there) and each of its cells is of a kind
    (date, number, text) that other rows have in that column: a shifted row
    ``K-2;Am Markt 1; 2. OG;Schmidtke, Hildegard;;`` has a floor in the name column and a
    name in the date column, and stays refused."""
    if not wide:
        return []
    kinds: dict[int, set[str]] = {}
    for rownum, cells in data:
        if rownum not in wide:
            for j, cell in enumerate(cells[:width]):
                if cell:
                    kinds.setdefault(j, set()).add(_cell_kind(cell))
    out = []
    for rownum, cells in data:
        if rownum not in wide or any(cells[header_fields:]) or _filled_width(cells) >= width:
            continue
        if all(not cell or j not in kinds or _cell_kind(cell) in kinds[j]
               for j, cell in enumerate(cells[:width])):
            out.append(rownum)
    return out


#: Most columns a table may have (Excel's limit).
MAX_COLUMNS = 16_384
#: Most rows with content a table may have: twice the 50,000 rows the planner is measured
#: with (README, Performance). A bigger file is refused before minutes of work.
MAX_ROWS = 100_000


#: Most cells of a workbook, all sheets together (100,000 rows of 25 columns): a small
#: file can hold millions of cells, each costing time and memory to read (a 300 KB file
#: of 600 rows x 16,384 cells took 4 minutes and 1 GB).
MAX_CELLS = 2_500_000
#: Most cells with content in one row of a list.
MAX_FILLED_PER_ROW = 1_000


class _TooManyRows(Exception):
    """Raised while reading rows: more than :data:`MAX_ROWS` with content, more than
    :data:`MAX_CELLS` cells, or a row with more than :data:`MAX_FILLED_PER_ROW` filled
    cells (``what`` says which)."""

    def __init__(self, what: str = "rows", row: int = 0) -> None:
        super().__init__(what)
        self.what, self.row = what, row


def _de(n: int) -> str:
    return f"{n:,}".replace(",", ".")  # German thousands: 100.000


def _row_list(rows: Sequence[int]) -> str:
    """``Zeile 3`` or ``Zeilen 3, 8, 9`` (see :func:`_numbers`)."""
    return f"{'Zeile' if len(rows) == 1 else 'Zeilen'} {_numbers(rows)}"


def _numbers(rows: Sequence[int], limit: int = 20) -> str:
    """Row numbers as a message lists them: ``3, 8, 9`` (at most ``limit``, then how many
    more)."""
    text = ", ".join(str(r) for r in rows[:limit])
    return text + (f" und {len(rows) - limit} weitere" if len(rows) > limit else "")


def _too_many_rows(name: str, exc: _TooManyRows | None = None) -> UserError:
    if exc is not None and exc.what == "cells":
        return UserError(
            f"{name}: mehr als {_de(MAX_CELLS)} Zellen; eine Liste braucht nur ihre Spalten "
            "und Zeilen. Bitte die Liste auf die nötigen Spalten und Zeilen "
            "kürzen (oder als CSV speichern).")
    if exc is not None and exc.what == "width":
        return UserError(
            f"{name}: Zeile {exc.row} hat mehr als {_de(MAX_FILLED_PER_ROW)} gefüllte Zellen; "
            "eine Kundenliste hat einige Dutzend Spalten. Bitte die überzähligen Spalten "
            "löschen.")
    limit = _de(MAX_ROWS)
    return UserError(
        f"{name}: mehr als {limit} Zeilen mit Inhalt; eine Liste darf höchstens {limit} "
        "haben. Bitte die Liste aufteilen oder leere Zeilen löschen."
    )
_NUMERICISH = re.compile(r"[\d\s.,:/+-]+")


def _clean_header(header: list[str], name: str) -> list[str]:
    while header and not header[-1]:
        header = header[:-1]
    if not header:
        raise UserError(f"Die Datei {name} hat keine Kopfzeile (die erste Zeile ist leer).")
    nonempty = [h for h in header if h]
    if nonempty and all(_NUMERICISH.fullmatch(h) for h in nonempty):
        raise UserError(
            f"Die Datei {name} hat keine Kopfzeile: die erste Zeile enthält nur Zahlen "
            f"({'; '.join(nonempty[:4])}). Bitte eine Zeile mit Spaltennamen (z. B. "
            "„Kundennummer;Adresse“) voranstellen."
        )
    columns: list[str] = []
    seen: set[str] = set()
    next_k: dict[str, int] = {}  # per repeated name: 16,384 equal headers stay linear
    for i, h in enumerate(header, start=1):
        col = h or f"Spalte {i}"
        base, k = col, next_k.get(col, 2)
        while col in seen:
            col = f"{base} ({k})"
            k += 1
        next_k[base] = k
        seen.add(col)
        columns.append(col)
    return columns


def _extend_columns(columns: list[str], width: int, rows: list[dict[str, str]]) -> list[str]:
    cols = list(columns)
    taken = set(cols)  # a set: a row of 100,000 cells must not take quadratic time
    for i in range(len(cols) + 1, width + 1):
        col = f"Spalte {i}"
        while col in taken:
            col += "_"
        cols.append(col)
        taken.add(col)
    for r in rows:
        for c in cols[len(columns):]:
            r.setdefault(c, "")
    return cols


# --------------------------------------------------------------------------------------
# XLSX


#: Most bytes the worksheets of a workbook may unpack to, all sheets together. A list of
#: 100,000 rows with a few dozen columns is well below it; openpyxl reads a sheet without
#: a stored size once through before the first row, so larger workbooks are refused
#: first.
MAX_SHEET_XML_BYTES = 120 * 1024 * 1024
#: Most bytes any other part of a workbook may unpack to (the shared strings, the styles,
#: ...): openpyxl holds the shared strings and the styles in memory, whole, before the
#: first row. The unique texts of 100,000 rows of a dozen text columns take about 40 MB.
MAX_PART_BYTES = 64 * 1024 * 1024
#: Most bytes all parts of a workbook together may unpack to.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
#: Most bytes a workbook file may have: its parts, packed, cannot be larger than unpacked
#: (:data:`MAX_UNPACKED_BYTES`); a larger file is refused before it is read.
MAX_XLSX_BYTES = MAX_UNPACKED_BYTES
#: Most a part of more than :data:`RATIO_FROM_BYTES` may be compressed (unpacked size
#: over packed size). Sheets, shared strings and styles written by Excel, LibreOffice or
#: openpyxl pack 5 to 15 times (measured: 11 for 50,000 rows, 15 for 2 million empty
#: formatted cells); a zip bomb packs 1,000 times.
MAX_PART_RATIO = 100
RATIO_FROM_BYTES = 1024 * 1024
#: Most parts (files in the ZIP archive) a workbook may have; a list has a dozen or two.
MAX_PARTS = 10_000
#: A cell's start tag in a sheet's XML, as any writer may spell it: ``<c r="A1">``,
#: ``<c/>``, ``<c\n r="A1"/>`` (any XML whitespace after the name) and with a namespace
#: prefix (``<x:c>``); not ``<col>`` or ``<cfRule>``.
_CELL_TAG = re.compile(rb"<(?:[\w.-]+:)?c[\s/>]")
#: A tag start longer than this at the end of a block is not carried over to the next:
#: no cell tag is that long (a bound, so a sheet without ``>`` cannot grow the carry).
_CARRY = 4096


def _mb(size: int) -> str:
    return _de(max(1, -(-size // (1024 * 1024))))


def _part_too_big(name: str, part: str, size: int, limit: int) -> UserError:
    return UserError(
        f"{name}: ein Teil der Arbeitsmappe („{shown_header(part)}“) ist entpackt {_mb(size)} MB "
        f"groß (höchstens {_de(limit // (1024 * 1024))} MB); eine Kundenliste ist viel "
        "kleiner. Bitte die Liste auf die nötigen Spalten und Zeilen kürzen (oder als CSV "
        "speichern).")


def _blocks(fh: Any) -> Iterator[tuple[bytes, int]]:
    """A ZIP member in blocks of about 1 MB, as (block, end): tags (which start with ``<``
    and hold no other ``<``) that begin before ``end`` end before it; a tag cut by the
    block boundary comes with the next block."""
    tail = b""
    while chunk := fh.read(1 << 20):
        block = tail + chunk
        cut = block.rfind(b"<")
        if cut < 0 or len(block) - cut > _CARRY:
            cut = len(block)
        yield block, cut
        tail = block[cut:]
    if tail:
        yield tail, len(tail)


#: A row's start tag marked hidden (an autofilter's filtered rows, rows hidden by hand;
#: Excel writes ``hidden="1"``, LibreOffice ``hidden="true"``), and its row number.
_HIDDEN_ROW = re.compile(rb"<(?:[\w.-]+:)?row\s[^>]*?\bhidden\s*=\s*[\"'](?:1|true)[\"'][^>]*>")
_ROW_NUMBER = re.compile(rb"\sr\s*=\s*[\"'](\d+)[\"']")
#: A merged range of cells (``<mergeCell ref="E2:E8"/>``, after the sheet's data): its
#: first and last column letters and row numbers.
_MERGE_CELL = re.compile(
    rb"<(?:[\w.-]+:)?mergeCell\s[^>]*?\bref\s*=\s*[\"']\$?([A-Za-z]{1,3})\$?(\d+)"
    rb":\$?([A-Za-z]{1,3})\$?(\d+)[\"']")
#: A cell element holding a formula and no value: ``<c r="A6"><f>"X-"&amp;"5"</f></c>`` or
#: with an empty ``<v/>`` (a file written by a program and never calculated; openpyxl
#: reads it as empty). Not a text formula's empty result (``t="str"`` with ``<v></v>``).
_NS = rb"(?:[\w.-]+:)?"
_FORMULA_NO_VALUE = re.compile(
    rb"<" + _NS + rb"c\s(?![^>]*\bt\s*=\s*[\"']str[\"'])[^>]*?\br\s*=\s*[\"']\$?([A-Za-z]{1,3})"
    rb"\$?(\d+)[\"'][^>/]*>\s*<" + _NS + rb"f\b(?:[^>]*/>|[^>]*>[^<]*</" + _NS + rb"f\s*>)"
    rb"\s*(?:<" + _NS + rb"v\s*/>|<" + _NS + rb"v\s*>\s*</" + _NS + rb"v\s*>)?\s*</" + _NS
    + rb"c\s*>")
_FORMULA_START = re.compile(rb"<" + _NS + rb"f[\s/>]")
#: How much of a block's end is read again with the next: a cell element with a formula
#: cut by the block boundary (a formula has at most 8,192 characters).
_FORMULA_CARRY = 64 * 1024
#: How many merged ranges of one column a note lists.
MERGE_NOTE_RANGES = 10


def _column_number(letters: bytes) -> int:
    """``A`` -> 1, ``Z`` -> 26, ``AA`` -> 27."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


#: How much of a part is unpacked at a time while its prolog is looked at.
_PROLOG_BLOCK = 1 << 16
#: The encoding a declaration names (``<?xml version="1.0" encoding="windows-1252"?>``).
_DECLARED_ENCODING = re.compile(rb"""\sencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']""")
_XML_SPACE = re.compile(r"[ \t\r\n]*")


def _start_encoding(head: bytes) -> tuple[str, int]:
    """The encoding a part starts in, as the XML parser (expat) tells it from its first
    bytes, and the length of its byte order mark: UTF-8, or UTF-16 in either byte order,
    with or without a mark."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8", 3
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ("utf-16-le" if head[0] == 0xFF else "utf-16-be"), 2
    if head.startswith(b"<\x00"):
        return "utf-16-le", 0
    if head.startswith(b"\x00<"):
        return "utf-16-be", 0
    return "utf-8", 0


def _texts(first: bytes, fh: Any, encoding: str) -> Iterator[str]:
    """``first`` and the rest of ``fh`` as text, a block at a time (undecodable bytes
    replaced: only the markup matters)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    yield decoder.decode(first)
    while block := fh.read(_PROLOG_BLOCK):
        yield decoder.decode(block)
    yield decoder.decode(b"", final=True)


def _doctype_in_prolog(texts: Iterator[str]) -> bool:
    """Whether the prolog of an XML text (all before its root element: the declaration,
    processing instructions, comments and white space) holds a document type declaration,
    in any case (``<!DOCTYPE``, ``<!doctype``), however long the comments before it. A text
    that does not start like XML (a picture, a binary part) has none."""
    buf, pos = "", 0

    def more() -> bool:
        nonlocal buf, pos
        for text in texts:
            if text:
                buf, pos = buf[pos:] + text, 0
                return True
        return False

    while True:
        pos = _XML_SPACE.match(buf, pos).end()  # type: ignore[union-attr]
        if pos == len(buf):
            if not more():
                return False
            continue
        while len(buf) - pos < 9 and more():
            pass
        head = buf[pos:pos + 9]
        if head.upper() == "<!DOCTYPE":
            return True
        if head.startswith("<?"):
            end = "?>"
        elif head.startswith("<!--"):
            end = "-->"
        else:  # the root element; or text, never XML: the parser says what is wrong
            return False
        pos += len(end)
        while (found := buf.find(end, pos)) < 0:
            pos = max(pos, len(buf) - len(end) + 1)  # (a terminator cut by the block)
            if not more():
                return False
        pos = found + len(end)


def _has_doctype(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether a part of a workbook declares a document type in its prolog, read as the XML
    parser would read it: in UTF-8 or UTF-16 as its first bytes say, or, after an XML
    declaration that names another encoding, in that one too (the parser switches to it);
    each part whatever its name, as the relations may name any part a sheet."""
    with z.open(info) as fh:
        first = fh.read(_PROLOG_BLOCK)
        encoding, mark = _start_encoding(first[:4])
        if _doctype_in_prolog(_texts(first[mark:], fh, encoding)):
            return True
    declared = None
    if encoding == "utf-8" and first[mark:].startswith(b"<?xml"):
        with z.open(info) as fh:
            head = fh.read(_PROLOG_BLOCK)
            while b"?>" not in head and (block := fh.read(_PROLOG_BLOCK)):
                head += block
            end = head.find(b"?>")
            m = _DECLARED_ENCODING.search(head, 0, end) if end >= 0 else None
            declared = m[1].decode("ascii") if m else None
            try:
                if declared and codecs.lookup(declared).name not in ("utf-8", "utf-8-sig"):
                    return _doctype_in_prolog(_texts(head[end + 2:], fh, declared))
            except LookupError:
                return False  # an encoding the parser cannot read either
    return False


#: The content types of a workbook's main part (as openpyxl looks for it).
_WORKBOOK_TYPES = tuple(
    f"application/vnd.{kind}.main+xml" for kind in (
        "openxmlformats-officedocument.spreadsheetml.sheet",
        "ms-excel.sheet.macroEnabled", "openxmlformats-officedocument.spreadsheetml.template",
        "ms-excel.template.macroEnabled"))


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _elements(z: zipfile.ZipFile, part: str) -> Iterator[Any]:
    """The elements of a (small, checked) XML part, as they end."""
    from xml.etree.ElementTree import iterparse

    info = z.getinfo(part)
    if info.file_size > MAX_PART_BYTES:
        raise _SheetsUnknown
    with z.open(info) as fh:
        for _, elem in iterparse(fh):
            yield elem
            elem.clear()


class _SheetsUnknown(Exception):
    """The sheets of a workbook cannot be told from its relations (openpyxl will fail)."""


def _sheet_parts(z: zipfile.ZipFile, names: set[str]) -> set[str]:
    """The parts openpyxl reads as worksheets, found as openpyxl finds them, whatever
    their names: the workbook's main part from ``[Content_Types].xml``, its ``<sheet>``
    entries and their targets in the workbook's relations (chart sheets left out)."""
    part = None
    for elem in _elements(z, "[Content_Types].xml"):
        if (_local(elem.tag) == "Override" and elem.get("ContentType") in _WORKBOOK_TYPES
                and part is None):
            part = (elem.get("PartName") or "")[1:]
    part = part or "xl/workbook.xml"
    ids = set()
    for elem in _elements(z, part):
        if _local(elem.tag) == "sheet":
            ids.update(v for k, v in elem.attrib.items() if k.startswith("{") and _local(k) == "id")
    folder, base = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", base + ".rels")
    out = set()
    if rels not in names:
        return out
    for elem in _elements(z, rels):
        target, kind = elem.get("Target"), elem.get("Type") or ""
        if (_local(elem.tag) != "Relationship" or elem.get("Id") not in ids or not target
                or elem.get("TargetMode") == "External" or "chartsheet" in kind):
            continue
        out.add(target[1:] if target.startswith("/")
                else posixpath.normpath(posixpath.join(posixpath.split(folder)[0], target)))
    return out & names


class _SheetFacts(NamedTuple):
    """What the raw pass over a workbook's sheets tells that openpyxl's read-only mode does
    not, per sheet part name: the hidden rows, and the merged ranges that span more than
    one row (first column, first row, last column, last row; columns counted from 1)."""

    hidden: dict[str, set[int]]
    merged: dict[str, list[tuple[int, int, int, int]]]
    #: (row, column counted from 1) of the cells holding a formula without a stored value
    formulas: dict[str, set[tuple[int, int]]] = {}


def _check_sheet_sizes(data: bytes, name: str) -> _SheetFacts:
    """Refuse a workbook before openpyxl reads it when it could cost minutes or gigabytes:
    more than :data:`MAX_PARTS` parts; a part that unpacks to more than
    :data:`MAX_PART_BYTES` (the sheets: more than :data:`MAX_SHEET_XML_BYTES` together),
    all parts to more than :data:`MAX_UNPACKED_BYTES`, or a part packed more than
    :data:`MAX_PART_RATIO` times (a zip bomb, e.g. in the shared strings); or sheets
    holding more than :data:`MAX_CELLS` cells, all sheets together: cells without a value
    cost time too (a 22 KB file of empty cells took 20 s), and they are counted here in the
    raw XML, fast; or any part with a document type declaration in its prolog
    (``<!DOCTYPE``, the way of entity tricks: external entities, nested ones; Excel never
    writes one). The sheets are the parts the workbook's relations name, whatever their file
    names; an encrypted part is not read (openpyxl cannot read it either: a sheet so
    encrypted is refused by :func:`_read_xlsx`).

    The sizes are those the archive declares: Python's ``zipfile`` (which openpyxl reads
    with) never unpacks more than that.

    Returns the hidden rows and the merged ranges over several rows of each sheet (see
    :class:`_SheetFacts`), read from the same pass over the XML: openpyxl's read-only mode
    tells neither."""
    hidden: dict[str, set[int]] = {}
    merged: dict[str, list[tuple[int, int, int, int]]] = {}
    formulas: dict[str, set[tuple[int, int]]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
            if len(infos) > MAX_PARTS:
                raise UserError(
                    f"{name}: die Arbeitsmappe besteht aus {_de(len(infos))} Teilen (höchstens "
                    f"{_de(MAX_PARTS)}); eine Kundenliste hat einige Dutzend. Bitte in Excel "
                    "oder LibreOffice als .xlsx oder CSV neu speichern.")
            total = sum(i.file_size for i in infos)
            if total > MAX_UNPACKED_BYTES:
                raise UserError(
                    f"{name}: die Arbeitsmappe ist entpackt {_mb(total)} MB groß (höchstens "
                    f"{_de(MAX_UNPACKED_BYTES // (1024 * 1024))} MB); eine Kundenliste ist viel "
                    "kleiner. Bitte die Liste auf die nötigen Spalten und Zeilen kürzen (oder "
                    "als CSV speichern).")
            for info in infos:
                ratio = info.file_size / max(1, info.compress_size)
                if info.file_size > RATIO_FROM_BYTES and ratio > MAX_PART_RATIO:
                    raise UserError(
                        f"{name}: ein Teil der Arbeitsmappe („{shown_header(info.filename)}“) "
                        f"ist {_de(int(ratio))}-fach gepackt (entpackt {_mb(info.file_size)} "
                        f"MB); Tabellen packen sich höchstens etwa {MAX_PART_RATIO}-fach. So "
                        "eine Datei (eine „ZIP-Bombe“) würde beim Öffnen den Speicher füllen "
                        "und wird nicht gelesen. Bitte in Excel oder LibreOffice als .xlsx "
                        "oder CSV neu speichern.")
            # an encrypted part (flag bit 0) cannot be unpacked without its password, by
            # openpyxl neither: one it needs is told by the reader below
            readable = [i for i in infos if not i.flag_bits & 0x1]
            for info in readable:
                if _has_doctype(z, info):
                    raise UserError(
                        f"Die Datei {name} ist keine lesbare XLSX-Datei (XML beschädigt: "
                        f"ein Teil der Arbeitsmappe, „{shown_header(info.filename)}“, "
                        "enthält eine DOCTYPE-Angabe, die Excel und LibreOffice nie "
                        "schreiben). Bitte in Excel oder LibreOffice als .xlsx oder CSV "
                        "neu speichern.")
            names = {i.filename for i in infos}
            try:
                by_relation = _sheet_parts(z, names)
            except (_SheetsUnknown, XMLParseError, KeyError, ValueError, OSError, EOFError,
                    RuntimeError, NotImplementedError, zipfile.BadZipFile, zlib.error):
                by_relation = set()  # openpyxl fails on the same parts and is told below
            sheets = [i for i in infos if i.filename in by_relation
                      or (i.filename.startswith("xl/worksheets/") and i.filename.endswith(".xml"))]
            for info in infos:
                if info not in sheets and info.file_size > MAX_PART_BYTES:
                    raise _part_too_big(name, info.filename, info.file_size, MAX_PART_BYTES)
            size = sum(i.file_size for i in sheets)
            if size > MAX_SHEET_XML_BYTES:
                raise UserError(
                    f"{name}: die Arbeitsblätter sind entpackt {_de(size // (1024 * 1024))} MB "
                    f"groß (höchstens {_de(MAX_SHEET_XML_BYTES // (1024 * 1024))} MB); eine "
                    "Kundenliste ist viel kleiner. Bitte die Liste auf die nötigen Spalten und "
                    "Zeilen kürzen (oder als CSV speichern).")
            cells = 0
            for info in sheets:
                if info.flag_bits & 0x1:
                    continue
                rows = hidden.setdefault(info.filename, set())
                unvalued = formulas.setdefault(info.filename, set())
                keep = b""  # the end of the last block: a cell element cut by the block end
                with z.open(info) as fh:
                    for block, end in _blocks(fh):
                        window = keep + block[:end]
                        keep = window[-_FORMULA_CARRY:]
                        if b"f" in window and _FORMULA_START.search(window):
                            for m in _FORMULA_NO_VALUE.finditer(window):
                                unvalued.add((int(m[2]), _column_number(m[1])))
                        cells += sum(1 for _ in _CELL_TAG.finditer(block, 0, end))
                        if cells > MAX_CELLS:
                            raise _TooManyRows("cells")
                        if b"hidden" in block:
                            for m in _HIDDEN_ROW.finditer(block, 0, end):
                                # (a row without its number, never written by Excel or
                                # LibreOffice, is not named)
                                if r := _ROW_NUMBER.search(m[0]):
                                    rows.add(int(r[1]))
                        if b"mergeCell" in block:
                            for m in _MERGE_CELL.finditer(block, 0, end):
                                c1, r1 = _column_number(m[1]), int(m[2])
                                c2, r2 = _column_number(m[3]), int(m[4])
                                if r2 > r1:  # one row merged across columns: a header, a title
                                    merged.setdefault(info.filename, []).append(
                                        (min(c1, c2), r1, max(c1, c2), r2))
    except _TooManyRows as exc:
        raise _too_many_rows(name, exc) from None
    except UserError:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, zlib.error):
        return _SheetFacts({}, {})  # the reader below says what is wrong with the file
    return _SheetFacts(hidden, merged, formulas)


def _read_xlsx(data: bytes, name: str,
               required: Callable[[list[str]], bool] | None = None,
               known: Callable[[str], bool] | None = None) -> Table:
    import openpyxl  # imported lazily: CSV users do not pay for it
    from openpyxl.utils.exceptions import InvalidFileException

    facts = _check_sheet_sizes(data, name)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError,
            AttributeError, IndexError, EOFError, XMLParseError, zlib.error, RuntimeError
            ) as exc:  # a broken file is the user's to fix (XMLParseError: not well-formed)
        raise UserError(
            f"Die Datei {name} ist keine lesbare XLSX-Datei ({_xlsx_problem(exc)}). "
            "Bitte in Excel oder LibreOffice als .xlsx oder CSV neu speichern."
        ) from None
    try:
        try:
            ws, grid, marks = _pick_sheet(wb, required)
        except _TooManyRows as exc:
            raise _too_many_rows(name, exc) from None
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, AttributeError,
                IndexError, EOFError, XMLParseError, zlib.error, RuntimeError) as exc:
            raise UserError(
                f"Die Datei {name} ist beschädigt: ein Arbeitsblatt kann nicht gelesen werden "
                f"({_xlsx_problem(exc)}). Bitte in Excel oder LibreOffice als .xlsx oder CSV "
                "neu speichern."
            ) from None
        sheet_names = [w.title for w in wb.worksheets]
        hidden_sheets = [w.title for w in wb.worksheets
                         if getattr(w, "sheet_state", "visible") != "visible"]
    finally:
        wb.close()
    part = str(getattr(ws, "_worksheet_path", "") or "").lstrip("/")
    fills: list[tuple[int, int, int, bool]] = []
    if facts.merged.get(part) and grid:
        start, second = _find_header(grid, name, known, required)
        top, header = grid[start]
        if second:
            header, top = second  # (merged cells of both header rows are not filled)
        shared = shared_columns(header)
        fills = _fill_merged(grid, marks, facts.merged[part], top, shared.__contains__)
    g = _rows_from_grid(grid, name, required=required, known=known)
    columns, rows, row_numbers = g.columns, g.rows, g.row_numbers
    chosen = ws.title if ws is not None else ""
    hidden = facts.hidden.get(part, set())
    merged_fills: dict[str, list[tuple[int, int]]] = {}
    merged_kept: dict[str, list[tuple[int, int]]] = {}
    for i, first, last, filled in fills:
        if i < len(columns):
            (merged_fills if filled else merged_kept).setdefault(columns[i], []).append(
                (first, last))

    def cells(kind: str) -> set[tuple[int, str]]:
        return {(r, columns[i]) for r, i, k in marks if k == kind and i < len(columns)}

    formula_cells = {(r, columns[c - 1]) for r, c in facts.formulas.get(part, set())
                     if c - 1 < len(columns)}

    return Table(columns=columns, rows=rows, row_numbers=row_numbers, source=name,
                 encoding="xlsx", delimiter="", line_numbers=list(row_numbers),
                 sheet=chosen, ignored_sheets=[n for n in sheet_names if n != chosen],
                 booleans=cells("bool"), lossy_numbers=cells("lossy"),
                 date_cells=cells("date"), formula_cells=formula_cells,
                 header_fields=g.header_fields, hidden_sheets=hidden_sheets,
                 hidden_rows=[r for r in row_numbers if r in hidden],
                 header_row=g.header_row, header_row_2=g.header_row_2,
                 title_rows=g.title_rows,
                 house_numbers=g.house_numbers, empty_rows=g.empty_rows,
                 merged_fills={c: sorted(v) for c, v in merged_fills.items()},
                 merged_kept={c: sorted(v) for c, v in merged_kept.items()})


def _fill_merged(grid: list[tuple[int, list[str]]], marks: set[tuple[int, int, str]],
                 ranges: Sequence[tuple[int, int, int, int]], header_row: int,
                 shared: Callable[[int], bool]) -> list[tuple[int, int, int, bool]]:
    """Fill the value of cells merged down over data rows (PLZ and Ort merged over rows
    2-8 in a hand-made list) into each row of the range: a spreadsheet shows it beside
    each of them, but the file holds it only in the first row, and the others would read
    as empty. ``grid`` and ``marks`` (see :func:`_pick_sheet`) are changed in place.

    Only ranges below the header row are filled, only in the range's first column (where
    the value stands) and only where ``shared`` (given the column's index) says rows may
    share its value (see :func:`shared_columns`): a note or a name merged over several
    rows is one person's and lands on no other case. Only cells that are empty, of rows
    that hold something else, are filled: a range reaching past the list's end adds no
    row. Returns (column index, first row, last row, filled) per range that would fill a
    row: the last row filled, or for a column not filled the last that would have been.
    Ranges overlapping an earlier one of their column (which Excel never writes) are
    only filled beyond it: the work stays within the sheet's rows, however many ranges a
    file lists."""
    at = {rownum: i for i, (rownum, _) in enumerate(grid)}
    end = grid[-1][0] if grid else 0
    kinds_at: dict[tuple[int, int], set[str]] = {}
    for r, i, k in marks:
        kinds_at.setdefault((r, i), set()).add(k)
    reach: dict[int, int] = {}  # per column: the last row a range reached
    out: list[tuple[int, int, int, bool]] = []
    for c1, r1, _c2, r2 in sorted(ranges, key=lambda r: (r[0], r[1])):
        if r1 <= header_row or r1 not in at:
            continue
        col = c1 - 1
        top = grid[at[r1]][1]
        value = top[col] if col < len(top) else ""
        begin = max(r1, reach.get(col, 0)) + 1
        reach[col] = max(reach.get(col, 0), min(r2, end))
        if not value:
            continue
        kinds = kinds_at.get((r1, col), set())
        fill = shared(col)
        last = 0
        for r in range(begin, min(r2, end) + 1):
            if r not in at:
                continue
            cells = grid[at[r]][1]
            if not any(cells) or (col < len(cells) and cells[col]):
                continue
            last = r
            if fill:
                cells.extend([""] * (col + 1 - len(cells)))
                cells[col] = value
                marks.update((r, col, k) for k in kinds)
        if last:
            out.append((col, r1, last, fill))
    return out


#: Headers (besides those of :data:`ADDRESS_SYNONYMS`) of columns whose value several
#: rows may share, so that cells merged down over rows are filled into each of them (see
#: :func:`shared_by_rows`): a district, a priority, and a teams file's skills, shift,
#: break, start, end, mode, days and visits per day (as in ``hausbesuch.teams``, which is not
#: imported here: it loads the routing modules).
_SHARED_HEADERS = (
    "stadtteil", "ortsteil", "ot", "bezirk", "stadtbezirk", "quartier", "viertel",
    "wohngebiet", "gebiet", "district", "prioritaet", "prio", "dringlichkeit", "priority",
    "schicht", "arbeitszeit", "dienstzeit", "shift", "hours", "working hours",
    "schicht beginn", "beginn", "arbeitsbeginn", "dienstbeginn", "shift start", "von",
    "schicht ende", "arbeitsende", "dienstende", "feierabend", "shift end", "bis",
    "mittag", "mittagspause", "pause", "lunch", "lunch window", "mittag fenster",
    "mittagspause fenster", "mittag dauer", "mittagspause dauer", "pause dauer",
    "pausendauer", "mittag minuten", "lunch minutes", "lunch min", "lunch duration",
    "start", "startadresse", "start adresse", "start address", "abfahrt", "start lon",
    "start laenge", "start lng", "start lat", "start breite", "ende", "end", "ziel",
    "zieladresse", "ende adresse", "end address", "rueckkehr", "ende lon", "end lon",
    "ziel lon", "ende laenge", "ende lat", "end lat", "ziel lat", "ende breite", "modus",
    "mode", "verkehrsmittel", "fortbewegung", "profil", "max besuche",
    "max besuche pro tag", "maximale besuche", "besuche pro tag", "max visits",
    "max visits per day", "max_visits_per_day", "tage", "arbeitstage", "wochentage",
    "days", "weekdays", "workdays", "tag", "faehigkeiten", "kenntnisse",
    # a team's districts of responsibility (hausbesuch.teams: ``stadtteile``)
    "stadtteile", "bezirke", "zustaendig fuer", "districts",
)
#: The fields of a client list whose value rows may share: dates and times, the team,
#: the language, the time windows, the visit's duration, coordinates (see
#: ``hausbesuch.clients.FIELD_SYNONYMS``); never the name or the note.
_SHARED_CLIENT_FIELDS = ("kontakt_abbruch_seit", "angekuendigt_ab", "datum", "uhrzeit",
                         "team", "sprache", "zeitfenster", "besuchsdauer", "lat", "lon")


@lru_cache(maxsize=1)
def _shared_keys() -> frozenset[str]:
    from hausbesuch.clients import FIELD_SYNONYMS  # (it imports this module)

    words = [s for role in ("adresse", "strasse", "hausnummer", "plz", "ort", "plz_ort")
             for s in ADDRESS_SYNONYMS[role]]
    words += [s for role in _SHARED_CLIENT_FIELDS for s in FIELD_SYNONYMS[role]]
    keys = {normalize_header(s) for s in (*words, *_SHARED_HEADERS)}
    # a line of an address block ("Adresszeile 1", "Anschrift Zeile 1") may hold a name
    return frozenset(k for k in keys if not (
        (m := _BLOCK_HEADER.fullmatch(k)) and (m["n"] or m["stem"] in _LINE_STEMS)))


@lru_cache(maxsize=1)
def _client_header_keys() -> frozenset[str]:
    from hausbesuch.clients import FIELD_SYNONYMS, NAME_PART_SYNONYMS  # (it imports this)

    words = [*ID_SYNONYMS, *ADDITION_HEADERS]
    words += [s for syns in ADDRESS_SYNONYMS.values() for s in syns]
    words += [s for syns in FIELD_SYNONYMS.values() for s in syns]
    words += [s for syns in NAME_PART_SYNONYMS for s in syns]
    return frozenset(k for k in map(normalize_header, words) if k)


def client_header_name(cell: str) -> bool:
    """Whether ``cell`` is a column name of a client list (Kundennummer, Name, Straße,
    Hausnummer, PLZ, Ort, Datum, Uhrzeit, …, or a line of an address block such as
    „Adresse 2“): ``read_table``'s ``known`` for a client list."""
    key = normalize_header(cell)
    return key in _client_header_keys() or _BLOCK_HEADER.fullmatch(key) is not None


def shared_by_rows(header: str) -> bool:
    """Whether several rows may share the value of the column ``header``, so that cells
    merged down over them are filled into each (``_read_xlsx``): the parts of an address
    (Straße, Hausnummer, PLZ, Ort, Stadtteil), dates and times, the team, the language,
    the priority, a team's shift. Not a name, a note, a Kundennummer, a telephone number,
    nor any column it does not know: what stands beside one person stays with them. One
    header cannot tell line 1 of an address block (a bare „Adresse“ before „Adresse 2“,
    which may hold a name): :func:`shared_columns` looks at the whole header row."""
    return normalize_header(header) in _shared_keys()


def shared_columns(header: Sequence[str]) -> frozenset[int]:
    """The indices of the columns of the header row ``header`` whose value several rows
    may share (see :func:`shared_by_rows`), as the whole row tells: the lines of a postal
    address block (:func:`_address_block`) are not, also a bare „Adresse“ or „Anschrift“
    followed by „Adresse 2“: it is the block's line 1, which holds the name or a c/o line
    („c/o Familie Müller“), nor beside a block any other bare „Adresse“ or „Anschrift“
    (which line it is cannot be told). A single „Adresse“ column, and Straße, PLZ and Ort,
    are shared as before. „Adresszusatz“ and „Zusatz“ (a c/o line) never are."""
    block = set(_address_block(header)[0])
    if block:
        block.update(h for h in header if _BLOCK_HEADER.fullmatch(normalize_header(h)))
    return frozenset(i for i, h in enumerate(header)
                     if h not in block and shared_by_rows(h))


def _xlsx_problem(exc: BaseException) -> str:
    """Why a workbook cannot be read, in German words (never an exception's class name)."""
    from openpyxl.utils.exceptions import InvalidFileException

    if isinstance(exc, (zipfile.BadZipFile, zlib.error)):
        return "das ZIP-Archiv der Arbeitsmappe ist beschädigt oder unvollständig"
    if isinstance(exc, KeyError):
        return "ein ZIP-Archiv, dem die Teile einer Excel-Arbeitsmappe fehlen"
    if isinstance(exc, InvalidFileException):
        return "kein Format einer Excel-Arbeitsmappe"
    if isinstance(exc, XMLParseError):
        return "XML beschädigt"
    if isinstance(exc, RuntimeError) and "encrypted" in str(exc):  # zipfile: flag bit 0
        return "ein Teil der Arbeitsmappe ist verschlüsselt (kennwortgeschützt)"
    if isinstance(exc, EOFError):
        return "die Datei endet vorzeitig, sie ist unvollständig"
    if isinstance(exc, OSError):
        return "ihr Inhalt kann nicht gelesen werden"
    return "ihr Inhalt ist beschädigt oder ungültig"


def _pick_sheet(
    wb: Any, required: Callable[[list[str]], bool] | None
) -> tuple[Any, list[tuple[int, list[str]]], set[tuple[int, int, str]]]:
    """The sheet to read, its grid and its marked cells (row number, column index, kind:
    ``bool`` or ``lossy``)."""
    sheets = [wb.active] if wb.active is not None and wb.active in wb.worksheets else []
    sheets += [ws for ws in wb.worksheets if ws not in sheets]
    # a hidden sheet (an old list, a lookup table) never wins over a visible one
    sheets.sort(key=lambda ws: getattr(ws, "sheet_state", "visible") != "visible")
    if required is not None and len(sheets) > 1:
        with_columns = []
        for ws in sheets:
            if any(required(header) for header in _header_rows(ws)):
                with_columns.append(ws)

        def rank(ws: Any) -> tuple[bool, bool]:
            title = normalize_header(ws.title)
            named = title in SHEET_NAMES or title.startswith(("kunden", "klient"))
            return getattr(ws, "sheet_state", "visible") != "visible", not named

        for ws in sorted(with_columns, key=rank):
            grid, booleans = _sheet_rows(ws)
            if any(any(cells) for _, cells in grid):
                return ws, grid, booleans
    first: tuple[Any, list[tuple[int, list[str]]], set[tuple[int, int, str]]] | None = None
    for ws in sheets:
        grid, booleans = _sheet_rows(ws)
        if first is None:
            first = (ws, grid, booleans)
        if any(any(cells) for _, cells in grid):
            return ws, grid, booleans
    return first if first is not None else (None, [], set())


def _header_rows(ws: Any, look: int = HEADER_SEARCH_ROWS) -> list[list[str]]:
    """The non-empty rows among the first ``look`` rows of a sheet, as header texts: the
    header may stand below a title."""
    reset = getattr(ws, "reset_dimensions", None)
    if reset is not None:
        reset()
    out: list[list[str]] = []
    for row in ws.iter_rows(min_row=1, max_row=look):
        cells = [_cell_text(getattr(c, "value", None), getattr(c, "number_format", "General"))
                 for c in row]
        if any(cells):
            out.append([c for c in cells if c])
    return out


def _sheet_rows(ws: object) -> tuple[list[tuple[int, list[str]]], set[tuple[int, int, str]]]:
    out: list[tuple[int, list[str]]] = []
    booleans: set[tuple[int, int, str]] = set()
    # Some writers store a wrong sheet dimension; read what is actually there.
    reset = getattr(ws, "reset_dimensions", None)
    if reset is not None:
        reset()
    filled = examined = 0
    for i, row in enumerate(ws.iter_rows(min_row=1), start=1):  # type: ignore[attr-defined]
        rownum = i
        cells: list[str] = []
        examined += len(row)
        if examined > MAX_CELLS:
            raise _TooManyRows("cells")
        for cell in row:
            r = getattr(cell, "row", None)
            if r is not None:
                rownum = r
            value = getattr(cell, "value", None)
            if isinstance(value, bool):
                booleans.add((rownum, len(cells), "bool"))
            elif isinstance(value, float) and value.is_integer() and abs(value) >= 1e15:
                booleans.add((rownum, len(cells), "lossy"))
            elif isinstance(value, _dt.date | _dt.time | _dt.timedelta):
                booleans.add((rownum, len(cells), "date"))
            cells.append(_cell_text(value, getattr(cell, "number_format", "General")))
        while cells and not cells[-1]:
            cells.pop()
        if len(cells) > MAX_FILLED_PER_ROW and sum(1 for c in cells if c) > MAX_FILLED_PER_ROW:
            raise _TooManyRows("width", rownum)
        out.append((rownum, cells))
        if cells:
            filled += 1
            if filled > MAX_ROWS + 1:  # (+1: the header)
                raise _TooManyRows()
    return out, booleans


def _cell_text(value: object, number_format: str | None) -> str:
    """The text a German spreadsheet shows for a cell value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "WAHR" if value else "FALSCH"
    if isinstance(value, _dt.datetime):
        if (value.hour, value.minute, value.second) == (0, 0, 0):
            return value.strftime("%d.%m.%Y")
        if (value.year, value.month, value.day) in ((1899, 12, 30), (1899, 12, 31), (1900, 1, 1)):
            return value.strftime("%H:%M")
        return value.strftime("%d.%m.%Y %H:%M")
    if isinstance(value, _dt.date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, _dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, _dt.timedelta):
        total = int(value.total_seconds())
        return f"{total // 3600}:{total % 3600 // 60:02d}"
    if isinstance(value, int | float):
        fmt = (number_format or "").strip()
        if isinstance(value, float) and not value.is_integer():
            if fmt.endswith("%"):
                return f"{value * 100:g}".replace(".", ",") + " %"
            return repr(value).replace(".", ",") if abs(value) < 1e15 else str(value)
        if isinstance(value, float) and not math.isfinite(value):
            return str(value)
        as_int = int(value)  # exact: every digit of a whole number, never "1.2e+19"
        if re.fullmatch(r"0+", fmt):  # e.g. "00000": postcode with a leading zero
            return str(as_int).zfill(len(fmt))
        return str(as_int)
    return str(value).strip()
