"""The visit-routing problem and its solution as frozen, validated dataclasses.

Units and conventions
---------------------
- **Times** are integer seconds, absolute since the start of day 0: clock time ``t``
  on day ``d`` is ``d * 86400 + t`` (see :func:`at`). This is VROOM's "absolute
  values" convention, so a weekday window ("Tuesday 10-12") is a plain window.
- A visit's :class:`TimeWindow` bounds the **start of service** (as in VROOM).
- A :class:`Break` lies **entirely inside** its window (start >= window.start,
  start + duration <= window.end); VROOM's break windows bound the start, the
  JSON layer converts. A route that is back at its end by the time a break's window
  opens does not take that break: it would fall after the route (a team back from its
  morning visits at 09:15 takes no lunch break "on the route" at 12:00, and its route
  ends at 09:15). A route back any later takes every break of its shift.
- **Matrices** are square integer arrays indexed by location index, one duration
  matrix (seconds) and optionally one distance matrix (metres) per travel mode.
  A travel time ``>= UNREACHABLE`` (``inf`` included) means "no path": the solver
  never uses such a leg. Negative values and NaN are refused (:class:`Problem` raises
  :class:`RoutingInputError` naming the mode, row and column): the app converts its own
  "no path" marker (``geodata.matrix.UNREACHABLE = -1``) to this one before building
  a problem.
- Every team works in shifts; each :class:`Shift` (a team on one day) becomes one
  vehicle of the solver.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from routing.errors import RoutingInputError

#: Seconds per day; day ``d`` starts at ``d * DAY``.
DAY = 86_400
#: Matrix values at or above this mark an unreachable pair (≈ 31.7 years); negative ones are refused.
UNREACHABLE = 1_000_000_000
#: Highest allowed priority (as in VROOM).
MAX_PRIORITY = 100
#: Largest time, duration, amount or capacity accepted (seconds: about 31,700 years);
#: keeps every sum the solver forms far inside int64.
MAX_VALUE = 10**12


def at(day: int, hours: float, minutes: float = 0) -> int:
    """Absolute time in seconds for a clock time on a day: ``at(1, 10)`` is Tuesday 10:00.

    Day 0 is the first planning day.
    """
    return int(round(day * DAY + hours * 3600 + minutes * 60))


def _err(msg: str) -> RoutingInputError:
    return RoutingInputError(msg)


def _int(value: Any, where: str, field_name: str, *, minimum: int | None = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise _err(f"{where}, Feld '{field_name}': ganze Zahl erwartet, erhalten {value!r}.")
    value = int(value)
    if minimum is not None and value < minimum:
        raise _err(f"{where}, Feld '{field_name}': Wert {value} ist kleiner als {minimum}.")
    if value > MAX_VALUE:
        raise _err(
            f"{where}, Feld '{field_name}': Wert {value} ist größer als {MAX_VALUE} "
            "(höchstens 10^12)."
        )
    return value


class MatrixRangeError(RoutingInputError):
    """A matrix value too large for the solver's objective; knows its mode and cell."""

    def __init__(self, msg: str, mode: str, kind: str, row: int, col: int) -> None:
        super().__init__(msg)
        self.mode, self.kind, self.row, self.col = mode, kind, row, col


@dataclass(frozen=True)
class TimeWindow:
    """An interval ``[start, end]`` of absolute seconds (both ends included)."""

    start: int
    end: int

    def __post_init__(self) -> None:
        s = _int(self.start, "Zeitfenster", "start")
        e = _int(self.end, "Zeitfenster", "end")
        if e < s:
            raise _err(f"Zeitfenster [{s}, {e}]: das Ende liegt vor dem Beginn.")
        object.__setattr__(self, "start", s)
        object.__setattr__(self, "end", e)

    def contains(self, t: int) -> bool:
        return self.start <= t <= self.end


@dataclass(frozen=True)
class Break:
    """A break of ``duration`` seconds that lies entirely inside ``window``.

    ``id`` is the break's VROOM id (kept in the JSON output); None numbers them 1, 2, ...
    """

    window: TimeWindow
    duration: int
    id: int | None = None
    #: free text kept for VROOM's output (VROOM's ``description``)
    description: str | None = None

    def __post_init__(self) -> None:
        d = _int(self.duration, "Pause", "duration")
        if d > self.window.end - self.window.start:
            raise _err(
                f"Pause: Dauer {d} s passt nicht in das Fenster "
                f"[{self.window.start}, {self.window.end}]."
            )
        object.__setattr__(self, "duration", d)

    @property
    def latest_start(self) -> int:
        return self.window.end - self.duration


@dataclass(frozen=True)
class Shift:
    """A team's working time on one day, with its breaks (usually one lunch break).

    ``start``/``end`` (location indices) replace the team's start/end for this shift
    only, e.g. a re-plan from 11:30 that starts the team where its last done visit was.
    None keeps the team's. ``fixed`` is a frozen route prefix: visit ids that open this
    team-day's route in this order (visits already done or announced); the problem turns
    them into position pins 1, 2, ... ``max_visits`` replaces the team's for this shift
    (a re-plan: what is left of the day's visits). ``kept`` is how many visits the
    team-day holds outside this problem (a re-plan's visits begun before its moment or
    done): the reasons say that they use up the team's limit. It changes no route; a
    shift's own lower ``max_visits`` without ``kept`` is simply its limit. ``doors``: the
    doors (:attr:`Visit.door`) of those visits outside the problem: another team-day of
    the day does not serve a visit at one of them where that can be mended
    (:mod:`routing.doors`).
    """

    day: int
    window: TimeWindow
    breaks: tuple[Break, ...] = ()
    start: int | None = None
    end: int | None = None
    fixed: tuple[str, ...] = ()
    max_visits: int | None = None
    kept: int = 0
    doors: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "day", _int(self.day, "Schicht", "day"))
        object.__setattr__(self, "breaks", tuple(self.breaks))
        object.__setattr__(self, "doors", frozenset(str(d) for d in self.doors))
        object.__setattr__(self, "fixed", tuple(str(x) for x in self.fixed))
        where = f"Schicht an Tag {self.day}"
        if self.max_visits is not None:
            object.__setattr__(self, "max_visits", _int(self.max_visits, where, "max_visits"))
        object.__setattr__(self, "kept", _int(self.kept, where, "kept"))
        for name in ("start", "end"):
            v = getattr(self, name)
            if v is not None:
                object.__setattr__(self, name, _int(v, where, name))


