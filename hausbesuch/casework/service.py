"""The casework service: clients and their case status, address fixes, outcomes.

:class:`Casework` works on a :class:`~hausbesuch.store.Store` for one city profile and one
actor (who is acting: ``cli:<user>`` on the command line, the login name in the web app).
Every change it makes is written together with its audit row in one transaction; audit
rows carry case ids, codes and dates, never names or addresses.

What it owns:

- importing client lists into the store (new / updated / unchanged / rejected per row), with
  optional coordinates and pins from the list;
- where a client is: an address fix (point or text) by a coordinator, else a coordinate
  from the list, else the offline geocoder on the source address; a fix survives re-import
  until the source address itself changes (then it is marked stale and listed again);
- recording outcomes of visits and the case status they imply
  (:mod:`hausbesuch.casework.rules`), with the history of every status change;
- the directives the planner needs (earliest day, half-days to avoid, appointments).
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import re
import unicodedata
from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from geodata.addresses import housenumber_key, match_with_own_number, parse_address
from hausbesuch import clock
from hausbesuch.accountnames import ACTOR_ENV, shown_name  # ACTOR_ENV re-exported
from hausbesuch.casework.erasure import ERASABLE, erased_note
from hausbesuch.casework.rules import (
    MAX_REASON_LENGTH,
    RESULT_LABELS,
    STATUS_LABELS,
    STATUSES,
    Directive,
    PastOutcome,
    directive,
    parse_result,
    status_word,
)
from hausbesuch.casework.wayback import WayBack, way_back
from hausbesuch.clients import (  # an outcome's note: a list's note's limit
    MAX_NOTE_LENGTH,
    TWO_ADDRESSES,
)
from hausbesuch.config import Profile
from hausbesuch.errors import UserError
from hausbesuch.fields import (  # parse_datetime re-exported: one parser for all
    clean_text,
    count,
    format_clock,
    format_day,
    format_days,
    format_moment,
    parse_datetime,
)
from hausbesuch.plandata import Client, Geocode, Rejected
from hausbesuch.safe_cells import read_back, shorten
from hausbesuch.store import (
    PIN_COLUMNS,
    PLACE_COLUMNS,
    AddressFixRow,
    AuditRow,
    CaseVisitRow,
    ClientRow,
    GeocodeRow,
    ImportRejectionRow,
    LastImportRow,
    OtherPersonRow,
    OutcomeRow,
    PlanClientRow,
    PlanRow,
    StatusHistoryRow,
    Store,
    UnassignedRow,
    VisitRow,
    _client_from,
    audit_values,
    geocode_from,
    keep_absent,
    load_route,
    lock_clients,
    set_pin,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

__all__ = [
    "ACTOR_ENV",
    "AddressProblem",
    "CaseState",
    "Casework",
    "ImportResult",
    "Located",
    "OutcomeCorrection",
    "OutcomeResult",
    "cli_actor",
    "parse_datetime",
]


#: The reason ``purge --absent-days`` gives a case it closes (fixed text, no name: it may
#: be shown wherever the status is; ``day`` with its weekday, :func:`absent_reason`), and
#: how it is recognised again (also as stored before the weekday: „zuletzt am 01.10.2026“).
ABSENT_REASON = "nicht mehr in der Kundenliste (zuletzt am {day})"
_ABSENT_REASON_RE = re.compile(
    r"nicht mehr in der Kundenliste \(zuletzt am (?:\w\w, )?(\d\d)\.(\d\d)\.(\d{4})\)")


def absent_reason(day: date) -> str:
    """The reason ``purge --absent-days`` stores on a case it closes, the case last listed
    on ``day``: „nicht mehr in der Kundenliste (zuletzt am Do, 01.10.2026)“."""
    return ABSENT_REASON.format(day=format_day(day))


def absent_since(reason: str | None) -> date | None:
    """The day a case was last listed when ``reason`` is the one ``purge --absent-days``
    stored on closing it (:func:`absent_reason`, or its form without the weekday), else
    None."""
    m = _ABSENT_REASON_RE.fullmatch(reason or "")
    return date(int(m[3]), int(m[2]), int(m[1])) if m else None


#: Geocoder qualities that can be planned; ``manual`` = a point set by a coordinator,
#: ``given`` = a coordinate from the client list.
PLANNABLE_QUALITIES = ("exact", "interpolated", "street", "manual", "given")
#: Qualities that the coordinator should look at (``hausbesuch addresses``).
REVIEW_QUALITIES = ("unresolved", "street")
#: Qualities of an address found to its house number.
FOUND_QUALITIES = ("exact", "interpolated")
#: A point set by hand or given in the list may lie this far outside the extract's
#: address points (metres) and still be accepted.
EXTRACT_MARGIN_M = 1_000.0
#: An import is refused as another city's list (:meth:`Casework.foreign_list_error`) when
#: at least this many of its rows, and more than half of the rows whose address is looked
#: up, name a postcode or town the extract does not hold (QA 19a #3).
FOREIGN_LIST_MIN_ROWS = 3


def _late_words(found: tuple[int, int, int, int, WayBack | None]) -> tuple[str, int | None]:
    """The words for what ends after the shift and the latest start that fits, in minutes
    (None: no start that day), of :meth:`Casework._past_shift`'s ``found`` (start, visit
    minutes, first shift start, shift end, way back counted): „der Besuch (60 Min.) endet
    nach Schichtende 16:00 Uhr“, with a way back „der Besuch (45 Min.) und der Rückweg
    (22 Min.) enden erst um 16:07 Uhr, nach Schichtende 16:00 Uhr“ (a bound „mindestens
    16 Min.“). One reckoning for the phone's refusal and the coordination's note (review
    37 #5)."""
    start, minutes, first, last, back = found
    if back is None:
        words = f"der Besuch ({minutes} Min.) endet nach Schichtende {format_clock(last)} Uhr"
        latest = last - minutes
    else:
        b = back.minutes
        words = (f"der Besuch ({minutes} Min.) und der Rückweg "
                 f"({'' if back.exact else 'mindestens '}{b} Min.) enden erst um "
                 f"{format_clock(start + minutes + b)} Uhr, nach Schichtende "
                 f"{format_clock(last)} Uhr")
        latest = last - b - minutes
    return words, latest if latest > first else None


def _past(moment: datetime, today: date) -> bool:
    """Whether ``moment`` is over: a day before ``today``, or earlier today (German time;
    ``today`` may be moved by ``HAUSBESUCH_HEUTE``, the clock time of another day is not
    compared)."""
    now = clock.now()
    return moment.date() < today or (moment.date() == today == now.date() and moment < now)


def cli_actor() -> str:
    """``cli:<name>``: ``$HAUSBESUCH_USER`` (checked by
    :func:`hausbesuch.accountnames.check_actor_env`) or the
    operating-system user; one form of each letter (NFC), invisible and control
    characters written as ``\\u…`` (a name cannot break a line of the log's output)."""
    try:
        user = os.environ.get(ACTOR_ENV) or getpass.getuser()
    except Exception:  # no user database entry (containers)
        user = "unbekannt"
    # one form of each letter (an „ü“ typed as u + combining mark is the same person)
    return f"cli:{shown_name(unicodedata.normalize('NFC', user.strip()))}"


# --------------------------------------------------------------------------- results


@dataclass
class PurgeResult:
    """What :meth:`Casework.purge` chose: the cases to erase, those left (case id, German
    reason), and what the erasure changed (None in a dry run or when nothing was chosen)."""

    to_erase: list[str] = field(default_factory=list)
    #: of ``to_erase``, the cases still open or in Klärung that no client list has held
    #: for the days given (``absent_days``): set to ``abgeschlossen`` first; per case id
    #: the moment a list last held it
    to_close: dict[str, datetime] = field(default_factory=dict)
    #: the cases left: (case id; an unknown one that looks like a name as „Angabe N“, its
    #: place among the ids given; German reason)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    erased: Any = None
    #: whether the database gave back the space of what was erased (see
    #: :meth:`hausbesuch.store.Store.reclaim`); None in a dry run
    reclaimed: bool | None = None


def pin_words(team: str | None, day: date | None, minute: int | None) -> str:
    """A pin as the plan's notes write it, without its source: ``Team team-1, Fr,
    15.01.2027, 09:00 Uhr`` (the parts it has)."""
    return ", ".join(x for x in (team and f"Team {team}", day and format_day(day),
                                 minute is not None and f"{format_clock(minute)} Uhr") if x)


def _appointment_stands(row: Any, c: Client, today: date) -> bool:  # noqa: ANN401 - a row
    """Whether the stored case ``row`` has an appointment agreed at the door (pin source
    ``termin``) that a list pin of ``c`` does not replace: its day is today or later (a
    passed appointment no longer binds, :func:`hausbesuch.planning.builder.passed_pin`;
    then a list pin to today or later takes its place), or the list's pin names no day
    that is still to come (a passed appointment keeps only against the list's old dated
    pin, the one it followed; a list pin to a team only then applies: review 33 #8)."""
    if row.pin_source != "termin" or row.pin_day is None:
        return False
    if row.pin_day < today:
        return c.pin_day is not None and c.pin_day < today
    return True


def _pin_not_taken(row: Any, c: Client, today: date) -> str | None:  # noqa: ANN401 - a row
    """The note for a list pin of ``c`` not taken because the appointment of ``row``
    stands (:func:`_appointment_stands`), with how to let the list's pin apply; None when
    the list says nothing against it: the same day (and time), a pin to a team only
    (the appointment names day and time; the team is the plan's choice) or a day already
    over (the list's old pin, which the appointment followed)."""
    if c.pin_day is None or c.pin_day < today or row.pin_day < today:
        return None
    if c.pin_day == row.pin_day and c.pin_time_min in (None, row.pin_time_min):
        return None
    agreed = format_day(row.pin_day) + (f", {format_clock(row.pin_time_min)} Uhr"
                                        if row.pin_time_min is not None else "")
    return (f"Festlegung laut Liste ({pin_words(c.pin_team, c.pin_day, c.pin_time_min)}) "
            f"nicht übernommen: der beim Besuch vereinbarte Termin {agreed} gilt. Hat sich "
            "der Termin geändert: im Web auf der Seite des Plans unter „Festlegungen“ den "
            "Termin aufheben, dann die Liste erneut einlesen (oder dort den Besuch neu "
            "festlegen).")


def _announced_ahead(ahead: Sequence[CaseVisitRow]) -> CaseVisitRow | None:
    """The first of the case's visits ``ahead`` that a letter announced (a promised
    window), or None."""
    return next((v for v in sorted(ahead, key=lambda x: x.start_at)
                 if v.announced_at is not None and v.promised_start is not None
                 and v.promised_end is not None), None)


def promise_words(v: CaseVisitRow) -> str:
    """An announced visit ``v`` as the notes name it: „Do, 14.01.2027, 09:30–11:00 Uhr,
    Brief vom Di, 05.01.2027“."""
    a, b = v.promised_start, v.promised_end
    return (f"{format_day(a.date())}, {a:%H:%M}–{b:%H:%M} Uhr, Brief vom "
            f"{format_day(v.announced_at.date())}")


def letter_too_late(profile: Profile, day: date, what: str, today: date) -> str | None:
    """Why a letter (``what``: „eine Absage“, „ein Korrekturbrief“) written ``today`` does
    not do for a visit announced for ``day``: it reaches the client only on or after that
    day (:func:`hausbesuch.letters.comes_late`, the rule of ``letters``), the client is to
    be phoned; None when it arrives in time."""
    from hausbesuch.letters import arrival_day, comes_late, late_words

    if not comes_late(profile, today, day):
        return None
    return late_words(what, arrival_day(profile, today))


def web_pin_moves_promise(s: Session, profile: Profile, city: str, client_id: str,
                          today: date) -> str | None:
    """The note for a web pin of ``client_id`` (as stored) that moves a visit ahead a
    letter announced to another day or out of its window (QA 44b F4: the pin form
    confirmed „„Neu planen“ übernimmt es“ without a word of the letter; the import says it
    for a list pin, :func:`_pin_moves_promise`): the letter, that the next re-plan calls
    the announced visit off, how to tell the client (a correction letter, written outside
    the web, or a call when it would come too late) and how to keep it; None when the pin
    keeps to the announcement (or there is none)."""
    from hausbesuch.planning.builder import keeps_promise

    row = s.get(ClientRow, {"city": city, "client_id": client_id})
    if row is None or row.pin_day is None:
        return None
    ahead = list(s.scalars(select(CaseVisitRow).where(
        CaseVisitRow.city == city, CaseVisitRow.client_id == client_id,
        CaseVisitRow.status == "geplant", CaseVisitRow.day >= today)))
    v = _announced_ahead(ahead)
    if v is None or keeps_promise((v.promised_start, v.promised_end), row.pin_day,
                                  row.pin_time_min):
        return None
    from hausbesuch.letters import WEB_LETTERS

    late = letter_too_late(profile, v.day, "ein Korrekturbrief", today)
    way = (f"{late}: bitte anrufen und absagen" if late else
           f"Korrekturbrief nötig ({WEB_LETTERS})")
    return (f"{client_id} ist angekündigt ({promise_words(v)}): „Neu planen“ plant den "
            f"Besuch nach dieser Festlegung, der angekündigte entfällt; {way}. Soll der "
            "angekündigte Besuch bleiben: die Festlegung unter „Festlegungen“ aufheben.")


def _pin_moves_promise(c: Client, ahead: Sequence[CaseVisitRow]) -> str | None:
    """The note for a list pin of ``c`` that moves a visit announced by letter (of the
    case's visits ``ahead``) to another day or out of the announced window: the next
    re-plan plans the pin as a visit of its own and calls the announced one off
    (:func:`hausbesuch.planning.builder.make_candidate`, by the same
    :func:`~hausbesuch.planning.builder.keeps_promise`), which needs a correction
    letter; None when the pin keeps to an announcement (or there is none)."""
    from hausbesuch.planning.builder import keeps_promise

    if c.pin_day is None or (v := _announced_ahead(ahead)) is None:
        return None
    if keeps_promise((v.promised_start, v.promised_end), c.pin_day, c.pin_time_min):
        return None
    return (f"Festlegung laut Liste ({pin_words(c.pin_team, c.pin_day, c.pin_time_min)}) "
            f"weicht vom angekündigten Besuch ab ({promise_words(v)}): "
            "die nächste Neuplanung plant den Besuch nach der Festlegung, der "
            "angekündigte entfällt (Korrekturbrief nötig). Soll der angekündigte Besuch "
            "bleiben: die Festlegung aus der Liste nehmen und die Liste erneut einlesen.")


def _window_moves_promise(c: Client, ahead: Sequence[CaseVisitRow]) -> str | None:
    """The note for a changed ``Zeitfenster`` of ``c`` that no longer meets the window a
    letter promised for one of its visits ``ahead`` (QA 44b F1: the import said nothing,
    as it does for a pin and an address): the next re-plan of that visit's plan plans
    the new window as a visit of its own and calls the announced one off
    (:func:`hausbesuch.planning.builder.make_candidate`, by the same
    :func:`~hausbesuch.planning.builder.windows_keep_promise`), which needs a correction
    letter; None when the windows still meet it (or nothing was announced)."""
    from hausbesuch.planning.builder import window_text, windows_keep_promise

    if (v := _announced_ahead(ahead)) is None or windows_keep_promise(
            c, (v.promised_start, v.promised_end)):
        return None
    # (no command: the web's upload page shows the note as it is)
    a, b = v.promised_start, v.promised_end
    return (f"Zeitfenster geändert („{window_text(c)}“), aber mit Brief vom "
            f"{format_day(v.announced_at.date())} für {format_day(a.date())}, "
            f"{a:%H:%M}–{b:%H:%M} Uhr angekündigt (Plan {v.plan_id}): bitte neu planen; "
            "die Neuplanung plant den Besuch im neuen Zeitfenster, der angekündigte "
            "entfällt (Korrekturbrief nötig). Gilt der angekündigte Termin doch: das "
            "Zeitfenster in der Liste so eintragen, dass es ihn enthält, und die Liste "
            "erneut einlesen.")


def old_address_note(client_id: str, v: CaseVisitRow, *, still_open: bool = True) -> str:
    """The note on a case whose address changed (a list, a fix) while its visit ``v``
    ahead goes to the old one: for an open case without how to re-plan (the command
    line adds it, :meth:`ImportResult.replan_hint`; a web page names „Neu planen“), with
    the letter that announced it there; for a case no longer open, that the visit is off.
    """
    if not still_open:
        return (f"{client_id}: Adresse geändert; der Besuch am {format_moment(v.start_at)} "
                f"(Plan {v.plan_id}) an der alten Adresse entfällt, da der Fall nicht offen "
                "ist.")
    letter = (f", mit Brief vom {format_day(v.announced_at.date())} an die alte Adresse "
              "angekündigt" if v.announced_at is not None else "")
    return (f"{client_id}: Adresse geändert, aber am {format_moment(v.start_at)} noch an "
            f"der alten Adresse eingeplant (Plan {v.plan_id}{letter})")


#: How near a list's address must be found to the point of an address fix set on the map
#: for the fix to hold when the list completes the address (:meth:`Casework._fix_found_again`):
#: a point set by hand lies at the door or on the pavement, the geocoder's at the house.
POINT_FIX_NEAR_M = 30.0
#: The same house, as the geocoder finds it twice (its answer for two texts of one door).
SAME_HOUSE_M = 5.0


def _elsewhere(stop: VisitRow, lon: float | None, lat: float | None) -> bool:
    """Whether a plan's ``stop`` lies more than a few metres from where a case is now
    (``lon``, ``lat``; not when that is unknown)."""
    return lon is not None and lat is not None and not (
        abs(stop.lat - lat) < 5e-5 and abs(stop.lon - lon) < 5e-5)


def _stop_of(s: Session, visit: CaseVisitRow) -> VisitRow | None:
    """The stop of ``visit`` in the plan version that holds it (None: none)."""
    return s.scalar(select(VisitRow).where(VisitRow.plan_id == visit.plan_id,
                                           VisitRow.visit_id == visit.visit_id).limit(1))


#: :func:`_visits_address`'s „read it yourself“ for a geocode not given.
_READ = object()


def _visits_address(s: Session, visit: CaseVisitRow, c: Client, *,
                    stop: VisitRow | None = None, g: Any = _READ) -> bool:  # noqa: ANN401
    """Whether the stop of ``visit`` in the plan version that holds it goes to the
    address the list now gives for ``c`` (the same words and, when the list gives a point,
    that point within a few metres). A stop keeps its address without the words of the
    client's own name (:func:`hausbesuch.care_of.without_own_name`, as the plan found the
    address: its geocode; with the c/o line of a host named in the ``Name`` cell), so the
    list's address is compared so too (review 25 #4); a stop of a plan stored before kept
    them, and is compared with the address as given (and without that c/o line).
    The PLZ is compared as read (:func:`hausbesuch.tabular.same_address_text`): a stop of
    a plan stored before ``36251.0`` was read as ``36251`` goes to the same address. So is
    the door (:func:`hausbesuch.clients.same_door`, with the same additions): a list that
    writes it in another case, abbreviation or spacing names the stop's address (QA 44a
    F1: „Breitenstr. 99“ for the plan's „Breitenstraße 99“ asked for a re-plan).
    ``stop`` and ``g`` (its plan's GeocodeRow of the case, or None): read before, for
    many visits at once (:meth:`Casework.visits_at_old_place`: no two queries per visit
    on each view of the plan page, review 38 #2)."""
    from hausbesuch.care_of import without_own_name
    from hausbesuch.clients import same_door
    from hausbesuch.tabular import same_address_text

    if stop is None:
        stop = _stop_of(s, visit)
    if stop is None:
        return False
    if g is _READ:
        g = s.scalar(select(GeocodeRow).where(GeocodeRow.plan_id == visit.plan_id,
                                              GeocodeRow.client_id == stop.client_id).limit(1))

    def same(a: str) -> bool:  # the PLZ as read now: a plan stored before kept it as typed
        return same_address_text(stop.address, a, any_case=True) or (
            same_door(stop.address, a) and _same_additions(stop.address, a))

    geocode = geocode_from(g) if g is not None else None
    # (a stop of a plan stored before a host of the Name cell was added to it: without)
    if not same(c.address) and not same(without_own_name(c, geocode)) \
            and not same(without_own_name(c, geocode, host=False)):
        return False
    return c.lat is None or c.lon is None or (
        abs(stop.lat - c.lat) < 5e-5 and abs(stop.lon - c.lon) < 5e-5)


def _same_additions(a: str, b: str) -> bool:
    """Whether two addresses of one door carry the same additions (a floor, a c/o line:
    :attr:`geodata.addresses.ParsedAddress.extra`), compared without case, spaces and
    punctuation: the field reads them, so a changed floor is a new address for a visit."""
    def additions(text: str) -> tuple[str, ...]:
        return tuple(re.sub(r"\W+", "", x.casefold()) for x in parse_address(text).extra)

    return additions(a) == additions(b)


def _person_key(name: str | None) -> tuple[str, ...]:
    """A client's name as compared for one person under two ids: its words folded (case,
    umlauts, accents: :func:`hausbesuch.namewords.fold`) in any order, without
    salutations and titles, of the name as a letter writes it
    (:func:`hausbesuch.letters.letter_name`: „Nachname, Vorname“ turned round, a host
    after c/o left out): „Person, Jana“, „Jana Person“ and „Frau JANA PERSON“ are one.
    () for no name, an export's placeholder or a single word (a surname alone may name
    a family's other members)."""
    from hausbesuch.letters import letter_name
    from hausbesuch.namewords import SALUTATION_WORDS, fold

    key = tuple(sorted(w for w in re.findall(r"[^\W_]+", fold(letter_name(name or "")))
                       if w not in SALUTATION_WORDS))
    return key if len(key) > 1 else ()


def same_person_groups(people: Sequence[tuple[str, str | None, str | None]]
                       ) -> list[list[str]]:
    """Of cases (id, name, address), the ids that seem one person under two ids or more
    (QA 44a F2): the same name (:func:`_person_key`) at the same door, compared as two rows
    of one case are (:func:`hausbesuch.clients.same_place`: street and number alike, the
    postcode where both give one). Two names at one door are two people. Each group in
    the order given."""
    from hausbesuch.clients import door_key, same_place
    from hausbesuch.tabular import postcode_as_read

    by_name: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    for cid, name, address in people:
        if address and (key := _person_key(name)):
            by_name.setdefault(key, []).append((cid, address))
    groups = []
    for members in by_name.values():
        if len(members) < 2:
            continue
        by_door: dict[tuple[str, str], list[tuple[str, Any]]] = {}  # (pairs per door)
        for cid, a in members:
            if (p := parse_address(postcode_as_read(a))).street:
                by_door.setdefault(door_key(p), []).append((cid, p))
        for parsed in by_door.values():
            ids = [cid for i, (cid, p) in enumerate(parsed) if any(
                j != i and same_place(p, q) for j, (_, q) in enumerate(parsed))]
            if len(ids) > 1:
                groups.append(list(dict.fromkeys(ids)))
    return groups


def same_person_note(ids: Sequence[str], status: Mapping[str, str] | None = None, *,
                     how: bool = True, checked: Collection[frozenset[str]] = ()) -> str:
    """The note on cases that seem one person (:func:`same_person_groups`): their ids (the
    first ten of more), never the name; a case that is no longer open with its status
    (``status``: id -> status; „L-1004 (erreicht) und L-1019“: the person was met under
    the other id, QA 45c F3). ``how``: with the ways to mark two people (the case page,
    which has its own buttons, says it without), for a pair not marked yet (``checked``,
    QA 46 F5)."""
    def said(cid: str) -> str:
        st = (status or {}).get(cid, "offen")
        return cid if st == "offen" else f"{cid} ({status_word(st)})"

    named = [said(cid) for cid in ids]
    shown = f"{', '.join(named[:-1])} und {named[-1]}" if len(named) <= 10 else \
        f"{', '.join(named[:10])} und {len(named) - 10} weitere"
    said = (f"{shown}: gleicher Name und gleiche Anschrift – doppelt angelegt? Bitte in der "
            "Fachanwendung prüfen")
    if not how:
        return said + "."
    a, b = next(((a, b) for i, a in enumerate(ids) for b in ids[i + 1:]
                 if pair_key(a, b) not in checked), (ids[0], ids[1]))
    return (said + " (zwei Personen: auf der Seite des Falls als „andere Person“ vermerken; "
            f"hausbesuch status {a} --other-person {b}).")


def pair_key(a: str, b: str) -> frozenset[str]:
    """Two case ids as a pair, compared as ids are (:func:`hausbesuch.caseids.id_key`)."""
    from hausbesuch.caseids import id_key

    return frozenset((id_key(a), id_key(b)))


def unchecked_groups(groups: Sequence[Sequence[str]], checked: Collection[frozenset[str]]
                     ) -> list[list[str]]:
    """Of ``groups`` (:func:`same_person_groups`), the ids of each that are still to be
    checked: those in a pair not marked as two people (``checked``: :func:`pair_key`
    pairs, :meth:`Casework.other_person_pairs`). A group whose every pair is marked is
    left out; a third id joining a checked pair names the pairs it forms."""
    if not checked:
        return [list(ids) for ids in groups]
    out = []
    for ids in groups:
        keep = [cid for cid in ids
                if any(o != cid and pair_key(cid, o) not in checked for o in ids)]
        if len(keep) > 1:
            out.append(keep)
    return out


def open_same_person_groups(people: Sequence[tuple[str, str | None, str | None]],
                            status: Mapping[str, str],
                            checked: Collection[frozenset[str]] = ()) -> list[list[str]]:
    """:func:`same_person_groups` of ``people`` (open cases and those no longer open:
    ``status``, id -> status; not given: open) that hold an open case: while one id of a
    person is still to be visited, the pair stays named, also once the person was met,
    refused or moved under the other id (QA 45c F3: the note went when L-1004 was
    reached, and L-1019 was visited again). Pairs a coordinator marked as two people
    (``checked``, :func:`unchecked_groups`) are left out."""
    return [ids for ids in unchecked_groups(same_person_groups(people), checked)
            if any(status.get(cid, "offen") == "offen" for cid in ids)]


def same_person_notes(states: Sequence[Any], checked: Collection[frozenset[str]] = ()
                      ) -> list[str]:
    """The notes (:func:`same_person_note`) on the cases of ``states``
    (:class:`CaseState`: the city's cases a plan reads from the store, of any status)
    that seem one person under two ids, where one of them is open and the pair is not
    marked as two people (``checked``)."""
    status = {st.client.id: st.status for st in states}
    return [same_person_note(ids, status, checked=checked) for ids in open_same_person_groups(
        [(st.client.id, st.client.name, st.client.address) for st in states], status,
        checked)]


def _read_anew(row: Any, values: Mapping[str, Any], changed: Sequence[str]  # noqa: ANN401
               ) -> set[str]:
    """Of the ``changed`` columns of the stored case ``row`` (a list's ``values``), those
    that differ only as the PLZ is read now (:func:`hausbesuch.tabular.split_postcode`): a
    case stored while a PLZ was kept as typed (``36251.0``, ``D-36251``, ``36 251``, the
    merged ``36251 Bad Hersfeld`` next to the Ort; one that is no postcode, ``362511`` or
    ``fehlt``, is left out now) has the same address, postcode and town as read now,
    although the text differs: the stored PLZ cell is read anew (not a joined text). No change of the list: not counted as
    one, no fix made stale, no visit moved."""
    from hausbesuch.tabular import same_address_text, split_postcode

    # the PLZ cell as stored before (as typed: „36251.0“, „36251 Bad Hersfeld“ next to
    # the Ort, „fehlt“) read as the client list reads it now (clients.postcode_cells,
    # _address_parts): its five digits; letters next to a filled Ort left out
    postcode, in_plz, _ = split_postcode(row.postcode or "")
    if not postcode and row.town:
        in_plz = ""
    town = row.town or in_plz or None
    out: set[str] = set()
    if "address" in changed:
        now = values["address"] or ""
        if same_address_text(row.address, now):
            out.add("address")
        elif row.postcode:  # „…, fehlt Bad Hersfeld“: the address as made of it now
            typed = row.postcode + (f" {row.town}" if row.town and row.town.casefold()
                                    not in row.postcode.casefold() else "")
            cell = " ".join(p for p in (postcode, in_plz) if p)
            read = " ".join(p for p in (cell, row.town) if p and (
                p is cell or p.casefold() not in cell.casefold()))
            head, sep, tail = (row.address or "").rpartition(",")
            if sep and tail.strip().startswith(typed) and same_address_text(
                    f"{head}, {read}{tail.strip()[len(typed):]}".rstrip(", "), now):
                out.add("address")
    if {"postcode", "town"} & set(changed) and (postcode or None, town) == (
            values.get("postcode", row.postcode), values.get("town", row.town)):
        out |= {"postcode", "town"} & set(changed)
    return out


@dataclass
class ImportResult:
    """What :meth:`Casework.import_clients` did, row by row."""

    source: str
    total_rows: int
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: ids of the list that are a stored case's id but for look-alike characters (QA 26
    #: F1): id as listed -> id as stored (which stays)
    lookalikes: dict[str, str] = field(default_factory=dict)
    #: clients whose address fix no longer applies (the source address changed)
    stale_fixes: list[str] = field(default_factory=list)
    #: the valid clients of the list, in input order
    clients: list[Client] = field(default_factory=list)
    #: open cases of the city that this list does not hold (closed in case management?
    #: they stay open and are planned until their status is set)
    absent: list[str] = field(default_factory=list)
    #: clients whose address changed while a stored plan still visits them ahead at
    #: another address: (note without how to re-plan, plan id); :attr:`warnings` holds
    #: each with the command line (``replan_hint``), a web page says „Neu planen“
    moved_ahead: list[tuple[str, str]] = field(default_factory=list)
    #: the stored columns (-> German label) of fields the list has no column for: a known
    #: case keeps them as stored (:func:`absent_columns`)
    absent_columns: dict[str, str] = field(default_factory=dict)
    #: listed cases whose stored status is not ``offen`` (id as listed -> status): a plan
    #: does not take them; the import says so (QA 26 F3), as ``plan LISTE`` does
    not_open: dict[str, str] = field(default_factory=dict)
    #: listed cases whose data were erased and that are done (id as listed -> when erased):
    #: the row was not read (counted in :attr:`unchanged`, the stored case did not change)
    erased_kept: dict[str, datetime] = field(default_factory=dict)
    #: what a row's pin did not do or will do (id as listed -> German notes): a list pin
    #: not taken because an appointment agreed at the door stands (QA 33a F3), a list pin
    #: that will replace an announced visit (QA 33b F10); :attr:`warnings` holds each with
    #: its row and case id, the report (:meth:`report_rows`) in its row's „grund“
    pin_notes: dict[str, list[str]] = field(default_factory=dict)
    #: the PLZ cells that hold no postcode, left out of the address (row, column, text:
    #: :attr:`hausbesuch.clients.ClientList.odd_postcodes`): :attr:`warnings` names them
    #: at once, the report (:meth:`report_rows`) each in its row's „grund“
    odd_postcodes: list[tuple[int, str, str]] = field(default_factory=list)
    #: cases that seem one person under two ids (id -> the note naming the ids, never the
    #: name: :func:`same_person_note`; QA 44a F2): :attr:`warnings` holds each note once,
    #: the report (:meth:`report_rows`) in each of its rows' „grund“
    same_person: dict[str, str] = field(default_factory=dict)

    @property
    def unchanged_read(self) -> int:
        """How many rows were read and left their case unchanged: :attr:`unchanged`
        without :attr:`erased_kept`, which the import and the web upload page count apart
        („nicht wieder eingelesen (Daten gelöscht)“; review 27 #9)."""
        return sum(1 for cid in self.unchanged if cid not in self.erased_kept)

    def erased_reason(self, client_id: str) -> str:
        """Why a row of :attr:`erased_kept` was not read, and the two steps to take the
        case up again (as the import's report says them; the import's note and the web
        upload page name the cases and the steps once for all)."""
        from hausbesuch.casework.erasure import erased_note

        return (f"{erased_note(self.erased_kept[client_id])}: nicht wieder eingelesen; zum "
                f"Bearbeiten den Status auf „offen“ setzen (hausbesuch status {client_id} "
                "--set offen), dann die Liste erneut einlesen")

    def not_open_reason(self, client_id: str, *, command: bool = True) -> str:
        """Why a listed case is not planned (:attr:`not_open`), in the words of ``plan
        LISTE`` (Status „…“: wird nicht geplant), with how to reopen it: the command line
        (``command``) or the web's *Fälle* page."""
        status = self.not_open[client_id]
        how = (f"wieder öffnen mit „hausbesuch status {client_id} --set offen“" if command
               else "wieder öffnen: unter „Fälle“ den Status „offen“ setzen")
        return f"Status „{STATUS_LABELS.get(status, status)}“: wird nicht geplant; {how}"

    @staticmethod
    def replan_hint(text: str, plan_id: str) -> str:
        """A note of :attr:`moved_ahead` as the command line says it."""
        return f"{text}; bitte neu planen (hausbesuch replan {plan_id} --from …)."

    def absent_note(self) -> str | None:
        """The German note on :attr:`absent` (None when the list read nothing or holds
        every open case)."""
        if not self.absent or not (self.new or self.updated or self.unchanged):
            return None
        n, shown = len(self.absent), ", ".join(self.absent[:5])
        return (f"{count(n, 'offener Fall', 'offene Fälle')} der Datenbank "
                f"{'steht' if n == 1 else 'stehen'} nicht in dieser Liste ({shown}"
                f"{', …' if n > 5 else ''}) und {'bleibt' if n == 1 else 'bleiben'} "
                "offen und eingeplant, bis ein in der Fallverwaltung abgeschlossener Fall "
                "auch hier abgeschlossen wird.")

    def report_rows(self) -> list[dict[str, str]]:
        """One row per input row: ``neu`` / ``aktualisiert`` / ``unverändert`` /
        ``nicht_eingelesen`` (data erased, :attr:`erased_kept`) / ``abgelehnt``, and in
        ``grund`` why (a rejection) or what to check (a case not open, a fix no longer
        valid, a list pin, a PLZ left out of the address)."""
        from hausbesuch.clients import postcode_reason

        status = {cid: "neu" for cid in self.new}
        status.update({cid: "aktualisiert" for cid in self.updated})
        status.update({cid: "unverändert" for cid in self.unchanged})
        status.update({cid: "nicht_eingelesen" for cid in self.erased_kept})
        postcodes: dict[int, list[str]] = {}  # row -> its PLZ left out, why
        for row, col, text in self.odd_postcodes:
            postcodes.setdefault(row, []).append(postcode_reason(col, text))

        def why(c: Client) -> str:
            cid = c.id
            if cid in self.erased_kept:
                return self.erased_reason(cid)
            return "; ".join(
                ([self.not_open_reason(cid)] if cid in self.not_open else [])
                + (["Adresse geändert: die frühere Korrektur gilt nicht mehr, bitte prüfen"]
                   if cid in self.stale_fixes else [])
                + [n.rstrip(".") for n in self.pin_notes.get(cid, [])]
                + postcodes.get(c.row, [])
                + ([self.same_person[cid].rstrip(".")] if cid in self.same_person else []))

        rows = [
            {"zeile": str(c.row), "id": c.id, "status": status[c.id], "grund": why(c)}
            for c in self.clients if c.id in status
        ]
        rows += [
            {"zeile": str(r.row), "id": r.id or "", "status": "abgelehnt",
             "grund": field_reason(r.field, r.reason)}
            for r in self.rejected
        ]
        rows.sort(key=lambda r: int(r["zeile"]))
        for row in rows:  # how a look-alike id differs from the stored one (QA 26 F1)
            if row["status"] != "abgelehnt" and (stored := self.lookalikes.get(row["id"])):
                from hausbesuch.caseids import stored_as

                row["grund"] = "; ".join(filter(None, [stored_as(row["id"], stored),
                                                       row["grund"]]))
        return rows


def with_typed_number(suggestion: str, given: str) -> str | None:
    """A street suggestion without a house number ("Johannes-Brahms-Straße, 36251 Bad
    Hersfeld") with the number of the client's address ``given`` ("Brahmsstraße 8, …"):
    "Johannes-Brahms-Straße 8, 36251 Bad Hersfeld" (QA 26 F4: taking the suggestion lost
    the number). None when the suggestion has a number or the address has none."""
    number = parse_address(given).housenumber
    if not number or parse_address(suggestion).housenumber:
        return None
    head, sep, tail = suggestion.partition(",")
    return f"{head.rstrip()} {housenumber_key(number)}{sep}{tail}"


def _id_number(client_id: str) -> str | None:
    """The number of an id made of an optional letter prefix and digits, without leading
    zeros (``"000042"``, ``"BG000042"`` and ``"42"`` give ``"42"``); None for other ids."""
    m = _ID_NUMBER.fullmatch(client_id)
    return m[1] if m else None


_ID_NUMBER = re.compile(r"[A-Za-z]{0,4}[-/ ]?0*(\d+)")


@dataclass(frozen=True)
class Located:
    """Where a client is, and how we know (``source``)."""

    client_id: str
    lon: float | None
    lat: float | None
    quality: str
    score: float
    match: str
    reason: str
    suggestions: tuple[str, ...] = ()
    #: korrektur_punkt | korrektur_adresse | liste_koordinate | geokodiert
    source: str = "geokodiert"
    #: found, but the geocoder is in doubt (street name only similar, town or postcode
    #: do not fit): listed for review until a coordinator confirms or fixes it
    doubt: bool = False
    #: the client has an address fix that no longer applies (the list's address changed
    #: since): located by the list's address, listed until a coordinator confirms it
    fix_set_aside: bool = False
    #: not found because the map data hold the address at several places far apart: those
    #: places (lon, lat) for the coordinator to pick one on the map
    #: (:attr:`geodata.geocode.GeocodeResult.candidates`)
    candidates: tuple[tuple[float, float], ...] = ()
    #: the address of a fix by text (``source`` korrektur_adresse) as stored, with the
    #: house number typed or taken with a suggestion; "" otherwise
    fix_address: str = ""
    #: the client's address fix lies outside the city's extract (stored with another
    #: area's extract, before :meth:`Casework.check_extract`): not used, the case is not
    #: plannable and listed for a new fix (``reason`` says so)
    fix_outside: bool = False

    @property
    def plannable(self) -> bool:
        return self.quality in PLANNABLE_QUALITIES and self.lon is not None

    @property
    def found_anew(self) -> bool:
        """A fix set aside, and the list's new address found to the house number."""
        return (self.fix_set_aside and not self.doubt and bool(self.match)
                and self.quality in FOUND_QUALITIES and self.lon is not None)

    @property
    def fix_shown(self) -> str:
        """The address of a fix by text as the field sees it: found at street level only,
        OSM's street with the house number of the fix („Bahnhofstraße 9, 36251 Bad
        Hersfeld“ for „Bahnhofstr. 9“, whose number OSM does not have:
        :func:`with_typed_number`), not the bare street of :attr:`match`; else
        :attr:`match` (which has the fix's own number when found: „Bierweg 4“), or the
        fix as stored without a match."""
        if self.quality == "street" and self.fix_address:
            return with_typed_number(self.match, self.fix_address) or self.match \
                or self.fix_address
        return self.match or self.fix_address

    @property
    def offered(self) -> tuple[str, ...]:
        """The suggestions a coordinator may take by number: for an address in doubt,
        and for the new address of a fix set aside when it is found, the match comes
        first (taking it confirms it)."""
        if (self.doubt or self.found_anew) and self.match:
            return (self.match, *(x for x in self.suggestions if x != self.match))
        return self.suggestions

    def geocode(self, district: str) -> Geocode:
        return Geocode(client_id=self.client_id, lon=self.lon, lat=self.lat,
                       quality=self.quality, score=self.score, match=self.match,
                       reason=self.reason, district=district, doubt=self.doubt)


@dataclass(frozen=True)
class AddressProblem:
    """A client whose address needs a coordinator (``hausbesuch addresses``)."""

    client_id: str
    address: str
    quality: str
    reason: str
    suggestions: tuple[str, ...]
    stale_fix: bool


@dataclass(frozen=True)
class CaseState:
    """A client with its case status, pins and the directive of its outcomes."""

    client: Client
    status: str
    directive: Directive
    pin_team: str | None = None
    pin_day: date | None = None
    pin_time_min: int | None = None
    pin_source: str | None = None
    #: why the status is what it is (e.g. "verzogen am …")
    client_status_reason: str = ""
    #: when the case's personal data were erased (``hausbesuch purge``), else None
    erased_at: datetime | None = None

    @property
    def why(self) -> str:
        """Why the case stands as it does: the outcomes' reason while they decide the
        status ("2. Versuch ohne Kontakt …", "verzogen am …"); the stored reason when the
        status was set by hand after them (a case reopened after "verzogen" is open
        because the coordinator said so, not "verzogen")."""
        d = self.directive
        if d.by_outcomes and d.status == self.status and d.reason:
            return d.reason
        return self.client_status_reason


def outcome_note(note: str | None) -> str | None:
    """An outcome's note as stored: without control characters, at most
    :data:`MAX_NOTE_LENGTH` characters (a longer one cut, ending in „[…gekürzt]“:
    :func:`hausbesuch.safe_cells.shorten`); None for none."""
    return shorten(clean_text(note), MAX_NOTE_LENGTH) or None if note else None


def reason_problem(reason: str, what: str = "Grund") -> str | None:
    """The German message for a status reason longer than :data:`MAX_REASON_LENGTH`
    characters (``what``: how it is named, e.g. an option), or None."""
    n = len(reason.strip())
    if n <= MAX_REASON_LENGTH:
        return None
    return f"{what}: höchstens {MAX_REASON_LENGTH} Zeichen, erhalten {n}."


@dataclass
class OutcomeResult:
    """What :meth:`Casework.record_outcomes_file` did."""

    source: str
    total_rows: int = 0
    recorded: list[tuple[int, str, str]] = field(default_factory=list)  # (row, id, result)
    duplicates: list[tuple[int, str]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    #: German notes on recorded rows (an outcome of a case whose data were erased)
    notes: list[str] = field(default_factory=list)
    #: (case id, day) of the visit of each recorded row, in the order of ``recorded``
    visits: list[tuple[str, date]] = field(default_factory=list)


#: The start of the reason of a status the outcomes give anew after a correction
#: (:meth:`Casework.correct_outcome`): such a change counts as the outcomes', not by hand.
CORRECTED_PREFIX = "Ergebnis berichtigt: "


class AppointmentNote(NamedTuple):
    """A note on an appointment agreed at the door that a stored plan covering its day
    does not hold (:meth:`Casework.appointment_notes`): the German text (no case id, no
    full stop), the plan's newest version, and whether its re-plan plans the appointment
    (False: that version tried it and listed it as not plannable, the text says why and
    what to do instead)."""

    text: str
    plan_id: str
    replan: bool


class OldPlace(NamedTuple):
    """A visit ahead that a stored plan still sends to a case's old address or point
    (:meth:`Casework.visits_at_old_place`): the case, the visit (``geplant``, from today
    on), the version that holds it and whether the case is open (a re-plan takes it)."""

    client_id: str
    visit: CaseVisitRow
    plan_id: str
    still_open: bool

    @property
    def moved_note(self) -> str:
        """The note of the plan page and the case page while the visit waits for a
        re-plan (QA 38 F3), without the case id and how to re-plan: „Adresse seit dem Plan
        geändert (Besuch am Mi, 16.12.2026, 09:04 Uhr noch an der alten Adresse; der Brief
        vom Fr, 11.12.2026 ging an die alte Adresse)“."""
        v = self.visit
        letter = (f"; der Brief vom {format_day(v.announced_at.date())} ging an die alte "
                  "Adresse" if v.announced_at is not None else "")
        return (f"Adresse seit dem Plan geändert (Besuch am {format_moment(v.start_at)} "
                f"noch an der alten Adresse{letter})")


class EnteredOutcome(NamedTuple):
    """What :meth:`Casework.enter_outcome` stored: the outcome, whether it is new, and the
    day its visit had been called off when it went to a called-off visit (else None)."""

    row: OutcomeRow
    new: bool
    called_off_since: date | None


@dataclass
class OutcomeCorrection:
    """What :meth:`Casework.correct_outcome` did (times in minutes of the day)."""

    client_id: str
    day: date
    old_result: str
    new_result: str
    old_time: int | None
    new_time: int | None
    status_before: str
    status_after: str
    #: False: the outcome already said this (nothing written, nothing audited)
    changed: bool = True
    #: a status set by hand after the outcome was recorded, and not changed since, stayed
    status_kept: bool = False
    #: stored plans' visits still planned at the outcome's old appointment, which the
    #: outcome no longer agrees: (visit id, planned start, plan id); the plan keeps
    #: sending the team there until a re-plan (review 22 #4)
    old_visits: list[tuple[str, datetime, str]] = field(default_factory=list)
    #: the outcome's note was replaced or cleared (its old text is to be reclaimed from
    #: the database's files: :meth:`hausbesuch.store.Store.reclaim`, review 22 #7)
    note_changed: bool = False
    #: a stored note was replaced or deleted (not only added): its old text is what a
    #: reclaim removes from the database's files
    old_note_dropped: bool = False
    #: whether the reclaim after a changed note worked (set by the caller that runs it;
    #: None: not run, e.g. on SQLite, which zeroes the old text at once)
    reclaimed: bool | None = None

    def old_visit_notes(self) -> list[str]:
        """German: one sentence per :attr:`old_visits` (:func:`old_visit_note`)."""
        return [old_visit_note(at, plan) for _vid, at, plan in self.old_visits]


def old_visit_note(at: datetime, plan_id: str) -> str:
    """German: a plan still holds a visit at an appointment that no longer stands."""
    return (f"Der Besuch zum alten Termin am {format_moment(at)} steht noch in "
            f"Plan {plan_id}: bitte neu planen.")


def id_may_be_shown(client_id: str, pattern: re.Pattern[str] | None = None) -> bool:
    """Whether a typed case id that the city does not know may be quoted in a message or
    put back into a form: only when the import would take it as an id
    (:func:`hausbesuch.clients.id_problem`, the rules of the list's id column): not when
    it looks like a person's name (letters and a name's separators, no digit), nor, with
    the city's ``[casework] kundennummer_muster`` (``pattern``), when it does not match it,
    nor, without one, when it has five letters or more in a row (a name or a street:
    ``Weinstrasse-21``, ``Meier 12``). A mistyped id column or argument may hold any of
    them, and refusals land in terminals, pages and logs. (No row belongs to an unknown
    id, so no row's own name or street is compared.) A well-formed unknown id („K-1099“)
    may be quoted. Invisible characters (:data:`INVISIBLE`: a zero-width space, a soft
    hyphen) do not hide a name: it is checked also without them (review 32 #3). Nor is a
    value of two words of letters or more quoted (a short street and number, „Am Hang 3“,
    or name, „Ida Roth“, passes the run of five letters: QA 33c L2); an id has one
    („BG 12345“ may be quoted)."""
    from hausbesuch.clients import id_problem

    seen = "".join(ch for ch in client_id if unicodedata.category(ch) not in INVISIBLE)
    words = [w for w in re.split(r"[\s,;/]+", seen) if len(_LETTER_RE.sub("", w)) < len(w) - 1]
    return len(words) < 2 and not id_problem(client_id, None, pattern=pattern) and not \
        id_problem(seen, None, pattern=pattern)


#: a letter (:func:`id_may_be_shown` counts the letters of each word)
_LETTER_RE = re.compile(r"[^\W\d_]")


#: Unicode categories a message does not show as they are (control and format characters
#: such as U+202E or a zero-width space, private use, unassigned, surrogates, line and
#: paragraph separators): :func:`quoted_id` writes them out, :func:`id_may_be_shown`
#: looks through them.
INVISIBLE = ("Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp")


#: what a refusal adds for an unknown id it does not repeat (:func:`id_may_be_shown`)
NAME_LIKE_ID = ("sieht aus wie ein Name oder eine Anschrift und wird darum nicht "
                "wiederholt (bitte die pseudonyme Kundennummer aus der Fachanwendung "
                "angeben)")


#: Most characters of an unknown id a message quotes (then „…“), as the web app's
#: ``ECHO_SHORT`` (:func:`hausbesuch.web.app.echo`).
ID_ECHO_SHORT = 40


def quoted_id(client_id: str) -> str:
    """An unknown id as a message quotes it (QA 32 F4): invisible characters (control and
    format characters such as the right-to-left override U+202E, line separators) written
    as ``\\u202e``, as the command line's ``printable`` does, and at most
    :data:`ID_ECHO_SHORT` characters of that, then „…“. A link or argument may hold
    anything; the refusal lands in pages, terminals and logs."""
    out: list[str] = []
    size = 0
    for ch in client_id:
        piece = f"\\u{ord(ch):04x}" if unicodedata.category(ch) in INVISIBLE else ch
        if size + len(piece) > ID_ECHO_SHORT:  # cut before a written character, not in it
            return "".join(out).rstrip() + "…"
        out.append(piece)
        size += len(piece)
    return "".join(out)


def unknown_id(client_id: str, city: str, pattern: re.Pattern[str] | None = None) -> str:
    """„Kundennummer „K-1099“ ist in Kassel nicht bekannt“ (the id as :func:`quoted_id`
    writes it), or, for an id that may not be quoted (:func:`id_may_be_shown` with the
    city's id ``pattern``), the same without the id and why."""
    if id_may_be_shown(client_id, pattern):
        return f"Kundennummer „{quoted_id(client_id)}“ ist in {city} nicht bekannt"
    return f"Die angegebene Kundennummer ist in {city} nicht bekannt; sie {NAME_LIKE_ID}"


def names_unknown_id(reason: str, city: str) -> bool:
    """Whether a rejection's ``reason`` is :func:`unknown_id`'s for ``city`` (a case id
    the city does not know: the case where another ``--city`` may be meant)."""
    return f" ist in {city} nicht bekannt" in reason


def field_reason(name: str, reason: str) -> str:
    """German ``field: reason`` for client-list and outcome-file fields."""
    from hausbesuch.clients import field_reason as client_field_reason
    from hausbesuch.clients import starts_with_label

    if name in _OUTCOME_LABELS:
        label = _OUTCOME_LABELS[name]
        return reason if starts_with_label(reason, label) else f"{label}: {reason}"
    return client_field_reason(name, reason)


def field_label(name: str) -> str:
    """The German label of a client-list or outcome-file field („Ergebnis“, „Datum“)."""
    from hausbesuch.clients import FIELD_LABELS

    return _OUTCOME_LABELS.get(name) or FIELD_LABELS.get(name, name)


_OUTCOME_LABELS = {"ergebnis": "Ergebnis", "termin": "Termin"}


def _same_as_recorded(prev: OutcomeRow, time_min: int | None, appointment: datetime | None,
                      note: str | None) -> None:
    """An outcome sent again must say what the recorded one says: a changed appointment,
    time or note is refused naming the field (before, it counted as "schon erfasst" and
    the change was lost without a word). Empty time or note say nothing."""
    from hausbesuch.fields import format_clock

    was = f"Für den Besuch von „{prev.client_id}“ am {format_day(prev.day)} ist schon " \
          f"„{RESULT_LABELS.get(prev.result, prev.result)}“ erfasst"
    if appointment is not None and appointment != prev.appointment_at:
        if prev.appointment_at is None:
            raise CaseworkError("Ein Termin gehört nur zum Ergebnis „Termin vereinbart“.",
                                field="termin")
        raise CaseworkError(
            f"{was}, mit Termin {format_moment(prev.appointment_at)}; der Termin "
            f"{format_moment(appointment)} wird nicht übernommen (ein erfasstes Ergebnis "
            "bleibt; den neuen Termin im Web auf der Seite des Plans unter „Besuch "
            "verschieben oder festlegen“ eintragen).", field="termin")
    if time_min is not None and prev.time_min is not None and time_min != prev.time_min:
        raise CaseworkError(
            f"{was}, um {format_clock(prev.time_min)} Uhr; die Uhrzeit "
            f"{format_clock(time_min)} wird nicht übernommen.", field="uhrzeit")
    if note and note != (prev.note or ""):
        raise CaseworkError(f"{was}, mit anderer Notiz; die Notiz dieser Zeile wird nicht "
                            "übernommen.", field="notiz")


def _same_sending(prev: OutcomeRow, client_id: str, day: date, result: str,
                  appointment: datetime | None) -> None:
    """An outcome found under the key of this one must be the same sending: the same case,
    day, result and appointment. A key names one sending of one outcome; the same key with
    another case or result is no repeat (QA 25 web F2: it was answered "schon erfasst"
    while nothing was stored, and the phone dropped the outcome). Its time and note are
    not compared: a phone's queued outcome may take the note of one it replaced
    (worker.js ``supersede``) after a sending whose answer was lost."""
    if (prev.client_id, prev.day, prev.result) == (client_id, day, result) and (
            appointment is None or appointment == prev.appointment_at):
        return
    raise CaseworkError(
        "Der Schlüssel dieser Meldung gehört zu einer anderen, schon gespeicherten Meldung "
        "(ein anderer Fall oder ein anderes Ergebnis); dieses Ergebnis wurde nicht "
        "gespeichert. Bitte das Ergebnis noch einmal antippen.", field="schluessel")


class CaseworkError(UserError):
    """A casework action that cannot be done (German message; exit code 2 on the CLI).

    When it is about one input of the action, ``field`` names that input (``address``,
    ``point``, ``suggestion`` for :meth:`Casework.fix_address`) and ``reason`` is the
    message without naming it: each front names the input its own way (the command line
    by its option, e.g. ``--set-address: <reason>``). The message itself names the input
    in plain German (``Adresse …``, ``Punkt …``) and never an option. ``suggestions``:
    what the geocoder offers instead of an address that was not found (named in the
    message too), for a front that lets the user pick one.
    """

    def __init__(self, message: str, *, field: str | None = None,
                 reason: str | None = None, suggestions: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.field = field
        self.reason = message if reason is None else reason
        self.suggestions = tuple(suggestions)


class StaleFormError(CaseworkError):
    """A form sent from a page older than the case's last change (another account's
    address fix or status since the page was loaded, QA 38 F1), or one that does not say
    what its page showed: nothing is stored; the message names what changed, by whom and
    when. The web answers 409 and shows the page again with the values as typed."""


#: The stamp of „no address fix“ / „no status change“ (:meth:`Casework.fix_stamps`,
#: :meth:`Casework.status_stamp`): what a page showing none sends back.
NO_STAMP = "keine"
#: The end of every :class:`StaleFormError`'s message.
STALE_TAIL = "Ihre Eingabe ist nicht gespeichert; bitte prüfen und erneut senden."


def _fix_stamp(fixed_at: datetime | None, address_since: datetime | None = None) -> str:
    """The stamp of a case's address fix as a form carries it: the fix's moment (to the
    microsecond) or :data:`NO_STAMP`, and after a ``/`` the moment a list last changed
    the case's address (``clients.address_since``), when one did; never a name or an
    address."""
    stamp = NO_STAMP if fixed_at is None else fixed_at.isoformat(timespec="microseconds")
    if address_since is not None:
        stamp += "/" + address_since.isoformat(timespec="microseconds")
    return stamp


def outcome_stamp(s: Session, city: str, o: OutcomeRow) -> str:
    """The stamp of a recorded outcome as the case page's correction form carries it: the
    outcome's id and its last correction's audit row (``ergebnis_berichtigt``: every
    correction writes one, the phone's too; ``berichtigt`` of its note by ``rectify``,
    review 38 R2), never anything of its content (a hash of the
    note would let a guessed note be checked offline after it was deleted: review 38 #9).
    QA 38 F1 (stale38's notes): a correction sent from a page older than a colleague's
    or the phone's correction silently replaced it, and the prefilled time put the old
    one back."""
    last = s.scalar(select(func.max(AuditRow.id)).where(
        AuditRow.action.in_(("ergebnis_berichtigt", "berichtigt")), AuditRow.city == city,
        AuditRow.client_id == o.client_id, AuditRow.visit_id == o.visit_id))
    return f"{o.id}-{last or 0}"


def _at_clock(at: datetime) -> str:
    """A moment of today as „23:40 Uhr“, of another day with the day."""
    return f"{at:%H:%M} Uhr" if at.date() == clock.now().date() else format_moment(at)


def pin_moment(at: datetime | None) -> str:
    """A moment as the plan page's pin forms carry it (to the microsecond): the moment
    the page read the pins (the pin form), a pin's own ``clients.pin_since`` (its row's
    „Aufheben“); :data:`NO_STAMP` for a pin stored before migration 0020."""
    return NO_STAMP if at is None else at.isoformat(timespec="microseconds")


def read_moment(text: str | None) -> datetime | None:
    """The moment a pin form says its page read the pins; None when it says none or
    one that cannot be read (a page from before, a script)."""
    try:
        return datetime.fromisoformat(text.strip()) if text else None
    except ValueError:
        return None


def _pin_audit(s: Session, city: str, row: ClientRow, action: str) -> AuditRow | None:
    """The case's audit row of ``action`` (``visit_pinned``, ``festlegung_aufgehoben``)
    that wrote its pin as it is now: written at the pin's moment or after it, in the same
    transaction (for a pin from before migration 0020: the last such row naming the same
    team, day and time); who set or lifted the pin, and when. None else (a pin the list
    or an outcome set or took back has no such row)."""
    q = select(AuditRow).where(AuditRow.city == city, AuditRow.client_id == row.client_id,
                               AuditRow.action == action)
    if row.pin_since is not None:
        q = q.where(AuditRow.at >= row.pin_since)
    last = s.scalars(q.order_by(AuditRow.id.desc()).limit(1)).first()
    if last is None or row.pin_since is not None:
        return last
    d = json.loads(last.details or "{}")
    return last if (d.get("team"), d.get("day"), d.get("time_min")) == (
        row.pin_team, row.pin_day and row.pin_day.isoformat(), row.pin_time_min) else None


def _pin_origin(s: Session, city: str, row: ClientRow) -> str:
    """Where the case's pin comes from, as the refusal names it: „im Web von kurt,
    02:41 Uhr“, „laut Kundenliste“, „beim Besuch vereinbarter Termin“."""
    if row.pin_source == "liste":
        return "laut Kundenliste"
    if row.pin_source == "termin":
        return "beim Besuch vereinbarter Termin"
    if (a := _pin_audit(s, city, row, "visit_pinned")) is None:
        return "im Web"
    return f"im Web von {shown_name(a.actor)}, {_at_clock(a.at)}"


def _has_pin(row: ClientRow) -> bool:
    return row.pin_day is not None or row.pin_team is not None


def _unseen_pin(s: Session, city: str, row: ClientRow) -> str:
    """The refusal of a form that does not say what its page showed of the pins."""
    return (f"Das Formular sagt nicht, welche Festlegung von {row.client_id} es zeigte "
            f"(eine ältere Seite?); jetzt: "
            f"{pin_words(row.pin_team, row.pin_day, row.pin_time_min)} "
            f"({_pin_origin(s, city, row)}).")


def check_pin_unchanged(s: Session, city: str, row: ClientRow, read: str | None,
                        asked: tuple[str | None, date | None, int | None]) -> None:
    """:class:`StaleFormError` when the case's pin was set, changed or taken back
    (``clients.pin_since``, by whom ever) after ``read``, the moment the pin form's page
    read the pins (:func:`pin_moment`; "" or one that cannot be read: the form had none;
    None: not checked), saying what it is now (:func:`pin_words`), where from, by whom
    and when (QA 38 F1, review 39 #1: the page's moment, not the pins its table lists, so
    that a pin the table cuts off is no pin "not seen"). Not refused: a form that asks for
    what is stored (``asked``: its team, day and minute), and a form without the moment
    when the case has no pin (it overwrites nothing it did not see). Called under the
    case's lock, before anything is written."""
    if read is None:
        return
    if asked is not None and _has_pin(row) and (
            row.pin_team, row.pin_day, row.pin_time_min) == asked:
        return
    cid = row.client_id
    if (moment := read_moment(read)) is None:
        if not _has_pin(row):
            return
        said = _unseen_pin(s, city, row)
    elif row.pin_since is None or row.pin_since <= moment:
        return
    elif not _has_pin(row):
        lifted = _pin_audit(s, city, row, "festlegung_aufgehoben")
        by = (f" (von {shown_name(lifted.actor)}, {_at_clock(lifted.at)})"
              if lifted is not None else "")
        said = f"Die Festlegung für {cid} wurde inzwischen aufgehoben{by}."
    else:
        said = (f"Für {cid} ist jetzt festgelegt: "
                f"{pin_words(row.pin_team, row.pin_day, row.pin_time_min)} "
                f"({_pin_origin(s, city, row)}).")
    raise StaleFormError(f"{said} {STALE_TAIL}")


def check_pin_seen(s: Session, city: str, row: ClientRow, seen: str | None) -> None:
    """:class:`StaleFormError` when ``seen`` (the moment of the pin an „Aufheben“ row
    showed, :func:`pin_moment`; "" when the form had none; None: not checked) is not the
    moment of the case's pin now: it was set anew since, even as the same pin (review 39
    #4), and is not taken back unseen; the refusal says what it is now, where from, by
    whom and when. Called under the case's lock, for a case that has a pin."""
    if seen is None or seen.strip() == pin_moment(row.pin_since):
        return
    if not seen.strip():
        said = _unseen_pin(s, city, row)
    else:
        said = (f"Die Festlegung für {row.client_id} wurde inzwischen geändert, jetzt: "
                f"{pin_words(row.pin_team, row.pin_day, row.pin_time_min)} "
                f"({_pin_origin(s, city, row)}).")
    raise StaleFormError(f"{said} {STALE_TAIL}")


class ForeignExtractError(CaseworkError):
    """The extract does not hold the profile's depot: it covers another area than the
    city's (:meth:`Casework.check_extract`). ``given``: the extract was given in place of
    the profile's own (``--osm``), whose front words the message its own way."""

    def __init__(self, message: str, *, given: bool) -> None:
        super().__init__(message)
        self.given = given


# --------------------------------------------------------------------------- the service


#: An agreed appointment lies at most this many days after the visit it was agreed at.
MAX_APPOINTMENT_AHEAD_DAYS = 92
#: How far a typed visit time may lie outside the working hours of the visit's team
#: (minutes), at both ends: a team running late. One rule for every typed time
#: (:meth:`Casework._check_visit_time`): the phone's field „Uhrzeit des Besuchs“, the case
#: page's „Ergebnis berichtigen“ / „nachtragen“ and an outcomes file's ``Uhrzeit`` (QA 22
#: F5; QA 26 F3: the phone took 15:30 for a team working until 15:00, the coordination's
#: forms refused it); 22:30 is still a typo.
VISIT_TIME_MARGIN_MIN = 60


def closed_case_text(client_id: str, status: str, since: datetime | None) -> str:
    """Why a visit of a case that is no longer ``offen`` does not take place (German):
    „K-1: Fall „abgeschlossen“ seit Do, 03.12.2026, der Besuch entfällt.“ (the words of
    the pages: :func:`hausbesuch.casework.stops.closed_words`)"""
    from hausbesuch.casework.stops import closed_words
    from hausbesuch.letters import status_label

    return f"{client_id}: {closed_words(status_label(status), since)}, der Besuch entfällt."


#: Minutes a typed visit time may lie ahead of the clock on its day (a clock running a
#: little fast); more is refused: on the phone (``hausbesuch.web.pages_worker``) and on
#: the coordination's forms alike.
VISIT_TIME_AHEAD_MIN = 5


def _as_past(o: OutcomeRow) -> PastOutcome:
    """A stored outcome as the rules read it."""
    return PastOutcome(day=o.day, result=o.result, time_min=o.time_min,
                       appointment_at=o.appointment_at)


def called_off_late(day: date, since: date) -> bool:
    """Whether a visit on ``day`` called off on ``since`` is likely to have been made
    anyway: it was called off on the eve of its day or later (before a Monday: from the
    Friday on), when the team may already hold the old route (printed sheets, a
    correction letter that came too late). The case page offers a form only for those
    (:meth:`Casework.called_off_to_enter`: one per re-plan that dropped a visit would pile
    up there); ``hausbesuch outcomes`` still takes the row of one called off earlier (a
    visit that took place is never refused for when it was called off)."""
    eve = day - timedelta(days=1)
    while eve.weekday() >= 5:  # Saturday, Sunday: the working day before
        eve -= timedelta(days=1)
    return since >= eve


def _not_ahead(day: date, time_min: int | None) -> None:
    """Refuse a visit's time that lies ahead of now on today's date (review 22 #10: the
    coordination could enter the outcome of a visit still to come today; the phone refuses
    such a time)."""
    if time_min is None:
        return
    now = clock.now_on_today()  # (an exercise's day with the real time of day)
    if day == now.date() and time_min > now.hour * 60 + now.minute + VISIT_TIME_AHEAD_MIN:
        raise CaseworkError(
            f"Uhrzeit {time_min // 60:02d}:{time_min % 60:02d} Uhr liegt in der Zukunft (jetzt "
            f"{now:%H:%M} Uhr): ein Ergebnis kann erst nach dem Besuch erfasst werden.",
            field="uhrzeit")


def _appointment_of_result(result: str, appointment: datetime | None, day: date,
                           missing_hint: str = "") -> None:
    """An appointment goes with „Termin vereinbart“ and only with it, on a day after the
    visit's ``day`` (recorded and corrected outcomes alike: review 22 #11; the rest of
    what makes it one the teams can keep: :meth:`Casework._check_appointment`).
    ``missing_hint``: where the appointment is typed (an outcomes file's column)."""
    if result == "termin_vereinbart":
        if appointment is None:
            raise CaseworkError("Termin vereinbart: Datum und Uhrzeit des Termins fehlen"
                                f"{missing_hint}.", field="termin")
        if appointment.date() <= day:
            raise CaseworkError(f"Termin {format_moment(appointment)} liegt nicht nach dem "
                                f"Besuchstag {format_day(day)}.", field="termin")
    elif appointment is not None:
        raise CaseworkError("Ein Termin gehört nur zum Ergebnis „Termin vereinbart“.",
                            field="termin")


def _closed_case_error(row: ClientRow) -> CaseworkError:
    """A phone's outcome refused for a case no longer ``offen`` (:func:`closed_case_text`)."""
    return CaseworkError(closed_case_text(row.client_id, row.status, row.status_since)
                         + " Ergebnis bitte der Koordination melden.")


#: How well an address was found, best last (an unresolved one ranks below all).
_FOUND_RANK = ("street", "interpolated", "exact")


def found_better(found: Any, than: Any) -> bool:
    """Whether the geocoder's answer ``found`` is really better than ``than``: found at a
    finer level (``exact`` over ``interpolated`` over ``street``), or at the same level
    where ``than`` was in doubt and ``found`` is not. Never a worse or equal one: a doubtful
    exact hit is not given up for the middle of the street."""
    def rank(r: Any) -> int:
        return _FOUND_RANK.index(r.quality) + 1 if r.quality in _FOUND_RANK else 0

    if rank(found) != rank(than):
        return rank(found) > rank(than)
    return rank(found) > 0 and than.doubt and not found.doubt


class Casework:
    """Casework of one city on a store, acting as ``actor``."""

    def __init__(self, store: Store, profile: Profile, *, actor: str,
                 osm: str | os.PathLike[str] | None = None,
                 today: Callable[[], date] | None = None) -> None:
        """``today`` gives the day outcomes may not lie after and imports check dates
        against (default: :func:`hausbesuch.clock.today`)."""

        self.store = store
        self.today = today or clock.today
        self.profile = profile
        self.city = profile.name
        self.actor = actor
        self._osm_override = osm
        rules = profile.casework
        self.calendar = rules.calendar()
        #: the city's ``[casework] kundennummer_muster`` (None: none); what an unknown id
        #: must match to be quoted (:func:`id_may_be_shown`), as a list row's id must
        self.id_pattern: re.Pattern[str] | None = rules.id_form()["id_pattern"]

    # ---- geodata (offline)

    @cached_property
    def osm_path(self) -> Path:
        from hausbesuch.config import resolve_osm

        return resolve_osm(self.profile, self._osm_override)

    @cached_property
    def index(self) -> Any:
        """The extract's address index; :class:`ForeignExtractError` when the extract is
        one chosen by hand that does not hold the profile's depot (:meth:`check_extract`):
        nothing is geocoded in, and so nothing stored from, another area's map."""
        from geodata.geocode import load_index

        index = load_index(self.osm_path)
        if self._chosen_extract():
            self._refuse_foreign(index)
        return index

    def check_extract(self) -> None:
        """Refuse, before anything is read or stored, an extract that does not hold the
        profile's depot: one given in place of the profile's (``osm``; QA 18b #3: the
        profile of another city stored the list's cases under that city's name) or the
        profile's own local ``[osm] file`` (QA 27 F2: a wrong file there offered another
        town's suggestions and stored a fix 250 km away; F3: a town outside the extract
        had its cases stored and was refused only by ``plan``). A download of the
        profile's place is that place by construction and is not fetched just to check
        it. Every geocoding use of :attr:`index` checks the same (the web's import and
        address fixes too, QA 28); this reads the extract at once."""
        if self._chosen_extract():
            _ = self.index

    def _chosen_extract(self) -> bool:
        """Whether the extract is one chosen by hand, which may be the wrong one: given
        (``osm``), or the profile's local ``[osm] file`` that is there."""
        from hausbesuch.config import resolve_data_file

        return self._osm_override is not None or (
            bool(self.profile.osm.file)
            and resolve_data_file(self.profile, self.profile.osm.file) is not None)

    def _refuse_foreign(self, index: Any) -> None:
        depot = self.profile.depot
        if depot.lon is not None and depot.lat is not None:
            inside = index.covers(depot.lon, depot.lat, EXTRACT_MARGIN_M)
        else:
            inside = not index.geocode(depot.address).outside
        if inside:
            return
        from hausbesuch.config import resolve_data_file

        own = self.profile.osm.file and resolve_data_file(self.profile, self.profile.osm.file)
        given = self._osm_override is not None and (
            not own or Path(own).resolve() != self.osm_path.resolve())
        place = f"({depot.name}, {depot.address})"
        if given:  # (the web gives none: only the command line's --osm)
            which = ("Stadtprofil (--city) und OSM-Auszug (--osm)"
                     if self.actor.startswith("cli:") else "Stadtprofil und OSM-Auszug")
            raise ForeignExtractError(
                f"Der OSM-Auszug {self.osm_path.name} enthält den Standort von {self.city} "
                f"nicht {place}: passen {which} zusammen? Es wurde nichts gespeichert.",
                given=True)
        if not self.actor.startswith("cli:"):
            # the coordinator in the browser sees no server path and cannot change the
            # profile: the path goes to the server log only (as a missing extract's)
            log.warning("the OSM extract of %s (%s) does not hold its depot", self.city,
                        self.osm_path)
            raise ForeignExtractError(
                f"Die Kartendaten (OSM-Auszug) für {self.city} enthalten den Standort von "
                f"{self.city} nicht {place}: der Auszug deckt eine andere Gegend ab. Bitte "
                "die Administration informieren (im Stadtprofil unter [osm] file den Auszug "
                f"von {self.city} angeben). Es wurde nichts gespeichert.", given=False)
        named = self.profile.osm.file or self.osm_path.name
        source = self.profile.profile_file or self.profile.slug
        raise ForeignExtractError(
            f"Der OSM-Auszug des Profils ({named}, unter [osm] file in {source}) enthält den "
            f"Standort von {self.city} nicht {place}: der Auszug deckt eine andere Gegend "
            f"ab. Bitte im Profil unter [osm] file den Auszug von {self.city} angeben (oder "
            "mit --osm DATEI). Es wurde nichts gespeichert.", given=False)

    def inside_extract(self, lon: float, lat: float) -> bool:
        """Whether a point lies within the extract (its address points plus a margin)."""
        return self.index.covers(lon, lat, EXTRACT_MARGIN_M)

    # ---- directives

    def rules_kwargs(self) -> dict[str, Any]:
        r = self.profile.casework
        return {"calendar": self.calendar, "after_miss_days": r.after_miss_working_days,
                "after_message_days": r.after_message_working_days,
                "max_failed_tries": r.max_failed_tries, "noon_min": r.noon_min,
                "min_gap_min": r.revisit_min_gap_min,
                "status_after": dict(r.status_after)}

    def _outcomes_of(self, s: Session, ids: Sequence[str] | None = None
                     ) -> dict[str, list[PastOutcome]]:
        q = select(OutcomeRow).where(OutcomeRow.city == self.city)
        if ids is not None:
            q = q.where(OutcomeRow.client_id.in_(list(ids)))
        out: dict[str, list[PastOutcome]] = {}
        for o in s.scalars(q.order_by(OutcomeRow.id)):
            out.setdefault(o.client_id, []).append(_as_past(o))
        return out

    def states(self, ids: Sequence[str] | None = None) -> list[CaseState]:
        """Every client of the city (or those ids) with status, pins and directive."""
        with self.store.session() as s:
            # plain rows (no ORM objects): states are read, not changed
            q = select(ClientRow.__table__).where(ClientRow.city == self.city)
            if ids is not None:
                q = q.where(ClientRow.client_id.in_(list(ids)))
            rows = list(s.execute(q.order_by(ClientRow.client_id)))
            outcomes = self._outcomes_of(s, None if ids is None else [r.client_id for r in rows])
            kw = self.rules_kwargs()
            return [
                CaseState(
                    client=self._client(r), status=r.status,
                    directive=directive(outcomes.get(r.client_id, ()), status=r.status, **kw),
                    pin_team=r.pin_team, pin_day=r.pin_day, pin_time_min=r.pin_time_min,
                    pin_source=r.pin_source, client_status_reason=r.status_reason or "",
                    erased_at=r.erased_at,
                )
                for r in rows
            ]

    @staticmethod
    def _client(r: ClientRow | Row[Any]) -> Client:
        return _client_from(r, lon=r.given_lon, lat=r.given_lat, pin_team=r.pin_team,
                            pin_day=r.pin_day, pin_time_min=r.pin_time_min)

    def _set_status(self, s: Session, row: ClientRow, status: str, reason: str,
                    at: datetime | None = None, *, code: str | None = None) -> bool:
        """``code``: why, as a stable code for the audit row (``grund``), where the
        typed reason would name a person or is erased later."""
        if row.status == status:
            return False
        at = at or clock.now()
        old = row.status
        row.status, row.status_since, row.status_reason = status, at, reason
        s.add(StatusHistoryRow(city=self.city, client_id=row.client_id, status=status,
                               reason=reason, changed_at=at, changed_by=self.actor))
        details = {"von": old, "nach": status} | ({"grund": code} if code else {})
        self.store.audit(self.actor, "status_geaendert", city=self.city,
                         client_id=row.client_id, details=details, session=s)
        return True

    def set_status(self, client_id: str, status: str, reason: str = "",
                   seen: str | None = None) -> bool:
        """Set a client's case status by hand (with history and audit). ``seen``: the
        stamp of the status change the sending page showed (:meth:`status_stamp`; ""
        when the form had none); a change since refuses it with :class:`StaleFormError`
        (checked under the case's lock, before anything is stored). None (the command
        line) checks nothing."""
        if status not in STATUSES:
            raise CaseworkError(f"Unbekannter Status „{status}“; erlaubt: {', '.join(STATUSES)}.")
        if problem := reason_problem(reason):  # the web's and the command line's limit
            raise UserError(problem)
        with self.store.session() as s:
            row = self._row(s, client_id, lock=True)  # after a phone's outcome, not under it
            if row.erased_at is not None and reason.strip():
                # as an outcome note or a rectified text: an erased case takes no new text
                # (QA 18 N3: before, a reason typed now stayed until the next purge)
                raise UserError(f"{erased_note(row.erased_at, row.client_id)}: ein neuer "
                                "Grund wird nicht gespeichert; den Status ohne Grund setzen.")
            self._check_status_seen(s, row, seen)  # under the lock, before the change
            return self._set_status(s, row, status, reason or "von Hand gesetzt")

    def _last_status_change(self, s: Session, client_id: str) -> StatusHistoryRow | None:
        return s.scalars(select(StatusHistoryRow).where(
            StatusHistoryRow.city == self.city, StatusHistoryRow.client_id == client_id)
            .order_by(StatusHistoryRow.id.desc()).limit(1)).first()

    def status_stamp(self, client_id: str) -> str:
        """The stamp of the case's last status change (its history row's id;
        :data:`NO_STAMP` without one): what the status form sends back as ``seen`` to
        :meth:`set_status`. Read before the status the page shows."""
        with self.store.session() as s:
            last = self._last_status_change(s, client_id)
        return NO_STAMP if last is None else str(last.id)

    def _check_status_seen(self, s: Session, row: ClientRow, seen: str | None) -> None:
        """:class:`StaleFormError` when ``seen`` (None: not checked) is not the stamp of
        the case's last status change now: which status, by whom and when."""
        if seen is None:
            return
        last = self._last_status_change(s, row.client_id)
        if seen == (NO_STAMP if last is None else str(last.id)):
            return
        cid = row.client_id
        now = f"„{status_word(row.status)}“"
        if last is None:
            said = f"Der Status von {cid} ist jetzt {now}."
        elif seen:
            said = (f"Der Status von {cid} wurde inzwischen von {shown_name(last.changed_by)}"
                    f" auf „{status_word(last.status)}“ "
                    f"gesetzt ({_at_clock(last.changed_at)}).")
        else:
            said = (f"Das Formular sagt nicht, welchen Status von {cid} es zeigte (eine "
                    f"ältere Seite?); jetzt: {now}, gesetzt von "
                    f"{shown_name(last.changed_by)} ({_at_clock(last.changed_at)}).")
        raise StaleFormError(f"{said} {STALE_TAIL}")

    def plans_holding(self, client_ids: Sequence[str]) -> list[str]:
        """The ids of the city's stored plans (every version) that hold any of these cases
        in their snapshot of clients."""
        ids = sorted(set(client_ids))
        out: set[str] = set()
        with self.store.session() as s:
            for k in range(0, len(ids), 400):
                out.update(s.scalars(select(PlanClientRow.plan_id).join(
                    PlanRow, PlanRow.id == PlanClientRow.plan_id).where(
                    PlanRow.city == self.city, PlanClientRow.client_id.in_(ids[k:k + 400]))))
        return sorted(out)

    # ---- rectification (Art. 16 GDPR, §84 SGB X)

    def rectify_outcome_note(self, client_id: str, when: date | datetime,
                             note: str | None) -> tuple[date, int | None]:
        """Replace (``note``) or clear (None) the note of the case's outcome recorded for
        the visit on ``when`` (a day, or a day with the visit's clock time when the day
        has several); returns the outcome's (day, minute). Audited as ``berichtigt``
        (field and day, never the text)."""
        from hausbesuch.fields import format_clock

        day = when.date() if isinstance(when, datetime) else when
        minute = when.hour * 60 + when.minute if isinstance(when, datetime) else None
        with self.store.session() as s:
            row = self._row(s, client_id, lock=True)  # a purge running now: after it
            self._no_new_text_if_erased(row, note)
            found = [o for o in s.scalars(select(OutcomeRow).where(
                OutcomeRow.city == self.city, OutcomeRow.client_id == row.client_id,
                OutcomeRow.day == day).order_by(OutcomeRow.time_min, OutcomeRow.id))
                if minute is None or o.time_min == minute]
            what = f"Ergebnis von {row.client_id} am {format_day(day)}" + (
                f" um {format_clock(minute)} Uhr" if minute is not None else "")
            o = self._one(found, what, lambda o: format_clock(o.time_min)
                          if o.time_min is not None else "ohne Uhrzeit")
            o.note = outcome_note(note)  # as recorded
            # (with the visit: the case page's correction form sees it, outcome_stamp)
            self.store.audit(self.actor, "berichtigt", city=self.city,
                             client_id=row.client_id, visit_id=o.visit_id, details={
                                 "feld": "ergebnisnotiz", "tag": day.isoformat(),
                                 "geleert": o.note is None}, session=s)
            return o.day, o.time_min

    def rectify_status_reason(self, client_id: str, when: date | datetime,
                              reason: str | None, status: str | None = None) -> datetime:
        """Replace (``reason``) or clear (None: „berichtigt: Grund gelöscht“) the reason of
        the case's status change on ``when`` (a day, or a day with the minute when the day
        has several; ``status``: the change to that status); also the case's current
        reason when it is that change's. Returns the
        change's moment. Audited as ``berichtigt`` (field and day, never the text)."""
        day = when.date() if isinstance(when, datetime) else when
        with self.store.session() as s:
            row = self._row(s, client_id, lock=True)  # a purge running now: after it
            self._no_new_text_if_erased(row, reason)
            found = [h for h in s.scalars(select(StatusHistoryRow).where(
                StatusHistoryRow.city == self.city,
                StatusHistoryRow.client_id == row.client_id)
                .order_by(StatusHistoryRow.changed_at, StatusHistoryRow.id))
                if h.changed_at.date() == day and (status is None or h.status == status)
                and (not isinstance(when, datetime)
                     or h.changed_at.replace(second=0, microsecond=0) == when)]
            what = f"Statusänderung von {row.client_id} am {format_day(day)}" + (
                f" um {when:%H:%M} Uhr" if isinstance(when, datetime) else "") + (
                f" nach „{status}“" if status else "")
            h = self._one(found, what, lambda h: f"{h.changed_at:%H:%M} {h.status}",
                          "oder mit dem Status danach, z. B. „08.12.2026 in_klaerung“")
            text = clean_text(reason).strip() if reason else ""
            if problem := reason_problem(text):
                raise UserError(problem)
            new = text or "berichtigt: Grund gelöscht"
            latest = s.scalars(select(StatusHistoryRow).where(
                StatusHistoryRow.city == self.city,
                StatusHistoryRow.client_id == row.client_id)
                .order_by(StatusHistoryRow.changed_at.desc(), StatusHistoryRow.id.desc())
                .limit(1)).first()
            if latest is not None and latest.id == h.id:
                row.status_reason = new
            h.reason = new
            self.store.audit(self.actor, "berichtigt", city=self.city,
                             client_id=row.client_id, details={
                                 "feld": "statusgrund", "tag": day.isoformat(),
                                 "geleert": not text}, session=s)
            return h.changed_at

    @staticmethod
    def _no_new_text_if_erased(row: ClientRow, text: str | None) -> None:
        """An erased case takes no new text (a later ``purge --closed-days`` would not
        erase it again): clearing stays allowed (QA 16c #1)."""
        if row.erased_at is not None and text:
            # (the command line's and the web's words: QA 42b F11)
            raise CaseworkError(f"{erased_note(row.erased_at, row.client_id)}: ein neuer Text "
                                "wird nicht gespeichert; nur Leeren ist möglich (das Feld "
                                "leer lassen, auf der Befehlszeile --clear).")

    @staticmethod
    def _one(found: list[T], what: str, clock_of: Callable[[T], str],
             other: str = "") -> T:
        """The one row ``found``; German :class:`CaseworkError` for none or several (then
        naming their clock times, to be given with the day, or ``other``)."""
        if not found:
            raise CaseworkError(f"Keine {what} gespeichert." if what.startswith("Status")
                                else f"Kein {what} gespeichert.")
        if len(found) > 1:
            times = ", ".join(clock_of(x) for x in found)
            raise CaseworkError(f"{what}: {len(found)} gespeichert ({times}); bitte mit "
                                "Uhrzeit angeben, z. B. „08.12.2026 11:30“"
                                + (f", {other}" if other else "") + ".")
        return found[0]

    def other_person_pairs(self, s: Session | None = None) -> set[frozenset[str]]:
        """The pairs of the city's cases marked as two people (:meth:`mark_other_person`),
        as :func:`pair_key` pairs (``s``: read in that transaction)."""
        with nullcontext(s) if s is not None else self.store.session() as s2:
            return {pair_key(r.client_a, r.client_b) for r in s2.scalars(
                select(OtherPersonRow).where(OtherPersonRow.city == self.city))}

    def other_persons_of(self, client_id: str) -> list[tuple[str, str, datetime]]:
        """The cases marked as another person than ``client_id`` (the stored spelling):
        (other id, by whom, when), in the order of the ids."""
        with self.store.session() as s:
            rows = list(s.scalars(select(OtherPersonRow).where(
                OtherPersonRow.city == self.city,
                (OtherPersonRow.client_a == client_id)
                | (OtherPersonRow.client_b == client_id))))
        from hausbesuch.caseids import id_key

        return sorted(((r.client_b if r.client_a == client_id else r.client_a,
                        r.checked_by, r.checked_at) for r in rows),
                      key=lambda t: id_key(t[0]))

    def same_person_now(self, client_id: str) -> list[str]:
        """The other ids that seem the same person as ``client_id`` now (same name at the
        same door, :func:`same_person_groups` over the city's cases whose data are not
        erased), marked as another person or not."""
        with self.store.session() as s:
            me = self._row(s, client_id)
            if me.erased_at is not None or not _person_key(me.name):
                return []
            return self._same_person_in(s, me.client_id)

    def mark_other_person(self, client_id: str, other_id: str, *, undo: bool = False
                          ) -> bool:
        """Mark two cases with the same name at the same door as two people (checked in
        the case-management system): the import's and the plan's note „doppelt
        angelegt?“ leaves the pair out. ``undo``: take the mark back. Both ids as
        stored (:meth:`case_id`). Returns whether something changed; audited
        (``andere_person``, ``andere_person_zurueck``: both ids, never a name).
        Refused (:class:`hausbesuch.errors.UserError`, German) for one id twice and for
        a pair that does not seem one person now."""
        from hausbesuch.caseids import id_key

        if id_key(client_id) == id_key(other_id):
            raise UserError(f"{client_id}: zweimal dieselbe Kundennummer; die andere "
                            "Kundennummer mit gleichem Namen und gleicher Anschrift angeben.")
        a, b = sorted((client_id, other_id), key=id_key)
        with self.store.session() as s:
            lock_clients(s, self.city, [a, b])
            row = s.get(OtherPersonRow, {"city": self.city, "client_a": a, "client_b": b})
            if undo:
                if row is None:
                    return False
                s.delete(row)
                action = "andere_person_zurueck"
            else:
                if row is not None:
                    return False
                if other_id not in self._same_person_in(s, client_id):
                    raise UserError(
                        f"{client_id} und {other_id} haben nicht den gleichen Namen an der "
                        "gleichen Anschrift: es gibt keinen Hinweis „doppelt angelegt?“ zu "
                        "prüfen.")
                s.add(OtherPersonRow(city=self.city, client_a=a, client_b=b,
                                     checked_by=self.actor, checked_at=clock.now()))
                action = "andere_person"
            for me, other in ((client_id, other_id), (other_id, client_id)):
                self.store.audit(self.actor, action, city=self.city, client_id=me,
                                 details={"andere_kundennummer": other}, session=s)
        return True

    def _same_person_in(self, s: Session, client_id: str) -> list[str]:
        rows = list(s.execute(select(ClientRow.client_id, ClientRow.name,
                                     ClientRow.address).where(
            ClientRow.city == self.city, ClientRow.erased_at.is_(None))))
        out: list[str] = []
        for ids in same_person_groups([(r[0], r[1], r[2]) for r in rows]):
            if client_id in ids:
                out += [cid for cid in ids if cid != client_id and cid not in out]
        return out

    def status_history(self, client_id: str) -> list[tuple[datetime, str, str, str]]:
        with self.store.session() as s:
            return [
                (h.changed_at, h.status, h.reason, h.changed_by)
                for h in s.scalars(
                    select(StatusHistoryRow)
                    .where(StatusHistoryRow.city == self.city,
                           StatusHistoryRow.client_id == client_id)
                    .order_by(StatusHistoryRow.id))
            ]

    def visits_ahead(self, client_id: str) -> list[tuple[date, datetime, str]]:
        """The client's visits still to do (``geplant``) from today on: (day, start, plan
        id of the version that holds them), first first."""
        with self.store.session() as s:
            return [
                (v.day, v.start_at, v.plan_id or "?")
                for v in s.scalars(select(CaseVisitRow).where(
                    CaseVisitRow.city == self.city, CaseVisitRow.client_id == client_id,
                    CaseVisitRow.status == "geplant", CaseVisitRow.day >= self.today())
                    .order_by(CaseVisitRow.start_at))
            ]

    def planned_after_close(self, client_id: str) -> list[tuple[str, str]]:
        """German notes for a case that is no longer open but still has a visit ahead on
        a team's route: ``(text, plan id)`` per visit, the text without a full stop
        ("000011 ist noch am Fr, 11.12.2026, 10:30 Uhr eingeplant (Plan …); das Telefon zeigt
        den Besuch als entfallen, ein schon gedruckter Laufzettel nicht: bitte neu
        planen"); each front adds how to re-plan. Setting a status calls no visit off in
        the store: the visit stays on the stored route until that plan is re-planned (the
        re-plan calls it off, ``entfallen``), but the phone and every file written again
        mark it off (:func:`hausbesuch.casework.stops.mark_gone`); [] for an open case."""
        with self.store.session() as s:
            row = self._row(s, client_id)
            status, cid = row.status, row.client_id
        if status == "offen":
            return []
        return [(f"{cid} ist noch am {format_moment(start)} eingeplant "
                 f"(Plan {pid}); das Telefon zeigt den Besuch als entfallen, ein schon "
                 "gedruckter Laufzettel nicht: bitte neu planen", pid)
                for _day, start, pid in self.visits_ahead(cid)]

    def cancellations_after_close(self, client_id: str, *, command: bool = True) -> list[str]:
        """German notes for a case no longer open whose visit ahead a letter announced
        (QA 44b F6: ``status --set abgeschlossen`` asked only for a re-plan): the letter
        (its date, the announced day and window) and the cancellation due, as ``letters
        PLAN --correction`` writes it (``command``: with that command; else, for the web,
        that letters are written outside it), or, where one written today reaches the
        client only on or after that day (:func:`hausbesuch.letters.comes_late`), to
        phone. None for a visit begun (no cancellation after the fact) or an open case;
        without a full stop."""
        today, now = self.today(), clock.now_on_today()
        with self.store.session() as s:
            row = self._row(s, client_id)
            if row.status == "offen":
                return []
            ahead = list(s.scalars(select(CaseVisitRow).where(
                CaseVisitRow.city == self.city, CaseVisitRow.client_id == row.client_id,
                CaseVisitRow.status == "geplant", CaseVisitRow.day >= today,
                CaseVisitRow.announced_at.is_not(None),
                CaseVisitRow.promised_start.is_not(None)).order_by(CaseVisitRow.start_at)))
        out = []
        for v in ahead:
            if v.start_at <= now:
                continue
            head = (f"{row.client_id}: der Besuch ist mit Brief vom "
                    f"{format_day(v.announced_at.date())} für {format_day(v.day)}, "
                    f"{v.promised_start:%H:%M}–{v.promised_end:%H:%M} Uhr angekündigt")
            if late := letter_too_late(self.profile, v.day, "eine Absage", today):
                out.append(f"{head}; {late}: bitte anrufen und absagen")
            else:
                from hausbesuch.letters import WEB_LETTERS

                how = (f"hausbesuch letters {v.plan_id} --correction" if command else
                       WEB_LETTERS)
                out.append(f"{head}: bitte eine Absage schreiben ({how})")
        return out

    def _plans_covering(self, s: Session, day: date) -> list[Any]:
        """The stored plans of the city (their newest versions: a re-plan answers for the
        versions before it) whose days hold ``day``: rows (id, start, days), oldest
        first."""
        from hausbesuch.versions import newest_plans

        return [p for p in s.execute(
            newest_plans(self.city).where(PlanRow.start <= day)
            .order_by(PlanRow.created_at, PlanRow.id))
            if day <= p.start + timedelta(days=max(p.days, 1) - 1)]

    def _list_pin_in_plans(self, s: Session, key: str, c: Client) -> list[str]:
        """Notes for a list pin of ``c`` (case ``key``) to a day that a stored plan of the
        city already covers without a visit of the case then (QA 40 F4: a new case pinned
        to Silvester 10:00, in the days of the plan in force, was read in without a word;
        the next plan said only „der Plan jenes Tages nimmt den Besuch auf“, and the
        visit was missed): only a re-plan of that plan takes it up, as for an appointment
        agreed at the door (:meth:`appointment_notes`)."""
        day, minute = c.pin_day, c.pin_time_min
        assert day is not None
        out = []
        for p in self._plans_covering(s, day):
            q = select(func.count()).select_from(VisitRow).where(
                VisitRow.plan_id == p.id, VisitRow.client_id == key, VisitRow.day == day)
            if minute is not None:
                q = q.where(VisitRow.start_at == datetime.combine(day, datetime.min.time())
                            + timedelta(minutes=minute))
            if s.scalar(q):
                continue
            span = format_days(p.start, p.start + timedelta(days=max(p.days, 1) - 1))
            out.append(f"Festlegung laut Liste ({pin_words(c.pin_team, day, minute)}) fällt "
                       f"in den gespeicherten Plan {p.id} ({span}), der den Besuch nicht "
                       "enthält; nur eine Neuplanung jenes Plans nimmt ihn auf: im Web auf "
                       "seiner Seite „Neu planen“ (hausbesuch replan "
                       f"{p.id} --from …).")
        return out

    def appointment_notes(self, client_id: str, *, command: bool = True
                          ) -> list[AppointmentNote]:
        """German notes for an appointment agreed at the door („Termin vereinbart“, the
        case's pin) on a day that an already stored plan of the city covers, when no such
        plan holds a visit of the case at that moment: one :class:`AppointmentNote` per
        covering plan (its newest version; a re-plan that holds the visit answers for the
        versions before it); [] for a case without such an appointment, one already over,
        or one that no stored plan covers. The one rule of every view (``status``, an
        outcomes file, the web's case page, plan page and *Ergebnisse*).

        Two kinds (QA 37 #1): while the version has not tried the appointment, only a
        re-plan of that plan plans it (a new plan for its days would book the teams
        twice): „Termin am Do, 17.12.2026, 10:30 Uhr fällt in den gespeicherten Plan …
        (14.–18.12.2026), der ihn nicht enthält: bitte diesen Plan neu planen (hausbesuch
        replan … --from …)“ (``replan`` True). Once the version lists the appointment
        under „Nicht eingeplant“ (its stored reason names the appointment: the plan tried
        it and could not hold it), re-planning again cannot help: the note gives the
        stored reason and what to do instead (another appointment with the client, or the
        pin lifted), ``replan`` False. The text has no case id and no full stop.
        ``command=False`` (the web): a waiting note ends after „der ihn nicht enthält“, the
        page says how to re-plan; a refused one names the web's forms."""
        with self.store.session() as s:
            row = self._row(s, client_id)
            if (row.pin_source != "termin" or row.pin_day is None
                    or row.pin_time_min is None or row.erased_at is not None
                    or row.status != "offen"):  # a re-plan does not plan a closed case
                return []
            cid, day = row.client_id, row.pin_day
            at = datetime.combine(day, datetime.min.time()) + timedelta(
                minutes=row.pin_time_min)
            if _past(at, self.today()):
                return []
            plans = self._plans_covering(s, day)
            if not plans:
                return []
            ids = [p.id for p in plans]
            held = s.scalar(select(func.count()).select_from(VisitRow).where(
                VisitRow.plan_id.in_(ids), VisitRow.client_id == cid,
                VisitRow.start_at == at))
            if held:
                return []
            # the version's reason for the case when it tried this very appointment: the
            # planner's reason of a pinned visit begins with the pin's note, „Vereinbarter
            # Termin am Do, 11.02.2027, 15:00 Uhr nicht einplanbar: …“ (planning.builder)
            said = f"Vereinbarter Termin am {format_moment(at)}"
            refused = {u.plan_id: u.reason for u in s.scalars(
                select(UnassignedRow).where(UnassignedRow.plan_id.in_(ids),
                                            UnassignedRow.client_id == cid))
                if u.reason.startswith(said)}
        out = []
        for p in plans:
            span = format_days(p.start, p.start + timedelta(days=max(p.days, 1) - 1))
            why = refused.get(p.id)
            if why is None:
                out.append(AppointmentNote(
                    f"Termin am {format_moment(at)} fällt in den gespeicherten Plan "
                    f"{p.id} ({span}), der ihn nicht enthält"
                    + (f": bitte diesen Plan neu planen (hausbesuch replan {p.id} --from …)"
                       if command else ""), p.id, True))
                continue
            why = why[len(said):].removeprefix(" nicht einplanbar").lstrip(":; ").rstrip(".")
            page = ("auf der Seite des Plans die Festlegung des Termins aufheben (unter "
                    "„Festlegungen“), den neuen Termin unter „Besuch verschieben oder "
                    "festlegen“ eintragen und neu planen")
            how = (f"im Web {page} (hausbesuch replan {p.id} --from …)" if command
                   else page)
            out.append(AppointmentNote(
                f"Termin am {format_moment(at)} ist im Plan {p.id} ({span}) nicht "
                f"einplanbar: {why}. Erneutes Neuplanen ändert daran nichts, solange Teams "
                "und Festlegungen bleiben: bitte mit "
                f"der Kundin oder dem Kunden einen anderen Termin vereinbaren, dann {how}; "
                "oder nur die Festlegung aufheben: dann plant das Neuplanen den "
                "Besuch frei", p.id, False))
        return out

    def appointment_missing_from_plans(self, client_id: str, *, command: bool = True
                                       ) -> list[tuple[str, str]]:
        """``(text, plan id)`` of the notes of :meth:`appointment_notes` that a re-plan
        answers (the version has not tried the appointment yet)."""
        return [(n.text, n.plan_id) for n in self.appointment_notes(
            client_id, command=command) if n.replan]

    def case_id(self, client_id: str) -> str:
        """The stored spelling of a case id (ids are compared without case).

        Raises :class:`CaseworkError` (German) when the city has no such case.
        """
        with self.store.session() as s:
            return self._row(s, client_id).client_id

    def _row(self, s: Session, client_id: str, *, lock: bool = False) -> ClientRow:
        """The case's row (its id compared without case, or as Excel shows it); ``lock``:
        locked to the end of the transaction and read anew (:func:`lock_clients`), for a
        transaction that changes the case: another one changing it waits."""
        row = self._row_unlocked(s, client_id)
        if lock:
            lock_clients(s, self.city, [row.client_id])
        return row

    def _row_unlocked(self, s: Session, client_id: str) -> ClientRow:
        row = s.get(ClientRow, {"city": self.city, "client_id": client_id})
        if row is None:
            row = self._row_ci(s, client_id)
        if row is None and (plain := read_back(client_id)) != client_id:
            row = self._row_unlocked(s, plain)  # "'000123" copied from a report or typed in Excel
        if row is None:
            # an id that looks like a name is not repeated (the web's case search, the
            # commands): refusals land in terminals, pages and logs
            first = (" (zuerst die Kundenliste einlesen)"
                     if id_may_be_shown(client_id, self.id_pattern) else "")
            raise CaseworkError(
                f"{unknown_id(client_id, self.city, self.id_pattern)}{first}."
                f"{self.twin_hint(client_id, s)}")
        return row

    def twin_hint(self, client_id: str, s: Session | None = None) -> str:
        """A German hint when an unknown id equals a stored one but for leading zeros or a
        short letter prefix ("14" for "000014"), else ""."""
        n = _id_number(read_back(client_id.strip()))
        if n is None:
            return ""
        with (nullcontext(s) if s is not None else self.store.session()) as sess:
            ids = list(sess.scalars(select(ClientRow.client_id).where(
                ClientRow.city == self.city, ClientRow.client_id.like(f"%{n}"))))
        twins = sorted(k for k in ids if _id_number(k) == n and k != client_id
                       and (k.isdigit() or client_id.isdigit()))
        return (f" Gemeint „{twins[0]}“? Die Nummer gleicht ihr bis auf führende Nullen oder "
                "Vorsilbe." if twins else "")

    def _row_ci(self, s: Session, client_id: str) -> ClientRow | None:
        """Look-up by :func:`hausbesuch.caseids.id_key`: without case, look-alike spaces,
        dashes and full-width letters taken as the plain ones (QA 26 F1), compared in
        Python (SQLite's ``lower()`` folds ASCII only); None unless one case has it."""
        from hausbesuch.caseids import id_key

        key = id_key(client_id)
        ids = [k for k in s.scalars(select(ClientRow.client_id).where(
            ClientRow.city == self.city)) if id_key(k) == key]
        return s.get(ClientRow, {"city": self.city, "client_id": ids[0]}) \
            if len(ids) == 1 else None

    # ---- erasure

    def purge(self, ids: Sequence[str] | None = None, *, closed_days: int | None = None,
              absent_days: int | None = None, dry_run: bool = False) -> PurgeResult:
        """Erase the personal data of closed cases (:mod:`hausbesuch.casework.erasure`).

        ``ids``: these cases (each must be ``erreicht`` or ``abgeschlossen``);
        ``closed_days``: every such case whose status was set at least that many days
        before today (one erased before again, when its status was set since);
        ``absent_days`` (with or without ``closed_days``): every case, of any status, that
        no imported client list has held for at least that many days while a later list
        of the city was imported (it left the case-management export; when imports stop,
        nothing counts as absent); one still open or in Klärung is set to
        ``abgeschlossen`` first („nicht mehr in der Kundenliste (zuletzt am …)“, audited with
        ``grund`` ``nicht_mehr_in_liste``). A case with a visit still ahead on a route or an
        appointment (a fixed day) still ahead, one whose announced visit still waits for
        its correction letter, one still open or in Klärung (but for ``absent_days``), or
        one not known is left with its reason; a case erased before, given by id, is
        erased again (what was written since goes too). ``dry_run``: only say what would
        be erased.
        """
        from datetime import timedelta

        from hausbesuch.casework.erasure import erase

        if (ids is None) == (closed_days is None and absent_days is None):
            raise CaseworkError("Entweder Kundennummern oder die Tage seit dem Abschluss "
                                "oder seit der letzten Kundenliste angeben.")
        for days, label, name in ((closed_days, "Tage seit dem Abschluss", "closed_days"),
                                  (absent_days, "Tage seit der letzten Kundenliste",
                                   "absent_days")):
            if days is not None and days < 0:
                raise CaseworkError(f"{label}: {days} ist negativ.", field=name,
                                    reason="ist negativ")
        result = PurgeResult()
        absent: dict[str, datetime] = {}  # case id -> when a list last held it
        today = self.today()
        with self.store.planning_lock(self.city), self.store.session() as s:
            # an import at the same moment must not write back what is being erased
            self.store.one_at_a_time(s, self.city, "import")
            if ids is not None:
                # in the order given: (id as given, its row or None, why it is not known)
                given: list[tuple[str, ClientRow | None, str]] = []
                for raw in dict.fromkeys(ids):
                    try:
                        given.append((raw, self._row(s, raw), ""))
                    except CaseworkError:
                        given.append((raw, None,
                                      f"{unknown_id(raw, self.city, self.id_pattern)}."
                                      f"{self.twin_hint(raw, s)}"))
                rows = [r for _, r, _ in given if r is not None]
            else:
                found: dict[str, ClientRow] = {}
                if closed_days is not None:
                    last = datetime.combine(today - timedelta(days=closed_days),
                                            datetime.max.time())
                    # erased before: again when its status was set since (with a reason)
                    found.update((r.client_id, r) for r in s.scalars(select(ClientRow).where(
                        ClientRow.city == self.city, ClientRow.status.in_(ERASABLE),
                        ClientRow.erased_at.is_(None) | (ClientRow.status_since
                                                         > ClientRow.erased_at),
                        ClientRow.status_since <= last)))
                if absent_days is not None:
                    last = datetime.combine(today - timedelta(days=absent_days),
                                            datetime.max.time())
                    # absent means: a later list of the city no longer held it (imports
                    # that stopped, or a list read this morning, erase nothing)
                    newest = s.scalar(select(func.max(ClientRow.last_listed_at)).where(
                        ClientRow.city == self.city))
                    # no list ever held a case of the city (none imported yet, or a city
                    # set up before its first import): nothing is absent (QA 19a #1)
                    if newest is not None:
                        # an erased case listed again is a live case again (erased_at None)
                        for r in s.scalars(select(ClientRow).where(
                                ClientRow.city == self.city, ClientRow.erased_at.is_(None),
                                ClientRow.last_listed_at <= last,
                                ClientRow.last_listed_at < newest)):
                            found[r.client_id] = r
                            absent[r.client_id] = r.last_listed_at
                rows = [found[k] for k in sorted(found)]
                given = [(r.client_id, r, "") for r in rows]
            # the cases to erase, locked and read anew: a fix, status, note or outcome of
            # one of them being written now either committed before (and is erased with
            # the rest) or waits and then finds the case erased (QA 18a #5); a case
            # changed meanwhile is judged as it is now
            lock_clients(s, self.city, [r.client_id for r in rows])
            ahead: dict[str, CaseVisitRow] = {}
            chosen = [r.client_id for r in rows]
            for k in range(0, len(chosen), 400):
                for v in s.scalars(select(CaseVisitRow).where(
                        CaseVisitRow.city == self.city,
                        CaseVisitRow.client_id.in_(chosen[k:k + 400]),
                        CaseVisitRow.status == "geplant", CaseVisitRow.day >= today)
                        .order_by(CaseVisitRow.start_at.desc())):
                    ahead[v.client_id] = v  # the first visit ahead wins
            unwritten = self._corrections_due(s, chosen, today)
            seen: set[str] = set()
            for pos, (raw, r, unknown) in enumerate(given, 1):
                if r is None:
                    # an id that looks like a name is named by its place among the ids
                    # given, not repeated (:func:`id_may_be_shown`)
                    result.skipped.append((raw if id_may_be_shown(raw, self.id_pattern)
                                           else f"Angabe {pos}", unknown))
                    continue
                cid = r.client_id
                if cid in seen:  # the same case given twice ("k-1" and "K-1")
                    continue
                seen.add(cid)
                if r.status not in ERASABLE and cid not in absent:
                    word = status_word(r.status)
                    result.skipped.append((cid, (
                        f"Status „{word}“: der Fall ist nicht abgeschlossen (erst hausbesuch "
                        f"status {cid} --set abgeschlossen --reason …)")))
                elif (v := ahead.get(cid)) is not None:
                    result.skipped.append((cid, (
                        f"noch am {format_moment(v.start_at)} eingeplant (Plan "
                        f"{v.plan_id}); erst neu planen (hausbesuch replan {v.plan_id} "
                        "--from …)")))
                elif r.pin_day is not None and r.pin_day >= today:
                    # an appointment agreed at the door (or a day fixed) waits for its visit
                    what = ("Termin vereinbart" if r.pin_source == "termin"
                            else "Besuchstag festgelegt")
                    # (as the case page's „Festgelegt: Do, 17.12.2026, 10:30 Uhr“)
                    when = format_day(r.pin_day) + (
                        f", {format_clock(r.pin_time_min)} Uhr"
                        if r.pin_time_min is not None else "")
                    result.skipped.append((cid, (
                        f"{what} für {when}; erst den Termin absagen (im "
                        "Web: Festlegung aufheben) oder verstreichen lassen")))
                elif (v := unwritten.get(cid)) is not None:
                    result.skipped.append((cid, (
                        f"der angekündigte Besuch am {format_day(v.promised_start.date())} entfällt, "
                        "die Absage ist noch nicht geschrieben (erst hausbesuch letters "
                        f"{v.plan_id} --correction)")))
                else:
                    result.to_erase.append(cid)
                    if r.status not in ERASABLE:
                        result.to_close[cid] = absent[cid]
            if not dry_run and result.to_erase:
                at = clock.now()  # closed and erased at one moment
                for r in rows:
                    if r.client_id in result.to_close:
                        self._set_status(s, r, "abgeschlossen", "", at,
                                         code="nicht_mehr_in_liste")
                result.erased = erase(s, self.city, result.to_erase, actor=self.actor, at=at)
                # the reason of that closing names no person: it stays readable
                for cid, listed_at in result.to_close.items():
                    reason = absent_reason(listed_at)
                    s.execute(update(ClientRow).where(
                        ClientRow.city == self.city, ClientRow.client_id == cid)
                        .values(status_reason=reason))
                    s.execute(update(StatusHistoryRow).where(
                        StatusHistoryRow.city == self.city, StatusHistoryRow.client_id == cid,
                        StatusHistoryRow.changed_at == at,
                        StatusHistoryRow.status == "abgeschlossen").values(reason=reason))
        if result.erased is not None:  # (naming an erased case again erases it again,
            result.reclaimed = self.store.reclaim()  # which also retries a failed one)
        return result

    def _erased_at(self, client_id: str) -> datetime | None:
        """When the case's personal data were erased (None: they are there, or unknown)."""
        with self.store.session() as s:
            try:
                return self._row(s, client_id).erased_at
            except CaseworkError:
                return None

    def _corrections_due(self, s: Session, ids: Sequence[str], today: date
                         ) -> dict[str, CaseVisitRow]:
        """Per case id, a visit announced by letter for today or later that will not take
        place (called off, or its case closed) and whose correction letter has not been
        written: the letter needs the name and address."""
        from hausbesuch.letters import AUDIT_CORRECTION
        from hausbesuch.store import AuditRow

        out: dict[str, CaseVisitRow] = {}
        begin = datetime.combine(today, datetime.min.time())
        for k in range(0, len(ids), 400):
            part = list(ids[k:k + 400])
            done = set(s.scalars(select(AuditRow.visit_id).where(
                AuditRow.city == self.city, AuditRow.action == AUDIT_CORRECTION,
                AuditRow.client_id.in_(part))))
            for v in s.scalars(select(CaseVisitRow).where(
                    CaseVisitRow.city == self.city, CaseVisitRow.client_id.in_(part),
                    CaseVisitRow.status.in_(("geplant", "entfallen")),
                    CaseVisitRow.announced_at.is_not(None),
                    CaseVisitRow.promised_start >= begin)
                    .order_by(CaseVisitRow.promised_start.desc())):
                if v.visit_id not in done:
                    out[v.client_id] = v
        return out

    # ---- import

    def import_clients(self, path: str | os.PathLike[str], *, today: date | None = None,
                       name: str | None = None) -> ImportResult:
        """Import or update the clients of a list; nothing is planned.

        Rows are validated one by one (:func:`hausbesuch.clients.read_clients`); a given
        coordinate must lie inside the extract, else the row is rejected. New clients start
        in status ``offen``. A stored address fix is kept while the source address is the
        one it was made for; when the source changed, the fix is marked stale and the
        client is listed by ``hausbesuch addresses`` again. ``name`` is how messages name
        the file (default: the path; an upload: the name of the file sent).
        """
        from hausbesuch.caseids import id_key, lookalike, stored_as
        from hausbesuch.clients import read_clients, same_door
        from hausbesuch.store import _client_values
        from hausbesuch.tabular import same_address_text

        self.check_extract()  # another area's extract: nothing read, nothing stored
        clist = read_clients(path, today=today or self.today(), name=name,
                             **self.profile.casework.id_form())
        result = ImportResult(source=clist.source, total_rows=clist.total_rows,
                              rejected=list(clist.rejected), warnings=list(clist.warnings),
                              odd_postcodes=list(clist.odd_postcodes))
        valid: list[Client] = []
        for c in clist.clients:
            if c.lon is not None and c.lat is not None and not self.inside_extract(c.lon, c.lat):
                result.rejected.append(Rejected(
                    row=c.row, id=c.id, field="lat",
                    reason=f"Koordinate {c.lat:.5f}, {c.lon:.5f} liegt außerhalb des "
                    f"Kartenausschnitts von {self.city} (Breite/Länge vertauscht?)"))
                continue
            valid.append(c)
        if (foreign := self.foreign_list_error(valid)) is not None:
            raise foreign  # before the transaction: nothing is stored, nothing audited
        result.rejected.sort(key=lambda r: r.row)
        result.clients = valid
        absent = absent_columns(clist.columns)  # stored column -> label: kept as stored
        result.absent_columns = absent
        kept: dict[str, int] = {}  # label -> how many known cases kept a stored value
        now = clock.now()
        city, actor = self.city, self.actor
        new_rows: list[dict[str, Any]] = []
        history: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        stale: list[dict[str, Any]] = []
        fix_sources: list[dict[str, Any]] = []  # a fix's address as read now (_read_anew)
        audit: list[dict[str, Any]] = []
        erased_kept: list[str] = []
        with self.store.session() as s:
            self.store.one_at_a_time(s, city, "import")  # two imports at once (PostgreSQL)
            # the city's stored clients and fixes, each in one query, as plain rows; the
            # clients locked (in id order, as store.lock_clients): an outcome or a fix of a
            # case being written now commits first and is read here (an appointment agreed
            # at the door keeps its pin), or waits for the import
            existing = {
                r.client_id: r for r in s.execute(
                    select(ClientRow.__table__).where(ClientRow.city == city)
                    .order_by(ClientRow.client_id).with_for_update())
            }
            folded: dict[str, str] = {}  # id_key -> stored id (QA 26 F1: look-alikes)
            for k in existing:
                folded.setdefault(id_key(k), k)
            # two rows of a stored case at two doors take neither (read_clients): the case
            # keeps the address stored before, and a plan goes there (review 37 #8)
            result.rejected = [
                replace(r, reason=f"{r.reason}. Bis dahin bleibt der Fall mit seiner "
                        f"gespeicherten Anschrift („{existing[cid].address}“) und wird so "
                        "geplant") if r.field == "id" and r.id and TWO_ADDRESSES in r.reason
                and (cid := folded.get(id_key(r.id))) is not None else r
                for r in result.rejected]
            fixes = {
                f.client_id: f for f in s.execute(
                    select(AddressFixRow.client_id, AddressFixRow.source_address,
                           AddressFixRow.address, AddressFixRow.stale, AddressFixRow.lon,
                           AddressFixRow.lat)
                    .where(AddressFixRow.city == city))
            }
            # visits still to come and visits done on a pinned day, of the listed clients
            # that are stored: a moved client's planned visit, a list pin already served
            keys = sorted({c.id if c.id in existing else folded[id_key(c.id)]
                           for c in valid if c.id in existing or id_key(c.id) in folded})
            ahead: dict[str, list[CaseVisitRow]] = {}
            done_on: set[tuple[str, date]] = set()
            for i in range(0, len(keys), 900):
                for v in s.scalars(select(CaseVisitRow).where(
                        CaseVisitRow.city == city, CaseVisitRow.client_id.in_(keys[i:i + 900]),
                        CaseVisitRow.status.in_(("geplant", "erledigt")))):
                    if v.status == "erledigt":
                        done_on.add((v.client_id, v.day))
                    elif v.day >= (today or self.today()):
                        ahead.setdefault(v.client_id, []).append(v)
            moved_ahead: list[tuple[str, Client]] = []
            pinned_now: list[tuple[str, Client]] = []  # list pins set or changed, ahead
            number_keys: dict[str, str] = {}  # the number of an id (no zeros) -> the id
            twins: set[int] = set()  # rows refused here: their id equals a stored one
            twin_ids: set[str] = set()  # ... and the ids they equal
            for k in existing:
                if (n := _id_number(k)) is not None:
                    number_keys.setdefault(n, k)
            for c in valid:
                key = c.id if c.id in existing else folded.get(id_key(c.id), c.id)
                row = existing.get(key)
                if row is not None and lookalike(c.id, key):  # the stored id stays
                    result.lookalikes[c.id] = key
                    result.warnings.append(f"Zeile {c.row}: {stored_as(c.id, key)}.")
                if row is None and (n := _id_number(c.id)) is not None:
                    twin = number_keys.get(n)
                    if twin is not None and (twin.isdigit() or c.id.isdigit()):
                        # "1" for "000001", "42" for "BG000042": a spreadsheet read the id
                        # as a number; a second case for one person must not begin
                        result.rejected.append(Rejected(
                            row=c.row, id=c.id, field="id", reason=(
                                f"Kundennummer „{c.id}“ gleicht „{twin}“ bis auf führende "
                                "Nullen oder Vorsilbe: dieselbe Person? Die Tabellenkalkulation "
                                "hat die Nummer vermutlich als Zahl gelesen; bitte die Spalte "
                                "als Text exportieren oder die Nummer wie gespeichert "
                                "schreiben")))
                        twins.add(c.row)
                        twin_ids.add(twin)  # the person is in the list, under another id
                        continue
                    number_keys[n] = c.id
                values = _client_values(c)
                values["client_id"] = key
                # a client whose data were erased is a live case again: its data are back
                values.update(given_lon=c.lon, given_lat=c.lat, erased_at=None)
                if row is not None and c.pin_day and (key, c.pin_day) in done_on:
                    pass  # the list's pin was served (a visit with an outcome that day)
                elif row is not None and (c.pin_team or c.pin_day) \
                        and _appointment_stands(row, c, today or self.today()):
                    # an appointment agreed with the client at the door since stands: the
                    # row keeps it (also against a list pin to a team only); a list pin
                    # that asks for another day or time is named, not dropped without a
                    # word (QA 33a F3)
                    if (note := _pin_not_taken(row, c, today or self.today())) is not None:
                        result.pin_notes.setdefault(c.id, []).append(note)
                        result.warnings.append(f"Zeile {c.row} ({key}): {note}")
                elif c.pin_team or c.pin_day:
                    values.update(pin_team=c.pin_team, pin_day=c.pin_day,
                                  pin_time_min=c.pin_time_min, pin_source="liste")
                    if c.pin_day is not None and c.pin_day >= (today or self.today()) and (
                            row is None or (row.pin_source, row.pin_day, row.pin_time_min)
                            != ("liste", c.pin_day, c.pin_time_min)):
                        pinned_now.append((key, c))
                elif row is not None and row.pin_source == "liste":
                    values.update(pin_team=None, pin_day=None, pin_time_min=None, pin_source=None)
                if row is None:
                    new_rows.append({"pin_team": None, "pin_day": None, "pin_time_min": None,
                                     "pin_source": None, **values,
                                     "pin_since": now if values.get("pin_source") else None,
                                     "city": city,
                                     "created_at": now, "updated_at": now,
                                     "last_listed_at": now, "status": "offen",
                                     "status_since": now, "status_reason": "neu eingelesen"})
                    history.append({"city": city, "client_id": key, "status": "offen",
                                    "reason": "neu eingelesen", "changed_at": now,
                                    "changed_by": actor})
                    audit.append(audit_values(actor, "klient_neu", city=city, client_id=key,
                                              details={"zeile": c.row}))
                    result.new.append(c.id)
                    continue
                if row.status != "offen":  # stays as it is: not planned (QA 26 F3)
                    result.not_open[c.id] = row.status
                if row.erased_at is not None and row.status in ERASABLE:
                    # its data were erased and the case is done: the list does not bring
                    # them back (reopen it first: status offen, then import again)
                    erased_kept.append(key)
                    result.erased_kept[c.id] = row.erased_at
                    result.unchanged.append(c.id)
                    continue
                keep_absent(values, row, absent, kept)  # a column the list lacks: kept
                changed = [k for k, v in values.items() if getattr(row, k) != v]
                # a PLZ stored as typed before it was read as five digits ("36251.0",
                # "D-36251"): the same address read anew, stored so, but no change
                anew = _read_anew(row, values, changed)
                real = [k for k in changed if k not in anew]
                fix = fixes.get(key)
                fixed_for = fix is not None and ((
                    # a floor or c/o line added or changed is a new address for the field
                    _same_additions(fix.source_address, c.address) and (
                        # the address the fix was made for
                        same_address_text(fix.source_address, c.address)
                        # ... also written in another case, abbreviation or spacing: the
                        # door the duplicate rows compare (QA 44a F1)
                        or same_door(fix.source_address, c.address)
                        or ("address" in anew and fix.source_address == row.address)
                        # ... or the list now writes an address found, beyond doubt,
                        # where the fix puts the case (a town added to „Hauptstraße 40“)
                        or self._fix_found_again(fix, c)))
                    # ... or the list now gives the address the fix set (the Fachanwendung
                    # was corrected too): the fix holds, nothing to review again
                    or (fix.address is not None and (
                        same_address_text(fix.address, c.address)
                        or (same_door(fix.address, c.address)
                            and _same_additions(fix.address, c.address)))))
                # the fix holds: the case stays where it put it, whatever the list's words
                fix_holds = fixed_for and fix is not None and not fix.stale
                if fix is not None and not fix.stale and fix.source_address != c.address \
                        and fixed_for:
                    # the fix was made for this address, its PLZ as typed: it stays, made
                    # for the address as read now (compared so everywhere)
                    fix_sources.append({"city": city, "client_id": key,
                                        "source_address": c.address})
                if real in ([], ["input_row"]):
                    if anew:  # stored as read now (audited), the case counts as unchanged
                        updates.append({**{k: values[k] for k in changed}, "city": city,
                                        "client_id": key, "updated_at": now})
                        audit.append(audit_values(actor, "klient_geaendert", city=city,
                                                  client_id=key,
                                                  details={"felder": sorted(anew)}))
                    elif changed == ["input_row"]:  # only moved in the list: no change
                        updates.append({"input_row": c.row, "city": city, "client_id": key})
                    result.unchanged.append(c.id)
                    continue
                # a new place (not one read anew): an address form loaded before is
                # stale (its stamp, fix_stamps)
                since = {"address_since": now} if PLACE_COLUMNS & set(real) else {}
                if PIN_COLUMNS & set(real):  # a pin the list set, changed or took back
                    since["pin_since"] = now  # (the moment of the write, set below)
                updates.append({**{k: values[k] for k in changed}, "city": city,
                                "client_id": key, "updated_at": now, **since})
                result.updated.append(c.id)
                audit.append(audit_values(actor, "klient_geaendert", city=city, client_id=key,
                                          details={"felder": sorted(set(changed)
                                                                    - {"input_row"})}))
                if key in ahead and PLACE_COLUMNS & set(real) and not fix_holds:
                    moved_ahead.append((key, c))
                if key in ahead and values.get("pin_source") == "liste" and {
                        "pin_team", "pin_day", "pin_time_min"} & set(changed) and (
                        note := _pin_moves_promise(c, ahead[key])) is not None:
                    # the next re-plan calls the announced visit off for the pin: said
                    # now, while the list can still be put back (QA 33b F10)
                    result.pin_notes.setdefault(c.id, []).append(note)
                    result.warnings.append(f"Zeile {c.row} ({key}): {note}")
                elif key in ahead and "zeitfenster" in real and c.id not in result.not_open \
                        and values.get("pin_time_min", row.pin_time_min) is None and (
                        note := _window_moves_promise(c, ahead[key])) is not None:
                    # the same for a window changed since the letter (an agreed time
                    # overrides the windows: then none)
                    result.pin_notes.setdefault(c.id, []).append(note)
                    result.warnings.append(f"Zeile {c.row} ({key}): {note}")
                if fix is not None and not fix.stale and not fixed_for:
                    stale.append({"city": city, "client_id": key, "stale": True})
                    result.stale_fixes.append(c.id)
                    audit.append(audit_values(actor, "korrektur_veraltet", city=city,
                                              client_id=key))
            if kept:
                result.warnings.append(kept_note(
                    {label: kept[label] for label in absent.values() if label in kept}))
            if erased_kept:
                shown = ", ".join(sorted(erased_kept)[:20])
                more = " …" if len(erased_kept) > 20 else ""
                result.warnings.append(
                    f"{count(len(erased_kept), 'Fall', 'Fälle')} mit gelöschten Daten "
                    f"(erreicht oder abgeschlossen) nicht wieder eingelesen: {shown}{more}. "
                    + ("Um ihn wieder zu bearbeiten" if len(erased_kept) == 1
                       else "Um einen davon wieder zu bearbeiten")
                    + ": den Status auf „offen“ setzen, dann die Liste erneut einlesen.")
            for key, c in moved_ahead:
                # the first visit ahead whose plan goes elsewhere than the list now says
                # (compared with the address the plan visits, not the previous row: a
                # list put back to the address the plan was made for needs no re-plan)
                v = next((v for v in sorted(ahead[key], key=lambda x: x.start_at)
                          if not _visits_address(s, v, c)
                          and not self._found_at_stop(_stop_of(s, v), c)), None)
                if v is None:
                    continue
                if c.id in result.not_open:
                    # not planned (its own note says so): the visit ahead is called off
                    # on the route page, sheet and phone (stops.closed_cases); a re-plan
                    # for the new address would not take the case either
                    result.warnings.append(old_address_note(key, v, still_open=False))
                    continue
                text = old_address_note(key, v)
                result.moved_ahead.append((text, v.plan_id or "?"))
                result.warnings.append(result.replan_hint(text, v.plan_id or "?"))
            from hausbesuch.planning.builder import pin_day_note

            for key, c in pinned_now:
                if c.id in result.not_open:  # not planned (its own note says so)
                    continue
                # a day no plan takes (a holiday, a time after a short day's end): said as
                # it is read in (QA 41 F5), not only by the plans after it
                if (off := pin_day_note(
                        self.calendar, c.pin_day, today or self.today(), "liste",
                        time_min=c.pin_time_min,
                        service_min=c.besuchsdauer_min or self.profile.workday.visit_minutes)):
                    note = f"Datum laut Liste {format_day(c.pin_day)}: {off}."
                    result.pin_notes.setdefault(c.id, []).append(note)
                    result.warnings.append(f"Zeile {c.row} ({key}): {note}")
                    continue
                for note in self._list_pin_in_plans(s, key, c):
                    result.pin_notes.setdefault(c.id, []).append(note)
                    result.warnings.append(f"Zeile {c.row} ({key}): {note}")
            result.rejected.sort(key=lambda r: r.row)
            result.clients = [c for c in valid if c.row not in twins]
            listed = {id_key(k) for k in [*(c.id for c in valid), *twin_ids,
                                          *(r.id for r in result.rejected if r.id)]}
            result.absent = sorted(k for k, r in existing.items()
                                   if r.status == "offen" and id_key(k) not in listed)
            # one person under two ids: the list's rows, with the city's cases the list
            # does not hold (a new row for a case stored before under another id), of any
            # status: named while one of them is open (open_same_person_groups)
            listed_ids = {id_key(c.id) for c in result.clients}
            status = {**{k: r.status for k, r in existing.items()}, **result.not_open}
            same_person = open_same_person_groups(
                [(c.id, c.name, c.address) for c in result.clients]
                + [(k, r.name, r.address) for k, r in existing.items()
                   if r.erased_at is None and id_key(k) not in listed_ids],
                {**status, **{c.id: result.not_open.get(c.id, "offen")
                              for c in result.clients}},
                checked := self.other_person_pairs(s))  # (pairs marked two people left out)
            for ids in same_person:
                note = same_person_note(ids, status, checked=checked)
                result.warnings.append(note)
                for cid in ids:
                    result.same_person.setdefault(cid, note)
            # counted as the summary and the upload page count: the listed cases whose
            # data were erased apart from the unchanged ones (QA 42b F5)
            audit.append(audit_values(actor, "import", city=city, details={
                "zeilen": result.total_rows, "neu": len(result.new),
                "aktualisiert": len(result.updated), "unveraendert": result.unchanged_read,
                **({"nicht_wieder_eingelesen": len(result.erased_kept)}
                   if result.erased_kept else {}),
                **({"gleiche_person": same_person} if same_person else {}),
                "abgelehnt": len(result.rejected)}))
            # the pins the list set: their moment is the write's, not the import's start (a
            # plan page that read the pins meanwhile did not see them; check_pin_unchanged)
            pin_at = clock.now()
            for u in (*new_rows, *updates):
                if u.get("pin_since") is not None:
                    u["pin_since"] = pin_at
            # one bulk statement per table (executemany), instead of one ORM object per row;
            # render_nulls keeps None columns in the INSERT so that all rows share one
            # statement (none of these columns has a default that None would replace)
            if new_rows:
                s.execute(insert(ClientRow).execution_options(render_nulls=True), new_rows)
                s.execute(insert(StatusHistoryRow), history)
            # by primary key (city, client_id); one executemany per set of changed columns
            by_columns: dict[frozenset[str], list[dict[str, Any]]] = {}
            for u in updates:
                by_columns.setdefault(frozenset(u), []).append(u)
            for same in by_columns.values():
                s.execute(update(ClientRow), same)
            # every stored case the list holds (also in a refused row: it is in the export)
            held = sorted(k for k in existing if id_key(k) in listed)
            for i in range(0, len(held), 900):
                s.execute(update(ClientRow).where(
                    ClientRow.city == city, ClientRow.client_id.in_(held[i:i + 900]))
                    .values(last_listed_at=now))
            if stale:
                s.execute(update(AddressFixRow), stale)
            if fix_sources:
                s.execute(update(AddressFixRow), fix_sources)
            self._keep_last_import(s, result, now, [*existing, *listed], clist.columns)
            self.store.audit_many(audit, session=s)
        return result

    def _fix_found_again(self, fix: Any, c: Client) -> bool:  # noqa: ANN401
        """Whether the list's new address of ``c`` (no point given) is found exactly and
        without doubt where its address ``fix`` (a row of :class:`AddressFixRow`'s
        source_address, address, stale, lon, lat) puts the case: the list completed what
        the fix answered, so the fix holds (the import asks too that the additions, a
        floor or c/o line, stay those the fix was made for). QA 44a (K-1038):
        „Hauptstraße 40“ without a town, fixed to the house in Hauneck, then listed as
        „Hauptstraße 40, 36282 Hauneck“, was set aside and listed for review again.
        Where the fix is: its point (within :data:`POINT_FIX_NEAR_M`: a point set on the
        map lies beside the house), or where the geocoder finds its address (the same
        house: a few metres)."""
        from geodata.network import haversine_m

        if fix.stale or c.lat is not None or c.lon is not None or not c.address:
            return False
        if fix.lon is not None and fix.lat is not None:
            lon, lat, near = fix.lon, fix.lat, POINT_FIX_NEAR_M
        elif fix.address:
            at = self.index.geocode(fix.address)
            if at.outside or at.quality not in ("exact", "interpolated"):  # (its doubt
                # the coordinator answered with the fix)
                return False
            lon, lat, near = at.lon, at.lat, SAME_HOUSE_M
        else:
            return False
        r = self._looked_up(c)
        return (r.quality == "exact" and not r.doubt and r.lon is not None
                and r.lat is not None and float(haversine_m(lon, lat, r.lon, r.lat)) <= near)

    def _found_at_stop(self, stop: VisitRow | None, c: Client,
                       loc: Located | None = None) -> bool:
        """Whether the list's address of ``c`` (no point given) is found where a plan's
        ``stop`` goes (within a few metres; ``loc``: where it was found, else it is
        looked up), with the stop's additions: a re-plan would send the team to the same
        door, so the visit does not wait at an old address although the words differ
        (QA 44a F4: the list's „Hauptstraße 40, 36282 Hauneck“ after a fix to that house,
        the plan's „Hauptstraße 40, 36282 Hauneck (Unterhaun)“)."""
        if c.lat is not None or c.lon is not None or not c.address:
            return False  # a point given: compared by _visits_address
        if stop is None or not _same_additions(stop.address, c.address):
            return False
        if loc is None:
            r = self._looked_up(c)
            lon, lat = r.lon, r.lat
        else:
            lon, lat = loc.lon, loc.lat
        return lon is not None and lat is not None and not _elsewhere(stop, lon, lat)

    def _keep_last_import(self, s: Session, result: ImportResult, now: datetime,
                          ids: Collection[str], columns: dict[str, Any]) -> None:
        """Keep this import's counts and rejected rows as the city's last import (in place
        of the one before; audited with the import's own row): the *Kundenliste* page
        shows them until the next import (QA 22 F10). Reasons without typed values that
        could be names or addresses (:func:`stored_reason`)."""
        from hausbesuch.clients import FIELD_LABELS

        headers = [h for v in columns.values()
                   for h in ([v] if isinstance(v, str) else v if isinstance(v, list | tuple)
                             else ()) if isinstance(h, str)]
        safe = {*ids, *(r.id for r in result.rejected if r.id), *FIELD_LABELS.values(),
                *headers, *filter(None, [self.profile.casework.kundennummer_beispiel])}
        s.execute(delete(ImportRejectionRow).where(ImportRejectionRow.city == self.city))
        s.execute(delete(LastImportRow).where(LastImportRow.city == self.city))
        s.add(LastImportRow(city=self.city, imported_at=now, imported_by=self.actor,
                            total_rows=result.total_rows, new=len(result.new),
                            updated=len(result.updated), unchanged=result.unchanged_read,
                            rejected=len(result.rejected),
                            erased_kept=len(result.erased_kept)))
        s.flush()
        if result.rejected:
            s.execute(insert(ImportRejectionRow), [
                {"city": self.city, "seq": i, "input_row": r.row, "client_id": r.id or None,
                 "field_name": r.field,
                 "reason": stored_reason(r.reason, safe, field=r.field, row=r.row)}
                for i, r in enumerate(result.rejected)])

    def foreign_list_error(self, clients: Sequence[Client]) -> CaseworkError | None:
        """The refusal of a list that belongs to another city, or None (QA 19a #3).

        The list is taken for another city's when at least :data:`FOREIGN_LIST_MIN_ROWS` of
        its rows, and more than half of the rows whose address is looked up (no coordinate
        in the list), name a postcode or town that lies outside the extract's area (the
        geocoder's :attr:`~geodata.geocode.GeocodeResult.outside`). All rows with an
        address count, also those that name no place: such a row cannot tell the city,
        and a city's own list that mostly leaves PLZ/Ort empty is not refused for a few
        rows from the neighbourhood. The lookups are memoised by the index, so that
        ``addresses``, ``plan`` and the web's address page find them done. There is no
        override: a city whose clients mostly live outside its extract needs a larger
        extract (the rows would not be found anyway). An address whose town as parsed is
        the client's own name before a comma („Meier, Breitenstraße 5“) counts as it is
        found without it (:meth:`_looked_up`), and so is never quoted.
        """
        from geodata.addresses import parse_address
        from hausbesuch.care_of import own_name_before_street

        def outside_area(c: Client) -> bool:
            if not self.index.geocode(c.address).outside:
                return False
            bare = own_name_before_street(c.address, c.name, comma=True)
            return bare is None or self.index.geocode(bare[0]).outside

        looked_up = [c for c in clients if c.lon is None or c.lat is None]
        outside = [c for c in looked_up if outside_area(c)]
        if len(outside) < FOREIGN_LIST_MIN_ROWS or 2 * len(outside) <= len(looked_up):
            return None
        postcodes: dict[str, int] = {}
        towns: dict[str, int] = {}
        for c in outside:
            q = parse_address(c.address)
            if q.postcode and q.postcode not in self.index.postcodes:
                postcodes[q.postcode] = postcodes.get(q.postcode, 0) + 1
            if town := (q.town_typed or q.town):
                towns[town] = towns.get(town, 0) + 1

        def most(found: dict[str, int], what: str) -> str:
            names = sorted(found, key=lambda k: (-found[k], k))
            return f"{what} " + ", ".join(names[:5]) + (" …" if len(names) > 5 else "")

        places = "; ".join(most(found, what) for found, what in (
            (postcodes, "PLZ"), (towns, "Ort")) if found)
        check = ("Bitte --city prüfen (das Profil der Stadt, zu der die Liste gehört)."
                 if self.actor.startswith("cli:") else
                 "Bitte prüfen, ob die Liste zu dieser Stadt gehört, und sie bei der "
                 "richtigen Stadt hochladen.")
        return CaseworkError(
            f"Die Liste gehört offenbar nicht zu {self.city}: in {len(outside)} von "
            f"{len(looked_up)} Zeilen liegen PLZ oder Ort nicht im Gebiet des Kartenauszugs "
            f"({places}). Nichts eingelesen. {check}")

    # ---- where clients are

    def locate(self, clients: Sequence[Client]) -> dict[str, Located]:
        """Where each client is: a fix, a coordinate from the list, or the geocoder."""
        with self.store.session() as s:
            fixes = {
                f.client_id: (f.address, f.lon, f.lat, f.stale, f.source_address)
                for f in s.scalars(select(AddressFixRow).where(AddressFixRow.city == self.city))
            }
        out: dict[str, Located] = {}
        for c in clients:
            fix = fixes.get(c.id)
            if fix is not None and not fix[3] and fix[4] == c.address:
                address, lon, lat = fix[0], fix[1], fix[2]
                if lon is not None and lat is not None:
                    if not self.inside_extract(lon, lat):
                        out[c.id] = self._fix_outside(c, "korrektur_punkt")
                        continue
                    out[c.id] = Located(c.id, lon, lat, "manual", 1.0,
                                        address or "Punkt von Hand gesetzt",
                                        "von Hand gesetzt", source="korrektur_punkt")
                    continue
                if address:
                    r = self.index.geocode(address)
                    if r.outside:  # its town or postcode is not in the extract
                        out[c.id] = self._fix_outside(c, "korrektur_adresse", address)
                        continue
                    match = r.match or ""
                    if match and r.quality in FOUND_QUALITIES:  # "Bierweg 4", not OSM's
                        match = match_with_own_number(match, address)  # "Bierweg 2-6"
                    out[c.id] = Located(c.id, r.lon, r.lat, r.quality, float(r.score),
                                        match, r.reason or "",
                                        tuple(r.suggestions), source="korrektur_adresse",
                                        fix_address=address)
                    continue
            if c.lon is not None and c.lat is not None:
                out[c.id] = Located(c.id, c.lon, c.lat, "given", 1.0, "Koordinate aus der Liste",
                                    "Koordinate aus der Liste", source="liste_koordinate")
                continue
            r = self._looked_up(c)
            out[c.id] = Located(c.id, r.lon, r.lat, r.quality, float(r.score), r.match or "",
                                r.reason or "", tuple(r.suggestions), doubt=r.doubt,
                                fix_set_aside=fix is not None, candidates=r.candidates)
        return out

    def _fix_outside(self, c: Client, source: str, address: str = "") -> Located:
        """Where ``c`` is when its address fix lies outside the extract (QA 28: stored
        with another area's extract before the extract was checked): nowhere, with why
        and what the geocoder suggests for the list's address, to fix it again; never the
        stored place, which may lie 250 km away."""
        what = "der von Hand gesetzte Punkt" if source == "korrektur_punkt" else \
            "die korrigierte Adresse"
        r = self._looked_up(c)
        offered = tuple(r.suggestions)
        reason = (f"Die gespeicherte Korrektur ({what}) liegt außerhalb des OSM-Auszugs von "
                  f"{self.city} und gilt nicht (gespeichert mit dem Auszug einer anderen "
                  "Gegend?): bitte die Adresse neu korrigieren")
        if r.quality in FOUND_QUALITIES and r.match and r.lon is not None and not r.doubt:
            # the list's address is found: taking it is one choice (Vorschlag 1)
            offered = (r.match, *(x for x in offered if x != r.match))
            reason += "; Vorschlag 1 übernimmt die Adresse der Liste"
        return Located(c.id, None, None, "unresolved", 0.0, "", reason, offered,
                       source=source, fix_address=address, candidates=tuple(r.candidates),
                       fix_outside=True)

    def _looked_up(self, c: Client) -> Any:
        """The geocoder's answer for the list's address of ``c``. An address that begins
        with the client's own name before its street („Anna Meier Breitenstraße 5“ of
        „Meier, Anna“: :func:`hausbesuch.care_of.own_name_before_street`; the geocoder
        does not see the ``Name`` column, and would read past the words in doubt) is
        looked up without it when the geocoder, reading the address as typed, read past
        just those words before the street: it resolves as the bare address does, with
        the note „2 Wörter vor dem Straßennamen ignoriert (Name des Kunden).“ in place
        of the geocoder's (how many words, never which; it leaves them out of the
        overviews and exports as the geocoder's note does).

        So is the own name followed by a comma („Meier, Breitenstraße 5“), which the
        geocoder reads as the town when none follows the street, when the address as
        typed is not found exactly or interpolated without doubt and the bare address is
        found better."""
        from dataclasses import replace

        from hausbesuch.care_of import _DROPPED_NOTE, own_name_before_street, own_name_note

        found_kinds = ("exact", "interpolated", "street")
        r = self.index.geocode(c.address)
        bare = own_name_before_street(c.address, c.name) if r.quality in found_kinds else None
        if bare is not None and (m := _DROPPED_NOTE.search(r.reason or "")) \
                and int(m[1]) == bare[1]:
            found = self.index.geocode(bare[0])
        elif (r.quality not in ("exact", "interpolated") or r.doubt) and (
                bare := own_name_before_street(c.address, c.name, comma=True)):
            found = self.index.geocode(bare[0])
            if not found_better(found, r):
                return r
        else:
            return r
        if found.quality not in found_kinds or found.lon is None:
            return r
        return replace(found, reason=" ".join(
            x for x in (own_name_note(bare[1]), found.reason or "") if x))

    def address_problems(self, *, statuses: Sequence[str] = ("offen", "in_klaerung")
                         ) -> list[AddressProblem]:
        """Clients (of these statuses) whose address is unresolved, street-level, found in
        doubt (:attr:`Located.doubt`) or whose fix went stale, with the geocoder's
        suggestions."""
        return self.address_review(statuses=statuses)[0]

    def address_review(self, *, statuses: Sequence[str] = ("offen", "in_klaerung")
                       ) -> tuple[list[AddressProblem], list[AddressProblem]]:
        """:meth:`address_problems`, and the open cases whose address a coordinator fixed
        by text to one found only at street level (its house number not in the map data:
        „Bahnhofstr. 9“ on a Bahnhofstraße that OSM maps with 1, 6, 16a and 20). A fix
        counts as reviewed, so these are no problem to list; but the field is told
        „Lage nur auf Straßenebene – Hausnummer vor Ort suchen“, so ``addresses`` and
        *Adressen* name them beside the list, never an all-clear without them (QA 31),
        with the address as the field sees it and the geocoder's reason: a point set by
        hand places them exactly."""
        self.check_extract()  # another area's map offers another town's suggestions
        states = [st for st in self.states() if st.status in statuses]
        with self.store.session() as s:
            stale = {
                f.client_id for f in s.scalars(select(AddressFixRow).where(
                    AddressFixRow.city == self.city, AddressFixRow.stale.is_(True)))
            }
        located = self.locate([st.client for st in states])
        out: list[AddressProblem] = []
        street: list[AddressProblem] = []
        for st in states:
            loc = located[st.client.id]
            if st.status == "in_klaerung":
                shown, reason = st.client.address, f"in Klärung: {st.client_status_reason}"
                if loc.fix_outside:
                    reason += f"; {loc.reason}"
                elif loc.source.startswith("korrektur"):  # e.g. the new address after a move
                    if loc.source == "korrektur_adresse" and loc.match:
                        shown = loc.match
                    reason += ("; Adresse korrigiert: ist der Fall geklärt, den Status "
                               "wieder auf „offen“ setzen")
                out.append(AddressProblem(st.client.id, shown, loc.quality, reason,
                                          loc.suggestions, st.client.id in stale))
            elif st.client.id in stale or (loc.quality in REVIEW_QUALITIES
                                           and not loc.source.startswith("korrektur")
                                           ) or loc.doubt or loc.fix_outside:
                # a coordinator's own fix counts as reviewed, also when street-level
                reason = loc.reason or ("nur die Straße gefunden" if loc.quality == "street"
                                        else "nicht gefunden")
                if loc.doubt:
                    reason = f"gefunden als „{loc.match}“, bitte prüfen: {reason}"
                elif loc.found_anew:  # nothing wrong with it: to be confirmed (Vorschlag 1)
                    reason = (f"die neue Adresse wurde gefunden als „{loc.match}“; Vorschlag 1 "
                              "bestätigt sie")
                if st.client.id in stale:
                    reason = "Adresse in der Quelle geändert, frühere Korrektur gilt nicht " \
                             "mehr; " + reason
                out.append(AddressProblem(st.client.id, st.client.address, loc.quality,
                                          reason, loc.offered, st.client.id in stale))
            elif (st.status == "offen" and loc.source == "korrektur_adresse"
                  and loc.quality == "street" and loc.plannable):
                street.append(AddressProblem(
                    st.client.id, loc.fix_shown, loc.quality,
                    loc.reason or "Hausnummer nicht in den Kartendaten", (), False))
        return out, street

    def fix_address(self, client_id: str, *, address: str | None = None,
                    point: tuple[float, float] | None = None,
                    suggestion: int | None = None,
                    suggested_for: str | None = None,
                    point_as_typed: tuple[str, str] | None = None,
                    seen: str | None = None) -> Located:
        """Store a coordinator's fix for a client: an address text, a point ``(lon, lat)``
        or the ``suggestion``-th (1-based) suggestion of the geocoder. ``suggested_for``:
        ``address`` is a suggestion the geocoder made for that typed address (in the
        :attr:`CaseworkError.suggestions` of its refusal): a street suggestion is taken at
        the typed house number, as a stored suggestion at the client's.
        ``point_as_typed``: the point's (Breite, Länge) as the user typed them (a form's
        „52,52“); a refusal echoes them so, not as ``52.52000`` (QA 26 web F8).

        ``seen``: the stamp of the fix the sending page showed (:meth:`fix_stamps`; "" when
        the form had none); a fix stored since (another account's, or this one's in
        another tab) refuses it with :class:`StaleFormError`, checked again under the
        case's lock in the transaction that stores. None (the command line) checks nothing.

        Raises
        ------
        CaseworkError
            Unknown client, a point outside the extract, an address that cannot be found,
            or a suggestion number that does not exist. Nothing is changed then.
        """
        given = sum(x is not None for x in (address, point, suggestion))
        if given != 1:
            raise CaseworkError("Genau eine Korrektur angeben: eine Adresse, einen Punkt "
                                "oder einen Vorschlag.")
        self.check_extract()  # a fix from another area's map would lie far away
        with self.store.session() as s:
            try:
                row = self._row(s, client_id)
            except CaseworkError:
                # not stored because the last import rejected its row (QA 26 F5)
                if (why := self._rejected_at_import(s, client_id)) is not None:
                    raise CaseworkError(why) from None
                raise
            client = self._client(row)
            self._no_fix_if_erased(row)
            if seen:  # first, so that a stale page is told what changed, not that a
                # suggestion it offered no longer exists (QA 38 F1); a form without a
                # stamp is told about its input first, and refused when it would store
                self._check_fix_seen(s, row, seen)
        if suggestion is not None:
            loc = self.locate([client])[client.id]
            if not loc.offered and loc.plannable:  # found: nothing to choose (QA 26 F5)
                from hausbesuch.planning.report import quality_label

                how = quality_label(loc.quality) + (
                    ", durch eine frühere Korrektur" if loc.source == "korrektur_adresse"
                    else "")
                reason = (f"für Kundennummer „{client.id}“ gibt es keine: die Adresse ist "
                          f"gefunden ({how}). Ändern: eine Adresse oder einen Punkt angeben.")
                raise CaseworkError(f"Vorschläge {reason}", field="suggestion", reason=reason)
            if not loc.offered:
                reason = (f"für Kundennummer „{client.id}“ gibt es keine (stattdessen "
                          "eine Adresse oder einen Punkt angeben).")
                raise CaseworkError(f"Vorschläge {reason}", field="suggestion", reason=reason)
            if not 1 <= suggestion <= len(loc.offered):
                reason = (f"Nummer {suggestion} gibt es nicht; Vorschläge 1 bis "
                          f"{len(loc.offered)}.")
                raise CaseworkError(f"Vorschlag {reason}", field="suggestion", reason=reason)
            address = loc.offered[suggestion - 1]
            if suggestion == 1 and address == loc.match and loc.quality in FOUND_QUALITIES \
                    and " gelesen" not in loc.reason:
                # taking the match confirms it: with the client's house number, not OSM's
                # range or list that covers it ("Bierweg 4", not "Bierweg 2-6"); a number
                # the geocoder read otherwise ("99-12" as Nr. 99) is confirmed as read
                address = match_with_own_number(address, client.address)
        lon = lat = None
        if point is not None:
            lon, lat = point
            if not self.inside_extract(lon, lat):
                where = f"liegt außerhalb des Kartenausschnitts von {self.city}"
                said_lat, said_lon = point_as_typed or (f"{lat:.5f}", f"{lon:.5f}")
                raise CaseworkError(
                    f"Punkt (Breite {said_lat}, Länge {said_lon}) {where}; Breite und Länge "
                    "vertauscht?", field="point",
                    reason=f"{lat:.5f},{lon:.5f} {where} (Reihenfolge: BREITE,LÄNGE, z. B. "
                    f"{self.profile.point_example(self.index.geocode)}).")
        elif address is not None:
            address = address.strip()
            r = self.index.geocode(address)
            picked = suggestion is not None or suggested_for is not None
            if picked and r.quality in PLANNABLE_QUALITIES and (numbered := with_typed_number(
                    address, suggested_for or client.address)) is not None:
                # a street suggestion: at the client's house number (found or interpolated;
                # else on the street, and the reason names the number not found)
                rn = self.index.geocode(numbered)
                if rn.quality in PLANNABLE_QUALITIES and rn.lon is not None:
                    address, r = numbered, rn
            if r.quality not in PLANNABLE_QUALITIES or r.lon is None:
                why = (r.reason or "keine Übereinstimmung").rstrip(".")
                if suggestion is not None:  # a suggestion that does not resolve either
                    reason = (f"Nummer {suggestion} („{address}“) lässt sich nicht eindeutig "
                              f"finden ({why}); bitte den Punkt von Hand setzen.")
                    raise CaseworkError(f"Vorschlag {reason}", field="suggestion",
                                        reason=reason)
                hint = f" Vorschläge: {'; '.join(r.suggestions)}" if r.suggestions else ""
                reason = f"„{address}“ wurde nicht gefunden ({why}).{hint}"
                raise CaseworkError(f"Adresse {reason}", field="address", reason=reason,
                                    suggestions=r.suggestions)
        now = clock.now()
        with self.store.session() as s:
            # locked: a purge erasing the case now (or one that did while the address was
            # looked up) comes first and the fix is refused, or comes after it and deletes
            # it; a second coordinator fixing the case at once waits, then finds this
            # fix and, sending a stamp (the web), is refused as stale (QA 38 F1); without
            # one (the command line) updates it (last writer wins, both audited: QA 18a
            # #2, #5)
            row = self._row(s, client_id, lock=True)
            self._no_fix_if_erased(row)
            self._check_fix_seen(s, row, seen)  # under the lock: the one that counts
            fix = s.get(AddressFixRow, {"city": self.city, "client_id": row.client_id})
            if fix is None:
                fix = AddressFixRow(city=self.city, client_id=row.client_id)
                s.add(fix)
            fix.source_address = row.address
            fix.address = address if point is None else None
            fix.lon, fix.lat = lon, lat
            fix.fixed_by, fix.fixed_at, fix.stale = self.actor, now, False
            self.store.audit(self.actor, "adresse_korrigiert", city=self.city,
                             client_id=row.client_id,
                             details={"art": "punkt" if point is not None else "adresse"},
                             session=s)
        return self.locate([client])[client.id]

    def fix_stamps(self, client_ids: Sequence[str] | None = None, *,
                   before: datetime | None = None) -> dict[str, str]:
        """{case id: the stamp of its address fix and of its address as a list gave it}
        (:func:`_fix_stamp`; :data:`NO_STAMP` for a case without a fix whose address no
        list changed) of these cases (None: every such case of the city, in one query; a
        case not named has none): what an address form sends back as ``seen`` to
        :meth:`fix_address`. Read before what the page shows, so that a fix stored or an
        address imported meanwhile makes the form stale rather than unseen; or after it,
        for the rows it shows only, with ``before``: the moment the page began to read
        them. A fix or a list's address written after that moment is then left out of
        the stamp (the page may show what was there before it), so that its form is
        stale too (review 39 #3)."""
        fix = aliased(AddressFixRow)
        q = (select(ClientRow.client_id, fix.fixed_at, ClientRow.address_since)
             .outerjoin(fix, (fix.city == ClientRow.city)
                        & (fix.client_id == ClientRow.client_id))
             .where(ClientRow.city == self.city,
                    fix.client_id.is_not(None) | ClientRow.address_since.is_not(None)))
        if client_ids is not None:
            q = q.where(ClientRow.client_id.in_(list(client_ids)))

        def seen(at: datetime | None) -> datetime | None:
            return None if at is None or before is not None and at > before else at

        with self.store.session() as s:
            stamps = {cid: _fix_stamp(seen(at), seen(since))
                      for cid, at, since in s.execute(q)}
        return {cid: stamps.get(cid, NO_STAMP) for cid in client_ids} \
            if client_ids is not None else stamps

    def _check_fix_seen(self, s: Session, row: ClientRow, seen: str | None) -> None:
        """:class:`StaleFormError` when ``seen`` (None: not checked) is not the stamp of
        the case's address fix now: what it is, by whom and since when."""
        if seen is None:
            return
        fix = s.get(AddressFixRow, {"city": self.city, "client_id": row.client_id})
        now = _fix_stamp(fix and fix.fixed_at, row.address_since)
        if seen == now:
            return
        cid = row.client_id
        if seen and seen.split("/")[0] == now.split("/")[0]:
            # the same fix (or none): a list changed the address since (the form was typed
            # for the one before)
            said = self._address_imported(row)
        elif fix is None:
            said = f"Die Korrektur von {cid} wurde inzwischen entfernt."
        else:
            what = (f"Adresse „{fix.address}“" if fix.address else
                    "Punkt Breite {}, Länge {}".format(
                        *(f"{v:.6f}".replace(".", ",") for v in (fix.lat, fix.lon)))
                    if fix.lat is not None and fix.lon is not None else "Korrektur")
            who = shown_name(fix.fixed_by)
            said = (f"{cid} wurde inzwischen von {who} korrigiert ({what}, "
                    f"{_at_clock(fix.fixed_at)})." if seen else
                    f"Das Formular sagt nicht, welchen Stand von {cid} es zeigte (eine "
                    f"ältere Seite?); zuletzt korrigiert von {who} ({what}, "
                    f"{_at_clock(fix.fixed_at)}).")
        if not seen and fix is None:
            said = (f"Das Formular sagt nicht, welchen Stand von {cid} es zeigte (eine "
                    "ältere Seite?).")
        raise StaleFormError(f"{said} {STALE_TAIL}")

    @staticmethod
    def _address_imported(row: ClientRow) -> str:
        """The case's address as a list changed it since an address form was loaded:
        what it is now and when it was read („Die Kundenliste hat die Adresse von W012
        inzwischen geändert (eingelesen 02:41 Uhr): jetzt „…“.“)."""
        when = f" (eingelesen {_at_clock(row.address_since)})" if row.address_since else ""
        now = f"„{row.address}“" if row.address else "ohne Adresse"
        if row.given_lat is not None and row.given_lon is not None:
            now += ", Punkt laut Liste Breite {}, Länge {}".format(
                *(f"{v:.6f}".replace(".", ",") for v in (row.given_lat, row.given_lon)))
        return f"Die Kundenliste hat die Adresse von {row.client_id} inzwischen geändert{when}: " \
               f"jetzt {now}."

    def visit_at_old_place(self, client_id: str, loc: Located) -> tuple[str, str, bool] | None:
        """After an address fix (``loc``: where the case is now): the note on its first
        visit ahead that a stored plan sends elsewhere (its stop more than a few metres
        from ``loc``), as the import says it for a moved client (:func:`old_address_note`;
        QA 33b F5: ``address`` said nothing), with the plan id and whether the case is
        open (a re-plan takes it); None when no visit ahead goes elsewhere. The rule of
        :meth:`visits_at_old_place`, which the plan page and the case page ask."""
        if loc.lon is None or loc.lat is None:
            return None
        found = self.visits_at_old_place([client_id], places={client_id: loc})
        if not found:
            return None
        o = found[0]
        return old_address_note(o.client_id, o.visit, still_open=o.still_open), o.plan_id, \
            o.still_open

    def visits_at_old_place(self, client_ids: Sequence[str] | None = None, *,
                            plan_id: str | None = None,
                            places: Mapping[str, Located] | None = None) -> list[OldPlace]:
        """Per case (of ``client_ids``; None: every case with a visit ahead), its first
        visit ahead (``geplant``, from today on; of the version ``plan_id`` only, when
        given) that its stored plan sends elsewhere than the case is now, first first: the
        one rule of the confirmation of an address fix (:meth:`visit_at_old_place`), the
        plan page, the case page and ``status`` (QA 38 F3: only the one who changed the
        address was told). Where the case is now: ``places`` (a fix just made); else an
        address fix that applies (a point; an address made after the version, looked up
        as :meth:`locate` does: one made before is the place the version planned), the
        stop more than a few metres from it; else the list's address (and point), as the
        import compares a moved client (:func:`_visits_address`; other words looked up
        and found at the stop: :meth:`_found_at_stop`). Not a case whose data were erased
        (no address to compare)."""
        today = self.today()
        with self.store.session() as s:
            q = select(CaseVisitRow).where(CaseVisitRow.city == self.city,
                                           CaseVisitRow.status == "geplant",
                                           CaseVisitRow.day >= today)
            if plan_id is not None:
                q = q.where(CaseVisitRow.plan_id == plan_id)
            if client_ids is not None:
                rows = {r.client_id: r for cid in client_ids
                        for r in [self._row(s, cid)]}
                q = q.where(CaseVisitRow.client_id.in_(sorted(rows)))
            visits = s.scalars(q.order_by(CaseVisitRow.start_at, CaseVisitRow.client_id)).all()
            ids = sorted({v.client_id for v in visits})
            if client_ids is None:
                rows = {r.client_id: r for r in s.scalars(select(ClientRow).where(
                    ClientRow.city == self.city, ClientRow.client_id.in_(ids)))}
            fixes = {f.client_id: f for f in s.scalars(select(AddressFixRow).where(
                AddressFixRow.city == self.city, AddressFixRow.client_id.in_(ids),
                AddressFixRow.stale.is_(False)))}
            made = dict(s.execute(select(PlanRow.id, PlanRow.created_at).where(
                PlanRow.id.in_(sorted({v.plan_id for v in visits if v.plan_id})))).all())
            stops: dict[tuple[str | None, str | None], VisitRow] = {}
            vids = sorted({v.visit_id for v in visits})
            for k in range(0, len(vids), 400):  # (the stops in one query per 400 visits)
                for st in s.scalars(select(VisitRow).where(VisitRow.visit_id.in_(
                        vids[k:k + 400]))):
                    stops.setdefault((st.plan_id, st.visit_id), st)
            # ... and the versions' geocodes of the cases (_visits_address compares them)
            geos: dict[tuple[str | None, str], GeocodeRow] = {}
            by_plan: dict[str | None, list[str]] = {}
            for v in visits:
                by_plan.setdefault(v.plan_id, []).append(v.client_id)
            for pid, cids in by_plan.items():
                cids = sorted(set(cids))
                for k in range(0, len(cids), 400):
                    for g in s.scalars(select(GeocodeRow).where(
                            GeocodeRow.plan_id == pid, GeocodeRow.client_id.in_(
                                cids[k:k + 400]))):
                        geos.setdefault((pid, g.client_id), g)
            # per visit: whether its stop lies elsewhere, or (an address fix made after
            # its version) the case to look up first, outside this transaction (a
            # session of SQLite holds the write lock; locate reads in one of its own)
            seen: list[tuple[CaseVisitRow, VisitRow, ClientRow, bool | None]] = []
            ask: dict[str, Client] = {}
            by_words: set[str] = set()  # visits whose list address is looked up anew
            for v in visits:
                row = rows.get(v.client_id)
                if row is None or row.erased_at is not None:
                    continue
                if (stop := stops.get((v.plan_id, v.visit_id))) is None:
                    continue
                client = self._client(row)
                fix = fixes.get(v.client_id)
                if fix is not None and fix.source_address != client.address:
                    fix = None  # set aside: the list's address is where the case is
                moved: bool | None = None
                if (loc := (places or {}).get(row.client_id)) is not None:
                    moved = _elsewhere(stop, loc.lon, loc.lat)
                elif fix is not None and fix.lon is not None and fix.lat is not None:
                    moved = _elsewhere(stop, fix.lon, fix.lat)
                elif fix is not None and fix.address and fix.fixed_at > made.get(
                        v.plan_id, fix.fixed_at):  # (one made before: the version's place)
                    ask[client.id] = client
                else:  # (the list's address as the stop keeps it: no need to ask more)
                    moved = fix is None and not (
                        stop.address == client.address and client.lat is None) \
                        and not _visits_address(s, v, client, stop=stop,
                                                g=geos.get((v.plan_id, stop.client_id)))
                    if moved and client.lat is None and client.lon is None \
                            and _same_additions(stop.address, client.address):
                        # other words: where they are found decides (_found_at_stop)
                        moved = None
                        ask[client.id] = client
                        by_words.add(v.visit_id)
                seen.append((v, stop, row, moved))
        found = self.locate(list(ask.values())) if ask else {}
        out: dict[str, OldPlace] = {}
        for v, stop, row, moved in seen:
            if moved is None:
                loc = found[row.client_id]
                moved = not self._found_at_stop(stop, self._client(row), loc) \
                    if v.visit_id in by_words else _elsewhere(stop, loc.lon, loc.lat)
            if moved and row.client_id not in out:
                out[row.client_id] = OldPlace(row.client_id, v, v.plan_id or "?",
                                              row.status == "offen")
        return sorted(out.values(), key=lambda o: (o.visit.start_at, o.client_id))

    def _rejected_at_import(self, s: Session, client_id: str) -> str | None:
        """Why a case id the city does not know is not stored: its row was rejected by the
        city's last import (row, field, reason as stored), and what to do; else None."""
        from hausbesuch.caseids import id_key

        # the one rule of ids (case, look-alike spaces, dashes, full-width letters;
        # compared in Python, as SQLite's lower() folds ASCII only)
        key = id_key(read_back(client_id.strip()))
        hit = next((r for r in s.execute(
            select(ImportRejectionRow.client_id, ImportRejectionRow.input_row,
                   ImportRejectionRow.field_name, ImportRejectionRow.reason,
                   LastImportRow.imported_at)
            .join(LastImportRow, LastImportRow.city == ImportRejectionRow.city)
            .where(ImportRejectionRow.city == self.city,
                   ImportRejectionRow.client_id.is_not(None))
            .order_by(ImportRejectionRow.seq))
            if id_key(read_back(r.client_id.strip())) == key), None)
        if hit is None:
            return None
        said = (f"Kundennummer „{quoted_id(client_id)}“"
                if id_may_be_shown(client_id, self.id_pattern)
                else "Die angegebene Kundennummer")
        return (f"{said} ist in {self.city} nicht gespeichert: der letzte "
                f"Import ({format_moment(hit.imported_at)}) hat ihre Zeile abgelehnt (Zeile "
                f"{hit.input_row}, {field_reason(hit.field_name, hit.reason)}). Bitte in der "
                "Liste korrigieren und neu einlesen.")

    @staticmethod
    def _no_fix_if_erased(row: ClientRow) -> None:
        if row.erased_at is not None:  # a fix would keep an address purge cannot reach
            raise CaseworkError(
                f"{erased_note(row.erased_at, row.client_id)}: eine Korrektur wird erst "
                "angenommen, wenn die Kundenliste den Fall wieder enthält.")

    # ---- outcomes

    def record_outcome(
        self,
        client_id: str,
        day: date,
        result: str,
        *,
        time_min: int | None = None,
        appointment: datetime | None = None,
        note: str | None = None,
        source: str = "csv",
        idempotency_key: str | None = None,
        visit_id: str | None = None,
        same_details: bool = False,
        only_open: bool = False,
        check_time: bool = False,
        refuse_past_shift: bool = False,
        way_back: WayBack | None = None,
        called_off: bool = False,
        took_called_off: list[date] | None = None,
    ) -> tuple[OutcomeRow, bool]:
        """Record the outcome of the client's visit on ``day``; returns (row, new).

        ``called_off`` (``hausbesuch outcomes``; the case page's form of a called-off
        visit, :meth:`enter_outcome`): a visit of that day called off since (its
        correction letter came too late, the team went anyway) takes the outcome when the
        case has no other visit that day; the visit is ``erledigt`` then, as it took place
        (QA 33b F9). Elsewhere such a visit is refused, naming it. ``took_called_off``:
        when the outcome went to such a visit, the day it was called off is appended
        (what the store recorded, not what the caller asked: the visit may be planned
        again meanwhile).

        ``refuse_past_shift`` (a field worker's phone, QA 28 F1): an agreed appointment
        whose visit and way back end after the teams' shift (:meth:`past_shift_refusal`)
        is refused before anything is stored, naming the latest start: the team is still
        at the door and can agree another time. Elsewhere (the coordination's forms,
        ``hausbesuch outcomes``: what was agreed with the client, on a paper sheet that
        may come late; refusing would lose the outcome) it is stored and named afterwards
        with the same numbers (:meth:`appointment_past_shift`, QA 26 F7, review 37 #5).
        ``way_back``: the way back from the client's door as the stored route of the
        visit's day tells it (QA 37 #1: the planner counts it), counted by that refusal.

        ``check_time``: ``time_min`` was typed by a person (a phone's field „Uhrzeit des
        Besuchs“, QA 22 F5): checked against the team's working hours as a file's typed
        time is (``same_details``; :meth:`_check_visit_time`, one rule for both): 22:30 is
        a typo, and it would pick the wrong half of the day.

        ``only_open`` (a field worker's phone): a case that is no longer ``offen`` (closed
        or put in Klärung by the coordination since the plan, or reached at another
        visit) is refused, naming its status: its visit does not take place, and an
        outcome from the door must not open a case the coordination closed. The
        coordination records such an outcome deliberately (``hausbesuch outcomes``).

        ``new`` is False when an outcome with the same ``idempotency_key`` was recorded
        before (a phone sending again): nothing changes then. ``same_details``: the key
        is made of the visit and result only (a file's row), so a row with that key whose
        appointment, time or note differ is another statement and refused (a phone's key
        names one sending: a retry is the same outcome, whatever its clock says); and a
        row that says what the visit's recorded outcome says (same result and
        appointment; its time and note the same or empty), recorded from the phone or
        another file, is not new either.

        Raises
        ------
        CaseworkError
            Unknown client or result, a day after today, no planned visit of the client on
            that day, an outcome already recorded for that visit, or an appointment without
            date or not after the visit's day.
        """
        result = self._result(result)
        note = outcome_note(note)  # no NUL or control characters, cut with a marker
        if only_open:  # a closed case first: its visit is off, whatever the appointment
            self._refuse_closed(client_id, idempotency_key)
        if result == "termin_vereinbart" and appointment is not None \
                and appointment.date() > day:
            self._check_appointment(appointment, day)  # reads the teams: before writing
            if refuse_past_shift and (why := self.past_shift_refusal(client_id, appointment,
                                                                     way_back)):
                raise CaseworkError(why, field="termin")
        try:
            return self._record_outcome(client_id, day, result, time_min, appointment, note,
                                        source, idempotency_key, visit_id, same_details,
                                        only_open, check_time, called_off, took_called_off)
        except IntegrityError:
            # the same outcome sent twice at once (two tabs of a link): the first one won
            if idempotency_key:
                with self.store.session() as s:
                    prev = s.scalar(select(OutcomeRow).where(
                        OutcomeRow.idempotency_key == idempotency_key))
                if prev is not None:
                    _same_sending(prev, self.case_id(client_id), day, result, appointment)
                    return prev, False
            raise

    def stored_way_back(self, client_id: str, day: date, visit_id: str | None = None
                        ) -> WayBack | None:
        """The way back from the case's door to its team's end point on ``day`` (the
        visit ``visit_id``, else the case's visit that day) as the newest stored plan
        version whose route holds that visit tells it (:func:`~hausbesuch.casework.
        wayback.way_back`: the way back stored with the stop, else what the route's times
        tell): what the phone counts, for the note on an appointment agreed there that
        ends after the shift (:meth:`appointment_past_shift`, review 37 #5) and the phone's
        correction. None when no stored route holds the visit or tells its way back."""
        with self.store.session() as s:
            try:
                cid = self._row(s, client_id).client_id
            except CaseworkError:
                return None
            found = s.execute(
                select(VisitRow.plan_id, VisitRow.team_id)
                .join(PlanRow, PlanRow.id == VisitRow.plan_id)
                .where(PlanRow.city == self.city, VisitRow.client_id == cid,
                       VisitRow.day == day,
                       *([VisitRow.visit_id == visit_id] if visit_id else []))
                .order_by(PlanRow.version.desc(), PlanRow.created_at.desc()).limit(1)).first()
        route = None if found is None else load_route(self.store, found[0], found[1], day)
        return None if route is None else way_back(route, cid)

    def _refuse_closed(self, client_id: str, idempotency_key: str | None) -> None:
        """``only_open``: refuse a case that is no longer ``offen`` (German, naming its
        status), unless the outcome of this case was recorded before under
        ``idempotency_key`` (a phone sending again: that stays "schon erfasst")."""
        with self.store.session() as s:
            row = self._row(s, client_id)
            if row.status == "offen":
                return
            # the status first, then the key: an outcome that closed the case commits with
            # its status, so the same outcome sent twice at once finds its first sending
            # here and stays "schon erfasst" (read the other way round, the key could be
            # missed and the new status seen: QA 18 verify-a N1)
            if idempotency_key and s.scalar(select(OutcomeRow.id).where(
                    OutcomeRow.idempotency_key == idempotency_key,
                    OutcomeRow.client_id == row.client_id)) is not None:
                return  # (a key of another case is no repeat of this one: refused)
            raise _closed_case_error(row)

    def _record_outcome(self, client_id: str, day: date, result: str, time_min: int | None,
                        appointment: datetime | None, note: str | None, source: str,
                        idempotency_key: str | None, visit_id: str | None,
                        same_details: bool = False, only_open: bool = False,
                        check_time: bool = False, called_off: bool = False,
                        took_called_off: list[date] | None = None,
                        ) -> tuple[OutcomeRow, bool]:
        today = self.today()
        typed = time_min is not None and (same_details or check_time)
        # the city's working hours of that weekday, for a typed time of a visit whose plan
        # does not name its team's shift: read before the write session (a second session
        # inside it waits for its lock on SQLite until it gives up)
        hours = self._working_hours(day.weekday()) if typed else None
        with self.store.session() as s:
            # the case locked first: of two outcomes for it at once (two phones of a team,
            # a phone and the coordinator's file, the same one sent twice) the second
            # waits, then finds the first below (QA 18a #1), and a status the coordinator
            # set meanwhile is the one checked and built on (#4)
            row = self._row(s, client_id, lock=True)
            if idempotency_key:
                prev = s.scalar(select(OutcomeRow).where(
                    OutcomeRow.idempotency_key == idempotency_key))
                if prev is not None:
                    if same_details:  # (a file's key: a changed field is named)
                        _same_as_recorded(prev, time_min, appointment, note)
                    _same_sending(prev, row.client_id, day, result, appointment)
                    return prev, False
            # a case whose data were erased (a paper sheet that comes late): the outcome
            # counts (statistics, the at-home model), its note is not kept and the case
            # stays as it is (no status, no appointment to keep without an address)
            erased = row.erased_at is not None
            if erased:
                note = None
            if day > today:
                raise CaseworkError(
                    f"{format_day(day)} liegt in der Zukunft (heute ist "
                    f"{format_day(today)}): ein Ergebnis kann erst ab dem Besuchstag erfasst "
                    "werden.", field="day")
            visit = self._visit_on(s, row.client_id, day, visit_id, called_off=called_off)
            if typed:  # a typed time: a file's, or a phone's field (QA 22 F5)
                self._check_visit_time(s, time_min, visit, hours)
            existing = s.scalar(select(OutcomeRow).where(
                OutcomeRow.visit_id == visit.visit_id))
            if existing is not None:
                if idempotency_key and existing.idempotency_key == idempotency_key:
                    return existing, False  # sent again while the first was being stored
                if same_details and existing.result == result:
                    # the outcome recorded from another source (the phone sent it, the
                    # paper sheet repeats it): the same statement is "schon erfasst", a
                    # differing appointment, time or note is refused naming that field
                    _same_as_recorded(existing, time_min, appointment, note)
                    if appointment == existing.appointment_at:
                        return existing, False
                raise CaseworkError(
                    f"Für den Besuch von „{row.client_id}“ am {format_day(day)} ist bereits ein "
                    f"Ergebnis erfasst: „{RESULT_LABELS.get(existing.result, existing.result)}“.",
                    field="ergebnis")
            if only_open and row.status != "offen":
                raise _closed_case_error(row)
            _appointment_of_result(result, appointment, day, "" if source in (
                "web", "koordination") else " (Spalte „Termin“, z. B. 2026-12-15 10:00)")
            if time_min is None:
                time_min = visit.start_at.hour * 60 + visit.start_at.minute
            now = clock.now()
            out = OutcomeRow(visit_id=visit.visit_id, city=self.city, client_id=row.client_id,
                             day=day, time_min=time_min, result=result,
                             appointment_at=appointment, note=note or None,
                             recorded_by=self.actor, recorded_at=now, source=source,
                             idempotency_key=idempotency_key or None)
            s.add(out)
            if visit.status == "entfallen" and took_called_off is not None:
                took_called_off.append(visit.updated_at.date())
            visit.status, visit.updated_at = "erledigt", now
            self.store.audit(self.actor, "ergebnis_erfasst", city=self.city,
                             client_id=row.client_id, visit_id=visit.visit_id,
                             plan_id=visit.plan_id,
                             details={"ergebnis": result, "tag": day.isoformat(),
                                      "quelle": source}, session=s)
            s.flush()
            if not erased:
                self._apply_outcomes(s, row, now)
            return out, True

    # ---- the coordination corrects or enters an outcome (Art. 16 GDPR; QA 22 F5/F6)

    def visits_to_enter(self, client_id: str) -> list[tuple[str, date, datetime, str]]:
        """The case's visits of stored plans up to today that have no outcome (a phone
        could not send it: the stop moved to another team, the link expired): (visit id,
        day, planned start, plan id), first first. :meth:`enter_outcome` records one."""
        from hausbesuch.casework.stops import visits_without_outcome

        today = self.today()
        with self.store.session() as s:
            row = self._row(s, client_id)
            return [(v.visit_id, v.day, v.start_at, v.plan_id or "?")
                    for v in visits_without_outcome(s, self.city, through=today,
                                                    client_id=row.client_id)]

    def called_off_to_enter(self, client_id: str
                            ) -> list[tuple[str, date, datetime, str, date]]:
        """The case's visits up to today that were called off since their plan (a re-plan,
        a cancellation letter; ``entfallen``) and that an outcome may still be recorded for,
        as ``hausbesuch outcomes`` would take it (:meth:`_visit_on` with ``called_off``:
        a stored version's route still holds the visit, the case has no other visit
        that day, and it was called off on the eve of its day or later,
        :func:`called_off_late`): the team may have gone anyway (a correction letter that
        came too late). One called off earlier was off the team's route in good time.
        (visit id, day, planned start, the plan id whose route holds it, the day it was
        called off), first first. :meth:`enter_outcome` with ``called_off`` records one."""
        today = self.today()
        with self.store.session() as s:
            row = self._row(s, client_id)
            taken = {d for d in s.scalars(select(CaseVisitRow.day).where(
                CaseVisitRow.city == self.city, CaseVisitRow.client_id == row.client_id,
                CaseVisitRow.status.in_(("geplant", "erledigt"))))}
            out = []
            for v in s.scalars(select(CaseVisitRow).where(
                    CaseVisitRow.city == self.city, CaseVisitRow.client_id == row.client_id,
                    CaseVisitRow.status == "entfallen", CaseVisitRow.day <= today)
                    .order_by(CaseVisitRow.start_at)):
                if v.day in taken or not called_off_late(v.day, v.updated_at.date()) \
                        or (route := self._route_of(s, v)) is None:
                    continue
                out.append((v.visit_id, v.day, v.start_at, route, v.updated_at.date()))
            return out

    def enter_outcome(self, client_id: str, visit_id: str, result: str, *, time_min: int,
                      appointment: datetime | None = None, note: str | None = None,
                      called_off: bool = False) -> EnteredOutcome:
        """Record, as the coordination, the outcome of a stored plan's visit that has none
        (:meth:`visits_to_enter`): the checks of a row of an outcomes file (the day not in
        the future, the time in the team's working hours, an appointment for „Termin
        vereinbart“ on a working day after the visit) and its consequences and audit
        (``ergebnis_erfasst``, source ``koordination``): :meth:`record_outcome`. An
        appointment whose visit and way back end after the shift is stored (what was
        agreed with the client); the case page names it
        (:meth:`agreed_appointment_past_shift`).

        ``called_off``: the coordination knows the visit was called off and records it
        anyway (:meth:`called_off_to_enter`), as ``hausbesuch outcomes`` takes such a
        row; the visit is ``erledigt`` then. Without it a visit called off since (a
        re-plan after the page was loaded) is refused, saying so: what is recorded is
        then a visit that took place although called off, a deliberate decision.
        :attr:`EnteredOutcome.called_off_since` says whether the outcome went to a
        called-off visit (with ``called_off``, a visit planned again meanwhile takes it as
        a planned one)."""
        with self.store.session() as s:
            row = self._row(s, client_id)
            visit = s.scalar(select(CaseVisitRow).where(
                CaseVisitRow.city == self.city, CaseVisitRow.client_id == row.client_id,
                CaseVisitRow.visit_id == visit_id))
            if visit is None:
                raise CaseworkError(f"Kein geplanter Besuch von {row.client_id} mit dieser "
                                    "Kennung gespeichert.")
            cid, day = row.client_id, visit.day
            if visit.status == "entfallen" and not called_off:
                raise CaseworkError(
                    f"Der Besuch von „{cid}“ am {format_day(day)} ist inzwischen abgesagt "
                    f"(entfällt seit {format_day(visit.updated_at.date())}). Sein Ergebnis "
                    "nur erfassen, wenn das Team trotzdem dort war: als abgesagten Besuch "
                    "(„Trotzdem Ergebnis nachtragen“); er gilt dann als durchgeführt.")
        _not_ahead(day, time_min)
        took: list[date] = []
        row, new = self.record_outcome(cid, day, result, time_min=time_min,
                                       appointment=appointment, note=note,
                                       source="koordination", visit_id=visit_id,
                                       same_details=True, called_off=called_off,
                                       took_called_off=took)
        return EnteredOutcome(row, new, took[0] if took else None)

    def correct_outcome(self, client_id: str, result: str | None, *,
                        visit_id: str | None = None,
                        when: date | datetime | None = None, time_min: int | None = None,
                        appointment: datetime | None = None, note: str | None = None,
                        clear_note: bool = False, source: str | None = None,
                        seen: str | None = None) -> OutcomeCorrection:
        """Correct the recorded outcome of one visit of the case (``visit_id``, or the day
        ``when``, with the visit's clock time when the day has several): its result (None
        keeps it; so does the appointment of an unchanged result when none is given), the
        visit's time (``time_min``, on the visit's day; None keeps it), the appointment of
        „Termin vereinbart“ and, when given, its note (None keeps it; ``clear_note``
        deletes it: :attr:`OutcomeCorrection.note_changed`, whose old text the caller
        reclaims, as ``rectify`` does, review 22 #7). The new values are
        checked as an outcomes file's row is (:meth:`_check_visit_time`,
        :meth:`_check_appointment`). Audited as ``ergebnis_berichtigt`` with the old and
        new result, time and appointment and whether the note changed or was cleared
        (never the note's text); ``source`` (e.g. ``telefon``: the phone that sent the
        outcome replaces it within its correction window) goes into the audit as
        ``quelle``.

        The case's status follows the corrected outcomes when the outcomes set it: the
        status is derived anew (:func:`~hausbesuch.casework.rules.directive`) as the
        outcomes derived it when they were recorded, from the last status set by hand
        (else ``offen``; :meth:`_status_after_correction`), so a „verzogen“ corrected to
        „nicht angetroffen“ re-opens the case the „verzogen“ put in Klärung, and a third
        failed try corrected to „angetroffen“ makes it ``erreicht``. A status set by hand
        after the corrected outcome was recorded stays while it is the case's last status
        change (the coordination decided it knowing the outcome;
        :attr:`OutcomeCorrection.status_kept`); once a later outcome changed it, the
        outcomes decide again. An erased case keeps its status and takes no note. A pin
        of an appointment agreed at the corrected outcome goes with it, and a new
        appointment pins the case as a recorded one does, whether the status stays or
        not. From the phone (``source`` telefon) a new appointment whose visit and way back
        end after the shift is refused as a new outcome's is (:meth:`past_shift_refusal`:
        the worker is still at the door); the coordination's correction stores it (what
        was agreed with the client) and the case page, ``hausbesuch rectify`` name it
        (:meth:`agreed_appointment_past_shift`, review 37 #5).

        ``seen``: the :func:`outcome_stamp` of the outcome the sending page showed ("":
        the form had none); an outcome changed since (a colleague's or the phone's
        correction) refuses a change with :class:`StaleFormError`, checked under the
        case's lock before anything is stored (a form asking for what is stored now
        changes nothing and is not refused: sent twice). None (the command line, the phone within its own
        correction window) checks nothing."""
        from hausbesuch.fields import format_clock

        try:
            result = parse_result(result) if result is not None else None
        except ValueError as exc:
            raise CaseworkError(f"Ergebnis: {exc}.", field="ergebnis") from None
        note = outcome_note(note)
        if clear_note and note is not None:
            raise CaseworkError("Notiz: entweder eine neue Notiz eintragen oder die "
                                "gespeicherte löschen, nicht beides.", field="notiz")
        day = when.date() if isinstance(when, datetime) else when
        minute = when.hour * 60 + when.minute if isinstance(when, datetime) else None
        # read (without writing) which outcome, for the checks that read the teams: before
        # the write session (a second session inside it waits for SQLite's lock)
        with self.store.session() as s:
            row = self._row(s, client_id)
            cid = row.client_id
            q = select(OutcomeRow).where(OutcomeRow.city == self.city,
                                         OutcomeRow.client_id == cid)
            if visit_id is not None:
                q = q.where(OutcomeRow.visit_id == visit_id)
            elif day is not None:
                q = q.where(OutcomeRow.day == day)
            found = [o for o in s.scalars(q.order_by(OutcomeRow.time_min, OutcomeRow.id))
                     if minute is None or o.time_min == minute]
            what = f"Ergebnis von {cid}" + (f" am {format_day(day)}" if day else "") + (
                f" um {format_clock(minute)} Uhr" if minute is not None else "")
            target = self._one(found, what, lambda o: format_clock(o.time_min)
                               if o.time_min is not None else "ohne Uhrzeit")
            out_id, out_day, out_visit = target.id, target.day, target.visit_id
            before = target.appointment_at
            if result is None:  # the result stays, e.g. only the time is corrected
                result = target.result
            if appointment is None and result == target.result:
                appointment = target.appointment_at  # an agreed appointment stays
        hours = self._working_hours(out_day.weekday()) if time_min is not None else None
        _not_ahead(out_day, time_min)
        _appointment_of_result(result, appointment, out_day)
        if appointment is not None:
            self._check_appointment(appointment, out_day)
            if source == "telefon" and appointment != before and (
                    why := self.past_shift_refusal(cid, appointment, self.stored_way_back(
                        cid, out_day, out_visit))):
                # a new appointment no plan could hold, from the door: refused as a new
                # outcome's is (one already stored stays, whatever else is corrected)
                raise CaseworkError(why, field="termin")
        with self.store.session() as s:
            row = self._row(s, cid, lock=True)  # as a phone's outcome: one writer at a time
            o = s.get(OutcomeRow, out_id)
            if o is None:  # erased meanwhile (purge of the case)
                raise CaseworkError(f"Kein {what} gespeichert.")
            erased = row.erased_at is not None
            if note is not None:
                self._no_new_text_if_erased(row, note)
            visit = s.scalar(select(CaseVisitRow).where(CaseVisitRow.visit_id == o.visit_id)
                             .limit(1)) if o.visit_id else None
            if time_min is not None and time_min != o.time_min:
                self._check_visit_time(s, time_min, visit, hours)
            old = (o.result, o.time_min, o.appointment_at)
            new = (result, o.time_min if time_min is None else time_min, appointment)
            cleared = clear_note and o.note is not None
            note_changed = cleared or note is not None and note != o.note
            fix = OutcomeCorrection(client_id=cid, day=o.day, old_result=old[0],
                                    new_result=result, old_time=old[1], new_time=new[1],
                                    status_before=row.status, status_after=row.status,
                                    changed=old != new or note_changed,
                                    note_changed=note_changed,
                                    old_note_dropped=note_changed and o.note is not None)
            if not fix.changed:  # (also a form sent twice: nothing to refuse)
                return fix
            if seen is not None and seen != outcome_stamp(s, self.city, o):
                raise StaleFormError(self._outcome_changed(o, seen))
            o.result, o.time_min, o.appointment_at = new
            if note_changed:
                o.note = None if cleared else note
            now = clock.now()
            self.store.audit(self.actor, "ergebnis_berichtigt", city=self.city,
                             client_id=cid, visit_id=o.visit_id,
                             plan_id=visit.plan_id if visit is not None else None, details={
                                 "tag": o.day.isoformat(), "ergebnis_alt": old[0],
                                 "ergebnis_neu": new[0],
                                 "uhrzeit_alt": format_clock(old[1]) if old[1] is not None
                                 else None,
                                 "uhrzeit_neu": format_clock(new[1]) if new[1] is not None
                                 else None,
                                 "termin_alt": old[2].isoformat(timespec="minutes")
                                 if old[2] else None,
                                 "termin_neu": new[2].isoformat(timespec="minutes")
                                 if new[2] else None,
                                 "notiz_geaendert": note_changed,
                                 "notiz_geloescht": cleared,
                                 **({"quelle": source} if source else {})}, session=s)
            s.flush()
            if not erased:
                fix.status_kept = not self._status_after_correction(s, row, o, old[2], now)
                fix.status_after = row.status
            if old[2] is not None and new[2] != old[2]:
                fix.old_visits = self._visits_at(s, cid, old[2])
            return fix

    def _outcome_changed(self, o: OutcomeRow, seen: str) -> str:
        """The message of a correction sent from a page that showed another state of the
        outcome ``o`` (:meth:`correct_outcome`'s ``seen``): what it is now (no note's
        text)."""
        from hausbesuch.casework.rules import result_label
        from hausbesuch.fields import format_clock

        now = f"„{result_label(o.result)}“" + (
            f", {format_clock(o.time_min)} Uhr" if o.time_min is not None else "") + (
            f", Termin {format_moment(o.appointment_at)}" if o.appointment_at else "")
        head = (f"Das Ergebnis von {o.client_id} am {format_day(o.day)} wurde inzwischen "
                f"geändert (jetzt: {now})." if seen else
                f"Das Formular sagt nicht, welchen Stand des Ergebnisses von {o.client_id} am "
                f"{format_day(o.day)} es zeigte (eine ältere Seite?); jetzt: {now}.")
        return f"{head} {STALE_TAIL}"

    def _visits_at(self, s: Session, client_id: str, at: datetime
                   ) -> list[tuple[str, datetime, str]]:
        """Stored plans' visits of the case still planned on ``at``'s day (a visit of an
        agreed appointment is pinned to its day and time): (visit id, start, plan id)."""
        return [(v.visit_id, v.start_at, v.plan_id or "?") for v in s.scalars(
            select(CaseVisitRow).where(
                CaseVisitRow.city == self.city, CaseVisitRow.client_id == client_id,
                CaseVisitRow.status == "geplant", CaseVisitRow.day == at.date())
            .order_by(CaseVisitRow.start_at))]

    def still_planned(self, client_id: str, visit_ids: Sequence[str]
                      ) -> list[tuple[str, datetime, str]]:
        """Of these visits of the case, those a stored plan still holds as planned
        (``geplant``): (visit id, start, plan id). For the confirmation after a corrected
        appointment (:attr:`OutcomeCorrection.old_visits`), read when the page is shown."""
        with self.store.session() as s:
            row = self._row(s, client_id)
            return [(v.visit_id, v.start_at, v.plan_id or "?") for v in s.scalars(
                select(CaseVisitRow).where(
                    CaseVisitRow.city == self.city, CaseVisitRow.client_id == row.client_id,
                    CaseVisitRow.status == "geplant",
                    CaseVisitRow.visit_id.in_(list(visit_ids)[:20]))
                .order_by(CaseVisitRow.start_at))]

    def _status_after_correction(self, s: Session, row: ClientRow, o: OutcomeRow,
                                 old_appointment: datetime | None, now: datetime) -> bool:
        """Derive the case's status and appointment pin anew after ``o`` was corrected
        (:meth:`correct_outcome`); False when the status stays because it was set by hand
        after ``o`` was recorded and nothing changed it since (the case's last status
        change is that one). The pin follows the corrected outcomes either way.

        A status change by the outcomes is the one stored at the moment an outcome was
        recorded, or one whose reason starts with :data:`CORRECTED_PREFIX`; any other is
        by hand. The status is derived as the outcomes derived it when they were recorded
        (:meth:`_apply_outcomes`, each on the status it found): from the last status set
        by hand (else the first status), stepping through the outcomes recorded after it
        in the order they were recorded, each step seeing the outcomes recorded up to it
        with their corrected values."""
        rows = list(s.scalars(select(OutcomeRow).where(
            OutcomeRow.city == self.city, OutcomeRow.client_id == row.client_id)
            .order_by(OutcomeRow.recorded_at, OutcomeRow.id)))
        recorded = {r.recorded_at for r in rows}
        history = list(s.scalars(select(StatusHistoryRow).where(
            StatusHistoryRow.city == self.city, StatusHistoryRow.client_id == row.client_id)
            .order_by(StatusHistoryRow.changed_at, StatusHistoryRow.id)))
        by_hand = [h for h in history if h.changed_at not in recorded
                   and not (h.reason or "").startswith(CORRECTED_PREFIX)]
        if by_hand and by_hand[-1] is history[-1] and by_hand[-1].changed_at >= o.recorded_at:
            self._apply_outcomes(s, row, now, old_appointment=old_appointment,
                                 keep_status=True)
            return False
        status = by_hand[-1].status if by_hand else row.status if not history else "offen"
        since = by_hand[-1].changed_at if by_hand else None
        steps = [r for r in rows if since is None or r.recorded_at > since]
        kw = self.rules_kwargs()
        for step in steps[:-1]:  # the last step is _apply_outcomes's
            upto = rows[:rows.index(step) + 1]
            status = directive([_as_past(r) for r in upto], status=status, **kw).status
        self._apply_outcomes(s, row, now, status=status, old_appointment=old_appointment,
                             corrected=True)
        return True

    @staticmethod
    def _plan_team_hours(s: Session, visit: CaseVisitRow) -> tuple[int, int] | None:
        """(start, end) in minutes of the shift of the visit's team in the visit's plan."""
        from hausbesuch.teams import plan_shift

        if not visit.plan_id:
            return None
        raw = s.scalar(select(PlanRow.params).where(PlanRow.id == visit.plan_id))
        try:
            params = json.loads(raw or "{}")
        except ValueError:
            return None
        return plan_shift(params if isinstance(params, dict) else None, visit.team_id,
                          visit.day)

    def _working_hours(self, weekday: int) -> tuple[int, int] | None:
        """(first start, last end) in minutes of the teams that work this weekday."""
        from hausbesuch.team_store import working_hours

        return working_hours(self.store, self.profile).get(weekday)

    def _check_visit_time(self, s: Session, minute: int, visit: CaseVisitRow | None,
                          city_hours: tuple[int, int] | None) -> None:
        """A typed visit time (the phone's field, the case page's forms, ``Uhrzeit`` of an
        outcome row: one rule for all) lies in the working hours of the team the visit was
        planned for (its plan's teams; else, or without a ``visit``, the city's teams that
        work that weekday, ``city_hours``, read before the session), widened by
        :data:`VISIT_TIME_MARGIN_MIN` at both ends (a team running late): 22:00 is a
        typo, and it would pick the wrong half of the day for the revisit rule. (The
        phone's time of sending is not checked: a visit may end after the shift.)"""
        from hausbesuch.fields import format_clock

        team_hours = self._plan_team_hours(s, visit) if visit is not None else None
        hours = team_hours or city_hours
        margin = VISIT_TIME_MARGIN_MIN
        if hours is not None and not hours[0] - margin <= minute <= hours[1] + margin:
            whose = (f"von „{visit.team_id}“" if team_hours is not None and visit is not None
                     else "der Teams")
            raise CaseworkError(
                f"Uhrzeit {format_clock(minute)} Uhr liegt außerhalb der Arbeitszeit {whose} "
                f"({format_clock(hours[0])}–{format_clock(hours[1])} Uhr, eine Stunde "
                "Spielraum).", field="uhrzeit")

    def _check_appointment(self, at: datetime, day: date) -> None:
        """An agreed appointment the teams can keep: a working day (no weekend, no public
        holiday of the Land), within the working hours of a team that works that weekday
        and after their start (at it the teams only set out), at most
        :data:`MAX_APPOINTMENT_AHEAD_DAYS` after the visit (a mistyped year)."""
        from hausbesuch.fields import format_clock

        when = f"Termin {format_moment(at)}"  # „Termin Sa, 12.12.2026, 10:00 Uhr“
        if (at.date() - day).days > MAX_APPOINTMENT_AHEAD_DAYS:
            raise CaseworkError(f"{when} liegt mehr als {MAX_APPOINTMENT_AHEAD_DAYS} Tage nach "
                                f"dem Besuch am {format_day(day)} (Jahr vertippt?).", field="termin")
        if not self.calendar.is_working_day(at.date()):
            name = self.calendar.holiday_name(at.date())
            raise CaseworkError(f"{when}: kein Arbeitstag ("
                                + (f"Feiertag: {name}" if name else "Wochenende") + ").", field="termin")
        hours = self._working_hours(at.weekday())
        if hours is None:
            raise CaseworkError(f"{when}: an diesem Wochentag arbeitet kein Team.", field="termin")
        first, last = hours
        minute = at.hour * 60 + at.minute
        if not first <= minute < last:
            raise CaseworkError(
                f"{when} liegt außerhalb der Arbeitszeit der Teams ({format_clock(first)}–"
                f"{format_clock(last)} Uhr).", field="termin")
        if minute == first:
            raise CaseworkError(
                f"{when} ist der Schichtbeginn der Teams ({format_clock(first)} Uhr): dann "
                "brechen sie erst auf und sind noch an keiner Tür. Bitte einen späteren "
                "Termin eintragen.", field="termin")

    def _past_shift(self, client_id: str, at: datetime, way: WayBack | None = None
                    ) -> tuple[int, int, int, int, WayBack | None] | None:
        """(start, visit minutes, first shift start, shift end, way back counted) in
        minutes when the visit of an appointment agreed for ``at`` (its start and the
        client's Besuchsdauer) ends after the shift of the teams that work that weekday;
        None when it fits (or no team works that day: :meth:`_check_appointment` says so).
        ``way`` (the phone's check, QA 37 #1): the way back from the client's door as far
        as the stored route of the day knows it (:func:`~hausbesuch.casework.wayback.
        way_back`), counted for each team that has it (same mode and end point): the
        visit and that way back must end by the team's shift end, as the planner
        requires; the shift end named is the team's that leaves the most time (with the
        way back counted, when that one has it)."""
        hours = self._working_hours(at.weekday())
        if hours is None:
            return None
        with self.store.session() as s:
            minutes = (self._row(s, client_id).besuchsdauer_min
                       or self.profile.workday.visit_minutes)
        start = at.hour * 60 + at.minute
        limit, end, back = (hours[1], hours[1], None) if way is None else \
            self.latest_visit_end(at.weekday(), way) or (hours[1], hours[1], None)
        if (short := self.calendar.short_day(at.date())) is not None and short.end_min < end:
            # the office's short day (``short_days``: 24.12. until 12:00) ends every shift
            limit, end = limit - (end - short.end_min), short.end_min
        if start + minutes <= limit:
            return None
        return start, minutes, hours[0], end, back

    def depot_teams(self) -> list[Any]:
        """The city's teams (stored, else the profile's), every empty end the depot."""
        from hausbesuch.team_store import base_teams
        from hausbesuch.teams import at_profile_depot

        return at_profile_depot(self.profile, base_teams(self.store, self.profile))

    def latest_visit_end(self, weekday: int, way: WayBack, teams: Sequence[Any] | None = None
                         ) -> tuple[int, int, WayBack | None] | None:
        """(latest end of a visit, that team's shift end, the way back counted for it or
        None) in minutes on ``weekday``, over the city's teams that work it: each team's
        shift end less the way back ``way`` where the team has it (it travels as the
        route's team and ends where it ends, :meth:`WayBack.teams_with_it`); the team that
        leaves the latest end, of two alike the one without a way back counted. None when
        no team works that day. ``teams``: the city's teams (:meth:`depot_teams`), when
        read already."""
        if teams is None:
            teams = self.depot_teams()
        alike = way.teams_with_it(teams)
        rows = [(t.shift_end_min - (way.minutes if t.id in alike else 0), t.id not in alike,
                 t.shift_end_min) for t in teams if weekday in t.weekdays]
        if not rows:
            return None
        limit, plain, end = max(rows)
        return limit, end, None if plain else way

    def past_shift_refusal(self, client_id: str, at: datetime, way: WayBack | None = None
                           ) -> str | None:
        """Why a phone's „Termin vereinbart“ for ``at`` is refused (QA 28 F1): its visit
        ends after the teams' shift; German, with the latest start that fits („Termin
        Do, 10.12.2026, 15:45 Uhr: der Besuch (60 Min.) endet nach Schichtende 16:00 Uhr;
        bitte spätestens 15:00 Uhr vereinbaren.“), the rule of :meth:`_past_shift` (the
        shift's end less the Besuchsdauer). ``way``: the way back known from the stored
        plan (QA 37 #1) is counted and named („der Besuch (45 Min.) und der Rückweg (22
        Min.) enden erst um 16:07 Uhr, nach Schichtende 16:00 Uhr; bitte spätestens 14:53
        Uhr vereinbaren.“; a lower bound as „mindestens 16 Min.“). None when it fits. The
        coordination's note on such an appointment stored (:meth:`appointment_past_shift`)
        gives the same numbers (:func:`_late_words`)."""
        found = self._past_shift(client_id, at, way)
        if found is None:
            return None
        words, latest = _late_words(found)
        back = found[4]
        # (worker.js pastShift writes this head as well, before queueing: kept in step; the
        # moment in the house style, as appointment_fits says it: review 29 #7)
        head = f"Termin {format_moment(at)}: {words}; "
        if latest is None:  # (longer than the shift; the shift's start is refused)
            return head + ("an diesem Tag passt er in keine Schicht. Bitte einen anderen "
                           "Tag vereinbaren oder die Koordination anrufen.")
        if back is not None and not back.exact:
            return head + (f"bitte früher vereinbaren, spätestens {format_clock(latest)} Uhr "
                           "(der Rückweg kann länger sein).")
        return head + f"bitte spätestens {format_clock(latest)} Uhr vereinbaren."

    def appointment_past_shift(self, client_id: str, at: datetime, way: WayBack | None = None
                               ) -> str | None:
        """A German note when the visit of an appointment agreed for ``at`` (its start and
        the client's Besuchsdauer) and the way back ``way`` from that door
        (:meth:`stored_way_back`) end after the shift of the teams that work that weekday:
        it is recorded (:meth:`_check_appointment` took its start: what was agreed with
        the client, QA 26 F7), but no plan can hold it. Counted as the phone's refusal
        counts it (:meth:`past_shift_refusal`, review 37 #5: the same numbers and words,
        „der vereinbarte Termin am … ist erfasst, aber der Besuch (45 Min.) und der
        Rückweg (22 Min.) enden erst um 16:07 Uhr, nach Schichtende 16:00 Uhr: …“), with
        what to do (an earlier appointment, by the latest start; another day when none
        fits). Without a way back: „… der Besuch (45 Min.) endet erst um 16:35 Uhr, nach
        dem Schichtende der Teams (16:00 Uhr) …“. None when it fits."""
        found = self._past_shift(client_id, at, way)
        if found is None:
            return None
        start, minutes, _first, last, back = found
        words, latest = _late_words(found)
        if back is None:  # the teams' latest shift end (QA 26 F7's words): no way back known
            words = (f"der Besuch ({minutes} Min.) endet erst um "
                     f"{format_clock(start + minutes)} Uhr, nach dem Schichtende der Teams "
                     f"({format_clock(last)} Uhr)")
        text = (f"der vereinbarte Termin am {format_moment(at)} ist erfasst, aber {words}: so "
                "kann ihn keine Planung aufnehmen. Bitte mit der Kundin oder dem Kunden ")
        if latest is None:
            return text + ("einen Termin an einem anderen Tag vereinbaren: an diesem passt "
                           "er in keine Schicht.")
        return text + (f"einen früheren Termin vereinbaren, spätestens {format_clock(latest)} "
                       "Uhr" + (" (der Rückweg kann länger sein)."
                                if back is not None and not back.exact else "."))

    def agreed_appointment_past_shift(self, client_id: str) -> str | None:
        """:meth:`appointment_past_shift` for the case's appointment agreed at the door
        (its pin from „Termin vereinbart“), with the way back from the door of the visit
        whose outcome agreed it (:meth:`stored_way_back`, review 37 #5), as a sentence of
        its own („Der vereinbarte Termin …“); None without one, for one already over or
        one that fits, and for a case no longer ``offen`` (it keeps its pin, but no plan
        takes the case up: review 39 #8). The web says it where an appointment is entered
        (the case page, the phone's outcome form), ``hausbesuch rectify`` after a
        correction, ``hausbesuch status``."""
        with self.store.session() as s:
            row = self._row(s, client_id)
            if (row.status != "offen" or row.pin_source != "termin" or row.pin_day is None
                    or row.pin_time_min is None or row.erased_at is not None):
                return None
            cid = row.client_id
            at = datetime.combine(row.pin_day, datetime.min.time()) + timedelta(
                minutes=row.pin_time_min)
            agreed = s.execute(select(OutcomeRow.day, OutcomeRow.visit_id).where(
                OutcomeRow.city == self.city, OutcomeRow.client_id == cid,
                OutcomeRow.result == "termin_vereinbart", OutcomeRow.appointment_at == at)
                .order_by(OutcomeRow.day.desc(), OutcomeRow.id.desc()).limit(1)).first()
        if _past(at, self.today()):
            return None
        way = None if agreed is None else self.stored_way_back(cid, agreed[0], agreed[1])
        if (late := self.appointment_past_shift(cid, at, way)) is None:
            return None
        return late[:1].upper() + late[1:]

    def _apply_outcomes(self, s: Session, row: ClientRow, now: datetime, *,
                        status: str | None = None, old_appointment: datetime | None = None,
                        corrected: bool = False, keep_status: bool = False) -> Directive:
        """Set the case's status and appointment pin from its outcomes: the status
        :func:`~hausbesuch.casework.rules.directive` derives from them on ``status`` (the
        status the outcomes find; default the current one, as for an outcome just
        recorded), unless ``keep_status``; the pin of the appointment the last outcome
        agreed, and none once the last outcome's day reached the pin's day.

        ``corrected`` (:meth:`correct_outcome`): the status change says so (reason
        :data:`CORRECTED_PREFIX`, audit code ``ergebnis_berichtigt``), and a pin of the
        corrected outcome's ``old_appointment`` goes when no outcome agrees it now."""
        outcomes = self._outcomes_of(s, [row.client_id]).get(row.client_id, [])
        d = directive(outcomes, status=row.status if status is None else status,
                      **self.rules_kwargs())
        if not keep_status:
            reason = CORRECTED_PREFIX + d.reason if corrected else d.reason
            if not self._set_status(s, row, d.status, reason, now,
                                    code="ergebnis_berichtigt" if corrected else None) \
                    and corrected and d.by_outcomes:
                row.status_reason = reason
        last = max(outcomes, key=lambda o: (o.day, o.time_min or 0))
        from_this = (row.pin_source == "termin" and old_appointment is not None
                     and row.pin_day == old_appointment.date()
                     and row.pin_time_min == old_appointment.hour * 60 + old_appointment.minute)
        # (the pin's moment is that of the write: a plan page read before is stale)
        if d.appointment is not None:
            set_pin(row, None, d.appointment.date(),
                    d.appointment.hour * 60 + d.appointment.minute, "termin", clock.now())
        elif from_this or (row.pin_day is not None and row.pin_day <= last.day):
            set_pin(row, None, None, None, None, clock.now())
        return d

    def _result(self, text: str) -> str:
        try:
            return parse_result(text)
        except ValueError as exc:
            raise CaseworkError(f"Ergebnis: {exc}") from None

    def _visit_on(self, s: Session, client_id: str, day: date,
                  visit_id: str | None, *, called_off: bool = False) -> CaseVisitRow:
        """The case's visit on ``day`` (planned or recorded; ``visit_id``: that one).
        ``called_off`` (the coordination: an outcomes file, the case page's form for a
        called-off visit): without one, a visit of that day called off since
        (``entfallen``: a correction letter that came too late, a re-plan after the sheets
        were printed) whose team went anyway (QA 33b F9), when the case has no other
        visit that day (a file's row by day would take that one: the case page's form
        names the called-off visit, and is held to the same rule); it is put back into
        the plan version whose route holds it. Else such a visit is named with what to
        do; without any, the days planned are."""
        q = select(CaseVisitRow).where(CaseVisitRow.city == self.city,
                                       CaseVisitRow.client_id == client_id,
                                       CaseVisitRow.status.in_(("geplant", "erledigt")))
        visits = list(s.scalars(q.order_by(CaseVisitRow.day)))
        hit = [v for v in visits if v.day == day and (visit_id is None or v.visit_id == visit_id)]
        if hit:
            return hit[-1]
        off = s.scalars(select(CaseVisitRow).where(
            CaseVisitRow.city == self.city, CaseVisitRow.client_id == client_id,
            CaseVisitRow.status == "entfallen", CaseVisitRow.day == day,
            *([CaseVisitRow.visit_id == visit_id] if visit_id is not None else []))
            .order_by(CaseVisitRow.start_at.desc())).first()
        route = None if off is None else self._route_of(s, off)
        if off is not None and route is not None:
            since = format_day(off.updated_at.date())
            other = [v for v in visits if v.day == day]
            if called_off and other:  # (only with a visit id: by day, ``hit`` took it)
                raise CaseworkError(
                    f"Der Besuch von „{client_id}“ am {format_day(day)} um "
                    f"{off.start_at:%H:%M} Uhr ist abgesagt (entfällt seit {since}); an dem "
                    f"Tag hat der Fall einen anderen Besuch ({other[-1].start_at:%H:%M} Uhr): "
                    "das Ergebnis bitte bei diesem erfassen.")
            if called_off:
                off.plan_id = route
                return off
            raise CaseworkError(
                f"Der Besuch von „{client_id}“ am {format_day(day)} ist abgesagt (entfällt "
                f"seit {since}). War das Team trotzdem dort: das Ergebnis bitte der "
                "Koordination melden (sie erfasst es auf der Seite des Falls oder mit "
                "hausbesuch outcomes).")
        days = ", ".join(format_day(v.day) for v in visits[-3:])
        raise CaseworkError(
            f"Kundennummer „{client_id}“ hat am {format_day(day)} keinen geplanten Besuch"
            + (f" (geplant: {days})." if days else " (zurzeit kein Besuch geplant).")
        )

    def _route_of(self, s: Session, visit: CaseVisitRow) -> str | None:
        """The newest plan version of the city whose route holds the called-off ``visit``
        on its day (a re-plan that called it off names itself, and its routes do not hold
        it): what a recorded visit was is read there. None when no stored version holds
        it any more (its version deleted): no outcome can be recorded for it."""
        return s.execute(
            select(VisitRow.plan_id).join(PlanRow, PlanRow.id == VisitRow.plan_id)
            .where(PlanRow.city == self.city, VisitRow.visit_id == visit.visit_id,
                   VisitRow.day == visit.day)
            .order_by(PlanRow.version.desc(), PlanRow.created_at.desc()).limit(1)).scalar()

    def _called_off_on(self, client_id: str, day: date) -> date | None:
        """Since when the case's visit on ``day`` is called off, when that is its only
        visit of the day (:meth:`_visit_on` with ``called_off``); else None (also for an
        unknown case: recording names it)."""
        with self.store.session() as s:
            try:
                cid = self._row(s, client_id).client_id
            except CaseworkError:
                return None
            if s.scalar(select(CaseVisitRow.visit_id).where(
                    CaseVisitRow.city == self.city, CaseVisitRow.client_id == cid,
                    CaseVisitRow.day == day,
                    CaseVisitRow.status.in_(("geplant", "erledigt"))).limit(1)) is not None:
                return None
            since = s.scalar(select(func.max(CaseVisitRow.updated_at)).where(
                CaseVisitRow.city == self.city, CaseVisitRow.client_id == cid,
                CaseVisitRow.day == day, CaseVisitRow.status == "entfallen"))
            return since.date() if since is not None else None

    def record_outcomes_file(self, path: str | os.PathLike[str], *, source: str = "csv",
                             name: str | None = None) -> OutcomeResult:
        """Record the outcomes of a CSV/XLSX file, row by row; bad rows are rejected with
        row, field and reason, the good rows are recorded. ``name``: how messages name the
        file (an upload: the name of the file sent, never the temporary path)."""
        from hausbesuch.caseids import id_key
        from hausbesuch.clients import (
            FieldError,
            clean_text,
            clock_or_serial,
            serial_note,
            time_conflict,
        )
        from hausbesuch.fields import (
            excel_serial_day,
            excel_serial_time,
            format_clock,
            parse_date_time,
        )
        from hausbesuch.tabular import ID_SYNONYMS, find_column, read_table

        self.today()  # a bad HAUSBESUCH_HEUTE is named before any row
        synonyms = {
            "id": ID_SYNONYMS,
            "datum": ("datum", "besuchsdatum", "tag", "date"),
            "uhrzeit": ("uhrzeit", "zeit", "time"),
            "ergebnis": ("ergebnis", "ausgang", "result", "outcome"),
            "termin": ("termin", "neuer termin", "termin am", "appointment"),
            "notiz": ("notiz", "bemerkung", "hinweis", "note"),
        }

        def has_columns(header: list[str]) -> bool:
            """A header row of a results list: a title row above it („Ergebnisse Woche
            6“) is skipped, as in a client list (QA 37 #6)."""
            return all(find_column(header, synonyms[k]) for k in ("id", "datum", "ergebnis"))

        table = read_table(path, required=has_columns, name=name)
        cols = list(table.columns)
        found = {key: find_column(cols, syns) for key, syns in synonyms.items()}
        missing = [label for key, label in (("id", "Kundennummer"), ("datum", "Datum"),
                                            ("ergebnis", "Ergebnis")) if found[key] is None]
        if missing:
            raise CaseworkError(
                f"In {table.source} "
                + (f"fehlt die Spalte {missing[0]}" if len(missing) == 1
                   else f"fehlen die Spalten {', '.join(missing)}") + ". Erwartet: "
                "Kundennummer; Datum; optional Uhrzeit; Ergebnis; optional Termin; optional "
                f"Notiz. Vorhanden: {', '.join(cols) or 'keine'}.")
        if not table.rows:  # as a client list of a header only: nothing done is an error
            raise CaseworkError(
                f"Die Ergebnisliste {table.source} enthält keine Datenzeilen (nur die Kopfzeile"
                f"{' im Arbeitsblatt „' + table.sheet + '“' if table.sheet else ''}). "
                "Es gibt nichts zu erfassen.")
        read_cols = {c for c in found.values() if c}
        # the columns a row may leave off at its end when empty, as Excel writes some rows
        # of a CSV (Table.missing_columns): not the id, the day or the result
        optional = {found[k] for k in ("uhrzeit", "termin", "notiz") if found[k]}
        # ... and a row with its Kundennummer, day and result is a row of its own, not the
        # rest of a row split by a line break (QA 46b F6; as the client list's rows)
        id_c, day_c, res_c = found["id"], found["datum"], found["ergebnis"]
        table.split_again(lambda r, rows=dict(zip(table.row_numbers, table.rows,
                                                   strict=True)): all(
            (rows.get(r) or {}).get(c, "").strip() for c in (id_c, day_c, res_c)))
        res = OutcomeResult(source=table.source, total_rows=len(table.rows))
        res.notes += table.notes()  # the sheet read, title rows skipped, hidden rows read
        # cells read as Excel serials: (label, kind) -> [(row, text, read as)], for a note
        serials: dict[tuple[str, str], list[tuple[int, str, str]]] = {}
        for rownum, row in zip(table.row_numbers, table.rows, strict=True):
            def cell(key: str, _row: dict[str, str] = row) -> str:
                col = found[key]
                return clean_text(_row.get(col, "")) if col else ""

            row_serials: list[tuple[str, str, str, str]] = []  # (label, kind, text, read)

            def _serial_date_time(text: str, _read: list[tuple[str, str, str, str]]
                                  = row_serials) -> tuple[date, int | None]:
                if (whole := excel_serial_day(text)) is not None:
                    _read.append(("Datum", "Datum", text, f"{whole:%d.%m.%Y}"))
                    return whole, None
                if (both := excel_serial_time(text)) is not None and both[0] is not None:
                    _read.append(("Datum", "Datum", text,
                                  f"{both[0]:%d.%m.%Y} {format_clock(both[1])}"))
                    return both[0], both[1] or None  # 00:00: a date only, as in text
                return parse_date_time(text)

            def _serial_clock(text: str, _read: list[tuple[str, str, str, str]]
                              = row_serials) -> int:
                minutes, serial = clock_or_serial(text)
                if serial:
                    _read.append(("Uhrzeit", "Uhrzeit", text, format_clock(minutes)))
                return minutes

            def _serial_datetime(text: str, _read: list[tuple[str, str, str, str]]
                                 = row_serials) -> datetime:
                if (whole := excel_serial_day(text)) is not None:
                    raise FieldError(f"„{text}“ als Excel-Datum wäre {whole:%d.%m.%Y}: die "
                                     "Uhrzeit des Termins fehlt (erwartet z. B. "
                                     f"{whole:%d.%m.%Y} 10:00)")
                if (both := excel_serial_time(text)) is not None and both[0] is not None:
                    at = datetime.combine(both[0], datetime.min.time()) + timedelta(
                        minutes=both[1])
                    _read.append(("Termin", "Datum", text, f"{at:%d.%m.%Y %H:%M}"))
                    return at
                return parse_datetime(text)

            cid = cell("id")
            try:
                # more fields than the header, or fewer than a column read (cut off)
                if problem := table.row_problem(rownum, read_cols, optional):
                    # (the rest of a split row begins with a field's text, not an id:
                    # QA 46b F8)
                    raise _RowError("felder", problem,
                                    shown=rownum not in table.split_tails)
                if not cid:
                    raise _RowError("id", "Kundennummer fehlt")
                # a time in the Datum cell ("16.12.2026 08:10", a date-time cell) is the
                # time of the visit unless the Uhrzeit cell says another; Excel serials
                # (a cell formatted as a number) are read as the client list reads them,
                # and named (QA 26 F6)
                day, time_min = _parsed("datum", _serial_date_time, cell("datum"),
                                        FieldError, "Datum")
                if cell("uhrzeit"):
                    in_time = _parsed("uhrzeit", _serial_clock, cell("uhrzeit"),
                                      FieldError, "Uhrzeit")
                    if time_min is not None and in_time != time_min:
                        raise _RowError("uhrzeit", time_conflict(time_min, in_time))
                    time_min = in_time
                result = _parsed("ergebnis", parse_result, cell("ergebnis"), ValueError)
                appointment = (_parsed("termin", _serial_datetime, cell("termin"), ValueError,
                                       "Termin") if cell("termin") else None)
                key = f"{source}:{self.city}:{id_key(cid)}:{day.isoformat()}:{result}"
                off = self._called_off_on(cid, day)
                try:
                    stored, new = self.record_outcome(cid, day, result, time_min=time_min,
                                                 appointment=appointment,
                                                 note=cell("notiz") or None, source=source,
                                                 idempotency_key=_digest(key),
                                                 same_details=True, called_off=True)
                except CaseworkError as exc:
                    fieldname = (exc.field if exc.field in ("termin", "uhrzeit", "notiz",
                                                            "ergebnis")
                                 else "id" if "nicht bekannt" in str(exc)
                                 else "termin" if "Termin" in str(exc)
                                 else "datum")
                    if fieldname == "id" and not id_may_be_shown(cid, self.id_pattern):
                        # a name typed into the id column: the row and column, not the name
                        raise _RowError(
                            "id", f"Kundennummer: der Eintrag der Spalte „{found['id']}“ ist "
                            f"in {self.city} nicht bekannt; er {NAME_LIKE_ID}; ist die Spalte "
                            "richtig zugeordnet?", shown=False) from None
                    raise _RowError(fieldname, str(exc).rstrip(".")) from None
                if new:
                    res.recorded.append((rownum, cid, result))
                    res.visits.append((stored.client_id, day))
                    if off is not None:  # the team went although the visit was off
                        res.notes.append(
                            f"Zeile {rownum} ({cid}): der Besuch am {format_day(day)} war "
                            f"abgesagt (entfällt seit {format_day(off)}); das Ergebnis ist "
                            "trotzdem erfasst, der Besuch gilt als durchgeführt.")
                    if appointment is not None and _past(appointment, self.today()):
                        # a sheet that came late: the client probably waited in vain
                        res.notes.append(
                            f"Zeile {rownum} ({cid}): der vereinbarte Termin am "
                            f"{format_moment(appointment)} ist schon vorbei; bitte mit der Kundin oder dem Kunden einen neuen Termin "
                            "vereinbaren (die nächste Planung plant den Fall frei ein).")
                    elif appointment is not None:
                        # counted as the phone counts it, with the way back from that
                        # door (QA 26 F7, review 37 #5)
                        if late := self.appointment_past_shift(cid, appointment,
                                                               self.stored_way_back(
                                                                   cid, day, stored.visit_id)):
                            res.notes.append(f"Zeile {rownum} ({cid}): {late}")
                        # a stored plan covers its day but not the visit: QA 16a #4; not
                        # „bitte diesen Plan neu planen“ of one no plan can hold (QA 41 F3)
                        res.notes += [f"Zeile {rownum} ({cid}): {n.text}."
                                      for n in self.appointment_notes(cid)
                                      if not (late and n.replan)]
                    if (at := self._erased_at(cid)) is not None:
                        res.notes.append(
                            f"Zeile {rownum} ({cid}): {erased_note(at)}: nur das Ergebnis "
                            "erfasst, ohne Notiz; der Fall bleibt, wie er ist.")
                    elif len(cell("notiz")) > MAX_NOTE_LENGTH:
                        res.notes.append(
                            f"Zeile {rownum} ({cid}): die Notiz hat {len(cell('notiz'))} "
                            f"Zeichen, gespeichert sind höchstens {MAX_NOTE_LENGTH}: sie "
                            "ist gekürzt und endet mit „[…gekürzt]“.")
                else:
                    res.duplicates.append((rownum, cid))
            except _RowError as exc:
                # a serial read is named with the reason: the day refused may be its reading
                read = "".join(f" („{text}“ in {label} als Excel-{kind} {value} gelesen)"
                               for label, kind, text, value in row_serials)
                res.rejected.append(Rejected(row=rownum, id=cid if cid and exc.shown else None,
                                             field=exc.field, reason=exc.reason + read))
                continue
            for label, kind, text, value in row_serials:
                serials.setdefault((label, kind), []).append((rownum, text, value))
        res.notes += [serial_note(table.source, label, read, kind=kind)
                      for (label, kind), read in serials.items()]
        self.store.audit(self.actor, "ergebnisse_eingelesen", city=self.city, details={
            "zeilen": res.total_rows, "erfasst": len(res.recorded),
            "schon_erfasst": len(res.duplicates), "abgelehnt": len(res.rejected)})
        return res

    def outcome_rows(self) -> list[dict[str, Any]]:
        """Every recorded outcome of the city (oldest first), without notes' authorship."""
        with self.store.session() as s:
            return [
                {"client_id": o.client_id, "visit_id": o.visit_id, "day": o.day,
                 "time_min": o.time_min, "result": o.result, "label": RESULT_LABELS[o.result],
                 "appointment_at": o.appointment_at, "note": o.note, "source": o.source,
                 "recorded_at": o.recorded_at, "recorded_by": o.recorded_by}
                for o in s.scalars(select(OutcomeRow).where(OutcomeRow.city == self.city)
                                   .order_by(OutcomeRow.id))
            ]


#: Optional fields of a client list -> (the stored column, German label): a list without
#: the column says nothing about them, so a known case keeps what is stored (an empty cell
#: in a list that has the column empties it). Address, pins and a given point are the
#: list's own and follow it as before.
KEPT_WHEN_ABSENT: dict[str, tuple[str, str]] = {
    "name": ("name", "Name"),
    "kontakt_abbruch_seit": ("kontakt_abbruch_seit", "Kontaktabbruch seit"),
    "sprache": ("sprache", "Sprache"),
    "zeitfenster": ("zeitfenster", "Zeitfenster"),
    "angekuendigt_ab": ("angekuendigt_ab", "Angekündigt ab"),
    "besuchsdauer": ("besuchsdauer_min", "Besuchsdauer"),
    "notiz": ("notiz", "Notiz"),
}


#: A quoted part of a reason („…“).
_QUOTED = re.compile(r"„([^“]*)“")
#: What stands in a stored reason where a typed value was quoted.
NOT_STORED = "„…“"
#: The fields of a client list whose value is a date, a time, a duration, a window or a
#: coordinate (QA 38 F8): a stored reason keeps what was typed there („Besuchsdauer nicht
#: lesbar: „abc““) unless it has a word that could be a name (:func:`_value_kept`). The
#: others (Kundennummer, Name, Adresse, Team, Notiz …) are free text: what they quote
#: stays only without letters or as one of the import's safe words.
VALUE_FIELDS = frozenset({"zeitfenster", "besuchsdauer", "datum", "uhrzeit",
                          "kontakt_abbruch_seit", "angekuendigt_ab", "lat", "lon"})
#: Capitalised words of such a value that name no one: weekdays, months, units, times of
#: day (compared folded); any other capitalised word could be a name.
_VALUE_WORDS = frozenset({
    "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag",
    "sonnabend", "mo", "di", "mi", "do", "fr", "sa", "so", "werktags", "wochentags",
    "täglich", "vormittags", "nachmittags", "morgens", "mittags", "abends", "ganztags",
    "uhr", "min", "minuten", "std", "stunde", "stunden", "h", "bis", "ab", "und", "oder",
    "januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september",
    "oktober", "november", "dezember", "jan", "feb", "mär", "apr", "jun", "jul", "aug",
    "sep", "sept", "okt", "nov", "dez", "excel", "nv", "wert",
})
#: The German labels that begin a field's part of a reason (:data:`FIELD_LABELS`; a
#: row's reasons are joined by „; “), „Kontaktabbruch …“ of a date in the future too.
_LABEL_START = re.compile(r"(?:Kundennummer|Name|Adresse|Kontaktabbruch|Sprache|Zeitfenster"
                          r"|Angekündigt ab|Besuchsdauer|Notiz|Breite|Länge|Team|Datum"
                          r"|Uhrzeit|Feldanzahl)\b")
_LABEL_FIELDS = {"Kundennummer": "id", "Name": "name", "Adresse": "adresse",
                 "Kontaktabbruch": "kontakt_abbruch_seit", "Sprache": "sprache",
                 "Zeitfenster": "zeitfenster", "Angekündigt ab": "angekuendigt_ab",
                 "Besuchsdauer": "besuchsdauer", "Notiz": "notiz", "Breite": "lat",
                 "Länge": "lon", "Team": "team", "Datum": "datum", "Uhrzeit": "uhrzeit",
                 "Feldanzahl": "felder"}


def _value_kept(text: str) -> bool:
    """Whether a value typed in a field of :data:`VALUE_FIELDS` may be stored: it has a
    digit, and each of its words is a weekday, month, unit, time of day or joining word
    („Di 10-12 Uhr“, „45 Min“, „31.02.2026“ stay; „Frau Meier“, „abc“, „meier“ and
    „Freitag“ alone do not: a shifted export puts names there, written with a capital or
    not, and weekdays and months are names too: review 38 #6)."""
    return any(ch.isdigit() for ch in text) and all(
        w.casefold() in _VALUE_WORDS for w in re.findall(r"[^\W\d_]+", text))


def stored_reason(reason: str, safe: Collection[str], *, field: str | None = None,
                  row: int | None = None) -> str:
    """A rejected row's reason as the store keeps it (:class:`ImportRejectionRow`): a
    reason may quote what was typed in the row („Adresse unvollständig: Straße fehlt
    („Meier, 36251 Bad Hersfeld“)“), and a cell may hold a name or an address where it
    does not belong. A quoted part stays when it cannot be one: without any letter (a
    date, a time, a number, „12-14“), one of ``safe`` (compared without case: the
    Kundennummern of the list and of the city, the column labels and the file's column
    headers), or in the part of the reason of a field of :data:`VALUE_FIELDS` (``field``:
    the row's first; each part of a joined reason that begins with a field's label is
    that field's) a value without a word that could be a name (:func:`_value_kept`; QA
    38 F8: „Besuchsdauer nicht lesbar: „…““ left nothing to correct by); any other
    stands as „…“, and with the list's ``row`` the reason ends saying so: „(Wert nicht
    gespeichert: Datenschutz; siehe Zeile 38 der Liste)“."""
    folded = {t.casefold() for t in safe}
    withheld = 0

    def keep(m: re.Match[str], fname: str | None) -> str:
        nonlocal withheld
        text = m[1]
        if not any(ch.isalpha() for ch in text) or text.strip().casefold() in folded or (
                fname in VALUE_FIELDS and _value_kept(text)):
            return m[0]
        withheld += 1
        return NOT_STORED

    parts = []
    for part in unicodedata.normalize("NFC", reason).split("; "):
        if (label := _LABEL_START.match(part)) is not None:
            field = _LABEL_FIELDS[label[0]]
        parts.append(_QUOTED.sub(lambda m, f=field: keep(m, f), part))
    out = "; ".join(parts)
    if withheld and row is not None:
        out += (f" ({'Wert' if withheld == 1 else 'Werte'} nicht gespeichert: Datenschutz; "
                f"siehe Zeile {row} der Liste)")
    return out


def absent_columns(columns: dict[str, str]) -> dict[str, str]:
    """``{stored column: German label}`` of the :data:`KEPT_WHEN_ABSENT` fields a list has
    no column for (``columns``: :attr:`hausbesuch.clients.ClientList.columns`; split name
    columns count as a name)."""
    present = set(columns) | ({"name"} if "name_parts" in columns else set())
    return {col: label for fname, (col, label) in KEPT_WHEN_ABSENT.items()
            if fname not in present}


def kept_note(kept: dict[str, int]) -> str:
    """The German note naming the stored fields an import kept because the list has no
    column for them (``kept``: label -> how many known cases kept a value)."""
    labels = ", ".join(f"„{label}“" for label in kept)
    per = ", ".join(f"{label} bei {count(n, 'Fall', 'Fällen')}" for label, n in kept.items())
    return (f"Die Liste hat keine Spalte{'n' if len(kept) > 1 else ''} {labels}: die "
            f"gespeicherten Angaben bleiben unverändert ({per}). Eine fehlende Spalte löscht "
            "nichts; eine leere Zelle in einer vorhandenen Spalte löscht den Wert.")


class _RowError(Exception):
    """A row's refusal; ``shown``: whether its typed id may be repeated with it."""

    def __init__(self, field: str, reason: str, *, shown: bool = True) -> None:
        super().__init__(reason)
        self.field, self.reason, self.shown = field, reason, shown


def _parsed(field: str, parse: Callable[[str], T], text: str,
            errors: type[Exception], label: str | None = None) -> T:
    """``parse(text)``; its ``errors`` become a :class:`_RowError` naming ``field``, the
    reason prefixed with ``label``."""
    try:
        return parse(text)
    except errors as exc:
        raise _RowError(field, f"{label}: {exc}" if label else str(exc)) from None


def _digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:40]
