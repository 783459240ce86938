"""Storage of clients, districts and plans: SQLAlchemy 2 ORM with Alembic migrations.

The database is a SQLite file in the user data directory by default
(``platformdirs.user_data_dir("hausbesuch")/hausbesuch.sqlite``). ``--db URL`` or the
environment variable ``HAUSBESUCH_DB`` choose another: a SQLite URL or file path, or a
PostgreSQL URL (``postgresql+psycopg://user@host/db``; ``postgresql://`` is read the same).
:meth:`Store.open` brings the schema to the newest migration, so a new or old database is
always ready to use; running it again changes nothing.

Tables
------
``clients``         master data per (city, Kundennummer); re-importing updates by id
``districts``       district polygons per city (GeoJSON text)
``plans``           one row per plan, with the solver's VROOM-compatible output (JSON)
``plan_clients``    the clients as they were when the plan was made (snapshot)
``geocodes``        where each client of a plan was found
``plan_routes``     team-day routes of a plan (with the leg geometry as JSON)
``visits``          the planned stops of each route
``unassigned``      valid clients the plan could not hold, with reasons
``rejected_rows``   input rows rejected at import, with reasons
``last_imports``    the last ``import`` of a client list per city: when, by whom, counts
``import_rejections`` that import's rejected rows (row, id, field, reason without typed
                    names or addresses), kept until the city's next import

A plan read back with :meth:`Store.load_plan` equals the plan saved: dates, naive datetimes,
floats (stored as double precision), tuples and the solution JSON (tuples inside the
solution survive too). Client names live only in ``clients`` and ``plan_clients``; the
notebook views (:meth:`Store.visits_frame` and friends) never contain them.
"""

from __future__ import annotations

import json
import os
import re
import threading
import uuid
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Double,
    Engine,
    ForeignKeyConstraint,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    case,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    sql,
    text,
)
from sqlalchemy.engine import URL, Row, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

from hausbesuch import clock
from hausbesuch.errors import UserError
from hausbesuch.fields import format_day
from hausbesuch.plandata import (
    Client,
    Geocode,
    Plan,
    PlannedStop,
    Rejected,
    TeamDayRoute,
    TimeSlot,
    UnassignedVisit,
    announced_text,
    is_appointment,
)
from hausbesuch.planfolder import private_dir

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = [
    "DB_ENV",
    "Base",
    "PlanInfo",
    "Store",
    "StoreError",
    "UpsertResult",
    "default_db_path",
    "resolve_db_url",
]

#: Environment variable that selects the database (URL or SQLite file path).
DB_ENV = "HAUSBESUCH_DB"
#: Folder of the Alembic environment and revisions, shipped inside the package.
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: The actor of writes that no person made (e.g. a test or a migration of data).
SYSTEM_ACTOR = "system"
_PG_LOCK_KEY = 0x4B5542  # advisory lock id serialising concurrent migrations on PostgreSQL

#: The only commands that make a new SQLite file or set up an empty PostgreSQL database
#: (``Store.open(create=True)``): those that enter the first data of a new installation
#: (clients, a plan, the web app, an account, its teams, an absence); every other command,
#: a look at the teams too, refuses both (review 27 #4: one list, named alike by the
#: refusals and the README's Storage section).
CREATING_COMMANDS = ("import", "plan", "serve", "user add", "teams --set", "absence add")


def creating_commands_text() -> str:
    """:data:`CREATING_COMMANDS` as German text: „hausbesuch import“, … und „hausbesuch
    user add“."""
    named = [f"„hausbesuch {c}“" for c in CREATING_COMMANDS]
    return ", ".join(named[:-1]) + " und " + named[-1]



class StoreError(UserError):
    """The database cannot be opened or used (German message, URL without password)."""


# --------------------------------------------------------------------------- URLs


def default_db_path() -> Path:
    """``<user data dir>/hausbesuch.sqlite`` (e.g. ``~/.local/share/hausbesuch`` on Linux)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("hausbesuch")) / "hausbesuch.sqlite"


def resolve_db_url(url: str | os.PathLike[str] | None = None) -> str:
    """The database URL to use: ``url``, else ``$HAUSBESUCH_DB``, else the default file.

    A value without ``://`` is a SQLite file path. ``postgresql://`` and ``postgres://`` are
    read as ``postgresql+psycopg://`` (psycopg 3 is the installed driver).
    """
    value = str(url) if url else os.environ.get(DB_ENV, "").strip()
    if not value:
        return f"sqlite:///{default_db_path()}"
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser().resolve()}"
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value[len(prefix):]
    return value


def private_file(path: Path) -> None:
    """Create an empty SQLite file readable by the owner only (0600) if there is none, in
    a private folder: it will hold names, addresses and notes of clients (§35 SGB I), and
    SQLite gives its journal files the mode of the database. An existing file keeps its
    mode."""
    private_dir(path.parent)
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


#: A query parameter of a URL that carries a secret (libpq's ``password=``,
#: ``sslpassword=``, and the like), masked wherever a URL is shown.
_SECRET_QUERY = re.compile(r"([?&][^=&#]*(?:pass|secret|token|key)[^=&#]*=)[^&#]*", re.I)
#: How special characters in a password are written in a URL.
PASSWORD_HINT = ("Zeichen wie @ : / ? im Passwort müssen prozentkodiert werden "
                 "(@ als %40, : als %3A, / als %2F, ? als %3F)")


def _safe(url: URL) -> str:
    """The URL to show: without the password, neither in the user part nor in the query."""
    return _SECRET_QUERY.sub(r"\1***", url.render_as_string(hide_password=True))


def _safe_text(raw: str) -> str:
    """A database address that could not be read, as far as it may be shown: the scheme
    and the part after the last ``@`` (a password may hold any of ``:/@``), the query's
    secrets masked; never the whole text."""
    scheme, sep, rest = raw.partition("://")
    if not sep:
        return "…"
    user, at, host = rest.rpartition("@")
    return _SECRET_QUERY.sub(r"\1***", f"{scheme}://{'…@' if at else ''}{host}")


def _driver_line(exc: BaseException) -> str:
    """The first line of a database driver's message (the detail lines can carry values)."""
    lines = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    # a quoted value (PostgreSQL: „invalid input … "Meier"“) is left out
    return re.sub(r'"[^"]*"', '"…"', lines[0]) if lines else type(exc).__name__


#: Causes of a database error by words of the driver's message (SQLite and PostgreSQL).
_DB_ERROR_CAUSES = (
    (("readonly database", "read-only", "read only"), "schreibgeschützt"),
    (("disk is full", "no space left", "could not extend file", "disk quota"), "Datenträger voll"),
    (("malformed", "not a database", "invalid page", "corrupt"), "beschädigt"),
    (("database is locked", "database table is locked", "lock timeout",
      "could not obtain lock"), "gesperrt"),
    # PostgreSQL gone mid-run: stopped, restarted, the network cut
    (("server closed the connection", "terminating connection", "connection is lost",
      "connection is closed", "connection already closed", "consuming input failed",
      "could not receive data", "could not send data", "ssl connection has been closed",
      "the database system is shutting down", "the database system is starting up",
      "connection refused", "could not connect", "no route to host"), "Verbindung"),
)


def db_error_cause(exc: BaseException) -> str | None:
    """The cause of a database error by the words of its driver's first line
    (:data:`_DB_ERROR_CAUSES`: schreibgeschützt, Datenträger voll, …), else None."""
    low = _driver_line(exc).lower()
    return next((c for words, c in _DB_ERROR_CAUSES if any(w in low for w in words)), None)


def describe_db_error(exc: BaseException) -> str:
    """One German line for a database error met after opening: the database (its URL
    without password, recorded by the engine's error hook) and the cause: schreibgeschützt,
    Datenträger voll, beschädigt, gesperrt, else the driver's first line."""
    where = getattr(exc, "hausbesuch_db", None)
    name = f"Die Datenbank {where}" if where else "Die Datenbank"
    line = _driver_line(exc)
    cause = db_error_cause(exc)
    if cause == "schreibgeschützt":
        where_to_look = ("Rechte von Datei und Ordner prüfen" if "sqlite" in str(where)
                         else "Rechte der Rolle und ob der Server nur lesend läuft prüfen")
        return f"{name} kann nicht geschrieben werden: schreibgeschützt ({where_to_look})."
    if cause == "Datenträger voll":
        return (f"{name} kann nicht geschrieben werden: Datenträger voll (Platz schaffen, "
                "dann den Befehl wiederholen).")
    if cause == "beschädigt":
        return f"{name} ist beschädigt ({line}): bitte die letzte Sicherung prüfen."
    if cause == "gesperrt":
        holder = ("eine Sicherung, eine sqlite3-Sitzung" if "sqlite" in str(where)
                  else "eine andere Sitzung")
        return (f"{name} ist gesperrt: ein anderes Programm ({holder}) hält sie; nichts "
                "gespeichert, später noch einmal versuchen.")
    if cause == "Verbindung":
        return (f"Verbindung zum Datenbankserver abgebrochen ({where or 'Datenbank'}; "
                "Server beendet oder neu gestartet): nichts gespeichert, den Befehl "
                "wiederholen, wenn der Server wieder läuft.")
    return f"Datenbankfehler in {where or 'der Datenbank'}: {line}"


def db_unavailable(exc: BaseException) -> bool:
    """Whether a database error means the database cannot be reached for now (locked by
    another program beyond the busy wait, its server gone): a passing state, not a bug;
    the web app answers 503 and the job queue waits for it."""
    from sqlalchemy.exc import DBAPIError

    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return db_error_cause(exc) in ("gesperrt", "Verbindung")


# --------------------------------------------------------------------------- JSON helpers


def _tag(obj: Any) -> Any:
    """JSON-ready form that keeps tuples and non-string dict keys distinguishable."""
    if isinstance(obj, tuple):
        return {"__tuple__": [_tag(v) for v in obj]}
    if isinstance(obj, list):
        return [_tag(v) for v in obj]
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj) and not (
            len(obj) == 1 and next(iter(obj)) in ("__tuple__", "__items__")
        ):
            return {k: _tag(v) for k, v in obj.items()}
        return {"__items__": [[_tag(k), _tag(v)] for k, v in obj.items()]}
    return obj


def _untag(obj: Any) -> Any:
    if isinstance(obj, list):
        return [_untag(v) for v in obj]
    if isinstance(obj, dict):
        if len(obj) == 1 and "__tuple__" in obj:
            return tuple(_untag(v) for v in obj["__tuple__"])
        if len(obj) == 1 and "__items__" in obj:
            return {_untag(k): _untag(v) for k, v in obj["__items__"]}
        return {k: _untag(v) for k, v in obj.items()}
    return obj


def _dumps(obj: Any) -> str:
    if isinstance(obj, list) and not obj:  # the common empty list, as _loads reads it
        return "[]"
    return json.dumps(_tag(obj), ensure_ascii=False, separators=(",", ":"))


def _loads(textval: str | None) -> Any:
    if textval == "[]":  # the common empty list (no languages, windows, extra columns)
        return []
    return _untag(json.loads(textval)) if textval else None


# --------------------------------------------------------------------------- ORM model