@dataclass(frozen=True)
class Pin:
    """Fix a visit to a team, a day, a 1-based position in that route and/or a time.

    ``window`` bounds the start of service (an appointment agreed on the doorstep: the
    visit's own windows are narrowed to it). Pins that contradict each other or the
    model do not raise: the visit is reported unassigned with code ``pin`` or
    ``pin_conflict`` and a German reason (see :attr:`Problem.conflicts`).
    """

    team: str | None = None
    day: int | None = None
    position: int | None = None
    window: TimeWindow | None = None


@dataclass(frozen=True)
class Visit:
    """One home visit (a VROOM job).

    Parameters
    ----------
    id : str
        Unique identifier (the client's pseudonymous id).
    location : int
        Row/column of the visit's place in the matrices.
    service : int
        Seconds spent at the visit.
    time_windows : tuple of TimeWindow
        Allowed starts of service; empty means any time.
    priority : int
        0-100; higher priorities are served first when not everything fits.
    skills : frozenset of str
        Every one of them must be among the team's skills (e.g. a language).
    earliest_day, latest_day : int, int or None
        The visit may only be planned on days in this range.
    pin : Pin or None
        Keep the visit with this team / day / position.
    amount : tuple of int
        Quantities per capacity dimension (VROOM ``delivery``); empty for none.
    district : str or None
        The district (Stadtteil) of the visit's place: see :attr:`Team.districts` and
        :attr:`Problem.district_cost`.
    home : (team id, day) or None
        The team-day of an earlier plan: serving the visit on another one costs
        :attr:`Problem.move_cost` (minimal disruption when re-planning).
    description : str or None
        Free text of a VROOM job, given back as it is in the output.
    coordinates : (float, float) or None
        The ``location`` of a VROOM job ([lon, lat]), given back in the output as VROOM
        does; the solver uses the matrices only.
    group : str or None
        Visits of one group are alternatives (e.g. one client's visit in the morning or
        in the afternoon, each with its own windows and ``cost``): at most one of them is
        served. When one is, the others are neither in a route nor unassigned; when
        none is, all of them are unassigned, each with its reason. Alternatives carry
        no pin. Not part of VROOM's format.
    door : str or None
        The door the visit rings at, as the application knows it (e.g. two case ids of
        one person, or a family with several clients at one address): visits with the
        same ``door`` served on one day go to one team-day route (:mod:`routing.doors`),
        or the solution names them (``stats["door_splits"]``). None: a door of its own.
        Not part of VROOM's format.
    cost : int
        Cost of serving the visit, in travel seconds (e.g. how much less likely a
        contact is in this alternative's windows than in the group's best one): the
        solver weighs it against travel, after the served visits and their priorities.
        0 by default. Not part of VROOM's format.
    preferred_from_day : int or None
        The first day on which the visit is preferred (e.g. the day after an announcement
        letter reaches the client): serving it on an earlier day costs
        :attr:`Problem.early_cost`. A soft preference: the visit still goes earlier
        when the later days have no room for it (served visits come first). None: no
        preference. Not part of VROOM's format.
    """

    id: str
    location: int
    service: int = 0
    time_windows: tuple[TimeWindow, ...] = ()
    priority: int = 0
    skills: frozenset[str] = frozenset()
    earliest_day: int = 0
    latest_day: int | None = None
    pin: Pin | None = None
    amount: tuple[int, ...] = ()
    home: tuple[str, int] | None = None
    district: str | None = None
    description: str | None = None
    coordinates: tuple[float, float] | None = None
    group: str | None = None
    cost: int = 0
    preferred_from_day: int | None = None
    door: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise _err(f"Besuch {self.id!r}, Feld 'id': nicht leere Zeichenkette erwartet.")
        where = f"Besuch {self.id}"
        object.__setattr__(self, "location", _int(self.location, where, "location"))
        object.__setattr__(self, "service", _int(self.service, where, "service"))
        pr = _int(self.priority, where, "priority")
        if pr > MAX_PRIORITY:
            raise _err(f"{where}, Feld 'priority': {pr} liegt nicht zwischen 0 und 100.")
        object.__setattr__(self, "priority", pr)
        tws = tuple(sorted(self.time_windows, key=lambda w: (w.start, w.end)))
        for a, b in zip(tws, tws[1:], strict=False):
            if b.start <= a.end:
                raise _err(
                    f"{where}, Feld 'time_windows': die Zeitfenster [{a.start}, {a.end}] und "
                    f"[{b.start}, {b.end}] überschneiden sich."
                )
        object.__setattr__(self, "time_windows", tws)
        object.__setattr__(self, "skills", frozenset(str(s) for s in self.skills))
        object.__setattr__(self, "earliest_day", _int(self.earliest_day, where, "earliest_day"))
        if self.latest_day is not None:
            object.__setattr__(self, "latest_day", _int(self.latest_day, where, "latest_day"))
            if self.latest_day < self.earliest_day:
                raise _err(
                    f"{where}, Feld 'latest_day': Tag {self.latest_day} liegt vor "
                    f"'earliest_day' {self.earliest_day}."
                )
        object.__setattr__(
            self, "amount", tuple(_int(a, where, "amount") for a in self.amount)
        )
        if self.home is not None:
            if not isinstance(self.home, tuple | list) or len(self.home) != 2:
                raise _err(f"{where}, Feld 'home': (Team, Tag) erwartet.")
            object.__setattr__(
                self, "home", (str(self.home[0]), _int(self.home[1], where, "home"))
            )
        if self.pin is not None:
            if self.pin.day is not None:
                _int(self.pin.day, where, "pin.day")
            if self.pin.position is not None:
                _int(self.pin.position, where, "pin.position", minimum=1)
            if self.pin.window is not None and not isinstance(self.pin.window, TimeWindow):
                raise _err(f"{where}, Feld 'pin.window': Zeitfenster erwartet.")
        object.__setattr__(self, "cost", _int(self.cost, where, "cost"))
        if self.preferred_from_day is not None:
            object.__setattr__(self, "preferred_from_day", _int(
                self.preferred_from_day, where, "preferred_from_day"))
        if self.group is not None:
            if not isinstance(self.group, str) or not self.group:
                raise _err(f"{where}, Feld 'group': nicht leere Zeichenkette erwartet.")
            if self.pin is not None:
                raise _err(f"{where}, Feld 'group': eine Alternative kann nicht festgelegt "
                           "sein (Feld 'pin').")
        if self.door is not None and (not isinstance(self.door, str) or not self.door):
            raise _err(f"{where}, Feld 'door': nicht leere Zeichenkette erwartet.")

    def day_allowed(self, day: int) -> bool:
        if day < self.earliest_day:
            return False
        return not (self.latest_day is not None and day > self.latest_day)

    def window_index(self, t: int) -> int | None:
        """Index of the time window containing ``t`` (0 when there are none), else None."""
        if not self.time_windows:
            return 0
        for i, w in enumerate(self.time_windows):
            if w.start <= t <= w.end:
                return i
        return None

    def earliest_start(self, t: int) -> int | None:
        """Earliest service start at or after ``t``, or None when every window has closed."""
        if not self.time_windows:
            return t
        for w in self.time_windows:
            if t <= w.end:
                return max(t, w.start)
        return None


