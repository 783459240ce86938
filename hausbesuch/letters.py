"""Announcement letters: one DIN 5008 (form B) PDF per planned visit, and one per team-day.

A letter tells a client when the outreach team comes: "am Dienstag, 8. Dezember 2026,
zwischen 10:00 und 12:00 Uhr". The promised window is centred on the planned start of the
visit, rounded to full half hours and kept inside the client's own time window and the
team's working day (:func:`promised_window`); it is recorded in the store and binds every
later plan.

The PDF is typeset by Typst (the ``typst`` package: a self-contained wheel, no browser,
no system library) from ``templates/letter.typ``. The template receives all content as
JSON and shows it as plain text, so nothing a profile or a client row contains is read as
markup. The only font used is Libertinus Serif, which ships inside the ``typst`` package
(SIL Open Font License 1.1; system fonts are ignored, so a letter looks the same on every
machine and renders umlauts and ß). Typst falls back to the other fonts of the package
(Greek, Cyrillic, Arabic); a recipient with a character no font there has (Chinese,
Korean) gets no letter instead of empty boxes (:func:`unprintable_reason`).

Letters carry the client's name and postal address: they are written only into the folder
the coordinator names, never into a plan's output folder; file names carry the case id
only, and nothing here logs a name.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from geodata.cache import atomic_write
from hausbesuch import clock, namewords
from hausbesuch.caseids import id_key
from hausbesuch.config import (
    DEFAULT_FOLLOW_UP_TEXT,
    LetterSettings,
    Profile,
    placeholder_names,
    resolve_data_file,
)
from hausbesuch.errors import UserError, write_cause
from hausbesuch.fields import format_day, format_moment
from hausbesuch.plandata import (
    Client,
    Geocode,
    Plan,
    PlannedStop,
    TeamDayRoute,
    TimeSlot,
    is_appointment,
    letter_words,
)
from hausbesuch.safe_cells import read_back

__all__ = [
    "AUDIT_CORRECTION",
    "AUDIT_LETTER",
    "Announcement",
    "LetterError",
    "LetterRun",
    "WEB_LETTERS",
    "already_lines",
    "announcements",
    "arrival_day",
    "comes_late",
    "due_corrections",
    "letter_counts",
    "bind_announcements",
    "broken_promises",
    "called_off_by_letter",
    "called_off_reasons",
    "check_kept",
    "check_out_dir",
    "check_sender",
    "field_address",
    "first_promises",
    "late_lines",
    "letter_content",
    "letter_fields",
    "letter_name",
    "long_lines",
    "no_name_reason",
    "salutation_name",
    "missing_glyphs",
    "missing_sender",
    "notice_text",
    "report_lines",
    "moved_since",
    "pending_lines",
    "plan_lineage",
    "postal_lines",
    "postal_parts",
    "promised_window",
    "record_corrections",
    "refuse_named_folder",
    "render_letters",
    "render_pdf",
    "reprint_lines",
    "run_letters",
    "late_words",
    "too_late",
    "unprintable_reason",
    "write_letters",
    "written_corrections",
    "write_notice",
]

TEMPLATE = Path(__file__).resolve().parent / "templates" / "letter.typ"
FONT = "Libertinus Serif"
WEEKDAYS_LONG = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
          "Oktober", "November", "Dezember")
#: Where the web app writes letters, as the web's notes name it (for the command line's
#: ``hausbesuch letters …``): the plan page's section of that name (QA 45c F1).
WEB_LETTERS = "auf der Seite des Plans unter „Ankündigungsschreiben“"
#: Text file written beside the letters: the folder holds social data.
NOTICE_FILE = "LIESMICH.txt"
NOTICE = """\
Dieser Ordner enthält Briefe an Kundinnen und Kunden mit Namen und Anschrift.
Das sind Sozialdaten (§ 35 SGB I): nur auf Dienstrechnern speichern, nicht per E-Mail
oder Cloud weitergeben, nach dem Druck und Versand löschen.
"""


class LetterError(UserError):
    """Letters cannot be written (German message)."""


def status_label(status: str) -> str:
    """A case status in German, short ("abgeschlossen", "in Klärung", "erreicht")."""
    from hausbesuch.casework.rules import status_word

    return status_word(status)


# --------------------------------------------------------------------------- windows


def _round_half_hour(minutes: float) -> int:
    """Nearest full half hour (ties go down), in minutes of the day."""
    q, r = divmod(minutes, 30)
    return int(30 * (q + (1 if r > 15 else 0)))


def promised_window(
    start: datetime,
    *,
    minutes: int = 120,
    slots: Sequence[TimeSlot] = (),
    bounds: tuple[datetime, datetime] | None = None,
) -> tuple[datetime, datetime]:
    """The window a letter promises for a visit planned to start at ``start``.

    Centred on ``start`` and rounded to full half hours; if the client has a time window
    on that weekday that holds ``start``, the promised window is moved (and if need be
    shortened) to lie inside it, and so inside the team's working day (``bounds``). The
    result always contains ``start``.

    Parameters
    ----------
    start : datetime
        The planned start of the visit (naive local time).
    minutes : int
        Length of the window: a multiple of 30 between 30 and 480.
    slots : sequence of TimeSlot
        The client's own windows (``Client.zeitfenster``).
    bounds : (datetime, datetime), optional
        The team's working day (its shift: beginning and end): the window is kept inside
        it as well. Its ends are taken inwards to the full half hour (a shift from 7:45 to
        15:15 promises from 8:00 to 15:00), unless that would leave ``start`` outside (a
        visit planned at 7:50 may be promised from 7:45); a window is never widened
        beyond the team's day.
    """
    if minutes % 30 or not 30 <= minutes <= 480:
        raise LetterError(
            f"--window-minutes: {minutes} ist keine volle halbe Stunde zwischen 30 und 480."
        )
    day0 = datetime(start.year, start.month, start.day)
    s = (start - day0).total_seconds() / 60.0
    a = _round_half_hour(s - minutes / 2)
    b = a + minutes
    wd = start.weekday()
    lo, hi = 0.0, 24 * 60 - 1.0
    slot = next((sl for sl in slots
                 if wd in sl.weekdays and sl.start_min <= s <= sl.end_min), None)
    if slot is not None:
        lo, hi = slot.start_min, slot.end_min
    if bounds is not None:
        first = (bounds[0] - day0).total_seconds() / 60.0
        last = (bounds[1] - day0).total_seconds() / 60.0
        if first <= s <= last:
            b_lo, b_hi = -30 * (-first // 30), 30 * (last // 30)  # inwards to half hours
            lo = max(lo, b_lo if b_lo <= s else first)
            hi = min(hi, b_hi if b_hi >= s else last)
    if a < lo:
        a, b = lo, min(lo + minutes, hi)
    elif b > hi:
        a, b = max(hi - minutes, lo), hi
    return day0 + timedelta(minutes=int(a)), day0 + timedelta(minutes=int(b))


# --------------------------------------------------------------------------- content


#: The built-in follow-up subject (``[brief] folge_betreff``'s default): with the built-in
#: text, a follow-up whose own texts would print ``{angekuendigt_am}`` empty
#: (:func:`follow_up_text`)
DEFAULT_FOLLOW_UP_SUBJECT: str = LetterSettings.model_fields["folge_betreff"].default

@dataclass(frozen=True)
class Announcement:
    """One visit to announce (or, with ``announced_on``, to call off)."""

    client_id: str
    team_id: str
    day: date
    planned_start: datetime | None
    window: tuple[datetime, datetime]
    visit_id: str | None = None
    announced_on: date | None = None  # set for correction letters: date of the first letter
    visitors: int | None = None  # members of the visiting team (None: not known)
    #: for a correction letter: the case's status when it is no longer open (the visit is
    #: called off without a new date: the profile's ``absage_text``)
    case_status: str | None = None
    #: the visit's time was agreed with the client at a visit (``Termin vereinbart``):
    #: the client knows it; no announcement letter
    appointment: bool = False
    #: an announcement printed again: the date of the first letter, which the client has
    #: (whether the post brings it in time is judged by that one, :func:`arrival_day`)
    first_letter: date | None = None
    #: an announcement to a client whose earlier announced visit was called off or who was
    #: met at a visit before (:func:`follow_ups`): the profile's ``folge_betreff`` and
    #: ``folge_text``, not the first letter's greeting of someone not yet met
    follow_up: bool = False
    #: for a follow-up: the date of the case's last earlier letter (``{angekuendigt_am}``),
    #: None when there is none (a client met at the door without a letter; where the
    #: follow-up texts use the date, that letter takes the built-in ones:
    #: :func:`follow_up_text`)
    earlier_letter: date | None = None
    #: a visit whose letter went to an address the client has left since
    #: (:func:`first_promises`): that letter's date. This letter goes to the address the
    #: plan visits, dated as the run's, with the window promised then
    readdressed: date | None = None


_COUNT_WORDS = ("eine", "zwei", "drei", "vier", "fünf", "sechs")


def who_comes(visitors: int | None) -> str:
    """The ``{wer_kommt}`` of a letter: verb and staff, in number with the team's size."""
    if visitors == 1:
        return "kommt eine Mitarbeiterin oder ein Mitarbeiter"
    if visitors is None or visitors < 1:
        return "kommen Mitarbeiterinnen oder Mitarbeiter"
    count = _COUNT_WORDS[visitors - 1] if visitors <= len(_COUNT_WORDS) else str(visitors)
    return f"kommen {count} Mitarbeiterinnen oder Mitarbeiter"


def _folded(clients: Iterable[str]) -> dict[str, str]:
    """``{case id folded: case id as given}`` (first spelling wins): case ids are compared
    by :func:`hausbesuch.caseids.id_key` (without case, look-alike spaces and dashes), as
    everywhere else; an id as ``report.csv`` writes it (``'=F-14``: the apostrophe that keeps
    a spreadsheet from reading a formula, :func:`hausbesuch.safe_cells.read_back`) is
    the id (QA 34a F6), as ``disclose`` and ``outcomes`` take it."""
    out: dict[str, str] = {}
    for cid in clients:
        plain = read_back(cid.strip())
        out.setdefault(id_key(plain), plain)
    return out


def team_day(plan: Plan, route: TeamDayRoute,
             at: datetime | None = None) -> tuple[datetime, datetime]:
    """The working day of a route's team: its shift on the route's day as the plan's
    teams give it, or the shorter one a re-plan took over of the city's teams for that day
    (:func:`hausbesuch.teams.plan_shift`), not the route's departure and return: a route
    that ends at 9:50 does not end the team's day. A plan that does not say: the route's
    departure and return.

    With ``at`` (a visit's planned start): the part of that shift the team works around
    ``at``, cut by the spans a re-plan took the team out of that day
    (:func:`hausbesuch.teams.out_spans`:
    out from 13:00, the day ends at 13:00; back at 11:00, it begins at 11:00). A team
    absent for the day (``hausbesuch absence``) has no route on it. A start inside such a
    span (a visit recorded there): the whole shift."""
    from hausbesuch.teams import out_spans, plan_shift

    shift = plan_shift(plan.params, route.team_id, route.day)
    if shift is None:
        return route.depart, route.return_
    day0 = datetime(route.day.year, route.day.month, route.day.day)
    lo, hi = day0 + timedelta(minutes=shift[0]), day0 + timedelta(minutes=shift[1])
    if at is None:
        return lo, hi
    first, last = lo, hi
    for gone, back in out_spans(plan.params, route.team_id, route.day):
        if at < gone:
            last = min(last, gone)
        elif back is not None and back <= at:
            first = max(first, back)
        else:
            return lo, hi  # out at ``at``: nothing to cut by
    return (first, last) if first <= at <= last else (lo, hi)


def announcements(
    plan: Plan,
    *,
    clients: Iterable[str] | None = None,
    window_minutes: int = 120,
) -> list[Announcement]:
    """The announcements of a plan's visits, ordered by day, team and position.

    A client the plan visits twice (a visit made and an appointment agreed at it) gets one
    announcement: its last visit of the plan. ``clients`` restricts them to these case ids,
    compared without regard to case (the announcements carry the plan's spelling); an id
    that the plan does not visit is an error naming it.
    """
    by_id = {c.id: c for c in plan.clients}
    wanted = None if clients is None else _folded(clients)
    members = {str(t.get("id")): len(t.get("members") or ())
               for t in (plan.params or {}).get("teams", []) if isinstance(t, dict)}
    out: list[Announcement] = []
    routes: list[TeamDayRoute] = sorted(plan.routes, key=lambda r: (r.day, r.team_id))
    last = {st.client_id: (r.day, st.start) for r in routes for st in r.stops}
    for r in routes:
        for st in r.stops:
            if wanted is not None and id_key(st.client_id) not in wanted:
                continue
            if last[st.client_id] != (r.day, st.start):
                continue  # one letter per client: its last visit of the plan
            c = by_id.get(st.client_id)
            window = promised_window(st.start, minutes=window_minutes,
                                     slots=c.zeitfenster if c else (),
                                     bounds=team_day(plan, r, st.start))
            out.append(Announcement(st.client_id, r.team_id, r.day, st.start, window,
                                    visitors=members.get(r.team_id) or None,
                                    appointment=is_appointment(st.window_text)))
    if wanted is not None:
        got = {id_key(a.client_id) for a in out}
        stored = {id_key(c.id): c.id for c in plan.clients}  # the stored spelling
        missing = [stored.get(key, cid) for key, cid in wanted.items() if key not in got]
        if missing:
            raise LetterError(
                "--clients: nicht im Plan eingeplant: " + ", ".join(missing[:10])
                + (" …" if len(missing) > 10 else "")
            )
    return out


#: What a case-management export writes into a Name cell for "no name": punctuation
#: only ("-", "?", "/"), "k. A.", "keine Angabe", "o. A.", "ohne Angabe", "unbekannt",
#: "nicht bekannt", "n. n."/"NN", "n/a". Narrower than the placeholders of optional fields
#: (:func:`hausbesuch.fields.is_placeholder`): no word that is a name too ("Na", "Keine",
#: "Ohne" are surnames).
_NAME_PLACEHOLDER = re.compile(
    r"[-–—_.?/*]*|k\.\s*a\.?|keine\s+angaben?|o\.\s*a\.?|ohne\s+angaben?|"
    r"(?:name\s+)?(?:unbekannt|nicht\s+bekannt)|n\.?\s*n\.?|n\s*/\s*a\.?",
    re.IGNORECASE)


def is_name_placeholder(text: str) -> bool:
    """Whether a name (or one side of "Nachname, Vorname") is an export's "no name"."""
    return _NAME_PLACEHOLDER.fullmatch(" ".join(text.split())) is not None


def letter_name(name: str) -> str:
    """The client's name as a letter writes it (address field and salutation).

    Client lists often give the name as "Nachname, Vorname" (and joined split name
    columns so): a name with exactly one comma is turned round, "Weiß, Anna" becomes
    "Anna Weiß" (a side left empty, or a placeholder such as "-", is dropped with the
    comma); an Anrede or title in front of the surname stays in front: "Frau Öztürk-Çelik,
    Ayşe" becomes "Frau Ayşe Öztürk-Çelik" (QA 27 F3). Any other name is written as
    stored; nothing is guessed from it (no gender, no title). A host after a c/o marker
    („Weiß, Jürgen c/o Öztürk“: :func:`hausbesuch.care_of.own_name_and_host`) is left
    out, before the name is turned round: „Jürgen Weiß“ (its c/o line is the address
    field's, :func:`postal_lines`). A name that is an export's
    placeholder (:func:`is_name_placeholder`), as a whole or on both sides of the comma,
    is no name: "", and so is a name with no word left after its framing words,
    salutations and titles („Frau“, „Herrn“, „Familie“, „Frau Dr.“, „z. Hd. Frau“, „Herr
    und Frau“: :func:`_leading`; QA 27 F2): a letter to it greets nobody and does not reach
    the client.
    """
    from hausbesuch.care_of import own_name_and_host

    # the host a Name cell names („Weiß, Jürgen c/o Öztürk“) is no part of the client's
    # name: it stands on the c/o line (:func:`postal_lines`), and is not turned round
    text = own_name_and_host(name)[0].strip()
    if is_name_placeholder(text):
        return ""  # "-", "k. A.", "unbekannt": an export's "no name", not a name
    if text.count(",") == 1:
        last, first = (" ".join(p.split()) for p in text.split(","))
        lead, last = _leading(last, keep_last=True)
        text = " ".join(p for p in (lead, first, last) if p and not is_name_placeholder(p))
    _, rest = _leading(text, keep_last=False)
    return text if rest and not is_name_placeholder(rest) else ""


def no_name_reason(name: str) -> str:
    """Why a client gets no letter for its name (:func:`letter_name` is empty): none is
    stored, it is a placeholder of an export (quoted: a placeholder is no personal data),
    or it holds only an Anrede or a title (not quoted: „Frau“ or „Dr.“ of a client is
    personal data)."""
    text = " ".join(name.split())
    if not text.replace(",", "").strip():
        return "kein Name gespeichert"
    sides = text.split(",") if text.count(",") == 1 else [text]
    if all(is_name_placeholder(p) for p in sides):
        return (f"Name ist ein Platzhalter („{text}“), kein Name gespeichert: bitte den "
                "Namen in der Kundenliste eintragen")
    return ("Name enthält nur eine Anrede oder einen Titel (wie „Frau“, „Herrn“, "
            "„Familie“, „Dr.“), keinen Namen: bitte den Namen in der Kundenliste eintragen")


#: "und", "u." between two salutations: the word after them is no surname.
_JOINING = frozenset({"und", "u"})


def _salutation_word(token: str) -> bool:
    """Whether a word of a name as written addresses or titles its person („Frau“,
    „Herrn“, „Dr.“, „u.“: :data:`hausbesuch.namewords.SALUTATION_WORDS`)."""
    found = namewords.words(token, camel_split=False)
    return bool(found) and all(w in namewords.SALUTATION_WORDS for w in found)


