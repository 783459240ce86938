"""German values as coordinators type them: one parser each, used by every reader.

Client lists (:mod:`hausbesuch.clients`), team files (:mod:`hausbesuch.teams`) and later
imports (outcomes, pins) read dates, clock times, durations, weekdays and time windows
with the functions here, so that ``Di 10-12``, ``14.30 Uhr`` or ``1,5 h`` mean the same
everywhere. Every parser raises :class:`FieldError` with a German reason that quotes the
value; callers add the row and the field.

=========================  =======================================================
function                   accepts (examples)
=========================  =======================================================
:func:`parse_date`         ``7.12.2026``, ``07.12.26``, ``2026-12-07``, ``7. Dezember 2026``,
                           ``12.2026``, ``2026-12``, ``Mo, 07.12.2026`` (the weekday is
                           checked)
:func:`excel_serial_date`  ``45632`` (a date cell formatted as a number) -> 06.12.2024
:func:`excel_serial_time`  ``0,4027778`` (a time cell formatted as a number) -> 09:40,
                           ``46363,4027778`` -> 07.12.2026 09:40
:func:`parse_clock`        ``14:30``, ``14.30``, ``14 Uhr``, ``14:30 Uhr``, ``8h`` ->
                           :class:`datetime.time`
:func:`parse_clock_minutes`  the same, as minutes after midnight; ``24:00`` allowed
:func:`parse_clock_range`  ``8:00-16:00``, ``8 bis 16 Uhr``
:func:`parse_datetime`     ``2026-12-08 11:30``, ``08.12.2026 11:30``, ``8.12.2026, 11.30 Uhr``
:func:`parse_date_time`    a date cell that may hold a clock time: ``07.01.2027 10:00`` ->
                           (07.01.2027, 600); ``07.01.2027`` or ``… 00:00`` -> (…, None)
:func:`parse_duration`     ``45``, ``45 min``, ``1,5 h``, ``1,5 Std.``, ``1:30`` -> minutes
:func:`parse_weekdays`     ``Mo-Fr``, ``Mo, Mi``, ``werktags``, ``Fr-Mo``
:func:`parse_time_windows` ``Di 10-12``, ``Mo-Fr 14-16``, ``Mo, Mi 9:30-11``, ``werktags ab 14``
=========================  =======================================================

Durations
---------
A number without unit is minutes (``90`` = 90 minutes, ``45,0`` = 45). A number without
unit below :data:`MIN_DURATION_MIN` minutes is refused: ``1,5`` is no visit of one and a
half minutes, and whether hours were meant cannot be known, so the message asks for
``1,5 h`` or ``90``. With a unit (``h``, ``Std.``, ``Stunden``, ``min``) the value is
read in that unit; ``h:mm`` is hours and minutes.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from hausbesuch import clock
from hausbesuch.plandata import TimeSlot
from hausbesuch.tomlfile import toml_spelling

__all__ = [
    "EARLIEST_DATE",
    "MAX_DURATION_MIN",
    "MIN_DURATION_MIN",
    "WEEKDAYS_DE",
    "WEEKDAY_NAMES",
    "FieldError",
    "clean_text",
    "excel_serial_date",
    "excel_serial_day",
    "excel_serial_time",
    "looks_swapped",
    "lonlat_problem",
    "parse_clock",
    "parse_clock_minutes",
    "parse_clock_range",
    "parse_coordinate",
    "parse_date",
    "parse_date_time",
    "parse_datetime",
    "parse_duration",
    "parse_land",
    "land_name",
    "parse_time_windows",
    "parse_weekdays",
]

#: Longest plausible home visit in minutes; longer durations are rejected as a typo.
MAX_DURATION_MIN = 240
#: Shortest plausible visit in minutes; a unit-less number below it is refused as ambiguous.
MIN_DURATION_MIN = 5
#: Earliest plausible date in a list (the Jobcenters of SGB II began in 2005).
EARLIEST_DATE = date(1990, 1, 1)
#: German short weekday names, Monday first (``date.weekday()`` order).
WEEKDAYS_DE = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")


def format_day(d: date) -> str:
    """A day with its weekday, as every page and message writes it: ``Sa, 12.12.2026``."""
    return f"{WEEKDAYS_DE[d.weekday()]}, {d:%d.%m.%Y}"


def format_days(first: date, last: date) -> str:
    """Days from ``first`` to ``last`` as the pages write a plan's days (:func:`format_day`
    each): ``Mo, 14.12.2026 bis Fr, 18.12.2026``; one day alone: ``Sa, 12.12.2026``."""
    if first == last:
        return format_day(first)
    return f"{format_day(first)} bis {format_day(last)}"


def weekday_span(days: Iterable[int]) -> str:
    """Weekdays (0 = Monday) in short German: three or more consecutive days as a range
    („Mo–Do“, „Mo–Mi, Fr“), the others one by one („Mo, Mi, Fr“).

    The week is read as a cycle where that makes a range: days that run on over Sunday
    into Monday, three or more of them, are one range from their first day („Fr–Mo“ for
    Fr, Sa, So, Mo; „So–Fr“ for all days but Saturday), and the list then starts with it
    and goes on round the week („Fr–Mo, Mi“), as the parsers read a range („Fr-Mo“ is
    Fr, Sa, So, Mo: :func:`parse_weekdays`, :func:`parse_time_windows`). Otherwise it is
    Monday-first: two days over the weekend's end stay single days in the week's order
    („Mo, So“, not „So, Mo“: no range to read), and every day is „Mo–So“."""
    wanted = sorted(set(days))
    runs: list[list[int]] = []
    for d in wanted:
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    if (len(runs) > 1 and runs[0][0] == 0 and runs[-1][-1] == 6
            and len(runs[0]) + len(runs[-1]) >= 3):
        # Sunday runs on into Monday: one range, read from its first day round the week
        runs = [runs[-1] + runs[0], *runs[1:-1]]
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{WEEKDAYS_DE[run[0]]}–{WEEKDAYS_DE[run[-1]]}")
        else:
            parts.extend(WEEKDAYS_DE[d] for d in run)
    return ", ".join(parts)


def format_clock(minutes: int) -> str:
    """Minutes after midnight as a clock time: ``510`` -> ``"08:30"``."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def format_moment(moment: datetime) -> str:
    """A day and clock time as the pages write them: ``Sa, 12.12.2026, 10:00 Uhr``."""
    return f"{format_day(moment.date())}, {moment:%H:%M} Uhr"


