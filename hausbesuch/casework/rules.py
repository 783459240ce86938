"""Revisit rules: what the recorded outcomes of a client mean for its next visit.

Pure functions over plain values (no database): the store's casework service and the
planner's builder both call :func:`directive`. Defaults come from the profile's
``[casework]`` section (:class:`hausbesuch.config.CaseRules`):

==========================  =====================================================
outcome                     effect
==========================  =====================================================
``angetroffen``             status ``erreicht``: never planned again
``verweigert``              status ``abgeschlossen``
``verzogen``                status ``in_klaerung``: listed for the coordinator, not planned
``nicht_angetroffen``       planned again, not before 2 working days later, and not on
                            the weekday *and* time of day (morning/afternoon) of a failed try;
                            on that weekday not within 120 minutes of its time either
``nachricht_hinterlassen``  planned again after 5 working days unless the client got
                            in touch (a later outcome); same weekday/time-of-day rule
``termin_vereinbart``       a visit pinned to the agreed date and time
==========================  =====================================================

After ``max_failed_tries`` failed tries (``nicht_angetroffen`` or
``nachricht_hinterlassen`` since the last contact) the client goes to ``in_klaerung``.
Public holidays of the profile's Land (the ``holidays`` package) and weekends are no
working days.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache

from hausbesuch.fields import format_clock

__all__ = [
    "CONTACT",
    "FAILED",
    "HALF_DAYS",
    "MAX_REASON_LENGTH",
    "RESULTS",
    "RESULT_LABELS",
    "STATUSES",
    "STATUS_LABELS",
    "Directive",
    "PastOutcome",
    "LocalHoliday",
    "ShortDay",
    "WorkCalendar",
    "directive",
    "half_of_day",
    "DAY_S",
    "parse_result",
    "parse_status",
    "status_word",
]

#: Most characters of the reason given with a status change: the web's case page and
#: ``hausbesuch status --reason`` (``rectify --status-change --text``) refuse a longer one.
MAX_REASON_LENGTH = 500

#: Case statuses of a client.
STATUSES = ("offen", "erreicht", "in_klaerung", "abgeschlossen")
STATUS_LABELS = {
    "offen": "offen (zu besuchen)",
    "erreicht": "erreicht (Kontakt hergestellt)",
    "in_klaerung": "in Klärung (Adresse prüfen)",
    "abgeschlossen": "abgeschlossen",
}
#: Outcomes of a visit, as stored.
RESULTS = (
    "angetroffen",
    "nicht_angetroffen",
    "nachricht_hinterlassen",
    "verzogen",
    "verweigert",
    "termin_vereinbart",
)
RESULT_LABELS = {
    "angetroffen": "angetroffen",
    "nicht_angetroffen": "nicht angetroffen",
    "nachricht_hinterlassen": "Nachricht hinterlassen",
    "verzogen": "verzogen",
    "verweigert": "verweigert",
    "termin_vereinbart": "Termin vereinbart",
}


def status_word(status: str) -> str:
    """A case status in German without its explanation („in Klärung“), as messages and
    the case page name it."""
    return STATUS_LABELS.get(status, status).split(" (")[0]


def result_label(result: str) -> str:
    """A result as a choice, a button or a table cell names it: :data:`RESULT_LABELS`
    capitalised („Nicht angetroffen“), the same on the phone, *Ergebnisse* and the case
    page (QA 26 F8: „nicht angetroffen“ there). An unknown code as it is. In a sentence
    („Ergebnis erfasst: „nicht angetroffen““) :data:`RESULT_LABELS` as they are."""
    label = RESULT_LABELS.get(result, result)
    return label[:1].upper() + label[1:]


#: Failed tries: nobody was met.
FAILED = frozenset({"nicht_angetroffen", "nachricht_hinterlassen"})
#: Someone was met (the client answered the door).
CONTACT = frozenset({"angetroffen", "verweigert", "termin_vereinbart"})
#: Times of day for the "another weekday or another time of day" rule.
HALF_DAYS = ("vormittag", "nachmittag")
#: Seconds of a day (the revisit rule's spans are seconds of the day, as the solver's).
DAY_S = 86_400
_WEEKDAY_NAMES = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag",
                  "Sonntag")

_RESULT_SYNONYMS = {
    "angetroffen": "angetroffen",
    "kontakt": "angetroffen",
    "erreicht": "angetroffen",
    "nicht_angetroffen": "nicht_angetroffen",
    "nichtangetroffen": "nicht_angetroffen",
    "niemand_angetroffen": "nicht_angetroffen",
    "nicht_da": "nicht_angetroffen",
    "nachricht_hinterlassen": "nachricht_hinterlassen",
    "nachricht": "nachricht_hinterlassen",
    "karte_hinterlassen": "nachricht_hinterlassen",
    "benachrichtigung_hinterlassen": "nachricht_hinterlassen",
    "verzogen": "verzogen",
    "unbekannt_verzogen": "verzogen",
    "weggezogen": "verzogen",
    "verweigert": "verweigert",
    "abgelehnt": "verweigert",
    "termin_vereinbart": "termin_vereinbart",
    "termin": "termin_vereinbart",
}


def _key(text: str) -> str:
    t = unicodedata.normalize("NFKD", text.strip().casefold())
    t = t.replace("ß", "ss")
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    return re.sub(r"[\s\-_./]+", "_", t).strip("_")


def parse_result(text: str) -> str:
    """The stored outcome for a German spelling (``Nicht angetroffen``, ``termin-vereinbart``).

    Raises
    ------
    ValueError
        With a German message listing the accepted values.
    """
    value = _RESULT_SYNONYMS.get(_key(text))
    if value is None:
        meant = _meant_result(text)
        raise ValueError(
            f"unbekanntes Ergebnis „{text}“"
            + (f" (gemeint: „{RESULT_LABELS[meant]}“?)" if meant else "") + "; erlaubt: "
            + ", ".join(RESULT_LABELS[r] for r in RESULTS)
        )
    return value


def _meant_result(text: str) -> str | None:
    """The result a mistyped one most likely means („nicht angetrofen“ -> nicht
    angetroffen), or None when none is close or two results are about as close: only
    named as a question, the row is not recorded (QA 37 #7)."""
    from rapidfuzz import fuzz

    key = _key(text)
    if len(key) < 4:
        return None
    best: dict[str, float] = {}
    for typed, value in _RESULT_SYNONYMS.items():
        best[value] = max(best.get(value, 0.0), fuzz.ratio(key, typed))
    ranked = sorted(best.items(), key=lambda kv: -kv[1])
    if ranked[0][1] < 85 or (len(ranked) > 1 and ranked[1][1] > ranked[0][1] - 8):
        return None
    return ranked[0][0]


def parse_status(text: str) -> str:
    """A case status as typed (``in Klärung``, ``Offen``)."""
    key = _key(text).replace("ae", "a")
    for s in STATUSES:
        if key == s.replace("ae", "a"):
            return s
    raise ValueError(
        f"unbekannter Status „{text}“; erlaubt: {', '.join(STATUSES)}"
    )


def half_of_day(minutes: int, noon_min: int = 12 * 60) -> str:
    """``vormittag`` for a visit starting before ``noon_min``, else ``nachmittag``."""
    return HALF_DAYS[0] if minutes < noon_min else HALF_DAYS[1]


@lru_cache(maxsize=32)
def _holidays(land: str, year: int) -> frozenset[date]:
    import holidays

    return frozenset(holidays.country_holidays("DE", subdiv=land or None, years=year))


#: The name of a local holiday of the profile given without one.
LOCAL_HOLIDAY = "örtlicher Feiertag"


class _DayOfYear:
    """A day and month of every year (``year`` None) or one date: :meth:`on`."""

    day: int
    month: int
    year: int | None

    def on(self, d: date) -> bool:
        return (d.day, d.month) == (self.day, self.month) and self.year in (None, d.year)


@dataclass(frozen=True)
class LocalHoliday(_DayOfYear):
    """A day off of the profile's town beyond the Land's public holidays (``[casework]
    local_holidays``): a day and month of every year (``year`` None) or one date."""

    day: int
    month: int
    year: int | None = None
    name: str = LOCAL_HOLIDAY


#: The name of a short working day of the profile given without one.
SHORT_DAY = "verkürzter Arbeitstag"


@dataclass(frozen=True)
class ShortDay(_DayOfYear):
    """A working day that ends early in the town's office (``[casework] short_days``:
    Heiligabend and Silvester until 12:00 in many Jobcenters): a day and month of every
    year (``year`` None) or one date, and the minute of the day the work ends."""

    day: int
    month: int
    end_min: int
    year: int | None = None
    name: str = SHORT_DAY


@dataclass(frozen=True)
class WorkCalendar:
    """Working days: Monday to Friday except the public holidays of a German Land and
    the town's own (``local``: Mariä Himmelfahrt in a Catholic municipality of Bayern,
    the Augsburger Friedensfest, a Rosenmontag the office keeps closed).

    ``land`` is the ISO 3166-2 subdivision code without ``DE-`` (``HE`` Hessen, ``BY``
    Bayern, ...); empty: nationwide holidays only.
    """

    land: str = "HE"
    local: tuple[LocalHoliday, ...] = ()
    #: working days that end early (:class:`ShortDay`; QA 40 F1)
    short: tuple[ShortDay, ...] = ()

    def _local(self, d: date) -> LocalHoliday | None:
        return next((h for h in self.local if h.on(d)), None)

    def short_day(self, d: date) -> ShortDay | None:
        """The :class:`ShortDay` of ``d`` when it is a working day that ends early (an
        entry of its year before one of every year: „23.12.2027 bis 13:30“ beside
        „23.12. bis 12:00“), else None."""
        if not self.is_working_day(d):
            return None
        return min((s for s in self.short if s.on(d)), key=lambda s: s.year is None,
                   default=None)

    def short_ends(self, start: date, days: int) -> dict[str, int]:
        """{ISO day: minute the work ends} of the short working days among the ``days``
        days from ``start`` (:meth:`short_day`): what a stored plan and the field worker's
        page carry of them."""
        if not self.short:
            return {}
        return {d.isoformat(): short.end_min
                for d in (start + timedelta(days=k) for k in range(days))
                if (short := self.short_day(d)) is not None}

    def is_holiday(self, d: date) -> bool:
        return d in _holidays(self.land, d.year) or self._local(d) is not None

    def holiday_name(self, d: date) -> str | None:
        import holidays

        if d in _holidays(self.land, d.year):
            return holidays.country_holidays("DE", subdiv=self.land or None, years=d.year,
                                             language="de").get(d)
        local = self._local(d)
        return local.name if local is not None else None

    def holiday_label(self, d: date) -> str | None:
        """``Heilige Drei Könige, Feiertag in BY``, ``Mariä Himmelfahrt, Feiertag laut
        Profil`` (a local one; without a name: ``Feiertag laut Profil``), None on a day
        that is no holiday."""
        name = self.holiday_name(d)
        if name is None:
            return None
        if d in _holidays(self.land, d.year):
            return f"{name}, Feiertag in {self.land or 'Deutschland'}"
        return "Feiertag laut Profil" if name == LOCAL_HOLIDAY else f"{name}, Feiertag laut Profil"

    def is_working_day(self, d: date) -> bool:
        return d.weekday() < 5 and not self.is_holiday(d)

    def add_working_days(self, d: date, n: int) -> date:
        """The ``n``-th working day after ``d`` (``n`` = 0: ``d`` itself)."""
        out = d
        while n > 0:
            out += timedelta(days=1)
            if self.is_working_day(out):
                n -= 1
        return out

    def working_days(self, start: date, days: int) -> list[date]:
        return [start + timedelta(days=k) for k in range(days)
                if self.is_working_day(start + timedelta(days=k))]


@dataclass(frozen=True)
class PastOutcome:
    """One recorded outcome of a client (``time_min``: when the visit took place)."""

    day: date
    result: str
    time_min: int | None = None
    appointment_at: datetime | None = None


@dataclass(frozen=True)
class Directive:
    """What the outcomes mean for the client's next visit."""

    status: str
    reason: str = ""
    #: no visit before this day
    earliest: date | None = None
    #: (weekday 0-6, half of day) combinations of failed tries: not again
    avoid: frozenset[tuple[int, str]] = frozenset()
    #: (weekday 0-6, minute of the day) of the failed tries: on that weekday no start
    #: closer than ``gap_min`` minutes to that time (``[casework] revisit_min_gap_min``)
    failed_at: frozenset[tuple[int, int]] = frozenset()
    gap_min: int = 0
    #: the noon that split :attr:`avoid` into halves (``[casework] noon``)
    noon_min: int = 12 * 60
    #: a visit pinned to this moment (an agreed appointment)
    appointment: datetime | None = None
    #: the day :attr:`appointment` was agreed (the outcome's day)
    agreed_on: date | None = None
    #: failed tries since the last contact
    failed_tries: int = 0
    #: every try so far (any outcome)
    tries: int = 0
    notes: tuple[str, ...] = field(default=())
    #: the outcomes decide ``status`` (False: the stored status is passed on, e.g. a case
    #: set aside by hand after a failed try, or no outcomes at all)
    by_outcomes: bool = True

    @property
    def plannable(self) -> bool:
        return self.status == "offen"

    def blocked(self, weekday: int) -> list[tuple[int, int]]:
        """The starts (closed spans of seconds of the day, merged) the revisit rule forbids
        on ``weekday``: a half of the day of a failed try on that weekday, and the time
        less than :attr:`gap_min` minutes before or after the try (a start exactly
        ``gap_min`` minutes away is allowed). An agreed time is not subject to it (the
        planner does not ask)."""
        noon = self.noon_min * 60
        spans = [(0, noon - 1) if half == HALF_DAYS[0] else (noon, DAY_S - 1)
                 for wd, half in self.avoid if wd == weekday]
        if self.gap_min > 0:
            g = self.gap_min * 60
            spans += [(max(0, t * 60 - g + 1), min(DAY_S - 1, t * 60 + g - 1))
                      for wd, t in self.failed_at if wd == weekday]
        out: list[tuple[int, int]] = []
        for a, b in sorted(spans):
            if out and a <= out[-1][1] + 1:
                out[-1] = (out[-1][0], max(out[-1][1], b))
            else:
                out.append((a, b))
        return out

    def gap_text(self, weekday: int) -> str:
        """What the minimum distance adds on ``weekday`` beyond its failed half-days, in
        German („mittwochs nur ab 13:25 Uhr, mindestens 120 Minuten Abstand zu 11:25
        Uhr“), or "" when it adds nothing (the try lies far from the noon, no gap)."""
        times = sorted(t for wd, t in self.failed_at if wd == weekday)
        if self.gap_min <= 0 or not times:
            return ""
        halves = Directive(status=self.status, avoid=self.avoid, noon_min=self.noon_min)
        free = _free(self.blocked(weekday))
        if free == _free(halves.blocked(weekday)):
            return ""
        day = _WEEKDAY_ADVERBS[weekday]
        if not free:
            when = f"{day} gar nicht"
        else:
            when = f"{day} nur " + " oder ".join(
                f"ab {_clock_s(a)}" if b >= DAY_S - 1 else
                f"bis {_clock_s(b)}" if a == 0 else f"{_clock_s(a)}–{_clock_s(b)}"
                for a, b in free) + " Uhr"
        at = " und ".join(format_clock(t) for t in times)
        return f"{when}, mindestens {self.gap_min} Minuten Abstand zu {at} Uhr"


_WEEKDAY_ADVERBS = ("montags", "dienstags", "mittwochs", "donnerstags", "freitags",
                    "samstags", "sonntags")


def _free(blocked: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The closed spans of seconds of the day outside ``blocked`` (sorted, merged)."""
    out, at = [], 0
    for a, b in blocked:
        if a > at:
            out.append((at, a - 1))
        at = max(at, b + 1)
    if at <= DAY_S - 1:
        out.append((at, DAY_S - 1))
    return out


def _clock_s(s: int) -> str:
    """``HH:MM`` of a second of the day; the last second of a minute reads as the next
    minute (a span ending at 11:59:59 ends „bis 12:00“)."""
    return format_clock((s + 1) // 60 if s % 60 == 59 else s // 60)


def _fmt(d: date) -> str:
    from hausbesuch.fields import format_day

    return format_day(d)


def directive(
    outcomes: Iterable[PastOutcome],
    *,
    status: str = "offen",
    calendar: WorkCalendar | None = None,
    after_miss_days: int = 2,
    after_message_days: int = 5,
    max_failed_tries: int = 3,
    noon_min: int = 12 * 60,
    min_gap_min: int = 120,
    status_after: dict[str, str] | None = None,
) -> Directive:
    """The next-visit directive of a client from its outcomes (any order) and status.

    ``min_gap_min``: on the weekday of a failed try no start closer than this to the try's
    time of day (0: only the half-day rule).

    ``status`` is the client's stored status before these outcomes are applied; a status
    set by hand (``in_klaerung``, ``abgeschlossen``) stays unless a later outcome changes it.
    """
    cal = calendar or WorkCalendar()
    mapping = {"angetroffen": "erreicht", "verweigert": "abgeschlossen",
               "verzogen": "in_klaerung", **(status_after or {})}
    seq: Sequence[PastOutcome] = sorted(outcomes, key=lambda o: (o.day, o.time_min or 0))
    if not seq:
        return Directive(status=status, by_outcomes=False)
    last = seq[-1]
    since_contact: list[PastOutcome] = []
    for o in seq:
        if o.result in CONTACT:
            since_contact = []
        elif o.result in FAILED:
            since_contact.append(o)
    failed = len(since_contact)
    avoid = frozenset(
        (o.day.weekday(), half_of_day(o.time_min, noon_min))
        for o in since_contact if o.time_min is not None
    )
    failed_at = frozenset((o.day.weekday(), o.time_min)
                          for o in since_contact if o.time_min is not None)
    base = {"failed_tries": failed, "tries": len(seq), "avoid": avoid,
            "failed_at": failed_at, "gap_min": max(0, min_gap_min), "noon_min": noon_min}
    if last.result in mapping and last.result not in FAILED and last.result != "termin_vereinbart":
        new = mapping[last.result]
        return Directive(status=new, reason=f"{RESULT_LABELS[last.result]} am {_fmt(last.day)}",
                         **base)
    if last.result == "termin_vereinbart":
        if last.appointment_at is None:
            return Directive(status="offen", reason="Termin vereinbart, aber ohne Datum",
                             **base)
        return Directive(
            status="offen", appointment=last.appointment_at, agreed_on=last.day,
            reason=f"Termin vereinbart für {_fmt(last.appointment_at.date())}, "
            f"{last.appointment_at:%H:%M} Uhr", **base)
    # a failed try
    if failed >= max_failed_tries:
        return Directive(
            status=mapping.get("fehlversuche", "in_klaerung"),
            reason=f"{failed} Versuche ohne Kontakt (zuletzt {_fmt(last.day)}): "
            "bitte Adresse und Kontaktweg klären", **base)
    wait = after_message_days if last.result == "nachricht_hinterlassen" else after_miss_days
    earliest = cal.add_working_days(last.day, wait)
    probe = Directive(status="offen", **base)
    tried = "; ".join(dict.fromkeys(  # "Montagvormittag", each once
        f"{_WEEKDAY_NAMES[o.day.weekday()]}{half_of_day(o.time_min, noon_min)}"
        + (f" ({gap})" if (gap := probe.gap_text(o.day.weekday())) else "")
        for o in since_contact if o.time_min is not None
    ))
    reason = (f"{failed}. Versuch ohne Kontakt am {_fmt(last.day)} "
              f"({RESULT_LABELS[last.result]}): frühestens wieder am {_fmt(earliest)}")
    if tried:
        reason += f", nicht erneut {tried}"
    reopened = status in ("offen", "erreicht")
    return Directive(status="offen" if reopened else status, earliest=earliest, reason=reason,
                     by_outcomes=reopened, **base)
