"""Read Solomon VRPTW instances (classic text layout) into a :class:`Problem`.

Travel time equals Euclidean distance. The matrices hold the distance scaled by
``scale`` (1000 by default) and rounded *up*, so a route that is feasible with the
integers is feasible with the exact distances; times and service are scaled the same
way. :func:`euclidean_length` reports the true (unscaled, unrounded) distance of a
solution, which is what the best-known solutions are given in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from routing.model import Problem, Shift, Solution, Team, TimeWindow, Visit

SCALE = 1000


@dataclass(frozen=True)
class SolomonInstance:
    name: str
    n_vehicles: int
    capacity: int
    xy: np.ndarray  # (n+1, 2), row 0 = depot
    demand: np.ndarray
    ready: np.ndarray
    due: np.ndarray
    service: np.ndarray


def read_instance(path: str | Path) -> SolomonInstance:
    lines = [ln.split() for ln in Path(path).read_text().splitlines()]
    name = lines[0][0]
    k = next(i for i, ln in enumerate(lines) if ln[:1] == ["NUMBER"])
    n_veh, cap = (int(x) for x in lines[k + 1][:2])
    rows = [ln for ln in lines[k + 2 :] if len(ln) == 7 and ln[0].isdigit()]
    arr = np.array([[float(x) for x in r] for r in rows])
    return SolomonInstance(
        name, n_veh, cap, arr[:, 1:3], arr[:, 3].astype(int), arr[:, 4].astype(int),
        arr[:, 5].astype(int), arr[:, 6].astype(int),
    )


def to_problem(inst: SolomonInstance, scale: int = SCALE) -> Problem:
    d = np.sqrt(((inst.xy[:, None, :] - inst.xy[None, :, :]) ** 2).sum(-1))
    m = np.ceil(d * scale - 1e-9).astype(np.int64)
    visits = tuple(
        Visit(
            id=str(i),
            location=i,
            service=int(inst.service[i]) * scale,
            time_windows=(TimeWindow(int(inst.ready[i]) * scale, int(inst.due[i]) * scale),),
            amount=(int(inst.demand[i]),),
        )
        for i in range(1, len(inst.xy))
    )
    horizon = TimeWindow(int(inst.ready[0]) * scale, int(inst.due[0]) * scale)
    teams = tuple(
        Team(
            id=str(k + 1), shifts=(Shift(0, horizon),), start=0, end=0,
            capacity=(inst.capacity,), mode="car",
        )
        for k in range(inst.n_vehicles)
    )
    return Problem(visits, teams, 1, {"car": m}, {"car": m})


def load(path: str | Path, scale: int = SCALE) -> tuple[SolomonInstance, Problem]:
    inst = read_instance(path)
    return inst, to_problem(inst, scale)


def euclidean_length(inst: SolomonInstance, solution: Solution) -> float:
    """True total Euclidean distance of the routes (depot = node 0)."""
    total = 0.0
    for r in solution.routes:
        seq = [0] + [int(v) for v in r.visits] + [0]
        for a, b in zip(seq, seq[1:], strict=False):
            total += math.dist(inst.xy[a], inst.xy[b])
    return total