def _span_words(start: int, end: int) -> str:
    if start == 0 and end == 24 * 60:
        return "ganztägig"
    if end == 24 * 60:
        return f"ab {format_clock(start)}"
    if start == 0:
        return f"bis {format_clock(end)}"
    return f"{format_clock(start)}–{format_clock(end)}"


def format_window(text: str) -> str:
    """A client's time window as typed (``Do 13:30-16``, ``werktags ab 14``) in the words
    of the pages: ``Do 13:30–16:00 Uhr``, ``Mo–Fr ab 14:00 Uhr``; windows of the same days
    share them (``Mo 09:00–11:00, 14:00–16:00 Uhr``), others follow after „;“. A text the
    parser does not read, or one with a remark in brackets, stays as typed (nothing of it
    is lost).

    A time of day the client gave in words keeps the word, with the hours the planner
    reads it as behind it: ``Mi nachmittags`` is ``Mi nachmittags (12:00–18:00 Uhr)``
    (review 29 #8). The word is what the client said, and all a team may hold them to
    („nachmittags“ is not an agreed 12 to 18); the hours say why a visit stands at 17:30.
    Days given in a word keep it where the weekdays stand, with the days the planner reads
    it as behind it as for a time of day (``werktags 9-17`` is ``werktags (Mo–Fr)
    09:00–17:00 Uhr``: „werktags“ may also mean Mo–Sa), „täglich“ without them
    (``täglich 09:00–17:00 Uhr``); days named show as named (``Mo-So 9-17`` is
    ``Mo–So 09:00–17:00 Uhr``); only a window given without days shows none."""
    if not text or "(" in text:
        return text
    named: dict[TimeSlot, str] = {}
    days_given: dict[TimeSlot, str] = {}
    try:
        slots = _parse_windows(text, named, days_given)
    except FieldError:
        return text
    groups: list[tuple[tuple[frozenset[int], str], list[tuple[str, str]]]] = []
    for slot in slots:
        span = (named.get(slot, ""), _span_words(slot.start_min, slot.end_min))
        key = (slot.weekdays, days_given.get(slot, ""))
        if groups and groups[-1][0] == key:
            groups[-1][1].append(span)
        else:
            groups.append((key, [span]))
    parts = []
    for (_, shown_days), spans in groups:
        if not any(word for word, _ in spans):
            clocks = [hours for _, hours in spans]
            line = ", ".join(clocks) + ("" if clocks == ["ganztägig"] else " Uhr")
        else:  # each span says its own „Uhr“: „Mo vormittags (08:00–12:00 Uhr), 16:00–18:00 Uhr“
            line = ", ".join(
                hours if hours == "ganztägig"
                else f"{word} ({hours} Uhr)" if word else f"{hours} Uhr"
                for word, hours in spans)
        parts.append(f"{shown_days} {line}" if shown_days else line)
    return "; ".join(parts) if parts else text


def count(n: int, one: str, many: str) -> str:
    """``n`` with the German noun in its number: ``count(1, "Zeile", "Zeilen")`` is
    "1 Zeile", ``count(0, "Zeile", "Zeilen")`` "0 Zeilen"."""
    return f"{n} {one if n == 1 else many}"


class FieldError(ValueError):
    """A single field could not be used; the message is German and shown to the user."""


# --------------------------------------------------------------------------- text

_SPACE_LIKE = re.compile("[\t\n\r\v\f\x85\u2028\u2029]")
#: Control characters, bidi marks and overrides, and invisible characters that copy and
#: paste brings along (zero-width space, word joiner, byte order mark, soft hyphen): an id
#: "K-<zero-width space>7" must be "K-7". (Zero-width (non-)joiners stay: scripts need them.)
_DROPPED = re.compile(
    "[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\xad\u200b\u200e\u200f\u202a-\u202e"
    "\u2060\u2066-\u2069\ufeff]"
)
_SPACES = re.compile(r" {2,}")
#: Whole terminal escape sequences, so that their parameters do not stay behind when the
#: control character is dropped („Am Markt<ESC>[2J“ would read as house number „2J“):
#: a control string (OSC ``ESC ]``, DCS ``ESC P``, SOS ``ESC X``, PM ``ESC ^``, APC
#: ``ESC _``) up to BEL or ST or the end of the cell, the same with a C1 introducer only
#: when terminated (U+009E is „ž“ of a broken Windows line read as Latin-1: an unterminated
#: one drops only itself, as before), CSI (``ESC [`` or C1 U+009B) with its parameter,
#: intermediate and final bytes, and ``ESC x`` (with intermediate bytes, as ``ESC ( B``).
_ESCAPES = re.compile(
    "\x1b[]PX^_][^\x07\x1b\x9c]*(?:\x07|\x9c|\x1b\\\\)?"
    "|[\x90\x98\x9d-\x9f][^\x07\x1b\x9c]*(?:\x07|\x9c|\x1b\\\\)"
    "|(?:\x1b\\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?"
    "|\x1b[\x20-\x2f]*[\x30-\x7e]"
)
_ESCAPE_START = re.compile("[\x1b\x90\x98\x9b\x9d-\x9f]")


