"""City profiles: which city, which OSM data, where the teams start, how days look.

A profile is a TOML file. Shipped profiles (``hausbesuch/profiles/*.toml``) are
named by their short name (``--city kassel``, ``--city bad-hersfeld``,
``--city lauf``); any other profile is named by its path. ``kassel`` is the
default. Validation errors are German and name the file and the field.

Relative paths inside a profile (``osm.file``, ``districts.file``) are resolved
against the profile's folder, the current folder, and the shared data folder
(``HAUSBESUCH_DATA_DIR``, or a ``shared/data`` folder beside a parent of the
current folder or of the installed package), in that order.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from hausbesuch.errors import ProfileError
from hausbesuch.fields import (
    LAENDER,
    WEEKDAYS_DE,
    FieldError,
    format_day,
    looks_swapped,
    parse_clock_range,
    parse_land,
    parse_weekdays,
)
from hausbesuch.tomlfile import control_character_problem, read_toml, toml_spelling

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
DEFAULT_PROFILE = "kassel"

#: Error type of a model check that names fields of the model: its context holds
#: ``problems``, a list of (field, German message); :func:`_german` names each field.
FIELD_PROBLEMS = "field_problems"

_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_clock(value: str) -> time:
    """Parse ``"8:00"``/``"08:00"`` into a :class:`datetime.time` (German error on failure)."""
    m = _TIME_RE.match(str(value).strip())
    if not m:
        raise ValueError("keine Uhrzeit im Format HH:MM")  # the value follows: (Wert: "8 Uhr")
    return time(int(m.group(1)), int(m.group(2)))


def _not_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("darf nicht leer sein")
    return value


def _toml_clock(value: Any) -> Any:
    """A TOML time (``start = 08:00``, without quotes) as the text ``"08:00"``."""
    if isinstance(value, time) and not isinstance(value, datetime):
        if value.second or value.microsecond or value.tzinfo is not None:
            raise ValueError(f"muss eine Uhrzeit ohne Sekunden sein, z. B. \"{value:%H:%M}\"")
        return f"{value:%H:%M}"
    return value


#: A name or address: surrounding blanks removed, not empty.
Text = Annotated[str, AfterValidator(_not_blank)]


def _plain_path(value: str, info: ValidationInfo) -> str:
    """A file path without control characters: ``"C:\\test\\bh.pbf"`` (valid TOML escapes,
    a tab and a backspace) is refused with the hint for Windows paths."""
    problem = control_character_problem(str(info.field_name), value)
    if problem:
        raise ValueError(problem)
    return value


#: A file path (``[osm] file``, ``[districts] file``, ``[brief] logo``).
FilePath = Annotated[str, AfterValidator(_plain_path)]
#: A clock time ``"HH:MM"`` (a TOML time value is accepted as well).
Clock = Annotated[str, BeforeValidator(_toml_clock)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OsmSource(_Strict):
    """Where the OSM data comes from: a local file, or a place name to download once."""

    file: FilePath | None = None
    place: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> OsmSource:
        if not self.file and not self.place:
            raise ValueError("weder 'file' noch 'place' angegeben")
        return self


class Depot(_Strict):
    """A site where teams start and end (the Jobcenter)."""

    name: Text
    address: Text
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)

    @model_validator(mode="after")
    def _not_swapped(self) -> Depot:
        # the teams files' rule: found here, naming the depot, not later at every team
        # whose start is the depot
        if self.lon is not None and self.lat is not None and looks_swapped(self.lon, self.lat):
            raise PydanticCustomError(FIELD_PROBLEMS, "{text}", {"problems": [(
                ("lat", "lon"), f"lat = {self.lat}, lon = {self.lon} sehen vertauscht aus: in "
                             "Deutschland ist lat (Breite) etwa 47 bis 55, lon (Länge) etwa "
                             "6 bis 15")], "text": "vertauscht"})
        return self


class DistrictSettings(_Strict):
    """Where district polygons come from (see ``geodata.districts``)."""

    source: Literal["osm", "file", "auto"] = "auto"
    admin_level: int = Field(default=10, ge=2, le=12)
    file: FilePath | None = None
    name_column: str | None = None
    #: Known district names in OSM spelling (other spellings are mapped onto them).
    names: list[str] = Field(default_factory=list)


#: The default of ``[workday] balance_minutes`` (measured with ``bench/week.py --balance``).
BALANCE_MINUTES = 10
#: The default of ``[workday] outside_minutes``: what a visit outside a team's districts
#: costs under soft responsibility (``bench/districts.py`` measured 1,800 s: 67 % of the
#: visits outside without it, 32 % with it).
OUTSIDE_MINUTES = 30


class Workday(_Strict):
    """The default working day of a team."""

    start: Clock = "08:00"
    end: Clock = "16:00"
    lunch_start: Clock = "12:00"
    lunch_end: Clock = "13:30"
    lunch_minutes: Annotated[int, Field(ge=0, le=180)] = 30
    visit_minutes: Annotated[int, Field(ge=5, le=480)] = 45
    #: each second a team's day lasts (from leaving to coming back: travel, visits and
    #: waiting, not the lunch break) costs this many seconds of travel in the plan's
    #: objective (``routing.model.Problem.span_cost``): an idle wait at an appointment is
    #: filled with other visits or the team starts later. 0: travel time only.
    span_cost: Annotated[int, Field(ge=0, le=10)] = 1
    #: each visit a team has in the plan's span above its share (the visits that can be
    #: planned, in proportion to the team's working time in the span) costs this many
    #: minutes of travel in the plan's objective (``routing.model.Problem.team_balance``):
    #: the teams share the work instead of one taking all while another stays idle.
    #: Serving visits (and urgent ones) still comes first. 0: off.
    balance_minutes: Annotated[int, Field(ge=0, le=60)] = BALANCE_MINUTES
    #: how binding a team's districts (its ``stadtteile`` in the teams file) are:
    #: "soft" ("weich"): it takes visits elsewhere too, each costing ``outside_minutes``;
    #: "hard" ("hart"): it takes visits of its districts only (a visit of a district no
    #: team is responsible for stays unplanned, with the reason). A team without
    #: districts takes visits anywhere either way (``routing.model.Problem.responsibility``).
    responsibility: Literal["soft", "hard", "weich", "hart"] = "soft"
    #: soft responsibility: each visit a team with districts makes outside them costs this
    #: many minutes of travel in the plan's objective (``Problem.outside_cost``); 0: off
    outside_minutes: Annotated[int, Field(ge=0, le=240)] = OUTSIDE_MINUTES
    #: each district beyond the first in one team-day costs this many minutes of travel
    #: (``Problem.district_cost``): a team's day stays in few districts, whether or not the
    #: teams have districts of their own. 0 (default): off
    district_minutes: Annotated[int, Field(ge=0, le=120)] = 0
    weekdays: list[str] = Field(default_factory=lambda: list(WEEKDAYS_DE[:5]), min_length=1)

    @field_validator("responsibility")
    @classmethod
    def _responsibility(cls, v: str) -> str:
        # the German words as the library's: "weich" is "soft", "hart" is "hard"
        return {"weich": "soft", "hart": "hard"}.get(v, v)

    @field_validator("start", "end", "lunch_start", "lunch_end")
    @classmethod
    def _clock(cls, v: str) -> str:
        parse_clock(v)
        return v

    @field_validator("weekdays", mode="before")
    @classmethod
    def _days(cls, v: Any) -> Any:
        # read as a teams file's "tage": ["Montag", "Dienstag"], "Mo-Fr", "werktags"; kept
        # as the short names (["Mo", "Di"]); an empty list is left to min_length
        if not v:
            return v
        return [WEEKDAYS_DE[d] for d in sorted(parse_weekdays(v))]

    @model_validator(mode="after")
    def _order(self) -> Workday:
        def minutes(v: str) -> int:
            t = parse_clock(v)
            return t.hour * 60 + t.minute

        start, end = minutes(self.start), minutes(self.end)
        ls, le = minutes(self.lunch_start), minutes(self.lunch_end)
        day, window = f"{self.start}–{self.end}", f"{self.lunch_start}–{self.lunch_end}"
        problems: list[tuple[str, str]] = []
        if end <= start:
            problems.append(("end", f"das Ende des Arbeitstags ({self.end}) liegt nicht nach "
                                    f"dem Beginn ({self.start})"))
        if le <= ls:
            problems.append(("lunch_end", f"das Ende des Mittagspausen-Fensters ({self.lunch_end}) "
                                          f"liegt nicht nach dem Beginn ({self.lunch_start})"))
        elif self.lunch_minutes and not problems:  # lunch_minutes = 0: no lunch break
            if not start <= ls < end:
                problems.append(("lunch_start", f"das Mittagspausen-Fenster {window} liegt nicht "
                                                f"im Arbeitstag {day}"))
            elif le > end:
                problems.append(("lunch_end", f"das Mittagspausen-Fenster {window} endet nach "
                                              f"dem Arbeitstag {day}"))
            if self.lunch_minutes > le - ls:
                problems.append(("lunch_minutes", f"{self.lunch_minutes} Minuten Pause passen "
                                                  f"nicht in das Fenster {window} "
                                                  f"({le - ls} Minuten)"))
        if not problems and self.visit_minutes > end - start:
            problems.append(("visit_minutes", f"ein Besuch von {self.visit_minutes} Minuten "
                                              f"passt nicht in den Arbeitstag {day}"))
        if problems:
            raise PydanticCustomError(FIELD_PROBLEMS, "{text}", {
                "problems": problems, "text": "; ".join(f"{k}: {m}" for k, m in problems)})
        return self


class TeamDefault(_Strict):
    """A default team of the profile (used when ``--teams`` is not given). The keys of a
    teams file (``mitglieder``, ``sprachen``, ``schicht``, ``modus``, ``max_besuche``,
    ``stadtteile``) work as well as the English ones."""

    id: str
    members: list[str] = Field(default_factory=list,
                               validation_alias=AliasChoices("members", "mitglieder"))
    skills: list[str] = Field(default_factory=list,
                              validation_alias=AliasChoices("skills", "sprachen"))
    #: the team's working hours ("8:00-16:00"; default: the profile's ``[workday]``)
    shift: str | None = Field(default=None, validation_alias=AliasChoices("shift", "schicht"))
    mode: Literal["walk", "bike", "drive"] | None = Field(
        default=None, validation_alias=AliasChoices("mode", "modus"))
    max_visits_per_day: int | None = Field(
        default=None, ge=1, le=50,
        validation_alias=AliasChoices("max_visits_per_day", "max_besuche"))
    #: the districts the team is responsible for (checked against the city's districts
    #: when a plan is built); empty: the whole city
    districts: list[str] = Field(default_factory=list,
                                 validation_alias=AliasChoices("districts", "stadtteile"))

    @field_validator("shift")
    @classmethod
    def _shift(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                parse_band(v)
            except FieldError as exc:
                raise ValueError(str(exc)) from None
        return v


#: Map defaults: the OSM tile server and the ODbL attribution (one definition; the map
#: renderer in ``hausbesuch.maps`` uses these too).
DEFAULT_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_ATTRIBUTION = "© OpenStreetMap-Mitwirkende"
OSM_COPYRIGHT_URL = "https://www.openstreetmap.org/copyright"


class MapSettings(_Strict):
    """Map tiles and navigation links."""

    tile_url: str = DEFAULT_TILE_URL
    attribution: str = DEFAULT_ATTRIBUTION
    max_zoom: int = Field(default=19, ge=1, le=22)
    google_maps_links: bool = False
    osm_directions_links: bool = False


#: Placeholders a letter text may use (see :class:`LetterSettings`).
LETTER_PLACEHOLDERS = {
    "name": "Name der Kundin / des Kunden (ohne Anrede wie „Herrn“ oder „Frau“)",
    "kundennummer": "Kundennummer",
    "wochentag": "Wochentag des Besuchs, z. B. Dienstag",
    "datum": "Datum des Besuchs, z. B. 08.12.2026",
    "datum_lang": "Datum ausgeschrieben, z. B. 8. Dezember 2026",
    "von": "Beginn des angekündigten Zeitfensters, z. B. 10:00",
    "bis": "Ende des angekündigten Zeitfensters, z. B. 12:00",
    "wer_kommt": "wer kommt, nach der Größe des Teams, z. B. „kommen zwei Mitarbeiterinnen "
                 "oder Mitarbeiter“ oder „kommt eine Mitarbeiterin oder ein Mitarbeiter“",
    "absender": "Absender (Name der Stelle)",
    "ansprechpartner": "Ansprechperson",
    "telefon": "Telefonnummer",
    "telefonzeiten": "Telefonzeiten",
    "email": "E-Mail-Adresse",
    "angekuendigt_am": "Datum des früheren Briefs (nur im Korrektur-, Absage- und Folgebrief)",
}

#: What every announcement says after its opening line: when, who comes, voluntary, how
#: to change the date, data protection (the first and the follow-up text share it).
_ANNOUNCEMENT_BODY = """\
**am {wochentag}, {datum_lang}, zwischen {von} und {bis} Uhr.**

