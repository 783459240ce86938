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

Text is kept as given (escaping is the renderers' job); control characters are removed.
Columns that are not recognised are kept in :attr:`Client.extra`; split name columns
(``Nachname``/``Vorname``) form ``name`` and never go into ``extra``.

A row is rejected (one :class:`Rejected` per row; ``field`` is the first bad field, the
reason lists every problem) when: the ID is missing, too long, or repeats an earlier row's ID
(the later rows are rejected and the reason names the first row); the address or its street
is missing; a date cannot be read or does not exist (``31.02.2025``); ``kontakt_abbruch_seit``
lies after ``today``; ``angekuendigt_ab`` lies more than a year ahead; a time window cannot be
read, has an invalid time or ends before it starts; the duration is unreadable, not positive
or longer than :data:`MAX_DURATION_MIN`. Whether an address exists (an unknown street) is
the geocoder's check, not the reader's.

The visit priority is :func:`priority_from_months` of the months since contact broke off.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from hausbesuch.errors import UserError
from hausbesuch.plandata import Client, Rejected, TimeSlot

__all__ = [
    "ClientList",
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
    "priority_from_months",
    "read_clients",
]

#: Longest plausible home visit in minutes; longer durations are rejected as a typo.
MAX_DURATION_MIN = 240
#: Earliest plausible date in the list (the Jobcenters of SGB II began in 2005).
EARLIEST_DATE = date(1990, 1, 1)
#: An announcement letter dated further ahead than this (days) is taken for a typo.
MAX_ANNOUNCE_AHEAD_DAYS = 366
#: Longest ID accepted (pseudonyms and case numbers are short).
MAX_ID_LENGTH = 64
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
}


def field_reason(field: str, reason: str) -> str:
    """``<German field label>: <reason>`` (once, also when the reason names the field)."""
    label = FIELD_LABELS.get(field, field)
    return reason if reason.startswith(f"{label}:") else f"{label}: {reason}"


class FieldError(ValueError):
    """A single field could not be used; the message is German and shown to the user."""


# --------------------------------------------------------------------------- text


_BIDI_CONTROLS = {0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def clean_text(value: str | None) -> str:
    """Strip control characters (and bidi overrides) from a cell; keep everything else as is.

    Tabs and line breaks become a single space, other control characters are removed,
    the result is NFC-normalised and stripped. Markup such as ``<script>`` is kept:
    escaping is the renderers' job.
    """
    if not value:
        return ""
    out: list[str] = []
    for ch in str(value):
        if ch in "\t\n\r\v\f\x85\u2028\u2029":
            out.append(" ")
        elif unicodedata.category(ch) == "Cc" or ord(ch) in _BIDI_CONTROLS:
            continue
        else:
            out.append(ch)
    text = unicodedata.normalize("NFC", "".join(out))
    text = re.sub(r" {2,}", " ", text)
    return text.strip()


# --------------------------------------------------------------------------- dates

_MONTHS = {
    "jan": 1, "januar": 1, "jänner": 1, "january": 1,
    "feb": 2, "februar": 2, "february": 2,
    "mär": 3, "mar": 3, "märz": 3, "maerz": 3, "march": 3,
    "apr": 4, "april": 4,
    "mai": 5, "may": 5,
    "jun": 6, "juni": 6, "june": 6,
    "jul": 7, "juli": 7, "july": 7,
    "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9,
    "okt": 10, "oct": 10, "oktober": 10, "october": 10,
    "nov": 11, "november": 11,
    "dez": 12, "dec": 12, "dezember": 12, "december": 12,
}

_TIME_SUFFIX = r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_RE_DMY = re.compile(r"(\d{1,2})\s*\.\s*(\d{1,2})\s*\.\s*(\d{2}|\d{4})" + _TIME_SUFFIX)
_RE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME_SUFFIX)
_RE_MY = re.compile(r"(\d{1,2})\s*[./]\s*(\d{4})")
_RE_DAY_MONTHNAME = re.compile(r"(\d{1,2})\s*\.?\s*([a-zäöü]+)\.?\s*(\d{4})")
_RE_MONTHNAME = re.compile(r"([a-zäöü]+)\.?\s*(\d{4})")


