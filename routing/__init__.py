"""Visit routing over given matrices: model, OR-Tools solver, reasons, checker, VROOM JSON.

Never imports ``geodata`` or ``osmnx``: it works on integer matrices only.
"""

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

__all__ = [
    "DAY",
    "UNREACHABLE",
    "Break",
    "Pin",
    "Problem",
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
]