def clean_text(value: str | None) -> str:
    """Strip control characters (and bidi overrides) from a cell; keep everything else as is.

    Terminal escape sequences are removed whole (:data:`_ESCAPES`), tabs and line breaks
    become a single space, other control characters are removed,
    the result is NFC-normalised and stripped. Markup such as ``<script>`` is kept:
    escaping is the renderers' job. (Regular expressions, not a loop per character: a
    list of 50,000 rows passes every cell through here several times.)
    """
    if not value:
        return ""
    text = str(value)
    if (not text.isascii() or "\x1b" in text) and _ESCAPE_START.search(text):
        text = _ESCAPES.sub("", text)
    text = _DROPPED.sub("", _SPACE_LIKE.sub(" ", text))
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if "  " in text:
        text = _SPACES.sub(" ", text)
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
_RE_ISO_MONTH = re.compile(r"(\d{4})\s*[-/]\s*(\d{1,2})")  # 2025-02, 2025/02
_RE_DAY_MONTHNAME = re.compile(r"(\d{1,2})\s*\.?\s*([a-zäöü]+)\.?\s*(\d{4})")
_RE_MONTHNAME = re.compile(r"([a-zäöü]+)\.?\s*(\d{4})")


def _two_digit_year(yy: int, today: date) -> int:
    year = 2000 + yy
    return year if year <= today.year + 20 else year - 100


#: What exports write into an optional field for "nothing": "-", "k. A.", "keine",
#: "unbekannt", "n/a", ... (:func:`is_placeholder`); not "0", which is a number (a
#: duration of 0 minutes is refused as such).
_PLACEHOLDER = re.compile(
    r"[-–—_.?/]*|(?:keine?|nein|ohne|entf(?:ä|ae)llt|k\.?\s*a\.?|n\.?\s*/?\s*a\.?|none|"
    r"nicht\s+(?:n(?:ö|oe)tig|erforderlich|bekannt)|unbekannt|keine\s+angabe)\.?",
    re.IGNORECASE)


def is_placeholder(text: str) -> bool:
    """Whether an optional cell says "nothing" in one of the ways exports do."""
    return _PLACEHOLDER.fullmatch(text.strip()) is not None


#: The error values a spreadsheet shows in a cell whose formula has no result, as Excel
#: writes them into a CSV or an XLSX file, in German and English (``#NV``/``#N/A``,
#: ``#WERT!``/``#VALUE!``, …), compared in upper case; LibreOffice's ``Err:502`` too.
EXCEL_ERRORS = frozenset({
    "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
    "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
    "#PYTHON!", "#EXTERNAL!",
    "#WERT!", "#BEZUG!", "#ZAHL!", "#NV", "#ÜBERLAUF!", "#KALK!", "#FELD!", "#BLOCKIERT!",
    "#VERBINDEN!", "#AUSGELASTET!", "#UNBEKANNT!", "#DATEN_ABRUFEN",
})
_LIBREOFFICE_ERROR = re.compile(r"err:\d{3}", re.IGNORECASE)


def is_excel_error(text: str) -> bool:
    """Whether a cell holds a spreadsheet's error value (``#NV``, ``#N/A``, ``#WERT!``,
    ``#BEZUG!``, ``#DIV/0!``, ``Err:502``, see :data:`EXCEL_ERRORS`): the result of a
    broken formula (a lookup that found nothing), never a value."""
    t = text.strip()
    return t.upper() in EXCEL_ERRORS or _LIBREOFFICE_ERROR.fullmatch(t) is not None


#: German weekday names, Monday first, for messages.
_WEEKDAYS_LONG = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag",
                  "Sonntag")
#: A weekday before a date ("Mo, 15.03.2025", "Montag 15.03.2025", "Sa.,15.03.2025"); the
#: name is checked against the date (a wrong weekday is the usual sign of a typo in the day).
_WEEKDAY_PREFIX = (r"(?P<weekday>mo|di|mi|do|fr|sa|so|montag|dienstag|mittwoch|donnerstag|"
                   r"freitag|samstag|sonntag)(?:\.?,?\s+|\.?,\s*)")
_RE_WEEKDAY_PREFIX = re.compile(_WEEKDAY_PREFIX + r"(?=\d)")
_WEEKDAY_BY_PREFIX = {name.lower(): i for i, name in enumerate(_WEEKDAYS_LONG)} | {
    name.lower(): i for i, name in enumerate(WEEKDAYS_DE)}


def _check_weekday(weekday: str, value: date) -> None:
    """Refuse a weekday typed before a date that does not fit it."""
    if _WEEKDAY_BY_PREFIX[weekday.lower()] != value.weekday():
        raise FieldError(f"„{weekday}“ passt nicht zu {value:%d.%m.%Y} "
                         f"({_WEEKDAYS_LONG[value.weekday()]})")


def parse_date(text: str, *, today: date | None = None) -> date:
    """Parse a German or ISO date.

    Accepted: ``7.12.2026``, ``07.12.26`` (two-digit years: 20xx unless that is more than
    20 years ahead), ``2026-12-07``, with an optional time part (``07.12.2026 00:00``, as a
    spreadsheet may export it; dropped here: a cell whose time means something, such as a
    pin's ``Datum``, is read by :func:`parse_date_time`), ``7. Dezember 2026``, and a month alone (``12.2026``,
    ``2026-12``, ``Dezember 2026``: the first of that month). A German weekday may stand before a day
    (``Mo, 07.12.2026``, ``Montag 7. Dezember 2026``); it must fit the date. Slashes
    (``7/12/2026``) are ambiguous between German and US order and are rejected. Where one
    day is asked for (an option, a form's date field), :func:`parse_day` refuses a month
    alone rather than read it as its first day.

    Raises
    ------
    FieldError
        With a German reason when the text is not a valid date, or the weekday before it
        does not fit (``„Fr“ passt nicht zu 29.12.2026 (Dienstag)``).
    """
    today = today or clock.today()
    raw = text.strip()
    s = raw.lower()
    weekday = None  # "Mo, 15.03.2025": as typed, checked below
    if m := _RE_WEEKDAY_PREFIX.match(s):
        weekday, s = raw[m.start("weekday"):m.end("weekday")], s[m.end():]
    day: int
    month: int
    year: int
    if m := _RE_DMY.fullmatch(s):
        day, month = int(m[1]), int(m[2])
        year = int(m[3]) if len(m[3]) == 4 else _two_digit_year(int(m[3]), today)
    elif m := _RE_ISO.fullmatch(s):
        year, month, day = int(m[1]), int(m[2]), int(m[3])
    elif (m := _RE_MY.fullmatch(s)) and weekday is None:
        day, month, year = 1, int(m[1]), int(m[2])
    elif (m := _RE_ISO_MONTH.fullmatch(s)) and weekday is None:
        day, month, year = 1, int(m[2]), int(m[1])
    elif (m := _RE_DAY_MONTHNAME.fullmatch(s)) and m[2] in _MONTHS:
        day, month, year = int(m[1]), _MONTHS[m[2]], int(m[3])
    elif (m := _RE_MONTHNAME.fullmatch(s)) and m[1] in _MONTHS and weekday is None:
        day, month, year = 1, _MONTHS[m[1]], int(m[2])
    else:
        raise FieldError(f"kein lesbares Datum: „{_quote(raw)}“ (erwartet z. B. 07.12.2026)")
    try:
        value = date(year, month, day)
    except ValueError:
        raise FieldError(f"kein gültiges Datum: „{_quote(raw)}“ (erwartet z. B. 07.12.2026)"
                         ) from None
    if value < EARLIEST_DATE:
        raise FieldError(f"Datum unplausibel (vor {EARLIEST_DATE:%d.%m.%Y}): „{_quote(raw)}“")
    if weekday is not None:
        _check_weekday(weekday, value)
    return value


