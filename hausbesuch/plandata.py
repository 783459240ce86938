"""The application's plan data: what planning produces and what storage, maps and pages consume.

Plain frozen dataclasses, no behaviour beyond small derived values. Coordinates are
``(lon, lat)`` in WGS84. Times are naive local datetimes (Europe/Berlin wall clock).
Names of clients never appear here except in :attr:`Client.name`, which only the
store keeps; everything rendered uses the pseudonymous ``Client.id``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import date, datetime

#: Status values of ``report.csv`` (German, user-facing).
STATUS_PLANNED = "geplant"
STATUS_UNASSIGNED = "nicht_eingeplant"
STATUS_REJECTED = "abgelehnt"
#: A client whose every visit in the plan was called off since it was made
#: (:attr:`PlannedStop.called_off`).
STATUS_CALLED_OFF = "entfallen"

#: District label for points outside every district polygon.
OUTSIDE = "außerhalb"


@dataclass(frozen=True)
class TimeSlot:
    """A recurring window: on these weekdays (0 = Monday) from ``start_min`` to ``end_min``."""

    weekdays: frozenset[int]
    start_min: int
    end_min: int
    text: str = ""


@dataclass(frozen=True)
class Client:
    """One validated row of the client list."""

    row: int  # line number in the input file (header is line 1) or XLSX row number
    id: str  # Kundennummer / pseudonym: the only identifier shown anywhere
    address: str  # the address as given, joined into one line
    name: str | None = None  # kept in the database only
    street: str | None = None
    housenumber: str | None = None
    postcode: str | None = None
    town: str | None = None
    kontakt_abbruch_seit: date | None = None
    sprache: tuple[str, ...] = ()
    zeitfenster: tuple[TimeSlot, ...] = ()
    angekuendigt_ab: date | None = None
    besuchsdauer_min: int | None = None
    notiz: str | None = None
    #: a coordinate given in the list (``lat``/``lon`` or ``Breite``/``Länge``), WGS84
    lon: float | None = None
    lat: float | None = None
    #: a pin of the visit from the list: ``Team``, ``Datum`` (and ``Uhrzeit``, minutes)
    pin_team: str | None = None
    pin_day: date | None = None
    pin_time_min: int | None = None


@dataclass(frozen=True)
class Rejected:
    """An input row that could not be used, with the field and a German reason."""

    row: int
    id: str | None
    field: str
    reason: str


#: How a stop's window begins when its time was agreed with the client at a visit
#: (``Termin vereinbart: 10:00 Uhr``): such a visit is not announced by letter.
APPOINTMENT = "Termin vereinbart"


def appointment_text(at: datetime) -> str:
    """The window of a visit at a time agreed with the client: ``Termin vereinbart:
    10:00 Uhr``."""
    return f"{APPOINTMENT}: {at:%H:%M} Uhr"


#: :func:`appointment_text` at the start of a window: the time, and what follows it
_APPOINTMENT_RE = re.compile(rf"{APPOINTMENT}: (\d\d:\d\d) Uhr(.*)\Z", re.S)


def is_appointment(window_text: str) -> bool:
    """Whether a stop's window is a time agreed with the client (:func:`appointment_text`)."""
    return window_text.startswith(f"{APPOINTMENT}: ")


def letter_words(letter: date) -> str:
    """A letter's date as every page names it, with its weekday
    (:func:`hausbesuch.fields.format_day`): ``Brief vom Fr, 04.12.2026``; in the window a
    letter promised (:func:`announced_text`) and in the list's letter date at the door
    (:attr:`PlannedStop.facts`)."""
    from hausbesuch.fields import format_day

    return f"Brief vom {format_day(letter)}"


#: A letter named in a stop's window (:func:`announced_text`), in the words of
#: :func:`letter_words` or as windows stored before the weekday was added wrote it
#: (``Brief vom 04.12.2026``: re-plans before :attr:`PlannedStop.stored_window` stored the
#: stops they kept with the window their pages showed).
_LETTER_IN_WINDOW = re.compile(r"Brief vom (?:[A-Z][a-z], )?\d\d\.\d\d\.\d{4}")


