"""The web app's calls into the casework store (outcomes, audit), in one place.

Pages call these functions, never the tables of the casework store directly; when the
casework API changes, only this module follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hausbesuch.store import OutcomeRow, Store


def audit(store: Store, actor: str, action: str, **kwargs: Any) -> None:
    """One row of the append-only audit log (never a name: ids, codes, dates)."""
    store.audit(actor, action, **kwargs)


def record_outcome(store: Store, city: str, actor: str, client_id: str, day: date, result: str,
                   *, time_min: int | None, appointment: datetime | None, note: str | None,
                   idempotency_key: str) -> bool:
    """Record an outcome from a phone once per ``idempotency_key``; True for a repeat."""
    with store.session() as s:
        if s.scalar(select(OutcomeRow.id).where(OutcomeRow.idempotency_key == idempotency_key)):
            return True
    try:
        with store.session() as s:
            row = OutcomeRow(visit_id=None, city=city, client_id=client_id, day=day,
                             time_min=time_min, result=result, appointment_at=appointment,
                             note=note, recorded_by=actor, recorded_at=datetime.now(),
                             source="web", idempotency_key=idempotency_key)
            s.add(row)
            s.flush()
            store.audit(actor, "outcome_recorded", city=city, client_id=client_id,
                        details={"result": result, "day": day.isoformat(),
                                 "outcome_id": row.id, "source": "web"}, session=s)
    except IntegrityError:  # the same key arrived twice at once
        return True
    return False


def outcomes_of_day(store: Store, city: str, day: date,
                    client_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The newest outcome per client on ``day`` (result, time, note)."""
    if not client_ids:
        return {}
    with store.session() as s:
        rows = s.scalars(select(OutcomeRow).where(
            OutcomeRow.city == city, OutcomeRow.day == day,
            OutcomeRow.client_id.in_(list(client_ids))).order_by(OutcomeRow.recorded_at,
                                                                  OutcomeRow.id))
        return {r.client_id: {"result": r.result, "time_min": r.time_min, "note": r.note,
                              "appointment_at": r.appointment_at, "recorded_at": r.recorded_at,
                              "source": r.source}
                for r in rows}


def outcomes_of_plan(store: Store, city: str, pairs: Sequence[tuple[str, date]]
                     ) -> list[dict[str, Any]]:
    """Outcomes recorded for the (client id, day) visits of a plan, newest first."""
    if not pairs:
        return []
    ids = sorted({c for c, _ in pairs})
    days = {d for _, d in pairs}
    wanted = set(pairs)
    with store.session() as s:
        rows = s.scalars(select(OutcomeRow).where(
            OutcomeRow.city == city, OutcomeRow.client_id.in_(ids),
            OutcomeRow.day.in_(sorted(days))).order_by(OutcomeRow.recorded_at.desc()))
        return [{"client_id": r.client_id, "day": r.day, "result": r.result,
                 "time_min": r.time_min, "note": r.note, "appointment_at": r.appointment_at,
                 "recorded_by": r.recorded_by, "recorded_at": r.recorded_at, "source": r.source}
                for r in rows if (r.client_id, r.day) in wanted]


# --------------------------------------------------------------------------- clients


def import_clients(store: Store, city: str, path: str, actor: str) -> dict[str, Any]:
    """Import or update a client list; the per-row report (no names)."""
    from hausbesuch.clients import read_clients

    clist = read_clients(path)
    res = store.upsert_clients(clist.clients, city, actor=actor)
    return {
        "total": clist.total_rows, "new": res.inserted, "updated": res.updated,
        "unchanged": res.unchanged,
        "rejected": [{"row": r.row, "id": r.id or "", "field": r.field, "reason": r.reason}
                     for r in clist.rejected],
    }


def unresolved(store: Store, city: str) -> list[dict[str, Any]]:
    """Clients whose address was not found or only at street level in the city's newest
    plan, with the geocoder's reason (which names its suggestions) and the point found."""
    from hausbesuch.store import AddressFixRow, GeocodeRow

    plans = store.list_plans(city)
    if not plans:
        return []
    plan_id = plans[0].id
    with store.session() as s:
        fixed = {r.client_id: r for r in s.scalars(select(AddressFixRow).where(
            AddressFixRow.city == city))}
        rows = s.scalars(select(GeocodeRow).where(
            GeocodeRow.plan_id == plan_id,
            GeocodeRow.quality.in_(["unresolved", "street"])).order_by(GeocodeRow.seq))
        out = []
        for g in rows:
            fix = fixed.get(g.client_id)
            out.append({"client_id": g.client_id, "quality": g.quality, "reason": g.reason,
                        "match": g.match_text, "lon": g.lon, "lat": g.lat,
                        "fixed": fix is not None and not fix.stale,
                        "fix_lon": fix.lon if fix else None, "fix_lat": fix.lat if fix else None})
        return out


def fix_address(store: Store, city: str, actor: str, client_id: str,
                point: tuple[float, float]) -> None:
    """Store a coordinate set by hand (lon, lat) for a client's address."""
    from hausbesuch.errors import UserError
    from hausbesuch.store import AddressFixRow, ClientRow

    with store.session() as s:
        client = s.get(ClientRow, {"city": city, "client_id": client_id})
        if client is None:
            raise UserError(f"Kundennummer {client_id} ist nicht bekannt.")
        row = s.get(AddressFixRow, {"city": city, "client_id": client_id})
        if row is None:
            row = AddressFixRow(city=city, client_id=client_id)
            s.add(row)
        row.source_address, row.address = client.address, None
        row.lon, row.lat = point
        row.fixed_by, row.fixed_at, row.stale = actor, datetime.now(), False
        store.audit(actor, "address_fixed", city=city, client_id=client_id,
                    details={"kind": "point"}, session=s)