Zu Ihnen {wer_kommt} der Aufsuchenden Beratung; den Dienstausweis zeigen wir Ihnen \
gern. Wir möchten mit Ihnen besprechen, wie es Ihnen geht und wobei wir Sie unterstützen \
können.

Der Besuch ist freiwillig. Wenn Sie nicht zu Hause sind oder uns nicht hereinbitten möchten, \
entstehen Ihnen dadurch keine Nachteile.

Passt Ihnen der Termin nicht? Dann rufen Sie uns bitte an: {telefon} ({telefonzeiten}). Wir \
vereinbaren gern einen anderen Termin, auf Wunsch auch im Jobcenter oder an einem anderen Ort.

Datenschutz: Ihre Daten unterliegen dem Sozialgeheimnis (§ 35 SGB I). Wir verwenden sie nur \
für die Beratung und geben sie nicht an Dritte weiter. Auskunft über Ihre gespeicherten Daten \
erhalten Sie bei Ihrer Ansprechperson.
"""

DEFAULT_LETTER_TEXT = """\
wir möchten Sie gern persönlich kennenlernen und besuchen Sie deshalb zu Hause:

""" + _ANNOUNCEMENT_BODY

DEFAULT_CORRECTION_TEXT = """\
mit unserem Schreiben vom {angekuendigt_am} haben wir Ihnen einen Hausbesuch angekündigt:

