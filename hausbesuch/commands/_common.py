"""Options and error handling shared by all CLI commands."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from geodata.errors import GeodataError
from hausbesuch.errors import WRITE_ERRNOS, UserError, cannot_write, write_cause
from hausbesuch.fields import count  # noqa: F401  (the commands' helper)
from hausbesuch.safe_cells import shorten
from hausbesuch.safe_cells import visible_controls as visible_controls  # (re-exported)

if TYPE_CHECKING:
    import re

    from hausbesuch.store import Store

F = TypeVar("F", bound=Callable[..., Any])

#: Longest error message printed (longer ones are cut with a marker).
MAX_MESSAGE_CHARS = 4_000

CityOption = Annotated[
    str | None,
    typer.Option(
        "--city",
        help="Stadtprofil: Kurzname (kassel, bad-hersfeld, lauf) oder Pfad zu einer TOML-Datei.",
    ),
]
DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Datenbank-URL oder SQLite-Datei (Standard: SQLite im "
                 "Benutzerordner, oder $HAUSBESUCH_DB)."),
]
PlanArgument = Annotated[
    str,
    typer.Argument(metavar="PLAN",
                   help="Kennung des gespeicherten Plans (siehe hausbesuch plans)."),
]
ClientArgument = Annotated[
    str, typer.Argument(metavar="KUNDENNUMMER", help="Kundennummer des Falls."),
]
OsmOption = Annotated[
    Path | None,
    typer.Option("--osm", help="OSM-Auszug (.osm.pbf, .osm, .osm.gz, .osm.bz2); ersetzt die Quelle des Profils."),
]
#: A summary as one JSON line on stdout, for scripts; only when asked for (the German
#: summary on stderr is what a coordinator reads, QA 32b F8).
JsonOption = Annotated[
    bool,
    typer.Option("--json", help="Zusätzlich eine Zusammenfassung als JSON-Zeile auf der "
                 "Standardausgabe (für Skripte)."),
]


def printable(value: object) -> str:
    """Stored free text on one line of the terminal: control, format and line-separator
    characters written as ``\\u…`` (a row written by an older version, or through a way
    in that let them pass, cannot forge a line of the output or send escape sequences)."""
    import unicodedata

    return "".join(f"\\u{ord(ch):04x}" if unicodedata.category(ch) in (
        "Cc", "Cf", "Co", "Cn", "Cs", "Zl", "Zp") else ch for ch in str(value))


def unknown_case(client_id: str, city: str, hint: str = "",
                 store: Store | None = None,
                 pattern: re.Pattern[str] | None = None) -> UserError:
    """The error for a case id the city does not know (the same for every command);
    ``hint``: :meth:`hausbesuch.casework.Casework.twin_hint`. With the ``store``, the
    cities that hold cases besides ``city`` are named (a forgotten ``--city``; when
    ``city`` has none, in the words of :func:`hausbesuch.othercities.other_cities_hint`);
    without the store, or with no other city, a short „(andere Stadt: --city angeben)“.
    Each says „--city angeben“ once (review 19b). An id that looks like a name is not
    repeated (:func:`hausbesuch.casework.service.unknown_id`, with the city's id
    ``pattern``): a name typed where the id belongs must not land in the terminal or a log."""
    from hausbesuch.casework.service import unknown_id

    unknown = unknown_id(client_id, city, pattern)
    if store is not None:
        from hausbesuch.othercities import cities_with_cases, named_cities, other_cities_hint

        cities = cities_with_cases(store)
        if other := other_cities_hint(store, city, cities):  # the city has no case
            return UserError(f"{unknown}. {other}{hint}")
        if others := [c for c in cities if c != city]:
            return UserError(f"{unknown}.{hint} Die Datenbank enthält auch Fälle von: "
                             f"{named_cities(others)}. Gehört der Fall dorthin, mit --city "
                             "das Profil der Stadt angeben.")
    return UserError(f"{unknown} (andere Stadt: --city angeben).{hint}")


def _user_error_types() -> tuple[type[BaseException], ...]:
    types: list[type[BaseException]] = [GeodataError, UserError]
    try:  # the routing package defines its own input error
        from routing.errors import RoutingInputError

        types.append(RoutingInputError)
    except ImportError:  # pragma: no cover - routing not yet importable
        pass
    return tuple(types)


def _database_error_types() -> tuple[type[BaseException], ...]:
    import sqlite3

    from sqlalchemy.exc import DBAPIError

    return (DBAPIError, sqlite3.DatabaseError)


def _a_bug(exc: BaseException) -> bool:
    """A database error that no state of the database explains (a constraint, a statement
    or a value the code got wrong): not a message for the user."""
    import sqlite3

    from sqlalchemy.exc import DataError, IntegrityError, ProgrammingError

    return isinstance(exc, (IntegrityError, ProgrammingError, DataError,
                            sqlite3.IntegrityError, sqlite3.ProgrammingError,
                            sqlite3.DataError))


class Terminated(KeyboardInterrupt):
    """SIGTERM (a service manager, ``kill``) inside an :func:`interruptible` command:
    raised like Strg+C's KeyboardInterrupt, so that the same clean-ups run (a hidden
    folder removed, a transaction rolled back) and the command says what is stored."""


#: What an :func:`interruptible` command has stored so far (:func:`note_stored`), for the
#: line an interruption prints; None: nothing yet.
_STORED: list[str | None] = [None]


def note_stored(what: str | None) -> None:
    """Say what the running command has stored by now (German, e.g. „der Plan … ist
    gespeichert, seine Dateien nicht; …“): an interruption from here on prints it instead
    of „nichts gespeichert“."""
    _STORED[0] = what


#: Whether the line of an interruption has been printed.
_SAID = [False]

#: Seconds an interrupted command has for its clean-ups before it ends regardless (the
#: interruption can be swallowed where it lands: in a callback of the solver's C++ code).
GRACE_S = 10.0


def _interruption_line(term: bool, state: str | None) -> str:
    return (f"Abgebrochen ({'SIGTERM' if term else 'Strg+C'}): "
            f"{state or 'nichts gespeichert'}.")


def _end_now(term: bool) -> None:
    """The end of an interrupted command whose interruption did not end it within
    :data:`GRACE_S`: the line, then the process ends (uncommitted work is rolled back by
    the database; a hidden folder left is removed by the next run into the same folder)."""
    import os

    if not _SAID[0]:  # (said already when only the exit hangs)
        os.write(2, (_interruption_line(term, _STORED[0]) + "\n").encode())
    os._exit(143 if term else 130)


def interruptible(func: F) -> F:
    """A command that stores something (``import``, ``plan``, ``letters``, …): Strg+C and
    SIGTERM raise KeyboardInterrupt (:class:`Terminated`) inside it, so that its clean-ups
    run, and end it with one German line on stderr saying what is stored
    (:func:`note_stored`; by default „nichts gespeichert“: its transactions are rolled
    back) and exit code 130 or 143, as a process ended by the signal (QA 45b F6). An
    interruption swallowed where it landed ends the command after :data:`GRACE_S` with
    the same line; a second signal ends it at once. Put it below :func:`user_errors`,
    which prints the line."""
    import signal
    import threading

    handled = (signal.SIGINT, signal.SIGTERM)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        def on_signal(signum: int, frame: object) -> None:
            term = signum == signal.SIGTERM
            for sig in handled:  # a second signal ends the process at once
                signal.signal(sig, signal.SIG_DFL)
            timer = threading.Timer(GRACE_S, _end_now, args=(term,))
            timer.daemon = True
            timer.start()
            raise Terminated if term else KeyboardInterrupt

        note_stored(None)
        _SAID[0] = False
        previous: dict[int, Any] = {}
        try:
            for sig in handled:
                previous[sig] = signal.signal(sig, on_signal)
                if previous[sig] is signal.SIG_IGN:  # ignored (a background job): it stays
                    signal.signal(sig, signal.SIG_IGN)
                    del previous[sig]
        except ValueError:  # not the main thread (a test's runner): Strg+C words only
            pass
        try:
            return func(*args, **kwargs)
        except KeyboardInterrupt as exc:
            if getattr(exc, "hausbesuch_state", None) is None:
                exc.hausbesuch_state = _STORED[0] or "nichts gespeichert"  # type: ignore[attr-defined]
            raise
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)

    return wrapper  # type: ignore[return-value]


def user_errors(func: F) -> F:
    """Turn expected errors into a German message on stderr and exit code 2 (no traceback),
    also a database error after opening (one line naming the database and the cause)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except _user_error_types() as exc:
            message = str(exc)
            if isinstance(exc, GeodataError):
                # a downloaded file named by its bare name: say where it is and that
                # deleting it downloads it again
                from geodata.download import explain_download_file

                message = explain_download_file(message)
            # a message quoting a huge input is cut: the terminal is no place for 100 kB
            typer.echo(f"Fehler: {shorten(message, MAX_MESSAGE_CHARS)}", err=True)
            raise typer.Exit(code=2) from None
        except FileNotFoundError as exc:
            typer.echo(f"Fehler: Datei nicht gefunden: {exc.filename or exc}", err=True)
            raise typer.Exit(code=2) from None
        except OSError as exc:
            # a full disk or a read-only folder where no command's own message names the
            # file: the file, else the command's --out, and the cause in German
            if exc.errno not in WRITE_ERRNOS:
                raise
            where = exc.filename or kwargs.get("out")
            typer.echo("Fehler: " + (f"{cannot_write(where, exc, option='')}" if where else
                                     f"Schreiben nicht möglich ({write_cause(exc)})."),
                       err=True)
            raise typer.Exit(code=2) from None
        except _database_error_types() as exc:
            # after opening: a read-only file or folder, a full disk, a damaged file; a
            # broken constraint or statement is a bug of ours and keeps its traceback
            if _a_bug(exc):
                raise
            from hausbesuch.store import describe_db_error

            typer.echo(f"Fehler: {describe_db_error(exc)}", err=True)
            raise typer.Exit(code=2) from None
        except KeyboardInterrupt as exc:  # Strg+C, or SIGTERM in an interruptible command
            if (state := getattr(exc, "hausbesuch_state", None)) is None:
                raise  # a command that stores nothing (serve: uvicorn's own stop): as before
            term = isinstance(exc, Terminated)
            typer.echo(_interruption_line(term, state), err=True)
            _SAID[0] = True
            raise typer.Exit(code=143 if term else 130) from None

    return wrapper  # type: ignore[return-value]