@dataclass(frozen=True)
class Team:
    """A team (two caseworkers travelling together) with its shifts on the planning days.

    ``start``/``end`` are location indices (None: the route starts/ends at its first/last
    visit, as in VROOM). ``max_visits`` bounds the visits per shift. ``districts``: the
    districts the team is responsible for (empty: all); see :attr:`Problem.responsibility`.
    ``description``: free text of a VROOM vehicle, given back as it is in the output;
    ``start_coordinates``/``end_coordinates``: its ``start``/``end`` ([lon, lat]), given
    back in the output's start and end steps as VROOM does (the solver uses the matrices).
    """

    id: str
    shifts: tuple[Shift, ...]
    start: int | None = None
    end: int | None = None
    skills: frozenset[str] = frozenset()
    max_visits: int | None = None
    mode: str = "car"
    capacity: tuple[int, ...] = ()
    districts: frozenset[str] = frozenset()
    description: str | None = None
    start_coordinates: tuple[float, float] | None = None
    end_coordinates: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "districts", frozenset(str(d) for d in self.districts))
        if not isinstance(self.id, str) or not self.id:
            raise _err(f"Team {self.id!r}, Feld 'id': nicht leere Zeichenkette erwartet.")
        where = f"Team {self.id}"
        object.__setattr__(self, "shifts", tuple(self.shifts))
        if self.start is None and self.end is None:
            raise _err(f"{where}: 'start' oder 'end' muss angegeben sein.")
        for name in ("start", "end"):
            v = getattr(self, name)
            if v is not None:
                object.__setattr__(self, name, _int(v, where, name))
        if self.max_visits is not None:
            object.__setattr__(self, "max_visits", _int(self.max_visits, where, "max_visits"))
        object.__setattr__(self, "skills", frozenset(str(s) for s in self.skills))
        object.__setattr__(
            self, "capacity", tuple(_int(c, where, "capacity") for c in self.capacity)
        )
        days = [s.day for s in self.shifts]
        if len(set(days)) != len(days):
            raise _err(f"{where}, Feld 'shifts': mehr als eine Schicht am selben Tag.")
        for s in self.shifts:
            for k, b in enumerate(s.breaks):
                if b.window.start < s.window.start or b.window.end > s.window.end:
                    raise _err(
                        f"{where}, Tag {s.day}, Pause {k + 1}: das Pausenfenster liegt nicht "
                        f"in der Schicht [{s.window.start}, {s.window.end}]."
                    )


@dataclass(frozen=True)
class Vehicle:
    """One team on one day: what the solver routes (derived, see :meth:`Problem.vehicles`)."""

    index: int
    team_index: int
    team: Team
    shift: Shift

    @property
    def day(self) -> int:
        return self.shift.day

    @property
    def start(self) -> int | None:
        """Start location of this team-day: the shift's override, else the team's."""
        return self.shift.start if self.shift.start is not None else self.team.start

    @property
    def end(self) -> int | None:
        """End location of this team-day: the shift's override, else the team's."""
        return self.shift.end if self.shift.end is not None else self.team.end

    @property
    def max_visits(self) -> int | None:
        """Most visits on this team-day: the shift's override, else the team's."""
        s = self.shift.max_visits
        return s if s is not None else self.team.max_visits