**am {wochentag}, {datum_lang}, zwischen {von} und {bis} Uhr.**

Diesen Termin können wir leider nicht einhalten. Bitte entschuldigen Sie. Sie müssen an diesem \
Tag nicht auf uns warten. Wir schlagen Ihnen einen neuen Termin vor.

Wenn Sie vorher mit uns sprechen möchten, erreichen Sie uns unter {telefon} \
({telefonzeiten}).

Datenschutz: Ihre Daten unterliegen dem Sozialgeheimnis (§ 35 SGB I). Wir verwenden sie nur \
für die Beratung und geben sie nicht an Dritte weiter.
"""

#: The text of a cancellation (``absage_text``): a visit whose case is no longer open
#: (closed, in Klärung, reached) is called off, and unlike ``korrektur_text`` (a visit the
#: plan could not keep) no new date is promised.
DEFAULT_CANCELLATION_TEXT = """\
mit unserem Schreiben vom {angekuendigt_am} haben wir Ihnen einen Hausbesuch angekündigt:

**am {wochentag}, {datum_lang}, zwischen {von} und {bis} Uhr.**

Der angekündigte Besuch entfällt. Sie müssen an diesem Tag nicht auf uns warten.

Wenn Sie Fragen haben, erreichen Sie uns unter {telefon} ({telefonzeiten}).

Datenschutz: Ihre Daten unterliegen dem Sozialgeheimnis (§ 35 SGB I). Wir verwenden sie nur \
für die Beratung und geben sie nicht an Dritte weiter.
"""


#: The text of a follow-up announcement (``folge_text``): a client who had a letter for an
#: earlier visit (called off since, or nobody opened), or whom a visit already met (an
#: outcome ``angetroffen``, ``verweigert`` or ``termin_vereinbart``), is not greeted as
#: someone not yet met. It promises what the first text promises, nothing more.
DEFAULT_FOLLOW_UP_TEXT = """\
wir haben einen neuen Termin für einen Hausbesuch bei Ihnen geplant:

