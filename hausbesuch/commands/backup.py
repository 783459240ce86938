"""``hausbesuch backup``: a consistent copy of the SQLite database while it is in use.

A plain file copy of an SQLite database that a server writes to (every page view writes
an audit row) is often torn: a copy taken during a commit is damaged. SQLite's online
backup API copies a consistent state page by page (and starts again when another
connection writes meanwhile). The copy is written next to its target, checked
(``PRAGMA integrity_check``), readable by its owner only (it holds every client's name
and address) and then moved into place; the backup is audited. PostgreSQL has its own
tools (``pg_dump``).
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from hausbesuch.commands._common import DbOption, user_errors
from hausbesuch.commands.geocode import check_target
from hausbesuch.errors import UserError

#: Audit action of a backup.
AUDIT_BACKUP = "sicherung_erstellt"


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
                        f"({getattr(exc, 'strerror', None) or exc}).") from None
    finally:
        if tmp is not None and tmp.exists():
            tmp.unlink()
    return target.stat().st_size


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