def _leading(text: str, *, keep_last: bool) -> tuple[str, str]:
    """``text`` cut into its leading framing words (:data:`_FRAMING`), salutations and
    titles (:func:`_salutation_word`), with a sign between them („&“, „-“), and the rest:
    ``("z. Hd. Frau Dr.", "Öztürk")`` of „z. Hd. Frau Dr. Öztürk“, ``("Frau", "")`` of
    „Frau“. With ``keep_last`` the last word always stays in the rest. A last „Herr“
    after a salutation or title is a surname („Frau Herr“), not after „und“ („Frau und
    Herr“)."""
    head: list[str] = []
    rest = " ".join(text.split())
    while rest:
        if (m := _FRAMING.match(rest)) is not None:
            head.append(rest[:m.end()].strip())
            rest = rest[m.end():].lstrip()
            continue
        token, _, after = rest.partition(" ")
        if keep_last and not after:
            break
        found = namewords.words(token, camel_split=False)
        if found and not _salutation_word(token):
            break
        if found == ["herr"] and not after and head and _salutation_word(head[-1]) \
                and not set(namewords.words(head[-1], camel_split=False)) & _JOINING:
            break  # the surname Herr: "Frau Herr"
        head.append(token)
        rest = after
    return " ".join(head), rest


#: A framing word before the Anrede of a name stored for a Serienbrief ("z. Hd. Herrn
#: Meier", "An Frau Demir", "An die Familie Şahin"): right in the address field, not in
#: "Guten Tag …,". "An" only before an Anrede word: An is a given name too ("An Nguyen").
_FRAMING = re.compile(r"(?:an\s+(?:d(?:ie|en|er)\s+)?(?=(?:herrn?|frau|familie)\s)"
                      r"|z\.\s*hd\.?\s*|zu\s+h(?:ä|ae)nden\s+)", re.IGNORECASE)
#: A leading form of address: kept in the salutation, the accusative "Herrn" of the
#: address field as "Herr".
_ANREDE = re.compile(r"(herrn?|frau)\s+", re.IGNORECASE)
#: "Herrn und Frau Müller", "Frau u. Herrn Müller": a couple is greeted as such.
_COUPLE = re.compile(r"(herrn?|frau)\s+(?:und|u\.|&)\s+(herrn?|frau)\s+", re.IGNORECASE)


def _anrede(word: str) -> str:
    return "Frau" if word.casefold() == "frau" else "Herr"


#: The accusative of the address field, as a word of its own: "Herr" in a salutation.
_HERRN = re.compile(r"(?<![\w-])herrn(?![\w-])", re.IGNORECASE)


def salutation_name(name: str) -> str:
    """The name as the salutation and the texts write it (``{name}``): a name as
    :func:`letter_name` writes it, with a leading form of address in the nominative and
    without the framing words a Serienbrief export puts in front of it for the address
    field (An, An die, z. Hd., zu Händen): "Frau Müller" is greeted "Guten Tag Frau
    Müller,", "Herrn Dr. Max Mustermann" "Guten Tag Herr Dr. Max Mustermann,",
    "z. Hd. Herrn Meier" "Guten Tag Herr Meier,"; "Familie Şahin" stays, "Herrn und Frau
    Müller" becomes "Herr und Frau Müller". "Herrn" is "Herr" wherever it stands ("Frau
    Müller und Herrn Meier": "Frau Müller und Herr Meier"). A name that is nothing but
    such words (which gets no letter: :func:`letter_name`) keeps its words."""
    return _HERRN.sub("Herr", _salutation(name))


def _salutation(name: str) -> str:
    text = name
    while (m := _FRAMING.match(text)) is not None and text[m.end():].strip():
        text = text[m.end():].lstrip()
    if (m := _COUPLE.match(text)) is not None:
        rest = text[m.end():].strip()
        return f"{_anrede(m[1])} und {_anrede(m[2])} {rest}" if rest else name
    if (m := _ANREDE.match(text)) is not None:
        rest = text[m.end():].strip()
        if not rest or re.match(r"(?:und|u\.|&)(?:\s|$)", rest, re.IGNORECASE):
            return name
        return f"{_anrede(m[1])} {rest}"
    return text


_HEAD_TAIL = re.compile(r"^(?P<head>.+?),\s*(?P<tail>.+)$")


def postal_lines(client: Client, geocode: Geocode | None = None) -> list[str]:
    """The postal address of a client as the letter's address field shows it (no name).

    An address found in the OSM data (exact or interpolated) is written with the street
    as OSM spells it and the client's own house number (never OSM's range or list); a missing postcode or town is taken from the geocoder's match (also at street level).
    Otherwise (not found, a point set by hand, a coordinate from the list) the address as
    given (one typed in a single cell cut into lines, postcode and town last:
    :func:`_typed_lines`). A ``c/o``/``bei`` line of the address as given comes first (DIN 5008: above the
    street), and so does a bare name without such a word ("Familie Meier"), and the host a
    ``Name`` cell names after a c/o marker when the address does not name it („Jürgen Weiß
    c/o Öztürk“: :func:`hausbesuch.care_of.host_not_in`); an addition like
    a flat or "Hinterhaus" follows the street, also one that carries a name after its hint
    for the door ("Klingel Sommer", "Seitenflügel links Wohnung 12 Sommer": see
    :attr:`~geodata.addresses.ParsedAddress.letter_additions`); a country is left out
    (letters go within Germany).
    """
    from geodata.addresses import parse_address
    from hausbesuch.care_of import host_not_in

    parsed = parse_address(client.address) if client.address else None
    care_of = [x for x in parsed.letter_care_of if not _bare_marker(x)] if parsed else []
    # a host named in the Name cell only („Jürgen Weiß c/o Öztürk“): its c/o line first
    host = [x for x in [host_not_in(client.name, client.address or "")] if x]
    care_of[:0] = host
    more = list(parsed.letter_additions) if parsed else []
    street, postcode, town = postal_parts(client, geocode, parsed)
    if not street:
        if not (postcode or town):
            typed = [x for x in _typed_lines(client.address, parsed) if not _bare_marker(x)]
            if len(typed) >= 2:
                return [*host, *typed]  # as typed, c/o lines included
        parts = [p.strip() for p in client.address.split(",") if p.strip()]
        lines = [p for p in parts if p not in care_of and p not in more
                 and not _bare_marker(p)]
        street = lines[0] if lines else client.address
    street = _with_additions(street, more)
    last = " ".join(p for p in (postcode, town) if p)
    return [*care_of, street, last] if last else [*care_of, street]


#: The qualities of a geocode whose match names the street found in the OSM data.
_FOUND = frozenset({"exact", "interpolated", "street"})


def postal_parts(client: Client, geocode: Geocode | None, parsed: Any
                 ) -> tuple[str, str, str]:
    """The street line, postcode and town of a client's address, normalised as the
    letter's address field (:func:`postal_lines`) and the field pages
    (:func:`field_address`) show them: for an address found in the OSM data (exact or
    interpolated) the street as OSM spells it with the client's own house number
    (:func:`_found_street`); else the Straße and Hausnummer cells ("" without them),
    without a c/o line they hold. A postcode or town the cells leave out is the
    geocoder's match's, also at street level. ``parsed``: the client's address as
    :func:`geodata.addresses.parse_address` read it (None without one)."""
    from geodata.addresses import no_number_typed

    # a placeholder in the Hausnummer cell ("-", "o. Nr.") is no number (QA 44a F11)
    number = "" if client.housenumber and no_number_typed(client.housenumber) \
        else client.housenumber
    street = " ".join(p for p in (client.street, number) if p)
    if parsed and parsed.letter_care_of:
        # the c/o line stands above the street, once: the Straße or Hausnummer cell that
        # holds it („c/o Meier, Neumarkt“, „40 c/o Meier“) keeps the rest (QA 33b F2)
        street = _without_parts(street, parsed.letter_care_of)
    postcode, town = client.postcode or "", client.town or ""
    if pm := _PLZ_AND_TOWN.fullmatch(postcode.strip()):
        # a PLZ cell holding postcode and town („36251 Bad Hersfeld“, merged in the
        # export): the town is written once (QA 33b F4)
        postcode, town = pm[1], town or pm[2]
    if geocode is not None and geocode.quality in _FOUND and geocode.match:
        m = _HEAD_TAIL.match(geocode.match)
        head, tail = (m["head"], m["tail"]) if m else (geocode.match, "")
        tail = re.sub(r"\s*\(.*\)\s*$", "", tail)
        if geocode.quality in {"exact", "interpolated"}:
            street = _found_street(head, client, parsed)
        tm = re.match(r"^(\d{5})\s+(.*)$", tail)
        if tm:
            postcode = postcode or tm[1]
            town = town or tm[2]
        elif tail:
            town = town or tail
    return street, postcode, town


def _with_additions(street: str, more: Sequence[str]) -> str:
    """The street line with the address's additions (a flat, „Hinterhaus“) after it,
    unless it holds them already."""
    if more and not any(m in street for m in more):
        return ", ".join([street, *more])
    return street


def field_address(address: str, geocode: Geocode | None) -> str:
    """A stop's address (:attr:`~hausbesuch.plandata.PlannedStop.address`, never the
    client's name) as the field pages show it (route page, phone, print sheet, route
    map): for an address found in the OSM data (exact or interpolated) in the letter's
    form on one line (:func:`postal_parts`): its c/o line, the street as OSM spells it
    with the client's own house number, its additions (a flat, „Hinterhaus“), and the
    postcode and town typed, or the geocoder's where the address leaves them out
    („sankt-salvator-weg 9“: „Sankt-Salvator-Weg 9, 91207 Lauf a.d.Pegnitz“). Found only
    at street level: as typed, with the geocoder's „PLZ Ort“ after it when the address
    has neither. Otherwise (not found, found in doubt: the street may be another one, a
    point set by hand, a coordinate of the list) as typed; and as typed when the match
    names another street or house number than the address (:func:`_match_names_typed`:
    a stop kept from before a re-plan that found the client's new address, review 39
    #2). A host of the Name cell is not added (the stop's address holds it when it is to
    be shown: :func:`hausbesuch.care_of.without_own_name`)."""
    from geodata.addresses import without_number_placeholder
    from hausbesuch.plandata import address_in_doubt

    address = without_number_placeholder(address)  # "Am Markt -": no number (QA 44a F11)
    if geocode is None or geocode.quality not in _FOUND or not geocode.match \
            or address_in_doubt(geocode) or not address.strip():
        return address
    from geodata.addresses import parse_address

    parsed = parse_address(address)
    if not _match_names_typed(geocode.match, parsed):
        return address
    typed = Client(row=0, id=geocode.client_id, address=address,
                   postcode=parsed.postcode or None, town=parsed.shown_town or None)
    street, postcode, town = postal_parts(typed, geocode, parsed)
    last = " ".join(p for p in (postcode, town) if p)
    if not street:  # street level: the street as typed
        return address if parsed.postcode or parsed.town or not last else f"{address}, {last}"
    care_of = [x for x in parsed.letter_care_of if not _bare_marker(x)]
    street = _with_additions(street, list(parsed.letter_additions))
    return ", ".join(p for p in (*care_of, street, last) if p)


def _match_names_typed(match: str, parsed: Any) -> bool:
    """Whether the geocoder's ``match`` (``"Breitenstraße 20, 36251 Bad Hersfeld"``) names
    the street of the address ``parsed`` by the geocoder's own rules
    (:func:`geodata.geocode.names_street`: the same street, a typing error it takes for
    it, a short form) and, where it has one, its house number: one the match's covers
    (its range or list:
    ``expand_housenumber``). Not so for a geocode that is not the address's: a plan keeps
    one per client, and a re-plan replaces it for a client who moved while a stop kept
    from before still carries the old address (review 39 #2); nor for a plan stored
    before the doubt verdict whose match is a street only similar to the one typed."""
    from geodata.addresses import expand_housenumber, parse_address
    from geodata.geocode import names_street

    m = _HEAD_TAIL.match(match)
    found = parse_address(m["head"] if m else match)
    if not names_street(parsed.street, found.street):
        return False
    if not found.housenumber:
        return True  # street level: the number is the address's own
    key, more = expand_housenumber(found.housenumber)
    return parsed.number_key in (key, *more)


#: A postcode cell that holds the town too: ``36251 Bad Hersfeld``, ``D-36251 Bad Hersfeld``.
_PLZ_AND_TOWN = re.compile(r"(?:D\s*-\s*)?(\d{5})\s+(\S.*)")


def _without_parts(line: str, parts: Iterable[str]) -> str:
    """``line`` without these parts of it, its comma-separated pieces kept apart and its
    spaces tidied: ``"c/o Meier, Neumarkt 40"`` without ``"c/o Meier"`` is
    ``"Neumarkt 40"``, ``"Neumarkt 40 c/o Meier"`` too. A part not in ``line`` leaves it
    as it is."""
    pats = [r"\s+".join(re.escape(w) for w in part.split()) for part in parts if part.split()]
    pieces = []
    for piece in re.split(r"\s*[,;]\s*", line):
        for pat in pats:
            piece = re.sub(rf"(?:^|(?<=\s)){pat}(?=$|\s)", " ", piece, flags=re.IGNORECASE)
        if piece := " ".join(piece.split()):
            pieces.append(piece)
    return ", ".join(pieces)


def _bare_marker(line: str) -> bool:
    """Whether a c/o line is a marker without a name („c/o“, „bei“, „z. Hd.“, „c/o -“): it
    names nobody to hand the letter to, and an address line of its own only puzzles the
    post (QA 27 F3)."""
    from geodata.addresses import care_of_marker

    m = care_of_marker(line.strip())
    return m is not None and not re.search(r"[^\W\d_]", line.strip()[m.end():])


#: Where a one-cell address is cut into lines: a comma, a semicolon, a dash between
#: spaces, and before a postcode after a space („Am Markt 5 36251 Bad Hersfeld“).
_TYPED_CUT = re.compile(r"\s*[,;]\s*|\s+[-–]\s+|\s+(?=(?:D\s*-\s*)?\d{5}\s+\S)")


def _typed_lines(address: str, parsed: Any) -> list[str]:
    """The lines of an address as typed in one cell (not found in the map data, or
    placed by hand): its parts in the order typed, without a country, and the part with
    the postcode and town last as „PLZ Ort“ where the parser found both in the cell
    (also without a comma before the postcode, or typed first: „36251 Bad Hersfeld,
    Am Markt 5“; „D-36251“ as „36251“)."""
    from geodata.addresses import _COUNTRY_RE

    parts = [p for p in _TYPED_CUT.split(address or "") if p and not _COUNTRY_RE.match(p)]
    if parsed is None or not (parsed.postcode and parsed.town):
        return parts
    for i, part in enumerate(parts):
        m = re.fullmatch(rf"(?:D\s*-\s*)?{parsed.postcode}\s+(\S.*)", part)
        if m:
            return [*parts[:i], *parts[i + 1:], f"{parsed.postcode} {m[1]}"]
    return parts


def missing_postal(client: Client, lines: Sequence[str]) -> str:
    """Why the address field ``lines`` of ``client`` cannot be delivered, in German (the
    reason a letter is not written), or "" when its last line is „PLZ Ort“: what the
    address lacks (postcode, town or both, as the list's columns and the address cell
    give them)."""
    if complete_address(lines):
        return ""
    from geodata.addresses import parse_address

    parsed = parse_address(client.address) if client.address else None
    missing = [what for what, have in (
        ("Postleitzahl", client.postcode or (parsed.postcode if parsed else "")),
        ("Ort", client.town or (parsed.town if parsed else ""))) if not have]
    if missing:
        return f"Anschrift ohne {' und '.join(missing)}: bitte die Adresse ergänzen"
    return ("Anschrift ohne eine Zeile „Postleitzahl Ort“ (wie „36251 Bad Hersfeld“): "
            "bitte die Adresse prüfen")


def _address_doubt(client: Client, geocode: Geocode | None) -> str:
    """Why a letter's address may not reach the client, in German, or "": no house
    number, found only at street level (the number is not in the map data), or found
    with the geocoder's note (a street name only similar, a town or postcode that does
    not fit). A point set by hand or a coordinate of the list says nothing about it."""
    from geodata.addresses import parse_address

    number = client.housenumber or (parse_address(client.address).housenumber
                                     if client.address else "")
    if not number:
        return "keine Hausnummer"
    if geocode is None:
        return ""
    if geocode.quality == "street" and geocode.doubt and geocode.reason:
        # the street itself is a guess, not only the number missing (QA 25 F6)
        return f"unsicher gefunden, nur auf Straßenebene ({geocode.reason.rstrip('.')})"
    if geocode.quality == "street":
        return "Hausnummer nicht in den Kartendaten (nur auf Straßenebene gefunden)"
    if geocode.doubt is not None:  # the one verdict of every view (plandata)
        from hausbesuch.plandata import address_in_doubt

        return (f"unsicher gefunden ({geocode.reason.rstrip('.')})"
                if address_in_doubt(geocode) and geocode.reason else "")
    # a plan stored before the verdict was kept: judged by the note's words, as then
    if geocode.quality == "exact" and geocode.reason or geocode.quality == "interpolated" \
            and any(w in geocode.reason for w in _DOUBT_WORDS):
        return f"unsicher gefunden ({geocode.reason.rstrip('.')})"
    return ""


#: Words of the geocoder's notes that put a match in doubt (an interpolated number always
#: carries a note saying how it was placed, which is no doubt about the address).
_DOUBT_WORDS = ("passt nicht", "unscharf", "widersprechen", "weicht ab", "vor dem")


def _found_street(head: str, client: Client, parsed: Any) -> str:
    """The street line of an address found in the OSM data: :func:`with_own_number` of
    the match's ``head`` (``"Bierweg 2-6"``) and the client's house number as the parser
    read it from the address (``"8"`` of ``"8 Hinterhaus"``: the addition follows the
    street on its own); a Hausnummer cell only when it is a plain number. The number is
    always the client's, normalised, also where OSM names the same one otherwise."""
    from geodata.addresses import housenumber_key, with_own_number

    number = parsed.housenumber if parsed and parsed.housenumber else ""
    if not number and client.housenumber and _PLAIN_NUMBER.fullmatch(client.housenumber):
        number = housenumber_key(client.housenumber)
    return with_own_number(head, number, always=True)  # "2a", never OSM's "2 a"


