"""Erasing the personal data of closed cases (``hausbesuch purge``).

Names, addresses and notes are social data (§35 SGB I); once a case is done they are
erased (§84 SGB X, Art. 17 GDPR), and the store keeps what the statistics, the at-home
model and the audit need: the case id, the district, days and times of visits, outcome
codes and status changes. Per erased client, in one transaction, for its city only:

- ``clients``: name, address and its parts, notes, extra columns, languages, windows,
  „Kontaktabbruch seit“, „Angekündigt ab“, the visit's length from the list, the reason of
  the status, pins and a coordinate from the list are cleared (kept: the list's row number
  and the day it last listed the case, which ``purge --absent-days`` counts); ``erased_at`` is
  set (a later import of the client, which is then a live case again, fills them in anew);
- ``plan_clients`` (the snapshots in every plan): the same columns;
- ``visits``, ``unassigned``, ``geocodes`` of every plan: the address, the geocoder's
  matched text and the reason of an unassigned visit become ``(gelöscht)``; notes, the
  time windows as written (they may carry a remark) and the note of an exactly found
  address go; the point is rounded to 0.01° (about 1 km): a map of an old plan still
  shows the district, never the house; ``plan_routes``: the two legs of the street path
  that end at the house are dropped (drawn as straight lines between the rounded points);
- ``rejected_rows`` with the case id (compared without case, as written in the list): the
  reason (it may quote the row's values) becomes ``(gelöscht)``; a rejected row without an
  id cannot be told apart and stays with its plan;
- ``import_rejections`` (the city's last import) with the case id: deleted;
- ``case_status_history``: the reasons typed with a status become ``(gelöscht)``;
  ``outcomes``: the notes go;
- ``address_fixes``: deleted;
- ``web_jobs``: the message of a job that names the case (a plan that could not be made
  lists its rejected rows with their addresses) is replaced as a whole.

Every erased client gets one audit row (``daten_geloescht``: case id; how many plans held
its data, how many of its visits were planned in them, outcome notes and address fixes).
Files written before (plan folders, letters) are views outside the store: the command names the
plans that held the clients, to be written again (``hausbesuch show``) or deleted.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, select, update
from sqlalchemy.orm import Session

from hausbesuch.caseids import id_key
from hausbesuch.fields import format_day
from hausbesuch.store import (
    AddressFixRow,
    ClientRow,
    GeocodeRow,
    ImportRejectionRow,
    OutcomeRow,
    PlanClientRow,
    PlanRow,
    RejectedRow,
    RouteRow,
    StatusHistoryRow,
    UnassignedRow,
    VisitRow,
    audit_values,
)

#: Case statuses whose personal data may be erased: the case is done.
ERASABLE = ("erreicht", "abgeschlossen")
#: What stands where an address or a free text was.
ERASED = "(gelöscht)"
#: Decimal places a point keeps (0.01° ≈ 1.1 km north–south, 0.7 km east–west here).
POINT_DECIMALS = 2
#: Audit action of one erased client.
AUDIT_ERASED = "daten_geloescht"

_CHUNK = 400  # ids per IN (...) list: well below SQLite's limit of bound parameters

#: The client columns cleared in ``clients`` and in the snapshots of ``plan_clients``.
_PERSONAL = {"name": None, "address": ERASED, "street": None, "housenumber": None,
             "postcode": None, "town": None, "notiz": None, "extra": "[]", "sprache": "[]",
             "zeitfenster": "[]",
             # the person's own dates and needs from the list: since when contact broke
             # off, from when a visit was announced, how long a visit takes (QA 42b F8:
             # kept, and named neither as erased nor as kept)
             "kontakt_abbruch_seit": None, "angekuendigt_ab": None, "besuchsdauer_min": None}


@dataclass
class Erased:
    """What one erasure changed: the case ids, and per table how many rows."""

    client_ids: list[str] = field(default_factory=list)
    plan_ids: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


def _coarse(x: float | None) -> float | None:
    return None if x is None else round(float(x), POINT_DECIMALS)


def _chunks(ids: Sequence[str]) -> list[list[str]]:
    return [list(ids[k:k + _CHUNK]) for k in range(0, len(ids), _CHUNK)]


def erased_note(at: datetime, client_id: str | None = None) -> str:
    """``Die Daten des Falls wurden am Do, 03.12.2026 gelöscht`` (with ``client_id``: ``Die
    Daten von K-1 wurden …``): the one wording of every message about an erased case."""
    who = f"von {client_id}" if client_id else "des Falls"
    return f"Die Daten {who} wurden am {format_day(at)} gelöscht"


#: What stands instead of the message of a web job that named an erased case.
JOB_MESSAGE_ERASED = ("(Meldung gelöscht: sie nannte einen Fall, dessen Daten gelöscht "
                      "wurden)")


def _erase_job_messages(s: Session, city: str, client_ids: Sequence[str]) -> int:
    """The messages of the city's web jobs (a plan that could not be made lists the rows
    it rejected, with their addresses) that name one of ``client_ids``: replaced by
    :data:`JOB_MESSAGE_ERASED`. Returns how many. (The web app's table, reached by name:
    the casework does not import the web app.)"""
    import re

    from sqlalchemy import column, table

    if not client_ids:
        return 0
    jobs = table("web_jobs", column("id"), column("city"), column("error"))
    named = re.compile("|".join(rf"(?<![\w-]){re.escape(c)}(?![\w-])"
                                for c in sorted(client_ids, key=len, reverse=True)),
                       re.IGNORECASE)
    hit = [job_id for job_id, text in s.execute(
        select(jobs.c.id, jobs.c.error).where(jobs.c.city == city, jobs.c.error.is_not(None)))
        if named.search(text or "")]
    for k in range(0, len(hit), _CHUNK):
        s.execute(update(jobs).where(jobs.c.id.in_(hit[k:k + _CHUNK]))
                  .values(error=JOB_MESSAGE_ERASED))
    return len(hit)


def _pin_gone(at: datetime) -> Any:  # noqa: ANN401 - an SQL expression
    """``clients.pin_since`` of an erasure: ``at`` for a case that had a pin (it is taken
    back: a plan page that listed it is stale), unchanged for one without."""
    return case((ClientRow.pin_day.is_not(None) | ClientRow.pin_team.is_not(None), at),
                else_=ClientRow.pin_since)


def erase(s: Session, city: str, client_ids: Sequence[str], *, actor: str,
          at: datetime) -> Erased:
    """Erase the personal data of ``client_ids`` of ``city`` in the transaction of ``s``.

    The caller chooses the clients (closed cases without a visit ahead,
    :meth:`hausbesuch.casework.Casework.purge`); this function changes every table that
    holds their data (see the module docstring) and writes the audit rows.
    """
    out = Erased(client_ids=sorted(client_ids))
    counts = out.rows
    per_client: dict[str, dict[str, int]] = {c: {} for c in out.client_ids}

    plans_of: dict[str, set[str]] = {c: set() for c in out.client_ids}

    def tally(table: str, cid: str, n: int = 1, plan_id: str | None = None) -> None:
        counts[table] = counts.get(table, 0) + n
        per_client[cid][table] = per_client[cid].get(table, 0) + n
        if plan_id is not None:
            plans_of[cid].add(plan_id)

    plans = select(PlanRow.id).where(PlanRow.city == city).scalar_subquery()
    plan_ids: set[str] = set()
    for ids in _chunks(out.client_ids):
        n = s.execute(update(ClientRow).where(ClientRow.city == city,
                                              ClientRow.client_id.in_(ids))
                      .values(**_PERSONAL, status_reason=None, given_lon=None,
                              given_lat=None, pin_team=None, pin_day=None, pin_time_min=None,
                              pin_source=None, pin_since=_pin_gone(at), erased_at=at,
                              updated_at=at)).rowcount
        counts["clients"] = counts.get("clients", 0) + n
        for cid, pid in s.execute(select(PlanClientRow.client_id, PlanClientRow.plan_id)
                                  .where(PlanClientRow.plan_id.in_(plans),
                                         PlanClientRow.client_id.in_(ids))):
            tally("plan_clients", cid, plan_id=pid)
            plan_ids.add(pid)
        s.execute(update(PlanClientRow).where(PlanClientRow.plan_id.in_(plans),
                                              PlanClientRow.client_id.in_(ids))
                  .values(**_PERSONAL))
        # visits: no address, no note, a rounded point; the legs ending at the house go
        legs_off: dict[tuple[str, int], set[int]] = {}
        changed = []
        for row in s.execute(select(VisitRow.plan_id, VisitRow.route_seq, VisitRow.seq,
                                    VisitRow.client_id, VisitRow.lon, VisitRow.lat)
                             .where(VisitRow.plan_id.in_(plans), VisitRow.client_id.in_(ids))):
            changed.append({"plan_id": row.plan_id, "route_seq": row.route_seq,
                            "seq": row.seq, "address": ERASED, "notiz": "", "window_text": "",
                            "lon": _coarse(row.lon), "lat": _coarse(row.lat)})
            legs_off.setdefault((row.plan_id, row.route_seq), set()).update(
                (row.seq, row.seq + 1))
            tally("visits", row.client_id, plan_id=row.plan_id)
            plan_ids.add(row.plan_id)
        if changed:  # one executemany by primary key
            s.execute(update(VisitRow), changed)
        for (pid, rseq), legs in legs_off.items():
            stored = s.execute(select(RouteRow.legs).where(
                RouteRow.plan_id == pid, RouteRow.seq == rseq)).scalar_one_or_none()
            if stored is None:
                continue
            geometry: list[Any] = json.loads(stored or "[]")
            for i in legs:
                if i < len(geometry):
                    geometry[i] = []
            s.execute(update(RouteRow).where(RouteRow.plan_id == pid, RouteRow.seq == rseq)
                      .values(legs=json.dumps(geometry, separators=(",", ":"))))
        for table, model in (("unassigned", UnassignedRow), ("geocodes", GeocodeRow)):
            quality = GeocodeRow.quality if model is GeocodeRow else UnassignedRow.code
            blanked = []
            for row in s.execute(select(model.plan_id, model.seq, model.client_id,
                                        model.lon, model.lat, quality.label("quality"))
                                 .where(model.plan_id.in_(plans), model.client_id.in_(ids))):
                if model is UnassignedRow:
                    blank = {"address": ERASED, "reason": ERASED}
                else:  # a found address's note says what was found: nothing is left of it
                    blank = {"match_text": ERASED, "reason": "" if row.quality in (
                        "exact", "manual", "given") else ERASED}
                blanked.append({"plan_id": row.plan_id, "seq": row.seq, **blank,
                                "lon": _coarse(row.lon), "lat": _coarse(row.lat)})
                tally(table, row.client_id, plan_id=row.plan_id)
                plan_ids.add(row.plan_id)
            if blanked:
                s.execute(update(model), blanked)
        for (cid,) in s.execute(select(OutcomeRow.client_id).where(
                OutcomeRow.city == city, OutcomeRow.client_id.in_(ids),
                OutcomeRow.note.is_not(None), OutcomeRow.note != "")):
            tally("outcomes", cid)
        s.execute(update(OutcomeRow).where(OutcomeRow.city == city,
                                           OutcomeRow.client_id.in_(ids))
                  .values(note=None))
        s.execute(update(StatusHistoryRow).where(StatusHistoryRow.city == city,
                                                 StatusHistoryRow.client_id.in_(ids))
                  .values(reason=ERASED))
        for (cid,) in s.execute(select(AddressFixRow.client_id).where(
                AddressFixRow.city == city, AddressFixRow.client_id.in_(ids))):
            tally("address_fixes", cid)
        s.execute(delete(AddressFixRow).where(AddressFixRow.city == city,
                                              AddressFixRow.client_id.in_(ids)))
    # a rejected row names the id as it was written ("e01", "Ä01" for "ä01", "E\u00a001"):
    # compared by id_key in Python (SQLite's lower() folds ASCII only)
    folded = {id_key(c): c for c in out.client_ids}
    blanked = []
    for row in s.execute(select(RejectedRow.plan_id, RejectedRow.seq,
                                RejectedRow.client_id)
                         .where(RejectedRow.plan_id.in_(plans),
                                RejectedRow.client_id.is_not(None),
                                RejectedRow.reason != ERASED)):
        cid = folded.get(id_key(row.client_id))
        if cid is not None:
            blanked.append({"plan_id": row.plan_id, "seq": row.seq, "reason": ERASED})
            tally("rejected_rows", cid, plan_id=row.plan_id)
            plan_ids.add(row.plan_id)
    if blanked:
        s.execute(update(RejectedRow), blanked)
    # the city's last import keeps its rejected rows (reasons without typed values): a
    # row of the erased case goes, as its id was written
    gone = [row.seq for row in s.execute(
        select(ImportRejectionRow.seq, ImportRejectionRow.client_id).where(
            ImportRejectionRow.city == city, ImportRejectionRow.client_id.is_not(None)))
        if id_key(row.client_id) in folded]
    if gone:
        s.execute(delete(ImportRejectionRow).where(ImportRejectionRow.city == city,
                                                   ImportRejectionRow.seq.in_(gone)))
    counts["web_jobs"] = _erase_job_messages(s, city, out.client_ids)
    out.plan_ids = sorted(plan_ids)
    rows = [audit_values(actor, AUDIT_ERASED, city=city, client_id=cid, details={
                "plaene": len(plans_of[cid]), "besuche": per_client[cid].get("visits", 0),
                "ergebnisnotizen": per_client[cid].get("outcomes", 0),
                "adresskorrekturen": per_client[cid].get("address_fixes", 0)})
            for cid in out.client_ids]
    if rows:
        from hausbesuch.store import Store

        Store.audit_many(rows, session=s)
    return out