_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base; the naming convention keeps constraint names stable for Alembic."""

    metadata = MetaData(naming_convention=_NAMING)


class _ClientColumns:
    """Columns of a client row (shared by the master table and plan snapshots)."""

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    input_row: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str] = mapped_column(Text)
    street: Mapped[str | None] = mapped_column(Text)
    housenumber: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(Text)
    town: Mapped[str | None] = mapped_column(Text)
    kontakt_abbruch_seit: Mapped[date | None] = mapped_column(Date)
    sprache: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    zeitfenster: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of slots
    angekuendigt_ab: Mapped[date | None] = mapped_column(Date)
    besuchsdauer_min: Mapped[int | None] = mapped_column(Integer)
    notiz: Mapped[str | None] = mapped_column(Text)
    #: unevaluated list columns, kept by versions before migration 0011; always "[]" now
    extra: Mapped[str] = mapped_column(Text, default="[]")


class ClientRow(_ClientColumns, Base):
    __tablename__ = "clients"

    city: Mapped[str] = mapped_column(String(120), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    # case state (see hausbesuch.casework): offen | erreicht | in_klaerung | abgeschlossen
    status: Mapped[str] = mapped_column(String(20), server_default="offen", default="offen")
    status_since: Mapped[datetime | None] = mapped_column(DateTime)
    status_reason: Mapped[str | None] = mapped_column(Text)
    # a pin of the client's next visit: from the list (Team/Datum/Uhrzeit) or an appointment
    pin_team: Mapped[str | None] = mapped_column(String(64))
    pin_day: Mapped[date | None] = mapped_column(Date)
    pin_time_min: Mapped[int | None] = mapped_column(Integer)
    pin_source: Mapped[str | None] = mapped_column(String(20))
    # a coordinate given in the client list (lat/lon columns), WGS84
    given_lon: Mapped[float | None] = mapped_column(Double)
    given_lat: Mapped[float | None] = mapped_column(Double)
    #: when the client's personal data were erased (``hausbesuch purge``); None: they are
    #: there (a later import of the client fills them in again and clears this)
    erased_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: when an imported client list last held the case (a row with its id, also one
    #: refused for a bad field): ``hausbesuch purge --absent-days`` erases cases that
    #: left the case-management export; None only for rows written without an import
    last_listed_at: Mapped[datetime | None] = mapped_column(DateTime)
    #: when a list last changed the case's place (:data:`PLACE_COLUMNS`; None: not since
    #: the case was first stored, or not since migration 0019): part of the stamp of the
    #: address form (:meth:`hausbesuch.casework.Casework.fix_stamps`), so that a fix typed
    #: for the address before is refused (QA 38 F1, stale38's notes)
    address_since: Mapped[datetime | None] = mapped_column(DateTime)
    #: when the case's pin (:data:`PIN_COLUMNS`) was last set, changed or taken back, by
    #: whom ever (the web, a list, an outcome's appointment, an erasure; None: not since
    #: migration 0020): the plan page's pin forms compare it with the moment their page
    #: read the pins (:func:`hausbesuch.casework.service.check_pin_unchanged`), so that a
    #: pin set anew, even the same one, is not replaced or taken back unseen (review 39 #1)
    pin_since: Mapped[datetime | None] = mapped_column(DateTime)


#: The columns of a client's place as a list gives it: a change of any makes
#: ``clients.address_since`` now.
PLACE_COLUMNS = frozenset({"address", "given_lon", "given_lat"})
#: The columns of a case's pin: every writer of any sets ``clients.pin_since``
#: (:func:`set_pin`, or beside them in a bulk statement).
PIN_COLUMNS = frozenset({"pin_team", "pin_day", "pin_time_min", "pin_source"})


def set_pin(row: ClientRow, team: str | None, day: date | None, minute: int | None,
            source: str | None, at: datetime) -> bool:
    """Set the case's pin (all None: take it back) and, when that changes it, its moment
    ``clients.pin_since`` to ``at``; False when the pin was that already."""
    if (row.pin_team, row.pin_day, row.pin_time_min, row.pin_source) == (
            team, day, minute, source):
        return False
    row.pin_team, row.pin_day, row.pin_time_min, row.pin_source = team, day, minute, source
    row.pin_since = at
    return True


class DistrictRow(Base):
    __tablename__ = "districts"
    __table_args__ = (UniqueConstraint("city", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    geometry: Mapped[str] = mapped_column(Text)  # GeoJSON geometry, WGS84 (lon, lat)
    source: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class PlanRow(Base):
    __tablename__ = "plans"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    city: Mapped[str] = mapped_column(String(120), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    start: Mapped[date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)
    solution: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    saved_at: Mapped[datetime] = mapped_column(DateTime)
    # plan versions: a re-plan is a new plan pointing to its predecessor
    version: Mapped[int] = mapped_column(Integer, server_default="1", default=1)
    predecessor_id: Mapped[str | None] = mapped_column(String(64))
    # laeuft | fertig | fehlgeschlagen (a plan job that died keeps its reason in ``error``)
    status: Mapped[str] = mapped_column(String(20), server_default="fertig", default="fertig")
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(120))
    # JSON: what is needed to plan again (span, options, teams, replan moment)
    params: Mapped[str] = mapped_column(Text, server_default="{}", default="{}")


def _plan_fk() -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["plan_id"], ["plans.id"], ondelete="CASCADE")


class PlanClientRow(_ClientColumns, Base):
    __tablename__ = "plan_clients"
    __table_args__ = (_plan_fk(),)

    plan_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))


class GeocodeRow(Base):
    __tablename__ = "geocodes"
    __table_args__ = (_plan_fk(),)

    plan_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    lon: Mapped[float | None] = mapped_column(Double)
    lat: Mapped[float | None] = mapped_column(Double)
    quality: Mapped[str] = mapped_column(String(20))
    score: Mapped[float] = mapped_column(Double)
    match_text: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    district: Mapped[str] = mapped_column(Text)
    #: the geocoder's verdict (:attr:`hausbesuch.plandata.Geocode.doubt`); NULL in plans
    #: stored before migration 0012
    doubt: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class RouteRow(Base):
    __tablename__ = "plan_routes"
    __table_args__ = (_plan_fk(),)

    plan_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(64))
    team_label: Mapped[str] = mapped_column(Text)
    day: Mapped[date] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(10))
    start_lon: Mapped[float] = mapped_column(Double)
    start_lat: Mapped[float] = mapped_column(Double)
    end_lon: Mapped[float] = mapped_column(Double)
    end_lat: Mapped[float] = mapped_column(Double)
    start_label: Mapped[str] = mapped_column(Text)
    depart: Mapped[datetime] = mapped_column(DateTime)
    return_at: Mapped[datetime] = mapped_column(DateTime)
    travel_s: Mapped[int] = mapped_column(Integer)
    distance_m: Mapped[int] = mapped_column(Integer)
    service_s: Mapped[int] = mapped_column(Integer)
    waiting_s: Mapped[int] = mapped_column(Integer)
    lunch_start: Mapped[datetime | None] = mapped_column(DateTime)
    lunch_end: Mapped[datetime | None] = mapped_column(DateTime)
    legs: Mapped[str] = mapped_column(Text, default="[]")  # JSON: per leg a list of [lon, lat]


class VisitRow(Base):
    __tablename__ = "visits"
    __table_args__ = (
        ForeignKeyConstraint(
            ["plan_id", "route_seq"], ["plan_routes.plan_id", "plan_routes.seq"],
            ondelete="CASCADE",
        ),
    )

    plan_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    route_seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    position: Mapped[int] = mapped_column(Integer)
    arrival: Mapped[datetime] = mapped_column(DateTime)
    start_at: Mapped[datetime] = mapped_column(DateTime)
    end_at: Mapped[datetime] = mapped_column(DateTime)
    lon: Mapped[float] = mapped_column(Double)
    lat: Mapped[float] = mapped_column(Double)
    address: Mapped[str] = mapped_column(Text)
    district: Mapped[str] = mapped_column(Text)
    window_text: Mapped[str] = mapped_column(Text, default="")
    notiz: Mapped[str] = mapped_column(Text, default="")
    visit_id: Mapped[str | None] = mapped_column(String(64))  # case_visits.visit_id
    tries_before: Mapped[int] = mapped_column(Integer, server_default="0", default=0)
    #: seconds from this door to the team's end point, as the plan's travel times count
    #: them (:attr:`hausbesuch.plandata.PlannedStop.way_back_s`); NULL for visits stored
    #: before migration 0018
    way_back_s: Mapped[int | None] = mapped_column(Integer)


class UnassignedRow(Base):
    __tablename__ = "unassigned"
    __table_args__ = (_plan_fk(),)

    plan_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    lon: Mapped[float | None] = mapped_column(Double)
    lat: Mapped[float | None] = mapped_column(Double)
    address: Mapped[str] = mapped_column(Text)
    district: Mapped[str] = mapped_column(Text)
    tries_before: Mapped[int] = mapped_column(Integer, server_default="0", default=0)


class RejectedRow(Base):
    __tablename__ = "rejected_rows"
    __table_args__ = (_plan_fk(),)

    plan_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    input_row: Mapped[int] = mapped_column(Integer)
    client_id: Mapped[str | None] = mapped_column(String(200))
    field_name: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)


class LastImportRow(Base):
    """The last import of a client list of a city (web upload or ``hausbesuch import``):
    kept until the city's next import, so that its rejected rows can be read again. No
    file name (it could name a person)."""

    __tablename__ = "last_imports"

    city: Mapped[str] = mapped_column(String(120), primary_key=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime)
    imported_by: Mapped[str] = mapped_column(String(120))
    total_rows: Mapped[int] = mapped_column(Integer)
    new: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    #: listed cases whose data were erased and that are done: not read again (counted
    #: apart from ``unchanged`` since migration 0015; 0 in imports kept before it)
    erased_kept: Mapped[int] = mapped_column(Integer, server_default="0")


class ImportRejectionRow(Base):
    """A row the city's last import rejected: its number, Kundennummer (if any), field
    and reason. The reason never holds a typed value that could be a name or an address
    (:func:`hausbesuch.casework.service.stored_reason`)."""

    __tablename__ = "import_rejections"
    __table_args__ = (ForeignKeyConstraint(["city"], ["last_imports.city"],
                                           ondelete="CASCADE"),)

    city: Mapped[str] = mapped_column(String(120), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    input_row: Mapped[int] = mapped_column(Integer)
    client_id: Mapped[str | None] = mapped_column(String(200))
    field_name: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)


class StatusHistoryRow(Base):
    """Every change of a client's case status, with date and reason."""

    __tablename__ = "case_status_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city: Mapped[str] = mapped_column(String(120))
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_at: Mapped[datetime] = mapped_column(DateTime)
    changed_by: Mapped[str] = mapped_column(String(120))