#: A house number without an addition: ``8``, ``6 a``, ``12-14``, ``3-5a``.
_PLAIN_NUMBER = re.compile(r"\s*\d+\s*[a-zA-Z]?(?:\s*[-/]\s*\d+\s*[a-zA-Z]?)?\s*")


def complete_address(lines: Sequence[str]) -> bool:
    """Has the address field a last line with a postcode and a town (``36251 Bad
    Hersfeld``)? Without one the post cannot deliver the letter."""
    return bool(lines) and re.fullmatch(r"\d{5}\s+\S.*", lines[-1]) is not None


def _fmt_time(t: datetime) -> str:
    return f"{t.hour:02d}:{t.minute:02d}"


def _window_words(window: tuple[datetime, datetime]) -> str:
    """``Mo, 07.12.2026, 10:00–12:00 Uhr``: a promised window in a note."""
    return (f"{format_day(window[0].date())}, "
            f"{_fmt_time(window[0])}–{_fmt_time(window[1])} Uhr")


def letter_fields(
    settings: LetterSettings, announcement: Announcement, *, name: str, sender: str
) -> dict[str, str]:
    """The values of the placeholders (:data:`hausbesuch.config.LETTER_PLACEHOLDERS`)."""
    d, (a, b) = announcement.day, announcement.window
    return {
        "name": salutation_name(name),
        "kundennummer": announcement.client_id,
        "wochentag": WEEKDAYS_LONG[d.weekday()],
        "datum": d.strftime("%d.%m.%Y"),
        "datum_lang": f"{d.day}. {MONTHS[d.month - 1]} {d.year}",
        "von": _fmt_time(a),
        "bis": _fmt_time(b),
        "wer_kommt": who_comes(announcement.visitors),
        "absender": sender,
        "ansprechpartner": settings.ansprechpartner,
        "telefon": settings.telefon,
        "telefonzeiten": settings.telefonzeiten,
        "email": settings.email,
        "angekuendigt_am": when.strftime("%d.%m.%Y")
        if (when := announcement.announced_on or announcement.earlier_letter) else "",
    }


_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)


def _paragraphs(template: str, values: dict[str, str]) -> list[list[dict[str, Any]]]:
    """Split a text template into paragraphs of (text, bold) segments, then fill it in
    (:func:`_filled`: the ranges of the phone hours are segments of their own, marked
    ``keep``).

    ``**`` is read in the template only, before the values are filled in: a value can
    never switch bold on or off.
    """
    out = []
    for para in re.split(r"\n\s*\n", template.strip()):
        para = " ".join(para.split())
        segs, pos = [], 0
        for m in _BOLD.finditer(para):
            if m.start() > pos:
                segs.append((para[pos:m.start()], False))
            segs.append((m[1], True))
            pos = m.end()
        if pos < len(para):
            segs.append((para[pos:], False))
        out.append([piece for t, bold in segs for piece in _filled(t, values, bold)])
    return out


#: A range of the phone hours („Mo–Fr“, „8–12 Uhr“, „8:30 - 12 Uhr“) or „12 Uhr“
_RANGE = re.compile(r"[^\s–—-]+\s*[–—-]\s*[^\s–—-]+(?:\s+Uhr\b)?|\d[\d:.]*\s+Uhr\b")
#: ``{telefonzeiten}`` in a text (not ``{{telefonzeiten}}``, which prints the braces)
_PHONE_HOURS = re.compile(r"(?<!\{)(\{telefonzeiten\})(?!\})")


def _filled(text: str, values: dict[str, str], bold: bool) -> list[dict[str, Any]]:
    """A segment of a text template filled in, as segments: the value of
    ``{telefonzeiten}`` in pieces whose ranges are marked ``keep`` (the template sets
    them in a box: no line break inside „8–12 Uhr“, QA 44b F7: „(Mo–Fr 8–“ / „12 Uhr)“)."""
    out: list[dict[str, Any]] = []
    for i, part in enumerate(_PHONE_HOURS.split(text)):
        if i % 2 == 0:
            if part:
                out.append({"text": part.format_map(values), "bold": bold})
            continue
        value, pos = values["telefonzeiten"], 0
        for m in _RANGE.finditer(value):
            if m.start() > pos:
                out.append({"text": value[pos:m.start()], "bold": bold})
            out.append({"text": m[0], "bold": bold, "keep": True})
            pos = m.end()
        if pos < len(value):
            out.append({"text": value[pos:], "bold": bold})
    return out


def _sender(profile: Profile) -> dict[str, Any]:
    s = profile.brief
    name = s.absender or profile.depot.name
    lines = list(s.anschrift) or [p.strip() for p in profile.depot.address.split(",")]
    head = [s.abteilung] if s.abteilung else []
    return {
        "name": name,
        "lines": head + lines,
        "return_line": s.ruecksendeangabe or " · ".join([name, *lines]),
    }


#: A word longer than this gets break opportunities (zero-width spaces) every so many
#: characters: a name of 80 letters without a space ran across the information block.
LONG_WORD = 28


def breakable(text: str) -> str:
    """``text`` with a zero-width space after every :data:`LONG_WORD` characters of a run
    of letters without a space, hyphen or slash (where the typesetter may break anyway)
    that is longer, so that it is broken instead of running out of its field; the rest
    is unchanged."""
    return re.sub(rf"[^\s/-]{{{LONG_WORD + 1},}}",
                  lambda m: "\u200b".join(m[0][i:i + LONG_WORD]
                                           for i in range(0, len(m[0]), LONG_WORD)), text)


#: What the template says when even 8 pt does not keep the recipient inside the window.
_TOO_LONG = "hausbesuch:anschrift-zu-lang"


class AddressTooLong(LetterError):
    """The recipient does not fit the envelope's window (names the client's reason)."""


def text_setting(profile: Profile, announcement: Announcement) -> str:
    """The setting of ``[brief]`` whose text a letter carries: ``absage_text`` (the case
    is no longer open), ``korrektur_text`` (a promise the plan does not keep),
    ``folge_text`` (a follow-up, :func:`follow_ups`; where the profile's would print
    an empty date, the built-in one, :func:`follow_up_text`) or ``text``."""
    if announcement.case_status:
        return "absage_text"
    if announcement.announced_on is not None:
        return "korrektur_text"
    return "folge_text" if announcement.follow_up else "text"


def letter_content(
    profile: Profile,
    announcement: Announcement,
    *,
    name: str,
    address: list[str],
    letter_date: date,
) -> dict[str, Any]:
    s = profile.brief
    sender = _sender(profile)
    values = letter_fields(s, announcement, name=name, sender=sender["name"])
    correction = announcement.announced_on is not None
    follow = text_setting(profile, announcement) == "folge_text"
    # the profile's follow-up texts, or (their date would print empty) the built-in ones
    folge_betreff, folge_text = ((s.folge_betreff, s.folge_text)
                                 if follow_up_text(profile, announcement)
                                 else (DEFAULT_FOLLOW_UP_SUBJECT, DEFAULT_FOLLOW_UP_TEXT))
    info = [["Kundennummer", announcement.client_id],
            ["Ansprechperson", s.ansprechpartner],
            ["Telefon", s.telefon]]
    if s.telefonzeiten:
        info.append(["Telefonzeiten", s.telefonzeiten])
    if s.email:
        info.append(["E-Mail", s.email])
    info.append(["Datum", letter_date.strftime("%d.%m.%Y")])
    return {
        # the follow-on pages' head (DIN 5008): the case id and the letter's date
        "client_id": announcement.client_id,
        "dated": letter_date.strftime("%d.%m.%Y"),
        "recipient": [breakable(x) for x in (name, *address)],
        "remarks": [],
        "info": [[k, breakable(v)] for k, v in info],
        "subject": (s.absage_betreff if announcement.case_status
                    else s.korrektur_betreff if correction
                    else folge_betreff if follow else s.betreff).format_map(values),
        "salutation": breakable(s.anrede.format_map(values)),
        "paragraphs": _paragraphs({"absage_text": s.absage_text,
                                   "korrektur_text": s.korrektur_text,
                                   "folge_text": folge_text, "text": s.text}[
                                      text_setting(profile, announcement)], values),
        "closing": s.gruss,
        "signature": list(s.unterschrift),
        "footnote": s.fusszeile,
    }


# --------------------------------------------------------------------------- PDF


def render_pdf(
    profile: Profile,
    letters: Sequence[dict[str, Any]],
    *,
    title: str,
    logo: Path | None = None,
    created: datetime | None = None,
) -> bytes:
    """Typeset letters (each from :func:`letter_content`) into one PDF, one letter per page.

    ``created`` is the PDF's creation date (default: now); the same inputs give the same
    bytes. A sender that does not fit the letterhead or the return line is refused
    (:class:`SenderTooLong`), a recipient that fits the window in no size too
    (:class:`AddressTooLong`); see :func:`render_letters`.
    """
    return render_letters(profile, letters, title=title, logo=logo, created=created)[0]


@dataclass(frozen=True)
class RecipientFit:
    """How the template set a letter's recipient: the size in pt, and the address lines
    (0: the name) that are wider than the window even at the smallest size (8 pt) and
    wrap; every other line is whole. ``pages``: the pages the whole letter takes (more
    than one: its text is too long for one page, :func:`long_lines`)."""

    size: float
    wrapped: tuple[int, ...] = ()
    pages: int = 1


class SenderTooLong(LetterError):
    """The profile's sender does not fit the letterhead, its return address not on one
    line of the address field, or a line of its signature not on one line of the text
    (names the profile's settings)."""


def _sender_refusal(profile: Profile, fit: dict[str, Any]) -> str | None:
    """Why the profile's sender cannot be printed as DIN 5008 wants it (German, naming the
    settings of ``[brief]``), or None. ``fit``: the template's sender fit."""
    sender = _sender(profile)
    if not fit.get("return_line", True):
        which = ("die ruecksendeangabe kürzen" if profile.brief.ruecksendeangabe
                 else "eine kürzere ruecksendeangabe eintragen (sie ersetzt die aus "
                      "absender und anschrift gebildete), z. B. nur Name, Straße und Ort")
        return (f"Profil {profile.slug}: die Rücksendeangabe „{sender['return_line']}“ passt "
                "auch in 6 pt nicht auf eine Zeile über der Anschrift (80 mm, DIN 5008); sie "
                f"würde umbrochen. Bitte in [brief] {which}, oder absender und anschrift "
                "kürzen.")
    if not fit.get("signature", True):
        longest = max(profile.brief.unterschrift, key=len)
        shown = longest if len(longest) <= 60 else longest[:60].rstrip() + " …"
        return (f"Profil {profile.slug}: eine Zeile von [brief] unterschrift („{shown}“) ist "
                "breiter als der Text des Briefs (165 mm) und würde umbrochen gedruckt. Bitte "
                "kürzen oder auf mehrere Zeilen verteilen, z. B. unterschrift = "
                "[\"Ihr Team der Aufsuchenden Beratung\", \"Jobcenter Musterstadt\"].")
    if not fit.get("letterhead", True):
        lines = 1 + len(sender["lines"])
        return (f"Profil {profile.slug}: der Absender im Briefkopf (absender, abteilung und "
                f"anschrift in [brief], {lines} Zeilen) passt auch in 8 pt nicht in seinen "
                "Platz (75 × 22 mm); der Briefkopf würde abgeschnitten, zuerst Postleitzahl "
                "und Ort. Bitte die Zeilen kürzen oder weniger angeben (die Abteilung steht "
                "auch im Text; ruecksendeangabe ändert nur die Zeile über der Anschrift).")
    return None


def render_letters(
    profile: Profile,
    letters: Sequence[dict[str, Any]],
    *,
    title: str,
    logo: Path | None = None,
    created: datetime | None = None,
) -> tuple[bytes, list[RecipientFit]]:
    """:func:`render_pdf`, and how each letter's recipient was set (:class:`RecipientFit`,
    in order): the template chooses the largest size that keeps every address line whole
    inside the window and reports it (``metadata`` labelled ``<hausbesuch-fit>``, read
    back with a query of the same compilation).

    Raises :class:`SenderTooLong` when the sender does not fit the letterhead (it would be
    clipped), the return address not on one line even in 6 pt or a line of ``[brief]
    unterschrift`` not on one line of the text (it would wrap): nothing of the profile's
    sender is printed cut or wrapped without a word.
    """
    import typst

    data: dict[str, Any] = {"sender": _sender(profile), "letters": list(letters),
                            "title": title, "font": FONT}
    with tempfile.TemporaryDirectory(prefix="hausbesuch-brief-") as tmp:
        src = Path(tmp) / "letter.typ"
        shutil.copyfile(TEMPLATE, src)
        if logo is not None:
            target = Path(tmp) / f"logo{logo.suffix.lower()}"
            shutil.copyfile(logo, target)
            data["logo"] = target.name
        try:
            stamp = int((created or clock.now()).replace(tzinfo=clock.ZONE).timestamp())
            compiler = typst.Compiler(str(src), root=tmp, ignore_system_fonts=True,
                                      sys_inputs={"data": json.dumps(data)})
            pdf = compiler.compile(timestamp=stamp)
            fits = [f["value"] for f in json.loads(compiler.query("<hausbesuch-fit>"))]
        except typst.TypstError as exc:  # a bad logo file, typically
            if _TOO_LONG in str(exc):
                raise AddressTooLong(
                    "Anschrift passt nicht in das Sichtfenster des Umschlags (auch in 8 pt "
                    "mehr als 26,3 mm hoch): bitte Name oder Zusätze kürzen") from None
            raise LetterError(f"Brief kann nicht gesetzt werden: {exc}") from None
    for fit in fits:
        if fit.get("part") == "sender" and (why := _sender_refusal(profile, fit)):
            raise SenderTooLong(why)
    pages = [int(f["pages"]) for f in fits if f.get("part") == "pages"]
    recipients = [RecipientFit(float(f["size"]), tuple(f.get("wrapped") or ()), n)
                  for f, n in zip((f for f in fits if f.get("part") == "recipient"), pages,
                                  strict=False)]
    if not isinstance(pdf, bytes) or not (  # pragma: no cover
            len(recipients) == len(pages) == len(letters)):
        raise LetterError("Brief kann nicht gesetzt werden: Satz unvollständig, bitte melden.")
    return pdf, recipients


#: A one-character page per probed character, in the letter's font (with Typst's
#: fallback to the other fonts inside the ``typst`` package, as in the letter).
_PROBE = """\
#let cs = json(bytes(sys.inputs.chars))
#set page(width: 8mm, height: 8mm, margin: 1mm)
#set text(font: sys.inputs.font, size: 11pt)
#for (i, c) in cs.enumerate() { if i > 0 { pagebreak() }; c }
"""
#: A character no font has (private use, plane 16): it shows the empty box.
_NO_GLYPH = "\U0010fffd"
#: Character -> whether the letter can show it (filled by :func:`_probe_glyphs`).
_SHOWN: dict[str, bool] = {}


def _probe_glyphs(chars: Sequence[str]) -> dict[str, bool]:
    """Whether the letter's font shows each character: Typst sets each on a page of its
    own (PNG), and a page that looks like the page of a character no font has shows the
    empty box (``.notdef``).

    The fonts are compiled into the ``typst`` package (no font file whose character map
    could be read), so this asks Typst itself, with the same fonts and fallback as the
    letter. Should a Typst set nothing for a missing glyph (the empty box's page blank),
    nothing can be told apart and every character counts as shown."""
    import typst

    probe = [_NO_GLYPH, " ", *chars]
    pages = typst.compile(_PROBE.encode(), format="png", ppi=72, ignore_system_fonts=True,
                          sys_inputs={"chars": json.dumps(probe), "font": FONT})
    if not isinstance(pages, list) or len(pages) != len(probe):  # pragma: no cover
        raise LetterError("Zeichenprüfung der Briefschrift fehlgeschlagen: bitte melden.")
    box, blank = pages[0], pages[1]
    return {ch: box == blank or page != box for ch, page in zip(chars, pages[2:], strict=True)}


def missing_glyphs(text: str) -> list[str]:
    """The characters of ``text`` that the letter cannot show (no font inside the ``typst``
    package has them: they would print as empty boxes), in order of first appearance.

    ASCII, spaces and invisible format characters are always fine; every other character
    is typeset once per process (:func:`_probe_glyphs`) and remembered."""
    import unicodedata

    chars = [ch for ch in dict.fromkeys(text)
             if not (" " < ch < "\x7f" or ch.isspace()
                     or unicodedata.category(ch) in {"Cc", "Cf"})]
    if unknown := [ch for ch in chars if ch not in _SHOWN]:
        _SHOWN.update(_probe_glyphs(unknown))
    return [ch for ch in chars if not _SHOWN[ch]]


def _scripts(chars: Sequence[str]) -> list[str]:
    """The scripts of the missing letters, without the characters themselves (they may be
    a name, and a Unicode name like ``HANGUL SYLLABLE GIM`` would spell it): the first word
    of the Unicode name of each letter (``CJK``, ``HANGUL``), in order; characters that are
    no letters (an emoji, a symbol) have no script and are left out."""
    import unicodedata

    kinds = []
    for ch in chars:
        name = unicodedata.name(ch, "")
        if name and unicodedata.category(ch)[0] in "LM":
            kinds.append(name.split()[0])
    return list(dict.fromkeys(kinds))


#: German names of scripts (the first word of a letter's Unicode name): nominative and
#: genitive, and a common letter of the script. When that letter prints, the script is
#: one the letter writes and only a rare sign of it is missing (an Arabic ligature).
_SCRIPT_DE: dict[str, tuple[str, str, str]] = {
    "ARABIC": ("arabische Schrift", "arabischen Schrift", "\u0628"),
    "CJK": ("chinesische/japanische Schrift", "chinesischen/japanischen Schrift", "\u4e00"),
    "HANGUL": ("koreanische Schrift", "koreanischen Schrift", "\uac00"),
    "HIRAGANA": ("japanische Schrift", "japanischen Schrift", "\u3042"),
    "KATAKANA": ("japanische Schrift", "japanischen Schrift", "\u30a2"),
    "HEBREW": ("hebräische Schrift", "hebräischen Schrift", "\u05d0"),
    "GREEK": ("griechische Schrift", "griechischen Schrift", "\u03b1"),
    "CYRILLIC": ("kyrillische Schrift", "kyrillischen Schrift", "\u0430"),
    "LATIN": ("lateinische Schrift", "lateinischen Schrift", "a"),
    "THAI": ("thailändische Schrift", "thailändischen Schrift", "\u0e01"),
    "GEORGIAN": ("georgische Schrift", "georgischen Schrift", "\u10d0"),
    "ARMENIAN": ("armenische Schrift", "armenischen Schrift", "\u0561"),
    "ETHIOPIC": ("äthiopische Schrift", "äthiopischen Schrift", "\u1200"),
    "DEVANAGARI": ("Devanagari-Schrift", "Devanagari-Schrift", "\u0905"),
    "BENGALI": ("bengalische Schrift", "bengalischen Schrift", "\u0985"),
    "TAMIL": ("tamilische Schrift", "tamilischen Schrift", "\u0b85"),
    "SYRIAC": ("syrische Schrift", "syrischen Schrift", "\u0710"),
    "TIBETAN": ("tibetische Schrift", "tibetischen Schrift", "\u0f40"),
}


