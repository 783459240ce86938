"""What a plan run is asked for (:class:`PlanOptions`) and what it gives (:class:`PlanResult`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from hausbesuch.errors import UserError
from hausbesuch.fields import format_day
from hausbesuch.plandata import Plan

#: ``progress(stage, fraction)``: a German stage description and the overall fraction done.
Progress = Callable[[str, float], None]

DAY_S = 86_400

#: Bounds of the plan options (checked in PlanOptions; a bad value is a German message).
#: ``--time-limit`` of ``plan``, ``replan`` and ``serve`` (the web's plans) and of
#: ``solve`` (``hausbesuch.commands.solve`` holds the same values): less than 0.1 s does
#: not find a first solution, the plan would hold no visit.
MIN_TIME_LIMIT_S = 0.1
MAX_TIME_LIMIT_S = 86_400
MAX_THREADS = 16
EARLIEST_START = date(2000, 1, 1)
LATEST_START = date(2199, 12, 31)
#: Longest span planned at once (days).
MAX_DAYS = 31


def time_limit_problem(seconds: float, option: str = "--time-limit") -> str | None:
    """The German message for a solver time limit outside :data:`MIN_TIME_LIMIT_S` to
    :data:`MAX_TIME_LIMIT_S` seconds (also NaN and infinity), or None."""
    if MIN_TIME_LIMIT_S <= seconds <= MAX_TIME_LIMIT_S:
        return None
    low = f"{MIN_TIME_LIMIT_S:g}".replace(".", ",")
    return f"{option}: zwischen {low} und {MAX_TIME_LIMIT_S} Sekunden, erhalten {seconds}."


@dataclass(frozen=True)
class PlanOptions:
    """How to plan: the span, the solver budget and an optional travel-mode override."""

    start: date
    days: int = 5
    time_limit: float = 30.0
    seed: int | None = 1
    threads: int = 2
    mode: str | None = None
    balance: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.days <= MAX_DAYS:
            raise UserError(f"--days: zwischen 1 und {MAX_DAYS} Tagen erlaubt, erhalten "
                            f"{self.days}.")
        if problem := time_limit_problem(self.time_limit):
            raise UserError(problem)
        if not 1 <= self.threads <= MAX_THREADS:
            raise UserError(f"--threads: zwischen 1 und {MAX_THREADS}, erhalten {self.threads}.")
        if self.seed is not None and not 0 <= self.seed < 2**32:
            raise UserError(f"--seed: eine ganze Zahl von 0 bis {2**32 - 1}, erhalten {self.seed}.")
        if not EARLIEST_START <= self.start <= LATEST_START:
            raise UserError(
                f"--start: {format_day(self.start)} liegt nicht zwischen "
                f"{format_day(EARLIEST_START)} und {format_day(LATEST_START)}."
            )

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "days": self.days,
                "time_limit": self.time_limit, "seed": self.seed, "threads": self.threads,
                "mode": self.mode, "balance": self.balance}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PlanOptions:
        """The options a plan was stored with; a time limit stored below
        :data:`MIN_TIME_LIMIT_S` (before that minimum) is taken as the minimum, so that
        its plan can be re-planned."""
        return cls(start=date.fromisoformat(d["start"]), days=int(d["days"]),
                   time_limit=max(MIN_TIME_LIMIT_S, float(d["time_limit"])), seed=d.get("seed"),
                   threads=int(d.get("threads", 2)), mode=d.get("mode"),
                   balance=int(d.get("balance", 0)))


@dataclass
class PlanResult:
    """A finished plan plus what was needed to draw it."""

    plan: Plan
    districts: Any
    report_rows: list[dict[str, str]] = field(default_factory=list)
    out_dir: Path | None = None
    files: Any = None
    plan_id: str | None = None
    #: German warnings for the coordinator (e.g. a team that cannot do a single visit)
    warnings: list[str] = field(default_factory=list)
    #: (client id, start) -> estimated chance of contact and why, per planned visit
    #: (hausbesuch.athome.plan_chances)
    chances: dict[Any, Any] = field(default_factory=dict)
    #: the stored columns (-> German label) of fields the client list has no column for:
    #: :func:`~hausbesuch.planning.store_result` keeps the stored values of known clients
    absent_columns: dict[str, str] = field(default_factory=dict)
    #: (team id, day) -> stop position -> why the visit is off, its case closed since the
    #: plan (:func:`hausbesuch.casework.stops.gone_stops`; a stored plan shown again)
    gone: dict[Any, dict[int, str]] = field(default_factory=dict)


def noop_progress(stage: str, fraction: float) -> None:  # pragma: no cover - default callback
    return None