def _two_digit_year(yy: int, today: date) -> int:
    year = 2000 + yy
    return year if year <= today.year + 20 else year - 100


def parse_date(text: str, *, today: date | None = None) -> date:
    """Parse a German or ISO date.

    Accepted: ``7.12.2026``, ``07.12.26`` (two-digit years: 20xx unless that is more than
    20 years ahead), ``2026-12-07``, with an optional time part (``07.12.2026 00:00``, as a
    spreadsheet may export it), ``7. Dezember 2026``, and a month alone (``12.2026``,
    ``Dezember 2026``: the first of that month). Slashes (``7/12/2026``) are ambiguous
    between German and US order and are rejected.

    Raises
    ------
    FieldError
        With a German reason when the text is not a valid date.
    """
    today = today or date.today()
    raw = text.strip()
    s = raw.lower()
    day: int
    month: int
    year: int
    if m := _RE_DMY.fullmatch(s):
        day, month = int(m[1]), int(m[2])
        year = int(m[3]) if len(m[3]) == 4 else _two_digit_year(int(m[3]), today)
    elif m := _RE_ISO.fullmatch(s):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif m := _RE_MY.fullmatch(s):
        day, month, year = 1, int(m[1]), int(m[2])
    elif (m := _RE_DAY_MONTHNAME.fullmatch(s)) and m[2] in _MONTHS:
        day, month, year = int(m[1]), _MONTHS[m[2]], int(m[3])
    elif (m := _RE_MONTHNAME.fullmatch(s)) and m[1] in _MONTHS:
        day, month, year = 1, _MONTHS[m[1]], int(m[2])
    else:
        raise FieldError(f"kein lesbares Datum: „{raw}“ (erwartet z. B. 07.12.2026)")
    try:
        value = date(year, month, day)
    except ValueError:
        raise FieldError(f"kein gültiges Datum: „{raw}“") from None
    if value < EARLIEST_DATE:
        raise FieldError(f"Datum unplausibel (vor {EARLIEST_DATE:%d.%m.%Y}): „{raw}“")
    return value


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
    return priority_from_months(months_between(client.kontakt_abbruch_seit, today or date.today()))


# --------------------------------------------------------------------------- numbers

_RE_NUMBER = re.compile(
    r"(?P<num>\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)\s*(?P<unit>[a-zäöü.]*)"
)
_MINUTE_UNITS = {"", "min", "min.", "minute", "minuten", "mins", "minutes", "m"}
_HOUR_UNITS = {"h", "h.", "std", "std.", "stunde", "stunden", "hour", "hours", "hrs"}


def _german_number(text: str) -> float:
    """``45`` / ``45,0`` / ``45.5`` / ``1.234`` (thousands) / ``1.234,5`` → float."""
    if "," in text:
        return float(text.replace(".", "").replace(",", "."))
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", text):
        return float(text.replace(".", ""))
    return float(text)


def parse_duration(text: str) -> int:
    """Visit duration in whole minutes.

    Accepted: ``45``, ``45,0``, ``45.0``, ``45 min``, ``1,5 h``, ``1:30`` (hours:minutes).
    German thousands separators (``1.234``) are read as such and then fail the range check.

    Raises
    ------
    FieldError
        Unreadable, not positive, or longer than :data:`MAX_DURATION_MIN` minutes.
    """
    raw = text.strip()
    s = raw.lower()
    minutes: float
    if m := re.fullmatch(r"(\d{1,2}):(\d{2})\s*(?:h|std\.?|stunden?)?", s):
        minutes = int(m[1]) * 60 + int(m[2])
    elif s.startswith("-") and _RE_NUMBER.fullmatch(s[1:].strip()):
        raise FieldError(f"Besuchsdauer muss größer als 0 sein: „{raw}“")
    elif (m := _RE_NUMBER.fullmatch(s)) and (
        m["unit"] in _MINUTE_UNITS or m["unit"] in _HOUR_UNITS
    ):
        value = _german_number(m["num"])
        minutes = value * 60 if m["unit"] in _HOUR_UNITS else value
    else:
        raise FieldError(f"Besuchsdauer nicht lesbar: „{raw}“ (erwartet Minuten, z. B. 45)")
    result = round(minutes)
    if result <= 0:
        raise FieldError(f"Besuchsdauer muss größer als 0 sein: „{raw}“")
    if result > MAX_DURATION_MIN:
        raise FieldError(
            f"Besuchsdauer unplausibel: „{raw}“ ({result} Minuten; höchstens {MAX_DURATION_MIN})"
        )
    return result