class AddressFixRow(Base):
    """A coordinator's correction of a client's address (text or point); survives re-import
    while the source address stays what it was when the fix was made."""

    __tablename__ = "address_fixes"

    city: Mapped[str] = mapped_column(String(120), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source_address: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    lon: Mapped[float | None] = mapped_column(Double)
    lat: Mapped[float | None] = mapped_column(Double)
    fixed_by: Mapped[str] = mapped_column(String(120))
    fixed_at: Mapped[datetime] = mapped_column(DateTime)
    stale: Mapped[bool] = mapped_column(Boolean, server_default="0", default=False)


class OtherPersonRow(Base):
    """Two cases of a city that a coordinator checked to be two people although they have
    the same name at the same door (father and son of one name, two people of a common
    name in one house): the import's and the plan's note „doppelt angelegt?“ leaves the
    pair out. Ids only, ``client_a`` before ``client_b`` as :func:`hausbesuch.caseids.id_key`
    orders them."""

    __tablename__ = "other_persons"

    city: Mapped[str] = mapped_column(String(120), primary_key=True)
    client_a: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_b: Mapped[str] = mapped_column(String(64), primary_key=True)
    checked_by: Mapped[str] = mapped_column(String(120))
    checked_at: Mapped[datetime] = mapped_column(DateTime)


class TeamAbsenceRow(Base):
    """A day on which a team does no visits (holiday, training, illness): no shift is
    planned for it. No reason is stored (it could be health data of staff)."""

    __tablename__ = "team_absences"
    __table_args__ = (UniqueConstraint("city", "team_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    city: Mapped[str] = mapped_column(String(120), index=True)
    team_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime)


class CityTeamsRow(Base):
    """The teams of a city as the coordinators set them (instead of the profile's); one
    row per city, the teams as JSON (see :mod:`hausbesuch.team_store`)."""

    __tablename__ = "city_teams"

    city: Mapped[str] = mapped_column(String(120), primary_key=True)
    teams: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class CaseVisitRow(Base):
    """A visit of a client with an id that stays the same across plan versions."""

    __tablename__ = "case_visits"

    visit_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    city: Mapped[str] = mapped_column(String(120))
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    try_no: Mapped[int] = mapped_column(Integer)  # 1 = first try
    plan_id: Mapped[str | None] = mapped_column(String(64), index=True)
    team_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    start_at: Mapped[datetime] = mapped_column(DateTime)
    end_at: Mapped[datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20))  # geplant | erledigt | entfallen
    pinned: Mapped[bool] = mapped_column(Boolean, server_default="0", default=False)
    announced_at: Mapped[datetime | None] = mapped_column(DateTime)
    promised_start: Mapped[datetime | None] = mapped_column(DateTime)
    promised_end: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class OutcomeRow(Base):
    """What happened at a visit."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    visit_id: Mapped[str | None] = mapped_column(String(64), index=True)
    city: Mapped[str] = mapped_column(String(120))
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    day: Mapped[date] = mapped_column(Date)
    time_min: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[str] = mapped_column(String(30))
    appointment_at: Mapped[datetime | None] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(120))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(20))
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)


class AuditRow(Base):
    """Append-only log of every change (and every view of a worker link): who, when, what,
    which case id. Never a name: ``details`` holds ids, counts and codes only."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60))
    city: Mapped[str | None] = mapped_column(String(120))
    client_id: Mapped[str | None] = mapped_column(String(64), index=True)
    plan_id: Mapped[str | None] = mapped_column(String(64))
    visit_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[str] = mapped_column(Text, default="{}")


class AuditPruneGateRow(Base):
    """While a row is here, the audit log's triggers let rows older than ``cutoff`` be
    deleted (migration 0010): the one way to age the log out (:meth:`Store.prune_audit`),
    inside the transaction that also records it. Empty at every other moment."""

    __tablename__ = "audit_prune_gate"

    cutoff: Mapped[datetime] = mapped_column(DateTime, primary_key=True)


@dataclass(frozen=True)
class ChangeMarker:
    """Where the audit log stood when a plan read the store (:meth:`Store.change_marker`):
    its newest row id, the moment, and the ids of the rows of the last
    :data:`IN_FLIGHT` that were visible then."""

    top: int
    at: datetime
    seen: frozenset[int]


#: How long a write transaction may be in flight: an audit row numbered before a marker
#: but written within this time before it may have been committed after it.
IN_FLIGHT = timedelta(seconds=30)

#: Audit actions that change what a plan of a case is made from (see
#: :meth:`Store.changes_since`).
CASE_CHANGES = frozenset({
    "klient_geaendert", "korrektur_veraltet", "adresse_korrigiert", "status_geaendert",
    "daten_geloescht", "ergebnis_erfasst", "ergebnis_berichtigt", "visit_pinned",
    "festlegung_aufgehoben", "besuch_entfallen"})
#: Audit actions that change a city's teams or their days.
CITY_CHANGES = frozenset({"abwesenheit_eingetragen", "abwesenheit_geloescht",
                          "teams_gespeichert", "teams_zurueckgesetzt"})


def lock_changes(s: Session, city: str, *, exclusive: bool = False) -> None:
    """PostgreSQL: the transaction-level advisory lock that orders a plan's storing
    transaction (``exclusive``) and the transactions that change its cases (shared: the
    audit row of a change takes it, in the change's transaction). The plan takes it just
    before it asks :meth:`Store.changes_since` and holds it to its commit, so a change
    either committed before the question (and is seen) or waits until the plan is stored
    (and comes after it). SQLite orders writers by ``BEGIN IMMEDIATE`` already."""
    if s.get_bind().dialect.name != "postgresql":
        return
    fn = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    s.execute(text(f"SELECT {fn}(hashtextextended(current_schema() || ':aenderung:' || "
                   ":city, 0))"), {"city": city})


def lock_clients(s: Session, city: str, client_ids: Collection[str]) -> None:
    """Make the case (its client row) the unit of serialisation: PostgreSQL locks the rows
    of ``client_ids`` (``SELECT … FOR UPDATE``, in id order) to the end of the transaction
    and reloads those the session holds, so that what the transaction decides from them
    (erased, status, an outcome already recorded for a visit) is read after any other
    writer of the case committed; a second writer waits here. Every write transaction of
    a case takes it before it reads what it decides on (outcome, status, address fix,
    rectification, pin, purge; an import and :meth:`Store.upsert_clients` lock their
    rows the same way). Lock order: the import lock (purge), then client rows in id
    order, then the change lock (:func:`lock_changes`, taken by the audit row); a plan
    storing its visits takes the change lock but no client row, so nothing waits in the
    other order. SQLite: nothing to do, its write transactions already start one at a
    time (``BEGIN IMMEDIATE``)."""
    if s.get_bind().dialect.name != "postgresql":
        return
    ids = sorted(set(client_ids))
    for k in range(0, len(ids), 400):
        s.execute(select(ClientRow).where(ClientRow.city == city,
                                          ClientRow.client_id.in_(ids[k:k + 400]))
                  .order_by(ClientRow.client_id).with_for_update()
                  .execution_options(populate_existing=True)).scalars().all()


def dialect_insert(s: Session, model: Any) -> Any:
    """An INSERT of ``model`` in the session's dialect (PostgreSQL or SQLite), with their
    ``on_conflict_do_nothing`` / ``on_conflict_do_update`` (an upsert: of two writers at
    once the second updates the row the first inserted instead of failing)."""
    if s.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(model)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(model)


#: Child tables of a plan, in deletion order.
_PLAN_CHILDREN = (VisitRow, RouteRow, UnassignedRow, RejectedRow, GeocodeRow, PlanClientRow)

#: The web app's day links (``web_worker_links``, made by migration 0003; the model is
#: ``hausbesuch.web.models.WorkerLinkRow``) as far as a plan's deletion needs them: they
#: name a plan version by id. Reached by name, as :mod:`hausbesuch.casework.erasure`
#: reaches ``web_jobs``: the web app depends on the store, never the reverse
#: (tests/test_layers.py checks both, and these columns against the model).
DAY_LINKS = sql.table("web_worker_links", sql.column("plan_id", String),
                      sql.column("revoked_at", DateTime), sql.column("valid_until", DateTime),
                      sql.column("team_id", String), sql.column("day", Date))


def no_plan_message(plan_id: str, *, hint: bool = True) -> str:
    """The German message for a plan id that names no stored plan; ``hint``: with where
    to find the stored ones (the command line's ``hausbesuch plans``)."""
    return (f"Kein gespeicherter Plan mit der Kennung „{plan_id}“"
            + (" (siehe hausbesuch plans)." if hint else "."))


# --------------------------------------------------------------------------- conversions


def audit_values(actor: str, action: str, *, city: str | None = None,
                 client_id: str | None = None, plan_id: str | None = None,
                 visit_id: str | None = None, details: dict[str, Any] | None = None
                 ) -> dict[str, Any]:
    """The column values of one audit row, stamped now (see :meth:`Store.audit`)."""
    return {"at": clock.now(), "actor": actor[:120], "action": action, "city": city,
            "client_id": client_id, "plan_id": plan_id, "visit_id": visit_id,
            "details": json.dumps(details or {}, ensure_ascii=False, default=str,
                                  separators=(",", ":"))}


def _client_values(c: Client) -> dict[str, Any]:
    return {
        "client_id": c.id,
        "input_row": c.row,
        "name": c.name,
        "address": c.address,
        "street": c.street,
        "housenumber": c.housenumber,
        "postcode": c.postcode,
        "town": c.town,
        "kontakt_abbruch_seit": c.kontakt_abbruch_seit,
        "sprache": _dumps(list(c.sprache)),
        "zeitfenster": _dumps(
            [[sorted(s.weekdays), s.start_min, s.end_min, s.text] for s in c.zeitfenster]
        ),
        "angekuendigt_ab": c.angekuendigt_ab,
        "besuchsdauer_min": c.besuchsdauer_min,
        "notiz": c.notiz,
    }


def keep_absent(values: dict[str, Any], row: Any, absent: Mapping[str, str],
                kept: dict[str, int]) -> None:
    """Take out of ``values`` (:func:`_client_values` of a listed client) the ``absent``
    columns (stored column -> German label: the fields the list has no column for), so
    that the known case ``row`` keeps what is stored there; ``kept`` counts per label the
    cases whose stored value differs from the list's blank. One rule for every path that
    loads a list (an import, :meth:`Store.upsert_clients`): a missing column keeps the
    stored value, an empty cell in a column the list has empties it."""
    for col, label in absent.items():
        if values.pop(col) != getattr(row, col):
            kept[label] = kept.get(label, 0) + 1


def geocode_from(g: GeocodeRow) -> Geocode:
    """A stored geocode of a plan as the pages use it."""
    return Geocode(client_id=g.client_id, lon=g.lon, lat=g.lat, quality=g.quality,
                   score=g.score, match=g.match_text, reason=g.reason, district=g.district,
                   doubt=g.doubt)


def _client_from(r: _ClientColumns | Row[Any], **more: Any) -> Client:
    """The client of a stored row (an ORM row or a plain row with its columns); ``more``:
    further :class:`Client` fields."""
    return Client(
        row=r.input_row,
        id=r.client_id,
        address=r.address,
        name=r.name,
        street=r.street,
        housenumber=r.housenumber,
        postcode=r.postcode,
        town=r.town,
        kontakt_abbruch_seit=r.kontakt_abbruch_seit,
        sprache=tuple(_loads(r.sprache) or ()),
        zeitfenster=tuple(
            TimeSlot(weekdays=frozenset(w), start_min=s, end_min=e, text=t)
            for w, s, e, t in (_loads(r.zeitfenster) or ())
        ),
        angekuendigt_ab=r.angekuendigt_ab,
        besuchsdauer_min=r.besuchsdauer_min,
        notiz=r.notiz,
        **more,
    )


def _check_naive(plan: Plan) -> None:
    def bad(dt: datetime | None) -> bool:
        return dt is not None and dt.tzinfo is not None

    stamps: list[datetime | None] = [plan.created_at]
    for r in plan.routes:
        stamps += [r.depart, r.return_, *(r.lunch or ())]
        for s in r.stops:
            stamps += [s.arrival, s.start, s.end]
    if any(bad(dt) for dt in stamps):
        raise ValueError("plan datetimes must be naive local times (see hausbesuch.plandata)")


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class UpsertResult:
    """What :meth:`Store.upsert_clients` did."""

    inserted: int
    updated: int
    unchanged: int
    #: German label of a field the list has no column for -> how many known clients kept
    #: a stored value there (see ``absent`` of :meth:`Store.upsert_clients`)
    kept: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PlanInfo:
    """One stored plan, for listings."""

    id: str
    city: str
    created_at: datetime
    start: date
    days: int
    routes: int
    visits: int
    unassigned: int
    rejected: int
    #: the plan's version and the version it replaced (``hausbesuch replan``, *Neu planen*)
    version: int = 1
    predecessor_id: str | None = None


# --------------------------------------------------------------------------- the store


_SCHEMA_RE = re.compile(r"[a-z_][a-z0-9_]{0,62}")


@contextmanager
def _file_lock(database: str | None, city: str) -> Iterator[None]:
    """An exclusive lock between processes for the plans of one city on one SQLite file
    (``<file>.planung-<hash>.lock``, the hash of the city's name; nothing for an
    in-memory database or where ``fcntl`` is missing)."""
    import hashlib

    try:
        import fcntl
    except ImportError:  # not a POSIX system: the lock in this process only
        yield
        return
    if _sqlite_in_memory(database or "") or database.startswith("file:"):
        yield
        return
    tag = hashlib.sha256(city.encode("utf-8")).hexdigest()[:12]
    path = Path(database).expanduser().resolve().with_name(
        f"{Path(database).name}.planung-{tag}.lock")
    try:  # as readable and writable as the database itself (several users may share it)
        mode = os.stat(database).st_mode & 0o666
    except OSError:
        mode = 0o600
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, mode)
    except OSError:
        try:  # another user's lock file: a lock works on a file opened for reading too
            fd = os.open(path, os.O_RDONLY)
        except OSError as exc:
            raise UserError(f"Die Sperrdatei {path} kann nicht geöffnet werden "
                            f"({exc.strerror or exc}); bitte die Rechte prüfen.") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _leg_count(legs: Any) -> Any:
    """SQL: the number of legs in a route's stored ``legs`` (JSON text as :meth:`Store.
    save_plan` writes it: a list of legs, each a list of [lon, lat] points, no spaces)
    without reading the geometry, in SQLite and PostgreSQL alike. Each empty leg (an
    erased or undrawn one, ``[]``) is first written as a drawn one (``[[]]``); then two
    legs are joined by ``]],[``, which cannot overlap itself (review 20 #2: counting
    ``[],[`` as well missed the second of two adjacent empty legs, as a purge leaves them),
    and inside a leg a point's ``]`` follows a digit, so only the joins count."""
    drawn = func.replace(legs, "[]", "[[]]")
    joins = func.length(drawn) - func.length(func.replace(drawn, "]],[", "]],"))
    return case((legs == "[]", 0), else_=joins + 1)


