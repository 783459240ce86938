"""Teams: who visits, when, from where, how, with which skills.

Teams come from a TOML or CSV (or XLSX) file, or from the city profile's defaults when
``--teams`` is not given. Every problem is reported in German, naming the team and the field;
all problems of a file are reported at once.

TOML
----
::

    [defaults]                 # optional: applies to every team below
    schicht = "8:00-16:00"
    mittag = "12:00-13:30"     # window of the lunch break
    mittag_dauer = 30          # minutes; 0 or mittag = "keine": no lunch break
                               # (a shift of six hours or less inherits none)
    modus = "walk"             # walk | bike | drive (zu Fuß, Fahrrad, Auto)

    [[team]]
    id = "nord"
    mitglieder = ["A. Schmidt", "B. Yilmaz"]
    sprachen = ["Arabisch", "Türkisch"]
    start = "Am Markt 16, 36251 Bad Hersfeld"     # or [lon, lat] or {lon = .., lat = ..}
    ende = [9.7068, 50.8683]                       # default: the start (default: the depot)
    max_besuche = 6
    tage = "Mo-Fr"
    stadtteile = ["Johannesberg", "Hohe Luft"]     # optional: the team's districts

CSV / XLSX
----------
One row per team, headers as the TOML keys: ``id;mitglieder;sprachen;schicht;mittag;
mittag_dauer;start;start_lon;start_lat;ende;ende_lon;ende_lat;modus;max_besuche;tage;
stadtteile``. Members are separated by ``,`` ``;`` ``/`` ``|`` or ``+`` (a ``+`` that
begins a name, „+49 Herr“, is part of it); a name in double quotes is kept whole
(``"Müller, Anna", B. Yilmaz``: two members; ``teams --csv`` writes a name holding a
separator so, :func:`names_cell`, :func:`split_names`). Skills (``sprachen``, in a cell
and in each entry of a TOML list) are split as a client's ``sprache`` is
(:func:`hausbesuch.clients.split_skills`: „Farsi/Dari“ is Farsi and Dari), so that a
team's skills and a client's needs always compare alike; quotes do not keep a skill
whole. The districts (``stadtteile``) by ``,`` ``;`` or ``|`` only, as a district's name may hold a
``/`` (Kassel's tables write „Süsterfeld/Helleböhn“).

``stadtteile``: the districts (Stadtteile) the team is responsible for, spelled as the
city's districts are (``hausbesuch districts``); empty: the whole city. Which districts a
city has depends on its extract and district file, which this module does not read: the
names are checked against them where the teams are stored
(:func:`hausbesuch.team_store.save_teams`) and again when a plan is built
(:func:`hausbesuch.planning.builder.build_problem`), see :func:`district_problems`.

English keys (``members``, ``skills``, ``shift``, ``lunch``, ``lunch_minutes``, ``end``,
``mode``, ``max_visits``, ``days``, ``districts``) work as well. Unknown keys are an error (a typo must not
vanish silently). Times are minutes after midnight in :class:`TeamConfig`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hausbesuch.clients import split_skills
from hausbesuch.errors import UserError
from hausbesuch.fields import (
    WEEKDAYS_DE,
    FieldError,
    clean_text,
    format_clock,
    lonlat_problem,
    parse_clock_minutes,
    parse_clock_range,
    parse_weekdays,
)
from hausbesuch.safe_cells import read_back, shorten
from hausbesuch.tabular import normalize_header
from hausbesuch.tomlfile import control_character_problem, read_toml, toml_spelling

if TYPE_CHECKING:  # pragma: no cover
    from hausbesuch.config import Profile

__all__ = [
    "MODES",
    "TeamConfig",
    "TeamError",
    "default_teams",
    "district_problems",
    "load_teams",
    "names_cell",
    "parse_teams",
    "split_names",
    "teams_for_profile",
    "at_profile_depot",
]

from geodata.network import MODES  # noqa: E402 - the one definition of travel modes

_MODE_WORDS = {
    "walk": "walk", "zu fuss": "walk", "zufuss": "walk", "fuss": "walk", "fussweg": "walk",
    "gehen": "walk", "laufen": "walk", "foot": "walk", "walking": "walk",
    "bike": "bike", "rad": "bike", "fahrrad": "bike", "velo": "bike", "cycling": "bike",
    "bicycle": "bike", "pedelec": "bike", "ebike": "bike", "e bike": "bike",
    "drive": "drive", "auto": "drive", "pkw": "drive", "kfz": "drive", "dienstwagen": "drive",
    "car": "drive", "driving": "drive", "wagen": "drive",
}
#: Most visits one team can do in a day (more is a typo).
MAX_VISITS_LIMIT = 50
#: Longest shift (minutes) that gets no inherited lunch break (ArbZG § 4: a break is due
#: for more than six hours' work); a team's own ``mittag``/``mittag_dauer`` still applies.
NO_BREAK_SHIFT_MIN = 6 * 60
#: Longest lunch break (minutes).
MAX_LUNCH_MIN = 180
#: Most teams of a teams file (or a city): more than a home-visit service has. A plan's
#: travel-time matrices hold every team's start and end besides the clients
#: (:func:`hausbesuch.capacity.check_matrix_memory`): with 200 teams a list of some 4,800
#: clients already needs more memory than a plan may take, and 5,000 teams are refused by
#: ``plan`` whatever the list. A file with more is refused when it is read (``teams
#: --set``, ``--teams``, the web's upload), not by the next plan.
MAX_TEAMS = 200
#: Longest team id a message repeats (a valid one has at most 40 characters).
_ID_SHOWN = 60
#: Largest whole number a field takes before its range is checked (``mittag_dauer``,
#: ``max_besuche``): a bigger one (``1e308``) is named as typed, not as 309 digits.
_BIG = 10**6
_ID_RE = re.compile(r"[A-Za-z0-9ÄÖÜäöüß][A-Za-z0-9ÄÖÜäöüß_-]{0,39}")


class TeamError(UserError):
    """An invalid team definition (German message naming team and field)."""


@dataclass(frozen=True)
class TeamConfig:
    """One team: members, skills, shift, lunch break, start/end, mode, visit limit.

    Times are minutes after midnight (local wall clock). ``start_*``/``end_*`` left empty
    mean the profile's depot (see :meth:`with_depot`). ``lunch_window`` ``None`` or
    ``lunch_min`` 0 means no lunch break.

    Raises
    ------
    TeamError
        On construction, when a field is invalid (message names the team and the field).
    """

    id: str
    members: tuple[str, ...] = ()
    skills: frozenset[str] = frozenset()
    shift_start_min: int = 8 * 60
    shift_end_min: int = 16 * 60
    lunch_window: tuple[int, int] | None = (12 * 60, 13 * 60 + 30)
    lunch_min: int = 30
    start_address: str | None = None
    start_lonlat: tuple[float, float] | None = None
    end_address: str | None = None
    end_lonlat: tuple[float, float] | None = None
    mode: str = "walk"
    max_visits_per_day: int | None = None
    weekdays: frozenset[int] = field(default_factory=lambda: frozenset(range(5)))
    #: the districts (Stadtteile) the team is responsible for, in the order written;
    #: empty: the whole city (see the profile's ``[workday] responsibility``)
    districts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "districts", tuple(self.districts))
        errors = _validate(self)
        if errors:
            raise TeamError(f"Team „{_shown_id(self.id)}“: " + "; ".join(errors))

    @property
    def label(self) -> str:
        """Display label: the members' names joined by " / ", or "Team <id>"."""
        return " / ".join(self.members) if self.members else f"Team {self.id}"

    @property
    def has_lunch(self) -> bool:
        return self.lunch_window is not None and self.lunch_min > 0

    @property
    def uses_depot(self) -> bool:
        """True when start or end is left to the profile's depot."""
        return (self.start_address is None and self.start_lonlat is None) or (
            self.end_address is None and self.end_lonlat is None
        )

    def with_depot(
        self, address: str | None, lonlat: tuple[float, float] | None = None
    ) -> TeamConfig:
        """This team with an empty start (and end) filled in: end defaults to start,
        start defaults to the depot (``address``/``lonlat``)."""
        start_a, start_ll = self.start_address, self.start_lonlat
        if start_a is None and start_ll is None:
            start_a, start_ll = address, lonlat
        end_a, end_ll = self.end_address, self.end_lonlat
        if end_a is None and end_ll is None:
            end_a, end_ll = start_a, start_ll
        return replace(self, start_address=start_a, start_lonlat=start_ll,
                       end_address=end_a, end_lonlat=end_ll)