def progress_enabled() -> bool:
    """Show progress displays only on an interactive terminal."""
    return sys.stderr.isatty()


def profile_for_plan(city: str | None, plan_city: str, plan_profile: str | None = None):
    """The profile named with ``--city``, else the one the plan was made with
    (``plan_profile``, a shipped short name or a file path stored with the plan), else,
    for a plan of an older version that stored none, the shipped profile of the plan's
    city. A plan made with a file of the coordinator's own is never given a shipped
    profile of the same city name (its sender, phone number and texts on the letters)."""
    from hausbesuch.config import available_profiles, load_profile
    from hausbesuch.errors import ProfileError

    if city:
        profile = load_profile(city)
        if profile.name != plan_city:
            raise UserError(
                f"--city {city}: das Profil gehört zu {profile.name}, der Plan zu {plan_city}."
            )
        return profile
    if plan_profile:
        try:
            profile = load_profile(plan_profile)
        except ProfileError as exc:
            raise UserError(
                f"Der Plan wurde mit dem Profil {plan_profile} gemacht, das sich nicht laden "
                f"lässt ({exc}); bitte das Profil mit --city PROFIL angeben.") from None
        if profile.name != plan_city:
            raise UserError(
                f"Das Profil {plan_profile}, mit dem der Plan gemacht wurde, gehört jetzt zu "
                f"{profile.name}, der Plan zu {plan_city}: bitte mit --city PROFIL angeben.")
        return profile
    for slug in available_profiles():
        profile = load_profile(slug)
        if profile.name == plan_city:
            return profile
    raise UserError(f"Kein Stadtprofil für {plan_city} gefunden: mit --city PROFIL angeben.")