""" + _ANNOUNCEMENT_BODY


#: Placeholders with a value only in a letter that refers to an earlier one (correction,
#: cancellation, follow-up): refused in ``betreff``, ``anrede`` and ``text``. In a
#: follow-up letter it is the date of the case's last earlier letter; a follow-up for a
#: case without one (met at the door, never announced) then takes the built-in follow-up
#: texts (:func:`hausbesuch.letters.follow_up_text`), the run's other letters as usual.
CORRECTION_ONLY_PLACEHOLDERS = frozenset({"angekuendigt_am"})


def placeholder_names(text: str) -> set[str]:
    """The placeholders of a text already checked by :func:`_check_placeholders`."""
    import string

    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}


def _check_placeholders(text: str) -> str:
    import string

    try:
        fields = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(text)
                  if f is not None]
    except ValueError as exc:
        # Python's message is English ("Single '}' encountered in format string")
        said = str(exc)
        why = ("eine schließende Klammer } ohne öffnende" if "Single '}'" in said
               else "eine öffnende Klammer { ohne schließende"
               if "Single '{'" in said or "expected '}'" in said
               else "die geschweiften Klammern passen nicht zueinander")
        raise ValueError(f"Platzhalter nicht lesbar ({why}); geschweifte Klammern als "
                         "{{ }} schreiben") from None
    names = [f for f, _, _ in fields]
    bad = sorted({n for n in names if n not in LETTER_PLACEHOLDERS})
    if bad:
        raise ValueError(
            f"unbekannte Platzhalter {', '.join('{' + b + '}' for b in bad)}; erlaubt: "
            + ", ".join("{" + k + "}" for k in LETTER_PLACEHOLDERS)
        )
    # a format spec or conversion ({datum:%d.%m.}, {name:x}, {name!r}, {name:>300}) would
    # crash the letter run or print quotes and padding: only the bare placeholder is filled
    for f, spec, conv in fields:
        if spec or conv:
            written = "{" + f + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
            raise ValueError(
                f"Platzhalter {written}: Formatangaben (nach „:“ oder „!“) sind nicht erlaubt; "
                f"bitte nur {{{f}}} schreiben"
            )
    return text


class LetterSettings(_Strict):
    """Announcement letters (``[brief]``): sender, contact and the texts with placeholders.

    ``absender``, ``anschrift`` and ``telefon`` have no default: a letter run refuses to
    start without them (a letter must say who writes and how to reschedule; the first
    depot's name is an internal label, no sender: QA 44b F3). Texts
    are plain text: paragraphs separated by a blank line, ``**…**`` for bold, placeholders
    in braces (:data:`LETTER_PLACEHOLDERS`).
    """

    absender: str = ""
    abteilung: str = "Aufsuchende Beratung"
    anschrift: list[str] = Field(default_factory=list)  # lines below the sender's name
    ruecksendeangabe: str = ""
    ansprechpartner: str = "Team Aufsuchende Beratung"
    telefon: str = ""
    telefonzeiten: str = "Mo–Fr 8–12 Uhr"
    email: str = ""
    logo: FilePath | None = None  # PNG, JPEG or SVG file, profile-relative
    betreff: str = "Ihr Hausbesuch am {wochentag}, {datum}"
    anrede: str = "Guten Tag {name},"
    text: str = DEFAULT_LETTER_TEXT
    korrektur_betreff: str = "Absage: Ihr Hausbesuch am {wochentag}, {datum}"
    korrektur_text: str = DEFAULT_CORRECTION_TEXT
    absage_betreff: str = "Absage: Ihr Hausbesuch am {wochentag}, {datum}"
    absage_text: str = DEFAULT_CANCELLATION_TEXT
    #: the announcement of a client whose earlier announced visit was called off or who
    #: was met at a visit before (:func:`hausbesuch.letters.follow_ups`)
    folge_betreff: str = "Neuer Termin: Ihr Hausbesuch am {wochentag}, {datum}"
    folge_text: str = DEFAULT_FOLLOW_UP_TEXT
    gruss: str = "Mit freundlichen Grüßen"
    unterschrift: list[str] = Field(default_factory=lambda: ["Ihr Team der Aufsuchenden Beratung"])
    fusszeile: str = ""
    #: working days (Monday to Friday without the holidays of ``[casework]``) a letter takes
    #: from its date to the letterbox: a visit on that day or an earlier one is listed as one the letter
    #: reaches too late (phone the client instead); 0: no such check
    postlaufzeit_werktage: int = Field(default=2, ge=0, le=10)

    @field_validator("betreff", "anrede", "text", "korrektur_betreff", "korrektur_text",
                     "absage_betreff", "absage_text", "folge_betreff", "folge_text")
    @classmethod
    def _placeholders(cls, v: str) -> str:
        return _check_placeholders(v)

    @field_validator("betreff", "anrede", "text")
    @classmethod
    def _first_letter(cls, v: str) -> str:
        """The first announcement (and the salutation every letter shares) knows no earlier
        letter: ``{angekuendigt_am}`` would print empty („angekündigt am , …“, QA 27 F4)."""
        if "angekuendigt_am" in placeholder_names(v):
            raise ValueError(
                "Platzhalter {angekuendigt_am} (Datum des ersten Briefs) hat im "
                "Ankündigungsbrief keinen Wert, er bliebe leer; er gilt nur in "
                "korrektur_betreff, korrektur_text, absage_betreff, absage_text, "
                "folge_betreff und folge_text. Erlaubt "
                "hier: " + ", ".join("{" + k + "}" for k in LETTER_PLACEHOLDERS
                                     if k not in CORRECTION_ONLY_PLACEHOLDERS))
        return v


class CaseRules(_Strict):
    """How visit outcomes drive the next plan (see :mod:`hausbesuch.casework.rules`)."""

    #: German Land for public holidays (ISO 3166-2 code without "DE-": HE, BY, NW, ...);
    #: required: a default would silently plan on another Land's holidays (QA 18b #4)
    land: str
    #: ``nicht_angetroffen``: next try not before this many working days later
    after_miss_working_days: int = Field(default=2, ge=0, le=60)
    #: ``nachricht_hinterlassen``: next try after this many working days
    after_message_working_days: int = Field(default=5, ge=0, le=60)
    #: failed tries (since the last contact) after which the client goes to ``in_klaerung``
    max_failed_tries: int = Field(default=3, ge=1, le=20)
    #: boundary between morning and afternoon for "another time of day"
    noon: Clock = "12:00"
    #: on the weekday of a failed try, no revisit starts closer than this many minutes to
    #: the try's time of day, whichever half of the day (0: the half-day rule alone)
    revisit_min_gap_min: int = Field(default=120, ge=0, le=720)
    #: the town's own days off beyond the Land's holidays: ``"15.08."`` (every year),
    #: ``"15.08. Mariä Himmelfahrt"`` (with its name), ``"08.08.2027"`` (once)
    local_holidays: list[str] = Field(default_factory=list, max_length=60)
    #: working days that end early for every team: ``"24.12. bis 12:00"`` (every year),
    #: ``"31.12. bis 12:00 Silvester"`` (with its name), ``"23.12.2027 bis 13:30"`` (once)
    short_days: list[str] = Field(default_factory=list, max_length=60)
    #: status after an outcome (outcome -> status); ``fehlversuche``: after too many failures
    status_after: dict[str, Literal["offen", "erreicht", "in_klaerung", "abgeschlossen"]] = Field(
        default_factory=lambda: {"angetroffen": "erreicht", "verweigert": "abgeschlossen",
                                 "verzogen": "in_klaerung", "fehlversuche": "in_klaerung"})
    #: the form of a Kundennummer in the case-management software, a regular expression
    #: the whole id of a list row must match (:func:`re.fullmatch`), e.g.
    #: ``'[0-9]{3}[A-Z][0-9]{6}'``; empty: an id with five letters in a row is refused
    #: (:func:`hausbesuch.clients.id_form_problem`)
    kundennummer_muster: str = Field(default="", max_length=500)
    #: a made-up id of that form, named in the reason of a refused row (never a real one)
    kundennummer_beispiel: str = Field(default="", max_length=64)

    @field_validator("kundennummer_muster")
    @classmethod
    def _id_pattern(cls, v: str) -> str:
        id_pattern(v)
        return v

    @model_validator(mode="after")
    def _id_example(self) -> CaseRules:
        problem = ""
        form = id_pattern(self.kundennummer_muster)
        if self.kundennummer_beispiel and form is None:
            problem = ("gilt nur mit kundennummer_muster: bitte das Format der Kundennummern "
                       "als regulären Ausdruck angeben, z. B. kundennummer_muster = "
                       "'[0-9]{3}[A-Z][0-9]{6}'")
        elif form is not None and self.kundennummer_beispiel \
                and not form.fullmatch(self.kundennummer_beispiel):
            problem = (f"„{self.kundennummer_beispiel}“ passt nicht zu kundennummer_muster: "
                       "das Beispiel muss das erwartete Format zeigen")
        if problem:
            raise PydanticCustomError(FIELD_PROBLEMS, "{text}", {"problems": [(
                "kundennummer_beispiel", problem)], "text": problem})
        return self

    def id_form(self) -> dict[str, Any]:
        """Keyword arguments for :func:`hausbesuch.clients.read_clients`: the compiled
        ``kundennummer_muster`` (None without one) and the ``kundennummer_beispiel``."""
        return {"id_pattern": id_pattern(self.kundennummer_muster),
                "id_example": self.kundennummer_beispiel}

    @field_validator("noon")
    @classmethod
    def _noon(cls, v: str) -> str:
        parse_clock(v)
        return v

    @field_validator("land")
    @classmethod
    def _land(cls, v: str) -> str:
        if not str(v).strip():  # only the nationwide holidays: another Land's working days
            raise ValueError(f"ist leer: {_LAND_EXAMPLE}")
        return parse_land(v)  # "BY", "Bayern", "DE-BY" -> "BY"

    @field_validator("local_holidays")
    @classmethod
    def _local_holidays(cls, v: list[str]) -> list[str]:
        for text in v:
            _local_holiday(text)
        return v

    @field_validator("short_days")
    @classmethod
    def _short_days(cls, v: list[str]) -> list[str]:
        seen: dict[tuple[int, int, int | None], str] = {}
        for text in v:
            s = _short_day(text)
            if (key := (s.day, s.month, s.year)) in seen:  # (QA 41 F7: the first one won)
                raise ValueError(f"„{text}“ nennt denselben Tag wie „{seen[key]}“: bitte "
                                 "jeden Tag nur einmal eintragen")
            seen[key] = text
        return v

    @model_validator(mode="after")
    def _short_and_off(self) -> CaseRules:
        """A day both off (``local_holidays``) and short (``short_days``) is refused: which
        one is meant is not clear (QA 41 F7). So is a short day that is never a working
        day: a date on a weekend or a public holiday of the Land, or a day of every year
        that is a public holiday every year (25.12.); the plans would ignore it without a
        word (QA 41 F7)."""
        off = [_local_holiday(t) for t in self.local_holidays]
        for text in self.short_days:
            s = _short_day(text)
            if any((h.day, h.month) == (s.day, s.month)
                   and (h.year is None or s.year is None or h.year == s.year) for h in off):
                problem = (f"„{text}“ steht auch unter local_holidays (ein freier Tag): "
                           "bitte nur an einer Stelle eintragen")
            else:
                problem = _short_day_off(text, s, self.land)
            if problem:
                raise PydanticCustomError(FIELD_PROBLEMS, "{text}", {"problems": [(
                    "short_days", problem)], "text": problem})
        return self

    def calendar(self) -> Any:
        """The :class:`hausbesuch.casework.rules.WorkCalendar` of these rules: the Land's
        public holidays, the ``local_holidays`` and the ``short_days``."""
        from hausbesuch.casework.rules import WorkCalendar

        return WorkCalendar(self.land, tuple(_local_holiday(t) for t in self.local_holidays),
                            tuple(_short_day(t) for t in self.short_days))

    @property
    def noon_min(self) -> int:
        t = parse_clock(self.noon)
        return t.hour * 60 + t.minute


def id_pattern(text: str) -> re.Pattern[str] | None:
    """``[casework] kundennummer_muster`` compiled (None when empty); German error for a
    pattern Python cannot read, naming the place of the mistake."""
    if not text.strip():
        return None
    try:
        return re.compile(text)
    except re.error as exc:
        where = f" an Stelle {exc.pos + 1}" if exc.pos is not None else ""
        raise ValueError(
            f"ist kein gültiger regulärer Ausdruck (Fehler{where}; Python meldet: "
            f"{exc.msg}); z. B. '[0-9]{{3}}[A-Z][0-9]{{6}}' für „123A456789“ oder "
            "'K-[0-9]+' für „K-1042“ (in einfachen Anführungszeichen, damit TOML "
            "Backslashes nicht deutet)") from None


_RE_LOCAL_HOLIDAY = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})?(?:\s+(\D.*))?")


def _local_holiday(text: str) -> Any:
    """``"15.08. Mariä Himmelfahrt"`` -> a :class:`hausbesuch.casework.rules.LocalHoliday`
    (German error naming the entry and the forms)."""
    from hausbesuch.casework.rules import LOCAL_HOLIDAY, LocalHoliday

    m = _RE_LOCAL_HOLIDAY.fullmatch(str(text).strip())
    day = month = 0
    year = None
    if m:
        day, month = int(m[1]), int(m[2])
        year = int(m[3]) if m[3] else None
        try:
            date(year or 2024, month, day)  # 2024: 29.02. is a day of some years
        except ValueError:
            m = None
    if m is None:
        raise ValueError(f"„{text}“ ist kein Tag: erwartet TT.MM. (jedes Jahr) oder "
                         "TT.MM.JJJJ (einmal), optional mit Namen, z. B. "
                         "\"15.08. Mariä Himmelfahrt\"")
    return LocalHoliday(day, month, year, (m[4] or "").strip()[:80] or LOCAL_HOLIDAY)


_RE_SHORT_DAY = re.compile(
    r"(\d{1,2})\.(\d{1,2})\.(\d{4})?\s+bis\s+(\d{1,2}:\d{2})(?:\s+(\D.*))?", re.IGNORECASE)


def _short_day(text: str) -> Any:
    """``"24.12. bis 12:00 Heiligabend"`` -> a :class:`hausbesuch.casework.rules.ShortDay`
    (German error naming the entry and the forms)."""
    from hausbesuch.casework.rules import SHORT_DAY, ShortDay

    m = _RE_SHORT_DAY.fullmatch(str(text).strip())
    end = None
    if m:
        try:
            date(int(m[3]) if m[3] else 2024, int(m[2]), int(m[1]))
            end = parse_clock(m[4])
        except ValueError:
            m = None
    if m is None or end is None or not (time(4, 0) <= end <= time(23, 0)):
        raise ValueError(f"„{text}“ ist kein verkürzter Arbeitstag: erwartet TT.MM. (jedes "
                         "Jahr) oder TT.MM.JJJJ (einmal), dann „bis“ und die Uhrzeit, zu der "
                         "die Arbeit endet (zwischen 04:00 und 23:00), optional mit Namen, "
                         "z. B. \"24.12. bis 12:00 Heiligabend\"")
    return ShortDay(int(m[1]), int(m[2]), end.hour * 60 + end.minute,
                    int(m[3]) if m[3] else None, (m[5] or "").strip()[:80] or SHORT_DAY)


def _short_day_off(text: str, short: Any, land: str) -> str:
    """Why the short day ``short`` (entry ``text``) can never end a working day, or "": a
    date on a Saturday, a Sunday or a public holiday of ``land``; a day of every year that
    is a public holiday of ``land`` in each of seven years in a row (every weekday once:
    a fixed holiday such as 25.12. or 03.10.)."""
    from hausbesuch.casework.rules import WorkCalendar

    cal = WorkCalendar(land)
    if short.year is not None:
        d = date(short.year, short.month, short.day)
        if d.weekday() >= 5:
            return (f"„{text}“: {format_day(d)} fällt auf ein Wochenende, kein Arbeitstag: "
                    "bitte einen Arbeitstag eintragen")
        if (name := cal.holiday_name(d)) is not None:
            return (f"„{text}“: {format_day(d)} ist ein Feiertag in {land} ({name}), kein "
                    "Arbeitstag: bitte einen Arbeitstag eintragen")
        return ""
    years = range(2024, 2031)  # (29.02.: only 2024 and 2028 have it)
    days = [date(y, short.month, short.day) for y in years
            if short.month != 2 or short.day != 29 or y % 4 == 0]
    if all(cal.holiday_name(d) is not None for d in days):
        return (f"„{text}“: der {short.day:02d}.{short.month:02d}. ist jedes Jahr ein "
                f"Feiertag in {land} ({cal.holiday_name(days[0])}), kein Arbeitstag: bitte "
                "einen Arbeitstag eintragen")
    return ""


def parse_band(value: str) -> tuple[int, int]:
    """``"8:00-10:00"``, ``"8-10"``, ``"8 bis 10 Uhr"`` → ``(480, 600)`` minutes of the day,
    read as a team's ``schicht`` (German error on failure)."""
    start, end = parse_clock_range(value)
    if end <= start:
        raise FieldError(f"das Zeitband „{value}“ endet nicht nach seinem Beginn")
    return start, end


class Reachability(_Strict):
    """When people are at home: the contact model learned from outcomes (``hausbesuch.athome``).

    ``mode``: ``"anzeigen"`` (the default: show the estimated chance of contact on pages,
    plan as without the model), ``"modell"`` (plan revisits where contact is likely),
    ``"aus"`` (no model at all), ``"zufall"`` (revisits at a random band: a baseline for
    comparisons). ``"modell"`` is not the default because the simulator shows only a
    small gain for its extra travel (README, "When people are at home").
    """

    mode: Literal["anzeigen", "modell", "aus", "zufall"] = "anzeigen"
    #: time bands of the day (service start), ordered and disjoint
    bands: list[str] = Field(
        default_factory=lambda: ["08:00-10:00", "10:00-12:00", "12:00-14:00", "14:00-16:00"],
        min_length=1,
    )
    #: neutral contact rate of a city without outcomes, and its weight in tries
    prior_rate: float = Field(default=0.5, gt=0, lt=1)
    prior_strength: float = Field(default=4.0, gt=0)
    #: how much a try counts for the same band on other weekdays / for the neighbour band
    weekday_weight: float = Field(default=0.5, ge=0, le=1)
    neighbour_weight: float = Field(default=0.25, ge=0, le=1)
    #: keep the bands whose chance is at least this share of the client's best
    keep_factor: float = Field(default=0.6, gt=0, le=1)
    #: what planning narrows a visit to: half-days ("halbtag") or single bands ("band")
    planning_unit: Literal["halbtag", "band"] = "halbtag"
    #: how planning uses the chances: "abwaegen" (every window of a visit stays; the
    #: solver weighs its chance in each against the walk, at ``contact_minutes`` per
    #: expected contact: ``hausbesuch.athome.alternative_visits``), "eingrenzen" (the
    #: windows are narrowed to the good cells: ``planning_unit``, ``keep_factor``)
    planning: Literal["abwaegen", "eingrenzen"] = "abwaegen"
    #: minutes of walking one expected contact is worth ("abwaegen"); 60: a try where
    #: nobody opens costs the pair about an hour (the visit, the way, the next letter),
    #: so a contact is worth at least that (QA 42a F1: with 20 the last allowed try of a
    #: client went into a morning at 3 % beside afternoons at 60-70 % and free team-days)
    contact_minutes: float = Field(default=60.0, gt=0, le=480)
    #: levels of chance a visit's windows are grouped in, one alternative each ("abwaegen")
    levels: int = Field(default=3, ge=1, le=6)
    #: how much planning also tries half-days it knows little about (0: it plans with
    #: the estimated chances; 1: with one draw from their uncertainty per plan, so that
    #: the model keeps learning what its own plans would not try: ``hausbesuch.athome.
    #: ContactModel.explored``); ``"modell"`` only
    explore: float = Field(default=0.0, ge=0, le=2)
    #: after solving, routes are reordered so that visits start when contact is likely,
    #: with at most this share of extra travel per route (0: not reordered)
    reorder_extra_travel: float = Field(default=0.05, ge=0, le=1)

    @field_validator("bands")
    @classmethod
    def _bands(cls, v: list[str]) -> list[str]:
        parsed = [parse_band(b) for b in v]
        for (_, e), (s, _) in zip(parsed, parsed[1:], strict=False):
            if s < e:
                raise ValueError("die Zeitbänder müssen aufsteigend sein und dürfen sich "
                                 "nicht überschneiden")
        return v

    def band_minutes(self) -> list[tuple[int, int]]:
        return [parse_band(b) for b in self.bands]


#: (lat, lon) of the example point of a profile whose depot has no known point
GERMANY_MIDDLE = (51.1634, 10.4477)


class Profile(_Strict):
    """A validated city profile."""

    name: Text
    osm: OsmSource
    depots: list[Depot] = Field(min_length=1)
    districts: DistrictSettings = Field(default_factory=DistrictSettings)
    default_mode: Literal["walk", "bike", "drive"] = "walk"
    workday: Workday = Field(default_factory=Workday)
    teams: list[TeamDefault] = Field(default_factory=list)
    map: MapSettings = Field(default_factory=MapSettings)
    brief: LetterSettings = Field(default_factory=LetterSettings)
    casework: CaseRules  # required for its ``land``
    erreichbarkeit: Reachability = Field(default_factory=Reachability)
    #: the profile's short name or file stem, and the folder it was read from (set by
    #: :func:`load_profile` from the path; a profile file that names them is refused)
    slug: str = ""
    origin: str = ""
    #: the file it was read from, resolved (set by :func:`load_profile`; no field, so that
    #: no key of a profile file, such as ``[districts] source``, can clash with it)
    _profile_file: str = PrivateAttr(default="")

    @property
    def profile_file(self) -> str:
        """The resolved path of the file the profile was read from ("" if not from a file)."""
        return self._profile_file

    @property
    def depot(self) -> Depot:
        return self.depots[0]

    def depot_point(self, geocode: Callable[[str], Any] | None = None
                    ) -> tuple[float, float] | None:
        """(lat, lon) of the first depot: as the profile gives it, else its address found by
        ``geocode`` (a geocoder's ``geocode``), else None."""
        depot = self.depot
        if depot.lat is not None and depot.lon is not None:
            return depot.lat, depot.lon
        if geocode is not None:
            found = geocode(depot.address)
            lat, lon = getattr(found, "lat", None), getattr(found, "lon", None)
            if lat is not None and lon is not None:
                return lat, lon
        return None

    def point_example(self, geocode: Callable[[str], Any] | None = None) -> str:
        """``"49.5118,11.2813"``: the first depot (:meth:`depot_point`) as the example of a
        point BREITE,LÄNGE in messages (rounded to 4 decimals), so that they show a point
        of the city worked on (QA 18b #9); else the middle of Germany."""
        lat, lon = self.depot_point(geocode) or GERMANY_MIDDLE
        return f"{lat:.4f},{lon:.4f}"


def available_profiles() -> list[str]:
    """Short names of the shipped profiles."""
    return sorted(p.stem for p in PROFILE_DIR.glob("*.toml"))


def _profile_path(name_or_path: str | os.PathLike[str]) -> Path:
    text = str(name_or_path)
    if text in available_profiles():
        return PROFILE_DIR / f"{text}.toml"
    p = Path(text).expanduser()
    if p.suffix.lower() == ".toml" or p.exists() or "/" in text:
        if not p.exists():
            raise ProfileError(f"Profildatei nicht gefunden: {p}")
        return p
    raise ProfileError(
        f"Unbekanntes Stadtprofil „{text}“. Verfügbar: {', '.join(available_profiles())}; "
        "oder der Pfad zu einer TOML-Datei."
    )


_GERMAN_ERRORS = {
    "missing": "fehlt",
    "extra_forbidden": "ist kein bekanntes Feld",
    "string_type": "muss ein Text sein",
    "int_type": "muss eine ganze Zahl sein",
    "int_parsing": "muss eine ganze Zahl sein",
    "float_type": "muss eine Zahl sein",
    "float_parsing": "muss eine Zahl sein",
    "bool_type": "muss true oder false sein",
    "bool_parsing": "muss true oder false sein",
    "int_from_float": "muss eine ganze Zahl sein",
    "int_parsing_size": "ist zu groß",
    "finite_number": "muss eine endliche Zahl sein",
    "list_type": "muss eine Liste sein",
    "dict_type": "muss eine Tabelle sein",
    "model_type": "muss eine Tabelle sein",
    "model_attributes_type": "muss eine Tabelle sein",
    "too_short": "darf nicht leer sein",
}


#: How a required section or key that is missing is written, as a German example.
_LAND_EXAMPLE = ('das Bundesland für die Feiertage, z. B. [casework] land = "BY" oder '
                 f'land = "Bayern" (erlaubt: das Kürzel {", ".join(LAENDER)} oder der Name '
                 'des Landes)')
_MISSING_EXAMPLES = {
    "casework": _LAND_EXAMPLE,
    "casework.land": _LAND_EXAMPLE,
    "depots": ('der Standort, an dem die Touren beginnen, z. B. [[depots]] name = '
               '"Jobcenter", address = "Am Markt 1, 12345 Musterstadt" (optional lat = …, '
               'lon = …); siehe hausbesuch/profiles/vorlage.toml.example'),
    "name": 'der Name der Stadt, z. B. name = "Musterstadt"',
    "osm": ('die OSM-Daten, z. B. [osm] file = "musterstadt.osm.pbf" oder '
            '[osm] place = "Musterstadt, Deutschland"'),
}


def _also_known(loc: tuple[Any, ...]) -> str:
    """A hint for an unknown key of a ``[[teams]]`` entry: the keys it knows (English or
    as in a teams file), or that a key is given twice in both spellings."""
    if len(loc) != 3 or loc[0] != "teams":
        return ""
    names = {f: [a for a in (info.validation_alias.choices if isinstance(
                 info.validation_alias, AliasChoices) else [f]) if isinstance(a, str)]
             for f, info in TeamDefault.model_fields.items()}
    for keys in names.values():
        if loc[2] in keys:
            return f" – doppelt: „{keys[0]}“ und „{keys[-1]}“ meinen dasselbe"
    known = ", ".join("/".join(dict.fromkeys(k)) for k in names.values())
    return (f" – bekannt in [[teams]] des Profils: {known}; alles Weitere (tage, start, "
            "mittag …) in einer Teams-Datei (--teams)")


def _sections() -> dict[str, tuple[str, type[BaseModel]]]:
    """The profile's sections: name -> (its TOML heading, its model)."""
    out: dict[str, tuple[str, type[BaseModel]]] = {}
    for name, info in Profile.model_fields.items():
        args = get_args(info.annotation)  # list[Depot] -> (Depot,)
        model = args[0] if args else info.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):
            out[name] = (f"[[{name}]]" if args else f"[{name}]", model)
    return out