def _shown_id(tid: Any) -> str:
    """A team id as messages repeat it: at most :data:`_ID_SHOWN` characters (an id of
    4,000 characters is cut, ending in „[…gekürzt]“)."""
    return shorten(str(tid), _ID_SHOWN)


def _validate(t: TeamConfig) -> list[str]:
    errs: list[str] = []
    if not isinstance(t.id, str) or not _ID_RE.fullmatch(t.id):
        errs.append(
            "Feld „id“: nur Buchstaben, Ziffern, „-“ und „_“, am Anfang ein Buchstabe oder "
            "eine Ziffer, höchstens 40 Zeichen "
            "(die ID steht in Dateinamen)"
        )
    if not 0 <= t.shift_start_min < t.shift_end_min <= 24 * 60:
        errs.append(
            f"Feld „schicht“: Ende ({format_clock(t.shift_end_min)}) muss nach dem Beginn "
            f"({format_clock(t.shift_start_min)}) liegen, innerhalb eines Tages"
        )
    if t.lunch_window is not None:
        ls, le = t.lunch_window
        if not ls < le:
            errs.append(
                f"Feld „mittag“: Ende ({format_clock(le)}) muss nach dem Beginn "
                f"({format_clock(ls)}) liegen"
            )
        elif not (t.shift_start_min <= ls and le <= t.shift_end_min):
            errs.append(
                f"Feld „mittag“: das Fenster {format_clock(ls)}–{format_clock(le)} liegt nicht "
                f"in der Schicht {format_clock(t.shift_start_min)}–{format_clock(t.shift_end_min)}"
            )
        elif t.lunch_min > le - ls:
            errs.append(
                f"Feld „mittag_dauer“: {t.lunch_min} Minuten passen nicht in das Fenster "
                f"{format_clock(ls)}–{format_clock(le)}"
            )
    if not 0 <= t.lunch_min <= MAX_LUNCH_MIN:
        errs.append(f"Feld „mittag_dauer“: {t.lunch_min} Minuten (erlaubt 0 bis {MAX_LUNCH_MIN})")
    if t.mode not in MODES:
        errs.append(f"Feld „modus“: „{t.mode}“ unbekannt (erlaubt: walk, bike, drive)")
    if t.max_visits_per_day is not None and not 1 <= t.max_visits_per_day <= MAX_VISITS_LIMIT:
        errs.append(
            f"Feld „max_besuche“: {t.max_visits_per_day} (erlaubt 1 bis {MAX_VISITS_LIMIT})"
        )
    if not t.weekdays or not t.weekdays <= set(range(7)):
        errs.append("Feld „tage“: keine gültigen Wochentage")
    if any(not isinstance(d, str) or not clean_text(d) for d in t.districts):
        errs.append("Feld „stadtteile“: leerer Name eines Stadtteils")
    for fname, ll in (("start", t.start_lonlat), ("ende", t.end_lonlat)):
        if ll is not None:
            msg = lonlat_problem(ll)
            if msg:
                errs.append(f"Feld „{fname}“: {msg}")
    return errs


