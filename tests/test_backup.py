"""``hausbesuch backup``: a consistent copy of the SQLite database while it is written to
(QA 15b: a plain ``cp`` during writes left 30 of 40 copies damaged), readable by its owner
only, audited; an existing target and PostgreSQL are refused in German."""

from __future__ import annotations

import sqlite3
import stat
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hausbesuch.cli import app

runner = CliRunner(env={"HAUSBESUCH_USER": "admin"})


def _busy_db(tmp_path: Path) -> str:
    from hausbesuch.store import Store

    db = f"sqlite:///{tmp_path / 'fall.sqlite'}"
    with Store.open(db) as store:
        for i in range(300):
            store.audit("kora", "fall_angezeigt", city="Bad Hersfeld", client_id=f"K-{i}",
                        details={"x": "y" * 200})
    return db


def test_a_backup_while_the_database_is_written_is_whole(tmp_path: Path) -> None:
    from hausbesuch.store import Store

    db = _busy_db(tmp_path)
    stop = threading.Event()
    written = [0]

    def writer() -> None:  # a server writing audit rows all the time
        with Store.open(db) as store:
            while not stop.is_set():
                store.audit("kora", "fall_angezeigt", city="Bad Hersfeld", client_id="K-1",
                            details={"x": "z" * 500})
                written[0] += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        copies = []
        for i in range(5):
            target = tmp_path / f"sicherung-{i}.sqlite"
            res = runner.invoke(app, ["backup", str(target), "--db", db])
            assert res.exit_code == 0, res.output
            assert f"Gesichert nach {target}" in res.output
            copies.append(target)
    finally:
        stop.set()
        t.join()
    assert written[0] > 0
    for target in copies:
        con = sqlite3.connect(target)
        try:
            assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert con.execute("SELECT count(*) FROM audit_log").fetchone()[0] >= 300
        finally:
            con.close()
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
        assert not list(tmp_path.glob(".*.tmp"))
        with Store.open(f"sqlite:///{target}", create=False) as copy:
            assert copy.current_revision() is not None
    with Store.open(db) as store:
        rows = [r for r in store.audit_rows() if r["action"] == "sicherung_erstellt"]
    assert len(rows) == 5 and rows[0]["actor"] == "cli:admin", rows
    # the absolute path: purge names the copy (QA 16b #5)
    assert rows[0]["details"]["datei"] == str((tmp_path / "sicherung-0.sqlite").resolve())


def test_an_existing_target_or_a_missing_folder_is_refused(tmp_path: Path) -> None:
    db = _busy_db(tmp_path)
    old = tmp_path / "alt.sqlite"
    old.write_bytes(b"alte Sicherung")
    res = runner.invoke(app, ["backup", str(old), "--db", db])
    assert res.exit_code == 2 and "die Datei gibt es schon" in res.output, res.output
    assert old.read_bytes() == b"alte Sicherung"
    res = runner.invoke(app, ["backup", str(tmp_path / "fehlt" / "s.sqlite"), "--db", db])
    assert res.exit_code == 2 and "existiert nicht" in res.output, res.output
    # a database that is not there is not made
    res = runner.invoke(app, ["backup", str(tmp_path / "s.sqlite"), "--db",
                              f"sqlite:///{tmp_path / 'vertippt.sqlite'}"])
    assert res.exit_code == 2 and not (tmp_path / "vertippt.sqlite").exists(), res.output


@pytest.mark.postgres
def test_postgresql_is_sent_to_pg_dump(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    from tests.pg import pg_url, schema_url

    db = schema_url(pg_url(), "t_backup", request)
    res = runner.invoke(app, ["backup", str(tmp_path / "s.sqlite"), "--db", db])
    assert res.exit_code == 2 and "pg_dump" in res.output, res.output
    assert not (tmp_path / "s.sqlite").exists()


def test_a_link_placed_in_the_folder_does_not_receive_the_copy(tmp_path: Path) -> None:
    """Review 15 M4: the temporary file was opened by a fixed name, following a link a
    user of a shared backup folder could place there (the whole database written into a
    file of theirs); it is a new file of its own now, and the copy is put in place
    without replacing anything."""
    db = _busy_db(tmp_path)
    theirs = tmp_path / "fremd.txt"
    theirs.write_text("fremd")
    target = tmp_path / "sicherung.sqlite"
    (tmp_path / ".sicherung.sqlite.tmp").symlink_to(theirs)
    res = runner.invoke(app, ["backup", str(target), "--db", db])
    assert res.exit_code == 0, res.output
    assert theirs.read_text() == "fremd"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600 and not target.is_symlink()
