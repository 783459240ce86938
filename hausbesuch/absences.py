"""Team absences: days on which a team does no visits (holiday, training, illness).

Stored per city in the store (``team_absences``), entered on the command line
(``hausbesuch absence``) or on the web app's teams page, each change audited. Planning
(:func:`hausbesuch.planning.plan_span` and ``replan``) gives an absent team no shift on
that day. No reason is stored: it could be health data of staff.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, timedelta
from typing import Any

from hausbesuch import clock
from hausbesuch.errors import UserError
from hausbesuch.fields import WEEKDAYS_DE, format_day, format_days
from hausbesuch.safe_cells import shorten

#: Longest range entered at once (a typo like 2027 for 2026 would otherwise add a year).
MAX_DAYS = 92


def _days(first: date, last: date | None) -> list[date]:
    last = last or first
    if last < first:
        raise UserError(f"Abwesenheit: „bis“ ({format_day(last)}) liegt vor „von“ "
                        f"({format_day(first)}).")
    n = (last - first).days + 1
    if n > MAX_DAYS:
        raise UserError(f"Abwesenheit: {n} Tage auf einmal sind zu viele (höchstens "
                        f"{MAX_DAYS}); bitte den Zeitraum prüfen.")
    return [first + timedelta(days=k) for k in range(n)]


#: Most team ids a message lists (then how many more).
SHOWN_TEAMS = 20


def _check_team(team_id: str, teams: Collection[str], city: str) -> str:
    by_fold = {t.casefold(): t for t in teams}
    if team_id.casefold() not in by_fold:  # the city named: a forgotten --city (QA 27 F4)
        ids = sorted(teams)
        listed = ", ".join(ids[:SHOWN_TEAMS]) + (
            f" und {len(ids) - SHOWN_TEAMS} weitere" if len(ids) > SHOWN_TEAMS else "")
        raise UserError(f"Team „{shorten(team_id, 60)}“ gibt es nicht (Stadt {city}, Teams: "
                        f"{listed}). Gehört es zu einer anderen Stadt, "
                        "mit --city deren Profil angeben.")
    return by_fold[team_id.casefold()]


def add(store: Any, city: str, team_id: str, first: date, last: date | None = None, *,
        teams: Collection[Any], actor: str) -> int:
    """Mark ``team_id`` absent from ``first`` to ``last`` (inclusive); returns the number
    of days newly marked (days already marked stay as they are).

    ``teams``: the city's team ids, or its teams (objects with ``id`` and ``weekdays``):
    then only the days the team works are marked, and a range without any is refused.
    """
    from hausbesuch.store import TeamAbsenceRow, dialect_insert

    workdays = {t.id: t.weekdays for t in teams if not isinstance(t, str)}
    team_id = _check_team(team_id, [t if isinstance(t, str) else t.id for t in teams], city)
    days = _days(first, last)
    if team_id in workdays:
        works = workdays[team_id]
        days = [d for d in days if d.weekday() in works]
        if not days:
            last = last or first
            when = f"{'am' if last == first else 'vom'} {format_days(first, last)}"
            raise UserError(f"Team „{team_id}“ arbeitet {when} an keinem Tag (Arbeitstage: "
                            f"{', '.join(WEEKDAYS_DE[w] for w in sorted(works))}); nichts "
                            "eingetragen.")
    now = clock.now()
    with store.session() as s:
        # a day already marked (also by another coordinator at this moment: this insert
        # waits for hers) is left as it is (QA 18a #3)
        new = list(s.scalars(dialect_insert(s, TeamAbsenceRow).values([
            {"city": city, "team_id": team_id, "day": d, "created_by": actor[:120],
             "created_at": now} for d in days]).on_conflict_do_nothing()
            .returning(TeamAbsenceRow.day)))
        if new:  # nothing written, nothing to audit
            store.audit(actor, "abwesenheit_eingetragen", city=city, details={
                "team": team_id, "von": days[0].isoformat(), "bis": days[-1].isoformat(),
                "neu": len(new)}, session=s)
    return len(new)


def remove(store: Any, city: str, team_id: str, first: date, last: date | None = None, *,
           actor: str) -> int:
    """Take back the absences of ``team_id`` from ``first`` to ``last``; returns how many
    days were marked."""
    from sqlalchemy import delete

    from hausbesuch.store import TeamAbsenceRow

    days = _days(first, last)
    marked = {t for t, _ in listed(store, city, days[0], days[-1])}
    team_id = next((t for t in marked if t.casefold() == team_id.casefold()), team_id)
    with store.session() as s:
        n = s.execute(delete(TeamAbsenceRow).where(
            TeamAbsenceRow.city == city, TeamAbsenceRow.team_id == team_id,
            TeamAbsenceRow.day.in_(days))).rowcount or 0
        if n:
            store.audit(actor, "abwesenheit_geloescht", city=city, details={
                "team": team_id, "von": days[0].isoformat(), "bis": days[-1].isoformat(),
                "geloescht": n}, session=s)
    return n


def nothing_to_remove(team_id: str) -> str:
    """The message when :func:`remove` found no absence to take back."""
    return f"Für Team {team_id} ist in dem Zeitraum keine Abwesenheit eingetragen."


def listed(store: Any, city: str, first: date | None = None, last: date | None = None
           ) -> list[tuple[str, date]]:
    """The city's absences ``(team, day)`` in the range (inclusive), by day then team."""
    from sqlalchemy import select

    from hausbesuch.store import TeamAbsenceRow

    q = select(TeamAbsenceRow.team_id, TeamAbsenceRow.day).where(TeamAbsenceRow.city == city)
    if first is not None:
        q = q.where(TeamAbsenceRow.day >= first)
    if last is not None:
        q = q.where(TeamAbsenceRow.day <= last)
    with store.session() as s:
        return sorted(((t, d) for t, d in s.execute(q)), key=lambda x: (x[1], x[0]))


def ranges(items: list[tuple[str, date]]) -> list[tuple[str, date, date]]:
    """Consecutive days of a team joined into ``(team, first, last)`` (for the pages)."""
    out: list[tuple[str, date, date]] = []
    for team, day in sorted(items):
        if out and out[-1][0] == team and out[-1][2] + timedelta(days=1) == day:
            out[-1] = (team, out[-1][1], day)
        else:
            out.append((team, day, day))
    return sorted(out, key=lambda r: (r[1], r[0]))