def _door_facts(s: Session, visit_rows: Sequence[VisitRow]
                ) -> dict[tuple[str, int, int], dict]:
    """What the pages say of stored stops beyond the visit row, by the row's key (plan id,
    route seq, visit seq: a visit's seq counts within its route):
    the client's ``sprache`` and ``angekuendigt_ab`` from the plan's snapshot of the list,
    and from the client's outcomes before the visit (not its own) the failed tries since
    the last contact and the day an appointment the stop keeps was agreed
    (:attr:`PlannedStop.failed_before`, :attr:`PlannedStop.agreed_on`)."""
    from hausbesuch.casework.rules import PastOutcome, directive

    out: dict[tuple[str, int, int], dict] = {}
    by_plan: dict[str, list[VisitRow]] = {}
    for v in visit_rows:
        by_plan.setdefault(v.plan_id, []).append(v)
    for plan_id, rows in by_plan.items():
        city = s.scalar(select(PlanRow.city).where(PlanRow.id == plan_id))
        ids = sorted({v.client_id for v in rows})
        snap: dict[str, tuple[Any, date | None]] = {}
        past: dict[str, list[OutcomeRow]] = {}
        for k in range(0, len(ids), 500):
            chunk = ids[k:k + 500]
            for cid, sprache, letter in s.execute(select(
                    PlanClientRow.client_id, PlanClientRow.sprache, PlanClientRow.angekuendigt_ab)
                    .where(PlanClientRow.plan_id == plan_id,
                           PlanClientRow.client_id.in_(chunk))):
                snap[cid] = (sprache, letter)
            for o in s.scalars(select(OutcomeRow).where(OutcomeRow.city == city,
                                                        OutcomeRow.client_id.in_(chunk))):
                past.setdefault(o.client_id, []).append(o)
        for v in rows:
            sprache, letter = snap.get(v.client_id, ("[]", None))
            facts: dict[str, Any] = {"sprache": tuple(_loads(sprache) or ()),
                                     "angekuendigt_ab": letter}
            start_min = v.start_at.hour * 60 + v.start_at.minute
            before = [PastOutcome(day=o.day, result=o.result, time_min=o.time_min,
                                  appointment_at=o.appointment_at)
                      for o in past.get(v.client_id, ())
                      if (o.visit_id is None or o.visit_id != v.visit_id)
                      and (o.day, o.time_min if o.time_min is not None else -1)
                      < (v.day, start_min)]
            if before:
                d = directive(before)
                facts["failed_before"] = d.failed_tries
                if d.appointment is not None and d.appointment.date() == v.day \
                        and is_appointment(v.window_text):
                    facts["agreed_on"] = d.agreed_on
            elif not v.tries_before:
                facts["failed_before"] = 0
            out[(v.plan_id, v.route_seq, v.seq)] = facts
    return out


def planned_stops(s: Session, visit_rows: Sequence[VisitRow]) -> list[PlannedStop]:
    """The stops of stored visit rows, in their order, each with the window a letter
    promised since the plan was made (:func:`announced_windows`) and what the pages say
    of the client at the door (:func:`_door_facts`); the window as stored stays with each
    (:attr:`PlannedStop.stored_window`: a re-plan stores the stops it keeps with it)."""
    since: dict[str, date] = {}
    announced = announced_windows(s, [v.visit_id for v in visit_rows], called_off_since=since,
                                  days={v.visit_id: v.day for v in visit_rows if v.visit_id})
    facts = _door_facts(s, visit_rows)
    return [PlannedStop(
        **facts.get((v.plan_id, v.route_seq, v.seq), {}),
        client_id=v.client_id, position=v.position, arrival=v.arrival, start=v.start_at,
        end=v.end_at, lon=v.lon, lat=v.lat, address=v.address, district=v.district,
        window_text=_shown_window(v.window_text, announced.get(v.visit_id or "")),
        stored_window=v.window_text, notiz=v.notiz,
        visit_id=v.visit_id or "", tries_before=v.tries_before, way_back_s=v.way_back_s,
        called_off=(v.visit_id or "") in since, called_off_since=since.get(v.visit_id or ""))
        for v in visit_rows]


def load_route(store: Store, plan_id: str, team_id: str, day: date) -> TeamDayRoute | None:
    """One team-day route of a plan (with its stops), or None (the phone's page; the
    way back from a door that the casework counts, :mod:`hausbesuch.casework.wayback`)."""
    with store.session() as s:
        r = s.scalars(select(RouteRow).where(RouteRow.plan_id == plan_id,
                                             RouteRow.team_id == team_id,
                                             RouteRow.day == day)).first()
        if r is None:
            return None
        stops = tuple(planned_stops(s, s.scalars(select(VisitRow).where(
            VisitRow.plan_id == plan_id, VisitRow.route_seq == r.seq)
            .order_by(VisitRow.seq)).all()))
        return TeamDayRoute(
            team_id=r.team_id, team_label=r.team_label, day=r.day, mode=r.mode,
            start_lonlat=(r.start_lon, r.start_lat), end_lonlat=(r.end_lon, r.end_lat),
            start_label=r.start_label, depart=r.depart, return_=r.return_at, stops=stops,
            travel_s=r.travel_s, distance_m=r.distance_m, service_s=r.service_s,
            waiting_s=r.waiting_s,
            lunch=(r.lunch_start, r.lunch_end)
            if r.lunch_start is not None and r.lunch_end is not None else None,
            legs=tuple(tuple(map(tuple, leg)) for leg in json.loads(r.legs)),
        )


#: How pages begin the window of a visit called off since its plan was made.
CALLED_OFF = "ENTFÄLLT"


def _shown_window(planned: str, announced: str | None) -> str:
    """A stop's window on pages: what a letter promised (or that it is called off) instead
    of the client's own windows; a time agreed with the client stays in front of it
    (letters of an earlier version announced such visits too), once: a re-plan before
    :attr:`PlannedStop.stored_window` stored the stops it kept with the shown window, the
    announcement included."""
    if announced is None:
        return planned
    if is_appointment(planned) and not announced.startswith(CALLED_OFF):
        return f"{planned.split('; angekündigt: ', 1)[0]}; {announced}"
    return announced


def announced_windows(s: Session, visit_ids: Sequence[str | None], *,
                      called_off_since: dict[str, date] | None = None,
                      days: Mapping[str, date] | None = None) -> dict[str, str]:
    """The windows letters promised for these case visits (``visit id -> "angekündigt:
    08:00–10:00 Uhr (Brief vom …)"``): a letter is written after its plan, so the plan's
    stops are shown with what was promised since (route page, print sheet, map, the
    worker's page), not with the client's own windows ("ganztägig"). A visit called off
    since (``entfallen``: a cancellation letter, a re-plan that dropped it) says
    "ENTFÄLLT seit Fr, 04.12.2026" instead (the day with its weekday, as the pages write
    days: :func:`hausbesuch.fields.format_day`; the pages add „Besuch entfällt – nicht
    hingehen.“ once, beside it), and its day goes into ``called_off_since`` (visit id -> day) when
    given. ``days`` (visit id -> the day of the stop shown): a promise for another day is
    left out (QA 25 F2: a re-plan moved the case visit to another day and a letter announced
    it there; the replaced version's stop on its old day showed that window without a date,
    as if promised for it), and the stop shows the client's own windows."""
    ids = sorted({v for v in visit_ids if v})
    out: dict[str, str] = {}
    for k in range(0, len(ids), 500):
        for vid, ps, pe, at, status, since in s.execute(select(
                CaseVisitRow.visit_id, CaseVisitRow.promised_start, CaseVisitRow.promised_end,
                CaseVisitRow.announced_at, CaseVisitRow.status, CaseVisitRow.updated_at).where(
                CaseVisitRow.visit_id.in_(ids[k:k + 500]),
                (CaseVisitRow.promised_start.is_not(None)
                 & CaseVisitRow.promised_end.is_not(None))
                | (CaseVisitRow.status == "entfallen"))):
            if status == "entfallen":  # called off (a cancellation, a re-plan): the pages
                out[vid] = f"{CALLED_OFF} seit {format_day(since.date())}"  # say so
                if called_off_since is not None:
                    called_off_since[vid] = since.date()
            elif days is None or days.get(vid) in (None, ps.date()):
                out[vid] = announced_text(ps, pe, at)
    return out