# --------------------------------------------------------------------------- skills


def normalize_skill(text: str) -> str:
    """Canonical spelling of a skill/language: trimmed, single spaces, first letter upper.

    ``"arabisch"``, ``" ARABISCH "`` and ``"Arabisch"`` all become ``"Arabisch"``, so that
    client needs and team skills compare equal.
    """
    s = " ".join(clean_text(text).split())
    return s[:1].upper() + s[1:].lower() if s else ""


#: Languages every team speaks: a client needing only these needs no special skill.
IMPLICIT_SKILLS = frozenset({"Deutsch", "German", "De"})


def parse_skills(text: str) -> tuple[str, ...]:
    """Split a ``sprache`` cell into normalised skills (``,`` ``;`` ``/`` ``+`` or "und").

    ``Deutsch`` is dropped (see :data:`IMPLICIT_SKILLS`): every team speaks German. Order is
    kept, duplicates are removed.
    """
    parts = re.split(r"[,;/+|]|\bund\b|\band\b", clean_text(text))
    out: list[str] = []
    for part in parts:
        skill = normalize_skill(part)
        if skill and skill not in IMPLICIT_SKILLS and skill not in out:
            out.append(skill)
    return tuple(out)


# --------------------------------------------------------------------------- time windows

_DAY_NAMES: dict[str, int] = {}
for _i, _names in enumerate(
    (
        ("mo", "mon", "montag", "montags", "monday"),
        ("di", "die", "tu", "tue", "dienstag", "dienstags", "tuesday"),
        ("mi", "mit", "we", "wed", "mittwoch", "mittwochs", "wednesday"),
        ("do", "don", "th", "thu", "donnerstag", "donnerstags", "thursday"),
        ("fr", "fri", "freitag", "freitags", "friday"),
        ("sa", "sat", "samstag", "samstags", "sonnabend", "saturday"),
        ("so", "su", "sun", "sonntag", "sonntags", "sunday"),
    )
):
    for _n in _names:
        _DAY_NAMES[_n] = _i
_DAY_GROUPS = {
    "werktags": frozenset(range(5)),
    "wochentags": frozenset(range(5)),
    "werktag": frozenset(range(5)),
    "weekdays": frozenset(range(5)),
    "täglich": frozenset(range(7)),
    "taeglich": frozenset(range(7)),
    "daily": frozenset(range(7)),
}
_NAMED_TIMES = {
    "vormittags": (8 * 60, 12 * 60),
    "vormittag": (8 * 60, 12 * 60),
    "morgens": (8 * 60, 11 * 60),
    "mittags": (11 * 60, 14 * 60),
    "nachmittags": (12 * 60, 18 * 60),
    "nachmittag": (12 * 60, 18 * 60),
    "abends": (17 * 60, 20 * 60),
    "ganztags": (0, 24 * 60),
    "ganztägig": (0, 24 * 60),
}

_T = r"(\d{1,2})(?:[:.](\d{2}))?\s*(?:uhr|h)?"
_RE_TIME_RANGE = re.compile(_T + r"\s*(?:-|–|—|bis|to)\s*" + _T)
_RE_FROM = re.compile(r"ab\s+" + _T)
_RE_UNTIL = re.compile(r"bis\s+" + _T)
_RE_WORD = re.compile(r"[a-zäöüß]+\.?")
_RE_DAY_RANGE_SEP = re.compile(r"\s*(?:-|–|—|bis)\s*")


def _minutes(h: str, m: str | None, raw: str) -> int:
    hour, minute = int(h), int(m) if m else 0
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        raise FieldError(f"Zeitfenster „{raw}“: ungültige Uhrzeit")
    return hour * 60 + minute