#: Whole numbers read as Excel date serials in a date column (1954-10-03 to 2119-01-11).
EXCEL_SERIAL_RANGE = (20_000, 80_000)
_RE_SERIAL = re.compile(r"(\d{5})(?:[.,]0+)?")
#: Day 0 of Excel's 1900 date system, as its serials count from 1 March 1900 on (serial 1
#: is 1900-01-01, but Excel counts a 29 February 1900 that never was).
_EXCEL_EPOCH = date(1899, 12, 30)


def excel_serial_date(text: str) -> date | None:
    """The date an Excel date serial stands for (``45632`` -> 2024-12-06), or None.

    A date cell formatted "Standard" (or exported so to CSV) shows the number of days
    Excel counts since 1900. Only a whole number in :data:`EXCEL_SERIAL_RANGE` counts (a
    date between 1954 and 2119); the caller says that it read it so, since a number in a
    date column could also be a typo.
    """
    m = _RE_SERIAL.fullmatch(text.strip())
    if m is None or not EXCEL_SERIAL_RANGE[0] <= (n := int(m[1])) <= EXCEL_SERIAL_RANGE[1]:
        return None
    return _EXCEL_EPOCH + timedelta(days=n)


def excel_serial_day(text: str) -> date | None:
    """:func:`excel_serial_date`, refusing a serial that stands for a day before
    :data:`EARLIEST_DATE` (a number in a date column that is no date: a typo, an id).

    Raises
    ------
    FieldError
        For a serial before :data:`EARLIEST_DATE`, naming the day it would be.
    """
    if (value := excel_serial_date(text)) is not None and value < EARLIEST_DATE:
        raise FieldError(f"Datum unplausibel (vor {EARLIEST_DATE:%d.%m.%Y}): "
                         f"„{_quote(text.strip())}“ als Excel-Datumszahl wäre {value:%d.%m.%Y}")
    return value


#: An Excel time or date-time serial as a cell formatted "Standard" shows it (in a CSV
#: export too): a time alone is the fraction of the day (``0,4027778`` = 09:40), a
#: date-time the day's serial with that fraction (``46363,4027778``).
_RE_SERIAL_FRACTION = re.compile(r"(?:0|(\d{5}))[.,](\d+)")
#: How far (in minutes) a fraction may lie from a whole minute and be read as it: an
#: export shortens the fraction (``0,4027778``), a time with seconds is no plan's time.
_SERIAL_MINUTE_TOLERANCE = 1 / 60


def excel_serial_time(text: str) -> tuple[date | None, int] | None:
    """An Excel time serial (``0,4027778`` -> (None, 580), 09:40) or date-time serial
    (``46363,4027778`` -> (07.12.2026, 580)), or None when the text is neither (a whole
    serial is :func:`excel_serial_date`'s). The caller says that it read it so.

    Raises
    ------
    FieldError
        For a fraction that is no whole minute (``0,123`` would be 02:57:07: no time
        typed into a cell) or a day before :data:`EARLIEST_DATE`, naming the reading.
    """
    raw = text.strip()
    m = _RE_SERIAL_FRACTION.fullmatch(raw)
    if m is None or len(m[2]) > 17:
        return None
    day = None
    if m[1] is not None and (day := excel_serial_day(m[1])) is None:
        return None  # (a number of days out of the serials' range)
    exact = float("0." + m[2]) * 24 * 60
    minutes = round(exact)
    if abs(exact - minutes) > _SERIAL_MINUTE_TOLERANCE or minutes >= 24 * 60:
        seconds = round(exact * 60)
        shown = f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
        raise FieldError(f"„{_quote(raw)}“ als Excel-Uhrzeit wäre {shown}, keine volle "
                         "Minute: bitte die Spalte in Excel als Uhrzeit formatieren "
                         "(z. B. 09:40)")
    return day, minutes


class NotADayError(FieldError):
    """A month alone or a date with a clock time where one day is asked for."""


def parse_day(text: str, *, today: date | None = None) -> date:
    """One day as an option of a command names it (``--von``, ``--start``, …): as
    :func:`parse_date`, but a month alone (``12.2026``, ``Dezember 2026``) or a clock time
    (``03.12.2026 23:00``) is refused, not read as the month's first day or dropped. The
    forms of a spreadsheet cell stay :func:`parse_date`'s.

    Raises
    ------
    NotADayError
        For a month alone or a time part (the reason names an example day).
    FieldError
        When the text is no valid date.
    """
    raw = text.strip()
    s = _RE_WEEKDAY_PREFIX.sub("", raw.lower())
    month_alone = _RE_MY.fullmatch(s) or _RE_ISO_MONTH.fullmatch(s) or (
        (m := _RE_MONTHNAME.fullmatch(s)) and m[1] in _MONTHS)
    if month_alone:
        first = parse_date(raw, today=today)
        raise NotADayError(f"„{_quote(raw)}“ ist ein Monat, kein Tag: bitte einen Tag "
                           f"angeben, z. B. {first:%d.%m.%Y}")
    if (_RE_DMY.fullmatch(s) or _RE_ISO.fullmatch(s)) and ":" in s:
        day = parse_date(raw, today=today)
        raise NotADayError(f"„{_quote(raw)}“ hat eine Uhrzeit: bitte einen Tag angeben, "
                           f"z. B. {day:%d.%m.%Y}")
    return parse_date(raw, today=today)