class Store:
    """A database of clients, districts and plans. Create with :meth:`open`."""

    def __init__(self, engine: Engine, *, url: str) -> None:
        self.engine = engine
        self.url = url
        self._session = sessionmaker(engine, expire_on_commit=False)

    # ---- opening

    @classmethod
    def open(
        cls, url: str | os.PathLike[str] | None = None, *, schema: str | None = None,
        create: bool = True,
    ) -> Store:
        """Open (and create or upgrade) the database.

        Parameters
        ----------
        url
            SQLAlchemy URL or SQLite file path; default ``$HAUSBESUCH_DB``, else the SQLite
            file in the user data directory (see :func:`resolve_db_url`).
        schema
            PostgreSQL only: use (and create) this schema instead of ``public``; for
            separate data sets in one database, and for tests.
        create
            False: an SQLite file that does not exist, or a PostgreSQL database (schema)
            without hausbesuch's tables, is an error (a command that only reads or changes
            what is stored must not make an empty database, folders included, from a
            mistyped ``--db``, nor fill an empty PostgreSQL database meant for
            ``pg_restore``).

        Raises
        ------
        StoreError
            When the URL is invalid, the server is unreachable, or the database was written
            by a newer version of hausbesuch.
        """
        resolved = resolve_db_url(url)
        try:
            parsed = make_url(resolved)
        except (ArgumentError, ValueError):
            hint = f"; {PASSWORD_HINT}" if "@" in resolved else ""
            raise StoreError(
                f"Ungültige Datenbank-Adresse: {_safe_text(resolved)} (erwartet z. B. "
                f"sqlite:///pfad/datei.sqlite oder postgresql+psycopg://user@host/datenbank"
                f"{hint})") from None
        if "@" in (parsed.host or ""):  # "user:pass@word@host": part of it would be the host
            raise StoreError(
                f"Ungültige Datenbank-Adresse: {_safe_text(resolved)} (mehr als ein @ vor dem "
                f"Rechnernamen; {PASSWORD_HINT})")
        backend = parsed.get_backend_name()
        if backend not in {"sqlite", "postgresql"}:
            raise StoreError(
                f"Datenbank {backend!r} wird nicht unterstützt (nur SQLite und PostgreSQL): "
                f"{_safe(parsed)}"
            )
        if schema is not None and (backend != "postgresql" or not _SCHEMA_RE.fullmatch(schema)):
            raise StoreError(f"Ungültiges Schema {schema!r} (nur für PostgreSQL, a-z0-9_)")
        db_file = (parsed.database or "") if backend == "sqlite" else ""
        if not create and backend == "sqlite" and not _sqlite_in_memory(db_file) \
                and not db_file.startswith("file:") and not Path(db_file).expanduser().exists():
            raise StoreError(
                f"Die Datenbank {db_file} gibt es nicht (Tippfehler in --db oder "
                f"HAUSBESUCH_DB?). Eine neue Datenbank legen nur {creating_commands_text()} "
                "an.")
        try:
            engine = _make_engine(parsed, schema)
        except (ArgumentError, ImportError) as exc:  # e.g. an unknown driver "sqlite+xyz"
            raise StoreError(f"Datenbank-Adresse {_safe(parsed)} nicht nutzbar: {exc}") from None
        store = cls(engine, url=_safe(parsed))

        reason = _driver_line

        try:
            try:
                conn = engine.connect()
            except DBAPIError as exc:
                raise StoreError(
                    f"Datenbank nicht erreichbar: {_safe(parsed)} ({reason(exc)})"
                ) from None
            conn.close()
            if not create and backend == "postgresql" and not store._set_up():
                # an empty database stays empty: a later pg_restore into it must not meet
                # a schema (and audit rows) made by a command that only looked
                raise StoreError(
                    f"Die Datenbank {_safe(parsed)} ist leer: noch nicht von hausbesuch "
                    "eingerichtet (Tippfehler in --db oder HAUSBESUCH_DB?). Eine neue "
                    f"Datenbank richten nur {creating_commands_text()} ein. Eine Sicherung "
                    "wird mit pg_restore eingespielt, bevor ein hausbesuch-Befehl diese "
                    "Datenbank benutzt.")
            if schema is not None:
                with engine.begin() as conn:
                    # serialised: concurrent CREATE SCHEMA IF NOT EXISTS can collide
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
                    conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            store.migrate()
        except DBAPIError as exc:
            engine.dispose()
            if db_error_cause(exc) is not None:  # locked, full, …: in README's words (QA 45b F4)
                exc.hausbesuch_db = _safe(parsed)  # type: ignore[attr-defined]
                raise StoreError(describe_db_error(exc)) from None
            raise StoreError(
                f"Datenbankfehler beim Öffnen von {_safe(parsed)}: {reason(exc)}"
            ) from None
        except BaseException:
            engine.dispose()
            raise
        return store

    def _set_up(self) -> bool:
        """Whether the database (the schema of the connection's search path) has the
        migrations' table, i.e. some version of hausbesuch set it up."""
        from sqlalchemy import inspect

        with self.engine.connect() as conn:
            return inspect(conn).has_table("alembic_version")

    def check_writable(self) -> None:
        """Refuse a database this process cannot write (a read-only file or folder, a
        server in read-only mode, no write right): a write in a transaction that is rolled
        back. For ``serve`` and ``worker``, which write from their first moment on."""
        try:
            with self.engine.connect() as conn:
                conn = conn.execution_options(sqlite_immediate=True)
                with conn.begin() as tx:
                    conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
                    tx.rollback()
        except DBAPIError as exc:
            raise StoreError(describe_db_error(exc)) from None

    def migrate(self) -> None:
        """Bring the schema to the newest revision (a no-op when it is already there)."""
        from alembic import command
        from alembic.config import Config
        from alembic.util.exc import CommandError

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        # (PostgreSQL only: what the upgrade passed decides a rewrite below)
        before = self.current_revision() if self.engine.dialect.name == "postgresql" else None
        with self.engine.connect() as conn:
            conn = conn.execution_options(sqlite_immediate=True)
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
                cfg.attributes["connection"] = conn
                try:
                    command.upgrade(cfg, "head")
                except CommandError as exc:
                    raise StoreError(
                        f"Die Datenbank {self.url} hat einen unbekannten Stand ({exc}); "
                        "vermutlich stammt sie von einer neueren hausbesuch-Version."
                    ) from None
        if before is not None and before < "0011":
            # 0011 emptied the unevaluated list columns: their old row versions stay in the
            # tables' files until they are rewritten (SQLite zeroes them: secure_delete)
            self.reclaim()

    def current_revision(self) -> str | None:
        """The Alembic revision the database is at."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def close(self) -> None:
        """Release all connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def planning_lock(self, city: str) -> Iterator[None]:
        """Plans of one city are made one at a time: a plan reads which clients other plans
        still visit and must see a plan made at the same moment (two coordinators, two
        jobs). PostgreSQL: an advisory lock of the schema and city, held by a connection of
        its own for the time of the block, across processes. SQLite: a lock in this
        process (the web app's job threads) and, for a database file, an exclusive lock
        (``flock``) on a file beside it, so that a plan on the command line waits for one
        the web app makes, and the other way round."""
        if self.engine.dialect.name != "postgresql":
            with _LOCAL_LOCKS_GUARD:
                lock = _LOCAL_LOCKS.setdefault((self.url, city), threading.Lock())
            with lock, _file_lock(self.engine.url.database, city):
                yield
            return
        key = text("SELECT hashtextextended(current_schema() || ':plan:' || :city, 0)")
        with self.engine.connect() as conn:
            k = conn.execute(key, {"city": city}).scalar_one()
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": k})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": k})
                conn.commit()

    def one_at_a_time(self, s: Session, city: str, what: str) -> None:
        """Make the rest of the transaction of ``s`` wait for another transaction doing
        ``what`` for ``city`` (an import that reads the stored clients and inserts the new
        ones must not run beside another). PostgreSQL: a transaction-level advisory lock;
        SQLite: nothing to do, its write transactions already start one at a time
        (``BEGIN IMMEDIATE``)."""
        if self.engine.dialect.name == "postgresql":
            s.execute(text("SELECT pg_advisory_xact_lock(hashtextextended("
                           "current_schema() || ':' || :what || ':' || :city, 0))"),
                      {"what": what, "city": city})

    #: The tables that hold clients' data (PostgreSQL's :meth:`reclaim` rewrites them).
    RECLAIM_TABLES = ("clients", "plan_clients", "visits", "unassigned", "geocodes",
                      "plan_routes", "rejected_rows", "import_rejections",
                      "case_status_history", "outcomes", "address_fixes", "web_jobs")

    def reclaim(self, tables: Sequence[str] | None = None, *,
                lock_timeout_s: int = 60) -> bool:
        """Give back the space of deleted and overwritten rows, so that erased data do not
        stay readable in free pages of the file (SQLite: ``VACUUM``) or in dead row
        versions (PostgreSQL: ``VACUUM FULL`` of the tables that hold clients' data, each
        written to a new file; ``tables``: only these of :data:`RECLAIM_TABLES`, e.g. the
        one a correction changed; ``lock_timeout_s``: how long each may wait for its lock,
        while the rewrite blocks the table for others). False when the database could not
        do it now (another program holds it; on PostgreSQL also a role that does not own
        the tables). A row version an open transaction can still see (a backup running)
        is copied into the new file too: the rewrite is complete only without such."""
        import sqlite3

        from sqlalchemy.exc import DBAPIError

        tables = list(self.RECLAIM_TABLES if tables is None else tables)
        unknown = [t for t in tables if t not in self.RECLAIM_TABLES]
        if unknown:
            raise ValueError(f"not a table of clients' data: {unknown}")
        try:
            if self.engine.dialect.name == "sqlite":
                # the driver's own connection: it runs outside a transaction (isolation
                # level None), where SQLAlchemy's begin hook would open one VACUUM refuses
                raw = self.engine.raw_connection()
                try:
                    raw.driver_connection.execute("VACUUM")
                finally:
                    raw.close()
                return True
            files = text("SELECT c.relname, c.relfilenode FROM pg_class c JOIN pg_namespace "
                         "n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() "
                         "AND c.relname = ANY(:t)")
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                # a web request holding one
                c.exec_driver_sql(f"SET lock_timeout = '{int(lock_timeout_s)}s'")
                try:
                    before = dict(c.execute(files, {"t": tables}).all())
                    for table in tables:
                        # FULL: the table is written anew and its old file removed (a
                        # plain VACUUM only marks the space free; the values stay there)
                        c.exec_driver_sql(f"VACUUM FULL {table}")
                    after = dict(c.execute(files, {"t": tables}).all())
                finally:
                    c.exec_driver_sql("RESET lock_timeout")  # the connection goes back
            # a role that does not own the tables gets a warning, not an error: the table
            # then keeps its file
            return len(before) == len(tables) and all(after.get(t) != before[t]
                                                      for t in before)
        except (DBAPIError, sqlite3.Error):  # e.g. "database is locked": the caller says so
            return False

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction (committed on success, rolled back on error)."""
        with self._session.begin() as s:
            if self.engine.dialect.name == "sqlite":
                s.connection(execution_options={"sqlite_immediate": True})
            yield s

    # ---- audit

    def audit(self, actor: str, action: str, *, city: str | None = None,
              client_id: str | None = None, plan_id: str | None = None,
              visit_id: str | None = None, details: dict[str, Any] | None = None,
              session: Session | None = None) -> None:
        """Append one row to the audit log: who, when, what, which case id.

        Never pass a name or an address in ``details``: ids, counts, codes and dates only.
        With ``session`` the row is written in that transaction (it commits or rolls back
        with the change it records).
        """
        row = AuditRow(**audit_values(actor, action, city=city, client_id=client_id,
                                      plan_id=plan_id, visit_id=visit_id, details=details))
        if session is not None:
            if city and action in CASE_CHANGES | CITY_CHANGES:
                lock_changes(session, city)  # a plan being stored waits, or this waits
            session.add(row)
        else:
            with self.session() as s:
                s.add(row)

    def change_marker(self) -> ChangeMarker:
        """Where the audit log stands now: a plan that reads the store after this can ask
        :meth:`changes_since` which cases changed meanwhile."""
        with self.session() as s:
            top = int(s.scalar(select(func.max(AuditRow.id))) or 0)
            at = clock.now()
            recent = frozenset(s.scalars(select(AuditRow.id).where(
                AuditRow.at >= at - IN_FLIGHT)))
        return ChangeMarker(top, at, recent)

    def changes_since(self, marker: ChangeMarker, city: str, client_ids: Collection[str], *,
                      session: Session | None = None, own_plan: str | None = None
                      ) -> list[tuple[str | None, str]]:
        """The changes (case id or None, audit action) that concern a plan of ``city`` made
        from the store as it stood at ``marker`` (:meth:`change_marker`): changes of the
        cases ``client_ids`` (:data:`CASE_CHANGES`: an outcome, an address, a status, a
        pin, a call-off) and of the city's teams and absences (:data:`CITY_CHANGES`).
        Every write to the store is audited, so the log is the feed of what happened.
        Rows of plan ``own_plan`` (the plan being stored, in ``session``) do not count."""
        ids = set(client_ids)
        # rows numbered before the marker but committed after it (a transaction in flight
        # on PostgreSQL takes its id at the insert) were not seen either
        q = (select(AuditRow.id, AuditRow.client_id, AuditRow.action).where(
            (AuditRow.id > marker.top) | (AuditRow.at >= marker.at - IN_FLIGHT),
            AuditRow.city == city,
            AuditRow.action.in_(CASE_CHANGES | CITY_CHANGES)).order_by(AuditRow.id))
        if own_plan is not None:
            q = q.where(AuditRow.plan_id.is_(None) | (AuditRow.plan_id != own_plan))
        with (nullcontext(session) if session is not None else self.session()) as s:
            return [(cid, action) for rid, cid, action in s.execute(q)
                    if rid not in marker.seen and (action in CITY_CHANGES or cid in ids)]

    def prune_audit(self, before: datetime, actor: str, *, dry_run: bool = False,
                    details: dict[str, Any] | None = None) -> tuple[int, datetime | None]:
        """Delete the audit rows written before ``before`` (the log's age-out).

        Returns how many rows go (went) and the oldest remaining moment of them (None: no
        row is that old). The deletion is recorded by a row ``protokoll_gekuerzt`` (with
        the cutoff, the count and ``details``) in the same transaction, so the log always
        shows that and when it was shortened. Rows can be deleted only through here: the
        triggers refuse any other DELETE (see :class:`AuditPruneGateRow`).
        """
        with self.session() as s:
            n, oldest = s.execute(select(func.count(AuditRow.id), func.min(AuditRow.at))
                                  .where(AuditRow.at < before)).one()
            if dry_run or not n:
                return int(n), oldest
            s.add(AuditPruneGateRow(cutoff=before))
            s.flush()
            s.execute(delete(AuditRow).where(AuditRow.at < before))
            s.execute(delete(AuditPruneGateRow))
            self.audit(actor, "protokoll_gekuerzt", details={
                "vor": before.isoformat(timespec="seconds"), "anzahl": int(n),
                **(details or {})}, session=s)
        return int(n), oldest

    @staticmethod
    def audit_many(rows: Sequence[dict[str, Any]], *, session: Session) -> None:
        """Append many audit rows (made by :func:`audit_values`) in one bulk insert, in
        their order, in ``session``'s transaction."""
        for city in sorted({r["city"] for r in rows if r.get("city")
                            and r["action"] in CASE_CHANGES | CITY_CHANGES}):
            lock_changes(session, city)
        if rows:  # render_nulls: one statement for rows with and without e.g. a case id
            session.execute(insert(AuditRow).execution_options(render_nulls=True), list(rows))

    def audit_rows(self, *, city: str | None = None, client_id: str | None = None,
                   action: str | None = None) -> list[dict[str, Any]]:
        """The audit log (oldest first), optionally filtered, as plain dicts."""
        with self.session() as s:
            q = select(AuditRow).order_by(AuditRow.id)
            if city is not None:
                q = q.where(AuditRow.city == city)
            if client_id is not None:
                q = q.where(AuditRow.client_id == client_id)
            if action is not None:
                q = q.where(AuditRow.action == action)
            return [
                {"id": r.id, "at": r.at, "actor": r.actor, "action": r.action, "city": r.city,
                 "client_id": r.client_id, "plan_id": r.plan_id, "visit_id": r.visit_id,
                 "details": json.loads(r.details or "{}")}
                for r in s.scalars(q)
            ]

    # ---- clients

    def upsert_clients(self, clients: Iterable[Client], city: str, *,
                       actor: str = SYSTEM_ACTOR,
                       absent: Mapping[str, str] | None = None) -> UpsertResult:
        """Insert new clients and update known ones by (city, id); nothing is duplicated.

        ``updated_at`` changes only for clients whose data changed; ``last_listed_at`` is
        now for each (a list holds them). Each insert and update is audited (the changed
        field names, never their values). ``absent``: the stored columns (-> German
        label) of fields the clients' list has no column for
        (:func:`hausbesuch.casework.service.absent_columns`); a known client keeps its
        stored values there, as an import does (:func:`keep_absent`).
        """
        # in id order, the rows locked chunk by chunk as lock_clients does: the lock order
        # of an import, so that the two never wait for each other the other way round
        items = sorted(clients, key=lambda c: c.id)
        now = clock.now()
        inserted = updated = unchanged = 0
        kept: dict[str, int] = {}
        with self.session() as s:
            for chunk_start in range(0, len(items), 500):
                chunk = items[chunk_start : chunk_start + 500]
                ids = [c.id for c in chunk]
                existing = {  # read and locked at once (PostgreSQL; SQLite ignores it)
                    r.client_id: r
                    for r in s.scalars(
                        select(ClientRow).where(ClientRow.city == city,
                                                ClientRow.client_id.in_(ids))
                        .order_by(ClientRow.client_id).with_for_update()
                    )
                }
                for c in chunk:
                    values = _client_values(c)
                    row = existing.get(c.id)
                    if row is None:
                        row = ClientRow(city=city, created_at=now, updated_at=now,
                                        last_listed_at=now, **values)
                        s.add(row)
                        existing[c.id] = row
                        inserted += 1
                        self.audit(actor, "klient_neu", city=city, client_id=c.id, session=s)
                        continue
                    row.last_listed_at = now  # a list holds it (not a change of its data)
                    keep_absent(values, row, absent or {}, kept)
                    if changed := [k for k, v in values.items() if getattr(row, k) != v]:
                        for k in changed:
                            setattr(row, k, values[k])
                        row.updated_at = now
                        if PLACE_COLUMNS & set(changed):
                            row.address_since = now
                        updated += 1
                        self.audit(actor, "klient_geaendert", city=city, client_id=c.id,
                                   details={"felder": sorted(changed)}, session=s)
                    else:
                        unchanged += 1
        return UpsertResult(inserted=inserted, updated=updated, unchanged=unchanged,
                            kept={label: kept[label] for label in (absent or {}).values()
                                  if label in kept})

    def load_clients(self, city: str) -> list[Client]:
        """All stored clients of a city, ordered by id."""
        with self.session() as s:
            rows = s.scalars(
                select(ClientRow).where(ClientRow.city == city).order_by(ClientRow.client_id)
            )
            return [_client_from(r) for r in rows]

    def client_updated_at(self, city: str) -> dict[str, datetime]:
        """``{client id: last change}`` of a city's clients."""
        with self.session() as s:
            rows = s.execute(
                select(ClientRow.client_id, ClientRow.updated_at).where(ClientRow.city == city)
            )
            return {cid: ts for cid, ts in rows}

    def count_clients(self, city: str | None = None) -> int:
        with self.session() as s:
            q = select(func.count()).select_from(ClientRow)
            if city is not None:
                q = q.where(ClientRow.city == city)
            return int(s.scalar(q) or 0)

    # ---- districts

    def save_districts(
        self, city: str, districts: Iterable[tuple[str, Any]], *, source: str = "",
        actor: str = SYSTEM_ACTOR, if_changed: bool = False,
    ) -> int:
        """Replace a city's districts. Each item is ``(name, geometry)``: a GeoJSON geometry
        dict or text, or any object with ``__geo_interface__`` (e.g. shapely), in WGS84.

        ``if_changed``: write (and audit) only when names, geometries or source differ from
        the stored ones (every plan keeps the store's districts current this way)."""
        now = clock.now()
        rows = []
        for name, geom in districts:
            if hasattr(geom, "__geo_interface__"):
                geom = geom.__geo_interface__
            geojson = geom if isinstance(geom, str) else json.dumps(_plain(geom))
            rows.append(DistrictRow(city=city, name=str(name), geometry=geojson,
                                    source=source, updated_at=now))
        if if_changed:
            with self.session() as s:
                stored = s.execute(
                    select(DistrictRow.name, DistrictRow.geometry, DistrictRow.source)
                    .where(DistrictRow.city == city).order_by(DistrictRow.name)).all()
            if [tuple(r) for r in stored] == sorted((r.name, r.geometry, r.source) for r in rows):
                return len(rows)
        with self.session() as s:
            s.execute(delete(DistrictRow).where(DistrictRow.city == city))
            s.flush()
            s.add_all(rows)
            self.audit(actor, "stadtteile_gespeichert", city=city,
                       details={"anzahl": len(rows), "quelle": source}, session=s)
        return len(rows)

    def load_districts(self, city: str) -> list[tuple[str, dict[str, Any]]]:
        """``[(name, GeoJSON geometry dict)]`` of a city, ordered by name."""
        with self.session() as s:
            rows = s.scalars(
                select(DistrictRow).where(DistrictRow.city == city).order_by(DistrictRow.name)
            )
            return [(r.name, json.loads(r.geometry)) for r in rows]

    # ---- plans

    def save_plan(self, plan: Plan, *, actor: str = SYSTEM_ACTOR,
                  session: Session | None = None) -> str:
        """Store a plan (replacing a stored plan with the same id); returns its id.

        A plan without an id gets a new one (``YYYYMMDD-HHMMSS-xxxxxx``); the ``plan`` object
        itself is not changed. ``session``: write within that transaction (e.g. together
        with the casework rows of the plan).
        """
        _check_naive(plan)
        plan_id = plan.id or f"{plan.created_at:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
        if session is None:
            with self.session() as s:
                self._save_plan(s, plan, plan_id, actor)
        else:
            self._save_plan(session, plan, plan_id, actor)
        return plan_id

    def _save_plan(self, s: Session, plan: Plan, plan_id: str, actor: str) -> None:
        replaced = self._delete_plan(s, plan_id)
        s.add(PlanRow(id=plan_id, city=plan.city, created_at=plan.created_at,
                      start=plan.start, days=plan.days, solution=_dumps(plan.solution),
                      saved_at=clock.now(), version=plan.version,
                      predecessor_id=plan.predecessor_id, params=_dumps(plan.params),
                      created_by=actor, status="fertig"))
        self.audit(actor, "plan_ersetzt" if replaced else "plan_gespeichert",
                   city=plan.city, plan_id=plan_id,
                   details={"version": plan.version, "vorgaenger": plan.predecessor_id,
                            "touren": len(plan.routes),
                            "besuche": sum(len(r.stops) for r in plan.routes),
                            "nicht_eingeplant": len(plan.unassigned),
                            "abgelehnt": len(plan.rejected)},
                   session=s)
        s.flush()
        for i, c in enumerate(plan.clients):
            s.add(PlanClientRow(plan_id=plan_id, seq=i, **_client_values(c)))
        for i, g in enumerate(plan.geocodes):
            s.add(GeocodeRow(plan_id=plan_id, seq=i, client_id=g.client_id, lon=g.lon,
                             lat=g.lat, quality=g.quality, score=g.score,
                             match_text=g.match, reason=g.reason, district=g.district,
                             doubt=g.doubt))
        for i, r in enumerate(plan.routes):
            s.add(RouteRow(
                plan_id=plan_id, seq=i, team_id=r.team_id, team_label=r.team_label,
                day=r.day, mode=r.mode, start_lon=r.start_lonlat[0],
                start_lat=r.start_lonlat[1], end_lon=r.end_lonlat[0],
                end_lat=r.end_lonlat[1], start_label=r.start_label, depart=r.depart,
                return_at=r.return_, travel_s=r.travel_s, distance_m=r.distance_m,
                service_s=r.service_s, waiting_s=r.waiting_s,
                lunch_start=r.lunch[0] if r.lunch else None,
                lunch_end=r.lunch[1] if r.lunch else None,
                legs=json.dumps([[list(p) for p in leg] for leg in r.legs],
                                separators=(",", ":")),
            ))
        s.flush()
        for i, r in enumerate(plan.routes):
            for j, st in enumerate(r.stops):
                s.add(VisitRow(
                    plan_id=plan_id, route_seq=i, seq=j, team_id=r.team_id, day=r.day,
                    client_id=st.client_id, position=st.position, arrival=st.arrival,
                    start_at=st.start, end_at=st.end, lon=st.lon, lat=st.lat,
                    address=st.address, district=st.district,
                    # a stop read back (one a re-plan keeps): as stored, not as shown
                    window_text=st.window_text if st.stored_window is None
                    else st.stored_window,
                    notiz=st.notiz, visit_id=st.visit_id or None,
                    tries_before=st.tries_before, way_back_s=st.way_back_s,
                ))
        for i, u in enumerate(plan.unassigned):
            s.add(UnassignedRow(plan_id=plan_id, seq=i, client_id=u.client_id, code=u.code,
                                reason=u.reason, lon=u.lon, lat=u.lat, address=u.address,
                                district=u.district, tries_before=u.tries_before))
        for i, rj in enumerate(plan.rejected):
            s.add(RejectedRow(plan_id=plan_id, seq=i, input_row=rj.row, client_id=rj.id,
                              field_name=rj.field, reason=rj.reason))

    def load_plan(self, plan_id: str, *, overview: bool = False) -> Plan:
        """Read a stored plan back (equal to the plan saved).

        ``overview=True`` reads only what a plan view shows: routes with their stops (no
        leg geometry), the unassigned visits, the rejected rows, the plan's parameters
        (teams, options) and warnings; no client snapshot, geocodes or solver output
        (faster for large plans).

        Raises
        ------
        StoreError
            When no plan has this id.
        """
        with self.session() as s:
            p = s.get(PlanRow, plan_id)
            if p is None:
                raise StoreError(no_plan_message(plan_id))

            def rows(model: Any, *order: Any) -> Sequence[Any]:
                return s.scalars(
                    select(model).where(model.plan_id == plan_id).order_by(*order)
                ).all()

            visits: dict[int, list[PlannedStop]] = {}
            visit_rows = rows(VisitRow, VisitRow.route_seq, VisitRow.seq)
            for v, stop in zip(visit_rows, planned_stops(s, visit_rows), strict=True):
                visits.setdefault(v.route_seq, []).append(stop)
            route_cols: list[Any] = [c for c in RouteRow.__table__.columns
                                     if not (overview and c.name == "legs")]
            if overview:  # how many legs, for ``ends_open``, without reading the geometry
                route_cols.append(_leg_count(RouteRow.legs).label("leg_count"))
            routes = [
                TeamDayRoute(
                    team_id=r.team_id, team_label=r.team_label, day=r.day, mode=r.mode,
                    start_lonlat=(r.start_lon, r.start_lat), end_lonlat=(r.end_lon, r.end_lat),
                    start_label=r.start_label, depart=r.depart, return_=r.return_at,
                    stops=tuple(visits.get(r.seq, ())), travel_s=r.travel_s,
                    distance_m=r.distance_m, service_s=r.service_s, waiting_s=r.waiting_s,
                    lunch=(r.lunch_start, r.lunch_end)
                    if r.lunch_start is not None and r.lunch_end is not None else None,
                    legs=() if overview else
                    tuple(tuple(map(tuple, leg)) for leg in json.loads(r.legs)),
                    leg_count=r.leg_count if overview else None,
                )
                for r in s.execute(select(*route_cols).where(RouteRow.plan_id == plan_id)
                                   .order_by(RouteRow.seq))
            ]
            unassigned = [
                UnassignedVisit(client_id=u.client_id, code=u.code, reason=u.reason,
                                lon=u.lon, lat=u.lat, address=u.address,
                                district=u.district, tries_before=u.tries_before)
                for u in rows(UnassignedRow, UnassignedRow.seq)
            ]
            params = _loads(p.params) or {}
            rejected = [Rejected(row=r.input_row, id=r.client_id, field=r.field_name,
                                 reason=r.reason)
                        for r in rows(RejectedRow, RejectedRow.seq)]
            if overview:
                return Plan(id=p.id, city=p.city, created_at=p.created_at, start=p.start,
                            days=p.days, routes=routes, unassigned=unassigned,
                            rejected=rejected, version=p.version,
                            predecessor_id=p.predecessor_id, params=params,
                            warnings=list(params.get("warnings") or []))
            return Plan(
                id=p.id, city=p.city, created_at=p.created_at, start=p.start, days=p.days,
                routes=routes,
                unassigned=unassigned,
                rejected=rejected,
                clients=[_client_from(c) for c in rows(PlanClientRow, PlanClientRow.seq)],
                geocodes=[geocode_from(g) for g in rows(GeocodeRow, GeocodeRow.seq)],
                solution=_loads(p.solution) or {},
                version=p.version, predecessor_id=p.predecessor_id,
                params=params,
                warnings=list(params.get("warnings") or []),
            )

    def list_plans(self, city: str | None = None) -> list[PlanInfo]:
        """Stored plans, newest first (by ``created_at``)."""
        with self.session() as s:
            def count(model: Any) -> Any:
                return (
                    select(func.count()).select_from(model)
                    .where(model.plan_id == PlanRow.id).scalar_subquery()
                )

            q = select(PlanRow.id, PlanRow.city, PlanRow.created_at, PlanRow.start, PlanRow.days,
                       count(RouteRow), count(VisitRow), count(UnassignedRow),
                       count(RejectedRow), PlanRow.version, PlanRow.predecessor_id)
            if city is not None:
                q = q.where(PlanRow.city == city)
            q = q.order_by(PlanRow.created_at.desc(), PlanRow.saved_at.desc(), PlanRow.id)
            return [PlanInfo(*row) for row in s.execute(q)]

    def visits_now(self, city: str) -> dict[str, tuple[int, int, int]]:
        """Per stored plan of ``city``: its visits as they stand now, counted as the plan's
        page counts them (:attr:`hausbesuch.plandata.PlannedStop.off`,
        :func:`hausbesuch.casework.stops.mark_gone`): (still to visit, done, off). Off:
        called off since the plan was made (``entfallen``: a re-plan, a cancellation).
        Done: an outcome on the stop's own day, as
        :func:`hausbesuch.casework.stops.outcomes_of_stops` finds it: one of its own visit,
        or one stored without a visit id, or any of the client for a stop without one
        (review 27 #3: the case visit's ``erledigt`` counted a replaced version's stop as
        done when a re-plan had moved that visit to another day and it was done there).
        Off as well: its case no longer ``offen`` by the visit's day and no such outcome.
        One query for the whole list (QA 26 F4)."""
        closed = (ClientRow.status != "offen") & (
            ClientRow.status_since.is_(None) | (func.date(ClientRow.status_since) <= VisitRow.day))
        no_visit = (VisitRow.visit_id.is_(None)) | (VisitRow.visit_id == "")
        recorded = select(OutcomeRow.id).where(
            OutcomeRow.city == PlanRow.city, OutcomeRow.day == VisitRow.day,
            OutcomeRow.client_id == VisitRow.client_id,
            OutcomeRow.visit_id.is_(None) | (OutcomeRow.visit_id == "") | no_visit
            | (OutcomeRow.visit_id == VisitRow.visit_id)).exists()
        kind = case((CaseVisitRow.status == "entfallen", "off"),
                    (recorded, "done"),
                    (closed, "off"), else_="open")
        out: dict[str, list[int]] = {}
        with self.session() as s:
            each = (select(VisitRow.plan_id, kind.label("kind"))
                    .join(PlanRow, PlanRow.id == VisitRow.plan_id)
                    .outerjoin(CaseVisitRow, CaseVisitRow.visit_id == VisitRow.visit_id)
                    .outerjoin(ClientRow, (ClientRow.city == PlanRow.city)
                               & (ClientRow.client_id == VisitRow.client_id))
                    .where(PlanRow.city == city).subquery())
            q = (select(each.c.plan_id, each.c.kind, func.count())
                 .group_by(each.c.plan_id, each.c.kind))
            for plan_id, what, n in s.execute(q):
                out.setdefault(plan_id, [0, 0, 0])[("open", "done", "off").index(what)] += n
        return {k: (v[0], v[1], v[2]) for k, v in out.items()}

    def _plan_column(self, plan_id: str, column: Any) -> Any:
        with self.session() as s:
            value = s.scalar(select(column).where(PlanRow.id == plan_id))
        if value is None:
            raise StoreError(no_plan_message(plan_id))
        return value

    def plan_city(self, plan_id: str) -> str:
        """The city of a stored plan (StoreError when there is no such plan)."""
        return self._plan_column(plan_id, PlanRow.city)

    def plan_span(self, plan_id: str) -> tuple[date, int]:
        """The first day and the number of days of a stored plan (StoreError when there is
        no such plan)."""
        return self._plan_column(plan_id, PlanRow.start), self._plan_column(plan_id,
                                                                            PlanRow.days)

    def plan_params(self, plan_id: str) -> dict:
        """The stored parameters of a plan (teams, options, re-plan spans; ``{}`` when
        they cannot be read)."""
        try:
            params = json.loads(self._plan_column(plan_id, PlanRow.params) or "{}")
        except ValueError:
            return {}
        return params if isinstance(params, dict) else {}

    def plan_profile(self, plan_id: str) -> str | None:
        """The profile a stored plan was made with (a shipped short name or a file path,
        :func:`hausbesuch.config.profile_ref`); None for plans of older versions."""
        try:
            params = json.loads(self._plan_column(plan_id, PlanRow.params) or "{}")
        except ValueError:
            return None
        ref = params.get("profile") if isinstance(params, dict) else None
        return ref if isinstance(ref, str) and ref else None

    def plan_created_at(self, plan_id: str) -> datetime:
        """When a stored plan was made (StoreError when there is no such plan)."""
        return self._plan_column(plan_id, PlanRow.created_at)

    def plan_version(self, plan_id: str) -> tuple[int, str | None]:
        """(version, predecessor id) of a stored plan."""
        with self.session() as s:
            row = s.execute(select(PlanRow.version, PlanRow.predecessor_id)
                            .where(PlanRow.id == plan_id)).first()
        if row is None:
            raise StoreError(no_plan_message(plan_id, hint=False))
        return int(row[0]), row[1]

    def latest_plan(self, city: str | None = None) -> Plan | None:
        """The newest stored plan (optionally of one city), or None."""
        plans = self.list_plans(city)
        return self.load_plan(plans[0].id) if plans else None

    @staticmethod
    def day_links(s: Session, plan_id: str) -> tuple[int, int]:
        """(all, still valid now) of the web app's day links made on ``plan_id``
        (:data:`DAY_LINKS`): valid is neither revoked nor expired by :func:`clock.now`."""
        now = clock.now()
        valid = (DAY_LINKS.c.revoked_at.is_(None)) & (DAY_LINKS.c.valid_until >= now)
        every, live = s.execute(select(func.count(), func.count(case((valid, 1))))
                                .select_from(DAY_LINKS)
                                .where(DAY_LINKS.c.plan_id == plan_id)).one()
        return int(every or 0), int(live or 0)

    @staticmethod
    def valid_day_links(s: Session, plan_ids: Iterable[str]) -> Counter[tuple[str, date]]:
        """How many of the web app's day links made on one of ``plan_ids`` (a plan's line
        of versions: a link follows the re-plans of its version) are still valid now, per
        team-day ``(team, day)`` (:data:`DAY_LINKS`; valid as in :meth:`day_links`)."""
        now = clock.now()
        rows = s.execute(select(DAY_LINKS.c.team_id, DAY_LINKS.c.day).where(
            DAY_LINKS.c.plan_id.in_(sorted(set(plan_ids))), DAY_LINKS.c.revoked_at.is_(None),
            DAY_LINKS.c.valid_until >= now))
        return Counter((team, day) for team, day in rows)

    def delete_plan(self, plan_id: str, *, actor: str = SYSTEM_ACTOR,
                    session: Session | None = None,
                    details: dict[str, Any] | None = None,
                    links_to: str | None = None) -> bool:
        """Delete a plan and everything belonging to it (audited, with ``details``); False
        when there was none. ``session``: within that transaction. ``links_to``: the
        version the plan's day links (:data:`DAY_LINKS`) now belong to (they follow the
        re-plans of the version they were made on); without it they stay as they are,
        naming the deleted id until ``cleanup`` (a phone that still opens one is told it
        was revoked or has expired, and that use is audited). What the casework still
        needs of a plan version, and that no link of it is still valid, is checked by
        :func:`hausbesuch.versions.delete_plan_version`, not here."""
        if session is None:
            with self.session() as s:
                return self.delete_plan(plan_id, actor=actor, session=s, details=details,
                                        links_to=links_to)
        s = session
        city = s.scalar(select(PlanRow.city).where(PlanRow.id == plan_id))
        if links_to is not None:
            s.execute(DAY_LINKS.update().where(DAY_LINKS.c.plan_id == plan_id)
                      .values(plan_id=links_to))
        done = self._delete_plan(s, plan_id)
        if done:
            self.audit(actor, "plan_geloescht", city=city, plan_id=plan_id,
                       details=details, session=s)
        return done

    @staticmethod
    def _delete_plan(s: Session, plan_id: str) -> bool:
        for model in _PLAN_CHILDREN:
            s.execute(delete(model).where(model.plan_id == plan_id))
        return bool(s.execute(delete(PlanRow).where(PlanRow.id == plan_id)).rowcount)

    # ---- pandas views for the notebook

    def _resolve_plan_id(self, plan_id: str | None) -> str:
        if plan_id is not None:
            return plan_id
        plans = self.list_plans()
        if not plans:
            raise StoreError("Es ist noch kein Plan gespeichert.")
        return plans[0].id

    def visits_frame(self, plan_id: str | None = None) -> pd.DataFrame:
        """One row per planned visit (no client names): team, day, position, times,
        district, coordinates and visit minutes. Default: the newest plan."""
        import pandas as pd

        pid = self._resolve_plan_id(plan_id)
        cols = ["plan_id", "team_id", "team_label", "day", "position", "client_id", "arrival",
                "start", "end", "visit_min", "district", "address", "lon", "lat"]
        with self.session() as s:
            q = (
                select(VisitRow, RouteRow.team_label)
                .join(RouteRow, (RouteRow.plan_id == VisitRow.plan_id)
                      & (RouteRow.seq == VisitRow.route_seq))
                .where(VisitRow.plan_id == pid)
                .order_by(VisitRow.day, VisitRow.team_id, VisitRow.route_seq, VisitRow.seq)
            )
            records = [
                (v.plan_id, v.team_id, label, v.day, v.position, v.client_id, v.arrival,
                 v.start_at, v.end_at, (v.end_at - v.start_at).total_seconds() / 60.0,
                 v.district, v.address, v.lon, v.lat)
                for v, label in s.execute(q)
            ]
        return pd.DataFrame.from_records(records, columns=cols)

    def unassigned_frame(self, plan_id: str | None = None) -> pd.DataFrame:
        """One row per unassigned visit: client id, code, German reason, district."""
        import pandas as pd

        pid = self._resolve_plan_id(plan_id)
        with self.session() as s:
            rows = s.scalars(select(UnassignedRow).where(UnassignedRow.plan_id == pid)
                             .order_by(UnassignedRow.seq))
            records = [(u.client_id, u.code, u.reason, u.district, u.lon, u.lat) for u in rows]
        return pd.DataFrame.from_records(
            records, columns=["client_id", "code", "reason", "district", "lon", "lat"])

    def visits_per_district(self, plan_id: str | None = None) -> pd.DataFrame:
        """Per district: ``geplant`` (planned visits), ``nicht_eingeplant`` and ``gesamt``;
        sorted by ``gesamt`` descending, then name."""
        import pandas as pd

        planned = self.visits_frame(plan_id).groupby("district").size()
        unassigned = self.unassigned_frame(plan_id).groupby("district").size()
        df = pd.DataFrame({"geplant": planned, "nicht_eingeplant": unassigned}).fillna(0)
        df = df.astype(int)
        df["gesamt"] = df["geplant"] + df["nicht_eingeplant"]
        df.index.name = "district"
        return df.reset_index().sort_values(["gesamt", "district"], ascending=[False, True],
                                            ignore_index=True)

    def team_day_summary(self, plan_id: str | None = None) -> pd.DataFrame:
        """Per team-day: visits, travel, visit, waiting and working minutes, distance in km,
        departure and return. Sorted by day, then team."""
        import pandas as pd

        pid = self._resolve_plan_id(plan_id)
        with self.session() as s:
            visits = dict(
                s.execute(
                    select(VisitRow.route_seq, func.count())
                    .where(VisitRow.plan_id == pid).group_by(VisitRow.route_seq)
                ).all()
            )
            routes = s.scalars(select(RouteRow).where(RouteRow.plan_id == pid)
                               .order_by(RouteRow.day, RouteRow.team_id, RouteRow.seq)).all()
            records = [
                (r.team_id, r.team_label, r.day, r.mode, int(visits.get(r.seq, 0)),
                 r.travel_s / 60.0, r.service_s / 60.0, r.waiting_s / 60.0,
                 (r.return_at - r.depart).total_seconds() / 60.0, r.distance_m / 1000.0,
                 r.depart, r.return_at)
                for r in routes
            ]
        return pd.DataFrame.from_records(records, columns=[
            "team_id", "team_label", "day", "mode", "visits", "travel_min", "visit_min",
            "waiting_min", "work_min", "distance_km", "depart", "return"])


def _plain(obj: Any) -> Any:
    """GeoJSON-ready: tuples -> lists (shapely's __geo_interface__ uses tuples)."""
    if isinstance(obj, tuple | list):
        return [_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    return obj


_LOCAL_LOCKS: dict[tuple[str, str], threading.Lock] = {}
_LOCAL_LOCKS_GUARD = threading.Lock()


def _sqlite_in_memory(db: str) -> bool:
    """Is this SQLite database name an in-memory database (no file)?"""
    return db in ("", ":memory:") or db.startswith("file::memory:")


class DriverError(Exception):
    """A database driver's error reduced to its first line (see :func:`_without_values`)."""


def _without_values(ctx: Any) -> Any:
    """``handle_error`` hook: the driver's message without its detail lines. PostgreSQL
    repeats the row's values there ("DETAIL: Failing row contains (…)", "Key (…)=(…)"),
    and an error's message ends up in the server log. The exception keeps its class and
    names its database (``hausbesuch_db``: the URL without password, for
    :func:`describe_db_error`)."""
    exc, orig = ctx.sqlalchemy_exception, ctx.original_exception
    if exc is None:
        return None
    where = _safe(ctx.engine.url) if ctx.engine is not None else None
    message = str(orig).strip()
    if "\n" in message:
        first = message.splitlines()[0]
        exc = type(exc)(exc.statement, exc.params,
                        DriverError(f"{type(orig).__name__}: {first}"), hide_parameters=True,
                        connection_invalidated=exc.connection_invalidated)
    exc.hausbesuch_db = where
    return exc


#: Seconds an SQLite statement waits for a lock another connection holds (a plan being
#: stored, a backup) before it gives up with „… ist gesperrt“.
SQLITE_BUSY_S = 60.0


def _make_engine(url: URL, schema: str | None) -> Engine:
    """The engine of a store. An error's message (and so a log line) never carries the
    values of the statement or of the row, which can be names or a worker's note
    (``hide_parameters``, :func:`_without_values`)."""
    if url.get_backend_name() == "sqlite":
        db = url.database or ""
        kwargs: dict[str, Any] = {"connect_args": {"timeout": SQLITE_BUSY_S}}
        if _sqlite_in_memory(db):
            kwargs["poolclass"] = StaticPool
            kwargs["connect_args"]["check_same_thread"] = False
        elif not db.startswith("file:"):  # a URI names a file that is there (or not)
            try:
                private_file(Path(db).expanduser())
            except OSError as exc:
                raise StoreError(
                    f"Ordner für die Datenbank kann nicht angelegt werden: {db} ({exc.strerror})"
                ) from None
        engine = create_engine(url, hide_parameters=True, **kwargs)
        _sqlite_pragmas(engine)
        event.listen(engine, "handle_error", _without_values, retval=True)
        return engine
    connect_args: dict[str, Any] = {"connect_timeout": 10}
    if schema is not None:
        connect_args["options"] = f"-csearch_path={schema}"
    engine = create_engine(url, connect_args=connect_args, pool_pre_ping=True,
                           hide_parameters=True)
    event.listen(engine, "handle_error", _without_values, retval=True)
    return engine


def _sqlite_pragmas(engine: Engine) -> None:
    """Foreign keys on; secure deletion on; transactions (and DDL) under SQLAlchemy's
    control, so that writers take the lock up front (``BEGIN IMMEDIATE``) and concurrent
    openers do not collide."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        # deleted and overwritten content is zeroed, not left in free space of the file
        # (Debian's SQLite does this by default, others do not): erased data are gone
        cur.execute("PRAGMA secure_delete=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
