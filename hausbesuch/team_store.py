"""The teams of a city in the store: set by the coordinators (a teams file uploaded in the
web app or given to ``hausbesuch teams --set``), used by every new plan of the city
instead of the profile's ``[[teams]]`` until they are reset (a re-plan keeps the teams of
the plan it continues, and takes over of their changes since only days no longer worked,
teams gone and shorter shifts: ``hausbesuch.planning.workflow._city_team_changes``).

Which teams a run uses (:func:`city_teams`): a ``--teams`` file given to the run, else the
city's stored teams, else the profile's. Every change is audited (team ids, never the
members' names). The file format is the one of ``--teams`` (:func:`hausbesuch.teams.load_teams`);
:func:`teams_csv` writes the current teams in it, to edit and upload again.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from hausbesuch import clock
from hausbesuch.config import Profile
from hausbesuch.fields import WEEKDAYS_DE
from hausbesuch.teams import (
    TeamConfig,
    TeamError,
    at_profile_depot,
    default_teams,
    format_clock,
    load_teams,
    names_cell,
    teams_for_profile,
)

#: Columns of :func:`teams_csv` (the German names ``--teams`` files use).
CSV_COLUMNS = ["id", "mitglieder", "sprachen", "schicht", "mittag", "mittag_dauer", "modus",
               "max_besuche", "tage", "stadtteile", "start", "start_lon", "start_lat", "ende",
               "ende_lon", "ende_lat"]


def stored_teams(store: Any, profile: Profile) -> tuple[list[TeamConfig], str, datetime] | None:
    """The city's stored teams with their source and time, or None (the profile's apply)."""
    from hausbesuch.planning.builder import team_from_dict
    from hausbesuch.store import CityTeamsRow

    with store.session() as s:
        row = s.get(CityTeamsRow, profile.name)
        if row is None:
            return None
        return ([team_from_dict(d) for d in json.loads(row.teams)], row.source,
                row.updated_at)


@dataclass(frozen=True)
class CurrentTeams:
    """The teams that apply to a city (before the depot fills empty starts) and where
    they come from: ``source`` is the stored file's name, None for the profile's."""

    teams: list[TeamConfig]
    source: str | None = None
    updated_at: datetime | None = None


def current_teams(store: Any, profile: Profile) -> CurrentTeams:
    """The city's stored teams, else the profile's (one read of the store)."""
    got = stored_teams(store, profile)
    if got is None:
        return CurrentTeams(default_teams(profile))
    return CurrentTeams(*got)


def base_teams(store: Any, profile: Profile) -> list[TeamConfig]:
    """The city's teams before the depot fills empty starts: stored, else the profile's."""
    return current_teams(store, profile).teams


def working_hours(store: Any, profile: Profile) -> dict[int, tuple[int, int]]:
    """{weekday (0 Monday): (first start, last end) in minutes} of the city's teams that
    work it (:func:`base_teams`); a weekday no team works is not in it."""
    teams = base_teams(store, profile)
    return {wd: (min(t.shift_start_min for t in on), max(t.shift_end_min for t in on))
            for wd in range(7) if (on := [t for t in teams if wd in t.weekdays])}


def city_teams(store: Any, profile: Profile, path: str | Path | None = None
               ) -> list[TeamConfig]:
    """The teams of a run: ``path`` if given, else the stored teams, else the profile's;
    every empty start/end is the profile's depot."""
    if path:
        return teams_for_profile(profile, path)
    return at_profile_depot(profile, base_teams(store, profile))