def names_a_letter(window_text: str) -> bool:
    """Whether a stop's window names a letter of its own (the window a letter promised
    for this visit: :func:`announced_text`), of any day."""
    return _LETTER_IN_WINDOW.search(window_text) is not None


def announced_text(start: datetime, end: datetime, letter: date | None = None) -> str:
    """The window a letter promised, as pages and sheets show it instead of the client's
    own windows: ``angekündigt: 08:00–10:00 Uhr (Brief vom Fr, 04.12.2026)`` (the letter's
    day with its weekday, as the pages write days and the list's letter date beside it:
    :func:`letter_words`)."""
    text = f"angekündigt: {start:%H:%M}–{end:%H:%M} Uhr"
    return text + (f" ({letter_words(letter)})" if letter is not None else "")


@dataclass(frozen=True)
class Geocode:
    """Where a client's address was found (see ``geodata.geocode``)."""

    client_id: str
    lon: float | None
    lat: float | None
    quality: str  # exact | interpolated | street | unresolved
    score: float
    match: str
    reason: str
    district: str
    #: the geocoder's verdict (``geodata.geocode.GeocodeResult.doubt``): found, but a person
    #: should confirm it (a street name only resembling the one typed, a town or postcode
    #: that does not fit); False for a point or address a coordinator set. None: a plan
    #: stored before the verdict was kept (:func:`address_in_doubt` falls back)
    doubt: bool | None = None


def address_in_doubt(geocode: Geocode | None) -> bool:
    """The one verdict „Adresse unsicher“ / „bitte prüfen“ of every view of a planned
    client's address (the route page, phone and sheet, ``report.csv``): the geocoder's
    doubt, as the *Adressen* page and ``hausbesuch addresses`` list it for the coordinator
    to confirm (confirming stores a fix, which is never in doubt). A found address with a
    harmless note (a plain typo the geocoder is sure of, a word dropped before the street)
    is not in doubt: its note is information only. A geocode of a plan stored before the
    verdict was kept counts as in doubt when found exactly with a note (the rule then). A
    street-level point is in doubt when the geocoder says so: the street itself is only a
    guess (a name merely similar to the one typed, a town that does not fit; QA 25 F6),
    not only the house number missing from the map data."""
    if geocode is None or geocode.quality not in ("exact", "interpolated", "street"):
        return False
    if geocode.doubt is not None:
        return geocode.doubt
    if geocode.quality == "street":
        return False
    return geocode.quality == "exact" and bool(geocode.reason)