def parse_day_option(text: str | None, option: str):  # noqa: ANN201
    """A German date given to ``option`` (``None`` stays ``None``); a wrong one, a month
    alone or a date with a clock time is a :class:`UserError` naming the option."""
    from hausbesuch.fields import parse_day

    if text is None:
        return None
    try:
        return parse_day(text)
    except ValueError as exc:
        raise UserError(f"{option}: {exc}") from None


def parse_moment_option(text: str, option: str):  # noqa: ANN201
    """A moment (date and clock time) given to ``option``, read as every moment of the
    command line (:func:`hausbesuch.fields.parse_datetime`); a wrong one is a
    :class:`UserError` naming the option."""
    from hausbesuch.fields import parse_datetime

    try:
        return parse_datetime(text)
    except ValueError as exc:
        raise UserError(f"{option}: {exc}") from None


def refuse_client_names(store: Any, city: str, out: Path, option: str, example: str) -> None:
    """Refuse (:class:`UserError`) an output path whose own name (the file's, or the
    folder's for a folder of plan files) holds a word of the name of any stored client of
    ``city`` (or of a ``c/o`` line): the path goes into the audit log, which outlives the
    cases' erasure (QA 42b F1: ``disclose --out`` took another client's name, ``addresses
    --out`` and ``show --out`` took any; a list of one case linked name and case id in the
    log). The name is not repeated; ``example`` is a name to use instead."""
    from sqlalchemy import select

    from hausbesuch.pathnames import named_in_path
    from hausbesuch.store import ClientRow

    with store.session() as s:
        people = [(_telling(name), None, address) for name, address in s.execute(
            select(ClientRow.name, ClientRow.address).where(ClientRow.city == city))]
    if named_in_path(out, people, streets=False, folders=False) is not None:
        raise UserError(
            f"{option}: Der Datei- oder Ordnername enthält ein Wort aus dem Namen einer "
            "Kundin oder eines Kunden. Der Pfad wird im Protokoll vermerkt, das auch nach "
            f"der Löschung der Fälle bleibt. Bitte einen anderen Namen wählen, z. B. {example}.")


