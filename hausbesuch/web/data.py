"""Narrow reads of the store for the pages (one team-day, plan lists) without loading
whole plans where a page needs only a part."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select

from hausbesuch.plandata import Client, Geocode, Plan, TeamDayRoute
from hausbesuch.store import (
    GeocodeRow,
    PlanClientRow,
    PlanRow,
    RouteRow,
    Store,
    geocode_from,
)
from hausbesuch.store import load_route as load_route  # (re-exported: the pages' import)


def route_geocodes(store: Store, plan_id: str, route: TeamDayRoute) -> dict[str, Geocode]:
    """Where the plan found the clients of one route's stops, by client id (the line a
    stop whose point is not surely the house shows: :func:`hausbesuch.maps.location_note`)."""
    ids = sorted({st.client_id for st in route.stops})
    with store.session() as s:
        return {g.client_id: geocode_from(g)
                for g in s.scalars(select(GeocodeRow).where(GeocodeRow.plan_id == plan_id,
                                                            GeocodeRow.client_id.in_(ids)))}


def window_clients(store: Store, plan_id: str) -> list[Client]:
    """The clients of a plan's snapshot that have a ``Zeitfenster`` of their own (what
    :func:`hausbesuch.planning.report.plan_notes` needs to name a visit at an agreed time
    outside them), not the whole snapshot the plan view does without."""
    from hausbesuch.store import _client_from

    with store.session() as s:
        return [_client_from(r) for r in s.scalars(
            select(PlanClientRow).where(PlanClientRow.plan_id == plan_id,
                                        PlanClientRow.zeitfenster.not_in(("", "[]")))
            .order_by(PlanClientRow.seq))]


def with_clients(store: Store, plan: Plan, ids: list[str]) -> Plan:
    """``plan`` (the light form of :func:`plan_overview`) with the client snapshot and the
    geocodes of these clients only: what :class:`hausbesuch.care_of.CareOf` needs to leave
    the names out of the rows the plan view shows (the client's own name, the words
    before the street the geocoder read past), not the whole snapshot."""
    from dataclasses import replace

    from hausbesuch.store import _client_from

    wanted = sorted({i for i in ids if i})
    clients: list[Client] = []
    geocodes: list[Geocode] = []
    with store.session() as s:
        for k in range(0, len(wanted), 500):  # a bound list SQLite takes
            part = wanted[k:k + 500]
            clients += [_client_from(r) for r in s.scalars(
                select(PlanClientRow).where(PlanClientRow.plan_id == plan.id,
                                            PlanClientRow.client_id.in_(part)))]
            geocodes += [geocode_from(g) for g in s.scalars(
                select(GeocodeRow).where(GeocodeRow.plan_id == plan.id,
                                         GeocodeRow.client_id.in_(part)))]
    return replace(plan, clients=clients, geocodes=geocodes)


def plan_legs(store: Store, plan_id: str) -> dict[tuple[str, date], list[list[list[float]]]]:
    """The street geometry of a plan's routes, per (team, day): per leg a list of
    [lon, lat] (a leg the network could not draw has fewer than two points)."""
    with store.session() as s:
        rows = s.execute(select(RouteRow.team_id, RouteRow.day, RouteRow.legs)
                         .where(RouteRow.plan_id == plan_id))
        return {(team, day): json.loads(legs) for team, day, legs in rows}


def plan_city(store: Store, plan_id: str) -> str | None:
    """The city of a stored plan, or None when there is no such plan."""
    with store.session() as s:
        return s.scalar(select(PlanRow.city).where(PlanRow.id == plan_id))


def plan_overview(store: Store, plan_id: str) -> Plan | None:
    """A stored plan for the plan view: routes with stops (no leg geometry), unassigned and
    rejected; no client snapshot, geocodes or solver output (the view shows none of them)."""
    from hausbesuch.store import StoreError

    try:
        return store.load_plan(plan_id, overview=True)
    except StoreError:
        return None