def _misplaced(loc: tuple[Any, ...]) -> str:
    """A hint for an unknown key that is known elsewhere: a top-level key written below a
    table header (TOML scoping), or a key of a section written at the top or in another
    section (``google_maps_links`` -> ``[map]``, ``land`` under ``[brief]`` -> ``[casework]``)."""
    key = loc[-1]
    if key in {"slug", "origin"}:
        return ""
    sections = _sections()
    if len(loc) >= 2 and key in Profile.model_fields:
        header = sections[loc[0]][0] if loc[0] in sections else f"[{loc[0]}]"
        return (f" – nach der Überschrift {header} gehört in TOML jede Zeile zu dieser "
                f"Tabelle, „{key}“ also vor die erste Tabelle")
    homes = [header for name, (header, model) in sections.items()
             if key in model.model_fields and name != loc[0]]
    return f" – gehört unter {' oder '.join(homes)}" if homes else ""


def _field_name(loc: tuple[Any, ...]) -> str:
    """A field's place as written in messages: ``depots[0].lat``, ``workday.start``."""
    return "".join(f"[{x}]" if isinstance(x, int) else f".{x}" for x in loc).lstrip(".")


def _problem_fields(prefix: str, field: str | tuple[str, ...]) -> str:
    """The field(s) a problem of a section names, in German quotes: ``„workday.start“``,
    two fields of one entry as ``„depots[0].lat“/„lon“``."""
    first, *rest = (field,) if isinstance(field, str) else field
    return "/".join([f"„{prefix + '.' if prefix else ''}{first}“"] + [f"„{f}“" for f in rest])