def _matrix(value: Any, mode: str, kind: str, n: int | None) -> np.ndarray:
    raw = value if isinstance(value, np.ndarray) else None
    if raw is not None and raw.dtype.kind in "iu" and raw.ndim == 2 and (
        raw.shape[0] == raw.shape[1] and (n is None or raw.shape[0] == n)
    ):  # integers already: one pass (large matrices)
        if raw.dtype.kind == "i" and raw.size and raw.min() < 0:
            i, j = np.argwhere(raw < 0)[0]
            raise _err(
                f"Matrix '{kind}' für Verkehrsmittel '{mode}', Zeile {i}, Spalte {j}: negativer "
                f"Wert {raw[i, j]}; unerreichbar ist {UNREACHABLE} oder mehr."
            )
        out = np.minimum(raw, UNREACHABLE).astype(np.int64)
        out.flags.writeable = False
        return out
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise _err(f"Matrix '{kind}' für Verkehrsmittel '{mode}': keine Zahlenmatrix.") from None
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise _err(
            f"Matrix '{kind}' für Verkehrsmittel '{mode}': quadratische Matrix erwartet, "
            f"Form {arr.shape}."
        )
    if n is not None and arr.shape[0] != n:
        raise _err(
            f"Matrix '{kind}' für Verkehrsmittel '{mode}': {arr.shape[0]} Zeilen, die "
            f"Dauermatrix hat {n}."
        )
    if np.isnan(arr).any():
        i, j = np.argwhere(np.isnan(arr))[0]
        raise _err(
            f"Matrix '{kind}' für Verkehrsmittel '{mode}', Zeile {i}, Spalte {j}: keine Zahl "
            f"(NaN); unerreichbar ist {UNREACHABLE} oder mehr."
        )
    if (arr < 0).any():
        i, j = np.argwhere(arr < 0)[0]
        raise _err(
            f"Matrix '{kind}' für Verkehrsmittel '{mode}', Zeile {i}, Spalte {j}: negativer "
            f"Wert {arr[i, j]:g}; unerreichbar ist {UNREACHABLE} oder mehr."
        )
    bad = arr >= UNREACHABLE  # includes +inf
    fin = np.where(bad, 0.0, arr)
    if not np.all(fin == np.round(fin)):
        i, j = np.argwhere(fin != np.round(fin))[0]
        raise _err(
            f"Matrix '{kind}' für Verkehrsmittel '{mode}', Zeile {i}, Spalte {j}: ganze Zahl "
            f"erwartet, erhalten {arr[i, j]}."
        )
    out = np.where(bad, UNREACHABLE, fin).astype(np.int64)
    out.flags.writeable = False
    return out


