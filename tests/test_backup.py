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
    from hausbesuch.store import Store
    from tests.pg import pg_url, schema_url

    db = schema_url(pg_url(), "t_backup", request)
    Store.open(db).close()  # set up (an empty database is refused before: QA 27 deploy F2)
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


def test_after_restore_revokes_every_day_link_and_ends_every_session(tmp_path: Path) -> None:
    """QA 27 deploy F1: a restored backup holds the day links revoked and the sessions ended
    since as valid; ``after-restore --yes`` revokes every link and ends every session,
    audited, and names what is to be redone by hand (accounts, passwords, erasures)."""
    import shutil
    from datetime import datetime, timedelta

    from fastapi import HTTPException

    from hausbesuch import clock
    from hausbesuch.store import Store
    from hausbesuch.web.auth import Limits, User, lookup_session, start_session
    from hausbesuch.web.links import resolve
    from hausbesuch.web.models import DeviceRow, WorkerLinkRow
    from hausbesuch.web.security import new_token, token_hash

    live = tmp_path / "fall.sqlite"
    db = f"sqlite:///{live}"
    done = runner.invoke(app, ["user", "add", "dora", "--role", "admin", "--password-stdin",
                               "--db", db], input="Sehr-geheim-2026-lang\n")
    assert done.exit_code == 0, done.output
    token = new_token(32)
    with Store.open(db) as store:
        with store.session() as s:  # a link as „hausbesuch link“ stores it (no plan needed here)
            now = clock.now()
            s.add(WorkerLinkRow(token_hash=token_hash(token), prefix=token[:8], city="Bad Hersfeld",
                                plan_id="plan-1", team_id="team-nord", day=now.date(),
                                valid_until=now + timedelta(hours=6), created_by="cli:admin",
                                created_at=now))
            # dora's browser logged in before (its device cookie passes the account's lock)
            s.add(DeviceRow(id_hash=token_hash(new_token(32)), user_name="dora",
                            created_at=now, last_used=now))
        cookie, _csrf = start_session(store, User(name="dora", role="admin", city=None))
    backup = tmp_path / "vor-widerruf.sqlite"
    assert runner.invoke(app, ["backup", str(backup), "--db", db]).exit_code == 0
    # after the backup: the phone is lost, the staff member left
    done = runner.invoke(app, ["link", "--revoke", token[:8], "--db", db])
    assert done.exit_code == 0, done.output
    # the day with its weekday, as the links page writes it
    weekday = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")[now.weekday()]
    assert done.output == f"Link {token[:8]}… (team-nord, {weekday}, {now:%d.%m.%Y}) " \
        "widerrufen.\n", done.output
    assert runner.invoke(app, ["user", "disable", "dora", "--db", db]).exit_code == 0

    restored = tmp_path / "wiederhergestellt.sqlite"
    shutil.copy(backup, restored)
    rdb = f"sqlite:///{restored}"
    with Store.open(rdb, create=False) as store:  # what the restore brings back
        assert resolve(store, token).team_id == "team-nord"
        assert lookup_session(store, cookie, Limits()) is not None

    dry = runner.invoke(app, ["after-restore", "--db", rdb])
    assert dry.exit_code == 0, dry.output
    said = " ".join(dry.output.split())
    assert ("Probelauf: 1 Tageslink zu widerrufen, 1 Anmeldesitzung zu beenden, 1 "
            "Gerätekennung von Browsern früherer Anmeldungen zu löschen") in said, said
    with Store.open(rdb, create=False) as store:
        assert resolve(store, token).team_id == "team-nord"

    done = runner.invoke(app, ["after-restore", "--yes", "--db", rdb])
    assert done.exit_code == 0, done.output
    said = " ".join(done.output.split())
    assert ("1 Tageslink widerrufen, 1 Anmeldesitzung beendet, 1 Gerätekennung von Browsern "
            "früherer Anmeldungen gelöscht") in said, said
    assert "hausbesuch user disable NAME" in said and "hausbesuch user password NAME" in said
    assert "hausbesuch purge" in said
    with Store.open(rdb, create=False) as store:
        with pytest.raises(HTTPException) as gone:
            resolve(store, token)
        assert gone.value.status_code == 410
        assert lookup_session(store, cookie, Limits()) is None
        with store.session() as s:  # disabled after the backup: no browser of hers passes
            assert s.query(DeviceRow).count() == 0
        rows = [r for r in store.audit_rows()
                if r["action"] == "zugaenge_nach_wiederherstellung_geschlossen"]
    assert len(rows) == 1 and rows[0]["actor"] == "cli:admin"
    assert rows[0]["details"] == {"tageslinks": 1, "sitzungen": 1, "planungen": 0,
                                  "warteschlange": 0, "geraete": 1}
    assert isinstance(rows[0]["at"], datetime)