def _german(err: dict[str, Any]) -> str:
    loc = _field_name(tuple(err["loc"])) or "(Profil)"
    kind = err["type"]
    if kind == FIELD_PROBLEMS:
        prefix = _field_name(tuple(err["loc"]))
        return "; ".join(f"Feld {_problem_fields(prefix, field)}: {msg}"
                         for field, msg in err["ctx"]["problems"])
    if kind in _GERMAN_ERRORS:
        msg = _GERMAN_ERRORS[kind]
    elif kind == "literal_error":
        expected = str(err.get("ctx", {}).get("expected", ""))
        head, sep, last = expected.rpartition(" or ")
        msg = f"muss einer dieser Werte sein: {head + ' oder ' + last if sep else expected}"
        msg = re.sub(r"'([^']*)'", r'"\1"', msg)  # pydantic's 'walk' in TOML's spelling
    elif kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        ctx = err.get("ctx", {})
        bound = next(iter(ctx.values()), "")
        word = {"greater_than_equal": "mindestens", "less_than_equal": "höchstens",
                "greater_than": "größer als", "less_than": "kleiner als"}[kind]
        if isinstance(bound, float):  # German decimals: „kleiner als 1“, „mindestens 0,5“
            bound = f"{bound:g}".replace(".", ",")
        msg = f"muss {word} {bound} sein"
    elif kind == "value_error":
        msg = str(err.get("ctx", {}).get("error", err["msg"]))
        if not msg.startswith(_GOES_ON):  # a sentence of its own: after a colon (QA 42a F4)
            msg = ": " + msg
    else:
        msg = err["msg"]
    value = err.get("input")
    if isinstance(value, time | date) and kind == "string_type":  # TOML's 08:00, no quotes
        msg = 'muss Text in Anführungszeichen sein, z. B. "08:00"'
    shown = "" if kind == "missing" or isinstance(value, dict) else \
        f" (Wert: {toml_spelling(value)})"
    hint = ((_misplaced(tuple(err["loc"])) or _also_known(tuple(err["loc"]))
             or _near_key(tuple(err["loc"])))
            if kind == "extra_forbidden" else "")
    if kind == "missing" and loc == "casework":  # the section holds just one required key
        loc = "casework.land"
    if kind == "missing" and loc in _MISSING_EXAMPLES:
        hint = f": {_MISSING_EXAMPLES[loc]}"
    return f"Feld „{loc}“{'' if msg.startswith(':') else ' '}{msg}{shown}{hint}"


