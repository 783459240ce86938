"""``hausbesuch teams``: the teams of a city (show, set from a file, back to the profile's).

The teams set here are stored in the database per city and used by every ``plan`` without
``--teams`` (and by the web app's planning) until they are reset; a ``replan`` keeps the
teams of the plan it continues.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hausbesuch.commands._common import CityOption, DbOption, count, user_errors
from hausbesuch.errors import UserError
from hausbesuch.fields import format_moment, weekday_span

if TYPE_CHECKING:
    from hausbesuch.teams import TeamConfig


def register(app: typer.Typer) -> None:
    @app.command("teams")
    @user_errors
    def teams_cmd(
        set_from: Annotated[Path | None, typer.Option(
            "--set", help="Teams aus dieser Datei (CSV, XLSX oder TOML wie bei plan --teams) "
            "für die Stadt speichern.")] = None,
        reset: Annotated[bool, typer.Option(
            "--reset", help="Gespeicherte Teams löschen: wieder die des Stadtprofils.")] = False,
        csv_out: Annotated[Path | None, typer.Option(
            "--csv", help="Die aktuellen Teams als CSV schreiben (zum Ändern und --set).")
        ] = None,
        city: CityOption = None,
        db: DbOption = None,
    ) -> None:
        """Teams der Stadt zeigen, aus einer Datei speichern oder zurücksetzen."""
        from geodata.cache import atomic_write
        from hausbesuch import team_store
        from hausbesuch.casework import cli_actor
        from hausbesuch.config import load_profile
        from hausbesuch.fields import format_clock
        from hausbesuch.maps import MODE_LABELS
        from hausbesuch.store import Store

        if set_from is not None and reset:
            raise UserError("--set und --reset schließen sich aus.")
        if csv_out is not None:  # before the teams are read or saved
            from hausbesuch.commands.geocode import check_target

            check_target(csv_out, "--csv", "teams.csv")
        profile = load_profile(city)
        # only --set sets a database up (teams entered first on a new installation); a look
        # at the teams does not (review 27 #4: it made the schema in a database meant for
        # pg_restore)
        with Store.open(db, create=set_from is not None) as store:
            from hausbesuch.othercities import default_city_guard, other_cities_hint

            if set_from is not None or reset:  # refused for the default city (QA 27 F4)
                if warning := default_city_guard(store, profile.name, city, "die Teams"):
                    typer.echo(warning, err=True)
            elif hint := other_cities_hint(store, profile.name, lead=False):
                typer.echo(f"Hinweis: die Teams von {profile.name} werden gezeigt. {hint}",
                           err=True)
            if set_from is not None:
                teams = team_store.save_teams(store, profile, set_from, actor=cli_actor())
                typer.echo(f"{count(len(teams), 'Team', 'Teams')} für {profile.name} "
                           "gespeichert.")
            elif reset:
                if not team_store.reset_teams(store, profile, actor=cli_actor()):
                    raise UserError(f"Für {profile.name} sind keine Teams gespeichert "
                                    "(es gelten die des Stadtprofils).")
                typer.echo(f"{profile.name}: wieder die Teams des Stadtprofils.")
            now = team_store.current_teams(store, profile)
        if csv_out is not None:
            # staff names: the owner's only (0600), whatever the umask
            with atomic_write(csv_out, "w", encoding="utf-8", newline="") as fh:
                fh.write(team_store.teams_csv(now.teams))
            typer.echo(f"Teams geschrieben: {csv_out.resolve()}")
            return
        where = (f"gespeichert aus „{now.source}“ am {format_moment(now.updated_at)}"
                 if now.source is not None else "aus dem Stadtprofil")
        typer.echo(f"Teams von {profile.name} ({where}):")
        for t in now.teams:
            lunch = (f"Mittag {t.lunch_min} min zwischen {format_clock(t.lunch_window[0])} und "
                     f"{format_clock(t.lunch_window[1])}" if t.has_lunch else "ohne Mittag")
            typer.echo(f"  {t.id}: {format_clock(t.shift_start_min)}–"
                       f"{format_clock(t.shift_end_min)}, {lunch}, {MODE_LABELS.get(t.mode, t.mode)}"
                       + (f", höchstens {count(t.max_visits_per_day, 'Besuch', 'Besuche')}"
                          if t.max_visits_per_day
                          else "") + "".join(f"; {x}" for x in _more(t, profile.depot.address)))




def _more(t: TeamConfig, depot: str | None) -> list[str]:
    """What else a team's plans keep, in the summary's words (QA 19d #2: the days, start
    and end point and languages were used but not shown): its days when not Mo–Fr, its
    own start and end point when not the depot, its languages, its districts
    (Stadtteile). The summary joins them with „; “ (review 19b #4: a comma also
    separates the days and the languages), and
    coordinates are labelled, as the teams file takes them the other way round
    ([Länge, Breite])."""
    out = []
    days = sorted(t.weekdays)
    if days != list(range(5)):
        out.append("Tage: " + weekday_span(days))

    def place(address: str | None, lonlat: tuple[float, float] | None) -> str | None:
        if address:
            return None if address == depot else address
        return (f"Breite {lonlat[1]:.5f}, Länge {lonlat[0]:.5f}" if lonlat is not None
                else None)

    start = place(t.start_address, t.start_lonlat)
    end = (place(t.end_address, t.end_lonlat) if t.end_address or t.end_lonlat
           else start)
    if start is not None and end == start:
        out.append(f"Start und Ende: {start}")
    else:
        if start is not None:
            out.append(f"Start: {start}")
        if end is not None:
            out.append(f"Ende: {end}" + ("" if start is not None else " (Start am Depot)"))
        elif start is not None:
            out.append("Ende am Depot")
    if t.skills:
        out.append("Sprachen: " + ", ".join(sorted(t.skills)))
    if t.districts:
        out.append("Stadtteile: " + ", ".join(t.districts))
    return out
