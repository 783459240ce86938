"""A database that cannot be reached for now (QA 45b F4, F5, F10): SQLite locked by another
program beyond the busy wait, or the PostgreSQL server gone. The command line says so in
README's words; the web app answers with a German 503 page and logs one line, not a
traceback per request; the job queue's poll loop logs the outage once.

The lock is real (another connection holds ``BEGIN EXCLUSIVE``, as an operator's sqlite3
session or a backup tool would); only the busy wait (:data:`hausbesuch.store.SQLITE_BUSY_S`,
a minute) is shortened.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hausbesuch import store as store_module
from hausbesuch.cli import app
from hausbesuch.store import Store


@pytest.fixture
def short_busy_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "SQLITE_BUSY_S", 0.3)


@contextmanager
def locked(db: Path) -> Iterator[None]:
    """``db`` held locked by another connection (``BEGIN EXCLUSIVE``)."""
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_locked_sqlite_database_is_said_in_german(tmp_path: Path, short_busy_wait) -> None:
    """F4: locked while the command opens it (before: „Datenbankfehler beim Öffnen von …:
    database is locked“) and while it works."""
    db = tmp_path / "fall.sqlite"
    Store.open(db).close()
    with locked(db):
        res = CliRunner().invoke(app, ["audit", "--city", "bad-hersfeld", "--db", str(db)])
    assert res.exit_code == 2, res.output
    lines = [line for line in res.output.splitlines() if line.startswith("Fehler:")]
    assert lines == [f"Fehler: Die Datenbank sqlite:///{db} ist gesperrt: ein anderes Programm "
                     "(eine Sicherung, eine sqlite3-Sitzung) hält sie; nichts gespeichert, "
                     "später noch einmal versuchen."], res.output
    assert "database is locked" not in res.output


def _terminated_error(url: str, schema: str) -> BaseException:
    """The error a store meets when its PostgreSQL connection is ended by the server (as
    at a stop or a restart: ``pg_terminate_backend``, „terminating connection due to
    administrator command“)."""
    from sqlalchemy import create_engine, text

    with Store.open(url, schema=schema) as store, store.engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        admin = create_engine(url)
        try:
            with admin.begin() as other:
                other.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        finally:
            admin.dispose()
        try:
            conn.execute(text("SELECT count(*) FROM audit_log")).scalar()
        except Exception as exc:  # noqa: BLE001 - the error under test
            return exc
    raise AssertionError("the terminated connection still answered")


def test_a_postgresql_connection_lost_mid_run_is_said_in_german(request) -> None:  # noqa: ANN001
    """F5: before, „Datenbankfehler in …: terminating connection due to administrator
    command“ (or „consuming input failed: server closed the connection unexpectedly“)."""
    import uuid

    from hausbesuch.store import db_unavailable, describe_db_error
    from tests.pg import drop_schema, pg_url

    url = pg_url()
    schema = f"t_gone_{uuid.uuid4().hex[:12]}"
    request.addfinalizer(lambda: drop_schema(url, schema))
    exc = _terminated_error(url, schema)
    said = describe_db_error(exc)
    assert said.startswith("Verbindung zum Datenbankserver abgebrochen ("), said
    assert said.endswith("Server beendet oder neu gestartet): nichts gespeichert, den "
                         "Befehl wiederholen, wenn der Server wieder läuft."), said
    assert db_unavailable(exc)


def test_no_stray_psycopg_line_when_a_pipeline_loses_its_connection() -> None:
    """F5: psycopg logs „error ignored terminating <psycopg.Pipeline …>“ when a pipeline
    (SQLAlchemy's inserts of many rows) loses its connection; with no logging set up
    Python printed it on stderr before the command's German line."""
    import os
    import subprocess
    import sys

    from tests.pg import pg_url

    url = pg_url().replace("postgresql+psycopg://", "postgresql://", 1)
    code = (
        "import psycopg, hausbesuch.cli\n"
        f"conn = psycopg.connect({url!r}, autocommit=True)\n"
        f"admin = psycopg.connect({url!r}, autocommit=True)\n"
        "pid = conn.info.backend_pid\n"
        "try:\n"
        "    with conn.pipeline():\n"
        "        conn.execute('SELECT 1')\n"
        "        admin.execute('SELECT pg_terminate_backend(%s)', [pid])\n"
        "        conn.execute('SELECT 2').fetchone()\n"
        "except psycopg.OperationalError:\n"
        "    print('lost')\n")
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(root)}, timeout=120)
    assert done.stdout.strip() == "lost", (done.stdout, done.stderr)
    assert "error ignored" not in done.stderr and "Pipeline" not in done.stderr, done.stderr