#: Words of file names that are no evidence of a person even where a client bears them as
#: a name („Neu“, „Mai“, „Winter“): a file „adressen-neu.csv“ or „plan-mai“ is fine
#: (review 42 #1: the city-wide check refused them)
_FILE_WORDS = frozenset({
    "neu", "neue", "alt", "alte", "plan", "liste", "woche", "export", "bericht", "stand",
    "kopie", "adressen", "auskunft", "team", "tour", "touren", "ordner", "januar", "februar",
    "maerz", "april", "mai", "juni", "juli", "august", "september", "oktober", "november",
    "dezember", "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag",
    "sonntag", "winter", "sommer", "herbst", "fruehling", "fruehjahr", "morgen", "abend",
    "nord", "sued", "ost", "west", "mitte", "stadt", "land", "berg", "wald", "feld",
})


def _telling(name: str | None) -> str | None:
    """The words of a client's name that :func:`refuse_client_names` looks for: four
    letters or more and none of :data:`_FILE_WORDS` (a first name „Mai“ or a surname
    „Neu“ is in many an ordinary file name; the own case's check,
    :func:`hausbesuch.casework.disclosure.refuse_named_path`, keeps every word)."""
    from hausbesuch.pathnames import name_words

    if not name:
        return None
    kept = [w for w in name.split() if len(w) >= 4
            and not (name_words(w) & _FILE_WORDS)]
    return " ".join(kept) or None


