"""Planning: store state -> routing problem -> solution -> stored plan version -> files.

- :mod:`~hausbesuch.planning.builder`: candidates (clients with windows, pins, directives)
  and teams -> :class:`routing.Problem` (like PyVRP's ``Model``);
- :mod:`~hausbesuch.planning.assemble`: solution -> team-day routes with street geometry;
- :mod:`~hausbesuch.planning.workflow`: the runs over the store (``plan``, ``replan``,
  ``show``) and the files of a plan;
- :mod:`~hausbesuch.planning.report`: ``report.csv``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from hausbesuch.config import Profile
from hausbesuch.planning.builder import depot_lonlat
from hausbesuch.planning.options import PlanOptions, PlanResult, Progress
from hausbesuch.planning.report import REPORT_COLUMNS, report_rows, write_report
from hausbesuch.planning.workflow import (
    plan_span,
    replan,
    save_plan_and_visits,
    show_plan,
    write_plan_files,
)

__all__ = [
    "REPORT_COLUMNS",
    "PlanOptions",
    "PlanResult",
    "depot_lonlat",
    "plan_span",
    "plan_week",
    "replan",
    "report_rows",
    "save_plan_and_visits",
    "show_plan",
    "store_result",
    "write_plan_files",
    "write_report",
]


def plan_week(
    clients_path: str | os.PathLike[str],
    *,
    profile: Profile,
    options: PlanOptions,
    teams: Sequence[Any] | None = None,
    osm: str | os.PathLike[str] | None = None,
    districts_file: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
) -> PlanResult:
    """Plan one client list on its own (a throw-away in-memory store): the list's rows are
    the whole backlog. For the casework cycle use :func:`plan_span` on a real store."""
    from hausbesuch.store import SYSTEM_ACTOR, Store

    with Store.open("sqlite://") as store:
        return plan_span(store, profile, options, actor=SYSTEM_ACTOR, teams=teams,
                         clients_path=clients_path, osm=osm, districts_file=districts_file,
                         progress=progress)


def store_result(result: PlanResult, profile: Profile, db: str | os.PathLike[str] | None,
                 *, actor: str | None = None) -> str:
    """Store a plan made by :func:`plan_week` with its clients, case visits and the city's
    districts in the database ``db``; return its id.

    The clients are stored as an import stores them: a field the list has no column for
    (``result.absent_columns``) keeps a known client's stored value, and a note in
    ``result.warnings`` says so; an empty cell in a column the list has empties it."""
    from hausbesuch.casework.service import kept_note
    from hausbesuch.store import SYSTEM_ACTOR, Store

    actor = actor or SYSTEM_ACTOR
    with Store.open(db) as store:
        upserted = store.upsert_clients(result.plan.clients, city=profile.name, actor=actor,
                                        absent=result.absent_columns)
        if upserted.kept:
            result.warnings.append(kept_note(upserted.kept))
        d = result.districts
        store.save_districts(profile.name, zip(d.names, d.geometries, strict=True),
                             source=d.source, actor=actor)
        result.plan_id = save_plan_and_visits(store, result.plan, actor=actor)
    return result.plan_id