# --------------------------------------------------------------------------- numbers

_RE_NUMBER = re.compile(
    r"(?P<num>\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)\s*(?P<unit>[a-zäöü.]*)"
)
_RE_HOURS_MINUTES = re.compile(
    r"(\d{1,2})\s*(?:h|std\.?|stunden?)\s*(?:und\s*)?(\d{1,2})\s*(?:m|min\.?|minuten)?")
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
    """Visit duration in whole minutes (the rule is in the module docstring).

    Accepted: ``45``, ``45,0``, ``45.0``, ``45 min``, ``1,5 h``, ``1,5 Std.``, ``1:30``
    (hours:minutes). German thousands separators (``1.234``) are read as such and then
    fail the range check. A number without unit below :data:`MIN_DURATION_MIN` (``1,5``,
    ``2``) is refused as ambiguous: minutes that short are no visit, hours were perhaps
    meant.

    Raises
    ------
    FieldError
        Unreadable, not positive, ambiguous, too short, or longer than
        :data:`MAX_DURATION_MIN` minutes.
    """
    raw = text.strip()
    shown = _quote(raw)
    s = raw.lower()
    minutes: float
    unitless = False
    if len(s) > 40:
        raise FieldError(f"Besuchsdauer nicht lesbar: „{shown}“ (erwartet Minuten, z. B. 45)")
    if m := re.fullmatch(r"(\d{1,2}):(\d{2})(?::00)?\s*(?:h|std\.?|stunden?)?", s):
        minutes = int(m[1]) * 60 + int(m[2])  # also "01:30:00" (a time cell as text)
    elif m := _RE_HOURS_MINUTES.fullmatch(s):
        minutes = int(m[1]) * 60 + int(m[2])  # "1h30", "1 Std. 30 Min."
    elif s.startswith("-") and _RE_NUMBER.fullmatch(s[1:].strip()):
        raise FieldError(f"Besuchsdauer muss größer als 0 sein: „{shown}“")
    elif (m := _RE_NUMBER.fullmatch(s)) and (
        m["unit"] in _MINUTE_UNITS or m["unit"] in _HOUR_UNITS
    ):
        value = _german_number(m["num"])
        minutes = value * 60 if m["unit"] in _HOUR_UNITS else value
        unitless = m["unit"] == ""
    else:
        raise FieldError(f"Besuchsdauer nicht lesbar: „{shown}“ (erwartet Minuten, z. B. 45)")
    if minutes <= 0:
        raise FieldError(f"Besuchsdauer muss größer als 0 sein: „{shown}“")
    if minutes > MAX_DURATION_MIN:
        raise FieldError(
            f"Besuchsdauer unplausibel: „{shown}“ ({round(minutes)} Minuten; höchstens "
            f"{MAX_DURATION_MIN})"
        )
    if minutes < MIN_DURATION_MIN:
        if unitless:
            raise FieldError(
                f"Besuchsdauer „{shown}“ ist mehrdeutig: ohne Einheit sind es Minuten, und "
                f"{shown} Minuten sind kein Besuch. Bitte mit Einheit angeben, z. B. "
                f"„{shown} h“ für Stunden oder die Minuten als ganze Zahl (90)"
            )
        raise FieldError(
            f"Besuchsdauer zu kurz: „{shown}“ (mindestens {MIN_DURATION_MIN} Minuten)"
        )
    return round(minutes)


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
#: A named time as :func:`format_window` shows it (the adverb, as clients mostly say it).
_NAMED_SHOWN = {"vormittag": "vormittags", "nachmittag": "nachmittags"}
#: Day words as :func:`format_window` shows them (with the days of :data:`_DAY_GROUPS` in
#: brackets behind them, unless every day: „werktags (Mo–Fr)“, „täglich“).
_DAY_WORD_SHOWN = {"werktags": "werktags", "werktag": "werktags", "wochentags": "wochentags",
                   "weekdays": "wochentags",
                   "täglich": "täglich", "taeglich": "täglich", "daily": "täglich"}

_T = r"(\d{1,2})(?:[:.](\d{2}))?\s*(?:uhr|h)?"
_RE_TIME_RANGE = re.compile(_T + r"\s*(?:-|–|—|bis|to)\s*" + _T)
_RE_FROM = re.compile(r"ab\s+" + _T)
_RE_UNTIL = re.compile(r"bis\s+" + _T)
_RE_WORD = re.compile(r"[a-zäöüß]+\.?")
_RE_DAY_RANGE_SEP = re.compile(r"\s*(?:-|–|—|bis)\s*")


def _minutes(h: str, m: str | None, raw: str) -> int:
    hour, minute = int(h), int(m) if m else 0
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        raise FieldError(f"Zeitfenster „{_quote(raw)}“: ungültige Uhrzeit")
    return hour * 60 + minute


def _day_set(start: int, end: int) -> frozenset[int]:
    if end >= start:
        return frozenset(range(start, end + 1))
    return frozenset([*range(start, 7), *range(0, end + 1)])  # Fr-Mo wraps the weekend


def _days_shown(days: set[int], day_word: str) -> str:
    """A slot's days as :func:`format_window` shows them: the client's day word when it
    gave these days, with them behind it unless every day („werktags (Mo–Fr)“,
    „täglich“); otherwise the weekdays („Mo–So“, „Mo–Sa“ for „werktags, Sa“)."""
    if day_word and frozenset(days) == _DAY_GROUPS[day_word]:
        shown = _DAY_WORD_SHOWN[day_word]
        return shown if len(days) == 7 else f"{shown} ({weekday_span(days)})"
    return weekday_span(days)