@dataclass(frozen=True, eq=False)
class Problem:
    """Visits, teams, days and the matrices per travel mode.

    Parameters
    ----------
    visits, teams : sequences of Visit and Team
    days : int
        Number of planning days (day indices 0 .. days-1).
    durations : mapping mode -> square int matrix (seconds)
    distances : mapping mode -> square int matrix (metres), optional per mode
    balance : int
        Optional weight for balancing visits across team-days: each visit above the
        even share ``ceil(visits / team-days)`` in a route costs ``balance`` (in units
        of travel seconds). 0 switches balancing off. This spreads visits over the
        days as much as over the teams (a team-day is a team-day): to share the work
        among the teams use ``team_balance``.
    team_balance : int
        Optional weight for sharing the visits among the teams: each visit a team serves
        in the span above its share costs ``team_balance`` (travel seconds). A team's
        share is the servable visits times its part of the span's working time (shift
        windows less breaks), rounded up: a team absent on a day or with shorter shifts
        has a smaller share. Only the ruin-and-recreate phase, which decides the plan,
        weighs it. Serving visits (and priorities) still comes first. 0: off.
    responsibility : str
        "hard": a team with ``districts`` serves visits of those districts only;
        "soft": it may serve others at ``outside_cost`` each (travel seconds).
    outside_cost : int
        See ``responsibility``.
    district_cost : int
        Cost of each district beyond the first in one team-day (travel seconds): keeps
        routes inside few districts. 0: off.
    amounts : str
        "delivery" or "pickup": how the visits' amounts read in VROOM's output (load
        falling from the start or rising from zero); the limit is the same.
    span_cost : int
        Cost of each second a used team-day lasts, from leaving the start to arriving at
        the end (travel, service and waiting; breaks taken are not counted), in travel
        seconds. The departure is free to move later, so only waiting that a later start
        cannot remove (before an appointment that earlier visits must precede) costs:
        the solver fills such idle gaps with other visits where it can, and a route is
        timed with the latest departure that does not delay its return. 0 (default):
        the pure travel objective (VROOM's).
    move_cost : int
        Minimal disruption: a visit with a ``home`` team-day served on another one costs
        this much (travel seconds); moving it must gain more than that. When the home
        team-day has no shift (its team is out that day), another team on the same day
        costs half. Each day later than the home day costs twice as much again
        (:data:`DELAY_MOVES`): a visit is put off only when that gains more, not
        to fill the idle time of a later day while a team is free on its own. A visit
        whose :attr:`Visit.preferred_from_day` lies after its home day counts those days
        from the preferred day (with :attr:`early_cost`). 0: off.
    day_names : sequence of str
        How reasons name the days (e.g. their dates); empty: "Tag 1", "Tag 2", ...
    absent : mapping (team id, day) -> str
        Why a team has no shift on a day, as a reason says it after "Team A" (e.g. "fällt
        an Tag 1 ab 11:30 aus (Neuplanung)", set by :func:`routing.replan`); without an
        entry a reason says that the team does not work that day.
    absent_undo : mapping (team id, day) -> str
        How such a team-day gets its shift back, in words after „oder“ (e.g. "die
        Abwesenheit löschen (…)"): a reason that puts a visit's time windows on a day
        without a shift of any team that may take it offers them as a way out.
    early_cost : int
        Cost of serving a visit before its :attr:`Visit.preferred_from_day` (travel
        seconds, once per visit however many days early): the solver moves such a visit
        to a later team-day with room when that costs less extra travel; where the later
        days are full, it still serves the visit early (served visits and priorities come
        first). 0: off.
    skill_verb : (str, str)
        How reasons say that teams have a visit's skills: the verb for one team and for
        several, the skills following it (("spricht", "sprechen") where the skills are
        languages: „nur Team nord spricht Arabisch“); empty: „nur Team nord hat die nötige
        Fähigkeit: arabisch“.

    Raises
    ------
    RoutingInputError
        On duplicate ids, indices outside the matrices, unknown modes, shifts outside
        the days, unknown visits in a frozen prefix (``Shift.fixed``) and values too
        large for the objective. Pins that cannot hold are no error: see
        :attr:`conflicts`.
    """

    visits: tuple[Visit, ...]
    teams: tuple[Team, ...]
    days: int
    durations: Mapping[str, np.ndarray]
    distances: Mapping[str, np.ndarray] = field(default_factory=dict)
    balance: int = 0
    move_cost: int = 0
    amounts: str = "delivery"
    responsibility: str = "hard"
    outside_cost: int = 0
    district_cost: int = 0
    day_names: tuple[str, ...] = ()
    absent: Mapping[tuple[str, int], str] = field(default_factory=dict)
    span_cost: int = 0
    team_balance: int = 0
    skill_verb: tuple[str, ...] = ()
    absent_undo: Mapping[tuple[str, int], str] = field(default_factory=dict)
    early_cost: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "visits", tuple(self.visits))
        object.__setattr__(self, "day_names", tuple(str(n) for n in self.day_names))
        object.__setattr__(self, "skill_verb", tuple(str(w) for w in self.skill_verb))
        if len(self.skill_verb) not in (0, 2):
            raise _err("Problem, Feld 'skill_verb': zwei Wörter (ein Team, mehrere Teams) "
                       f"oder keines, nicht {len(self.skill_verb)}.")
        object.__setattr__(self, "absent", {
            (str(t), _int(d, "Problem", "absent")): str(text)
            for (t, d), text in dict(self.absent).items()
        })
        object.__setattr__(self, "absent_undo", {
            (str(t), _int(d, "Problem", "absent_undo")): str(text)
            for (t, d), text in dict(self.absent_undo).items()
        })
        object.__setattr__(self, "move_cost", _int(self.move_cost, "Problem", "move_cost"))
        object.__setattr__(self, "outside_cost", _int(self.outside_cost, "Problem", "outside_cost"))
        object.__setattr__(
            self, "district_cost", _int(self.district_cost, "Problem", "district_cost")
        )
        object.__setattr__(self, "span_cost", _int(self.span_cost, "Problem", "span_cost"))
        object.__setattr__(
            self, "team_balance", _int(self.team_balance, "Problem", "team_balance")
        )
        object.__setattr__(self, "early_cost", _int(self.early_cost, "Problem", "early_cost"))
        if self.responsibility not in ("hard", "soft"):
            raise _err(
                f"Problem, Feld 'responsibility': 'hard' oder 'soft', nicht {self.responsibility!r}."
            )
        if self.amounts not in ("delivery", "pickup"):
            raise _err(f"Problem, Feld 'amounts': 'delivery' oder 'pickup', nicht {self.amounts!r}.")
        object.__setattr__(self, "teams", tuple(self.teams))
        object.__setattr__(self, "days", _int(self.days, "Problem", "days", minimum=1))
        object.__setattr__(self, "balance", _int(self.balance, "Problem", "balance"))
        if not self.durations:
            raise _err("Problem: es fehlt eine Dauermatrix ('durations').")
        dur: dict[str, np.ndarray] = {}
        for mode, m in self.durations.items():
            dur[str(mode)] = _matrix(m, str(mode), "durations", None)
        dist: dict[str, np.ndarray] = {}
        for mode, m in (self.distances or {}).items():
            if str(mode) not in dur:
                raise _err(f"Distanzmatrix für '{mode}', aber keine Dauermatrix dafür.")
            dist[str(mode)] = _matrix(m, str(mode), "distances", dur[str(mode)].shape[0])
        object.__setattr__(self, "durations", dur)
        object.__setattr__(self, "distances", dist)

        ids: set[str] = set()
        for v in self.visits:
            if v.id in ids:
                raise _err(f"Besuch {v.id}, Feld 'id': die Kennung ist doppelt vergeben.")
            ids.add(v.id)
        tids: set[str] = set()
        for t in self.teams:
            if t.id in tids:
                raise _err(f"Team {t.id}, Feld 'id': die Kennung ist doppelt vergeben.")
            tids.add(t.id)
            if t.mode not in dur:
                raise _err(
                    f"Team {t.id}, Feld 'mode': keine Matrix für das Verkehrsmittel '{t.mode}' "
                    f"(vorhanden: {', '.join(sorted(dur))})."
                )
            n = dur[t.mode].shape[0]
            for name in ("start", "end"):
                loc = getattr(t, name)
                if loc is not None and loc >= n:
                    raise _err(
                        f"Team {t.id}, Feld '{name}': Ort {loc} liegt außerhalb der Matrix "
                        f"({n} Orte)."
                    )
            for s in t.shifts:
                if s.day >= self.days:
                    raise _err(
                        f"Team {t.id}, Schicht an Tag {s.day}: es gibt nur {self.days} Tage "
                        f"(0 bis {self.days - 1})."
                    )
                for name in ("start", "end"):
                    loc = getattr(s, name)
                    if loc is not None and loc >= n:
                        raise _err(
                            f"Team {t.id}, Schicht an Tag {s.day}, Feld '{name}': Ort {loc} "
                            f"liegt außerhalb der Matrix ({n} Orte)."
                        )
        n_min = min(m.shape[0] for m in dur.values())
        dims = {len(t.capacity) for t in self.teams}
        for v in self.visits:
            if v.location >= n_min:
                raise _err(
                    f"Besuch {v.id}, Feld 'location': Ort {v.location} liegt außerhalb der "
                    f"Matrix ({n_min} Orte)."
                )
            if v.amount and any(len(v.amount) > d for d in dims):
                k, m = len(v.amount), min(dims)
                raise _err(
                    f"Besuch {v.id}, Feld '{self.amounts}': {k} {'Menge' if k == 1 else 'Mengen'}"
                    f", aber die Teams haben {'nur ' if m else ''}{m} "
                    f"{'Kapazität' if m == 1 else 'Kapazitäten'} (Feld 'capacity')."
                )
        if len(dims) > 1:
            raise _err("Teams, Feld 'capacity': alle Teams brauchen gleich viele Kapazitäten.")
        self._normalise_pins(ids, tids)
        members: dict[str, list[int]] = {}
        for i, v in enumerate(self.visits):
            if v.group is not None:
                members.setdefault(v.group, []).append(i)
        object.__setattr__(self, "_alternatives", tuple(
            tuple(members[v.group]) if v.group is not None else (i,)
            for i, v in enumerate(self.visits)))
        self._check_objective_range()

    def _normalise_pins(self, ids: set[str], tids: set[str]) -> None:
        """Frozen prefixes become position pins, time pins narrow the windows; collect
        the pins that cannot hold (:attr:`conflicts`) instead of raising."""
        conflicts: dict[str, tuple[str, str]] = {}
        fixed_of: dict[str, tuple[str, int, int]] = {}
        for t in self.teams:
            for s in t.shifts:
                for k, vid in enumerate(s.fixed):
                    if vid not in ids:
                        raise _err(
                            f"Team {t.id}, Schicht an Tag {s.day}, Feld 'fixed': unbekannter "
                            f"Besuch {vid}."
                        )
                    if vid in fixed_of:
                        a, d, _ = fixed_of[vid]
                        conflicts[vid] = (
                            "pin_conflict",
                            f"Der Besuch steht in zwei festen Tourfolgen (Team {a}, Tag {d + 1} "
                            f"und Team {t.id}, Tag {s.day + 1}).",
                        )
                    else:
                        fixed_of[vid] = (t.id, s.day, k + 1)
        visits = []
        for v in self.visits:
            pin, tws = v.pin, v.time_windows
            if v.id in fixed_of and v.id not in conflicts:
                team, day, pos = fixed_of[v.id]
                if pin is not None and (
                    pin.team not in (None, team) or pin.day not in (None, day)
                    or pin.position not in (None, pos)
                ):
                    conflicts[v.id] = (
                        "pin_conflict",
                        f"Die feste Zuordnung ({_pin_text(pin, self.day_names)}) widerspricht "
                        f"der festen Tourfolge von Team {team}, {day_name(day, self.day_names)} "
                        f"(Position {pos}).",
                    )
                pin = Pin(team, day, pos, pin.window if pin is not None else None)
            if pin is not None and pin.team is not None and pin.team not in tids:
                conflicts.setdefault(
                    v.id, ("pin", f"Der Besuch ist fest Team {pin.team} zugeordnet, das es "
                                  "im Plan nicht (mehr) gibt."))
            if pin is not None and pin.day is not None and pin.day >= self.days:
                conflicts.setdefault(
                    v.id, ("pin", f"Der Besuch ist fest Tag {pin.day + 1} zugeordnet; geplant "
                                  f"werden nur {self.days} Tage."))
            if pin is not None and pin.position is not None and pin.position > len(self.visits):
                conflicts.setdefault(
                    v.id, ("pin", f"Die feste Position {pin.position} ist nicht erreichbar: es "
                                  f"gibt nur {len(self.visits)} Besuche."))
            if pin is not None and pin.window is not None:
                w = pin.window
                inter = tuple(
                    TimeWindow(max(a.start, w.start), min(a.end, w.end))
                    for a in (tws or (w,))
                    if max(a.start, w.start) <= min(a.end, w.end)
                )
                if not inter:
                    conflicts.setdefault(
                        v.id, ("pin", f"Die feste Uhrzeit ({_window_text(w, self.day_names)}) "
                                      "liegt in keinem Zeitfenster des Besuchs."))
                else:
                    tws = inter
            if pin is not v.pin or tws is not v.time_windows:
                v = replace(v, pin=pin, time_windows=tws)
            visits.append(v)
        # one visit per fixed position: fixed prefixes first, then by priority
        owner: dict[tuple[str, int, int], str] = {}
        order = sorted(
            range(len(visits)),
            key=lambda i: (visits[i].id not in fixed_of, -visits[i].priority, i),
        )
        for i in order:
            v = visits[i]
            p = v.pin
            if v.id in conflicts or p is None or p.position is None:
                continue
            if p.team is None or p.day is None:
                continue
            key = (p.team, p.day, p.position)
            if key in owner:
                conflicts[v.id] = (
                    "pin_conflict",
                    f"Position {p.position} bei Team {p.team} an Tag {p.day + 1} ist schon fest "
                    f"durch Besuch {owner[key]} belegt.",
                )
            else:
                owner[key] = v.id
        object.__setattr__(self, "visits", tuple(visits))
        object.__setattr__(self, "_conflicts", conflicts)

    def span_bound(self) -> int:
        """Largest possible span cost of a plan: every shift used from start to end."""
        if self.span_cost <= 0:
            return 0
        return self.span_cost * sum(
            s.window.end - s.window.start for t in self.teams for s in t.shifts
        )

    def early_bound(self) -> int:
        """:attr:`early_cost` where a visit has a preferred day, else 0."""
        if self.early_cost > 0 and any(v.preferred_from_day is not None for v in self.visits):
            return self.early_cost
        return 0

    def extra_per_visit(self) -> int:
        """Largest non-travel cost one visit can add (balance, moves, districts, a day
        before its preferred one, its own ``cost``)."""
        # a move put off to the last day costs DELAY_MOVES moves per day besides the move
        moves = self.move_cost * (1 + DELAY_MOVES * max(0, self.days - 1))
        return (self.balance + self.team_balance + moves + self.outside_cost
                + self.district_cost + self.early_bound()
                + max((v.cost for v in self.visits), default=0))

    def alternatives(self, i: int) -> tuple[int, ...]:
        """Indices of visit ``i``'s group (:attr:`Visit.group`), ``i`` included; ``(i,)``
        for a visit of no group."""
        return self._alternatives[i]

    @property
    def has_groups(self) -> bool:
        return any(v.group is not None for v in self.visits)

    def served_groups(self, served: Iterable[int]) -> set[str]:
        """The groups of which one of the visits (indices) ``served`` is served."""
        return {g for i in served if (g := self.visits[i].group) is not None}

    def open_visits(self, served: Iterable[int]) -> list[int]:
        """Indices of the visits not served, less the alternatives of a served one
        (those are neither in a route nor unassigned)."""
        served = set(served)
        groups = self.served_groups(served)
        return [i for i, v in enumerate(self.visits)
                if i not in served and (v.group is None or v.group not in groups)]

    def outside(self, visit: Visit, team: Team) -> bool:
        """The visit's district is not among the team's (a team without districts: never)."""
        return outside(visit, team)

    @property
    def conflicts(self) -> Mapping[str, tuple[str, str]]:
        """Visits whose pins cannot hold: id -> (code, German reason); never planned."""
        return self._conflicts

    def _check_objective_range(self) -> None:
        """The layered drop penalties of the solver must fit int64 (see ``penalties``).

        They grow with the longest reachable travel time; a matrix with travel times of
        years would overflow them: refused, naming the longest leg.
        """
        n = len(self.visits)
        n_veh = sum(len(t.shifts) for t in self.teams)
        max_leg, where = 0, None
        for mode, m in self.durations.items():
            fin = np.where(m < UNREACHABLE, m, -1)
            if fin.size and fin.max() > max_leg:
                max_leg = int(fin.max())
                i, j = np.unravel_index(int(fin.argmax()), fin.shape)
                where = (mode, int(i), int(j))
        unit = (n + 2 * n_veh) * max(max_leg, 1) + self.extra_per_visit() * n + 1
        unit += self.span_bound()
        prio_unit = (n + 1) * unit
        pin_unit = (sum(v.priority for v in self.visits) + 1) * prio_unit + (n + 1) * unit
        total = sum(
            unit + v.priority * prio_unit + (pin_unit if v.pin is not None else 0)
            for v in self.visits
        )
        if total >= 2**62:
            if where is None:
                raise _err(
                    f"Problem: {n} Besuche mit dieser Prioritätssumme sind zu viele für die "
                    "Zielfunktion (64 Bit)."
                )
            mode, i, j = where
            raise MatrixRangeError(
                f"Matrix 'durations' für Verkehrsmittel '{mode}', Zeile {i}, Spalte {j}: die "
                f"Fahrzeit {max_leg} s ist für {n} Besuche zu groß (die Zielfunktion "
                f"überschreitet 64 Bit); unerreichbare Wege mit {UNREACHABLE} oder mehr "
                "markieren.",
                mode, "durations", i, j,
            )

    # -- derived ---------------------------------------------------------------------------
    def vehicles(self) -> list[Vehicle]:
        """One vehicle per team and shift, ordered by team, then day."""
        out: list[Vehicle] = []
        for ti, t in enumerate(self.teams):
            for s in sorted(t.shifts, key=lambda s: s.day):
                out.append(Vehicle(len(out), ti, t, s))
        return out

    def visit_index(self) -> dict[str, int]:
        return {v.id: i for i, v in enumerate(self.visits)}

    def duration(self, mode: str, a: int | None, b: int | None) -> int:
        """Travel time from location ``a`` to ``b`` (0 when either is None: open routes)."""
        if a is None or b is None:
            return 0
        return int(self.durations[mode][a, b])

    def distance(self, mode: str, a: int | None, b: int | None) -> int:
        """Distance from ``a`` to ``b``; 0 without a distance matrix for the mode."""
        if a is None or b is None or mode not in self.distances:
            return 0
        return int(self.distances[mode][a, b])

    def compatible(self, visit: Visit, vehicle: Vehicle, *, use_pin: bool = True) -> bool:
        """Skills, day range, pin (team/day) and capacity allow this vehicle for the visit."""
        t = vehicle.team
        if rules_out(visit, t, self.responsibility) is not None:
            return False
        if not visit.day_allowed(vehicle.day):
            return False
        if use_pin and visit.id in self._conflicts:
            return False
        if use_pin and visit.pin is not None:
            if visit.pin.team is not None and visit.pin.team != t.id:
                return False
            if visit.pin.day is not None and visit.pin.day != vehicle.day:
                return False
            if visit.pin.position is not None and vehicle.max_visits is not None and (
                visit.pin.position > vehicle.max_visits
            ):
                return False
        return True


