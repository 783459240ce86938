"""``hausbesuch backup``: a consistent copy of the SQLite database while it is in use.

A plain file copy of an SQLite database that a server writes to (every page view writes
an audit row) is often torn: a copy taken during a commit is damaged. SQLite's online
backup API copies a consistent state page by page (and starts again when another
connection writes meanwhile). The copy is written next to its target, checked
(``PRAGMA integrity_check``), readable by its owner only (it holds every client's name
and address) and then moved into place; the backup is audited. PostgreSQL has its own
tools (``pg_dump``).

``hausbesuch after-restore`` closes what a restored backup opens again: the day links
revoked and the sessions ended since the backup are in it as they were then, so it
revokes every day link and ends every web session, marks the planning jobs it held as
waiting or running as failed (and ends their queue rows on PostgreSQL), all audited, and
names what the operator has to redo by hand (accounts locked and passwords set since,
erasures since).
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from hausbesuch.commands._common import DbOption, user_errors
from hausbesuch.commands.geocode import check_target
from hausbesuch.errors import UserError, write_cause

#: Audit action of a backup.
AUDIT_BACKUP = "sicherung_erstellt"
#: Audit action of ``after-restore``: every day link revoked, every web session ended.
AUDIT_AFTER_RESTORE = "zugaenge_nach_wiederherstellung_geschlossen"


#: The audit actions whose entries in the old database's log name what to redo by hand.
REDO_ACTIONS = ("user_disabled", "user_password_set", "daten_geloescht")
#: What ``after-restore`` says is to be redone by hand: one ``audit`` command per action
#: (``--aktion`` takes one code; review 27 #6), read from the OLD database (the default
#: ``--db`` is now the restored one, whose log ends with the backup).
REDO_BY_HAND = (
    "Von Hand zu wiederholen, was seit der Sicherung geschah. Das Protokoll der ALTEN "
    "Datenbank zeigt es (--db auf die alte Datenbank richten, nicht auf die "
    "wiederhergestellte; je Stadt mit --city STADT, für Administratoren statt dessen "
    "--ohne-stadt):\n"
    + "".join(f"  hausbesuch audit --db ALTE_DB --aktion {a} --von TAG_DER_SICHERUNG "
              "--city STADT\n" for a in REDO_ACTIONS)
    + "Konten, die seither gesperrt wurden, wieder sperren (hausbesuch user disable NAME); "
    "Passwörter, die seither neu gesetzt wurden, erneut setzen (hausbesuch user password "
    "NAME); Löschungen wiederholen (hausbesuch purge mit denselben Fristen und für die "
    "einzeln gelöschten Fälle). Den Stand der Konten zeigt hausbesuch user list.")


#: The reason of a planning job a restored backup held as waiting or running (review 27
#: #14): no process runs it, and none may run it again on the restored database.
RESTORE_ABORTED = ("Abgebrochen: durch die Wiederherstellung einer Sicherung; bitte neu "
                   "starten, falls noch nötig.")


@dataclass(frozen=True)
class Closed:
    """What ``after-restore`` closed (with ``dry_run``: would close)."""

    links: int  # day links revoked
    sessions: int  # web sessions ended
    jobs: int  # planning jobs (web_jobs) waiting or running, marked failed
    queued: int  # their rows in PostgreSQL's job queue (Procrastinate), ended
    #: browsers' device cookies forgotten (the backup holds those forgotten since, e.g. at
    #: a password change, as valid: they would pass the account's login lock)
    devices: int = 0


def close_access(store, *, actor: str, dry_run: bool) -> Closed:  # noqa: ANN001
    """Revoke every day link not yet revoked and end every web session of ``store`` (a
    restored database holds those revoked or ended after its backup as valid); mark every
    planning job still waiting or running as failed (:data:`RESTORE_ABORTED`, each audited
    ``plan_job_failed`` with ``grund`` „wiederherstellung“) and, on PostgreSQL, end its
    queue rows (``todo`` cancelled, ``doing`` failed), so that no restored job is shown as
    running or run again; audited (:data:`AUDIT_AFTER_RESTORE`, the counts), all in the
    same transaction."""
    from sqlalchemy import delete, func, select, text, update

    from hausbesuch import clock
    from hausbesuch.web.jobs import FAILED, RUNNING, WAITING
    from hausbesuch.web.models import DeviceRow, JobRow, SessionRow, WorkerLinkRow
    from hausbesuch.web.pgqueue import QUEUE

    open_links = WorkerLinkRow.revoked_at.is_(None)
    live_jobs = JobRow.status.in_((WAITING, RUNNING))
    queue_where = ("FROM procrastinate_jobs WHERE queue_name = :queue "
                   "AND status IN ('todo', 'doing')")
    with store.session() as s:
        has_queue = (s.bind.dialect.name == "postgresql" and s.scalar(
            text("SELECT to_regclass('procrastinate_jobs')")) is not None)
        if dry_run:
            links = s.scalar(select(func.count()).select_from(WorkerLinkRow).where(open_links))
            sessions = s.scalar(select(func.count()).select_from(SessionRow))
            jobs = s.scalar(select(func.count()).select_from(JobRow).where(live_jobs))
            queued = s.scalar(text(f"SELECT count(*) {queue_where}"),
                              {"queue": QUEUE}) if has_queue else 0
            devices = s.scalar(select(func.count()).select_from(DeviceRow))
            return Closed(int(links or 0), int(sessions or 0), int(jobs or 0),
                          int(queued or 0), int(devices or 0))
        links = s.execute(update(WorkerLinkRow).where(open_links).values(
            revoked_at=clock.now(), revoked_by=actor)).rowcount
        sessions = s.execute(delete(SessionRow)).rowcount
        devices = s.execute(delete(DeviceRow)).rowcount
        rows = s.scalars(select(JobRow).where(live_jobs).order_by(JobRow.id)).all()
        for row in rows:
            row.status, row.finished_at, row.error = FAILED, clock.now(), RESTORE_ABORTED
            plan_id = (json.loads(row.params or "{}") or {}).get("plan_id")
            store.audit(actor, "plan_job_failed", city=row.city, plan_id=plan_id,
                        details={"job": row.id, "grund": "wiederherstellung"}, session=s)
        queued = 0
        if has_queue:
            queued = s.execute(text(
                "UPDATE procrastinate_jobs SET status = CASE status WHEN 'todo' THEN "
                "'cancelled'::procrastinate_job_status ELSE 'failed'::procrastinate_job_status "
                f"END {queue_where.replace('FROM procrastinate_jobs ', '', 1)}"),
                {"queue": QUEUE}).rowcount
        store.audit(actor, AUDIT_AFTER_RESTORE, session=s,
                    details={"tageslinks": int(links), "sitzungen": int(sessions),
                             "planungen": len(rows), "warteschlange": int(queued),
                             "geraete": int(devices)})
        return Closed(int(links), int(sessions), len(rows), int(queued), int(devices))


def backup_sqlite(store, target: Path) -> int:  # noqa: ANN001 - a hausbesuch.store.Store
    """Copy the SQLite database of ``store`` to ``target`` (which must not exist);
    returns the copy's size in bytes. German :class:`UserError` when it cannot be made."""
    target = Path(target)
    if store.engine.dialect.name != "sqlite":
        raise UserError("hausbesuch backup sichert SQLite-Datenbanken; für PostgreSQL "
                        "bitte pg_dump verwenden, z. B. pg_dump --format=custom "
                        "--file=sicherung.dump DATENBANK (die Sicherung enthält Namen und "
                        "Anschriften: nur für Berechtigte lesbar ablegen).")
    # the folder exists and can be written, the target is no folder (as every --out)
    check_target(target, "Ziel", "fallarbeit-2026-12-03.sqlite")
    if target.exists():
        raise UserError(f"Ziel {target}: die Datei gibt es schon; bitte einen neuen Namen "
                        "angeben (z. B. mit dem Datum: fallarbeit-2026-12-03.sqlite).")
    tmp: Path | None = None
    try:
        # a file of our own (O_EXCL, 0600): a link placed in a shared folder under the
        # name cannot receive the copy
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                    suffix=".tmp")
        os.close(fd)
        tmp = Path(name)
        raw = store.engine.raw_connection()
        try:
            dst = sqlite3.connect(tmp)
            try:
                raw.driver_connection.backup(dst)
                ok = dst.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                dst.close()
        finally:
            raw.close()
        if ok != "ok":
            raise UserError(f"Die Sicherung nach {target} ist fehlerhaft ({ok}); die "
                            "Datenbank selbst prüfen (sqlite3 DATEI 'PRAGMA integrity_check').")
        try:
            os.link(tmp, target)  # fails if a file of that name appeared meanwhile
        except FileExistsError:
            raise UserError(f"Ziel {target}: die Datei gibt es inzwischen; nichts "
                            "überschrieben, bitte einen neuen Namen angeben.") from None
    except (OSError, sqlite3.Error) as exc:
        raise UserError(f"Ziel {target}: die Sicherung kann nicht geschrieben werden "
                        f"({_backup_cause(exc)}).") from None
    finally:
        if tmp is not None:  # with the journal SQLite left beside it (QA 45b F11)
            for left in (tmp, *(tmp.with_name(tmp.name + end)
                                for end in ("-journal", "-wal", "-shm"))):
                left.unlink(missing_ok=True)
    return target.stat().st_size


