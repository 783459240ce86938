"""Visit routing over given matrices: model, OR-Tools solver, reasons, checker, VROOM JSON.

Never imports ``geodata`` or ``osmnx``: it works on integer matrices only.
"""

import time

from routing.errors import RoutingInputError
from routing.model import (
    DAY,
    UNREACHABLE,
    Break,
    Pin,
    Problem,
    Route,
    Shift,
    Solution,
    Step,
    Team,
    TimeWindow,
    Unassigned,
    Visit,
    at,
)
from routing.replan import Replan, replan  # noqa: E402


def ready() -> bool:
    """Whether the compiled improvement phase is available without compiling.

    False means :func:`prepare` would compile (once per installation, about 20 s);
    a :func:`routing.solve.solve` without it plans with OR-Tools alone.
    """
    try:
        from routing import _lns
    except Exception:  # numba cannot cache here (no writable cache dir)
        return False
    return _lns.ready()


def prepare() -> float:
    """Compile (or load from numba's disk cache) the improvement phase; seconds spent.

    Call it before starting the solver's clock: the first call after installing takes
    15-20 s, later processes load the cache in about a second. OR-Tools is imported
    too. When the compiled code cannot be used here, the solver plans with OR-Tools
    alone.
    """
    from routing.solve import _load_compiled

    t = time.monotonic()
    _load_compiled(compile=True)
    return time.monotonic() - t


__all__ = [
    "DAY",
    "UNREACHABLE",
    "Break",
    "Pin",
    "Problem",
    "Replan",
    "Route",
    "RoutingInputError",
    "Shift",
    "Solution",
    "Step",
    "Team",
    "TimeWindow",
    "Unassigned",
    "Visit",
    "at",
    "prepare",
    "ready",
    "replan",
]