def outside(visit: Visit, team: Team) -> bool:
    """The visit's district is not among the team's (a team without districts: never)."""
    return bool(team.districts) and visit.district is not None and (
        visit.district not in team.districts
    )


def rules_out(visit: Visit, team: Team, responsibility: str = "hard") -> str | None:
    """What keeps ``team`` from taking ``visit`` on every day, whatever its shifts: "skill"
    (a skill of the visit the team lacks), "district" (``responsibility`` "hard" and the
    visit's district not among the team's) or "capacity" (the amount over the team's
    capacity); None when nothing does. The one rule of :meth:`Problem.compatible` and of
    the reasons (``routing.reasons``); an application asks it which teams may take a visit
    before it builds a problem (whom to suggest for a pin)."""
    if not visit.skills <= team.skills:
        return "skill"
    if responsibility == "hard" and outside(visit, team):
        return "district"
    if visit.amount and any(
        a > (team.capacity[k] if k < len(team.capacity) else 0)
        for k, a in enumerate(visit.amount)
    ):
        return "capacity"
    return None


#: What each day a visit is put off beyond its home day costs, in moves
#: (:attr:`Problem.move_cost`): a move of two days later costs five moves
#: (``routing.solve.visit_costs``, review 33 #4: also in the drop penalty's bound).
DELAY_MOVES = 2