# --------------------------------------------------------------------------- value parsers

_KEYS: dict[str, str] = {}
for _canon, _syns in {
    "id": ("id", "team", "teamid", "team id", "kennung", "kürzel", "kuerzel"),
    "members": ("mitglieder", "members", "personen", "namen", "besetzung", "names"),
    "skills": ("sprachen", "skills", "sprache", "fähigkeiten", "faehigkeiten",
               "kenntnisse", "languages"),
    "shift": ("schicht", "arbeitszeit", "dienstzeit", "shift", "hours", "working hours"),
    "shift_start": ("schicht beginn", "beginn", "arbeitsbeginn", "dienstbeginn", "shift start",
                    "von"),
    "shift_end": ("schicht ende", "arbeitsende", "dienstende", "feierabend", "shift end",
                  "bis"),
    "lunch": ("mittag", "mittagspause", "pause", "lunch", "lunch window", "mittag fenster",
              "mittagspause fenster"),
    "lunch_min": ("mittag dauer", "mittagspause dauer", "pause dauer", "pausendauer",
                  "mittag minuten", "lunch minutes", "lunch min", "lunch duration"),
    "start": ("start", "startadresse", "start adresse", "start address", "abfahrt"),
    "start_lon": ("start lon", "start laenge", "start länge", "start lng"),
    "start_lat": ("start lat", "start breite"),
    "end": ("ende", "end", "ziel", "zieladresse", "ende adresse", "end address", "rueckkehr",
            "rückkehr"),
    "end_lon": ("ende lon", "end lon", "ziel lon", "ende laenge", "ende länge"),
    "end_lat": ("ende lat", "end lat", "ziel lat", "ende breite"),
    "mode": ("modus", "mode", "verkehrsmittel", "fortbewegung", "profil"),
    "max_visits": ("max besuche", "max besuche pro tag", "maximale besuche", "besuche pro tag",
                   "max visits", "max visits per day", "max_visits_per_day"),
    "weekdays": ("tage", "arbeitstage", "wochentage", "days", "weekdays", "workdays"),
    "districts": ("stadtteile", "stadtteil", "bezirke", "bezirk", "zustaendig fuer",
                  "zuständig für", "districts", "district"),
}.items():
    for _s in _syns:
        _KEYS[normalize_header(_s)] = _canon

_FIELD_DE = {
    "id": "id", "members": "mitglieder", "skills": "sprachen", "shift": "schicht",
    "shift_start": "schicht_beginn", "shift_end": "schicht_ende", "lunch": "mittag",
    "lunch_min": "mittag_dauer", "start": "start", "start_lon": "start_lon",
    "start_lat": "start_lat", "end": "ende", "end_lon": "ende_lon", "end_lat": "ende_lat",
    "mode": "modus", "max_visits": "max_besuche", "weekdays": "tage",
    "districts": "stadtteile",
}


def _key(name: str) -> str | None:
    return _KEYS.get(normalize_header(name))


_CLOCK_RE = re.compile(r"\d{1,2}(?:[:.]\d{2}){1,2}\s*(?:uhr|h)?", re.IGNORECASE)


#: A field that cannot be read (the German parsers of :mod:`hausbesuch.fields`).
_FieldProblem = FieldError


def _text(value: Any, example: str) -> str:
    """``value`` if it is a text; TOML's numbers, booleans, lists and tables are refused
    (``modus = ["walk"]`` was read as „['walk']“), never turned into text without a word."""
    if not isinstance(value, str):
        raise _FieldProblem(f"muss ein Text sein, z. B. {example} (nicht {toml_spelling(value)})")
    return value


_clock = parse_clock_minutes
_clock_range = parse_clock_range


def _quoted(value: Any) -> str:
    """A value in a message: a text (of a CSV cell, too) in „…“, anything else as TOML
    writes it (``["6"]``, ``{a = 1}``), never as Python does (``['6']``)."""
    return f"„{value}“" if isinstance(value, str) else toml_spelling(value)