def _backup_cause(exc: OSError | sqlite3.Error) -> str:
    """Why the copy could not be written, in German (SQLite says „database or disk is
    full“ of a full disk)."""
    import errno

    from hausbesuch.store import db_error_cause

    if isinstance(exc, OSError):
        return write_cause(exc)
    if db_error_cause(exc) == "Datenträger voll":
        return write_cause(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
    return str(exc)


def register(app: typer.Typer) -> None:
    @app.command("backup")
    @user_errors
    def backup_cmd(
        target: Annotated[Path, typer.Argument(
            metavar="ZIEL", help="Neue Datei der Sicherung, z. B. "
            "/sicherung/fallarbeit-2026-12-03.sqlite.", show_default=False)],
        db: DbOption = None,
    ) -> None:
        """Die SQLite-Datenbank im laufenden Betrieb sichern (eine stimmige Kopie, nur für
        den Eigentümer lesbar; eine einfache Dateikopie während des Schreibens ist oft
        beschädigt)."""
        from hausbesuch.casework import cli_actor
        from hausbesuch.store import Store

        with Store.open(db, create=False) as store:
            size = backup_sqlite(store, target)
            store.audit(cli_actor(), AUDIT_BACKUP, details={"datei": str(target.resolve()),
                                                            "bytes": size})
        typer.echo(f"Gesichert nach {target} ({size / 1_000_000:.1f} MB). Die Sicherung "
                   "enthält Namen und Anschriften: sicher aufbewahren und nach der "
                   "Löschfrist löschen (hausbesuch purge erreicht sie nicht).")

    @app.command("after-restore")
    @user_errors
    def after_restore_cmd(
        yes: Annotated[bool, typer.Option(
            "--yes", help="Wirklich widerrufen und beenden (ohne: nur anzeigen, was "
            "geschähe).")] = False,
        db: DbOption = None,
    ) -> None:
        """Nach dem Zurückspielen einer Sicherung: alle Tageslinks widerrufen und alle
        Anmeldesitzungen beenden (die Sicherung enthält sie so, wie sie damals galten,
        auch seither widerrufene), Planungen abbrechen, die sie als wartend oder laufend
        enthält, und nennen, was von Hand zu wiederholen ist."""
        from hausbesuch.casework import cli_actor
        from hausbesuch.fields import count
        from hausbesuch.store import Store

        with Store.open(db, create=False) as store:
            closed = close_access(store, actor=cli_actor(), dry_run=not yes)
        what = (f"{count(closed.links, 'Tageslink', 'Tageslinks')} "
                f"{'widerrufen' if yes else 'zu widerrufen'}, "
                f"{count(closed.sessions, 'Anmeldesitzung', 'Anmeldesitzungen')} "
                f"{'beendet' if yes else 'zu beenden'}")
        if closed.jobs or closed.queued:  # a backup taken while a plan was computed
            planning = count(closed.jobs, "wartende oder laufende Planung",
                             "wartende oder laufende Planungen")
            what += f", {planning} {'abgebrochen' if yes else 'abzubrechen'}"
        if closed.devices:  # browsers that logged in before: they pass no lock any more
            what += (f", {count(closed.devices, 'Gerätekennung', 'Gerätekennungen')} von "
                     f"Browsern früherer Anmeldungen {'gelöscht' if yes else 'zu löschen'}")
        if not yes:
            typer.echo(f"Probelauf: {what}; nichts geändert. Zum Ausführen mit --yes "
                       "wiederholen.")
            return
        typer.echo(f"{what} (Protokoll: „Zugänge nach Wiederherstellung "
                   "geschlossen“). Neue Tageslinks: hausbesuch link PLAN TEAM TAG oder auf "
                   "der Planseite; alle müssen sich neu anmelden.")
        typer.echo(REDO_BY_HAND)