def save_teams(store: Any, profile: Profile, path: str | Path, *, actor: str,
               source: str | None = None) -> list[TeamConfig]:
    """Read a teams file (checked as ``--teams`` files are: :class:`TeamError` naming the
    team and field) and store its teams for the city; audited. A team's ``stadtteile``
    must be districts of the city (the profile's district source over its extract, as
    ``hausbesuch districts`` lists them) and are stored in the city's spelling."""
    from hausbesuch.planning.builder import team_to_dict
    from hausbesuch.store import CityTeamsRow, dialect_insert

    teams = load_teams(path, profile=profile, name=source)
    if any(t.start_address or t.start_lonlat or t.end_address or t.end_lonlat for t in teams):
        # an own start or end must be found now, not when the next plan runs
        from geodata.geocode import load_index
        from hausbesuch.config import resolve_osm
        from hausbesuch.planning.builder import team_place_problems

        problems = team_place_problems(teams, load_index(resolve_osm(profile)))
        if problems:
            raise TeamError(" ".join(problems))
    if any(t.districts for t in teams):
        teams = _in_city_districts(teams, profile, source or Path(path).name)
    now = clock.now()
    values = {"teams": json.dumps([team_to_dict(t) for t in teams], ensure_ascii=False),
              "source": (source or Path(path).name)[:200], "updated_by": actor[:120],
              "updated_at": now}
    with store.session() as s:
        # an upsert: two coordinators storing the city's first teams at once, the second
        # waits and overwrites (last one wins, both audited: QA 18a #3)
        s.execute(dialect_insert(s, CityTeamsRow).values(city=profile.name, **values)
                  .on_conflict_do_update(index_elements=[CityTeamsRow.city], set_=values))
        store.audit(actor, "teams_gespeichert", city=profile.name, details={
            "teams": [t.id for t in teams], "quelle": values["source"]}, session=s)
    return teams


def _in_city_districts(teams: list[TeamConfig], profile: Profile,
                       name: str) -> list[TeamConfig]:
    """The teams with their districts in the city's spelling; a district the city does not
    have is refused (:class:`TeamError` naming team, district and the city's districts)."""
    from geodata.districts import load_districts
    from hausbesuch.config import district_options, resolve_osm
    from hausbesuch.teams import district_problems

    districts = load_districts(resolve_osm(profile), **district_options(profile))
    mapped, problems = district_problems(teams, districts.names, profile.name)
    if problems:
        raise TeamError(f"Ungültige Teams in {name}: " + "; ".join(problems) + ".")
    return mapped


def reset_teams(store: Any, profile: Profile, *, actor: str) -> bool:
    """Drop the city's stored teams (the profile's apply again); False when none were
    stored (nothing written, nothing audited)."""
    from sqlalchemy import delete

    from hausbesuch.store import CityTeamsRow

    with store.session() as s:
        # a statement, not the ORM's delete of a row read before: two resets at once,
        # the second deletes nothing and says so
        if not s.execute(delete(CityTeamsRow).where(
                CityTeamsRow.city == profile.name)).rowcount:
            return False
        store.audit(actor, "teams_zurueckgesetzt", city=profile.name, session=s)
    return True


def _place(address: str | None, lonlat: tuple[float, float] | None) -> tuple[str, str, str]:
    if lonlat is not None:
        return "", f"{lonlat[0]:.6f}", f"{lonlat[1]:.6f}"
    return address or "", "", ""


def teams_csv(teams: list[TeamConfig]) -> str:
    """The teams as a ``;``-separated CSV in the ``--teams`` format (UTF-8 with BOM for
    Excel); reading it back gives the same teams."""
    from hausbesuch.safe_cells import write_csv

    rows = []
    for t in teams:
        start, start_lon, start_lat = _place(t.start_address, t.start_lonlat)
        end, end_lon, end_lat = _place(t.end_address, t.end_lonlat)
        rows.append({
            # a name holding a separator („Müller, Anna“) in double quotes: read back whole
            "id": t.id, "mitglieder": names_cell(t.members),
            # skills split as they are read (split_skills): joined, they read back the
            # same; a stored one read whole before („Farsi/dari“) comes back split
            "sprachen": ", ".join(sorted(t.skills)),
            "schicht": f"{format_clock(t.shift_start_min)}-{format_clock(t.shift_end_min)}",
            "mittag": (f"{format_clock(t.lunch_window[0])}-{format_clock(t.lunch_window[1])}"
                       if t.has_lunch else "keine"),
            "mittag_dauer": str(t.lunch_min) if t.has_lunch else "",
            "modus": t.mode, "max_besuche": str(t.max_visits_per_day or ""),
            "tage": ",".join(WEEKDAYS_DE[d] for d in sorted(t.weekdays)),
            "stadtteile": ", ".join(t.districts),
            "start": start, "start_lon": start_lon, "start_lat": start_lat,
            "ende": end, "ende_lon": end_lon, "ende_lat": end_lat,
        })
    buf = io.StringIO()
    write_csv(buf, CSV_COLUMNS, rows, delimiter=";")
    return "\ufeff" + buf.getvalue()


__all__ = ["CSV_COLUMNS", "CurrentTeams", "base_teams", "city_teams", "current_teams",
           "reset_teams", "save_teams", "stored_teams", "teams_csv"]
