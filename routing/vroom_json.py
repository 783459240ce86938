"""VROOM-compatible JSON: read VROOM input, write VROOM input and output.

Input
-----
A plain VROOM input with custom matrices runs unchanged: ``jobs`` (``id``,
``location_index``, ``service``, ``setup``, ``service_per_type``, ``setup_per_type``,
``delivery``/``pickup``/``amount``, ``skills``, ``priority``, ``time_windows``,
``description``), ``vehicles`` (``id``, ``profile``, ``type``, ``start_index``,
``end_index``, ``capacity``, ``skills``, ``time_window``, ``breaks``, ``max_tasks``,
``description``) and ``matrices`` per profile with ``durations`` and optionally
``distances`` (or the legacy top-level ``matrix``). Coordinates given next to the indices
(a job's ``location``, a vehicle's ``start``/``end``) are not used for routing but given
back in the output, as VROOM does; as VROOM, ``start``/``end`` without ``start_index``/
``end_index`` are refused. Each vehicle becomes a team with one
shift on day 0; absolute VROOM times are kept as they are. Notes: ``setup`` is added to
the service time (VROOM leaves it out for a job at the same place as the step before: there
our plan keeps the setup, a little more time than VROOM's); ``service_per_type`` and
``setup_per_type`` give the duration for the vehicles' ``type``, and since a visit has one
duration, a job for which the vehicles that have its skills would need different durations
is refused (naming the job and the key). The objective is travel time, as in VROOM's
default: vehicle ``costs`` are read with their defaults only (``per_hour`` 3600, ``fixed``,
``per_km`` and ``per_task_hour`` 0; other values change the plan and its ``cost`` and are
refused, naming the vehicle and the key), cost matrices (``matrices.<profile>.costs``)
are refused.
Features that would change the meaning of a plan and are not modelled are refused
with an input error naming the job/vehicle and the key: ``shipments``, jobs with both
``pickup`` and ``delivery``, ``max_travel_time``, ``max_distance``, ``speed_factor``
other than 1, ``costs`` other than the defaults, cost matrices, ``steps``, break
``max_load``, several windows for one break. What VROOM refuses is refused too, with a
German message: an input without jobs, two jobs with one id, a job with more amounts
than the vehicles have capacities, a break without ``id``, two breaks of a vehicle
with one id, job or break windows that overlap or touch (unsorted ones are sorted), an
empty ``time_windows`` list. One deviation: two vehicles with the same ``id`` (VROOM
accepts them) are refused, since the model names a team by its id (pins, routes,
re-plans) and the output's ``vehicle`` would not say which one drove.

What the project writes (:func:`problem_to_json`) is such a VROOM input, one vehicle
per team-day, plus one extra top-level key ``"hausbesuch"`` that VROOM ignores and that
holds the full model (teams, days, skill names, day ranges, pins, team-days taken out
with the reason they give, :attr:`Problem.absent`, and how they come back,
:attr:`Problem.absent_undo`). When it is present it is authoritative; the VROOM keys
are a view of it for VROOM: day ranges and day pins
become job time windows, team pins an extra skill per team, skill names integers.
Position pins, ``balance``, ``team_balance``, alternatives (a visit's ``group`` and
``cost``: in VROOM's view every alternative is a job of its own) and doors (a visit's
``door``, a shift's ``doors``: :mod:`routing.doors`) have no VROOM equivalent. ``pure=True`` omits the extra key.

Output
------
VROOM's output (``code``, ``summary``, ``unassigned``, ``routes`` with ``steps`` of
type start/job/break/end with ``arrival``, ``duration``, ``service``,
``waiting_time``, ``location``, ``location_index``). Unassigned entries also carry ``reason_code``
and ``reason`` (German); routes carry ``team`` and ``day``. A job's ``setup`` was added
to its service on reading, so the output has ``setup: 0`` and the sum as ``service``
(the times are VROOM's; README, "Solver features"). A route that is back at its end by
the time a break's window opens has no step for that break (VROOM would put it before the
end, the vehicle waiting for the window): the break is not part of the route, its end
step's ``arrival`` is the real return, and ``service``/``waiting_time`` leave it out.

A key twice in one JSON object is refused (VROOM reads the first occurrence, Python's
``json`` the last), and so is an extension of another ``"format"`` than :data:`FORMAT`
(a file without it is read as format 1).
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from routing.errors import RoutingInputError
from routing.model import (
    DAY,
    UNREACHABLE,
    Break,
    MatrixRangeError,
    Pin,
    Problem,
    Route,
    Shift,
    Solution,
    Step,
    Team,
    TimeWindow,
    Visit,
    reachable,
)

FORMAT = 1
_DEC = re.compile(r"^(0|[1-9][0-9]{0,19})$")


def is_uint64(text: str) -> bool:
    """An id VROOM keeps as it is: decimal, 0 … 2**64 - 1 (its ids are uint64)."""
    return bool(_DEC.match(text)) and int(text) <= 2**64 - 1


# -- helpers --------------------------------------------------------------------------------


def _e(where: str, key: str, what: str) -> RoutingInputError:
    return RoutingInputError(f"{where}, Feld '{key}': {what}")


def _uint(obj: Mapping[str, Any], key: str, where: str, default: int | None = None) -> int:
    if key not in obj or obj[key] is None:
        if default is None:
            raise _e(where, key, "fehlt.")
        return default
    v = obj[key]
    if isinstance(v, bool) or not isinstance(v, int):
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        else:
            raise _e(where, key, f"nicht negative ganze Zahl erwartet, erhalten {v!r}.")
    if v < 0:
        raise _e(where, key, f"nicht negative ganze Zahl erwartet, erhalten {v}.")
    return int(v)


def _ints(obj: Mapping[str, Any], key: str, where: str) -> list[int]:
    v = obj.get(key)
    if v is None:
        return []
    if not isinstance(v, list):
        raise _e(where, key, f"Liste ganzer Zahlen erwartet, erhalten {v!r}.")
    out = []
    for k, x in enumerate(v):
        if isinstance(x, bool) or not isinstance(x, int) or x < 0:
            raise _e(where, f"{key}[{k}]", f"nicht negative ganze Zahl erwartet, erhalten {x!r}.")
        out.append(int(x))
    return out


def _home(v: Mapping[str, Any], where: str) -> tuple[str, int] | None:
    h = v.get("home")
    if h is None:
        return None
    if not isinstance(h, list) or len(h) != 2 or not isinstance(h[0], str):
        raise _e(where, "home", "[Team, Tag] erwartet.")
    return (h[0], _uint({"home": h[1]}, "home", where))


def _str_or_none(
    obj: Mapping[str, Any], key: str, where: str, label: str | None = None
) -> str | None:
    v = obj.get(key)
    if v is not None and not isinstance(v, str):
        raise _e(where, label or f"pin.{key}", f"Zeichenkette erwartet, erhalten {_short(v)}.")
    return v


def _desc(obj: Mapping[str, Any], where: str) -> str | None:
    """VROOM's free-text ``description`` (kept for the output), or None."""
    v = obj.get("description")
    if v is None:
        return None
    if not isinstance(v, str):
        raise _e(where, "description", f"Zeichenkette erwartet, erhalten {_short(v)}.")
    return v


def _coords(obj: Mapping[str, Any], key: str, where: str) -> tuple[float, float] | None:
    """A VROOM coordinate pair ``[lon, lat]`` (kept for the output, as VROOM gives it
    back), or None. As VROOM: at least two numbers, further ones are ignored."""
    v = obj.get(key)
    if v is None:
        return None
    if (not isinstance(v, list) or len(v) < 2
            or any(isinstance(x, bool) or not isinstance(x, int | float) for x in v[:2])):
        raise _e(where, key, f"[Länge, Breite] erwartet, erhalten {_short(v)}.")
    try:
        lon, lat = float(v[0]), float(v[1])
    except OverflowError:  # an integer of hundreds of digits (review 19 #5)
        lon = lat = math.inf
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise _e(where, key, f"[Länge, Breite] als endliche Zahlen erwartet, erhalten "
                             f"{_short(v)}.")
    return lon, lat


