"""Store state -> routing problem: candidates with their windows, teams with their shifts.

Like PyVRP's ``Model``: the builder collects what the store knows (clients in status
``offen`` with their places, pins, outcomes' directives, announced windows) and the teams,
checks what can possibly be planned in the span (everything else becomes an unassigned
visit with a German reason), and emits an immutable :class:`routing.Problem` over the
street-network matrices.

Time model: day ``d`` of the span is ``start + d`` (calendar days). Within the solver,
clock time ``t`` on day ``d`` is ``d * 86400 + t`` seconds. Weekends and the public
holidays of the profile's Land have no shifts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from hausbesuch.casework.rules import SHORT_DAY, Directive, WorkCalendar
from hausbesuch.config import GERMANY_MIDDLE, WEEKDAYS_DE, Profile
from hausbesuch.errors import UserError
from hausbesuch.fields import format_clock, format_day, format_days, format_moment
from hausbesuch.plandata import (
    Client,
    Geocode,
    TimeSlot,
    UnassignedVisit,
    announced_text,
    appointment_text,
)
from hausbesuch.planning.options import DAY_S, PlanOptions, Progress

__all__ = [
    "Built",
    "Candidate",
    "ShiftOverride",
    "Span",
    "VisitNeeds",
    "build_problem",
    "depot_lonlat",
    "district_rules",
    "make_candidate",
    "slot_text",
    "team_from_dict",
    "team_to_dict",
    "window_text",
]


def days_named(meant: Sequence[date], others: Sequence[date]) -> str:
    """The days ``meant`` with their weekdays, in German: as a range „Mi, 09.12.2026 bis
    Fr, 11.12.2026“ (:func:`~hausbesuch.fields.format_days`) when none of the ``others``
    lies within it, else one by one („Mi, 09.12.2026, Fr, 11.12.2026“), so that no day of
    ``others`` is named with them (review 27 #8)."""
    meant = sorted(meant)
    if not meant:
        return ""
    if any(meant[0] < d < meant[-1] for d in others):
        return ", ".join(format_day(d) for d in meant)
    return format_days(meant[0], meant[-1])


def slot_text(slot: TimeSlot) -> str:
    days = ",".join(WEEKDAYS_DE[d] for d in sorted(slot.weekdays))
    return f"{days} {format_clock(slot.start_min)}-{format_clock(slot.end_min)}"


def window_text(client: Client) -> str:
    return "; ".join(s.text or slot_text(s) for s in client.zeitfenster)


#: German weekday names for reasons, Monday first
WEEKDAYS_LONG = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag",
                 "Sonntag")


def _why_no_window(client: Client, service_s: int, left: str) -> str:
    """Why no visit fits the client's windows, in German after „Das Zeitfenster „…““: too
    short for the visit, on a weekend (never a working day: QA 18b #12), or on no day left
    of the span (``left``); the old either-or when the windows mix these causes."""
    minutes = f"{service_s // 60} Min."
    short = [s for s in client.zeitfenster if (s.end_min - s.start_min) * 60 < service_s]
    if len(short) == len(client.zeitfenster):
        return f"ist kürzer als die Besuchsdauer ({minutes})"
    days = {wd for s in client.zeitfenster if s not in short for wd in s.weekdays}
    if not short and days and all(wd >= 5 for wd in days):
        names = [WEEKDAYS_LONG[wd] for wd in sorted(days)]
        return (f"liegt am {' und '.join(names)}: {' und '.join(names)} "
                f"{'ist' if len(names) == 1 else 'sind'} kein Arbeitstag der Teams")
    if not short:
        return f"liegt an keinem möglichen Tag ({left})"
    return (f"liegt an keinem möglichen Tag ({left}) oder ist kürzer als die Besuchsdauer "
            f"({minutes})")


# --------------------------------------------------------------------------- the span


@dataclass(frozen=True)
class Span:
    """The planning days and which of them are working days."""

    start: date
    days: int
    calendar: WorkCalendar

    @property
    def last(self) -> date:
        return self.start + timedelta(days=self.days - 1)

    def date(self, d: int) -> date:
        return self.start + timedelta(days=d)

    def index(self, day: date) -> int | None:
        k = (day - self.start).days
        return k if 0 <= k < self.days else None

    def is_work(self, d: int) -> bool:
        return self.calendar.is_working_day(self.date(d))

    @property
    def work_days(self) -> list[int]:
        return [d for d in range(self.days) if self.is_work(d)]

    def describe(self) -> str:
        """``Mo, 07.12.2026 bis Fr, 11.12.2026``; one day: ``Sa, 26.12.2026``."""
        return format_days(self.start, self.last)

    def holidays(self) -> list[tuple[date, str]]:
        """The public holidays of the profile's Land on weekdays of the span, with their
        names: no team works on them."""
        out = []
        for d in range(self.days):
            day = self.date(d)
            if day.weekday() < 5 and self.calendar.is_holiday(day):
                out.append((day, self.calendar.holiday_name(day) or "Feiertag"))
        return out

    def short_days(self) -> list[tuple[date, Any]]:
        """The working days of the span that end early (``[casework] short_days``), each
        with its :class:`hausbesuch.casework.rules.ShortDay`."""
        return [(day, short) for d in self.work_days
                if (short := self.calendar.short_day(day := self.date(d))) is not None]

    def holiday_text(self, day: date, name: str) -> str:
        """``Mi, 06.01.2027 (Heilige Drei Könige, Feiertag in BY)``."""
        label = self.calendar.holiday_label(day) or (
            f"{name}, Feiertag in {self.calendar.land or 'Deutschland'}")
        return f"{format_day(day)} ({label})"

    def require_work_days(self, change: str = "Bitte --start oder --days ändern.") -> None:
        """Raise a German error when the span has no working day at all; ``change`` ends
        it, saying what to change (the command line names its options, a form its fields)."""
        if self.work_days:
            return
        free = []
        for d in range(self.days):
            day = self.date(d)
            label = self.calendar.holiday_label(day)
            free.append(format_day(day)
                        + (f" ({label})" if label else ""))
        what = (f"Der {self.describe()} ist kein Arbeitstag" if self.days == 1 else
                f"Der Zeitraum {self.describe()} enthält keinen Arbeitstag")
        raise UserError(f"{what} (nur Wochenende oder Feiertage: {', '.join(free)}). {change}")


# --------------------------------------------------------------------------- candidates


@dataclass(frozen=True)
class Candidate:
    """A client that reaches the solver, with its place, windows, priority and pins."""

    client: Client
    geocode: Geocode
    service_s: int
    #: absolute service-start windows over the span; () means any time on the allowed days
    windows: tuple[tuple[int, int], ...]
    earliest_day: int
    latest_day: int | None
    priority: int
    pin_team: str | None = None
    pin_day: int | None = None
    tries_before: int = 0
    #: failed tries since the last contact (:attr:`Directive.failed_tries`)
    failed_before: int = 0
    #: the day the appointment this candidate keeps was agreed, when it keeps one
    agreed_on: date | None = None
    #: the case visit this candidate continues (a re-plan keeps visit ids)
    visit_id: str | None = None
    #: a window promised by an announcement letter (binding): (start, end)
    promise: tuple[datetime, datetime] | None = None
    #: what the pin is, for reasons ("Vereinbarter Termin am …"); "" when not pinned
    pin_note: str = ""
    #: a re-plan: the (team, day index) the visit had; moving it costs ``move_cost``
    home: tuple[str, int] | None = None
    #: the time agreed with the client, as the route pages show it instead of the client's
    #: windows ("Termin vereinbart: 14:00 Uhr", "angekündigt: 10:00–12:00 Uhr"); "" if none
    agreed: str = ""
    #: a window an announcement letter promised, given up for a later decision (an
    #: appointment, a pin to another day or time): the visit needs a correction letter
    moved_promise: tuple[datetime, datetime] | None = None
    #: the revisit rule's reason when it narrowed the windows ("" else): the solver's
    #: reason for a visit left out for its windows names it
    revisit_note: str = ""

    @property
    def id(self) -> str:
        return self.client.id

    @property
    def window_text(self) -> str:
        """What the pages show as the visit's window: the agreed time, else the client's."""
        return self.agreed or window_text(self.client)

    @property
    def pinned(self) -> bool:
        return bool(self.pin_team or self.pin_day is not None or self.promise)


