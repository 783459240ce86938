"""Casework: clients and their case status, address fixes, visits, outcomes, revisit rules.

The store is the source of truth; :class:`Casework` is the one way the application changes
it (every change audited, never with a name). :mod:`hausbesuch.casework.rules` holds the
pure revisit rules.
"""

from hausbesuch.casework.rules import (
    RESULT_LABELS,
    RESULTS,
    STATUSES,
    Directive,
    PastOutcome,
    WorkCalendar,
    directive,
    parse_result,
)
from hausbesuch.casework.service import (
    AddressProblem,
    CaseState,
    Casework,
    CaseworkError,
    ImportResult,
    Located,
    OutcomeCorrection,
    OutcomeResult,
    cli_actor,
    parse_datetime,
)

__all__ = [
    "RESULTS",
    "RESULT_LABELS",
    "STATUSES",
    "AddressProblem",
    "CaseState",
    "Casework",
    "CaseworkError",
    "Directive",
    "ImportResult",
    "Located",
    "OutcomeCorrection",
    "OutcomeResult",
    "PastOutcome",
    "WorkCalendar",
    "cli_actor",
    "directive",
    "parse_datetime",
    "parse_result",
]