@dataclass(frozen=True)
class PlannedStop:
    """A visit in a team-day route."""

    client_id: str
    position: int  # 1-based order in the route
    arrival: datetime
    start: datetime  # service starts (after waiting for the time window)
    end: datetime  # service ends
    lon: float
    lat: float
    address: str
    district: str
    window_text: str = ""  # e.g. "Di 10-12" as given, or ""
    notiz: str = ""
    visit_id: str = ""  # stable id of the case visit (store table ``case_visits``)
    tries_before: int = 0  # failed tries of this client before this visit
    #: the visit was called off since the plan was made (``case_visits`` ``entfallen``):
    #: the worker's page shows it as such, without the outcome form
    called_off: bool = False
    #: the day it was called off (``case_visits.updated_at``), when known
    called_off_since: date | None = None
    #: why the visit does not take place though it was not called off: its case is no
    #: longer ``offen`` since the plan was made („Fall „abgeschlossen“ seit Do, 03.12.2026.“,
    #: :func:`hausbesuch.casework.stops.mark_gone`, set when a stored plan is shown or
    #: exported). Every output treats it as off (not counted, no route point, marked in
    #: the report and the exports) but, unlike a visit called off, it keeps its number,
    #: struck through, as on the phone
    gone: str = ""
    #: the day its case left ``offen``, when known
    gone_since: date | None = None
    #: the outcome recorded at this stop, as the pages say it instead of a planned visit
    #: window: „erledigt 09:40 Uhr: Verweigert“ (:func:`hausbesuch.casework.stops.
    #: done_text`; set when a stored plan is shown or exported, :func:`hausbesuch.casework.
    #: stops.mark_done`; QA 28 F10). "" for a stop without one. Read from the outcomes,
    #: not part of the visit, so it takes no part in comparing stops
    done: str = field(default="", compare=False)
    #: a visit on a day gone by without an outcome recorded, neither called off nor off
    #: since (:func:`hausbesuch.casework.stops.mark_unreported`, set when a stored plan
    #: is shown; QA 36 #4): the report says „kein Ergebnis erfasst“. Read from the
    #: outcomes, so it takes no part in comparing stops
    unreported: bool = field(default=False, compare=False)
    #: for a stop :attr:`unreported` whose case left ``offen`` after the visit's day: why
    #: („Fall „abgeschlossen“ seit Do, 10.12.2026“, :func:`hausbesuch.casework.stops.
    #: closed_words`); the note on visits without an outcome then does not say the case
    #: stays open (review 36 #5). "" otherwise
    unreported_closed: str = field(default="", compare=False)
    # What the pages say of the client at the door (QA 28 F6, F13). Not the visit's own
    # data: planning takes them from the client and its outcomes, a stored plan reads
    # them back from its snapshot of the list and the outcomes before the visit (the
    # visit row does not keep them), so they take no part in comparing stops.
    #: languages the visit needs (the client's ``Sprache`` in the plan's snapshot; why a
    #: team with that skill got the client): the pages say „Sprache: Türkisch“
    sprache: tuple[str, ...] = field(default=(), compare=False)
    #: the date of the announcement letter of the client list (``Angekündigt ab``): the
    #: pages say „Brief vom Fr, 27.11.2026“
    angekuendigt_ab: date | None = field(default=None, compare=False)
    #: failed tries since the client's last contact before this visit (the count of the
    #: revisit rule, :attr:`hausbesuch.casework.rules.Directive.failed_tries`); None when
    #: not known (:attr:`try_label` then counts :attr:`tries_before`)
    failed_before: int | None = field(default=None, compare=False)
    #: the day an appointment this visit keeps was agreed at the door (the day of the
    #: outcome „Termin vereinbart“), when known
    agreed_on: date | None = field(default=None, compare=False)
    #: the window as the plan stored it (the client's own windows, a time agreed), for a
    #: stop read back from the store (:func:`hausbesuch.store.planned_stops`), whose
    #: :attr:`window_text` shows what a letter promised since or that the visit is called
    #: off. A re-plan stores the stops it keeps with it again, not with the shown window
    #: (which the next load would add the letter to again: an agreed time showed
    #: „…; angekündigt: …; angekündigt: …“). None: a stop planned now, stored with
    #: :attr:`window_text`
    stored_window: str | None = field(default=None, compare=False)
    #: seconds from this door to the team's end point (``end_lonlat`` of its route) as the
    #: plan's travel times count them, stored at planning time: the way back an
    #: appointment agreed at this door must leave room for (:func:`hausbesuch.casework.
    #: wayback.way_back`). None for a stop stored before it was kept, or without a way to
    #: the end point. Derived from the network, not the visit: no part in comparing stops
    way_back_s: int | None = field(default=None, compare=False)

    @property
    def try_label(self) -> str:
        """„2. Versuch“ for a visit after failed tries since the last contact (the revisit
        rule counts these: after three the case goes to *in Klärung*), „Folgebesuch“ for
        one after a contact (an agreed appointment), "" for a first visit."""
        if self.failed_before is None:
            return f"{self.tries_before + 1}. Versuch" if self.tries_before else ""
        if self.failed_before:
            return f"{self.failed_before + 1}. Versuch"
        return "Folgebesuch" if self.tries_before else ""

    def try_words(self, max_failed_tries: int | None) -> str:
        """The try as the route page, the print sheet, the phone and the map's popup say
        it: :attr:`try_label`, and for the last allowed try (a failure here reaches
        ``max_failed_tries`` failed tries since the last contact, which puts the case in
        Klärung; None: no such limit known) „3. Versuch (letzter)“ (QA 42a F10: a worker
        may then leave a message or ask a neighbour), „Folgebesuch (letzter Versuch)“, or
        for a first visit with a limit of one „1. Versuch (letzter)“."""
        label = self.try_label
        if not self.is_last_try(max_failed_tries):
            return label
        if not label:
            return "1. Versuch (letzter)"
        if label.endswith("Versuch"):
            return f"{label} (letzter)"
        return f"{label} (letzter Versuch)"

    def is_last_try(self, max_failed_tries: int | None) -> bool:
        """Whether a failure here (not met, a message left) would end the visits: the
        failed tries since the last contact (:attr:`failed_before`, the revisit rule's
        count) and this one reach ``max_failed_tries``. False when either is unknown."""
        if max_failed_tries is None or self.failed_before is None:
            return False
        return self.failed_before + 1 >= max_failed_tries

    @property
    def window_shown(self) -> str:
        """The stop's window as the pages show it (the sheet's column „Zeitfenster“): the
        given one in the pages' words („Di 10-12“ as „Di 10:00–12:00 Uhr“:
        :func:`hausbesuch.fields.format_window`), „ganztägig“, or for a time agreed with
        the client „Vereinbarter Termin 10:00 Uhr (am Mo, 07.12.2026 an der Tür
        vereinbart)“ (without the bracket when the day is not known; a letter's window
        announcing it stays behind it)."""
        from hausbesuch.fields import format_day, format_window

        m = _APPOINTMENT_RE.match(self.window_text)
        if m is None:
            return format_window(self.window_text) or "ganztägig"

        line = f"Vereinbarter Termin {m[1]} Uhr"
        if self.agreed_on is not None:
            line += f" (am {format_day(self.agreed_on)} an der Tür vereinbart)"
        return line + m[2]

    @property
    def window_line(self) -> str:
        """:attr:`window_shown` in a line of the phone, the route page and the route map:
        „Zeitfenster: Di 10-12“, or the agreed appointment's line as it is (it says
        „Termin“ once: QA 28 F13)."""
        shown = self.window_shown
        return shown if _APPOINTMENT_RE.match(self.window_text) else f"Zeitfenster: {shown}"

    @property
    def facts(self) -> tuple[str, ...]:
        """What the team needs at the door besides the address, in the words of every page
        (phone, route page, sheet, route map): „Sprache: Türkisch“, „Brief vom Fr,
        27.11.2026“ (the list's letter date, :func:`letter_words`), but not when the
        window names the visit's own letter (:func:`names_a_letter`: „angekündigt: 13:00–
        15:00 Uhr (Brief vom Di, 12.01.2027)“): one letter date per stop, the one this
        visit's window rests on, not the list's earlier one beside it (QA 36 #5). No
        names."""
        out = []
        if self.sprache:
            out.append("Sprache: " + ", ".join(self.sprache))
        letter = self.angekuendigt_ab
        if letter is not None and not names_a_letter(self.window_text):
            out.append(letter_words(letter))
        return tuple(out)

    @property
    def off(self) -> bool:
        """Whether the visit does not take place: called off, or its case closed since
        the plan (:attr:`gone`)."""
        return self.called_off or bool(self.gone)