def _intersect(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out = []
    for x0, x1 in a:
        for y0, y1 in b:
            lo, hi = max(x0, y0), min(x1, y1)
            if lo <= hi:
                out.append((lo, hi))
    return out


def _merge(iv: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in sorted(iv):
        if merged and a <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def promised_starts(promise: tuple[datetime, datetime]) -> tuple[int, int]:
    """The service starts (seconds of the day) an announcement letter allows.

    A letter says "zwischen 10:00 und 12:00 Uhr": the team rings the bell inside that
    window, so the visit starts in it (it may end later); see ``hausbesuch.letters``.
    """
    a, b = promise
    return a.hour * 3600 + a.minute * 60, b.hour * 3600 + b.minute * 60


def keeps_promise(promise: tuple[datetime, datetime], pin_day: date,
                  pin_time_min: int | None) -> bool:
    """Whether a pin (day, and time when given) keeps to a letter's promise: the same day,
    the time (if any) a start the letter allows (:func:`promised_starts`). Else the pin
    is a decision taken after the letter: :func:`make_candidate` plans it as a visit of
    its own and the letter's visit is called off (the import says so beforehand)."""
    a, b = promised_starts(promise)
    return pin_day == promise[0].date() and (pin_time_min is None
                                             or a <= pin_time_min * 60 <= b)


def windows_keep_promise(client: Client, promise: tuple[datetime, datetime]) -> bool:
    """Whether the client's time windows (as stored now) still meet a letter's promised
    window on its weekday (a start the letter allows inside a window). False only when the
    windows changed after the letter so that none touches it (QA 44b F1: „Do 9:30-11“
    announced, „Do 14-16“ read in since): the client can no longer at the announced
    time, so :func:`make_candidate` plans the new window as a visit of its own and the
    letter's visit is called off, as for a pin (the import says so beforehand). No
    windows: any time of the day does."""
    if not client.zeitfenster:
        return True
    a, b = promised_starts(promise)
    wd = promise[0].weekday()
    return any(wd in s.weekdays and s.start_min * 60 <= b and s.end_min * 60 > a
               for s in client.zeitfenster)


def passed_pin(span: Span, directive: Directive | None, pin_day: date | None,
               pin_source: str | None, today: date | None = None) -> str | None:
    """``Kundennummer``-free words for a pin (or agreed appointment) whose day has passed
    (before ``today`` and before ``span``) and so no longer binds (:func:`make_candidate`
    plans such a client freely), e.g. ``Termin Do, 10.12.2026``; None when there is no such
    pin. ``today`` None: every day before the span counts as passed."""
    appointment = directive.appointment if directive is not None else None
    day = appointment.date() if appointment is not None else pin_day
    if day is None or day >= _passed_before(span, today):
        return None
    what = ("Termin" if appointment is not None else "im Web festgelegt"
            if pin_source == "web" else "laut Liste")
    off = _day_off(span.calendar, day)
    return f"{what} {format_day(day)}" + (f", kein Arbeitstag: {off}" if off else "")


def _day_off(calendar: WorkCalendar, day: date) -> str | None:
    """Why ``day`` is no working day of ``calendar`` („Erster Weihnachtstag, Feiertag in
    HE“, „Wochenende“), None on a working day."""
    if calendar.is_working_day(day):
        return None
    return calendar.holiday_label(day) or "Wochenende"


def pin_day_note(calendar: WorkCalendar, day: date | None, today: date,
                 source: str | None, *, open_case: bool = False,
                 time_min: int | None = None, service_min: int | None = None) -> str | None:
    """What a case's pinned ``day`` no longer does, for the places that show the pin
    (``status``, the plan page's „Festlegungen“): a day before ``today`` has passed and
    binds no longer (:func:`make_candidate` plans the case freely, :func:`passed_pin`
    says so in the plan); a day ahead that is no working day is taken by no plan, and the
    pin is to be corrected where it came from (``source``: ``liste``, ``web``). None for a
    pin that holds (QA 40 F2: ``status`` kept naming a holiday of a list as the visit's day
    after a re-plan had planned it on another). ``open_case``: the case is open, and the
    words of a passed day say that the next plan plans it freely. ``time_min``: the pin's
    time, which no plan takes when it lies at or after the end of a short day
    (:func:`short_day_pin`, with the visit's ``service_min`` when known; QA 41 F5)."""
    if day is None:
        return None
    off = _day_off(calendar, day)
    if day < today:
        return ("Tag verstrichen" + (f" (war kein Arbeitstag: {off})" if off else "")
                + ": bindet nicht mehr"
                + (", der nächste Plan plant den Fall frei" if open_case else ""))
    if off is None:
        # (an appointment's: its own note says so, :meth:`Casework.
        # agreed_appointment_past_shift`, with the way back)
        return (None if source == "termin"
                else short_day_pin(calendar, day, time_min, source, service_min))
    fix = ("bitte in der Kundenliste einen Arbeitstag eintragen (oder das Datum leeren) "
           "und sie erneut einlesen" if source == "liste" else
           "bitte die Festlegung aufheben oder einen Arbeitstag festlegen")
    return f"kein Arbeitstag ({off}): kein Plan nimmt den Besuch auf; {fix}"


def short_day_pin(calendar: WorkCalendar, day: date, time_min: int | None,
                  source: str | None, service_min: int | None = None) -> str | None:
    """Why a pin (or appointment) to ``day`` at ``time_min`` is taken by no plan: ``day``
    is a short working day (``[casework] short_days``) and the visit (``service_min``
    long; None: not known, the time alone counts) does not end by the day's end; with
    what to do, by where the pin came from (``source``). None otherwise (QA 41 F2, F5: a
    list's 14:00 on 24.12., worked until 12:00, was sent from one plan to the other)."""
    short = calendar.short_day(day) if time_min is not None else None
    if short is None or time_min + (service_min or 0) <= short.end_min and (
            time_min < short.end_min):
        return None
    # (the way back comes on top: a plan may need the visit earlier still)
    latest = ("" if service_min is None else
              f" (spätestens {format_clock(max(short.end_min - service_min, 0))} Uhr, "
              "mit dem Rückweg früher)")
    fix = (f"bitte in der Kundenliste eine frühere Uhrzeit{latest} oder einen anderen Tag "
           "eintragen und sie erneut einlesen" if source == "liste" else
           f"bitte einen früheren Termin{latest} oder einen anderen Tag vereinbaren"
           if source == "termin" else
           f"bitte eine frühere Uhrzeit{latest} oder einen anderen Tag wählen"
           if source == "formular" else
           f"bitte die Festlegung aufheben oder eine frühere Uhrzeit{latest} festlegen")
    named = ("laut Profil" if short.name == SHORT_DAY
             else f"{short.name} laut Profil")  # (not „verkürzter Arbeitstag“ twice)
    return (f"{format_clock(time_min)} Uhr "
            + ("liegt nach" if time_min >= short.end_min
               else f"– der Besuch ({service_min} Min.) endet nach")
            + f" dem Ende des verkürzten Arbeitstags ({named}, bis "
            f"{format_clock(short.end_min)} Uhr): kein Plan nimmt den Besuch auf; {fix}")


def _passed_before(span: Span, today: date | None) -> date:
    """Pins of days before this one have passed (the span's start, or today if earlier)."""
    return span.start if today is None else min(span.start, today)


def make_candidate(
    client: Client,
    geocode: Geocode,
    *,
    span: Span,
    profile: Profile,
    directive: Directive | None = None,
    pin_team: str | None = None,
    pin_day: date | None = None,
    pin_time_min: int | None = None,
    promise: tuple[datetime, datetime] | None = None,
    visit_id: str | None = None,
    not_before: datetime | None = None,
    pin_source: str | None = None,
    today: date | None = None,
    replan_from: datetime | None = None,
) -> Candidate | UnassignedVisit:
    """The client as a solver candidate, or an unassigned visit saying why it cannot be
    planned in the span (German reason).

    Restrictions combined: working days, the client's time windows (the whole visit fits),
    ``angekuendigt_ab``, the directive of its outcomes (earliest day, half-days to avoid,
    an agreed appointment), a pin to a day (and time) and a promised window; ``not_before``
    (a re-plan's moment) excludes earlier times; ``replan_from``: the re-plan's moment
    when ``not_before`` is later, the start of today (a new case or a revisit is not
    planned into a day over by a re-plan from a past moment), and the reasons name each
    where it applies (QA 33a F9: „vor der Neuplanung ab Mi, 13.01.2027, 00:00 Uhr“ of a
    re-plan from Tuesday 12:00). A pinned day (or appointment) that lies
    before the span and before ``today`` has passed without an outcome: it no longer
    binds, the visit is planned freely (:func:`passed_pin` words it for the plan's notes);
    one still ahead of ``today`` but before the span is no visit of this span (the plan of
    its day takes it). ``pin_source`` (``liste``, ``web``, ``termin``) words where a pin
    came from.
    """
    from hausbesuch.clients import client_priority

    d = directive or Directive(status="offen")
    service_s = int((client.besuchsdauer_min or profile.workday.visit_minutes) * 60)
    tries = d.tries
    # the rule's halves and distance as the profile says (a directive made elsewhere, e.g.
    # by a test, with other values would otherwise plan by those)
    revisit = replace(d, noon_min=profile.casework.noon_min,
                      gap_min=profile.casework.revisit_min_gap_min)

    def unassigned(code: str, reason: str) -> UnassignedVisit:
        return UnassignedVisit(client.id, code, reason, geocode.lon, geocode.lat,
                               client.address, geocode.district, tries_before=tries)

    days = span.work_days
    appointment = d.appointment
    if appointment is not None:
        pin_day, pin_time_min = appointment.date(), appointment.hour * 60 + appointment.minute
    if pin_day is not None and pin_day < _passed_before(span, today):
        # passed (see passed_pin()): no longer binds, also not beside a letter's window (the
        # letter was written for the visit planned freely in its place; before, a passed
        # appointment's time was kept with the letter's day, and the visit was dropped or
        # pinned to that time, QA 27 F1)
        pin_day = pin_time_min = pin_team = appointment = None
    moved_promise = None
    if (promise is not None and pin_day is not None and pin_day >= span.start
            and not keeps_promise(promise, pin_day, pin_time_min)):
        # decided after the letter (an appointment, a pin to another day or time): the
        # decision holds, as a visit of its own; the letter's visit is called off
        moved_promise, promise, visit_id = promise, None, None
    window_moved = (promise is not None and pin_time_min is None
                    and not windows_keep_promise(client, promise))
    if window_moved:
        # the client's windows changed after the letter and no longer meet it: the new
        # windows hold, as a visit of its own; the letter's visit is called off (QA 44b
        # F1: before, the re-plan dropped it, „das Fenster passt nicht (mehr)“)
        moved_promise, promise, visit_id = promise, None, None
    if promise is not None:
        pin_day = promise[0].date()
    what = ("Vereinbarter Termin" if appointment is not None
            else "Angekündigter Besuch" if promise is not None
            else "Festlegung im Web" if pin_source == "web" else "Datum laut Liste")
    # a pinned day that is no working day (a list's date on a holiday): no plan takes the
    # visit, whichever span (QA 40 F2: the plans after it sent the coordinator to "the plan
    # of that day", which had said so already); the date is to be corrected
    def not_working(day: date) -> UnassignedVisit:
        label = span.calendar.holiday_label(day) if day.weekday() < 5 else None
        fix = (" Bitte in der Kundenliste einen Arbeitstag eintragen (oder das Datum "
               "leeren) und sie erneut einlesen." if what == "Datum laut Liste" else
               " Bitte einen Arbeitstag festlegen.")
        return unassigned("pin_not_working_day",
                          f"{what} am {format_day(day)} ist kein Arbeitstag"
                          + (f" ({label})" if label else "") + "." + fix)

    if (pin_day is not None and promise is None and pin_day < span.start
            and appointment is None and not span.calendar.is_working_day(pin_day)):
        return not_working(pin_day)
    if (pin_day is not None and promise is None and pin_day < span.start and (
            late := short_day_pin(span.calendar, pin_day, pin_time_min,
                                  "termin" if appointment is not None else pin_source,
                                  service_s // 60))):
        # a time after a short day's end: no plan takes it either (QA 41 F2: the plans
        # after it sent the coordinator to „the plan of that day“, which had said so)
        return unassigned("pin_after_short_day", f"{what} am {format_day(pin_day)} um {late}.")
    if pin_day is not None and promise is None and pin_day < span.start:
        return unassigned("pin_before_span",
                          f"{what} am {format_day(pin_day)} liegt vor dem Planungszeitraum "
                          f"({span.describe()}) und ist noch nicht vorbei: der Plan jenes "
                          "Tages nimmt den Besuch auf (ihn neu planen).")
    # (code, reason) of the restriction that removed the last day left (the first to do so)
    limits: list[tuple[str, str]] = []
    left_from = 0  # the first day of the span the restrictions below leave

    def from_day(first_day: date, code: str, lead: str, pin_why: str) -> None:
        """Keep the days from ``first_day`` on; when none is left, say why (QA 24 F2): the
        pinned day lies before it, or it lies after the span, or no working day of the
        span is left from it on (the holidays named)."""
        nonlocal days, left_from
        first = (first_day - span.start).days
        kept = [x for x in days if x >= first]
        left_from = max(left_from, first)
        if days and not kept and not limits:
            if pin_day is not None:
                limits.append((f"pin_before_{code}",
                               f"{what} am {format_day(pin_day)} liegt {pin_why}."))
            elif first_day > span.last:
                limits.append((f"{code}_after_span",
                               f"{lead}, nach dem Planungszeitraum (bis {format_day(span.last)})."
                               if code == "announced" else
                               f"{lead}; das liegt nach dem Planungszeitraum "
                               f"(bis {format_day(span.last)})."))
            else:
                off = [span.holiday_text(day, name) for day, name in span.holidays()
                       if day >= first_day]
                weekend = any(span.date(x).weekday() >= 5 for x in range(first, span.days))
                why = (f": {', '.join(off)}" + (", sonst Wochenende" if weekend else "")
                       if off else " (nur Wochenende)")
                limits.append((f"{code}_no_working_day",
                               f"{lead}; ab dann bleibt im Planungszeitraum (bis "
                               f"{format_day(span.last)}) kein Arbeitstag{why}."))
        days = kept

    if pin_day is not None:
        k = span.index(pin_day)
        if k is None:
            return unassigned("pin_outside_span",
                              f"{what} am {format_day(pin_day)} liegt außerhalb des "
                              f"Planungszeitraums ({span.describe()}).")
        if k not in days:
            return not_working(pin_day)
        days = [k]
    if client.angekuendigt_ab is not None:
        from_day(client.angekuendigt_ab, "announced",
                 f"Angekündigt erst ab {format_day(client.angekuendigt_ab)}",
                 "vor dem Tag, ab dem der Besuch angekündigt ist "
                 f"({format_day(client.angekuendigt_ab)})")
    if d.earliest is not None:
        lead = d.reason or f"Nächster Versuch erst ab {format_day(d.earliest)}"
        from_day(d.earliest, "revisit", lead, f"vor dem nächsten möglichen Versuch ({lead})")
    if not_before is not None:
        first = (not_before.date() - span.start).days
        # (before today but not before a re-plan's moment in the past: said so)
        today_only = replan_from is not None and replan_from < not_before and (
            pin_day is None or pin_day >= replan_from.date())
        if days and not limits and all(x < first for x in days) and today_only:
            today_text = format_day(not_before.date())
            limits.append(
                ("pin_before_replan", f"{what} am {format_day(pin_day)} liegt vor heute "
                 f"({today_text}); vergangene Tage plant die Neuplanung nicht neu.")
                if pin_day is not None else
                ("no_day_after_replan", f"Kein Arbeitstag im Planungszeitraum ab heute "
                 f"({today_text}); vergangene Tage plant die Neuplanung nicht neu."))
        elif days and not limits and all(x < first for x in days):
            since = replan_from if replan_from is not None else not_before
            after = f"vor der Neuplanung ab {format_moment(since)}"
            limits.append(
                ("pin_before_replan", f"{what} am {format_day(pin_day)} liegt {after}.")
                if pin_day is not None else
                ("no_day_after_replan", f"Kein Arbeitstag im Planungszeitraum liegt nach "
                 f"dem {format_moment(not_before)} (Neuplanung)."))
        days = [x for x in days if x >= first]
        left_from = max(left_from, first)
    if not days:
        code, reason = limits[-1] if limits else (
            "no_working_day", f"Kein Arbeitstag im Planungszeitraum ({span.describe()}).")
        return unassigned(code, reason)

    # an agreed time (appointment, or a time pinned in the list) overrides the client's
    # usual windows and the revisit half-day rule: the client said when
    agreed = pin_day is not None and pin_time_min is not None
    if (agreed and promise is None and not_before is not None
            and pin_day == not_before.date()
            and pin_time_min * 60 < not_before.hour * 3600 + not_before.minute * 60):
        # the agreed time of the re-plan's own day has passed (before, the empty window
        # fell through to the revisit rules' reason)
        return unassigned("pin_before_replan",
                          f"{what} ({format_day(pin_day)}, {format_clock(pin_time_min)} Uhr) "
                          f"liegt vor der Neuplanung ab {format_moment(not_before)}.")
    if promise is not None:
        # a window an announcement letter promised keeps to the half-day rule as before,
        # not to the minimum distance: the letter may predate the setting or the try, and
        # the client was told that window (review 23 #3)
        revisit = replace(revisit, gap_min=0)
    restricted = False
    by_rule = False  # the revisit rule took starts away on some day

    def day_windows(k: int, rule: bool = True, moment: bool = True) -> list[tuple[int, int]]:
        """The start times (seconds of the day) the visit may have on day ``k``
        (``rule`` False: as if there were no revisit rule; ``moment`` False: as if the
        re-plan's moment took nothing of its day)."""
        nonlocal restricted, by_rule
        wd = span.date(k).weekday()
        iv = [(0, DAY_S - 1)]
        if client.zeitfenster and not agreed:
            restricted = True
            iv = _intersect(iv, [(s.start_min * 60, s.end_min * 60 - service_s)
                                 for s in client.zeitfenster
                                 if wd in s.weekdays and s.end_min * 60 - service_s >= s.start_min * 60])
        if pin_day is not None and pin_time_min is not None:
            restricted = True
            iv = _intersect(iv, [(pin_time_min * 60, pin_time_min * 60)])
        if promise is not None:
            restricted = True
            iv = _intersect(iv, [promised_starts(promise)])
        if rule and not agreed and (blocked := revisit.blocked(wd)):
            # the revisit rule: not the half-day of a failed try on this weekday, nor a
            # start within ``[casework] revisit_min_gap_min`` of its time
            restricted = True
            before = iv
            for a, b in blocked:
                iv = _intersect(iv, [(0, a - 1), (b + 1, DAY_S - 1)])
            by_rule = by_rule or iv != before
        if moment and not_before is not None and span.date(k) == not_before.date():
            restricted = True
            t = not_before.hour * 3600 + not_before.minute * 60
            iv = _intersect(iv, [(t, DAY_S - 1)])
        return iv

    windows: list[tuple[int, int]] = []
    for k in days:
        windows += [(k * DAY_S + a, k * DAY_S + b) for a, b in day_windows(k)]
    windows = _merge(windows)
    if not windows:
        if promise is None and not agreed and windows_ruled_out(client, revisit, service_s):
            # the cause that lasts: no later plan holds the case either (QA 38 F2)
            return unassigned("revisit_rules_window", _ruled_out_reason(client, revisit))
        # the days on which the client's windows (or the day) leave starts before the
        # revisit rule and the re-plan's moment take theirs
        free = [k for k in days if day_windows(k, rule=False, moment=False)]
        if (free and promise is None and (d.avoid or d.failed_at)
                and (any(day_windows(k, rule=False) for k in free)
                     or not any(day_windows(k, moment=False) for k in free))):
            # the revisit rule takes the starts the moment leaves, or all of them by
            # itself (then it is the cause that lasts beyond the re-plan's day)
            return unassigned("revisit_rules", _revisit_reason(client, revisit))
        if free and promise is None and not_before is not None and client.zeitfenster:
            # the re-plan's moment took the rest of its day's window (QA 27 F8: before,
            # „liegt an keinem möglichen Tag (08.12.2026–11.12.2026)“ with Tuesday 08.12 in
            # it); the revisit rule named when it took starts there too
            ruled = any(day_windows(k, moment=False) != day_windows(k, rule=False,
                                                                      moment=False)
                        for k in free)
            later = days_named([span.date(k) for k in sorted(days) if k not in free],
                               [span.date(k) for k in free])
            return unassigned(
                "window_before_replan",
                f"Das Zeitfenster „{window_text(client)}“ lässt am "
                f"{format_day(not_before.date())} nach der "
                f"Neuplanung ab {not_before:%H:%M} Uhr keine Besuchszeit mehr"
                + (f" und liegt an keinem weiteren möglichen Tag ({later})" if later else "")
                + (f"; {d.reason}" if ruled and d.reason else "")
                + "; der Fall bleibt offen für den nächsten Plan.")
        if promise is not None:
            return unassigned("announced_window_impossible",
                              f"angekündigt ({format_day(promise[0].date())}, "
                              f"{promise[0]:%H:%M}–{promise[1]:%H:%M} Uhr), "
                              "aber nicht mehr einplanbar: das Fenster passt nicht (mehr)"
                              + (f" (Zeitfenster jetzt „{window_text(client)}“)"
                                 if client.zeitfenster else "") + ".")
        if client.zeitfenster:
            left = (span.describe() if days == span.work_days  # else what is left of it
                    else format_days(span.date(days[0]), span.date(days[-1])))
            # a holiday of what is left of the span on which a window would fit if it were
            # a working day is a cause: say so (no working day left fits, ``windows`` being
            # empty; a window too short fits no holiday either)
            on = {wd for sl in client.zeitfenster for wd in sl.weekdays}
            off = []
            if pin_day is None:
                off = [span.holiday_text(day, name) for day, name in span.holidays()
                       if day.weekday() in on and (k := span.index(day)) >= left_from
                       and day_windows(k)]
            return unassigned(
                "window_outside_span",
                f"Das Zeitfenster „{window_text(client)}“ "
                + _why_no_window(client, service_s, left)
                + (f"; {d.reason}" if d.reason else "")
                + (f"; kein Arbeitstag: {', '.join(off)}" if off else "") + ".")
        return unassigned("revisit_rules",
                          f"{d.reason or 'Keine mögliche Besuchszeit'}: im Planungszeitraum "
                          "bleibt kein anderer Wochentag oder keine andere Tageszeit.")
    # (the days with their weekday, as the pages write them: „Vereinbarter Termin am Do,
    # 17.12.2026, 10:30 Uhr“, the form of the case page and every appointment message)
    note = agreed = ""
    if appointment is not None:
        note = f"Vereinbarter Termin am {format_moment(appointment)}"
        agreed = appointment_text(appointment)
    elif promise is not None:
        note = f"Angekündigter Besuch am {format_day(promise[0].date())}, " \
               f"{promise[0]:%H:%M}–{promise[1]:%H:%M} Uhr"
        agreed = announced_text(*promise)
    elif window_moved:
        note = f"Zeitfenster „{window_text(client)}“ (nach dem Brief geändert)"
    elif pin_day is not None or pin_team:
        where = "im Web" if pin_source == "web" else "laut Liste"
        note = f"Festlegung {where} (" + ", ".join(
            x for x in (pin_team and f"Team {pin_team}", pin_day and format_day(pin_day),
                        pin_time_min is not None and f"{format_clock(pin_time_min)} Uhr")
            if x) + ")"
    return Candidate(
        client=client, geocode=geocode, service_s=service_s, pin_note=note,
        windows=tuple(windows) if restricted else (),
        earliest_day=min(days), latest_day=max(days),
        priority=client_priority(client, span.start),
        pin_team=pin_team, pin_day=span.index(pin_day) if pin_day is not None else None,
        tries_before=tries, visit_id=visit_id, promise=promise, agreed=agreed,
        failed_before=d.failed_tries,
        agreed_on=d.agreed_on if appointment is not None and appointment == d.appointment
        else None,
        moved_promise=moved_promise, revisit_note=d.reason if by_rule else "",
    )


def windows_ruled_out(client: Client, d: Directive, service_s: int) -> bool:
    """Whether the client's time windows and the revisit rule exclude each other for good
    (QA 38 F2): on every weekday of its windows the rule (:meth:`Directive.blocked`, the
    half-days of failed tries, which last until a contact) takes every start a window
    leaves, so no later plan can take the case either. False without windows, or when no
    window holds the visit at all (that is another reason)."""
    if not client.zeitfenster:
        return False
    fits = False
    for wd in range(7):
        iv = [(s.start_min * 60, s.end_min * 60 - service_s) for s in client.zeitfenster
              if wd in s.weekdays and s.end_min * 60 - service_s >= s.start_min * 60]
        if not iv:
            continue
        fits = True
        for a, b in d.blocked(wd):
            iv = _intersect(iv, [(0, a - 1), (b + 1, DAY_S - 1)])
        if iv:
            return False
    return fits


def _ruled_out_reason(client: Client, d: Directive) -> str:
    """The reason of a case whose windows the revisit rule excludes for good
    (:func:`windows_ruled_out`): that no plan takes it by itself, and what to do (before,
    „kommt in den nächsten Plan“, week after week, and the case stayed open without a
    try). First the step that plans it as it is: a visit fixed to a day and time (an
    agreed time, which the rule leaves alone); QA 45c F4: „kein Plan kann den Besuch
    aufnehmen“ was not true, and that step was not named."""
    return (f"Das Zeitfenster „{window_text(client)}“ und die Regel für erneute Besuche "
            f"({_rule_text(d)}) schließen sich aus" + (f" ({d.reason})" if d.reason else "")
            + ": kein Plan nimmt den Besuch von selbst auf. Bitte den Besuch auf Tag und "
            "Uhrzeit im Zeitfenster festlegen (auf der Seite des Plans „Besuch verschieben "
            "oder festlegen“, oder Spalten „Datum“ und „Uhrzeit“ der Kundenliste), ein "
            "anderes Zeitfenster vereinbaren (Spalte „Zeitfenster“ der Kundenliste, dann die "
            "Liste erneut einlesen) oder den Fall auf „in Klärung“ setzen (hausbesuch status "
            f"{client.id} --set in_klaerung).")


def _revisit_reason(client: Client, d: Directive) -> str:
    """Why the revisit rule leaves no start in the span, in German: the rule (each failed
    half-day, and the minimum distance to a failed try's time on its weekday), the
    directive's reason and the client's windows when it has some."""
    where = (f"Im Zeitfenster „{window_text(client)}“ bleibt" if client.zeitfenster
             else "Im Planungszeitraum bleibt")
    return (f"{where} nach der Regel für erneute Besuche ({_rule_text(d)}) keine Besuchszeit"
            + (f"; {d.reason}" if d.reason else "") + ".")


def _rule_text(d: Directive) -> str:
    """The revisit rule in German: each failed half-day, and the minimum distance to a
    failed try's time on its weekday when ``d`` has one."""
    return ("nicht am selben Wochentag zur selben Tageszeit (vormittags/nachmittags) wie "
            "ein Versuch ohne Kontakt"
            + (f" und dort mindestens {d.gap_min} Minuten Abstand zu dessen Uhrzeit"
               if d.gap_min > 0 else ""))


# --------------------------------------------------------------------------- teams


def team_to_dict(t: Any) -> dict[str, Any]:
    """A TeamConfig as JSON-ready dict (stored with a plan, for re-plans)."""
    d = asdict(t)
    d["members"] = list(t.members)
    d["skills"] = sorted(t.skills)
    d["weekdays"] = sorted(t.weekdays)
    d["districts"] = list(t.districts)
    for k in ("lunch_window", "start_lonlat", "end_lonlat"):
        d[k] = list(d[k]) if d[k] is not None else None
    return d


def team_from_dict(d: dict[str, Any]) -> Any:
    """A TeamConfig from :func:`team_to_dict`'s dict (a plan's snapshot, the city's stored
    teams). Its skills are split as a client's languages are
    (:func:`hausbesuch.clients.split_skills`): one stored whole before session 35 („Farsi/
    dari“ from a TOML list or a quoted cell) would never match a client's need."""
    from hausbesuch.clients import split_skills
    from hausbesuch.teams import TeamConfig

    kw = dict(d)
    kw["members"] = tuple(kw.get("members", ()))
    kw["skills"] = frozenset(s for x in kw.get("skills", ()) for s in split_skills(str(x)))
    kw["weekdays"] = frozenset(kw.get("weekdays", range(5)))
    kw["districts"] = tuple(kw.get("districts") or ())  # stored before districts: none
    for k in ("lunch_window", "start_lonlat", "end_lonlat"):
        if kw.get(k) is not None:
            kw[k] = tuple(kw[k])
    return TeamConfig(**kw)


def extract_area(index: Any) -> str:
    """The extract's area as messages name it, „Gebiet 49.50–49.53 N, 11.25–11.31 O“: the
    box around its address points ("" for an index without addresses)."""
    xy = getattr(index, "e_xy", None)
    proj = getattr(index, "proj", None)
    if xy is None or proj is None or len(xy) == 0:
        return ""
    lon0, lat0 = proj.lonlat(*(float(v) for v in xy.min(axis=0)))
    lon1, lat1 = proj.lonlat(*(float(v) for v in xy.max(axis=0)))
    return f"Gebiet {lat0:.2f}–{lat1:.2f} N, {lon0:.2f}–{lon1:.2f} O"


def _swap_hint(index: Any, lon: float, lat: float) -> str:
    """„ (Länge und Breite vertauscht?)“ when the point with lon and lat swapped lies in
    the extract, else "" (QA 27 F6: a point simply outside is not swapped)."""
    return " (Länge und Breite vertauscht?)" if index.covers(lat, lon) else ""


def depot_lonlat(profile: Profile, index: Any) -> tuple[float, float]:
    d = profile.depot
    if d.lon is not None and d.lat is not None:
        if not index.covers(d.lon, d.lat):
            # the profile's point, not a team's (QA 27 F6: „Team altstadt, Start …“)
            area = extract_area(index)
            raise UserError(
                f"Der Standort „{d.name}“ (depots[0] im Profil, lat = {d.lat}, lon = {d.lon}) "
                f"liegt außerhalb des OSM-Auszugs{' (' + area + ')' if area else ''}"
                f"{_swap_hint(index, d.lon, d.lat)}: passen Auszug ([osm]) und Stadt "
                "zusammen? Bitte den Punkt oder den Auszug im Profil prüfen.")
        return (d.lon, d.lat)
    res = index.geocode(d.address)
    if res.quality in ("exact", "interpolated") and res.lon is not None:
        return (float(res.lon), float(res.lat))
    raise UserError(depot_not_found(d, res, index))


def depot_not_found(depot: Any, res: Any, index: Any) -> str:
    """Why the depot's address is no point to start from, in German (QA 18b #10): the
    geocoder's quality as the report names it, its reason and suggestions, and how to give
    the point in the profile, with the street's point (or the extract's middle) as the
    example."""
    from hausbesuch.planning.report import quality_label

    why = quality_label(res.quality)
    reason = str(getattr(res, "reason", "") or "").strip().rstrip(".")
    if getattr(res, "outside", False):
        # the profile of another city than the extract's (a forgotten --city: Kassel's)
        return (f"Der Standort „{depot.name}“ ({depot.address}) liegt nicht im OSM-Auszug "
                f"({reason}): passen Stadtprofil (--city) und OSM-Auszug (--osm) zusammen? "
                "Ohne --city gilt das Profil von Kassel.")
    suggestions = list(getattr(res, "suggestions", ()) or ())[:3]
    if res.lat is not None and res.lon is not None:
        lat, lon, what = float(res.lat), float(res.lon), "der Punkt der Straße"
    else:
        proj = getattr(index, "proj", None)
        lat, lon = (getattr(proj, "lat0", GERMANY_MIDDLE[0]),
                    getattr(proj, "lon0", GERMANY_MIDDLE[1]))
        what = "die Mitte des Kartenausschnitts"
    return (f"Der Standort „{depot.name}“ ({depot.address}) wurde in den OSM-Daten nicht "
            f"genau gefunden (Ergebnis: {why}{': ' + reason if reason else ''})"
            + (f"; Vorschläge: {'; '.join(suggestions)}" if suggestions else "")
            + ". Bitte im Profil die Adresse unter [[depots]] korrigieren oder dort den "
            f"Punkt des Standorts angeben, z. B. lat = {lat:.4f} und lon = {lon:.4f} "
            f"(hier {what}; den genauen Punkt etwa aus einer Karten-App übernehmen, "
            "lat ist die Breite, lon die Länge).")


def _team_place(index: Any, address: str | None, lonlat: tuple[float, float] | None,
                what: str) -> tuple[float, float]:
    if lonlat is not None:
        lon, lat = float(lonlat[0]), float(lonlat[1])
        if not index.covers(lon, lat):
            area = extract_area(index)
            raise UserError(f"{what}: der Punkt (Länge {lon:.5f}, Breite {lat:.5f}) liegt "
                            "außerhalb der Kartendaten der Stadt"
                            f"{' (' + area + ')' if area else ''}. Bitte den Punkt prüfen"
                            f"{_swap_hint(index, lon, lat)}.")
        return (lon, lat)
    if address is None:
        raise UserError(f"{what}: weder Adresse noch Koordinate angegeben.")
    res = index.geocode(address)
    if res.quality in ("exact", "interpolated") and res.lon is not None:
        return (float(res.lon), float(res.lat))
    only = f" (gefunden nur die Straße: {res.match})" if res.quality == "street" and res.match \
        else ""
    raise UserError(f"{what}: die Adresse „{address}“ wurde in den Kartendaten nicht "
                    f"gefunden{only}. Bitte die Adresse prüfen oder Länge und Breite angeben.")


def team_place_problems(teams: Sequence[Any], index: Any) -> list[str]:
    """German messages for teams whose own start or end cannot be found in the extract
    (a team without its own place starts at the depot)."""
    out = []
    for t in teams:
        for what, addr, ll in (("Start", t.start_address, t.start_lonlat),
                               ("Ende", t.end_address, t.end_lonlat)):
            if addr is None and ll is None:
                continue
            try:
                _team_place(index, addr, ll, f"Team „{t.id}“, {what}")
            except UserError as exc:
                out.append(str(exc))
    return out


@dataclass(frozen=True)
class ShiftOverride:
    """A re-plan's change to one team-day: start at ``place`` at ``start_s`` (seconds of
    the day), with or without the lunch break still to take; end by ``end_s`` (seconds
    of the day: a team taken out from then on, back at its end point by then);
    ``removed``: no shift, and ``why`` says why as a reason words it after "Team A"
    ("ist am … abwesend"); ``kept``: the visits the team-day keeps from the plan
    re-planned (before the moment, or with an outcome), which count against the team's
    ``max_visits_per_day``. A removed team-day also says, for a visit pinned to it
    (``planning.workflow._pin_check``, QA 33c L5: such pins read „hat kein Team eine
    Schicht“), the reason's ``code`` and ``undo``: how the team gets the day back, in
    words after „oder“ („die Abwesenheit löschen …“; empty: nothing brings it back)."""

    place: tuple[float, float] | None = None
    start_s: int | None = None
    end_s: int | None = None
    lunch: bool = True
    removed: bool = False
    why: str | None = None
    kept: int = 0
    code: str = "pin_team_absent"
    undo: str = ""


# --------------------------------------------------------------------------- the problem


@dataclass
class Built:
    """The routing problem and the bookkeeping to turn its solution back into a plan."""

    problem: Any
    candidates: dict[str, Candidate]
    teams: list[Any]  # TeamConfig, with depots filled in
    places: list[tuple[float, float]]
    labels: list[str]
    depot_loc: dict[int, int]  # 2*team_index (+1 for the end) -> location
    shift_start_loc: dict[tuple[str, int], int] = field(default_factory=dict)
    nets: dict[str, Any] = field(default_factory=dict)
    mode_of: dict[str, str] = field(default_factory=dict)
    snap_far: dict[str, float] = field(default_factory=dict)


def district_rules(profile: Profile, districts: Any = None) -> dict[str, Any]:
    """The keyword arguments of :func:`build_problem` for the teams' districts: the
    profile's ``[workday] responsibility``, ``outside_minutes`` and ``district_minutes``,
    and the city's districts (``districts``: :class:`geodata.districts.Districts` of the
    plan, or None) that the teams' ``stadtteile`` are checked against."""
    wd = profile.workday
    return {"responsibility": wd.responsibility, "outside_cost": wd.outside_minutes * 60,
            "district_cost": wd.district_minutes * 60,
            "city_districts": (profile.name, list(districts.names))
            if districts is not None else None}


def _responsible_teams(teams: Sequence[Any],
                       city_districts: tuple[str, Sequence[str]] | None, *,
                       replan: bool = False) -> list[Any]:
    """The teams with their districts in the city's spelling; a district the city does
    not have (a typo, a district file changed since the teams were stored, a plan with
    another ``--districts`` file) is refused naming the team and the district. ``replan``:
    the teams are a plan's, which a re-plan keeps (it reads no teams file): the refusal
    says to make a new plan or restore the plan's districts, not to fix the teams
    (review 33: that advice could not unblock a re-plan)."""
    from hausbesuch.teams import district_problems

    if city_districts is None or not any(t.districts for t in teams):
        return list(teams)
    city, names = city_districts
    mapped, problems = district_problems(teams, names, city)
    if problems and replan:
        raise UserError(
            "Zuständigkeit der Teams dieses Plans: " + "; ".join(problems) + ". Eine "
            "Neuplanung behält die Teams des Plans mit ihren Stadtteilen, und die Bezirke "
            "der Stadt sind seit dem Plan andere. Bitte einen neuen Plan erstellen (er "
            "nutzt die Teams der Stadt) oder die Bezirke wiederherstellen, mit denen der "
            "Plan erstellt wurde (Bezirksdatei, „[districts]“ des Profils).")
    if problems:
        raise UserError("Zuständigkeit der Teams: " + "; ".join(problems) + ". Bitte das "
                        "Feld „stadtteile“ der Teams berichtigen (Teams-Datei, "
                        "„hausbesuch teams --set“ oder die Seite „Teams“).")
    return mapped


def _visit_district(district: str | None) -> str | None:
    """A visit's district as the solver takes it: none for an address outside every
    district (any team may take it)."""
    from geodata.districts import OUTSIDE

    return district if district and district != OUTSIDE else None


@dataclass(frozen=True)
class VisitNeeds:
    """What a visit asks of the team that takes it, as :func:`build_problem` hands it to
    the solver: the client's languages (``sprache``), the district of its address (None:
    outside every district or not known) and the profile's ``responsibility``; with
    ``city_districts`` (the city's district names) the teams' districts are read in the
    city's spelling (:func:`_responsible_teams`). :meth:`rules_out` asks the planner's
    rule (:func:`routing.model.rules_out`) whether a team may take the visit at all:
    whom a pin's advice names (review 34 #8: it named every team working that day)."""

    languages: tuple[str, ...] = ()
    district: str | None = None
    responsibility: str = "soft"
    city_districts: tuple[str, ...] | None = None

    def rules_out(self, team: Any) -> str | None:  # noqa: ANN401 - a TeamConfig
        """"skill", "district" (hard responsibility) or "capacity" when ``team`` can
        take the visit on no day, whatever its shifts; None when it may take it."""
        from routing.model import Team, Visit, rules_out

        districts = tuple(team.districts)
        if districts and self.responsibility == "hard" and self.city_districts is not None:
            from hausbesuch.teams import district_problems

            districts = district_problems([team], self.city_districts, "")[0][0].districts
        return rules_out(
            Visit("_", 0, skills=frozenset(self.languages),
                  district=_visit_district(self.district)),
            Team(team.id, (), start=0, skills=frozenset(team.skills),
                 districts=frozenset(districts)),
            self.responsibility)

    def lacks(self, team: Any) -> str:  # noqa: ANN401 - a TeamConfig
        """Why ``team`` cannot take the visit, in German words after „Team „A““
        („spricht Arabisch nicht“, „spricht weder Arabisch, Türkisch noch
        Gebärdensprache“, „ist für den Stadtteil Nord nicht zuständig“); "" when it may.
        No article before a language (review 35 #5: „kein Gebärdensprache“, „kein Leichte
        Sprache“, and „kein Arabisch und kein Türkisch und …“ chained)."""
        words = []
        for code in self.causes(team):
            if code == "skill":
                missing = [x for x in self.languages if x not in team.skills]
                words.append(f"spricht {missing[0]} nicht" if len(missing) == 1 else
                             f"spricht weder {', '.join(missing[:-1])} noch {missing[-1]}")
            elif code == "district":
                words.append(f"ist für den Stadtteil {self.district} nicht zuständig")
            else:
                words.append("kann den Besuch nicht übernehmen")
        return " und ".join(words)

    def causes(self, team: Any) -> list[str]:  # noqa: ANN401 - a TeamConfig
        """Every cause of :meth:`rules_out` that keeps ``team`` from the visit, in its
        order ("skill" before "district"); [] when it may take it. Review 35b #4: only the
        first was named, so a coordinator who added the language was then told of the
        district."""
        code = self.rules_out(team)
        if code != "skill":
            return [code] if code else []
        rest = replace(self, languages=()).rules_out(team)
        return ["skill", *([rest] if rest else [])]

    @classmethod
    def of(cls, c: Candidate, profile: Profile,
           city_districts: Sequence[str] | None = None) -> VisitNeeds:
        """The needs of candidate ``c`` under ``profile``'s responsibility."""
        return cls(tuple(c.client.sprache), c.geocode.district,
                   profile.workday.responsibility,
                   tuple(city_districts) if city_districts is not None else None)


#: What serving a visit a letter announces on or before the day the post brings that
#: letter costs, in travel seconds (:attr:`routing.model.Problem.early_cost`): the solver
#: puts it on a later team-day with room when that costs less extra travel (session 37:
#: a Lauf week planned on Friday put 15 of 22 visits on Tuesday, the day the letters
#: arrive, while both teams were free from Wednesday on). Serving visits comes first:
#: where the later days are full, visits still go earlier (and the plan's note names them).
EARLY_LETTER_COST_S = 60 * 60


def after_letters(span: Span, profile: Profile, today: date) -> int | None:
    """The index of the span's first day after the one the post brings a letter written
    ``today`` (``[brief] postlaufzeit_werktage``, :func:`hausbesuch.letters.arrival_day`):
    a visit a letter announces is preferred from then on. None when no day of the span
    lies on or before that day, or none after it (a re-plan late in the span: every day
    would cost the same, and a visit moved by the re-plan would no longer be kept from
    being put off, :attr:`routing.model.Problem.move_cost`), or when the profile has no
    post time (0: no check)."""
    from hausbesuch.letters import arrival_day

    if profile.brief.postlaufzeit_werktage <= 0:
        return None
    first = (arrival_day(profile, today) - span.start).days + 1
    return first if 0 < first < span.days else None


def announced_by_letter(c: Candidate) -> bool:
    """Whether a letter written for this plan announces candidate ``c`` (a new plan's, or a
    re-plan's for a visit without one: a new case, a revisit, a visit whose letter was not
    written yet or was called off): not when its day is fixed (a pin to a day, an
    appointment agreed at the door, a window a letter already promised: a re-plan keeps
    that visit in its window); a pin to a team only leaves the day to the plan, and its
    letter."""
    return c.pin_day is None and c.promise is None and not c.agreed


def _prefers(c: Candidate, prefer_from: int | None, early_cost: int) -> bool:
    """Whether candidate ``c`` prefers the days from ``prefer_from`` on (see
    :func:`build_problem`): a letter announces it, and it may be served on an earlier day
    and on one of those (else the preference would change nothing). Not a visit a
    re-plan keeps from the version before (``home``): the teams already have it on their
    day (routes on the phones, printed sheets); moving it for a letter not yet written
    emptied the next days' routes of a re-plan with nothing changed (review 38 #1). The
    plan's note names it when its letter comes late."""
    return (prefer_from is not None and early_cost > 0 and announced_by_letter(c)
            and c.home is None and c.earliest_day < prefer_from
            and (c.latest_day is None or c.latest_day >= prefer_from))


def _solver_matrices(tm: Any) -> tuple[np.ndarray, np.ndarray]:
    """Integer duration and distance matrices with the solver's unreachable sentinel
    (``geodata.matrix.UNREACHABLE`` -> ``routing.UNREACHABLE``: the one conversion)."""
    from routing.model import UNREACHABLE

    bad = ~tm.reachable
    dur = np.where(bad, UNREACHABLE, np.asarray(tm.durations)).astype(np.int64)
    dist = np.where(bad, UNREACHABLE, np.asarray(tm.distances)).astype(np.int64)
    return dur, dist


def build_problem(
    candidates: Sequence[Candidate],
    teams: Sequence[Any],
    *,
    span: Span,
    options: PlanOptions,
    osm_path: Any,
    index: Any,
    overrides: dict[tuple[str, int], ShiftOverride] | None = None,
    progress: Progress | None = None,
    move_cost: int = 0,
    span_cost: int = 0,
    team_balance: int = 0,
    responsibility: str = "soft",
    outside_cost: int = 0,
    district_cost: int = 0,
    city_districts: tuple[str, Sequence[str]] | None = None,
    replan: bool = False,
    prefer_from: int | None = None,
    early_cost: int = 0,
    kept: Mapping[tuple[str, date], Any] | None = None,
    quality: Mapping[str, str] | None = None,
) -> Built:
    """Emit the routing problem: locations (team starts/ends, re-plan starts, visits),
    travel matrices per mode over the street network, visits and team shifts.

    ``move_cost`` (seconds of travel): what serving a candidate with a ``home`` on another
    team-day costs (minimal disruption of a re-plan); ``span_cost``: what each second of a
    team-day costs (the profile's ``[workday] span_cost``, see
    :attr:`routing.model.Problem.span_cost`); ``team_balance`` (seconds of travel): what each
    visit a team has above its share of the span's visits costs (the profile's
    ``[workday] balance_minutes``, see :attr:`routing.model.Problem.team_balance`).

    The teams' districts (``TeamConfig.districts``) become :attr:`routing.model.Team.districts`
    and each visit's district (its geocode's; an address outside every district has
    none, so any team may take it) :attr:`routing.model.Visit.district`;
    ``responsibility``, ``outside_cost`` and ``district_cost`` (travel seconds) are the
    :class:`routing.model.Problem`'s (:func:`district_rules` reads them from the profile).
    ``city_districts`` (city name, its district names): the teams' districts are checked
    against them (:class:`~hausbesuch.errors.UserError` naming team and district;
    ``replan``: the teams are a re-planned plan's, the refusal words it for a re-plan).

    ``prefer_from`` (a day index, :func:`after_letters`): the candidates a letter will
    announce (:func:`announced_by_letter`) and that may be served earlier prefer the days
    from it on; serving one earlier costs ``early_cost`` (travel seconds,
    :attr:`routing.model.Visit.preferred_from_day`).

    Candidates at one door (:func:`hausbesuch.planning.doors.candidate_doors`) share a
    :attr:`routing.model.Visit.door`; ``kept`` (a re-plan's routes kept, (team, day) ->
    :class:`~hausbesuch.plandata.TeamDayRoute`; ``quality``: client id -> geocode
    quality of their stops) gives each team-day the doors of its kept visits
    (:attr:`routing.model.Shift.doors`): no other team goes there that day."""
    from geodata.matrix import travel_matrix
    from geodata.network import load_network
    from hausbesuch.planning.doors import candidate_doors
    from routing.model import Break, Pin, Problem, Shift, Team, TimeWindow, Visit

    teams = _responsible_teams(teams, city_districts, replan=replan)
    overrides = overrides or {}
    mode_of = {t.id: options.mode or t.mode for t in teams}
    places: list[tuple[float, float]] = []
    labels: list[str] = []

    def place(p: tuple[float, float], label: str) -> int:
        if p in places:
            return places.index(p)
        places.append(p)
        labels.append(label)
        return len(places) - 1

    depot_loc: dict[int, int] = {}
    for ti, t in enumerate(teams):
        for k, (addr, ll) in enumerate(((t.start_address, t.start_lonlat),
                                        (t.end_address, t.end_lonlat))):
            p = _team_place(index, addr, ll, f"Team {t.id}, {'Start' if k == 0 else 'Ende'}")
            depot_loc[2 * ti + k] = place(p, addr or f"{p[1]:.5f}, {p[0]:.5f}")
    shift_start_loc: dict[tuple[str, int], int] = {}
    for key, ov in sorted(overrides.items()):
        if ov.place is not None and not ov.removed:
            shift_start_loc[key] = place(ov.place, "Standort beim Neuplanen")
    first_visit = len(places)
    cands = list(candidates)
    places.extend((float(c.geocode.lon), float(c.geocode.lat))  # type: ignore[arg-type]
                  for c in cands)
    labels.extend(c.client.address for c in cands)
    ids = [f"_ort{i}" for i in range(first_visit)] + [c.id for c in cands]

    if progress:
        progress("Fahrzeiten über das Straßennetz berechnen", 0.35)
    nets: dict[str, Any] = {}
    durations: dict[str, np.ndarray] = {}
    distances: dict[str, np.ndarray] = {}
    lon = np.array([p[0] for p in places], dtype=float)
    lat = np.array([p[1] for p in places], dtype=float)
    snap_far: dict[str, float] = {}
    for mode in sorted(set(mode_of.values())):
        net = load_network(osm_path, mode)
        nets[mode] = net
        tm = travel_matrix(net, lon, lat, ids=ids)
        durations[mode], distances[mode] = _solver_matrices(tm)
        for w in tm.snap_warnings:  # points far from every street
            if w.distance_m is not None:
                snap_far[str(w.id)] = float(w.distance_m)

    # one door, one team a day (QA 45c F3): the doors of the candidates, and of a
    # re-plan's visits kept (begun before its moment) that a candidate shares
    doors, kept_doors = candidate_doors(cands, {
        (t, (d - span.start).days): r for (t, d), r in (kept or {}).items()}, quality)
    visits = [
        Visit(
            id=c.id,
            location=first_visit + k,
            service=c.service_s,
            time_windows=tuple(TimeWindow(a, b) for a, b in c.windows),
            priority=c.priority,
            skills=frozenset(c.client.sprache),
            earliest_day=c.earliest_day,
            latest_day=c.latest_day,
            pin=Pin(team=c.pin_team, day=c.pin_day)
            if (c.pin_team or c.pin_day is not None) else None,
            home=c.home,
            district=_visit_district(c.geocode.district),
            preferred_from_day=prefer_from if _prefers(c, prefer_from, early_cost) else None,
            # one door, one team a day (QA 45c F3): the solver keeps them together
            door=doors.get(c.id),
        )
        for k, c in enumerate(cands)
    ]
    rteams = []
    work = set(span.work_days)
    for ti, t in enumerate(teams):
        shifts = []
        for d in range(span.days):
            if d not in work or span.date(d).weekday() not in t.weekdays:
                continue
            ov = overrides.get((t.id, d))
            if ov is not None and ov.removed:
                continue
            base = d * DAY_S
            begin = base + t.shift_start_min * 60
            end = base + t.shift_end_min * 60
            if ov is not None and ov.start_s is not None:
                begin = max(begin, base + ov.start_s)
            if ov is not None and ov.end_s is not None:
                end = min(end, base + ov.end_s)
            if (short := span.calendar.short_day(span.date(d))) is not None:
                # the office's short day (24.12. until 12:00): back by then (QA 40 F1)
                end = min(end, base + short.end_min * 60)
            if begin >= end:
                continue
            breaks: tuple[Any, ...] = ()
            if t.has_lunch and (ov is None or ov.lunch):
                lw0, lw1 = base + t.lunch_window[0] * 60, base + t.lunch_window[1] * 60
                lw0 = max(lw0, begin)
                # a shift that begins too late in the lunch window to hold the break (a
                # re-plan from 13:10 with the window ending 13:30) has none left (review
                # 20c #1: the model refused the break, an error no coordinator can act on)
                if lw1 - lw0 >= t.lunch_min * 60 and lw1 <= end:
                    breaks = (Break(TimeWindow(lw0, lw1), t.lunch_min * 60),)
            kw: dict[str, Any] = {}
            if (t.id, d) in shift_start_loc:
                kw["start"] = shift_start_loc[(t.id, d)]
            if (t.id, d) in kept_doors:
                kw["doors"] = kept_doors[(t.id, d)]
            if t.max_visits_per_day and ov is not None and ov.kept:
                # a re-plan: the visits the team-day keeps count against its limit (before,
                # the rest of the day got the whole limit again)
                kw["max_visits"] = max(0, t.max_visits_per_day - ov.kept)
                kw["kept"] = ov.kept
            shifts.append(Shift(day=d, window=TimeWindow(begin, end), breaks=breaks, **kw))
        rteams.append(Team(
            id=t.id, shifts=tuple(shifts), start=depot_loc[2 * ti], end=depot_loc[2 * ti + 1],
            skills=frozenset(t.skills), max_visits=t.max_visits_per_day, mode=mode_of[t.id],
            districts=frozenset(t.districts),
        ))
    problem = Problem(visits=tuple(visits), teams=tuple(rteams), days=span.days,
                      durations=durations, distances=distances, balance=options.balance,
                      move_cost=move_cost if any(c.home for c in cands) else 0,
                      span_cost=span_cost, team_balance=team_balance,
                      responsibility=responsibility, outside_cost=outside_cost,
                      district_cost=district_cost,
                      early_cost=early_cost if any(v.preferred_from_day is not None
                                                   for v in visits) else 0,
                      day_names=tuple(format_day(span.date(d)) for d in range(span.days)),
                      absent={key: ov.why for key, ov in overrides.items()
                              if ov.removed and ov.why},
                      # how such a team-day comes back, for a reason whose window lies on
                      # it (QA 37 #2)
                      absent_undo={key: ov.undo for key, ov in overrides.items()
                                   if ov.removed and ov.why and ov.undo},
                      # the skills are the client's languages: „nur Team nord spricht
                      # Arabisch“ (QA 36 #6)
                      skill_verb=("spricht", "sprechen"))
    return Built(problem=problem, candidates={c.id: c for c in cands}, teams=list(teams),
                 places=places, labels=labels, depot_loc=depot_loc,
                 shift_start_loc=shift_start_loc, nets=nets, mode_of=mode_of,
                 snap_far=snap_far)
