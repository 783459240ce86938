"""Plan versions as the outputs name them: whether a re-plan replaced a stored plan.

A re-plan stores a new version pointing to its predecessor (``plans.predecessor_id``);
the web app and the day links already follow the newest version. The files of an older
version (``hausbesuch show``, ``export``, the web app's download) say that they are no
longer valid, from when, and which version to use instead: :func:`replaced_note`.

One version can be deleted (``hausbesuch delete-plan``, :func:`delete_plan_version`) when
the casework needs nothing of it any more. A case visit (``case_visits``) names the plan
version that holds it; outcomes name the visit, and what a recorded visit was (its stop's
address, the team's hours) is read from that version. So a version is kept while a case
visit names it that is

- still to do (``geplant``): the version is the valid one for that team-day; a re-plan
  moves the open visits to its new version, after which this one can go. A plan made by
  mistake goes with its open visits (their cases stay open for the next plan): a first
  version that no re-plan followed, none of whose visits a letter announced, and none
  begun by now (such a visit may have taken place: its outcome comes first);
- recorded (``erledigt``): its outcome refers to this version, for good (``purge``
  erases the personal data in it instead);
- called off after a letter announced it (``entfallen`` with ``announced_at``): the
  correction letter is found through this version's line of versions.

A version is also kept while day links made on it are valid and no later version takes
them over. When it goes, the later versions that named it as predecessor name its
predecessor instead (the line of versions, which letters and day links follow, stays
whole), its day links are moved to the next version, and a visit it called off without a
letter keeps no plan. The deletion is audited (plan id and counts, never a name).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from hausbesuch.errors import UserError

__all__ = ["PlanDeletion", "delete_plan_version", "newest_listed", "newest_version",
           "replaced_by", "replaced_note", "replacement", "replanned_from", "successors"]


def successors(store: Any, plan_id: str) -> list[tuple[str, int]]:
    """The re-plans that followed ``plan_id``, as ``(plan id, version)``, each the newest
    re-plan of the one before, the newest last; empty for a plan without successor."""
    from hausbesuch.store import PlanRow

    seen = {plan_id}
    chain: list[tuple[str, int]] = []
    current = plan_id
    with store.session() as s:
        while True:
            nxt = s.execute(select(PlanRow.id, PlanRow.version)
                            .where(PlanRow.predecessor_id == current)
                            .order_by(PlanRow.created_at.desc())).first()
            if nxt is None or nxt[0] in seen:
                return chain
            seen.add(nxt[0])
            chain.append((nxt[0], int(nxt[1])))
            current = nxt[0]


def newest_plans(city: str) -> Any:
    """A SELECT of (id, start, days) of the finished plans of ``city`` that no re-plan
    replaced: each line's newest version, which answers for the versions before it. The
    caller adds its condition on the days and its order."""
    from sqlalchemy.orm import aliased

    from hausbesuch.store import PlanRow

    newer = aliased(PlanRow)
    return select(PlanRow.id, PlanRow.start, PlanRow.days).where(
        PlanRow.city == city, PlanRow.status == "fertig",
        ~select(newer.id).where(newer.predecessor_id == PlanRow.id).exists())


def newest_version(store: Any, plan_id: str) -> str:
    """The newest re-plan of ``plan_id`` (following successors), or ``plan_id`` itself."""
    chain = successors(store, plan_id)
    return chain[-1][0] if chain else plan_id


def newest_listed(versions: Mapping[str, tuple[int, str | None]]) -> dict[str, str]:
    """For plans listed together (``versions``: id -> (version, predecessor), as
    :class:`hausbesuch.store.PlanInfo` has them), each one's newest version among them:
    itself for the one to use, else the last re-plan of its line (of two re-plans of one
    version, the higher version). The lists (``hausbesuch plans``, the web's *Pläne*) find
    it without a query per plan."""
    followers: dict[str, list[str]] = {}
    for pid, (_, before) in versions.items():
        if before is not None:
            followers.setdefault(before, []).append(pid)
    out = {}
    for plan_id in versions:
        newest, seen = plan_id, {plan_id}
        while nxt := [f for f in sorted(followers.get(newest, []),
                                        key=lambda f: versions[f][0]) if f not in seen]:
            newest = nxt[-1]
            seen.add(newest)
        out[plan_id] = newest
    return out


def replaced_by(store: Any, plan_id: str, what: str) -> str | None:
    """None for a plan's newest version; for a version a re-plan has replaced, the German
    reason a change there is refused (the web's pages, ``link``, ``letters``): it names the
    newest version, not the next one, which may be replaced too (QA 27 F7), and, with
    ``what`` (``{newest}`` is filled in), where the change is done instead."""
    newest = newest_version(store, plan_id)
    if newest == plan_id:
        return None
    return (f"Plan {plan_id} wurde bereits neu geplant; aktuell ist Plan {newest}. "
            + what.format(newest=newest))


def replanned_from(store: Any, plan_id: str) -> datetime | None:
    """The moment from which the re-plan that made ``plan_id`` planned anew (stored with
    the version, ``replan_from``); None for a first version (or a plan not stored)."""
    from hausbesuch.store import PlanRow

    with store.session() as s:
        params = s.scalar(select(PlanRow.params).where(PlanRow.id == plan_id))
    try:
        at = (json.loads(params or "{}") or {}).get("replan_from")
        return datetime.fromisoformat(at) if at else None
    except (ValueError, TypeError, AttributeError):
        return None


def replacement(store: Any, plan_id: str) -> tuple[str, int | None]:
    """For a plan version a re-plan has replaced, one German sentence naming the newest
    version and the moment from which the first re-plan planned anew: „Ersetzt durch
    Version 2 (Plan …; Neuplanung ab Di, 08.12.2026 11:30 Uhr): nicht mehr gültig, bitte
    Version 2 verwenden.“, and the newest version's number (the GPX names take it from
    here, not from the sentence). ``("", None)`` for the newest version (and a plan
    without successor)."""
    from hausbesuch.maps import fmt_date

    chain = successors(store, plan_id)
    if not chain:
        return "", None
    first_moment = replanned_from(store, chain[0][0])
    newest, version = chain[-1]
    since = (f"; Neuplanung ab {fmt_date(first_moment.date())} {first_moment:%H:%M} Uhr"
             if first_moment else "")
    return (f"Ersetzt durch Version {version} (Plan {newest}{since}): nicht mehr "
            f"gültig, bitte Version {version} verwenden.", version)


def replaced_note(store: Any, plan_id: str) -> str:
    """The sentence of :func:`replacement` alone (empty for the newest version)."""
    return replacement(store, plan_id)[0]


#: how many team-days a refusal names before "…"
_SHOWN = 5


@dataclass
class PlanDeletion:
    """What :func:`delete_plan_version` deletes (or, in a dry run, would delete)."""

    plan_id: str
    city: str
    version: int
    start: date
    days: int
    visits: int  # the stops of its routes
    predecessor_id: str | None
    successors: list[str] = field(default_factory=list)  # now naming ``predecessor_id``
    links_moved: int = 0  # day links moved to the next version
    released: int = 0  # visits it called off without a letter (they keep no plan)
    dropped: int = 0  # open visits of a plan made by mistake, deleted with it
    done: bool = False  # False: a dry run


def _team_days(rows: Sequence[tuple[str, date]]) -> str:
    from hausbesuch.fields import count, format_day

    days = sorted(set(rows), key=lambda r: (r[1], r[0]))
    shown = ", ".join(f"Team {team} am {format_day(day)}" for team, day in days[:_SHOWN])
    return (f"{count(len(days), 'Team-Tag', 'Team-Tage')}: " + shown
            + (" …" if len(days) > _SHOWN else ""))


def delete_plan_version(store: Any, plan_id: str, *, actor: str,
                        dry_run: bool = True) -> PlanDeletion:
    """Delete one stored plan version if the casework needs nothing of it (module text);
    else a German :class:`UserError` naming each reason and what to do. Checked and done
    in one transaction, one at a time with the city's plans (:meth:`Store.planning_lock`).
    """
    from sqlalchemy import delete, func, update

    from hausbesuch import clock
    from hausbesuch.fields import count
    from hausbesuch.store import CaseVisitRow, PlanRow, VisitRow, lock_changes, no_plan_message

    with store.session() as s:
        p = s.get(PlanRow, plan_id)
        if p is None:
            raise UserError(no_plan_message(plan_id))
        city = p.city
    with store.planning_lock(city), store.session() as s:
        lock_changes(s, city, exclusive=True)  # (PostgreSQL: no outcome in between)
        p = s.get(PlanRow, plan_id)
        if p is None:  # deleted while this waited for the lock
            raise UserError(no_plan_message(plan_id))
        if p.status == "laeuft":
            raise UserError(f"Plan {plan_id} wird gerade erstellt; bitte warten, bis der "
                            "Planungsauftrag fertig ist.")
        held = list(s.execute(select(CaseVisitRow.status, CaseVisitRow.team_id,
                                     CaseVisitRow.day, CaseVisitRow.announced_at,
                                     CaseVisitRow.visit_id, CaseVisitRow.start_at)
                              .where(CaseVisitRow.plan_id == plan_id)))
        successors = list(s.scalars(select(PlanRow.id).where(PlanRow.predecessor_id == plan_id)
                                    .order_by(PlanRow.created_at, PlanRow.id)))
        links, valid = store.day_links(s, plan_id)
        reasons = []
        open_ = [(r.team_id, r.day) for r in held if r.status == "geplant"]
        # a plan made by mistake (a first version, never re-planned, nothing announced,
        # no visit begun by now): its open visits go with it, their cases stay open
        begun = clock.now_on_today()
        dropped = [r.visit_id for r in held if r.status == "geplant"] if (
            open_ and p.predecessor_id is None and not successors
            and all(r.announced_at is None for r in held)
            and all(r.start_at > begun for r in held if r.status == "geplant")) else []
        if open_ and not dropped:
            reasons.append(
                f"er ist die gültige Version für {count(len(open_), 'offenen Besuch', 'offene Besuche')} "
                f"({_team_days(open_)}). Erst die Ergebnisse erfassen (hausbesuch outcomes "
                f"DATEI) oder den Plan neu planen (hausbesuch replan {plan_id} --from …): "
                "die neue Version übernimmt die offenen Besuche, danach lässt sich diese "
                "löschen")
        recorded = [(r.team_id, r.day) for r in held if r.status == "erledigt"]
        if recorded:
            one = len(recorded) == 1  # „1 Besuch … gehört“, „2 Besuche … gehören“
            reasons.append(
                f"{count(len(recorded), 'Besuch', 'Besuche')} mit erfasstem Ergebnis "
                f"({_team_days(recorded)}) {'gehört' if one else 'gehören'} zu dieser "
                f"Version; {'das Ergebnis bezieht' if one else 'die Ergebnisse beziehen'} "
                f"sich auf sie und {'bleibt' if one else 'bleiben'} für Statistik und "
                "Protokoll. Diese Version bleibt; personenbezogene Daten abgeschlossener "
                "Fälle löscht hausbesuch purge, auch in diesem Plan")
        announced = [(r.team_id, r.day) for r in held
                     if r.status == "entfallen" and r.announced_at is not None]
        if announced:
            reasons.append(
                f"{count(len(announced), 'per Brief angekündigter Besuch', 'per Brief angekündigte Besuche')} "
                f"wurde{'n' if len(announced) > 1 else ''} mit dieser Version abgesagt "
                f"({_team_days(announced)}); den Korrekturbrief findet hausbesuch letters "
                "über sie. Diese Version bleibt")
        if valid and not successors:
            reasons.append(
                f"{count(valid, 'Tageslink ist', 'Tageslinks sind')} für ihn noch "
                "gültig. Erst im Web widerrufen (Plan → Tageslinks) oder ablaufen lassen")
        if reasons:
            raise UserError(f"Plan {plan_id} (Version {p.version}) wird nicht gelöscht: "
                            + "; ".join(reasons) + ".")
        visits = s.scalar(select(func.count()).select_from(VisitRow)
                          .where(VisitRow.plan_id == plan_id)) or 0
        released = [r.visit_id for r in held if r.status == "entfallen"]
        result = PlanDeletion(plan_id=plan_id, city=city, version=int(p.version),
                              start=p.start, days=int(p.days), visits=int(visits),
                              predecessor_id=p.predecessor_id, successors=successors,
                              links_moved=links if successors else 0,
                              released=len(released), dropped=len(dropped))
        if dry_run:
            return result
        if successors:  # the line of versions stays whole
            s.execute(update(PlanRow).where(PlanRow.predecessor_id == plan_id)
                      .values(predecessor_id=p.predecessor_id))
        if dropped:
            s.execute(delete(CaseVisitRow).where(CaseVisitRow.plan_id == plan_id,
                                                 CaseVisitRow.status == "geplant"))
        if released:
            s.execute(update(CaseVisitRow).where(CaseVisitRow.plan_id == plan_id,
                                                 CaseVisitRow.status == "entfallen")
                      .values(plan_id=None))
        # a link made on this version follows its re-plans: it shows the same routes from
        # the next version on
        store.delete_plan(plan_id, actor=actor, session=s,
                          links_to=successors[0] if successors else None, details={
            "version": result.version, "vorgaenger": result.predecessor_id,
            "nachfolger": successors, "besuche": result.visits,
            "tageslinks_verschoben": result.links_moved,
            "abgesagte_besuche_ohne_plan": result.released,
            "offene_besuche_verworfen": result.dropped})
        result.done = True
        return result