def _day_set(start: int, end: int) -> frozenset[int]:
    if end >= start:
        return frozenset(range(start, end + 1))
    return frozenset([*range(start, 7), *range(0, end + 1)])  # Fr-Mo wraps the weekend


def _parse_window_segment(seg: str) -> list[TimeSlot]:
    """One ``;``-separated segment, e.g. ``Mo, Mi 9:30-11`` or ``Mo 9-11, Do 14-16``."""
    raw = seg.strip()
    s = raw.lower()
    pos = 0
    days: set[int] = set()
    last_day: int | None = None
    pending_range = False
    slots: list[TimeSlot] = []
    had_time_since_days = False

    def emit(start: int, end: int) -> None:
        nonlocal had_time_since_days
        if end <= start:
            what = "Ende vor Beginn" if end < start else "Ende gleich Beginn"
            raise FieldError(f"Zeitfenster „{raw}“: {what}")
        weekdays = frozenset(days) if days else frozenset(range(7))
        slots.append(TimeSlot(weekdays=weekdays, start_min=start, end_min=end, text=raw))
        had_time_since_days = True

    while pos < len(s):
        ch = s[pos]
        if ch.isspace() or ch in ",&+":
            pos += 1
            continue
        if s.startswith("und", pos) and not s[pos + 3 : pos + 4].isalpha():
            pos += 3
            continue
        if ch.isdigit():
            if pending_range:
                raise FieldError(f"Zeitfenster „{raw}“: Tagesbereich ohne Ende")
            if m := _RE_TIME_RANGE.match(s, pos):
                emit(_minutes(m[1], m[2], raw), _minutes(m[3], m[4], raw))
                pos = m.end()
                continue
            raise FieldError(f"Zeitfenster „{raw}“: Uhrzeit ohne Ende (erwartet z. B. 10-12)")
        if m := _RE_FROM.match(s, pos):
            emit(_minutes(m[1], m[2], raw), 24 * 60)
            pos = m.end()
            continue
        if m := _RE_UNTIL.match(s, pos):
            emit(0, _minutes(m[1], m[2], raw))
            pos = m.end()
            continue
        if ch in "-–—" or (s.startswith("bis", pos) and not s[pos + 3 : pos + 4].isalpha()):
            if last_day is None or pending_range:
                raise FieldError(f"Zeitfenster „{raw}“ nicht verstanden")
            pending_range = True
            pos = _RE_DAY_RANGE_SEP.match(s, pos).end()  # type: ignore[union-attr]
            continue
        if m := _RE_WORD.match(s, pos):
            word = m[0].rstrip(".")
            pos = m.end()
            if word == "uhr":
                continue
            if had_time_since_days:  # a new day group starts: "Mo 9-11, Do 14-16"
                days = set()
                had_time_since_days = False
            if word in _DAY_NAMES:
                day = _DAY_NAMES[word]
                if pending_range and last_day is not None:
                    days |= _day_set(last_day, day)
                    pending_range = False
                else:
                    days.add(day)
                last_day = day
                continue
            if word in _DAY_GROUPS and not pending_range:
                days |= _DAY_GROUPS[word]
                last_day = None
                continue
            if word in _NAMED_TIMES and not pending_range:
                emit(*_NAMED_TIMES[word])
                continue
            raise FieldError(f"Zeitfenster „{raw}“: „{raw[m.start():m.end()]}“ nicht verstanden")
        raise FieldError(f"Zeitfenster „{raw}“: Zeichen „{ch}“ nicht verstanden")
    if pending_range:
        raise FieldError(f"Zeitfenster „{raw}“: Tagesbereich ohne Ende")
    if not slots:
        raise FieldError(f"Zeitfenster „{raw}“ ohne Uhrzeit (erwartet z. B. Di 10-12)")
    if not had_time_since_days and days:
        raise FieldError(f"Zeitfenster „{raw}“: Wochentag am Ende ohne Uhrzeit")
    return slots