def _parse_window_segment(seg: str, named: dict[TimeSlot, str] | None = None,
                          days_given: dict[TimeSlot, str] | None = None) -> list[TimeSlot]:
    """One ``;``-separated segment, e.g. ``Mo, Mi 9:30-11`` or ``Mo 9-11, Do 14-16``;
    ``named`` gets the slots given as a word (``nachmittags``) with that word,
    ``days_given`` those whose days were given with the days as :func:`format_window`
    shows them (``Mo–So``, ``täglich``; a slot without days, of every day, is not in it)."""
    raw = seg.strip()
    s = re.sub(r"\([^()]*\)", " ", raw.lower())  # a remark: "(nach Absprache)"
    pos = 0
    days: set[int] = set()
    last_day: int | None = None
    pending_range = False
    slots: list[TimeSlot] = []
    had_time_since_days = False
    day_word = ""  # „werktags“, „täglich“ when the days were given so

    def emit(start: int, end: int) -> None:
        nonlocal had_time_since_days
        if end <= start:
            what = "Ende vor Beginn" if end < start else "Ende gleich Beginn"
            raise FieldError(f"Zeitfenster „{_quote(raw)}“: {what}")
        weekdays = frozenset(days) if days else frozenset(range(7))
        slots.append(TimeSlot(weekdays=weekdays, start_min=start, end_min=end, text=raw))
        if days and days_given is not None:
            days_given[slots[-1]] = _days_shown(days, day_word)
        had_time_since_days = True

    while pos < len(s):
        ch = s[pos]
        if ch.isspace() or ch in ",&+/:":  # "Mo/Mi 9-11", "Mo.-Fr.: 9-12"
            pos += 1
            continue
        if s.startswith("und", pos) and not s[pos + 3 : pos + 4].isalpha():
            pos += 3
            continue
        if ch.isdigit():
            if pending_range:
                raise FieldError(f"Zeitfenster „{_quote(raw)}“: Tagesbereich ohne Ende")
            if m := _RE_TIME_RANGE.match(s, pos):
                emit(_minutes(m[1], m[2], raw), _minutes(m[3], m[4], raw))
                pos = m.end()
                continue
            if re.match(r"\d{3,4}\s*-", s[pos:]):
                raise FieldError(f"Zeitfenster „{_quote(raw)}“: Uhrzeit ohne Doppelpunkt "
                                 "(erwartet z. B. 10:00-12:00 oder 10-12)")
            raise FieldError(f"Zeitfenster „{_quote(raw)}“: Uhrzeit ohne Ende (erwartet z. B. 10-12)")
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
                raise FieldError(f"Zeitfenster „{_quote(raw)}“ nicht verstanden")
            pending_range = True
            pos = _RE_DAY_RANGE_SEP.match(s, pos).end()  # type: ignore[union-attr]
            continue
        if m := _RE_WORD.match(s, pos):
            word = m[0].rstrip(".")
            pos = m.end()
            if word == "uhr":
                continue
            if had_time_since_days and (word in _DAY_NAMES or word in _DAY_GROUPS):
                # a new day group starts: "Mo 9-11, Do 14-16" (a time of day in words
                # after a time keeps the days: "Di nachmittags, abends", review 30 #2)
                days = set()
                day_word = ""
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
                day_word = word
                last_day = None
                continue
            if word in _NAMED_TIMES and not pending_range:
                emit(*_NAMED_TIMES[word])
                if named is not None:
                    named[slots[-1]] = _NAMED_SHOWN.get(word, word)
                continue
            raise FieldError(f"Zeitfenster „{_quote(raw)}“: „{_quote(raw[m.start():m.end()])}“ nicht verstanden")
        raise FieldError(f"Zeitfenster „{_quote(raw)}“: Zeichen „{ch}“ nicht verstanden")
    if pending_range:
        raise FieldError(f"Zeitfenster „{_quote(raw)}“: Tagesbereich ohne Ende")
    if not slots:
        raise FieldError(f"Zeitfenster „{_quote(raw)}“ ohne Uhrzeit (erwartet z. B. Di 10-12)")
    if not had_time_since_days and days:
        raise FieldError(f"Zeitfenster „{_quote(raw)}“: Wochentag am Ende ohne Uhrzeit")
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
    return _parse_windows(text, None)


def _parse_windows(text: str, named: dict[TimeSlot, str] | None,
                   days_given: dict[TimeSlot, str] | None = None) -> tuple[TimeSlot, ...]:
    """:func:`parse_time_windows`, and into ``named`` the slots given as a word, into
    ``days_given`` those whose days were given, as shown (:func:`_parse_window_segment`)."""
    cleaned = clean_text(text.replace("\n", ";"))
    if _RE_DMY.fullmatch(cleaned.strip()):
        raise FieldError(f"Zeitfenster „{_quote(cleaned)}“ ist ein Datum: hat die "
                         "Tabellenkalkulation „10-12“ in ein Datum umgewandelt? Bitte die "
                         "Spalte als Text formatieren und das Zeitfenster neu eintragen")
    segments = [seg for seg in re.split(r"[;|]", cleaned) if seg.strip()]
    slots: list[TimeSlot] = []
    for seg in segments:
        for slot in _parse_window_segment(seg, named, days_given):
            if slot not in slots:
                slots.append(slot)
    return tuple(slots)


#: Accepted spellings of weekdays (lower case) -> 0 (Monday) .. 6 (Sunday).
WEEKDAY_NAMES: dict[str, int] = dict(_DAY_NAMES)


# --------------------------------------------------------------------------- weekdays