def day_name(d: int, names: Sequence[str] = ()) -> str:
    """The name of day ``d`` in a reason: ``names[d]`` when given, else "Tag d+1"."""
    return names[d] if 0 <= d < len(names) else f"Tag {d + 1}"


def _hm(t: int) -> str:
    """The clock time of an absolute time: "08:00" ("08:00:10" off the minute)."""
    r = int(t) % DAY
    hm = f"{r // 3600:02d}:{r % 3600 // 60:02d}"
    return hm if r % 60 == 0 else f"{hm}:{r % 60:02d}"


def _clock(t: int, names: Sequence[str] = ()) -> str:
    return f"{day_name(int(t) // DAY, names)}, {_hm(t)}"


def _window_text(w: TimeWindow, names: Sequence[str] = (), day: int | None = None) -> str:
    """A window as a reason names it: "Tag 1, 06:00 bis 06:30 Uhr", "10:00 Uhr"; the day is
    left out when it is ``day`` (already named), both days are named when it spans two."""
    d0, d1 = w.start // DAY, w.end // DAY
    if d0 != d1:
        return f"{_clock(w.start, names)} bis {_clock(w.end, names)} Uhr"
    t = f"{_hm(w.start)} Uhr" if w.start == w.end else f"{_hm(w.start)} bis {_hm(w.end)} Uhr"
    return t if d0 == day else f"{day_name(d0, names)}, {t}"


