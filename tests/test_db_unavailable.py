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


def test_the_web_app_answers_503_in_german_while_the_database_is_locked(
        tmp_path: Path, short_busy_wait, caplog: pytest.LogCaptureFixture) -> None:
    """F10: a page and a login while another program holds the database locked: a German
    503 page (before: 500 „Unerwarteter Fehler“ and a traceback or two per request in the
    server's log), one log line each; the next request after the lock is served."""
    import logging

    import httpx

    from hausbesuch.web.app import create_app
    from hausbesuch.web.auth import add_user
    from tests.web_fixtures import CITY_PROFILE, live_server, logged_in, login

    db = tmp_path / "web.sqlite"
    app = create_app(f"sqlite:///{db}", cities=[CITY_PROFILE], run_jobs=False)
    for name in ("kora", "kurt"):
        add_user(app.state.web.store, name, "richtig-langes-passwort", role="koordination",
                 city="Bad Hersfeld")
    with live_server(app) as live, logged_in(live.url, "kora") as c, \
            httpx.Client(base_url=live.url, timeout=60) as other:
        other.get("/anmelden")
        with caplog.at_level(logging.WARNING), locked(db):
            page = c.get("/plaene")
            refused_login = login(other, "kurt")
        after = c.get("/plaene")
    for resp in (page, refused_login):
        assert resp.status_code == 503, resp.text
        assert ("Die Datenbank ist gerade nicht erreichbar (gesperrt: eine Sicherung oder ein "
                "anderes Programm hält sie). Bitte in einigen Minuten erneut versuchen."
                in resp.text), resp.text
        assert resp.headers["Retry-After"] == "120"
    assert after.status_code == 200
    ours = [r for r in caplog.records if r.name.startswith("hausbesuch")]
    assert not [r for r in ours if r.exc_info], [r.getMessage() for r in ours]
    assert len([r for r in ours if "database unavailable" in r.getMessage()]) == 2, [
        r.getMessage() for r in ours]


def test_the_job_queue_says_once_that_the_database_is_locked(
        tmp_path: Path, short_busy_wait, caplog: pytest.LogCaptureFixture) -> None:
    """F10: the poll loop of the job queue met the lock at every poll and logged a
    traceback each time; now one line when it starts and one when it ends."""
    import logging
    import time

    from hausbesuch.web.jobs import JobRunner

    db = tmp_path / "jobs.sqlite"
    store = Store.open(db)
    runner = JobRunner(store, poll=0.05)
    runner.start()
    try:
        with caplog.at_level(logging.WARNING), locked(db):
            time.sleep(2.0)  # several polls, each waiting the (short) busy wait
        time.sleep(0.5)
    finally:
        runner.stop()
        store.close()
    said = [r.getMessage() for r in caplog.records if r.name.startswith("hausbesuch")]
    assert not [r for r in caplog.records if r.exc_info], said
    assert len([m for m in said if m.startswith("job queue: database unavailable")]) == 1, said
    assert said[-1] == "job queue: database reachable again", said