def test_after_restore_names_one_copyable_audit_command_per_action(tmp_path: Path) -> None:
    """Review 27 #6: the hint read „--aktion user_disabled, user_password_set bzw.
    daten_geloescht“, which ``audit`` refuses (one code per --aktion), and did not say that
    the log to read is the OLD database's. Each line it prints now runs as it stands, with
    the placeholders filled in, on the old database."""
    import shutil

    from hausbesuch import clock

    old = tmp_path / "alt.sqlite"
    db = f"sqlite:///{old}"
    done = runner.invoke(app, ["user", "add", "dora", "--role", "admin", "--password-stdin",
                               "--db", db], input="Sehr-geheim-2026-lang\n")
    assert done.exit_code == 0, done.output
    backup = tmp_path / "sicherung.sqlite"
    assert runner.invoke(app, ["backup", str(backup), "--db", db]).exit_code == 0
    assert runner.invoke(app, ["user", "disable", "dora", "--db", db]).exit_code == 0
    restored = tmp_path / "wiederhergestellt.sqlite"
    shutil.copy(backup, restored)
    done = runner.invoke(app, ["after-restore", "--yes", "--db", f"sqlite:///{restored}"])
    assert done.exit_code == 0, done.output
    assert "Protokoll der ALTEN Datenbank" in " ".join(done.output.split())
    lines = [ln.split() for ln in done.output.splitlines()
             if ln.strip().startswith("hausbesuch audit")]
    assert [ln[ln.index("--aktion") + 1] for ln in lines] == [
        "user_disabled", "user_password_set", "daten_geloescht"], lines
    day = clock.today().strftime("%d.%m.%Y")
    shown = {}
    for ln in lines:
        args = [{"ALTE_DB": db, "TAG_DER_SICHERUNG": day}.get(a, a) for a in ln[1:]]
        at = args.index("--city")
        args[at:at + 2] = ["--ohne-stadt"]  # dora is an administrator
        res = runner.invoke(app, args)
        assert res.exit_code == 0, (args, res.output)
        shown[args[args.index("--aktion") + 1]] = res.output
    assert "dora" in shown["user_disabled"], shown


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql",
                                                         marks=pytest.mark.postgres)])
def test_after_restore_ends_the_planning_jobs_the_backup_held_waiting_or_running(
        tmp_path: Path, request: pytest.FixtureRequest, kind: str) -> None:
    """Review 27 #14: a backup taken while a plan was computed restores its job as
    „läuft“ (no process runs it) and a waiting one that a runner would start again; on
    PostgreSQL also their queue rows (``todo``/``doing``). ``after-restore --yes`` marks
    them failed with a German reason, audited in the same transaction, ends the queue
    rows, and leaves nothing for a runner to claim; the dry run counts them."""
    from sqlalchemy import text

    from hausbesuch.store import Store
    from hausbesuch.web import jobs, planjobs  # noqa: F401 - planjobs: the job kinds

    if kind == "sqlite":
        db = f"sqlite:///{tmp_path / 'wiederhergestellt.sqlite'}"
    else:
        import uuid

        from tests.pg import pg_url, schema_url

        db = schema_url(pg_url(), f"t_restore_{uuid.uuid4().hex[:12]}", request)
    params = {"start": "2026-12-07", "days": 1}
    with Store.open(db) as store:  # as the backup held it
        running = jobs.submit(store, "plan", "Bad Hersfeld", params, "kora")
        waiting = jobs.submit(store, "replan", "Bad Hersfeld", {**params, "plan_id": "p-1"},
                              "kora")
        assert jobs.JobRunner(store).claim(running).id == running
        if kind == "postgresql":
            from hausbesuch.web import pgqueue

            queue = pgqueue.make_app(store)
            pgqueue.defer(queue, running)
            pgqueue.defer(queue, waiting)
            with store.session() as s:  # a worker had fetched the first
                s.execute(text("UPDATE procrastinate_jobs SET status = 'doing' WHERE "
                               "args->>'job_id' = :j"), {"j": running})

    dry = runner.invoke(app, ["after-restore", "--db", db])
    assert dry.exit_code == 0, dry.output
    assert "2 wartende oder laufende Planungen abzubrechen" in " ".join(dry.output.split())
    with Store.open(db, create=False) as store:
        assert jobs.get(store, waiting).status == jobs.WAITING

    done = runner.invoke(app, ["after-restore", "--yes", "--db", db])
    assert done.exit_code == 0, done.output
    assert "2 wartende oder laufende Planungen abgebrochen" in " ".join(done.output.split())
    from hausbesuch.commands.backup import RESTORE_ABORTED

    with Store.open(db, create=False) as store:
        for job_id in (running, waiting):
            job = jobs.get(store, job_id)
            assert job.status == jobs.FAILED and job.error == RESTORE_ABORTED, job
            assert job.finished_at is not None
        assert jobs.JobRunner(store).claim() is None
        rows = store.audit_rows()
        failed = [r for r in rows if r["action"] == "plan_job_failed"]
        assert sorted(r["details"]["job"] for r in failed) == sorted([running, waiting])
        assert all(r["details"]["grund"] == "wiederherstellung" for r in failed)
        assert {r["plan_id"] for r in failed} == {None, "p-1"}
        (closed,) = [r for r in rows if r["action"] == "zugaenge_nach_wiederherstellung_geschlossen"]
        assert closed["details"]["planungen"] == 2
        if kind == "postgresql":
            with store.session() as s:
                states = dict(s.execute(text(
                    "SELECT args->>'job_id', status::text FROM procrastinate_jobs")).all())
            assert states == {running: "failed", waiting: "cancelled"}, states
            assert closed["details"]["warteschlange"] == 2