def parse_time_windows(text: str) -> tuple[TimeSlot, ...]:
    """Parse a ``zeitfenster`` cell into :class:`TimeSlot` values.

    Segments are separated by ``;`` (or line breaks). A segment holds weekdays and one or
    more time ranges: ``Di 10-12``, ``Mo-Fr 14-16``, ``Mo, Mi 9:30-11``,
    ``Do 14:00–16:30``, ``Mo 9-11, 14-16``, ``Mo 9-11, Do 14-16``, ``Di 10 bis 12 Uhr``,
    ``werktags ab 14``, ``Mi vormittags``. Day names may be short or long, German or
    English; day ranges may wrap (``Fr-Mo``). Without weekdays the window holds every day.
    Each slot's ``text`` is its segment as given.

    Raises
    ------
    FieldError
        When a segment is not understood, a time is invalid or a window ends before it starts.
    """
    cleaned = clean_text(text.replace("\n", ";"))
    segments = [seg for seg in re.split(r"[;|]", cleaned) if seg.strip()]
    slots: list[TimeSlot] = []
    for seg in segments:
        for slot in _parse_window_segment(seg):
            if slot not in slots:
                slots.append(slot)
    return tuple(slots)


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
    #: German warnings about the list as a whole (e.g. columns that are not evaluated)
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.clients)


def _find(columns: Sequence[str], synonyms: Iterable[str]) -> str | None:
    from hausbesuch.tabular import find_column

    return find_column(list(columns), tuple(synonyms))