def parse_weekdays(value: Any) -> frozenset[int]:
    """Weekdays from ``Mo-Fr``, ``Mo, Mi``, ``werktags``, ``Fr-Mo`` or a list of names.

    Raises
    ------
    FieldError
        When an item is no weekday, or nothing is given.
    """
    if not isinstance(value, str | list | tuple):  # TOML's weekdays = 5, = true, = {…}
        raise FieldError('muss ein Text sein, z. B. "Mo-Fr", oder eine Liste von Texten, '
                         'z. B. ["Mo", "Di"]')
    items = value if isinstance(value, list | tuple) else re.split(r"[,;/+ ]+", value)
    days: set[int] = set()
    for item in items:
        if not isinstance(item, str):  # ["Mo", 3], [["Mo"]]: not quoted as Python writes it
            raise FieldError('jeder Wochentag muss ein Text sein, z. B. ["Mo", "Di"]')
        text = clean_text(str(item)).lower().replace(".", "")
        if not text:
            continue
        if text in {"werktags", "wochentags"}:
            days |= set(range(5))
            continue
        m = re.fullmatch(r"([a-zäöü]+)\s*(?:-|–|bis)\s*([a-zäöü]+)", text)
        if m and m[1] in _DAY_NAMES and m[2] in _DAY_NAMES:
            days |= _day_set(_DAY_NAMES[m[1]], _DAY_NAMES[m[2]])
        elif text in _DAY_NAMES:
            days.add(_DAY_NAMES[text])
        else:
            raise FieldError(f"„{_quote(str(item))}“ ist kein Wochentag (erwartet z. B. Mo-Fr)")
    if not days:
        raise FieldError("keine Wochentage angegeben")
    return frozenset(days)


# --------------------------------------------------------------------------- clock times

_RE_CLOCK = re.compile(r"(\d{1,2})(?:\s*[:.h]\s*(\d{2}))?(?::\d{2})?\s*(?:h|uhr)?")