def _pin_text(pin: Pin, names: Sequence[str] = ()) -> str:
    parts = []
    if pin.team is not None:
        parts.append(f"Team {pin.team}")
    if pin.day is not None:
        parts.append(day_name(pin.day, names))
    if pin.position is not None:
        parts.append(f"Position {pin.position}")
    if pin.window is not None:
        w = _window_text(pin.window, names, pin.day)
        other_day = pin.day is not None and not w[:1].isdigit()
        parts.append(f"Uhrzeit {w}" if other_day else w)
    return ", ".join(parts)


def reachable(value: int) -> bool:
    """Whether a matrix value is a usable travel time / distance."""
    return 0 <= value < UNREACHABLE


# -- solution -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One step of a route: ``start``, ``job``, ``break`` or ``end`` (as in VROOM's output).

    ``arrival`` is when the team gets there; ``service_start`` = arrival + waiting (for a
    break: when it begins). ``visit`` is the visit id for jobs, ``break_index`` the index
    into the shift's breaks for breaks. A merged re-plan (:meth:`routing.replan.Replan.merge`)
    also has ``position`` steps: where the re-plan was told the team is (no visit), its
    ``service`` the stay there.
    """

    kind: str
    arrival: int
    service_start: int
    service: int = 0
    location: int | None = None
    visit: str | None = None
    break_index: int | None = None

    @property
    def waiting(self) -> int:
        return self.service_start - self.arrival


@dataclass(frozen=True)
class Route:
    """The plan of one vehicle (team-day): its steps, travel time and distance."""

    vehicle: int
    team: str
    day: int
    steps: tuple[Step, ...]
    travel: int
    distance: int

    @property
    def visits(self) -> tuple[str, ...]:
        return tuple(s.visit for s in self.steps if s.kind == "job" and s.visit is not None)

    @property
    def service(self) -> int:
        return sum(s.service for s in self.steps if s.kind == "job")

    @property
    def waiting(self) -> int:
        return sum(s.waiting for s in self.steps if s.kind == "job")


@dataclass(frozen=True)
class Unassigned:
    """A visit that is not in the plan, with a reason code and a German sentence."""

    visit: str
    code: str
    reason: str


@dataclass(frozen=True)
class Solution:
    """Routes (only team-days with visits), unassigned visits and solver statistics."""

    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    objective: int = 0
    stats: Mapping[str, Any] = field(default_factory=dict)

    @property
    def travel(self) -> int:
        return sum(r.travel for r in self.routes)

    @property
    def distance(self) -> int:
        return sum(r.distance for r in self.routes)

    @property
    def served(self) -> tuple[str, ...]:
        return tuple(v for r in self.routes for v in r.visits)

    def route_of(self, visit_id: str) -> Route | None:
        for r in self.routes:
            if visit_id in r.visits:
                return r
        return None


def visits_by_id(visits: Iterable[Visit]) -> dict[str, Visit]:
    return {v.id: v for v in visits}