#: how a validator's message may go on the field's name („Feld „name“ darf nicht leer
#: sein“); any other message is a sentence of its own („… „bands“: die Zeitbänder …“)
_GOES_ON = ("muss ", "darf ", "ist ", "enthält ", "hat ", "gehört ", "steht ")


def _near_key(loc: tuple[Any, ...]) -> str:
    """`` – gemeint „erreichbarkeit“?`` for an unknown key spelt like a known one of its
    place (a section of the profile, a key of a section), else "" (QA 42a F4: a misspelt
    ``[erreichbarkait]`` was only „kein bekanntes Feld“)."""
    import difflib

    if not loc or not isinstance(loc[-1], str):
        return ""
    model: Any = Profile
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part) if isinstance(model, type) else None
        if info is None:
            return ""
        args = get_args(info.annotation)
        model = args[0] if args else info.annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return ""
    known = [k for k in model.model_fields if k not in ("slug", "origin")]
    near = difflib.get_close_matches(loc[-1], known, n=1, cutoff=0.75)
    return f" – gemeint „{near[0]}“?" if near else ""


def load_profile(name_or_path: str | os.PathLike[str] | None = None) -> Profile:
    """Load and validate a profile by short name or path (default: Kassel)."""
    path = _profile_path(name_or_path or DEFAULT_PROFILE)
    raw = read_toml(path, what="Profil", error=ProfileError, array="[[depots]]",
                    table="[workday]", example='name = "Jobcenter Musterstadt"')
    for key in ("slug", "origin"):  # derived from the path; a file must not set them
        if key in raw:
            raise ProfileError(
                f"Ungültiges Profil {path.name}: Feld „{key}“ ist kein bekanntes Feld "
                "(Kurzname und Ordner eines Profils ergeben sich aus dem Dateipfad)."
            )
    raw["slug"] = path.stem
    raw["origin"] = str(path.resolve().parent)
    try:
        profile = Profile.model_validate(raw)
    except ValidationError as exc:
        details = "; ".join(_german(e) for e in exc.errors())
        raise ProfileError(f"Ungültiges Profil {path.name}: {details}") from None
    profile._profile_file = str(path.resolve())
    return profile