def _and(words: Sequence[str]) -> str:
    words = list(dict.fromkeys(words))
    return ", ".join(words[:-1]) + " und " + words[-1] if len(words) > 1 else words[0]


def unprintable_reason(name: str, address: Sequence[str]) -> str | None:
    """Why a letter cannot be written for this recipient because of its characters (German,
    without the characters themselves), or None when the letter's font shows all.

    Letters of a script the fonts lack (Chinese, Korean) are to be entered in Latin
    script; a rare sign of a script the letter prints (an Arabic ligature) is to be
    written out or replaced, named by its script only (it may be a letter of a name); other
    characters (an emoji, a symbol) have no script and are to be removed. Scripts are
    named in German (:data:`_SCRIPT_DE`), an unknown one not at all."""
    import unicodedata

    in_name, in_address = missing_glyphs(name), missing_glyphs("\n".join(address))
    if not in_name and not in_address:
        return None
    where = ("Name und Anschrift enthalten" if in_name and in_address
             else "Name enthält" if in_name else "Anschrift enthält")
    chars = list(dict.fromkeys(in_name + in_address))
    scripts = _scripts(chars)
    symbols = any(unicodedata.category(ch)[0] not in "LM" for ch in chars)
    if scripts and all(w in _SCRIPT_DE for w in scripts):
        missing_glyphs("".join(_SCRIPT_DE[w][2] for w in scripts))  # probe the samples
        if all(_SHOWN.get(_SCRIPT_DE[w][2], True) for w in scripts):
            # the script prints: only some rare signs of it are missing
            # not named by code point: a rare letter may be a letter of the name
            signs = [ch for ch in chars if unicodedata.category(ch)[0] in "LM"]
            what = _and([_SCRIPT_DE[w][1] for w in scripts])
            count = (f"ein seltenes Zeichen der {what}, das" if len(signs) == 1
                     else f"{len(signs)} seltene Zeichen der {what}, die")
            more = (" und Sonderzeichen (z. B. Emoji), die der Brief nicht drucken kann"
                    if symbols else "")
            return (f"{where} {count} die Briefschrift nicht darstellen kann{more}: "
                    "bitte ausschreiben oder ersetzen" + (" und die Sonderzeichen entfernen"
                                                         if symbols else ""))
    named = _and([_SCRIPT_DE[w][0] for w in scripts if w in _SCRIPT_DE]) \
        if any(w in _SCRIPT_DE for w in scripts) else ""
    count = ("ein Zeichen, das" if len(chars) == 1
             else f"{len(chars)} verschiedene Zeichen, die")
    if scripts and symbols:
        inner = f"{named}; dazu Sonderzeichen, z. B. Emoji" if named else \
            "dazu Sonderzeichen, z. B. Emoji"
        return (f"{where} {count} der Brief nicht drucken kann ({inner}): bitte in "
                "lateinischer Schrift erfassen und die Sonderzeichen entfernen")
    if scripts:
        return (f"{where} {count} die Briefschrift nicht darstellen kann"
                + (f" ({named})" if named else "") + ": bitte in lateinischer Schrift erfassen")
    return f"{where} {count} der Brief nicht drucken kann (z. B. Emoji): bitte entfernen"


def _logo(profile: Profile) -> tuple[Path | None, str | None]:
    """The profile's logo file (None without one) and the German warning of
    :func:`_check_logo` (None when it keeps letters small); a logo that cannot be used is
    refused (:class:`LetterError`)."""
    if not profile.brief.logo:
        return None, None
    found = resolve_data_file(profile, profile.brief.logo)
    if found is None:
        raise LetterError(f"Profil {profile.slug}: [brief] logo nicht gefunden: {profile.brief.logo}")
    if found.suffix.lower() not in {".png", ".jpg", ".jpeg", ".svg", ".gif"}:
        raise LetterError(f"Profil {profile.slug}: [brief] logo muss PNG, JPEG, GIF oder SVG sein.")
    return found, _check_logo(profile, found)


#: What one letter's PDF should stay under (README, section Performance: „target < 100 KB“).
LETTER_PDF_TARGET_BYTES = 100 * 1024
#: A letter's PDF without a logo (about 24 KB, fonts included) and some room.
_LETTER_WITHOUT_LOGO_BYTES = 30 * 1024
#: Most bytes a logo should add to every letter's PDF (Typst embeds the whole image,
#: whatever size it is printed at): the rest of :data:`LETTER_PDF_TARGET_BYTES`. A larger
#: one is warned about, not refused (:func:`_check_logo`).
MAX_LOGO_PDF_BYTES = LETTER_PDF_TARGET_BYTES - _LETTER_WITHOUT_LOGO_BYTES
#: Most pixels of a raster logo, checked from the file's header before it is decoded (a
#: 20,000 × 20,000 PNG of 1 MB decodes to 1.6 GB). The letterhead prints it at most
#: 75 × 13 mm: about 1,800 × 300 pixels at 600 dpi.
MAX_LOGO_PIXELS = 2_000 * 2_000


def _raster_size(data: bytes, suffix: str) -> tuple[int, int] | None:
    """(width, height) in pixels from a PNG's, GIF's or JPEG's header; None when the header
    does not say (Typst then refuses the file as unreadable)."""
    import struct

    if suffix == ".png" and data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        w, h = struct.unpack(">II", data[16:24])
        return w, h
    if suffix == ".gif" and data[:4] == b"GIF8" and len(data) >= 10:
        w, h = struct.unpack("<HH", data[6:10])
        return w, h
    if suffix in (".jpg", ".jpeg") and data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            if marker == 0xFF:  # fill byte
                i += 1
                continue
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a frame
                h, w = struct.unpack(">HH", data[i + 5:i + 9])
                return w, h
            i += 2 + struct.unpack(">H", data[i + 2:i + 4])[0]
    return None


def _check_logo(profile: Profile, found: Path) -> str | None:
    """Refuse a logo that Typst cannot read (not the image its suffix says, broken, an SVG
    with an entity loop) before any letter is written: in German, naming the field and the
    file (Typst's own message is English and names neither). So is one of more than
    :data:`MAX_LOGO_PIXELS` pixels, by its header before it is decoded (QA 34a F5: a
    20,000 × 20,000 PNG made 1.2 MB letters and took 1.5 GB of memory). A logo that would
    make every letter's PDF larger than :data:`LETTER_PDF_TARGET_BYTES` (a PDF that holds
    it alone is larger than :data:`MAX_LOGO_PDF_BYTES`) is used: the German warning
    returned says so and how to shrink it (None for a logo that keeps letters small)."""
    import typst

    suffix = found.suffix.lower()
    named = f"Profil {profile.slug}: [brief] logo „{profile.brief.logo}“"
    bad = f"{named} ist kein lesbares {suffix.lstrip('.').upper().replace('JPG', 'JPEG')}-Bild"
    smaller = ("bitte das Bild verkleinern (im Briefkopf ist es höchstens 75 × 13 mm groß; "
               "dafür reichen etwa 1.800 × 300 Pixel) und als PNG oder JPEG speichern")
    with tempfile.TemporaryDirectory(prefix="hausbesuch-logo-") as tmp:
        try:
            shutil.copyfile(found, Path(tmp) / f"logo{suffix}")
            with open(found, "rb") as fh:
                head = fh.read(1 << 20)
        except OSError as exc:
            raise LetterError(f"{bad} (nicht lesbar: {exc.strerror or exc})") from None
        size = _raster_size(head, suffix)
        if size is not None and size[0] * size[1] > MAX_LOGO_PIXELS:
            raise LetterError(f"{named} hat {size[0]} × {size[1]} Pixel, höchstens "
                              f"{MAX_LOGO_PIXELS // 1_000_000} Millionen sind erlaubt: jeder "
                              "Brief würde damit zu groß und das Setzen bräuchte viel "
                              f"Arbeitsspeicher; {smaller}.")
        src = Path(tmp) / "probe.typ"
        src.write_text(f'#image("logo{suffix}", width: 2cm)\n', encoding="utf-8")
        try:
            probe = typst.compile(str(src), root=tmp, ignore_system_fonts=True)
        except typst.TypstError:
            raise LetterError(f"{bad} (Datei beschädigt oder in einem anderen Format): bitte "
                              "die Datei prüfen oder neu speichern") from None
    if probe is not None and len(probe) > MAX_LOGO_PDF_BYTES:
        return (f"{named} macht jeden Brief um etwa {len(probe) // 1024} KB größer: die PDFs "
                f"werden größer als die angestrebten {LETTER_PDF_TARGET_BYTES // 1024} KB je "
                f"Brief (das Logo sollte höchstens {MAX_LOGO_PDF_BYTES // 1024} KB dazutun). "
                f"Die Briefe sind trotzdem geschrieben; für kleinere Briefe {smaller}.")
    return None


# --------------------------------------------------------------------------- files


def check_out_dir(out: Path) -> Path:
    """Refuse a plan's output folder (or a folder inside one) as the letters' folder."""
    from hausbesuch.planfolder import plan_folder_around, refuse_working_folder

    try:
        refuse_working_folder(out)
    except UserError as exc:
        raise LetterError(str(exc)) from None
    resolved = out.expanduser().resolve()
    if (p := plan_folder_around(resolved)) is not None:
        raise LetterError(
            f"--out {out}: das ist ein Plan-Ausgabeordner oder liegt in einem ({p}). Briefe "
            "enthalten Namen und Anschriften und gehören in einen eigenen Ordner."
        )
    if resolved.exists() and not resolved.is_dir():
        raise LetterError(f"--out {out}: ist eine Datei, kein Ordner.")
    return resolved


#: Marks a folder as a letters folder of ours: JSON with the plan id, the kind of letters
#: (``brief`` or ``korrektur``), whether the run was a selection (``--clients``) and the
#: files the run wrote.
LETTERS_MARKER = ".hausbesuch-briefe.json"
#: What a letter run writes (file names carry case and team ids only); the hidden
#: ``.….pdf.tmp`` is a file being written when a run was killed (before the folder swap).
_WRITTEN = re.compile(r"^(?:sammel_)?(?:brief|korrektur)_[A-Za-z0-9._-]+\.pdf$")
_WRITING = re.compile(r"^\.(?:sammel_)?(?:brief|korrektur)_[A-Za-z0-9._-]+\.pdf\.tmp$")
_ONE_LETTER = re.compile(r"^(?:brief|korrektur)_[A-Za-z0-9._-]+\.pdf$")
_KIND_WORDS = {"brief": "Ankündigungsbriefe", "korrektur": "Korrekturbriefe"}
_KIND_WORD = {"brief": "Ankündigungsbrief", "korrektur": "Korrekturbrief"}


def _kind_count(n: int, kind: str) -> str:
    """``1 Korrekturbrief``, ``2 Korrekturbriefe``."""
    return f"{n} {_KIND_WORD[kind] if n == 1 else _KIND_WORDS[kind]}"
_NEW_DIR, _OLD_DIR = ".neu-", ".alt-"


