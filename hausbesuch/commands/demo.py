"""``hausbesuch demo``: plan a realistic week from real address points of the city's extract."""

from __future__ import annotations

import re
import tempfile
import unicodedata
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer

from hausbesuch import clock
from hausbesuch.commands._common import (
    CityOption,
    OsmOption,
    count,
    interruptible,
    user_errors,
)
from hausbesuch.fields import format_day


def next_monday(today: date | None = None) -> date:
    """The Monday after ``today`` (a week's plan starts on a Monday)."""
    today = today or clock.today()
    return today + timedelta(days=7 - today.weekday())


_SLUG_RE = re.compile(r"[a-z0-9-]+")
_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def demo_slug(name: str) -> str:
    """A profile's short name as the city part of the demo database's file name.

    Shipped short names (``bad-hersfeld``) stay as they are; the stem of another profile
    file (``Mein Ort.toml``) is reduced to lower-case letters, digits and ``-``.
    """
    text = unicodedata.normalize("NFKD", name.lower().translate(_TRANSLIT))
    text = text.encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60].strip("-") or "stadt"


def _sqlite_file(url: str) -> Path | None:
    """The file of a ``sqlite:///`` URL (``None`` for other databases or in-memory)."""
    from sqlalchemy.engine import make_url

    try:
        u = make_url(url)
    except Exception:  # noqa: BLE001 - an unreadable URL is checked where it is used
        return None
    if not u.drivername.startswith("sqlite") or not u.database or u.database == ":memory:":
        return None
    return Path(u.database).expanduser().resolve()


def _fresh_demo_db(slug: str) -> Path:
    """``<user data dir>/demo-<city>.sqlite``, emptied: each demo run starts from scratch.

    The file is deleted before the run, so its path is checked first: ``slug`` must be
    lower-case letters, digits and ``-``, the file must lie directly in the user data
    directory, must not be a symbolic link and must not be the casework database (the
    default one or the one ``HAUSBESUCH_DB`` names).
    """
    from hausbesuch.errors import UserError
    from hausbesuch.store import default_db_path, resolve_db_url

    if not _SLUG_RE.fullmatch(slug):
        raise UserError(f"Demo: ungültiger Kurzname der Stadt {slug!r} (erlaubt: a-z, 0-9, -).")
    data_dir = default_db_path().parent.resolve()
    path = data_dir / f"demo-{slug}.sqlite"
    real = path.resolve()
    casework = {default_db_path().resolve(), _sqlite_file(resolve_db_url(None))}
    problem = (
        "ist die Fall-Datenbank" if path in casework or real in casework
        else "ist ein Verweis auf eine andere Datei" if real != path
        else f"liegt nicht im Datenordner {data_dir}" if path.parent != data_dir
        else None
    )
    if problem:
        raise UserError(
            f"Demo: {path} {problem}; sie wird nicht gelöscht. Mit --db DATEI eine eigene "
            "Datenbank für die Demo angeben."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def register(app: typer.Typer) -> None:
    @app.command("demo")
    @user_errors
    @interruptible
    def demo(
        city: CityOption = None,
        osm: OsmOption = None,
        out: Annotated[Path, typer.Option("--out", help="Ausgabeordner.")] = Path("hausbesuch-demo"),
        clients: Annotated[int, typer.Option("--clients", help="Anzahl gültiger Kundenzeilen.")] = 80,
        start: Annotated[str, typer.Option("--start", help="Erster Tag (Standard: nächster Montag).")] = "",
        days: Annotated[int, typer.Option("--days", help="Anzahl Kalendertage.")] = 5,
        db: Annotated[str | None, typer.Option(
            "--db", help="Datenbank-URL (Standard: eine eigene Demo-Datenbank, die bei jedem "
            "Lauf neu angelegt wird; die echte Fall-Datenbank bleibt unberührt).")] = None,
        time_limit: Annotated[float, typer.Option("--time-limit", help="Rechenzeit in Sekunden.")] = 30.0,
        seed: Annotated[int, typer.Option("--seed", help="Zufallsstartwert für Liste und Planung.")] = 7,
    ) -> None:
        """Demo: Kundenliste aus echten Adressen des OSM-Auszugs erzeugen und eine Woche planen.

        Ohne lokalen Auszug lädt das Kassel-Profil die Stadt einmalig herunter; offline geht es
        mit einer Beispielstadt: hausbesuch demo --city bad-hersfeld
        """
        from geodata.geocode import load_index
        from hausbesuch.commands.plan import _parse_start, run_plan, summary_lines
        from hausbesuch.config import load_profile, resolve_osm
        from hausbesuch.demo import make_demo_files
        from hausbesuch.errors import UserError
        from hausbesuch.planfolder import check_plan_folder

        if not 1 <= clients <= 5_000:
            raise UserError(f"--clients: zwischen 1 und 5000 Kundenzeilen, erhalten {clients}.")
        profile = load_profile(city)
        check_plan_folder(out)  # a foreign folder is refused before any work
        if db is None:  # the demo never mixes its made-up clients into real casework
            db = str(_fresh_demo_db(demo_slug(profile.slug)))
            typer.echo(f"Demo-Datenbank: {db}", err=True)
        first = _parse_start(start) if start else next_monday()
        osm_path = resolve_osm(profile, osm, progress=lambda msg: typer.echo(msg, err=True))
        typer.echo(f"Stadt: {profile.name}; OSM-Daten: {osm_path}", err=True)
        index = load_index(osm_path)
        from hausbesuch.planning import depot_lonlat

        with tempfile.TemporaryDirectory(prefix="hausbesuch-demo-") as tmp:
            # generated beside, copied into the plan folder's eingabe/ when it is swapped in
            files = make_demo_files(index, Path(tmp) / "eingabe", start=first,
                                    n_clients=clients, seed=seed, town=profile.name,
                                    near=depot_lonlat(profile, index))
            typer.echo(f"Demo-Kundenliste: {out / 'eingabe' / files.clients.name} "
                       f"({count(files.n_rows, 'Zeile', 'Zeilen')}, davon {files.n_bad} "
                       "fehlerhaft); Teams: "
                       f"{out / 'eingabe' / files.teams.name}", err=True)
            result, plan_id = run_plan(
                files.clients, city=city, osm=osm_path, teams=files.teams, districts=None,
                start=first, days=days, out=out, db=db, time_limit=time_limit, seed=seed,
                threads=2, mode=None, inputs=Path(tmp) / "eingabe",
            )
        for line in summary_lines(result, plan_id, out):
            typer.echo(line)
        routes = sorted(result.plan.routes, key=lambda r: (r.day, r.team_id))  # type: ignore[attr-defined]
        if routes:
            r = routes[0]
            typer.echo(f"Erste Route ({r.team_id}, {format_day(r.day)}): "
                       f"{(out / 'routen' / (r.slug + '.html')).resolve()}")