def _strs(obj: Mapping[str, Any], key: str, where: str) -> list[str]:
    v = obj.get(key)
    if v is None:
        return []
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise _e(where, key, f"Liste von Zeichenketten erwartet, erhalten {_short(v)}.")
    return v


def _window(v: Any, where: str, key: str) -> TimeWindow:
    if (
        not isinstance(v, list | tuple)
        or len(v) != 2
        or any(isinstance(x, bool) or not isinstance(x, int) for x in v)
    ):
        raise _e(where, key, f"Zeitfenster [Beginn, Ende] aus ganzen Zahlen erwartet, erhalten {v!r}.")
    if v[0] < 0 or v[1] < v[0]:
        raise _e(where, key, f"ungültiges Zeitfenster {list(v)} (Ende vor Beginn oder negativ).")
    return TimeWindow(int(v[0]), int(v[1]))


def _windows(obj: Mapping[str, Any], key: str, where: str, *, vroom: bool = False
             ) -> tuple[TimeWindow, ...]:
    """Time windows, overlapping ones merged. ``vroom``: an empty list and windows that
    overlap or touch are refused, as VROOM does (the project's own extension writes ``[]``
    for "any time")."""
    v = obj.get(key)
    if v is None:
        return ()
    if not isinstance(v, list):
        raise _e(where, key, f"Liste von Zeitfenstern erwartet, erhalten {v!r}.")
    if not v and vroom:
        raise _e(where, key, "leere Liste: mindestens ein Zeitfenster angeben oder das Feld "
                             "weglassen.")
    tws = [_window(x, where, f"{key}[{k}]") for k, x in enumerate(v)]
    tws.sort(key=lambda w: (w.start, w.end))
    if vroom:  # VROOM sorts them and refuses windows that overlap or touch
        for a, b in zip(tws, tws[1:], strict=False):
            if b.start <= a.end:
                raise _e(where, key, f"die Zeitfenster [{a.start}, {a.end}] und [{b.start}, "
                                     f"{b.end}] überschneiden sich; VROOM verlangt getrennte "
                                     "Zeitfenster.")
    merged: list[TimeWindow] = []
    for w in tws:  # the project's own extension: overlapping windows are merged
        if merged and w.start <= merged[-1].end:
            merged[-1] = TimeWindow(merged[-1].start, max(merged[-1].end, w.end))
        else:
            merged.append(w)
    return tuple(merged)


