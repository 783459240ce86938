"""What the span can hold: an upper bound on visits, the pre-selection of large lists,
the memory a plan needs, and teams that cannot do a single visit.

A list of 50,000 clients must neither end in a ``MemoryError`` (the solver's travel-time
matrices grow with the square of the number of places) nor make the coordinator wait for
a solver that could plan at most a few hundred of them. Before any matrix is computed:

1. :func:`visit_capacity` bounds the number of visits the teams can possibly make in the
   span: for every team-day the shift minus the lunch break, filled with the shortest
   visits of the list as if travel took no time, and never more than the team's
   ``max_besuche``. Travel is ignored, so the bound is safe (never too small).
2. :func:`preselect` keeps at most ``SLACK`` times that bound (at least ``MIN_KEEP``),
   highest priority first, then nearest to a team's start (the depot), then input order;
   the rest is reported as ``nicht_eingeplant`` with the reason "über der
   Wochenkapazität" (:data:`OVER_CAPACITY`). A list within the bound is never touched.
3. :func:`check_matrix_memory` estimates the memory of the matrices for the places left
   and refuses, with a German message, a plan that would not fit into
   :data:`MEMORY_BUDGET_BYTES` (``HAUSBESUCH_MEMORY_BUDGET_MB`` overrides it).

:func:`team_warnings` names the teams whose shift cannot hold a single visit.

All functions are pure: they take plain numbers and team configurations, so the
planning builder can call them wherever it assembles the problem.
"""

from __future__ import annotations

import math
import os
from collections.abc import Container, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from hausbesuch.errors import UserError
from hausbesuch.fields import count, format_clock

__all__ = [
    "MEMORY_BUDGET_BYTES",
    "MIN_KEEP",
    "OVER_CAPACITY",
    "SLACK",
    "Selection",
    "check_matrix_memory",
    "matrix_bytes",
    "over_capacity_reason",
    "preselect",
    "team_warnings",
    "visit_capacity",
]

#: Reason code of a visit left out by the pre-selection (report and plan.json).
OVER_CAPACITY = "over_capacity"
#: How many times the capacity bound is kept (the bound ignores travel, time windows and
#: skills; the slack leaves the solver room to choose among them).
SLACK = 2.0
#: Candidates always kept, however small the capacity (small lists are never cut).
MIN_KEEP = 300
#: Bytes per matrix cell and travel mode: durations and distances as computed (float64),
#: reachability, the solver's integer copies and the copies inside the solver processes.
BYTES_PER_CELL_AND_MODE = 96
#: Bytes per cell of ``hausbesuch matrix`` (durations, distances, reachability, the CSV rows).
MATRIX_BYTES_PER_CELL = 32
#: Memory the matrices of one plan may take (the rest of the process needs about 1 GB).
MEMORY_BUDGET_BYTES = 2_500 * 1024 * 1024


def _budget() -> int:
    env = os.environ.get("HAUSBESUCH_MEMORY_BUDGET_MB", "").strip()
    if env:
        try:
            return max(1, int(float(env))) * 1024 * 1024
        except ValueError:
            pass
    return MEMORY_BUDGET_BYTES


def _team_days(team: Any, start: date, days: int, skip: Container[tuple[str, int]]) -> int:
    return sum(1 for d in range(days)
               if (start + timedelta(days=d)).weekday() in team.weekdays
               and (team.id, d) not in skip)


def _working_minutes(team: Any) -> int:
    lunch = team.lunch_min if getattr(team, "has_lunch", False) else 0
    return max(0, team.shift_end_min - team.shift_start_min - lunch)


def visit_capacity(
    teams: Sequence[Any], start: date, days: int, service_min: Sequence[float],
    *, skip: Container[tuple[str, int]] = (),
) -> int:
    """An upper bound on the number of visits the teams can make in the span.

    Parameters
    ----------
    teams : sequence of TeamConfig
        Shift (minutes after midnight), lunch break, weekdays and ``max_visits_per_day``.
    start, days
        The span: ``days`` calendar days from ``start``.
    service_min
        Visit durations (minutes) of the candidates.
    skip
        Team-days without a shift, as (team id, day index from ``start``): the team's
        absences and the public holidays of the span.

    Returns
    -------
    int
        The number of visits that would fit if travel took no time: per team-day at most
        ``max_visits_per_day`` and at most (working minutes / shortest visit); over the
        span at most as many as the shortest visits fill all working minutes together.
    """
    if not service_min:
        return 0
    shortest = max(1.0, float(min(service_min)))
    by_count = 0
    total_minutes = 0
    for t in teams:
        n_days = _team_days(t, start, days, skip)
        minutes = _working_minutes(t)
        per_day = int(minutes // shortest)
        if t.max_visits_per_day:
            per_day = min(per_day, int(t.max_visits_per_day))
        by_count += per_day * n_days
        total_minutes += minutes * n_days
    # The k shortest visits that together fit into all working minutes.
    by_minutes = 0
    used = 0.0
    for s in sorted(service_min):
        used += max(1.0, float(s))
        if used > total_minutes:
            break
        by_minutes += 1
    return min(by_count, by_minutes)


@dataclass(frozen=True)
class Selection:
    """The result of :func:`preselect`: indices kept and left out (both ascending)."""

    keep: tuple[int, ...]
    drop: tuple[int, ...]
    capacity: int
    limit: int


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(h)))