def _marker(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / LETTERS_MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _shown(names: Sequence[str], n: int = 5) -> str:
    return ", ".join(names[:n]) + (f" und {len(names) - n} weitere" if len(names) > n else "")


def earlier_run(out: Path) -> list[str]:
    """The files an earlier letter run wrote into ``out`` (sorted; empty for a missing or
    empty folder), which the next run replaces.

    A folder of ours carries :data:`LETTERS_MARKER` listing what its run wrote; a folder
    without one (written before the marker existed) is ours when it holds nothing but
    letters, team-day PDFs and ``LIESMICH.txt``. Anything else (a file put there by hand,
    a sub-folder, a folder that never held letters) is never deleted: the folder is
    refused, naming what is foreign.
    """
    if not out.exists():
        return []
    try:
        entries = sorted(os.listdir(out))
    except OSError as exc:
        raise LetterError(f"--out {out}: Ordner nicht lesbar ({exc.strerror or exc}).") from None
    marker = _marker(out) if LETTERS_MARKER in entries else None
    listed = marker.get("files") if marker else None
    ours = set(listed) if isinstance(listed, list) else None
    foreign, files = [], []
    for name in entries:
        if name in (LETTERS_MARKER, NOTICE_FILE):
            continue
        path = out / name
        is_file = path.is_file() and not path.is_symlink()
        if is_file and (name in ours if ours is not None
                        else _WRITTEN.match(name) or _WRITING.match(name)):
            files.append(name)
        else:
            foreign.append(name)
    if foreign:
        raise LetterError(
            f"--out {out}: im Ordner liegen Dateien, die kein Brieflauf von hausbesuch "
            f"geschrieben hat ({_shown(foreign, 3)}). Sie werden nicht gelöscht; bitte einen "
            "neuen oder leeren Ordner angeben."
        )
    return files


def twice_in(items: Sequence[Announcement]) -> set[str]:
    """The clients with more than one letter in a run (two withdrawn promises of a client
    whose visit moved twice): their files carry the visit's day."""
    seen: dict[str, int] = {}
    for a in items:
        seen[a.client_id] = seen.get(a.client_id, 0) + 1
    return {cid for cid, n in seen.items() if n > 1}


def letter_file(kind: str, a: Announcement, twice: set[str]) -> str:
    """The file of a letter: ``brief_K-1.pdf``, ``korrektur_K-1.pdf``; with the visit's
    day (``korrektur_K-1_2026-12-08.pdf``) for a client with two letters in the run."""
    day = f"_{a.day.isoformat()}" if a.client_id in twice else ""
    return f"{kind}_{letter_stem(a.client_id)}{day}.pdf"


def check_replace(out: Path, old: Sequence[str], *, kind: str, letters: Iterable[str],
                  selection: bool, reprint: bool = False) -> None:
    """Refuse a run that must not replace the earlier run in ``out`` (files ``old``).

    A whole run (not ``--clients``) of the same kind replaces an earlier run entirely: a
    re-plan's letters replace the old version's, so letters of cancelled visits and
    team-day PDFs of team-days that no longer exist do not stay. A selection, or a run of
    the other kind (corrections into a folder of announcements), is refused when it would
    drop a letter of the earlier run: the team-day PDFs would silently lose clients. So is
    a correction run that would drop an earlier correction (written once; only
    ``reprint`` writes it again). ``letters`` are the letter files this run means to write.
    """
    written = set(letters)
    dropped = sorted(f for f in old if _ONE_LETTER.match(f) and f not in written)
    same_kind = all(f.startswith(f"{kind}_") for f in old if _ONE_LETTER.match(f))
    if dropped and (selection or not same_kind):
        if not same_kind:
            counts: dict[str, int] = {}
            for f in old:
                if _ONE_LETTER.match(f) and not f.startswith(f"{kind}_"):
                    k = f.split("_", 1)[0]
                    counts[k] = counts.get(k, 0) + 1
            have = " und ".join(_kind_count(n, k) for k, n in sorted(counts.items()))
            raise LetterError(
                f"--out {out}: der Ordner enthält {have} eines früheren Laufs; "
                f"{_KIND_WORDS[kind]} gehören in einen eigenen Ordner. Bitte einen anderen "
                "Ordner angeben (der Inhalt wird nicht gelöscht)."
            )
        raise LetterError(
            f"--out {out}: der Ordner enthält Briefe eines früheren Laufs, die dieser Lauf mit "
            f"--clients nicht neu schreibt ({_shown(dropped)}); sie fehlten danach im Ordner "
            "und in den Sammel-PDFs. Bitte für die Auswahl einen eigenen Ordner angeben, oder "
            "ohne --clients und mit --reprint alle Briefe neu schreiben."
        )
    earlier = sorted(f for f in old if _ONE_LETTER.match(f) and f.startswith("korrektur_")
                     and not (reprint and f in written))
    if earlier and kind == "korrektur":
        # a correction is written once: its visit is called off then, so only a reprint
        # writes it again; replacing the folder (or a file of the same name: the same
        # client's promise broken again) would lose it, perhaps before it was printed
        raise LetterError(
            f"--out {out}: der Ordner enthält Korrekturbriefe eines früheren Laufs "
            f"({_shown(earlier)}); ihre Besuche sind schon abgesagt, dieser Lauf schreibt "
            "sie nicht neu, und sie gingen hier verloren. Bitte für diesen Lauf einen "
            "neuen Ordner angeben (der Inhalt wird nicht gelöscht), oder mit --reprint auch "
            "die schon geschriebenen noch einmal schreiben."
        )


def check_kept(out: Path, old: Sequence[str], files: Sequence[str],
               client_ids: Sequence[str]) -> None:
    """Refuse a run into ``out`` (earlier run's files ``old``) that does not write again
    the letters ``files`` of ``client_ids`` (visits that have a letter already): the
    earlier run's copies would be gone from the folder, perhaps before they were printed."""
    kept = set(old)
    held = sorted((cid for cid, f in zip(client_ids, files, strict=True) if f in kept),
                  key=id_key)
    if held:
        raise LetterError(
            f"--out {out}: der Ordner enthält Briefe eines früheren Laufs für Besuche, die "
            f"schon einen Brief haben und nicht noch einmal geschrieben werden "
            f"({_shown(held)}); sie fehlten danach im Ordner. Bitte einen neuen Ordner "
            "angeben (der Inhalt wird nicht gelöscht), oder mit --reprint auch die schon "
            "geschriebenen noch einmal schreiben."
        )


def fresh_folder(out: Path) -> Path:
    """A new hidden folder beside ``out`` (``.<name>.neu-…``, 0700) for a letter run;
    :func:`swap_in` puts it in place of ``out``. Hidden folders of killed runs into the
    same ``out`` (marked, their process gone) are removed first."""
    from hausbesuch.planfolder import (
        hidden_folder,
        private_dir,
        remove_empty_leftover,
        remove_marked_folder,
        writer_alive,
    )

    parent = out.parent
    try:
        private_dir(parent)
        for q in parent.iterdir():
            if not (q.name.startswith((f".{out.name}{_NEW_DIR}", f".{out.name}{_OLD_DIR}"))
                    and q.is_dir() and not q.is_symlink()):
                continue
            if (q / LETTERS_MARKER).is_file():  # ours (a marker cut short by a kill too)
                if not writer_alive(q, LETTERS_MARKER):
                    remove_marked_folder(q, LETTERS_MARKER)
            else:  # killed before its marker was written
                remove_empty_leftover(q)
        tmp = hidden_folder(parent, f".{out.name}{_NEW_DIR}")
    except OSError as exc:
        raise LetterError(f"--out {out}: in {parent} kann kein Ordner angelegt werden "
                          f"({write_cause(exc)}).") from None
    try:
        (tmp / LETTERS_MARKER).write_text(json.dumps({"pid": os.getpid(), "files": None}),
                                          encoding="utf-8")
    except BaseException:  # a full disk: no hidden folder left behind
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp


def swap_in(tmp: Path, out: Path, *, plan_id: str, kind: str, selection: bool) -> None:
    """Replace ``out`` by the written folder ``tmp``: the earlier folder is renamed away
    (``.<name>.alt-…``), ``tmp`` renamed to ``out``, the earlier one removed. Killed at
    any moment, ``out`` is the earlier complete run, or (between the renames) missing, or
    the new complete run; never a mix. The folder is its owner's only (0700, as
    :func:`fresh_folder` made it), also where ``out`` existed with another mode: letters
    hold names and addresses (as a plan folder, :func:`hausbesuch.planfolder.plan_folder`)."""
    files = sorted(p.name for p in tmp.iterdir() if p.name != LETTERS_MARKER)
    marker = {"plan_id": plan_id, "art": kind, "auswahl": selection,
              "erstellt": clock.now().isoformat(timespec="seconds"), "files": files}
    with atomic_write(tmp / LETTERS_MARKER, "w", encoding="utf-8") as fh:
        json.dump(marker, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    old: Path | None = None
    if out.exists():
        earlier_run(out)  # nobody put a foreign file there meanwhile
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}{_OLD_DIR}", dir=out.parent))
        os.rmdir(old)
        os.replace(out, old)
    os.replace(tmp, out)
    try:
        fd = os.open(out.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError:
        pass
    if old is not None:
        from hausbesuch.planfolder import remove_marked_folder

        remove_marked_folder(old, LETTERS_MARKER)  # its marker last: see there


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _stem(text: str) -> str:
    return _UNSAFE.sub("_", text).strip("._") or "x"


def letter_stem(client_id: str) -> str:
    """The file-name part of a client's letter: the case id itself when it is a safe file
    name, else its ASCII form (``Ä`` -> ``Ae``) with a short hash of the id, so that ids
    like ``K/1`` and ``K_1`` or ``Ä-7`` and ``Ö-7`` never share a file."""
    from hausbesuch.output import safe_stem

    if _stem(client_id) == client_id:  # already a safe file name
        return client_id
    digest = hashlib.sha256(client_id.encode("utf-8")).hexdigest()[:8]
    stem = safe_stem(client_id)
    return digest if stem == "route" else f"{stem}-{digest}"  # "route": nothing was left


def _write(path: Path, data: bytes) -> None:
    """Write a file of the run atomically, its owner's only (0600) whatever the umask."""
    with atomic_write(path) as fh:
        fh.write(data)


@dataclass
class LetterRun:
    """What a letter run wrote."""

    out_dir: Path
    letters: dict[str, Path] = field(default_factory=dict)  # client id -> PDF
    team_days: dict[tuple[str, date], Path] = field(default_factory=dict)
    announcements: list[Announcement] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (client id, German reason)
    #: files of the earlier run in the folder that this run did not write again (removed)
    replaced: list[str] = field(default_factory=list)
    #: (client id, German note) on letters written: a visit called off because its case
    #: is no longer open, an address to check before sending (:func:`_address_doubt`)
    notes: list[tuple[str, str]] = field(default_factory=list)
    #: German warnings on the run as a whole: a logo that makes every letter larger than
    #: :data:`LETTER_PDF_TARGET_BYTES` (:func:`_check_logo`)
    warnings: list[str] = field(default_factory=list)
    #: (client id, day of the visit, kind, the letter's date) of letters written whose
    #: visit lies on or before the day the post brings the letter (:func:`comes_late`,
    #: :func:`too_late`); kind
    #: ``brief`` or ``korrektur``; a reprint's date is its first letter's
    late: list[tuple[str, date, str, date]] = field(default_factory=list)
    #: (client id, date of its letter) of the visits that already have a letter (an earlier
    #: run, perhaps for an earlier version of the plan) and were not written again: a run
    #: without ``reprint`` writes only letters of visits not announced yet
    already: list[tuple[str, date]] = field(default_factory=list)
    #: (client id, date of its first letter, day of the visit) of the letters written
    #: again (``reprint``): each carries its first letter's date, as the client has it
    reprints: list[tuple[str, date, date]] = field(default_factory=list)
    #: True when the run had nothing new to write (every visit has its letter) and left
    #: the earlier run's folder as it was
    unchanged: bool = False
    #: case ids of the letters written with the follow-up text (``folge_text``)
    follow_ups: list[str] = field(default_factory=list)
    #: case ids of follow-ups written with the built-in follow-up texts instead: the
    #: profile's use ``{angekuendigt_am}`` and the case has no earlier letter
    #: (:func:`follow_up_text`)
    undated: list[str] = field(default_factory=list)
    #: (client id, pages, the ``[brief]`` setting of its text) of the letters longer than
    #: one page (:func:`long_lines`)
    long: list[tuple[str, int, str]] = field(default_factory=list)
    #: the letters' date, and the day the post brings them (``postlaufzeit_werktage`` later)
    dated: date | None = None
    arrives: date | None = None
    #: False when the run wrote no letter and found no earlier run in ``out_dir``: no folder
    #: was made (an empty folder would only carry the social-data notice, QA 24 T1)
    folder_made: bool = True


def missing_sender(profile: Profile) -> list[str]:
    """The ``[brief]`` keys every letter needs that the profile leaves empty
    (``telefon``, ``absender``, ``anschrift``; :func:`check_sender` refuses them)."""
    s = profile.brief
    return [k for k, v in (("telefon", s.telefon.strip()), ("absender", s.absender.strip()),
                           ("anschrift", any(x.strip() for x in s.anschrift))) if not v]


def check_sender(profile: Profile) -> None:
    """Refuse a profile whose ``[brief]`` lacks what every letter must carry: ``telefon``
    (how to reschedule), ``absender`` and ``anschrift`` (who writes: without them the
    letterhead and the return address named the first depot, an internal label such as
    „Standort Nord“, and its address, without a word: QA 44b F3)."""
    if "telefon" in missing_sender(profile):
        raise LetterError(
            f"Profil {profile.slug}: [brief] telefon fehlt. Ein Brief muss sagen, wie man den "
            "Termin verschieben kann: die Telefonnummer im Profil eintragen."
        )
    missing = [k for k in missing_sender(profile) if k != "telefon"]
    if missing:
        which = " und ".join(f"[brief] {k}" for k in missing)
        raise LetterError(
            f"Profil {profile.slug}: {which} {'fehlt' if len(missing) == 1 else 'fehlen'}. "
            "Briefkopf und Rücksendeangabe nennen, wer schreibt; ohne diese Angaben stünde "
            f"dort der Standort „{profile.depot.name}“ aus [[depots]]. Bitte im Profil "
            "eintragen, z. B. absender = \"Jobcenter Musterstadt\" und anschrift = "
            "[\"Am Markt 1\", \"12345 Musterstadt\"]."
        )


def write_letters(
    plan: Plan,
    items: Sequence[Announcement],
    profile: Profile,
    out_dir: Path,
    *,
    master: dict[str, Client] | None = None,
    letter_date: date | None = None,
    selection: bool = False,
) -> LetterRun:
    """Write one PDF per announcement and one merged PDF per team-day into ``out_dir``.

    With ``selection`` (a run for some clients only, ``--clients``) a team-day PDF holds
    only the letters of the selection and says so in its name
    (``sammel_brief_<team>_<day>_auswahl.pdf``): it is not the team-day's bundle.

    Names and addresses come from ``master`` (the store's clients table) where it holds the
    client, else from the plan's snapshot. A client without a name, a recipient with a
    character the letter's font cannot show (:func:`unprintable_reason`) and one that does
    not fit the envelope's window get no letter: they are listed in
    :attr:`LetterRun.skipped` with the reason, and only the letters written are in
    :attr:`LetterRun.announcements`.
    """
    check_sender(profile)
    from hausbesuch.planfolder import private_dir

    out = check_out_dir(out_dir)
    private_dir(out)  # letters hold names and addresses: a new folder is the owner's only
    _write(out / NOTICE_FILE, NOTICE.encode("utf-8"))
    logo, logo_warning = _logo(profile)
    when = letter_date or clock.today()
    arrives = arrival_day(profile, when)
    created = clock.now().replace(microsecond=0)
    snapshot = {c.id: c for c in plan.clients}
    geocodes = {g.client_id: g for g in plan.geocodes}
    run = LetterRun(out_dir=out, warnings=[logo_warning] if logo_warning else [])
    kind = "korrektur" if any(a.announced_on for a in items) else "brief"
    twice = twice_in(items)
    groups: dict[tuple[str, date], list[dict[str, Any]]] = {}
    for a in items:
        client = (master or {}).get(a.client_id) or snapshot.get(a.client_id)
        if client is None or not letter_name(client.name or ""):
            run.skipped.append((a.client_id, no_name_reason(client.name or "" if client
                                                            else "")))
            continue
        # the address the plan visits (after an address fix: the corrected one)
        visited = snapshot.get(a.client_id) or client
        name = letter_name(client.name)
        address = postal_lines(visited, geocodes.get(a.client_id))
        if (why := unprintable_reason(name, address)) is not None:
            run.skipped.append((a.client_id, why))  # it would print as empty boxes
            continue
        if check := _address_doubt(visited, geocodes.get(a.client_id)):
            run.notes.append((a.client_id, f"Anschrift vor dem Versand prüfen: {check}"))
        # a reprint is the same letter: it carries its first letter's date (which pages,
        # corrections and follow-ups name), and the post is judged by that date
        dated = a.first_letter or when
        body = letter_content(profile, a, name=name, address=address, letter_date=dated)
        try:
            pdf, (fit,) = render_letters(profile, [body], title=f"Hausbesuch {a.client_id}",
                                         logo=logo, created=created)
        except AddressTooLong as exc:
            run.skipped.append((a.client_id, str(exc)))
            continue
        if fit.wrapped:
            run.notes.append((a.client_id,
                              f"Anschrift vor dem Versand prüfen: {_wrap_words(fit)}"))
        if fit.pages > 1:
            run.long.append((a.client_id, fit.pages, text_setting(profile, a)))
        path = out / letter_file(kind, a, twice)
        key = f"{a.client_id} ({format_day(a.day)})" if a.client_id in twice else a.client_id
        if key in run.letters or path in run.letters.values():  # never overwrite
            raise LetterError(f"Zwei Briefe hätten dieselbe Datei {path.name}: bitte melden.")
        _write(path, pdf)
        run.letters[key] = path
        run.announcements.append(a)
        if a.follow_up and not a.announced_on:
            (run.follow_ups if follow_up_text(profile, a) else run.undated).append(a.client_id)
        if a.first_letter is not None:
            run.reprints.append((a.client_id, a.first_letter, a.day))
        if comes_late(profile, dated, a.day):
            run.late.append((a.client_id, a.day, kind, dated))
        groups.setdefault((a.team_id, a.day), []).append(body)
    for (team, day), bodies in sorted(groups.items()):
        pdf = render_pdf(profile, bodies, title=f"Hausbesuche {team} {day.isoformat()}",
                         logo=logo, created=created)
        suffix = "_auswahl" if selection else ""
        path = out / f"sammel_{kind}_{_stem(team)}_{day.isoformat()}{suffix}.pdf"
        _write(path, pdf)
        run.team_days[(team, day)] = path
    run.dated, run.arrives = when, arrives
    write_notice(run, profile, out)
    return run


def write_notice(run: LetterRun, profile: Profile, out: Path) -> None:
    """Write ``LIESMICH.txt`` into ``out``: the social-data notice, and what whoever prints
    and posts the folder must know (case ids and reasons only, as on the terminal): the
    letters longer than a page, reprints, letters the post brings too late, addresses to
    check before sending and the visits that got no letter."""
    _write(out / NOTICE_FILE, notice_text(run, profile).encode("utf-8"))


def notice_text(run: LetterRun, profile: Profile, *, more: Sequence[str] = (),
                words: Callable[[str], str] = str) -> str:
    """The text of ``LIESMICH.txt`` (:func:`write_notice`); ``more``: further lines after
    the run's (the web's download: what the command says on the terminal only), each
    line said by ``words`` (the web's words: no command line, no profile key)."""
    said = [words(line) for line in [
        *long_lines(run), *reprint_lines(run, profile), *late_lines(run, profile),
        *(f"{cid}: {note}" for cid, note in run.notes),
        *(f"Kein Brief für {cid}: {reason}" for cid, reason in run.skipped), *more]]
    return NOTICE + "".join(f"\n{line}" for line in said) + ("\n" if said else "")


def arrival_day(profile: Profile, letter_date: date) -> date:
    """The day the post brings a letter dated ``letter_date``: ``[brief]
    postlaufzeit_werktage`` working days later (Monday to Friday, without the holidays of
    the profile's ``[casework]``). Of its ``local_holidays`` only :data:`POST_DAYS` (24.12.
    and 31.12.: no public holiday anywhere in Germany, the post delivers, only the office
    is closed) do not stop the post (QA 40 F7: a letter of 23.12. „arrived“ a day late
    where the office closes on 24.12.); any other may be a public holiday of the town
    (Mariä Himmelfahrt in a Catholic municipality, the Augsburger Friedensfest), and
    counts as a day without post (a letter judged late rather than on time)."""
    from dataclasses import replace

    calendar = profile.casework.calendar()
    post = replace(calendar, local=tuple(h for h in calendar.local
                                         if (h.day, h.month) not in POST_DAYS))
    return post.add_working_days(letter_date, profile.brief.postlaufzeit_werktage)


#: (day, month) of the days an office may close on (``[casework] local_holidays``) on which
#: the post still delivers: no public holiday in any Land (:func:`arrival_day`)
POST_DAYS = frozenset({(24, 12), (31, 12)})


def comes_late(profile: Profile, letter_date: date, day: date) -> bool:
    """Whether a letter dated ``letter_date`` may reach the client only after a visit on
    ``day``: the visit lies on or before the day the post brings it (:func:`arrival_day`).
    The arrival day itself counts as too late, whatever the visit's time: the post comes
    at any hour of the day, perhaps after the team (QA 33b F6). ``postlaufzeit_werktage``
    0 turns the check off."""
    return profile.brief.postlaufzeit_werktage > 0 and day <= arrival_day(profile,
                                                                          letter_date)


def late_words(what: str, arrives: date) -> str:
    """Why a letter (``what``: „ein Korrekturbrief“, „eine Absage“) written today does not
    do: the post brings it only on ``arrives`` (:func:`arrival_day`), too late for its
    visit (:func:`comes_late`); the words of every note that asks to phone instead."""
    return f"{what} käme zu spät (heute geschrieben, erst am {format_day(arrives)} im Briefkasten)"


def too_late(client_id: str, day: date, kind: str) -> str:
    """The German line for a letter that reaches the client after the visit it is about
    (case id only, never a name)."""
    when = format_day(day)
    if kind == "korrektur":  # the client would wait in vain for the visit called off
        return (f"Absage kommt zu spät für den angekündigten Besuch am {when} "
                f"({client_id}): bitte anrufen und absagen.")
    return (f"Brief kommt zu spät für den Besuch am {when} ({client_id}): bitte anrufen "
            "oder den Besuch verschieben.")


def late_lines(run: LetterRun, profile: Profile) -> list[str]:
    """What the command and ``LIESMICH.txt`` say about the letters the post brings too
    late: per date the letters carry (the run's; a reprint's is its first letter's, which
    the heading names as such), a heading with that date and the delivery time, then one
    line each."""
    if not run.late or run.dated is None:
        return []
    days = profile.brief.postlaufzeit_werktage
    out: list[str] = []
    for dated in sorted({d for *_, d in run.late}, key=lambda d: (d != run.dated, d)):
        late = [x for x in run.late if x[3] == dated]
        n = len(late)
        again = "" if dated == run.dated else (
            f"{'Nachdruck' if n == 1 else 'Nachdrucke'} mit dem Datum des ersten Briefs, ")
        head = (f"Achtung: {n} {'Brief kommt' if n == 1 else 'Briefe kommen'} per Post zu "
                f"spät ({again}{letter_words(dated)}, Postlaufzeit {days} "
                f"{'Werktag' if days == 1 else 'Werktage'}: im Briefkasten am "
                f"{format_day(arrival_day(profile, dated))}; "
                "einstellbar im Profil, [brief] postlaufzeit_werktage):")
        out += [head, *(too_late(cid, day, kind) for cid, day, kind, _ in sorted(
            late, key=lambda x: (x[1], id_key(x[0]))))]
    return out


def long_lines(run: LetterRun) -> list[str]:
    """What the command and ``LIESMICH.txt`` say about the letters longer than one page
    (case ids only): per ``[brief]`` setting whose text is too long, the letters and their
    pages, and what that means for the envelopes of a team-day's PDF (QA 44b F2)."""
    out = []
    for key in sorted({k for *_, k in run.long}):
        these = sorted(((cid, n) for cid, n, k in run.long if k == key),
                       key=lambda x: id_key(x[0]))
        shown = ", ".join(f"{cid} ({n} Seiten)" for cid, n in these)
        out.append(
            f"Achtung: {'1 Brief ist' if len(these) == 1 else f'{len(these)} Briefe sind'} "
            f"länger als eine Seite, der Text aus [brief] {key} ist zu lang: {shown}. Jede "
            "Seite trägt „Seite … von …“, jede Folgeseite Kundennummer und Datum: alle "
            "Seiten eines Briefs in denselben Umschlag (im Sammel-PDF folgen sie einander). "
            f"Besser: [brief] {key} kürzen, bis jeder Brief auf eine Seite passt.")
    return out


def _by_letter(items: Iterable[tuple[str, date]]) -> list[tuple[date, list[str]]]:
    """``(case id, letter date)`` pairs as ``[(letter date, case ids)]``, oldest first."""
    groups: dict[date, list[str]] = {}
    for cid, d in items:
        groups.setdefault(d, []).append(cid)
    return [(d, sorted(ids, key=id_key)) for d, ids in sorted(groups.items())]


def already_lines(run: LetterRun, *, correction: bool = False) -> list[str]:
    """What the command says about the visits not written again because they have a
    letter already (case ids only, each named, grouped by that letter's date), and how to
    print them again; with ``correction`` the announced visits whose correction or
    cancellation letter was written before (:func:`written_corrections`)."""
    out = []
    letter = "Korrekturbrief" if correction else "Brief"
    for d, ids in _by_letter(run.already):
        n = len(ids)
        visits = "Besuch hat" if n == 1 else "Besuche haben"
        if correction:
            visits = ("angekündigter " if n == 1 else "angekündigte ") + visits
        out.append(f"{n} {visits} schon einen {letter} (vom {format_day(d)}), nicht noch "
                   f"einmal geschrieben: {', '.join(ids)}")
    if out:
        out.append(f"Mit {'--correction ' if correction else ''}--reprint noch einmal "
                   f"drucken (Nachdruck mit dem Datum des ersten {letter}s; nur nötig, wenn "
                   f"der erste {letter} nicht verschickt wurde).")
    return out


def reprint_lines(run: LetterRun, profile: Profile) -> list[str]:
    """What the command and ``LIESMICH.txt`` say about the letters written again
    (``--reprint``): each named, grouped by the first letter's date, which they carry; and
    those a reprint posted today would reach only on the visit's day or later
    (:func:`comes_late`; the post is judged by the
    letter's date in :func:`late_lines`, as the client has the first letter; a reprint
    sent instead of a first letter never sent comes later)."""
    out = []
    for d, ids in _by_letter((cid, d) for cid, d, _ in run.reprints):
        n = len(ids)
        out.append(f"1 Brief ist ein Nachdruck des schon geschriebenen Briefs vom "
                   f"{format_day(d)} (mit dessen Datum; nur verschicken, wenn der erste "
                   f"Brief nicht verschickt wurde): {ids[0]}" if n == 1 else
                   f"{n} Briefe sind Nachdrucke der schon geschriebenen Briefe vom "
                   f"{format_day(d)} (mit deren Datum; nur verschicken, wenn die ersten "
                   f"Briefe nicht verschickt wurden): {', '.join(ids)}")
    late = {cid for cid, *_ in run.late}
    if run.arrives is not None and (after := sorted(
            (cid for cid, _, day in run.reprints
             if run.dated is not None and comes_late(profile, run.dated, day)
             and cid not in late),
            key=id_key)):
        visits, where = (("den Besuch", "falls") if len(after) == 1
                         else ("die Besuche", "wo"))
        out.append(f"Ein Nachdruck, der heute verschickt wird, ist erst am "
                   f"{format_day(run.arrives)} im Briefkasten: zu spät für {visits} bei "
                   f"{', '.join(after)} ({where} der erste Brief nicht verschickt wurde: "
                   "bitte anrufen).")
    return out


def follow_up_lines(run: LetterRun, profile: Profile) -> list[str]:
    """What the command says about the letters written with the follow-up text, and about
    the follow-ups written with the built-in follow-up texts because they have no
    earlier letter to date (:func:`follow_up_text`); case ids only, never a name."""
    out = []
    if ids := sorted(run.follow_ups, key=id_key):
        n = len(ids)
        out.append(f"{n} {'Brief' if n == 1 else 'Briefe'} mit dem Folgetext ([brief] "
                   "folge_betreff und folge_text: schon ein Brief zu einem anderen Besuch, "
                   "eine Nachricht an der Tür oder schon Kontakt): " + _shown(ids, 20))
    if ids := sorted(run.undated, key=id_key):
        n, keys = len(ids), _dated_follow_up_keys(profile)
        case, has, gets = (("dieser Fall", "hat", "bekäme") if n == 1
                           else ("diese Fälle", "haben", "bekämen"))
        out.append(
            f"{n} {'Brief' if n == 1 else 'Briefe'} mit dem eingebauten Folgetext (ohne "
            f"Datum eines früheren Briefs) statt des eigenen: {_shown(ids, 20)}. Grund: [brief] "
            f"{' und '.join(keys)} {'nutzt' if len(keys) == 1 else 'nutzen'} den Platzhalter "
            f"{{angekuendigt_am}} (Datum des früheren Briefs), aber {case} {has} keinen "
            "früheren Brief (nur einen Besuch ohne Brief); der Platzhalter bliebe leer. Ohne "
            f"{{angekuendigt_am}} dort {gets} auch {case} den eigenen Folgetext.")
    return out


def report_lines(run: LetterRun, profile: Profile, *, correction: bool,
                 pending: Sequence[str] = ()) -> list[tuple[str, bool]]:
    """What a letter run says after its first line (``hausbesuch letters`` on the
    terminal, the web's ``LIESMICH.txt`` and refusal), as (German line, is a warning: the
    terminal's stderr): letters not written again, reprints, long and late letters,
    follow-ups, notes, the visits without a letter, ``pending`` (:func:`pending_lines`)
    and the run's warnings. Case ids only, never a name."""
    out = [(line, False) for line in [
        *already_lines(run, correction=correction), *reprint_lines(run, profile),
        *long_lines(run), *late_lines(run, profile), *follow_up_lines(run, profile),
        *(f"{cid}: {note}" for cid, note in run.notes)]]
    out += [(f"Kein Brief für {cid}: {reason}", True) for cid, reason in run.skipped]
    out += [(line, False) for line in pending]
    if run.letters:  # a logo that makes every letter larger than the target
        out += [(f"Warnung: {warning}", True) for warning in run.warnings]
    return out


def _wrap_words(fit: RecipientFit) -> str:
    """What a recipient that wraps even in the smallest size means for the letter, in
    German (without the address: the terminal shows no name and no address)."""
    several = len(fit.wrapped) > 1
    what = ("Name und Anschrift sind" if 0 in fit.wrapped and several
            else "der Name ist" if 0 in fit.wrapped
            else "Zeilen der Anschrift sind" if several
            else "eine Zeile der Anschrift ist")
    return (f"{what} auch in 8 pt breiter als das Sichtfenster und "
            f"{'werden' if several else 'wird'} umbrochen gedruckt: bitte in der "
            "Kundenliste kürzen")


def stop_of(plan: Plan, client_id: str, day: date | None = None
            ) -> tuple[TeamDayRoute, PlannedStop] | None:
    """The route and stop of a client in a plan on ``day`` (default: its last visit in the
    plan: a re-plan can hold a visit made and an appointment agreed at it), or None."""
    found = None
    for r in sorted(plan.routes, key=lambda r: (r.day, r.team_id)):
        for s in r.stops:
            if s.client_id == client_id and (day is None or r.day == day):
                found = (r, s)
    return found


# --------------------------------------------------------------------------- the store

#: Audit actions of letter runs (rows carry case id, visit id, plan id; never a name).
AUDIT_LETTER = "brief_erstellt"
AUDIT_CORRECTION = "korrekturbrief_erstellt"


def _visit_rows(s: Any, city: str, client_ids: Iterable[str]) -> dict[str, list[Any]]:
    from sqlalchemy import select

    from hausbesuch.store import CaseVisitRow

    ids = list(dict.fromkeys(client_ids))
    out: dict[str, list[Any]] = {}
    for k in range(0, len(ids), 500):
        q = select(CaseVisitRow).where(CaseVisitRow.city == city,
                                       CaseVisitRow.client_id.in_(ids[k:k + 500]))
        for row in s.scalars(q):
            out.setdefault(row.client_id, []).append(row)
    return out


def _match_visit(rows: list[Any], a: Announcement, plan: Plan) -> Any | None:
    stop = stop_of(plan, a.client_id, a.day)
    vid = stop[1].visit_id if stop else ""
    for row in rows:
        if vid and row.visit_id == vid:
            return row
    cands = [r for r in rows if r.day == a.day and r.status == "geplant"]
    return max(cands, key=lambda r: r.updated_at) if cands else None


def _promised_before(row: Any) -> tuple[datetime, datetime] | None:
    """The window an earlier letter promised for a case visit (None: not announced)."""
    if row is not None and row.announced_at is not None and row.promised_start \
            and row.promised_end:
        return row.promised_start, row.promised_end
    return None


def first_promises(s: Any, plan: Plan, items: Sequence[Announcement]) -> list[Announcement]:
    """``items`` with the window a letter already promised for the same visit, where one
    did (read only, in session ``s``): a letter printed again shows the first promise, and
    :func:`bind_announcements` records the same window.

    A visit whose letter went to another address than the one ``plan`` visits (the client
    moved after the letter, and a re-plan kept the visit with its promise: QA 33b F1) has
    no letter at this address: it comes back with the window promised and
    :attr:`Announcement.readdressed` (the date of the letter to the former address)
    instead of :attr:`Announcement.first_letter`, to be written anew
    (:func:`letter_addresses`)."""
    rows = _visit_rows(s, plan.city, (a.client_id for a in items))
    matched = {a.client_id: _match_visit(rows.get(a.client_id, []), a, plan) for a in items}
    elsewhere = letter_addresses(s, plan, [row for row in matched.values()
                                           if _promised_before(row) is not None])
    out = []
    for a in items:
        row = matched[a.client_id]
        window = _promised_before(row)
        if window is None:
            out.append(a)
        elif row.visit_id in elsewhere:
            out.append(replace(a, window=window, readdressed=row.announced_at.date()))
        else:
            out.append(replace(a, window=window, first_letter=row.announced_at.date()))
    return out


def _same_address(then: Client, then_at: Geocode | None, now: Client,
                  now_at: Geocode | None) -> bool:
    """Whether two snapshots of a client (two plans') send a letter to the same house: the
    same address text, or both found to the house number at the same point (the same
    house spelled anew), as :func:`moved_since` judges."""
    from geodata.network import haversine_m
    from hausbesuch.tabular import same_address_text

    if same_address_text(then.address, now.address):  # the PLZ as read: 36251.0 is 36251
        return True
    found = {"exact", "interpolated"}
    return (then_at is not None and now_at is not None
            and then_at.quality in found and now_at.quality in found
            and None not in (then_at.lon, then_at.lat, now_at.lon, now_at.lat)
            and float(haversine_m(then_at.lon, then_at.lat, now_at.lon, now_at.lat))
            <= SAME_PLACE_M)


def letter_addresses(s: Any, plan: Plan, rows: Sequence[Any]) -> set[str]:
    """The visit ids of these announced case visits whose letter went to another address
    than the one ``plan`` visits (read only, in session ``s``).

    A letter goes to the address of the plan version it was written for (its snapshot,
    :func:`write_letters`); the audit row of the letter (:data:`AUDIT_LETTER`, written
    for the first time or anew for a new address, not a reprint) names that version. A
    re-plan keeps an announced visit with its id and promise, also after the client
    moved: its snapshot holds the new address, the letter went to the former one. A visit
    whose letter row or version is no longer stored (an aged-out audit log) counts as
    written here."""
    from sqlalchemy import select

    from hausbesuch.store import AuditRow, GeocodeRow, PlanClientRow, _client_from, geocode_from

    pairs = sorted({(row.visit_id, row.client_id) for row in rows})
    bound: dict[str, tuple[str, str]] = {}  # visit id -> (plan id, case id) of its letter
    for k in range(0, len(pairs), 500):
        batch = pairs[k:k + 500]  # (the case ids: the audit log's index, review 33 #6)
        q = (select(AuditRow.visit_id, AuditRow.plan_id, AuditRow.client_id, AuditRow.details)
             .where(AuditRow.city == plan.city, AuditRow.action == AUDIT_LETTER,
                    AuditRow.client_id.in_(sorted({c for _, c in batch})),
                    AuditRow.visit_id.in_([v for v, _ in batch]))
             .order_by(AuditRow.id))
        for vid, pid, cid, details in s.execute(q):
            try:
                said = json.loads(details or "{}")
            except ValueError:
                said = {}
            if pid and (said.get("erstmals") or said.get("neue_anschrift")):
                bound[vid] = (pid, cid)
    others = {(pid, cid) for pid, cid in bound.values() if pid != plan.id}
    if not others:
        return set()
    snapshot = {c.id: c for c in plan.clients}
    geocodes = {g.client_id: g for g in plan.geocodes}
    then: dict[tuple[str, str], Client] = {}
    then_at: dict[tuple[str, str], Geocode] = {}
    for pid in sorted({pid for pid, _ in others}):
        cids = sorted({cid for p, cid in others if p == pid})
        for r in s.scalars(select(PlanClientRow).where(PlanClientRow.plan_id == pid,
                                                       PlanClientRow.client_id.in_(cids))):
            then[(pid, r.client_id)] = _client_from(r)
        for g in s.scalars(select(GeocodeRow).where(GeocodeRow.plan_id == pid,
                                                    GeocodeRow.client_id.in_(cids))):
            then_at[(pid, g.client_id)] = geocode_from(g)
    out = set()
    for vid, key in bound.items():
        cid = key[1]
        if key[0] == plan.id or key not in then or cid not in snapshot:
            continue
        if not _same_address(then[key], then_at.get(key), snapshot[cid], geocodes.get(cid)):
            out.add(vid)
    return out


#: Outcomes after which a client knows of the visits (:func:`follow_ups`) besides those of
#: contact (:data:`hausbesuch.casework.rules.CONTACT`): a note left at the door
NOTE_LEFT = frozenset({"nachricht_hinterlassen"})


def follow_ups(s: Any, plan: Plan, items: Sequence[Announcement]) -> list[Announcement]:
    """``items`` with :attr:`Announcement.follow_up` set for a client who is no stranger
    (read only, in session ``s``): one who had a letter for another visit before (another
    case visit with ``announced_at``: called off since, or visited and nobody opened, the
    common case of a revisit), or with a recorded outcome of contact or :data:`NOTE_LEFT` (contact:
    ``angetroffen``, ``verweigert``, ``termin_vereinbart``; or ``nachricht_hinterlassen``,
    a note at the door after an unannounced try: the next letter is no first greeting
    either; a try where nobody opened and nothing was left, ``nicht_angetroffen``, leaves
    the client a stranger). Such a letter takes the profile's
    ``folge_betreff``/``folge_text``; its :attr:`Announcement.earlier_letter` is the date
    of the case's last letter for another visit, where there is one. A letter printed
    again for the same visit gets the same text: its own visit is not counted."""
    from sqlalchemy import select

    from hausbesuch.casework.rules import CONTACT
    from hausbesuch.store import OutcomeRow

    ids = sorted({a.client_id for a in items})
    rows = _visit_rows(s, plan.city, ids)
    met: set[str] = set()
    for k in range(0, len(ids), 500):
        met.update(s.scalars(select(OutcomeRow.client_id).where(
            OutcomeRow.city == plan.city, OutcomeRow.client_id.in_(ids[k:k + 500]),
            OutcomeRow.result.in_(sorted(CONTACT | NOTE_LEFT)))))
    out = []
    for a in items:
        mine = rows.get(a.client_id, [])
        this = _match_visit(mine, a, plan)
        earlier = [r for r in mine if r is not this and r.announced_at is not None]
        if not earlier and a.client_id not in met:
            out.append(a)
            continue
        last = max((r.announced_at for r in earlier), default=None)
        out.append(replace(a, follow_up=True,
                           earlier_letter=last.date() if last is not None else None))
    return out


def _dated_follow_up_keys(profile: Profile) -> list[str]:
    """The follow-up texts of ``[brief]`` that use ``{angekuendigt_am}``."""
    return [k for k in ("folge_betreff", "folge_text")
            if "angekuendigt_am" in placeholder_names(getattr(profile.brief, k))]


def follow_up_text(profile: Profile, a: Announcement) -> bool:
    """Is ``a`` (a follow-up, :func:`follow_ups`) written with ``folge_betreff`` and
    ``folge_text``? Not when they use ``{angekuendigt_am}`` and the case has no earlier
    letter (met at the door, never announced): the date would print empty. That letter
    takes the built-in follow-up texts instead (:data:`DEFAULT_FOLLOW_UP_SUBJECT`,
    :data:`~hausbesuch.config.DEFAULT_FOLLOW_UP_TEXT`: a new appointment, no earlier
    letter named), not the first text, whose greeting is for someone not yet met; the
    command names it by case id (:func:`follow_up_lines`). Every other letter of the run
    is written as usual: one case's missing date stops no other letter."""
    return a.follow_up and (a.earlier_letter is not None
                            or not _dated_follow_up_keys(profile))


def bind_announcements(
    store: Any, s: Any, plan: Plan, items: Sequence[Announcement], *, actor: str,
    now: datetime, dated: date | None = None, folder: Path | None = None,
    download: bool = False,
) -> list[Announcement]:
    """Record in session ``s`` that these visits are announced, with the promised windows;
    return them as recorded (with ``visit_id``).

    ``announced_at`` is the letter's date (``dated``, default the day of ``now``) at the
    time of ``now``: a correction letter names that date as the first letter's.

    A visit announced before keeps its first promise: its stored window is returned (and
    printed again), not a new one around today's plan. A visit that has no row in
    ``case_visits`` yet (a plan stored before visits were kept there) gets one. Every
    letter is audited (case id, visit id, plan id, day and window, and with ``folder``
    the absolute path of the letters' folder, so that ``purge`` can name the copy; never a
    name); with ``download`` ``"ausgabe": "download"`` (the web's ZIP) instead.
    """
    import uuid

    from hausbesuch.store import CaseVisitRow

    out: list[Announcement] = []
    announced = datetime.combine(dated or now.date(), now.time())
    rows = _visit_rows(s, plan.city, (a.client_id for a in items))
    for a in items:
        client_rows = rows.setdefault(a.client_id, [])
        row = _match_visit(client_rows, a, plan)
        stop = stop_of(plan, a.client_id, a.day)
        if row is None:
            end = stop[1].end if stop else a.window[1]
            row = CaseVisitRow(
                visit_id=uuid.uuid4().hex[:16], city=plan.city, client_id=a.client_id,
                try_no=1 + sum(1 for r in client_rows if r.status == "erledigt"),
                plan_id=plan.id, team_id=a.team_id, day=a.day,
                start_at=a.planned_start or a.window[0], end_at=end, status="geplant",
                pinned=False, created_at=now, updated_at=now)
            s.add(row)
            client_rows.append(row)
        if (before := _promised_before(row)) is not None:
            window = before
            first = False
            if a.readdressed is not None:  # a letter to the new address: the client's
                row.announced_at = announced  # letter now (corrections name its date)
                row.updated_at = now
        else:
            window = a.window
            row.announced_at = announced
            row.promised_start, row.promised_end = window
            row.updated_at = now
            first = True
        out.append(Announcement(a.client_id, a.team_id, a.day, a.planned_start, window,
                                visit_id=row.visit_id, visitors=a.visitors))
        store.audit(actor, AUDIT_LETTER, city=plan.city, client_id=a.client_id,
                    plan_id=plan.id, visit_id=row.visit_id, session=s,
                    details={"tag": a.day.isoformat(), "von": _fmt_time(window[0]),
                             "bis": _fmt_time(window[1]), "team": a.team_id,
                             "erstmals": first,
                             **({"neue_anschrift": True} if a.readdressed else {}),
                             **({"ordner": str(folder.resolve())} if folder else {}),
                             **({"ausgabe": "download"} if download else {})})
    return out


def plan_lineage(s: Any, plan_id: str) -> list[str]:
    """The ids of a plan's line of versions: the plan and its predecessors (newest first),
    following ``PlanRow.predecessor_id`` in session ``s``."""
    from sqlalchemy import select

    from hausbesuch.store import PlanRow

    chain = [plan_id]
    while len(chain) < 10_000:  # (a cycle cannot be stored, but never loop for ever)
        pred = s.scalar(select(PlanRow.predecessor_id).where(PlanRow.id == chain[-1]))
        if not pred or pred in chain:
            break
        chain.append(pred)
    return chain


def case_statuses(s: Any, city: str, client_ids: Iterable[str]) -> dict[str, str]:
    """``{case id: case status}`` of these clients as stored now (session ``s``)."""
    from sqlalchemy import select

    from hausbesuch.store import ClientRow

    ids = sorted(set(client_ids))
    out: dict[str, str] = {}
    for k in range(0, len(ids), 500):
        q = select(ClientRow.client_id, ClientRow.status).where(
            ClientRow.city == city, ClientRow.client_id.in_(ids[k:k + 500]))
        out.update({cid: status for cid, status in s.execute(q)})
    return out


def broken_promises(store: Any, plan: Plan) -> list[Announcement]:
    """Announced visits of this plan's line of versions, in its span, that the plan does not
    keep inside their window, or whose case is no longer open.

    These are what the planning reports as "angekündigt, aber nicht mehr einplanbar": the
    client is not planned with a start inside the promised window. A re-plan marks such a
    visit ``entfallen``; both ``geplant`` and ``entfallen`` visits count, except those that
    already had their correction letter (audit action :data:`AUDIT_CORRECTION`). Each
    comes back with ``announced_on`` set, for a correction letter.

    A visit whose case was closed, put "in Klärung" or reached since its letter (case
    status other than ``offen``) is called off too, even where the plan still holds it:
    it comes back with ``case_status`` set, and its letter says that the visit does not
    take place, without a new date (the profile's ``absage_betreff``/``absage_text``).

    Only visits of the plan and its predecessors count (``case_visits.plan_id`` in
    :func:`plan_lineage`, or a visit id the plan holds): a re-plan moves the visits it
    holds, and those it gives up, to its own id, while another plan of the same span (two
    plans of one week are allowed) keeps its own visits and promises.
    """
    from sqlalchemy import or_, select

    from hausbesuch.store import AuditRow, CaseVisitRow

    first, last = plan.start, plan.start + timedelta(days=plan.days - 1)
    # when the plan holds the announced visit itself (a re-plan keeps visit ids), else
    # when it visits the client (a client the plan visits twice, a failed try and its
    # revisit: a letter announcing the revisit is kept by the revisit, whatever the
    # order of the routes; QA 31: it was compared with the failed try)
    at_visit = {st.visit_id: st.start for r in plan.routes for st in r.stops if st.visit_id}
    starts: dict[str, list[datetime]] = {}
    for r in plan.routes:
        for st in r.stops:
            starts.setdefault(st.client_id, []).append(st.start)
    held = sorted(at_visit)
    out = []
    with store.session() as s:
        lineage = plan_lineage(s, plan.id)
        mine = CaseVisitRow.plan_id.in_(lineage)
        if held:
            mine = or_(mine, *(CaseVisitRow.visit_id.in_(held[k:k + 500])
                               for k in range(0, len(held), 500)))
        corrected = set(s.scalars(select(AuditRow.visit_id).where(
            AuditRow.city == plan.city, AuditRow.action == AUDIT_CORRECTION)))
        q = (select(CaseVisitRow)
             .where(CaseVisitRow.city == plan.city, mine,
                    CaseVisitRow.status.in_(("geplant", "entfallen")),
                    CaseVisitRow.announced_at.is_not(None),
                    CaseVisitRow.promised_start.is_not(None),
                    CaseVisitRow.promised_start >= datetime.combine(first, datetime.min.time()),
                    CaseVisitRow.promised_start < datetime.combine(last + timedelta(days=1),
                                                                    datetime.min.time()))
             .order_by(CaseVisitRow.promised_start, CaseVisitRow.team_id))
        rows = [row for row in s.scalars(q) if row.visit_id not in corrected]
        status = case_statuses(s, plan.city, (row.client_id for row in rows))
        for row in rows:
            hits = ([at_visit[row.visit_id]] if row.visit_id in at_visit
                    else starts.get(row.client_id, []))
            closed = status.get(row.client_id, "offen") != "offen"
            if not closed and any(row.promised_start <= t <= row.promised_end for t in hits):
                continue
            # (a closed case's visit is still planned: its start tells whether it has begun)
            out.append(Announcement(row.client_id, row.team_id, row.promised_start.date(),
                                    row.start_at if closed else None,
                                    (row.promised_start, row.promised_end),
                                    visit_id=row.visit_id,
                                    announced_on=row.announced_at.date(),
                                    case_status=status[row.client_id] if closed else None))
    return out


def pending_lines(store: Any, plan: Plan) -> list[str]:
    """What an announcement run says about the announced visits of the plan's line, on
    today or later, still waiting for their correction or cancellation letter
    (:func:`broken_promises`): case ids and days, and the command that writes them (QA 44b
    F11: a re-plan in the web names them on its page only; the next ``letters`` run said
    nothing)."""
    due = due_corrections(store, plan)
    if not due:
        return []
    n = len(due)
    what = ("angekündigter Besuch, den dieser Plan nicht mehr im angekündigten Zeitfenster "
            "hält oder dessen" if n == 1 else
            "angekündigte Besuche, die dieser Plan nicht mehr im angekündigten Zeitfenster "
            "hält oder deren")
    return [f"Noch ohne Korrekturbrief: {n} {what} Fall nicht mehr offen ist: "
            + ", ".join(f"{cid} ({format_day(day)})" for cid, day in due)
            + f". Bitte Korrekturbriefe schreiben: hausbesuch letters {plan.id} --correction "
            "--out <neuer Ordner>"]


def written_corrections(store: Any, plan: Plan) -> list[Announcement]:
    """The correction and cancellation letters already written for announced visits of
    this plan's line of versions (:func:`plan_lineage`) in its span, as they were first
    written: each comes back as :func:`broken_promises` gave it then (``announced_on``:
    the announcement's date, the promised window, ``case_status`` from the audit row),
    with :attr:`Announcement.first_letter` the correction's own date (``brief_vom``), for
    ``--correction --reprint`` and to name them (QA 44b F10). Read from the audit
    (:data:`AUDIT_CORRECTION`, its first row per visit: a reprint's row is no new letter)
    and the case visit; a visit whose row is gone (erased) is left out."""
    from sqlalchemy import select

    from hausbesuch.store import AuditRow, CaseVisitRow

    first = datetime.combine(plan.start, datetime.min.time())
    last = first + timedelta(days=plan.days)
    found: dict[str, dict[str, Any]] = {}
    with store.session() as s:
        lineage = plan_lineage(s, plan.id)
        for vid, details in s.execute(
                select(AuditRow.visit_id, AuditRow.details).where(
                    AuditRow.city == plan.city, AuditRow.action == AUDIT_CORRECTION,
                    AuditRow.plan_id.in_(lineage)).order_by(AuditRow.id)):
            try:
                said = json.loads(details or "{}")
            except ValueError:
                said = {}
            if vid and vid not in found and isinstance(said, dict):
                found[vid] = said
        ids = sorted(found)
        rows = []
        for k in range(0, len(ids), 500):
            rows += s.scalars(select(CaseVisitRow).where(
                CaseVisitRow.visit_id.in_(ids[k:k + 500]),
                CaseVisitRow.announced_at.is_not(None),
                CaseVisitRow.promised_start >= first,
                CaseVisitRow.promised_start < last)).all()
    out = []
    for row in sorted(rows, key=lambda r: (r.promised_start, r.team_id, id_key(r.client_id))):
        said = found[row.visit_id]
        try:
            dated = date.fromisoformat(said.get("brief_vom", ""))
        except (ValueError, TypeError):
            continue  # (every correction row carries its date)
        status = said.get("fallstatus") or None
        out.append(Announcement(row.client_id, row.team_id, row.promised_start.date(),
                                row.start_at if status else None,
                                (row.promised_start, row.promised_end),
                                visit_id=row.visit_id, announced_on=row.announced_at.date(),
                                case_status=status, first_letter=dated))
    return out


def called_off_by_letter(s: Any, city: str, visits: Iterable[tuple[str, str]]
                         ) -> dict[str, date]:
    """``{visit id: date of its correction letter}`` of these case visits (visit id, case
    id) whose promise a correction or cancellation letter called off (audit :data:`AUDIT_CORRECTION`; read in
    session ``s``, of ``city``). The date is the letter's (``brief_vom`` of the audit
    row), for a row written before it was kept the day it was recorded (the real day, also
    in an exercise: only rows older than ``brief_vom``)."""
    from sqlalchemy import select

    from hausbesuch.store import AuditRow

    pairs = sorted(set(visits))  # (visit id, case id): the case ids use the log's index
    out: dict[str, date] = {}
    for k in range(0, len(pairs), 500):
        batch = pairs[k:k + 500]
        for vid, at, details in s.execute(
                select(AuditRow.visit_id, AuditRow.at, AuditRow.details).where(
                    AuditRow.city == city, AuditRow.action == AUDIT_CORRECTION,
                    AuditRow.client_id.in_(sorted({c for _, c in batch})),
                    AuditRow.visit_id.in_([v for v, _ in batch]))
                .order_by(AuditRow.id)):
            try:
                dated = date.fromisoformat(json.loads(details or "{}").get("brief_vom", ""))
            except (ValueError, TypeError, AttributeError):
                dated = at.date()
            out.setdefault(vid, dated)  # the first letter that called it off
    return out


def called_off_reasons(store: Any, plan: Plan, unassigned: Sequence[Any], *,
                       keep: Iterable[str] = ()) -> list[Any]:
    """``unassigned`` (a plan's visits not planned) where a client's announced visit in
    the plan's span was called off by its correction or cancellation letter
    (:func:`called_off_by_letter`): its reason says so, with the letter's date
    („angekündigt (Do, 10.12.2026, 08:00–10:00 Uhr), schon abgesagt (Absage vom Mi,
    02.12.2026): Status „abgeschlossen“ …“), instead of „…, aber nicht mehr einplanbar:
    …“, which asks for a correction letter (a reason carried from the version before).
    Any other reason, and the clients in ``keep`` (a promise the plan still holds to), are
    left as they are."""
    from sqlalchemy import select

    from hausbesuch.store import CaseVisitRow

    kept = set(keep)
    ids = sorted({u.client_id for u in unassigned} - kept)
    if not ids:
        return list(unassigned)
    first = datetime.combine(plan.start, datetime.min.time())
    last = first + timedelta(days=plan.days)
    found: dict[str, list[tuple[datetime, datetime, date]]] = {}
    with store.session() as s:
        rows = []
        for k in range(0, len(ids), 500):
            rows += s.scalars(select(CaseVisitRow).where(
                CaseVisitRow.city == plan.city, CaseVisitRow.client_id.in_(ids[k:k + 500]),
                CaseVisitRow.announced_at.is_not(None), CaseVisitRow.promised_start >= first,
                CaseVisitRow.promised_start < last).order_by(CaseVisitRow.promised_start)).all()
        off = called_off_by_letter(s, plan.city, [(r.visit_id, r.client_id) for r in rows])
        for r in rows:  # (every such visit of the client: the reason names one of them)
            if r.visit_id in off:
                found.setdefault(r.client_id, []).append(
                    (r.promised_start, r.promised_end, off[r.visit_id]))
    out = []
    for u in unassigned:
        for ps, pe, on in found.get(u.client_id, ()):
            head = f"angekündigt ({format_day(ps.date())}, {_fmt_time(ps)}–{_fmt_time(pe)} Uhr), "
            asked = f"{head}aber nicht mehr einplanbar: "
            if u.reason.startswith(asked):  # only that wording: any other reason stays
                u = replace(u, code=("announced_called_off" if u.code == "announced_unplannable"
                                     else u.code), reason=(
                    f"{head}schon abgesagt (Absage vom {format_day(on)}): "
                    f"{u.reason.removeprefix(asked)}"))
                break
        out.append(u)
    return out


def record_corrections(store: Any, s: Any, plan: Plan, items: Sequence[Announcement], *,
                       actor: str, now: datetime, folder: Path | None = None,
                       dated: date | None = None, download: bool = False) -> None:
    """In session ``s``, after correction letters: the promised visits are called off
    (``entfallen``), so that later plans no longer hold them to the old window; each letter
    is audited. A reprint (:attr:`Announcement.first_letter`, :func:`written_corrections`)
    is audited with ``nachdruck`` and its first letter's date, and changes no visit. The day a visit is called off (``updated_at``, which pages, sheets and
    exports show as "ENTFÄLLT seit …") is the letter's date (``dated``, default
    :func:`hausbesuch.clock.today`: ``HAUSBESUCH_HEUTE`` in an exercise, as the letter's
    date), at the time of ``now``."""
    from hausbesuch.store import CaseVisitRow, lock_clients

    # the cases locked: an outcome for one of these visits recorded at this moment comes
    # first (the visit stays "erledigt", not called off) or after (review 18 #5)
    lock_clients(s, plan.city, [a.client_id for a in items])
    changed = []
    for a in items:
        row = s.get(CaseVisitRow, a.visit_id)
        if row is None:  # pragma: no cover - ids come from the store just before
            continue
        s.refresh(row)
        if row.status not in ("geplant", "entfallen"):  # its outcome recorded meanwhile
            changed.append(a.client_id)
            continue
        if row.status == "geplant" and a.first_letter is None:
            row.status = "entfallen"
            row.updated_at = datetime.combine(dated or clock.today(), now.time())
        details = {"tag": a.day.isoformat(), "von": _fmt_time(a.window[0]),
                   "bis": _fmt_time(a.window[1]), "team": a.team_id,
                   "brief_vom": (a.first_letter or dated or clock.today()).isoformat()}
        if a.first_letter is not None:  # a reprint (--correction --reprint): no new letter
            details["nachdruck"] = True
        if a.case_status:
            details["fallstatus"] = a.case_status
        if folder is not None:  # where the letter is (``purge`` names the copy)
            details["ordner"] = str(folder.resolve())
        if download:  # the web's ZIP (:func:`run_letters`)
            details["ausgabe"] = "download"
        store.audit(actor, AUDIT_CORRECTION, city=plan.city, client_id=a.client_id,
                    plan_id=plan.id, visit_id=a.visit_id, session=s, details=details)
    if changed:  # its letter is written: the whole run goes, nothing recorded (review 18b)
        raise LetterError(
            f"Während der Korrekturbriefe wurde für {', '.join(sorted(set(changed)))} ein "
            "Ergebnis erfasst: bitte die Korrekturbriefe noch einmal erstellen.")


def refuse_named_folder(out: Path, plan: Plan, master: dict[str, Client],
                        clients: Sequence[str] | None = None) -> None:
    """Refuse a letters folder whose name holds a word of the name of one of the plan's
    clients (``nachdruck-hoffmann``): its path goes into the audit log under each case id
    of the run, and the log outlives the cases' erasure (QA 33b F3; ``export`` and
    ``disclose`` refuse so too, :func:`hausbesuch.pathnames.named_in_path`). Names only,
    as the plan's snapshot and the client table hold them; the folder's own name for
    every client of the plan, the whole path for the clients of ``clients`` (a run for a
    few: a folder above named after one of them is as telling). A street counts not: a
    folder named after a district's street is common."""
    from hausbesuch.pathnames import named_in_path, safe_file_part

    wanted = None if clients is None else _folded(clients)
    people = []
    selected = []
    for c in plan.clients:
        names = {c.name, master[c.id].name if c.id in master else None} - {None, ""}
        for name in names:
            people.append((name, None, None))
            if wanted is not None and id_key(c.id) in wanted:
                selected.append((name, None, None))
    if (named_in_path(out, people, streets=False, folders=False) is None
            and (not selected or named_in_path(out, selected, streets=False) is None)):
        return
    example = (f"nachdruck-{safe_file_part(next(iter(wanted.values())))}"
               if wanted is not None and len(wanted) == 1 else
               f"briefe-{safe_file_part(plan.id)}")
    raise LetterError(
        "--out: Der Ordner der Briefe enthält einen Namen aus dem Plan (eine Kundin oder ein "
        "Kunde). Der Pfad wird zu jedem Brief im Protokoll vermerkt, das auch nach der "
        f"Löschung der Fälle bleibt. Bitte einen Ordner ohne Namen wählen, z. B. {example}.")


def _check_newest(store: Any, plan: Plan) -> None:
    """Refuse a plan that a re-plan has replaced: its times are no longer the plan. The
    refusal names the newest version, as ``link`` does (before, the direct successor,
    which may be replaced too: QA 27 F7)."""
    from hausbesuch.versions import replaced_by

    if reason := replaced_by(store, plan.id, "Briefe bitte für Plan {newest} schreiben "
                                             "(hausbesuch letters {newest} …)."):
        raise LetterError(reason)


#: Two points this close (metres) are one place: the geocoder gives one house one point.
SAME_PLACE_M = 1.0


def moved_since(store: Any, plan: Plan, profile: Profile, client_ids: Iterable[str],
                *, actor: str) -> set[str]:
    """The case ids of ``client_ids`` whose postal address in the store is no longer the
    one the plan visits (its snapshot): a list imported since with a new address, an
    address fix since to another house.

    The address now is what a plan made now would visit (the list's address, or the
    coordinator's fix while it applies, as :func:`hausbesuch.planning.workflow._as_corrected`
    spells it); it counts as the plan's when its text is the plan's, or when both are
    found to the house number at the same point (a fix or a list that spells the same
    house anew). The text is compared with the PLZ as read
    (:func:`hausbesuch.tabular.same_address_text`): a plan stored while the list's
    ``36251.0`` was kept as typed visits the address of ``36251``. Only the postal address counts: a point set by hand or a coordinate of the
    list moves no letter. A case whose data were erased, and one the plan does not hold,
    are left to the other checks. The geocoder is read only for a client whose text
    differs or who has a fix by address text.
    """
    from sqlalchemy import select

    from geodata.network import haversine_m
    from hausbesuch.casework import Casework
    from hausbesuch.planning.workflow import _as_corrected
    from hausbesuch.store import AddressFixRow
    from hausbesuch.tabular import same_address_text

    snapshot = {c.id: c for c in plan.clients}
    geocodes = {g.client_id: g for g in plan.geocodes}
    ids = sorted({cid for cid in client_ids if cid in snapshot})
    if not ids:
        return set()
    cw = Casework(store, profile, actor=actor)
    states = {st.client.id: st for st in cw.states(ids) if st.erased_at is None}
    with store.session() as s:
        text_fixed = {
            cid for cid, source, address, stale in s.execute(
                select(AddressFixRow.client_id, AddressFixRow.source_address,
                       AddressFixRow.address, AddressFixRow.stale)
                .where(AddressFixRow.city == cw.city, AddressFixRow.client_id.in_(ids)))
            if address and not stale and cid in states
            and source == states[cid].client.address}
    doubtful = [st.client for cid, st in states.items()
                if cid in text_fixed
                or not same_address_text(st.client.address, snapshot[cid].address)]
    if not doubtful:
        return set()
    located = cw.locate(doubtful)
    moved = set()
    for c in doubtful:
        loc, then = located[c.id], geocodes.get(c.id)
        if same_address_text(_as_corrected(c, loc).address, snapshot[c.id].address):
            continue
        if (then is not None and then.lon is not None and then.lat is not None
                and loc.lon is not None and loc.lat is not None
                and loc.quality in {"exact", "interpolated"}
                and then.quality in {"exact", "interpolated"}
                and float(haversine_m(loc.lon, loc.lat, then.lon, then.lat)) <= SAME_PLACE_M):
            continue  # the same house, spelled anew
        moved.add(c.id)
    return moved


def _visit_status(store: Any, plan: Plan) -> dict[tuple[str, date], tuple[str, bool]]:
    """``{(case id, day): (status, announced)}`` of the case visits of the plan's stops."""
    from sqlalchemy import select

    from hausbesuch.store import CaseVisitRow

    ids = [s.visit_id for r in plan.routes for s in r.stops if s.visit_id]
    out: dict[tuple[str, date], tuple[str, bool]] = {}
    with store.session() as sess:
        for k in range(0, len(ids), 500):
            q = select(CaseVisitRow.client_id, CaseVisitRow.day, CaseVisitRow.status,
                       CaseVisitRow.announced_at).where(CaseVisitRow.visit_id.in_(ids[k:k + 500]))
            out.update({(cid, day): (status, announced is not None)
                        for cid, day, status, announced in sess.execute(q)})
    return out


def letter_counts(store: Any, plan: Plan) -> tuple[int, int]:
    """(planned visits of ``plan`` on today or later without a letter, those with one):
    what a letter run would write, before it runs (the web's plan page). A visit a run
    skips (an agreed appointment, a case no longer open, …) counts as without; the run
    names it with its reason."""
    today = clock.today()
    wait = have = 0
    for (_, day), (status, announced) in _visit_status(store, plan).items():
        if day >= today and status == "geplant":
            have, wait = (have + 1, wait) if announced else (have, wait + 1)
    return wait, have


def due_corrections(store: Any, plan: Plan) -> list[tuple[str, date]]:
    """(case id, day) of the announced visits of the plan's line on today or later still
    waiting for their correction or cancellation letter (:func:`broken_promises`), by
    case id and day."""
    today = clock.today()
    return sorted({(a.client_id, a.day) for a in broken_promises(store, plan)
                   if a.day >= today}, key=lambda x: (id_key(x[0]), x[1]))


def run_letters(
    store: Any,
    plan: Plan,
    profile: Profile,
    out_dir: Path,
    *,
    actor: str,
    clients: Sequence[str] | None = None,
    window_minutes: int = 120,
    correction: bool = False,
    letter_date: date | None = None,
    reprint: bool = False,
    download: bool = False,
) -> LetterRun:
    """The whole letter run of ``hausbesuch letters``: choose the visits, record them in the
    store and write the PDFs, in one transaction (a failure records nothing).

    Without ``correction``: a letter per planned visit (or per visit of ``clients``) that
    has no letter yet, each recorded as announced with its promised window. A visit that
    has one (a letter for the same case visit: the visit a re-plan kept, whose promise
    binds it; :func:`first_promises`), also one written for an earlier version of the
    plan, is not written again but listed in :attr:`LetterRun.already` with that letter's
    date; with ``reprint`` it is written again (:attr:`LetterRun.reprints`), the same
    letter: its first window and its first letter's date. With ``correction``: a correction
    letter per announced visit that ``plan`` no longer keeps in its window
    (:func:`broken_promises`); those visits are then called off. The corrections written
    before for the plan's line (:func:`written_corrections`) are listed in
    :attr:`LetterRun.already`, or with ``reprint`` written again with their first date
    (:attr:`LetterRun.reprints`; audited as reprints, no visit changed).

    Only visits on or after today (:func:`hausbesuch.clock.today`) get a letter; one on an
    earlier day, one whose outcome is recorded, one whose case is no longer open (closed,
    in Klärung, reached: an announced one is to be called off with ``correction``, which
    then writes a cancellation, see :func:`broken_promises`; :attr:`LetterRun.notes`
    names them), a client whose address changed since the plan (:func:`moved_since`: the
    letter would go to the former address; a re-plan first), a client without a name and a
    letter that
    cannot be written (the recipient does not fit the window, or has characters the font
    cannot show) are listed in :attr:`LetterRun.skipped` with the reason, and nothing is
    recorded for them: the letters are written first, then exactly those are recorded.
    ``clients`` are compared without regard to case.

    One folder holds one run: the letters are written into a fresh hidden folder beside
    ``out_dir``, which replaces ``out_dir`` only after they are recorded
    (:func:`swap_in`); files of an earlier run that this one does not write again are gone
    then (:attr:`LetterRun.replaced`). A folder holding files no letter run wrote is
    refused (:func:`earlier_run`), and so is a ``clients`` run, or a run of the other kind,
    that would drop letters of the earlier run (:func:`check_replace`).

    ``download``: the run of the web app, whose ``out_dir`` is a temporary folder sent as
    a ZIP and removed: each letter is audited with ``"ausgabe": "download"`` instead of
    that folder (``purge`` names a browser's download, not a folder long gone).
    """
    if window_minutes % 30 or not 30 <= window_minutes <= 480:
        raise LetterError(
            f"--window-minutes: {window_minutes} ist keine volle halbe Stunde zwischen 30 und 480."
        )
    check_sender(profile)
    out = check_out_dir(out_dir)
    old_files = earlier_run(out)
    _check_newest(store, plan)
    master = {c.id: c for c in store.load_clients(plan.city)}
    refuse_named_folder(out, plan, master, clients)
    corrected: list[Announcement] = []  # corrections written before (named or reprinted)
    if correction:
        items, corrected = broken_promises(store, plan), written_corrections(store, plan)
        if clients is not None:
            wanted = _folded(clients)
            items = [a for a in items if id_key(a.client_id) in wanted]
            corrected = [a for a in corrected if id_key(a.client_id) in wanted]
        if reprint:
            items, corrected = items + corrected, []
    else:
        items = announcements(plan, clients=clients, window_minutes=window_minutes)
    kind, selection = ("korrektur" if correction else "brief"), clients is not None
    twice = twice_in(items)
    check_replace(out, old_files, kind=kind, selection=selection, reprint=reprint,
                  letters=[letter_file(kind, a, twice) for a in items])
    snapshot = {c.id: c for c in plan.clients}
    geocodes = {g.client_id: g for g in plan.geocodes}
    done = {} if correction else _visit_status(store, plan)
    if correction:
        cases: dict[str, str] = {}
    else:
        with store.session() as s:
            cases = case_statuses(s, plan.city, (a.client_id for a in items))
    today = clock.today()
    moved = moved_since(store, plan, profile, (a.client_id for a in items), actor=actor)
    named, skipped = [], []
    for a in items:
        c = master.get(a.client_id) or snapshot.get(a.client_id)
        status, announced = done.get((a.client_id, a.day), ("", False))
        if status in {"erledigt", "entfallen"}:
            skipped.append((a.client_id, f"Besuch bereits {status}"))
        elif a.day < today:
            skipped.append((a.client_id, f"Besuch am {format_day(a.day)} liegt vor heute"))
        elif a.appointment and not correction:
            # agreed at the door: the client knows the time; a letter would greet them as
            # not yet met and promise a window around it
            skipped.append((a.client_id, (
                f"Termin am {format_moment(a.planned_start)} beim Besuch "
                "vereinbart: kein Ankündigungsbrief")))
        elif (correction and a.case_status and a.planned_start is not None
              and a.planned_start <= clock.now_on_today()):
            # the team may have been at the door already: no cancellation after the fact
            # (in an exercise, HAUSBESUCH_HEUTE, on the exercise's day as every other check
            # of this run: the real date judged a visit of the exercise's week begun)
            skipped.append((a.client_id, (
                f"Besuch am {format_moment(a.planned_start)} hat schon begonnen: keine "
                "Absage mehr; bitte das Ergebnis erfassen")))
        elif (case := cases.get(a.client_id, "offen")) != "offen":
            # closed, in Klärung or reached since the plan: no visit to announce
            skipped.append((a.client_id, (
                f"angekündigt, Fall inzwischen „{status_label(case)}“: bitte Absage "
                f"(hausbesuch letters {plan.id} --correction)") if announced else
                f"Fall nicht mehr offen („{status_label(case)}“): kein Besuch anzukündigen"))
        elif a.client_id in moved:
            # the letter would carry the plan's (former) address: the client is not there
            skipped.append((a.client_id, (
                "die Adresse hat sich seit dem Plan geändert (Kundenliste oder "
                "Adresskorrektur), der Brief ginge an die frühere Adresse: bitte erst neu "
                f"planen (hausbesuch replan {plan.id} --from …), dann die Briefe der neuen "
                "Version schreiben")))
        elif c is None or not letter_name(c.name or ""):
            skipped.append((a.client_id, no_name_reason(c.name or "" if c else "")))
        elif missing := missing_postal(
                (held := snapshot.get(a.client_id) or c),
                postal_lines(held, geocodes.get(a.client_id))):
            skipped.append((a.client_id, missing))
        else:
            named.append(a)
    if not correction and not reprint:
        # visits with a letter already are not written again: an earlier run's letter of
        # one in ``out`` would be dropped from the folder, perhaps before it was printed
        with store.session() as s:
            had = [a for a in first_promises(s, plan, named) if a.first_letter is not None]
        files = {letter_file(kind, a, twice) for a in had}
        if old_files and had and len(had) == len(named) and all(
                f in files for f in old_files if _ONE_LETTER.match(f)):
            # nothing new to write, and the folder holds letters of these visits only: it
            # keeps the earlier run (perhaps not printed yet), not replaced by an empty one
            return LetterRun(out_dir=out, skipped=skipped, folder_made=False, unchanged=True,
                             already=[(a.client_id, a.first_letter) for a in had
                                      if a.first_letter is not None])
        check_kept(out, old_files, [letter_file(kind, a, twice) for a in had],
                   [a.client_id for a in had])
    now = clock.now().replace(microsecond=0)
    tmp = fresh_folder(out)
    try:
        with store.session() as s:
            # the letters first, with the window a letter already promised: what is
            # recorded is what was written (a letter skipped for its address binds and
            # audits nothing)
            already: list[Announcement] = []
            if not correction:
                fresh = {a.client_id: a.window for a in named}
                named = follow_ups(s, plan, first_promises(s, plan, named))
                if not reprint:  # the letter is written: not again
                    already = [a for a in named if a.first_letter is not None]
                    named = [a for a in named if a.first_letter is None]
                # a visit announced before keeps its first window, whatever the window
                # length asked now: said, so a shorter window asked is not taken as
                # printed (QA 20b)
                kept = [(a.client_id, _window_words(a.window)) for a in named
                        if a.window != fresh[a.client_id] and a.readdressed is None]
                # a letter that went to an address the client has left: written anew to
                # the address this version visits, with the window it promised (QA 33b F1)
                anew = [(a.client_id, a.readdressed, _window_words(a.window)) for a in named
                        if a.readdressed is not None]
            run = write_letters(plan, named, profile, tmp, master=master,
                                letter_date=letter_date, selection=selection)
            run.already = [(a.client_id, a.first_letter) for a in [*already, *corrected]
                           if a.first_letter is not None and a.day >= today]
            if correction:
                record_corrections(store, s, plan, run.announcements, actor=actor, now=now,
                                   folder=None if download else out,
                                   dated=letter_date or today, download=download)
            else:
                recorded = bind_announcements(store, s, plan, run.announcements, actor=actor,
                                              now=now, dated=letter_date or today,
                                              folder=None if download else out,
                                              download=download)
                if [a.window for a in recorded] != [a.window for a in run.announcements]:
                    raise LetterError("Das angekündigte Zeitfenster hat sich beim Schreiben "
                                      "geändert: bitte die Briefe noch einmal erstellen.")
                run.announcements = recorded
    except BaseException:
        # nothing was recorded: no letter of this run may stay to be printed and sent, and
        # the folder keeps the earlier run
        from hausbesuch.planfolder import remove_marked_folder

        remove_marked_folder(tmp, LETTERS_MARKER)
        raise
    run.skipped = skipped + run.skipped
    if not correction:
        run.notes += [(cid, f"schon angekündigt: der Brief nennt wieder das Zeitfenster des "
                            f"ersten Briefs ({words}), nicht ein neu berechnetes")
                      for cid, words in kept]
        written_now = {a.client_id for a in run.announcements}
        run.notes += [(cid, f"neue Anschrift seit dem Brief vom {format_day(d)} (der ging an "
                            "die frühere Anschrift): dieser Brief geht an die neue Anschrift, "
                            f"mit dem damals angekündigten Zeitfenster ({words})")
                      for cid, d, words in anew if cid in written_now]
    for a in run.announcements:
        if a.case_status:
            held = stop_of(plan, a.client_id, a.day)
            run.notes.append((a.client_id, (
                f"Absage, Fall inzwischen „{status_label(a.case_status)}“"
                + (f"; der Besuch steht noch in der Route {held[0].team_id} am "
                   f"{format_day(a.day)}: dort nicht mehr hingehen" if held else ""))))
    if not run.letters and not old_files:
        # nothing written and nothing of an earlier run to replace: no folder that only
        # says it holds social data (QA 24 T1, QA 27)
        from hausbesuch.planfolder import remove_marked_folder

        remove_marked_folder(tmp, LETTERS_MARKER)
        run.out_dir, run.folder_made = out, False
        return run
    # the notice names, besides the run's letters, the addresses to check and the visits
    # without a letter: whoever prints and posts the folder later sees them (QA 44b F9)
    try:
        write_notice(run, profile, tmp)
        swap_in(tmp, out, plan_id=plan.id, kind=kind, selection=selection)
    except (OSError, LetterError) as exc:
        # the letters are recorded as written: they must not be lost with the folder
        why = write_cause(exc, then="") if isinstance(exc, OSError) else str(exc)
        raise LetterError(
            f"Die Briefe sind gespeichert, aber der Ordner {out} konnte nicht ersetzt werden "
            f"({why}). Sie liegen in {tmp}: bitte von dort drucken und den Ordner danach "
            "löschen.") from None
    except KeyboardInterrupt as exc:
        exc.hausbesuch_state = (  # type: ignore[attr-defined]
            f"die Briefe sind gespeichert; sie liegen in {tmp}: bitte von dort drucken und "
            "den Ordner danach löschen")
        raise
    written = {q.name for q in [*run.letters.values(), *run.team_days.values()]}
    run.out_dir = out
    run.letters = {cid: out / q.name for cid, q in run.letters.items()}
    run.team_days = {key: out / q.name for key, q in run.team_days.items()}
    run.replaced = [f for f in old_files if f not in written and not _WRITING.match(f)]
    return run