def _matrices(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    dur: dict[str, Any] = {}
    dist: dict[str, Any] = {}
    mats = data.get("matrices")
    if mats is not None:
        if not isinstance(mats, dict) or not mats:
            raise _e("Eingabe", "matrices", "Objekt mit einer Matrix je Profil erwartet.")
        for prof, m in mats.items():
            where = f"Matrizen, Profil '{prof}'"
            if not isinstance(m, dict):
                raise _e(where, "durations", "Objekt mit 'durations' erwartet.")
            if "durations" not in m:
                raise _e(where, "durations", "fehlt (eigene Matrizen brauchen 'durations').")
            dur[str(prof)] = _matrix_value(
                m["durations"], where, "durations", f"matrices.{prof}.durations"
            )
            if m.get("costs") is not None:
                raise _e(where, "costs", "eigene Kostenmatrizen werden nicht unterstützt: das "
                                         "Ziel ist die Fahrzeit ('durations').")
            if m.get("distances") is not None:
                dist[str(prof)] = _matrix_value(
                    m["distances"], where, "distances", f"matrices.{prof}.distances"
                )
    elif data.get("matrix") is not None:
        dur["car"] = _matrix_value(data["matrix"], "Eingabe", "matrix", "matrix")
    else:
        raise _e(
            "Eingabe",
            "matrices",
            "fehlt: ohne Netz-Server braucht die Eingabe eigene Matrizen ('matrices').",
        )
    return dur, dist


def _matrix_value(v: Any, where: str, key: str, path: str = "") -> np.ndarray:
    """A square matrix of non-negative integers; ``None`` or >= UNREACHABLE: no path.

    ``path`` is the JSON path of the matrix (e.g. ``matrices.car.durations``): a bad
    value is named by its path (``matrices.car.durations[3][5]``).
    """
    path = path or key
    if not isinstance(v, list) or not v or not all(isinstance(r, list) for r in v):
        raise RoutingInputError(f"{path}: quadratische Matrix (Liste von Zeilen) erwartet.")
    n = len(v)
    for i, r in enumerate(v):
        if len(r) != n:
            raise RoutingInputError(f"{path}[{i}]: Zeile hat {len(r)} Werte, erwartet {n}.")
    try:  # fast path: numbers only
        arr = np.array(v)
    except (ValueError, TypeError, OverflowError):
        arr = None
    if arr is not None and any(bool in set(map(type, r)) for r in v):
        arr = None  # numpy reads true/false as 1/0: find and name it below
    if arr is not None and arr.shape == (n, n) and arr.dtype.kind in "iuf":
        vals = arr.astype(np.float64) if arr.dtype.kind == "f" else arr
        bad = None
        if arr.dtype.kind == "f":
            wrong = ~np.isfinite(vals) | (vals != np.round(vals)) | (vals < 0) | (vals >= 2.0**63)
        elif arr.dtype.kind == "u":
            wrong = vals > np.iinfo(np.int64).max
        else:
            wrong = vals < 0
        if wrong.any():
            bad = tuple(int(x) for x in np.argwhere(wrong)[0])
        if bad is None:
            out = np.where(vals >= UNREACHABLE, UNREACHABLE, vals).astype(np.int64)
            return out
    # slow path: find the first bad value and name it
    out = np.full((n, n), UNREACHABLE, dtype=np.int64)
    for i, r in enumerate(v):
        for j, x in enumerate(r):
            at_ = f"{path}[{i}][{j}]"
            if x is None:
                continue  # unreachable
            if isinstance(x, bool) or not isinstance(x, int | float):
                raise RoutingInputError(f"{at_}: Zahl erwartet, erhalten {_short(x)}.")
            if isinstance(x, float) and not math.isfinite(x):
                raise RoutingInputError(f"{at_}: endliche Zahl erwartet, erhalten {x!r}.")
            if isinstance(x, float) and not x.is_integer():
                raise RoutingInputError(f"{at_}: ganze Zahl erwartet, erhalten {x!r}.")
            if x < 0:
                raise RoutingInputError(
                    f"{at_}: negativer Wert {x!r}; unerreichbar ist {UNREACHABLE} oder mehr "
                    "(oder null)."
                )
            if x >= 2**63:
                raise RoutingInputError(
                    f"{at_}: Wert {_short(x)} ist zu groß (höchstens 2^63 - 1; unerreichbar ist "
                    f"{UNREACHABLE} oder mehr)."
                )
            out[i, j] = min(int(x), UNREACHABLE)
    return out


def _short(x: Any) -> str:
    text = repr(x)
    return text if len(text) <= 40 else text[:37] + "..."


#: Deepest nesting accepted (VROOM's input nests 5 levels: matrices.car.durations[i][j]).
MAX_DEPTH = 16
#: Keys whose numbers are coordinates or factors (may be negative or fractional).
_FREE_NUMBERS = frozenset({"location", "start", "end", "speed_factor", "coordinates"})
#: Keys of whole matrices (checked by ``_matrix_value`` with numpy).
_MATRIX_KEYS = frozenset({"durations", "distances", "costs"})


#: A lone UTF-16 surrogate (``"\\ud83d"``: valid JSON, e.g. a JavaScript string cut in the
#: middle of an emoji), which no UTF-8 output can hold.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogate_error(where: str, what: str, found: re.Match[str]) -> RoutingInputError:
    return RoutingInputError(
        f"{where}: {what} enthält ein halbes Zeichen (einzelnes UTF-16-Ersatzzeichen "
        f"\\u{ord(found.group()):04x}, etwa ein abgeschnittenes Emoji); das lässt sich nicht "
        "als UTF-8 schreiben. Bitte das Zeichen vollständig angeben oder entfernen.")


def check_tree(data: Any) -> None:
    """Check nesting depth, every number and every text of a parsed input; errors name the
    JSON path. Texts (and keys) must not hold a lone surrogate (see :data:`_SURROGATE`).

    Numbers must be finite; outside coordinates (``location``, ``start``, ``end``) and
    ``speed_factor`` also non-negative integers up to ``MAX_VALUE`` (ids up to 2^64 - 1,
    as VROOM's). Matrices are checked by :func:`_matrix_value`.
    """
    from routing.model import MAX_VALUE

    stack: list[tuple[Any, str, int, str]] = [(data, "", 0, "")]
    while stack:
        obj, path, depth, key = stack.pop()
        if depth > MAX_DEPTH:
            raise RoutingInputError(
                f"{path or 'Eingabe'}: zu tief verschachtelt (mehr als {MAX_DEPTH} Ebenen)."
            )
        if isinstance(obj, dict):
            for k, v in obj.items():
                if found := _SURROGATE.search(k):
                    raise _surrogate_error(path or "Eingabe", "ein Schlüssel", found)
                p = f"{path}.{k}" if path else str(k)
                if k in _MATRIX_KEYS and (path.startswith("matrices") or path == ""):
                    continue
                if k == "matrix" and path == "":
                    continue
                stack.append((v, p, depth + 1, str(k)))
        elif isinstance(obj, list):
            for i, v in enumerate(obj):
                stack.append((v, f"{path}[{i}]", depth + 1, key))
        elif isinstance(obj, str):
            if found := _SURROGATE.search(obj):
                raise _surrogate_error(path or "Eingabe", "der Text", found)
        elif isinstance(obj, bool) or obj is None:
            continue
        elif isinstance(obj, int | float):
            where = path or "Eingabe"
            if isinstance(obj, float) and not math.isfinite(obj):
                raise RoutingInputError(f"{where}: endliche Zahl erwartet, erhalten {obj!r}.")
            if key in _FREE_NUMBERS or ".costs" in path:
                continue
            if obj < 0:
                raise RoutingInputError(
                    f"{where}: nicht negative Zahl erwartet, erhalten {_short(obj)}."
                )
            limit = 2**64 - 1 if key == "id" else MAX_VALUE
            if obj > limit:
                raise RoutingInputError(
                    f"{where}: Wert {_short(obj)} ist zu groß (höchstens {limit})."
                )


# -- ids ------------------------------------------------------------------------------------


def _own_job_ids(problem: Problem) -> bool:
    """Whether the visits' ids are VROOM job ids (all decimal, as in a VROOM input)."""
    return all(is_uint64(v.id) for v in problem.visits)


def _own_vehicle_ids(problem: Problem) -> bool:
    """Whether the teams' ids are VROOM vehicle ids (decimal, one shift each)."""
    return all(len(t.shifts) <= 1 and is_uint64(t.id) for t in problem.teams)


def job_ids(problem: Problem) -> dict[str, int]:
    """VROOM job id per visit: the visit id itself when all ids are decimal integers."""
    if _own_job_ids(problem):
        return {v.id: int(v.id) for v in problem.visits}
    return {v.id: i + 1 for i, v in enumerate(problem.visits)}


def vehicle_ids(problem: Problem) -> dict[int, int]:
    """VROOM vehicle id per vehicle index: the team id for one-shift numeric teams."""
    vehicles = problem.vehicles()
    if _own_vehicle_ids(problem):
        return {v.index: int(v.team.id) for v in vehicles}
    return {v.index: v.index + 1 for v in vehicles}


def skill_ids(problem: Problem) -> dict[str, int]:
    names = sorted(set().union(*(t.skills for t in problem.teams), *(v.skills for v in problem.visits)))
    if all(is_uint64(s) for s in names):
        return {s: int(s) for s in names}
    return {s: i + 1 for i, s in enumerate(names)}


# -- reading --------------------------------------------------------------------------------


def problem_from_json(data: Any) -> Problem:
    """Build a :class:`Problem` from VROOM input (or the project's extended input).

    Raises
    ------
    RoutingInputError
        German, naming the JSON path or the job/vehicle and key: numbers that are not
        finite, negative or too large (see :func:`check_tree`), nesting deeper than
        ``MAX_DEPTH``, unsupported keys, inconsistent references.
    """
    if not isinstance(data, dict):
        raise RoutingInputError("Eingabe: JSON-Objekt mit 'jobs' und 'vehicles' erwartet.")
    check_tree(data)
    try:
        return _problem_from_json(data)
    except MatrixRangeError as exc:
        key = "matrix" if data.get("matrices") is None else f"matrices.{exc.mode}.{exc.kind}"
        raise RoutingInputError(f"{key}[{exc.row}][{exc.col}]: {exc}") from None


def _per_type(obj: Mapping[str, Any], key: str, where: str) -> dict[str, int]:
    """VROOM's ``service_per_type``/``setup_per_type``: vehicle type -> seconds."""
    v = obj.get(key)
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise _e(where, key, f"Objekt (Fahrzeugtyp: Sekunden) erwartet, erhalten {_short(v)}.")
    out = {}
    for t, x in v.items():
        if not t:
            raise _e(where, key, "leerer Fahrzeugtyp.")
        out[t] = _uint({key: x}, key, f"{where}, Fahrzeugtyp {t!r}")
    return out


#: VROOM's vehicle costs the model does not have: key -> what it is (all must be 0).
_COSTS = {
    "fixed": "Fixkosten je eingesetztem Fahrzeug",
    "per_km": "Kosten je Kilometer",
    "per_task_hour": "Kosten je Stunde Besuchszeit",
}


def _costs(costs: Any, where: str) -> None:
    """A vehicle's ``costs``: only VROOM's default (travel time, ``per_hour`` 3600) is
    modelled; anything else would change the plan and the reported ``cost``: refused."""
    if costs is None:
        return
    if not isinstance(costs, dict):
        raise _e(where, "costs", f"Objekt erwartet, erhalten {_short(costs)}.")
    vals = {f"costs.{k}": x for k, x in costs.items()}
    for key, what in _COSTS.items():
        if _uint(vals, f"costs.{key}", where, 0):
            raise _e(where, f"costs.{key}", f"{what} werden nicht unterstützt: das Ziel ist "
                                            "die Fahrzeit.")
    if _uint(vals, "costs.per_hour", where, 3600) != 3600:
        raise _e(where, "costs.per_hour", "nur 3600 wird unterstützt (VROOMs Vorgabe: die "
                                          "Kosten sind die Fahrzeit in Sekunden).")


def _job_service(jid: str, svc: tuple[int, int, dict[str, int], dict[str, int]],
                 skills: frozenset[str], raw_veh: list[tuple[Any, ...]]) -> int:
    """The one visit duration of a job: its service plus its setup, each per the vehicle
    type where ``service_per_type``/``setup_per_type`` name it (VROOM 1.15).

    The model has one duration per visit: when the vehicles that have the job's skills
    would need different durations, the input is refused, naming the job and the key.
    """
    service, setup, s_type, u_type = svc
    if not s_type and not u_type:
        return service + setup
    vehicles = [rv for rv in raw_veh if skills <= rv[7]] or raw_veh
    by_type = {rv[10]: (s_type.get(rv[10] or "", service), u_type.get(rv[10] or "", setup))
               for rv in vehicles}
    if len({a + b for a, b in by_type.values()}) == 1:
        a, b = next(iter(by_type.values()))
        return a + b
    key = "service_per_type" if len({a for a, _ in by_type.values()}) > 1 else "setup_per_type"
    each = ", ".join(
        f"{'Typ ' + repr(t) if t is not None else 'ohne Typ'} {a + b} s"
        for t, (a, b) in sorted(by_type.items(), key=lambda kv: (kv[0] is not None, kv[0] or ""))
    )
    raise _e(f"Job {jid}", key,
             f"je Fahrzeugtyp verschiedene Dauern ({each}) werden nicht unterstützt: der "
             "Job hat eine Dauer für alle Fahrzeuge, die ihn übernehmen können.")


def _problem_from_json(data: dict[str, Any]) -> Problem:
    ext = data.get("hausbesuch")
    if ext is not None:
        if not isinstance(ext, dict):
            raise _e("Eingabe", "hausbesuch", "Objekt erwartet.")
        fmt = ext.get("format", FORMAT)  # files without it are read as format 1
        if type(fmt) is not int or fmt != FORMAT:
            raise _e("Eingabe", "hausbesuch.format",
                     f"Format {fmt!r} ist unbekannt; diese Version liest Format {FORMAT}.")
    dur, dist = _matrices(data)
    if ext is not None:
        return _from_ext(ext, dur, dist)
    if data.get("shipments"):
        raise _e("Eingabe", "shipments", "Sendungen (Abholung + Lieferung) werden nicht unterstützt.")
    jobs = data.get("jobs") or []
    vehicles = data.get("vehicles")
    if not isinstance(jobs, list):
        raise _e("Eingabe", "jobs", "Liste erwartet.")
    if not jobs:  # as VROOM ("No task defined")
        raise _e("Eingabe", "jobs", "keine Aufträge: mindestens ein Job ist nötig.")
    if not isinstance(vehicles, list) or not vehicles:
        raise _e("Eingabe", "vehicles", "mindestens ein Fahrzeug erwartet.")

    n_loc = min(m.shape[0] for m in dur.values())
    kinds = set()
    max_t = 0
    raw_jobs = []
    amount_key: dict[str, str] = {}  # job id -> the key its amounts came from
    for k, j in enumerate(jobs):
        if not isinstance(j, dict):
            raise _e(f"Job #{k + 1}", "id", "Objekt erwartet.")
        where = f"Job {j.get('id', f'#{k + 1}')}"
        jid = _uint(j, "id", where)
        where = f"Job {jid}"
        if str(jid) in amount_key:  # as VROOM ("Duplicate job id"); said here as a job
            raise _e(where, "id", "die Kennung ist doppelt vergeben.")
        if "location_index" not in j:
            raise _e(where, "location_index", "fehlt (eigene Matrizen brauchen einen Index je Job).")
        loc = _uint(j, "location_index", where)
        coords = _coords(j, "location", where)
        if loc >= n_loc:
            raise _e(where, "location_index", f"{loc} liegt außerhalb der Matrix ({n_loc} Orte).")
        service, setup = _uint(j, "service", where, 0), _uint(j, "setup", where, 0)
        per_type = (_per_type(j, "service_per_type", where), _per_type(j, "setup_per_type", where))
        prio = _uint(j, "priority", where, 0)
        if prio > 100:
            raise _e(where, "priority", f"{prio} liegt nicht zwischen 0 und 100.")
        deliv, pick = _ints(j, "delivery", where), _ints(j, "pickup", where)
        amount = _ints(j, "amount", where)
        if deliv and any(deliv) and pick and any(pick):
            raise _e(where, "pickup", "'pickup' und 'delivery' am selben Job werden nicht unterstützt.")
        if any(deliv):
            kinds.add("delivery")
        if any(pick):
            kinds.add("pickup")
        amount_key[str(jid)] = "delivery" if deliv else "pickup" if pick else "amount"
        amount = deliv or pick or amount
        tws = _windows(j, "time_windows", where, vroom=True)
        max_t = max([max_t] + [w.end for w in tws])
        skills = frozenset(str(s) for s in _ints(j, "skills", where))
        raw_jobs.append((str(jid), loc, (service, setup, *per_type), tws, prio, skills,
                         tuple(amount), _desc(j, where), coords))
    if len(kinds) > 1:
        raise _e("Eingabe", "pickup", "Jobs mit 'pickup' und Jobs mit 'delivery' zugleich werden nicht unterstützt.")

    raw_veh = []
    for k, v in enumerate(vehicles):
        if not isinstance(v, dict):
            raise _e(f"Fahrzeug #{k + 1}", "id", "Objekt erwartet.")
        where = f"Fahrzeug {v.get('id', f'#{k + 1}')}"
        vid = _uint(v, "id", where)
        where = f"Fahrzeug {vid}"
        for key in ("max_travel_time", "max_distance", "steps"):
            if v.get(key) is not None:
                raise _e(where, key, "wird nicht unterstützt.")
        if v.get("speed_factor") not in (None, 1, 1.0):
            raise _e(where, "speed_factor", "nur 1 wird unterstützt.")
        _costs(v.get("costs"), where)
        prof = v.get("profile", "car")
        if not isinstance(prof, str) or prof not in dur:
            raise _e(where, "profile", f"keine Matrix für das Profil {prof!r}.")
        start = _uint(v, "start_index", where) if v.get("start_index") is not None else None
        end = _uint(v, "end_index", where) if v.get("end_index") is not None else None
        if start is None and end is None:
            raise _e(where, "start_index", "'start_index' oder 'end_index' muss angegeben sein.")
        ends = (_coords(v, "start", where), _coords(v, "end", where))
        for key, val, xy in (("start_index", start, ends[0]), ("end_index", end, ends[1])):
            if val is None and xy is not None:  # as VROOM with custom matrices
                raise _e(where, key, f"fehlt zu '{key[:-6]}': mit eigenen Matrizen braucht "
                                     "jeder Ort einen Index.")
        for key, val in (("start_index", start), ("end_index", end)):
            if val is not None and val >= dur[prof].shape[0]:
                raise _e(where, key, f"{val} liegt außerhalb der Matrix ({dur[prof].shape[0]} Orte).")
        tw = _window(v["time_window"], where, "time_window") if v.get("time_window") is not None else None
        if tw is not None:
            max_t = max(max_t, tw.end)
        brks = v.get("breaks") or []
        if not isinstance(brks, list):
            raise _e(where, "breaks", "Liste erwartet.")
        raw_b = []
        break_ids: set[int] = set()
        for bk, b in enumerate(brks):
            has_id = isinstance(b, dict) and b.get("id") is not None
            bw = f"{where}, Pause {b['id'] if has_id else f'#{bk + 1}'}"
            if not isinstance(b, dict):
                raise _e(bw, "id", "Objekt erwartet.")
            if not has_id:  # as VROOM ("Invalid or missing id for break")
                raise _e(bw, "id", "fehlt: jede Pause braucht eine Kennung.")
            bid = _uint(b, "id", bw)
            if bid in break_ids:
                raise _e(bw, "id", "die Kennung ist doppelt vergeben.")
            break_ids.add(bid)
            if b.get("max_load") is not None:
                raise _e(bw, "max_load", "wird nicht unterstützt.")
            btws = _windows(b, "time_windows", bw, vroom=True)
            if len(btws) > 1:
                raise _e(bw, "time_windows", "mehr als ein Zeitfenster je Pause wird nicht unterstützt.")
            raw_b.append((bw, btws[0] if btws else None, _uint(b, "service", bw, 0), bid,
                          _desc(b, bw)))
            if btws:
                max_t = max(max_t, btws[0].end + raw_b[-1][2])
        max_tasks = _uint(v, "max_tasks", where) if v.get("max_tasks") is not None else None
        skills = frozenset(str(s) for s in _ints(v, "skills", where))
        cap = tuple(_ints(v, "capacity", where))
        vtype = v.get("type")
        if vtype is not None and not isinstance(vtype, str):
            raise _e(where, "type", f"Zeichenkette erwartet, erhalten {_short(vtype)}.")
        raw_veh.append((vid, prof, start, end, tw, raw_b, max_tasks, skills, cap,
                        _desc(v, where), vtype, ends))

    # service and setup per vehicle type: one duration per job (the model has one)
    raw_jobs = [(i, loc, _job_service(i, svc, sk, raw_veh), tws, p, sk, a, de, xy)
                for i, loc, svc, tws, p, sk, a, de, xy in raw_jobs]
    total_service = sum(rj[2] for rj in raw_jobs)

    # A horizon for missing vehicle windows: long enough for any route.
    n_legs = len(raw_jobs) + 2 * len(raw_veh)
    max_leg = max(
        (int(m[(m >= 0) & (m < 10**9)].max()) for m in dur.values() if ((m >= 0) & (m < 10**9)).any()),
        default=0,
    )
    brk_total = max((sum(b[2] for b in rv[5]) for rv in raw_veh), default=0)
    horizon = max_t + total_service + n_legs * max_leg + brk_total + 1

    visits = tuple(
        Visit(id=i, location=loc, service=s, time_windows=tws, priority=p, skills=sk, amount=a,
              description=de, coordinates=xy)
        for i, loc, s, tws, p, sk, a, de, xy in raw_jobs
    )
    ncap = max((len(rv[8]) for rv in raw_veh), default=0)
    for i, *_, a, _de, _xy in raw_jobs:  # as VROOM ("Inconsistent delivery length")
        if len(a) > ncap:
            have = f"nur {ncap} {'Kapazität' if ncap == 1 else 'Kapazitäten'}" if ncap else \
                "keine Kapazität"
            raise _e(f"Job {i}", amount_key[i],
                     f"{len(a)} {'Menge' if len(a) == 1 else 'Mengen'}, aber die Fahrzeuge "
                     f"haben {have} (Feld 'capacity').")
    teams = []
    seen: set[int] = set()
    for vid, prof, start, end, tw, raw_b, max_tasks, skills, cap, vdesc, _, ends in raw_veh:
        if vid in seen:
            raise _e(f"Fahrzeug {vid}", "id", "die Kennung ist doppelt vergeben.")
        seen.add(vid)
        window = tw if tw is not None else TimeWindow(0, horizon)
        breaks = []
        for bw, btw, dur_b, bid, bdesc in raw_b:
            if btw is None:
                btw = TimeWindow(window.start, max(window.start, window.end - dur_b))
            lo, hi = max(btw.start, window.start), min(btw.end + dur_b, window.end)
            if hi - lo < dur_b:
                raise _e(bw, "time_windows", "die Pause passt nicht in die Arbeitszeit des "
                                             f"Fahrzeugs ({window.start}–{window.end}).")
            breaks.append(Break(TimeWindow(lo, hi), dur_b, bid, bdesc))
        cap = cap + (0,) * (ncap - len(cap)) if ncap else cap
        teams.append(
            Team(
                id=str(vid), shifts=(Shift(0, window, tuple(breaks)),), start=start, end=end,
                skills=skills, max_visits=max_tasks, mode=prof, capacity=cap,
                description=vdesc, start_coordinates=ends[0], end_coordinates=ends[1],
            )
        )
    return Problem(visits, tuple(teams), 1, dur, dist, amounts=next(iter(kinds), "delivery"))


def _list(obj: Mapping[str, Any], key: str, where: str) -> list[Any]:
    """``obj[key]`` as a list (missing or null: empty); anything else is refused, naming
    the field (QA 24 F6: a dict of breaks ended as a Python AttributeError)."""
    v = obj.get(key)
    if v is None:
        return []
    if not isinstance(v, list):
        raise _e(where, key, f"Liste erwartet, erhalten {_short(v)}.")
    return v


def _choice(obj: Mapping[str, Any], key: str, where: str, allowed: tuple[str, ...]) -> str:
    """``obj[key]``, one of ``allowed`` (missing or null: the first); any other value is
    refused (QA 24 F6: "Soft" was read as "hard" without a word)."""
    v = obj.get(key)
    if v is None:
        return allowed[0]
    if v not in allowed or not isinstance(v, str):
        choices = " oder ".join(f"'{a}'" for a in allowed)
        raise _e(where, key, f"{choices} erwartet, erhalten {_short(v)}.")
    return v


def _from_ext(ext: Mapping[str, Any], dur: dict[str, Any], dist: dict[str, Any]) -> Problem:
    days = _uint(ext, "days", "hausbesuch", 1)
    visits = []
    for k, v in enumerate(_list(ext, "visits", "hausbesuch")):
        where = f"Besuch {v.get('id', f'#{k + 1}')}" if isinstance(v, dict) else f"Besuch #{k + 1}"
        if not isinstance(v, dict) or not isinstance(v.get("id"), str):
            raise _e(where, "id", "Zeichenkette erwartet.")
        pin = None
        if v.get("pin") is not None and not isinstance(v["pin"], dict):
            raise _e(where, "pin", "Objekt (team, day, position, window) erwartet, erhalten "
                                   f"{_short(v['pin'])}.")
        if v.get("pin") is not None:
            p = v["pin"]
            pin = Pin(
                team=_str_or_none(p, "team", where),
                day=_uint(p, "day", where) if p.get("day") is not None else None,
                position=_uint(p, "position", where) if p.get("position") is not None else None,
                window=_window(p["window"], where, "pin.window") if p.get("window") is not None else None,
            )
        # (as a team's: a list of names; "" or [null] are refused, not read as no skill
        # or a skill called "None", review 24 #7)
        skills = _strs(v, "skills", where)
        visits.append(
            Visit(
                id=v["id"],
                location=_uint(v, "location_index", where),
                service=_uint(v, "service", where, 0),
                time_windows=_windows(v, "time_windows", where),
                priority=_uint(v, "priority", where, 0),
                skills=frozenset(str(s) for s in skills),
                earliest_day=_uint(v, "earliest_day", where, 0),
                latest_day=_uint(v, "latest_day", where) if v.get("latest_day") is not None else None,
                pin=pin,
                amount=tuple(_ints(v, "amount", where)),
                home=_home(v, where),
                district=_str_or_none(v, "district", where, "district"),
                description=_desc(v, where),
                group=_str_or_none(v, "group", where, "group"),
                door=_str_or_none(v, "door", where, "door"),
                cost=_uint(v, "cost", where, 0),
                preferred_from_day=_uint(v, "preferred_from_day", where)
                if v.get("preferred_from_day") is not None else None,
            )
        )
    teams = []
    for k, t in enumerate(_list(ext, "teams", "hausbesuch")):
        where = f"Team {t.get('id', f'#{k + 1}')}" if isinstance(t, dict) else f"Team #{k + 1}"
        if not isinstance(t, dict) or not isinstance(t.get("id"), str):
            raise _e(where, "id", "Zeichenkette erwartet.")
        shifts = []
        for sk, s in enumerate(_list(t, "shifts", where)):
            sw = f"{where}, Schicht {sk + 1}"
            if not isinstance(s, dict):
                raise _e(sw, "day", "Objekt erwartet.")
            breaks = []
            for bk, b in enumerate(_list(s, "breaks", sw)):
                bw = f"{sw}, Pause {bk + 1}"
                if not isinstance(b, dict):
                    raise _e(sw, f"breaks[{bk}]", "Objekt (window, duration) erwartet, "
                                                  f"erhalten {_short(b)}.")
                breaks.append(Break(
                    _window(b.get("window"), bw, "window"), _uint(b, "duration", bw),
                    _uint(b, "id", bw) if b.get("id") is not None else None, _desc(b, bw),
                ))
            shifts.append(
                Shift(
                    _uint(s, "day", sw),
                    _window(s.get("time_window"), sw, "time_window"),
                    tuple(breaks),
                    start=_uint(s, "start_index", sw) if s.get("start_index") is not None else None,
                    end=_uint(s, "end_index", sw) if s.get("end_index") is not None else None,
                    fixed=tuple(str(x) for x in _strs(s, "fixed", sw)),
                    max_visits=_uint(s, "max_visits", sw) if s.get("max_visits") is not None else None,
                    kept=_uint(s, "kept", sw) if s.get("kept") is not None else 0,
                    doors=frozenset(_strs(s, "doors", sw)),
                )
            )
        skills = _strs(t, "skills", where)
        teams.append(
            Team(
                id=t["id"],
                shifts=tuple(shifts),
                start=_uint(t, "start_index", where) if t.get("start_index") is not None else None,
                end=_uint(t, "end_index", where) if t.get("end_index") is not None else None,
                skills=frozenset(str(s) for s in skills),
                max_visits=_uint(t, "max_visits", where) if t.get("max_visits") is not None else None,
                mode=str(t.get("mode", "car")),
                capacity=tuple(_ints(t, "capacity", where)),
                districts=frozenset(_strs(t, "districts", where)),
                description=_desc(t, where),
            )
        )
    return Problem(
        tuple(visits), tuple(teams), days, dur, dist, _uint(ext, "balance", "hausbesuch", 0),
        _uint(ext, "move_cost", "hausbesuch", 0),
        _choice(ext, "amounts", "hausbesuch", ("delivery", "pickup")),
        _choice(ext, "responsibility", "hausbesuch", ("hard", "soft")),
        _uint(ext, "outside_cost", "hausbesuch", 0),
        _uint(ext, "district_cost", "hausbesuch", 0),
        tuple(_strs(ext, "day_names", "hausbesuch")),
        _absent(ext),
        _uint(ext, "span_cost", "hausbesuch", 0),
        _uint(ext, "team_balance", "hausbesuch", 0),
        tuple(_strs(ext, "skill_verb", "hausbesuch")),
        _absent(ext, "absent_undo"),
        _uint(ext, "early_cost", "hausbesuch", 0),
    )


def _absent(ext: Mapping[str, Any], key: str = "absent") -> dict[tuple[str, int], str]:
    """``hausbesuch.absent``: [team, day, why] per team-day without a shift (``key``
    "absent_undo": [team, day, how it comes back])."""
    out = {}
    for k, a in enumerate(ext.get(key) or []):
        if (not isinstance(a, list) or len(a) != 3 or not isinstance(a[0], str)
                or not isinstance(a[2], str)):
            raise _e("hausbesuch", f"{key}[{k}]", "[Team, Tag, Text] erwartet.")
        out[(a[0], _uint({key: a[1]}, key, "hausbesuch"))] = a[2]
    return out


#: Largest input read (file or standard input), in bytes: 1,500 jobs with their matrix are
#: about 13 MB of JSON; 256 MB hold a matrix of about 6,000 locations with durations and
#: distances. More is refused before it is read whole (``/dev/zero`` or an endless stream
#: would fill the memory).
MAX_INPUT_BYTES = 256 * 2**20
_CHUNK = 2**20


def _too_big(name: str) -> RoutingInputError:
    return RoutingInputError(
        f"{name}: die Eingabe ist größer als {MAX_INPUT_BYTES // 2**20} MB; so große Probleme "
        "verarbeitet hausbesuch solve nicht (1.500 Aufträge mit Matrix sind etwa 13 MB).")


def read_input(stream: BinaryIO, name: str) -> str:
    """The text of a problem from a binary stream (a file, standard input, a pipe), read in
    pieces and refused as soon as it passes :data:`MAX_INPUT_BYTES`; a BOM is dropped.

    Raises
    ------
    RoutingInputError
        Too big, or not UTF-8 text.
    """
    parts: list[bytes] = []
    size = 0
    while chunk := stream.read(_CHUNK):
        size += len(chunk)
        if size > MAX_INPUT_BYTES:
            raise _too_big(name)
        parts.append(chunk)
    try:
        return b"".join(parts).decode("utf-8-sig")  # a BOM is no reason to refuse
    except UnicodeDecodeError:
        raise RoutingInputError(f"{name}: kein UTF-8-Text.") from None


def load_problem(path: str | Path) -> Problem:
    """Read a problem file (VROOM JSON); German :class:`RoutingInputError` on bad input
    (also a file larger than :data:`MAX_INPUT_BYTES`, refused before it is read)."""
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            if stat.S_ISREG(st.st_mode) and st.st_size > MAX_INPUT_BYTES:
                raise _too_big(str(path))
            text = read_input(fh, str(path))
    except FileNotFoundError:
        raise
    except OSError as exc:  # a folder, no permission, ...
        raise RoutingInputError(f"{path}: die Datei kann nicht gelesen werden ({exc.strerror}).") from None
    return problem_from_text(text, str(path))


def _no_constant(name: str) -> Any:
    raise RoutingInputError(f"'{name}' ist keine gültige JSON-Zahl (endliche Zahl erwartet).")


def _unique_keys(pairs: list[tuple[str, Any]], name: str = "Eingabe") -> dict[str, Any]:
    """A JSON object; a key twice in one object is refused (VROOM reads the first, Python
    the last: a file two programs read differently)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            ids = [v for k, v in pairs if k == "id" and isinstance(v, int | str)]
            where = f" (im Objekt mit id {ids[0]!r})" if ids else ""
            shown = key.encode("utf-8", "backslashreplace").decode("utf-8")  # a lone surrogate
            raise RoutingInputError(
                f"{name}: der Schlüssel '{shown}' steht zweimal im selben Objekt{where}; VROOM liest "
                "den ersten, andere Programme den letzten. Bitte nur einmal angeben."
            )
        out[key] = value
    return out


def problem_from_text(text: str, name: str = "Eingabe") -> Problem:
    """Parse and build a problem from JSON text; only :class:`RoutingInputError` escapes.

    NaN/Infinity literals, nesting too deep for the parser, numbers with thousands of
    digits and any input the builder does not expect end as a German input error.
    """
    try:
        data = json.loads(text, parse_constant=_no_constant, object_pairs_hook=partial(_unique_keys, name=name))
    except json.JSONDecodeError as exc:
        raise RoutingInputError(
            f"{name}: kein gültiges JSON (Zeile {exc.lineno}, Spalte {exc.colno}: {exc.msg})."
        ) from None
    except RecursionError:
        raise RoutingInputError(
            f"{name}: zu tief verschachtelt (mehr als {MAX_DEPTH} Ebenen)."
        ) from None
    except ValueError as exc:  # e.g. an integer of more than 4,300 digits
        if isinstance(exc, RoutingInputError):
            raise
        raise RoutingInputError(f"{name}: ungültige Zahl im JSON ({exc}).") from None
    try:
        return problem_from_json(data)
    except RoutingInputError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, IndexError, OverflowError,
            RecursionError) as exc:  # a shape no check above foresaw: still an input error
        raise RoutingInputError(
            f"{name}: unerwarteter Aufbau der Eingabe ({type(exc).__name__}: {exc})."
        ) from None


# -- writing --------------------------------------------------------------------------------


def _tw(w: TimeWindow) -> list[int]:
    return [w.start, w.end]


def _matrix_json(m: np.ndarray) -> list[list[int]]:
    return m.tolist()


def problem_to_json(problem: Problem, *, pure: bool = False) -> dict[str, Any]:
    """VROOM input for the problem (one vehicle per team-day); see the module doc."""
    jids = job_ids(problem)
    vids = vehicle_ids(problem)
    sids = skill_ids(problem)
    pinned_teams = {v.pin.team for v in problem.visits if v.pin is not None and v.pin.team}
    base = max(sids.values(), default=0) + 1
    team_skill = {t.id: base + i for i, t in enumerate(problem.teams) if t.id in pinned_teams}
    jobs = []
    for v in problem.visits:
        lo = v.earliest_day
        hi = v.latest_day if v.latest_day is not None else problem.days - 1
        if v.pin is not None and v.pin.day is not None:
            lo, hi = max(lo, v.pin.day), min(hi, v.pin.day)
        tws = list(v.time_windows)
        if lo > 0 or hi < problem.days - 1:
            span = TimeWindow(lo * DAY, (hi + 1) * DAY - 1) if hi >= lo else TimeWindow(0, 0)
            base_tws = tws or [span]
            tws = [
                TimeWindow(max(w.start, span.start), min(w.end, span.end))
                for w in base_tws
                if max(w.start, span.start) <= min(w.end, span.end)
            ] or [TimeWindow(0, 0)]
        job: dict[str, Any] = {
            "id": jids[v.id],
            "description": v.id if v.description is None else v.description,
            "location_index": v.location,
            "service": v.service,
        }
        if v.amount:
            job[problem.amounts] = list(v.amount)
        skills = sorted(sids[s] for s in v.skills)
        if v.pin is not None and v.pin.team in team_skill:
            skills.append(team_skill[v.pin.team])
        if skills:
            job["skills"] = skills
        if v.priority:
            job["priority"] = v.priority
        if tws:
            job["time_windows"] = [_tw(w) for w in tws]
        jobs.append(job)
    vehicles = []
    for veh in problem.vehicles():
        t, s = veh.team, veh.shift
        out: dict[str, Any] = {
            "id": vids[veh.index],
            "description": (f"Team {t.id}, Tag {s.day + 1}" if t.description is None
                            else t.description),
            "profile": t.mode,
        }
        if veh.start is not None:
            out["start_index"] = veh.start
        if veh.end is not None:
            out["end_index"] = veh.end
        if t.capacity:
            out["capacity"] = list(t.capacity)
        skills = sorted(sids[x] for x in t.skills)
        if t.id in team_skill:
            skills.append(team_skill[t.id])
        if skills:
            out["skills"] = skills
        out["time_window"] = _tw(s.window)
        if s.breaks:
            out["breaks"] = [
                {
                    "id": b.id if b.id is not None else k + 1,
                    "description": "Pause" if b.description is None else b.description,
                    "time_windows": [[b.window.start, b.latest_start]],
                    "service": b.duration,
                }
                for k, b in enumerate(s.breaks)
            ]
        if veh.max_visits is not None:
            out["max_tasks"] = veh.max_visits
        vehicles.append(out)
    mats: dict[str, Any] = {}
    for mode, m in problem.durations.items():
        mats[mode] = {"durations": _matrix_json(m)}
        if mode in problem.distances:
            mats[mode]["distances"] = _matrix_json(problem.distances[mode])
    data: dict[str, Any] = {"vehicles": vehicles, "jobs": jobs, "matrices": mats}
    if not pure:
        data["hausbesuch"] = _ext(problem)
    return data


def _ext(problem: Problem) -> dict[str, Any]:
    vids = vehicle_ids(problem)
    veh_of = {(v.team.id, v.day): vids[v.index] for v in problem.vehicles()}
    jids = job_ids(problem)
    return {
        "format": FORMAT,
        "days": problem.days,
        "balance": problem.balance,
        **({"move_cost": problem.move_cost} if problem.move_cost else {}),
        **({"span_cost": problem.span_cost} if problem.span_cost else {}),
        **({"team_balance": problem.team_balance} if problem.team_balance else {}),
        **({"early_cost": problem.early_cost} if problem.early_cost else {}),
        **({"amounts": problem.amounts} if problem.amounts != "delivery" else {}),
        **({"day_names": list(problem.day_names)} if problem.day_names else {}),
        **({"skill_verb": list(problem.skill_verb)} if problem.skill_verb else {}),
        **({"absent": [[t, d, text] for (t, d), text in sorted(problem.absent.items())]}
           if problem.absent else {}),
        **({"absent_undo": [[t, d, text]
                            for (t, d), text in sorted(problem.absent_undo.items())]}
           if problem.absent_undo else {}),
        **({"responsibility": problem.responsibility, "outside_cost": problem.outside_cost,
            "district_cost": problem.district_cost}
           if any(t.districts for t in problem.teams) or problem.district_cost else {}),
        "visits": [
            {
                "id": v.id,
                "job": jids[v.id],
                "location_index": v.location,
                "service": v.service,
                "time_windows": [_tw(w) for w in v.time_windows],
                "priority": v.priority,
                "skills": sorted(v.skills),
                "earliest_day": v.earliest_day,
                "latest_day": v.latest_day,
                "pin": None
                if v.pin is None
                else {
                    "team": v.pin.team, "day": v.pin.day, "position": v.pin.position,
                    **({"window": _tw(v.pin.window)} if v.pin.window is not None else {}),
                },
                "amount": list(v.amount),
                **({"home": list(v.home)} if v.home is not None else {}),
                **({"district": v.district} if v.district is not None else {}),
                **({"description": v.description} if v.description is not None else {}),
                **({"group": v.group} if v.group is not None else {}),
                **({"door": v.door} if v.door is not None else {}),
                **({"cost": v.cost} if v.cost else {}),
                **({"preferred_from_day": v.preferred_from_day}
                   if v.preferred_from_day is not None else {}),
            }
            for v in problem.visits
        ],
        "teams": [
            {
                "id": t.id,
                "mode": t.mode,
                "start_index": t.start,
                "end_index": t.end,
                "skills": sorted(t.skills),
                "max_visits": t.max_visits,
                "capacity": list(t.capacity),
                **({"districts": sorted(t.districts)} if t.districts else {}),
                **({"description": t.description} if t.description is not None else {}),
                "shifts": [
                    {
                        "day": s.day,
                        "vehicle": veh_of[(t.id, s.day)],
                        "time_window": _tw(s.window),
                        "breaks": [
                            {"window": _tw(b.window), "duration": b.duration,
                             **({"id": b.id} if b.id is not None else {}),
                             **({"description": b.description}
                                if b.description is not None else {})}
                            for b in s.breaks
                        ],
                        **({"start_index": s.start} if s.start is not None else {}),
                        **({"fixed": list(s.fixed)} if s.fixed else {}),
                        **({"max_visits": s.max_visits} if s.max_visits is not None else {}),
                        **({"kept": s.kept} if s.kept else {}),
                        **({"doors": sorted(s.doors)} if s.doors else {}),
                        **({"end_index": s.end} if s.end is not None else {}),
                    }
                    for s in t.shifts
                ],
            }
            for t in problem.teams
        ],
    }


def solution_to_json(
    problem: Problem, solution: Solution, *, loading_ms: int = 0, solving_ms: int | None = None
) -> dict[str, Any]:
    """VROOM output for a solution, with reasons for unassigned visits.

    Descriptions given in the input come back as they are. Where none was given and the
    ids are the input's own (decimal ids, as in every VROOM input), none is written, as
    from VROOM: the id names the job. Where ids had to be numbered (visit ids such as
    "K-1042"), the visit id, "Team …, Tag …" and "Pause" are written.
    Distances are written only when the input has distance matrices.
    """
    jids = job_ids(problem)
    vids = vehicle_ids(problem)
    visits = {v.id: v for v in problem.visits}
    vehicles = problem.vehicles()
    own_job_ids, own_vehicle_ids = _own_job_ids(problem), _own_vehicle_ids(problem)
    with_distance = bool(problem.distances)

    def job_text(v: Visit) -> dict[str, str]:
        if v.description is not None:
            return {"description": v.description}
        return {} if own_job_ids else {"description": v.id}
    ncap = max((len(t.capacity) for t in problem.teams), default=0)
    pickup = problem.amounts == "pickup"

    def amounts(ids) -> list[int]:
        tot = [0] * ncap
        for x in ids:
            for k, a in enumerate(visits[x].amount):
                tot[k] += a
        return tot

    def kinds(ids) -> dict[str, list[int]]:
        if not ncap:
            return {}
        tot, zero = amounts(ids), [0] * ncap
        deliv, pick = (zero, tot) if pickup else (tot, zero)
        return {"delivery": deliv, "amount": list(deliv), "pickup": pick}

    routes_out = []
    for r in solution.routes:
        veh = vehicles[r.vehicle]
        mode = veh.team.mode
        steps = []
        travel = dist = 0
        prev_loc: int | None = veh.start
        jobs = [s for s in r.steps if s.kind == "job"]
        # VROOM reports the first/last job's place for an open start/end
        first_loc = jobs[0].location if jobs else None
        last_loc = jobs[-1].location if jobs else None
        # and the coordinates given in the input: the job's, the vehicle's start/end, or
        # for an open start/end the first/last job's
        xy_of = {
            "start": (veh.team.start_coordinates if veh.start is not None
                      else _xy(visits, jobs[0] if jobs else None)),
            "end": (veh.team.end_coordinates if veh.end is not None
                    else _xy(visits, jobs[-1] if jobs else None)),
        }
        load = (amounts(r.visits) if not pickup else [0] * ncap) if ncap else None
        breaks = veh.shift.breaks
        timing = _break_timing(problem, mode, veh.start, r.steps)
        waiting_total = 0
        for i, s in enumerate(r.steps):
            if s.kind in ("job", "position", "end"):
                t = problem.duration(mode, prev_loc, s.location)
                d = problem.distance(mode, prev_loc, s.location)
                travel += t if reachable(t) else 0
                dist += d if reachable(d) else 0
                if s.location is not None:
                    prev_loc = s.location
            arrival, waiting, on_way = timing.get(i, (s.arrival, s.waiting, 0))
            waiting_total += waiting if s.kind in ("job", "position", "break") else 0
            step: dict[str, Any] = {"type": s.kind}
            if s.kind == "job" and s.visit is not None:
                step.update(job_text(visits[s.visit]))
            loc = s.location
            if loc is None and s.kind == "start":
                loc = first_loc
            elif loc is None and s.kind == "end":
                loc = last_loc
            xy = _xy(visits, s) if s.kind == "job" else xy_of.get(s.kind)
            if xy is not None:
                step["location"] = list(xy)
            if loc is not None and s.kind != "break":
                step["location_index"] = loc
            if s.kind == "job" and s.visit is not None:
                step["id"] = jids[s.visit]
            elif s.kind == "break":
                bi = s.break_index or 0
                brk = breaks[bi] if bi < len(breaks) else None
                step["id"] = brk.id if brk is not None and brk.id is not None else bi + 1
                if brk is not None and brk.description is not None:
                    step["description"] = brk.description
                elif not own_vehicle_ids:
                    step["description"] = "Pause"
            step.update(setup=0, service=s.service, waiting_time=waiting)
            if s.kind == "job" and s.visit is not None:
                step["job"] = jids[s.visit]  # VROOM's older name of the id
                if load is not None:
                    sign = 1 if pickup else -1
                    for k, a in enumerate(visits[s.visit].amount):
                        load[k] += sign * a
            if load is not None:
                step["load"] = list(load)
            step.update(arrival=arrival, duration=travel + on_way, violations=[])
            if with_distance:
                step["distance"] = dist
            steps.append(step)
        service = sum(s.service for s in r.steps if s.kind in ("job", "position", "break"))
        if veh.team.description is not None:
            text = {"description": veh.team.description}
        else:
            text = {} if own_vehicle_ids else {"description": f"Team {r.team}, Tag {r.day + 1}"}
        routes_out.append(
            {
                "vehicle": vids[r.vehicle],
                "cost": r.travel,
                **kinds(r.visits),
                **text,
                "team": r.team,
                "day": r.day,
                "setup": 0,
                "service": service,
                "duration": r.travel,
                "waiting_time": waiting_total,
                "priority": sum(visits[x].priority for x in r.visits),
                **({"distance": r.distance} if with_distance else {}),
                "steps": steps,
                "violations": [],
            }
        )
    unassigned = [
        {
            "id": jids[u.visit],
            "type": "job",
            **job_text(visits[u.visit]),
            **({"location": list(visits[u.visit].coordinates)}
               if visits[u.visit].coordinates is not None else {}),
            "location_index": visits[u.visit].location,
            "reason_code": u.code,
            "reason": u.reason,
        }
        for u in solution.unassigned
    ]
    elapsed_ms = int(round(1000 * float(solution.stats.get("elapsed", 0))))
    summary = {
        "cost": solution.travel,
        "routes": len(solution.routes),
        "unassigned": len(solution.unassigned),
        **kinds([x for r in solution.routes for x in r.visits]),
        "setup": 0,
        "service": sum(ro["service"] for ro in routes_out),
        "duration": solution.travel,
        "waiting_time": sum(ro["waiting_time"] for ro in routes_out),
        "priority": sum(visits[x].priority for r in solution.routes for x in r.visits),
        **({"distance": solution.distance} if with_distance else {}),
        "violations": [],
        "computing_times": {
            "loading": loading_ms,
            "solving": elapsed_ms if solving_ms is None else solving_ms,
            "routing": 0,
        },
    }
    stats = {k: v for k, v in solution.stats.items() if k != "events"}
    return {
        "code": 0,
        "summary": summary,
        "unassigned": unassigned,
        "routes": routes_out,
        "hausbesuch": {"objective": solution.objective, **stats},
    }


def _xy(visits: Mapping[str, Visit], step: Step | None) -> tuple[float, float] | None:
    """The input's coordinates of a job step's visit (None: none given, or no job)."""
    if step is None or step.visit is None:
        return None
    return visits[step.visit].coordinates


def _break_timing(problem: Problem, mode: str, start_loc: int | None,
                  steps: Any) -> dict[int, tuple[int, int, int]]:
    """Arrival, waiting and travel already done for each break step of a route, so that
    every step's arrival + waiting_time + service + the travel to the next step gives the
    next step's arrival (VROOM's reading of its output).

    The solver's timing lets a team take its break on the way (the break begins before
    it reaches the next place: the leg is split, no idle) or at the next place (it gets
    there, waits for the break window, takes the break there). In the second case the
    idle time before the break is the break's waiting time; before, it was in no field.
    """
    out: dict[int, tuple[int, int, int]] = {}
    free = prev_loc = None
    for i, s in enumerate(steps):
        if s.kind == "start":
            free, prev_loc = s.service_start, start_loc if s.location is None else s.location
            continue
        if s.kind != "break":
            if s.kind in ("job", "position", "end"):
                free = s.service_start + s.service
                if s.location is not None:
                    prev_loc = s.location
            continue
        nxt = next((x for x in steps[i + 1:] if x.kind != "break"), None)
        leg = problem.duration(mode, prev_loc, nxt.location) if nxt is not None else 0
        leg = leg if reachable(leg) else 0
        done = out[i - 1][2] if i > 0 and steps[i - 1].kind == "break" else 0
        if free is None:
            free = s.service_start
        on_way = min(max(s.service_start - free, 0), leg - done) + done
        arrival = min(s.service_start, free + on_way - done)
        out[i] = (arrival, s.service_start - arrival, on_way)
        free = s.service_start + s.service
    return out


def solution_from_json(problem: Problem, data: Mapping[str, Any]) -> Solution:
    """Read a VROOM output (ours, VROOM's or pyvroom's) back into a :class:`Solution`."""
    jinv = {j: v for v, j in job_ids(problem).items()}
    vinv = {j: i for i, j in vehicle_ids(problem).items()}
    vehicles = problem.vehicles()
    routes = []
    for r in data.get("routes", []):
        vi = vinv[int(r["vehicle"])]
        veh = vehicles[vi]
        steps = []
        nbreak = 0
        order = sorted(range(len(veh.shift.breaks)), key=lambda b: veh.shift.breaks[b].window.start)
        for s in r["steps"]:
            kind = s["type"]
            arr = int(s.get("arrival", 0))
            wait = int(s.get("waiting_time", 0) or 0)
            # a job's setup belongs to its visit duration (added to the service on reading)
            serv = int(s.get("service", 0) or 0) + int(s.get("setup", 0) or 0)
            loc = s.get("location_index")
            if kind == "job":
                jid = int(s.get("id", s.get("job")))
                v = jinv[jid]
                steps.append(Step("job", arr, arr + wait, serv, loc, v))
            elif kind == "break":
                bid = int(s.get("id", 0))
                ids = [b.id if b.id is not None else k + 1 for k, b in enumerate(veh.shift.breaks)]
                bi = ids.index(bid) if bid in ids else order[min(nbreak, len(order) - 1)]
                nbreak += 1
                steps.append(Step("break", arr, arr + wait, serv, None, None, bi))
            elif kind == "position":  # a re-plan's stop where the team was (no VROOM type)
                steps.append(Step("position", arr, arr + wait, serv, loc))
            else:
                steps.append(Step(kind, arr, arr, 0, loc))
        seq = [s.location for s in steps if s.kind in ("job", "position")]
        locs = ([veh.start] if veh.start is not None else []) + seq + (
            [veh.end] if veh.end is not None else []
        )
        mode = veh.team.mode
        travel = sum(problem.duration(mode, a, b) for a, b in zip(locs, locs[1:], strict=False))
        dist = sum(problem.distance(mode, a, b) for a, b in zip(locs, locs[1:], strict=False))
        routes.append(Route(vi, veh.team.id, veh.day, tuple(steps), travel, dist))
    from routing.model import Unassigned

    un = [
        Unassigned(jinv[int(u["id"])], str(u.get("reason_code", "")), str(u.get("reason", "")))
        for u in data.get("unassigned", [])
    ]
    return Solution(tuple(sorted(routes, key=lambda r: r.vehicle)), tuple(un))
