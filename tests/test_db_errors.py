"""The database's life as the administrator meets it (QA 15 b): a database that is
read-only, damaged or full after it was opened is told in one German line naming the
database and the cause (exit 2, no traceback); ``serve`` and ``worker`` refuse a database
they cannot write before they say they run.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hausbesuch.cli import app
from hausbesuch.store import CREATING_COMMANDS, Store, creating_commands_text, describe_db_error

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    res = runner.invoke(app, list(args), input=stdin)
    return res.exit_code, res.output


def read_only(tmp_path: Path) -> tuple[Path, str]:
    """A database (at the newest schema) and a URL that opens it read-only: SQLite's own
    ``mode=ro``, which also holds for root (who ignores the file's mode bits)."""
    db = tmp_path / "fall.sqlite"
    Store.open(db).close()
    return db, f"sqlite:///file:{db}?mode=ro&uri=true"


def test_a_read_only_database_is_one_german_line(tmp_path: Path) -> None:
    db, url = read_only(tmp_path)
    before = db.read_bytes()
    for args, stdin in ((["audit", "--city", "bad-hersfeld"], None),
                        (["user", "add", "kora", "--role", "admin", "--password-stdin"],
                         "Ziege-Fahrrad-Wolke-93\n")):
        code, out = run(*args, "--db", url, stdin=stdin)
        assert code == 2, out
        assert "Traceback" not in out and "OperationalError" not in out, out
        lines = [line for line in out.splitlines() if line.startswith("Fehler:")]
        assert lines == [f"Fehler: Die Datenbank {Store.open(url, create=False).url} kann "
                         "nicht geschrieben werden: schreibgeschützt (Rechte von Datei und "
                         "Ordner prüfen)."], out
    assert db.read_bytes() == before
    # the URI made no folder named "file:" in the working directory
    assert not Path("file:").exists()


def test_a_damaged_database_is_named_with_its_cause(tmp_path: Path) -> None:
    """Damage deeper in the file than the schema (a torn copy): found by the command's
    work, not at opening."""
    db = tmp_path / "kopie.sqlite"
    with Store.open(db) as store, store.session() as s:  # one transaction
        for i in range(2000):
            store.audit("cli:test", "status_viewed", city="Bad Hersfeld", client_id=f"K{i}",
                        details={"pad": "x" * 200}, session=s)
    size = db.stat().st_size
    with open(db, "r+b") as fh:  # the audit log's pages at the end of the file
        fh.seek(size - 40 * 4096)
        fh.write(b"\xff" * 30 * 4096)
    code, out = run("audit", "--city", "bad-hersfeld", "--db", str(db))
    assert code == 2 and "Traceback" not in out, out
    assert (f"Fehler: Die Datenbank sqlite:///{db} ist beschädigt (database disk image is "
            "malformed): bitte die letzte Sicherung prüfen.") in out, out


def test_full_and_locked_databases_are_named(tmp_path: Path) -> None:
    """The causes from real SQLite errors: a database at its size limit (SQLITE_FULL,
    what a full disk gives) and one another program holds locked."""
    db = tmp_path / "fall.sqlite"
    with Store.open(db) as store:
        conn = store.engine.raw_connection()
        try:
            cur = conn.cursor()
            cur.execute("PRAGMA max_page_count=" + str(
                cur.execute("PRAGMA page_count").fetchone()[0]))
            try:
                cur.execute("INSERT INTO audit_log (at, actor, action, details) VALUES "
                            "('2026-12-07 10:00', 'x', 'y', ?)", ("x" * 100_000,))
            except sqlite3.DatabaseError as exc:
                full = exc
        finally:
            conn.close()
    assert "kann nicht geschrieben werden: Datenträger voll" in describe_db_error(full)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        mine = sqlite3.connect(db, timeout=0.1)
        try:
            mine.execute("SELECT * FROM audit_log").fetchall()
        except sqlite3.OperationalError as exc:
            locked = exc
    finally:
        other.execute("ROLLBACK")
    assert describe_db_error(locked).startswith("Die Datenbank ist gesperrt")


@pytest.mark.slow  # `serve` and `worker` started as processes (~8 s)
def test_serve_and_worker_refuse_a_read_only_database_before_their_banner(
        tmp_path: Path) -> None:
    _db, url = read_only(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for args in (["serve", "--city", "bad-hersfeld", "--port", "8731"], ["worker"]):
        # a server that started would run until the timeout
        done = subprocess.run([sys.executable, "-m", "hausbesuch", *args, "--db", url],
                              env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, done.stderr
        assert "schreibgeschützt" in done.stderr and "Traceback" not in done.stderr
        assert "läuft" not in done.stdout and "Warte" not in done.stdout, done.stdout


# ------------------------------------------------------------------ passwords in URLs


def test_a_password_in_the_query_of_a_url_is_never_shown(tmp_path: Path) -> None:
    """libpq's ``?password=`` form works and is masked in the store's URL (the worker's
    banner, every message)."""
    import uuid

    from tests.pg import drop_schema, pg_url

    url, schema = pg_url(), f"t_pw_{uuid.uuid4().hex[:12]}"
    sep = "&" if "?" in url else "?"
    try:
        with Store.open(f"{url}{sep}password=Pw-Hb-Geheim-42", schema=schema) as store:
            assert "Geheim" not in store.url and "password=***" in store.url, store.url
    finally:
        drop_schema(url, schema)
    code, out = run("plans", "--city", "bad-hersfeld", "--db",
                    "postgresql://hb@127.0.0.1:1/hb?sslmode=disable&password=Pw-Hb-Geheim-43")
    assert code == 2 and "nicht erreichbar" in out and "Geheim" not in out, out
    assert "password=***&sslmode=disable" in out, out


def test_an_unreadable_url_is_not_echoed_whole(tmp_path: Path) -> None:
    # a typo in the port: the address cannot be read; only what follows the last @
    code, out = run("plans", "--city", "bad-hersfeld", "--db",
                    "postgresql+psycopg://hb:Geheim123Pw@localhost:notaport/hb")
    assert code == 2 and "Geheim" not in out, out
    assert "Ungültige Datenbank-Adresse: postgresql+psycopg://…@localhost:notaport/hb" in out
    assert "prozentkodiert" in out, out
    # an @ in the password, not percent-encoded: no part of the password is shown and
    # no server is asked for a host "Wort@127.0.0.1"
    code, out = run("plans", "--city", "bad-hersfeld", "--db",
                    "postgresql://hb:Geheim@Wort@127.0.0.1:1/hb")
    assert code == 2 and "Geheim" not in out and "Wort" not in out, out
    assert "@ als %40" in out, out


# ------------------------------------------------------------------ no empty database


def test_account_link_and_worker_commands_make_no_empty_database(tmp_path: Path) -> None:
    """The colleague who left, disabled from a shell without the service's HAUSBESUCH_DB:
    „gibt es nicht“, not „Keinen Benutzer gefunden“, and no new file."""
    missing = tmp_path / "tippfehler" / "hb.sqlite"
    for args, stdin in ((["user", "disable", "kora"], None), (["user", "enable", "kora"], None),
                        (["user", "password", "kora", "--password-stdin"],
                         "Ziege-Fahrrad-Wolke-93\n"),
                        (["link", "--revoke", "AbCdEf12"], None),
                        (["link", "P1", "team-1", "2026-12-07"], None)):
        code, out = run(*args, "--db", str(missing), stdin=stdin)
        assert code == 2 and f"Die Datenbank {missing} gibt es nicht" in out, (args, out)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "hausbesuch", "worker", "--db", str(missing)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "gibt es nicht" in done.stderr, done.stderr
    assert not missing.parent.exists()
    # review 27 #4: a look at the teams (their CSV, a reset) neither
    for args in (["teams", "--city", "bad-hersfeld"],
                 ["teams", "--city", "bad-hersfeld", "--csv", str(tmp_path / "t.csv")],
                 ["teams", "--city", "bad-hersfeld", "--reset"]):
        code, out = run(*args, "--db", str(missing))
        said = " ".join(out.split())
        assert code == 2 and f"Die Datenbank {missing} gibt es nicht" in said, (args, out)
        assert creating_commands_text() in said, said
    assert not missing.parent.exists()
    # user add makes the database, as before
    code, out = run("user", "add", "kora", "--role", "admin", "--password-stdin", "--db",
                    str(missing), stdin="Ziege-Fahrrad-Wolke-93\n")
    assert code == 0 and missing.exists(), out


def test_reading_commands_leave_an_empty_postgresql_database_empty(request) -> None:  # noqa: ANN001
    """QA 27 deploy F2: on PostgreSQL ``plans`` or ``user list`` run on an empty database
    (e.g. to check the URL before a ``pg_restore``) made the whole schema and an audit row,
    so that the restore into it half-failed. They refuse in German and leave it empty;
    ``user add`` (like ``import``, ``plan``, ``serve``) still sets it up."""
    import uuid

    from sqlalchemy import create_engine, text

    from tests.pg import pg_url, schema_url

    schema = f"t_leer_{uuid.uuid4().hex[:12]}"
    url = schema_url(pg_url(), schema, request)

    def tables() -> list[str]:
        eng = create_engine(url)
        try:
            with eng.connect() as c:
                return list(c.execute(text(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                    ":s"), {"s": schema}).scalars())
        finally:
            eng.dispose()

    for args in (["plans", "--city", "bad-hersfeld"], ["user", "list"],
                 ["audit", "--ohne-stadt"], ["link", "--revoke", "AbCdEf12"],
                 # review 27 #4: a look at the teams set it up too
                 ["teams", "--city", "bad-hersfeld"]):
        code, out = run(*args, "--db", url)
        said = " ".join(out.split())
        assert code == 2 and "ist leer: noch nicht von hausbesuch eingerichtet" in said, \
            (args, said)
        assert creating_commands_text() in said, said
        assert ("Eine Sicherung wird mit pg_restore eingespielt, bevor ein hausbesuch-Befehl "
                "diese Datenbank benutzt.") in said and "Traceback" not in said
    assert tables() == []
    code, out = run("user", "add", "kora", "--role", "admin", "--password-stdin", "--db", url,
                    stdin="Ziege-Fahrrad-Wolke-93\n")
    assert code == 0, out
    assert "alembic_version" in tables() and "audit_log" in tables()
    code, out = run("user", "list", "--db", url)
    assert code == 0 and "kora" in out, out


def test_the_readme_names_the_commands_that_set_a_database_up_as_the_refusals_do() -> None:
    """Review 27 #4: the refusals, the README's Storage paragraph and its restore paragraph
    gave three different lists of the commands that set a database up."""
    import re

    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    named = ", ".join(f"`{c}`" for c in CREATING_COMMANDS[:-1]) + f" and `{CREATING_COMMANDS[-1]}`"
    assert f"Only {named} make a new SQLite file or set up an empty PostgreSQL database;" \
        in text
    assert f"before the restore: {named} would set up an empty schema" in text
    refusing = text.split("set up an empty PostgreSQL database; the commands that read", 1)[1]
    refusing = refusing.split(") refuse", 1)[0]
    listed = set(re.findall(r"`([a-z-]+(?: [a-z]+)?)`", refusing))
    assert {"teams", "absence list"} <= listed, listed
    assert not set(CREATING_COMMANDS) & listed, listed


# ------------------------------------------------------------------ serve's address


@pytest.mark.slow  # four `serve` processes started (~11 s idle, 30 s under load)
def test_serve_refuses_a_busy_port_an_unknown_address_and_an_impossible_port(
        tmp_path: Path) -> None:
    """Nothing says „läuft“ before the socket is bound; the reason is German (exit 2)."""
    import socket

    db = tmp_path / "fall.sqlite"
    Store.open(db).close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        port = busy.getsockname()[1]
        for extra, says in ((["--port", str(port)], f"Port {port} ist schon belegt"),
                            (["--port", "70000"], "--port: zwischen 1 und 65535, erhalten 70000"),
                            (["--port", "0"], "--port: zwischen 1 und 65535, erhalten 0"),
                            # TEST-NET-1 (RFC 5737): an address no machine of ours has
                            (["--host", "192.0.2.1", "--port", str(port), "--insecure-http"],
                             "--host 192.0.2.1: diese Adresse hat der Rechner nicht")):
            done = subprocess.run(
                [sys.executable, "-m", "hausbesuch", "serve", "--db", str(db), "--city",
                 "bad-hersfeld", *extra], env=env, capture_output=True, text=True, timeout=120)
            assert done.returncode == 2, (extra, done.stdout, done.stderr)
            assert says in done.stderr and "Traceback" not in done.stderr, done.stderr
            assert "läuft" not in done.stdout, done.stdout
    finally:
        busy.close()


def test_serve_binds_a_name_on_ipv4_as_uvicorn_did() -> None:
    """Review 15 M3: ``--host localhost`` must be 127.0.0.1 (where a proxy connects and
    what ``--proxy`` trusts), not ``::1`` where the resolver prefers IPv6; an address with
    a colon is IPv6."""
    import socket

    from hausbesuch.commands.web import _bind

    sock = _bind("localhost", 0)
    try:
        assert sock.family == socket.AF_INET and sock.getsockname()[0] == "127.0.0.1"
    finally:
        sock.close()
    if socket.has_ipv6:
        try:
            sock = _bind("::1", 0)
        except Exception:  # noqa: BLE001 - a machine without IPv6 loopback
            return
        try:
            assert sock.family == socket.AF_INET6
        finally:
            sock.close()


def test_a_broken_constraint_is_a_bug_not_a_message(tmp_path: Path) -> None:
    """Review 15 L4: only states of the database (read-only, full, damaged, locked) are
    told as one line; a broken constraint from our own code keeps its traceback, and a
    value quoted by the driver is left out of the line."""
    import typer
    from sqlalchemy.exc import IntegrityError, OperationalError

    from hausbesuch.commands._common import user_errors
    from hausbesuch.store import describe_db_error

    @user_errors
    def broken(exc: Exception) -> None:
        raise exc

    with pytest.raises(IntegrityError):
        broken(IntegrityError("INSERT …", {}, Exception("UNIQUE constraint failed")))
    with pytest.raises(typer.Exit) as info:
        broken(OperationalError("UPDATE …", {}, Exception("attempt to write a readonly "
                                                          "database")))
    assert info.value.exit_code == 2
    line = describe_db_error(OperationalError(
        "SELECT …", {}, Exception('invalid input syntax for type date: "Meier"\nDETAIL: x')))
    assert "Meier" not in line and '"…"' in line, line