@dataclass(frozen=True)
class TeamDayRoute:
    """One team's route on one day."""

    team_id: str
    team_label: str  # display names of the members, e.g. "A. Schmidt / B. Yilmaz"
    day: date
    mode: str  # walk | bike | drive
    start_lonlat: tuple[float, float]
    end_lonlat: tuple[float, float]
    start_label: str
    depart: datetime
    return_: datetime
    stops: tuple[PlannedStop, ...]
    travel_s: int
    distance_m: int
    service_s: int
    waiting_s: int
    lunch: tuple[datetime, datetime] | None = None
    #: street-following geometry, one polyline of (lon, lat) per leg (depot→1, 1→2, …, n→depot)
    legs: tuple[tuple[tuple[float, float], ...], ...] = ()
    #: the number of stored legs of a route read without their geometry (a plan's
    #: overview, ``legs`` empty), for :attr:`ends_open`; None otherwise
    leg_count: int | None = None

    @property
    def slug(self) -> str:
        """File-name stem: team id and ISO date (no names)."""
        return f"{self.team_id}_{self.day.isoformat()}"

    @property
    def to_visit(self) -> tuple[PlannedStop, ...]:
        """The stops still to visit: every stop but those called off since the plan was
        made (:attr:`PlannedStop.called_off`) and those whose case was closed since
        (:attr:`PlannedStop.gone`), which stay on the stored route until a re-plan. What
        pages, maps, GPX, the report and the exports count as the day's visits."""
        return tuple(s for s in self.stops if not s.off)

    @property
    def ends_open(self) -> bool:
        """A route cut by a re-plan without its way back (stored before QA 19d #1, or no
        path to the end point): it returns at the end of its last visit, away from the end
        point. Pages, sheets, maps, GPX and exports then say that the tour ends after the
        last visit instead of a return time.

        Decided by the route's structure: a route with its way back has one leg more than
        stops (start→1, …, n→end); a cut one has only the legs to its visits (or, stored
        before the cut kept its own figures, all legs of the longer route it was cut from).
        Times and coordinates cannot tell: a last visit 0 s from the end point returns at
        the end of that visit too (review 19b). Only a route without any leg geometry
        (built without it) falls back to comparing its return and last place with its end.
        """
        if not self.stops:
            return False
        legs = len(self.legs) if self.legs else (self.leg_count or 0)
        if legs:
            return legs != len(self.stops) + 1
        last = self.stops[-1]
        return self.return_ <= last.end and (last.lon, last.lat) != tuple(self.end_lonlat)

    @property
    def numbers(self) -> tuple[int | None, ...]:
        """The number each stop is shown with (in the order of ``stops``): its
        ``position`` less the stops called off with a lower one, None for a stop called
        off; a stop whose case was closed since (:attr:`PlannedStop.gone`) keeps its
        number (the phone strikes it through). Equal to ``position`` while nothing is
        called off; anchors keep ``position``. The one numbering of every output, the
        exports and the report too.

        A plan numbers its stops 1, 2, … in their order. A re-plan keeps the number each
        kept stop (begun by the moment, or done) had in the version it replaces, and the
        stops it plans anew take, in their order, the numbers left free (QA 28 F10: the
        first two stops and „Stopp 8“, done early, keep 1, 2 and 8, as on the morning's
        sheet; the stops after them are 3, 4, … and 9 …): a stop done out of order keeps
        its number among the others, and a team-day whose stops went elsewhere may leave
        a number out."""
        off = sorted(s.position for s in self.stops if s.called_off)
        return tuple(None if s.called_off else s.position - bisect.bisect_left(off, s.position)
                     for s in self.stops)