def preselect(
    priority: Sequence[int],
    lonlat: Sequence[tuple[float, float]],
    anchors: Sequence[tuple[float, float]],
    capacity: int,
    *,
    slack: float = SLACK,
    minimum: int = MIN_KEEP,
) -> Selection:
    """Keep the candidates the span can possibly hold, most urgent first.

    Parameters
    ----------
    priority
        Priority (0–100) per candidate.
    lonlat
        Place (lon, lat) per candidate.
    anchors
        The teams' start places (the depot): nearness is the distance to the nearest.
    capacity
        :func:`visit_capacity` of the span.
    slack, minimum
        Keep ``max(minimum, ceil(capacity * slack))`` candidates.

    Returns
    -------
    Selection
        All candidates kept when there are no more than the limit; else the limit's
        worth by (highest priority, nearest to an anchor, input order).
    """
    n = len(priority)
    if len(lonlat) != n:
        raise ValueError("priority and lonlat differ in length")
    limit = max(int(minimum), math.ceil(max(0, capacity) * slack))
    if n <= limit:
        return Selection(tuple(range(n)), (), capacity, limit)

    def near(i: int) -> float:
        if not anchors:
            return 0.0
        return min(_metres(lonlat[i], a) for a in anchors)

    order = sorted(range(n), key=lambda i: (-int(priority[i]), near(i), i))
    return Selection(tuple(sorted(order[:limit])), tuple(sorted(order[limit:])), capacity, limit)


def over_capacity_reason(selection: Selection, days: int) -> str:
    """The German reason of a visit left out by :func:`preselect` (short: it is repeated
    on every such row of the report)."""
    return (
        f"über der Wochenkapazität: höchstens {count(selection.capacity, 'Besuch', 'Besuche')} "
        f"in {count(days, 'Tag', 'Tagen')} "
        f"möglich; geplant wurde unter den {len(selection.keep)} dringendsten Kunden"
    )


def matrix_bytes(n_places: int, n_modes: int = 1, *,
                 bytes_per_cell: int = BYTES_PER_CELL_AND_MODE) -> int:
    """Estimated peak memory (bytes) of the travel-time matrices of ``n_places`` places."""
    return int(n_places) ** 2 * int(bytes_per_cell) * max(1, int(n_modes))


def check_matrix_memory(n_places: int, n_modes: int = 1, *, budget: int | None = None,
                        bytes_per_cell: int = BYTES_PER_CELL_AND_MODE) -> None:
    """Refuse a plan (or a matrix) whose matrices would not fit into the memory budget.

    ``bytes_per_cell`` is what one cell costs per travel mode: the planner's default
    counts the solver's copies; ``hausbesuch matrix`` needs only :data:`MATRIX_BYTES_PER_CELL`.

    Raises
    ------
    UserError
        German message with the estimate, the budget and what to do.
    """
    need = matrix_bytes(n_places, n_modes, bytes_per_cell=bytes_per_cell)
    limit = _budget() if budget is None else budget
    if need > limit:
        raise UserError(
            f"Zu viele Orte: {n_places} Orte brauchen für die Fahrzeit-Matrizen etwa "
            f"{need / 2**30:.1f} GB Arbeitsspeicher, erlaubt sind {limit / 2**30:.1f} GB. "
            "Bitte weniger Orte auf einmal berechnen (beim Planen: weniger Teams oder Tage, "
            "oder die Liste aufteilen); HAUSBESUCH_MEMORY_BUDGET_MB erhöht die Grenze."
        )


def team_warnings(
    teams: Sequence[Any], default_visit_min: int, shortest_visit_min: int | None = None
) -> list[str]:
    """German warnings for teams whose shift cannot hold a single visit.

    A team is named when its working time (shift minus lunch break) is shorter than the
    shortest visit of the list (it is never used), or shorter than the default visit
    duration (it can make only the shorter visits).
    """
    out: list[str] = []
    shortest = shortest_visit_min if shortest_visit_min is not None else default_visit_min
    for t in teams:
        minutes = _working_minutes(t)
        shift = f"{format_clock(t.shift_start_min)}–{format_clock(t.shift_end_min)}"
        lunch = f" abzüglich {t.lunch_min} Min. Mittagspause" if getattr(t, "has_lunch", False) else ""
        if minutes < shortest:
            out.append(
                f"Team „{t.id}“: die Schicht {shift}{lunch} ({minutes} Min.) ist kürzer als "
                f"der kürzeste Besuch ({shortest} Min.): das Team kann keinen einzigen "
                "Besuch machen."
            )
        elif minutes < default_visit_min:
            out.append(
                f"Team „{t.id}“: die Schicht {shift}{lunch} ({minutes} Min.) ist kürzer als "
                f"die übliche Besuchsdauer ({default_visit_min} Min.): das Team kann nur "
                "kürzere Besuche übernehmen."
            )
    return out