def _quote(text: str, limit: int = 60) -> str:
    """A user value shortened for a message (a 100,000-character cell is not echoed)."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_clock_minutes(value: Any, *, end_of_day: bool = True) -> int:
    """Minutes after midnight from ``14:30``, ``14.30``, ``14h30``, ``14 Uhr``, ``8h``,
    ``24:00`` (``24:00`` only with ``end_of_day``, as the end of a shift).

    A :class:`datetime.time` is taken as it is; an ``int`` from 0 to 24 is a full hour
    (TOML ``schicht_beginn = 8``).

    Raises
    ------
    FieldError
        When the value is no clock time, or an impossible one (``25:00``, ``10:70``).
    """
    minutes = _clock_minutes(value)
    if minutes >= 24 * 60 and not end_of_day:
        raise FieldError(f"ungültige Uhrzeit: „{_quote(str(value))}“ (höchstens 23:59)")
    return minutes


def _clock_minutes(value: Any) -> int:
    if isinstance(value, time):
        return value.hour * 60 + value.minute
    if isinstance(value, bool):
        raise FieldError(f"keine Uhrzeit: {str(value).lower()}")
    if not isinstance(value, str | int):  # TOML's ["8"], {…}: not as Python writes them
        raise FieldError(f'muss ein Text sein, z. B. "8:00" (nicht {toml_spelling(value)})')
    if isinstance(value, int) and 0 <= value <= 24:
        return value * 60
    raw = clean_text(str(value))
    m = _RE_CLOCK.fullmatch(raw.lower())
    if not m:
        raise FieldError(f"keine Uhrzeit: „{_quote(raw)}“ (erwartet z. B. 8:00)")
    h, mi = int(m[1]), int(m[2] or 0)
    if h > 24 or mi > 59 or (h == 24 and mi):
        raise FieldError(f"ungültige Uhrzeit: „{_quote(raw)}“")
    return h * 60 + mi


def parse_clock(value: Any) -> time:
    """A :class:`datetime.time` from ``14:30``, ``14.30``, ``14 Uhr`` (``24:00`` refused).

    Raises
    ------
    FieldError
        As :func:`parse_clock_minutes`, and for ``24:00``.
    """
    minutes = parse_clock_minutes(value, end_of_day=False)
    return time(minutes // 60, minutes % 60)


def parse_clock_range(value: Any) -> tuple[int, int]:
    """``8:00-16:00`` / ``8 bis 16 Uhr`` / ``[8:00, 16:00]`` -> (start, end) in minutes.

    Raises
    ------
    FieldError
        When it is no range of two clock times. (Whether the end lies after the start is
        the caller's check: it names the field.)
    """
    if isinstance(value, list | tuple):
        if len(value) != 2:
            raise FieldError(f"kein Zeitraum: {toml_spelling(value)} "
                             '(erwartet z. B. "8:00-16:00")')
        return parse_clock_minutes(value[0]), parse_clock_minutes(value[1])
    if not isinstance(value, str):  # TOML's schicht = true, = 8, = {…}
        raise FieldError('muss ein Text sein, z. B. "8:00-16:00" '
                         f"(nicht {toml_spelling(value)})")
    text = clean_text(value)
    parts = re.split(r"\s*(?:-|–|—|bis)\s*", text)
    if len(parts) != 2 or not all(parts):
        raise FieldError(f"kein Zeitraum: „{_quote(text)}“ (erwartet z. B. 8:00-16:00)")
    return parse_clock_minutes(parts[0]), parse_clock_minutes(parts[1])


_RE_DATETIME = re.compile(
    r"(?P<date>(?:" + _WEEKDAY_PREFIX.replace("?P<weekday>", "?:") + r")?"
    r"(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}\s*\.\s*\d{1,2}\s*\.\s*\d{2,4}))"
    r"(?:\s*,\s*|\s+um\s+|\s+|t)(?P<clock>\d{1,2}(?:[:.]\d{2}){0,2}\s*(?:h|uhr)?)"
)


def parse_datetime(text: Any, *, today: date | None = None) -> datetime:
    """A date with a clock time: ``2026-12-08 11:30``, ``08.12.2026 11:30``,
    ``2026-12-08T11:30``, ``8.12.2026, 11.30 Uhr``, ``08.12.2026 um 11 Uhr``, with a
    weekday before the date as :func:`parse_date` takes it (``Di, 08.12.2026 11:30``).

    Raises
    ------
    FieldError
        When date or time is missing or invalid, or the weekday does not fit the date
        (the reason says which).
    """
    if isinstance(text, datetime):
        return text
    raw = clean_text(str(text))
    m = _RE_DATETIME.fullmatch(raw.lower())
    if not m:
        raise FieldError(
            f"kein Zeitpunkt: „{_quote(raw)}“ (erwartet z. B. 08.12.2026 11:30 oder "
            "2026-12-08 11:30)"
        )
    day = parse_date(raw[m.start("date"):m.end("date")], today=today)  # the weekday as typed
    clock = parse_clock(m["clock"])
    return datetime.combine(day, clock)


#: Fractions of a second after a clock time with seconds, as some exports write them.
_RE_SECOND_FRACTION = re.compile(r"(\d:\d{2}:\d{2})[.,]\d+$")


def parse_date_time(text: str, *, today: date | None = None) -> tuple[date, int | None]:
    """A date cell that may carry a clock time: the day and the time in minutes after
    midnight, or None when there is no time or it is ``00:00`` (a date exported with a
    midnight time, or an Excel date cell, is a date only).

    Takes what :func:`parse_date` takes, and a date with a time as :func:`parse_datetime`
    reads it (``07.01.2027 10:00``, ``2026-12-08T14:00``, ``08.12.2026, 14 Uhr``, an Excel
    date-time cell as :mod:`hausbesuch.tabular` shows it: ``08.12.2026 10:00``). Used where
    a time in the date cell is meant (a pin's or an outcome's ``Datum``): it must not be
    dropped.

    Raises
    ------
    FieldError
        As :func:`parse_date`, and for an impossible time (``08.12.2026 25:00``).
    """
    raw = _RE_SECOND_FRACTION.sub(r"\1", clean_text(str(text)))
    if _RE_DATETIME.fullmatch(raw.lower()):
        when = parse_datetime(raw, today=today)
        return when.date(), (when.hour * 60 + when.minute) or None
    return parse_date(raw, today=today), None


# --------------------------------------------------------------------------- coordinates


def parse_coordinate(text: str, what: str) -> float:
    """A decimal degree as typed (``51,3127`` or ``51.3127``); ``what`` names it
    (``Breite``/``Länge``) in the message.

    Raises
    ------
    FieldError
        When it is empty or no finite number.
    """
    t = str(text).strip().replace(" ", "")
    if not t:
        raise FieldError(f"{what} fehlt (Breite und Länge gehören zusammen)")
    if t.count(",") == 1 and "." not in t:
        t = t.replace(",", ".")
    try:
        value = float(t) if len(t) <= 40 else float("nan")
    except ValueError:
        raise FieldError(f"{what} „{_quote(text)}“ ist keine Zahl (erwartet z. B. 50,8675)") from None
    if not math.isfinite(value):
        raise FieldError(f"{what} „{_quote(text)}“ ist keine Zahl")
    return value


def looks_swapped(lon: float, lat: float) -> bool:
    """Whether a point given as (``lon``, ``lat``) looks like latitude and longitude
    swapped: the longitude in Germany's range of latitudes and the latitude in its range of
    longitudes (the one rule for teams files and city profiles)."""
    return 47.0 <= lon <= 55.2 and 5.5 <= lat <= 15.5


def lonlat_problem(ll: tuple[float, float]) -> str | None:
    """What is wrong with a point ``[lon, lat]`` of a teams file (out of range, or
    :func:`looks_swapped`), or ``None``."""
    lon, lat = ll
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return f"Koordinaten außerhalb des gültigen Bereichs: [{lon}, {lat}] (erwartet [lon, lat])"
    if looks_swapped(lon, lat):
        return (
            f"Koordinaten [{lon}, {lat}] sehen vertauscht aus: erwartet wird [Länge, Breite] "
            "(lon, lat), in Deutschland etwa [10, 51]"
        )
    return None


# --------------------------------------------------------------------------- Länder


#: The 16 Länder: the ``holidays`` package's code -> the German name. Only these are a
#: Land (the package also lists the city of Augsburg as a subdivision of DE).
LAENDER = {
    "BW": "Baden-Württemberg", "BY": "Bayern", "BE": "Berlin", "BB": "Brandenburg",
    "HB": "Bremen", "HH": "Hamburg", "HE": "Hessen", "MV": "Mecklenburg-Vorpommern",
    "NI": "Niedersachsen", "NW": "Nordrhein-Westfalen", "RP": "Rheinland-Pfalz",
    "SL": "Saarland", "SN": "Sachsen", "ST": "Sachsen-Anhalt", "SH": "Schleswig-Holstein",
    "TH": "Thüringen",
}
#: Common abbreviations beside the codes (``M-V`` is read as ``MV``, ``BaWü`` as ``bawue``).
_LAND_ABBREVIATIONS = {
    "nrw": "NW", "bawue": "BW", "rlp": "RP", "meckpomm": "MV", "nds": "NI", "lsa": "ST",
    "brb": "BB", "bbg": "BB", "bln": "BE",
}


def _land_key(text: str) -> str:
    text = clean_text(text).casefold().removeprefix("de-").removeprefix("de ")
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        text = text.replace(a, b)
    return re.sub(r"[\s\-_.]+", "", text)


_LAND_KEYS = {_land_key(code): code for code in LAENDER} \
    | {_land_key(name): code for code, name in LAENDER.items()} | _LAND_ABBREVIATIONS


def parse_land(value: Any) -> str:
    """A German Land for its public holidays: the code (``BY``, ``by``, ``DE-BY``), the
    name (``Bayern``, ``Nordrhein-Westfalen``, ``Baden-Wuerttemberg``) or a common
    abbreviation (``NRW``, ``BaWü``, ``RLP``, ``M-V``) -> the code of the ``holidays``
    package (``BY``); empty stays empty (only the nationwide holidays).

    Raises
    ------
    FieldError
        When it is none of the 16 Länder, quoting the value as typed.
    """
    raw = clean_text(str(value))
    if not raw:
        return ""
    code = _LAND_KEYS.get(_land_key(raw))
    if code is None:
        raise FieldError(f"unbekanntes Bundesland „{_quote(raw)}“ (erwartet das Kürzel, z. B. "
                         "HE, BY, NW, oder den Namen, z. B. Hessen, Bayern)")
    return code


def land_name(code: str) -> str:
    """The German name of a Land code of :func:`parse_land` (``HE`` -> ``Hessen``)."""
    return LAENDER.get(code, code)