def profile_ref(profile: Profile) -> str:
    """How a plan or a job names the profile it was made with: the short name of a shipped
    profile (``bad-hersfeld``), else the file's absolute path, so that ``letters``,
    ``replan``, ``show`` and a planning worker started in another folder load exactly that
    profile, not a shipped one of the same city."""
    source = Path(profile.profile_file) if profile.profile_file else None
    if source is not None and source.parent == PROFILE_DIR.resolve() \
            and source.stem in available_profiles():
        return source.stem
    return str(source) if source is not None else profile.slug


def shared_data_dirs() -> list[Path]:
    """Candidate shared data folders (for the sample towns' extracts)."""
    out: list[Path] = []
    env = os.environ.get("HAUSBESUCH_DATA_DIR") or os.environ.get("HAUSBESUCH_SHARED_DATA")
    if env:
        out.append(Path(env))
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for parent in (start, *start.parents):
            cand = parent / "shared" / "data"
            if cand.is_dir() and cand not in out:
                out.append(cand)
    return out


def data_file_places(profile: Profile, name: str) -> list[tuple[Path, str]]:
    """Where a profile's data file ``name`` is looked for, in this order, each with how
    messages name the place: beside the profile, in the current folder, in the shared
    data folders (``HAUSBESUCH_SHARED_DATA``); an absolute path only as it is."""
    p = Path(name).expanduser()
    if p.is_absolute():
        return [(p, "")]
    return ([(Path(profile.origin) / p, "neben dem Profil"),
             (Path.cwd() / p, "im aktuellen Ordner")]
            + [(base / p, "im gemeinsamen Datenordner") for base in shared_data_dirs()])


def resolve_data_file(profile: Profile, name: str) -> Path | None:
    """Find a profile-relative data file; ``None`` when it exists nowhere."""
    for cand, _ in data_file_places(profile, name):
        if cand.exists():
            return cand
    return None


def _looked_for(profile: Profile, name: str) -> str:
    """The German list of the places a missing data file was looked for (QA 27 F8)."""
    places = data_file_places(profile, name)
    if len(places) == 1:
        return f"gesucht: {places[0][0]}"
    return "gesucht: " + "; ".join(f"{path} ({where})" for path, where in places) + \
        (" – den gemeinsamen Datenordner bestimmt HAUSBESUCH_SHARED_DATA"
         if not os.environ.get("HAUSBESUCH_DATA_DIR")
         and not os.environ.get("HAUSBESUCH_SHARED_DATA") else "")


def resolve_osm(
    profile: Profile,
    osm_override: str | os.PathLike[str] | None = None,
    *,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """The OSM extract to use: ``--osm`` if given, else the profile's file, else a download.

    A download happens only when the profile names a place and no local file is
    configured or found; it is cached (``geodata.download``), so it happens once.
    """
    from geodata.osm import check_extract

    if osm_override:
        return check_extract(osm_override)
    if profile.osm.file:
        found = resolve_data_file(profile, profile.osm.file)
        if found is not None:
            return check_extract(found)
        if not profile.osm.place:
            raise ProfileError(
                f"Die OSM-Datei des Profils „{profile.slug}“ wurde nicht gefunden: "
                f"{profile.osm.file} ({_looked_for(profile, profile.osm.file)}). Bitte "
                "[osm] file im Profil prüfen (ein absoluter Pfad ist am sichersten) oder mit "
                "--osm DATEI eine andere angeben."
            )
    from geodata.download import DownloadError, download_place

    if not profile.osm.place:
        raise ProfileError(f"Das Profil „{profile.slug}“ nennt weder eine OSM-Datei noch einen Ort.")
    levels = tuple(sorted({9, 10, profile.districts.admin_level}))
    try:
        return download_place(profile.osm.place, progress=progress, admin_levels=levels)
    except DownloadError as exc:
        about = (
            f"Das Profil „{profile.slug or profile.name}“ lädt {profile.osm.place} beim ersten "
            "Mal einmalig aus OpenStreetMap herunter (nur der Ortsname wird gesendet, nie "
            "Kundendaten)."
        )
        if not exc.server_problem:  # place unknown or no area: offline advice would not help
            raise ProfileError(f"{exc} {about}") from None
        # the download's own advice is replaced by this one (one advice, not two)
        raise ProfileError(
            f"{exc.reason} {about} Ohne Internetzugang: das Stadtprofil der eigenen Stadt "
            "mit ihrem OSM-Auszug (unter [osm] file) mit --city PROFIL angeben, einen lokalen "
            "Auszug mit --osm DATEI (z. B. einen Geofabrik-Auszug, auf die Stadt "
            "zugeschnitten) oder eine Beispielstadt nutzen: --city bad-hersfeld oder --city lauf."
        ) from None


def resolve_districts_file(profile: Profile, override: str | os.PathLike[str] | None = None) -> Path | None:
    """The user district file to use, if any (``--districts`` wins over the profile)."""
    if override:
        return Path(override)
    if profile.districts.file and profile.districts.source in {"file", "auto"}:
        found = resolve_data_file(profile, profile.districts.file)
        if found is None:
            raise ProfileError(
                f"Die Stadtteil-Datei des Profils „{profile.slug}“ wurde nicht gefunden: "
                f"{profile.districts.file}"
            )
        return found
    return None


def district_options(
    profile: Profile, override_file: str | os.PathLike[str] | None = None
) -> dict[str, Any]:
    """Keyword arguments for ``geodata.districts.load_districts`` from a profile.

    ``override_file`` (``--districts``) wins over the profile's file and forces the
    ``file`` source; otherwise the profile's source, admin level, name column and known
    names (for the historic spellings) apply.
    """
    s = profile.districts
    return {
        "districts_file": resolve_districts_file(profile, override_file),
        "admin_level": s.admin_level,
        "name_column": s.name_column,
        "source": "file" if override_file is not None else s.source,
        "known_names": list(s.names),
    }