def _int(value: Any, what: str, allowed: str = "") -> int:
    """A whole number (``what``: the unit a cell may add, „30 min“); one beyond
    :data:`_BIG` is refused here, named as typed with the range ``allowed``."""
    if isinstance(value, bool):
        raise _FieldProblem(f"keine ganze Zahl: {str(value).lower()}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        text = clean_text(str(value)).lower()
        text = re.sub(rf"\s*(min|minuten|{what})\.?$", "", text)
        text = re.sub(r"[.,]0+$", "", text)
        if not re.fullmatch(r"-?\d+", text):
            raise _FieldProblem(f"keine ganze Zahl: {_quoted(shorten(value, 80))}"
                                if isinstance(value, str) else
                                f"keine ganze Zahl: {_quoted(value)}")
        number = int(text) if len(text) <= 20 else _BIG + 1
    if abs(number) > _BIG:  # named as typed (1e+308), not as 309 digits
        shown = _quoted(shorten(value, 30)) if isinstance(value, str) else toml_spelling(value, 30)
        raise _FieldProblem(f"{shown} ist viel zu groß" + (f" (erlaubt {allowed})" if allowed
                                                            else ""))
    return number


def _float(value: Any) -> float:
    if isinstance(value, bool):
        raise _FieldProblem(f"keine Zahl: {str(value).lower()}")
    if isinstance(value, int | float):
        return float(value)
    text = clean_text(str(value)).replace(",", ".")
    try:
        return float(text)
    except ValueError:
        raise _FieldProblem(f"keine Zahl: {_quoted(value)}") from None


#: Between members (or skills) of a cell: ``,`` ``;`` ``/`` ``|``, and a ``+`` that follows
#: a name („A. Schmidt + B. Yilmaz“); a ``+`` that begins a name („+49 Herr“, which
#: ``teams --csv`` writes as „'+49 Herr“) is part of it.
_NAME_SEPARATORS = re.compile(r"[,;/|]|(?<=[^\s,;/|+])\s*\+")
#: A name in double quotes at the start of a cell's entry („"Müller, Anna", B. Yilmaz“):
#: kept whole, separators and all; ``""`` inside stands for one ``"``.
_QUOTED_NAME = re.compile(r'\s*"((?:[^"]|"")*)"')


def split_names(text: str) -> list[str]:
    """The members of a CSV/XLSX cell, in order: separated by
    :data:`_NAME_SEPARATORS`, except inside double quotes that begin an entry
    (``"Müller, Anna", B. Yilmaz`` -> ``Müller, Anna`` and ``B. Yilmaz``; ``""`` within
    them is one ``"``; text after the closing quote up to the next separator stays with
    the name). A ``"`` elsewhere is part of the name; an unclosed one is too. Each entry
    is :func:`~hausbesuch.fields.clean_text`-ed; empty ones are left out.
    :func:`names_cell` writes the cell this reads back."""
    items: list[str] = []
    pos = 0
    while True:
        head = ""
        if (quoted := _QUOTED_NAME.match(text, pos)) is not None:
            head, pos = quoted[1].replace('""', '"'), quoted.end()
        sep = _NAME_SEPARATORS.search(text, pos)
        items.append(clean_text(head + text[pos:sep.start() if sep else len(text)]))
        if sep is None:
            return [i for i in items if i]
        pos = sep.end()


def names_cell(names: Iterable[str]) -> str:
    """``names`` (members) as one cell, joined by „, “, that :func:`split_names` reads
    back to the same names: a name that would not come back whole (it holds a separator,
    „Müller, Anna“, „Schmidt/Weiß“, or begins with ``"``) is written in double quotes, a
    ``"`` in it doubled."""
    def one(name: str) -> str:
        if split_names(name) == [name] and not name.lstrip().startswith('"'):
            return name
        return '"' + name.replace('"', '""') + '"'
    return ", ".join(one(n) for n in names)


def _names(value: Any) -> list[str]:
    example = '["A. Schmidt", "B. Yilmaz"]'
    if isinstance(value, list | tuple):
        if not all(isinstance(v, str) for v in value):  # mitglieder = [1, true]
            raise _FieldProblem(f"jeder Eintrag muss ein Text sein, z. B. {example} "
                                f"(nicht {toml_spelling(value)})")
        items = [clean_text(v) for v in value]
    else:
        items = split_names(_text(value, example))
    return [i for i in items if i]


def _skills(value: Any) -> list[str]:
    """A team's languages, split and spelled as a client's ``sprache`` is
    (:func:`~hausbesuch.clients.split_skills`), a TOML list's entries each: a team's
    „Farsi/Dari“ is Farsi and Dari, the languages a client's „Farsi/Dari“ needs (review 35
    #2: read whole it was „Farsi/dari“, which no client needs). ``Deutsch`` is kept: no
    client needs it, and the team's list shows it as written."""
    example = '["Arabisch", "Türkisch"]'
    if isinstance(value, list | tuple):
        if not all(isinstance(v, str) for v in value):  # sprachen = [1, true]
            raise _FieldProblem(f"jeder Eintrag muss ein Text sein, z. B. {example} "
                                f"(nicht {toml_spelling(value)})")
        items = [s for v in value for s in split_skills(v)]
    else:
        items = list(split_skills(_text(value, example)))
    return list(dict.fromkeys(items))


def _mode(value: Any) -> str:
    text = clean_text(_text(value, '"walk", "bike" oder "drive"')).lower()
    text = text.replace("ß", "ss").replace("-", " ")
    mode = _MODE_WORDS.get(text) or _MODE_WORDS.get(normalize_header(text))
    if mode is None:
        raise _FieldProblem(
            f"„{value}“ unbekannt (erlaubt: walk/zu Fuß, bike/Fahrrad, drive/Auto)"
        )
    return mode


_weekdays = parse_weekdays


def _districts(value: Any) -> tuple[str, ...]:
    """A team's districts: a TOML list of texts, or one text (a CSV/XLSX cell) separated
    by ``,`` ``;`` or ``|``; never by ``/`` (a district's name may hold one). Repeated
    names count once; the order is kept."""
    example = '["Johannesberg", "Hohe Luft"]'
    if isinstance(value, list | tuple):
        if not all(isinstance(v, str) for v in value):
            raise _FieldProblem(f"jeder Eintrag muss ein Text sein, z. B. {example} "
                                f"(nicht {toml_spelling(value)})")
        items = [clean_text(v) for v in value]
    else:
        items = [clean_text(p) for p in re.split(r"[,;|]", _text(value, example))]
    return tuple(dict.fromkeys(i for i in items if i))


def district_problems(teams: Iterable[TeamConfig], known: Iterable[str], city: str,
                      ) -> tuple[list[TeamConfig], list[str]]:
    """The teams with their districts in the city's spelling, and a German message per
    district of a team the city does not have (naming the team, the district and the
    city's districts).

    ``known``: the city's district names (:attr:`geodata.districts.Districts.names`).
    Another spelling of a known name (case, „ß“/„ss“, dashes, slashes, brackets, a unique
    leading part: :func:`geodata.districts.canonical_district_name`) is taken as that
    name; the teams returned hold the city's spelling.
    """
    from geodata.districts import OUTSIDE, canonical_district_name

    names = [n for n in dict.fromkeys(str(k) for k in known) if n != OUTSIDE]
    out: list[TeamConfig] = []
    problems: list[str] = []
    for t in teams:
        mapped = []
        for d in t.districts:
            name = canonical_district_name(d, names)
            if name in names:
                mapped.append(name)
            else:
                problems.append(f"Team „{t.id}“: Stadtteil „{shorten(d, 80)}“ gibt es in "
                                f"{city} nicht")
        out.append(replace(t, districts=tuple(dict.fromkeys(mapped))))
    if problems:
        listed = ", ".join(sorted(names, key=str.casefold)) or "keine"
        problems[-1] += f" (Stadtteile von {city}: {listed})"
    return out, problems


def _place(value: Any) -> tuple[str | None, tuple[float, float] | None]:
    """An address string, ``[lon, lat]`` or ``{lon, lat[, adresse]}``."""
    if isinstance(value, Mapping):
        keys = {k.lower(): v for k, v in value.items()}
        unknown = set(keys) - {"lon", "lat", "adresse", "address", "name"}
        if unknown:
            raise _FieldProblem(f"unbekannte Schlüssel {', '.join(sorted(unknown))} "
                                "(erlaubt: lon, lat, adresse)")
        addr = keys.get("adresse") or keys.get("address") or keys.get("name")
        if ("lon" in keys) != ("lat" in keys):
            raise _FieldProblem("lon und lat gehören zusammen")
        ll = (_float(keys["lon"]), _float(keys["lat"])) if "lon" in keys else None
        if addr is None and ll is None:
            raise _FieldProblem("weder Adresse noch lon/lat angegeben")
        if addr is not None:
            addr = clean_text(_text(addr, 'adresse = "Am Markt 16, 36251 Bad Hersfeld"'))
        return addr or None, ll
    if isinstance(value, list | tuple):
        if len(value) != 2:
            raise _FieldProblem(f"erwartet [Länge, Breite], nicht {toml_spelling(value)}")
        return None, (_float(value[0]), _float(value[1]))
    if not isinstance(value, str):  # start = true, = 9.7
        raise _FieldProblem('muss eine Adresse (Text), [Länge, Breite] oder '
                            f'{{lon = …, lat = …}} sein (nicht {toml_spelling(value)})')
    text = clean_text(value)
    if not text:
        return None, None
    return text, None


# --------------------------------------------------------------------------- building


@dataclass(frozen=True)
class _Defaults:
    shift: tuple[int, int] = (8 * 60, 16 * 60)
    lunch: tuple[int, int] | None = (12 * 60, 13 * 60 + 30)
    lunch_min: int = 30
    mode: str = "walk"
    weekdays: frozenset[int] = frozenset(range(5))
    max_visits: int | None = None


def _defaults_from_profile(profile: Profile | None) -> _Defaults:
    if profile is None:
        return _Defaults()
    wd = profile.workday
    days = frozenset(WEEKDAYS_DE.index(d) for d in wd.weekdays)  # not empty (Workday)
    return _Defaults(
        shift=(_clock(wd.start), _clock(wd.end)),
        lunch=(_clock(wd.lunch_start), _clock(wd.lunch_end)) if wd.lunch_minutes else None,
        lunch_min=wd.lunch_minutes,
        mode=profile.default_mode,
        weekdays=days,
    )


def _build(
    raw: Mapping[str, Any], defaults: _Defaults, label: str, errors: list[str]
) -> TeamConfig | None:
    """One team from a mapping of (user) keys to values; problems go into ``errors``."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for k, v in raw.items():
        canon = _key(str(k))
        if canon is None:
            problems.append(
                f"Feld „{shorten(str(k), 60)}“ unbekannt (erlaubt: "
                f"{', '.join(dict.fromkeys(_FIELD_DE.values()))})"
            )
            continue
        if v is None or (isinstance(v, str) and not clean_text(v)):
            continue
        values[canon] = v
    raw_id = values.get("id", "")
    tid = clean_text(raw_id) or None if isinstance(raw_id, str) else None
    who = f"Team „{_shown_id(tid)}“" if tid else label
    if not isinstance(raw_id, str):  # id = ["a"], id = 1
        problems.append(f"Feld „id“: muss ein Text sein, z. B. id = \"team-1\" "
                        f"(nicht {toml_spelling(raw_id)})")
    elif tid is None:
        problems.append("Feld „id“ fehlt")

    def get(canon: str, parse: Any, default: Any) -> Any:
        if canon not in values:
            return default
        try:
            return parse(values[canon])
        except _FieldProblem as exc:
            problems.append(f"Feld „{_FIELD_DE[canon]}“: {exc}")
            return default

    for place_key, clock_key in (("start", "shift_start"), ("end", "shift_end")):
        # "Beginn;Ende" / "start = 8:00": a clock time is the shift, never an address
        v = values.get(place_key)
        is_clock = isinstance(v, time) or (isinstance(v, str) and _CLOCK_RE.fullmatch(v.strip()))
        if is_clock and clock_key not in values:
            values[clock_key] = values.pop(place_key)
    shift = get("shift", _clock_range, defaults.shift)
    shift = (get("shift_start", _clock, shift[0]), get("shift_end", _clock, shift[1]))
    lunch: tuple[int, int] | None = defaults.lunch
    lunch_min = defaults.lunch_min
    if "lunch" in values:
        v = values["lunch"]
        if v is False or (isinstance(v, str) and clean_text(v).lower() in {"keine", "nein", "none", "no", "0"}):
            lunch, lunch_min = None, 0
        else:
            lunch = get("lunch", _clock_range, defaults.lunch)
    lunch_min = get("lunch_min", lambda x: _int(x, "minuten", f"0 bis {MAX_LUNCH_MIN}"),
                    lunch_min)
    if "lunch" not in values and lunch is not None:
        # An inherited lunch window is clipped to this team's shift; a short shift that
        # leaves no room for it has no lunch break, nor one of at most six hours (ArbZG
        # § 4: a break is due for more than six hours' work; QA 37 #5: a shift of 8:30 to
        # 12:30 had its last half hour taken by the profile's break)
        clipped = (max(lunch[0], shift[0]), min(lunch[1], shift[1]))
        if "lunch_min" in values:  # an explicit duration is checked against the window
            lunch = clipped if clipped[0] < clipped[1] else lunch
        elif shift[1] - shift[0] <= NO_BREAK_SHIFT_MIN:
            lunch, lunch_min = None, 0
        elif clipped[1] - clipped[0] >= max(lunch_min, 1):
            lunch = clipped
        else:
            lunch, lunch_min = None, 0
    if lunch_min == 0:
        lunch = None
    elif lunch is None and "lunch_min" in values:
        problems.append("Feld „mittag_dauer“ ohne Fenster „mittag“ (z. B. 12:00-13:30)")
    start_a, start_ll = get("start", _place, (None, None))
    end_a, end_ll = get("end", _place, (None, None))
    for prefix, canon_lon, canon_lat in (("start", "start_lon", "start_lat"),
                                         ("end", "end_lon", "end_lat")):
        if (canon_lon in values) != (canon_lat in values):
            problems.append(
                f"Feld „{_FIELD_DE[canon_lon]}“/„{_FIELD_DE[canon_lat]}“: beide angeben"
            )
        elif canon_lon in values:
            ll = (get(canon_lon, _float, None), get(canon_lat, _float, None))
            if None not in ll:
                if prefix == "start":
                    start_ll = ll
                else:
                    end_ll = ll
    members = tuple(get("members", _names, []))
    skills = frozenset(get("skills", _skills, []))
    mode = get("mode", _mode, defaults.mode)
    max_visits = get("max_visits", lambda x: _int(x, "besuche", f"1 bis {MAX_VISITS_LIMIT}"),
                     defaults.max_visits)
    weekdays = get("weekdays", _weekdays, defaults.weekdays)
    districts = get("districts", _districts, ())
    if problems:
        errors.append(f"{who}: " + "; ".join(problems))
        return None
    try:
        return TeamConfig(
            id=tid or "",
            members=members,
            skills=skills,
            shift_start_min=shift[0],
            shift_end_min=shift[1],
            lunch_window=lunch,
            lunch_min=lunch_min,
            start_address=start_a,
            start_lonlat=start_ll,
            end_address=end_a,
            end_lonlat=end_ll,
            mode=mode,
            max_visits_per_day=max_visits,
            weekdays=weekdays,
            districts=districts,
        )
    except TeamError as exc:
        errors.append(str(exc))
        return None


def parse_teams(
    data: Mapping[str, Any], *, source: str = "Teams", profile: Profile | None = None
) -> list[TeamConfig]:
    """Teams from parsed TOML data (``[[team]]``/``[[teams]]`` tables, optional ``[defaults]``).

    ``[teams.<id>]`` tables keyed by team id work too. Missing shift, lunch, mode and weekdays
    come from ``[defaults]``, else from the profile's workday, else 8:00–16:00 with lunch
    12:00–13:30 for 30 minutes, on foot, Monday to Friday.

    Raises
    ------
    TeamError
        Listing every problem, each naming the team and the field.
    """
    base = _defaults_from_profile(profile)
    errors: list[str] = []
    unknown_top = [k for k in data if k not in {"team", "teams", "defaults", "standard"}]
    if unknown_top:
        errors.append(
            f"unbekannte Abschnitte {', '.join(unknown_top)} (erwartet [[team]] und optional "
            "[defaults])"
        )
    raw_defaults = data.get("defaults", data.get("standard", {}))
    if raw_defaults:
        probe = _build({"id": "defaults", **raw_defaults}, base, "[defaults]", errors)
        if probe is not None:
            base = _Defaults(
                shift=(probe.shift_start_min, probe.shift_end_min),
                lunch=probe.lunch_window,
                lunch_min=probe.lunch_min,
                mode=probe.mode,
                weekdays=probe.weekdays,
                max_visits=probe.max_visits_per_day,
            )
            base_raw = dict(raw_defaults)
        else:
            base_raw = {}
    else:
        base_raw = {}
    entries: list[Mapping[str, Any]] = []
    for key in ("team", "teams"):
        block = data.get(key)
        if block is None:
            continue
        if isinstance(block, list):
            entries.extend(block)
        elif isinstance(block, Mapping):
            for tid, body in block.items():
                if not isinstance(body, Mapping):
                    errors.append(f"[{key}.{_shown_id(tid)}] ist keine Tabelle")
                    continue
                entries.append({"id": tid, **body})
    if not entries and not errors:
        errors.append("keine Teams gefunden (erwartet Abschnitte [[team]] mit id = …)")
    _refuse_too_many(len(entries), source)
    # a Windows path or address between double quotation marks whose backslashes are valid
    # escapes ("C:\\test": a tab) reads without a parser error; clean_text would make it a
    # blank without a word
    for label, entry in (("[defaults]", raw_defaults), *(
            (f"Team Nr. {i}", e) for i, e in enumerate(entries, start=1))):
        for k, v in entry.items() if isinstance(entry, Mapping) else ():
            texts = v.values() if isinstance(v, Mapping) else v if isinstance(v, list) else [v]
            for text in texts:
                problem = isinstance(text, str) and control_character_problem(str(k), text)
                if problem:
                    errors.append(f"{label}: Feld „{k}“ {problem}")
    # Place-like defaults (start/end/members/skills/districts) are merged per team.
    place_defaults = {k: v for k, v in base_raw.items() if _key(str(k)) in {
        "start", "end", "start_lon", "start_lat", "end_lon", "end_lat", "skills",
        "districts"}}
    teams = _collect(
        ({**place_defaults, **e} if isinstance(e, Mapping) else e for e in entries),
        base, errors,
    )
    if errors:
        raise TeamError(f"Ungültige Teams in {source}: " + " | ".join(errors))
    return teams


def _refuse_too_many(n: int, source: str) -> None:
    """Refuse a file of more than :data:`MAX_TEAMS` teams before they are read one by one
    (a plan could not use them: it would run out of memory)."""
    if n > MAX_TEAMS:
        raise TeamError(f"Ungültige Teams in {source}: {n} Teams, erlaubt sind höchstens "
                        f"{MAX_TEAMS} (mehr hat kein Außendienst, und ein Plan mit so vielen "
                        "Teams bräuchte für die Fahrzeiten zu viel Arbeitsspeicher). Bitte die "
                        "Datei prüfen.")


def _collect(entries: Iterable[Any], base: _Defaults, errors: list[str],
             labels: list[str] | None = None) -> list[TeamConfig]:
    teams: list[TeamConfig] = []
    seen: dict[str, str] = {}
    for i, entry in enumerate(entries, start=1):
        label = labels[i - 1] if labels else f"Team Nr. {i}"
        if not isinstance(entry, Mapping):
            errors.append(f"{label}: ist keine Tabelle")
            continue
        team = _build(entry, base, label, errors)
        if team is None:
            continue
        key = team.id.casefold()
        if key in seen:
            errors.append(f"Team „{team.id}“ ({label}): Feld „id“ doppelt (schon {seen[key]})")
            continue
        seen[key] = label
        teams.append(team)
    return teams


def load_teams(path: str | Path, *, profile: Profile | None = None,
               name: str | None = None) -> list[TeamConfig]:
    """Load teams from a TOML, CSV or XLSX file.

    Parameters
    ----------
    path
        ``.toml`` is read as TOML; anything else as a table (CSV/XLSX, one team per row).
    profile
        Supplies defaults for shift, lunch, mode and weekdays (see :func:`parse_teams`).
    name
        How messages name the file (default: its path); an upload gives the name of the
        file sent, never the server's temporary path.

    Raises
    ------
    TeamError
        When the file is unreadable or a team is invalid; the German message names the
        file, the team (or row) and the field.
    """
    p = Path(path)
    if not p.exists():
        raise TeamError(f"Teams-Datei nicht gefunden: {name or p}")
    if p.suffix.lower() == ".toml":
        data = read_toml(p, what="Teams-Datei", error=TeamError, name=name)
        return parse_teams(data, source=p.name, profile=profile)
    from hausbesuch.tabular import read_table

    # the header is the first row naming the team's id and another field of a team: a
    # title row above it („Teams Februar“) is skipped, as in a client list
    table = read_table(p, name=name, required=lambda header: "id" in (
        keys := {_key(c) for c in header}) and len(keys - {None}) >= 2)
    _refuse_too_many(len(table.rows), p.name)
    # a row with more fields than the header (a delimiter in a field without quotes)
    # is refused with that reason alone: its cells stand in the wrong columns, so checking
    # them would quote fragments the user never typed (QA 36 #7: „Ara“ from „Arabisch“)
    # a row with fewer fields than a column read (a file cut off) is refused the same way:
    # its missing cells would read as empty, a team without its languages or hours
    read = {c for c in table.columns if _key(c) is not None}
    problems = {n: why for n in table.row_numbers if (why := table.row_problem(n, read))}
    errors: list[str] = list(problems.values())
    readable = [(n, row) for n, row in zip(table.row_numbers, table.rows, strict=True)
                if n not in problems]
    labels = [f"Zeile {n}" for n, _ in readable]
    # a cell as ``teams --csv`` (safe_cells) wrote it: its protective „'“ before a
    # formula start („'-Arabisch, =Türkisch“, „'+49 Herr“) is not part of the value
    rows = [{k: read_back(v) if isinstance(v, str) else v for k, v in row.items()
             if not (k.startswith("Spalte ") and not v)} for _, row in readable]
    teams = _collect(rows, _defaults_from_profile(profile), errors, labels)
    if not table.rows:
        errors.append("keine Teams (nur eine Kopfzeile)")
    if errors:
        raise TeamError(f"Ungültige Teams in {p.name}: " + " | ".join(errors))
    return teams


def default_teams(profile: Profile | None = None) -> list[TeamConfig]:
    """The teams used when no ``--teams`` file is given.

    Without a profile: two teams (``team-1``, ``team-2``), 8:00–16:00, lunch break of
    30 minutes between 12:00 and 13:30, on foot, Monday to Friday, starting and ending at
    the depot. With a profile: its ``[[teams]]`` (or those two) with its workday and mode.
    """
    base = _defaults_from_profile(profile)
    specs: list[dict[str, Any]] = []
    if profile is not None and profile.teams:
        for t in profile.teams:
            spec: dict[str, Any] = {"id": t.id, "members": list(t.members),
                                    "skills": list(t.skills)}
            if t.shift:
                spec["shift"] = t.shift
            if t.mode:
                spec["mode"] = t.mode
            if t.max_visits_per_day:
                spec["max_visits"] = t.max_visits_per_day
            if t.districts:
                spec["districts"] = list(t.districts)
            specs.append(spec)
    else:
        specs = [{"id": "team-1"}, {"id": "team-2"}]
    errors: list[str] = []
    teams = _collect(specs, base, errors)
    if errors:
        raise TeamError("Ungültige Standard-Teams im Profil: " + " | ".join(errors))
    return teams


def at_profile_depot(profile: Profile, teams: list[TeamConfig]) -> list[TeamConfig]:
    """``teams`` with every empty start/end set to the profile's depot."""
    depot = profile.depot
    ll = (depot.lon, depot.lat) if depot.lon is not None and depot.lat is not None else None
    return [t.with_depot(depot.address, ll) for t in teams]


def teams_for_profile(profile: Profile, path: str | Path | None = None) -> list[TeamConfig]:
    """The teams of a run: from ``path`` if given, else the profile's defaults; every empty
    start/end is set to the profile's depot."""
    teams = load_teams(path, profile=profile) if path else default_teams(profile)
    return at_profile_depot(profile, teams)


def plan_shift(params: Mapping[str, Any] | None, team_id: str,
               day: date | None = None) -> tuple[int, int] | None:
    """(start, end) in minutes of the shift of ``team_id`` as a stored plan's ``params``
    hold its teams (``planning.builder.team_to_dict``); None when the plan does not say.
    With ``day``: the shift the version planned that day with, when a re-plan took over a
    shorter one of the city's teams (``team_day_shifts``, closing 33: the letters kept
    their windows to the plan's); None also for a team-day stored there without a tour
    (``von``/``bis`` None: the team no longer works that day, :func:`team_day_off` says
    why), not the plan's whole shift; the times a re-plan took the team out are
    :func:`out_spans`'. With ``day`` a short working day of the version (``short_days``
    of its profile, stored as ``params["short_days"]``: ISO day → minute the work ends),
    the shift ends there (QA 41: letters promised 10:30–12:30 on 24.12. worked until
    12:00)."""
    shift = _plan_shift(params, team_id, day)
    end = ((params or {}).get("short_days") or {}).get(day.isoformat()) if day else None
    if shift is not None and isinstance(end, int) and shift[0] < end < shift[1]:
        return shift[0], end
    return shift


def _plan_shift(params: Mapping[str, Any] | None, team_id: str,
                day: date | None) -> tuple[int, int] | None:
    """:func:`plan_shift` without the short days."""
    if day is not None:
        for row in (params or {}).get("team_day_shifts") or []:
            if (isinstance(row, Mapping) and row.get("team") == team_id
                    and row.get("tag") == day.isoformat()):
                a, b = row.get("von"), row.get("bis")
                if a is None and b is None:
                    return None
                if isinstance(a, int) and isinstance(b, int) and a < b:
                    return a, b
    for t in (params or {}).get("teams") or []:
        if isinstance(t, Mapping) and t.get("id") == team_id:
            a, b = t.get("shift_start_min"), t.get("shift_end_min")
            if isinstance(a, int) and isinstance(b, int):
                return a, b
    return None


def team_day_off(params: Mapping[str, Any] | None, team_id: str, day: date) -> str | None:
    """Why the version with ``params`` gave ``team_id`` no tour on ``day`` as its
    ``team_day_shifts`` store it (the city's teams changed: the team no longer works that
    day, or with no hour of the plan's shift), in the words of its ``grund``; None when
    the version stores no such team-day."""
    for row in (params or {}).get("team_day_shifts") or []:
        if (isinstance(row, Mapping) and row.get("team") == team_id
                and row.get("tag") == day.isoformat() and row.get("von") is None
                and row.get("bis") is None):
            return str(row.get("grund") or "laut den Teams der Stadt")
    return None


def out_spans(params: Mapping[str, Any] | None, team_id: str,
              day: date) -> list[tuple[datetime, datetime | None]]:
    """The spans of ``day`` in which re-plans up to a version took ``team_id`` out, read
    from that version's ``params``: (from, back at; None: the rest of the day). Read from
    the version's ``teams_out_spans`` (every span of the plan's days); a version stored
    before that set: its ``removed_teams`` (each out for the rest of its day), or before
    those its ``without_teams``, out from its ``replan_from``. Entries that cannot be read
    are skipped. The letters, the route pages and the phone read them from here."""
    p = params or {}
    rows = p.get("teams_out_spans")
    if rows is None:
        rows = p.get("removed_teams")
    if rows is None and p.get("replan_from"):
        rows = [{"team": t, "ab": p["replan_from"]} for t in p.get("without_teams") or []]
    out: list[tuple[datetime, datetime | None]] = []
    for w in rows if isinstance(rows, list) else []:
        try:
            if not isinstance(w, Mapping) or w.get("team") != team_id:
                continue
            at = datetime.fromisoformat(w["ab"])
            back = datetime.fromisoformat(w["bis"]) if w.get("bis") else None
        except (KeyError, TypeError, ValueError):
            continue
        if at.date() == day:
            out.append((at, back))
    return sorted(out, key=lambda w: w[0])


def from_midnight(at: datetime) -> bool:
    """Whether a team taken out at ``at`` went before its day began: a re-plan made before
    the day (the web's moment of a plan not started yet is midnight) takes the team out
    from the start of the day, said „den ganzen Tag“ or „bis …“, never „ab 00:00 Uhr“."""
    return at.hour == 0 and at.minute == 0