def read_clients(
    path: str | Path,
    *,
    default_duration_min: int | None = None,
    today: date | None = None,
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
        When the file cannot be read or the ID or address column is missing.
    """
    from hausbesuch.tabular import ID_SYNONYMS, address_columns, address_from_row, read_table

    today = today or date.today()
    table = read_table(path)
    columns = list(table.columns)
    id_col = _find(columns, ID_SYNONYMS)
    if id_col is None:
        raise UserError(
            f"Keine Spalte mit der Kundennummer gefunden in {table.source}. Erwartet wird z. B. "
            "„id“, „Kundennummer“, „Fallnummer“ oder „Pseudonym“. Vorhandene Spalten: "
            f"{', '.join(f'„{c}“' for c in columns) or 'keine'}."
        )
    roles = address_columns([c for c in columns if c != id_col], source=table.source)
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
            "Spalten ohne Auswertung (werden gespeichert, aber nicht für die Planung "
            f"genutzt): {', '.join(f'„{c}“' for c in extra_cols)}."
        )
    first_row: dict[str, int] = {}
    for rownum, row in zip(table.row_numbers, table.rows, strict=True):
        cid = clean_text(row.get(id_col, ""))  # type: ignore[arg-type]
        errors: list[tuple[str, str]] = []

        def fail(fname: str, reason: str, _errors: list[tuple[str, str]] = errors) -> None:
            _errors.append((fname, reason))

        if not cid:
            fail("id", "Kundennummer fehlt")
        elif len(cid) > MAX_ID_LENGTH:
            fail("id", f"Kundennummer zu lang ({len(cid)} Zeichen, höchstens {MAX_ID_LENGTH})")
        elif cid in first_row:
            fail("id", f"Kundennummer „{cid}“ doppelt (schon in Zeile {first_row[cid]})")
        else:
            first_row[cid] = rownum

        address = clean_text(address_from_row(row, roles))
        street_part = "".join(
            clean_text(row.get(roles[r], "")) for r in ("adresse", "strasse") if r in roles
        )
        if not address:
            fail("adresse", "Adresse fehlt")
        elif not street_part:
            fail("adresse", f"Adresse unvollständig: Straße fehlt („{address}“)")

        def cell(fname: str, _row: dict[str, str] = row) -> str:
            col = used.get(fname)
            return clean_text(_row.get(col, "")) if col else ""

        kontakt: date | None = None
        if text := cell("kontakt_abbruch_seit"):
            try:
                kontakt = parse_date(text, today=today)
                if kontakt > today:
                    fail(
                        "kontakt_abbruch_seit",
                        f"Kontaktabbruch liegt in der Zukunft: {kontakt:%d.%m.%Y}",
                    )
            except FieldError as exc:
                fail("kontakt_abbruch_seit", f"Kontaktabbruch seit: {exc}")
        angekuendigt: date | None = None
        if text := cell("angekuendigt_ab"):
            try:
                angekuendigt = parse_date(text, today=today)
                if (angekuendigt - today).days > MAX_ANNOUNCE_AHEAD_DAYS:
                    fail(
                        "angekuendigt_ab",
                        f"Angekündigt ab {angekuendigt:%d.%m.%Y}: liegt mehr als ein Jahr "
                        "in der Zukunft (Tippfehler?)",
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
        if text := cell("datum"):
            try:
                pin_day = parse_date(text, today=today)
            except FieldError as exc:
                fail("datum", f"Datum: {exc}")
        if text := cell("uhrzeit"):
            try:
                pin_time = parse_clock_minutes(text)
            except FieldError as exc:
                fail("uhrzeit", f"Uhrzeit: {exc}")
            if pin_day is None and "datum" not in [f for f, _ in errors]:
                fail("uhrzeit", "Uhrzeit ohne Datum: bitte auch die Spalte „Datum“ füllen")

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
        result.clients.append(
            Client(
                row=rownum,
                id=cid,
                address=address,
                name=_name(cell("name"), [clean_text(row.get(c, "")) for c in name_parts]),
                **_address_parts(cell),
                kontakt_abbruch_seit=kontakt,
                sprache=parse_skills(cell("sprache")),
                zeitfenster=windows,
                angekuendigt_ab=angekuendigt,
                besuchsdauer_min=duration,
                notiz=cell("notiz") or None,
                extra=tuple((c, clean_text(row.get(c, ""))) for c in extra_cols),
                lon=lon,
                lat=lat,
                pin_team=pin_team,
                pin_day=pin_day,
                pin_time_min=pin_time,
            )
        )
    return result


def parse_coordinate(text: str, what: str) -> float:
    """A decimal degree as typed (``51,3127`` or ``51.3127``)."""
    t = text.strip().replace(" ", "")
    if not t:
        raise FieldError(f"{what} fehlt (Breite und Länge gehören zusammen)")
    if t.count(",") == 1 and "." not in t:
        t = t.replace(",", ".")
    try:
        value = float(t)
    except ValueError:
        raise FieldError(f"{what} „{text}“ ist keine Zahl (erwartet z. B. 50,8675)") from None
    if not math.isfinite(value):
        raise FieldError(f"{what} „{text}“ ist keine Zahl")
    return value


def parse_clock_minutes(text: str) -> int:
    """A clock time (``14:30``, ``14.30``, ``14 Uhr``, ``9``) as minutes after midnight."""
    m = re.fullmatch(r"\s*(\d{1,2})(?:\s*[:.h]\s*(\d{2}))?\s*(?:uhr)?\s*", text.casefold())
    if not m:
        raise FieldError(f"„{text}“ ist keine Uhrzeit (erwartet z. B. 14:30)")
    h, mi = int(m[1]), int(m[2] or 0)
    if h > 23 or mi > 59:
        raise FieldError(f"„{text}“ ist keine gültige Uhrzeit")
    return h * 60 + mi


def _name(full: str, parts: list[str]) -> str | None:
    joined = ", ".join(p for p in parts if p)
    if full and joined:
        return f"{full} ({joined})" if joined.casefold() not in full.casefold() else full
    return full or joined or None


def _address_parts(cell: Callable[[str], str]) -> dict[str, str | None]:
    """Street, number, postcode and town from split address columns (None where absent)."""
    from hausbesuch.tabular import join_housenumber

    number = join_housenumber(cell("hausnummer"), cell("zusatz"))
    postcode, town = cell("plz"), cell("ort")
    if postcode.isdigit() and len(postcode) == 4:
        postcode = "0" + postcode  # stored as a number, the leading zero was lost
    if plz_ort := cell("plz_ort"):
        m = re.fullmatch(r"(\d{4,5})\s*(.*)", plz_ort)
        if m:
            postcode = postcode or m[1].zfill(5)
            town = town or m[2].strip()
        else:
            town = town or plz_ort
    return {
        "street": cell("strasse") or None,
        "housenumber": number or None,
        "postcode": postcode or None,
        "town": town or None,
    }
