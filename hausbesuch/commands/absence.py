"""``hausbesuch absence``: days on which a team does no visits (add, remove, list).

Stored in the database (``--db``) per city; ``plan`` and ``replan`` give an absent team no
shift on those days. Every change is audited. No reason is stored.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer

from hausbesuch import clock
from hausbesuch.commands._common import (
    CityOption,
    DbOption,
    count,
    parse_day_option,
    user_errors,
)
from hausbesuch.errors import UserError
from hausbesuch.fields import format_days

TeamArgument = Annotated[str, typer.Argument(metavar="TEAM", help="Kennung des Teams.")]
FromArgument = Annotated[str, typer.Argument(metavar="VON", help="Erster Tag (TT.MM.JJJJ).")]
UntilOption = Annotated[str | None, typer.Option(
    "--bis", help="Letzter Tag (einschließlich); ohne: nur der eine Tag.")]
TeamsOption = Annotated[Path | None, typer.Option(
    "--teams", help="Teams aus dieser Datei (wie bei plan) statt der gespeicherten Teams "
    "der Stadt oder des Stadtprofils.")]


def register(app: typer.Typer) -> None:
    absence_app = typer.Typer(help="Abwesenheiten der Teams (Tage ohne Besuche) verwalten.",
                              no_args_is_help=True)
    app.add_typer(absence_app, name="absence")

    @absence_app.command("add")
    @user_errors
    def absence_add(team: TeamArgument, first: FromArgument, until: UntilOption = None,
                    teams: TeamsOption = None, city: CityOption = None,
                    db: DbOption = None) -> None:
        """Ein Team für einen Tag oder Zeitraum als abwesend eintragen."""
        from hausbesuch import absences
        from hausbesuch.casework import cli_actor
        from hausbesuch.config import load_profile
        from hausbesuch.store import Store
        from hausbesuch.team_store import city_teams

        profile = load_profile(city)
        start, last = parse_day_option(first, "VON"), parse_day_option(until, "--bis")
        with Store.open(db) as store:  # may set one up (store.CREATING_COMMANDS)
            from hausbesuch.othercities import default_city_guard

            # refused for the default city in another city's database (QA 27 F4)
            if warning := default_city_guard(store, profile.name, city, "die Abwesenheiten"):
                typer.echo(warning, err=True)
            n = absences.add(store, profile.name, team, start, last,
                             teams=city_teams(store, profile, teams), actor=cli_actor())
        last = last or start
        span = f"{'am' if last == start else 'vom'} {format_days(start, last)}"
        typer.echo(f"Team {team} {span} abwesend ({count(n, 'Tag', 'Tage')} neu "
                   "eingetragen).")

    @absence_app.command("remove")
    @user_errors
    def absence_remove(team: TeamArgument, first: FromArgument, until: UntilOption = None,
                       city: CityOption = None, db: DbOption = None) -> None:
        """Eingetragene Abwesenheiten eines Teams löschen."""
        from hausbesuch import absences
        from hausbesuch.casework import cli_actor
        from hausbesuch.config import load_profile
        from hausbesuch.store import Store

        profile = load_profile(city)
        start, last = parse_day_option(first, "VON"), parse_day_option(until, "--bis")
        with Store.open(db, create=False) as store:
            n = absences.remove(store, profile.name, team, start, last, actor=cli_actor())
        if n == 0:
            raise UserError(absences.nothing_to_remove(team))
        typer.echo(f"{count(n, 'Abwesenheitstag', 'Abwesenheitstage')} von Team "
                   f"{team} gelöscht.")

    @absence_app.command("list")
    @user_errors
    def absence_list(
        since: Annotated[str | None, typer.Option("--von", help="Ab diesem Tag (Standard: "
                                                  "heute).")] = None,
        until: UntilOption = None, city: CityOption = None, db: DbOption = None,
    ) -> None:
        """Abwesenheiten der Teams zeigen (Standard: ab heute, ein Jahr)."""
        from hausbesuch import absences
        from hausbesuch.config import load_profile
        from hausbesuch.store import Store

        profile = load_profile(city)
        start = parse_day_option(since, "--von") or clock.today()
        last = parse_day_option(until, "--bis") or start + timedelta(days=365)
        with Store.open(db, create=False) as store:
            found = absences.ranges(absences.listed(store, profile.name, start, last))
            if not found:
                from hausbesuch.othercities import other_cities_hint

                hint = other_cities_hint(store, profile.name, lead=False)
        if not found:
            typer.echo(f"Keine Abwesenheiten für {profile.name} eingetragen."
                       + (f" {hint}" if hint else ""))
            return
        for team, a, b in found:
            typer.echo(f"{team}: {format_days(a, b)}")