@contextmanager
def files_of_a_stored_plan(plan_id: str, out: Path, db: str | None = None) -> Iterator[None]:
    """Around writing the folder of a plan just stored (``plan``, ``replan``, ``demo``):
    an error met there (a full disk, a read-only folder, a refusal of the folder) or an
    interruption says that the plan IS stored and how its files are written again, so
    that nobody plans the same days a second time (QA 45b F2, F7). ``db``: the database
    given with ``--db`` (shown without password), named in the command to run."""
    again = f"„hausbesuch show {plan_id} --out {out}" + (f" --db {db}" if db else "") + "“"
    stored = f"Der Plan {plan_id} ist gespeichert, seine Dateien nicht"
    try:
        yield
    except UserError as exc:
        raise UserError(f"{exc} {stored}: {again} schreibt sie (nicht noch einmal "
                        "planen).") from None
    except OSError as exc:
        if exc.errno not in WRITE_ERRNOS:
            raise
        raise UserError(
            f"--out {out}: der Ordner des Plans kann nicht geschrieben werden "
            f"({write_cause(exc, then='')}). {stored}: danach schreibt {again} sie "
            "(nicht noch einmal planen).") from None
    except KeyboardInterrupt as exc:
        exc.hausbesuch_state = (  # type: ignore[attr-defined]
            f"der Plan {plan_id} ist gespeichert, seine Dateien nicht; {again} schreibt sie")
        raise


def audit_files(store, actor: str, city: str, plan_id: str, folder: Path) -> None:  # noqa: ANN001
    """Audit that the files of a plan were written to ``folder`` (its absolute path, so
    that ``purge`` can name this copy of the clients' data; :func:`hausbesuch.auditlog.
    copies_of`)."""
    store.audit(actor, "plandateien_geschrieben", city=city, plan_id=plan_id,
                details={"ordner": str(Path(folder).resolve())})



def refuse_pages_of_a_plan_in_force(store: Store, out: Path, start: Any, days: int, *,
                                    own: Collection[str] = ()) -> str | None:
    """Refuse to write a plan's files into ``out`` when it holds the pages of another
    stored plan that is still in force on one of the days ``start`` … ``start + days - 1``
    (its newest version, finished): writing there would replace the route pages, sheets
    and GPX the teams of those days use, while that plan stays the one in force (review
    27: ``plan`` into the folder of the current plan of the same days). A folder of a
    past plan, of a replaced or deleted version, of a plan of another database, or of
    one of ``own`` (the plan shown again; the versions a re-plan replaces) is written as
    before, and so is the folder of a plan without any team-day (no page a team uses: its
    overview and report are replaced, with a note). Call before the long work. Returns
    the note to print after writing when the folder held the pages of a plan in force on
    other days from today on, or of a plan in force without a team-day (its pages are
    replaced; :command:`show` writes them again), else None."""
    import json
    from datetime import timedelta

    from sqlalchemy import func, select

    from hausbesuch.fields import format_day
    from hausbesuch.planfolder import MARKER_FILE
    from hausbesuch.store import PlanRow, RouteRow
    from hausbesuch.versions import newest_version

    try:
        held = json.loads((out / MARKER_FILE).read_text(encoding="utf-8")).get("plan_id")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(held, str) or held in own:
        return None
    with store.session() as s:
        row = s.get(PlanRow, held)
        if row is None or row.status != "fertig":
            return None
        first, last = row.start, row.start + timedelta(days=row.days - 1)
        team_days = s.scalar(select(func.count()).select_from(RouteRow)
                             .where(RouteRow.plan_id == held))
    if newest_version(store, held) != held:
        return None
    # a plan of no team-day (every case of it left out with its reason) has no route
    # page, sheet or GPX a team uses: its folder takes another plan (review 30)
    if not team_days or last < start or first > start + timedelta(days=days - 1):
        from hausbesuch import clock

        if last < clock.today():
            return None
        what = "einem Plan ohne Team-Tag" if not team_days else "der noch gilt"
        return (f"Hinweis: der Ordner {out} enthielt die Seiten von Plan {held} "
                f"({format_day(first)} bis {format_day(last)}), {what}; sie sind durch "
                f"diesen Plan ersetzt. Erneut schreiben: „hausbesuch show {held} --out "
                "ORDNER“.")
    raise UserError(
        f"--out {out}: der Ordner enthält die Seiten von Plan {held} ({format_day(first)} bis "
        f"{format_day(last)}), der für diese Tage gilt; sie würden durch diesen Plan "
        "ersetzt. Bitte einen anderen Ordner angeben. Jenen Plan ändern: „hausbesuch "
        f"replan {held} --from …“; seine Dateien erneut schreiben: „hausbesuch show {held} "
        "--out ORDNER“.")
