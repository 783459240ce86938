"""Read and validate the client list (CSV or XLSX) as a case-management export gives it.

Every row is validated on its own: a bad row becomes a :class:`~hausbesuch.plandata.Rejected`
with its row number, the field and a German reason, and the rest of the list goes on.

Columns (header names are matched ignoring case, umlauts/ß spelling, spaces, ``-``/``_``/dots;
German and English synonyms, see :data:`FIELD_SYNONYMS`):

============================  ========================================================
``id``                        Kundennummer / pseudonym (required, unique)
``name``                      optional; kept in the database only
address                       one column (``adresse``) or split columns
                              (``strasse``, ``hausnummer``, ``plz``, ``ort``)
``kontakt_abbruch_seit``      date since when contact broke off (priority grows with it)
``sprache``                   languages the visit needs, separated by ``,`` ``;`` ``/``
``zeitfenster``               e.g. ``Di 10-12``, ``Mo-Fr 14-16``, ``Mo, Mi 9:30-11``;
                              several separated by ``;``
``angekuendigt_ab``           date of the announcement letter: no visit before it
``besuchsdauer``              minutes (empty: the profile default)
``notiz``                     free text
============================  ========================================================

Text is kept as given (escaping is the renderers' job); control characters are removed;
a note longer than :data:`MAX_NOTE_LENGTH` characters is cut with a visible marker. A list
without data rows is an error (:class:`UserError`, exit code 2 in the CLI).
Columns that are not recognised are named in one warning and neither used nor kept (data
minimisation, §67c SGB X: a case-management export may bring dates of birth or phone
numbers the planner has no use for); split name columns (``Nachname``/``Vorname``) form
``name``.

A row is rejected (one :class:`Rejected` per row; ``field`` is the first bad field, the
reason lists every problem) when: a CSV row has more fields than the header while other
rows fit (``felder``: a delimiter in a field without quotes shifted its cells; the reason
quotes none of them, see :meth:`hausbesuch.tabular.Table.row_problem`; unless the header's
last column is the note and only it can have overflowed, a ``;`` typed in the note: then
the extra fields are joined back to the note and a warning names the row, see
:meth:`hausbesuch.tabular.Table.joined_last`); the ID is missing, too long, a boolean cell of a workbook,
or repeats an earlier row's ID, compared without regard to case (``k-100004`` repeats
``K-100004``; the later rows are rejected and the reason names both rows); the ID carries a
name (:func:`id_name_problem`: the row's own name in it, or letters of a name without a
digit), the row's street (:func:`id_street_problem`) or has not the form of a Kundennummer
(:func:`id_form_problem`: the profile's pattern, else no five letters in a row; the row
is then kept without its ID, so that no report, page or audit row shows it); the address or its
street is missing, or the address is longer than :data:`MAX_ADDRESS_LENGTH` characters; an
address cell is a date Excel made of what was typed (``12-14`` stored as 14.12.2026, see
:meth:`hausbesuch.tabular.Table.address_problem`); a date cannot be read or does not exist
(``31.02.2025``; a whole number in a date column is read as an Excel date serial,
:func:`hausbesuch.fields.excel_serial_date`, and a warning names the cell); ``kontakt_abbruch_seit``
lies after ``today``; ``angekuendigt_ab`` lies more than a year ahead; a time window cannot be
read, has an invalid time or ends before it starts; the duration is unreadable, not positive
or longer than :data:`MAX_DURATION_MIN`. Whether an address exists (an unknown street) is
the geocoder's check, not the reader's.

The PLZ (a ``plz`` or ``plz_ort`` cell) is read as five digits where that is unambiguous
(``D-36251``, ``36 251``, ``36251.0`` of a number cell, ``4109`` that lost its zero); one
that is no postcode (``362511``, ``3625x``) does not reject the row: it is left out of the
address, which the geocoder finds by street and town, and one warning names each such row
and column (:func:`postcode_cells`, :func:`postcode_note`).

The visit priority is :func:`priority_from_months` of the months since contact broke off.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from hausbesuch import clock
from hausbesuch.caseids import id_key, lookalike, shown_id
from hausbesuch.errors import UserError
from hausbesuch.fields import (  # re-exported: the parsers used to live here
    EARLIEST_DATE,
    MAX_DURATION_MIN,
    FieldError,
    clean_text,
    excel_serial_date,
    excel_serial_day,
    excel_serial_time,
    format_clock,
    is_excel_error,
    is_placeholder,
    parse_coordinate,
    parse_date,
    parse_date_time,
    parse_duration,
    parse_time_windows,
)
from hausbesuch.fields import parse_clock_minutes as _clock_minutes_of
from hausbesuch.plandata import Client, Rejected, TimeSlot
from hausbesuch.safe_cells import read_back, shorten

__all__ = [
    "ClientList",
    "EARLIEST_DATE",
    "DEFAULT_PRIORITY",
    "FIELD_LABELS",
    "FIELD_SYNONYMS",
    "MAX_DURATION_MIN",
    "FieldError",
    "client_priority",
    "clean_text",
    "field_reason",
    "months_between",
    "normalize_skill",
    "parse_clock_minutes",
    "parse_coordinate",
    "parse_date",
    "parse_duration",
    "parse_skills",
    "parse_time_windows",
    "postcode_cells",
    "postcode_note",
    "postcode_reason",
    "priority_from_months",
    "read_clients",
    "same_door",
    "same_place",
    "serial_note",
    "split_skills",
    "unreadable_cells",
]

#: An announcement letter dated further ahead than this (days) is taken for a typo.
MAX_ANNOUNCE_AHEAD_DAYS = 366
#: Longest ID accepted (pseudonyms and case numbers are short).
MAX_ID_LENGTH = 64
#: Longest address accepted (a real German address line has well under 100 characters).
MAX_ADDRESS_LENGTH = 300
#: Notes longer than this are cut (with a visible marker): they are read on a phone.
MAX_NOTE_LENGTH = 2_000
#: Priority of a client without a ``kontakt_abbruch_seit`` date (the middle of the scale).
DEFAULT_PRIORITY = 50
#: Months after which the priority reaches about 63 % of its range (see priority_from_months).
PRIORITY_SCALE_MONTHS = 18.0

#: Header synonyms of the non-address fields (normalised like ``tabular.find_column`` does).
FIELD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": (
        "name", "namen", "vollname", "voller name", "kundenname", "kunde name", "name vorname",
        "nachname vorname", "full name", "client name", "customer name",
    ),
    "kontakt_abbruch_seit": (
        "kontakt abbruch seit", "kontaktabbruch seit", "kontaktabbruch", "kontakt abbruch",
        "kontakt abgebrochen seit", "kontakt abgebrochen", "kein kontakt seit",
        "ohne kontakt seit", "letzter kontakt", "abbruch seit", "contact lost since",
        "contact lost", "no contact since", "last contact", "contact break",
    ),
    "sprache": (
        "sprache", "sprachen", "sprachkenntnisse", "sprachbedarf", "language", "languages",
        "skill", "skills",
    ),
    "zeitfenster": (
        "zeitfenster", "zeitfenster besuch", "zeiten", "erreichbarkeit", "erreichbar",
        "besuchszeit", "besuchszeiten", "time window", "time windows", "timewindow",
        "availability", "available",
    ),
    "angekuendigt_ab": (
        "angekuendigt ab", "angekuendigt", "ankuendigung", "ankuendigung ab",
        "ankuendigungsschreiben", "anschreiben", "anschreiben vom", "brief vom", "brief",
        "announced", "announced from", "announced since", "announcement", "letter date",
        "letter",
    ),
    "besuchsdauer": (
        "besuchsdauer", "besuchsdauer min", "besuchsdauer minuten", "dauer", "dauer min",
        "dauer minuten", "duration", "duration min", "visit duration", "service",
        "service min",
    ),
    "notiz": (
        "notiz", "notizen", "bemerkung", "bemerkungen", "hinweis", "hinweise", "kommentar",
        "anmerkung", "anmerkungen", "note", "notes", "comment", "comments", "remark",
    ),
    "lat": ("lat", "breite", "breitengrad", "latitude", "geo breite"),
    "lon": ("lon", "lng", "laenge", "laengengrad", "longitude", "geo laenge"),
    "team": ("team", "team id", "teamid", "besuchsteam"),
    "datum": ("datum", "besuchsdatum", "termin datum", "visit date", "date"),
    "uhrzeit": ("uhrzeit", "besuchszeit uhrzeit", "zeit", "termin uhrzeit", "time", "visit time"),
}

#: Split name columns, joined as "Nachname, Vorname" into ``name`` (surname first).
NAME_PART_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("nachname", "familienname", "last name", "lastname", "surname", "family name"),
    ("vorname", "vornamen", "first name", "firstname", "given name", "given names"),
)

#: German labels of the fields, for messages.
FIELD_LABELS: dict[str, str] = {
    "id": "Kundennummer",
    "name": "Name",
    "adresse": "Adresse",
    "kontakt_abbruch_seit": "Kontaktabbruch seit",
    "sprache": "Sprache",
    "zeitfenster": "Zeitfenster",
    "angekuendigt_ab": "Angekündigt ab",
    "besuchsdauer": "Besuchsdauer",
    "notiz": "Notiz",
    "lat": "Breite",
    "lon": "Länge",
    "team": "Team",
    "datum": "Datum",
    "uhrzeit": "Uhrzeit",
    "felder": "Feldanzahl",
}


def rejection_shown(field: str, reason: str) -> tuple[str, str]:
    """A rejected row's field in German and its reason as pages and texts show them: a
    reason that begins with its field's label („Kundennummer: …“) says it once, in the
    field."""
    label = FIELD_LABELS.get(field, field)
    return label, reason.removeprefix(f"{label}:").strip()


def starts_with_label(reason: str, label: str) -> bool:
    """Whether ``reason`` begins with the field's ``label`` as a word („Kundennummer:
    …“, „Kundennummer fehlt“, „Termin Sa, 12.12.2026 …“): a prefix would say it twice."""
    return reason == label or reason.startswith((f"{label}:", f"{label} "))


def field_reason(field: str, reason: str) -> str:
    """``<German field label>: <reason>`` (once, also when the reason begins with the
    field's name: „Kundennummer fehlt“, not „Kundennummer: Kundennummer fehlt“)."""
    label = FIELD_LABELS.get(field, field)
    return reason if starts_with_label(reason, label) else f"{label}: {reason}"


def time_conflict(in_date: int, in_time: int) -> str:
    """The German reason for a ``Datum`` cell whose clock time differs from the
    ``Uhrzeit`` cell (minutes after midnight each)."""
    return (f"Uhrzeit: Datum enthält {format_clock(in_date)} Uhr, Uhrzeit sagt "
            f"{format_clock(in_time)} Uhr; bitte eine der beiden Angaben berichtigen")


def months_between(since: date, today: date) -> float:
    """Months (average length, 30.44 days) from ``since`` to ``today``; never negative."""
    return max(0.0, (today - since).days / 30.436875)


def priority_from_months(months_since_contact: float | None) -> int:
    """Visit priority (0–100) from the months since contact broke off.

    The priority grows with the time without contact and saturates: a client who has been
    out of contact longer needs a visit more urgently, but after several years the
    difference no longer matters much::

        priority = round(100 * (1 - exp(-months / 18)))

    which gives 0 for 0 months, 28 for 6, 49 for 12, 74 for 24, 86 for 36 and 96 for 60
    months. Clients without a date (``None``) get :data:`DEFAULT_PRIORITY` (50, about one
    year without contact). Negative values count as 0. The scale matches VROOM's job
    ``priority`` (integer in [0, 100]).
    """
    if months_since_contact is None or (
        isinstance(months_since_contact, float) and math.isnan(months_since_contact)
    ):
        return DEFAULT_PRIORITY
    months = max(0.0, float(months_since_contact))
    return max(0, min(100, round(100.0 * (1.0 - math.exp(-months / PRIORITY_SCALE_MONTHS)))))


def client_priority(client: Client, today: date | None = None) -> int:
    """:func:`priority_from_months` of a client's ``kontakt_abbruch_seit`` as of ``today``."""
    if client.kontakt_abbruch_seit is None:
        return DEFAULT_PRIORITY
    return priority_from_months(months_between(client.kontakt_abbruch_seit, today or clock.today()))


# --------------------------------------------------------------------------- skills


def normalize_skill(text: str) -> str:
    """Canonical spelling of a skill/language: trimmed, single spaces, first letter upper.

    ``"arabisch"``, ``" ARABISCH "`` and ``"Arabisch"`` all become ``"Arabisch"``, so that
    client needs and team skills compare equal.
    """
    s = " ".join(clean_text(text).split())
    return s[:1].upper() + s[1:].lower() if s else ""


#: Optional fields where a placeholder ("-", "k. A.", "unbekannt") means empty.
_BLANKABLE = frozenset({"kontakt_abbruch_seit", "angekuendigt_ab", "zeitfenster",
                        "besuchsdauer", "sprache"})

#: Languages every team speaks: a client needing only these needs no special skill.
IMPLICIT_SKILLS = frozenset({"Deutsch", "German", "De"})


def split_skills(text: str) -> tuple[str, ...]:
    """Split a cell of languages into normalised skills (:func:`normalize_skill`): at ``,``
    ``;`` ``/`` ``+`` ``|`` and the words „und“/„and“; double quotes („"Farsi/Dari"“), a
    comment in brackets („Arabisch (syrisch)“), placeholders (``keine``, ``-``, ``k. A.``)
    and a ``0`` or ``x`` are left out. Order is kept, duplicates are removed. ``Deutsch`` is kept (see
    :func:`parse_skills`).

    The one rule for a client's ``sprache`` and a team's ``sprachen``
    (:mod:`hausbesuch.teams`), so that a team's „Farsi/Dari“ splits as a client's does.
    """
    text = clean_text(text).translate(_SKILL_QUOTES)
    if is_placeholder(text):
        return ()
    parts = _SKILL_SEPARATORS.split(_SKILL_COMMENT.sub(" ", text))
    out: list[str] = []
    for part in parts:
        skill = normalize_skill(part)
        if skill and skill not in out and not is_placeholder(skill) \
                and skill.casefold() not in {"0", "x"}:  # a box ticked
            out.append(skill)
    return tuple(out)


def parse_skills(text: str) -> tuple[str, ...]:
    """A client's ``sprache`` cell as the skills a visit needs: :func:`split_skills`
    without ``Deutsch`` (see :data:`IMPLICIT_SKILLS`): every team speaks German."""
    return tuple(s for s in split_skills(text) if s not in IMPLICIT_SKILLS)


#: Between languages of a cell: ``,`` ``;`` ``/`` ``+`` ``|`` and the word „und“/„and“ in
#: any case („Farsi UND Dari“: a skill read whole would be spelled „Farsi und dari“, which
#: splits when read again).
_SKILL_SEPARATORS = re.compile(r"[,;/+|]|\b(?:und|and)\b", re.IGNORECASE)

#: Double quotes, straight and German, left out of a cell of languages: they do not keep
#: a language whole („"Farsi/Dari"“ is Farsi and Dari, as a team's cell may be written).
_SKILL_QUOTES = str.maketrans("", "", '"„“”')
#: A comment in brackets: "Deutsch (Muttersprache)", "Arabisch (syrisch)".
_SKILL_COMMENT = re.compile(r"\([^()]*\)")


# --------------------------------------------------------------------------- the list


@dataclass
class ClientList:
    """The result of reading a client list: valid clients, rejected rows, row count."""

    clients: list[Client] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    total_rows: int = 0
    source: str = ""
    #: which input column was used for which field (field -> header as written)
    columns: dict[str, str] = field(default_factory=dict)
    #: German notes for the coordinator (which sheet was read, columns not evaluated, ...)
    warnings: list[str] = field(default_factory=list)
    #: the PLZ cells of rows read in that hold no postcode, left out of the address:
    #: (row, column, what stood for the postcode), as :func:`postcode_note` names them
    #: once for all and :func:`postcode_reason` for one row
    odd_postcodes: list[tuple[int, str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.clients)


#: An id exported in scientific notation (``1.234567890123457e+19``, ``1,23457E+19``).
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+")


def _has_required_columns(columns: list[str]) -> bool:
    """Whether a sheet's header has an id column and an address (or street) column."""
    from hausbesuch.tabular import ID_SYNONYMS, address_columns

    id_col = _find(columns, ID_SYNONYMS)
    if id_col is None:
        return False
    try:
        address_columns([c for c in columns if c != id_col])
    except UserError:
        return False
    return True


def _find(columns: Sequence[str], synonyms: Iterable[str]) -> str | None:
    from hausbesuch.tabular import find_column

    return find_column(list(columns), tuple(synonyms))



def _two_addresses(row: Mapping[str, str], roles: Mapping[str, str]) -> str:
    """A row with a whole address in ``Adresse`` (street and number) and another street in
    ``Straße``: joining them made "Walkerweg Ahornweg 36 12", found at Ahornweg 36 and
    shown so to the field worker. The reason names both columns; "" when they agree or
    one of them is empty."""
    if "adresse" not in roles or "strasse" not in roles:
        return ""
    from geodata.addresses import parse_address
    from hausbesuch.tabular import address_cell

    full = clean_text(address_cell(row, roles))  # an address block without its name line
    street = clean_text(row.get(roles["strasse"], ""))
    if not full or not street or street.casefold() in full.casefold():
        return ""
    parsed = parse_address(full)
    if not (parsed.street and parsed.housenumber):  # the rest of the address ("5a, 2. OG")
        return ""
    return (f"zwei Anschriften: Spalte „{roles['adresse']}“ „{shorten(full, 60)}“ und Spalte "
            f"„{roles['strasse']}“ „{shorten(street, 60)}“; bitte nur eine ausfüllen")


#: Letters only (any script), as words: what a name is made of.
_LETTERS = re.compile(r"[^\W\d_]+")
#: An id of letters alone, with what separates the parts of a name (space, comma, hyphen,
#: apostrophe, dot): "Anna Meier", "Meier, Anna".
_NAME_LIKE = re.compile(r"[^\W\d_]+(?:[ \t,.'’\-]+[^\W\d_]*)*")


def id_name_problem(cid: str, name: str | None) -> str:
    """The German reason for an id that evidently carries a person's name, or "".

    Names never go into maps, URLs, file names or the audit log, and the id goes into all
    of them. Refused are an id that contains a word of four letters or more of the row's
    own name (``Meier-4711`` with the name „Anna Meier“, also „Anna (Meier)“; compared
    without case, umlauts/ß spelling or accents; a word of the name is letters only, not a
    formula typed into it; a word of three letters is left alone, since a code like
    ``OST-4711`` or ``HEF-1042`` may share it with a name by chance), and an id without any digit made of letters and the separators of a name,
    with a word of three letters or more, written in words (``Anna Meier``,
    ``MEIER, ANNA``) or with small letters (``Müller``): a Kundennummer (``123A456789``), a
    BG-Nummer (``12345BG1234567``) or a case number (``K-1042``) has digits, and a code of
    capitals without a space (``W-OUT``, ``TAGE``) passes. The reason quotes neither the id
    nor the name."""
    advice = ("bitte die pseudonyme Kundennummer aus der Fachanwendung eintragen, keinen "
              "Namen")
    from hausbesuch.namewords import ID_FILLERS, fold, name_words

    runs = _LETTERS.findall(fold(cid, strokes=True))
    words = name_words(name, min_letters=4, fillers=ID_FILLERS, written_words=True,
                       strokes=True)
    if any(w in run for w in words for run in runs):
        return f"Kundennummer enthält den Namen des Kunden: {advice}"
    if not any(c.isdigit() for c in cid) and _NAME_LIKE.fullmatch(cid.strip()) \
            and any(len(run) >= 3 for run in runs) \
            and (re.search(r"[\s,]", cid.strip()) or any(c.islower() for c in cid)):
        return (f"Kundennummer sieht aus wie ein Name (nur Buchstaben, keine Ziffer): {advice} "
                "(ist die Spalte richtig zugeordnet?)")
    return ""


#: Most letters in a row an id may hold when the profile sets no ``kundennummer_muster``:
#: a Kundennummer (``123A456789``), a BG-Nummer (``12345BG1234567``) or a case number
#: (``K-1042``) has digits and few letters; five letters in a row spell a word, a name
#: (``Meier 12``, ``Schroeder-8``) or a street.
MAX_ID_LETTER_RUN = 4
#: What every refusal of an id that reveals a person or a place advises.
_ID_ADVICE = "bitte die pseudonyme Kundennummer aus der Fachanwendung eintragen"


def _compact(text: str) -> str:
    """``text`` folded (:func:`hausbesuch.namewords.fold`) with only its letters and
    digits: ``Am Ring 5`` -> ``amring5``."""
    from hausbesuch.namewords import fold

    return re.sub(r"[\W_]+", "", fold(text, strokes=True))


def id_street_problem(cid: str, street: str | None, housenumber: str | None = None) -> str:
    """The German reason for an id that carries the row's own street, or "".

    Refused are an id that contains a word of four letters or more of the street
    (:func:`hausbesuch.pathnames.street_words`: compared without case, umlauts/ß spelling
    or accents; ``Weinstrasse-21`` and ``WEIN-21`` for „Weinstraße 21“; a kind of street
    written alone, ``Straße``, ``Weg``, ``Ring``, is no word of it), and an id that
    contains the street with its house number, also when the street has no such word
    (``Ring5`` or ``Am-Ring-5`` for „Am Ring 5“; ``Hauptstr5`` for „Hauptstraße 5“). The
    reason quotes neither the id nor the street."""
    if not street or not _LETTERS.search(cid):
        return ""
    from hausbesuch.namewords import fold

    words, forms = _street_parts(street)
    reason = (f"Kundennummer enthält die Straße der Anschrift: {_ID_ADVICE}, keine Anschrift "
              "(sie steht in Adressen, Karten und im Protokoll)")
    folded = fold(cid, strokes=True)
    if any(w in run for run in _LETTERS.findall(folded) for w in words):
        return reason
    number = _compact(housenumber or "")
    packed = re.sub(r"[\W_]+", "", folded)
    if number and number in packed and any(_holds(packed, f + number) for f in forms):
        return reason
    return ""


def _holds(packed: str, part: str) -> bool:
    """Whether ``part`` (a street form and its house number) stands in ``packed`` with no
    digit after it (``ring5`` in ``amring5``, not in ``amring51``): plain string search,
    as a pattern made per row would be compiled anew for most rows of a long list."""
    at = packed.find(part)
    while at >= 0:
        end = at + len(part)
        if end == len(packed) or packed[end] not in "0123456789":
            return True
        at = packed.find(part, at + 1)
    return False


@functools.lru_cache(maxsize=4096)
def _street_parts(street: str) -> tuple[frozenset[str], frozenset[str]]:
    """What :func:`id_street_problem` looks for of a street (many rows share one): its
    words of four letters or more, and its forms before a house number (``amring``,
    ``ring``; ``hauptstrasse``, ``hauptstr``, ``haupt``)."""
    from hausbesuch.namewords import fold
    from hausbesuch.pathnames import street_words

    words = frozenset(w for w in street_words(street) if len(w) >= 4)
    whole = _compact(street)
    forms = {whole, re.sub(r"strasse$", "str", whole), re.sub(r"strasse$", "", whole)}
    if (last := _LETTERS.findall(fold(street, strokes=True))[-1:]) and len(last[0]) >= 3:
        forms.add(last[0])
    return words, frozenset(f for f in forms if f)


def id_form_problem(cid: str, pattern: re.Pattern[str] | None = None,
                    example: str = "") -> str:
    """The German reason for an id not of the form a Kundennummer has, or "".

    With the profile's ``[casework] kundennummer_muster`` (``pattern``) the whole id must
    match it (:func:`re.fullmatch`); the reason names the form by the profile's
    ``kundennummer_beispiel`` (``example``), else by a sentence. Without a pattern an id
    with more than :data:`MAX_ID_LETTER_RUN` letters in a row is refused. The reason
    never quotes the id."""
    if pattern is not None:
        if pattern.fullmatch(cid):
            return ""
        form = (f"erwartet wird eine Nummer wie „{example}“" if example else ID_FORM_SET)
        return (f"Kundennummer hat nicht das Format der Fachanwendung ({form}): {_ID_ADVICE}, "
                "keinen Namen und keine Anschrift")
    if any(len(run) > MAX_ID_LETTER_RUN for run in _LETTERS.findall(cid)):
        return (f"Kundennummer enthält {MAX_ID_LETTER_RUN + 1} oder mehr Buchstaben "
                f"hintereinander (wie ein Name oder eine Straße): {_ID_ADVICE}, keinen Namen "
                "und keine Anschrift; hat die Fachanwendung Nummern mit längeren "
                f"Buchstabenfolgen, {ID_FORM_HOW}")
    return ""


#: How a rejected id's reason names the profile's form of the city's ids (the command
#: line's words; the web says them for the coordination, who cannot change the profile:
#: :data:`hausbesuch.web.casework_api.ID_FORM_WEB`, QA 38 F7).
ID_FORM_SET = ("erwartet wird das Format, das im Stadtprofil unter [casework] "
               "kundennummer_muster festgelegt ist")
ID_FORM_HOW = ("kann die Koordination ihr Format im Stadtprofil unter [casework] "
               "kundennummer_muster festlegen")


def id_problem(cid: str, name: str | None, *, street: str | None = None,
               housenumber: str | None = None, pattern: re.Pattern[str] | None = None,
               example: str = "") -> str:
    """The German reason for an id that may not stand in URLs, file names, map labels and
    the audit log, or "": it carries the row's name (:func:`id_name_problem`), its street
    (:func:`id_street_problem`) or is not of the form of a Kundennummer
    (:func:`id_form_problem`). A row refused so is kept without its id: no report, page,
    stored rejection or audit row shows it."""
    return (id_name_problem(cid, name) or id_street_problem(cid, street, housenumber)
            or id_form_problem(cid, pattern, example))


def _rows_of_their_own(table: Any, id_col: str, roles: Mapping[str, str],  # noqa: ANN401
                       id_ok: Callable[[str], bool]) -> None:
    """Find :attr:`hausbesuch.tabular.Table.split_runs` again knowing what a client row
    holds: a row with a Kundennummer (``id_ok``) and an address of a street and a house
    number in its address columns (``roles``) is a row of its own that Excel wrote
    without its empty end, whatever the shape of its id (QA 46b F1); the rest of a row
    split by a line break, whose first cell is the rest of a field and whose address
    columns hold other fields' text or nothing, is not, even when it begins with digits
    (QA 46b F4)."""
    if not table.split_runs:
        return
    from geodata.addresses import parse_address
    from hausbesuch.tabular import address_from_row

    rows = dict(zip(table.row_numbers, table.rows, strict=True))

    def own(r: int) -> bool:
        row = rows.get(r) or {}
        cid = clean_text(row.get(id_col, ""))
        if not cid or not id_ok(cid):
            return False
        at = parse_address(clean_text(address_from_row(row, roles))[:MAX_ADDRESS_LENGTH])
        return bool(at.street and at.housenumber)

    table.split_again(own)


def read_clients(
    path: str | Path,
    *,
    default_duration_min: int | None = None,
    today: date | None = None,
    allow_empty: bool = False,
    name: str | None = None,
    id_pattern: str | re.Pattern[str] | None = None,
    id_example: str = "",
) -> ClientList:
    """Read and validate a client list (CSV or XLSX).

    Parameters
    ----------
    path
        The CSV (UTF-8 or Windows-1252; ``;``, ``,`` or tab) or XLSX file.
    default_duration_min
        Visit duration for rows with an empty ``besuchsdauer`` (``None`` leaves it empty,
        so that the planner applies the profile default).
    today
        Reference date for "in the future" checks (default: today).
    allow_empty
        Accept a list without data rows (header only); by default that is a UserError.
    name
        How messages name the file (default: the path; an upload: the name sent).
    id_pattern, id_example
        The form of a Kundennummer (the profile's ``[casework] kundennummer_muster`` and
        ``kundennummer_beispiel``): an id that does not match it whole is refused, naming
        the example (:func:`id_form_problem`); without a pattern, an id with five letters
        in a row is.

    Returns
    -------
    ClientList
        ``clients`` in input order, ``rejected`` with one entry per bad row (row number, ID if
        any, the first bad field and a German reason naming every problem of the row) and
        ``total_rows`` = number of data rows read, so that
        ``len(clients) + len(rejected) == total_rows``.

    Raises
    ------
    UserError
        When the file cannot be read, the ID or address column is missing, or the list
        has no data rows (unless ``allow_empty``).
    """
    from geodata.addresses import parse_address
    from hausbesuch.tabular import (
        ID_SYNONYMS,
        MIXED_ENCODING,
        address_columns,
        address_from_row,
        address_street,
        client_header_name,
        read_table,
        shown_columns,
        shown_header,
    )

    today = today or clock.today()
    form = re.compile(id_pattern) if isinstance(id_pattern, str) and id_pattern else (
        id_pattern or None)
    table = read_table(path, required=_has_required_columns, name=name,
                       known=client_header_name)  # a header over two rows (QA 26 F2)
    columns = list(table.columns)
    id_col = _find(columns, ID_SYNONYMS)
    if id_col is None:
        raise UserError(
            f"Keine Spalte mit der Kundennummer gefunden in {table.where}. Erwartet wird z. B. "
            "„id“, „Kundennummer“, „Fallnummer“ oder „Pseudonym“. Vorhandene Spalten: "
            f"{shown_columns(columns)}."
        )
    roles = address_columns([c for c in columns if c != id_col], source=table.where,
                            rows=table.rows)
    used: dict[str, str] = {"id": id_col, **roles}
    for fname, syns in FIELD_SYNONYMS.items():
        col = _find([c for c in columns if c not in used.values()], syns)
        if col is not None:
            used[fname] = col
    # Split name columns (Nachname + Vorname) form the name; they never go into ``extra``.
    name_parts = [
        col for syns in NAME_PART_SYNONYMS
        if (col := _find([c for c in columns if c not in used.values()], syns)) is not None
    ]
    if name_parts:
        used["name_parts"] = name_parts[0]  # marks the columns as used in ``columns``
    extra_cols = [c for c in columns if c not in used.values() and c not in name_parts]

    result = ClientList(total_rows=len(table.rows), source=table.source, columns=dict(used))
    if extra_cols:
        result.warnings.append(
            "Spalten ohne Auswertung (weder genutzt noch gespeichert): "
            f"{', '.join(f'„{c}“' for c in extra_cols)}. Was die Teams beim Besuch wissen "
            "sollen, gehört in die Spalte „Notiz“."
        )
    result.warnings += table.notes()  # the sheet read, hidden rows read
    if table.encoding == MIXED_ENCODING:
        result.warnings.append(
            f"{table.source}: die Datei mischt die Kodierungen UTF-8 und Windows-1252 (aus "
            "zwei Exporten zusammengesetzt?); jede Zeile wurde für sich gelesen. Bitte "
            "Umlaute im Bericht prüfen."
        )
    if not table.rows and not allow_empty:
        raise UserError(
            f"Die Kundenliste {table.source} enthält keine Datenzeilen (nur die Kopfzeile"
            f"{' im Arbeitsblatt „' + table.sheet + '“' if table.sheet else ''}). "
            "Es gibt nichts zu planen."
        )
    first_row: dict[str, tuple[int, str]] = {}  # id_key -> (row, id as written)
    first_place: dict[str, Any] = {}  # id_key -> the first row's parsed address
    id_first = columns.index(id_col) == 0  # the first cell of a shifted row is still the id
    # the columns a client row cannot do without: its street (or address line) and house
    # number; postcode, town and an addition may be left empty (QA 46b F3)
    street_cols = [c for role, c in roles.items()
                   if role == "strasse" or (role.startswith("adresse")
                                            and not role.startswith("adresszusatz"))]
    needed = {*street_cols, *(c for role, c in roles.items() if role == "hausnummer")}
    _rows_of_their_own(table, id_col, roles, lambda cid: len(cid) <= MAX_ID_LENGTH
                       and not id_form_problem(cid, form, id_example))
    # a note as the header's last column: a delimiter typed in it makes the row wider
    note_last = columns and used.get("notiz") == columns[-1]
    names = [c for c in (used.get("name"), *name_parts) if c]
    read_cols = {*used.values(), *name_parts}  # a row may lack only columns not read
    # ... or, ending with a line end, the empty end of a row that Excel left off: not the
    # id, the name, the street or the house number (Table.missing_columns)
    optional = read_cols - {id_col, *names, *needed}
    joined: list[int] = []
    # cells read as Excel serials: (field, Datum/Uhrzeit) -> [(row, text, read as)], for
    # a warning
    serials: dict[tuple[str, str], list[tuple[int, str, str]]] = {}
    odd_postcodes: list[tuple[int, str, str]] = []  # (row, column, text): no postcode
    for rownum, row in zip(table.row_numbers, table.rows, strict=True):
        cid = read_back(clean_text(row.get(id_col, "")))  # type: ignore[arg-type]
        # more fields than the header (shifted), or fewer than the columns read (cut off)
        if problem := table.row_problem(rownum, read=read_cols, optional=optional):
            note = table.joined_last(rownum, keep_apart=names) if note_last else None
            if note is None:
                shown = cid if id_first and len(cid) <= MAX_ID_LENGTH and not (
                    # the file ends in the id's field: „K-45“ of „K-4520“, another case's
                    rownum == table.open_end_row and table.short_rows.get(rownum) == 1
                    # the rest of a row split by a line break: its first cell is the rest
                    # of a field (a note's text, a phone number: QA 46b F8), no id
                    or rownum in table.split_tails) else ""
                if shown:
                    at = parse_address(
                        clean_text(address_from_row(row, roles))[:MAX_ADDRESS_LENGTH])
                    if name_in_id := id_problem(
                            cid, _name(clean_text(row.get(used.get("name", ""), "")),
                                       [clean_text(row.get(c, "")) for c in name_parts]),
                            street=at.street, housenumber=at.housenumber, pattern=form,
                            example=id_example):
                        # a name, an address, not a Kundennummer: not shown
                        problem, shown = f"{problem}; {name_in_id}", ""
                result.rejected.append(Rejected(row=rownum, id=shown or None, field="felder",
                                                reason=problem))
                if shown and len(cid) <= MAX_ID_LENGTH:
                    # its id still counts: a later row of the same case is a duplicate,
                    # as it would be after a row that could be read (QA 19a #2)
                    first_row.setdefault(id_key(cid), (rownum, cid))
                continue
            row = {**row, used["notiz"]: note}  # only the note overflowed: joined back
            joined.append(rownum)
        errors: list[tuple[str, str]] = []
        # Excel serials read: (field, row, the cell's text, read as, Datum/Uhrzeit)
        row_serials: list[tuple[str, int, str, str, str]] = []

        def fail(fname: str, reason: str, _errors: list[tuple[str, str]] = errors) -> None:
            _errors.append((fname, reason))

        # cells that hold no value although they are not empty: a spreadsheet's error value
        # (#NV, #WERT!) or a formula without a stored value; each names its column
        unreadable = unreadable_cells(table, rownum, row, used, name_parts, roles)
        for fname, reason in unreadable.values():
            fail(fname, reason)
        # the PLZ as the address is made of it: what is unambiguous as five digits
        # ("D-36251", "36 251", "36251.0"), what is no postcode ("362511", "3625x") left
        # out and named in a warning once the row is read in
        row, odd_postcode = postcode_cells(table, rownum, row, roles, unreadable)

        def cell(fname: str, _row: dict[str, str] = row,
                 _unreadable: Mapping[str, object] = unreadable) -> str:
            col = used.get(fname)
            if col in _unreadable:
                return ""  # told above
            text = clean_text(_row.get(col, "")) if col else ""
            # "-", "k. A.", "unbekannt" in an optional field: as if empty
            return "" if fname in _BLANKABLE and is_placeholder(text) else text

        name = _name(cell("name"), [clean_text(row.get(c, "")) for c in name_parts])
        # the name tells an addition addressing the client from one naming another person
        address = clean_text(address_from_row(row, roles, client_name=name))
        own = parse_address(address[:MAX_ADDRESS_LENGTH])  # the street an id must not carry
        if id_col in unreadable:
            cid = ""
        elif (rownum, id_col) in table.booleans:
            fail("id", "Kundennummer ist ein Wahrheitswert (ja/nein-Zelle), keine Nummer: "
                       "bitte die Kundennummer als Text oder Zahl eintragen")
            cid = ""
        elif (rownum, id_col) in table.lossy_numbers or _SCIENTIFIC.fullmatch(cid):
            shown = f" „{shorten(cid, 40)}“" if _SCIENTIFIC.fullmatch(cid) else ""
            fail("id", f"Kundennummer{shown} ist als Zahl mit mehr als 15 Stellen gespeichert: "
                       "die Tabellenkalkulation hat die hinteren Ziffern schon verloren. Bitte "
                       "die Spalte als Text formatieren und die Nummern neu eintragen")
            cid = ""  # the digits left are not the client's id
        elif (rownum, id_col) in table.date_cells:
            fail("id", f"Kundennummer ist in Excel als Datum gespeichert ({shorten(cid, 40)}): "
                       "Excel hat die eingetippte Nummer (z. B. „1-2“) in ein Datum "
                       f"verwandelt. Bitte die Spalte „{shown_header(id_col)}“ als Text "
                       "formatieren und die Kundennummer neu eintragen")
            cid = ""  # not the client's id
        elif not cid:
            fail("id", "Kundennummer fehlt")
        elif len(cid) > MAX_ID_LENGTH:
            fail("id", f"Kundennummer zu lang ({len(cid)} Zeichen, höchstens {MAX_ID_LENGTH})")
            # not shown: so long a cell is no id but something else (an address, a name, a
            # note: a column mapped wrongly), and the report, the page and the audit log
            # would carry it
            cid = ""
        elif name_in_id := id_problem(cid, name, street=own.street,
                                      housenumber=own.housenumber, pattern=form,
                                      example=id_example):
            fail("id", name_in_id)
            # a name, an address, not a Kundennummer: neither shown nor kept (report,
            # audit, stored rejections)
            cid = ""
        elif (key := id_key(cid)) in first_row:
            first, written = first_row[key]
            notes = [] if written == cid else [
                f"als {shown_id(written)}; hier {shown_id(cid)}: ähnlich aussehende Zeichen "
                "werden nicht unterschieden"] if lookalike(cid, written) else [
                f"als „{written}“; Groß-/Kleinschreibung wird nicht unterschieden"]
            taken = next((c for c in result.clients if c.row == first), None)
            told = ""
            if any(r.row == first for r in result.rejected):  # neither row is taken
                notes.append(f"Zeile {first} ist ebenfalls abgelehnt")
            elif taken is not None and not same_place(own, first_place.get(key, own)):
                # one of the two addresses is wrong, and nothing tells which: a team sent
                # to the first would knock at a stranger's door (QA 37 #3)
                notes.append(f"dort {TWO_ADDRESSES}: „{shorten(taken.address, 80)}“")
                result.clients.remove(taken)
                result.rejected.append(Rejected(
                    row=first, id=taken.id, field="id",
                    reason=f"Kundennummer „{taken.id}“ auch in Zeile {rownum}, "
                           f"{TWO_ADDRESSES} („{shorten(address, 80)}“): {_WHICH_ADDRESS}"))
                told = f": {_WHICH_ADDRESS}"
            same = f" ({'; '.join(notes)})" if notes else ""
            fail("id", f"Kundennummer „{cid}“ in Zeile {rownum} doppelt: schon in Zeile "
                       f"{first}{same}{told}")
        else:
            first_row[key] = (rownum, cid)
            first_place[key] = own

        if len(address) > MAX_ADDRESS_LENGTH:
            fail("adresse", f"Adresse zu lang ({len(address)} Zeichen, höchstens "
                            f"{MAX_ADDRESS_LENGTH}): „{shorten(address, 80)}“")
            address = shorten(address, MAX_ADDRESS_LENGTH)
        street_part, salutation = address_street(row, roles)  # not "PLZ Ort" alone
        unread = ("; eine Zeile beginnt mit einer Anrede und wird nicht gelesen, eine Straße "
                  "darin wurde nicht erkannt: bitte Straße und Hausnummer hinter ein Komma "
                  "oder in eine eigene Zeile schreiben" if salutation else "")
        if any(col in unreadable for col in roles.values()):
            pass  # told above, not as "Adresse fehlt"
        elif mangled := table.address_problem(rownum, row, roles):  # "12-14" became a date
            fail("adresse", mangled[1])
        elif not address and odd_postcode:  # only a PLZ that is none: named, as typed
            typed = " ".join(text for _, text in odd_postcode)
            fail("adresse", f"Adresse unvollständig: Straße fehlt („{shorten(typed, 80)}“)"
                            f"{unread}")
        elif not address:
            fail("adresse", f"Adresse fehlt{unread}")
        elif not clean_text(street_part):
            fail("adresse", f"Adresse unvollständig: Straße fehlt („{address}“){unread}")
        elif conflict := _two_addresses(row, roles):
            fail("adresse", conflict)

        def read_date(fname: str, text: str, _rownum: int = rownum,
                      _serials: list[tuple[str, int, str, str, str]] = row_serials
                      ) -> tuple[date, str]:
            """The date of a date cell and, for an Excel serial read as one, a remark
            for a reason (``(„45632“ als Excel-Datum gelesen)``); "" otherwise."""
            if (value := excel_serial_day(text)) is None:
                return parse_date(text, today=today), ""
            _serials.append((fname, _rownum, text, f"{value:%d.%m.%Y}", "Datum"))
            return value, f" („{text}“ als Excel-Datum gelesen)"

        kontakt: date | None = None
        if text := cell("kontakt_abbruch_seit"):
            try:
                kontakt, serial = read_date(
                    "kontakt_abbruch_seit",
                    re.sub(r"^seit\s+", "", text, flags=re.IGNORECASE))
                if kontakt > today:
                    fail(
                        "kontakt_abbruch_seit",
                        f"Kontaktabbruch liegt in der Zukunft: {kontakt:%d.%m.%Y}{serial}",
                    )
            except FieldError as exc:
                fail("kontakt_abbruch_seit", f"Kontaktabbruch seit: {exc}")
        angekuendigt: date | None = None
        if text := cell("angekuendigt_ab"):
            try:
                angekuendigt, serial = read_date("angekuendigt_ab", text)
                if (angekuendigt - today).days > MAX_ANNOUNCE_AHEAD_DAYS:
                    fail(
                        "angekuendigt_ab",
                        f"Angekündigt ab {angekuendigt:%d.%m.%Y}{serial}: liegt mehr als ein "
                        "Jahr in der Zukunft (Tippfehler?)",
                    )
            except FieldError as exc:
                fail("angekuendigt_ab", f"Angekündigt ab: {exc}")
        windows: tuple[TimeSlot, ...] = ()
        if text := cell("zeitfenster"):
            try:
                windows = parse_time_windows(text)
            except FieldError as exc:
                fail("zeitfenster", str(exc))
        duration = default_duration_min
        if text := cell("besuchsdauer"):
            try:
                duration = parse_duration(text)
            except FieldError as exc:
                fail("besuchsdauer", str(exc))

        lon = lat = None
        if cell("lat") or cell("lon"):
            coords: dict[str, float] = {}
            for fname, label, limit in (("lat", "Breite", 90), ("lon", "Länge", 180)):
                try:
                    coords[fname] = value = parse_coordinate(cell(fname), label)
                    if not -limit <= value <= limit:
                        raise FieldError(f"{label} {value} liegt nicht zwischen -{limit} und {limit}")
                except FieldError as exc:
                    fail(fname, str(exc))
            if len(coords) == 2:
                lat, lon = coords["lat"], coords["lon"]
        pin_team = cell("team") or None
        pin_day: date | None = None
        pin_time: int | None = None
        datum_time: int | None = None  # a time in the Datum cell ("08.12.2026 10:00")
        if text := cell("datum"):
            try:
                if excel_serial_date(text) is not None:
                    pin_day, _ = read_date("datum", text)
                elif (both := excel_serial_time(text)) is not None and both[0] is not None:
                    # a date-time serial (46363,4027778): the day and the agreed time, as
                    # the outcome file reads it
                    pin_day, datum_time = both[0], both[1] or None  # 00:00: a date only
                    row_serials.append(("datum", rownum, text, f"{both[0]:%d.%m.%Y}" + (
                        f" {format_clock(both[1])}" if both[1] else ""), "Datum"))
                else:
                    pin_day, datum_time = parse_date_time(text, today=today)
            except FieldError as exc:
                fail("datum", f"Datum: {exc}")
        if text := cell("uhrzeit"):
            try:
                # an unformatted Excel time (0,4027778 = 09:40) is read with a note, as
                # the outcome file reads it; what is ambiguous ("0.40") is refused
                pin_time, serial = clock_or_serial(text)
                if serial:
                    row_serials.append(("uhrzeit", rownum, text, format_clock(pin_time),
                                        "Uhrzeit"))
            except FieldError as exc:
                fail("uhrzeit", f"Uhrzeit: {exc}")
            if pin_day is None and "datum" not in [f for f, _ in errors]:
                fail("uhrzeit", "Uhrzeit ohne Datum: bitte auch die Spalte „Datum“ füllen")
            elif pin_time is not None and datum_time is not None and pin_time != datum_time:
                fail("uhrzeit", time_conflict(datum_time, pin_time))
        elif datum_time is not None:  # the agreed time was written into the Datum cell
            pin_time = datum_time

        if errors:
            result.rejected.append(
                Rejected(
                    row=rownum,
                    id=cid or None,
                    field=errors[0][0],
                    reason="; ".join(reason for _, reason in errors),
                )
            )
            continue
        for fname, n, text, value, kind in row_serials:  # named in a warning
            serials.setdefault((fname, kind), []).append((n, text, value))
        odd_postcodes += [(rownum, col, text) for col, text in odd_postcode]
        result.clients.append(
            Client(
                row=rownum,
                id=cid,
                address=address,
                name=name,
                **_address_parts(cell),
                kontakt_abbruch_seit=kontakt,
                sprache=parse_skills(cell("sprache")),
                zeitfenster=windows,
                angekuendigt_ab=angekuendigt,
                besuchsdauer_min=duration,
                notiz=shorten(cell("notiz"), MAX_NOTE_LENGTH) or None,
                lon=lon,
                lat=lat,
                pin_team=pin_team,
                pin_day=pin_day,
                pin_time_min=pin_time,
            )
        )
    if joined:
        result.warnings.append(table.joined_note(joined))
    if note := _open_end_note(table, result, read_cols):
        result.warnings.append(note)
    told = {id_col, *roles.values()}  # there the row is rejected, naming the cell
    if unvalued := sorted((r, c) for r, c in table.formula_cells if c not in told
                          and (c in used.values() or c in name_parts)):
        rows = sorted({r for r, _ in unvalued})
        cols = ", ".join(f"„{shown_header(c)}“" for c in dict.fromkeys(c for _, c in unvalued))
        shown_rows = ", ".join(str(r) for r in rows[:10]) + (
            f" und {len(rows) - 10} weitere" if len(rows) > 10 else "")
        result.warnings.append(
            f"{table.source}: {'Zeile' if len(rows) == 1 else 'Zeilen'} {shown_rows}, "
            f"Spalte {cols}: Formel ohne gespeicherten Wert (die Datei wurde von einem "
            "Programm geschrieben und nie berechnet), als leer gelesen. Bitte die Datei in "
            "Excel oder LibreOffice öffnen und wieder speichern.")
    result.warnings += [serial_note(table.source, FIELD_LABELS.get(fname, fname), read,
                                    kind=kind)
                        for (fname, kind), read in serials.items()]
    if odd_postcodes:
        result.warnings.append(postcode_note(table.source, odd_postcodes))
    result.odd_postcodes = odd_postcodes
    return result


#: How the reasons of two rows of one case at two doors name the other row's address.
TWO_ADDRESSES = "mit anderer Anschrift"
#: What a coordinator does when two rows of one case name two addresses.
_WHICH_ADDRESS = ("keine der beiden Zeilen wird übernommen. Bitte in der Fachanwendung "
                  "klären, welche Anschrift gilt, die Zeile mit der falschen löschen und die "
                  "Liste erneut laden")


def same_place(a: Any, b: Any, *, as_given: bool = False) -> bool:
    """Whether two parsed addresses (:class:`geodata.addresses.ParsedAddress`) name the
    same door: street and house number alike (``Hauptstr. 5a`` and ``Hauptstraße 5 a``,
    ``NELKENWEG 10`` and ``Nelkenweg 10``, ``Am Markt1`` and ``Am Markt 1``:
    :func:`geodata.addresses.street_key`), and the postcode where both give one. A row
    without a street names no other door (two rows of one case, :func:`read_clients`).

    ``as_given``: the place as each gives it counts too, a postcode or town given by one
    and not the other being another place (``Hauptstraße 40`` is not ``Hauptstraße 40,
    36251 Bad Hersfeld``), the town with its district compared as
    :func:`geodata.addresses.town_key` does (``Bad-Hersfeld``, ``BAD HERSFELD``), and
    an address without a street is no door: whether a list still gives the address an
    address fix was made for, or a planned visit goes to (:func:`same_door`). Additions
    (a floor, a c/o line) are no part of the door."""
    from geodata.addresses import town_key

    if not a.street or not b.street:
        return not as_given
    def town(p: Any) -> str:
        return town_key(f"{p.town} {p.district}")

    if as_given and (a.postcode != b.postcode or town(a) != town(b)):
        return False
    return door_key(a) == door_key(b) and (
        not a.postcode or not b.postcode or a.postcode == b.postcode)


def door_key(p: Any) -> tuple[str, str]:
    """The street (:func:`geodata.addresses.street_key`) and house number (without spaces
    and case) of a parsed address, as :func:`same_place` compares them."""
    from geodata.addresses import street_key

    return street_key(p.street), re.sub(r"\s+", "", p.housenumber or "").lower()


def same_door(a: str | None, b: str | None) -> bool:
    """Whether two address texts name the same door as each gives it (:func:`same_place`
    with ``as_given``), each with its PLZ as read now
    (:func:`hausbesuch.tabular.postcode_as_read`): a list that writes the address of an
    address fix in another case, abbreviation or spacing (``Breitenstr. 99`` for
    ``Breitenstraße 99``, a comma dropped) still gives that address (QA 44a F1), as two
    rows of one case so written are one door for :func:`read_clients`."""
    from geodata.addresses import parse_address
    from hausbesuch.tabular import postcode_as_read

    if not a or not b:
        return False
    return same_place(parse_address(postcode_as_read(a)), parse_address(postcode_as_read(b)),
                      as_given=True)


def postcode_cells(table: Any, rownum: int, row: Mapping[str, str],
                   roles: Mapping[str, str], unreadable: Mapping[str, object]
                   ) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Row ``rownum`` with its PLZ and „PLZ Ort“ cells as the address is made of them,
    and what stood for a postcode that is none, per column: (column, the text).

    A cell is read with :func:`hausbesuch.tabular.split_postcode`: what is unambiguous
    becomes the postcode's five digits (``D-36251``, ``36 251``, ``36251.0`` of a number
    cell -> ``36251``; ``4109`` -> ``04109``), with the town typed after it kept after it;
    what is no postcode (``362511``, ``3625x``, a PLZ cell holding letters only) is left
    out (a town after it, or a PLZ cell's letters, is kept as the town only when the Ort
    column is empty: ``fehlt`` next to ``Bad Hersfeld`` is no part of the address) and
    returned, for :func:`postcode_note`: the geocoder
    finds the address by street and town (a street the extract has in several places
    stays unresolved, with a reason asking for PLZ or town). A placeholder (``-``,
    ``k. A.``) is empty. A cell that holds no value (``unreadable``) or that a spreadsheet
    stored as a date is left as it is: the row is rejected naming it
    (:func:`unreadable_cells`, :meth:`hausbesuch.tabular.Table.address_problem`).
    ``table``: the :class:`hausbesuch.tabular.Table` read. The client list and ``hausbesuch
    geocode`` read the PLZ this one way."""
    from hausbesuch.tabular import split_postcode

    out = dict(row)
    odd: list[tuple[str, str]] = []
    for role in ("plz", "plz_ort"):
        col = roles.get(role)
        if col is None or col in unreadable or (rownum, col) in table.date_cells:
            continue
        text = clean_text(row.get(col, ""))
        if not text or is_placeholder(text):
            out[col] = ""
            continue
        postcode, town, tried = split_postcode(text)
        if tried or (role == "plz" and not postcode):
            odd.append((col, tried or text))
            if role == "plz" and not postcode and clean_text(row.get(roles.get("ort") or "",
                                                                     "")):
                town = ""  # „fehlt“ next to the Ort: no part of the address
        out[col] = " ".join(p for p in (postcode, town) if p)
    return out, odd


def postcode_note(source: str, odd: Sequence[tuple[int, str, str]], *,
                  the_list: str = "der Kundenliste") -> str:
    """A German note naming the cells of a PLZ or „PLZ Ort“ column that hold no postcode
    (see :func:`postcode_cells`): ``odd`` holds (row, column, the cell's text or what
    stood for the postcode in it). The rows are read in; their addresses are searched
    without the postcode. ``the_list``: how the note names the list to correct (``hausbesuch
    geocode`` reads any address list: „der Liste“)."""
    from hausbesuch.tabular import shown_header

    named = [f"Zeile {row}, Spalte „{shown_header(col)}“: „{shorten(text, 30)}“"
             for row, col, text in odd[:_SERIALS_NAMED]]
    if len(odd) > _SERIALS_NAMED:
        named.append(f"und {len(odd) - _SERIALS_NAMED} weitere")
    one = len(odd) == 1
    return (f"{source}: " + "; ".join(named) + ". "
            + ("Das ist keine Postleitzahl (fünf Ziffern). Die Zeile ist eingelesen, ihre "
               "Adresse wird ohne PLZ gesucht" if one else
               "Das sind keine Postleitzahlen (fünf Ziffern). Die Zeilen sind eingelesen, "
               "ihre Adressen werden ohne PLZ gesucht")
            + f" (nach Straße und Ort); bitte die PLZ in {the_list} berichtigen.")


def postcode_reason(column: str, text: str) -> str:
    """Why the address of a row was searched without its PLZ, for that row (the import's
    report): the cell of ``column`` held ``text``, which is no postcode (see
    :func:`postcode_cells`; :func:`postcode_note` names every such row at once)."""
    from hausbesuch.tabular import shown_header

    return (f"„{shorten(text, 30)}“ in Spalte „{shown_header(column)}“ ist keine "
            "Postleitzahl (fünf Ziffern): die Adresse wird ohne PLZ gesucht (nach Straße und "
            "Ort); bitte die PLZ in der Kundenliste berichtigen")


def unreadable_cells(table: Any, rownum: int, row: Mapping[str, str],
                     used: Mapping[str, str], name_parts: Sequence[str],
                     roles: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """The cells of row ``rownum`` in the columns read (``used``, ``name_parts``) that hold
    no value although they are not empty, per column: (field, German reason). A
    spreadsheet's error value (``#NV``, ``#N/A``, ``#WERT!``, :func:`is_excel_error`): the
    result of a broken formula, in a CSV or XLSX file; and an XLSX formula without a
    stored value (:attr:`Table.formula_cells`) in the id or an address column, which read
    as empty, „fehlt“. Either in the id
    column would make different people one case (every ``#NV`` the same id). ``table``:
    the :class:`hausbesuch.tabular.Table` read. The client list and ``hausbesuch geocode``
    (its address columns only) reject a row by these cells this one way."""
    from hausbesuch.tabular import shown_header

    address_cols = set(roles.values())
    columns = [(f, c) for f, c in used.items() if f != "name_parts"]
    columns += [("name", c) for c in name_parts]
    out: dict[str, tuple[str, str]] = {}
    for fname, col in columns:
        field_name = "adresse" if col in address_cols else fname
        text = clean_text(row.get(col, ""))
        if text and is_excel_error(text):
            out[col] = (field_name, (
                f"„{text}“ in Spalte „{shown_header(col)}“ ist ein Fehlerwert der "
                "Tabellenkalkulation (eine Formel ohne Ergebnis), kein Wert; bitte in der "
                "Tabelle die Formel prüfen oder den Wert eintragen"))
        elif (rownum, col) in table.formula_cells and not text and (
                fname == "id" or col in address_cols):
            # (elsewhere, a note, a name, it reads as empty as the spreadsheet would show
            # it before calculating; a warning names the cells, see read_clients)
            out[col] = (field_name, (
                f"die Zelle in Spalte „{shown_header(col)}“ enthält eine Formel ohne "
                "gespeicherten Wert (die Datei wurde von einem Programm geschrieben und nie "
                "berechnet); bitte die Datei in Excel oder LibreOffice öffnen und wieder "
                "speichern"))
    return out


#: How many cells :func:`serial_note` names before it only counts the rest.
_SERIALS_NAMED = 10


def serial_note(source: str, label: str, read: Sequence[tuple[int, str, str]], *,
                kind: str = "Datum") -> str:
    """A German note naming the cells of a column read as Excel serials: ``read`` holds
    (row, the cell's text, what it was read as), ``kind`` is what the column should be
    formatted as („Datum“ or „Uhrzeit“). The client list's date columns and the outcome
    file's Datum, Uhrzeit and Termin say so alike."""
    named = [f"Zeile {row}, {label}: {text} als Excel-{kind} gelesen ({value})"
             for row, text, value in read[:_SERIALS_NAMED]]
    if len(read) > _SERIALS_NAMED:
        named.append(f"und {len(read) - _SERIALS_NAMED} weitere")
    cells = "Die Zelle ist" if len(read) == 1 else "Die Zellen sind"
    return (f"{source}: " + "; ".join(named) + f". {cells} als Zahl statt als {kind} "
            f"formatiert; bitte prüfen und die Spalte in Excel als {kind} formatieren.")


def parse_clock_minutes(text: str) -> int:
    """A clock time of the day (``14:30``, ``14.30``, ``14h30``, ``14 Uhr``, ``9``) as
    minutes after midnight; ``24:00`` is refused (:func:`hausbesuch.fields.parse_clock_minutes`
    without ``end_of_day``)."""
    return _clock_minutes_of(text, end_of_day=False)


def clock_or_serial(text: str) -> tuple[int, bool]:
    """A clock time as :func:`parse_clock_minutes` reads it, or an unformatted Excel time
    (``0,4027778`` = 09:40, :func:`hausbesuch.fields.excel_serial_time`): (minutes, whether
    it was read as an Excel time, for the caller's :func:`serial_note`). The client list's
    and the outcome file's Uhrzeit read it alike.

    Raises
    ------
    FieldError
        For neither; for a fraction that is no whole minute (``0,123``); for a date-time
        serial (no clock time); and for a text both readings take differently (``0.40``:
        00:40 typed, or 09:36 as an Excel time?), naming both.
    """
    try:
        typed = parse_clock_minutes(text)
    except FieldError:
        both = excel_serial_time(text)  # (its own refusal: no whole minute)
        if both is None or both[0] is not None:  # (a date-time: no clock)
            raise
        return both[1], True
    try:
        both = excel_serial_time(text)
    except FieldError:
        return typed, False  # "0.12": no Excel time, 00:12 as typed
    if both is None or both[1] == typed:
        return typed, False
    raise FieldError(  # "0.40": 00:40 typed, or an Excel time of 09:36?
        f"„{text}“ ist mehrdeutig: {format_clock(typed)} Uhr oder als Excel-Uhrzeit "
        f"{format_clock(both[1])} Uhr? Bitte die Uhrzeit als hh:mm eintragen")


def _open_end_note(table: Any, result: ClientList, read: Collection[str]) -> str | None:
    """A warning when the CSV ends without a line end in a row that was read, with its last
    field in a column read: cut off there, that field would be read cut short or empty
    (an empty note, a window without its end) and overwrite the stored one. A whole file
    usually ends with a line end; one saved without it (by hand) is read as it is."""
    n = table.open_end_row
    if not n or n not in {c.row for c in result.clients} or not table.columns:
        return None
    from hausbesuch.tabular import shown_header

    k = min(table.short_rows.get(n, table.header_columns), table.header_columns) - 1
    col = table.columns[k] if k >= 0 else ""  # the column of the row's last field
    if col not in read:
        return None
    return (f"{table.source} endet ohne Zeilenende in Zeile {n}: ist die Datei vollständig? "
            f"Wurde sie abgeschnitten, ist „{shown_header(col)}“ in Zeile {n} gekürzt oder "
            "leer gelesen; bitte die Zeile prüfen (eine vollständig gespeicherte Liste endet "
            "mit einem Zeilenende).")


def _name(full: str, parts: list[str]) -> str | None:
    joined = ", ".join(p for p in parts if p)
    if full and joined:
        return f"{full} ({joined})" if joined.casefold() not in full.casefold() else full
    return full or joined or None


def _address_parts(cell: Callable[[str], str]) -> dict[str, str | None]:
    """Street, number, postcode and town from split address columns (None where absent)."""
    from hausbesuch.tabular import join_housenumber, split_postcode

    number = join_housenumber(cell("hausnummer"), cell("zusatz"))
    # (the cells as postcode_cells left them: a postcode of five digits, perhaps with
    # the town after it, or the town alone)
    postcode, in_plz, _ = split_postcode(cell("plz"))
    town = cell("ort") or in_plz  # a PLZ cell holding the town too: „36251 Bad Hersfeld“
    if plz_ort := cell("plz_ort"):
        in_plz_ort, town_there, _ = split_postcode(plz_ort)
        postcode, town = postcode or in_plz_ort, town or town_there
    return {
        "street": cell("strasse") or None,
        "housenumber": number or None,
        "postcode": postcode or None,
        "town": town or None,
    }