@dataclass(frozen=True)
class UnassignedVisit:
    """A valid client that the week could not hold, with a reason code and German text."""

    client_id: str
    code: str
    reason: str
    lon: float | None
    lat: float | None
    address: str
    district: str
    tries_before: int = 0  # failed tries of this client so far


@dataclass
class Plan:
    """A complete plan for a city and a span of days."""

    id: str
    city: str
    created_at: datetime
    start: date
    days: int
    routes: list[TeamDayRoute] = field(default_factory=list)
    unassigned: list[UnassignedVisit] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    clients: list[Client] = field(default_factory=list)
    geocodes: list[Geocode] = field(default_factory=list)
    #: the solver's VROOM-compatible output (what ``plan.json`` holds)
    solution: dict = field(default_factory=dict)
    #: plan versions: 1 for a new plan, predecessor's + 1 for a re-plan
    version: int = 1
    predecessor_id: str | None = None
    #: what is needed to plan again (span, options, teams, re-plan moment); JSON-ready
    params: dict = field(default_factory=dict)
    #: German notes for the coordinator (sheet read, teams that cannot visit, visits left
    #: out over the capacity); shown in the CLI output and on index.html
    warnings: list[str] = field(default_factory=list)
    #: for a version a re-plan has replaced, the sentence saying so and naming the newest
    #: (:func:`hausbesuch.versions.replaced_note`; set when a stored plan is shown or
    #: exported): index, route pages, print sheets and exports say it first
    replaced: str = ""
    #: the newest version's number when :attr:`replaced` is set (the GPX names say it)
    replaced_version: int | None = None
    #: whether the files are the web app's (*Dateien (ZIP)*, the print view of a team-day;
    #: set when the web shows a stored plan): their own hints then name the web's pages,
    #: not a command (the stored reasons and notes: ``show_plan(reason_text=…)``)
    for_web: bool = False
